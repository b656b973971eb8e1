/*
 * The Cookie request header (RFC 6265 section 5.4): finding every cookie
 * of a name, and taking cookies out before the request goes upstream.
 * Both work on one header value, write into caller buffers and never
 * allocate.
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


#endif /* OCS_COOKIE_H */
