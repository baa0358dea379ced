// A dispatch_target row as ports::DispatchTarget, read the same way by the target store (the
// invoice job's view) and the delivery store (the target of a claimed attempt).
#pragma once

#include <optional>
#include <string_view>

#include "adapters/sqlite/sqlite_handle.h"
#include "ports/dispatch_targets.h"

namespace tr1l::adapters::sqlite {

// The columns read_target() expects, in its order: "SELECT " + kTargetColumns + " FROM dispatch_target ...".
inline constexpr std::string_view kTargetColumns =
    "user_id, status, invoice_revision, email_ciphertext, phone_ciphertext, email_bucket, email_key, "
    "email_size, email_sha256, sms_bucket, sms_key, sms_size, sms_sha256, send_day, quiet_from, quiet_to, error";

ports::DispatchTarget read_target(const Statement& select, const domain::YearMonth& month);

// A nullable small integer column (send day, quiet hours, round, policy version).
std::optional<int> optional_small(const Statement& statement, int column);

}  // namespace tr1l::adapters::sqlite
