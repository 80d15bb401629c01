//! Every image a workload names, wherever a Pod can name one: `containers`, `initContainers`,
//! `ephemeralContainers` and image volumes (`volumes[].image.reference`) of a Pod's spec, of the
//! pod template of a Deployment, ReplicaSet, StatefulSet, DaemonSet, Job or ReplicationController,
//! and of a CronJob's job template. Each is given with the JSON pointer of its field (for a
//! JSONPatch that pins it) and its normalised form (`nginx` is `docker.io/library/nginx:latest`).

use super::review::{AdmissionRequest, ReviewError};
use crate::reference::{Reference, DEFAULT_TAG};

/// Most images one request may name (a Pod with more is refused rather than judged in part).
pub const IMAGES_MAX: usize = 1024;

/// One image a workload names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadImage {
    /// The JSON pointer (RFC 6901) of the field, e.g. `/spec/template/spec/containers/0/image`.
    pub pointer: String,
    /// The image as written.
    pub given: String,
    /// The image normalised: registry, repository and tag or digest (`latest` when neither).
    pub normalised: String,
}

impl WorkloadImage {
    /// Whether the workload names it in a shorter form than its normalised one.
    pub fn was_normalised(&self) -> bool {
        self.given != self.normalised
    }
}

/// Where the pod spec of an object of `group`/`kind` is, as JSON pointer segments; `None` for
/// kinds that run no containers.
fn pod_spec_path(group: &str, kind: &str) -> Option<&'static [&'static str]> {
    match (group, kind) {
        ("", "Pod") => Some(&["spec"]),
        ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet")
        | ("batch", "Job")
        | ("", "ReplicationController") => Some(&["spec", "template", "spec"]),
        ("batch", "CronJob") => Some(&["spec", "jobTemplate", "spec", "template", "spec"]),
        _ => None,
    }
}

/// A reference normalised as the container runtime reads it.
fn normalise(given: &str) -> Result<String, String> {
    let reference = Reference::parse(given).map_err(|e| e.message().to_owned())?;
    let name = format!("{}/{}", reference.registry(), reference.repository());
    Ok(match (reference.tag(), reference.digest()) {
        (Some(tag), Some(digest)) => format!("{name}:{tag}@{digest}"),
        (None, Some(digest)) => format!("{name}@{digest}"),
        (Some(tag), None) => format!("{name}:{tag}"),
        (None, None) => format!("{name}:{DEFAULT_TAG}"),
    })
}

/// Escapes a JSON pointer segment (RFC 6901: `~` as `~0`, `/` as `~1`).
fn segment(text: &str) -> String {
    text.replace('~', "~0").replace('/', "~1")
}

/// Every image the request's object names, in document order. A deletion, or a kind that runs no
/// containers, names none. An image field that is not a string, or names no valid reference, is
/// refused: a workload the webhook cannot read must not be admitted unread.
pub fn workload_images(request: &AdmissionRequest) -> Result<Vec<WorkloadImage>, ReviewError> {
    if request.object.is_null() {
        return Ok(Vec::new());
    }
    let Some(path) = pod_spec_path(&request.group, &request.kind) else {
        return Ok(Vec::new());
    };
    let mut spec = &request.object;
    for key in path {
        spec = match spec.get(key) {
            Some(next) => next,
            None => return Ok(Vec::new()),
        };
    }
    let base = format!("/{}", path.join("/"));
    let mut images = Vec::new();
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        let Some(items) = spec.get(list) else { continue };
        let items = items
            .as_array()
            .ok_or_else(|| ReviewError(format!("{base}/{list} is not a list")))?;
        for (i, container) in items.iter().enumerate() {
            let pointer = format!("{base}/{list}/{i}/image");
            match container.get("image") {
                // A container without an image is refused by the API server's validation; an
                // ephemeral container update may carry one unchanged: either way there is nothing
                // to judge here.
                None | Some(serde_json::Value::Null) => {}
                Some(image) => images.push(image_at(pointer, image)?),
            }
        }
    }
    if let Some(volumes) = spec.get("volumes") {
        let volumes = volumes
            .as_array()
            .ok_or_else(|| ReviewError(format!("{base}/volumes is not a list")))?;
        for (i, volume) in volumes.iter().enumerate() {
            if let Some(reference) = volume.get("image").and_then(|image| image.get("reference")) {
                images.push(image_at(
                    format!("{base}/volumes/{i}/image/{}", segment("reference")),
                    reference,
                )?);
            }
        }
    }
    if images.len() > IMAGES_MAX {
        return Err(ReviewError(format!(
            "the {} names {} images, more than the {IMAGES_MAX} judged in one request",
            request.kind,
            images.len()
        )));
    }
    Ok(images)
}

fn image_at(pointer: String, value: &serde_json::Value) -> Result<WorkloadImage, ReviewError> {
    let given = value
        .as_str()
        .ok_or_else(|| ReviewError(format!("{pointer} is not a string")))?
        .to_owned();
    let normalised = normalise(&given).map_err(|why| ReviewError(format!("{pointer}: {why}")))?;
    Ok(WorkloadImage {
        pointer,
        given,
        normalised,
    })
}

#[cfg(test)]
mod tests;
