// Resolving the target before the run (see endpoint.hpp).
#include "loadgen/endpoint.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace faultline::loadgen {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

std::string resolve_endpoint(const std::string& host, std::uint16_t port, Endpoint& out) {
  asio::io_context io;
  tcp::resolver resolver(io);
  error_code ec;
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) return "cannot resolve " + host + ": " + ec.message();
  // "localhost" may resolve to ::1 first while the server listens on 127.0.0.1 only: take
  // the first address that accepts a connection, else the first one (its requests then
  // fail as connect errors, which the report shows).
  tcp::endpoint chosen = results.begin()->endpoint();
  if (results.size() > 1) {
    for (const auto& entry : results) {
      tcp::socket probe(io);
      error_code connect_error;
      probe.connect(entry.endpoint(), connect_error);
      if (!connect_error) {
        chosen = entry.endpoint();
        break;
      }
    }
  }
  out.address = chosen.address().to_string();
  out.port = chosen.port();
  return "";
}

}  // namespace faultline::loadgen
