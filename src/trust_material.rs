//! Which Sigstore trusted root keyless verification uses, in cosign's order:
//! 1. a `trusted_root.json` the user names (`--trusted-root FILE`, [`trusted_root_from_file`]);
//! 2. the TUF cache of the mirror `ocitrust initialize` set up, verified again and refreshed from
//!    the mirror once its metadata has expired ([`public_good_trusted_root`]); an expired cache
//!    that cannot be refreshed is an error, never silently replaced;
//! 3. the public-good root compiled into ocitrust, when no TUF cache was set up, or when the user
//!    asks for it (`--offline`).
//!
//! Each root records where it came from ([`TrustMaterial`]), and verdicts list it.

use std::path::Path;
use std::sync::Arc;

use ocitrust_core::sigstore::{TrustMaterial, TrustMaterialSource, TrustedRoot, TRUSTED_ROOT_SIZE_MAX};
use ocitrust_core::{Digest, Result};
use ocitrust_registry::file::read_bounded;
use ocitrust_registry::tuf::{self, TufClient, TufTrustedRoot};

/// The `trusted_root.json` at `path`, recorded as coming from it.
pub fn trusted_root_from_file(path: &Path) -> Result<Arc<TrustedRoot>> {
    let bytes = read_bounded(path, TRUSTED_ROOT_SIZE_MAX as u64)?;
    let root = TrustedRoot::from_json(&bytes).map_err(|e| e.context(path.display().to_string()))?;
    let material = root.material.clone().at(path.display().to_string());
    Ok(Arc::new(root.with_material(material)))
}

/// The default root: the TUF cache of the mirror `initialize` set up (refreshed when expired), or
/// the embedded public-good root when there is none, or when `offline`.
pub fn public_good_trusted_root(offline: bool) -> Result<Arc<TrustedRoot>> {
    if offline {
        return TrustedRoot::production_shared();
    }
    let Ok(base) = tuf::default_cache_base() else {
        return TrustedRoot::production_shared();
    };
    match tuf::initialized_mirror(&base)? {
        None => TrustedRoot::production_shared(),
        Some(mirror) => from_tuf(TufClient::new(&mirror, &base)?.current()?),
    }
}

/// The trusted root of the TUF repository at `mirror` (the public-good one when `None`), cached
/// under `cache_base` (`$XDG_CACHE_HOME/ocitrust/tuf` when `None`): the cache's while it verifies
/// and has not expired, else updated from the mirror — starting, for a first update, from
/// `initial_root` (a TUF `root.json`; the public-good one when `None`).
pub fn trusted_root_from_tuf(
    mirror: Option<&str>,
    initial_root: Option<&[u8]>,
    cache_base: Option<&Path>,
) -> Result<Arc<TrustedRoot>> {
    from_tuf(tuf_client(mirror, cache_base)?.trusted_root(initial_root)?)
}

/// `ocitrust initialize`: updates the TUF cache of `mirror` (the public-good one when `None`) from
/// `initial_root` (else the cache's newest root, else the public-good root), and makes it the one
/// [`public_good_trusted_root`] uses.
pub fn initialize_tuf(mirror: Option<&str>, initial_root: Option<&[u8]>) -> Result<Arc<TrustedRoot>> {
    let client = tuf_client(mirror, None)?;
    let root = from_tuf(client.initialize(initial_root)?)?;
    client.make_current()?;
    Ok(root)
}

fn tuf_client(mirror: Option<&str>, cache_base: Option<&Path>) -> Result<TufClient> {
    let base = match cache_base {
        Some(base) => base.to_owned(),
        None => tuf::default_cache_base()?,
    };
    TufClient::new(mirror.unwrap_or(tuf::PUBLIC_GOOD_MIRROR), &base)
}

fn from_tuf(target: TufTrustedRoot) -> Result<Arc<TrustedRoot>> {
    let root = TrustedRoot::from_json(&target.trusted_root)
        .map_err(|e| e.context(format!("trusted_root.json from the TUF mirror {}", target.mirror)))?;
    let mut material =
        TrustMaterial::new(TrustMaterialSource::Tuf, Digest::sha256(&target.trusted_root)).at(target.mirror);
    material.tuf = Some(target.versions);
    Ok(Arc::new(root.with_material(material)))
}
