#include "adapters/s3/s3_credentials.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "adapters/s3/s3_location.h"

namespace tr1l::adapters::s3 {
namespace {

std::string_view trim(std::string_view text) {
  constexpr std::string_view blanks = " \t\r\n\v\f";
  const std::size_t first = text.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(blanks) - first + 1);
}

// AWS tools treat an empty variable as unset.
std::optional<std::string> non_empty(const EnvironmentLookup& environment, const std::string& name) {
  std::optional<std::string> value = environment(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

std::optional<S3Credentials> from_environment(const EnvironmentLookup& environment) {
  auto access_key = non_empty(environment, "AWS_ACCESS_KEY_ID");
  auto secret_key = non_empty(environment, "AWS_SECRET_ACCESS_KEY");
  if (!access_key && !secret_key) return std::nullopt;
  if (!access_key || !secret_key) {
    throw S3ConfigurationError(std::string("AWS credentials: ") +
                               (access_key ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
                                           : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"));
  }
  return S3Credentials{std::move(*access_key), std::move(*secret_key),
                       non_empty(environment, "AWS_SESSION_TOKEN").value_or(""), "environment"};
}

// The INI subset AWS uses: "[profile]" sections, "name = value" lines, '#' or ';' comment lines.
// Returns the named section's entries (lower-cased names), or nullopt when the section is absent.
std::optional<std::map<std::string, std::string>> read_profile(const std::filesystem::path& file,
                                                               const std::string& profile) {
  std::ifstream input(file);
  if (!input) return std::nullopt;
  std::optional<std::map<std::string, std::string>> entries;
  bool in_profile = false;
  std::string line;
  for (std::size_t line_number = 1; std::getline(input, line); ++line_number) {
    const std::string_view text = trim(line);
    if (text.empty() || text.front() == '#' || text.front() == ';') continue;
    if (text.front() == '[') {
      if (text.back() != ']') {
        throw S3ConfigurationError("AWS credentials file " + file.string() + " line " +
                                   std::to_string(line_number) + ": unterminated section header");
      }
      in_profile = trim(text.substr(1, text.size() - 2)) == profile;
      if (in_profile && !entries) entries.emplace();
      continue;
    }
    if (!in_profile) continue;
    const std::size_t equals = text.find('=');
    if (equals == std::string_view::npos) {
      // The line is not repeated: it may be a pasted secret.
      throw S3ConfigurationError("AWS credentials file " + file.string() + " line " +
                                 std::to_string(line_number) + ": expected name = value");
    }
    std::string name(trim(text.substr(0, equals)));
    for (char& character : name) {
      if (character >= 'A' && character <= 'Z') character = static_cast<char>(character - 'A' + 'a');
    }
    (*entries)[name] = std::string(trim(text.substr(equals + 1)));
  }
  if (input.bad()) throw S3ConfigurationError("AWS credentials file " + file.string() + ": read failed");
  return entries;
}

}  // namespace

std::optional<std::string> process_environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

S3Credentials resolve_aws_credentials(const EnvironmentLookup& environment) {
  if (auto credentials = from_environment(environment)) return std::move(*credentials);

  const std::optional<std::string> explicit_file = non_empty(environment, "AWS_SHARED_CREDENTIALS_FILE");
  std::filesystem::path file;
  if (explicit_file) {
    file = *explicit_file;
  } else if (const auto home = non_empty(environment, "HOME")) {
    file = std::filesystem::path(*home) / ".aws" / "credentials";
  }
  const std::string profile = non_empty(environment, "AWS_PROFILE").value_or("default");

  if (file.empty() || !std::filesystem::exists(file)) {
    // A file that was named explicitly but is missing is a mistake worth its own message.
    if (explicit_file) {
      throw S3ConfigurationError("AWS credentials: AWS_SHARED_CREDENTIALS_FILE names " + file.string() +
                                 ", which does not exist");
    }
    throw S3ConfigurationError(
        "AWS credentials not found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or provide a "
        "shared credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials)");
  }
  const auto entries = read_profile(file, profile);
  if (!entries) {
    throw S3ConfigurationError("AWS credentials file " + file.string() + " has no [" + profile + "] profile");
  }
  const auto access_key = entries->find("aws_access_key_id");
  const auto secret_key = entries->find("aws_secret_access_key");
  if (access_key == entries->end() || access_key->second.empty() || secret_key == entries->end() ||
      secret_key->second.empty()) {
    throw S3ConfigurationError("AWS credentials file " + file.string() + " profile [" + profile +
                               "] needs both aws_access_key_id and aws_secret_access_key");
  }
  const auto session_token = entries->find("aws_session_token");
  return S3Credentials{access_key->second, secret_key->second,
                       session_token == entries->end() ? std::string() : session_token->second,
                       file.string() + " [" + profile + "]"};
}

}  // namespace tr1l::adapters::s3
