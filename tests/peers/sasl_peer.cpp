// sasl_peer — a libsasl2 DIGEST-MD5 test peer (client or server) for the interop tests.
//
// It loads mechanism plugins only from --plugin-dir, authenticates one TCP connection on
// 127.0.0.1, reports what libsasl2 negotiated and then echoes data through the security layer.
// JavaPeer.java speaks exactly the same CLI, framing and result lines.
//
// Framing (one ASCII line per message, '\n'-terminated; <b64> is standard base64, may be empty):
//   client -> server  "C -"          first message only: the client has no initial response
//                     "C <b64>"      a client response (initial or to a challenge; may be empty)
//   server -> client  "S <b64>"      a server challenge
//                     "OK <b64>"     the server succeeded; <b64> is additional success data
//                                    (empty additional data is the same as none)
//   client -> server  "OK"           after "OK ...": the client succeeded too (mutual auth checked)
//   either way        "NO <text>"    the sender failed; the receiver prints "PEER FAIL <text>"
//   data phase (after both "OK"s), per message, client first, then the server's echo:
//                     "E <size>"     a message of <size> plaintext octets follows
//                     "D <b64>"      zero or more: wire octets as produced by sasl_encode (libsasl2
//                                    security-layer packets, each with its 4-octet length prefix),
//                                    or the raw plaintext when no layer is active (SSF 0)
//                     "F"            end of the message's wire octets
//   client -> server  "BYE"          no more messages
// A tag without data may be sent without the space ("C", "OK"). A sender splits a message into
// pieces of at most MAXOUTBUF octets before encoding them (all in one piece when MAXOUTBUF is 0, so
// the receiver's size check sees it) and sends no "D" line for an empty message. A libsasl2 peer's
// "NO" text is "<sasl code> <detail>".
// Command line: see usage() below.
// Message content is deterministic: xorshift32 seeded with (size * 2654435761) ^ 0x9E3779B9
// (0 replaced by 1), state x: x ^= x << 13; x ^= x >> 17; x ^= x << 5; next octet = x & 0xff.
//
// Output on stdout, one line each: "PORT <n>" (server with --port 0), "AUTH OK", "SSF <n>",
// "MAXOUTBUF <n>", server: "AUTHID <authentication id>" (SASL_AUTHUSER) and "AUTHZID <authorization
// id>" (SASL_USERNAME, only when it differs; libsasl2 appends "@realm" to both when the server has a
// realm); "AUTH FAIL <sasl code> <detail>" or "PEER FAIL <text>";
// server "RECV OK <size>" / "RECV FAIL <size> <why>"; client "ECHO OK <size>" / "ECHO FAIL <size>
// <why>"; "TIMEOUT <phase>". Exit codes: 0 success, 1 authentication failed, 2 data phase failed,
// 3 usage or setup error. A timeout exits with the code of the phase it happened in.

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

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


constexpr const char* kAppName = "sasl-interop-peer";
constexpr const char* kAuxpropName = "interop_peer";
constexpr const char* kMech = "DIGEST-MD5";

struct Options {
    bool server = false;
    bool client = false;
    int port = -1;
    std::string plugin_dir;
    std::string service = "ldap";
    std::string host = "localhost";
    std::string realm;
    bool have_realm = false;
    std::string user;      // client: authentication id
    std::string password;  // client
    std::string authzid;   // client
    unsigned min_ssf = 0;
    unsigned max_ssf = 256;
    unsigned maxbuf = 65536;
    bool success_data = true;
    std::vector<size_t> echo_sizes;
    size_t chunk = 0;  // 0: feed each "D" line to the decoder whole
    int timeout = 20;
    bool verbose = false;
};

Options g_opt;
std::map<std::string, std::string> g_getopt;             // answers of the GETOPT callback
std::map<std::string, std::string> g_users;              // server: name -> password
std::set<std::pair<std::string, std::string>> g_proxy;   // server: allowed (authid, authzid)


[[noreturn]] void setup_fail(const std::string& why) {
    std::fprintf(stderr, "sasl_peer: %s\n", why.c_str());
    std::fflush(stderr);
    std::exit(kExitSetup);
}

[[noreturn]] void usage() {
    std::fputs(
        "usage: sasl_peer (--server|--client) --port P --plugin-dir DIR [options]\n"
        "  common:  --service S (ldap) --host FQDN (localhost) --realm R --min-ssf N --max-ssf N\n"
        "           --maxbuf N (65536) --echo-sizes a,b,c --chunk N --timeout SEC (20)\n"
        "           --opt KEY=VALUE (getopt option) --verbose\n"
        "  server:  --user NAME:PASSWORD (repeatable) --allow-proxy AUTHID:AUTHZID (repeatable)\n"
        "           --no-success-data\n"
        "  client:  --user AUTHID --password PW --authzid Z\n",
        stderr);
    std::exit(kExitSetup);
}




// ---------------------------------------------------------------- callbacks

using CbProc = int (*)(void);

template <typename F>
CbProc cb_proc(F* f) {
    // void(*)() matches every function type, so this double cast is warning-free.
    return reinterpret_cast<CbProc>(reinterpret_cast<void (*)()>(f));
}

int cb_getopt(void*, const char* plugin, const char* option, const char** result, unsigned* len) {
    if (!option || !result) return SASL_BADPARAM;
    auto it = g_getopt.find(option);
    if (g_opt.verbose)
        std::fprintf(stderr, "getopt(%s, %s)%s%s\n", plugin ? plugin : "-", option,
                     it == g_getopt.end() ? "" : " = ", it == g_getopt.end() ? "" : it->second.c_str());
    if (it == g_getopt.end()) return SASL_FAIL;
    *result = it->second.c_str();
    if (len) *len = unsigned(it->second.size());
    return SASL_OK;
}

int cb_getpath(void*, const char** path) {
    *path = g_opt.plugin_dir.c_str();
    return SASL_OK;
}

int cb_getconfpath(void*, char** path) {
    // A directory without "<app>.conf": keeps the system configuration out of the test.
    static char none[] = "/nonexistent/sasl-interop-peer";
    *path = none;
    return SASL_OK;
}

int cb_log(void*, int level, const char* message) {
    if (g_opt.verbose || level <= SASL_LOG_WARN)
        std::fprintf(stderr, "sasl log %d: %s\n", level, message ? message : "");
    return SASL_OK;
}

int cb_simple(void*, int id, const char** result, unsigned* len) {
    const std::string* s = nullptr;
    if (id == SASL_CB_AUTHNAME) s = &g_opt.user;
    else if (id == SASL_CB_USER) s = &g_opt.authzid;
    else return SASL_BADPARAM;
    *result = s->c_str();
    if (len) *len = unsigned(s->size());
    return SASL_OK;
}

int cb_pass(sasl_conn_t*, void*, int id, sasl_secret_t** psecret) {
    static std::vector<unsigned char> storage;
    if (id != SASL_CB_PASS || !psecret) return SASL_BADPARAM;
    storage.assign(sizeof(sasl_secret_t) + g_opt.password.size() + 1, 0);
    auto* secret = reinterpret_cast<sasl_secret_t*>(storage.data());
    secret->len = g_opt.password.size();
    std::memcpy(secret->data, g_opt.password.data(), g_opt.password.size());
    *psecret = secret;
    return SASL_OK;
}

int cb_getrealm(void*, int id, const char** avail, const char** result) {
    if (id != SASL_CB_GETREALM || !result) return SASL_BADPARAM;
    if (g_opt.have_realm) *result = g_opt.realm.c_str();
    else if (avail && avail[0]) *result = avail[0];
    else *result = "";
    return SASL_OK;
}

// Strips "@realm" when the bare name is what a table knows.
bool name_matches(const std::string& seen, const std::string& wanted) {
    if (seen == wanted) return true;
    size_t at = seen.rfind('@');
    return wanted.find('@') == std::string::npos && at != std::string::npos &&
           seen.compare(0, at, wanted) == 0 && at == wanted.size();
}

int cb_proxy(sasl_conn_t* conn, void*, const char* req, unsigned rlen, const char* auth,
             unsigned alen, const char*, unsigned, struct propctx*) {
    std::string authzid(req ? req : "", req ? rlen : 0);
    std::string authid(auth ? auth : "", auth ? alen : 0);
    if (g_opt.verbose) std::fprintf(stderr, "proxy policy: authid=%s authzid=%s\n", authid.c_str(), authzid.c_str());
    if (authzid.empty() || authzid == authid) return SASL_OK;
    for (const auto& [a, z] : g_proxy)
        if (name_matches(authid, a) && name_matches(authzid, z)) return SASL_OK;
    sasl_seterror(conn, 0, "proxy authorization of %s as %s is not allowed", authid.c_str(), authzid.c_str());
    return SASL_NOAUTHZ;
}

// ---------------------------------------------------------------- embedded auxprop plugin

const std::string* find_password(const std::string& user) {
    for (const auto& [name, pw] : g_users)
        if (name_matches(user, name)) return &pw;
    return nullptr;
}

int aux_lookup(void*, sasl_server_params_t* sparams, unsigned flags, const char* user, unsigned ulen) {
    if (!sparams || !user) return SASL_BADPARAM;
    std::string name(user, ulen);
    bool authzid_lookup = (flags & SASL_AUXPROP_AUTHZID) != 0;
    if (g_opt.verbose)
        std::fprintf(stderr, "auxprop lookup: user=%s flags=0x%x\n", name.c_str(), flags);
    if (authzid_lookup) return SASL_OK;  // nothing is stored for authorization identities
    const std::string* pw = find_password(name);
    if (!pw) return SASL_NOUSER;
    const propval* pv = sparams->utils->prop_get(sparams->propctx);
    if (!pv) return SASL_OK;
    for (; pv->name; ++pv) {
        // Authentication-id properties are requested with a '*' prefix.
        if (pv->name[0] != '*' || std::strcmp(pv->name + 1, SASL_AUX_PASSWORD_PROP) != 0) continue;
        if (pv->values) {
            if (!(flags & SASL_AUXPROP_OVERRIDE)) continue;
            sparams->utils->prop_erase(sparams->propctx, pv->name);
        }
        sparams->utils->prop_set(sparams->propctx, pv->name, pw->c_str(), int(pw->size()));
    }
    return SASL_OK;
}

sasl_auxprop_plug_t g_auxprop = {
    0, 0, nullptr, nullptr, aux_lookup, const_cast<char*>(kAuxpropName), nullptr,
};

int aux_init(const sasl_utils_t*, int max_version, int* out_version, sasl_auxprop_plug_t** plug,
             const char*) {
    if (max_version < SASL_AUXPROP_PLUG_VERSION) return SASL_BADVERS;
    *out_version = SASL_AUXPROP_PLUG_VERSION;
    *plug = &g_auxprop;
    return SASL_OK;
}

// ---------------------------------------------------------------- helpers

std::string sasl_detail(sasl_conn_t* conn, int rc) {
    const char* d = conn ? sasl_errdetail(conn) : nullptr;
    return d ? d : sasl_errstring(rc, nullptr, nullptr);
}


unsigned parse_uint(const std::string& s, const char* what) {
    char* end = nullptr;
    errno = 0;
    unsigned long v = std::strtoul(s.c_str(), &end, 10);
    if (s.empty() || *end || errno || v > 0xffffffffUL) setup_fail(std::string("bad number for ") + what + ": " + s);
    return unsigned(v);
}

void set_secprops(sasl_conn_t* conn) {
    sasl_security_properties_t sp{};
    sp.min_ssf = g_opt.min_ssf;
    sp.max_ssf = g_opt.max_ssf;
    sp.maxbufsize = g_opt.maxbuf;
    sp.security_flags = 0;
    int rc = sasl_setprop(conn, SASL_SEC_PROPS, &sp);
    if (rc != SASL_OK) setup_fail("sasl_setprop(SEC_PROPS): " + sasl_detail(conn, rc));
}

struct LayerInfo {
    unsigned ssf = 0;
    unsigned maxoutbuf = 0;
};

LayerInfo report_layer(sasl_conn_t* conn) {
    LayerInfo li;
    const void* p = nullptr;
    if (sasl_getprop(conn, SASL_SSF, &p) == SASL_OK && p) li.ssf = *static_cast<const sasl_ssf_t*>(p);
    p = nullptr;
    if (sasl_getprop(conn, SASL_MAXOUTBUF, &p) == SASL_OK && p) li.maxoutbuf = *static_cast<const unsigned*>(p);
    out_line("SSF " + std::to_string(li.ssf));
    out_line("MAXOUTBUF " + std::to_string(li.maxoutbuf));
    return li;
}

// ---------------------------------------------------------------- data phase

// Sends one message: "E <size>", the wire octets as "D" lines, "F". Returns an error text or "".
std::string send_message(LineConn& c, sasl_conn_t* conn, const LayerInfo& li, const std::string& msg) {
    must_send(c, "E " + std::to_string(msg.size()));
    size_t step = li.ssf > 0 ? (li.maxoutbuf ? li.maxoutbuf : msg.size()) : 65536;
    for (size_t off = 0; off < msg.size(); off += step) {
        size_t n = std::min(step, msg.size() - off);
        if (li.ssf == 0) {
            must_send(c, "D " + b64_encode(reinterpret_cast<const unsigned char*>(msg.data() + off), n));
            continue;
        }
        const char* out = nullptr;
        unsigned outlen = 0;
        int rc = sasl_encode(conn, msg.data() + off, unsigned(n), &out, &outlen);
        if (rc != SASL_OK) return "encode " + std::to_string(rc) + " " + sasl_detail(conn, rc);
        must_send(c, "D " + b64_encode(reinterpret_cast<const unsigned char*>(out), outlen));
    }
    must_send(c, "F");
    return "";
}

// Receives the rest of a message after its "E" line; plaintext goes to msg. Returns an error or "".
std::string recv_message(LineConn& c, sasl_conn_t* conn, const LayerInfo& li, std::string& msg) {
    msg.clear();
    std::string err;
    for (;;) {
        auto [tag, rest] = split_tag(must_read(c));
        if (tag == "F") return err;
        if (tag == "NO") return "peer: " + rest;
        if (tag != "D") return "protocol: unexpected '" + tag + "'";
        std::string wire;
        if (!b64_decode(rest, wire)) return "protocol: bad base64";
        if (!err.empty()) continue;  // keep reading to the "F" after a decode failure
        if (li.ssf == 0) {
            msg += wire;
            continue;
        }
        size_t step = g_opt.chunk ? g_opt.chunk : std::max<size_t>(wire.size(), 1);
        for (size_t off = 0; off < wire.size(); off += step) {
            size_t n = std::min(step, wire.size() - off);
            const char* out = nullptr;
            unsigned outlen = 0;
            int rc = sasl_decode(conn, wire.data() + off, unsigned(n), &out, &outlen);
            if (rc != SASL_OK) {
                err = "decode " + std::to_string(rc) + " " + sasl_detail(conn, rc);
                break;
            }
            if (out && outlen) msg.append(out, outlen);
        }
    }
}


int client_data_phase(LineConn& c, sasl_conn_t* conn, const LayerInfo& li) {
    g_phase_exit = kExitData;
    int rc = kExitOk;
    for (size_t size : g_opt.echo_sizes) {
        std::string err = send_message(c, conn, li, make_message(size));
        if (!err.empty()) {
            out_line("ECHO FAIL " + std::to_string(size) + " " + err);
            must_send(c, "NO " + err);
            return kExitData;
        }
        auto [tag, rest] = split_tag(must_read(c));
        if (tag == "NO") {
            out_line("ECHO FAIL " + std::to_string(size) + " peer: " + rest);
            return kExitData;
        }
        if (tag != "E" || rest != std::to_string(size)) {
            out_line("ECHO FAIL " + std::to_string(size) + " protocol: expected 'E " + std::to_string(size) + "'");
            return kExitData;
        }
        std::string got;
        err = recv_message(c, conn, li, got);
        if (err.empty()) err = compare_message(got, size);
        if (!err.empty()) {
            out_line("ECHO FAIL " + std::to_string(size) + " " + err);
            c.send_line("NO " + err);
            return kExitData;
        }
        out_line("ECHO OK " + std::to_string(size));
    }
    must_send(c, "BYE");
    return rc;
}

int server_data_phase(LineConn& c, sasl_conn_t* conn, const LayerInfo& li) {
    g_phase_exit = kExitData;
    int rc = kExitOk;
    for (;;) {
        auto [tag, rest] = split_tag(must_read(c));
        if (tag == "BYE") return rc;
        if (tag == "NO") {
            out_line("PEER FAIL " + rest);
            return kExitData;
        }
        if (tag != "E") {
            out_line("RECV FAIL ? protocol: unexpected '" + tag + "'");
            return kExitData;
        }
        char* end = nullptr;
        size_t size = std::strtoul(rest.c_str(), &end, 10);
        if (rest.empty() || *end) {
            out_line("RECV FAIL ? protocol: bad size '" + rest + "'");
            c.send_line("NO protocol error");
            return kExitData;
        }
        std::string got;
        std::string err = recv_message(c, conn, li, got);
        if (err.rfind("decode", 0) == 0 || err.rfind("protocol", 0) == 0) {
            out_line("RECV FAIL " + rest + " " + err);
            c.send_line("NO " + err);
            return kExitData;
        }
        if (err.rfind("peer", 0) == 0) {
            out_line("PEER FAIL " + err.substr(6));
            return kExitData;
        }
        err = compare_message(got, size);
        if (err.empty()) {
            out_line("RECV OK " + rest);
        } else {
            out_line("RECV FAIL " + rest + " " + err);
            rc = kExitData;
        }
        err = send_message(c, conn, li, got);
        if (!err.empty()) {
            out_line("RECV FAIL " + rest + " echo " + err);
            c.send_line("NO " + err);
            return kExitData;
        }
    }
}

// ---------------------------------------------------------------- authentication

[[noreturn]] void auth_fail(LineConn& c, sasl_conn_t* conn, int rc) {
    std::string detail = sasl_detail(conn, rc);
    out_line("AUTH FAIL " + std::to_string(rc) + " " + detail);
    c.send_line("NO " + std::to_string(rc) + " " + detail);
    std::exit(kExitAuth);
}

int run_server(int listen_fd) {
    sasl_callback_t conn_cbs[] = {
        {SASL_CB_PROXY_POLICY, cb_proc(cb_proxy), nullptr},
        {SASL_CB_LIST_END, nullptr, nullptr},
    };
    sasl_conn_t* conn = nullptr;
    int rc = sasl_server_new(g_opt.service.c_str(), g_opt.host.c_str(),
                             g_opt.have_realm ? g_opt.realm.c_str() : nullptr, nullptr, nullptr, conn_cbs,
                             g_opt.success_data ? SASL_SUCCESS_DATA : 0, &conn);
    if (rc != SASL_OK) setup_fail("sasl_server_new: " + sasl_detail(nullptr, rc));
    set_secprops(conn);

    // Accept exactly one connection, bounded by the timeout.
    pollfd p{listen_fd, POLLIN, 0};
    if (poll(&p, 1, g_opt.timeout * 1000) <= 0) {
        out_line("TIMEOUT accept");
        return kExitAuth;
    }
    int fd = accept(listen_fd, nullptr, nullptr);
    if (fd < 0) setup_fail(std::string("accept: ") + std::strerror(errno));
    close(listen_fd);
    LineConn c(fd);

    auto [tag, rest] = split_tag(must_read(c));
    if (tag == "NO") {
        out_line("PEER FAIL " + rest);
        return kExitAuth;
    }
    if (tag != "C") {
        out_line("AUTH FAIL " + std::to_string(SASL_BADPROT) + " protocol: expected 'C', got '" + tag + "'");
        c.send_line("NO protocol error");
        return kExitAuth;
    }
    std::string in;
    bool have_initial = rest != "-";
    if (have_initial && !b64_decode(rest, in)) {
        out_line("AUTH FAIL " + std::to_string(SASL_BADPROT) + " protocol: bad base64 in initial response");
        c.send_line("NO protocol error");
        return kExitAuth;
    }
    const char* out = nullptr;
    unsigned outlen = 0;
    rc = sasl_server_start(conn, kMech, have_initial ? in.data() : nullptr, unsigned(in.size()), &out, &outlen);
    while (rc == SASL_CONTINUE) {
        must_send(c, tagged("S", out, outlen));
        auto [t, r] = split_tag(must_read(c));
        if (t == "NO") {
            out_line("PEER FAIL " + r);
            return kExitAuth;
        }
        if (t != "C" || !b64_decode(r, in)) {
            out_line("AUTH FAIL " + std::to_string(SASL_BADPROT) + " protocol: bad client step '" + t + "'");
            c.send_line("NO protocol error");
            return kExitAuth;
        }
        out = nullptr;
        outlen = 0;
        rc = sasl_server_step(conn, in.data(), unsigned(in.size()), &out, &outlen);
    }
    if (rc != SASL_OK) auth_fail(c, conn, rc);
    must_send(c, tagged("OK", out, outlen));
    auto [t, r] = split_tag(must_read(c));
    if (t != "OK") {
        out_line("PEER FAIL " + (t == "NO" ? r : "protocol: expected 'OK', got '" + t + "'"));
        return kExitAuth;
    }
    out_line("AUTH OK");
    LayerInfo li = report_layer(conn);
    const void* authuser = nullptr;
    const void* username = nullptr;
    sasl_getprop(conn, SASL_AUTHUSER, &authuser);
    sasl_getprop(conn, SASL_USERNAME, &username);
    std::string aid = authuser ? static_cast<const char*>(authuser) : "";
    std::string zid = username ? static_cast<const char*>(username) : "";
    out_line("AUTHID " + aid);
    if (!zid.empty() && zid != aid) out_line("AUTHZID " + zid);
    int result = server_data_phase(c, conn, li);
    sasl_dispose(&conn);
    return result;
}

int run_client(int fd) {
    LineConn c(fd);
    sasl_callback_t conn_cbs[] = {
        {SASL_CB_AUTHNAME, cb_proc(cb_simple), nullptr},
        {SASL_CB_USER, cb_proc(cb_simple), nullptr},
        {SASL_CB_PASS, cb_proc(cb_pass), nullptr},
        {SASL_CB_GETREALM, cb_proc(cb_getrealm), nullptr},
        {SASL_CB_LIST_END, nullptr, nullptr},
    };
    sasl_conn_t* conn = nullptr;
    std::string remote = "127.0.0.1;" + std::to_string(g_opt.port);
    int rc = sasl_client_new(g_opt.service.c_str(), g_opt.host.c_str(), nullptr, remote.c_str(), conn_cbs, 0, &conn);
    if (rc != SASL_OK) setup_fail("sasl_client_new: " + sasl_detail(nullptr, rc));
    set_secprops(conn);

    sasl_interact_t* prompts = nullptr;
    const char* out = nullptr;
    unsigned outlen = 0;
    const char* mech = nullptr;
    rc = sasl_client_start(conn, kMech, &prompts, &out, &outlen, &mech);
    if (rc != SASL_OK && rc != SASL_CONTINUE) auth_fail(c, conn, rc);
    must_send(c, out ? tagged("C", out, outlen) : std::string("C -"));
    bool done = rc == SASL_OK;
    for (;;) {
        auto [tag, rest] = split_tag(must_read(c));
        std::string in;
        if (tag == "NO") {
            out_line("PEER FAIL " + rest);
            return kExitAuth;
        }
        if ((tag != "S" && tag != "OK") || !b64_decode(rest, in)) {
            out_line("AUTH FAIL " + std::to_string(SASL_BADPROT) + " protocol: unexpected '" + tag + "'");
            c.send_line("NO protocol error");
            return kExitAuth;
        }
        if (tag == "OK" && in.empty() && done) break;
        out = nullptr;
        outlen = 0;
        rc = sasl_client_step(conn, in.data(), unsigned(in.size()), &prompts, &out, &outlen);
        if (rc != SASL_OK && rc != SASL_CONTINUE) auth_fail(c, conn, rc);
        done = rc == SASL_OK;
        if (tag == "OK") {
            // Additional data must complete the exchange.
            if (!done) {
                out_line("AUTH FAIL " + std::to_string(SASL_BADPROT) + " server said OK before the client finished");
                c.send_line("NO client not finished");
                return kExitAuth;
            }
            break;
        }
        must_send(c, tagged("C", out, outlen));
    }
    must_send(c, "OK");
    out_line("AUTH OK");
    LayerInfo li = report_layer(conn);
    int result = client_data_phase(c, conn, li);
    sasl_dispose(&conn);
    return result;
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
        else if (a == "--plugin-dir") g_opt.plugin_dir = val();
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
        } else if (a == "--min-ssf") g_opt.min_ssf = parse_uint(val(), "--min-ssf");
        else if (a == "--max-ssf") g_opt.max_ssf = parse_uint(val(), "--max-ssf");
        else if (a == "--maxbuf") g_opt.maxbuf = parse_uint(val(), "--maxbuf");
        else if (a == "--no-success-data") g_opt.success_data = false;
        else if (a == "--chunk") g_opt.chunk = parse_uint(val(), "--chunk");
        else if (a == "--timeout") g_opt.timeout = int(parse_uint(val(), "--timeout"));
        else if (a == "--verbose") g_opt.verbose = true;
        else if (a == "--echo-sizes") {
            std::string s = val();
            size_t pos = 0;
            while (pos <= s.size() && !s.empty()) {
                size_t comma = s.find(',', pos);
                if (comma == std::string::npos) comma = s.size();
                g_opt.echo_sizes.push_back(parse_uint(s.substr(pos, comma - pos), "--echo-sizes"));
                pos = comma + 1;
            }
        } else if (a == "--opt") {
            std::string kv = val();
            size_t eq = kv.find('=');
            if (eq == std::string::npos) usage();
            g_getopt[kv.substr(0, eq)] = kv.substr(eq + 1);
        } else {
            std::fprintf(stderr, "sasl_peer: unknown option %s\n", a.c_str());
            usage();
        }
    }
    if (g_opt.server == g_opt.client || g_opt.port < 0 || g_opt.plugin_dir.empty()) usage();
    if (g_opt.client && g_opt.user.empty()) usage();
    if (g_opt.server) g_opt.user.clear();
    if (g_opt.timeout <= 0) usage();
}

}  // namespace

int main(int argc, char** argv) {
    // Options given with --opt win over these defaults.
    g_getopt["mech_list"] = kMech;
    parse_args(argc, argv);
    g_getopt.emplace("auxprop_plugin", kAuxpropName);
    if (g_opt.verbose) g_getopt.emplace("log_level", "7");

    signal(SIGPIPE, SIG_IGN);
    g_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(g_opt.timeout);
    signal(SIGALRM, on_alarm);
    alarm(unsigned(g_opt.timeout) + 5);  // backstop in case something blocks outside our polls

    static sasl_callback_t global_cbs[] = {
        {SASL_CB_GETOPT, cb_proc(cb_getopt), nullptr},
        {SASL_CB_GETPATH, cb_proc(cb_getpath), nullptr},
        {SASL_CB_GETCONFPATH, cb_proc(cb_getconfpath), nullptr},
        {SASL_CB_LOG, cb_proc(cb_log), nullptr},
        {SASL_CB_LIST_END, nullptr, nullptr},
    };

    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(uint16_t(g_opt.port));

    if (g_opt.server) {
        int rc = sasl_server_init(global_cbs, kAppName);
        if (rc != SASL_OK) setup_fail("sasl_server_init: " + std::string(sasl_errstring(rc, nullptr, nullptr)));
        rc = sasl_auxprop_add_plugin(kAuxpropName, aux_init);
        if (rc != SASL_OK) setup_fail("sasl_auxprop_add_plugin: " + std::string(sasl_errstring(rc, nullptr, nullptr)));
        const char* const* mechs = sasl_global_listmech();
        bool found = false;
        for (; mechs && *mechs; ++mechs) found = found || std::strcmp(*mechs, kMech) == 0;
        if (!found) setup_fail("no DIGEST-MD5 server plugin in " + g_opt.plugin_dir);

        int lfd = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (lfd < 0 || bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || listen(lfd, 1) < 0)
            setup_fail(std::string("listen: ") + std::strerror(errno));
        socklen_t alen = sizeof addr;
        getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &alen);
        g_opt.port = ntohs(addr.sin_port);
        out_line("PORT " + std::to_string(g_opt.port));
        int result = run_server(lfd);
        sasl_server_done();
        return result;
    }

    int rc = sasl_client_init(global_cbs);
    if (rc != SASL_OK) setup_fail("sasl_client_init: " + std::string(sasl_errstring(rc, nullptr, nullptr)));
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
        setup_fail(std::string("connect: ") + std::strerror(errno));
    int result = run_client(fd);
    sasl_client_done();
    return result;
}
