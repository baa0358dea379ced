// The object keys every ports::ObjectStore accepts. The local directory mirrors the bucket, so a
// key must be usable both as an S3 key and as a relative file path: '/'-separated non-empty
// segments, none of them "." or "..", no leading '/', no control characters, at most 1024 bytes
// (S3's limit). Keeping one rule for both stores means a key never works on one and fails on the other.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tr1l::common {

constexpr std::size_t max_object_key_length = 1024;

// Why the key is unacceptable, or nullopt when it is fine. The reason does not repeat the key.
std::optional<std::string> object_key_problem(std::string_view key);

}  // namespace tr1l::common
