/* Attestations through the C ABI: ocitrust_verifier_verify_attestations on the attestation sample
   (attested by the real cosign with the sample key), per platform and per predicate type, and
   ocitrust_verdict_signature_attestation copying out what a verified one states, positive and
   negative, with the size query and NULL arguments. */
#include "check.h"

static ocitrust_verifier *sample_verifier(const char *platform) {
    ocitrust_public_key *key = NULL;
    ocitrust_verifier *verifier = NULL;
    CHECK_RC(ocitrust_public_key_from_file(fixture("cosign.pub"), &key, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_new(&verifier, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_add_key(verifier, key, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_set_insecure_ignore_tlog(verifier, true, NULL), OCITRUST_OK);
    if (platform != NULL) CHECK_RC(ocitrust_verifier_set_platform(verifier, platform, NULL), OCITRUST_OK);
    ocitrust_public_key_free(&key);
    return verifier;
}

/* The predicate file `name` of the sample, NUL-terminated. */
static char *predicate_file(const char *name, size_t *len) {
    return (char *)read_all(scratch_printf("%s/%s", fixture("attestations/predicates"), name), len);
}

static void each_platform_gives_its_own_sbom(void) {
    ocitrust_verifier *amd64 = sample_verifier("linux/amd64");
    ocitrust_verifier *riscv64 = sample_verifier("linux/riscv64");
    ocitrust_verdict *verdict = NULL;
    ocitrust_error *error = NULL;
    char text[256];
    size_t len = 0, needed = 0, spdx_len;
    unsigned char *predicate;
    char *spdx = predicate_file("spdx-amd64.json", &spdx_len);

    CHECK_RC(ocitrust_verifier_verify_attestations(amd64, layout_ref("attestations/layout-v2", ""), "spdxjson", 0,
                                                   &verdict, &error),
             OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_OK);
    {
        /* Find the verified one; the cyclonedx attestation is listed too, not matching. */
        size_t i, count = ocitrust_verdict_signature_count(verdict), verified = count;
        for (i = 0; i < count; i++) {
            bool ok = false;
            CHECK_RC(ocitrust_verdict_signature_verified(verdict, i, &ok), OCITRUST_OK);
            if (ok) verified = i;
            else
                CHECK_RC(ocitrust_verdict_signature_attestation(verdict, i, OCITRUST_ATTESTATION_PREDICATE, NULL, 0,
                                                                &needed),
                         OCITRUST_ERR_NOT_FOUND);
        }
        CHECK(count == 2 && verified < count);
        CHECK_RC(ocitrust_verdict_signature_kind(verdict, verified, text, sizeof text, &len), OCITRUST_OK);
        CHECK(strcmp(text, "cosign-attestation") == 0);
        CHECK_RC(ocitrust_verdict_signature_attestation(verdict, verified, OCITRUST_ATTESTATION_PREDICATE_TYPE,
                                                        (uint8_t *)text, sizeof text, &len),
                 OCITRUST_OK);
        CHECK(strcmp(text, "https://spdx.dev/Document") == 0);
        /* Ask the size first, then copy: the predicate cosign put in the statement (re-encoded by
           cosign, so compared for the values it holds). */
        CHECK_RC(ocitrust_verdict_signature_attestation(verdict, verified, OCITRUST_ATTESTATION_PREDICATE, NULL, 0,
                                                        &needed),
                 OCITRUST_ERR_BUFFER_TOO_SMALL);
        predicate = malloc(needed + 1);
        CHECK_RC(ocitrust_verdict_signature_attestation(verdict, verified, OCITRUST_ATTESTATION_PREDICATE, predicate,
                                                        needed + 1, &len),
                 OCITRUST_OK);
        CHECK(len == needed && predicate[len] == '\0');
        CHECK(strstr((char *)predicate, "\"documentNamespace\":\"https://ocitrust.example/spdx/sample-amd64\"") != NULL);
        CHECK(strstr(spdx, "https://ocitrust.example/spdx/sample-amd64") != NULL);
        free(predicate);
        CHECK_RC(ocitrust_verdict_signature_attestation(verdict, verified, OCITRUST_ATTESTATION_ENVELOPE,
                                                        (uint8_t *)text, sizeof text, &len),
                 OCITRUST_ERR_BUFFER_TOO_SMALL);
        CHECK(len > 100);
        CHECK_RC(ocitrust_verdict_signature_attestation(verdict, verified, 99, (uint8_t *)text, sizeof text, &len),
                 OCITRUST_ERR_INVALID_ARGUMENT);
        CHECK_RC(ocitrust_verdict_signature_attestation(NULL, verified, OCITRUST_ATTESTATION_PREDICATE_TYPE,
                                                        (uint8_t *)text, sizeof text, &len),
                 OCITRUST_ERR_NULL_ARGUMENT);
    }
    ocitrust_verdict_free(&verdict);

    /* A type nobody attested: a verdict, untrusted, with each one's reason. */
    CHECK_RC(ocitrust_verifier_verify_attestations(amd64, layout_ref("attestations/layout-v2", ""), "slsaprovenance1",
                                                   0, &verdict, &error),
             OCITRUST_OK);
    CHECK(!ocitrust_verdict_trusted(verdict));
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_ERR_NO_MATCHING_SIGNATURES);
    CHECK(error_says(&error, OCITRUST_ERR_NO_MATCHING_SIGNATURES, "expected \"https://slsa.dev/provenance/v1\""));
    ocitrust_verdict_free(&verdict);

    /* A platform without its own: an error naming the index; an unknown type; NULL arguments. */
    CHECK_RC(ocitrust_verifier_verify_attestations(riscv64, layout_ref("attestations/layout-v2", ""), "cyclonedx", 0,
                                                   &verdict, &error),
             OCITRUST_ERR_NO_SIGNATURES);
    CHECK(verdict == NULL);
    CHECK(error_says(&error, OCITRUST_ERR_NO_SIGNATURES,
                     "its index sha256:629cdab7b9e3973b7f8869a8a62d78b33b1559a5bea35509157b09c24131e657 has 1"));
    CHECK_RC(ocitrust_verifier_verify_attestations(amd64, layout_ref("attestations/layout-v2", ""), "sbom", 0,
                                                   &verdict, &error),
             OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_ARGUMENT, "invalid predicate type: sbom"));
    CHECK_RC(ocitrust_verifier_verify_attestations(amd64, layout_ref("attestations/layout-v2", ""), NULL, 0, &verdict,
                                                   NULL),
             OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_verify_attestations(NULL, layout_ref("attestations/layout-v2", ""), "cyclonedx", 0,
                                                   &verdict, NULL),
             OCITRUST_ERR_NULL_ARGUMENT);

    ocitrust_verifier_free(&amd64);
    ocitrust_verifier_free(&riscv64);
    free(spdx);
}

static void a_bundle_attestation(void) {
    ocitrust_verifier *verifier = sample_verifier(NULL);
    ocitrust_verdict *verdict = NULL;
    char text[64];
    size_t len;
    CHECK_RC(ocitrust_verifier_verify_attestations(verifier, layout_ref("attestations/layout-v3", ""), "cyclonedx", 0,
                                                   &verdict, NULL),
             OCITRUST_OK);
    CHECK(ocitrust_verdict_trusted(verdict));
    CHECK_RC(ocitrust_verdict_signature_kind(verdict, 0, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strcmp(text, "sigstore-bundle") == 0);
    CHECK_RC(ocitrust_verdict_signature_attestation(verdict, 0, OCITRUST_ATTESTATION_PREDICATE_TYPE, (uint8_t *)text,
                                                    sizeof text, &len),
             OCITRUST_OK);
    CHECK(strcmp(text, "https://cyclonedx.org/bom") == 0);
    CHECK_RC(ocitrust_verdict_signature_predicate_type(verdict, 0, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strcmp(text, "https://cyclonedx.org/bom") == 0);
    ocitrust_verdict_free(&verdict);
    /* As cosign verify (v3) reads it, the attestation bundle is a signature of the image too, and
       says its predicate type. */
    CHECK_RC(ocitrust_verifier_verify(verifier, layout_ref("attestations/layout-v3", ""), 0, &verdict, NULL),
             OCITRUST_OK);
    CHECK(ocitrust_verdict_trusted(verdict));
    CHECK_RC(ocitrust_verdict_signature_predicate_type(verdict, 0, text, sizeof text, &len), OCITRUST_OK);
    CHECK(len == strlen("https://cyclonedx.org/bom") && strcmp(text, "https://cyclonedx.org/bom") == 0);
    CHECK_RC(ocitrust_verdict_signature_predicate_type(verdict, 99, text, sizeof text, &len),
             OCITRUST_ERR_INVALID_ARGUMENT);
    ocitrust_verdict_free(&verdict);
    /* A tag-scheme signature has no statement, so no predicate type. */
    CHECK_RC(ocitrust_verifier_verify(verifier, layout_ref("sample", ""), 0, &verdict, NULL), OCITRUST_OK);
    CHECK(ocitrust_verdict_trusted(verdict));
    CHECK_RC(ocitrust_verdict_signature_predicate_type(verdict, 0, text, sizeof text, &len), OCITRUST_ERR_NOT_FOUND);
    ocitrust_verdict_free(&verdict);
    ocitrust_verifier_free(&verifier);
}

static void attest_then_verify(void) {
    size_t pem_len, len;
    unsigned char *pem = read_all(fixture("cosign.key"), &pem_len);
    const char *sbom = "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"version\":1}";
    ocitrust_signing_key *key = NULL;
    ocitrust_sign_outcome *outcome = NULL;
    ocitrust_verifier *verifier = sample_verifier(NULL);
    ocitrust_verdict *verdict = NULL;
    ocitrust_error *error = NULL;
    char text[512];

    CHECK_RC(ocitrust_signing_key_from_pem(pem, pem_len, NULL, 0, &key, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_attest(key, layout_ref("signable", ""), "cyclonedx", (const uint8_t *)sbom, strlen(sbom), false,
                             false, NULL, NULL, &outcome, &error),
             OCITRUST_OK);
    CHECK_RC(ocitrust_sign_outcome_location(outcome, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strstr(text, "cosign save attestations") != NULL); /* the sample is a cosign save layout */
    ocitrust_sign_outcome_free(&outcome);
    CHECK_RC(ocitrust_verifier_verify_attestations(verifier, layout_ref("signable", ""), "cyclonedx", 0, &verdict,
                                                   &error),
             OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_signature_attestation(verdict, 0, OCITRUST_ATTESTATION_PREDICATE, (uint8_t *)text,
                                                    sizeof text, &len),
             OCITRUST_OK);
    CHECK(strcmp(text, sbom) == 0);
    ocitrust_verdict_free(&verdict);
    /* A predicate its type refuses changes nothing and says why; NULL arguments. */
    CHECK_RC(ocitrust_attest(key, layout_ref("signable", ""), "cyclonedx", (const uint8_t *)"{nope", 5, false, false,
                             NULL, NULL, &outcome, &error),
             OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK(outcome == NULL);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_ARGUMENT, "invalid JSON payload"));
    CHECK_RC(ocitrust_attest(key, layout_ref("signable", ""), NULL, (const uint8_t *)sbom, strlen(sbom), false, false,
                             NULL, NULL, &outcome, NULL),
             OCITRUST_ERR_NULL_ARGUMENT);
    ocitrust_signing_key_free(&key);
    ocitrust_verifier_free(&verifier);
    free(pem);
}

int main(void) {
    each_platform_gives_its_own_sbom();
    attest_then_verify();
    a_bundle_attestation();
    return checks_done("test_attestations");
}
