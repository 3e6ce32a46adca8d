// Notices when the config file changes, however it is changed: written in place, replaced
// by an atomic rename (editors, `mv`), or swapped behind a symlink (a Kubernetes
// ConfigMap volume renames a `..data` symlink to point at a new directory).
//
// Watching the file itself would miss the last two (the watched inode is replaced, not
// modified), so the watcher watches the file's directory, and the directory the file
// resolves to through symlinks, for entries created, renamed, deleted or closed after
// writing. Events come in bursts (an editor writes a backup, renames, changes modes), so
// the callback runs once the directory has been quiet for `settle`; it should compare
// the file's content with what it last loaded, since unrelated files in the directory
// trigger it too.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace faultline::config {

class ConfigWatcher {
 public:
  using OnChange = std::function<void()>;

  ConfigWatcher(std::string path, OnChange on_change,
                std::chrono::milliseconds settle = std::chrono::milliseconds(100));
  ~ConfigWatcher();
  ConfigWatcher(const ConfigWatcher&) = delete;
  ConfigWatcher& operator=(const ConfigWatcher&) = delete;

  // Starts watching on a thread of its own. Throws std::system_error when inotify or the
  // directory cannot be watched.
  void start();
  void stop();

 private:
  void run();
  void watch_resolved_directory();

  std::string path_;
  std::string directory_;
  std::string resolved_directory_;  // "" when the same as directory_
  OnChange on_change_;
  std::chrono::milliseconds settle_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;  // an eventfd: written once to end run()
  int resolved_watch_ = -1;
  std::thread thread_;
};

}  // namespace faultline::config
