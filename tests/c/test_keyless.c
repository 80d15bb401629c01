/* Keyless and bundle verification through the C ABI: trusted roots, identities as authorities, and
   ocitrust_verifier_verify_blob on real Sigstore bundles (the shared conformance data), positive and
   negative, with every new accessor and NULL argument. */
#include "check.h"

#define BEACON "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
#define GITHUB_ISSUER "https://token.actions.githubusercontent.com"

static unsigned char *bundle_bytes(const char *name, size_t *len) {
    return read_all(fixture(scratch_printf("bundle/%s%s", name, "")), len);
}

/* A verifier trusting `identity` (exact or regexp) under the production root. */
static ocitrust_verifier *keyless_verifier(const char *subject, bool subject_regexp, const char *issuer) {
    ocitrust_trusted_root *root = NULL;
    ocitrust_identity *identity = NULL;
    ocitrust_verifier *verifier = NULL;
    CHECK_RC(ocitrust_trusted_root_production(&root, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_identity_new(subject, subject_regexp, issuer, false, &identity, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_new(&verifier, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_add_identity(verifier, identity, root, NULL), OCITRUST_OK);
    /* The verifier keeps its own copy of the identity and a reference to the root. */
    ocitrust_identity_free(&identity);
    ocitrust_trusted_root_free(&root);
    CHECK(identity == NULL && root == NULL);
    return verifier;
}

static void a_keyless_bundle_verifies_by_bytes_and_by_digest(void) {
    size_t bundle_len, artifact_len, len;
    unsigned char *bundle = bundle_bytes("keyless.json", &bundle_len);
    unsigned char *artifact = bundle_bytes("a.txt", &artifact_len);
    ocitrust_verifier *verifier = keyless_verifier(BEACON, false, GITHUB_ISSUER);
    ocitrust_verdict *verdict = NULL;
    ocitrust_error *error = NULL;
    char text[4096];

    CHECK_RC(ocitrust_verifier_verify_blob(verifier, bundle, bundle_len, artifact, artifact_len, NULL, "a.txt",
                                           &verdict, &error),
             OCITRUST_OK);
    CHECK(ocitrust_verdict_trusted(verdict));
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_signature_kind(verdict, 0, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strcmp(text, "sigstore-bundle") == 0);
    CHECK_RC(ocitrust_verdict_signature_signer(verdict, 0, OCITRUST_SIGNER_CERTIFICATE_SUBJECT, text, sizeof text,
                                               &len),
             OCITRUST_OK);
    CHECK(strcmp(text, BEACON) == 0);
    CHECK_RC(ocitrust_verdict_signature_signer(verdict, 0, OCITRUST_SIGNER_CERTIFICATE_ISSUER, text, sizeof text,
                                               &len),
             OCITRUST_OK);
    CHECK(strcmp(text, GITHUB_ISSUER) == 0);
    CHECK_RC(ocitrust_verdict_signature_signer(verdict, 0, OCITRUST_SIGNER_CERTIFICATE_CLAIMS, text, sizeof text,
                                               &len),
             OCITRUST_OK);
    CHECK(strstr(text, "\"github-workflow-repository\":\"sigstore-conformance/extremely-dangerous-public-oidc-beacon\"") != NULL);
    CHECK_RC(ocitrust_verdict_signature_signer(verdict, 0, OCITRUST_SIGNER_AUTHORITY, text, sizeof text, &len),
             OCITRUST_OK);
    CHECK(strncmp(text, "keyless identity", 16) == 0);
    {
        /* Every check is named; the keyless ones are among them, all passed. */
        size_t i, count = ocitrust_verdict_signature_check_count(verdict, 0);
        int saw_sct = 0, saw_identity = 0, saw_certificate = 0, saw_timestamp = 0;
        for (i = 0; i < count; i++) {
            ocitrust_check_name name = 0;
            ocitrust_outcome outcome = 0;
            CHECK_RC(ocitrust_verdict_signature_check(verdict, 0, i, &name, &outcome), OCITRUST_OK);
            CHECK(outcome == OCITRUST_OUTCOME_PASSED);
            saw_sct |= name == OCITRUST_CHECK_SCT;
            saw_identity |= name == OCITRUST_CHECK_IDENTITY;
            saw_certificate |= name == OCITRUST_CHECK_CERTIFICATE;
            saw_timestamp |= name == OCITRUST_CHECK_TIMESTAMP;
        }
        CHECK(saw_sct && saw_identity && saw_certificate && saw_timestamp);
    }
    ocitrust_verdict_free(&verdict);

    /* The same by digest, as `verify-bundle … sha256:<hex>` (sha256 of a.txt). */
    CHECK_RC(ocitrust_verifier_verify_blob(
                 verifier, bundle, bundle_len, NULL, 0,
                 "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf", "a.txt", &verdict, &error),
             OCITRUST_OK);
    CHECK(ocitrust_verdict_trusted(verdict));
    ocitrust_verdict_free(&verdict);

    /* Another artifact: untrusted, with the reason. */
    CHECK_RC(ocitrust_verifier_verify_blob(verifier, bundle, bundle_len, (const uint8_t *)"x", 1, NULL, "x", &verdict,
                                           &error),
             OCITRUST_OK);
    CHECK(!ocitrust_verdict_trusted(verdict));
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_ERR_NO_MATCHING_SIGNATURES);
    CHECK(error_says(&error, OCITRUST_ERR_NO_MATCHING_SIGNATURES, "for something else"));
    ocitrust_verdict_free(&verdict);

    /* A bundle that does not parse is an error, not a verdict; the out-parameter is left alone. */
    CHECK_RC(ocitrust_verifier_verify_blob(verifier, (const uint8_t *)"{", 1, artifact, artifact_len, NULL, "a.txt",
                                           &verdict, &error),
             OCITRUST_ERR_INVALID_PAYLOAD);
    CHECK(verdict == NULL);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_PAYLOAD, "not a Sigstore bundle"));
    CHECK_RC(ocitrust_verifier_verify_blob(verifier, bundle, bundle_len, NULL, 0, "sha256:nothex", "x", &verdict,
                                           &error),
             OCITRUST_ERR_INVALID_DIGEST);
    ocitrust_error_free(&error);
    ocitrust_verifier_free(&verifier);
    free(bundle);
    free(artifact);
}

static void wrong_identity_issuer_and_claims_are_refused_with_what_was_found(void) {
    size_t bundle_len, artifact_len;
    unsigned char *bundle = bundle_bytes("keyless.json", &bundle_len);
    unsigned char *artifact = bundle_bytes("a.txt", &artifact_len);
    ocitrust_verdict *verdict = NULL;
    ocitrust_error *error = NULL;
    ocitrust_verifier *wrong_issuer = keyless_verifier(BEACON, false, "https://google.com");
    ocitrust_verifier *regexp = keyless_verifier("^https://github\\.com/sigstore-conformance/", true, GITHUB_ISSUER);
    ocitrust_verifier *stranger = keyless_verifier("^https://github\\.com/someone-else/", true, GITHUB_ISSUER);

    CHECK_RC(ocitrust_verifier_verify_blob(wrong_issuer, bundle, bundle_len, artifact, artifact_len, NULL, "a.txt",
                                           &verdict, NULL),
             OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_ERR_NO_MATCHING_SIGNATURES);
    CHECK(error_says(&error, OCITRUST_ERR_NO_MATCHING_SIGNATURES,
                     "expected issuer value \"https://google.com\", got \"" GITHUB_ISSUER "\""));
    ocitrust_verdict_free(&verdict);

    CHECK_RC(ocitrust_verifier_verify_blob(regexp, bundle, bundle_len, artifact, artifact_len, NULL, "a.txt", &verdict,
                                           NULL),
             OCITRUST_OK);
    CHECK(ocitrust_verdict_trusted(verdict));
    ocitrust_verdict_free(&verdict);

    CHECK_RC(ocitrust_verifier_verify_blob(stranger, bundle, bundle_len, artifact, artifact_len, NULL, "a.txt",
                                           &verdict, NULL),
             OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_ERR_NO_MATCHING_SIGNATURES);
    /* The expression as given, unescaped, as sigstore-go prints it. */
    CHECK(error_says(&error, OCITRUST_ERR_NO_MATCHING_SIGNATURES,
                     "expected SAN value to match regex \"^https://github\\.com/someone-else/\", got \"" BEACON "\""));
    ocitrust_verdict_free(&verdict);

    {
        /* A GitHub claim that differs; an unknown claim name; a regexp that does not compile. */
        ocitrust_identity *identity = NULL;
        ocitrust_trusted_root *root = NULL;
        ocitrust_verifier *verifier = NULL;
        CHECK_RC(ocitrust_identity_new(BEACON, false, GITHUB_ISSUER, false, &identity, NULL), OCITRUST_OK);
        CHECK_RC(ocitrust_identity_require_claim(identity, "github-workflow-ref", "refs/heads/other", &error),
                 OCITRUST_OK);
        CHECK_RC(ocitrust_identity_require_claim(identity, "favourite-colour", "blue", &error),
                 OCITRUST_ERR_INVALID_ARGUMENT);
        CHECK(error_says(&error, OCITRUST_ERR_INVALID_ARGUMENT, "unknown claim"));
        CHECK_RC(ocitrust_trusted_root_production(&root, NULL), OCITRUST_OK);
        CHECK_RC(ocitrust_verifier_new(&verifier, NULL), OCITRUST_OK);
        CHECK_RC(ocitrust_verifier_add_identity(verifier, identity, root, NULL), OCITRUST_OK);
        CHECK_RC(ocitrust_verifier_verify_blob(verifier, bundle, bundle_len, artifact, artifact_len, NULL, "a.txt",
                                               &verdict, NULL),
                 OCITRUST_OK);
        CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_ERR_NO_MATCHING_SIGNATURES);
        CHECK(error_says(&error, OCITRUST_ERR_NO_MATCHING_SIGNATURES, "github-workflow-ref"));
        ocitrust_verdict_free(&verdict);
        ocitrust_identity_free(&identity);
        CHECK_RC(ocitrust_identity_new("(", true, GITHUB_ISSUER, false, &identity, &error),
                 OCITRUST_ERR_INVALID_ARGUMENT);
        CHECK(identity == NULL);
        CHECK(error_says(&error, OCITRUST_ERR_INVALID_ARGUMENT, "regular expression"));
        ocitrust_verifier_free(&verifier);
        ocitrust_trusted_root_free(&root);
    }
    ocitrust_verifier_free(&wrong_issuer);
    ocitrust_verifier_free(&regexp);
    ocitrust_verifier_free(&stranger);
    free(bundle);
    free(artifact);
}

static void a_key_signed_bundle_with_its_own_trusted_root(void) {
    size_t bundle_len, artifact_len, root_len;
    unsigned char *bundle = bundle_bytes("key.json", &bundle_len);
    unsigned char *artifact = bundle_bytes("a.txt", &artifact_len);
    unsigned char *root_json = bundle_bytes("key-trusted-root.json", &root_len);
    ocitrust_public_key *key = NULL;
    ocitrust_trusted_root *root = NULL, *from_file = NULL;
    ocitrust_verifier *verifier = NULL;
    ocitrust_verdict *verdict = NULL;
    ocitrust_error *error = NULL;
    char text[256];
    size_t len;

    CHECK_RC(ocitrust_public_key_from_file(fixture("bundle/key.pub"), &key, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_trusted_root_from_json(root_json, root_len, &root, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_trusted_root_from_file(fixture("bundle/key-trusted-root.json"), &from_file, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_new(&verifier, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_add_key(verifier, key, NULL), OCITRUST_OK);

    /* Under the production root, the staging log that holds this entry is unknown. */
    CHECK_RC(ocitrust_verifier_verify_blob(verifier, bundle, bundle_len, artifact, artifact_len, NULL, "a.txt",
                                           &verdict, NULL),
             OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_ERR_NO_MATCHING_SIGNATURES);
    CHECK(error_says(&error, OCITRUST_ERR_NO_MATCHING_SIGNATURES, "does not list"));
    ocitrust_verdict_free(&verdict);

    CHECK_RC(ocitrust_verifier_set_trusted_root(verifier, from_file, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_verify_blob(verifier, bundle, bundle_len, artifact, artifact_len, NULL, "a.txt",
                                           &verdict, NULL),
             OCITRUST_OK);
    CHECK(ocitrust_verdict_trusted(verdict));
    /* A key signer has no certificate fields. */
    CHECK_RC(ocitrust_verdict_signature_signer(verdict, 0, OCITRUST_SIGNER_CERTIFICATE_ISSUER, text, sizeof text,
                                               &len),
             OCITRUST_ERR_NOT_FOUND);
    ocitrust_verdict_free(&verdict);

    /* With --insecure-ignore-sct and -tlog recorded in the verdict. */
    CHECK_RC(ocitrust_verifier_set_insecure_ignore_sct(verifier, true, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_verify_blob(verifier, bundle, bundle_len, artifact, artifact_len, NULL, "a.txt",
                                           &verdict, NULL),
             OCITRUST_OK);
    CHECK(ocitrust_verdict_insecure_count(verdict) == 1);
    CHECK_RC(ocitrust_verdict_insecure_option(verdict, 0, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strcmp(text, "insecure-ignore-sct") == 0);
    ocitrust_verdict_free(&verdict);

    /* Bad trust material and NULL arguments. */
    CHECK_RC(ocitrust_trusted_root_from_json((const uint8_t *)"{}", 2, &root, &error), OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_ARGUMENT, "trusted root"));
    CHECK_RC(ocitrust_trusted_root_from_file(fixture("no-such-root.json"), &root, &error), OCITRUST_ERR_NOT_FOUND);
    ocitrust_error_free(&error);
    CHECK_RC(ocitrust_trusted_root_from_json(NULL, 1, &root, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_trusted_root_production(NULL, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_add_identity(verifier, NULL, root, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_set_trusted_root(verifier, NULL, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_verify_blob(NULL, bundle, bundle_len, NULL, 0, "sha256:00", "x", &verdict, NULL),
             OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_verify_blob(verifier, bundle, bundle_len, NULL, 0, NULL, "x", &verdict, NULL),
             OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_identity_new(NULL, false, "x", false, NULL, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    ocitrust_identity_free(NULL);
    ocitrust_trusted_root_free(NULL);

    ocitrust_verifier_free(&verifier);
    ocitrust_trusted_root_free(&root);
    ocitrust_trusted_root_free(&from_file);
    ocitrust_public_key_free(&key);
    free(bundle);
    free(artifact);
    free(root_json);
}

/* The committed keyless sample: a cosign v3 bundle referrer and two cosign v2 legacy layers (one with
   a timestamp, one with a Rekor bundle), made by the real cosign against a private Sigstore, verified
   offline under its trusted root. */
static void keyless_signed_images_in_layouts(void) {
    char *issuer = keyless_issuer();
    ocitrust_trusted_root *root = NULL, *production = NULL;
    ocitrust_identity *identity = NULL;
    ocitrust_verifier *verifier = NULL, *strangers = NULL;
    ocitrust_verdict *verdict = NULL;
    ocitrust_error *error = NULL;
    char text[1024];
    size_t len;

    CHECK_RC(ocitrust_trusted_root_from_file(fixture("keyless/trusted_root.json"), &root, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_identity_new("ci@example.com", false, issuer, false, &identity, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_new(&verifier, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_add_identity(verifier, identity, root, &error), OCITRUST_OK);

    CHECK_RC(ocitrust_verifier_verify(verifier, layout_ref("keyless/layout-bundle", ""), 0, &verdict, &error),
             OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_signature_signer(verdict, 0, OCITRUST_SIGNER_CERTIFICATE_SUBJECT, text, sizeof text,
                                               &len),
             OCITRUST_OK);
    CHECK(strcmp(text, "ci@example.com") == 0);
    CHECK_RC(ocitrust_verdict_signature_payload(verdict, 0, (uint8_t *)text, sizeof text, &len), OCITRUST_OK);
    CHECK(strstr(text, "https://sigstore.dev/cosign/sign/v1") != NULL);
    ocitrust_verdict_free(&verdict);

    /* The legacy layer has no log entry: refused, then accepted with the insecure opt-in. */
    CHECK_RC(ocitrust_verifier_verify(verifier, layout_ref("keyless/layout-legacy", ""), 0, &verdict, &error),
             OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_ERR_NO_MATCHING_SIGNATURES);
    CHECK(error_says(&error, OCITRUST_ERR_NO_MATCHING_SIGNATURES, "no transparency-log entry"));
    ocitrust_verdict_free(&verdict);
    CHECK_RC(ocitrust_verifier_set_insecure_ignore_tlog(verifier, true, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_verify(verifier, layout_ref("keyless/layout-legacy", ""), 0, &verdict, &error),
             OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_OK);
    ocitrust_verdict_free(&verdict);

    /* The layer with a Rekor bundle: trusted with the log checked, even by the strict verifier. */
    CHECK_RC(ocitrust_verifier_set_insecure_ignore_tlog(verifier, false, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_verify(verifier, layout_ref("keyless/layout-rekor", ""), 0, &verdict, &error),
             OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_OK);
    {
        size_t i, count = ocitrust_verdict_signature_check_count(verdict, 0);
        int tlog_passed = 0;
        for (i = 0; i < count; i++) {
            ocitrust_check_name name = 0;
            ocitrust_outcome outcome = 0;
            CHECK_RC(ocitrust_verdict_signature_check(verdict, 0, i, &name, &outcome), OCITRUST_OK);
            tlog_passed |= name == OCITRUST_CHECK_TLOG && outcome == OCITRUST_OUTCOME_PASSED;
        }
        CHECK(tlog_passed);
    }
    CHECK_RC(ocitrust_verdict_signature_signer(verdict, 0, OCITRUST_SIGNER_CERTIFICATE_SUBJECT, text, sizeof text,
                                               &len),
             OCITRUST_OK);
    CHECK(strcmp(text, "ci@example.com") == 0);
    ocitrust_verdict_free(&verdict);

    /* The keyless attestation: its SBOM copied out. */
    CHECK_RC(ocitrust_verifier_verify_attestations(verifier, layout_ref("keyless/layout-attestation", ""), "cyclonedx",
                                                   0, &verdict, &error),
             OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_signature_attestation(verdict, 0, OCITRUST_ATTESTATION_PREDICATE, (uint8_t *)text,
                                                    sizeof text, &len),
             OCITRUST_OK);
    CHECK(strstr(text, "\"bomFormat\":\"CycloneDX\"") != NULL);
    CHECK_RC(ocitrust_verdict_signature_signer(verdict, 0, OCITRUST_SIGNER_CERTIFICATE_SUBJECT, text, sizeof text,
                                               &len),
             OCITRUST_OK);
    CHECK(strcmp(text, "ci@example.com") == 0);
    ocitrust_verdict_free(&verdict);

    /* Another identity, or the right one under the production root: refused. */
    ocitrust_identity_free(&identity);
    CHECK_RC(ocitrust_identity_new("someone@example.com", false, issuer, false, &identity, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_trusted_root_production(&production, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_new(&strangers, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_add_identity(strangers, identity, root, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_verify(strangers, layout_ref("keyless/layout-bundle", ""), 0, &verdict, &error),
             OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_ERR_NO_MATCHING_SIGNATURES);
    CHECK(error_says(&error, OCITRUST_ERR_NO_MATCHING_SIGNATURES, "expected SAN value \"someone@example.com\""));
    ocitrust_verdict_free(&verdict);
    CHECK_RC(ocitrust_verifier_verify(strangers, layout_ref("keyless/layout-rekor", ""), 0, &verdict, &error),
             OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_ERR_NO_MATCHING_SIGNATURES);
    CHECK(error_says(&error, OCITRUST_ERR_NO_MATCHING_SIGNATURES, "expected SAN value \"someone@example.com\""));
    ocitrust_verdict_free(&verdict);
    ocitrust_verifier_free(&strangers);
    ocitrust_identity_free(&identity);
    CHECK_RC(ocitrust_identity_new("ci@example.com", false, issuer, false, &identity, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_new(&strangers, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_add_identity(strangers, identity, production, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_verify(strangers, layout_ref("keyless/layout-bundle", ""), 0, &verdict, &error),
             OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_ERR_NO_MATCHING_SIGNATURES);
    CHECK(error_says(&error, OCITRUST_ERR_NO_MATCHING_SIGNATURES, "does not list"));
    ocitrust_verdict_free(&verdict);

    ocitrust_verifier_free(&strangers);
    ocitrust_verifier_free(&verifier);
    ocitrust_identity_free(&identity);
    ocitrust_trusted_root_free(&root);
    ocitrust_trusted_root_free(&production);
    free(issuer);
}

/* The signing certificate and the CA chain given out of band (--certificate, --certificate-chain). */
static void a_certificate_and_a_chain_given_out_of_band(void) {
    size_t certificate_len, chain_len;
    char *issuer = keyless_issuer();
    unsigned char *certificate = read_all(fixture("keyless/legacy-certificate.pem"), &certificate_len);
    unsigned char *chain = read_all(fixture("keyless/fulcio-chain.pem"), &chain_len);
    ocitrust_trusted_root *root = NULL, *chained = NULL;
    ocitrust_identity *identity = NULL;
    ocitrust_verifier *verifier = NULL;
    ocitrust_verdict *verdict = NULL;
    ocitrust_error *error = NULL;

    CHECK_RC(ocitrust_trusted_root_from_file(fixture("keyless/trusted_root.json"), &root, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_trusted_root_with_certificate_chain(root, chain, chain_len, &chained, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_identity_new("ci@example.com", false, issuer, false, &identity, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_identity_set_certificate(identity, certificate, certificate_len, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_new(&verifier, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_add_identity(verifier, identity, chained, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_set_insecure_ignore_tlog(verifier, true, NULL), OCITRUST_OK);

    /* The legacy layer was made with that certificate: trusted. */
    CHECK_RC(ocitrust_verifier_verify(verifier, layout_ref("keyless/layout-legacy", ""), 0, &verdict, &error),
             OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_OK);
    ocitrust_verdict_free(&verdict);
    /* The bundle carries another certificate: refused, with the reason. */
    CHECK_RC(ocitrust_verifier_verify(verifier, layout_ref("keyless/layout-bundle", ""), 0, &verdict, &error),
             OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_ERR_NO_MATCHING_SIGNATURES);
    CHECK(error_says(&error, OCITRUST_ERR_NO_MATCHING_SIGNATURES, "not the signing certificate given out of band"));
    ocitrust_verdict_free(&verdict);

    /* Bytes that are no certificate; a "chain" that is a leaf; NULL arguments. */
    CHECK_RC(ocitrust_identity_set_certificate(identity, (const uint8_t *)"nope", 4, &error),
             OCITRUST_ERR_INVALID_CERTIFICATE);
    ocitrust_error_free(&error);
    ocitrust_trusted_root_free(&chained);
    CHECK_RC(ocitrust_trusted_root_with_certificate_chain(root, certificate, certificate_len, &chained, &error),
             OCITRUST_ERR_INVALID_CERTIFICATE);
    CHECK(chained == NULL);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_CERTIFICATE, "not a root"));
    CHECK_RC(ocitrust_trusted_root_with_certificate_chain(NULL, chain, chain_len, &chained, &error),
             OCITRUST_ERR_NULL_ARGUMENT);
    ocitrust_error_free(&error);
    CHECK_RC(ocitrust_identity_set_certificate(NULL, certificate, certificate_len, NULL), OCITRUST_ERR_NULL_ARGUMENT);

    ocitrust_verifier_free(&verifier);
    ocitrust_identity_free(&identity);
    ocitrust_trusted_root_free(&root);
    free(issuer);
    free(certificate);
    free(chain);
}

int main(void) {
    keyless_signed_images_in_layouts();
    a_certificate_and_a_chain_given_out_of_band();
    a_keyless_bundle_verifies_by_bytes_and_by_digest();
    wrong_identity_issuer_and_claims_are_refused_with_what_was_found();
    a_key_signed_bundle_with_its_own_trusted_root();
    return checks_done("test_keyless");
}
