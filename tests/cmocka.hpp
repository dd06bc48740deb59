// SPDX-License-Identifier: BSD-3-Clause
// cmocka.hpp: the only include of <cmocka.h>; CMocka 1.1.5 declares its API without extern "C".
#pragma once

#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstdint>

extern "C" {
#include <cmocka.h>
}
