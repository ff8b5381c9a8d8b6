#!/usr/bin/env bash
# Run or replay the libFuzzer targets (built by the Makefile in build/fuzz).
#   run.sh fuzz SECONDS T...    fuzz each target T for SECONDS seconds, seeded
#                               from tests/fuzz/corpus/T; new inputs go to
#                               build/fuzz/work/T, findings to build/fuzz/findings/T
#   run.sh replay 0 T...        run every file of tests/fuzz/corpus/T once
# With FUZZ_RUNS=N in the environment, "fuzz" runs exactly N inputs per
# target from the committed corpus only, with libFuzzer's seed FUZZ_SEED
# (default 1) instead of a time bound: the same inputs on every machine, so
# CI cannot turn red by chance or by machine speed.
# Prints one line per target (executions, findings) and fails if any target
# found something or failed a replay.
set -u
mode=$1 secs=$2
shift 2
cd "$(dirname "$0")/../.."
fail=0 passed=0 failed=0
for t in "$@"; do
    bin=build/fuzz/fuzz_$t
    seeds=tests/fuzz/corpus/$t
    log=build/fuzz/log/$t.$mode.log
    mkdir -p build/fuzz/log "$seeds"
    if [ "$mode" = replay ]; then
        files=("$seeds"/*)
        if [ ! -e "${files[0]}" ]; then
            echo "replay $t: no corpus files"; failed=$((failed + 1)); fail=1; continue
        fi
        if "$bin" -runs=1 "${files[@]}" >"$log" 2>&1; then
            echo "replay $t: ${#files[@]} inputs, all pass"; passed=$((passed + 1))
        else
            echo "replay $t: FAILED (log: $log)"; tail -n 30 "$log"
            failed=$((failed + 1)); fail=1
        fi
        continue
    fi
    work=build/fuzz/work/$t findings=build/fuzz/findings/$t
    bound=(-max_total_time="$secs")
    what="in $secs s"
    if [ -n "${FUZZ_RUNS:-}" ]; then
        work=build/fuzz/work-fixed/$t
        rm -rf "$work"
        bound=(-runs="$FUZZ_RUNS" -seed="${FUZZ_SEED:-1}")
        what="(fixed: seed ${FUZZ_SEED:-1})"
    fi
    mkdir -p "$work" "$findings"
    rm -f "$findings"/*
    nice -n 10 "$bin" "${bound[@]}" -print_final_stats=1 -timeout=10 \
        -artifact_prefix="$findings/" "$work" "$seeds" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    nfind=$(find "$findings" -type f | wc -l)
    echo "fuzz $t: ${execs:-?} executions $what, $nfind finding(s)"
    if [ "$rc" != 0 ] || [ "$nfind" != 0 ]; then
        grep -m1 -E 'ERROR|invariant broken|runtime error' "$log"
        ls "$findings"
        echo "  log: $log"
        failed=$((failed + 1)); fail=1
    else
        passed=$((passed + 1))
    fi
done
[ "$mode" = replay ] && what=fuzz-replay || what=fuzz
echo "$what: $passed passed, $failed failed"
exit $fail
