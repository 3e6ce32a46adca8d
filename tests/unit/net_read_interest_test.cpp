// keep_read_interest_only: the event loop's epoll set, read from /proc/self/fdinfo, holds
// the connected socket for reads only afterwards, and the socket still works.
#include <gtest/gtest.h>

#include <sys/epoll.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "net/read_interest.hpp"

namespace faultline::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// The events `descriptor` is registered for in any epoll set of this process; nullopt
// when no set holds it. A line of an epoll fdinfo reads "tfd: FD events: MASK data: …".
std::optional<unsigned> registered_events(int descriptor) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (std::filesystem::read_symlink(entry.path(), ec).string() != "anon_inode:[eventpoll]") {
      continue;
    }
    std::ifstream info("/proc/self/fdinfo/" + entry.path().filename().string());
    for (std::string line; std::getline(info, line);) {
      std::istringstream fields(line);
      std::string tfd, events_label;
      int fd = -1;
      unsigned events = 0;
      if (fields >> tfd >> fd >> events_label >> std::hex >> events && tfd == "tfd:" &&
          fd == descriptor) {
        return events;
      }
    }
  }
  return std::nullopt;
}

TEST(ReadInterest, ConnectedSocketLosesWriteInterestAndStillReads) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  tcp::socket server = acceptor.accept();

  // A wait for writability registers it, as a connect or a blocked write does.
  bool writable = false;
  client.async_wait(tcp::socket::wait_write, [&](boost::system::error_code) { writable = true; });
  io.run();
  io.restart();
  ASSERT_TRUE(writable);
  const int descriptor = client.native_handle();
  const auto before = registered_events(descriptor);
  ASSERT_TRUE(before.has_value());
  ASSERT_NE(*before & EPOLLOUT, 0u);

  boost::system::error_code ec;
  keep_read_interest_only(client, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(client.native_handle(), descriptor);
  const auto after = registered_events(descriptor);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(*after & EPOLLOUT, 0u);
  EXPECT_NE(*after & EPOLLIN, 0u);
  EXPECT_NE(*after & EPOLLET, 0u);

  // Still a working socket, reads completing through the event loop.
  asio::write(server, asio::buffer("x", 1));
  char got = 0;
  std::size_t read = 0;
  client.async_read_some(asio::buffer(&got, 1),
                         [&](boost::system::error_code, std::size_t n) { read = n; });
  io.run();
  EXPECT_EQ(read, 1u);
  EXPECT_EQ(got, 'x');
}

}  // namespace
}  // namespace faultline::net
