// The finite label values of the faultline metrics (README "Metrics"), as small enums so
// that the hot path indexes arrays instead of hashing strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace faultline::metrics {

// faultline_requests_total{method}: the methods of RFC 9110 §9.3 a proxy commonly sees;
// anything else (CONNECT, TRACE, WebDAV...) is "other" so the label set stays bounded.
enum class Method : std::uint8_t { get, head, post, put, delete_, patch, options, other };
inline constexpr std::size_t kMethodCount = 8;

// Case-sensitive, as method names are (RFC 9110 §9.1).
Method method_from_string(std::string_view method) noexcept;
std::string_view to_string(Method method) noexcept;

// faultline_requests_total{outcome}.
enum class Outcome : std::uint8_t { ok, upstream_error, timeout, injected };
inline constexpr std::size_t kOutcomeCount = 4;
std::string_view to_string(Outcome outcome) noexcept;

// faultline_upstream_errors_total{reason}.
enum class UpstreamErrorReason : std::uint8_t { connect, timeout, reset, protocol };
inline constexpr std::size_t kUpstreamErrorReasonCount = 4;
std::string_view to_string(UpstreamErrorReason reason) noexcept;

// faultline_connections{side}, faultline_network_bytes_total{side}.
enum class Side : std::uint8_t { client, upstream };
inline constexpr std::size_t kSideCount = 2;
std::string_view to_string(Side side) noexcept;

// faultline_network_bytes_total{direction}: "in" is read by faultline from that side's
// sockets, "out" is written by faultline to them.
enum class Direction : std::uint8_t { in, out };
inline constexpr std::size_t kDirectionCount = 2;
std::string_view to_string(Direction direction) noexcept;

// faultline_requests_total{code}: the response status as three digits. Statuses outside
// 100..599 (none was sent: the client went away first) are recorded as code "0", as
// Envoy does.
inline constexpr std::size_t kStatusSlots = 600;
constexpr std::size_t status_slot(unsigned status) noexcept {
  return status >= 100 && status < kStatusSlots ? status : 0;
}
std::string status_label(std::size_t slot);

}  // namespace faultline::metrics
