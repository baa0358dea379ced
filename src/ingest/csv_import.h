// `tr1l import DIR`: loads the operator's CSV exports (SPEC §3) into the customer store. Every
// row is validated; a bad row goes to the reject file with its line and reason and the good rows
// still load. Files are streamed, never read whole, and rows reach the store in batches.
//
// Files, read in this order (columns located by header name, extra columns ignored):
//   customers.csv  required   user_id,name,birth_date,email,phone,plan_code,welfare_code,status,
//                             role,send_day,quiet_from,quiet_to
//   contracts.csv  optional   user_id,start_date,end_date
//   addons.csv     optional   user_id,option_code,start_date,end_date
//   military.csv   optional   user_id,start_date,end_date
//   usage.csv      optional   user_id,month,used_mb
// Rows of the other four files must belong to a customer loaded by this import or already stored.
// When a customers.csv row is rejected, rows of that user id in the other files are rejected too
// (unless another row of customers.csv loaded the id), so nothing attaches to the wrong customer
// and re-importing a directory does not duplicate the contracts of customers already stored.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/pii_cipher.h"
#include "domain/catalog.h"
#include "ingest/load_progress.h"
#include "ingest/reject_writer.h"
#include "ports/database.h"

namespace tr1l::ingest {

// The import as a whole cannot run: customers.csv missing, a file unreadable or empty, a required
// column missing from a header. Headers are all checked before anything is loaded.
class ImportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct FileImportReport {
  std::string file;      // "customers.csv", ...
  bool present = false;  // false: not in the directory (allowed for all but customers.csv)
  std::int64_t loaded = 0;
  std::int64_t rejected = 0;
};

struct ImportReport {
  std::vector<FileImportReport> files;  // customers, contracts, addons, military, usage

  std::int64_t loaded() const;
  std::int64_t rejected() const;
  const FileImportReport* file(std::string_view name) const;  // nullptr for an unknown name
};

// Rows are flushed to the store every kImportBatchRows accepted rows and at the end of each file.
inline constexpr std::size_t kImportBatchRows = 20'000;

ImportReport import_directory(const std::filesystem::path& dir, const domain::Catalog& catalog,
                              const crypto::PiiCipher& cipher, ports::CustomerStore& store, RejectWriter& rejects,
                              const ProgressCallback& progress = {});

}  // namespace tr1l::ingest
