#include "tcp/tcp_runtime.hpp"

#include <algorithm>
#include <charconv>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "metrics/tcp_metrics.hpp"
#include "tcp/proxy_state.hpp"
#include "tcp/relay.hpp"

namespace faultline::tcp {

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

std::string to_lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string format_endpoint(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string port = std::to_string(endpoint.port());
  if (address.is_v6()) return "[" + address.to_string() + "]:" + port;
  return address.to_string() + ":" + port;
}

// A listen address as Go's net package reads one: "host:port", "[v6]:port", ":port", or ""
// (all interfaces, any port). The host is resolved, IPv4 first as Go does for "tcp".
struct ListenAddress {
  std::optional<tcp::endpoint> endpoint;  // nullopt: all interfaces (dual stack)
  std::uint16_t port = 0;
  std::string error;  // e.g. "address foo: missing port in address"
};

ListenAddress parse_listen(const std::string& text) {
  ListenAddress out;
  if (text.empty()) return out;
  std::string host;
  std::string port;
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos) {
      out.error = "address " + text + ": missing ']' in address";
      return out;
    }
    host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      out.error = "address " + text + ": missing port in address";
      return out;
    }
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) {
      out.error = "address " + text + ": missing port in address";
      return out;
    }
    if (text.find(':') != colon) {
      out.error = "address " + text + ": too many colons in address";
      return out;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  if (!port.empty()) {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value > 65535) {
      out.error = "lookup tcp/" + port + ": unknown port";
      return out;
    }
  }
  out.port = static_cast<std::uint16_t>(value);
  if (host.empty()) return out;
  boost::system::error_code ec;
  const auto literal = asio::ip::make_address(host, ec);
  if (!ec) {
    out.endpoint = tcp::endpoint(literal, out.port);
    return out;
  }
  asio::io_context context;
  tcp::resolver resolver(context);
  const auto results = resolver.resolve(host, "", ec);
  if (ec || results.empty()) {
    out.error = "lookup " + host + ": no such host";
    return out;
  }
  for (const auto& entry : results) {
    if (entry.endpoint().address().is_v4()) {
      out.endpoint = tcp::endpoint(entry.endpoint().address(), out.port);
      return out;
    }
  }
  out.endpoint = tcp::endpoint(results.begin()->endpoint().address(), out.port);
  return out;
}

struct Worker {
  asio::io_context context{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard{context.get_executor()};
  std::thread thread;
};

struct Listener {
  explicit Listener(asio::io_context& context) : acceptor(context) {}
  tcp::acceptor acceptor;
};

}  // namespace

struct TcpRuntime::Impl {
  struct Record {
    std::shared_ptr<ProxyState> state;
    std::shared_ptr<Listener> listener;
    std::size_t worker = 0;
    std::vector<ChainEntry> entries[2];
  };

  Impl(RuntimeOptions o, metrics::TcpMetrics& m) : options(o), metrics(m) {}

  asio::awaitable<void> accept_loop(std::shared_ptr<Listener> listener,
                                    std::shared_ptr<ProxyState> state, std::uint64_t generation) {
    asio::steady_timer backoff(listener->acceptor.get_executor());
    while (listener->acceptor.is_open()) {
      const std::size_t target =
          next_worker.fetch_add(1, std::memory_order_relaxed) % workers.size();
      auto [ec, socket] =
          co_await listener->acceptor.async_accept(workers[target]->context, nothrow);
      if (ec == asio::error::operation_aborted || !listener->acceptor.is_open()) break;
      if (ec) {
        // Out of file descriptors, say: wait a little rather than spin.
        spdlog::warn("tcp proxy {}: accept: {}", state->name, ec.message());
        backoff.expires_after(std::chrono::milliseconds(50));
        co_await backoff.async_wait(nothrow);
        continue;
      }
      start_connection(state, std::move(socket), generation, target);
    }
  }

  void publish(Record& record, Stream stream) {
    if (!record.state) return;
    auto snapshot = std::make_shared<ChainSnapshot>();
    snapshot->entries = record.entries[static_cast<std::size_t>(stream)];
    for (const ChainEntry& entry : snapshot->entries) {
      snapshot->injected.push_back(&metrics.faults_injected(record.state->name, entry.profile,
                                                            entry.rule, kind_name(entry.settings)));
    }
    std::vector<std::weak_ptr<Connection>> open;
    {
      std::lock_guard lock(record.state->mutex);
      record.state->chains[static_cast<std::size_t>(stream)] = snapshot;
      for (const auto& [raw, weak] : record.state->connections) open.push_back(weak);
    }
    for (const auto& weak : open) {
      if (auto connection = weak.lock()) connection->chain_changed(stream, snapshot);
    }
  }

  void close_listener(Record& record) {
    if (!record.listener) return;
    std::shared_ptr<Listener> listener = std::move(record.listener);
    std::promise<void> closed;
    asio::post(workers[record.worker]->context, [&] {
      boost::system::error_code ignored;
      listener->acceptor.close(ignored);
      closed.set_value();
    });
    closed.get_future().wait();
  }

  void close_connections(ProxyState& state) {
    std::vector<std::weak_ptr<Connection>> open;
    {
      std::lock_guard lock(state.mutex);
      ++state.generation;
      for (const auto& [raw, weak] : state.connections) open.push_back(weak);
    }
    for (const auto& weak : open) {
      if (auto connection = weak.lock()) connection->close();
    }
  }

  RuntimeOptions options;
  metrics::TcpMetrics& metrics;
  std::vector<std::unique_ptr<Worker>> workers;
  std::atomic<std::size_t> next_worker{0};
  mutable std::mutex mutex;  // records
  std::map<std::uint64_t, Record> records;
};

TcpRuntime::TcpRuntime(RuntimeOptions options, metrics::TcpMetrics& metrics)
    : impl_(std::make_unique<Impl>(options, metrics)) {
  const unsigned threads = std::max(1u, options.threads);
  for (unsigned i = 0; i < threads; ++i) impl_->workers.push_back(std::make_unique<Worker>());
  for (auto& worker : impl_->workers) {
    worker->thread = std::thread([w = worker.get()] { w->context.run(); });
  }
}

TcpRuntime::~TcpRuntime() {
  {
    std::lock_guard lock(impl_->mutex);
    for (auto& [id, record] : impl_->records) {
      impl_->close_listener(record);
      if (record.state) impl_->close_connections(*record.state);
    }
  }
  for (auto& worker : impl_->workers) {
    worker->guard.reset();
    worker->context.stop();
  }
  for (auto& worker : impl_->workers) {
    if (worker->thread.joinable()) worker->thread.join();
  }
  impl_->records.clear();
}

ListenerControl::Result TcpRuntime::start(std::uint64_t id, const std::string& name,
                                          const std::string& listen, const std::string& upstream,
                                          Duration connect_timeout) {
  ListenAddress address = parse_listen(listen);
  if (!address.error.empty()) return {"", "listen tcp: " + address.error};
  std::lock_guard lock(impl_->mutex);
  Impl::Record& record = impl_->records[id];
  impl_->close_listener(record);
  if (!record.state) {
    record.state = std::make_shared<ProxyState>();
    record.state->id = id;
    record.state->name = name;
    record.state->metrics = &impl_->metrics.proxy(name);
    record.state->seed = impl_->options.seed ^ (id * 0x9e3779b97f4a7c15ULL);
    record.worker = id % impl_->workers.size();
  }
  auto listener = std::make_shared<Listener>(impl_->workers[record.worker]->context);
  const tcp::endpoint endpoint =
      address.endpoint.value_or(tcp::endpoint(asio::ip::address_v6::any(), address.port));
  boost::system::error_code ec;
  listener->acceptor.open(endpoint.protocol(), ec);
  if (!ec) listener->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec && !address.endpoint) listener->acceptor.set_option(asio::ip::v6_only(false), ec);
  if (!ec) {
    listener->acceptor.bind(endpoint, ec);
    if (ec) return {"", "listen tcp " + listen + ": bind: " + to_lower(ec.message())};
  }
  if (!ec) listener->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return {"", "listen tcp " + listen + ": " + to_lower(ec.message())};
  const std::string bound = format_endpoint(listener->acceptor.local_endpoint());
  std::uint64_t generation = 0;
  {
    std::lock_guard state_lock(record.state->mutex);
    record.state->upstream = upstream;
    record.state->connect_timeout = connect_timeout;
    generation = record.state->generation;
  }
  impl_->publish(record, Stream::upstream);
  impl_->publish(record, Stream::downstream);
  record.listener = listener;
  asio::co_spawn(impl_->workers[record.worker]->context,
                 impl_->accept_loop(listener, record.state, generation), asio::detached);
  spdlog::info("tcp proxy {} listening on {}, upstream {}", name, bound, upstream);
  return {bound, ""};
}

void TcpRuntime::stop(std::uint64_t id) {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->records.find(id);
  if (it == impl_->records.end()) return;
  impl_->close_listener(it->second);
  if (it->second.state) impl_->close_connections(*it->second.state);
}

void TcpRuntime::set_chain(std::uint64_t id, Stream stream, std::vector<ChainEntry> entries) {
  std::lock_guard lock(impl_->mutex);
  Impl::Record& record = impl_->records[id];
  record.entries[static_cast<std::size_t>(stream)] = std::move(entries);
  impl_->publish(record, stream);
}

void TcpRuntime::forget(std::uint64_t id) {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->records.find(id);
  if (it == impl_->records.end()) return;
  impl_->close_listener(it->second);
  if (it->second.state) impl_->close_connections(*it->second.state);
  impl_->records.erase(it);
}

ListenerControl::Result TcpRuntime::resolve(const std::string& listen) {
  ListenAddress address = parse_listen(listen);
  if (!address.error.empty()) return {"", address.error};
  if (!address.endpoint) return {":" + std::to_string(address.port), ""};
  return {format_endpoint(*address.endpoint), ""};
}

std::size_t TcpRuntime::open_connections() const {
  std::lock_guard lock(impl_->mutex);
  std::size_t open = 0;
  for (const auto& [id, record] : impl_->records) {
    if (!record.state) continue;
    std::lock_guard state_lock(record.state->mutex);
    open += record.state->connections.size();
  }
  return open;
}

bool TcpRuntime::drain(std::chrono::milliseconds timeout) {
  {
    std::lock_guard lock(impl_->mutex);
    for (auto& [id, record] : impl_->records) impl_->close_listener(record);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (open_connections() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const bool all_ended = open_connections() == 0;
  std::lock_guard lock(impl_->mutex);
  for (auto& [id, record] : impl_->records) {
    if (record.state) impl_->close_connections(*record.state);
  }
  return all_ended;
}

}  // namespace faultline::tcp
