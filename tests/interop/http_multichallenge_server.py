#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""http_multichallenge_server.py: an HTTP server that offers several Digest challenges at once.

It shows which challenge a client answers when a 401 carries one Digest challenge per algorithm,
either all in ONE WWW-Authenticate header (--mode one-header) or in one header each
(--mode two-headers), in the order of --algorithms. Every challenge has the same realm and nonce,
so the client's choice shows only in its algorithm parameter. It prints "PORT <n>" once
listening, then one line per request that carried Digest credentials:
  AUTH algorithm=<as sent, "absent" if none> valid=yes|no
and answers 200 when the response is right for the algorithm the client named, 401 otherwise.
"""

import argparse
import http.server
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_digest_client as dig  # noqa: E402

NONCE = "bXVsdGktY2hhbGxlbmdlLW5vbmNl"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--mode", choices=["one-header", "two-headers"], required=True)
    ap.add_argument("--algorithms", default="SHA-256,MD5")
    ap.add_argument("--realm", default="multi-realm")
    ap.add_argument("--user", default="alice")
    ap.add_argument("--password", default="pw")
    args = ap.parse_args()
    challenges = [f'Digest realm="{args.realm}", nonce="{NONCE}", qop="auth", algorithm={a}'
                  for a in args.algorithms.split(",")]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):  # keep stdout for the AUTH lines
            pass

        def do_GET(self):
            auth = self.headers.get("Authorization", "")
            ok = False
            if auth.lower().startswith("digest "):
                p = dig.parse_challenges([auth])[0][1]
                alg = p.get("algorithm", "")
                try:
                    a1 = dig.ha1(alg or "MD5", p.get("username", ""), p.get("realm", ""),
                                 args.password, p.get("nonce", ""), p.get("cnonce", ""))
                    want = dig.response_value(alg or "MD5", a1, p.get("nonce", ""),
                                              p.get("nc", ""), p.get("cnonce", ""),
                                              p.get("qop", ""), self.command, p.get("uri", ""))
                    ok = (p.get("response", "").lower() == want and p.get("nonce") == NONCE
                          and p.get("username") == args.user)
                except KeyError:
                    ok = False
                print(f"AUTH algorithm={alg or 'absent'} valid={'yes' if ok else 'no'}",
                      flush=True)
            body = b"ok\n" if ok else b"unauthorized\n"
            self.send_response(200 if ok else 401)
            if not ok:
                if args.mode == "one-header":
                    self.send_header("WWW-Authenticate", ", ".join(challenges))
                else:
                    for c in challenges:
                        self.send_header("WWW-Authenticate", c)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = http.server.HTTPServer(("127.0.0.1", args.port), Handler)
    print(f"PORT {srv.server_address[1]}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
