#include "mxconf/pipeline/graph.h"

#include <algorithm>

#include <cstring>
#include <stdexcept>

namespace mxconf::pipeline {

int64_t Tensor::element_count() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

const Tensor* Graph::find(const std::string& name) const {
  for (const Tensor& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

Tensor* Graph::find(const std::string& name) {
  return const_cast<Tensor*>(static_cast<const Graph*>(this)->find(name));
}

const std::string& Graph::add_tensor(Tensor t) {
  if (find(t.name)) throw std::logic_error("tensor '" + t.name + "' already exists");
  // SHAPE tensors stay after all others: the .tosa file keeps shape values apart (the block's
  // `shapes` table), so this is the order a graph reads back in, and a graph equals its copy
  // read from the file.
  if (t.dtype == DType::shape) {
    tensors.push_back(std::move(t));
    return tensors.back().name;
  }
  const auto first_shape = std::find_if(tensors.begin(), tensors.end(),
                                        [](const Tensor& x) { return x.dtype == DType::shape; });
  return tensors.insert(first_shape, std::move(t))->name;
}

std::string Graph::unique_name(const std::string& stem) const {
  if (!find(stem)) return stem;
  for (int i = 1;; ++i) {
    std::string n = stem + "_" + std::to_string(i);
    if (!find(n)) return n;
  }
}

Tensor make_const(std::string name, DType t, std::vector<int64_t> shape,
                  std::vector<uint8_t> data) {
  return Tensor{std::move(name), std::move(shape), t, std::move(data)};
}

Tensor make_shape_const(std::string name, const std::vector<int64_t>& values) {
  std::vector<uint8_t> bytes(values.size() * 8);
  for (size_t i = 0; i < values.size(); ++i) {
    const uint64_t v = uint64_t(values[i]);
    for (int b = 0; b < 8; ++b) bytes[i * 8 + size_t(b)] = uint8_t(v >> (8 * b));
  }
  return Tensor{std::move(name), {int64_t(values.size())}, DType::shape, std::move(bytes)};
}

std::string join_dims(const std::vector<int64_t>& dims, const char* sep) {
  std::string s;
  for (int64_t x : dims) {
    if (!s.empty()) s += sep;
    s += std::to_string(x);
  }
  return s;
}

std::string tensor_text(const Tensor* t) {
  if (t == nullptr) return "(undeclared)";
  return std::string(name(t->dtype)) + shape_string(t->shape);
}

std::vector<int64_t> shape_values(const Tensor& shape_tensor) {
  std::vector<int64_t> out;
  if (!shape_tensor.data) return out;
  const auto& d = *shape_tensor.data;
  for (size_t i = 0; i + 8 <= d.size(); i += 8) {
    uint64_t v = 0;
    for (int b = 0; b < 8; ++b) v |= uint64_t(d[i + size_t(b)]) << (8 * b);
    out.push_back(int64_t(v));
  }
  return out;
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(shape[i]);
  }
  out += ']';
  return out;
}

}  // namespace mxconf::pipeline
