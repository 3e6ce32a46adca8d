// The pipeline of one request, top to bottom (see client_session.hpp for the stages).
#include "proxy/client_session.hpp"

#include <sys/socket.h>

#include <limits>
#include <optional>
#include <sstream>

#include <spdlog/spdlog.h>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include "faults/decide.hpp"
#include "faults/header_control.hpp"
#include "metrics/proxy_metrics.hpp"
#include "metrics/route_metrics.hpp"
#include "net/tls_context.hpp"
#include "net/tls_failure.hpp"
#include "proxy/fault_runtime.hpp"
#include "proxy/message_rules.hpp"
#include "proxy/message_writer.hpp"
#include "proxy/session_io.hpp"

namespace faultline::proxy {

namespace asio = boost::asio;
namespace beast_http = boost::beast::http;
using asio::ip::tcp;

bool is_disconnect(const error_code& ec) {
  return ec == asio::error::eof || ec == beast_http::error::end_of_stream ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor ||
         ec == asio::error::timed_out || ec == asio::ssl::error::stream_truncated;
}

namespace {

// Holds one place under max_active_faults for as long as a faulted request runs.
class FaultInProgress {
 public:
  explicit FaultInProgress(FaultRuntime& runtime) : runtime_(runtime) {}
  ~FaultInProgress() { runtime_.end_fault(); }
  FaultInProgress(const FaultInProgress&) = delete;
  FaultInProgress& operator=(const FaultInProgress&) = delete;

 private:
  FaultRuntime& runtime_;
};

std::string head_too_large(std::size_t max_header_bytes) {
  return "request header larger than max_header_bytes (" + std::to_string(max_header_bytes) + ")";
}

std::string no_route(const RequestAdmission& admission) {
  return "no route for host '" + admission.host.substr(0, 64) + "' and path '" +
         admission.target->path.substr(0, 64) + "'";
}

}  // namespace

ClientSession::ClientSession(WorkerState& worker, tcp::socket socket)
    : worker_(worker), client_(std::move(socket)) {
  worker_.sessions.insert(&slot_);
  slot_.client = &client_.socket();
  error_code ec;
  auto remote = client_.socket().remote_endpoint(ec);
  if (!ec) client_address_ = remote.address().to_string();
  client_.socket().set_option(tcp::no_delay(true), ec);
  worker_.metrics->connections_add(worker_.index, metrics::Side::client, +1);
}

ClientSession::~ClientSession() {
  worker_.metrics->connections_add(worker_.index, metrics::Side::client, -1);
  worker_.sessions.erase(&slot_);
}

asio::awaitable<void> ClientSession::run() {
  // The TLS handshake and the first request's head share header_timeout.
  head_deadline_ = Clock::now() + worker_.snapshot->config->server.header_timeout;
  tls_ = worker_.snapshot->config->server.tls;
  // The awaits stay out of the loop condition: GCC 12 compiled one there wrongly (the
  // loop went on after serve_one said to close).
  bool open = true;
  if (tls_) open = co_await handshake(*tls_);
  for (bool first = true; open; first = false) {
    if (!co_await wait_for_request_bytes(first)) break;
    const bool keep_open = co_await serve_one();
    response_shaping_.reset();
    upstream_head_.reset();
    admission_.reset();
    request_.reset();  // an idle connection holds no snapshot
    if (!keep_open || worker_.draining) break;
  }
  error_code ignored;
  client_.shutdown();
  client_.socket().close(ignored);
}

asio::awaitable<bool> ClientSession::handshake(const net::ServerTls& tls) {
  // A TLS connection opens with a handshake record (content type 22). Anything else is,
  // most likely, plain HTTP sent to the TLS port: it is told so in plain HTTP, as nginx
  // does, instead of a silent close.
  error_code ec;
  {
    const OperationDeadline deadline(slot_.client_read_deadline, head_deadline_ - Clock::now());
    ec = co_await client_.wait_readable();
  }
  unsigned char first = 0;
  if (ec || ::recv(client_.socket().native_handle(), &first, 1, MSG_PEEK) != 1) {
    worker_.metrics->tls().record_handshake_error(metrics::Side::client,
                                                  slot_.client_expired ? "timeout" : "closed");
    co_return false;
  }
  if (first != 22) {
    worker_.metrics->tls().record_handshake_error(metrics::Side::client, "plain_http");
    RequestContext request(worker_);
    co_await reply_locally(request, 400, "this listener speaks TLS: use https://", false);
    co_return false;
  }
  client_.start_tls(tls.context->native_handle());
  slot_.client = &client_.socket();  // the socket moved into the TLS stream
  {
    const OperationDeadline deadline(slot_.client_read_deadline, head_deadline_ - Clock::now());
    ec = co_await client_.handshake(net::TlsStream::Side::server);
  }
  if (!ec) co_return true;
  const net::TlsFailure failure =
      net::describe_tls_failure(ec, client_.ssl(), slot_.client_expired);
  worker_.metrics->tls().record_handshake_error(metrics::Side::client, failure.reason);
  spdlog::debug("TLS handshake with {} failed: {}", client_address_, failure.message);
  co_return false;
}

// Waits for the first byte of the next request: until header_timeout after the
// connection opened for the first one, idle_timeout between keep-alive requests.
// Pipelined bytes are already buffered. The head must then be complete within the first
// request's deadline, or header_timeout after its first byte (the next ones).
asio::awaitable<bool> ClientSession::wait_for_request_bytes(bool first) {
  // Copied: a reload while this waits may free the snapshot these come from.
  const Clock::duration header_timeout = worker_.snapshot->config->server.header_timeout;
  const Clock::duration idle_timeout = worker_.snapshot->config->server.idle_timeout;
  if (buffer_.size() != 0) {
    if (!first) head_deadline_ = Clock::now() + header_timeout;
    co_return true;
  }
  if (worker_.draining) co_return false;
  slot_.idle = true;
  auto [ec, n] = co_await OperationDeadline(slot_.client_read_deadline,
                                            first ? head_deadline_ - Clock::now() : idle_timeout)
                     .around(client_.read_some(buffer_.prepare(kFirstHeadRead)));
  slot_.idle = false;
  if (ec) co_return false;
  if (!first) head_deadline_ = Clock::now() + header_timeout;
  buffer_.commit(n);
  worker_.metrics->network_bytes_add(worker_.index, metrics::Side::client, metrics::Direction::in,
                                     n);
  co_return true;
}

// Serves one request; returns whether the connection stays open for another. The request
// and its head live in the session (request_, admission_), and the steps without a wait are
// plain functions: a coroutine's locals all go into its frame, and Asio recycles frames of
// at most 1020 bytes, so a larger one would cost a malloc per request.
asio::awaitable<bool> ClientSession::serve_one() {
  RequestContext& request = request_.emplace(worker_);
  const auto& server = request.snapshot->config->server;

  // Read the request head, strictly (http/head_parser.hpp): a refused head is answered
  // and the connection closed, since what follows it cannot be framed with certainty.
  const HeadRead read = co_await read_head(client_, buffer_, server.max_header_bytes,
                                           slot_.client_read_deadline, head_deadline_);
  if (read.too_large) {
    co_return co_await reply_locally(request, 431, head_too_large(server.max_header_bytes), false);
  }
  if (read.error) co_return false;  // timed out or gone: nobody to answer
  RequestAdmission& admission = admit(request, read.size);
  if (admission.refusal) {
    co_await reply_locally(request, admission.refusal->status, std::move(admission.refusal->reason),
                           false);
    co_return false;
  }

  // Route.
  const config::RouteConfig* route =
      request.snapshot->routes.match(admission.host, admission.target->path);
  if (route == nullptr) {
    co_return co_await reply_locally(request, 404, no_route(admission),
                                     admission.keep_alive && admission.body.done());
  }
  const std::size_t route_index = enter_route(request, *route);
  const metrics::InflightScope inflight(*request.route_metrics, worker_.index);

  // Decide, then do: the plan is a plain value; the stages below execute it.
  decide_faults(request, *route, *admission.head, admission.host);
  std::optional<FaultInProgress> fault_in_progress;
  if (begin_faults(request, route_index)) fault_in_progress.emplace(*worker_.faults);

  // Request-phase faults.
  if (request.plan.request_delay.count() > 0) co_await wait_on_purpose(request.plan.request_delay);
  if (request.plan.terminal) {
    co_return co_await execute_terminal(request, admission.keep_alive && admission.body.done());
  }

  // Exchange with the upstream; the response-phase faults act inside it.
  write_upstream_head(*route, admission);
  co_return co_await forward(request,
                             ForwardPlan{*route, route_index, *admission.head, admission.body,
                                         admission.keep_alive, !admission.body.done()});
}

RequestAdmission& ClientSession::admit(RequestContext& request, std::size_t head_size) {
  const auto& server = request.snapshot->config->server;
  const std::string_view text(static_cast<const char*>(buffer_.data().data()), head_size);
  RequestAdmission& admission =
      admission_.emplace(admit_request_head(text, server.max_header_bytes, server.max_body_bytes));
  buffer_.consume(head_size);  // the admission holds copies: the head's bytes may go
  if (admission.head) {
    request.client_version = admission.head->version();
    request.head_request = admission.head->method() == beast_http::verb::head;
    request.method = std::string(admission.head->method_string());
    request.path =
        admission.target ? admission.target->path : std::string(admission.head->target());
  }
  return admission;
}

std::size_t ClientSession::enter_route(RequestContext& request, const config::RouteConfig& route) {
  request.route_name = route.name;
  const auto index = static_cast<std::size_t>(&route - request.snapshot->config->routes.data());
  request.route_metrics = request.snapshot->route_metrics[index];
  return index;
}

// Whether the request carries faults and got a place under max_active_faults (the caller
// then holds it with a FaultInProgress); over the limit the request passes unharmed.
bool ClientSession::begin_faults(RequestContext& request, std::size_t route_index) {
  if (request.plan.empty()) return false;
  if (!worker_.faults->begin_fault()) {
    request.plan = {};
    return false;
  }
  request.outcome = metrics::Outcome::injected;
  request.injected = request.plan.injected_header();
  for (const auto& applied : request.plan.applied) {
    request.snapshot->fault_counter(route_index, applied.rule, applied.kind).add(worker_.index);
  }
  return true;
}

void ClientSession::write_upstream_head(const config::RouteConfig& route,
                                        const RequestAdmission& admission) {
  const RequestHeader& head = *admission.head;
  const std::string upstream_authority =
      admission.host.empty() ? route.upstream.host + ":" + std::to_string(route.upstream.port)
                             : std::string();
  const ForwardingInfo forwarding{client_address_, admission.host, head.version(),
                                  admission.host.empty() ? std::string_view(upstream_authority)
                                                         : std::string_view(admission.host)};
  write_request_head(head, admission.target->origin_form, forwarding, admission.framing,
                     request_head_);
}

// The active profile's rules, plus those the request's headers force when header_control
// is on. Requests on a profile without rules draw no random numbers.
void ClientSession::decide_faults(RequestContext& request, const config::RouteConfig& route,
                                  const RequestHeader& head, std::string_view host) {
  const Snapshot& snapshot = *request.snapshot;
  if (!snapshot.faults_enabled) return;  // the kill switch
  const bool header_control = snapshot.config->faults.header_control;
  if (snapshot.active_profile->rules.empty() && !header_control) return;
  for (const auto& field : head) request.headers.push_back({field.name_string(), field.value()});
  const faults::RequestView view{head.method_string(), request.path, host, route.name,
                                 request.headers};
  faults::HeaderControl control;
  if (header_control) {
    control = faults::parse_header_control(request.headers);
    for (const auto& problem : control.problems) spdlog::debug("header control: {}", problem);
  }
  request.rng = worker_.faults->next_request_rng();
  request.plan = faults::decide(*snapshot.active_profile, view, request.rng, control.rules);
}

// A response faultline makes itself (no route, upstream failures, bad requests).
asio::awaitable<bool> ClientSession::reply_locally(RequestContext& request, unsigned status,
                                                   std::string reason, bool keep_alive) {
  request.error = reason;
  LocalResponse response;
  response.status = status;
  response.body = "faultline: " + reason + "\n";
  response.headers.emplace_back("content-type", "text/plain; charset=utf-8");
  response.keep_alive = keep_alive;
  co_return co_await write_local(request, std::move(response));
}

asio::awaitable<bool> ClientSession::write_local(RequestContext& request, LocalResponse local) {
  const bool keep_alive = local.keep_alive && !worker_.draining;
  beast_http::response<beast_http::string_body> response{
      static_cast<beast_http::status>(local.status), 11};
  response.set(beast_http::field::server, "faultline");
  for (const auto& [name, value] : local.headers) response.set(name, value);
  response.body() = std::move(local.body);
  response.prepare_payload();
  if (request.head_request) response.body().clear();  // RFC 9110 §9.3.2: HEAD gets no body
  response.keep_alive(keep_alive);
  std::ostringstream wire;
  wire << response;
  const std::string bytes = std::move(wire).str();
  auto [ec, n] = co_await OperationDeadline(slot_.client_write_deadline,
                                            request.snapshot->config->server.header_timeout)
                     .around(client_.write(asio::buffer(bytes)));
  request.log.status = local.status;
  request.log.bytes_out = response.body().size();
  request.count_bytes(metrics::Side::client, metrics::Direction::out, request.log.bytes_out);
  request.record();
  co_return keep_alive && !ec;
}

asio::awaitable<void> run_client_session(WorkerState& worker, tcp::socket socket) {
  ClientSession session(worker, std::move(socket));
  co_await session.run();
}

}  // namespace faultline::proxy
