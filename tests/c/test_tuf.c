/* Trust material from TUF and OCI archives through the C ABI: ocitrust_trusted_root_from_tuf against
   the python-tuf repository tests/c/run.sh serves on loopback (OCITRUST_TEST_TUF_MIRROR, its first
   root OCITRUST_TEST_TUF_ROOT; its target is the keyless fixture's trusted root), the material a
   root records, the default root, refusals with their codes, and an image read from an
   oci-archive. */
#include "check.h"

static void the_trusted_root_of_a_tuf_repository(void) {
    const char *mirror = getenv("OCITRUST_TEST_TUF_MIRROR");
    const char *root_file = getenv("OCITRUST_TEST_TUF_ROOT");
    size_t root_len, len;
    unsigned char *root_json;
    char *issuer;
    char text[2048];
    ocitrust_trusted_root *root = NULL, *again = NULL, *other = NULL;
    ocitrust_identity *identity = NULL;
    ocitrust_verifier *verifier = NULL;
    ocitrust_verdict *verdict = NULL;
    ocitrust_error *error = NULL;
    const char *cache = scratch_printf("%s/%s", getenv("OCITRUST_FIXTURES"), "tuf-cache");

    CHECK(mirror != NULL && root_file != NULL);
    root_json = read_all(root_file, &root_len);
    CHECK_RC(ocitrust_trusted_root_from_tuf(mirror, root_json, root_len, cache, &root, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_trusted_root_material(root, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strstr(text, "\"source\":\"tuf\"") != NULL);
    CHECK(strstr(text, "\"tuf\":{\"root\":1,\"timestamp\":1,\"snapshot\":1,\"targets\":1}") != NULL);
    CHECK(strstr(text, mirror) != NULL);

    /* The keyless sample verifies under it. */
    issuer = keyless_issuer();
    CHECK_RC(ocitrust_identity_new("ci@example.com", false, issuer, false, &identity, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_new(&verifier, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_add_identity(verifier, identity, root, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_verify(verifier, layout_ref("keyless/layout-bundle", ""), 0, &verdict, &error),
             OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_OK);
    ocitrust_verdict_free(&verdict);

    /* A second call is served by the cache, whatever initial root is given. */
    CHECK_RC(ocitrust_trusted_root_from_tuf(mirror, NULL, 0, cache, &again, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_trusted_root_material(again, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strstr(text, "\"source\":\"tuf\"") != NULL);
    ocitrust_trusted_root_free(&again);

    /* Refusals, each with its code: not an http(s) mirror; a mirror that is not there (fresh cache);
       an initial root that is not TUF metadata; a NULL out parameter. */
    CHECK_RC(ocitrust_trusted_root_from_tuf("ftp://127.0.0.1/x", NULL, 0, cache, &other, &error),
             OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_ARGUMENT, "expected an http:// or https:// URL"));
    CHECK(other == NULL);
    CHECK_RC(ocitrust_trusted_root_from_tuf("http://127.0.0.1:9", root_json, root_len,
                                            scratch_printf("%s/%s", cache, "-unreachable"), &other, &error),
             OCITRUST_ERR_NETWORK);
    CHECK(error_says(&error, OCITRUST_ERR_NETWORK, "127.0.0.1:9"));
    CHECK_RC(ocitrust_trusted_root_from_tuf(mirror, (const uint8_t *)"{}", 2,
                                            scratch_printf("%s/%s", cache, "-garbage"), &other, &error),
             OCITRUST_ERR_INVALID_CERTIFICATE);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_CERTIFICATE, "updating from the TUF mirror"));
    CHECK_RC(ocitrust_trusted_root_from_tuf(mirror, NULL, 0, cache, NULL, &error), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_NULL_ARGUMENT, "root_out"));
    CHECK_RC(ocitrust_trusted_root_material(NULL, text, sizeof text, &len), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_trusted_root_material(root, text, 4, &len), OCITRUST_ERR_BUFFER_TOO_SMALL);

    /* Offline, the default root is the embedded one. */
    CHECK_RC(ocitrust_trusted_root_default(1, &other, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_trusted_root_material(other, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strstr(text, "\"source\":\"embedded\"") != NULL);
    ocitrust_trusted_root_free(&other);

    ocitrust_verifier_free(&verifier);
    ocitrust_identity_free(&identity);
    ocitrust_trusted_root_free(&root);
    free(issuer);
    free(root_json);
}

static void an_image_in_an_oci_archive(void) {
    ocitrust_public_key *key = NULL;
    ocitrust_verifier *verifier = NULL;
    ocitrust_verdict *verdict = NULL;
    ocitrust_error *error = NULL;
    size_t key_len;
    unsigned char *key_pem = read_all(fixture("cosign.pub"), &key_len);
    const char *archive = scratch_printf("oci-archive:%s%s", getenv("OCITRUST_TEST_SAMPLE_ARCHIVE"), "");

    CHECK_RC(ocitrust_public_key_from_pem(key_pem, key_len, &key, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_new(&verifier, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_add_key(verifier, key, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_set_insecure_ignore_tlog(verifier, true, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_verify(verifier, archive, 0, &verdict, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_OK);
    ocitrust_verdict_free(&verdict);
    /* A path that is no archive. */
    CHECK_RC(ocitrust_verifier_verify(verifier, "oci-archive:/nonexistent.tar", 0, &verdict, &error),
             OCITRUST_ERR_NOT_FOUND);
    CHECK(error_says(&error, OCITRUST_ERR_NOT_FOUND, "/nonexistent.tar"));
    ocitrust_verifier_free(&verifier);
    ocitrust_public_key_free(&key);
    free(key_pem);
}

int main(void) {
    the_trusted_root_of_a_tuf_repository();
    an_image_in_an_oci_archive();
    return checks_done("test_tuf");
}
