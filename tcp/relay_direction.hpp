// One direction of a relayed connection (tcp/ internal, relay.cpp's): the ring the reader
// fills, the chunks read and not yet carried out, the stage chain, and how the direction is
// relayed now. While its chain is empty (no rule or toxic applies, the common case) the
// reader alone relays it: read, write, read again, with no writer, timer or chain between
// (`direct`). A chain that arrives hands the direction to a writer that follows it
// (`staged`); once the chain is empty again and everything read is written, the writer
// hands it back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "faults/rng.hpp"
#include "tcp/proxy_state.hpp"
#include "tcp/stage_chain.hpp"

namespace faultline::tcp {

// Per direction: what may be read ahead of the writer. 128 KiB keeps a 1 Gbit/s stream
// through a 1 ms delay, and 256 KiB per connection in all.
inline constexpr std::size_t kRingBytes = 128 * 1024;
// Reads waiting for the writer; one more is not read until one is carried out.
inline constexpr std::size_t kMaxChunks = 256;

struct RelayDirection {
  RelayDirection(const boost::asio::any_io_executor& executor, Stream s)
      : stream(s),
        ring(std::make_unique<char[]>(kRingBytes)),
        chunks(kMaxChunks),
        chain(faults::Rng(0)),
        scratch(faults::Rng(0)),
        writer_wake(executor),
        reader_wake(executor) {}
  Stream stream;
  boost::asio::ip::tcp::socket* source = nullptr;
  boost::asio::ip::tcp::socket* dest = nullptr;
  std::unique_ptr<char[]> ring;  // stream position p is at ring[p % kRingBytes]
  std::uint64_t read_end = 0;    // bytes read from the source so far
  std::uint64_t released = 0;    // bytes written to the destination or dropped so far
  ChunkQueue chunks;
  bool ended = false;
  bool failed = false;
  TimePoint ended_at{};
  StageChain chain;    // committed
  StageChain scratch;  // the pull in progress
  std::shared_ptr<const ChainSnapshot> snapshot;
  std::shared_ptr<const ChainSnapshot> pending;
  boost::asio::steady_timer writer_wake;  // the writer sleeps on it; cancel() wakes it
  boost::asio::steady_timer reader_wake;
  bool direct = false;          // the reader relays alone (the chain is empty, no writer runs)
  bool direct_writing = false;  // ... and is writing what it read
  bool done = false;            // the FIN was passed on
};

}  // namespace faultline::tcp
