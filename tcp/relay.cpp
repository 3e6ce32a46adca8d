#include "tcp/relay.hpp"

#include <array>
#include <chrono>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "faults/rng.hpp"
#include "tcp/draining_buffer.hpp"
#include "tcp/relay_direction.hpp"
#include "tcp/stage_chain.hpp"

namespace faultline::tcp {

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

std::size_t index_of(Stream stream) {
  return static_cast<std::size_t>(stream);
}

// "host:port", "[v6]:port" → (host, port).
std::pair<std::string, std::string> split_host_port(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) return {address, ""};
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return {host, address.substr(colon + 1)};
}

class Relay final : public Connection, public std::enable_shared_from_this<Relay> {
 public:
  Relay(std::shared_ptr<ProxyState> proxy, tcp::socket client, std::uint64_t generation,
        std::size_t worker)
      : proxy_(std::move(proxy)),
        client_(std::move(client)),
        upstream_(client_.get_executor()),
        generation_(generation),
        worker_(worker),
        up_(client_.get_executor(), Stream::upstream),
        down_(client_.get_executor(), Stream::downstream) {
    const std::uint64_t sequence = proxy_->sequence.fetch_add(1, std::memory_order_relaxed);
    up_.chain = StageChain(faults::Rng::for_request(proxy_->seed, 2 * sequence));
    down_.chain = StageChain(faults::Rng::for_request(proxy_->seed, 2 * sequence + 1));
    up_.source = &client_;
    up_.dest = &upstream_;
    down_.source = &upstream_;
    down_.dest = &client_;
  }

  ~Relay() override {
    if (counted_) proxy_->metrics->connection_closed(worker_, outcome_);
    std::lock_guard lock(proxy_->mutex);
    proxy_->connections.erase(this);
  }

  void begin() { asio::co_spawn(client_.get_executor(), run(shared_from_this()), asio::detached); }

  void close() override {
    asio::post(client_.get_executor(), [self = shared_from_this()] { self->close_now(); });
  }

  void chain_changed(Stream stream, std::shared_ptr<const ChainSnapshot> chain) override {
    asio::post(client_.get_executor(), [self = shared_from_this(), stream, chain] {
      Direction& d = self->direction(stream);
      d.pending = chain;
      if (!d.direct) {
        d.writer_wake.cancel();
      } else if (!d.direct_writing) {
        self->start_writer(d);  // a write in progress hands over once it is done
      }
    });
  }

 private:
  using Direction = RelayDirection;

  Direction& direction(Stream stream) { return stream == Stream::upstream ? up_ : down_; }

  static asio::awaitable<void> run(std::shared_ptr<Relay> self) {
    co_await self->connect_and_relay();
  }

  asio::awaitable<void> connect_and_relay() {
    // Recorded here, on the worker's own thread: each metrics stripe has one writer.
    proxy_->metrics->connection_opened(worker_);
    counted_ = true;
    std::string upstream;
    {
      std::lock_guard lock(proxy_->mutex);
      if (generation_ != proxy_->generation) {
        outcome_ = metrics::TcpOutcome::refused;
        close_now();
        co_return;
      }
      proxy_->connections.emplace(this, weak_from_this());
      upstream = proxy_->upstream;
      for (Stream s : {Stream::upstream, Stream::downstream}) {
        if (!direction(s).pending) direction(s).pending = proxy_->chains[index_of(s)];
      }
    }
    boost::system::error_code ignored;
    client_.set_option(tcp::no_delay(true), ignored);
    const auto started = Clock::now();
    if (!co_await connect_upstream(upstream)) {
      outcome_ = metrics::TcpOutcome::upstream_error;
      close_now();
      co_return;
    }
    proxy_->metrics->connect_duration(
        worker_,
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count());
    upstream_.set_option(tcp::no_delay(true), ignored);
    // write_some in write_direct must not block the worker.
    client_.non_blocking(true, ignored);
    upstream_.non_blocking(true, ignored);
    enable_drain_hints(client_.native_handle());
    enable_drain_hints(upstream_.native_handle());
    for (Direction* d : {&up_, &down_}) {
      // No rule or toxic applies: the reader relays alone until a chain comes.
      if (d->pending->entries.empty()) {
        apply(*d);
        d->direct = true;
      } else {
        start_writer(*d);
      }
      asio::co_spawn(client_.get_executor(), read_loop(shared_from_this(), *d), asio::detached);
    }
  }

  void start_writer(Direction& d) {
    if (closed_ || d.done) return;  // a chain that comes after the FIN has nothing to act on
    d.direct = false;
    asio::co_spawn(client_.get_executor(), write_loop(shared_from_this(), d), asio::detached);
  }

  static metrics::TcpDirection metric_direction(const Direction& d) {
    return d.stream == Stream::upstream ? metrics::TcpDirection::upstream
                                        : metrics::TcpDirection::downstream;
  }

  asio::awaitable<bool> connect_upstream(const std::string& address) {
    auto [host, port] = split_host_port(address);
    tcp::resolver resolver(client_.get_executor());
    auto [rec, endpoints] = co_await resolver.async_resolve(host, port, nothrow);
    if (rec || closed_) co_return false;
    // The connect deadline closes the socket, which ends the pending connect.
    asio::steady_timer deadline(client_.get_executor());
    deadline.expires_after(proxy_->connect_timeout);
    deadline.async_wait([this, self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) {
        boost::system::error_code ignored;
        upstream_.close(ignored);
      }
    });
    auto [ec, endpoint] = co_await asio::async_connect(upstream_, endpoints, nothrow);
    deadline.cancel();
    co_return !ec && !closed_;
  }

  static asio::awaitable<void> read_loop(std::shared_ptr<Relay> self, Direction& d) {
    co_await self->read(d);
  }
  static asio::awaitable<void> write_loop(std::shared_ptr<Relay> self, Direction& d) {
    co_await self->write(d);
  }

  asio::awaitable<void> read(Direction& d) {
    while (!closed_) {
      const std::uint64_t in_ring = d.read_end - d.released;
      if (in_ring == kRingBytes || d.chunks.full()) {
        d.reader_wake.expires_at(asio::steady_timer::time_point::max());
        co_await d.reader_wake.async_wait(nothrow);
        continue;
      }
      const std::size_t offset = d.read_end % kRingBytes;
      const std::size_t room = std::min<std::size_t>(kRingBytes - in_ring, kRingBytes - offset);
      auto [ec, n] =
          co_await d.source->async_read_some(DrainingBuffer(d.ring.get() + offset, room), nothrow);
      if (closed_) co_return;
      if (ec) {
        d.ended = true;
        d.failed = ec != asio::error::eof;
        d.ended_at = Clock::now();
        if (d.direct) {
          pass_end_on(d, d.failed);
        } else {
          d.writer_wake.cancel();
        }
        co_return;
      }
      if (d.direct) {
        if (!co_await write_direct(d, offset, n)) co_return;
        continue;
      }
      d.chunks.push(Chunk{d.read_end, static_cast<std::uint32_t>(n), Clock::now()});
      d.read_end += n;
      d.writer_wake.cancel();
    }
  }

  // The direct path: what was just read goes out as it is. False when the connection ended.
  asio::awaitable<bool> write_direct(Direction& d, std::size_t offset, std::size_t n) {
    const char* data = d.ring.get() + offset;
    // What fits in the socket's buffer now (most often all of it) goes out at once, without
    // a round through the scheduler; the rest waits for room.
    boost::system::error_code ec;
    std::size_t written = d.dest->write_some(asio::buffer(data, n), ec);
    if (ec == asio::error::would_block) {
      ec = {};
      written = 0;
    }
    if (!ec && written < n) {
      d.direct_writing = true;
      auto [later_ec, later] =
          co_await asio::async_write(*d.dest, asio::buffer(data + written, n - written), nothrow);
      d.direct_writing = false;
      ec = later_ec;
      written += later;
    }
    if (closed_) co_return false;
    if (ec) {
      close_now();
      co_return false;
    }
    proxy_->metrics->bytes(worker_, metric_direction(d), written);
    d.read_end += n;
    d.released = d.read_end;
    if (d.pending) start_writer(d);  // a chain came during the write
    co_return true;
  }

  // The source's FIN (or its failure) reached the end of the direction: pass it on.
  void pass_end_on(Direction& d, bool failed) {
    if (failed) {
      close_now();
      return;
    }
    boost::system::error_code ignored;
    d.dest->shutdown(tcp::socket::shutdown_send, ignored);
    d.done = true;
    if (up_.done && down_.done) close_now();
  }

  // Takes a new chain snapshot: stages that apply to this connection for the first time
  // are counted as injected.
  void apply(Direction& d) {
    std::shared_ptr<const ChainSnapshot> next = std::move(d.pending);
    d.pending.reset();
    const bool hang_removed = d.chain.rebuild(next->entries, d.released, Clock::now());
    for (std::size_t i = 0; i < next->entries.size(); ++i) {
      const ChainEntry& entry = next->entries[i];
      bool seen = false;
      if (d.snapshot) {
        for (const ChainEntry& old : d.snapshot->entries) {
          seen = seen || (old.id == entry.id && old.version == entry.version);
        }
      }
      if (!seen && d.chain.applies(i) && !std::holds_alternative<PassStage>(entry.settings)) {
        next->injected[i]->add(worker_);
        outcome_ = metrics::TcpOutcome::injected;
      }
    }
    d.snapshot = std::move(next);
    if (hang_removed) close_now();
  }

  asio::awaitable<void> write(Direction& d) {
    while (!closed_) {
      if (d.pending) {
        apply(d);
        continue;
      }
      // The chain is empty again and everything read is out: the reader takes over (it is
      // reading, or wakes from reader_wake, cancelled at the last release, to read).
      if (d.chain.empty() && d.released == d.read_end && !d.ended) {
        d.direct = true;
        co_return;
      }
      d.scratch = d.chain;
      const Input input{&d.chunks, d.read_end, d.ended, d.failed, d.ended_at};
      const TimePoint now = Clock::now();
      const Event event = d.scratch.pull(input, now);
      if (event.kind == Event::Kind::idle || (event.kind != Event::Kind::drop && event.at > now)) {
        // Woken early by new data, a new chain or the end: pull again.
        d.writer_wake.expires_at(event.at == kNever ? asio::steady_timer::time_point::max()
                                                    : event.at);
        co_await d.writer_wake.async_wait(nothrow);
        continue;
      }
      switch (event.kind) {
        case Event::Kind::data: {
          const std::size_t offset = event.begin % kRingBytes;
          const std::size_t first = std::min<std::size_t>(event.length, kRingBytes - offset);
          const std::array<asio::const_buffer, 2> pieces{
              asio::buffer(d.ring.get() + offset, first),
              asio::buffer(d.ring.get(), event.length - first)};
          auto [ec, n] = co_await asio::async_write(*d.dest, pieces, nothrow);
          if (closed_) co_return;
          if (ec) {
            close_now();
            co_return;
          }
          proxy_->metrics->bytes(worker_, metric_direction(d), n);
          [[fallthrough]];
        }
        case Event::Kind::drop:
          d.released = event.begin + event.length;
          d.chunks.release(d.released);
          d.reader_wake.cancel();
          d.scratch.committed(Clock::now());
          std::swap(d.chain, d.scratch);
          break;
        case Event::Kind::eof:
          pass_end_on(d, event.failed);
          co_return;
        case Event::Kind::close:
          close_now();
          co_return;
        case Event::Kind::reset:
          reset_now();
          co_return;
        case Event::Kind::idle:
          break;
      }
    }
  }

  void close_now() {
    if (closed_) return;
    closed_ = true;
    for (Direction* d : {&up_, &down_}) {
      d->writer_wake.cancel();
      d->reader_wake.cancel();
    }
    boost::system::error_code ignored;
    client_.close(ignored);
    upstream_.close(ignored);
  }

  // SO_LINGER with a zero timeout makes close() send an RST instead of a FIN.
  void reset_now() {
    boost::system::error_code ignored;
    client_.set_option(asio::socket_base::linger(true, 0), ignored);
    upstream_.set_option(asio::socket_base::linger(true, 0), ignored);
    close_now();
  }

  std::shared_ptr<ProxyState> proxy_;
  tcp::socket client_;
  tcp::socket upstream_;
  std::uint64_t generation_;
  std::size_t worker_;
  Direction up_;
  Direction down_;
  bool closed_ = false;
  bool counted_ = false;
  metrics::TcpOutcome outcome_ = metrics::TcpOutcome::ok;
};

}  // namespace

void start_connection(std::shared_ptr<ProxyState> proxy, tcp::socket client,
                      std::uint64_t generation, std::size_t worker) {
  // co_spawn posts the coroutine to the socket's executor: safe from the accepting thread.
  std::make_shared<Relay>(std::move(proxy), std::move(client), generation, worker)->begin();
}

}  // namespace faultline::tcp
