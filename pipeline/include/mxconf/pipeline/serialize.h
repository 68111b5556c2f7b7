// .tosa flatbuffers (schema/tosa.fbs): writing, and reading with the flatbuffers Verifier and
// semantic checks. Reading never crashes or asserts: every failure is a typed LoadError.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mxconf/pipeline/graph.h"

namespace mxconf::pipeline {

// The tosa-tools serializer whose layout the writer follows (shape values in the block's
// `shapes` table), written as the file's software_version.
struct SerializerLayoutVersion {
  int32_t major, minor, patch;
};
inline constexpr SerializerLayoutVersion kSerializerLayoutVersion{2026, 5, 0};

// Throws std::invalid_argument for graphs that cannot be written (importer-level ops, dims
// beyond int32). SHAPE tensors holding a list of values go to the block's `shapes` table; the
// reader returns them after the other tensors, the order Graph::add_tensor keeps.
std::vector<uint8_t> serialize_graph(const Graph& g);

// Resource limits are part of the reader, not only of the fuzzer.
struct LoadLimits {
  uint64_t max_bytes = (uint64_t{1} << 31) - 1;  // flatbuffers' own 2 GiB ceiling
  uint32_t max_depth = 16;                       // tables nest 5 deep in TOSA
  uint32_t max_tables = 1u << 20;
  size_t max_ops = 1u << 16;
  size_t max_tensors = 1u << 16;
  size_t max_rank = 8;
  size_t max_name = 4096;
  uint64_t max_tensor_elements = uint64_t{1} << 32;
  uint64_t max_total_elements = uint64_t{1} << 34;
};

enum class LoadErrorCode {
  truncated,            // too short to hold a flatbuffer
  too_large,            // over LoadLimits::max_bytes
  bad_identifier,       // file identifier is not "TOSA"
  malformed,            // the flatbuffers Verifier rejected the buffer (or depth/table limits)
  version_unsupported,  // not 1.1.0 (older has no MX ops; newer is unknown)
  no_main_block,        // no region, or no block named "main" in the first region
  unknown_op,           // Op value outside the schema
  attribute_mismatch,   // union tag != Op value, or a required attribute table is missing
  unknown_dtype,        // DType value outside the schema
  bad_tensor,           // missing name, negative dims, rank too high, unranked or external data
  data_size_mismatch,   // constant bytes disagree with shape and dtype
  limit_exceeded,       // more ops/tensors/elements than LoadLimits allow
  undeclared_tensor,    // an op or the block I/O names a tensor not in the block
  malformed_graph,      // the IR verifier rejected the graph (duplicates, cycles, ...)
};

std::string_view name(LoadErrorCode c);

struct LoadError {
  LoadErrorCode code;
  std::string message;
};

struct LoadResult {
  std::optional<Graph> graph;
  std::optional<LoadError> error;
  bool ok() const { return graph.has_value(); }
};

LoadResult deserialize_graph(std::span<const uint8_t> bytes, const LoadLimits& limits = {});

}  // namespace mxconf::pipeline
