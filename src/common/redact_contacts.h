// Free text from outside (an SMTP server's reply, an HTTP gateway's error body, a library's error
// message) made safe for errors and logs: it may echo the address or number we sent to, and no
// plaintext e-mail address or phone number may leave the sender.
#pragma once

#include <string>
#include <string_view>

namespace tr1l {

// Replaces `destination` wherever it occurs, anything shaped like an e-mail address
// ("x@host.example" -> "[e-mail]") and any run of seven or more digits, possibly split by
// hyphens, blanks or dots and led by '+' ("010-1234-5678" -> "[number]"). Control characters
// become blanks, and the result is cut to at most `max_length` bytes (on a UTF-8 boundary).
std::string redact_contacts(std::string_view text, std::string_view destination = {}, std::size_t max_length = 300);

}  // namespace tr1l
