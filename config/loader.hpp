// Turns TOML text into a validated Config, or into every error found, each with its
// place: "file:line:col: key.path: message".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "toml/diagnostics.hpp"

namespace faultline::config {

struct LoadResult {
  std::optional<Config> config;  // set exactly when errors is empty
  std::vector<Diagnostic> errors;
};

LoadResult parse_config(std::string_view toml_text, std::string_view source_name);
// `text`, when given, receives the bytes read (empty when the file could not be read).
LoadResult load_config_file(const std::string& path, std::string* text = nullptr);

}  // namespace faultline::config
