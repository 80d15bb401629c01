//! `ocitrust notation cert …`: notation's trust store, as `notation cert add|ls|show|delete|
//! generate-test` manage it, in notation's configuration directory.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use clap::Subcommand;
use ocitrust::core::notation::TrustStoreType;
use ocitrust::core::sigstore::format_time;
use ocitrust::core::x509::generate_test_certificate;
use ocitrust::{Digest, Error, ErrorCode, NotationConfigDir, Result};

use super::table::print_table;
use crate::terminal::show;

/// `notation cert` subcommands.
#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Add certificate files to a named trust store.
    Add {
        /// The store's type.
        #[arg(short = 't', long = "type", value_parser = parse_store_type)]
        kind: TrustStoreType,
        /// The store's name.
        #[arg(short = 's', long)]
        store: String,
        /// Certificate files (PEM or DER).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List the trust store's certificate files.
    #[command(alias = "list")]
    Ls {
        /// Only stores of this type.
        #[arg(short = 't', long = "type", value_parser = parse_store_type)]
        kind: Option<TrustStoreType>,
        /// Only the store of this name.
        #[arg(short = 's', long)]
        store: Option<String>,
    },
    /// Show the certificates of a trust store file.
    Show {
        /// The store's type.
        #[arg(short = 't', long = "type", value_parser = parse_store_type)]
        kind: TrustStoreType,
        /// The store's name.
        #[arg(short = 's', long)]
        store: String,
        /// The certificate file's name.
        file: String,
    },
    /// Delete a certificate file from a store, or a whole store with --all.
    Delete {
        /// The store's type.
        #[arg(short = 't', long = "type", value_parser = parse_store_type)]
        kind: TrustStoreType,
        /// The store's name.
        #[arg(short = 's', long)]
        store: String,
        /// Delete the whole store.
        #[arg(short = 'a', long, conflicts_with = "file")]
        all: bool,
        /// Do not ask for confirmation (ocitrust never asks; accepted for notation's scripts).
        #[arg(short = 'y', long)]
        yes: bool,
        /// The certificate file's name.
        #[arg(required_unless_present = "all")]
        file: Option<String>,
    },
    /// Generate a test key and self-signed certificate, add the certificate to the `ca` store of
    /// that name and the key to the signing keys (ECDSA P-256; valid for a day, as notation's).
    GenerateTest {
        /// Make it the default signing key.
        #[arg(long)]
        default: bool,
        /// The key's and the certificate's common name.
        name: String,
    },
}

fn parse_store_type(text: &str) -> std::result::Result<TrustStoreType, String> {
    TrustStoreType::named(text)
        .ok_or_else(|| format!("unsupported trust store type {text:?}: expected ca, signingAuthority or tsa"))
}

pub fn run(command: CertCommand) -> Result<()> {
    let config = NotationConfigDir::from_environment()?;
    match command {
        CertCommand::Add { kind, store, files } => {
            let added = config.add_certificates(kind, &store, &files)?;
            show!("Successfully added following certificates to named store {store} of type {kind}:");
            for (file, _) in files.iter().zip(&added) {
                show!("{}", file.display());
            }
        }
        CertCommand::Ls { kind, store } => {
            let rows: Vec<Vec<String>> = config
                .list_certificates(kind, store.as_deref())?
                .into_iter()
                .map(|c| vec![c.kind.name().to_owned(), c.store, c.file])
                .collect();
            print_table(&["STORE TYPE", "STORE NAME", "CERTIFICATE"], &rows);
        }
        CertCommand::Show { kind, store, file } => {
            for certificate in config.read_stored_certificate(kind, &store, &file)? {
                show!("Certificate details");
                show!("{}", "-".repeat(80));
                show!("Issuer: {}", certificate.issuer_text());
                show!("Subject: {}", certificate.subject_text());
                show!("Valid from: {}", format_time(certificate.not_before()));
                show!("Valid to: {}", format_time(certificate.not_after()));
                show!("IsCA: {}", certificate.is_ca());
                show!("SHA256 Thumbprint: {}", Digest::sha256(certificate.der()).hex());
                show!("");
            }
        }
        CertCommand::Delete {
            kind, store, all, file, ..
        } => {
            if all {
                let dir = config.delete_store(kind, &store)?;
                show!("Successfully deleted {}", dir.display());
            } else {
                let file = file.ok_or_else(|| {
                    Error::new(ErrorCode::InvalidArgument, "name the certificate file, or pass --all")
                })?;
                config.delete_certificate(kind, &store, &file)?;
                show!("Successfully deleted {file}");
            }
        }
        CertCommand::GenerateTest { default, name } => {
            let (key, certificate) = generate_test_certificate(&name, SystemTime::now(), Duration::from_secs(86_400))?;
            let entry = config.add_test_key(&name, &key, &certificate, default)?;
            show!("generating ECDSA P-256 key pair and self-signed certificate for {name}");
            if let Some(path) = &entry.key_path {
                show!("wrote key: {}", path.display());
            }
            if let Some(path) = &entry.cert_path {
                show!("wrote certificate: {}", path.display());
            }
            show!("Successfully added {name}.crt to named store {name} of type ca");
            if default {
                show!("{name}: marked as default signing key");
            }
        }
    }
    Ok(())
}
