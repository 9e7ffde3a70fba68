/* cli: the command line of wlmigrate: options, usage and the choice of command.
 *
 * Commands: `scan` (what is in a store), `convert` (store to a target), `show` (one message
 * decoded) and `contacts` (address books alone, which parses its own options). Options a single
 * target takes come from its entry in formats/registry.c and are handed to that entry as they
 * are; the CLI never looks inside them. Exit codes are documented in README.md and the man page:
 * 0 everything converted, 1 finished but the report lists losses, 2 usage, 3 fatal,
 * 130 interrupted. */
#include "cli/cli.h"

#include <getopt.h>
#include <gmime/gmime.h>
#include <libesedb.h>
#include <libxml/parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/bulk.h"
#include "cli/contacts.h"
#include "cli/convert.h"
#include "cli/scan.h"
#include "cli/show.h"
#include "registry.h"
#include "util/child.h"
#include "util/i18n.h"
#include "util/platform.h"
#include "util/xalloc.h"
#include <zlib.h>

#ifndef WLMIGRATE_VERSION
#define WLMIGRATE_VERSION "0.1.0"
#endif

/* Each target's own options, as its entry in the registry describes them. */
static void target_usage(FILE *out)
{
    const struct target *t, *last = NULL;
    const struct target_option *opt;
    for (size_t i = 0; (opt = registry_target_option_at(i, &t)) != NULL; i++) {
        if (t != last)
            fprintf(out, _("\n--for %s options:\n"), t->name);
        last = t;
        fprintf(out, "  --%s%s%s\n", opt->name, opt->arg ? " " : "", opt->arg ? opt->arg : "");
        for (const char *line = _(opt->help); *line;) {
            const char *end = strchr(line, '\n');
            size_t len = end ? (size_t)(end - line) : strlen(line);
            fprintf(out, "      %.*s\n", (int)len, line);
            line += len + (end ? 1 : 0);
        }
    }
}

static void usage(FILE *out)
{
    fputs(_("Usage:\n"
          "  wlmigrate scan STORE [--json] [--quiet | --verbose]\n"
          "  wlmigrate convert STORE --for thunderbird -o OUT [options]\n"
          "  wlmigrate convert ROOT --all --for thunderbird -o OUT [--jobs N] [options]\n"
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
          "convert options:\n"),
          out);
    fprintf(out, "  --for TARGET        %s\n", registry_target_names());
    fputs(_("  -o, --output OUT    output directory: OUT/thunderbird/, OUT/report.txt,\n"
          "                      OUT/report.html (for the client), OUT/report.json,\n"
          "                      OUT/unconverted/ (originals not converted)\n"
          "  --container NAME    the Thunderbird folder or the Outlook data file that holds\n"
          "                      the import (default \"Windows Live Mail\")\n"
          "  --unknown-state S   read (default) or unread: state of messages whose read state\n"
          "                      the store does not record\n"
          "  --contacts PATH     also convert this address book export (.vcf, .csv, .contact,\n"
          "                      contacts.edb, or a directory of them); repeatable\n"
          "  --no-contacts       do not look for address books beside the store\n"
          "  --while-running     convert although Windows Live Mail is running (it holds its\n"
          "                      database): every message, its read and flag state unknown\n"
          "  --force             replace an existing result in OUT\n"
          "  --json              print report.json to stdout when done\n"
          "  --all               convert every store found below ROOT, each into\n"
          "                      OUT/<user>/<store kind>/, with OUT/summary.txt and\n"
          "                      OUT/summary.json (--json prints it); run it again after a\n"
          "                      failure or a kill to convert the rest\n"
          "  --jobs N            threads: for one store, 1 converts on one thread, 2 (the\n"
          "                      default with 2 processors or more) writes the Outlook\n"
          "                      PST on a second thread, byte for byte the same file;\n"
          "                      with --all, stores converted at once (default: the\n"
          "                      number of processors), each on two threads only when\n"
          "                      there are twice as many processors as stores at once\n"
          "  --list              with --all: print where each store would go (OUT/<user>/\n"
          "                      <kind>, a tab, the store; --json: as JSON), convert nothing\n"),
          out);
    target_usage(out);
    fputs(_("\n"
          "common options:\n"
          "  -q, --quiet         no progress and no summary\n"
          "  -v, --verbose       a line per folder\n"
          "  --lang LANG         language of messages and reports: ja or en (default: the\n"
          "                      locale, LANG=ja_JP.UTF-8)\n"
          "\n"
          "Exit codes: 0 all converted; 1 finished, but the report lists messages not converted\n"
          "or other losses; 2 usage error (or a result exists without --force); 3 fatal error,\n"
          "nothing written; 130 interrupted, nothing written. With --all: the worst of the\n"
          "stores' (0, 1, 2, 3, 130 from best to worst).\n"),
          out);
}

enum {
    OPT_FOR = 256, OPT_CONTAINER, OPT_FORCE, OPT_JSON, OPT_UNKNOWN_STATE, OPT_CONTACTS,
    OPT_NO_CONTACTS, OPT_ALL, OPT_JOBS, OPT_LIST, OPT_WHILE_RUNNING,
    OPT_TARGET, /* OPT_TARGET + i: the i-th target option (registry_target_option_at) */
};

static const struct option common_options[] = {
    {"for", required_argument, NULL, OPT_FOR},
    {"output", required_argument, NULL, 'o'},
    {"container", required_argument, NULL, OPT_CONTAINER},
    {"force", no_argument, NULL, OPT_FORCE},
    {"json", no_argument, NULL, OPT_JSON},
    {"unknown-state", required_argument, NULL, OPT_UNKNOWN_STATE},
    {"contacts", required_argument, NULL, OPT_CONTACTS},
    {"no-contacts", no_argument, NULL, OPT_NO_CONTACTS},
    {"while-running", no_argument, NULL, OPT_WHILE_RUNNING},
    {"all", no_argument, NULL, OPT_ALL},
    {"jobs", required_argument, NULL, OPT_JOBS},
    {"list", no_argument, NULL, OPT_LIST},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
};

#define NCOMMON (sizeof common_options / sizeof common_options[0])

/* The common options followed by every target's, for getopt_long. */
static struct option *all_options(void)
{
    size_t ntarget = 0;
    const struct target *t;
    while (registry_target_option_at(ntarget, &t))
        ntarget++;
    struct option *all = xcalloc(NCOMMON + ntarget + 1, sizeof *all);
    memcpy(all, common_options, sizeof common_options);
    for (size_t i = 0; i < ntarget; i++)
        all[NCOMMON + i] = (struct option){registry_target_option_at(i, &t)->name,
                                           registry_target_option_at(i, &t)->arg
                                               ? required_argument
                                               : no_argument,
                                           NULL, OPT_TARGET + (int)i};
    return all;
}

/* `fmt` is a whole sentence, translated by the caller. */
static int usage_error(const char *fmt, ...) PLAT_PRINTF(1, 2);
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("wlmigrate: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fputs(_("Try 'wlmigrate --help'.\n"), stderr);
    return 2;
}

/* The version and the versions of the libraries this process runs with (libytnef exposes
 * none). */
static void print_version(void)
{
    int xml = atoi(xmlParserVersion);
    printf(_("wlmigrate %s\n"), WLMIGRATE_VERSION);
    printf("GMime %u.%u.%u, GLib %u.%u.%u, libxml2 %d.%d.%d, zlib %s, libesedb %s\n",
           gmime_major_version, gmime_minor_version, gmime_micro_version, glib_major_version,
           glib_minor_version, glib_micro_version, xml / 10000, xml / 100 % 100, xml % 100,
           zlibVersion(), libesedb_get_version());
}

/* Takes `--lang L` / `--lang=L` out of argv (every command accepts it) and sets the language
 * up; it must come before anything is printed or formatted. Returns the new argc. */
static int take_lang(int argc, char **argv)
{
    const char *lang = NULL;
    int kept = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            while (i < argc)
                argv[kept++] = argv[i++];
            break;
        }
        if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
            lang = argv[++i];
        else if (strncmp(argv[i], "--lang=", 7) == 0)
            lang = argv[i] + 7;
        else
            argv[kept++] = argv[i];
    }
    argv[kept] = NULL;
    i18n_init(lang);
    return kept;
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

/* Everything the command line says. */
struct cli {
    const char *command, *operand;
    const char *target, *output, *container;
    bool force, json, unknown_is_read, no_contacts, while_running;
    bool all, list;             /* --all: every store below STORE; --list: only say where */
    unsigned jobs;              /* --jobs; 0: not given */
    enum progress_mode progress;
    const char **contact_paths; /* --contacts, in order */
    size_t ncontact_paths;
    struct target_arg {         /* target options, in order, for the target to take */
        size_t option;          /* index for registry_target_option_at() */
        const char *value;
    } *target_args;
    size_t ntarget_args;
};

/* The option getopt_long() just refused, as typed: a long one is the word it last passed; a
 * short one may stand inside a word ("-qx"), so it is named by itself ("-x"). */
static const char *option_named(char **argv, char short_name[3])
{
    const char *word = optind > 0 ? argv[optind - 1] : "";
    if (strncmp(word, "--", 2) == 0 || optopt <= 0 || optopt > 127)
        return word;
    short_name[0] = '-';
    short_name[1] = (char)optopt;
    short_name[2] = '\0';
    return short_name;
}

/* Parses the options; returns -1 when done (run the command), else an exit code. */
static int parse(int argc, char **argv, const struct option *options, struct cli *o)
{
    int c;
    char short_name[3];
    /* GNU getopt moves the operands (COMMAND STORE) behind the options wherever they stand.
     * Its own messages stay unsaid (opterr, the leading ':'): they name the program by its
     * whole path on Windows and are English there; ours are the same on every system. */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qvhV", options, NULL)) != -1) {
        if (c >= OPT_TARGET) {
            o->target_args[o->ntarget_args++] = (struct target_arg){(size_t)(c - OPT_TARGET),
                                                                    optarg};
            continue;
        }
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
                return usage_error(_("--unknown-state takes read or unread, not %s"), optarg);
            break;
        case OPT_CONTACTS: o->contact_paths[o->ncontact_paths++] = optarg; break;
        case OPT_NO_CONTACTS: o->no_contacts = true; break;
        case OPT_WHILE_RUNNING: o->while_running = true; break;
        case OPT_ALL: o->all = true; break;
        case OPT_LIST: o->list = true; break;
        case OPT_JOBS: {
            char *end;
            unsigned long n = strtoul(optarg, &end, 10);
            if (*optarg < '1' || *optarg > '9' || *end || n > 256)
                return usage_error(_("--jobs takes a number from 1 to 256, not %s"), optarg);
            o->jobs = (unsigned)n;
            break;
        }
        case 'q': o->progress = PROGRESS_QUIET; break;
        case 'v': o->progress = PROGRESS_VERBOSE; break;
        case 'h': usage(stdout); return 0;
        case 'V': print_version(); return 0;
        case ':': return usage_error(_("%s needs a value"), option_named(argv, short_name));
        default: return usage_error(_("unknown option: %s"), option_named(argv, short_name));
        }
    }
    if (optind >= argc)
        return usage_error("%s", _("no command given"));
    o->command = argv[optind++];
    if (strcmp(o->command, "help") == 0) {
        usage(stdout);
        return 0;
    }
    /* scan and convert without STORE read the user's own store where the system has one */
    bool own_store = optind >= argc &&
                     (strcmp(o->command, "scan") == 0 || strcmp(o->command, "convert") == 0);
    o->operand = own_store ? plat_default_store() : optind < argc ? argv[optind++] : NULL;
    if (!o->operand)
        return usage_error("%s", _("no STORE given"));
    if (optind < argc)
        return usage_error(_("unexpected argument: %s"), argv[optind]);
    return -1;
}

/* Hands each target option to the target it belongs to: another target's is a usage error. */
static int take_target_args(const struct cli *o, const struct target *target, void *settings)
{
    for (size_t i = 0; i < o->ntarget_args; i++) {
        const struct target *owner;
        const struct target_option *opt = registry_target_option_at(o->target_args[i].option,
                                                                   &owner);
        struct error err;
        if (owner != target) {
            error_set(&err, "--%s is an option of --for %s", opt->name, owner->name);
            return usage_error("%s", i18n_sentence(err.msg));
        }
        if (target->set_option(settings, opt->name, o->target_args[i].value, &err) != 0)
            return usage_error("%s", i18n_sentence(err.msg));
    }
    return 0;
}

static void convert_store_work(const char *arg, int fd);
static const struct child_role convert_store_role = {"convert-store", convert_store_work};

/* One store of a `convert --all` run, in the process of its own that the run started for it
 * (bulk.h): where it is, where its result goes, its threads, and where to tell the run how it
 * ended. */
struct store_job {
    const char *store, *dir;
    unsigned threads;
    int fd;
};

/* The whole command line of a `convert --all` run, as typed (for the stores' processes). */
static char **given_argv;
static int given_argc;

/* Runs convert as `o` says; with `job`, only that store of an --all run (in its own process). */
static int run_convert(const struct cli *o, volatile sig_atomic_t *stop,
                       const struct store_job *job)
{
    if (!o->target)
        return usage_error(_("convert needs --for: %s"), registry_target_names());
    const struct target *target = registry_target(o->target);
    if (!target)
        return usage_error(_("unknown target: %s"), o->target);
    if (!*o->container)
        return usage_error("%s", _("--container needs a name"));
    if (is_thunderbird_special(o->container))
        return usage_error(_("--container must not be one of Thunderbird's own folders: %s"),
                           o->container);
    void *settings = target->settings_new();
    int code = take_target_args(o, target, settings);
    const char *own_dir = NULL;
    size_t nparts;
    bool adds;
    bool own_layout = code == 0 && target->result_parts &&
                      target->result_parts(settings, o->container, &own_dir, &nparts,
                                           &adds) != NULL;
    /* without -o, a folder on the Desktop where the system has one (Windows) */
    char *default_output = !o->output && !own_layout ? plat_default_output() : NULL;
    const char *output = o->output ? o->output : default_output;
    if (code == 0 && own_layout && o->output)
        code = usage_error("%s", _("-o OUT and --profile DIR (or --into-profile DIR) exclude "
                                   "each other"));
    else if (code == 0 && !own_layout && !output)
        code = usage_error("%s", _("convert needs -o OUT"));
    if (code == 0 && o->list && !o->all)
        code = usage_error("%s", _("--list goes with --all"));
    if (code == 0 && o->all && own_layout)
        code = usage_error("%s", _("--all writes OUT/<user>/<kind>/ for each store: it takes -o "
                                   "OUT, not --profile or --into-profile"));
    if (code == 0 && o->all && o->ncontact_paths)
        code = usage_error("%s", _("--contacts names one user's address book: with --all each "
                                   "store's own are found beside it"));
    if (code == 0) {
        struct convert_options co = {.store = o->operand,
                                     .target = target,
                                     .target_settings = settings,
                                     .output = own_layout ? own_dir : output,
                                     .container = o->container,
                                     .force = o->force,
                                     .unknown_is_read = o->unknown_is_read,
                                     .while_running = o->while_running,
                                     /* one store: --jobs is its threads (2 at most are used) */
                                     .threads = o->jobs ? o->jobs
                                                : g_get_num_processors() >= 2 ? 2 : 1,
                                     .no_contacts = o->no_contacts,
                                     .contact_paths = o->contact_paths,
                                     .ncontact_paths = o->ncontact_paths,
                                     .json = o->json,
                                     .progress = o->progress,
                                     .stop = stop};
        if (job) {
            bulk_store_serve(&co, job->store, job->dir, job->threads, job->fd);
        } else if (o->all) {
            struct bulk_options bo = {.root = o->operand,
                                      .output = o->output,
                                      .convert = co,
                                      .jobs = o->jobs,
                                      .list = o->list,
                                      .json = o->json,
                                      .progress = o->progress,
                                      .stop = stop,
                                      .store_role = &convert_store_role,
                                      .argv = given_argv,
                                      .argc = given_argc};
            code = bulk_run(&bo);
        } else {
            code = convert_run(&co);
        }
    }
    target->settings_free(settings);
    free(default_output);
    return code;
}

/* Parses argv and runs the command it names; with `job`, argv is an --all run's command line
 * and only that store is converted. */
static int run_command(int argc, char **argv, volatile sig_atomic_t *stop,
                       const struct store_job *job)
{
    struct cli o = {.container = "Windows Live Mail",
                    .unknown_is_read = true,
                    .progress = PROGRESS_NORMAL,
                    .contact_paths = xcalloc((size_t)argc, sizeof(const char *)),
                    .target_args = xcalloc((size_t)argc, sizeof(struct target_arg))};
    struct option *options = all_options();
    int code = parse(argc, argv, options, &o);
    if (code < 0 && job && !(strcmp(o.command, "convert") == 0 && o.all))
        code = 2; /* a store's process is only ever given its --all run's command line */
    if (code < 0 && o.ntarget_args && strcmp(o.command, "convert") != 0) {
        const struct target *owner;
        code = usage_error(_("this option is for convert: --%s"),
                           registry_target_option_at(o.target_args[0].option, &owner)->name);
    }
    if (code < 0) {
        if (strcmp(o.command, "show") == 0) {
            struct show_options sho = {.path = o.operand, .json = o.json};
            code = show_run(&sho);
        } else if (strcmp(o.command, "scan") == 0) {
            struct scan_options so = {.store = o.operand, .json = o.json,
                                      .progress = o.progress};
            code = scan_run(&so);
        } else if (strcmp(o.command, "convert") == 0) {
            code = run_convert(&o, stop, job);
        } else {
            code = usage_error(_("unknown command: %s"), o.command);
        }
    }
    free(options);
    free(o.contact_paths);
    free(o.target_args);
    return code;
}

static volatile sig_atomic_t *stop_flag;

/* The role of a store's process in a `convert --all` run: the job bulk_run encoded, parsed as
 * the run parsed it. A job that cannot be read makes the process say nothing, which the run
 * reports as that store's failure. */
static void convert_store_work(const char *arg, int fd)
{
    size_t n;
    char **fields = bulk_job_decode(arg, strlen(arg), &n);
    if (fields && n >= 4 && (strcmp(fields[2], "1") == 0 || strcmp(fields[2], "2") == 0)) {
        i18n_init(NULL); /* the language the run chose reaches a new process in LANGUAGE */
        struct store_job job = {fields[0], fields[1], (unsigned)(fields[2][0] - '0'), fd};
        optind = 0; /* getopt starts afresh (a fork has the run's state) */
        run_command((int)n - 3, fields + 3, stop_flag, &job);
    }
    for (size_t i = 0; fields && i < n; i++)
        free(fields[i]);
    free(fields);
}

int cli_main(int argc, char **argv, volatile sig_atomic_t *stop)
{
    stop_flag = stop;
    /* a child process reading a database for its parent, or converting one store of an --all
     * run (util/child.h) */
    size_t nroles = 0;
    while (registry_child_roles[nroles])
        nroles++;
    const struct child_role **roles = xcalloc(nroles + 2, sizeof *roles);
    memcpy(roles, registry_child_roles, nroles * sizeof *roles);
    roles[nroles] = &convert_store_role;
    int served;
    bool child = child_serve(roles, argc, argv, &served);
    free(roles);
    if (child)
        return served;
    argc = take_lang(argc, argv);
    /* `contacts` takes several inputs and options of its own: it parses them itself */
    if (argc > 1 && strcmp(argv[1], "contacts") == 0)
        return contacts_run(argc - 1, argv + 1);
    /* as typed: getopt reorders argv as it parses */
    given_argc = argc;
    given_argv = xcalloc((size_t)argc + 1, sizeof *given_argv);
    memcpy(given_argv, argv, (size_t)argc * sizeof *given_argv);
    int code = run_command(argc, argv, stop, NULL);
    free(given_argv);
    given_argv = NULL;
    return code;
}
