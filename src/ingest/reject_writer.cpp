#include "ingest/reject_writer.h"

#include <string>

#include "common/csv.h"

namespace tr1l::ingest {

RejectWriter::RejectWriter(std::ostream& output) : output_(output) {
  csv::write_record(output_, {"file", "line", "field", "reason"});
}

void RejectWriter::reject(std::string_view file, std::size_t line, std::string_view field, std::string_view reason) {
  const std::string line_text = std::to_string(line);
  csv::write_record(output_, {file, line_text, field, reason});
  ++count_;
}

}  // namespace tr1l::ingest
