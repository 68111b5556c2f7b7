// `mxconf exec` as a library call: run a .tosa file on .npy inputs with the reference interpreter
// and write one .npy per graph output, all or nothing. The inputs are used from the mapped files
// and the interpreter frees each value after its last use (no intermediates are kept): the path
// a user's run takes. The CLI and the reference runtime's file-path share run this same code.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "mxconf/formats/block_cast.h"
#include "mxconf/pipeline/tosa_validate.h"

namespace mxconf::runner {

struct ExecRequest {
  std::string tosa;
  // NAME=FILE.npy, or FILE.npy alone for a graph with one input.
  std::vector<std::string> inputs;
  std::string out_dir;
  formats::ScaleRule cast_rule = formats::kDefaultCastRule;
  pipeline::Target target;
};

// The request or its files cannot be run (the file does not load or breaks a rule, an input is
// missing or has another dtype or shape, an output type exec cannot write).
struct ExecInputError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
// The file is a TOSA graph that breaks one of the spec's rules (an ERROR_IF, a shape or type the
// operator does not allow, a broken structure): what a conformance harness calls a TOSA error.
struct ExecGraphInvalid : ExecInputError {
  using ExecInputError::ExecInputError;
};
// The file uses something mxconf does not implement (an op, a type or a schema version): never a
// verdict on the graph, so a harness must not count it as a rejection.
struct ExecUnsupported : ExecInputError {
  using ExecInputError::ExecInputError;
};

// Returns (graph output name, file written) for each output. Throws ExecGraphInvalid,
// ExecUnsupported, ExecInputError (the request itself), io::NpyError
// for a bad .npy, pipeline::InterpretError when the run fails, std::runtime_error on write errors.
std::vector<std::pair<std::string, std::string>> exec_files(const ExecRequest& r);

}  // namespace mxconf::runner
