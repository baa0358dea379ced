// Lower-case hex SHA-256 of a byte string (OpenSSL), as stored in object locations and sent as
// S3's x-amz-content-sha256.
#pragma once

#include <string>
#include <string_view>

namespace tr1l::common {

std::string sha256_hex(std::string_view bytes);

}  // namespace tr1l::common
