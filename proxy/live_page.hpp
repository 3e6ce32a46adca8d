#pragma once

#include <string_view>

namespace faultline::proxy {

// The live page served at GET / on the admin listener: one self-contained HTML document
// (proxy/live_page/ as it was at build time) that polls /api/v1/stats from the browser.
std::string_view live_page_html();

}  // namespace faultline::proxy
