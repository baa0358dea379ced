#include "common/sha256_hex.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace tr1l::common {
namespace {

struct DigestDeleter {
  void operator()(EVP_MD* digest) const { EVP_MD_free(digest); }
};

// Fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up again on every digest, which
// cost a quarter of the hashing that delivery does for each invoice it verifies.
const EVP_MD* sha256_algorithm() {
  static const std::unique_ptr<EVP_MD, DigestDeleter> algorithm(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  if (!algorithm) throw std::runtime_error("SHA-256 is not available from OpenSSL");
  return algorithm.get();
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &digest_length, sha256_algorithm(), nullptr) != 1) {
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
