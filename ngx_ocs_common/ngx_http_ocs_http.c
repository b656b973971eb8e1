/*
 * HTTP helpers: request headers (lookup, removal, list surgery), the
 * header accessor the core reads them through, where a request comes
 * from, the HTTPS policy, sending pages, texts and redirects, and
 * reading small form bodies.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs.h>


static ngx_str_t  ngx_http_ocs_no_type = ngx_string("(none)");


static ngx_int_t ngx_http_ocs_header_name_eq(ngx_str_t *a, ngx_str_t *b);
static int ngx_http_ocs_hdr_get(void *data, const char *name,
    size_t name_len, size_t n, const char **value, size_t *value_len);
static ngx_str_t *ngx_http_ocs_host(ngx_http_request_t *r);


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


/*
 * The header accessor over r->headers_in (ocs_web.h): the n-th header
 * called name, matched as ngx_http_ocs_header_in() matches the first.
 * The values point into the request's headers: the core reads them on
 * the event loop during the call it is given the accessor in.
 */
void
ngx_http_ocs_hdr_init(ngx_http_request_t *r, ocs_hdr_t *hdr)
{
    hdr->get = ngx_http_ocs_hdr_get;
    hdr->data = r;
}


static int
ngx_http_ocs_hdr_get(void *data, const char *name, size_t name_len,
    size_t n, const char **value, size_t *value_len)
{
    ngx_http_request_t  *r = data;

    ngx_table_elt_t           *h;
    ngx_http_ocs_list_iter_t   it;

    ngx_memzero(&it, sizeof(ngx_http_ocs_list_iter_t));

    while ((h = ngx_http_ocs_list_next(&r->headers_in.headers, &it))
           != NULL)
    {
        if (h->key.len != name_len
            || ngx_strncasecmp(h->key.data, (u_char *) name, name_len) != 0)
        {
            continue;
        }

        if (n-- > 0) {
            continue;
        }

        *value = (const char *) h->value.data;
        *value_len = h->value.len;

        return OCS_OK;
    }

    return OCS_ERR_NOTFOUND;
}


/* the host the client asked for, port included: what an Origin names */
static ngx_str_t *
ngx_http_ocs_host(ngx_http_request_t *r)
{
    return (r->headers_in.host != NULL) ? &r->headers_in.host->value
                                        : &r->headers_in.server;
}


/* ocs_web_cross_site(): an Origin not this host, or Sec-Fetch-Site */
ngx_int_t
ngx_http_ocs_cross_site(ngx_http_request_t *r)
{
    ocs_hdr_t   hdr;
    ngx_str_t  *host;

    ngx_http_ocs_hdr_init(r, &hdr);
    host = ngx_http_ocs_host(r);

    return ocs_web_cross_site(&hdr, (char *) host->data, host->len);
}


/* ocs_web_same_site(): siblings admits Sec-Fetch-Site "same-site" */
ngx_int_t
ngx_http_ocs_same_site(ngx_http_request_t *r, ngx_uint_t siblings)
{
    ocs_hdr_t   hdr;
    ngx_str_t  *host;

    ngx_http_ocs_hdr_init(r, &hdr);
    host = ngx_http_ocs_host(r);

    return ocs_web_same_site(&hdr, (char *) host->data, host->len,
                             siblings != 0);
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

        return ngx_http_ocs_send_msg(r, NGX_HTTP_FORBIDDEN,
                                     OCS_MSG_HTTPS_ONLY);
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
    ngx_int_t                rc;
    ngx_buf_t               *b;
    ngx_str_t                v;
    ngx_chain_t              out;
    const ocs_web_header_t  *sh;

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    r->headers_out.content_type.len = ngx_strlen(type);
    r->headers_out.content_type.data = (u_char *) type;
    r->headers_out.content_type_lowcase = NULL;

    /* no caching, no frames, no other origins: ocs_web.h */
    for (sh = ocs_web_security_headers; sh->name != NULL; sh++) {
        v.data = (u_char *) sh->value;
        v.len = sh->value_len;

        if (ngx_http_ocs_header_out_add(r, sh->name, &v) != NGX_OK) {
            return NGX_ERROR;
        }
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


/*
 * Sends a page: the built-in page's body in the location's layout, or,
 * when own is set, a whole page of the site's own (ocs_auth_signin_
 * template).  Either way with the site's variables after vars.
 */
ngx_int_t
ngx_http_ocs_send_page(ngx_http_request_t *r, ngx_uint_t status,
    ngx_uint_t page, ngx_str_t *own, ocs_tpl_var_t *vars, size_t nvars)
{
    u_char                   *html;
    size_t                    len, n;
    ngx_str_t                 tpl;
    ocs_tpl_var_t            *all;
    ngx_http_ocs_loc_conf_t  *olcf;

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_module);

    all = ngx_palloc(r->pool,
                     (nvars + 1 + OCS_PAGE_SITE_VARS) * sizeof(ocs_tpl_var_t));
    if (all == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the first of a name wins: the page's own variables come first */
    ngx_memcpy(all, vars, nvars * sizeof(ocs_tpl_var_t));
    n = nvars;

    ocs_page_site((char *) olcf->site_name.data, olcf->site_name.len,
                  (char *) olcf->site_logo.data, olcf->site_logo.len,
                  all + n);
    n += OCS_PAGE_SITE_VARS;

    if (own != NULL && own->len) {
        tpl = *own;

    } else {
        all[n].name = "content";
        all[n].value = ocs_page((int) page, &len);
        all[n].len = len;
        all[n].raw = OCS_TPL_NESTED;
        n++;

        if (olcf->layout.len) {
            tpl = olcf->layout;

        } else {
            tpl.data = (u_char *) ocs_page(OCS_PAGE_LAYOUT, &tpl.len);
        }
    }

    html = ngx_http_ocs_render(r, &tpl, all, n, &len);
    if (html == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_ocs_send(r, status, "text/html; charset=utf-8", html,
                             len);
}


/* a decoded form field, NUL-terminated, in the request pool */
ngx_int_t
ngx_http_ocs_form_field(ngx_http_request_t *r, ngx_str_t *body,
    const char *name, size_t max, ngx_str_t *value)
{
    int     rc;
    size_t  n;

    value->data = ngx_pnalloc(r->pool, max + 1);
    if (value->data == NULL) {
        return NGX_ERROR;
    }

    rc = ocs_form_field((char *) body->data, body->len, name,
                        (char *) value->data, max + 1, &n);

    if (rc != OCS_OK) {
        /* a half-decoded password must not stay behind */
        ngx_explicit_memzero(value->data, max + 1);

        /* NGX_ABORT: the field is there but too long or badly encoded */
        return rc == OCS_ERR_NOTFOUND ? NGX_DECLINED : NGX_ABORT;
    }

    value->len = n;

    return NGX_OK;
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


ngx_int_t
ngx_http_ocs_send_msg(ngx_http_request_t *r, ngx_uint_t status,
    ngx_uint_t id)
{
    return ngx_http_ocs_send_msg_text(r, status, id, NULL);
}


ngx_int_t
ngx_http_ocs_send_msg_text(ngx_http_request_t *r, ngx_uint_t status,
    ngx_uint_t id, const char *text)
{
    const ocs_msg_t  *msg;

    msg = ocs_msg((int) id);
    if (msg == NULL) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "ocs: no message %ui", id);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (text == NULL || text[0] == '\0') {
        text = msg->text;
    }

    if (msg->plain) {
        return ngx_http_ocs_send_text(r, status, text);
    }

    return ngx_http_ocs_send_message(r, status, msg->title, text);
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

    return ngx_http_ocs_send_msg(r, status, OCS_MSG_REDIRECTING);
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

        return ngx_http_ocs_send_msg(r, NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                     OCS_MSG_FORM_TYPE);
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
            if (cl->buf->last != cl->buf->pos) {
                ngx_explicit_memzero(cl->buf->pos,
                                     cl->buf->last - cl->buf->pos);
            }
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

    /*
     * the copy is what the caller wipes: wipe the pieces here.  A
     * chunked body may end on an empty buffer with no memory (a NULL
     * pos): nothing to copy from it, and memcpy() must not see it.
     */
    for ( /* void */ ; cl; cl = cl->next) {
        b = cl->buf;

        if (b->last == b->pos) {
            continue;
        }

        p = ngx_cpymem(p, b->pos, b->last - b->pos);
        ngx_explicit_memzero(b->pos, b->last - b->pos);
    }

    body->len = len;

    return NGX_OK;
}
