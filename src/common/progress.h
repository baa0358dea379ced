// Progress of a long job on a terminal: one line redrawn in place at most five times a second
// ("settle 2026-10  412,000 done  51,230/s"), and nothing at all when stderr is not a terminal.
// Thread-safe: workers call advance() concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace tr1l {

class Progress {
 public:
  Progress(std::string label, std::int64_t total = 0);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(std::int64_t count);
  void set_total(std::int64_t total) { total_ = total; }
  std::int64_t done() const { return done_; }
  double elapsed_seconds() const;
  // Clears the progress line so the summary prints on a clean line.
  void finish();

 private:
  void draw();

  std::string label_;
  std::atomic<std::int64_t> total_;
  std::atomic<std::int64_t> done_{0};
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_draw_;
  std::mutex draw_mutex_;
  bool on_terminal_;
  bool finished_ = false;
};

// "1,234,567"
std::string group_thousands(std::int64_t value);

}  // namespace tr1l
