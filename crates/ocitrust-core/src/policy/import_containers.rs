//! Importing containers-policy.json (podman, CRI-O, skopeo) as an ocitrust document, losslessly for
//! the `docker` transport: each scope becomes a policy whose patterns keep containers/image's
//! precedence (an image by tag or digest, then the longest repository or namespace prefix, then
//! the host, then `*.domain` wildcards, then the transport's `""` scope, then `default`); every
//! requirement must hold (`all`), a `sigstoreSigned` requirement with several keys is satisfied by
//! any of them (`any`); keys, Fulcio identities and PKI certificates become authorities with the
//! same Rekor, SCT and `signedIdentity` rules as containers/image applies (it requires a Rekor
//! entry only when Rekor keys are given, and never checks SCTs: both are recorded as insecure in
//! ocitrust's decisions). `reject` and `insecureAcceptAnything` keep their names. GPG `signedBy`
//! is refused: ocitrust does not verify GPG simple signing.

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::{Map, Value};

use super::document::{is_name, API_VERSION, KIND};
use super::emit::{to_yaml, Yaml};
use crate::error::{Error, ErrorCode, Result};

/// The imported document, and what was not imported (other transports), one line each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainersImport {
    /// The ocitrust document (YAML).
    pub document: String,
    /// What was left out, and why.
    pub notes: Vec<String>,
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidPolicy, message.into())
}

/// Checks that `object` holds only `allowed` fields, as containers/image parses strictly.
fn only(object: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<()> {
    match object.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(unknown) => Err(invalid(format!("unknown field {unknown:?} in {what}"))),
        None => Ok(()),
    }
}

fn object<'a>(value: &'a Value, what: &str) -> Result<&'a Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| invalid(format!("{what} must be a JSON object")))
}

fn string<'a>(object: &'a Map<String, Value>, key: &str, what: &str) -> Result<Option<&'a str>> {
    match object.get(key) {
        None => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
        Some(_) => Err(invalid(format!("{key} in {what} must be a non-empty string"))),
    }
}

fn strings(object: &Map<String, Value>, key: &str, what: &str) -> Result<Option<Vec<String>>> {
    match object.get(key) {
        None => Ok(None),
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|i| i.as_str().filter(|s| !s.is_empty()).map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| invalid(format!("{key} in {what} must list non-empty strings"))),
        Some(_) => Err(invalid(format!("{key} in {what} must be a non-empty list"))),
    }
}

/// Base64-encoded PEM, as containers-policy.json's `*Data` fields hold it.
fn pem_data(text: &str, what: &str) -> Result<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| invalid(format!("{what} is not base64: {e}")))?;
    let pem = String::from_utf8(bytes).map_err(|_| invalid(format!("{what} is not PEM text")))?;
    if !pem.trim_start().starts_with("-----BEGIN") {
        return Err(invalid(format!("{what} is not PEM")));
    }
    Ok(pem)
}

/// One of the fields `path`, `paths`, `data`, `datas` (an empty name: no such field; exactly one
/// present when `required`): the files (as written, made absolute against `base`) or PEM texts
/// they name.
fn sources(
    object: &Map<String, Value>,
    [path, paths, data, datas]: [&str; 4],
    required: bool,
    base: &str,
    what: &str,
) -> Result<Vec<String>> {
    let fields: Vec<&str> = [path, paths, data, datas]
        .into_iter()
        .filter(|k| !k.is_empty())
        .collect();
    let exactly_one = || invalid(format!("{what} needs exactly one of {}", fields.join(", ")));
    if fields.iter().filter(|k| object.contains_key(**k)).count() > 1 {
        return Err(exactly_one());
    }
    let absolute = |p: String| {
        if p.starts_with('/') || base.is_empty() {
            p
        } else {
            format!("{}/{p}", base.trim_end_matches('/'))
        }
    };
    let mut found: Vec<Vec<String>> = Vec::new();
    if let Some(p) = string(object, path, what)? {
        found.push(vec![absolute(p.to_owned())]);
    }
    if let Some(ps) = strings(object, paths, what)? {
        found.push(ps.into_iter().map(absolute).collect());
    }
    if let Some(d) = string(object, data, what)? {
        found.push(vec![pem_data(d, &format!("{data} in {what}"))?]);
    }
    if let Some(ds) = strings(object, datas, what)? {
        found.push(
            ds.iter()
                .map(|d| pem_data(d, &format!("{datas} in {what}")))
                .collect::<Result<_>>()?,
        );
    }
    match found.len() {
        0 if !required => Ok(Vec::new()),
        1 => Ok(found.remove(0)),
        _ => Err(exactly_one()),
    }
}

/// Distinct valid names derived from descriptions.
#[derive(Default)]
struct Names(Vec<String>);

impl Names {
    fn name(&mut self, hint: &str) -> String {
        let mut base: String = hint
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect::<String>()
            .trim_matches('-')
            .chars()
            .take(50)
            .collect();
        if !base.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            base.insert(0, 'x');
        }
        let mut name = base.clone();
        let mut n = 2;
        while self.0.contains(&name) || !is_name(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        self.0.push(name.clone());
        name
    }
}

/// What the import builds: trust roots and authorities, each defined once.
#[derive(Default)]
struct Builder {
    roots: Vec<(String, Yaml)>,
    authorities: Vec<(String, Yaml)>,
    /// Each definition written, by its text: the same material is one authority.
    defined: BTreeMap<String, String>,
    root_names: Names,
    authority_names: Names,
}

impl Builder {
    fn root(&mut self, hint: &str, material: Yaml) -> String {
        let key = format!("root:{}", to_yaml(&material));
        if let Some(name) = self.defined.get(&key) {
            return name.clone();
        }
        let name = self.root_names.name(hint);
        self.roots.push((name.clone(), material));
        self.defined.insert(key, name.clone());
        name
    }

    fn authority(&mut self, hint: &str, definition: Yaml) -> String {
        let key = format!("authority:{}", to_yaml(&definition));
        if let Some(name) = self.defined.get(&key) {
            return name.clone();
        }
        let name = self.authority_names.name(hint);
        self.authorities.push((name.clone(), definition));
        self.defined.insert(key, name.clone());
        name
    }
}

/// A file or inline PEM as the document names it: a path, or the PEM text itself.
fn hint_of(source: &str, fallback: &str) -> String {
    if source.starts_with("-----BEGIN") {
        return fallback.to_owned();
    }
    let file = source.rsplit('/').next().unwrap_or(source);
    file.split('.')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(fallback)
        .to_owned()
}

fn signed_identity(requirement: &Map<String, Value>, what: &str) -> Result<Yaml> {
    let Some(value) = requirement.get("signedIdentity") else {
        return Ok(Yaml::map([("type", Yaml::str("matchRepoDigestOrExact"))]));
    };
    let identity = object(value, &format!("signedIdentity in {what}"))?;
    let kind =
        string(identity, "type", what)?.ok_or_else(|| invalid(format!("signedIdentity in {what} needs a type")))?;
    let fields: &[&str] = match kind {
        "matchExact" | "matchRepoDigestOrExact" | "matchRepository" => &[],
        "exactReference" => &["dockerReference"],
        "exactRepository" => &["dockerRepository"],
        "remapIdentity" => &["prefix", "signedPrefix"],
        other => return Err(invalid(format!("unknown signedIdentity type {other:?} in {what}"))),
    };
    let mut allowed = vec!["type"];
    allowed.extend_from_slice(fields);
    only(identity, &allowed, &format!("signedIdentity in {what}"))?;
    let mut entries = vec![("type".to_owned(), Yaml::str(kind))];
    for field in fields {
        let value = string(identity, field, what)?
            .ok_or_else(|| invalid(format!("signedIdentity {kind} in {what} needs {field}")))?;
        entries.push(((*field).to_owned(), Yaml::str(value)));
    }
    Ok(Yaml::Map(entries))
}

/// The authorities one `sigstoreSigned` requirement accepts (any of them).
fn sigstore_signed(
    requirement: &Map<String, Value>,
    builder: &mut Builder,
    base: &str,
    what: &str,
) -> Result<Vec<String>> {
    only(
        requirement,
        &[
            "type",
            "keyPath",
            "keyPaths",
            "keyData",
            "keyDatas",
            "fulcio",
            "pki",
            "rekorPublicKeyPath",
            "rekorPublicKeyPaths",
            "rekorPublicKeyData",
            "rekorPublicKeyDatas",
            "signedIdentity",
        ],
        what,
    )?;
    let identity = signed_identity(requirement, what)?;
    let rekor = sources(
        requirement,
        [
            "rekorPublicKeyPath",
            "rekorPublicKeyPaths",
            "rekorPublicKeyData",
            "rekorPublicKeyDatas",
        ],
        false,
        base,
        what,
    )?;
    let keys = sources(
        requirement,
        ["keyPath", "keyPaths", "keyData", "keyDatas"],
        false,
        base,
        what,
    )?;
    let fulcio = requirement.get("fulcio");
    let pki = requirement.get("pki");
    let given = [!keys.is_empty(), fulcio.is_some(), pki.is_some()]
        .iter()
        .filter(|g| **g)
        .count();
    if given != 1 {
        return Err(invalid(format!(
            "{what} needs exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, pki"
        )));
    }
    let rekor_root = |builder: &mut Builder, cas: Vec<String>| {
        builder.root(
            if cas.is_empty() { "rekor" } else { "fulcio" },
            Yaml::map([(
                "sigstore",
                Yaml::map([("fulcioCAs", Yaml::strs(cas)), ("rekorKeys", Yaml::strs(rekor.clone()))]),
            )]),
        )
    };
    let tlog = if rekor.is_empty() { "ignore" } else { "require" };
    if !keys.is_empty() {
        let mut names = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            let mut cosign = vec![
                (
                    if key.starts_with("-----BEGIN") {
                        "keyData"
                    } else {
                        "key"
                    }
                    .to_owned(),
                    Yaml::str(key),
                ),
                ("tlog".to_owned(), Yaml::str(tlog)),
            ];
            if !rekor.is_empty() {
                cosign.push(("trustRoot".into(), Yaml::str(rekor_root(builder, Vec::new()))));
            }
            cosign.push(("signedIdentity".into(), identity.clone()));
            let hint = hint_of(key, &format!("key-{}", i + 1));
            names.push(builder.authority(&hint, Yaml::map([("cosign", Yaml::Map(cosign))])));
        }
        return Ok(names);
    }
    if let Some(fulcio) = fulcio {
        let fulcio = object(fulcio, &format!("fulcio in {what}"))?;
        only(
            fulcio,
            &["caPath", "caData", "oidcIssuer", "subjectEmail"],
            &format!("fulcio in {what}"),
        )?;
        let cas = sources(
            fulcio,
            ["caPath", "", "caData", ""],
            true,
            base,
            &format!("fulcio in {what}"),
        )?;
        let issuer =
            string(fulcio, "oidcIssuer", what)?.ok_or_else(|| invalid(format!("fulcio in {what} needs oidcIssuer")))?;
        let email = string(fulcio, "subjectEmail", what)?
            .ok_or_else(|| invalid(format!("fulcio in {what} needs subjectEmail")))?;
        if rekor.is_empty() {
            return Err(invalid(format!(
                "{what} uses fulcio, which needs a Rekor public key (rekorPublicKeyPath or rekorPublicKeyData)"
            )));
        }
        let root = rekor_root(builder, cas);
        let keyless = Yaml::map([
            ("trustRoot", Yaml::str(root)),
            ("issuer", Yaml::str(issuer)),
            ("identity", Yaml::str(email)),
            ("tlog", Yaml::str("require")),
            ("sct", Yaml::str("ignore")),
            ("signedIdentity", identity),
        ]);
        return Ok(vec![
            builder.authority(&format!("fulcio-{email}"), Yaml::map([("keyless", keyless)]))
        ]);
    }
    let pki = object(pki.unwrap_or(&Value::Null), &format!("pki in {what}"))?;
    let pki_what = format!("pki in {what}");
    only(
        pki,
        &[
            "caRootsPath",
            "caRootsData",
            "caIntermediatesPath",
            "caIntermediatesData",
            "subjectEmail",
            "subjectHostname",
        ],
        &pki_what,
    )?;
    let roots = sources(pki, ["caRootsPath", "", "caRootsData", ""], true, base, &pki_what)?;
    if !sources(
        pki,
        ["caIntermediatesPath", "", "caIntermediatesData", ""],
        false,
        base,
        &pki_what,
    )?
    .is_empty()
    {
        return Err(invalid(format!(
            "{pki_what}: intermediate certificates are not imported; list the chain under a trust root by hand"
        )));
    }
    let subject = match (
        string(pki, "subjectEmail", &pki_what)?,
        string(pki, "subjectHostname", &pki_what)?,
    ) {
        (Some(s), None) | (None, Some(s)) => s,
        _ => {
            return Err(invalid(format!(
                "{pki_what} needs exactly one of subjectEmail and subjectHostname to be imported"
            )))
        }
    };
    let root = rekor_root(builder, roots);
    let keyless = Yaml::map([
        ("trustRoot", Yaml::str(root)),
        // A PKI certificate carries no OIDC issuer; containers/image does not look for one.
        ("issuerRegExp", Yaml::str(".*")),
        ("identity", Yaml::str(subject)),
        ("tlog", Yaml::str(tlog)),
        ("sct", Yaml::str("ignore")),
        ("signedIdentity", identity),
    ]);
    Ok(vec![builder.authority(
        &format!("pki-{subject}"),
        Yaml::map([("keyless", keyless)]),
    )])
}

/// The policy fields for one scope's requirements.
fn requirements(value: &Value, builder: &mut Builder, base: &str, what: &str) -> Result<Vec<(String, Yaml)>> {
    let list = value
        .as_array()
        .filter(|l| !l.is_empty())
        .ok_or_else(|| invalid(format!("{what} must be a non-empty list of requirements")))?;
    let mut all: Vec<Vec<String>> = Vec::new();
    let (mut reject, mut accept) = (false, false);
    for (i, item) in list.iter().enumerate() {
        let item_what = format!("requirement {} of {what}", i + 1);
        let requirement = object(item, &item_what)?;
        match string(requirement, "type", &item_what)? {
            Some("reject") => {
                only(requirement, &["type"], &item_what)?;
                reject = true;
            }
            Some("insecureAcceptAnything") => {
                only(requirement, &["type"], &item_what)?;
                accept = true;
            }
            Some("sigstoreSigned") => {
                let names = sigstore_signed(requirement, builder, base, &item_what)?;
                if let Some(other) = all.iter().find(|seen| **seen != names && seen.iter().any(|n| names.contains(n))) {
                    return Err(invalid(format!(
                        "{item_what} shares a key with another requirement ({}) of the same scope: containers/image lets one signature satisfy both, ocitrust counts a signer once; write the scope by hand",
                        other.join(", ")
                    )));
                }
                if !all.contains(&names) {
                    all.push(names);
                }
            }
            Some("signedBy") => {
                return Err(invalid(format!(
                    "{item_what} is signedBy (GPG simple signing), which ocitrust does not verify; sign with cosign or notation"
                )))
            }
            Some(other) => return Err(invalid(format!("{item_what} has an unknown type {other:?}"))),
            None => return Err(invalid(format!("{item_what} needs a type"))),
        }
    }
    if reject {
        return Ok(vec![("reject".into(), Yaml::Bool(true))]);
    }
    if all.is_empty() && accept {
        return Ok(vec![("insecureAcceptAnything".into(), Yaml::Bool(true))]);
    }
    let items: Vec<Yaml> = all
        .into_iter()
        .map(|names| match <[String; 1]>::try_from(names) {
            Ok([one]) => Yaml::str(one),
            Err(names) => Yaml::map([("any", Yaml::strs(names))]),
        })
        .collect();
    Ok(vec![("signatures".into(), Yaml::map([("all", Yaml::List(items))]))])
}

/// ocitrust scope patterns for a `docker` transport scope, keeping containers/image's precedence.
fn patterns(scope: &str) -> Result<Vec<String>> {
    if scope.is_empty() {
        return Ok(vec!["*".into()]);
    }
    if scope.contains('@') {
        return Ok(vec![scope.to_owned()]);
    }
    let last = scope.rsplit('/').next().unwrap_or(scope);
    if scope.contains('/') && last.contains(':') {
        return Ok(vec![scope.to_owned()]);
    }
    if let Some(domain) = scope.strip_prefix("*.") {
        if domain.is_empty() || domain.contains(['*', '/']) {
            return Err(invalid(format!(
                "invalid wildcard scope {scope:?}: only *.domain is accepted"
            )));
        }
        return Ok(vec![format!("{scope}/**")]);
    }
    if scope.contains('*') {
        return Err(invalid(format!(
            "invalid scope {scope:?}: only *.domain wildcards are accepted"
        )));
    }
    if !scope.contains('/') {
        return Ok(vec![format!("{scope}/**")]);
    }
    Ok(vec![scope.to_owned(), format!("{scope}/**")])
}

/// The ocitrust document equivalent to containers-policy.json `json` for registry images;
/// relative paths are made absolute against `base`.
pub fn import_containers(json: &[u8], base: &str) -> Result<ContainersImport> {
    let document: Value = serde_json::from_slice(json).map_err(|e| invalid(format!("malformed policy.json: {e}")))?;
    let top = object(&document, "policy.json")?;
    only(top, &["default", "transports"], "policy.json")?;
    let default = top
        .get("default")
        .ok_or_else(|| invalid("policy.json needs a default"))?;
    let mut builder = Builder::default();
    let mut policy_names = Names::default();
    let mut policies = Vec::new();
    let mut notes = Vec::new();
    let mut docker_scopes: Vec<(&String, &Value)> = Vec::new();
    if let Some(transports) = top.get("transports") {
        for (transport, scopes) in object(transports, "transports")? {
            let scopes = object(scopes, &format!("transport {transport}"))?;
            if transport == "docker" {
                docker_scopes = scopes.iter().collect();
            } else {
                notes.push(format!(
                    "transport {transport:?} ({} scopes) is not imported: ocitrust judges registry images (the docker transport)",
                    scopes.len()
                ));
            }
        }
    }
    let has_docker_default = docker_scopes.iter().any(|(s, _)| s.is_empty());
    if has_docker_default {
        notes.push("default is not imported: the docker transport's \"\" scope applies to every registry image".into());
    } else {
        docker_scopes.push((&EMPTY, default));
    }
    for (scope, value) in docker_scopes {
        let what = if scope.is_empty() {
            "the default scope".to_owned()
        } else {
            format!("scope {scope:?}")
        };
        let mut policy = vec![
            (
                "name".to_owned(),
                Yaml::str(policy_names.name(if scope.is_empty() { "default" } else { scope })),
            ),
            ("scope".to_owned(), Yaml::strs(patterns(scope)?)),
        ];
        policy.extend(requirements(value, &mut builder, base, &what)?);
        policies.push(Yaml::Map(policy));
    }
    let mut out = vec![
        ("apiVersion".to_owned(), Yaml::str(API_VERSION)),
        ("kind".to_owned(), Yaml::str(KIND)),
        ("defaults".to_owned(), Yaml::map([("noMatch", Yaml::str("deny"))])),
    ];
    if !builder.roots.is_empty() {
        out.push(("trustRoots".into(), Yaml::Map(builder.roots)));
    }
    if !builder.authorities.is_empty() {
        out.push(("authorities".into(), Yaml::Map(builder.authorities)));
    }
    out.push(("policies".into(), Yaml::List(policies)));
    Ok(ContainersImport {
        document: to_yaml(&Yaml::Map(out)),
        notes,
    })
}

static EMPTY: String = String::new();
