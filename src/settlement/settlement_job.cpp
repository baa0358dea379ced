#include "settlement/settlement_job.h"

#include "common/progress.h"
#include "domain/settlement_rules.h"
#include "work/partitioned_run.h"

namespace tr1l::settlement {
namespace {

class SettlementProcessor : public work::PartitionProcessor {
 public:
  SettlementProcessor(ports::Database& database, const domain::Catalog& catalog, const crypto::PiiCipher& cipher,
                      const SettlementOptions& options, Progress* progress)
      : database_(database), catalog_(catalog), cipher_(cipher), options_(options), progress_(progress) {}

  void process(const ports::PartitionLease& lease) override {
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

  std::int64_t settled() const { return settled_; }
  const std::map<std::string, std::int64_t>& failures() const { return failures_; }

 private:
  ports::Database& database_;
  const domain::Catalog& catalog_;
  const crypto::PiiCipher& cipher_;
  const SettlementOptions& options_;
  Progress* progress_;
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

SettlementJob::SettlementJob(ports::DatabaseFactory open_database, const domain::Catalog& catalog,
                             const crypto::PiiCipher& cipher)
    : open_database_(std::move(open_database)), catalog_(catalog), cipher_(cipher) {}

SettlementSummary SettlementJob::run(const SettlementOptions& options, Progress* progress) {
  const auto started = std::chrono::steady_clock::now();
  SettlementSummary summary;
  auto state = open_database_()->work().run_state(ports::JobKind::Settlement, options.month);
  if (state && state->status == ports::RunStatus::Completed) {
    summary.already_completed = true;
  } else {
    std::vector<std::unique_ptr<SettlementProcessor>> processors;
    work::run_partitioned(
        open_database_,
        {ports::JobKind::Settlement, options.month, options.partitions, options.threads, options.lease_duration},
        [&](ports::Database& database) { return database.bills().billable_partition_bounds(options.partitions); },
        [&](ports::Database& database) -> work::PartitionProcessor& {
          processors.push_back(std::make_unique<SettlementProcessor>(database, catalog_, cipher_, options, progress));
          return *processors.back();
        });
    for (const auto& processor : processors) {
      summary.settled_here += processor->settled();
      for (const auto& [code, count] : processor->failures()) summary.failures_here[code] += count;
    }
  }
  const auto counts = open_database_()->bills().count_bills(options.month);
  summary.issued = counts.issued;
  summary.failed = counts.failed;
  summary.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace tr1l::settlement
