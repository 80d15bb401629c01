/* Public keys, generated key pairs and signing keys. */
#include "check.h"

static void public_keys(void) {
    const char *key_path = fixture("cosign.pub");
    size_t pem_len, len = 0;
    unsigned char *pem = read_all(key_path, &pem_len);
    ocitrust_public_key *from_pem = NULL, *from_file = NULL, *untouched = NULL;
    ocitrust_error *error = NULL;
    char id_pem[128], id_file[128];

    CHECK_RC(ocitrust_public_key_from_pem(pem, pem_len, &from_pem, &error), OCITRUST_OK);
    CHECK(from_pem != NULL && error == NULL);
    CHECK_RC(ocitrust_public_key_from_file(key_path, &from_file, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_public_key_id(from_pem, id_pem, sizeof id_pem, &len), OCITRUST_OK);
    CHECK(len == 64 && strlen(id_pem) == 64);
    CHECK_RC(ocitrust_public_key_id(from_file, id_file, sizeof id_file, &len), OCITRUST_OK);
    CHECK(strcmp(id_pem, id_file) == 0);
    CHECK_RC(ocitrust_public_key_id(from_pem, id_file, 64, &len), OCITRUST_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 64);
    CHECK_RC(ocitrust_public_key_id(NULL, id_file, sizeof id_file, &len), OCITRUST_ERR_NULL_ARGUMENT);

    /* Bad input: each fails with its code and leaves the out-parameter alone. */
    CHECK_RC(ocitrust_public_key_from_pem(pem, pem_len / 2, &untouched, &error), OCITRUST_ERR_INVALID_KEY);
    CHECK(untouched == NULL && error_says(&error, OCITRUST_ERR_INVALID_KEY, ""));
    CHECK_RC(ocitrust_public_key_from_pem(NULL, 10, &untouched, &error), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_NULL_ARGUMENT, "`pem`"));
    CHECK_RC(ocitrust_public_key_from_pem(NULL, 0, &untouched, NULL), OCITRUST_ERR_INVALID_KEY);
    CHECK_RC(ocitrust_public_key_from_pem(pem, pem_len, NULL, &error), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_NULL_ARGUMENT, "`key_out`"));
    CHECK_RC(ocitrust_public_key_from_file(NULL, &untouched, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_public_key_from_file("/nonexistent/cosign.pub", &untouched, &error), OCITRUST_ERR_NOT_FOUND);
    CHECK(error_says(&error, OCITRUST_ERR_NOT_FOUND, "/nonexistent/cosign.pub"));
    CHECK_RC(ocitrust_public_key_from_file(fixture("not-a-file"), &untouched, &error), OCITRUST_ERR_IO);
    CHECK(error_says(&error, OCITRUST_ERR_IO, fixture("not-a-file")));
    CHECK_RC(ocitrust_public_key_from_file(fixture("oversize.pub"), &untouched, &error),
             OCITRUST_ERR_LIMIT_EXCEEDED);
    CHECK(error_says(&error, OCITRUST_ERR_LIMIT_EXCEEDED, "limit"));
    CHECK_RC(ocitrust_public_key_from_file("\xff\xfe", &untouched, &error), OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_ARGUMENT, "UTF-8"));
    CHECK(untouched == NULL);

    /* Keys from URLs: https only (the positive path is tested through the CLI with an HTTPS server). */
    CHECK_RC(ocitrust_public_key_from_url("http://127.0.0.1:1/cosign.pub", &untouched, &error),
             OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_ARGUMENT, "only https://"));
    CHECK_RC(ocitrust_public_key_from_url("https://127.0.0.1:1/cosign.pub", &untouched, &error), OCITRUST_ERR_NETWORK);
    CHECK(error_says(&error, OCITRUST_ERR_NETWORK, "127.0.0.1:1"));
    CHECK_RC(ocitrust_public_key_from_url(key_path, &untouched, &error), OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_ARGUMENT, "not an https:// URL"));
    CHECK_RC(ocitrust_public_key_from_url(NULL, &untouched, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_public_key_from_url("https://127.0.0.1:1/k", NULL, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK(untouched == NULL);

    ocitrust_public_key_free(&from_pem);
    ocitrust_public_key_free(&from_pem); /* the variable is NULL now: a no-op */
    ocitrust_public_key_free(&from_file);
    CHECK(from_pem == NULL && from_file == NULL);
    free(pem);
}

/* Copies a key pair's PEM (private or public) into a fresh buffer. */
static void key_pairs_and_signing_keys(void) {
    ocitrust_key_pair *pair = NULL;
    ocitrust_signing_key *signing_key = NULL, *untouched = NULL;
    ocitrust_public_key *public_key = NULL;
    ocitrust_error *error = NULL;
    char *private_pem, *public_pem;
    size_t len;

    CHECK_RC(ocitrust_key_pair_generate((const uint8_t *)"pw", 2, &pair, &error), OCITRUST_OK);
    private_pem = key_pair_pem(ocitrust_key_pair_private_key_pem, pair);
    public_pem = key_pair_pem(ocitrust_key_pair_public_key_pem, pair);
    CHECK(strstr(private_pem, "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----") == private_pem);
    CHECK(strstr(public_pem, "-----BEGIN PUBLIC KEY-----") == public_pem);
    CHECK_RC(ocitrust_key_pair_public_key_pem(NULL, NULL, 0, &len), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_key_pair_private_key_pem(pair, NULL, 0, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    ocitrust_key_pair_free(&pair);
    ocitrust_key_pair_free(&pair);
    CHECK(pair == NULL);

    /* The generated files work: the private key decrypts with its password, the public key parses. */
    CHECK_RC(ocitrust_signing_key_from_pem((const uint8_t *)private_pem, strlen(private_pem),
                                           (const uint8_t *)"pw", 2, &signing_key, &error),
             OCITRUST_OK);
    CHECK(signing_key != NULL);
    CHECK_RC(ocitrust_public_key_from_pem((const uint8_t *)public_pem, strlen(public_pem), &public_key, &error),
             OCITRUST_OK);
    CHECK_RC(ocitrust_signing_key_from_pem((const uint8_t *)private_pem, strlen(private_pem),
                                           (const uint8_t *)"wrong", 5, &untouched, &error),
             OCITRUST_ERR_KEY_DECRYPTION);
    CHECK(untouched == NULL && error_says(&error, OCITRUST_ERR_KEY_DECRYPTION, "password"));
    CHECK_RC(ocitrust_signing_key_from_pem((const uint8_t *)"nope", 4, NULL, 0, &untouched, &error),
             OCITRUST_ERR_INVALID_KEY);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_KEY, ""));
    CHECK_RC(ocitrust_signing_key_from_pem((const uint8_t *)private_pem, strlen(private_pem), NULL, 3, &untouched,
                                           &error),
             OCITRUST_ERR_NULL_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_NULL_ARGUMENT, "`password`"));
    CHECK_RC(ocitrust_signing_key_from_pem((const uint8_t *)private_pem, strlen(private_pem), NULL, 0, NULL, NULL),
             OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_key_pair_generate(NULL, 0, NULL, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK(untouched == NULL);

    ocitrust_signing_key_free(&signing_key);
    ocitrust_signing_key_free(&signing_key);
    ocitrust_public_key_free(&public_key);
    CHECK(signing_key == NULL && public_key == NULL);
    free(private_pem);
    free(public_pem);
}

int main(void) {
    public_keys();
    key_pairs_and_signing_keys();
    return checks_done("test_keys");
}
