// SmtpSender against the local SMTP sink (scripts/servers/smtp-sink.sh writes TR1L_TEST_SMTP_*):
// a message arrives with the right envelope and a MIME structure Python's email package reads
// back to the same subject and HTML; 16 threads sending at once deliver each message exactly
// once over reused connections; STARTTLS, implicit TLS and AUTH work; refused recipients, wrong
// passwords, refused connections and silent servers fail without the address in the error.
#include "adapters/smtp/smtp_sender.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "common/gzip.h"
#include "support/subprocess.h"

namespace tr1l::adapters::smtp {
namespace {

using ports::OutgoingMessage;
using ports::SendResult;

std::string variable(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// The sink from the environment; false (the test skips) when unset, unless
// TR1L_REQUIRE_SERVERS=1, when a missing sink fails the test.
bool have_sink() {
  if (!variable("TR1L_TEST_SMTP_URL").empty()) return true;
  if (variable("TR1L_REQUIRE_SERVERS") == "1") {
    ADD_FAILURE() << "TR1L_TEST_SMTP_URL is not set but TR1L_REQUIRE_SERVERS=1 "
                     "(start one with scripts/servers/smtp-sink.sh start DIR and source DIR/env)";
  }
  return false;
}

// User ids unique to this process, so tests running side by side against one sink (ctest -j)
// and reruns never see each other's messages.
std::int64_t unique_user_id() {
  static std::atomic<std::int64_t> next = [] {
    std::random_device device;
    return static_cast<std::int64_t>(device() % 900'000'000) * 1000 + 1'000'000'000'000;
  }();
  return next++;
}

const std::string korean_subject = "[TR1L] 2026년 10월 청구서 — 김*준 고객님, 이번 달 청구 금액은 45,300원입니다";

std::string invoice_html(std::int64_t user_id) {
  return "<!doctype html>\n<html lang=\"ko\"><body>\n<h1>청구서 " + std::to_string(user_id) +
         "</h1>\n<p>합계 45,300원</p>\n" + std::string(3000, 'x') + "\n.\n..leading dots survive\n</body></html>\n";
}

// The body is the invoice as stored: gzip-compressed HTML.
OutgoingMessage email_to(std::string destination, std::int64_t user_id = unique_user_id(), int round = 0) {
  OutgoingMessage message;
  message.channel = domain::Channel::Email;
  message.month = "2026-10";
  message.user_id = user_id;
  message.round = round;
  message.attempt_id = "2026-10/" + std::to_string(user_id) + "/" + std::to_string(round);
  message.destination = std::move(destination);
  message.masked_destination = "masked";
  message.subject = korean_subject;
  message.body = common::gzip(invoice_html(user_id));
  return message;
}

// Every stored message whose X-TR1L-Attempt is `attempt_id`.
std::vector<std::filesystem::path> messages_for(const std::string& attempt_id) {
  std::vector<std::filesystem::path> found;
  const std::string marker = "\r\nX-TR1L-Attempt: " + attempt_id + "\r\n";
  for (const auto& entry : std::filesystem::directory_iterator(variable("TR1L_TEST_SMTP_MAILDIR"))) {
    if (entry.path().extension() != ".eml") continue;
    if (testing::read_text_file(entry.path()).find(marker) != std::string::npos) found.push_back(entry.path());
  }
  return found;
}

nlohmann::json envelope_of(const std::filesystem::path& message) {
  std::filesystem::path metadata = message;
  metadata.replace_extension(".json");
  return nlohmann::json::parse(testing::read_text_file(metadata));
}

// An independent reading of the message: Python's email package with the modern policy.
nlohmann::json parse_with_python(const std::filesystem::path& message) {
  static const char* script = R"PY(
import email, json, sys
from email import policy
with open(sys.argv[1], "rb") as source:
    raw = source.read()
message = email.message_from_bytes(raw, policy=policy.strict)
html = message.get_body(("html",))
text = message.get_body(("plain",))
defects = [str(defect) for part in message.walk() for defect in part.defects]
print(json.dumps({
    "from": str(message["From"]), "to": str(message["To"]), "subject": str(message["Subject"]),
    "message_id": str(message["Message-ID"]), "attempt": str(message["X-TR1L-Attempt"]),
    "date": str(message["Date"]), "content_type": message.get_content_type(),
    "html": html.get_content() if html is not None else None,
    "html_charset": html.get_content_charset() if html is not None else None,
    "text": text.get_content() if text is not None else None,
    "defects": defects,
    "longest_line": max(len(line) for line in raw.split(b"\r\n")),
    "bare_lf": raw.replace(b"\r\n", b"").count(b"\n"),
}))
)PY";
  const testing::ProcessResult result = testing::run_process({"/usr/bin/python3", "-c", script, message.string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return nlohmann::json::parse(result.out);
}

void expect_no_destination(const SendResult& result, const std::string& destination) {
  EXPECT_EQ(result.error.find(destination), std::string::npos) << result.error;
  const std::string local_part = destination.substr(0, destination.find('@'));
  EXPECT_EQ(result.error.find(local_part), std::string::npos) << result.error;
}

class SmtpSenderIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_sink()) {
      if (!HasFailure()) GTEST_SKIP() << "no SMTP sink: TR1L_TEST_SMTP_URL is not set";
      return;
    }
  }
  std::unique_ptr<SmtpSender> plain_sender(const std::string& extra = "") {
    return std::make_unique<SmtpSender>(parse_smtp_settings(variable("TR1L_TEST_SMTP_URL") + extra), SmtpCredentials{});
  }
};

TEST_F(SmtpSenderIntegration, DeliversAMimeMessageThatReadsBackToTheSameSubjectAndHtml) {
  auto sender = plain_sender();
  EXPECT_EQ(sender->name(), "smtp");
  const OutgoingMessage message = email_to("Minjun.Kim+bill@Example.CO.KR");
  const SendResult result = sender->send(message);
  ASSERT_TRUE(result.sent) << result.error;

  const auto stored = messages_for(message.attempt_id);
  ASSERT_EQ(stored.size(), 1u);
  const nlohmann::json envelope = envelope_of(stored[0]);
  EXPECT_EQ(envelope["mail_from"], "billing@tr1l.example");
  EXPECT_EQ(envelope["rcpt_tos"], nlohmann::json::array({"Minjun.Kim+bill@example.co.kr"}));
  EXPECT_EQ(envelope["tls"], false);

  const nlohmann::json parsed = parse_with_python(stored[0]);
  EXPECT_EQ(parsed["defects"], nlohmann::json::array());
  EXPECT_EQ(parsed["from"], "billing@tr1l.example");
  EXPECT_EQ(parsed["to"], "Minjun.Kim+bill@example.co.kr");
  EXPECT_EQ(parsed["subject"], korean_subject);
  EXPECT_EQ(parsed["content_type"], "multipart/alternative");
  EXPECT_EQ(parsed["html"], invoice_html(message.user_id));
  EXPECT_EQ(parsed["html_charset"], "utf-8");
  EXPECT_NE(parsed["text"].get<std::string>().find("청구서"), std::string::npos);
  EXPECT_EQ(parsed["attempt"], message.attempt_id);
  EXPECT_EQ(parsed["message_id"], "<tr1l.2026-10." + std::to_string(message.user_id) + ".0@tr1l.example>");
  EXPECT_LE(parsed["longest_line"].get<int>(), 998);
  EXPECT_EQ(parsed["bare_lf"], 0);

  // A resend of the same attempt carries the same Message-ID, so it is recognisable as one.
  ASSERT_TRUE(sender->send(message).sent);
  const auto both = messages_for(message.attempt_id);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(parse_with_python(both[0])["message_id"], parse_with_python(both[1])["message_id"]);
}

TEST_F(SmtpSenderIntegration, SixteenThreadsDeliverEachMessageExactlyOnceOverReusedConnections) {
  auto sender = plain_sender();
  constexpr int threads = 16;
  constexpr int per_thread = 40;
  const std::int64_t first_user = unique_user_id();
  for (int index = 1; index < threads * per_thread; ++index) unique_user_id();

  std::vector<SendResult> results(threads * per_thread);
  const auto started = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> workers;
    for (int thread = 0; thread < threads; ++thread) {
      workers.emplace_back([&, thread] {
        for (int index = 0; index < per_thread; ++index) {
          const int number = thread * per_thread + index;
          results[static_cast<std::size_t>(number)] =
              sender->send(email_to("user" + std::to_string(number) + "@example.com", first_user + number));
        }
      });
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "[ measure  ] SMTP: " << results.size() << " messages from " << threads << " threads in " << seconds
            << " s = " << static_cast<double>(results.size()) / seconds << " messages/s\n";
  for (const SendResult& result : results) ASSERT_TRUE(result.sent) << result.error;

  // Exactly once each: count every stored message carrying one of our attempt ids.
  std::map<std::string, int> seen;
  std::set<int> client_ports;
  const std::string prefix = "\r\nX-TR1L-Attempt: 2026-10/";
  for (const auto& entry : std::filesystem::directory_iterator(variable("TR1L_TEST_SMTP_MAILDIR"))) {
    if (entry.path().extension() != ".eml") continue;
    const std::string text = testing::read_text_file(entry.path());
    const std::size_t at = text.find(prefix);
    if (at == std::string::npos) continue;
    const std::size_t start = at + prefix.size();
    const std::int64_t user = std::stoll(text.substr(start, text.find('/', start) - start));
    if (user < first_user || user >= first_user + threads * per_thread) continue;
    ++seen[std::to_string(user)];
    const nlohmann::json envelope = envelope_of(entry.path());
    EXPECT_EQ(envelope["rcpt_tos"][0], "user" + std::to_string(user - first_user) + "@example.com");
    client_ports.insert(envelope["peer"][1].get<int>());
  }
  EXPECT_EQ(seen.size(), results.size());
  for (const auto& [user, count] : seen) EXPECT_EQ(count, 1) << user;
  // Connections are kept per handle and reused: about one per thread, not one per message.
  EXPECT_LE(client_ports.size(), static_cast<std::size_t>(threads * 2)) << "connections were not reused";
}

TEST_F(SmtpSenderIntegration, RefusedRecipientFailsWithoutTheAddress) {
  auto sender = plain_sender();
  const std::string refused = "minjun.kim@refuse.invalid";
  const SendResult result = sender->send(email_to(refused));
  EXPECT_FALSE(result.sent);
  EXPECT_TRUE(result.error.starts_with("SMTP 550")) << result.error;
  expect_no_destination(result, refused);

  const std::string deferred = "seoyeon.park@tempfail.invalid";
  const SendResult temporary = sender->send(email_to(deferred));
  EXPECT_FALSE(temporary.sent);
  EXPECT_TRUE(temporary.error.starts_with("SMTP 451")) << temporary.error;
  expect_no_destination(temporary, deferred);

  // The connection survives a refused recipient: the next message goes through.
  const OutgoingMessage next = email_to("after.refusal@example.com");
  EXPECT_TRUE(sender->send(next).sent);
  EXPECT_EQ(messages_for(next.attempt_id).size(), 1u);
}

TEST_F(SmtpSenderIntegration, AddressesThatAreNotDeliverableAreRefusedBeforeSending) {
  auto sender = plain_sender();
  for (const std::string destination : {"not-an-address", "a@b", "x@example.com\r\nBcc: y@example.com",
                                        "\"quoted local\"@example.com", "<x@example.com>"}) {
    const OutgoingMessage message = email_to(destination);
    const SendResult result = sender->send(message);
    EXPECT_FALSE(result.sent) << destination;
    EXPECT_EQ(result.error.find(destination), std::string::npos) << result.error;
    EXPECT_TRUE(messages_for(message.attempt_id).empty());
  }
  OutgoingMessage sms = email_to("x@example.com");
  sms.channel = domain::Channel::Sms;
  EXPECT_FALSE(sender->send(sms).sent);
}

TEST_F(SmtpSenderIntegration, AnInvoiceThatIsNotGzipIsRefusedBeforeSending) {
  auto sender = plain_sender();
  OutgoingMessage message = email_to("jiwoo.lee@example.com");
  message.body = invoice_html(message.user_id);  // the HTML itself, not the stored document
  const SendResult result = sender->send(message);
  EXPECT_FALSE(result.sent);
  EXPECT_TRUE(result.error.starts_with("SMTP: the invoice document is not usable: not gzip data")) << result.error;
  EXPECT_TRUE(messages_for(message.attempt_id).empty());
}

TEST_F(SmtpSenderIntegration, StartTlsAndAuthentication) {
  const std::string base = variable("TR1L_TEST_SMTP_URL");
  const std::string url = base.substr(0, base.find('?')) + "?from=billing@tr1l.example&starttls=required&ca_file=" +
                          variable("TR1L_TEST_SMTP_CA_FILE");
  SmtpSender sender(parse_smtp_settings(url),
                    SmtpCredentials{variable("TR1L_TEST_SMTP_USERNAME"), variable("TR1L_TEST_SMTP_PASSWORD")});
  const OutgoingMessage message = email_to("tls.user@example.com");
  const SendResult result = sender.send(message);
  ASSERT_TRUE(result.sent) << result.error;
  const auto stored = messages_for(message.attempt_id);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(envelope_of(stored[0])["tls"], true);
  EXPECT_EQ(envelope_of(stored[0])["auth_user"], variable("TR1L_TEST_SMTP_USERNAME"));

  // A wrong password is a failed send that names neither the password nor the address.
  const std::string wrong_password = "wrong-" + variable("TR1L_TEST_SMTP_PASSWORD");
  SmtpSender wrong(parse_smtp_settings(url), SmtpCredentials{variable("TR1L_TEST_SMTP_USERNAME"), wrong_password});
  const SendResult refused = wrong.send(email_to("tls.user@example.com"));
  EXPECT_FALSE(refused.sent);
  EXPECT_TRUE(refused.error.starts_with("SMTP 535")) << refused.error;
  EXPECT_EQ(refused.error.find(wrong_password), std::string::npos);
  expect_no_destination(refused, "tls.user@example.com");

  // Without the sink's certificate, required TLS cannot be verified and nothing is sent.
  SmtpSender unverified(parse_smtp_settings(base.substr(0, base.find('?')) + "?from=billing@tr1l.example"), {});
  const OutgoingMessage unsent = email_to("tls.user@example.com");
  const SendResult untrusted = unverified.send(unsent);
  EXPECT_FALSE(untrusted.sent);
  EXPECT_TRUE(untrusted.error.starts_with("SMTP ")) << untrusted.error;
  expect_no_destination(untrusted, "tls.user@example.com");
  EXPECT_TRUE(messages_for(unsent.attempt_id).empty());
}

TEST_F(SmtpSenderIntegration, ImplicitTls) {
  SmtpSender sender(parse_smtp_settings(variable("TR1L_TEST_SMTPS_URL")), {});
  const OutgoingMessage message = email_to("smtps.user@example.com");
  const SendResult result = sender.send(message);
  ASSERT_TRUE(result.sent) << result.error;
  const auto stored = messages_for(message.attempt_id);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(envelope_of(stored[0])["tls"], true);
}

// A loopback socket that accepts connections (the kernel completes the handshake) but never
// says a word: an SMTP server that hangs before its greeting.
class SilentServer {
 public:
  SilentServer() {
    descriptor_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (descriptor_ < 0 || ::bind(descriptor_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(descriptor_, 16) != 0 || ::getsockname(descriptor_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("cannot open a loopback socket");
    }
    port_ = ntohs(address.sin_port);
  }
  ~SilentServer() { ::close(descriptor_); }
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;
  int port() const { return port_; }

 private:
  int descriptor_ = -1;
  int port_ = 0;
};

// A scripted SMTP server for what the sink cannot do on demand: it serves connections one after
// another and, on its first connection, hangs up without a word at a chosen point of the second
// transaction, the way a server drops a connection that sat idle in the client's pool.
class HangingUpServer {
 public:
  enum class HangUp { on_mail_from, after_data };

  explicit HangingUpServer(HangUp when) : when_(when) {
    thread_ = std::jthread([this](std::stop_token stop) { serve(stop); });
  }
  ~HangingUpServer() {
    thread_.request_stop();
    ::shutdown(listener_.descriptor(), SHUT_RDWR);
  }
  HangingUpServer(const HangingUpServer&) = delete;
  HangingUpServer& operator=(const HangingUpServer&) = delete;

  int port() const { return listener_.port(); }
  int connections() const { return connections_; }
  int messages() const { return messages_; }

 private:
  class Listener {
   public:
    Listener() {
      descriptor_ = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      socklen_t length = sizeof address;
      if (descriptor_ < 0 || ::bind(descriptor_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
          ::listen(descriptor_, 16) != 0 ||
          ::getsockname(descriptor_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw std::runtime_error("cannot open a loopback socket");
      }
      port_ = ntohs(address.sin_port);
    }
    ~Listener() { ::close(descriptor_); }
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;
    int descriptor() const { return descriptor_; }
    int port() const { return port_; }

   private:
    int descriptor_ = -1;
    int port_ = 0;
  };

  static void say(int connection, std::string_view line) {
    const std::string text = std::string(line) + "\r\n";
    [[maybe_unused]] const auto written = ::write(connection, text.data(), text.size());
  }

  // One line without its CRLF; nullopt when the client closed.
  static std::optional<std::string> read_line(int connection, std::string& buffer) {
    while (true) {
      const std::size_t end = buffer.find("\r\n");
      if (end != std::string::npos) {
        std::string line = buffer.substr(0, end);
        buffer.erase(0, end + 2);
        return line;
      }
      char chunk[4096];
      const ssize_t got = ::read(connection, chunk, sizeof chunk);
      if (got <= 0) return std::nullopt;
      buffer.append(chunk, static_cast<std::size_t>(got));
    }
  }

  void serve(const std::stop_token& stop) {
    while (!stop.stop_requested()) {
      const int connection = ::accept(listener_.descriptor(), nullptr, nullptr);
      if (connection < 0) return;
      const int number = ++connections_;
      int transactions = 0;
      std::string buffer;
      say(connection, "220 scripted");
      while (const auto line = read_line(connection, buffer)) {
        if (line->starts_with("EHLO") || line->starts_with("HELO")) {
          say(connection, "250 scripted");
        } else if (line->starts_with("MAIL")) {
          ++transactions;
          if (number == 1 && transactions == 2 && when_ == HangUp::on_mail_from) break;
          say(connection, "250 ok");
        } else if (line->starts_with("RCPT")) {
          say(connection, "250 ok");
        } else if (*line == "DATA") {
          say(connection, "354 go ahead");
          while (const auto data = read_line(connection, buffer)) {
            if (*data == ".") break;
          }
          ++messages_;
          if (number == 1 && transactions == 2 && when_ == HangUp::after_data) break;
          say(connection, "250 queued");
        } else if (*line == "QUIT") {
          say(connection, "221 bye");
          break;
        } else {
          say(connection, "250 ok");
        }
      }
      ::close(connection);
    }
  }

  HangUp when_;
  Listener listener_;
  std::atomic<int> connections_{0};
  std::atomic<int> messages_{0};
  std::jthread thread_;
};

TEST(SmtpSenderFailures, APooledConnectionTheServerDroppedIsRetriedOnceOnANewOne) {
  HangingUpServer server(HangingUpServer::HangUp::on_mail_from);
  SmtpSender sender(parse_smtp_settings("smtp://127.0.0.1:" + std::to_string(server.port()) +
                                        "?from=billing@tr1l.example&starttls=off&timeout=5"),
                    {});
  ASSERT_TRUE(sender.send(email_to("first@example.com")).sent);
  // The second message goes out on the pooled connection, which the server drops before
  // answering MAIL FROM: nothing can have been delivered, so it is sent again on a new one.
  const SendResult second = sender.send(email_to("second@example.com"));
  EXPECT_TRUE(second.sent) << second.error;
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(server.messages(), 2);
}

TEST(SmtpSenderFailures, ADropAfterTheMessageWasSentIsAFailureNotARepeat) {
  HangingUpServer server(HangingUpServer::HangUp::after_data);
  SmtpSender sender(parse_smtp_settings("smtp://127.0.0.1:" + std::to_string(server.port()) +
                                        "?from=billing@tr1l.example&starttls=off&timeout=5"),
                    {});
  ASSERT_TRUE(sender.send(email_to("first@example.com")).sent);
  // The server took the whole message and hung up instead of answering: it may have been
  // delivered, so sending it again could be a second e-mail.
  const std::string destination = "second.person@example.com";
  const SendResult second = sender.send(email_to(destination));
  EXPECT_FALSE(second.sent);
  EXPECT_TRUE(second.error.starts_with("SMTP ")) << second.error;
  expect_no_destination(second, destination);
  EXPECT_EQ(server.messages(), 2);
  EXPECT_EQ(server.connections(), 1);
}

// These need no sink.
TEST(SmtpSenderFailures, RefusedConnectionAndSilentServerFailWithoutTheAddress) {
  int closed_port = 0;
  {
    const SilentServer probe;  // a port that was free a moment ago and is closed again
    closed_port = probe.port();
  }
  SmtpSender refused(parse_smtp_settings("smtp://127.0.0.1:" + std::to_string(closed_port) +
                                         "?from=billing@tr1l.example&starttls=off&timeout=5"),
                     {});
  const std::string destination = "jiwoo.lee@example.com";
  const SendResult connection = refused.send(email_to(destination));
  EXPECT_FALSE(connection.sent);
  EXPECT_TRUE(connection.error.starts_with("SMTP connection failed")) << connection.error;
  expect_no_destination(connection, destination);

  const SilentServer silent;
  SmtpSender waiting(parse_smtp_settings("smtp://127.0.0.1:" + std::to_string(silent.port()) +
                                         "?from=billing@tr1l.example&starttls=off&timeout=1"),
                     {});
  const auto started = std::chrono::steady_clock::now();
  const SendResult timeout = waiting.send(email_to(destination));
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_FALSE(timeout.sent);
  EXPECT_TRUE(timeout.error.starts_with("SMTP timeout after 1 s")) << timeout.error;
  expect_no_destination(timeout, destination);
  EXPECT_LT(waited, std::chrono::seconds(5));
}

}  // namespace
}  // namespace tr1l::adapters::smtp
