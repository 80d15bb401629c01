#!/usr/bin/env python3
"""Builds a tiny, reproducible OCI image layout: one gzip layer holding /hello.txt.

As a module: `image(blobs, architecture, body)` writes one such image's blobs and returns its
manifest descriptor (examples/attestation-sample/build_multiarch.py builds an index of them)."""
import gzip, hashlib, io, json, os, sys, tarfile

SAMPLE_BODY = b"hello from the ocitrust sample image\n"


def put(blobs: str, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, digest), "wb") as f:
        f.write(data)
    return digest


def image(blobs: str, architecture: str, body: bytes) -> dict:
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size, info.mtime, info.mode = len(body), 0, 0o644
        tar.addfile(info, io.BytesIO(body))
    layer_tar = tar_bytes.getvalue()
    layer_gz = gzip.compress(layer_tar, mtime=0)
    layer = put(blobs, layer_gz)
    config = json.dumps({
        "architecture": architecture, "os": "linux",
        "config": {"Cmd": ["/hello.txt"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer_tar).hexdigest()]},
    }, separators=(",", ":")).encode()
    config_digest = put(blobs, config)
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + config_digest, "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + layer, "size": len(layer_gz)}],
    }, separators=(",", ":")).encode()
    return {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + put(blobs, manifest),
            "size": len(manifest), "platform": {"os": "linux", "architecture": architecture}}


def write_layout(out: str, entry: dict) -> None:
    with open(os.path.join(out, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                   "manifests": [dict(entry, annotations={"org.opencontainers.image.ref.name": "v1"})]}, f)


if __name__ == "__main__":
    out = sys.argv[1]
    blobs = os.path.join(out, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    descriptor = image(blobs, "amd64", SAMPLE_BODY)
    descriptor.pop("platform")
    write_layout(out, descriptor)
