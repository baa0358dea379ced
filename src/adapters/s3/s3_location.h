// Where an S3 bucket lives, parsed from the TR1L_OBJECT_STORE URL
//
//   s3://BUCKET?endpoint=http://127.0.0.1:9000&region=us-east-1&path_style=1
//
// and the request URLs built from it. Without an endpoint the bucket is on AWS
// (https://s3.REGION.amazonaws.com, virtual-host style: https://BUCKET.s3.REGION.amazonaws.com/KEY);
// with an endpoint (MinIO and most S3-compatible servers) path style is the default
// (ENDPOINT/BUCKET/KEY). path_style=0/1 overrides either default.
#pragma once

#include <string>
#include <string_view>

#include "ports/object_store.h"

namespace tr1l::adapters::s3 {

// The configuration (URL, credentials) is unusable; the message never repeats a secret.
class S3ConfigurationError : public ports::ObjectStoreError {
 public:
  using ports::ObjectStoreError::ObjectStoreError;
};

struct S3Location {
  std::string bucket;
  std::string endpoint;  // scheme://host[:port], no trailing '/'
  std::string region = "us-east-1";
  bool path_style = true;

  bool operator==(const S3Location&) const = default;
};

// Throws S3ConfigurationError naming what is wrong (unknown parameter, bad bucket name, ...).
// Query values may be percent-encoded (endpoint=http%3A%2F%2F...).
S3Location parse_s3_location(std::string_view url);

// A key as it goes into a request path: UTF-8 bytes percent-encoded per RFC 3986 except the
// unreserved characters and '/', with upper-case hex ("a b+c/한" -> "a%20b%2Bc/%ED%95%9C"). This is
// also S3's canonical URI encoding, so what curl signs is exactly what is sent.
std::string encode_object_key(std::string_view key);

// The request URL for a key.
std::string object_url(const S3Location& location, std::string_view key);

// "s3://bucket/key", for messages (the key as given, not encoded).
std::string object_display_name(const S3Location& location, std::string_view key);

}  // namespace tr1l::adapters::s3
