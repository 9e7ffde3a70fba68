/* main: argv to the command line, with signals caught and GMime started.
 *
 * The only place the process ends: everything else returns its exit code up to here. A signal
 * (Ctrl-C, TERM, HUP; on Windows the console's Ctrl-C and Ctrl-Break) only sets a flag that the
 * pipeline checks between messages, so a run ends with nothing that looks finished. The
 * platform module hands over argv in UTF-8 and sets up the console first. */
#include <gmime/gmime.h>
#include <signal.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "util/platform.h"

static volatile sig_atomic_t stop_requested;

int main(int argc, char **argv)
{
    plat_init(&argc, &argv);
    plat_catch_stop(&stop_requested);
    g_mime_init();
    int code = cli_main(argc, argv, &stop_requested);
    g_mime_shutdown();
    plat_finish();
    exit(code);
}
