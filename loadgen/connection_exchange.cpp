// One request on one connection: HTTP/1.1 over a keep-alive TCP connection, or over TLS
// on it for https. Per request: one non-blocking write of pre-serialized bytes, a wait for
// readability, non-blocking reads fed to ResponseParser. Waiting with async_wait and then
// reading ourselves skips the speculative read Asio's async_read_some makes first, which
// on a request/response exchange nearly always fails with EAGAIN (one wasted syscall per
// request). A TLS connection takes the same steps through TlsSession; a plain one pays a
// single branch per step for it.
#include <boost/asio/post.hpp>

#include "loadgen/load_worker_impl.hpp"

namespace faultline::loadgen {

namespace {

std::uint64_t micros_between(Clock::time_point from, Clock::time_point to) {
  if (to <= from) return 0;
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(to - from).count());
}

}  // namespace

void LoadWorker::Impl::start_exchange(Connection& c) {
  c.parser.reset(c.request->head);
  c.written = 0;
  if (c.socket.is_open()) {
    c.reused = true;
    write(c);
    return;
  }
  c.reused = false;
  error_code ec;
  c.socket.open(endpoint.protocol(), ec);
  if (ec) {
    // Failing inside send() would recurse into the next send(); finish from the loop.
    asio::post(io, [this, &c] { fail(c, ErrorKind::connect); });
    return;
  }
  c.socket.async_connect(endpoint, [this, &c](error_code ec) {
    if (ec) return fail(c, c.timed_out ? ErrorKind::timeout : ErrorKind::connect);
    error_code ignored;
    c.socket.set_option(tcp::no_delay(true), ignored);
    c.socket.non_blocking(true, ignored);
    if (setup.tls != nullptr) return start_tls(c);
    write(c);
  });
}

// ---- TLS: the handshake of a new connection (a resumed session when one is kept) ----

void LoadWorker::Impl::start_tls(Connection& c) {
  std::string error;
  c.tls = TlsSession::start(*setup.tls, c.socket.native_handle(), plan.target.host, error);
  if (!c.tls) {
    setup.tls_failure->offer({"protocol", error});
    return fail(c, ErrorKind::tls);
  }
  handshake(c);
}

void LoadWorker::Impl::handshake(Connection& c) {
  const TlsStep step = c.tls->handshake();
  switch (step.status) {
    case TlsStep::Status::done:
      return write(c);
    case TlsStep::Status::want_read:
      return wait_then(c, tcp::socket::wait_read, &Impl::handshake);
    case TlsStep::Status::want_write:
      return wait_then(c, tcp::socket::wait_write, &Impl::handshake);
    case TlsStep::Status::closed:
    case TlsStep::Status::failed:
      setup.tls_failure->offer(c.tls->failure());
      return fail(c, ErrorKind::tls);
  }
}

// ---- the request ----

void LoadWorker::Impl::write(Connection& c) {
  if (c.tls) return write_tls(c);
  const std::string& wire = c.request->wire;
  error_code ec;
  const std::size_t n =
      c.socket.write_some(asio::buffer(wire.data() + c.written, wire.size() - c.written), ec);
  c.written += n;
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
    asio::post(io, [this, &c] { fail_or_retry(c); });
    return;
  }
  if (c.written == wire.size()) return wait_readable(c);
  wait_then(c, tcp::socket::wait_write, &Impl::write);
}

void LoadWorker::Impl::write_tls(Connection& c) {
  const std::string& wire = c.request->wire;
  for (;;) {
    const TlsStep step = c.tls->write(wire.data() + c.written, wire.size() - c.written);
    c.written += step.bytes;
    if (c.written == wire.size()) return wait_readable(c);
    switch (step.status) {
      case TlsStep::Status::done:
        continue;  // a partial write: the rest may fit now
      case TlsStep::Status::want_read:
        return wait_then(c, tcp::socket::wait_read, &Impl::write);
      case TlsStep::Status::want_write:
        return wait_then(c, tcp::socket::wait_write, &Impl::write);
      case TlsStep::Status::closed:
      case TlsStep::Status::failed:
        asio::post(io, [this, &c] { fail_or_retry(c); });
        return;
    }
  }
}

void LoadWorker::Impl::wait_readable(Connection& c) {
  if (c.tls && c.tls->has_pending()) return read(c);
  wait_then(c, tcp::socket::wait_read, &Impl::read);
}

void LoadWorker::Impl::wait_then(Connection& c, tcp::socket::wait_type direction,
                                 void (Impl::*next)(Connection&)) {
  c.socket.async_wait(direction, [this, &c, next](error_code ec) {
    if (ec) return fail(c, c.timed_out ? ErrorKind::timeout : ErrorKind::io);
    (this->*next)(c);
  });
}

// ---- the response ----

void LoadWorker::Impl::read(Connection& c) {
  if (c.tls) return read_tls(c);
  for (;;) {
    error_code ec;
    const std::size_t n = c.socket.read_some(asio::buffer(c.buffer), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return wait_readable(c);
    if (ec == asio::error::eof) {
      if (c.parser.feed_eof() == ResponseParser::Result::done) return complete(c);
      return fail_or_retry(c);
    }
    if (ec) return fail_or_retry(c);
    if (take(c, n)) return;
  }
}

void LoadWorker::Impl::read_tls(Connection& c) {
  for (;;) {
    const TlsStep step = c.tls->read(c.buffer.data(), c.buffer.size());
    switch (step.status) {
      case TlsStep::Status::done:
        break;
      case TlsStep::Status::want_read:
        return wait_then(c, tcp::socket::wait_read, &Impl::read);
      case TlsStep::Status::want_write:
        return wait_then(c, tcp::socket::wait_write, &Impl::read);
      case TlsStep::Status::closed:
        if (c.parser.feed_eof() == ResponseParser::Result::done) return complete(c);
        return fail_or_retry(c);
      case TlsStep::Status::failed:
        return fail_or_retry(c);
    }
    if (take(c, step.bytes)) return;
  }
}

bool LoadWorker::Impl::take(Connection& c, std::size_t n) {
  switch (c.parser.feed(c.buffer.data(), n)) {
    case ResponseParser::Result::done:
      complete(c);
      return true;
    case ResponseParser::Result::error:
      fail(c, ErrorKind::io);
      return true;
    case ResponseParser::Result::need_more:
      break;
  }
  return false;
}

// A keep-alive connection the server closed while idle fails on first use without a
// byte of response: reconnect and send again, once (browsers do the same).
void LoadWorker::Impl::fail_or_retry(Connection& c) {
  if (c.reused && !c.retried && !c.timed_out && c.parser.consumed() == 0) {
    c.retried = true;
    close(c);
    return start_exchange(c);
  }
  fail(c, c.timed_out ? ErrorKind::timeout : ErrorKind::io);
}

void LoadWorker::Impl::complete(Connection& c) {
  const Clock::time_point now = Clock::now();
  const std::uint64_t latency_us = micros_between(c.intended, now);
  recorder.response(latency_us, c.parser.status());
  if (!c.parser.keep_alive()) {
    if (c.tls) c.tls->close_notify();
    close(c);
  }
  release(c, now);
}

void LoadWorker::Impl::fail(Connection& c, ErrorKind kind) {
  close(c);
  recorder.error(kind);
  release(c, Clock::now());
}

void LoadWorker::Impl::close(Connection& c) {
  c.tls.reset();  // before the socket: the session must not outlive its descriptor
  error_code ignored;
  c.socket.close(ignored);
}

}  // namespace faultline::loadgen
