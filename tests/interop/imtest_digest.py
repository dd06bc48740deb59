#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for run_imapd.sh: read what Cyrus imtest printed, and make a big test message.

  imtest_digest.py summary FILE    key=value lines about the DIGEST-MD5 exchanges in imtest's output
  imtest_digest.py message DIR N   writes DIR/msg.eml (about N octets of base64 lines) and
                                   DIR/append.cmds (an APPEND of it as a LITERAL+ literal)
  imtest_digest.py fetched FILE    SHA-256 of the first FETCH literal in imtest's output
"""
import base64
import hashlib
import os
import re
import sys


def decode(b64: bytes) -> str:
    try:
        return base64.b64decode(b64.strip(), validate=True).decode("utf-8", "replace")
    except Exception:  # not a SASL token
        return ""


def directive(text: str, name: str) -> str:
    m = re.search(r'(?:^|,)\s*%s=("?)([^",]*)\1' % re.escape(name), text)
    return m.group(2) if m else "-"


def summary(path: str) -> None:
    """One imtest run may hold several connections (-n): counts cover all; the rest is the last."""
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    challenges = stale = oks = nos = 0
    qop = cipher = protection = ssf = "-"
    for raw in lines:
        line = raw.rstrip(b"\r")
        if line.startswith(b"S: + "):
            text = decode(line[5:])
            if "nonce=" in text:
                challenges += 1
                if directive(text, "stale") == "true":
                    stale += 1
        elif line.startswith(b"C: A01 AUTHENTICATE DIGEST-MD5 "):  # initial response (SASL-IR)
            text = decode(line.split(b" ", 4)[4])
            if "response=" in text:
                qop, cipher = directive(text, "qop"), directive(text, "cipher")
        elif line.startswith(b"C: ") and not re.match(rb"C: [A-Z]\d\d ", line):
            text = decode(line[3:])
            if "response=" in text:
                qop, cipher = directive(text, "qop"), directive(text, "cipher")
        elif line.startswith(b"S: A01 OK"):
            oks += 1
            m = re.search(rb"Success \(([a-z ]+) protection\)", line)
            protection = m.group(1).decode() if m else "?"
        elif line.startswith(b"S: A01 NO") or line.startswith(b"S: A01 BAD"):
            nos += 1
        elif line.startswith(b"Security strength factor: "):
            ssf = line.split(b": ", 1)[1].decode()
    print(f"oks={oks}\nnos={nos}\nchallenges={challenges}\nstale={stale}\nqop={qop}\n"
          f"cipher={cipher}\nprotection={protection.replace(' ', '_')}\nssf={ssf}")


def message(directory: str, size: int) -> None:
    raw = base64.b64encode(os.urandom(size * 3 // 4)).decode()
    body = "".join(raw[i:i + 76] + "\r\n" for i in range(0, len(raw), 76))
    msg = ("From: alice@imap.example\r\nTo: alice@imap.example\r\nSubject: big message\r\n"
           "Message-ID: <big-%s@imap.example>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
           "MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\n" % os.urandom(8).hex() + body).encode()
    with open(os.path.join(directory, "msg.eml"), "wb") as f:
        f.write(msg)
    # A non-synchronising literal (the server announces LITERAL+): the bytes follow at once.
    with open(os.path.join(directory, "append.cmds"), "wb") as f:
        f.write(b"B01 APPEND INBOX {%d+}\r\n" % len(msg) + msg + b"\r\n")


def fetched(path: str) -> None:
    with open(path, "rb") as f:
        data = f.read()
    m = re.search(rb"\* \d+ FETCH \(.*?BODY\[\] \{(\d+)\}\r\n", data)
    if not m:
        print("no-literal")
        return
    n = int(m.group(1))
    # imtest echoes the commands it sends ("C: Q01 LOGOUT\r\n") into the same output, also in the
    # middle of a literal it is still printing; base64 lines never contain "C: ".
    rest = re.sub(rb"C: [A-Z]\d\d [A-Z][^\r\n]*\r?\n", b"", data[m.end():])
    body = rest[:n]
    print(hashlib.sha256(body).hexdigest() if len(body) == n else f"short-literal-{len(body)}-of-{n}")


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "summary" and len(sys.argv) == 3:
        summary(sys.argv[2])
    elif cmd == "message" and len(sys.argv) == 4:
        message(sys.argv[2], int(sys.argv[3]))
    elif cmd == "fetched" and len(sys.argv) == 3:
        fetched(sys.argv[2])
    else:
        sys.exit(__doc__)
