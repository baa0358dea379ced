#include "common/progress.h"

#include <unistd.h>

#include <cstdio>

#include "domain/money.h"

namespace tr1l {

std::string group_thousands(std::int64_t value) { return domain::format_grouped(domain::Won(value)); }

Progress::Progress(std::string label, std::int64_t total)
    : label_(std::move(label)),
      total_(total),
      started_(std::chrono::steady_clock::now()),
      last_draw_(started_),
      on_terminal_(isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() { finish(); }

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

void Progress::advance(std::int64_t count) {
  done_ += count;
  if (!on_terminal_) return;
  auto now = std::chrono::steady_clock::now();
  std::unique_lock lock(draw_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  draw();
}

void Progress::draw() {
  const double seconds = elapsed_seconds();
  const std::int64_t done = done_;
  const std::int64_t rate = seconds > 0 ? static_cast<std::int64_t>(done / seconds) : 0;
  std::string line = "\r" + label_ + "  " + group_thousands(done);
  if (total_ > 0) line += " / " + group_thousands(total_) + " (" + std::to_string(done * 100 / total_) + "%)";
  line += "  " + group_thousands(rate) + "/s  ";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

void Progress::finish() {
  std::lock_guard lock(draw_mutex_);
  if (finished_) return;
  finished_ = true;
  if (on_terminal_) std::fputs("\r\033[2K", stderr);
}

}  // namespace tr1l
