#include "loadgen/request_mix.hpp"

#include <algorithm>
#include <cctype>

namespace faultline::loadgen {

namespace {

bool has_header(const RequestTemplate& request, std::string_view name) {
  return std::any_of(request.headers.begin(), request.headers.end(), [&](const auto& header) {
    return std::equal(header.first.begin(), header.first.end(), name.begin(), name.end(),
                      [](char a, char b) {
                        return std::tolower(static_cast<unsigned char>(a)) ==
                               std::tolower(static_cast<unsigned char>(b));
                      });
  });
}

}  // namespace

std::string serialize_request(const TargetUrl& target, const RequestTemplate& request) {
  std::string wire;
  wire.reserve(128 + request.body.size());
  wire += request.method;
  wire += ' ';
  wire += request.path.empty() ? "/" : request.path;
  wire += " HTTP/1.1\r\n";
  if (!has_header(request, "host")) wire += "Host: " + target.host_header + "\r\n";
  if (!has_header(request, "user-agent")) wire += "User-Agent: faultline-bench\r\n";
  if ((!request.body.empty() || request.method == "POST" || request.method == "PUT") &&
      !has_header(request, "content-length") && !has_header(request, "transfer-encoding")) {
    wire += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  for (const auto& [name, value] : request.headers) wire += name + ": " + value + "\r\n";
  wire += "\r\n";
  wire += request.body;
  return wire;
}

RequestMix::RequestMix(const TargetUrl& target, const std::vector<RequestTemplate>& templates) {
  for (const RequestTemplate& t : templates) {
    if (t.weight == 0) continue;
    prepared_.push_back({serialize_request(target, t), t.method == "HEAD"});
    total_weight_ += t.weight;
    cumulative_weight_.push_back(total_weight_);
  }
}

}  // namespace faultline::loadgen
