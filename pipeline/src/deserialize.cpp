// The .tosa reader: verifies the flatbuffer, then every table it reads, against limits.
#include "mxconf/pipeline/serialize.h"

#include <algorithm>

#include <limits>
#include <stdexcept>
#include <unordered_set>

#include "mxconf/pipeline/tosa_ops.h"
#include "mxconf/pipeline/verifier.h"
#include "mxconf/vocabulary/named.h"
#include "tosa_generated.h"

namespace mxconf::pipeline {
namespace {

namespace fb = flatbuffers;

// A TOSA operator mxconf models (the importer-level kinds never come from a file).
bool models(uint32_t op) {
  return op <= kMaxTosaOpValue && op_info(OpKind(op)) != nullptr;
}

LoadResult fail(LoadErrorCode c, std::string msg) {
  LoadResult r;
  r.error = LoadError{c, std::move(msg)};
  return r;
}

std::string str(const fb::String* s) {
  return s ? s->str() : std::string();
}

// The size tosa-tools' writer pads a data vector to (TENSOR_BUFFER_FORCE_ALIGNMENT = 8).
uint64_t round8(uint64_t n) {
  return (n + 7) / 8 * 8;
}

}  // namespace

namespace {
constexpr Named<LoadErrorCode> kLoadErrorNames[] = {
    {LoadErrorCode::truncated, "truncated"},
    {LoadErrorCode::too_large, "too_large"},
    {LoadErrorCode::bad_identifier, "bad_identifier"},
    {LoadErrorCode::malformed, "malformed"},
    {LoadErrorCode::version_unsupported, "version_unsupported"},
    {LoadErrorCode::no_main_block, "no_main_block"},
    {LoadErrorCode::unknown_op, "unknown_op"},
    {LoadErrorCode::attribute_mismatch, "attribute_mismatch"},
    {LoadErrorCode::unknown_dtype, "unknown_dtype"},
    {LoadErrorCode::bad_tensor, "bad_tensor"},
    {LoadErrorCode::data_size_mismatch, "data_size_mismatch"},
    {LoadErrorCode::limit_exceeded, "limit_exceeded"},
    {LoadErrorCode::undeclared_tensor, "undeclared_tensor"},
    {LoadErrorCode::malformed_graph, "malformed_graph"},
};
}  // namespace

std::string_view name(LoadErrorCode c) {
  return name_in(kLoadErrorNames, c);
}

LoadResult deserialize_graph(std::span<const uint8_t> bytes, const LoadLimits& lim) {
  if (bytes.size() < 8)
    return fail(LoadErrorCode::truncated,
                "file is " + std::to_string(bytes.size()) + " bytes, too short for a flatbuffer");
  if (bytes.size() > lim.max_bytes)
    return fail(LoadErrorCode::too_large,
                "file exceeds " + std::to_string(lim.max_bytes) + " bytes");
  if (!tosa::TosaGraphBufferHasIdentifier(bytes.data())) {
    return fail(LoadErrorCode::bad_identifier, "file identifier is not \"TOSA\"");
  }
  fb::Verifier::Options opts;
  opts.max_depth = lim.max_depth;
  opts.max_tables = lim.max_tables;
  fb::Verifier verifier(bytes.data(), bytes.size(), opts);
  if (!tosa::VerifyTosaGraphBuffer(verifier)) {
    return fail(LoadErrorCode::malformed,
                "the flatbuffers verifier rejected the file (corrupt, truncated or too deep)");
  }
  const tosa::TosaGraph* root = tosa::GetTosaGraph(bytes.data());
  Graph g;
  const tosa::Version* ver = root->version();
  g.version = {ver->_major(), ver->_minor(), ver->_patch(), ver->_draft()};
  if (g.version.major != 1 || g.version.minor != 1 || g.version.patch != 0) {
    const bool newer = g.version.major > 1 || (g.version.major == 1 && g.version.minor > 1) ||
                       (g.version.major == 1 && g.version.minor == 1 && g.version.patch > 0);
    return fail(
        LoadErrorCode::version_unsupported,
        "version " + std::to_string(g.version.major) + "." + std::to_string(g.version.minor) + "." +
            std::to_string(g.version.patch) +
            (newer ? " is newer than this reader (1.1.0)" : " predates the MX operators (1.1)"));
  }
  if (!root->regions() || root->regions()->size() == 0)
    return fail(LoadErrorCode::no_main_block, "the graph has no region");
  const tosa::TosaRegion* region = root->regions()->Get(0);
  g.region_name = str(region->name());
  const tosa::TosaBasicBlock* block = nullptr;
  if (region->blocks()) {
    for (const tosa::TosaBasicBlock* bb : *region->blocks()) {
      if (bb && str(bb->name()) == "main") {
        block = bb;
        break;
      }
    }
  }
  if (!block)
    return fail(LoadErrorCode::no_main_block, "the first region has no block named \"main\"");

  const size_t n_tensors = block->tensors() ? block->tensors()->size() : 0;
  const size_t n_ops = block->operators() ? block->operators()->size() : 0;
  if (n_tensors > lim.max_tensors)
    return fail(LoadErrorCode::limit_exceeded, std::to_string(n_tensors) +
                                                   " tensors exceed the limit of " +
                                                   std::to_string(lim.max_tensors));
  if (n_ops > lim.max_ops)
    return fail(
        LoadErrorCode::limit_exceeded,
        std::to_string(n_ops) + " operators exceed the limit of " + std::to_string(lim.max_ops));

  std::unordered_set<std::string> names;
  uint64_t total_elements = 0;
  for (size_t i = 0; i < n_tensors; ++i) {
    const tosa::TosaTensor* t = block->tensors()->Get(uint32_t(i));
    const std::string where = "tensor " + std::to_string(i);
    if (!t->name() || t->name()->size() == 0 || t->name()->size() > lim.max_name) {
      return fail(LoadErrorCode::bad_tensor, where + " has no name or an overlong one");
    }
    Tensor out;
    out.name = t->name()->str();
    if (uint32_t(t->type()) > kMaxDTypeValue) {
      return fail(LoadErrorCode::unknown_dtype, "tensor '" + out.name + "' has DType value " +
                                                    std::to_string(uint32_t(t->type())));
    }
    out.dtype = DType(uint32_t(t->type()));
    if (t->is_unranked() || t->variable())
      return fail(LoadErrorCode::bad_tensor,
                  "tensor '" + out.name + "' is unranked or variable (unsupported)");
    if (t->offset() > 1 || t->size() > 0)
      return fail(LoadErrorCode::bad_tensor,
                  "tensor '" + out.name + "' uses external data (unsupported)");
    const size_t rank = t->shape() ? t->shape()->size() : 0;
    if (rank > lim.max_rank)
      return fail(LoadErrorCode::bad_tensor,
                  "tensor '" + out.name + "' has rank " + std::to_string(rank));
    uint64_t count = 1;
    for (size_t d = 0; d < rank; ++d) {
      const int32_t dim = t->shape()->Get(uint32_t(d));
      if (dim < 0)
        return fail(LoadErrorCode::bad_tensor,
                    "tensor '" + out.name + "' has a negative dimension");
      out.shape.push_back(dim);
      if (dim != 0 && count > lim.max_tensor_elements / uint64_t(dim)) {
        return fail(LoadErrorCode::limit_exceeded, "tensor '" + out.name + "' exceeds " +
                                                       std::to_string(lim.max_tensor_elements) +
                                                       " elements");
      }
      count *= uint64_t(dim);
    }
    total_elements += count;
    if (total_elements > lim.max_total_elements)
      return fail(
          LoadErrorCode::limit_exceeded,
          "the tensors exceed " + std::to_string(lim.max_total_elements) + " elements in total");
    if (t->data() && t->data()->size() > 0) {
      const auto want = data_size(out.dtype, count);
      std::vector<uint8_t> stored(t->data()->begin(), t->data()->end());
      const bool fp6 = out.dtype == DType::fp6e2m3 || out.dtype == DType::fp6e3m2;
      // tosa-tools' C++ writer (TosaSerializationHandler::ForceAlignTensorData; Arm's model
      // converter writes through it) pads every data vector with zero bytes to a multiple of 8,
      // and its readers take the first bytes the shape needs. Accept exactly that: the padding
      // up to the next multiple of 8, all zero, dropped here.
      const uint64_t short6 = (count * 6 + 7) / 8;
      uint64_t used = want ? *want : 0;
      if (fp6 && want && short6 < *want &&
          (stored.size() == short6 || stored.size() == round8(short6)))
        used = short6;
      if (want && stored.size() != used && stored.size() == round8(used) &&
          std::all_of(stored.begin() + long(used), stored.end(), [](uint8_t b) { return b == 0; }))
        stored.resize(size_t(used));
      // tosa-tools' pack_6bit_array stores n fp6 codes in (n+1)*3/4 = ceil(6n/8) bytes; mxconf's
      // IR keeps whole 3-byte groups of 4 codes. The two agree when n % 4 == 0 (every MX tensor
      // of a valid graph: n is a multiple of 32); otherwise the short form is padded with the
      // zero bits its last group lacks.
      if (fp6 && want && stored.size() == short6 && stored.size() < *want)
        stored.resize(size_t(*want), 0);
      if (!want || *want != stored.size()) {
        return fail(LoadErrorCode::data_size_mismatch,
                    "tensor '" + out.name + "' holds " + std::to_string(t->data()->size()) +
                        " bytes; " + std::string(name(out.dtype)) + " with that shape needs " +
                        (want ? std::to_string(*want) : "a storable type"));
      }
      out.data.emplace(std::move(stored));
    }
    if (!names.insert(out.name).second)
      return fail(LoadErrorCode::malformed_graph, "tensor '" + out.name + "' is declared twice");
    g.tensors.push_back(std::move(out));
  }

  // Shape values the way the tosa-tools 2026.05 serializer writes them (ExecuTorch's .tosa
  // files): CONST_SHAPE outputs in the block's `shapes` table (name, rank = the number of values,
  // int64 data) instead of SHAPE tensors. The IR holds both forms as SHAPE tensors of shape [rank].
  const size_t n_shapes = block->shapes() ? block->shapes()->size() : 0;
  if (n_tensors + n_shapes > lim.max_tensors)
    return fail(LoadErrorCode::limit_exceeded, std::to_string(n_tensors + n_shapes) +
                                                   " tensors and shapes exceed the limit of " +
                                                   std::to_string(lim.max_tensors));
  for (size_t i = 0; i < n_shapes; ++i) {
    const tosa::TosaShape* s = block->shapes()->Get(uint32_t(i));
    if (!s->name() || s->name()->size() == 0 || s->name()->size() > lim.max_name)
      return fail(LoadErrorCode::bad_tensor,
                  "shape " + std::to_string(i) + " has no name or an overlong one");
    Tensor out;
    out.name = s->name()->str();
    out.dtype = DType::shape;
    if (s->rank() > lim.max_tensor_elements)
      return fail(LoadErrorCode::limit_exceeded,
                  "shape '" + out.name + "' has rank " + std::to_string(s->rank()));
    out.shape = {int64_t(s->rank())};
    size_t n_bytes = s->data() ? s->data()->size() : 0;
    // A rank-0 shape has no values, but tosa-tools' TosaSerializerShape stores the scalar it is
    // given ("rank 0 data type") as one int64: 8 bytes, which carry nothing to use.
    if (s->rank() == 0 && n_bytes == 8) n_bytes = 0;
    if (n_bytes != size_t(s->rank()) * 8) {
      return fail(LoadErrorCode::data_size_mismatch, "shape '" + out.name + "' holds " +
                                                         std::to_string(n_bytes) + " bytes; rank " +
                                                         std::to_string(s->rank()) + " needs " +
                                                         std::to_string(size_t(s->rank()) * 8));
    }
    if (n_bytes > 0)
      out.data.emplace(s->data()->begin(), s->data()->end());
    else
      out.data.emplace();
    if (!names.insert(out.name).second)
      return fail(LoadErrorCode::malformed_graph, "shape '" + out.name + "' is declared twice");
    g.tensors.push_back(std::move(out));
  }

  // The IR's order (Graph::add_tensor): SHAPE tensors last, whichever form the file used.
  std::stable_partition(g.tensors.begin(), g.tensors.end(),
                        [](const Tensor& t) { return t.dtype != DType::shape; });

  auto read_names = [&](const fb::Vector<fb::Offset<fb::String>>* v, std::vector<std::string>& out,
                        const std::string& who) -> std::optional<LoadError> {
    if (!v) return std::nullopt;
    for (const fb::String* s : *v) {
      std::string n = str(s);
      if (!names.count(n))
        return LoadError{LoadErrorCode::undeclared_tensor,
                         who + " names undeclared tensor '" + n + "'"};
      out.push_back(std::move(n));
    }
    return std::nullopt;
  };
  for (size_t i = 0; i < n_ops; ++i) {
    const tosa::TosaOperator* o = block->operators()->Get(uint32_t(i));
    const uint32_t value = uint32_t(o->op());
    const std::string who = "operator " + std::to_string(i);
    if (value == 0 || value > kMaxTosaOpValue)
      return fail(LoadErrorCode::unknown_op, who + " has Op value " + std::to_string(value));
    if (uint32_t(o->attribute_type()) != value || !o->attribute()) {
      return fail(LoadErrorCode::attribute_mismatch,
                  who + " (" + tosa::EnumNameOp(o->op()) + "): attribute tag " +
                      std::to_string(uint32_t(o->attribute_type())) +
                      " must equal the Op value and the table must be present");
    }
    Operator op;
    op.raw_op = value;
    op.op = models(value) ? OpKind(value) : OpKind::unknown;
    const TosaOpInfo* info = op_info(op.op);
    switch (info ? info->attribute : AttrKind::none) {
      case AttrKind::perms:
        if (const auto* p = o->attribute_as_TransposeAttribute()->perms())
          op.attrs.perms.assign(p->begin(), p->end());
        break;
      case AttrKind::block_size:
        // Every { block_size } table has the same layout, and the verifier checked this one as
        // the type its tag names.
        op.attrs.block_size = uint32_t(
            static_cast<const tosa::MatMulTBlockScaledAttribute*>(o->attribute())->block_size());
        break;
      case AttrKind::none:
        break;
    }
    if (auto e = read_names(o->inputs(), op.inputs, who)) return fail(e->code, e->message);
    if (auto e = read_names(o->outputs(), op.outputs, who)) return fail(e->code, e->message);
    g.ops.push_back(std::move(op));
  }
  if (auto e = read_names(block->inputs(), g.inputs, "the block input list"))
    return fail(e->code, e->message);
  if (auto e = read_names(block->outputs(), g.outputs, "the block output list"))
    return fail(e->code, e->message);
  g.block_name = "main";
  const std::vector<IrError> ir = verify_graph(g);
  if (!ir.empty())
    return fail(LoadErrorCode::malformed_graph,
                std::string(name(ir[0].code)) + ": " + ir[0].message);
  LoadResult r;
  r.graph = std::move(g);
  return r;
}

}  // namespace mxconf::pipeline
