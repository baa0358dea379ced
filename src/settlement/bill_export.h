// `tr1l export bills`: the month's bills as the CSV of SPEC §3, one row per billed customer in
// user id order. A FAILED bill has empty amounts and its error code.
#pragma once

#include <ostream>

#include "ports/database.h"

namespace tr1l::settlement {

// Returns the number of rows written (header excluded).
std::int64_t export_bills_csv(ports::BillStore& bills, const domain::YearMonth& month, std::ostream& output);

}  // namespace tr1l::settlement
