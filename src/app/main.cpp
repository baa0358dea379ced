#include "app/cli.h"

int main(int argc, char** argv) { return tr1l::app::run_cli(argc, argv); }
