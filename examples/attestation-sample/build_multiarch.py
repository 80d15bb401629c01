#!/usr/bin/env python3
"""Builds a reproducible multi-arch OCI image layout: an index (tag v1) over three platform
manifests — linux/amd64 (the sample image, byte for byte), linux/arm64 and linux/riscv64 (the same
tiny image built for those architectures, each saying so in /hello.txt)."""
import json, os, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sample-image"))
from build_image import SAMPLE_BODY, image, put, write_layout  # noqa: E402

out = sys.argv[1]
blobs = os.path.join(out, "blobs", "sha256")
os.makedirs(blobs, exist_ok=True)
platforms = [
    image(blobs, "amd64", SAMPLE_BODY),
    image(blobs, "arm64", b"hello from the ocitrust sample image, arm64\n"),
    image(blobs, "riscv64", b"hello from the ocitrust sample image, riscv64\n"),
]
index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                    "manifests": platforms}, separators=(",", ":")).encode()
write_layout(out, {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:" + put(blobs, index),
                   "size": len(index)})
