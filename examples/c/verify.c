/*
 * verify: check the cosign signatures of an image in an OCI layout, from C.
 *
 *   verify --key cosign.pub [--insecure-ignore-tlog] [-a key=value]... [--platform os/arch] [--json] oci:PATH[:TAG|@DIGEST]
 *
 * Exit status as cosign's: 0 trusted, 10 no signatures, 12 no matching signatures, 1 anything else.
 * Build: cc verify.c $(pkg-config --cflags --libs ocitrust)   (or ocitrust-static)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocitrust.h"

static int usage(void) {
    fprintf(stderr, "usage: verify --key KEY [--insecure-ignore-tlog] [-a key=value]... "
                    "[--platform os/arch] [--json] oci:PATH[:TAG|@DIGEST]\n");
    return 1;
}

/* Prints an error with its code and name, frees it, and returns the exit status cosign would. */
static int fail(const char *what, ocitrust_result code, ocitrust_error **error) {
    size_t len = 0;
    char *message = NULL;
    if (ocitrust_error_message(*error, NULL, 0, &len) == OCITRUST_ERR_BUFFER_TOO_SMALL &&
        (message = malloc(len + 1)) != NULL &&
        ocitrust_error_message(*error, message, len + 1, &len) == OCITRUST_OK) {
        fprintf(stderr, "%s: error %u (%s): %s\n", what, code, ocitrust_result_name(code), message);
    } else {
        fprintf(stderr, "%s: error %u (%s)\n", what, code, ocitrust_result_name(code));
    }
    free(message);
    ocitrust_error_free(error);
    if (code == OCITRUST_ERR_NO_SIGNATURES) return 10;
    if (code == OCITRUST_ERR_NO_MATCHING_SIGNATURES) return 12;
    return 1;
}

/* Copies a verdict string field into a fresh buffer (freed by the caller), or returns NULL. */
static char *verdict_string(ocitrust_result (*field)(const ocitrust_verdict *, char *, size_t, size_t *),
                            const ocitrust_verdict *verdict) {
    size_t len = 0;
    char *text;
    if (field(verdict, NULL, 0, &len) != OCITRUST_ERR_BUFFER_TOO_SMALL) return NULL;
    if ((text = malloc(len + 1)) == NULL) return NULL;
    if (field(verdict, text, len + 1, &len) != OCITRUST_OK) {
        free(text);
        return NULL;
    }
    return text;
}

int main(int argc, char **argv) {
    const char *key_path = NULL, *platform = NULL, *reference = NULL;
    int insecure_ignore_tlog = 0, json = 0, status = 1, i;
    ocitrust_public_key *key = NULL;
    ocitrust_verifier *verifier = NULL;
    ocitrust_verdict *verdict = NULL;
    ocitrust_error *error = NULL;
    ocitrust_result rc;
    char *text;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) key_path = argv[++i];
        else if (strcmp(argv[i], "--platform") == 0 && i + 1 < argc) platform = argv[++i];
        else if (strcmp(argv[i], "--insecure-ignore-tlog") == 0) insecure_ignore_tlog = 1;
        else if (strcmp(argv[i], "--json") == 0) json = 1;
        else if (strcmp(argv[i], "-a") == 0 && i + 1 < argc) i++; /* applied after the verifier exists */
        else if (argv[i][0] != '-' && reference == NULL) reference = argv[i];
        else return usage();
    }
    if (key_path == NULL || reference == NULL) return usage();

    if ((rc = ocitrust_public_key_from_file(key_path, &key, &error)) != OCITRUST_OK) {
        return fail("loading the key", rc, &error);
    }
    rc = ocitrust_verifier_new(&verifier, &error);
    if (rc == OCITRUST_OK) rc = ocitrust_verifier_add_key(verifier, key, &error);
    ocitrust_public_key_free(&key); /* the verifier keeps its own copy */
    if (rc != OCITRUST_OK) return fail("making the verifier", rc, &error);

    for (i = 1; i < argc && rc == OCITRUST_OK; i++) {
        char annotation[1024], *eq;
        if (strcmp(argv[i], "-a") != 0) continue;
        i++;
        if (strlen(argv[i]) >= sizeof annotation || (eq = strchr(strcpy(annotation, argv[i]), '=')) == NULL) {
            fprintf(stderr, "-a %s: expected key=value\n", argv[i]);
            ocitrust_verifier_free(&verifier);
            return 1;
        }
        *eq = '\0';
        rc = ocitrust_verifier_require_annotation(verifier, annotation, eq + 1, &error);
    }
    if (rc == OCITRUST_OK && platform != NULL) rc = ocitrust_verifier_set_platform(verifier, platform, &error);
    if (rc == OCITRUST_OK && insecure_ignore_tlog) {
        fprintf(stderr, "WARNING: --insecure-ignore-tlog: no transparency-log proof is required\n");
        rc = ocitrust_verifier_set_insecure_ignore_tlog(verifier, true, &error);
    }
    if (rc == OCITRUST_OK) rc = ocitrust_verifier_verify(verifier, reference, 0, &verdict, &error);
    ocitrust_verifier_free(&verifier);
    if (rc != OCITRUST_OK) return fail(reference, rc, &error);

    if (json && (text = verdict_string(ocitrust_verdict_json, verdict)) != NULL) {
        printf("%s\n", text);
        free(text);
    }
    rc = ocitrust_verdict_require_trusted(verdict, &error);
    if (rc == OCITRUST_OK) {
        text = verdict_string(ocitrust_verdict_digest, verdict);
        printf("Verified %s (%s): %zu signature(s) examined\n", reference, text ? text : "?",
               ocitrust_verdict_signature_count(verdict));
        free(text);
        status = 0;
    } else {
        status = fail(reference, rc, &error);
    }
    ocitrust_verdict_free(&verdict);
    return status;
}
