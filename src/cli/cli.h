/* cli: the command line (see cli.c): parses argv, runs the command, prints, and returns the
 * process exit code. `stop` is set by main's signal handler. */
#ifndef WLMIGRATE_CLI_H
#define WLMIGRATE_CLI_H

#include <signal.h>

int cli_main(int argc, char **argv, volatile sig_atomic_t *stop);

#endif
