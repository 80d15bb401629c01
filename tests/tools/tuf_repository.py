#!/usr/bin/env python3
"""A TUF repository for the tests, made and signed with python-tuf (the reference implementation's
Metadata API), and served on loopback. Its state lives in DIR: `keys/<role>-<n>.pem` (ed25519),
`metadata/` (what is served: N.root.json, timestamp.json, N.snapshot.json, N.targets.json) and
`metadata/targets/<sha256>.trusted_root.json` (consistent snapshots).

  init DIR --target FILE [--timestamp-expires SECONDS]
      root v1 (3 root keys, threshold 2), targets v1 listing FILE as trusted_root.json.
  publish DIR [--target FILE] [--rotate-root] [--rotate-timestamp-key] [--timestamp-expires S]
      a new targets (with FILE), snapshot and timestamp; --rotate-root first writes root N+1
      with new root keys, signed by the old threshold and the new.
  bad-root DIR        writes root N+1 signed only by new keys (not by root N's threshold).
  set-timestamp DIR --version V --snapshot-version S [--timestamp-expires S]
  set-snapshot DIR --version V --targets-version T   (then a timestamp naming it)
  mismatch-targets DIR   snapshot N+1 lists targets version T+1, served with version T's bytes.
  tamper-target DIR      the served trusted_root.json differs (same length) from what targets.json lists.
  oversize DIR NAME SIZE a served metadata file padded to SIZE bytes (still valid JSON).
  serve DIR PORT_FILE [--port PORT] [--redirect-to URL_BASE] [--endless NAME]
      HTTP on 127.0.0.1 (on PORT again when given), the port written to PORT_FILE; --redirect-to answers every request with a 302
      to URL_BASE + path; --endless streams endless bytes for NAME.
"""
import argparse
import datetime
import hashlib
import http.server
import json
import os
import shutil
import sys

from cryptography.hazmat.primitives import serialization
from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import (
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer

DAY = 24 * 3600


def expiry(seconds):
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return now + datetime.timedelta(seconds=seconds)


def key_path(d, role, n):
    return os.path.join(d, "keys", "%s-%d.pem" % (role, n))


def new_signer(d, role, n):
    signer = CryptoSigner.generate_ed25519()
    pem = signer._private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    os.makedirs(os.path.join(d, "keys"), exist_ok=True)
    with open(key_path(d, role, n), "wb") as f:
        f.write(pem)
    return signer


def load_signer(d, role, n, public_key):
    with open(key_path(d, role, n), "rb") as f:
        private = serialization.load_pem_private_key(f.read(), None)
    return CryptoSigner(private, public_key)


def metadata_dir(d):
    return os.path.join(d, "metadata")


def write(d, name, md):
    data = md.to_bytes(JSONSerializer(compact=False))
    with open(os.path.join(metadata_dir(d), name), "wb") as f:
        f.write(data)
    return data


def read(d, name):
    return Metadata.from_file(os.path.join(metadata_dir(d), name))


def state(d):
    with open(os.path.join(d, "state.json")) as f:
        return json.load(f)


def save_state(d, s):
    with open(os.path.join(d, "state.json"), "w") as f:
        json.dump(s, f)


def signers(d, root, role, s):
    """The signers of `role` as root lists it (their key files are named by the state)."""
    keys = {k: root.signed.keys[k] for k in root.signed.roles[role].keyids}
    return [load_signer(d, role, s["keys"][keyid], keys[keyid]) for keyid in keys]


def sign_with(md, signer_list):
    md.signatures.clear()
    for signer in signer_list:
        md.sign(signer, append=True)


def current_root(d):
    s = state(d)
    return read(d, "%d.root.json" % s["root"]), s


def publish_target(d, target_file, targets_version):
    """Targets metadata version `targets_version` listing `target_file`; the target served."""
    with open(target_file, "rb") as f:
        data = f.read()
    root, s = current_root(d)
    targets = Metadata(Targets(version=targets_version, expires=expiry(30 * DAY)))
    targets.signed.targets["trusted_root.json"] = TargetFile.from_data("trusted_root.json", data)
    sign_with(targets, signers(d, root, "targets", s))
    targets_dir = os.path.join(metadata_dir(d), "targets")
    os.makedirs(targets_dir, exist_ok=True)
    with open(os.path.join(targets_dir, "%s.trusted_root.json" % hashlib.sha256(data).hexdigest()), "wb") as f:
        f.write(data)
    write(d, "%d.targets.json" % targets_version, targets)


def publish_snapshot(d, version, targets_version):
    root, s = current_root(d)
    snapshot = Metadata(Snapshot(version=version, expires=expiry(30 * DAY)))
    snapshot.signed.meta["targets.json"] = MetaFile(version=targets_version)
    sign_with(snapshot, signers(d, root, "snapshot", s))
    return write(d, "%d.snapshot.json" % version, snapshot)


def publish_timestamp(d, version, snapshot_version, expires_in, snapshot_bytes=None):
    root, s = current_root(d)
    timestamp = Metadata(Timestamp(version=version, expires=expiry(expires_in)))
    meta = MetaFile(version=snapshot_version)
    if snapshot_bytes is not None:
        meta = MetaFile.from_data(snapshot_version, snapshot_bytes, ["sha256"])
    timestamp.signed.snapshot_meta = meta
    sign_with(timestamp, signers(d, root, "timestamp", s))
    write(d, "timestamp.json", timestamp)


def make_root(d, version, s, counts):
    """Root `version` with fresh keys for the roles in `counts` (others kept)."""
    old = read(d, "%d.root.json" % (version - 1)) if version > 1 else None
    root = Metadata(Root(version=version, expires=expiry(365 * DAY), consistent_snapshot=True))
    for role in ("root", "targets", "snapshot", "timestamp"):
        if role in counts:
            for n in range(counts[role]):
                index = s["next_key"]
                s["next_key"] += 1
                signer = new_signer(d, role, index)
                root.signed.add_key(signer.public_key, role)
                s["keys"][signer.public_key.keyid] = index
        else:
            for keyid in old.signed.roles[role].keyids:
                root.signed.add_key(old.signed.keys[keyid], role)
    root.signed.roles["root"].threshold = 2 if counts.get("root", 0) >= 2 or old is None else old.signed.roles["root"].threshold
    return root, old


def cmd_init(a):
    d = a.dir
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(metadata_dir(d))
    s = {"keys": {}, "next_key": 0, "root": 1, "targets": 1, "snapshot": 1, "timestamp": 1}
    root, _ = make_root(d, 1, s, {"root": 3, "targets": 1, "snapshot": 1, "timestamp": 1})
    save_state(d, s)
    sign_with(root, [load_signer(d, "root", s["keys"][k], root.signed.keys[k]) for k in root.signed.roles["root"].keyids])
    write(d, "1.root.json", root)
    write(d, "root.json", root)
    publish_target(d, a.target, 1)
    snapshot = publish_snapshot(d, 1, 1)
    publish_timestamp(d, 1, 1, a.timestamp_expires, snapshot)


def cmd_publish(a):
    d = a.dir
    s = state(d)
    if a.rotate_root or a.rotate_timestamp_key:
        version = s["root"] + 1
        counts = {"root": 3} if a.rotate_root else {"timestamp": 1}
        root, old = make_root(d, version, s, counts)
        save_state(d, s)
        old_signers = [load_signer(d, "root", s["keys"][k], old.signed.keys[k]) for k in old.signed.roles["root"].keyids]
        new_signers = [load_signer(d, "root", s["keys"][k], root.signed.keys[k]) for k in root.signed.roles["root"].keyids]
        sign_with(root, old_signers[: old.signed.roles["root"].threshold] + new_signers)
        if a.rotate_root:
            # Signed by the old threshold and the new keys, but not by every old key.
            pass
        write(d, "%d.root.json" % version, root)
        write(d, "root.json", root)
        s["root"] = version
        save_state(d, s)
    s = state(d)
    if a.target:
        s["targets"] += 1
        publish_target(d, a.target, s["targets"])
    s["snapshot"] += 1
    snapshot = publish_snapshot(d, s["snapshot"], s["targets"])
    s["timestamp"] = 1 if a.rotate_timestamp_key else s["timestamp"] + 1
    publish_timestamp(d, s["timestamp"], s["snapshot"], a.timestamp_expires, snapshot)
    save_state(d, s)


def cmd_bad_root(a):
    d = a.dir
    s = state(d)
    version = s["root"] + 1
    root, _ = make_root(d, version, s, {"root": 3})
    save_state(d, s)
    sign_with(root, [load_signer(d, "root", s["keys"][k], root.signed.keys[k]) for k in root.signed.roles["root"].keyids])
    write(d, "%d.root.json" % version, root)


def cmd_set_timestamp(a):
    publish_timestamp(a.dir, a.version, a.snapshot_version, a.timestamp_expires)


def cmd_set_snapshot(a):
    d = a.dir
    s = state(d)
    publish_snapshot(d, a.version, a.targets_version)
    s["timestamp"] += 1
    publish_timestamp(d, s["timestamp"], a.version, DAY)
    save_state(d, s)


def cmd_mismatch_targets(a):
    d = a.dir
    s = state(d)
    with open(os.path.join(metadata_dir(d), "%d.targets.json" % s["targets"]), "rb") as f:
        old = f.read()
    with open(os.path.join(metadata_dir(d), "%d.targets.json" % (s["targets"] + 1)), "wb") as f:
        f.write(old)
    publish_snapshot(d, s["snapshot"] + 1, s["targets"] + 1)
    publish_timestamp(d, s["timestamp"] + 1, s["snapshot"] + 1, DAY)


def cmd_tamper_target(a):
    targets_dir = os.path.join(metadata_dir(a.dir), "targets")
    for name in os.listdir(targets_dir):
        path = os.path.join(targets_dir, name)
        with open(path, "rb") as f:
            data = f.read()
        with open(path, "wb") as f:
            f.write(data.replace(b'"mediaType"', b'"mediaTypf"', 1))


def cmd_oversize(a):
    path = os.path.join(metadata_dir(a.dir), a.name)
    with open(path, "rb") as f:
        data = f.read().rstrip()
    with open(path, "wb") as f:
        f.write(data + b" " * max(0, a.size - len(data)))


def cmd_serve(a):
    root = metadata_dir(a.dir)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=root, **kwargs)

        def log_message(self, *args):
            pass

        def do_GET(self):
            if a.redirect_to:
                self.send_response(302)
                self.send_header("Location", a.redirect_to + self.path)
                self.end_headers()
                return
            if a.endless and self.path.endswith("/" + a.endless):
                self.send_response(200)
                self.end_headers()
                try:
                    while True:
                        self.wfile.write(b" " * 65536)
                except (BrokenPipeError, ConnectionResetError):
                    return
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(a.port_file + ".tmp", a.port_file)
    server.serve_forever()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("init")
    c.add_argument("dir")
    c.add_argument("--target", required=True)
    c.add_argument("--timestamp-expires", type=int, default=DAY)
    c.set_defaults(run=cmd_init)
    c = sub.add_parser("publish")
    c.add_argument("dir")
    c.add_argument("--target")
    c.add_argument("--rotate-root", action="store_true")
    c.add_argument("--rotate-timestamp-key", action="store_true")
    c.add_argument("--timestamp-expires", type=int, default=DAY)
    c.set_defaults(run=cmd_publish)
    c = sub.add_parser("bad-root")
    c.add_argument("dir")
    c.set_defaults(run=cmd_bad_root)
    c = sub.add_parser("set-timestamp")
    c.add_argument("dir")
    c.add_argument("--version", type=int, required=True)
    c.add_argument("--snapshot-version", type=int, required=True)
    c.add_argument("--timestamp-expires", type=int, default=DAY)
    c.set_defaults(run=cmd_set_timestamp)
    c = sub.add_parser("set-snapshot")
    c.add_argument("dir")
    c.add_argument("--version", type=int, required=True)
    c.add_argument("--targets-version", type=int, required=True)
    c.set_defaults(run=cmd_set_snapshot)
    c = sub.add_parser("mismatch-targets")
    c.add_argument("dir")
    c.set_defaults(run=cmd_mismatch_targets)
    c = sub.add_parser("tamper-target")
    c.add_argument("dir")
    c.set_defaults(run=cmd_tamper_target)
    c = sub.add_parser("oversize")
    c.add_argument("dir")
    c.add_argument("name")
    c.add_argument("size", type=int)
    c.set_defaults(run=cmd_oversize)
    c = sub.add_parser("serve")
    c.add_argument("dir")
    c.add_argument("port_file")
    c.add_argument("--redirect-to")
    c.add_argument("--endless")
    c.add_argument("--port", type=int, default=0)
    c.set_defaults(run=cmd_serve)
    a = p.parse_args()
    a.run(a)


if __name__ == "__main__":
    main()
