/* Notation through the C ABI: a trust policy and trust store as one authority of a verifier, read
   from notation's configuration directory, from named files, or built in memory; the notation
   sample (a JWS and a COSE envelope made by the real notation) verifies, and every way it must
   not is refused with its reason. */
#include "check.h"

#define SCOPE "local/notation-sample"
#define POLICY_JSON                                                                                    \
    "{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"mem\",\"registryScopes\":[\"" SCOPE "\"],"    \
    "\"signatureVerification\":{\"level\":\"%s\"},\"trustStores\":[\"ca:mine\"],"                       \
    "\"trustedIdentities\":[\"x509.subject:C=US,ST=WA,O=ocitrust tests\"]}]}"

/* `oci:<notation fixture>/layout@<digest>`. */
/* Whether signature `index` of `verdict` verified. */
static bool verified(const ocitrust_verdict *verdict, size_t index) {
    bool out = false;
    CHECK_RC(ocitrust_verdict_signature_verified(verdict, index, &out), OCITRUST_OK);
    return out;
}

static const char *sample_ref(void) {
    static char ref[4096];
    size_t len;
    unsigned char *digest = read_all(fixture("notation/digest"), &len);
    while (len > 0 && (digest[len - 1] == '\n' || digest[len - 1] == '\r')) len--;
    digest[len] = '\0';
    snprintf(ref, sizeof ref, "oci:%s/layout@%s", fixture("notation"), (const char *)digest);
    free(digest);
    return ref;
}

static ocitrust_verifier *verifier_for(ocitrust_notation_policy **policy, const char *scope) {
    ocitrust_verifier *verifier = NULL;
    CHECK_RC(ocitrust_verifier_new(&verifier, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_add_notation_policy(verifier, *policy, NULL), OCITRUST_OK);
    ocitrust_notation_policy_free(policy);
    CHECK(*policy == NULL);
    if (scope != NULL) CHECK_RC(ocitrust_verifier_set_notation_scope(verifier, scope, NULL), OCITRUST_OK);
    return verifier;
}

static ocitrust_notation_policy *in_memory(const char *level, const char *certificate_file) {
    char json[1024];
    size_t len;
    unsigned char *pem = read_all(fixture(certificate_file), &len);
    ocitrust_notation_policy *policy = NULL;
    snprintf(json, sizeof json, POLICY_JSON, level);
    CHECK_RC(ocitrust_notation_policy_from_json((const unsigned char *)json, strlen(json), &policy, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_notation_policy_add_certificates(policy, "ca", "mine", pem, len, NULL), OCITRUST_OK);
    free(pem);
    return policy;
}

static void the_sample_verifies_under_notations_config_directory(void) {
    ocitrust_notation_policy *policy = NULL;
    ocitrust_verdict *verdict = NULL;
    ocitrust_verifier *verifier;
    char text[4096];
    size_t len, i, count;

    CHECK_RC(ocitrust_notation_policy_from_config(fixture("notation/notation-config"), &policy, NULL), OCITRUST_OK);
    verifier = verifier_for(&policy, SCOPE);
    CHECK_RC(ocitrust_verifier_verify(verifier, sample_ref(), 0, &verdict, NULL), OCITRUST_OK);
    CHECK(ocitrust_verdict_trusted(verdict));
    CHECK(ocitrust_verdict_signature_count(verdict) == 2);
    for (i = 0; i < 2; i++) {
        CHECK(verified(verdict, i));
        CHECK_RC(ocitrust_verdict_signature_kind(verdict, i, text, sizeof text, &len), OCITRUST_OK);
        CHECK(strcmp(text, "notation-signature") == 0);
        CHECK_RC(ocitrust_verdict_signature_signer(verdict, i, OCITRUST_SIGNER_X509_SUBJECT, text, sizeof text, &len),
                 OCITRUST_OK);
        CHECK(strstr(text, "CN=rsa signer") != NULL);
        count = ocitrust_verdict_signature_check_count(verdict, i);
        {
            size_t j;
            int saw_authenticity = 0, saw_expiry = 0, saw_revocation = 0;
            for (j = 0; j < count; j++) {
                ocitrust_check_name name = 0;
                ocitrust_outcome outcome = 0;
                CHECK_RC(ocitrust_verdict_signature_check(verdict, i, j, &name, &outcome), OCITRUST_OK);
                CHECK(outcome == OCITRUST_OUTCOME_PASSED);
                saw_authenticity |= name == OCITRUST_CHECK_AUTHENTICITY;
                saw_expiry |= name == OCITRUST_CHECK_EXPIRY;
                saw_revocation |= name == OCITRUST_CHECK_REVOCATION;
            }
            CHECK(saw_authenticity && saw_expiry && saw_revocation);
        }
    }
    CHECK_RC(ocitrust_verdict_skipped_by_policy(verdict, text, sizeof text, &len), OCITRUST_ERR_NOT_FOUND);
    ocitrust_verdict_free(&verdict);

    /* The JWS carries sample=notation, the COSE envelope no metadata: one of the two still holds. */
    CHECK_RC(ocitrust_verifier_require_notation_metadata(verifier, "sample", "notation", NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_verify(verifier, sample_ref(), 0, &verdict, NULL), OCITRUST_OK);
    CHECK(ocitrust_verdict_trusted(verdict));
    CHECK(verified(verdict, 0) != verified(verdict, 1));
    ocitrust_verdict_free(&verdict);
    CHECK_RC(ocitrust_verifier_require_notation_metadata(verifier, "sample", "other", NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_verify(verifier, sample_ref(), 0, &verdict, NULL), OCITRUST_OK);
    CHECK(!ocitrust_verdict_trusted(verdict));
    CHECK_RC(ocitrust_verdict_signature_failure(verdict, 0, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strstr(text, "unable to find specified metadata") != NULL);
    ocitrust_verdict_free(&verdict);
    ocitrust_verifier_free(&verifier);
}

static void the_sample_verifies_from_named_files_and_from_memory(void) {
    ocitrust_notation_policy *policy = NULL;
    ocitrust_verdict *verdict = NULL;
    ocitrust_verifier *verifier;
    char text[4096];
    size_t len;

    CHECK_RC(ocitrust_notation_policy_from_files(fixture("notation/notation-config/trustpolicy.json"),
                                                 fixture("notation/notation-config/truststore"), &policy, NULL),
             OCITRUST_OK);
    verifier = verifier_for(&policy, SCOPE);
    CHECK_RC(ocitrust_verifier_verify(verifier, sample_ref(), 0, &verdict, NULL), OCITRUST_OK);
    CHECK(ocitrust_verdict_trusted(verdict));
    ocitrust_verdict_free(&verdict);
    ocitrust_verifier_free(&verifier);

    policy = in_memory("strict", "notation/root.pem");
    verifier = verifier_for(&policy, SCOPE);
    CHECK_RC(ocitrust_verifier_verify(verifier, sample_ref(), 0, &verdict, NULL), OCITRUST_OK);
    CHECK(ocitrust_verdict_trusted(verdict));
    ocitrust_verdict_free(&verdict);
    ocitrust_verifier_free(&verifier);

    /* Another root: nothing chains to it; under audit that is only logged. */
    policy = in_memory("strict", "notation/other-root.pem");
    verifier = verifier_for(&policy, SCOPE);
    CHECK_RC(ocitrust_verifier_verify(verifier, sample_ref(), 0, &verdict, NULL), OCITRUST_OK);
    CHECK(!ocitrust_verdict_trusted(verdict));
    CHECK_RC(ocitrust_verdict_signature_failure(verdict, 0, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strstr(text, "does not contain any trusted certificate") != NULL);
    ocitrust_verdict_free(&verdict);
    ocitrust_verifier_free(&verifier);
    policy = in_memory("audit", "notation/other-root.pem");
    verifier = verifier_for(&policy, SCOPE);
    CHECK_RC(ocitrust_verifier_verify(verifier, sample_ref(), 0, &verdict, NULL), OCITRUST_OK);
    CHECK(ocitrust_verdict_trusted(verdict));
    {
        size_t j, count = ocitrust_verdict_signature_check_count(verdict, 0);
        int logged = 0;
        for (j = 0; j < count; j++) {
            ocitrust_check_name name = 0;
            ocitrust_outcome outcome = 0;
            CHECK_RC(ocitrust_verdict_signature_check(verdict, 0, j, &name, &outcome), OCITRUST_OK);
            logged |= name == OCITRUST_CHECK_AUTHENTICITY && outcome == OCITRUST_OUTCOME_FAILED_LOGGED;
        }
        CHECK(logged);
    }
    ocitrust_verdict_free(&verdict);
    ocitrust_verifier_free(&verifier);
}

static void scopes_skip_and_bad_policies(void) {
    ocitrust_notation_policy *policy = NULL;
    ocitrust_verdict *verdict = NULL;
    ocitrust_error *error = NULL;
    ocitrust_verifier *verifier;
    char text[4096];
    size_t len;
    const char *skip = "{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"s\",\"registryScopes\":[\"*\"],"
                       "\"signatureVerification\":{\"level\":\"skip\"}}]}";
    const char *bad = "{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"s\",\"registryScopes\":[\"*\"],"
                      "\"signatureVerification\":{\"level\":\"strict\"}}]}";

    /* A scope no statement names. */
    CHECK_RC(ocitrust_notation_policy_from_config(fixture("notation/notation-config"), &policy, NULL), OCITRUST_OK);
    verifier = verifier_for(&policy, "local/elsewhere");
    CHECK_RC(ocitrust_verifier_verify(verifier, sample_ref(), 0, &verdict, &error), OCITRUST_ERR_INVALID_POLICY);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_POLICY, "has no applicable trust policy"));
    CHECK(verdict == NULL);
    ocitrust_verifier_free(&verifier);

    /* No scope for a layout, and no "*" statement: refused, saying to give one. */
    CHECK_RC(ocitrust_notation_policy_from_config(fixture("notation/notation-config"), &policy, NULL), OCITRUST_OK);
    verifier = verifier_for(&policy, NULL);
    CHECK_RC(ocitrust_verifier_verify(verifier, sample_ref(), 0, &verdict, &error), OCITRUST_ERR_INVALID_POLICY);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_POLICY, "statement, and there is none: give the scope"));
    CHECK(verdict == NULL);
    ocitrust_verifier_free(&verifier);

    /* No scope, and a "*" statement: it applies, and the verdict records the scope as "*". */
    CHECK_RC(ocitrust_notation_policy_from_json((const unsigned char *)skip, strlen(skip), &policy, NULL), OCITRUST_OK);
    verifier = verifier_for(&policy, NULL);
    CHECK_RC(ocitrust_verifier_verify(verifier, sample_ref(), 0, &verdict, NULL), OCITRUST_OK);
    CHECK(ocitrust_verdict_trusted(verdict));
    CHECK_RC(ocitrust_verdict_notation_scope(verdict, text, sizeof text, &len), OCITRUST_OK);
    CHECK(len == 1 && text[0] == '*');
    ocitrust_verdict_free(&verdict);
    ocitrust_verifier_free(&verifier);

    /* skip: trusted without a look, and the verdict says why. */
    CHECK_RC(ocitrust_notation_policy_from_json((const unsigned char *)skip, strlen(skip), &policy, NULL), OCITRUST_OK);
    verifier = verifier_for(&policy, SCOPE);
    CHECK_RC(ocitrust_verifier_verify(verifier, sample_ref(), 0, &verdict, NULL), OCITRUST_OK);
    CHECK(ocitrust_verdict_trusted(verdict));
    CHECK(ocitrust_verdict_signature_count(verdict) == 0);
    CHECK_RC(ocitrust_verdict_skipped_by_policy(verdict, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strstr(text, "skips signature verification") != NULL);
    CHECK_RC(ocitrust_verdict_notation_scope(verdict, text, sizeof text, &len), OCITRUST_OK);
    CHECK(len == strlen(SCOPE) && memcmp(text, SCOPE, len) == 0);
    ocitrust_verdict_free(&verdict);
    ocitrust_verifier_free(&verifier);

    /* Policies notation refuses are refused with its message; nothing is written on failure. */
    CHECK_RC(ocitrust_notation_policy_from_json((const unsigned char *)bad, strlen(bad), &policy, &error),
             OCITRUST_ERR_INVALID_POLICY);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_POLICY, "either missing trust stores or trusted identities"));
    CHECK(policy == NULL);
    CHECK_RC(ocitrust_notation_policy_from_json((const unsigned char *)"{", 1, &policy, &error),
             OCITRUST_ERR_INVALID_POLICY);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_POLICY, "malformed trust policy"));
    CHECK_RC(ocitrust_notation_policy_from_config(fixture("not-a-file"), &policy, &error), OCITRUST_ERR_NOT_FOUND);
    CHECK(error_says(&error, OCITRUST_ERR_NOT_FOUND, "trust policy is not present"));
    CHECK_RC(ocitrust_notation_policy_from_files(fixture("notation/missing.json"), fixture("notation"), &policy, &error),
             OCITRUST_ERR_NOT_FOUND);
    ocitrust_error_free(&error);

    policy = in_memory("strict", "notation/root.pem");
    CHECK_RC(ocitrust_notation_policy_add_certificates(policy, "ca2", "x", (const unsigned char *)"x", 1, &error),
             OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_ARGUMENT, "unknown trust store type"));
    CHECK_RC(ocitrust_notation_policy_add_certificates(policy, "ca", "a/b", (const unsigned char *)"x", 1, &error),
             OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_ARGUMENT, "[a-zA-Z0-9_.-]+"));
    /* Garbage certificates spoil the store, as a bad file does in notation. */
    CHECK_RC(ocitrust_notation_policy_add_certificates(policy, "ca", "mine", (const unsigned char *)"junk", 4, NULL),
             OCITRUST_OK);
    verifier = verifier_for(&policy, SCOPE);
    CHECK_RC(ocitrust_verifier_verify(verifier, sample_ref(), 0, &verdict, NULL), OCITRUST_OK);
    CHECK(!ocitrust_verdict_trusted(verdict));
    CHECK_RC(ocitrust_verdict_signature_failure(verdict, 0, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strstr(text, "error while loading the trust store") != NULL);
    ocitrust_verdict_free(&verdict);
    ocitrust_verifier_free(&verifier);

    /* NULL arguments. */
    CHECK_RC(ocitrust_notation_policy_from_json(NULL, 3, &policy, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_notation_policy_from_json((const unsigned char *)"{}", 2, NULL, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_notation_policy_from_files(NULL, "x", &policy, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_notation_policy_add_certificates(NULL, "ca", "x", (const unsigned char *)"x", 1, NULL),
             OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_add_notation_policy(NULL, NULL, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_set_notation_scope(NULL, "x", NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_require_notation_metadata(NULL, "k", "v", NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verdict_skipped_by_policy(NULL, text, sizeof text, &len), OCITRUST_ERR_NULL_ARGUMENT);
    ocitrust_notation_policy_free(NULL);
    ocitrust_notation_policy_free(&policy);
}

int main(void) {
    the_sample_verifies_under_notations_config_directory();
    the_sample_verifies_from_named_files_and_from_memory();
    scopes_skip_and_bad_policies();
    return checks_done("test_notation");
}
