/* canary.c - proves the sanitizer harness works: preloaded into tshark next to the ASan runtime,
 * its constructor makes the error named by CMRP_FUZZ_CANARY ("asan": a heap overflow, "ubsan":
 * a signed overflow), which fuzzlib.judge() must report. Built by test_fuzz_smoke.py with
 *   gcc -shared -fPIC -fsanitize=address,undefined -o canary.so canary.c
 */
#include <stdlib.h>
#include <string.h>

static volatile int sink;

__attribute__((constructor)) static void
canary(void)
{
    const char *what = getenv("CMRP_FUZZ_CANARY");
    if (!what)
        return;
    if (strcmp(what, "asan") == 0) {
        char *p = malloc(8);
        volatile int i = 8;
        sink = p[i];            /* heap-buffer-overflow */
        free(p);
    } else if (strcmp(what, "ubsan") == 0) {
        volatile int big = 0x7fffffff;
        sink = big + 1;         /* signed integer overflow */
    }
}
