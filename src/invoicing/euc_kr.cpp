#include "invoicing/euc_kr.h"

#include <iconv.h>

#include <array>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

namespace tr1l::invoicing {
namespace {

// One conversion descriptor per thread: iconv_open loads the gconv module (far slower than
// converting an SMS), and a descriptor carries conversion state, so threads cannot share one.
class Converter {
 public:
  Converter() : descriptor_(iconv_open("CP949", "UTF-8")) {
    if (descriptor_ == invalid()) throw std::system_error(errno, std::generic_category(), "iconv_open(CP949, UTF-8)");
  }
  ~Converter() { iconv_close(descriptor_); }
  Converter(const Converter&) = delete;
  Converter& operator=(const Converter&) = delete;

  std::optional<std::size_t> length(std::string_view utf8) {
    iconv(descriptor_, nullptr, nullptr, nullptr, nullptr);  // back to the initial state
    // iconv's interface takes char** although it never writes through the input pointer.
    char* input = const_cast<char*>(utf8.data());
    std::size_t input_left = utf8.size();
    std::size_t total = 0;
    std::array<char, 256> buffer;
    while (input_left > 0) {
      char* output = buffer.data();
      std::size_t output_left = buffer.size();
      const std::size_t result = iconv(descriptor_, &input, &input_left, &output, &output_left);
      total += buffer.size() - output_left;
      if (result == static_cast<std::size_t>(-1) && errno != E2BIG) return std::nullopt;  // EILSEQ, EINVAL
    }
    return total;
  }

 private:
  static iconv_t invalid() { return reinterpret_cast<iconv_t>(-1); }
  iconv_t descriptor_;
};

Converter& converter() {
  thread_local Converter instance;
  return instance;
}

}  // namespace

std::optional<std::size_t> try_euc_kr_length(std::string_view utf8) { return converter().length(utf8); }

std::size_t euc_kr_length(std::string_view utf8) {
  if (const std::optional<std::size_t> length = try_euc_kr_length(utf8)) return *length;
  throw std::invalid_argument("text is not valid UTF-8 or has a character with no EUC-KR form");
}

}  // namespace tr1l::invoicing
