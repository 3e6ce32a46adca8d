#include "net/listener.hpp"

#include <stdexcept>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/socket_base.hpp>

namespace faultline::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

tcp::endpoint resolve_listen_address(asio::io_context& context,
                                     const faultline::HostPort& address) {
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address.host, ec);
  if (!ec) return {ip, address.port};
  tcp::resolver resolver(context);
  auto results =
      resolver.resolve(address.host, std::to_string(address.port), tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    throw std::runtime_error("cannot resolve listen address '" + address.host +
                             "': " + (ec ? ec.message() : "no address"));
  }
  return results.begin()->endpoint();
}

tcp::acceptor bind_acceptor(asio::io_context& context, const tcp::endpoint& endpoint) {
  tcp::acceptor acceptor(context);
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + to_string(endpoint) + ": " + ec.message());
  return acceptor;
}

}  // namespace

std::string to_string(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  std::string host = address.to_string();
  if (address.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

tcp::acceptor open_acceptor(asio::io_context& context, const faultline::HostPort& address) {
  return bind_acceptor(context, resolve_listen_address(context, address));
}

}  // namespace faultline::net
