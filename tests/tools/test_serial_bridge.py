"""Tests of tests/serial_bridge.py against a fake Bochs COM1 socket server.

    python3 -m unittest discover -s tests/tools -p 'test_*.py'

Each test starts a TCP server on a free loopback port in a thread (standing in
for Bochs with `com1: mode=socket-server`), runs the bridge as a subprocess with
its stdin a pipe, and checks what crosses in each direction. Standard library only.
"""

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BRIDGE = os.path.join(HERE, "..", "serial_bridge.py")
WAIT = 5                 # upper bound on any single wait; the tests take far less


class FakeBochs:
    """A one-client TCP server on 127.0.0.1: accepts the bridge, then runs
    SCRIPT(conn) in a thread. Whatever the script receives is kept in .received."""

    def __init__(self, script):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.listener.settimeout(WAIT)
        self.port = self.listener.getsockname()[1]
        self.script = script
        self.received = b""
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            conn, _ = self.listener.accept()
            conn.settimeout(WAIT)
            with conn:
                self.script(self, conn)
        except Exception as e:  # noqa: BLE001 - reported by join()
            self.error = e
        finally:
            self.listener.close()

    def recv_until(self, conn, want):
        """Receive until WANT has arrived (all received bytes are kept)."""
        while want not in self.received:
            data = conn.recv(4096)
            if not data:
                raise AssertionError(f"bridge closed before sending {want!r}; "
                                     f"got {self.received!r}")
            self.received += data

    def join(self, test):
        self.thread.join(WAIT)
        test.assertFalse(self.thread.is_alive(), "fake Bochs did not finish")
        if self.error:
            raise self.error


def start_bridge(port, *extra):
    return subprocess.Popen([sys.executable, BRIDGE, "--port", str(port), *extra],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


class SerialBridgeTest(unittest.TestCase):

    def finish(self, proc, stdin=b""):
        """Close the bridge's stdin after STDIN, wait for it; return (rc, out, err)."""
        try:
            out, err = proc.communicate(stdin, timeout=WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            self.fail("the bridge did not exit")
        return proc.returncode, out, err

    def test_output_reaches_stdout_exactly_and_exit_0_on_close(self):
        # (a) bytes from "Bochs" appear on stdout unchanged, CR LF and 0x01
        # included; (c) the bridge exits 0 when the connection closes;
        # (d) --log FILE holds the same bytes.
        payload = b"minivisor\r\nguest 1: hello\r\n\x01raw\x00\xff\r\n"

        def script(fake, conn):
            conn.sendall(payload)
            # then close: Bochs has stopped

        fake = FakeBochs(script)
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "serial.log")
            proc = start_bridge(fake.port, "--log", log)
            proc.stdin.close()                  # nothing to type
            rc = proc.wait(WAIT)
            out = proc.stdout.read()
            err = proc.stderr.read()
            proc.stdout.close()
            proc.stderr.close()
            fake.join(self)
            self.assertEqual(rc, 0, err)
            self.assertEqual(out, payload)
            with open(log, "rb") as f:
                self.assertEqual(f.read(), payload)

    def test_input_reaches_socket_exactly(self):
        # (b) stdin bytes reach "Bochs" unchanged: Ctrl-A 0 (to the monitor),
        # then "list\r"; and a 0x1d, which is the quit key only on a terminal.
        typed = b"\x01" + b"0" + b"list\r" + b"\x1d\x03\x04\n"

        def script(fake, conn):
            fake.recv_until(conn, typed)
            conn.sendall(b"monitor> ok\r\n")

        fake = FakeBochs(script)
        proc = start_bridge(fake.port)
        rc, out, err = self.finish(proc, typed)
        fake.join(self)
        self.assertEqual(fake.received, typed)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, b"monitor> ok\r\n")

    def test_output_continues_after_stdin_eof(self):
        # (f) the end of stdin does not end the bridge: output that comes later
        # is still relayed, until the connection closes.
        def script(fake, conn):
            fake.recv_until(conn, b"x")
            # The bridge has read its stdin ("x" then EOF); wait until it has
            # surely seen the EOF, then talk.
            time.sleep(0.2)
            conn.sendall(b"after eof 1\r\n")
            time.sleep(0.05)
            conn.sendall(b"after eof 2\r\n")

        fake = FakeBochs(script)
        proc = start_bridge(fake.port)
        rc, out, err = self.finish(proc, b"x")
        fake.join(self)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, b"after eof 1\r\nafter eof 2\r\n")

    def test_connects_to_late_listener(self):
        # The bridge retries until "Bochs" starts listening.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]       # free now; nobody listens yet
        proc = start_bridge(port, "--timeout", str(WAIT))
        time.sleep(0.3)                     # a few refused attempts
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(1)
        listener.settimeout(WAIT)
        with listener:
            conn, _ = listener.accept()
            with conn:
                conn.sendall(b"late\r\n")
        rc, out, err = self.finish(proc)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, b"late\r\n")

    def test_gives_up_when_bochs_has_exited(self):
        # (e) nobody listens and the --pid process is gone: exit 1 at once,
        # saying why.
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        start = time.monotonic()
        proc = start_bridge(port, "--pid", str(dead.pid), "--timeout", "30")
        rc, out, err = self.finish(proc)
        self.assertEqual(rc, 1)
        self.assertLess(time.monotonic() - start, 3)
        self.assertEqual(out, b"")
        self.assertIn(b"cannot connect", err)
        self.assertIn(f"pid {dead.pid}".encode(), err)
        self.assertIn(b"exited", err)

    def test_gives_up_after_timeout(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = start_bridge(port, "--timeout", "0.3")
        rc, out, err = self.finish(proc)
        self.assertEqual(rc, 1)
        self.assertIn(b"cannot connect", err)
        self.assertIn(b"after 0.3 s", err)


if __name__ == "__main__":
    unittest.main()
