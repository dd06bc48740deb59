// SPDX-License-Identifier: BSD-3-Clause
// session.hpp: what the client and server sessions share: a step's output, the outcome of a
// finished authentication, and the layer built from H(A1) (docs/protocol.md §7.1).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "common/cipher_table.hpp"
#include "common/crypto.hpp"
#include "common/errc.hpp"
#include "common/secure.hpp"
#include "common/security_layer.hpp"

namespace digestmd5 {

// StepOutput is a view into session-owned storage, valid until the next step or destruction.
struct StepOutput {
  std::string_view data;
  bool done = false;
};

// Outcome describes a finished authentication.
struct Outcome {
  Qop qop = Qop::Auth;
  std::optional<CipherId> cipher;
  unsigned ssf = 0;
  std::uint32_t max_out = 0;  // 0 without a layer
};

// install_layer derives the four keys from `ha1`, creates the layer `config` describes and
// records its largest message in `outcome`. It fails as SecurityLayer::create does.
Result<std::unique_ptr<SecurityLayer>> install_layer(const std::shared_ptr<const Crypto>& crypto,
                                                     const Digest16& ha1, const LayerConfig& config,
                                                     Outcome& outcome);

}  // namespace digestmd5
