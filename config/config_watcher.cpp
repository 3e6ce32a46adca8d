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

ConfigWatcher::ConfigWatcher(std::string path, OnChange on_change, std::chrono::milliseconds settle,
                             Dependencies dependencies)
    : path_(std::move(path)),
      on_change_(std::move(on_change)),
      settle_(settle),
      dependencies_(std::move(dependencies)) {}

ConfigWatcher::~ConfigWatcher() {
  stop();
}

void ConfigWatcher::start() {
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) throw_errno("inotify_init1");
  const std::string directory = directory_of(path_);
  const int watch = ::inotify_add_watch(inotify_fd_, directory.c_str(), kDirectoryEvents);
  if (watch < 0) throw_errno("cannot watch " + directory + " for config changes");
  watches_[directory] = watch;
  update_watches();
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
  watches_.clear();
}

// A file that is a symlink into another directory (edited in place there) is watched
// there too. Re-run after every burst: a swap changes where a path resolves.
void ConfigWatcher::update_watches() {
  std::vector<std::string> files{path_};
  if (dependencies_) {
    for (auto& file : dependencies_()) files.push_back(std::move(file));
  }
  std::map<std::string, int> wanted;
  for (const auto& file : files) {
    for (const std::string& directory : {directory_of(file), resolved_directory_of(file)}) {
      if (directory.empty() || wanted.count(directory) != 0) continue;
      const auto known = watches_.find(directory);
      const int watch = known != watches_.end()
                            ? known->second
                            : ::inotify_add_watch(inotify_fd_, directory.c_str(), kDirectoryEvents);
      if (watch >= 0) wanted[directory] = watch;  // a directory that went away: next time
    }
  }
  for (const auto& [directory, watch] : watches_) {
    if (wanted.count(directory) == 0) ::inotify_rm_watch(inotify_fd_, watch);
  }
  watches_ = std::move(wanted);
}

void ConfigWatcher::run() {
  using Clock = std::chrono::steady_clock;
  constexpr int kRecheckMs = 1000;  // how often the dependencies are asked again
  bool pending = false;
  Clock::time_point quiet_at{};
  alignas(inotify_event) char events[16 * 1024];
  for (;;) {
    int timeout_ms = kRecheckMs;
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
      update_watches();
      on_change_();
    }
    update_watches();
  }
}

}  // namespace faultline::config
