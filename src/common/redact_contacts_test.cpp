#include "common/redact_contacts.h"

#include <gtest/gtest.h>

namespace tr1l {
namespace {

TEST(RedactContacts, RemovesAddressesAndPhoneNumbers) {
  EXPECT_EQ(redact_contacts("5.1.1 <minjun.kim+x@example.co.kr>: mailbox unavailable"),
            "5.1.1 <[e-mail]>: mailbox unavailable");
  EXPECT_EQ(redact_contacts("{\"error\":\"invalid recipient 010-1234-5678\"}"),
            "{\"error\":\"invalid recipient [number]\"}");
  EXPECT_EQ(redact_contacts("to 01012345678 and +82 10 1234 5678."), "to [number] and [number].");
  EXPECT_EQ(redact_contacts("reject400:010-9999-8888", "reject400:010-9999-8888"), "[destination]");
}

TEST(RedactContacts, KeepsCodesAndShortNumbers) {
  EXPECT_EQ(redact_contacts("550 5.1.1 gateway 503 after 4 tries"), "550 5.1.1 gateway 503 after 4 tries");
  EXPECT_EQ(redact_contacts("2026-10/12345/0 at @ and a@ and @b"), "2026-10/12345/0 at @ and a@ and @b");
}

TEST(RedactContacts, ControlCharactersAndLength) {
  EXPECT_EQ(redact_contacts("a\r\nb\tc"), "a  b c");
  EXPECT_EQ(redact_contacts(std::string(500, 'x'), {}, 10), std::string(10, 'x'));
  // Never cuts a UTF-8 character in half: "청" is three bytes.
  EXPECT_EQ(redact_contacts("청구서", {}, 4), "청");
}

}  // namespace
}  // namespace tr1l
