#include "loadgen/monitor_source.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "loadgen/target_url.hpp"
#include "metrics/process_metrics.hpp"

namespace faultline::loadgen {

namespace {

using Clock = std::chrono::steady_clock;

// A metrics page is a few KiB; anything far larger is not one.
constexpr std::size_t kMaxResponseBytes = 8u << 20;

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Waits until `fd` is ready for `events` or the deadline passes.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc > 0) return true;
    if (rc == 0 || errno != EINTR) return false;
  }
}

// The body of a complete HTTP/1.1 response read to the end of the connection (the
// request asked for Connection: close), de-chunked when chunked (RFC 9112 §7.1).
std::string response_body(const std::string& response, std::string& error) {
  const std::size_t head_end = response.find("\r\n\r\n");
  if (response.compare(0, 5, "HTTP/") != 0 || head_end == std::string::npos)
    return error = "not an HTTP response", "";
  const std::size_t space = response.find(' ');
  const int status = std::atoi(response.c_str() + space + 1);
  if (status != 200) return error = "HTTP status " + std::to_string(status), "";
  std::string head = response.substr(0, head_end);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string body = response.substr(head_end + 4);
  if (head.find("\r\ntransfer-encoding: chunked") == std::string::npos) return body;
  std::string plain;
  std::size_t at = 0;
  for (;;) {
    const std::size_t eol = body.find("\r\n", at);
    if (eol == std::string::npos) return error = "truncated chunked body", "";
    const std::size_t size = std::strtoul(body.c_str() + at, nullptr, 16);
    if (size == 0) return plain;
    if (eol + 2 + size > body.size()) return error = "truncated chunked body", "";
    plain.append(body, eol + 2, size);
    at = eol + 2 + size + 2;
  }
}

class UrlMonitor : public MonitorSource {
 public:
  UrlMonitor(TargetUrl url, std::chrono::milliseconds timeout)
      : url_(std::move(url)), timeout_(timeout) {}

  std::string name() const override { return url_.text; }

  MonitorSample sample(std::string& error) override {
    MonitorSample s;
    const std::string body = fetch(error);
    if (error.empty()) error = parse_process_metrics(body, s);
    return s;
  }

 private:
  std::string fetch(std::string& error) {
    const Clock::time_point deadline = Clock::now() + timeout_;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(url_.port);
    if (const int rc = ::getaddrinfo(url_.host.c_str(), port.c_str(), &hints, &found); rc != 0)
      return error = url_.host + ": " + gai_strerror(rc), "";
    Socket socket(::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    const int rc = socket.fd() < 0 ? -1 : ::connect(socket.fd(), found->ai_addr, found->ai_addrlen);
    ::freeaddrinfo(found);
    if (socket.fd() < 0 || (rc != 0 && errno != EINPROGRESS))
      return error = std::strerror(errno), "";
    int so_error = 0;
    socklen_t length = sizeof so_error;
    if (!wait_for(socket.fd(), POLLOUT, deadline)) return error = "connect timed out", "";
    ::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &so_error, &length);
    if (so_error != 0) return error = std::string("connect: ") + std::strerror(so_error), "";

    const std::string request = "GET " + url_.path + " HTTP/1.1\r\nHost: " + url_.host_header +
                                "\r\nAccept: text/plain\r\nConnection: close\r\n\r\n";
    for (std::size_t sent = 0; sent < request.size();) {
      if (!wait_for(socket.fd(), POLLOUT, deadline)) return error = "send timed out", "";
      const ssize_t n =
          ::send(socket.fd(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EINTR) return error = std::strerror(errno), "";
      if (n > 0) sent += static_cast<std::size_t>(n);
    }
    std::string response;
    char buffer[16384];
    for (;;) {
      if (!wait_for(socket.fd(), POLLIN, deadline)) return error = "no complete answer in time", "";
      const ssize_t n = ::recv(socket.fd(), buffer, sizeof buffer, 0);
      if (n == 0) break;
      if (n < 0 && errno != EAGAIN && errno != EINTR) return error = std::strerror(errno), "";
      if (n > 0) response.append(buffer, static_cast<std::size_t>(n));
      if (response.size() > kMaxResponseBytes) return error = "response too large", "";
    }
    return response_body(response, error);
  }

  TargetUrl url_;
  std::chrono::milliseconds timeout_;
};

std::optional<std::string> read_whole(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class PidMonitor : public MonitorSource {
 public:
  explicit PidMonitor(int pid) : pid_(pid), dir_("/proc/" + std::to_string(pid)) {}

  std::string name() const override { return "pid " + std::to_string(pid_); }

  MonitorSample sample(std::string& error) override {
    MonitorSample s;
    const auto text = read_whole(dir_ + "/stat");
    const auto stat = text ? metrics::parse_proc_pid_stat(*text) : std::nullopt;
    if (!stat) return error = "cannot read " + dir_ + "/stat (has the process exited?)", s;
    std::uint64_t fds = 0;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir_ + "/fd", ec), end; !ec && it != end;
         it.increment(ec))
      ++fds;
    const long ticks = ::sysconf(_SC_CLK_TCK);
    const long page = ::sysconf(_SC_PAGESIZE);
    const metrics::ProcessSample p =
        metrics::make_process_sample(*stat, 0, ticks > 0 ? static_cast<std::uint64_t>(ticks) : 100,
                                     page > 0 ? static_cast<std::uint64_t>(page) : 4096, fds);
    s.ok = true;
    s.cpu_seconds = p.cpu_seconds;
    s.resident_bytes = p.resident_bytes;
    if (!ec) s.open_fds = fds;  // /proc/PID/fd of another user's process is not readable
    return s;
  }

 private:
  int pid_;
  std::string dir_;
};

}  // namespace

std::unique_ptr<MonitorSource> make_url_monitor(const std::string& url,
                                                std::chrono::milliseconds timeout,
                                                std::string& error) {
  TargetUrl parsed;
  if (error = parse_target_url(url, parsed); !error.empty()) return nullptr;
  return std::make_unique<UrlMonitor>(std::move(parsed), timeout);
}

std::unique_ptr<MonitorSource> make_pid_monitor(int pid, std::string& error) {
  auto monitor = std::make_unique<PidMonitor>(pid);
  monitor->sample(error);
  if (!error.empty()) return nullptr;
  return monitor;
}

}  // namespace faultline::loadgen
