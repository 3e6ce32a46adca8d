// One client connection (internal to proxy/; Beast inside). The request path reads top
// to bottom in ClientSession::serve_one (client_session.cpp):
//
//   read the request head -> route -> decide faults -> request-phase faults
//   (fault_execution.cpp) -> exchange with the upstream: take or connect, send, relay
//   both ways, retry when safe (upstream_exchange.cpp) -> response-phase faults on the
//   head and the body as it streams (response_relay.cpp) -> record (RequestContext).
//
// Everything runs on the worker's single thread. The request and response bodies are
// relayed concurrently so an upstream that answers while the upload is still arriving
// (an echo, an early 413) never deadlocks against us.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>

#include "proxy/body_shaping.hpp"
#include "proxy/exchange_rules.hpp"
#include "proxy/message_rules.hpp"
#include "proxy/request_context.hpp"
#include "proxy/upstream_pool.hpp"
#include "proxy/wire_io.hpp"
#include "proxy/worker_state.hpp"

namespace faultline::net {
struct ServerTls;
class SplicePipe;
}  // namespace faultline::net

namespace faultline::config {
struct RouteConfig;
struct ServerConfig;
}  // namespace faultline::config

namespace faultline::proxy {

using boost::system::error_code;

// The peer went away (or was closed under us): there is nobody to answer.
bool is_disconnect(const error_code& ec);

// A response faultline makes itself: an error, or an abort fault's answer.
struct LocalResponse {
  unsigned status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool keep_alive = false;
};

struct RequestBodyResult {
  bool complete = false;
  error_code client_error;      // reading the client's body
  std::string framing_error;    // the client's body broke the rules, or max_body_bytes
  unsigned refusal_status = 0;  // with framing_error: 400, or 413
  error_code upstream_error;    // writing it upstream
  std::uint64_t bytes = 0;
};

struct ResponseResult {
  bool header_sent = false;  // after this, a failure can only close the connection
  bool complete = false;
  bool upstream_reusable = false;
  bool close_client = false;
  bool upstream_header_received = false;
  error_code upstream_error;
  std::string protocol_error;  // the upstream's response broke the rules (a 502 if unsent)
  error_code client_error;
  unsigned status = 0;
  std::uint64_t bytes = 0;  // body bytes sent to the client
  Clock::time_point upstream_done{};
  Clock::duration injected_wait{};  // response delay and throttling, not the upstream's time
};

// Shared by the two halves of one exchange so each can stop the other.
struct ExchangeState {
  bool response_finished = false;
  bool request_failed = false;
};

// What the forwarding stage needs of the request, decided before it starts.
struct ForwardPlan {
  const config::RouteConfig& route;
  std::size_t route_index;
  const RequestHeader& head;
  http::BodyDecoder& body;  // the request body, as it is read
  bool client_keep_alive;
  bool has_body;
};

class ClientSession {
 public:
  ClientSession(WorkerState& worker, boost::asio::ip::tcp::socket socket);
  ~ClientSession();
  boost::asio::awaitable<void> run();

 private:
  // client_session.cpp: the pipeline.
  boost::asio::awaitable<bool> handshake(const net::ServerTls& tls);
  boost::asio::awaitable<bool> wait_for_request_bytes(bool first);
  boost::asio::awaitable<bool> serve_one();
  RequestAdmission& admit(RequestContext& request, std::size_t head_size);
  std::size_t enter_route(RequestContext& request, const config::RouteConfig& route);
  bool begin_faults(RequestContext& request, std::size_t route_index);
  void write_upstream_head(const config::RouteConfig& route, const RequestAdmission& admission);
  void decide_faults(RequestContext& request, const config::RouteConfig& route,
                     const RequestHeader& head, std::string_view host);
  boost::asio::awaitable<bool> reply_locally(RequestContext& request, unsigned status,
                                             std::string reason, bool keep_alive);
  boost::asio::awaitable<bool> write_local(RequestContext& request, LocalResponse response);

  // fault_execution.cpp: the hooks that execute a plan's actions.
  boost::asio::awaitable<Clock::duration> wait_on_purpose(Clock::duration duration);
  boost::asio::awaitable<bool> execute_terminal(RequestContext& request, bool keep_alive);
  boost::asio::awaitable<void> wait_until_client_leaves();

  // upstream_exchange.cpp: forwarding, with retries of stale keep-alive connections.
  boost::asio::awaitable<bool> forward(RequestContext& request, const ForwardPlan& forward);
  boost::asio::awaitable<std::unique_ptr<UpstreamConnection>> connect(RequestContext& request,
                                                                      const ForwardPlan& forward,
                                                                      bool& keep_open);
  void account(RequestContext& request, const RequestBodyResult& body,
               const ResponseResult& response, Clock::time_point upstream_started);
  boost::asio::awaitable<bool> reply_upstream_failure(RequestContext& request,
                                                      const config::RouteConfig& route,
                                                      UpstreamFailure failure,
                                                      std::string_view detail, bool keep_alive);
  boost::asio::awaitable<bool> answer_failed_exchange(RequestContext& request,
                                                      const ForwardPlan& forward,
                                                      const RequestBodyResult& body,
                                                      const ResponseResult& response,
                                                      bool upstream_timed_out);
  // The two halves of an exchange write their outcome into `result` (the caller's: a
  // result returned by value would be one more copy in each frame).
  boost::asio::awaitable<void> relay_request_body(RequestContext& request,
                                                  const ForwardPlan& forward,
                                                  UpstreamConnection& upstream,
                                                  ExchangeState& exchange,
                                                  RequestBodyResult& result);

  // response_relay.cpp: the response, head first, body as it arrives.
  boost::asio::awaitable<void> relay_response(RequestContext& request, const ForwardPlan& forward,
                                              UpstreamConnection& upstream, ExchangeState& exchange,
                                              ResponseResult& result);
  boost::asio::awaitable<bool> forward_interim_responses(RequestContext& request,
                                                         const config::RouteConfig& route,
                                                         UpstreamConnection& upstream,
                                                         UpstreamHead& final_head,
                                                         ResponseResult& result);
  boost::asio::awaitable<bool> splice_response_body(const config::RouteConfig& route,
                                                    UpstreamConnection& upstream,
                                                    std::unique_ptr<net::SplicePipe> pipe,
                                                    http::BodyDecoder& decoder,
                                                    ExchangeState& exchange,
                                                    ResponseResult& result);
  void finish_response(ResponseResult& result, ExchangeState& exchange,
                       UpstreamConnection& upstream);

  WorkerState& worker_;
  net::ByteStream client_;                     // TLS when the listener has a certificate
  std::shared_ptr<const net::ServerTls> tls_;  // the certificate this connection was given
  boost::beast::flat_buffer buffer_;           // may hold the start of the next (pipelined) request
  SessionSlot slot_;
  std::string client_address_;
  std::string request_head_, response_head_;  // serialized heads, reused across requests
  // The request being served and its admitted head, from serve_one's start to its end.
  std::optional<RequestContext> request_;
  std::optional<RequestAdmission> admission_;
  std::optional<UpstreamHead> upstream_head_;    // the response's, from relay_response's start
  std::optional<BodyShaping> response_shaping_;  // its body faults, from relay_response's start
  // When the head being read must be complete: header_timeout from the connection's
  // start, or from the first byte of a keep-alive request.
  Clock::time_point head_deadline_;
};

}  // namespace faultline::proxy
