#include <algorithm>
#include <cstring>
#include <sstream>

#include "mxconf/faults/faults.h"
#include "mxconf/formats/codec.h"
#include "mxconf/formats/packing.h"
#include "mxconf/formats/scalar_types.h"
#include "mxconf/pipeline/interpreter.h"
#include "mxconf/pipeline/verifier.h"

namespace mxconf::pipeline {
namespace {

int64_t count_of(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

[[noreturn]] void fail(const Operator& op, const std::string& why) {
  throw InterpretError(std::string(name(op.op)) + ": " + why);
}

// A constant's value borrows the loaded graph's bytes wherever they already are the value (FP32,
// BF16, FP8 codes, E8M0 scales): no copy out of the file's constant data. Only fp6/fp4 are
// unpacked. Borrowed values never outlive the run (run() hands back owned copies).
Value constant_value(const Tensor& t) {
  Value v;
  v.dtype = t.dtype;
  v.shape = t.shape;
  const auto& d = *t.data;
  const size_t n = size_t(t.element_count());
  const size_t bytes_needed = t.dtype == DType::fp32 ? n * 4 : t.dtype == DType::bf16 ? n * 2 : n;
  if ((t.dtype == DType::fp32 || t.dtype == DType::bf16 || t.dtype == DType::fp8ue8m0) &&
      d.size() != bytes_needed) {
    throw InterpretError("constant '" + t.name + "': " + std::to_string(d.size()) + " bytes for " +
                         std::to_string(n) + " elements");
  }
  if (t.dtype == DType::fp32) {
    // The IR keeps constant bytes in a std::vector<uint8_t>, whose storage operator new aligns
    // for any fundamental type.
    v.f32 = Buffer<float>::borrow(reinterpret_cast<const float*>(d.data()), n);
  } else if (t.dtype == DType::bf16) {
    v.bf16 = Buffer<uint16_t>::borrow(reinterpret_cast<const uint16_t*>(d.data()), n);
  } else if (auto e = element_type(t.dtype)) {
    if (formats::packed_size(*e, n) != d.size())
      throw InterpretError("constant '" + t.name + "': bad packed size");
    if (formats::traits(*e).code_bits == 8) {
      v.codes = Buffer<uint8_t>::borrow(d.data(), n);  // fp8: one code per byte, as stored
    } else {
      std::vector<uint8_t> codes;
      formats::unpack(*e, d, n, codes);
      v.codes = std::move(codes);
    }
  } else if (t.dtype == DType::fp8ue8m0) {
    v.codes = Buffer<uint8_t>::borrow(d.data(), n);
  } else if (t.dtype == DType::shape || t.dtype == DType::int64) {
    v.ints = shape_values(t);
  } else if (t.dtype == DType::int32) {
    if (d.size() != n * 4) throw InterpretError("constant '" + t.name + "': bad INT32 size");
    v.ints.resize(n);
    for (size_t i = 0; i < n; ++i) {
      int32_t x;
      std::memcpy(&x, d.data() + 4 * i, 4);
      v.ints[i] = x;
    }
  } else {
    throw InterpretError("constant '" + t.name + "': dtype " + std::string(name(t.dtype)) +
                         " is not supported");
  }
  return v;
}

Buffer<float> as_f32(const Value& v) {
  if (v.dtype == DType::fp32) return v.f32;
  std::vector<float> out(v.bf16.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = formats::bf16_to_float(v.bf16[i]);
  return out;
}

// A value handed out of a run: its own storage, never borrowed from the graph.
Value owned(Value v) {
  v.f32 = v.f32.owned();
  v.bf16 = v.bf16.owned();
  v.codes = v.codes.owned();
  return v;
}

// Strides of a C-order shape.
std::vector<int64_t> strides(const std::vector<int64_t>& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

template <typename T>
std::vector<T> permute(const Buffer<T>& in, const std::vector<int64_t>& in_shape,
                       const std::vector<int32_t>& perms) {
  std::vector<int64_t> out_shape(perms.size());
  for (size_t i = 0; i < perms.size(); ++i) out_shape[i] = in_shape[size_t(perms[i])];
  const auto ist = strides(in_shape);
  std::vector<T> out(in.size());
  std::vector<int64_t> idx(out_shape.size(), 0);
  for (size_t o = 0; o < out.size(); ++o) {
    int64_t src = 0;
    for (size_t i = 0; i < idx.size(); ++i) src += idx[i] * ist[size_t(perms[i])];
    out[o] = in[size_t(src)];
    for (size_t i = idx.size(); i-- > 0;) {
      if (++idx[i] < out_shape[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

class Interpreter {
 public:
  Interpreter(const Graph& g, const InterpreterOptions& o) : g_(g), o_(o) {}

  std::map<std::string, Value> run(const std::map<std::string, Value>& inputs) {
    if (MXCONF_VARIANT(perturb_first_op)) faults::arm_first_op();
    for (const std::string& in : g_.inputs) {
      const Tensor& t = *g_.find(in);
      auto it = inputs.find(in);
      if (it == inputs.end()) throw InterpretError("missing graph input '" + in + "'");
      const Value& v = it->second;
      if (v.dtype != t.dtype) {
        throw InterpretError("input '" + in + "' is " + std::string(name(v.dtype)) +
                             ", the graph wants " + std::string(name(t.dtype)));
      }
      if (v.shape != t.shape) {
        throw InterpretError("input '" + in + "' has shape " + shape_string(v.shape) +
                             ", the graph wants " + shape_string(t.shape));
      }
      const size_t n = size_t(count_of(v.shape));
      if ((v.dtype == DType::fp32 && v.f32.size() != n) ||
          (v.dtype == DType::bf16 && v.bf16.size() != n)) {
        throw InterpretError("input '" + in + "' holds the wrong number of values");
      }
      values_[in] = v;  // shares the storage
    }
    const auto order = topological_order(g_);
    if (!order) throw InterpretError("the graph has a cycle");
    note_last_uses(*order);
    for (size_t step = 0; step < order->size(); ++step) {
      // The fault: the op's inputs read for the last time are freed before it runs, not after.
      if (MXCONF_FAULT(interpreter_frees_inputs_early) && !o_.intermediates) drop_dead(step);
      exec(g_.ops[(*order)[step]]);
      if (!o_.intermediates) drop_dead(step);
    }
    std::map<std::string, Value> outs;
    for (const std::string& o : g_.outputs) outs[o] = owned(values_.at(o));
    if (o_.intermediates) {
      for (auto& [name, v] : values_) v = owned(std::move(v));
      *o_.intermediates = std::move(values_);
    }
    return outs;
  }

 private:
  // Values nothing reads after step i (not graph outputs) are freed then, so the peak memory of a
  // chain is its widest step, not the sum of every step.
  void note_last_uses(const std::vector<size_t>& order) {
    for (size_t step = 0; step < order.size(); ++step) {
      for (const std::string& in : g_.ops[order[step]].inputs) last_use_[in] = step;
    }
    for (const std::string& out : g_.outputs) last_use_[out] = SIZE_MAX;
  }
  void drop_dead(size_t step) {
    for (auto it = last_use_.begin(); it != last_use_.end();) {
      if (it->second == step) {
        values_.erase(it->first);
        it = last_use_.erase(it);
      } else {
        ++it;
      }
    }
  }
  const Value& get(const Operator& op, size_t i) {
    if (i >= op.inputs.size()) fail(op, "missing input " + std::to_string(i));
    auto it = values_.find(op.inputs[i]);
    if (it == values_.end()) fail(op, "input '" + op.inputs[i] + "' has no value");
    return it->second;
  }

  void put(const Operator& op, size_t i, Value v) {
    const Tensor* t = g_.find(op.outputs.at(i));
    if (!t) fail(op, "undeclared output");
    if (v.shape != t->shape || v.dtype != t->dtype) {
      fail(op, "result " + std::string(name(v.dtype)) + shape_string(v.shape) +
                   " disagrees with '" + t->name + "' declared " + std::string(name(t->dtype)) +
                   shape_string(t->shape));
    }
    if (uint64_t(count_of(v.shape)) > o_.max_elements) fail(op, "result exceeds the element limit");
    values_[t->name] = std::move(v);
  }

  const Tensor& out_tensor(const Operator& op, size_t i) {
    const Tensor* t = op.outputs.size() > i ? g_.find(op.outputs[i]) : nullptr;
    if (!t) fail(op, "missing output " + std::to_string(i));
    if (uint64_t(t->element_count()) > o_.max_elements)
      fail(op, "output '" + t->name + "' exceeds the element limit");
    return *t;
  }

  void exec(const Operator& op) {
    switch (op.op) {
      case OpKind::const_tensor:
      case OpKind::const_shape: {
        const Tensor& t = out_tensor(op, 0);
        if (!t.data) fail(op, "'" + t.name + "' has no data");
        values_[t.name] = constant_value(t);
        return;
      }
      case OpKind::reshape:
        return reshape(op);
      case OpKind::transpose:
        return transpose(op);
      case OpKind::add:
        return add(op);
      case OpKind::cast:
        return cast(op);
      case OpKind::cast_to_block_scaled:
        return cast_to(op);
      case OpKind::cast_from_block_scaled:
        return cast_from(op);
      case OpKind::matmul_t_block_scaled:
        return matmul_t(op);
      case OpKind::conv2d_block_scaled:
        return conv2d(op);
      case OpKind::matmul:
        return matmul(op);
      case OpKind::reshape_block_scaled:
        return reshape_block_scaled(op);
      case OpKind::row_gather_block_scaled:
        return row_gather_block_scaled(op);
      default:
        fail(op, "is not supported by the interpreter");
    }
  }

  void reshape(const Operator& op) {
    Value v = get(op, 0);
    const std::vector<int64_t> shape = get(op, 1).ints;
    if (count_of(shape) != v.element_count()) fail(op, "element count changes");
    v.shape = shape;
    put(op, 0, std::move(v));
  }

  // RESHAPE_BLOCK_SCALED: each list element takes its new shape over the same flat order (the
  // pseudocode's offset round trip), values to new_value_shape and scales to it with the last
  // dimension / block_size. No element moves, so the values share their storage.
  void reshape_block_scaled(const Operator& op) {
    if (op.inputs.size() < 2 || op.outputs.size() != op.inputs.size() - 1)
      fail(op, "needs (values (, scales), new_shape) and as many outputs as list elements");
    const size_t len = op.inputs.size() - 1;
    const std::vector<int64_t> shape = get(op, len).ints;
    const int64_t bs = op.attrs.block_size;
    for (size_t i = 0; i < len; ++i) {
      Value v = get(op, i);
      std::vector<int64_t> s = shape;
      if (i == 1) {
        if (s.empty() || bs < 1 || s.back() % bs != 0) fail(op, "new shape not block-aligned");
        s.back() /= bs;
      }
      if (count_of(s) != v.element_count()) fail(op, "element count changes");
      if (i == 1 && MXCONF_FAULT(reshape_scales_rotated) && v.codes.size() > 1) {
        std::vector<uint8_t> r = v.codes.to_vector();
        std::rotate(r.begin(), r.begin() + 1, r.end());
        v.codes = std::move(r);
      }
      v.shape = std::move(s);
      put(op, i, std::move(v));
    }
  }

  template <typename T>
  static Buffer<T> gather_rows(const Buffer<T>& in, int64_t n, int64_t k, int64_t c,
                               const std::vector<int64_t>& idx, int64_t w, int64_t rows) {
    std::vector<T> out(size_t(n * w * rows * c));
    for (int64_t b = 0; b < n; ++b) {
      for (int64_t j = 0; j < w; ++j) {
        const int64_t first = idx[size_t(b * w + j)];
        for (int64_t r = 0; r < rows; ++r) {
          const T* src = in.data() + (b * k + first + r) * c;
          std::copy(src, src + c, out.data() + (b * w * rows + j * rows + r) * c);
        }
      }
    }
    return out;
  }

  // ROW_GATHER_BLOCK_SCALED: for each index k of batch n, rows k .. k+row_count-1 of the values
  // (and of the scales) in order. An index outside 0 <= k && k+row_count <= K breaks the op's
  // REQUIRE: the result is unpredictable, so the interpreter refuses the run.
  void row_gather_block_scaled(const Operator& op) {
    if (op.inputs.size() < 3 || op.outputs.size() != op.inputs.size() - 2)
      fail(op,
           "needs (values (, scales), indices, row_count) and as many outputs as list elements");
    const size_t len = op.inputs.size() - 2;
    const Value& indices = get(op, len);
    const Value& row_count = get(op, len + 1);
    if (row_count.ints.size() != 1 || row_count.ints[0] < 1) fail(op, "row_count must be >= 1");
    const int64_t rows = row_count.ints[0];
    for (size_t i = 0; i < len; ++i) {
      const Value& v = get(op, i);
      if (v.shape.size() != 3 || indices.shape.size() != 2 || indices.shape[0] != v.shape[0] ||
          indices.ints.size() != size_t(count_of(indices.shape)))
        fail(op, "needs values [N,K,C] and indices [N,W]");
      const int64_t n = v.shape[0], k = v.shape[1], c = v.shape[2], w = indices.shape[1];
      const size_t held = v.dtype == DType::fp32   ? v.f32.size()
                          : v.dtype == DType::bf16 ? v.bf16.size()
                                                   : v.codes.size();
      if (held != size_t(v.element_count()) ||
          (v.dtype != DType::fp32 && v.dtype != DType::bf16 && !element_type(v.dtype) &&
           v.dtype != DType::fp8ue8m0))
        fail(op, "values of " + std::string(name(v.dtype)) + " are not data it can move");
      // Against this element's own K: each list element is read with its own shape.
      for (size_t j = 0; j < indices.ints.size(); ++j) {
        const int64_t first = indices.ints[j];
        if (first < 0 || first > k - rows)
          fail(op, "REQUIRE(0 <= k && (k+row_count) <= K) fails: index " + std::to_string(j) +
                       " is " + std::to_string(first) + ", K is " + std::to_string(k));
      }
      out_tensor(op, i);
      Value y;
      y.dtype = v.dtype;
      y.shape = {n, w * rows, c};
      if (v.dtype == DType::fp32) {
        y.f32 = gather_rows(v.f32, n, k, c, indices.ints, w, rows);
      } else if (v.dtype == DType::bf16) {
        y.bf16 = gather_rows(v.bf16, n, k, c, indices.ints, w, rows);
      } else {
        y.codes = gather_rows(v.codes, n, k, c, indices.ints, w, rows);
      }
      put(op, i, std::move(y));
    }
  }

  void transpose(const Operator& op) {
    const Value& x = get(op, 0);
    const auto& p = op.attrs.perms;
    if (p.size() != x.shape.size()) fail(op, "perms do not match the rank");
    Value y;
    y.dtype = x.dtype;
    for (int32_t i : p) {
      if (i < 0 || size_t(i) >= x.shape.size()) fail(op, "perms out of range");
      y.shape.push_back(x.shape[size_t(i)]);
    }
    if (!x.f32.empty()) y.f32 = permute(x.f32, x.shape, p);
    if (!x.bf16.empty()) y.bf16 = permute(x.bf16, x.shape, p);
    if (!x.codes.empty()) y.codes = permute(x.codes, x.shape, p);
    put(op, 0, std::move(y));
  }

  void add(const Operator& op) {
    const Value& a = get(op, 0);
    const Value& b = get(op, 1);
    if (a.shape.size() != b.shape.size()) fail(op, "ranks differ");
    std::vector<int64_t> shape(a.shape.size());
    for (size_t i = 0; i < shape.size(); ++i) {
      if (a.shape[i] != b.shape[i] && a.shape[i] != 1 && b.shape[i] != 1)
        fail(op, "shapes do not broadcast");
      shape[i] = std::max(a.shape[i], b.shape[i]);
    }
    const auto fa = as_f32(a), fb = as_f32(b);
    const auto sa = strides(a.shape), sb = strides(b.shape);
    std::vector<float> out(size_t(count_of(shape)));
    std::vector<int64_t> idx(shape.size(), 0);
    for (size_t o = 0; o < out.size(); ++o) {
      int64_t ia = 0, ib = 0;
      for (size_t i = 0; i < idx.size(); ++i) {
        ia += (a.shape[i] == 1 ? 0 : idx[i]) * sa[i];
        ib += (b.shape[i] == 1 ? 0 : idx[i]) * sb[i];
      }
      out[o] = fa[size_t(ia)] + fb[size_t(ib)];
      for (size_t i = idx.size(); i-- > 0;) {
        if (++idx[i] < shape[i]) break;
        idx[i] = 0;
      }
    }
    if (a.dtype == DType::bf16) {
      std::vector<uint16_t> h(out.size());
      for (size_t i = 0; i < h.size(); ++i) h[i] = formats::float_to_bf16(out[i]);
      return put(op, 0, Value::from_bf16(shape, std::move(h)));
    }
    put(op, 0, Value::from_f32(shape, std::move(out)));
  }

  void cast(const Operator& op) {
    const Value& x = get(op, 0);
    const Tensor& t = out_tensor(op, 0);
    if (x.dtype == DType::fp32 && t.dtype == DType::bf16) {
      std::vector<uint16_t> h(x.f32.size());
      for (size_t i = 0; i < h.size(); ++i) h[i] = formats::float_to_bf16(x.f32[i]);
      return put(op, 0, Value::from_bf16(x.shape, std::move(h)));
    }
    if (x.dtype == DType::bf16 && t.dtype == DType::fp32)
      return put(op, 0, Value::from_f32(x.shape, as_f32(x)));
    fail(op,
         std::string(name(x.dtype)) + " -> " + std::string(name(t.dtype)) + " is not supported");
  }

  void cast_to(const Operator& op) {
    const Value& x = get(op, 0);
    const Tensor& data_t = out_tensor(op, 0);
    out_tensor(op, 1);
    const auto e = element_type(data_t.dtype);
    if (!e || x.shape.empty() || x.shape.back() % 32 != 0 || op.attrs.block_size != 32) {
      fail(op, "needs an MX payload output, rank >= 1, C % 32 == 0 and block_size 32");
    }
    if (x.dtype != DType::fp32 && x.dtype != DType::bf16) fail(op, "input must be FP32 or BF16");
    const size_t n = size_t(x.element_count());
    Value data, scale;
    data.dtype = data_t.dtype;
    data.shape = x.shape;
    scale.dtype = DType::fp8ue8m0;
    scale.shape = x.shape;
    scale.shape.back() /= 32;
    // The codes' pages arrive as they are written while the input's pages are given back, so a
    // big input (a mapped file) and its codes are never both wholly resident.
    uint8_t *codes = nullptr, *scales = nullptr;
    data.codes = Buffer<uint8_t>::allocate(n, &codes, /*populate=*/false);
    scale.codes = Buffer<uint8_t>::allocate(n / 32, &scales);
    const formats::ScaleRule rule = MXCONF_FAULT(pre44_in_cast) ? formats::ScaleRule::tosa_pre44
                                    : MXCONF_FAULT(cast_rule_ignored) ? formats::kDefaultCastRule
                                                                      : o_.cast_rule;
    constexpr size_t kChunk = size_t{1} << 18;  // elements; a multiple of the block size
    for (size_t begin = 0; begin < n; begin += kChunk) {
      const size_t len = std::min(kChunk, n - begin);
      const std::span<uint8_t> c(codes + begin, len), sc(scales + begin / 32, len / 32);
      if (x.dtype == DType::fp32) {
        formats::cast_to_block_scaled(*e, rule, x.f32.span().subspan(begin, len), c, sc);
        x.f32.release(begin, begin + len);
      } else {
        formats::cast_to_block_scaled_bf16(*e, rule, x.bf16.span().subspan(begin, len), c, sc);
        x.bf16.release(begin, begin + len);
      }
    }
    put(op, 0, std::move(data));
    put(op, 1, std::move(scale));
  }

  void cast_from(const Operator& op) {
    const Value& data = get(op, 0);
    const Value& scale = get(op, 1);
    const Tensor& t = out_tensor(op, 0);
    const auto e = element_type(data.dtype);
    if (!e || scale.dtype != DType::fp8ue8m0 || data.codes.size() != scale.codes.size() * 32) {
      fail(op, "needs MX payload data with 32 elements per E8M0 scale");
    }
    float* out = nullptr;
    Buffer<float> result = Buffer<float>::allocate(data.codes.size(), &out);
    formats::dequantize_blocks(*e, data.codes, scale.codes, {out, data.codes.size()});
    if (t.dtype == DType::bf16) {
      std::vector<uint16_t> h(result.size());
      for (size_t i = 0; i < h.size(); ++i) h[i] = formats::float_to_bf16(result[i]);
      return put(op, 0, Value::from_bf16(data.shape, std::move(h)));
    }
    put(op, 0, Value::from_f32(data.shape, std::move(result)));
  }

  void matmul_t(const Operator& op) {
    const Value &a = get(op, 0), &as = get(op, 1), &b = get(op, 2), &bs = get(op, 3);
    const auto e = element_type(a.dtype);
    if (!e || a.dtype != b.dtype || a.shape.size() != 3 || b.shape.size() != 3) {
      fail(op, "needs rank-3 A and B of one MX payload type");
    }
    const int64_t n = a.shape[0], h = a.shape[1], c = a.shape[2];
    const int64_t d = b.shape[0], w = b.shape[1];
    if (b.shape[2] != c || c % 32 != 0 || (d != 1 && d != n) ||
        as.shape != std::vector<int64_t>{n, h, c / 32} ||
        bs.shape != std::vector<int64_t>{d, w, c / 32}) {
      fail(op, "operand shapes break the MATMUL_T_BLOCK_SCALED rules");
    }
    out_tensor(op, 0);
    float* out = nullptr;
    Buffer<float> result = Buffer<float>::allocate(size_t(n * h * w), &out);
    matmul_t_block_scaled(*e, n, h, w, c, d, a.codes.data(), as.codes.data(), b.codes.data(),
                          bs.codes.data(), out);
    put(op, 0, Value::from_f32({n, h, w}, std::move(result)));
  }

  void conv2d(const Operator& op) {
    const Value &x = get(op, 0), &xs = get(op, 1), &w = get(op, 2), &ws = get(op, 3);
    const Value& bias = get(op, 4);
    const std::vector<int64_t>&pad = get(op, 5).ints, &stride = get(op, 6).ints,
          &dilation = get(op, 7).ints;
    const auto e = element_type(x.dtype);
    if (!e || x.dtype != w.dtype || x.shape.size() != 4 || w.shape.size() != 4 ||
        bias.dtype != DType::fp32 || bias.shape.size() != 1 || pad.size() != 4 ||
        stride.size() != 2 || dilation.size() != 2) {
      fail(op,
           "needs rank-4 input and weight of one MX payload type, an FP32 [BC] bias, and "
           "pad [4], stride [2], dilation [2]");
    }
    Conv2dShape s;
    s.n = x.shape[0], s.ih = x.shape[1], s.iw = x.shape[2], s.ic = x.shape[3];
    s.oc = w.shape[0], s.kh = w.shape[1], s.kw = w.shape[2];
    s.pad_top = pad[0], s.pad_bottom = pad[1], s.pad_left = pad[2], s.pad_right = pad[3];
    s.stride_y = stride[0], s.stride_x = stride[1];
    s.dilation_y = dilation[0], s.dilation_x = dilation[1];
    const auto oh = s.oh(), ow = s.ow();
    if (!oh || !ow || s.ic % 32 != 0 || w.shape[3] != s.ic ||
        xs.shape != std::vector<int64_t>{s.n, s.ih, s.iw, s.ic / 32} ||
        ws.shape != std::vector<int64_t>{s.oc, s.kh, s.kw, s.ic / 32} ||
        (bias.shape[0] != s.oc && bias.shape[0] != 1)) {
      fail(op, "operand shapes break the CONV2D_BLOCK_SCALED rules");
    }
    // Sized from the declared output (bounded by the element limit), never from the constants.
    if (out_tensor(op, 0).shape != std::vector<int64_t>{s.n, *oh, *ow, s.oc})
      fail(op, "the output's declared shape is not [N, OH, OW, OC] of its operands");
    float* out = nullptr;
    Buffer<float> result = Buffer<float>::allocate(size_t(s.n * *oh * *ow * s.oc), &out);
    conv2d_block_scaled(*e, s, x.codes.data(), xs.codes.data(), w.codes.data(), ws.codes.data(),
                        bias.f32.data(), bias.shape[0], out);
    put(op, 0, Value::from_f32({s.n, *oh, *ow, s.oc}, std::move(result)));
  }

  void matmul(const Operator& op) {
    const Value &a = get(op, 0), &b = get(op, 1);
    if (a.dtype != DType::fp32 || b.dtype != DType::fp32 || a.shape.size() != 3 ||
        b.shape.size() != 3 || a.shape[0] != b.shape[0] || a.shape[2] != b.shape[1]) {
      fail(op, "needs FP32 A [N,H,C] and B [N,C,W]");
    }
    const int64_t n = a.shape[0], h = a.shape[1], c = a.shape[2], w = b.shape[2];
    out_tensor(op, 0);
    std::vector<float> out(size_t(n * h * w));
    for (int64_t bi = 0; bi < n; ++bi) {
      for (int64_t i = 0; i < h; ++i) {
        for (int64_t j = 0; j < w; ++j) {
          float acc = 0.0f;  // sequential fp32 sum in k order
          for (int64_t k = 0; k < c; ++k)
            acc = acc + a.f32[size_t((bi * h + i) * c + k)] * b.f32[size_t((bi * c + k) * w + j)];
          out[size_t((bi * h + i) * w + j)] = acc;
        }
      }
    }
    put(op, 0, Value::from_f32({n, h, w}, std::move(out)));
  }

  const Graph& g_;
  const InterpreterOptions& o_;
  std::map<std::string, Value> values_;
  std::map<std::string, size_t> last_use_;  // tensor -> the step that reads it last
};

}  // namespace

int64_t Value::element_count() const {
  return count_of(shape);
}

Value Value::from_f32(std::vector<int64_t> shape, Buffer<float> v) {
  Value x;
  x.dtype = DType::fp32;
  x.shape = std::move(shape);
  x.f32 = std::move(v);
  return x;
}

Value Value::from_bf16(std::vector<int64_t> shape, Buffer<uint16_t> v) {
  Value x;
  x.dtype = DType::bf16;
  x.shape = std::move(shape);
  x.bf16 = std::move(v);
  return x;
}

std::map<std::string, Value> run_graph(const Graph& g, const std::map<std::string, Value>& inputs,
                                       const InterpreterOptions& options) {
  return Interpreter(g, options).run(inputs);
}

}  // namespace mxconf::pipeline
