#include "app/cli.h"

#include <CLI/CLI.hpp>

namespace tr1l::app {

int run_cli(int argc, char** argv) {
  CLI::App app{"TR1L monthly billing: settle, invoice, deliver"};
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  return 0;
}

}  // namespace tr1l::app
