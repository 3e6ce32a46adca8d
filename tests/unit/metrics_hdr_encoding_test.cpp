// HdrHistogram's V2 encoding: faultline's bytes are the bytes HdrHistogram writes for the
// same values, HdrHistogram's own output decodes to the same buckets, and every histogram
// survives the round trip through base64 text.
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "metrics/base64.hpp"
#include "metrics/hdr_encoding.hpp"
#include "metrics/hdr_histogram.hpp"

namespace faultline::metrics {
namespace {

// The values and counts recorded into HdrHistogram's JS port (hdr-histogram-js 3.0.1:
// lowestDiscernibleValue 1, highestTrackableValue 3 600 000 000, 3 digits), and what it
// wrote: the compressed base64 text and, after inflating, the counts payload in hex.
const std::vector<std::pair<std::uint64_t, std::uint64_t>> kRecorded = {
    {0, 1},    {1, 3},    {5, 1},        {2047, 2},   {2048, 1},
    {2049, 1}, {4100, 7}, {123456, 300}, {999999, 1}, {3600000000, 2}};
constexpr const char* kJsBase64 =
    "HISTFAAAADp4nJNpmSzMwMAgxsDAwMjAwMDMAAEgNsO1yUsYYHwmNlamj/IsLP/5+Xr9brCsNWBavIeRBQDWcgmt";
constexpr const char* kJsPayloadHex = "02060502f11f0404ff0f0e8d4ed804ad3002a3bc0104";

HdrHistogram recorded() {
  HdrHistogram h;
  for (const auto& [value, count] : kRecorded) h.record_n(value, count);
  return h;
}

std::string hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::vector<std::pair<std::uint32_t, std::uint64_t>> buckets(const HdrHistogram& h) {
  std::vector<std::pair<std::uint32_t, std::uint64_t>> out;
  h.append_nonzero(out);
  return out;
}

TEST(MetricsHdrEncoding, CountsPayloadIsByteForByteWhatHdrHistogramWrites) {
  const std::string v2 = hdr_encode_v2(recorded());
  ASSERT_GT(v2.size(), 40u);
  EXPECT_EQ(hex(v2.substr(40)), kJsPayloadHex);
}

TEST(MetricsHdrEncoding, HeaderDescribesFaultlinesLayoutInHdrHistogramTerms) {
  const std::string v2 = hdr_encode_v2(recorded());
  // cookie 0x1c849313, payload length 22, normalizingIndexOffset 0, 3 digits, lowest 1,
  // highest 3.6e9 (0xd693a400), conversion ratio 1.0 (0x3ff0000000000000).
  EXPECT_EQ(hex(v2.substr(0, 40)),
            "1c84931300000016000000000000000300000000000000010000000"
            "0d693a4003ff0000000000000");
}

TEST(MetricsHdrEncoding, DecodesHdrHistogramsOwnOutputIntoTheSameBuckets) {
  HdrHistogram decoded;
  ASSERT_EQ(hdr_decode_base64(kJsBase64, decoded), "");
  EXPECT_EQ(buckets(decoded), buckets(recorded()));
  EXPECT_EQ(decoded.count(), 319u);
}

TEST(MetricsHdrEncoding, CompressedTextStartsAsHdrHistogramLogsDo) {
  EXPECT_EQ(hdr_encode_base64(recorded()).substr(0, 8), "HISTFAAA");
}

TEST(MetricsHdrEncoding, EmptyHistogramIsOneEmptyBucket) {
  const std::string v2 = hdr_encode_v2(HdrHistogram{});
  EXPECT_EQ(hex(v2.substr(40)), "00");
  HdrHistogram decoded;
  ASSERT_EQ(hdr_decode_base64(hdr_encode_base64(HdrHistogram{}), decoded), "");
  EXPECT_EQ(decoded.count(), 0u);
}

TEST(MetricsHdrEncoding, RandomLatenciesSurviveTheRoundTripBucketForBucket) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> latency(8.0, 1.5);  // µs: median ~3 ms, long tail
  HdrHistogram original;
  for (int i = 0; i < 200'000; ++i)
    original.record(static_cast<std::uint64_t>(latency(rng)) + (i % 97 == 0 ? 5'000'000 : 0));
  HdrHistogram decoded;
  ASSERT_EQ(hdr_decode_base64(hdr_encode_base64(original), decoded), "");
  EXPECT_EQ(buckets(decoded), buckets(original));
  EXPECT_EQ(decoded.count(), original.count());
  for (double q : {0.5, 0.9, 0.99, 0.999}) EXPECT_EQ(decoded.quantile(q), original.quantile(q));
}

TEST(MetricsHdrEncoding, LargeCountsUseTheNinthVarintByte) {
  HdrHistogram h;
  h.record_n(42, std::uint64_t{1} << 62);
  HdrHistogram decoded;
  ASSERT_EQ(hdr_decode_base64(hdr_encode_base64(h), decoded), "");
  EXPECT_EQ(buckets(decoded), buckets(h));
}

TEST(MetricsHdrEncoding, RestoredSummaryReplacesBucketEstimates) {
  HdrHistogram original;
  original.record(3001);
  original.record(7777);
  HdrHistogram decoded;
  ASSERT_EQ(hdr_decode_base64(hdr_encode_base64(original), decoded), "");
  EXPECT_NE(decoded.max(), 7777u);  // the bucket's top
  decoded.restore_summary(original.sum(), original.min(), original.max());
  EXPECT_EQ(decoded.min(), 3001u);
  EXPECT_EQ(decoded.max(), 7777u);
  EXPECT_DOUBLE_EQ(decoded.mean(), original.mean());
}

TEST(MetricsHdrEncoding, RejectsWhatIsNotAHistogramAndLeavesTheTargetUntouched) {
  HdrHistogram target;
  target.record(10);
  EXPECT_EQ(hdr_decode_base64("not base64!", target), "histogram is not base64");
  EXPECT_NE(hdr_decode_base64(base64_encode("0123456789"), target), "");
  std::string truncated = hdr_encode_compressed(recorded());
  truncated.resize(truncated.size() - 4);
  EXPECT_NE(hdr_decode_compressed(truncated, target), "");
  // Another layout (2 significant digits) is refused rather than misread.
  std::string other = hdr_encode_v2(recorded());
  other[15] = 2;
  EXPECT_NE(hdr_decode_v2(other, target).find("2 digits"), std::string::npos);
  EXPECT_EQ(target.count(), 1u);
}

TEST(MetricsBase64, MatchesRfc4648TestVectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), std::optional<std::string>(plain));
  }
  EXPECT_EQ(base64_decode("Zg="), std::nullopt);
  EXPECT_EQ(base64_decode("Z=g="), std::nullopt);
  EXPECT_EQ(base64_decode("Zm9v!A=="), std::nullopt);
}

}  // namespace
}  // namespace faultline::metrics
