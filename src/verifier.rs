//! `Verifier`: trust material + requirements in, a verdict out for any reference.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use ocitrust_core::authority::{judge_under, no_authority, Authority};
use ocitrust_core::blob::verify_blob_bundle;
use ocitrust_core::cosign::{
    predicate_type_uri, signature_layers, verify_attestation_bundle, verify_attestation_manifest, verify_bundle,
    verify_signature_manifest, Attachment, CosignRequirements, PayloadBlobs, SIGNATURE_LAYERS_MAX,
};
use ocitrust_core::crypto::PublicKey;
use ocitrust_core::notation::PluginHost;
use ocitrust_core::notation::{
    refused_notation_signature, unexamined_notation_signature, NotationEnvelope, NotationRequirements, NotationSubject,
    ANY_REPOSITORY,
};
use ocitrust_core::oci::{Manifest, ManifestKind, Platform};
use ocitrust_core::sigstore::{unix_seconds, Artifact, TrustMaterial, TrustedRoot};
use ocitrust_core::verdict::{CheckName, SignatureReport, Subject};
use ocitrust_core::x509::revocation::RevocationSource;
use ocitrust_core::{Digest, Error, ErrorCode, Reference, Result, Verdict};
use ocitrust_registry::limits::{
    ReadBudget, NOTATION_SIGNATURES_DEFAULT, READ_BUDGET_DEFAULT, SIGNATURE_BLOB_SIZE_MAX,
};
use ocitrust_registry::notation_plugins::DirectoryPluginHost;
use ocitrust_registry::remote::{
    discover_in_registry, discover_referrers, HttpRevocationSource, RegistryClient, RegistryOptions,
};
use ocitrust_registry::NotationConfigDir;
use ocitrust_registry::{discover_in_layout, discover_layout_referrers, LayoutReference};

use crate::evidence::{Evidence, Found, IndexEvidence, NotationEvidence, ReferrerEvidence};
use crate::fact_cache::{FactCache, FactKey};

/// What a verification looks for on an image.
#[derive(Debug, Clone, Copy)]
enum Wanted<'a> {
    /// Its signatures (`cosign verify`).
    Signatures,
    /// Its attestations of this predicate type (a URI; `cosign verify-attestation --type`).
    Attestations(&'a str),
}

impl Wanted<'_> {
    fn attachment(self) -> Attachment {
        match self {
            Wanted::Signatures => Attachment::Signatures,
            Wanted::Attestations(_) => Attachment::Attestations,
        }
    }
}

/// The insecure option name recorded in verdicts when the tlog check is skipped.
pub const INSECURE_IGNORE_TLOG: &str = "insecure-ignore-tlog";
/// The insecure option name recorded in verdicts when certificates are accepted without an SCT.
pub const INSECURE_IGNORE_SCT: &str = "insecure-ignore-sct";
/// The insecure option name recorded in verdicts when a registry was reached over plain HTTP by request.
pub const ALLOW_INSECURE_REGISTRY: &str = "allow-insecure-registry";

/// A reference resolved to the manifest it named ([`Verifier::resolve`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The reference pinned to the digest (`registry/repository@sha256:…`, `oci:PATH@sha256:…`).
    pub pinned: String,
    /// The manifest's digest.
    pub digest: Digest,
    /// Whether it is an index (a multi-platform image).
    pub is_index: bool,
}

/// Verifies the signatures on images under a list of authorities: a signature is trusted when every
/// check of one authority passes on it.
#[derive(Debug, Clone)]
pub struct Verifier {
    authorities: Vec<Authority>,
    requirements: CosignRequirements,
    platform: Option<Platform>,
    verification_time: Option<SystemTime>,
    require_platform_signature: bool,
    /// The trust policy scope notation signatures in an OCI layout are judged under
    /// (`notation verify --oci-layout --scope`).
    notation_scope: Option<String>,
    notation_requirements: NotationRequirements,
    notation_max_signatures: usize,
    registry: RegistryOptions,
    read_budget: u64,
    /// Made on first use and shared by clones, so connections and tokens are reused.
    client: Arc<Mutex<Option<RegistryClient>>>,
    /// Where verification facts are kept, shared by clones ([`FactCache`]).
    facts: Option<Arc<FactCache>>,
    /// The fingerprint of every byte the authorities trust and every requirement they carry, set
    /// by a trust policy for one of its authorities: facts are cached only under such a one.
    authorities_fingerprint: Option<Digest>,
}

impl Verifier {
    /// A verifier trusting signatures made with `key`: `Verifier::trusting([Authority::CosignKey(key)])`.
    pub fn new(key: PublicKey) -> Self {
        Verifier::trusting([Authority::CosignKey(key)])
    }

    /// A verifier trusting each of `authorities` (more can be added with [`Verifier::trust`]).
    /// Verifying with none is an `InvalidArgument` error.
    pub fn trusting(authorities: impl IntoIterator<Item = Authority>) -> Self {
        Verifier {
            authorities: authorities.into_iter().collect(),
            requirements: CosignRequirements::default(),
            platform: None,
            verification_time: None,
            require_platform_signature: false,
            notation_scope: None,
            notation_max_signatures: NOTATION_SIGNATURES_DEFAULT,
            notation_requirements: NotationRequirements {
                revocation: Some(Arc::new(HttpRevocationSource::with_default_cache())),
                plugins: NotationConfigDir::from_environment().ok().map(|config| {
                    Arc::new(DirectoryPluginHost::new(config.plugins_path())) as Arc<dyn PluginHost + Send + Sync>
                }),
                ..NotationRequirements::default()
            },
            registry: RegistryOptions::default(),
            read_budget: READ_BUDGET_DEFAULT,
            client: Arc::default(),
            facts: None,
            authorities_fingerprint: None,
        }
    }

    /// Adds `authority` to those whose signature makes an image trusted.
    pub fn trust(mut self, authority: Authority) -> Self {
        self.authorities.push(authority);
        self
    }

    /// The authorities this verifier trusts, in the order they are tried.
    pub fn authorities(&self) -> &[Authority] {
        &self.authorities
    }

    /// The same verifier (options, registry client, connections) trusting `authorities` instead.
    pub fn with_authorities(&self, authorities: impl IntoIterator<Item = Authority>) -> Self {
        Verifier {
            authorities: authorities.into_iter().collect(),
            authorities_fingerprint: None,
            ..self.clone()
        }
    }

    /// Keeps what trust policy evaluations verify in `cache` and reuses it ([`FactCache`]): the
    /// admission server's and batch evaluation's cache. Only verifications under a policy's
    /// authorities are cached (the policy fingerprints each of them); a plain `verify` never is.
    pub fn fact_cache(mut self, cache: Option<Arc<FactCache>>) -> Self {
        self.facts = cache;
        self
    }

    /// The same verifier trusting `authority` alone, whose fingerprint is `fingerprint`: every
    /// byte of its trust material and every requirement it carries (a compiled policy's).
    pub(crate) fn with_fingerprinted_authority(&self, authority: Authority, fingerprint: Digest) -> Self {
        Verifier {
            authorities_fingerprint: Some(fingerprint),
            ..self.with_authorities([authority])
        }
    }

    /// The platform an index is resolved to, if one is set.
    pub fn selected_platform(&self) -> Option<&Platform> {
        self.platform.as_ref()
    }

    /// The instant verdicts speak for: the verification time set, or now.
    pub fn judged_time(&self) -> SystemTime {
        self.verification_time.unwrap_or_else(SystemTime::now)
    }

    /// Resolves `reference` (a registry image or `oci:PATH[:TAG|@DIGEST]`) to the manifest it names
    /// now: a reference pinned to its digest, so that every later verification judges the same
    /// manifest whatever happens to the tag meanwhile.
    pub fn resolve(&self, reference: &str) -> Result<Resolved> {
        let (pinned, manifest) = if LayoutReference::is_layout_reference(reference) {
            let layout_ref = LayoutReference::parse(reference)?;
            let layout = layout_ref.open(self.new_budget())?;
            let entry = layout.resolve(&layout_ref.selector)?;
            let manifest = layout.read_manifest(&entry.digest)?;
            let pinned = layout_ref.pinned(manifest.digest());
            (pinned, manifest)
        } else {
            let parsed = Reference::parse(reference)?;
            let client = self.registry_client()?.bounded_by_options();
            let manifest = client.existing_manifest(&parsed)?;
            (parsed.with_digest(manifest.digest().clone()).full_name(), manifest)
        };
        Ok(Resolved {
            pinned,
            is_index: matches!(manifest.kind(), ManifestKind::Index(_)),
            digest: manifest.digest().clone(),
        })
    }

    /// An error before any I/O when there is no authority to judge under.
    fn check_has_authority(&self) -> Result<()> {
        if self.authorities.is_empty() {
            return Err(no_authority());
        }
        Ok(())
    }

    /// How many bytes one verification may read in all from a registry or a layout (manifests,
    /// payloads, referrers, bundles): [`READ_BUDGET_DEFAULT`] unless set. Past it the verification
    /// fails with `LimitExceeded`; it is what bounds the memory a hostile image can make it use.
    pub fn read_budget(mut self, bytes: u64) -> Self {
        self.read_budget = bytes;
        self
    }

    fn new_budget(&self) -> Arc<ReadBudget> {
        Arc::new(ReadBudget::new(self.read_budget))
    }

    /// How to reach registries (credentials, `allow_insecure`, a signature repository).
    pub fn registry_options(mut self, options: RegistryOptions) -> Self {
        self.registry = options;
        self.client = Arc::default();
        self
    }

    fn registry_client(&self) -> Result<RegistryClient> {
        let mut cell = self
            .client
            .lock()
            .map_err(|_| Error::new(ErrorCode::Internal, "registry client lock poisoned"))?;
        if let Some(client) = cell.as_ref() {
            return Ok(client.clone());
        }
        let client = RegistryClient::new(self.registry.clone())?;
        *cell = Some(client.clone());
        Ok(client)
    }

    /// Requires the annotation `key=value` in the signed payload (`cosign verify -a key=value`).
    pub fn require_annotation(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.requirements.annotations.insert(key.into(), value.into());
        self
    }

    /// Requires every annotation in `annotations`.
    pub fn require_annotations(mut self, annotations: BTreeMap<String, String>) -> Self {
        self.requirements.annotations.extend(annotations);
        self
    }

    /// The trust policy scope (`registry/repository`, or a local scope like `local/app`) notation
    /// signatures in an OCI layout are judged under (`notation verify --oci-layout --scope`). In a
    /// registry the image's own repository is the scope.
    pub fn notation_scope(mut self, scope: Option<String>) -> Self {
        self.notation_scope = scope;
        self
    }

    /// Requires the user metadata `key=value` in a notation signature's payload
    /// (`notation verify -m key=value`).
    pub fn require_notation_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.notation_requirements
            .user_metadata
            .insert(key.into(), value.into());
        self
    }

    /// Where notation signatures' revocation information comes from: by default OCSP responders
    /// and CRLs over the network, CRLs cached under `$XDG_CACHE_HOME/ocitrust/crl`. Give CRL files
    /// (and `offline`) to verify without the network.
    pub fn revocation_source(mut self, source: Arc<dyn RevocationSource + Send + Sync>) -> Self {
        self.notation_requirements.revocation = Some(source);
        self
    }

    /// Where the verification plugins notation signatures name are run from: by default notation's
    /// plugin directory (`plugins/` in its configuration directory).
    pub fn plugin_host(mut self, host: Arc<dyn PluginHost + Send + Sync>) -> Self {
        self.notation_requirements.plugins = Some(host);
        self
    }

    /// At most this many notation signatures of an image are examined (`notation verify
    /// --max-signatures`, 100 by default), those whose manifest lists a certificate of a trust
    /// store first; when none of them verifies, the image is not trusted, as with notation.
    pub fn notation_max_signatures(mut self, max: usize) -> Self {
        self.notation_max_signatures = max;
        self
    }

    /// Passes `key=value` to verification plugins (`notation verify --plugin-config`).
    pub fn plugin_config(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.notation_requirements
            .plugin_config
            .insert(key.into(), value.into());
        self
    }

    /// Resolves an index to the manifest for `platform` and verifies that manifest's signatures.
    pub fn platform(mut self, platform: Option<Platform>) -> Self {
        self.platform = platform;
        self
    }

    /// With a platform selected from an index: require a signature on the platform manifest itself.
    /// By default a platform manifest is also trusted when the index listing it is signed (most
    /// publishers sign only the index); the verdict then names the index in `verified_through_index`.
    pub fn require_platform_signature(mut self, require: bool) -> Self {
        self.require_platform_signature = require;
        self
    }

    /// Accepts signatures without a transparency-log proof. Insecure; recorded in the verdict.
    pub fn insecure_ignore_tlog(mut self, ignore: bool) -> Self {
        self.requirements.insecure_ignore_tlog = ignore;
        self
    }

    /// Accepts Fulcio certificates without a verified signed certificate timestamp
    /// (`--insecure-ignore-sct`). Insecure; recorded in the verdict.
    pub fn insecure_ignore_sct(mut self, ignore: bool) -> Self {
        self.requirements.insecure_ignore_sct = ignore;
        self
    }

    /// The trusted root whose transparency logs key-signed signatures are checked against
    /// (`--trusted-root`); the embedded production root unless set. Keyless authorities carry
    /// their own ([`crate::KeylessIdentity::trusted_root`]).
    pub fn trusted_root(mut self, root: Arc<TrustedRoot>) -> Self {
        self.requirements.key_trusted_root = Some(root);
        self
    }

    /// Verifies a blob signed with a Sigstore bundle (`cosign verify-blob --bundle`): `bundle` is the
    /// bundle JSON, `artifact` the blob's bytes or its digest; `label` names the blob in the verdict.
    /// Offline: only the trust material is consulted.
    pub fn verify_blob(&self, bundle: &[u8], artifact: Artifact<'_>, label: &str) -> Result<Verdict> {
        self.check_has_authority()?;
        let digest = match artifact {
            Artifact::Bytes(bytes) => Digest::sha256(bytes),
            Artifact::Digest(digest) => digest.clone(),
        };
        let report = verify_blob_bundle(bundle, artifact, &self.authorities, &self.requirements, label)?;
        Ok(Verdict {
            subject: Subject {
                reference: label.to_owned(),
                digest,
                platform: None,
                index_digest: None,
            },
            trusted: report.verified,
            verified_through_index: None,
            signatures: vec![report],
            insecure: self.insecure_options(false),
            trust_material: self.trust_material(),
            skipped_by_policy: None,
            notation_scope: None,
            verification_time: unix_seconds(self.verification_time.unwrap_or_else(SystemTime::now)),
        })
    }

    /// The Sigstore trusted roots the authorities judge under, each once, as verdicts list them:
    /// keyless identities' roots, and for keys (unless the log is ignored) the root whose logs are
    /// checked.
    fn trust_material(&self) -> Vec<TrustMaterial> {
        let mut material: Vec<TrustMaterial> = Vec::new();
        for authority in &self.authorities {
            let root = match authority {
                Authority::Keyless(keyless) => keyless.trusted_root.material.clone(),
                Authority::CosignKey(_) if !self.requirements.insecure_ignore_tlog => {
                    match &self.requirements.key_trusted_root {
                        Some(root) => root.material.clone(),
                        None => TrustedRoot::production_material(),
                    }
                }
                _ => continue,
            };
            if !material.contains(&root) {
                material.push(root);
            }
        }
        material
    }

    /// The insecure options in force, as verdicts list them.
    fn insecure_options(&self, insecure_transport: bool) -> Vec<String> {
        let mut insecure = Vec::new();
        if self.requirements.insecure_ignore_tlog {
            insecure.push(INSECURE_IGNORE_TLOG.to_owned());
        }
        if self.requirements.insecure_ignore_sct {
            insecure.push(INSECURE_IGNORE_SCT.to_owned());
        }
        if insecure_transport {
            insecure.push(ALLOW_INSECURE_REGISTRY.to_owned());
        }
        insecure
    }

    /// Judges the evidence as of `time` instead of now (`None`: now). Key-based cosign checks do not
    /// depend on time; the instant is recorded in the verdict, and certificate validity (keyless,
    /// notation) is judged at it.
    pub fn verification_time(mut self, time: Option<SystemTime>) -> Self {
        self.verification_time = time;
        self
    }

    /// Verifies `reference`: an image in a registry (`registry/repo:tag` or `…@sha256:…`) or in an OCI
    /// layout (`oci:PATH[:TAG|@DIGEST]`). The verdict lists every signature examined; call
    /// [`Verdict::require_trusted`] to turn an untrusted verdict into cosign's error.
    pub fn verify(&self, reference: &str) -> Result<Verdict> {
        self.verify_within(reference, None)
    }

    /// [`Verifier::verify`], ending within `limit` when it is sooner than the registry options'
    /// timeout (which bounds a verification in all: every request shares what is left of it).
    /// A caller with a deadline of its own (a Go context, an admission webhook's) passes what is
    /// left of it, so a verification it gives up on does not go on in the background.
    pub fn verify_within(&self, reference: &str, limit: Option<Duration>) -> Result<Verdict> {
        self.verify_wanted(reference, limit, Wanted::Signatures)
    }

    /// Verifies the attestations of `reference` whose predicate type is `predicate_type` (cosign's
    /// `--type`: an alias such as `cyclonedx`, `spdxjson`, `slsaprovenance1`, or a URI), as
    /// `cosign verify-attestation` does: from the `.att` tag scheme (cosign v2) and Sigstore bundle
    /// referrers (cosign v3). An attestation counts when it passes every check of one authority and
    /// its statement names the image's digest and that predicate type; each verified one carries
    /// what it states ([`ocitrust_core::verdict::Attestation`]). With a platform, the platform
    /// manifest's own attestations are judged: an index's are about the index, and are never
    /// transferred to the manifests it lists.
    pub fn verify_attestations(&self, reference: &str, predicate_type: &str) -> Result<Verdict> {
        self.verify_attestations_within(reference, predicate_type, None)
    }

    /// [`Verifier::verify_attestations`], ending within `limit` (see [`Verifier::verify_within`]).
    pub fn verify_attestations_within(
        &self,
        reference: &str,
        predicate_type: &str,
        limit: Option<Duration>,
    ) -> Result<Verdict> {
        let uri = predicate_type_uri(predicate_type)?;
        self.verify_wanted(reference, limit, Wanted::Attestations(&uri))
    }

    fn verify_wanted(&self, reference: &str, limit: Option<Duration>, wanted: Wanted<'_>) -> Result<Verdict> {
        self.check_has_authority()?;
        if !LayoutReference::is_layout_reference(reference) {
            return self.verify_in_registry(reference, limit, wanted);
        }
        let layout_ref = LayoutReference::parse(reference)?;
        let layout = layout_ref.open(self.new_budget())?;
        let mut found = discover_in_layout(&layout, &layout_ref, self.platform.as_ref(), wanted.attachment())?;
        // A layout belongs to no repository: without a scope, only a `*` statement applies.
        let scope = self.notation_scope.as_deref().unwrap_or(ANY_REPOSITORY);
        self.judge_tag_scheme_then_referrers(reference, &mut found, false, wanted, Some(scope), |found| {
            discover_layout_referrers(&layout, &layout_ref, found)
        })
    }

    /// In a registry, every request of one verification shares its deadline (the registry options'
    /// timeout, from now) and its read budget.
    fn verify_in_registry(&self, reference: &str, limit: Option<Duration>, wanted: Wanted<'_>) -> Result<Verdict> {
        let parsed = Reference::parse(reference)?;
        let shared = self.registry_client()?;
        let allowed = limit.map_or(shared.timeout(), |limit| limit.min(shared.timeout()));
        let client = shared.bounded(allowed, self.new_budget());
        let mut found = discover_in_registry(&client, &parsed, self.platform.as_ref(), wanted.attachment())?;
        let scope = format!("{}/{}", parsed.registry(), parsed.repository());
        self.judge_tag_scheme_then_referrers(
            reference,
            &mut found,
            self.registry.allow_insecure,
            wanted,
            Some(&scope),
            |found| discover_referrers(&client, found),
        )
    }

    /// Judges the tag-scheme signatures first; only when they do not make the image trusted are the
    /// referrers looked for (`add_referrers`: a listing more in a registry, a read of every manifest
    /// in a layout), and everything judged again.
    fn judge_tag_scheme_then_referrers<F: Found>(
        &self,
        reference: &str,
        found: &mut F,
        insecure_transport: bool,
        wanted: Wanted<'_>,
        scope: Option<&str>,
        add_referrers: impl FnOnce(&mut F) -> Result<()>,
    ) -> Result<Verdict> {
        let verdict = self.judge(found.evidence(reference, insecure_transport), wanted, scope)?;
        if verdict.trusted {
            return Ok(verdict);
        }
        add_referrers(found)?;
        let evidence = found.evidence(reference, insecure_transport);
        let verdict = if evidence.has_referrers() {
            self.judge(evidence, wanted, scope)?
        } else {
            verdict
        };
        if let (Wanted::Attestations(_), true, Some(index)) = (
            wanted,
            verdict.signatures.is_empty(),
            &found.evidence(reference, insecure_transport).index,
        ) {
            return Err(index_attestations_are_not_the_platforms(&verdict.subject, index)?);
        }
        Ok(verdict)
    }

    /// What is attached to the image `reference` in its registry ([`crate::tree`]), reached with this
    /// verifier's registry options and client.
    pub fn tree(&self, reference: &str) -> Result<crate::Attached> {
        crate::tree::tree_with(&self.registry_client()?.bounded_by_options(), reference)
    }

    /// Where the `kind` artifacts of `reference` are stored ([`crate::triangulate`]), with this
    /// verifier's registry options and client.
    pub fn triangulate(&self, reference: &str, kind: &str) -> Result<String> {
        crate::triangulate::triangulate_with(
            || Ok(self.registry_client()?.bounded_by_options()),
            reference,
            kind,
            &self.registry,
        )
    }

    /// Verifies evidence the caller fetched itself (sans-IO): the subject manifest's bytes, the bytes
    /// of its cosign signature manifest (`None` when the subject has none), and the payload blobs
    /// that manifest references, in any order. Every input is hashed here; `reference` only labels
    /// the verdict. A platform option is refused: resolve the index to its platform manifest first
    /// and pass that manifest as the subject.
    pub fn verify_bytes(
        &self,
        reference: &str,
        subject_manifest: &[u8],
        signature_manifest: Option<&[u8]>,
        payload_blobs: &[&[u8]],
    ) -> Result<Verdict> {
        if let Some(platform) = &self.platform {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                format!("verifying from bytes checks the manifest it is given; resolve the index to its {platform} manifest and pass that manifest instead of setting a platform"),
            ));
        }
        self.check_has_authority()?;
        check_blob_limits(payload_blobs)?;
        let subject_manifest =
            Manifest::from_bytes(subject_manifest.to_vec(), None).map_err(|e| e.context("subject manifest"))?;
        let signature_manifest = signature_manifest
            .map(|bytes| Manifest::from_bytes(bytes.to_vec(), None).map_err(|e| e.context("signature manifest")))
            .transpose()?;
        let location = signature_manifest
            .as_ref()
            .map(|m| format!("signature manifest {}", m.digest()));
        let payloads = PayloadBlobs::from_blobs(payload_blobs.iter().map(|b| b.to_vec()));
        self.judge(
            Evidence {
                subject: Subject {
                    reference: reference.to_owned(),
                    digest: subject_manifest.digest().clone(),
                    platform: None,
                    index_digest: None,
                },
                subject_manifest: &subject_manifest,
                signatures: signature_manifest.as_ref().zip(location.as_deref()),
                referrers: ReferrerEvidence::default(),
                index: None,
                payloads: &payloads,
                insecure_transport: false,
            },
            Wanted::Signatures,
            None,
        )
    }

    /// Judges `evidence`; `scope` is the trust policy scope notation signatures are judged under
    /// (`registry/repository`), when there is one.
    fn judge(&self, evidence: Evidence<'_>, wanted: Wanted<'_>, scope: Option<&str>) -> Result<Verdict> {
        let Evidence {
            subject,
            subject_manifest,
            signatures,
            referrers,
            index,
            payloads,
            insecure_transport,
        } = evidence;
        let time = self.verification_time.unwrap_or_else(SystemTime::now);
        if let (Wanted::Signatures, Some(statement)) = (wanted, self.notation_skips(scope, subject_manifest)?) {
            return Ok(Verdict {
                subject,
                trusted: true,
                verified_through_index: None,
                signatures: Vec::new(),
                insecure: self.insecure_options(insecure_transport),
                trust_material: Vec::new(),
                skipped_by_policy: Some(statement),
                notation_scope: self.judged_notation_scope(scope),
                verification_time: unix_seconds(time),
            });
        }
        let on_subject = Judged {
            manifest: subject_manifest,
            scope,
            time,
        };
        let mut reports = self.cached_reports(&on_subject, signatures, &referrers, payloads, wanted)?;
        let mut verified_through_index = None;
        // An index signature vouches for the manifests it lists; an index attestation speaks for
        // the index alone, so attestations are never looked for there.
        if let (Some(index), false, Wanted::Signatures) = (
            index,
            reports.iter().any(|r| r.verified) || self.require_platform_signature,
            wanted,
        ) {
            // The platform manifest was selected from these index bytes, so an index signature
            // covers it; checked again here so no change to discovery can break that link.
            if !index.lists(&subject.digest)? {
                return Err(Error::new(
                    ErrorCode::Internal,
                    format!("{} is not listed in index {}", subject.digest, index.index.digest()),
                ));
            }
            let on_index = Judged {
                manifest: index.index,
                ..on_subject
            };
            let index_reports = self.cached_reports(&on_index, index.signatures, &index.referrers, payloads, wanted)?;
            if index_reports.iter().any(|r| r.verified) {
                verified_through_index = Some(index.index.digest().clone());
            }
            reports.extend(index_reports);
        }
        Ok(Verdict {
            subject,
            trusted: reports.iter().any(|s| s.verified),
            verified_through_index,
            signatures: reports,
            insecure: self.insecure_options(insecure_transport),
            trust_material: self.trust_material(),
            skipped_by_policy: None,
            notation_scope: self.judged_notation_scope(scope),
            verification_time: unix_seconds(time),
        })
    }

    /// The scope notation signatures were judged under, for the verdict: only when a notation
    /// policy is among the authorities.
    fn judged_notation_scope(&self, scope: Option<&str>) -> Option<String> {
        let judges_notation = self.authorities.iter().any(|a| matches!(a, Authority::Notation(_)));
        scope.filter(|_| judges_notation).map(str::to_owned)
    }

    /// The trust policy statement that makes notation skip verifying `manifest` (level `skip`),
    /// described for the verdict. A subject no statement applies to is an error when the verifier
    /// trusts nothing but notation policies (notation refuses such an artifact outright).
    fn notation_skips(&self, scope: Option<&str>, manifest: &Manifest) -> Result<Option<String>> {
        let Some(scope) = scope else {
            return Ok(None);
        };
        let reference = format!("{scope}@{}", manifest.digest());
        let subject = notation_subject(&reference, manifest);
        let only_notation = self.authorities.iter().all(|a| matches!(a, Authority::Notation(_)));
        for authority in &self.authorities {
            let Authority::Notation(trust) = authority else {
                continue;
            };
            match trust.skips(&subject) {
                Ok(Some(statement)) => {
                    return Ok(Some(format!(
                        "notation trust policy statement {statement:?} skips signature verification for {reference}"
                    )))
                }
                Ok(None) => {}
                Err(e) if only_notation => return Err(e),
                Err(_) => {}
            }
        }
        Ok(None)
    }

    /// [`Verifier::reports`], from the fact cache when this verifier has one and its authority is
    /// fingerprinted. The key covers everything the reports depend on (see [`crate::fact_cache`]);
    /// reports made from evidence that could not all be read are not kept.
    fn cached_reports(
        &self,
        judged: &Judged<'_>,
        signatures: Option<(&Manifest, &str)>,
        referrers: &ReferrerEvidence<'_>,
        payloads: &PayloadBlobs,
        wanted: Wanted<'_>,
    ) -> Result<Vec<SignatureReport>> {
        let verify = || self.reports(judged, signatures, referrers, payloads, wanted);
        let (Some(cache), Some(fingerprint)) = (&self.facts, &self.authorities_fingerprint) else {
            return verify();
        };
        let mut parts: Vec<Vec<u8>> = vec![
            fingerprint.as_str().into(),
            match wanted {
                Wanted::Signatures => "signatures".into(),
                Wanted::Attestations(predicate_type) => format!("attestations {predicate_type}").into(),
            },
            judged.manifest.digest().as_str().into(),
            judged.scope.unwrap_or("no scope").into(),
            match self.verification_time {
                Some(time) => format!("at {}", unix_seconds(time)).into(),
                None => "now".into(),
            },
            format!(
                "annotations {:?} tlog ignored {} sct ignored {} key root given {}",
                self.requirements.annotations,
                self.requirements.insecure_ignore_tlog,
                self.requirements.insecure_ignore_sct,
                self.requirements.key_trusted_root.is_some()
            )
            .into(),
            format!(
                "notation metadata {:?} plugin config {:?} revocation {} plugins {} at most {}",
                self.notation_requirements.user_metadata,
                self.notation_requirements.plugin_config,
                self.notation_requirements.revocation.is_some(),
                self.notation_requirements.plugins.is_some(),
                self.notation_max_signatures
            )
            .into(),
        ];
        parts.push(match signatures {
            Some((manifest, location)) => format!("tag scheme {} at {location}", manifest.digest()).into(),
            None => "no tag scheme".into(),
        });
        let mut complete = !payloads.has_unavailable();
        for (location, bytes) in &referrers.bundles {
            parts.push(format!("bundle at {location}").into());
            match bytes {
                Ok(bytes) => parts.push(Digest::sha256(bytes).as_str().into()),
                Err(_) => complete = false,
            }
        }
        for signature in &referrers.notation_signatures {
            parts.push(format!("notation signature at {}", signature.location).into());
            match &signature.envelope {
                Ok(envelope) => {
                    parts.push(envelope.media_type.into());
                    parts.push(Digest::sha256(envelope.bytes).as_str().into());
                    parts.push(signature.chain_thumbprints.join(",").into());
                }
                Err(_) => complete = false,
            }
        }
        let key = FactKey::over(parts.iter().map(Vec::as_slice));
        cache.reports(&key, complete, verify)
    }

    /// One report per signature layer of the tag-scheme `signatures` on the manifest `judged`, then
    /// one per bundle and notation signature among its `referrers`.
    fn reports(
        &self,
        judged: &Judged<'_>,
        signatures: Option<(&Manifest, &str)>,
        referrers: &ReferrerEvidence<'_>,
        payloads: &PayloadBlobs,
        wanted: Wanted<'_>,
    ) -> Result<Vec<SignatureReport>> {
        let (authorities, requirements) = (&self.authorities, &self.requirements);
        let digest = judged.manifest.digest();
        let mut reports = match (signatures, wanted) {
            (Some((manifest, location)), Wanted::Signatures) => {
                verify_signature_manifest(digest, manifest, payloads, authorities, requirements, location)?
            }
            (Some((manifest, location)), Wanted::Attestations(predicate_type)) => verify_attestation_manifest(
                digest,
                manifest,
                payloads,
                authorities,
                requirements,
                predicate_type,
                location,
            )?,
            (None, _) => Vec::new(),
        };
        for (location, bytes) in &referrers.bundles {
            reports.push(match wanted {
                Wanted::Signatures => verify_bundle(digest, bytes.clone(), authorities, requirements, location)?,
                Wanted::Attestations(predicate_type) => verify_attestation_bundle(
                    digest,
                    bytes.clone(),
                    authorities,
                    requirements,
                    predicate_type,
                    location,
                )?,
            });
        }
        if let Wanted::Signatures = wanted {
            reports.extend(self.judge_notation_signatures(judged, &referrers.notation_signatures)?);
        }
        Ok(reports)
    }

    /// Judges the notation signatures of `judged`, in the order found. When there are more than
    /// [`Verifier::notation_max_signatures`], only that many are examined: first those whose
    /// manifest lists a certificate a notation trust store holds (a flood of junk referrers listed
    /// before a genuine signature does not use up the limit), then the rest in the order found;
    /// each signature past the limit is reported as not examined.
    fn judge_notation_signatures(
        &self,
        judged: &Judged<'_>,
        signatures: &[NotationEvidence<'_>],
    ) -> Result<Vec<SignatureReport>> {
        let mut order: Vec<&NotationEvidence<'_>> = signatures.iter().collect();
        if signatures.len() > self.notation_max_signatures {
            let held: std::collections::HashSet<String> = self
                .authorities
                .iter()
                .filter_map(|authority| match authority {
                    Authority::Notation(trust) => Some(trust.trust_store.thumbprints()),
                    _ => None,
                })
                .flatten()
                .collect();
            // A stable sort: vouched-for signatures first, each group in the order found.
            order.sort_by_key(|signature| !signature.chain_thumbprints.iter().any(|t| held.contains(t)));
        }
        let mut reports = Vec::with_capacity(signatures.len());
        for (examined, signature) in order.into_iter().enumerate() {
            reports.push(if examined < self.notation_max_signatures {
                self.judge_notation(judged, signature)?
            } else {
                unexamined_notation_signature(signature.location, self.notation_max_signatures)
            });
        }
        Ok(reports)
    }

    /// Judges one notation signature of the manifest `judged` under the notation authorities.
    fn judge_notation(&self, judged: &Judged<'_>, signature: &NotationEvidence<'_>) -> Result<SignatureReport> {
        let location = signature.location;
        let envelope: NotationEnvelope<'_> = match &signature.envelope {
            Ok(envelope) => *envelope,
            Err(e) => {
                return Ok(refused_notation_signature(
                    location,
                    CheckName::Integrity,
                    format!("the signature could not be read: {}", e.message()),
                ))
            }
        };
        let reference = judged
            .scope
            .map(|scope| format!("{scope}@{}", judged.manifest.digest()));
        let subject = reference.as_deref().map(|r| notation_subject(r, judged.manifest));
        judge_under(&self.authorities, |authority| match (authority, &subject) {
            (Authority::Notation(trust), Some(subject)) => {
                trust.judge(subject, envelope, &self.notation_requirements, judged.time, location)
            }
            (Authority::Notation(_), None) => refused_notation_signature(
                location,
                CheckName::Authenticity,
                "a notation signature in an OCI layout is judged under a trust policy scope: give one (notation verify --scope)".to_owned(),
            ),
            (other, _) => refused_notation_signature(
                location,
                CheckName::Authenticity,
                format!("{} does not judge notation signatures", other.name()),
            ),
        })
        .ok_or_else(no_authority)
    }
}

/// A manifest being judged, with what notation signatures of it are judged under.
#[derive(Clone, Copy)]
struct Judged<'a> {
    manifest: &'a Manifest,
    /// The trust policy scope (`registry/repository`), when there is one.
    scope: Option<&'a str>,
    time: SystemTime,
}

/// The notation view of `manifest`, named `reference` (`scope@digest`).
fn notation_subject<'a>(reference: &'a str, manifest: &'a Manifest) -> NotationSubject<'a> {
    NotationSubject {
        reference,
        media_type: manifest.media_type(),
        digest: manifest.digest().as_str(),
        size: manifest.bytes().len() as u64,
    }
}

/// The error for a platform manifest without attestations of its own, selected from an index:
/// what the index carries (counted, not verified: it is not about this manifest) is named, not
/// transferred.
fn index_attestations_are_not_the_platforms(subject: &Subject, index: &IndexEvidence<'_>) -> Result<Error> {
    let layers = match index.signatures {
        Some((manifest, _)) => signature_layers(manifest)?.len(),
        None => 0,
    };
    let on_index = layers + index.referrers.bundles.len();
    let platform = subject.platform.as_deref().unwrap_or("the selected platform");
    let message = if on_index == 0 {
        format!(
            "no attestations found for {} ({platform}), nor on its index {}",
            subject.digest,
            index.index.digest()
        )
    } else {
        format!(
            "no attestations found for {} ({platform}); its index {} has {on_index}, which attest the index, not this platform's manifest (attestations are not transferred through an index)",
            subject.digest,
            index.index.digest()
        )
    };
    Ok(Error::new(ErrorCode::NoSignatures, message))
}

/// Payload blobs handed in by a caller are bounded like blobs read from storage.
fn check_blob_limits(payload_blobs: &[&[u8]]) -> Result<()> {
    if payload_blobs.len() > SIGNATURE_LAYERS_MAX {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!(
                "{} payload blobs given, limit is {SIGNATURE_LAYERS_MAX} (one per signature layer)",
                payload_blobs.len()
            ),
        ));
    }
    match payload_blobs
        .iter()
        .position(|b| b.len() as u64 > SIGNATURE_BLOB_SIZE_MAX)
    {
        Some(i) => Err(Error::new(
            ErrorCode::LimitExceeded,
            format!(
                "payload blob {i} is {} bytes, limit is {SIGNATURE_BLOB_SIZE_MAX}",
                payload_blobs[i].len()
            ),
        )),
        None => Ok(()),
    }
}
