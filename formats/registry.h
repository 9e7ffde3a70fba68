/* registry: the one place that names formats.
 *
 * The readers of stores, the targets of `convert --for` (each a writer, the options only it
 * takes, and the contact files it writes beside the mail) live here, so that the pipeline and
 * the CLI know formats only through these tables: adding a target is adding an entry. The CLI
 * hands a target's options to its entry as they come and never looks inside its settings.
 * The address books are read through the contact readers here (one per kind of file) and the
 * `contacts` command writes through the contact writers here, with the options they share.
 *
 * Ownership: the tables are static; settings_new()'s result is freed with settings_free(). */
#ifndef WLMIGRATE_REGISTRY_H
#define WLMIGRATE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "model/contact.h"
#include "pipeline/contacts.h"
#include "pipeline/reader.h"
#include "pipeline/writer.h"
#include "util/buf.h"
#include "util/child.h"
#include "util/error.h"

/* Finds the stores at or below `path` with each reader in turn; the first that finds any wins.
 * STATUS_OK with *reader, *found and *count set, else STATUS_STORE_BAD with `err`. */
enum status registry_locate(const char *path, const struct reader_ops **reader,
                            struct reader_location **found, size_t *count, struct error *err);

/* An option only one target takes (`--pst-max-size SIZE`). */
struct target_option {
    const char *name;   /* without the leading "--" */
    const char *arg;    /* the argument's name in usage ("SIZE"), NULL for a flag (value NULL) */
    const char *help;   /* usage lines after the option, each ending in "\n" */
};

struct target {
    const char *name;                   /* as given to --for */
    const struct writer_ops *writer;
    const struct target_option *options; /* ends with {NULL} */
    void *(*settings_new)(void);
    void (*settings_free)(void *settings);
    /* Takes one of its options: 0, or -1 with `err` (one sentence for a usage error). */
    int (*set_option)(void *settings, const char *name, const char *value, struct error *err);
    /* What its writer's open() gets as `settings`. */
    const void *(*writer_settings)(const void *settings);
    /* Writes the contact files a client imports beside its mail below `dir` (the result's
     * temporary directory): notes for the report go into `out`. 0, or -1 with `err`. */
    int (*contact_files)(const char *dir, const struct contact_list *contacts,
                         const void *settings, struct writer_outcome *out, struct error *err);
    /* NULL, or the result's own layout: when it returns a list, the result is those files and
     * folders (count in *nparts, paths below *dir) in *dir (a Thunderbird profile), instead of
     * the target's folder in OUT; NULL when the options ask for the usual result. *adds: the
     * parts go into an existing directory (else *dir must be empty). `container` is
     * --container's name. The list lives until the next call. */
    const char *const *(*result_parts)(const void *settings, const char *container,
                                       const char **dir, size_t *nparts, bool *adds);
    /* NULL, or a check of the result's own directory before anything is written there (an
     * existing profile must be closed; what an import adds must not be there unless `force`):
     * 0, or -1 with `err` (the run is refused). Call it after result_parts. */
    int (*check_result_dir)(const void *settings, bool force, struct error *err);
    /* What the technician does next with the result in `out` (the result's directory, where
     * report.txt is): sentences for a person, in the chosen language, appended to `said`. */
    void (*next_step)(const void *settings, const char *out, struct buf *said);
};

/* The target called `name`, or NULL. */
const struct target *registry_target(const char *name);
/* Every target's options in turn: *target and the option, or NULL after the last. */
const struct target_option *registry_target_option_at(size_t i, const struct target **target);
/* "thunderbird or outlook": every target's name, for messages. */
const char *registry_target_names(void);

/* The readers of address-book files, in the order their sniffers are tried; *count set. */
const struct contacts_reader *registry_contact_readers(size_t *count);

/* A writer of `wlmigrate contacts --to NAME`: one file of every contact in OUT. */
struct contact_writer {
    const char *name;      /* as given to --to */
    const char *file_name; /* what it writes in OUT: "contacts.vcf" */
    const char *help;      /* its line in usage, ending in "\n" */
    /* Appends the file's bytes to `out`, with what the command's options say in `settings`
     * (registry_contact_settings_new()); `path` is where they will go, named in the notes for
     * the report it adds to `notes`. 0, or -1 with `err`. */
    int (*write)(struct buf *out, const struct contact_list *contacts, const void *settings,
                 const char *path, struct writer_outcome *notes, struct error *err);
};

/* The contact writer called `name`, or NULL. */
const struct contact_writer *registry_contact_writer(const char *name);
/* Every contact writer in turn, NULL after the last. */
const struct contact_writer *registry_contact_writer_at(size_t i);
/* The options the contact writers share (`--vcard-version V`), ending with {NULL}. */
const struct target_option *registry_contact_options(void);
/* Their settings, with every option at its default; free() the result. */
void *registry_contact_settings_new(void);
/* Takes one of registry_contact_options(): 0, or -1 with `err` (one sentence for a usage
 * error) for a value it does not take. */
int registry_contact_set_option(void *settings, const char *name, const char *value,
                                struct error *err);

/* The work that a child process can be asked to run by name (NULL-terminated): the readers of
 * ESE databases, which util/child isolates (on Windows the program is started again with one
 * of these names, and cli_main serves it through child_serve). */
extern const struct child_role *const registry_child_roles[];

#endif
