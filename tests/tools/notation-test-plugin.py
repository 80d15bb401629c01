#!/usr/bin/env python3
"""A Notary Project plugin for the tests (contract 1.0), installed by them as
plugins/test/notation-test. It signs (SIGNATURE_GENERATOR.RAW, RSA-2048 with the test PKI's
signer, found through its settings) and verifies (TRUSTED_IDENTITY, REVOCATION_CHECK), so
that notation makes envelopes naming it and both notation and ocitrust must run it to verify them.

The plugin config (--plugin-config) steers verify-signature: identity=deny fails the trusted
identity, revocation=revoked fails the revocation check, process=none leaves the critical
attributes unprocessed. Its settings are in settings.json beside it (a plugin gets only a few
variables of the verifier's environment from ocitrust): "pki" (the test PKI's directory), "log" (a
file every command is logged to, with the names of the environment variables it got) and
"version" (the version it reports, default 1.0.0).
"""
import base64
import json
import os
import pathlib
import subprocess
import sys


def fail(code: str, message: str) -> None:
    sys.stderr.write(json.dumps({"errorCode": code, "errorMessage": message}))
    sys.exit(1)


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    request = json.loads(sys.stdin.read() or "{}")
    settings_file = pathlib.Path(sys.argv[0]).resolve().parent / "settings.json"
    settings = json.loads(settings_file.read_text()) if settings_file.exists() else {}
    log = settings.get("log")
    if log:
        with open(log, "a") as f:
            f.write(json.dumps({"command": command, "request": request,
                                "environment": sorted(os.environ)}) + "\n")
    pki = pathlib.Path(settings.get("pki", "."))
    config = request.get("pluginConfig") or {}
    if command == "get-plugin-metadata":
        print(json.dumps({
            "name": "test", "description": "ocitrust's test plugin",
            "version": settings.get("version", "1.0.0"),
            "url": "https://example.invalid/ocitrust", "supportedContractVersions": ["1.0"],
            "capabilities": ["SIGNATURE_GENERATOR.RAW", "SIGNATURE_VERIFIER.TRUSTED_IDENTITY",
                             "SIGNATURE_VERIFIER.REVOCATION_CHECK"]}))
    elif command == "describe-key":
        print(json.dumps({"keyId": request["keyId"], "keySpec": "RSA-2048"}))
    elif command == "generate-signature":
        payload = base64.b64decode(request["payload"])
        signature = subprocess.run(
            ["openssl", "dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest",
             "-sign", str(pki / "signer-rsa.key.pem")], input=payload, capture_output=True, check=True).stdout
        chain = []
        for name in ["signer-rsa", "intermediate", "root"]:
            der = subprocess.run(["openssl", "x509", "-in", str(pki / f"{name}.pem"), "-outform", "DER"],
                                 capture_output=True, check=True).stdout
            chain.append(base64.b64encode(der).decode())
        print(json.dumps({"keyId": request["keyId"], "signature": base64.b64encode(signature).decode(),
                          "signingAlgorithm": "RSASSA-PSS-SHA-256", "certificateChain": chain}))
    elif command == "verify-signature":
        results = {}
        for capability in request["trustPolicy"]["signatureVerification"]:
            if capability == "SIGNATURE_VERIFIER.TRUSTED_IDENTITY":
                ok = config.get("identity", "allow") != "deny"
                results[capability] = {"success": ok, "reason": "identity allowed" if ok else "identity denied by the test plugin"}
            elif capability == "SIGNATURE_VERIFIER.REVOCATION_CHECK":
                ok = config.get("revocation", "good") != "revoked"
                results[capability] = {"success": ok, "reason": "not revoked" if ok else "revoked, says the test plugin"}
        processed = [] if config.get("process") == "none" else request["signature"].get("unprocessedAttributes", [])
        print(json.dumps({"verificationResults": results, "processedAttributes": processed}))
    else:
        fail("VALIDATION_ERROR", f"unknown command {command!r}")


if __name__ == "__main__":
    main()
