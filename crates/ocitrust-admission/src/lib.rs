//! ocitrust as a Kubernetes admission webhook: AdmissionReviews decided under a trust policy
//! (`ocitrust admission serve`), over HTTPS, with the fact cache in process and shared by the
//! replicas through Redis.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod admit;
pub mod evaluation_threads;
pub mod metrics;
pub mod redis_store;
pub mod resp;
pub mod server;
pub mod tls;
pub mod trust_refresh;

pub use admit::{Admission, Reviewed};
pub use redis_store::{RedisAddress, RedisFactStore};
pub use server::serve;
pub use tls::tls_config;
pub use trust_refresh::{keep_trust_material_current, PolicyLoader};
