// S3ObjectStore against a real MinIO (scripts/servers/minio.sh writes TR1L_TEST_S3_*): least
// privilege (the writer may only put, the reader may only get), signatures MinIO verifies, byte
// identity and SHA-256 of 500 concurrent uploads, content headers as sent. Then retry behaviour
// against a loopback fake that throttles or fails on purpose.
#include "adapters/s3/s3_object_store.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "adapters/s3/curl_handles.h"
#include "common/sha256_hex.h"
#include "support/fake_http_server.h"

namespace tr1l::adapters::s3 {
namespace {

using ports::PutRequest;
using ports::PutResult;
using testing::CapturedRequest;
using testing::FakeHttpServer;

struct MinioServer {
  std::string endpoint, bucket, region;
  S3Credentials root, writer, reader;
};

std::string variable(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// The server from the environment; nullopt (the test skips) when unset, unless
// TR1L_REQUIRE_SERVERS=1, when a missing server fails the test.
std::optional<MinioServer> minio_server() {
  if (variable("TR1L_TEST_S3_ENDPOINT").empty()) {
    if (variable("TR1L_REQUIRE_SERVERS") == "1") {
      ADD_FAILURE() << "TR1L_TEST_S3_ENDPOINT is not set but TR1L_REQUIRE_SERVERS=1 "
                       "(start one with scripts/servers/minio.sh start DIR and source DIR/env)";
    }
    return std::nullopt;
  }
  return MinioServer{variable("TR1L_TEST_S3_ENDPOINT"),
                     variable("TR1L_TEST_S3_BUCKET"),
                     variable("TR1L_TEST_S3_REGION"),
                     {variable("TR1L_TEST_S3_ROOT_ACCESS_KEY"), variable("TR1L_TEST_S3_ROOT_SECRET_KEY"), "", "root"},
                     {variable("TR1L_TEST_S3_WRITER_ACCESS_KEY"), variable("TR1L_TEST_S3_WRITER_SECRET_KEY"), "", "writer"},
                     {variable("TR1L_TEST_S3_READER_ACCESS_KEY"), variable("TR1L_TEST_S3_READER_SECRET_KEY"), "", "reader"}};
}

std::string random_bytes(std::mt19937_64& random, std::size_t length) {
  std::string bytes(length, '\0');
  std::uniform_int_distribution<int> byte(0, 255);
  for (char& character : bytes) character = static_cast<char>(byte(random));
  return bytes;
}

// Keys unique to one test run, so reruns against the same server never see stale objects.
std::string run_prefix() {
  static const std::string prefix = [] {
    std::random_device device;
    return "it-" + std::to_string(device()) + "-" + std::to_string(device());
  }();
  return prefix;
}

class S3ObjectStoreIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    auto found = minio_server();
    if (!found) {
      if (!HasFailure()) GTEST_SKIP() << "no MinIO: TR1L_TEST_S3_ENDPOINT is not set";
      return;
    }
    server_ = std::move(*found);
    location_ = S3Location{server_.bucket, server_.endpoint, server_.region, true};
  }

  S3ObjectStore store_for(const S3Credentials& credentials, S3StoreOptions options = {}) {
    return S3ObjectStore(location_, credentials, options);
  }

  // A raw signed HEAD with the root identity: what MinIO recorded, independent of our store.
  std::map<std::string, std::string> head_object(const std::string& key) {
    ensure_curl_initialised();
    EasyHandle easy(curl_easy_init());
    std::map<std::string, std::string> headers;
    const std::string url = object_url(location_, key);
    const std::string provider = "aws:amz:" + server_.region + ":s3";
    HeaderList request_headers(curl_slist_append(
        nullptr, "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy.get(), CURLOPT_NOBODY, 1L);
    curl_easy_setopt(easy.get(), CURLOPT_AWS_SIGV4, provider.c_str());
    curl_easy_setopt(easy.get(), CURLOPT_USERNAME, server_.root.access_key.c_str());
    curl_easy_setopt(easy.get(), CURLOPT_PASSWORD, server_.root.secret_key.c_str());
    curl_easy_setopt(easy.get(), CURLOPT_HTTPHEADER, request_headers.get());
    curl_easy_setopt(
        easy.get(), CURLOPT_HEADERFUNCTION, +[](char* data, std::size_t size, std::size_t count, void* user) {
          const std::string line(data, size * count);
          const std::size_t colon = line.find(':');
          if (colon != std::string::npos) {
            std::string name = line.substr(0, colon);
            for (char& character : name) character = static_cast<char>(std::tolower(static_cast<unsigned char>(character)));
            std::string value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            value.erase(value.find_last_not_of("\r\n ") + 1);
            (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
          }
          return size * count;
        });
    curl_easy_setopt(easy.get(), CURLOPT_HEADERDATA, &headers);
    EXPECT_EQ(curl_easy_perform(easy.get()), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
    headers[":status"] = std::to_string(status);
    return headers;
  }

  MinioServer server_;
  S3Location location_;
};

TEST_F(S3ObjectStoreIntegration, WriterUploads500ConcurrentlyAndReaderGetsThemBackByteIdentical) {
  std::mt19937_64 random(20261015);
  std::vector<PutRequest> requests;
  for (int index = 0; index < 500; ++index) {
    // Mostly invoice-sized bodies; an empty one and one over 1 MiB (where curl waits for 100-continue).
    const std::size_t length = index == 0 ? 0 : index == 1 ? 1'500'000 : 500 + (index * 37) % 6000;
    std::string key = run_prefix() + "/2026-10/" + std::to_string(100000 + index) +
                      (index % 2 == 0 ? "/email/bill.gz" : "/sms/bill.txt");
    if (index % 50 == 3) key = run_prefix() + "/특수 키+plus/" + std::to_string(index) + " 청구서.txt";
    requests.push_back(PutRequest{std::move(key), random_bytes(random, length),
                                  index % 2 == 0 ? "text/html; charset=utf-8" : "text/plain; charset=utf-8",
                                  index % 2 == 0 ? std::optional<std::string>("gzip") : std::nullopt});
  }
  S3ObjectStore writer = store_for(server_.writer);
  EXPECT_EQ(writer.bucket(), server_.bucket);
  const std::vector<PutResult> results = writer.put_many(requests);
  ASSERT_EQ(results.size(), requests.size());
  for (std::size_t index = 0; index < requests.size(); ++index) {
    ASSERT_TRUE(results[index].stored) << results[index].error;
    EXPECT_EQ(results[index].size, static_cast<std::int64_t>(requests[index].body.size()));
    EXPECT_EQ(results[index].sha256_hex, common::sha256_hex(requests[index].body));
    EXPECT_TRUE(results[index].error.empty());
  }

  S3ObjectStore reader = store_for(server_.reader);
  for (std::size_t index = 0; index < requests.size(); ++index) {
    const std::string body = reader.get(requests[index].key);
    ASSERT_EQ(body.size(), requests[index].body.size()) << requests[index].key;
    EXPECT_TRUE(body == requests[index].body) << requests[index].key;
    EXPECT_EQ(common::sha256_hex(body), results[index].sha256_hex);
  }
}

TEST_F(S3ObjectStoreIntegration, OverwriteReplacesTheObject) {
  S3ObjectStore writer = store_for(server_.writer);
  const std::string key = run_prefix() + "/2026-10/7/sms/bill.txt";
  const std::vector<PutRequest> first = {{key, "first revision", "text/plain; charset=utf-8", std::nullopt}};
  const std::vector<PutRequest> second = {{key, "second", "text/plain; charset=utf-8", std::nullopt}};
  ASSERT_TRUE(writer.put_many(first)[0].stored);
  ASSERT_TRUE(writer.put_many(second)[0].stored);
  EXPECT_EQ(store_for(server_.reader).get(key), "second");
}

TEST_F(S3ObjectStoreIntegration, ReaderCannotPut) {
  S3ObjectStore reader = store_for(server_.reader);
  const std::string key = run_prefix() + "/2026-10/1/email/bill.gz";
  const std::vector<PutRequest> requests = {{key, "<html>forged</html>", "text/html; charset=utf-8", "gzip"}};
  const PutResult result = reader.put_many(requests)[0];
  EXPECT_FALSE(result.stored);
  EXPECT_NE(result.error.find("PUT s3://" + server_.bucket + "/" + key + ": 403 AccessDenied"), std::string::npos)
      << result.error;
  EXPECT_EQ(result.error.find("attempts"), std::string::npos) << "403 must not be retried: " << result.error;
  EXPECT_EQ(result.error.find(server_.reader.secret_key), std::string::npos);
}

TEST_F(S3ObjectStoreIntegration, WriterCannotGet) {
  S3ObjectStore writer = store_for(server_.writer);
  const std::string key = run_prefix() + "/2026-10/2/email/bill.gz";
  const std::vector<PutRequest> requests = {{key, "bytes", "text/html", std::nullopt}};
  ASSERT_TRUE(writer.put_many(requests)[0].stored);
  try {
    writer.get(key);
    FAIL() << "writer must not read";
  } catch (const ports::ObjectNotFound& wrong) {
    FAIL() << "403 reported as not found: " << wrong.what();
  } catch (const ports::ObjectStoreError& denied) {
    EXPECT_NE(std::string(denied.what()).find("GET s3://" + server_.bucket + "/" + key + ": 403 AccessDenied"),
              std::string::npos)
        << denied.what();
  }
}

TEST_F(S3ObjectStoreIntegration, WrongSecretIsSignatureDoesNotMatchWithoutTheSecret) {
  const std::string wrong_secret = "WRONG" + server_.writer.secret_key.substr(5);
  S3ObjectStore writer = store_for(S3Credentials{server_.writer.access_key, wrong_secret, "", "test"});
  const std::vector<PutRequest> requests = {{run_prefix() + "/2026-10/3/sms/bill.txt", "x", "text/plain", std::nullopt}};
  const PutResult result = writer.put_many(requests)[0];
  EXPECT_FALSE(result.stored);
  EXPECT_NE(result.error.find("403 SignatureDoesNotMatch"), std::string::npos) << result.error;
  EXPECT_EQ(result.error.find(wrong_secret), std::string::npos) << result.error;
  EXPECT_EQ(result.error.find(server_.writer.secret_key), std::string::npos) << result.error;
  EXPECT_EQ(result.error.find("Signature="), std::string::npos) << result.error;
}

TEST_F(S3ObjectStoreIntegration, MissingKeyIsObjectNotFound) {
  S3ObjectStore reader = store_for(server_.reader);
  const std::string key = run_prefix() + "/2026-10/no/such/key";
  try {
    reader.get(key);
    FAIL() << "expected ObjectNotFound";
  } catch (const ports::ObjectNotFound& missing) {
    EXPECT_NE(std::string(missing.what()).find("s3://" + server_.bucket + "/" + key), std::string::npos)
        << missing.what();
    EXPECT_NE(std::string(missing.what()).find("NoSuchKey"), std::string::npos) << missing.what();
  }
}

TEST_F(S3ObjectStoreIntegration, MissingBucketIsAnErrorNotObjectNotFound) {
  S3Location elsewhere = location_;
  elsewhere.bucket = "tr1l-no-such-bucket";
  S3ObjectStore root(elsewhere, server_.root);
  try {
    root.get("2026-10/1/sms/bill.txt");
    FAIL() << "expected ObjectStoreError";
  } catch (const ports::ObjectNotFound& wrong) {
    FAIL() << "missing bucket reported as a missing object: " << wrong.what();
  } catch (const ports::ObjectStoreError& error) {
    EXPECT_NE(std::string(error.what()).find("NoSuchBucket"), std::string::npos) << error.what();
  }
}

TEST_F(S3ObjectStoreIntegration, ContentTypeAndEncodingAreStoredAsSent) {
  S3ObjectStore writer = store_for(server_.writer);
  const std::string email_key = run_prefix() + "/2026-10/4/email/bill.gz";
  const std::string sms_key = run_prefix() + "/2026-10/4/sms/bill.txt";
  // Real gzip bytes of "<html>청구서</html>": the reader must get them back undecoded.
  const std::string gzip_body(
      "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xb3\xc9\x28\xc9\xcd\xb1\x7b\xb3\x69\xed\xab\xad\x6b\xde\xb4"
      "\xcc\xb1\xd1\x07\xf3\x01\xd2\xc1\x65\x14\x16\x00\x00\x00",
      39);
  const std::vector<PutRequest> requests = {
      {email_key, gzip_body, "text/html; charset=utf-8", "gzip"},
      {sms_key, "[TR1L] 10월 49,500원", "text/plain; charset=utf-8", std::nullopt},
  };
  for (const PutResult& result : writer.put_many(requests)) ASSERT_TRUE(result.stored) << result.error;

  auto email = head_object(email_key);
  EXPECT_EQ(email[":status"], "200");
  EXPECT_EQ(email["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(email["content-encoding"], "gzip");
  EXPECT_EQ(email["content-length"], std::to_string(gzip_body.size()));
  auto sms = head_object(sms_key);
  EXPECT_EQ(sms["content-type"], "text/plain; charset=utf-8");
  EXPECT_EQ(sms.count("content-encoding"), 0u);
  EXPECT_EQ(store_for(server_.reader).get(email_key), gzip_body);
}

// Upload rate for invoice-sized objects; TR1L_S3_THROUGHPUT_OBJECTS sets the count (default 2,000)
// and TR1L_S3_THROUGHPUT_IN_FLIGHT the concurrency (default: the store's default).
TEST_F(S3ObjectStoreIntegration, ThroughputOfSmallObjects) {
  const std::string wanted = variable("TR1L_S3_THROUGHPUT_OBJECTS");
  const std::size_t count = wanted.empty() ? 2000 : std::stoul(wanted);
  S3StoreOptions options;
  if (const std::string in_flight = variable("TR1L_S3_THROUGHPUT_IN_FLIGHT"); !in_flight.empty()) {
    options.max_in_flight = std::stoul(in_flight);
  }
  std::mt19937_64 random(7);
  std::vector<PutRequest> requests;
  for (std::size_t index = 0; index < count; ++index) {
    requests.push_back({run_prefix() + "/throughput/" + std::to_string(index) + "/email/bill.gz",
                        random_bytes(random, 3 * 1024), "text/html; charset=utf-8", "gzip"});
  }
  S3ObjectStore writer = store_for(server_.writer, options);
  const auto started = std::chrono::steady_clock::now();
  const auto results = writer.put_many(requests);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::size_t stored = 0;
  for (const PutResult& result : results) stored += result.stored ? 1 : 0;
  EXPECT_EQ(stored, count);
  const double per_second = static_cast<double>(count) / seconds;
  std::cout << "[ THROUGHPUT ] " << count << " objects of 3 KiB in " << seconds << " s: " << per_second
            << " objects/s at max_in_flight " << options.max_in_flight << "\n";
  RecordProperty("objects_per_second", std::to_string(static_cast<long>(per_second)));
}

// ---- Retries, against a loopback server that fails on purpose (no MinIO needed). ----

S3StoreOptions quick_retries(int max_attempts) {
  S3StoreOptions options;
  options.max_attempts = max_attempts;
  options.first_retry_delay = std::chrono::milliseconds(20);
  options.max_retry_delay = std::chrono::milliseconds(100);
  options.connect_timeout = std::chrono::milliseconds(2000);
  options.request_timeout = std::chrono::milliseconds(5000);
  return options;
}

S3Location fake_location(const std::string& endpoint) {
  return parse_s3_location("s3://tr1l-invoices?endpoint=" + endpoint + "&region=us-east-1");
}

const S3Credentials fake_credentials{"AKIDFAKE", "fake-secret-key", "", "test"};

TEST(S3ObjectStoreRetry, SlowDownTwiceThenSuccess) {
  std::atomic<int> answered{0};
  FakeHttpServer server([&](const CapturedRequest&, httplib::Response& response) {
    if (answered++ < 2) {
      testing::set_s3_error(response, 503, "SlowDown", "Please reduce your request rate.");
    } else {
      response.status = 200;
    }
  });
  S3ObjectStore store(fake_location(server.endpoint()), fake_credentials, quick_retries(5));
  const std::vector<PutRequest> requests = {{"2026-10/1/sms/bill.txt", "body", "text/plain", std::nullopt}};
  const auto started = std::chrono::steady_clock::now();
  const PutResult result = store.put_many(requests)[0];
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(result.stored) << result.error;
  EXPECT_EQ(result.sha256_hex, common::sha256_hex("body"));
  EXPECT_EQ(server.request_count(), 3u);
  // Two backoffs of at least half their windows (20 ms, then 40 ms).
  EXPECT_GE(elapsed, std::chrono::milliseconds(30));
  for (const CapturedRequest& request : server.requests()) EXPECT_EQ(request.body, "body");
}

TEST(S3ObjectStoreRetry, AlwaysFailingServerGivesUpAfterMaxAttemptsWithAClearError) {
  FakeHttpServer server([](const CapturedRequest&, httplib::Response& response) {
    testing::set_s3_error(response, 500, "InternalError", "We encountered an internal error. Please try again.");
  });
  S3ObjectStore store(fake_location(server.endpoint()), fake_credentials, quick_retries(4));
  const std::vector<PutRequest> requests = {{"2026-10/9/email/bill.gz", "x", "text/html", "gzip"}};
  const PutResult result = store.put_many(requests)[0];
  EXPECT_FALSE(result.stored);
  EXPECT_EQ(result.error,
            "PUT s3://tr1l-invoices/2026-10/9/email/bill.gz: 500 InternalError: We encountered an internal error. "
            "Please try again. (after 4 attempts)");
  EXPECT_EQ(server.request_count(), 4u);
}

TEST(S3ObjectStoreRetry, ClientErrorsAreNotRetried) {
  FakeHttpServer server([](const CapturedRequest&, httplib::Response& response) {
    testing::set_s3_error(response, 400, "InvalidArgument", "bad header");
  });
  S3ObjectStore store(fake_location(server.endpoint()), fake_credentials, quick_retries(5));
  const std::vector<PutRequest> requests = {{"k", "x", "text/plain", std::nullopt}};
  EXPECT_EQ(store.put_many(requests)[0].error, "PUT s3://tr1l-invoices/k: 400 InvalidArgument: bad header");
  EXPECT_EQ(server.request_count(), 1u);
}

TEST(S3ObjectStoreRetry, ThrottledGetIsRetriedAndMissingKeyIsNot) {
  std::atomic<int> answered{0};
  FakeHttpServer server([&](const CapturedRequest& request, httplib::Response& response) {
    if (request.target.ends_with("/missing")) {
      testing::set_s3_error(response, 404, "NoSuchKey", "The specified key does not exist.");
    } else if (answered++ == 0) {
      testing::set_s3_error(response, 429, "", "");
    } else {
      response.set_content("object bytes", "text/plain");
    }
  });
  S3ObjectStore store(fake_location(server.endpoint()), fake_credentials, quick_retries(3));
  EXPECT_EQ(store.get("present"), "object bytes");
  EXPECT_THROW(store.get("missing"), ports::ObjectNotFound);
  EXPECT_EQ(server.request_count(), 3u);
}

TEST(S3ObjectStoreRetry, RefusedConnectionsAreRetriedThenReported) {
  std::string endpoint;
  {
    FakeHttpServer closed([](const CapturedRequest&, httplib::Response&) {});
    endpoint = closed.endpoint();
  }  // the port is free again: connections are refused
  S3ObjectStore store(fake_location(endpoint), fake_credentials, quick_retries(3));
  const std::vector<PutRequest> requests = {{"2026-10/5/sms/bill.txt", "x", "text/plain", std::nullopt}};
  const PutResult result = store.put_many(requests)[0];
  EXPECT_FALSE(result.stored);
  EXPECT_NE(result.error.find("PUT s3://tr1l-invoices/2026-10/5/sms/bill.txt: "), std::string::npos) << result.error;
  EXPECT_NE(result.error.find("(after 3 attempts)"), std::string::npos) << result.error;
}

TEST(S3ObjectStoreRetry, InFlightRequestsAreBoundedAndConcurrent) {
  FakeHttpServer server(
      [](const CapturedRequest&, httplib::Response& response) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        response.status = 200;
      },
      32);
  S3StoreOptions options = quick_retries(1);
  options.max_in_flight = 6;
  S3ObjectStore store(fake_location(server.endpoint()), fake_credentials, options);
  std::vector<PutRequest> requests;
  for (int index = 0; index < 60; ++index) {
    requests.push_back({"2026-10/" + std::to_string(index) + "/sms/bill.txt", "x", "text/plain", std::nullopt});
  }
  const auto started = std::chrono::steady_clock::now();
  for (const PutResult& result : store.put_many(requests)) EXPECT_TRUE(result.stored) << result.error;
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(server.max_concurrent_requests(), 6);
  // 60 requests of 50 ms, 6 at a time: ~0.5 s; one at a time would take 3 s.
  EXPECT_LT(elapsed, std::chrono::milliseconds(2000));
}

TEST(S3ObjectStoreRetry, ConnectionsAreReusedAcrossCalls) {
  FakeHttpServer server([](const CapturedRequest&, httplib::Response& response) { response.status = 200; });
  S3StoreOptions options = quick_retries(1);
  options.max_in_flight = 2;
  S3ObjectStore store(fake_location(server.endpoint()), fake_credentials, options);
  std::vector<PutRequest> requests;
  for (int index = 0; index < 20; ++index) {
    requests.push_back({"2026-10/" + std::to_string(index) + "/sms/bill.txt", "x", "text/plain", std::nullopt});
  }
  for (int call = 0; call < 3; ++call) {
    for (const PutResult& result : store.put_many(requests)) ASSERT_TRUE(result.stored) << result.error;
  }
  EXPECT_EQ(store.get("2026-10/0/sms/bill.txt"), "");
  std::set<int> connections;
  for (const CapturedRequest& request : server.requests()) connections.insert(request.remote_port);
  EXPECT_EQ(server.request_count(), 61u);
  EXPECT_LE(connections.size(), 2u);
}

TEST(S3ObjectStoreRetry, OneBadObjectDoesNotStopTheOthers) {
  FakeHttpServer server([](const CapturedRequest& request, httplib::Response& response) {
    if (request.target.find("/denied/") != std::string::npos) {
      testing::set_s3_error(response, 403, "AccessDenied", "Access Denied.");
    } else {
      response.status = 200;
    }
  });
  S3ObjectStore store(fake_location(server.endpoint()), fake_credentials, quick_retries(2));
  const std::vector<PutRequest> requests = {{"a/1", "1", "text/plain", std::nullopt},
                                            {"a/denied/2", "2", "text/plain", std::nullopt},
                                            {"a//bad-key", "3", "text/plain", std::nullopt},
                                            {"a/4", "4", "text/plain\r\nX-Injected: 1", std::nullopt},
                                            {"a/5", "5", "text/plain", std::nullopt}};
  const auto results = store.put_many(requests);
  EXPECT_TRUE(results[0].stored);
  EXPECT_EQ(results[1].error, "PUT s3://tr1l-invoices/a/denied/2: 403 AccessDenied: Access Denied.");
  EXPECT_NE(results[2].error.find("invalid key"), std::string::npos) << results[2].error;
  EXPECT_NE(results[3].error.find("control character"), std::string::npos) << results[3].error;
  EXPECT_TRUE(results[4].stored);
  EXPECT_EQ(server.request_count(), 3u);  // the two invalid requests were never sent
}

}  // namespace
}  // namespace tr1l::adapters::s3
