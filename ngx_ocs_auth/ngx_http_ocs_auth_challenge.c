/*
 * What a request to a protected location gets without a ticket: a
 * browser navigating to a page is sent to the sign-in page (or, with
 * Kerberos offered, gets a 401 whose body leads there), a script gets a
 * bare 401 it can act on.  And the sign-in page's URL with the request
 * as its return URL, for the other pages that send users there.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs_auth.h>


static ngx_int_t ngx_http_ocs_auth_is_signin_url(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_auth_signin_location(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *url);


/*
 * "WWW-Authenticate: OCS-Forms signin=<url>": where a script's user can
 * sign in (or take the second step)
 */
ngx_int_t
ngx_http_ocs_auth_forms_challenge(ngx_http_request_t *r, ngx_str_t *url)
{
    ngx_str_t  challenge;

    challenge.data = ngx_pnalloc(r->pool,
                                 sizeof("OCS-Forms signin=\"\"") - 1
                                 + url->len);
    if (challenge.data == NULL) {
        return NGX_ERROR;
    }

    challenge.len = ngx_sprintf(challenge.data, "OCS-Forms signin=\"%V\"",
                                url)
                    - challenge.data;

    return ngx_http_ocs_header_out_add(r, "WWW-Authenticate", &challenge);
}


ngx_int_t
ngx_http_ocs_auth_challenge(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf)
{
    ngx_int_t                  rc;
    ngx_str_t                  url, *signin_url;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);
    signin_url = ngx_http_ocs_signin_url(r);

    /* with "satisfy any" another access module may still let it in */
    if (clcf->satisfy == NGX_HTTP_SATISFY_ANY) {
        return NGX_HTTP_UNAUTHORIZED;
    }

    /*
     * The answer goes before the body is read: the body must still be
     * read and dropped, or the connection would take it for the next
     * request (a POST whose body is a request would be answered twice).
     */
    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_ocs_auth_is_signin_url(r)) {
        /*
         * nginx -t checks where the sign-in URL goes, but a rewrite can
         * still lead it to a protected location: never send the sign-in
         * page to itself, round and round.
         */
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: the sign-in URL \"%V\" reached a protected "
                      "location: not redirected to itself; let it reach a "
                      "location with \"ocs_auth_signin\"", signin_url);

        ngx_http_finalize_request(r,
            ngx_http_ocs_send_msg(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                  OCS_MSG_SIGNIN_NOT_SET_UP));
        return NGX_DONE;
    }

    if (ngx_http_ocs_auth_signin_location(r, alcf, &url) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_ocs_auth_negotiate_challenge(r, alcf) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_ocs_auth_negotiate_offered(r, alcf)
        && ngx_http_ocs_auth_wants_page(r))
    {
        /* a browser that cannot do Kerberos shows this and moves on */
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "ocs auth: not signed in, Kerberos offered");

        rc = ngx_http_ocs_auth_fallback_page(r, &url);

    } else if (ngx_http_ocs_auth_wants_page(r)) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "ocs auth: not signed in, sent to the sign-in page");

        rc = ngx_http_ocs_redirect(r, NGX_HTTP_MOVED_TEMPORARILY, url.data,
                                   url.len);

    } else {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "ocs auth: not signed in");

        if (ngx_http_ocs_auth_forms_challenge(r, signin_url)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        rc = ngx_http_ocs_send_msg(r, NGX_HTTP_UNAUTHORIZED,
                                   OCS_MSG_SIGNIN_REQUIRED);
    }

    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}


/* whether the request, as the client sent it, is for the sign-in URL */
static ngx_int_t
ngx_http_ocs_auth_is_signin_url(ngx_http_request_t *r)
{
    u_char     *q;
    ngx_str_t   want, got;

    want = *ngx_http_ocs_signin_url(r);

    if (want.len == 0 || want.data[0] != '/') {
        return 0;
    }

    q = ngx_strlchr(want.data, want.data + want.len, '?');
    if (q != NULL) {
        want.len = q - want.data;
    }

    got = r->unparsed_uri;
    q = ngx_strlchr(got.data, got.data + got.len, '?');
    if (q != NULL) {
        got.len = q - got.data;
    }

    return got.len == want.len && ngx_strncmp(got.data, want.data, got.len)
                                  == 0;
}


/*
 * The body of the 401 that offers Kerberos: a browser that can answer
 * the challenge never shows it; any other goes on to the sign-in form.
 * A built-in page, in the site's layout.
 */
ngx_int_t
ngx_http_ocs_auth_fallback_page(ngx_http_request_t *r, ngx_str_t *url)
{
    ocs_tpl_var_t     vars[4];
    const ocs_msg_t  *msg;

    msg = ocs_msg(OCS_MSG_NEGOTIATE_FALLBACK);

    vars[0] = (ocs_tpl_var_t) { "title", msg->title, msg->title_len,
                                OCS_TPL_TEXT };
    vars[1] = (ocs_tpl_var_t) { "message", msg->text, msg->text_len,
                                OCS_TPL_TEXT };
    vars[2] = (ocs_tpl_var_t) { "signin", (char *) url->data, url->len,
                                OCS_TPL_TEXT };
    vars[3].name = "head";
    vars[3].value = ocs_page(OCS_PAGE_PART_REFRESH, &vars[3].len);
    vars[3].raw = OCS_TPL_NESTED;

    return ngx_http_ocs_send_page(r, NGX_HTTP_UNAUTHORIZED, OCS_PAGE_FALLBACK,
                                  NULL, vars, 4);
}


/*
 * The sign-in URL with the request as its "r" argument.  An absolute
 * sign-in URL (another host) gets an absolute return URL.
 */
static ngx_int_t
ngx_http_ocs_auth_signin_location(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *url)
{
    u_char     *p, *back;
    size_t      len;
    ngx_str_t  *host;

    len = r->unparsed_uri.len;
    back = r->unparsed_uri.data;

    if (ngx_http_ocs_signin_url(r)->data[0] != '/') {
        host = (r->headers_in.host != NULL) ? &r->headers_in.host->value
                                            : &r->headers_in.server;

        len = sizeof("https://") - 1 + host->len + r->unparsed_uri.len;
        back = ngx_pnalloc(r->pool, len);
        if (back == NULL) {
            return NGX_ERROR;
        }

        p = ngx_sprintf(back, "https://%V%V", host, &r->unparsed_uri);
        len = p - back;
    }

    return ngx_http_ocs_auth_signin_url(r, alcf, back, len, url);
}


/* the sign-in page's URL with "r" set to back, percent-encoded */
ngx_int_t
ngx_http_ocs_auth_signin_url(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, u_char *back, size_t len,
    ngx_str_t *url)
{
    u_char     *p;
    size_t      n;
    ngx_str_t  *signin_url;

    signin_url = ngx_http_ocs_signin_url(r);

    url->len = signin_url->len + sizeof("?r=") - 1 + 3 * len;
    url->data = ngx_pnalloc(r->pool, url->len);
    if (url->data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(url->data, signin_url->data, signin_url->len);

    *p++ = ngx_strlchr(signin_url->data,
                       signin_url->data + signin_url->len, '?')
           ? '&' : '?';
    *p++ = 'r';
    *p++ = '=';

    (void) ocs_pct_encode((char *) back, len, (char *) p, 3 * len, &n);

    url->len = p + n - url->data;

    return NGX_OK;
}


/*
 * Browsers navigating to a page get the sign-in page; scripts (XHR,
 * fetch asking for JSON) and anything but GET or HEAD get a bare 401
 * that they can act on.
 */
ngx_int_t
ngx_http_ocs_auth_wants_page(ngx_http_request_t *r)
{
    ocs_hdr_t  hdr;

    ngx_http_ocs_hdr_init(r, &hdr);

    return ocs_web_wants_page(&hdr,
                              (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) != 0);
}


ngx_int_t
ngx_http_ocs_auth_negotiate_offered(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf)
{
    return alcf->negotiate && ngx_http_ocs_auth_internal_client(r, alcf);
}


/* "WWW-Authenticate: Negotiate" (and "NTLM") for an internal client */
ngx_int_t
ngx_http_ocs_auth_negotiate_challenge(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf)
{
    ngx_str_t  challenge;

    if (!ngx_http_ocs_auth_negotiate_offered(r, alcf)) {
        return NGX_OK;
    }

    ngx_str_set(&challenge, "Negotiate");

    if (ngx_http_ocs_header_out_add(r, "WWW-Authenticate", &challenge)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (!alcf->ntlm) {
        return NGX_OK;
    }

    ngx_str_set(&challenge, "NTLM");

    return ngx_http_ocs_header_out_add(r, "WWW-Authenticate", &challenge);
}
