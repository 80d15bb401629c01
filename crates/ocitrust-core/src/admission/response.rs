//! Writing the AdmissionReview response: the request's `uid`, `allowed`, a status whose message
//! names each denied image and why (one line each), warnings (each at most 120 characters, as
//! the API server shows them), and for a mutation a JSONPatch pinning images to the digests that
//! were verified.

use base64::Engine;
use serde_json::json;

use super::images::WorkloadImage;
use crate::digest::Digest;

/// Longest warning kept (the API server truncates longer ones).
pub const WARNING_LENGTH_MAX: usize = 120;

/// What the webhook answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdmissionAnswer {
    /// Whether the object may be admitted.
    pub allowed: bool,
    /// Why not, one line per denied image (empty when allowed).
    pub denials: Vec<String>,
    /// Warnings for the user (`warn`-mode denials).
    pub warnings: Vec<String>,
    /// Images to pin: each image as found, and the digest that was verified for it.
    pub pins: Vec<(WorkloadImage, Digest)>,
}

/// `image` (normalised) pinned to `digest`, keeping its tag for readers: `name:tag@digest`.
pub fn pinned_reference(image: &WorkloadImage, digest: &Digest) -> String {
    let without_digest = image.normalised.split('@').next().unwrap_or(&image.normalised);
    format!("{without_digest}@{digest}")
}

fn shortened(text: &str) -> String {
    if text.chars().count() <= WARNING_LENGTH_MAX {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(WARNING_LENGTH_MAX - 1).collect();
    short.push('…');
    short
}

/// The AdmissionReview (`admission.k8s.io/v1`) answering the request `uid`.
pub fn review_response(uid: &str, answer: &AdmissionAnswer) -> Vec<u8> {
    let mut response = json!({"uid": uid, "allowed": answer.allowed});
    if !answer.allowed {
        response["status"] = json!({"code": 403, "reason": "Forbidden", "message": answer.denials.join("\n")});
    }
    if !answer.warnings.is_empty() {
        response["warnings"] = answer.warnings.iter().map(|w| shortened(w)).collect();
    }
    let patch: Vec<serde_json::Value> = answer
        .pins
        .iter()
        .filter(|(image, digest)| pinned_reference(image, digest) != image.given)
        .map(
            |(image, digest)| json!({"op": "replace", "path": image.pointer, "value": pinned_reference(image, digest)}),
        )
        .collect();
    if answer.allowed && !patch.is_empty() {
        response["patchType"] = json!("JSONPatch");
        response["patch"] =
            json!(base64::engine::general_purpose::STANDARD.encode(serde_json::Value::from(patch).to_string()));
    }
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response})
        .to_string()
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(pointer: &str, given: &str, normalised: &str) -> WorkloadImage {
        WorkloadImage {
            pointer: pointer.into(),
            given: given.into(),
            normalised: normalised.into(),
        }
    }

    fn parsed(bytes: &[u8]) -> serde_json::Value {
        serde_json::from_slice(bytes).unwrap()
    }

    #[test]
    fn an_allowed_mutation_pins_every_image_to_the_digest_verified() {
        let digest = Digest::sha256(b"app");
        let answer = AdmissionAnswer {
            allowed: true,
            denials: Vec::new(),
            warnings: vec!["x".repeat(200)],
            pins: vec![
                (
                    image("/spec/containers/0/image", "nginx", "docker.io/library/nginx:latest"),
                    digest.clone(),
                ),
                (
                    image(
                        "/spec/containers/1/image",
                        &format!("app@{digest}"),
                        &format!("docker.io/library/app@{digest}"),
                    ),
                    digest.clone(),
                ),
            ],
        };
        let review = parsed(&review_response("uid-1", &answer));
        let response = &review["response"];
        assert_eq!(review["apiVersion"], "admission.k8s.io/v1");
        assert_eq!(response["uid"], "uid-1");
        assert_eq!(response["allowed"], true);
        assert!(response.get("status").is_none());
        assert_eq!(
            response["warnings"][0].as_str().unwrap().chars().count(),
            WARNING_LENGTH_MAX
        );
        assert_eq!(response["patchType"], "JSONPatch");
        let patch: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::STANDARD
                .decode(response["patch"].as_str().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            patch,
            json!([{"op": "replace", "path": "/spec/containers/0/image", "value": format!("docker.io/library/nginx:latest@{digest}")},
                   {"op": "replace", "path": "/spec/containers/1/image", "value": format!("docker.io/library/app@{digest}")}])
        );
    }

    #[test]
    fn a_denial_names_each_image_and_patches_nothing() {
        let answer = AdmissionAnswer {
            allowed: false,
            denials: vec!["a:v1: not signed".into(), "b:v2: no SBOM".into()],
            warnings: Vec::new(),
            pins: vec![(
                image("/spec/containers/0/image", "a:v1", "docker.io/library/a:v1"),
                Digest::sha256(b"a"),
            )],
        };
        let response = parsed(&review_response("uid-2", &answer))["response"].clone();
        assert_eq!(response["allowed"], false);
        assert_eq!(response["status"]["code"], 403);
        assert_eq!(response["status"]["message"], "a:v1: not signed\nb:v2: no SBOM");
        assert!(response.get("patch").is_none() && response.get("patchType").is_none());
        assert!(response.get("warnings").is_none());
    }
}
