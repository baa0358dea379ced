// A loopback HTTP server (cpp-httplib) that stands in for S3 in tests: it records every request
// exactly as received (raw target, header names and values, body) and answers through a handler
// the test supplies, so tests can recompute signatures or inject throttling and 5xx errors.
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tr1l::testing {

struct CapturedRequest {
  std::string method;
  std::string target;  // path and query as sent, still percent-encoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int remote_port = 0;  // one per client connection, so tests can see connection reuse

  // The first header with this name (case-insensitive), or "" when absent.
  std::string header(const std::string& name) const;
};

class FakeHttpServer {
 public:
  using Handler = std::function<void(const CapturedRequest&, httplib::Response&)>;

  // handler_threads bounds how many requests the server works on at once.
  explicit FakeHttpServer(Handler handler, int handler_threads = 16);
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::vector<CapturedRequest> requests() const;
  std::size_t request_count() const;
  int max_concurrent_requests() const { return max_concurrent_; }

 private:
  void serve(const httplib::Request& request, httplib::Response& response);

  Handler handler_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<CapturedRequest> requests_;
  std::atomic<int> concurrent_{0};
  std::atomic<int> max_concurrent_{0};
};

// An S3-style XML error response.
void set_s3_error(httplib::Response& response, int status, const std::string& code, const std::string& message);

}  // namespace tr1l::testing
