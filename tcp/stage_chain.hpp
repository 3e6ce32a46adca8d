// One direction of one connection, decided: which bytes leave when, and how the direction
// ends. Pure (no sockets, no clock, no globals): the relay (relay.cpp) reads into a ring
// buffer and records each read as a Chunk; it asks pull() for the next Event, waits until
// the event's time, carries it out and then commits. Time and randomness come in as
// parameters, so a test feeds chunks and reads the schedule.
//
// Each stage holds at most one piece of data at a time and hands pieces on in stream
// order, as a Toxiproxy stub does; a stage's out time follows from its input's time and its
// own previous out time, so stages work as a pipeline (a latency stage does not slow the
// stream down to one chunk per delay).
//
// pull() changes the chain it is called on. The relay calls it on a scratch copy, keeps the
// copy (commit) once the event is carried out, and drops it when something changed first
// (new data, a new chain, the connection closing): the same state always gives the same
// event, so nothing is decided twice differently.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "faults/rng.hpp"
#include "tcp/stage.hpp"

namespace faultline::tcp {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
inline constexpr TimePoint kNever = TimePoint::max();

// One read from the source: bytes [begin, begin + length) of the stream.
struct Chunk {
  std::uint64_t begin = 0;
  std::uint32_t length = 0;
  TimePoint arrival{};
  std::uint64_t end() const { return begin + length; }
};

// The chunks read and not yet carried out, oldest first, in a fixed array that never grows.
class ChunkQueue {
 public:
  explicit ChunkQueue(std::size_t capacity) : slots_(capacity) {}
  bool full() const { return size_ == slots_.size(); }
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  void push(const Chunk& chunk);
  // Forgets every chunk that ends at or before `position`.
  void release(std::uint64_t position);
  // The chunk holding stream position `position`; nullptr when none does.
  const Chunk* find(std::uint64_t position) const;

 private:
  std::vector<Chunk> slots_;
  std::size_t head_ = 0;  // oldest
  std::size_t size_ = 0;
};

// What the source has delivered so far.
struct Input {
  const ChunkQueue* chunks = nullptr;
  std::uint64_t read_end = 0;  // bytes read from the source, in total
  bool ended = false;          // the source sent its FIN (or failed: see failed)
  bool failed = false;         // the read ended in an error rather than a FIN
  TimePoint ended_at{};
};

struct Event {
  enum class Kind {
    idle,   // nothing to do before `at` (kNever: before more input); then pull again
    data,   // write bytes [begin, begin + length) at `at`
    drop,   // forget bytes [begin, begin + length) now
    eof,    // the stream is over: pass the FIN on at `at` (shutdown of the write side)
    close,  // close the whole connection at `at`
    reset,  // reset the whole connection at `at` (SO_LINGER 0, close)
  };
  Kind kind = Kind::idle;
  std::uint64_t begin = 0;
  std::uint64_t length = 0;
  TimePoint at = kNever;
  bool failed = false;  // eof: the source failed, so close rather than half-close
};

// Per connection and direction: the stages in chain order and their state.
class StageChain {
 public:
  // An empty chain (everything passes) whose dice come from `rng`.
  explicit StageChain(faults::Rng rng);

  // Makes the chain `entries`, keeping the state of the stages it already had (same id):
  // a stage whose version changed rolls its toxicity again, a new stage rolls for the first
  // time. Any piece a stage held is handed back, and the next pull starts again from
  // stream position `resume_at` (the first byte not yet carried out). Returns true when a
  // stage that was swallowing data (an applied hang) is gone: Toxiproxy closes the
  // connection then, and so does the relay.
  bool rebuild(std::span<const ChainEntry> entries, std::uint64_t resume_at, TimePoint now);

  // The next event. `now` only tells whether a hang's time is up.
  Event pull(const Input& input, TimePoint now);

  // The event pull() returned was carried out at `now`.
  void committed(TimePoint now) { last_commit_ = now; }

  bool empty() const { return stages_.empty(); }
  std::size_t size() const { return stages_.size(); }
  // Whether the stage at `index` applies to this connection (its toxicity roll).
  bool applies(std::size_t index) const { return stages_[index].applies; }
  std::uint64_t id(std::size_t index) const { return stages_[index].id; }

 private:
  struct State {
    std::uint64_t id = 0;
    std::uint64_t version = 0;
    StageSettings settings;
    bool applies = true;
    enum class Hold { nothing, data, eof } hold = Hold::nothing;
    std::uint64_t begin = 0;  // the held piece: [begin, end) at time `time`
    std::uint64_t end = 0;
    TimePoint time{};
    bool failed = false;  // the held eof came from a failed read
    Duration drawn{0};    // delay: the held piece's draw
    TimePoint last_out{};
    TimePoint next_slice{};     // slice: the next slice may leave from then on
    std::uint64_t passed = 0;   // truncate: bytes let through so far
    bool closing = false;       // truncate: the limit is reached
    bool fired = false;         // reset: it went off
    TimePoint hang_deadline{};  // hang: close then, unless data comes first
  };

  Event pull_from(std::size_t count, const Input& input, TimePoint now);
  Event next_input(const Input& input);
  Event emit(State& stage);
  Event emit_eof(State& stage);
  void take(State& stage, const Event& event);
  static Event idle(const State& stage, Event upstream, TimePoint now);
  void start(State& stage, TimePoint now);

  std::vector<State> stages_;
  std::uint64_t in_position_ = 0;  // the first byte the first stage has not taken
  bool eof_taken_ = false;
  TimePoint last_commit_{};
  faults::Rng rng_;
};

}  // namespace faultline::tcp
