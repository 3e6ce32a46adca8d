// The body half of a fault plan: throttle (pace), truncate (end early), corrupt (flip
// bytes, length unchanged). Pure logic over the pieces a session relays; the session does
// the waiting and the writing. Time is passed in.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "faults/plan.hpp"
#include "faults/rng.hpp"

namespace faultline::proxy {

class BodyShaping {
 public:
  using Clock = std::chrono::steady_clock;

  // `content_length` spreads corruption over the whole body; without it the flipped bytes
  // fall in the first piece.
  BodyShaping(const faults::FaultPlan& plan, faults::Rng& rng,
              std::optional<std::uint64_t> content_length);

  // Whether any of the three acts on this body (else it may be relayed untouched).
  bool shapes_body() const { return throttle_ || truncate_ || corrupt_count_ != 0; }

  // How much to read next: a throttled body moves in slices worth 50 ms each, so the pace
  // stays smooth instead of bursting a whole buffer.
  std::size_t piece_size(std::size_t buffer_size) const;

  // Flips the planned bytes that fall in this piece (the next `size` bytes of the body).
  void corrupt(char* piece, std::size_t size);

  // Shortens `piece` to what may still pass; true when the body is cut here.
  bool truncate(std::string_view& piece);

  // Token bucket: how long to wait before `size` more bytes may go out at `now`.
  Clock::duration pause_before(std::size_t size, Clock::time_point now = Clock::now());

 private:
  std::optional<faults::Throttle> throttle_;
  std::optional<faults::Truncate> truncate_;
  std::uint64_t corrupt_count_ = 0;
  faults::Rng& rng_;
  std::vector<std::uint64_t> corrupt_at_;  // body offsets, ascending; chosen lazily
  bool positions_chosen_ = false;
  std::optional<std::uint64_t> content_length_;
  std::uint64_t seen_ = 0;    // body bytes corrupt() has looked at
  std::uint64_t passed_ = 0;  // body bytes truncate() has let through
  std::optional<Clock::time_point> next_send_;
};

}  // namespace faultline::proxy
