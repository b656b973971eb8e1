/*
 * Encodings: base64url (no padding), percent-decoding, form bodies,
 * HTML escaping and the placeholder templates of the built-in pages.
 * All functions write into caller buffers and never allocate.
 */

#ifndef OCS_CODEC_H
#define OCS_CODEC_H


#include <ocs/ocs.h>


/* encoded length of n bytes in base64url without padding */
#define ocs_b64url_len(n)  (((n) * 4 + 2) / 3)

/*
 * Encodes len bytes of in; writes at most outlen bytes and sets *written.
 * Returns OCS_OK or OCS_ERR_SPACE.  No NUL is appended.
 */
int ocs_b64url_encode(const unsigned char *in, size_t len, char *out,
    size_t outlen, size_t *written);

/*
 * Decodes base64url without padding.  Returns OCS_ERR_INVALID on any
 * character outside the alphabet, on padding and on an impossible
 * length; OCS_ERR_SPACE when out is too small.
 */
int ocs_b64url_decode(const char *in, size_t len, unsigned char *out,
    size_t outlen, size_t *written);

/*
 * Percent-decodes in ("+" becomes a space when form is set).  Returns
 * OCS_ERR_INVALID for a broken escape or a decoded NUL byte.
 */
int ocs_pct_decode(const char *in, size_t len, int form, char *out,
    size_t outlen, size_t *written);

/*
 * Percent-encodes everything except unreserved characters (RFC 3986).
 * Returns OCS_OK or OCS_ERR_SPACE.
 */
int ocs_pct_encode(const char *in, size_t len, char *out, size_t outlen,
    size_t *written);

/*
 * Whether a Content-Type value names application/x-www-form-urlencoded
 * (without case, parameters such as "; charset=UTF-8" allowed): the only
 * body the forms here read.  Returns 1 or 0.
 */
int ocs_form_type_ok(const char *type, size_t len);

/*
 * Finds the first field called name in an application/x-www-form-urlencoded
 * body (or a query string) and decodes its value into out, NUL-terminated.
 * body may be NULL when len is 0 (no body).  Returns OCS_OK,
 * OCS_ERR_NOTFOUND, OCS_ERR_INVALID (bad escape) or OCS_ERR_SPACE (value
 * longer than outlen - 1).
 */
int ocs_form_field(const char *body, size_t len, const char *name,
    char *out, size_t outlen, size_t *written);

/* HTML-escapes in for text and attribute values; OCS_ERR_SPACE if short */
int ocs_html_escape(const char *in, size_t len, char *out, size_t outlen,
    size_t *written);


/* what a variable's value is */
#define OCS_TPL_TEXT      0     /* text: HTML-escaped */
#define OCS_TPL_RAW       1     /* trusted markup: copied as it is */
#define OCS_TPL_NESTED    2     /* a template of trusted markup, rendered
                                   with the same variables */

/* how deep nested variables go: a layout, a page, a part of the page */
#define OCS_TPL_DEPTH     3

typedef struct {
    const char   *name;
    const char   *value;
    size_t        len;
    int           raw;      /* OCS_TPL_TEXT, OCS_TPL_RAW or OCS_TPL_NESTED */
} ocs_tpl_var_t;

/*
 * Renders tpl, replacing each {{name}} with the HTML-escaped value of the
 * variable of that name (unknown names render as nothing).  A nested
 * variable is rendered in place with the same variables, at most
 * OCS_TPL_DEPTH levels deep (below that, nested variables render as
 * nothing), so that no template can include itself forever.  *needed
 * gets the full length even when out is too small (then OCS_ERR_SPACE),
 * so a caller can size a buffer with out == NULL, outlen == 0.
 */
int ocs_tpl_render(const char *tpl, size_t tpl_len, const ocs_tpl_var_t *vars,
    size_t nvars, char *out, size_t outlen, size_t *needed);


#endif /* OCS_CODEC_H */
