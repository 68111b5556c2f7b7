// A structured graph (tensors of any modelled dtype and shape, constant data of the right size,
// operators wired to existing tensors) -> write -> read -> write: the reader must accept what the
// writer wrote, give back the same graph, and the second write must be byte-identical.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>

#include "mxconf/pipeline/serialize.h"

namespace {

using namespace mxconf::pipeline;

constexpr OpKind kOps[] = {OpKind::matmul,
                           OpKind::add,
                           OpKind::reshape,
                           OpKind::transpose,
                           OpKind::cast,
                           OpKind::const_tensor,
                           OpKind::const_shape,
                           OpKind::matmul_t_block_scaled,
                           OpKind::cast_from_block_scaled,
                           OpKind::cast_to_block_scaled};

Graph build(FuzzedDataProvider& p) {
  Graph g;
  const size_t tensors = p.ConsumeIntegralInRange<size_t>(1, 6);
  for (size_t i = 0; i < tensors; ++i) {
    Tensor t;
    t.name = "t";  // appended, not concatenated: GCC 12 misreads + here (-Wrestrict)
    t.name.append(std::to_string(i)).append(p.ConsumeRandomLengthString(8));
    if (g.find(t.name) || t.name.empty()) continue;
    t.dtype = DType(p.ConsumeIntegralInRange<uint32_t>(1, kMaxDTypeValue));
    const size_t rank = p.ConsumeIntegralInRange<size_t>(0, 4);
    for (size_t d = 0; d < rank; ++d) t.shape.push_back(p.ConsumeIntegralInRange<int64_t>(0, 6));
    if (p.ConsumeBool()) {
      const auto bytes = data_size(t.dtype, uint64_t(t.element_count()));
      if (bytes) t.data = p.ConsumeBytes<uint8_t>(*bytes), t.data->resize(*bytes);
    }
    g.add_tensor(std::move(t));
  }
  auto any_tensor = [&] {
    return g.tensors[p.ConsumeIntegralInRange<size_t>(0, g.tensors.size() - 1)].name;
  };
  const size_t ops = p.ConsumeIntegralInRange<size_t>(0, 4);
  for (size_t i = 0; i < ops; ++i) {
    Operator op;
    op.op = kOps[p.ConsumeIntegralInRange<size_t>(0, std::size(kOps) - 1)];
    op.raw_op = uint32_t(op.op);
    for (size_t n = p.ConsumeIntegralInRange<size_t>(0, 4); n > 0; --n)
      op.inputs.push_back(any_tensor());
    for (size_t n = p.ConsumeIntegralInRange<size_t>(0, 2); n > 0; --n)
      op.outputs.push_back(any_tensor());
    if (op.op == OpKind::transpose) {
      for (size_t n = p.ConsumeIntegralInRange<size_t>(0, 4); n > 0; --n)
        op.attrs.perms.push_back(p.ConsumeIntegralInRange<int32_t>(0, 3));
    }
    if (op.op == OpKind::matmul_t_block_scaled || op.op == OpKind::cast_from_block_scaled ||
        op.op == OpKind::cast_to_block_scaled)
      op.attrs.block_size = p.ConsumeBool() ? 32 : p.ConsumeIntegral<uint32_t>();
    g.ops.push_back(std::move(op));
  }
  if (p.ConsumeBool()) g.inputs.push_back(any_tensor());
  if (p.ConsumeBool()) g.outputs.push_back(any_tensor());
  return g;
}

// The first difference between two graphs, for the crash report.
std::string first_difference(const Graph& a, const Graph& b) {
  if (a.version != b.version) return "version";
  if (a.tensors.size() != b.tensors.size()) return "tensor count";
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    if (!(a.tensors[i] == b.tensors[i]))
      return "tensor " + std::to_string(i) + " '" + a.tensors[i].name + "'";
  }
  if (a.ops.size() != b.ops.size()) return "op count";
  for (size_t i = 0; i < a.ops.size(); ++i) {
    const Operator &x = a.ops[i], &y = b.ops[i];
    if (x.op != y.op || x.raw_op != y.raw_op) return "op " + std::to_string(i) + " kind";
    if (x.inputs != y.inputs || x.outputs != y.outputs)
      return "op " + std::to_string(i) + " operands";
    if (!(x.attrs == y.attrs))
      return "op " + std::to_string(i) + " (" + std::string(name(x.op)) +
             ") attributes: block_size " + std::to_string(x.attrs.block_size) + " vs " +
             std::to_string(y.attrs.block_size) + ", perms " +
             std::to_string(x.attrs.perms.size()) + " vs " + std::to_string(y.attrs.perms.size());
  }
  if (a.inputs != b.inputs || a.outputs != b.outputs) return "graph inputs/outputs";
  return "names of region or block";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider provider(data, size);
  Graph g = build(provider);
  // The file format has no "constant with zero bytes": such data reads back as no data.
  for (Tensor& t : g.tensors) {
    if (t.data && t.data->empty()) t.data.reset();
  }
  std::vector<uint8_t> first;
  try {
    first = serialize_graph(g);
  } catch (const std::exception&) {
    return 0;  // the writer refuses graphs it cannot encode (checked by its own tests)
  }
  const LoadResult r = deserialize_graph(first);
  if (!r.ok()) {
    // The reader also runs the IR verifier; graphs the fuzzer wired badly (cycles, an output
    // written twice, ...) are refused there, and that is not a round-trip failure.
    if (r.error->code == LoadErrorCode::malformed_graph) return 0;
    std::fprintf(stderr, "the reader refused what the writer wrote: %s: %s\n",
                 std::string(name(r.error->code)).c_str(), r.error->message.c_str());
    std::abort();
  }
  if (!(*r.graph == g)) {
    std::fprintf(stderr, "read back a different graph: %s\n",
                 first_difference(g, *r.graph).c_str());
    std::abort();
  }
  if (serialize_graph(*r.graph) != first) {
    std::fprintf(stderr, "the second write differs from the first\n");
    std::abort();
  }
  return 0;
}
