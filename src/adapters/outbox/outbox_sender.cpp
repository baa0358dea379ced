#include "adapters/outbox/outbox_sender.h"

#include "adapters/smtp/mime_message.h"
#include "adapters/smtp/smtp_sender.h"
#include "common/gzip.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>


namespace tr1l::adapters {
namespace {

std::string lower(std::string_view text) {
  std::string result(text);
  for (char& character : result) character = static_cast<char>(character >= 'A' && character <= 'Z' ? character + 32 : character);
  return result;
}

bool write_all(int descriptor, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t written = ::write(descriptor, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

}  // namespace

std::filesystem::path OutboxSender::journal_path(const std::filesystem::path& directory, domain::Channel channel) {
  return directory / (lower(domain::to_string(channel)) + ".jsonl");
}

static FileDescriptor open_journal(const std::filesystem::path& path) {
  std::filesystem::create_directories(path.parent_path());
  int descriptor = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (descriptor < 0) throw std::runtime_error("cannot open outbox " + path.string() + ": " + std::strerror(errno));
  return FileDescriptor(descriptor);
}

OutboxSender::OutboxSender(std::filesystem::path directory, domain::Channel channel)
    : directory_(std::move(directory)), channel_(channel), journal_(open_journal(journal_path(directory_, channel_))) {}

void OutboxSender::write_email_file(const ports::OutgoingMessage& message, const std::string& html) {
  auto folder = directory_ / "email" / message.month;
  std::filesystem::create_directories(folder);
  auto final_path = folder / fmt::format("{}-r{}.eml", message.user_id, message.round);
  TemporaryFile temporary(folder / fmt::format(".{}-r{}.{}.tmp", message.user_id, message.round, ::getpid()));
  FileDescriptor file(::open(temporary.path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!file.valid()) throw std::runtime_error(std::string("cannot create .eml file: ") + std::strerror(errno));
  // The same MIME message the SMTP sender would put on the wire.
  const std::string eml = smtp::build_mime_message({"billing@tr1l.example", "TR1L", message.destination, message.subject,
                                                    smtp::plain_text_alternative(message.subject), html,
                                                    message.attempt_id, std::chrono::system_clock::now()});
  if (!write_all(file.get(), eml) || file.close() != 0) {
    throw std::runtime_error(std::string("cannot write .eml file: ") + std::strerror(errno));
  }
  std::filesystem::rename(temporary.path(), final_path);
  temporary.release();
}

ports::SendResult OutboxSender::send(const ports::OutgoingMessage& message) {
  try {
    // The journal counts the bytes of what was sent: the HTML for e-mail, the text otherwise.
    std::size_t bytes = message.body.size();
    if (message.channel == domain::Channel::Email) {
      const std::string html = common::gunzip(message.body);
      write_email_file(message, html);
      bytes = html.size();
    }
    nlohmann::json line{{"user_id", message.user_id},
                        {"month", message.month},
                        {"round", message.round},
                        {"channel", domain::to_string(message.channel)},
                        {"attempt_id", message.attempt_id},
                        {"to", message.masked_destination},
                        {"bytes", bytes},
                        {"sent_at", fmt::format("{:%FT%TZ}", fmt::gmtime(std::time(nullptr)))}};
    std::string text = line.dump() + "\n";
    // One write() per line on an O_APPEND descriptor: lines from concurrent senders and
    // processes never interleave.
    if (!write_all(journal_.get(), text)) {
      return {false, std::string("outbox write failed: ") + std::strerror(errno)};
    }
    return {true, ""};
  } catch (const std::exception& error) {
    return {false, error.what()};
  }
}

}  // namespace tr1l::adapters
