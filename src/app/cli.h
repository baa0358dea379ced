// The `tr1l` command line: parses arguments and runs one command. Returns the process exit status.
#pragma once

namespace tr1l::app {

int run_cli(int argc, char** argv);

}  // namespace tr1l::app
