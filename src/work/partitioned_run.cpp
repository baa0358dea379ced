#include "work/partitioned_run.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include "common/worker_identity.h"

namespace tr1l::work {
namespace {

void release_leases_of_dead_processes(ports::WorkLedger& ledger, const PartitionedRunOptions& options) {
  for (const auto& lease : ledger.held_leases(options.job, options.month)) {
    if (is_dead_local_owner(lease.owner) && ledger.expire_lease(lease)) {
      spdlog::info("{} month={} partition={} released: owner process {} is gone", ports::to_string(options.job),
                   options.month.to_string(), lease.partition, lease.owner);
    }
  }
}

void work_until_done(ports::Database& database, PartitionProcessor& processor, const PartitionedRunOptions& options) {
  const std::string owner = make_worker_id();
  ports::WorkLedger& ledger = database.work();
  while (true) {
    release_leases_of_dead_processes(ledger, options);
    auto lease = ledger.lease_partition(options.job, options.month, owner, options.lease_duration);
    if (!lease) {
      auto state = ledger.run_state(options.job, options.month);
      if (!state || state->status == ports::RunStatus::Completed) return;
      // The partitions left are held by other workers: wait for them to finish or lapse.
      std::this_thread::sleep_for(
          std::min<std::chrono::milliseconds>(options.lease_duration / 4, std::chrono::milliseconds(500)));
      continue;
    }
    try {
      processor.process(*lease);
    } catch (const ports::LeaseLost& lost) {
      // Another worker took the partition over after our lease lapsed; our chunk was not stored.
      spdlog::warn("{} month={} partition={} lease lost: {}", ports::to_string(options.job), options.month.to_string(),
                   lease->partition, lost.what());
    }
  }
}

}  // namespace

void run_partitioned(const ports::DatabaseFactory& open_database, const PartitionedRunOptions& options,
                     const std::function<std::vector<ports::UserId>(ports::Database&)>& partition_bounds,
                     const std::function<PartitionProcessor&(ports::Database&)>& make_processor) {
  std::vector<std::unique_ptr<ports::Database>> connections;
  connections.push_back(open_database());
  if (!connections.front()->work().run_state(options.job, options.month)) {
    connections.front()->work().open_run(options.job, options.month, partition_bounds(*connections.front()));
  }
  for (int index = 1; index < std::max(1, options.threads); ++index) connections.push_back(open_database());

  std::vector<PartitionProcessor*> processors;
  for (auto& connection : connections) processors.push_back(&make_processor(*connection));

  std::mutex error_mutex;
  std::exception_ptr first_error;
  {
    std::vector<std::jthread> threads;
    for (std::size_t index = 0; index < connections.size(); ++index) {
      threads.emplace_back([&, index] {
        try {
          work_until_done(*connections[index], *processors[index], options);
        } catch (...) {
          std::lock_guard lock(error_mutex);
          if (!first_error) first_error = std::current_exception();
        }
      });
    }
  }
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace tr1l::work
