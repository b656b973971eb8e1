/*
 * The raw request target's path, checked byte by byte: each byte is
 * decoded once, and whatever a second decoder (IIS, a servlet
 * container, a file system) could read as another path is refused.
 */

#include <ocs/ocs_path.h>


typedef struct {
    size_t          start;      /* offset of the segment's first byte */
    size_t          len;        /* decoded bytes in it */
    int             dots;       /* it holds a "." */
    int             other;      /* it holds something besides "." and " " */
} ocs_path_segment_t;


typedef struct {
    unsigned        need;       /* continuation bytes still expected */
    unsigned char   lo, hi;     /* the range of the next one */
    unsigned char   short_hi;   /* below lo up to this: overlong */
    size_t          lead;       /* offset of the sequence's lead byte */
} ocs_path_utf8_t;


static int ocs_path_hex(unsigned char c);
static ocs_path_why_t ocs_path_utf8(ocs_path_utf8_t *u, unsigned char b,
    size_t at);
static int ocs_path_segment_end(ocs_path_segment_t *s);


static const char  *ocs_path_reasons[] = {
    "fine",
    "not an absolute path",
    "bad percent-encoding",
    "encoded slash",
    "backslash",
    "dot segment",
    "double encoding",
    "encoded NUL",
    "control character",
    "overlong UTF-8",
    "invalid UTF-8"
};


int
ocs_path_check(const char *target, size_t len, ocs_path_why_t *why,
    size_t *at)
{
    int                  hi, lo;
    size_t               i, start, end;
    unsigned char        b;
    ocs_path_why_t       w, dummy_why;
    ocs_path_utf8_t      u;
    ocs_path_segment_t   seg;

    if (why == NULL) {
        why = &dummy_why;
    }

    *why = OCS_PATH_FINE;
    w = OCS_PATH_FINE;

    for (end = 0; end < len; end++) {
        if (target[end] == '?' || target[end] == '#') {
            break;
        }
    }

    u.need = 0;
    u.lo = 0;
    u.hi = 0;
    u.short_hi = 0;
    u.lead = 0;

    seg.start = 1;
    seg.len = 0;
    seg.dots = 0;
    seg.other = 0;

    if (end == 0 || target[0] != '/') {
        start = 0;
        w = OCS_PATH_NOT_ABSOLUTE;
        goto refused;
    }

    for (i = 1; i < end; /* void */) {
        start = i;
        b = (unsigned char) target[i++];

        if (b == '/') {
            if (u.need) {
                start = u.lead;
                w = OCS_PATH_BAD_UTF8;
                goto refused;
            }

            if (ocs_path_segment_end(&seg)) {
                start = seg.start;
                w = OCS_PATH_DOT_SEGMENT;
                goto refused;
            }

            seg.start = i;
            continue;
        }

        if (b == '\\') {
            w = OCS_PATH_BACKSLASH;
            goto refused;
        }

        if (b == '%') {
            if (i + 2 > end) {
                w = OCS_PATH_BAD_ESCAPE;
                goto refused;
            }

            hi = ocs_path_hex((unsigned char) target[i]);
            lo = ocs_path_hex((unsigned char) target[i + 1]);

            if (hi < 0 || lo < 0) {
                w = OCS_PATH_BAD_ESCAPE;
                goto refused;
            }

            i += 2;
            b = (unsigned char) (hi << 4 | lo);

            switch (b) {

            case '/':
            case '\\':
                w = OCS_PATH_ENCODED_SLASH;
                goto refused;

            case '%':
                w = OCS_PATH_DOUBLE_ENCODING;
                goto refused;

            case '\0':
                w = OCS_PATH_NUL;
                goto refused;
            }
        }

        if (b < 0x20 || b == 0x7f) {
            w = OCS_PATH_CONTROL;
            goto refused;
        }

        w = ocs_path_utf8(&u, b, start);

        if (w != OCS_PATH_FINE) {
            start = u.lead;
            goto refused;
        }

        seg.len++;

        if (b == '.') {
            seg.dots = 1;

        } else if (b != ' ') {
            seg.other = 1;
        }
    }

    if (u.need) {
        start = u.lead;
        w = OCS_PATH_BAD_UTF8;
        goto refused;
    }

    if (ocs_path_segment_end(&seg)) {
        start = seg.start;
        w = OCS_PATH_DOT_SEGMENT;
        goto refused;
    }

    if (at != NULL) {
        *at = end;
    }

    return OCS_OK;

refused:

    *why = w;

    if (at != NULL) {
        *at = start;
    }

    return OCS_ERR_INVALID;
}


const char *
ocs_path_reason(ocs_path_why_t why)
{
    if ((size_t) why >= sizeof(ocs_path_reasons) / sizeof(ocs_path_reasons[0]))
    {
        return "unknown";
    }

    return ocs_path_reasons[why];
}


static int
ocs_path_hex(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


/*
 * One decoded byte through a UTF-8 validator (RFC 3629, section 4):
 * overlong forms apart, because decoders that accept them have turned
 * "%C0%AF" into "/" (the IIS 4 and 5 traversal).
 */
static ocs_path_why_t
ocs_path_utf8(ocs_path_utf8_t *u, unsigned char b, size_t at)
{
    if (u->need) {
        if (b >= 0x80 && b <= u->short_hi) {
            return OCS_PATH_OVERLONG;
        }

        if (b < u->lo || b > u->hi) {
            return OCS_PATH_BAD_UTF8;
        }

        u->need--;
        u->lo = 0x80;
        u->hi = 0xbf;
        u->short_hi = 0;

        return OCS_PATH_FINE;
    }

    u->lead = at;
    u->lo = 0x80;
    u->hi = 0xbf;
    u->short_hi = 0;

    if (b < 0x80) {
        return OCS_PATH_FINE;
    }

    if (b < 0xc0) {
        return OCS_PATH_BAD_UTF8;
    }

    if (b < 0xc2) {
        return OCS_PATH_OVERLONG;
    }

    if (b < 0xe0) {
        u->need = 1;
        return OCS_PATH_FINE;
    }

    if (b < 0xf0) {
        u->need = 2;

        if (b == 0xe0) {
            u->lo = 0xa0;
            u->short_hi = 0x9f;

        } else if (b == 0xed) {
            u->hi = 0x9f;           /* no surrogates */
        }

        return OCS_PATH_FINE;
    }

    if (b < 0xf5) {
        u->need = 3;

        if (b == 0xf0) {
            u->lo = 0x90;
            u->short_hi = 0x8f;

        } else if (b == 0xf4) {
            u->hi = 0x8f;           /* up to U+10FFFF */
        }

        return OCS_PATH_FINE;
    }

    /* the five- and six-byte forms of old decoders are overlong too */
    return (b >= 0xf8 && b <= 0xfd) ? OCS_PATH_OVERLONG : OCS_PATH_BAD_UTF8;
}


/*
 * Whether the segment that ends here is a dot segment to some decoder:
 * "." and "..", and, because Windows drops trailing dots and spaces
 * from names, any segment of dots and spaces with a dot in it.
 */
static int
ocs_path_segment_end(ocs_path_segment_t *s)
{
    int  dot;

    dot = (s->len > 0 && s->dots && !s->other);

    s->len = 0;
    s->dots = 0;
    s->other = 0;

    return dot;
}
