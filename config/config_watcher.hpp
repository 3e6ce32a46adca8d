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
//
// The files the config names (certificates and keys, which cert-manager and Kubernetes
// secrets replace the same ways) are watched alike: `dependencies` lists them, and is
// asked again after every burst and every second, since a reload may name other files.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace faultline::config {

class ConfigWatcher {
 public:
  using OnChange = std::function<void()>;
  using Dependencies = std::function<std::vector<std::string>()>;

  ConfigWatcher(std::string path, OnChange on_change,
                std::chrono::milliseconds settle = std::chrono::milliseconds(100),
                Dependencies dependencies = {});
  ~ConfigWatcher();
  ConfigWatcher(const ConfigWatcher&) = delete;
  ConfigWatcher& operator=(const ConfigWatcher&) = delete;

  // Starts watching on a thread of its own. Throws std::system_error when inotify or the
  // directory cannot be watched.
  void start();
  void stop();

 private:
  void run();
  // Watches the directories of the config file and of its dependencies, each as named
  // and as resolved through symlinks, and stops watching those no longer needed.
  void update_watches();

  std::string path_;
  OnChange on_change_;
  std::chrono::milliseconds settle_;
  Dependencies dependencies_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;                    // an eventfd: written once to end run()
  std::map<std::string, int> watches_;  // directory -> inotify watch
  std::thread thread_;
};

}  // namespace faultline::config
