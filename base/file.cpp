#include "base/file.hpp"

#include <cerrno>
#include <cstdio>
#include <system_error>

namespace faultline {

std::optional<std::string> read_file(const std::string& path, std::string* error) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    if (error != nullptr) *error = std::generic_category().message(errno);
    return std::nullopt;
  }
  std::string text;
  char buffer[1 << 16];
  std::size_t count = 0;
  errno = 0;
  while ((count = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, count);
  // fopen succeeds on a directory; the read then fails with EISDIR, worth saying.
  const int read_error = std::ferror(file) != 0 ? (errno != 0 ? errno : EIO) : 0;
  std::fclose(file);
  if (read_error != 0) {
    if (error != nullptr) *error = std::generic_category().message(read_error);
    return std::nullopt;
  }
  return text;
}

}  // namespace faultline
