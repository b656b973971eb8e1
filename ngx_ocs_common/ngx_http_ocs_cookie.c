/*
 * Cookies: the client's as it sent them, the request without the
 * modules' own, and the Set-Cookie values the modules send.
 *
 * The ticket is a bearer token for every published service, so it must
 * not reach an upstream: a server that logs cookies, or one that is
 * broken into, would hold working sessions for every user.  The sso
 * module takes the modules' cookies out of the Cookie headers early (in
 * its preaccess handler), before any access module, subrequest or
 * upstream sees the request.  The modules read them from a copy of the
 * headers as they came.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs.h>


/*
 * The client's Cookie headers as they came.  The copy hangs off a pool
 * cleanup, not a module context: an internal redirect clears the
 * contexts, and a protected location it leads to still needs the
 * ticket.  Subrequests share the pool, so they find the main request's
 * copy.  ngx_http_realip_module keeps its state the same way.
 */
typedef struct {
    ngx_array_t                  values;       /* ngx_str_t, in order */
} ngx_http_ocs_cookies_t;


static ngx_http_ocs_cookies_t *ngx_http_ocs_cookies(ngx_http_request_t *r,
    ngx_uint_t create);
static void ngx_http_ocs_cookies_cleanup(void *data);
static ngx_uint_t ngx_http_ocs_is_cookie(ngx_table_elt_t *h);
static ngx_uint_t ngx_http_ocs_cookie_count(ngx_http_request_t *r,
    ocs_cookie_name_t *names, ngx_uint_t n, ngx_uint_t *empty);
static ngx_int_t ngx_http_ocs_cookie_own(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_cookie_drop(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_cookie_add(ngx_http_request_t *r,
    ngx_str_t *value);
static ngx_int_t ngx_http_ocs_cookie_link(ngx_http_request_t *r);


ngx_int_t
ngx_http_ocs_cookie_get(ngx_http_request_t *r, ngx_str_t *name,
    ngx_str_t *value)
{
    ngx_http_ocs_cookie_iter_t  it;

    ngx_memzero(&it, sizeof(ngx_http_ocs_cookie_iter_t));

    return ngx_http_ocs_cookie_next(r, name, &it, value);
}


ngx_int_t
ngx_http_ocs_cookie_next(ngx_http_request_t *r, ngx_str_t *name,
    ngx_http_ocs_cookie_iter_t *it, ngx_str_t *value)
{
    size_t                   len;
    ngx_str_t               *v;
    const char              *p;
    ngx_http_ocs_cookies_t  *held;

    held = ngx_http_ocs_cookies(r, 1);
    if (held == NULL) {
        return NGX_ERROR;
    }

    v = held->values.elts;

    for ( /* void */ ; it->header < held->values.nelts;
         it->header++, it->pos = 0)
    {
        if (ocs_cookie_next((char *) v[it->header].data, v[it->header].len,
                            (char *) name->data, name->len, &it->pos, &p,
                            &len)
            == OCS_OK)
        {
            value->data = (u_char *) p;
            value->len = len;
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


/*
 * Takes the cookies named in names out of the request's Cookie headers;
 * a header with nothing left goes.  The other cookies keep their bytes
 * and order.  NGX_OK when the headers changed, NGX_DECLINED when there
 * was nothing to take out, NGX_ERROR.
 */
ngx_int_t
ngx_http_ocs_cookie_strip(ngx_http_request_t *r, ocs_cookie_name_t *names,
    ngx_uint_t n)
{
    u_char                    *p;
    size_t                     len, k;
    ngx_uint_t                 empty;
    ngx_table_elt_t           *h;
    ngx_http_ocs_list_iter_t   it;

    if (ngx_http_ocs_cookie_count(r, names, n, &empty) == 0 && !empty) {
        return NGX_DECLINED;
    }

    /* the copy the modules read is taken before anything changes */
    if (ngx_http_ocs_cookies(r, 1) == NULL) {
        return NGX_ERROR;
    }

    if (r != r->main && ngx_http_ocs_cookie_own(r) != NGX_OK) {
        return NGX_ERROR;
    }

again:

    ngx_memzero(&it, sizeof(ngx_http_ocs_list_iter_t));

    while ((h = ngx_http_ocs_list_next(&r->headers_in.headers, &it))
           != NULL)
    {
        if (!ngx_http_ocs_is_cookie(h)) {
            continue;
        }

        /*
         * Never in place: the copy points at the bytes as they came.
         * What is left is never longer than the header, so one pass
         * writes it.
         */
        p = ngx_pnalloc(r->pool, ngx_max(h->value.len, 1));
        if (p == NULL) {
            return NGX_ERROR;
        }

        (void) ocs_cookie_remove((char *) h->value.data, h->value.len,
                                 names, n, (char *) p, h->value.len, &len,
                                 &k);

        if (k == 0 && len > 0) {
            continue;
        }

        if (len == 0) {
            if (ngx_http_ocs_header_in_delete(r, h) != NGX_OK) {
                return NGX_ERROR;
            }

            /* the parts changed shape: start over, the list is short */
            goto again;
        }

        h->value.data = p;
        h->value.len = len;
    }

    if (ngx_http_ocs_cookie_link(r) != NGX_OK) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * Puts the client's Cookie headers back as they came, for a location
 * that passes the modules' cookies upstream after one that took them
 * out (an internal redirect, or a subrequest of such a request).
 * NGX_OK when the headers changed, NGX_DECLINED, NGX_ERROR.
 */
ngx_int_t
ngx_http_ocs_cookie_restore(ngx_http_request_t *r, ocs_cookie_name_t *names,
    ngx_uint_t n)
{
    size_t                   len, k, ours;
    ngx_str_t               *v;
    ngx_uint_t               i, empty;
    ngx_http_ocs_cookies_t  *held;

    held = ngx_http_ocs_cookies(r, 0);

    if (held == NULL || ngx_http_ocs_cookie_count(r, names, n, &empty) > 0) {
        return NGX_DECLINED;
    }

    v = held->values.elts;
    ours = 0;

    for (i = 0; i < held->values.nelts; i++) {
        (void) ocs_cookie_remove((char *) v[i].data, v[i].len, names, n,
                                 NULL, 0, &len, &k);
        ours += k;
    }

    if (ours == 0) {
        return NGX_DECLINED;
    }

    if (r != r->main && ngx_http_ocs_cookie_own(r) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_ocs_cookie_drop(r) != NGX_OK) {
        return NGX_ERROR;
    }

    for (i = 0; i < held->values.nelts; i++) {
        if (v[i].len && ngx_http_ocs_cookie_add(r, &v[i]) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    if (ngx_http_ocs_cookie_link(r) != NGX_OK) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* the copy of the client's Cookie headers, taken if create and not yet */
static ngx_http_ocs_cookies_t *
ngx_http_ocs_cookies(ngx_http_request_t *r, ngx_uint_t create)
{
    ngx_str_t               *v;
    ngx_uint_t               i;
    ngx_list_part_t         *part;
    ngx_table_elt_t         *h;
    ngx_pool_cleanup_t      *cln;
    ngx_http_ocs_cookies_t  *held;

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_ocs_cookies_cleanup) {
            return cln->data;
        }
    }

    if (!create) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_ocs_cookies_t));
    if (cln == NULL) {
        return NULL;
    }

    held = cln->data;

    if (ngx_array_init(&held->values, r->pool, 2, sizeof(ngx_str_t))
        != NGX_OK)
    {
        return NULL;
    }

    /* the main request's list: only the modules change its cookies, and
       they take this copy first */
    part = &r->main->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = (ngx_uint_t) -1;
            continue;
        }

        if (ngx_http_ocs_is_cookie(&h[i])) {
            v = ngx_array_push(&held->values);
            if (v == NULL) {
                return NULL;
            }

            *v = h[i].value;
        }
    }

    cln->handler = ngx_http_ocs_cookies_cleanup;

    return held;
}


/* the mark that finds the copy; the values belong to the client's buffer */
static void
ngx_http_ocs_cookies_cleanup(void *data)
{
    ngx_http_ocs_cookies_t  *held = data;

    held->values.nelts = 0;
}


static ngx_uint_t
ngx_http_ocs_is_cookie(ngx_table_elt_t *h)
{
    return h->key.len == sizeof("Cookie") - 1
           && ngx_strncasecmp(h->key.data, (u_char *) "Cookie",
                              sizeof("Cookie") - 1) == 0;
}


/*
 * How many of the named cookies the request's Cookie headers hold;
 * *empty counts the headers that hold no cookie at all.
 */
static ngx_uint_t
ngx_http_ocs_cookie_count(ngx_http_request_t *r, ocs_cookie_name_t *names,
    ngx_uint_t n, ngx_uint_t *empty)
{
    size_t                     len, k;
    ngx_uint_t                 ours;
    ngx_table_elt_t           *h;
    ngx_http_ocs_list_iter_t   it;

    ours = 0;
    *empty = 0;

    ngx_memzero(&it, sizeof(ngx_http_ocs_list_iter_t));

    while ((h = ngx_http_ocs_list_next(&r->headers_in.headers, &it))
           != NULL)
    {
        if (!ngx_http_ocs_is_cookie(h)) {
            continue;
        }

        (void) ocs_cookie_remove((char *) h->value.data, h->value.len,
                                 names, n, NULL, 0, &len, &k);

        ours += k;

        if (k == 0 && len == 0) {
            (*empty)++;
        }
    }

    return ours;
}


/*
 * A subrequest's header list is a copy of its parent's, and it shares
 * the parent's parts and elements: before anything in it changes, it
 * gets a list and elements of its own.  The other fields of headers_in
 * still point at the shared elements, which stay as they are.
 */
static ngx_int_t
ngx_http_ocs_cookie_own(ngx_http_request_t *r)
{
    ngx_list_t                 shared;
    ngx_table_elt_t           *h, *own;
    ngx_http_ocs_list_iter_t   it;

    shared = r->headers_in.headers;

    if (ngx_list_init(&r->headers_in.headers, r->pool, 20,
                      sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_memzero(&it, sizeof(ngx_http_ocs_list_iter_t));

    while ((h = ngx_http_ocs_list_next(&shared, &it)) != NULL) {
        own = ngx_list_push(&r->headers_in.headers);
        if (own == NULL) {
            return NGX_ERROR;
        }

        *own = *h;
    }

    return NGX_OK;
}


/* every Cookie header out of the request's list */
static ngx_int_t
ngx_http_ocs_cookie_drop(ngx_http_request_t *r)
{
    ngx_table_elt_t           *h;
    ngx_http_ocs_list_iter_t   it;

again:

    ngx_memzero(&it, sizeof(ngx_http_ocs_list_iter_t));

    while ((h = ngx_http_ocs_list_next(&r->headers_in.headers, &it))
           != NULL)
    {
        if (ngx_http_ocs_is_cookie(h)) {
            if (ngx_http_ocs_header_in_delete(r, h) != NGX_OK) {
                return NGX_ERROR;
            }

            goto again;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_ocs_cookie_add(ngx_http_request_t *r, ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_in.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    ngx_str_set(&h->key, "Cookie");
    h->value = *value;
    h->lowcase_key = (u_char *) "cookie";
    h->hash = ngx_hash_key(h->lowcase_key, h->key.len);

#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}


/*
 * nginx finds the Cookie headers for $http_cookie and $cookie_NAME
 * through headers_in: a chain of them since 1.23, an array of pointers
 * before.  Both are made afresh from the list, which is what the
 * upstream modules send.
 */
static ngx_int_t
ngx_http_ocs_cookie_link(ngx_http_request_t *r)
{
    ngx_table_elt_t           *h, **ph;
    ngx_http_ocs_list_iter_t   it;

#if (nginx_version >= 1023000)

    ph = &r->headers_in.cookie;

#else

    if (ngx_array_init(&r->headers_in.cookies, r->pool, 2,
                       sizeof(ngx_table_elt_t *))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

#endif

    ngx_memzero(&it, sizeof(ngx_http_ocs_list_iter_t));

    while ((h = ngx_http_ocs_list_next(&r->headers_in.headers, &it))
           != NULL)
    {
        if (!ngx_http_ocs_is_cookie(h)) {
            continue;
        }

#if (nginx_version >= 1023000)

        *ph = h;
        ph = &h->next;

#else

        ph = ngx_array_push(&r->headers_in.cookies);
        if (ph == NULL) {
            return NGX_ERROR;
        }

        *ph = h;

#endif
    }

#if (nginx_version >= 1023000)
    *ph = NULL;
#endif

    return NGX_OK;
}


ngx_int_t
ngx_http_ocs_cookie_set(ngx_http_request_t *r, ngx_http_ocs_cookie_t *cookie)
{
    ngx_str_t  value;

    if (ngx_http_ocs_cookie_format(r, cookie, &value) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_ocs_header_out_add(r, "Set-Cookie", &value);
}


/* expires a cookie: same name, path and domain, Max-Age=0, past Expires */
ngx_int_t
ngx_http_ocs_cookie_clear(ngx_http_request_t *r, ngx_str_t *name,
    ngx_str_t *domain, const char *same_site)
{
    ngx_http_ocs_cookie_t  cookie;

    cookie.name = *name;
    ngx_str_null(&cookie.value);
    cookie.domain = *domain;
    ngx_str_set(&cookie.path, "/");
    cookie.same_site.data = (u_char *) same_site;
    cookie.same_site.len = ngx_strlen(same_site);
    cookie.max_age = 0;

    return ngx_http_ocs_cookie_set(r, &cookie);
}


/*
 * A Set-Cookie value (ocs_cookie_format()); every cookie of ours is
 * Secure and HttpOnly.  NGX_ERROR for a cookie a browser would drop
 * (a __Host- one with a Domain), which the configuration rules out.
 */
ngx_int_t
ngx_http_ocs_cookie_format(ngx_http_request_t *r,
    ngx_http_ocs_cookie_t *cookie, ngx_str_t *value)
{
    size_t        len;
    ocs_cookie_t  c;

    c.name = (char *) cookie->name.data;
    c.name_len = cookie->name.len;
    c.value = (char *) cookie->value.data;
    c.value_len = cookie->value.len;
    c.domain = (char *) cookie->domain.data;
    c.domain_len = cookie->domain.len;
    c.path = (char *) cookie->path.data;
    c.path_len = cookie->path.len;
    c.same_site = (char *) cookie->same_site.data;
    c.same_site_len = cookie->same_site.len;
    c.max_age = cookie->max_age;

    len = ocs_cookie_format_len(&c);

    value->data = ngx_pnalloc(r->pool, len);
    if (value->data == NULL) {
        return NGX_ERROR;
    }

    if (ocs_cookie_format(&c, ngx_http_ocs_env(), (char *) value->data, len,
                          &value->len)
        != OCS_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "ocs: cookie \"%V\" cannot be set", &cookie->name);
        return NGX_ERROR;
    }

    return NGX_OK;
}
