#include "adapters/postgres/postgres_target_row.h"

#include "adapters/postgres/postgres_connection.h"

namespace tr1l::adapters::postgres {
namespace {

constexpr std::string_view kTargetColumns[] = {
    "user_id",      "status",     "invoice_revision", "email_ciphertext", "phone_ciphertext", "email_bucket",
    "email_key",    "email_size", "email_sha256",     "sms_bucket",       "sms_key",          "sms_size",
    "sms_sha256",   "send_day",   "quiet_from",       "quiet_to",         "error"};

// An object reference from four columns (bucket, key, size, sha256); the key is always set when
// the object exists (the bucket is "" for the local directory store).
std::optional<ports::StoredObjectReference> read_object(const PGresult* result, int row, int first) {
  if (is_null(result, row, first + 1)) return std::nullopt;
  return ports::StoredObjectReference{optional_text(result, row, first).value_or(""),
                                      std::string(text_value(result, row, first + 1)),
                                      int64_value(result, row, first + 2),
                                      std::string(text_value(result, row, first + 3))};
}

}  // namespace

std::string target_columns(std::string_view qualifier) {
  std::string columns;
  for (std::string_view column : kTargetColumns) {
    if (!columns.empty()) columns += ", ";
    columns += qualifier;
    columns += column;
  }
  return columns;
}

ports::DispatchTarget read_target(const PGresult* result, int row, const domain::YearMonth& month, int first) {
  ports::DispatchTarget target;
  target.month = month;
  target.user_id = int64_value(result, row, first);
  target.status = std::string(text_value(result, row, first + 1));
  target.invoice_revision = static_cast<int>(int64_value(result, row, first + 2));
  target.email_ciphertext = optional_bytes(result, row, first + 3);
  target.phone_ciphertext = optional_bytes(result, row, first + 4);
  target.email_object = read_object(result, row, first + 5);
  target.sms_object = read_object(result, row, first + 9);
  target.send_day = optional_int(result, row, first + 13);
  target.quiet_from = optional_int(result, row, first + 14);
  target.quiet_to = optional_int(result, row, first + 15);
  target.error = optional_text(result, row, first + 16).value_or("");
  return target;
}

}  // namespace tr1l::adapters::postgres
