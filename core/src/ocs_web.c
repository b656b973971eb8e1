/*
 * What a request says about itself: page or status, this site or
 * another, an application's sign-out; the headers of the proxy's pages.
 */

#include <string.h>

#include <ocs/ocs_web.h>


#define ocs_web_lc(c)  (((c) >= 'A' && (c) <= 'Z') ? (c) | 0x20 : (c))

#define ocs_web_hdr(hdr, name, v, len)                                       \
    ocs_hdr_get(hdr, name, sizeof(name) - 1, 0, v, len)

#define ocs_web_is(v, len, s)                                                \
    ocs_web_caseeq(v, len, s, sizeof(s) - 1)


static int ocs_hdr_get(const ocs_hdr_t *hdr, const char *name,
    size_t name_len, size_t n, const char **value, size_t *value_len);
static int ocs_web_caseeq(const char *a, size_t alen, const char *b,
    size_t blen);
static int ocs_web_casefind(const char *s, size_t len, const char *sub,
    size_t sub_len);


#define ocs_web_header(name, value)                                          \
    { name, sizeof(name) - 1, value, sizeof(value) - 1 }

const ocs_web_header_t  ocs_web_security_headers[] = {

    ocs_web_header("Cache-Control", "no-store"),

    /* the pages carry forms: keep them out of frames and other origins */
    ocs_web_header("X-Frame-Options", "DENY"),

    ocs_web_header("Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline'; "
                   "img-src 'self'; form-action 'self'; "
                   "frame-ancestors 'none'; base-uri 'none'"),

    ocs_web_header("X-Content-Type-Options", "nosniff"),

    ocs_web_header("Referrer-Policy", "same-origin"),

    { NULL, 0, NULL, 0 }
};


int
ocs_web_wants_page(const ocs_hdr_t *hdr, int get_or_head)
{
    size_t       len;
    const char  *v;

    if (!get_or_head) {
        return 0;
    }

    if (ocs_web_hdr(hdr, "X-Requested-With", &v, &len) == OCS_OK
        && ocs_web_is(v, len, "XMLHttpRequest"))
    {
        return 0;
    }

    if (ocs_web_hdr(hdr, "Accept", &v, &len) == OCS_OK
        && ocs_web_casefind(v, len, "application/json",
                            sizeof("application/json") - 1)
        && !ocs_web_casefind(v, len, "text/html", sizeof("text/html") - 1))
    {
        return 0;
    }

    return 1;
}


int
ocs_web_origin_is(const char *origin, size_t len, const char *host,
    size_t host_len)
{
    return len == sizeof("https://") - 1 + host_len
           && ocs_web_caseeq(origin, 8, "https://", 8)
           && ocs_web_caseeq(origin + 8, host_len, host, host_len);
}


int
ocs_web_cross_site(const ocs_hdr_t *hdr, const char *host, size_t host_len)
{
    size_t       len;
    const char  *v;

    if (ocs_web_hdr(hdr, "Origin", &v, &len) == OCS_OK
        && !ocs_web_origin_is(v, len, host, host_len))
    {
        return 1;
    }

    return ocs_web_hdr(hdr, "Sec-Fetch-Site", &v, &len) == OCS_OK
           && ocs_web_is(v, len, "cross-site");
}


int
ocs_web_same_site(const ocs_hdr_t *hdr, const char *host, size_t host_len,
    int siblings)
{
    size_t       len;
    const char  *v, *slash;

    if (ocs_web_hdr(hdr, "Sec-Fetch-Site", &v, &len) == OCS_OK) {
        return ocs_web_is(v, len, "same-origin")
               || (siblings && ocs_web_is(v, len, "same-site"))
               || ocs_web_is(v, len, "none");
    }

    if (ocs_web_hdr(hdr, "Referer", &v, &len) != OCS_OK
        || len < sizeof("https://") - 1)
    {
        return 0;
    }

    /* the origin is what comes before the path */
    slash = memchr(v + 8, '/', len - 8);

    return ocs_web_origin_is(v, slash ? (size_t) (slash - v) : len,
                             host, host_len);
}


int
ocs_web_arg(const char *args, size_t len, const char *name, size_t name_len,
    const char **value, size_t *value_len)
{
    const char  *p, *last, *amp;

    /* no query string is NULL, 0: NULL + 0 would be undefined */
    if (name_len == 0 || len == 0) {
        return OCS_ERR_NOTFOUND;
    }

    p = args;
    last = args + len;

    while (p < last) {
        amp = memchr(p, '&', (size_t) (last - p));

        if ((size_t) (last - p) > name_len
            && ocs_web_caseeq(p, name_len, name, name_len)
            && p[name_len] == '=')
        {
            *value = p + name_len + 1;
            *value_len = (size_t) ((amp ? amp : last) - *value);
            return OCS_OK;
        }

        if (amp == NULL) {
            break;
        }

        p = amp + 1;
    }

    return OCS_ERR_NOTFOUND;
}


int
ocs_web_has_arg(const char *args, size_t len, const char *name,
    size_t name_len)
{
    const char  *p, *last, *amp;

    if (len == 0) {
        return 0;
    }

    p = args;
    last = args + len;

    while (p < last) {
        if ((size_t) (last - p) >= name_len
            && ocs_web_caseeq(p, name_len, name, name_len)
            && (p + name_len == last || p[name_len] == '='
                || p[name_len] == '&'))
        {
            return 1;
        }

        amp = memchr(p, '&', (size_t) (last - p));
        if (amp == NULL) {
            break;
        }

        p = amp + 1;
    }

    return 0;
}


int
ocs_web_app_logoff(const char *pattern, size_t pattern_len, const char *uri,
    size_t uri_len, const char *args, size_t args_len)
{
    size_t       name_len, want_len, len;
    const char  *name, *eq, *want, *v;

    if (pattern_len == 0) {
        return 0;
    }

    if (pattern[0] != '?') {
        return uri_len == pattern_len && memcmp(uri, pattern, uri_len) == 0;
    }

    name = pattern + 1;
    eq = memchr(name, '=', pattern_len - 1);
    name_len = (size_t) ((eq ? eq : pattern + pattern_len) - name);

    if (eq == NULL) {
        return ocs_web_has_arg(args, args_len, name, name_len);
    }

    if (ocs_web_arg(args, args_len, name, name_len, &v, &len) != OCS_OK) {
        return 0;
    }

    want = eq + 1;
    want_len = (size_t) (pattern + pattern_len - want);

    return ocs_web_caseeq(v, len, want, want_len);
}


/* the n-th header called name; the accessor's failures count as none */
static int
ocs_hdr_get(const ocs_hdr_t *hdr, const char *name, size_t name_len,
    size_t n, const char **value, size_t *value_len)
{
    if (hdr == NULL || hdr->get == NULL) {
        return OCS_ERR_NOTFOUND;
    }

    if (hdr->get(hdr->data, name, name_len, n, value, value_len) != OCS_OK) {
        return OCS_ERR_NOTFOUND;
    }

    return OCS_OK;
}


/* equal without ASCII case; never the locale's idea of case */
static int
ocs_web_caseeq(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t  i;

    if (alen != blen) {
        return 0;
    }

    for (i = 0; i < alen; i++) {
        if (ocs_web_lc((unsigned char) a[i])
            != ocs_web_lc((unsigned char) b[i]))
        {
            return 0;
        }
    }

    return 1;
}


static int
ocs_web_casefind(const char *s, size_t len, const char *sub, size_t sub_len)
{
    size_t  i;

    if (sub_len > len) {
        return 0;
    }

    for (i = 0; i + sub_len <= len; i++) {
        if (ocs_web_caseeq(s + i, sub_len, sub, sub_len)) {
            return 1;
        }
    }

    return 0;
}
