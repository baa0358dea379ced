// `tr1l settle`: bills every billable customer for one month (SPEC §4).
//
// The month is split into partitions of user ids (work/partitioned_run.h). Each worker reads its
// partition's customers in chunks, settles them with domain::settle and commits each chunk's bills
// together with the partition checkpoint, so a crash loses at most the uncommitted chunk.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "crypto/pii_cipher.h"
#include "domain/catalog.h"
#include "ports/database.h"

namespace tr1l {
class Progress;
}

namespace tr1l::settlement {

struct SettlementOptions {
  domain::YearMonth month;
  std::size_t chunk_size = 5000;
  int partitions = 32;
  std::chrono::milliseconds lease_duration{10'000};
  int threads = 1;
};

struct SettlementSummary {
  bool already_completed = false;          // the month was settled before; nothing was done
  std::int64_t settled_here = 0;           // bills written by this process
  std::map<std::string, std::int64_t> failures_here;  // by error code
  std::int64_t issued = 0;                 // month totals after the run
  std::int64_t failed = 0;
  double elapsed_seconds = 0;
};

class SettlementJob {
 public:
  // `open_database` opens a new connection; each worker thread gets its own.
  SettlementJob(ports::DatabaseFactory open_database, const domain::Catalog& catalog, const crypto::PiiCipher& cipher);

  SettlementSummary run(const SettlementOptions& options, Progress* progress = nullptr);

 private:
  ports::DatabaseFactory open_database_;
  const domain::Catalog& catalog_;
  const crypto::PiiCipher& cipher_;
};

// How settlement judges the stored contact ciphertexts without decrypting them.
domain::ContactState judge_contact(const crypto::PiiCipher& cipher, const std::optional<std::string>& email_ciphertext,
                                   const std::optional<std::string>& phone_ciphertext);

}  // namespace tr1l::settlement
