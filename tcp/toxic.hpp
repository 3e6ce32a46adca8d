// A Toxiproxy toxic as its API shows it (name, type, stream, toxicity, attributes), its
// JSON both ways, and the faultline stage it becomes. Units are Toxiproxy's: latency,
// jitter, timeout and slow_close delay in milliseconds, bandwidth rate in KB/s (1000
// bytes), slicer delay in microseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "tcp/stage.hpp"

namespace faultline::tcp {

enum class ToxicType : std::uint8_t {
  latency,
  bandwidth,
  slow_close,
  timeout,
  reset_peer,
  slicer,
  limit_data,
  noop,
};
std::optional<ToxicType> parse_toxic_type(std::string_view name);
std::string_view to_string(ToxicType type);

// Every attribute of every type; each type reads and shows only its own.
struct ToxicAttributes {
  std::int64_t latency = 0;         // latency
  std::int64_t jitter = 0;          // latency
  std::int64_t rate = 0;            // bandwidth
  std::int64_t delay = 0;           // slow_close (ms), slicer (µs)
  std::int64_t timeout = 0;         // timeout, reset_peer
  std::int64_t average_size = 0;    // slicer
  std::int64_t size_variation = 0;  // slicer
  std::int64_t bytes = 0;           // limit_data
  bool operator==(const ToxicAttributes&) const = default;
};

struct Toxic {
  std::string name;
  ToxicType type = ToxicType::noop;
  std::string stream_name = "downstream";  // as the client wrote it (any case)
  Stream stream = Stream::downstream;
  float toxicity = 1.0f;
  ToxicAttributes attributes;
  bool operator==(const Toxic&) const = default;
};

// {"attributes":{...},"name":...,"type":...,"stream":...,"toxicity":...}
std::string toxic_json(const Toxic& toxic);

// Reads the attributes of `type` from `attributes` into `out` (absent ones keep their
// value). Returns "" or the decoder's error.
std::string read_attributes(ToxicType type, const boost::json::value& attributes,
                            ToxicAttributes& out);

// What the toxic does, in faultline's terms.
StageSettings to_stage(const Toxic& toxic);

}  // namespace faultline::tcp
