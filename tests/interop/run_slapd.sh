#!/bin/bash
# Interoperability test: DIGEST-MD5 between OpenLDAP's slapd (server) and
# ldapwhoami/ldapsearch (client), each side loading the DIGEST-MD5 plugin from
# a chosen directory.  Output is TAP.
#
# Environment:
#   SERVER_PLUGIN_DIR  dir holding the libdigestmd5.so slapd loads
#   CLIENT_PLUGIN_DIR  dir holding the libdigestmd5.so the clients load
#                      (both default to the system plugin dir)
#   EXPECT_3DES        ok|fail (default: fail when either side resolves to the
#                      stock plugin, ok otherwise)
#   BIG_SEARCH_SECPROPS  -O value for the bulk search (default minssf=56,maxssf=56)
#   BIG_SEARCH_SSF       SSF expected for it (default 56)
#   BULK_ENTRIES         number of bulk entries loaded (default 400)
#   TIME_BUDGET        seconds allowed for all client commands (default 60)
#   KEEP_TMP=1         keep the temp dir (for debugging)
#
# Sources daemons.sh (bail, diag, check, ports, stop_pid).
# Must run as root (slapd runs in a private mount namespace with a bind mount
# over /etc/ldap/sasl2; nothing under /etc is changed outside that namespace).

set -u

STOCK_DIR=/usr/lib/x86_64-linux-gnu/sasl2
SERVER_PLUGIN_DIR=${SERVER_PLUGIN_DIR:-$STOCK_DIR}
CLIENT_PLUGIN_DIR=${CLIENT_PLUGIN_DIR:-$STOCK_DIR}
BIG_SEARCH_SECPROPS=${BIG_SEARCH_SECPROPS:-minssf=56,maxssf=56}
BIG_SEARCH_SSF=${BIG_SEARCH_SSF:-56}
BULK_ENTRIES=${BULK_ENTRIES:-400}

REALM=EXAMPLE
SUFFIX=dc=example,dc=com
PEOPLE=ou=people,$SUFFIX
ALICE_DN=uid=alice,$PEOPLE
BOB_DN=uid=bob,$PEOPLE
ALICE_PW='alice-Secret1'
BOB_PW='bob-Secret2'
CLIENT_TIMEOUT=20      # per client command
TIME_BUDGET=${TIME_BUDGET:-60}  # seconds for all client commands together

TESTS_PLANNED=12
test_no=0
failures=0
TMP=
SLAPD_PID=

PIDS=()
. "$(dirname "$0")/daemons.sh"  # bail, diag, check, ports, stop_pid

cleanup() {
    [ -z "$SLAPD_PID" ] || stop_pid "$SLAPD_PID"
    SLAPD_PID=
    if [ -n "$TMP" ] && [ -d "$TMP" ]; then
        if [ "${KEEP_TMP:-0}" = 1 ]; then
            echo "# kept temp dir $TMP"
        else
            rm -rf "$TMP"
        fi
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- prerequisites
[ "$(id -u)" = 0 ] || bail "must run as root (private mount namespace for slapd)"

if ! command -v slapd >/dev/null || ! command -v slapadd >/dev/null \
   || ! command -v ldapwhoami >/dev/null || ! command -v ldapsearch >/dev/null \
   || ! command -v saslpasswd2 >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils sasl2-bin \
        >/dev/null 2>&1 || bail "apt-get install slapd ldap-utils sasl2-bin failed"
fi
PATH=$PATH:/usr/sbin:/sbin
for tool in slapd slapadd ldapwhoami ldapsearch saslpasswd2 unshare mount timeout; do
    command -v "$tool" >/dev/null || bail "missing tool: $tool"
done
[ -d /etc/ldap/sasl2 ] || bail "/etc/ldap/sasl2 does not exist (needed as bind-mount target)"
[ -e "$STOCK_DIR/libsasldb.so" ] || bail "missing $STOCK_DIR/libsasldb.so"
for d in "$SERVER_PLUGIN_DIR" "$CLIENT_PLUGIN_DIR"; do
    [ -e "$d/libdigestmd5.so" ] || bail "no libdigestmd5.so in $d"
done

SERVER_SO=$(readlink -f "$SERVER_PLUGIN_DIR/libdigestmd5.so")
CLIENT_SO=$(readlink -f "$CLIENT_PLUGIN_DIR/libdigestmd5.so")
STOCK_SO=$(readlink -f "$STOCK_DIR/libdigestmd5.so")
if [ -z "${EXPECT_3DES:-}" ]; then
    # The stock plugin's 3des is broken in either role (README, "What works"), so one stock side suffices.
    if [ "$SERVER_SO" = "$STOCK_SO" ] || [ "$CLIENT_SO" = "$STOCK_SO" ]; then
        EXPECT_3DES=fail
    else
        EXPECT_3DES=ok
    fi
fi
case "$EXPECT_3DES" in ok|fail) ;; *) bail "EXPECT_3DES must be ok or fail";; esac

TMP=$(mktemp -d /tmp/digestmd5-slapd.XXXXXX) || bail "mktemp failed"
chmod 700 "$TMP"

echo "1..$TESTS_PLANNED"
echo "# server plugin: $SERVER_SO"
echo "# client plugin: $CLIENT_SO"
echo "# EXPECT_3DES=$EXPECT_3DES"

# ---------------------------------------------------------------- plugin dirs
mkdir -p "$TMP/plugins-server" "$TMP/plugins-client" "$TMP/plugins-sasldb" "$TMP/sasl2" "$TMP/db"
ln -s "$SERVER_PLUGIN_DIR/libdigestmd5.so" "$TMP/plugins-server/libdigestmd5.so"
ln -s "$CLIENT_PLUGIN_DIR/libdigestmd5.so" "$TMP/plugins-client/libdigestmd5.so"
for d in plugins-server plugins-client plugins-sasldb; do
    ln -s "$STOCK_DIR/libsasldb.so" "$TMP/$d/libsasldb.so"
done

# ---------------------------------------------------------------- sasldb users
add_sasl_user() {  # user password
    printf '%s' "$2" | SASL_PATH=$TMP/plugins-sasldb \
        saslpasswd2 -p -c -f "$TMP/sasldb2" -u "$REALM" "$1" \
        >"$TMP/saslpasswd2.log" 2>&1 \
        || { diag <"$TMP/saslpasswd2.log"; bail "saslpasswd2 failed for $1"; }
}
add_sasl_user alice "$ALICE_PW"
add_sasl_user bob "$BOB_PW"

cat >"$TMP/sasl2/slapd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $TMP/sasldb2
mech_list: DIGEST-MD5
reauth_timeout: 10
EOF

# ---------------------------------------------------------------- slapd.conf
cat >"$TMP/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema

modulepath /usr/lib/ldap
moduleload back_mdb

pidfile $TMP/slapd.pid
argsfile $TMP/slapd.args

sasl-realm $REALM
sasl-host 127.0.0.1
sasl-auxprops sasldb
authz-policy to
authz-regexp "^uid=([^,]+),cn=$REALM,cn=DIGEST-MD5,cn=auth\$" "uid=\$1,$PEOPLE"
sizelimit unlimited

database mdb
maxsize 268435456
suffix "$SUFFIX"
rootdn "cn=admin,$SUFFIX"
rootpw not-used-by-tests
directory $TMP/db

# authzTo is checked while the bind is still anonymous
access to attrs=authzTo
    by * auth
access to *
    by users read
    by * auth
EOF

# ---------------------------------------------------------------- data
{
    cat <<EOF
dn: $SUFFIX
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: $PEOPLE
objectClass: organizationalUnit
ou: people

dn: $ALICE_DN
objectClass: inetOrgPerson
uid: alice
cn: Alice
sn: Alice
authzTo: dn:$BOB_DN

dn: $BOB_DN
objectClass: inetOrgPerson
uid: bob
cn: Bob
sn: Bob

EOF
    # ~4 KB of printable text per entry
    chunk='The quick brown fox jumps over the lazy dog 0123456789. '
    filler=
    while [ ${#filler} -lt 4000 ]; do filler=$filler$chunk; done
    for ((i = 1; i <= BULK_ENTRIES; i++)); do
        printf 'dn: uid=bulk%04d,%s\nobjectClass: inetOrgPerson\nuid: bulk%04d\ncn: Bulk %d\nsn: Bulk\ndescription: entry %d %s\n\n' \
            "$i" "$PEOPLE" "$i" "$i" "$i" "$filler"
    done
} >"$TMP/data.ldif"
EXPECTED_ENTRIES=$((BULK_ENTRIES + 4))

slapadd -q -f "$TMP/slapd.conf" -l "$TMP/data.ldif" >"$TMP/slapadd.log" 2>&1 \
    || { diag <"$TMP/slapadd.log"; bail "slapadd failed"; }

# ---------------------------------------------------------------- start slapd
start_slapd() {
    PORT=$(pick_port) || return 1
    LDAP_URI=ldap://127.0.0.1:$PORT
    : >"$TMP/slapd.log"
    # unshare execs sh, which execs slapd: $! is slapd's PID.
    SASL_PATH=$TMP/plugins-server unshare -m --propagation private \
        sh -c 'mount --bind "$1" /etc/ldap/sasl2 && exec slapd -d 256 -f "$2" -h "$3"' \
        sh "$TMP/sasl2" "$TMP/slapd.conf" "$LDAP_URI/" \
        </dev/null >>"$TMP/slapd.log" 2>&1 &
    SLAPD_PID=$!
    wait_port "$SLAPD_PID" "$PORT"
}

started=0
for attempt in 1 2 3; do
    if start_slapd; then started=1; break; fi
    echo "# slapd start attempt $attempt failed:"
    tail -n 20 "$TMP/slapd.log" | diag
    stop_pid "$SLAPD_PID"
    SLAPD_PID=
done
[ "$started" = 1 ] || bail "slapd did not come up"
echo "# slapd pid $SLAPD_PID on $LDAP_URI"

# ---------------------------------------------------------------- helpers
DEADLINE=$((SECONDS + TIME_BUDGET))
LOG_OFFSET=0
RC=0

# run_client CMD...: runs a client with the client plugin dir, captures
# stdout/stderr in $TMP/out/$TMP/err and the exit status in RC; remembers where
# slapd's log stood before the run.
run_client() {
    LOG_OFFSET=$(stat -c %s "$TMP/slapd.log")
    local left=$((DEADLINE - SECONDS)) limit=$CLIENT_TIMEOUT
    if [ "$left" -le 0 ]; then
        : >"$TMP/out"
        echo "not run: time budget of ${TIME_BUDGET}s exhausted" >"$TMP/err"
        RC=124
        return
    fi
    [ "$left" -lt "$limit" ] && limit=$left
    SASL_PATH=$TMP/plugins-client LDAPNOINIT=1 \
        timeout "$limit" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
    RC=$?
}

new_log() {
    tail -c +"$((LOG_OFFSET + 1))" "$TMP/slapd.log"
}

# wait_log REGEX: waits (bounded) for REGEX in the slapd log written since the
# last run_client.
wait_log() {
    local i tries=30
    [ "$RC" = 0 ] || tries=1   # a failed client rarely leaves the line; don't linger
    for i in $(seq 1 "$tries"); do
        new_log | grep -Eq "$1" && return 0
        sleep 0.1
    done
    return 1
}

slapd_alive() {
    [ -n "$SLAPD_PID" ] && kill -0 "$SLAPD_PID" 2>/dev/null
}

# describe exit status: signal / timeout / plain
rc_kind() {
    if [ "$1" = 124 ]; then echo timeout
    elif [ "$1" -gt 128 ] && [ "$1" -le 192 ]; then echo "signal $(($1 - 128))"
    else echo "exit $1"
    fi
}

FAIL_REASONS=()
NOTE=
report() {  # description
    test_no=$((test_no + 1))
    if [ ${#FAIL_REASONS[@]} -eq 0 ]; then
        echo "ok $test_no - $1"
        [ -z "$NOTE" ] || echo "$NOTE"
    else
        failures=$((failures + 1))
        echo "not ok $test_no - $1"
        local r
        for r in "${FAIL_REASONS[@]}"; do echo "#   $r"; done
        echo "#   client status: $(rc_kind "$RC")"
        echo "#   client stdout:"; head -c 2000 "$TMP/out" | head -n 20 | diag
        echo "#   client stderr:"; head -n 20 "$TMP/err" | diag
        echo "#   slapd log (new lines, last 25):"
        new_log | tail -n 25 | diag
        slapd_alive || echo "#   slapd is no longer running"
    fi
    FAIL_REASONS=()
    NOTE=
}

# note: for expected failures, show how the client failed
note_failure() {
    NOTE="#   client $(rc_kind "$RC"): $(grep -v '^SASL/' "$TMP/err" | tail -n 2 | tr '\n' ' ')"
}

out_has_dn() { grep -qx "dn:$1" "$TMP/out"; }
out_has_no_dn() { ! grep -q '^dn:' "$TMP/out"; }
err_has_ssf() { grep -qx "SASL SSF: $1" "$TMP/err"; }
log_ssf() { wait_log "mech=DIGEST-MD5 bind_ssf=$1 ssf=$1( |\$)"; }
rc_is() { [ "$RC" = "$1" ]; }
rc_clean_failure() { [ "$RC" != 0 ] && [ "$RC" != 124 ] && ! { [ "$RC" -gt 128 ] && [ "$RC" -le 192 ]; }; }

whoami() {  # user password secprops [extra args...]
    local user=$1 pw=$2 secprops=$3; shift 3
    run_client ldapwhoami -H "$LDAP_URI" -Y DIGEST-MD5 -N -R "$REALM" \
        -U "$user" -w "$pw" -O "$secprops" "$@"
}

# case_ssf DESCRIPTION SECPROPS SSF: alice binds with SECPROPS, expects SSF.
case_ssf() {
    whoami alice "$ALICE_PW" "$2"
    check "expected exit 0" rc_is 0
    check "whoami did not print dn:$ALICE_DN" out_has_dn "$ALICE_DN"
    check "client stderr lacks 'SASL SSF: $3'" err_has_ssf "$3"
    check "slapd log lacks 'mech=DIGEST-MD5 bind_ssf=$3 ssf=$3'" log_ssf "$3"
    report "$1"
}

# ---------------------------------------------------------------- tests
case_ssf "auth (maxssf=0): whoami is alice, slapd logs ssf=0" "maxssf=0" 0
case_ssf "auth-int (minssf=1,maxssf=1): SSF 1" "minssf=1,maxssf=1" 1
case_ssf "auth-conf rc4-40 (minssf=2,maxssf=40): SSF 40" "minssf=2,maxssf=40" 40
case_ssf "auth-conf des (minssf=41,maxssf=55): SSF 55" "minssf=41,maxssf=55" 55
case_ssf "auth-conf rc4-56 (minssf=56,maxssf=56): SSF 56" "minssf=56,maxssf=56" 56

if [ "$EXPECT_3DES" = ok ]; then
    case_ssf "auth-conf 3des (minssf=57,maxssf=112): SSF 112" "minssf=57,maxssf=112" 112
else
    whoami alice "$ALICE_PW" "minssf=57,maxssf=112"
    check "expected a non-zero exit without signal/timeout" rc_clean_failure
    check "whoami printed a DN although 3des was expected to fail" \
        out_has_no_dn
    check "slapd died" slapd_alive
    note_failure
    report "auth-conf 3des (minssf=57,maxssf=112): fails cleanly (EXPECT_3DES=fail)"
fi

case_ssf "auth-conf rc4 (minssf=113,maxssf=128): SSF 128" "minssf=113,maxssf=128" 128

whoami alice "wrong-$ALICE_PW" "maxssf=0"
check "expected exit 49 (invalidCredentials)" rc_is 49
note_failure
report "wrong password: exit 49 (invalid credentials)"

whoami alice "$ALICE_PW" "minssf=56,maxssf=56" -X u:bob
check "expected exit 0" rc_is 0
check "whoami did not print dn:$BOB_DN" out_has_dn "$BOB_DN"
report "authzid u:bob as alice (authzTo allows it): whoami is bob"

whoami bob "$BOB_PW" "minssf=56,maxssf=56" -X u:alice
check "expected exit 50 (insufficientAccess)" rc_is 50
check "whoami printed a DN although the authzid is not allowed" \
    out_has_no_dn
check "slapd died" slapd_alive
note_failure
report "authzid u:alice as bob (not authorised): bind refused"

run_client ldapsearch -LLL -o ldif-wrap=no -H "$LDAP_URI" -Y DIGEST-MD5 -N \
    -R "$REALM" -U alice -w "$ALICE_PW" -O "$BIG_SEARCH_SECPROPS" \
    -b "$SUFFIX" -s sub '(objectClass=*)'
out_bytes=$(stat -c %s "$TMP/out")
out_entries=$(grep -c '^dn:' "$TMP/out")
check "expected exit 0" rc_is 0
check "output only $out_bytes bytes (want > 1048576)" test "$out_bytes" -gt 1048576
check "got $out_entries entries, loaded $EXPECTED_ENTRIES" test "$out_entries" -eq "$EXPECTED_ENTRIES"
check "client stderr lacks 'SASL SSF: $BIG_SEARCH_SSF'" err_has_ssf "$BIG_SEARCH_SSF"
check "slapd log lacks 'mech=DIGEST-MD5 bind_ssf=$BIG_SEARCH_SSF ssf=$BIG_SEARCH_SSF'" log_ssf "$BIG_SEARCH_SSF"
report "big subtree search ($BIG_SEARCH_SECPROPS): $out_entries entries, $out_bytes bytes, SSF $BIG_SEARCH_SSF"

# Three binds in one client process, with reauth_timeout in slapd's SASL config. The stock
# client (its cache is always on) continues the first bind's nonce: the later binds need no
# challenge, whichever plugin serves them. Our client keeps no cache unless its application sets
# digestmd5_client_reauth, which libldap cannot: every bind is a full one.
binds_in_progress() { tail -c +"$((LOG_OFFSET + 1))" "$TMP/slapd.log" | grep -c 'RESULT tag=97 err=14'; }
run_client /usr/bin/python3 "$(dirname "$0")/ldap_binds.py" "$LDAP_URI" alice "$ALICE_PW" 3 maxssf=0
for _ in $(seq 1 30); do   # slapd logs a finished bind a moment after the client has it
    [ "$(new_log | grep -c 'mech=DIGEST-MD5 bind_ssf=')" -ge 3 ] && break
    sleep 0.1
done
challenges=$(binds_in_progress)
whoamis=$(grep -c "^dn:$ALICE_DN\$" "$TMP/out")
if [ "$(readlink -f "$CLIENT_PLUGIN_DIR")" = "$(readlink -f "$STOCK_DIR")" ]; then
    want_challenges=1
else
    want_challenges=3
fi
check "expected exit 0" rc_is 0
check "whoami printed alice $whoamis times (want 3)" test "$whoamis" -eq 3
check "slapd sent $challenges challenges (want $want_challenges)" test "$challenges" -eq "$want_challenges"
report "three binds in one process with reauth_timeout: $challenges challenge(s)"

# ---------------------------------------------------------------- done
if ! slapd_alive; then
    echo "# slapd exited before the end of the run"
    failures=$((failures + 1))
fi
[ "$test_no" = "$TESTS_PLANNED" ] || echo "# ran $test_no tests, planned $TESTS_PLANNED"
echo "# $failures failure(s)"
[ "$failures" = 0 ]
