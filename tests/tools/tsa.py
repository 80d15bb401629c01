#!/usr/bin/env python3
"""A test RFC 3161 timestamp authority on loopback: `openssl ts -reply` behind a small HTTP server,
set up as private OpenSSL TSAs often are: its `-chain` file holds the root and the signer, so every
token carries the signer's certificate twice, out of DER order (as Go's parser, and ocitrust's,
accept).

Usage: tsa.py DIR [SIGNER]   SIGNER is the name of a certificate in tests/fixtures/notation
                             (default: tsa), signed by tsa-root.pem there.
Serves POST / (application/timestamp-query -> application/timestamp-reply) on a free loopback port,
writes the URL to DIR/url once it listens, and runs until killed. DIR/requests counts the requests.
"""
import http.server
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
PKI = ROOT / "tests" / "fixtures" / "notation"


def main() -> None:
    state = pathlib.Path(sys.argv[1])
    signer = sys.argv[2] if len(sys.argv) > 2 else "tsa"
    state.mkdir(parents=True, exist_ok=True)
    serial = state / "serial"
    serial.write_text("01\n")
    (state / "requests").write_text("0")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length", "0"))
            query = self.rfile.read(min(length, 64 * 1024))
            with tempfile.TemporaryDirectory() as work:
                query_file = pathlib.Path(work) / "query.tsq"
                query_file.write_bytes(query)
                chain_file = pathlib.Path(work) / "chain.pem"
                chain_file.write_bytes((PKI / "tsa-root.pem").read_bytes() + (PKI / f"{signer}.pem").read_bytes())
                reply = subprocess.run(
                    ["openssl", "ts", "-reply", "-config", str(PKI / "tsa.cnf"), "-queryfile", str(query_file),
                     "-signer", str(PKI / f"{signer}.pem"), "-inkey", str(PKI / f"{signer}.key.pem"),
                     "-chain", str(chain_file)],
                    capture_output=True, env={"TSA_SERIAL": str(serial), "PATH": "/usr/bin:/bin"})
            count = int((state / "requests").read_text()) + 1
            (state / "requests").write_text(str(count))
            if reply.returncode != 0:
                self.send_response(500)
                self.end_headers()
                self.wfile.write(reply.stderr)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply.stdout)))
            self.end_headers()
            self.wfile.write(reply.stdout)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    (state / "url.tmp").write_text(f"http://127.0.0.1:{server.server_port}/")
    (state / "url.tmp").rename(state / "url")
    server.serve_forever()


if __name__ == "__main__":
    main()
