// A key ring read from a small text file or from the TR1L_KEYS environment variable (SPEC §8):
//
//   # TR1L key ring. Keep this file secret (mode 0600).
//   active = k2026a
//   key.k2026a = <base64 of 32 bytes>
//   key.k2025b = <base64 of 32 bytes>
//   blind_index = <base64 of 32 bytes>
//
// Entries are separated by newlines or ';' (the latter so the whole ring fits in one environment
// variable). Blank entries and entries starting with '#' are ignored. Key ids are 1-32 characters
// of A-Z a-z 0-9 '_' '-'. Errors name the source and line and never repeat key material.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ports/key_ring.h"

namespace tr1l::adapters::keyfile {

class KeyFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class FileKeyRing : public ports::KeyRing {
 public:
  // Throws KeyFileError when the file cannot be read or does not parse.
  static FileKeyRing load_file(const std::filesystem::path& path);
  // source_description names the origin in error messages, e.g. "TR1L_KEYS" or a file path.
  static FileKeyRing parse(std::string_view text, std::string_view source_description);

  // Writes a fresh ring (one random encryption key, a random blind-index key) with mode 0600,
  // creating parent directories. Throws KeyFileError if the file already exists.
  static void create_development_file(const std::filesystem::path& path);

  // Adds a random key under a new id (UTC date plus random suffix, e.g. "k20261015-3fa9c2"), makes
  // it active and keeps every older key. The file is replaced atomically (temporary file + rename,
  // mode 0600); comments in the old file are not kept. Returns the new key id.
  // Writers (this and create_development_file) serialise on "<path>.lock", which is left in place.
  static std::string rotate_file(const std::filesystem::path& path);

  FileKeyRing(FileKeyRing&&) noexcept = default;
  FileKeyRing& operator=(FileKeyRing&&) noexcept = default;
  FileKeyRing(const FileKeyRing&) = delete;  // key material should not be copied around casually
  FileKeyRing& operator=(const FileKeyRing&) = delete;
  ~FileKeyRing() override;

  const ports::EncryptionKey& active_key() const override;
  const ports::EncryptionKey* find_key(const std::string& id) const override;
  std::vector<std::string> key_ids() const override;  // in file order
  const std::string& blind_index_key() const override;

  // Where the ring came from ("TR1L_KEYS" or the file path), for messages and logs.
  const std::string& source_description() const { return source_; }

  // The ring in the file format above, key material included. For writing key files only.
  std::string to_text() const;

 private:
  FileKeyRing() = default;

  std::vector<ports::EncryptionKey> keys_;
  std::size_t active_index_ = 0;
  std::string blind_index_key_;
  std::string source_;
};

// Where a process finds its keys, in order of precedence.
struct KeyRingSource {
  std::optional<std::string> environment_text;  // the value of TR1L_KEYS when the variable is set
  std::optional<std::filesystem::path> key_file;
  std::filesystem::path home;  // TR1L_HOME; the development ring lives at <home>/keys/dev.keys
};

// The development key file under <home>/keys/dev.keys.
std::filesystem::path development_key_file(const std::filesystem::path& home);

// Loads TR1L_KEYS text if set (even when empty: an empty secret is a mistake, not a request for a
// development key), else the key file, else the development file, creating it on first use. When
// created_development_file is given it is set to whether this call created that file, so the CLI
// can warn that data is being protected by a development key. Throws KeyFileError.
std::unique_ptr<FileKeyRing> load_key_ring(const KeyRingSource& source, bool* created_development_file = nullptr);

}  // namespace tr1l::adapters::keyfile
