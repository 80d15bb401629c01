//! `ocitrust notation …` without the real notation: the committed notation sample (signed by
//! notation) verifies with notation's lines and exit status, and fails every way it must; the
//! configuration commands change notation's files as notation does, and a refused change leaves
//! them as they were.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use support::*;

fn sample() -> PathBuf {
    root().join("examples/notation-sample")
}

fn sample_ref() -> String {
    let digest = std::fs::read_to_string(sample().join("digest")).unwrap();
    format!("{}@{}", sample().join("layout").display(), digest.trim())
}

/// `ocitrust notation ARGS` with notation's configuration at `config`.
fn notation(config: &Path, args: &[&str]) -> Output {
    let mut full = vec!["notation"];
    full.extend_from_slice(args);
    ocitrust_in(&root(), &full, &[("NOTATION_CONFIG", config.to_str().unwrap())])
}

/// `notation cert add --type STORE_TYPE --store STORE FILE` on the configuration `config`.
fn cert_add(config: &Path, store_type: &str, store: &str, file: &Path) -> Output {
    let file = file.to_str().unwrap();
    notation(config, &["cert", "add", "--type", store_type, "--store", store, file])
}

fn sample_config() -> PathBuf {
    sample().join("notation-config")
}

#[test]
fn the_notation_sample_verifies_with_notations_lines() {
    let out = notation(
        &sample_config(),
        &[
            "verify",
            "--oci-layout",
            "--scope",
            "local/notation-sample",
            &sample_ref(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with(&format!("Successfully verified signature for {}", sample_ref())));
    assert!(!stderr(&out).contains("integrity passed"), "{}", stderr(&out));
    // -v (and -d) list every check of both signatures; a user metadata no signature has fails them.
    let verbose = |extra: &[&str]| {
        let scope = ["verify", "-v", "--oci-layout", "--scope", "local/notation-sample"];
        notation(&sample_config(), &[&scope[..], extra, &[&sample_ref()]].concat())
    };
    let out = verbose(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = stderr(&out);
    assert_eq!(listed.matches(": integrity passed").count(), 2, "{listed}");
    assert_eq!(listed.matches(": authenticity passed").count(), 2, "{listed}");
    let out = verbose(&["-m", "absent=yes"]);
    assert_eq!(out.status.code(), Some(1));
    let listed = stderr(&out);
    assert_eq!(listed.matches(": user metadata failed").count(), 2, "{listed}");
    // Asking for the JWS's metadata leaves it the only signature that verifies; its metadata is listed.
    let out = notation(
        &sample_config(),
        &[
            "verify",
            "--oci-layout",
            "--scope",
            "local/notation-sample",
            "-m",
            "sample=notation",
            &sample_ref(),
        ],
    );
    let text = stdout(&out);
    assert!(
        text.contains("The artifact was signed with the following user metadata."),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["sample", "notation"]),
        "{text}"
    );
    // The same with ocitrust's reference form, and as a verdict.
    let oci = format!("oci:{}", sample_ref());
    let out = notation(
        &sample_config(),
        &["verify", "--scope", "local/notation-sample", "-o", "json", &oci],
    );
    let verdict = stdout_json(&out);
    assert_eq!(verdict["trusted"], true);
    assert_eq!(verdict["signatures"].as_array().unwrap().len(), 2);
    // --trust-policy and --trust-store name the files instead.
    let explicit = ocitrust(&[
        "notation",
        "verify",
        "--trust-policy",
        sample_config().join("trustpolicy.json").to_str().unwrap(),
        "--trust-store",
        sample_config().join("truststore").to_str().unwrap(),
        "--scope",
        "local/notation-sample",
        &oci,
    ]);
    assert!(explicit.status.success(), "{}", stderr(&explicit));
}

#[test]
fn the_notation_sample_is_refused_every_way_it_must_be() {
    let layout = sample_ref();
    let cases: &[(&[&str], &str)] = &[
        (&["--scope", "local/elsewhere"], "has no applicable trust policy"),
        (
            &["--scope", "local/notation-sample", "-m", "sample=other"],
            "unable to find specified metadata",
        ),
        (&[], "--scope"),
        (
            &[
                "--scope",
                "local/notation-sample",
                "--max-signatures",
                "1",
                "-m",
                "sample=other",
            ],
            "not examined: 1 signatures were examined first, the limit (--max-signatures)",
        ),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["verify", "--oci-layout"];
        args.extend_from_slice(extra);
        args.push(&layout);
        let out = notation(&sample_config(), &args);
        assert_fails(&out, 1, expected);
    }
    // Another trust store: nothing the signatures chain to.
    let config = scratch("notation-cli-other-store");
    copy_dir(&sample_config(), &config);
    let store = config.join("truststore/x509/ca/ocitrust-sample");
    std::fs::remove_file(store.join("root.pem")).unwrap();
    std::fs::copy(
        root().join("tests/data/notation/truststore/x509/ca/other-trust-store/GlobalSignRootCA.crt"),
        store.join("other.crt"),
    )
    .unwrap();
    let out = notation(
        &config,
        &["verify", "--oci-layout", "--scope", "local/notation-sample", &layout],
    );
    assert_fails(
        &out,
        1,
        "signature verification failed for all the signatures associated with",
    );
    assert!(
        stderr(&out).contains("does not contain any trusted certificate"),
        "{}",
        stderr(&out)
    );
    // A trust store that is a symlink is refused, as notation refuses it.
    #[cfg(unix)]
    {
        std::fs::remove_dir_all(&store).unwrap();
        std::os::unix::fs::symlink(sample_config().join("truststore/x509/ca/ocitrust-sample"), &store).unwrap();
        let out = notation(
            &config,
            &["verify", "--oci-layout", "--scope", "local/notation-sample", &layout],
        );
        assert_fails(&out, 1, "symlinks are not supported");
    }
    // No trust policy at all.
    let empty = scratch("notation-cli-empty");
    let out = notation(
        &empty,
        &["verify", "--oci-layout", "--scope", "local/notation-sample", &layout],
    );
    assert_fails(&out, 1, "trust policy is not present");
}

#[test]
fn signer_controlled_text_cannot_forge_a_line_of_output() {
    // A signer's metadata value holding a line break and what would read as another signature's
    // certificate: every output prints it escaped, on its own line.
    let layout = scratch("notation-cli-forged-lines").join("layout");
    copy_dir(&sample().join("layout"), &layout);
    let digest = std::fs::read_to_string(sample().join("digest")).unwrap();
    let reference = format!("{}@{}", layout.display(), digest.trim());
    let pki = root().join("tests/fixtures/notation");
    let chain = layout.with_file_name("chain.pem");
    let pem = |name: &str| std::fs::read_to_string(pki.join(name)).unwrap();
    std::fs::write(
        &chain,
        pem("signer-p256.pem") + &pem("intermediate.pem") + &pem("root.pem"),
    )
    .unwrap();
    let forged = "v1\n    ├── issued to: CN=Release Signing,O=Trusted Vendor\tx";
    let out = notation(
        &sample_config(),
        &[
            "sign",
            "--oci-layout",
            "--key",
            pki.join("signer-p256.key.pem").to_str().unwrap(),
            "--cert",
            chain.to_str().unwrap(),
            "-m",
            &format!("note={forged}"),
            &reference,
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let escaped = "v1\\u{a}    ├── issued to: CN=Release Signing,O=Trusted Vendor\\u{9}x";
    let inspected = stdout(&notation(&sample_config(), &["inspect", "--oci-layout", &reference]));
    assert!(inspected.contains(&format!("note: {escaped}")), "{inspected}");
    assert!(
        !inspected
            .lines()
            .any(|l| l.trim_start().starts_with("├── issued to: CN=Release Signing")),
        "{inspected}"
    );
    // notation verify's metadata table, for the signature that carries it.
    let config = config_with_statements(
        "notation-cli-forged-lines-policy",
        &[statement("anything", &["*"], &["ca:ocitrust-sample"])],
    );
    let out = notation(
        &config,
        &[
            "verify",
            "--oci-layout",
            "--scope",
            "local/app",
            "-m",
            &format!("note={forged}"),
            &reference,
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(escaped), "{}", stdout(&out));
    assert!(
        !stdout(&out)
            .lines()
            .any(|l| l.trim_start().starts_with("├── issued to")),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_flood_of_junk_signatures_listed_first_does_not_use_up_the_limit() {
    // 150 junk notation signatures listed before the sample's two genuine ones: the genuine ones'
    // manifests list their chain's thumbprints, which the trust store holds, so they are examined
    // first; the limit (100 by default) is spent on junk only after them.
    let layout = scratch("notation-cli-flood").join("layout");
    copy_dir(&sample().join("layout"), &layout);
    let mut index = read_index(&layout);
    let subject = index["manifests"][0].clone();
    let envelope = write_blob(&layout, b"{}");
    let junk: Vec<serde_json::Value> = (0..150)
        .map(|i| {
            let manifest = serde_json::json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "artifactType": "application/vnd.cncf.notary.signature",
                "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", "size": 2},
                "layers": [{"mediaType": "application/jose+json", "digest": envelope, "size": 2}],
                "subject": {"mediaType": subject["mediaType"], "digest": subject["digest"], "size": subject["size"]},
                "annotations": {"junk": i.to_string()},
            });
            let bytes = serde_json::to_vec(&manifest).unwrap();
            serde_json::json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": write_blob(&layout, &bytes), "size": bytes.len()})
        })
        .collect();
    let manifests = index["manifests"].as_array_mut().unwrap();
    let genuine = manifests.split_off(1);
    manifests.extend(junk);
    manifests.extend(genuine);
    write_index(&layout, &index);
    write_blob(&layout, b"{}"); // the empty config
    let digest = std::fs::read_to_string(sample().join("digest")).unwrap();
    let reference = format!("oci:{}@{}", layout.display(), digest.trim());
    let out = notation(
        &sample_config(),
        &["verify", "--scope", "local/notation-sample", "-o", "json", &reference],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let verdict = stdout_json(&out);
    let signatures = verdict["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 152);
    assert!(
        signatures[0]["verified"] == true && signatures[1]["verified"] == true,
        "{}",
        signatures[0]
    );
    let unexamined = signatures
        .iter()
        .filter(|s| {
            s["checks"][0]["detail"]
                .as_str()
                .unwrap_or_default()
                .starts_with("not examined")
        })
        .count();
    assert_eq!(unexamined, 52);
    // With a limit of 2, the two genuine ones are still the ones examined.
    let out = notation(
        &sample_config(),
        &[
            "verify",
            "--scope",
            "local/notation-sample",
            "--max-signatures",
            "2",
            &reference,
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A copy of the sample's configuration whose trust policy is `statements` (JSON objects).
fn config_with_statements(name: &str, statements: &[serde_json::Value]) -> PathBuf {
    let config = scratch(name);
    copy_dir(&sample_config(), &config);
    let policy = serde_json::json!({"version": "1.0", "trustPolicies": statements});
    std::fs::write(config.join("trustpolicy.json"), policy.to_string()).unwrap();
    config
}

/// The sample's statement, with `scopes` and `stores`.
fn statement(name: &str, scopes: &[&str], stores: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "name": name,
        "registryScopes": scopes,
        "signatureVerification": {"level": "strict"},
        "trustStores": stores,
        "trustedIdentities": ["*"],
    })
}

#[test]
fn an_oci_reference_without_a_scope_is_judged_under_the_wildcard_statement_only() {
    let oci = format!("oci:{}", sample_ref());
    // A `*` statement that trusts the sample's store: it applies, and the verdict and a warning say so.
    let config = config_with_statements(
        "notation-cli-wildcard",
        &[statement("anything", &["*"], &["ca:ocitrust-sample"])],
    );
    let out = notation(&config, &["verify", &oci]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "no --scope was given for the OCI layout, so it was verified under the trust policy's \"*\" statement"
        ),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).starts_with("Successfully verified signature for"),
        "{}",
        stdout(&out)
    );
    let verdict = stdout_json(&notation(&config, &["verify", "-o", "json", &oci]));
    assert_eq!(verdict["trusted"], true);
    assert_eq!(verdict["notation_scope"], "*");
    // With --scope, the scope is used and recorded, and no warning is printed.
    let scoped = notation(
        &config,
        &["verify", "--scope", "local/notation-sample", "-o", "json", &oci],
    );
    assert_eq!(stdout_json(&scoped)["notation_scope"], "local/notation-sample");
    assert!(!stderr(&scoped).contains("Warning"), "{}", stderr(&scoped));

    // Only the `*` statement: a statement naming some scope never applies to an unscoped layout,
    // even one listed first that would trust it.
    let config = config_with_statements(
        "notation-cli-wildcard-other-store",
        &[
            statement("sample", &["local/notation-sample"], &["ca:ocitrust-sample"]),
            statement("anything", &["*"], &["ca:elsewhere"]),
        ],
    );
    std::fs::create_dir_all(config.join("truststore/x509/ca/elsewhere")).unwrap();
    std::fs::copy(
        root().join("tests/data/notation/truststore/x509/ca/other-trust-store/GlobalSignRootCA.crt"),
        config.join("truststore/x509/ca/elsewhere/other.crt"),
    )
    .unwrap();
    assert_fails(&notation(&config, &["verify", &oci]), 1, "failed authenticity");
    assert!(notation(&config, &["verify", "--scope", "local/notation-sample", &oci])
        .status
        .success());

    // A `*` statement of level skip skips, and says which statement did.
    let mut skip = statement("skipper", &["*"], &[]);
    skip["signatureVerification"]["level"] = "skip".into();
    skip["trustedIdentities"] = serde_json::json!([]);
    let config = config_with_statements("notation-cli-wildcard-skip", &[skip]);
    let out = notation(&config, &["verify", &oci]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Trust policy is configured to skip signature verification"),
        "{}",
        stdout(&out)
    );

    // Without a `*` statement the layout is refused before any signature, with what to do.
    let config = config_with_statements(
        "notation-cli-no-wildcard",
        &[statement("sample", &["local/notation-sample"], &["ca:ocitrust-sample"])],
    );
    assert_fails(
        &notation(&config, &["verify", &oci]),
        1,
        "is judged under the trust policy's \"*\" statement, and there is none: give the scope it is verified under (notation verify --scope)",
    );
    // notation's --oci-layout still demands --scope, as notation does, even with a `*` statement.
    let config = config_with_statements(
        "notation-cli-wildcard-oci-layout",
        &[statement("anything", &["*"], &["ca:ocitrust-sample"])],
    );
    assert_fails(
        &notation(&config, &["verify", "--oci-layout", &sample_ref()]),
        1,
        "needs the trust policy scope it is verified under: --scope",
    );
}

#[test]
fn configuration_commands_write_what_notation_reads_and_refuse_without_writing() {
    let config = scratch("notation-cli-config");
    let pki = root().join("tests/fixtures/notation");
    // cert add: a certificate, then the same name again (refused), then a key file (refused).
    let out = cert_add(&config, "ca", "corp", &pki.join("root.pem"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(config.join("truststore/x509/ca/corp/root.pem").is_file());
    assert_fails(
        &cert_add(&config, "ca", "corp", &pki.join("root.pem")),
        1,
        "certificate already exists in the Trust Store",
    );
    assert_fails(
        &cert_add(&config, "ca", "corp", &pki.join("root.key.pem")),
        1,
        "Failed to add following certificates",
    );
    assert!(
        !config.join("truststore/x509/ca/corp/root.key.pem").exists(),
        "nothing written"
    );
    // A leaf that is no CA and not self-signed may not be trusted; a non-root may not be a TSA.
    assert_fails(
        &cert_add(&config, "ca", "leafy", &pki.join("signer-p256.pem")),
        1,
        "is not a CA certificate or self-signed signing certificate",
    );
    assert_fails(
        &cert_add(&config, "tsa", "t", &pki.join("intermediate.pem")),
        1,
        "is not a root CA certificate",
    );
    assert!(!config.join("truststore/x509/ca/leafy").exists() && !config.join("truststore/x509/tsa/t").exists());
    assert_fails(
        &notation(&config, &["cert", "add", "--type", "ca", "--store", "a/b", "x"]),
        1,
        "[a-zA-Z0-9_.-]+",
    );
    let listed = stdout(&notation(&config, &["cert", "ls"]));
    assert!(
        listed
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["ca", "corp", "root.pem"]),
        "{listed}"
    );
    let shown = stdout(&notation(
        &config,
        &["cert", "show", "--type", "ca", "--store", "corp", "root.pem"],
    ));
    assert!(
        shown.contains("Subject: CN=ocitrust test root") && shown.contains("IsCA: true"),
        "{shown}"
    );
    assert_fails(
        &notation(
            &config,
            &["cert", "show", "--type", "ca", "--store", "corp", "none.pem"],
        ),
        1,
        "does not exist",
    );

    // generate-test: a key in signingkeys.json (the default), its certificate in ca/<name>.
    let out = notation(&config, &["cert", "generate-test", "--default", "wabbit"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let keys = stdout(&notation(&config, &["key", "ls"]));
    assert!(keys.contains("* wabbit") && keys.contains("wabbit.key"), "{keys}");
    assert_fails(
        &notation(&config, &["cert", "generate-test", "wabbit"]),
        1,
        "already exists",
    );

    // policy import: validated before it is written; a second import needs --force.
    let bad = config.join("bad.json");
    std::fs::write(&bad, r#"{"version":"1.0","trustPolicies":[{"name":"x","registryScopes":["*"],"signatureVerification":{"level":"strict"}}]}"#).unwrap();
    assert_fails(
        &notation(&config, &["policy", "import", bad.to_str().unwrap()]),
        1,
        "either missing trust stores or trusted identities",
    );
    assert!(
        !config.join("trustpolicy.json").exists(),
        "a refused policy is not written"
    );
    let good = config.join("good.json");
    std::fs::write(&good, r#"{"version":"1.0","trustPolicies":[{"name":"x","registryScopes":["local/app"],"signatureVerification":{"level":"strict"},"trustStores":["ca:wabbit"],"trustedIdentities":["*"]}]}"#).unwrap();
    assert!(notation(&config, &["policy", "import", good.to_str().unwrap()])
        .status
        .success());
    assert_fails(
        &notation(&config, &["policy", "import", good.to_str().unwrap()]),
        1,
        "--force",
    );
    assert!(
        notation(&config, &["policy", "import", "--force", good.to_str().unwrap()])
            .status
            .success()
    );
    assert!(stdout(&notation(&config, &["policy", "show"])).contains("\"local/app\""));

    // The generated key signs, and the policy trusts it.
    let layout = scratch("notation-cli-sign");
    copy_dir(&sample().join("layout"), &layout);
    let digest = std::fs::read_to_string(sample().join("digest")).unwrap();
    let reference = format!("{}@{}", layout.display(), digest.trim());
    for format in ["jws", "cose"] {
        let out = notation(
            &config,
            &["sign", "--oci-layout", "--signature-format", format, &reference],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let out = notation(&config, &["verify", "--oci-layout", "--scope", "local/app", &reference]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = stdout(&notation(&config, &["ls", "--oci-layout", &reference]));
    assert_eq!(
        listed.matches("sha256:").count(),
        5,
        "the subject and its four signatures: {listed}"
    );
    let inspected = stdout(&notation(&config, &["inspect", "--oci-layout", &reference]));
    assert!(
        inspected.contains("signature envelope type: application/cose"),
        "{inspected}"
    );
    assert!(inspected.contains("signingAgent: ocitrust/"), "{inspected}");
    let json = stdout_json(&notation(
        &config,
        &["inspect", "--oci-layout", "-o", "json", &reference],
    ));
    assert_eq!(json["signatures"].as_array().unwrap().len(), 4);

    // cert delete: a file, then the store.
    assert!(notation(
        &config,
        &["cert", "delete", "--type", "ca", "--store", "corp", "root.pem", "-y"]
    )
    .status
    .success());
    assert!(!config.join("truststore/x509/ca/corp/root.pem").exists());
    assert!(notation(
        &config,
        &["cert", "delete", "--type", "ca", "--store", "corp", "--all", "-y"]
    )
    .status
    .success());
    assert_fails(
        &notation(&config, &["cert", "delete", "--type", "ca", "--store", "corp", "--all"]),
        1,
        "does not exist",
    );
}

#[test]
fn signing_refuses_keys_it_cannot_use_and_writes_nothing() {
    let layout = scratch("notation-cli-refuse");
    copy_dir(&sample().join("layout"), &layout);
    let digest = std::fs::read_to_string(sample().join("digest")).unwrap();
    let reference = format!("{}@{}", layout.display(), digest.trim());
    let before = std::fs::read(layout.join("index.json")).unwrap();
    let pki = root().join("tests/fixtures/notation");
    let empty = scratch("notation-cli-refuse-config");
    // No signing key configured.
    assert_fails(
        &notation(&empty, &["sign", "--oci-layout", &reference]),
        1,
        "default signing key not set",
    );
    assert_fails(
        &notation(&empty, &["sign", "--oci-layout", "--key", "nope", &reference]),
        1,
        "signing key nope not found",
    );
    // A key that is not the certificate's, and a certificate that may not sign.
    let key = |name: &str| pki.join(format!("{name}.key.pem")).display().to_string();
    let cert = |name: &str| pki.join(format!("{name}.pem")).display().to_string();
    assert_fails(
        &notation(
            &empty,
            &[
                "sign",
                "--oci-layout",
                "--key",
                &key("signer-p384"),
                "--cert",
                &cert("signer-p256"),
                &reference,
            ],
        ),
        1,
        "not the key of the chain's first",
    );
    assert_fails(
        &notation(
            &empty,
            &[
                "sign",
                "--oci-layout",
                "--key",
                &key("bad-ca"),
                "--cert",
                &cert("bad-ca"),
                &reference,
            ],
        ),
        1,
        "certificate-chain is invalid",
    );
    assert_fails(
        &notation(&empty, &["sign", "--oci-layout", "-e", "1d", &reference]),
        1,
        "invalid duration",
    );
    assert_eq!(
        std::fs::read(layout.join("index.json")).unwrap(),
        before,
        "nothing was written"
    );
}
