//! `RegistryClient`: manifests and blobs from OCI registries, every byte checked against its digest.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ocitrust_core::cosign::tag_schema_tag;
use ocitrust_core::oci::{media_types, Manifest};
use ocitrust_core::{Digest, Error, ErrorCode, Reference, Result};
use reqwest::header::LOCATION;
use reqwest::{Method, StatusCode, Url};

use super::auth::credentials_for;
use super::blocking::BlockingRuntime;
use super::content_cache::ContentCache;
use super::endpoint::Endpoint;
use super::options::RegistryOptions;
use super::tls::TlsSettings;
use super::transport::{Call, Fetched, Transport};
use crate::limits::{ReadBudget, MANIFEST_SIZE_MAX};

/// How long one operation (a verification, a signing) may take in all unless the options say
/// otherwise: cosign's default `--timeout`.
pub const OPERATION_TIMEOUT_DEFAULT: Duration = Duration::from_secs(180);

/// The media types asked for when fetching a manifest: OCI and Docker, images and indexes.
const MANIFEST_ACCEPT: &[&str] = &[
    media_types::OCI_MANIFEST,
    media_types::OCI_INDEX,
    media_types::DOCKER_MANIFEST,
    media_types::DOCKER_MANIFEST_LIST,
];

/// Largest referrers page read.
const REFERRERS_PAGE_SIZE_MAX: u64 = 4 * 1024 * 1024;
/// Pages of referrers followed through `Link: <…>; rel="next"`.
pub const REFERRER_PAGES_MAX: usize = 16;
/// Referrers collected for one subject.
pub const REFERRERS_MAX: usize = 4096;

/// Something attached to a subject through the OCI 1.1 referrers API (or its tag-schema fallback).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Referrer {
    /// The referrer manifest's digest.
    pub digest: Digest,
    /// Its media type.
    pub media_type: String,
    /// Its artifact type (e.g. `application/vnd.dev.sigstore.bundle.v0.3+json`,
    /// `application/vnd.cncf.notary.signature`), when the registry reports one.
    pub artifact_type: Option<String>,
    /// Its size in bytes.
    pub size: u64,
}

/// Where a list of referrers came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReferrersSource {
    /// The registry's `/v2/<name>/referrers/<digest>` API.
    Api,
    /// The referrers tag schema (`sha256-<hex>` index), used only because the API answered 404.
    TagSchema,
}

/// Largest answer read from an upload or a manifest PUT (registries answer with a short JSON or nothing).
const UPLOAD_ANSWER_SIZE_MAX: u64 = 64 * 1024;

fn push_failed(what: &str, answer: &Fetched) -> Error {
    let detail = String::from_utf8_lossy(&answer.body[..answer.body.len().min(512)]).into_owned();
    Error::new(
        ErrorCode::Network,
        format!("{what}: {} {}", answer.status, detail.trim()),
    )
}

/// A client for OCI registries with a blocking interface; it runs its own single-threaded async
/// runtime, and may be called (and dropped) from inside another tokio runtime's task, which it then
/// blocks while the request runs on a thread of its own.
///
/// A client made by [`RegistryClient::new`] bounds each request (size, time, redirects, retries);
/// [`RegistryClient::bounded`] gives a view of it, sharing connections and tokens, whose requests
/// together also stay within one deadline and one read budget: what one verification uses.
#[derive(Clone)]
pub struct RegistryClient {
    shared: Arc<Shared>,
    /// When the operation must end, and how long it was given.
    deadline: Option<(Instant, Duration)>,
    budget: Option<Arc<ReadBudget>>,
}

struct Shared {
    runtime: BlockingRuntime,
    options: RegistryOptions,
    tls: TlsSettings,
    transports: Mutex<HashMap<String, Arc<Transport>>>,
    /// Registries whose referrers API answered 404: a registry that has the API never does, so
    /// later listings go straight to the tag schema.
    without_referrers_api: Mutex<HashSet<String>>,
    /// Manifests fetched by digest, and blobs.
    content: ContentCache,
}

impl std::fmt::Debug for RegistryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryClient")
            .field("options", &self.shared.options)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl RegistryClient {
    /// A client reaching registries as `options` say. The TLS files it names are read here.
    pub fn new(options: RegistryOptions) -> Result<Self> {
        let runtime = BlockingRuntime::new()?;
        let tls = TlsSettings::from_options(&options)?;
        Ok(RegistryClient {
            shared: Arc::new(Shared {
                runtime,
                options,
                tls,
                transports: Mutex::new(HashMap::new()),
                without_referrers_api: Mutex::new(HashSet::new()),
                content: ContentCache::new(),
            }),
            deadline: None,
            budget: None,
        })
    }

    /// This client (its connections, tokens and settings shared) for one operation: every request
    /// made through the view ends within `limit` from now (a request gets what is left of it), and
    /// the bytes of all their answers count against `budget`.
    pub fn bounded(&self, limit: Duration, budget: Arc<ReadBudget>) -> RegistryClient {
        RegistryClient {
            shared: self.shared.clone(),
            deadline: Some((Instant::now() + limit, limit)),
            budget: Some(budget),
        }
    }

    /// A view of this client bounded by the options' timeout and a fresh default budget.
    pub fn bounded_by_options(&self) -> RegistryClient {
        self.bounded(self.timeout(), Arc::default())
    }

    /// How long one operation may take in all: the options' timeout, or OPERATION_TIMEOUT_DEFAULT.
    pub fn timeout(&self) -> Duration {
        self.shared.options.timeout.unwrap_or(OPERATION_TIMEOUT_DEFAULT)
    }

    /// Whether this view's read budget is spent: nothing more can be fetched through it.
    pub fn budget_is_spent(&self) -> bool {
        self.budget.as_ref().is_some_and(|b| b.is_spent())
    }

    /// The options this client was made with.
    pub fn options(&self) -> &RegistryOptions {
        &self.shared.options
    }

    fn transport(&self, registry: &str) -> Result<Arc<Transport>> {
        let mut transports = self.shared.transports.lock().expect("transport lock");
        if let Some(t) = transports.get(registry) {
            return Ok(t.clone());
        }
        let endpoint = Endpoint::for_registry(registry, &self.shared.options)?;
        let transport = Arc::new(Transport::new(
            endpoint,
            credentials_for(registry, &self.shared.options)?,
            self.timeout(),
            &self.shared.tls,
        )?);
        transports.insert(registry.to_owned(), transport.clone());
        Ok(transport)
    }

    /// Runs one request, cut off at the deadline, and charges its answer to the budget.
    async fn within_limits(&self, what: &str, request: impl Future<Output = Result<Fetched>>) -> Result<Fetched> {
        let fetched = match self.deadline {
            None => request.await?,
            Some((deadline, limit)) => tokio::time::timeout_at(deadline.into(), request).await.map_err(|_| {
                Error::new(
                    ErrorCode::Timeout,
                    format!(
                        "{what}: the operation's time limit of {:.1} s ran out (--timeout)",
                        limit.as_secs_f64()
                    ),
                )
            })??,
        };
        if let Some(budget) = &self.budget {
            budget.charge(fetched.body.len() as u64, what)?;
        }
        Ok(fetched)
    }

    fn send(
        &self,
        registry: &str,
        repository: &str,
        url: Option<String>,
        path: &str,
        call: Call<'_>,
    ) -> Result<Fetched> {
        let transport = self.transport(registry)?;
        let scope = format!("repository:{repository}:pull,push");
        let url = url.unwrap_or_else(|| transport.url(path));
        self.shared
            .runtime
            .block_on(self.within_limits(&url, transport.send(&url, call, &scope)))
    }

    /// Uploads `bytes` as a blob to `registry/repository` (unless the registry already has it) and
    /// returns its digest: POST for an upload session, then PUT with the digest.
    pub fn push_blob(&self, registry: &str, repository: &str, bytes: &[u8]) -> Result<Digest> {
        let digest = Digest::sha256(bytes);
        let head = Call {
            method: &Method::HEAD,
            accept: &["*/*"],
            body: None,
            size_max: 0,
        };
        let exists = self.send(
            registry,
            repository,
            None,
            &format!("/v2/{repository}/blobs/{digest}"),
            head,
        )?;
        if exists.status.is_success() {
            return Ok(digest);
        }
        let start = Call {
            method: &Method::POST,
            accept: &["*/*"],
            body: Some(("application/octet-stream", &[])),
            size_max: UPLOAD_ANSWER_SIZE_MAX,
        };
        let session = self.send(
            registry,
            repository,
            None,
            &format!("/v2/{repository}/blobs/uploads/"),
            start,
        )?;
        if session.status != StatusCode::ACCEPTED {
            return Err(push_failed(&format!("starting the upload of blob {digest}"), &session));
        }
        let location = session
            .headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::Network,
                    format!("upload of blob {digest}: 202 without a Location"),
                )
            })?;
        let base = Url::parse(&self.transport(registry)?.url("/"))
            .map_err(|e| Error::new(ErrorCode::Internal, format!("registry URL: {e}")))?;
        let mut upload = base.join(location).map_err(|e| {
            Error::new(
                ErrorCode::Network,
                format!("upload of blob {digest}: bad Location {location:?}: {e}"),
            )
        })?;
        upload.query_pairs_mut().append_pair("digest", digest.as_str());
        let put = Call {
            method: &Method::PUT,
            accept: &["*/*"],
            body: Some(("application/octet-stream", bytes)),
            size_max: UPLOAD_ANSWER_SIZE_MAX,
        };
        let done = self.send(registry, repository, Some(upload.to_string()), "", put)?;
        if done.status != StatusCode::CREATED {
            return Err(push_failed(&format!("uploading blob {digest}"), &done));
        }
        Ok(digest)
    }

    /// Stores `bytes` (of `media_type`) as the manifest tagged `reference`'s tag; returns its digest.
    pub fn push_manifest(&self, reference: &Reference, media_type: &str, bytes: &[u8]) -> Result<Digest> {
        let tag = reference.tag().ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidArgument,
                format!("{reference}: pushing a manifest needs a tag"),
            )
        })?;
        let digest = Digest::sha256(bytes);
        let put = Call {
            method: &Method::PUT,
            accept: &["*/*"],
            body: Some((media_type, bytes)),
            size_max: UPLOAD_ANSWER_SIZE_MAX,
        };
        let path = format!("/v2/{}/manifests/{tag}", reference.repository());
        let done = self.send(reference.registry(), reference.repository(), None, &path, put)?;
        if done.status != StatusCode::CREATED {
            return Err(push_failed(&format!("storing manifest {reference}"), &done));
        }
        Ok(digest)
    }

    /// Stores `manifest` (an OCI image manifest with a `subject` and an `artifactType`) in
    /// `repository` by its digest, as a referrer of `subject`: a registry with the referrers API
    /// says so (`OCI-Subject`) and lists it; otherwise it is added to the referrers tag schema index
    /// (`sha256-<hex>`), read and written back as the OCI spec says clients must. Returns the
    /// manifest's digest.
    pub fn push_referrer(&self, repository: &Reference, subject: &Digest, manifest: &[u8]) -> Result<Digest> {
        let digest = Digest::sha256(manifest);
        let parsed = Manifest::from_bytes(manifest.to_vec(), Some(&digest))?;
        let annotations: serde_json::Value = serde_json::from_slice::<serde_json::Value>(manifest)
            .ok()
            .and_then(|m| m.get("annotations").cloned())
            .unwrap_or_default();
        let put = Call {
            method: &Method::PUT,
            accept: &["*/*"],
            body: Some((media_types::OCI_MANIFEST, manifest)),
            size_max: UPLOAD_ANSWER_SIZE_MAX,
        };
        let path = format!("/v2/{}/manifests/{digest}", repository.repository());
        let done = self.send(repository.registry(), repository.repository(), None, &path, put)?;
        if done.status != StatusCode::CREATED {
            return Err(push_failed(
                &format!("storing referrer {digest} in {repository}"),
                &done,
            ));
        }
        if done.headers.contains_key("oci-subject") {
            return Ok(digest);
        }
        let schema_tag = repository.with_tag(&tag_schema_tag(subject))?;
        let mut index = match self.manifest(&schema_tag)? {
            Some(existing) => serde_json::from_slice::<serde_json::Value>(existing.bytes()).map_err(|e| {
                Error::new(
                    ErrorCode::InvalidManifest,
                    format!("{schema_tag}: the referrers index is not JSON: {e}"),
                )
            })?,
            None => serde_json::json!({"schemaVersion": 2, "mediaType": media_types::OCI_INDEX, "manifests": []}),
        };
        let manifests = index
            .get_mut("manifests")
            .and_then(serde_json::Value::as_array_mut)
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::InvalidManifest,
                    format!("{schema_tag}: the referrers index lists no manifests"),
                )
            })?;
        if !manifests.iter().any(|m| m["digest"] == digest.as_str()) {
            manifests.push(serde_json::json!({
                "mediaType": media_types::OCI_MANIFEST,
                "size": manifest.len(),
                "digest": digest.as_str(),
                "artifactType": parsed.artifact_type(),
                "annotations": annotations,
            }));
        }
        let bytes = serde_json::to_vec(&index)
            .map_err(|e| Error::new(ErrorCode::Internal, format!("encoding the referrers index: {e}")))?;
        self.push_manifest(&schema_tag, media_types::OCI_INDEX, &bytes)?;
        Ok(digest)
    }

    fn get(&self, registry: &str, repository: &str, path: String, accept: &[&str], size_max: u64) -> Result<Fetched> {
        self.shared
            .runtime
            .block_on(self.get_async(registry, repository, path, accept, size_max))
    }

    async fn get_async(
        &self,
        registry: &str,
        repository: &str,
        path: String,
        accept: &[&str],
        size_max: u64,
    ) -> Result<Fetched> {
        let transport = self.transport(registry)?;
        let scope = format!("repository:{repository}:pull");
        let what = format!("{registry}{path}");
        self.within_limits(&what, transport.get(&path, accept, &scope, size_max))
            .await
    }

    /// The manifest `reference` names. By digest: the bytes must hash to it. By tag: the digest is
    /// computed from the bytes; a `Docker-Content-Digest` header is compared with it, never trusted.
    /// `Ok(None)` when the registry says it does not exist.
    pub fn manifest(&self, reference: &Reference) -> Result<Option<Manifest>> {
        self.shared.runtime.block_on(self.fetch_manifest(reference))
    }

    /// The manifest `reference` names, which must exist: `NotFound` when the registry lacks it.
    pub fn existing_manifest(&self, reference: &Reference) -> Result<Manifest> {
        self.manifest(reference)?.ok_or_else(|| missing_manifest(reference))
    }

    /// Two manifests fetched at the same time (e.g. an image by digest and its signature manifest,
    /// whose tag the digest already gives), each as [`RegistryClient::manifest`].
    pub fn manifest_pair(&self, a: &Reference, b: &Reference) -> (Result<Option<Manifest>>, Result<Option<Manifest>>) {
        self.shared
            .runtime
            .block_on(async { tokio::join!(self.fetch_manifest(a), self.fetch_manifest(b)) })
    }

    async fn fetch_manifest(&self, reference: &Reference) -> Result<Option<Manifest>> {
        let (selector, expected) = match (reference.digest(), reference.tag()) {
            (Some(digest), _) => (digest.to_string(), Some(digest)),
            (None, Some(tag)) => (tag.to_owned(), None),
            (None, None) => ("latest".to_owned(), None),
        };
        let content = &self.shared.content;
        if let Some(digest) = expected {
            if let Some(bytes) = content.get(reference.registry(), reference.repository(), digest) {
                return Manifest::from_bytes(bytes, Some(digest)).map(Some);
            }
        }
        let path = format!("/v2/{}/manifests/{selector}", reference.repository());
        let what = format!("{}:{selector}", reference.name());
        let fetched = self
            .get_async(
                reference.registry(),
                reference.repository(),
                path,
                MANIFEST_ACCEPT,
                MANIFEST_SIZE_MAX,
            )
            .await?;
        if fetched.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !fetched.status.is_success() {
            return Err(Error::new(
                ErrorCode::Network,
                format!("fetching manifest {what}: {}", fetched.status),
            ));
        }
        let header_digest = fetched
            .headers
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let manifest =
            Manifest::from_bytes(fetched.body, expected).map_err(|e| e.context(format!("manifest {what}")))?;
        if let Some(header) = header_digest {
            let claimed = Digest::parse(header.trim())
                .map_err(|e| e.context(format!("manifest {what}: Docker-Content-Digest header")))?;
            let actual = Digest::compute(claimed.algorithm(), manifest.bytes());
            if actual != claimed {
                return Err(Error::new(
                    ErrorCode::DigestMismatch,
                    format!("manifest {what}: the registry says its digest is {claimed}, its bytes hash to {actual}"),
                ));
            }
        }
        if let Some(digest) = expected {
            content.put(reference.registry(), reference.repository(), digest, manifest.bytes());
        }
        Ok(Some(manifest))
    }

    /// Everything that refers to `subject` in `repository`'s repository, optionally only of
    /// `artifact_type`: the OCI 1.1 referrers API, following `Link` pages (at most
    /// REFERRER_PAGES_MAX), falling back to the referrers tag schema only when the API answers 404
    /// (remembered per registry: the spec forbids a 404 from a registry that has the API).
    /// Any other failure is an error, never an empty list.
    pub fn referrers(
        &self,
        repository: &Reference,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<(Vec<Referrer>, ReferrersSource)> {
        let (registry, repo) = (repository.registry(), repository.repository());
        if self.lacks_referrers_api(registry) {
            return self.referrers_by_tag_schema(repository, subject, artifact_type);
        }
        let mut path = format!("/v2/{repo}/referrers/{subject}");
        if let Some(t) = artifact_type {
            path.push_str(&format!("?artifactType={}", percent_encode(t)));
        }
        let mut referrers = Vec::new();
        for page in 0.. {
            if page == REFERRER_PAGES_MAX {
                return Err(Error::new(
                    ErrorCode::LimitExceeded,
                    format!("referrers of {subject}: more than {REFERRER_PAGES_MAX} pages"),
                ));
            }
            let fetched = self.get(
                registry,
                repo,
                path.clone(),
                &[media_types::OCI_INDEX],
                REFERRERS_PAGE_SIZE_MAX,
            )?;
            if fetched.status == StatusCode::NOT_FOUND && page == 0 {
                if let Ok(mut without) = self.shared.without_referrers_api.lock() {
                    without.insert(registry.to_owned());
                }
                return self.referrers_by_tag_schema(repository, subject, artifact_type);
            }
            if !fetched.status.is_success() {
                return Err(Error::new(
                    ErrorCode::Network,
                    format!(
                        "listing referrers of {subject} in {registry}/{repo}: {}",
                        fetched.status
                    ),
                ));
            }
            referrers.extend(parse_referrers(&fetched.body, subject, artifact_type)?);
            if referrers.len() > REFERRERS_MAX {
                return Err(Error::new(
                    ErrorCode::LimitExceeded,
                    format!("referrers of {subject}: more than {REFERRERS_MAX}"),
                ));
            }
            match next_link(&fetched.headers) {
                Some(next) => path = next,
                None => break,
            }
        }
        Ok((referrers, ReferrersSource::Api))
    }

    fn lacks_referrers_api(&self, registry: &str) -> bool {
        self.shared
            .without_referrers_api
            .lock()
            .is_ok_and(|without| without.contains(registry))
    }

    fn referrers_by_tag_schema(
        &self,
        repository: &Reference,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<(Vec<Referrer>, ReferrersSource)> {
        let tag = tag_schema_tag(subject);
        let referrers = match self.manifest(&repository.with_tag(&tag)?)? {
            Some(index) => parse_referrers(index.bytes(), subject, artifact_type)?,
            None => Vec::new(),
        };
        Ok((referrers, ReferrersSource::TagSchema))
    }

    /// The blob `digest` of `size` bytes from `registry/repository`, read only if `size` is within
    /// `size_max`; its length and digest must match.
    pub fn blob(&self, registry: &str, repository: &str, digest: &Digest, size: u64, size_max: u64) -> Result<Vec<u8>> {
        if size > size_max {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!("blob {digest} is declared as {size} bytes, limit is {size_max}"),
            ));
        }
        if let Some(bytes) = self.shared.content.get(registry, repository, digest) {
            // Kept because it matched its digest; the descriptor must still give its length.
            return match bytes.len() as u64 == size {
                true => Ok(bytes),
                false => Err(blob_length_mismatch(digest, bytes.len(), size)),
            };
        }
        let path = format!("/v2/{repository}/blobs/{digest}");
        let fetched = self.get(registry, repository, path, &["*/*"], size)?;
        if fetched.status == StatusCode::NOT_FOUND {
            return Err(Error::new(
                ErrorCode::NotFound,
                format!("blob {digest} not found in {registry}/{repository}"),
            ));
        }
        if !fetched.status.is_success() {
            return Err(Error::new(
                ErrorCode::Network,
                format!("fetching blob {digest}: {}", fetched.status),
            ));
        }
        if fetched.body.len() as u64 != size {
            return Err(blob_length_mismatch(digest, fetched.body.len(), size));
        }
        digest
            .verify(&fetched.body)
            .map_err(|e| e.context(format!("blob {digest}")))?;
        self.shared.content.put(registry, repository, digest, &fetched.body);
        Ok(fetched.body)
    }
}

fn blob_length_mismatch(digest: &Digest, received: usize, size: u64) -> Error {
    Error::new(
        ErrorCode::DigestMismatch,
        format!("blob {digest}: {received} bytes received, the descriptor says {size}"),
    )
}

/// The descriptors of a referrers index, filtered by `artifact_type` (registries may ignore the filter).
/// The error for a manifest the registry does not have.
pub(crate) fn missing_manifest(reference: &Reference) -> Error {
    Error::new(
        ErrorCode::NotFound,
        format!("{reference}: no such manifest in the registry"),
    )
}

fn parse_referrers(bytes: &[u8], subject: &Digest, artifact_type: Option<&str>) -> Result<Vec<Referrer>> {
    #[derive(serde::Deserialize)]
    struct Index {
        #[serde(default)]
        manifests: Vec<Descriptor>,
    }
    #[derive(serde::Deserialize)]
    struct Descriptor {
        #[serde(rename = "mediaType")]
        media_type: String,
        digest: String,
        size: u64,
        #[serde(default, rename = "artifactType")]
        artifact_type: Option<String>,
    }
    let index: Index = serde_json::from_slice(bytes).map_err(|e| {
        Error::new(
            ErrorCode::InvalidManifest,
            format!("referrers of {subject}: not an image index: {e}"),
        )
    })?;
    index
        .manifests
        .into_iter()
        .filter(|d| artifact_type.is_none() || d.artifact_type.as_deref() == artifact_type)
        .map(|d| {
            Ok(Referrer {
                digest: Digest::parse(&d.digest).map_err(|e| e.context(format!("referrers of {subject}")))?,
                media_type: d.media_type,
                artifact_type: d.artifact_type,
                size: d.size,
            })
        })
        .collect()
}

/// The target of a `Link: <…>; rel="next"` header, as a path on the same registry.
fn next_link(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|value| {
            value.split(',').find_map(|link| {
                let (target, params) = link.split_once(';')?;
                let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
                let is_next = params
                    .split(';')
                    .any(|p| p.trim().replace(' ', "") == "rel=\"next\"" || p.trim() == "rel=next");
                // Only paths on the same registry are followed.
                (is_next && target.starts_with("/v2/")).then(|| target.to_owned())
            })
        })
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
