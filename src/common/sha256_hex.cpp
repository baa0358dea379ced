#include "common/sha256_hex.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace tr1l::common {

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &digest_length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 computation failed");
  }
  static constexpr char hex_digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(digest_length * 2);
  for (unsigned int index = 0; index < digest_length; ++index) {
    hex.push_back(hex_digits[digest[index] >> 4]);
    hex.push_back(hex_digits[digest[index] & 0x0f]);
  }
  return hex;
}

}  // namespace tr1l::common
