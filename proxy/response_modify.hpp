// The response-head half of the modify action: the upstream's status and fields as the
// rule rewrites them. Pure: a Beast header in, the same header changed.
#pragma once

#include <boost/beast/http/message.hpp>

#include "faults/actions/modify.hpp"
#include "proxy/head_fields.hpp"

namespace faultline::proxy {

// Sets the status (with its standard reason phrase), removes then sets fields. The body
// replacement is the relay's business (it changes the framing).
void apply_modify(const faults::Modify& modify, ResponseHeader& head);

}  // namespace faultline::proxy
