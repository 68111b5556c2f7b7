// The .tosa writer. (The reader, which faces untrusted bytes, is deserialize.cpp.)
#include "mxconf/pipeline/serialize.h"

#include <limits>
#include <stdexcept>
#include <unordered_set>

#include "mxconf/faults/faults.h"
#include "mxconf/pipeline/tosa_ops.h"
#include "mxconf/pipeline/verifier.h"
#include "tosa_generated.h"

namespace mxconf::pipeline {
namespace {

namespace fb = flatbuffers;

// The attribute table for an op. Tables with the same fields are byte-identical whatever their
// type: one empty table serves every op without fields, and one { block_size } table every
// *_BLOCK_SCALED op (the union tag, written beside it, says which type it is).
fb::Offset<void> write_attribute(fb::FlatBufferBuilder& b, const Operator& op) {
  const TosaOpInfo* info = op_info(op.op);
  switch (info ? info->attribute : AttrKind::none) {
    case AttrKind::perms:
      return tosa::CreateTransposeAttribute(b, b.CreateVector(op.attrs.perms)).Union();
    case AttrKind::block_size:
      // The fault: the conv's table written empty (its block_size then reads back as UNKNOWN).
      if (MXCONF_FAULT(writer_drops_conv_attribute) && op.op == OpKind::conv2d_block_scaled) break;
      return tosa::CreateMatMulTBlockScaledAttribute(b, tosa::BlockSize(op.attrs.block_size))
          .Union();
    case AttrKind::none:
      break;
  }
  return tosa::CreateConstAttribute(b).Union();
}

fb::Offset<fb::Vector<uint8_t>> aligned_bytes(fb::FlatBufferBuilder& b,
                                              const std::vector<uint8_t>& d) {
  b.ForceVectorAlignment(d.size(), sizeof(uint8_t), 8);  // force_align: 8 in the schema
  return b.CreateVector(d);
}

}  // namespace

std::vector<uint8_t> serialize_graph(const Graph& g) {
  fb::FlatBufferBuilder b(1024);
  std::vector<fb::Offset<tosa::TosaOperator>> ops;
  for (const Operator& op : g.ops) {
    const uint32_t value = op.op == OpKind::unknown ? op.raw_op : uint32_t(op.op);
    if (!is_tosa_op(OpKind(value)) || value == 0) {
      throw std::invalid_argument("cannot serialize " + std::string(name(op.op)) +
                                  ": not a TOSA operator (run the lowering passes first)");
    }
    const auto attr = write_attribute(b, op);
    const auto inputs = b.CreateVectorOfStrings(op.inputs);
    const auto outputs = b.CreateVectorOfStrings(op.outputs);
    ops.push_back(tosa::CreateTosaOperator(b, tosa::Op(value), tosa::Attribute(value), attr, inputs,
                                           outputs));
  }
  // All SHAPE tensors in one form, so they read back in the graph's order: the table when
  // every one is a list of values with its data (every graph mxconf lowers), else tensors.
  auto in_table = [](const Tensor& t) {
    return t.shape.size() == 1 && t.data && t.data->size() == uint64_t(t.shape[0]) * 8 &&
           t.shape[0] <= (int64_t(1) << 28);
  };
  bool table = true;
  for (const Tensor& t : g.tensors) table = table && (t.dtype != DType::shape || in_table(t));
  std::vector<fb::Offset<tosa::TosaTensor>> tensors;
  std::vector<fb::Offset<tosa::TosaShape>> shapes;
  for (const Tensor& t : g.tensors) {
    // Shape values go to the block's `shapes` table (name, rank = the number of values, int64
    // data), as tosa-tools' serializer has written them since 2026.05 and ExecuTorch's files
    // hold them: readers built on that serializer refuse SHAPE-typed tensors (Arm's model
    // converter 0.11.0: "Cannot construct RankedTensorType out of tosa.shape type"). A SHAPE
    // tensor the table cannot hold (not a list of values with its data: only broken graphs
    // have one) makes the writer keep them all as tensors; mxconf's reader takes both forms.
    if (t.dtype == DType::shape && table) {
      const auto n = b.CreateString(t.name);
      const auto d =
          t.data->empty() ? fb::Offset<fb::Vector<uint8_t>>() : aligned_bytes(b, *t.data);
      shapes.push_back(tosa::CreateTosaShape(b, n, uint32_t(t.shape[0]), d));
      continue;
    }
    std::vector<int32_t> shape;
    for (int64_t d : t.shape) {
      if (d < 0 || d > std::numeric_limits<int32_t>::max()) {
        throw std::invalid_argument("tensor '" + t.name + "' has a dimension beyond int32");
      }
      shape.push_back(int32_t(d));
    }
    const auto n = b.CreateString(t.name);
    const auto s = b.CreateVector(shape);
    // Zero bytes of data are written as no data: readers (ours included) cannot tell an empty
    // data vector from a non-constant tensor's. Found by fuzz_roundtrip.
    const auto d =
        t.data && !t.data->empty() ? aligned_bytes(b, *t.data) : fb::Offset<fb::Vector<uint8_t>>();
    tensors.push_back(tosa::CreateTosaTensor(b, n, s, tosa::DType(t.dtype), d));
  }
  const auto block = tosa::CreateTosaBasicBlock(
      b, b.CreateString(g.block_name), b.CreateVector(ops), b.CreateVector(tensors),
      b.CreateVectorOfStrings(g.inputs), b.CreateVectorOfStrings(g.outputs),
      shapes.empty() ? fb::Offset<fb::Vector<fb::Offset<tosa::TosaShape>>>()
                     : b.CreateVector(shapes));
  const auto region =
      tosa::CreateTosaRegion(b, b.CreateString(g.region_name), b.CreateVector(std::vector{block}));
  b.ForceDefaults(true);  // write all four Version fields, even draft == its default true
  const auto version =
      tosa::CreateVersion(b, g.version.major, g.version.minor, g.version.patch, g.version.draft);
  b.ForceDefaults(false);
  // The serializer layout this file follows (the `shapes` table above): tosa-tools 2026.5.0's.
  // Readers built on tosa-tools take it as "created with SerLib 2026.5.0, backward compatible".
  // The modifier is written (empty) as tosa-tools writes it: Arm's model converter 0.11.0 dies
  // with SIGSEGV on a software_version without one.
  const auto modifier = b.CreateString("");
  const auto software =
      tosa::CreateSoftwareVersion(b, kSerializerLayoutVersion.major, kSerializerLayoutVersion.minor,
                                  kSerializerLayoutVersion.patch, modifier);
  b.Finish(tosa::CreateTosaGraph(b, version, b.CreateVector(std::vector{region}), software),
           tosa::TosaGraphIdentifier());
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

}  // namespace mxconf::pipeline
