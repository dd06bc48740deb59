// SPDX-License-Identifier: BSD-3-Clause
// plugin_runs.hpp: the measurements made through libsasl2 with one DIGEST-MD5 plugin loaded.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "bench/cases.hpp"
#include "bench/report.hpp"

namespace dmd5bench {

// start_libsasl2 initialises libsasl2 with only the plugin in `plugin_dir` and the embedded
// user store (examples/sasl_pair). It returns false, after reporting why, when that fails.
bool start_libsasl2(Report& report, const std::string& plugin_dir, bool reauth = false);

// run_layers authenticates one client+server pair per layer case and reports, per chunk size,
// the MB/s of sasl_encode on the client followed by sasl_decode on the server
// ("layer/<case>/<chunk>"), the MB/s of the OpenSSL floor (floor.hpp) timed in alternating
// slices in the same process ("floor/..."), and the ratio of the two ("ratio/..."). A case the
// plugin cannot negotiate is reported unavailable (its floor is still measured).
void run_layers(Report& report, double scale);

// run_handshakes reports full authentications per second ("hs/<case>"): each creates a client and
// a server connection, runs the exchange and disposes both; then, for each layer case, the auth
// handshake, the layered one and its handshake floor (floor.hpp) in alternating slices: the
// floor's rate ("hsfloor/<case>") and the microseconds the layer adds ("hsadd/<case>").
void run_handshakes(Report& report, double scale);
// run_reauth_handshakes times subsequent authentications (kReauthCases); start_libsasl2 must
// have been called with reauth = true.
void run_reauth_handshakes(Report& report, double scale);

// run_thread_scaling reports, for each kThreadCases entry and n = 1, 2, ... threads (up to the
// CPUs this process may run on), the handshakes per wall second of n threads at once
// ("thr/<case>/<n>"). With `reauth` it runs the reauth cases (start_libsasl2 with reauth = true),
// otherwise the full ones, and first the machine's own scaling: the rc4 handshake floor
// (OpenSSL alone) on the same numbers of threads ("thr/<kThreadReference>/<n>").
void run_thread_scaling(Report& report, double scale, bool reauth);
// thread_steps_max is the number of CPUs this process may run on; thread_steps the thread counts
// run_thread_scaling measures (1, 2, ... 8, then doubling, and thread_steps_max()).
unsigned thread_steps_max();
std::vector<unsigned> thread_steps();

// run_loop makes `n` handshakes of the handshake case `name`, or n rounds of its handshake floor
// for "floor-<name>", untimed (instruction counts under callgrind: the difference between two
// values of n is the cost of that many). False when the case is unknown or a handshake failed.
bool run_loop(const std::string& name, std::size_t n);

// run_memory keeps c.pairs authenticated pairs alive and reports the growth per pair of the
// RSS ("mem/<case>/rss") and of malloc's live bytes ("mem/<case>/heap"), the peak RSS, and the
// live bytes per pair still allocated once every pair is disposed ("mem/<case>/kept", i.e.
// leaked). Call it first in a fresh process: memory freed by earlier work would hide part of
// the growth.
void run_memory(Report& report, const MemoryCase& c);

}  // namespace dmd5bench
