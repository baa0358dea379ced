#include "common/gzip.h"

#include <libdeflate.h>

#include <array>
#include <memory>
#include <new>
#include <stdexcept>

namespace tr1l::common {
namespace {

struct CompressorDeleter {
  void operator()(libdeflate_compressor* compressor) const { libdeflate_free_compressor(compressor); }
};
using Compressor = std::unique_ptr<libdeflate_compressor, CompressorDeleter>;

constexpr int kMaximumLevel = 12;

// A compressor holds a few hundred KiB of match-finder tables: allocating one per document would
// cost more than compressing it, and one compressor must not be shared between threads.
libdeflate_compressor& compressor_for(int level) {
  thread_local std::array<Compressor, kMaximumLevel + 1> compressors;
  Compressor& compressor = compressors[static_cast<std::size_t>(level)];
  if (!compressor) {
    compressor.reset(libdeflate_alloc_compressor(level));
    if (!compressor) throw std::bad_alloc();
  }
  return *compressor;
}

struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* decompressor) const { libdeflate_free_decompressor(decompressor); }
};

}  // namespace

std::string gzip(std::string_view data, int level) {
  if (level < 0 || level > kMaximumLevel) {
    throw std::invalid_argument("gzip level " + std::to_string(level) + " is outside 0..12");
  }
  libdeflate_compressor& compressor = compressor_for(level);
  std::string compressed(libdeflate_gzip_compress_bound(&compressor, data.size()), '\0');
  const std::size_t size =
      libdeflate_gzip_compress(&compressor, data.data(), data.size(), compressed.data(), compressed.size());
  // The buffer is the library's own worst-case bound, so running out of room is a library bug.
  if (size == 0) throw std::logic_error("libdeflate_gzip_compress overflowed its own bound");
  compressed.resize(size);
  return compressed;
}

std::string gunzip(std::string_view compressed, std::size_t maximum_size) {
  thread_local std::unique_ptr<libdeflate_decompressor, DecompressorDeleter> decompressor;
  if (!decompressor) {
    decompressor.reset(libdeflate_alloc_decompressor());
    if (!decompressor) throw std::bad_alloc();
  }
  if (compressed.size() < 18) throw std::runtime_error("not gzip data (too short)");
  // Checked before the trailer is trusted: text that is not gzip would otherwise be reported by
  // whatever size its last four bytes happen to spell.
  if (static_cast<unsigned char>(compressed[0]) != 0x1f || static_cast<unsigned char>(compressed[1]) != 0x8b) {
    throw std::runtime_error("not gzip data (no gzip header)");
  }
  // The trailer's ISIZE is the uncompressed size modulo 2^32: exact for documents this small.
  const auto* tail = reinterpret_cast<const unsigned char*>(compressed.data() + compressed.size() - 4);
  std::size_t size = tail[0] | (tail[1] << 8) | (tail[2] << 16) | (static_cast<std::size_t>(tail[3]) << 24);
  if (size > maximum_size) throw std::runtime_error("gzip data would expand beyond " + std::to_string(maximum_size) + " bytes");
  std::string plain(size, '\0');
  std::size_t actual = 0;
  auto result = libdeflate_gzip_decompress(decompressor.get(), compressed.data(), compressed.size(), plain.data(),
                                           plain.size(), &actual);
  if (result != LIBDEFLATE_SUCCESS || actual != size) throw std::runtime_error("not valid gzip data");
  return plain;
}

}  // namespace tr1l::common
