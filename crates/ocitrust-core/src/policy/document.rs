//! The trust policy document (`apiVersion: ocitrust.dev/v1alpha1`, `kind: TrustPolicy`), read from
//! YAML or JSON into its model. Reading checks everything that needs no file: the shape of every
//! field, that each name used is defined, scope patterns, thresholds and CEL conditions. The files
//! a document names (keys, certificates, trusted roots) are read by the caller and judged when the
//! policy is compiled ([`super::compile`]).

use super::cel::Condition;
use super::decode::{choice, count, list, non_empty_text, text, texts, Fields, Read};
use super::scope::ScopePattern;
use super::tree::{read_tree, Node, Position, PositionedError};
use crate::cosign::predicate_type_uri;

/// The `apiVersion` read.
pub const API_VERSION: &str = "ocitrust.dev/v1alpha1";
/// The `kind` read.
pub const KIND: &str = "TrustPolicy";
/// Most authorities a document may define (each is verified for every image its policies name).
pub const AUTHORITIES_MAX: usize = 64;

/// A trust policy document.
#[derive(Debug, Clone)]
pub struct TrustPolicy {
    /// What applies where a policy does not say.
    pub defaults: Defaults,
    /// Named trust material.
    pub trust_roots: Vec<TrustRootSpec>,
    /// Named parties whose signatures count.
    pub authorities: Vec<AuthoritySpec>,
    /// The policies, each for its scopes.
    pub policies: Vec<PolicyRule>,
}

/// The document's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Defaults {
    /// What happens to an image no policy's scope matches.
    pub no_match: NoMatch,
    /// Which manifest of a multi-platform image must be signed.
    pub platforms: Platforms,
}

/// What happens to an image no policy's scope matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoMatch {
    /// It is denied.
    Deny,
    /// It is allowed, with a warning.
    Warn,
    /// It is allowed.
    Allow,
}

/// Which manifest of a multi-platform image (an index) must be signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platforms {
    /// The index, as named: its signatures speak for every manifest it lists.
    Index,
    /// The platform manifest chosen: it must be signed itself.
    Instances,
    /// Either: the platform manifest's own signatures, or the index's.
    Either,
}

/// How a policy's failure is acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A failure denies.
    Enforce,
    /// A failure is allowed and reported as a warning.
    Warn,
    /// A failure is allowed and reported (for audit logs), without a warning to the user.
    Audit,
}

impl Mode {
    /// The mode's name in the document.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Warn => "warn",
            Mode::Audit => "audit",
        }
    }
}

/// A file named by the document, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    /// The path as written (relative paths resolve against the document's folder).
    pub path: String,
    /// Where it is written.
    pub at: Position,
}

impl FileRef {
    /// Whether this names no file but is PEM text itself (accepted where a list of certificates or
    /// keys is given: `fulcioCAs`, `rekorKeys`).
    pub fn is_inline_pem(&self) -> bool {
        self.path.trim_start().starts_with("-----BEGIN")
    }
}

/// Named trust material.
#[derive(Debug, Clone)]
pub struct TrustRootSpec {
    /// Its name.
    pub name: String,
    /// Where it is defined.
    pub at: Position,
    /// What it is.
    pub material: TrustRootMaterial,
}

/// What a trust root holds.
#[derive(Debug, Clone)]
pub enum TrustRootMaterial {
    /// A Sigstore trusted root: Fulcio CAs, Rekor and CT logs, timestamp authorities.
    Sigstore(SigstoreRoot),
    /// X.509 certificates for notation: CAs, timestamp authorities, signing authorities.
    X509 {
        /// Certificate authorities (notation's `ca` trust store).
        ca: Vec<FileRef>,
        /// Timestamp authorities (`tsa`).
        tsa: Vec<FileRef>,
        /// Signing authorities (`signingAuthority`).
        signing_authority: Vec<FileRef>,
    },
}

/// Where a Sigstore trusted root comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigstoreRoot {
    /// The public-good root embedded in ocitrust.
    Embedded,
    /// A `trusted_root.json` file.
    File(FileRef),
    /// Parts, as containers-policy.json names them: Fulcio CA certificates (PEM; each a trust
    /// anchor) and Rekor public keys (PEM), valid at any time, without CT logs or timestamp
    /// authorities.
    Parts {
        /// Fulcio (or other) CA certificates signing certificates must chain to.
        fulcio_cas: Vec<FileRef>,
        /// Rekor public keys whose log entries are accepted.
        rekor_keys: Vec<FileRef>,
    },
}

/// A named authority.
#[derive(Debug, Clone)]
pub struct AuthoritySpec {
    /// Its name.
    pub name: String,
    /// Where it is defined.
    pub at: Position,
    /// What it trusts.
    pub kind: AuthorityKind,
}

/// Whether a proof (a transparency log entry, a certificate's SCT) is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlogRule {
    /// It must be there and verify.
    Require,
    /// It is not checked (insecure, recorded in every decision).
    Ignore,
}

/// What image identity a cosign simple-signing signature must claim (its
/// `critical.identity.docker-reference`), as containers-policy.json's `signedIdentity` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedIdentity {
    /// The claim equals the image's reference.
    MatchExact,
    /// For an image named by digest, the claim's repository is the image's; by tag, it equals.
    MatchRepoDigestOrExact,
    /// The claim's repository is the image's.
    MatchRepository,
    /// The claim equals this reference.
    ExactReference(String),
    /// The claim's repository is this one.
    ExactRepository(String),
    /// The image's reference with `prefix` replaced by `signed_prefix`, then as
    /// `MatchRepoDigestOrExact`.
    RemapIdentity {
        /// The prefix of the image's reference.
        prefix: String,
        /// What it stands for in signatures.
        signed_prefix: String,
    },
}

/// What an authority trusts.
#[derive(Debug, Clone)]
pub enum AuthorityKind {
    /// A cosign public key.
    Cosign {
        /// The key: a file, or PEM written in the document.
        key: KeySource,
        /// Whether a log entry is required.
        tlog: TlogRule,
        /// The Sigstore trust root whose logs prove the entries (the embedded one by default).
        trust_root: Option<(String, Position)>,
        /// What image identity its signatures must claim (none checked when absent, as cosign).
        signed_identity: Option<SignedIdentity>,
    },
    /// A keyless identity under a Sigstore trust root.
    Keyless(KeylessSpec),
    /// A notation identity under X.509 trust roots.
    Notation(NotationSpec),
}

/// A cosign key's source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A PEM file.
    File(FileRef),
    /// PEM text in the document.
    Data(String, Position),
}

/// An expected value, exact or by regular expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// Equal to this.
    Exact(String),
    /// Matched by this RE2 expression (unanchored, as cosign).
    RegExp(String),
}

/// A keyless identity.
#[derive(Debug, Clone)]
pub struct KeylessSpec {
    /// The Sigstore trust root it is judged under.
    pub trust_root: (String, Position),
    /// The OIDC issuer.
    pub issuer: Expected,
    /// The certificate identity (a subject alternative name).
    pub identity: Expected,
    /// GitHub workflow claims that must equal, by cosign's flag suffix (`trigger`, `sha`, `name`,
    /// `repository`, `ref`).
    pub github: Vec<(String, String)>,
    /// Whether a log entry is required.
    pub tlog: TlogRule,
    /// Whether the certificate's SCT is required.
    pub sct: TlogRule,
    /// What image identity its signatures must claim (none checked when absent, as cosign).
    pub signed_identity: Option<SignedIdentity>,
    /// Where the identity is written.
    pub at: Position,
}

/// A notation identity.
#[derive(Debug, Clone)]
pub struct NotationSpec {
    /// The X.509 trust roots whose certificates are trusted.
    pub trust_roots: Vec<(String, Position)>,
    /// notation's trusted identities (`x509.subject: …`, or `*`).
    pub trusted_identities: Vec<String>,
    /// notation's verification level.
    pub level: String,
    /// notation's per-validation overrides.
    pub overrides: Vec<(String, String)>,
    /// notation's `verifyTimestamp`.
    pub verify_timestamp: String,
    /// Where it is written.
    pub at: Position,
}

/// One policy.
#[derive(Debug, Clone)]
pub struct PolicyRule {
    /// Its name.
    pub name: String,
    /// Where it is defined.
    pub at: Position,
    /// The images it applies to.
    pub scope: Vec<ScopePattern>,
    /// How its failure is acted on.
    pub mode: Mode,
    /// What it requires.
    pub requires: Requires,
    /// Which manifest of a multi-platform image must be signed (the default's unless set).
    pub platforms: Option<Platforms>,
}

/// What a policy requires.
#[derive(Debug, Clone)]
pub enum Requires {
    /// Signatures and attestations (at least one of the two is given).
    Evidence {
        /// The signatures required.
        signatures: Option<Requirement>,
        /// The attestations required, each on its own.
        attestations: Vec<AttestationRule>,
    },
    /// Nothing: every image in scope is denied (containers' `reject`).
    Reject,
    /// Nothing: every image in scope is allowed unchecked (containers' `insecureAcceptAnything`,
    /// notation's `skip` level); recorded as insecure in every decision.
    InsecureAcceptAnything,
}

/// A requirement over authorities, counted over distinct authorities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// This authority must have signed.
    Authority(String, Position),
    /// At least one of these must hold.
    Any(Vec<Requirement>),
    /// All of these must hold.
    All(Vec<Requirement>),
    /// At least this many of these must hold.
    AtLeast(usize, Vec<Requirement>),
}

impl Requirement {
    /// Every authority named, in order, with repeats.
    pub fn authorities(&self) -> Vec<&str> {
        let mut names = Vec::new();
        self.collect(&mut names);
        names
    }

    fn collect<'a>(&'a self, names: &mut Vec<&'a str>) {
        match self {
            Requirement::Authority(name, _) => names.push(name),
            Requirement::Any(items) | Requirement::All(items) | Requirement::AtLeast(_, items) => {
                items.iter().for_each(|item| item.collect(names))
            }
        }
    }

    /// Whether the requirement holds when exactly the authorities `holds` says are satisfied.
    pub fn holds(&self, satisfied: &impl Fn(&str) -> bool) -> bool {
        match self {
            Requirement::Authority(name, _) => satisfied(name),
            Requirement::Any(items) => items.iter().any(|item| item.holds(satisfied)),
            Requirement::All(items) => items.iter().all(|item| item.holds(satisfied)),
            Requirement::AtLeast(n, items) => items.iter().filter(|item| item.holds(satisfied)).count() >= *n,
        }
    }
}

/// An attestation a policy requires.
#[derive(Debug, Clone)]
pub struct AttestationRule {
    /// The predicate type URI (aliases resolved as cosign's `--type`).
    pub predicate_type: String,
    /// The authorities whose attestations count (any of them).
    pub by: Vec<(String, Position)>,
    /// What every verified attestation of this type by them must satisfy.
    pub condition: Option<Condition>,
    /// Where the rule is written.
    pub at: Position,
}

impl TrustPolicy {
    /// Reads a document from YAML or JSON text, checking every rule that needs no file.
    pub fn parse(text: &str) -> Read<TrustPolicy> {
        let root = read_tree(text)?;
        let top = Fields::read(
            &root,
            &[
                "apiVersion",
                "kind",
                "defaults",
                "trustRoots",
                "authorities",
                "policies",
            ],
            "the document",
        )?;
        let api_version = text_field(&top, "apiVersion", "the document")?;
        if api_version.1 != API_VERSION {
            return Err(PositionedError::new(
                api_version.0,
                format!("apiVersion must be {API_VERSION:?} (found {:?})", api_version.1),
            ));
        }
        let kind = text_field(&top, "kind", "the document")?;
        if kind.1 != KIND {
            return Err(PositionedError::new(
                kind.0,
                format!("kind must be {KIND:?} (found {:?})", kind.1),
            ));
        }
        let defaults = top.get("defaults").map(read_defaults).transpose()?.unwrap_or(Defaults {
            no_match: NoMatch::Deny,
            platforms: Platforms::Index,
        });
        let trust_roots = named(top.get("trustRoots"), "trustRoots", read_trust_root)?;
        let authorities = named(top.get("authorities"), "authorities", read_authority)?;
        if authorities.len() > AUTHORITIES_MAX {
            return Err(PositionedError::new(
                top.at(),
                format!("more than {AUTHORITIES_MAX} authorities are defined"),
            ));
        }
        let policies = match top.get("policies") {
            Some(node) => list(node, "policies")?
                .iter()
                .map(read_policy)
                .collect::<Read<Vec<_>>>()?,
            None => Vec::new(),
        };
        let policy = TrustPolicy {
            defaults,
            trust_roots,
            authorities,
            policies,
        };
        policy.check_names()?;
        Ok(policy)
    }

    /// The authority named `name`.
    pub fn authority(&self, name: &str) -> Option<&AuthoritySpec> {
        self.authorities.iter().find(|a| a.name == name)
    }

    /// The trust root named `name`.
    pub fn trust_root(&self, name: &str) -> Option<&TrustRootSpec> {
        self.trust_roots.iter().find(|r| r.name == name)
    }

    /// Whether a trust root is the public-good one (`trustedRoot: embedded`), which the caller
    /// may hand over kept current ([`super::compile_with_public_good_root`]).
    pub fn uses_public_good_root(&self) -> bool {
        self.trust_roots
            .iter()
            .any(|root| matches!(root.material, TrustRootMaterial::Sigstore(SigstoreRoot::Embedded)))
    }

    /// Every file the document names, in order, each once.
    pub fn files(&self) -> Vec<&FileRef> {
        let mut files: Vec<&FileRef> = Vec::new();
        for root in &self.trust_roots {
            match &root.material {
                TrustRootMaterial::Sigstore(SigstoreRoot::File(file)) => files.push(file),
                TrustRootMaterial::Sigstore(SigstoreRoot::Parts { fulcio_cas, rekor_keys }) => {
                    files.extend(fulcio_cas.iter().chain(rekor_keys).filter(|f| !f.is_inline_pem()))
                }
                TrustRootMaterial::Sigstore(SigstoreRoot::Embedded) => {}
                TrustRootMaterial::X509 {
                    ca,
                    tsa,
                    signing_authority,
                } => files.extend(ca.iter().chain(tsa).chain(signing_authority)),
            }
        }
        for authority in &self.authorities {
            if let AuthorityKind::Cosign {
                key: KeySource::File(file),
                ..
            } = &authority.kind
            {
                files.push(file);
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        files.retain(|f| seen.insert(f.path.clone()));
        files
    }

    /// Every name used is defined, with the kind of thing it must be; names are unique.
    fn check_names(&self) -> Read<()> {
        for authority in &self.authorities {
            match &authority.kind {
                AuthorityKind::Cosign { trust_root, .. } => {
                    if let Some((name, at)) = trust_root {
                        self.sigstore_root(name, *at)?;
                    }
                }
                AuthorityKind::Keyless(keyless) => {
                    self.sigstore_root(&keyless.trust_root.0, keyless.trust_root.1)?;
                }
                AuthorityKind::Notation(notation) => {
                    for (name, at) in &notation.trust_roots {
                        match self.trust_root(name).map(|r| &r.material) {
                            Some(TrustRootMaterial::X509 { .. }) => {}
                            Some(_) => {
                                return Err(PositionedError::new(
                                    *at,
                                    format!("trust root {name:?} is not an x509 trust root"),
                                ))
                            }
                            None => {
                                return Err(unknown(
                                    *at,
                                    "trust root",
                                    name,
                                    self.trust_roots.iter().map(|r| &r.name),
                                ))
                            }
                        }
                    }
                }
            }
        }
        for (i, policy) in self.policies.iter().enumerate() {
            if let Some(earlier) = self.policies[..i].iter().find(|p| p.name == policy.name) {
                return Err(PositionedError::new(
                    policy.at,
                    format!("policy name {:?} is used twice (first at {})", policy.name, earlier.at),
                ));
            }
            for pattern in &policy.scope {
                let earlier = self.policies[..=i]
                    .iter()
                    .flat_map(|p| p.scope.iter().map(move |s| (p, s)))
                    .find(|(_, s)| s.text() == pattern.text() && s.at() != pattern.at());
                if let Some((owner, _)) = earlier {
                    return Err(PositionedError::new(
                        pattern.at(),
                        format!(
                            "scope {:?} is also in policy {:?}: which applies would be a guess",
                            pattern.text(),
                            owner.name
                        ),
                    ));
                }
            }
            if let Requires::Evidence {
                signatures,
                attestations,
            } = &policy.requires
            {
                if let Some(requirement) = signatures {
                    self.check_requirement(requirement)?;
                }
                for rule in attestations {
                    for (name, at) in &rule.by {
                        self.known_authority(name, *at)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn check_requirement(&self, requirement: &Requirement) -> Read<()> {
        match requirement {
            Requirement::Authority(name, at) => self.known_authority(name, *at),
            Requirement::Any(items) | Requirement::All(items) | Requirement::AtLeast(_, items) => {
                items.iter().try_for_each(|item| self.check_requirement(item))
            }
        }
    }

    fn known_authority(&self, name: &str, at: Position) -> Read<()> {
        if self.authority(name).is_none() {
            return Err(unknown(at, "authority", name, self.authorities.iter().map(|a| &a.name)));
        }
        Ok(())
    }

    fn sigstore_root(&self, name: &str, at: Position) -> Read<()> {
        match self.trust_root(name).map(|r| &r.material) {
            Some(TrustRootMaterial::Sigstore(_)) => Ok(()),
            Some(_) => Err(PositionedError::new(
                at,
                format!("trust root {name:?} is not a sigstore trust root"),
            )),
            None => Err(unknown(
                at,
                "trust root",
                name,
                self.trust_roots.iter().map(|r| &r.name),
            )),
        }
    }
}

fn unknown<'a>(at: Position, what: &str, name: &str, known: impl Iterator<Item = &'a String>) -> PositionedError {
    let known: Vec<&str> = known.map(String::as_str).collect();
    let known = if known.is_empty() {
        "none is defined".to_owned()
    } else {
        format!("defined: {}", known.join(", "))
    };
    PositionedError::new(at, format!("unknown {what} {name:?} ({known})"))
}

fn text_field(fields: &Fields<'_>, key: &str, what: &str) -> Read<(Position, String)> {
    let node = fields.require(key, what)?;
    Ok((node.at, text(node, key)?.to_owned()))
}

/// A mapping of names to definitions, each read by `read` (names follow DNS-label-like rules).
fn named<T>(node: Option<&Node>, what: &str, read: impl Fn(&str, &Node) -> Read<T>) -> Read<Vec<T>> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    let super::tree::NodeValue::Map(entries) = &node.value else {
        return Err(PositionedError::new(
            node.at,
            format!("{what} must be a mapping of names, not {}", node.kind()),
        ));
    };
    entries
        .iter()
        .map(|(key, value)| {
            let name = key.scalar().unwrap_or_default();
            if !is_name(name) {
                return Err(PositionedError::new(
                    key.at,
                    format!("{name:?} is not a valid name: use letters, digits, '-', '_' and '.', starting with a letter or digit"),
                ));
            }
            read(name, value)
        })
        .collect()
}

/// A name: 1 to 63 characters of letters, digits, `-`, `_`, `.`, starting with a letter or digit.
pub fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn read_defaults(node: &Node) -> Read<Defaults> {
    let fields = Fields::read(node, &["noMatch", "platforms"], "defaults")?;
    Ok(Defaults {
        no_match: match fields
            .get("noMatch")
            .map(|n| choice(n, &["deny", "warn", "allow"], "noMatch"))
            .transpose()?
        {
            Some("warn") => NoMatch::Warn,
            Some("allow") => NoMatch::Allow,
            _ => NoMatch::Deny,
        },
        platforms: fields
            .get("platforms")
            .map(read_platforms)
            .transpose()?
            .unwrap_or(Platforms::Index),
    })
}

fn read_platforms(node: &Node) -> Read<Platforms> {
    Ok(match choice(node, &["index", "instances", "either"], "platforms")? {
        "instances" => Platforms::Instances,
        "either" => Platforms::Either,
        _ => Platforms::Index,
    })
}

fn file_refs(node: Option<&Node>, what: &str) -> Read<Vec<FileRef>> {
    node.map(|node| texts(node, what)).transpose().map(|files| {
        files
            .unwrap_or_default()
            .into_iter()
            .map(|(path, at)| FileRef { path, at })
            .collect()
    })
}

fn read_trust_root(name: &str, node: &Node) -> Read<TrustRootSpec> {
    let what = format!("trust root {name:?}");
    let fields = Fields::read(node, &["sigstore", "x509"], &what)?;
    let material = match fields.one_of(&["sigstore", "x509"], &what)? {
        ("sigstore", node) => {
            let sigstore = Fields::read(
                node,
                &["trustedRoot", "fulcioCAs", "rekorKeys"],
                &format!("{what} (sigstore)"),
            )?;
            let parts = (sigstore.get("fulcioCAs"), sigstore.get("rekorKeys"));
            match (sigstore.get("trustedRoot"), parts) {
                (Some(source), (None, None)) => {
                    TrustRootMaterial::Sigstore(match non_empty_text(source, "trustedRoot")? {
                        "embedded" => SigstoreRoot::Embedded,
                        path => SigstoreRoot::File(FileRef {
                            path: path.to_owned(),
                            at: source.at,
                        }),
                    })
                }
                (None, (None, None)) => {
                    return Err(PositionedError::new(
                        node.at,
                        format!("{what} needs trustedRoot, or fulcioCAs and rekorKeys"),
                    ))
                }
                (None, (fulcio, rekor)) => TrustRootMaterial::Sigstore(SigstoreRoot::Parts {
                    fulcio_cas: file_refs(fulcio, "fulcioCAs")?,
                    rekor_keys: file_refs(rekor, "rekorKeys")?,
                }),
                (Some(source), _) => {
                    return Err(PositionedError::new(
                        source.at,
                        format!("{what} takes trustedRoot, or fulcioCAs and rekorKeys, not both"),
                    ))
                }
            }
        }
        (_, node) => {
            let x509 = Fields::read(node, &["ca", "tsa", "signingAuthority"], &format!("{what} (x509)"))?;
            let ca = file_refs(x509.get("ca"), "ca")?;
            let tsa = file_refs(x509.get("tsa"), "tsa")?;
            let signing_authority = file_refs(x509.get("signingAuthority"), "signingAuthority")?;
            if ca.is_empty() && tsa.is_empty() && signing_authority.is_empty() {
                return Err(PositionedError::new(
                    node.at,
                    format!("{what} needs at least one certificate in ca, tsa or signingAuthority"),
                ));
            }
            TrustRootMaterial::X509 {
                ca,
                tsa,
                signing_authority,
            }
        }
    };
    Ok(TrustRootSpec {
        name: name.to_owned(),
        at: node.at,
        material,
    })
}

fn read_tlog(fields: &Fields<'_>) -> Read<TlogRule> {
    read_rule(fields, "tlog")
}

fn read_rule(fields: &Fields<'_>, key: &str) -> Read<TlogRule> {
    Ok(
        match fields
            .get(key)
            .map(|n| choice(n, &["require", "ignore"], key))
            .transpose()?
        {
            Some("ignore") => TlogRule::Ignore,
            _ => TlogRule::Require,
        },
    )
}

fn read_signed_identity(node: &Node) -> Read<SignedIdentity> {
    let what = "signedIdentity";
    let fields = Fields::read(
        node,
        &["type", "dockerReference", "dockerRepository", "prefix", "signedPrefix"],
        what,
    )?;
    let kind = choice(
        fields.require("type", what)?,
        &[
            "matchExact",
            "matchRepoDigestOrExact",
            "matchRepository",
            "exactReference",
            "exactRepository",
            "remapIdentity",
        ],
        "signedIdentity type",
    )?;
    let expected: &[&str] = match kind {
        "exactReference" => &["dockerReference"],
        "exactRepository" => &["dockerRepository"],
        "remapIdentity" => &["prefix", "signedPrefix"],
        _ => &[],
    };
    if let Some((extra, node)) = fields.entries().find(|(k, _)| *k != "type" && !expected.contains(k)) {
        return Err(PositionedError::new(
            node.at,
            format!("{extra} does not belong to signedIdentity type {kind}"),
        ));
    }
    let value = |key: &str| -> Read<String> { Ok(non_empty_text(fields.require(key, kind)?, key)?.to_owned()) };
    Ok(match kind {
        "matchExact" => SignedIdentity::MatchExact,
        "matchRepoDigestOrExact" => SignedIdentity::MatchRepoDigestOrExact,
        "matchRepository" => SignedIdentity::MatchRepository,
        "exactReference" => SignedIdentity::ExactReference(value("dockerReference")?),
        "exactRepository" => SignedIdentity::ExactRepository(value("dockerRepository")?),
        _ => SignedIdentity::RemapIdentity {
            prefix: value("prefix")?,
            signed_prefix: value("signedPrefix")?,
        },
    })
}

fn trust_root_name(node: &Node) -> Read<(String, Position)> {
    Ok((non_empty_text(node, "trustRoot")?.to_owned(), node.at))
}

fn read_authority(name: &str, node: &Node) -> Read<AuthoritySpec> {
    let what = format!("authority {name:?}");
    let fields = Fields::read(node, &["cosign", "keyless", "notation"], &what)?;
    let kind = match fields.one_of(&["cosign", "keyless", "notation"], &what)? {
        ("cosign", node) => {
            let cosign = Fields::read(node, &["key", "keyData", "tlog", "trustRoot", "signedIdentity"], &what)?;
            let key = match cosign.one_of(&["key", "keyData"], &what)? {
                ("key", node) => KeySource::File(FileRef {
                    path: non_empty_text(node, "key")?.to_owned(),
                    at: node.at,
                }),
                (_, node) => KeySource::Data(non_empty_text(node, "keyData")?.to_owned(), node.at),
            };
            AuthorityKind::Cosign {
                key,
                tlog: read_tlog(&cosign)?,
                trust_root: cosign.get("trustRoot").map(trust_root_name).transpose()?,
                signed_identity: cosign.get("signedIdentity").map(read_signed_identity).transpose()?,
            }
        }
        ("keyless", node) => AuthorityKind::Keyless(read_keyless(node, &what)?),
        (_, node) => AuthorityKind::Notation(read_notation(node, &what)?),
    };
    Ok(AuthoritySpec {
        name: name.to_owned(),
        at: node.at,
        kind,
    })
}

/// The GitHub claims a keyless authority may require, by their names in the document.
pub const GITHUB_CLAIMS: &[&str] = &["trigger", "sha", "name", "repository", "ref"];

fn read_keyless(node: &Node, what: &str) -> Read<KeylessSpec> {
    let fields = Fields::read(
        node,
        &[
            "trustRoot",
            "issuer",
            "issuerRegExp",
            "identity",
            "identityRegExp",
            "github",
            "tlog",
            "sct",
            "signedIdentity",
        ],
        what,
    )?;
    let expected = |exact: &'static str, regexp: &'static str| -> Read<Expected> {
        Ok(match fields.one_of(&[exact, regexp], what)? {
            (key, node) if key == exact => Expected::Exact(non_empty_text(node, key)?.to_owned()),
            (key, node) => {
                let pattern = non_empty_text(node, key)?;
                crate::sigstore::Matcher::regex(pattern, key)
                    .map_err(|e| PositionedError::new(node.at, e.message()))?;
                Expected::RegExp(pattern.to_owned())
            }
        })
    };
    let github = match fields.get("github") {
        Some(node) => Fields::read(node, GITHUB_CLAIMS, "github")?
            .entries()
            .map(|(claim, value)| Ok((claim.to_owned(), non_empty_text(value, claim)?.to_owned())))
            .collect::<Read<Vec<_>>>()?,
        None => Vec::new(),
    };
    Ok(KeylessSpec {
        trust_root: trust_root_name(fields.require("trustRoot", what)?)?,
        issuer: expected("issuer", "issuerRegExp")?,
        identity: expected("identity", "identityRegExp")?,
        github,
        tlog: read_tlog(&fields)?,
        sct: read_rule(&fields, "sct")?,
        signed_identity: fields.get("signedIdentity").map(read_signed_identity).transpose()?,
        at: node.at,
    })
}

fn read_notation(node: &Node, what: &str) -> Read<NotationSpec> {
    let fields = Fields::read(
        node,
        &[
            "trustRoots",
            "trustedIdentities",
            "level",
            "override",
            "verifyTimestamp",
        ],
        what,
    )?;
    let trust_roots = texts(fields.require("trustRoots", what)?, "trustRoots")?;
    if trust_roots.is_empty() {
        return Err(PositionedError::new(
            node.at,
            format!("{what} needs at least one trust root"),
        ));
    }
    let trusted_identities = texts(fields.require("trustedIdentities", what)?, "trustedIdentities")?;
    if trusted_identities.is_empty() {
        return Err(PositionedError::new(
            node.at,
            format!("{what} needs at least one trusted identity"),
        ));
    }
    let overrides = match fields.get("override") {
        Some(node) => Fields::read(
            node,
            // Integrity is always enforced: notation refuses to override it.
            &["authenticity", "authenticTimestamp", "expiry", "revocation"],
            "override",
        )?
        .entries()
        .map(|(check, action)| {
            Ok((
                check.to_owned(),
                choice(action, &["enforce", "log", "skip"], check)?.to_owned(),
            ))
        })
        .collect::<Read<Vec<_>>>()?,
        None => Vec::new(),
    };
    Ok(NotationSpec {
        trust_roots,
        trusted_identities: trusted_identities.into_iter().map(|(identity, _)| identity).collect(),
        level: fields
            .get("level")
            .map(|n| choice(n, &["strict", "permissive", "audit"], "level"))
            .transpose()?
            .unwrap_or("strict")
            .to_owned(),
        overrides,
        verify_timestamp: fields
            .get("verifyTimestamp")
            .map(|n| choice(n, &["always", "afterCertExpiry"], "verifyTimestamp"))
            .transpose()?
            .unwrap_or("always")
            .to_owned(),
        at: node.at,
    })
}

fn read_policy(node: &Node) -> Read<PolicyRule> {
    let fields = Fields::read(
        node,
        &[
            "name",
            "scope",
            "mode",
            "signatures",
            "attestations",
            "platforms",
            "reject",
            "insecureAcceptAnything",
        ],
        "a policy",
    )?;
    let name_node = fields.require("name", "a policy")?;
    let name = non_empty_text(name_node, "name")?.to_owned();
    if !is_name(&name) {
        return Err(PositionedError::new(
            name_node.at,
            format!("{name:?} is not a valid policy name"),
        ));
    }
    let what = format!("policy {name:?}");
    let scope_node = fields.require("scope", &what)?;
    let scope = list(scope_node, "scope")?
        .iter()
        .map(|item| ScopePattern::parse(non_empty_text(item, "scope")?, item.at))
        .collect::<Read<Vec<_>>>()?;
    if scope.is_empty() {
        return Err(PositionedError::new(
            scope_node.at,
            format!("{what} needs at least one scope"),
        ));
    }
    let mode = match fields
        .get("mode")
        .map(|n| choice(n, &["enforce", "warn", "audit"], "mode"))
        .transpose()?
    {
        Some("warn") => Mode::Warn,
        Some("audit") => Mode::Audit,
        _ => Mode::Enforce,
    };
    let flag = |key: &str| -> Read<bool> {
        match fields.get(key) {
            Some(node) => match choice(node, &["true", "false"], key)? {
                "true" => Ok(true),
                _ => Ok(false),
            },
            None => Ok(false),
        }
    };
    let reject = flag("reject")?;
    let accept = flag("insecureAcceptAnything")?;
    let signatures = fields.get("signatures").map(|n| read_requirement(n, 0)).transpose()?;
    let attestations = match fields.get("attestations") {
        Some(node) => list(node, "attestations")?
            .iter()
            .map(read_attestation)
            .collect::<Read<Vec<_>>>()?,
        None => Vec::new(),
    };
    let has_evidence = signatures.is_some() || !attestations.is_empty();
    let requires = match (reject, accept, has_evidence) {
        (false, false, true) => Requires::Evidence {
            signatures,
            attestations,
        },
        (true, false, false) => Requires::Reject,
        (false, true, false) => Requires::InsecureAcceptAnything,
        (false, false, false) => {
            return Err(PositionedError::new(
                node.at,
                format!(
                    "{what} requires nothing: give signatures or attestations (or reject, or insecureAcceptAnything)"
                ),
            ))
        }
        _ => {
            return Err(PositionedError::new(
                node.at,
                format!("{what} takes only one of: signatures and attestations, reject, insecureAcceptAnything"),
            ))
        }
    };
    Ok(PolicyRule {
        name,
        at: node.at,
        scope,
        mode,
        requires,
        platforms: fields.get("platforms").map(read_platforms).transpose()?,
    })
}

/// Deepest nesting of requirements.
const REQUIREMENT_DEPTH_MAX: usize = 8;

fn read_requirement(node: &Node, depth: usize) -> Read<Requirement> {
    if depth > REQUIREMENT_DEPTH_MAX {
        return Err(PositionedError::new(
            node.at,
            format!("requirements are nested deeper than {REQUIREMENT_DEPTH_MAX} levels"),
        ));
    }
    if node.scalar().is_some() {
        return Ok(Requirement::Authority(
            non_empty_text(node, "an authority name")?.to_owned(),
            node.at,
        ));
    }
    let what = "a requirement";
    let fields = Fields::read(node, &["any", "all", "atLeast", "of"], what)?;
    let items = |node: &Node| -> Read<Vec<Requirement>> {
        let items = list(node, what)?;
        if items.is_empty() {
            return Err(PositionedError::new(node.at, "a requirement needs at least one item"));
        }
        items.iter().map(|item| read_requirement(item, depth + 1)).collect()
    };
    if let Some(at_least) = fields.get("atLeast") {
        let n = count(at_least, "atLeast")?;
        let of = fields.require("of", "atLeast")?;
        let items = items(of)?;
        if fields.get("any").is_some() || fields.get("all").is_some() {
            return Err(PositionedError::new(
                node.at,
                "atLeast/of takes no any or all beside it",
            ));
        }
        if n > items.len() {
            return Err(PositionedError::new(
                at_least.at,
                format!("atLeast is {n}, but only {} can count", items.len()),
            ));
        }
        return Ok(Requirement::AtLeast(n, items));
    }
    if let Some(of) = fields.get("of") {
        return Err(PositionedError::new(of.at, "of needs atLeast beside it"));
    }
    Ok(match fields.one_of(&["any", "all"], what)? {
        ("any", node) => Requirement::Any(items(node)?),
        (_, node) => Requirement::All(items(node)?),
    })
}

fn read_attestation(node: &Node) -> Read<AttestationRule> {
    let fields = Fields::read(node, &["predicateType", "by", "condition"], "an attestation")?;
    let type_node = fields.require("predicateType", "an attestation")?;
    let predicate_type = predicate_type_uri(non_empty_text(type_node, "predicateType")?)
        .map_err(|e| PositionedError::new(type_node.at, e.message()))?;
    let by_node = fields.require("by", "an attestation")?;
    let by = texts(by_node, "by")?;
    if by.is_empty() {
        return Err(PositionedError::new(by_node.at, "by needs at least one authority"));
    }
    let condition = fields
        .get("condition")
        .map(|node| {
            Condition::compile(text(node, "condition")?)
                .map_err(|e| PositionedError::new(node.at, format!("condition: {e}")))
        })
        .transpose()?;
    Ok(AttestationRule {
        predicate_type,
        by,
        condition,
        at: node.at,
    })
}
