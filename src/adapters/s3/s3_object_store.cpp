#include "adapters/s3/s3_object_store.h"

#include "adapters/curl/transport_errors.h"

#include <algorithm>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <string_view>
#include <utility>

#include "adapters/s3/curl_handles.h"
#include "adapters/s3/s3_response.h"
#include "common/object_key.h"
#include "common/sha256_hex.h"

namespace tr1l::adapters::s3 {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view empty_payload_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// A PUT's response is an empty 200 or a short XML error; anything longer is not worth keeping.
constexpr std::size_t max_kept_error_body = 64 * 1024;
// Upper bound on one wait, so a stuck timer never hides progress for long.
constexpr long max_poll_milliseconds = 1000;

enum class Method { put, get };

enum class Outcome { pending, succeeded, not_found, failed };

// One logical request and what became of it across its attempts.
struct Operation {
  Method method = Method::put;
  std::string_view key;
  const ports::PutRequest* put = nullptr;  // the caller's request, whose body curl reads in place
  std::string payload_sha256;
  int attempts = 0;
  Outcome outcome = Outcome::pending;
  std::string error;
  std::string body;  // GET: the object
};

// A reusable transfer: one easy handle with the buffers of the attempt it is running.
struct Slot {
  EasyHandle easy;
  HeaderList headers;
  Operation* operation = nullptr;
  std::string response;
  std::size_t response_limit = 0;
  char error_buffer[CURL_ERROR_SIZE] = {};
};

struct ScheduledRetry {
  Clock::time_point due;
  Operation* operation;
};

// Heap order: earliest due first.
bool later(const ScheduledRetry& left, const ScheduledRetry& right) { return left.due > right.due; }

std::size_t collect_response(char* data, std::size_t size, std::size_t count, void* user) {
  auto& slot = *static_cast<Slot*>(user);
  const std::size_t length = size * count;
  const std::size_t room = slot.response_limit - std::min(slot.response_limit, slot.response.size());
  slot.response.append(data, std::min(length, room));
  return length;  // bytes beyond the limit are dropped, not an error
}

// Header values go into the request verbatim; a CR or LF would let a value smuggle in headers.
bool is_safe_header_value(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char character) {
    const auto byte = static_cast<unsigned char>(character);
    return (byte < 0x20 && byte != '\t') || byte == 0x7f;
  });
}

void replace_all(std::string& text, std::string_view needle, std::string_view replacement) {
  if (needle.empty()) return;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + replacement.size())) {
    text.replace(at, needle.size(), replacement);
  }
}

}  // namespace

class S3ObjectStore::Engine {
 public:
  Engine(S3Location location, S3Credentials credentials, S3StoreOptions options)
      : location_(std::move(location)),
        credentials_(std::move(credentials)),
        options_(options),
        sigv4_provider_("aws:amz:" + location_.region + ":s3"),
        random_(std::random_device{}()) {
    if (options_.max_in_flight == 0) throw S3ConfigurationError("S3 store: max_in_flight must be at least 1");
    if (options_.max_attempts < 1) throw S3ConfigurationError("S3 store: max_attempts must be at least 1");
    if (credentials_.access_key.empty() || credentials_.secret_key.empty()) {
      throw S3ConfigurationError("S3 store: access key and secret key are required");
    }
    try {
      ensure_curl_initialised();
    } catch (const std::exception& failure) {
      throw ports::ObjectStoreError(failure.what());
    }
    multi_.reset(curl_multi_init());
    if (!multi_) throw ports::ObjectStoreError("S3 store: curl_multi_init failed");
    // Never more connections to the server than transfers, and keep them all between calls.
    const auto connections = static_cast<long>(options_.max_in_flight);
    curl_multi_setopt(multi_.get(), CURLMOPT_MAX_HOST_CONNECTIONS, connections);
    curl_multi_setopt(multi_.get(), CURLMOPT_MAXCONNECTS, connections);
  }

  ~Engine() {
    // Easy handles must leave the multi handle before either is cleaned up.
    for (const auto& slot : slots_) {
      if (slot->operation != nullptr) curl_multi_remove_handle(multi_.get(), slot->easy.get());
    }
    slots_.clear();
  }

  const S3Location& location() const { return location_; }

  std::vector<ports::PutResult> put_many(std::span<const ports::PutRequest> requests) {
    const std::lock_guard lock(mutex_);
    std::vector<Operation> operations(requests.size());
    for (std::size_t index = 0; index < requests.size(); ++index) {
      Operation& operation = operations[index];
      operation.method = Method::put;
      operation.put = &requests[index];
      operation.key = requests[index].key;
      if (const auto problem = common::object_key_problem(operation.key)) {
        fail_without_sending(operation, "invalid key: " + *problem);
      } else if (!is_safe_header_value(requests[index].content_type) ||
                 !is_safe_header_value(requests[index].content_encoding.value_or(""))) {
        fail_without_sending(operation, "content type or encoding contains a control character");
      }
    }
    run(operations);

    std::vector<ports::PutResult> results(requests.size());
    for (std::size_t index = 0; index < requests.size(); ++index) {
      Operation& operation = operations[index];
      ports::PutResult& result = results[index];
      result.stored = operation.outcome == Outcome::succeeded;
      if (result.stored) {
        result.size = static_cast<std::int64_t>(requests[index].body.size());
        result.sha256_hex = std::move(operation.payload_sha256);
      } else {
        result.error = std::move(operation.error);
      }
    }
    return results;
  }

  std::string get(const std::string& key) {
    const std::lock_guard lock(mutex_);
    Operation operation;
    operation.method = Method::get;
    operation.key = key;
    if (const auto problem = common::object_key_problem(key)) {
      throw ports::ObjectStoreError("GET " + object_display_name(location_, key) + ": invalid key: " + *problem);
    }
    run(std::span<Operation>(&operation, 1));
    switch (operation.outcome) {
      case Outcome::succeeded:
        return std::move(operation.body);
      case Outcome::not_found:
        throw ports::ObjectNotFound(operation.error);
      default:
        throw ports::ObjectStoreError(operation.error);
    }
  }

 private:
  // Removes the transfers still attached when run() leaves by an exception, so that the slots
  // can be reused and nothing points into operations that no longer exist.
  class ActiveTransfers {
   public:
    explicit ActiveTransfers(Engine& engine) : engine_(engine) {}
    ActiveTransfers(const ActiveTransfers&) = delete;
    ActiveTransfers& operator=(const ActiveTransfers&) = delete;
    ~ActiveTransfers() {
      for (const auto& slot : engine_.slots_) {
        if (slot->operation != nullptr) {
          curl_multi_remove_handle(engine_.multi_.get(), slot->easy.get());
          slot->operation = nullptr;
        }
      }
    }

   private:
    Engine& engine_;
  };

  void run(std::span<Operation> operations) {
    std::deque<Operation*> waiting;
    for (Operation& operation : operations) {
      if (operation.outcome == Outcome::pending) waiting.push_back(&operation);
    }
    if (waiting.empty()) return;
    while (slots_.size() < std::min(options_.max_in_flight, waiting.size())) {
      auto slot = std::make_unique<Slot>();
      slot->easy.reset(curl_easy_init());
      if (!slot->easy) throw ports::ObjectStoreError("S3 store: curl_easy_init failed");
      slots_.push_back(std::move(slot));
    }
    std::vector<Slot*> idle;
    for (const auto& slot : slots_) idle.push_back(slot.get());
    std::vector<ScheduledRetry> retries;  // a heap, earliest first
    std::size_t active = 0;
    const ActiveTransfers active_transfers(*this);

    while (true) {
      const Clock::time_point now = Clock::now();
      // Due retries go first: they have waited already and are the oldest work.
      while (!idle.empty()) {
        Operation* next = nullptr;
        if (!retries.empty() && retries.front().due <= now) {
          std::pop_heap(retries.begin(), retries.end(), later);
          next = retries.back().operation;
          retries.pop_back();
        } else if (!waiting.empty()) {
          next = waiting.front();
          waiting.pop_front();
        } else {
          break;
        }
        Slot* slot = idle.back();
        idle.pop_back();
        start(*slot, *next);
        ++active;
      }
      if (active == 0 && waiting.empty() && retries.empty()) break;

      int running = 0;
      if (const CURLMcode code = curl_multi_perform(multi_.get(), &running); code != CURLM_OK) {
        throw ports::ObjectStoreError(std::string("S3 store: curl_multi_perform: ") + curl_multi_strerror(code));
      }
      bool finished_any = false;
      int queued = 0;
      while (CURLMsg* message = curl_multi_info_read(multi_.get(), &queued)) {
        if (message->msg != CURLMSG_DONE) continue;
        Slot* slot = nullptr;
        curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &slot);
        const CURLcode result = message->data.result;
        curl_multi_remove_handle(multi_.get(), slot->easy.get());
        Operation& operation = *std::exchange(slot->operation, nullptr);
        --active;
        idle.push_back(slot);
        finished_any = true;
        if (const auto delay = finish_attempt(*slot, operation, result)) {
          retries.push_back(ScheduledRetry{Clock::now() + *delay, &operation});
          std::push_heap(retries.begin(), retries.end(), later);
        }
      }
      if (finished_any) continue;  // free slots: start more before waiting

      long wait_milliseconds = max_poll_milliseconds;
      if (!retries.empty()) {
        const auto until_due =
            std::chrono::duration_cast<std::chrono::milliseconds>(retries.front().due - Clock::now()).count();
        wait_milliseconds = std::clamp<long>(static_cast<long>(until_due), 0, wait_milliseconds);
      }
      // With no transfer running this is a plain sleep until the next retry is due.
      if (const CURLMcode code = curl_multi_poll(multi_.get(), nullptr, 0, static_cast<int>(wait_milliseconds), nullptr);
          code != CURLM_OK) {
        throw ports::ObjectStoreError(std::string("S3 store: curl_multi_poll: ") + curl_multi_strerror(code));
      }
    }
  }

  void start(Slot& slot, Operation& operation) {
    CURL* easy = slot.easy.get();
    // Reset drops the previous attempt's options; the connection cache lives in the multi handle.
    curl_easy_reset(easy);
    slot.response.clear();
    slot.error_buffer[0] = '\0';
    slot.operation = &operation;
    ++operation.attempts;

    const std::string url = object_url(location_, operation.key);
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    // Keys may contain "./" sequences that curl would otherwise squash, changing the object name.
    curl_easy_setopt(easy, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "tr1l");
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.stall_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_AWS_SIGV4, sigv4_provider_.c_str());
    curl_easy_setopt(easy, CURLOPT_USERNAME, credentials_.access_key.c_str());
    curl_easy_setopt(easy, CURLOPT_PASSWORD, credentials_.secret_key.c_str());
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, slot.error_buffer);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, &slot);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, collect_response);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &slot);

    std::vector<std::string> header_lines;
    if (operation.method == Method::put) {
      const ports::PutRequest& request = *operation.put;
      if (operation.payload_sha256.empty()) operation.payload_sha256 = common::sha256_hex(request.body);
      // POSTFIELDS points at the caller's string: no copy. Unlike CURLOPT_UPLOAD it does not make
      // curl send "Expect: 100-continue" (and wait a round trip) for bodies under 1 MiB, and that
      // header cannot be suppressed with "Expect:" because curl 7.88 would still sign it.
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, "PUT");
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
      header_lines.push_back("Content-Type: " +
                             (request.content_type.empty() ? std::string("application/octet-stream") : request.content_type));
      if (request.content_encoding && !request.content_encoding->empty()) {
        header_lines.push_back("Content-Encoding: " + *request.content_encoding);
      }
      header_lines.push_back("x-amz-content-sha256: " + operation.payload_sha256);
      slot.response_limit = max_kept_error_body;
    } else {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
      header_lines.push_back("x-amz-content-sha256: " + std::string(empty_payload_sha256));
      slot.response_limit = std::string().max_size();
    }
    // curl signs every header set here, so the token is covered by the signature as AWS requires.
    if (!credentials_.session_token.empty()) {
      header_lines.push_back("x-amz-security-token: " + credentials_.session_token);
    }
    curl_slist* list = nullptr;
    for (const std::string& line : header_lines) {
      curl_slist* extended = curl_slist_append(list, line.c_str());
      if (extended == nullptr) {
        curl_slist_free_all(list);
        throw ports::ObjectStoreError("S3 store: out of memory building headers");
      }
      list = extended;
    }
    slot.headers.reset(list);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, slot.headers.get());

    if (const CURLMcode code = curl_multi_add_handle(multi_.get(), easy); code != CURLM_OK) {
      slot.operation = nullptr;
      throw ports::ObjectStoreError(std::string("S3 store: curl_multi_add_handle: ") + curl_multi_strerror(code));
    }
  }

  // Records the attempt's outcome; returns how long to wait before retrying, or nullopt when done.
  std::optional<std::chrono::milliseconds> finish_attempt(Slot& slot, Operation& operation, CURLcode result) {
    bool retryable = false;
    std::string failure;
    if (result != CURLE_OK) {
      retryable = curl::is_retryable_transport_error(result);
      failure = slot.error_buffer[0] != '\0' ? std::string(slot.error_buffer) : curl_easy_strerror(result);
    } else {
      long status = 0;
      curl_easy_getinfo(slot.easy.get(), CURLINFO_RESPONSE_CODE, &status);
      const bool succeeded =
          operation.method == Method::put ? (status >= 200 && status < 300) : status == 200;
      if (succeeded) {
        operation.outcome = Outcome::succeeded;
        if (operation.method == Method::get) operation.body = std::move(slot.response);
        slot.response = std::string();  // do not keep a large object's buffer in the slot
        return std::nullopt;
      }
      const S3ErrorDetails details = parse_s3_error(slot.response);
      failure = std::to_string(status) + " " + (details.code.empty() ? "(no S3 error code)" : details.code);
      if (!details.message.empty()) failure += ": " + details.message;
      // NoSuchBucket is also a 404, but it means the configuration is wrong, not that the object is missing.
      if (operation.method == Method::get &&
          (details.code == "NoSuchKey" || (status == 404 && details.code.empty()))) {
        operation.outcome = Outcome::not_found;
        operation.error = describe(operation, failure);
        return std::nullopt;
      }
      retryable = is_retryable_response(status, details.code);
    }
    if (retryable && operation.attempts < options_.max_attempts) return retry_delay(operation.attempts);
    operation.outcome = Outcome::failed;
    if (operation.attempts > 1) failure += " (after " + std::to_string(operation.attempts) + " attempts)";
    operation.error = describe(operation, failure);
    return std::nullopt;
  }

  void fail_without_sending(Operation& operation, const std::string& reason) {
    operation.outcome = Outcome::failed;
    operation.error = describe(operation, reason);
  }

  // "PUT s3://bucket/key: <what happened>", with any credential scrubbed in case a server or curl
  // ever echoes one (they are not expected to).
  std::string describe(const Operation& operation, const std::string& failure) const {
    std::string text = std::string(operation.method == Method::put ? "PUT " : "GET ") +
                       object_display_name(location_, operation.key) + ": " + failure;
    replace_all(text, credentials_.secret_key, "[redacted]");
    replace_all(text, credentials_.session_token, "[redacted]");
    return text;
  }

  // Exponential backoff with "equal jitter": half the window fixed, half random, so that many
  // throttled requests spread out but none retries immediately.
  std::chrono::milliseconds retry_delay(int attempts_so_far) {
    const int doublings = std::min(attempts_so_far - 1, 20);
    const auto window = std::min<std::chrono::milliseconds::rep>(
        options_.max_retry_delay.count(), options_.first_retry_delay.count() << doublings);
    std::uniform_int_distribution<std::chrono::milliseconds::rep> jitter(0, window / 2);
    return std::chrono::milliseconds(window - window / 2 + jitter(random_));
  }

  S3Location location_;
  S3Credentials credentials_;
  S3StoreOptions options_;
  std::string sigv4_provider_;
  std::mt19937_64 random_;
  MultiHandle multi_;
  std::vector<std::unique_ptr<Slot>> slots_;  // stable addresses: curl holds pointers to them
  std::mutex mutex_;
};

S3ObjectStore::S3ObjectStore(S3Location location, S3Credentials credentials, S3StoreOptions options)
    : engine_(std::make_unique<Engine>(std::move(location), std::move(credentials), options)) {}

S3ObjectStore::~S3ObjectStore() = default;

const std::string& S3ObjectStore::bucket() const { return engine_->location().bucket; }

std::vector<ports::PutResult> S3ObjectStore::put_many(std::span<const ports::PutRequest> requests) {
  return engine_->put_many(requests);
}

std::string S3ObjectStore::get(const std::string& key) { return engine_->get(key); }

const S3Location& S3ObjectStore::location() const { return engine_->location(); }

}  // namespace tr1l::adapters::s3
