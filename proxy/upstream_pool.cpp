#include "proxy/upstream_pool.hpp"

#include "metrics/proxy_metrics.hpp"
#include "net/read_interest.hpp"
#include "net/tls_context.hpp"
#include "proxy/worker_state.hpp"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace faultline::proxy {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);

// An idle keep-alive connection that is readable has either been closed by the upstream
// (EOF, RST) or carries bytes nobody asked for: neither can take a new request.
bool still_usable(UpstreamConnection& connection) {
  if (connection.buffer.size() != 0 || connection.stream.has_pending()) return false;
  auto& socket = connection.stream.socket();
  if (!socket.is_open()) return false;
  char probe;
  ssize_t n = ::recv(socket.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

UpstreamConnection::~UpstreamConnection() {
  if (metrics != nullptr) metrics->connections_add(worker, faultline::metrics::Side::upstream, -1);
}

std::unique_ptr<UpstreamConnection> UpstreamPool::take_idle(bool will_send_body) {
  constexpr auto kCheckAfterIdle = std::chrono::milliseconds(500);
  const auto now = std::chrono::steady_clock::now();
  while (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    // Bytes the upstream sent past its last response mean it is out of step: never reuse.
    if (connection->buffer.size() != 0) continue;
    const bool check = will_send_body || now - connection->idle_since >= kCheckAfterIdle;
    if (!check || still_usable(*connection)) {
      connection->reused = true;
      return connection;
    }
  }
  return nullptr;
}

void UpstreamPool::give_back(std::unique_ptr<UpstreamConnection> connection,
                             std::chrono::steady_clock::time_point now) {
  constexpr auto kDemandWindow = std::chrono::seconds(10);
  if (now - window_start_ >= kDemandWindow) {
    previous_peak_ = current_peak_;
    current_peak_ = in_use_;
    window_start_ = now;
  }
  const std::size_t keep = std::max({max_idle_, current_peak_, previous_peak_});
  // Demand fell: the oldest idle connections go first.
  if (idle_.size() > keep) idle_.erase(idle_.begin(), idle_.begin() + (idle_.size() - keep));
  if (retired_ || idle_.size() >= keep) return;  // closed by the destructor
  connection->idle_since = now;
  idle_.push_back(std::move(connection));
}

void UpstreamPools::adopt(const std::vector<config::RouteConfig>& routes) {
  for (auto& [key, pool] : pools_) pool.retired_ = true;
  by_index_.clear();
  for (const auto& route : routes) {
    UpstreamPool& pool = by_key(route);
    pool.retired_ = false;
    pool.max_idle_ = route.max_idle_connections;
    if (pool.idle_.size() > pool.max_idle_) pool.idle_.resize(pool.max_idle_);
    by_index_.push_back(&pool);
  }
  for (auto& [key, pool] : pools_) {
    if (pool.retired_) pool.idle_.clear();
  }
  adopted_ = &routes;
}

UpstreamPool& UpstreamPools::for_route(const std::vector<config::RouteConfig>& routes,
                                       std::size_t index) {
  if (&routes == adopted_) return *by_index_[index];
  return by_key(routes[index]);
}

UpstreamPool& UpstreamPools::by_key(const config::RouteConfig& route) {
  std::string key = route.name;
  key += '\n';
  key += route.upstream.url;
  auto it = pools_.find(key);
  if (it == pools_.end()) {
    it = pools_.emplace(std::move(key), UpstreamPool(route.max_idle_connections)).first;
  }
  return it->second;
}

asio::awaitable<ConnectResult> connect_upstream(const config::RouteConfig& route,
                                                SessionSlot& watch) {
  const config::UpstreamTarget& target = route.upstream;
  auto executor = co_await asio::this_coro::executor;
  ConnectResult result;
  auto connection = std::make_unique<UpstreamConnection>(executor);
  tcp::socket& socket = connection->stream.socket();
  watch.upstream = &socket;
  watch.upstream_expired = false;
  OperationDeadline deadline(watch.upstream_write_deadline, route.connect_timeout);

  boost::system::error_code ec;
  auto address = asio::ip::make_address(target.host, ec);
  if (!ec) {
    std::tie(ec) =
        co_await socket.async_connect(tcp::endpoint(address, target.port), nothrow_awaitable);
  } else {
    tcp::resolver resolver(executor);
    auto [resolve_error, endpoints] = co_await resolver.async_resolve(
        target.host, std::to_string(target.port), nothrow_awaitable);
    ec = resolve_error;
    if (!ec) {
      auto [connect_error, endpoint] =
          co_await asio::async_connect(socket, endpoints, nothrow_awaitable);
      ec = connect_error;
    }
  }
  if (ec) {
    watch.upstream = nullptr;  // the socket dies with `connection`
    result.error = watch.upstream_expired ? asio::error::timed_out : ec;
    co_return result;
  }
  socket.set_option(tcp::no_delay(true), ec);
  net::keep_read_interest_only(socket, ec);
  if (ec) {
    watch.upstream = nullptr;
    result.error = ec;
    co_return result;
  }
  if (target.https) {
    net::ByteStream& stream = connection->stream;
    stream.start_tls(route.tls.context->context().native_handle());
    watch.upstream = &stream.socket();  // the socket moved into the TLS stream
    std::string why;
    const std::string& name = route.tls.server_name.empty() ? target.host : route.tls.server_name;
    if (!route.tls.context->prepare(stream.ssl(), name, why)) {
      watch.upstream = nullptr;
      result.error = asio::error::invalid_argument;
      result.tls_failure = net::TlsFailure{"protocol", why};
      co_return result;
    }
    ec = co_await stream.handshake(net::TlsStream::Side::client);
    if (ec) {
      watch.upstream = nullptr;
      result.tls_failure = net::describe_tls_failure(ec, stream.ssl(), watch.upstream_expired);
      result.error = watch.upstream_expired ? asio::error::timed_out : ec;
      co_return result;
    }
  }
  result.connection = std::move(connection);
  co_return result;
}

}  // namespace faultline::proxy
