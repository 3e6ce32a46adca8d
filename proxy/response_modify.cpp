#include "proxy/response_modify.hpp"

namespace faultline::proxy {

namespace beast_http = boost::beast::http;

void apply_modify(const faults::Modify& modify, ResponseHeader& head) {
  if (modify.status) {
    head.result(static_cast<unsigned>(*modify.status));
    head.reason({});  // the upstream's phrase belonged to its own status
  }
  for (const auto& name : modify.remove_headers) head.erase(name);
  for (const auto& [name, value] : modify.set_headers) head.set(name, value);
}

}  // namespace faultline::proxy
