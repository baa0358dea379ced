#include "ingest/default_catalog.h"

#include <stdexcept>
#include <string>

#include "common/embedded_resources.h"

namespace tr1l::ingest {
namespace {

std::string_view embedded_file(std::string_view name) {
  auto content = embedded::find(name);
  if (!content) throw domain::CatalogError("embedded catalogue file " + std::string(name) + " is missing");
  return *content;
}

domain::Catalog parse_embedded() {
  return domain::Catalog::parse({
      .plans = embedded_file("catalog/plans.csv"),
      .add_ons = embedded_file("catalog/options.csv"),
      .welfare = embedded_file("catalog/welfare.csv"),
      .contract_discounts = embedded_file("catalog/contract_discount.csv"),
      .plan_included_add_ons = embedded_file("catalog/plan_included_options.csv"),
  });
}

}  // namespace

const domain::Catalog& default_catalog() {
  // A function-local static: thread-safe initialisation, parsed only when first needed.
  static const domain::Catalog catalog = parse_embedded();
  return catalog;
}

}  // namespace tr1l::ingest
