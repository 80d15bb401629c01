#!/usr/bin/env python3
"""The JSON Schema of the trust policy (schema/trust-policy.v1alpha1.schema.json) against the reader:
the committed example and the README's complete example must validate, and for a corpus of
documents (valid ones and one per rule the schema can express) the schema and `ocitrust policy check`
must agree on which are valid. Usage: check_policy_schema.py OCITRUST_BINARY"""
import json
import pathlib
import re
import subprocess
import sys
import tempfile

import jsonschema
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schema" / "trust-policy.v1alpha1.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(SCHEMA)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

HEAD = "apiVersion: ocitrust.dev/v1alpha1\nkind: TrustPolicy\n"
KEY = "authorities:\n  k: {cosign: {key: key.pub, tlog: ignore}}\n"
CORPUS = {
    "minimal": (HEAD, True),
    "one policy": (HEAD + KEY + "policies:\n- name: p\n  scope: ['**']\n  signatures: {any: [k]}\n", True),
    "nested": (HEAD + KEY + "policies:\n- name: p\n  scope: ['a.io/**']\n  signatures: {atLeast: 1, of: [k, {all: [k]}]}\n", True),
    "reject": (HEAD + "policies:\n- name: p\n  scope: ['*']\n  reject: true\n", True),
    "wrong apiVersion": ("apiVersion: v1\nkind: TrustPolicy\n", False),
    "wrong kind": ("apiVersion: ocitrust.dev/v1alpha1\nkind: Policy\n", False),
    "unknown top field": (HEAD + "polices: []\n", False),
    "unknown policy field": (HEAD + KEY + "policies:\n- name: p\n  scope: ['*']\n  mood: warn\n  signatures: {any: [k]}\n", False),
    "bad mode": (HEAD + KEY + "policies:\n- name: p\n  scope: ['*']\n  mode: dryrun\n  signatures: {any: [k]}\n", False),
    "no requirement": (HEAD + "policies:\n- name: p\n  scope: ['*']\n", False),
    "reject and signatures": (HEAD + KEY + "policies:\n- name: p\n  scope: ['*']\n  reject: true\n  signatures: {any: [k]}\n", False),
    "empty scope": (HEAD + "policies:\n- name: p\n  scope: []\n  reject: true\n", False),
    "atLeast zero": (HEAD + KEY + "policies:\n- name: p\n  scope: ['*']\n  signatures: {atLeast: 0, of: [k]}\n", False),
    "of without atLeast": (HEAD + KEY + "policies:\n- name: p\n  scope: ['*']\n  signatures: {of: [k]}\n", False),
    "two kinds of authority": (HEAD + "authorities:\n  k: {cosign: {key: key.pub}, notation: {}}\n", False),
    "cosign without key": (HEAD + "authorities:\n  k: {cosign: {tlog: ignore}}\n", False),
    "bad tlog": (HEAD + "authorities:\n  k: {cosign: {key: key.pub, tlog: maybe}}\n", False),
    "bad name": (HEAD + "authorities:\n  '-k': {cosign: {key: key.pub}}\n", False),
    "keyless without issuer": (HEAD + "trustRoots:\n  r: {sigstore: {trustedRoot: embedded}}\nauthorities:\n  k: {keyless: {trustRoot: r, identity: a}}\n", False),
    "bad level": (HEAD + "trustRoots:\n  r: {x509: {ca: [ca.pem]}}\nauthorities:\n  n: {notation: {trustRoots: [r], trustedIdentities: ['*'], level: lenient}}\n", False),
    "integrity override": (HEAD + "trustRoots:\n  r: {x509: {ca: [ca.pem]}}\nauthorities:\n  n: {notation: {trustRoots: [r], trustedIdentities: ['*'], override: {integrity: log}}}\n", False),
    "sigstore root both ways": (HEAD + "trustRoots:\n  r: {sigstore: {trustedRoot: embedded, rekorKeys: [k.pub]}}\n", False),
    "attestation without by": (HEAD + KEY + "policies:\n- name: p\n  scope: ['*']\n  attestations: [{predicateType: spdx}]\n", False),
}


def readme_example() -> str:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Trust policy"):]
    return re.search(r"```yaml\n(.*?)```", section, re.S).group(1)


def main() -> None:
    binary = sys.argv[1]
    failures = []
    for name, document in [
        ("examples/trust-policy/policy.yaml", (ROOT / "examples/trust-policy/policy.yaml").read_text()),
        ("README example", readme_example()),
    ]:
        errors = [e.message for e in VALIDATOR.iter_errors(yaml.safe_load(document))]
        if errors:
            failures.append(f"{name}: the schema refuses it: {errors[:3]}")
    with tempfile.TemporaryDirectory() as work:
        work = pathlib.Path(work)
        (work / "key.pub").write_bytes((ROOT / "examples/sample-image/cosign.pub").read_bytes())
        for name, (document, valid) in CORPUS.items():
            path = work / "policy.yaml"
            path.write_text(document)
            schema_valid = not list(VALIDATOR.iter_errors(yaml.safe_load(document)))
            check = subprocess.run([binary, "policy", "check", str(path)], capture_output=True, text=True)
            reader_valid = check.returncode == 0
            if schema_valid != valid or reader_valid != valid:
                failures.append(f"{name}: expected valid={valid}, schema says {schema_valid}, "
                                f"policy check says {reader_valid} ({check.stderr.strip()})")
    if failures:
        sys.exit("\n".join(failures))
    print(f"schema and reader agree on {len(CORPUS)} documents; both examples validate")


if __name__ == "__main__":
    main()
