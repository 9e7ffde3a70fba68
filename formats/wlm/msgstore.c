/* msgstore: reading Mail.MSMessageStore with libesedb (see msgstore.h). */
#include "msgstore.h"

#include <libesedb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "esedb_text.h"
#include "util/fsutil.h"
#include "model/model.h"
#include "util/xalloc.h"

/* ---- every assumption about the schema ------------------------------------------------------
 * Names from doc/WLM-STORE.md ("Mail.MSMessageStore") (Outlook Express lineage). Integer columns accept any integer type
 * libesedb reports; text columns accept Text and Long Text. A missing optional column only
 * loses what it holds; a missing required one makes the table unusable. */

enum field {
    F_FOLDER_ID, F_FOLDER_PARENT, F_FOLDER_NAMEW, F_FOLDER_NAME, F_FOLDER_PATH, F_FOLDER_SPECIAL,
    F_MSG_FOLDER, F_MSG_STREAM, F_MSG_DATE, F_MSG_RECEIVED, F_MSG_FLAGS, F_MSG_PRIORITY,
    F_STREAM_ID, F_STREAM_PATH,
    F_COUNT
};

enum field_kind { KIND_INT, KIND_TEXT, KIND_TIME };

enum table { T_FOLDERS, T_MESSAGES, T_STREAMS, T_COUNT };

static const char *const table_names[T_COUNT] = {"Folders", "Messages", "Streams"};

static const struct {
    enum table table;
    const char *column;
    enum field_kind kind;
    bool required;
} schema[F_COUNT] = {
    [F_FOLDER_ID] = {T_FOLDERS, "FLDCOL_ID", KIND_INT, true},
    [F_FOLDER_PARENT] = {T_FOLDERS, "FLDCOL_PARENT", KIND_INT, false},
    [F_FOLDER_NAMEW] = {T_FOLDERS, "FLDCOL_NAMEW", KIND_TEXT, false},
    [F_FOLDER_NAME] = {T_FOLDERS, "FLDCOL_NAME", KIND_TEXT, false},
    [F_FOLDER_PATH] = {T_FOLDERS, "FLDCOL_PATH", KIND_TEXT, false},
    [F_FOLDER_SPECIAL] = {T_FOLDERS, "FLDCOL_SPECIAL", KIND_INT, false},
    [F_MSG_FOLDER] = {T_MESSAGES, "MSGCOL_FOLDERID", KIND_INT, true},
    [F_MSG_STREAM] = {T_MESSAGES, "MSGCOL_STREAM", KIND_INT, true},
    [F_MSG_DATE] = {T_MESSAGES, "MSGCOL_DATE", KIND_TIME, false},
    [F_MSG_RECEIVED] = {T_MESSAGES, "MSGCOL_RECEIVEDDATE", KIND_TIME, false},
    [F_MSG_FLAGS] = {T_MESSAGES, "MSGCOL_FLAGS", KIND_INT, false},
    [F_MSG_PRIORITY] = {T_MESSAGES, "MSGCOL_PRIORITY", KIND_INT, false},
    [F_STREAM_ID] = {T_STREAMS, "Id", KIND_INT, true},
    [F_STREAM_PATH] = {T_STREAMS, "Path", KIND_TEXT, true},
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

/* Stored paths may be absolute; these directory names end the part to cut. */
static const char *const store_dir_names[] = {"\\Windows Live Mail\\", "\\Windows Mail\\"};

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
    char *rel = xstrdup(start);
    for (char *p = rel; *p; p++)
        if (*p == '\\')
            *p = '/';
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

void msgstore_free(struct msgstore *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->nfolders; i++) {
        free(db->folders[i].name);
        free(db->folders[i].path);
    }
    free(db->folders);
    for (size_t i = 0; i < db->nmessages; i++)
        free((char *)db->messages[i].path);
    free(db->messages);
    free(db->slots);
    free(db);
}

/* ---- reading with libesedb ------------------------------------------------------------------ */

struct table_reader {
    libesedb_table_t *table;
    int column_of[F_COUNT]; /* value entry index of each field of this table, or -1 */
};

static void set_esedb_error(struct error *err, libesedb_error_t **e, const char *what,
                            const char *path)
{
    char detail[512] = "";
    if (e && *e) {
        libesedb_error_sprint(*e, detail, sizeof detail);
        libesedb_error_free(e);
        char *nl = strchr(detail, '\n');
        if (nl)
            *nl = '\0';
    }
    error_set(err, "%s %s%s%s", what, path, detail[0] ? ": " : "", detail);
}

static bool type_fits(enum field_kind kind, int type)
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

/* Finds the table and maps its columns by name, checking types. */
static int open_table(libesedb_file_t *file, enum table t, struct table_reader *tr,
                      const char *path, struct error *err)
{
    libesedb_error_t *e = NULL;
    for (int f = 0; f < F_COUNT; f++)
        tr->column_of[f] = -1;
    tr->table = NULL;
    const char *name = table_names[t];
    if (libesedb_file_get_table_by_utf8_name(file, (const uint8_t *)name, strlen(name),
                                             &tr->table, &e) != 1) {
        if (e)
            libesedb_error_free(&e);
        error_set(err, "%s has no table %s", path, name);
        return -1;
    }
    int ncolumns = 0;
    if (libesedb_table_get_number_of_columns(tr->table, &ncolumns, 0, &e) != 1) {
        set_esedb_error(err, &e, "cannot read the columns of", path);
        return -1;
    }
    for (int c = 0; c < ncolumns; c++) {
        libesedb_column_t *col = NULL;
        if (libesedb_table_get_column(tr->table, c, &col, 0, &e) != 1) {
            libesedb_error_free(&e);
            continue;
        }
        uint8_t cname[256];
        uint32_t type = 0;
        if (libesedb_column_get_utf8_name(col, cname, sizeof cname, &e) == 1 &&
            libesedb_column_get_type(col, &type, &e) == 1) {
            for (int f = 0; f < F_COUNT; f++)
                if (schema[f].table == t && strcmp((char *)cname, schema[f].column) == 0 &&
                    type_fits(schema[f].kind, (int)type))
                    tr->column_of[f] = c;
        }
        if (e)
            libesedb_error_free(&e);
        libesedb_column_free(&col, NULL);
    }
    for (int f = 0; f < F_COUNT; f++)
        if (schema[f].table == t && schema[f].required && tr->column_of[f] < 0) {
            error_set(err, "%s: table %s has no usable column %s", path, name, schema[f].column);
            return -1;
        }
    return 0;
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

/* An integer field of a record; false when absent or NULL. */
static bool get_int(libesedb_record_t *rec, const struct table_reader *tr, enum field f,
                    int64_t *out)
{
    int entry = tr->column_of[f];
    if (entry < 0)
        return false;
    libesedb_error_t *e = NULL;
    uint32_t type = 0;
    if (libesedb_record_get_column_type(rec, entry, &type, &e) != 1) {
        libesedb_error_free(&e);
        return false;
    }
    int rc = 0;
    switch (type) {
    case LIBESEDB_COLUMN_TYPE_BOOLEAN:
    case LIBESEDB_COLUMN_TYPE_INTEGER_8BIT_UNSIGNED: {
        uint8_t v;
        rc = libesedb_record_get_value_8bit(rec, entry, &v, &e);
        *out = v;
        break;
    }
    case LIBESEDB_COLUMN_TYPE_INTEGER_16BIT_SIGNED:
    case LIBESEDB_COLUMN_TYPE_INTEGER_16BIT_UNSIGNED: {
        uint16_t v;
        rc = libesedb_record_get_value_16bit(rec, entry, &v, &e);
        *out = type == LIBESEDB_COLUMN_TYPE_INTEGER_16BIT_SIGNED ? (int64_t)(int16_t)v : (int64_t)v;
        break;
    }
    case LIBESEDB_COLUMN_TYPE_INTEGER_32BIT_SIGNED:
    case LIBESEDB_COLUMN_TYPE_INTEGER_32BIT_UNSIGNED: {
        uint32_t v;
        rc = libesedb_record_get_value_32bit(rec, entry, &v, &e);
        *out = type == LIBESEDB_COLUMN_TYPE_INTEGER_32BIT_SIGNED ? (int64_t)(int32_t)v : (int64_t)v;
        break;
    }
    case LIBESEDB_COLUMN_TYPE_CURRENCY:
    case LIBESEDB_COLUMN_TYPE_INTEGER_64BIT_SIGNED:
    case LIBESEDB_COLUMN_TYPE_DATE_TIME: {
        uint64_t v;
        rc = libesedb_record_get_value_64bit(rec, entry, &v, &e);
        *out = (int64_t)v;
        break;
    }
    default:
        rc = 0;
    }
    if (e)
        libesedb_error_free(&e);
    return rc == 1 && !is_null_fill(*out, type);
}

/* A time field as Unix time: FILETIME in an integer column, OLE date in a DateTime column. */
static int64_t get_time(libesedb_record_t *rec, const struct table_reader *tr, enum field f)
{
    int64_t raw;
    if (!get_int(rec, tr, f, &raw) || raw == 0)
        return MODEL_TIME_UNKNOWN;
    uint32_t type = 0;
    libesedb_error_t *e = NULL;
    libesedb_record_get_column_type(rec, tr->column_of[f], &type, &e);
    if (e)
        libesedb_error_free(&e);
    if (type == LIBESEDB_COLUMN_TYPE_DATE_TIME) {
        double days;
        memcpy(&days, &raw, sizeof days);
        if (!(days > 0 && days < 2958466)) /* up to the year 9999 */
            return MODEL_TIME_UNKNOWN;
        return (int64_t)((days - OLE_DATE_UNIX_EPOCH_DAYS) * 86400.0);
    }
    if (raw < (int64_t)(MODEL_FILETIME_UNIX_EPOCH / 2))
        return MODEL_TIME_UNKNOWN;
    return model_time_from_filetime((uint64_t)raw);
}

/* A text field as UTF-8; NULL when absent, NULL or empty. */
static char *get_text(libesedb_record_t *rec, const struct table_reader *tr, enum field f)
{
    return tr->column_of[f] < 0 ? NULL : esedb_text(rec, tr->column_of[f]);
}

/* Calls `row` for each record of the table; records that cannot be read are counted. */
static size_t each_record(struct table_reader *tr, void (*row)(void *ctx, libesedb_record_t *r,
                                                                const struct table_reader *tr),
                          void *ctx)
{
    libesedb_error_t *e = NULL;
    int n = 0;
    size_t bad = 0;
    if (libesedb_table_get_number_of_records(tr->table, &n, &e) != 1) {
        libesedb_error_free(&e);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        libesedb_record_t *rec = NULL;
        if (libesedb_table_get_record(tr->table, i, &rec, &e) != 1) {
            libesedb_error_free(&e);
            bad++;
            continue;
        }
        row(ctx, rec, tr);
        libesedb_record_free(&rec, NULL);
    }
    return bad;
}

static void folder_row(void *ctx, libesedb_record_t *rec, const struct table_reader *tr)
{
    struct msgstore *db = ctx;
    int64_t id, parent = -1, special = 0;
    if (!get_int(rec, tr, F_FOLDER_ID, &id)) {
        db->rows_skipped++;
        return;
    }
    get_int(rec, tr, F_FOLDER_PARENT, &parent);
    get_int(rec, tr, F_FOLDER_SPECIAL, &special);
    char *name = get_text(rec, tr, F_FOLDER_NAMEW);
    if (!name)
        name = get_text(rec, tr, F_FOLDER_NAME);
    char *stored = get_text(rec, tr, F_FOLDER_PATH);
    char *path = msgstore_relative_path(stored);
    free(stored);
    if (path) {
        size_t n = strlen(path);
        while (n > 0 && path[n - 1] == '/')
            path[--n] = '\0';
    }
    db->folders = xgrow(db->folders, &db->folders_cap, db->nfolders + 1, sizeof *db->folders);
    db->folders[db->nfolders++] = (struct msgstore_folder){
        .id = id, .parent = parent, .name = name, .path = path, .special = (int)special};
}

static void stream_row(void *ctx, libesedb_record_t *rec, const struct table_reader *tr)
{
    struct {
        struct stream *items;
        size_t count, cap;
    } *streams = ctx;
    int64_t id;
    if (!get_int(rec, tr, F_STREAM_ID, &id))
        return;
    char *stored = get_text(rec, tr, F_STREAM_PATH);
    char *path = msgstore_relative_path(stored);
    free(stored);
    if (!path)
        return;
    streams->items = xgrow(streams->items, &streams->cap, streams->count + 1,
                           sizeof *streams->items);
    streams->items[streams->count++] = (struct stream){id, path};
}

static int stream_compare(const void *a, const void *b)
{
    int64_t x = ((const struct stream *)a)->id, y = ((const struct stream *)b)->id;
    return x < y ? -1 : x > y;
}

struct message_ctx {
    struct msgstore *db;
    struct stream *streams;
    size_t nstreams;
};

static void message_row(void *ctx, libesedb_record_t *rec, const struct table_reader *tr)
{
    struct message_ctx *mc = ctx;
    struct msgstore *db = mc->db;
    int64_t folder, stream_id, flags = 0, priority = 0;
    if (!get_int(rec, tr, F_MSG_FOLDER, &folder) || !get_int(rec, tr, F_MSG_STREAM, &stream_id)) {
        db->rows_skipped++;
        return;
    }
    struct stream key = {.id = stream_id};
    struct stream *s = bsearch(&key, mc->streams, mc->nstreams, sizeof key, stream_compare);
    if (!s || !s->path) {
        db->rows_skipped++;
        return;
    }
    uint32_t state = 0;
    if (get_int(rec, tr, F_MSG_FLAGS, &flags))
        for (size_t i = 0; i < sizeof flag_bits / sizeof flag_bits[0]; i++)
            if ((uint32_t)flags & flag_bits[i].bit)
                state |= flag_bits[i].state;
    get_int(rec, tr, F_MSG_PRIORITY, &priority);
    int64_t received = get_time(rec, tr, F_MSG_RECEIVED);
    if (received == MODEL_TIME_UNKNOWN)
        received = get_time(rec, tr, F_MSG_DATE);
    db->messages = xgrow(db->messages, &db->messages_cap, db->nmessages + 1, sizeof *db->messages);
    db->messages[db->nmessages++] = (struct msgstore_message){
        .folder_id = folder,
        .folder_exists = msgstore_folder_by_id(db, folder) != NULL,
        .state = state,
        .received = received,
        .priority = (int)priority,
        .path = s->path,
    };
    s->path = NULL; /* the message row owns it now */
}

struct msgstore *msgstore_open(const char *path, struct error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
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

    libesedb_file_t *file = NULL;
    libesedb_error_t *e = NULL;
    if (libesedb_file_initialize(&file, &e) != 1 ||
        libesedb_file_open(file, path, LIBESEDB_OPEN_READ, &e) != 1) {
        set_esedb_error(err, &e, "cannot open the database", path);
        libesedb_file_free(&file, NULL);
        free(db);
        return NULL;
    }
    struct table_reader tr[T_COUNT] = {0};
    int rc = 0;
    for (int t = 0; t < T_COUNT && rc == 0; t++)
        rc = open_table(file, (enum table)t, &tr[t], path, err);
    if (rc == 0) {
        struct {
            struct stream *items;
            size_t count, cap;
        } streams = {0};
        db->rows_skipped += each_record(&tr[T_FOLDERS], folder_row, db);
        if (db->nfolders)
            qsort(db->folders, db->nfolders, sizeof *db->folders, folder_compare);
        db->rows_skipped += each_record(&tr[T_STREAMS], stream_row, &streams);
        if (streams.count)
            qsort(streams.items, streams.count, sizeof *streams.items, stream_compare);
        struct message_ctx mc = {db, streams.items, streams.count};
        db->rows_skipped += each_record(&tr[T_MESSAGES], message_row, &mc);
        for (size_t i = 0; i < streams.count; i++)
            free(streams.items[i].path);
        free(streams.items);
        build_hash(db);
    }
    for (int t = 0; t < T_COUNT; t++)
        if (tr[t].table)
            libesedb_table_free(&tr[t].table, NULL);
    libesedb_file_close(file, NULL);
    libesedb_file_free(&file, NULL);
    if (rc != 0) {
        msgstore_free(db);
        return NULL;
    }
    return db;
}
