// The two places `tr1l seed` can put its generated customers: the five plaintext CSV files of
// SPEC §3 (the operator's interchange format, readable by `tr1l import`), or straight into the
// customer store with contacts encrypted and indexed. Both stream: memory stays bounded whatever
// the number of customers, and loading the CSV files through import gives the same database.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>

#include "crypto/pii_cipher.h"
#include "ingest/load_progress.h"
#include "ingest/seed_generator.h"
#include "ports/database.h"

namespace tr1l::ingest {

class SeedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Rows produced, per table.
struct SeedSummary {
  std::int64_t customers = 0;
  std::int64_t contracts = 0;
  std::int64_t add_ons = 0;
  std::int64_t military = 0;
  std::int64_t usage = 0;
};

// Writes customers.csv, contracts.csv, addons.csv, military.csv and usage.csv into `dir`
// (created if needed). Each file is written under a temporary name and renamed when complete, so
// an interrupted run never leaves a truncated file that looks finished. Throws SeedError on I/O
// failure and std::invalid_argument for bad options.
SeedSummary write_seed_csv(const SeedOptions& options, const std::filesystem::path& dir,
                           const ProgressCallback& progress = {});

// Generates, encrypts and loads the customers into `store`, flushing every kSeedBatchCustomers.
// Worker threads generate and encrypt batches ahead while the calling thread feeds the loader in
// id order, so the result does not depend on thread timing. Refuses (SeedError) a store that
// already holds customers: seed ids start at 1 and would collide. A failure part-way leaves the
// batches flushed so far.
SeedSummary load_seed(const SeedOptions& options, const crypto::PiiCipher& cipher, ports::CustomerStore& store,
                      const ProgressCallback& progress = {});

inline constexpr std::int64_t kSeedBatchCustomers = 20'000;

}  // namespace tr1l::ingest
