#!/usr/bin/env python3
"""A test OCSP responder and CRL server on loopback, for a CA whose files are in DIR.

Usage: revocation_server.py DIR
  DIR/index.txt    the CA's certificate database (openssl ca format: V and R lines)
  DIR/ca.pem, DIR/ca.key.pem   the CA, which signs OCSP answers itself
  DIR/crl/NAME     CRL files, served at /crl/NAME
Serves POST /ocsp and GET /ocsp/<base64 request> (answered by `openssl ocsp -index … -ndays 1`
from DIR/index.txt as it is at that moment, signed by the CA itself without embedding its
certificate: Go's OCSP parser, which notation uses, takes an embedded certificate for a delegated
responder's and refuses the CA's own), and GET /crl/NAME. Writes its base URL to DIR/url
once it listens; runs until killed. DIR/requests.log gets one line per request.
"""
import base64
import http.server
import pathlib
import subprocess
import sys
import tempfile
import urllib.parse


def main() -> None:
    state = pathlib.Path(sys.argv[1])

    def ocsp_answer(request: bytes) -> bytes:
        with tempfile.TemporaryDirectory() as work:
            req = pathlib.Path(work) / "req.der"
            resp = pathlib.Path(work) / "resp.der"
            req.write_bytes(request)
            subprocess.run(
                ["openssl", "ocsp", "-index", str(state / "index.txt"), "-CA", str(state / "ca.pem"),
                 "-rsigner", str(state / "ca.pem"), "-rkey", str(state / "ca.key.pem"),
                 "-reqin", str(req), "-respout", str(resp), "-ndays", "1", "-resp_no_certs"],
                check=True, capture_output=True)
            return resp.read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def reply(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log(self) -> None:
            with open(state / "requests.log", "a") as log:
                log.write(f"{self.command} {self.path}\n")

        def do_POST(self):  # noqa: N802
            self.log()
            body = self.rfile.read(min(int(self.headers.get("Content-Length", "0")), 65536))
            if self.path.rstrip("/") != "/ocsp":
                return self.reply(404, b"", "text/plain")
            self.reply(200, ocsp_answer(body), "application/ocsp-response")

        def do_GET(self):  # noqa: N802
            self.log()
            if self.path.startswith("/ocsp/"):
                request = base64.b64decode(urllib.parse.unquote(self.path[len("/ocsp/"):]))
                return self.reply(200, ocsp_answer(request), "application/ocsp-response")
            if self.path.startswith("/crl/"):
                file = state / "crl" / pathlib.Path(self.path[len("/crl/"):]).name
                if file.is_file():
                    return self.reply(200, file.read_bytes(), "application/pkix-crl")
            self.reply(404, b"", "text/plain")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    (state / "url.tmp").write_text(f"http://127.0.0.1:{server.server_port}")
    (state / "url.tmp").rename(state / "url")
    server.serve_forever()


if __name__ == "__main__":
    main()
