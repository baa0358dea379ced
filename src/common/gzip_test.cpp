#include "common/gzip.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <stdexcept>
#include <string>

namespace tr1l::common {
namespace {

// Decompresses with zlib, an implementation independent of libdeflate, and insists on exactly one
// gzip member with nothing after it.
std::string zlib_gunzip(const std::string& compressed) {
  z_stream stream{};
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) throw std::runtime_error("inflateInit2");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  std::string output;
  char buffer[4096];
  int status = Z_OK;
  while (status == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    status = inflate(&stream, Z_NO_FLUSH);
    output.append(buffer, sizeof buffer - stream.avail_out);
  }
  const bool complete = status == Z_STREAM_END && stream.avail_in == 0;
  inflateEnd(&stream);
  if (!complete) throw std::runtime_error("not exactly one complete gzip member");
  return output;
}

std::string sample_document() {
  std::string html = "<!DOCTYPE html>\n<html lang=\"ko\">\n";
  for (int row = 0; row < 200; ++row) {
    html += "<tr><td style=\"padding:5px 0\">부가 요금 " + std::to_string(row) + "</td><td>₩" + std::to_string(row * 137) +
            "</td></tr>\n";
  }
  return html + "</html>\n";
}

TEST(Gzip, RoundTripsThroughZlibAtEveryLevel) {
  const std::string document = sample_document();
  for (int level = 0; level <= 12; ++level) {
    SCOPED_TRACE(level);
    EXPECT_EQ(zlib_gunzip(gzip(document, level)), document);
  }
}

TEST(Gzip, WritesAStandardGzipHeader) {
  const std::string compressed = gzip(sample_document());
  ASSERT_GE(compressed.size(), 18u);
  EXPECT_EQ(static_cast<unsigned char>(compressed[0]), 0x1F);
  EXPECT_EQ(static_cast<unsigned char>(compressed[1]), 0x8B);
  EXPECT_EQ(static_cast<unsigned char>(compressed[2]), 8);  // deflate
  EXPECT_LT(compressed.size(), sample_document().size() / 3);
}

TEST(Gzip, HandlesEmptyAndBinaryInput) {
  EXPECT_EQ(zlib_gunzip(gzip("")), "");
  std::string binary;
  for (int byte = 0; byte < 256; ++byte) binary.push_back(static_cast<char>(byte));
  EXPECT_EQ(zlib_gunzip(gzip(binary)), binary);
}

TEST(Gzip, RejectsLevelsOutsideTheRange) {
  EXPECT_THROW(gzip("x", -1), std::invalid_argument);
  EXPECT_THROW(gzip("x", 13), std::invalid_argument);
}

}  // namespace
}  // namespace tr1l::common

namespace tr1l::common {
namespace {

TEST(Gunzip, ReadsWhatGzipWrote) {
  std::string text;
  for (int index = 0; index < 500; ++index) text += "<tr><td>청구 금액</td><td>" + std::to_string(index) + "</td></tr>";
  for (int level : {0, 1, 6, 12}) EXPECT_EQ(gunzip(gzip(text, level)), text) << level;
  EXPECT_EQ(gunzip(gzip("")), "");
}

TEST(Gunzip, RejectsDamagedOrOversizedData) {
  std::string compressed = gzip(std::string(10000, 'a'), 6);
  try {
    gunzip("<html><body>not gzip at all, certainly</body></html>\n");
    ADD_FAILURE() << "plain text was accepted as gzip";
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "not gzip data (no gzip header)");
  }
  EXPECT_THROW(gunzip("short"), std::runtime_error);
  std::string damaged = compressed;
  damaged[damaged.size() / 2] = static_cast<char>(damaged[damaged.size() / 2] ^ 0x55);
  EXPECT_THROW(gunzip(damaged), std::runtime_error);
  EXPECT_THROW(gunzip(compressed, 9999), std::runtime_error);
  EXPECT_EQ(gunzip(compressed, 10000).size(), 10000u);
}

}  // namespace
}  // namespace tr1l::common
