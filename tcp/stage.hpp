// The TCP fault vocabulary: what one stage of a direction's chain does to the bytes that
// pass it. Settings only (parsed once, shared by every connection); stage_chain.hpp keeps
// the per-connection state and decides when each byte leaves.
//
// Toxiproxy's toxic types map one to one (toxic.hpp): latency → DelayStage, bandwidth →
// ThrottleStage, timeout → HangStage, reset_peer → ResetStage, limit_data → TruncateStage,
// slicer → SliceStage, slow_close → SlowCloseStage, noop → PassStage.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "faults/distribution.hpp"
#include "faults/rule.hpp"

namespace faultline::tcp {

using Duration = std::chrono::microseconds;

// The two directions of a proxied connection: upstream (client → server) and downstream.
using Stream = faults::Stream;
std::string_view to_string(Stream stream);
// "upstream" or "downstream", any case (as Toxiproxy parses it); nullopt otherwise.
std::optional<Stream> parse_stream(std::string_view text);

// Passes everything unchanged (Toxiproxy's noop).
struct PassStage {
  bool operator==(const PassStage&) const = default;
};

// Each chunk leaves a draw of the distribution after it arrived; order is kept, so a
// chunk never leaves before the one ahead of it.
struct DelayStage {
  faults::Distribution distribution;
  bool operator==(const DelayStage&) const = default;
};

// At most bytes_per_second, sent in pieces of a tenth of a second's worth; 0 = unlimited.
struct ThrottleStage {
  std::uint64_t bytes_per_second = 0;
  bool operator==(const ThrottleStage&) const = default;
};

// The first data (or the end of the stream) is dropped and, `after` later, the whole
// connection is reset: SO_LINGER 0, then close, so both peers see an RST.
struct ResetStage {
  Duration after{0};
  bool operator==(const ResetStage&) const = default;
};

// Swallows the data. With `close_after`, the connection is closed once that long has
// passed without data arriving (measured from the stage's start, then from each swallowed
// chunk); without it, never. The end of the stream is passed on.
struct HangStage {
  std::optional<Duration> close_after;
  bool operator==(const HangStage&) const = default;
};

// Passes `after_bytes` of this direction, then closes the whole connection.
struct TruncateStage {
  std::uint64_t after_bytes = 0;
  bool operator==(const TruncateStage&) const = default;
};

// Cuts the data into slices of average_size ± size_variation bytes (uniform), with `delay`
// after each slice.
struct SliceStage {
  std::uint64_t average_size = 1;
  std::uint64_t size_variation = 0;
  Duration delay{0};
  bool operator==(const SliceStage&) const = default;
};

// Data passes; the end of the stream is passed on `delay` after it arrives.
struct SlowCloseStage {
  Duration delay{0};
  bool operator==(const SlowCloseStage&) const = default;
};

using StageSettings = std::variant<PassStage, DelayStage, ThrottleStage, ResetStage, HangStage,
                                   TruncateStage, SliceStage, SlowCloseStage>;

// The `kind` label of faultline_tcp_faults_injected_total, as the config names the action:
// "delay", "throttle", "reset", "hang", "truncate", "slice", "slow_close" ("pass" for noop).
std::string_view kind_name(const StageSettings& settings);

// One stage of a proxy's chain in one direction, as every connection of that proxy sees
// it. `id` names the stage for the life of the proxy (a rule or a toxic); `version` changes
// when its settings or toxicity change, so an open connection re-rolls the toxicity then.
struct ChainEntry {
  std::uint64_t id = 0;
  std::uint64_t version = 0;
  double toxicity = 1.0;  // probability, rolled once per connection, that the stage applies
  StageSettings settings;
  std::string rule;     // the rule or toxic name, for faultline_tcp_faults_injected_total
  std::string profile;  // the profile it belongs to ("toxiproxy" for the API's toxics)
  bool operator==(const ChainEntry&) const = default;
};

}  // namespace faultline::tcp
