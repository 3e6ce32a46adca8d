#include "metrics/labels.hpp"

#include <array>

namespace faultline::metrics {

namespace {

constexpr std::array<std::string_view, kMethodCount> kMethodNames = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "other"};

}  // namespace

Method method_from_string(std::string_view method) noexcept {
  for (std::size_t i = 0; i + 1 < kMethodCount; ++i) {
    if (kMethodNames[i] == method) return static_cast<Method>(i);
  }
  return Method::other;
}

std::string_view to_string(Method method) noexcept {
  return kMethodNames[static_cast<std::size_t>(method)];
}

std::string_view to_string(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::ok:
      return "ok";
    case Outcome::upstream_error:
      return "upstream_error";
    case Outcome::timeout:
      return "timeout";
    case Outcome::injected:
      return "injected";
  }
  return "ok";
}

std::string_view to_string(UpstreamErrorReason reason) noexcept {
  switch (reason) {
    case UpstreamErrorReason::connect:
      return "connect";
    case UpstreamErrorReason::timeout:
      return "timeout";
    case UpstreamErrorReason::reset:
      return "reset";
    case UpstreamErrorReason::protocol:
      return "protocol";
  }
  return "protocol";
}

std::string_view to_string(Side side) noexcept {
  return side == Side::client ? "client" : "upstream";
}

std::string_view to_string(Direction direction) noexcept {
  return direction == Direction::in ? "in" : "out";
}

std::string status_label(std::size_t slot) {
  return std::to_string(slot);
}

}  // namespace faultline::metrics
