#!/usr/bin/env python3
"""Integration tests: boot the real hypervisor ISO under an emulator and
check what it prints on COM1, line by line.

Each tests/integration/*.test file describes one boot:

    # free text
    emu: bochs | qemu | kvm   emulator (default bochs; qemu = TCG, no VT-x;
                              kvm = QEMU/KVM with the host's VMX, nested)
    firmware: bios | uefi     QEMU's firmware (default bios: SeaBIOS on the
                              i440FX PC; uefi: OVMF on q35, pflash drives; the
                              ISO must then list a BIOS and a UEFI El Torito
                              boot image)
    screen-after: PATTERN     QEMU only: once COM1 shows PATTERN, take a
                              screendump through QMP and stop QEMU; the
                              screen is decoded back to text (the font's
                              glyphs, see screen_text) for screen: checks
    keys-after: PATTERN => KEYS  QEMU only: once COM1 shows PATTERN, press
                              KEYS on the PS/2 keyboard through QMP send-key
                              (space-separated; each QEMU qcode names, '-'
                              joining keys held together: shift-h ret)
    screen: TEXT              a line of the decoded screen contains TEXT
    screen-reject: TEXT       no line of the decoded screen contains TEXT
    com: N                    QEMU only: the serial log is COM N (1-4; the
                              ports before it exist but go nowhere)
    iso: demo                 boot build/hypervisor.iso (`make iso`, grub.cfg
                              from iso/) instead of an ISO made for the test;
                              boot: and module: are then not used
    boot: OPTIONS             hypervisor command line (default: exit=bochs
                              under Bochs, exit=qemu under QEMU)
    module: FILE ARGS...      a module2 line: build/guests/FILE as /guests/FILE
    native: FILE ARGS...      boot the multiboot1 kernel build/guests/FILE
                              directly with GRUB, without the hypervisor (to
                              compare a test guest with the bare CPU)
    native-linux: FILE ARGS...  boot the Linux bzImage FILE (a path from the
                              top of the tree) directly with GRUB's `linux`
                              command, command line ARGS, without the
                              hypervisor (the reference for a Linux guest)
    native-initrd: FILE       its initramfs (GRUB's `initrd`)
    bench-native: NAME        (with bench: yes) the test NAME is this boot's
                              native reference: once both passed, a table of
                              their `lbench ROW:` lines side by side with the
                              ratio (tests/linux/lbench.c)
    timeout: SECONDS          wall-clock bound (default 180)
    megs: N                   emulated RAM (default 512)
    cpus: N                   N CPUs (QEMU: -smp N; Bochs: cpu: count=N;
                              default 1)
    spcr: PORT                QEMU only: an ACPI SPCR table naming a 16550 at
                              I/O port PORT (QEMU's -acpitable)
    ips: N                    Bochs instructions per emulated second
    expect: TEXT              a line containing TEXT, after the previous expect
    expect-re: REGEX          a line matching REGEX, after the previous expect
    expect-any: TEXT          a line containing TEXT anywhere (for guests that
                              run side by side and print in any order)
    reject: TEXT              no line may contain TEXT
    expect-e9: TEXT           Bochs' port 0xE9 output (its stdout) contains TEXT
    exit-code: N              QEMU's exit status must be N
    bench: yes                a benchmark: run only by `make bench`
    accounting: PERCENT       the summary's time accounting adds up: each
                              guest's "host work for it" is the sum of its
                              parts, and guests + host work + scheduler +
                              console + idle + unaccounted = elapsed, with
                              unaccounted under PERCENT % of elapsed
    send-after: PATTERN => TEXT   once COM1 output contains PATTERN (after the
                              previous send), type TEXT on COM1 (Python escapes:
                              \x01 is Ctrl-A, \r Enter); Bochs only
    type-after: PATTERN => TEXT   Bochs only: once COM1 shows PATTERN, type
                              TEXT on Bochs' emulated PS/2 keyboard: Bochs'
                              `term` display reads it from a pty on its stdin
                              (printable ASCII, \r Enter, \x01 Ctrl-A)
    gdb: COMMAND              Bochs only: a line of a gdb script. Bochs gets a
                              COM2 (a socket); once COM1 shows gdb-ready's
                              pattern, `gdb -batch -x SCRIPT ELF` runs with
                              `target remote` to it first (ELF: gdb-elf)
    gdb-elf: FILE             the symbols for gdb (build/guests/FILE)
    gdb-arch: ARCH            `set architecture ARCH` before `target remote`
                              (without gdb-elf gdb assumes i386; a 64-bit
                              guest needs i386:x86-64)
    ${sym:NAME}               in gdb:, gdb-expect: and gdb-expect-re: lines:
                              NAME's address (0x...) from build/linux/System.map
                              (the Linux guest's symbols, tests/linux/build.sh)
    gdb-ready: PATTERN        default: "waits for the debugger"
    lab: N                    coursework (labs/tests, tools/labs/grade.py):
                              the lab whose solution this test grades
    milestone: POINTS TEXT    a graded part: the expect/expect-re/expect-any/
                              reject lines after it are its checks, judged on
                              their own (they are also the test's checks)
    gdb-expect: TEXT          a line of gdb's output (build/itest/NAME/gdb.out)
                              containing TEXT, after the previous gdb-expect
    gdb-expect-re: REGEX      the same, matching REGEX

Usage: run.py [NAME...] [--bench] [-j N]
"""
import concurrent.futures
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, "build")
TESTDIR = os.path.join(ROOT, "tests", "integration")


class Milestone:
    """A graded part of a lab test (labs/tests): its points and the checks
    written after its milestone: line, judged on their own (the whole test
    passes only when every milestone does)."""
    def __init__(self, points, desc):
        self.points, self.desc = points, desc
        self.checks, self.anys, self.rejects = [], [], []


class Test:
    def __init__(self, path, text=None):
        """Read a .test file; with `text`, read that instead (path names
        the test: fuzz.py describes its boots this way)."""
        self.name = os.path.splitext(os.path.basename(path))[0]
        self.emu = "bochs"
        self.firmware = "bios"
        self.com = 1
        self.iso = None
        self.boot = None
        self.modules = []
        self.native = None
        self.native_linux = None
        self.native_initrd = None
        self.bench_native = None
        self.timeout = 180
        self.megs = 512
        self.cpus = 1
        self.spcr = None
        self.ips = 50000000
        self.checks = []        # (kind, text)
        self.rejects = []
        self.e9 = []
        self.anys = []
        self.sends = []         # (pattern, bytes)
        self.types = []         # (pattern, bytes) for the PS/2 keyboard
        self.exit_code = None
        self.screen_after = None
        self.keys = []          # (pattern, [combo, ...])
        self.screen = []
        self.screen_rejects = []
        self.bench = False
        self.accounting = None
        self.extra_files = []
        self.gdb = []           # script lines
        self.gdb_elf = None
        self.gdb_arch = None
        self.gdb_ready = "waits for the debugger"
        self.gdb_checks = []    # (kind, text)
        self.lab = None         # coursework (labs/tests): the lab this test grades
        self.milestones = []    # [Milestone]: each owns the checks after it
        if text is None:
            with open(path) as f:
                text = f.read()
        for lineno, line in enumerate(text.splitlines(), 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            key, _, val = line.partition(":")
            key, val = key.strip(), val.strip()
            if key == "emu":
                self.emu = val
            elif key == "firmware":
                if val not in ("bios", "uefi"):
                    raise SystemExit(f"{path}:{lineno}: firmware: bios or uefi")
                self.firmware = val
            elif key == "com":
                self.com = int(val)
                if not 1 <= self.com <= 4:
                    raise SystemExit(f"{path}:{lineno}: com: 1 to 4")
            elif key == "iso":
                if val != "demo":
                    raise SystemExit(f"{path}:{lineno}: iso: demo is the only value")
                self.iso = val
            elif key == "boot":
                self.boot = val
            elif key == "module":
                self.modules.append(val)
            elif key == "native":
                self.native = val
            elif key == "native-linux":
                self.native_linux = val
            elif key == "native-initrd":
                self.native_initrd = val
            elif key == "bench-native":
                self.bench_native = val
            elif key == "file":
                self.extra_files.append(val)
            elif key == "timeout":
                self.timeout = int(val)
            elif key == "megs":
                self.megs = int(val)
            elif key == "cpus":
                self.cpus = int(val)
            elif key == "spcr":
                self.spcr = int(val, 0)
            elif key == "ips":
                self.ips = int(val)
            elif key == "lab":
                self.lab = int(val)
            elif key == "milestone":
                pts, _, desc = val.partition(" ")
                if not pts.isdigit() or not desc.strip():
                    raise SystemExit(f"{path}:{lineno}: milestone: POINTS description")
                self.milestones.append(Milestone(int(pts), desc.strip()))
            elif key == "expect-any":
                self.anys.append(val)
                if self.milestones:
                    self.milestones[-1].anys.append(val)
            elif key in ("expect", "expect-re"):
                self.checks.append((key, val))
                if self.milestones:
                    self.milestones[-1].checks.append((key, val))
            elif key == "send-after":
                pat, _, text = val.partition("=>")
                data = text.strip().encode().decode("unicode_escape").encode("latin-1")
                self.sends.append((pat.strip(), data))
            elif key == "type-after":
                pat, _, text = val.partition("=>")
                data = text.strip().encode().decode("unicode_escape").encode("latin-1")
                self.types.append((pat.strip(), data))
            elif key == "expect-e9":
                self.e9.append(val)
            elif key == "reject":
                self.rejects.append(val)
                if self.milestones:
                    self.milestones[-1].rejects.append(val)
            elif key == "keys-after":
                pat, _, keys = val.partition("=>")
                self.keys.append((pat.strip(), keys.split()))
            elif key == "screen-after":
                self.screen_after = val
            elif key == "screen":
                self.screen.append(val)
            elif key == "screen-reject":
                self.screen_rejects.append(val)
            elif key == "exit-code":
                self.exit_code = int(val)
            elif key == "gdb":
                self.gdb.append(val)
            elif key == "gdb-elf":
                self.gdb_elf = val
            elif key == "gdb-arch":
                self.gdb_arch = val
            elif key == "gdb-ready":
                self.gdb_ready = val
            elif key in ("gdb-expect", "gdb-expect-re"):
                self.gdb_checks.append((key[4:], val))
            elif key == "bench":
                self.bench = val == "yes"
            elif key == "accounting":
                self.accounting = float(val)
            else:
                raise SystemExit(f"{path}:{lineno}: unknown key {key!r}")
        if self.milestones and self.lab is None:
            raise SystemExit(f"{path}: milestone: lines need a lab: line")
        if self.boot is None:
            self.boot = "exit=bochs" if self.emu == "bochs" else "exit=qemu"
        if self.firmware == "uefi" and self.emu != "qemu":
            raise SystemExit(f"{path}: firmware: uefi needs emu: qemu (Bochs has no UEFI)")
        if self.keys and self.emu != "qemu":
            raise SystemExit(f"{path}: keys-after: is for QEMU")
        if (self.screen or self.screen_after) and not (self.screen and self.screen_after
                                                       and self.emu == "qemu"):
            raise SystemExit(f"{path}: screen: and screen-after: go together, under QEMU")


def make_iso(t, workdir):
    root = os.path.join(workdir, "isoroot")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "boot", "grub"))
    os.makedirs(os.path.join(root, "guests"))
    shutil.copy(os.path.join(BUILD, "hypervisor.elf"), os.path.join(root, "boot"))
    lines = [
        "serial --unit=0 --speed=115200",
        "terminal_input serial",
        "terminal_output serial",
        # BIOS: stay in VGA text mode although the kernel asks for a
        # framebuffer (multiboot2 sets gfxpayload=auto; set after it)
        'if [ "$grub_platform" = "pc" ]; then screen=text; else screen=auto; fi',
        "insmod all_video",
        "set timeout=0",
        f'menuentry "{t.name}" {{',
    ]
    if t.native:
        fname, _, args = t.native.partition(" ")
        shutil.copy(os.path.join(BUILD, "guests", fname), os.path.join(root, "guests"))
        lines.append(f"    multiboot /guests/{fname} /guests/{fname} {args}".rstrip())
    elif t.native_linux:
        # The same kernel, initramfs and command line as a guest gets, on
        # the bare emulated CPU (GRUB's Linux boot protocol loader).
        fname, _, args = t.native_linux.partition(" ")
        shutil.copy(os.path.join(ROOT, fname), os.path.join(root, "guests"))
        lines.append("    set gfxpayload=text")
        lines.append(f"    linux /guests/{os.path.basename(fname)} {args}".rstrip())
        if t.native_initrd:
            shutil.copy(os.path.join(ROOT, t.native_initrd), os.path.join(root, "guests"))
            lines.append(f"    initrd /guests/{os.path.basename(t.native_initrd)}")
    else:
        lines.append(f"    multiboot2 /boot/hypervisor.elf {t.boot}")
        lines.append("    set gfxpayload=$screen")
    for m in t.modules:
        fname, _, args = m.partition(" ")
        src = os.path.join(BUILD, "guests", fname)
        if not os.path.exists(src):
            src = os.path.join(ROOT, fname)
        shutil.copy(src, os.path.join(root, "guests", os.path.basename(fname)))
        lines.append(f"    module2 /guests/{os.path.basename(fname)} {args}".rstrip())
    lines += ["    boot", "}"]
    with open(os.path.join(root, "boot", "grub", "grub.cfg"), "w") as f:
        f.write("\n".join(lines) + "\n")
    iso = os.path.join(workdir, "test.iso")
    r = subprocess.run(["grub-mkrescue", "-o", iso, root], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("grub-mkrescue failed:\n" + r.stderr)
    return iso


def el_torito_platforms(iso):
    """The platforms of the ISO's El Torito boot images (BIOS, UEFI)."""
    r = subprocess.run(["xorriso", "-indev", iso, "-report_el_torito", "plain"],
                       capture_output=True, text=True)
    plats = []
    for line in r.stdout.splitlines():
        m = re.match(r"El Torito boot img :\s+\d+\s+(\w+)", line)
        if m:
            plats.append(m.group(1))
    return plats


OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serial_session(port, serial, sends, proc, timeout):
    """Talk to Bochs' COM1 socket: log what it prints, type the scripted input."""
    deadline = time.time() + timeout
    sock = None
    while sock is None and time.time() < deadline and proc.poll() is None:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=1)
        except OSError:
            time.sleep(0.2)
    if sock is None:
        return
    sock.settimeout(0.2)
    buf = b""
    pos = 0
    pending = list(sends)
    with open(serial, "wb") as log:
        while time.time() < deadline:
            try:
                data = sock.recv(4096)
                if not data:
                    break
                buf += data
                log.write(data)
                log.flush()
            except socket.timeout:
                if proc.poll() is not None:
                    break
            except OSError:
                break
            while pending:
                pat, text = pending[0]
                i = buf.find(pat.encode(), pos)
                if i < 0:
                    break
                pos = i + len(pat)
                for b in text:               # one byte at a time, like a typist
                    sock.sendall(bytes([b]))
                    time.sleep(0.02)
                pending.pop(0)
    sock.close()


def type_keys(t, proc, bochs_out, serial):
    """type-after: Debian's Bochs is built with its debugger, so its `term`
    display opens a pty of its own for the emulated screen and keyboard
    (it prints 'Bochs connected to screen "/dev/pts/N"'). Open that pty's
    terminal side raw, drain the screen output (else Bochs blocks once the
    pty's buffer is full), and write the keys there: curses reads them and
    Bochs turns them into PS/2 scan codes."""
    import threading
    import tty
    deadline = time.time() + t.timeout
    path = None
    while path is None and time.time() < deadline and proc.poll() is None:
        with open(bochs_out, errors="replace") as f:
            m = re.search(r'connected to screen "(/dev/pts/\d+)"', f.read())
        path = m.group(1) if m else None
        time.sleep(0.1)
    if path is None:
        return wait(proc, max(1, deadline - time.time()))
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    stop = threading.Event()

    def drain():
        import select
        while not stop.is_set():
            try:
                if select.select([fd], [], [], 0.2)[0]:
                    os.read(fd, 65536)
            except OSError:
                return
    th = threading.Thread(target=drain, daemon=True)
    th.start()
    try:
        after = 0
        for pat, text in t.types:
            after = wait_serial(serial, pat, proc, deadline, after)
            if after is None:
                break
            for b in text:                   # one key at a time, like a typist
                os.write(fd, bytes([b]))
                time.sleep(0.05)
        return wait(proc, max(1, deadline - time.time()))
    finally:
        stop.set()
        th.join()
        os.close(fd)
SYM_RE = re.compile(r"\$\{sym:([A-Za-z0-9_.]+)\}")


def gdb_symbols(lines):
    """Replace ${sym:NAME} in lines by NAME's address in the Linux guest's
    System.map; raises ValueError naming what is missing."""
    names = {n for l in lines for n in SYM_RE.findall(l)}
    if not names:
        return list(lines)
    path = os.path.join(BUILD, "linux", "System.map")
    addrs = {}
    try:
        with open(path) as f:
            for l in f:
                parts = l.split()
                if len(parts) == 3 and parts[2] in names and parts[2] not in addrs:
                    addrs[parts[2]] = "0x" + parts[0]
    except OSError as e:
        raise ValueError(f"{path}: {e.strerror} (make linux)")
    missing = sorted(names - set(addrs))
    if missing:
        raise ValueError(f"{path}: no symbol {', '.join(missing)}")
    return [SYM_RE.sub(lambda m: addrs[m.group(1)], l) for l in lines]


def gdb_session(t, workdir, bochs_port, serial, proc, deadline):
    """Run gdb against Bochs' COM2: connect to its socket at once (Bochs
    waits for that before it boots), wait for the stub to be ready (COM1),
    then start gdb on a local port and relay its bytes both ways."""
    import select
    sock = None
    while sock is None and time.time() < deadline and proc.poll() is None:
        try:
            sock = socket.create_connection(("127.0.0.1", bochs_port), timeout=1)
        except OSError:
            time.sleep(0.2)
    if sock is None:
        return
    out_path = os.path.join(workdir, "gdb.out")
    if os.path.exists(out_path):
        os.remove(out_path)
    if wait_serial(serial, t.gdb_ready, proc, deadline) is None:
        sock.close()
        return
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    try:
        lines = gdb_symbols(t.gdb)
    except ValueError as e:
        with open(out_path, "w") as out:
            out.write(f"run.py: {e}\n")
        sock.close()
        lst.close()
        return
    script = os.path.join(workdir, "gdb-script")
    with open(script, "w") as f:
        f.write("set remotetimeout 60\n")
        if t.gdb_arch:
            f.write(f"set architecture {t.gdb_arch}\n")
        f.write(f"target remote localhost:{lst.getsockname()[1]}\n")
        f.write("\n".join(lines) + "\n")
    elf = os.path.join(BUILD, "guests", t.gdb_elf) if t.gdb_elf else None
    with open(out_path, "w") as out:
        g = subprocess.Popen(["gdb", "-nx", "-batch", "-x", script] + ([elf] if elf else []),
                             stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                             start_new_session=True)
        lst.settimeout(max(1, deadline - time.time()))
        try:
            conn, _ = lst.accept()
        except OSError:
            conn = None
        lst.close()
        socks = [sock] + ([conn] if conn else [])
        while conn and time.time() < deadline and g.poll() is None:
            r, _, _ = select.select(socks, [], [], 0.2)
            try:
                for s in r:
                    data = s.recv(4096)
                    if not data:
                        raise OSError("closed")
                    (conn if s is sock else sock).sendall(data)
            except OSError:
                break
        if conn:
            conn.close()
        wait(g, max(1, deadline - time.time()))
    sock.close()


def run_bochs(t, workdir, iso, serial):
    with open(os.path.join(ROOT, "tests", "bochsrc.in")) as f:
        rc = f.read()
    port = free_port() if t.sends else None
    subst = {"@MEGS@": str(t.megs), "@IPS@": str(t.ips), "@ISO@": iso, "@CPUS@": str(t.cpus),
             "@COM1_MODE@": "socket-server" if port else "file",
             "@COM1_DEV@": f"localhost:{port}" if port else serial,
             "@LOG@": os.path.join(workdir, "bochs.log"),
             "@TIME0@": "946684800"}     # fixed start time: reproducible runs
    for k, v in subst.items():
        rc = rc.replace(k, v)
    gdb_port = free_port() if t.gdb else None
    if gdb_port:
        rc += f"com2: enabled=1, mode=socket-server, dev=localhost:{gdb_port}\n"
    bochsrc = os.path.join(workdir, "bochsrc")
    with open(bochsrc, "w") as f:
        f.write(rc)
    cmds = os.path.join(workdir, "bochs-commands")
    with open(cmds, "w") as f:
        f.write("c\nquit\n")
    env = dict(os.environ, TERM="dumb")
    with open(os.path.join(workdir, "bochs.out"), "w") as out:
        p = subprocess.Popen(["bochs", "-q", "-f", bochsrc, "-rc", cmds],
                             stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                             env=env, cwd=workdir, start_new_session=True)
        if t.types:
            return type_keys(t, p, os.path.join(workdir, "bochs.out"), serial)
        start = time.time()
        gdb_thread = None
        if gdb_port:
            # gdb beside the typed input: in a thread (Bochs waits for COM1's
            # connection, then for COM2's)
            import threading
            gdb_thread = threading.Thread(target=gdb_session, args=(
                t, workdir, gdb_port, serial, p, start + t.timeout))
            gdb_thread.start()
        if port:
            serial_session(port, serial, t.sends, p, t.timeout)
        if gdb_thread:
            gdb_thread.join()
        return wait(p, max(1, t.timeout - (time.time() - start)))


class Qmp:
    """A QMP session with QEMU (-qmp unix:SOCK,server=on,wait=off)."""

    def __init__(self, sock_path, timeout=20):
        import json
        self.json = json
        deadline = time.time() + timeout
        self.sock = socket.socket(socket.AF_UNIX)
        while True:
            try:
                self.sock.connect(sock_path)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        self.sock.settimeout(timeout)
        self.f = self.sock.makefile("rw")
        json.loads(self.f.readline())            # the greeting
        self.call("qmp_capabilities")

    def call(self, cmd, **args):
        msg = {"execute": cmd, "arguments": args} if args else {"execute": cmd}
        self.f.write(self.json.dumps(msg) + "\n")
        self.f.flush()
        while True:
            reply = self.json.loads(self.f.readline())
            if "error" in reply:
                raise RuntimeError(f"QMP {cmd}: {reply['error']}")
            if "return" in reply:
                return reply["return"]

    def send_keys(self, combos):
        for combo in combos:
            keys = [{"type": "qcode", "data": k} for k in combo.split("-")]
            self.call("send-key", keys=keys)
            time.sleep(0.1)

    def quit(self):
        try:
            self.call("quit")
        except (OSError, ValueError):
            pass
        self.sock.close()


def wait_serial(serial, pattern, proc, deadline, after=0):
    """Wait until COM1's log shows pattern past offset `after`; returns the
    offset just past it, or None."""
    while time.time() < deadline and proc.poll() is None:
        if os.path.exists(serial):
            with open(serial, errors="replace") as f:
                i = f.read().find(pattern, after)
            if i >= 0:
                return i + len(pattern)
        time.sleep(0.3)
    return None


def spcr_table(workdir, port):
    """An ACPI SPCR table (Microsoft's "Serial Port Console Redirection
    Table", revision 2, 80 bytes) naming a full 16550 at I/O port `port`."""
    import struct
    body = bytearray(80 - 36)
    body[0] = 0x00                                   # interface type: full 16550
    body[4:16] = struct.pack("<BBBBQ", 1, 8, 0, 1, port)   # GAS: system I/O, 8 bits
    body[22] = 7                                     # baud rate: 115200
    hdr = bytearray(struct.pack("<4sIBB6s8sI4sI", b"SPCR", 80, 2, 0, b"MINIVI",
                                b"TESTSPCR", 1, b"MINI", 1))
    table = hdr + body
    table[9] = (-sum(table)) & 0xFF
    path = os.path.join(workdir, "spcr.bin")
    with open(path, "wb") as f:
        f.write(table)
    return path


def run_qemu(t, workdir, iso, serial):
    # emu kvm (tools/labs/grade.py on a host with nested VMX): the host's
    # CPU with VMX; qemu: TCG, which has no VMX.
    accel = ["-enable-kvm", "-cpu", "host,+vmx"] if t.emu == "kvm" else \
        ["-accel", "tcg", "-cpu", "max"]
    cmd = ["qemu-system-x86_64", *accel, "-m", str(t.megs),
           "-smp", str(t.cpus),
           "-display", "none", "-no-reboot",
           *["-serial", "null"] * (t.com - 1), "-serial", f"file:{serial}",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-cdrom", iso]
    if t.spcr is not None:
        cmd += ["-acpitable", f"file={spcr_table(workdir, t.spcr)}"]
    if t.firmware == "uefi":
        # OVMF: read-only code, a private writable copy of the variable store.
        vars_fd = os.path.join(workdir, "OVMF_VARS.fd")
        shutil.copy(OVMF_VARS, vars_fd)
        cmd += ["-machine", "q35",
                "-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
                "-drive", f"if=pflash,format=raw,file={vars_fd}"]
    qmp = os.path.join(workdir, "qmp.sock")
    ppm = os.path.join(workdir, "screen.ppm")
    if t.screen_after or t.keys:
        for old in (qmp, ppm):
            if os.path.exists(old):
                os.remove(old)
        cmd += ["-qmp", f"unix:{qmp},server=on,wait=off"]
    with open(os.path.join(workdir, "qemu.out"), "w") as out:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.STDOUT, start_new_session=True)
        start = time.time()
        deadline = start + t.timeout
        session = Qmp(qmp) if t.screen_after or t.keys else None
        pos = 0
        for pattern, combos in t.keys:
            pos = wait_serial(serial, pattern, p, deadline, pos)
            if pos is None:
                break
            session.send_keys(combos)
        if t.screen_after and wait_serial(serial, t.screen_after, p, deadline) is not None:
            session.call("screendump", filename=ppm)
            session.quit()
        return wait(p, max(1, deadline - time.time()))


def wait(p, timeout):
    try:
        return p.wait(timeout=timeout), False
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        return None, True


CSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def screen_lines(text):
    """COM1 output as a terminal would leave it: VT100 sequences dropped, and
    of a line redrawn after CR (the monitor's prompt line) only the last text."""
    out = []
    for line in CSI.sub("", text).split("\n"):
        parts = [p for p in line.split("\r") if p]
        out.append(parts[-1] if parts else "")
    return "\n".join(out)


sys.path.insert(0, os.path.join(ROOT, "tools"))
import psf2c  # noqa: E402  (the font converter: the same glyphs as the kernel's)

FONT = os.environ.get("FONT", "/usr/share/consolefonts/Lat15-VGA16.psf.gz")
# QEMU's standard VGA runs SeaBIOS' VGA BIOS, which loads its 8x16 font into
# the VGA; the screendump of a text screen is drawn with it.
VGA_ROM = "/usr/share/seabios/vgabios-stdvga.bin"
# Code page 437 glyph 1 (the smiley) of the IBM VGA 8x16 font; glyph 0 is blank.
VGA_FONT_MARK = bytes.fromhex("00007e81a58181bd9981817e00000000")


def vga_rom_glyphs(path=VGA_ROM):
    """The VGA BIOS' 8x16 font (256 glyphs of 16 bytes, code page 437, so
    ASCII at its own codes), found in the ROM image by glyphs 0 and 1."""
    with open(path, "rb") as f:
        rom = f.read()
    i = rom.find(bytes(16) + VGA_FONT_MARK)
    if i < 0 or i + 4096 > len(rom):
        raise ValueError(f"{path}: no 8x16 VGA font found")
    return [rom[i + 16 * g: i + 16 * (g + 1)] for g in range(256)]


def read_ppm(path):
    """(width, height, rows of (r, g, b)) from a binary PPM (P6, maxval 255)."""
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6" or int(fields[3]) != 255:
        raise ValueError(f"{path}: not a P6 PPM with maxval 255")
    w, h = int(fields[1]), int(fields[2])
    pix = data[pos + 1:pos + 1 + w * h * 3]
    return w, h, pix


def screen_text(path, font_path=FONT):
    """Decode a screendump back to text, cell by cell, with the font's glyphs.

    A framebuffer console draws font-sized cells from the top-left corner; a
    VGA text screen as QEMU renders it (720x400: 80x25 cells of 9x16, or
    640x400: 8x16) is read the same way from each cell's first 8 columns.
    A cell's lit pixels give a bitmap that is matched with the glyph that
    differs in fewest pixels (the framebuffer console draws exactly the
    glyph); a cell that matches no glyph well reads as '?'. A VGA text
    screen is matched with the VGA BIOS' own font (vga_rom_glyphs)."""
    with open(font_path, "rb") as f:
        font = psf2c.load_psf(f.read())
    glyphs = psf2c.byte_glyphs(font)
    w, h, pix = read_ppm(path)
    if (w, h) in ((720, 400), (640, 400)):
        cw, ch, cols, rows = w // 80, 16, 80, 25
        glyphs = vga_rom_glyphs()
        font = psf2c.Font(8, 16, glyphs, {})
    else:
        cw, ch = font.width, font.height
        cols, rows = w // cw, h // ch
    if ch != font.height:
        raise ValueError(f"font height {font.height} does not fit {ch}-pixel cells")
    bits = font.width

    def glyph_int(g):
        v = 0
        for y in range(font.height):
            row = int.from_bytes(g[y * font.row_bytes:(y + 1) * font.row_bytes], "big")
            v = (v << bits) | (row >> (font.row_bytes * 8 - bits))
        return v
    table = {}
    for code in range(0x20, 0x7F):
        table.setdefault(glyph_int(glyphs[code]), chr(code))
    cands = list(table.items())
    lines = []
    for r in range(rows):
        line = []
        for c in range(cols):
            v = 0
            for y in range(ch):
                base = ((r * ch + y) * w + c * cw) * 3
                for x in range(bits):
                    p = base + x * 3
                    lit = pix[p] + pix[p + 1] + pix[p + 2] > 3 * 0x40
                    v = (v << 1) | lit
            got = table.get(v)
            if got is None:
                best, dist = "?", 9
                for gv, gc in cands:
                    d = bin(gv ^ v).count("1")
                    if d < dist:
                        best, dist = gc, d
                got = best
            line.append(got)
        lines.append("".join(line).rstrip())
    return lines


ACCOUNTING_RE = re.compile(
    r"accounting: (\d+) TSC cycles elapsed: guests (\d+), host work for guests (\d+), "
    r"scheduler (\d+), host console (\d+), idle (\d+), unaccounted (\d+)")
HOST_WORK_RE = re.compile(
    r"host work for it: (\d+) TSC cycles: exits (\d+), starting slices (\d+), "
    r"device timers (\d+), interrupt delivery (\d+), console input (\d+)")
GUEST_LINE_RE = re.compile(r"VM exits, (\d+) TSC cycles in the guest")


def check_accounting(lines, percent):
    """The summary's figures add up (hypervisor.c's print_summary)."""
    errors = []
    starts = [i for i, l in enumerate(lines) if "[hv:info] summary:" in l]
    lines = lines[starts[-1]:] if starts else lines       # the summary, not `stats`
    acc = [m for m in map(ACCOUNTING_RE.search, lines) if m]
    if not acc:
        return ["no accounting: line in the summary"]
    elapsed, guests, host, sched, console, idle, rest = map(int, acc[-1].groups())
    works = [list(map(int, m.groups())) for m in map(HOST_WORK_RE.search, lines) if m]
    guest_times = [int(m.group(1)) for m in map(GUEST_LINE_RE.search, lines) if m]
    for w in works:
        if w[0] != sum(w[1:]):
            errors.append(f"host work {w[0]} is not the sum of its parts {w[1:]}")
    if works and sum(w[0] for w in works) != host:
        errors.append(f"host work for guests {host} != the guests' sum {sum(w[0] for w in works)}")
    if guest_times and sum(guest_times) != guests:
        errors.append(f"guests {guests} != the guests' sum {sum(guest_times)}")
    if guests + host + sched + console + idle + rest != elapsed:
        errors.append(f"the parts do not add up to elapsed {elapsed}")
    if rest * 100 > percent * elapsed:
        errors.append(f"unaccounted {rest} is {100 * rest / elapsed:.3f}% of {elapsed} "
                      f"(limit {percent}%)")
    return errors


def check(t, log, status, timed_out, e9="", screen=None):
    lines = log.splitlines()
    errors = []
    if t.accounting is not None:
        errors += check_accounting(lines, t.accounting)
    if t.screen:
        if screen is None:
            errors.append(f"no screendump (COM1 never showed: {t.screen_after})")
        else:
            for text in t.screen:
                if not any(text in l for l in screen):
                    errors.append(f"missing on the screen: {text}")
            for text in t.screen_rejects:
                if any(text in l for l in screen):
                    errors.append(f"on the screen but should not be: {text}")
    for text in t.e9:
        if text not in e9:
            errors.append(f"missing on port 0xE9: {text}")
    pos = 0
    for kind, text in t.checks:
        found = None
        for i in range(pos, len(lines)):
            if (kind == "expect" and text in lines[i]) or \
               (kind == "expect-re" and re.search(text, lines[i])):
                found = i
                break
        if found is None:
            errors.append(f"missing (in order): {kind}: {text}")
            break
        pos = found + 1
    for text in t.anys:
        if not any(text in l for l in lines):
            errors.append(f"missing (anywhere): {text}")
    for text in t.rejects:
        for l in lines:
            if text in l:
                errors.append(f"unexpected line: {l.strip()}")
                break
    if t.gdb_checks:
        try:
            with open(os.path.join(BUILD, "itest", t.name, "gdb.out"), errors="replace") as f:
                glines = f.read().splitlines()
        except OSError:
            glines = []
            errors.append("gdb did not run (no gdb.out)")
        gpos = 0
        try:
            texts = gdb_symbols([text for _, text in t.gdb_checks])
        except ValueError as e:
            errors.append(f"gdb-expect: {e}")
            texts = []
        for (kind, _), text in zip(t.gdb_checks, texts):
            found = None
            for i in range(gpos, len(glines)):
                if (kind == "expect" and text in glines[i]) or \
                   (kind == "expect-re" and re.search(text, glines[i])):
                    found = i
                    break
            if found is None:
                errors.append(f"missing in gdb's output (in order): gdb-{kind}: {text}")
                errors += [f"  gdb.out | {l}" for l in glines[-30:]]
                break
            gpos = found + 1
    if timed_out:
        errors.append(f"timed out after {t.timeout} s")
    if t.exit_code is not None and status != t.exit_code:
        errors.append(f"exit status {status}, expected {t.exit_code}")
    return errors


LBENCH_RE = re.compile(r"lbench ([a-z ]+): (.*)")


def lbench_rows(log):
    """The figures of tests/linux/lbench.c's lines: [(row, value)]."""
    got = {}
    for line in log.splitlines():
        m = LBENCH_RE.search(line)
        if m:
            got[m.group(1)] = [int(n) for n in re.findall(r"\d+", m.group(2))]
    rows = []
    if "loop" in got:
        rows.append((f"integer loop ({got['loop'][2] / 1e6:g}M instructions), ticks",
                     got["loop"][0]))
    if "getppid" in got:
        rows.append(("getppid round trip, min", got["getppid"][0]))
        rows.append(("getppid round trip, average", got["getppid"][1]))
    if "first touch" in got:
        rows.append(("first touch of a page, min", got["first touch"][0]))
        rows.append(("first touch of a page, average", got["first touch"][1]))
    if "interruption" in got:
        v = got["interruption"]
        rows.append(("time taken per interruption", v[0]))
        rows.append(("interruptions per million ticks", v[3]))
    return rows


def lbench_table(guest_name, guest_log, native_name, native_log):
    """The Linux section of `make bench`: the rows of a guest boot and of
    its native reference side by side, as TSC ticks under Bochs
    (instructions with clock: sync=none) and their ratio."""
    native = dict(lbench_rows(native_log))
    out = [f"Linux: {guest_name} (guest) against {native_name} (native), "
           "TSC ticks under Bochs (= instructions)",
           f"  {'row':40} {'native':>10} {'guest':>10} {'guest-native':>12} {'guest/native':>12}"]
    for row, g in lbench_rows(guest_log):
        n = native.get(row)
        if n is None:
            continue
        ratio = f"{g / n:.3f}" if n else "-"
        out.append(f"  {row:40} {n:>10} {g:>10} {g - n:>12} {ratio:>12}")
    return out


def run_one(t):
    workdir = os.path.join(BUILD, "itest", t.name)
    os.makedirs(workdir, exist_ok=True)
    serial = os.path.join(workdir, "serial.log")
    if os.path.exists(serial):
        os.remove(serial)
    start = time.time()
    try:
        if t.iso == "demo":
            iso = os.path.join(BUILD, "hypervisor.iso")
            if not os.path.exists(iso):
                raise RuntimeError("no build/hypervisor.iso: run make iso")
        else:
            iso = make_iso(t, workdir)
        if t.firmware == "uefi":
            plats = el_torito_platforms(iso)
            if "BIOS" not in plats or "UEFI" not in plats:
                return t, [f"{iso} is not a hybrid image: El Torito boot images {plats} "
                           "(want BIOS and UEFI; is grub-efi-amd64-bin installed?)"], "", 0.0
        runner = run_bochs if t.emu == "bochs" else run_qemu
        status, timed_out = runner(t, workdir, iso, serial)
    except Exception as e:  # noqa: BLE001 - report any set-up failure as a test failure
        return t, [f"could not run: {e}"], "", 0.0
    log = ""
    if os.path.exists(serial):
        with open(serial, errors="replace", newline="") as f:
            log = screen_lines(f.read())
    e9 = ""
    out = os.path.join(workdir, "bochs.out")
    if t.emu == "bochs" and os.path.exists(out):
        with open(out, errors="replace") as f:
            e9 = f.read()
    screen = None
    ppm = os.path.join(workdir, "screen.ppm")
    if t.screen and os.path.exists(ppm):
        try:
            screen = screen_text(ppm)
        except (OSError, ValueError) as e:
            return t, [f"cannot decode the screendump: {e}"], log, time.time() - start
        with open(os.path.join(workdir, "screen.txt"), "w") as f:
            f.write("\n".join(screen) + "\n")
    errors = check(t, log, status, timed_out, e9, screen)
    if screen is not None and errors:
        log += "\n--- the screen, decoded (screen.txt) ---\n" + "\n".join(
            l for l in screen if l.strip())
    return t, errors, log, time.time() - start


def main(argv):
    bench = "--bench" in argv
    jobs = 2
    names = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "-j":
            jobs = int(argv[i + 1])
            i += 1
        elif a != "--bench":
            names.append(a)
        i += 1
    tests = [Test(os.path.join(TESTDIR, f)) for f in sorted(os.listdir(TESTDIR))
             if f.endswith(".test")]
    if names:
        # A name may also be the path of a .test file outside tests/integration
        # (handy for one-off debugging runs).
        extra = [Test(n) for n in names if n.endswith(".test") and os.path.isfile(n)]
        tests = [t for t in tests if t.name in names] + extra
    else:
        tests = [t for t in tests if t.bench == bench]
    if not tests:
        print("no tests selected")
        return 1
    failed = []
    logs = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        for t, errors, log, secs in ex.map(run_one, tests):
            logs[t.name] = log
            if errors:
                failed.append(t.name)
                print(f"FAIL {t.name} ({secs:.1f} s)")
                for e in errors:
                    print(f"     {e}")
                tail = log.splitlines()[-40:]
                print(f"     --- last {len(tail)} lines of the serial log "
                      f"(build/itest/{t.name}/serial.log) ---")
                for l in tail:
                    print(f"     | {l}")
            else:
                print(f"PASS {t.name} ({secs:.1f} s)")
                if t.bench:
                    for l in log.splitlines():
                        if "bench" in l:
                            print(f"     {l.strip()}")
    for t in tests:
        if t.bench_native and t.bench_native in logs and not (
                {t.name, t.bench_native} & set(failed)):
            print("\n".join(lbench_table(t.name, logs[t.name], t.bench_native,
                                          logs[t.bench_native])))
    print(f"integration: {len(tests) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
