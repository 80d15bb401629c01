//! `verify-blob` and `verify-bundle`: a blob (or its digest) and its Sigstore bundle, judged
//! offline under the authorities the flags name. `verify-bundle` is exactly the Sigstore
//! conformance suite's client protocol; `verify-blob` is cosign's command of that name.

use std::io::Read;
use std::path::Path;

use ocitrust::core::sigstore::SIGSTORE_BUNDLE_SIZE_MAX;
use ocitrust::registry::file::{io_error, read_bounded};
use ocitrust::{Artifact, Digest, Error, ErrorCode, Result, Verdict};

use crate::output::Format;
use crate::terminal::say;
use crate::trust_args::TrustArgs;

/// Artifacts up to this size are read whole (every signature algorithm can then be verified);
/// larger ones are hashed as they are read, and verified by their digest.
const ARTIFACT_READ_WHOLE_MAX: u64 = 64 * 1024 * 1024;

/// The artifact as the command line names it: a digest (`sha256:<hex>`, `sha512:<hex>`) or a path.
enum Named {
    Bytes(Vec<u8>),
    Digest(Digest),
}

fn read_artifact(file_or_digest: &str) -> Result<Named> {
    if let Ok(digest) = Digest::parse(file_or_digest) {
        return Ok(Named::Digest(digest));
    }
    let path = Path::new(file_or_digest);
    let size = std::fs::metadata(path).map_err(|e| io_error(path, e))?.len();
    if size <= ARTIFACT_READ_WHOLE_MAX {
        return Ok(Named::Bytes(read_bounded(path, ARTIFACT_READ_WHOLE_MAX)?));
    }
    let mut file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let mut context = ocitrust::core::digest::Hasher::new(ocitrust::core::digest::Algorithm::Sha256);
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer).map_err(|e| io_error(path, e))?;
        if n == 0 {
            break;
        }
        context.update(&buffer[..n]);
    }
    Ok(Named::Digest(context.finish()))
}

/// Verifies `file_or_digest` with the bundle at `bundle` under `trust`; prints cosign's
/// "Verified OK" (or, with `-o verdict`, the verdict) and fails with the reason otherwise.
pub fn verify_blob(bundle: &Path, file_or_digest: &str, trust: &TrustArgs, output: Format) -> Result<()> {
    let verifier = trust.verifier()?;
    let bundle = read_bounded(bundle, SIGSTORE_BUNDLE_SIZE_MAX as u64)?;
    let named = read_artifact(file_or_digest)?;
    let artifact = match &named {
        Named::Bytes(bytes) => Artifact::Bytes(bytes),
        Named::Digest(digest) => Artifact::Digest(digest),
    };
    let verdict = verifier.verify_blob(&bundle, artifact, file_or_digest)?;
    if output == Format::Verdict {
        crate::stdout::line(&verdict.to_json()?);
    }
    require_verified(&verdict)?;
    for option in &verdict.insecure {
        say!("WARNING: --{option}: a check was skipped at your request");
    }
    say!("Verified OK");
    Ok(())
}

fn require_verified(verdict: &Verdict) -> Result<()> {
    if verdict.trusted {
        return Ok(());
    }
    let reason = verdict
        .signatures
        .first()
        .and_then(|s| s.failure())
        .unwrap_or("the bundle was not verified");
    Err(Error::new(
        ErrorCode::NoMatchingSignatures,
        format!("bundle verification failed: {reason}"),
    ))
}
