//! Changing notation's configuration directory as notation's own commands do: adding and deleting
//! trust store certificates (`notation cert add|delete`), importing a trust policy (`notation policy
//! import`), and adding a generated test key (`notation cert generate-test`). Everything is checked
//! before anything is written, so a refused change leaves the directory as it was.

use std::fs;
use std::path::{Path, PathBuf};

use ocitrust_core::crypto::SigningKey;
use ocitrust_core::notation::trust_policy::TRUST_POLICY_SIZE_MAX;
use ocitrust_core::notation::trust_store::{is_valid_store_name, read_certificate_file, CERTIFICATE_FILE_SIZE_MAX};
use ocitrust_core::notation::{TrustPolicyDocument, TrustStoreType};
use ocitrust_core::x509::Certificate;
use ocitrust_core::{Error, ErrorCode, Result};

use crate::file::{create_private_dir, io_error, read_bounded, replace_private_file};
use crate::notation_config::{NotationConfigDir, SigningKeyEntry};

/// A certificate file in a named trust store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCertificate {
    /// The store's type.
    pub kind: TrustStoreType,
    /// The store's name.
    pub store: String,
    /// The file's name.
    pub file: String,
    /// Its path.
    pub path: PathBuf,
}

fn invalid(message: String) -> Error {
    Error::new(ErrorCode::InvalidArgument, message)
}

fn check_store_name(name: &str) -> Result<()> {
    if is_valid_store_name(name) && name != "." && name != ".." {
        Ok(())
    } else {
        Err(invalid(format!(
            "named store name needs to follow [a-zA-Z0-9_.-]+ format, {name:?} is invalid"
        )))
    }
}

/// Writes `bytes` to a new file at `path` (never over an existing one), owner-only when `private`.
fn write_new(path: &Path, bytes: &[u8], private: bool) -> Result<()> {
    use std::io::Write;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, if private { 0o600 } else { 0o644 });
    let mut file = options.open(path).map_err(|e| io_error(path, e))?;
    file.write_all(bytes).map_err(|e| io_error(path, e))
}

impl NotationConfigDir {
    fn store_dir(&self, kind: TrustStoreType, store: &str) -> PathBuf {
        self.trust_store_path().join("x509").join(kind.name()).join(store)
    }

    /// Adds the certificate files `files` to the store `store` of type `kind` (created if need be),
    /// each under its own file name. Every file is read and checked first (certificates a store may
    /// hold, no name already taken); on any refusal nothing is added.
    pub fn add_certificates(&self, kind: TrustStoreType, store: &str, files: &[PathBuf]) -> Result<Vec<PathBuf>> {
        check_store_name(store)?;
        let dir = self.store_dir(kind, store);
        let mut checked = Vec::new();
        for file in files {
            let refuse = |why: String| {
                invalid(format!(
                    "Failed to add following certificates to named store {store} of type {kind}:\n{}, with error {why:?}",
                    file.display()
                ))
            };
            let bytes = read_bounded(file, CERTIFICATE_FILE_SIZE_MAX as u64)?;
            read_certificate_file(&bytes).map_err(refuse)?;
            let mut probe = ocitrust_core::notation::TrustStore::new();
            probe.add_certificate_file(kind, store, "probe", &bytes);
            if let Err(e) = probe.certificates(kind, store) {
                return Err(refuse(e.message().to_owned()));
            }
            let name = file.file_name().ok_or_else(|| refuse("not a file".into()))?.to_owned();
            let target = dir.join(&name);
            if fs::symlink_metadata(&target).is_ok() || checked.iter().any(|(t, _): &(PathBuf, Vec<u8>)| *t == target) {
                return Err(refuse("certificate already exists in the Trust Store".into()));
            }
            checked.push((target, bytes));
        }
        create_private_dir(&dir)?;
        for (target, bytes) in &checked {
            write_new(target, bytes, false)?;
        }
        Ok(checked.into_iter().map(|(target, _)| target).collect())
    }

    /// The certificate files of the trust store, of type `kind` and store `store` when given.
    pub fn list_certificates(
        &self,
        kind: Option<TrustStoreType>,
        store: Option<&str>,
    ) -> Result<Vec<StoredCertificate>> {
        let mut listed = Vec::new();
        for kind in TrustStoreType::ALL
            .into_iter()
            .filter(|k| kind.is_none_or(|wanted| wanted == *k))
        {
            let type_dir = self.trust_store_path().join("x509").join(kind.name());
            for store_name in sorted_entries(&type_dir)? {
                if store.is_some_and(|wanted| wanted != store_name) {
                    continue;
                }
                let store_dir = type_dir.join(&store_name);
                if !fs::symlink_metadata(&store_dir).is_ok_and(|m| m.is_dir()) {
                    continue;
                }
                for file in sorted_entries(&store_dir)? {
                    listed.push(StoredCertificate {
                        kind,
                        store: store_name.clone(),
                        path: store_dir.join(&file),
                        file,
                    });
                }
            }
        }
        Ok(listed)
    }

    /// The certificates of one file of a store.
    pub fn read_stored_certificate(&self, kind: TrustStoreType, store: &str, file: &str) -> Result<Vec<Certificate>> {
        check_store_name(store)?;
        let path = self.stored_file(kind, store, file)?;
        let bytes = read_bounded(&path, CERTIFICATE_FILE_SIZE_MAX as u64)?;
        read_certificate_file(&bytes).map_err(|why| invalid(format!("{}: {why}", path.display())))
    }

    fn stored_file(&self, kind: TrustStoreType, store: &str, file: &str) -> Result<PathBuf> {
        if file.is_empty() || file.contains('/') || file == "." || file == ".." {
            return Err(invalid(format!("{file:?} is not a certificate file name")));
        }
        let path = self.store_dir(kind, store).join(file);
        match fs::symlink_metadata(&path) {
            Ok(metadata) if metadata.is_file() => Ok(path),
            Ok(_) => Err(invalid(format!("{} is not a regular file", path.display()))),
            Err(_) => Err(Error::new(
                ErrorCode::NotFound,
                format!("certificate {file} does not exist in named store {store} of type {kind}"),
            )),
        }
    }

    /// Deletes one certificate file of a store.
    pub fn delete_certificate(&self, kind: TrustStoreType, store: &str, file: &str) -> Result<PathBuf> {
        check_store_name(store)?;
        let path = self.stored_file(kind, store, file)?;
        fs::remove_file(&path).map_err(|e| io_error(&path, e))?;
        Ok(path)
    }

    /// Deletes a whole named store.
    pub fn delete_store(&self, kind: TrustStoreType, store: &str) -> Result<PathBuf> {
        check_store_name(store)?;
        let dir = self.store_dir(kind, store);
        if !fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
            return Err(Error::new(
                ErrorCode::NotFound,
                format!("named store {store} of type {kind} does not exist"),
            ));
        }
        fs::remove_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
        Ok(dir)
    }

    /// Validates the trust policy document at `file` and makes it notation's, replacing the
    /// current one only when `force` is set. Returns where it was written.
    pub fn import_trust_policy(&self, file: &Path, force: bool) -> Result<PathBuf> {
        let bytes = read_bounded(file, TRUST_POLICY_SIZE_MAX as u64)?;
        TrustPolicyDocument::from_json(&bytes).map_err(|e| e.context(file.display()))?;
        let oci = self.path().join("trustpolicy.oci.json");
        let target = if fs::symlink_metadata(&oci).is_ok() {
            oci
        } else {
            self.path().join("trustpolicy.json")
        };
        if fs::symlink_metadata(&target).is_ok() && !force {
            return Err(invalid(format!(
                "a trust policy already exists at {}; pass --force to replace it",
                target.display()
            )));
        }
        replace_private_file(&target, &bytes)?;
        Ok(target)
    }

    /// Stores a generated test key as notation's `cert generate-test` does: the key and certificate
    /// under `localkeys/`, the certificate in the `ca` store named `name`, and the key in
    /// `signingkeys.json` (the default key when `make_default`).
    pub fn add_test_key(
        &self,
        name: &str,
        key: &SigningKey,
        certificate: &Certificate,
        make_default: bool,
    ) -> Result<SigningKeyEntry> {
        check_store_name(name)?;
        let mut keys = self.signing_keys()?;
        if keys.keys.iter().any(|k| k.name == name) {
            return Err(invalid(format!("signing key {name} already exists")));
        }
        let local = self.path().join("localkeys");
        let key_path = local.join(format!("{name}.key"));
        let cert_path = local.join(format!("{name}.crt"));
        let store_cert = self.store_dir(TrustStoreType::Ca, name).join(format!("{name}.crt"));
        for path in [&key_path, &cert_path, &store_cert] {
            if fs::symlink_metadata(path).is_ok() {
                return Err(invalid(format!("{} already exists", path.display())));
            }
        }
        let key_pem = pem::encode(&pem::Pem::new("PRIVATE KEY", key.pkcs8_der().to_vec()));
        let cert_pem = pem::encode(&pem::Pem::new("CERTIFICATE", certificate.der().to_vec()));
        create_private_dir(&local)?;
        write_new(&key_path, key_pem.as_bytes(), true)?;
        write_new(&cert_path, cert_pem.as_bytes(), false)?;
        create_private_dir(store_cert.parent().unwrap_or(&local))?;
        write_new(&store_cert, cert_pem.as_bytes(), false)?;
        let entry = SigningKeyEntry {
            name: name.to_owned(),
            key_path: Some(key_path),
            cert_path: Some(cert_path),
            id: None,
            plugin_name: None,
        };
        keys.keys.push(entry.clone());
        if make_default {
            keys.default = Some(name.to_owned());
        }
        let json = serde_json::to_vec_pretty(&keys)
            .map_err(|e| Error::new(ErrorCode::Internal, format!("encoding signingkeys.json: {e}")))?;
        replace_private_file(&self.signing_keys_path(), &json)?;
        Ok(entry)
    }
}

/// The names in `dir`, sorted (none when it does not exist).
fn sorted_entries(dir: &Path) -> Result<Vec<String>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(dir, e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io_error(dir, e))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}
