// mxconf: conformance test generation and fuzzing for MXFP linear layers lowered to TOSA 1.1.
#include <cstdio>
#include <exception>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "mxconf " MXCONF_VERSION
      ": conformance tests for MXFP linear layers lowered to TOSA 1.1.\n"
      "Formats: fp8e4m3, fp8e5m2, fp6e2m3, fp6e3m2, fp4e2m1 payloads with E8M0 scales, blocks of\n"
      "32 along the last dimension. Scale rules: tosa (spec HEAD, after PR #44), tosa-pre44, ocp\n"
      "(OCP MX v1.0 floor), rceil (torchao)."};
  app.set_version_flag("--version", MXCONF_VERSION);
  app.require_subcommand(1);
  int result = 0;
  mxconf::cli::add_quantize_command(app, result);
  mxconf::cli::add_selfcheck_command(app, result);
  mxconf::cli::add_lower_command(app, result);
  mxconf::cli::add_dump_command(app, result);
  mxconf::cli::add_exec_command(app, result);
  mxconf::cli::add_run_command(app, result);
  mxconf::cli::add_replay_command(app, result);
  mxconf::cli::add_report_command(app, result);
  mxconf::cli::add_export_command(app, result);
  mxconf::cli::add_check_command(app, result);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mxconf: error: %s\n", e.what());
    return 1;
  }
  return result;
}
