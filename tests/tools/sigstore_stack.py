#!/usr/bin/env python3
"""A private Sigstore on loopback, for keyless signing by the real cosign.

Starts, in WORK_DIR, on free 127.0.0.1 ports: an OIDC issuer (here, in Python: discovery, JWKS, and
RS256 ID tokens for ci@example.com), Fulcio (ephemeral CA, email identities from that issuer), a CT
log (tesseract, Fulcio's SCTs), Rekor v2 (rekor-tiles, Ed25519 checkpoints, origin 127.0.0.1), a
timestamp authority, and a stand-in for Rekor v1's write API (here, in Python: see RekorV1), for cosign
v2's legacy layers with a Rekor bundle; writes the trusted root and signing config cosign v3 makes from them; then runs
COMMAND with these in its environment, and stops everything when it ends:

  SIGSTORE_STACK_DIR            WORK_DIR
  SIGSTORE_STACK_TOKEN          a fresh ID token (aud sigstore) for ci@example.com
  SIGSTORE_STACK_ISSUER         the OIDC issuer URL
  SIGSTORE_STACK_IDENTITY       ci@example.com
  SIGSTORE_STACK_FULCIO         Fulcio's URL        SIGSTORE_STACK_TSA      the TSA's timestamp URL
  SIGSTORE_STACK_TRUSTED_ROOT   WORK_DIR/trusted-root.json
  SIGSTORE_STACK_SIGNING_CONFIG WORK_DIR/signing-config.json
  SIGSTORE_STACK_FULCIO_ROOT    WORK_DIR/fulcio-chain.pem  (for cosign v2's SIGSTORE_ROOT_FILE)
  SIGSTORE_STACK_CT_KEY         WORK_DIR/ct.pub            (for cosign v2's SIGSTORE_CT_LOG_PUBLIC_KEY_FILE)
  SIGSTORE_STACK_REKOR_V1       the Rekor v1 stand-in's URL (cosign v2's --rekor-url)
  SIGSTORE_STACK_REKOR_V1_KEY   WORK_DIR/rekor-v1.pub      (for cosign v2's SIGSTORE_REKOR_PUBLIC_KEY)

Usage: sigstore_stack.py WORK_DIR COSIGN_V3 -- COMMAND...
The service binaries come from tests/tools/install.sh (OCITRUST_SIGSTORE_* in the environment).
"""
import base64
import hashlib
import http.server
import json
import os
import pathlib
import socket
import subprocess
import sys
import threading
import time
import urllib.request

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

IDENTITY = "ci@example.com"
START = "2020-01-01T00:00:00Z"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Issuer:
    """A minimal OIDC issuer: discovery, JWKS, and ID tokens signed with one RSA key."""

    def __init__(self, port: int):
        self.url = f"http://127.0.0.1:{port}"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = self.key.public_key().public_numbers()
        as_bytes = lambda n: n.to_bytes((n.bit_length() + 7) // 8, "big")
        jwks = {"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "stack",
                          "n": b64url(as_bytes(numbers.n)), "e": b64url(as_bytes(numbers.e))}]}
        discovery = {"issuer": self.url, "jwks_uri": f"{self.url}/jwks",
                     "authorization_endpoint": f"{self.url}/auth", "token_endpoint": f"{self.url}/token",
                     "response_types_supported": ["id_token"], "subject_types_supported": ["public"],
                     "id_token_signing_alg_values_supported": ["RS256"]}
        documents = {"/.well-known/openid-configuration": discovery, "/jwks": jwks}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                document = documents.get(self.path)
                body = json.dumps(document).encode()
                self.send_response(200 if document else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self) -> str:
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "kid": "stack"}
        claims = {"iss": self.url, "sub": IDENTITY, "aud": "sigstore", "email": IDENTITY,
                  "email_verified": True, "iat": now, "nbf": now - 5, "exp": now + 600}
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64url(signature)}"


class RekorV1:
    """A stand-in for Rekor v1's write API, which no runnable service here offers (Rekor v1 needs
    trillian and a database; rekor-tiles is v2 only): `POST /api/v1/log/entries` takes a
    `hashedrekord` 0.0.1 proposed entry (what cosign v2 uploads for a signature), a `dsse` 0.0.1 one
    (for an attestation) or an `intoto` 0.0.1 one (`--rekor-entry-type intoto`), makes its canonical
    body as Rekor does (for dsse: the envelope's and payload's SHA-256 and each signature with its
    verifier; for intoto: the two hashes and the public key; the envelope itself left out), appends it to an in-memory log and answers as Rekor does, with the entry's logIndex,
    integratedTime, logID (sha256 of the log's DER public key) and a signed entry timestamp: ECDSA
    P-256 over the RFC 8785 canonical JSON of {body, integratedTime, logID, logIndex}. No inclusion
    proof: cosign's legacy `.sig` layers keep only the SET, which is what this serves to make."""

    def __init__(self, port: int, work: pathlib.Path):
        self.url = f"http://127.0.0.1:{port}"
        key = ec.generate_private_key(ec.SECP256R1())
        spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        (work / "rekor-v1.pub").write_bytes(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        log_id = hashlib.sha256(spki).hexdigest()
        entries = []
        lock = threading.Lock()

        def canonical(value) -> bytes:
            # RFC 8785 for what occurs here: ASCII strings and small integers, keys sorted.
            return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def reply(self, status: int, document, headers=()):
                body = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                if self.path != "/api/v1/log/entries":
                    return self.reply(404, {"code": 404, "message": "not found"})
                proposed = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                kind = (proposed.get("kind"), proposed.get("apiVersion"))
                spec = proposed["spec"]
                if kind == ("hashedrekord", "0.0.1"):
                    entry = {"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {
                        "data": {"hash": {"algorithm": spec["data"]["hash"]["algorithm"],
                                          "value": spec["data"]["hash"]["value"]}},
                        "signature": {"content": spec["signature"]["content"],
                                      "publicKey": {"content": spec["signature"]["publicKey"]["content"]}}}}
                elif kind == ("dsse", "0.0.1"):
                    envelope_text = spec["proposedContent"]["envelope"]
                    envelope = json.loads(envelope_text)
                    verifier = spec["proposedContent"]["verifiers"][0]
                    sha256 = lambda data: {"algorithm": "sha256", "value": hashlib.sha256(data).hexdigest()}
                    entry = {"apiVersion": "0.0.1", "kind": "dsse", "spec": {
                        "envelopeHash": sha256(envelope_text.encode()),
                        "payloadHash": sha256(base64.b64decode(envelope["payload"])),
                        "signatures": sorted(({"signature": s["sig"], "verifier": verifier}
                                              for s in envelope["signatures"]), key=lambda s: s["signature"])}}
                elif kind == ("intoto", "0.0.1"):
                    envelope_text = spec["content"]["envelope"]
                    envelope = json.loads(envelope_text)
                    sha256 = lambda data: {"algorithm": "sha256", "value": hashlib.sha256(data).hexdigest()}
                    entry = {"apiVersion": "0.0.1", "kind": "intoto", "spec": {
                        "content": {"hash": sha256(envelope_text.encode()),
                                    "payloadHash": sha256(base64.b64decode(envelope["payload"]))},
                        "publicKey": spec["publicKey"]}}
                else:
                    return self.reply(400, {"code": 400, "message": "only hashedrekord, dsse and intoto 0.0.1 are served"})
                body = base64.b64encode(canonical(entry)).decode()
                with lock:
                    index = len(entries)
                    entries.append(body)
                integrated = int(time.time())
                signed = canonical({"body": body, "integratedTime": integrated, "logID": log_id, "logIndex": index})
                set_ = base64.b64encode(key.sign(signed, ec.ECDSA(hashes.SHA256()))).decode()
                uuid = hashlib.sha256(b"\x00" + base64.b64decode(body)).hexdigest()
                self.reply(201, {uuid: {"body": body, "integratedTime": integrated, "logID": log_id, "logIndex": index,
                                        "verification": {"signedEntryTimestamp": set_}}},
                           [("Location", f"/api/v1/log/entries/{uuid}"), ("ETag", uuid)])

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def write_pem_keys(work: pathlib.Path) -> None:
    ct = ec.generate_private_key(ec.SECP256R1())
    (work / "ct.key").write_bytes(ct.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                                   serialization.NoEncryption()))
    (work / "ct.pub").write_bytes(ct.public_key().public_bytes(serialization.Encoding.PEM,
                                                               serialization.PublicFormat.SubjectPublicKeyInfo))
    rekor = ed25519.Ed25519PrivateKey.generate()
    (work / "rekor.key").write_bytes(rekor.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    (work / "rekor.pub").write_bytes(rekor.public_key().public_bytes(serialization.Encoding.PEM,
                                                                     serialization.PublicFormat.SubjectPublicKeyInfo))


def wait_for(url: str, what: str, seconds: float = 60) -> bytes:
    deadline = time.time() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except Exception as e:  # noqa: BLE001 - any failure means "not up yet"
            if time.time() > deadline:
                raise SystemExit(f"{what} did not come up at {url}: {e}")
            time.sleep(0.2)


def tool(name: str) -> str:
    path = os.environ.get(name)
    if not path or not os.access(path, os.X_OK):
        raise SystemExit(f"{name} is not set to an executable; source tests/tools/install.sh first")
    return path


def main() -> int:
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    work = pathlib.Path(sys.argv[1]).resolve()
    cosign_v3 = sys.argv[2]
    command = sys.argv[4:]
    work.mkdir(parents=True, exist_ok=True)
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    write_pem_keys(work)
    ports = {name: free_port() for name in
             ["oidc", "fulcio", "fulcio_grpc", "fulcio_metrics", "ct", "rekor", "rekor_grpc", "rekor_metrics", "tsa",
              "rekor_v1"]}
    issuer = Issuer(ports["oidc"])
    rekor_v1 = RekorV1(ports["rekor_v1"], work)
    (work / "fulcio.yaml").write_text(
        f"oidc-issuers:\n  {issuer.url}:\n    issuer-url: {issuer.url}\n    client-id: sigstore\n    type: email\n")
    processes = []

    def start(name: str, argv: list) -> None:
        log = open(logs / f"{name}.log", "wb")
        processes.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=work))

    try:
        start("tsa", [tool("OCITRUST_SIGSTORE_TSA"), "serve", "--host=127.0.0.1", f"--port={ports['tsa']}",
                      "--timestamp-signer=memory", "--disable-ntp-monitoring"])
        socket_path = work / "fulcio.sock"
        socket_path.unlink(missing_ok=True)
        ct_url = f"http://127.0.0.1:{ports['ct']}"
        start("fulcio", [tool("OCITRUST_SIGSTORE_FULCIO"), "serve", "--host=127.0.0.1", f"--port={ports['fulcio']}",
                         "--grpc-host=127.0.0.1", f"--grpc-port={ports['fulcio_grpc']}",
                         f"--metrics-port={ports['fulcio_metrics']}", f"--legacy-unix-domain-socket={socket_path}",
                         "--ca=ephemeralca", f"--config-path={work / 'fulcio.yaml'}", f"--ct-log-url={ct_url}",
                         f"--ct-log-public-key-path={work / 'ct.pub'}"])
        fulcio = f"http://127.0.0.1:{ports['fulcio']}"
        bundle = json.loads(wait_for(f"{fulcio}/api/v2/trustBundle", "Fulcio"))
        chain = bundle["chains"][0]["certificates"]
        (work / "fulcio-chain.pem").write_text("".join(chain))
        (work / "fulcio-root.pem").write_text(chain[-1])
        start("ct", [tool("OCITRUST_SIGSTORE_CT"), f"--private_key={work / 'ct.key'}", "--origin=127.0.0.1",
                     f"--storage_dir={work / 'ct'}", f"--roots_pem_file={work / 'fulcio-root.pem'}",
                     "--ext_key_usages=CodeSigning", f"--http_endpoint=127.0.0.1:{ports['ct']}"])
        start("rekor", [tool("OCITRUST_SIGSTORE_REKOR"), "serve", "--http-address=127.0.0.1",
                        f"--http-port={ports['rekor']}", "--grpc-address=127.0.0.1", f"--grpc-port={ports['rekor_grpc']}",
                        f"--http-metrics-port={ports['rekor_metrics']}", "--hostname=127.0.0.1",
                        f"--storage-dir={work / 'rekor'}", f"--signer-filepath={work / 'rekor.key'}",
                        "--checkpoint-interval=1s"])
        tsa = f"http://127.0.0.1:{ports['tsa']}/api/v1/timestamp"
        (work / "tsa-chain.pem").write_bytes(wait_for(f"{tsa}/certchain", "the timestamp authority"))
        rekor = f"http://127.0.0.1:{ports['rekor']}"
        wait_for(f"{rekor}/healthz", "Rekor v2")
        wait_for(f"{ct_url}/ct/v1/get-roots", "the CT log")
        subprocess.run([cosign_v3, "trusted-root", "create",
                        "--fulcio", f"url={fulcio},certificate-chain={work / 'fulcio-chain.pem'}",
                        "--ctfe", f"url={ct_url},public-key={work / 'ct.pub'},start-time={START}",
                        "--rekor", f"url={rekor},public-key={work / 'rekor.pub'},start-time={START},origin=127.0.0.1",
                        "--rekor", f"url={rekor_v1.url},public-key={work / 'rekor-v1.pub'},start-time={START}",
                        "--tsa", f"url={tsa},certificate-chain={work / 'tsa-chain.pem'}",
                        "--out", str(work / "trusted-root.json")], check=True, cwd=work)
        subprocess.run([cosign_v3, "signing-config", "create",
                        "--fulcio", f"url={fulcio},api-version=1,start-time={START},operator=local",
                        "--rekor", f"url={rekor},api-version=2,start-time={START},operator=local", "--rekor-config=ANY",
                        "--tsa", f"url={tsa},api-version=1,start-time={START},operator=local", "--tsa-config=ANY",
                        "--oidc-provider", f"url={issuer.url},api-version=1,start-time={START},operator=local",
                        "--out", str(work / "signing-config.json")], check=True, cwd=work)
        env = dict(os.environ,
                   SIGSTORE_STACK_DIR=str(work), SIGSTORE_STACK_TOKEN=issuer.token(), SIGSTORE_STACK_ISSUER=issuer.url,
                   SIGSTORE_STACK_IDENTITY=IDENTITY, SIGSTORE_STACK_FULCIO=fulcio, SIGSTORE_STACK_TSA=tsa,
                   SIGSTORE_STACK_TRUSTED_ROOT=str(work / "trusted-root.json"),
                   SIGSTORE_STACK_SIGNING_CONFIG=str(work / "signing-config.json"),
                   SIGSTORE_STACK_FULCIO_ROOT=str(work / "fulcio-chain.pem"),
                   SIGSTORE_STACK_CT_KEY=str(work / "ct.pub"),
                   SIGSTORE_STACK_REKOR_V1=rekor_v1.url,
                   SIGSTORE_STACK_REKOR_V1_KEY=str(work / "rekor-v1.pub"))
        return subprocess.run(command, env=env).returncode
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        issuer.server.shutdown()
        rekor_v1.server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
