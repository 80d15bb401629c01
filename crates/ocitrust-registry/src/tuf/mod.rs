//! The Sigstore trusted root kept current through TUF, as `cosign initialize` and sigstore-go keep
//! theirs: the repository's metadata is updated and verified by `tough` (the TUF client AWS
//! maintains), which holds every rule of the specification — signature thresholds per role, the
//! root rotation chain (N+1 signed by N's threshold and its own), versions that never go back,
//! expired metadata refused, targets checked by length and hashes, timestamp and snapshot
//! metadata forgotten when their keys rotate (fast-forward recovery), bounded sizes
//! ([`TUF_LIMITS`]).
//!
//! What it verified is kept in a cache, one directory per mirror:
//! `$XDG_CACHE_HOME/ocitrust/tuf/<first 32 hex digits of SHA-256(mirror URL)>/` (owner-only), holding
//! `mirror` (its URL), the metadata (`root.json`, `timestamp.json`, `snapshot.json`,
//! `targets.json`, delegated roles) and `targets/trusted_root.json` (and `.verify/`, tough's record of
//! what the last checks of the cache saw); `tuf/current` names the mirror
//! `initialize` last set up. Every file is written whole and renamed into place, read only if it is
//! a regular file, and bounded. The cache is verified again by tough whenever it is used
//! ([`cached_transport`]), so a file changed on disk is refused, not trusted; once its metadata
//! has expired, it is refreshed from the mirror, and if that fails the error says so: an expired
//! cache is never used.

mod cached_transport;
mod mirror_transport;

use std::collections::HashMap;
use std::fs;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

pub use ocitrust_core::sigstore::TufVersions;
use ocitrust_core::{Digest, Error, ErrorCode, Result};
use tough::{ExpirationEnforcement, Limits, Repository, RepositoryLoader, TargetName};
use url::Url;

use crate::file::{create_private_dir, io_error, read_kept_file, replace_private_file};
use cached_transport::{split_version, CachedTransport, METADATA_BASE, TARGETS_BASE};
use mirror_transport::MirrorTransport;

/// Sigstore's public-good TUF mirror (cosign's default).
pub const PUBLIC_GOOD_MIRROR: &str = "https://tuf-repo-cdn.sigstore.dev";
/// The public-good repository's root metadata ocitrust starts from (version 15; the chain of
/// newer roots is walked from it).
pub const PUBLIC_GOOD_ROOT: &[u8] = include_bytes!("sigstore-public-good.root.json");
/// The target that holds the Sigstore trusted root.
pub const TRUSTED_ROOT_TARGET: &str = "trusted_root.json";
/// The largest `trusted_root.json` target fetched (the core's own limit on a trusted root).
const TRUSTED_ROOT_TARGET_SIZE_MAX: u64 = ocitrust_core::sigstore::TRUSTED_ROOT_SIZE_MAX as u64;
/// Sizes of TUF metadata refused past these bounds (an endless-data attack ends there), and the
/// most root versions walked in one update.
pub const TUF_LIMITS: Limits = Limits {
    max_root_size: 512 * 1024,
    max_targets_size: 4 * 1024 * 1024,
    max_timestamp_size: 64 * 1024,
    max_snapshot_size: 1024 * 1024,
    max_root_updates: 64,
};
/// Files in one mirror's cache directory read at most (metadata roles).
const CACHED_FILES_MAX: usize = 64;
/// The file naming the mirror `initialize` last set up.
const CURRENT_FILE: &str = "current";
/// Where tough keeps, in a mirror's cache directory, what the checks of the cache saw.
const VERIFY_DATASTORE: &str = ".verify";

/// A verified `trusted_root.json` from a TUF repository, and what it was verified with.
#[derive(Debug, Clone)]
pub struct TufTrustedRoot {
    /// The target's bytes, checked against its length and hashes.
    pub trusted_root: Vec<u8>,
    /// The mirror it came from.
    pub mirror: String,
    /// The versions of the root, timestamp, snapshot and targets metadata that vouched for it.
    pub versions: TufVersions,
    /// When the first of that metadata expires: past it, the cache is refreshed before use.
    pub expires: SystemTime,
}

/// One TUF mirror and its cache.
#[derive(Debug, Clone)]
pub struct TufClient {
    mirror: Url,
    base: PathBuf,
    dir: PathBuf,
}

impl TufClient {
    /// The mirror at `mirror` (http, https; a trailing `/` is implied), cached under `base`
    /// (normally [`default_cache_base`]).
    pub fn new(mirror: &str, base: &Path) -> Result<Self> {
        let mut url = Url::parse(mirror).map_err(|e| {
            Error::new(
                ErrorCode::InvalidArgument,
                format!("invalid TUF mirror {mirror:?}: {e}"),
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                format!("invalid TUF mirror {mirror:?}: expected an http:// or https:// URL"),
            ));
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                format!("invalid TUF mirror {mirror:?}: no credentials, query or fragment"),
            ));
        }
        if !url.path().ends_with('/') {
            url.set_path(&format!("{}/", url.path()));
        }
        let hash = Digest::sha256(url.as_str().as_bytes());
        let dir = base.join(&hash.hex()[..32]);
        Ok(TufClient {
            mirror: url,
            base: base.to_owned(),
            dir,
        })
    }

    /// The mirror's URL (with its trailing `/`).
    pub fn mirror(&self) -> &str {
        self.mirror.as_str()
    }

    /// The directory this mirror's cache is in.
    pub fn cache_dir(&self) -> &Path {
        &self.dir
    }

    /// Updates from the mirror (`ocitrust initialize`), trusting `initial_root` (a TUF root
    /// metadata file) to start from — or, when `None`, the newest root already in the cache, else
    /// [`PUBLIC_GOOD_ROOT`].
    pub fn initialize(&self, initial_root: Option<&[u8]>) -> Result<TufTrustedRoot> {
        let cached_root = match initial_root {
            Some(_) => None,
            None => self.read_cached("root.json", TUF_LIMITS.max_root_size).ok(),
        };
        self.update(initial_root.or(cached_root.as_deref()).unwrap_or(PUBLIC_GOOD_ROOT))
    }

    /// Makes this mirror the one verification uses by default ([`initialized_mirror`]).
    pub fn make_current(&self) -> Result<()> {
        replace_private_file(&self.base.join(CURRENT_FILE), self.mirror.as_str().as_bytes())
    }

    /// The trusted root as a library wants it: the cache's when it verifies and has not expired,
    /// else updated from the mirror (from the cache's newest root, or `initial_root` / the
    /// public-good root when there is no cache yet).
    pub fn trusted_root(&self, initial_root: Option<&[u8]>) -> Result<TufTrustedRoot> {
        match self.current() {
            Err(e) if e.code() == ErrorCode::NotFound => self.initialize(initial_root),
            other => other,
        }
    }

    /// The cached trusted root, verified again; refreshed from the mirror first when its metadata
    /// has expired (or the cache fails verification). An error when there is no cache (`NotFound`:
    /// run `initialize`), or when a needed refresh failed.
    pub fn current(&self) -> Result<TufTrustedRoot> {
        match self.cached() {
            Ok(cached) => Ok(cached),
            Err(e) if e.code() == ErrorCode::NotFound => Err(e),
            Err(stale) => self.refresh().map_err(|e| {
                e.context(format!(
                    "the TUF cache of {} cannot be used ({}), and refreshing it failed",
                    self.mirror,
                    stale.message()
                ))
            }),
        }
    }

    /// Updates the cache from the mirror, starting from the newest root in it.
    pub fn refresh(&self) -> Result<TufTrustedRoot> {
        let root = self.read_cached("root.json", TUF_LIMITS.max_root_size)?;
        self.update(&root)
    }

    /// The cached trusted root, verified by tough as if the cache were the mirror; `NotFound` when
    /// there is none, another error when it does not verify or has expired.
    pub fn cached(&self) -> Result<TufTrustedRoot> {
        let not_initialized = |e: Error| {
            if e.code() == ErrorCode::NotFound {
                Error::new(
                    ErrorCode::NotFound,
                    format!("no TUF cache for {} (run `ocitrust initialize`)", self.mirror),
                )
            } else {
                e
            }
        };
        let root = self
            .read_cached("root.json", TUF_LIMITS.max_root_size)
            .map_err(not_initialized)?;
        // Past the root, a missing file is a damaged cache (refreshed), not a missing one.
        let damaged = |e: Error| Error::new(ErrorCode::InvalidCertificate, e.message());
        let transport = CachedTransport {
            metadata: self.read_cached_metadata().map_err(damaged)?,
            targets: HashMap::from([(
                TRUSTED_ROOT_TARGET.to_owned(),
                self.read_cached(&target_file(), TRUSTED_ROOT_TARGET_SIZE_MAX)
                    .map_err(damaged)?,
            )]),
        };
        // tough's record of what it saw (versions, the latest time) for these checks is kept
        // between runs: made afresh each time, it costs more than the verification.
        let datastore = self.dir.join(VERIFY_DATASTORE);
        create_private_dir(&datastore)?;
        let loader = RepositoryLoader::new(
            &root,
            Url::parse(METADATA_BASE).expect("a constant URL"),
            Url::parse(TARGETS_BASE).expect("a constant URL"),
        )
        .transport(transport)
        .limits(TUF_LIMITS)
        .datastore(datastore)
        .expiration_enforcement(ExpirationEnforcement::Safe);
        block_on(async {
            let repository = loader.load().await.map_err(|e| tuf_error("the TUF cache", &e))?;
            self.trusted_root_of(&repository).await
        })
        .map_err(|e| e.context(format!("the TUF cache of {}", self.mirror)))
    }

    /// Updates from the mirror starting from `root`, with the cached timestamp, snapshot and
    /// targets metadata as the versions that may not go back; keeps the result in the cache.
    fn update(&self, root: &[u8]) -> Result<TufTrustedRoot> {
        create_private_dir(&self.dir)?;
        let datastore = tempfile::Builder::new()
            .prefix(".update-")
            .tempdir_in(&self.dir)
            .map_err(|e| io_error(&self.dir, e))?;
        for (name, bytes) in self.read_cached_metadata()? {
            if name != "root.json" {
                fs::write(datastore.path().join(&name), bytes).map_err(|e| io_error(datastore.path(), e))?;
            }
        }
        let targets = self.mirror.join("targets/").expect("a relative path joins");
        let transport = MirrorTransport::new(&self.mirror)?;
        let loader = RepositoryLoader::new(&root, self.mirror.clone(), targets)
            .transport(transport.clone())
            .limits(TUF_LIMITS)
            .datastore(datastore.path())
            .expiration_enforcement(ExpirationEnforcement::Safe);
        let updated = block_on(async {
            let repository = loader
                .load()
                .await
                .map_err(|e| tuf_error(&format!("updating from the TUF mirror {}", self.mirror), &e))?;
            self.trusted_root_of(&repository).await
        })?;
        ocitrust_core::sigstore::TrustedRoot::from_json(&updated.trusted_root)
            .map_err(|e| e.context(format!("{TRUSTED_ROOT_TARGET} from the TUF mirror {}", self.mirror)))?;
        self.keep(root, transport.fetched_metadata(), &updated.trusted_root)?;
        Ok(updated)
    }

    /// The `trusted_root.json` target of `repository`, read and checked.
    async fn trusted_root_of(&self, repository: &Repository) -> Result<TufTrustedRoot> {
        let name = TargetName::new(TRUSTED_ROOT_TARGET).expect("a constant target name");
        let listed = repository
            .all_targets()
            .find(|(n, _)| **n == name)
            .map(|(_, t)| t.length);
        match listed {
            None => {
                return Err(Error::new(
                    ErrorCode::NotFound,
                    format!("the TUF repository {} has no {TRUSTED_ROOT_TARGET} target", self.mirror),
                ))
            }
            Some(length) if length > TRUSTED_ROOT_TARGET_SIZE_MAX => {
                return Err(Error::new(
                    ErrorCode::LimitExceeded,
                    format!("{TRUSTED_ROOT_TARGET} is listed at {length} bytes, more than the limit of {TRUSTED_ROOT_TARGET_SIZE_MAX}"),
                ))
            }
            Some(_) => {}
        }
        let stream = repository
            .read_target(&name)
            .await
            .map_err(|e| tuf_error(TRUSTED_ROOT_TARGET, &e))?
            .ok_or_else(|| Error::new(ErrorCode::NotFound, format!("no {TRUSTED_ROOT_TARGET} target")))?;
        let trusted_root = tough::IntoVec::into_vec(stream)
            .await
            .map_err(|e| tuf_error(TRUSTED_ROOT_TARGET, &e))?;
        let expires = [
            repository.root().signed.expires,
            repository.timestamp().signed.expires,
            repository.snapshot().signed.expires,
            repository.targets().signed.expires,
        ]
        .into_iter()
        .min()
        .map(SystemTime::from)
        .expect("four expiries");
        Ok(TufTrustedRoot {
            trusted_root,
            mirror: self.mirror.to_string(),
            versions: TufVersions {
                root: repository.root().signed.version.get(),
                timestamp: repository.timestamp().signed.version.get(),
                snapshot: repository.snapshot().signed.version.get(),
                targets: repository.targets().signed.version.get(),
            },
            expires,
        })
    }

    /// Keeps what tough verified in the cache, byte for byte as the mirror served it, each file
    /// replaced whole: the newest root (`root`, the one started from, unless a newer one was
    /// fetched), the other metadata under its role's name, and the target.
    fn keep(&self, root: &[u8], fetched: HashMap<String, Vec<u8>>, trusted_root: &[u8]) -> Result<()> {
        let mut newest_root = (0, root);
        for (name, bytes) in &fetched {
            match split_version(name) {
                (Some(version), "root.json") if version > newest_root.0 => newest_root = (version, bytes),
                (_, "root.json") => {}
                (_, role_file) => replace_private_file(&self.dir.join(role_file), bytes)?,
            }
        }
        replace_private_file(&self.dir.join("root.json"), newest_root.1)?;
        replace_private_file(&self.dir.join(target_file()), trusted_root)?;
        // What the cache's checks saw before describes the old cache: they start again.
        match fs::remove_dir_all(self.dir.join(VERIFY_DATASTORE)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_error(&self.dir, e)),
            _ => {}
        }
        replace_private_file(&self.dir.join("mirror"), self.mirror.as_str().as_bytes())
    }

    fn read_cached(&self, name: &str, size_max: u64) -> Result<Vec<u8>> {
        read_kept_file(&self.dir.join(name), size_max)
    }

    fn read_cached_metadata(&self) -> Result<HashMap<String, Vec<u8>>> {
        match fs::metadata(&self.dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(HashMap::new()),
            _ => read_metadata_files(&self.dir),
        }
    }
}

/// The metadata files (`*.json`, regular files) in `dir`, bounded in number and size; tough's
/// record of the time (`latest_known_time.json`) is not metadata.
fn read_metadata_files(dir: &Path) -> Result<HashMap<String, Vec<u8>>> {
    let mut files = HashMap::new();
    for entry in fs::read_dir(dir).map_err(|e| io_error(dir, e))? {
        let entry = entry.map_err(|e| io_error(dir, e))?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if !name.ends_with(".json") || name == "latest_known_time.json" || name.starts_with('.') {
            continue;
        }
        if files.len() == CACHED_FILES_MAX {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!("{} holds more than {CACHED_FILES_MAX} metadata files", dir.display()),
            ));
        }
        let bytes = read_kept_file(&entry.path(), TUF_LIMITS.max_targets_size)?;
        files.insert(name, bytes);
    }
    Ok(files)
}

fn target_file() -> String {
    format!("targets/{TRUSTED_ROOT_TARGET}")
}

/// Where TUF caches live: `$XDG_CACHE_HOME/ocitrust/tuf` (else `~/.cache/ocitrust/tuf`).
pub fn default_cache_base() -> Result<PathBuf> {
    crate::file::ocitrust_cache_dir()
        .map(|dir| dir.join("tuf"))
        .ok_or_else(|| {
            Error::new(
                ErrorCode::NotFound,
                "neither XDG_CACHE_HOME nor HOME is set: no TUF cache",
            )
        })
}

/// The mirror `initialize` last set up under `base`, if any.
pub fn initialized_mirror(base: &Path) -> Result<Option<String>> {
    match read_kept_file(&base.join(CURRENT_FILE), 4096) {
        Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| {
            Error::new(
                ErrorCode::InvalidArgument,
                format!("{} is not a URL", base.join(CURRENT_FILE).display()),
            )
        }),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// A tough error with its causes, as one message: `Network` when fetching failed somewhere in the
/// chain (a `TransportError`), else `InvalidCertificate` (trust material that does not verify).
fn tuf_error(doing: &str, e: &(dyn std::error::Error + 'static)) -> Error {
    let mut text = format!("{doing}: {e}");
    let mut fetching_failed = e.is::<tough::TransportError>();
    let mut source = e.source();
    while let Some(cause) = source {
        fetching_failed |= cause.is::<tough::TransportError>();
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(&format!(": {cause_text}"));
        }
        source = cause.source();
    }
    let code = if fetching_failed {
        ErrorCode::Network
    } else {
        ErrorCode::InvalidCertificate
    };
    Error::new(code, text)
}

/// Runs `future` to completion on a runtime of its own (TUF updates are rare and short).
fn block_on<T>(future: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(ErrorCode::Internal, format!("starting the TUF runtime: {e}")))?
        .block_on(future)
}
