// SPDX-License-Identifier: BSD-3-Clause
// directive_binder.hpp: binds a lexed directive list to a message through a table of rules, so
// that each message's parser is its table plus its cross-field checks (docs/protocol.md §2).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/directive_list.hpp"
#include "common/errc.hpp"

namespace digestmd5 {

// How often a directive may appear, and whether the message needs it.
enum class Occurs { Once, Many };
enum class Need { Optional, Required, RequiredNonEmpty };

// DirectiveRule is one row of a message's table: the directive's name, how often it may appear,
// whether it must be there, the refusal texts, and how its value goes into the draft message
// `Draft` (bind may refuse the value with its own text).
template <typename Draft>
struct DirectiveRule {
  std::string_view name;
  Occurs occurs;
  Need need;
  std::string_view duplicate;  // text when an Occurs::Once directive appears again
  std::string_view missing;    // text when a required directive is absent (or empty)
  Status (*bind)(Draft& draft, std::string& value);
};

// bind_directives feeds every element of `list` whose name (case-insensitively) has a rule to
// that rule, in message order, refusing repeats of Occurs::Once directives; names without a rule
// are ignored (docs/protocol.md §2 rule 4). Then it checks the required directives in table order.
// Every refusal is Errc::BadProtocol with the rule's text.
template <typename Draft, std::size_t N>
Status bind_directives(std::vector<Directive>& list,
                       const std::array<DirectiveRule<Draft>, N>& rules, Draft& draft) {
  std::array<bool, N> seen{};
  std::array<bool, N> empty{};
  for (auto& d : list) {
    std::size_t i = 0;
    while (i < N && !iequals(d.name, rules[i].name)) {
      ++i;
    }
    if (i == N) {
      continue;
    }
    const auto& rule = rules[i];
    if (seen[i] && rule.occurs == Occurs::Once) {
      return fail(Errc::BadProtocol, rule.duplicate);
    }
    seen[i] = true;
    empty[i] = d.value.empty();
    if (const auto st = rule.bind(draft, d.value); !st) {
      return st;
    }
  }
  for (std::size_t i = 0; i < N; ++i) {
    const Need need = rules[i].need;
    if ((need != Need::Optional && !seen[i]) || (need == Need::RequiredNonEmpty && empty[i])) {
      return fail(Errc::BadProtocol, rules[i].missing);
    }
  }
  return {};
}

}  // namespace digestmd5
