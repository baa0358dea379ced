#include "ingest/contact_protection.h"

namespace tr1l::ingest {

void protect_contacts(const crypto::PiiCipher& cipher, const std::optional<std::string>& email,
                      const std::optional<std::string>& phone, ports::StoredCustomer& row) {
  const std::string row_key = std::to_string(row.user_id);
  if (email) {
    row.email_ciphertext = cipher.encrypt(*email, {"customer", "email", row_key});
    row.email_index = cipher.blind_index("email", *email);
  }
  if (phone) {
    row.phone_ciphertext = cipher.encrypt(*phone, {"customer", "phone", row_key});
    row.phone_index = cipher.blind_index("phone", *phone);
  }
}

}  // namespace tr1l::ingest
