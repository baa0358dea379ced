#include "adapters/keyfile/file_key_ring.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "crypto/pii_cipher.h"

namespace tr1l::adapters::keyfile {
namespace {

namespace fs = std::filesystem;

// base64 of 32 bytes 0x00..0x1f, 32 bytes 0x20..0x3f and 32 bytes of 0x5a.
constexpr const char* first_key_base64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
constexpr const char* second_key_base64 = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
constexpr const char* blind_key_base64 = "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo=";

std::string counting_bytes(unsigned char first) {
  std::string bytes(32, '\0');
  for (std::size_t index = 0; index < bytes.size(); ++index) bytes[index] = static_cast<char>(first + index);
  return bytes;
}

std::string good_file() {
  return std::string("# TR1L key ring. Keep this file secret (mode 0600).\n") + "active = k2026a\n" +
         "key.k2026a = " + first_key_base64 + "\n" + "key.k2025b = " + second_key_base64 + "\n" +
         "blind_index = " + blind_key_base64 + "\n";
}

// The message of the KeyFileError that parsing the text throws, or "" when it parses.
std::string parse_error(const std::string& text, const char* source = "test.keys") {
  try {
    FileKeyRing::parse(text, source);
  } catch (const KeyFileError& error) {
    return error.what();
  }
  return "";
}

class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    std::string name_template = (fs::temp_directory_path() / "tr1l-key-ring-test-XXXXXX").string();
    if (::mkdtemp(name_template.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = name_template;
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  ~TemporaryDirectory() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

unsigned permissions_of(const fs::path& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return 0;
  return status.st_mode & 07777;
}

std::string read_text(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

std::vector<std::string> directory_listing(const fs::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(FileKeyRing, ParsesAWellFormedFile) {
  const FileKeyRing ring = FileKeyRing::parse(good_file(), "test.keys");
  EXPECT_EQ(ring.active_key().id, "k2026a");
  EXPECT_EQ(ring.active_key().bytes, counting_bytes(0));
  EXPECT_EQ(ring.key_ids(), (std::vector<std::string>{"k2026a", "k2025b"}));
  ASSERT_NE(ring.find_key("k2025b"), nullptr);
  EXPECT_EQ(ring.find_key("k2025b")->bytes, counting_bytes(0x20));
  EXPECT_EQ(ring.find_key("k2024"), nullptr);
  EXPECT_EQ(ring.blind_index_key(), std::string(32, '\x5a'));
  EXPECT_EQ(ring.source_description(), "test.keys");
}

TEST(FileKeyRing, AcceptsEnvironmentStyleSemicolonsBlanksCommentsAndCarriageReturns) {
  const std::string one_line = std::string("active=k2025b; key.k2026a=") + first_key_base64 + " ;key.k2025b = " +
                               second_key_base64 + ";;blind_index=" + blind_key_base64 + ";";
  const FileKeyRing ring = FileKeyRing::parse(one_line, "TR1L_KEYS");
  EXPECT_EQ(ring.active_key().id, "k2025b");
  EXPECT_EQ(ring.active_key().bytes, counting_bytes(0x20));
  EXPECT_EQ(ring.key_ids(), (std::vector<std::string>{"k2026a", "k2025b"}));

  const std::string windows_file = "\r\n  # comment; with a semicolon\r\nactive = k1\r\n\tkey.k1 = " +
                                   std::string(first_key_base64) + "  \r\n# trailing\r\nblind_index = " +
                                   blind_key_base64 + "\r\n";
  const FileKeyRing from_windows = FileKeyRing::parse(windows_file, "test.keys");
  EXPECT_EQ(from_windows.active_key().bytes, counting_bytes(0));
}

TEST(FileKeyRing, ReportsUnknownDirectivesByLine) {
  EXPECT_EQ(parse_error(good_file() + "colour = blue\n"), "test.keys line 6: unknown directive 'colour'");
  EXPECT_EQ(parse_error("active = k1;keys.k1 = x"), "test.keys line 1 entry 2: unknown directive 'keys.k1'");
}

TEST(FileKeyRing, NeverEchoesKeyMaterialInErrors) {
  // A key pasted on a line of its own: its '=' padding makes it look like "name =".
  const std::string pasted = good_file() + second_key_base64 + "\n";
  const std::string pasted_error = parse_error(pasted);
  EXPECT_EQ(pasted_error, "test.keys line 6: unknown directive");
  const std::string unpadded_key = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8x";
  EXPECT_EQ(parse_error(good_file() + unpadded_key + "\n"), "test.keys line 6: expected 'name = value'");

  const std::string bad_value = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9P!8=";
  const std::string value_error = parse_error(good_file() + "key.k3 = " + bad_value + "\n");
  EXPECT_EQ(value_error, "test.keys line 6: key 'k3' is not valid base64");
  for (const std::string& error : {pasted_error, value_error}) {
    EXPECT_EQ(error.find("ICEiIyQl"), std::string::npos) << error;
  }
}

TEST(FileKeyRing, RejectsBadBase64) {
  const std::string head = "active = k1\nblind_index = " + std::string(blind_key_base64) + "\n";
  EXPECT_EQ(parse_error(head + "key.k1 = AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n"),
            "test.keys line 3: key 'k1' is not valid base64");  // padding missing
  EXPECT_EQ(parse_error(head + "key.k1 = AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh=8\n"),
            "test.keys line 3: key 'k1' is not valid base64");  // '=' inside
  EXPECT_EQ(parse_error(head + "key.k1 = AAECAwQFBgcICQoLDA0O DxAREhMUFRYXGBkaGxwdHh8=\n"),
            "test.keys line 3: key 'k1' is not valid base64");  // blank inside
  EXPECT_EQ(parse_error(head + "key.k1 =\n"), "test.keys line 3: key 'k1' is not valid base64");
  EXPECT_EQ(parse_error(std::string("active = k1\nkey.k1 = ") + first_key_base64 + "\nblind_index = A===\n"),
            "test.keys line 3: blind_index key is not valid base64");
}

TEST(FileKeyRing, RejectsKeysOfTheWrongLengthWhateverThePadding) {
  const std::string head = "active = k1\nblind_index = " + std::string(blind_key_base64) + "\n";
  // 16 bytes, 31 bytes ("==" padding) and 33 bytes (no padding).
  EXPECT_EQ(parse_error(head + "key.k1 = AAECAwQFBgcICQoLDA0ODw==\n"),
            "test.keys line 3: key 'k1' must be 32 bytes, not 16");
  EXPECT_EQ(parse_error(head + "key.k1 = AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n"),
            "test.keys line 3: key 'k1' must be 32 bytes, not 31");
  EXPECT_EQ(parse_error(head + "key.k1 = AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\n"),
            "test.keys line 3: key 'k1' must be 32 bytes, not 33");
  const std::string short_blind_index = "\nblind_index = AAECAwQFBgcICQoLDA0ODw==\n";
  EXPECT_EQ(parse_error(std::string("active = k1\nkey.k1 = ") + first_key_base64 + short_blind_index),
            "test.keys line 3: blind_index key must be 32 bytes, not 16");
}

TEST(FileKeyRing, RequiresActiveAndBlindIndexEntries) {
  const std::string key_line = std::string("key.k1 = ") + first_key_base64 + "\n";
  const std::string blind_line = std::string("blind_index = ") + blind_key_base64 + "\n";
  EXPECT_EQ(parse_error(key_line + blind_line), "test.keys: no 'active' entry naming the key to encrypt with");
  EXPECT_EQ(parse_error("active = k1\n" + key_line), "test.keys: no 'blind_index' entry");
  EXPECT_EQ(parse_error("", "TR1L_KEYS"), "TR1L_KEYS: no 'active' entry naming the key to encrypt with");
  EXPECT_EQ(parse_error("# nothing here\n"), "test.keys: no 'active' entry naming the key to encrypt with");
}

TEST(FileKeyRing, RequiresTheActiveKeyToBeDefined) {
  const std::string text =
      std::string("active = k9\nkey.k1 = ") + first_key_base64 + "\nblind_index = " + blind_key_base64;
  EXPECT_EQ(parse_error(text), "test.keys line 1: active key 'k9' is not defined by a key.k9 entry");
}

TEST(FileKeyRing, RejectsDuplicates) {
  EXPECT_EQ(parse_error(good_file() + "key.k2025b = " + first_key_base64 + "\n"),
            "test.keys line 6: duplicate key id 'k2025b'");
  EXPECT_EQ(parse_error(good_file() + "active = k2025b\n"), "test.keys line 6: duplicate 'active' entry");
  EXPECT_EQ(parse_error(good_file() + "blind_index = " + blind_key_base64 + "\n"),
            "test.keys line 6: duplicate 'blind_index' entry");
}

TEST(FileKeyRing, RestrictsKeyIds) {
  const std::string tail = std::string(" = ") + first_key_base64 + "\n";
  const std::string id_rule = "key id must be 1-32 characters of A-Z a-z 0-9 _ -";
  EXPECT_EQ(parse_error(good_file() + "key." + tail), "test.keys line 6: " + id_rule);
  EXPECT_EQ(parse_error(good_file() + "key.k/1" + tail), "test.keys line 6: " + id_rule);
  EXPECT_EQ(parse_error(good_file() + "key.k\xC3\xA9" + tail), "test.keys line 6: " + id_rule);
  EXPECT_EQ(parse_error(good_file() + "key." + std::string(33, 'a') + tail), "test.keys line 6: " + id_rule);
  EXPECT_EQ(parse_error(good_file() + "key." + std::string(32, 'a') + tail), "");
  EXPECT_EQ(parse_error(good_file() + "key.Az09_-" + tail), "");
  EXPECT_EQ(parse_error("active = k 1\n"),
            "test.keys line 1: active key id must be 1-32 characters of A-Z a-z 0-9 _ -");
}

TEST(FileKeyRing, TextRoundTrips) {
  const FileKeyRing ring = FileKeyRing::parse(good_file(), "test.keys");
  const FileKeyRing again = FileKeyRing::parse(ring.to_text(), "again");
  EXPECT_EQ(again.key_ids(), ring.key_ids());
  EXPECT_EQ(again.active_key().id, "k2026a");
  for (const std::string& id : ring.key_ids()) EXPECT_EQ(again.find_key(id)->bytes, ring.find_key(id)->bytes);
  EXPECT_EQ(again.blind_index_key(), ring.blind_index_key());
}

TEST(FileKeyRing, LoadFileReportsAMissingFile) {
  TemporaryDirectory directory;
  const fs::path missing = directory.path() / "absent.keys";
  try {
    FileKeyRing::load_file(missing);
    FAIL() << "loaded a missing file";
  } catch (const KeyFileError& error) {
    EXPECT_EQ(std::string(error.what()), "cannot open key file " + missing.string() + ": No such file or directory");
  }
}

TEST(FileKeyRing, LoadFileNamesTheFileInParseErrors) {
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "broken.keys";
  std::ofstream(path) << "active = k1\nnonsense here\n";
  try {
    FileKeyRing::load_file(path);
    FAIL() << "loaded a broken file";
  } catch (const KeyFileError& error) {
    EXPECT_EQ(std::string(error.what()), path.string() + " line 2: expected 'name = value'");
  }
}

TEST(FileKeyRing, CreatesADevelopmentFileWithMode0600) {
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "nested" / "keys" / "dev.keys";
  FileKeyRing::create_development_file(path);
  EXPECT_EQ(permissions_of(path), 0600u);
  const FileKeyRing ring = FileKeyRing::load_file(path);
  ASSERT_EQ(ring.key_ids().size(), 1u);
  EXPECT_TRUE(std::regex_match(ring.active_key().id, std::regex("k20[0-9]{6}-[0-9a-f]{6}"))) << ring.active_key().id;
  EXPECT_EQ(ring.active_key().bytes.size(), 32u);
  EXPECT_EQ(ring.blind_index_key().size(), 32u);
  EXPECT_NE(ring.active_key().bytes, ring.blind_index_key());
  EXPECT_EQ(directory_listing(path.parent_path()), (std::vector<std::string>{"dev.keys", "dev.keys.lock"}));
}

TEST(FileKeyRing, DevelopmentFilesGetDifferentKeys) {
  TemporaryDirectory directory;
  FileKeyRing::create_development_file(directory.path() / "a.keys");
  FileKeyRing::create_development_file(directory.path() / "b.keys");
  const FileKeyRing first = FileKeyRing::load_file(directory.path() / "a.keys");
  const FileKeyRing second = FileKeyRing::load_file(directory.path() / "b.keys");
  EXPECT_NE(first.active_key().bytes, second.active_key().bytes);
  EXPECT_NE(first.blind_index_key(), second.blind_index_key());
}

TEST(FileKeyRing, RefusesToOverwriteAnExistingFile) {
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "dev.keys";
  FileKeyRing::create_development_file(path);
  const std::string before = read_text(path);
  try {
    FileKeyRing::create_development_file(path);
    FAIL() << "overwrote an existing key file";
  } catch (const KeyFileError& error) {
    EXPECT_EQ(std::string(error.what()), "key file " + path.string() + " already exists; refusing to overwrite it");
  }
  EXPECT_EQ(read_text(path), before);
  EXPECT_EQ(directory_listing(directory.path()), (std::vector<std::string>{"dev.keys", "dev.keys.lock"}));
}

TEST(FileKeyRing, RotationAddsAnActiveKeyAndKeepsTheOldOnes) {
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "ring.keys";
  std::ofstream(path) << good_file();
  // Start world-readable to show that rotation puts the mode back to 0600.
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                            fs::perms::others_read);

  const std::string new_id = FileKeyRing::rotate_file(path);
  EXPECT_TRUE(std::regex_match(new_id, std::regex("k20[0-9]{6}-[0-9a-f]{6}"))) << new_id;
  EXPECT_EQ(permissions_of(path), 0600u);
  // No temporary file is left behind.
  EXPECT_EQ(directory_listing(directory.path()), (std::vector<std::string>{"ring.keys", "ring.keys.lock"}));

  const FileKeyRing rotated = FileKeyRing::load_file(path);
  EXPECT_EQ(rotated.active_key().id, new_id);
  EXPECT_EQ(rotated.key_ids(), (std::vector<std::string>{new_id, "k2026a", "k2025b"}));
  EXPECT_EQ(rotated.find_key("k2026a")->bytes, counting_bytes(0));
  EXPECT_EQ(rotated.find_key("k2025b")->bytes, counting_bytes(0x20));
  EXPECT_NE(rotated.active_key().bytes, counting_bytes(0));
  EXPECT_EQ(rotated.blind_index_key(), std::string(32, '\x5a'));

  const std::string newer_id = FileKeyRing::rotate_file(path);
  EXPECT_NE(newer_id, new_id);
  const FileKeyRing twice = FileKeyRing::load_file(path);
  EXPECT_EQ(twice.key_ids(), (std::vector<std::string>{newer_id, new_id, "k2026a", "k2025b"}));
  EXPECT_EQ(twice.find_key(new_id)->bytes, rotated.active_key().bytes);
}

TEST(FileKeyRing, ConcurrentRotationsLoseNoKey) {
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "ring.keys";
  std::ofstream(path) << good_file();
  std::vector<std::vector<std::string>> ids_by_worker(4);
  std::vector<std::thread> workers;
  for (auto& ids : ids_by_worker) {
    workers.emplace_back([&path, &ids] {
      for (int round = 0; round < 5; ++round) ids.push_back(FileKeyRing::rotate_file(path));
    });
  }
  for (std::thread& worker : workers) worker.join();
  const FileKeyRing ring = FileKeyRing::load_file(path);
  EXPECT_EQ(ring.key_ids().size(), 2u + 4 * 5);
  for (const auto& ids : ids_by_worker) {
    for (const std::string& id : ids) EXPECT_NE(ring.find_key(id), nullptr) << id;
  }
}

TEST(FileKeyRing, RotationOfABrokenFileChangesNothing) {
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "ring.keys";
  const std::string broken = "active = k1\n";
  std::ofstream(path) << broken;
  EXPECT_THROW(FileKeyRing::rotate_file(path), KeyFileError);
  EXPECT_EQ(read_text(path), broken);
  EXPECT_THROW(FileKeyRing::rotate_file(directory.path() / "absent.keys"), KeyFileError);
}

TEST(FileKeyRing, ValuesEncryptedBeforeRotationStillDecrypt) {
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "dev.keys";
  FileKeyRing::create_development_file(path);
  const crypto::FieldBinding binding{"customer", "email", "7"};
  const FileKeyRing before = FileKeyRing::load_file(path);
  const std::string old_value = crypto::PiiCipher(before).encrypt("alice@example.com", binding);
  const std::string old_index = crypto::PiiCipher(before).blind_index("email", "alice@example.com");

  FileKeyRing::rotate_file(path);
  const FileKeyRing after = FileKeyRing::load_file(path);
  const crypto::PiiCipher cipher(after);
  EXPECT_EQ(cipher.decrypt(old_value, binding), "alice@example.com");
  EXPECT_EQ(crypto::PiiCipher::key_id_of(cipher.encrypt("x", binding)), after.active_key().id);
  EXPECT_NE(after.active_key().id, before.active_key().id);
  EXPECT_EQ(cipher.blind_index("email", "alice@example.com"), old_index);
}

TEST(LoadKeyRing, PrefersTheEnvironmentThenTheKeyFile) {
  TemporaryDirectory directory;
  const fs::path key_file = directory.path() / "ring.keys";
  std::ofstream(key_file) << good_file();
  const std::string environment = std::string("active=env1;key.env1=") + second_key_base64 + ";blind_index=" +
                                  blind_key_base64;
  bool created = true;

  const auto from_environment = load_key_ring({environment, key_file, directory.path()}, &created);
  EXPECT_EQ(from_environment->active_key().id, "env1");
  EXPECT_EQ(from_environment->source_description(), "TR1L_KEYS");
  EXPECT_FALSE(created);

  created = true;
  const auto from_file = load_key_ring({std::nullopt, key_file, directory.path()}, &created);
  EXPECT_EQ(from_file->active_key().id, "k2026a");
  EXPECT_EQ(from_file->source_description(), key_file.string());
  EXPECT_FALSE(created);
  EXPECT_FALSE(fs::exists(development_key_file(directory.path())));
}

TEST(LoadKeyRing, AnEmptyEnvironmentValueIsAnErrorNotADevelopmentKey) {
  TemporaryDirectory directory;
  try {
    load_key_ring({std::string(""), std::nullopt, directory.path()});
    FAIL() << "an empty TR1L_KEYS was accepted";
  } catch (const KeyFileError& error) {
    EXPECT_EQ(std::string(error.what()), "TR1L_KEYS: no 'active' entry naming the key to encrypt with");
  }
  EXPECT_FALSE(fs::exists(development_key_file(directory.path())));
}

TEST(LoadKeyRing, CreatesTheDevelopmentFileOnFirstUseOnly) {
  TemporaryDirectory directory;
  const fs::path home = directory.path() / "tr1l-data";
  EXPECT_EQ(development_key_file(home), home / "keys" / "dev.keys");

  bool created = false;
  const auto first = load_key_ring({std::nullopt, std::nullopt, home}, &created);
  EXPECT_TRUE(created);
  EXPECT_EQ(permissions_of(home / "keys" / "dev.keys"), 0600u);
  EXPECT_EQ(first->source_description(), (home / "keys" / "dev.keys").string());

  const auto second = load_key_ring({std::nullopt, std::nullopt, home}, &created);
  EXPECT_FALSE(created);
  EXPECT_EQ(second->active_key().id, first->active_key().id);
  EXPECT_EQ(second->active_key().bytes, first->active_key().bytes);
  EXPECT_EQ(second->blind_index_key(), first->blind_index_key());
  EXPECT_NO_THROW(load_key_ring({std::nullopt, std::nullopt, home}));
}

TEST(LoadKeyRing, AMissingKeyFileIsAnErrorNotADevelopmentKey) {
  TemporaryDirectory directory;
  EXPECT_THROW(load_key_ring({std::nullopt, directory.path() / "absent.keys", directory.path()}), KeyFileError);
  EXPECT_FALSE(fs::exists(development_key_file(directory.path())));
}

}  // namespace
}  // namespace tr1l::adapters::keyfile
