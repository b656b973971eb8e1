/*
 * base64url, percent-coding, form fields, HTML escaping and templates.
 */

#include <string.h>
#include <strings.h>

#include <ocs/ocs_codec.h>


static int ocs_hex_value(int c);


static const char  ocs_b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";


int
ocs_b64url_encode(const unsigned char *in, size_t len, char *out,
    size_t outlen, size_t *written)
{
    size_t    i, n;
    uint32_t  v;

    if (ocs_b64url_len(len) > outlen) {
        return OCS_ERR_SPACE;
    }

    n = 0;

    for (i = 0; i + 2 < len; i += 3) {
        v = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8 | in[i + 2];
        out[n++] = ocs_b64url_alphabet[v >> 18 & 0x3f];
        out[n++] = ocs_b64url_alphabet[v >> 12 & 0x3f];
        out[n++] = ocs_b64url_alphabet[v >> 6 & 0x3f];
        out[n++] = ocs_b64url_alphabet[v & 0x3f];
    }

    if (len - i == 1) {
        v = (uint32_t) in[i] << 16;
        out[n++] = ocs_b64url_alphabet[v >> 18 & 0x3f];
        out[n++] = ocs_b64url_alphabet[v >> 12 & 0x3f];

    } else if (len - i == 2) {
        v = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8;
        out[n++] = ocs_b64url_alphabet[v >> 18 & 0x3f];
        out[n++] = ocs_b64url_alphabet[v >> 12 & 0x3f];
        out[n++] = ocs_b64url_alphabet[v >> 6 & 0x3f];
    }

    *written = n;

    return OCS_OK;
}


/* base64url digit values; -1 for anything else */
static const signed char  ocs_b64url_values[256] = {
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
    -1,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, 63,
    -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1
};


int
ocs_b64url_decode(const char *in, size_t len, unsigned char *out,
    size_t outlen, size_t *written)
{
    int       d;
    size_t    i, n, bits;
    uint32_t  acc;

    /* a single leftover character cannot encode a byte */
    if (len % 4 == 1) {
        return OCS_ERR_INVALID;
    }

    if (len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0) > outlen) {
        return OCS_ERR_SPACE;
    }

    acc = 0;
    bits = 0;
    n = 0;

    for (i = 0; i < len; i++) {
        d = ocs_b64url_values[(unsigned char) in[i]];
        if (d < 0) {
            return OCS_ERR_INVALID;
        }

        acc = acc << 6 | (uint32_t) d;
        bits += 6;

        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char) (acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }

    /* canonical encodings only: the unused low bits must be zero */
    if (acc != 0) {
        return OCS_ERR_INVALID;
    }

    *written = n;

    return OCS_OK;
}


static int
ocs_hex_value(int c)
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


int
ocs_pct_decode(const char *in, size_t len, int form, char *out,
    size_t outlen, size_t *written)
{
    int     hi, lo;
    char    c;
    size_t  i, n;

    n = 0;

    for (i = 0; i < len; i++) {
        c = in[i];

        if (c == '%') {
            if (i + 2 >= len) {
                return OCS_ERR_INVALID;
            }

            hi = ocs_hex_value((unsigned char) in[i + 1]);
            lo = ocs_hex_value((unsigned char) in[i + 2]);

            if (hi < 0 || lo < 0) {
                return OCS_ERR_INVALID;
            }

            c = (char) (hi << 4 | lo);
            i += 2;

        } else if (c == '+' && form) {
            c = ' ';
        }

        if (c == '\0') {
            return OCS_ERR_INVALID;
        }

        if (n == outlen) {
            return OCS_ERR_SPACE;
        }

        out[n++] = c;
    }

    *written = n;

    return OCS_OK;
}


int
ocs_pct_encode(const char *in, size_t len, char *out, size_t outlen,
    size_t *written)
{
    size_t          i, n;
    unsigned char   c;
    static const char  hex[] = "0123456789ABCDEF";

    n = 0;

    for (i = 0; i < len; i++) {
        c = (unsigned char) in[i];

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
            || c == '~')
        {
            if (n + 1 > outlen) {
                return OCS_ERR_SPACE;
            }

            out[n++] = (char) c;
            continue;
        }

        if (n + 3 > outlen) {
            return OCS_ERR_SPACE;
        }

        out[n++] = '%';
        out[n++] = hex[c >> 4];
        out[n++] = hex[c & 0x0f];
    }

    *written = n;

    return OCS_OK;
}


int
ocs_form_type_ok(const char *type, size_t len)
{
    size_t  n;

    static const char  form[] = "application/x-www-form-urlencoded";

    n = sizeof(form) - 1;

    while (len > 0 && (*type == ' ' || *type == '\t')) {
        type++;
        len--;
    }

    if (len < n || strncasecmp(type, form, n) != 0) {
        return 0;
    }

    type += n;
    len -= n;

    while (len > 0 && (*type == ' ' || *type == '\t')) {
        type++;
        len--;
    }

    return len == 0 || *type == ';';
}


int
ocs_form_field(const char *body, size_t len, const char *name, char *out,
    size_t outlen, size_t *written)
{
    int          rc;
    size_t       nlen, n;
    const char  *p, *end, *amp, *eq;

    if (outlen == 0) {
        return OCS_ERR_SPACE;
    }

    /* body is NULL when there is none: NULL + 0 would be undefined */
    if (len == 0) {
        return OCS_ERR_NOTFOUND;
    }

    nlen = strlen(name);
    p = body;
    end = body + len;

    while (p < end) {
        amp = memchr(p, '&', (size_t) (end - p));
        if (amp == NULL) {
            amp = end;
        }

        eq = memchr(p, '=', (size_t) (amp - p));

        if (eq != NULL && (size_t) (eq - p) == nlen
            && memcmp(p, name, nlen) == 0)
        {
            rc = ocs_pct_decode(eq + 1, (size_t) (amp - eq - 1), 1, out,
                                outlen - 1, &n);
            if (rc != OCS_OK) {
                return rc;
            }

            out[n] = '\0';
            *written = n;

            return OCS_OK;
        }

        p = amp + 1;
    }

    return OCS_ERR_NOTFOUND;
}


int
ocs_html_escape(const char *in, size_t len, char *out, size_t outlen,
    size_t *written)
{
    size_t       i, n, elen;
    const char  *e;

    n = 0;

    for (i = 0; i < len; i++) {
        switch (in[i]) {
        case '<':
            e = "&lt;";
            break;
        case '>':
            e = "&gt;";
            break;
        case '&':
            e = "&amp;";
            break;
        case '"':
            e = "&quot;";
            break;
        case '\'':
            e = "&#39;";
            break;
        default:
            e = NULL;
        }

        elen = (e != NULL) ? strlen(e) : 1;

        if (out != NULL) {
            if (n + elen > outlen) {
                return OCS_ERR_SPACE;
            }

            if (e != NULL) {
                memcpy(out + n, e, elen);

            } else {
                out[n] = in[i];
            }
        }

        n += elen;
    }

    *written = n;

    return OCS_OK;
}


static const ocs_tpl_var_t *
ocs_tpl_find(const ocs_tpl_var_t *vars, size_t nvars, const char *name,
    size_t len)
{
    size_t  i;

    for (i = 0; i < nvars; i++) {
        if (strlen(vars[i].name) == len
            && memcmp(vars[i].name, name, len) == 0)
        {
            return &vars[i];
        }
    }

    return NULL;
}


/* out, outlen and n: where the rendering goes on; fits: it still does */
typedef struct {
    char    *out;
    size_t   outlen;
    size_t   n;
    int      fits;
} ocs_tpl_out_t;


static void
ocs_tpl_put(ocs_tpl_out_t *o, const char *p, size_t len)
{
    if (o->fits && o->n + len <= o->outlen) {
        memcpy(o->out + o->n, p, len);

    } else {
        o->fits = 0;
    }

    o->n += len;
}


static void
ocs_tpl_run(ocs_tpl_out_t *o, const char *tpl, size_t tpl_len,
    const ocs_tpl_var_t *vars, size_t nvars, int depth)
{
    size_t                vlen;
    const char           *p, *end, *open, *close;
    const ocs_tpl_var_t  *v;

    p = tpl;
    end = tpl + tpl_len;

    while (p < end) {
        open = NULL;

        /* memchr() walks the literal text far faster than a byte loop */
        for (close = p;
             (close = memchr(close, '{', (size_t) (end - close))) != NULL;
             close++)
        {
            if (close + 1 < end && close[1] == '{') {
                open = close;
                break;
            }
        }

        if (open == NULL) {
            open = end;
        }

        /* literal text up to the placeholder */
        ocs_tpl_put(o, p, (size_t) (open - p));

        if (open == end) {
            break;
        }

        close = NULL;

        for (p = open + 2; p + 1 < end; p++) {
            if (p[0] == '}' && p[1] == '}') {
                close = p;
                break;
            }
        }

        if (close == NULL) {
            /* an unclosed "{{" is literal text */
            ocs_tpl_put(o, open, (size_t) (end - open));
            break;
        }

        v = ocs_tpl_find(vars, nvars, open + 2, (size_t) (close - open - 2));

        if (v == NULL) {
            /* nothing */

        } else if (v->raw == OCS_TPL_NESTED) {
            /* a bounded depth: no template can include itself forever */
            if (depth < OCS_TPL_DEPTH) {
                ocs_tpl_run(o, v->value, v->len, vars, nvars, depth + 1);
            }

        } else if (v->raw == OCS_TPL_RAW) {
            ocs_tpl_put(o, v->value, v->len);

        } else {
            (void) ocs_html_escape(v->value, v->len, NULL, 0, &vlen);

            if (o->fits && o->n + vlen <= o->outlen) {
                (void) ocs_html_escape(v->value, v->len, o->out + o->n, vlen,
                                       &vlen);

            } else {
                o->fits = 0;
            }

            o->n += vlen;
        }

        p = close + 2;
    }
}


int
ocs_tpl_render(const char *tpl, size_t tpl_len, const ocs_tpl_var_t *vars,
    size_t nvars, char *out, size_t outlen, size_t *needed)
{
    ocs_tpl_out_t  o;

    o.out = out;
    o.outlen = outlen;
    o.n = 0;
    o.fits = (out != NULL);

    ocs_tpl_run(&o, tpl, tpl_len, vars, nvars, 0);

    *needed = o.n;

    return o.fits ? OCS_OK : OCS_ERR_SPACE;
}
