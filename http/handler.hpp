// What the admin HTTP server (server.hpp) serves: plain request -> response logic
// with no sockets, so each endpoint is tested directly. The proxy's admin API is one;
// `faultline bench --metrics-listen` serves its own /metrics through the same server.
#pragma once

#include <string>

namespace faultline::http {

struct Request {
  std::string method;  // "GET"
  std::string target;  // "/readyz"
  std::string authorization;
  std::string body;
  std::string user_agent = {};  // the Toxiproxy API turns browsers away, as toxiproxy-server does
};

struct Response {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::string allow;             // for 405: the methods the endpoint takes (RFC 9110 §15.5.6)
  std::string www_authenticate;  // for 401: the scheme to use (RFC 9110 §11.6.1)
};

class Handler {
 public:
  virtual ~Handler() = default;
  // Called on the server's one thread, one request at a time.
  virtual Response handle(const Request& request) const = 0;
  // Called every second on the same thread (e.g. to advance sliding windows).
  virtual void every_second() const {}
};

}  // namespace faultline::http
