//! Notation's trust material, read from where notation keeps it: the trust policy and trust store
//! of its configuration directory (`$NOTATION_CONFIG`, `$XDG_CONFIG_HOME/notation`,
//! `~/.config/notation`), or from files named explicitly.

use std::path::Path;
use std::sync::Arc;

use ocitrust_core::notation::NotationTrust;
use ocitrust_core::{Authority, Result};
use ocitrust_registry::notation_config::{read_trust_policy, read_trust_store, NotationConfigDir};

/// The notation authority of a trust policy and trust store: `policy_file` and `trust_store_dir`
/// when given, else those of notation's configuration directory.
pub fn notation_trust(policy_file: Option<&Path>, trust_store_dir: Option<&Path>) -> Result<NotationTrust> {
    let config = NotationConfigDir::from_environment;
    let policy = match policy_file {
        Some(file) => read_trust_policy(file)?,
        None => config()?.read_trust_policy()?,
    };
    let trust_store = match trust_store_dir {
        Some(dir) => read_trust_store(dir)?,
        None => config()?.read_trust_store()?,
    };
    Ok(NotationTrust {
        policy: Arc::new(policy),
        trust_store: Arc::new(trust_store),
    })
}

/// [`notation_trust`] as an authority of a verifier.
pub fn notation_authority(policy_file: Option<&Path>, trust_store_dir: Option<&Path>) -> Result<Authority> {
    notation_trust(policy_file, trust_store_dir).map(Authority::Notation)
}
