// mxconf: conformance test generation and fuzzing for MXFP linear layers lowered to TOSA 1.1.
#include <cstdio>
#include <exception>
#include <string>

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
    // A first word that is no subcommand: say so (CLI11 would only say one is required).
    if (argc > 1 && argv[1][0] != '-') {
      bool known = false;
      std::string names;
      for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        known |= sub->get_name() == argv[1];
        names += (names.empty() ? "" : ", ") + sub->get_name();
      }
      if (!known) {
        std::fprintf(stderr, "mxconf: unknown subcommand '%s' (subcommands: %s; mxconf --help)\n",
                     argv[1], names.c_str());
        return 2;
      }
    }
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0 as CLI11 prints them; a usage error exits 2 with the usage of
    // the subcommand it is about, as command-line tools do.
    if (e.get_exit_code() == 0) return app.exit(e);
    const CLI::App* at = &app;
    std::string who = "mxconf";
    while (!at->get_subcommands().empty()) {
      at = at->get_subcommands().front();
      who += " " + at->get_name();
    }
    std::fprintf(stderr, "%s: error: %s\nusage: %s [OPTIONS]%s (%s --help lists them)\n",
                 who.c_str(), e.what(), who.c_str(), at == &app ? " SUBCOMMAND" : "", who.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mxconf: error: %s\n", e.what());
    return 1;
  }
  return result;
}
