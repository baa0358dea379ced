#include "app/backends.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include "adapters/keyfile/file_key_ring.h"
#include "adapters/localfs/local_object_store.h"
#include "adapters/postgres/postgres_database.h"
#include "adapters/s3/s3_credentials.h"
#include "adapters/s3/s3_location.h"
#include "adapters/s3/s3_object_store.h"
#include "adapters/sqlite/sqlite_database.h"
#include "common/embedded_resources.h"
#include "common/redact_url.h"

namespace tr1l::app {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream input(path, std::ios::binary);
  if (!input) throw ConfigError("cannot read catalogue file " + path.string());
  std::ostringstream content;
  content << input.rdbuf();
  return content.str();
}

std::unique_ptr<ports::Database> open_database(const Config& config) {
  const std::string& url = config.database_url;
  if (url.empty()) {
    std::filesystem::create_directories(config.home);
    return std::make_unique<adapters::sqlite::SqliteDatabase>(config.default_sqlite_path().string());
  }
  if (url.starts_with("sqlite://")) {
    std::string path = url.substr(std::string_view("sqlite://").size());
    if (path.empty()) throw ConfigError("database URL " + url + " names no file (use sqlite:///path/to/file.db)");
    if (auto parent = std::filesystem::path(path).parent_path(); !parent.empty()) std::filesystem::create_directories(parent);
    return std::make_unique<adapters::sqlite::SqliteDatabase>(path);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return std::make_unique<adapters::postgres::PostgresDatabase>(url);
  }
  throw ConfigError("database URL " + redact_url(url) + " has an unsupported scheme (use sqlite:// or postgresql://)");
}

}  // namespace

ports::DatabaseFactory database_factory(const Config& config) {
  auto migrated = std::make_shared<std::once_flag>();
  return [config, migrated]() {
    auto database = open_database(config);
    std::call_once(*migrated, [&] { database->migrate(); });
    return database;
  };
}

invoicing::ObjectStoreFactory object_store_factory(const Config& config) {
  const std::string& url = config.object_store;
  if (url.empty() || url.starts_with("file://")) {
    const std::filesystem::path root =
        url.empty() ? config.default_invoice_directory() : std::filesystem::path(url.substr(std::string_view("file://").size()));
    if (root.empty()) throw ConfigError("object store URL " + url + " names no directory (use file:///path)");
    return [root] { return std::make_unique<adapters::localfs::LocalObjectStore>(root); };
  }
  if (url.starts_with("s3://")) {
    auto location = adapters::s3::parse_s3_location(url);
    return [location] {
      return std::make_unique<adapters::s3::S3ObjectStore>(location, adapters::s3::resolve_aws_credentials());
    };
  }
  throw ConfigError("object store URL " + url + " has an unsupported scheme (use file:// or s3://)");
}

domain::Catalog load_catalog(const Config& config) {
  if (config.catalog_directory) {
    const auto& directory = *config.catalog_directory;
    std::string plans = read_file(directory / "plans.csv"), add_ons = read_file(directory / "options.csv"),
                welfare = read_file(directory / "welfare.csv"), contracts = read_file(directory / "contract_discount.csv"),
                included = read_file(directory / "plan_included_options.csv");
    return domain::Catalog::parse({plans, add_ons, welfare, contracts, included});
  }
  auto file = [](const char* name) {
    auto content = embedded::find(std::string("catalog/") + name);
    if (!content) throw ConfigError(std::string("built-in catalogue file missing: ") + name);
    return *content;
  };
  return domain::Catalog::parse({file("plans.csv"), file("options.csv"), file("welfare.csv"),
                                 file("contract_discount.csv"), file("plan_included_options.csv")});
}

std::unique_ptr<ports::KeyRing> load_keys(const Config& config) {
  bool created = false;
  auto keys = adapters::keyfile::load_key_ring({config.keys_from_environment, config.key_file, config.home}, &created);
  if (created) {
    spdlog::warn("generated a development key ring at {}; production keys come from TR1L_KEY_FILE or TR1L_KEYS",
                 adapters::keyfile::development_key_file(config.home).string());
  }
  return keys;
}

}  // namespace tr1l::app
