/*
 * Integrated Windows authentication, Kerberos through SPNEGO: a client
 * in the internal networks that holds a Kerberos ticket for the proxy's
 * service principal signs in without a form.  The proxy then issues its
 * own ticket, so later requests ride the cookie and Kerberos runs once
 * per session, not once per request.
 *
 * Only internal clients are offered Negotiate, and a token from any
 * other client is refused: Kerberos is for machines inside the
 * firewall; external users sign in with the form.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include "ngx_http_ocs_auth.h"


static void ngx_http_ocs_auth_negotiated_mark(void *data);
static void ngx_http_ocs_auth_gss_error(ngx_http_request_t *r,
    const char *what, OM_uint32 major, OM_uint32 minor);
static ngx_int_t ngx_http_ocs_auth_negotiate_accept(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *in, ngx_str_t *user,
    ngx_str_t *out);


ngx_int_t
ngx_http_ocs_auth_negotiate_offered(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf)
{
    return alcf->negotiate
           && alcf->internal != NULL
           && ngx_cidr_match(r->connection->sockaddr, alcf->internal)
              == NGX_OK;
}


/*
 * Looks for "Authorization: Negotiate <token>" and accepts it.
 * Returns NGX_OK with t filled for the user (and the mutual
 * authentication token added to the response), NGX_DECLINED when the
 * request carries no such header, NGX_ABORT when it does but the token
 * is refused (logged here), NGX_ERROR on memory failure.
 */
ngx_int_t
ngx_http_ocs_auth_negotiate(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_ticket_t *t)
{
    u_char           *p, *end;
    ngx_int_t         rc;
    ngx_str_t         in, token, user, out, header;
    ngx_table_elt_t     *h;
    ngx_pool_cleanup_t  *cln;

    /*
     * An internal redirect (an index file, error_page) runs this phase
     * again with the module contexts cleared, and the same token would
     * now be a replay: the identity accepted first is kept in a pool
     * cleanup, which survives, as the realip module does.
     */
    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_ocs_auth_negotiated_mark) {
            ngx_memcpy(t, cln->data, sizeof(ocs_ticket_t));
            return NGX_OK;
        }
    }

    h = r->headers_in.authorization;

    if (h == NULL || h->value.len < sizeof("Negotiate ") - 1
        || ngx_strncasecmp(h->value.data, (u_char *) "Negotiate ",
                           sizeof("Negotiate ") - 1) != 0)
    {
        return NGX_DECLINED;
    }

    if (!ngx_http_ocs_auth_negotiate_offered(r, alcf)) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: Negotiate from a client outside "
                      "\"ocs_auth_internal_networks\" refused");
        return NGX_ABORT;
    }

    p = h->value.data + sizeof("Negotiate ") - 1;
    end = h->value.data + h->value.len;

    while (p < end && *p == ' ') {
        p++;
    }

    in.data = p;
    in.len = end - p;

    if (in.len == 0 || ngx_base64_decoded_length(in.len)
                       > alcf->negotiate_max)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: Negotiate token of %uz bytes refused: "
                      "empty or over \"ocs_auth_negotiate_max_token\" "
                      "(%uz)", ngx_base64_decoded_length(in.len),
                      alcf->negotiate_max);
        return NGX_ABORT;
    }

    token.data = ngx_pnalloc(r->pool, ngx_base64_decoded_length(in.len));
    if (token.data == NULL) {
        return NGX_ERROR;
    }

    if (ngx_decode_base64(&token, &in) != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: Negotiate token is not base64; refused");
        return NGX_ABORT;
    }

    rc = ngx_http_ocs_auth_negotiate_accept(r, alcf, &token, &user, &out);
    if (rc != NGX_OK) {
        return rc;
    }

    /* the mutual authentication token, when the mechanism made one */
    if (out.len) {
        header.len = sizeof("Negotiate ") - 1 + ngx_base64_encoded_length(
                                                                 out.len);
        header.data = ngx_pnalloc(r->pool, header.len);
        if (header.data == NULL) {
            return NGX_ERROR;
        }

        p = ngx_cpymem(header.data, "Negotiate ", sizeof("Negotiate ") - 1);
        in.data = p;
        ngx_encode_base64(&in, &out);
        header.len = sizeof("Negotiate ") - 1 + in.len;

        if (ngx_http_ocs_header_out_add(r, "WWW-Authenticate", &header)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    ngx_memzero(t, sizeof(ocs_ticket_t));
    t->user_len = ngx_min(user.len, OCS_USER_MAX);
    ngx_memcpy(t->user, user.data, t->user_len);
    t->methods = OCS_METHOD_KERBEROS;
    t->computer = OCS_COMPUTER_PUBLIC;

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ocs_ticket_t));
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_ocs_auth_negotiated_mark;

    if (ngx_http_ocs_sso_issue(r, t) != NGX_OK) {
        return NGX_ERROR;
    }

    /* issue() wiped the session id: the copy holds nothing secret */
    ngx_memcpy(cln->data, t, sizeof(ocs_ticket_t));

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "ocs auth: user \"%s\" signed in with Kerberos",
                  t->user);

    return NGX_OK;
}


/*
 * ocs_auth_quick_signin: a URL an internal user can bookmark.  It signs
 * in with Kerberos and sends the browser on to the "r" argument (checked
 * as on the sign-in page) without showing a form; a browser that cannot
 * answer, or a client outside the internal networks, goes on to the
 * sign-in form with the same return URL.
 */
ngx_int_t
ngx_http_ocs_auth_quick_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_str_t                      arg, back, url, challenge;
    ocs_ticket_t                   t;
    ngx_http_ocs_sso_ctx_t        *ctx;
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    rc = ngx_http_ocs_refuse_plain(r, alcf->https_port);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_arg(r, (u_char *) "r", 1, &arg) != NGX_OK) {
        ngx_str_null(&arg);
    }

    ngx_http_ocs_auth_return(r, arg.data, arg.len, &back);

    ctx = ngx_http_ocs_sso_verify(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = (ctx->state == NGX_HTTP_OCS_SSO_VALID)
         ? NGX_OK : ngx_http_ocs_auth_negotiate(r, alcf, &t);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_OK) {
        ocs_wipe(&t, sizeof(ocs_ticket_t));
        return ngx_http_ocs_redirect(r, NGX_HTTP_MOVED_TEMPORARILY,
                                     back.data, back.len);
    }

    /* the form, with the same return URL */
    if (ngx_http_ocs_auth_signin_url(r, alcf, back.data, back.len, &url)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (!ngx_http_ocs_auth_negotiate_offered(r, alcf)) {
        return ngx_http_ocs_redirect(r, NGX_HTTP_MOVED_TEMPORARILY,
                                     url.data, url.len);
    }

    ngx_str_set(&challenge, "Negotiate");

    if (ngx_http_ocs_header_out_add(r, "WWW-Authenticate", &challenge)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_ocs_auth_fallback_page(r, &url);
}


/*
 * One gss_accept_sec_context() with the keytab's credentials.  The
 * user is the client principal, its realm stripped unless
 * ocs_auth_negotiate_realm keeps it.
 */
static ngx_int_t
ngx_http_ocs_auth_negotiate_accept(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *in, ngx_str_t *user,
    ngx_str_t *out)
{
    u_char                     *at;
    ngx_int_t                   rc;
    OM_uint32                   major, minor, flags;
    gss_name_t                  client, service;
    gss_buffer_desc             input, output, name, sname;
    gss_cred_id_t               cred;
    gss_ctx_id_t                gctx;
    gss_key_value_set_desc      store;
    gss_key_value_element_desc  elem;

    rc = NGX_ABORT;
    client = GSS_C_NO_NAME;
    service = GSS_C_NO_NAME;
    cred = GSS_C_NO_CREDENTIAL;
    gctx = GSS_C_NO_CONTEXT;
    output.length = 0;
    output.value = NULL;
    name.length = 0;
    name.value = NULL;

    elem.key = "keytab";
    elem.value = (const char *) alcf->keytab.data;
    store.count = 1;
    store.elements = &elem;

    if (alcf->principal.len) {
        sname.value = alcf->principal.data;
        sname.length = alcf->principal.len;

        major = gss_import_name(&minor, &sname,
                                (gss_OID) GSS_KRB5_NT_PRINCIPAL_NAME,
                                &service);
        if (GSS_ERROR(major)) {
            ngx_http_ocs_auth_gss_error(r, "service principal", major,
                                        minor);
            goto done;
        }
    }

    major = gss_acquire_cred_from(&minor, service, GSS_C_INDEFINITE,
                                  GSS_C_NO_OID_SET, GSS_C_ACCEPT, &store,
                                  &cred, NULL, NULL);
    if (GSS_ERROR(major)) {
        ngx_http_ocs_auth_gss_error(r, "keytab", major, minor);
        goto done;
    }

    input.value = in->data;
    input.length = in->len;

    major = gss_accept_sec_context(&minor, &gctx, cred, &input,
                                   GSS_C_NO_CHANNEL_BINDINGS, &client, NULL,
                                   &output, &flags, NULL, NULL);

    if (major == GSS_S_CONTINUE_NEEDED) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: Negotiate needs more than one round trip "
                      "(NTLM?), which is not supported yet; refused");
        goto done;
    }

    if (GSS_ERROR(major)) {
        ngx_http_ocs_auth_gss_error(r, "Negotiate token refused", major,
                                    minor);
        goto done;
    }

    major = gss_display_name(&minor, client, &name, NULL);
    if (GSS_ERROR(major)) {
        ngx_http_ocs_auth_gss_error(r, "client name", major, minor);
        goto done;
    }

    user->len = name.length;
    user->data = ngx_pnalloc(r->pool, name.length + 1);
    out->len = output.length;
    out->data = ngx_pnalloc(r->pool, output.length + 1);

    if (user->data == NULL || out->data == NULL) {
        rc = NGX_ERROR;
        goto done;
    }

    ngx_memcpy(user->data, name.value, name.length);
    ngx_memcpy(out->data, output.value, output.length);

    if (!alcf->negotiate_realm) {
        at = ngx_strlchr(user->data, user->data + user->len, '@');
        if (at) {
            user->len = at - user->data;
        }
    }

    if (user->len == 0 || user->len > OCS_USER_MAX) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: Kerberos client name of %uz bytes "
                      "refused", user->len);
        goto done;
    }

    rc = NGX_OK;

done:

    if (gctx != GSS_C_NO_CONTEXT) {
        (void) gss_delete_sec_context(&minor, &gctx, GSS_C_NO_BUFFER);
    }

    (void) gss_release_buffer(&minor, &output);
    (void) gss_release_buffer(&minor, &name);
    (void) gss_release_name(&minor, &client);
    (void) gss_release_name(&minor, &service);
    (void) gss_release_cred(&minor, &cred);

    return rc;
}


/* marks a request signed in with Kerberos; the data is the ticket */
static void
ngx_http_ocs_auth_negotiated_mark(void *data)
{
    ocs_wipe(data, sizeof(ocs_ticket_t));
}


/* one ERR line with GSSAPI's own words for major and minor status */
static void
ngx_http_ocs_auth_gss_error(ngx_http_request_t *r, const char *what,
    OM_uint32 major, OM_uint32 minor)
{
    OM_uint32        st, ctx1, ctx2;
    gss_buffer_desc  m1, m2;

    ctx1 = 0;
    ctx2 = 0;
    m1.length = 0;
    m1.value = NULL;
    m2.length = 0;
    m2.value = NULL;

    (void) gss_display_status(&st, major, GSS_C_GSS_CODE, GSS_C_NO_OID,
                              &ctx1, &m1);
    (void) gss_display_status(&st, minor, GSS_C_MECH_CODE, GSS_C_NO_OID,
                              &ctx2, &m2);

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "ocs auth: Kerberos: %s: %*s: %*s", what,
                  m1.length, m1.value ? m1.value : "",
                  m2.length, m2.value ? m2.value : "");

    (void) gss_release_buffer(&st, &m1);
    (void) gss_release_buffer(&st, &m2);
}
