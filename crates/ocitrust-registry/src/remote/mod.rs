//! OCI registries: a distribution-API client (async inside, on reqwest + rustls with ring, driven by
//! a private tokio runtime behind a blocking interface) and the discovery of cosign signatures in it.

mod address_policy;
mod auth;
mod blocking;
mod client;
mod content_cache;
mod discover;
mod endpoint;
mod https_fetch;
mod named_url_client;
mod options;
mod revocation_fetcher;
mod timestamp_authority;
pub(crate) mod tls;
mod token_realm;
mod transport;

pub use client::{
    Referrer, ReferrersSource, RegistryClient, OPERATION_TIMEOUT_DEFAULT, REFERRERS_MAX, REFERRER_PAGES_MAX,
};
pub use discover::{discover_in_registry, discover_referrers, RegistryEvidence};
pub use endpoint::Endpoint;
pub use https_fetch::fetch_https;
pub use options::{Credentials, RegistryOptions};
pub use revocation_fetcher::{HttpRevocationSource, CRL_TIMEOUT, OCSP_TIMEOUT};
pub use timestamp_authority::{exchange_timestamp, TIMESTAMP_TIMEOUT};
pub use tls::TLS_PEM_FILE_SIZE_MAX;
