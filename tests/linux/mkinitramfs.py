#!/usr/bin/env python3
"""Write a gzip'd initramfs (cpio "newc" format, as the kernel's
Documentation/driver-api/early-userspace/buffer-format.rst describes) holding
busybox, the directories a shell needs, /init, and extra files given as
DEST=SOURCE (executables, e.g. bin/vmcall=build/linux/vmcall).

Usage: mkinitramfs.py BUSYBOX INIT OUTPUT.cpio.gz [DEST=SOURCE...]
"""
import gzip
import sys


def entry(name, mode, data=b"", ino=[1]):
    ino[0] += 1
    name_b = name.encode() + b"\0"
    hdr = "070701" + "".join(f"{v:08X}" for v in (
        ino[0], mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_b), 0))
    out = hdr.encode() + name_b
    out += b"\0" * (-len(out) % 4)
    out += data + b"\0" * (-len(data) % 4)
    return out


def main(busybox, init, output, *extra):
    with open(busybox, "rb") as f:
        bb = f.read()
    with open(init, "rb") as f:
        init_data = f.read()
    d, x, r, lnk = 0o040755, 0o100755, 0o100644, 0o120777
    parts = [entry(n, d) for n in ("bin", "sbin", "usr", "usr/bin", "usr/sbin",
                                   "proc", "sys", "dev", "tmp", "etc")]
    parts.append(entry("bin/busybox", x, bb))
    parts.append(entry("bin/sh", lnk, b"busybox"))
    parts.append(entry("init", x, init_data))
    for spec in extra:
        dest, _, src = spec.partition("=")
        with open(src, "rb") as f:
            parts.append(entry(dest, x, f.read()))
    parts.append(entry("TRAILER!!!", 0))
    with gzip.open(output, "wb", compresslevel=9) as f:
        f.write(b"".join(parts))


if __name__ == "__main__":
    main(*sys.argv[1:])
