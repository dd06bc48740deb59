// SPDX-License-Identifier: BSD-3-Clause
// gsasl_peer — a GNU SASL (libgsasl) DIGEST-MD5 test peer, client or server, for the interop tests.
//
// It speaks the wire framing and prints the result lines of tests/peers/sasl_peer.cpp (read the
// comment at its top), so either program can be the other's partner:
//   "C -" / "C <b64>"  client response      "S <b64>"  server challenge
//   "OK <b64>" / "OK"  success (+ data)     "NO <text>" failure
//   data phase: "E <size>", "D <b64>"..., "F" per message, the server echoes it, "BYE" at the end.
// In the data phase every "D" line carries whole security-layer packets (4-octet length prefix
// each); this peer splits a line into packets itself because gsasl_decode must be given exactly
// one whole packet (it finds the MAC by counting from the end of its input). gsasl_encode makes
// one packet per call, so a message is cut into pieces of at most --max-piece octets first.
// With qop=auth the "D" lines carry the plaintext, as sasl_peer does at SSF 0.
//
// libgsasl knows qop auth and auth-int only (no auth-conf), sends no maxbuf and checks none.
// The qop the server's client chose is not a libgsasl property: the server reads it from the
// client's response token.
//
// Command line:
//   gsasl_peer (--server|--client) --port P [--service S (ldap)] [--host H (localhost)]
//              [--realm R] [--echo-sizes a,b,c] [--max-piece N (65520)] [--timeout SEC (20)]
//              [--verbose]
//   server:    --user NAME:PASSWORD (repeatable) --allow-proxy AUTHID:AUTHZID (repeatable)
//              --qops auth|auth-int|auth,auth-int (default auth,auth-int: what the challenge offers)
//   client:    --user AUTHID --password PW [--authzid Z] [--qop auth|auth-int (default auth)]
// Output lines: "PORT <n>" (server, --port 0), "AUTH OK", "SSF <0|1>", "MAXOUTBUF <n>", server
// "AUTHID <name>" and "AUTHZID <name>" (when given and different) and "REALM <realm>";
// "AUTH FAIL <gsasl code> <name>: <text>", "PEER FAIL <text>", "RECV OK|FAIL <size> ...",
// "ECHO OK|FAIL <size> ...", "TIMEOUT <phase>". Exit codes: 0 success, 1 authentication failed,
// 2 data phase failed, 3 usage or setup error.

#include <gsasl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "peer_wire.hpp"

namespace {

using namespace peer_wire;

constexpr const char* kMech = "DIGEST-MD5";

struct Options {
    bool server = false;
    bool client = false;
    int port = -1;
    std::string service = "ldap";
    std::string host = "localhost";
    std::string realm;
    bool have_realm = false;
    std::string user;
    std::string password;
    std::string authzid;
    std::string qop = "auth";             // client: the qop it asks for
    std::string qops = "auth,auth-int";   // server: the qops it offers
    std::vector<size_t> echo_sizes;
    size_t max_piece = 65520;
    int timeout = 20;
    bool verbose = false;
};

Options g_opt;
std::map<std::string, std::string> g_users;             // server: name -> password
std::set<std::pair<std::string, std::string>> g_proxy;  // server: allowed (authid, authzid)

void verbose(const std::string& s) {
    if (g_opt.verbose) std::fprintf(stderr, "gsasl_peer: %s\n", s.c_str());
}

[[noreturn]] void setup_fail(const std::string& why) {
    std::fprintf(stderr, "gsasl_peer: %s\n", why.c_str());
    std::exit(kExitSetup);
}

[[noreturn]] void usage() {
    std::fputs(
        "usage: gsasl_peer (--server|--client) --port P [options]\n"
        "  common: --service S --host H --realm R --echo-sizes a,b --max-piece N --timeout SEC --verbose\n"
        "  server: --user NAME:PASSWORD --allow-proxy AUTHID:AUTHZID --qops auth[,auth-int]\n"
        "  client: --user AUTHID --password PW --authzid Z --qop auth|auth-int\n",
        stderr);
    std::exit(kExitSetup);
}

std::string gsasl_text(int rc) {
    const char* name = gsasl_strerror_name(rc);
    const char* text = gsasl_strerror(rc);
    return std::to_string(rc) + " " + (name ? name : "?") + ": " + (text ? text : "?");
}

// ---------------------------------------------------------------- data phase

struct Layer {
    Gsasl_session* sess = nullptr;
    bool integrity = false;  // qop=auth-int
};

std::string send_message(LineConn& c, const Layer& l, const std::string& msg) {
    must_send(c, "E " + std::to_string(msg.size()));
    size_t step = l.integrity ? g_opt.max_piece : 65536;
    for (size_t off = 0; off < msg.size(); off += step) {
        size_t n = std::min(step, msg.size() - off);
        if (!l.integrity) {
            must_send(c, "D " + b64_encode(reinterpret_cast<const unsigned char*>(msg.data() + off), n));
            continue;
        }
        char* out = nullptr;
        size_t outlen = 0;
        int rc = gsasl_encode(l.sess, msg.data() + off, n, &out, &outlen);
        if (rc != GSASL_OK) return "encode " + gsasl_text(rc);
        must_send(c, "D " + b64_encode(reinterpret_cast<const unsigned char*>(out), outlen));
        gsasl_free(out);
    }
    must_send(c, "F");
    return "";
}

// Reads a message's "D" lines up to "F"; plaintext goes to msg. Returns an error text or "".
std::string recv_message(LineConn& c, const Layer& l, std::string& msg) {
    msg.clear();
    std::string err;
    for (;;) {
        auto [tag, rest] = split_tag(must_read(c));
        if (tag == "F") return err;
        if (tag == "NO") return "peer: " + rest;
        if (tag != "D") return "protocol: unexpected '" + tag + "'";
        std::string wire;
        if (!b64_decode(rest, wire)) return "protocol: bad base64";
        if (!err.empty()) continue;
        if (!l.integrity) {
            msg += wire;
            continue;
        }
        size_t off = 0;
        while (off < wire.size()) {
            if (wire.size() - off < 4) {
                err = "protocol: " + std::to_string(wire.size() - off) + " stray octets after the last packet";
                break;
            }
            auto u = [&](size_t i) { return uint32_t(static_cast<unsigned char>(wire[off + i])); };
            size_t len = (u(0) << 24) | (u(1) << 16) | (u(2) << 8) | u(3);
            // libgsasl's decoder subtracts the 16-octet trailer from the length unchecked.
            if (len < 16 || len > wire.size() - off - 4) {
                err = "protocol: bad packet length " + std::to_string(len);
                break;
            }
            char* out = nullptr;
            size_t outlen = 0;
            int rc = gsasl_decode(l.sess, wire.data() + off, len + 4, &out, &outlen);
            if (rc != GSASL_OK) {
                err = "decode " + gsasl_text(rc);
                break;
            }
            msg.append(out, outlen);
            gsasl_free(out);
            off += len + 4;
        }
    }
}

void report_layer(const Layer& l) {
    out_line(std::string("SSF ") + (l.integrity ? "1" : "0"));
    out_line("MAXOUTBUF " + std::to_string(l.integrity ? g_opt.max_piece : 0));
}

int client_data_phase(LineConn& c, const Layer& l) {
    g_phase_exit = kExitData;
    for (size_t size : g_opt.echo_sizes) {
        std::string s = std::to_string(size);
        std::string err = send_message(c, l, make_message(size));
        if (!err.empty()) {
            out_line("ECHO FAIL " + s + " " + err);
            must_send(c, "NO " + err);
            return kExitData;
        }
        auto [tag, rest] = split_tag(must_read(c));
        if (tag == "NO") {
            out_line("ECHO FAIL " + s + " peer: " + rest);
            return kExitData;
        }
        if (tag != "E" || rest != s) {
            out_line("ECHO FAIL " + s + " protocol: expected 'E " + s + "'");
            return kExitData;
        }
        std::string got;
        err = recv_message(c, l, got);
        if (err.empty()) err = compare_message(got, size);
        if (!err.empty()) {
            out_line("ECHO FAIL " + s + " " + err);
            c.send_line("NO " + err);
            return kExitData;
        }
        out_line("ECHO OK " + s);
    }
    must_send(c, "BYE");
    return kExitOk;
}

int server_data_phase(LineConn& c, const Layer& l) {
    g_phase_exit = kExitData;
    int rc = kExitOk;
    for (;;) {
        auto [tag, rest] = split_tag(must_read(c));
        if (tag == "BYE") return rc;
        if (tag == "NO") {
            out_line("PEER FAIL " + rest);
            return kExitData;
        }
        char* end = nullptr;
        size_t size = std::strtoul(rest.c_str(), &end, 10);
        if (tag != "E" || rest.empty() || *end) {
            out_line("RECV FAIL ? protocol: unexpected '" + tag + " " + rest + "'");
            c.send_line("NO protocol error");
            return kExitData;
        }
        std::string got;
        std::string err = recv_message(c, l, got);
        if (err.rfind("peer", 0) == 0) {
            out_line("PEER FAIL " + err.substr(6));
            return kExitData;
        }
        if (!err.empty()) {
            out_line("RECV FAIL " + rest + " " + err);
            c.send_line("NO " + err);
            return kExitData;
        }
        err = compare_message(got, size);
        if (err.empty()) {
            out_line("RECV OK " + rest);
        } else {
            out_line("RECV FAIL " + rest + " " + err);
            rc = kExitData;
        }
        err = send_message(c, l, got);
        if (!err.empty()) {
            out_line("RECV FAIL " + rest + " echo " + err);
            c.send_line("NO " + err);
            return kExitData;
        }
    }
}

// ---------------------------------------------------------------- callbacks

int callback(Gsasl*, Gsasl_session* sess, Gsasl_property prop) {
    if (prop == GSASL_PASSWORD && g_opt.server) {
        const char* authid = gsasl_property_fast(sess, GSASL_AUTHID);
        auto it = authid ? g_users.find(authid) : g_users.end();
        verbose(std::string("password lookup for ") + (authid ? authid : "(none)") +
                (it == g_users.end() ? ": unknown" : ": found"));
        if (it == g_users.end()) return GSASL_NO_CALLBACK;
        return gsasl_property_set(sess, GSASL_PASSWORD, it->second.c_str());
    }
    if (prop == GSASL_REALM && g_opt.client && g_opt.have_realm)
        return gsasl_property_set(sess, GSASL_REALM, g_opt.realm.c_str());
    return GSASL_NO_CALLBACK;
}

void set_prop(Gsasl_session* sess, Gsasl_property p, const std::string& v) {
    int rc = gsasl_property_set(sess, p, v.c_str());
    if (rc != GSASL_OK) setup_fail("gsasl_property_set: " + gsasl_text(rc));
}

// The value of qop= in a DIGEST-MD5 response token ("auth" when absent, as RFC 2831 says).
std::string response_qop(const std::string& token) {
    size_t pos = 0;
    while (pos < token.size()) {
        while (pos < token.size() && (token[pos] == ',' || token[pos] == ' ' || token[pos] == '\t')) ++pos;
        size_t eq = token.find('=', pos);
        if (eq == std::string::npos) break;
        std::string key = token.substr(pos, eq - pos);
        size_t v = eq + 1, vend;
        std::string value;
        if (v < token.size() && token[v] == '"') {
            vend = v + 1;
            while (vend < token.size() && token[vend] != '"') {
                if (token[vend] == '\\' && vend + 1 < token.size()) ++vend;
                value += token[vend++];
            }
            ++vend;
        } else {
            vend = token.find(',', v);
            if (vend == std::string::npos) vend = token.size();
            value = token.substr(v, vend - v);
        }
        if (key == "qop") return value;
        pos = vend;
    }
    return "auth";
}

// ---------------------------------------------------------------- authentication

[[noreturn]] void auth_fail(LineConn& c, int rc) {
    out_line("AUTH FAIL " + gsasl_text(rc));
    c.send_line("NO " + gsasl_text(rc));
    std::exit(kExitAuth);
}

int run_server(Gsasl* ctx, int listen_fd) {
    pollfd p{listen_fd, POLLIN, 0};
    if (poll(&p, 1, g_opt.timeout * 1000) <= 0) {
        out_line("TIMEOUT accept");
        return kExitAuth;
    }
    int fd = accept(listen_fd, nullptr, nullptr);
    if (fd < 0) setup_fail(std::string("accept: ") + std::strerror(errno));
    close(listen_fd);
    LineConn c(fd);

    Gsasl_session* sess = nullptr;
    int rc = gsasl_server_start(ctx, kMech, &sess);
    if (rc != GSASL_OK) setup_fail("gsasl_server_start: " + gsasl_text(rc));
    set_prop(sess, GSASL_SERVICE, g_opt.service);
    set_prop(sess, GSASL_HOSTNAME, g_opt.host);
    if (g_opt.have_realm) set_prop(sess, GSASL_REALM, g_opt.realm);
    std::string qops;
    for (const char* q : {"auth", "auth-int"}) {
        std::string list = "," + g_opt.qops + ",";
        if (list.find("," + std::string(q) + ",") == std::string::npos) continue;
        if (!qops.empty()) qops += ",";
        qops += std::string(q) == "auth" ? "qop-auth" : "qop-int";
    }
    if (qops.empty()) setup_fail("--qops names neither auth nor auth-int");
    set_prop(sess, GSASL_QOPS, qops);

    auto [tag, rest] = split_tag(must_read(c));
    if (tag == "NO") {
        out_line("PEER FAIL " + rest);
        return kExitAuth;
    }
    std::string in;
    if (tag != "C" || (rest != "-" && !b64_decode(rest, in))) {
        out_line("AUTH FAIL protocol: expected 'C', got '" + tag + "'");
        c.send_line("NO protocol error");
        return kExitAuth;
    }
    std::string qop = "auth";
    for (int round = 0;; ++round) {
        if (round > 0) qop = response_qop(in);  // the token after the challenge is the response
        char* out = nullptr;
        size_t outlen = 0;
        rc = gsasl_step(sess, in.data(), in.size(), &out, &outlen);
        std::string out_s(out ? out : "", out ? outlen : 0);
        gsasl_free(out);
        if (rc == GSASL_OK) {
            const char* aid = gsasl_property_fast(sess, GSASL_AUTHID);
            const char* zid = gsasl_property_fast(sess, GSASL_AUTHZID);
            std::string authid = aid ? aid : "", authzid = zid ? zid : "";
            if (!authzid.empty() && authzid != authid && !g_proxy.count({authid, authzid})) {
                std::string why = "proxy authorization of " + authid + " as " + authzid + " is not allowed";
                out_line("AUTH FAIL " + why);
                c.send_line("NO " + why);
                return kExitAuth;
            }
            must_send(c, tagged("OK", out_s.data(), out_s.size()));
            break;
        }
        if (rc != GSASL_NEEDS_MORE) auth_fail(c, rc);
        must_send(c, tagged("S", out_s.data(), out_s.size()));
        auto [t, r] = split_tag(must_read(c));
        if (t == "NO") {
            out_line("PEER FAIL " + r);
            return kExitAuth;
        }
        if (t != "C" || !b64_decode(r, in)) {
            out_line("AUTH FAIL protocol: bad client step '" + t + "'");
            c.send_line("NO protocol error");
            return kExitAuth;
        }
    }
    auto [t, r] = split_tag(must_read(c));
    if (t != "OK") {
        out_line("PEER FAIL " + (t == "NO" ? r : "protocol: expected 'OK', got '" + t + "'"));
        return kExitAuth;
    }
    out_line("AUTH OK");
    Layer l{sess, qop == "auth-int"};
    report_layer(l);
    const char* aid = gsasl_property_fast(sess, GSASL_AUTHID);
    const char* zid = gsasl_property_fast(sess, GSASL_AUTHZID);
    const char* realm = gsasl_property_fast(sess, GSASL_REALM);
    std::string authid = aid ? aid : "";
    out_line("AUTHID " + authid);
    if (zid && *zid && authid != zid) out_line(std::string("AUTHZID ") + zid);
    if (realm) out_line(std::string("REALM ") + realm);
    int result = server_data_phase(c, l);
    gsasl_finish(sess);
    return result;
}

int run_client(Gsasl* ctx, int fd) {
    LineConn c(fd);
    Gsasl_session* sess = nullptr;
    int rc = gsasl_client_start(ctx, kMech, &sess);
    if (rc != GSASL_OK) setup_fail("gsasl_client_start: " + gsasl_text(rc));
    set_prop(sess, GSASL_AUTHID, g_opt.user);
    set_prop(sess, GSASL_PASSWORD, g_opt.password);
    if (!g_opt.authzid.empty()) set_prop(sess, GSASL_AUTHZID, g_opt.authzid);
    set_prop(sess, GSASL_SERVICE, g_opt.service);
    set_prop(sess, GSASL_HOSTNAME, g_opt.host);
    set_prop(sess, GSASL_QOP, g_opt.qop == "auth-int" ? "qop-int" : "qop-auth");

    // DIGEST-MD5 has no initial response: the first step returns nothing.
    char* out = nullptr;
    size_t outlen = 0;
    rc = gsasl_step(sess, "", 0, &out, &outlen);
    if (rc != GSASL_NEEDS_MORE) auth_fail(c, rc);
    must_send(c, out && outlen ? tagged("C", out, outlen) : std::string("C -"));
    gsasl_free(out);
    bool done = false;
    for (;;) {
        auto [tag, rest] = split_tag(must_read(c));
        std::string in;
        if (tag == "NO") {
            out_line("PEER FAIL " + rest);
            return kExitAuth;
        }
        if ((tag != "S" && tag != "OK") || !b64_decode(rest, in)) {
            out_line("AUTH FAIL protocol: unexpected '" + tag + "'");
            c.send_line("NO protocol error");
            return kExitAuth;
        }
        if (tag == "OK" && in.empty()) {
            if (done) break;
            out_line("AUTH FAIL server said OK before the client verified rspauth");
            c.send_line("NO client not finished");
            return kExitAuth;
        }
        out = nullptr;
        outlen = 0;
        rc = gsasl_step(sess, in.data(), in.size(), &out, &outlen);
        std::string out_s(out ? out : "", out ? outlen : 0);
        gsasl_free(out);
        if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE) auth_fail(c, rc);
        done = rc == GSASL_OK;
        if (tag == "OK") {
            if (!done) {
                out_line("AUTH FAIL server said OK before the client finished");
                c.send_line("NO client not finished");
                return kExitAuth;
            }
            break;
        }
        must_send(c, tagged("C", out_s.data(), out_s.size()));
    }
    must_send(c, "OK");
    out_line("AUTH OK");
    Layer l{sess, g_opt.qop == "auth-int"};
    report_layer(l);
    int result = client_data_phase(c, l);
    gsasl_finish(sess);
    return result;
}

unsigned parse_uint(const std::string& s, const char* what) {
    char* end = nullptr;
    errno = 0;
    unsigned long v = std::strtoul(s.c_str(), &end, 10);
    if (s.empty() || *end || errno || v > 0xffffffffUL) setup_fail(std::string("bad number for ") + what + ": " + s);
    return unsigned(v);
}

void parse_args(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto val = [&]() -> std::string {
            if (i + 1 >= argc) usage();
            return argv[++i];
        };
        if (a == "--server") g_opt.server = true;
        else if (a == "--client") g_opt.client = true;
        else if (a == "--port") g_opt.port = int(parse_uint(val(), "--port"));
        else if (a == "--service") g_opt.service = val();
        else if (a == "--host") g_opt.host = val();
        else if (a == "--realm") { g_opt.realm = val(); g_opt.have_realm = true; }
        else if (a == "--user") {
            std::string u = val();
            size_t colon = u.find(':');
            g_opt.user = u;
            if (colon != std::string::npos) g_users[u.substr(0, colon)] = u.substr(colon + 1);
        } else if (a == "--password") g_opt.password = val();
        else if (a == "--authzid") g_opt.authzid = val();
        else if (a == "--allow-proxy") {
            std::string p = val();
            size_t colon = p.find(':');
            if (colon == std::string::npos) usage();
            g_proxy.insert({p.substr(0, colon), p.substr(colon + 1)});
        } else if (a == "--qop") {
            g_opt.qop = val();
            if (g_opt.qop != "auth" && g_opt.qop != "auth-int") usage();
        } else if (a == "--qops") g_opt.qops = val();
        else if (a == "--max-piece") g_opt.max_piece = parse_uint(val(), "--max-piece");
        else if (a == "--timeout") g_opt.timeout = int(parse_uint(val(), "--timeout"));
        else if (a == "--verbose") g_opt.verbose = true;
        else if (a == "--echo-sizes") {
            std::string s = val();
            size_t pos = 0;
            while (!s.empty() && pos <= s.size()) {
                size_t comma = s.find(',', pos);
                if (comma == std::string::npos) comma = s.size();
                g_opt.echo_sizes.push_back(parse_uint(s.substr(pos, comma - pos), "--echo-sizes"));
                pos = comma + 1;
            }
        } else {
            std::fprintf(stderr, "gsasl_peer: unknown option %s\n", a.c_str());
            usage();
        }
    }
    if (g_opt.server == g_opt.client || g_opt.port < 0 || g_opt.timeout <= 0 || g_opt.max_piece == 0) usage();
    if (g_opt.client && g_opt.user.empty()) usage();
}

}  // namespace

int main(int argc, char** argv) {
    parse_args(argc, argv);
    g_trace = &verbose;  // the lines read and sent, with --verbose
    signal(SIGPIPE, SIG_IGN);
    g_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(g_opt.timeout);
    signal(SIGALRM, on_alarm);
    alarm(unsigned(g_opt.timeout) + 5);

    Gsasl* ctx = nullptr;
    int rc = gsasl_init(&ctx);
    if (rc != GSASL_OK) setup_fail("gsasl_init: " + gsasl_text(rc));
    gsasl_callback_set(ctx, callback);
    if (!(g_opt.server ? gsasl_server_support_p(ctx, kMech) : gsasl_client_support_p(ctx, kMech)))
        setup_fail("libgsasl has no DIGEST-MD5");

    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(uint16_t(g_opt.port));
    int result;
    if (g_opt.server) {
        int lfd = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (lfd < 0 || bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || listen(lfd, 1) < 0)
            setup_fail(std::string("listen: ") + std::strerror(errno));
        socklen_t alen = sizeof addr;
        getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &alen);
        out_line("PORT " + std::to_string(ntohs(addr.sin_port)));
        result = run_server(ctx, lfd);
    } else {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
            setup_fail(std::string("connect: ") + std::strerror(errno));
        result = run_client(ctx, fd);
    }
    gsasl_done(ctx);
    return result;
}
