#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# ldap_binds.py URI USER PASSWORD COUNT SECPROPS: binds COUNT times with DIGEST-MD5 in one
# process (python-ldap over libldap and libsasl2, so the client plugin's per-process cache of
# subsequent authentication can act), printing whoami after each bind.
import sys

import ldap
import ldap.sasl

uri, user, password, count, secprops = sys.argv[1:6]
for _ in range(int(count)):
    conn = ldap.initialize(uri)
    conn.set_option(ldap.OPT_X_SASL_NOCANON, 1)  # digest-uri ldap/127.0.0.1, as ldapwhoami -N
    conn.set_option(ldap.OPT_X_SASL_SECPROPS, secprops)
    conn.sasl_interactive_bind_s("", ldap.sasl.digest_md5(user, password))
    print(conn.whoami_s())
    conn.unbind_s()
