#include "loadgen/blocking_http_client.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <system_error>

namespace faultline::loadgen {

namespace {

using Clock = std::chrono::steady_clock;

// An admin answer is a few KiB of JSON; a profile list with many rules stays far below.
constexpr std::size_t kMaxAnswerBytes = 16u << 20;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Decodes a chunked body (RFC 9112 §7.1) from `bytes`; trailers are skipped.
ParseState parse_chunked(std::string_view bytes, std::string& body, std::string& error) {
  body.clear();
  for (;;) {
    const std::size_t line_end = bytes.find("\r\n");
    if (line_end == std::string_view::npos) return ParseState::incomplete;
    std::string_view size_text = bytes.substr(0, line_end);
    size_text = size_text.substr(0, size_text.find(';'));
    std::size_t size = 0;
    auto [end, ec] =
        std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (ec != std::errc{} || end != size_text.data() + size_text.size()) {
      error = "bad chunk size";
      return ParseState::malformed;
    }
    bytes.remove_prefix(line_end + 2);
    if (size == 0) {
      // Trailer fields, then an empty line.
      for (;;) {
        const std::size_t trailer_end = bytes.find("\r\n");
        if (trailer_end == std::string_view::npos) return ParseState::incomplete;
        if (trailer_end == 0) return ParseState::complete;
        bytes.remove_prefix(trailer_end + 2);
      }
    }
    if (bytes.size() < size + 2) return ParseState::incomplete;
    body.append(bytes.substr(0, size));
    bytes.remove_prefix(size + 2);
  }
}

struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

// Waits until `fd` is ready for `events` or the deadline passes.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd entry{fd, events, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(left));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

std::string connect_to(const std::string& host, std::uint16_t port, Clock::time_point deadline,
                       FileDescriptor& out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
    return "cannot resolve " + host + ": " + ::gai_strerror(rc);
  std::string error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    FileDescriptor socket_fd;
    socket_fd.fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (socket_fd.fd < 0) {
      error = std::strerror(errno);
      continue;
    }
    if (::connect(socket_fd.fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      error = std::strerror(errno);
      continue;
    }
    if (!wait_for(socket_fd.fd, POLLOUT, deadline)) {
      error = "connect timed out";
      continue;
    }
    int so_error = 0;
    socklen_t length = sizeof so_error;
    ::getsockopt(socket_fd.fd, SOL_SOCKET, SO_ERROR, &so_error, &length);
    if (so_error != 0) {
      error = std::strerror(so_error);
      continue;
    }
    out.fd = socket_fd.fd;
    socket_fd.fd = -1;
    ::freeaddrinfo(found);
    return "";
  }
  ::freeaddrinfo(found);
  return error;
}

}  // namespace

ParseState parse_http_answer(std::string_view bytes, bool at_eof, HttpAnswer& out,
                             std::string& error) {
  const std::size_t head_end = bytes.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (!at_eof) return ParseState::incomplete;
    error = bytes.empty() ? "the connection closed without an answer"
                          : "the connection closed inside the response head";
    return ParseState::malformed;
  }
  std::string_view head = bytes.substr(0, head_end);
  const std::size_t line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  // "HTTP/1.1 200 OK" (RFC 9112 §4)
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ') {
    error = "not an HTTP/1.x response";
    return ParseState::malformed;
  }
  unsigned status = 0;
  auto [end, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, status);
  if (ec != std::errc{} || end != status_line.data() + 12 || status < 100 || status > 599) {
    error = "bad status code";
    return ParseState::malformed;
  }
  out.status = status;
  out.reason = std::string(trim(status_line.substr(12)));

  std::optional<std::size_t> content_length;
  bool chunked = false;
  std::string_view fields = line_end == std::string_view::npos ? "" : head.substr(line_end + 2);
  while (!fields.empty()) {
    const std::size_t next = fields.find("\r\n");
    const std::string_view field = fields.substr(0, next);
    fields = next == std::string_view::npos ? "" : fields.substr(next + 2);
    const std::size_t colon = field.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = field.substr(0, colon);
    const std::string_view value = trim(field.substr(colon + 1));
    if (iequals(name, "content-length")) {
      std::size_t length = 0;
      auto [vend, vec] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (vec != std::errc{} || vend != value.data() + value.size()) {
        error = "bad Content-Length";
        return ParseState::malformed;
      }
      content_length = length;
    } else if (iequals(name, "transfer-encoding")) {
      chunked = value.size() >= 7 && iequals(value.substr(value.size() - 7), "chunked");
    }
  }

  const std::string_view rest = bytes.substr(head_end + 4);
  if (chunked) {
    const ParseState state = parse_chunked(rest, out.body, error);
    if (state == ParseState::incomplete && at_eof) {
      error = "the connection closed inside a chunked body";
      return ParseState::malformed;
    }
    return state;
  }
  if (content_length) {
    if (rest.size() < *content_length) {
      if (!at_eof) return ParseState::incomplete;
      error = "the connection closed before the whole body arrived";
      return ParseState::malformed;
    }
    out.body = std::string(rest.substr(0, *content_length));
    return ParseState::complete;
  }
  if (status == 204 || status == 304 || status < 200) {
    out.body.clear();
    return ParseState::complete;
  }
  if (!at_eof) return ParseState::incomplete;
  out.body = std::string(rest);
  return ParseState::complete;
}

std::string http_exchange(const std::string& host, std::uint16_t port, const HttpCall& call,
                          std::chrono::milliseconds timeout, HttpAnswer& out) {
  const Clock::time_point deadline = Clock::now() + timeout;
  FileDescriptor connection;
  if (auto error = connect_to(host, port, deadline, connection); !error.empty()) return error;

  std::string request = call.method + " " + call.target + " HTTP/1.1\r\nHost: " + call.host_header +
                        "\r\nConnection: close\r\n";
  if (!call.authorization.empty()) request += "Authorization: " + call.authorization + "\r\n";
  if (!call.body.empty()) request += "Content-Type: application/json\r\n";
  if (!call.body.empty() || call.method == "PUT" || call.method == "POST")
    request += "Content-Length: " + std::to_string(call.body.size()) + "\r\n";
  request += "\r\n" + call.body;

  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n =
        ::send(connection.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(connection.fd, POLLOUT, deadline)) return "timed out sending the request";
      continue;
    }
    return std::string("send failed: ") + std::strerror(errno);
  }

  std::string received;
  char buffer[16 * 1024];
  for (;;) {
    const ssize_t n = ::recv(connection.fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(connection.fd, POLLIN, deadline))
        return "no answer within " + std::to_string(timeout.count()) + "ms";
      continue;
    }
    if (n < 0) return std::string("receive failed: ") + std::strerror(errno);
    received.append(buffer, static_cast<std::size_t>(n));
    if (received.size() > kMaxAnswerBytes) return "the answer is larger than 16 MiB";
    std::string error;
    HttpAnswer answer;
    const ParseState state = parse_http_answer(received, n == 0, answer, error);
    if (state == ParseState::malformed) return "bad answer: " + error;
    if (state == ParseState::complete) {
      out = std::move(answer);
      return "";
    }
  }
}

}  // namespace faultline::loadgen
