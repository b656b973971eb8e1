/*
 * Notes: what a form post that failed would have answered, carried to
 * the form's GET across a 303, so that a browser that reloads the page
 * it gets does not post the password or the code again (and count one
 * more failure).  The note is a short-lived cookie on the form's path,
 * sealed by the core (ocs_page_note_seal()) and bound to what only this
 * browser holds: the sign-in nonce, or the session id.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs_auth.h>


#define NGX_HTTP_OCS_AUTH_NOTE_TTL   60      /* seconds a page note lives */


static ngx_int_t ngx_http_ocs_auth_note_path(ngx_http_request_t *r);


/* a browser navigating, as Fetch Metadata says: it may follow a 303 */
ngx_int_t
ngx_http_ocs_auth_navigating(ngx_http_request_t *r)
{
    ngx_table_elt_t  *h;

    h = ngx_http_ocs_header_in(r, "Sec-Fetch-Mode",
                               sizeof("Sec-Fetch-Mode") - 1);

    return h != NULL && h->value.len == sizeof("navigate") - 1
           && ngx_strncasecmp(h->value.data, (u_char *) "navigate",
                              h->value.len) == 0;
}


/*
 * The note's cookie lives on the form's path, which must say the same
 * in a Path attribute and a Location: NGX_DECLINED for one that cannot.
 */
static ngx_int_t
ngx_http_ocs_auth_note_path(ngx_http_request_t *r)
{
    u_char      c;
    ngx_uint_t  i;

    if (r->uri.len == 0 || r->uri.data[0] != '/') {
        return NGX_DECLINED;
    }

    for (i = 0; i < r->uri.len; i++) {
        c = r->uri.data[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '/' || c == '-' || c == '_'
              || c == '.' || c == '~'))
        {
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


/*
 * Sends a browser back to the form of this path with a 303 and the note
 * in a cookie: the query is prefix ("step=2&f=N&" or "") and the return
 * URL.  bind is what only this browser holds (the sign-in nonce or the
 * session id).  NGX_DECLINED when the path cannot carry a note; else
 * what ngx_http_ocs_redirect() returns.
 */
ngx_int_t
ngx_http_ocs_auth_note_redirect(ngx_http_request_t *r, u_char *bind,
    size_t bind_len, ocs_page_note_t *note, const char *prefix,
    ngx_str_t *back)
{
    u_char                 *p;
    size_t                  n, plen;
    ngx_str_t               url;
    ocs_err_t               err;
    ngx_http_ocs_cookie_t   cookie;

    if (ngx_http_ocs_auth_note_path(r) != NGX_OK) {
        return NGX_DECLINED;
    }

    cookie.value.data = ngx_pnalloc(r->pool, OCS_PAGE_NOTE_MAX);
    if (cookie.value.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ocs_page_note_seal(ngx_http_ocs_sso_keyring(r),
                           ngx_http_ocs_sso_cache(r), bind, bind_len, note,
                           ngx_time() + NGX_HTTP_OCS_AUTH_NOTE_TTL,
                           (char *) cookie.value.data, OCS_PAGE_NOTE_MAX,
                           &err)
        != OCS_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "ocs auth: page note: %s", err.text);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cookie.name = *ngx_http_ocs_sso_cookie_name(r,
                                                NGX_HTTP_OCS_SSO_COOKIE_NOTE);
    cookie.value.len = ngx_strlen(cookie.value.data);
    ngx_str_null(&cookie.domain);
    cookie.path = r->uri;
    ngx_str_set(&cookie.same_site, "Strict");
    cookie.max_age = NGX_HTTP_OCS_AUTH_NOTE_TTL;

    if (ngx_http_ocs_cookie_set(r, &cookie) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    plen = ngx_strlen(prefix);
    url.len = r->uri.len + 1 + plen + 2 + 3 * back->len;
    url.data = ngx_pnalloc(r->pool, url.len);
    if (url.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(url.data, r->uri.data, r->uri.len);
    *p++ = '?';
    p = ngx_cpymem(p, prefix, plen);
    *p++ = 'r';
    *p++ = '=';

    (void) ocs_pct_encode((char *) back->data, back->len, (char *) p,
                          3 * back->len, &n);

    return ngx_http_ocs_redirect(r, NGX_HTTP_SEE_OTHER, url.data,
                                 p + n - url.data);
}


/*
 * The note a browser brought back to the form, bound to bind; its
 * cookie is cleared whatever it holds.  NGX_OK with note filled,
 * NGX_DECLINED (none, or none of ours), NGX_ERROR.
 */
ngx_int_t
ngx_http_ocs_auth_note_take(ngx_http_request_t *r, u_char *bind,
    size_t bind_len, ocs_page_note_t *note)
{
    int                          rc;
    ngx_uint_t                   seen;
    ngx_str_t                    name, value;
    ngx_http_ocs_cookie_t        cookie;
    ngx_http_ocs_cookie_iter_t   it;

    name = *ngx_http_ocs_sso_cookie_name(r, NGX_HTTP_OCS_SSO_COOKIE_NOTE);
    ngx_memzero(&it, sizeof(ngx_http_ocs_cookie_iter_t));
    rc = OCS_ERR_NOTFOUND;
    seen = 0;

    /* the first good one of its name: another may shadow it */
    while (ngx_http_ocs_cookie_next(r, &name, &it, &value) == NGX_OK) {
        seen = 1;
        rc = ocs_page_note_open(ngx_http_ocs_sso_keyring(r),
                                ngx_http_ocs_sso_cache(r), bind, bind_len,
                                (char *) value.data, value.len, ngx_time(),
                                note);
        if (rc == OCS_OK) {
            break;
        }
    }

    if (!seen) {
        return NGX_DECLINED;
    }

    cookie.name = name;
    ngx_str_null(&cookie.value);
    ngx_str_null(&cookie.domain);
    cookie.path = r->uri;
    ngx_str_set(&cookie.same_site, "Strict");
    cookie.max_age = 0;

    if (ngx_http_ocs_cookie_set(r, &cookie) != NGX_OK) {
        return NGX_ERROR;
    }

    if (rc == OCS_ERR_EXPIRED) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "ocs auth: an expired page note ignored");

    } else if (rc != OCS_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: a page note that is not this browser's "
                      "refused (%s)", ocs_strerror(rc));
    }

    return rc == OCS_OK ? NGX_OK : NGX_DECLINED;
}
