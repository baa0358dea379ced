// A dispatch_target row as ports::DispatchTarget, read the same way by the target store (the
// invoice job's view) and the delivery store (the target of a claimed attempt).
#pragma once

#include <libpq-fe.h>

#include <string>
#include <string_view>

#include "ports/dispatch_targets.h"

namespace tr1l::adapters::postgres {

// The columns read_target() expects, in its order, each prefixed with `qualifier` ("t." or "").
std::string target_columns(std::string_view qualifier = "");

// The target in columns first .. first + 16 of `row` (the order of target_columns()).
ports::DispatchTarget read_target(const PGresult* result, int row, const domain::YearMonth& month, int first = 0);

}  // namespace tr1l::adapters::postgres
