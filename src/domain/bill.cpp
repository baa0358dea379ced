#include "domain/bill.h"

namespace tr1l::domain {

std::string_view to_string(BillStatus status) { return status == BillStatus::Issued ? "ISSUED" : "FAILED"; }

std::string_view to_string(LineKind kind) {
  switch (kind) {
    case LineKind::Plan: return "PLAN";
    case LineKind::ExcessData: return "EXCESS_DATA";
    case LineKind::AddOn: return "ADDON";
    case LineKind::ContractDiscount: return "CONTRACT_DISCOUNT";
    case LineKind::MilitaryDiscount: return "MILITARY_DISCOUNT";
    case LineKind::WelfareDiscount: return "WELFARE_DISCOUNT";
  }
  return "PLAN";
}

bool is_discount(LineKind kind) {
  return kind == LineKind::ContractDiscount || kind == LineKind::MilitaryDiscount ||
         kind == LineKind::WelfareDiscount;
}

}  // namespace tr1l::domain
