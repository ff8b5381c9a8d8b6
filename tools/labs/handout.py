#!/usr/bin/env python3
"""Cut a student handout from the full tree (labs/README.md).

Solution regions live in the real source, inside function bodies of .c
files, between two comment lines:

    /* LAB 4 BEGIN exit_cpuid: what the student writes, in one line */
    ... the staff solution ...
    /* LAB 4 END */

`handout.py --lab N --out DIR` copies the tracked files to DIR and replaces
every region of lab N or later by a call that stops the hypervisor with
"lab 4: exit_cpuid is not implemented yet" (include/hv/lab.h), keeping the
BEGIN line's text as a comment. Regions of earlier labs keep their solution.
DIR becomes a git repository with one commit. labs/handout.mk records the
lab and relaxes the unused-variable warnings a stub leaves behind.

`handout.py --list` prints the regions of the tree, lab by lab.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LABS = 8
BEGIN_RE = re.compile(r"^(\s*)/\* LAB (\d+) BEGIN ([A-Za-z_][A-Za-z0-9_]*): (.+?)\s*\*/\s*$")
END_RE = re.compile(r"^\s*/\* LAB (\d+) END \*/\s*$")
ANY_RE = re.compile(r"/\* LAB \d+ (BEGIN|END)")
HANDOUT_MK = "labs/handout.mk"
SOURCE_EXTS = (".c", ".h", ".S", ".ld")     # regions only in .c; markers elsewhere are errors
# A stub leaves parameters, locals and static helpers of the solution unused.
LAB_CFLAGS = ("-Wno-unused-parameter -Wno-unused-variable "
              "-Wno-unused-but-set-variable -Wno-unused-function")


class Region:
    def __init__(self, path, lab, name, hint, indent, first, last, body):
        self.path, self.lab, self.name, self.hint = path, lab, name, hint
        self.indent, self.first, self.last, self.body = indent, first, last, body


def tracked_files(root):
    out = subprocess.run(["git", "-C", root, "ls-files", "-z"], check=True,
                         capture_output=True).stdout.decode()
    return [f for f in out.split("\0") if f and os.path.isfile(os.path.join(root, f))]


def parse(path, text):
    """The regions of one file; a malformed marker raises ValueError."""
    regions = []
    lines = text.split("\n")
    open_ = None
    for i, line in enumerate(lines):
        b, e = BEGIN_RE.match(line), END_RE.match(line)
        if b:
            if open_:
                raise ValueError(f"{path}:{i + 1}: LAB BEGIN inside the region begun at line "
                                 f"{open_[0] + 1}")
            if not path.endswith(".c"):
                raise ValueError(f"{path}:{i + 1}: regions belong in .c files")
            lab = int(b.group(2))
            if not 1 <= lab <= LABS:
                raise ValueError(f"{path}:{i + 1}: lab {lab}: labs are 1 to {LABS}")
            open_ = (i, lab, b.group(3), b.group(4), b.group(1))
        elif e:
            if not open_:
                raise ValueError(f"{path}:{i + 1}: LAB END without a BEGIN")
            if int(e.group(1)) != open_[1]:
                raise ValueError(f"{path}:{i + 1}: LAB {e.group(1)} END closes lab {open_[1]}'s "
                                 f"region begun at line {open_[0] + 1}")
            first, lab, name, hint, indent = open_
            regions.append(Region(path, lab, name, hint, indent, first, i, lines[first + 1:i]))
            open_ = None
        elif ANY_RE.search(line):
            raise ValueError(f"{path}:{i + 1}: malformed LAB marker: {line.strip()}")
    if open_:
        raise ValueError(f"{path}:{open_[0] + 1}: LAB BEGIN without an END")
    return regions


def read_text(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError:
        return None


def all_regions(root=ROOT):
    regions = []
    names = {}
    for f in tracked_files(root):
        if not f.endswith(SOURCE_EXTS):
            continue        # docs and tools may show the format
        text = read_text(os.path.join(root, f))
        if text is None or "/* LAB " not in text:
            continue
        for r in parse(f, text):
            key = (r.lab, r.name)
            if key in names:
                raise ValueError(f"{f}:{r.first + 1}: lab {r.lab} already has a region "
                                 f"{r.name} ({names[key]})")
            names[key] = f"{f}:{r.first + 1}"
            regions.append(r)
    return regions


def stub_text(text, regions, lab):
    lines = text.split("\n")
    out = []
    i = 0
    by_first = {r.first: r for r in regions if r.lab >= lab}
    while i < len(lines):
        r = by_first.get(i)
        if r is None:
            out.append(lines[i])
            i += 1
            continue
        out.append(f"{r.indent}/* LAB {r.lab} TODO {r.name}: {r.hint} */")
        out.append(f'{r.indent}lab_todo({r.lab}, "{r.name}");')
        i = r.last + 1
    return "\n".join(out)


def make_handout(lab, out, root=ROOT):
    if not 1 <= lab <= LABS:
        raise SystemExit(f"LAB={lab}: the labs are 1 to {LABS}")
    regions = all_regions(root)
    if os.path.exists(out):
        if os.listdir(out):
            raise SystemExit(f"{out}: exists and is not empty")
    os.makedirs(out, exist_ok=True)
    files = tracked_files(root)
    per_file = {}
    for r in regions:
        per_file.setdefault(r.path, []).append(r)
    for f in files:
        if f == HANDOUT_MK:
            continue
        src, dst = os.path.join(root, f), os.path.join(out, f)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if f in per_file and any(r.lab >= lab for r in per_file[f]):
            with open(src, encoding="utf-8") as fin, open(dst, "w", encoding="utf-8") as fout:
                fout.write(stub_text(fin.read(), per_file[f], lab))
            shutil.copymode(src, dst)
        else:
            shutil.copy2(src, dst)
    with open(os.path.join(out, HANDOUT_MK), "w") as f:
        f.write(f"# Written by tools/labs/handout.py: this tree is the handout of lab {lab}.\n"
                f"# Its stubs leave solution variables unused until you fill them in.\n"
                f"LAB_HANDOUT := {lab}\nLAB_CFLAGS := {LAB_CFLAGS}\n")
    env = dict(os.environ, GIT_AUTHOR_NAME="minivisor labs", GIT_AUTHOR_EMAIL="labs@minivisor",
               GIT_COMMITTER_NAME="minivisor labs", GIT_COMMITTER_EMAIL="labs@minivisor")
    for cmd in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"],
                ["git", "commit", "-q", "-m", f"minivisor: handout for lab {lab}"]):
        subprocess.run(cmd, cwd=out, check=True, env=env)
    stubbed = [r for r in regions if r.lab >= lab]
    return stubbed


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lab", type=int)
    ap.add_argument("--out")
    ap.add_argument("--list", action="store_true", help="print the regions, lab by lab")
    a = ap.parse_args(argv)
    try:
        if a.list:
            for r in sorted(all_regions(), key=lambda r: (r.lab, r.path, r.first)):
                print(f"lab {r.lab}  {r.path}:{r.first + 1}  {r.name}: {r.hint}")
            return 0
        if a.lab is None:
            ap.error("--lab N is needed (or --list)")
        out = a.out or os.path.join(ROOT, "build", "handout", f"lab{a.lab}")
        stubbed = make_handout(a.lab, os.path.abspath(out))
    except ValueError as e:
        print(f"handout: {e}", file=sys.stderr)
        return 1
    print(f"handout for lab {a.lab}: {out} ({len(stubbed)} regions of labs {a.lab}-{LABS} "
          "replaced by stubs)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
