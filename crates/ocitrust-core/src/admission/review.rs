//! Reading an AdmissionReview: `admission.k8s.io/v1` only, at most the API server's own limit of
//! 3 MiB, with a request that has a `uid`. Anything else is refused with a message the server turns
//! into HTTP 400 — never a guess about what was meant.

use std::fmt;

use serde::Deserialize;

/// Largest AdmissionReview read: the API server's own request limit (3 MiB).
pub const REVIEW_SIZE_MAX: usize = 3 * 1024 * 1024;

/// Why a review was refused (the server answers HTTP 400 with it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewError(pub String);

impl fmt::Display for ReviewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The part of an admission request a decision needs.
#[derive(Debug, Clone, PartialEq)]
pub struct AdmissionRequest {
    /// The request's `uid`, which the response must echo.
    pub uid: String,
    /// The object's kind (`Pod`, `Deployment`, `CronJob`, …), from `request.kind.kind`.
    pub kind: String,
    /// Its API group (`""` for the core group, `apps`, `batch`, …).
    pub group: String,
    /// The subresource, when there is one (`ephemeralcontainers`).
    pub sub_resource: Option<String>,
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    pub operation: String,
    /// The namespace, when the object has one.
    pub namespace: Option<String>,
    /// The object as it would be stored (`null` for a deletion).
    pub object: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Review {
    api_version: Option<String>,
    kind: Option<String>,
    request: Option<Request>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    uid: Option<String>,
    kind: Option<Kind>,
    sub_resource: Option<String>,
    operation: Option<String>,
    namespace: Option<String>,
    #[serde(default)]
    object: serde_json::Value,
}

#[derive(Deserialize)]
struct Kind {
    #[serde(default)]
    group: String,
    kind: Option<String>,
}

fn refuse(message: impl Into<String>) -> ReviewError {
    ReviewError(message.into())
}

/// Reads an AdmissionReview (`admission.k8s.io/v1`) from `bytes`.
pub fn read_review(bytes: &[u8]) -> Result<AdmissionRequest, ReviewError> {
    if bytes.len() > REVIEW_SIZE_MAX {
        return Err(refuse(format!(
            "the AdmissionReview is {} bytes, more than the API server's limit of {REVIEW_SIZE_MAX}",
            bytes.len()
        )));
    }
    let review: Review =
        serde_json::from_slice(bytes).map_err(|e| refuse(format!("the body is not an AdmissionReview: {e}")))?;
    match review.api_version.as_deref() {
        Some("admission.k8s.io/v1") => {}
        Some(other) => {
            return Err(refuse(format!(
                "AdmissionReview {other} is not served: configure the webhook with admissionReviewVersions: [\"v1\"]"
            )))
        }
        None => return Err(refuse("the AdmissionReview has no apiVersion")),
    }
    if review.kind.as_deref() != Some("AdmissionReview") {
        return Err(refuse(format!(
            "the body's kind is {:?}, not AdmissionReview",
            review.kind
        )));
    }
    let request = review
        .request
        .ok_or_else(|| refuse("the AdmissionReview has no request"))?;
    let uid = request
        .uid
        .filter(|uid| !uid.is_empty())
        .ok_or_else(|| refuse("the AdmissionReview's request has no uid"))?;
    let kind = request
        .kind
        .ok_or_else(|| refuse("the AdmissionReview's request has no kind"))?;
    Ok(AdmissionRequest {
        uid,
        kind: kind
            .kind
            .ok_or_else(|| refuse("the AdmissionReview's request kind has no kind"))?,
        group: kind.group,
        sub_resource: request.sub_resource.filter(|s| !s.is_empty()),
        operation: request.operation.unwrap_or_default(),
        namespace: request.namespace.filter(|n| !n.is_empty()),
        object: request.object,
    })
}
