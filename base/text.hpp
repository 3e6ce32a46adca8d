// Small ASCII text helpers shared by every layer. ASCII only on purpose: header names,
// methods, hosts and config keys are ASCII by definition, and locale-dependent
// functions (std::tolower with a locale) would make parsing depend on the environment.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace faultline {

inline char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
inline char ascii_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

std::string lowercase(std::string_view text);
std::string uppercase(std::string_view text);
// Equal ignoring ASCII case (header names, schemes, tokens).
bool iequals(std::string_view a, std::string_view b);

// Strips optional whitespace, space and horizontal tab (RFC 9110 §5.6.3 OWS), at both ends.
std::string_view trim(std::string_view text);

// Calls visit(element) for every non-empty element of a comma-separated list (RFC 9110
// §5.6.1), trimmed; no allocation.
template <class Visit>
void for_each_list_element(std::string_view list, Visit visit) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view element = trim(list.substr(0, comma));
    if (!element.empty()) visit(element);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
}

// A token (RFC 9110 §5.6.2): header names and methods are tokens.
bool is_token(std::string_view text);
// Any control character (below 0x20, or DEL) other than a horizontal tab when `allow_tab`.
bool has_control_character(std::string_view text, bool allow_tab = false);

// At most `max` bytes of `text` ("..." appended when cut): what an error message quotes of
// a peer's input, so an answer never echoes unbounded input back.
std::string excerpt(std::string_view text, std::size_t max = 64);

// "a, b and c" with last_separator = " and "; "a, b, c" with ", ".
std::string joined(const std::vector<std::string>& words, std::string_view last_separator = ", ");

}  // namespace faultline
