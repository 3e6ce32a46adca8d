#include "metrics/hdr_encoding.hpp"

#include <zlib.h>

#include <bit>
#include <cstring>
#include <utility>
#include <vector>

#include "metrics/base64.hpp"

namespace faultline::metrics {

namespace {

constexpr std::size_t kHeaderBytes = 40;
// Readers compare cookies without their word-size nibble.
constexpr std::uint32_t kCookieNibbleMask = 0xf0;
// Far above the largest V2 encoding of faultline's layout (9 bytes per bucket): a bound
// against a hostile "zip bomb" in a report.
constexpr std::size_t kMaxDecodedBytes = 16u << 20;

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}
std::uint64_t get_be(std::string_view bytes, std::size_t at, std::size_t width) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) v = v << 8 | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

// ZigZag, then LEB128 in HdrHistogram's 64b9B variant: at most 8 bytes of 7 bits, and a
// ninth byte that carries the last 8 bits whole.
void put_varint(std::string& out, std::int64_t value) {
  std::uint64_t v =
      (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
  for (int i = 0; i < 8; ++i) {
    if ((v >> 7) == 0) {
      out += static_cast<char>(v);
      return;
    }
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v & 0xff);
}
bool get_varint(std::string_view bytes, std::size_t& at, std::int64_t& value) {
  std::uint64_t v = 0;
  for (int i = 0; i < 9; ++i) {
    if (at >= bytes.size()) return false;
    const auto byte = static_cast<unsigned char>(bytes[at++]);
    if (i == 8) {
      v |= static_cast<std::uint64_t>(byte) << 56;
      break;
    }
    v |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) break;
  }
  value = static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
  return true;
}

}  // namespace

std::string hdr_encode_v2(const HdrHistogram& histogram) {
  std::vector<std::pair<std::uint32_t, std::uint64_t>> buckets;
  histogram.append_nonzero(buckets);
  std::string payload;
  std::size_t next = 0;  // the first index not yet written
  for (const auto& [index, count] : buckets) {
    const std::size_t empty = index - next;
    if (empty == 1) put_varint(payload, 0);
    if (empty > 1) put_varint(payload, -static_cast<std::int64_t>(empty));
    put_varint(payload, static_cast<std::int64_t>(count));
    next = index + 1;
  }
  // An empty histogram is one empty bucket, as HdrHistogram writes it.
  if (buckets.empty()) put_varint(payload, 0);

  std::string out;
  out.reserve(kHeaderBytes + payload.size());
  put_u32(out, kHdrV2CookieBase | kHdrCookieWordSizeNibble);
  put_u32(out, static_cast<std::uint32_t>(payload.size()));
  put_u32(out, 0);  // normalizingIndexOffset
  put_u32(out, static_cast<std::uint32_t>(kHdrSignificantDigits));
  put_u64(out, static_cast<std::uint64_t>(kHdrLowestDiscernibleValue));
  put_u64(out, hdr::kMaxValue);
  put_u64(out, std::bit_cast<std::uint64_t>(1.0));  // integerToDoubleValueConversionRatio
  return out + payload;
}

std::string hdr_encode_compressed(const HdrHistogram& histogram) {
  const std::string plain = hdr_encode_v2(histogram);
  uLongf length = compressBound(static_cast<uLong>(plain.size()));
  std::string deflated(length, '\0');
  // Level 9, as HdrHistogram's HistogramLogWriter (Deflater.BEST_COMPRESSION).
  const int rc = compress2(reinterpret_cast<Bytef*>(deflated.data()), &length,
                           reinterpret_cast<const Bytef*>(plain.data()),
                           static_cast<uLong>(plain.size()), Z_BEST_COMPRESSION);
  if (rc != Z_OK) throw std::bad_alloc();  // Z_MEM_ERROR; the buffer is large enough
  deflated.resize(length);
  std::string out;
  put_u32(out, kHdrV2CompressedCookieBase | kHdrCookieWordSizeNibble);
  put_u32(out, static_cast<std::uint32_t>(deflated.size()));
  return out + deflated;
}

std::string hdr_encode_base64(const HdrHistogram& histogram) {
  return base64_encode(hdr_encode_compressed(histogram));
}

std::string hdr_decode_v2(std::string_view bytes, HdrHistogram& out) {
  if (bytes.size() < kHeaderBytes) return "truncated histogram header";
  const auto cookie = static_cast<std::uint32_t>(get_be(bytes, 0, 4));
  if ((cookie & ~kCookieNibbleMask) != kHdrV2CookieBase)
    return "not an HdrHistogram V2 encoding (cookie)";
  const std::uint64_t payload_length = get_be(bytes, 4, 4);
  // Bytes 8..11, normalizingIndexOffset, are ignored as HdrHistogram's JS reader ignores
  // them: its writer puts 1 there for a histogram that was never shifted.
  const auto digits = static_cast<std::int32_t>(get_be(bytes, 12, 4));
  const auto lowest = static_cast<std::int64_t>(get_be(bytes, 16, 8));
  if (digits != kHdrSignificantDigits || lowest != kHdrLowestDiscernibleValue)
    return "histogram layout " + std::to_string(digits) + " digits, lowest value " +
           std::to_string(lowest) + ": faultline reads 3 digits, lowest value 1 (microseconds)";
  if (payload_length > bytes.size() - kHeaderBytes) return "truncated histogram counts";

  const std::string_view payload = bytes.substr(kHeaderBytes, payload_length);
  // Decode fully before adding, so that a bad encoding leaves `out` untouched.
  std::vector<std::pair<std::size_t, std::uint64_t>> counts;
  std::size_t at = 0, index = 0;
  while (at < payload.size()) {
    std::int64_t value = 0;
    if (!get_varint(payload, at, value)) return "truncated histogram counts";
    if (value < 0) {
      const auto empty = static_cast<std::uint64_t>(-(value + 1)) + 1;
      if (empty > hdr::kBucketCount) return "histogram counts beyond 1 h";
      index += empty;
      continue;
    }
    if (value > 0) {
      if (index >= hdr::kBucketCount) return "histogram counts beyond 1 h";
      counts.emplace_back(index, static_cast<std::uint64_t>(value));
    }
    ++index;
  }
  for (const auto& [i, n] : counts) out.add_to_bucket(i, n);
  return "";
}

std::string hdr_decode_compressed(std::string_view bytes, HdrHistogram& out) {
  if (bytes.size() < 8) return "truncated compressed histogram";
  const auto cookie = static_cast<std::uint32_t>(get_be(bytes, 0, 4));
  if ((cookie & ~kCookieNibbleMask) != kHdrV2CompressedCookieBase)
    return "not a compressed HdrHistogram V2 encoding (cookie)";
  const std::uint64_t length = get_be(bytes, 4, 4);
  if (length > bytes.size() - 8) return "truncated compressed histogram";

  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) return "zlib: cannot start inflating";
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + 8));
  stream.avail_in = static_cast<uInt>(length);
  std::string plain;
  int rc = Z_OK;
  while (rc == Z_OK) {
    const std::size_t done = plain.size();
    if (done >= kMaxDecodedBytes) break;
    plain.resize(done + 64 * 1024);
    stream.next_out = reinterpret_cast<Bytef*>(plain.data() + done);
    stream.avail_out = 64 * 1024;
    rc = inflate(&stream, Z_NO_FLUSH);
    plain.resize(plain.size() - stream.avail_out);
  }
  inflateEnd(&stream);
  if (rc != Z_STREAM_END) return "compressed histogram: zlib data is damaged or too large";
  return hdr_decode_v2(plain, out);
}

std::string hdr_decode_base64(std::string_view text, HdrHistogram& out) {
  const std::optional<std::string> bytes = base64_decode(text);
  if (!bytes) return "histogram is not base64";
  return hdr_decode_compressed(*bytes, out);
}

}  // namespace faultline::metrics
