// The fuzz build compiles the admin API without the live page's files (proxy/CMakeLists.txt
// inlines them into a generated source): GET / serves this stand-in there, which is all the
// admin_api target needs of it.
#include "proxy/live_page.hpp"

namespace faultline::proxy {

std::string_view live_page_html() {
  return "<!doctype html><title>faultline</title>";
}

}  // namespace faultline::proxy
