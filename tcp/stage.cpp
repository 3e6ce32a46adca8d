#include "tcp/stage.hpp"

namespace faultline::tcp {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char c = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
    if (c != b[i]) return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(Stream stream) {
  return stream == Stream::upstream ? "upstream" : "downstream";
}

std::optional<Stream> parse_stream(std::string_view text) {
  if (equal_ignoring_case(text, "upstream")) return Stream::upstream;
  if (equal_ignoring_case(text, "downstream")) return Stream::downstream;
  return std::nullopt;
}

std::string_view kind_name(const StageSettings& settings) {
  return std::visit(Overloaded{
                        [](const PassStage&) { return std::string_view("pass"); },
                        [](const DelayStage&) { return std::string_view("delay"); },
                        [](const ThrottleStage&) { return std::string_view("throttle"); },
                        [](const ResetStage&) { return std::string_view("reset"); },
                        [](const HangStage&) { return std::string_view("hang"); },
                        [](const TruncateStage&) { return std::string_view("truncate"); },
                        [](const SliceStage&) { return std::string_view("slice"); },
                        [](const SlowCloseStage&) { return std::string_view("slow_close"); },
                    },
                    settings);
}

}  // namespace faultline::tcp
