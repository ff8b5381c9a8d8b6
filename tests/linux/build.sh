#!/usr/bin/env bash
# Build the Linux guest from Debian's packages (nothing downloaded is
# committed): the cloud kernel's vmlinuz and an initramfs with busybox and
# tests/linux/init. Results are cached in build/linux/:
#   build/linux/vmlinuz           the kernel (bzImage)
#   build/linux/initrd.cpio.gz    the initramfs
#   build/linux/version           the kernel release (uname -r)
#   build/linux/System.map        its symbols (for gdb-linux.test)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build/linux
mkdir -p "$out/debs"

# Which kernel: the one the linux-image-cloud-amd64 metapackage points at.
pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
      awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$pkg" ]; then
    echo "tests/linux/build.sh: apt-cache knows no linux-image-cloud-amd64 (run apt-get update)" >&2
    exit 1
fi
release=${pkg#linux-image-}

if [ ! -s "$out/vmlinuz" ] || [ "$(cat "$out/version" 2>/dev/null)" != "$release" ]; then
    echo "linux guest: downloading $pkg"
    rm -rf "$out/debs"/* "$out/kernel"
    (cd "$out/debs" && apt-get download -q "$pkg" >/dev/null 2>&1 || apt-get download "$pkg")
    dpkg -x "$out"/debs/linux-image-*.deb "$out/kernel"
    cp "$out/kernel/boot/vmlinuz-$release" "$out/vmlinuz"
    echo "$release" > "$out/version"
    rm -rf "$out/kernel"
fi

# The image package's boot/System.map is a stub pointing at the -dbg package,
# which holds the real one: take only that file from it (the .deb is large).
if [ ! -s "$out/System.map" ] || [ "$out/vmlinuz" -nt "$out/System.map" ]; then
    echo "linux guest: downloading $pkg-dbg for System.map"
    rm -f "$out"/debs/linux-image-*-dbg_*.deb
    (cd "$out/debs" && apt-get download -q "$pkg-dbg" >/dev/null 2>&1 || apt-get download "$pkg-dbg")
    dpkg --fsys-tarfile "$out"/debs/linux-image-*-dbg_*.deb |
        tar -xO "./usr/lib/debug/boot/System.map-$release" > "$out/System.map.tmp"
    mv "$out/System.map.tmp" "$out/System.map"
    rm -f "$out"/debs/linux-image-*-dbg_*.deb
fi

if [ ! -s "$out/busybox" ]; then
    echo "linux guest: downloading busybox-static"
    (cd "$out/debs" && apt-get download -q busybox-static >/dev/null 2>&1 || apt-get download busybox-static)
    dpkg -x "$out"/debs/busybox-static_*.deb "$out/bb"
    cp "$out/bb/bin/busybox" "$out/busybox"
    rm -rf "$out/bb"
fi

# User programs for /init, without libc: /bin/vmcall tries a hypercall from
# ring 3, /bin/fpufork checks YMM registers across fork, /bin/lbench measures
# for `make bench` (run when the command line says lbench=1).
for prog in vmcall fpufork lbench; do
    if [ ! -s "$out/$prog" ] || [ "tests/linux/$prog.c" -nt "$out/$prog" ] ||
       [ tests/linux/nolibc.h -nt "$out/$prog" ]; then
        gcc -static -nostdlib -O2 -ffreestanding -fno-builtin -fno-stack-protector \
            -fno-tree-loop-distribute-patterns -fno-pie -no-pie -Wall -Wextra -Werror \
            -o "$out/$prog" "tests/linux/$prog.c"
    fi
done

if [ ! -s "$out/initrd.cpio.gz" ] || [ tests/linux/init -nt "$out/initrd.cpio.gz" ] ||
   [ tests/linux/mkinitramfs.py -nt "$out/initrd.cpio.gz" ] || [ "$out/busybox" -nt "$out/initrd.cpio.gz" ] ||
   [ "$out/vmcall" -nt "$out/initrd.cpio.gz" ] || [ "$out/fpufork" -nt "$out/initrd.cpio.gz" ] ||
   [ "$out/lbench" -nt "$out/initrd.cpio.gz" ]; then
    python3 tests/linux/mkinitramfs.py "$out/busybox" tests/linux/init "$out/initrd.cpio.gz" \
        "bin/vmcall=$out/vmcall" "bin/fpufork=$out/fpufork" "bin/lbench=$out/lbench"
fi
echo "linux guest: $out/vmlinuz ($release), $out/initrd.cpio.gz"

# Two broken kernels for the refusal tests: cut short, and a header that
# claims boot protocol 2.01.
if [ ! -s "$out/vmlinuz-truncated" ] || [ "$out/vmlinuz" -nt "$out/vmlinuz-truncated" ]; then
    head -c 2000000 "$out/vmlinuz" > "$out/vmlinuz-truncated"
    python3 - "$out/vmlinuz" "$out/vmlinuz-badheader" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
data[0x206:0x208] = (0x0201).to_bytes(2, "little")   # boot protocol version
open(sys.argv[2], "wb").write(data)
PY
fi
