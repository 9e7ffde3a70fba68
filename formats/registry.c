/* registry: the readers and targets, and the few lines that tie formats together (see
 * registry.h). A target's contact files may mix formats (Outlook's CSV and vCards), which no
 * format folder may do: that glue is written here. */
#include "registry.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mbox/tbwriter.h"
#include "pipeline/contacts.h"
#include "pst/outlook.h"
#include "util/fsutil.h"
#include "util/xalloc.h"
#include "vcard/vcard_writer.h"
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

/* ---- Thunderbird -------------------------------------------------------------------------- */

struct thunderbird_settings {
    enum vcard_version vcard_version; /* contacts.vcf */
};

static const struct target_option thunderbird_options[] = {
    {"vcard-version", "V", "contacts.vcf as 4.0 (default) or 3.0\n"},
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
    if (strcmp(name, "vcard-version") == 0) {
        if (strcmp(value, "3.0") == 0)
            s->vcard_version = VCARD_V30;
        else if (strcmp(value, "4.0") == 0)
            s->vcard_version = VCARD_V40;
        else
            return bad_value(err, "--vcard-version takes 3.0 or 4.0, not %s", value);
        return 0;
    }
    error_set(err, "--%s is not an option of --for thunderbird", name);
    return -1;
}

static const void *thunderbird_writer_settings(const void *settings)
{
    (void)settings;
    return NULL;
}

/* OUT/thunderbird/contacts.vcf: every contact as UTF-8 vCard, many per file. */
static int thunderbird_contacts(const char *dir, const struct contact_list *contacts,
                                const void *settings, struct writer_outcome *out,
                                struct error *err)
{
    (void)out;
    const struct thunderbird_settings *s = settings;
    char *sub = path_join(dir, "thunderbird");
    int rc = contacts_write_thunderbird(sub, contacts, s->vcard_version, err);
    free(sub);
    return rc;
}

/* ---- Outlook ------------------------------------------------------------------------------ */

struct outlook_target_settings {
    struct outlook_settings pst;
    struct contacts_csv_options csv;
};

static const struct target_option outlook_options[] = {
    {"pst-max-size", "SIZE",
     "start a new PST part before one would pass SIZE bytes (suffix K, M, G; at least\n"
     "1M); default no limit\n"},
    {"csv-profile", "P",
     "contacts.csv: outlook-en (UTF-8 with BOM, default) or outlook-ja (CP932, CRLF)\n"},
    {"csv-encoding", "E", "override the profile's encoding (UTF-8, UTF-8-BOM, CP932, UTF-16LE)\n"},
    {NULL, NULL, NULL},
};

static void *outlook_new(void)
{
    struct outlook_target_settings *s = xcalloc(1, sizeof *s);
    s->csv.profile = "outlook-en";
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
    if (strcmp(name, "csv-profile") == 0) {
        if (strcmp(value, "outlook-en") != 0 && strcmp(value, "outlook-ja") != 0)
            return bad_value(err, "--csv-profile takes outlook-en or outlook-ja, not %s", value);
        s->csv.profile = value;
        return 0;
    }
    if (strcmp(name, "csv-encoding") == 0) {
        s->csv.encoding = value;
        return 0;
    }
    error_set(err, "--%s is not an option of --for outlook", name);
    return -1;
}

static const void *outlook_writer_settings(const void *settings)
{
    const struct outlook_target_settings *s = settings;
    return &s->pst;
}

/* OUT/outlook/contacts.csv and OUT/outlook/vcards/ (the PST's Contacts folder is the writer's). */
static int outlook_contacts(const char *dir, const struct contact_list *contacts,
                            const void *settings, struct writer_outcome *out, struct error *err)
{
    const struct outlook_target_settings *s = settings;
    char *sub = path_join(dir, "outlook");
    int rc = contacts_write_outlook(sub, contacts, &s->csv, out, err);
    free(sub);
    return rc;
}

/* ---- the targets -------------------------------------------------------------------------- */

static const struct target targets[] = {
    {
        .name = "thunderbird",
        .writer = &tbwriter_ops,
        .options = thunderbird_options,
        .settings_new = thunderbird_new,
        .settings_free = free,
        .set_option = thunderbird_set,
        .writer_settings = thunderbird_writer_settings,
        .contact_files = thunderbird_contacts,
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

const struct target *registry_target_of_option(const char *name)
{
    const struct target *t;
    const struct target_option *o;
    for (size_t i = 0; (o = registry_target_option_at(i, &t)) != NULL; i++)
        if (strcmp(o->name, name) == 0)
            return t;
    return NULL;
}

const char *registry_target_names(void)
{
    return "thunderbird, outlook";
}
