// Hand-made .npy bytes for reader tests: any header dict, any amount of data, so a test can write
// what NumPy would and what it never would.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mxconf::test {

// A version 1.0 file: magic, the dict padded with spaces to a 64-byte boundary and '\n', then
// `payload_bytes` zero bytes.
inline std::vector<uint8_t> npy_bytes(const std::string& header_dict, size_t payload_bytes) {
  std::string header = header_dict;
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string raw = "\x93NUMPY";
  raw += char(1);
  raw += char(0);
  raw += char(header.size() & 0xFF);
  raw += char(header.size() >> 8);
  raw += header;
  raw.append(payload_bytes, '\0');
  return std::vector<uint8_t>(raw.begin(), raw.end());
}

}  // namespace mxconf::test
