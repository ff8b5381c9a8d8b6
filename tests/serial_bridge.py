#!/usr/bin/env python3
"""Connect this terminal to Bochs' COM1, both ways (used by tests/run_emu.sh).

    serial_bridge.py --port PORT [--pid PID] [--timeout S] [--log FILE]

Bochs, with `com1: enabled=1, mode=socket-server, dev=localhost:PORT`, waits at
start for one TCP client on loopback; what the guest writes to COM1 arrives on
that connection, and what the client sends becomes COM1 input. This program is
that client, so that `make run` under Bochs is interactive as QEMU's
`-serial stdio` is:

  * it connects to 127.0.0.1:PORT, retrying until it is connected, the Bochs
    process PID (if given) has exited, or S seconds (default 60) have passed;
    in the last two cases it prints why on stderr and exits with status 1;
  * then it copies socket -> stdout (and to FILE with --log) and stdin -> socket,
    byte for byte: nothing is translated (the hypervisor already sends CR LF,
    and Ctrl-A is its console-switch key, which must reach it);
  * when stdin is a terminal it is put in raw mode, so every key, Ctrl-C
    included, goes to the machine as on a real serial line; Ctrl-] (0x1d, as in
    telnet) is kept back and quits. The terminal's settings are always put back
    on the way out (normal exit, error, SIGTERM, SIGHUP);
  * when stdin is not a terminal (a pipe, /dev/null) its bytes are all relayed,
    0x1d included; at its end the bridge stops reading it but goes on relaying
    output;
  * it exits with status 0 when the connection closes (Bochs has stopped) or
    when Ctrl-] is typed.

Python 3 standard library only.
"""

import argparse
import os
import select
import signal
import socket
import sys
import termios
import time
import tty

QUIT_KEY = 0x1D          # Ctrl-]: leave the bridge (only when stdin is a terminal)
HINT = "Ctrl-] quits; Ctrl-A n / Ctrl-A 0 switch console input (see README)"
MAX_PENDING = 1 << 16    # stop reading stdin while this much waits for the socket


def say(msg):
    """One line on stderr, prefixed with our name."""
    sys.stderr.write(f"serial_bridge: {msg}\n")
    sys.stderr.flush()


def pid_alive(pid):
    """True while process PID exists and is not a zombie (exited, not yet reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True          # exists, owned by someone else
    try:
        with open(f"/proc/{pid}/stat") as f:
            # "pid (comm) state ...": comm may hold spaces and ')', so split at the last ')'.
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return True          # no /proc: trust kill(0)


def connect(port, pid, timeout):
    """Connect to 127.0.0.1:PORT, retrying while it refuses. Return the socket,
    or None after saying why (PID exited, or TIMEOUT seconds passed)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=1)
        except OSError as e:
            err = e
        if pid is not None and not pid_alive(pid):
            say(f"cannot connect to COM1 at 127.0.0.1:{port}: "
                f"Bochs (pid {pid}) has exited (last error: {err})")
            return None
        if time.monotonic() >= deadline:
            say(f"cannot connect to COM1 at 127.0.0.1:{port} "
                f"after {timeout:g} s (last error: {err})")
            return None
        time.sleep(0.1)


def write_all(fd, data):
    """os.write until all of DATA is out (a pipe may take part of it)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def relay(sock, in_fd, out_fd, log, interactive, state):
    """Copy bytes both ways until the socket closes (return "closed") or, when
    INTERACTIVE, the quit key is typed (return "quit"). state["mid_line"] says
    whether the last output byte was not a newline."""
    sock.setblocking(False)
    to_sock = b""            # stdin bytes not yet accepted by the socket
    reading_stdin = True
    while True:
        rlist = [sock]
        if reading_stdin and len(to_sock) < MAX_PENDING:
            rlist.append(in_fd)
        wlist = [sock] if to_sock else []
        readable, writable, _ = select.select(rlist, wlist, [])

        if sock in readable:
            try:
                data = sock.recv(65536)
            except BlockingIOError:
                data = None
            except OSError:          # connection reset: Bochs is gone
                data = b""
            if data == b"":
                return "closed"      # Bochs closed COM1: it has stopped
            if data:
                write_all(out_fd, data)
                state["mid_line"] = not data.endswith(b"\n")
                if log:
                    log.write(data)
                    log.flush()

        if in_fd in readable:
            data = os.read(in_fd, 4096)
            if not data:
                reading_stdin = False    # EOF: keep relaying output only
            elif interactive and QUIT_KEY in data:
                # Send what was typed before the quit key, then leave.
                to_sock += data[:data.index(QUIT_KEY)]
                try:
                    sock.setblocking(True)
                    sock.settimeout(1)
                    sock.sendall(to_sock)
                except OSError:
                    pass
                return "quit"
            else:
                to_sock += data

        if sock in writable and to_sock:
            try:
                n = sock.send(to_sock)
                to_sock = to_sock[n:]
            except BlockingIOError:
                pass
            except OSError:
                return "closed"      # peer gone


def on_signal(signum, _frame):
    """SIGTERM/SIGHUP: turned into an exception so that the finally clause of
    main (which restores the terminal) runs; a second signal cannot cut it short."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    raise SystemExit(128 + signum)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Relay this terminal to Bochs' COM1 socket.")
    ap.add_argument("--port", type=int, required=True, help="Bochs' COM1 socket-server port")
    ap.add_argument("--pid", type=int, help="Bochs' process id: stop waiting if it exits")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="seconds to keep trying to connect (default 60)")
    ap.add_argument("--log", help="also write everything COM1 prints to this file")
    args = ap.parse_args(argv)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    in_fd, out_fd = sys.stdin.fileno(), sys.stdout.fileno()
    interactive = os.isatty(in_fd)
    saved = None             # the terminal's settings, while it is in raw mode
    log = None
    sock = None
    state = {"mid_line": False}
    try:
        sock = connect(args.port, args.pid, args.timeout)
        if sock is None:
            return 1
        if args.log:
            log = open(args.log, "wb")
        if interactive:
            say(HINT)
            saved = termios.tcgetattr(in_fd)
            # TCSADRAIN rather than setraw's default TCSAFLUSH: keep typeahead.
            tty.setraw(in_fd, termios.TCSADRAIN)
        reason = relay(sock, in_fd, out_fd, log, interactive, state)
    except KeyboardInterrupt:        # only possible when stdin is not in raw mode
        return 130
    except BrokenPipeError:          # our stdout went away
        return 1
    finally:
        if saved is not None:
            try:
                termios.tcsetattr(in_fd, termios.TCSADRAIN, saved)
            except (OSError, termios.error):
                pass                 # the terminal is gone (SIGHUP)
        if sock is not None:
            sock.close()
        if log:
            log.close()
    # Whatever comes next (a shell prompt, run_emu.sh's last line) starts on a
    # line of its own; stdout itself carries only what COM1 sent.
    if state["mid_line"]:
        sys.stderr.write("\n")
    if reason == "quit":
        say("quit (Ctrl-])")
    sys.stderr.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
