/* registry: the readers, the targets, the contact readers and writers, and the few lines that
 * tie formats together (see registry.h). A target's contact files may mix formats (Outlook's
 * CSV and vCards), which no format folder may do: that glue is written here. */
#include "registry.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv/contact_csv.h"
#include "mbox/tbwriter.h"
#include "pipeline/contacts.h"
#include "pst/outlook.h"
#include "mbox/tbname.h"
#include "tbprofile/tbabook.h"
#include "tbprofile/tblock.h"
#include "tbprofile/tbprefs.h"
#include "report/report.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/i18n.h"
#include "util/utf8.h"
#include "util/xalloc.h"
#include "vcard/vcard_reader.h"
#include "vcard/vcard_writer.h"
#include "wlm/contact_xml.h"
#include "wlm/contacts_edb.h"
#include "wlm/msgstore.h"
#include "wlm/store.h"

/* ---- readers ------------------------------------------------------------------------------ */

static const struct reader_ops *const readers[] = {
    &wlm_store_reader,
};

enum status registry_locate(const char *path, const struct reader_ops **reader,
                            struct reader_location **found, size_t *count, struct error *err)
{
    enum status rc = STATUS_STORE_BAD;
    for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
        rc = readers[i]->locate(path, found, count, err);
        if (rc == STATUS_OK) {
            *reader = readers[i];
            return STATUS_OK;
        }
    }
    return rc;
}

/* A target option's value that it does not take: -1 with the sentence. */
static int bad_value(struct error *err, const char *fmt, const char *value)
{
    error_set(err, fmt, value);
    return -1;
}

/* ---- address books ------------------------------------------------------------------------ */

/* The whole file at `path` (at most `max` bytes) into `b`; false when it cannot be read, which is
 * reported as contact_source. */
static bool read_whole(const char *path, size_t max, struct buf *b, struct report *rep)
{
    struct error err;
    if (fs_read_file(path, max, b, &err) == 0)
        return true;
    report_problem(rep, PROBLEM_CONTACT_SOURCE, path, "%s", err.msg);
    return false;
}

/* A parser of a whole file's bytes into contacts: vcard_read, contact_csv_read. */
typedef size_t (*contacts_parse_fn)(const char *data, size_t len, const char *source,
                                    struct contact_list *out, struct report *rep,
                                    size_t *skipped);

static long read_parsed(const char *path, size_t max, contacts_parse_fn parse,
                        struct contact_list *out, struct report *rep, size_t *skipped)
{
    struct buf b = BUF_INIT;
    long n = -1;
    if (read_whole(path, max, &b, rep))
        n = (long)parse(b.data ? b.data : "", b.len, path, out, rep, skipped);
    buf_free(&b);
    return n;
}

static long read_vcard(const char *path, struct contact_list *out, struct report *rep,
                       size_t *skipped)
{
    return read_parsed(path, VCARD_MAX_BYTES, vcard_read, out, rep, skipped);
}

static long read_csv(const char *path, struct contact_list *out, struct report *rep,
                     size_t *skipped)
{
    return read_parsed(path, CONTACT_CSV_MAX_BYTES, contact_csv_read, out, rep, skipped);
}

/* One person per .contact file: one that cannot be parsed or holds nothing is a skipped card. */
static long read_contact(const char *path, struct contact_list *out, struct report *rep,
                         size_t *skipped)
{
    struct buf b = BUF_INIT;
    if (!read_whole(path, CONTACT_XML_MAX_BYTES, &b, rep)) {
        buf_free(&b);
        return -1;
    }
    struct error err;
    struct contact *c = contact_xml_read(b.data ? b.data : "", b.len, path, &err);
    buf_free(&b);
    if (!c) {
        report_problem(rep, PROBLEM_BAD_CONTACT, path, "%s", err.msg);
        *skipped = 1;
        return 0;
    }
    if (contact_is_empty(c)) {
        report_problem(rep, PROBLEM_BAD_CONTACT, path,
                       "The contact holds no name, address, phone or other field: skipped.");
        contact_free(c);
        *skipped = 1;
        return 0;
    }
    if (c->dropped) {
        char *who = contact_best_name(c);
        report_problem(rep, PROBLEM_CONTACT_FIELD, path,
                       "%s: elements no address book field holds: %s.", who, c->dropped);
        free(who);
    }
    contact_list_add(out, c);
    return 1;
}

static long read_edb(const char *path, struct contact_list *out, struct report *rep,
                     size_t *skipped)
{
    return contacts_edb_read(path, path, out, rep, skipped);
}

static const char *const vcard_extensions[] = {"vcf", "vcard", NULL};
static const char *const contact_extensions[] = {"contact", NULL};
static const char *const csv_extensions[] = {"csv", NULL};
static const char *const edb_extensions[] = {"edb", NULL};

/* A file without a known extension is sniffed as a vCard, then a .contact file, then a CSV. */
static const struct contacts_reader contact_readers[] = {
    {"vcard", vcard_extensions, vcard_sniff, read_vcard},
    {"contact", contact_extensions, contact_xml_sniff, read_contact},
    {"csv", csv_extensions, contact_csv_sniff, read_csv},
    {"edb", edb_extensions, NULL, read_edb},
};

const struct contacts_reader *registry_contact_readers(size_t *count)
{
    *count = sizeof contact_readers / sizeof contact_readers[0];
    return contact_readers;
}

/* Every contact as a vCard `version`, many in one file. */
static void vcards(struct buf *out, const struct contact_list *l, enum vcard_version version)
{
    for (size_t i = 0; i < l->count; i++)
        vcard_write(out, l->items[i], version);
}

/* `dir`/`name`: the bytes of `b`, written atomically. */
static int write_in(const char *dir, const char *name, const struct buf *b, struct error *err)
{
    char *path = path_join(dir, name);
    int rc = fs_write_atomic(path, b->data ? b->data : "", b->len, err);
    free(path);
    return rc;
}

/* `vcard-version` as the vCard writer's version. */
static int vcard_version_of(const char *value, enum vcard_version *v)
{
    if (strcmp(value, "3.0") == 0)
        *v = VCARD_V30;
    else if (strcmp(value, "4.0") == 0)
        *v = VCARD_V40;
    else
        return -1;
    return 0;
}

/* The options of the vCard and CSV contact files, shared by `contacts` and the targets: 0 taken,
 * -1 a bad value (with `err`), 1 not one of them. */
static int set_vcard_option(enum vcard_version *v, const char *name, const char *value,
                            struct error *err)
{
    if (strcmp(name, "vcard-version") != 0)
        return 1;
    if (vcard_version_of(value, v) != 0)
        return bad_value(err, "--vcard-version takes 3.0 or 4.0, not %s", value);
    return 0;
}

static int set_csv_option(struct contact_csv_options *csv, const char *name, const char *value,
                          struct error *err)
{
    if (strcmp(name, "csv-profile") == 0) {
        if (contact_csv_profile_from_name(value, &csv->profile) != 0)
            return bad_value(err, "--csv-profile takes outlook-en or outlook-ja, not %s", value);
        return 0;
    }
    if (strcmp(name, "csv-encoding") == 0) {
        csv->encoding = value;
        return 0;
    }
    return 1;
}

/* What `wlmigrate contacts` writes with. */
struct contact_writer_settings {
    enum vcard_version vcard_version;
    struct contact_csv_options csv;
};

static const struct target_option contact_options[] = {
    {"vcard-version", "V", N_("4.0 (default) or 3.0\n")},
    {"csv-profile", "P", N_("outlook-en (UTF-8 with BOM) or outlook-ja (CP932)\n")},
    {"csv-encoding", "E", N_("UTF-8, UTF-8-BOM, CP932, UTF-16LE\n")},
    {NULL, NULL, NULL},
};

const struct target_option *registry_contact_options(void)
{
    return contact_options;
}

void *registry_contact_settings_new(void)
{
    struct contact_writer_settings *s = xcalloc(1, sizeof *s);
    s->vcard_version = VCARD_V40;
    s->csv.profile = CONTACT_CSV_OUTLOOK_EN;
    return s;
}

int registry_contact_set_option(void *settings, const char *name, const char *value,
                                struct error *err)
{
    struct contact_writer_settings *s = settings;
    int rc = set_vcard_option(&s->vcard_version, name, value, err);
    if (rc == 1)
        rc = set_csv_option(&s->csv, name, value, err);
    if (rc == 1) {
        error_set(err, "--%s is not an option of contacts", name);
        rc = -1;
    }
    return rc;
}

static int write_vcard_file(struct buf *out, const struct contact_list *contacts,
                            const void *settings, const char *path, struct writer_outcome *notes,
                            struct error *err)
{
    (void)path;
    (void)notes;
    (void)err;
    const struct contact_writer_settings *s = settings;
    vcards(out, contacts, s->vcard_version);
    return 0;
}

static int write_csv_file(struct buf *out, const struct contact_list *contacts,
                          const void *settings, const char *path, struct writer_outcome *notes,
                          struct error *err)
{
    const struct contact_writer_settings *s = settings;
    return contact_csv_write(out, contacts, &s->csv, path, notes, err);
}

static const struct contact_writer contact_writers[] = {
    {"vcard", "contacts.vcf", N_("OUT/contacts.vcf: UTF-8 vCard 4.0, one card per contact\n"),
     write_vcard_file},
    {"csv", "contacts.csv", N_("OUT/contacts.csv in the chosen profile\n"), write_csv_file},
};

#define NCONTACT_WRITERS (sizeof contact_writers / sizeof contact_writers[0])

const struct contact_writer *registry_contact_writer(const char *name)
{
    for (size_t i = 0; i < NCONTACT_WRITERS; i++)
        if (strcmp(contact_writers[i].name, name) == 0)
            return &contact_writers[i];
    return NULL;
}

const struct contact_writer *registry_contact_writer_at(size_t i)
{
    return i < NCONTACT_WRITERS ? &contact_writers[i] : NULL;
}

/* ---- Thunderbird -------------------------------------------------------------------------- */

struct thunderbird_settings {
    enum vcard_version vcard_version; /* contacts.vcf */
    struct tbwriter_settings writer;
    const char *profile;              /* --profile DIR: a new profile there, or NULL */
    const char *into_profile;         /* --into-profile DIR: mail and contacts added, or NULL */
};

static const struct target_option thunderbird_options[] = {
    {"vcard-version", "V", N_("contacts.vcf as 4.0 (default) or 3.0\n")},
    {"profile", "DIR",
     N_("write a new Thunderbird profile in DIR (instead of -o OUT): the accounts, Local\n"
        "Folders with the mail, the address book; DIR must be empty (or --force)\n")},
    {"into-profile", "DIR",
     N_("add the mail (a folder in Local Folders) and an address book to the existing\n"
        "profile DIR, closed; its accounts and mail are not touched\n")},
    {"keep-raw-headers", NULL,
     N_("keep header fields in raw 8-bit bytes as stored (default: re-encode them as UTF-8\n"
        "words, which every Thunderbird shows right)\n")},
    {NULL, NULL, NULL},
};

static void *thunderbird_new(void)
{
    struct thunderbird_settings *s = xcalloc(1, sizeof *s);
    s->vcard_version = VCARD_V40;
    return s;
}

static int thunderbird_set(void *settings, const char *name, const char *value,
                           struct error *err)
{
    struct thunderbird_settings *s = settings;
    if (strcmp(name, "profile") == 0 || strcmp(name, "into-profile") == 0) {
        if (s->profile || s->into_profile)
            return bad_value(err, "give one --profile DIR or --into-profile DIR, not %s",
                             "both");
        *(name[0] == 'p' ? &s->profile : &s->into_profile) = value;
        s->writer.tree_dir = "Mail/Local Folders";
        return 0;
    }
    if (strcmp(name, "keep-raw-headers") == 0) {
        s->writer.keep_raw_headers = true;
        return 0;
    }
    int rc = set_vcard_option(&s->vcard_version, name, value, err);
    if (rc == 1) {
        error_set(err, "--%s is not an option of --for thunderbird", name);
        rc = -1;
    }
    return rc;
}

static const void *thunderbird_writer_settings(const void *settings)
{
    return settings;
}

/* A profile holds these beside report.txt, report.json and unconverted/ (which Thunderbird
 * ignores): doc/THUNDERBIRD.md "Profile". */
static const char *const profile_parts[] = {"Mail", "abook.sqlite", "prefs.js"};

/* What --into-profile adds (and replaces with --force): the container folder in Local
 * Folders, its own address book file, and prefs.js with that book's three settings appended. */
static char *into_parts[4];

/* The address book --into-profile adds is named after the container ("Windows Live Mail"); its
 * file and settings key carry a hash of that name, so imports under other names stay apart. */
static char *into_book_key(const char *container)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)container; *p; p++)
        h = (h ^ *p) * 16777619u;
    return xasprintf("wlmigrate-%08x", (unsigned)h);
}

static const char *const *thunderbird_parts(const void *settings, const char *container,
                                            const char **dir, size_t *nparts, bool *adds)
{
    const struct thunderbird_settings *s = settings;
    *adds = s->into_profile != NULL;
    if (s->profile) {
        *dir = s->profile;
        *nparts = sizeof profile_parts / sizeof profile_parts[0];
        return profile_parts;
    }
    if (!s->into_profile)
        return NULL;
    for (size_t i = 0; i < 4; i++)
        free(into_parts[i]);
    char *safe = tbname_safe(container);
    into_parts[0] = xasprintf("Mail/Local Folders/%s", safe);
    into_parts[1] = xasprintf("Mail/Local Folders/%s.sbd", safe);
    char *book = into_book_key(container);
    into_parts[2] = xasprintf("abook-%s.sqlite", book);
    free(book);
    into_parts[3] = xstrdup("prefs.js");
    free(safe);
    *dir = s->into_profile;
    *nparts = 4;
    return (const char *const *)into_parts;
}

/* --into-profile: DIR is a profile (Thunderbird's own files are there) and Thunderbird is not
 * running on it; its Local Folders directory is made when the profile never started. */
static int thunderbird_check_dir(const void *settings, bool force, struct error *err)
{
    const struct thunderbird_settings *s = settings;
    if (!s->into_profile)
        return 0;
    static const char *const marks[] = {"prefs.js", "times.json", "compatibility.ini"};
    bool profile = false;
    for (size_t i = 0; i < sizeof marks / sizeof marks[0] && !profile; i++) {
        char *p = path_join(s->into_profile, marks[i]);
        profile = fs_exists(p);
        free(p);
    }
    if (!profile) {
        error_set(err, "%s is not a Thunderbird profile (no prefs.js, times.json or "
                  "compatibility.ini)", s->into_profile);
        return -1;
    }
    if (tblock_in_use(s->into_profile)) {
        error_set(err, "Thunderbird is running on %s: close it and run this again",
                  s->into_profile);
        return -1;
    }
    /* the container and its address book (prefs.js is always rewritten with its lines added) */
    for (size_t i = 0; i < 3 && !force; i++) {
        char *p = path_join(s->into_profile, into_parts[i]);
        bool there = fs_exists(p);
        free(p);
        if (there) {
            error_set(err, "%s already holds %s; use --force to replace it, or --container NAME",
                      s->into_profile, into_parts[i]);
            return -1;
        }
    }
    char *local = path_join(s->into_profile, "Mail/Local Folders");
    int rc = fs_mkdirs(local, 0700, err);
    free(local);
    return rc;
}

/* The Thunderbird writer: the Local Folders tree (formats/mbox), and in a profile the files
 * beside it (formats/tbprofile), written once the mail is in. */
struct thunderbird_writer {
    void *tree;
    const struct thunderbird_settings *settings;
    const struct model_store *store;
    const char *container;
    char *dir;
};

static void *thunderbird_open(const char *dir, const struct writer_options *opts,
                              const void *settings, const struct model_store *store,
                              struct error *err)
{
    const struct thunderbird_settings *s = settings;
    void *tree = tbwriter_ops.open(dir, opts, &s->writer, store, err);
    if (!tree)
        return NULL;
    struct thunderbird_writer *w = xcalloc(1, sizeof *w);
    w->container = opts->container;
    w->tree = tree;
    w->settings = s;
    w->store = store;
    w->dir = xstrdup(dir);
    return w;
}

static enum status thunderbird_begin_folder(void *w, const struct model_folder *folder,
                                            struct writer_outcome *out, struct error *err)
{
    return tbwriter_ops.begin_folder(((struct thunderbird_writer *)w)->tree, folder, out, err);
}

static enum status thunderbird_message(void *w, struct message *msg, struct writer_outcome *out,
                                       struct error *err)
{
    return tbwriter_ops.message(((struct thunderbird_writer *)w)->tree, msg, out, err);
}

static enum status thunderbird_end_folder(void *w, struct writer_outcome *out, struct error *err)
{
    return tbwriter_ops.end_folder(((struct thunderbird_writer *)w)->tree, out, err);
}

/* A card of the profile's address book: the vCard 4.0 the vCard route writes. */
static void abook_vcard(struct buf *out, const struct contact *c)
{
    vcard_write(out, c, VCARD_V40);
}

/* --into-profile: the profile's prefs.js as it is, with the new address book's settings
 * appended when there are contacts (its file beside it), so that no account is touched. */
static enum status thunderbird_into_files(struct thunderbird_writer *w,
                                          const struct contact_list *contacts,
                                          struct error *err)
{
    struct buf prefs = BUF_INIT;
    char *old = path_join(w->settings->into_profile, "prefs.js");
    int rc = fs_exists(old) ? fs_read_file(old, 64u << 20, &prefs, err) : 0;
    free(old);
    if (rc == 0 && tbprefs_ensure_local_folders(&prefs, err) < 0)
        rc = -1;
    if (rc == 0 && contacts->count) {
        char *key = into_book_key(w->container);
        char *file = xasprintf("abook-%s.sqlite", key);
        char *path = path_join(w->dir, file);
        rc = tbabook_write(path, contacts, abook_vcard, err);
        free(path);
        if (prefs.len && prefs.data[prefs.len - 1] != '\n')
            buf_putc(&prefs, '\n');
        tbprefs_address_book(&prefs, key, w->container, file);
        free(file);
        free(key);
    }
    if (rc == 0)
        rc = write_in(w->dir, "prefs.js", &prefs, err);
    buf_free(&prefs);
    return rc == 0 ? STATUS_OK : STATUS_STORE_BAD;
}

/* In a profile: prefs.js with the accounts, and abook.sqlite (the Personal Address Book,
 * Thunderbird's default `ldap_2.servers.pab.filename`) with the contacts. */
static enum status thunderbird_profile_files(void *wp, const struct contact_list *contacts,
                                             struct writer_outcome *out, struct error *err)
{
    struct thunderbird_writer *w = wp;
    if (w->settings->into_profile)
        return thunderbird_into_files(w, contacts, err);
    if (!w->settings->profile)
        return STATUS_OK;
    struct buf prefs = BUF_INIT;
    tbprefs_write(&prefs, w->store, out);
    int rc = write_in(w->dir, "prefs.js", &prefs, err);
    buf_free(&prefs);
    if (rc == 0 && contacts->count) {
        char *path = path_join(w->dir, "abook.sqlite");
        rc = tbabook_write(path, contacts, abook_vcard, err);
        free(path);
    }
    return rc == 0 ? STATUS_OK : STATUS_STORE_BAD;
}

static enum status thunderbird_commit(void *w, struct error *err)
{
    return tbwriter_ops.commit(((struct thunderbird_writer *)w)->tree, err);
}

static void thunderbird_free(void *wp)
{
    struct thunderbird_writer *w = wp;
    if (!w)
        return;
    tbwriter_ops.free(w->tree);
    free(w->dir);
    free(w);
}

static const struct writer_ops thunderbird_ops = {
    .open = thunderbird_open,
    .begin_folder = thunderbird_begin_folder,
    .message = thunderbird_message,
    .end_folder = thunderbird_end_folder,
    .contacts = thunderbird_profile_files,
    .commit = thunderbird_commit,
    .free = thunderbird_free,
};

/* OUT/thunderbird/contacts.vcf: every contact as UTF-8 vCard, many per file. */
static int thunderbird_contacts(const char *dir, const struct contact_list *contacts,
                                const void *settings, struct writer_outcome *out,
                                struct error *err)
{
    (void)out;
    const struct thunderbird_settings *s = settings;
    if (s->profile || s->into_profile)
        return 0; /* the profile's address book is the writer's */
    char *sub = path_join(dir, "thunderbird");
    int rc = fs_mkdirs(sub, 0755, err);
    if (rc == 0) {
        struct buf b = BUF_INIT;
        vcards(&b, contacts, s->vcard_version);
        rc = write_in(sub, "contacts.vcf", &b, err);
        buf_free(&b);
    }
    free(sub);
    return rc;
}

/* ---- Outlook ------------------------------------------------------------------------------ */

struct outlook_target_settings {
    struct outlook_settings pst;
    struct contact_csv_options csv;
};

static const struct target_option outlook_options[] = {
    {"pst-max-size", "SIZE",
     N_("start a new PST part before one would pass SIZE bytes (suffix K, M, G; at least\n"
        "1M); default no limit\n")},
    {"csv-profile", "P",
     N_("contacts.csv: outlook-en (UTF-8 with BOM, default) or outlook-ja (CP932, CRLF)\n")},
    {"csv-encoding", "E",
     N_("override the profile's encoding (UTF-8, UTF-8-BOM, CP932, UTF-16LE)\n")},
    {NULL, NULL, NULL},
};

static void *outlook_new(void)
{
    struct outlook_target_settings *s = xcalloc(1, sizeof *s);
    s->csv.profile = CONTACT_CSV_OUTLOOK_EN;
    return s;
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

static int outlook_set(void *settings, const char *name, const char *value, struct error *err)
{
    struct outlook_target_settings *s = settings;
    if (strcmp(name, "pst-max-size") == 0) {
        if (parse_size(value, &s->pst.pst_max_size) != 0 || s->pst.pst_max_size < (1u << 20))
            return bad_value(err, "--pst-max-size takes a size of at least 1M (like 4G), not %s",
                             value);
        return 0;
    }
    int rc = set_csv_option(&s->csv, name, value, err);
    if (rc == 1) {
        error_set(err, "--%s is not an option of --for outlook", name);
        rc = -1;
    }
    return rc;
}

static const void *outlook_writer_settings(const void *settings)
{
    const struct outlook_target_settings *s = settings;
    return &s->pst;
}

/* A file name for one contact in vcards/: "0001 Name.vcf", with characters Windows refuses
 * replaced and the name cut (on a character boundary) to 60 bytes. */
static char *vcard_file_name(size_t index, const struct contact *c)
{
    char *name = contact_best_name(c);
    struct buf b = BUF_INIT;
    buf_printf(&b, "%04zu ", index + 1);
    size_t start = b.len;
    for (size_t i = 0; name[i];) {
        size_t k = utf8_sequence_length(name + i, strlen(name + i));
        if (k == 0) {
            i++;
            continue;
        }
        if (b.len - start + k > 60)
            break;
        unsigned char ch = (unsigned char)name[i];
        if (k == 1 && (ch < 0x20 || strchr("\\/:*?\"<>|", ch)))
            buf_putc(&b, '_');
        else
            buf_append(&b, name + i, k);
        i += k;
    }
    while (b.len > start && (b.data[b.len - 1] == '.' || b.data[b.len - 1] == ' '))
        b.data[--b.len] = '\0';
    buf_puts(&b, ".vcf");
    free(name);
    return buf_detach(&b);
}

/* OUT/outlook/contacts.csv and OUT/outlook/vcards/ (the PST's Contacts folder is the writer's). */
static int outlook_contacts(const char *dir, const struct contact_list *contacts,
                            const void *settings, struct writer_outcome *out, struct error *err)
{
    const struct outlook_target_settings *s = settings;
    char *sub = path_join(dir, "outlook");
    char *vdir = path_join(sub, "vcards");
    int rc = fs_mkdirs(vdir, 0755, err);
    if (rc == 0) {
        struct contact_csv_options csv = s->csv;
        csv.photos_elsewhere = true; /* in vcards/ */
        struct buf b = BUF_INIT;
        char *path = path_join(sub, "contacts.csv");
        rc = contact_csv_write(&b, contacts, &csv, path, out, err);
        if (rc == 0)
            rc = fs_write_atomic(path, b.data ? b.data : "", b.len, err);
        free(path);
        buf_free(&b);
    }
    /* one vCard 2.1 per contact, the form Outlook imports */
    for (size_t i = 0; rc == 0 && i < contacts->count; i++) {
        struct buf b = BUF_INIT;
        vcard_write(&b, contacts->items[i], VCARD_V21);
        char *name = vcard_file_name(i, contacts->items[i]);
        rc = write_in(vdir, name, &b, err);
        free(name);
        buf_free(&b);
    }
    free(vdir);
    free(sub);
    return rc;
}

/* ---- what to do next ------------------------------------------------------------------------ */

static void thunderbird_next(const void *settings, const char *out, struct buf *said)
{
    const struct thunderbird_settings *s = settings;
    if (s->profile)
        buf_printf(said, _("Next: start Thunderbird on the new profile (thunderbird -profile "
                           "\"%s\", or choose it in the Profile Manager, thunderbird -P); it asks "
                           "only for each account's password or sign-in."),
                   out);
    else if (s->into_profile)
        buf_printf(said, _("Next: start Thunderbird as usual: the mail is in a new folder under "
                           "Local Folders, the contacts in a new address book."));
    else
        buf_printf(said, _("Next: close Thunderbird, then copy what is in %s/thunderbird/ into "
                           "the profile's Mail/Local Folders/ folder (on Windows the profiles are "
                           "in %%APPDATA%%\\Thunderbird\\Profiles); import the contacts with "
                           "the Address Book's Tools > Import."),
                   out);
}

static void outlook_next(const void *settings, const char *out, struct buf *said)
{
    (void)settings;
    buf_printf(said, _("Next: in Outlook, File > Open & Export > Open Outlook Data File, and "
                       "choose the .pst file in %s/outlook/; the contacts are in its Contacts "
                       "folder, and as CSV and vCard files beside it."),
               out);
}

/* ---- the targets -------------------------------------------------------------------------- */

static const struct target targets[] = {
    {
        .name = "thunderbird",
        .writer = &thunderbird_ops,
        .options = thunderbird_options,
        .settings_new = thunderbird_new,
        .settings_free = free,
        .set_option = thunderbird_set,
        .writer_settings = thunderbird_writer_settings,
        .contact_files = thunderbird_contacts,
        .result_parts = thunderbird_parts,
        .check_result_dir = thunderbird_check_dir,
        .next_step = thunderbird_next,
    },
    {
        .name = "outlook",
        .writer = &outlook_ops,
        .options = outlook_options,
        .settings_new = outlook_new,
        .settings_free = free,
        .set_option = outlook_set,
        .writer_settings = outlook_writer_settings,
        .contact_files = outlook_contacts,
        .next_step = outlook_next,
    },
};

#define NTARGETS (sizeof targets / sizeof targets[0])

const struct target *registry_target(const char *name)
{
    for (size_t i = 0; i < NTARGETS; i++)
        if (strcmp(targets[i].name, name) == 0)
            return &targets[i];
    return NULL;
}

const struct target_option *registry_target_option_at(size_t i, const struct target **target)
{
    for (size_t t = 0; t < NTARGETS; t++)
        for (const struct target_option *o = targets[t].options; o->name; o++)
            if (i-- == 0) {
                *target = &targets[t];
                return o;
            }
    return NULL;
}

const char *registry_target_names(void)
{
    static char names[256];
    if (!names[0])
        for (size_t i = 0, o = 0; i < NTARGETS; i++)
            o += (size_t)snprintf(names + o, sizeof names - o, "%s%s",
                                  i == 0 ? "" : i + 1 == NTARGETS ? " or " : ", ", targets[i].name);
    return names;
}

const struct child_role *const registry_child_roles[] = {&msgstore_child_role,
                                                         &contacts_edb_child_role, NULL};
