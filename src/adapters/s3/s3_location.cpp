#include "adapters/s3/s3_location.h"

#include <algorithm>
#include <optional>

#include "common/url_query.h"

namespace tr1l::adapters::s3 {
namespace {

constexpr std::string_view scheme_prefix = "s3://";

bool is_unreserved(unsigned char byte) {
  return (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') ||
         byte == '-' || byte == '.' || byte == '_' || byte == '~';
}

// AWS's rules for new buckets: 3-63 characters of lower-case letters, digits, '.' and '-',
// starting and ending with a letter or digit. Anything else would also be unsafe in a host name.
bool is_valid_bucket_name(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  const auto is_letter_or_digit = [](char character) {
    return (character >= 'a' && character <= 'z') || (character >= '0' && character <= '9');
  };
  if (!is_letter_or_digit(name.front()) || !is_letter_or_digit(name.back())) return false;
  return std::all_of(name.begin(), name.end(), [&](char character) {
    return is_letter_or_digit(character) || character == '.' || character == '-';
  });
}

std::string normalise_endpoint(std::string endpoint) {
  const bool is_http = endpoint.starts_with("http://");
  const bool is_https = endpoint.starts_with("https://");
  if (!is_http && !is_https) {
    throw S3ConfigurationError("S3 URL: endpoint must start with http:// or https://");
  }
  const std::size_t scheme_length = is_http ? 7 : 8;
  while (endpoint.size() > scheme_length && endpoint.ends_with('/')) endpoint.pop_back();
  const std::string_view authority = std::string_view(endpoint).substr(scheme_length);
  if (authority.empty()) throw S3ConfigurationError("S3 URL: endpoint has no host");
  // Credentials in the endpoint would end up in messages; a path or query would break signing.
  if (authority.find_first_of("/?#@ ") != std::string_view::npos) {
    throw S3ConfigurationError("S3 URL: endpoint must be scheme://host[:port] without path, query or user");
  }
  return endpoint;
}

bool parse_flag(std::string_view name, std::string_view value) {
  if (value == "1" || value == "true") return true;
  if (value == "0" || value == "false") return false;
  throw S3ConfigurationError("S3 URL: " + std::string(name) + " must be 0, 1, true or false");
}

}  // namespace

S3Location parse_s3_location(std::string_view url) {
  if (!url.starts_with(scheme_prefix)) throw S3ConfigurationError("S3 URL must start with s3://");
  std::string_view rest = url.substr(scheme_prefix.size());
  std::string_view query;
  if (const std::size_t question = rest.find('?'); question != std::string_view::npos) {
    query = rest.substr(question + 1);
    rest = rest.substr(0, question);
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) {
    throw S3ConfigurationError("S3 URL: only a bucket is allowed after s3:// (no key prefix)");
  }
  if (!is_valid_bucket_name(rest)) {
    throw S3ConfigurationError("S3 URL: bucket name '" + std::string(rest) +
                               "' is not 3-63 lower-case letters, digits, '.' or '-'");
  }

  S3Location location;
  location.bucket = std::string(rest);
  std::optional<std::string> endpoint;
  std::optional<bool> path_style;
  while (!query.empty()) {
    const std::size_t ampersand = query.find('&');
    const std::string_view pair = query.substr(0, ampersand);
    query = ampersand == std::string_view::npos ? std::string_view{} : query.substr(ampersand + 1);
    if (pair.empty()) continue;
    const std::size_t equals = pair.find('=');
    const std::string_view name = pair.substr(0, equals);
    const std::optional<std::string> value =
        percent_decode(equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1));
    if (!value) throw S3ConfigurationError("S3 URL: bad percent-encoding in " + std::string(name));
    if (name == "endpoint") {
      endpoint = normalise_endpoint(*value);
    } else if (name == "region") {
      if (value->empty() || value->find_first_of("/:?&# ") != std::string::npos) {
        throw S3ConfigurationError("S3 URL: region must be a plain name such as us-east-1");
      }
      location.region = *value;
    } else if (name == "path_style") {
      path_style = parse_flag(name, *value);
    } else {
      throw S3ConfigurationError("S3 URL: unknown parameter '" + std::string(name) +
                                 "' (known: endpoint, region, path_style)");
    }
  }
  location.endpoint = endpoint.value_or("https://s3." + location.region + ".amazonaws.com");
  location.path_style = path_style.value_or(endpoint.has_value());
  return location;
}

std::string encode_object_key(std::string_view key) {
  static constexpr char hex_digits[] = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(key.size() * 3);
  for (const char character : key) {
    const auto byte = static_cast<unsigned char>(character);
    if (is_unreserved(byte) || byte == '/') {
      encoded.push_back(character);
    } else {
      encoded.push_back('%');
      encoded.push_back(hex_digits[byte >> 4]);
      encoded.push_back(hex_digits[byte & 0x0f]);
    }
  }
  return encoded;
}

std::string object_url(const S3Location& location, std::string_view key) {
  if (location.path_style) {
    return location.endpoint + "/" + location.bucket + "/" + encode_object_key(key);
  }
  const std::size_t authority_start = location.endpoint.find("://") + 3;
  return location.endpoint.substr(0, authority_start) + location.bucket + "." +
         location.endpoint.substr(authority_start) + "/" + encode_object_key(key);
}

std::string object_display_name(const S3Location& location, std::string_view key) {
  return "s3://" + location.bucket + "/" + std::string(key);
}

}  // namespace tr1l::adapters::s3
