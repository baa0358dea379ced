// `tr1l keys rotate` through the real binary: every stored contact ends up under the new key
// and still decrypts to the same value.
#include <gtest/gtest.h>

#include "adapters/keyfile/file_key_ring.h"
#include "adapters/sqlite/sqlite_database.h"
#include "crypto/pii_cipher.h"
#include "support/subprocess.h"

namespace tr1l::app {
namespace {

using tr1l::testing::run_process;

std::map<std::string, std::string> plaintext_contacts(ports::CustomerStore& customers, const crypto::PiiCipher& cipher) {
  std::map<std::string, std::string> contacts;
  for (const auto& contact : customers.contact_page(std::numeric_limits<ports::UserId>::min(), 1'000'000)) {
    const std::string row = std::to_string(contact.user_id);
    if (contact.email_ciphertext) contacts["e" + row] = cipher.decrypt(*contact.email_ciphertext, {"customer", "email", row});
    if (contact.phone_ciphertext) contacts["p" + row] = cipher.decrypt(*contact.phone_ciphertext, {"customer", "phone", row});
  }
  return contacts;
}

TEST(KeysCli, RotateReencryptsEveryContactUnderTheNewKey) {
  tr1l::testing::TemporaryDirectory directory;
  const auto home = directory.path() / "home";
  const std::map<std::string, std::string> environment{{"TR1L_HOME", home.string()}, {"TR1L_DATABASE_URL", ""},
                                                      {"TR1L_KEYS", ""}, {"TR1L_KEY_FILE", ""}};
  auto seeded = run_process({TR1L_BINARY, "seed", "--users", "500", "--month", "2026-10"}, environment);
  ASSERT_EQ(seeded.exit_code, 0) << seeded.err;

  const auto key_file = adapters::keyfile::development_key_file(home);
  std::map<std::string, std::string> before;
  std::string old_key_id;
  {
    auto keys = adapters::keyfile::FileKeyRing::load_file(key_file);
    crypto::PiiCipher cipher(keys);
    adapters::sqlite::SqliteDatabase database((home / "tr1l.db").string());
    before = plaintext_contacts(database.customers(), cipher);
    old_key_id = keys.active_key().id;
  }
  ASSERT_GT(before.size(), 900u);

  auto rotated = run_process({TR1L_BINARY, "keys", "rotate"}, environment);
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;

  auto keys = adapters::keyfile::FileKeyRing::load_file(key_file);
  ASSERT_NE(keys.active_key().id, old_key_id);
  ASSERT_NE(keys.find_key(old_key_id), nullptr) << "old keys stay readable";
  crypto::PiiCipher cipher(keys);
  adapters::sqlite::SqliteDatabase database((home / "tr1l.db").string());
  for (const auto& contact : database.customers().contact_page(std::numeric_limits<ports::UserId>::min(), 1'000'000)) {
    for (const auto* ciphertext : {&contact.email_ciphertext, &contact.phone_ciphertext}) {
      if (*ciphertext) {
        EXPECT_EQ(crypto::PiiCipher::key_id_of(**ciphertext), keys.active_key().id);
      }
    }
  }
  EXPECT_EQ(plaintext_contacts(database.customers(), cipher), before);
  // The output names the key id but never key material or contact values.
  EXPECT_EQ(rotated.out.find('@'), std::string::npos) << rotated.out;
}

}  // namespace
}  // namespace tr1l::app
