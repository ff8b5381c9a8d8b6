#!/usr/bin/env bash
# Boot an ISO headless with COM1 on this terminal, both ways (used by `make run`).
#   [FIRMWARE=bios|uefi] tests/run_emu.sh auto|bochs|qemu|kvm ISO
# auto: QEMU/KVM with -cpu host when /dev/kvm exists on an Intel CPU with
# nested VMX enabled, else Bochs (whose emulated CPU has VMX); with
# FIRMWARE=uefi, else QEMU TCG. FIRMWARE=uefi boots QEMU's q35 machine with
# OVMF (Debian's ovmf package) from pflash drives, the variable store a copy
# in the ISO's folder; Bochs has no UEFI firmware.
# Bochs: COM1 is a loopback socket (mode=socket-server) that tests/serial_bridge.py
# connects to this terminal in raw mode: keys, Ctrl-C included, go to the
# machine; Ctrl-] quits (Bochs is then stopped). COM1 output is also kept in
# BUILD/run-serial.log, Bochs' own output in BUILD/run-bochs.out and its log in
# BUILD/run-bochs.log. CPUS=N: Bochs emulates N CPUs (default 1).
# GDB_PORT=N: COM2 listens on localhost:N for gdb's `target remote` (a guest
# line with gdb=com2, or the monitor's `gdb NAME`, attaches the stub there).
# Bochs waits for that connection before it boots.
set -u
gdb_port=${GDB_PORT:-}
emu=${1:-auto}
iso=${2:-build/hypervisor.iso}
build=$(dirname "$iso")

nested_vmx() {
    [ -e /dev/kvm ] && grep -q GenuineIntel /proc/cpuinfo &&
        grep -qE '^(Y|1)$' /sys/module/kvm_intel/parameters/nested 2>/dev/null
}

firmware=${FIRMWARE:-bios}
case "$firmware" in
bios|uefi) ;;
*) echo "unknown FIRMWARE=$firmware (bios|uefi)"; exit 2 ;;
esac
if [ "$emu" = auto ]; then
    if nested_vmx; then emu=kvm; elif [ "$firmware" = uefi ]; then emu=qemu; else emu=bochs; fi
fi
if [ "$firmware" = uefi ] && [ "$emu" = bochs ]; then
    echo "FIRMWARE=uefi: Bochs has no UEFI firmware; use EMU=qemu or EMU=kvm"; exit 2
fi
quit=
[ "$emu" = bochs ] && [ -t 0 ] && quit="; Ctrl-] quits"
echo "booting $iso under $emu, $firmware firmware (COM1 follows; the machine stops by itself$quit)"

case "$emu" in
kvm|qemu)
    accel=(-accel tcg -cpu max)
    [ "$emu" = kvm ] && accel=(-enable-kvm -cpu host,+vmx)
    fw=()
    if [ "$firmware" = uefi ]; then
        cp /usr/share/OVMF/OVMF_VARS_4M.fd "$build/run-OVMF_VARS.fd" || exit 1
        fw=(-machine q35
            -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd
            -drive "if=pflash,format=raw,file=$build/run-OVMF_VARS.fd")
    fi
    exec qemu-system-x86_64 "${accel[@]}" "${fw[@]}" -m 1024 -display none -no-reboot \
        -serial stdio ${gdb_port:+-serial tcp:127.0.0.1:$gdb_port,server=on,wait=off} \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -cdrom "$iso"
    ;;
bochs)
    here=$(dirname "$0")
    python=${PYTHON:-python3}
    log=$build/run-serial.log
    : > "$log"
    # A free loopback port for COM1 (Bochs listens there and waits for the bridge).
    port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    sed -e "s|@MEGS@|1024|" -e "s|@CPUS@|${CPUS:-1}|" -e "s|@IPS@|${IPS:-50000000}|" -e "s|@ISO@|$iso|" \
        -e "s|@COM1_MODE@|socket-server|" -e "s|@COM1_DEV@|localhost:$port|" \
        -e "s|@LOG@|$build/run-bochs.log|" \
        -e "s|@TIME0@|local|" "$here/bochsrc.in" > "$build/run.bochsrc"
    [ -n "$gdb_port" ] &&
        echo "com2: enabled=1, mode=socket-server, dev=localhost:$gdb_port" >> "$build/run.bochsrc"
    printf 'c\nquit\n' > "$build/run.bochs-rc"
    TERM=dumb bochs -q -f "$build/run.bochsrc" -rc "$build/run.bochs-rc" \
        < /dev/null > "$build/run-bochs.out" 2>&1 &
    bochs_pid=$!
    # After Ctrl-], or if this script is interrupted. SIGHUP, not SIGTERM: the
    # term display library quits on SIGHUP ("quit simulation"), but SIGTERM
    # does not stop the simulation.
    stop_bochs() {
        if kill -0 "$bochs_pid" 2>/dev/null; then
            kill -HUP "$bochs_pid" 2>/dev/null
            for _ in $(seq 50); do
                kill -0 "$bochs_pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -9 "$bochs_pid" 2>/dev/null
        fi
        wait "$bochs_pid" 2>/dev/null
    }
    # On a signal: stop Bochs, which closes COM1 and so ends the bridge (it
    # restores the terminal), then leave.
    interrupted() {
        stop_bochs
        [ -n "${bridge_pid:-}" ] && wait "$bridge_pid" 2>/dev/null
        exit "$1"
    }
    trap 'interrupted 129' HUP
    trap 'interrupted 130' INT
    trap 'interrupted 143' TERM
    # The bridge relays COM1 both ways until Bochs stops or Ctrl-] is typed. It
    # runs in the background (with this script's stdin: <&0) so that `wait`,
    # unlike a foreground command, lets the traps above run at once.
    "$python" "$here/serial_bridge.py" --port "$port" --pid "$bochs_pid" --log "$log" <&0 &
    bridge_pid=$!
    wait "$bridge_pid"
    status=$?
    stop_bochs
    trap - HUP INT TERM
    echo "(Bochs has stopped; its log is $build/run-bochs.log)"
    exit "$status"
    ;;
*)
    echo "unknown EMU=$emu (bochs|qemu|kvm)"; exit 2 ;;
esac
