# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
# daemons.sh (sourced by the interop scripts that run daemons: run_slapd.sh, run_http.sh, run_imapd.sh,
# run_postfix.sh, run_dovecot.sh): TAP helpers, free ports, and stopping a daemon by its PID.
# The sourcing script owns TMP, PIDS (daemons still running) and FAIL_REASONS (the current
# case's failures).

bail() {
    echo "Bail out! $*"
    exit 1
}

diag() {
    local line
    while IFS= read -r line; do
        printf '# %s\n' "$line"
    done
}

check() {  # description-of-failure command...
    local why=$1
    shift
    "$@" || FAIL_REASONS+=("$why")
}

# Stops one daemon by its PID (and the children it forked), TERM then KILL, and drops it
# from PIDS.
stop_pid() {
    local pid=$1 kids i
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    kids=$(pgrep -P "$pid" 2>/dev/null)
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    for i in $kids; do kill -KILL "$i" 2>/dev/null; done
    local keep=() p
    for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Below the kernel's ephemeral range (32768-60999), so no client connection holds the port.
pick_port() {
    local p _
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 12000))
        if ! port_open "$p" && ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# wait_port PID PORT: until PORT accepts connections (~10 s); fails when PID has exited.
wait_port() {
    local i
    for i in $(seq 1 200); do
        kill -0 "$1" 2>/dev/null || return 1
        port_open "$2" && return 0
        sleep 0.05
    done
    return 1
}
