/* fuzz_msgstore_rows: libFuzzer harness for the parent's side of the database reader: the
 * decoder of the row format the child writes (formats/wlm/esedb_text.h) and the index msgstore
 * builds from the rows (schema mapping, NULL fills, times, names, paths, the join of messages
 * with streams and folders, the path hash).
 *
 * The first input byte is how the rest is cut before it is fed (0: at once, else pieces of that
 * many bytes), so that records split anywhere are decoded. Checked on every index built: each
 * message has a path that is valid UTF-8, relative, with '/' separators, found again by
 * msgstore_message (ASCII case ignored); each folder's name and path are valid UTF-8 and its
 * path finds a folder with that path; folder_exists is true exactly when a folder has the id;
 * priorities, bodies and times are in range. A NULL index comes with a message.
 *
 * Seeds (tests/fuzz/seeds-msgstore-rows) are what the child writes for real databases, made by
 * this harness itself:
 *   FUZZ_MSGSTORE_ROWS_DUMP=samples/wlm-store/Mail.MSMessageStore:OUT build-fuzz/fuzz_msgstore_rows
 * writes OUT (a 0 byte, then the rows) and exits.
 *
 * Build and run (from the repository root):
 *   make build-fuzz/fuzz_msgstore_rows
 *   build-fuzz/fuzz_msgstore_rows -max_total_time=600 build-fuzz/corpus-msgstore-rows \
 *     tests/fuzz/seeds-msgstore-rows */
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "model/model.h"
#include "util/error.h"
#include "util/utf8.h"
#include "wlm/msgstore.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, what)                                                                        \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            fprintf(stderr, "fuzz_msgstore_rows: %s (line %d)\n", what, __LINE__);               \
            abort();                                                                             \
        }                                                                                        \
    } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *dump = getenv("FUZZ_MSGSTORE_ROWS_DUMP");
    if (dump && *dump) {
        char db[4096];
        const char *colon = strrchr(dump, ':');
        if (!colon || (size_t)(colon - dump) >= sizeof db) {
            fprintf(stderr, "FUZZ_MSGSTORE_ROWS_DUMP=DATABASE:OUT\n");
            exit(2);
        }
        memcpy(db, dump, (size_t)(colon - dump));
        db[colon - dump] = '\0';
        int fd = open(colon + 1, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, "", 1) != 1) {
            perror(colon + 1);
            exit(2);
        }
        msgstore_dump_rows(db, fd);
        close(fd);
        exit(0);
    }
    return 0;
}

static bool has_folder(const struct msgstore *db, const char *path)
{
    const struct msgstore_folder *f = msgstore_folder_by_path(db, path);
    return f && f->path && strcasecmp(f->path, path) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t chunk = data[0];
    struct error err = {""};
    struct msgstore *db = msgstore_from_rows(data + 1, size - 1, chunk, &err);
    if (!db) {
        CHECK(err.msg[0], "no index and no message");
        return 0;
    }
    CHECK(msgstore_message_at(db, msgstore_message_count(db)) == NULL, "a row past the end");
    for (size_t i = 0; i < msgstore_message_count(db); i++) {
        struct msgstore_message *m = msgstore_message_at(db, i);
        CHECK(m && m->path, "a message without a path");
        size_t n = strlen(m->path);
        CHECK(n > 0 && utf8_valid(m->path, n), "a message path that is not UTF-8");
        CHECK(m->path[0] != '/' && !strchr(m->path, '\\'), "a path not relative with '/'");
        struct msgstore_message *again = msgstore_message(db, m->path);
        CHECK(again && strcasecmp(again->path, m->path) == 0, "a message path not found again");
        CHECK(m->priority >= 0 && m->priority <= 9, "a priority out of range");
        CHECK(m->body == MSGSTORE_BODY_UNKNOWN || m->body == MSGSTORE_BODY_DOWNLOADED ||
                  m->body == MSGSTORE_BODY_HEADERS_ONLY, "a body state out of range");
        CHECK(m->received == MODEL_TIME_UNKNOWN ||
                  (m->received > -(int64_t)12000000000 && m->received <= (int64_t)253402300799),
              "a received time out of range");
        CHECK((m->state & ~(uint32_t)(MODEL_MSG_READ | MODEL_MSG_REPLIED | MODEL_MSG_FORWARDED |
                                      MODEL_MSG_FLAGGED)) == 0, "unknown state bits");
        CHECK(!m->seen, "a row already seen");
    }
    /* folders: sorted by id, names and paths UTF-8, each path finds a folder with it */
    for (size_t i = 0; i < msgstore_folder_count(db); i++) {
        const struct msgstore_folder *f = msgstore_folder_at(db, i);
        CHECK(f, "a folder missing");
        CHECK(i == 0 || msgstore_folder_at(db, i - 1)->id <= f->id, "folders not sorted by id");
        CHECK(!f->name || (*f->name && utf8_valid(f->name, strlen(f->name))),
              "a folder name empty or not UTF-8");
        CHECK(!f->path || utf8_valid(f->path, strlen(f->path)), "a folder path not UTF-8");
        CHECK(!f->path || has_folder(db, f->path), "a folder not found by its path");
        CHECK(f->special >= MODEL_FOLDER_NORMAL && f->special <= MODEL_FOLDER_JUNK,
              "a special kind out of range");
    }
    /* folder_exists is true exactly when a folder has the id */
    for (size_t i = 0; i < msgstore_message_count(db); i++) {
        const struct msgstore_message *m = msgstore_message_at(db, i);
        bool found = false;
        for (size_t k = 0; k < msgstore_folder_count(db) && !found; k++)
            found = msgstore_folder_at(db, k)->id == m->folder_id;
        CHECK(found == m->folder_exists, "folder_exists wrong");
    }
    (void)msgstore_shutdown_state(db);
    (void)msgstore_rows_skipped(db);
    msgstore_free(db);
    return 0;
}
