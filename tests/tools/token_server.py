#!/usr/bin/env python3
"""A Docker registry token server for tests (the Bearer flow of the distribution spec), on loopback.

Issues ES256 JWTs that Debian's docker-registry accepts (`auth: token:` with `rootcertbundle`), signed
with KEY (PEM) and carrying CERT in the x5c header, granting the requested repository scopes to
USER:PASSWORD only. Signing goes through the `openssl` command, so no Python package is needed.

It also stands in front of the registry: every request but /token is forwarded to the registry
whose address (host:port) is in UPSTREAM_FILE, so the token realm is on the registry's own host and
port. Clients refuse a realm elsewhere on loopback (it could be any service of the machine), as
go-containerregistry (cosign) and ocitrust do.

Usage: token_server.py PORT_FILE KEY CERT ISSUER SERVICE USER PASSWORD UPSTREAM_FILE
Writes the chosen port to PORT_FILE, then serves until killed.
"""
import base64
import http.client
import http.server
import json
import subprocess
import sys
import time
import urllib.parse
import uuid

PORT_FILE, KEY, CERT, ISSUER, SERVICE, USER, PASSWORD, UPSTREAM_FILE = sys.argv[1:9]
# Headers that describe one hop, not the message.
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate", "content-length"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def der_to_raw(der: bytes) -> bytes:
    """An ECDSA DER signature (SEQUENCE of two INTEGERs) as JOSE's raw r||s, 32 bytes each."""
    def integer(at: int):
        assert der[at] == 0x02
        length = der[at + 1]
        value = der[at + 2: at + 2 + length].lstrip(b"\0")
        return value.rjust(32, b"\0"), at + 2 + length
    start = 2 if der[1] < 0x80 else 3
    r, after = integer(start)
    s, _ = integer(after)
    return r + s


def cert_der() -> bytes:
    pem = open(CERT).read()
    body = "".join(l for l in pem.splitlines() if "-----" not in l)
    return base64.b64decode(body)


def token(access):
    now = int(time.time())
    header = {"typ": "JWT", "alg": "ES256", "x5c": [base64.b64encode(cert_der()).decode()]}
    claims = {"iss": ISSUER, "sub": USER, "aud": SERVICE, "exp": now + 300, "nbf": now - 10,
              "iat": now, "jti": str(uuid.uuid4()), "access": access}
    signing_input = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())).encode()
    der = subprocess.run(["openssl", "dgst", "-sha256", "-sign", KEY], input=signing_input,
                         capture_output=True, check=True).stdout
    return signing_input.decode() + "." + b64url(der_to_raw(der))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def request_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                chunk = self.rfile.read(size)
                self.rfile.readline()
                if size == 0:
                    return body
                body += chunk
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def forward(self):
        body = self.request_body()
        upstream = http.client.HTTPConnection(open(UPSTREAM_FILE).read().strip(), timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        if body or self.command in ("PUT", "POST", "PATCH"):
            headers["Content-Length"] = str(len(body))
        upstream.request(self.command, self.path, body=body or None, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for k, v in answer.getheaders():
            if k.lower() not in HOP_BY_HOP:
                self.send_header(k, v)
        length = answer.getheader("Content-Length") if self.command == "HEAD" else str(len(data))
        if length is not None:
            self.send_header("Content-Length", length)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        upstream.close()

    do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = forward

    def do_GET(self):
        if not self.path.startswith("/token"):
            return self.forward()
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        access = []
        for scope in query.get("scope", []):
            for one in scope.split(" "):
                kind, name, actions = one.split(":")
                access.append({"type": kind, "name": name, "actions": actions.split(",")})
        body = json.dumps({"token": token(access), "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE, "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
