//! `ocitrust initialize`, as `cosign initialize`: updates the TUF cache of the Sigstore trusted
//! root from a mirror (Sigstore's public-good one unless `--mirror`), starting from `--root` (a TUF
//! `root.json` trusted out of band) or the newest root already cached, and makes that mirror the
//! one keyless verification uses.

use std::path::PathBuf;

use ocitrust::registry::file::read_bounded;
use ocitrust::registry::tuf::{PUBLIC_GOOD_MIRROR, TUF_LIMITS};
use ocitrust::Result;

use crate::terminal::show;

/// `initialize`'s flags.
#[derive(Debug, clap::Args)]
pub struct InitializeArgs {
    /// The TUF repository to update from.
    #[arg(long, default_value = PUBLIC_GOOD_MIRROR)]
    mirror: String,
    /// The TUF root.json to start trusting from (default: the newest one cached for the mirror,
    /// else the public-good root embedded in ocitrust).
    #[arg(long, value_name = "FILE")]
    root: Option<PathBuf>,
}

pub fn initialize(args: InitializeArgs) -> Result<()> {
    let initial_root = args
        .root
        .as_deref()
        .map(|path| read_bounded(path, TUF_LIMITS.max_root_size))
        .transpose()?;
    let root = ocitrust::initialize_tuf(Some(&args.mirror), initial_root.as_deref())?;
    let material = &root.material;
    show!(
        "Initialized the TUF cache of {}",
        material.location.as_deref().unwrap_or(&args.mirror)
    );
    if let Some(versions) = &material.tuf {
        show!(
            "  metadata: root v{}, timestamp v{}, snapshot v{}, targets v{}",
            versions.root,
            versions.timestamp,
            versions.snapshot,
            versions.targets
        );
    }
    show!(
        "  trusted_root.json {}: {} Fulcio CA(s), {} transparency log(s), {} CT log(s), {} timestamp authority(ies)",
        material.sha256,
        root.certificate_authorities.len(),
        root.tlogs.len(),
        root.ctlogs.len(),
        root.timestamp_authorities.len()
    );
    Ok(())
}
