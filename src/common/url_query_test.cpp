#include "common/url_query.h"

#include <gtest/gtest.h>

namespace tr1l {
namespace {

TEST(UrlQuery, SplitsAndDecodes) {
  const SplitUrl split = split_url("smtp://h:25?from=a%2Bb@c.example&x=1+2&&empty=&x=3");
  EXPECT_EQ(split.base, "smtp://h:25");
  ASSERT_EQ(split.parameters.size(), 4u);
  EXPECT_EQ(split.find("from"), "a+b@c.example");
  EXPECT_EQ(split.find("x"), "3");  // the last one wins
  EXPECT_EQ(split.find("empty"), "");
  EXPECT_EQ(split.find("missing"), std::nullopt);
  EXPECT_TRUE(split_url("http://h/p").parameters.empty());
}

TEST(UrlQuery, RejectsMalformedParametersWithoutEchoingValues) {
  EXPECT_THROW(split_url("http://h?=v"), UrlQueryError);
  EXPECT_THROW(split_url("http://h?flag"), UrlQueryError);
  try {
    split_url("http://h?password=secret%zz");
    ADD_FAILURE();
  } catch (const UrlQueryError& error) {
    EXPECT_EQ(std::string(error.what()).find("secret"), std::string::npos);
  }
}

TEST(UrlQuery, AuthorityHostAndLoopback) {
  EXPECT_EQ(url_authority("smtp://user@mail.example.com:587/x?y"), "mail.example.com:587");
  EXPECT_EQ(authority_host("mail.example.com:587"), "mail.example.com");
  EXPECT_EQ(authority_host("[::1]:25"), "::1");
  EXPECT_EQ(authority_host("host"), "host");
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.1.2.3"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_FALSE(is_loopback_host("127.evil.example"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
}

}  // namespace
}  // namespace tr1l
