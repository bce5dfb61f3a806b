/* replay_main.c — a main() for the non-fuzzing replay build of cmrp_fuzzer.c: runs every file
 * named on the command line (or found in a named folder) through LLVMFuzzerTestOneInput once.
 * libfuzz.sh builds it with clang's source-based coverage to measure the corpus's line coverage. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long n_inputs;

static void
run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long len;
    if (!f) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(len > 0 ? (size_t)len : 1);
    if (!buf || (len > 0 && fread(buf, 1, (size_t)len, f) != (size_t)len)) {
        fprintf(stderr, "%s: read failed\n", path);
        exit(2);
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)len);
    free(buf);
    n_inputs++;
}

static void
run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        exit(2);
    }
    if (S_ISDIR(st.st_mode)) {
        struct dirent **names;
        int n = scandir(path, &names, NULL, alphasort);
        for (int i = 0; i < n; i++) {
            if (names[i]->d_name[0] != '.') {
                char *child = malloc(strlen(path) + strlen(names[i]->d_name) + 2);
                sprintf(child, "%s/%s", path, names[i]->d_name);
                run_path(child);
                free(child);
            }
            free(names[i]);
        }
        free(names);
    } else {
        run_file(path);
    }
}

int
main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++)
        run_path(argv[i]);
    fprintf(stderr, "cmrp_replay: %lu inputs\n", n_inputs);
    return 0;
}
