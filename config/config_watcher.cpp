#include "config/config_watcher.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <system_error>

namespace faultline::config {

namespace {

constexpr std::uint32_t kDirectoryEvents =
    IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB;

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// The directory of the file `path` finally names, through every symlink; "" when the
// file does not exist (in the middle of a swap, say).
std::string resolved_directory_of(const std::string& path) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) return "";
  return directory_of(resolved);
}

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

ConfigWatcher::ConfigWatcher(std::string path, OnChange on_change, std::chrono::milliseconds settle)
    : path_(std::move(path)),
      directory_(directory_of(path_)),
      on_change_(std::move(on_change)),
      settle_(settle) {}

ConfigWatcher::~ConfigWatcher() {
  stop();
}

void ConfigWatcher::start() {
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) throw_errno("inotify_init1");
  if (::inotify_add_watch(inotify_fd_, directory_.c_str(), kDirectoryEvents) < 0) {
    throw_errno("cannot watch " + directory_ + " for config changes");
  }
  watch_resolved_directory();
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (stop_fd_ < 0) throw_errno("eventfd");
  thread_ = std::thread([this] { run(); });
}

void ConfigWatcher::stop() {
  if (thread_.joinable()) {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto written = ::write(stop_fd_, &one, sizeof one);
    thread_.join();
  }
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
  inotify_fd_ = stop_fd_ = -1;
}

// A config that is a symlink into another directory (edited in place there) is watched
// there too. Re-run after every burst: a swap changes where the path resolves.
void ConfigWatcher::watch_resolved_directory() {
  std::string resolved = resolved_directory_of(path_);
  if (resolved == directory_) resolved.clear();
  if (resolved == resolved_directory_) return;
  if (resolved_watch_ >= 0) ::inotify_rm_watch(inotify_fd_, resolved_watch_);
  resolved_watch_ = -1;
  resolved_directory_ = resolved;
  if (!resolved.empty()) {
    resolved_watch_ = ::inotify_add_watch(inotify_fd_, resolved.c_str(), kDirectoryEvents);
  }
}

void ConfigWatcher::run() {
  using Clock = std::chrono::steady_clock;
  bool pending = false;
  Clock::time_point quiet_at{};
  alignas(inotify_event) char events[16 * 1024];
  for (;;) {
    int timeout_ms = -1;
    if (pending) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(quiet_at - Clock::now());
      timeout_ms = static_cast<int>(std::max<std::int64_t>(0, left.count()));
    }
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    const int ready = ::poll(fds, 2, timeout_ms);
    if (ready < 0 && errno != EINTR) return;
    if (fds[1].revents != 0) return;
    if (fds[0].revents != 0) {
      // The content of the events does not matter, only that something changed.
      while (::read(inotify_fd_, events, sizeof events) > 0) {
      }
      pending = true;
      quiet_at = Clock::now() + settle_;
      continue;
    }
    if (pending && Clock::now() >= quiet_at) {
      pending = false;
      watch_resolved_directory();
      on_change_();
    }
  }
}

}  // namespace faultline::config
