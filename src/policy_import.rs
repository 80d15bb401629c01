//! Importing other tools' policies as ocitrust trust policy documents: the files are read here
//! (bounded), the translation is the core's.

use std::path::Path;

use ocitrust_core::notation::trust_policy::TRUST_POLICY_SIZE_MAX;
use ocitrust_core::Result;
use ocitrust_registry::file::read_bounded;
use ocitrust_registry::notation_config::trust_store_files;

/// notation's trust policy at `trust_policy` (`trustpolicy.json` or `trustpolicy.oci.json`), with
/// the trust stores under `trust_store` (notation's `truststore` directory), as an ocitrust
/// document (YAML) that names the stores' files by their paths.
pub fn import_notation_policy(trust_policy: &Path, trust_store: &Path) -> Result<String> {
    let json = read_bounded(trust_policy, TRUST_POLICY_SIZE_MAX as u64)?;
    // The document is read from wherever it is saved: it names the files by absolute paths.
    let trust_store =
        std::path::absolute(trust_store).map_err(|e| ocitrust_registry::file::io_error(trust_store, e))?;
    let stores = trust_store_files(&trust_store)?;
    ocitrust_core::policy::import_notation(&json, &stores).map_err(|e| e.context(trust_policy.display()))
}

/// containers-policy.json at `path` (podman, CRI-O, skopeo) as an ocitrust document for registry
/// images, and what was left out (other transports). Relative paths it names are made absolute
/// against the current directory, where containers/image would open them.
pub fn import_containers_policy(path: &Path) -> Result<ocitrust_core::policy::ContainersImport> {
    let json = read_bounded(path, CONTAINERS_POLICY_SIZE_MAX)?;
    let base = std::env::current_dir().map_err(|e| ocitrust_registry::file::io_error(Path::new("."), e))?;
    ocitrust_core::policy::import_containers(&json, &base.display().to_string()).map_err(|e| e.context(path.display()))
}

/// Largest containers-policy.json read.
const CONTAINERS_POLICY_SIZE_MAX: u64 = 1024 * 1024;
