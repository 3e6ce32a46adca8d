#include "faults/request_view.hpp"

#include "base/text.hpp"

namespace faultline::faults {
std::optional<std::string_view> RequestView::header(std::string_view name) const {
  for (const Header& field : headers) {
    if (iequals(field.name, name)) return field.value;
  }
  return std::nullopt;
}

}  // namespace faultline::faults
