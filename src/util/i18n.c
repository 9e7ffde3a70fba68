/* i18n: the locale, the catalog and the remembered translations of formatted sentences (see
 * i18n.h).
 *
 * Two things make gettext fragile on the machines technicians use, and both are handled here.
 * A locale such as ja_JP.UTF-8 is often named but never generated: setlocale() then fails and
 * gettext would stay in English, so the character type falls back to C.UTF-8 and the language is
 * passed in LANGUAGE, which gettext honours whenever LC_MESSAGES is not plain "C". And the
 * terminal's charset does not matter: the catalog is always delivered in UTF-8, the charset of
 * every other byte the program writes. */
#include "util/i18n.h"

#include <glib.h>
#include <locale.h>
#include <stdbool.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/platform.h"
#include "util/xalloc.h"

#define DOMAIN "wlmigrate"

/* Set by the Makefile for this file alone (see its i18n rule); the defaults serve builds that
 * do not go through it (the fuzz harnesses). */
#ifndef WLMIGRATE_LOCALEDIR
#define WLMIGRATE_LOCALEDIR "/usr/local/share/locale"
#endif
#ifndef WLMIGRATE_BUILD_PROGRAM
#define WLMIGRATE_BUILD_PROGRAM ""
#endif
#ifndef WLMIGRATE_BUILD_LOCALEDIR
#define WLMIGRATE_BUILD_LOCALEDIR ""
#endif

static bool active;

/* The remembered sentences: English -> chosen language, a chained hash table. */
struct remembered {
    char *english, *local;
    struct remembered *next;
};
static struct remembered **table;
static size_t table_size, table_count;
/* The Outlook writer's thread may format a sentence (a write error) while the pipeline's does. */
G_LOCK_DEFINE_STATIC(table);
/* A run that meets millions of distinct sentences keeps the first ones; the rest show in English. */
#define REMEMBER_MAX 1000000

static size_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

/* The catalog of the tree this program was built in, when it runs from there; else the
 * installed one (on Windows, the `locale` folder beside the program). */
static char *catalog_dir(void)
{
    char *self = plat_self_exe();
    bool in_tree = self && WLMIGRATE_BUILD_PROGRAM[0] && strcmp(self, WLMIGRATE_BUILD_PROGRAM) == 0;
    free(self);
    return in_tree ? xstrdup(WLMIGRATE_BUILD_LOCALEDIR) : plat_locale_dir(WLMIGRATE_LOCALEDIR);
}

/* The language part of a locale name: "ja" of "ja_JP.UTF-8". */
static void language_of(const char *locale, char *out, size_t size)
{
    size_t n = strcspn(locale, "_.@");
    if (n >= size)
        n = size - 1;
    memcpy(out, locale, n);
    out[n] = '\0';
}

/* The locale the environment names (LC_ALL, LC_MESSAGES, LANG), or ""; the caller frees it. */
static char *wanted_locale(void)
{
    const char *names[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *v = plat_getenv(names[i]);
        if (v && *v)
            return v;
        free(v);
    }
    return xstrdup("");
}

void i18n_init(const char *lang)
{
    /* Only the character type and the messages follow the locale: numbers in report.json and
     * the dates the writers format stay those of the C locale. */
    bool ctype_ok = setlocale(LC_CTYPE, "") != NULL;
    /* setlocale's answer lives only until its next call: keep a copy */
    const char *got = setlocale(LC_MESSAGES, "");
    char messages_name[64];
    snprintf(messages_name, sizeof messages_name, "%s", got ? got : "");
    const char *messages = got ? messages_name : NULL;
    if (!ctype_ok)
        setlocale(LC_CTYPE, "C.UTF-8");
    char language[32] = "";
    if (lang) {
        snprintf(language, sizeof language, "%s", lang);
    } else if (!messages) { /* named but not generated on this machine */
        char *wanted = wanted_locale();
        language_of(wanted, language, sizeof language);
        free(wanted);
    }
    if (language[0] && strcmp(language, "C") != 0 && strcmp(language, "POSIX") != 0) {
        if (!messages || strcmp(messages, "C") == 0 || strcmp(messages, "POSIX") == 0)
            setlocale(LC_MESSAGES, "C.UTF-8");
        char *current = plat_getenv("LANGUAGE");
        if (lang || !current || !*current)
            plat_setenv("LANGUAGE", language);
        free(current);
    }
    char *dir = catalog_dir();
    plat_bind_catalog(DOMAIN, dir);
    free(dir);
    bind_textdomain_codeset(DOMAIN, "UTF-8");
    textdomain(DOMAIN);
    /* A loaded catalog translates the empty string into its header. */
    static const char header[] = "";
    active = gettext(header)[0] != '\0';
}

int i18n_active(void) { return active; }

static void remember_locked(const char *english, const char *local)
{
    if (table_count >= REMEMBER_MAX)
        return;
    if (table_count >= table_size) {
        size_t size = table_size ? table_size * 2 : 256;
        struct remembered **grown = xcalloc(size, sizeof *grown);
        for (size_t i = 0; i < table_size; i++)
            for (struct remembered *e = table[i], *next; e; e = next) {
                next = e->next;
                e->next = grown[hash(e->english) % size];
                grown[hash(e->english) % size] = e;
            }
        free(table);
        table = grown;
        table_size = size;
    }
    size_t slot = hash(english) % table_size;
    for (struct remembered *e = table[slot]; e; e = e->next)
        if (strcmp(e->english, english) == 0)
            return;
    struct remembered *e = xmalloc(sizeof *e);
    *e = (struct remembered){xstrdup(english), xstrdup(local), table[slot]};
    table[slot] = e;
    table_count++;
}

void i18n_remember(const char *english, const char *local)
{
    if (!active || strcmp(english, local) == 0)
        return;
    G_LOCK(table);
    remember_locked(english, local);
    G_UNLOCK(table);
}

/* The arguments of one sentence, taken from the va_list by the types its English format gives. */
#define MAX_ARGS 32
/* How an argument is passed: what va_arg must take it as. */
enum arg_type { ARG_INT, ARG_LONG, ARG_LONG_LONG, ARG_STRING, ARG_POINTER, ARG_OTHER };
struct sentence_args {
    enum arg_type types[MAX_ARGS];
    union {
        long long i;
        const char *s;
        const void *p;
    } v[MAX_ARGS];
    size_t n;
};

/* The integer type of `size` bytes, as va_arg takes it. */
static enum arg_type int_of_size(size_t size)
{
    return size == sizeof(int) ? ARG_INT : size == sizeof(long) ? ARG_LONG : ARG_LONG_LONG;
}

/* The types of the arguments an English format takes, in order ('*' widths too); false for
 * one that this cannot carry (floating point, %n, positions, more than MAX_ARGS). */
static bool arg_types(const char *fmt, struct sentence_args *a)
{
    a->n = 0;
    for (const char *p = strchr(fmt, '%'); p; p = strchr(p, '%')) {
        p++;
        if (*p == '%') {
            p++;
            continue;
        }
        p += strspn(p, "-+ #0'");
        for (int part = 0; part < 2; part++) { /* the width, then the precision */
            if (part == 1 && *p != '.')
                break;
            if (part == 1)
                p++;
            if (*p == '*') {
                if (a->n >= MAX_ARGS)
                    return false;
                a->types[a->n++] = ARG_INT;
                p++;
            } else {
                size_t digits = strspn(p, "0123456789");
                if (p[digits] == '$')
                    return false;
                p += digits;
            }
        }
        enum arg_type integer = ARG_INT;
        if (p[0] == 'h') {
            p += p[1] == 'h' ? 2 : 1;
        } else if (p[0] == 'l' && p[1] == 'l') {
            integer = ARG_LONG_LONG;
            p += 2;
        } else if (p[0] == 'l') {
            integer = ARG_LONG;
            p++;
        } else if (p[0] == 'q' || p[0] == 'j') {
            integer = p[0] == 'q' ? ARG_LONG_LONG : int_of_size(sizeof(intmax_t));
            p++;
        } else if (p[0] == 'z' || p[0] == 't') {
            integer = int_of_size(p[0] == 'z' ? sizeof(size_t) : sizeof(ptrdiff_t));
            p++;
        } else if (p[0] == 'L') {
            integer = ARG_OTHER;
            p++;
        }
        enum arg_type t = ARG_OTHER;
        if (*p && strchr("diouxXc", *p))
            t = integer;
        else if (*p == 's' && integer == ARG_INT && p[-1] != 'h')
            t = ARG_STRING;
        else if (*p == 'p')
            t = ARG_POINTER;
        if (t == ARG_OTHER || a->n >= MAX_ARGS)
            return false;
        a->types[a->n++] = t;
        p++;
    }
    return true;
}

/* False for a format whose arguments this cannot carry (floating point, too many). */
static bool take_args(const char *fmt, va_list ap, struct sentence_args *a)
{
    if (!arg_types(fmt, a))
        return false;
    for (size_t i = 0; i < a->n; i++) {
        switch (a->types[i]) {
        case ARG_INT: a->v[i].i = va_arg(ap, int); break;
        case ARG_LONG: a->v[i].i = va_arg(ap, long); break;
        case ARG_LONG_LONG: a->v[i].i = va_arg(ap, long long); break;
        case ARG_STRING: a->v[i].s = va_arg(ap, const char *); break;
        case ARG_POINTER: a->v[i].p = va_arg(ap, const void *); break;
        case ARG_OTHER: return false;
        }
    }
    return true;
}

/* One conversion of `spec` (without its n$) with argument `k` (and `star`, a '*' width or
 * precision, when >= 0), each passed as the type it was given as. */
static void put_one(struct buf *out, const char *spec, const struct sentence_args *a, size_t k,
                    long long star)
{
    enum arg_type t = a->types[k];
    bool has_star = star != LLONG_MIN;
    switch (t) {
    case ARG_STRING: {
        /* An English piece passed in (a reason, a sentence made elsewhere) is translated too. */
        const char *s = a->v[k].s ? i18n_sentence(a->v[k].s) : NULL;
        if (has_star)
            buf_printf(out, spec, (int)star, s);
        else
            buf_printf(out, spec, s);
        break;
    }
    case ARG_POINTER: buf_printf(out, spec, a->v[k].p); break;
    case ARG_LONG_LONG: buf_printf(out, spec, a->v[k].i); break;
    case ARG_LONG: buf_printf(out, spec, (long)a->v[k].i); break;
    case ARG_INT:
    case ARG_OTHER: buf_printf(out, spec, (int)a->v[k].i); break;
    }
}

/* `translated` (which msgfmt --check made take the same arguments as the English format, maybe
 * by position: %2$s) with the taken arguments. False when it uses what this does not handle
 * (a positional '*'). */
static bool format_translated(struct buf *out, const char *translated,
                              const struct sentence_args *a)
{
    size_t next = 0;
    for (const char *p = translated; *p;) {
        const char *pct = strchr(p, '%');
        if (!pct) {
            buf_puts(out, p);
            break;
        }
        buf_append(out, p, (size_t)(pct - p));
        if (pct[1] == '%') {
            buf_putc(out, '%');
            p = pct + 2;
            continue;
        }
        /* %[n$][flags][width|*][.precision|.*][length]conversion */
        const char *q = pct + 1;
        size_t k = next;
        size_t digits = strspn(q, "0123456789");
        if (digits && q[digits] == '$') {
            k = (size_t)atoi(q) - 1;
            q += digits + 1;
        }
        char spec[32] = "%";
        size_t len = 1;
        long long star = LLONG_MIN;
        for (; *q && strchr("-+ #0123456789.*hlLqjzt", *q); q++) {
            if (*q == '*') {
                if (k != next || star != LLONG_MIN || next + 1 >= a->n)
                    return false;
                star = a->v[next++].i;
                k = next;
            }
            if (len + 2 >= sizeof spec)
                return false;
            spec[len++] = *q;
        }
        if (!*q || k >= a->n || len + 2 >= sizeof spec)
            return false;
        spec[len++] = *q++;
        spec[len] = '\0';
        put_one(out, spec, a, k, star);
        next = k + 1;
        p = q;
    }
    return true;
}

void i18n_remember_vformat(const char *english, const char *fmt, va_list ap)
{
    i18n_remember_vformat_suffix(english, fmt, ap, "");
}

void i18n_remember_vformat_suffix(const char *english, const char *fmt, va_list ap,
                                  const char *suffix)
{
    if (!active)
        return;
    const char *translated = gettext(fmt);
    struct sentence_args args;
    va_list copy;
    va_copy(copy, ap);
    bool taken = take_args(fmt, copy, &args);
    va_end(copy);
    struct buf local = BUF_INIT;
    if (!taken || !format_translated(&local, translated, &args)) {
        buf_reset(&local);
        buf_vprintf(&local, translated, ap);
    }
    buf_puts(&local, suffix);
    i18n_remember(english, buf_str(&local));
    buf_free(&local);
}

const char *i18n_sentence(const char *english)
{
    if (!active || !english || !*english)
        return english; /* gettext("") is the catalog's header */
    const char *local = NULL;
    G_LOCK(table);
    if (table_size)
        for (struct remembered *e = table[hash(english) % table_size]; e && !local; e = e->next)
            if (strcmp(e->english, english) == 0)
                local = e->local; /* never freed, so it may be used unlocked */
    G_UNLOCK(table);
    return local ? local : gettext(english);
}
