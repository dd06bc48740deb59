#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Interoperability test: DIGEST-MD5 in Postfix, both ways. Postfix's smtpd (Cyrus SASL server,
# loads SERVER_PLUGIN_DIR) is tried by clients no one here wrote: swaks (Perl Authen::SASL),
# curl (its own DIGEST-MD5), gsasl (GNU SASL's own) and Cyrus smtptest (libsasl2, loads
# CLIENT_PLUGIN_DIR). Postfix's smtp client (libsasl2, loads CLIENT_PLUGIN_DIR) relays a message
# to that smtpd with smtp_sasl_password_maps. Output is TAP.
#
# Two private Postfix instances (each a master in the foreground, its own config dir, queue and
# SASL_PATH: master hands its children only main.cf's import_environment, and a service's
# "-o import_environment" is not applied, so one instance cannot give its smtpd and its smtp
# client different plugin dirs):
#   rx  smtpd on AUTH_PORT requires DIGEST-MD5 for mail (SERVER_PLUGIN_DIR); what it accepts is
#       discarded (content_filter), so nothing goes further
#   tx  smtpd on OPEN_PORT without SASL takes mail from 127.0.0.1 and relays it through the smtp
#       client (CLIENT_PLUGIN_DIR) to [127.0.0.1]:AUTH_PORT with smtp_sasl_password_maps;
#       recipients @bad.example go through a second smtp service whose map has a wrong password
#
# Environment:
#   SERVER_PLUGIN_DIR  dir holding the libdigestmd5.so smtpd loads (default: the system's)
#   CLIENT_PLUGIN_DIR  dir holding the libdigestmd5.so smtptest and Postfix's smtp client load
#   KEEP_TMP=1         keep the temp dir (for debugging)
#
# Must run as root (master switches its children to the postfix user). Nothing under /etc is
# read for the instance's configuration or changed.

set -u

STOCK_DIR=/usr/lib/x86_64-linux-gnu/sasl2
SERVER_PLUGIN_DIR=${SERVER_PLUGIN_DIR:-$STOCK_DIR}
CLIENT_PLUGIN_DIR=${CLIENT_PLUGIN_DIR:-$STOCK_DIR}
PF_SBIN=/usr/lib/postfix/sbin
SMTPTEST=/usr/lib/cyrus/bin/smtptest
CLIENT_TIMEOUT=20

REALM=EXAMPLE
ALICE_PW='alice-Secret1'

test_no=0
failures=0
TMP=
MASTER_PIDS=()

. "$(dirname "$0")/daemons.sh"  # bail, diag, check, ports, stop_pid

# Stops one master by its PID (TERM, then KILL): as a process group leader (setsid) it passes
# the TERM on to its children; any child left behind is killed by its PID.
stop_master() {
    local pid=$1 kids i
    kids=$(pgrep -P "$pid" 2>/dev/null)
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for i in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    for i in $kids; do kill -KILL "$i" 2>/dev/null; done
}

cleanup() {
    local pid
    for pid in "${MASTER_PIDS[@]}"; do stop_master "$pid"; done
    MASTER_PIDS=()
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
[ "$(id -u)" = 0 ] || bail "must run as root (Postfix's master switches to the postfix user)"
PATH=$PATH:/usr/sbin:/sbin
for tool in "$PF_SBIN/master" "$PF_SBIN/smtpd" "$PF_SBIN/smtp" "$PF_SBIN/postlogd" \
            "$PF_SBIN/discard" postconf "$SMTPTEST" swaks curl gsasl saslpasswd2 timeout pgrep ss; do
    command -v "$tool" >/dev/null || bail "missing tool: $tool (packages postfix swaks curl gsasl cyrus-clients sasl2-bin)"
done
perl -MAuthen::SASL::Perl::DIGEST_MD5 -e 1 2>/dev/null ||
    bail "Perl Authen::SASL is missing (package libauthen-sasl-perl): swaks cannot do DIGEST-MD5"
id postfix >/dev/null 2>&1 || bail "no postfix user"
[ -e "$STOCK_DIR/libsasldb.so" ] || bail "missing $STOCK_DIR/libsasldb.so"
for d in "$SERVER_PLUGIN_DIR" "$CLIENT_PLUGIN_DIR"; do
    [ -e "$d/libdigestmd5.so" ] || bail "no libdigestmd5.so in $d"
done
SERVER_SO=$(readlink -f "$SERVER_PLUGIN_DIR/libdigestmd5.so")
CLIENT_SO=$(readlink -f "$CLIENT_PLUGIN_DIR/libdigestmd5.so")

TMP=$(mktemp -d /tmp/digestmd5-postfix.XXXXXX) || bail "mktemp failed"
chmod 755 "$TMP"   # the postfix user reads the plugin dirs and the sasldb below it

echo "# server plugin: $SERVER_SO"
echo "# client plugin: $CLIENT_SO"

# ---------------------------------------------------------------- plugin dirs, users
mkdir -p "$TMP/plugins-server" "$TMP/plugins-client" "$TMP/plugins-sasldb"
ln -s "$SERVER_PLUGIN_DIR/libdigestmd5.so" "$TMP/plugins-server/libdigestmd5.so"
ln -s "$CLIENT_PLUGIN_DIR/libdigestmd5.so" "$TMP/plugins-client/libdigestmd5.so"
for d in plugins-server plugins-sasldb; do
    ln -s "$STOCK_DIR/libsasldb.so" "$TMP/$d/libsasldb.so"
done
printf '%s' "$ALICE_PW" | SASL_PATH=$TMP/plugins-sasldb \
    saslpasswd2 -p -c -f "$TMP/sasldb2" -u "$REALM" alice >"$TMP/saslpasswd2.log" 2>&1 ||
    { diag <"$TMP/saslpasswd2.log"; bail "saslpasswd2 failed"; }
chown postfix "$TMP/sasldb2"   # smtpd reads it after dropping root

# ---------------------------------------------------------------- ports
AUTH_PORT=$(pick_port) || bail "no free port"
OPEN_PORT=$(pick_port) || bail "no free port"
HOSTS_PORT=$(pick_port) || bail "no free port"
[ "$(printf '%s\n' "$AUTH_PORT" "$OPEN_PORT" "$HOSTS_PORT" | sort -u | wc -l)" = 3 ] ||
    bail "pick_port gave the same port twice"

# ---------------------------------------------------------------- Postfix instances
MAILLOG=$TMP/log/maillog   # both instances log here, as postfix-rx/... and postfix-tx/...
mkdir -p "$TMP/log"
chown postfix "$TMP/log"   # postlogd (as postfix) creates the log file

# The main.cf and master.cf lines both instances share.
BASE_MAIN="compatibility_level = 3.6
mail_owner = postfix
mydestination =
myorigin = \$myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
maillog_file = $MAILLOG
maillog_file_prefixes = $TMP/log
alias_maps =
alias_database =
biff = no
notify_classes =
smtputf8_enable = no
smtpd_tls_security_level = none
smtp_tls_security_level = none
smtp_dns_support_level = disabled"
BASE_MASTER="pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd"

# make_instance NAME PLUGIN-DIR: config dir $TMP/NAME/conf, queue $TMP/NAME/queue, with the
# lines common to both; the caller appends the rest to main.cf and master.cf.
make_instance() {
    local d=$TMP/$1 q
    q=$d/queue
    mkdir -p "$d/conf/sasl" "$q" "$d/data"
    # The queue layout postfix-files describes (post-install is not used: it would read
    # /etc/postfix's postfix-files and does more than this needs).
    for sub in active bounce corrupt defer deferred flush hold incoming private saved trace; do
        install -d -o postfix -g root -m 700 "$q/$sub"
    done
    install -d -o postfix -g postdrop -m 730 "$q/maildrop"
    install -d -o postfix -g postdrop -m 710 "$q/public"
    install -d -o root -g root -m 755 "$q/pid"
    install -d -o postfix -m 700 "$d/data"
    # SASL_PATH through import_environment: libsasl2 honours it (smtpd and smtp are not setuid).
    cat >"$d/conf/main.cf" <<EOF
$BASE_MAIN
queue_directory = $q
data_directory = $d/data
myhostname = $1.example
syslog_name = postfix-$1
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME SASL_PATH=$2
EOF
    printf '%s\n' "$BASE_MASTER" >"$d/conf/master.cf"
}

# start_instance NAME PORT...: runs master in the foreground (-d) with the private config dir
# (-c), as a process group leader (setsid) so that its TERM reaches its children; waits until
# every PORT accepts connections.
start_instance() {
    local d=$TMP/$1 pid port up=0
    shift
    # Postfix reads main.cf only once it is over a second old (it waits for an editor to
    # finish): backdated, no process of the instance sleeps on it.
    touch -d '-1 minute' "$d/conf/main.cf" "$d/conf/master.cf"
    postconf -c "$d/conf" -n >/dev/null 2>"$d/postconf.err" ||
        { diag <"$d/postconf.err"; bail "postconf rejects $d/conf/main.cf"; }
    MAIL_CONFIG=$d/conf setsid "$PF_SBIN/master" -c "$d/conf" -d </dev/null >"$d/master.out" 2>&1 &
    pid=$!
    MASTER_PIDS+=("$pid")
    for _ in $(seq 1 200); do   # ~10 s
        kill -0 "$pid" 2>/dev/null || break
        up=1
        for port in "$@"; do port_open "$port" || up=0; done
        [ "$up" = 0 ] || break
        sleep 0.05
    done
    if [ "$up" != 1 ] || ! kill -0 "$pid" 2>/dev/null; then
        diag <"$d/master.out"
        [ -f "$MAILLOG" ] && tail -n 20 "$MAILLOG" | diag
        bail "Postfix master ($d) did not come up"
    fi
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = master ] || bail "pid $pid is not Postfix's master"
    MASTER_PID=$pid
}

# rx: the receiving side, smtpd with DIGEST-MD5 (SERVER_PLUGIN_DIR).
make_instance rx "$TMP/plugins-server"
cat >>"$TMP/rx/conf/main.cf" <<EOF
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
smtpd_sasl_local_domain = $REALM
smtpd_client_restrictions = permit_sasl_authenticated, reject
smtpd_relay_restrictions = permit_sasl_authenticated, reject
content_filter = discard:accepted-with-sasl
EOF
# HOSTS_PORT: the same smtpd with a SASL config that also sets digestmd5_hosts.
cat >>"$TMP/rx/conf/master.cf" <<EOF
127.0.0.1:$AUTH_PORT inet n - n - - smtpd
127.0.0.1:$HOSTS_PORT inet n - n - - smtpd
  -o smtpd_sasl_path=smtpd-hosts
EOF
# Debian's Postfix reads its SASL config from <config_directory>/sasl/<smtpd_sasl_path>.conf.
cat >"$TMP/rx/conf/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $TMP/sasldb2
mech_list: DIGEST-MD5
EOF
{ cat "$TMP/rx/conf/sasl/smtpd.conf"; echo "digestmd5_hosts: 127.0.0.1"; } >"$TMP/rx/conf/sasl/smtpd-hosts.conf"

# tx: the sending side, an open smtpd and the smtp client with DIGEST-MD5 (CLIENT_PLUGIN_DIR).
TXC=$TMP/tx/conf
make_instance tx "$TMP/plugins-client"
cat >>"$TXC/main.cf" <<EOF
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:$AUTH_PORT
transport_maps = texthash:$TXC/transport
smtp_sasl_auth_enable = yes
smtp_sasl_type = cyrus
smtp_sasl_password_maps = texthash:$TXC/sasl_passwd
smtp_sasl_mechanism_filter = digest-md5
smtp_sasl_security_options = noanonymous
# A failed relay is deferred; no retry before the end of the test.
minimal_backoff_time = 3600s
maximal_backoff_time = 3600s
queue_run_delay = 3600s
EOF
cat >>"$TXC/master.cf" <<EOF
127.0.0.1:$OPEN_PORT inet n - n - - smtpd
smtp      unix  -       -       n       -       -       smtp
smtpbad   unix  -       -       n       -       -       smtp
  -o smtp_sasl_password_maps=texthash:$TXC/sasl_passwd_bad
EOF
printf '[127.0.0.1]:%s alice:%s\n' "$AUTH_PORT" "$ALICE_PW" >"$TXC/sasl_passwd"
printf '[127.0.0.1]:%s alice:wrong-%s\n' "$AUTH_PORT" "$ALICE_PW" >"$TXC/sasl_passwd_bad"
printf 'bad.example smtpbad:[127.0.0.1]:%s\n' "$AUTH_PORT" >"$TXC/transport"

start_instance rx "$AUTH_PORT" "$HOSTS_PORT"
RX_PID=$MASTER_PID
start_instance tx "$OPEN_PORT"
TX_PID=$MASTER_PID
echo "# Postfix rx (master pid $RX_PID): smtpd with DIGEST-MD5 on 127.0.0.1:$AUTH_PORT"
echo "# Postfix tx (master pid $TX_PID): relay port 127.0.0.1:$OPEN_PORT, smtp client to rx"

# ---------------------------------------------------------------- running clients and reporting
RC=0
LOG_OFFSET=0
run() {
    LOG_OFFSET=$(stat -c %s "$MAILLOG" 2>/dev/null || echo 0)
    timeout "$CLIENT_TIMEOUT" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
    RC=$?
}

new_log() {
    tail -c +"$((LOG_OFFSET + 1))" "$MAILLOG"
}

# wait_log REGEX [TENTHS]: waits (bounded) for REGEX in the log written since the last run.
wait_log() {
    local _
    for _ in $(seq 1 "${2:-50}"); do
        new_log | grep -Eq -- "$1" && return 0
        sleep 0.1
    done
    return 1
}

FAIL_REASONS=()

# report DESCRIPTION [TODO-REASON]: a case with a TODO reason is an expected failure.
report() {
    test_no=$((test_no + 1))
    if [ "${KEEP_TMP:-0}" = 1 ]; then   # each case's client output, for debugging
        cp "$TMP/out" "$TMP/out.$test_no"
        cp "$TMP/err" "$TMP/err.$test_no"
    fi
    local todo=${2:+ # TODO $2}
    if [ ${#FAIL_REASONS[@]} -eq 0 ]; then
        echo "ok $test_no - $1$todo"
    else
        [ -n "$todo" ] || failures=$((failures + 1))
        echo "not ok $test_no - $1$todo"
        local r
        for r in "${FAIL_REASONS[@]}"; do echo "#   $r"; done
        echo "#   exit status: $RC"
        local lines=25
        [ -z "$todo" ] || lines=4   # an expected failure needs less detail
        echo "#   stdout:"; tail -n "$lines" "$TMP/out" | cut -c1-300 | diag
        echo "#   stderr:"; tail -n "$lines" "$TMP/err" | cut -c1-300 | diag
        echo "#   Postfix log (new lines, last $lines):"; new_log | tail -n "$lines" | cut -c1-300 | diag
        kill -0 "$RX_PID" 2>/dev/null || echo "#   rx master is no longer running"
        kill -0 "$TX_PID" 2>/dev/null || echo "#   tx master is no longer running"
    fi
    FAIL_REASONS=()
}

rc_is() { [ "$RC" = "$1" ]; }
out_has() { grep -Eq -- "$1" "$TMP/out"; }
out_lacks() { ! grep -Eq -- "$1" "$TMP/out"; }
err_has() { grep -Eq -- "$1" "$TMP/err"; }
# The smtpd line for an accepted message names the SASL method and user.
log_sasl_alice() { wait_log 'postfix-rx/smtpd\[[0-9]+\]: [0-9A-F]+: client=.*, sasl_method=DIGEST-MD5, sasl_username=alice(@'"$REALM"')?$'; }
log_auth_failed() { wait_log 'SASL DIGEST-MD5 authentication failed'; }

# maps_has PID SO: the process has SO mapped (its plugin came from the dir under test).
maps_has() { grep -qF -- " $2" "/proc/$1/maps" 2>/dev/null; }
# The digestmd5 plugin files the process has mapped, for diagnostics.
maps_digest() { awk '/digestmd5/ {print $6}' "/proc/$1/maps" 2>/dev/null | sort -u | tr '\n' ' '; }

# pids_of MASTER-PID PROGRAM ARG-REGEX: that master's children running PROGRAM with ARG-REGEX
# in argv.
pids_of() {
    local pid
    for pid in $(pgrep -P "$1"); do
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qE -- "^$2 .*$3" && echo "$pid"
    done
}

cat >"$TMP/msg.txt" <<'EOF'
From: alice@example
To: bob@remote.example
Subject: DIGEST-MD5 interop

A small message.
EOF

# ================================================================ smtpd with DIGEST-MD5
swaks_auth() {  # password [extra args]
    local pw=$1
    shift
    run swaks --server 127.0.0.1 --port "$AUTH_PORT" --ehlo client.example \
        --from alice@example --to bob@remote.example --auth DIGEST-MD5 \
        --auth-user alice --auth-password "$pw" --timeout 10 "$@"
}

swaks_auth "$ALICE_PW"
check "exit $RC, want 0" rc_is 0
check "no '235' after AUTH" out_has '^<-  235 '
check "message not accepted (250 ... queued as)" out_has '^<-  250 .*queued as'
check "no 'sasl_method=DIGEST-MD5, sasl_username=alice' in the smtpd log" log_sasl_alice
report "smtpd: swaks (Perl Authen::SASL) AUTH DIGEST-MD5: 235, message accepted as alice"

SMTPD_PIDS=$(pids_of "$RX_PID" smtpd "127.0.0.1:$AUTH_PORT")
smtpd_maps_ok() {
    local p
    [ -n "$SMTPD_PIDS" ] || return 1
    for p in $SMTPD_PIDS; do maps_has "$p" "$SERVER_SO" || return 1; done
}
check "smtpd (pids: ${SMTPD_PIDS:-none}) maps: $(for p in $SMTPD_PIDS; do maps_digest "$p"; done), want $SERVER_SO" smtpd_maps_ok
report "smtpd's memory map has the server plugin under test ($SERVER_SO)"

# Only the private smtpd.conf restricts mech_list (the system default offers every mechanism),
# and only it names the sasldb that holds alice.
check "EHLO does not offer exactly 'AUTH DIGEST-MD5'" out_has '^<-  250-AUTH DIGEST-MD5$'
report "smtpd read the private SASL config (<conf>/sasl/smtpd.conf): EHLO offers AUTH DIGEST-MD5 only"

swaks_auth "wrong-$ALICE_PW"
check "no '535' after AUTH" out_has '^<\*\* 535 '
check "a 235 for a wrong password" out_lacks '^<-  235 '
check "no 'authentication failed' in the smtpd log" log_auth_failed
report "smtpd: swaks, wrong password: 535"

curl_auth() {  # password
    run curl -sS -v --max-time 10 --url "smtp://127.0.0.1:$AUTH_PORT/client.example" \
        --login-options AUTH=DIGEST-MD5 --user "alice:$1" \
        --mail-from alice@example --mail-rcpt bob@remote.example --upload-file "$TMP/msg.txt"
}
curl_auth "$ALICE_PW"
check "exit $RC, want 0" rc_is 0
check "no '< 235'" err_has '^< 235 '
check "no 'sasl_method=DIGEST-MD5, sasl_username=alice' in the smtpd log" log_sasl_alice
report "smtpd: curl --login-options AUTH=DIGEST-MD5 (curl's own): 235, message accepted as alice"

curl_auth "wrong-$ALICE_PW"
check "exit $RC, want 67 (login denied)" rc_is 67
check "no '< 535'" err_has '^< 535 '
report "smtpd: curl, wrong password: 535"

gsasl_auth() {  # password
    run gsasl --smtp --connect "127.0.0.1:$AUTH_PORT" --no-starttls --mechanism DIGEST-MD5 \
        --authentication-id alice --password "$1" --realm "$REALM" --hostname 127.0.0.1 --verbose
}
gsasl_auth "$ALICE_PW"
check "exit $RC, want 0" rc_is 0
check "no '235' from the server" out_has '^235 '
check "gsasl did not verify the server (rspauth)" err_has 'server trusted'
report "smtpd: gsasl --smtp (GNU SASL's own DIGEST-MD5): 235, rspauth verified"

gsasl_auth "wrong-$ALICE_PW"
check "exit 0 for a wrong password" test "$RC" != 0
check "no '535' from the server" out_has '^535 '
report "smtpd: gsasl, wrong password: 535"

# smtptest pipes the file in after the AUTH; the message shows the session can go on.
printf 'MAIL FROM:<alice@example>\r\nRCPT TO:<bob@remote.example>\r\nDATA\r\nSubject: smtptest\r\n\r\nhello\r\n.\r\nQUIT\r\n' \
    >"$TMP/smtptest.in"
smtptest() {  # password
    SASL_PATH=$TMP/plugins-client run "$SMTPTEST" -m DIGEST-MD5 -a alice -w "$1" -r "$REALM" \
        -p "$AUTH_PORT" -f "$TMP/smtptest.in" 127.0.0.1
}
smtptest "$ALICE_PW"
check "no 'Authenticated.'" out_has 'Authenticated\.'
check "message not accepted (250 ... queued as)" out_has '250 .*queued as'
check "no 'sasl_method=DIGEST-MD5, sasl_username=alice' in the smtpd log" log_sasl_alice
report "smtpd: Cyrus smtptest -m DIGEST-MD5 (libsasl2 client): Authenticated, message accepted"

smtptest "wrong-$ALICE_PW"
check "printed 'Authenticated.'" out_lacks 'Authenticated\.'
check "no '535' from the server" out_has '535 '
report "smtpd: smtptest, wrong password: 535"

# An authorization id other than the user: Postfix sets no proxy policy, so libsasl2's default
# (authzid must be the authenticated user) refuses it.
SASL_PATH=$TMP/plugins-client run "$SMTPTEST" -m DIGEST-MD5 -a alice -u bob -w "$ALICE_PW" \
    -r "$REALM" -p "$AUTH_PORT" -f "$TMP/smtptest.in" 127.0.0.1
check "printed 'Authenticated.'" out_lacks 'Authenticated\.'
check "no '535' from the server" out_has '535 '
check "a message was accepted" out_lacks '250 .*queued as'
report "smtpd: smtptest as alice with authzid bob: 535 (not authorised)"

# digestmd5_hosts (ours only; the stock plugin has no such option): digest-uri "smtp/127.0.0.1"
# (swaks) is accepted; curl puts the realm in digest-uri ("smtp/EXAMPLE") and must be refused.
if [ "$SERVER_SO" = "$(readlink -f "$STOCK_DIR/libdigestmd5.so")" ]; then
    HOSTS_TODO="the stock plugin has no digestmd5_hosts option"
else
    HOSTS_TODO=
fi
run swaks --server 127.0.0.1 --port "$HOSTS_PORT" --ehlo client.example --from alice@example \
    --to bob@remote.example --auth DIGEST-MD5 --auth-user alice --auth-password "$ALICE_PW" \
    --timeout 10 --quit-after AUTH
check "no '235' after AUTH" out_has '^<-  235 '
report "smtpd with digestmd5_hosts 127.0.0.1: swaks (digest-uri smtp/127.0.0.1): 235"

run curl -sS -v --max-time 10 --url "smtp://127.0.0.1:$HOSTS_PORT/client.example" \
    --login-options AUTH=DIGEST-MD5 --user "alice:$ALICE_PW" \
    --mail-from alice@example --mail-rcpt bob@remote.example --upload-file "$TMP/msg.txt"
check "exit $RC, want 67 (login denied)" rc_is 67
check "no '< 535'" err_has '^< 535 '
report "smtpd with digestmd5_hosts 127.0.0.1: curl (digest-uri smtp/$REALM): 535" "$HOSTS_TODO"

# ================================================================ smtp client with DIGEST-MD5
queue_files() { find "$TMP"/{rx,tx}/queue/{incoming,active,deferred} -type f | wc -l; }

swaks_open() {  # recipient
    run swaks --server 127.0.0.1 --port "$OPEN_PORT" --ehlo client.example \
        --from alice@example --to "$1" --timeout 10 --header "Subject: relay to $1"
}

swaks_open bob@remote.example
check "exit $RC, want 0 (open port refused the message)" rc_is 0
check "relay not logged as sent to [127.0.0.1]:$AUTH_PORT" \
    wait_log "postfix-tx/smtp\[[0-9]+\]: .*to=<bob@remote.example>, relay=127.0.0.1\[127.0.0.1\]:$AUTH_PORT, .*status=sent" 100
check "no 'sasl_method=DIGEST-MD5, sasl_username=alice' on the receiving smtpd" log_sasl_alice
check "the receiving side did not take the message (discard ... status=sent)" \
    wait_log 'postfix-rx/discard\[[0-9]+\]: .*to=<bob@remote.example>.*status=sent'
for _ in $(seq 1 50); do [ "$(queue_files)" = 0 ] && break; sleep 0.1; done
check "queue not empty: $(queue_files) file(s)" test "$(queue_files)" = 0
report "smtp client: relays through smtpd with DIGEST-MD5 as alice (smtp_sasl_password_maps), queue empty"

SMTP_PIDS=$(pids_of "$TX_PID" smtp '-t unix')   # the smtp service itself has no -n (name = command)
smtp_maps_ok() {
    local p
    [ -n "$SMTP_PIDS" ] || return 1
    for p in $SMTP_PIDS; do maps_has "$p" "$CLIENT_SO" || return 1; done
}
check "smtp (pids: ${SMTP_PIDS:-none}) maps: $(for p in $SMTP_PIDS; do maps_digest "$p"; done), want $CLIENT_SO" smtp_maps_ok
report "the smtp client's memory map has the client plugin under test ($CLIENT_SO)"

swaks_open carol@bad.example
check "exit $RC, want 0 (open port refused the message)" rc_is 0
check "no 'SASL authentication failed' deferral in the log" \
    wait_log 'postfix-tx/smtp\[[0-9]+\]: .*to=<carol@bad.example>, relay=127.0.0.1\[127.0.0.1\]:'"$AUTH_PORT"', .*status=deferred \(SASL authentication failed' 100
check "smtpd did not log the failed DIGEST-MD5 authentication" log_auth_failed
check "the message was delivered although the password is wrong" \
    sh -c "! tail -c +$((LOG_OFFSET + 1)) '$MAILLOG' | grep -q 'postfix-rx/discard.*to=<carol@bad.example>'"
check "deferred queue does not hold the message" test "$(find "$TMP/tx/queue/deferred" -type f | wc -l)" = 1
SMTP_PIDS=$(pids_of "$TX_PID" smtp '-n smtpbad ')
check "smtpbad (pids: ${SMTP_PIDS:-none}) maps: $(for p in $SMTP_PIDS; do maps_digest "$p"; done), want $CLIENT_SO" smtp_maps_ok
report "smtp client, wrong password in the map: relay deferred (SASL authentication failed)"

# ---------------------------------------------------------------- done
for pid in "$RX_PID" "$TX_PID"; do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "# master $pid exited before the end of the run"
        failures=$((failures + 1))
    fi
done
if grep -Eq 'postfix-(rx|tx)/[a-z]+\[[0-9]+\]: (fatal|panic):' "$MAILLOG"; then
    echo "# Postfix logged fatal errors:"
    grep -E 'postfix-(rx|tx)/[a-z]+\[[0-9]+\]: (fatal|panic):' "$MAILLOG" | head -n 10 | diag
    failures=$((failures + 1))
fi
echo "1..$test_no"
echo "# $failures failure(s)"
[ "$failures" = 0 ]
