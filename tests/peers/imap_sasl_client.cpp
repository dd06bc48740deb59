// SPDX-License-Identifier: BSD-3-Clause
// imap_sasl_client — a minimal IMAP AUTHENTICATE client over libsasl2 for the Dovecot interop test.
//
// It loads mechanism plugins only from --plugin-dir, passes plugin options through a getopt
// callback (--opt key=value, which imtest cannot do) and authenticates --connections times in one
// process, each time on a new TCP connection to 127.0.0.1:--port, so a client-side cache of
// subsequent authentication (digestmd5_client_reauth=yes) carries from one connection to the next.
// It offers libsasl2 an initial response slot (SASL-IR, RFC 4959) whenever the server advertises
// SASL-IR, as a real client would.
//
// Output, one line per event (the test script greps these):
//   conn N: initial-response yes|no
//   conn N: S: <decoded server challenge or additional data>
//   conn N: C: <decoded client response>
//   conn N: result OK|NO|BAD|ERROR <detail> challenges=<count of server continuations>
// Exit status: 0 when every connection ended in a tagged OK, 1 otherwise, 2 on usage errors.

#include <sasl/sasl.h>
#include <sasl/saslutil.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

struct Options {
    int port = 0;
    std::string plugin_dir;
    std::string user;
    std::string password;
    std::string realm;
    bool have_realm = false;
    int connections = 1;
    int timeout = 10;
    std::map<std::string, std::string> opts;
};

Options g_opt;
std::vector<char> g_secret;  // sasl_secret_t storage for the password callback

using cb_fn = int (*)();
template <typename F>
cb_fn cb_proc(F *f) {
    // sasl_callback_t stores every callback as int (*)(); going through void (*)() keeps
    // -Wcast-function-type quiet.
    return reinterpret_cast<cb_fn>(reinterpret_cast<void (*)()>(f));
}

int cb_getpath(void *, const char **path) {
    *path = g_opt.plugin_dir.c_str();
    return SASL_OK;
}

int cb_getopt(void *, const char *plugin, const char *option, const char **result, unsigned *len) {
    (void)plugin;
    auto it = g_opt.opts.find(option ? option : "");
    if (it == g_opt.opts.end()) return SASL_FAIL;
    *result = it->second.c_str();
    if (len) *len = unsigned(it->second.size());
    return SASL_OK;
}

int cb_simple(void *, int id, const char **result, unsigned *len) {
    static const std::string empty;
    const std::string *s = nullptr;
    if (id == SASL_CB_AUTHNAME) s = &g_opt.user;
    else if (id == SASL_CB_USER) s = &empty;  // no authzid
    else return SASL_BADPARAM;
    *result = s->c_str();
    if (len) *len = unsigned(s->size());
    return SASL_OK;
}

int cb_pass(sasl_conn_t *, void *, int id, sasl_secret_t **psecret) {
    if (id != SASL_CB_PASS || !psecret) return SASL_BADPARAM;
    g_secret.assign(sizeof(sasl_secret_t) + g_opt.password.size() + 1, 0);
    auto *s = reinterpret_cast<sasl_secret_t *>(g_secret.data());
    s->len = g_opt.password.size();
    std::memcpy(s->data, g_opt.password.data(), g_opt.password.size());
    *psecret = s;
    return SASL_OK;
}

int cb_getrealm(void *, int id, const char **, const char **result) {
    if (id != SASL_CB_GETREALM || !result) return SASL_BADPARAM;
    *result = g_opt.realm.c_str();
    return SASL_OK;
}

[[noreturn]] void usage(const std::string &why) {
    std::fprintf(stderr, "imap_sasl_client: %s\n", why.c_str());
    std::fprintf(stderr, "usage: imap_sasl_client --port P --plugin-dir DIR --user U --password PW "
                         "[--realm R] [--connections N] [--timeout S] [--opt key=value]...\n");
    std::exit(2);
}

// Reads one CRLF-terminated line (without the CRLF); false on EOF, error or timeout.
class LineReader {
public:
    explicit LineReader(int fd) : fd_(fd) {}
    bool read_line(std::string &line) {
        for (;;) {
            auto pos = buf_.find("\r\n");
            if (pos != std::string::npos) {
                line = buf_.substr(0, pos);
                buf_.erase(0, pos + 2);
                return true;
            }
            char tmp[4096];
            ssize_t n = ::read(fd_, tmp, sizeof tmp);
            if (n <= 0) return false;
            buf_.append(tmp, size_t(n));
            if (buf_.size() > 1 << 20) return false;
        }
    }

private:
    int fd_;
    std::string buf_;
};

bool send_all(int fd, const std::string &s) {
    size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::write(fd, s.data() + off, s.size() - off);
        if (n <= 0) return false;
        off += size_t(n);
    }
    return true;
}

std::string b64_encode(const char *data, unsigned len) {
    std::vector<char> out(len * 4 / 3 + 8);
    unsigned outlen = 0;
    if (sasl_encode64(data, len, out.data(), unsigned(out.size()), &outlen) != SASL_OK) return {};
    return std::string(out.data(), outlen);
}

bool b64_decode(const std::string &in, std::string &out) {
    std::vector<char> buf(in.size() + 8);
    unsigned outlen = 0;
    if (in.empty()) {
        out.clear();
        return true;
    }
    if (sasl_decode64(in.data(), unsigned(in.size()), buf.data(), unsigned(buf.size()), &outlen) != SASL_OK)
        return false;
    out.assign(buf.data(), outlen);
    return true;
}

std::string printable(const std::string &s) {
    std::string r;
    for (unsigned char c : s) r += (c >= 0x20 && c < 0x7f) ? char(c) : '?';
    return r;
}

// One connection: greeting, AUTHENTICATE, LOGOUT. Returns true on a tagged OK.
bool one_connection(int n) {
    auto result = [n](const char *verdict, const std::string &detail, int challenges) {
        std::printf("conn %d: result %s %s challenges=%d\n", n, verdict, printable(detail).c_str(), challenges);
        std::fflush(stdout);
    };
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        result("ERROR", "socket", 0);
        return false;
    }
    timeval tv{g_opt.timeout, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(uint16_t(g_opt.port));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) != 0) {
        ::close(fd);
        result("ERROR", "connect", 0);
        return false;
    }
    sockaddr_in local{};
    socklen_t llen = sizeof local;
    getsockname(fd, reinterpret_cast<sockaddr *>(&local), &llen);
    std::string local_ip = "127.0.0.1;" + std::to_string(ntohs(local.sin_port));
    std::string remote_ip = "127.0.0.1;" + std::to_string(g_opt.port);

    LineReader in(fd);
    std::string line;
    bool ok = false;
    int challenges = 0;
    sasl_conn_t *conn = nullptr;
    static sasl_callback_t conn_cbs[] = {
        {SASL_CB_AUTHNAME, cb_proc(cb_simple), nullptr},
        {SASL_CB_USER, cb_proc(cb_simple), nullptr},
        {SASL_CB_PASS, cb_proc(cb_pass), nullptr},
        {SASL_CB_GETREALM, cb_proc(cb_getrealm), nullptr},
        {SASL_CB_LIST_END, nullptr, nullptr},
    };
    // Without --realm the getrealm callback is left out: libsasl2 then asks through an interaction,
    // which this client does not answer, so the mechanism must pick a realm itself or fail.
    sasl_callback_t *cbs = conn_cbs;
    static sasl_callback_t no_realm_cbs[] = {
        {SASL_CB_AUTHNAME, cb_proc(cb_simple), nullptr},
        {SASL_CB_USER, cb_proc(cb_simple), nullptr},
        {SASL_CB_PASS, cb_proc(cb_pass), nullptr},
        {SASL_CB_LIST_END, nullptr, nullptr},
    };
    if (!g_opt.have_realm) cbs = no_realm_cbs;

    do {
        if (!in.read_line(line) || line.rfind("* OK", 0) != 0) {
            result("ERROR", "no greeting: " + line, 0);
            break;
        }
        bool sasl_ir = line.find(" SASL-IR") != std::string::npos;
        int rc = sasl_client_new("imap", "127.0.0.1", local_ip.c_str(), remote_ip.c_str(), cbs, 0, &conn);
        if (rc != SASL_OK) {
            result("ERROR", std::string("sasl_client_new: ") + sasl_errstring(rc, nullptr, nullptr), 0);
            break;
        }
        sasl_security_properties_t props{};
        props.min_ssf = 0;
        props.max_ssf = 256;
        props.maxbufsize = 65536;
        sasl_setprop(conn, SASL_SEC_PROPS, &props);

        const char *out = nullptr;
        unsigned outlen = 0;
        const char *mech = nullptr;
        sasl_interact_t *interact = nullptr;
        rc = sasl_client_start(conn, "DIGEST-MD5", &interact, sasl_ir ? &out : nullptr, &outlen, &mech);
        if (rc != SASL_OK && rc != SASL_CONTINUE) {
            result("ERROR", std::string("sasl_client_start: ") + sasl_errdetail(conn), 0);
            break;
        }
        std::printf("conn %d: initial-response %s\n", n, out ? "yes" : "no");
        std::string cmd = "A1 AUTHENTICATE DIGEST-MD5";
        if (out) {
            std::printf("conn %d: C: %s\n", n, printable(std::string(out, outlen)).c_str());
            cmd += " " + (outlen ? b64_encode(out, outlen) : std::string("="));
        }
        if (!send_all(fd, cmd + "\r\n")) {
            result("ERROR", "send", 0);
            break;
        }
        bool done = false;
        while (!done) {
            if (!in.read_line(line)) {
                result("ERROR", "connection closed", challenges);
                done = true;
                break;
            }
            if (line.rfind("+", 0) == 0) {
                ++challenges;
                std::string ch;
                if (!b64_decode(line.size() > 2 ? line.substr(2) : std::string(), ch)) {
                    result("ERROR", "bad base64 from the server", challenges);
                    send_all(fd, "*\r\n");
                    done = true;
                    break;
                }
                std::printf("conn %d: S: %s\n", n, printable(ch).c_str());
                out = nullptr;
                outlen = 0;
                rc = sasl_client_step(conn, ch.data(), unsigned(ch.size()), &interact, &out, &outlen);
                if (rc != SASL_OK && rc != SASL_CONTINUE) {
                    std::printf("conn %d: client step failed: %s\n", n, printable(sasl_errdetail(conn)).c_str());
                    send_all(fd, "*\r\n");  // cancels the exchange; the server answers a tagged BAD
                    continue;
                }
                std::string resp = out && outlen ? b64_encode(out, outlen) : std::string();
                if (out && outlen) std::printf("conn %d: C: %s\n", n, printable(std::string(out, outlen)).c_str());
                if (!send_all(fd, resp + "\r\n")) {
                    result("ERROR", "send", challenges);
                    done = true;
                }
            } else if (line.rfind("A1 ", 0) == 0) {
                std::string verdict = line.substr(3, line.find(' ', 3) - 3);
                ok = verdict == "OK";
                result(verdict.c_str(), line.substr(3 + verdict.size()), challenges);
                done = true;
            }  // untagged lines are ignored
        }
        if (ok) {
            send_all(fd, "A2 LOGOUT\r\n");
            while (in.read_line(line) && line.rfind("A2 ", 0) != 0) {
            }
        }
    } while (false);
    if (conn) sasl_dispose(&conn);
    ::close(fd);
    std::fflush(stdout);
    return ok;
}

}  // namespace

int main(int argc, char **argv) {
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto val = [&]() -> std::string {
            if (i + 1 >= argc) usage("missing value for " + a);
            return argv[++i];
        };
        if (a == "--port") g_opt.port = std::atoi(val().c_str());
        else if (a == "--plugin-dir") g_opt.plugin_dir = val();
        else if (a == "--user") g_opt.user = val();
        else if (a == "--password") g_opt.password = val();
        else if (a == "--realm") {
            g_opt.realm = val();
            g_opt.have_realm = true;
        } else if (a == "--connections") g_opt.connections = std::atoi(val().c_str());
        else if (a == "--timeout") g_opt.timeout = std::atoi(val().c_str());
        else if (a == "--opt") {
            std::string kv = val();
            auto eq = kv.find('=');
            if (eq == std::string::npos) usage("--opt wants key=value");
            g_opt.opts[kv.substr(0, eq)] = kv.substr(eq + 1);
        } else usage("unknown argument " + a);
    }
    if (g_opt.port <= 0 || g_opt.plugin_dir.empty() || g_opt.user.empty() || g_opt.connections < 1)
        usage("--port, --plugin-dir, --user are required");

    static sasl_callback_t global_cbs[] = {
        {SASL_CB_GETOPT, cb_proc(cb_getopt), nullptr},
        {SASL_CB_GETPATH, cb_proc(cb_getpath), nullptr},
        {SASL_CB_LIST_END, nullptr, nullptr},
    };
    int rc = sasl_client_init(global_cbs);
    if (rc != SASL_OK) {
        std::fprintf(stderr, "sasl_client_init: %s\n", sasl_errstring(rc, nullptr, nullptr));
        return 1;
    }
    bool all_ok = true;
    for (int n = 1; n <= g_opt.connections; ++n) all_ok = one_connection(n) && all_ok;
    sasl_client_done();
    return all_ok ? 0 : 1;
}
