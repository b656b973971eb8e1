/*
 * The Cookie request header (RFC 6265 section 5.4): finding every cookie
 * of a name, and taking cookies out before the request goes upstream.
 * Both work on one header value, write into caller buffers and never
 * allocate.  And the other way, the Set-Cookie value of a cookie of the
 * proxy's own (RFC 6265 section 4.1, RFC 6265bis cookie prefixes).
 *
 * A header is split at ';' into pairs, and each pair is trimmed of
 * spaces and tabs.  A pair's name is what comes before its first '='
 * (trimmed), its value what comes after (trimmed, double quotes kept);
 * a pair without '=' has no name (RFC 6265bis: the whole pair is the
 * value).  Names match exactly, byte for byte: RFC 6265 names are
 * case-sensitive, and "OCS_TICKET" is not "ocs_ticket".
 */

#ifndef OCS_COOKIE_H
#define OCS_COOKIE_H


#include <ocs/ocs.h>


typedef struct {
    const char   *name;
    size_t        len;
} ocs_cookie_name_t;


/*
 * The next cookie called name (name_len > 0) in header, from *pos on:
 * start with *pos = 0 and call again for the next one.  A browser sends
 * every cookie it holds under the name (set by sibling hosts, on longer
 * paths), most specific path first, so a caller tries each.  Returns
 * OCS_OK with *value (pointing into header) and *value_len set and *pos
 * moved past the pair, or OCS_ERR_NOTFOUND when no further pair has
 * the name.
 */
int ocs_cookie_next(const char *header, size_t len, const char *name,
    size_t name_len, size_t *pos, const char **value, size_t *value_len);

/*
 * Copies header into out without the pairs whose names are in names.
 * The other pairs keep their bytes and their order, each after the
 * separator that came before it in header, so the result is never
 * longer than header: outlen == len is always enough.  Empty pairs
 * (";;") and the blanks at either end are dropped.  *removed counts the
 * pairs left out; when it is 0, header is best passed on as it is.
 * *written is 0 when no pair is left: the header should then not be
 * sent at all.  out may be NULL (outlen 0) to count and measure only.
 * Returns OCS_OK, or OCS_ERR_SPACE when outlen is too small.
 */
int ocs_cookie_remove(const char *header, size_t len,
    const ocs_cookie_name_t *names, size_t nnames, char *out, size_t outlen,
    size_t *written, size_t *removed);


/*
 * A cookie to set.  Every cookie of the proxy's is Secure and HttpOnly.
 * The strings need not be NUL-terminated; domain and path may be empty
 * (len 0): no Domain attribute, "Path=" empty.
 */
typedef struct {
    const char   *name;
    size_t        name_len;
    const char   *value;
    size_t        value_len;
    const char   *domain;
    size_t        domain_len;
    const char   *path;
    size_t        path_len;
    const char   *same_site;       /* "Lax" or "Strict" */
    size_t        same_site_len;
    int64_t       max_age;         /* < 0: a session cookie; 0: expire it */
} ocs_cookie_t;


/*
 * Whether name (len bytes) carries the "__Host-" prefix, without case as
 * browsers match it (RFC 6265bis 4.1.3.2): such a cookie is refused by
 * browsers unless it is Secure, has Path=/ and no Domain, so no sibling
 * host or longer path can plant one that shadows it.  1 or 0.
 */
int ocs_cookie_host_prefixed(const char *name, size_t len);

/*
 * How many bytes ocs_cookie_format() may write for cookie, at most
 * (a bound, not the exact length).
 */
size_t ocs_cookie_format_len(const ocs_cookie_t *cookie);

/*
 * The Set-Cookie value of cookie, into out (outlen bytes, not
 * NUL-terminated; *written set):
 *
 *   name=value; Path=path[; Domain=domain][; Max-Age=n; Expires=date];
 *   Secure; HttpOnly; SameSite=same_site
 *
 * max_age 0 expires the cookie ("Max-Age=0; Expires=Thu, 01 Jan 1970
 * 00:00:00 GMT"); max_age > 0 dates Expires env->now() + max_age, in the
 * form nginx gives cookies ("Thu, 31-Dec-37 23:55:55 GMT", four-digit
 * years after 2037); max_age < 0 sends neither (a session cookie).
 *
 * Returns OCS_OK; OCS_ERR_INVALID for a "__Host-" cookie with a Domain
 * or a Path other than "/", which a browser would drop; OCS_ERR_SPACE
 * when outlen is too small (ocs_cookie_format_len() is always enough).
 * Thread-safe if env->now() is.
 */
int ocs_cookie_format(const ocs_cookie_t *cookie, const ocs_env_t *env,
    char *out, size_t outlen, size_t *written);


#endif /* OCS_COOKIE_H */
