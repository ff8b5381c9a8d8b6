#!/usr/bin/env python3
"""Grade the labs (labs/README.md): build, boot each lab test of
labs/tests under Bochs, and score it milestone by milestone.

    grade.py [--lab N | --labs 1,2,5] [-j JOBS] [--no-build] [--kvm | --no-kvm]

Without --lab it grades lab 1 up to the handout's lab (labs/handout.mk), or
every lab in the full tree. Prints one line per milestone and test, a total,
keeps the serial log of every test that lost points in build/grade/logs/,
boots each test under QEMU/KVM too where the host offers nested VMX (an
Intel CPU, /dev/kvm, kvm_intel's nested=Y) and reports it beside the Bochs
result without counting it (the tests check values Bochs' CPU gives, such
as its VMCS revision: on another CPU a right solution may differ there),
and writes build/grade/results.json in the form autograders such as
Gradescope read ({"score", "tests": [{"name", "score", "max_score",
"output"}]}).
"""
import argparse
import concurrent.futures
import copy
import json
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import run  # noqa: E402  (tests/integration/run.py: boots and checks)

LAB_TESTS = os.path.join(ROOT, "labs", "tests")
OUT = os.path.join(ROOT, "build", "grade")


def handout_lab():
    try:
        with open(os.path.join(ROOT, "labs", "handout.mk")) as f:
            m = re.search(r"^LAB_HANDOUT\s*:?=\s*(\d+)", f.read(), re.M)
            return int(m.group(1)) if m else None
    except OSError:
        return None


def lab_tests():
    tests = []
    for f in sorted(os.listdir(LAB_TESTS)):
        if f.endswith(".test"):
            t = run.Test(os.path.join(LAB_TESTS, f))
            if t.lab is None or not t.milestones:
                raise SystemExit(f"labs/tests/{f}: a lab test needs lab: and milestone: lines")
            tests.append(t)
    return tests


def nested_vmx():
    """QEMU/KVM can run a VT-x hypervisor here (as tests/run_emu.sh decides)."""
    try:
        with open("/proc/cpuinfo") as f:
            intel = "GenuineIntel" in f.read()
        with open("/sys/module/kvm_intel/parameters/nested") as f:
            nested = f.read().strip() in ("Y", "1")
    except OSError:
        return False
    return intel and nested and os.access("/dev/kvm", os.R_OK | os.W_OK)


def kvm_twin(t):
    """The same boot under QEMU/KVM, or None for a test only Bochs can run
    (typed input, gdb, Bochs' port 0xE9 output, an emulator of its own)."""
    if t.emu != "bochs" or t.sends or t.types or t.gdb or t.e9:
        return None
    k = copy.copy(t)
    k.emu = "kvm"
    k.name = t.name + "-kvm"
    k.boot = " ".join("exit=qemu" if w == "exit=bochs" else w for w in t.boot.split())
    return k


def score(t, errors, log):
    """[(milestone, points earned, its errors)] for one boot. A milestone
    earns its points when its own checks hold; a boot that could not run
    (set-up failure) earns nothing."""
    if log == "" and errors and errors[0].startswith("could not run"):
        return [(m, 0, errors) for m in t.milestones]
    out = []
    for m in t.milestones:
        part = copy.copy(t)
        part.checks, part.anys, part.rejects = m.checks, m.anys, m.rejects
        part.e9, part.gdb_checks, part.screen, part.accounting = [], [], [], None
        part.exit_code = None
        errs = run.check(part, log, 0, False)
        out.append((m, 0 if errs else m.points, errs))
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lab", type=int, help="grade only this lab")
    ap.add_argument("--labs", help="grade these labs (comma-separated)")
    ap.add_argument("-j", type=int, default=2, help="boots at once (default 2)")
    ap.add_argument("--no-build", action="store_true", help="use the build as it is")
    ap.add_argument("--json", default=os.path.join(OUT, "results.json"))
    kvm = ap.add_mutually_exclusive_group()
    kvm.add_argument("--kvm", action="store_true", help="also boot under QEMU/KVM (default: "
                     "when the host has nested VMX)")
    kvm.add_argument("--no-kvm", action="store_true", help="Bochs only")
    a = ap.parse_args(argv)
    tests = lab_tests()
    if a.lab is not None:
        labs = {a.lab}
    elif a.labs:
        labs = {int(x) for x in a.labs.split(",") if x}
    else:
        upto = handout_lab()
        labs = {t.lab for t in tests if upto is None or t.lab <= upto}
    tests = [t for t in tests if t.lab in labs]
    if a.kvm or (not a.no_kvm and nested_vmx()):
        twins = [k for k in map(kvm_twin, tests) if k]
        print(f"grade: also under QEMU/KVM (nested VMX): {len(twins)} of {len(tests)} tests "
              "(typed input and gdb are Bochs only)")
        tests += twins
    if not tests:
        print(f"grade: no lab tests for lab(s) {sorted(labs)}")
        return 1
    if not a.no_build:
        # Lab tests that boot Linux need its kernel (tests/linux/build.sh).
        linux = any(m.startswith("build/linux/") for t in tests for m in t.modules)
        r = subprocess.run(["make", "-C", ROOT, "-s", "-j2", "all", "guests"] +
                           (["linux"] if linux else []))
        if r.returncode:
            print("grade: the build failed: 0 points")
            write_json(a.json, [], 0, "the build failed")
            return 1
    logs = os.path.join(OUT, "logs")
    os.makedirs(logs, exist_ok=True)
    results = []
    total = maximum = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.j) as ex:
        for t, errors, log, secs in ex.map(run.run_one, tests):
            parts = score(t, errors, log)
            got = sum(p for _, p, _ in parts)
            most = sum(m.points for m in t.milestones)
            if t.emu != "kvm":
                total, maximum = total + got, maximum + most
            where = " under QEMU/KVM, not counted" if t.emu == "kvm" else ""
            print(f"lab {t.lab}  {t.name:32} {got:3}/{most:<3} ({secs:.0f} s){where}")
            lines = []
            for m, p, errs in parts:
                print(f"         {p:3}/{m.points:<3} {m.desc}")
                lines.append(f"{p}/{m.points} {m.desc}")
                for e in errs[:3]:
                    print(f"                 {e}")
                    lines.append(f"    {e}")
            stops = [l.strip() for l in log.splitlines() if "is not implemented yet" in l]
            for s in stops[:1]:
                print(f"         stopped: {s}")
                lines.append(f"stopped: {s}")
            path = os.path.join(logs, f"{t.name}.log")
            if got < most:
                with open(path, "w") as f:
                    f.write(log)
                print(f"         serial log: {os.path.relpath(path, ROOT)}")
            elif os.path.exists(path):
                os.remove(path)
            if t.emu == "kvm":
                lines.insert(0, f"{got}/{most} under QEMU/KVM, not counted (the tests check "
                             "values of Bochs' CPU)")
                got = most = 0
            results.append({"name": f"lab {t.lab}: {t.name}", "score": got,
                            "max_score": most, "output": "\n".join(lines)})
    print(f"total {total}/{maximum}")
    write_json(a.json, results, total)
    return 0


def write_json(path, tests, total, output=""):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    doc = {"score": total, "tests": tests}
    if output:
        doc["output"] = output
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
