"""Tests of tools/psf2c.py (the screen console's font converter).

    python3 -m unittest discover -s tests/tools -p 'test_*.py'

Synthetic PSF1 and PSF2 fonts (with and without Unicode tables, gzipped or
not) are converted and the C table is read back; the real Debian font the
build uses is checked when it is installed. Standard library only.
"""
import gzip
import os
import re
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "..", "..", "tools", "psf2c.py")
sys.path.insert(0, os.path.dirname(TOOL))
import psf2c  # noqa: E402

REAL_FONT = "/usr/share/consolefonts/Lat15-VGA16.psf.gz"


def glyph(i, height, row_bytes=1):
    """A distinct bitmap for glyph index i."""
    return bytes(((i * 7 + y * 13 + b) & 0xFF) for y in range(height) for b in range(row_bytes))


def psf1(count, height, table=None):
    mode = (0x01 if count == 512 else 0) | (0x02 if table is not None else 0)
    data = b"\x36\x04" + bytes([mode, height])
    data += b"".join(glyph(i, height) for i in range(count))
    if table is not None:
        for g in range(count):
            for cp in table.get(g, []):
                data += struct.pack("<H", cp)
            data += b"\xff\xff"
    return data


def psf2(count, width, height, table=None):
    row_bytes = (width + 7) // 8
    flags = 1 if table is not None else 0
    data = b"\x72\xb5\x4a\x86" + struct.pack("<7I", 0, 32, flags, count,
                                             height * row_bytes, height, width)
    data += b"".join(glyph(i, height, row_bytes) for i in range(count))
    if table is not None:
        for g in range(count):
            for item in table.get(g, []):
                data += item.encode("utf-8") if isinstance(item, str) else item
            data += b"\xff"
    return data


def read_c_table(path):
    """(width, height, row_bytes, {byte value: bytes}) from the generated C."""
    with open(path) as f:
        text = f.read()
    m = re.search(r"\.width = (\d+), \.height = (\d+), \.row_bytes = (\d+)", text)
    w, h, rb = map(int, m.groups())
    rows = re.findall(r"/\* 0x([0-9a-f]{2}) . \*/ ([0-9a-fx, ]+),\n", text)
    table = {int(k, 16): bytes(int(x, 16) for x in v.split(", ")) for k, v in rows}
    return w, h, rb, table


class Convert(unittest.TestCase):
    def convert(self, data, gz=False):
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "t.psf.gz" if gz else "t.psf")
            with open(src, "wb") as f:
                f.write(gzip.compress(data) if gz else data)
            out = os.path.join(d, "font.c")
            r = subprocess.run([sys.executable, TOOL, src, out], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            return read_c_table(out)

    def test_psf1_with_unicode_table(self):
        # The font's own order is not Latin-1: 'A' is glyph 5, '?' glyph 9,
        # U+00E9 glyph 200, and glyph 7 has a combining sequence only.
        table = {5: [ord("A"), 0x391], 9: [ord("?")], 200: [0xE9],
                 7: [0xFFFE, ord("B"), 0x301], 8: [ord("B")]}
        w, h, rb, t = self.convert(psf1(256, 14, table), gz=True)
        self.assertEqual((w, h, rb), (8, 14, 1))
        self.assertEqual(len(t), 256)
        self.assertEqual(t[ord("A")], glyph(5, 14))
        self.assertEqual(t[0xE9], glyph(200, 14))
        self.assertEqual(t[ord("B")], glyph(8, 14))     # not the sequence's glyph 7
        self.assertEqual(t[ord("C")], glyph(9, 14))     # missing: '?'
        self.assertEqual(t[0x0A], bytes(14))            # control: blank
        self.assertEqual(t[0x85], bytes(14))

    def test_psf1_512_without_table(self):
        w, h, rb, t = self.convert(psf1(512, 16))
        self.assertEqual((w, h), (8, 16))
        self.assertEqual(t[ord("A")], glyph(ord("A"), 16))    # glyph i is code i
        self.assertEqual(t[0xFF], glyph(0xFF, 16))

    def test_psf2_wide_with_utf8_table(self):
        table = {3: ["A"], 4: ["?"], 6: ["é"], 10: ["x", b"\xfe", "y\u0301"]}
        w, h, rb, t = self.convert(psf2(64, 12, 24, table))
        self.assertEqual((w, h, rb), (12, 24, 2))
        self.assertEqual(t[ord("A")], glyph(3, 24, 2))
        self.assertEqual(t[0xE9], glyph(6, 24, 2))
        self.assertEqual(t[ord("x")], glyph(10, 24, 2))
        self.assertEqual(t[ord("y")], glyph(4, 24, 2))    # only in a sequence: '?'
        self.assertEqual(t[0x1B], bytes(48))

    def test_bad_fonts_refused(self):
        for data in (b"", b"\x36\x04\x00\x10" + bytes(100), b"not a font at all",
                     b"\x72\xb5\x4a\x86" + struct.pack("<7I", 0, 32, 0, 4, 99, 16, 8)):
            with self.assertRaises(ValueError):
                psf2c.load_psf(data)
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "bad.psf")
            with open(src, "wb") as f:
                f.write(b"junk")
            r = subprocess.run([sys.executable, TOOL, src, os.path.join(d, "o.c")],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 1)
            self.assertIn("not a PSF1 or PSF2 font", r.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "o.c")))

    @unittest.skipUnless(os.path.exists(REAL_FONT), "console-setup-linux not installed")
    def test_debian_font(self):
        with open(REAL_FONT, "rb") as f:
            font = psf2c.load_psf(f.read())
        self.assertEqual((font.width, font.height), (8, 16))
        g = psf2c.byte_glyphs(font)
        printable = [g[c] for c in range(0x21, 0x7F)]
        self.assertEqual(len(set(printable)), len(printable))    # all distinct
        self.assertTrue(all(any(x) for x in printable))          # none blank
        self.assertEqual(g[0x20], bytes(16))                     # space is blank
        # 'I' in this VGA-style font: a vertical bar in the middle columns
        self.assertTrue(all(row & 0x18 for row in g[ord("I")][4:12]))


if __name__ == "__main__":
    unittest.main()
