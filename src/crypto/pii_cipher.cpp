#include "crypto/pii_cipher.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstddef>
#include <memory>
#include <optional>
#include <utility>

namespace tr1l::crypto {
namespace {

constexpr unsigned char format_version = 1;
constexpr std::size_t key_bytes = 32;
constexpr std::size_t max_key_id_length = 32;
constexpr std::size_t nonce_length = 12;
constexpr std::size_t tag_length = 16;

struct CipherDeleter {
  void operator()(EVP_CIPHER* cipher) const { EVP_CIPHER_free(cipher); }
};
struct CipherContextDeleter {
  void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};
struct MacDeleter {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct MacContextDeleter {
  void operator()(EVP_MAC_CTX* context) const { EVP_MAC_CTX_free(context); }
};
using CipherPointer = std::unique_ptr<EVP_CIPHER, CipherDeleter>;
using CipherContextPointer = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;
using MacPointer = std::unique_ptr<EVP_MAC, MacDeleter>;
using MacContextPointer = std::unique_ptr<EVP_MAC_CTX, MacContextDeleter>;

// Explicit fetches happen once per process; an implicit fetch (EVP_aes_256_gcm() passed to each
// init) would look the algorithm up in the provider store, under its locks, on every call.
const EVP_CIPHER& aes_256_gcm() {
  static const CipherPointer cipher{EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr)};
  if (!cipher) throw CipherError("OpenSSL provides no AES-256-GCM implementation");
  return *cipher;
}

EVP_MAC& hmac() {
  static const MacPointer mac{EVP_MAC_fetch(nullptr, "HMAC", nullptr)};
  if (!mac) throw CipherError("OpenSSL provides no HMAC implementation");
  return *mac;
}

// One context per thread and direction keeps the const methods thread-safe without allocating a
// context for each of a million values. The cipher is bound once here; each call then sets only
// key and nonce, which skips tearing down and rebuilding the provider's state every time.
CipherContextPointer new_bound_context(bool encrypting) {
  CipherContextPointer context{EVP_CIPHER_CTX_new()};
  const int direction = encrypting ? 1 : 0;
  if (context && EVP_CipherInit_ex2(context.get(), &aes_256_gcm(), nullptr, nullptr, direction, nullptr) != 1) {
    context.reset();
  }
  return context;
}

EVP_CIPHER_CTX& thread_cipher_context(bool encrypting) {
  thread_local const CipherContextPointer encryptor = new_bound_context(true);
  thread_local const CipherContextPointer decryptor = new_bound_context(false);
  const CipherContextPointer& context = encrypting ? encryptor : decryptor;
  if (!context) throw CipherError("cannot set up an AES-256-GCM context");
  return *context;
}

EVP_MAC_CTX& thread_hmac_sha256_context() {
  thread_local MacContextPointer context = [] {
    MacContextPointer created{EVP_MAC_CTX_new(&hmac())};
    if (!created) return created;
    char digest_name[] = "SHA256";
    const OSSL_PARAM parameters[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                                     OSSL_PARAM_construct_end()};
    if (EVP_MAC_CTX_set_params(created.get(), parameters) != 1) created.reset();
    return created;
  }();
  if (!context) throw CipherError("cannot set up an HMAC-SHA256 context");
  return *context;
}

const unsigned char* bytes_of(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }
unsigned char* bytes_of(std::string& text) { return reinterpret_cast<unsigned char*>(text.data()); }

bool is_printable_ascii(char character) { return character > ' ' && character < 0x7f; }

// The parts of a structurally valid envelope, viewing into the caller's buffer.
struct Envelope {
  std::string_view key_id;
  std::string_view nonce;
  std::string_view sealed;  // ciphertext followed by the tag
};

std::optional<Envelope> split_envelope(std::string_view envelope) {
  if (envelope.size() < 2 || static_cast<unsigned char>(envelope[0]) != format_version) return std::nullopt;
  const std::size_t key_id_length = static_cast<unsigned char>(envelope[1]);
  if (key_id_length == 0 || key_id_length > max_key_id_length) return std::nullopt;
  if (envelope.size() < 2 + key_id_length + nonce_length + tag_length) return std::nullopt;
  Envelope parts;
  parts.key_id = envelope.substr(2, key_id_length);
  for (char character : parts.key_id) {
    if (!is_printable_ascii(character)) return std::nullopt;
  }
  parts.nonce = envelope.substr(2 + key_id_length, nonce_length);
  parts.sealed = envelope.substr(2 + key_id_length + nonce_length);
  return parts;
}

// '|' separates the fields of the associated data; allowing it inside table or column would let
// two different places produce the same associated data. The row is last, so it may hold anything.
std::string associated_data(const FieldBinding& binding) {
  if (binding.table.find('|') != std::string_view::npos || binding.column.find('|') != std::string_view::npos) {
    throw CipherError("table and column names bound to a ciphertext must not contain '|'");
  }
  std::string data;
  data.reserve(8 + binding.table.size() + binding.column.size() + binding.row.size() + 2);
  data.append("tr1l/v1|").append(binding.table).append("|").append(binding.column).append("|").append(binding.row);
  return data;
}

// "customer.email row 12": names where a value lives, never the value.
std::string place_of(const FieldBinding& binding) {
  std::string text;
  text.append(binding.table).append(".").append(binding.column).append(" row ").append(binding.row);
  return text;
}

[[noreturn]] void fail(std::string message) {
  // Leave no stale entries in this thread's OpenSSL error queue for unrelated code to trip over.
  ERR_clear_error();
  throw CipherError(std::move(message));
}

}  // namespace

std::string PiiCipher::encrypt(std::string_view plaintext, const FieldBinding& binding) const {
  const ports::EncryptionKey& key = keys_.active_key();
  if (key.bytes.size() != key_bytes) fail("active key '" + key.id + "' is not 32 bytes long");
  if (key.id.empty() || key.id.size() > max_key_id_length ||
      !std::all_of(key.id.begin(), key.id.end(), is_printable_ascii)) {
    fail("active key id is not 1-32 printable ASCII characters");
  }
  if (plaintext.size() > static_cast<std::size_t>(INT_MAX) - tag_length) {
    fail("value for " + place_of(binding) + " is too large to encrypt");
  }
  const std::string aad = associated_data(binding);

  const std::size_t header_length = 2 + key.id.size();
  std::string envelope(header_length + nonce_length + plaintext.size() + tag_length, '\0');
  envelope[0] = static_cast<char>(format_version);
  envelope[1] = static_cast<char>(key.id.size());
  envelope.replace(2, key.id.size(), key.id);
  unsigned char* nonce = bytes_of(envelope) + header_length;
  unsigned char* output = nonce + nonce_length;
  if (RAND_bytes(nonce, static_cast<int>(nonce_length)) != 1) fail("cannot draw a random nonce");

  EVP_CIPHER_CTX& context = thread_cipher_context(true);
  int written = 0;
  int final_written = 0;
  if (EVP_EncryptInit_ex2(&context, nullptr, bytes_of(key.bytes), nonce, nullptr) != 1 ||
      EVP_EncryptUpdate(&context, nullptr, &written, bytes_of(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(&context, output, &written, bytes_of(plaintext), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(&context, output + written, &final_written) != 1 ||
      EVP_CIPHER_CTX_ctrl(&context, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(tag_length),
                          output + plaintext.size()) != 1) {
    fail("AES-256-GCM encryption for " + place_of(binding) + " failed");
  }
  return envelope;
}

std::string PiiCipher::decrypt(std::string_view ciphertext, const FieldBinding& binding) const {
  const std::optional<Envelope> envelope = split_envelope(ciphertext);
  if (!envelope) fail("ciphertext for " + place_of(binding) + " is malformed");
  const ports::EncryptionKey* key = keys_.find_key(std::string(envelope->key_id));
  if (key == nullptr) {
    fail("ciphertext for " + place_of(binding) + " is under unknown key '" + std::string(envelope->key_id) + "'");
  }
  if (key->bytes.size() != key_bytes) fail("key '" + key->id + "' is not 32 bytes long");
  if (envelope->sealed.size() > static_cast<std::size_t>(INT_MAX)) {
    fail("ciphertext for " + place_of(binding) + " is too large");
  }
  const std::string aad = associated_data(binding);

  const std::size_t plaintext_length = envelope->sealed.size() - tag_length;
  std::string plaintext(plaintext_length, '\0');
  // The tag parameter is declared non-const by OpenSSL although it is only read.
  std::array<unsigned char, tag_length> tag{};
  std::copy_n(bytes_of(envelope->sealed) + plaintext_length, tag_length, tag.begin());

  EVP_CIPHER_CTX& context = thread_cipher_context(false);
  int written = 0;
  int final_written = 0;
  const bool authentic =
      EVP_DecryptInit_ex2(&context, nullptr, bytes_of(key->bytes), bytes_of(envelope->nonce), nullptr) == 1 &&
      EVP_DecryptUpdate(&context, nullptr, &written, bytes_of(aad), static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(&context, bytes_of(plaintext), &written, bytes_of(envelope->sealed),
                        static_cast<int>(plaintext_length)) == 1 &&
      EVP_CIPHER_CTX_ctrl(&context, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(tag_length), tag.data()) == 1 &&
      EVP_DecryptFinal_ex(&context, bytes_of(plaintext) + written, &final_written) == 1;
  if (!authentic) {
    // GCM releases plaintext before the tag is checked; do not leave unauthenticated bytes behind.
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    fail("ciphertext for " + place_of(binding) + " failed authentication");
  }
  return plaintext;
}

EnvelopeCheck PiiCipher::inspect(std::string_view ciphertext) const {
  const std::optional<Envelope> envelope = split_envelope(ciphertext);
  if (!envelope) return EnvelopeCheck::Malformed;
  if (keys_.find_key(std::string(envelope->key_id)) == nullptr) return EnvelopeCheck::UnknownKey;
  return EnvelopeCheck::Ok;
}

std::string PiiCipher::key_id_of(std::string_view ciphertext) {
  const std::optional<Envelope> envelope = split_envelope(ciphertext);
  return envelope ? std::string(envelope->key_id) : std::string();
}

std::string PiiCipher::blind_index(std::string_view column, std::string_view normalised_value) const {
  const std::string& key = keys_.blind_index_key();
  if (key.size() != key_bytes) fail("blind-index key is not 32 bytes long");
  EVP_MAC_CTX& context = thread_hmac_sha256_context();
  static constexpr unsigned char separator = '\0';
  std::string digest(32, '\0');
  std::size_t digest_length = 0;
  if (EVP_MAC_init(&context, bytes_of(key), key.size(), nullptr) != 1 ||
      EVP_MAC_update(&context, bytes_of(column), column.size()) != 1 ||
      EVP_MAC_update(&context, &separator, 1) != 1 ||
      EVP_MAC_update(&context, bytes_of(normalised_value), normalised_value.size()) != 1 ||
      EVP_MAC_final(&context, bytes_of(digest), &digest_length, digest.size()) != 1 || digest_length != 32) {
    fail("HMAC-SHA256 of a " + std::string(column) + " value failed");
  }
  return digest;
}

}  // namespace tr1l::crypto
