#include "tcp/toxic.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <utility>

#include "tcp/go_json.hpp"

namespace faultline::tcp {

namespace json = boost::json;

namespace {

constexpr std::array<std::pair<ToxicType, std::string_view>, 8> kTypeNames = {{
    {ToxicType::latency, "latency"},
    {ToxicType::bandwidth, "bandwidth"},
    {ToxicType::slow_close, "slow_close"},
    {ToxicType::timeout, "timeout"},
    {ToxicType::reset_peer, "reset_peer"},
    {ToxicType::slicer, "slicer"},
    {ToxicType::limit_data, "limit_data"},
    {ToxicType::noop, "noop"},
}};

// One attribute: its JSON name and where it lives.
struct Field {
  std::string_view name;
  std::int64_t ToxicAttributes::*member;
};

// The attributes of each type, in the order Go declares (and so prints) them, with the Go
// struct that toxiproxy-server decodes them into (for error messages).
struct TypeFields {
  std::string_view go_struct;
  std::array<Field, 3> fields;
  std::size_t count;
};

TypeFields fields_of(ToxicType type) {
  using A = ToxicAttributes;
  switch (type) {
    case ToxicType::latency:
      return {"LatencyToxic", {{{"latency", &A::latency}, {"jitter", &A::jitter}, {}}}, 2};
    case ToxicType::bandwidth:
      return {"BandwidthToxic", {{{"rate", &A::rate}, {}, {}}}, 1};
    case ToxicType::slow_close:
      return {"SlowCloseToxic", {{{"delay", &A::delay}, {}, {}}}, 1};
    case ToxicType::timeout:
      return {"TimeoutToxic", {{{"timeout", &A::timeout}, {}, {}}}, 1};
    case ToxicType::reset_peer:
      return {"ResetToxic", {{{"timeout", &A::timeout}, {}, {}}}, 1};
    case ToxicType::slicer:
      return {"SlicerToxic",
              {{{"average_size", &A::average_size},
                {"size_variation", &A::size_variation},
                {"delay", &A::delay}}},
              3};
    case ToxicType::limit_data:
      return {"LimitDataToxic", {{{"bytes", &A::bytes}, {}, {}}}, 1};
    case ToxicType::noop:
      break;
  }
  return {"NoopToxic", {}, 0};
}

Duration milliseconds(std::int64_t ms) {
  return std::chrono::duration_cast<Duration>(
      std::chrono::milliseconds(std::max<std::int64_t>(0, ms)));
}

std::uint64_t non_negative(std::int64_t value) {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, value));
}

}  // namespace

std::optional<ToxicType> parse_toxic_type(std::string_view name) {
  for (const auto& [type, text] : kTypeNames) {
    if (text == name) return type;
  }
  return std::nullopt;
}

std::string_view to_string(ToxicType type) {
  for (const auto& [candidate, text] : kTypeNames) {
    if (candidate == type) return text;
  }
  return "noop";
}

std::string toxic_json(const Toxic& toxic) {
  const TypeFields fields = fields_of(toxic.type);
  std::string out = "{\"attributes\":{";
  for (std::size_t i = 0; i < fields.count; ++i) {
    if (i > 0) out += ',';
    out += gojson::quote(fields.fields[i].name);
    out += ':';
    out += std::to_string(toxic.attributes.*(fields.fields[i].member));
  }
  out += "},\"name\":" + gojson::quote(toxic.name);
  out += ",\"type\":" + gojson::quote(to_string(toxic.type));
  out += ",\"stream\":" + gojson::quote(toxic.stream_name);
  out += ",\"toxicity\":" + gojson::float32(toxic.toxicity);
  out += '}';
  return out;
}

std::string read_attributes(ToxicType type, const json::value& attributes, ToxicAttributes& out) {
  const TypeFields fields = fields_of(type);
  if (attributes.is_null()) return "";
  if (!attributes.is_object()) {
    return "json: cannot unmarshal " + std::string(gojson::kind_name(attributes)) +
           " into Go struct field ToxicWrapper.attributes of type toxics." +
           std::string(fields.go_struct);
  }
  ToxicAttributes result = out;
  for (std::size_t i = 0; i < fields.count; ++i) {
    const Field& field = fields.fields[i];
    const std::string go_field = std::string(fields.go_struct) + "." + std::string(field.name);
    if (auto error = gojson::read_int64(attributes.as_object(), field.name, go_field,
                                        result.*(field.member));
        !error.empty()) {
      return error;
    }
  }
  out = result;
  return "";
}

StageSettings to_stage(const Toxic& toxic) {
  const ToxicAttributes& a = toxic.attributes;
  switch (toxic.type) {
    case ToxicType::latency: {
      // latency ± jitter, uniform (a negative jitter means none, as in Toxiproxy).
      faults::Distribution distribution;
      if (a.jitter > 0) {
        distribution.shape = faults::UniformDelay{milliseconds(a.latency - a.jitter),
                                                  milliseconds(a.latency + a.jitter)};
      } else {
        distribution.shape = faults::FixedDelay{milliseconds(a.latency)};
      }
      return DelayStage{distribution};
    }
    case ToxicType::bandwidth:
      return ThrottleStage{non_negative(a.rate) * 1000};
    case ToxicType::slow_close:
      return SlowCloseStage{milliseconds(a.delay)};
    case ToxicType::timeout:
      return HangStage{a.timeout > 0 ? std::optional<Duration>(milliseconds(a.timeout))
                                     : std::nullopt};
    case ToxicType::reset_peer:
      return ResetStage{milliseconds(a.timeout)};
    case ToxicType::slicer:
      return SliceStage{non_negative(a.average_size), non_negative(a.size_variation),
                        Duration(std::max<std::int64_t>(0, a.delay))};
    case ToxicType::limit_data:
      return TruncateStage{non_negative(a.bytes)};
    case ToxicType::noop:
      break;
  }
  return PassStage{};
}

}  // namespace faultline::tcp
