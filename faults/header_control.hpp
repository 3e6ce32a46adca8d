// Header control (faults.header_control = true, README "Faults"): a request forces faults on itself
// with x-faultline-* headers, or with Envoy's x-envoy-fault-* names. Pure parsing: the
// headers become rules that decide() applies before the profile's, without dice.
//
//   x-faultline-delay: 120ms                  request delay; a duration (us, ms, s, m;
//                                             decimals allowed), a bare number is ms
//   x-faultline-throttle: 10240               response body at 10240 bytes/s
//   x-faultline-abort: 503                    answer 503 without contacting the upstream
//   x-faultline-reset: 1                      reset the connection ("1"/"true"; "0"/"false"
//                                             = no reset)
//   x-envoy-fault-delay-request: 120          request delay in ms (an integer, as Envoy)
//   x-envoy-fault-throughput-response: 10     response body at 10 KiB/s
//   x-envoy-fault-abort-request: 503          as x-faultline-abort
//
// Rule names are "header:" + the header name, e.g. "header:x-faultline-delay". Rules come
// in this order: delays, throttles, then the terminal ones (abort before reset), so the
// first terminal wins as in a profile. A delay of 0 asks for nothing. Invalid values
// are ignored and reported; a repeated header uses its first value and is reported.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "faults/request_view.hpp"
#include "faults/rule.hpp"

namespace faultline::faults {

struct HeaderControl {
  std::vector<Rule> rules;  // pass to decide() as `forced`
  // One line per ignored header, e.g.
  // 'x-faultline-abort: expected an HTTP status from 200 to 599, got "abc"'.
  std::vector<std::string> problems;
};

HeaderControl parse_header_control(std::span<const Header> headers);

// Whether `name` is one of the control headers above (any case), e.g. for not
// forwarding them upstream.
bool is_control_header(std::string_view name);

}  // namespace faultline::faults
