// SPDX-License-Identifier: BSD-3-Clause
// session.cpp: the one place a security layer is built from H(A1).
#include "common/session.hpp"

#include "common/digest.hpp"

namespace digestmd5 {

Result<std::unique_ptr<SecurityLayer>> install_layer(const std::shared_ptr<const Crypto>& crypto,
                                                     const Digest16& ha1, const LayerConfig& config,
                                                     Outcome& outcome) {
  const LayerKeys keys = derive_keys(*crypto, ha1, config.cipher);
  auto layer = SecurityLayer::create(crypto, keys, config);
  if (layer) {
    outcome.max_out = (*layer)->max_out();
  }
  return layer;
}

}  // namespace digestmd5
