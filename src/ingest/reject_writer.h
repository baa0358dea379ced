// The reject file of `tr1l import`: one CSV row per input row that was not loaded, saying where it
// is (file and the physical line its record starts on), which field is wrong and why. Reasons
// never carry a full e-mail address or phone number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string_view>

namespace tr1l::ingest {

class RejectWriter {
 public:
  // Writes the header row "file,line,field,reason" at once, so even a clean import leaves a
  // well-formed (empty) reject file.
  explicit RejectWriter(std::ostream& output);

  RejectWriter(const RejectWriter&) = delete;
  RejectWriter& operator=(const RejectWriter&) = delete;

  // `field` is the column name, or empty when the row as a whole is wrong (field count, syntax).
  void reject(std::string_view file, std::size_t line, std::string_view field, std::string_view reason);

  std::int64_t count() const { return count_; }

 private:
  std::ostream& output_;
  std::int64_t count_ = 0;
};

}  // namespace tr1l::ingest
