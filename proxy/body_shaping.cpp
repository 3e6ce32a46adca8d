#include "proxy/body_shaping.hpp"

#include <algorithm>

namespace faultline::proxy {

BodyShaping::BodyShaping(const faults::FaultPlan& plan, faults::Rng& rng,
                         std::optional<std::uint64_t> content_length)
    : throttle_(plan.throttle),
      truncate_(plan.truncate),
      corrupt_count_(plan.corrupt ? plan.corrupt->bytes : 0),
      rng_(rng),
      content_length_(content_length) {}

std::size_t BodyShaping::piece_size(std::size_t buffer_size) const {
  if (!throttle_ || throttle_->bytes_per_second == 0) return buffer_size;
  const std::uint64_t slice = std::max<std::uint64_t>(1, throttle_->bytes_per_second / 20);
  return static_cast<std::size_t>(std::min<std::uint64_t>(slice, buffer_size));
}

void BodyShaping::corrupt(char* piece, std::size_t size) {
  if (corrupt_count_ == 0 || size == 0) {
    seen_ += size;
    return;
  }
  if (!positions_chosen_) {
    // Over the whole body when its length is known, else over this first piece; the same
    // seed and arrival order flip the same bytes.
    const std::uint64_t span =
        content_length_ && *content_length_ > 0 ? *content_length_ : seen_ + size;
    for (std::uint64_t i = 0; i < corrupt_count_; ++i) {
      corrupt_at_.push_back(seen_ + rng_.below(span - seen_));
    }
    std::sort(corrupt_at_.begin(), corrupt_at_.end());
    positions_chosen_ = true;
  }
  for (std::uint64_t position : corrupt_at_) {
    if (position < seen_ || position >= seen_ + size) continue;
    // XOR with a non-zero value always changes the byte.
    piece[position - seen_] ^= static_cast<char>(1 + rng_.below(255));
  }
  seen_ += size;
}

bool BodyShaping::truncate(std::string_view& piece) {
  if (!truncate_) {
    passed_ += piece.size();
    return false;
  }
  const std::uint64_t allowed = truncate_->after_bytes - std::min(passed_, truncate_->after_bytes);
  if (piece.size() < allowed) {
    passed_ += piece.size();
    return false;
  }
  piece = piece.substr(0, static_cast<std::size_t>(allowed));
  passed_ += allowed;
  return true;
}

BodyShaping::Clock::duration BodyShaping::pause_before(std::size_t size, Clock::time_point now) {
  if (!throttle_ || throttle_->bytes_per_second == 0 || size == 0) return {};
  if (!next_send_ || *next_send_ < now) next_send_ = now;
  const auto wait = *next_send_ - now;
  *next_send_ += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
      static_cast<double>(size) / static_cast<double>(throttle_->bytes_per_second)));
  return wait;
}

}  // namespace faultline::proxy
