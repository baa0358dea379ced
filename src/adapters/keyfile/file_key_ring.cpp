#include "adapters/keyfile/file_key_ring.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <system_error>
#include <utility>

#include "common/posix_file.h"

namespace tr1l::adapters::keyfile {
namespace {

constexpr std::size_t key_length = 32;
constexpr std::size_t max_key_id_length = 32;

// Wipes a buffer that held key material once it goes out of scope.
class Wiped {
 public:
  explicit Wiped(std::string& text) : text_(text) {}
  Wiped(const Wiped&) = delete;
  Wiped& operator=(const Wiped&) = delete;
  ~Wiped() { OPENSSL_cleanse(text_.data(), text_.size()); }

 private:
  std::string& text_;
};

// Takes views so that nothing allocates (and possibly touches errno) between the failing call and
// the moment errno is read.
[[noreturn]] void fail_with_errno(std::string_view action, std::string_view subject) {
  const int error_number = errno;
  throw KeyFileError(std::string(action) + " " + std::string(subject) + ": " +
                     std::system_category().message(error_number));
}

[[noreturn]] void fail_at(const std::string& location, const std::string& reason) {
  throw KeyFileError(location + ": " + reason);
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view blanks = " \t\r\n\v\f";
  const std::size_t first = text.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(blanks) - first + 1);
}

bool is_valid_key_id(std::string_view id) {
  if (id.empty() || id.size() > max_key_id_length) return false;
  return std::all_of(id.begin(), id.end(), [](char character) {
    return (character >= 'A' && character <= 'Z') || (character >= 'a' && character <= 'z') ||
           (character >= '0' && character <= '9') || character == '_' || character == '-';
  });
}

// Only names that look like directives are repeated in errors: a key pasted on a line of its own
// ends in '=' padding and would otherwise come back as the "name" of an unknown directive.
bool is_safe_to_echo(std::string_view name) {
  if (name.empty() || name.size() > 24) return false;
  return std::all_of(name.begin(), name.end(), [](char character) {
    return (character >= 'a' && character <= 'z') || (character >= 'A' && character <= 'Z') ||
           (character >= '0' && character <= '9') || character == '_' || character == '.' || character == '-';
  });
}

bool is_base64_character(char character) {
  return (character >= 'A' && character <= 'Z') || (character >= 'a' && character <= 'z') ||
         (character >= '0' && character <= '9') || character == '+' || character == '/';
}

// Strict standard base64 with padding. EVP_DecodeBlock counts padding as zero bytes, so the
// padding is subtracted here; it also tolerates things we do not (inner blanks), so check first.
std::optional<std::string> decode_base64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') {
    if (padding == 0) return std::nullopt;
    ++padding;
  }
  if (!std::all_of(text.begin(), text.end() - static_cast<std::ptrdiff_t>(padding), is_base64_character)) {
    return std::nullopt;
  }
  std::string decoded(text.size() / 4 * 3, '\0');
  const int length =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                      reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (length < 0 || static_cast<std::size_t>(length) < padding) {
    OPENSSL_cleanse(decoded.data(), decoded.size());
    return std::nullopt;
  }
  decoded.resize(static_cast<std::size_t>(length) - padding);
  return decoded;
}

std::string encode_base64(std::string_view bytes) {
  std::string encoded(4 * ((bytes.size() + 2) / 3) + 1, '\0');  // EVP_EncodeBlock adds a NUL
  const int length =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  encoded.resize(static_cast<std::size_t>(length));
  return encoded;
}

// Appends "<name> = <base64 of bytes>\n" without leaving an unwiped copy of the encoding behind.
void append_key_line(std::string& text, std::string_view name, std::string_view bytes) {
  std::string encoded = encode_base64(bytes);
  text.append(name).append(" = ").append(encoded).append("\n");
  OPENSSL_cleanse(encoded.data(), encoded.size());
}

std::string random_bytes(std::size_t count) {
  std::string bytes(count, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1) {
    throw KeyFileError("the random number generator failed to produce key material");
  }
  return bytes;
}

std::string new_key_id(const std::vector<std::string>& taken) {
  const std::chrono::year_month_day today{std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
  for (;;) {
    const std::string suffix = random_bytes(3);
    char id[32];
    std::snprintf(id, sizeof id, "k%04d%02u%02u-%02x%02x%02x", static_cast<int>(today.year()),
                  static_cast<unsigned>(today.month()), static_cast<unsigned>(today.day()),
                  static_cast<unsigned char>(suffix[0]), static_cast<unsigned char>(suffix[1]),
                  static_cast<unsigned char>(suffix[2]));
    if (std::find(taken.begin(), taken.end(), id) == taken.end()) return id;
  }
}

std::filesystem::path directory_of(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

// Serialises writers of one key file, so two concurrent rotations cannot each write a ring
// missing the other's new key (a lost key makes everything encrypted under it unreadable). The
// lock lives in a separate "<file>.lock" because the key file itself is replaced, not rewritten.
// Readers need no lock: the key file is only ever replaced whole.
class WriterLock {
 public:
  explicit WriterLock(const std::filesystem::path& key_file)
      : lock_path_(key_file.native() + ".lock"),
        descriptor_(::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, S_IRUSR | S_IWUSR)) {
    if (!descriptor_.valid()) fail_with_errno("cannot open lock file", lock_path_);
    while (::flock(descriptor_.get(), LOCK_EX) != 0) {
      if (errno != EINTR) fail_with_errno("cannot lock", lock_path_);
    }
  }

 private:
  std::string lock_path_;
  FileDescriptor descriptor_;
};

// Makes a rename durable; best effort, as some file systems cannot sync a directory.
void sync_directory(const std::filesystem::path& directory) {
  const FileDescriptor descriptor(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (descriptor.valid()) ::fsync(descriptor.get());
}

// Writes the whole file under a temporary name in the same directory, then renames it into place
// in one step, so readers see the old ring or the new one and never half a file. The caller holds
// the WriterLock, which is what makes "check it does not exist, then rename" safe for creation.
void write_secret_file(const std::filesystem::path& path, std::string_view contents) {
  std::string name_template = (directory_of(path) / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  FileDescriptor file(::mkstemp(name_template.data()));
  if (!file.valid()) fail_with_errno("cannot create a temporary key file next to", path.native());
  TemporaryFile temporary(name_template);
  // mkstemp's mode is subject to the umask; set it exactly.
  if (::fchmod(file.get(), S_IRUSR | S_IWUSR) != 0) fail_with_errno("cannot set mode 0600 on", temporary.path().native());
  std::size_t offset = 0;
  while (offset < contents.size()) {
    const ssize_t written = ::write(file.get(), contents.data() + offset, contents.size() - offset);
    if (written < 0) {
      if (errno == EINTR) continue;
      fail_with_errno("cannot write", temporary.path().native());
    }
    offset += static_cast<std::size_t>(written);
  }
  if (::fsync(file.get()) != 0) fail_with_errno("cannot flush", temporary.path().native());
  if (file.close() != 0) fail_with_errno("cannot close", temporary.path().native());
  if (::rename(temporary.path().c_str(), path.c_str()) != 0) fail_with_errno("cannot write", path.native());
  temporary.release();
  sync_directory(directory_of(path));
}

// Creates a fresh development ring; false when the file already exists.
bool create_ring_file(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::create_directories(directory_of(path), error);
  if (error) throw KeyFileError("cannot create directory " + directory_of(path).string() + ": " + error.message());
  const WriterLock lock(path);
  if (std::filesystem::exists(path, error)) return false;

  std::string encryption_key = random_bytes(key_length);
  std::string blind_index_key = random_bytes(key_length);
  const Wiped wipe_encryption_key(encryption_key);
  const Wiped wipe_blind_index_key(blind_index_key);
  const std::string id = new_key_id({});
  std::string text = "# TR1L key ring. Keep this file secret (mode 0600).\n"
                     "# Development key, generated on first use: do not protect production data with it.\n";
  const Wiped wipe_text(text);
  text.reserve(512);  // growing would leave unwiped copies of the keys in freed memory
  text += "active = " + id + "\n";
  append_key_line(text, "key." + id, encryption_key);
  append_key_line(text, "blind_index", blind_index_key);
  write_secret_file(path, text);
  return true;
}

}  // namespace

FileKeyRing::~FileKeyRing() {
  for (ports::EncryptionKey& key : keys_) OPENSSL_cleanse(key.bytes.data(), key.bytes.size());
  OPENSSL_cleanse(blind_index_key_.data(), blind_index_key_.size());
}

FileKeyRing FileKeyRing::load_file(const std::filesystem::path& path) {
  FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file.valid()) fail_with_errno("cannot open key file", path.native());
  std::string text;
  const Wiped wipe_text(text);
  char buffer[4096];
  for (;;) {
    const ssize_t count = ::read(file.get(), buffer, sizeof buffer);
    if (count < 0) {
      if (errno == EINTR) continue;
      OPENSSL_cleanse(buffer, sizeof buffer);
      fail_with_errno("cannot read key file", path.native());
    }
    if (count == 0) break;
    text.append(buffer, static_cast<std::size_t>(count));
    if (text.size() > 1024 * 1024) {
      OPENSSL_cleanse(buffer, sizeof buffer);
      throw KeyFileError("key file " + path.string() + " is implausibly large");
    }
  }
  OPENSSL_cleanse(buffer, sizeof buffer);
  return parse(text, path.string());
}

FileKeyRing FileKeyRing::parse(std::string_view text, std::string_view source_description) {
  FileKeyRing ring;
  ring.source_ = std::string(source_description);
  std::optional<std::string> active_id;
  std::string active_location;
  bool have_blind_index = false;

  std::size_t line_number = 0;
  std::size_t line_start = 0;
  while (line_start <= text.size()) {
    const std::size_t line_end = std::min(text.find('\n', line_start), text.size());
    const std::string_view line = trim(text.substr(line_start, line_end - line_start));
    line_start = line_end + 1;
    ++line_number;
    if (line.empty() || line.front() == '#') continue;

    const bool several_entries = line.find(';') != std::string_view::npos;
    std::size_t entry_number = 0;
    std::size_t entry_start = 0;
    while (entry_start <= line.size()) {
      const std::size_t entry_end = std::min(line.find(';', entry_start), line.size());
      const std::string_view entry = trim(line.substr(entry_start, entry_end - entry_start));
      entry_start = entry_end + 1;
      ++entry_number;
      if (entry.empty() || entry.front() == '#') continue;

      std::string location = ring.source_ + " line " + std::to_string(line_number);
      if (several_entries) location += " entry " + std::to_string(entry_number);

      const std::size_t equals = entry.find('=');
      if (equals == std::string_view::npos) fail_at(location, "expected 'name = value'");
      const std::string_view name = trim(entry.substr(0, equals));
      const std::string_view value = trim(entry.substr(equals + 1));

      if (name == "active") {
        if (active_id) fail_at(location, "duplicate 'active' entry");
        if (!is_valid_key_id(value)) fail_at(location, "active key id must be 1-32 characters of A-Z a-z 0-9 _ -");
        active_id = std::string(value);
        active_location = location;
      } else if (name.substr(0, 4) == "key.") {
        const std::string id(name.substr(4));
        if (!is_valid_key_id(id)) fail_at(location, "key id must be 1-32 characters of A-Z a-z 0-9 _ -");
        if (ring.find_key(id) != nullptr) fail_at(location, "duplicate key id '" + id + "'");
        std::optional<std::string> bytes = decode_base64(value);
        if (!bytes) fail_at(location, "key '" + id + "' is not valid base64");
        if (bytes->size() != key_length) {
          const std::size_t size = bytes->size();
          OPENSSL_cleanse(bytes->data(), bytes->size());
          fail_at(location, "key '" + id + "' must be 32 bytes, not " + std::to_string(size));
        }
        ring.keys_.push_back(ports::EncryptionKey{id, std::move(*bytes)});
      } else if (name == "blind_index") {
        if (have_blind_index) fail_at(location, "duplicate 'blind_index' entry");
        std::optional<std::string> bytes = decode_base64(value);
        if (!bytes) fail_at(location, "blind_index key is not valid base64");
        if (bytes->size() != key_length) {
          const std::size_t size = bytes->size();
          OPENSSL_cleanse(bytes->data(), bytes->size());
          fail_at(location, "blind_index key must be 32 bytes, not " + std::to_string(size));
        }
        ring.blind_index_key_ = std::move(*bytes);
        have_blind_index = true;
      } else if (is_safe_to_echo(name)) {
        fail_at(location, "unknown directive '" + std::string(name) + "'");
      } else {
        fail_at(location, "unknown directive");
      }
    }
  }

  if (!active_id) throw KeyFileError(ring.source_ + ": no 'active' entry naming the key to encrypt with");
  if (!have_blind_index) throw KeyFileError(ring.source_ + ": no 'blind_index' entry");
  const auto active = std::find_if(ring.keys_.begin(), ring.keys_.end(),
                                   [&](const ports::EncryptionKey& key) { return key.id == *active_id; });
  if (active == ring.keys_.end()) {
    throw KeyFileError(active_location + ": active key '" + *active_id + "' is not defined by a key." + *active_id +
                       " entry");
  }
  ring.active_index_ = static_cast<std::size_t>(active - ring.keys_.begin());
  return ring;
}

void FileKeyRing::create_development_file(const std::filesystem::path& path) {
  if (!create_ring_file(path)) {
    throw KeyFileError("key file " + path.string() + " already exists; refusing to overwrite it");
  }
}

std::string FileKeyRing::rotate_file(const std::filesystem::path& path) {
  // Load before taking the lock so a missing key file is reported as such, without leaving a
  // stray lock file behind; then load again under the lock to build on what is there now.
  load_file(path);
  const WriterLock lock(path);
  FileKeyRing ring = load_file(path);
  const std::string id = new_key_id(ring.key_ids());
  // Newest first, so the file reads from the key in use to the oldest still needed.
  ring.keys_.insert(ring.keys_.begin(), ports::EncryptionKey{id, random_bytes(key_length)});
  ring.active_index_ = 0;
  std::string text = ring.to_text();
  const Wiped wipe_text(text);
  write_secret_file(path, text);
  return id;
}

const ports::EncryptionKey& FileKeyRing::active_key() const { return keys_.at(active_index_); }

const ports::EncryptionKey* FileKeyRing::find_key(const std::string& id) const {
  for (const ports::EncryptionKey& key : keys_) {
    if (key.id == id) return &key;
  }
  return nullptr;
}

std::vector<std::string> FileKeyRing::key_ids() const {
  std::vector<std::string> ids;
  ids.reserve(keys_.size());
  for (const ports::EncryptionKey& key : keys_) ids.push_back(key.id);
  return ids;
}

const std::string& FileKeyRing::blind_index_key() const { return blind_index_key_; }

std::string FileKeyRing::to_text() const {
  std::string text;
  text.reserve(128 + 96 * (keys_.size() + 1));  // growing would leave unwiped copies of the keys in freed memory
  text += "# TR1L key ring. Keep this file secret (mode 0600).\n";
  text += "active = " + active_key().id + "\n";
  for (const ports::EncryptionKey& key : keys_) append_key_line(text, "key." + key.id, key.bytes);
  append_key_line(text, "blind_index", blind_index_key_);
  return text;
}

std::filesystem::path development_key_file(const std::filesystem::path& home) { return home / "keys" / "dev.keys"; }

std::unique_ptr<FileKeyRing> load_key_ring(const KeyRingSource& source, bool* created_development_file) {
  if (created_development_file != nullptr) *created_development_file = false;
  if (source.environment_text) {
    return std::make_unique<FileKeyRing>(FileKeyRing::parse(*source.environment_text, "TR1L_KEYS"));
  }
  if (source.key_file) return std::make_unique<FileKeyRing>(FileKeyRing::load_file(*source.key_file));
  const std::filesystem::path path = development_key_file(source.home);
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    // Another process may win the race to create it; then its file is the one to use.
    const bool created = create_ring_file(path);
    if (created_development_file != nullptr) *created_development_file = created;
  }
  return std::make_unique<FileKeyRing>(FileKeyRing::load_file(path));
}

}  // namespace tr1l::adapters::keyfile
