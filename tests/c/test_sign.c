/* Signing a layout with a generated key, then verifying the signature; failures change nothing. */
#include "check.h"

static int same_bytes(const char *path_a, const unsigned char *b, size_t b_len) {
    size_t a_len;
    unsigned char *a = read_all(path_a, &a_len);
    int same = a_len == b_len && memcmp(a, b, a_len) == 0;
    free(a);
    return same;
}

int main(void) {
    ocitrust_key_pair *pair = NULL;
    ocitrust_signing_key *key = NULL;
    ocitrust_public_key *public_key = NULL;
    ocitrust_verifier *verifier = NULL;
    ocitrust_verdict *verdict = NULL;
    ocitrust_sign_outcome *outcome = NULL;
    ocitrust_error *error = NULL;
    ocitrust_annotation annotations[2];
    char *private_pem, *public_pem, text[4096];
    unsigned char *index_before;
    size_t len, index_len;

    CHECK_RC(ocitrust_key_pair_generate(NULL, 0, &pair, &error), OCITRUST_OK); /* empty password */
    private_pem = key_pair_pem(ocitrust_key_pair_private_key_pem, pair);
    public_pem = key_pair_pem(ocitrust_key_pair_public_key_pem, pair);
    ocitrust_key_pair_free(&pair);
    CHECK_RC(ocitrust_signing_key_from_pem((const uint8_t *)private_pem, strlen(private_pem), NULL, 0, &key, &error),
             OCITRUST_OK);
    CHECK_RC(ocitrust_public_key_from_pem((const uint8_t *)public_pem, strlen(public_pem), &public_key, &error),
             OCITRUST_OK);

    annotations[0].key = "team";
    annotations[0].value = "platform";
    annotations[1].key = "ci";
    annotations[1].value = "true";
    CHECK_RC(ocitrust_sign(key, layout_ref("signable", ""), annotations, 2, "registry.example/app", NULL, &outcome, &error),
             OCITRUST_OK);
    CHECK(outcome != NULL && error == NULL);
    CHECK_RC(ocitrust_sign_outcome_subject_digest(outcome, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strcmp(text, "sha256:198ab5544a1261f11a03498d804fe00986882f0366803d30a27b353393736524") == 0);
    CHECK_RC(ocitrust_sign_outcome_signature_digest(outcome, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strncmp(text, "sha256:", 7) == 0 && len == 71);
    CHECK_RC(ocitrust_sign_outcome_location(outcome, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strstr(text, "signable") != NULL);
    CHECK_RC(ocitrust_sign_outcome_location(outcome, text, 3, &len), OCITRUST_ERR_BUFFER_TOO_SMALL);
    CHECK_RC(ocitrust_sign_outcome_location(NULL, text, sizeof text, &len), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_sign_outcome_subject_digest(outcome, text, sizeof text, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_sign_outcome_signature_digest(NULL, text, sizeof text, &len), OCITRUST_ERR_NULL_ARGUMENT);
    ocitrust_sign_outcome_free(&outcome);
    ocitrust_sign_outcome_free(&outcome);
    CHECK(outcome == NULL);

    /* The new signature verifies with the generated key, annotations included. */
    CHECK_RC(ocitrust_verifier_new(&verifier, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_add_key(verifier, public_key, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_set_insecure_ignore_tlog(verifier, true, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_require_annotation(verifier, "team", "platform", &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_verify(verifier, layout_ref("signable", ""), 0, &verdict, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_OK);
    ocitrust_verdict_free(&verdict);

    /* The sample key signs only the index of a multi-arch layout; each platform manifest is then
       trusted through it, unless the platform manifest's own signature is required. */
    {
        size_t key_len;
        unsigned char *sample_key_pem = read_all(fixture("cosign.key"), &key_len);
        ocitrust_signing_key *sample_key = NULL;
        ocitrust_public_key *sample_pub = NULL;
        ocitrust_verifier *through = NULL;
        char digest[128];
        CHECK_RC(ocitrust_signing_key_from_pem(sample_key_pem, key_len, NULL, 0, &sample_key, &error), OCITRUST_OK);
        CHECK_RC(ocitrust_sign(sample_key, layout_ref("multiarch-index", ":multi"), NULL, 0, NULL, NULL, &outcome, &error),
                 OCITRUST_OK);
        CHECK_RC(ocitrust_sign_outcome_subject_digest(outcome, digest, sizeof digest, &len), OCITRUST_OK);
        ocitrust_sign_outcome_free(&outcome);
        CHECK_RC(ocitrust_public_key_from_file(fixture("cosign.pub"), &sample_pub, &error), OCITRUST_OK);
        CHECK_RC(ocitrust_verifier_new(&through, &error), OCITRUST_OK);
        CHECK_RC(ocitrust_verifier_add_key(through, sample_pub, &error), OCITRUST_OK);
        CHECK_RC(ocitrust_verifier_set_insecure_ignore_tlog(through, true, &error), OCITRUST_OK);
        CHECK_RC(ocitrust_verifier_set_platform(through, "linux/arm64/v8", &error), OCITRUST_OK);
        CHECK_RC(ocitrust_verifier_verify(through, layout_ref("multiarch-index", ":multi"), 0, &verdict, &error),
                 OCITRUST_OK);
        CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_OK);
        CHECK_RC(ocitrust_verdict_verified_through_index(verdict, text, sizeof text, &len), OCITRUST_OK);
        CHECK(strcmp(text, digest) == 0);
        ocitrust_verdict_free(&verdict);
        CHECK_RC(ocitrust_verifier_set_require_platform_signature(through, true, &error), OCITRUST_OK);
        CHECK_RC(ocitrust_verifier_verify(through, layout_ref("multiarch-index", ":multi"), 0, &verdict, &error),
                 OCITRUST_OK);
        CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_ERR_NO_SIGNATURES);
        CHECK(error_says(&error, OCITRUST_ERR_NO_SIGNATURES, "no signatures found"));
        CHECK_RC(ocitrust_verdict_verified_through_index(verdict, text, sizeof text, &len), OCITRUST_ERR_NOT_FOUND);
        CHECK_RC(ocitrust_verdict_verified_through_index(NULL, text, sizeof text, &len), OCITRUST_ERR_NULL_ARGUMENT);
        CHECK_RC(ocitrust_verifier_set_require_platform_signature(NULL, true, NULL), OCITRUST_ERR_NULL_ARGUMENT);
        ocitrust_verdict_free(&verdict);
        ocitrust_verifier_free(&through);
        ocitrust_public_key_free(&sample_pub);
        ocitrust_signing_key_free(&sample_key);
        free(sample_key_pem);
    }

    /* Failures leave the layout byte-identical. */
    index_before = read_all(fixture("tampered-manifest/index.json"), &index_len);
    CHECK_RC(ocitrust_sign(key, layout_ref("tampered-manifest", ""), NULL, 0, NULL, NULL, &outcome, &error),
             OCITRUST_ERR_DIGEST_MISMATCH);
    CHECK(outcome == NULL && error_says(&error, OCITRUST_ERR_DIGEST_MISMATCH, "digest mismatch"));
    CHECK(same_bytes(fixture("tampered-manifest/index.json"), index_before, index_len));
    free(index_before);
    CHECK_RC(ocitrust_sign(key, layout_ref("missing", ""), NULL, 0, NULL, NULL, &outcome, &error), OCITRUST_ERR_NOT_FOUND);
    CHECK(error_says(&error, OCITRUST_ERR_NOT_FOUND, "missing"));
    CHECK_RC(ocitrust_sign(key, "127.0.0.1:1/org/app:1", NULL, 0, NULL, NULL, &outcome, &error), OCITRUST_ERR_NETWORK);
    CHECK(error_says(&error, OCITRUST_ERR_NETWORK, "127.0.0.1:1")); /* nothing listens there */
    {
        /* Registry options reach the signer: its CA file is read when the registry is first reached. */
        ocitrust_registry_options *registry = NULL;
        CHECK_RC(ocitrust_registry_options_new(&registry), OCITRUST_OK);
        CHECK_RC(ocitrust_registry_options_set_ca_file(registry, fixture("no-such-ca.pem"), &error), OCITRUST_OK);
        CHECK_RC(ocitrust_sign(key, "127.0.0.1:1/org/app:1", NULL, 0, NULL, registry, &outcome, &error),
                 OCITRUST_ERR_NOT_FOUND);
        CHECK(outcome == NULL && error_says(&error, OCITRUST_ERR_NOT_FOUND, "no-such-ca.pem"));
        ocitrust_registry_options_free(&registry);
    }

    /* NULL arguments. */
    annotations[1].value = NULL;
    CHECK_RC(ocitrust_sign(key, layout_ref("signable", ""), annotations, 2, NULL, NULL, &outcome, &error),
             OCITRUST_ERR_NULL_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_NULL_ARGUMENT, "annotations[1].value"));
    CHECK_RC(ocitrust_sign(key, layout_ref("signable", ""), NULL, 1, NULL, NULL, &outcome, &error),
             OCITRUST_ERR_NULL_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_NULL_ARGUMENT, "`annotations`"));
    CHECK_RC(ocitrust_sign(NULL, layout_ref("signable", ""), NULL, 0, NULL, NULL, &outcome, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_sign(key, NULL, NULL, 0, NULL, NULL, &outcome, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_sign(key, layout_ref("signable", ""), NULL, 0, NULL, NULL, NULL, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK(outcome == NULL);

    ocitrust_verifier_free(&verifier);
    ocitrust_public_key_free(&public_key);
    ocitrust_signing_key_free(&key);
    free(private_pem);
    free(public_pem);
    return checks_done("test_sign");
}
