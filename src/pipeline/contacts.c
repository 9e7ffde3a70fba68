/* contacts_cmd: finding, reading and writing address books, and the `contacts` command (see
 * contacts_cmd.h).
 *
 * The library part (find, read, write) reports into a struct report and never prints; only
 * contacts_main() prints, like the other command modules. Output files are written to a
 * temporary name beside their final one and renamed when complete. */
#include "pipeline/contacts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "csv/contact_csv.h"
#include "util/fsutil.h"
#include "report/report.h"
#include "util/utf8.h"
#include "vcard/vcard_reader.h"
#include "wlm/contact_xml.h"
#include "wlm/contacts_edb.h"
#include "util/xalloc.h"

const char *contacts_source_kind_name(enum contact_source_kind kind)
{
    switch (kind) {
    case CONTACT_SOURCE_VCARD: return "vcard";
    case CONTACT_SOURCE_CSV: return "csv";
    case CONTACT_SOURCE_CONTACT: return "contact";
    case CONTACT_SOURCE_EDB: return "edb";
    }
    return "unknown";
}

/* ---- finding ----------------------------------------------------------------------------- */

static void add_source(struct contact_sources *s, const char *path, enum contact_source_kind kind,
                       bool searched)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->items[i].path, path) == 0)
            return;
    s->items = xgrow(s->items, &s->cap, s->count + 1, sizeof *s->items);
    struct contact_source *src = &s->items[s->count++];
    memset(src, 0, sizeof *src);
    src->path = xstrdup(path);
    src->kind = kind;
    src->found_by_search = searched;
}

void contacts_sources_free(struct contact_sources *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++)
        free(s->items[i].path);
    free(s->items);
    memset(s, 0, sizeof *s);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Entries of `dir` whose name matches `prefix` (case-insensitive; the whole name unless
 * `prefix_only`), sorted, as full paths. */
static char **children(const char *dir, const char *prefix, bool prefix_only, size_t *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **v = NULL;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (prefix && (prefix_only ? strncasecmp(e->d_name, prefix, strlen(prefix)) != 0
                                   : strcasecmp(e->d_name, prefix) != 0))
            continue;
        v = xgrow(v, &cap, *n + 1, sizeof *v);
        v[(*n)++] = path_join(dir, e->d_name);
    }
    closedir(d);
    if (*n)
        qsort(v, *n, sizeof *v, cmp_str);
    return v;
}

static void free_children(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* `dir`/a/b/c with each component matched without regard to case; NULL when absent. */
static char *find_path(const char *dir, const char *const *parts, size_t nparts)
{
    char *cur = xstrdup(dir);
    for (size_t i = 0; i < nparts; i++) {
        size_t n;
        char **c = children(cur, parts[i], false, &n);
        free(cur);
        cur = n ? xstrdup(c[0]) : NULL;
        free_children(c, n);
        if (!cur)
            return NULL;
    }
    return cur;
}

static const char *ext_of(const char *path)
{
    const char *base = path_basename(path);
    const char *dot = strrchr(base, '.');
    return dot ? dot + 1 : "";
}

static int kind_by_ext(const char *path)
{
    const char *e = ext_of(path);
    if (strcasecmp(e, "vcf") == 0 || strcasecmp(e, "vcard") == 0)
        return CONTACT_SOURCE_VCARD;
    if (strcasecmp(e, "csv") == 0)
        return CONTACT_SOURCE_CSV;
    if (strcasecmp(e, "contact") == 0)
        return CONTACT_SOURCE_CONTACT;
    if (strcasecmp(e, "edb") == 0)
        return CONTACT_SOURCE_EDB;
    return -1;
}

static int kind_by_content(const char *path)
{
    struct buf b = BUF_INIT;
    int k = -1;
    if (fs_read_file(path, CONTACT_CSV_MAX_BYTES, &b, NULL) == 0) {
        if (vcard_sniff(b.data ? b.data : "", b.len))
            k = CONTACT_SOURCE_VCARD;
        else if (contact_xml_sniff(b.data ? b.data : "", b.len))
            k = CONTACT_SOURCE_CONTACT;
        else if (contact_csv_sniff(b.data ? b.data : "", b.len))
            k = CONTACT_SOURCE_CSV;
    }
    buf_free(&b);
    return k;
}

static void search_dir(const char *dir, int depth, struct contact_sources *out, bool searched,
                       int only_kind)
{
    size_t n;
    char **c = children(dir, NULL, false, &n);
    for (size_t i = 0; i < n; i++) {
        if (is_dir(c[i])) {
            if (depth > 0)
                search_dir(c[i], depth - 1, out, searched, only_kind);
            continue;
        }
        if (!is_file(c[i]))
            continue;
        int k = kind_by_ext(c[i]);
        if (k >= 0 && (only_kind < 0 || k == only_kind))
            add_source(out, c[i], (enum contact_source_kind)k, searched);
    }
    free_children(c, n);
}

/* The user profile above `path`: the nearest ancestor (or itself) that holds AppData/ or
 * Local Settings/. */
static char *find_profile(const char *path)
{
    char *cur = path_resolve(path, NULL);
    if (!cur)
        cur = xstrdup(path);
    for (int up = 0; up < 12 && cur; up++) {
        const char *appdata[] = {"AppData"};
        const char *xp[] = {"Local Settings"};
        char *a = find_path(cur, appdata, 1);
        char *b = a ? NULL : find_path(cur, xp, 1);
        if (a || b) {
            free(a);
            free(b);
            return cur;
        }
        char *slash = strrchr(cur, '/');
        if (!slash || slash == cur) {
            free(cur);
            return NULL;
        }
        *slash = '\0';
    }
    free(cur);
    return NULL;
}

static void search_profile(const char *profile, struct contact_sources *out)
{
    static const char *const local_roots[][3] = {
        {"AppData", "Local", "Microsoft"},
        {"Local Settings", "Application Data", "Microsoft"},
    };
    for (size_t r = 0; r < 2; r++) {
        char *ms = find_path(profile, local_roots[r], 3);
        if (!ms)
            continue;
        /* 2011/2012: Windows Live/Contacts/<id>/15.x/DBStore/contacts.edb */
        const char *wl[] = {"Windows Live", "Contacts"};
        char *contacts = find_path(ms, wl, 2);
        if (contacts) {
            size_t ni;
            char **ids = children(contacts, NULL, false, &ni);
            for (size_t i = 0; i < ni; i++) {
                size_t nv;
                char **vers = children(ids[i], "15.", true, &nv);
                for (size_t v = 0; v < nv; v++) {
                    const char *db[] = {"DBStore", "contacts.edb"};
                    char *edb = find_path(vers[v], db, 2);
                    if (edb && is_file(edb))
                        add_source(out, edb, CONTACT_SOURCE_EDB, true);
                    free(edb);
                }
                free_children(vers, nv);
            }
            free_children(ids, ni);
            free(contacts);
        }
        /* 2009: Windows Live Contacts/{GUID}/DBStore/contacts.edb */
        const char *wlc[] = {"Windows Live Contacts"};
        char *old = find_path(ms, wlc, 1);
        if (old) {
            size_t ni;
            char **ids = children(old, NULL, false, &ni);
            for (size_t i = 0; i < ni; i++) {
                const char *db[] = {"DBStore", "contacts.edb"};
                char *edb = find_path(ids[i], db, 2);
                if (edb && is_file(edb))
                    add_source(out, edb, CONTACT_SOURCE_EDB, true);
                free(edb);
            }
            free_children(ids, ni);
            free(old);
        }
        free(ms);
    }
    /* Vista/7: the .contact files in Contacts/ (and one level of subfolders) */
    const char *ct[] = {"Contacts"};
    char *cdir = find_path(profile, ct, 1);
    if (cdir && is_dir(cdir))
        search_dir(cdir, 1, out, true, CONTACT_SOURCE_CONTACT);
    free(cdir);
}

size_t contacts_find_sources(const char *store_path, const char *const *extra, size_t n_extra,
                             struct contact_sources *out, struct report *rep)
{
    size_t before = out->count;
    if (store_path) {
        char *profile = find_profile(store_path);
        if (profile)
            search_profile(profile, out);
        free(profile);
    }
    for (size_t i = 0; i < n_extra; i++) {
        const char *p = extra[i];
        if (is_dir(p)) {
            search_dir(p, 4, out, false, -1);
        } else if (is_file(p)) {
            int k = kind_by_ext(p);
            if (k < 0)
                k = kind_by_content(p);
            if (k < 0)
                report_problem(rep, PROBLEM_CONTACT_SOURCE, p,
                               "Not a contacts file this program reads (vCard, CSV, .contact, "
                               "contacts.edb).");
            else
                add_source(out, p, (enum contact_source_kind)k, false);
        } else {
            report_problem(rep, PROBLEM_CONTACT_SOURCE, p,
                           "The contacts path does not exist or is not a file or directory.");
        }
    }
    return out->count - before;
}

/* ---- reading ----------------------------------------------------------------------------- */

size_t contacts_read_source(struct contact_source *src, struct contact_list *out,
                            struct report *rep)
{
    size_t added = 0, skipped = 0;
    if (src->kind == CONTACT_SOURCE_EDB) {
        long n = contacts_edb_read(src->path, src->path, out, rep, &skipped);
        if (n < 0)
            src->unreadable = true;
        else
            added = (size_t)n;
        src->contacts += added;
        src->skipped += skipped;
        return added;
    }
    struct buf b = BUF_INIT;
    struct error err;
    size_t max = src->kind == CONTACT_SOURCE_CONTACT ? CONTACT_XML_MAX_BYTES : VCARD_MAX_BYTES;
    if (fs_read_file(src->path, max, &b, &err) != 0) {
        report_problem(rep, PROBLEM_CONTACT_SOURCE, src->path, "%s", err.msg);
        src->unreadable = true;
        buf_free(&b);
        return 0;
    }
    const char *data = b.data ? b.data : "";
    switch (src->kind) {
    case CONTACT_SOURCE_VCARD:
        added = vcard_read(data, b.len, src->path, out, rep, &skipped);
        break;
    case CONTACT_SOURCE_CSV:
        added = contact_csv_read(data, b.len, src->path, out, rep, &skipped);
        break;
    case CONTACT_SOURCE_CONTACT: {
        struct contact *c = contact_xml_read(data, b.len, src->path, &err);
        if (!c) {
            report_problem(rep, PROBLEM_BAD_CONTACT, src->path, "%s", err.msg);
            skipped = 1;
        } else if (contact_is_empty(c)) {
            report_problem(rep, PROBLEM_BAD_CONTACT, src->path,
                           "The contact holds no name, address, phone or other field: skipped.");
            contact_free(c);
            skipped = 1;
        } else {
            if (c->dropped) {
                char *who = contact_best_name(c);
                report_problem(rep, PROBLEM_CONTACT_FIELD, src->path,
                               "%s: elements no address book field holds: %s.", who, c->dropped);
                free(who);
            }
            contact_list_add(out, c);
            added = 1;
        }
        break;
    }
    case CONTACT_SOURCE_EDB: break;
    }
    buf_free(&b);
    src->contacts += added;
    src->skipped += skipped;
    return added;
}

size_t contacts_read_sources(struct contact_sources *s, struct contact_list *out,
                             struct report *rep)
{
    size_t n = 0;
    for (size_t i = 0; i < s->count; i++)
        n += contacts_read_source(&s->items[i], out, rep);
    return n;
}

/* ---- writing ----------------------------------------------------------------------------- */

/* Writes `len` bytes to `path` through `path`.tmp and a rename. */
static int write_file(const char *path, const void *data, size_t len, struct error *err)
{
    char *tmp = xasprintf("%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        error_errno(err, errno, "Cannot create %s", tmp);
        free(tmp);
        return -1;
    }
    if (fs_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        error_errno(err, e, "Cannot write %s", tmp);
        free(tmp);
        return -1;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        error_errno(err, e, "Cannot write %s", path);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

int contacts_write_thunderbird(const char *dir, const struct contact_list *l,
                               enum vcard_version version, struct error *err)
{
    if (fs_mkdirs(dir, 0755, err) != 0)
        return -1;
    struct buf out = BUF_INIT;
    for (size_t i = 0; i < l->count; i++)
        vcard_write(&out, l->items[i], version == VCARD_V30 ? VCARD_V30 : VCARD_V40);
    char *path = path_join(dir, "contacts.vcf");
    int rc = write_file(path, out.data ? out.data : "", out.len, err);
    free(path);
    buf_free(&out);
    return rc;
}

/* Encodes UTF-8 `s` into `enc` (an iconv name), appending to `out`; each character the
 * encoding cannot hold becomes '?' and is appended (as UTF-8) to `bad`. */
static void encode_into(struct buf *out, const char *s, size_t n, iconv_t cd, struct buf *bad)
{
    char tmp[4096];
    char *in = (char *)s;
    size_t inleft = n;
    iconv(cd, NULL, NULL, NULL, NULL);
    while (inleft > 0) {
        char *o = tmp;
        size_t oleft = sizeof tmp;
        size_t r = iconv(cd, &in, &inleft, &o, &oleft);
        buf_append(out, tmp, sizeof tmp - oleft);
        if (r != (size_t)-1)
            break;
        if (errno == E2BIG)
            continue;
        /* EILSEQ / EINVAL: one character that cannot be encoded */
        size_t k = utf8_sequence_length(in, inleft);
        if (k == 0)
            k = 1;
        if (bad) {
            bool seen = false;
            for (size_t i = 0; bad->data && i + k <= bad->len; i++)
                if (memcmp(bad->data + i, in, k) == 0)
                    seen = true;
            if (!seen) {
                if (bad->len)
                    buf_putc(bad, ' ');
                buf_append(bad, in, k);
            }
        }
        /* '?' in the target encoding */
        char q[8], *qi = (char *)"?", *qo = q;
        size_t qil = 1, qol = sizeof q;
        iconv(cd, &qi, &qil, &qo, &qol);
        buf_append(out, q, sizeof q - qol);
        in += k;
        inleft -= k;
    }
    char *o = tmp;
    size_t oleft = sizeof tmp;
    iconv(cd, NULL, NULL, &o, &oleft);
    buf_append(out, tmp, sizeof tmp - oleft);
}

int contacts_write_csv_file(const char *path, const struct contact_list *l,
                            const struct contacts_csv_options *o, struct writer_outcome *notes,
                            struct error *err)
{
    enum contact_csv_profile prof = CONTACT_CSV_OUTLOOK_EN;
    if (o && o->profile && contact_csv_profile_from_name(o->profile, &prof) != 0) {
        error_set(err, "Unknown CSV profile %s (outlook-en or outlook-ja).", o->profile);
        return -1;
    }
    const char *enc = o && o->encoding ? o->encoding : contact_csv_profile_encoding(prof);
    bool bom = false;
    const char *iconv_name;
    if (strcasecmp(enc, "UTF-8-BOM") == 0 || strcasecmp(enc, "UTF8-BOM") == 0) {
        bom = true;
        iconv_name = "UTF-8";
    } else if (strcasecmp(enc, "UTF-8") == 0 || strcasecmp(enc, "UTF8") == 0) {
        iconv_name = "UTF-8";
    } else if (strcasecmp(enc, "CP932") == 0 || strcasecmp(enc, "SHIFT_JIS") == 0 ||
               strcasecmp(enc, "SJIS") == 0 || strcasecmp(enc, "WINDOWS-31J") == 0) {
        iconv_name = "CP932";
    } else if (strcasecmp(enc, "UTF-16LE") == 0 || strcasecmp(enc, "UTF-16") == 0) {
        bom = true;
        iconv_name = "UTF-16LE";
    } else {
        error_set(err, "Unknown CSV encoding %s (UTF-8, UTF-8-BOM, CP932, UTF-16LE).", enc);
        return -1;
    }
    iconv_t cd = iconv_open(iconv_name, "UTF-8");
    if (cd == (iconv_t)-1) {
        error_errno(err, errno, "This system's iconv cannot write %s", iconv_name);
        return -1;
    }
    struct buf out = BUF_INIT, row = BUF_INIT, bad = BUF_INIT;
    if (bom && strcmp(iconv_name, "UTF-8") == 0)
        buf_append(&out, "\xEF\xBB\xBF", 3);
    else if (bom)
        buf_append(&out, "\xFF\xFE", 2);
    contact_csv_write_header(&row, prof);
    encode_into(&out, row.data, row.len, cd, NULL);
    for (size_t i = 0; i < l->count; i++) {
        const struct contact *c = l->items[i];
        char *lost = NULL;
        buf_reset(&row);
        buf_reset(&bad);
        contact_csv_write_row(&row, c, prof, o && o->photos_elsewhere, &lost);
        encode_into(&out, row.data, row.len, cd, &bad);
        const char *where = c->origin ? c->origin : path;
        if (bad.len || lost) {
            char *who = contact_best_name(c);
            if (bad.len)
                writer_outcome_note(notes, PROBLEM_CONTACT_CHARS, where,
                                    "%s: characters %s cannot hold, written as '?' in %s: %s",
                                    who, enc, path_basename(path), buf_str(&bad));
            if (lost)
                writer_outcome_note(notes, PROBLEM_CONTACT_FIELD, where,
                                    "%s: no column in %s for: %s.", who, path_basename(path),
                                    lost);
            free(who);
        }
        free(lost);
    }
    iconv_close(cd);
    int rc = write_file(path, out.data ? out.data : "", out.len, err);
    buf_free(&out);
    buf_free(&row);
    buf_free(&bad);
    return rc;
}

/* A file name for one contact: "0001 Name.vcf", with characters Windows refuses replaced and
 * the name cut (on a character boundary) to 60 bytes. */
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

int contacts_write_outlook(const char *dir, const struct contact_list *l,
                           const struct contacts_csv_options *o, struct writer_outcome *notes,
                           struct error *err)
{
    char *vdir = path_join(dir, "vcards");
    if (fs_mkdirs(vdir, 0755, err) != 0) {
        free(vdir);
        return -1;
    }
    struct contacts_csv_options opts = {NULL, NULL, true};
    if (o) {
        opts.profile = o->profile;
        opts.encoding = o->encoding;
    }
    opts.photos_elsewhere = true; /* in vcards/ */
    char *csv = path_join(dir, "contacts.csv");
    int rc = contacts_write_csv_file(csv, l, &opts, notes, err);
    free(csv);
    for (size_t i = 0; rc == 0 && i < l->count; i++) {
        struct buf b = BUF_INIT;
        vcard_write(&b, l->items[i], VCARD_V21);
        char *name = vcard_file_name(i, l->items[i]);
        char *path = path_join(vdir, name);
        rc = write_file(path, b.data, b.len, err);
        free(path);
        free(name);
        buf_free(&b);
    }
    free(vdir);
    return rc;
}

/* ---- the command ------------------------------------------------------------------------- */

static void contacts_usage(FILE *out)
{
    fputs("Usage: wlmigrate contacts IN... -o OUT --to vcard|csv [options]\n"
          "\n"
          "IN is a vCard (.vcf), a contacts CSV export, a Windows Contacts .contact file,\n"
          "a contacts.edb database (experimental), or a directory of them.\n"
          "  --to vcard            OUT/contacts.vcf: UTF-8 vCard 4.0, one card per contact\n"
          "  --to csv              OUT/contacts.csv in the chosen profile\n"
          "  --vcard-version V     4.0 (default) or 3.0\n"
          "  --csv-profile P       outlook-en (UTF-8 with BOM) or outlook-ja (CP932)\n"
          "  --csv-encoding E      UTF-8, UTF-8-BOM, CP932, UTF-16LE\n"
          "  --force               replace an existing OUT/contacts.*\n"
          "  -q, --quiet           no summary\n"
          "Exit codes: 0 all read and written; 1 written, but some cards or fields were\n"
          "skipped or could not be written (listed on stderr); 2 usage; 3 fatal.\n",
          out);
}

int contacts_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},   {"to", required_argument, NULL, 't'},
        {"vcard-version", required_argument, NULL, 'V'},
        {"csv-profile", required_argument, NULL, 'p'},
        {"csv-encoding", required_argument, NULL, 'e'}, {"force", no_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},          {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL, *to = NULL, *version = "4.0";
    struct contacts_csv_options co = {"outlook-en", NULL, false};
    bool force = false, quiet = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case 't': to = optarg; break;
        case 'V': version = optarg; break;
        case 'p': co.profile = optarg; break;
        case 'e': co.encoding = optarg; break;
        case 'f': force = true; break;
        case 'q': quiet = true; break;
        case 'h': contacts_usage(stdout); return 0;
        default: contacts_usage(stderr); return 2;
        }
    }
    enum contact_csv_profile prof;
    if (optind >= argc || !output || !to || (strcmp(to, "vcard") != 0 && strcmp(to, "csv") != 0) ||
        (strcmp(version, "4.0") != 0 && strcmp(version, "3.0") != 0) ||
        contact_csv_profile_from_name(co.profile, &prof) != 0) {
        fputs("wlmigrate: contacts needs IN..., -o OUT and --to vcard|csv (with a known "
              "--vcard-version / --csv-profile)\n",
              stderr);
        contacts_usage(stderr);
        return 2;
    }
    struct error err;
    if (fs_mkdirs(output, 0755, &err) != 0) {
        fprintf(stderr, "wlmigrate: %s\n", err.msg);
        return 3;
    }
    char *target = path_join(output, strcmp(to, "vcard") == 0 ? "contacts.vcf" : "contacts.csv");
    if (fs_exists(target) && !force) {
        fprintf(stderr, "wlmigrate: %s exists (use --force to replace it)\n", target);
        free(target);
        return 2;
    }
    struct report *rep = report_new();
    struct contact_sources src = {0};
    contacts_find_sources(NULL, (const char *const *)argv + optind, (size_t)(argc - optind), &src,
                          rep);
    struct contact_list list = CONTACT_LIST_INIT;
    contacts_read_sources(&src, &list, rep);
    int rc;
    struct writer_outcome notes = {0};
    if (strcmp(to, "vcard") == 0)
        rc = contacts_write_thunderbird(output, &list,
                                        strcmp(version, "3.0") == 0 ? VCARD_V30 : VCARD_V40, &err);
    else
        rc = contacts_write_csv_file(target, &list, &co, &notes, &err);
    for (size_t i = 0; i < notes.nnotes; i++)
        report_problem(rep, notes.notes[i].kind, notes.notes[i].path, "%s",
                       notes.notes[i].message);
    writer_outcome_free(&notes);
    int code = 0;
    if (rc != 0) {
        fprintf(stderr, "wlmigrate: %s\n", err.msg);
        code = 3;
    } else {
        for (size_t i = 0; i < report_problem_count(rep); i++) {
            const struct report_problem *p = report_problem_at(rep, i);
            fprintf(stderr, "wlmigrate: %s: %s: %s\n", report_problem_name(p->kind), p->path,
                    p->message);
        }
        if (report_lossy_count(rep) > 0)
            code = 1;
        if (!quiet) {
            for (size_t i = 0; i < src.count; i++)
                fprintf(stderr, "%s (%s): %zu contacts%s\n", src.items[i].path,
                        contacts_source_kind_name(src.items[i].kind), src.items[i].contacts,
                        src.items[i].unreadable ? ", unreadable" : "");
            fprintf(stderr, "%zu contacts written to %s\n", list.count, target);
        }
    }
    contact_list_clear(&list);
    contacts_sources_free(&src);
    report_free(rep);
    free(target);
    return code;
}
