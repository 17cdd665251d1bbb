#!/bin/bash
# Runs every test program of the given build directories and prints one
# closing line "N passed, N failed, N skipped"; exits 1 if anything failed.
#
# Every test speaks TAP: g_test programs get --tap, test scripts print it.
#   BUILD/tests/unit/test-*     unit tests (every build directory given)
#   BUILD/tests/qtest/*-test    device tests (first build directory only)
#   tests/*/run-tap.sh BUILD    guest and functional suites (first build only)
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
TEST_TIMEOUT=${TEST_TIMEOUT:-600}
passed=0 failed=0 skipped=0
failures=()

# run_tap NAME LOG CMD...: runs CMD, tallies its TAP lines.
run_tap() {
    local name=$1 log=$2
    shift 2
    local start=$SECONDS
    timeout -k 10 "$TEST_TIMEOUT" "$@" >"$log" 2>&1 </dev/null
    local rc=$?
    local p f s plan
    p=$(grep -cE '^ok [0-9]+' "$log" | head -1)
    s=$(grep -cE '^ok [0-9]+.*# ?(SKIP|skip)' "$log" | head -1)
    f=$(grep -cE '^not ok [0-9]+' "$log" | head -1)
    p=$((p - s))
    plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$log" | tail -1)
    if [ -n "$plan" ] && [ $((p + s + f)) -lt "$plan" ]; then
        f=$((f + plan - p - s - f))
    fi
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
    fi
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    local verdict=ok
    [ "$f" -gt 0 ] && { verdict=FAIL; failures+=("$name: $log"); }
    [ $rc -eq 124 ] && verdict="FAIL (timeout ${TEST_TIMEOUT}s)"
    printf '%-44s %-6s %3d passed %2d failed %2d skipped  %ds\n' "$name" "$verdict" "$p" "$f" "$s" $((SECONDS - start))
    if [ "$f" -gt 0 ]; then
        grep -E '^not ok|ERROR|error:|runtime error|AddressSanitizer|^Bail out' "$log" | head -20 | sed 's/^/    | /'
        echo "    | (last lines of $log)"
        tail -15 "$log" | sed 's/^/    | /'
    fi
    grep -E '^ok [0-9]+.*# ?(SKIP|skip)' "$log" | sed 's/^/    skip: /' | head -5
}

first=1
for build in "$@"; do
    build=${build%/}
    tag=$(basename "$build")
    logs="$build/test-logs"
    mkdir -p "$logs"
    for t in "$build"/tests/unit/test-*; do
        [ -x "$t" ] && [ -f "$t" ] || continue
        n=$(basename "$t")
        run_tap "$tag/unit/$n" "$logs/unit-$n.log" "$t" --tap
    done
    if [ $first = 1 ]; then
        for t in "$build"/tests/qtest/*-test; do
            [ -x "$t" ] && [ -f "$t" ] || continue
            n=$(basename "$t")
            TERN_BINARY="$build/tern" run_tap "$tag/qtest/$n" "$logs/qtest-$n.log" "$t" --tap
        done
        for s in "$src"/tests/*/run-tap.sh; do
            [ -x "$s" ] || continue
            n=$(basename "$(dirname "$s")")
            # a suite that needs longer says so: "# tern-test-timeout: SECONDS"
            t=$(sed -n 's/^# tern-test-timeout: *\([0-9]*\).*/\1/p' "$s" | head -1)
            TEST_TIMEOUT=${t:-$TEST_TIMEOUT} run_tap "$tag/$n" "$logs/$n.log" "$s" "$build"
        done
    fi
    first=0
done

if [ ${#failures[@]} -gt 0 ]; then
    echo "failed suites:"
    printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
