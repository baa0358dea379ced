#include "common/object_key.h"

namespace tr1l::common {

std::optional<std::string> object_key_problem(std::string_view key) {
  if (key.empty()) return "empty key";
  if (key.size() > max_object_key_length) {
    return "key longer than " + std::to_string(max_object_key_length) + " bytes";
  }
  if (key.front() == '/') return "key must not start with '/' (absolute path)";
  for (const char character : key) {
    const auto byte = static_cast<unsigned char>(character);
    if (byte < 0x20 || byte == 0x7f) return "key contains a control character";
  }
  std::size_t segment_start = 0;
  while (true) {
    const std::size_t slash = key.find('/', segment_start);
    const std::string_view segment =
        key.substr(segment_start, slash == std::string_view::npos ? std::string_view::npos : slash - segment_start);
    if (segment.empty()) return "key has an empty path segment ('//' or a trailing '/')";
    if (segment == "." || segment == "..") return "key has a '.' or '..' path segment";
    if (slash == std::string_view::npos) break;
    segment_start = slash + 1;
  }
  return std::nullopt;
}

}  // namespace tr1l::common
