// Reading a whole file, for configs, scenarios, request bodies and /proc.
#pragma once

#include <optional>
#include <string>

namespace faultline {

// The file's bytes, or nullopt with the reason (strerror's text) in `error` when given.
std::optional<std::string> read_file(const std::string& path, std::string* error = nullptr);

}  // namespace faultline
