/* main: the command line of wlmigrate.
 *
 * The only place that parses arguments, prints usage and exits. Commands: `scan` (what is in a
 * store) and `convert` (store to a target). Exit codes are documented in README.md and the man
 * page: 0 everything converted, 1 finished but the report lists losses, 2 usage, 3 fatal,
 * 130 interrupted. */
#include <getopt.h>
#include <gmime/gmime.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert.h"
#include "scan.h"
#include "writer.h"

#ifndef WLMIGRATE_VERSION
#define WLMIGRATE_VERSION "0.1.0"
#endif

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *out)
{
    fputs("Usage:\n"
          "  wlmigrate scan STORE [--json] [--quiet | --verbose]\n"
          "  wlmigrate convert STORE --for thunderbird -o OUT [options]\n"
          "  wlmigrate --help | --version\n"
          "\n"
          "STORE is a Windows Live Mail store, one account's directory, a Windows Mail store,\n"
          "a folder tree of .eml files, or any directory above them (a copied profile or a\n"
          "mounted Windows disk: Users/*/AppData/Local/Microsoft/Windows Live Mail is found).\n"
          "The store is only read, never changed.\n"
          "\n"
          "scan options:\n"
          "  --json              one JSON document on stdout (shape in README.md)\n"
          "\n"
          "convert options:\n"
          "  --for TARGET        thunderbird\n"
          "  -o, --output OUT    output directory: OUT/thunderbird/, OUT/report.txt,\n"
          "                      OUT/report.json, OUT/unconverted/ (originals not converted)\n"
          "  --container NAME    Thunderbird folder that holds the import\n"
          "                      (default \"Windows Live Mail\")\n"
          "  --unknown-state S   read (default) or unread: state of messages whose read state\n"
          "                      the store does not record\n"
          "  --force             replace an existing result in OUT\n"
          "  --json              print report.json to stdout when done\n"
          "\n"
          "common options:\n"
          "  -q, --quiet         no progress and no summary\n"
          "  -v, --verbose       a line per folder\n"
          "\n"
          "Exit codes: 0 all converted; 1 finished, but the report lists messages not converted\n"
          "or other losses; 2 usage error (or a result exists without --force); 3 fatal error,\n"
          "nothing written; 130 interrupted, nothing written.\n",
          out);
}

enum { OPT_FOR = 256, OPT_CONTAINER, OPT_FORCE, OPT_JSON, OPT_UNKNOWN_STATE };

static const struct option long_options[] = {
    {"for", required_argument, NULL, OPT_FOR},
    {"output", required_argument, NULL, 'o'},
    {"container", required_argument, NULL, OPT_CONTAINER},
    {"force", no_argument, NULL, OPT_FORCE},
    {"json", no_argument, NULL, OPT_JSON},
    {"unknown-state", required_argument, NULL, OPT_UNKNOWN_STATE},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "wlmigrate: %s%s\n", msg, arg ? arg : "");
    fputs("Try 'wlmigrate --help'.\n", stderr);
    return 2;
}

/* Names Thunderbird gives its own folders at the top of Local Folders: a container of that name
 * would become (or be copied over) the user's Trash, Inbox... */
static bool is_thunderbird_special(const char *name)
{
    static const char *const special[] = {"Inbox", "Trash", "Sent", "Drafts", "Templates",
                                          "Archives", "Junk", "Unsent Messages", "Outbox"};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
        if (strcasecmp(name, special[i]) == 0)
            return true;
    return false;
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

static int run(int argc, char **argv)
{
    const char *target = NULL, *output = NULL, *container = "Windows Live Mail";
    bool force = false, json = false, unknown_is_read = true;
    enum progress_mode progress = PROGRESS_NORMAL;
    int c;
    /* GNU getopt moves the operands (COMMAND STORE) behind the options wherever they stand. */
    while ((c = getopt_long(argc, argv, "o:qvhV", long_options, NULL)) != -1) {
        switch (c) {
        case OPT_FOR: target = optarg; break;
        case 'o': output = optarg; break;
        case OPT_CONTAINER: container = optarg; break;
        case OPT_FORCE: force = true; break;
        case OPT_JSON: json = true; break;
        case OPT_UNKNOWN_STATE:
            if (strcmp(optarg, "read") == 0)
                unknown_is_read = true;
            else if (strcmp(optarg, "unread") == 0)
                unknown_is_read = false;
            else
                return usage_error("--unknown-state takes read or unread, not ", optarg);
            break;
        case 'q': progress = PROGRESS_QUIET; break;
        case 'v': progress = PROGRESS_VERBOSE; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("wlmigrate %s\n", WLMIGRATE_VERSION); return 0;
        default: return usage_error("bad arguments", NULL);
        }
    }
    if (optind >= argc)
        return usage_error("no command given", NULL);
    const char *command = argv[optind++];
    if (strcmp(command, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (optind >= argc)
        return usage_error("no STORE given", NULL);
    const char *store = argv[optind++];
    if (optind < argc)
        return usage_error("unexpected argument: ", argv[optind]);

    if (strcmp(command, "scan") == 0) {
        struct scan_options so = {.store = store, .json = json, .progress = progress};
        return scan_run(&so);
    }
    if (strcmp(command, "convert") == 0) {
        if (!target)
            return usage_error("convert needs --for (", "thunderbird)");
        if (!writer_find(target))
            return usage_error("unknown target: ", target);
        if (!output)
            return usage_error("convert needs -o OUT", NULL);
        if (!*container)
            return usage_error("--container needs a name", NULL);
        if (is_thunderbird_special(container))
            return usage_error("--container must not be one of Thunderbird's own folders: ",
                               container);
        struct convert_options co = {.store = store,
                                     .target = target,
                                     .output = output,
                                     .container = container,
                                     .force = force,
                                     .unknown_is_read = unknown_is_read,
                                     .json = json,
                                     .progress = progress,
                                     .stop = &stop_requested};
        return convert_run(&co);
    }
    return usage_error("unknown command: ", command);
}

int main(int argc, char **argv)
{
    catch_signals();
    g_mime_init();
    int code = run(argc, argv);
    g_mime_shutdown();
    return code;
}
