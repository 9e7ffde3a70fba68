/* main: argv to the command line, with signals caught and GMime started.
 *
 * The only place the process ends: everything else returns its exit code up to here. A signal
 * (Ctrl-C, TERM, HUP) only sets a flag that the pipeline checks between messages, so a run ends
 * with nothing that looks finished. */
#include <gmime/gmime.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C ends the run at once; the next run cleans up */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int main(int argc, char **argv)
{
    catch_signals();
    g_mime_init();
    int code = cli_main(argc, argv, &stop_requested);
    g_mime_shutdown();
    exit(code);
}
