# shellcheck shell=bash
# lib.sh — helpers for the DIGEST-MD5 interop tests (sourced by run_interop.sh).
#
# Builds the two test peers (tests/peers/sasl_peer.cpp with g++, tests/peers/JavaPeer.java with
# javac) into $BUILD_DIR (a temp dir when unset), runs one server peer and one client peer on
# 127.0.0.1 (every process started and stopped by its PID), and prints TAP lines.
#
# Variables used: STOCK_DIR, OURS_DIR (plugin dirs), BUILD_DIR, PEER_TIMEOUT (seconds each peer
# may take, default 15), CXX (default g++), JAVA/JAVAC (default java/javac), INTEROP_VERBOSE=1
# (print every run's output as TAP comments).

INTEROP_SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../peers" && pwd)
STOCK_DIR=${STOCK_DIR:-/usr/lib/x86_64-linux-gnu/sasl2}
PEER_TIMEOUT=${PEER_TIMEOUT:-15}
CXX=${CXX:-g++}
JAVA=${JAVA:-java}
JAVAC=${JAVAC:-javac}
JAVA_OPENS=(--add-opens java.security.sasl/com.sun.security.sasl.digest=ALL-UNNAMED)

INTEROP_TMP=""      # scratch dir, removed on exit
INTEROP_PIDS=()     # peers still running, killed on exit
TAP_N=0
TAP_FAILED=0
TAP_SKIPPED=0

# ------------------------------------------------------------------ setup and cleanup

interop_cleanup() {
    local pid
    for pid in "${INTEROP_PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    INTEROP_PIDS=()
    if [[ -n $INTEROP_TMP && -d $INTEROP_TMP ]]; then
        rm -rf -- "$INTEROP_TMP"
    fi
}

interop_init() {
    INTEROP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/interop.XXXXXX") || exit 3
    trap interop_cleanup EXIT
    trap 'exit 130' INT TERM
    if [[ -z ${BUILD_DIR:-} ]]; then
        BUILD_DIR=$INTEROP_TMP/build
    fi
    mkdir -p "$BUILD_DIR" || exit 3
    BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
}

# Rebuilds a peer only when its output is missing or older than its source.
build_peers() {
    local src=$INTEROP_SRC_DIR/sasl_peer.cpp bin=$BUILD_DIR/sasl_peer
    local wire=$INTEROP_SRC_DIR/peer_wire.hpp
    if [[ ! -x $bin || $src -nt $bin || $wire -nt $bin ]]; then
        "$CXX" -std=c++20 -Wall -Wextra -Werror -O2 -g -o "$bin" "$src" -lsasl2 ||
            { echo "Bail out! cannot build sasl_peer"; exit 3; }
    fi
    local jsrc=$INTEROP_SRC_DIR/JavaPeer.java cls=$BUILD_DIR/JavaPeer.class
    if [[ ! -f $cls || $jsrc -nt $cls ]]; then
        "$JAVAC" -Xlint:all -Werror -d "$BUILD_DIR" "$jsrc" ||
            { echo "Bail out! cannot build JavaPeer"; exit 3; }
    fi
}

# Sets the array PEER_CMD to the command line of implementation $1 (ours, stock or java).
peer_cmd() {
    case $1 in
        ours)  PEER_CMD=("$BUILD_DIR/sasl_peer" --plugin-dir "$OURS_DIR") ;;
        stock) PEER_CMD=("$BUILD_DIR/sasl_peer" --plugin-dir "$STOCK_DIR") ;;
        java)  PEER_CMD=("$JAVA" "${JAVA_OPENS[@]}" -cp "$BUILD_DIR" JavaPeer) ;;
        *)     echo "Bail out! unknown implementation $1"; exit 3 ;;
    esac
}

# True when implementation $1 really runs the stock Debian plugin.
runs_stock_plugin() {
    [[ $1 == stock || ($1 == ours && $OURS_DIR == "$STOCK_DIR") ]]
}

# True when implementation $1 is a libsasl2 peer.
is_libsasl2() {
    [[ $1 == ours || $1 == stock ]]
}

# ------------------------------------------------------------------ running a pair

now_ms() {
    local t=${EPOCHREALTIME/./}
    echo $((t / 1000))
}

# Waits for $1 to exit, at most until the absolute time $2 (ms); kills it by PID after that.
# Sets WAIT_RC (128+signal when it had to be killed).
wait_or_kill() {
    local pid=$1 deadline=$2
    while kill -0 "$pid" 2>/dev/null && (($(now_ms) < deadline)); do
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        sleep 0.2
        kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    WAIT_RC=$?
    local i
    for i in "${!INTEROP_PIDS[@]}"; do
        [[ ${INTEROP_PIDS[i]} == "$pid" ]] && unset 'INTEROP_PIDS[i]'
    done
}

# run_pair SERVER_IMPL CLIENT_IMPL SERVER_ARGS... -- CLIENT_ARGS...
# Starts the server (port 0), reads its PORT line, runs the client, waits for both.
# Sets SRV_RC, CLI_RC and the output files SRV_OUT, SRV_ERR, CLI_OUT, CLI_ERR.
run_pair() {
    local simpl=$1 cimpl=$2
    shift 2
    local sargs=() cargs=()
    while (($#)) && [[ $1 != -- ]]; do sargs+=("$1"); shift; done
    (($#)) && shift
    cargs=("$@")

    local run=$INTEROP_TMP/run
    rm -rf "$run" && mkdir -p "$run"
    SRV_OUT=$run/server.out SRV_ERR=$run/server.err CLI_OUT=$run/client.out CLI_ERR=$run/client.err
    : >"$CLI_OUT"
    : >"$CLI_ERR"
    SRV_RC=99 CLI_RC=99

    local limit=$(($(now_ms) + (PEER_TIMEOUT + 5) * 1000))
    peer_cmd "$simpl"
    "${PEER_CMD[@]}" --server --port 0 --timeout "$PEER_TIMEOUT" "${sargs[@]}" \
        >"$SRV_OUT" 2>"$SRV_ERR" </dev/null &
    local spid=$!
    INTEROP_PIDS+=("$spid")

    local port="" line
    while [[ -z $port ]] && kill -0 "$spid" 2>/dev/null && (($(now_ms) < limit)); do
        line=$(grep -m1 '^PORT ' "$SRV_OUT" 2>/dev/null)
        if [[ -n $line ]]; then port=${line#PORT }; else sleep 0.02; fi
    done
    [[ -z $port ]] && port=$(grep -m1 '^PORT ' "$SRV_OUT" 2>/dev/null | cut -d' ' -f2)
    if [[ -z $port ]]; then
        echo "NO PORT LINE" >>"$CLI_OUT"
        wait_or_kill "$spid" "$(now_ms)"
        SRV_RC=$WAIT_RC CLI_RC=98
        return
    fi

    peer_cmd "$cimpl"
    "${PEER_CMD[@]}" --client --port "$port" --timeout "$PEER_TIMEOUT" "${cargs[@]}" \
        >"$CLI_OUT" 2>"$CLI_ERR" </dev/null &
    local cpid=$!
    INTEROP_PIDS+=("$cpid")
    wait_or_kill "$cpid" "$limit"
    CLI_RC=$WAIT_RC
    wait_or_kill "$spid" "$limit"
    SRV_RC=$WAIT_RC
}

# ------------------------------------------------------------------ TAP assertions

CHECK_NAME=""
CHECK_PROBLEMS=()

check_begin() {
    CHECK_NAME=$1
    CHECK_PROBLEMS=()
}

# expect_rc server|client CODE
expect_rc() {
    local got
    if [[ $1 == server ]]; then got=$SRV_RC; else got=$CLI_RC; fi
    [[ $got == "$2" ]] || CHECK_PROBLEMS+=("$1 exit code $got, expected $2")
}

# expect_line server|client REGEX — some stdout line must match the extended regex (anchored).
expect_line() {
    local file
    if [[ $1 == server ]]; then file=$SRV_OUT; else file=$CLI_OUT; fi
    grep -Eq -- "^($2)\$" "$file" || CHECK_PROBLEMS+=("$1 printed no line matching /$2/")
}

# expect_no_line server|client REGEX
expect_no_line() {
    local file
    if [[ $1 == server ]]; then file=$SRV_OUT; else file=$CLI_OUT; fi
    ! grep -Eq -- "^($2)\$" "$file" || CHECK_PROBLEMS+=("$1 printed a line matching /$2/")
}

tap_diag_outputs() {
    local f
    for f in "$SRV_OUT" "$SRV_ERR" "$CLI_OUT" "$CLI_ERR"; do
        [[ -s $f ]] || continue
        echo "#   --- ${f##*/}"
        head -n 40 "$f" | sed 's/^/#   /'
    done
}

check_end() {
    TAP_N=$((TAP_N + 1))
    if ((${#CHECK_PROBLEMS[@]} == 0)); then
        echo "ok $TAP_N - $CHECK_NAME"
        [[ ${INTEROP_VERBOSE:-0} == 1 ]] && tap_diag_outputs
    else
        TAP_FAILED=$((TAP_FAILED + 1))
        echo "not ok $TAP_N - $CHECK_NAME"
        local p
        for p in "${CHECK_PROBLEMS[@]}"; do echo "#   $p"; done
        tap_diag_outputs
    fi
}

tap_skip() {
    TAP_N=$((TAP_N + 1))
    TAP_SKIPPED=$((TAP_SKIPPED + 1))
    echo "ok $TAP_N - $1 # SKIP $2"
}

# Prints the plan and the summary; returns non-zero when something failed.
tap_finish() {
    echo "1..$TAP_N"
    echo "$((TAP_N - TAP_FAILED - TAP_SKIPPED)) passed, $TAP_FAILED failed, $TAP_SKIPPED skipped"
    ((TAP_FAILED == 0))
}
