// Dispatch targets (the seed's "completion result table"): one row per (month, user) written by
// the invoice job, holding everything delivery needs so it never reads the customer tables —
// encrypted destinations, where each invoice document is stored, the schedule, a status.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "domain/bill.h"
#include "ports/database.h"

namespace tr1l::ports {

// READY and FAILED belong to the invoice job; every later status belongs to dispatch and
// delivery, and the invoice job never reopens a target in one of them.
namespace target_status {
inline constexpr std::string_view kReady = "READY";
inline constexpr std::string_view kFailed = "FAILED";
}  // namespace target_status

struct StoredObjectReference {
  std::string bucket;  // "" for the local directory store
  std::string key;
  std::int64_t size = 0;
  std::string sha256_hex;
};

struct DispatchTarget {
  domain::YearMonth month;
  UserId user_id = 0;
  std::string status{target_status::kReady};
  int invoice_revision = 1;
  // Re-encrypted for this row: FieldBinding{"dispatch_target", "email"|"phone", "<month>/<user_id>"}.
  std::optional<std::string> email_ciphertext;
  std::optional<std::string> phone_ciphertext;
  std::optional<StoredObjectReference> email_object;
  std::optional<StoredObjectReference> sms_object;
  std::optional<int> send_day;
  std::optional<int> quiet_from;
  std::optional<int> quiet_to;
  std::string error;  // why a FAILED target could not be produced
};

// What the invoice job needs for one ISSUED bill.
struct InvoiceInput {
  domain::Bill bill;
  std::string name;
  std::optional<std::string> email_ciphertext;  // bound to customer.email / customer.phone
  std::optional<std::string> phone_ciphertext;
  std::optional<int> send_day;
  std::optional<int> quiet_from;
  std::optional<int> quiet_to;
  std::optional<std::string> target_status;  // the existing target's status, if any
  int target_revision = 0;                   // the existing target's revision, 0 if none
};

class TargetStore {
 public:
  virtual ~TargetStore() = default;
  // Upper bounds splitting the month's ISSUED bills into about `partitions` parts.
  virtual std::vector<UserId> issued_partition_bounds(const domain::YearMonth& month, int partitions) = 0;
  // ISSUED bills of the month with id in (after, up_to], ascending, at most `limit`.
  virtual std::vector<InvoiceInput> read_invoice_inputs(const domain::YearMonth& month, UserId after, UserId up_to,
                                                        std::size_t limit) = 0;
  // The same for the listed users only (targeted regeneration); unknown or non-ISSUED ids are absent.
  virtual std::vector<InvoiceInput> read_invoice_inputs_for(const domain::YearMonth& month,
                                                            std::span<const UserId> user_ids) = 0;
  // Users of the month whose target is FAILED.
  virtual std::vector<UserId> failed_target_users(const domain::YearMonth& month) = 0;
  // In one transaction, fenced like BillStore::commit_bills: stores the targets (insert, or
  // update of a READY/FAILED one; a target in a delivery status is left untouched), moves the
  // checkpoint, renews the lease. Throws LeaseLost and stores nothing when the lease is gone.
  virtual void commit_targets(const PartitionLease& lease, std::span<const DispatchTarget> targets, UserId checkpoint,
                              std::chrono::milliseconds renewal) = 0;
  // The same store rule without a lease, for targeted regeneration. Returns how many were stored.
  virtual std::int64_t store_targets(std::span<const DispatchTarget> targets) = 0;
  virtual std::optional<DispatchTarget> find_target(const domain::YearMonth& month, UserId user_id) = 0;
  virtual void for_each_target(const domain::YearMonth& month, const std::function<void(const DispatchTarget&)>& visit) = 0;
};

}  // namespace tr1l::ports
