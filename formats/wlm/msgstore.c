/* msgstore: reading Mail.MSMessageStore (see msgstore.h). */
#include "msgstore.h"

#include <libesedb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "esedb_text.h"
#include "util/fsutil.h"
#include "model/model.h"
#include "util/platform.h"
#include "util/xalloc.h"

/* ---- every assumption about the schema ------------------------------------------------------
 * Names and stored values from doc/WLM-STORE.md ("Mail.MSMessageStore"): the catalog of a real
 * Windows Mail database where it was seen, else Outlook Express 6's schema. Integer columns
 * accept any integer type libesedb reports; text columns Text and Long Text. A missing optional
 * column or table only loses what it holds; a missing required column makes its table unusable.
 * Only Folders is required: a database of an empty store has no Messages table (seen). */

enum field {
    F_FOLDER_ID, F_FOLDER_PARENT, F_FOLDER_NAMEW, F_FOLDER_NAME, F_FOLDER_PATH, F_FOLDER_SPECIAL,
    F_MSG_FOLDER, F_MSG_STREAM, F_MSG_RECEIVED, F_MSG_DOWNLOADED, F_MSG_FLAGS, F_MSG_PRIORITY,
    F_STREAM_ID, F_STREAM_PATH,
    F_COUNT
};

enum field_kind { KIND_INT, KIND_TEXT, KIND_TIME };

enum table { T_FOLDERS, T_STREAMS, T_MESSAGES, T_COUNT };

/* In the order they are read; only Folders must exist. */
static const char *const table_names[T_COUNT + 1] = {"Folders", "Streams", "Messages", NULL};
static const bool table_required[T_COUNT] = {[T_FOLDERS] = true};

static const struct {
    enum table table;
    const char *column;
    enum field_kind kind;
    bool required;
    bool raw; /* text whose declared code page is not to be trusted: its bytes are guessed */
} schema[F_COUNT] = {
    [F_FOLDER_ID] = {T_FOLDERS, "FLDCOL_ID", KIND_INT, true, false},
    [F_FOLDER_PARENT] = {T_FOLDERS, "FLDCOL_PARENT", KIND_INT, false, false},
    /* the display name: FLDCOL_NAMEW (UTF-16) first, else FLDCOL_NAME, declared code page
     * 1252 but holding the system's ANSI code page (CP932 on Japanese Windows) */
    [F_FOLDER_NAMEW] = {T_FOLDERS, "FLDCOL_NAMEW", KIND_TEXT, false, false},
    [F_FOLDER_NAME] = {T_FOLDERS, "FLDCOL_NAME", KIND_TEXT, false, true},
    [F_FOLDER_PATH] = {T_FOLDERS, "FLDCOL_PATH", KIND_TEXT, false, false},
    [F_FOLDER_SPECIAL] = {T_FOLDERS, "FLDCOL_SPECIAL", KIND_INT, false, false},
    [F_MSG_FOLDER] = {T_MESSAGES, "MSGCOL_FOLDERID", KIND_INT, true, false},
    [F_MSG_STREAM] = {T_MESSAGES, "MSGCOL_STREAM", KIND_INT, true, false},
    /* the received time: MSGCOL_RECEIVEDDATE, else MSGCOL_DOWNLOADTIME; never MSGCOL_DATE,
     * which is the sent time (OE6's ftSent) */
    [F_MSG_RECEIVED] = {T_MESSAGES, "MSGCOL_RECEIVEDDATE", KIND_TIME, false, false},
    [F_MSG_DOWNLOADED] = {T_MESSAGES, "MSGCOL_DOWNLOADTIME", KIND_TIME, false, false},
    [F_MSG_FLAGS] = {T_MESSAGES, "MSGCOL_FLAGS", KIND_INT, false, false},
    [F_MSG_PRIORITY] = {T_MESSAGES, "MSGCOL_PRIORITY", KIND_INT, false, false},
    [F_STREAM_ID] = {T_STREAMS, "Id", KIND_INT, true, false},
    [F_STREAM_PATH] = {T_STREAMS, "Path", KIND_TEXT, true, false},
};

/* MSGCOL_FLAGS bits (Outlook Express lineage, unverified in WLM). */
static const struct {
    uint32_t bit;
    uint32_t state;
} flag_bits[] = {
    {0x80, MODEL_MSG_READ},
    {0x20, MODEL_MSG_FLAGGED},
    {0x80000, MODEL_MSG_REPLIED},
    {0x100000, MODEL_MSG_FORWARDED},
};
/* MSGCOL_FLAGS: the body was downloaded (clear for an IMAP message fetched headers only). */
#define FLAG_BODY_DOWNLOADED 0x1u

/* FLDCOL_SPECIAL as stored (OE's stored values, not the SDK's enum, which is one lower): 0 an
 * ordinary folder; junk's value is unknown. */
static const struct {
    int64_t stored;
    enum folder_special special;
} special_values[] = {
    {1, MODEL_FOLDER_INBOX}, {2, MODEL_FOLDER_OUTBOX}, {3, MODEL_FOLDER_SENT},
    {4, MODEL_FOLDER_DELETED}, {5, MODEL_FOLDER_DRAFTS},
};

/* Stored paths may be absolute; these directory names end the part to cut. */
static const char *const store_dir_names[] = {"\\Windows Live Mail\\", "\\Windows Mail\\"};

/* Times after 9999-12-31 23:59:59 UTC are damage, not dates. */
#define LAST_TIME INT64_C(253402300799)

/* An OLE automation date (JET DateTime) counts days from 1899-12-30. */
#define OLE_DATE_UNIX_EPOCH_DAYS 25569.0

/* ---- the index ------------------------------------------------------------------------------ */

struct stream {
    int64_t id;
    char *path;
};

struct msgstore {
    enum msgstore_shutdown shutdown;
    struct msgstore_folder *folders;
    size_t nfolders, folders_cap;
    struct msgstore_message *messages;
    size_t nmessages, messages_cap;
    size_t rows_skipped;
    char **outside; /* stream paths that lead out of the store, as stored (the first few) */
    size_t noutside, outside_total;
    /* open-addressing hash of message paths (lower-cased) -> index + 1 */
    size_t *slots;
    size_t nslots;
};

/* The shutdown state in an ESE file header (offset 4 signature, offset 52 state). */
static enum msgstore_shutdown msgstore_header_state(const unsigned char *data, size_t len)
{
    if (len < 56 || data[4] != 0xEF || data[5] != 0xCD || data[6] != 0xAB || data[7] != 0x89)
        return MSGSTORE_UNKNOWN;
    uint32_t state = (uint32_t)data[52] | (uint32_t)data[53] << 8 | (uint32_t)data[54] << 16 |
                     (uint32_t)data[55] << 24;
    if (state == 3)
        return MSGSTORE_CLEAN;
    if (state == 2)
        return MSGSTORE_DIRTY;
    return MSGSTORE_UNKNOWN;
}

/* A stored path ("Storage Folders\Inbox\x.eml" or an absolute Windows path) as a path relative
 * to the store root with '/' separators; NULL when it cannot be made relative. */
static char *msgstore_relative_path(const char *stored)
{
    if (!stored || !*stored)
        return NULL;
    const char *start = stored;
    for (size_t i = 0; i < sizeof store_dir_names / sizeof store_dir_names[0]; i++) {
        size_t n = strlen(store_dir_names[i]);
        for (const char *p = stored; *p; p++)
            if (strncasecmp(p, store_dir_names[i], n) == 0)
                start = p + n;
    }
    if (start == stored && (strchr(stored, ':') || stored[0] == '\\' || stored[0] == '/'))
        return NULL; /* absolute, but not below a store directory we know */
    while (*start == '\\' || *start == '/') /* "...\Windows Live Mail\\x": still relative */
        start++;
    if (!*start)
        return NULL;
    char *rel = xstrdup(start);
    for (char *p = rel; *p; p++)
        if (*p == '\\')
            *p = '/';
    for (const char *c = rel; c; c = strchr(c, '/') ? strchr(c, '/') + 1 : NULL)
        if (c[0] == '.' && c[1] == '.' && (c[2] == '/' || c[2] == '\0')) {
            free(rel); /* "..": out of the store */
            return NULL;
        }
    return rel;
}

static uint64_t hash_path(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        h = (h ^ c) * 1099511628211ULL;
    }
    return h;
}

static void build_hash(struct msgstore *db)
{
    db->nslots = 16;
    while (db->nslots < db->nmessages * 2)
        db->nslots *= 2;
    db->slots = xcalloc(db->nslots, sizeof *db->slots);
    for (size_t i = 0; i < db->nmessages; i++) {
        size_t s = hash_path(db->messages[i].path) & (db->nslots - 1);
        while (db->slots[s])
            s = (s + 1) & (db->nslots - 1);
        db->slots[s] = i + 1;
    }
}

struct msgstore_message *msgstore_message(struct msgstore *db, const char *relpath)
{
    if (!db || !db->nslots)
        return NULL;
    size_t s = hash_path(relpath) & (db->nslots - 1);
    while (db->slots[s]) {
        struct msgstore_message *m = &db->messages[db->slots[s] - 1];
        if (strcasecmp(m->path, relpath) == 0)
            return m;
        s = (s + 1) & (db->nslots - 1);
    }
    return NULL;
}

size_t msgstore_message_count(const struct msgstore *db) { return db ? db->nmessages : 0; }

struct msgstore_message *msgstore_message_at(struct msgstore *db, size_t i)
{
    return db && i < db->nmessages ? &db->messages[i] : NULL;
}

size_t msgstore_folder_count(const struct msgstore *db) { return db ? db->nfolders : 0; }

const struct msgstore_folder *msgstore_folder_at(const struct msgstore *db, size_t i)
{
    return db && i < db->nfolders ? &db->folders[i] : NULL;
}

const struct msgstore_folder *msgstore_folder_by_path(const struct msgstore *db,
                                                      const char *relpath)
{
    for (size_t i = 0; db && i < db->nfolders; i++)
        if (db->folders[i].path && strcasecmp(db->folders[i].path, relpath) == 0)
            return &db->folders[i];
    return NULL;
}

static int folder_compare(const void *a, const void *b)
{
    int64_t x = ((const struct msgstore_folder *)a)->id, y = ((const struct msgstore_folder *)b)->id;
    return x < y ? -1 : x > y;
}

/* Folders are sorted by id once read: every message row looks its folder up. */
static const struct msgstore_folder *msgstore_folder_by_id(const struct msgstore *db, int64_t id)
{
    if (!db || !db->nfolders)
        return NULL;
    struct msgstore_folder key = {.id = id};
    return bsearch(&key, db->folders, db->nfolders, sizeof key, folder_compare);
}

enum msgstore_shutdown msgstore_shutdown_state(const struct msgstore *db)
{
    return db ? db->shutdown : MSGSTORE_UNKNOWN;
}

size_t msgstore_rows_skipped(const struct msgstore *db) { return db ? db->rows_skipped : 0; }

size_t msgstore_outside_count(const struct msgstore *db, size_t *named)
{
    *named = db ? db->noutside : 0;
    return db ? db->outside_total : 0;
}

const char *msgstore_outside_at(const struct msgstore *db, size_t i)
{
    return db && i < db->noutside ? db->outside[i] : NULL;
}

void msgstore_free(struct msgstore *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->nfolders; i++) {
        free(db->folders[i].name);
        free(db->folders[i].path);
    }
    free(db->folders);
    for (size_t i = 0; i < db->noutside; i++)
        free(db->outside[i]);
    free(db->outside);
    for (size_t i = 0; i < db->nmessages; i++)
        free((char *)db->messages[i].path);
    free(db->messages);
    free(db->slots);
    free(db);
}

/* ---- from rows to the index ------------------------------------------------------------------ */

static bool type_fits(enum field_kind kind, uint32_t type)
{
    switch (kind) {
    case KIND_INT:
        return type == LIBESEDB_COLUMN_TYPE_BOOLEAN ||
               type == LIBESEDB_COLUMN_TYPE_INTEGER_8BIT_UNSIGNED ||
               type == LIBESEDB_COLUMN_TYPE_INTEGER_16BIT_SIGNED ||
               type == LIBESEDB_COLUMN_TYPE_INTEGER_16BIT_UNSIGNED ||
               type == LIBESEDB_COLUMN_TYPE_INTEGER_32BIT_SIGNED ||
               type == LIBESEDB_COLUMN_TYPE_INTEGER_32BIT_UNSIGNED ||
               type == LIBESEDB_COLUMN_TYPE_CURRENCY ||
               type == LIBESEDB_COLUMN_TYPE_INTEGER_64BIT_SIGNED;
    case KIND_TIME:
        return type_fits(KIND_INT, type) || type == LIBESEDB_COLUMN_TYPE_DATE_TIME;
    case KIND_TEXT:
        return type == LIBESEDB_COLUMN_TYPE_TEXT || type == LIBESEDB_COLUMN_TYPE_LARGE_TEXT;
    }
    return false;
}

static int table_of(const char *name)
{
    for (int t = 0; t < T_COUNT; t++)
        if (strcmp(name, table_names[t]) == 0)
            return t;
    return -1;
}

static int field_of(int t, const char *column, uint32_t type)
{
    for (int f = 0; f < F_COUNT; f++)
        if ((int)schema[f].table == t && strcmp(column, schema[f].column) == 0 &&
            type_fits(schema[f].kind, type))
            return f;
    return -1;
}

static enum esedb_want want_column(void *ctx, const char *table, const char *column,
                                   uint32_t type)
{
    (void)ctx;
    int f = field_of(table_of(table), column, type);
    return f < 0 ? ESEDB_SKIP : schema[f].raw ? ESEDB_RAW_TEXT : ESEDB_VALUE;
}

/* A message row until every table is read. */
struct pending {
    int64_t folder_id, stream_id;
    uint32_t state;
    int64_t received;
    int priority;
    enum msgstore_body body;
};

struct builder {
    struct msgstore *db;
    int current;              /* the table whose rows come, or -1 */
    int column_of[F_COUNT];   /* the cell of each field in the current table's rows, or -1 */
    uint32_t type_of[F_COUNT];
    bool seen[T_COUNT], usable[T_COUNT];
    const char *missing[T_COUNT]; /* a required column the table lacks */
    struct stream *streams;
    size_t nstreams, streams_cap;
    struct pending *pending;
    size_t npending, pending_cap;
};

static void on_table(void *ctx, const struct esedb_table *t)
{
    struct builder *b = ctx;
    b->current = table_of(t->name);
    for (int f = 0; f < F_COUNT; f++)
        b->column_of[f] = -1;
    if (b->current < 0)
        return;
    for (size_t c = 0; c < t->ncolumns; c++) {
        int f = field_of(b->current, t->columns[c].name, t->columns[c].type);
        if (f >= 0 && b->column_of[f] < 0) {
            b->column_of[f] = (int)c;
            b->type_of[f] = t->columns[c].type;
        }
    }
    b->seen[b->current] = true;
    b->usable[b->current] = true;
    for (int f = 0; f < F_COUNT; f++)
        if ((int)schema[f].table == b->current && schema[f].required && b->column_of[f] < 0) {
            b->usable[b->current] = false;
            b->missing[b->current] = schema[f].column;
        }
}

/* Windows fills a NULL fixed column with '*' bytes and marks it in a bitmap that libesedb
 * ignores, so such a value reads back as 0x2A2A...: taken as absent. */
static bool is_null_fill(int64_t value, uint32_t type)
{
    switch (type) {
    case LIBESEDB_COLUMN_TYPE_INTEGER_16BIT_SIGNED:
    case LIBESEDB_COLUMN_TYPE_INTEGER_16BIT_UNSIGNED:
        return (value & 0xFFFF) == 0x2A2A;
    case LIBESEDB_COLUMN_TYPE_INTEGER_32BIT_SIGNED:
    case LIBESEDB_COLUMN_TYPE_INTEGER_32BIT_UNSIGNED:
        return (value & 0xFFFFFFFF) == 0x2A2A2A2A;
    case LIBESEDB_COLUMN_TYPE_CURRENCY:
    case LIBESEDB_COLUMN_TYPE_INTEGER_64BIT_SIGNED:
    case LIBESEDB_COLUMN_TYPE_DATE_TIME:
        return (uint64_t)value == 0x2A2A2A2A2A2A2A2AULL;
    default:
        return false;
    }
}

static const struct esedb_cell *cell_of(const struct builder *b, const struct esedb_cell *cells,
                                        enum field f)
{
    return b->column_of[f] < 0 ? NULL : &cells[b->column_of[f]];
}

/* An integer field; false when absent or NULL. */
static bool get_int(const struct builder *b, const struct esedb_cell *cells, enum field f,
                    int64_t *out)
{
    const struct esedb_cell *c = cell_of(b, cells, f);
    if (!c || c->kind != ESEDB_INT || is_null_fill(c->value, b->type_of[f]))
        return false;
    *out = c->value;
    return true;
}

/* A time field as Unix time: FILETIME in an integer column, OLE date in a DateTime column. */
static int64_t get_time(const struct builder *b, const struct esedb_cell *cells, enum field f)
{
    const struct esedb_cell *c = cell_of(b, cells, f);
    if (!c || is_null_fill(c->value, b->type_of[f]) || c->value == 0)
        return MODEL_TIME_UNKNOWN;
    if (c->kind == ESEDB_DATE) {
        double days;
        memcpy(&days, &c->value, sizeof days);
        if (!(days > 0 && days < 2958466)) /* up to the year 9999 */
            return MODEL_TIME_UNKNOWN;
        return (int64_t)((days - OLE_DATE_UNIX_EPOCH_DAYS) * 86400.0);
    }
    if (c->kind != ESEDB_INT || c->value < (int64_t)(MODEL_FILETIME_UNIX_EPOCH / 2))
        return MODEL_TIME_UNKNOWN;
    int64_t t = model_time_from_filetime((uint64_t)c->value);
    return t <= LAST_TIME ? t : MODEL_TIME_UNKNOWN;
}

/* A text field as UTF-8; NULL when absent, NULL or empty. */
static char *get_text(const struct builder *b, const struct esedb_cell *cells, enum field f)
{
    const struct esedb_cell *c = cell_of(b, cells, f);
    return c ? esedb_cell_string(c) : NULL;
}

static enum folder_special special_of(int64_t stored)
{
    for (size_t i = 0; i < sizeof special_values / sizeof special_values[0]; i++)
        if (special_values[i].stored == stored)
            return special_values[i].special;
    return MODEL_FOLDER_NORMAL;
}

static void folder_row(struct builder *b, const struct esedb_cell *cells)
{
    struct msgstore *db = b->db;
    int64_t id, parent = -1, special = 0;
    if (!get_int(b, cells, F_FOLDER_ID, &id)) {
        db->rows_skipped++;
        return;
    }
    get_int(b, cells, F_FOLDER_PARENT, &parent);
    get_int(b, cells, F_FOLDER_SPECIAL, &special);
    char *name = get_text(b, cells, F_FOLDER_NAMEW);
    if (!name)
        name = get_text(b, cells, F_FOLDER_NAME);
    char *stored = get_text(b, cells, F_FOLDER_PATH);
    char *path = msgstore_relative_path(stored);
    free(stored);
    if (path) {
        size_t n = strlen(path);
        while (n > 0 && path[n - 1] == '/')
            path[--n] = '\0';
    }
    db->folders = xgrow(db->folders, &db->folders_cap, db->nfolders + 1, sizeof *db->folders);
    db->folders[db->nfolders++] = (struct msgstore_folder){
        .id = id, .parent = parent, .name = name, .path = path, .special = special_of(special)};
}

static void stream_row(struct builder *b, const struct esedb_cell *cells)
{
    int64_t id;
    if (!get_int(b, cells, F_STREAM_ID, &id))
        return;
    char *stored = get_text(b, cells, F_STREAM_PATH);
    char *path = msgstore_relative_path(stored);
    if (!path && stored && *stored) {
        /* Named in the report, never followed: the message files are found by the walk. */
        struct msgstore *db = b->db;
        if (db->noutside < MSGSTORE_OUTSIDE_NAMED) {
            for (char *c = stored; *c; c++) /* it is printed: no control characters */
                if ((unsigned char)*c < 0x20 || *c == 0x7F)
                    *c = '?';
            db->outside = xrealloc(db->outside, (db->noutside + 1) * sizeof *db->outside);
            db->outside[db->noutside++] = stored;
            stored = NULL;
        }
        db->outside_total++;
    }
    free(stored);
    if (!path)
        return;
    b->streams = xgrow(b->streams, &b->streams_cap, b->nstreams + 1, sizeof *b->streams);
    b->streams[b->nstreams++] = (struct stream){id, path};
}

static void message_row(struct builder *b, const struct esedb_cell *cells)
{
    struct pending p = {.priority = 0, .body = MSGSTORE_BODY_UNKNOWN};
    int64_t flags = 0, priority = 0;
    if (!get_int(b, cells, F_MSG_FOLDER, &p.folder_id) ||
        !get_int(b, cells, F_MSG_STREAM, &p.stream_id)) {
        b->db->rows_skipped++;
        return;
    }
    if (get_int(b, cells, F_MSG_FLAGS, &flags)) {
        for (size_t i = 0; i < sizeof flag_bits / sizeof flag_bits[0]; i++)
            if ((uint32_t)flags & flag_bits[i].bit)
                p.state |= flag_bits[i].state;
        p.body = (uint32_t)flags & FLAG_BODY_DOWNLOADED ? MSGSTORE_BODY_DOWNLOADED
                                                        : MSGSTORE_BODY_HEADERS_ONLY;
    }
    if (get_int(b, cells, F_MSG_PRIORITY, &priority) && priority >= 0 && priority <= 9)
        p.priority = (int)priority;
    p.received = get_time(b, cells, F_MSG_RECEIVED);
    if (p.received == MODEL_TIME_UNKNOWN)
        p.received = get_time(b, cells, F_MSG_DOWNLOADED);
    b->pending = xgrow(b->pending, &b->pending_cap, b->npending + 1, sizeof *b->pending);
    b->pending[b->npending++] = p;
}

static void on_row(void *ctx, const struct esedb_table *t, long index,
                   const struct esedb_cell *cells)
{
    (void)t, (void)index;
    struct builder *b = ctx;
    if (b->current < 0 || !b->usable[b->current])
        return;
    switch ((enum table)b->current) {
    case T_FOLDERS: folder_row(b, cells); break;
    case T_STREAMS: stream_row(b, cells); break;
    case T_MESSAGES: message_row(b, cells); break;
    case T_COUNT: break;
    }
}

static void on_bad_row(void *ctx, const struct esedb_table *t, long index)
{
    (void)t, (void)index;
    struct builder *b = ctx;
    if (b->current == T_FOLDERS || b->current == T_MESSAGES)
        b->db->rows_skipped++;
}

static int stream_compare(const void *a, const void *b)
{
    int64_t x = ((const struct stream *)a)->id, y = ((const struct stream *)b)->id;
    return x < y ? -1 : x > y;
}

/* Checks what was read and joins messages with their streams and folders. 0, or -1 with err
 * when a table the index needs is missing or unusable. */
static int finish(struct builder *b, const char *path, struct error *err)
{
    struct msgstore *db = b->db;
    int rc = 0;
    for (int t = 0; t < T_COUNT && rc == 0; t++) {
        if (table_required[t] && !b->seen[t]) {
            error_set(err, "%s has no table %s", path, table_names[t]);
            rc = -1;
        } else if (b->seen[t] && !b->usable[t]) {
            error_set(err, "%s: table %s has no usable column %s", path, table_names[t],
                      b->missing[t]);
            rc = -1;
        }
    }
    if (rc == 0) {
        if (db->nfolders)
            qsort(db->folders, db->nfolders, sizeof *db->folders, folder_compare);
        if (b->nstreams)
            qsort(b->streams, b->nstreams, sizeof *b->streams, stream_compare);
        for (size_t i = 0; i < b->npending; i++) {
            const struct pending *p = &b->pending[i];
            struct stream key = {.id = p->stream_id};
            struct stream *s =
                b->nstreams ? bsearch(&key, b->streams, b->nstreams, sizeof key, stream_compare)
                            : NULL;
            if (!s || !s->path) {
                db->rows_skipped++;
                continue;
            }
            db->messages =
                xgrow(db->messages, &db->messages_cap, db->nmessages + 1, sizeof *db->messages);
            db->messages[db->nmessages++] = (struct msgstore_message){
                .folder_id = p->folder_id,
                .folder_exists = msgstore_folder_by_id(db, p->folder_id) != NULL,
                .state = p->state,
                .received = p->received,
                .priority = p->priority,
                .body = p->body,
                .path = s->path,
            };
            s->path = NULL; /* the message row owns it now */
        }
        build_hash(db);
    }
    for (size_t i = 0; i < b->nstreams; i++)
        free(b->streams[i].path);
    free(b->streams);
    free(b->pending);
    b->streams = NULL;
    b->pending = NULL;
    return rc;
}

const struct child_role msgstore_child_role = {"msgstore-rows", msgstore_dump_rows};

static const struct esedb_query query = {
    .tables = table_names, .column = want_column, .role = &msgstore_child_role};

static struct esedb_sink sink_for(struct builder *b)
{
    return (struct esedb_sink){.table = on_table, .row = on_row, .bad_row = on_bad_row, .ctx = b};
}

/* The index once the rows are in (rc: how reading them went), or NULL. */
static struct msgstore *finish_open(struct builder *b, int rc, const char *path,
                                    struct error *err)
{
    if (rc == 0)
        rc = finish(b, path, err);
    else
        finish(b, path, NULL);
    if (rc != 0) {
        msgstore_free(b->db);
        return NULL;
    }
    return b->db;
}

struct msgstore *msgstore_open(const char *path, struct error *err)
{
    struct plat_stat st;
    if (plat_lstat(path, &st) != 0 || st.type != PLAT_FILE) {
        error_set(err, "%s is not a regular file", path);
        return NULL;
    }
    struct msgstore *db = xcalloc(1, sizeof *db);
    {
        int fd = fs_open_read(path);
        unsigned char h[64];
        ssize_t n = fd >= 0 ? read(fd, h, sizeof h) : -1;
        if (fd >= 0)
            close(fd);
        db->shutdown = n > 0 ? msgstore_header_state(h, (size_t)n) : MSGSTORE_UNKNOWN;
    }
    struct builder b = {.db = db, .current = -1};
    struct esedb_sink sink = sink_for(&b);
    return finish_open(&b, esedb_read(path, &query, &sink, err), path, err);
}

struct msgstore *msgstore_from_rows(const void *rows, size_t len, size_t chunk,
                                    struct error *err)
{
    struct builder b = {.db = xcalloc(1, sizeof *b.db), .current = -1};
    struct esedb_sink sink = sink_for(&b);
    struct esedb_rows *d = esedb_rows_new(&sink);
    const char *p = rows;
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0;) {
        size_t n = chunk && chunk < len - off ? chunk : len - off;
        rc = esedb_rows_feed(d, p + off, n);
        off += n;
    }
    rc = esedb_rows_finish(d, err) == ESEDB_ROWS_END ? 0 : -1;
    esedb_rows_free(d);
    return finish_open(&b, rc, "the rows", err);
}

void msgstore_dump_rows(const char *path, int fd)
{
    esedb_dump(path, &query, fd);
}
