/* Trust policies through the C ABI: a document from bytes or a file, evaluated for the samples
   with a verifier's options into a decision read through accessors and as JSON; every rule that
   must deny does, and every misuse is refused with its code. */
#include "check.h"

#define HEAD "apiVersion: ocitrust.dev/v1alpha1\nkind: TrustPolicy\n"
#define AUTHORITIES                                                                                 \
    "trustRoots:\n  corp: {x509: {ca: [notation/notation-config/truststore/x509/ca/ocitrust-sample/root.pem]}}\n" \
    "authorities:\n  vendor: {cosign: {key: cosign.pub, tlog: ignore}}\n"                                 \
    "  notary: {notation: {trustRoots: [corp], trustedIdentities: [\"x509.subject: C=US, ST=WA, O=ocitrust tests\"]}}\n"

static ocitrust_policy *policy_from(const char *document) {
    ocitrust_policy *policy = NULL;
    ocitrust_error *error = NULL;
    CHECK_RC(ocitrust_policy_from_bytes((const unsigned char *)document, strlen(document), fixture(""), &policy, &error),
             OCITRUST_OK);
    if (error != NULL) error_says(&error, 0, "");
    return policy;
}

static ocitrust_decision *evaluate(const ocitrust_policy *policy, const char *reference) {
    ocitrust_verifier *verifier = NULL;
    ocitrust_decision *decision = NULL;
    CHECK_RC(ocitrust_verifier_new(&verifier, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_policy_evaluate(policy, verifier, reference, NULL, 60000, &decision, NULL), OCITRUST_OK);
    ocitrust_verifier_free(&verifier);
    return decision;
}

static char *text_of(ocitrust_result (*field)(const ocitrust_decision *, char *, size_t, size_t *),
                     const ocitrust_decision *decision) {
    size_t len = 0;
    char *text;
    CHECK_RC(field(decision, NULL, 0, &len), OCITRUST_ERR_BUFFER_TOO_SMALL);
    text = malloc(len + 1);
    CHECK_RC(field(decision, text, len + 1, &len), OCITRUST_OK);
    return text;
}

static void a_signed_image_is_allowed_and_says_by_which_policy(void) {
    ocitrust_policy *policy = policy_from(HEAD AUTHORITIES
                                          "policies:\n- name: samples\n  scope: ['oci:**']\n  signatures: {any: [vendor]}\n");
    ocitrust_decision *decision = evaluate(policy, layout_ref("sample", ""));
    char *digest, *name, *json, *summary;
    CHECK(ocitrust_decision_allowed(decision));
    CHECK(ocitrust_decision_satisfied(decision));
    CHECK(ocitrust_decision_mode(decision) == OCITRUST_POLICY_MODE_ENFORCE);
    digest = text_of(ocitrust_decision_digest, decision);
    CHECK(strncmp(digest, "sha256:198ab554", 15) == 0);
    name = text_of(ocitrust_decision_policy, decision);
    CHECK(strcmp(name, "samples") == 0);
    json = text_of(ocitrust_decision_json, decision);
    CHECK(strstr(json, "\"allowed\":true") != NULL);
    CHECK(strstr(json, "\"explanation\":{\"kind\":\"policy\"") != NULL);
    CHECK(strstr(json, "\"insecure\":[\"insecure-ignore-tlog\"]") != NULL);
    {
        size_t len = 0;
        CHECK_RC(ocitrust_decision_summary(decision, NULL, 0, &len), OCITRUST_ERR_BUFFER_TOO_SMALL);
        CHECK(len == 0);
        summary = malloc(1);
        CHECK_RC(ocitrust_decision_summary(decision, summary, 1, &len), OCITRUST_OK);
        CHECK(summary[0] == '\0');
        free(summary);
    }
    free(digest);
    free(name);
    free(json);
    ocitrust_decision_free(&decision);
    CHECK(decision == NULL);
    ocitrust_policy_free(&policy);
    CHECK(policy == NULL);
}

static void thresholds_modes_and_defaults_deny_or_warn(void) {
    ocitrust_policy *both = policy_from(HEAD AUTHORITIES
                                        "policies:\n- name: both\n  scope: ['oci:**']\n  signatures: {all: [vendor, notary]}\n");
    ocitrust_policy *warn = policy_from(HEAD AUTHORITIES
                                        "policies:\n- name: both\n  scope: ['oci:**']\n  mode: warn\n  signatures: {all: [vendor, notary]}\n");
    ocitrust_policy *elsewhere = policy_from(HEAD AUTHORITIES
                                             "policies:\n- name: registry\n  scope: ['registry.example.com/**']\n  signatures: {any: [vendor]}\n");
    ocitrust_decision *decision = evaluate(both, layout_ref("sample", ""));
    char *summary, *name;
    size_t len = 0;
    CHECK(!ocitrust_decision_allowed(decision));
    CHECK(!ocitrust_decision_satisfied(decision));
    summary = text_of(ocitrust_decision_summary, decision);
    CHECK(strstr(summary, "authority \"notary\"") != NULL);
    free(summary);
    ocitrust_decision_free(&decision);

    decision = evaluate(warn, layout_ref("sample", ""));
    CHECK(ocitrust_decision_allowed(decision));
    CHECK(!ocitrust_decision_satisfied(decision));
    CHECK(ocitrust_decision_mode(decision) == OCITRUST_POLICY_MODE_WARN);
    ocitrust_decision_free(&decision);

    decision = evaluate(elsewhere, layout_ref("sample", ""));
    CHECK(!ocitrust_decision_allowed(decision));
    CHECK_RC(ocitrust_decision_policy(decision, NULL, 0, &len), OCITRUST_ERR_NOT_FOUND);
    ocitrust_decision_free(&decision);

    /* The notation sample meets the notation authority alone. */
    {
        ocitrust_policy *notary = policy_from(HEAD AUTHORITIES
                                              "policies:\n- name: n\n  scope: ['oci:**']\n  signatures: {any: [notary]}\n");
        size_t dlen;
        unsigned char *digest = read_all(fixture("notation/digest"), &dlen);
        char reference[4096];
        while (dlen > 0 && (digest[dlen - 1] == '\n' || digest[dlen - 1] == '\r')) dlen--;
        digest[dlen] = '\0';
        snprintf(reference, sizeof reference, "oci:%s/layout@%s", fixture("notation"), (const char *)digest);
        free(digest);
        decision = evaluate(notary, reference);
        CHECK(ocitrust_decision_allowed(decision));
        name = text_of(ocitrust_decision_policy, decision);
        CHECK(strcmp(name, "n") == 0);
        free(name);
        ocitrust_decision_free(&decision);
        ocitrust_policy_free(&notary);
    }
    ocitrust_policy_free(&both);
    ocitrust_policy_free(&warn);
    ocitrust_policy_free(&elsewhere);
}

static void invalid_documents_and_misuse_are_refused_with_their_codes(void) {
    ocitrust_policy *policy = NULL;
    ocitrust_verifier *verifier = NULL;
    ocitrust_decision *decision = NULL;
    ocitrust_error *error = NULL;
    const char *unknown = HEAD AUTHORITIES "policies:\n- name: p\n  scope: ['**']\n  signatures: {any: [nobody]}\n";
    const char *misspelt = HEAD "polices: []\n";
    CHECK_RC(ocitrust_policy_from_bytes((const unsigned char *)unknown, strlen(unknown), fixture(""), &policy, &error),
             OCITRUST_ERR_INVALID_POLICY);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_POLICY, "policy:11:22: unknown authority \"nobody\""));
    CHECK(policy == NULL);
    CHECK_RC(ocitrust_policy_from_bytes((const unsigned char *)misspelt, strlen(misspelt), NULL, &policy, &error),
             OCITRUST_ERR_INVALID_POLICY);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_POLICY, "policy:3:1: unknown field \"polices\""));
    CHECK_RC(ocitrust_policy_from_bytes((const unsigned char *)"\xff\xfe", 2, NULL, &policy, &error),
             OCITRUST_ERR_INVALID_POLICY);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_POLICY, "not UTF-8"));
    /* A key file the document names that is missing: its line and column. */
    {
        const char *missing = HEAD "authorities:\n  k: {cosign: {key: no-such.pub}}\n";
        CHECK_RC(ocitrust_policy_from_bytes((const unsigned char *)missing, strlen(missing), fixture(""), &policy, &error),
                 OCITRUST_ERR_INVALID_POLICY);
        CHECK(error_says(&error, OCITRUST_ERR_INVALID_POLICY, "policy:4:21: reading no-such.pub"));
    }
    CHECK_RC(ocitrust_policy_from_file(fixture("no-such-policy.yaml"), &policy, &error), OCITRUST_ERR_NOT_FOUND);
    ocitrust_error_free(&error);
    CHECK_RC(ocitrust_policy_from_file(NULL, &policy, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_policy_from_bytes(NULL, 3, NULL, &policy, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_policy_from_bytes((const unsigned char *)HEAD, strlen(HEAD), NULL, NULL, NULL),
             OCITRUST_ERR_NULL_ARGUMENT);

    policy = policy_from(HEAD AUTHORITIES "policies:\n- name: p\n  scope: ['**']\n  signatures: {any: [vendor]}\n");
    CHECK_RC(ocitrust_verifier_new(&verifier, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_policy_evaluate(policy, verifier, "NOT A REFERENCE", NULL, 0, &decision, &error),
             OCITRUST_ERR_INVALID_REFERENCE);
    ocitrust_error_free(&error);
    CHECK_RC(ocitrust_policy_evaluate(policy, verifier, "registry.example.com/app:v1", "a/scope", 0, &decision, &error),
             OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_ARGUMENT, "a scope names an OCI layout"));
    CHECK_RC(ocitrust_policy_evaluate(policy, verifier, layout_ref("no-such-layout", ""), NULL, 0, &decision, &error),
             OCITRUST_ERR_NOT_FOUND);
    ocitrust_error_free(&error);
    CHECK(decision == NULL);
    CHECK_RC(ocitrust_policy_evaluate(NULL, verifier, layout_ref("sample", ""), NULL, 0, &decision, NULL),
             OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_policy_evaluate(policy, NULL, layout_ref("sample", ""), NULL, 0, &decision, NULL),
             OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_policy_evaluate(policy, verifier, NULL, NULL, 0, &decision, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_policy_evaluate(policy, verifier, layout_ref("sample", ""), NULL, 0, NULL, NULL),
             OCITRUST_ERR_NULL_ARGUMENT);
    CHECK(!ocitrust_decision_allowed(NULL));
    CHECK(!ocitrust_decision_satisfied(NULL));
    CHECK(ocitrust_decision_mode(NULL) == 0);
    ocitrust_decision_free(NULL);
    ocitrust_policy_free(NULL);
    ocitrust_verifier_free(&verifier);
    ocitrust_policy_free(&policy);
}

static void many_references_are_decided_at_once_in_their_order(void) {
    ocitrust_policy *policy = policy_from(HEAD AUTHORITIES
                                          "policies:\n- name: samples\n  scope: ['oci:**']\n  signatures: {any: [vendor]}\n");
    ocitrust_verifier *verifier = NULL;
    const char *references[4];
    ocitrust_decision *decisions[4];
    ocitrust_error *errors[4];
    size_t i;
    char sample[4096], missing[4096];
    snprintf(sample, sizeof sample, "%s", layout_ref("sample", ""));
    snprintf(missing, sizeof missing, "%s", layout_ref("no-such-layout", ""));
    references[0] = sample;
    references[1] = missing;
    references[2] = "NOT A REFERENCE";
    references[3] = sample;
    CHECK_RC(ocitrust_verifier_new(&verifier, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_policy_evaluate_all(policy, verifier, references, 4, NULL, 3, 60000, decisions, errors, NULL),
             OCITRUST_OK);
    CHECK(decisions[0] != NULL && errors[0] == NULL && ocitrust_decision_allowed(decisions[0]));
    CHECK(decisions[1] == NULL && errors[1] != NULL && ocitrust_error_code(errors[1]) == OCITRUST_ERR_NOT_FOUND);
    CHECK(decisions[2] == NULL && errors[2] != NULL && ocitrust_error_code(errors[2]) == OCITRUST_ERR_INVALID_REFERENCE);
    CHECK(decisions[3] != NULL && errors[3] == NULL && ocitrust_decision_allowed(decisions[3]));
    for (i = 0; i < 4; i++) {
        ocitrust_decision_free(&decisions[i]);
        ocitrust_error_free(&errors[i]);
    }
    CHECK_RC(ocitrust_policy_evaluate_all(policy, verifier, NULL, 0, NULL, 1, 0, NULL, NULL, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_policy_evaluate_all(policy, verifier, references, 4, NULL, 1, 0, NULL, errors, NULL),
             OCITRUST_ERR_NULL_ARGUMENT);
    references[1] = NULL;
    CHECK_RC(ocitrust_policy_evaluate_all(policy, verifier, references, 4, NULL, 1, 0, decisions, errors, NULL),
             OCITRUST_ERR_NULL_ARGUMENT);
    ocitrust_verifier_free(&verifier);
    ocitrust_policy_free(&policy);
}

int main(void) {
    a_signed_image_is_allowed_and_says_by_which_policy();
    thresholds_modes_and_defaults_deny_or_warn();
    invalid_documents_and_misuse_are_refused_with_their_codes();
    many_references_are_decided_at_once_in_their_order();
    return checks_done("test_policy");
}
