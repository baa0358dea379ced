#include "crypto/contact_reencryption.h"

#include <limits>
#include <string>
#include <vector>

namespace tr1l::crypto {

ReencryptionSummary reencrypt_contacts(ports::CustomerStore& customers, const PiiCipher& cipher,
                                       const std::string& active_key_id) {
  ReencryptionSummary summary;
  constexpr std::size_t kPageSize = 5000;
  ports::UserId after = std::numeric_limits<ports::UserId>::min();
  while (true) {
    auto page = customers.contact_page(after, kPageSize);
    if (page.empty()) return summary;
    after = page.back().user_id;
    summary.customers_seen += static_cast<std::int64_t>(page.size());
    std::vector<ports::ContactCiphertexts> changed;
    for (auto& contact : page) {
      const std::string row = std::to_string(contact.user_id);
      bool modified = false;
      for (auto [column, value] : {std::pair{"email", &contact.email_ciphertext}, std::pair{"phone", &contact.phone_ciphertext}}) {
        if (!*value || PiiCipher::key_id_of(**value) == active_key_id) continue;
        const FieldBinding binding{"customer", column, row};
        *value = cipher.encrypt(cipher.decrypt(**value, binding), binding);
        ++summary.values_reencrypted;
        modified = true;
      }
      if (modified) changed.push_back(std::move(contact));
    }
    if (!changed.empty()) customers.update_contacts(changed);
  }
}

}  // namespace tr1l::crypto
