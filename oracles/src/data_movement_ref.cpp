#include "mxconf/oracles/data_movement_ref.h"

#include <stdexcept>
#include <string>

namespace mxconf::oracles {
namespace {

int64_t tensor_size(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// The spec's tensor_index_to_offset and tensor_offset_to_index (C order), as written there.
int64_t tensor_index_to_offset(const std::vector<int64_t>& shape,
                               const std::vector<int64_t>& index) {
  int64_t offset = 0;
  for (size_t i = 0; i < shape.size(); ++i) offset = offset * shape[i] + index[i];
  return offset;
}
std::vector<int64_t> tensor_offset_to_index(const std::vector<int64_t>& shape, int64_t offset) {
  std::vector<int64_t> index(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    index[i] = offset % shape[i];
    offset /= shape[i];
  }
  return index;
}

}  // namespace

std::vector<uint8_t> reference_reshape(std::span<const uint8_t> in,
                                       const std::vector<int64_t>& in_shape,
                                       const std::vector<int64_t>& out_shape) {
  if (tensor_size(in_shape) != tensor_size(out_shape) || size_t(tensor_size(in_shape)) != in.size())
    throw std::invalid_argument("reshape: ERROR_IF(tensor_size(shape1) != tensor_size(shape))");
  std::vector<uint8_t> out(in.size());
  std::vector<int64_t> index(out_shape.size(), 0);
  for (size_t o = 0; o < out.size(); ++o) {
    const int64_t offset = tensor_index_to_offset(out_shape, index);
    const std::vector<int64_t> tmp_index = tensor_offset_to_index(in_shape, offset);
    out[size_t(offset)] = in[size_t(tensor_index_to_offset(in_shape, tmp_index))];
    for (size_t i = index.size(); i-- > 0;) {  // the next data position, last dimension fastest
      if (++index[i] < out_shape[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

std::vector<uint8_t> reference_row_gather(std::span<const uint8_t> values, int64_t n, int64_t k,
                                          int64_t c, std::span<const int64_t> indices, int64_t w,
                                          int64_t row_count) {
  if (row_count < 1) throw std::invalid_argument("row_gather: ERROR_IF(row_count < 1)");
  if (values.size() != size_t(n * k * c) || indices.size() != size_t(n * w))
    throw std::invalid_argument("row_gather: operand sizes disagree with [N,K,C] and [N,W]");
  std::vector<uint8_t> out(size_t(n * w * row_count * c));
  for (int64_t in = 0; in < n; ++in) {
    for (int64_t iw = 0; iw < w; ++iw) {
      for (int64_t ic = 0; ic < c; ++ic) {
        const int64_t kk = indices[size_t(in * w + iw)];
        if (!(0 <= kk && kk + row_count <= k))
          throw std::invalid_argument(
              "row_gather: REQUIRE(0 <= k && (k+row_count) <= K) fails "
              "for index " +
              std::to_string(kk));
        for (int64_t r = 0; r < row_count; ++r) {
          out[size_t((in * w * row_count + iw * row_count + r) * c + ic)] =
              values[size_t((in * k + kk + r) * c + ic)];
        }
      }
    }
  }
  return out;
}

}  // namespace mxconf::oracles
