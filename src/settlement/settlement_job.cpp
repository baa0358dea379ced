#include "settlement/settlement_job.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <mutex>
#include <thread>

#include "common/progress.h"
#include "common/worker_identity.h"
#include "domain/settlement_rules.h"

namespace tr1l::settlement {
namespace {

using ports::JobKind;

// One worker: leases partitions until none is left, settling each chunk by chunk.
class Worker {
 public:
  Worker(ports::Database& database, const domain::Catalog& catalog, const crypto::PiiCipher& cipher,
         const SettlementOptions& options, Progress* progress)
      : database_(database), catalog_(catalog), cipher_(cipher), options_(options), progress_(progress),
        owner_(make_worker_id()) {}

  void run() {
    while (true) {
      release_leases_of_dead_processes();
      auto lease = database_.work().lease_partition(JobKind::Settlement, options_.month, owner_, options_.lease_duration);
      if (!lease) {
        auto state = database_.work().run_state(JobKind::Settlement, options_.month);
        if (!state || state->status == ports::RunStatus::Completed) return;
        // The partitions left are held by other workers: wait for them to finish or lapse.
        std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(options_.lease_duration / 4,
                                                                         std::chrono::milliseconds(500)));
        continue;
      }
      try {
        settle_partition(*lease);
      } catch (const ports::LeaseLost& lost) {
        // Another worker took the partition over after our lease lapsed; our chunk was not stored.
        spdlog::warn("settle month={} partition={} lease lost: {}", options_.month.to_string(), lease->partition,
                     lost.what());
      }
    }
  }

  std::int64_t settled() const { return settled_; }
  const std::map<std::string, std::int64_t>& failures() const { return failures_; }

 private:
  void release_leases_of_dead_processes() {
    for (const auto& lease : database_.work().held_leases(JobKind::Settlement, options_.month)) {
      if (is_dead_local_owner(lease.owner) && database_.work().expire_lease(lease)) {
        spdlog::info("settle month={} partition={} released: owner process {} is gone", options_.month.to_string(),
                     lease.partition, lease.owner);
      }
    }
  }

  void settle_partition(const ports::PartitionLease& lease) {
    domain::UserId checkpoint = lease.checkpoint;
    std::vector<domain::Bill> bills;
    while (true) {
      auto rows = database_.bills().read_billing_rows(options_.month, checkpoint, lease.high_inclusive,
                                                      options_.chunk_size);
      if (rows.empty()) {
        database_.work().complete_partition(lease);
        return;
      }
      bills.clear();
      bills.reserve(rows.size());
      for (ports::BillingRow& row : rows) {
        row.account.contact = judge_contact(cipher_, row.email_ciphertext, row.phone_ciphertext);
        bills.push_back(domain::settle(catalog_, row.account, options_.month));
      }
      checkpoint = rows.back().account.user_id;
      database_.bills().commit_bills(lease, bills, checkpoint, options_.lease_duration);
      // Counted only once committed, so the summary never reports work that was rolled back.
      for (const domain::Bill& bill : bills) {
        if (bill.status == domain::BillStatus::Failed) ++failures_[bill.error_code];
      }
      settled_ += static_cast<std::int64_t>(bills.size());
      if (progress_) progress_->advance(static_cast<std::int64_t>(bills.size()));
    }
  }

  ports::Database& database_;
  const domain::Catalog& catalog_;
  const crypto::PiiCipher& cipher_;
  const SettlementOptions& options_;
  Progress* progress_;
  std::string owner_;
  std::int64_t settled_ = 0;
  std::map<std::string, std::int64_t> failures_;
};

}  // namespace

domain::ContactState judge_contact(const crypto::PiiCipher& cipher, const std::optional<std::string>& email_ciphertext,
                                   const std::optional<std::string>& phone_ciphertext) {
  if (!email_ciphertext && !phone_ciphertext) return domain::ContactState::Missing;
  for (const auto* ciphertext : {&email_ciphertext, &phone_ciphertext}) {
    if (*ciphertext && cipher.inspect(**ciphertext) != crypto::EnvelopeCheck::Ok) return domain::ContactState::Corrupt;
  }
  return domain::ContactState::Reachable;
}

SettlementJob::SettlementJob(DatabaseFactory open_database, const domain::Catalog& catalog,
                             const crypto::PiiCipher& cipher)
    : open_database_(std::move(open_database)), catalog_(catalog), cipher_(cipher) {}

SettlementSummary SettlementJob::run(const SettlementOptions& options, Progress* progress) {
  const auto started = std::chrono::steady_clock::now();
  SettlementSummary summary;
  auto database = open_database_();
  auto state = database->work().run_state(JobKind::Settlement, options.month);
  if (state && state->status == ports::RunStatus::Completed) {
    summary.already_completed = true;
  } else {
    if (!state) {
      database->work().open_run(JobKind::Settlement, options.month,
                                database->bills().billable_partition_bounds(options.partitions));
    }
    const int thread_count = std::max(1, options.threads);
    std::vector<std::unique_ptr<ports::Database>> connections;
    connections.push_back(std::move(database));
    for (int index = 1; index < thread_count; ++index) connections.push_back(open_database_());

    std::vector<std::unique_ptr<Worker>> workers;
    for (auto& connection : connections) {
      workers.push_back(std::make_unique<Worker>(*connection, catalog_, cipher_, options, progress));
    }
    std::mutex error_mutex;
    std::exception_ptr first_error;
    {
      std::vector<std::jthread> threads;
      for (auto& worker : workers) {
        threads.emplace_back([&, worker = worker.get()] {
          try {
            worker->run();
          } catch (...) {
            std::lock_guard lock(error_mutex);
            if (!first_error) first_error = std::current_exception();
          }
        });
      }
    }
    for (const auto& worker : workers) {
      summary.settled_here += worker->settled();
      for (const auto& [code, count] : worker->failures()) summary.failures_here[code] += count;
    }
    if (first_error) std::rethrow_exception(first_error);
    database = std::move(connections.front());
  }
  const auto counts = database->bills().count_bills(options.month);
  summary.issued = counts.issued;
  summary.failed = counts.failed;
  summary.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace tr1l::settlement
