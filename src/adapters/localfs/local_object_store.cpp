#include "adapters/localfs/local_object_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <random>
#include <system_error>
#include <thread>
#include <utility>

#include "common/posix_file.h"
#include "common/object_key.h"
#include "common/sha256_hex.h"

namespace tr1l::adapters::localfs {
namespace {

namespace fs = std::filesystem;

class StoreFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail_with_errno(const char* action) {
  const int error_number = errno;
  throw StoreFailure(std::string(action) + ": " + std::system_category().message(error_number));
}

std::string object_name(const fs::path& root, const std::string& key) { return "file://" + (root / key).string(); }

// Not secret, only unique: a collision is caught by O_EXCL and retried.
std::string random_suffix() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  static constexpr char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::uniform_int_distribution<std::size_t> pick(0, sizeof(alphabet) - 2);
  std::string suffix(12, '0');
  for (char& character : suffix) character = alphabet[pick(generator)];
  return suffix;
}

void write_all(int descriptor, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(descriptor, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      fail_with_errno("write");
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

void fsync_directory(const fs::path& directory) {
  FileDescriptor descriptor(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (descriptor.get() < 0) fail_with_errno("open directory for fsync");
  if (::fsync(descriptor.get()) != 0) fail_with_errno("fsync directory");
}

// Writes one object atomically; returns the directory whose entry changed (to be fsynced once per
// batch rather than once per object).
fs::path write_object(const fs::path& root, const ports::PutRequest& request) {
  const fs::path final_path = root / request.key;
  const fs::path directory = final_path.parent_path();
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) throw StoreFailure("create directory: " + error.message());

  // Dot-prefixed so directory listings of invoices skip it; same directory so rename is atomic.
  const std::string base_name = "." + final_path.filename().string() + ".tmp-";
  for (int attempt = 0; attempt < 16; ++attempt) {
    fs::path temporary_path = directory / (base_name + random_suffix());
    FileDescriptor descriptor(::open(temporary_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (descriptor.get() < 0) {
      if (errno == EEXIST) continue;
      fail_with_errno("create temporary file");
    }
    TemporaryFile temporary(std::move(temporary_path));
    write_all(descriptor.get(), request.body);
    if (::fsync(descriptor.get()) != 0) fail_with_errno("fsync");
    if (descriptor.close() != 0) fail_with_errno("close");
    if (::rename(temporary.path().c_str(), final_path.c_str()) != 0) fail_with_errno("rename into place");
    temporary.release();
    return directory;
  }
  throw StoreFailure("could not pick an unused temporary file name");
}

// Runs work(0..count-1) on up to thread_count threads (the caller's included); work must not throw.
template <typename Work>
void parallel_for(std::size_t count, std::size_t thread_count, const Work& work) {
  std::atomic<std::size_t> next_index{0};
  const auto drain = [&] {
    for (std::size_t index = next_index++; index < count; index = next_index++) work(index);
  };
  std::vector<std::jthread> helpers;
  for (std::size_t helper = 1; helper < std::min(thread_count, count); ++helper) helpers.emplace_back(drain);
  drain();
}

}  // namespace

LocalObjectStore::LocalObjectStore(std::filesystem::path root, std::size_t write_threads)
    : root_(std::move(root)), write_threads_(std::max<std::size_t>(1, write_threads)) {}

LocalObjectStore::~LocalObjectStore() {
  if (const int directory = root_directory_.load(); directory >= 0) ::close(directory);
}

int LocalObjectStore::root_directory() {
  int directory = root_directory_.load(std::memory_order_acquire);
  if (directory >= 0) return directory;
  const int opened = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (opened < 0) return -1;  // not created yet: nothing is stored
  // Senders call get concurrently: one descriptor wins and stays, the others are closed.
  if (root_directory_.compare_exchange_strong(directory, opened, std::memory_order_acq_rel)) return opened;
  ::close(opened);
  return directory;
}

const std::string& LocalObjectStore::bucket() const {
  static const std::string no_bucket;
  return no_bucket;
}

std::vector<ports::PutResult> LocalObjectStore::put_many(std::span<const ports::PutRequest> requests) {
  std::vector<ports::PutResult> results(requests.size());
  std::vector<fs::path> directories(requests.size());  // where each stored object's entry changed
  parallel_for(requests.size(), write_threads_, [&](std::size_t index) {
    const ports::PutRequest& request = requests[index];
    ports::PutResult& result = results[index];
    if (const auto problem = common::object_key_problem(request.key)) {
      result.error = "PUT " + object_name(root_, request.key) + ": invalid key: " + *problem;
      return;
    }
    try {
      directories[index] = write_object(root_, request);
      result.stored = true;
      result.size = static_cast<std::int64_t>(request.body.size());
      result.sha256_hex = common::sha256_hex(request.body);
    } catch (const std::exception& failure) {
      result.error = "PUT " + object_name(root_, request.key) + ": " + failure.what();
    }
  });

  // The renames are durable only once their directories are synced; until then a power loss could
  // bring back the previous object (never a torn one). Each directory is synced once per batch,
  // and a failure un-stores the objects renamed into it.
  std::vector<fs::path> unique_directories;
  for (const fs::path& directory : directories) {
    if (!directory.empty()) unique_directories.push_back(directory);
  }
  std::sort(unique_directories.begin(), unique_directories.end());
  unique_directories.erase(std::unique(unique_directories.begin(), unique_directories.end()), unique_directories.end());
  std::vector<std::string> sync_errors(unique_directories.size());
  parallel_for(unique_directories.size(), write_threads_, [&](std::size_t index) {
    try {
      fsync_directory(unique_directories[index]);
    } catch (const std::exception& failure) {
      sync_errors[index] = failure.what();
    }
  });
  for (std::size_t index = 0; index < requests.size(); ++index) {
    if (directories[index].empty()) continue;
    const auto found = std::lower_bound(unique_directories.begin(), unique_directories.end(), directories[index]);
    const std::string& sync_error = sync_errors[static_cast<std::size_t>(found - unique_directories.begin())];
    if (!sync_error.empty()) {
      results[index] = ports::PutResult{};
      results[index].error = "PUT " + object_name(root_, requests[index].key) + ": " + sync_error;
    }
  }
  return results;
}

std::string LocalObjectStore::get(const std::string& key) {
  if (const auto problem = common::object_key_problem(key)) {
    throw ports::ObjectStoreError("GET " + object_name(root_, key) + ": invalid key: " + *problem);
  }
  // One open and one fstat: delivery reads an object per send, and resolving the path twice
  // (a status check, then the open) was a tenth of its CPU. The open resolves the key from the
  // open root directory (keys are relative and have no '..': object_key_problem): the open was a
  // fifth of delivery's CPU, much of it looking up path segments, and half of those were the root's
  // (docs/BENCHMARKS.md, 2026-11-23 00:29 UTC).
  const int root = root_directory();
  int descriptor = root >= 0 ? ::openat(root, key.c_str(), O_RDONLY | O_CLOEXEC) : -1;
  // A path through a regular file fails with ENOTDIR: no such object either. The path is
  // resolved from the top before an object is called missing, so a root directory removed and
  // made again while this store is open still serves what is put into it. (One renamed away
  // goes on serving this process, as PostgreSQL's data directory does.)
  if (descriptor < 0 && (root < 0 || errno == ENOENT || errno == ENOTDIR)) {
    descriptor = ::open((root_ / key).c_str(), O_RDONLY | O_CLOEXEC);
  }
  FileDescriptor file(descriptor);
  if (!file.valid() && (errno == ENOENT || errno == ENOTDIR)) {
    throw ports::ObjectNotFound("GET " + object_name(root_, key) + ": no such object");
  }
  try {
    if (!file.valid()) fail_with_errno("cannot open");
    struct stat status {};
    if (::fstat(file.get(), &status) != 0) fail_with_errno("cannot stat");
    // A directory is a key prefix, not an object, exactly as in the bucket.
    if (S_ISDIR(status.st_mode)) throw ports::ObjectNotFound("GET " + object_name(root_, key) + ": no such object");
    // Objects are replaced by renaming a new file over them, never rewritten in place, so the
    // size is the size of this open file for good.
    std::string bytes(static_cast<std::size_t>(status.st_size), '\0');
    std::size_t filled = 0;
    while (filled < bytes.size()) {
      const ssize_t count = ::read(file.get(), bytes.data() + filled, bytes.size() - filled);
      if (count < 0 && errno == EINTR) continue;
      if (count < 0) fail_with_errno("read failed");
      if (count == 0) throw StoreFailure("the file ended early");
      filled += static_cast<std::size_t>(count);
    }
    return bytes;
  } catch (const StoreFailure& failure) {
    throw ports::ObjectStoreError("GET " + object_name(root_, key) + ": " + failure.what());
  }
}

}  // namespace tr1l::adapters::localfs
