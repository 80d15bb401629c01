/* Verifying layouts and caller-fetched bytes, every verifier option, and every verdict accessor. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"

#define SAMPLE_DIGEST "sha256:198ab5544a1261f11a03498d804fe00986882f0366803d30a27b353393736524"
#define SIGNATURE_MANIFEST "c4efa108f49639b69a8c1d84b725731e7b1dca5b9df6f1a3ac7aace1c5b1c49f"
#define SIGNED_PAYLOAD "b8a819ff16fc17c716272b40b2740579062ec63236ce7fc77e85d16e809e914f"

static ocitrust_public_key *sample_key(void) {
    ocitrust_public_key *key = NULL;
    CHECK_RC(ocitrust_public_key_from_file(fixture("cosign.pub"), &key, NULL), OCITRUST_OK);
    return key;
}

/* A verifier for the sample key; `insecure` skips the transparency log (the sample has no proof). */
static ocitrust_verifier *sample_verifier(int insecure) {
    ocitrust_public_key *key = sample_key();
    ocitrust_verifier *verifier = NULL;
    CHECK_RC(ocitrust_verifier_new(&verifier, NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_add_key(verifier, key, NULL), OCITRUST_OK);
    ocitrust_public_key_free(&key); /* the verifier outlives the key handle */
    if (insecure) CHECK_RC(ocitrust_verifier_set_insecure_ignore_tlog(verifier, true, NULL), OCITRUST_OK);
    return verifier;
}

static void trusted_sample_and_every_accessor(void) {
    ocitrust_verifier *verifier = sample_verifier(1);
    ocitrust_verdict *verdict = NULL;
    ocitrust_error *error = NULL;
    ocitrust_check_name name = 0;
    ocitrust_outcome outcome = 0;
    char text[8192];
    unsigned char payload[4096];
    size_t len = 0, i, checks;
    bool verified = false;
    int saw_tlog_skipped = 0;

    CHECK_RC(ocitrust_verifier_require_annotation(verifier, "org", "ocitrust-sample", &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_set_verification_time(verifier, 1700000000u, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_verify(verifier, layout_ref("sample", ""), 0, &verdict, &error), OCITRUST_OK);
    CHECK(verdict != NULL && error == NULL);
    CHECK(ocitrust_verdict_trusted(verdict));
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_OK);
    CHECK(error == NULL);

    CHECK_RC(ocitrust_verdict_digest(verdict, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strcmp(text, SAMPLE_DIGEST) == 0 && len == strlen(SAMPLE_DIGEST));
    CHECK_RC(ocitrust_verdict_digest(verdict, text, len, &len), OCITRUST_ERR_BUFFER_TOO_SMALL);
    CHECK_RC(ocitrust_verdict_index_digest(verdict, text, sizeof text, &len), OCITRUST_ERR_NOT_FOUND);
    CHECK_RC(ocitrust_verdict_platform(verdict, text, sizeof text, &len), OCITRUST_ERR_NOT_FOUND);
    CHECK(ocitrust_verdict_verification_time(verdict) == 1700000000u);
    CHECK_RC(ocitrust_verdict_reference(verdict, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strcmp(text, layout_ref("sample", "")) == 0);

    CHECK(ocitrust_verdict_insecure_count(verdict) == 1);
    CHECK_RC(ocitrust_verdict_insecure_option(verdict, 0, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strcmp(text, "insecure-ignore-tlog") == 0);
    CHECK_RC(ocitrust_verdict_insecure_option(verdict, 1, text, sizeof text, &len), OCITRUST_ERR_INVALID_ARGUMENT);

    CHECK_RC(ocitrust_verdict_json(verdict, NULL, 0, &len), OCITRUST_ERR_BUFFER_TOO_SMALL);
    CHECK(len > 0 && len < sizeof text);
    CHECK_RC(ocitrust_verdict_json(verdict, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strstr(text, "\"trusted\": true") != NULL);
    CHECK(strstr(text, "\"verification_time\": 1700000000") != NULL);

    CHECK(ocitrust_verdict_signature_count(verdict) == 1);
    CHECK_RC(ocitrust_verdict_signature_verified(verdict, 0, &verified), OCITRUST_OK);
    CHECK(verified);
    CHECK_RC(ocitrust_verdict_signature_location(verdict, 0, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strstr(text, SIGNED_PAYLOAD) != NULL);
    CHECK_RC(ocitrust_verdict_signature_signer(verdict, 0, OCITRUST_SIGNER_KEY_ID, text, sizeof text, &len),
             OCITRUST_OK);
    CHECK(len == 64);
    {
        char authority[128];
        size_t authority_len;
        CHECK_RC(ocitrust_verdict_signature_signer(verdict, 0, OCITRUST_SIGNER_AUTHORITY, authority,
                                                   sizeof authority, &authority_len),
                 OCITRUST_OK);
        CHECK(strncmp(authority, "cosign key ", 11) == 0 && strcmp(authority + 11, text) == 0);
    }
    CHECK_RC(ocitrust_verdict_signature_signer(verdict, 0, OCITRUST_SIGNER_KEY_TYPE, text, sizeof text, &len),
             OCITRUST_OK);
    CHECK(strcmp(text, "ECDSA P-256") == 0);
    CHECK_RC(ocitrust_verdict_signature_signer(verdict, 0, 99, text, sizeof text, &len), OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK_RC(ocitrust_verdict_signature_kind(verdict, 0, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strcmp(text, "cosign-signature") == 0);
    CHECK_RC(ocitrust_verdict_signature_kind(verdict, 1, text, sizeof text, &len), OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK_RC(ocitrust_verdict_signature_failure(verdict, 0, text, sizeof text, &len), OCITRUST_ERR_NOT_FOUND);
    CHECK_RC(ocitrust_verdict_signature_payload(verdict, 0, payload, sizeof payload, &len), OCITRUST_OK);
    CHECK(len > 0 && strstr((const char *)payload, SAMPLE_DIGEST) != NULL);
    CHECK(strstr((const char *)payload, "\"org\":\"ocitrust-sample\"") != NULL);

    checks = ocitrust_verdict_signature_check_count(verdict, 0);
    CHECK(checks == 5);
    for (i = 0; i < checks; i++) {
        CHECK_RC(ocitrust_verdict_signature_check(verdict, 0, i, &name, &outcome), OCITRUST_OK);
        CHECK(name >= OCITRUST_CHECK_INTEGRITY && name <= OCITRUST_CHECK_TLOG);
        if (name == OCITRUST_CHECK_TLOG) {
            saw_tlog_skipped = outcome == OCITRUST_OUTCOME_SKIPPED_INSECURE;
            CHECK_RC(ocitrust_verdict_signature_check_detail(verdict, 0, i, text, sizeof text, &len), OCITRUST_OK);
            CHECK(strstr(text, "insecure") != NULL);
        } else {
            CHECK(outcome == OCITRUST_OUTCOME_PASSED);
            CHECK_RC(ocitrust_verdict_signature_check_detail(verdict, 0, i, text, sizeof text, &len),
                     OCITRUST_ERR_NOT_FOUND);
        }
    }
    CHECK(saw_tlog_skipped);

    /* Indexes out of range and NULL arguments. */
    CHECK_RC(ocitrust_verdict_signature_verified(verdict, 1, &verified), OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK_RC(ocitrust_verdict_signature_verified(verdict, 0, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verdict_signature_location(verdict, 9, text, sizeof text, &len), OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK_RC(ocitrust_verdict_signature_check(verdict, 0, checks, &name, &outcome), OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK_RC(ocitrust_verdict_signature_check(verdict, 1, 0, &name, &outcome), OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK_RC(ocitrust_verdict_signature_check(verdict, 0, 0, NULL, &outcome), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verdict_signature_check(verdict, 0, 0, &name, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verdict_signature_check_detail(verdict, 0, checks, text, sizeof text, &len),
             OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK_RC(ocitrust_verdict_reference(NULL, text, sizeof text, &len), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK(ocitrust_verdict_signature_check_count(verdict, 1) == 0);
    CHECK(ocitrust_verdict_signature_check_count(NULL, 0) == 0);
    CHECK(!ocitrust_verdict_trusted(NULL));
    CHECK(ocitrust_verdict_signature_count(NULL) == 0);
    CHECK(ocitrust_verdict_insecure_count(NULL) == 0);
    CHECK(ocitrust_verdict_verification_time(NULL) == 0);
    CHECK_RC(ocitrust_verdict_require_trusted(NULL, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verdict_digest(NULL, text, sizeof text, &len), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verdict_json(verdict, text, sizeof text, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verdict_signature_payload(verdict, 0, NULL, 10, &len), OCITRUST_ERR_NULL_ARGUMENT);

    ocitrust_verdict_free(&verdict);
    ocitrust_verdict_free(&verdict);
    CHECK(verdict == NULL);
    ocitrust_verifier_free(&verifier);
    ocitrust_verifier_free(&verifier);
    CHECK(verifier == NULL);
}

/* Verifies `reference` and expects a verdict that require_trusted rejects with `code` and `needle`. */
static void expect_untrusted(ocitrust_verifier *verifier, const char *reference, ocitrust_result code,
                             const char *needle) {
    ocitrust_verdict *verdict = NULL;
    ocitrust_error *error = NULL;
    CHECK_RC(ocitrust_verifier_verify(verifier, reference, 0, &verdict, &error), OCITRUST_OK);
    CHECK(!ocitrust_verdict_trusted(verdict));
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), code);
    CHECK(error_says(&error, code, needle));
    ocitrust_verdict_free(&verdict);
}

/* Verifies `reference` and expects the call itself to fail with `code` and `needle`. */
static void expect_error(ocitrust_verifier *verifier, const char *reference, ocitrust_result code,
                         const char *needle) {
    ocitrust_verdict *verdict = NULL;
    ocitrust_error *error = NULL;
    CHECK_RC(ocitrust_verifier_verify(verifier, reference, 0, &verdict, &error), code);
    CHECK(verdict == NULL);
    CHECK(error_says(&error, code, needle));
}

static void untrusted_and_broken_evidence(void) {
    ocitrust_verifier *strict = sample_verifier(0);
    ocitrust_verifier *insecure = sample_verifier(1);
    ocitrust_verdict *verdict = NULL;
    ocitrust_error *error = NULL;
    char text[4096];
    size_t len;

    /* Strict defaults: without a transparency-log proof nothing is trusted. */
    expect_untrusted(strict, layout_ref("sample", ""), OCITRUST_ERR_NO_MATCHING_SIGNATURES, "transparency log");
    CHECK_RC(ocitrust_verifier_verify(strict, layout_ref("sample", ""), 0, &verdict, NULL), OCITRUST_OK);
    CHECK(ocitrust_verdict_insecure_count(verdict) == 0);
    CHECK_RC(ocitrust_verdict_signature_failure(verdict, 0, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strstr(text, "transparency log") != NULL);
    CHECK_RC(ocitrust_verdict_signature_signer(verdict, 0, OCITRUST_SIGNER_KEY_ID, text, sizeof text, &len),
             OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_signature_payload(verdict, 0, (uint8_t *)text, sizeof text, &len),
             OCITRUST_ERR_NOT_FOUND);
    {
        /* The transparency-log check, right after integrity, is the one that failed. */
        ocitrust_check_name name = 0;
        ocitrust_outcome outcome = 0;
        CHECK_RC(ocitrust_verdict_signature_check(verdict, 0, 1, &name, &outcome), OCITRUST_OK);
        CHECK(name == OCITRUST_CHECK_TLOG && outcome == OCITRUST_OUTCOME_FAILED);
        CHECK_RC(ocitrust_verdict_signature_check_detail(verdict, 0, 1, text, sizeof text, &len), OCITRUST_OK);
        CHECK(strstr(text, "transparency log") != NULL);
    }
    ocitrust_verdict_free(&verdict);

    /* A tampered copy: the signed payload altered; the image manifest altered. */
    expect_untrusted(insecure, layout_ref("tampered-payload", ""), OCITRUST_ERR_NO_MATCHING_SIGNATURES,
                     "digest mismatch");
    expect_error(insecure, layout_ref("tampered-manifest", ""), OCITRUST_ERR_DIGEST_MISMATCH, "digest mismatch");

    /* The unsigned arm64 manifest of the index; the signed amd64 one. */
    CHECK_RC(ocitrust_verifier_set_platform(insecure, "linux/arm64/v8", &error), OCITRUST_OK);
    expect_untrusted(insecure, layout_ref("multiarch", ":multi"), OCITRUST_ERR_NO_SIGNATURES, "no signatures found");
    CHECK_RC(ocitrust_verifier_set_platform(insecure, "linux/amd64", &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_verify(insecure, layout_ref("multiarch", ":multi"), 0, &verdict, &error), OCITRUST_OK);
    CHECK(ocitrust_verdict_trusted(verdict));
    CHECK_RC(ocitrust_verdict_platform(verdict, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strcmp(text, "linux/amd64") == 0);
    CHECK_RC(ocitrust_verdict_index_digest(verdict, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strncmp(text, "sha256:", 7) == 0 && len == 71);
    CHECK_RC(ocitrust_verdict_digest(verdict, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strcmp(text, SAMPLE_DIGEST) == 0);
    ocitrust_verdict_free(&verdict);
    CHECK_RC(ocitrust_verifier_set_platform(insecure, "windows/amd64", &error), OCITRUST_OK);
    expect_error(insecure, layout_ref("multiarch", ":multi"), OCITRUST_ERR_NOT_FOUND, "windows/amd64");
    CHECK_RC(ocitrust_verifier_set_platform(insecure, "linux", &error), OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_ARGUMENT, "platform"));
    ocitrust_verifier_free(&insecure);
    insecure = sample_verifier(1);

    /* A required annotation the signature does not carry. */
    CHECK_RC(ocitrust_verifier_require_annotation(insecure, "org", "someone-else", &error), OCITRUST_OK);
    expect_untrusted(insecure, layout_ref("sample", ""), OCITRUST_ERR_NO_MATCHING_SIGNATURES, "annotation");

    /* References that cannot be verified. */
    expect_error(strict, layout_ref("missing", ""), OCITRUST_ERR_NOT_FOUND, "missing");
    expect_error(strict, layout_ref("sample", ":no-such-tag"), OCITRUST_ERR_NOT_FOUND, "no-such-tag");
    expect_error(strict, layout_ref("sample", "@sha256:abc"), OCITRUST_ERR_INVALID_DIGEST, "sha256:abc");
    expect_error(strict, "Bad Reference", OCITRUST_ERR_INVALID_REFERENCE, "Bad Reference");
    expect_error(strict, "127.0.0.1:1/org/app:1", OCITRUST_ERR_NETWORK, "127.0.0.1:1"); /* nothing listens */
    expect_error(strict, "\xc3\x28", OCITRUST_ERR_INVALID_ARGUMENT, "UTF-8");

    /* NULL arguments, each named, each leaving the out-parameter alone. */
    expect_error(strict, NULL, OCITRUST_ERR_NULL_ARGUMENT, "`reference`");
    CHECK_RC(ocitrust_verifier_verify(NULL, layout_ref("sample", ""), 0, &verdict, &error), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_NULL_ARGUMENT, "`verifier`"));
    CHECK_RC(ocitrust_verifier_verify(strict, layout_ref("sample", ""), 0, NULL, &error), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_NULL_ARGUMENT, "`verdict_out`"));
    CHECK_RC(ocitrust_verifier_add_key(strict, NULL, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_add_key(NULL, NULL, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK(strict != NULL);
    CHECK_RC(ocitrust_verifier_require_annotation(NULL, "a", "b", NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_require_annotation(strict, NULL, "b", NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_require_annotation(strict, "a", NULL, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_set_platform(strict, NULL, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_set_platform(NULL, "linux/amd64", NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_set_insecure_ignore_tlog(NULL, true, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_set_verification_time(NULL, 0, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_set_verification_time(strict, UINT64_MAX, &error), OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_ARGUMENT, "out of range"));
    CHECK_RC(ocitrust_verifier_new(NULL, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    {
        /* A verifier that trusts no one refuses to verify, before reading anything. */
        ocitrust_verifier *no_one = NULL;
        CHECK_RC(ocitrust_verifier_new(&no_one, NULL), OCITRUST_OK);
        CHECK_RC(ocitrust_verifier_verify(no_one, layout_ref("sample", ""), 0, &verdict, &error),
                 OCITRUST_ERR_INVALID_ARGUMENT);
        CHECK(error_says(&error, OCITRUST_ERR_INVALID_ARGUMENT, "trusts no authority"));
        ocitrust_verifier_free(&no_one);
    }
    ocitrust_verifier_free(&strict);
    ocitrust_verifier_free(&insecure);
}

static void verify_bytes_sans_io(void) {
    ocitrust_verifier *verifier = sample_verifier(1);
    ocitrust_verdict *verdict = NULL;
    ocitrust_error *error = NULL;
    size_t subject_len, signature_len, payload_len, i;
    unsigned char *subject = read_all(fixture("sample/blobs/sha256/198ab5544a1261f11a03498d804fe00986882f0366803d30a27b353393736524"), &subject_len);
    unsigned char *signature = read_all(fixture("sample/blobs/sha256/" SIGNATURE_MANIFEST), &signature_len);
    unsigned char *payload = read_all(fixture("sample/blobs/sha256/" SIGNED_PAYLOAD), &payload_len);
    ocitrust_bytes payloads[2];
    ocitrust_bytes many[300];
    char text[256];
    size_t len;

    payloads[0].data = (const uint8_t *)"unrelated blob";
    payloads[0].len = 14;
    payloads[1].data = payload;
    payloads[1].len = payload_len;
    CHECK_RC(ocitrust_verifier_verify_bytes(verifier, "fetched", subject, subject_len, signature, signature_len,
                                            payloads, 2, &verdict, &error),
             OCITRUST_OK);
    CHECK(ocitrust_verdict_trusted(verdict));
    CHECK_RC(ocitrust_verdict_digest(verdict, text, sizeof text, &len), OCITRUST_OK);
    CHECK(strcmp(text, SAMPLE_DIGEST) == 0);
    ocitrust_verdict_free(&verdict);

    /* The payload altered after fetching: caught by hashing, so not trusted. */
    payload[payload_len / 2] ^= 1;
    CHECK_RC(ocitrust_verifier_verify_bytes(verifier, "fetched", subject, subject_len, signature, signature_len,
                                            payloads, 2, &verdict, &error),
             OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_ERR_NO_MATCHING_SIGNATURES);
    CHECK(error_says(&error, OCITRUST_ERR_NO_MATCHING_SIGNATURES, SIGNED_PAYLOAD));
    ocitrust_verdict_free(&verdict);
    payload[payload_len / 2] ^= 1;

    /* No signature manifest: no signatures. */
    CHECK_RC(ocitrust_verifier_verify_bytes(verifier, "fetched", subject, subject_len, NULL, 0, NULL, 0, &verdict,
                                            &error),
             OCITRUST_OK);
    CHECK_RC(ocitrust_verdict_require_trusted(verdict, &error), OCITRUST_ERR_NO_SIGNATURES);
    CHECK(error_says(&error, OCITRUST_ERR_NO_SIGNATURES, "no signatures found"));
    ocitrust_verdict_free(&verdict);

    /* Malformed and over-limit input. */
    CHECK_RC(ocitrust_verifier_verify_bytes(verifier, "x", (const uint8_t *)"{", 1, NULL, 0, NULL, 0, &verdict,
                                            &error),
             OCITRUST_ERR_INVALID_MANIFEST);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_MANIFEST, "subject manifest"));
    CHECK_RC(ocitrust_verifier_verify_bytes(verifier, "x", subject, subject_len, (const uint8_t *)"[]", 2, NULL, 0,
                                            &verdict, &error),
             OCITRUST_ERR_INVALID_MANIFEST);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_MANIFEST, "signature manifest"));
    for (i = 0; i < sizeof many / sizeof many[0]; i++) {
        many[i].data = payload;
        many[i].len = payload_len;
    }
    CHECK_RC(ocitrust_verifier_verify_bytes(verifier, "x", subject, subject_len, signature, signature_len, many,
                                            sizeof many / sizeof many[0], &verdict, &error),
             OCITRUST_ERR_LIMIT_EXCEEDED);
    CHECK(error_says(&error, OCITRUST_ERR_LIMIT_EXCEEDED, "limit"));
    CHECK_RC(ocitrust_verifier_verify_bytes(verifier, "x", NULL, 0, NULL, 0, NULL, 0, &verdict, &error),
             OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_ARGUMENT, "subject_manifest"));
    CHECK_RC(ocitrust_verifier_verify_bytes(verifier, "x", subject, subject_len, signature, signature_len, NULL, 1,
                                            &verdict, &error),
             OCITRUST_ERR_NULL_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_NULL_ARGUMENT, "`payloads`"));
    payloads[0].data = NULL;
    CHECK_RC(ocitrust_verifier_verify_bytes(verifier, "x", subject, subject_len, signature, signature_len, payloads,
                                            2, &verdict, &error),
             OCITRUST_ERR_NULL_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_NULL_ARGUMENT, "payloads[0].data"));
    CHECK_RC(ocitrust_verifier_verify_bytes(verifier, "x", subject, subject_len, NULL, 5, NULL, 0, &verdict, &error),
             OCITRUST_ERR_NULL_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_NULL_ARGUMENT, "`signature_manifest`"));
    CHECK_RC(ocitrust_verifier_verify_bytes(verifier, NULL, subject, subject_len, NULL, 0, NULL, 0, &verdict, NULL),
             OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_set_platform(verifier, "linux/amd64", NULL), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_verify_bytes(verifier, "x", subject, subject_len, NULL, 0, NULL, 0, &verdict, &error),
             OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_ARGUMENT, "platform"));
    CHECK(verdict == NULL);

    ocitrust_verifier_free(&verifier);
    free(subject);
    free(signature);
    free(payload);
}

static void registry_options(void) {
    ocitrust_verifier *verifier = sample_verifier(1);
    ocitrust_registry_options *options = NULL;
    ocitrust_verdict *verdict = NULL;
    ocitrust_error *error = NULL;

    CHECK_RC(ocitrust_registry_options_new(&options), OCITRUST_OK);
    CHECK_RC(ocitrust_registry_options_set_allow_insecure(options, true, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_registry_options_set_credentials(options, "alice", "s3cr3t", &error), OCITRUST_OK);
    CHECK_RC(ocitrust_registry_options_set_docker_config_dir(options, fixture("not-a-file"), &error), OCITRUST_OK);
    CHECK_RC(ocitrust_registry_options_set_signature_repository(options, "127.0.0.1:1/signatures", &error), OCITRUST_OK);
    CHECK_RC(ocitrust_registry_options_set_signature_repository(options, "Not A Repo", &error),
             OCITRUST_ERR_INVALID_REFERENCE);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_REFERENCE, "Not A Repo"));
    CHECK_RC(ocitrust_registry_options_set_timeout_ms(options, 2000, &error), OCITRUST_OK);
    CHECK_RC(ocitrust_registry_options_set_timeout_ms(options, 0, &error), OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_ARGUMENT, "0 ms"));
    CHECK_RC(ocitrust_verifier_set_registry_options(verifier, options, &error), OCITRUST_OK);
    ocitrust_registry_options_free(&options); /* copied: the verifier keeps its own */
    CHECK(options == NULL);

    /* Registry options leave layouts alone: no insecure transport is recorded for them. */
    CHECK_RC(ocitrust_verifier_verify(verifier, layout_ref("sample", ""), 0, &verdict, &error), OCITRUST_OK);
    CHECK(ocitrust_verdict_trusted(verdict) && ocitrust_verdict_insecure_count(verdict) == 1);
    ocitrust_verdict_free(&verdict);
    /* A registry that is not there is a transport failure, never "no signatures". */
    expect_error(verifier, "127.0.0.1:1/org/app@sha256:198ab5544a1261f11a03498d804fe00986882f0366803d30a27b353393736524",
                 OCITRUST_ERR_NETWORK, "127.0.0.1:1");

    /* TLS files are read when a registry is first reached: a missing one is reported then. */
    CHECK_RC(ocitrust_registry_options_new(&options), OCITRUST_OK);
    CHECK_RC(ocitrust_registry_options_set_client_certificate(options, fixture("no-such-client.pem"),
                                                              fixture("no-such-client.key"), &error),
             OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_set_registry_options(verifier, options, &error), OCITRUST_OK);
    expect_error(verifier, "127.0.0.1:1/org/app:1", OCITRUST_ERR_NOT_FOUND, "no-such-client.pem");
    CHECK_RC(ocitrust_registry_options_set_ca_file(options, fixture("no-such-ca.pem"), &error), OCITRUST_OK);
    CHECK_RC(ocitrust_verifier_set_registry_options(verifier, options, &error), OCITRUST_OK);
    expect_error(verifier, "127.0.0.1:1/org/app:1", OCITRUST_ERR_NOT_FOUND, "no-such-ca.pem");

    CHECK_RC(ocitrust_registry_options_new(NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_registry_options_set_allow_insecure(NULL, true, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_registry_options_set_credentials(options, NULL, "p", &error), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_NULL_ARGUMENT, "`username`"));
    CHECK_RC(ocitrust_registry_options_set_credentials(options, "u", NULL, &error), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_NULL_ARGUMENT, "`password`"));
    CHECK_RC(ocitrust_registry_options_set_credentials(NULL, "u", "p", NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_registry_options_set_docker_config_dir(options, NULL, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_registry_options_set_docker_config_dir(NULL, "/", NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_registry_options_set_signature_repository(options, NULL, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_registry_options_set_signature_repository(NULL, "r.example/x", NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_registry_options_set_ca_file(options, NULL, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_registry_options_set_client_certificate(options, NULL, "k.pem", &error), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_NULL_ARGUMENT, "`certificate_path`"));
    CHECK_RC(ocitrust_registry_options_set_client_certificate(options, "c.pem", NULL, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_registry_options_set_timeout_ms(NULL, 1, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_set_registry_options(verifier, NULL, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_set_registry_options(NULL, options, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    ocitrust_registry_options_free(&options);
    ocitrust_registry_options_free(&options); /* second free of the same variable: no-op */
    ocitrust_registry_options_free(NULL);
    ocitrust_verifier_free(&verifier);
}

static void triangulate_and_tree(void) {
    ocitrust_verifier *verifier = sample_verifier(0);
    ocitrust_attached *attached = NULL;
    ocitrust_error *error = NULL;
    char location[OCITRUST_LOCATION_SIZE_MAX], small[8];
    size_t len = 0;
    const char *pinned = "ghcr.io/org/app@" SAMPLE_DIGEST;

    CHECK_RC(ocitrust_verifier_triangulate(verifier, pinned, NULL, location, sizeof location, &len, &error),
             OCITRUST_OK);
    CHECK(strcmp(location, "ghcr.io/org/app:sha256-198ab5544a1261f11a03498d804fe00986882f0366803d30a27b353393736524.sig") == 0);
    CHECK_RC(ocitrust_verifier_triangulate(verifier, pinned, "sbom", location, sizeof location, &len, &error),
             OCITRUST_OK);
    CHECK(strstr(location, ".sbom") != NULL && len == strlen(location));
    CHECK_RC(ocitrust_verifier_triangulate(verifier, pinned, "digest", location, sizeof location, &len, &error),
             OCITRUST_OK);
    CHECK(strcmp(location, pinned) == 0);
    CHECK_RC(ocitrust_verifier_triangulate(verifier, layout_ref("sample", ""), "attestation", location,
                                           sizeof location, &len, &error),
             OCITRUST_OK);
    CHECK(strncmp(location, "oci:", 4) == 0 && strstr(location, ".att") != NULL);
    CHECK_RC(ocitrust_verifier_triangulate(verifier, pinned, NULL, small, sizeof small, &len, &error),
             OCITRUST_ERR_BUFFER_TOO_SMALL);
    CHECK(len > sizeof small);
    ocitrust_error_free(&error);
    CHECK_RC(ocitrust_verifier_triangulate(verifier, pinned, "blob", location, sizeof location, &len, &error),
             OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_ARGUMENT, "invalid type"));
    CHECK_RC(ocitrust_verifier_triangulate(verifier, "127.0.0.1:1/app:v1", NULL, location, sizeof location, &len,
                                           &error),
             OCITRUST_ERR_NETWORK);
    CHECK(error_says(&error, OCITRUST_ERR_NETWORK, "127.0.0.1:1"));
    CHECK_RC(ocitrust_verifier_triangulate(NULL, pinned, NULL, location, sizeof location, &len, NULL),
             OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_triangulate(verifier, pinned, NULL, location, sizeof location, NULL, NULL),
             OCITRUST_ERR_NULL_ARGUMENT);

    CHECK_RC(ocitrust_verifier_tree(verifier, "127.0.0.1:1/app:v1", &attached, &error), OCITRUST_ERR_NETWORK);
    CHECK(attached == NULL && error_says(&error, OCITRUST_ERR_NETWORK, "127.0.0.1:1"));
    CHECK_RC(ocitrust_verifier_tree(verifier, layout_ref("sample", ""), &attached, &error), OCITRUST_ERR_UNSUPPORTED);
    CHECK(error_says(&error, OCITRUST_ERR_UNSUPPORTED, "tree reads registries"));
    CHECK_RC(ocitrust_verifier_tree(verifier, NULL, &attached, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_verifier_tree(verifier, pinned, NULL, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    CHECK_RC(ocitrust_attached_json(NULL, location, sizeof location, &len), OCITRUST_ERR_NULL_ARGUMENT);
    ocitrust_attached_free(NULL);
    ocitrust_attached_free(&attached);
    ocitrust_verifier_free(&verifier);
}

/* One verifier shared by several threads, as an admission controller would. */
struct thread_job {
    const ocitrust_verifier *verifier;
    const char *reference;
    int trusted;
};

static void *verify_in_thread(void *arg) {
    struct thread_job *job = arg;
    ocitrust_verdict *verdict = NULL;
    int round;
    job->trusted = 1;
    for (round = 0; round < 20; round++) {
        if (ocitrust_verifier_verify(job->verifier, job->reference, 0, &verdict, NULL) != OCITRUST_OK ||
            !ocitrust_verdict_trusted(verdict)) {
            job->trusted = 0;
        }
        ocitrust_verdict_free(&verdict);
    }
    return NULL;
}

static void shared_between_threads(void) {
    ocitrust_verifier *verifier = sample_verifier(1);
    pthread_t threads[4];
    struct thread_job jobs[4];
    int i;
    const char *reference = layout_ref("sample", "");
    for (i = 0; i < 4; i++) {
        jobs[i].verifier = verifier;
        jobs[i].reference = reference;
        CHECK(pthread_create(&threads[i], NULL, verify_in_thread, &jobs[i]) == 0);
    }
    for (i = 0; i < 4; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
        CHECK(jobs[i].trusted);
    }
    ocitrust_verifier_free(&verifier);
}

/* A read budget too small for the sample stops the verification; 0 is refused. */
static void read_budget(void) {
    ocitrust_verifier *verifier = sample_verifier(1);
    ocitrust_error *error = NULL;
    CHECK_RC(ocitrust_verifier_set_read_budget(verifier, 1024, &error), OCITRUST_OK);
    expect_error(verifier, layout_ref("sample", ""), OCITRUST_ERR_LIMIT_EXCEEDED, "budget");
    CHECK_RC(ocitrust_verifier_set_read_budget(verifier, 1 << 20, &error), OCITRUST_OK);
    ocitrust_verdict *verdict = NULL;
    CHECK_RC(ocitrust_verifier_verify(verifier, layout_ref("sample", ""), 0, &verdict, &error), OCITRUST_OK);
    CHECK(ocitrust_verdict_trusted(verdict));
    ocitrust_verdict_free(&verdict);
    CHECK_RC(ocitrust_verifier_set_read_budget(verifier, 0, &error), OCITRUST_ERR_INVALID_ARGUMENT);
    CHECK(error_says(&error, OCITRUST_ERR_INVALID_ARGUMENT, "0 bytes"));
    CHECK_RC(ocitrust_verifier_set_read_budget(NULL, 1, NULL), OCITRUST_ERR_NULL_ARGUMENT);
    ocitrust_verifier_free(&verifier);
}

/* A registry that accepts the connection and never answers: the call's timeout_ms ends it. */
static void per_call_timeout(void) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address;
    socklen_t size = sizeof address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(listener >= 0 && bind(listener, (struct sockaddr *)&address, sizeof address) == 0);
    CHECK(listen(listener, 16) == 0 && getsockname(listener, (struct sockaddr *)&address, &size) == 0);
    char reference[64];
    snprintf(reference, sizeof reference, "127.0.0.1:%u/app:v1", (unsigned)ntohs(address.sin_port));
    ocitrust_verifier *verifier = sample_verifier(1);
    ocitrust_verdict *verdict = NULL;
    ocitrust_error *error = NULL;
    CHECK_RC(ocitrust_verifier_verify(verifier, reference, 300, &verdict, &error), OCITRUST_ERR_TIMEOUT);
    CHECK(verdict == NULL);
    CHECK(error_says(&error, OCITRUST_ERR_TIMEOUT, "time limit of 0.3 s ran out"));
    ocitrust_verifier_free(&verifier);
    close(listener);
}

int main(void) {
    trusted_sample_and_every_accessor();
    untrusted_and_broken_evidence();
    verify_bytes_sans_io();
    registry_options();
    triangulate_and_tree();
    shared_between_threads();
    read_budget();
    per_call_timeout();
    return checks_done("test_verify");
}
