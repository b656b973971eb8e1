/*
 * The raw request target, checked before it is forwarded unchanged.
 *
 * A proxy matches its rules on the decoded, normalised path, but a
 * reverse proxy that passes the request line through (nginx's proxy_pass
 * without a URI, Apache's ProxyPass nocanon) hands the upstream the
 * bytes the client sent, and IIS decodes them its own way: %2F and %5C
 * become separators, a backslash is one, %25xx is decoded twice, %uXXXX
 * and overlong UTF-8 name characters the proxy never saw.  The path the
 * proxy allowed is then not the path the upstream serves.
 *
 * ocs_path_check() refuses every target whose path two decoders could
 * read differently, so that what the proxy's rules saw is what the
 * upstream gets.  Only the path is checked: the query is the
 * application's, and its encoding means nothing to the mapping of paths.
 *
 * Pure and thread-safe: no allocation, no state.
 */

#ifndef OCS_PATH_H
#define OCS_PATH_H


#include <ocs/ocs.h>


/* what ocs_path_check() found; OCS_PATH_FINE when nothing */
typedef enum {
    OCS_PATH_FINE = 0,
    OCS_PATH_NOT_ABSOLUTE,      /* does not start with "/" */
    OCS_PATH_BAD_ESCAPE,        /* "%" without two hex digits, "%u..." */
    OCS_PATH_ENCODED_SLASH,     /* %2F or %5C */
    OCS_PATH_BACKSLASH,         /* a raw "\" */
    OCS_PATH_DOT_SEGMENT,       /* ".", "..", raw or encoded, or a
                                   segment of dots and spaces only */
    OCS_PATH_DOUBLE_ENCODING,   /* %25: decoded twice, another path */
    OCS_PATH_NUL,               /* %00 */
    OCS_PATH_CONTROL,           /* a control character, raw or encoded */
    OCS_PATH_OVERLONG,          /* overlong UTF-8 (%C0%AF is "/") */
    OCS_PATH_BAD_UTF8           /* any other invalid UTF-8 */
} ocs_path_why_t;


/*
 * Checks the path of a raw request target: target is len bytes (no NUL
 * needed), in origin form ("/path?query"), as the client sent it; the
 * caller owns it, and it is only read.  The path ends at the first "?"
 * or "#".
 *
 * Returns OCS_OK when the path decodes once to the same segments under
 * any decoder, or OCS_ERR_INVALID with *why (when why is not NULL) set
 * to the first problem and *at (when at is not NULL) to the offset of
 * the byte in target where it starts.  On OCS_OK, *why is OCS_PATH_FINE
 * and *at is the length of the path.
 */
int ocs_path_check(const char *target, size_t len, ocs_path_why_t *why,
    size_t *at);

/*
 * A short lowercase description of why, for a log line: "encoded
 * slash", "dot segment", ...  Static text; never NULL.
 */
const char *ocs_path_reason(ocs_path_why_t why);


#endif /* OCS_PATH_H */
