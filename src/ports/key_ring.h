// Where encryption keys come from. The active key encrypts; every key that ever encrypted a
// stored value stays available by id so old ciphertexts can be read and rotated. The blind-index
// key is separate and never rotates (lookups depend on its output staying stable).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tr1l::ports {

struct EncryptionKey {
  std::string id;     // short printable id, at most 32 bytes, stored with every ciphertext
  std::string bytes;  // exactly 32 bytes (AES-256)
};

class KeyRing {
 public:
  virtual ~KeyRing() = default;
  virtual const EncryptionKey& active_key() const = 0;
  virtual const EncryptionKey* find_key(const std::string& id) const = 0;
  virtual std::vector<std::string> key_ids() const = 0;
  virtual const std::string& blind_index_key() const = 0;  // 32 bytes
};

}  // namespace tr1l::ports
