#!/usr/bin/env python3
"""The manifests in deploy/ against what the admission server and the issue require: every document
parses; the Deployment runs 2 replicas with flags `ocitrust admission serve` accepts; both webhook
configurations fail closed (failurePolicy Fail), time out at 10 s, have no side effects, speak v1,
cover every workload kind and pods/ephemeralcontainers, and exclude the webhook's own namespace;
the ConfigMap's policy passes `ocitrust policy check`. Usage: check_deploy.py OCITRUST_BINARY"""
import pathlib
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
binary = sys.argv[1]
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


docs = {}
for path in sorted(DEPLOY.glob("*.yaml")):
    for doc in yaml.safe_load_all(path.read_text()):
        if doc and doc.get("kind") != "Kustomization":
            docs[(doc["kind"], doc["metadata"]["name"])] = doc

deployment = docs[("Deployment", "ocitrust-webhook")]
check(deployment["spec"]["replicas"] == 2, "the webhook runs 2 replicas")
container = deployment["spec"]["template"]["spec"]["containers"][0]
check(container["args"][:2] == ["admission", "serve"], "the container runs admission serve")
accepted = subprocess.run([binary, "admission", "serve", "--help"], capture_output=True, text=True, check=True).stdout
for arg in container["args"][2:]:
    flag = arg.split("=")[0]
    check(flag in accepted, f"admission serve accepts {flag}")
# The TUF cache needs a writable directory under a read-only root filesystem.
cache_home = {e["name"]: e.get("value") for e in container.get("env", [])}.get("XDG_CACHE_HOME")
mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
if any(arg.startswith("--tuf-mirror") for arg in container["args"]):
    check(cache_home in mounts and "emptyDir" in volumes[mounts[cache_home]],
          "with --tuf-mirror, XDG_CACHE_HOME is a writable emptyDir")
check(docs[("Service", "ocitrust-webhook")]["spec"]["ports"][0]["port"] == 443, "the Service listens on 443")
check(("PodDisruptionBudget", "ocitrust-webhook") in docs, "a PodDisruptionBudget keeps one replica")

WANTED = {("", "pods"), ("", "pods/ephemeralcontainers"), ("", "replicationcontrollers"), ("apps", "deployments"),
          ("apps", "replicasets"), ("apps", "statefulsets"), ("apps", "daemonsets"), ("batch", "jobs"),
          ("batch", "cronjobs")}
for kind, path in [("MutatingWebhookConfiguration", "/mutate"), ("ValidatingWebhookConfiguration", "/validate")]:
    (webhook,) = docs[(kind, "ocitrust")]["webhooks"]
    check(webhook["failurePolicy"] == "Fail", f"{kind}: failurePolicy Fail")
    check(webhook["timeoutSeconds"] == 10, f"{kind}: timeoutSeconds 10")
    check(webhook["sideEffects"] == "None", f"{kind}: sideEffects None")
    check(webhook["admissionReviewVersions"] == ["v1"], f"{kind}: v1 reviews")
    check(webhook["clientConfig"]["service"]["path"] == path, f"{kind}: path {path}")
    covered = {(group, resource) for rule in webhook["rules"] for group in rule["apiGroups"] for resource in rule["resources"]}
    check(WANTED <= covered, f"{kind}: covers {sorted(WANTED - covered)}")
    ephemeral = [r for r in webhook["rules"] if "pods/ephemeralcontainers" in r["resources"]]
    check(bool(ephemeral) and "UPDATE" in ephemeral[0]["operations"], f"{kind}: ephemeral containers on UPDATE")
    (expression,) = webhook["namespaceSelector"]["matchExpressions"]
    check(expression == {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["ocitrust-system"]},
          f"{kind}: excludes its own namespace")

config = docs[("ConfigMap", "ocitrust-policy")]["data"]
with tempfile.TemporaryDirectory() as folder:
    for name, text in config.items():
        (pathlib.Path(folder) / name).write_text(text)
    checked = subprocess.run([binary, "policy", "check", str(pathlib.Path(folder) / "policy.yaml")], capture_output=True, text=True)
    check(checked.returncode == 0, f"the ConfigMap's policy checks: {checked.stderr.strip()}")

if failures:
    print("deploy/ does not hold:\n  " + "\n  ".join(failures), file=sys.stderr)
    sys.exit(1)
print(f"deploy/: {len(docs)} objects checked")
