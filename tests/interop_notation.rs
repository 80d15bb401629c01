//! Interop with the real notation (v1.3.2, installed by the test command) with notation's own
//! configuration directory: notation signs (JWS and COSE, with expiry and user metadata, several
//! signers) in a loopback docker-registry (referrers tag schema) and in OCI layouts, and
//! `ocitrust notation verify` reaches the verdict `notation verify` reaches; ocitrust signs, and
//! notation verifies. Built only with the `interop` feature.

#[path = "support/peers.rs"]
mod peers;
#[path = "support/revocation_ca.rs"]
mod revocation_ca;
mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use peers::*;
use revocation_ca::RevocationCa;
use support::*;

/// notation's configuration, keys and policy under `work`, shared by notation and ocitrust.
struct NotationHome {
    work: PathBuf,
}

impl NotationHome {
    /// A configuration with the test keys `keys` (each `notation cert generate-test NAME`, whose
    /// certificate lands in the trust store `ca:NAME`), the first the default signing key.
    fn new(work: &Path, keys: &[&str]) -> Self {
        let home = NotationHome { work: work.to_owned() };
        for (i, key) in keys.iter().enumerate() {
            let mut args = vec!["cert", "generate-test", key];
            if i == 0 {
                args.push("--default");
            }
            ok(home.notation(&args), "notation cert generate-test");
        }
        home
    }

    fn env(&self) -> Vec<(String, String)> {
        vec![
            (
                "XDG_CONFIG_HOME".into(),
                self.work.join("notation-config").display().to_string(),
            ),
            ("NOTATION_EXPERIMENTAL".into(), "1".into()),
        ]
    }

    /// `notation cert add --type STORE_TYPE --store STORE FILE`, which must succeed.
    fn notation_cert_add(&self, store_type: &str, store: &str, file: &Path) {
        let file = file.to_str().unwrap();
        ok(
            self.notation(&["cert", "add", "--type", store_type, "--store", store, file]),
            "notation cert add",
        );
    }

    fn notation(&self, args: &[&str]) -> Output {
        let env = self.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        run(&tool("OCITRUST_NOTATION"), args, &self.work, &env)
    }

    fn ocitrust(&self, args: &[&str]) -> Output {
        self.ocitrust_with_input(args, b"")
    }

    fn ocitrust_with_input(&self, args: &[&str], input: &[u8]) -> Output {
        let env = self.env();
        let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let home = self.work.display().to_string();
        env.push(("HOME", &home));
        let mut full = vec!["notation"];
        full.extend_from_slice(args);
        ocitrust_with_input(&self.work, &full, &env, input)
    }

    /// Imports a trust policy (through notation, which validates it as it does).
    fn policy(&self, level: &str, stores: &[&str], identities: &[&str]) {
        let policy = serde_json::json!({"version": "1.0", "trustPolicies": [{
            "name": "interop", "registryScopes": ["*"],
            "signatureVerification": {"level": level},
            "trustStores": stores, "trustedIdentities": identities,
        }]});
        let file = self.work.join("policy.json");
        std::fs::write(&file, policy.to_string()).unwrap();
        ok(
            self.notation(&["policy", "import", "--force", file.to_str().unwrap()]),
            "notation policy import",
        );
    }

    /// Runs `verify ARGS` with both tools; asserts they agree on success and on the success line,
    /// and returns ocitrust's output.
    #[track_caller]
    fn both_verify(&self, args: &[&str], expect_success: bool) -> Output {
        let mut with_verify = vec!["verify"];
        with_verify.extend_from_slice(args);
        let notation = self.notation(&with_verify);
        let ocitrust = self.ocitrust(&with_verify);
        assert_eq!(
            notation.status.success(),
            expect_success,
            "notation {with_verify:?}:\n{}\n{}",
            stdout(&notation),
            stderr(&notation)
        );
        assert_eq!(
            ocitrust.status.success(),
            expect_success,
            "ocitrust notation {with_verify:?}:\n{}\n{}",
            stdout(&ocitrust),
            stderr(&ocitrust)
        );
        if expect_success {
            let line = |out: &Output| stdout(out).lines().next().unwrap_or_default().to_owned();
            assert_eq!(line(&ocitrust), line(&notation));
        } else {
            assert_eq!(ocitrust.status.code(), Some(1), "notation exits 1");
            assert_stderr_has(&ocitrust, "signature verification failed");
        }
        ocitrust
    }
}

/// Asserts that `out`'s standard error says `text`.
#[track_caller]
fn assert_stderr_has(out: &Output, text: &str) {
    assert!(stderr(out).contains(text), "{text:?} not in:\n{}", stderr(out));
}

fn verdict_of(home: &NotationHome, args: &[&str]) -> serde_json::Value {
    let mut full = vec!["verify", "-o", "json"];
    full.extend_from_slice(args);
    stdout_json(&home.ocitrust(&full))
}

fn checks(signature: &serde_json::Value) -> Vec<(String, String)> {
    signature["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn notation_signs_jws_and_cose_in_a_registry_and_both_tools_agree() {
    let peers = Peers::new("notation-registry");
    let home = NotationHome::new(&peers.work, &["acme"]);
    home.policy("strict", &["ca:acme"], &["*"]);
    for (repo, format) in [("jws", "jws"), ("cose", "cose")] {
        let reference = peers.push_image(repo);
        let pinned = format!("{}/{repo}@{}", peers.registry.address, peers.digest(&reference));
        ok(
            home.notation(&[
                "sign",
                "--insecure-registry",
                "--signature-format",
                format,
                "-m",
                "team=net",
                &pinned,
            ]),
            "notation sign",
        );
        let out = home.both_verify(&["--insecure-registry", &pinned], true);
        assert_eq!(
            stdout(&out).lines().next().unwrap(),
            format!("Successfully verified signature for {pinned}")
        );
        assert!(
            stdout(&out).contains("team"),
            "the signed metadata is listed: {}",
            stdout(&out)
        );
        home.both_verify(&["--insecure-registry", "-m", "team=net", &pinned], true);
        home.both_verify(&["--insecure-registry", "-m", "team=db", &pinned], false);
        // By tag: the same verdict, and notation's warning.
        let out = home.both_verify(&["--insecure-registry", &reference], true);
        assert_stderr_has(&out, "Always verify the artifact using digest");

        let verdict = verdict_of(&home, &["--insecure-registry", &pinned]);
        assert_eq!(verdict["trusted"], true, "{verdict}");
        let signature = &verdict["signatures"][0];
        assert_eq!(signature["kind"], "notation-signature");
        assert!(verdict["insecure"]
            .as_array()
            .unwrap()
            .contains(&"allow-insecure-registry".into()));
        let names: Vec<String> = checks(signature).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "integrity",
                "authenticity",
                "expiry",
                "authentic-timestamp",
                "revocation",
                "claims"
            ]
        );
        assert!(checks(signature).iter().all(|(_, o)| o == "passed"), "{signature}");
        assert!(signature["signer"]["x509_subject"]
            .as_str()
            .unwrap()
            .contains("CN=acme"));
    }
}

#[test]
fn ocitrust_signs_and_notation_verifies_in_a_registry() {
    let peers = Peers::new("notation-ocitrust-signs");
    let home = NotationHome::new(&peers.work, &["acme"]);
    home.policy("strict", &["ca:acme"], &["x509.subject:C=US,ST=WA,O=Notary"]);
    for (repo, format) in [("jws", "jws"), ("cose", "cose")] {
        let reference = peers.push_image(repo);
        let pinned = format!("{}/{repo}@{}", peers.registry.address, peers.digest(&reference));
        let signed = ok(
            home.ocitrust(&[
                "sign",
                "--insecure-registry",
                "--signature-format",
                format,
                "-e",
                "1h",
                "-m",
                "k=v",
                &pinned,
            ]),
            "ocitrust notation sign",
        );
        assert_eq!(stdout(&signed).trim(), format!("Successfully signed {pinned}"));
        home.both_verify(&["--insecure-registry", "-m", "k=v", &pinned], true);
        let listed = stdout(&ok(
            home.notation(&["ls", "--insecure-registry", &pinned]),
            "notation ls",
        ));
        assert!(listed.contains("application/vnd.cncf.notary.signature"), "{listed}");
    }
}

#[test]
fn registry_credentials_come_from_flags_or_standard_input_as_in_notation() {
    let peers = Peers::with_basic_auth("notation-auth", "alice", "s3cret");
    let reference = peers.push_image("app");
    let pinned = format!("{}/app@{}", peers.registry.address, peers.digest(&reference));
    // Only the flags give credentials from here on.
    std::fs::remove_dir_all(peers.work.join(".docker")).unwrap();
    let home = NotationHome::new(&peers.work, &["acme"]);
    home.policy("strict", &["ca:acme"], &["*"]);
    let refused = home.ocitrust(&["sign", "--insecure-registry", &pinned]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    let with_stdin = |command: &str, password: &str| {
        home.ocitrust_with_input(
            &[
                command,
                "--insecure-registry",
                "-u",
                "alice",
                "--password-stdin",
                &pinned,
            ],
            password.as_bytes(),
        )
    };
    ok(
        with_stdin("sign", "s3cret\n"),
        "ocitrust notation sign --password-stdin",
    );
    ok(
        home.notation(&["verify", "--insecure-registry", "-u", "alice", "-p", "s3cret", &pinned]),
        "notation verify -u -p",
    );
    ok(
        with_stdin("verify", "s3cret"),
        "ocitrust notation verify --password-stdin",
    );
    ok(
        home.ocitrust(&["verify", "--insecure-registry", "-u", "alice", "-p", "s3cret", &pinned]),
        "ocitrust notation verify -u -p",
    );
    assert_fails(&with_stdin("verify", "wrong\n"), 1, "401");
    assert_fails(&with_stdin("verify", ""), 1, "no password on standard input");
    assert_fails(
        &home.ocitrust(&["verify", "--insecure-registry", "-u", "alice", &pinned]),
        1,
        "--username needs --password or --password-stdin",
    );
}

#[test]
fn expiry_trust_stores_identities_and_levels_decide_alike() {
    let peers = Peers::new("notation-levels");
    let home = NotationHome::new(&peers.work, &["acme", "other"]);
    let reference = peers.push_image("levels");
    let pinned = format!("{}/levels@{}", peers.registry.address, peers.digest(&reference));
    // Signed by a key the policy does not trust: refused, whoever verifies.
    ok(
        home.notation(&["sign", "--insecure-registry", "--key", "other", &pinned]),
        "notation sign",
    );
    home.policy("strict", &["ca:acme"], &["*"]);
    let refused = home.both_verify(&["--insecure-registry", &pinned], false);
    assert_stderr_has(&refused, "does not contain any trusted certificate");
    // Audit only logs authenticity.
    home.policy("audit", &["ca:acme"], &["*"]);
    let logged = home.both_verify(&["--insecure-registry", &pinned], true);
    assert_stderr_has(&logged, "Warning: authenticity was set to \"log\"");
    // A second, trusted signature makes the artifact trusted under strict.
    home.policy("strict", &["ca:acme"], &["*"]);
    ok(
        home.notation(&["sign", "--insecure-registry", "--key", "acme", &pinned]),
        "notation sign",
    );
    home.both_verify(&["--insecure-registry", &pinned], true);
    let verdict = verdict_of(&home, &["--insecure-registry", &pinned]);
    assert_eq!(verdict["signatures"].as_array().unwrap().len(), 2, "{verdict}");
    // An identity the signer is not.
    home.policy(
        "strict",
        &["ca:acme"],
        &["x509.subject:C=US,ST=WA,O=Notary,CN=somebody"],
    );
    let refused = home.both_verify(&["--insecure-registry", &pinned], false);
    assert_stderr_has(&refused, "does not match the X.509 trusted identities");

    // An expired signature: strict refuses, permissive warns.
    let expiring = peers.push_image("expiring");
    let expiring = format!("{}/expiring@{}", peers.registry.address, peers.digest(&expiring));
    ok(
        home.notation(&["sign", "--insecure-registry", "-e", "1s", &expiring]),
        "notation sign -e 1s",
    );
    std::thread::sleep(std::time::Duration::from_secs(2));
    home.policy("strict", &["ca:acme"], &["*"]);
    let refused = home.both_verify(&["--insecure-registry", &expiring], false);
    assert_stderr_has(&refused, "digital signature has expired");
    home.policy("permissive", &["ca:acme"], &["*"]);
    let warned = home.both_verify(&["--insecure-registry", &expiring], true);
    assert_stderr_has(&warned, "Warning: expiry was set to \"log\"");
    // skip: trusted without looking.
    let unsigned = peers.push_image("unsigned");
    let unsigned = format!("{}/unsigned@{}", peers.registry.address, peers.digest(&unsigned));
    home.policy("strict", &["ca:acme"], &["*"]);
    let none = home.both_verify(&["--insecure-registry", &unsigned], false);
    assert_stderr_has(&none, "no signature is associated with");
    let skip = serde_json::json!({"version": "1.0", "trustPolicies": [{"name": "skip", "registryScopes": ["*"], "signatureVerification": {"level": "skip"}}]});
    std::fs::write(peers.work.join("skip.json"), skip.to_string()).unwrap();
    ok(
        home.notation(&["policy", "import", "--force", "skip.json"]),
        "notation policy import",
    );
    let skipped = home.both_verify(&["--insecure-registry", &unsigned], true);
    assert!(stdout(&skipped).starts_with("Trust policy is configured to skip signature verification for"));
}

/// Builds the sample image in the OCI layout `work/name`; returns notation's `PATH@DIGEST` for it.
fn image_layout(work: &Path, name: &str) -> String {
    let path = work.join(name);
    ok(
        run(
            "python3",
            &[
                root().join("examples/sample-image/build_image.py").to_str().unwrap(),
                path.to_str().unwrap(),
            ],
            work,
            &[],
        ),
        "building the image layout",
    );
    let digest = read_index(&path)["manifests"][0]["digest"].as_str().unwrap().to_owned();
    format!("{}@{digest}", path.display())
}

#[test]
fn every_key_type_signs_in_one_tool_and_verifies_in_the_other() {
    let work = scratch("notation-key-types");
    let home = NotationHome::new(&work, &[]);
    let pki = root().join("tests/fixtures/notation");
    home.notation_cert_add("ca", "corp", &pki.join("root.pem"));
    home.policy("strict", &["ca:corp"], &["x509.subject:C=US,ST=WA,O=ocitrust tests"]);
    let config = work.join("notation-config/notation");
    std::fs::create_dir_all(&config).unwrap();
    // PS384 (RSA-3072), ES384 (P-384) and ES512 (P-521); the samples cover PS256 and ES256.
    for leaf in ["signer-rsa3072", "signer-p384", "signer-p521"] {
        let key = pki.join(format!("{leaf}.key.pem"));
        let chain = work.join(format!("{leaf}-chain.pem"));
        let pems: Vec<u8> = [leaf, "intermediate", "root"]
            .iter()
            .flat_map(|name| std::fs::read(pki.join(format!("{name}.pem"))).unwrap())
            .collect();
        std::fs::write(&chain, pems).unwrap();
        let keys = serde_json::json!({"default": leaf, "keys": [{"name": leaf, "keyPath": key, "certPath": chain}]});
        std::fs::write(config.join("signingkeys.json"), keys.to_string()).unwrap();
        for format in ["jws", "cose"] {
            let by_notation = image_layout(&work, &format!("notation-{leaf}-{format}"));
            ok(
                home.notation(&["sign", "--oci-layout", "--signature-format", format, &by_notation]),
                "notation sign",
            );
            home.both_verify(&["--oci-layout", "--scope", "local/app", &by_notation], true);
            let by_ocitrust = image_layout(&work, &format!("ocitrust-{leaf}-{format}"));
            let (key, chain) = (key.to_str().unwrap(), chain.to_str().unwrap());
            let args = [
                "sign",
                "--oci-layout",
                "--signature-format",
                format,
                "--key",
                key,
                "--cert",
                chain,
            ];
            ok(home.ocitrust(&[&args[..], &[&by_ocitrust]].concat()), "ocitrust sign");
            home.both_verify(&["--oci-layout", "--scope", "local/app", &by_ocitrust], true);
        }
    }
}

#[test]
fn signatures_in_oci_layouts_verify_both_ways() {
    let work = scratch("notation-layouts");
    let home = NotationHome::new(&work, &["acme"]);
    home.policy("strict", &["ca:acme"], &["*"]);
    let layout = |name: &str| image_layout(&work, name);
    for format in ["jws", "cose"] {
        let by_notation = layout(&format!("notation-{format}"));
        ok(
            home.notation(&["sign", "--oci-layout", "--signature-format", format, &by_notation]),
            "notation sign",
        );
        home.both_verify(&["--oci-layout", "--scope", "local/app", &by_notation], true);
        // ocitrust's own layout reference, and a scope the policy does not know, under a policy
        // that names its scopes.
        ok(
            home.ocitrust(&["verify", "--scope", "local/app", &format!("oci:{by_notation}")]),
            "oci: reference",
        );
        let by_ocitrust = layout(&format!("ocitrust-{format}"));
        ok(
            home.ocitrust(&["sign", "--oci-layout", "--signature-format", format, &by_ocitrust]),
            "ocitrust sign",
        );
        home.both_verify(&["--oci-layout", "--scope", "local/app", &by_ocitrust], true);
    }
    // A layout without --scope is refused before anything is read.
    let out = home.ocitrust(&["verify", "--oci-layout", &layout("unscoped")]);
    assert_fails(&out, 1, "--scope");
}

#[test]
fn the_vendor_guide_sequence_works_with_ocitrust_in_place_of_notation() {
    let peers = Peers::new("notation-vendor-guide");
    let home = NotationHome::new(&peers.work, &[]);
    let reference = peers.push_image("net-monitor");
    let pinned = format!("{}/net-monitor@{}", peers.registry.address, peers.digest(&reference));
    let root_pem = root().join("tests/fixtures/notation/root.pem");
    // notation cert generate-test, cert add, key ls, sign, policy import, verify: with ocitrust.
    ok(
        home.ocitrust(&["cert", "generate-test", "--default", "wabbit-networks.io"]),
        "cert generate-test",
    );
    ok(
        home.ocitrust(&[
            "cert",
            "add",
            "--type",
            "ca",
            "--store",
            "corp",
            root_pem.to_str().unwrap(),
        ]),
        "cert add",
    );
    let keys = stdout(&ok(home.ocitrust(&["key", "ls"]), "key ls"));
    assert!(keys.contains("* wabbit-networks.io"), "{keys}");
    ok(home.ocitrust(&["sign", "--insecure-registry", &pinned]), "sign");
    let policy = serde_json::json!({"version": "1.0", "trustPolicies": [{
        "name": "wabbit-networks-images", "registryScopes": [format!("{}/net-monitor", peers.registry.address)],
        "signatureVerification": {"level": "strict"},
        "trustStores": ["ca:wabbit-networks.io"],
        "trustedIdentities": ["x509.subject:C=US,ST=WA,L=Seattle,O=Notary,CN=wabbit-networks.io"],
    }]});
    std::fs::write(peers.work.join("trustpolicy.json"), policy.to_string()).unwrap();
    ok(
        home.ocitrust(&["policy", "import", "trustpolicy.json"]),
        "policy import",
    );
    // notation reads every file ocitrust wrote, and both tools verify.
    let notation_keys = stdout(&ok(home.notation(&["key", "ls"]), "notation key ls"));
    assert!(notation_keys.contains("* wabbit-networks.io"), "{notation_keys}");
    let notation_certs = stdout(&ok(home.notation(&["cert", "ls"]), "notation cert ls"));
    assert!(
        notation_certs.contains("corp") && notation_certs.contains("wabbit-networks.io"),
        "{notation_certs}"
    );
    let shown = stdout(&ok(home.notation(&["policy", "show"]), "notation policy show"));
    assert!(shown.contains("wabbit-networks-images"), "{shown}");
    home.both_verify(&["--insecure-registry", &pinned], true);
    let listed = stdout(&ok(home.ocitrust(&["ls", "--insecure-registry", &pinned]), "ls"));
    let notation_listed = stdout(&ok(
        home.notation(&["ls", "--insecure-registry", &pinned]),
        "notation ls",
    ));
    assert_eq!(listed, notation_listed, "the same tree");
    // And the other way: notation's own test key, read by ocitrust.
    ok(
        home.notation(&["cert", "generate-test", "acme"]),
        "notation cert generate-test",
    );
    let keys = stdout(&ok(home.ocitrust(&["key", "ls"]), "key ls"));
    assert!(keys.contains("acme") && keys.contains("* wabbit-networks.io"), "{keys}");
    ok(
        home.ocitrust(&["sign", "--insecure-registry", "--key", "acme", &pinned]),
        "sign with notation's key",
    );
    let verdict = verdict_of(&home, &["--insecure-registry", &pinned]);
    assert_eq!(verdict["signatures"].as_array().unwrap().len(), 2, "{verdict}");
}

#[test]
fn timestamped_signatures_verify_both_ways_under_a_tsa_trust_store() {
    let peers = Peers::new("notation-timestamps");
    let home = NotationHome::new(&peers.work, &["acme"]);
    let tsa = Tsa::start(&peers.work);
    let tsa_root = root().join("tests/fixtures/notation/tsa-root.pem");
    let tsa_root = tsa_root.to_str().unwrap();
    ok(
        home.notation(&["cert", "add", "--type", "tsa", "--store", "tsa", tsa_root]),
        "notation cert add --type tsa",
    );
    let stamp = ["--timestamp-url", tsa.url.as_str(), "--timestamp-root-cert", tsa_root];
    let mut signed = Vec::new();
    for (repo, signer, format) in [
        ("n-jws", "notation", "jws"),
        ("n-cose", "notation", "cose"),
        ("o-jws", "ocitrust", "jws"),
        ("o-cose", "ocitrust", "cose"),
    ] {
        let reference = peers.push_image(repo);
        let pinned = format!("{}/{repo}@{}", peers.registry.address, peers.digest(&reference));
        let mut args = vec!["sign", "--insecure-registry", "--signature-format", format];
        args.extend_from_slice(&stamp);
        args.push(&pinned);
        let out = if signer == "notation" {
            home.notation(&args)
        } else {
            home.ocitrust(&args)
        };
        ok(out, &format!("{signer} sign --timestamp-url"));
        signed.push(pinned);
    }
    // A policy that always verifies timestamps: every one verifies, in both tools.
    home.policy("strict", &["ca:acme", "tsa:tsa"], &["*"]);
    for pinned in &signed {
        home.both_verify(&["--insecure-registry", pinned], true);
        let verdict = verdict_of(&home, &["--insecure-registry", pinned]);
        let timestamp = verdict["signatures"][0]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "authentic-timestamp")
            .cloned()
            .unwrap();
        assert_eq!(timestamp["outcome"], "passed", "{verdict}");
    }
    // Unstamped under that policy: refused by both.
    let plain = peers.push_image("plain");
    let plain = format!("{}/plain@{}", peers.registry.address, peers.digest(&plain));
    ok(home.notation(&["sign", "--insecure-registry", &plain]), "notation sign");
    let refused = home.both_verify(&["--insecure-registry", &plain], false);
    assert_stderr_has(&refused, "no timestamp countersignature was found");
    // Another TSA root in the store: the stamps do not verify, in either tool.
    ok(
        home.notation(&["cert", "delete", "--type", "tsa", "--store", "tsa", "--all", "-y"]),
        "cert delete",
    );
    let other = root().join("tests/fixtures/notation/root.pem");
    home.notation_cert_add("tsa", "tsa", &other);
    let refused = home.both_verify(&["--insecure-registry", &signed[2]], false);
    assert_stderr_has(&refused, "failed to verify the timestamp countersignature");
    // afterCertExpiry: the certificates are valid, so no stamp is needed.
    let policy = serde_json::json!({"version": "1.0", "trustPolicies": [{
        "name": "after", "registryScopes": ["*"],
        "signatureVerification": {"level": "strict", "verifyTimestamp": "afterCertExpiry"},
        "trustStores": ["ca:acme", "tsa:tsa"], "trustedIdentities": ["*"],
    }]});
    std::fs::write(peers.work.join("after.json"), policy.to_string()).unwrap();
    ok(
        home.notation(&["policy", "import", "--force", "after.json"]),
        "policy import",
    );
    home.both_verify(&["--insecure-registry", &plain], true);
}

/// A revocation case: the certificate's name, its OCSP URL and CRL URL, its status in the CA's
/// database (V, R, or absent), whether it must verify, and what the refusal says.
type RevocationCase<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<char>, bool, &'a str);

#[test]
fn revocation_against_a_loopback_ocsp_responder_and_crl_server_decides_alike() {
    let work = scratch("notation-revocation");
    let home = NotationHome::new(&work, &[]);
    let pki = root().join("tests/fixtures/notation");
    home.notation_cert_add("ca", "corp", &pki.join("root.pem"));
    home.policy("strict", &["ca:corp"], &["*"]);
    let ca = RevocationCa::start(&work);
    let ocsp = format!("{}/ocsp", ca.url);
    let crl = format!("{}/crl/ca.crl", ca.url);
    let expired_crl = format!("{}/crl/expired.crl", ca.url);
    let dead = "http://127.0.0.1:9/nothing-listens-here";
    let cases: &[RevocationCase<'_>] = &[
        ("ocsp-good", Some(&ocsp), None, Some('V'), true, ""),
        ("ocsp-revoked", Some(&ocsp), None, Some('R'), false, "is revoked"),
        (
            "ocsp-unknown",
            Some(&ocsp),
            None,
            None,
            false,
            "revocation status is unknown",
        ),
        ("crl-good", None, Some(&crl), Some('V'), true, ""),
        ("crl-revoked", None, Some(&crl), Some('R'), false, "is revoked"),
        ("ocsp-down-crl-good", Some(dead), Some(&crl), Some('V'), true, ""),
        (
            "ocsp-down-crl-revoked",
            Some(dead),
            Some(&crl),
            Some('R'),
            false,
            "is revoked",
        ),
        (
            "all-down",
            Some(dead),
            Some(dead),
            Some('V'),
            false,
            "revocation status is unknown",
        ),
        (
            "crl-expired",
            None,
            Some(&expired_crl),
            Some('V'),
            false,
            "revocation status is unknown",
        ),
    ];
    let mut signed = Vec::new();
    for (name, ocsp, crl_url, status, _, _) in cases {
        let (key, chain) = ca.issue(name, *ocsp, *crl_url, *status);
        let layout = work.join(format!("layout-{name}"));
        copy_dir(&root().join("examples/notation-sample/layout"), &layout);
        // Only the image, not the sample's own signatures.
        let mut index = read_index(&layout);
        index["manifests"] = serde_json::json!([index["manifests"][0].clone()]);
        write_index(&layout, &index);
        let digest = index["manifests"][0]["digest"].as_str().unwrap().to_owned();
        let reference = format!("{}@{digest}", layout.display());
        ok(
            home.ocitrust(&[
                "sign",
                "--oci-layout",
                "--key",
                key.to_str().unwrap(),
                "--cert",
                chain.to_str().unwrap(),
                &reference,
            ]),
            "ocitrust sign",
        );
        signed.push(reference);
    }
    let crl_file = ca.publish_crl("ca.crl", false);
    ca.publish_crl("expired.crl", true);
    for ((name, _, _, _, expected, says), reference) in cases.iter().zip(&signed) {
        let out = home.both_verify(&["--oci-layout", "--scope", "local/app", reference], *expected);
        assert!(stderr(&out).contains(says), "{name}: {}", stderr(&out));
    }
    // Permissive only logs revocation.
    home.policy("permissive", &["ca:corp"], &["*"]);
    let logged = home.both_verify(&["--oci-layout", "--scope", "local/app", &signed[7]], true);
    assert_stderr_has(&logged, "Warning: revocation was set to \"log\"");
    home.policy("strict", &["ca:corp"], &["*"]);
    // Offline, with the CRL file given (notation cannot do this): the same verdicts, no server asked.
    let crl_arg = crl_file.to_str().unwrap();
    let before = std::fs::read_to_string(ca.dir.join("requests.log")).unwrap_or_default();
    let offline = |reference: &str, extra: &[&str]| {
        let mut args = vec!["verify", "--oci-layout", "--scope", "local/app", "--offline"];
        args.extend_from_slice(extra);
        args.push(reference);
        home.ocitrust(&args)
    };
    assert!(
        offline(&signed[3], &["--crl", crl_arg]).status.success(),
        "crl-good offline"
    );
    assert_fails(&offline(&signed[4], &["--crl", crl_arg]), 1, "is revoked");
    assert_fails(&offline(&signed[3], &[]), 1, "no CRL file given");
    assert_eq!(
        std::fs::read_to_string(ca.dir.join("requests.log")).unwrap_or_default(),
        before,
        "offline asked nothing"
    );
}

#[test]
fn signatures_naming_a_verification_plugin_are_verified_by_it_in_both_tools() {
    let work = scratch("notation-plugin");
    let home = NotationHome::new(&work, &[]);
    let pki = root().join("tests/fixtures/notation");
    home.notation_cert_add("ca", "corp", &pki.join("root.pem"));
    home.policy("strict", &["ca:corp"], &["*"]);
    let layout = work.join("layout");
    copy_dir(&root().join("examples/notation-sample/layout"), &layout);
    let mut index = read_index(&layout);
    index["manifests"] = serde_json::json!([index["manifests"][0].clone()]);
    write_index(&layout, &index);
    let reference = format!(
        "{}@{}",
        layout.display(),
        index["manifests"][0]["digest"].as_str().unwrap()
    );
    let verify = ["--oci-layout", "--scope", "local/app"];
    let with = |extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = verify.iter().map(|s| s.to_string()).collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        args.push(reference.clone());
        args
    };
    let both = |extra: &[&str], expect: bool| {
        let args = with(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        home.both_verify(&args, expect)
    };

    // Not installed yet: notation signs through it only once it is; install it, sign with it.
    let plugin_dir = work.join("notation-config/notation/plugins/test");
    std::fs::create_dir_all(&plugin_dir).unwrap();
    let plugin = plugin_dir.join("notation-test");
    std::fs::copy(root().join("tests/tools/notation-test-plugin.py"), &plugin).unwrap();
    let log = work.join("plugin.log");
    let settings = |version: &str| {
        let settings = serde_json::json!({"pki": pki, "log": log, "version": version});
        std::fs::write(plugin_dir.join("settings.json"), settings.to_string()).unwrap();
    };
    settings("1.0.0");
    // notation signs through the plugin (a signing plugin's key); ocitrust signs requiring it for
    // verification, as a signing plugin's envelopes do.
    ok(
        home.notation(&[
            "key",
            "add",
            "--plugin",
            "test",
            "--id",
            "key-1",
            "--default",
            "plugged",
        ]),
        "notation key add --plugin",
    );
    ok(
        home.notation(&["sign", "--oci-layout", &reference]),
        "notation sign through the plugin",
    );
    // Only the plugin-requiring signature from here on.
    write_index(&layout, &index);
    let key = pki.join("signer-rsa.key.pem");
    let chain = work.join("chain.pem");
    let text = ["signer-rsa.pem", "intermediate.pem", "root.pem"]
        .map(|f| std::fs::read_to_string(pki.join(f)).unwrap())
        .concat();
    std::fs::write(&chain, text).unwrap();
    ok(
        home.ocitrust(&[
            "sign",
            "--oci-layout",
            "--key",
            key.to_str().unwrap(),
            "--cert",
            chain.to_str().unwrap(),
            "--verification-plugin",
            "test",
            "--verification-plugin-min-version",
            "1.0.0",
            &reference,
        ]),
        "ocitrust sign requiring the plugin",
    );
    let listed = stdout(&ok(home.ocitrust(&["plugin", "ls"]), "plugin ls"));
    assert!(listed.contains("test") && listed.contains("1.0.0"), "{listed}");

    // The plugin judges identity and revocation; both tools run it, and agree.
    both(&[], true);
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(
        calls.matches("verify-signature").count() >= 2,
        "both tools ran the plugin: {calls}"
    );
    let verdict = verdict_of(&home, &with(&[]).iter().map(String::as_str).collect::<Vec<_>>());
    let checks = checks(&verdict["signatures"][0]);
    assert!(
        checks.contains(&("plugin".to_owned(), "passed".to_owned())),
        "{checks:?}"
    );
    let refused = both(&["--plugin-config", "identity=deny"], false);
    assert_stderr_has(&refused, "identity denied by the test plugin");
    let refused = both(&["--plugin-config", "revocation=revoked"], false);
    assert_stderr_has(&refused, "revoked, says the test plugin");
    // Permissive logs a revocation failure; a plugin older than the signature asks for is refused.
    home.policy("permissive", &["ca:corp"], &["*"]);
    both(&["--plugin-config", "revocation=revoked"], true);
    home.policy("strict", &["ca:corp"], &["*"]);
    settings("0.9.0");
    let refused = both(&[], false);
    assert_stderr_has(&refused, "needs plugin version greater than or equal to 1.0.0");
    settings("1.0.0");
    // Removed: the signature cannot be verified, and both say the plugin is missing.
    std::fs::remove_file(&plugin).unwrap();
    let refused = both(&[], false);
    assert_stderr_has(&refused, "make sure the plugin is installed");
}
