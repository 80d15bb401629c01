//! Where `ocitrust notation verify` sends revocation requests, against a loopback OCSP responder
//! and CRL server (tests/tools/revocation_server.py) and listeners that never answer: a chain no
//! trust store vouches for gets none at any level, a certificate naming hundreds of responders gets
//! a few, and `--timeout` ends the whole verification however many servers stall.

#[path = "support/peers.rs"]
mod peers;
#[path = "support/revocation_ca.rs"]
mod revocation_ca;
mod support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;

use peers::ok;
use revocation_ca::RevocationCa;
use support::*;

/// A work directory with an OCI layout holding the notation sample's image (no signature yet),
/// trust stores `ca:corp` (the test PKI's root) and `ca:other` (the test TSA's root, which
/// vouches for no signer), and a CRL cache of its own.
struct Bench {
    work: PathBuf,
    reference: String,
}

impl Bench {
    fn new(name: &str) -> Self {
        let work = scratch(name);
        let layout = work.join("layout");
        copy_dir(&root().join("examples/notation-sample/layout"), &layout);
        let mut index = read_index(&layout);
        index["manifests"] = serde_json::json!([index["manifests"][0].clone()]);
        write_index(&layout, &index);
        let digest = index["manifests"][0]["digest"].as_str().unwrap().to_owned();
        let pki = root().join("tests/fixtures/notation");
        for (store, certificate) in [("corp", "root.pem"), ("other", "tsa-root.pem")] {
            let dir = work.join("store/x509/ca").join(store);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::copy(pki.join(certificate), dir.join(certificate)).unwrap();
        }
        Bench {
            reference: format!("{}@{digest}", layout.display()),
            work,
        }
    }

    fn ocitrust(&self, args: &[&str]) -> Output {
        let cache = self.work.join("cache");
        let mut full = vec!["notation"];
        full.extend_from_slice(args);
        ocitrust_in(
            &self.work,
            &full,
            &[
                ("XDG_CACHE_HOME", cache.to_str().unwrap()),
                ("HOME", self.work.to_str().unwrap()),
            ],
        )
    }

    fn sign(&self, key: &Path, chain: &Path) {
        ok(
            self.ocitrust(&[
                "sign",
                "--oci-layout",
                "--key",
                key.to_str().unwrap(),
                "--cert",
                chain.to_str().unwrap(),
                &self.reference,
            ]),
            "ocitrust notation sign",
        );
    }

    /// `notation verify` of the layout under a policy for any repository with `statement`'s level
    /// fields and trust stores, any identity.
    fn verify(&self, verification: serde_json::Value, stores: &[&str], extra: &[&str]) -> Output {
        let policy = serde_json::json!({"version": "1.0", "trustPolicies": [{
            "name": "revocation", "registryScopes": ["*"], "signatureVerification": verification,
            "trustStores": stores, "trustedIdentities": ["*"],
        }]});
        let file = self.work.join("trustpolicy.json");
        std::fs::write(&file, policy.to_string()).unwrap();
        let store = self.work.join("store");
        let mut args = vec![
            "verify",
            "--trust-policy",
            file.to_str().unwrap(),
            "--trust-store",
            store.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let oci = format!("oci:{}", self.reference);
        args.push(&oci);
        self.ocitrust(&args)
    }
}

/// The requests the revocation server has seen.
fn requests(ca: &RevocationCa) -> usize {
    std::fs::read_to_string(ca.dir.join("requests.log"))
        .unwrap_or_default()
        .lines()
        .count()
}

/// The revocation check of the verdict's only signature: (outcome, detail).
fn revocation_check(out: &Output) -> (String, String) {
    let verdict = stdout_json(out);
    let check = verdict["signatures"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "revocation")
        .unwrap_or_else(|| panic!("no revocation check: {verdict}"))
        .clone();
    (
        check["outcome"].as_str().unwrap().to_owned(),
        check["detail"].as_str().unwrap_or_default().to_owned(),
    )
}

#[test]
fn a_chain_no_trust_store_vouches_for_gets_no_revocation_request_at_any_level() {
    let bench = Bench::new("notation-revocation-untrusted");
    let ca = RevocationCa::start(&bench.work);
    let (ocsp, crl) = (format!("{}/ocsp", ca.url), format!("{}/crl/ca.crl", ca.url));
    let (key, chain) = ca.issue("watched", Some(&ocsp), Some(&crl), Some('V'));
    bench.sign(&key, &chain);
    ca.publish_crl("ca.crl", false);

    // audit: authenticity only logged, so the signature is trusted with warnings; its revocation
    // is reported as not checked, and no server is asked.
    let audit = bench.verify(serde_json::json!({"level": "audit"}), &["ca:other"], &["-o", "json"]);
    assert!(audit.status.success(), "{}", stderr(&audit));
    let (outcome, detail) = revocation_check(&audit);
    assert_eq!(outcome, "failed-logged");
    assert!(
        detail.contains("not checked: the certificate chain is not trusted"),
        "{detail}"
    );
    assert_eq!(requests(&ca), 0);
    // Authenticity logged, revocation enforced: refused, still without a request.
    let enforced = bench.verify(
        serde_json::json!({"level": "strict", "override": {"authenticity": "log"}}),
        &["ca:other"],
        &[],
    );
    assert_fails(&enforced, 1, "failed revocation: not checked");
    assert_eq!(requests(&ca), 0);

    // Under the store that vouches for the chain, the responder is asked and says good.
    let trusted = bench.verify(serde_json::json!({"level": "strict"}), &["ca:corp"], &["-o", "json"]);
    assert!(trusted.status.success(), "{}", stderr(&trusted));
    assert_eq!(revocation_check(&trusted).0, "passed");
    assert!(requests(&ca) >= 1);
}

#[test]
fn a_certificate_naming_hundreds_of_responders_gets_three_requests() {
    let bench = Bench::new("notation-revocation-many-urls");
    let ca = RevocationCa::start(&bench.work);
    let urls: Vec<String> = (0..300).map(|i| format!("{}/nowhere/{i}", ca.url)).collect();
    let urls: Vec<&str> = urls.iter().map(String::as_str).collect();
    let (key, chain) = ca.issue_naming("many", &urls, &[], Some('V'));
    bench.sign(&key, &chain);
    let out = bench.verify(serde_json::json!({"level": "strict"}), &["ca:corp"], &[]);
    assert_fails(&out, 1, "names 300 OCSP responders; only the first 3 are asked");
    assert_eq!(requests(&ca), 3);
}

#[test]
fn one_deadline_ends_a_verification_whose_servers_never_answer() {
    let bench = Bench::new("notation-revocation-deadline");
    let ca = RevocationCa::start(&bench.work);
    // Accepts connections and never answers (each would take its 2 s or 5 s otherwise).
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().collect();
        drop(held);
    });
    let ocsp: Vec<String> = (0..3).map(|i| format!("{silent}/ocsp/{i}")).collect();
    let crls: Vec<String> = (0..3).map(|i| format!("{silent}/crl/{i}.crl")).collect();
    let (key, chain) = ca.issue_naming(
        "stalled",
        &ocsp.iter().map(String::as_str).collect::<Vec<_>>(),
        &crls.iter().map(String::as_str).collect::<Vec<_>>(),
        Some('V'),
    );
    bench.sign(&key, &chain);
    let out = bench.verify(
        serde_json::json!({"level": "strict"}),
        &["ca:corp"],
        &["--timeout", "3s"],
    );
    assert_fails(&out, 1, "the verification's deadline (--timeout) has passed");
}
