#!/usr/bin/env bash
# make handin [LAB=n]: hand in a lab from a student's tree. Everything must
# be committed (what is graded is the commit, not the working tree); the
# commit is tagged handin-labN and archived as build/handin-labN.tar.gz with
# the hash in the name of the top folder, for the course's submission system.
set -euo pipefail
cd "$(dirname "$0")/../.."
lab=${1:-}
if [ -z "$lab" ]; then
    echo "make handin LAB=n: which lab? (a handout's labs/handout.mk names it)" >&2
    exit 1
fi
if ! git rev-parse --verify -q HEAD >/dev/null; then
    echo "handin: not a git repository with a commit" >&2
    exit 1
fi
dirty=$(git status --porcelain --untracked-files=normal -- . ':!build')
if [ -n "$dirty" ]; then
    echo "handin: commit your work first; not committed:" >&2
    echo "$dirty" | sed 's/^/  /' >&2
    exit 1
fi
rev=$(git rev-parse --short=12 HEAD)
git tag -f "handin-lab$lab" HEAD >/dev/null
mkdir -p build
out=build/handin-lab$lab.tar.gz
git archive --format=tar.gz --prefix="handin-lab$lab-$rev/" -o "$out" HEAD
echo "handin: lab $lab, commit $rev, tagged handin-lab$lab, archive $out"
