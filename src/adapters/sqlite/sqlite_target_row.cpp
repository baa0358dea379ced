#include "adapters/sqlite/sqlite_target_row.h"

namespace tr1l::adapters::sqlite {
namespace {

// An object reference from four columns (bucket, key, size, sha256); the key is always set when
// the object exists (the bucket is "" for the local directory store).
std::optional<ports::StoredObjectReference> read_object(const Statement& select, int first) {
  if (select.is_null(first + 1)) return std::nullopt;
  return ports::StoredObjectReference{select.optional_text(first).value_or(""), select.text(first + 1),
                                      select.integer(first + 2), select.text(first + 3)};
}

}  // namespace

std::optional<int> optional_small(const Statement& statement, int column) {
  if (statement.is_null(column)) return std::nullopt;
  return static_cast<int>(statement.integer(column));
}

ports::DispatchTarget read_target(const Statement& select, const domain::YearMonth& month) {
  ports::DispatchTarget target;
  target.month = month;
  target.user_id = select.integer(0);
  target.status = select.text(1);
  target.invoice_revision = static_cast<int>(select.integer(2));
  target.email_ciphertext = select.optional_blob(3);
  target.phone_ciphertext = select.optional_blob(4);
  target.email_object = read_object(select, 5);
  target.sms_object = read_object(select, 9);
  target.send_day = optional_small(select, 13);
  target.quiet_from = optional_small(select, 14);
  target.quiet_to = optional_small(select, 15);
  target.error = select.optional_text(16).value_or("");
  return target;
}

}  // namespace tr1l::adapters::sqlite
