//! The flags that say whom to trust, as cosign names them: a key, or a keyless identity (subject
//! and issuer, exact or by regular expression, and GitHub workflow claims) under a trusted root;
//! and the insecure opt-outs. They build the verifier's authorities.

use std::path::PathBuf;
use std::sync::Arc;

use ocitrust::{
    Authority, CertificateIdentity, Error, ErrorCode, KeylessIdentity, Matcher, Result, TrustedRoot, Verifier,
};

/// Whom to trust.
#[derive(Debug, clap::Args)]
pub struct TrustArgs {
    /// Public key (PEM or DER SubjectPublicKeyInfo): a file, or an https:// URL a vendor publishes it at.
    #[arg(long)]
    key: Option<String>,
    /// The identity the signing certificate must name (a SAN: email, URI), exactly.
    #[arg(long, conflicts_with = "certificate_identity_regexp")]
    certificate_identity: Option<String>,
    /// A regular expression (RE2 syntax, unanchored, as cosign) the certificate's identity must match.
    #[arg(long)]
    certificate_identity_regexp: Option<String>,
    /// The OIDC issuer the signing certificate must name, exactly.
    #[arg(long, conflicts_with = "certificate_oidc_issuer_regexp")]
    certificate_oidc_issuer: Option<String>,
    /// A regular expression the certificate's OIDC issuer must match.
    #[arg(long)]
    certificate_oidc_issuer_regexp: Option<String>,
    /// The GitHub workflow trigger the certificate must name (e.g. push).
    #[arg(long)]
    certificate_github_workflow_trigger: Option<String>,
    /// The commit SHA the certificate's GitHub workflow ran on.
    #[arg(long)]
    certificate_github_workflow_sha: Option<String>,
    /// The GitHub workflow name the certificate must name.
    #[arg(long)]
    certificate_github_workflow_name: Option<String>,
    /// The GitHub repository the certificate's workflow ran in (owner/name).
    #[arg(long)]
    certificate_github_workflow_repository: Option<String>,
    /// The git ref the certificate's workflow ran on (e.g. refs/heads/main).
    #[arg(long)]
    certificate_github_workflow_ref: Option<String>,
    /// The signing certificate (PEM or DER), given out of band: signatures must be made with it. It
    /// is verified like an attached one (chain, SCT, identity, at the signing time).
    #[arg(long, value_name = "FILE", conflicts_with = "key")]
    certificate: Option<PathBuf>,
    /// The CA certificates (PEM) signing certificates chain to, instead of the trusted root's
    /// Fulcio: the issuing CA first, the root last.
    #[arg(long, value_name = "FILE", conflicts_with = "key")]
    certificate_chain: Option<PathBuf>,
    /// The Sigstore trusted root (trusted_root.json) instead of the default: the TUF cache
    /// `ocitrust initialize` keeps, else the embedded public-good root.
    #[arg(long, value_name = "FILE")]
    trusted_root: Option<PathBuf>,
    /// Use the embedded public-good root rather than the TUF cache (no TUF refresh is attempted).
    #[arg(long, conflicts_with = "trusted_root")]
    offline: bool,
    /// Accept signatures without a transparency-log proof (insecure; recorded in the verdict).
    #[arg(long)]
    insecure_ignore_tlog: bool,
    /// Accept certificates without a verified signed certificate timestamp (insecure; recorded).
    #[arg(long)]
    insecure_ignore_sct: bool,
}

fn usage(message: &str) -> Error {
    Error::new(ErrorCode::InvalidArgument, message)
}

fn read_trust_file(path: &std::path::Path) -> Result<Vec<u8>> {
    ocitrust::registry::file::read_bounded(path, ocitrust::core::sigstore::TRUSTED_ROOT_SIZE_MAX as u64)
}

impl TrustArgs {
    /// The trusted root: `--trusted-root` whenever given (a key-signed bundle's RFC 3161 timestamps
    /// are judged under its timestamp authorities too); else, when `needed`, the TUF cache
    /// `ocitrust initialize` keeps (refreshed when expired), or — without one, or with `--offline` —
    /// the embedded public-good root. Not needed and not given: none (the embedded root is then
    /// read only if a signature asks for it).
    fn root(&self, needed: bool) -> Result<Option<Arc<TrustedRoot>>> {
        match (&self.trusted_root, needed) {
            (Some(path), _) => ocitrust::trusted_root_from_file(path).map(Some),
            (None, true) => ocitrust::public_good_trusted_root(self.offline).map(Some),
            (None, false) => Ok(None),
        }
    }

    /// The root keyless identities are judged under: the trusted root, its Fulcio CAs replaced by
    /// `--certificate-chain` when given.
    fn identity_root(&self, root: &Arc<TrustedRoot>) -> Result<Arc<TrustedRoot>> {
        match &self.certificate_chain {
            Some(path) => Ok(Arc::new(root.with_certificate_chain(&read_trust_file(path)?)?)),
            None => Ok(root.clone()),
        }
    }

    fn identity(&self) -> Result<Option<CertificateIdentity>> {
        let subject = match (&self.certificate_identity, &self.certificate_identity_regexp) {
            (Some(exact), _) => Some(Matcher::Exact(exact.clone())),
            (None, Some(pattern)) => Some(Matcher::regex(pattern, "--certificate-identity-regexp")?),
            (None, None) => None,
        };
        let issuer = match (&self.certificate_oidc_issuer, &self.certificate_oidc_issuer_regexp) {
            (Some(exact), _) => Some(Matcher::Exact(exact.clone())),
            (None, Some(pattern)) => Some(Matcher::regex(pattern, "--certificate-oidc-issuer-regexp")?),
            (None, None) => None,
        };
        let github_claims: Vec<(String, String)> = [
            ("github-workflow-trigger", &self.certificate_github_workflow_trigger),
            ("github-workflow-sha", &self.certificate_github_workflow_sha),
            ("github-workflow-name", &self.certificate_github_workflow_name),
            (
                "github-workflow-repository",
                &self.certificate_github_workflow_repository,
            ),
            ("github-workflow-ref", &self.certificate_github_workflow_ref),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.clone().map(|v| (name.to_owned(), v)))
        .collect();
        match (subject, issuer) {
            (Some(subject), Some(issuer)) => Ok(Some(CertificateIdentity {
                subject,
                issuer,
                github_claims,
            })),
            (None, None) if github_claims.is_empty() => Ok(None),
            (None, _) => Err(usage(
                "--certificate-identity or --certificate-identity-regexp is required for verification in keyless mode",
            )),
            (_, None) => Err(usage(
                "--certificate-oidc-issuer or --certificate-oidc-issuer-regexp is required for verification in keyless mode",
            )),
        }
    }

    /// A verifier trusting the key, or the identity under the trusted root (one of them must be given).
    pub fn verifier(&self) -> Result<Verifier> {
        let identity = self.identity()?;
        // Loaded only when a signature is judged under it: a keyless identity, or a key whose
        // transparency-log entry is checked.
        let root = self.root(identity.is_some() || (self.key.is_some() && !self.insecure_ignore_tlog))?;
        let mut authorities = Vec::new();
        if let Some(key) = &self.key {
            authorities.push(Authority::CosignKey(ocitrust::load_public_key(key)?));
        }
        if let (Some(identity), Some(root)) = (identity, &root) {
            let mut keyless = KeylessIdentity::new(identity, self.identity_root(root)?);
            if let Some(path) = &self.certificate {
                keyless = keyless.with_certificate(ocitrust::certificate_from_pem_or_der(&read_trust_file(path)?)?);
            }
            authorities.push(Authority::Keyless(keyless));
        } else if self.certificate.is_some() || self.certificate_chain.is_some() {
            return Err(usage(
                "--certificate and --certificate-chain need --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp]",
            ));
        }
        if authorities.is_empty() {
            return Err(usage(
                "give --key, or --certificate-identity[-regexp] with --certificate-oidc-issuer[-regexp] for keyless signatures",
            ));
        }
        let mut verifier = Verifier::trusting(authorities)
            .insecure_ignore_tlog(self.insecure_ignore_tlog)
            .insecure_ignore_sct(self.insecure_ignore_sct);
        if let Some(root) = root {
            verifier = verifier.trusted_root(root);
        }
        Ok(verifier)
    }
}
