/*
 * Helpers the ocs modules share.  Nothing here has directives.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs.h>

#if (NGX_LINUX)
#include <sys/resource.h>
#include <sys/syscall.h>
#endif


typedef struct {
    ngx_http_request_t       *request;
    ngx_http_ocs_thread_pt    handler;
    ngx_http_ocs_resume_pt    resume;
    void                     *data;
    ngx_uint_t                done;
    ngx_http_event_handler_pt read_event_handler;
} ngx_http_ocs_thread_ctx_t;


static ngx_str_t  ngx_http_ocs_no_type = ngx_string("(none)");


static int64_t ngx_http_ocs_env_now(void *data);
static int ngx_http_ocs_env_random(void *data, unsigned char *buf,
    size_t len);
static ngx_int_t ngx_http_ocs_header_name_eq(ngx_str_t *a, ngx_str_t *b);
static void ngx_http_ocs_thread_handler(void *data, ngx_log_t *log);
static void ngx_http_ocs_thread_event_handler(ngx_event_t *ev);
static void ngx_http_ocs_thread_write_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_terminated(ngx_http_request_t *r);


static const ocs_env_t  ngx_http_ocs_env_nginx = {
    ngx_http_ocs_env_now,
    ngx_http_ocs_env_random,
    NULL
};


const ocs_env_t *
ngx_http_ocs_env(void)
{
    return &ngx_http_ocs_env_nginx;
}


static int64_t
ngx_http_ocs_env_now(void *data)
{
    return (int64_t) ngx_time();
}


/*
 * Random bytes for nonces, session ids and ticket IVs, all made on the
 * event loop.  OpenSSL's DRBG costs microseconds per call there (locks,
 * a reseed check and a rekey each time, cold in the cache), so the bytes
 * come from a buffer that one RAND_bytes() call fills: each thread its
 * own, and a process that is not the one that filled it (a forked
 * worker) starts afresh, so no two processes or threads ever hand out
 * the same bytes.  Bytes handed out are wiped from the buffer.
 */

#define NGX_HTTP_OCS_RANDOM_BUF  512

typedef struct {
    ngx_pid_t      pid;
    size_t         left;
    unsigned char  buf[NGX_HTTP_OCS_RANDOM_BUF];
} ngx_http_ocs_random_t;


static __thread ngx_http_ocs_random_t  ngx_http_ocs_random;


static int
ngx_http_ocs_env_random(void *data, unsigned char *buf, size_t len)
{
    const ocs_env_t        *env;
    ngx_http_ocs_random_t  *rnd;

    env = ocs_env_default();

    if (len > NGX_HTTP_OCS_RANDOM_BUF / 8) {
        return env->random(env->data, buf, len);
    }

    rnd = &ngx_http_ocs_random;

    /* ngx_pid: nginx sets it in every process it forks, no system call */
    if (rnd->pid != ngx_pid || rnd->left < len) {
        ngx_explicit_memzero(rnd->buf, NGX_HTTP_OCS_RANDOM_BUF);
        rnd->left = 0;
        rnd->pid = ngx_pid;

        if (env->random(env->data, rnd->buf, NGX_HTTP_OCS_RANDOM_BUF)
            != OCS_OK)
        {
            return OCS_ERR_SYS;
        }

        rnd->left = NGX_HTTP_OCS_RANDOM_BUF;
    }

    rnd->left -= len;
    ngx_memcpy(buf, rnd->buf + rnd->left, len);
    ngx_explicit_memzero(rnd->buf + rnd->left, len);

    return OCS_OK;
}


/*
 * The next element of a list of headers, or NULL after the last.  A
 * list that changes shape (an element taken out) is walked again from
 * the start with a zeroed iterator.
 */
ngx_table_elt_t *
ngx_http_ocs_list_next(ngx_list_t *list, ngx_http_ocs_list_iter_t *it)
{
    if (it->part == NULL) {
        it->part = &list->part;
        it->i = 0;
    }

    while (it->i >= it->part->nelts) {
        if (it->part->next == NULL) {
            return NULL;
        }

        it->part = it->part->next;
        it->i = 0;
    }

    return (ngx_table_elt_t *) it->part->elts + it->i++;
}


ngx_table_elt_t *
ngx_http_ocs_header_in(ngx_http_request_t *r, const char *name, size_t len)
{
    ngx_table_elt_t           *h;
    ngx_http_ocs_list_iter_t   it;

    ngx_memzero(&it, sizeof(ngx_http_ocs_list_iter_t));

    while ((h = ngx_http_ocs_list_next(&r->headers_in.headers, &it))
           != NULL)
    {
        if (h->key.len == len
            && ngx_strncasecmp(h->key.data, (u_char *) name, len) == 0)
        {
            return h;
        }
    }

    return NULL;
}


/*
 * Removes every client copy of a request header.  Names match without
 * case and with '-' and '_' alike, because FastCGI and CGI upstreams see
 * "X-User" and "X_User" as the same HTTP_X_USER variable.
 */
ngx_uint_t
ngx_http_ocs_header_in_remove(ngx_http_request_t *r, ngx_str_t *name)
{
    ngx_uint_t                 n;
    ngx_table_elt_t           *h;
    ngx_http_ocs_list_iter_t   it;

    n = 0;

again:

    ngx_memzero(&it, sizeof(ngx_http_ocs_list_iter_t));

    while ((h = ngx_http_ocs_list_next(&r->headers_in.headers, &it))
           != NULL)
    {
        if (ngx_http_ocs_header_name_eq(&h->key, name)) {
            if (ngx_http_ocs_header_in_delete(r, h) != NGX_OK) {
                return n;
            }

            n++;

            /* the parts changed shape: start over, the list is short */
            goto again;
        }
    }

    return n;
}


/*
 * Whether the request has any of the n headers names (matched as
 * ngx_http_ocs_header_in_remove() matches them), in one walk of the
 * list: most requests have none, and then nothing more is done.
 */
ngx_int_t
ngx_http_ocs_header_in_any(ngx_http_request_t *r, ngx_str_t *names,
    ngx_uint_t n)
{
    uint64_t                   lengths;
    ngx_uint_t                 i;
    ngx_table_elt_t           *h;
    ngx_http_ocs_list_iter_t   it;

    /* the lengths of names below 64 bytes, as bits: a cheap first look */
    lengths = 0;

    for (i = 0; i < n; i++) {
        lengths |= (names[i].len < 64) ? (uint64_t) 1 << names[i].len
                                       : (uint64_t) 1 << 63;
    }

    ngx_memzero(&it, sizeof(ngx_http_ocs_list_iter_t));

    while ((h = ngx_http_ocs_list_next(&r->headers_in.headers, &it))
           != NULL)
    {
        if (!(lengths & ((uint64_t) 1 << ngx_min(h->key.len, 63)))) {
            continue;
        }

        for (i = 0; i < n; i++) {
            if (ngx_http_ocs_header_name_eq(&h->key, &names[i])) {
                return 1;
            }
        }
    }

    return 0;
}


static ngx_int_t
ngx_http_ocs_header_name_eq(ngx_str_t *a, ngx_str_t *b)
{
    u_char      ca, cb;
    ngx_uint_t  i;

    if (a->len != b->len) {
        return 0;
    }

    for (i = 0; i < a->len; i++) {
        ca = ngx_tolower(a->data[i]);
        cb = ngx_tolower(b->data[i]);

        if (ca == '_') {
            ca = '-';
        }

        if (cb == '_') {
            cb = '-';
        }

        if (ca != cb) {
            return 0;
        }
    }

    return 1;
}


/*
 * Takes one element out of the request's header list without moving any
 * other element: r->headers_in keeps pointers to known headers (Host,
 * Cookie, ...), so the arrays must stay where they are.  Two invariants
 * of the list must hold afterwards:
 *
 * - every part but the first has an element, because nginx's own loops
 *   (the proxy module's among them) read element 0 of the next part
 *   without checking its count;
 * - the last part can take l->nalloc elements from its elts, because
 *   ngx_list_push() writes there until the count reaches l->nalloc.
 *   Lowering l->nalloc to what the last part surely holds makes the
 *   next push start a new part.
 *
 * The first part's array is never moved, so its capacity is the list's
 * original nalloc, which is never raised.
 *
 * A subrequest's list is a copy of its parent's whose parts it shares:
 * only the main request's list, or one that a subrequest was given of
 * its own (ngx_http_ocs_cookie.c), may be changed this way.
 */
ngx_int_t
ngx_http_ocs_header_in_delete(ngx_http_request_t *r, ngx_table_elt_t *elt)
{
    ngx_uint_t        i;
    ngx_list_t       *list;
    ngx_list_part_t  *part, *prev, *tail;
    ngx_table_elt_t  *h;

    list = &r->headers_in.headers;
    prev = NULL;

    for (part = &list->part; part != NULL; prev = part, part = part->next) {
        h = part->elts;

        if (elt >= h && elt < h + part->nelts) {
            break;
        }
    }

    if (part == NULL) {
        return NGX_DECLINED;
    }

    h = part->elts;
    i = elt - h;

    if (i == part->nelts - 1) {
        part->nelts--;

        if (part->nelts == 0 && prev != NULL) {
            prev->next = part->next;

            if (list->last == part) {
                list->last = prev;

                if (prev->nelts) {
                    list->nalloc = ngx_min(list->nalloc, prev->nelts);
                }
            }
        }

        return NGX_OK;
    }

    if (i == 0 && prev != NULL) {
        part->elts = &h[1];
        part->nelts--;

    } else {
        tail = ngx_palloc(r->pool, sizeof(ngx_list_part_t));
        if (tail == NULL) {
            return NGX_ERROR;
        }

        tail->elts = &h[i + 1];
        tail->nelts = part->nelts - i - 1;
        tail->next = part->next;

        part->nelts = i;
        part->next = tail;

        if (list->last == part) {
            list->last = tail;
        }

        part = tail;
    }

    if (list->last == part) {
        list->nalloc = ngx_min(list->nalloc, part->nelts);
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_ocs_header_in_add(ngx_http_request_t *r, ngx_str_t *name,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_in.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->key = *name;
    h->value = *value;

    h->lowcase_key = ngx_pnalloc(r->pool, name->len);
    if (h->lowcase_key == NULL) {
        return NGX_ERROR;
    }

    ngx_strlow(h->lowcase_key, name->data, name->len);
    h->hash = ngx_hash_key(h->lowcase_key, name->len);

#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}


ngx_int_t
ngx_http_ocs_header_out_add(ngx_http_request_t *r, const char *name,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.len = ngx_strlen(name);
    h->key.data = (u_char *) name;
    h->value = *value;

#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}


ngx_int_t
ngx_http_ocs_is_https(ngx_http_request_t *r)
{
#if (NGX_HTTP_SSL)
    return r->connection->ssl != NULL;
#else
    return 0;
#endif
}


static ngx_int_t
ngx_http_ocs_origin_is(ngx_http_request_t *r, ngx_str_t *origin)
{
    ngx_str_t  *host;

    host = (r->headers_in.host != NULL) ? &r->headers_in.host->value
                                        : &r->headers_in.server;

    return origin->len == sizeof("https://") - 1 + host->len
           && ngx_strncasecmp(origin->data, (u_char *) "https://", 8) == 0
           && ngx_strncasecmp(origin->data + 8, host->data, host->len) == 0;
}


/*
 * Whether the browser says the request comes from another site: an
 * Origin that is not this host, or Sec-Fetch-Site "cross-site".
 */
ngx_int_t
ngx_http_ocs_cross_site(ngx_http_request_t *r)
{
    ngx_table_elt_t  *h;

    h = ngx_http_ocs_header_in(r, "Origin", sizeof("Origin") - 1);

    if (h && !ngx_http_ocs_origin_is(r, &h->value)) {
        return 1;
    }

    h = ngx_http_ocs_header_in(r, "Sec-Fetch-Site",
                               sizeof("Sec-Fetch-Site") - 1);

    return h && h->value.len == sizeof("cross-site") - 1
           && ngx_strncasecmp(h->value.data, (u_char *) "cross-site",
                              h->value.len) == 0;
}


/*
 * Whether the browser positively says the request is this site's own or
 * the user's doing: Sec-Fetch-Site "same-origin", "same-site" (sibling
 * hosts of a single sign-on domain, when siblings is set) or "none"
 * (typed, bookmarked); for
 * browsers without Fetch Metadata, a Referer on this origin.
 */
ngx_int_t
ngx_http_ocs_same_site(ngx_http_request_t *r, ngx_uint_t siblings)
{
    u_char           *p;
    ngx_str_t         origin;
    ngx_table_elt_t  *h;

    h = ngx_http_ocs_header_in(r, "Sec-Fetch-Site",
                               sizeof("Sec-Fetch-Site") - 1);

    if (h) {
        return (h->value.len == 11
                && ngx_strncasecmp(h->value.data, (u_char *) "same-origin",
                                   11) == 0)
               || (siblings && h->value.len == 9
                   && ngx_strncasecmp(h->value.data, (u_char *) "same-site",
                                      9) == 0)
               || (h->value.len == 4
                   && ngx_strncasecmp(h->value.data, (u_char *) "none", 4)
                      == 0);
    }

    h = r->headers_in.referer;

    if (h == NULL || h->value.len < sizeof("https://") - 1) {
        return 0;
    }

    p = ngx_strlchr(h->value.data + 8, h->value.data + h->value.len, '/');

    origin.data = h->value.data;
    origin.len = (p ? p : h->value.data + h->value.len) - h->value.data;

    return ngx_http_ocs_origin_is(r, &origin);
}


/*
 * The HTTPS policy of every ocs location: over plain HTTP, GET and HEAD
 * are sent to the same URL over https, anything else gets 403 and the
 * connection is closed without its body ever being read.  Returns
 * NGX_DECLINED over https, else what the caller should return.
 */
ngx_int_t
ngx_http_ocs_refuse_plain(ngx_http_request_t *r, ngx_uint_t https_port)
{
    u_char     *p;
    size_t      len;
    ngx_str_t  *host;

    if (ngx_http_ocs_is_https(r)) {
        return NGX_DECLINED;
    }

    host = &r->headers_in.server;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) || host->len == 0) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "ocs: refused a %V request over plain http",
                      &r->method_name);

        /* never read a body that may hold credentials */
        r->discard_body = 1;
        r->keepalive = 0;
        r->lingering_close = 0;

        return ngx_http_ocs_send_text(r, NGX_HTTP_FORBIDDEN,
                                      "This service accepts requests over "
                                      "HTTPS only.\n");
    }

    len = sizeof("https://") - 1 + host->len + sizeof(":65535") - 1
          + r->unparsed_uri.len;

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = ngx_sprintf(p, "https://%V", host) - p;

    if (https_port != 443) {
        len = ngx_sprintf(p + len, ":%ui", https_port) - p;
    }

    len = ngx_cpymem(p + len, r->unparsed_uri.data, r->unparsed_uri.len) - p;

    return ngx_http_ocs_redirect(r, NGX_HTTP_MOVED_PERMANENTLY, p, len);
}


ngx_int_t
ngx_http_ocs_send(ngx_http_request_t *r, ngx_uint_t status, const char *type,
    u_char *body, size_t len)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_str_t     v;
    ngx_chain_t   out;

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    r->headers_out.content_type.len = ngx_strlen(type);
    r->headers_out.content_type.data = (u_char *) type;
    r->headers_out.content_type_lowcase = NULL;

    ngx_str_set(&v, "no-store");
    if (ngx_http_ocs_header_out_add(r, "Cache-Control", &v) != NGX_OK) {
        return NGX_ERROR;
    }

    /* the pages carry forms: keep them out of frames and other origins */
    ngx_str_set(&v, "DENY");
    if (ngx_http_ocs_header_out_add(r, "X-Frame-Options", &v) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_str_set(&v, "default-src 'none'; style-src 'unsafe-inline'; "
                    "img-src 'self'; form-action 'self'; "
                    "frame-ancestors 'none'; base-uri 'none'");
    if (ngx_http_ocs_header_out_add(r, "Content-Security-Policy", &v)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_str_set(&v, "nosniff");
    if (ngx_http_ocs_header_out_add(r, "X-Content-Type-Options", &v)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_str_set(&v, "same-origin");
    if (ngx_http_ocs_header_out_add(r, "Referrer-Policy", &v) != NGX_OK) {
        return NGX_ERROR;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only || len == 0) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = body;
    b->last = body + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


ngx_int_t
ngx_http_ocs_send_text(ngx_http_request_t *r, ngx_uint_t status,
    const char *text)
{
    return ngx_http_ocs_send(r, status, "text/plain; charset=utf-8",
                             (u_char *) text, ngx_strlen(text));
}


ngx_int_t
ngx_http_ocs_send_message(ngx_http_request_t *r, ngx_uint_t status,
    const char *title, const char *message)
{
    ocs_tpl_var_t  vars[2];

    vars[0] = (ocs_tpl_var_t) { "title", title, ngx_strlen(title), 0 };
    vars[1] = (ocs_tpl_var_t) { "message", message, ngx_strlen(message), 0 };

    return ngx_http_ocs_send_page(r, status, OCS_PAGE_MESSAGE, NULL, vars, 2);
}


u_char *
ngx_http_ocs_render(ngx_http_request_t *r, ngx_str_t *tpl,
    ocs_tpl_var_t *vars, size_t nvars, size_t *len)
{
    u_char  *out;
    size_t   need;

    (void) ocs_tpl_render((char *) tpl->data, tpl->len, vars, nvars, NULL, 0,
                          &need);

    out = ngx_pnalloc(r->pool, need + 1);
    if (out == NULL) {
        return NULL;
    }

    if (ocs_tpl_render((char *) tpl->data, tpl->len, vars, nvars,
                       (char *) out, need, len)
        != OCS_OK)
    {
        return NULL;
    }

    return out;
}


/*
 * Sends a redirect with a short body.  A location starting with "/" is
 * made absolute by nginx's header filter, as for any other redirect.
 */
ngx_int_t
ngx_http_ocs_redirect(ngx_http_request_t *r, ngx_uint_t status,
    u_char *location, size_t len)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Location");
    h->value.data = location;
    h->value.len = len;

#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    r->headers_out.location = h;

    return ngx_http_ocs_send_text(r, status, "Redirecting.\n");
}


/*
 * Reads a small form body into one memory buffer, then calls handler.
 * Returns what a content handler should return.
 */
ngx_int_t
ngx_http_ocs_read_form(ngx_http_request_t *r, size_t max,
    ngx_http_client_body_handler_pt handler)
{
    ngx_int_t         rc;
    ngx_uint_t        body;
    ngx_table_elt_t  *type;

    if (r->headers_in.content_length_n > (off_t) max) {
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    /*
     * Only a form's own encoding: a text/plain or untyped body is what a
     * cross-site "simple request" can send, and nothing here reads one.
     * An empty body may come untyped.
     */
    type = r->headers_in.content_type;
    body = (r->headers_in.content_length_n > 0 || r->headers_in.chunked);

#if (NGX_HTTP_V2)
    /* HTTP/2 may send a body without a length: DATA frames to come */
    if (r->stream != NULL && r->headers_in.content_length_n < 0
        && !r->stream->in_closed)
    {
        body = 1;
    }
#endif

    if ((type != NULL
         && !ocs_form_type_ok((char *) type->value.data, type->value.len))
        || (type == NULL && body))
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs: form body of type \"%V\" refused",
                      type ? &type->value : &ngx_http_ocs_no_type);

        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_ocs_send_message(r, NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                         "Unsupported form",
                                         "The form must be sent as "
                                         "application/x-www-form-urlencoded.");
    }

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


/*
 * The body ngx_http_ocs_read_form() read, as one string: NGX_OK with body
 * set (empty for no body), or NGX_HTTP_REQUEST_ENTITY_TOO_LARGE for a
 * body over max or one that went to a file.  request_body_in_single_buf
 * does not make one buffer of a body whose start came in with the
 * headers, so the buffers are joined here.
 */
ngx_int_t
ngx_http_ocs_form_body(ngx_http_request_t *r, size_t max, ngx_str_t *body)
{
    u_char       *p;
    size_t        len;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    ngx_str_null(body);

    if (r->request_body == NULL || r->request_body->temp_file) {
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    len = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (b->in_file) {
            return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
        }

        len += b->last - b->pos;
    }

    if (len > max) {
        /* refused unread, but it may hold a password: wipe it */
        for (cl = r->request_body->bufs; cl; cl = cl->next) {
            ngx_explicit_memzero(cl->buf->pos, cl->buf->last - cl->buf->pos);
        }

        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    if (len == 0) {
        return NGX_OK;
    }

    cl = r->request_body->bufs;

    if (cl->next == NULL) {
        body->data = cl->buf->pos;
        body->len = len;
        return NGX_OK;
    }

    body->data = ngx_pnalloc(r->pool, len);
    if (body->data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = body->data;

    /* the copy is what the caller wipes: wipe the pieces here */
    for ( /* void */ ; cl; cl = cl->next) {
        b = cl->buf;
        p = ngx_cpymem(p, b->pos, b->last - b->pos);
        ngx_explicit_memzero(b->pos, b->last - b->pos);
    }

    body->len = len;

    return NGX_OK;
}


/*
 * Runs handler(data) in a thread pool and then resume(r, data) on the
 * event loop.  The request is held (blocked) meanwhile, so its pool,
 * where data lives, outlives the thread's use of it.
 *
 * A client that goes away meanwhile is noticed at once, as the upstream
 * module notices it (ngx_http_test_reading): the request is terminated,
 * and when the task ends, resume is not called; the connection's own
 * handler finishes the request instead, as nginx's thread handlers do
 * (ngx_http_cache_thread_event_handler).  So resume never works on a
 * request that is over, and nothing a task holds outlives the request
 * pool, where it must live.
 *
 * NGX_ERROR when the task cannot be posted, and nginx has logged why:
 * a full queue as "thread pool ... queue overflow" at ERR, a failed
 * allocation or lock in a line of its own.  That line is the only one
 * the request gets, as with nginx's own thread users (the file cache,
 * aio threads): callers add none.
 */
ngx_int_t
ngx_http_ocs_thread_run(ngx_http_request_t *r, ngx_thread_pool_t *pool,
    ngx_http_ocs_thread_pt handler, ngx_http_ocs_resume_pt resume,
    void *data)
{
    ngx_thread_task_t          *task;
    ngx_http_ocs_thread_ctx_t  *ctx;

    task = ngx_thread_task_alloc(r->pool, sizeof(ngx_http_ocs_thread_ctx_t));
    if (task == NULL) {
        return NGX_ERROR;
    }

    ctx = task->ctx;
    ctx->request = r;
    ctx->handler = handler;
    ctx->resume = resume;
    ctx->data = data;
    ctx->done = 0;

    task->handler = ngx_http_ocs_thread_handler;
    task->event.data = ctx;
    task->event.handler = ngx_http_ocs_thread_event_handler;

    if (ngx_thread_task_post(pool, task) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_set_ctx(r, ctx, ngx_http_ocs_module);

    r->main->blocked++;
    r->aio = 1;
    r->write_event_handler = ngx_http_ocs_thread_write_handler;

    ctx->read_event_handler = r->read_event_handler;
    r->read_event_handler = ngx_http_test_reading;

    return NGX_OK;
}


static void
ngx_http_ocs_thread_handler(void *data, ngx_log_t *log)
{
    ngx_http_ocs_thread_ctx_t  *ctx = data;

#if (NGX_LINUX)
    /*
     * Directory and hashing work may wait and burn CPU as it likes, but
     * should not push aside the event loop, which answers the requests
     * that already hold a ticket: the pool thread steps back to nice 10
     * (this thread only).  Not SCHED_IDLE: it starves the thread behind
     * any busy process on the core, not only the loop, and measured it
     * did not lower the loop's p99 (bench/README.md).  An unprivileged
     * worker cannot undo it, so the thread stays there;
     * ocs_auth_thread_pool names a pool of its own.
     */
    (void) setpriority(PRIO_PROCESS, (id_t) syscall(SYS_gettid), 10);
#endif

    ctx->handler(ctx->data);
}


static void
ngx_http_ocs_thread_event_handler(ngx_event_t *ev)
{
    ngx_connection_t           *c;
    ngx_http_request_t         *r;
    ngx_http_ocs_thread_ctx_t  *ctx;

    ctx = ev->data;
    r = ctx->request;
    c = r->connection;

    ngx_http_set_log_request(c->log, r);

    r->main->blocked--;
    r->aio = 0;
    ctx->done = 1;

    if (r->read_event_handler == ngx_http_test_reading) {
        r->read_event_handler = ctx->read_event_handler;
    }

    if (ngx_http_ocs_terminated(r)) {
        /* the connection's handler runs the finalizer termination set */
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, c->log, 0,
                       "ocs thread task done for a terminated request");

        c->write->handler(c->write);
        return;
    }

    r->write_event_handler(r);

    ngx_http_run_posted_requests(c);
}


/*
 * Whether the request was terminated while its task ran: nginx 1.25.4
 * and later say so in r->main->terminated; before, termination of a
 * blocked request set c->error and a finalizer on the request.
 */
static ngx_int_t
ngx_http_ocs_terminated(ngx_http_request_t *r)
{
#if (nginx_version >= 1025004)
    if (r->main->terminated) {
        return 1;
    }
#endif

    return r->connection->error
           && r->write_event_handler != ngx_http_ocs_thread_write_handler;
}


static void
ngx_http_ocs_thread_write_handler(ngx_http_request_t *r)
{
    ngx_http_ocs_thread_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_ocs_module);

    if (ctx == NULL || !ctx->done) {
        return;
    }

    ngx_http_set_ctx(r, NULL, ngx_http_ocs_module);
    r->write_event_handler = ngx_http_request_empty_handler;

    if (r->connection->error) {
        /* the client is gone: nobody to answer */
        ngx_http_finalize_request(r, NGX_HTTP_CLIENT_CLOSED_REQUEST);
        return;
    }

    ctx->resume(r, ctx->data);
}


/*
 * A string directive where "off" means none, so that a nested level can
 * switch off what it inherits; cmd->post may check the value.
 */
char *
ngx_http_ocs_conf_set_str_or_off(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    char  *p = conf;

    char             *rv;
    ngx_str_t        *field, *value;
    ngx_conf_post_t  *post;

    field = (ngx_str_t *) (p + cmd->offset);

    if (field->data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ngx_str_set(field, "");
        return NGX_CONF_OK;
    }

    if (cmd->post) {
        post = cmd->post;
        rv = post->post_handler(cf, post, &value[1]);

        if (rv != NGX_CONF_OK) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid value \"%V\" in \"%V\": %s",
                               &value[1], &cmd->name, rv);
            return NGX_CONF_ERROR;
        }
    }

    *field = value[1];

    return NGX_CONF_OK;
}


/*
 * Reads a small configuration file (a template, a key file) whole at
 * configuration time, so that requests never touch the disk for it.
 * A secret file must not be readable by others.
 */
char *
ngx_http_ocs_read_conf_file(ngx_conf_t *cf, ngx_str_t *name, ngx_str_t *text,
    size_t max, ngx_uint_t secret)
{
    ssize_t          n;
    ngx_fd_t         fd;
    ngx_file_info_t  fi;

    if (ngx_conf_full_name(cf->cycle, name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(name->data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%V\" failed", name);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_fd_info_n " \"%V\" failed", name);
        goto failed;
    }

    if (secret && (ngx_file_access(&fi) & 0004)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is readable by every user; "
                           "chmod o-rwx it", name);
        goto failed;
    }

    if (ngx_file_size(&fi) > (off_t) max || ngx_file_size(&fi) == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is %s (%O bytes, at most %uz)", name,
                           ngx_file_size(&fi) ? "too large" : "empty",
                           ngx_file_size(&fi), max);
        goto failed;
    }

    text->len = (size_t) ngx_file_size(&fi);
    text->data = ngx_pnalloc(cf->pool, text->len + 1);
    if (text->data == NULL) {
        goto failed;
    }

    n = ngx_read_fd(fd, text->data, text->len);

    if (n != (ssize_t) text->len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_read_fd_n " \"%V\" failed", name);
        goto failed;
    }

    text->data[text->len] = '\0';
    (void) ngx_close_file(fd);

    return NGX_CONF_OK;

failed:

    (void) ngx_close_file(fd);

    return NGX_CONF_ERROR;
}


/*
 * The "name:size" of a zone directive (cmd's name in the messages),
 * at least 8 memory pages.
 */
char *
ngx_http_ocs_conf_zone(ngx_conf_t *cf, ngx_command_t *cmd, ngx_str_t *name,
    size_t *size)
{
    u_char     *p;
    ssize_t     n;
    ngx_str_t  *value, s;

    value = cf->args->elts;

    p = ngx_strlchr(value[1].data, value[1].data + value[1].len, ':');

    if (p == NULL || p == value[1].data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid %V \"%V\": use name:size", &cmd->name,
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    name->data = value[1].data;
    name->len = p - value[1].data;

    s.data = p + 1;
    s.len = value[1].data + value[1].len - s.data;

    n = ngx_parse_size(&s);

    if (n == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid %V size \"%V\"", &cmd->name, &s);
        return NGX_CONF_ERROR;
    }

    if (n < (ssize_t) (8 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%V \"%V\" is too small", &cmd->name, &value[1]);
        return NGX_CONF_ERROR;
    }

    *size = n;

    return NGX_CONF_OK;
}


/* a shared zone of the module tag, which must not exist yet */
ngx_shm_zone_t *
ngx_http_ocs_zone_add(ngx_conf_t *cf, ngx_str_t *name, size_t size,
    void *tag, const char *directive, ngx_shm_zone_init_pt init, void *data)
{
    ngx_shm_zone_t  *shm_zone;

    shm_zone = ngx_shared_memory_add(cf, name, size, tag);
    if (shm_zone == NULL) {
        return NULL;
    }

    if (shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s \"%V\" is already defined", directive, name);
        return NULL;
    }

    shm_zone->init = init;
    shm_zone->data = data;

    return shm_zone;
}


/*
 * A zone's shared state on first use: the size bytes the caller sets up
 * (*fresh set), or the state a running nginx left there.  The slab
 * pool's log context names the zone.  NULL when memory runs out.
 */
void *
ngx_http_ocs_zone_state(ngx_shm_zone_t *shm_zone, size_t size,
    const char *directive, ngx_uint_t *fresh)
{
    void             *sh;
    size_t            len;
    ngx_slab_pool_t  *shpool;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;
    *fresh = 0;

    if (shm_zone->shm.exists) {
        return shpool->data;
    }

    sh = ngx_slab_alloc(shpool, size);
    if (sh == NULL) {
        return NULL;
    }

    shpool->data = sh;

    len = sizeof(" in  \"\"") + ngx_strlen(directive)
          + shm_zone->shm.name.len;

    shpool->log_ctx = ngx_slab_alloc(shpool, len);
    if (shpool->log_ctx == NULL) {
        return NULL;
    }

    ngx_sprintf(shpool->log_ctx, " in %s \"%V\"%Z", directive,
                &shm_zone->shm.name);

    *fresh = 1;

    return sh;
}
