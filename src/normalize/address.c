/* address: RFC 5322 address-list parser over raw header bytes (see address.h).
 *
 * Two passes: a lexer cuts the value into atoms, quoted strings, comments, domain literals and
 * specials (every read checked against the length; an unclosed quote or comment runs to the
 * end and is counted), then a parser walks the tokens element by element (an element ends at a
 * ',' or ';' outside angle brackets) and builds each mailbox from what the element holds. */
#include "normalize/address.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "normalize/rfc2047.h"
#include "util/utf8.h"
#include "util/xalloc.h"
#include "util/platform.h"

enum tok_kind { TOK_ATOM, TOK_QUOTED, TOK_COMMENT, TOK_LITERAL, TOK_SPECIAL };

struct tok {
    enum tok_kind kind;
    char c;            /* the character of a TOK_SPECIAL */
    size_t start, end; /* raw span in the value, delimiters included */
    bool space;        /* white space came right before it */
    bool open;         /* a quoted string, comment or literal never closed */
};

struct parser {
    const char *s;
    size_t len;
    bool cp932; /* raw bytes are CP932: a lead byte takes the next byte with it */
    struct tok *toks;
    size_t ntoks, toks_cap;
    const char *hint;
    struct charset_stats *st;
    struct address_list *out;
};

#define NONE SIZE_MAX

static bool cp932_lead(unsigned char c)
{
    return (c >= 0x81 && c <= 0x9F) || (c >= 0xE0 && c <= 0xFC);
}

static bool cp932_trail(unsigned char c)
{
    return (c >= 0x40 && c <= 0x7E) || (c >= 0x80 && c <= 0xFC);
}

/* Bytes in the character at `i`: 2 for a CP932 pair (whose trail byte may be '\\', '@' ...). */
static size_t char_len(const struct parser *p, size_t i)
{
    if (p->cp932 && i + 1 < p->len && cp932_lead((unsigned char)p->s[i]) &&
        cp932_trail((unsigned char)p->s[i + 1]))
        return 2;
    return 1;
}

/* White space, and control characters, which only separate. */
static bool is_space(unsigned char c)
{
    return c == ' ' || c < 0x20 || c == 0x7f;
}

static bool is_atom_stop(unsigned char c)
{
    return c != 0 && strchr("\"()<>[]:;@,", c) != NULL;
}

/* End of a quoted string, comment or domain literal opening at `i`; sets *closed. */
static size_t scan_delimited(const struct parser *p, size_t i, char close, bool nest, bool *closed)
{
    size_t depth = 1, j = i + 1;
    while (j < p->len) {
        unsigned char c = (unsigned char)p->s[j];
        if (char_len(p, j) == 2) {
            j += 2;
            continue;
        }
        if (c == '\\') {
            j = j + 2 <= p->len ? j + 2 : p->len;
            continue;
        }
        if (nest && c == '(') {
            depth++;
        } else if (c == (unsigned char)close && --depth == 0) {
            *closed = true;
            return j + 1;
        }
        j++;
    }
    *closed = false;
    return p->len;
}

static void lex(struct parser *p)
{
    size_t i = 0;
    bool space = false;
    while (i < p->len) {
        unsigned char c = (unsigned char)p->s[i];
        size_t cl = char_len(p, i);
        if (cl == 1 && is_space(c)) {
            space = true;
            i++;
            continue;
        }
        struct tok t = {.kind = TOK_ATOM, .start = i, .space = space};
        space = false;
        bool closed = true;
        if (cl == 1 && c == '"') {
            t.kind = TOK_QUOTED;
            i = scan_delimited(p, i, '"', false, &closed);
        } else if (cl == 1 && c == '(') {
            t.kind = TOK_COMMENT;
            i = scan_delimited(p, i, ')', true, &closed);
        } else if (cl == 1 && c == '[') {
            t.kind = TOK_LITERAL;
            i = scan_delimited(p, i, ']', false, &closed);
        } else if (cl == 1 && is_atom_stop(c)) {
            t.kind = TOK_SPECIAL;
            t.c = (char)c;
            i++;
        } else {
            while (i < p->len) {
                size_t n = char_len(p, i);
                unsigned char d = (unsigned char)p->s[i];
                if (n == 1 && (is_space(d) || is_atom_stop(d)))
                    break;
                i += n;
            }
        }
        if (!closed) {
            p->out->repairs++;
            t.open = true;
        }
        t.end = i;
        p->toks = xgrow(p->toks, &p->toks_cap, p->ntoks + 1, sizeof *p->toks);
        p->toks[p->ntoks++] = t;
    }
}

static bool is_special(const struct parser *p, size_t i, char c)
{
    return i < p->ntoks && p->toks[i].kind == TOK_SPECIAL && p->toks[i].c == c;
}

/* The inside of a quoted string or comment (delimiters dropped, backslash escapes undone). */
static void unescape(const struct parser *p, const struct tok *t, struct buf *out)
{
    size_t i = t->start + 1, end = t->end;
    char close = t->kind == TOK_QUOTED ? '"' : t->kind == TOK_COMMENT ? ')' : ']';
    if (end > i && p->s[end - 1] == close)
        end--;
    while (i < end) {
        size_t n = char_len(p, i);
        if (n == 1 && p->s[i] == '\\' && i + 1 < end) {
            i++;
            n = char_len(p, i);
        }
        buf_append(out, p->s + i, n);
        i += n;
    }
}

/* Display-name text of tokens [from, to): quoted strings unquoted, comments dropped, one space
 * where the header had white space. Encoded words are left for rfc2047_decode(). */
static void phrase_text(const struct parser *p, size_t from, size_t to, struct buf *out)
{
    bool sep = false;
    for (size_t i = from; i < to; i++) {
        const struct tok *t = &p->toks[i];
        if (t->kind == TOK_COMMENT) {
            sep = true;
            continue;
        }
        if (out->len && (t->space || sep))
            buf_putc(out, ' ');
        sep = false;
        if (t->kind == TOK_QUOTED)
            unescape(p, t, out);
        else
            buf_append(out, p->s + t->start, t->end - t->start);
    }
}

static char *trim_dup(const char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    return len ? xstrndup(s, len) : NULL;
}

/* Decodes assembled display-name bytes; NULL when nothing is left. */
static char *decode_name(const struct parser *p, const struct buf *text)
{
    char *tmp = trim_dup(buf_str(text), text->len);
    if (!tmp)
        return NULL;
    char *dec = rfc2047_decode(tmp, strlen(tmp), p->hint, p->st);
    free(tmp);
    char *name = trim_dup(dec, strlen(dec));
    free(dec);
    return name;
}

static bool has_content(const struct parser *p, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (p->toks[i].kind != TOK_COMMENT)
            return true;
    return false;
}

/* The first non-empty comment in [from, to), decoded: the old `user@host (Name)` convention. */
static char *comment_name(const struct parser *p, size_t from, size_t to)
{
    struct buf b = BUF_INIT;
    char *name = NULL;
    for (size_t i = from; i < to && !name; i++) {
        if (p->toks[i].kind != TOK_COMMENT)
            continue;
        buf_reset(&b);
        unescape(p, &p->toks[i], &b);
        name = decode_name(p, &b);
    }
    buf_free(&b);
    return name;
}

/* Address bytes of tokens [from, to) joined without white space or comments, to UTF-8. */
static char *addr_text(const struct parser *p, size_t from, size_t to)
{
    struct buf b = BUF_INIT;
    for (size_t i = from; i < to; i++) {
        const struct tok *t = &p->toks[i];
        if (t->kind != TOK_COMMENT)
            buf_append(&b, p->s + t->start, t->end - t->start);
    }
    const char *s = buf_str(&b);
    size_t len = b.len;
    if (len >= 7 && strncasecmp(s, "mailto:", 7) == 0)
        s += 7, len -= 7;
    char *out;
    if (utf8_valid(s, len)) {
        out = xstrndup(s, len);
    } else {
        out = charset_to_utf8(s, len, charset_guess(s, len, p->hint), p->st, NULL);
        if (p->st)
            p->st->guessed++;
    }
    buf_free(&b);
    return out;
}

static void add(struct parser *p, char *name, char *address, const char *group)
{
    struct address_list *l = p->out;
    l->items = xgrow(l->items, &l->cap, l->count + 1, sizeof *l->items);
    struct address *a = &l->items[l->count++];
    a->name = name;
    a->address = address ? address : xstrdup("");
    a->group = group ? xstrdup(group) : NULL;
}

/* Where an element [i, ...) ends: at a ',' or ';' outside angle brackets. Reports the first '<'
 * and its '>', and the first '@' and ':' outside them (NONE when absent). */
struct extent {
    size_t end, lt, gt, at, colon;
};

static struct extent element(const struct parser *p, size_t i)
{
    struct extent e = {i, NONE, NONE, NONE, NONE};
    bool angle = false;
    size_t sep_in_angle = NONE; /* where the element ends if the '<' is never closed */
    for (; e.end < p->ntoks; e.end++) {
        const struct tok *t = &p->toks[e.end];
        if (t->kind != TOK_SPECIAL)
            continue;
        if (angle) {
            if (t->c == '>') {
                angle = false;
                e.gt = e.end;
            } else if ((t->c == ',' || t->c == ';') && sep_in_angle == NONE) {
                sep_in_angle = e.end;
            }
            continue;
        }
        if (t->c == ',' || t->c == ';')
            break;
        if (t->c == '<' && e.lt == NONE) {
            e.lt = e.end;
            angle = true;
        } else if (t->c == '@' && e.at == NONE) {
            e.at = e.end;
        } else if (t->c == ':' && e.colon == NONE) {
            e.colon = e.end;
        }
    }
    if (angle && sep_in_angle != NONE)
        e.end = sep_in_angle; /* "A <a@x, b@y": a route cannot hold the rest of the list */
    return e;
}

/* A bare phrase: atoms and quoted strings only (what "Yamada, Taro <t@x>" leaves before ','). */
static bool bare_phrase(const struct parser *p, size_t from, size_t to)
{
    if (from >= to)
        return false;
    for (size_t i = from; i < to; i++)
        if (p->toks[i].kind != TOK_ATOM && p->toks[i].kind != TOK_QUOTED &&
            p->toks[i].kind != TOK_COMMENT)
            return false;
    return has_content(p, from, to);
}

static bool single_word(const struct parser *p, size_t from, size_t to, size_t *which)
{
    size_t n = 0;
    for (size_t i = from; i < to; i++) {
        if (p->toks[i].kind == TOK_COMMENT)
            continue;
        *which = i;
        n++;
    }
    if (n != 1)
        return false;
    const struct tok *t = &p->toks[*which];
    if ((t->kind != TOK_ATOM && t->kind != TOK_QUOTED) || t->open)
        return false;
    for (size_t i = t->start; i < t->end; i++)
        if ((unsigned char)p->s[i] >= 0x80)
            return false;
    return !(t->end - t->start >= 2 && p->s[t->start] == '=' && p->s[t->start + 1] == '?');
}

/* One mailbox from tokens [i, e.end), its display name possibly given already (`name`). */
static void mailbox(struct parser *p, size_t i, const struct extent *e, char *name,
                    const char *group)
{
    char *address = NULL;
    if (!name && !has_content(p, i, e->end))
        return; /* nothing but comments: `(nobody)` in an empty group */
    if (e->lt != NONE) {
        size_t close = e->gt != NONE ? e->gt : e->end;
        if (e->gt == NONE)
            p->out->repairs++;
        size_t from = e->lt + 1;
        for (size_t k = from; k < close; k++) /* an obsolete route: <@a,@b:user@host> */
            if (is_special(p, k, ':'))
                from = k + 1;
        address = addr_text(p, from, close);
        if (!name) {
            struct buf b = BUF_INIT;
            phrase_text(p, i, e->lt, &b);
            name = decode_name(p, &b);
            buf_free(&b);
        }
        if (!name)
            name = comment_name(p, i, e->end);
        if (e->gt != NONE && has_content(p, e->gt + 1, e->end))
            p->out->repairs++; /* something after '>' */
    } else if (e->at != NONE) {
        /* The local part is the run of words just before '@'; words before it are a name
         * written without angle brackets. */
        size_t ls = e->at;
        while (ls > i && (p->toks[ls - 1].kind == TOK_ATOM || p->toks[ls - 1].kind == TOK_QUOTED) &&
               (ls == e->at || !p->toks[ls].space))
            ls--;
        size_t de = e->at + 1;
        while (de < e->end &&
               (p->toks[de].kind == TOK_ATOM || p->toks[de].kind == TOK_LITERAL ||
                is_special(p, de, '@') || is_special(p, de, ':')) &&
               (de == e->at + 1 || !p->toks[de].space))
            de++;
        address = addr_text(p, ls, de);
        if (has_content(p, i, ls)) {
            struct buf b = BUF_INIT;
            phrase_text(p, i, ls, &b);
            name = decode_name(p, &b);
            buf_free(&b);
            p->out->repairs++;
        }
        if (!name)
            name = comment_name(p, i, e->end);
        if (has_content(p, de, e->end))
            p->out->repairs++;
    } else {
        size_t w;
        if (single_word(p, i, e->end, &w)) {
            address = addr_text(p, w, w + 1); /* `root`, `postmaster` */
            name = comment_name(p, i, e->end);
        } else {
            struct buf b = BUF_INIT;
            phrase_text(p, i, e->end, &b);
            name = decode_name(p, &b);
            buf_free(&b);
            if (!name)
                name = comment_name(p, i, e->end);
            p->out->repairs++; /* a name without an address */
        }
    }
    if (!name && (!address || !*address)) {
        free(address);
        return;
    }
    add(p, name, address, group);
}

static void parse(struct parser *p)
{
    size_t i = 0;
    char *group = NULL;
    size_t members = 0;
    while (i < p->ntoks) {
        if (is_special(p, i, ',')) {
            i++;
            continue;
        }
        if (is_special(p, i, ';')) {
            if (group) {
                if (!members)
                    add(p, NULL, NULL, group);
                free(group);
                group = NULL;
            } else {
                p->out->repairs++;
            }
            i++;
            continue;
        }
        struct extent e = element(p, i);
        if (!group && e.colon != NONE && (e.lt == NONE || e.colon < e.lt) &&
            (e.at == NONE || e.colon < e.at)) {
            struct buf b = BUF_INIT;
            phrase_text(p, i, e.colon, &b);
            group = decode_name(p, &b);
            buf_free(&b);
            if (!group)
                group = xstrdup("");
            members = 0;
            i = e.colon + 1;
            continue;
        }
        char *name = NULL;
        if (e.lt == NONE && e.at == NONE && e.colon == NONE && is_special(p, e.end, ',') &&
            bare_phrase(p, i, e.end)) {
            /* "Yamada, Taro <taro@example.jp>": a display name cut at an unquoted comma. */
            struct extent next = element(p, e.end + 1);
            if (next.lt != NONE && (next.at == NONE || next.at > next.lt) &&
                (next.colon == NONE || next.colon > next.lt) &&
                bare_phrase(p, e.end + 1, next.lt)) {
                struct buf b = BUF_INIT, second = BUF_INIT;
                phrase_text(p, i, e.end, &b);
                phrase_text(p, e.end + 1, next.lt, &second);
                buf_puts(&b, ", ");
                buf_append(&b, second.data, second.len);
                name = decode_name(p, &b);
                buf_free(&b);
                buf_free(&second);
                p->out->repairs++;
                i = e.end + 1;
                e = next;
            }
        }
        size_t before = p->out->count;
        mailbox(p, i, &e, name, group);
        members += p->out->count - before;
        i = e.end;
    }
    if (group) {
        p->out->repairs++; /* never closed with ';' */
        if (!members)
            add(p, NULL, NULL, group);
        free(group);
    }
}

struct address_list *address_parse(const char *value, size_t len, const char *hint,
                                   struct charset_stats *st)
{
    struct address_list *l = xcalloc(1, sizeof *l);
    struct parser p = {.s = value ? value : "", .len = value ? len : 0, .hint = hint, .st = st,
                       .out = l};
    bool eight_bit = false;
    for (size_t i = 0; i < p.len && !eight_bit; i++)
        eight_bit = (unsigned char)p.s[i] >= 0x80;
    if (eight_bit && !utf8_valid(p.s, p.len))
        p.cp932 = strcmp(charset_guess(p.s, p.len, hint), "CP932") == 0;
    lex(&p);
    parse(&p);
    free(p.toks);
    return l;
}

void address_list_free(struct address_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++) {
        free(l->items[i].name);
        free(l->items[i].address);
        free(l->items[i].group);
    }
    free(l->items);
    free(l);
}
