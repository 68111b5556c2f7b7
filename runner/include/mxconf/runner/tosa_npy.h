// TOSA tensors in .npy files as tosa-tools stores them (serializer/numpy_utils.py,
// TOSA_DTYPE_MAPPING; the same in tosa-tools 2026.5.0 and 2026.8.0), so that `mxconf exec` reads
// and writes every tensor type TOSA's own conformance tests hand it (docs/io-formats.md):
//   FP32 <f4 · BF16 <V2 (also <u2 on read) · FP8E4M3 and FP8UE8M0 <V1 · FP8E5M2 |u1 ·
//   FP6E2M3/FP6E3M2 |u1 packed, 4 codes in 3 bytes, last dimension x3/4 ·
//   FP4E2M1 |u1 packed, 2 codes a byte (even element in the low nibble), last dimension /2.
// On read, MX payloads and E8M0 scales are also taken as mxconf's unpacked |u1 codes (one byte
// per element, the tensor's own shape).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mxconf/io/atomic_output.h"
#include "mxconf/io/npy.h"
#include "mxconf/pipeline/graph.h"
#include "mxconf/pipeline/interpreter.h"

namespace mxconf::runner {

struct NpyLayout {
  io::NpyDtype dtype;
  unsigned code_bits = 8;  // 4 or 6: codes packed along the last dimension
};

// tosa-tools' layout of a tensor type (INT32 <i4 and INT64 <i8 are read only: ROW_GATHER's
// indices); nullopt for a type exec does not carry (other integers, SHAPE).
std::optional<NpyLayout> tosa_tools_layout(pipeline::DType t);

// The stored shape of a tensor of `shape` in `layout` (the last dimension packed). Nullopt when
// the last dimension does not pack into whole bytes.
std::optional<std::vector<int64_t>> stored_shape(const NpyLayout& layout,
                                                 const std::vector<int64_t>& shape);

// Graph input `t` from file `a` (read from `path`). Throws ExecInputError naming the file, the
// tensor, and the layouts it accepts.
pipeline::Value read_tensor_npy(const io::NpyFile& a, const pipeline::Tensor& t,
                                const std::string& path);

// Stages `v` at `path` in tosa-tools' layout. Throws ExecInputError for a type it cannot write.
void stage_tensor_npy(io::AtomicOutputs& out, const std::string& path, const std::string& name,
                      const pipeline::Value& v);

}  // namespace mxconf::runner
