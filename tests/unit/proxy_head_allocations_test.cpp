// What the session's pure steps allocate for a plain exchange once a worker is warm: the
// head admitted, written for the upstream, the upstream's head admitted and written for the
// client. The fields' blocks are kept (proxy/head_fields.hpp) and the parsed field list
// lives in place (http/head_parser), so nothing, as long as the Host and the target fit in a
// std::string's own 15 bytes; longer ones cost their three copies (the route's host, the
// target's origin form, X-Forwarded-Host). Counted by replacing the global operator new in
// this test binary, for this thread, while a test asks.
#include <cstdlib>
#include <new>
#include <string>

#include <gtest/gtest.h>

#include "proxy/message_rules.hpp"
#include "proxy/message_writer.hpp"

// Under a sanitizer its own allocator stands in for operator new (in every form, some of which
// would pair with ours); there the test is skipped and only the plain build counts.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FAULTLINE_COUNTING_NEW 0
#else
#define FAULTLINE_COUNTING_NEW 1
#endif

namespace {

thread_local bool counting = false;
thread_local std::size_t allocations = 0;

}  // namespace

#if FAULTLINE_COUNTING_NEW
void* operator new(std::size_t size) {
  if (counting) ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
#endif

namespace faultline::proxy {
namespace {

constexpr std::string_view kShortRequest =
    "GET /items?p=2 HTTP/1.1\r\nHost: shop.test\r\nUser-Agent: wrk\r\n"
    "Accept: */*\r\nConnection: keep-alive\r\n\r\n";
constexpr std::string_view kLongRequest =
    "GET /api/v2/items?page=2 HTTP/1.1\r\nHost: shop.staging.example.test\r\n"
    "User-Agent: wrk\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n";
constexpr std::string_view kResponse =
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Wed, 02 Dec 2026 07:40:00 GMT\r\n"
    "Content-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n"
    "Cache-Control: no-store\r\n\r\n";

// One exchange's head work, as the session does it, into reused output buffers.
void one_exchange(std::string_view text, std::string& upstream_head, std::string& client_head) {
  RequestAdmission request = admit_request_head(text, 16384, 1 << 20);
  ASSERT_FALSE(request.refusal);
  const ForwardingInfo forwarding{"127.0.0.1", request.host, request.head->version(), ""};
  write_request_head(*request.head, request.target->origin_form, forwarding, request.framing,
                     upstream_head);
  ResponseAdmission response = admit_response_head(kResponse, false);
  ASSERT_TRUE(response.protocol_error.empty());
  write_response_head(response.upstream.head, Framing{false, 2}, ConnectionDirective::none,
                      client_head);
}

std::size_t allocations_per_warm_exchange(std::string_view request) {
  if (!FAULTLINE_COUNTING_NEW) return 0;
  std::string upstream_head, client_head;
  one_exchange(request, upstream_head, client_head);  // warm: buffers grow, blocks are kept
  counting = true;
  allocations = 0;
  for (int i = 0; i < 100; ++i) one_exchange(request, upstream_head, client_head);
  counting = false;
  EXPECT_NE(client_head.find("HTTP/1.1 200 OK\r\n"), std::string::npos);
  return allocations / 100;
}

TEST(HeadAllocations, AWarmWorkerAdmitsAndWritesAPlainExchangeWithoutAllocating) {
  if (!FAULTLINE_COUNTING_NEW) GTEST_SKIP() << "a sanitizer's allocator stands in for operator new";
  EXPECT_EQ(allocations_per_warm_exchange(kShortRequest), 0u);
}

TEST(HeadAllocations, ALongHostAndTargetCostOnlyTheirCopies) {
  if (!FAULTLINE_COUNTING_NEW) GTEST_SKIP() << "a sanitizer's allocator stands in for operator new";
  EXPECT_EQ(allocations_per_warm_exchange(kLongRequest), 3u);
}

// The counter itself works: a test that could not fail would prove nothing.
TEST(HeadAllocations, TheCounterSeesAnAllocation) {
  if (!FAULTLINE_COUNTING_NEW) GTEST_SKIP() << "a sanitizer's allocator stands in for operator new";
  counting = true;
  allocations = 0;
  auto* p = new std::string(100, 'x');
  counting = false;
  delete p;
  EXPECT_GE(allocations, 2u);
}

}  // namespace
}  // namespace faultline::proxy
