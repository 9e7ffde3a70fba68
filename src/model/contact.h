/* contact: the address-book model shared by every contact reader and writer.
 *
 * A WLM user's address book reaches us as vCards (2.1/3.0/4.0), CSV exports in several
 * languages and encodings, Windows Contacts .contact XML files and the contacts.edb database;
 * it leaves as vCard 4.0/3.0 (Thunderbird), vCard 2.1 and CSV (Outlook). Every reader fills
 * this one plain structure and every writer reads it, so no format knows another.
 *
 * All text is UTF-8 (readers decode; writers encode). A field that is absent is NULL (never
 * ""): contact_set() turns an empty or all-space value into NULL. Lists (e-mail, phones, URLs,
 * instant messaging, postal addresses, categories) keep the order of the source. Dates
 * (birthday, anniversary) are "YYYY-MM-DD", "--MM-DD" or, when they could not be understood,
 * the source text as it was.
 *
 * Ownership: a contact owns every string and list in it; a contact_list owns its contacts.
 * contact_free() and contact_list_free() accept NULL. */
#ifndef WLMIGRATE_CONTACT_H
#define WLMIGRATE_CONTACT_H

#include <stdbool.h>
#include <stddef.h>

/* Type flags of a typed value (e-mail, phone, URL, address, IM). */
enum {
    CONTACT_HOME = 1u << 0,
    CONTACT_WORK = 1u << 1,
    CONTACT_OTHER = 1u << 2,
    CONTACT_CELL = 1u << 3,
    CONTACT_FAX = 1u << 4,
    CONTACT_PAGER = 1u << 5,
    CONTACT_VOICE = 1u << 6,
    CONTACT_CAR = 1u << 7,
    CONTACT_PREF = 1u << 8, /* the preferred one of its kind */
    CONTACT_TEXT = 1u << 9,
    CONTACT_VIDEO = 1u << 10,
    CONTACT_MAIN = 1u << 11, /* company main number */
};

/* An e-mail address, phone number, URL or instant-messaging address. */
struct contact_value {
    char *value;
    unsigned types;  /* CONTACT_* flags */
    char *label;     /* a free-text label (Apple's X-ABLabel, an IM service name), or NULL */
};

/* A postal address; every part may be NULL. */
struct contact_address {
    unsigned types;
    char *pobox, *extended, *street, *city, *region, *postal_code, *country;
};

struct contact {
    /* names */
    char *display;       /* FN / "Name" / display name */
    char *given, *family, *middle, *prefix, *suffix, *nickname;
    char *given_yomi, *family_yomi, *middle_yomi; /* phonetic readings (Japanese 読み) */
    char *company_yomi;
    /* organisation */
    char *company, *department, *title, *role, *office;
    /* dates and text */
    char *birthday, *anniversary;
    char *notes;
    char *spouse, *manager, *assistant;
    /* typed lists */
    struct contact_value *emails;
    size_t n_emails;
    struct contact_value *phones;
    size_t n_phones;
    struct contact_value *urls;
    size_t n_urls;
    struct contact_value *ims;
    size_t n_ims;
    struct contact_address *addresses;
    size_t n_addresses;
    char **categories; /* categories and groups */
    size_t n_categories;
    /* photo: bytes with a media type, or an external URI */
    unsigned char *photo;
    size_t photo_len;
    char *photo_type; /* "image/jpeg" ... or NULL when unknown */
    char *photo_uri;
    /* where it came from, for the report: "contacts.vcf card 3", "export.csv row 7" */
    char *origin;
    /* source fields no model field holds (unknown vCard properties, CSV columns): the names,
     * for the report ("X-FOO, X-BAR"), or NULL */
    char *dropped;
};

struct contact *contact_new(void);
void contact_free(struct contact *c);

/* Replaces the string field `*field` with a trimmed copy of `len` bytes of `value` (NULL when
 * empty after trimming spaces, tabs and line ends at both ends). */
void contact_setn(char **field, const char *value, size_t len);
void contact_set(char **field, const char *value);
/* Appends `value` (trimmed; ignored when empty) to `*field`, separated by `sep` when it already
 * holds text. */
void contact_append(char **field, const char *value, const char *sep);

/* Adds a typed value to one of the lists; empty values are ignored (NULL returned). The
 * returned pointer is valid until the next add to the same list. */
struct contact_value *contact_add_email(struct contact *c, const char *value, unsigned types);
struct contact_value *contact_add_phone(struct contact *c, const char *value, unsigned types);
struct contact_value *contact_add_url(struct contact *c, const char *value, unsigned types);
struct contact_value *contact_add_im(struct contact *c, const char *value, const char *service);
/* A new, empty address with `types`; drop it with contact_drop_empty_address() if nothing was
 * put into it. */
struct contact_address *contact_add_address(struct contact *c, unsigned types);
void contact_drop_empty_address(struct contact *c);
void contact_add_category(struct contact *c, const char *name);
/* Takes ownership of `bytes` (malloc'd) and copies `type`. */
void contact_set_photo(struct contact *c, unsigned char *bytes, size_t len, const char *type);
/* Records the name of a source field that was not carried over (for the report); once the list
 * holds about 2000 bytes, further names are summed up as one "...". */
void contact_note_dropped(struct contact *c, const char *name);

/* Normalises a date written as YYYYMMDD, YYYY-MM-DD, YYYY/MM/DD, YYYY-MM-DDThh..., --MMDD,
 * --MM-DD or M/D/YYYY (Outlook CSV) into "YYYY-MM-DD" / "--MM-DD"; NULL when it is none of
 * these (the caller keeps the text). "0/0/00" and "1604-01-01" (Outlook's "none") give "". */
char *contact_date_normalize(const char *text);

/* True when the contact carries nothing a person would miss: no name of any kind, no
 * e-mail, phone, address, URL, IM, company, notes or photo. Such contacts are skipped (and
 * reported) by readers. */
bool contact_is_empty(const struct contact *c);
/* The name to show for the contact: display, else names joined (family first when the given
 * or family name is Japanese/CJK), else nickname, company, first e-mail, first phone, else
 * "(no name)". Returns a string the caller owns. */
char *contact_best_name(const struct contact *c);
/* Number of populated fields (each list element counts once, each address once): a measure
 * used by the tests to check that nothing was lost between formats. */
size_t contact_field_count(const struct contact *c);

/* A growable list of contacts. */
struct contact_list {
    struct contact **items;
    size_t count, cap;
};
#define CONTACT_LIST_INIT {NULL, 0, 0}
/* Takes ownership of `c`. */
void contact_list_add(struct contact_list *l, struct contact *c);
/* Frees the contacts and the array; the list itself is left empty (it is usually a value). */
void contact_list_clear(struct contact_list *l);

#endif
