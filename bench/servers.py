#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""servers.py: `make bench-servers`: our plugin against the stock plugin inside real servers.

  servers.py --ours DIR --stock DIR --load BUILD/bench/ldap_load [--reps N] [--seconds S]
             [--conns 1,4,16] [--only binds,reauth,search,http,perf]

Starts private slapd instances on 127.0.0.1 (one per server plugin, with and without
reauth_timeout; each in a mount namespace of its own so that its /etc/ldap/sasl2 is a private
directory) and two private Cyrus httpd instances, and drives them with bench/ldap_load (libldap
+ libsasl2, K concurrent connections binding in a loop) and an HTTP Digest client of its own.
Every cell is run once per repetition for ours and for the stock plugin back to back, which
first alternating. Prints the tables of README "Performance in servers". Must run as root
(mount namespaces, the cyrus user). Asserts nothing: it measures.
"""
import argparse
import http.client
import math
import os
import pwd
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests',
                                'interop'))
import http_digest_client as digest  # noqa: E402  (one Digest computation for tests and bench)

STOCK_DIR = '/usr/lib/x86_64-linux-gnu/sasl2'
REALM = 'EXAMPLE'
HTTP_REALM = 'example'
SUFFIX = 'dc=example,dc=com'
PEOPLE = 'ou=people,' + SUFFIX
ALICE_DN = 'uid=alice,' + PEOPLE
ALICE_PW = 'alice-Secret1'
BULK_ENTRIES = 2500            # about 10 MB of attribute values
CLK_TCK = os.sysconf('SC_CLK_TCK')

# (name, secprops, client options): the client's SSF window picks the protection; our client may
# not take aes-cbc where the case is rc4 (ldap_load answers digestmd5_aes_cbc=no; the stock
# plugin knows no such option).
NO_AES = ['digestmd5_aes_cbc=no']
BIND_CASES = [
    ('auth', 'maxssf=0', []),
    ('auth-int', 'minssf=1,maxssf=1', []),
    ('rc4', 'minssf=113,maxssf=128', NO_AES),
    ('3des', 'minssf=57,maxssf=112', []),
]
REAUTH_CASES = BIND_CASES[:2]
# (name, secprops, client options, SSF the client must report)
SEARCH_CASES = [
    ('no layer', 'maxssf=0', [], 0),
    ('auth-int', 'minssf=1,maxssf=1', [], 1),
    ('rc4-40', 'minssf=2,maxssf=40', [], 40),
    ('des', 'minssf=41,maxssf=55', [], 55),
    ('rc4-56', 'minssf=56,maxssf=56', [], 56),
    ('3des', 'minssf=57,maxssf=112', [], 112),
    ('rc4', 'minssf=113,maxssf=128', NO_AES, 128),
    ('aes-cbc', 'minssf=113,maxssf=128', [], 128),
]
STOCK_FAILS = {'3des', 'aes-cbc'}  # the stock plugin cannot start 3des and has no aes-cbc


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_port(port, proc, what, seconds=15):
    end = time.time() + seconds
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f'{what} exited with {proc.returncode}')
        try:
            socket.create_connection(('127.0.0.1', port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f'{what} did not listen on {port}')


def proc_stat(pid):
    """The fields of /proc/PID/stat after the command name (state first)."""
    with open(f'/proc/{pid}/stat') as f:
        return f.read().rsplit(')', 1)[1].split()


def cpu_seconds(pid):
    """utime + stime of a process (all its threads, dead ones included)."""
    fields = proc_stat(pid)
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def reaped_children_seconds(pid):
    """cutime + cstime of a process: the CPU of the children it has waited for."""
    fields = proc_stat(pid)
    return (int(fields[13]) + int(fields[14])) / CLK_TCK


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Plugins:
    """Private plugin directories: each holds one libdigestmd5.so and the sasldb auxprop."""

    def __init__(self, tmp, ours, stock):
        self.dirs = {}
        for name, src in (('ours', ours), ('stock', stock), ('sasldb', None)):
            d = os.path.join(tmp, 'plugins-' + name)
            os.makedirs(d)
            if src:
                os.symlink(os.path.realpath(os.path.join(src, 'libdigestmd5.so')),
                           os.path.join(d, 'libdigestmd5.so'))
            os.symlink(os.path.join(STOCK_DIR, 'libsasldb.so'), os.path.join(d, 'libsasldb.so'))
            self.dirs[name] = d

    def so(self, name):
        return os.path.realpath(os.path.join(self.dirs[name], 'libdigestmd5.so'))


def make_sasldb(tmp, plugins):
    path = os.path.join(tmp, 'sasldb2')
    env = dict(os.environ, SASL_PATH=plugins.dirs['sasldb'])
    # slapd's realm, and Cyrus httpd's (its servername, which it lower-cases)
    for realm in (REALM, HTTP_REALM):
        subprocess.run(['saslpasswd2', '-p', '-c', '-f', path, '-u', realm, 'alice'],
                       input=ALICE_PW.encode(), env=env, check=True, capture_output=True)
    return path


def ldif():
    filler = ('The quick brown fox jumps over the lazy dog 0123456789. ' * 72)[:4000]
    out = [f'dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\n'
           f'o: Example\n',
           f'dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n',
           f'dn: {ALICE_DN}\nobjectClass: inetOrgPerson\nuid: alice\ncn: Alice\nsn: Alice\n']
    for i in range(1, BULK_ENTRIES + 1):
        out.append(f'dn: uid=bulk{i:04d},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: bulk{i:04d}\n'
                   f'cn: Bulk {i}\nsn: Bulk\ndescription: entry {i} {filler}\n')
    return '\n'.join(out) + '\n'


class Slapd:
    """A private slapd 2.5 with DIGEST-MD5 over sasldb, loading the plugin in `plugin_dir`."""

    def __init__(self, tmp, name, plugin_dir, sasldb, reauth, seed_db):
        self.name = name
        self.dir = os.path.join(tmp, 'slapd-' + name)
        os.makedirs(os.path.join(self.dir, 'sasl2'))
        with open(os.path.join(self.dir, 'sasl2', 'slapd.conf'), 'w') as f:
            f.write(f'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: {sasldb}\n'
                    'mech_list: DIGEST-MD5\n' + ('reauth_timeout: 10\n' if reauth else ''))
        shutil.copytree(seed_db, os.path.join(self.dir, 'db'))
        self.conf = os.path.join(self.dir, 'slapd.conf')
        with open(self.conf, 'w') as f:
            f.write(slapd_conf(self.dir))
        self.port = free_port()
        self.uri = f'ldap://127.0.0.1:{self.port}'
        self.log = open(os.path.join(self.dir, 'slapd.log'), 'w')
        # unshare execs sh, which execs slapd: the Popen PID is slapd's.
        self.proc = subprocess.Popen(
            ['unshare', '-m', '--propagation', 'private', 'sh', '-c',
             'mount --bind "$1" /etc/ldap/sasl2 && exec slapd -d 0 -f "$2" -h "$3"', 'sh',
             os.path.join(self.dir, 'sasl2'), self.conf, self.uri + '/'],
            env=dict(os.environ, SASL_PATH=plugin_dir), stdin=subprocess.DEVNULL,
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_port(self.port, self.proc, 'slapd ' + name)

    def cpu(self):
        return cpu_seconds(self.proc.pid)

    def bind_ops(self):
        """Bind operations slapd completed (cn=monitor): one per SASL round trip."""
        r = subprocess.run(['ldapsearch', '-x', '-LLL', '-H', self.uri, '-b',
                            'cn=Bind,cn=Operations,cn=Monitor', '-s', 'base',
                            'monitorOpCompleted'], capture_output=True, text=True,
                           env=dict(os.environ, LDAPNOINIT='1'))
        m = re.search(r'^monitorOpCompleted: (\d+)', r.stdout, re.M)
        if not m:
            raise RuntimeError(f'slapd {self.name}: cannot read cn=monitor: {r.stderr.strip()}')
        return int(m.group(1))

    def stop(self):
        stop(self.proc)
        self.log.close()


def slapd_conf(d):
    return f'''include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload back_monitor
pidfile {d}/slapd.pid
argsfile {d}/slapd.args
sasl-realm {REALM}
sasl-host 127.0.0.1
sasl-auxprops sasldb
authz-regexp "^uid=([^,]+),cn={REALM},cn=DIGEST-MD5,cn=auth$" "uid=$1,{PEOPLE}"
sizelimit unlimited
loglevel 0
database mdb
maxsize 268435456
suffix "{SUFFIX}"
rootdn "cn=admin,{SUFFIX}"
rootpw not-used
directory {d}/db
access to * by users read by * auth
database monitor
access to * by * read
'''


CYRUS_BIN = '/usr/lib/cyrus/bin'
HTTP_CASES = [('1 per connection', 1), ('10 per connection', 10)]


class CyrusHttpd:
    """A private Cyrus master running one httpd process (so it finds the nonces it issued) with
    DIGEST-MD5 over sasldb, loading the plugin in `plugin_dir`."""

    def __init__(self, tmp, name, plugin_dir, sasldb):
        self.dir = os.path.join(tmp, 'cyrus-' + name)
        for sub in ('conf', 'part'):
            os.makedirs(os.path.join(self.dir, sub))
        self.port = free_port()
        conf = os.path.join(self.dir, 'imapd.conf')
        with open(conf, 'w') as f:
            f.write(f'configdirectory: {self.dir}/conf\npartition-default: {self.dir}/part\n'
                    f'servername: {HTTP_REALM}\nsasl_pwcheck_method: auxprop\n'
                    f'sasl_auxprop_plugin: sasldb\nsasl_sasldb_path: {sasldb}\n'
                    'sasl_mech_list: DIGEST-MD5\nsasl_reauth_timeout: 10\nallowplaintext: no\n'
                    'httpmodules: rss\n')
        with open(os.path.join(self.dir, 'cyrus.conf'), 'w') as f:
            f.write(f'SERVICES {{\n  http cmd="httpd -C {conf}" listen="127.0.0.1:{self.port}" '
                    'prefork=1 maxchild=1\n}\n')
        cyrus = pwd.getpwnam('cyrus')
        for root, dirs, files in os.walk(self.dir):
            for n in [root] + [os.path.join(root, x) for x in dirs + files]:
                os.chown(n, cyrus.pw_uid, cyrus.pw_gid)
        self.log = open(os.path.join(self.dir, 'master.log'), 'w')
        # setsid: master's shutdown signals its whole process group.
        self.proc = subprocess.Popen(
            ['setsid', os.path.join(CYRUS_BIN, 'master'), '-C', conf, '-M',
             os.path.join(self.dir, 'cyrus.conf'), '-p', os.path.join(self.dir, 'master.pid'),
             '-D'], env=dict(os.environ, SASL_PATH=plugin_dir), stdin=subprocess.DEVNULL,
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_port(self.port, self.proc, 'Cyrus master ' + name)

    def cpu(self):
        """CPU of master's children: the httpd processes it reaped (cutime, cstime; Cyrus
        replaces a service process after a number of connections) and the live ones."""
        total = reaped_children_seconds(self.proc.pid)
        for pid in children(self.proc.pid):
            try:
                total += cpu_seconds(pid)
            except OSError:
                pass
        return total

    def stop(self):
        stop(self.proc)
        self.log.close()


def children(pid):
    out = []
    for task in os.listdir(f'/proc/{pid}/task'):
        try:
            with open(f'/proc/{pid}/task/{task}/children') as f:
                out += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return out


def http_requests(port, seconds, per_nonce):
    """GET /rss with Digest (MD5-sess, as the server offers) for `seconds`: per connection one
    challenge, then `per_nonce` authorized requests with nc 1, 2, ... (Cyrus answers a later
    request without credentials on the same connection with an empty challenge, expecting the
    nonce to be continued). Returns (authorized requests per second, their count); raises on
    any unexpected status."""
    done = 0
    serial = 0
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
        try:
            conn.request('GET', '/rss')
            r = conn.getresponse()
            r.read()
            chal = digest.pick(digest.parse_challenges(r.headers.get_all('WWW-Authenticate')
                                                       or []), None)
            if r.status != 401 or chal is None or 'nonce' not in chal:
                raise RuntimeError(f'no Digest challenge (status {r.status})')
            algorithm = chal.get('algorithm', 'MD5')
            serial += 1  # one cnonce per nonce: MD5-sess keys the session with the first one
            for nc in range(1, per_nonce + 1):
                value, _ = digest.authorization('alice', ALICE_PW, 'GET', '/rss', chal,
                                                algorithm, f'{nc:08x}', f'bench{serial:x}')
                conn.request('GET', '/rss', headers={'Authorization': value})
                r = conn.getresponse()
                r.read()
                if r.status != 200:
                    raise RuntimeError(f'authorized GET /rss got {r.status}')
                done += 1
        finally:
            conn.close()
    return done / (time.monotonic() - start), done


def measure_http(args, servers, cells):
    for rep in range(args.reps):
        for label, per_nonce in HTTP_CASES:
            cell = cells.setdefault(('http', label), Cell('http', label))
            for impl in order(rep):
                httpd = servers[impl]
                cpu0 = httpd.cpu()
                try:
                    rate, count = http_requests(httpd.port, args.seconds, per_nonce)
                except (OSError, RuntimeError, http.client.HTTPException) as e:
                    cell.why[impl] = str(e)
                    continue
                cell.values[impl].append(rate)
                cell.extra[impl].append((httpd.cpu() - cpu0) / max(count, 1) * 1e6)
        log(f'http: repetition {rep + 1} of {args.reps} done')


class Cell:
    """One measurement: its samples for ours and stock, one per repetition."""

    def __init__(self, table, label):
        self.table = table
        self.label = label
        self.values = {'ours': [], 'stock': []}
        self.extra = {'ours': [], 'stock': []}  # a second figure (CPU per operation)
        self.rounds = {'ours': [], 'stock': []}  # SASL round trips per bind
        self.why = {}

    def ratios(self):
        return [o / s for o, s in zip(self.values['ours'], self.values['stock']) if s > 0]


def run_load(args, plugin_dir, mode, uri, secprops, dn, conns, seconds, options, reauth=False):
    cmd = [args.load, mode, uri, REALM, 'alice', ALICE_PW, secprops, dn, str(conns),
           str(seconds)]
    if reauth:
        cmd.append('--client-reauth')
    for o in options:
        cmd += ['--opt', o]
    p = subprocess.run(cmd, env=dict(os.environ, SASL_PATH=plugin_dir, LDAPNOINIT='1'),
                       capture_output=True, text=True, timeout=seconds * 4 + 60)
    out = {}
    for line in p.stdout.splitlines():
        k, _, v = line.partition('\t')
        out[k] = float(v)
    if p.returncode != 0:
        out['error'] = (p.stderr.strip().splitlines() or [f'exit {p.returncode}'])[-1]
    return out


def bind_cell(args, cell, impl, slapd, client_dir, secprops, conns, options, reauth):
    ops0 = slapd.bind_ops()
    cpu0 = slapd.cpu()
    r = run_load(args, client_dir, 'binds', slapd.uri, secprops, ALICE_DN, conns, args.seconds,
                 options, reauth)
    cpu1 = slapd.cpu()
    # bind_ops' own bind counts once; failed binds' rounds too (there are none when it passes).
    rounds = (slapd.bind_ops() - ops0 - 1) / max(r.get('count', 0), 1)
    if 'error' in r:
        cell.why[impl] = r['error']
        return
    cell.values[impl].append(r['binds'])
    cell.rounds[impl].append(rounds)
    server_us = (cpu1 - cpu0) / max(r['count'], 1) * 1e6
    cell.extra[impl].append(server_us if cell.table.startswith('server') else r['cpu_us'])


def order(rep):
    return ('ours', 'stock') if rep % 2 == 0 else ('stock', 'ours')


def measure_binds(args, plugins, slapds, cells):
    """Server side: slapd loads ours or stock, the client is ours. Client side: the reverse."""
    for rep in range(args.reps):
        for name, secprops, options in BIND_CASES:
            for k in args.conns:
                for side in ('server', 'client'):
                    cell = cells.setdefault((side, name, k), Cell(side + ' binds',
                                                                  f'{name} K={k}'))
                    for impl in order(rep):
                        if impl == 'stock' and name in STOCK_FAILS:
                            cell.why['stock'] = 'the stock plugin cannot start 3des'
                            continue
                        slapd = slapds[(impl, False)] if side == 'server' else slapds[('ours',
                                                                                        False)]
                        client = plugins.dirs['ours' if side == 'server' else impl]
                        bind_cell(args, cell, impl, slapd, client, secprops, k, options, False)
        log(f'binds: repetition {rep + 1} of {args.reps} done')


def measure_reauth(args, plugins, slapds, cells):
    """reauth_timeout on the server. Server side: our client with digestmd5_client_reauth=yes;
    again with the stock client (whose cache is always on; it reuses its cnonce, which our
    server refuses for a layer, and its cache is not safe with many threads: K <= 4 only);
    client side: our server, our client with digestmd5_client_reauth=yes against the stock
    client."""
    variants = (('server', 'ours', 'server binds, reauth_timeout'),
                ('server', 'stock', 'server binds, reauth_timeout, stock client'),
                ('client', None, 'client binds, reauth_timeout'))
    for rep in range(args.reps):
        for name, secprops, options in REAUTH_CASES:
            for k in args.conns:
                for side, fixed_client, table in variants:
                    if fixed_client == 'stock' and k > 4:
                        continue
                    cell = cells.setdefault((table, name, k), Cell(table, f'{name} K={k}'))
                    for impl in order(rep):
                        slapd = slapds[(impl if side == 'server' else 'ours', True)]
                        client = fixed_client or impl
                        bind_cell(args, cell, impl, slapd, plugins.dirs[client], secprops, k,
                                  options, client == 'ours')
        log(f'reauth: repetition {rep + 1} of {args.reps} done')


def measure_search(args, plugins, slapds, cells):
    """Both sides the same plugin; about 10 MB per search, MB/s on the client."""
    for rep in range(args.reps):
        for name, secprops, options, ssf in SEARCH_CASES:
            cell = cells.setdefault(('search', name), Cell('search', name))
            for impl in order(rep):
                if impl == 'stock' and name in STOCK_FAILS:
                    cell.why['stock'] = ('cannot start 3des' if name == '3des'
                                         else 'no aes-cbc (negotiates rc4)')
                    continue
                r = run_load(args, plugins.dirs[impl], 'search', slapds[(impl, False)].uri,
                             secprops, SUFFIX, 1, args.seconds, options)
                if 'error' not in r and r['ssf'] != ssf:
                    r['error'] = f'SSF {r["ssf"]:.0f}, expected {ssf}'
                if 'error' in r:
                    cell.why[impl] = r['error']
                    continue
                cell.values[impl].append(r['mbps'])
                cell.extra[impl].append(r['octets'] / 1e6)
        log(f'search: repetition {rep + 1} of {args.reps} done')


def med(values):
    return statistics.median(values) if values else None


# perf's shared objects, grouped for the CPU shares of a bind.
PERF_GROUPS = [
    ('plugin', re.compile(r'^libdigestmd5')),
    ('libcrypto', re.compile(r'^(libcrypto|legacy\.so)')),
    ('libsasl2', re.compile(r'^libsasl2')),
    ('sasldb+libdb', re.compile(r'^(libsasldb|libdb-)')),
    ('slapd+libldap', re.compile(r'^(slapd|libldap|liblber|back_)')),
    ('libc', re.compile(r'^(libc\.so|ld-linux)')),
    ('kernel', re.compile(r'^\[kernel')),
]


def perf_shares(pid, seconds, run):
    """Samples `pid` with perf while `run()` loads it; returns {group: percent of samples}."""
    data = tempfile.mktemp(prefix='dmd5-perf.')
    rec = subprocess.Popen(['perf', 'record', '-q', '-F', '1999', '-p', str(pid), '-o', data,
                            '--', 'sleep', str(seconds)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        run()
    finally:
        rec.wait()
    rep = subprocess.run(['perf', 'report', '-i', data, '--stdio', '--sort', 'dso', '-q'],
                         capture_output=True, text=True)
    os.unlink(data)
    shares = {g: 0.0 for g, _ in PERF_GROUPS}
    shares['other'] = 0.0
    for line in rep.stdout.splitlines():
        m = re.match(r'\s*([\d.]+)%\s+(\S+)', line)
        if not m:
            continue
        group = next((g for g, rx in PERF_GROUPS if rx.search(m.group(2))), 'other')
        shares[group] += float(m.group(1))
    return shares


def measure_perf(args, plugins, slapds):
    """Where slapd's CPU goes during binds (K=4, our client): the plugin's own share."""
    if shutil.which('perf') is None:
        print('\nperf: not installed (Debian package linux-perf); no CPU shares')
        return
    print(f'\nslapd CPU by shared object during server binds (K=4, client: ours; perf record '
          f'-F 1999 for {args.seconds:g} s), % of samples. plugin = libdigestmd5 itself; '
          'libcrypto is called by our plugin only (slapd uses GnuTLS; the stock plugin uses it '
          'for RC4/DES, its MD5 is libsasl2\'s). plugin+crypto us = their share of slapd\'s CPU '
          'per bind (measured under perf)')
    groups = [g for g, _ in PERF_GROUPS] + ['other']
    print(f'{"case":14} {"server":6} ' + ' '.join(f'{g:>13}' for g in groups) +
          f' {"srv us/bind":>12} {"plugin+crypto us":>17}')
    for name, secprops, options in BIND_CASES[:3]:
        for impl in ('ours', 'stock'):
            slapd = slapds[(impl, False)]
            result = {}

            def run():
                cpu0 = slapd.cpu()
                result.update(run_load(args, plugins.dirs['ours'], 'binds', slapd.uri,
                                       secprops, ALICE_DN, 4, args.seconds, options))
                result['us'] = (slapd.cpu() - cpu0) / max(result.get('count', 1), 1) * 1e6
            shares = perf_shares(slapd.proc.pid, args.seconds, run)
            us = result['us']
            own = (shares['plugin'] + shares['libcrypto']) / 100 * us
            print(f'{name:14} {impl:6} ' + ' '.join(f'{shares[g]:13.1f}' for g in groups) +
                  f' {us:12.1f} {own:17.1f}')


def fmt(v, digits=0):
    return '-' if v is None else f'{v:,.{digits}f}'


# Two-sided 95% Student t quantiles by degrees of freedom (for the ratio's confidence interval).
T95 = {1: 12.71, 2: 4.30, 3: 3.18, 4: 2.78, 5: 2.57, 6: 2.45, 7: 2.36, 8: 2.31, 9: 2.26,
       10: 2.23, 12: 2.18, 15: 2.13, 20: 2.09, 30: 2.04}


def interval(ratios):
    """95% confidence interval of the geometric mean of per-repetition ratios, or None."""
    if len(ratios) < 2:
        return None
    logs = [math.log(r) for r in ratios]
    mean = statistics.mean(logs)
    df = len(logs) - 1
    t = T95[max(k for k in T95 if k <= df)]
    half = t * statistics.stdev(logs) / math.sqrt(len(logs))
    return math.exp(mean - half), math.exp(mean + half)


def verdict(ratios):
    """ahead / BEHIND when the 95% interval of ours/stock excludes 1, else a tie within it."""
    ci = interval(ratios)
    if ci is None:
        return '-'
    lo, hi = ci
    if lo > 1:
        return 'ahead'
    if hi < 1:
        return 'BEHIND'
    return 'tie'


def print_table(title, unit, extra_unit, cells):
    print(f'\n{title}')
    rounds = any(c.rounds['ours'] or c.rounds['stock'] for c in cells)
    print(f'{"case":16} {"ours " + unit:>14} {"stock":>10} {"ours/stock":>10} '
          f'{"95% CI":>11} {"verdict":>12} {"ours " + extra_unit:>16} {"stock":>9}' +
          (f' {"rounds ours":>12} {"stock":>6}' if rounds else ''))
    for c in cells:
        o = statistics.median(c.values['ours']) if c.values['ours'] else None
        s = statistics.median(c.values['stock']) if c.values['stock'] else None
        rs = c.ratios()
        r = statistics.median(rs) if rs else None
        ci = interval(rs)
        spread = f'{ci[0]:.2f}-{ci[1]:.2f}' if ci else '-'
        eo = statistics.median(c.extra['ours']) if c.extra['ours'] else None
        es = statistics.median(c.extra['stock']) if c.extra['stock'] else None
        print(f'{c.label:16} {fmt(o, 1 if unit == "MB/s" else 0):>14} '
              f'{fmt(s, 1 if unit == "MB/s" else 0):>10} {fmt(r, 2):>10} {spread:>11} '
              f'{verdict(rs):>12} {fmt(eo, 1):>16} {fmt(es, 1):>9}' +
              (f' {fmt(med(c.rounds["ours"]), 2):>12} {fmt(med(c.rounds["stock"]), 2):>6}'
               if rounds else ''))
    for c in cells:
        for impl, why in c.why.items():
            if not c.values[impl]:
                print(f'  n/a  {impl} {c.label}: {why}')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--ours', required=True)
    ap.add_argument('--stock', default=STOCK_DIR)
    ap.add_argument('--load', required=True)
    ap.add_argument('--reps', type=int, default=6)
    ap.add_argument('--seconds', type=float, default=1.5)
    ap.add_argument('--conns', default='1,4,16')
    ap.add_argument('--only', default='binds,reauth,search,http,perf')
    args = ap.parse_args()
    args.conns = [int(k) for k in args.conns.split(',')]
    parts = set(args.only.split(','))
    if os.geteuid() != 0:
        sys.exit('servers.py: must run as root (mount namespaces for slapd)')
    # A SIGTERM (make interrupted, a CI timeout) still stops the daemons and removes the files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = tempfile.mkdtemp(prefix='dmd5-bench-servers.')
    os.chmod(tmp, 0o755)
    procs = []
    status = 0
    try:
        plugins = Plugins(tmp, args.ours, args.stock)
        sasldb = make_sasldb(tmp, plugins)
        seed = os.path.join(tmp, 'seed-db')
        os.makedirs(seed)
        seed_conf = os.path.join(tmp, 'seed.conf')
        with open(seed_conf, 'w') as f:
            f.write(slapd_conf(tmp).replace(f'directory {tmp}/db', f'directory {seed}'))
        subprocess.run(['slapadd', '-q', '-f', seed_conf], input=ldif().encode(), check=True,
                       capture_output=True)
        slapds = {}
        for impl in ('ours', 'stock'):
            for reauth in (False, True):
                s = Slapd(tmp, impl + ('-reauth' if reauth else ''), plugins.dirs[impl], sasldb,
                          reauth, seed)
                slapds[(impl, reauth)] = s
                procs.append(s)
        print('DIGEST-MD5 in servers: our plugin against the stock plugin')
        print(f'machine: {cpu_model()}, {os.cpu_count()} CPUs, Linux {platform.release()}')
        print(f'versions: {versions()}')
        print(f'ours:  {plugins.so("ours")}\nstock: {plugins.so("stock")}')
        print(f'method: {args.reps} repetitions of {args.seconds:g} s cells; in each repetition '
              'ours and stock back to back, which first alternating; medians over the '
              'repetitions; ours/stock = median of the per-repetition ratios; 95% CI = '
              'confidence interval of their geometric mean (Student t); verdict: ahead or '
              'BEHIND when the interval excludes 1, else a tie within it. Wall-clock rates: '
              'load client and server share the machine')
        # Warm-up: every slapd maps its database and every plugin loads once before timing.
        for (impl, _), s in slapds.items():
            run_load(args, plugins.dirs[impl], 'search', s.uri, 'maxssf=0', SUFFIX, 1, 0.5, [])
            run_load(args, plugins.dirs[impl], 'binds', s.uri, 'maxssf=0', ALICE_DN, 2, 0.5, [])
        cells = {}
        if 'binds' in parts:
            measure_binds(args, plugins, slapds, cells)
        if 'reauth' in parts:
            measure_reauth(args, plugins, slapds, cells)
        if 'search' in parts:
            measure_search(args, plugins, slapds, cells)
        if 'http' in parts:
            servers = {}
            for impl in ('ours', 'stock'):
                servers[impl] = CyrusHttpd(tmp, impl, plugins.dirs[impl], sasldb)
                procs.append(servers[impl])
            os.chmod(sasldb, 0o644)  # the cyrus user reads it
            measure_http(args, servers, cells)
        tables = {}
        for c in cells.values():
            tables.setdefault(c.table, []).append(c)
        for title, cs in tables.items():
            if title == 'http':
                print_table('Cyrus httpd 3.6 (one httpd process), GET /rss with Digest MD5-sess: '
                            'a connection, a 401 challenge, then 1 or 10 authorized requests on '
                            'its nonce (nc 1, 2, ...): authorized requests/s. Extra: httpd CPU '
                            'us per authorized request', 'req/s', 'srv us', cs)
            elif title == 'search':
                print_table('Search throughput: one connection, subtree search of ~10 MB, MB/s '
                            'on the client (both sides the same plugin)', 'MB/s', 'MB/search', cs)
            elif title.startswith('server'):
                client = 'stock' if title.endswith('stock client') else 'ours'
                print_table(f'slapd {title}: binds/s (slapd loads the plugin under test; client: '
                            f'{client}). Extra: slapd CPU us per bind', 'binds/s', 'srv us', cs)
            else:
                print_table(f'slapd {title}: binds/s (ldap_load loads the plugin under test; '
                            'slapd: ours). Extra: client CPU us per bind', 'binds/s', 'cli us', cs)
        if 'perf' in parts:
            measure_perf(args, plugins, slapds)
        # Exit status: whether every measurement of ours ran (the CI's smoke run checks it).
        failed = [c.label for c in cells.values() if not c.values['ours']]
        if failed:
            print(f'\nservers.py: no figure for ours in: {", ".join(failed)}')
            status = 1
    finally:
        for p in procs:
            p.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return status


def cpu_model():
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    return platform.machine()


def versions():
    def pkg(name):
        r = subprocess.run(['dpkg-query', '-W', '-f=${Version}', name], capture_output=True,
                           text=True)
        return r.stdout or '?'
    return (f'slapd {pkg("slapd")}, libsasl2 {pkg("libsasl2-2")}, stock plugin '
            f'libsasl2-modules {pkg("libsasl2-modules")}, OpenSSL {pkg("libssl3")}, '
            f'cyrus-caldav {pkg("cyrus-caldav")}')


if __name__ == '__main__':
    sys.exit(main())
