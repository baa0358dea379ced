// The production invoice store: an S3 bucket (AWS S3, MinIO) over libcurl, requests signed with
// SigV4 by curl (CURLOPT_AWS_SIGV4). put_many keeps up to max_in_flight PUTs running on one curl
// multi handle, reading each body straight from the caller's request (no copies), and retries
// throttling, 5xx and connection failures with exponential backoff and jitter. Connections stay
// open between calls. One call at a time per store: calls from several threads are serialised.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "adapters/s3/s3_credentials.h"
#include "adapters/s3/s3_location.h"
#include "ports/object_store.h"

namespace tr1l::adapters::s3 {

struct S3StoreOptions {
  std::size_t max_in_flight = 32;  // concurrent requests, and connections kept open
  int max_attempts = 5;            // per object, first try included
  // Retry n waits a random time in [d/2, d] with d = min(max_retry_delay, first_retry_delay * 2^(n-1)).
  std::chrono::milliseconds first_retry_delay{200};
  std::chrono::milliseconds max_retry_delay{10'000};
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{300'000};  // one attempt, start to end
  std::chrono::seconds stall_timeout{30};              // one attempt moving no bytes for this long
};

class S3ObjectStore : public ports::ObjectStore {
 public:
  // Throws S3ConfigurationError for unusable options, ObjectStoreError if libcurl cannot start.
  S3ObjectStore(S3Location location, S3Credentials credentials, S3StoreOptions options = {});
  ~S3ObjectStore() override;
  S3ObjectStore(const S3ObjectStore&) = delete;
  S3ObjectStore& operator=(const S3ObjectStore&) = delete;

  const std::string& bucket() const override;
  // A failed object's error reads like "PUT s3://bucket/key: 403 AccessDenied: Access Denied."
  std::vector<ports::PutResult> put_many(std::span<const ports::PutRequest> requests) override;
  // Only a 200 response counts; 404 NoSuchKey throws ObjectNotFound.
  std::string get(const std::string& key) override;

  const S3Location& location() const;

 private:
  class Engine;
  std::unique_ptr<Engine> engine_;
};

}  // namespace tr1l::adapters::s3
