// Where invoice documents live: an S3-compatible bucket, or a local directory laid out exactly
// like the bucket (key K stored at ROOT/K). Keys look like "2026-10/12345/email/bill.gz".
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace tr1l::ports {

class ObjectStoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The object does not exist (404 / no such file).
class ObjectNotFound : public ObjectStoreError {
 public:
  using ObjectStoreError::ObjectStoreError;
};

struct PutRequest {
  std::string key;
  std::string body;
  std::string content_type;                     // e.g. "text/html; charset=utf-8"
  std::optional<std::string> content_encoding;  // e.g. "gzip"
};

struct PutResult {
  bool stored = false;
  std::string error;         // why not, naming bucket and key but never a credential
  std::int64_t size = 0;     // bytes stored
  std::string sha256_hex;    // of the stored bytes
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  virtual const std::string& bucket() const = 0;  // "" for the local directory
  // Stores every request, many in flight at once, retrying transient failures with backoff;
  // one result per request, in request order. Overwrites existing keys. Never throws for a
  // single object's failure; throws ObjectStoreError only when the store itself is unusable.
  virtual std::vector<PutResult> put_many(std::span<const PutRequest> requests) = 0;
  // The object's bytes exactly as stored. Throws ObjectNotFound or ObjectStoreError.
  virtual std::string get(const std::string& key) = 0;
};

}  // namespace tr1l::ports
