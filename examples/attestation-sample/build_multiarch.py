#!/usr/bin/env python3
"""Builds a reproducible multi-arch OCI image layout: an index (tag v1) over three platform
manifests — linux/amd64 (the sample image, byte for byte), linux/arm64 and linux/riscv64 (the same
tiny image built for those architectures, each saying so in /hello.txt)."""
import gzip, hashlib, io, json, os, sys, tarfile

out = sys.argv[1]
blobs = os.path.join(out, "blobs", "sha256")
os.makedirs(blobs, exist_ok=True)

def put(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, digest), "wb") as f:
        f.write(data)
    return digest

def image(architecture: str, body: bytes) -> dict:
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size, info.mtime, info.mode = len(body), 0, 0o644
        tar.addfile(info, io.BytesIO(body))
    layer_tar = tar_bytes.getvalue()
    layer_gz = gzip.compress(layer_tar, mtime=0)
    layer = put(layer_gz)
    config = json.dumps({
        "architecture": architecture, "os": "linux",
        "config": {"Cmd": ["/hello.txt"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer_tar).hexdigest()]},
    }, separators=(",", ":")).encode()
    config_digest = put(config)
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + config_digest,
                   "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + layer,
                    "size": len(layer_gz)}],
    }, separators=(",", ":")).encode()
    return {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + put(manifest),
            "size": len(manifest), "platform": {"os": "linux", "architecture": architecture}}

platforms = [
    image("amd64", b"hello from the ocitrust sample image\n"),
    image("arm64", b"hello from the ocitrust sample image, arm64\n"),
    image("riscv64", b"hello from the ocitrust sample image, riscv64\n"),
]
index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                    "manifests": platforms}, separators=(",", ":")).encode()
index_digest = put(index)
with open(os.path.join(out, "oci-layout"), "w") as f:
    f.write('{"imageLayoutVersion":"1.0.0"}')
with open(os.path.join(out, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
        {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:" + index_digest, "size": len(index),
         "annotations": {"org.opencontainers.image.ref.name": "v1"}}]}, f)
