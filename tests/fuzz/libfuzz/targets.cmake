# The libFuzzer target and its coverage replay build. Included by the top-level CMakeLists.txt
# (include(), same directory scope: the gen/ outputs are custom commands of that scope) when CMRP_LIBFUZZER=ON (tests/fuzz/libfuzz.sh configures build-libfuzz/ that way, with clang).
# Both compile exactly the shipped plugin's sources and generated files (CMRP_SOURCES and the
# gen/ outputs), with the shipped definitions and warnings; only instrumentation flags differ.
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "CMRP_LIBFUZZER needs clang (CC=clang): -fsanitize=fuzzer is clang's")
endif()
set(CMRP_FUZZ_PLUGIN_SOURCES ${CMRP_SOURCES} "${CMRP_GEN_DIR}/cmrp-gen.c" "${CMRP_GEN_DIR}/cmrp-ctl-table.c"
    "${CMRP_GEN_DIR}/cmrp-propmeanings.c"
    "${CMRP_GEN_DIR}/cmrp-ctl-layouts.h" "${CMRP_GEN_DIR}/cmrp-prop-layouts.h"
    "${CMRP_GEN_DIR}/cmrp-notify-payloads.h" ${CMRP_FIELD_HEADERS})

function(cmrp_fuzz_target name)
    cmake_parse_arguments(T "" "" "SOURCES;FLAGS;LINK_FLAGS" ${ARGN})
    add_executable(${name} EXCLUDE_FROM_ALL ${T_SOURCES} ${CMRP_FUZZ_PLUGIN_SOURCES})
    set_target_properties(${name} PROPERTIES C_STANDARD 11 C_EXTENSIONS ON)
    target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}/plugin" "${CMRP_GEN_DIR}")
    target_compile_definitions(${name} PRIVATE WS_BUILD_DLL HAVE_PLUGINS
        CMRP_VERSION="${PROJECT_VERSION}")
    target_compile_options(${name} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers
        -g -fno-omit-frame-pointer ${T_FLAGS})
    target_link_options(${name} PRIVATE ${T_LINK_FLAGS})
    target_link_libraries(${name} PRIVATE epan wsutil)
endfunction()

# The fuzzer: libFuzzer's coverage instrumentation, ASan, UBSan (halting on any report).
cmrp_fuzz_target(cmrp_fuzzer
    SOURCES "${CMAKE_CURRENT_LIST_DIR}/cmrp_fuzzer.c"
    FLAGS -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
    LINK_FLAGS -fsanitize=fuzzer,address,undefined)
# The replay build: no fuzzing, no sanitizers, clang source-based coverage of every file.
cmrp_fuzz_target(cmrp_replay
    SOURCES "${CMAKE_CURRENT_LIST_DIR}/cmrp_fuzzer.c" "${CMAKE_CURRENT_LIST_DIR}/replay_main.c"
    FLAGS -O0 -fprofile-instr-generate -fcoverage-mapping
    LINK_FLAGS -fprofile-instr-generate)
