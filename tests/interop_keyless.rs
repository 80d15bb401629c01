//! Keyless interop with the real cosign against the real Sigstore services on loopback
//! (tests/tools/sigstore_stack.py: Fulcio, a CT log, Rekor v2, a timestamp authority, an OIDC
//! issuer, a stand-in for Rekor v1's write API): cosign v3 signs an image keyless (a bundle
//! referrer), cosign v2 signs another with a certificate and a timestamp and no log entry, and a
//! third with a certificate and a Rekor bundle; cosign verifies each; ocitrust verifies the same
//! images straight from the registry, offline from the services, and prints what cosign printed.

#[path = "support/peers.rs"]
mod peers;
mod support;

use peers::*;
use support::*;

/// Signs `bundle_ref` (cosign v3), `legacy_ref` and `rekor_ref` (cosign v2: with a timestamp, with a
/// Rekor bundle) keyless inside a fresh stack, has cosign verify each (its output kept in `work`),
/// and leaves the trusted root and issuer there.
fn sign_keyless(peers: &Peers, bundle_ref: &str, legacy_ref: &str, rekor_ref: &str) -> std::path::PathBuf {
    let commands = format!(
        r#""{v3}" sign --yes --signing-config "$SIGSTORE_STACK_SIGNING_CONFIG" --trusted-root "$SIGSTORE_STACK_TRUSTED_ROOT" \
  --identity-token "$SIGSTORE_STACK_TOKEN" "{bundle_ref}"
printf '%s' '{sbom}' > sbom.json
"{v3}" attest --yes --type cyclonedx --predicate sbom.json --signing-config "$SIGSTORE_STACK_SIGNING_CONFIG" \
  --trusted-root "$SIGSTORE_STACK_TRUSTED_ROOT" --identity-token "$SIGSTORE_STACK_TOKEN" "{bundle_ref}"
"{v3}" verify --certificate-identity "$SIGSTORE_STACK_IDENTITY" --certificate-oidc-issuer "$SIGSTORE_STACK_ISSUER" \
  --trusted-root "$SIGSTORE_STACK_TRUSTED_ROOT" "{bundle_ref}" > cosign-v3-verify.json
"{v3}" verify-attestation --type cyclonedx --certificate-identity "$SIGSTORE_STACK_IDENTITY" \
  --certificate-oidc-issuer "$SIGSTORE_STACK_ISSUER" --trusted-root "$SIGSTORE_STACK_TRUSTED_ROOT" \
  "{bundle_ref}" > cosign-v3-verify-attestation.json
SIGSTORE_ROOT_FILE="$SIGSTORE_STACK_FULCIO_ROOT" SIGSTORE_CT_LOG_PUBLIC_KEY_FILE="$SIGSTORE_STACK_CT_KEY" \
  "{v2}" sign --yes --fulcio-url "$SIGSTORE_STACK_FULCIO" --identity-token "$SIGSTORE_STACK_TOKEN" \
  --timestamp-server-url "$SIGSTORE_STACK_TSA" --tlog-upload=false "{legacy_ref}"
curl -sf "$SIGSTORE_STACK_TSA/certchain" > tsa-chain.pem
SIGSTORE_ROOT_FILE="$SIGSTORE_STACK_FULCIO_ROOT" SIGSTORE_CT_LOG_PUBLIC_KEY_FILE="$SIGSTORE_STACK_CT_KEY" \
  "{v2}" verify --certificate-identity "$SIGSTORE_STACK_IDENTITY" --certificate-oidc-issuer "$SIGSTORE_STACK_ISSUER" \
  --insecure-ignore-tlog --timestamp-certificate-chain tsa-chain.pem "{legacy_ref}" > cosign-v2-verify.json
SIGSTORE_ROOT_FILE="$SIGSTORE_STACK_FULCIO_ROOT" SIGSTORE_CT_LOG_PUBLIC_KEY_FILE="$SIGSTORE_STACK_CT_KEY" \
  "{v2}" attest --yes --type cyclonedx --predicate sbom.json --fulcio-url "$SIGSTORE_STACK_FULCIO" \
  --identity-token "$SIGSTORE_STACK_TOKEN" --timestamp-server-url "$SIGSTORE_STACK_TSA" --tlog-upload=false "{legacy_ref}"
SIGSTORE_ROOT_FILE="$SIGSTORE_STACK_FULCIO_ROOT" SIGSTORE_CT_LOG_PUBLIC_KEY_FILE="$SIGSTORE_STACK_CT_KEY" \
  "{v2}" verify-attestation --type cyclonedx --certificate-identity "$SIGSTORE_STACK_IDENTITY" \
  --certificate-oidc-issuer "$SIGSTORE_STACK_ISSUER" --insecure-ignore-tlog \
  --timestamp-certificate-chain tsa-chain.pem "{legacy_ref}" > cosign-v2-verify-attestation.json
SIGSTORE_ROOT_FILE="$SIGSTORE_STACK_FULCIO_ROOT" SIGSTORE_CT_LOG_PUBLIC_KEY_FILE="$SIGSTORE_STACK_CT_KEY" \
  "{v2}" attest --yes --type cyclonedx --predicate sbom.json --fulcio-url "$SIGSTORE_STACK_FULCIO" \
  --identity-token "$SIGSTORE_STACK_TOKEN" --rekor-url "$SIGSTORE_STACK_REKOR_V1" "{rekor_ref}"
SIGSTORE_ROOT_FILE="$SIGSTORE_STACK_FULCIO_ROOT" SIGSTORE_CT_LOG_PUBLIC_KEY_FILE="$SIGSTORE_STACK_CT_KEY" \
  SIGSTORE_REKOR_PUBLIC_KEY="$SIGSTORE_STACK_REKOR_V1_KEY" \
  "{v2}" verify-attestation --type cyclonedx --certificate-identity "$SIGSTORE_STACK_IDENTITY" \
  --certificate-oidc-issuer "$SIGSTORE_STACK_ISSUER" --offline "{rekor_ref}" > cosign-v2-rekor-verify-attestation.json
SIGSTORE_ROOT_FILE="$SIGSTORE_STACK_FULCIO_ROOT" SIGSTORE_CT_LOG_PUBLIC_KEY_FILE="$SIGSTORE_STACK_CT_KEY" \
  "{v2}" attest --yes --type spdxjson --predicate sbom.json --fulcio-url "$SIGSTORE_STACK_FULCIO" \
  --identity-token "$SIGSTORE_STACK_TOKEN" --rekor-url "$SIGSTORE_STACK_REKOR_V1" --rekor-entry-type intoto "{rekor_ref}"
SIGSTORE_ROOT_FILE="$SIGSTORE_STACK_FULCIO_ROOT" SIGSTORE_CT_LOG_PUBLIC_KEY_FILE="$SIGSTORE_STACK_CT_KEY" \
  SIGSTORE_REKOR_PUBLIC_KEY="$SIGSTORE_STACK_REKOR_V1_KEY" \
  "{v2}" verify-attestation --type spdxjson --certificate-identity "$SIGSTORE_STACK_IDENTITY" \
  --certificate-oidc-issuer "$SIGSTORE_STACK_ISSUER" --offline "{rekor_ref}" > cosign-v2-intoto-verify-attestation.json
SIGSTORE_ROOT_FILE="$SIGSTORE_STACK_FULCIO_ROOT" SIGSTORE_CT_LOG_PUBLIC_KEY_FILE="$SIGSTORE_STACK_CT_KEY" \
  "{v2}" sign --yes --fulcio-url "$SIGSTORE_STACK_FULCIO" --identity-token "$SIGSTORE_STACK_TOKEN" \
  --rekor-url "$SIGSTORE_STACK_REKOR_V1" "{rekor_ref}"
SIGSTORE_ROOT_FILE="$SIGSTORE_STACK_FULCIO_ROOT" SIGSTORE_CT_LOG_PUBLIC_KEY_FILE="$SIGSTORE_STACK_CT_KEY" \
  SIGSTORE_REKOR_PUBLIC_KEY="$SIGSTORE_STACK_REKOR_V1_KEY" \
  "{v2}" verify --certificate-identity "$SIGSTORE_STACK_IDENTITY" --certificate-oidc-issuer "$SIGSTORE_STACK_ISSUER" \
  --offline "{rekor_ref}" > cosign-v2-rekor-verify.json
"#,
        v3 = tool("OCITRUST_COSIGN_V3"),
        sbom = SBOM,
        v2 = tool("OCITRUST_COSIGN"),
    );
    peers.in_sigstore_stack(
        "keyless",
        &commands,
        "keyless signing by cosign v3 and v2 against the loopback Sigstore, and cosign's verification",
    )
}

/// The SBOM cosign v3 attests keyless.
const SBOM: &str = r#"{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{"type":"library","name":"zlib","version":"1.3.1"}]}"#;

fn payloads(text: &str) -> serde_json::Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn cosign_signs_keyless_ocitrust_verifies_from_the_registry_with_cosigns_output() {
    let peers = Peers::new("registry-keyless");
    let bundle_image = peers.push_image("keyless-v3");
    let legacy_image = peers.push_image("keyless-v2");
    let rekor_image = peers.push_image("keyless-v2-rekor");
    let pin = |reference: &str| format!("{}@{}", reference.trim_end_matches(":v1"), peers.digest(reference));
    let (bundle_ref, legacy_ref, rekor_ref) = (pin(&bundle_image), pin(&legacy_image), pin(&rekor_image));
    let work = sign_keyless(&peers, &bundle_ref, &legacy_ref, &rekor_ref);
    let issuer = std::fs::read_to_string(work.join("issuer")).unwrap();
    let root = work.join("trusted_root.json");
    let identity = [
        "--certificate-identity",
        "ci@example.com",
        "--certificate-oidc-issuer",
        issuer.as_str(),
        "--trusted-root",
        root.to_str().unwrap(),
    ];

    // The services are gone: verification needs only the registry and the trusted root.
    let out = ok(
        peers.ocitrust(&work, &[&["verify"][..], &identity, &[bundle_ref.as_str()]].concat()),
        "ocitrust verify of cosign v3's keyless bundle",
    );
    let cosign = std::fs::read_to_string(work.join("cosign-v3-verify.json")).unwrap();
    assert_eq!(
        payloads(&stdout(&out)),
        payloads(&cosign),
        "ocitrust printed what cosign v3 printed"
    );
    assert!(
        stderr(&out).contains("The code-signing certificate was verified"),
        "{}",
        stderr(&out)
    );

    let out = peers.ocitrust(&work, &[&["verify"][..], &identity, &[legacy_ref.as_str()]].concat());
    assert_eq!(out.status.code(), Some(12), "no log entry: refused without the opt-in");
    let out = ok(
        peers.ocitrust(
            &work,
            &[
                &["verify"][..],
                &identity,
                &["--insecure-ignore-tlog", legacy_ref.as_str()],
            ]
            .concat(),
        ),
        "ocitrust verify of cosign v2's keyless layer",
    );
    let cosign = std::fs::read_to_string(work.join("cosign-v2-verify.json")).unwrap();
    assert_eq!(
        payloads(&stdout(&out)),
        payloads(&cosign),
        "ocitrust printed what cosign v2 printed"
    );

    // The classic keyless layer, certificate and Rekor bundle: verified with no opt-in.
    let out = ok(
        peers.ocitrust(&work, &[&["verify"][..], &identity, &[rekor_ref.as_str()]].concat()),
        "ocitrust verify of cosign v2's keyless layer with a Rekor bundle",
    );
    let cosign = std::fs::read_to_string(work.join("cosign-v2-rekor-verify.json")).unwrap();
    assert_eq!(
        payloads(&stdout(&out)),
        payloads(&cosign),
        "ocitrust printed what cosign v2 printed for the Rekor-bundle layer"
    );
    assert!(
        stderr(&out).contains("Existence of the claims in the transparency log was verified offline"),
        "{}",
        stderr(&out)
    );

    // cosign v3's keyless attestation (a DSSE bundle, Rekor v2 dsse entry, timestamp): the same
    // envelope printed, the same SBOM handed out, the certificate lines on standard error.
    let written = work.join("extracted-sbom.json");
    let out = ok(
        peers.ocitrust(
            &work,
            &[
                &["verify-attestation", "--type", "cyclonedx"][..],
                &identity,
                &["--output-predicate", written.to_str().unwrap(), bundle_ref.as_str()],
            ]
            .concat(),
        ),
        "ocitrust verify-attestation of cosign v3's keyless attestation",
    );
    let cosign = std::fs::read_to_string(work.join("cosign-v3-verify-attestation.json")).unwrap();
    let lines = |text: &str| -> Vec<serde_json::Value> {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    assert_eq!(
        lines(&stdout(&out)),
        lines(&cosign),
        "ocitrust printed what cosign v3 printed"
    );
    assert!(
        stderr(&out).contains("Certificate subject: ci@example.com"),
        "{}",
        stderr(&out)
    );
    let extracted: serde_json::Value = serde_json::from_slice(&std::fs::read(&written).unwrap()).unwrap();
    assert_eq!(extracted, serde_json::from_str::<serde_json::Value>(SBOM).unwrap());
    let out = peers.ocitrust(
        &work,
        &[
            &["verify-attestation", "--type", "cyclonedx"][..],
            &[
                "--certificate-identity",
                "someone@example.com",
                "--certificate-oidc-issuer",
                issuer.as_str(),
                "--trusted-root",
                root.to_str().unwrap(),
                bundle_ref.as_str(),
            ],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(12));
    assert!(
        stderr(&out).contains(r#"expected SAN value "someone@example.com""#),
        "{}",
        stderr(&out)
    );

    // cosign v2's keyless attestations on the tag scheme, each printed as cosign printed it:
    // - with a timestamp and no log entry (the timestamp covers the whole envelope, as cosign v2
    //   stamps attestations);
    // - with a Rekor bundle whose entry is dsse 0.0.1 (cosign v2's default), with no opt-in;
    // - with an intoto 0.0.1 entry (`--rekor-entry-type intoto`, cosign v1's kind), which hashes the
    //   envelope as the layer stores it.
    let cases: [(&str, &[&str], &str, &str); 3] = [
        (
            "cyclonedx",
            &["--insecure-ignore-tlog"],
            &legacy_ref,
            "cosign-v2-verify-attestation.json",
        ),
        ("cyclonedx", &[], &rekor_ref, "cosign-v2-rekor-verify-attestation.json"),
        ("spdxjson", &[], &rekor_ref, "cosign-v2-intoto-verify-attestation.json"),
    ];
    for (predicate_type, extra, image, printed_by_cosign) in cases {
        let out = ok(
            peers.ocitrust(
                &work,
                &[
                    &["verify-attestation", "--type", predicate_type][..],
                    extra,
                    &identity,
                    &[image],
                ]
                .concat(),
            ),
            &format!("ocitrust verify-attestation of cosign v2's keyless .att layer ({printed_by_cosign})"),
        );
        let cosign = std::fs::read_to_string(work.join(printed_by_cosign)).unwrap();
        assert_eq!(lines(&stdout(&out)), lines(&cosign), "{printed_by_cosign}");
    }

    // The wrong issuer is refused with what was expected and found.
    let out = peers.ocitrust(
        &work,
        &[
            "verify",
            "--certificate-identity",
            "ci@example.com",
            "--certificate-oidc-issuer",
            "https://accounts.google.com",
            "--trusted-root",
            root.to_str().unwrap(),
            &bundle_ref,
        ],
    );
    assert_eq!(out.status.code(), Some(12));
    assert!(
        stderr(&out).contains(&format!(
            r#"expected issuer value "https://accounts.google.com", got "{issuer}""#
        )),
        "{}",
        stderr(&out)
    );
}
