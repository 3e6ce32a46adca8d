// What a request template may hold so that the bytes the generator sends are one
// well-formed HTTP/1.1 request: a header name is a token (RFC 9110 §5.1), a value has no
// CR, LF, NUL or other control character (§5.5), a path is visible ASCII (RFC 9112 §3.2;
// anything else is percent-encoded). A space or a line break would otherwise end the
// request line or the field early, and the server would read a different request.
#pragma once

#include <string>
#include <string_view>

namespace faultline::loadgen {

// Each returns "" when the text is fine, else what is wrong with it, for the user.
std::string header_name_problem(std::string_view name);
std::string header_value_problem(std::string_view value);
std::string path_problem(std::string_view path);

}  // namespace faultline::loadgen
