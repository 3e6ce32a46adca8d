// Base64 with the standard alphabet and '=' padding (RFC 4648 §4): how HdrHistogram's log
// format and faultline's JSON reports carry encoded histograms as text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace faultline::metrics {

std::string base64_encode(std::string_view bytes);

// nullopt when `text` is not base64 (wrong alphabet, length or padding).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace faultline::metrics
