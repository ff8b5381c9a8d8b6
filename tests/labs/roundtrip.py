#!/usr/bin/env python3
"""make labs-check: proof that the coursework machinery grades (labs/README.md).

1. The full tree scores full points in every lab.
2. For each lab n, `make handout LAB=n` gives a one-commit git tree that
   holds no line of the solution of lab n or later, builds with its stubs,
   scores full points for lab n-1 and zero for every milestone of lab n.
3. `make handin` archives a clean handout and refuses a dirty one.

Why lab n-1 alone in handout n, not every earlier lab: a lab-k test scores
in handout k+1 only if it never reaches a stub, i.e. no region of a lab
after k. Handout n > k+1 differs from handout k+1 only inside regions of
labs k+1..n-1, which that test does not reach, so it runs the same code
there. Checking lab k in handout k+1 covers it in every later handout.
"""
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "labs"))
import handout  # noqa: E402

WORK = os.path.join(ROOT, "build", "labs-check")
MIN_LEN = 16    # shorter lines ("return 0;", "}") say nothing about a solution


def grade(tree, labs):
    path = os.path.join(tree, "build", "grade", "results.json")
    if os.path.exists(path):
        os.remove(path)
    r = subprocess.run([sys.executable, os.path.join(tree, "tools", "labs", "grade.py"),
                        "--labs", ",".join(map(str, labs)), "--no-build"],
                       capture_output=True, text=True)
    sys.stdout.write("".join("    " + l + "\n" for l in r.stdout.splitlines()))
    if r.returncode:
        return None
    with open(path) as f:
        return json.load(f)["tests"]


def lab_of(test):
    return int(test["name"].split(":")[0].split()[1])


def solution_lines(regions, lab):
    """Stripped lines of the solutions of labs >= lab that occur nowhere
    else in the full tree (so finding one in a handout means a leak)."""
    inside = {}
    for r in regions:
        if r.lab >= lab:
            for l in r.body:
                s = l.strip()
                if len(s) >= MIN_LEN and not s.startswith(("/*", "*", "//")):
                    inside.setdefault(s, f"{r.path}: lab {r.lab} {r.name}")
    skip = {(r.path, i) for r in regions if r.lab >= lab for i in range(r.first, r.last + 1)}
    for f in handout.tracked_files(ROOT):
        text = handout.read_text(os.path.join(ROOT, f))
        if text is None:
            continue
        for i, l in enumerate(text.split("\n")):
            if (f, i) not in skip:
                inside.pop(l.strip(), None)
    return inside


def leaks(tree, secret):
    found = []
    for f in handout.tracked_files(tree):
        text = handout.read_text(os.path.join(tree, f))
        if text is None:
            continue
        for l in text.split("\n"):
            if l.strip() in secret:
                found.append(f"{f}: {l.strip()} (from {secret[l.strip()]})")
    return found


def main():
    start = time.time()
    failures = []
    regions = handout.all_regions(ROOT)
    test_labs = {}
    for f in sorted(os.listdir(os.path.join(ROOT, "labs", "tests"))):
        if f.endswith(".test"):
            with open(os.path.join(ROOT, "labs", "tests", f)) as fh:
                for line in fh:
                    if line.startswith("lab:"):
                        test_labs.setdefault(int(line.split(":")[1]), []).append(f)
    labs = sorted(set(test_labs) | {r.lab for r in regions})
    for n in range(1, handout.LABS + 1):
        if n not in test_labs:
            failures.append(f"lab {n}: no graded test in labs/tests")
        if not any(r.lab == n for r in regions):
            failures.append(f"lab {n}: no solution region in the source")
        if not any(f.startswith(f"lab{n}-") and f.endswith(".md")
                   for f in os.listdir(os.path.join(ROOT, "labs"))):
            failures.append(f"lab {n}: no labs/lab{n}-*.md")

    print(f"labs-check: the full tree, labs {labs}")
    got = grade(ROOT, labs)
    if got is None:
        failures.append("full tree: the grader failed")
    else:
        for t in got:
            if t["score"] != t["max_score"]:
                failures.append(f"full tree: {t['name']} scored {t['score']}/{t['max_score']}")

    shutil.rmtree(WORK, ignore_errors=True)
    for n in labs:
        tree = os.path.join(WORK, f"lab{n}")
        handout.make_handout(n, tree)
        commits = subprocess.run(["git", "-C", tree, "rev-list", "--count", "HEAD"],
                                 capture_output=True, text=True).stdout.strip()
        if commits != "1":
            failures.append(f"handout {n}: {commits} commits, want 1")
        for l in leaks(tree, solution_lines(regions, n))[:5]:
            failures.append(f"handout {n}: solution text: {l}")
        r = subprocess.run(["make", "-C", tree, "-s", "-j2", "all", "guests"],
                           capture_output=True, text=True)
        if r.returncode:
            failures.append(f"handout {n}: does not build:\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
            continue
        linux = os.path.join(ROOT, "build", "linux")
        if os.path.isdir(linux):        # the Linux guest is built once, not per handout
            os.symlink(linux, os.path.join(tree, "build", "linux"))
        want = [k for k in (n - 1, n) if k in test_labs]
        print(f"labs-check: handout {n}: grading labs {want}")
        got = grade(tree, want)
        if got is None:
            failures.append(f"handout {n}: the grader failed")
            continue
        for t in got:
            if lab_of(t) == n and t["score"] != 0:
                failures.append(f"handout {n}: {t['name']} scored {t['score']} with lab {n} "
                                "stubbed (a milestone passes without the solution)")
            if lab_of(t) == n and "is not implemented yet" not in t["output"]:
                failures.append(f"handout {n}: {t['name']} scored nothing but never reached "
                                f"a stub (it failed for another reason):\n{t['output']}")
            if lab_of(t) < n and t["score"] != t["max_score"]:
                failures.append(f"handout {n}: {t['name']} scored {t['score']}/"
                                f"{t['max_score']} (it reaches a stub of lab {n} or later)")
        if n == labs[0]:
            failures += check_handin(tree, n)
    for f in failures:
        print(f"FAIL labs-check: {f}")
    print(f"labs-check: {'FAILED' if failures else 'passed'} ({time.time() - start:.0f} s)")
    return 1 if failures else 0


def check_handin(tree, n):
    out = []
    r = subprocess.run(["make", "-C", tree, "-s", "handin"], capture_output=True, text=True)
    archive = os.path.join(tree, "build", f"handin-lab{n}.tar.gz")
    if r.returncode or not os.path.exists(archive):
        out.append(f"handin: a clean handout was refused: {r.stdout}{r.stderr}")
    with open(os.path.join(tree, "README.md"), "a") as f:
        f.write("uncommitted\n")
    r = subprocess.run(["make", "-C", tree, "-s", "handin"], capture_output=True, text=True)
    if r.returncode == 0 or "commit your work first" not in r.stderr:
        out.append("handin: a tree with uncommitted changes was accepted")
    subprocess.run(["git", "-C", tree, "checkout", "-q", "README.md"])
    return out


if __name__ == "__main__":
    sys.exit(main())
