#!/usr/bin/env python3
"""Builds the fixtures the C tests (tests/c) and the Go binding tests (bindings/go) share, in OUT_DIR:

  cosign.pub            the sample image's public key
  sample/               a copy of examples/sample-image/layout (signed by cosign v2.4.3)
  tampered-payload/     the sample with its signed payload altered (same file name, wrong bytes)
  tampered-manifest/    the sample with its image manifest altered (same file name, wrong bytes)
  multiarch/            tag `multi`: an index (linux/amd64 = the signed sample image, linux/arm64/v8
                        unsigned), with the sample signature at the tag-scheme tag of the amd64 manifest
  multiarch-index/      the same index with no signature at all (tests sign the index, then verify a
                        platform manifest through it)
  cosign.key            the sample's private key (empty password)
  signable/             a copy of the sample to sign into
  oversize.pub          a file larger than any key file may be
  cargo-version         the workspace version from Cargo.toml
  not-a-file/           a directory, where a file is expected
  bundle/               Sigstore bundles from tests/data/sigstore-conformance: keyless.json
                        (happy-path-v0.3) and its artifact a.txt; key.json, key.pub and
                        key-trusted-root.json (managed-key-and-trusted-root)
  keyless/              a copy of examples/keyless-sample (signed keyless by the real cosign against a
                        private Sigstore: layout-bundle/, layout-legacy/, layout-rekor/, layout-attestation/,
                        sbom.json, trusted_root.json, issuer),
                        with legacy-certificate.pem (the legacy layer's certificate) and
                        fulcio-chain.pem (the root's Fulcio chain) for --certificate/--certificate-chain
  attestations/         a copy of examples/attestation-sample (attested by the real cosign with the
                        sample key: layout-v2/ a multi-arch index with per-platform SBOMs, layout-v3/ a
                        bundle referrer; predicates/ the files attested)
  notation/             a copy of examples/notation-sample (signed by the real notation: a JWS and a
                        COSE envelope on layout/, with notation-config/ holding the trust store and
                        policy; digest), with other-root.pem (a root no signature chains to) and
                        root.pem (the one they do)

Usage: ffi_fixtures.py OUT_DIR   (OUT_DIR is replaced)
"""
import hashlib
import json
import pathlib
import re
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample-image"
SIGNED_PAYLOAD = "b8a819ff16fc17c716272b40b2740579062ec63236ce7fc77e85d16e809e914f"
IMAGE_MANIFEST = "198ab5544a1261f11a03498d804fe00986882f0366803d30a27b353393736524"
CONFORMANCE = ROOT / "tests" / "data" / "sigstore-conformance"
SIGNATURE_MANIFEST = "c4efa108f49639b69a8c1d84b725731e7b1dca5b9df6f1a3ac7aace1c5b1c49f"


def blob(layout: pathlib.Path, hex_digest: str) -> pathlib.Path:
    return layout / "blobs" / "sha256" / hex_digest


def write_blob(layout: pathlib.Path, data: bytes) -> str:
    hex_digest = hashlib.sha256(data).hexdigest()
    blob(layout, hex_digest).write_bytes(data)
    return hex_digest


def tamper(path: pathlib.Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    if old not in data:
        raise SystemExit(f"{path}: {old!r} not found; has the sample image changed?")
    path.write_bytes(data.replace(old, new, 1))


def multiarch(layout: pathlib.Path, keep_amd64_signature: bool) -> None:
    image_size = blob(layout, IMAGE_MANIFEST).stat().st_size
    unsigned = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", "size": 2},
        "layers": [],
    }, separators=(",", ":")).encode()
    unsigned_hex = write_blob(layout, unsigned)
    index = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": f"sha256:{IMAGE_MANIFEST}",
             "size": image_size, "platform": {"os": "linux", "architecture": "amd64"}},
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": f"sha256:{unsigned_hex}",
             "size": len(unsigned), "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
        ],
    }, separators=(",", ":")).encode()
    index_hex = write_blob(layout, index)
    sigs_size = blob(layout, SIGNATURE_MANIFEST).stat().st_size
    ref = "org.opencontainers.image.ref.name"
    manifests = [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": f"sha256:{index_hex}",
                  "size": len(index), "annotations": {ref: "multi"}}]
    if keep_amd64_signature:
        manifests.append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                          "digest": f"sha256:{SIGNATURE_MANIFEST}", "size": sigs_size,
                          "annotations": {ref: f"sha256-{IMAGE_MANIFEST}.sig"}})
    (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": manifests}))


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    out = pathlib.Path(sys.argv[1]).resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    shutil.copy(SAMPLE / "cosign.pub", out / "cosign.pub")
    shutil.copy(SAMPLE / "cosign.key", out / "cosign.key")
    for name in ["sample", "tampered-payload", "tampered-manifest", "multiarch", "multiarch-index", "signable"]:
        shutil.copytree(SAMPLE / "layout", out / name)
    tamper(blob(out / "tampered-payload", SIGNED_PAYLOAD), b"ocitrust-sample", b"ocitrust-evil!!")
    tamper(blob(out / "tampered-manifest", IMAGE_MANIFEST), b'"size":', b'"size": ')
    multiarch(out / "multiarch", keep_amd64_signature=True)
    multiarch(out / "multiarch-index", keep_amd64_signature=False)
    (out / "oversize.pub").write_bytes(b"A" * (1024 * 1024))
    cargo = (ROOT / "Cargo.toml").read_text()
    version = re.search(r'^version = "([^"]+)"', cargo, re.MULTILINE).group(1)
    (out / "cargo-version").write_text(version)
    (out / "not-a-file").mkdir()
    bundles = out / "bundle"
    bundles.mkdir()
    shutil.copy(CONFORMANCE / "happy-path-v0.3" / "bundle.sigstore.json", bundles / "keyless.json")
    shutil.copy(CONFORMANCE / "a.txt", bundles / "a.txt")
    managed = CONFORMANCE / "managed-key-and-trusted-root"
    shutil.copy(managed / "bundle.sigstore.json", bundles / "key.json")
    shutil.copy(managed / "key.pub", bundles / "key.pub")
    shutil.copy(managed / "trusted_root.json", bundles / "key-trusted-root.json")
    shutil.copytree(ROOT / "examples" / "keyless-sample", out / "keyless", ignore=shutil.ignore_patterns("*.sh"))
    out_of_band_certificates(out / "keyless")
    shutil.copytree(ROOT / "examples" / "notation-sample", out / "notation", ignore=shutil.ignore_patterns("*.sh"))
    shutil.copy(ROOT / "tests" / "fixtures" / "notation" / "root.pem", out / "notation" / "root.pem")
    shutil.copy(ROOT / "tests" / "data" / "notation" / "truststore" / "x509" / "ca" / "other-trust-store" / "GlobalSignRootCA.crt",
                out / "notation" / "other-root.pem")
    shutil.copytree(ROOT / "examples" / "attestation-sample", out / "attestations",
                    ignore=shutil.ignore_patterns("*.sh", "*.py"))


def out_of_band_certificates(keyless):
    """The legacy layer's certificate and the sample root's Fulcio chain as PEM files, as a user
    gives them to --certificate and --certificate-chain."""
    layout = keyless / "layout-legacy"
    index = json.loads((layout / "index.json").read_text())
    sigs = next(m for m in index["manifests"] if m["annotations"]["kind"] == "dev.cosignproject.cosign/sigs")
    manifest = json.loads((layout / "blobs" / "sha256" / sigs["digest"].split(":")[1]).read_text())
    (keyless / "legacy-certificate.pem").write_text(manifest["layers"][0]["annotations"]["dev.sigstore.cosign/certificate"])
    root = json.loads((keyless / "trusted_root.json").read_text())
    pems = []
    for certificate in root["certificateAuthorities"][0]["certChain"]["certificates"]:
        b64 = certificate["rawBytes"]
        lines = "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64))
        pems.append(f"-----BEGIN CERTIFICATE-----\n{lines}\n-----END CERTIFICATE-----\n")
    (keyless / "fulcio-chain.pem").write_text("".join(pems))


if __name__ == "__main__":
    main()
