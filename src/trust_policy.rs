//! Trust policies in the facade: reading a document and the files it names (bounded, relative to
//! its folder), and evaluating it for an image: resolve the reference to a digest once, verify
//! what the applicable policy needs under each of its authorities alone, then let the core decide.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ocitrust_core::policy::{
    compile_with_public_good_root, decide, needs, select, CompiledPolicy, Decision, ImageFacts, Judged, Mode, NoMatch,
    Platforms, PolicyEvidence, PolicyFiles, PositionedError, ScopeName, TrustPolicy,
};
use ocitrust_core::sigstore::{unix_seconds, TrustedRoot};
use ocitrust_core::{Digest, Error, ErrorCode, Reference, Result, Verdict};
use ocitrust_registry::file::read_bounded;
use ocitrust_registry::LayoutReference;

use crate::{Resolved, Verifier};

/// Largest file a policy may name (keys, certificates, trusted roots).
pub const POLICY_FILE_SIZE_MAX: u64 = 4 * 1024 * 1024;

/// A trust policy, loaded with its trust material and ready to evaluate.
#[derive(Debug, Clone)]
pub struct Policy {
    compiled: Arc<CompiledPolicy>,
}

fn positioned(origin: &str, error: PositionedError) -> Error {
    Error::new(
        ErrorCode::InvalidPolicy,
        format!("{origin}:{}: {}", error.at, error.message),
    )
}

impl Policy {
    /// Reads the document at `path` and the files it names (relative paths against its folder).
    /// An invalid document is an `InvalidPolicy` error whose message starts `PATH:LINE:COLUMN:`.
    pub fn from_file(path: &Path) -> Result<Policy> {
        Policy::from_file_with_public_good_root(path, || crate::public_good_trusted_root(false))
    }

    /// [`Policy::from_file`], with `public_good` asked for the root `trustedRoot: embedded` names.
    pub fn from_file_with_public_good_root(
        path: &Path,
        public_good: impl FnOnce() -> Result<Arc<TrustedRoot>>,
    ) -> Result<Policy> {
        let bytes = read_bounded(path, ocitrust_core::policy::tree::DOCUMENT_SIZE_MAX as u64)?;
        let folder = path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Policy::from_bytes_with_public_good_root(&bytes, &folder, &path.display().to_string(), public_good)
    }

    /// Reads a document from `bytes`; relative paths it names resolve against `folder`, and
    /// `origin` names it in messages. `trustedRoot: embedded` is the default root
    /// ([`crate::public_good_trusted_root`]: the TUF cache `ocitrust initialize` set up, else the
    /// embedded one).
    pub fn from_bytes(bytes: &[u8], folder: &Path, origin: &str) -> Result<Policy> {
        Policy::from_bytes_with_public_good_root(bytes, folder, origin, || crate::public_good_trusted_root(false))
    }

    /// [`Policy::from_bytes`], with `public_good` asked for the root `trustedRoot: embedded`
    /// names, only when the document names it.
    pub fn from_bytes_with_public_good_root(
        bytes: &[u8],
        folder: &Path,
        origin: &str,
        public_good: impl FnOnce() -> Result<Arc<TrustedRoot>>,
    ) -> Result<Policy> {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| Error::new(ErrorCode::InvalidPolicy, format!("{origin}: not UTF-8 text: {e}")))?;
        let document = TrustPolicy::parse(text).map_err(|e| positioned(origin, e))?;
        let mut files = PolicyFiles::new();
        for file in document.files() {
            let path = folder.join(&file.path);
            let bytes = read_bounded(&path, POLICY_FILE_SIZE_MAX).map_err(|e| {
                positioned(
                    origin,
                    PositionedError::new(file.at, format!("reading {}: {}", file.path, e.message())),
                )
            })?;
            files.insert(file.path.clone(), bytes);
        }
        let public_good = match document.uses_public_good_root() {
            true => Some(public_good().map_err(|e| e.context(origin.to_owned()))?),
            false => None,
        };
        let compiled =
            compile_with_public_good_root(document, &files, public_good).map_err(|e| positioned(origin, e))?;
        Ok(Policy {
            compiled: Arc::new(compiled),
        })
    }

    /// The compiled document.
    pub fn compiled(&self) -> &CompiledPolicy {
        &self.compiled
    }

    /// The mode a failure to decide about `reference` falls under: the mode of the policy whose
    /// scope matches it, `warn` when none does and `defaults.noMatch` warns, otherwise `enforce`
    /// (the admission server's answer for an image whose verification did not finish in time).
    pub fn mode_for(&self, reference: &str, scope: Option<&str>) -> Result<Mode> {
        let name = scope_name(reference, scope)?;
        Ok(match select(&self.compiled, &name) {
            Some((rule, _)) => rule.mode,
            None if self.compiled.document.defaults.no_match == NoMatch::Warn => Mode::Warn,
            None => Mode::Enforce,
        })
    }

    /// Evaluates the policy for `reference` with `verifier`'s options (registry, platform, time,
    /// revocation, plugins; its own authorities are not used). `scope` names an OCI layout for
    /// scope matching (without it a layout is `oci:PATH`). Only an error before any decision
    /// could be made (an invalid reference, an image that cannot be resolved) is an `Err`; a
    /// failure to verify under an authority is part of the decision, which it denies.
    pub fn evaluate(&self, verifier: &Verifier, reference: &str, scope: Option<&str>) -> Result<Decision> {
        self.evaluate_within(verifier, reference, scope, None)
    }

    /// [`Policy::evaluate`], every verification it runs ending within `limit` of now (a caller's
    /// deadline: a Go context, a C call's `timeout_ms`, an admission request's); what did not finish
    /// in time is a failure to verify, which denies.
    pub fn evaluate_within(
        &self,
        verifier: &Verifier,
        reference: &str,
        scope: Option<&str>,
        limit: Option<Duration>,
    ) -> Result<Decision> {
        let deadline = limit.map(|limit| Instant::now() + limit);
        let time = unix_seconds(verifier.judged_time());
        let mut found = Found {
            scope_name: scope_name(reference, scope)?,
            target: None,
            digest: None,
            platform: None,
            insecure: Vec::new(),
        };
        // The first verification resolves the reference, and every later one is pinned to the
        // digest it judged; it is read beforehand only when the policy must know whether the image
        // is an index.
        let Some((rule, _)) = select(&self.compiled, &found.scope_name) else {
            if found.digest.is_none() {
                found.resolved(verifier.resolve(reference)?);
            }
            return Ok(decide(
                &self.compiled,
                &found.evidence(reference, BTreeMap::new(), Vec::new())?,
                time,
            ));
        };
        let platforms = rule.platforms.unwrap_or(self.compiled.document.defaults.platforms);
        let mut is_index = None;
        if platforms == Platforms::Instances && verifier.selected_platform().is_none() {
            let resolved = verifier.resolve(reference)?;
            is_index = Some(resolved.is_index);
            found.resolved(resolved);
        }
        let judged_as = JudgedAs::new(verifier, platforms, is_index);
        let (signature_authorities, attestation_rules) = needs(rule);
        let mut signatures = BTreeMap::new();
        for name in signature_authorities {
            let judged = self.judge(&judged_as, name, reference, None, deadline, &mut found);
            signatures.insert(name.to_owned(), judged);
        }
        let mut attestations = Vec::new();
        for (predicate_type, by) in attestation_rules {
            let mut per_authority = BTreeMap::new();
            for name in by {
                let judged = self.judge(&judged_as, name, reference, Some(predicate_type), deadline, &mut found);
                per_authority.insert(name.to_owned(), judged);
            }
            attestations.push(per_authority);
        }
        if found.digest.is_none() {
            // Nothing verified (every authority failed): name the digest that was to be judged.
            found.resolved(verifier.resolve(reference)?);
        }
        Ok(decide(
            &self.compiled,
            &found.evidence(reference, signatures, attestations)?,
            time,
        ))
    }

    /// Verifies under the authority `name` alone: the signatures, or the attestations of
    /// `predicate_type`. Records the manifest judged and any insecure option in `evidence`.
    fn judge(
        &self,
        judged_as: &JudgedAs,
        name: &str,
        reference: &str,
        predicate_type: Option<&str>,
        deadline: Option<Instant>,
        found: &mut Found,
    ) -> Judged {
        let Some(authority) = self.compiled.authority(name) else {
            return Judged::Failed(format!("the policy defines no authority {name:?}"));
        };
        let verifier = match &judged_as.verifier {
            Ok(verifier) => verifier,
            Err(why) => return Judged::Failed(why.clone()),
        };
        let mut verifier = verifier
            .with_fingerprinted_authority(authority.authority.clone(), authority.fingerprint.clone())
            .insecure_ignore_tlog(authority.ignore_tlog)
            .insecure_ignore_sct(authority.ignore_sct);
        if let Some(root) = &authority.key_root {
            verifier = verifier.trusted_root(root.clone());
        }
        let left = deadline.map(|deadline| deadline.saturating_duration_since(Instant::now()));
        if left == Some(Duration::ZERO) {
            return Judged::Failed("the time allowed ran out before it was verified".into());
        }
        let target = found.target.clone().unwrap_or_else(|| reference.to_owned());
        let verdict = match predicate_type {
            None => verifier.verify_within(&target, left),
            Some(predicate_type) => verifier.verify_attestations_within(&target, predicate_type, left),
        };
        match verdict {
            Ok(verdict) => {
                if let Err(error) = found.record(reference, &verdict) {
                    return Judged::Failed(error.message().to_owned());
                }
                Judged::Reports(verdict.signatures)
            }
            Err(error) if error.code() == ErrorCode::NoSignatures => Judged::Reports(Vec::new()),
            Err(error) => Judged::Failed(error.message().to_owned()),
        }
    }
}

/// The verifier an image is judged with under a `platforms` rule, or why it cannot be judged.
/// `is_index` is known when it matters: `instances` without a platform.
struct JudgedAs {
    verifier: std::result::Result<Verifier, String>,
}

impl JudgedAs {
    fn new(verifier: &Verifier, platforms: Platforms, is_index: Option<bool>) -> Self {
        // A platform given for a manifest that is not an index changes nothing: it is judged itself.
        let platform = verifier.selected_platform().cloned();
        let verifier = match (platforms, platform) {
            (Platforms::Index, _) => Ok(verifier.clone().platform(None)),
            (Platforms::Instances, Some(platform)) => {
                Ok(verifier.clone().platform(Some(platform)).require_platform_signature(true))
            }
            (Platforms::Instances, None) if is_index != Some(false) => Err(
                "the image is an index and the policy's platforms is instances: choose the platform manifest to judge (--platform)".to_owned(),
            ),
            (Platforms::Instances, None) => Ok(verifier.clone().platform(None)),
            (Platforms::Either, platform) => Ok(verifier.clone().platform(platform).require_platform_signature(false)),
        };
        JudgedAs { verifier }
    }
}

/// What evaluation has established about the image so far.
struct Found {
    scope_name: ScopeName,
    /// The reference pinned to the digest of what it named, once known.
    target: Option<String>,
    /// The digest judged (the platform manifest's when one was chosen), once known.
    digest: Option<Digest>,
    platform: Option<String>,
    insecure: Vec<String>,
}

impl Found {
    fn resolved(&mut self, resolved: Resolved) {
        self.digest.get_or_insert(resolved.digest);
        self.target.get_or_insert(resolved.pinned);
    }

    /// Takes what a verdict judged: the digest (and platform), the reference pinned to the digest
    /// of what it named for the verifications after it, and its insecure options.
    fn record(&mut self, reference: &str, verdict: &Verdict) -> Result<()> {
        if self.target.is_none() {
            let named = verdict.subject.index_digest.as_ref().unwrap_or(&verdict.subject.digest);
            self.target = Some(pinned(reference, named)?);
        }
        self.digest = Some(verdict.subject.digest.clone());
        if verdict.subject.platform.is_some() {
            self.platform = verdict.subject.platform.clone();
        }
        self.insecure.extend(verdict.insecure.iter().cloned());
        Ok(())
    }

    fn evidence(
        mut self,
        reference: &str,
        signatures: BTreeMap<String, Judged>,
        attestations: Vec<BTreeMap<String, Judged>>,
    ) -> Result<PolicyEvidence> {
        let digest = self
            .digest
            .ok_or_else(|| Error::new(ErrorCode::Internal, "the digest judged is not known"))?;
        self.insecure.sort();
        self.insecure.dedup();
        Ok(PolicyEvidence {
            image: ImageFacts {
                reference: reference.to_owned(),
                scope_name: self.scope_name,
                digest,
                platform: self.platform,
            },
            signatures,
            attestations,
            insecure: self.insecure,
        })
    }
}

/// `reference` pinned to `digest`: `registry/repository@digest`, or `oci:PATH@digest`.
fn pinned(reference: &str, digest: &Digest) -> Result<String> {
    if LayoutReference::is_layout_reference(reference) {
        let layout = LayoutReference::parse(reference)?;
        return Ok(layout.pinned(digest));
    }
    Ok(Reference::parse(reference)?.with_digest(digest.clone()).full_name())
}

/// How `reference` is named for scope matching: its normalised repository, an OCI layout's
/// `oci:PATH`, or `scope` for a layout.
fn scope_name(reference: &str, scope: Option<&str>) -> Result<ScopeName> {
    if LayoutReference::is_layout_reference(reference) {
        let layout = LayoutReference::parse(reference)?;
        let tag = match &layout.selector {
            ocitrust_registry::LayoutSelector::Tag(tag) => Some(tag.clone()),
            _ => None,
        };
        let repository = match scope {
            // Normalised as scope patterns are (`local/app` is `docker.io/local/app`), so the
            // scope a notation trust policy names matches the pattern imported from it.
            Some(scope) => match Reference::parse(scope) {
                Ok(parsed) if parsed.tag().is_none() && parsed.digest().is_none() => {
                    format!("{}/{}", parsed.registry(), parsed.repository())
                }
                _ => scope.to_owned(),
            },
            None => layout.source.to_string().trim_end_matches('/').to_owned(),
        };
        return Ok(ScopeName {
            repository,
            tag,
            digest: None,
        });
    }
    if scope.is_some() {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            "a scope names an OCI layout (oci:PATH); an image in a registry is in the scope of its repository",
        ));
    }
    Ok(ScopeName::of_reference(&Reference::parse(reference)?))
}
