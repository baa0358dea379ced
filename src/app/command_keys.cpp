// tr1l keys rotate.
#include <spdlog/spdlog.h>

#include <iostream>

#include "adapters/keyfile/file_key_ring.h"
#include "app/backends.h"
#include "app/commands.h"
#include "crypto/contact_reencryption.h"

namespace tr1l::app {

int command_rotate_keys(const Config& config) {
  if (config.keys_from_environment) {
    throw ConfigError(
        "the key ring comes from TR1L_KEYS, which tr1l cannot rewrite; rotate it with a key file "
        "(TR1L_KEY_FILE) or update the variable's text and run `tr1l keys rotate` against that file");
  }
  // Make sure the ring exists (a development ring is created on first use), then rotate the file.
  load_keys(config);
  const auto path = config.key_file.value_or(adapters::keyfile::development_key_file(config.home));
  const std::string new_key_id = adapters::keyfile::FileKeyRing::rotate_file(path);
  spdlog::info("keys rotate: new active key id={}", new_key_id);

  const auto keys = load_keys(config);
  const crypto::PiiCipher cipher(*keys);
  auto database = database_factory(config)();
  const auto summary = crypto::reencrypt_contacts(database->customers(), cipher, new_key_id);
  std::cout << "keys rotate: active key is now " << new_key_id << "; re-encrypted " << summary.values_reencrypted
            << " contact values of " << summary.customers_seen << " customers\n";
  return 0;
}

}  // namespace tr1l::app
