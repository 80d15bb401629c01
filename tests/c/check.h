/* A minimal harness for the C tests: checks that count and report, and fixture helpers. */
#ifndef OCITRUST_TEST_CHECK_H
#define OCITRUST_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocitrust.h"

static int checks_run = 0;
static int checks_failed = 0;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        checks_run++;                                                                 \
        if (!(cond)) {                                                                \
            checks_failed++;                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                             \
    } while (0)

/* Checks that `expr` returns `expected`, naming both codes on failure. */
#define CHECK_RC(expr, expected)                                                              \
    do {                                                                                      \
        ocitrust_result rc_ = (expr);                                                         \
        checks_run++;                                                                         \
        if (rc_ != (ocitrust_result)(expected)) {                                             \
            checks_failed++;                                                                  \
            fprintf(stderr, "%s:%d: %s\n  returned %u (%s), expected %u (%s)\n", __FILE__,    \
                    __LINE__, #expr, rc_, ocitrust_result_name(rc_), (unsigned)(expected),   \
                    ocitrust_result_name(expected));                                          \
        }                                                                                     \
    } while (0)

/* Ends a test program: prints the tally, exits non-zero if any check failed or none ran. */
static inline int checks_done(const char *program) {
    if (checks_failed != 0 || checks_run == 0) {
        fprintf(stderr, "%s: %d of %d checks FAILED\n", program, checks_failed, checks_run);
        return 1;
    }
    printf("%s: %d checks passed\n", program, checks_run);
    return 0;
}

/* Formats into one of a few rotating static buffers, so several results can be used at once. */
static inline const char *scratch_printf(const char *fmt, const char *a, const char *b) {
    static char buffers[8][4096];
    static unsigned next = 0;
    char *buf = buffers[next++ % 8];
    if ((size_t)snprintf(buf, sizeof buffers[0], fmt, a, b) >= sizeof buffers[0]) {
        fprintf(stderr, "path too long: %s %s\n", a, b);
        exit(2);
    }
    return buf;
}

/* The path of fixture `name` in $OCITRUST_FIXTURES (made by tests/tools/ffi_fixtures.py). */
static inline const char *fixture(const char *name) {
    const char *dir = getenv("OCITRUST_FIXTURES");
    if (dir == NULL || *dir == '\0') {
        fprintf(stderr, "OCITRUST_FIXTURES is not set; run the C tests with tests/c/run.sh\n");
        exit(2);
    }
    return scratch_printf("%s/%s", dir, name);
}

/* `oci:<fixture dir><suffix>`, e.g. layout_ref("multiarch", ":multi"). */
static inline const char *layout_ref(const char *name, const char *suffix) {
    return scratch_printf("oci:%s%s", fixture(name), suffix);
}

/* Reads a whole file into a malloc'd buffer; aborts on failure. */
static inline unsigned char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    unsigned char *bytes;
    long size;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    bytes = malloc((size_t)size + 1);
    if (bytes == NULL || fread(bytes, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    *len = (size_t)size;
    return bytes;
}

/* A key pair's PEM text (`field` is ocitrust_key_pair_private_key_pem or _public_key_pem) in a
   malloc'd string, read the two-call way: ask the length, then copy. */
static inline char *key_pair_pem(ocitrust_result (*field)(const ocitrust_key_pair *, char *, size_t, size_t *),
                                 const ocitrust_key_pair *pair) {
    size_t len = 0;
    char *text;
    CHECK_RC(field(pair, NULL, 0, &len), OCITRUST_ERR_BUFFER_TOO_SMALL);
    text = malloc(len + 1);
    CHECK_RC(field(pair, text, len + 1, &len), OCITRUST_OK);
    return text;
}

/* The code of an error handle and whether its message contains `needle`; frees the handle. */
/* The OIDC issuer the keyless fixture was signed under (keyless/issuer without its line break); free it. */
static inline char *keyless_issuer(void) {
    size_t len;
    char *issuer = (char *)read_all(fixture("keyless/issuer"), &len);
    while (len > 0 && (issuer[len - 1] == '\n' || issuer[len - 1] == '\r')) len--;
    issuer[len] = '\0';
    return issuer;
}

static inline int error_says(ocitrust_error **error, ocitrust_result code, const char *needle) {
    size_t len = 0;
    char *message;
    int ok;
    if (*error == NULL) return 0;
    if (ocitrust_error_code(*error) != code) {
        ocitrust_error_free(error);
        return 0;
    }
    ocitrust_error_message(*error, NULL, 0, &len);
    message = malloc(len + 1);
    ok = message != NULL && ocitrust_error_message(*error, message, len + 1, &len) == OCITRUST_OK &&
         strstr(message, needle) != NULL;
    if (!ok && message != NULL) fprintf(stderr, "  message was: %s\n", message);
    free(message);
    ocitrust_error_free(error);
    return ok;
}

#endif
