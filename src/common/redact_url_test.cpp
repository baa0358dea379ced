#include "common/redact_url.h"

#include <gtest/gtest.h>

namespace tr1l {
namespace {

TEST(RedactUrl, DropsPasswordsFromUserInfoAndQuery) {
  EXPECT_EQ(redact_url("postgresql://tr1l:s3cret@db:5432/billing"), "postgresql://tr1l@db:5432/billing");
  EXPECT_EQ(redact_url("postgres://db/billing?sslmode=require&password=s3cret&connect_timeout=5"),
            "postgres://db/billing?sslmode=require&connect_timeout=5");
  EXPECT_EQ(redact_url("mysql://root:pw@host"), "mysql://root@host");
}

TEST(RedactUrl, LeavesUrlsWithoutSecretsAndNonUrlsAlone) {
  EXPECT_EQ(redact_url("sqlite:///var/lib/tr1l.db"), "sqlite:///var/lib/tr1l.db");
  EXPECT_EQ(redact_url("postgresql://tr1l@db/billing"), "postgresql://tr1l@db/billing");
  EXPECT_EQ(redact_url("not a url"), "not a url");
}

}  // namespace
}  // namespace tr1l
