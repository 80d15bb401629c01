//! Kubernetes admission, sans-IO: an `admission.k8s.io/v1` AdmissionReview read from the bytes the
//! API server sends, every image a workload names found with the JSON pointer of its field (so a
//! mutation can pin it), and the response written back. The HTTPS server that carries them is
//! elsewhere; what is here is what must be exactly right and never panic on hostile input.

mod deadline;
mod images;
mod response;
mod review;

pub use deadline::{request_timeout, DEFAULT_TIMEOUT, TIMEOUT_MAX};
pub use images::{workload_images, WorkloadImage, IMAGES_MAX};
pub use response::{pinned_reference, review_response, AdmissionAnswer, WARNING_LENGTH_MAX};
pub use review::{read_review, AdmissionRequest, ReviewError, REVIEW_SIZE_MAX};
