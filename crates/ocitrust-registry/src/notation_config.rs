//! Notation's configuration directory, read as notation reads it: `$NOTATION_CONFIG`, else
//! `$XDG_CONFIG_HOME/notation`, else `~/.config/notation`; in it the trust policy
//! (`trustpolicy.oci.json`, else `trustpolicy.json`) and the X.509 trust store
//! (`truststore/x509/<type>/<name>/<certificate files>`). Symlinks are refused, as notation refuses
//! them: a trust store or policy must be what it appears to be.

use std::fs;
use std::path::{Path, PathBuf};

use ocitrust_core::notation::trust_policy::{TRUST_POLICY_LINK, TRUST_POLICY_SIZE_MAX};
use ocitrust_core::notation::trust_store::{is_valid_store_name, CERTIFICATE_FILE_SIZE_MAX, STORE_CERTIFICATES_MAX};
use ocitrust_core::notation::{TrustPolicyDocument, TrustStore, TrustStoreType};
use ocitrust_core::policy::NotationStoreFiles;
use ocitrust_core::{Error, ErrorCode, Result};

use crate::file::{io_error, read_bounded};

/// Most named stores of one type read.
const STORES_MAX: usize = 1000;

/// A notation configuration directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotationConfigDir {
    path: PathBuf,
}

impl NotationConfigDir {
    /// The directory at `path`.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        NotationConfigDir { path: path.into() }
    }

    /// The directory notation uses: `$NOTATION_CONFIG`, else `$XDG_CONFIG_HOME/notation`, else
    /// `$HOME/.config/notation`.
    pub fn from_environment() -> Result<Self> {
        let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        if let Some(dir) = non_empty("NOTATION_CONFIG") {
            return Ok(Self::at(dir));
        }
        if let Some(dir) = non_empty("XDG_CONFIG_HOME") {
            return Ok(Self::at(dir.join("notation")));
        }
        match non_empty("HOME") {
            Some(home) => Ok(Self::at(home.join(".config").join("notation"))),
            None => Err(Error::new(
                ErrorCode::NotFound,
                "notation's configuration directory is unknown: set NOTATION_CONFIG, XDG_CONFIG_HOME or HOME",
            )),
        }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the OCI trust policy is (or would be written): `trustpolicy.oci.json` when it exists
    /// or `trustpolicy.json` does not, else `trustpolicy.json`.
    pub fn trust_policy_path(&self) -> PathBuf {
        let oci = self.path.join("trustpolicy.oci.json");
        let old = self.path.join("trustpolicy.json");
        if fs::symlink_metadata(&oci).is_err() && fs::symlink_metadata(&old).is_ok() {
            old
        } else {
            oci
        }
    }

    /// The trust store directory (`truststore`).
    pub fn trust_store_path(&self) -> PathBuf {
        self.path.join("truststore")
    }

    /// Reads and validates the trust policy.
    pub fn read_trust_policy(&self) -> Result<TrustPolicyDocument> {
        read_trust_policy(&self.trust_policy_path())
    }

    /// Reads the trust store.
    pub fn read_trust_store(&self) -> Result<TrustStore> {
        read_trust_store(&self.trust_store_path())
    }

    /// Where notation's plugins are installed (`plugins/<name>/notation-<name>`).
    pub fn plugins_path(&self) -> PathBuf {
        self.path.join("plugins")
    }

    /// Where notation lists its signing keys (`signingkeys.json`).
    pub fn signing_keys_path(&self) -> PathBuf {
        self.path.join("signingkeys.json")
    }

    /// The signing keys notation knows (none when `signingkeys.json` does not exist).
    pub fn signing_keys(&self) -> Result<SigningKeys> {
        let path = self.signing_keys_path();
        let bytes = match read_bounded(&path, SIGNING_KEYS_SIZE_MAX) {
            Ok(bytes) => bytes,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(SigningKeys::default()),
            Err(e) => return Err(e),
        };
        serde_json::from_slice(&bytes).map_err(|e| {
            Error::new(
                ErrorCode::InvalidArgument,
                format!("{}: malformed signing key configuration: {e}", path.display()),
            )
        })
    }
}

/// Largest `signingkeys.json` read.
const SIGNING_KEYS_SIZE_MAX: u64 = 1024 * 1024;

/// notation's `signingkeys.json`: the keys it signs with, and which is the default.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct SigningKeys {
    /// The default key's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Every key.
    #[serde(default)]
    pub keys: Vec<SigningKeyEntry>,
}

/// One signing key: a local key and certificate chain, or a key a plugin holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SigningKeyEntry {
    /// Its name (`notation sign --key NAME`).
    pub name: String,
    /// The private key file (PEM), for a local key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_path: Option<PathBuf>,
    /// The certificate chain file (PEM, leaf first), for a local key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_path: Option<PathBuf>,
    /// The key's id in its plugin, for a plugin key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The plugin holding the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin_name: Option<String>,
}

impl SigningKeys {
    /// The key named `name`, or the default key.
    pub fn select(&self, name: Option<&str>) -> Result<&SigningKeyEntry> {
        let name = match name.or(self.default.as_deref()) {
            Some(name) => name,
            None => {
                return Err(Error::new(
                    ErrorCode::InvalidArgument,
                    "default signing key not set. Please set default signing key or specify a key name",
                ))
            }
        };
        self.keys
            .iter()
            .find(|k| k.name == name)
            .ok_or_else(|| Error::new(ErrorCode::NotFound, format!("signing key {name} not found")))
    }
}

/// Reads and validates the trust policy document at `path` (a regular file, not a symlink).
pub fn read_trust_policy(path: &Path) -> Result<TrustPolicyDocument> {
    let metadata = match fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::new(
                ErrorCode::NotFound,
                format!(
                    "trust policy is not present ({}). To create a trust policy, see: {TRUST_POLICY_LINK}",
                    path.display()
                ),
            ))
        }
        Err(e) => return Err(io_error(path, e)),
    };
    if !metadata.is_file() {
        return Err(Error::new(
            ErrorCode::InvalidPolicy,
            format!(
                "trust policy {} is not a regular file (symlinks are not supported). To create a trust policy, see: {TRUST_POLICY_LINK}",
                path.display()
            ),
        ));
    }
    let bytes = read_bounded(path, TRUST_POLICY_SIZE_MAX as u64)?;
    TrustPolicyDocument::from_json(&bytes).map_err(|e| e.context(path.display()))
}

/// Reads the trust store under `dir` (`x509/<type>/<name>/<files>`). A store that is not a plain
/// directory, or holds anything but plain certificate files, is kept as unusable with the reason:
/// a trust policy that names it fails with that reason. A missing `dir` is an empty trust store.
pub fn read_trust_store(dir: &Path) -> Result<TrustStore> {
    let mut store = TrustStore::new();
    for (kind, name, path) in named_stores(dir)? {
        read_named_store(&mut store, kind, &name, &path)?;
    }
    Ok(store)
}

/// The certificate files of every store under `dir`, as notation would read them, for importing
/// its trust policy. A store that notation could not use (not a plain directory, or holding
/// anything but plain files) is an error here: an import must not quietly differ from it.
pub fn trust_store_files(dir: &Path) -> Result<Vec<NotationStoreFiles>> {
    let mut stores = Vec::new();
    for (kind, name, path) in named_stores(dir)? {
        let unusable = |why: &str| {
            Error::new(
                ErrorCode::InvalidPolicy,
                format!("the trust store {name} of type {kind} ({}) {why}", path.display()),
            )
        };
        if !fs::symlink_metadata(&path).map_err(|e| io_error(&path, e))?.is_dir() {
            return Err(unusable("is not a regular directory (symlinks are not supported)"));
        }
        let mut files = Vec::new();
        for entry in fs::read_dir(&path).map_err(|e| io_error(&path, e))? {
            let entry = entry.map_err(|e| io_error(&path, e))?;
            let file = entry.path();
            if !fs::symlink_metadata(&file).map_err(|e| io_error(&file, e))?.is_file() {
                return Err(unusable(&format!(
                    "holds {}, which is not a regular file",
                    file.display()
                )));
            }
            files.push(file.display().to_string());
            if files.len() > STORE_CERTIFICATES_MAX {
                return Err(unusable(&format!("holds more than {STORE_CERTIFICATES_MAX} files")));
            }
        }
        files.sort();
        stores.push(NotationStoreFiles { kind, name, files });
    }
    Ok(stores)
}

/// The named stores under `dir` (`x509/<type>/<name>`), by type then name; names notation
/// would not accept are left out, as notation leaves them.
fn named_stores(dir: &Path) -> Result<Vec<(TrustStoreType, String, PathBuf)>> {
    let mut stores = Vec::new();
    for kind in TrustStoreType::ALL {
        let type_dir = dir.join("x509").join(kind.name());
        let entries = match fs::read_dir(&type_dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_error(&type_dir, e)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| io_error(&type_dir, e))?;
            names.push(entry.file_name());
            if names.len() > STORES_MAX {
                return Err(Error::new(
                    ErrorCode::LimitExceeded,
                    format!("{} holds more than {STORES_MAX} trust stores", type_dir.display()),
                ));
            }
        }
        names.sort();
        for name in names {
            let Some(name) = name.to_str().filter(|n| is_valid_store_name(n)) else {
                continue;
            };
            stores.push((kind, name.to_owned(), type_dir.join(name)));
        }
    }
    Ok(stores)
}

fn read_named_store(store: &mut TrustStore, kind: TrustStoreType, name: &str, path: &Path) -> Result<()> {
    let metadata = fs::symlink_metadata(path).map_err(|e| io_error(path, e))?;
    if !metadata.is_dir() {
        store.mark_unusable(
            kind,
            name,
            format!(
                "the trust store {name} of type {kind} with path {} is not a regular directory (symlinks are not supported)",
                path.display()
            ),
        );
        return Ok(());
    }
    store.add_store(kind, name);
    let mut files = Vec::new();
    for entry in fs::read_dir(path).map_err(|e| io_error(path, e))? {
        let entry = entry.map_err(|e| io_error(path, e))?;
        files.push(entry.file_name());
        if files.len() > STORE_CERTIFICATES_MAX {
            store.mark_unusable(
                kind,
                name,
                format!("trust store {name} of type {kind} holds more than {STORE_CERTIFICATES_MAX} files"),
            );
            return Ok(());
        }
    }
    files.sort();
    for file in files {
        let file_path = path.join(&file);
        let file_name = file.to_string_lossy();
        let metadata = fs::symlink_metadata(&file_path).map_err(|e| io_error(&file_path, e))?;
        if !metadata.is_file() {
            store.mark_unusable(
                kind,
                name,
                format!(
                    "trusted certificate {file_name} in trust store {name} of type {kind} is not a regular file (directories or symlinks are not supported)"
                ),
            );
            return Ok(());
        }
        match read_bounded(&file_path, CERTIFICATE_FILE_SIZE_MAX as u64) {
            Ok(bytes) => store.add_certificate_file(kind, name, &file_name, &bytes),
            Err(e) => {
                store.mark_unusable(
                    kind,
                    name,
                    format!(
                        "failed to read the trusted certificate {file_name} in trust store {name} of type {kind}: {e}"
                    ),
                );
                return Ok(());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared_store() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/notation/truststore")
    }

    #[test]
    fn the_shared_trust_store_reads_as_notation_lays_it_out() {
        let store = read_trust_store(&shared_store()).unwrap();
        assert_eq!(
            store
                .certificates(TrustStoreType::Ca, "valid-trust-store")
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            store
                .certificates(TrustStoreType::Ca, "other-trust-store")
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            store
                .certificates(TrustStoreType::SigningAuthority, "valid-trust-store")
                .unwrap()
                .len(),
            1
        );
        assert!(read_trust_store(Path::new("/nonexistent/truststore"))
            .unwrap()
            .stores()
            .next()
            .is_none());
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_make_a_store_or_a_policy_unusable() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("truststore/x509/ca");
        fs::create_dir_all(ca.join("linked-file")).unwrap();
        let certificate = shared_store().join("x509/ca/valid-trust-store/NotationTestRoot.pem");
        std::os::unix::fs::symlink(&certificate, ca.join("linked-file/root.pem")).unwrap();
        std::os::unix::fs::symlink(shared_store().join("x509/ca/valid-trust-store"), ca.join("linked-dir")).unwrap();
        fs::create_dir_all(ca.join("plain")).unwrap();
        fs::copy(&certificate, ca.join("plain/root.pem")).unwrap();
        let config = NotationConfigDir::at(dir.path());
        let store = config.read_trust_store().unwrap();
        assert!(store.certificates(TrustStoreType::Ca, "plain").is_ok());
        let file = store.certificates(TrustStoreType::Ca, "linked-file").unwrap_err();
        assert!(file.message().contains("is not a regular file"), "{file}");
        let linked = store.certificates(TrustStoreType::Ca, "linked-dir").unwrap_err();
        assert!(linked.message().contains("is not a regular directory"), "{linked}");

        assert!(config
            .read_trust_policy()
            .unwrap_err()
            .message()
            .contains("trust policy is not present"));
        let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/notation/trustpolicy.json");
        std::os::unix::fs::symlink(&policy, dir.path().join("trustpolicy.json")).unwrap();
        assert_eq!(config.trust_policy_path(), dir.path().join("trustpolicy.json"));
        assert!(config
            .read_trust_policy()
            .unwrap_err()
            .message()
            .contains("symlinks are not supported"));
        fs::copy(&policy, dir.path().join("trustpolicy.oci.json")).unwrap();
        assert_eq!(config.trust_policy_path(), dir.path().join("trustpolicy.oci.json"));
        assert_eq!(
            config.read_trust_policy().unwrap().statements()[0].name,
            "test-statement-name"
        );
    }
}
