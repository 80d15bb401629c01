use serde_json::json;

use super::*;
use crate::admission::{read_review, REVIEW_SIZE_MAX};

const DIGEST: &str = "sha256:198ab5544a1261f11a03498d804fe00986882f0366803d30a27b353393736524";

/// An AdmissionReview as the API server sends it, for `object` of `group/version` `kind`.
fn review(
    group: &str,
    version: &str,
    kind: &str,
    resource: &str,
    sub_resource: Option<&str>,
    object: serde_json::Value,
) -> Vec<u8> {
    let mut request = json!({
        "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": resource},
        "requestKind": {"group": group, "version": version, "kind": kind},
        "name": "app",
        "namespace": "prod",
        "operation": "CREATE",
        "userInfo": {"username": "admin", "uid": "014fbff9a07c", "groups": ["system:authenticated"]},
        "object": object,
        "oldObject": null,
        "dryRun": false,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}
    });
    if let Some(sub) = sub_resource {
        request["subResource"] = json!(sub);
    }
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request})
        .to_string()
        .into_bytes()
}

fn pod_spec() -> serde_json::Value {
    json!({
        "initContainers": [{"name": "init", "image": "busybox"}],
        "containers": [
            {"name": "app", "image": "registry.example.com/team/app:v1"},
            {"name": "sidecar", "image": format!("ghcr.io/org/proxy@{DIGEST}")}
        ],
        "ephemeralContainers": [{"name": "debug", "image": "nginx:1.25"}],
        "volumes": [{"name": "models", "image": {"reference": "quay.io/ai/model:v2", "pullPolicy": "IfNotPresent"}},
                    {"name": "cache", "emptyDir": {}}]
    })
}

fn images(bytes: &[u8]) -> Vec<(String, String)> {
    let request = read_review(bytes).unwrap();
    workload_images(&request)
        .unwrap()
        .into_iter()
        .map(|i| (i.pointer, i.normalised))
        .collect()
}

#[test]
fn a_pod_names_images_in_every_place_a_pod_can() {
    let found = images(&review(
        "",
        "v1",
        "Pod",
        "pods",
        None,
        json!({"metadata": {"name": "app"}, "spec": pod_spec()}),
    ));
    assert_eq!(
        found,
        vec![
            (
                "/spec/initContainers/0/image".into(),
                "docker.io/library/busybox:latest".into()
            ),
            (
                "/spec/containers/0/image".into(),
                "registry.example.com/team/app:v1".into()
            ),
            ("/spec/containers/1/image".into(), format!("ghcr.io/org/proxy@{DIGEST}")),
            (
                "/spec/ephemeralContainers/0/image".into(),
                "docker.io/library/nginx:1.25".into()
            ),
            ("/spec/volumes/0/image/reference".into(), "quay.io/ai/model:v2".into()),
        ]
    );
}

#[test]
fn workloads_name_the_images_of_their_pod_templates() {
    let template = json!({"spec": {"template": {"metadata": {}, "spec": pod_spec()}}});
    for (group, kind, resource) in [
        ("apps", "Deployment", "deployments"),
        ("apps", "ReplicaSet", "replicasets"),
        ("apps", "StatefulSet", "statefulsets"),
        ("apps", "DaemonSet", "daemonsets"),
        ("batch", "Job", "jobs"),
        ("", "ReplicationController", "replicationcontrollers"),
    ] {
        let found = images(&review(group, "v1", kind, resource, None, template.clone()));
        assert_eq!(found.len(), 5, "{kind}");
        assert_eq!(found[1].0, "/spec/template/spec/containers/0/image", "{kind}");
    }
    let cronjob =
        json!({"spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": pod_spec()}}}}});
    let found = images(&review("batch", "v1", "CronJob", "cronjobs", None, cronjob));
    assert_eq!(found[1].0, "/spec/jobTemplate/spec/template/spec/containers/0/image");
    assert_eq!(found.len(), 5);
}

#[test]
fn the_ephemeral_containers_subresource_names_the_debug_image() {
    let pod = json!({"spec": {"containers": [{"name": "app", "image": "app:v1"}],
                              "ephemeralContainers": [{"name": "debugger", "image": "busybox:1.36", "targetContainerName": "app"}]}});
    let bytes = review("", "v1", "Pod", "pods", Some("ephemeralcontainers"), pod);
    let request = read_review(&bytes).unwrap();
    assert_eq!(request.sub_resource.as_deref(), Some("ephemeralcontainers"));
    let found = workload_images(&request).unwrap();
    assert_eq!(found[1].pointer, "/spec/ephemeralContainers/0/image");
    assert_eq!(found[1].normalised, "docker.io/library/busybox:1.36");
    assert!(found[1].was_normalised());
}

#[test]
fn kinds_that_run_nothing_and_deletions_name_no_image() {
    assert!(images(&review(
        "",
        "v1",
        "ConfigMap",
        "configmaps",
        None,
        json!({"data": {"image": "x"}})
    ))
    .is_empty());
    assert!(images(&review("apps", "v1", "Pod", "pods", None, json!({"spec": pod_spec()}))).is_empty());
    assert!(images(&review("", "v1", "Pod", "pods", None, serde_json::Value::Null)).is_empty());
    assert!(images(&review("", "v1", "Pod", "pods", None, json!({"metadata": {}}))).is_empty());
}

#[track_caller]
fn refused(bytes: &[u8], message: &str) {
    let error = match read_review(bytes) {
        Err(e) => e,
        Ok(request) => workload_images(&request).unwrap_err(),
    };
    assert!(error.0.contains(message), "{:?} does not contain {message:?}", error.0);
}

#[test]
fn malformed_oversized_or_foreign_reviews_are_refused_with_a_reason() {
    let pod = |spec: serde_json::Value| review("", "v1", "Pod", "pods", None, json!({"spec": spec}));
    refused(b"not json", "not an AdmissionReview");
    refused(b"[]", "not an AdmissionReview");
    refused(&vec![b' '; REVIEW_SIZE_MAX + 1], "more than the API server's limit");
    refused(
        json!({"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview", "request": {"uid": "u"}})
            .to_string()
            .as_bytes(),
        "admission.k8s.io/v1beta1 is not served",
    );
    refused(
        json!({"kind": "AdmissionReview"}).to_string().as_bytes(),
        "no apiVersion",
    );
    refused(
        json!({"apiVersion": "admission.k8s.io/v1", "kind": "Pod"})
            .to_string()
            .as_bytes(),
        "not AdmissionReview",
    );
    refused(
        json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"})
            .to_string()
            .as_bytes(),
        "no request",
    );
    refused(
        json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "", "kind": {"kind": "Pod"}}})
            .to_string()
            .as_bytes(),
        "no uid",
    );
    refused(
        json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "u"}})
            .to_string()
            .as_bytes(),
        "no kind",
    );
    refused(
        &pod(json!({"containers": {"name": "app"}})),
        "/spec/containers is not a list",
    );
    refused(
        &pod(json!({"containers": [{"name": "app", "image": 7}]})),
        "/spec/containers/0/image is not a string",
    );
    refused(
        &pod(json!({"containers": [{"name": "app", "image": "App:v1"}]})),
        "/spec/containers/0/image: invalid reference",
    );
    refused(
        &pod(json!({"containers": [{"name": "app", "image": ""}]})),
        "empty reference",
    );
    refused(
        &pod(json!({"volumes": [{"name": "v", "image": {"reference": ["x"]}}]})),
        "/spec/volumes/0/image/reference is not a string",
    );
    refused(&pod(json!({"volumes": "none"})), "/spec/volumes is not a list");
    let many: Vec<serde_json::Value> = (0..=IMAGES_MAX)
        .map(|i| json!({"name": format!("c{i}"), "image": "app:v1"}))
        .collect();
    refused(
        &pod(json!({"containers": many})),
        "more than the 1024 judged in one request",
    );
}
