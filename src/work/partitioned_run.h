// Runs a monthly job over the partitions of its work-ledger run (see docs/ARCHITECTURE.md):
// opens the run if needed, then lets N worker threads — each with its own database connection —
// lease partitions one at a time until every partition is done, taking over partitions whose
// owner process died. What happens inside a partition is the job's business.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "ports/database.h"

namespace tr1l::work {

// Works through one leased partition: reads chunks after lease.checkpoint, commits each with a
// fenced checkpoint, and completes the partition. May throw ports::LeaseLost at any point.
class PartitionProcessor {
 public:
  virtual ~PartitionProcessor() = default;
  virtual void process(const ports::PartitionLease& lease) = 0;
};

struct PartitionedRunOptions {
  ports::JobKind job = ports::JobKind::Settlement;
  domain::YearMonth month;
  int partitions = 32;
  int threads = 1;
  std::chrono::milliseconds lease_duration{10'000};
};

// `partition_bounds` computes the upper bounds when the run is first opened. `make_processor`
// is called once per worker thread with that thread's connection and returns a processor the
// caller owns (and may read results from afterwards; the connection is closed by then).
// Returns when the run is Completed; rethrows the first error of any worker after all stopped.
void run_partitioned(const ports::DatabaseFactory& open_database, const PartitionedRunOptions& options,
                     const std::function<std::vector<ports::UserId>(ports::Database&)>& partition_bounds,
                     const std::function<PartitionProcessor&(ports::Database&)>& make_processor);

}  // namespace tr1l::work
