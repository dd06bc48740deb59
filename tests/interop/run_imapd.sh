#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Interoperability test: DIGEST-MD5 between Cyrus imapd (libsasl2 server, loads SERVER_PLUGIN_DIR)
# and Cyrus imtest (libsasl2 client, loads CLIENT_PLUGIN_DIR): every protection level forced by
# imtest's -k/-l window, a message of a few MB APPENDed and FETCHed back through the layer, a
# wrong password, proxy authorisation, and subsequent authentication (imtest -n). Output is TAP;
# expected failures carry the TAP "# TODO" directive.
#
# Environment:
#   SERVER_PLUGIN_DIR  dir holding the libdigestmd5.so imapd loads (default: the system's)
#   CLIENT_PLUGIN_DIR  dir holding the libdigestmd5.so imtest loads (same default)
#   BIG_MESSAGE_OCTETS size of the APPENDed message (default 2097152)
#   KEEP_TMP=1         keep the temp dir (for debugging)
#
# Must run as root (Cyrus master switches to the cyrus user). imapd runs on 127.0.0.1 with a
# private imapd.conf/cyrus.conf under the temp dir; nothing under /etc is changed; master is
# stopped by its PID at exit.

set -u

here=$(cd "$(dirname "$0")" && pwd)
STOCK_DIR=/usr/lib/x86_64-linux-gnu/sasl2
SERVER_PLUGIN_DIR=${SERVER_PLUGIN_DIR:-$STOCK_DIR}
CLIENT_PLUGIN_DIR=${CLIENT_PLUGIN_DIR:-$STOCK_DIR}
BIG_MESSAGE_OCTETS=${BIG_MESSAGE_OCTETS:-2097152}
CYRUS_BIN=/usr/lib/cyrus/bin
IMTEST=$CYRUS_BIN/imtest
PY=/usr/bin/python3
HELPER=$here/imtest_digest.py
CLIENT_TIMEOUT=20

REALM=imap.example            # imapd's DIGEST-MD5 realm is its servername
ALICE_PW='alice-Secret1'
BOB_PW='bob-Secret2'
ADMIN_PW='cyrus-Secret3'

test_no=0
failures=0
TMP=
MASTER_PID=

. "$(dirname "$0")/daemons.sh"  # bail, diag, check, ports, stop_pid

# Stops master by its PID, TERM then KILL; its imapd children, if any are left, by theirs.
stop_master() {
    local pid=$MASTER_PID kids i
    [ -n "$pid" ] || return 0
    MASTER_PID=
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
}

cleanup() {
    stop_master
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
[ "$(id -u)" = 0 ] || bail "must run as root (Cyrus master switches to the cyrus user)"
[ -x "$CYRUS_BIN/imapd" ] || bail "missing $CYRUS_BIN/imapd: install the cyrus-imapd package"
[ -x "$IMTEST" ] || bail "missing $IMTEST: install the cyrus-clients package"
for tool in "$CYRUS_BIN/master" saslpasswd2 timeout pgrep ss sha256sum "$PY"; do
    command -v "$tool" >/dev/null || bail "missing tool: $tool"
done
id cyrus >/dev/null 2>&1 || bail "no cyrus user (cyrus-common)"
[ -e "$STOCK_DIR/libsasldb.so" ] || bail "missing $STOCK_DIR/libsasldb.so"
for d in "$SERVER_PLUGIN_DIR" "$CLIENT_PLUGIN_DIR"; do
    [ -e "$d/libdigestmd5.so" ] || bail "no libdigestmd5.so in $d"
done

SERVER_SO=$(readlink -f "$SERVER_PLUGIN_DIR/libdigestmd5.so")
CLIENT_SO=$(readlink -f "$CLIENT_PLUGIN_DIR/libdigestmd5.so")
STOCK_SO=$(readlink -f "$STOCK_DIR/libdigestmd5.so")
is_stock() { [ "$1" = "$STOCK_SO" ]; }
SERVER_NAME=ours
is_stock "$SERVER_SO" && SERVER_NAME=stock
CLIENT_NAME=ours
is_stock "$CLIENT_SO" && CLIENT_NAME=stock

TMP=$(mktemp -d /tmp/digestmd5-imapd.XXXXXX) || bail "mktemp failed"
chmod 755 "$TMP"   # the cyrus user reads its config below it

echo "# server plugin: $SERVER_SO ($SERVER_NAME)"
echo "# client plugin: $CLIENT_SO ($CLIENT_NAME)"

# ---------------------------------------------------------------- plugin dirs, users
mkdir -p "$TMP/plugins-server" "$TMP/plugins-client" "$TMP/plugins-sasldb"
ln -s "$SERVER_PLUGIN_DIR/libdigestmd5.so" "$TMP/plugins-server/libdigestmd5.so"
ln -s "$CLIENT_PLUGIN_DIR/libdigestmd5.so" "$TMP/plugins-client/libdigestmd5.so"
for d in plugins-server plugins-sasldb; do
    ln -s "$STOCK_DIR/libsasldb.so" "$TMP/$d/libsasldb.so"
done
add_sasl_user() {  # user password
    printf '%s' "$2" | SASL_PATH=$TMP/plugins-sasldb \
        saslpasswd2 -p -c -f "$TMP/sasldb2" -u "$REALM" "$1" >"$TMP/saslpasswd2.log" 2>&1 ||
        { diag <"$TMP/saslpasswd2.log"; bail "saslpasswd2 failed for $1"; }
}
add_sasl_user alice "$ALICE_PW"
add_sasl_user bob "$BOB_PW"
add_sasl_user cyrus "$ADMIN_PW"

# ---------------------------------------------------------------- Cyrus imapd
PORT=$(pick_port) || bail "no free port"
CY=$TMP/cyrus
mkdir -p "$CY/conf/socket" "$CY/conf/proc" "$CY/conf/lock" "$CY/part"
# alice may authorise as someone else (proxyservers); bob may not. failedloginpause: 0 drops the
# 3 s pause after each refusal. sasl_* lines reach the
# plugin as its options (imapd strips the prefix). unixhierarchysep is spelled out because the
# mailbox names below depend on it.
cat >"$CY/imapd.conf" <<EOF
configdirectory: $CY/conf
partition-default: $CY/part
servername: $REALM
admins: cyrus
proxyservers: alice
unixhierarchysep: yes
allowplaintext: no
failedloginpause: 0
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: $TMP/sasldb2
sasl_mech_list: DIGEST-MD5
sasl_reauth_timeout: 10
EOF
# One imapd process: subsequent authentication needs the process that issued the nonce.
cat >"$CY/cyrus.conf" <<EOF
SERVICES {
  imap cmd="imapd -C $CY/imapd.conf" listen="127.0.0.1:$PORT" prefork=1 maxchild=1
}
EOF
chown -R cyrus:mail "$CY" "$TMP/sasldb2"

# master does not pass -C to its children: the service line carries it.
# setsid: master's shutdown sends SIGTERM to its whole process group (kill(0, ...)), which
# would otherwise be make check's, with the other tests' daemons in it.
SASL_PATH=$TMP/plugins-server setsid "$CYRUS_BIN/master" -C "$CY/imapd.conf" -M "$CY/cyrus.conf" \
    -p "$CY/master.pid" -D </dev/null >>"$CY/master.log" 2>&1 &
MASTER_PID=$!
up=0
for _ in $(seq 1 200); do   # ~10 s
    kill -0 "$MASTER_PID" 2>/dev/null || break
    if port_open "$PORT"; then up=1; break; fi
    sleep 0.05
done
[ "$up" = 1 ] || { diag <"$CY/master.log"; bail "Cyrus master did not come up on port $PORT"; }
echo "# Cyrus master pid $MASTER_PID, imapd on 127.0.0.1:$PORT, realm $REALM"

# ---------------------------------------------------------------- running imtest and reporting
RC=0
OUT=$TMP/out
declare -A S=()   # the summary of the last imtest run (see imtest_digest.py)

# imt NAME AUTHNAME AUTHZID PASSWORD MIN MAX [imtest args...]: one imtest run; its output in
# $TMP/NAME.out (also $OUT), status in RC, the summary in S. The client may always read
# digestmd5_client_reauth=yes (imtest -o feeds its getopt callback; the stock plugin ignores it).
imt() {
    local name=$1 authn=$2 authz=$3 pw=$4 min=$5 max=$6
    shift 6
    OUT=$TMP/$name.out
    SASL_PATH=$TMP/plugins-client timeout "$CLIENT_TIMEOUT" "$IMTEST" -m DIGEST-MD5 \
        -a "$authn" -u "$authz" -w "$pw" -k "$min" -l "$max" -p "$PORT" \
        -o digestmd5_client_reauth=yes "$@" 127.0.0.1 </dev/null >"$OUT" 2>&1
    RC=$?
    S=()
    local k v
    while IFS='=' read -r k v; do S[$k]=$v; done < <("$PY" "$HELPER" summary "$OUT")
}

FAIL_REASONS=()

# report DESCRIPTION [TODO-REASON]: a case with a TODO reason is an expected failure.
report() {
    test_no=$((test_no + 1))
    local todo=${2:+ # TODO $2}
    if [ ${#FAIL_REASONS[@]} -eq 0 ]; then
        echo "ok $test_no - $1$todo"
    else
        [ -n "$todo" ] || failures=$((failures + 1))
        echo "not ok $test_no - $1$todo"
        local r
        for r in "${FAIL_REASONS[@]}"; do echo "#   $r"; done
        echo "#   imtest status: $RC"
        local lines=30
        [ -z "$todo" ] || lines=6   # an expected failure needs less detail
        echo "#   imtest output (${OUT##*/}, long lines cut):"
        grep -av '^[A-Za-z0-9+/]\{60,\}' "$OUT" | head -n "$lines" | cut -c1-200 | diag
        kill -0 "$MASTER_PID" 2>/dev/null || echo "#   Cyrus master is no longer running"
    fi
    FAIL_REASONS=()
}

is() { [ "${S[$1]:-}" = "$2" ]; }
is_choice() { is qop "$1" && is cipher "$2"; }
out_has() { grep -aEq -- "$1" "$OUT"; }
out_lacks() { ! grep -aEq -- "$1" "$OUT"; }
ssf_of() {
    case $1 in
        auth) echo 0 ;; auth-int) echo 1 ;; rc4-40) echo 40 ;; des) echo 55 ;; rc4-56) echo 56 ;;
        3des) echo 112 ;; rc4 | aes-cbc) echo 128 ;; *) echo "?" ;;
    esac
}
# the words imapd puts in its tagged OK for a layer
protection_of() {
    case $1 in auth) echo no ;; auth-int) echo integrity ;; *) echo privacy ;; esac
}
# what imtest's response names: qop and cipher
qop_of() {
    case $1 in auth | auth-int) echo "$1" ;; *) echo auth-conf ;; esac
}
cipher_of() {
    case $1 in auth | auth-int) echo - ;; *) echo "$1" ;; esac
}

# check_layer LAYER: the last run authenticated once with LAYER, both sides agreeing.
check_layer() {
    local want_ssf want_prot
    want_ssf=$(ssf_of "$1")
    want_prot=$(protection_of "$1")
    check "imapd's tagged OK missing (${S[nos]:-?} NO/BAD)" is oks 1
    check "imapd says '${S[protection]:-} protection', want '$want_prot protection'" \
        is protection "$want_prot"
    check "imtest's SSF ${S[ssf]:-}, want $want_ssf" is ssf "$want_ssf"
    local want_qop want_cipher
    want_qop=$(qop_of "$1")
    want_cipher=$(cipher_of "$1")
    check "imtest answered qop=${S[qop]:-} cipher=${S[cipher]:-}, want $want_qop/$want_cipher" \
        is_choice "$want_qop" "$want_cipher"
}

# The stock plugin's 3des is broken under OpenSSL 3 in either role, so one stock side suffices.
TODO_3DES=
if is_stock "$SERVER_SO" || is_stock "$CLIENT_SO"; then
    TODO_3DES="the stock plugin's 3des fails under OpenSSL 3 (parity-less DES keys)"
fi
# Forcing rc4 where ours would prefer aes-cbc: our client reads digestmd5_ciphers through imtest's
# -o; the stock client ignores the option (and knows no aes-cbc anyway).
RC4_ONLY=(-o digestmd5_ciphers=rc4)
# The default in 113..128: aes-cbc when both sides know it, rc4 otherwise.
STRONG=rc4
[ "$SERVER_NAME$CLIENT_NAME" = oursours ] && STRONG=aes-cbc

# ---------------------------------------------------------------- mailboxes
# The admin creates both users' INBOXes (unixhierarchysep: user/NAME), through DIGEST-MD5 too.
printf 'M01 CREATE user/alice\r\nM02 CREATE user/bob\r\n' >"$TMP/mailboxes.cmds"
imt mailboxes cyrus cyrus "$ADMIN_PW" 0 128 -f "$TMP/mailboxes.cmds"
check "imapd's tagged OK missing" is oks 1
check "CREATE user/alice failed" out_has '^M01 OK'
check "CREATE user/bob failed" out_has '^M02 OK'
report "admin cyrus creates user/alice and user/bob (SSF ${S[ssf]:-?})"

# ---------------------------------------------------------------- every protection level
printf 'N01 NOOP\r\n' >"$TMP/noop.cmds"
layer_case() {  # LAYER MIN MAX [imtest args...]
    local layer=$1 min=$2 max=$3 todo=
    shift 3
    [ "$layer" = 3des ] && todo=$TODO_3DES
    imt "layer-$layer" alice alice "$ALICE_PW" "$min" "$max" -f "$TMP/noop.cmds" "$@"
    check_layer "$layer"
    check "NOOP after authentication failed" out_has '^N01 OK'
    report "$layer (imtest -k $min -l $max${*:+ $*}): imapd OK ($(protection_of "$layer") protection), SSF $(ssf_of "$layer")" "$todo"
}
layer_case auth 0 0
layer_case auth-int 1 1
layer_case rc4-40 2 40
layer_case des 41 55
layer_case rc4-56 56 56
layer_case 3des 57 112
layer_case rc4 113 128 "${RC4_ONLY[@]}"
imt strongest alice alice "$ALICE_PW" 113 128 -f "$TMP/noop.cmds"
check_layer "$STRONG"
report "window 113..128 without a cipher option: $STRONG (ours on both sides: aes-cbc; else rc4), SSF 128"

# ---------------------------------------------------------------- a big message through the layer
"$PY" "$HELPER" message "$TMP" "$BIG_MESSAGE_OCTETS" || bail "cannot write the test message"
WANT_SHA=$(sha256sum "$TMP/msg.eml" | cut -d' ' -f1)
MSG_OCTETS=$(stat -c %s "$TMP/msg.eml")
big_case() {  # LAYER MIN MAX [imtest args...]
    local layer=$1 min=$2 max=$3 todo='' uid got
    shift 3
    [ "$layer" = 3des ] && todo=$TODO_3DES
    imt "append-$layer" alice alice "$ALICE_PW" "$min" "$max" -f "$TMP/append.cmds" "$@"
    check_layer "$layer"
    uid=$(sed -n 's/^B01 OK \[APPENDUID [0-9]* \([0-9]*\)\].*/\1/p' "$OUT" | tr -d '\r')
    check "APPEND not answered with 'B01 OK [APPENDUID ...]'" test -n "$uid"
    if [ -n "$uid" ]; then
        printf 'F01 SELECT INBOX\r\nF02 UID FETCH %s BODY.PEEK[]\r\n' "$uid" >"$TMP/fetch.cmds"
        local append_out=$OUT
        imt "fetch-$layer" alice alice "$ALICE_PW" "$min" "$max" -f "$TMP/fetch.cmds" "$@"
        check_layer "$layer"
        got=$("$PY" "$HELPER" fetched "$OUT")
        check "FETCHed body's SHA-256 $got, APPENDed $WANT_SHA" test "$got" = "$WANT_SHA"
        check "FETCH not answered with F02 OK" out_has '^F02 OK'
        [ ${#FAIL_REASONS[@]} -eq 0 ] || OUT=$append_out
    fi
    report "$layer: APPEND of $MSG_OCTETS octets and FETCH back, SHA-256 equal (two connections)" "$todo"
}
big_case auth-int 1 1
big_case 3des 57 112
big_case rc4 113 128 "${RC4_ONLY[@]}"
[ "$STRONG" = aes-cbc ] && big_case aes-cbc 113 128

# ---------------------------------------------------------------- refusals, proxy authorisation
imt wrongpw alice alice "wrong-$ALICE_PW" 0 128 -f "$TMP/noop.cmds"
check "imapd answered OK to a wrong password" is oks 0
check "no 'A01 NO' from imapd" out_has '^S: A01 NO'
check "imtest did not print 'Authentication failed.'" out_has '^Authentication failed\.'
report "wrong password: imapd answers A01 NO"

# GETACL INBOX names the INBOX's owner: the identity the session runs as.
printf 'P01 GETACL INBOX\r\n' >"$TMP/whoami.cmds"
imt proxy-ok alice bob "$ALICE_PW" 56 56 -f "$TMP/whoami.cmds"
check_layer rc4-56
check "GETACL INBOX does not show bob's INBOX" out_has '^\* ACL INBOX bob '
report "authzid bob as alice (alice is in proxyservers): imapd OK, the session is bob's"

imt proxy-denied bob alice "$BOB_PW" 56 56 -f "$TMP/whoami.cmds"
check "imapd answered OK although bob may not authorise as alice" is oks 0
check "no 'A01 NO' from imapd" out_has '^S: A01 NO'
check "GETACL worked in alice's INBOX" out_lacks '^P01 OK'
report "authzid alice as bob (bob is not in proxyservers): imapd answers A01 NO"

# ---------------------------------------------------------------- subsequent authentication
# imtest -n 3: three connections in one process, each a new sasl_conn. The stock client's cache
# is always on: it continues the first nonce with an initial response (SASL-IR), so the later
# connections get no challenge. Our client has digestmd5_client_reauth=yes (imtest -o); imtest
# gives the authid/authzid only through SASL_INTERACT prompts, which our client asks at the start
# of each connection and then continues.
imt reauth-auth alice alice "$ALICE_PW" 0 0 -n 3 -f "$TMP/noop.cmds"
check "imapd's tagged OK ${S[oks]:-0} times, want 3" is oks 3
check "imapd sent ${S[challenges]:-?} challenges, want 1" is challenges 1
check "imtest's SSF ${S[ssf]:-}, want 0" is ssf 0
report "three authentications (imtest -n 3, auth): ${S[challenges]:-?} challenge(s), ${S[stale]:-?} stale"

# With a layer the stock client continues with the same cnonce, which would repeat every layer
# key: our server answers with a new challenge with stale=true (then a full exchange), the stock
# server continues.
if [ "$SERVER_NAME" = ours ] && [ "$CLIENT_NAME" = stock ]; then
    want_challenges=3 want_stale=2
else
    want_challenges=1 want_stale=0
fi
imt reauth-rc4 alice alice "$ALICE_PW" 113 128 -n 3 -f "$TMP/noop.cmds" "${RC4_ONLY[@]}"
check "imapd's tagged OK ${S[oks]:-0} times, want 3" is oks 3
check "imapd sent ${S[challenges]:-?} challenges, want $want_challenges" is challenges "$want_challenges"
check "${S[stale]:-?} of them stale=true, want $want_stale" is stale "$want_stale"
check "imtest's SSF ${S[ssf]:-}, want 128" is ssf 128
report "three authentications (imtest -n 3, rc4): ${S[challenges]:-?} challenge(s), ${S[stale]:-?} stale"

# ---------------------------------------------------------------- done
if ! kill -0 "$MASTER_PID" 2>/dev/null; then
    echo "not ok $((test_no += 1)) - Cyrus master still running at the end"
    failures=$((failures + 1))
fi
echo "1..$test_no"
echo "# $failures failure(s)"
[ "$failures" = 0 ]
