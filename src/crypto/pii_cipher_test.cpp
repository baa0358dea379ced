#include "crypto/pii_cipher.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace tr1l::crypto {
namespace {

std::string from_hex(std::string_view hex) {
  std::string bytes;
  for (std::size_t index = 0; index + 1 < hex.size(); index += 2) {
    bytes += static_cast<char>(std::stoi(std::string(hex.substr(index, 2)), nullptr, 16));
  }
  return bytes;
}

std::string counting_bytes(unsigned char first) {
  std::string bytes(32, '\0');
  for (std::size_t index = 0; index < bytes.size(); ++index) bytes[index] = static_cast<char>(first + index);
  return bytes;
}

class TestKeyRing : public ports::KeyRing {
 public:
  TestKeyRing(std::vector<ports::EncryptionKey> keys, std::string active_id, std::string blind_index_key)
      : keys_(std::move(keys)), active_id_(std::move(active_id)), blind_index_key_(std::move(blind_index_key)) {}
  const ports::EncryptionKey& active_key() const override { return *find_key(active_id_); }
  const ports::EncryptionKey* find_key(const std::string& id) const override {
    for (const auto& key : keys_) {
      if (key.id == id) return &key;
    }
    return nullptr;
  }
  std::vector<std::string> key_ids() const override {
    std::vector<std::string> ids;
    for (const auto& key : keys_) ids.push_back(key.id);
    return ids;
  }
  const std::string& blind_index_key() const override { return blind_index_key_; }

 private:
  std::vector<ports::EncryptionKey> keys_;
  std::string active_id_;
  std::string blind_index_key_;
};

const ports::EncryptionKey first_key{"k1", counting_bytes(0)};
const ports::EncryptionKey second_key{"k2026a", counting_bytes(100)};
const std::string blind_key(32, '\x5a');

const FieldBinding customer_email{"customer", "email", "12"};

TEST(PiiCipher, RoundTripsValues) {
  TestKeyRing ring({first_key}, "k1", blind_key);
  PiiCipher cipher(ring);
  const std::vector<std::string> values = {"alice@example.com", "010-1234-5678", "", "김민준 <minjun@예시.kr>",
                                           std::string(5000, 'x'), std::string("nul\0inside", 10)};
  for (const std::string& value : values) {
    const std::string sealed = cipher.encrypt(value, customer_email);
    EXPECT_EQ(cipher.decrypt(sealed, customer_email), value);
  }
}

TEST(PiiCipher, WritesTheDocumentedEnvelope) {
  TestKeyRing ring({second_key}, "k2026a", blind_key);
  PiiCipher cipher(ring);
  const std::string value = "alice@example.com";
  const std::string sealed = cipher.encrypt(value, customer_email);
  ASSERT_EQ(sealed.size(), 2 + 6 + 12 + value.size() + 16);
  EXPECT_EQ(sealed[0], 1);
  EXPECT_EQ(sealed[1], 6);
  EXPECT_EQ(sealed.substr(2, 6), "k2026a");
  EXPECT_EQ(sealed.find(value), std::string::npos);
  EXPECT_EQ(PiiCipher::key_id_of(sealed), "k2026a");
}

// Produced independently with Python's `cryptography` AESGCM: key 00..1f, nonce a0..ab,
// associated data "tr1l/v1|customer|email|42".
TEST(PiiCipher, DecryptsAKnownAnswerFromAnIndependentImplementation) {
  TestKeyRing ring({first_key}, "k1", blind_key);
  PiiCipher cipher(ring);
  const std::string sealed = from_hex(
      "01026b31a0a1a2a3a4a5a6a7a8a9aaab8774154e208b67c70308f7bf6254a3b11d875d0f7f01ad63a8d4248765da0ee9d2");
  EXPECT_EQ(cipher.decrypt(sealed, {"customer", "email", "42"}), "alice@example.com");
  EXPECT_THROW(cipher.decrypt(sealed, {"customer", "email", "43"}), CipherError);
}

TEST(PiiCipher, UsesAFreshNonceEveryTime) {
  TestKeyRing ring({first_key}, "k1", blind_key);
  PiiCipher cipher(ring);
  std::set<std::string> nonces;
  std::set<std::string> envelopes;
  for (int round = 0; round < 200; ++round) {
    const std::string sealed = cipher.encrypt("same value", customer_email);
    nonces.insert(sealed.substr(2 + 2, 12));
    envelopes.insert(sealed);
  }
  EXPECT_EQ(nonces.size(), 200u);
  EXPECT_EQ(envelopes.size(), 200u);
}

TEST(PiiCipher, BindsTheCiphertextToTableColumnAndRow) {
  TestKeyRing ring({first_key}, "k1", blind_key);
  PiiCipher cipher(ring);
  const std::string sealed = cipher.encrypt("alice@example.com", {"customer", "email", "12"});
  EXPECT_THROW(cipher.decrypt(sealed, {"customer", "email", "13"}), CipherError);
  EXPECT_THROW(cipher.decrypt(sealed, {"customer", "phone", "12"}), CipherError);
  EXPECT_THROW(cipher.decrypt(sealed, {"invoice_target", "email", "12"}), CipherError);
  EXPECT_THROW(cipher.decrypt(sealed, {"customer", "email", "12 "}), CipherError);
  EXPECT_EQ(cipher.decrypt(sealed, {"customer", "email", "12"}), "alice@example.com");
}

TEST(PiiCipher, RejectsSeparatorsInTableOrColumnNames) {
  TestKeyRing ring({first_key}, "k1", blind_key);
  PiiCipher cipher(ring);
  EXPECT_THROW(cipher.encrypt("x", {"customer|email", "x", "1"}), CipherError);
  EXPECT_THROW(cipher.encrypt("x", {"customer", "email|1", "1"}), CipherError);
  // The row is the last field, so it may contain anything.
  const std::string sealed = cipher.encrypt("x", {"customer", "email", "1|2"});
  EXPECT_EQ(cipher.decrypt(sealed, {"customer", "email", "1|2"}), "x");
}

TEST(PiiCipher, AnyFlippedBitFailsWithCipherError) {
  TestKeyRing ring({first_key, second_key}, "k1", blind_key);
  PiiCipher cipher(ring);
  const std::string sealed = cipher.encrypt("alice@example.com", customer_email);
  for (std::size_t index = 0; index < sealed.size(); ++index) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = sealed;
      damaged[index] = static_cast<char>(damaged[index] ^ (1 << bit));
      EXPECT_THROW(cipher.decrypt(damaged, customer_email), CipherError) << "byte " << index << " bit " << bit;
    }
  }
}

TEST(PiiCipher, TruncatedOrExtendedCiphertextFails) {
  TestKeyRing ring({first_key}, "k1", blind_key);
  PiiCipher cipher(ring);
  const std::string sealed = cipher.encrypt("alice@example.com", customer_email);
  for (std::size_t length = 0; length < sealed.size(); ++length) {
    EXPECT_THROW(cipher.decrypt(sealed.substr(0, length), customer_email), CipherError) << "length " << length;
  }
  EXPECT_THROW(cipher.decrypt(sealed + "x", customer_email), CipherError);
}

TEST(PiiCipher, UnknownKeyIsReportedByInspectAndDecrypt) {
  TestKeyRing writer({second_key}, "k2026a", blind_key);
  TestKeyRing reader({first_key}, "k1", blind_key);
  const std::string sealed = PiiCipher(writer).encrypt("alice@example.com", customer_email);
  PiiCipher cipher(reader);
  EXPECT_EQ(cipher.inspect(sealed), EnvelopeCheck::UnknownKey);
  try {
    cipher.decrypt(sealed, customer_email);
    FAIL() << "decrypt under an unknown key succeeded";
  } catch (const CipherError& error) {
    EXPECT_STREQ(error.what(), "ciphertext for customer.email row 12 is under unknown key 'k2026a'");
  }
}

TEST(PiiCipher, InspectChecksStructureWithoutDecrypting) {
  TestKeyRing ring({first_key}, "k1", blind_key);
  PiiCipher cipher(ring);
  const std::string sealed = cipher.encrypt("alice@example.com", customer_email);
  EXPECT_EQ(cipher.inspect(sealed), EnvelopeCheck::Ok);
  EXPECT_EQ(cipher.inspect(cipher.encrypt("", customer_email)), EnvelopeCheck::Ok);
  // A damaged tag is not a structural problem; only decrypt can tell.
  std::string damaged_tag = sealed;
  damaged_tag.back() = static_cast<char>(damaged_tag.back() ^ 1);
  EXPECT_EQ(cipher.inspect(damaged_tag), EnvelopeCheck::Ok);

  EXPECT_EQ(cipher.inspect(""), EnvelopeCheck::Malformed);
  EXPECT_EQ(cipher.inspect("\x01"), EnvelopeCheck::Malformed);
  std::string wrong_version = sealed;
  wrong_version[0] = 2;
  EXPECT_EQ(cipher.inspect(wrong_version), EnvelopeCheck::Malformed);
  std::string zero_length_id = sealed;
  zero_length_id[1] = 0;
  EXPECT_EQ(cipher.inspect(zero_length_id), EnvelopeCheck::Malformed);
  std::string long_id = sealed;
  long_id[1] = 33;
  EXPECT_EQ(cipher.inspect(long_id), EnvelopeCheck::Malformed);
  std::string unprintable_id = sealed;
  unprintable_id[2] = '\n';
  EXPECT_EQ(cipher.inspect(unprintable_id), EnvelopeCheck::Malformed);
  EXPECT_EQ(PiiCipher::key_id_of(unprintable_id), "");
  // Header, nonce and tag but one byte short.
  EXPECT_EQ(cipher.inspect(sealed.substr(0, 2 + 2 + 12 + 15)), EnvelopeCheck::Malformed);
  EXPECT_EQ(cipher.inspect(sealed.substr(0, 2 + 2 + 12 + 16)), EnvelopeCheck::Ok);
  EXPECT_EQ(PiiCipher::key_id_of(""), "");
  EXPECT_EQ(PiiCipher::key_id_of(sealed), "k1");
}

TEST(PiiCipher, ValuesUnderAnOldKeyStillDecryptAfterRotation) {
  TestKeyRing before({first_key}, "k1", blind_key);
  const std::string old_value = PiiCipher(before).encrypt("alice@example.com", customer_email);

  TestKeyRing after({second_key, first_key}, "k2026a", blind_key);
  PiiCipher cipher(after);
  EXPECT_EQ(cipher.decrypt(old_value, customer_email), "alice@example.com");
  const std::string new_value = cipher.encrypt("alice@example.com", customer_email);
  EXPECT_EQ(PiiCipher::key_id_of(new_value), "k2026a");
  EXPECT_EQ(cipher.decrypt(new_value, customer_email), "alice@example.com");
  EXPECT_THROW(PiiCipher(before).decrypt(new_value, customer_email), CipherError);
}

TEST(PiiCipher, ErrorMessagesNameThePlaceButNeverTheValueOrKey) {
  TestKeyRing ring({first_key}, "k1", blind_key);
  PiiCipher cipher(ring);
  const std::string secret = "very-secret-person@example.com";
  std::string sealed = cipher.encrypt(secret, customer_email);
  sealed[20] = static_cast<char>(sealed[20] ^ 0x40);
  try {
    cipher.decrypt(sealed, customer_email);
    FAIL() << "damaged ciphertext decrypted";
  } catch (const CipherError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message, "ciphertext for customer.email row 12 failed authentication");
    EXPECT_EQ(message.find("secret"), std::string::npos);
    EXPECT_EQ(message.find(first_key.bytes), std::string::npos);
  }
  try {
    cipher.decrypt("\x07garbage", {"customer", "phone", "99"});
    FAIL() << "garbage decrypted";
  } catch (const CipherError& error) {
    EXPECT_STREQ(error.what(), "ciphertext for customer.phone row 99 is malformed");
  }
}

TEST(PiiCipher, RefusesAnActiveKeyOfTheWrongLength) {
  TestKeyRing ring({{"short", std::string(16, 'k')}}, "short", blind_key);
  EXPECT_THROW(PiiCipher(ring).encrypt("x", customer_email), CipherError);
}

TEST(PiiCipher, IsSafeToShareBetweenThreads) {
  TestKeyRing ring({first_key, second_key}, "k2026a", blind_key);
  const PiiCipher cipher(ring);
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int worker = 0; worker < 4; ++worker) {
    threads.emplace_back([&, worker] {
      for (int round = 0; round < 500; ++round) {
        const std::string row = std::to_string(worker * 1000 + round);
        const std::string value = "user" + row + "@example.com";
        const FieldBinding binding{"customer", "email", row};
        const std::string sealed = cipher.encrypt(value, binding);
        if (cipher.decrypt(sealed, binding) != value) ++failures[worker];
        if (cipher.blind_index("email", value) != cipher.blind_index("email", value)) ++failures[worker];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

// Expected values from Python's hmac module: HMAC-SHA256(0x5a * 32, column + "\0" + value).
TEST(PiiCipher, BlindIndexIsHmacSha256OfColumnAndValue) {
  TestKeyRing ring({first_key}, "k1", blind_key);
  PiiCipher cipher(ring);
  EXPECT_EQ(cipher.blind_index("email", "alice@example.com"),
            from_hex("d6e389e0e064294bce872d2576e026aa0be0fbdc08a8a5c1ddbf310569e201b8"));
  EXPECT_EQ(cipher.blind_index("phone", "010-1234-5678"),
            from_hex("08576b4c867e73a2dd21bbb43866e8936c43541e397344c07845cca1251bbe88"));
}

TEST(PiiCipher, BlindIndexIsDeterministicAndSeparatesColumnsAndKeys) {
  TestKeyRing ring({first_key}, "k1", blind_key);
  PiiCipher cipher(ring);
  const std::string index = cipher.blind_index("email", "alice@example.com");
  EXPECT_EQ(index.size(), 32u);
  EXPECT_EQ(cipher.blind_index("email", "alice@example.com"), index);
  EXPECT_NE(cipher.blind_index("phone", "alice@example.com"), index);
  EXPECT_NE(cipher.blind_index("email", "alice@example.co"), index);
  // The separator keeps "ab" + "c" apart from "a" + "bc".
  EXPECT_NE(cipher.blind_index("ab", "c"), cipher.blind_index("a", "bc"));

  TestKeyRing other_blind_key({first_key}, "k1", std::string(32, '\x5b'));
  EXPECT_NE(PiiCipher(other_blind_key).blind_index("email", "alice@example.com"), index);
  // Rotating the encryption key must not move lookups.
  TestKeyRing rotated({second_key, first_key}, "k2026a", blind_key);
  EXPECT_EQ(PiiCipher(rotated).blind_index("email", "alice@example.com"), index);
}

}  // namespace
}  // namespace tr1l::crypto
