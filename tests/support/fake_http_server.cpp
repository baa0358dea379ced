#include "support/fake_http_server.h"

#include <strings.h>

#include <chrono>
#include <stdexcept>

namespace tr1l::testing {

std::string CapturedRequest::header(const std::string& name) const {
  for (const auto& [header_name, value] : headers) {
    if (strcasecmp(header_name.c_str(), name.c_str()) == 0) return value;
  }
  return {};
}

FakeHttpServer::FakeHttpServer(Handler handler, int handler_threads) : handler_(std::move(handler)) {
  // httplib owns the task queue it is given and deletes it; the API leaves no way around `new`.
  server_.new_task_queue = [handler_threads] { return new httplib::ThreadPool(static_cast<std::size_t>(handler_threads)); };
  const auto serve = [this](const httplib::Request& request, httplib::Response& response) {
    this->serve(request, response);
  };
  server_.Get(".*", serve);
  server_.Put(".*", serve);
  server_.Post(".*", serve);
  server_.Delete(".*", serve);
  // httplib closes a connection after 5 requests by default, which would hide client-side reuse.
  server_.set_keep_alive_max_count(100000);
  server_.set_keep_alive_timeout(60);
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("fake HTTP server: cannot bind a loopback port");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeHttpServer::~FakeHttpServer() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

void FakeHttpServer::serve(const httplib::Request& request, httplib::Response& response) {
  const int now_running = ++concurrent_;
  for (int seen = max_concurrent_.load(); now_running > seen && !max_concurrent_.compare_exchange_weak(seen, now_running);) {
  }
  CapturedRequest captured;
  captured.method = request.method;
  captured.target = request.target;
  captured.body = request.body;
  captured.remote_port = request.remote_port;
  for (const auto& [name, value] : request.headers) captured.headers.emplace_back(name, value);
  {
    const std::lock_guard lock(mutex_);
    requests_.push_back(captured);
  }
  handler_(captured, response);
  --concurrent_;
}

std::vector<CapturedRequest> FakeHttpServer::requests() const {
  const std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t FakeHttpServer::request_count() const {
  const std::lock_guard lock(mutex_);
  return requests_.size();
}

void set_s3_error(httplib::Response& response, int status, const std::string& code, const std::string& message) {
  response.status = status;
  response.set_content("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" +
                           message + "</Message><Resource>/x</Resource><RequestId>1</RequestId></Error>",
                       "application/xml");
}

}  // namespace tr1l::testing
