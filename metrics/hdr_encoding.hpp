// HdrHistogram's portable form of a histogram, so that HdrHistogram's own tools (Java, C,
// JS, Go, Python, Rust) read faultline's histograms and faultline reads reports back
// without loss: the "V2" encoding as HdrHistogram's AbstractHistogram.encodeIntoByteBuffer
// and HdrHistogram_c's hdr_encode_compressed write it.
//
// faultline's bucket layout (hdr_layout.hpp) is exactly HdrHistogram's for
// numberOfSignificantValueDigits = 3 (2048 sub-buckets, 1024 per octave above 2048) and
// lowestDiscernibleValue = 1 (unit magnitude 0), values in microseconds: bucket i here is
// counts index i there, so encoding copies counts and nothing is rounded.
//
// V2, all integers big-endian:
//   int32 cookie 0x1c849313, int32 payload length, int32 normalizingIndexOffset (0),
//   int32 significant digits (3), int64 lowest discernible value (1),
//   int64 highest trackable value (3 600 000 000), double integer-to-double ratio (1.0),
//   then the counts from index 0 to the last non-empty one as ZigZag LEB128-64b9B
//   varints, where a run of n ≥ 2 empty buckets is written as the single value −n.
// Compressed: int32 cookie 0x1c849314, int32 length, then the V2 bytes deflated (zlib).
// The cookies are HdrHistogram's V2 bases 0x1c849303 and 0x1c849304 with the word-size
// nibble 0x10 that its Java, C and JS writers all set ("HISTFAAA..." in base64); readers
// ignore the nibble.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "metrics/hdr_histogram.hpp"

namespace faultline::metrics {

inline constexpr std::uint32_t kHdrV2CookieBase = 0x1c849303;
inline constexpr std::uint32_t kHdrV2CompressedCookieBase = 0x1c849304;
inline constexpr std::uint32_t kHdrCookieWordSizeNibble = 0x10;
inline constexpr std::int32_t kHdrSignificantDigits = 3;
inline constexpr std::int64_t kHdrLowestDiscernibleValue = 1;  // 1 µs

std::string hdr_encode_v2(const HdrHistogram& histogram);
std::string hdr_encode_compressed(const HdrHistogram& histogram);
// The text form HdrHistogram's logs use ("HISTFAAA..."): base64 of the compressed form.
std::string hdr_encode_base64(const HdrHistogram& histogram);

// Adds the decoded counts to `out` (bucket by bucket: sum, min and max become bucket
// estimates, see HdrHistogram::add_to_bucket). Accepts V2 from any HdrHistogram writer
// whose layout is faultline's (3 digits, lowest discernible value 1); returns an error
// message, or "" on success.
std::string hdr_decode_v2(std::string_view bytes, HdrHistogram& out);
std::string hdr_decode_compressed(std::string_view bytes, HdrHistogram& out);
std::string hdr_decode_base64(std::string_view text, HdrHistogram& out);

}  // namespace faultline::metrics
