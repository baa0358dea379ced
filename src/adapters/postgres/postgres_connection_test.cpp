#include "adapters/postgres/postgres_connection.h"

#include <gtest/gtest.h>

#include "adapters/postgres/postgres_database.h"
#include "ports/database.h"

namespace tr1l::adapters::postgres {
namespace {

TEST(RedactConnectionString, DropsThePasswordFromUrls) {
  EXPECT_EQ(redact_connection_string("postgresql://billing:s3cr%40t@db.example:5432/tr1l"),
            "postgresql://billing@db.example:5432/tr1l");
  EXPECT_EQ(redact_connection_string("postgres://billing:pw@db/tr1l?sslmode=require&password=other&connect_timeout=5"),
            "postgres://billing@db/tr1l?sslmode=require&connect_timeout=5");
  EXPECT_EQ(redact_connection_string("postgresql://db/tr1l?password=only"), "postgresql://db/tr1l");
  EXPECT_EQ(redact_connection_string("postgresql://postgres@127.0.0.1:5432/tr1l_test"),
            "postgresql://postgres@127.0.0.1:5432/tr1l_test");
  EXPECT_EQ(redact_connection_string("postgresql://user:pw@host"), "postgresql://user@host");
}

TEST(RedactConnectionString, DropsThePasswordFromKeyValueStrings) {
  EXPECT_EQ(redact_connection_string("host=db password=secret dbname=tr1l"), "host=db dbname=tr1l");
  EXPECT_EQ(redact_connection_string("host=db password = 'se cret\\' x' user=u"), "host=db user=u");
  EXPECT_EQ(redact_connection_string("password=secret"), "");
}

TEST(PostgresDatabase, ConnectionFailureIsADatabaseErrorWithoutThePassword) {
  // Port 1 on loopback has no server: the connection is refused at once.
  try {
    PostgresDatabase database("postgresql://billing:hunter2@127.0.0.1:1/tr1l?connect_timeout=2");
    FAIL() << "connected to 127.0.0.1:1";
  } catch (const ports::DatabaseError& error) {
    std::string message = error.what();
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
    EXPECT_NE(message.find("postgresql://billing@127.0.0.1:1/tr1l"), std::string::npos) << message;
    EXPECT_NE(message.find("cannot connect"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace tr1l::adapters::postgres
