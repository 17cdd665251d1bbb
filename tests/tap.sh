# tests/tap.sh: TAP output for the shell suites (sourced by tests/*/run-tap.sh).
#   ok NAME; not_ok NAME [LOG...] (the logs' last lines as comments); skip NAME WHY;
#   check NAME WHY (ok when WHY is empty, else not ok with WHY)
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
    n=$((n + 1))
    echo "not ok $n - $1"
    shift
    for f in "$@"; do
        [ -f "$f" ] && tail -25 "$f" | sed 's/^/# | /'
    done
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() {
    if [ -z "$2" ]; then ok "$1"; else not_ok "$1: ${2#; }"; fi
}
