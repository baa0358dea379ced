// Re-encrypts every stored customer contact under the key ring's active key (after a rotation).
// Values already under the active key are left alone, so an interrupted run can simply be run again.
#pragma once

#include <cstdint>

#include "crypto/pii_cipher.h"
#include "ports/database.h"

namespace tr1l::crypto {

struct ReencryptionSummary {
  std::int64_t customers_seen = 0;
  std::int64_t values_reencrypted = 0;
};

// Throws CipherError naming the row when a stored value cannot be decrypted with any known key.
ReencryptionSummary reencrypt_contacts(ports::CustomerStore& customers, const PiiCipher& cipher,
                                       const std::string& active_key_id);

}  // namespace tr1l::crypto
