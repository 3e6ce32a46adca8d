// TlsStream over a loopback connection, and the inbox its reads come through: bytes arrive
// whole and in order across records and socket reads (through the inbox and read
// directly), the end of the stream is told apart from a truncation, and has_pending()
// never says "nothing" while received bytes wait in user space (a caller would then wait
// on a socket that has nothing more to give).
#include <gtest/gtest.h>

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/tls_inbox.hpp"
#include "net/tls_stream.hpp"

namespace faultline::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

TEST(TlsInbox, BioHandsOutWhatWasFilledThenAsksToRetryThenReportsEnd) {
  TlsInbox inbox;
  BIO* bio = inbox.make_bio();
  ASSERT_NE(bio, nullptr);
  char out[16] = {};
  EXPECT_EQ(BIO_read(bio, out, sizeof out), -1);
  EXPECT_TRUE(BIO_should_retry(bio));
  EXPECT_TRUE(BIO_should_read(bio));

  const asio::mutable_buffer space = inbox.space();
  ASSERT_GE(space.size(), TlsInbox::kCapacity);
  std::memcpy(space.data(), "hello world", 11);
  inbox.filled(11);
  EXPECT_FALSE(inbox.empty());
  EXPECT_EQ(BIO_read(bio, out, 5), 5);
  EXPECT_EQ(std::string(out, 5), "hello");
  EXPECT_EQ(BIO_ctrl_pending(bio), 6u);
  EXPECT_FALSE(BIO_eof(bio));

  inbox.set_eof();
  EXPECT_FALSE(BIO_eof(bio)) << "bytes remain to be taken";
  EXPECT_EQ(BIO_read(bio, out, sizeof out), 6);
  EXPECT_EQ(std::string(out, 6), " world");
  EXPECT_TRUE(inbox.empty());
  EXPECT_EQ(BIO_read(bio, out, sizeof out), 0);
  EXPECT_FALSE(BIO_should_retry(bio));
  EXPECT_TRUE(BIO_eof(bio));
  BIO_free(bio);
}

// After a read that filled the inbox the socket probably holds more: the BIO reads it
// directly, until a read comes back short; after that it asks for the next fill again.
TEST(TlsInbox, ReadsTheSocketDirectlyOnlyWhileReadsComeBackFull) {
  int ends[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, ends), 0);
  TlsInbox inbox;
  inbox.attach(ends[0]);
  BIO* bio = inbox.make_bio();
  char out[8] = {};

  // A short fill: the socket's bytes wait for the next fill.
  ASSERT_EQ(::write(ends[1], "socket", 6), 6);
  std::memcpy(inbox.space().data(), "ab", 2);
  inbox.filled(2);
  EXPECT_EQ(BIO_read(bio, out, sizeof out), 2);
  EXPECT_EQ(BIO_read(bio, out, sizeof out), -1);
  EXPECT_TRUE(BIO_should_retry(bio));

  // A full fill: once it is taken, reads go to the socket.
  inbox.space();
  inbox.filled(TlsInbox::kCapacity);
  std::vector<char> taken(TlsInbox::kCapacity);
  EXPECT_EQ(BIO_read(bio, taken.data(), static_cast<int>(taken.size())),
            static_cast<int>(taken.size()));
  ASSERT_EQ(::write(ends[1], "-more", 5), 5);
  EXPECT_EQ(BIO_read(bio, out, 4), 4);  // all it asked for: there may be more
  EXPECT_EQ(std::string(out, 4), "sock");
  EXPECT_EQ(BIO_read(bio, out, sizeof out), 7);  // short: the socket is drained
  EXPECT_EQ(std::string(out, 7), "et-more");
  ASSERT_EQ(::write(ends[1], "later", 5), 5);
  EXPECT_EQ(BIO_read(bio, out, sizeof out), -1) << "after a short read, the inbox fills";
  EXPECT_TRUE(BIO_should_retry(bio));

  // The peer's close, seen by a direct read, is the end of the stream.
  inbox.space();
  inbox.filled(TlsInbox::kCapacity);
  BIO_read(bio, taken.data(), static_cast<int>(taken.size()));
  EXPECT_EQ(BIO_read(bio, out, 5), 5);  // "later"
  ::close(ends[1]);
  EXPECT_EQ(BIO_read(bio, out, sizeof out), 0);
  EXPECT_TRUE(inbox.eof());
  EXPECT_TRUE(BIO_eof(bio));
  BIO_free(bio);
  ::close(ends[0]);
}

// A self-signed P-256 certificate made in memory: no key on disk, none committed.
struct SelfSigned {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* certificate = X509_new();

  SelfSigned() {
    X509_set_version(certificate, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(certificate), 1);
    X509_gmtime_adj(X509_getm_notBefore(certificate), -60);
    X509_gmtime_adj(X509_getm_notAfter(certificate), 3600);
    X509_NAME* name = X509_get_subject_name(certificate);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(certificate, name);
    X509_set_pubkey(certificate, key);
    X509_sign(certificate, key, EVP_sha256());
  }
  ~SelfSigned() {
    X509_free(certificate);
    EVP_PKEY_free(key);
  }
};

// Two ends of a TLS connection on 127.0.0.1, handshaken, on one event loop.
class TlsPair : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(identity_.key, nullptr);
    ASSERT_EQ(SSL_CTX_use_certificate(server_context_, identity_.certificate), 1);
    ASSERT_EQ(SSL_CTX_use_PrivateKey(server_context_, identity_.key), 1);
    SSL_CTX_set_verify(client_context_, SSL_VERIFY_NONE, nullptr);

    tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::socket client_socket(io_);
    client_socket.connect(acceptor.local_endpoint());
    // Small records leave at once, as faultline's sockets send them (not held by Nagle).
    client_socket.set_option(tcp::no_delay(true));
    server_ = std::make_unique<TlsStream>(acceptor.accept(), server_context_);
    client_ = std::make_unique<TlsStream>(std::move(client_socket), client_context_);

    error_code server_result = asio::error::would_block, client_result = asio::error::would_block;
    spawn([&]() -> asio::awaitable<void> {
      server_result = co_await server_->handshake(TlsStream::Side::server);
    });
    spawn([&]() -> asio::awaitable<void> {
      client_result = co_await client_->handshake(TlsStream::Side::client);
    });
    run();
    ASSERT_FALSE(server_result) << server_result.message();
    ASSERT_FALSE(client_result) << client_result.message();
  }

  void TearDown() override {
    server_.reset();
    client_.reset();
    SSL_CTX_free(server_context_);
    SSL_CTX_free(client_context_);
  }

  template <class Body>
  void spawn(Body body) {
    asio::co_spawn(io_, body, asio::detached);
  }

  // Runs the loop until every spawned coroutine has finished; a test that would hang
  // stops after a few seconds instead (and its assertions then fail).
  void run() {
    io_.restart();
    io_.run_for(std::chrono::seconds(5));
  }

  // Reads until `want` bytes have come or the stream fails, in reads of at most `piece`
  // bytes. `stranded` counts the reads that left more to come, nothing in the kernel and
  // has_pending() false: when the sender has written everything already, each is a read
  // after which a caller waiting for the socket would wait for ever.
  asio::awaitable<error_code> read_up_to(std::size_t want, std::size_t piece, std::string& got,
                                         int& stranded) {
    std::vector<char> buffer(piece);
    while (got.size() < want) {
      auto [ec, n] = co_await server_->read_some(asio::buffer(buffer));
      if (ec) co_return ec;
      got.append(buffer.data(), n);
      int queued = 0;
      ::ioctl(server_->socket().native_handle(), FIONREAD, &queued);
      if (got.size() < want && !server_->has_pending() && queued == 0) ++stranded;
    }
    co_return error_code{};
  }

  // The client sends `words` and closes its sending side, with a close_notify first when
  // `notify`; returns how the server's reads ended, what they got in `got`.
  error_code send_then_close(std::string words, bool notify, std::string& got) {
    spawn([&]() -> asio::awaitable<void> {
      co_await client_->write(asio::buffer(words));
      if (notify) client_->close_notify();
      client_->socket().shutdown(tcp::socket::shutdown_send);
    });
    error_code end;
    spawn([&]() -> asio::awaitable<void> {
      int stranded = 0;
      end = co_await read_up_to(1024, 64, got, stranded);
    });
    run();
    return end;
  }

  SelfSigned identity_;
  SSL_CTX* server_context_ = SSL_CTX_new(TLS_server_method());
  SSL_CTX* client_context_ = SSL_CTX_new(TLS_client_method());
  asio::io_context io_;
  std::unique_ptr<TlsStream> server_;
  std::unique_ptr<TlsStream> client_;
};

std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return bytes;
}

TEST_F(TlsPair, ManyRecordsArriveWholeAndInOrderWhateverTheReadSize) {
  const std::string sent = pattern(300 * 1024 + 17);
  for (const std::size_t piece :
       {std::size_t{1} << 16, std::size_t{16384}, std::size_t{1000}, std::size_t{7}}) {
    error_code written = asio::error::would_block;
    spawn([&]() -> asio::awaitable<void> {
      auto [ec, n] = co_await client_->write(asio::buffer(sent));
      written = ec;
    });
    std::string got;
    int stranded = 0;
    error_code read = asio::error::would_block;
    spawn([&]() -> asio::awaitable<void> {
      read = co_await read_up_to(sent.size(), piece, got, stranded);
    });
    run();
    ASSERT_FALSE(written) << written.message();
    ASSERT_FALSE(read) << "reads of " << piece << ": " << read.message();
    EXPECT_EQ(got.size(), sent.size()) << "reads of " << piece;
    EXPECT_TRUE(got == sent) << "reads of " << piece;
  }
}

// Records laid out so that OpenSSL's record buffer (16,712 bytes in OpenSSL 3.0) ends on a
// record boundary while the inbox still holds the last record: 8 records of 2,067 bytes
// (2,089 on the wire with TLS 1.3's type byte, tag and header), then one of 578, all
// taken by one inbox fill. After the eighth read OpenSSL holds nothing, the kernel holds
// nothing, and only has_pending() tells that a record is waiting.
TEST_F(TlsPair, BytesLeftInTheInboxCountAsPending) {
  std::vector<std::string> records;
  for (int i = 0; i < 8; ++i) records.push_back(pattern(2067));
  records.push_back(pattern(578));
  std::string sent;
  for (const auto& record : records) sent += record;
  ASSERT_LT(sent.size() + records.size() * 22, TlsInbox::kCapacity);

  error_code written;
  spawn([&]() -> asio::awaitable<void> {
    for (const auto& record : records) {
      auto [ec, n] = co_await client_->write(asio::buffer(record));  // a record each
      if (ec) written = ec;
    }
  });
  run();  // all of it in the kernel before the first read
  ASSERT_FALSE(written) << written.message();

  std::string got;
  int stranded = 0;
  error_code read = asio::error::would_block;
  spawn([&]() -> asio::awaitable<void> {
    read = co_await read_up_to(sent.size(), 1 << 16, got, stranded);
  });
  run();
  ASSERT_FALSE(read) << read.message();
  EXPECT_TRUE(got == sent);
  EXPECT_EQ(stranded, 0);
}

TEST_F(TlsPair, CloseNotifyThenCloseIsTheEndOfTheStream) {
  std::string got;
  const error_code end = send_then_close("last words", /*notify=*/true, got);
  EXPECT_EQ(got, "last words");
  EXPECT_EQ(end, asio::error::eof) << end.message();
}

TEST_F(TlsPair, CloseWithoutCloseNotifyIsATruncation) {
  std::string got;
  const error_code end = send_then_close("cut short", /*notify=*/false, got);
  EXPECT_EQ(got, "cut short");
  EXPECT_EQ(end, asio::ssl::error::stream_truncated) << end.message();
}

}  // namespace
}  // namespace faultline::net
