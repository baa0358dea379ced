// How bill lines are stored in the `bill.lines` column of both SQL backends: a compact JSON array
// [{"kind":"PLAN","code":"PLN-043","name":"...","amount":33000}, ...].
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/bill.h"

namespace tr1l::adapters::sql {

std::string encode_bill_lines(const std::vector<domain::BillLine>& lines);
// Throws ports::DatabaseError on text that is not a valid encoding.
std::vector<domain::BillLine> decode_bill_lines(std::string_view text);

}  // namespace tr1l::adapters::sql
