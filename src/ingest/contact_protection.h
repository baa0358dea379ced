// Turns a customer's plaintext contacts into what the store keeps: AES-GCM ciphertext bound to
// customer.email / customer.phone of that user, plus the keyed blind index. Seed and import both
// go through here, so a seeded database and an imported one hold the same thing.
#pragma once

#include <optional>
#include <string>

#include "crypto/pii_cipher.h"
#include "ports/database.h"

namespace tr1l::ingest {

// `email` and `phone` must already be normalised (domain/contact.h): the blind index is computed
// over exactly that text. Absent values leave the row's ciphertext and index absent.
void protect_contacts(const crypto::PiiCipher& cipher, const std::optional<std::string>& email,
                      const std::optional<std::string>& phone, ports::StoredCustomer& row);

}  // namespace tr1l::ingest
