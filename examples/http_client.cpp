// SPDX-License-Identifier: BSD-3-Clause
// http_client.cpp: a small HTTP/1.1 client whose Digest authentication (RFC 2617/7616) is done by
// libsasl2's DIGEST-MD5 mechanism in HTTP mode (SASL_NEED_HTTP), for the HTTP interop tests.
//
// Per request, on a fresh sasl_conn_t (service "HTTP", server FQDN = the Host header):
//   1. sasl_setprop(SASL_HTTP_REQUEST) with method, URI and body, then sasl_client_start. When the
//      mechanism already has an answer (a cached nonce), it goes out as "Authorization: Digest
//      <out>"; otherwise the request carries no Authorization header.
//   2. On a 401, every "WWW-Authenticate: Digest ..." challenge is collected, from all the headers
//      and from several challenges in one header, in the server's order. sasl_client_step gets
//      one string: the parameters of the first challenge (the text after "Digest "), then for
//      each further Digest challenge ", Digest " and its parameters, e.g.
//        realm="r",nonce="n",algorithm=SHA-256, Digest realm="r",nonce="n",algorithm=MD5
//      so the mechanism sees every challenge in the server's preference order. The answer is sent
//      as "Authorization: Digest <out>" with the same request.
//   3. A 200 with "Authentication-Info: <value>" goes to sasl_client_step as <value>, which must
//      return SASL_OK (the server proved it knows the password).
// Output: one line per request, "request N: <status> auth-info: verified|absent|FAILED" (or
// "request N: error <why>"). Exit status 0 only when every request ended in 200 and no
// Authentication-Info failed verification; 1 otherwise; 2 for usage or setup errors.
// Options: see usage().
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sasl/sasl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Options {
  int port = 0;
  std::string host_header = "127.0.0.1";
  std::string plugin_dir;
  std::string user;
  std::string pass;
  std::string realm;
  bool have_realm = false;
  std::string method = "GET";
  std::string uri = "/";
  std::string body;
  bool have_body = false;
  int requests = 1;
  bool new_connection = false;
  bool verbose = false;
};

Options g_opt;

void usage() {
  std::fprintf(
      stderr,
      "usage: http_client --port P --user U --pass P [--host-header H] [--plugin-dir DIR]\n"
      "         [--realm R] [--method M] [--uri U] [--body STRING] [--requests N]\n"
      "         [--new-connection] [--verbose]\n");
  std::exit(2);
}

// ------------------------------------------------------------------ SASL callbacks

int cb_getpath(void*, const char** path) {
  *path = g_opt.plugin_dir.c_str();
  return SASL_OK;
}

int cb_getconfpath(void*, char** path) {
  // A directory without "<app>.conf": keeps the system SASL configuration out of the test.
  static char none[] = "/nonexistent/sasl-http-client";
  *path = none;
  return SASL_OK;
}

int cb_simple(void*, int id, const char** result, unsigned* len) {
  // USER = AUTHNAME, so the mechanism sends no authzid.
  if (id != SASL_CB_AUTHNAME && id != SASL_CB_USER) return SASL_BADPARAM;
  *result = g_opt.user.c_str();
  if (len) *len = unsigned(g_opt.user.size());
  return SASL_OK;
}

int cb_pass(sasl_conn_t*, void*, int id, sasl_secret_t** secret) {
  static std::vector<unsigned char> buf;
  if (id != SASL_CB_PASS) return SASL_BADPARAM;
  buf.assign(sizeof(sasl_secret_t) + g_opt.pass.size() + 1, 0);
  auto* s = reinterpret_cast<sasl_secret_t*>(buf.data());
  s->len = g_opt.pass.size();
  std::memcpy(s->data, g_opt.pass.data(), g_opt.pass.size());
  *secret = s;
  return SASL_OK;
}

int cb_getrealm(void*, int id, const char** avail, const char** result) {
  if (id != SASL_CB_GETREALM) return SASL_BADPARAM;
  if (g_opt.have_realm) {
    *result = g_opt.realm.c_str();
  } else {
    *result = (avail && avail[0]) ? avail[0] : "";
  }
  return SASL_OK;
}

using cb_fn = int (*)();
template <typename F>
cb_fn cb_proc(F* f) {
  // void(*)() matches every function type, so this double cast is warning-free.
  return reinterpret_cast<cb_fn>(reinterpret_cast<void (*)()>(f));
}

// ------------------------------------------------------------------ HTTP plumbing

struct Response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // name lower-cased
  std::string body;
  bool server_closes = false;
};

class Connection {
 public:
  ~Connection() { close_fd(); }

  bool open() {
    close_fd();
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(uint16_t(g_opt.port));
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close_fd();
      return false;
    }
    buf_.clear();
    return true;
  }
  bool is_open() const { return fd_ >= 0; }
  void close_fd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool send_all(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      off += size_t(n);
    }
    return true;
  }

  // One CRLF- (or LF-) terminated line without its terminator; false at EOF.
  bool read_line(std::string& line) {
    for (;;) {
      size_t nl = buf_.find('\n');
      if (nl != std::string::npos) {
        line = buf_.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        buf_.erase(0, nl + 1);
        return true;
      }
      if (!fill()) return false;
    }
  }

  bool read_exact(size_t n, std::string& out) {
    while (buf_.size() < n) {
      if (!fill()) return false;
    }
    out.append(buf_, 0, n);
    buf_.erase(0, n);
    return true;
  }

  void read_to_eof(std::string& out) {
    while (fill()) {
    }
    out += buf_;
    buf_.clear();
  }

 private:
  bool fill() {
    char tmp[8192];
    for (;;) {
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buf_.append(tmp, size_t(n));
      return true;
    }
  }

  int fd_ = -1;
  std::string buf_;
};

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

bool read_response(Connection& c, const std::string& method, Response& r) {
  std::string line;
  do {  // skip 1xx interim responses
    r = Response{};
    if (!c.read_line(line)) return false;
    if (line.rfind("HTTP/", 0) != 0 || line.size() < 12) return false;
    r.status = std::atoi(line.c_str() + 9);
    if (g_opt.verbose) std::fprintf(stderr, "S: %s\n", line.c_str());
    for (;;) {
      if (!c.read_line(line)) return false;
      if (line.empty()) break;
      if (g_opt.verbose) std::fprintf(stderr, "S: %s\n", line.c_str());
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      r.headers.emplace_back(lower(line.substr(0, colon)), trim(line.substr(colon + 1)));
    }
  } while (r.status >= 100 && r.status < 200);

  std::string te, cl;
  for (auto& [name, value] : r.headers) {
    if (name == "transfer-encoding") te = lower(value);
    if (name == "content-length") cl = value;
    if (name == "connection" && lower(value).find("close") != std::string::npos) {
      r.server_closes = true;
    }
  }
  if (method == "HEAD" || r.status == 204 || r.status == 304) return true;
  if (te.find("chunked") != std::string::npos) {
    for (;;) {
      if (!c.read_line(line)) return false;
      size_t size = std::strtoul(line.c_str(), nullptr, 16);
      if (size == 0) break;
      if (!c.read_exact(size, r.body) || !c.read_line(line)) return false;
    }
    while (c.read_line(line) && !line.empty()) {  // trailers
    }
    return true;
  }
  if (!cl.empty()) return c.read_exact(std::strtoul(cl.c_str(), nullptr, 10), r.body);
  c.read_to_eof(r.body);  // neither: the body ends with the connection
  r.server_closes = true;
  return true;
}

// Splits one WWW-Authenticate value into its challenges: ("digest", params) pairs. A new
// challenge starts at a token that is followed by whitespace and a token68 or an auth-param (not
// by '='), outside quoted strings.
std::vector<std::pair<std::string, std::string>> split_challenges(const std::string& v) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t i = 0, n = v.size();
  auto is_tchar = [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || std::strchr("!#$%&'*+-.^_`|~", ch);
  };
  std::string scheme, params;
  bool in_quotes = false;
  while (i < n) {
    // At an element boundary (start or after a comma): is this a new scheme?
    size_t j = i;
    while (j < n && (v[j] == ' ' || v[j] == '\t' || v[j] == ',')) j++;
    size_t k = j;
    while (k < n && is_tchar(v[k])) k++;
    bool new_scheme = k > j && (k == n || v[k] == ' ' || v[k] == '\t');
    if (new_scheme) {
      size_t m = k;
      while (m < n && (v[m] == ' ' || v[m] == '\t')) m++;
      if (m < n && v[m] == '=') new_scheme = false;  // "name = value"
    }
    if (new_scheme) {
      if (!scheme.empty()) out.emplace_back(lower(scheme), trim(params));
      scheme = v.substr(j, k - j);
      params.clear();
      i = k;
      while (i < n && (v[i] == ' ' || v[i] == '\t')) i++;
    } else if (j != i) {
      if (!params.empty()) params += ',';
      i = j;
    }
    // Copy up to the next comma outside quotes.
    while (i < n) {
      char ch = v[i];
      if (in_quotes) {
        params += ch;
        if (ch == '\\' && i + 1 < n)
          params += v[++i];
        else if (ch == '"')
          in_quotes = false;
        i++;
        continue;
      }
      if (ch == '"') in_quotes = true;
      if (ch == ',') break;
      params += ch;
      i++;
    }
    while (!params.empty() && (params.back() == ' ' || params.back() == '\t')) params.pop_back();
  }
  if (!scheme.empty()) out.emplace_back(lower(scheme), trim(params));
  return out;
}

std::string digest_challenges(const Response& r) {
  std::string all;
  for (auto& [name, value] : r.headers) {
    if (name != "www-authenticate") continue;
    for (auto& [scheme, params] : split_challenges(value)) {
      if (scheme != "digest") continue;
      if (!all.empty()) all += ", Digest ";
      all += params;
    }
  }
  return all;
}

const std::string* header(const Response& r, const char* name) {
  for (auto& [n, v] : r.headers) {
    if (n == name) return &v;
  }
  return nullptr;
}

std::string build_request(const std::string& auth, bool close) {
  std::string req = g_opt.method + " " + g_opt.uri + " HTTP/1.1\r\nHost: " + g_opt.host_header +
                    "\r\nUser-Agent: sasl-http-client\r\n";
  if (!auth.empty()) req += "Authorization: Digest " + auth + "\r\n";
  if (g_opt.have_body) {
    req +=
        "Content-Type: text/plain\r\nContent-Length: " + std::to_string(g_opt.body.size()) + "\r\n";
  }
  if (close) req += "Connection: close\r\n";
  req += "\r\n";
  if (g_opt.verbose) {
    size_t pos = 0, nl;
    while ((nl = req.find("\r\n", pos)) != std::string::npos && nl != pos) {
      std::fprintf(stderr, "C: %s\n", req.substr(pos, nl - pos).c_str());
      pos = nl + 2;
    }
  }
  return req + g_opt.body;
}

std::string sasl_detail(sasl_conn_t* conn, int rc) {
  const char* d = conn ? sasl_errdetail(conn) : nullptr;
  return std::string(sasl_errstring(rc, nullptr, nullptr)) + (d ? std::string(" / ") + d : "");
}

// Sends the request (reconnecting when needed) and reads the response.
bool exchange(Connection& c, const std::string& auth, Response& r, std::string& why) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!c.is_open() && !c.open()) {
      why = std::string("connect: ") + std::strerror(errno);
      return false;
    }
    if (c.send_all(build_request(auth, g_opt.new_connection)) &&
        read_response(c, g_opt.method, r)) {
      if (r.server_closes) c.close_fd();
      return true;
    }
    // A kept-alive connection the server has closed meanwhile: one retry on a new one.
    c.close_fd();
    if (g_opt.verbose) std::fprintf(stderr, "connection lost, reconnecting\n");
  }
  why = "no response";
  return false;
}

// One authenticated request. Returns true on 200 with no failed Authentication-Info.
bool do_request(int n, Connection& c) {
  if (g_opt.new_connection) c.close_fd();
  std::string why;
  sasl_conn_t* conn = nullptr;
  int rc = sasl_client_new("HTTP", g_opt.host_header.c_str(), nullptr, nullptr, nullptr,
                           SASL_NEED_HTTP, &conn);
  if (rc != SASL_OK) {
    std::printf("request %d: error sasl_client_new: %s\n", n, sasl_detail(nullptr, rc).c_str());
    return false;
  }
  sasl_http_request_t req{g_opt.method.c_str(), g_opt.uri.c_str(),
                          reinterpret_cast<const unsigned char*>(g_opt.body.data()),
                          g_opt.body.size(), g_opt.new_connection ? 1u : 0u};
  sasl_setprop(conn, SASL_HTTP_REQUEST, &req);

  const char* out = nullptr;
  unsigned outlen = 0;
  const char* mech = nullptr;
  sasl_interact_t* interact = nullptr;
  rc = sasl_client_start(conn, "DIGEST-MD5", &interact, &out, &outlen, &mech);
  if (rc != SASL_OK && rc != SASL_CONTINUE) {
    std::printf("request %d: error sasl_client_start: %s\n", n, sasl_detail(conn, rc).c_str());
    sasl_dispose(&conn);
    return false;
  }
  std::string auth = (out && outlen) ? std::string(out, outlen) : std::string();

  Response r;
  bool ok = exchange(c, auth, r, why);
  // A refused answer to a challenge is final; a refused cached answer (stale nonce) gets one more
  // round with the fresh challenge.
  const int rounds = auth.empty() ? 1 : 2;
  for (int round = 0; ok && r.status == 401 && round < rounds; ++round) {
    std::string chal = digest_challenges(r);
    if (chal.empty()) break;
    rc = sasl_client_step(conn, chal.c_str(), unsigned(chal.size()), &interact, &out, &outlen);
    if (rc != SASL_OK && rc != SASL_CONTINUE) {
      why = "sasl_client_step: " + sasl_detail(conn, rc);
      ok = false;
      break;
    }
    if (!out || !outlen) {
      why = "mechanism produced no response to the challenge";
      ok = false;
      break;
    }
    auth.assign(out, outlen);
    ok = exchange(c, auth, r, why);
  }
  if (!ok) {
    std::printf("request %d: error %s\n", n, why.c_str());
    sasl_dispose(&conn);
    return false;
  }

  const char* info = "absent";
  bool good = r.status == 200;
  if (const std::string* ai = header(r, "authentication-info"); ai && r.status == 200) {
    rc = sasl_client_step(conn, ai->c_str(), unsigned(ai->size()), &interact, &out, &outlen);
    if (rc == SASL_OK) {
      info = "verified";
    } else {
      info = "FAILED";
      good = false;
      if (g_opt.verbose) {
        std::fprintf(stderr, "Authentication-Info: %s\n", sasl_detail(conn, rc).c_str());
      }
    }
  }
  std::printf("request %d: %d auth-info: %s\n", n, r.status, info);
  std::fflush(stdout);
  sasl_dispose(&conn);
  return good;
}

void parse_args(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--port")
      g_opt.port = std::atoi(value().c_str());
    else if (a == "--host-header")
      g_opt.host_header = value();
    else if (a == "--plugin-dir")
      g_opt.plugin_dir = value();
    else if (a == "--user")
      g_opt.user = value();
    else if (a == "--pass")
      g_opt.pass = value();
    else if (a == "--realm")
      g_opt.realm = value(), g_opt.have_realm = true;
    else if (a == "--method")
      g_opt.method = value();
    else if (a == "--uri")
      g_opt.uri = value();
    else if (a == "--body")
      g_opt.body = value(), g_opt.have_body = true;
    else if (a == "--requests")
      g_opt.requests = std::atoi(value().c_str());
    else if (a == "--new-connection")
      g_opt.new_connection = true;
    else if (a == "--verbose")
      g_opt.verbose = true;
    else
      usage();
  }
  if (g_opt.port <= 0 || g_opt.port > 65535 || g_opt.user.empty() || g_opt.requests < 1) usage();
}

}  // namespace

int main(int argc, char** argv) {
  parse_args(argc, argv);
  static std::vector<sasl_callback_t> global_cbs;
  if (!g_opt.plugin_dir.empty()) {
    global_cbs.push_back({SASL_CB_GETPATH, cb_proc(cb_getpath), nullptr});
  }
  global_cbs.push_back({SASL_CB_GETCONFPATH, cb_proc(cb_getconfpath), nullptr});
  global_cbs.push_back({SASL_CB_AUTHNAME, cb_proc(cb_simple), nullptr});
  global_cbs.push_back({SASL_CB_USER, cb_proc(cb_simple), nullptr});
  global_cbs.push_back({SASL_CB_PASS, cb_proc(cb_pass), nullptr});
  global_cbs.push_back({SASL_CB_GETREALM, cb_proc(cb_getrealm), nullptr});
  global_cbs.push_back({SASL_CB_LIST_END, nullptr, nullptr});
  int rc = sasl_client_init(global_cbs.data());
  if (rc != SASL_OK) {
    std::fprintf(stderr, "sasl_client_init: %s\n", sasl_errstring(rc, nullptr, nullptr));
    return 2;
  }

  bool all_ok = true;
  Connection c;
  for (int n = 1; n <= g_opt.requests; ++n) {
    if (!do_request(n, c)) all_ok = false;
  }
  c.close_fd();
  sasl_client_done();
  return all_ok ? 0 : 1;
}
