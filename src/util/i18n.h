/* i18n: the language of everything a person reads (messages, report.txt, report.html).
 *
 * GNU gettext with the text domain "wlmigrate". i18n_init() picks the language from the locale
 * (LC_ALL, LC_MESSAGES, LANG) or from `--lang` and finds the catalog: the build tree's
 * build/locale when the program runs from the tree it was built in, else the installed
 * PREFIX/share/locale. It works on machines where the chosen locale was never generated.
 *
 * Sentences that end up in report.json are formatted in English, for scripts, and in the chosen
 * language, for people. The formatting functions of the report, the writers' notes and
 * struct error call i18n_remember() with both; the renderings for people look the English
 * sentence up with i18n_sentence() (see doc/ARCHITECTURE.md, "Translation"). */
#ifndef WLMIGRATE_I18N_H
#define WLMIGRATE_I18N_H

#include <libintl.h>
#include <stdarg.h>

#include "util/platform.h"

#define _(s) gettext(s)
#define N_(s) (s)

/* Sets up the locale and the catalog. `lang` ("ja", "en", ...) overrides the environment; NULL
 * uses it. Call once, before anything is formatted. */
void i18n_init(const char *lang);

/* True when the chosen language is not English: only then are sentences translated. */
int i18n_active(void);

/* Records `local` as the translation of the already formatted English sentence `english`. */
void i18n_remember(const char *english, const char *local);

/* Formats `fmt` (an English msgid) with `ap` in the chosen language and remembers it as the
 * translation of `english` (the same format already applied to the same arguments). */
void i18n_remember_vformat(const char *english, const char *fmt, va_list ap)
    PLAT_PRINTF(2, 0);

/* The same, with `suffix` (already in the right language, like strerror's) after it. */
void i18n_remember_vformat_suffix(const char *english, const char *fmt, va_list ap,
                                  const char *suffix) PLAT_PRINTF(2, 0);

/* The sentence to show a person: the remembered translation of `english`, else its catalog
 * translation, else `english` itself. */
const char *i18n_sentence(const char *english);

#endif
