// Tensor layouts for the harness (the judge, the campaigns, the files mxconf hands to other
// systems): permuting a C-order tensor's dims. Written apart from the interpreter's TRANSPOSE on
// purpose, and differently (each output index decoded in mixed radix, where TRANSPOSE steps an
// odometer): if the harness laid out data with the system's own permutation, a permutation bug
// would cancel itself out. Header-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mxconf::oracles {

// Dim j of the result is dim order[j] of `shape` (an empty order is the identity).
inline std::vector<int64_t> permuted_shape(const std::vector<int64_t>& shape,
                                           const std::vector<int64_t>& order) {
  if (order.empty()) return shape;
  std::vector<int64_t> s(order.size());
  for (size_t j = 0; j < s.size(); ++j) s[j] = shape[size_t(order[j])];
  return s;
}

// The order that undoes `order`.
inline std::vector<int64_t> inverse_order(const std::vector<int64_t>& order) {
  std::vector<int64_t> inverse(order.size());
  for (size_t j = 0; j < inverse.size(); ++j) inverse[size_t(order[j])] = int64_t(j);
  return inverse;
}

// Permutes a C-order tensor of `shape`: out dim j = in dim order[j].
template <typename T>
std::vector<T> permute_dims(const std::vector<T>& in, const std::vector<int64_t>& shape,
                            const std::vector<int64_t>& order) {
  if (order.empty()) return in;
  std::vector<size_t> in_stride(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) in_stride[i - 1] = in_stride[i] * size_t(shape[i]);
  std::vector<T> out(in.size());
  for (size_t o = 0; o < out.size(); ++o) {
    size_t rest = o, src = 0;
    for (size_t j = order.size(); j-- > 0;) {
      const size_t extent = size_t(shape[size_t(order[j])]);  // output dim j
      src += (rest % extent) * in_stride[size_t(order[j])];
      rest /= extent;
    }
    out[o] = in[src];
  }
  return out;
}

// The inverse of permute_dims(.., order): `permuted`, of shape permuted_shape(logical, order)
// (which is what `shape` gives), back in the logical order.
template <typename T>
std::vector<T> unpermute_dims(const std::vector<T>& permuted, const std::vector<int64_t>& shape,
                              const std::vector<int64_t>& order) {
  if (order.empty()) return permuted;
  return permute_dims(permuted, shape, inverse_order(order));
}

}  // namespace mxconf::oracles
