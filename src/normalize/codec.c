/* codec: hex digits, base64 and quoted-printable, decoded tolerantly (see codec.h).
 *
 * Written once because every reader needs them (encoded words, vCard values and photos, Windows
 * Contacts photos, the checks on MIME part contents) and each had grown its own copy. The
 * dialects differ in small rules only (what '=' does in base64, '_' in an encoded word, soft
 * line breaks in a body), so each rule is a flag or a form here and the loops are shared. */
#include "normalize/codec.h"

int codec_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* ---- base64 ---------------------------------------------------------------------------------- */

/* The standard alphabet's values plus one (0: not in it), one look-up a byte. */
static const unsigned char base64_plus_one[256] = {
    ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7, ['H'] = 8,
    ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
    ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
    ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
    ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64
};

int codec_base64_value(unsigned char c, unsigned flags)
{
    if (base64_plus_one[c])
        return base64_plus_one[c] - 1;
    if (flags & CODEC_BASE64_URL)
        return c == '-' ? 62 : c == '_' ? 63 : -1;
    return -1;
}

void codec_base64_init(struct codec_base64 *d, unsigned flags)
{
    *d = (struct codec_base64){.flags = flags};
}

/* What is not in the standard alphabet: the URL alphabet's two, '=', blanks, or bad. */
static void base64_other(struct codec_base64 *d, unsigned char c, struct buf *out)
{
    int v = codec_base64_value(c, d->flags);
    if (v < 0) {
        if (c == '=') {
            if (d->flags & CODEC_BASE64_JOINED)
                d->acc = 0, d->bits = 0;
            else
                d->ended = true;
        } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            d->bad++;
        }
        return;
    }
    d->chars++;
    if (d->ended || !out)
        return; /* still read, for the count of bad bytes */
    d->acc = (d->acc << 6) | (uint32_t)v;
    d->bits += 6;
    if (d->bits >= 8) {
        d->bits -= 8;
        buf_putc(out, (char)((d->acc >> d->bits) & 0xFF));
        d->acc &= (1u << d->bits) - 1;
    }
}

void codec_base64_step(struct codec_base64 *d, const char *s, size_t len, struct buf *out)
{
    const unsigned char *u = (const unsigned char *)s;
    if (!out || d->ended) {
        /* Only counting (the check of a part GMime decodes): one table look-up a byte. */
        size_t chars = 0;
        for (size_t i = 0; i < len; i++) {
            if (base64_plus_one[u[i]])
                chars++;
            else
                base64_other(d, u[i], NULL);
        }
        d->chars += chars;
        return;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned v = base64_plus_one[u[i]];
        if (!v || d->ended) {
            base64_other(d, u[i], out);
            continue;
        }
        d->chars++;
        d->acc = (d->acc << 6) | (v - 1);
        d->bits += 6;
        if (d->bits >= 8) {
            d->bits -= 8;
            buf_putc(out, (char)((d->acc >> d->bits) & 0xFF));
            d->acc &= (1u << d->bits) - 1;
        }
    }
}

size_t codec_base64_end(struct codec_base64 *d)
{
    if (d->chars % 4 == 1)
        d->bad++;
    return d->bad;
}

size_t codec_base64_decode(const char *s, size_t len, unsigned flags, struct buf *out)
{
    struct codec_base64 d;
    codec_base64_init(&d, flags);
    codec_base64_step(&d, s, len, out);
    return codec_base64_end(&d);
}

/* ---- quoted-printable ------------------------------------------------------------------------ */

/* In the body form, the length of the soft line break at s[i] ('='), or 0 when there is none:
 * '=', spaces and tabs, then LF, CR LF, or the end of the input (where a CR may stand alone). */
static size_t soft_break(const char *s, size_t len, size_t i)
{
    size_t j = i + 1;
    while (j < len && (s[j] == ' ' || s[j] == '\t'))
        j++;
    if (j == len)
        return j > i + 1 ? j - i : 0; /* a lone '=' at the end is no break */
    if (s[j] == '\n')
        return j + 1 - i;
    if (s[j] == '\r' && (j + 1 == len || s[j + 1] == '\n'))
        return (j + 1 == len ? j + 1 : j + 2) - i;
    return 0;
}

size_t codec_qp_decode(const char *s, size_t len, enum codec_qp_form form, struct buf *out)
{
    char esc = form == CODEC_QP_PERCENT ? '%' : '=';
    size_t bad = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == esc) {
            int hi = i + 1 < len ? codec_hex_value((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < len ? codec_hex_value((unsigned char)s[i + 2]) : -1;
            if (hi >= 0 && lo >= 0) {
                if (out)
                    buf_putc(out, (char)(hi * 16 + lo));
                i += 2;
                continue;
            }
            size_t brk = form == CODEC_QP_BODY ? soft_break(s, len, i) : 0;
            if (brk) {
                i += brk - 1;
                continue;
            }
            bad++; /* kept as it is */
        } else if (c == '_' && form == CODEC_QP_Q) {
            c = ' ';
        }
        if (out)
            buf_putc(out, (char)c);
    }
    return bad;
}
