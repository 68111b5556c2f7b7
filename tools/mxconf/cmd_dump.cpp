// mxconf dump FILE.tosa [--json]: a readable listing of a .tosa file.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "commands.h"
#include "mxconf/io/atomic_output.h"
#include "mxconf/pipeline/serialize.h"

namespace mxconf::cli {
namespace {

struct DumpOptions {
  std::string file;
  bool json = false;
};

std::string op_name(const pipeline::Operator& op) {
  return op.op == pipeline::OpKind::unknown ? "OP_" + std::to_string(op.raw_op)
                                            : std::string(pipeline::name(op.op));
}

nlohmann::json to_json(const pipeline::Graph& g) {
  nlohmann::json ops = nlohmann::json::array(), tensors = nlohmann::json::array();
  for (const auto& op : g.ops) {
    nlohmann::json j = {{"op", op_name(op)},
                        {"op_value", op.raw_op},
                        {"inputs", op.inputs},
                        {"outputs", op.outputs}};
    if (op.attrs.block_size) j["attributes"]["block_size"] = op.attrs.block_size;
    if (!op.attrs.perms.empty()) j["attributes"]["perms"] = op.attrs.perms;
    ops.push_back(j);
  }
  for (const auto& t : g.tensors) {
    nlohmann::json j = {{"name", t.name},
                        {"shape", t.shape},
                        {"dtype", pipeline::name(t.dtype)},
                        {"const", t.data.has_value()}};
    if (t.data) j["bytes"] = t.data->size();
    tensors.push_back(j);
  }
  return {{"version",
           {{"major", g.version.major},
            {"minor", g.version.minor},
            {"patch", g.version.patch},
            {"draft", g.version.draft}}},
          {"region", g.region_name},
          {"block", g.block_name},
          {"inputs", g.inputs},
          {"outputs", g.outputs},
          {"operators", ops},
          {"tensors", tensors}};
}

int run_dump(const DumpOptions& o) {
  const std::vector<uint8_t> bytes = io::read_file(o.file);
  const pipeline::LoadResult r = pipeline::deserialize_graph(bytes);
  if (!r.ok()) {
    throw UsageError(o.file + ": " + std::string(pipeline::name(r.error->code)) + ": " +
                     r.error->message);
  }
  const pipeline::Graph& g = *r.graph;
  if (o.json) {
    std::printf("%s\n", to_json(g).dump(2).c_str());
    return 0;
  }
  std::printf("%s: TOSA %d.%d.%d%s, region '%s', block '%s'\n", o.file.c_str(), g.version.major,
              g.version.minor, g.version.patch, g.version.draft ? " draft" : "",
              g.region_name.c_str(), g.block_name.c_str());
  std::printf("inputs: %s\noutputs: %s\n\n", nlohmann::json(g.inputs).dump().c_str(),
              nlohmann::json(g.outputs).dump().c_str());
  std::printf("operators (%zu):\n", g.ops.size());
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const auto& op = g.ops[i];
    std::string attrs;
    if (op.attrs.block_size) attrs += " block_size=" + std::to_string(op.attrs.block_size);
    if (!op.attrs.perms.empty()) attrs += " perms=" + nlohmann::json(op.attrs.perms).dump();
    std::printf("  %3zu %-24s %s -> %s%s\n", i, op_name(op).c_str(),
                nlohmann::json(op.inputs).dump().c_str(), nlohmann::json(op.outputs).dump().c_str(),
                attrs.c_str());
  }
  std::printf("\ntensors (%zu):\n", g.tensors.size());
  for (const auto& t : g.tensors) {
    std::printf("  %-28s %-9s %-18s %s\n", t.name.c_str(),
                std::string(pipeline::name(t.dtype)).c_str(),
                pipeline::shape_string(t.shape).c_str(),
                t.data ? ("const, " + std::to_string(t.data->size()) + " bytes").c_str() : "-");
  }
  return 0;
}

}  // namespace

void add_dump_command(CLI::App& app, int& result) {
  auto opts = std::make_shared<DumpOptions>();
  CLI::App* cmd = app.add_subcommand("dump",
                                     "List the version, operators (with attributes) and tensors\n"
                                     "(name, shape, dtype, constant or not) of a .tosa file.");
  cmd->add_option("FILE", opts->file, "the .tosa file")->required();
  cmd->add_flag("--json", opts->json, "print JSON instead of a table");
  set_action(cmd, result, [opts] { return run_dump(*opts); });
}

}  // namespace mxconf::cli
