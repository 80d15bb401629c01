/* Version, result codes and names, error handles, caller buffers, and free semantics. */
#include <stdio.h>

#include "check.h"

static void version_matches_macros(void) {
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", OCITRUST_VERSION_MAJOR, OCITRUST_VERSION_MINOR,
             OCITRUST_VERSION_PATCH);
    CHECK(strcmp(ocitrust_version(), expected) == 0);
    {
        size_t len;
        unsigned char *cargo_version = read_all(fixture("cargo-version"), &len);
        CHECK(strlen(ocitrust_version()) == len && memcmp(ocitrust_version(), cargo_version, len) == 0);
        free(cargo_version);
    }
}

static void result_names_cover_every_code(void) {
    static const struct {
        ocitrust_result code;
        const char *name;
    } codes[] = {
        {OCITRUST_OK, "ok"},
        {OCITRUST_ERR_INVALID_DIGEST, "invalid_digest"},
        {OCITRUST_ERR_INVALID_REFERENCE, "invalid_reference"},
        {OCITRUST_ERR_INVALID_MANIFEST, "invalid_manifest"},
        {OCITRUST_ERR_INVALID_PAYLOAD, "invalid_payload"},
        {OCITRUST_ERR_INVALID_KEY, "invalid_key"},
        {OCITRUST_ERR_INVALID_SIGNATURE_ENCODING, "invalid_signature_encoding"},
        {OCITRUST_ERR_INVALID_ARGUMENT, "invalid_argument"},
        {OCITRUST_ERR_LIMIT_EXCEEDED, "limit_exceeded"},
        {OCITRUST_ERR_UNSUPPORTED, "unsupported"},
        {OCITRUST_ERR_NOT_FOUND, "not_found"},
        {OCITRUST_ERR_NULL_ARGUMENT, "null_argument"},
        {OCITRUST_ERR_BUFFER_TOO_SMALL, "buffer_too_small"},
        {OCITRUST_ERR_INVALID_CERTIFICATE, "invalid_certificate"},
        {OCITRUST_ERR_INVALID_POLICY, "invalid_policy"},
        {OCITRUST_ERR_DIGEST_MISMATCH, "digest_mismatch"},
        {OCITRUST_ERR_NO_SIGNATURES, "no_signatures"},
        {OCITRUST_ERR_NO_MATCHING_SIGNATURES, "no_matching_signatures"},
        {OCITRUST_ERR_KEY_DECRYPTION, "key_decryption"},
        {OCITRUST_ERR_IO, "io"},
        {OCITRUST_ERR_NETWORK, "network"},
        {OCITRUST_ERR_UNAUTHORIZED, "unauthorized"},
        {OCITRUST_ERR_TIMEOUT, "timeout"},
        {OCITRUST_ERR_INTERNAL, "internal"},
        {OCITRUST_ERR_PANIC, "panic"},
    };
    size_t i;
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        CHECK(strcmp(ocitrust_result_name(codes[i].code), codes[i].name) == 0);
    }
    CHECK(strcmp(ocitrust_result_name(1), "unknown") == 0);
    CHECK(strcmp(ocitrust_result_name(0xffffffffu), "unknown") == 0);
    /* The groups: 1xx input, 2xx integrity, 3xx verification, 4xx keys, 5xx environment, 9xx bugs. */
    CHECK(OCITRUST_ERR_DIGEST_MISMATCH / 100 == 2);
    CHECK(OCITRUST_ERR_NO_SIGNATURES / 100 == 3 && OCITRUST_ERR_NO_MATCHING_SIGNATURES / 100 == 3);
}

static void error_handles_and_buffers(void) {
    ocitrust_public_key *key = NULL;
    ocitrust_error *error = NULL;
    char small[8], big[256];
    size_t len = 12345;

    /* A failing call fills error_out; the key out-parameter stays untouched. */
    CHECK_RC(ocitrust_public_key_from_pem((const uint8_t *)"junk", 4, &key, &error), OCITRUST_ERR_INVALID_KEY);
    CHECK(key == NULL);
    CHECK(error != NULL);
    CHECK_RC(ocitrust_error_code(error), OCITRUST_ERR_INVALID_KEY);

    /* Asking the length, a too-small buffer (left untouched), then an exact fit. */
    CHECK_RC(ocitrust_error_message(error, NULL, 0, &len), OCITRUST_ERR_BUFFER_TOO_SMALL);
    CHECK(len > 0 && len < sizeof big);
    memset(small, 'x', sizeof small);
    CHECK_RC(ocitrust_error_message(error, small, sizeof small, &len), OCITRUST_ERR_BUFFER_TOO_SMALL);
    CHECK(small[0] == 'x' && small[sizeof small - 1] == 'x');
    CHECK_RC(ocitrust_error_message(error, big, len, &len), OCITRUST_ERR_BUFFER_TOO_SMALL);
    CHECK_RC(ocitrust_error_message(error, big, len + 1, &len), OCITRUST_OK);
    CHECK(strlen(big) == len);
    CHECK(strstr(big, "SubjectPublicKeyInfo") != NULL);
    CHECK_RC(ocitrust_error_message(error, big, sizeof big, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_error_message(error, NULL, 5, &len), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_error_message(NULL, big, sizeof big, &len), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_error_code(NULL), OCITRUST_ERR_NULL_ARGUMENT);

    /* Free sets the variable to NULL, so a second free of the same variable is a no-op. */
    ocitrust_error_free(&error);
    CHECK(error == NULL);
    ocitrust_error_free(&error);
    ocitrust_error_free(NULL);

    /* One variable reused: each new error frees the one before (valgrind and ASan see no leak),
     * and a call that succeeds leaves the last error in place. */
    CHECK_RC(ocitrust_public_key_from_pem((const uint8_t *)"junk", 4, &key, &error), OCITRUST_ERR_INVALID_KEY);
    CHECK_RC(ocitrust_public_key_from_pem((const uint8_t *)"more junk", 9, &key, &error), OCITRUST_ERR_INVALID_KEY);
    CHECK(error != NULL);
    CHECK_RC(ocitrust_error_code(error), OCITRUST_ERR_INVALID_KEY);
    CHECK_RC(ocitrust_public_key_from_pem((const uint8_t *)"", 0, &key, &error), OCITRUST_ERR_INVALID_KEY);
    ocitrust_error_free(&error);
    CHECK(error == NULL);

    /* A NULL error_out is allowed: only the code comes back. */
    CHECK_RC(ocitrust_public_key_from_pem((const uint8_t *)"junk", 4, &key, NULL), OCITRUST_ERR_INVALID_KEY);
}

static void every_free_accepts_null(void) {
    ocitrust_public_key *key = NULL;
    ocitrust_verifier *verifier = NULL;
    ocitrust_verdict *verdict = NULL;
    ocitrust_signing_key *signing_key = NULL;
    ocitrust_sign_outcome *outcome = NULL;
    ocitrust_key_pair *pair = NULL;
    ocitrust_error *error = NULL;
    ocitrust_attached *attached = NULL;
    ocitrust_attached_free(NULL);
    ocitrust_attached_free(&attached);
    ocitrust_public_key_free(NULL);
    ocitrust_public_key_free(&key);
    ocitrust_verifier_free(NULL);
    ocitrust_verifier_free(&verifier);
    ocitrust_verdict_free(NULL);
    ocitrust_verdict_free(&verdict);
    ocitrust_signing_key_free(NULL);
    ocitrust_signing_key_free(&signing_key);
    ocitrust_sign_outcome_free(NULL);
    ocitrust_sign_outcome_free(&outcome);
    ocitrust_key_pair_free(NULL);
    ocitrust_key_pair_free(&pair);
    ocitrust_error_free(NULL);
    ocitrust_error_free(&error);
    CHECK(key == NULL && verifier == NULL && verdict == NULL && signing_key == NULL && outcome == NULL &&
          pair == NULL && error == NULL);
}

int main(void) {
    version_matches_macros();
    result_names_cover_every_code();
    error_handles_and_buffers();
    every_free_accepts_null();
    return checks_done("test_basics");
}
