#include "adapters/smtp/smtp_sender.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "adapters/s3/curl_handles.h"
#include "adapters/smtp/mime_message.h"
#include "common/gzip.h"
#include "common/redact_contacts.h"
#include "domain/contact.h"

namespace tr1l::adapters::smtp {
namespace {

// One idle handle (one open connection) per thread that sent recently; more than any delivery
// worker pool is expected to use.
constexpr std::size_t max_idle_connections = 64;
// A connection idle this long is not reused: servers drop idle clients (Postfix after 300 s), and
// a dropped connection costs a failed first command.
constexpr long max_connection_age_seconds = 60;
constexpr long max_connect_seconds = 10;

// The message as curl uploads it after DATA.
struct Upload {
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto& upload = *static_cast<Upload*>(user);
  const std::size_t length = std::min(size * count, upload.data.size() - upload.offset);
  std::memcpy(buffer, upload.data.data() + upload.offset, length);
  upload.offset += length;
  return length;
}

// The server's replies in this transaction, as curl's debug callback sees them. Our own commands
// (including AUTH with the credentials) are never looked at.
struct ServerReplies {
  int count = 0;
  std::string last_failure;  // the last 4xx/5xx reply line, kept for the error text
};

int observe_traffic(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  if (type != CURLINFO_HEADER_IN) return 0;
  auto& replies = *static_cast<ServerReplies*>(user);
  ++replies.count;
  std::string_view line(data, size);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (!line.empty() && (line.front() == '4' || line.front() == '5')) replies.last_failure = std::string(line);
  return 0;
}

// Failures after which nothing can have been delivered when the server never answered: a
// connection the server closed while it sat in the pool.
bool is_stale_connection_error(CURLcode code) {
  return code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING ||
         code == CURLE_WEIRD_SERVER_REPLY;
}

// "550 5.1.1 <x@y>: Recipient address rejected" -> "5.1.1 [e-mail]: Recipient address rejected".
std::string reply_text(std::string_view line, std::string_view destination) {
  std::size_t start = 0;
  while (start < line.size() && start < 3 && line[start] >= '0' && line[start] <= '9') ++start;
  if (start < line.size() && (line[start] == ' ' || line[start] == '-')) ++start;
  return redact_contacts(line.substr(start), destination, 200);
}

std::string failure_text(CURLcode code, long reply_code, const ServerReplies& replies, const char* error_buffer,
                         const SmtpSettings& settings, std::string_view destination) {
  const std::string detail = redact_contacts(error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code),
                                             destination, 200);
  if (reply_code >= 400) {
    std::string text = "SMTP " + std::to_string(reply_code);
    const std::string server_says = reply_text(replies.last_failure, destination);
    if (!server_says.empty()) text += " " + server_says;
    if (code == CURLE_LOGIN_DENIED) text += " (authentication failed)";
    return text;
  }
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return "SMTP timeout after " + std::to_string(settings.timeout.count()) + " s: " + detail;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
      return "SMTP connection failed: " + detail;
    case CURLE_USE_SSL_FAILED:
      return "SMTP server does not offer STARTTLS (starttls=required): " + detail;
    case CURLE_LOGIN_DENIED:
      return "SMTP authentication failed: " + detail;
    default:
      return std::string("SMTP ") + curl_easy_strerror(code) + ": " + detail;
  }
}

// Whether an address can go into RCPT TO and the To header as it is: no blanks, brackets, quotes
// or line breaks that would need quoting or could smuggle in a command or a header.
bool is_sendable_address(std::string_view address) {
  return std::all_of(address.begin(), address.end(), [](char character) {
    return (character >= 'a' && character <= 'z') || (character >= 'A' && character <= 'Z') ||
           (character >= '0' && character <= '9') ||
           std::string_view("!#$%&'*+-/=?^_`{|}~.@").find(character) != std::string_view::npos;
  });
}

}  // namespace

std::string plain_text_alternative(std::string_view subject) {
  std::string text(subject);
  text += "\r\n\r\n";
  text += "이 청구서는 HTML 메일입니다. HTML을 표시할 수 있는 메일 프로그램에서 확인해 주세요.\r\n";
  text += "This invoice is an HTML e-mail; please open it in a mail program that shows HTML.\r\n";
  return text;
}

SmtpSender::SmtpSender(SmtpSettings settings, SmtpCredentials credentials)
    : settings_(std::move(settings)), credentials_(std::move(credentials)), handles_(max_idle_connections) {
  check_credentials_allowed(settings_, credentials_);
}

std::unique_ptr<SmtpSender> SmtpSender::open(std::string_view url) {
  return std::make_unique<SmtpSender>(parse_smtp_settings(url), smtp_credentials_from_environment());
}

ports::SendResult SmtpSender::send(const ports::OutgoingMessage& message) {
  if (message.channel != domain::Channel::Email) {
    return {false, "SMTP: cannot send a " + std::string(domain::to_string(message.channel)) + " message"};
  }
  const auto recipient = domain::normalise_email(message.destination);
  if (!recipient || !is_sendable_address(*recipient)) {
    return {false, "SMTP: the destination is not a deliverable e-mail address"};
  }

  std::string html;
  try {
    html = common::gunzip(message.body);
  } catch (const std::runtime_error& error) {
    return {false, std::string("SMTP: the invoice document is not usable: ") + error.what()};
  }
  std::string mime;
  try {
    mime = build_mime_message({settings_.from_address, settings_.from_display_name, *recipient, message.subject,
                               plain_text_alternative(message.subject), std::move(html), message.attempt_id,
                               std::chrono::system_clock::now()});
  } catch (const MimeError& error) {
    return {false, std::string("SMTP: cannot build the message: ") + error.what()};
  }

  const std::string mail_from = "<" + settings_.from_address + ">";
  s3::HeaderList recipients(curl_slist_append(nullptr, ("<" + *recipient + ">").c_str()));
  if (!recipients) return {false, "SMTP: out of memory"};

  curl::EasyHandlePool::Lease lease = handles_.acquire();
  CURL* handle = lease.get();
  // A pooled connection the server has closed fails before the server says a word; then nothing
  // was delivered and one more try on a new connection is safe. Any other failure is final: the
  // message may have been accepted, and a repeat would be a second e-mail.
  for (int attempt = 0;; ++attempt) {
    Upload upload{mime, 0};
    ServerReplies replies;
    char error_buffer[CURL_ERROR_SIZE] = {};
    curl_easy_reset(handle);
    curl_easy_setopt(handle, CURLOPT_URL, settings_.server_url.c_str());
    curl_easy_setopt(handle, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(handle, CURLOPT_MAIL_RCPT, recipients.get());
    curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(handle, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(handle, CURLOPT_READDATA, &upload);
    curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mime.size()));
    curl_easy_setopt(handle, CURLOPT_USE_SSL,
                     settings_.implicit_tls || settings_.starttls == StartTls::required ? CURLUSESSL_ALL
                     : settings_.starttls == StartTls::optional                         ? CURLUSESSL_TRY
                                                                                        : CURLUSESSL_NONE);
    if (!settings_.ca_file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, settings_.ca_file.c_str());
    if (!credentials_.username.empty()) {
      curl_easy_setopt(handle, CURLOPT_USERNAME, credentials_.username.c_str());
      curl_easy_setopt(handle, CURLOPT_PASSWORD, credentials_.password.c_str());
    }
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count() * 1000));
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, std::min<long>(max_connect_seconds, settings_.timeout.count()));
    curl_easy_setopt(handle, CURLOPT_MAXAGE_CONN, max_connection_age_seconds);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: we run in many threads
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(handle, CURLOPT_DEBUGFUNCTION, observe_traffic);
    curl_easy_setopt(handle, CURLOPT_DEBUGDATA, &replies);
    curl_easy_setopt(handle, CURLOPT_VERBOSE, 1L);  // feeds the debug callback; nothing is printed
    if (attempt > 0) curl_easy_setopt(handle, CURLOPT_FRESH_CONNECT, 1L);

    const CURLcode code = curl_easy_perform(handle);
    if (code == CURLE_OK) return {true, {}};

    long new_connections = 0;
    curl_easy_getinfo(handle, CURLINFO_NUM_CONNECTS, &new_connections);
    if (attempt == 0 && new_connections == 0 && replies.count == 0 && is_stale_connection_error(code)) continue;

    long reply_code = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &reply_code);
    return {false, failure_text(code, reply_code, replies, error_buffer, settings_, message.destination)};
  }
}

}  // namespace tr1l::adapters::smtp
