// URLs made safe for messages and logs: the password is dropped from the user info and from a
// `password=` query parameter ("postgresql://tr1l:secret@db/x" -> "postgresql://tr1l@db/x").
#pragma once

#include <string>
#include <string_view>

namespace tr1l {

std::string redact_url(std::string_view url);

}  // namespace tr1l
