// The settlement rules of SPEC §4: one customer, one month, one bill. Pure and deterministic.
#pragma once

#include "domain/bill.h"
#include "domain/catalog.h"
#include "domain/customer.h"

namespace tr1l::domain {

// Military discount: 20% of what is left of the plan charge after the contract discount.
inline constexpr Rate kMilitaryDiscountRate = Rate::from_millionths(200'000);

inline constexpr std::string_view kExcessDataLabel = "데이터 초과 사용료";
inline constexpr std::string_view kContractDiscountLabel = "선택약정 할인";
inline constexpr std::string_view kMilitaryDiscountLabel = "현역병사 할인";

// Contract length in whole months: (end year - start year)*12 + (end month - start month),
// minus one when the end day falls before the start day.
int contract_length_months(const ContractTerm& term);

// The contract that governs `month`: of those overlapping it, the latest start (then latest end).
const ContractTerm* governing_contract(const std::vector<ContractTerm>& contracts, const YearMonth& month);

// Computes the bill. Never throws for bad data: returns a Failed bill with an error code instead.
Bill settle(const Catalog& catalog, const BillingAccount& account, const YearMonth& month);

}  // namespace tr1l::domain
