// SPDX-License-Identifier: BSD-3-Clause
// peer_wire.hpp: what the interop test peers (sasl_peer.cpp, gsasl_peer.cpp) share: the exit
// codes, the line framing over one TCP connection with its deadline, base64 and the test
// messages. sasl_peer.cpp's header comment describes the framing and the message content.
#pragma once

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
#include <string>
#include <utility>

namespace peer_wire {

constexpr int kExitOk = 0;
constexpr int kExitAuth = 1;
constexpr int kExitData = 2;
constexpr int kExitSetup = 3;

inline std::chrono::steady_clock::time_point g_deadline;
inline volatile sig_atomic_t g_phase_exit = kExitAuth;  // exit code used on a timeout
// g_trace, when set, sees every line read ("< ...") and sent ("> ...").
inline void (*g_trace)(const std::string&) = nullptr;

inline void out_line(const std::string& s) {
    std::fputs(s.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

extern "C" inline void on_alarm(int) {
    static const char msg[] = "TIMEOUT alarm\n";
    ssize_t ignored = write(STDOUT_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    _exit(g_phase_exit);
}

// ---------------------------------------------------------------- base64

inline constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

inline std::string b64_encode(const unsigned char* p, size_t n) {
    std::string r;
    r.reserve((n + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t(p[i]) << 16) | (uint32_t(p[i + 1]) << 8) | p[i + 2];
        r += kB64[v >> 18];
        r += kB64[(v >> 12) & 63];
        r += kB64[(v >> 6) & 63];
        r += kB64[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = uint32_t(p[i]) << 16;
        r += kB64[v >> 18];
        r += kB64[(v >> 12) & 63];
        r += "==";
    } else if (n - i == 2) {
        uint32_t v = (uint32_t(p[i]) << 16) | (uint32_t(p[i + 1]) << 8);
        r += kB64[v >> 18];
        r += kB64[(v >> 12) & 63];
        r += kB64[(v >> 6) & 63];
        r += '=';
    }
    return r;
}

inline bool b64_decode(const std::string& in, std::string& out) {
    out.clear();
    if (in.size() % 4 != 0) return false;
    uint32_t acc = 0;
    int bits = 0;
    size_t pad = 0;
    for (size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        int v;
        if (c == '=') {
            if (i + 2 < in.size()) return false;
            ++pad;
            continue;
        }
        if (pad) return false;
        const char* pos = std::strchr(kB64, c);
        if (c == '\0' || pos == nullptr) return false;
        v = int(pos - kB64);
        acc = (acc << 6) | uint32_t(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += char((acc >> bits) & 0xff);
        }
    }
    return true;
}

// ---------------------------------------------------------------- line connection

class LineConn {
public:
    explicit LineConn(int fd) : fd_(fd) {}
    ~LineConn() {
        if (fd_ >= 0) close(fd_);
    }
    LineConn(const LineConn&) = delete;
    LineConn& operator=(const LineConn&) = delete;

    // Reads one line (without '\n'). On failure sets error() and returns false.
    bool read_line(std::string& line) {
        for (;;) {
            size_t nl = buf_.find('\n');
            if (nl != std::string::npos) {
                line.assign(buf_, 0, nl);
                buf_.erase(0, nl + 1);
                if (g_trace != nullptr) g_trace("< " + line.substr(0, 1000));
                return true;
            }
            if (!wait_readable()) return false;
            char tmp[65536];
            ssize_t n = recv(fd_, tmp, sizeof tmp, 0);
            if (n < 0) {
                if (errno == EINTR) continue;
                error_ = std::string("recv: ") + std::strerror(errno);
                return false;
            }
            if (n == 0) {
                error_ = "connection closed by peer";
                return false;
            }
            buf_.append(tmp, size_t(n));
        }
    }

    bool send_line(const std::string& s) {
        if (g_trace != nullptr) g_trace("> " + s.substr(0, 1000));
        std::string data = s + "\n";
        size_t off = 0;
        while (off < data.size()) {
            ssize_t n = send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) continue;
                error_ = std::string("send: ") + std::strerror(errno);
                return false;
            }
            off += size_t(n);
        }
        return true;
    }

    const std::string& error() const { return error_; }

private:
    bool wait_readable() {
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                g_deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                error_ = "timeout";
                return false;
            }
            pollfd p{fd_, POLLIN, 0};
            int r = poll(&p, 1, int(std::min<long long>(left.count(), 1000000)));
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) {
                error_ = std::string("poll: ") + std::strerror(errno);
                return false;
            }
            if (r > 0) return true;
        }
    }

    int fd_;
    std::string buf_;
    std::string error_;
};

// Reads one line; on failure reports it and exits with the current phase's code.
inline std::string must_read(LineConn& c) {
    std::string line;
    if (!c.read_line(line)) {
        if (c.error() == "timeout")
            out_line(std::string("TIMEOUT ") + (g_phase_exit == kExitAuth ? "auth" : "data"));
        else
            out_line("PEER FAIL " + c.error());
        std::exit(g_phase_exit);
    }
    return line;
}

inline void must_send(LineConn& c, const std::string& s) {
    if (!c.send_line(s)) {
        out_line("PEER FAIL " + c.error());
        std::exit(g_phase_exit);
    }
}

// "TAG <b64 of data>", or just "TAG" when there is no data.
inline std::string tagged(const char* tag, const char* data, size_t len) {
    if (!data || len == 0) return tag;
    return std::string(tag) + " " + b64_encode(reinterpret_cast<const unsigned char*>(data), len);
}

// Splits "TAG rest" into tag and rest ("TAG" alone gives an empty rest).
inline std::pair<std::string, std::string> split_tag(const std::string& line) {
    size_t sp = line.find(' ');
    if (sp == std::string::npos) return {line, ""};
    return {line.substr(0, sp), line.substr(sp + 1)};
}

// ---------------------------------------------------------------- test messages

inline std::string make_message(size_t size) {
    uint32_t x = uint32_t(size * 2654435761u) ^ 0x9E3779B9u;
    if (x == 0) x = 1;
    std::string m(size, '\0');
    for (size_t i = 0; i < size; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        m[i] = char(x & 0xff);
    }
    return m;
}

inline std::string compare_message(const std::string& got, size_t size) {
    if (got.size() != size) return "length " + std::to_string(got.size()) + " != " + std::to_string(size);
    if (got != make_message(size)) return "content differs";
    return "";
}

}  // namespace peer_wire
