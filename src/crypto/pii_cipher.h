// Field-level protection of personal data (SPEC §8).
//
// Ciphertext envelope (binary, stored as BLOB/BYTEA):
//   byte 0        format version (1)
//   byte 1        key id length n (1..32)
//   bytes 2..n+1  key id (printable ASCII)
//   next 12       random nonce (96 bits)
//   rest          AES-256-GCM ciphertext followed by its 16-byte tag
// The associated data binds a ciphertext to its place, "tr1l/v1|<table>|<column>|<row>", so a
// value copied to another row or column fails to decrypt instead of silently reading back.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "ports/key_ring.h"

namespace tr1l::crypto {

// Where a ciphertext lives: table, column and row key (e.g. "customer", "email", "12345").
struct FieldBinding {
  std::string_view table;
  std::string_view column;
  std::string_view row;
};

class CipherError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class EnvelopeCheck { Ok, Malformed, UnknownKey };

class PiiCipher {
 public:
  explicit PiiCipher(const ports::KeyRing& keys) : keys_(keys) {}

  // Encrypts under the active key with a fresh random nonce. Thread-safe.
  std::string encrypt(std::string_view plaintext, const FieldBinding& binding) const;

  // Throws CipherError ("ciphertext for customer.email row 12 failed authentication", never the
  // value) when the envelope is malformed, the key unknown, or the tag does not verify. Thread-safe.
  std::string decrypt(std::string_view ciphertext, const FieldBinding& binding) const;

  // Cheap structural check without decrypting: version, lengths, key id known to the ring.
  EnvelopeCheck inspect(std::string_view ciphertext) const;

  // The key id a ciphertext was written under ("" when malformed).
  static std::string key_id_of(std::string_view ciphertext);

  // Keyed HMAC-SHA256 of an already-normalised value, for lookups without decrypting; the column
  // name is mixed in so equal e-mail and phone strings do not collide. 32 raw bytes.
  std::string blind_index(std::string_view column, std::string_view normalised_value) const;

 private:
  const ports::KeyRing& keys_;
};

}  // namespace tr1l::crypto
