/*
 * The Cookie request header: every cookie of a name, and the header
 * without the proxy's own cookies.
 */

#include <string.h>

#include <ocs/ocs_cookie.h>


typedef struct {
    const char   *start;       /* the pair, without blanks around it */
    const char   *end;
    size_t        name_len;    /* the name is at start; 0: no name */
    const char   *value;       /* up to end */
} ocs_cookie_pair_t;


static const char *ocs_cookie_pair(const char *p, const char *last,
    ocs_cookie_pair_t *pair);
static int ocs_cookie_named(const ocs_cookie_pair_t *pair,
    const ocs_cookie_name_t *names, size_t nnames);


#define ocs_cookie_blank(c)  ((c) == ' ' || (c) == '\t')


int
ocs_cookie_next(const char *header, size_t len, const char *name,
    size_t name_len, size_t *pos, const char **value, size_t *value_len)
{
    const char         *p, *last;
    ocs_cookie_pair_t   pair;

    if (name_len == 0 || *pos >= len) {
        *pos = len;
        return OCS_ERR_NOTFOUND;
    }

    p = header + *pos;
    last = header + len;

    while (p < last) {
        p = ocs_cookie_pair(p, last, &pair);

        if (pair.name_len == name_len
            && memcmp(pair.start, name, name_len) == 0)
        {
            *value = pair.value;
            *value_len = (size_t) (pair.end - pair.value);
            *pos = (size_t) (p - header);
            return OCS_OK;
        }
    }

    *pos = len;

    return OCS_ERR_NOTFOUND;
}


int
ocs_cookie_remove(const char *header, size_t len,
    const ocs_cookie_name_t *names, size_t nnames, char *out, size_t outlen,
    size_t *written, size_t *removed)
{
    size_t              n, k, sep, plen;
    const char         *p, *last, *prev;
    ocs_cookie_pair_t   pair;

    n = 0;
    k = 0;
    prev = NULL;
    p = header;
    last = header + len;

    while (p < last) {
        p = ocs_cookie_pair(p, last, &pair);

        if (pair.start == pair.end) {
            continue;
        }

        if (ocs_cookie_named(&pair, names, nnames)) {
            k++;

            /* the next pair kept takes the separator after this one */
            prev = pair.end;
            continue;
        }

        /* the first pair kept takes no separator */
        sep = (n > 0) ? (size_t) (pair.start - prev) : 0;
        plen = (size_t) (pair.end - pair.start);

        if (out != NULL) {
            if (n + sep + plen > outlen) {
                return OCS_ERR_SPACE;
            }

            memcpy(out + n, prev, sep);
            memcpy(out + n + sep, pair.start, plen);
        }

        n += sep + plen;
        prev = pair.end;
    }

    *written = n;
    *removed = k;

    return OCS_OK;
}


/*
 * The pair at p: its bounds and name in pair.  Returns where the next
 * pair starts (after the ';'), or last.
 */
static const char *
ocs_cookie_pair(const char *p, const char *last, ocs_cookie_pair_t *pair)
{
    const char  *semi, *s, *e, *eq, *ne, *v;

    semi = memchr(p, ';', (size_t) (last - p));
    if (semi == NULL) {
        semi = last;
    }

    s = p;
    e = semi;

    while (s < e && ocs_cookie_blank(*s)) {
        s++;
    }

    while (e > s && ocs_cookie_blank(e[-1])) {
        e--;
    }

    pair->start = s;
    pair->end = e;

    eq = memchr(s, '=', (size_t) (e - s));

    if (eq == NULL) {
        pair->name_len = 0;
        pair->value = s;

    } else {
        ne = eq;

        while (ne > s && ocs_cookie_blank(ne[-1])) {
            ne--;
        }

        v = eq + 1;

        while (v < e && ocs_cookie_blank(*v)) {
            v++;
        }

        pair->name_len = (size_t) (ne - s);
        pair->value = v;
    }

    return (semi < last) ? semi + 1 : last;
}


static int
ocs_cookie_named(const ocs_cookie_pair_t *pair,
    const ocs_cookie_name_t *names, size_t nnames)
{
    size_t  i;

    /* a pair without a name is never one of ours */
    if (pair->name_len == 0) {
        return 0;
    }

    for (i = 0; i < nnames; i++) {
        if (names[i].len == pair->name_len
            && memcmp(names[i].name, pair->start, pair->name_len) == 0)
        {
            return 1;
        }
    }

    return 0;
}
