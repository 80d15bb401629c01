#!/usr/bin/env python3
"""Writes the hostile tar archives tests/archives.rs feeds to ocitrust: python3 hostile_tar.py KIND OUT.

Each starts from a real OCI layout (LAYOUT, the third argument, where one is needed) so that the only
thing wrong with it is the one named:
  symlink       blobs/sha256/<manifest> is a symbolic link to /etc/passwd
  hardlink      blobs/sha256/<manifest> is a hard link to index.json
  dotdot        an entry named ../escaped
  absolute      an entry named /index.json
  fifo          an entry that is a FIFO
  device        an entry that is a character device
  duplicate     index.json twice, the second naming another manifest
  huge-header   a regular entry claiming 10 GB, with no bytes after its header
  many          100,000 empty entries
  held-bytes    65 blobs of 4 MiB of zeros (held in memory, 260 MiB in all), gzip-compressed
  not-tar       random bytes
"""
import io
import os
import sys
import tarfile


def add_layout(tar, layout):
    for directory, _, files in os.walk(layout):
        for name in sorted(files):
            path = os.path.join(directory, name)
            tar.add(path, arcname=os.path.relpath(path, layout))


def add_bytes(tar, name, data, **fields):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in fields.items():
        setattr(info, key, value)
    tar.addfile(info, io.BytesIO(data))


def main():
    kind, out = sys.argv[1], sys.argv[2]
    layout = sys.argv[3] if len(sys.argv) > 3 else None
    if kind == "not-tar":
        with open(out, "wb") as f:
            f.write(os.urandom(4096))
        return
    mode = "w:gz" if kind == "held-bytes" else "w"
    with tarfile.open(out, mode, format=tarfile.GNU_FORMAT) as tar:
        if kind == "symlink" or kind == "hardlink":
            manifest = sys.argv[4]
            for directory, _, files in os.walk(layout):
                for name in sorted(files):
                    path = os.path.join(directory, name)
                    arcname = os.path.relpath(path, layout)
                    if arcname == "blobs/sha256/" + manifest:
                        info = tarfile.TarInfo(arcname)
                        if kind == "symlink":
                            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
                        else:
                            info.type, info.linkname = tarfile.LNKTYPE, "index.json"
                        tar.addfile(info)
                    else:
                        tar.add(path, arcname=arcname)
        elif kind in ("dotdot", "absolute", "fifo", "device", "duplicate"):
            add_layout(tar, layout)
            if kind == "dotdot":
                add_bytes(tar, "../escaped", b"x")
            elif kind == "absolute":
                add_bytes(tar, "/index.json", b"{}")
            elif kind == "fifo":
                info = tarfile.TarInfo("blobs/sha256/fifo")
                info.type = tarfile.FIFOTYPE
                tar.addfile(info)
            elif kind == "device":
                info = tarfile.TarInfo("blobs/sha256/null")
                info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 3
                tar.addfile(info)
            else:
                add_bytes(tar, "index.json", b'{"schemaVersion":2,"manifests":[]}')
        elif kind == "huge-header":
            add_layout(tar, layout)
            info = tarfile.TarInfo("blobs/sha256/" + "0" * 64)
            info.size = 10 * 1000 * 1000 * 1000
            tar.fileobj.write(info.tobuf(tar.format, tar.encoding, tar.errors))
            tar.offset += tarfile.BLOCKSIZE
        elif kind == "many":
            for i in range(100_000):
                add_bytes(tar, "other/%d" % i, b"")
        elif kind == "held-bytes":
            add_layout(tar, layout)
            zeros = bytes(4 * 1024 * 1024)
            for i in range(65):
                add_bytes(tar, "blobs/sha256/%064x" % i, zeros)
        else:
            sys.exit("unknown kind " + kind)


if __name__ == "__main__":
    main()
