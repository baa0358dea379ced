#include "domain/contact.h"

#include <gtest/gtest.h>

namespace tr1l::domain {
namespace {

// The reason normalise_email gives for rejecting the text, or "accepted".
std::string email_problem(std::string_view raw) {
  ContactProblem problem;
  if (normalise_email(raw, &problem)) return "accepted";
  return problem.reason;
}

std::string phone_problem(std::string_view raw) {
  ContactProblem problem;
  if (normalise_phone(raw, &problem)) return "accepted";
  return problem.reason;
}

TEST(NormaliseEmail, AcceptsOrdinaryAddresses) {
  EXPECT_EQ(normalise_email("alice@example.com"), "alice@example.com");
  EXPECT_EQ(normalise_email("a@b.kr"), "a@b.kr");
  EXPECT_EQ(normalise_email("x_y-z.w+tag@sub-domain.example.org"), "x_y-z.w+tag@sub-domain.example.org");
  EXPECT_EQ(normalise_email("user@123.example.kr"), "user@123.example.kr");
  EXPECT_EQ(normalise_email("o'brien!#$%&*=?^`{|}~@example.com"), "o'brien!#$%&*=?^`{|}~@example.com");
}

TEST(NormaliseEmail, TrimsAndLowerCasesOnlyTheDomain) {
  EXPECT_EQ(normalise_email("  Alice.Kim@Example.CO.KR \t\r\n"), "Alice.Kim@example.co.kr");
  EXPECT_EQ(normalise_email("ALICE@EXAMPLE.COM"), "ALICE@example.com");
}

TEST(NormaliseEmail, EnforcesLengthLimits) {
  const std::string local_64(64, 'a');
  EXPECT_EQ(normalise_email(local_64 + "@example.com"), local_64 + "@example.com");
  EXPECT_EQ(email_problem(local_64 + "a@example.com"), "e-mail local part is longer than 64 characters");

  // 64 + 1 + 189 = 254 characters.
  const std::string domain_189 = std::string(61, 'd') + "." + std::string(61, 'd') + "." + std::string(62, 'd') + ".kr";
  ASSERT_EQ(domain_189.size(), 189u);
  EXPECT_EQ(email_problem(local_64 + "@" + domain_189), "accepted");
  EXPECT_EQ(email_problem(local_64 + "@d" + domain_189), "e-mail is longer than 254 characters");
  // Surrounding blanks do not count.
  EXPECT_EQ(email_problem("   " + local_64 + "@" + domain_189 + "   "), "accepted");
}

TEST(NormaliseEmail, ExplainsEachRejection) {
  EXPECT_EQ(email_problem(""), "e-mail is empty");
  EXPECT_EQ(email_problem("  \t "), "e-mail is empty");
  EXPECT_EQ(email_problem("alice.example.com"), "e-mail has no '@'");
  EXPECT_EQ(email_problem("alice@@example.com"), "e-mail has more than one '@'");
  EXPECT_EQ(email_problem("a@b@example.com"), "e-mail has more than one '@'");
  EXPECT_EQ(email_problem("@example.com"), "e-mail has an empty local part");
  const std::string bad_local = "e-mail local part has a blank or a character that is not printable ASCII";
  EXPECT_EQ(email_problem("al ice@example.com"), bad_local);
  EXPECT_EQ(email_problem("al\x01ice@example.com"), bad_local);
  EXPECT_EQ(email_problem("김민준@example.com"), bad_local);
  EXPECT_EQ(email_problem("alice@"), "e-mail has no domain");
  EXPECT_EQ(email_problem("alice@exa_mple.com"), "e-mail domain may only hold letters, digits, hyphens and dots");
  EXPECT_EQ(email_problem("alice@exam ple.com"), "e-mail domain may only hold letters, digits, hyphens and dots");
  EXPECT_EQ(email_problem("alice@예시.kr"), "e-mail domain may only hold letters, digits, hyphens and dots");
  EXPECT_EQ(email_problem("alice@example..com"), "e-mail domain has an empty label");
  EXPECT_EQ(email_problem("alice@.example.com"), "e-mail domain has an empty label");
  EXPECT_EQ(email_problem("alice@example.com."), "e-mail domain has an empty label");
  EXPECT_EQ(email_problem("alice@."), "e-mail domain has an empty label");
  EXPECT_EQ(email_problem("alice@localhost"), "e-mail domain has no dot");
  EXPECT_EQ(email_problem("alice@example.c"), "e-mail domain must end in a label of at least two letters");
  EXPECT_EQ(email_problem("alice@example.c0m"), "e-mail domain must end in a label of at least two letters");
  EXPECT_EQ(email_problem("alice@10.0.0.1"), "e-mail domain must end in a label of at least two letters");
}

TEST(NormaliseEmail, ReasonsDoNotRepeatTheValue) {
  for (const char* raw : {"secretname@@example.com", "secret name@example.com", "secretname@exa_mple.com",
                          "secretname@localhost"}) {
    ContactProblem problem;
    EXPECT_FALSE(normalise_email(raw, &problem));
    EXPECT_FALSE(problem.reason.empty());
    EXPECT_EQ(problem.reason.find("secret"), std::string::npos) << problem.reason;
  }
}

TEST(NormaliseEmail, WorksWithoutAProblemSink) {
  EXPECT_EQ(normalise_email("not an address"), std::nullopt);
  EXPECT_EQ(normalise_phone("not a phone"), std::nullopt);
}

TEST(NormalisePhone, AcceptsKoreanMobileNumbersInAnyCommonLayout) {
  EXPECT_EQ(normalise_phone("010-1234-5678"), "010-1234-5678");
  EXPECT_EQ(normalise_phone("01012345678"), "010-1234-5678");
  EXPECT_EQ(normalise_phone("010 1234 5678"), "010-1234-5678");
  EXPECT_EQ(normalise_phone("  010-1234-5678\t"), "010-1234-5678");
  EXPECT_EQ(normalise_phone("011 234 5678"), "011-234-5678");
  EXPECT_EQ(normalise_phone("0162345678"), "016-234-5678");
  EXPECT_EQ(normalise_phone("017-234-5678"), "017-234-5678");
  EXPECT_EQ(normalise_phone("018-2345-6789"), "018-2345-6789");
  EXPECT_EQ(normalise_phone("019 - 987 - 6543"), "019-987-6543");
  EXPECT_EQ(normalise_phone("010-123-4567"), "010-123-4567");
}

TEST(NormalisePhone, ExplainsEachRejection) {
  EXPECT_EQ(phone_problem(""), "phone number is empty");
  EXPECT_EQ(phone_problem("   "), "phone number is empty");
  EXPECT_EQ(phone_problem("+82-10-1234-5678"), "phone number may only hold digits, hyphens and blanks");
  EXPECT_EQ(phone_problem("010.1234.5678"), "phone number may only hold digits, hyphens and blanks");
  EXPECT_EQ(phone_problem("010-1234-567a"), "phone number may only hold digits, hyphens and blanks");
  EXPECT_EQ(phone_problem("０１０-1234-5678"), "phone number may only hold digits, hyphens and blanks");
  EXPECT_EQ(phone_problem("010-1234-56"), "phone number must have 10 or 11 digits, not 9");
  EXPECT_EQ(phone_problem("010-1234-56789"), "phone number must have 10 or 11 digits, not 12");
  EXPECT_EQ(phone_problem("---"), "phone number must have 10 or 11 digits, not 0");
  EXPECT_EQ(phone_problem("02-1234-5678"), "phone number must start with 010, 011, 016, 017, 018 or 019");
  EXPECT_EQ(phone_problem("012-1234-5678"), "phone number must start with 010, 011, 016, 017, 018 or 019");
  EXPECT_EQ(phone_problem("015-1234-5678"), "phone number must start with 010, 011, 016, 017, 018 or 019");
  EXPECT_EQ(phone_problem("1010-123-4567"), "phone number must start with 010, 011, 016, 017, 018 or 019");
}

}  // namespace
}  // namespace tr1l::domain
