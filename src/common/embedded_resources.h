// Files compiled into the binary: the default catalogue (catalog/*.csv), the SQL migrations
// (migrations/<backend>/*.sql) and the invoice templates (templates/*.mustache), looked up by
// their path relative to the repository root.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace tr1l::embedded {

struct Resource {
  std::string_view name;  // e.g. "catalog/plans.csv"
  std::string_view content;
};

const std::vector<Resource>& all();

std::optional<std::string_view> find(std::string_view name);

// Resources whose name starts with `prefix`, in name order (used for migrations).
std::vector<Resource> with_prefix(std::string_view prefix);

}  // namespace tr1l::embedded
