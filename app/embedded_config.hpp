#pragma once

#include <string_view>

namespace faultline::app {

// deploy/faultline.example.toml as it was at build time.
std::string_view embedded_config();

}  // namespace faultline::app
