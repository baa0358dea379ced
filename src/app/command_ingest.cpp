// tr1l seed, tr1l import.
#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>
#include <memory>

#include "app/backends.h"
#include "app/commands.h"
#include "common/progress.h"
#include "ingest/csv_import.h"
#include "ingest/reject_writer.h"
#include "ingest/seed_output.h"

namespace tr1l::app {
namespace {

// Shows the ingest phases ("seed", "customers.csv", ...) as progress lines on a terminal.
class PhaseProgress {
 public:
  ingest::ProgressCallback callback() {
    return [this](const ingest::LoadProgress& update) {
      if (!current_ || update.phase != phase_) {
        phase_ = std::string(update.phase);
        current_ = std::make_unique<Progress>(phase_, update.total);
        reported_ = 0;
      }
      current_->advance(update.done - reported_);
      reported_ = update.done;
    };
  }
  void finish() {
    if (current_) current_->finish();
  }

 private:
  std::string phase_;
  std::unique_ptr<Progress> current_;
  std::int64_t reported_ = 0;
};

}  // namespace

int command_seed(const Config& config, const SeedArguments& arguments) {
  const ingest::SeedOptions options{arguments.users, arguments.month, arguments.seed};
  PhaseProgress progress;
  const auto started = std::chrono::steady_clock::now();
  ingest::SeedSummary summary;
  if (arguments.csv_directory) {
    summary = ingest::write_seed_csv(options, *arguments.csv_directory, progress.callback());
  } else {
    const auto keys = load_keys(config);
    const crypto::PiiCipher cipher(*keys);
    auto database = database_factory(config)();
    summary = ingest::load_seed(options, cipher, database->customers(), progress.callback());
  }
  progress.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "seed: " << group_thousands(summary.customers) << " customers, " << group_thousands(summary.contracts)
            << " contracts, " << group_thousands(summary.add_ons) << " add-on subscriptions, "
            << group_thousands(summary.military) << " military services, " << group_thousands(summary.usage)
            << " usage rows " << (arguments.csv_directory ? "written to " + *arguments.csv_directory : std::string("loaded"))
            << " in " << fmt::format("{:.1f}", seconds) << " s\n";
  return 0;
}

int command_import(const Config& config, const ImportArguments& arguments) {
  const domain::Catalog catalog = load_catalog(config);
  const auto keys = load_keys(config);
  const crypto::PiiCipher cipher(*keys);
  auto database = database_factory(config)();

  const std::filesystem::path rejects_path =
      arguments.rejects_file ? std::filesystem::path(*arguments.rejects_file)
                             : std::filesystem::path(arguments.directory) / "rejects.csv";
  std::ofstream rejects_file(rejects_path, std::ios::binary | std::ios::trunc);
  if (!rejects_file) throw ConfigError("cannot write the reject file " + rejects_path.string());
  ingest::RejectWriter rejects(rejects_file);

  PhaseProgress progress;
  const auto report =
      ingest::import_directory(arguments.directory, catalog, cipher, database->customers(), rejects, progress.callback());
  progress.finish();
  rejects_file.flush();

  for (const auto& file : report.files) {
    if (!file.present) {
      std::cout << "import: " << file.file << ": not present\n";
      continue;
    }
    std::cout << "import: " << file.file << ": " << group_thousands(file.loaded) << " loaded, "
              << group_thousands(file.rejected) << " rejected\n";
  }
  if (report.rejected() > 0) {
    std::cout << "import: " << group_thousands(report.rejected()) << " rows rejected; reasons in " << rejects_path.string()
              << "\n";
    return kExitRejectedRows;
  }
  return 0;
}

}  // namespace tr1l::app
