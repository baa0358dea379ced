#include "adapters/sql/bill_lines_codec.h"

#include <nlohmann/json.hpp>

#include "ports/database.h"

namespace tr1l::adapters::sql {
namespace {

domain::LineKind parse_kind(const std::string& text) {
  using domain::LineKind;
  for (LineKind kind : {LineKind::Plan, LineKind::ExcessData, LineKind::AddOn, LineKind::ContractDiscount,
                        LineKind::MilitaryDiscount, LineKind::WelfareDiscount}) {
    if (domain::to_string(kind) == text) return kind;
  }
  throw ports::DatabaseError("stored bill line has unknown kind '" + text + "'");
}

}  // namespace

std::string encode_bill_lines(const std::vector<domain::BillLine>& lines) {
  nlohmann::json array = nlohmann::json::array();
  for (const domain::BillLine& line : lines) {
    array.push_back({{"kind", domain::to_string(line.kind)},
                     {"code", line.code},
                     {"name", line.name},
                     {"amount", line.amount.amount()}});
  }
  return array.dump();
}

std::vector<domain::BillLine> decode_bill_lines(std::string_view text) {
  std::vector<domain::BillLine> lines;
  if (text.empty()) return lines;
  try {
    for (const auto& item : nlohmann::json::parse(text)) {
      lines.push_back(domain::BillLine{parse_kind(item.at("kind").get<std::string>()), item.at("code").get<std::string>(),
                                       item.at("name").get<std::string>(),
                                       domain::Won(item.at("amount").get<std::int64_t>())});
    }
  } catch (const nlohmann::json::exception& error) {
    throw ports::DatabaseError(std::string("stored bill lines are not valid JSON: ") + error.what());
  }
  return lines;
}

}  // namespace tr1l::adapters::sql
