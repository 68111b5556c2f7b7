// The operators mxconf models, one row each: the TOSA spelling, the serialized Op value, how many
// operands and results it takes, and which attribute fields it carries. The .tosa writer and
// reader and the IR verifier read these rows; validation (tosa_validate.h) and the interpreter
// keep their own per-operator functions, keyed by the same OpKind.
#pragma once

#include <cstdint>
#include <string_view>

#include "mxconf/pipeline/types.h"

namespace mxconf::pipeline {

// The attribute fields mxconf reads and writes (every other attribute table it writes is empty).
enum class AttrKind : uint8_t {
  none,        // an empty attribute table
  perms,       // TransposeAttribute { perms }
  block_size,  // the *_BLOCK_SCALED attributes { block_size } (one field, the same layout)
};

struct TosaOpInfo {
  OpKind op;
  std::string_view name;  // "MATMUL_T_BLOCK_SCALED"; importer ops "mxconf.LAYER"
  int inputs, outputs;    // -1: any number
  AttrKind attribute;
};

// The row of `op`, or nullptr for an operator mxconf does not model.
const TosaOpInfo* op_info(OpKind op);

}  // namespace mxconf::pipeline
