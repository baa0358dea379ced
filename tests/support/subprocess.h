// Runs the real `tr1l` binary from tests: to completion, or in the background to be killed.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tr1l::testing {

struct ProcessResult {
  int exit_code = -1;  // -signal when killed by a signal
  std::string out;
  std::string err;
};

class ChildProcess {
 public:
  // Starts `arguments` (arguments[0] is the executable) with the current environment plus
  // `environment` overrides; stdout and stderr go to files in a private temporary directory.
  ChildProcess(const std::vector<std::string>& arguments, const std::map<std::string, std::string>& environment);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void kill(int signal);
  ProcessResult wait();

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::filesystem::path output_directory_;
};

ProcessResult run_process(const std::vector<std::string>& arguments,
                          const std::map<std::string, std::string>& environment = {});

// A fresh empty directory under /tmp, removed when the object goes away.
class TemporaryDirectory {
 public:
  TemporaryDirectory();
  ~TemporaryDirectory();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string read_text_file(const std::filesystem::path& path);

}  // namespace tr1l::testing
