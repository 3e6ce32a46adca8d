#include "tcp/stage_chain.hpp"

#include <algorithm>

namespace faultline::tcp {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

Event make(Event::Kind kind, TimePoint at, std::uint64_t begin = 0, std::uint64_t length = 0) {
  Event event;
  event.kind = kind;
  event.at = at;
  event.begin = begin;
  event.length = length;
  return event;
}

// How long `bytes` take at `rate` bytes per second, rounded up to the microsecond.
Duration transfer_time(std::uint64_t bytes, std::uint64_t rate) {
  const auto micros = (static_cast<unsigned __int128>(bytes) * 1'000'000 + rate - 1) / rate;
  return Duration(static_cast<Duration::rep>(micros));
}

}  // namespace

// ---- ChunkQueue ----

void ChunkQueue::push(const Chunk& chunk) {
  slots_[(head_ + size_) % slots_.size()] = chunk;
  ++size_;
}

void ChunkQueue::release(std::uint64_t position) {
  while (size_ > 0 && slots_[head_].end() <= position) {
    head_ = (head_ + 1) % slots_.size();
    --size_;
  }
}

const Chunk* ChunkQueue::find(std::uint64_t position) const {
  for (std::size_t i = 0; i < size_; ++i) {
    const Chunk& chunk = slots_[(head_ + i) % slots_.size()];
    if (position >= chunk.begin && position < chunk.end()) return &chunk;
  }
  return nullptr;
}

// ---- StageChain ----

StageChain::StageChain(faults::Rng rng) : rng_(rng) {}

void StageChain::start(State& stage, TimePoint now) {
  stage.applies = true;
  if (const auto* hang = std::get_if<HangStage>(&stage.settings); hang && hang->close_after) {
    stage.hang_deadline = now + *hang->close_after;
  }
}

bool StageChain::rebuild(std::span<const ChainEntry> entries, std::uint64_t resume_at,
                         TimePoint now) {
  std::vector<State> next;
  next.reserve(entries.size());
  for (const ChainEntry& entry : entries) {
    auto old = std::find_if(stages_.begin(), stages_.end(),
                            [&](const State& s) { return s.id == entry.id; });
    State state;
    if (old != stages_.end()) state = *old;
    const bool fresh = old == stages_.end() || old->version != entry.version;
    state.id = entry.id;
    state.version = entry.version;
    state.settings = entry.settings;
    state.hold = State::Hold::nothing;
    if (fresh) {
      // Toxiproxy rolls float32 dice against the toxicity: 1 always applies, 0 never.
      const bool applies = rng_.uniform01() < entry.toxicity;
      start(state, now);  // Toxiproxy restarts an updated toxic: a hang's clock starts again
      state.applies = applies;
    }
    next.push_back(state);
  }
  bool hang_removed = false;
  for (const State& old : stages_) {
    const bool kept = std::any_of(entries.begin(), entries.end(),
                                  [&](const ChainEntry& e) { return e.id == old.id; });
    if (!kept && old.applies && std::holds_alternative<HangStage>(old.settings)) {
      hang_removed = true;
    }
  }
  stages_ = std::move(next);
  in_position_ = resume_at;
  eof_taken_ = false;
  return hang_removed;
}

Event StageChain::pull(const Input& input, TimePoint now) {
  return pull_from(stages_.size(), input, now);
}

Event StageChain::next_input(const Input& input) {
  if (in_position_ < input.read_end) {
    const Chunk* chunk = input.chunks->find(in_position_);
    // Every byte not yet carried out is in a queued chunk; the fallback keeps a broken
    // invariant from stalling the stream.
    const std::uint64_t end = chunk ? std::min(chunk->end(), input.read_end) : input.read_end;
    const TimePoint arrival = chunk ? chunk->arrival : TimePoint{};
    // Without stages nothing is decided per chunk: hand on everything there is at once.
    const std::uint64_t until = stages_.empty() ? input.read_end : end;
    Event event = make(Event::Kind::data, arrival, in_position_, until - in_position_);
    in_position_ = until;
    return event;
  }
  if (input.ended && !eof_taken_) {
    eof_taken_ = true;
    Event event = make(Event::Kind::eof, input.ended_at);
    event.failed = input.failed;
    return event;
  }
  return make(Event::Kind::idle, kNever);
}

Event StageChain::pull_from(std::size_t count, const Input& input, TimePoint now) {
  if (count == 0) return next_input(input);
  State& stage = stages_[count - 1];
  if (stage.closing) return make(Event::Kind::close, stage.last_out);
  for (int round = 0; round < 2; ++round) {
    if (stage.hold == State::Hold::data) return emit(stage);
    if (stage.hold == State::Hold::eof) return emit_eof(stage);
    Event upstream = pull_from(count - 1, input, now);
    switch (upstream.kind) {
      case Event::Kind::idle:
        return idle(stage, upstream, now);
      case Event::Kind::drop:
      case Event::Kind::close:
      case Event::Kind::reset:
        return upstream;
      case Event::Kind::data:
      case Event::Kind::eof:
        take(stage, upstream);
        break;
    }
  }
  return make(Event::Kind::idle, kNever);  // not reached: a taken piece is always emitted
}

void StageChain::take(State& stage, const Event& event) {
  stage.hold = event.kind == Event::Kind::data ? State::Hold::data : State::Hold::eof;
  stage.begin = event.begin;
  stage.end = event.begin + event.length;
  stage.time = event.at;
  stage.failed = event.failed;
  if (const auto* delay = std::get_if<DelayStage>(&stage.settings)) {
    stage.drawn = stage.applies ? delay->distribution.sample(rng_) : Duration(0);
  }
}

Event StageChain::idle(const State& stage, Event upstream, TimePoint now) {
  const auto* hang = std::get_if<HangStage>(&stage.settings);
  if (!stage.applies || hang == nullptr || !hang->close_after) return upstream;
  if (now >= stage.hang_deadline) return make(Event::Kind::close, stage.hang_deadline);
  upstream.at = std::min(upstream.at, stage.hang_deadline);
  return upstream;
}

Event StageChain::emit(State& stage) {
  const std::uint64_t remaining = stage.end - stage.begin;
  const TimePoint ready = std::max(stage.time, stage.last_out);
  // Hands on `length` bytes from the front of the held piece at `at`.
  auto send = [&](std::uint64_t length, TimePoint at) {
    Event event = make(Event::Kind::data, at, stage.begin, length);
    stage.begin += length;
    stage.last_out = at;
    if (stage.begin == stage.end) stage.hold = State::Hold::nothing;
    return event;
  };
  if (!stage.applies) return send(remaining, ready);
  return std::visit(
      Overloaded{
          [&](const PassStage&) { return send(remaining, ready); },
          [&](const SlowCloseStage&) { return send(remaining, ready); },
          [&](const DelayStage&) {
            return send(remaining, std::max(stage.time + stage.drawn, stage.last_out));
          },
          [&](const ThrottleStage& throttle) {
            if (throttle.bytes_per_second == 0) return send(remaining, ready);
            // Pieces of a tenth of a second, so the peer sees a steady stream; each one
            // leaves when its bytes have "drained" at the rate after the previous piece
            // (or after the last write, when the writer was held up downstream).
            const std::uint64_t piece =
                std::min(remaining, std::max<std::uint64_t>(1, throttle.bytes_per_second / 10));
            const TimePoint from = std::max(ready, last_commit_);
            return send(piece, from + transfer_time(piece, throttle.bytes_per_second));
          },
          [&](const SliceStage& slice) {
            std::uint64_t size = std::max<std::uint64_t>(1, slice.average_size);
            if (slice.size_variation > 0) {
              const std::uint64_t spread = rng_.below(2 * slice.size_variation + 1);
              size =
                  size + spread > slice.size_variation ? size + spread - slice.size_variation : 1;
            }
            const TimePoint at = std::max(ready, stage.next_slice);
            stage.next_slice = at + slice.delay;
            return send(std::min(size, remaining), at);
          },
          [&](const TruncateStage& truncate) {
            const std::uint64_t allowed = truncate.after_bytes - stage.passed;
            if (allowed == 0) {
              stage.hold = State::Hold::nothing;
              stage.closing = true;
              stage.last_out = ready;
              return make(Event::Kind::close, ready);
            }
            const std::uint64_t length = std::min(remaining, allowed);
            stage.passed += length;
            if (stage.passed == truncate.after_bytes) {
              Event event = send(length, ready);
              stage.hold = State::Hold::nothing;  // the rest is never sent
              stage.closing = true;
              return event;
            }
            return send(length, ready);
          },
          [&](const HangStage& hang) {
            Event event = make(Event::Kind::drop, stage.time, stage.begin, remaining);
            stage.hold = State::Hold::nothing;
            if (hang.close_after) stage.hang_deadline = stage.time + *hang.close_after;
            return event;
          },
          [&](const ResetStage& reset) {
            stage.fired = true;
            return make(Event::Kind::reset, stage.time + reset.after);
          },
      },
      stage.settings);
}

Event StageChain::emit_eof(State& stage) {
  const TimePoint ready = std::max(stage.time, stage.last_out);
  Event event = make(Event::Kind::eof, ready);
  event.failed = stage.failed;
  if (stage.applies) {
    if (const auto* reset = std::get_if<ResetStage>(&stage.settings)) {
      return make(Event::Kind::reset, stage.time + reset->after);
    }
    if (const auto* slow = std::get_if<SlowCloseStage>(&stage.settings)) {
      event.at = ready + slow->delay;
    }
  }
  stage.hold = State::Hold::nothing;
  stage.last_out = event.at;
  return event;
}

}  // namespace faultline::tcp
