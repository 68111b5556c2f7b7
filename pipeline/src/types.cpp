#include "mxconf/pipeline/types.h"

#include <array>
#include <utility>

#include "mxconf/formats/packing.h"
#include "mxconf/pipeline/tosa_ops.h"
#include "mxconf/vocabulary/named.h"

namespace mxconf::pipeline {
namespace {

constexpr Named<DType> kDTypeNames[] = {
    {DType::unknown, "UNKNOWN"}, {DType::boolean, "BOOL"},      {DType::int4, "INT4"},
    {DType::int8, "INT8"},       {DType::int16, "INT16"},       {DType::int32, "INT32"},
    {DType::int48, "INT48"},     {DType::fp32, "FP32"},         {DType::fp16, "FP16"},
    {DType::bf16, "BF16"},       {DType::shape, "SHAPE"},       {DType::fp8e4m3, "FP8E4M3"},
    {DType::fp8e5m2, "FP8E5M2"}, {DType::fp6e2m3, "FP6E2M3"},   {DType::fp6e3m2, "FP6E3M2"},
    {DType::fp4e2m1, "FP4E2M1"}, {DType::fp8ue8m0, "FP8UE8M0"}, {DType::int64, "INT64"},
    {DType::mxint8, "MXINT8"},
};

}  // namespace

std::string_view name(DType t) {
  return name_in(kDTypeNames, t, "INVALID");
}

std::optional<DType> parse_dtype(std::string_view s) {
  return parse_in(kDTypeNames, s);
}

bool is_mx_payload(DType t) {
  return element_type(t).has_value();
}

std::optional<formats::ElementType> element_type(DType t) {
  switch (t) {
    case DType::fp8e4m3:
      return formats::ElementType::fp8e4m3;
    case DType::fp8e5m2:
      return formats::ElementType::fp8e5m2;
    case DType::fp6e2m3:
      return formats::ElementType::fp6e2m3;
    case DType::fp6e3m2:
      return formats::ElementType::fp6e3m2;
    case DType::fp4e2m1:
      return formats::ElementType::fp4e2m1;
    case DType::mxint8:
      return formats::ElementType::mxint8;
    default:
      return std::nullopt;
  }
}

DType dtype_of(formats::ElementType t) {
  switch (t) {
    case formats::ElementType::fp8e4m3:
      return DType::fp8e4m3;
    case formats::ElementType::fp8e5m2:
      return DType::fp8e5m2;
    case formats::ElementType::fp6e2m3:
      return DType::fp6e2m3;
    case formats::ElementType::fp6e3m2:
      return DType::fp6e3m2;
    case formats::ElementType::fp4e2m1:
      return DType::fp4e2m1;
    case formats::ElementType::mxint8:
      return DType::mxint8;
  }
  return DType::unknown;
}

std::optional<uint64_t> data_size(DType t, uint64_t count) {
  if (auto e = element_type(t)) return formats::packed_size(*e, count);
  switch (t) {
    case DType::boolean:
    case DType::int8:
    case DType::fp8ue8m0:
      return count;
    case DType::int4:
      return (count + 1) / 2;
    case DType::int16:
    case DType::fp16:
    case DType::bf16:
      return count * 2;
    case DType::int32:
    case DType::fp32:
      return count * 4;
    case DType::int48:
      return count * 6;
    case DType::shape:
    case DType::int64:
      return count * 8;
    default:
      return std::nullopt;
  }
}

std::string_view name(OpKind op) {
  if (op == OpKind::unknown) return "UNKNOWN";
  const TosaOpInfo* i = op_info(op);
  return i ? i->name : "OP_UNMODELLED";
}

bool is_tosa_op(OpKind op) {
  return uint32_t(op) <= kMaxTosaOpValue;
}

}  // namespace mxconf::pipeline
