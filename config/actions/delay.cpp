// delay = "40ms"                                             fixed, shorthand
// delay = { distribution = "fixed", value = "40ms" }
// delay = { distribution = "uniform", min = "200ms", max = "700ms" }
// delay = { distribution = "normal", mean = "40ms", stddev = "10ms" }
// delay = { distribution = "lognormal", median = "40ms", sigma = 0.5 }
// delay = { distribution = "pareto", scale = "10ms", shape = 1.5 }
//         every table also takes max = "2s" (a cap; for uniform, max is the bound)
//         and phase = "request" (default) or "response"
#include "base/text.hpp"
#include "base/units.hpp"
#include "config/action_format.hpp"

namespace faultline::config {
namespace {

namespace json = boost::json;
using faults::Distribution;

std::vector<std::string> distribution_names(bool quoted) {
  std::vector<std::string> names;
  for (const auto& info : faults::kDistributionInfos) {
    names.push_back(quoted ? "\"" + std::string(info.name) + "\"" : std::string(info.name));
  }
  return names;
}

// The optional `max` cap (every distribution but uniform, whose max is its bound).
const toml::node* read_cap(ActionReader& r, TableReader& reader, Distribution& distribution) {
  const toml::node* node = reader.node("max");
  if (node == nullptr) return nullptr;
  Duration cap{};
  if (!r.duration(reader, "max", *node, true, cap)) return nullptr;
  distribution.cap = cap;
  return node;
}

// One reader per registered shape, chosen by its name.
struct ShapeReader {
  ActionReader& r;
  TableReader& reader;
  Distribution& out;

  template <class S>
  const toml::node* required(std::string_view key, Duration& value, bool positive = false) {
    return r.required_duration(reader, key, S::info.name, S::info.takes, value, positive);
  }

  void operator()(faults::FixedDelay& fixed) {
    const toml::node* value = required<faults::FixedDelay>("value", fixed.value);
    const toml::node* cap = read_cap(r, reader, out);
    if (value && cap && *out.cap < fixed.value) {
      reader.error("max", cap,
                   "must not be less than value (" + format_duration(fixed.value) + ")");
    }
  }
  void operator()(faults::UniformDelay& uniform) {
    const toml::node* min = required<faults::UniformDelay>("min", uniform.min);
    const toml::node* max = required<faults::UniformDelay>("max", uniform.max);
    if (min && max && uniform.max < uniform.min) {
      reader.error("max", max, "must not be less than min (" + format_duration(uniform.min) + ")");
    }
  }
  void operator()(faults::NormalDelay& normal) {
    required<faults::NormalDelay>("mean", normal.mean);
    required<faults::NormalDelay>("stddev", normal.stddev);
    read_cap(r, reader, out);
  }
  void operator()(faults::LognormalDelay& lognormal) {
    required<faults::LognormalDelay>("median", lognormal.median, true);
    r.required_number(reader, "sigma", "lognormal", faults::LognormalDelay::info.takes,
                      lognormal.sigma);
    read_cap(r, reader, out);
  }
  void operator()(faults::ParetoDelay& pareto) {
    const toml::node* scale = required<faults::ParetoDelay>("scale", pareto.scale, true);
    r.required_number(reader, "shape", "pareto", faults::ParetoDelay::info.takes, pareto.shape);
    const toml::node* cap = read_cap(r, reader, out);
    if (scale && cap && *out.cap < pareto.scale) {
      reader.error("max", cap,
                   "must not be less than scale (" + format_duration(pareto.scale) + ")");
    }
  }
};

// The shape registered under `name`, default-constructed; nullopt when none is.
std::optional<faults::DistributionShape> shape_named(std::string_view name) {
  std::optional<faults::DistributionShape> shape;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((name == faults::kDistributionInfos[I].name ? void(shape.emplace(std::in_place_index<I>))
                                                 : void()),
     ...);
  }
  (std::make_index_sequence<std::variant_size_v<faults::DistributionShape>>{});
  return shape;
}

struct ShapeWriter {
  json::object& out;
  void operator()(const faults::FixedDelay& d) { out["value"] = format_duration(d.value); }
  void operator()(const faults::UniformDelay& d) {
    out["min"] = format_duration(d.min);
    out["max"] = format_duration(d.max);
  }
  void operator()(const faults::NormalDelay& d) {
    out["mean"] = format_duration(d.mean);
    out["stddev"] = format_duration(d.stddev);
  }
  void operator()(const faults::LognormalDelay& d) {
    out["median"] = format_duration(d.median);
    out["sigma"] = d.sigma;
  }
  void operator()(const faults::ParetoDelay& d) {
    out["scale"] = format_duration(d.scale);
    out["shape"] = d.shape;
  }
};

}  // namespace

std::optional<faults::Delay> read_action(ActionReader& r, const toml::node& node,
                                         Tag<faults::Delay>) {
  constexpr std::string_view kExpected =
      "expected a duration like \"40ms\" or a table like { distribution = \"normal\", mean = "
      "\"40ms\", stddev = \"10ms\" }";
  if (const auto* text = node.as_string()) {
    const auto value = parse_duration(text->get());
    if (!value) {
      r.rule().error("delay", &node, duration_error(text->get()));
      return std::nullopt;
    }
    return faults::Delay{Distribution{faults::FixedDelay{*value}, std::nullopt}};
  }
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    r.rule().error("delay", &node, std::string(kExpected));
    return std::nullopt;
  }

  TableReader reader = r.table(*table, "delay");
  faults::Delay delay;
  std::string distribution;
  const toml::node* distribution_node = reader.read_string("distribution", distribution);
  if (distribution_node == nullptr && !table->contains("distribution")) {
    reader.table_error("delay has no distribution; add distribution = " +
                       joined(distribution_names(true), " or "));
  }

  std::string phase;
  if (const toml::node* phase_node = reader.read_string("phase", phase)) {
    if (phase == "request") {
      delay.phase = faults::Phase::request;
    } else if (phase == "response") {
      delay.phase = faults::Phase::response;
    } else {
      reader.error("phase", phase_node, "expected \"request\" or \"response\"");
    }
  }

  if (distribution_node == nullptr) return std::nullopt;
  auto shape = shape_named(distribution);
  if (!shape) {
    std::string message = "unknown distribution '" + distribution + "'";
    if (auto suggestion = closest_match(distribution, distribution_names(false))) {
      message += " (did you mean '" + *suggestion + "'?)";
    } else {
      message += " (expected " + joined(distribution_names(true), " or ") + ")";
    }
    reader.error("distribution", distribution_node, std::move(message));
    // The other keys depend on the distribution: do not report them as unknown too.
    return std::nullopt;
  }
  std::visit(ShapeReader{r, reader, delay.distribution}, *shape);
  delay.distribution.shape = std::move(*shape);
  reader.finish();
  return delay;
}

json::object action_json(const faults::Delay& delay) {
  json::object out{{"distribution", delay.distribution.name()}};
  std::visit(ShapeWriter{out}, delay.distribution.shape);
  if (delay.distribution.cap) out["max"] = format_duration(*delay.distribution.cap);
  out["phase"] = delay.phase == faults::Phase::request ? "request" : "response";
  return out;
}

}  // namespace faultline::config
