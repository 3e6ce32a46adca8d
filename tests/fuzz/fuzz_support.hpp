// Shared by the fuzz targets: a property check that stays on in every build type, and a
// reader that splits one fuzz input into the few choices a target makes before its bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

// assert() is compiled out under NDEBUG; a broken property must abort in every build so
// that libFuzzer keeps the input as a finding and the replay test fails on it.
#define FUZZ_CHECK(condition)                                                                     \
  do {                                                                                            \
    if (!(condition)) {                                                                           \
      std::fprintf(stderr, "fuzz property broken: %s (%s:%d)\n", #condition, __FILE__, __LINE__); \
      std::abort();                                                                               \
    }                                                                                             \
  } while (0)

namespace faultline::fuzz {

// Takes single bytes and lines off the front of the input; the rest is the payload. A
// short input yields zeros, so every input is valid.
class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  std::uint8_t byte() {
    if (rest_.empty()) return 0;
    const auto value = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return value;
  }

  // Up to (not including) the next '\n', which is consumed.
  std::string_view line() {
    const std::size_t end = rest_.find('\n');
    const std::string_view taken = rest_.substr(0, end);
    rest_.remove_prefix(end == std::string_view::npos ? rest_.size() : end + 1);
    return taken;
  }

  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

}  // namespace faultline::fuzz
