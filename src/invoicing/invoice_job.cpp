#include "invoicing/invoice_job.h"

#include <spdlog/spdlog.h>

#include "common/progress.h"
#include "common/sha256_hex.h"
#include "common/gzip.h"
#include "work/partitioned_run.h"

namespace tr1l::invoicing {
namespace {

bool owned_by_delivery(const ports::InvoiceInput& input) {
  return input.target_status && *input.target_status != ports::target_status::kReady &&
         *input.target_status != ports::target_status::kFailed;
}

struct Counters {
  std::int64_t ready = 0;
  std::int64_t failed = 0;
  std::int64_t skipped_delivered = 0;
  std::int64_t objects = 0;
  std::int64_t bytes = 0;
};

// Turns one chunk of invoice inputs into dispatch targets: render, upload, re-encrypt.
class TargetProducer {
 public:
  TargetProducer(ports::ObjectStore& store, const crypto::PiiCipher& cipher, const InvoiceRenderer& renderer,
                 const InvoiceOptions& options)
      : store_(store), cipher_(cipher), renderer_(renderer), options_(options) {}

  std::vector<ports::DispatchTarget> produce(const std::vector<ports::InvoiceInput>& inputs, Counters& counters) {
    std::vector<ports::DispatchTarget> targets;
    std::vector<ports::PutRequest> requests;
    std::vector<std::size_t> request_target;  // which target each pair of requests belongs to
    targets.reserve(inputs.size());
    requests.reserve(inputs.size() * 2);
    const std::string month = options_.month.to_string();

    for (const ports::InvoiceInput& input : inputs) {
      if (owned_by_delivery(input)) {
        ++counters.skipped_delivered;
        continue;
      }
      const ports::UserId user_id = input.bill.user_id;
      ports::DispatchTarget target;
      target.month = options_.month;
      target.user_id = user_id;
      target.invoice_revision = input.target_revision + 1;
      target.send_day = input.send_day;
      target.quiet_from = input.quiet_from;
      target.quiet_to = input.quiet_to;
      try {
        const std::string customer_row = std::to_string(user_id);
        const std::string target_row = target_row_key(options_.month, user_id);
        InvoiceSubject subject{input.name, std::nullopt};
        if (input.phone_ciphertext) {
          subject.phone = cipher_.decrypt(*input.phone_ciphertext, {"customer", "phone", customer_row});
          target.phone_ciphertext = cipher_.encrypt(*subject.phone, {"dispatch_target", "phone", target_row});
        }
        if (input.email_ciphertext) {
          const std::string email = cipher_.decrypt(*input.email_ciphertext, {"customer", "email", customer_row});
          target.email_ciphertext = cipher_.encrypt(email, {"dispatch_target", "email", target_row});
        }
        RenderedInvoice rendered = renderer_.render(input.bill, subject, options_.settings);
        requests.push_back({email_object_key(options_.month, user_id), common::gzip(rendered.email_html, options_.gzip_level),
                            "text/html; charset=utf-8", std::string("gzip")});
        requests.push_back({sms_object_key(options_.month, user_id), std::move(rendered.sms_text),
                            "text/plain; charset=utf-8", std::nullopt});
        request_target.push_back(targets.size());
      } catch (const std::exception& error) {
        // Messages from the cipher and renderer name the row, never the personal data.
        target.status = ports::target_status::kFailed;
        target.error = error.what();
        target.email_ciphertext.reset();
        target.phone_ciphertext.reset();
      }
      targets.push_back(std::move(target));
    }

    const std::vector<ports::PutResult> results = store_.put_many(requests);
    for (std::size_t pair = 0; pair < request_target.size(); ++pair) {
      ports::DispatchTarget& target = targets[request_target[pair]];
      const ports::PutResult& email = results[pair * 2];
      const ports::PutResult& sms = results[pair * 2 + 1];
      for (const ports::PutResult* result : {&email, &sms}) {
        if (result->stored) {
          ++counters.objects;
          counters.bytes += result->size;
        }
      }
      if (!email.stored || !sms.stored) {
        target.status = ports::target_status::kFailed;
        target.error = !email.stored ? email.error : sms.error;
        continue;
      }
      target.email_object = ports::StoredObjectReference{store_.bucket(), requests[pair * 2].key, email.size, email.sha256_hex};
      target.sms_object = ports::StoredObjectReference{store_.bucket(), requests[pair * 2 + 1].key, sms.size, sms.sha256_hex};
    }
    for (const auto& target : targets) {
      (target.status == ports::target_status::kReady ? counters.ready : counters.failed) += 1;
    }
    return targets;
  }

 private:
  ports::ObjectStore& store_;
  const crypto::PiiCipher& cipher_;
  const InvoiceRenderer& renderer_;
  const InvoiceOptions& options_;
};

class InvoiceProcessor : public work::PartitionProcessor {
 public:
  InvoiceProcessor(ports::Database& database, std::unique_ptr<ports::ObjectStore> store,
                   const crypto::PiiCipher& cipher, const InvoiceRenderer& renderer, const InvoiceOptions& options,
                   Progress* progress)
      : database_(database), store_(std::move(store)), producer_(*store_, cipher, renderer, options),
        options_(options), progress_(progress) {}

  void process(const ports::PartitionLease& lease) override {
    ports::UserId checkpoint = lease.checkpoint;
    while (true) {
      auto inputs = database_.targets().read_invoice_inputs(options_.month, checkpoint, lease.high_inclusive,
                                                            options_.chunk_size);
      if (inputs.empty()) {
        database_.work().complete_partition(lease);
        return;
      }
      Counters chunk;
      auto targets = producer_.produce(inputs, chunk);
      checkpoint = inputs.back().bill.user_id;
      database_.targets().commit_targets(lease, targets, checkpoint, options_.lease_duration);
      add(counters_, chunk);
      if (progress_) progress_->advance(static_cast<std::int64_t>(inputs.size()));
    }
  }

  const Counters& counters() const { return counters_; }

  static void add(Counters& total, const Counters& part) {
    total.ready += part.ready;
    total.failed += part.failed;
    total.skipped_delivered += part.skipped_delivered;
    total.objects += part.objects;
    total.bytes += part.bytes;
  }

 private:
  ports::Database& database_;
  std::unique_ptr<ports::ObjectStore> store_;
  TargetProducer producer_;
  const InvoiceOptions& options_;
  Progress* progress_;
  Counters counters_;
};

}  // namespace

std::string email_object_key(const domain::YearMonth& month, ports::UserId user_id) {
  return month.to_string() + "/" + std::to_string(user_id) + "/email/bill.gz";
}

std::string sms_object_key(const domain::YearMonth& month, ports::UserId user_id) {
  return month.to_string() + "/" + std::to_string(user_id) + "/sms/bill.txt";
}

std::string target_row_key(const domain::YearMonth& month, ports::UserId user_id) {
  return month.to_string() + "/" + std::to_string(user_id);
}

std::string fetch_verified(ports::ObjectStore& store, const ports::StoredObjectReference& reference) {
  std::string bytes = store.get(reference.key);
  if (static_cast<std::int64_t>(bytes.size()) != reference.size || common::sha256_hex(bytes) != reference.sha256_hex) {
    throw ports::ObjectStoreError("object " + reference.key + " does not match its recorded size and SHA-256 (" +
                                  std::to_string(bytes.size()) + " bytes read, " + std::to_string(reference.size) +
                                  " recorded): it was changed after it was stored");
  }
  return bytes;
}

InvoiceJob::InvoiceJob(ports::DatabaseFactory open_database, ObjectStoreFactory open_object_store,
                       const crypto::PiiCipher& cipher, const InvoiceRenderer& renderer)
    : open_database_(std::move(open_database)), open_object_store_(std::move(open_object_store)), cipher_(cipher),
      renderer_(renderer) {}

InvoiceSummary InvoiceJob::run(const InvoiceOptions& options, Progress* progress) {
  const auto started = std::chrono::steady_clock::now();
  InvoiceSummary summary;
  auto database = open_database_();
  const std::string month = options.month.to_string();

  auto settlement = database->work().run_state(ports::JobKind::Settlement, options.month);
  if (!settlement || settlement->status != ports::RunStatus::Completed) {
    throw InvoiceError("month " + month + " is not settled yet; run `tr1l settle --month " + month + "` first");
  }

  Counters counters;
  if (options.selection == InvoiceSelection::All) {
    auto state = database->work().run_state(ports::JobKind::Invoicing, options.month);
    if (state && state->status == ports::RunStatus::Completed) {
      summary.already_completed = true;
    } else {
      std::vector<std::unique_ptr<InvoiceProcessor>> processors;
      work::run_partitioned(
          open_database_,
          {ports::JobKind::Invoicing, options.month, options.partitions, options.threads, options.lease_duration},
          [&](ports::Database& connection) {
            return connection.targets().issued_partition_bounds(options.month, options.partitions);
          },
          [&](ports::Database& connection) -> work::PartitionProcessor& {
            processors.push_back(std::make_unique<InvoiceProcessor>(connection, open_object_store_(), cipher_,
                                                                    renderer_, options, progress));
            return *processors.back();
          });
      for (const auto& processor : processors) InvoiceProcessor::add(counters, processor->counters());
    }
  } else {
    // Targeted regeneration: no gate, no partitions; chunks of the selected users.
    std::vector<ports::UserId> users = options.selection == InvoiceSelection::FailedOnly
                                           ? database->targets().failed_target_users(options.month)
                                           : options.users;
    auto store = open_object_store_();
    TargetProducer producer(*store, cipher_, renderer_, options);
    for (std::size_t begin = 0; begin < users.size(); begin += options.chunk_size) {
      const std::size_t end = std::min(users.size(), begin + options.chunk_size);
      auto inputs = database->targets().read_invoice_inputs_for(
          options.month, std::span<const ports::UserId>(users.data() + begin, end - begin));
      Counters chunk;
      auto targets = producer.produce(inputs, chunk);
      database->targets().store_targets(targets);
      InvoiceProcessor::add(counters, chunk);
      if (progress) progress->advance(static_cast<std::int64_t>(end - begin));
    }
  }

  summary.ready_here = counters.ready;
  summary.failed_here = counters.failed;
  summary.skipped_delivered = counters.skipped_delivered;
  summary.objects_stored = counters.objects;
  summary.bytes_stored = counters.bytes;
  database->targets().for_each_target(options.month,
                                      [&](const ports::DispatchTarget& target) { ++summary.targets_by_status[target.status]; });
  summary.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace tr1l::invoicing
