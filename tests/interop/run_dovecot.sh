#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Interoperability test: Dovecot 2.3 as the IMAP server (its own DIGEST-MD5 code, not libsasl2)
# and a libsasl2 DIGEST-MD5 client: Cyrus imtest, and tests/peers/imap_sasl_client (which passes
# plugin options and authenticates several times in one process). The server offers two realms
# and alice has a different password in each, so the realm the client chooses decides the login.
# Output is TAP.
#
# Debian's dovecot-imapd conflicts with cyrus-imapd, so Dovecot is not installed: the script
# fetches dovecot-core and dovecot-imapd with `apt-get download`, unpacks them with dpkg-deb -x and
# runs that tree in a private mount namespace where read-only overlays put it over /usr/lib and
# /usr/bin (Dovecot finds doveconf, its helper binaries, modules and libraries at compiled-in
# paths). Shared libraries dovecot-core depends on that are missing are installed with apt-get
# (the packages are named on the output); Dovecot itself never is.
#
# Environment:
#   CLIENT_PLUGIN_DIR  dir holding the libdigestmd5.so the clients load (default: the system's)
#   BUILD_DIR          where imap_sasl_client is built and the .debs are kept between runs
#                      (default: a temp dir, so they are fetched anew)
#   DOVECOT_DEB_DIR    where the .debs are kept (default: $BUILD_DIR/dovecot-debs)
#   top_srcdir         the repository root (default: from this script's location)
#   KEEP_TMP=1         keep the temp dir (for debugging)
#
# Must run as root (mount namespace; Dovecot's master runs as root and drops to nobody).

set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
STOCK_DIR=/usr/lib/x86_64-linux-gnu/sasl2
CLIENT_PLUGIN_DIR=${CLIENT_PLUGIN_DIR:-$STOCK_DIR}
IMTEST=/usr/lib/cyrus/bin/imtest
CLIENT_TIMEOUT=15

REALM_A='realm-a.example'
REALM_B='realm-b.example'
PW_A='alice-in-A-1'
PW_B='alice-in-B-2'

test_no=0
failures=0
TMP=
PIDS=()   # daemons still running

. "$(dirname "$0")/daemons.sh"  # bail, diag, check, ports, stop_pid

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
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
[ "$(id -u)" = 0 ] || bail "must run as root (private mount namespace for the unpacked Dovecot)"
for tool in "$IMTEST" apt-get dpkg-deb dpkg-query unshare mount g++ timeout pgrep ss base64; do
    command -v "$tool" >/dev/null || bail "missing tool: $tool (imtest: package cyrus-clients)"
done
id nobody >/dev/null 2>&1 || bail "no user nobody (Dovecot's processes run as nobody)"
getent group nogroup >/dev/null || bail "no group nogroup"
[ -e "$CLIENT_PLUGIN_DIR/libdigestmd5.so" ] || bail "no libdigestmd5.so in $CLIENT_PLUGIN_DIR"

TMP=$(mktemp -d /tmp/digestmd5-dovecot.XXXXXX) || bail "mktemp failed"
chmod 755 "$TMP"   # Dovecot's login and mail processes run as nobody below it

echo "# client plugin: $(readlink -f "$CLIENT_PLUGIN_DIR/libdigestmd5.so")"

if [ -z "${BUILD_DIR:-}" ]; then BUILD_DIR=$TMP/build; fi
mkdir -p "$BUILD_DIR" || bail "cannot create $BUILD_DIR"
CLIENT=$BUILD_DIR/imap_sasl_client
if [ ! -x "$CLIENT" ] || [ "$top_srcdir/tests/peers/imap_sasl_client.cpp" -nt "$CLIENT" ]; then
    g++ -std=c++20 -Wall -Wextra -Werror -O2 -o "$CLIENT" \
        "$top_srcdir/tests/peers/imap_sasl_client.cpp" -lsasl2 >"$TMP/build.log" 2>&1 ||
        { diag <"$TMP/build.log"; bail "cannot build imap_sasl_client"; }
fi

# ---------------------------------------------------------------- Dovecot from its .debs
DEB_DIR=${DOVECOT_DEB_DIR:-$BUILD_DIR/dovecot-debs}
mkdir -p "$DEB_DIR" || bail "cannot create $DEB_DIR"
deb_of() { find "$DEB_DIR" -maxdepth 1 -name "$1_*_amd64.deb" | sort -V | tail -n 1; }
if [ -z "$(deb_of dovecot-core)" ] || [ -z "$(deb_of dovecot-imapd)" ]; then
    # apt-get download writes into the current directory; as root it warns that the _apt user
    # cannot write there, which is harmless.
    (cd "$DEB_DIR" && apt-get download dovecot-core dovecot-imapd) >"$TMP/download.log" 2>&1 ||
        { apt-get update >>"$TMP/download.log" 2>&1 &&
          (cd "$DEB_DIR" && apt-get download dovecot-core dovecot-imapd) >>"$TMP/download.log" 2>&1; } ||
        { diag <"$TMP/download.log"; bail "apt-get download dovecot-core dovecot-imapd failed"; }
fi
CORE_DEB=$(deb_of dovecot-core)
IMAPD_DEB=$(deb_of dovecot-imapd)
if [ -z "$CORE_DEB" ] || [ -z "$IMAPD_DEB" ]; then bail "no dovecot-core/dovecot-imapd .deb in $DEB_DIR"; fi
echo "# Dovecot packages: $(basename "$CORE_DEB") $(basename "$IMAPD_DEB")"

ROOT=$TMP/root
for deb in "$CORE_DEB" "$IMAPD_DEB"; do
    dpkg-deb -x "$deb" "$ROOT" || bail "dpkg-deb -x $deb failed"
done
for b in usr/sbin/dovecot usr/lib/dovecot/imap; do
    [ -x "$ROOT/$b" ] || bail "the unpacked packages lack /$b"
done

# The libraries the packages depend on: install the missing ones (only those, never Dovecot).
missing=()
for pkg in $( (dpkg-deb -f "$CORE_DEB" Depends; dpkg-deb -f "$IMAPD_DEB" Depends) |
              tr ',' '\n' | sed 's/([^)]*)//; s/|.*//; s/[[:space:]]//g' | grep '^lib' | sort -u); do
    dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "# installing Dovecot's library dependencies: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
        >"$TMP/apt.log" 2>&1 ||
        { apt-get update >>"$TMP/apt.log" 2>&1 &&
          DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
              >>"$TMP/apt.log" 2>&1; } ||
        { tail -n 20 "$TMP/apt.log" | diag; bail "cannot install ${missing[*]}"; }
fi
libpath=$ROOT/usr/lib/dovecot:$ROOT/usr/lib/dovecot/modules/old-stats
for b in usr/sbin/dovecot usr/bin/doveconf usr/lib/dovecot/{auth,config,anvil,log,imap,imap-login}; do
    nf=$(LD_LIBRARY_PATH=$libpath ldd "$ROOT/$b" 2>&1 | grep 'not found')
    [ -z "$nf" ] || { echo "$nf" | diag; bail "$b: shared libraries not found"; }
done

# ---------------------------------------------------------------- Dovecot's private config
PORT=$(pick_port) || bail "no free port"
DV=$TMP/dovecot
mkdir -p "$DV/base" "$DV/state" "$DV/mail"
chown nobody:nogroup "$DV/mail"
# passwd-file entries are user@realm: Dovecot looks up username@realm from the response.
cat >"$DV/users" <<EOF
alice@$REALM_A:{PLAIN}$PW_A::::::
alice@$REALM_B:{PLAIN}$PW_B::::::
EOF
cat >"$DV/dovecot.conf" <<EOF
protocols = imap
listen = 127.0.0.1
base_dir = $DV/base
state_dir = $DV/state
log_path = $DV/dovecot.log
default_internal_user = nobody
default_internal_group = nogroup
default_login_user = nobody
auth_mechanisms = digest-md5
auth_realms = $REALM_A $REALM_B
auth_failure_delay = 0
auth_verbose = yes
ssl = no
disable_plaintext_auth = no
mail_location = maildir:$DV/mail/%d/%n
passdb {
  driver = passwd-file
  args = $DV/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$DV/mail/%d/%n
}
# Anvil's penalty delays the logins from an IP after its failures (2 s, 4 s, ... up to 15 s):
# without its socket the auth process applies none.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $PORT
  }
  inet_listener imaps {
    port = 0
  }
}
EOF
# setsid (not a group leader here) and unshare without --fork exec, as does sh: $! is Dovecot's
# master. The overlays are
# read-only (no upperdir) and live only in that namespace.
# shellcheck disable=SC2016  # $1 and $2 are the inner sh's arguments
# setsid: a daemon of its own process group, as the Cyrus masters of the other tests, so that no
# group-wide signal of one test's daemon reaches another's under make check -j.
setsid unshare -m --propagation private sh -c '
    mount -t overlay overlay -o "lowerdir=$1/usr/lib:/usr/lib" /usr/lib &&
    mount -t overlay overlay -o "lowerdir=$1/usr/bin:/usr/bin" /usr/bin &&
    exec "$1/usr/sbin/dovecot" -F -c "$2"' sh "$ROOT" "$DV/dovecot.conf" \
    </dev/null >"$DV/run.log" 2>&1 &
DV_PID=$!
PIDS+=("$DV_PID")
wait_port "$DV_PID" "$PORT" || { diag <"$DV/run.log"; diag <"$DV/dovecot.log" 2>/dev/null; bail "Dovecot did not come up"; }
echo "# Dovecot (master pid $DV_PID) on 127.0.0.1:$PORT, realms $REALM_A $REALM_B"

mkdir -p "$TMP/plugins-client"
ln -s "$CLIENT_PLUGIN_DIR/libdigestmd5.so" "$TMP/plugins-client/libdigestmd5.so"
: >"$TMP/empty"   # imtest -f: nothing to send after authenticating; it then logs out

# ---------------------------------------------------------------- running clients and reporting
RC=0
LOG_MARK=0
run() {  # stdin-text command...: runs the command with that stdin; keeps Dovecot's new log lines
    local input=$1
    shift
    LOG_MARK=$(wc -l <"$DV/dovecot.log" 2>/dev/null || echo 0)
    if [ "${MERGE_STDERR:-0}" = 1 ]; then
        printf '%s' "$input" | timeout "$CLIENT_TIMEOUT" "$@" >"$TMP/out" 2>&1
        RC=$?
        : >"$TMP/err"
    else
        printf '%s' "$input" | timeout "$CLIENT_TIMEOUT" "$@" >"$TMP/out" 2>"$TMP/err"
        RC=$?
    fi
    sleep 0.1   # the log lines of the login are written after the client has seen the verdict
    tail -n "+$((LOG_MARK + 1))" "$DV/dovecot.log" >"$TMP/log"
}

imtest() {  # stdin-text password [imtest options...]
    local input=$1 pw=$2
    shift 2
    # imtest writes the server's lines to stdout and its own ("C: ...", prompts) to stderr: one
    # file keeps their order.
    MERGE_STDERR=1 SASL_PATH=$TMP/plugins-client run "$input" "$IMTEST" -p "$PORT" -m DIGEST-MD5 -a alice -w "$pw" \
        -f "$TMP/empty" "$@" 127.0.0.1
}

client() {  # imap_sasl_client arguments
    run "" "$CLIENT" --port "$PORT" --plugin-dir "$TMP/plugins-client" --user alice \
        --timeout "$CLIENT_TIMEOUT" "$@"
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
        echo "#   exit status: $RC"
        echo "#   stdout:"; head -n 25 "$TMP/out" | cut -c1-300 | diag
        echo "#   stderr:"; head -n 25 "$TMP/err" | cut -c1-300 | diag
        echo "#   Dovecot log:"; head -n 10 "$TMP/log" | cut -c1-300 | diag
    fi
    FAIL_REASONS=()
}

out_has() { grep -Eq -- "$1" "$TMP/out"; }
out_lacks() { ! grep -Eq -- "$1" "$TMP/out"; }
log_has() { grep -Eq -- "$1" "$TMP/log"; }
count_is() { [ "$(grep -Ec -- "$2" "$TMP/$1")" = "$3" ]; }

# imtest prints the exchange as "S: + <base64>" / "C: <base64>" (with the CRs of the wire);
# decoded_lines prints them decoded.
decoded_lines() {
    local dir b64
    tr -d '\r' <"$TMP/out" | sed -n 's/^\(S\): + \(.*\)$/\1 \2/p; s/^\(Please enter your realm: \)\{0,1\}\(C\): \([A-Za-z0-9+\/=]\{16,\}\)$/\2 \3/p' |
        while read -r dir b64; do
            printf '%s: %s\n' "$dir" "$(printf '%s' "$b64" | base64 -d 2>/dev/null | tr -c '[:print:]' '?')"
        done
}
# What the client answered: the realm it sent, its qop, and whether it sent maxbuf and charset.
response_summary() {
    local resp parts=()
    resp=$(decoded_lines | sed -n 's/^C: \(username=.*\)$/\1/p' | head -n 1)
    [ -n "$resp" ] || { echo "no response"; return; }
    parts+=("$(grep -o 'realm="[^"]*"' <<<"$resp" | head -n 1)")
    parts+=("$(grep -o 'qop=[a-z-]*' <<<"$resp")")
    parts+=("$(grep -o 'maxbuf=[0-9]*' <<<"$resp" || echo "no maxbuf")")
    parts+=("$(grep -o 'charset=utf-8' <<<"$resp" || echo "no charset")")
    echo "${parts[*]}"
}

exchange_has() { decoded_lines | grep -Eq -- "$1"; }
exchange_lacks() { ! decoded_lines | grep -Eq -- "$1"; }
challenges_are() { [ "$(decoded_lines | grep -E '^S: .*nonce=' | sort -u | wc -l)" = "$1" ]; }
authenticated() { out_has '^Authenticated\.'; }
refused() { out_has '^Authentication failed' && out_lacks '^Authenticated\.'; }

# ================================================================ the challenge
imtest "" "$PW_A" -r "$REALM_A"
challenge=$(decoded_lines | sed -n 's/^S: \(.*nonce=.*\)$/\1/p' | head -n 1)
challenge_lacks() { ! grep -q -- "$1" <<<"$challenge"; }
echo "# Dovecot's challenge: $(printf '%s' "$challenge" | sed 's/nonce="[^"]*"/nonce="..."/')"
check "challenge lacks realm=\"$REALM_A\"" grep -q "realm=\"$REALM_A\"" <<<"$challenge"
check "challenge lacks realm=\"$REALM_B\"" grep -q "realm=\"$REALM_B\"" <<<"$challenge"
# Dovecot has no security layers: qop="auth" and no cipher list.
check "challenge's qop is not exactly \"auth\"" grep -q 'qop="auth",' <<<"$challenge"
check "challenge offers a cipher" challenge_lacks 'cipher='
check "challenge lacks algorithm md5-sess" grep -Eq 'algorithm="?md5-sess' <<<"$challenge"
report "challenge: both realms, qop=\"auth\" only, no ciphers, md5-sess"

# ================================================================ choosing the realm (imtest -r)
for r in A B; do
    realm_var=REALM_$r pw_var=PW_$r
    realm=${!realm_var} pw=${!pw_var}
    other=$([ $r = A ] && echo "$PW_B" || echo "$PW_A")
    imtest "" "$pw" -r "$realm"
    check "no 'Authenticated.' (rspauth not verified or login refused)" authenticated
    check "imtest did not see rspauth" exchange_has '^S: rspauth='
    check "Dovecot did not log in alice@$realm" log_has "Login: user=<alice@$realm>"
    echo "# client's response: $(response_summary)"
    report "imtest -r $realm with that realm's password: authenticated as alice@$realm"

    imtest "" "$other" -r "$realm"
    check "not refused" refused
    check "Dovecot did not log a password mismatch for alice@$realm" \
        log_has "digest-md5\\(alice@$realm,.*Password mismatch"
    report "imtest -r $realm with the other realm's password: refused"

    imtest "" "wrong-$pw" -r "$realm"
    check "not refused" refused
    check "Dovecot did not log a password mismatch" log_has "Password mismatch"
    report "imtest -r $realm with a wrong password: refused"
done

# ================================================================ the realm through the prompt
# Without -r imtest has no getrealm callback: libsasl2 asks through an interaction, which imtest
# answers from stdin ("Please enter your realm: ").
imtest "$REALM_B"$'\n' "$PW_B"
check "no realm prompt" out_has 'Please enter your realm'
check "no 'Authenticated.'" authenticated
check "Dovecot did not log in alice@$REALM_B" log_has "Login: user=<alice@$REALM_B>"
echo "# client's response: $(response_summary)"
report "imtest without -r, $REALM_B typed at the realm prompt: authenticated as alice@$REALM_B"

imtest $'\n' "$PW_A"
check "no realm prompt" out_has 'Please enter your realm'
check "not refused" refused
echo "# client's response: $(response_summary); Dovecot: $(grep -Eo 'passwd-file\([^)]*\): .*|Password mismatch' "$TMP/log" | head -n 1)"
report "imtest without -r, an empty answer at the realm prompt: refused (no realm chosen)"

# ================================================================ no security layer
# imtest -k 1 asks for at least integrity: Dovecot offers qop=auth only, so the client must give up
# before answering.
imtest "" "$PW_A" -r "$REALM_A" -k 1
check "not refused" refused
check "the client answered the challenge" exchange_lacks '^C: username='
echo "# imtest: $(grep -m1 '^Authentication failed' "$TMP/out")"
report "imtest -k 1 (integrity required): the client refuses Dovecot's qop=auth-only challenge"

# ================================================================ several logins in one process
# imtest -n 2 authenticates twice in one process: a client with a subsequent-authentication cache
# sends an initial response (SASL-IR) the second time; Dovecot does not do subsequent
# authentication and answers it with a fresh challenge, which the client must then answer fully.
imtest "" "$PW_A" -r "$REALM_A" -n 2
check "want 2 'Authenticated.'" count_is out '^Authenticated\.' 2
check "Dovecot did not log 2 logins" count_is log "Login: user=<alice@$REALM_A>" 2
if out_has '^C: A01 AUTHENTICATE DIGEST-MD5 [A-Za-z0-9+/=]+'; then
    check "the initial response was not answered with a fresh challenge" challenges_are 2
    echo "# imtest -n 2: the second login sent an initial response; Dovecot answered a fresh challenge"
else
    echo "# imtest -n 2: the second login sent no initial response (full exchange)"
fi
report "imtest -n 2: two logins in one process, both authenticated"

# imap_sasl_client passes digestmd5_client_reauth=yes (imtest has no getopt callback, so it cannot
# switch on our client's cache; the stock plugin's cache is always on).
client --password "$PW_B" --realm "$REALM_B" --connections 3 --opt digestmd5_client_reauth=yes
check "exit $RC, want 0" [ "$RC" = 0 ]
check "want 3 'result OK'" count_is out '^conn [123]: result OK ' 3
check "Dovecot did not log 3 logins" count_is log "Login: user=<alice@$REALM_B>" 3
for n in 2 3; do
    check "conn $n sent no initial response" out_has "^conn $n: initial-response yes"
    check "conn $n: want 2 server continuations (fresh challenge, rspauth)" \
        out_has "^conn $n: result OK .* challenges=2$"
done
report "client reauth on (3 logins, one process): initial response, Dovecot's fresh challenge, full exchange: OK"
grep -E '^conn 2: (initial|C: |S: )' "$TMP/out" | sed 's/nonce="[^"]*"/nonce="..."/; s/cnonce="[^"]*"/cnonce="..."/; s/response=[0-9a-f]*/response=.../' | cut -c1-200 | diag

client --password "wrong-$PW_B" --realm "$REALM_B" --connections 2 --opt digestmd5_client_reauth=yes
check "exit $RC, want 1" [ "$RC" = 1 ]
check "want 2 'result NO'" count_is out '^conn [12]: result NO ' 2
check "a connection sent an initial response after a failed login" out_lacks '^conn 2: initial-response yes'
report "client reauth on, wrong password: refused twice, no initial response after a failure"

stop_pid "$DV_PID"
[ -s "$DV/dovecot.log" ] && grep -E 'Fatal|Panic' "$DV/dovecot.log" | diag

# ---------------------------------------------------------------- done
echo "1..$test_no"
echo "# $failures failure(s)"
[ "$failures" = 0 ]
