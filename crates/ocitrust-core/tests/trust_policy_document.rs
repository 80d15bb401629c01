//! Reading trust policy documents: what is accepted, and for each rule that refuses a document,
//! the message and the line and column it points at.

use ocitrust_core::crypto::SigningKey;
use ocitrust_core::policy::document::{AuthorityKind, Requirement, Requires, TlogRule};
use ocitrust_core::policy::{compile, PolicyFiles, TrustPolicy};

fn key_pem() -> String {
    SigningKey::generate_ecdsa_p256().unwrap().public_key().to_pem()
}

/// `pem` as a YAML block scalar indented by `indent` spaces.
fn block(pem: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    format!("|\n{}", pem.lines().map(|l| format!("{pad}{l}\n")).collect::<String>())
}

fn with_policies(policies: &str) -> String {
    format!(
        "apiVersion: ocitrust.dev/v1alpha1\nkind: TrustPolicy\nauthorities:\n  a:\n    cosign:\n      keyData: {}  b:\n    cosign:\n      keyData: {}  c:\n    cosign:\n      keyData: {}policies:\n{policies}",
        block(&key_pem(), 8),
        block(&key_pem(), 8),
        block(&key_pem(), 8)
    )
}

#[track_caller]
fn refused(text: &str, position: &str, message: &str) {
    let error = TrustPolicy::parse(text).map(|_| ()).unwrap_err();
    let shown = error.to_string();
    assert!(shown.starts_with(position), "{shown:?} should start with {position:?}");
    assert!(shown.contains(message), "{shown:?} should contain {message:?}");
}

#[test]
fn the_example_of_the_documentation_reads_whole() {
    let text = with_policies(
        r#"- name: prod
  scope: ["registry.example.com/prod/**", "nginx"]
  mode: warn
  platforms: instances
  signatures: {atLeast: 2, of: [a, b, {any: [c]}]}
  attestations:
  - predicateType: cyclonedx
    by: [a]
    condition: '!predicate.components.exists(c, c.name == "log4j-core")'
- name: staging
  scope: ["registry.example.com/staging/*"]
  reject: true
- name: sandbox
  scope: ["registry.example.com/sandbox/**"]
  insecureAcceptAnything: true
"#,
    );
    let policy = TrustPolicy::parse(&text).unwrap();
    assert_eq!(policy.policies.len(), 3);
    let prod = &policy.policies[0];
    assert_eq!(prod.scope[1].text(), "docker.io/library/nginx");
    let Requires::Evidence {
        signatures: Some(Requirement::AtLeast(2, items)),
        attestations,
    } = &prod.requires
    else {
        panic!("{:?}", prod.requires)
    };
    assert_eq!(items.len(), 3);
    assert_eq!(attestations[0].predicate_type, "https://cyclonedx.org/bom");
    assert!(matches!(policy.policies[1].requires, Requires::Reject));
    assert!(matches!(policy.policies[2].requires, Requires::InsecureAcceptAnything));
    assert!(matches!(
        policy.authorities[0].kind,
        AuthorityKind::Cosign {
            tlog: TlogRule::Require,
            ..
        }
    ));
    let compiled = compile(policy, &PolicyFiles::new()).unwrap();
    assert_eq!(compiled.authorities.len(), 3);
}

#[test]
fn json_documents_read_too() {
    let pem = key_pem().replace('\n', "\\n");
    let text = format!(
        r#"{{"apiVersion": "ocitrust.dev/v1alpha1", "kind": "TrustPolicy",
  "authorities": {{"a": {{"cosign": {{"keyData": "{pem}", "tlog": "ignore"}}}}}},
  "policies": [{{"name": "all", "scope": ["*"], "signatures": {{"all": ["a"]}}}}]}}"#
    );
    let policy = TrustPolicy::parse(&text).unwrap();
    assert!(matches!(
        policy.authorities[0].kind,
        AuthorityKind::Cosign {
            tlog: TlogRule::Ignore,
            ..
        }
    ));
}

const HEAD: &str = "apiVersion: ocitrust.dev/v1alpha1\nkind: TrustPolicy\n";

#[test]
fn the_header_must_name_this_format() {
    refused(
        "apiVersion: v1\nkind: TrustPolicy\n",
        "1:13",
        "apiVersion must be \"ocitrust.dev/v1alpha1\"",
    );
    refused(
        "apiVersion: ocitrust.dev/v1alpha1\nkind: Policy\n",
        "2:7",
        "kind must be \"TrustPolicy\"",
    );
    refused("kind: TrustPolicy\n", "1:1", "needs the field \"apiVersion\"");
    refused("- a\n", "1:1", "the document must be a mapping");
}

#[test]
fn unknown_and_misspelt_fields_are_refused_where_they_stand() {
    refused(&format!("{HEAD}polices: []\n"), "3:1", "unknown field \"polices\"");
    refused(
        &format!("{HEAD}defaults: {{noMatch: deny, platform: index}}\n"),
        "3:27",
        "unknown field \"platform\"",
    );
    refused(
        &format!("{HEAD}authorities:\n  a: {{cosign: {{key: k.pub, tlogg: ignore}}}}\n"),
        "4:28",
        "unknown field \"tlogg\"",
    );
    refused(
        &with_policies("- name: p\n  scope: ['*']\n  signature: {any: [a]}\n"),
        "",
        "unknown field \"signature\"",
    );
}

#[test]
fn names_must_be_defined_and_of_the_right_kind() {
    refused(
        &with_policies("- name: p\n  scope: ['*']\n  signatures: {atLeast: 1, of: [a, vendor]}\n"),
        "",
        "unknown authority \"vendor\" (defined: a, b, c)",
    );
    refused(
        &with_policies("- name: p\n  scope: ['*']\n  attestations: [{predicateType: spdx, by: [ci]}]\n"),
        "",
        "unknown authority \"ci\"",
    );
    refused(
        &format!("{HEAD}authorities:\n  ci: {{keyless: {{trustRoot: pg, issuer: i, identity: s}}}}\n"),
        "4:29",
        "unknown trust root \"pg\" (none is defined)",
    );
    refused(
        &format!(
            "{HEAD}trustRoots:\n  pki: {{x509: {{ca: [ca.pem]}}}}\nauthorities:\n  ci: {{keyless: {{trustRoot: pki, issuer: i, identity: s}}}}\n"
        ),
        "6:29",
        "trust root \"pki\" is not a sigstore trust root",
    );
    refused(
        &format!(
            "{HEAD}trustRoots:\n  pg: {{sigstore: {{trustedRoot: embedded}}}}\nauthorities:\n  n: {{notation: {{trustRoots: [pg], trustedIdentities: ['*']}}}}\n"
        ),
        "6:31",
        "trust root \"pg\" is not an x509 trust root",
    );
    refused(
        &format!("{HEAD}authorities:\n  'bad name': {{cosign: {{key: k}}}}\n"),
        "4:3",
        "is not a valid name",
    );
}

#[test]
fn thresholds_must_be_satisfiable_and_well_formed() {
    let policy = |signatures: &str| with_policies(&format!("- name: p\n  scope: ['*']\n  signatures: {signatures}\n"));
    refused(
        &policy("{atLeast: 4, of: [a, b, c]}"),
        "",
        "atLeast is 4, but only 3 can count",
    );
    refused(
        &policy("{atLeast: 0, of: [a]}"),
        "",
        "atLeast must be a positive integer",
    );
    refused(
        &policy("{atLeast: two, of: [a]}"),
        "",
        "atLeast must be a positive integer",
    );
    refused(&policy("{of: [a]}"), "", "of needs atLeast beside it");
    refused(&policy("{any: []}"), "", "a requirement needs at least one item");
    refused(&policy("{any: [a], all: [b]}"), "", "takes only one of: any, all");
    refused(&policy("{}"), "", "a requirement needs one of: any, all");
    refused(
        &policy("{atLeast: 1, of: [a], any: [b]}"),
        "",
        "atLeast/of takes no any or all beside it",
    );
    refused(&policy("[a, b]"), "", "a requirement must be a mapping");
    let deep = (0..10).fold("a".to_owned(), |inner, _| format!("{{any: [{inner}]}}"));
    refused(&policy(&deep), "", "nested deeper than 8 levels");
}

#[test]
fn a_policy_must_require_something_and_only_one_kind_of_thing() {
    refused(&with_policies("- name: p\n  scope: ['*']\n"), "", "requires nothing");
    refused(
        &with_policies("- name: p\n  scope: ['*']\n  reject: true\n  signatures: {any: [a]}\n"),
        "",
        "takes only one of",
    );
    refused(
        &with_policies("- name: p\n  scope: ['*']\n  reject: true\n  insecureAcceptAnything: true\n"),
        "",
        "takes only one of",
    );
    refused(
        &with_policies("- name: p\n  scope: ['*']\n  reject: yes\n"),
        "",
        "reject must be one of: true, false",
    );
    refused(
        &with_policies("- name: p\n  scope: []\n  reject: true\n"),
        "",
        "needs at least one scope",
    );
    refused(
        &with_policies("- scope: ['*']\n  reject: true\n"),
        "",
        "needs the field \"name\"",
    );
    refused(
        &with_policies("- name: p\n  scope: ['*']\n  mode: dryrun\n  reject: true\n"),
        "",
        "mode must be one of",
    );
    refused(
        &with_policies("- name: p\n  scope: ['*']\n  platforms: all\n  reject: true\n"),
        "",
        "platforms must be one of: index, instances, either",
    );
}

#[test]
fn names_and_scopes_may_not_repeat() {
    refused(
        &with_policies(
            "- name: p\n  scope: ['a.io/x/**']\n  reject: true\n- name: p\n  scope: ['b.io/**']\n  reject: true\n",
        ),
        "",
        "policy name \"p\" is used twice",
    );
    refused(
        &with_policies("- name: p\n  scope: ['nginx']\n  reject: true\n- name: q\n  scope: ['docker.io/library/nginx']\n  reject: true\n"),
        "",
        "scope \"docker.io/library/nginx\" is also in policy \"p\"",
    );
    refused(
        &with_policies("- name: p\n  scope: ['a.io/**', 'a.io/**']\n  reject: true\n"),
        "",
        "is also in policy \"p\"",
    );
    refused(
        &with_policies("- name: p\n  scope: ['A.io/**']\n  reject: true\n"),
        "",
        "invalid scope",
    );
}

#[test]
fn attestation_rules_are_checked_when_read() {
    let rule = |body: &str| with_policies(&format!("- name: p\n  scope: ['*']\n  attestations:\n  - {body}\n"));
    refused(
        &rule("{predicateType: 'not a uri', by: [a]}"),
        "",
        "invalid predicate type",
    );
    refused(&rule("{predicateType: spdx}"), "", "needs the field \"by\"");
    refused(
        &rule("{predicateType: spdx, by: []}"),
        "",
        "by needs at least one authority",
    );
    refused(
        &rule("{predicateType: spdx, by: [a], condition: 'predicate.'}"),
        "",
        "condition: at offset 10",
    );
    refused(
        &rule("{predicateType: spdx, by: [a], condition: 'now() > 0'}"),
        "",
        "unknown function \"now\"",
    );
    refused(
        &rule("{predicateType: spdx, by: [a], condition: 'sbom.x'}"),
        "",
        "undeclared reference to \"sbom\"",
    );
}

#[test]
fn keyless_and_notation_authorities_are_checked_when_read() {
    let trust = "trustRoots:\n  pg: {sigstore: {trustedRoot: embedded}}\n  pki: {x509: {ca: [ca.pem]}}\n";
    let authority = |body: &str| format!("{HEAD}{trust}authorities:\n  x: {body}\n");
    refused(
        &authority("{keyless: {trustRoot: pg, identity: s}}"),
        "",
        "needs one of: issuer, issuerRegExp",
    );
    refused(
        &authority("{keyless: {trustRoot: pg, issuer: i, identity: s, identityRegExp: s}}"),
        "",
        "takes only one of: identity, identityRegExp",
    );
    refused(
        &authority("{keyless: {trustRoot: pg, issuer: i, identityRegExp: '('}}"),
        "",
        "invalid identityRegExp",
    );
    refused(
        &authority("{keyless: {trustRoot: pg, issuer: i, identity: s, github: {branch: main}}}"),
        "",
        "unknown field \"branch\"",
    );
    refused(
        &authority("{notation: {trustRoots: [pki]}}"),
        "",
        "needs the field \"trustedIdentities\"",
    );
    refused(
        &authority("{notation: {trustRoots: [], trustedIdentities: ['*']}}"),
        "",
        "needs at least one trust root",
    );
    refused(
        &authority("{notation: {trustRoots: [pki], trustedIdentities: ['*'], level: lenient}}"),
        "",
        "level must be one of: strict, permissive, audit",
    );
    refused(
        &authority("{notation: {trustRoots: [pki], trustedIdentities: ['*'], override: {integrity: log}}}"),
        "",
        "unknown field \"integrity\" in override",
    );
    refused(
        &authority("{cosign: {key: k.pub, keyData: x}}"),
        "",
        "takes only one of: key, keyData",
    );
    refused(
        &authority("{cosign: {tlog: require}}"),
        "",
        "needs one of: key, keyData",
    );
    refused(
        &authority("{cosign: {key: k.pub}, notation: {}}"),
        "",
        "takes only one of: cosign, keyless, notation",
    );
    refused(
        &format!("{HEAD}trustRoots:\n  e: {{x509: {{tsa: []}}}}\n"),
        "",
        "needs at least one certificate in ca, tsa or signingAuthority",
    );
}

#[test]
fn compiling_checks_the_files_and_refuses_twin_authorities() {
    let pem = key_pem();
    let text = format!(
        "{HEAD}authorities:\n  a:\n    cosign:\n      keyData: {}  b:\n    cosign:\n      key: keys/b.pub\n      tlog: ignore\npolicies:\n- name: two\n  scope: ['**']\n  signatures: {{atLeast: 2, of: [a, b]}}\n- name: one\n  scope: ['x.io/**']\n  signatures: {{any: [b]}}\n",
        block(&pem, 8)
    );
    let policy = TrustPolicy::parse(&text).unwrap();
    assert_eq!(policy.files().len(), 1);
    let missing = compile(policy.clone(), &PolicyFiles::new()).unwrap_err();
    assert!(
        missing.message.contains("the file \"keys/b.pub\" was not read"),
        "{missing}"
    );
    let mut files = PolicyFiles::new();
    files.insert("keys/b.pub".into(), pem.clone().into_bytes());
    let twin = compile(policy.clone(), &files).unwrap_err();
    assert!(twin.at.line > 8, "{twin}");
    assert!(
        twin.message
            .contains("authority \"b\" has the same key material as \"a\""),
        "{twin}"
    );
    files.insert(
        "keys/b.pub".into(),
        b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".to_vec(),
    );
    assert!(compile(policy.clone(), &files).is_err());
    files.insert("keys/b.pub".into(), key_pem().into_bytes());
    assert!(compile(policy, &files).is_ok());
}

#[test]
fn notation_rules_apply_to_notation_authorities() {
    // notation's own validation of trusted identities runs on the authority.
    let text = format!(
        "{HEAD}trustRoots:\n  pki: {{x509: {{ca: [ca.pem]}}}}\nauthorities:\n  n: {{notation: {{trustRoots: [pki], trustedIdentities: ['x509.subject: ']}}}}\n"
    );
    let policy = TrustPolicy::parse(&text).unwrap();
    let mut files = PolicyFiles::new();
    files.insert("ca.pem".into(), b"not a certificate".to_vec());
    let bad_certificate = compile(policy.clone(), &files).unwrap_err();
    assert!(bad_certificate.message.contains("ca.pem"), "{bad_certificate}");
}

#[test]
fn yaml_that_is_not_plain_data_is_refused() {
    refused(
        &format!("{HEAD}defaults: &d {{noMatch: deny}}\n"),
        "3:11",
        "anchors are not accepted",
    );
    refused(
        &format!("{HEAD}kind: TrustPolicy\n"),
        "3:1",
        "the key \"kind\" appears twice",
    );
    refused(&format!("{HEAD}policies: [\n"), "", "not valid YAML");
    refused("\u{feff}", "", "");
}

/// What the fact cache keys on: a change to any byte of an authority's trust material, to its
/// identities or to any of its requirements changes its fingerprint; the same document compiles to
/// the same fingerprints.
#[test]
fn every_part_of_an_authority_changes_its_fingerprint() {
    use std::time::{Duration, SystemTime};
    let certificate = |name: &str| {
        let (_, certificate) =
            ocitrust_core::x509::generate_test_certificate(name, SystemTime::now(), Duration::from_secs(3600)).unwrap();
        pem::encode(&pem::Pem::new("CERTIFICATE", certificate.der().to_vec())).into_bytes()
    };
    let (key_a, key_b) = (key_pem(), key_pem());
    let (ca_a, ca_b) = (certificate("a"), certificate("b"));
    let root = include_bytes!("../src/sigstore/production.trusted_root.json").to_vec();
    let mut root_respaced = root.clone();
    root_respaced.push(b'\n');
    let fingerprint = |authority: &str, root: &[u8], ca: &[u8]| {
        let text = format!(
            "{HEAD}trustRoots:\n  pg: {{sigstore: {{trustedRoot: root.json}}}}\n  pki: {{x509: {{ca: [ca.pem]}}}}\nauthorities:\n  x: {authority}\n"
        );
        let mut files = PolicyFiles::new();
        files.insert("root.json".into(), root.to_vec());
        files.insert("ca.pem".into(), ca.to_vec());
        let compiled =
            compile(TrustPolicy::parse(&text).unwrap(), &files).unwrap_or_else(|e| panic!("{authority}: {e}"));
        compiled.authority("x").unwrap().fingerprint.clone()
    };
    let key = |pem: &str, rest: &str| format!("{{cosign: {{keyData: \"{}\"{rest}}}}}", pem.replace('\n', "\\n"));
    let keyless = |rest: &str| format!("{{keyless: {{trustRoot: pg, {rest}}}}}");
    let notation = |rest: &str| format!("{{notation: {{trustRoots: [pki], {rest}}}}}");
    let cases: Vec<(String, &[u8], &[u8])> = vec![
        (key(&key_a, ""), &root, &ca_a),
        (key(&key_b, ""), &root, &ca_a),
        (key(&key_a, ", tlog: ignore"), &root, &ca_a),
        (key(&key_a, ", trustRoot: pg"), &root, &ca_a),
        (key(&key_a, ", trustRoot: pg"), &root_respaced, &ca_a),
        (keyless("issuer: i, identity: a"), &root, &ca_a),
        (keyless("issuer: i, identity: b"), &root, &ca_a),
        (keyless("issuer: j, identity: a"), &root, &ca_a),
        (keyless("issuerRegExp: i, identity: a"), &root, &ca_a),
        (keyless("issuer: i, identity: a, tlog: ignore"), &root, &ca_a),
        (keyless("issuer: i, identity: a, sct: ignore"), &root, &ca_a),
        (
            keyless("issuer: i, identity: a, github: {repository: o/r}"),
            &root,
            &ca_a,
        ),
        (keyless("issuer: i, identity: a"), &root_respaced, &ca_a),
        (notation("trustedIdentities: ['*']"), &root, &ca_a),
        (notation("trustedIdentities: ['*']"), &root, &ca_b),
        (
            notation("trustedIdentities: ['x509.subject: C=US, ST=WA, O=a']"),
            &root,
            &ca_a,
        ),
        (notation("trustedIdentities: ['*'], level: permissive"), &root, &ca_a),
        (
            notation("trustedIdentities: ['*'], override: {revocation: log}"),
            &root,
            &ca_a,
        ),
        (
            notation("trustedIdentities: ['*'], verifyTimestamp: afterCertExpiry"),
            &root,
            &ca_a,
        ),
    ];
    let fingerprints: Vec<_> = cases.iter().map(|(a, root, ca)| fingerprint(a, root, ca)).collect();
    for (i, (a, _, _)) in cases.iter().enumerate() {
        assert_eq!(fingerprints[i], fingerprint(a, cases[i].1, cases[i].2), "{a}: stable");
        for j in 0..i {
            assert_ne!(
                fingerprints[i], fingerprints[j],
                "{a} and {} share a fingerprint",
                cases[j].0
            );
        }
    }
}
