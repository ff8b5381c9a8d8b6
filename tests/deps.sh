#!/usr/bin/env bash
# Check that the Debian packages the build, run and tests need are installed.
# As root, install what is missing with apt-get; otherwise print the exact
# command to run and fail.
set -u
pkgs=(gcc make binutils grub-pc-bin grub-common xorriso mtools bochs bochs-term
      bochsbios vgabios qemu-system-x86 libcmocka-dev python3
      grub-efi-amd64-bin ovmf console-setup-linux gdb
      clang libclang-rt-dev libzydis-dev)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || { echo "apt-get install failed"; exit 1; }
    exit 0
fi
echo "missing packages: ${missing[*]}"
echo "install them with:  sudo apt-get install ${missing[*]}"
exit 1
