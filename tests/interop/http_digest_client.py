#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""http_digest_client.py: an independent HTTP Digest client (RFC 7616) for the HTTP interop tests.

It computes Digest itself, with a chosen algorithm, nonce count and cnonce, and can keep a nonce
across runs (--state), so a test can replay a count, skip ahead, or present a nonce the server
has forgotten. Output, one line each:
  challenge: <WWW-Authenticate value>          every challenge header of the first 401
  nc=<8 hex> status=<code> rspauth=ok|bad|absent stale=yes|no algorithm=<name>
  www-authenticate: <value>                    after each request that got them
  authentication-info: <value>
Exit status 0 when every request got a response (whatever its code), 2 on usage or I/O errors.
The module's functions are also used by http_multichallenge_server.py.
"""

import argparse
import hashlib
import http.client
import json
import os
import re
import sys

ALGORITHMS = {
    "md5": "md5",
    "sha-256": "sha256",
    "sha-512-256": "sha512_256",
}


def hasher(algorithm):
    """Returns H() for an RFC 7616 algorithm name (with or without -sess)."""
    base = algorithm.lower()
    if base.endswith("-sess"):
        base = base[: -len("-sess")]
    name = ALGORITHMS[base]
    return lambda s: hashlib.new(name, s.encode("utf-8")).hexdigest()


def ha1(algorithm, user, realm, password, nonce, cnonce):
    h = hasher(algorithm)
    a1 = h(f"{user}:{realm}:{password}")
    if algorithm.lower().endswith("-sess"):
        a1 = h(f"{a1}:{nonce}:{cnonce}")
    return a1


def response_value(algorithm, a1, nonce, nc, cnonce, qop, method, uri):
    """request-digest; method "" gives rspauth (the server's proof in Authentication-Info)."""
    h = hasher(algorithm)
    a2 = h(f"{method}:{uri}")
    return h(f"{a1}:{nonce}:{nc}:{cnonce}:{qop}:{a2}")


_TOKEN = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,=";]+)|(=)|(,))')


def parse_challenges(values):
    """Splits WWW-Authenticate values into [(scheme lower-case, {param: value})] in order.

    A token that is not followed by '=' starts a new challenge, so several challenges in one
    header and several headers give the same list.
    """
    out = []
    for value in values:
        toks = []
        pos = 0
        while pos < len(value):
            m = _TOKEN.match(value, pos)
            if not m or m.end() == pos:
                break
            pos = m.end()
            if m.group(1) is not None:
                toks.append(("q", re.sub(r"\\(.)", r"\1", m.group(1))))
            elif m.group(2) is not None:
                toks.append(("t", m.group(2)))
            elif m.group(3):
                toks.append(("=", "="))
            else:
                toks.append((",", ","))
        i = 0
        while i < len(toks):
            kind, text = toks[i]
            if kind == "t" and (i + 1 >= len(toks) or toks[i + 1][0] != "="):
                out.append((text.lower(), {}))
                i += 1
                continue
            if kind == "t" and out and i + 2 < len(toks) and toks[i + 1][0] == "=":
                out[-1][1][text.lower()] = toks[i + 2][1]
                i += 3
                continue
            i += 1
    return out


def authorization(user, password, method, uri, chal, algorithm, nc, cnonce, qop="auth"):
    """Builds the Authorization value for one challenge; returns (value, ha1)."""
    nonce = chal["nonce"]
    realm = chal.get("realm", "")
    a1 = ha1(algorithm, user, realm, password, nonce, cnonce)
    resp = response_value(algorithm, a1, nonce, nc, cnonce, qop, method, uri)
    parts = [
        f'username="{user}"',
        f'realm="{realm}"',
        f'nonce="{nonce}"',
        f'uri="{uri}"',
        f"algorithm={algorithm}",
        f'cnonce="{cnonce}"',
        f"nc={nc}",
        f"qop={qop}",
        f'response="{resp}"',
    ]
    if "opaque" in chal:
        parts.append(f'opaque="{chal["opaque"]}"')
    return "Digest " + ", ".join(parts), a1


def pick(challenges, algorithm):
    """The first Digest challenge offering `algorithm` (absent means MD5), else the first one."""
    digests = [c for s, c in challenges if s == "digest"]
    if not digests:
        return None
    if algorithm:
        for c in digests:
            if c.get("algorithm", "MD5").lower() == algorithm.lower():
                return c
    return digests[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--path", default="/")
    ap.add_argument("--method", default="GET")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--algorithm", help="MD5, MD5-sess, SHA-256, SHA-256-sess, SHA-512-256[-sess], "
                    "or 'unoffered' (the first of these no challenge offers); "
                    "default: the chosen challenge's")
    ap.add_argument("--nc", default="1", help="comma-separated nonce counts, one request each")
    ap.add_argument("--cnonce", default="0a4f113b")
    ap.add_argument("--state", help="JSON file: reuse its challenge instead of asking for one; "
                    "the challenge used is written back")
    args = ap.parse_args()

    conn = http.client.HTTPConnection(args.host, args.port, timeout=10)

    def send(auth):
        headers = {"Authorization": auth} if auth else {}
        try:
            conn.request(args.method, args.path, headers=headers)
            r = conn.getresponse()
            r.read()
        except (OSError, http.client.HTTPException):
            conn.close()  # one retry on a fresh connection (the server may have closed it)
            conn.request(args.method, args.path, headers=headers)
            r = conn.getresponse()
            r.read()
        return r

    chal = None
    if args.state and os.path.exists(args.state):
        with open(args.state) as f:
            chal = json.load(f)
    else:
        r = send(None)
        values = r.msg.get_all("WWW-Authenticate") or []
        for v in values:
            print(f"challenge: {v}")
        challenges = parse_challenges(values)
        if args.algorithm == "unoffered":
            offered = {c.get("algorithm", "MD5").lower() for s, c in challenges if s == "digest"}
            args.algorithm = next(a for a in ("MD5", "MD5-sess", "SHA-256", "SHA-256-sess",
                                              "SHA-512-256", "SHA-512-256-sess")
                                  if a.lower() not in offered)
        chal = pick(challenges, args.algorithm)
        if r.status != 401 or chal is None or "nonce" not in chal:
            print(f"error: no Digest challenge (status {r.status})")
            return 2
    if args.state:
        with open(args.state, "w") as f:
            json.dump(chal, f)
    algorithm = args.algorithm or chal.get("algorithm", "MD5")

    for n in args.nc.split(","):
        nc = f"{int(n, 16):08x}"
        auth, a1 = authorization(args.user, args.password, args.method, args.path, chal,
                                 algorithm, nc, args.cnonce)
        r = send(auth)
        wa = r.msg.get_all("WWW-Authenticate") or []
        info = r.msg.get("Authentication-Info")
        rspauth = "absent"
        if info:
            params = parse_challenges(["x " + info])[0][1]
            want = response_value(algorithm, a1, chal["nonce"], nc, args.cnonce, "auth", "",
                                  args.path)
            rspauth = "ok" if params.get("rspauth", "").lower() == want else "bad"
        stale = any(c.get("stale", "").lower() == "true" for _, c in parse_challenges(wa))
        print(f"nc={nc} status={r.status} rspauth={rspauth} stale={'yes' if stale else 'no'} "
              f"algorithm={algorithm}")
        for v in wa:
            print(f"www-authenticate: {v}")
        if info:
            print(f"authentication-info: {info}")
        sys.stdout.flush()
    conn.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, http.client.HTTPException) as e:
        print(f"error: {e}")
        sys.exit(2)
