#!/usr/bin/env bash
# Boot an ISO headless with COM1 on this terminal (used by `make run`).
#   tests/run_emu.sh auto|bochs|qemu|kvm ISO
# auto: QEMU/KVM with -cpu host when /dev/kvm exists on an Intel CPU with
# nested VMX enabled, else Bochs (whose emulated CPU has VMX).
set -u
emu=${1:-auto}
iso=${2:-build/hypervisor.iso}
build=$(dirname "$iso")

nested_vmx() {
    [ -e /dev/kvm ] && grep -q GenuineIntel /proc/cpuinfo &&
        grep -qE '^(Y|1)$' /sys/module/kvm_intel/parameters/nested 2>/dev/null
}

if [ "$emu" = auto ]; then
    if nested_vmx; then emu=kvm; else emu=bochs; fi
fi
echo "booting $iso under $emu (COM1 follows; the machine stops by itself)"

case "$emu" in
kvm|qemu)
    accel=(-accel tcg -cpu max)
    [ "$emu" = kvm ] && accel=(-enable-kvm -cpu host,+vmx)
    exec qemu-system-x86_64 "${accel[@]}" -m 1024 -display none -no-reboot \
        -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 -cdrom "$iso"
    ;;
bochs)
    log=$build/run-serial.log
    : > "$log"
    sed -e "s|@MEGS@|1024|" -e "s|@IPS@|${IPS:-50000000}|" -e "s|@ISO@|$iso|" \
        -e "s|@COM1_MODE@|file|" -e "s|@COM1_DEV@|$log|" -e "s|@LOG@|$build/run-bochs.log|" \
        -e "s|@TIME0@|local|" tests/bochsrc.in > "$build/run.bochsrc"
    printf 'c\nquit\n' > "$build/run.bochs-rc"
    tail -n +1 -f "$log" &
    tailpid=$!
    TERM=dumb bochs -q -f "$build/run.bochsrc" -rc "$build/run.bochs-rc" \
        < /dev/null > "$build/run-bochs.out" 2>&1
    sleep 0.5
    kill "$tailpid" 2>/dev/null
    wait "$tailpid" 2>/dev/null
    echo "(Bochs has stopped; its log is $build/run-bochs.log)"
    ;;
*)
    echo "unknown EMU=$emu (bochs|qemu|kvm)"; exit 2 ;;
esac
