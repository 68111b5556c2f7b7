// One table per enum: the only place its names are spelled. An enum's name() and parse_*()
// are two lookups in its table, so a new value is one new row and the two can never disagree.
// Header-only and dependency-free, so every folder (oracles/ included) may use it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mxconf {

template <typename E>
struct Named {
  E value;
  std::string_view name;
};

// The name of `v` in `table`, or `missing` for a value the table lacks.
template <typename E, size_t N>
constexpr std::string_view name_in(const Named<E> (&table)[N], E v,
                                   std::string_view missing = "?") {
  for (const auto& n : table) {
    if (n.value == v) return n.name;
  }
  return missing;
}

// The value named `s` in `table`, or nothing.
template <typename E, size_t N>
constexpr std::optional<E> parse_in(const Named<E> (&table)[N], std::string_view s) {
  for (const auto& n : table) {
    if (n.name == s) return n.value;
  }
  return std::nullopt;
}

// The names of every value, joined by `sep` (for help texts and error messages).
template <typename E, size_t N>
std::string names_of(const Named<E> (&table)[N], std::string_view sep = ", ") {
  std::string out;
  for (const auto& n : table) {
    if (!out.empty()) out += sep;
    out += n.name;
  }
  return out;
}

}  // namespace mxconf
