/*
 * The Cookie request header: every cookie of a name, and the header
 * without the proxy's own cookies.  The Set-Cookie values of the
 * proxy's cookies.
 */

#include <stdio.h>
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
static int ocs_cookie_time(int64_t t, char *out, size_t outlen);


/* "Thu, 01-Jan-1970 00:00:00 GMT" and the "; " attributes around values */
#define OCS_COOKIE_TIME_LEN   (sizeof("Thu, 01-Jan-1970 00:00:00 GMT") - 1)
#define OCS_COOKIE_INT64_LEN  (sizeof("-9223372036854775808") - 1)

#define ocs_cookie_lc(c)  (((c) >= 'A' && (c) <= 'Z') ? (c) | 0x20 : (c))


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

            /* prev is NULL before the first pair kept: no separator */
            if (sep) {
                memcpy(out + n, prev, sep);
            }

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


int
ocs_cookie_host_prefixed(const char *name, size_t len)
{
    size_t       i;
    const char  *prefix = "__host-";

    if (len < sizeof("__Host-") - 1) {
        return 0;
    }

    for (i = 0; i < sizeof("__Host-") - 1; i++) {
        if (ocs_cookie_lc((unsigned char) name[i]) != prefix[i]) {
            return 0;
        }
    }

    return 1;
}


size_t
ocs_cookie_format_len(const ocs_cookie_t *cookie)
{
    return cookie->name_len + 1 + cookie->value_len
           + sizeof("; Path=") - 1 + cookie->path_len
           + sizeof("; Domain=") - 1 + cookie->domain_len
           + sizeof("; Max-Age=") - 1 + OCS_COOKIE_INT64_LEN
           + sizeof("; Expires=") - 1 + OCS_COOKIE_TIME_LEN
           + sizeof("; Secure; HttpOnly; SameSite=") - 1
           + cookie->same_site_len
           + 1;                                   /* snprintf()'s NUL */
}


int
ocs_cookie_format(const ocs_cookie_t *cookie, const ocs_env_t *env,
    char *out, size_t outlen, size_t *written)
{
    int     n;
    char    date[OCS_COOKIE_TIME_LEN + 1];
    size_t  len;

    if (ocs_cookie_host_prefixed(cookie->name, cookie->name_len)
        && (cookie->domain_len != 0 || cookie->path_len != 1
            || cookie->path[0] != '/'))
    {
        return OCS_ERR_INVALID;
    }

    if (outlen < ocs_cookie_format_len(cookie)
        || ocs_cookie_format_len(cookie) > (size_t) INT32_MAX)
    {
        return OCS_ERR_SPACE;
    }

    len = (size_t) snprintf(out, outlen, "%.*s=%.*s; Path=%.*s",
                            (int) cookie->name_len, cookie->name,
                            (int) cookie->value_len, cookie->value,
                            (int) cookie->path_len, cookie->path);

    if (cookie->domain_len) {
        len += (size_t) snprintf(out + len, outlen - len, "; Domain=%.*s",
                                 (int) cookie->domain_len, cookie->domain);
    }

    if (cookie->max_age == 0) {
        len += (size_t) snprintf(out + len, outlen - len,
                                 "; Max-Age=0; Expires=%s",
                                 "Thu, 01 Jan 1970 00:00:00 GMT");

    } else if (cookie->max_age > 0) {
        (void) ocs_cookie_time(ocs_time_add(env->now(env->data),
                                            cookie->max_age),
                               date, sizeof(date));

        len += (size_t) snprintf(out + len, outlen - len,
                                 "; Max-Age=%lld; Expires=%s",
                                 (long long) cookie->max_age, date);
    }

    n = snprintf(out + len, outlen - len, "; Secure; HttpOnly; SameSite=%.*s",
                 (int) cookie->same_site_len, cookie->same_site);

    *written = len + (size_t) n;

    return OCS_OK;
}


/*
 * A time as nginx dates cookies (ngx_http_cookie_time()): two-digit
 * years up to 2037, four-digit ones after, for old browsers' sake.
 * Times before 1970 or after 9999 are held at either end.
 */
static int
ocs_cookie_time(int64_t t, char *out, size_t outlen)
{
    int       n;
    int64_t   days, secs, year, ylen;
    unsigned  mon, mlen;

    static const char  *week[] = { "Thu", "Fri", "Sat", "Sun", "Mon",
                                   "Tue", "Wed" };
    static const char  *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
                                     "Jun", "Jul", "Aug", "Sep", "Oct",
                                     "Nov", "Dec" };
    static const unsigned char  mdays[] = { 31, 28, 31, 30, 31, 30, 31,
                                            31, 30, 31, 30, 31 };

    t = (t < 0) ? 0 : (t > 253402300799LL) ? 253402300799LL : t;

    days = t / 86400;
    secs = t % 86400;

    /* 1970-01-01 was a Thursday */
    n = snprintf(out, outlen, "%s, ", week[days % 7]);

    for (year = 1970; /* void */; year++) {
        ylen = (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
               ? 366 : 365;

        if (days < ylen) {
            break;
        }

        days -= ylen;
    }

    for (mon = 0; mon < 11; mon++) {
        mlen = mdays[mon] + (mon == 1 && ylen == 366);

        if (days < mlen) {
            break;
        }

        days -= mlen;
    }

    n += snprintf(out + n, outlen - n, "%02u-%s-%02lld %02u:%02u:%02u GMT",
                  (unsigned) days + 1, months[mon],
                  (long long) (year > 2037 ? year : year % 100),
                  (unsigned) (secs / 3600), (unsigned) (secs / 60 % 60),
                  (unsigned) (secs % 60));

    return ((size_t) n < outlen) ? OCS_OK : OCS_ERR_SPACE;
}
