// DrainingBuffer: what a read through it tells Asio's reactor (the perform step's status,
// which decides whether the next read starts with a recv) and its stream; and ByteStream's
// answers read through it: every byte arrives, however it is sent, and so does a close
// that came with the last bytes.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <tuple>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "net/byte_stream.hpp"
#include "net/draining_read.hpp"

namespace faultline::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using Op = asio::detail::reactive_socket_recv_op_base<DrainingBuffer>;

void no_completion(void*, asio::detail::scheduler_operation*, const boost::system::error_code&,
                   std::size_t) {}

class DrainingReadStep : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds_), 0);
  }
  void TearDown() override {
    if (fds_[0] >= 0) ::close(fds_[0]);
    if (fds_[1] >= 0) ::close(fds_[1]);
  }
  void send(const std::string& bytes) {
    ASSERT_EQ(::write(fds_[1], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  // The status one perform step of a read of `capacity` bytes returns, and what it read.
  asio::detail::reactor_op::status perform(std::size_t capacity, std::size_t& read) {
    buffer_.assign(capacity, '\0');
    drained_ = false;
    Op op(boost::system::error_code(), fds_[0], asio::detail::socket_ops::stream_oriented,
          DrainingBuffer(asio::buffer(buffer_), &drained_), 0, &no_completion);
    const auto status = op.perform();
    read = op.bytes_transferred_;
    return status;
  }

  int fds_[2] = {-1, -1};
  std::string buffer_;
  bool drained_ = false;  // what the read tells its stream
};

TEST_F(DrainingReadStep, AShortReadTellsTheReactorTheSocketIsEmpty) {
  send("0123456789");
  std::size_t read = 0;
  // Asio's own buffers return `done` here, and the next read would start with a recv.
  EXPECT_EQ(perform(512, read), asio::detail::reactor_op::done_and_exhausted);
  EXPECT_EQ(read, 10u);
  EXPECT_TRUE(drained_);
}

TEST_F(DrainingReadStep, AFullReadLetsTheNextReadTryARecvFirst) {
  send("0123456789");
  std::size_t read = 0;
  EXPECT_EQ(perform(4, read), asio::detail::reactor_op::done);  // six bytes are still there
  EXPECT_EQ(read, 4u);
  EXPECT_EQ(perform(6, read), asio::detail::reactor_op::done);
  EXPECT_EQ(read, 6u);
  EXPECT_FALSE(drained_);
}

TEST_F(DrainingReadStep, AnEmptySocketLeavesTheReadWaiting) {
  std::size_t read = 0;
  EXPECT_EQ(perform(512, read), asio::detail::reactor_op::not_done);
  EXPECT_FALSE(drained_);
}

TEST_F(DrainingReadStep, EndOfFileIsExhaustedAsWithAsiosBuffers) {
  ::close(fds_[1]);
  fds_[1] = -1;
  std::size_t read = 1;
  EXPECT_EQ(perform(512, read), asio::detail::reactor_op::done_and_exhausted);
  EXPECT_EQ(read, 0u);
}

// A ByteStream over loopback TCP and the peer that writes to it.
class DrainingRead : public ::testing::Test {
 protected:
  DrainingRead()
      : acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        peer(io),
        stream(connect_and_accept()) {}

  asio::io_context io;
  tcp::acceptor acceptor;
  tcp::socket peer;
  ByteStream stream;

 private:
  tcp::socket connect_and_accept() {
    peer.connect(acceptor.local_endpoint());
    return acceptor.accept();
  }
};

// Through the event loop: after every short read the next read must wait for the
// socket's readiness event and still complete, whether the bytes come before or after it
// starts, and in pieces.
TEST_F(DrainingRead, AnswersArriveWholeHoweverTheyAreSent) {
  constexpr int kAnswers = 200;
  int answers = 0;
  std::string received;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        std::array<char, 64> buffer{};
        for (; answers < kAnswers; ++answers) {
          // Ten bytes, sent before the read starts (odd answers) or after, in two pieces.
          const std::string answer = std::to_string(1000000000 + answers);
          if (answers % 2 == 1) asio::write(peer, asio::buffer(answer));
          if (answers % 2 == 0) {
            asio::post(io, [&, answer] {
              asio::write(peer, asio::buffer(answer.substr(0, 3)));
              asio::post(io, [&, answer] { asio::write(peer, asio::buffer(answer.substr(3))); });
            });
          }
          auto [ec, n] = co_await stream.read_answer(asio::buffer(buffer));
          for (;;) {
            if (ec) co_return;
            received.append(buffer.data(), n);
            if (received.size() % 10 == 0) break;
            std::tie(ec, n) = co_await stream.read_some(asio::buffer(buffer));
          }
        }
      },
      asio::detached);
  io.run_for(std::chrono::seconds(10));
  EXPECT_EQ(answers, kAnswers);
  ASSERT_EQ(received.size(), 10u * kAnswers);
  EXPECT_EQ(received.substr(received.size() - 10), std::to_string(1000000000 + kAnswers - 1));
}

// The answer and the peer's close arrive before the event loop looks: one readiness event
// for both, taken by the answer's read. The next read must still see the end of stream
// (a body delimited by the close depends on it), not wait for an event that never comes.
TEST_F(DrainingRead, AnEndOfStreamThatCameWithTheAnswerIsSeen) {
  std::string answer;
  std::optional<boost::system::error_code> end;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        asio::post(io, [&] {
          asio::write(peer, asio::buffer(std::string("answer")));
          peer.shutdown(tcp::socket::shutdown_send);
        });
        std::array<char, 64> buffer{};
        auto [ec, n] = co_await stream.read_answer(asio::buffer(buffer));
        answer.assign(buffer.data(), n);
        auto [end_ec, ignored] = co_await stream.read_some(asio::buffer(buffer));
        end = end_ec;
      },
      asio::detached);
  io.run_for(std::chrono::seconds(3));
  EXPECT_EQ(answer, "answer");
  ASSERT_TRUE(end.has_value()) << "the second read never completed";
  EXPECT_EQ(*end, asio::error::eof);
}

}  // namespace
}  // namespace faultline::net
