// .tosa writing and reading: round trips, the binary contract, and a reader that answers every
// corrupt input with a typed error.
#include <gtest/gtest.h>

#include <flatbuffers/flatbuffers.h>

#include "mxconf/formats/packing.h"
#include "mxconf/pipeline/lower.h"
#include "mxconf/pipeline/serialize.h"
#include "tosa_generated.h"

namespace mxconf::pipeline {
namespace {

ModelSpec model(std::vector<int64_t> shape, formats::ElementType p, bool bias,
                DType io = DType::fp32, std::vector<int64_t> dim_order = {}, int layers = 1) {
  ModelSpec m;
  m.input.shape = std::move(shape);
  m.input.dtype = io;
  m.input.dim_order = std::move(dim_order);
  m.output.dtype = io;
  int64_t k = m.input.shape.back();
  for (int i = 0; i < layers; ++i) {
    LayerSpec l;
    l.geometry = pipeline::LinearGeom{k, i + 1 < layers ? 64 : 8};
    l.bias = bias;
    l.payload = p;
    l.weights.seed = uint64_t(7 + i);
    m.layers.push_back(l);
    k = l.out_width();
  }
  return m;
}

std::vector<ModelSpec> models() {
  std::vector<ModelSpec> v;
  for (formats::ElementType p : formats::kAllElementTypes) v.push_back(model({4, 5, 64}, p, true));
  v.push_back(model({64}, formats::ElementType::fp4e2m1, false, DType::bf16));
  v.push_back(model({1, 2, 2, 64}, formats::ElementType::fp6e3m2, true, DType::fp32, {0, 2, 3, 1}));
  v.push_back(model({3, 96}, formats::ElementType::fp8e5m2, true, DType::fp32, {}, 3));
  return v;
}

TEST(Serialize, RoundTripsGraphsAndBytes) {
  for (const ModelSpec& m : models()) {
    const Graph g = lower_model(m);
    const std::vector<uint8_t> bytes = serialize_graph(g);
    const LoadResult r = deserialize_graph(bytes);
    ASSERT_TRUE(r.ok()) << r.error->message;
    EXPECT_EQ(*r.graph, g);
    EXPECT_EQ(serialize_graph(*r.graph), bytes);
  }
}

// Graphs keep SHAPE tensors after the others (Graph::add_tensor), the order the file reads
// back in; a file whose SHAPE tensors sit among the others (mxconf's files before the `shapes`
// table) reads back in that order too, and writes the new form.
TEST(Serialize, ShapeTensorsStayLastAndOldFilesReadBackInTheSameOrder) {
  Graph g;
  g.add_tensor(make_shape_const("s0", {1, 2}));
  g.add_tensor(make_const("c", DType::fp32, {1}, std::vector<uint8_t>(4, 0)));
  g.add_tensor(make_shape_const("s1", {3}));
  g.add_tensor(make_const("d", DType::fp32, {1}, std::vector<uint8_t>(4, 0)));
  std::vector<std::string> order;
  for (const Tensor& t : g.tensors) order.push_back(t.name);
  EXPECT_EQ(order, (std::vector<std::string>{"c", "d", "s0", "s1"}));
  const LoadResult r = deserialize_graph(serialize_graph(g));
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(*r.graph, g);

  // The old form: SHAPE tensors in `tensors`, between the others.
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<tosa::TosaTensor>> ts;
  for (const char* n : {"s0", "c"}) {
    const bool shape = n[0] == 's';
    std::vector<uint8_t> bytes(shape ? 16 : 4, 0);
    b.ForceVectorAlignment(bytes.size(), 1, 8);
    const auto data = b.CreateVector(bytes);
    ts.push_back(tosa::CreateTosaTensor(b, b.CreateString(n),
                                        b.CreateVector(std::vector<int32_t>{shape ? 2 : 1}),
                                        shape ? tosa::DType_SHAPE : tosa::DType_FP32, data));
  }
  const auto block = tosa::CreateTosaBasicBlock(b, b.CreateString("main"), 0, b.CreateVector(ts));
  const auto region =
      tosa::CreateTosaRegion(b, b.CreateString("main"), b.CreateVector(std::vector{block}));
  b.ForceDefaults(true);
  const auto v = tosa::CreateVersion(b, 1, 1, 0, true);
  b.Finish(tosa::CreateTosaGraph(b, v, b.CreateVector(std::vector{region})),
           tosa::TosaGraphIdentifier());
  const LoadResult old =
      deserialize_graph({b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()});
  ASSERT_TRUE(old.ok()) << old.error->message;
  ASSERT_EQ(old.graph->tensors.size(), 2u);
  EXPECT_EQ(old.graph->tensors[0].name, "c");
  EXPECT_EQ(old.graph->tensors[1].name, "s0");
  const LoadResult again = deserialize_graph(serialize_graph(*old.graph));
  ASSERT_TRUE(again.ok()) << again.error->message;
  EXPECT_EQ(*again.graph, *old.graph);

  // One SHAPE tensor the table cannot hold (no data) keeps every SHAPE tensor in `tensors`, so
  // the order still reads back (found by fuzz_roundtrip: table shapes read back after the rest).
  Graph mixed = g;
  Tensor bare;
  bare.name = "s2";
  bare.dtype = DType::shape;
  bare.shape = {2};
  mixed.add_tensor(bare);
  const std::vector<uint8_t> bytes = serialize_graph(mixed);
  const tosa::TosaBasicBlock* blk =
      tosa::GetTosaGraph(bytes.data())->regions()->Get(0)->blocks()->Get(0);
  EXPECT_TRUE(blk->shapes() == nullptr || blk->shapes()->size() == 0);
  const LoadResult m = deserialize_graph(bytes);
  ASSERT_TRUE(m.ok()) << m.error->message;
  EXPECT_EQ(*m.graph, mixed);
}

TEST(Serialize, BinaryContract) {
  const Graph g = lower_model(model({4, 64}, formats::ElementType::fp4e2m1, true));
  const std::vector<uint8_t> bytes = serialize_graph(g);
  EXPECT_EQ(std::string(bytes.begin() + 4, bytes.begin() + 8), "TOSA");
  const tosa::TosaGraph* root = tosa::GetTosaGraph(bytes.data());
  const tosa::Version* v = root->version();
  EXPECT_EQ(v->_major(), 1);
  EXPECT_EQ(v->_minor(), 1);
  EXPECT_EQ(v->_patch(), 0);
  EXPECT_TRUE(v->_draft());
  for (auto slot : {tosa::Version::VT__MAJOR, tosa::Version::VT__MINOR, tosa::Version::VT__PATCH,
                    tosa::Version::VT__DRAFT}) {
    // Version derives privately from flatbuffers::Table: look at its vtable directly.
    EXPECT_TRUE(reinterpret_cast<const flatbuffers::Table*>(v)->CheckField(slot))
        << "every Version field is written explicitly";
  }
  const tosa::TosaBasicBlock* block = root->regions()->Get(0)->blocks()->Get(0);
  EXPECT_EQ(root->regions()->Get(0)->name()->str(), "main");
  EXPECT_EQ(block->name()->str(), "main");
  for (const tosa::TosaOperator* op : *block->operators()) {
    EXPECT_EQ(uint32_t(op->attribute_type()), uint32_t(op->op())) << "union tag == Op value";
    EXPECT_NE(op->attribute(), nullptr) << "the attribute table is always written";
    if (op->op() == tosa::Op_CAST_TO_BLOCK_SCALED) {
      EXPECT_EQ(op->attribute_as_CastToBlockScaledAttribute()->block_size(),
                tosa::BlockSize_BLOCK_SIZE_32);
    }
  }
  for (const tosa::TosaTensor* t : *block->tensors()) {
    if (t->type() == tosa::DType_FP4E2M1 && t->data()) {
      EXPECT_EQ(t->data()->size(), 8u * 64u / 2u) << "fp4 packed, logical shape kept";
      EXPECT_EQ(t->shape()->size(), 3u);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(t->data()->data()) % 8, 0u) << "force_align: 8";
    }
  }
  // Shape values in the block's `shapes` table, as tosa-tools' serializer (2026.05 on) writes
  // them: consumers built on it (Arm's model converter) refuse SHAPE-typed tensors, and die on a
  // software_version without its modifier string.
  for (const tosa::TosaTensor* t : *block->tensors())
    EXPECT_NE(t->type(), tosa::DType_SHAPE) << t->name()->str() << " is a SHAPE tensor";
  ASSERT_NE(block->shapes(), nullptr);
  ASSERT_GT(block->shapes()->size(), 0u) << "the linear graph reshapes: it has shape values";
  for (const tosa::TosaShape* s : *block->shapes()) {
    ASSERT_NE(s->data(), nullptr);
    EXPECT_EQ(s->data()->size(), size_t(s->rank()) * 8) << "int64 values, rank = their count";
  }
  const tosa::SoftwareVersion* sw = root->software_version();
  ASSERT_NE(sw, nullptr);
  EXPECT_EQ(sw->_major(), 2026);
  EXPECT_EQ(sw->_minor(), 5);
  EXPECT_EQ(sw->_micro(), 0);
  ASSERT_NE(sw->_modifier(), nullptr);
  EXPECT_EQ(sw->_modifier()->str(), "");
  // Op and DType values of the contract (tosa-flatbuffer-format.md §5-6).
  EXPECT_EQ(uint32_t(tosa::Op_MATMUL_T_BLOCK_SCALED), 76u);
  EXPECT_EQ(uint32_t(tosa::Op_CAST_FROM_BLOCK_SCALED), 77u);
  EXPECT_EQ(uint32_t(tosa::Op_CAST_TO_BLOCK_SCALED), 78u);
  EXPECT_EQ(uint32_t(tosa::Op_AVG_POOL2D_ADAPTIVE), 96u);
  EXPECT_EQ(uint32_t(tosa::DType_FP8UE8M0), 16u);
  EXPECT_EQ(uint32_t(tosa::DType_MXINT8), 18u);
  EXPECT_EQ(uint32_t(tosa::Attribute_Conv2dBlockScaledAttribute), 94u);
}

LoadErrorCode error_of(const std::vector<uint8_t>& bytes, const LoadLimits& lim = {}) {
  const LoadResult r = deserialize_graph(bytes, lim);
  EXPECT_FALSE(r.ok());
  return r.ok() ? LoadErrorCode::malformed_graph : r.error->code;
}

TEST(Reader, EveryTruncationIsATypedError) {
  const std::vector<uint8_t> bytes =
      serialize_graph(lower_model(model({4, 64}, formats::ElementType::fp8e4m3, true)));
  for (size_t n = 0; n < bytes.size(); ++n) {
    const LoadResult r = deserialize_graph(std::span(bytes.data(), n));
    EXPECT_FALSE(r.ok()) << "prefix of " << n << " bytes";
  }
}

TEST(Reader, BitFlipsAnywhereNeverCrash) {
  const std::vector<uint8_t> bytes =
      serialize_graph(lower_model(model({2, 32}, formats::ElementType::fp6e2m3, true)));
  size_t rejected = 0, accepted = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> b = bytes;
      b[i] ^= uint8_t(1u << bit);
      const LoadResult r = deserialize_graph(b);
      EXPECT_NE(r.ok(), r.error.has_value());
      if (r.ok()) {
        ++accepted;  // e.g. a flipped constant value: still a well-formed graph
      } else {
        ++rejected;
        EXPECT_FALSE(r.error->message.empty());
      }
    }
  }
  EXPECT_GT(rejected, 0u);
  EXPECT_GT(accepted, 0u);
}

TEST(Reader, WrongIdentifier) {
  std::vector<uint8_t> bytes =
      serialize_graph(lower_model(model({32}, formats::ElementType::fp8e4m3, false)));
  bytes[4] = 'X';
  EXPECT_EQ(error_of(bytes), LoadErrorCode::bad_identifier);
}

TEST(Reader, NewerAndOlderVersions) {
  Graph g = lower_model(model({32}, formats::ElementType::fp8e4m3, false));
  for (Version v : {Version{1, 2, 0, true}, Version{2, 0, 0, false}, Version{1, 1, 1, false},
                    Version{1, 0, 0, false}}) {
    g.version = v;
    EXPECT_EQ(error_of(serialize_graph(g)), LoadErrorCode::version_unsupported);
  }
  g.version = {1, 1, 0, false};  // 1.1.0 final reads
  EXPECT_TRUE(deserialize_graph(serialize_graph(g)).ok());
}

TEST(Reader, HugeDeclaredSizes) {
  Graph g = lower_model(model({32}, formats::ElementType::fp8e4m3, false));
  g.find(g.inputs[0])->shape = {1 << 30, 1 << 30};
  EXPECT_EQ(error_of(serialize_graph(g)), LoadErrorCode::limit_exceeded);
  LoadLimits tight;
  tight.max_tensors = 3;
  EXPECT_EQ(error_of(serialize_graph(lower_model(model({32}, formats::ElementType::fp8e4m3, true))),
                     tight),
            LoadErrorCode::limit_exceeded);
}

TEST(Reader, DataSizeMustMatchShape) {
  Graph g = lower_model(model({32}, formats::ElementType::fp8e4m3, true));
  for (Tensor& t : g.tensors) {
    if (t.data && t.dtype == DType::fp8e4m3) t.data->pop_back();
  }
  EXPECT_EQ(error_of(serialize_graph(g)), LoadErrorCode::data_size_mismatch);
}

// Hand-built flatbuffers for what our writer refuses to produce.
std::vector<uint8_t> raw_graph(uint32_t op, uint8_t tag, uint32_t dtype,
                               std::vector<uint8_t> data = {0, 0, 0, 0}) {
  flatbuffers::FlatBufferBuilder b;
  const auto attr = tosa::CreateConstAttribute(b).Union();
  const auto o =
      tosa::CreateTosaOperator(b, tosa::Op(op), tosa::Attribute(tag), attr,
                               b.CreateVectorOfStrings({}), b.CreateVectorOfStrings({"t"}));
  const auto t =
      tosa::CreateTosaTensor(b, b.CreateString("t"), b.CreateVector(std::vector<int32_t>{1}),
                             tosa::DType(dtype), b.CreateVector(data));
  const auto blk = tosa::CreateTosaBasicBlock(
      b, b.CreateString("main"), b.CreateVector(std::vector{o}), b.CreateVector(std::vector{t}));
  const auto reg =
      tosa::CreateTosaRegion(b, b.CreateString("main"), b.CreateVector(std::vector{blk}));
  b.Finish(tosa::CreateTosaGraph(b, tosa::CreateVersion(b, 1, 1, 0, true),
                                 b.CreateVector(std::vector{reg})),
           "TOSA");
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

TEST(Reader, UnknownOpDtypeAndAttributeTag) {
  EXPECT_TRUE(deserialize_graph(raw_graph(67, 67, 7)).ok()) << "CONST fp32 [1] is fine";
  EXPECT_EQ(error_of(raw_graph(200, 200, 7)), LoadErrorCode::unknown_op);
  EXPECT_EQ(error_of(raw_graph(67, 15, 7)), LoadErrorCode::attribute_mismatch);
  EXPECT_EQ(error_of(raw_graph(67, 67, 99)), LoadErrorCode::unknown_dtype);
}

// tosa-tools' C++ writer (ForceAlignTensorData), and so Arm's model converter, pads each data
// vector with zeros to a multiple of 8 bytes: an FP32 [1] constant holds 8 bytes.
TEST(Reader, TakesZeroPaddingToEightBytesAndNothingElse) {
  const LoadResult r = deserialize_graph(raw_graph(67, 67, 7, {0, 0, 0x80, 0x3f, 0, 0, 0, 0}));
  ASSERT_TRUE(r.ok()) << r.error->message;
  const Tensor* t = r.graph->find("t");
  ASSERT_TRUE(t && t->data);
  EXPECT_EQ(*t->data, (std::vector<uint8_t>{0, 0, 0x80, 0x3f})) << "1.0f, the padding dropped";
  EXPECT_EQ(error_of(raw_graph(67, 67, 7, {0, 0, 0x80, 0x3f, 0, 0, 0, 1})),
            LoadErrorCode::data_size_mismatch)
      << "padding that is not zero is data of another size";
  EXPECT_EQ(error_of(raw_graph(67, 67, 7, {0, 0, 0x80, 0x3f, 0, 0})),
            LoadErrorCode::data_size_mismatch)
      << "6 bytes is not aligned padding";
  EXPECT_EQ(error_of(raw_graph(67, 67, 7, std::vector<uint8_t>(16, 0))),
            LoadErrorCode::data_size_mismatch)
      << "beyond the next multiple of 8";
}

// What tosa-tools writes that mxconf's writer does not: fp6 constants in ceil(6n/8) bytes
// (pack_6bit_array's (n+1)*3/4) and a rank-0 shape holding one int64 (TosaSerializerShape's
// "rank 0 data type"). `fp6_bytes` bytes of 0xFF for 33 FP6E2M3 codes; a rank-0 shape of
// `shape_bytes` zero bytes.
std::vector<uint8_t> tosa_tools_graph(size_t fp6_bytes, size_t shape_bytes) {
  flatbuffers::FlatBufferBuilder b;
  const auto attr = tosa::CreateConstAttribute(b).Union();
  const auto o =
      tosa::CreateTosaOperator(b, tosa::Op(67), tosa::Attribute(67), attr,
                               b.CreateVectorOfStrings({}), b.CreateVectorOfStrings({"t"}));
  const auto t = tosa::CreateTosaTensor(b, b.CreateString("t"),
                                        b.CreateVector(std::vector<int32_t>{33}), tosa::DType(13),
                                        b.CreateVector(std::vector<uint8_t>(fp6_bytes, 0xFF)));
  const auto sh = tosa::CreateTosaShape(b, b.CreateString("s"), 0,
                                        b.CreateVector(std::vector<uint8_t>(shape_bytes, 0)));
  const auto blk = tosa::CreateTosaBasicBlock(
      b, b.CreateString("main"), b.CreateVector(std::vector{o}), b.CreateVector(std::vector{t}),
      b.CreateVectorOfStrings({}), b.CreateVectorOfStrings({"t"}), b.CreateVector(std::vector{sh}));
  const auto reg =
      tosa::CreateTosaRegion(b, b.CreateString("main"), b.CreateVector(std::vector{blk}));
  b.Finish(tosa::CreateTosaGraph(b, tosa::CreateVersion(b, 1, 1, 0, true),
                                 b.CreateVector(std::vector{reg})),
           "TOSA");
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

TEST(Reader, TakesTosaToolsFp6SizesAndRankZeroShapes) {
  const LoadResult r = deserialize_graph(tosa_tools_graph((33 * 6 + 7) / 8, 8));
  ASSERT_TRUE(r.ok()) << r.error->message;
  const Tensor* t = r.graph->find("t");
  ASSERT_TRUE(t && t->data);
  EXPECT_EQ(t->data->size(), 27u) << "whole 3-byte groups in the IR";
  std::vector<uint8_t> codes;
  ASSERT_TRUE(formats::unpack(formats::ElementType::fp6e2m3, *t->data, 33, codes));
  EXPECT_EQ(codes, std::vector<uint8_t>(33, 63)) << "198 bits of ones, then the padding";
  const Tensor* s = r.graph->find("s");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->shape, std::vector<int64_t>{0});
  EXPECT_TRUE(s->data && s->data->empty());
  // Both edges: mxconf's own sizes still load; other sizes do not.
  EXPECT_TRUE(deserialize_graph(tosa_tools_graph(27, 0)).ok());
  EXPECT_EQ(error_of(tosa_tools_graph(26, 0)), LoadErrorCode::data_size_mismatch);
  EXPECT_EQ(error_of(tosa_tools_graph(25, 16)), LoadErrorCode::data_size_mismatch);
}

TEST(Reader, TooShortAndNotAFlatbuffer) {
  EXPECT_EQ(error_of({1, 2, 3}), LoadErrorCode::truncated);
  std::vector<uint8_t> junk(64, 0xAB);
  junk[4] = 'T', junk[5] = 'O', junk[6] = 'S', junk[7] = 'A';
  EXPECT_EQ(error_of(junk), LoadErrorCode::malformed);
}

}  // namespace
}  // namespace mxconf::pipeline
