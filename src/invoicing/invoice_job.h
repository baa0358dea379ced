// `tr1l invoice`: for each ISSUED bill of a month, renders the HTML e-mail invoice (stored gzip)
// and the SMS text (SPEC §5), stores both in the object store and writes the dispatch target.
//
// A full run uses the work ledger exactly like settlement (gate, leased partitions, fenced
// checkpoints; see work/partitioned_run.h): a chunk's objects are uploaded first, then its
// targets are committed with the checkpoint, so a crash at worst uploads a chunk twice (same keys,
// same bytes) and never records a target whose objects are missing. Targeted runs (--only failed,
// --users) regenerate just those targets and bump their revision. No run ever reopens a target
// that dispatch or delivery already owns.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/gzip.h"
#include "crypto/pii_cipher.h"
#include "invoicing/invoice_renderer.h"
#include "ports/database.h"
#include "ports/dispatch_targets.h"
#include "ports/object_store.h"

namespace tr1l {
class Progress;
}

namespace tr1l::invoicing {

using ObjectStoreFactory = std::function<std::unique_ptr<ports::ObjectStore>()>;

enum class InvoiceSelection { All, FailedOnly, Users };

struct InvoiceOptions {
  domain::YearMonth month;
  InvoiceSelection selection = InvoiceSelection::All;
  std::vector<ports::UserId> users;  // for InvoiceSelection::Users
  std::size_t chunk_size = 1000;
  int partitions = 32;
  int threads = 1;
  // Longer than settlement's: a chunk waits on a thousand uploads.
  std::chrono::milliseconds lease_duration{30'000};
  int gzip_level = common::kDefaultGzipLevel;
  InvoiceSettings settings;
};

struct InvoiceSummary {
  bool already_completed = false;  // a full run found the month already invoiced
  std::int64_t ready_here = 0;     // targets written READY by this process
  std::int64_t failed_here = 0;    // targets written FAILED by this process
  std::int64_t skipped_delivered = 0;  // left alone: already owned by dispatch/delivery
  std::int64_t objects_stored = 0;
  std::int64_t bytes_stored = 0;
  std::map<std::string, std::int64_t> targets_by_status;  // month totals after the run
  double elapsed_seconds = 0;
};

class InvoiceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InvoiceJob {
 public:
  InvoiceJob(ports::DatabaseFactory open_database, ObjectStoreFactory open_object_store,
             const crypto::PiiCipher& cipher, const InvoiceRenderer& renderer);

  // Throws InvoiceError when the month is not settled yet (a full run needs every bill).
  InvoiceSummary run(const InvoiceOptions& options, Progress* progress = nullptr);

 private:
  ports::DatabaseFactory open_database_;
  ObjectStoreFactory open_object_store_;
  const crypto::PiiCipher& cipher_;
  const InvoiceRenderer& renderer_;
};

// The object keys of SPEC §5: "2026-10/12345/email/bill.gz" and "2026-10/12345/sms/bill.txt".
std::string email_object_key(const domain::YearMonth& month, ports::UserId user_id);
std::string sms_object_key(const domain::YearMonth& month, ports::UserId user_id);

// The row key binding a dispatch target's encrypted destinations: "2026-10/12345".
std::string target_row_key(const domain::YearMonth& month, ports::UserId user_id);

// Downloads an object and checks its size and SHA-256 against the reference; throws
// ports::ObjectStoreError naming the key when it does not match (tampered or replaced).
std::string fetch_verified(ports::ObjectStore& store, const ports::StoredObjectReference& reference);

}  // namespace tr1l::invoicing
