#include "mxconf/runner/tosa_npy.h"

#include <span>

#include "mxconf/faults/faults.h"
#include "mxconf/formats/packing.h"
#include "mxconf/runner/exec_files.h"

namespace mxconf::runner {
namespace {

// The input's values are the mapped file's pages: no read into a buffer, no conversion copy.
template <typename T>
pipeline::Buffer<T> mapped_values(const io::NpyFile& a) {
  const auto v = a.values<T>();
  return pipeline::Buffer<T>::view(a.owner(), v.data(), v.size(), a.mapped());
}

std::string dims(const std::vector<int64_t>& s) {
  return pipeline::shape_string(s);
}

pipeline::Value value_of(const pipeline::Tensor& t, pipeline::Buffer<uint8_t> codes) {
  pipeline::Value v;
  v.dtype = t.dtype;
  v.shape = t.shape;
  v.codes = std::move(codes);
  return v;
}

}  // namespace

std::optional<NpyLayout> tosa_tools_layout(pipeline::DType t) {
  using pipeline::DType;
  switch (t) {
    case DType::fp32:
      return NpyLayout{io::NpyDtype::f4};
    case DType::bf16:
      return NpyLayout{io::NpyDtype::v2};
    case DType::fp8e4m3:
    case DType::fp8ue8m0:
      return NpyLayout{io::NpyDtype::v1};
    case DType::fp8e5m2:
    case DType::mxint8:  // the int8 two's complement byte as |u1 (tosa-tools 2026.8.0's generator)
      return NpyLayout{io::NpyDtype::u1};
    case DType::fp6e2m3:
    case DType::fp6e3m2:
      return NpyLayout{io::NpyDtype::u1, 6};
    case DType::fp4e2m1:
      return NpyLayout{io::NpyDtype::u1, 4};
    case DType::int32:  // ROW_GATHER_BLOCK_SCALED's indices
      return NpyLayout{io::NpyDtype::i4};
    case DType::int64:
      return NpyLayout{io::NpyDtype::i8};
    default:
      return std::nullopt;
  }
}

std::optional<std::vector<int64_t>> stored_shape(const NpyLayout& layout,
                                                 const std::vector<int64_t>& shape) {
  if (layout.code_bits == 8 || shape.empty()) return shape;
  std::vector<int64_t> s = shape;
  if ((s.back() * layout.code_bits) % 8 != 0) return std::nullopt;
  s.back() = s.back() * layout.code_bits / 8;
  return s;
}

pipeline::Value read_tensor_npy(const io::NpyFile& a, const pipeline::Tensor& t,
                                const std::string& path) {
  using pipeline::DType;
  const std::string what = path + ": input '" + t.name + "' is " + std::string(name(t.dtype));
  const std::optional<NpyLayout> layout = tosa_tools_layout(t.dtype);
  if (!layout)
    throw ExecInputError(
        "graph input '" + t.name + "' is " + std::string(name(t.dtype)) +
        "; exec reads FP32, BF16, INT32, INT64, the MX payload types and FP8UE8M0");
  const auto want = stored_shape(*layout, t.shape);
  if (t.dtype == DType::int32 || t.dtype == DType::int64) {
    if (a.shape() != t.shape || a.dtype() != layout->dtype)
      throw ExecInputError(what + dims(t.shape) + ", the file is " + io::descr(a.dtype()) +
                           dims(a.shape()) + " (want " + descr(layout->dtype) + dims(t.shape) +
                           ")");
    pipeline::Value v;
    v.dtype = t.dtype;
    v.shape = t.shape;
    if (t.dtype == DType::int32) {
      const auto x = a.values<int32_t>();
      v.ints.assign(x.begin(), x.end());
    } else {
      const auto x = a.values<int64_t>();
      v.ints.assign(x.begin(), x.end());
    }
    return v;
  }
  if (t.dtype == DType::fp32 || t.dtype == DType::bf16) {
    if (a.shape() != t.shape)
      throw ExecInputError(path + ": shape " + dims(a.shape()) + " differs from input '" + t.name +
                           "' " + dims(t.shape));
    if (t.dtype == DType::fp32) {
      if (a.dtype() != io::NpyDtype::f4)
        throw ExecInputError(what + ", the file is " + io::descr(a.dtype()) + " (want <f4)");
      return pipeline::Value::from_f32(a.shape(), mapped_values<float>(a));
    }
    // The fault: only <u2 is taken (tosa-tools writes bf16 as <V2).
    const bool v2_ok = !MXCONF_FAULT(exec_refuses_v2) && a.dtype() == io::NpyDtype::v2;
    if (a.dtype() != io::NpyDtype::u2 && !v2_ok)
      throw ExecInputError(what + ", the file is " + io::descr(a.dtype()) +
                           " (want bf16 bits as <V2 or <u2)");
    return pipeline::Value::from_bf16(a.shape(), mapped_values<uint16_t>(a));
  }
  // MX payloads and E8M0 scales: one byte per element in the tensor's shape (unpacked codes, or
  // tosa-tools' fp8 layouts), or fp4/fp6 packed as tosa-tools packs them.
  const bool bytes = a.dtype() == io::NpyDtype::u1 || a.dtype() == io::NpyDtype::v1;
  if (bytes && a.shape() == t.shape) {
    if (layout->code_bits == 8) return value_of(t, mapped_values<uint8_t>(a));
    // Unpacked sub-byte codes: each must fit its bits.
    const auto v = a.values<uint8_t>();
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] >> layout->code_bits)
        throw ExecInputError(what + ", element " + std::to_string(i) + " of the file is " +
                             std::to_string(v[i]) + ", not a " + std::to_string(layout->code_bits) +
                             "-bit code");
    }
    return value_of(t, mapped_values<uint8_t>(a));
  }
  if (a.dtype() == io::NpyDtype::u1 && layout->code_bits < 8 && want && a.shape() == *want) {
    std::vector<uint8_t> codes;
    const auto packed = a.values<uint8_t>();
    const formats::ElementType et = *pipeline::element_type(t.dtype);
    if (!formats::unpack(et, std::span<const uint8_t>(packed.data(), packed.size()),
                         size_t(t.element_count()), codes))
      throw ExecInputError(what + ": " + std::to_string(packed.size()) +
                           " packed bytes do not hold " + std::to_string(t.element_count()) +
                           " codes");
    return value_of(t, pipeline::Buffer<uint8_t>(std::move(codes)));
  }
  std::string accepted = descr(layout->dtype) + dims(t.shape);
  if (layout->code_bits < 8 && want)
    accepted = "|u1" + dims(*want) + " packed, or |u1" + dims(t.shape) + " unpacked codes";
  else if (layout->dtype == io::NpyDtype::v1)
    accepted += " or |u1" + dims(t.shape);
  throw ExecInputError(what + dims(t.shape) + ", the file is " + io::descr(a.dtype()) +
                       dims(a.shape()) + " (want " + accepted + ")");
}

void stage_tensor_npy(io::AtomicOutputs& out, const std::string& path, const std::string& name,
                      const pipeline::Value& v) {
  using pipeline::DType;
  const std::optional<NpyLayout> layout = tosa_tools_layout(v.dtype);
  if (!layout || v.dtype == DType::int32 || v.dtype == DType::int64)
    throw ExecInputError("graph output '" + name + "' is " + std::string(pipeline::name(v.dtype)) +
                         "; exec writes FP32, BF16, the MX payload types and FP8UE8M0");
  // Header, then the data straight from the interpreter's result.
  if (v.dtype == DType::fp32) {
    io::stage_npy(out, path, io::NpyDtype::f4, v.shape, io::bytes_of(v.f32));
  } else if (v.dtype == DType::bf16) {
    io::stage_npy(out, path, io::NpyDtype::v2, v.shape, io::bytes_of(v.bf16));
  } else if (layout->code_bits == 8) {
    io::stage_npy(out, path, layout->dtype, v.shape, io::bytes_of(v.codes));
  } else {
    const auto shape = stored_shape(*layout, v.shape);
    if (!shape)
      throw ExecInputError("graph output '" + name + "' " + dims(v.shape) +
                           ": its last dimension does not pack into whole bytes");
    const std::vector<uint8_t> packed = formats::pack(
        *pipeline::element_type(v.dtype), std::span<const uint8_t>(v.codes.data(), v.codes.size()));
    io::stage_npy(out, path, io::NpyDtype::u1, *shape, io::bytes_of(packed));
  }
}

}  // namespace mxconf::runner
