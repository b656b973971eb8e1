/*
 * What a request says about itself, decided the same way under every
 * server: whether a browser wants a page or a script a status, whether
 * the request comes from this site or another, whether a URL is an
 * application's own sign-out, and the headers the proxy's pages carry.
 *
 * The server hands its request headers over through an ocs_hdr_t, the
 * header accessor; everything else comes in as plain strings.  Nothing
 * here allocates or keeps a pointer past the call.
 */

#ifndef OCS_WEB_H
#define OCS_WEB_H


#include <ocs/ocs.h>


/*
 * The header accessor: how the core reads a request's headers without
 * the server's types.
 *
 * get(data, name, name_len, n, &value, &value_len) finds the n-th (from
 * 0) request header called name, in the order the client sent them.
 * Names match without case (ASCII), as HTTP field names do, and
 * exactly otherwise: "X_User" is not "X-User".  A header sent twice is
 * two headers; a value with commas is one.
 *
 * Returns OCS_OK with *value and *value_len set, OCS_ERR_NOTFOUND when
 * the request has no n-th such header, or OCS_ERR_SYS when the server
 * cannot look (the core then decides as if there were none).
 *
 * Ownership: the value belongs to the server's request, is not
 * NUL-terminated, and stays valid while the request lives and its
 * header list is not changed.  The core reads it during the call that
 * was given the accessor and never keeps it.
 *
 * Thread-safety: an accessor reads one request; the core calls it only
 * on the caller's thread, within the call it was passed to.  nginx's
 * reads r->headers_in on the event loop; Apache's reads
 * r->headers_in in the request's thread.
 */
typedef int (*ocs_hdr_get_pt)(void *data, const char *name, size_t name_len,
    size_t n, const char **value, size_t *value_len);

typedef struct {
    ocs_hdr_get_pt       get;
    void                *data;
} ocs_hdr_t;


/* a response header of the proxy's own pages */
typedef struct {
    const char          *name;
    size_t               name_len;
    const char          *value;
    size_t               value_len;
} ocs_web_header_t;


/*
 * The headers every page of the proxy carries (no caching, no frames,
 * a strict Content-Security-Policy, no sniffing, no Referer to other
 * origins), in the order they are sent; the entry after the last has a
 * NULL name.  Constant: any thread may read it.
 */
extern const ocs_web_header_t  ocs_web_security_headers[];


/*
 * Whether a client that is not signed in should get the sign-in page
 * (1) or a bare status it can act on (0): browsers navigating get the
 * page; scripts (X-Requested-With: XMLHttpRequest, or an Accept that
 * asks for application/json and not text/html) and any method but GET
 * or HEAD (get_or_head 0) get the status.
 */
int ocs_web_wants_page(const ocs_hdr_t *hdr, int get_or_head);

/*
 * Whether origin ("https://host[:port]", len bytes) is this site: the
 * scheme https and the rest the request's host (host_len bytes, as the
 * client named it, port included), both without case.  1 or 0.
 */
int ocs_web_origin_is(const char *origin, size_t len, const char *host,
    size_t host_len);

/*
 * Whether the browser says the request comes from another site: an
 * Origin that is not this host (ocs_web_origin_is()), or Sec-Fetch-Site
 * "cross-site".  A request that says nothing is not cross-site.  1 or 0.
 */
int ocs_web_cross_site(const ocs_hdr_t *hdr, const char *host,
    size_t host_len);

/*
 * Whether the browser positively says the request is this site's own or
 * the user's doing: Sec-Fetch-Site "same-origin", "same-site" (sibling
 * hosts of a single sign-on domain, only when siblings is set) or "none"
 * (typed, bookmarked).  For browsers without Fetch Metadata, a Referer
 * whose origin is this host.  A request that says nothing is not
 * same-site.  1 or 0.
 */
int ocs_web_same_site(const ocs_hdr_t *hdr, const char *host,
    size_t host_len, int siblings);

/*
 * The value of the first query argument called name (name_len > 0,
 * without case) in args (the query string without '?'; NULL when len
 * is 0): OCS_OK with
 * *value pointing into args, or OCS_ERR_NOTFOUND.  Only "name=value"
 * counts, as for nginx's $arg_name; a bare "name" has no value.
 */
int ocs_web_arg(const char *args, size_t len, const char *name,
    size_t name_len, const char **value, size_t *value_len);

/* whether args has the argument name at all, "name", "name=" or "name=v" */
int ocs_web_has_arg(const char *args, size_t len, const char *name,
    size_t name_len);

/*
 * Whether a request for uri (the path, decoded) with args (the query
 * string) is the application sign-out that pattern names.  A pattern
 * starting with '?' is a query argument: "?Cmd=logoff" that argument
 * with that value, "?logout" the argument at all, both without case.
 * Anything else is a path, compared exactly.  1 or 0.
 */
int ocs_web_app_logoff(const char *pattern, size_t pattern_len,
    const char *uri, size_t uri_len, const char *args, size_t args_len);


#endif /* OCS_WEB_H */
