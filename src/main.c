/* main: the command line of wlmigrate.
 *
 * The only place that parses arguments, prints usage and exits. Commands: `scan` (what is in a
 * store) and `convert` (store to a target). Exit codes are documented in README.md and the man
 * page: 0 everything converted, 1 finished but the report lists losses, 2 usage, 3 fatal,
 * 130 interrupted. */
#include <errno.h>
#include <getopt.h>
#include <gmime/gmime.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pipeline/contacts.h"
#include "cli/convert.h"
#include "cli/scan.h"
#include "cli/show.h"
#include "pipeline/writer.h"

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
          "  wlmigrate show FILE.eml [--json]\n"
          "  wlmigrate contacts IN... -o OUT --to vcard|csv [options]   (contacts --help)\n"
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
          "show: one message decoded as the converter sees it (subject, addresses, date,\n"
          "bodies, attachments with SHA-256, repairs); --json for one JSON object.\n"
          "\n"
          "convert options:\n"
          "  --for TARGET        thunderbird or outlook\n"
          "  -o, --output OUT    output directory: OUT/thunderbird/, OUT/report.txt,\n"
          "                      OUT/report.json, OUT/unconverted/ (originals not converted)\n"
          "  --container NAME    Thunderbird folder that holds the import\n"
          "                      (default \"Windows Live Mail\")\n"
          "  --pst-max-size SIZE Outlook: start a new PST part before one would pass SIZE\n"
          "                      bytes (suffix K, M, G; at least 1M); default no limit\n"
          "  --unknown-state S   read (default) or unread: state of messages whose read state\n"
          "                      the store does not record\n"
          "  --contacts PATH     also convert this address book export (.vcf, .csv, .contact,\n"
          "                      contacts.edb, or a directory of them); repeatable\n"
          "  --no-contacts       do not look for address books beside the store\n"
          "  --vcard-version V   Thunderbird contacts.vcf as 4.0 (default) or 3.0\n"
          "  --csv-profile P     Outlook contacts.csv: outlook-en (UTF-8 with BOM, default)\n"
          "                      or outlook-ja (CP932, CRLF)\n"
          "  --csv-encoding E    override the profile's encoding (UTF-8, UTF-8-BOM, CP932,\n"
          "                      UTF-16LE)\n"
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

enum {
    OPT_FOR = 256, OPT_CONTAINER, OPT_FORCE, OPT_JSON, OPT_UNKNOWN_STATE, OPT_PST_MAX_SIZE,
    OPT_CONTACTS, OPT_NO_CONTACTS, OPT_VCARD_VERSION, OPT_CSV_PROFILE, OPT_CSV_ENCODING,
};

static const struct option long_options[] = {
    {"for", required_argument, NULL, OPT_FOR},
    {"output", required_argument, NULL, 'o'},
    {"container", required_argument, NULL, OPT_CONTAINER},
    {"force", no_argument, NULL, OPT_FORCE},
    {"json", no_argument, NULL, OPT_JSON},
    {"unknown-state", required_argument, NULL, OPT_UNKNOWN_STATE},
    {"pst-max-size", required_argument, NULL, OPT_PST_MAX_SIZE},
    {"contacts", required_argument, NULL, OPT_CONTACTS},
    {"no-contacts", no_argument, NULL, OPT_NO_CONTACTS},
    {"vcard-version", required_argument, NULL, OPT_VCARD_VERSION},
    {"csv-profile", required_argument, NULL, OPT_CSV_PROFILE},
    {"csv-encoding", required_argument, NULL, OPT_CSV_ENCODING},
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

/* "4G", "500M", "1048576": bytes, with binary K/M/G/T suffixes. */
static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    default: return -1;
    }
    if ((*end == 'B' || *end == 'b') && shift)
        end++;
    if (*end || v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
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

/* Everything the command line says. */
struct cli {
    const char *command, *operand;
    const char *target, *output, *container;
    bool force, json, unknown_is_read, no_contacts, vcard_v30;
    uint64_t pst_max_size;
    enum progress_mode progress;
    const char **contact_paths; /* --contacts, in order */
    size_t ncontact_paths;
    const char *csv_profile, *csv_encoding;
};

/* Parses the options; returns -1 when done (run the command), else an exit code. */
static int parse(int argc, char **argv, struct cli *o)
{
    int c;
    /* GNU getopt moves the operands (COMMAND STORE) behind the options wherever they stand. */
    while ((c = getopt_long(argc, argv, "o:qvhV", long_options, NULL)) != -1) {
        switch (c) {
        case OPT_FOR: o->target = optarg; break;
        case 'o': o->output = optarg; break;
        case OPT_CONTAINER: o->container = optarg; break;
        case OPT_FORCE: o->force = true; break;
        case OPT_JSON: o->json = true; break;
        case OPT_UNKNOWN_STATE:
            if (strcmp(optarg, "read") == 0)
                o->unknown_is_read = true;
            else if (strcmp(optarg, "unread") == 0)
                o->unknown_is_read = false;
            else
                return usage_error("--unknown-state takes read or unread, not ", optarg);
            break;
        case OPT_PST_MAX_SIZE:
            if (parse_size(optarg, &o->pst_max_size) != 0 || o->pst_max_size < (1u << 20))
                return usage_error("--pst-max-size takes a size of at least 1M (like 4G), not ",
                                   optarg);
            break;
        case OPT_CONTACTS: o->contact_paths[o->ncontact_paths++] = optarg; break;
        case OPT_NO_CONTACTS: o->no_contacts = true; break;
        case OPT_VCARD_VERSION:
            if (strcmp(optarg, "3.0") == 0)
                o->vcard_v30 = true;
            else if (strcmp(optarg, "4.0") == 0)
                o->vcard_v30 = false;
            else
                return usage_error("--vcard-version takes 3.0 or 4.0, not ", optarg);
            break;
        case OPT_CSV_PROFILE:
            if (strcmp(optarg, "outlook-en") != 0 && strcmp(optarg, "outlook-ja") != 0)
                return usage_error("--csv-profile takes outlook-en or outlook-ja, not ", optarg);
            o->csv_profile = optarg;
            break;
        case OPT_CSV_ENCODING: o->csv_encoding = optarg; break;
        case 'q': o->progress = PROGRESS_QUIET; break;
        case 'v': o->progress = PROGRESS_VERBOSE; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("wlmigrate %s\n", WLMIGRATE_VERSION); return 0;
        default: return usage_error("bad arguments", NULL);
        }
    }
    if (optind >= argc)
        return usage_error("no command given", NULL);
    o->command = argv[optind++];
    if (strcmp(o->command, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (optind >= argc)
        return usage_error("no STORE given", NULL);
    o->operand = argv[optind++];
    if (optind < argc)
        return usage_error("unexpected argument: ", argv[optind]);
    return -1;
}

static int run_convert(const struct cli *o)
{
    if (!o->target)
        return usage_error("convert needs --for (", "thunderbird or outlook)");
    if (!writer_find(o->target))
        return usage_error("unknown target: ", o->target);
    if (!o->output)
        return usage_error("convert needs -o OUT", NULL);
    if (!*o->container)
        return usage_error("--container needs a name", NULL);
    if (is_thunderbird_special(o->container))
        return usage_error("--container must not be one of Thunderbird's own folders: ",
                           o->container);
    struct convert_options co = {.store = o->operand,
                                 .target = o->target,
                                 .output = o->output,
                                 .container = o->container,
                                 .force = o->force,
                                 .unknown_is_read = o->unknown_is_read,
                                 .pst_max_size = o->pst_max_size,
                                 .no_contacts = o->no_contacts,
                                 .contact_paths = o->contact_paths,
                                 .ncontact_paths = o->ncontact_paths,
                                 .vcard_v30 = o->vcard_v30,
                                 .csv_profile = o->csv_profile,
                                 .csv_encoding = o->csv_encoding,
                                 .json = o->json,
                                 .progress = o->progress,
                                 .stop = &stop_requested};
    return convert_run(&co);
}

static int run(int argc, char **argv)
{
    /* `contacts` takes several inputs and options of its own: it parses them itself */
    if (argc > 1 && strcmp(argv[1], "contacts") == 0)
        return contacts_main(argc - 1, argv + 1);
    struct cli o = {.container = "Windows Live Mail",
                    .unknown_is_read = true,
                    .progress = PROGRESS_NORMAL,
                    .csv_profile = "outlook-en",
                    .contact_paths = calloc((size_t)argc, sizeof(const char *))};
    if (!o.contact_paths)
        return 3;
    int code = parse(argc, argv, &o);
    if (code < 0) {
        if (strcmp(o.command, "show") == 0) {
            struct show_options sho = {.path = o.operand, .json = o.json};
            code = show_run(&sho);
        } else if (strcmp(o.command, "scan") == 0) {
            struct scan_options so = {.store = o.operand, .json = o.json,
                                      .progress = o.progress};
            code = scan_run(&so);
        } else if (strcmp(o.command, "convert") == 0) {
            code = run_convert(&o);
        } else {
            code = usage_error("unknown command: ", o.command);
        }
    }
    free(o.contact_paths);
    return code;
}

int main(int argc, char **argv)
{
    catch_signals();
    g_mime_init();
    int code = run(argc, argv);
    g_mime_shutdown();
    return code;
}
