/*
 * Second factors.  A location with ocs_auth_second_factor lets in only
 * sessions whose ticket records one of the factors it names: a session
 * that signed in with a password steps up on the sign-in page's second
 * step (a TOTP code, or a code an OTP server checks), or by the client
 * certificate on its connection, without signing in again.  The ticket
 * records the factors used.
 *
 * The second step is bound to the session it steps up: its form carries
 * a state (an expiry and a nonce) and an HMAC over it and the session
 * id; the nonce is used once (ocs_auth_zone), and a TOTP code too.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs_auth.h>
#include <ocs/ocs_factor.h>


#define NGX_HTTP_OCS_STEP_TTL        300     /* seconds a step-2 form lives */
#define NGX_HTTP_OCS_STEP_NONCE      16
#define NGX_HTTP_OCS_STEP_RAW        (8 + NGX_HTTP_OCS_STEP_NONCE)
#define NGX_HTTP_OCS_STEP_CODE_MAX   64

#define NGX_HTTP_OCS_ONCE_STATE      'S'
#define NGX_HTTP_OCS_ONCE_TOTP       'T'

#define NGX_HTTP_OCS_CODE_FACTORS  (OCS_METHOD_TOTP|OCS_METHOD_OTP)


typedef struct {
    /* in */
    char                        user[OCS_USER_MAX + 1];
    char                        dn[OCS_DN_MAX + 1];
    char                        code[NGX_HTTP_OCS_STEP_CODE_MAX + 1];
    size_t                      code_len;
    char                       *path;           /* user file, or NULL */
    ocs_ldap_t                 *ld;             /* directory, or NULL */
    ngx_uint_t                  totp;
    ocs_otp_conf_t             *otp;            /* or NULL */
    time_t                      now;
    ngx_uint_t                  probe;          /* is there a secret? */
    /* out */
    int                         rc;
    uint32_t                    method;
    uint64_t                    counter;
    ocs_err_t                   err;
    /* kept for the answer */
    ngx_str_t                   back;
    ngx_uint_t                  want;
    ngx_http_ocs_sso_ctx_t     *sso;
} ngx_http_ocs_auth_code_t;


static ngx_int_t ngx_http_ocs_auth_cert_identity(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, char *out, size_t len);
static ngx_int_t ngx_http_ocs_auth_step_url(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *url);
static ngx_int_t ngx_http_ocs_auth_step_page(ngx_http_request_t *r,
    ngx_uint_t status, ngx_http_ocs_sso_ctx_t *sso, ngx_str_t *back,
    ngx_uint_t want, const char *error);
static ngx_int_t ngx_http_ocs_auth_step_form(ngx_http_request_t *r,
    ngx_http_ocs_sso_ctx_t *sso, ngx_str_t *back, ngx_uint_t want);
static ngx_int_t ngx_http_ocs_auth_step_end(ngx_http_request_t *r,
    ngx_uint_t status, ngx_http_ocs_sso_ctx_t *sso, ngx_str_t *back,
    const char *title, const char *message);
static ngx_int_t ngx_http_ocs_auth_step_back(ngx_http_request_t *r,
    ngx_http_ocs_sso_ctx_t *sso, ocs_tpl_var_t *vars);
static ngx_int_t ngx_http_ocs_auth_step_unset(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *sso,
    ngx_str_t *back, ngx_uint_t want);
static ngx_int_t ngx_http_ocs_auth_code_task(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *sso,
    ngx_str_t *back, ngx_uint_t want, ngx_http_ocs_auth_code_t **task);
static void ngx_http_ocs_auth_probe_done(ngx_http_request_t *r,
    void *data);
static ngx_int_t ngx_http_ocs_auth_step_state(ngx_http_request_t *r,
    ocs_ticket_t *t, u_char *raw, char *token);
static void ngx_http_ocs_auth_code_thread(void *data);
static void ngx_http_ocs_auth_code_done(ngx_http_request_t *r, void *data);
static ngx_int_t ngx_http_ocs_auth_code_answer(ngx_http_request_t *r,
    ngx_http_ocs_auth_code_t *task);


/* ocs_auth_second_factor off | totp | otp | certificate ... [external] */
char *
ngx_http_ocs_auth_second_factor(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    ngx_str_t   *value;
    ngx_uint_t   i;

    if (alcf->second != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    alcf->second = 0;
    alcf->second_external = 0;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        return NGX_CONF_OK;
    }

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strcmp(value[i].data, "totp") == 0) {
            alcf->second |= OCS_METHOD_TOTP;

        } else if (ngx_strcmp(value[i].data, "otp") == 0) {
            alcf->second |= OCS_METHOD_OTP;

        } else if (ngx_strcmp(value[i].data, "certificate") == 0) {
            alcf->second |= OCS_METHOD_CERT;

        } else if (ngx_strcmp(value[i].data, "external") == 0) {
            alcf->second_external = 1;

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid value \"%V\" in "
                               "\"ocs_auth_second_factor\": use totp, otp, "
                               "certificate, external or off", &value[i]);
            return NGX_CONF_ERROR;
        }
    }

    if (alcf->second == 0) {
        return "needs a factor: totp, otp or certificate";
    }

    return NGX_CONF_OK;
}


/* ocs_auth_otp_server URL [ca=FILE] [timeout=TIME] [realm=NAME] | off */
char *
ngx_http_ocs_auth_otp_server(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    ngx_str_t       *value, v;
    ngx_msec_t       ms;
    ngx_uint_t       i;
    ocs_otp_conf_t  *otp;

    if (alcf->otp != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        alcf->otp = NULL;
        return NGX_CONF_OK;
    }

    if (ngx_strncmp(value[1].data, "https://", 8) != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid URL \"%V\" in \"ocs_auth_otp_server\": "
                           "use https://", &value[1]);
        return NGX_CONF_ERROR;
    }

    otp = ngx_pcalloc(cf->pool, sizeof(ocs_otp_conf_t));
    if (otp == NULL) {
        return NGX_CONF_ERROR;
    }

    otp->url = (char *) value[1].data;
    otp->timeout = 5000;

    for (i = 2; i < cf->args->nelts; i++) {
        v = value[i];

        if (v.len > 3 && ngx_strncmp(v.data, "ca=", 3) == 0) {
            v.data += 3;
            v.len -= 3;

            if (ngx_conf_full_name(cf->cycle, &v, 1) != NGX_OK) {
                return NGX_CONF_ERROR;
            }

            otp->ca_file = (char *) v.data;

        } else if (v.len > 8 && ngx_strncmp(v.data, "timeout=", 8) == 0) {
            v.data += 8;
            v.len -= 8;
            ms = ngx_parse_time(&v, 0);

            if (ms == (ngx_msec_t) NGX_ERROR || ms == 0 || ms > 60000) {
                goto invalid;
            }

            otp->timeout = (long) ms;

        } else if (v.len > 6 && ngx_strncmp(v.data, "realm=", 6) == 0) {
            otp->realm = (char *) v.data + 6;

        } else {
            goto invalid;
        }
    }

    alcf->otp = otp;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\" in \"ocs_auth_otp_server\": "
                       "use ca=FILE, timeout=TIME (up to 60s) or realm=NAME",
                       &value[i]);

    return NGX_CONF_ERROR;
}


/* ocs_auth_certificate identity=upn|email|cn [domain=D] [only] | off */
char *
ngx_http_ocs_auth_certificate(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    ngx_str_t   *value, v;
    ngx_uint_t   i;

    if (alcf->cert_source != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        if (cf->args->nelts > 2) {
            return "takes no parameters with \"off\"";
        }

        alcf->cert_source = NGX_HTTP_OCS_CERT_OFF;
        return NGX_CONF_OK;
    }

    alcf->cert_source = OCS_CERT_UPN;
    alcf->cert_only = 0;

    for (i = 1; i < cf->args->nelts; i++) {
        v = value[i];

        if (ngx_strcmp(v.data, "identity=upn") == 0) {
            alcf->cert_source = OCS_CERT_UPN;

        } else if (ngx_strcmp(v.data, "identity=email") == 0) {
            alcf->cert_source = OCS_CERT_EMAIL;

        } else if (ngx_strcmp(v.data, "identity=cn") == 0) {
            alcf->cert_source = OCS_CERT_CN;

        } else if (v.len > 7 && ngx_strncmp(v.data, "domain=", 7) == 0) {
            alcf->cert_domain.data = v.data + 7;
            alcf->cert_domain.len = v.len - 7;

        } else if (ngx_strcmp(v.data, "only") == 0) {
            alcf->cert_only = 1;

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\" in "
                               "\"ocs_auth_certificate\": use "
                               "identity=upn|email|cn, domain=NAME, only "
                               "or off", &v);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/*
 * The identity of the connection's client certificate, when nginx
 * verified one (ssl_verify_client on or optional): NGX_OK, or
 * NGX_DECLINED (none, not verified, or none from the source asked for).
 */
static ngx_int_t
ngx_http_ocs_auth_cert_identity(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, char *out, size_t len)
{
    int    rc;
    X509  *cert;

    if (r->connection->ssl == NULL
        || alcf->cert_source == NGX_HTTP_OCS_CERT_OFF)
    {
        return NGX_DECLINED;
    }

    /* expired, revoked (ssl_crl) and unknown-CA certificates fail here */
    if (SSL_get_verify_result(r->connection->ssl->connection) != X509_V_OK) {
        return NGX_DECLINED;
    }

    cert = SSL_get_peer_certificate(r->connection->ssl->connection);
    if (cert == NULL) {
        return NGX_DECLINED;
    }

    rc = ocs_cert_identity(cert, (int) alcf->cert_source, out, len);
    X509_free(cert);

    if (rc != OCS_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: the client certificate names no usable "
                      "identity (%s)", ocs_strerror(rc));
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * ocs_auth_certificate ... only: a verified client certificate signs
 * the user in.  NGX_OK with t filled and the ticket issued, or
 * NGX_DECLINED; with a directory, what ngx_http_ocs_auth_identity()
 * returns (NGX_AGAIN first).
 */
ngx_int_t
ngx_http_ocs_auth_cert_signin(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_ticket_t *t)
{
    char    id[OCS_USER_MAX + 1], *at;
    size_t  n;

    if (!alcf->cert_only
        || ngx_http_ocs_auth_cert_identity(r, alcf, id, sizeof(id))
           != NGX_OK)
    {
        return NGX_DECLINED;
    }

    n = ngx_strlen(id);
    at = (char *) ngx_strlchr((u_char *) id, (u_char *) id + n, '@');

    /* alice@contoso.com is "alice" when contoso.com is the domain */
    if (at != NULL && alcf->cert_domain.len
        && (size_t) (id + n - at - 1) == alcf->cert_domain.len
        && ngx_strncasecmp((u_char *) at + 1, alcf->cert_domain.data,
                           alcf->cert_domain.len) == 0)
    {
        n = at - id;
    }

    if (alcf->directory != NULL) {
        /* the account, its state and facts: in the thread pool */
        return ngx_http_ocs_auth_identity(r, alcf, t, (u_char *) id, n);
    }

    ngx_memzero(t, sizeof(ocs_ticket_t));
    t->user_len = n;
    ngx_memcpy(t->user, id, n);
    t->methods = OCS_METHOD_CERT;
    t->computer = OCS_COMPUTER_PUBLIC;

    if (ngx_http_ocs_sso_issue(r, t) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "ocs auth: user \"%s\" signed in with a client "
                  "certificate", t->user);

    return NGX_OK;
}


/*
 * A location's second-factor requirement against the session.  NGX_OK
 * when it is met (perhaps just now, by the connection's certificate),
 * NGX_DONE when the answer went out (the way to the second step, or a
 * 403), NGX_ERROR.
 */
ngx_int_t
ngx_http_ocs_auth_factor_check(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *ctx)
{
    char           id[OCS_USER_MAX + 1];
    ngx_int_t      rc;
    ngx_str_t      url;
    ocs_ticket_t  *t;

    t = &ctx->ticket;

    if (alcf->second == 0 || (t->methods & alcf->second)) {
        return NGX_OK;
    }

    if (alcf->second_external && alcf->internal != NULL
        && ngx_cidr_match(r->connection->sockaddr, alcf->internal) == NGX_OK)
    {
        return NGX_OK;
    }

    /* a smart card on this connection: step up at once */
    if ((alcf->second & OCS_METHOD_CERT)
        && ngx_http_ocs_auth_cert_identity(r, alcf, id, sizeof(id))
           == NGX_OK)
    {
        if (ocs_cert_matches(id, t->user, t->user_len,
                             alcf->cert_domain.len
                             ? (char *) alcf->cert_domain.data : NULL))
        {
            t->methods |= OCS_METHOD_CERT;

            if (ngx_http_ocs_sso_update(r, ctx) != NGX_OK) {
                return NGX_ERROR;
            }

            ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                          "ocs auth: user \"%s\" stepped up with a client "
                          "certificate", t->user);
            return NGX_OK;
        }

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: the client certificate of \"%s\" does not "
                      "match user \"%s\"", id, t->user);
    }

    if (!(alcf->second & (OCS_METHOD_TOTP|OCS_METHOD_OTP))) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: user \"%s\" denied: no client certificate "
                      "for this service's second factor", t->user);

        rc = ngx_http_ocs_send_message(r, NGX_HTTP_FORBIDDEN,
                                       "Certificate needed",
                                       "This service needs your smart card "
                                       "or client certificate, issued to "
                                       "the account you signed in with.");
        ngx_http_finalize_request(r, rc);
        return NGX_DONE;
    }

    if (ngx_http_ocs_auth_step_url(r, alcf, &url) != NGX_OK) {
        return NGX_ERROR;
    }

    if (r->method == NGX_HTTP_GET
        && ngx_http_ocs_auth_wants_page(r))
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "ocs auth: user \"%s\" sent to the second step",
                      t->user);

        rc = ngx_http_ocs_redirect(r, NGX_HTTP_MOVED_TEMPORARILY, url.data,
                                   url.len);
        ngx_http_finalize_request(r, rc);
        return NGX_DONE;
    }

    if (ngx_http_ocs_auth_forms_challenge(r, &url) != NGX_OK) {
        return NGX_ERROR;
    }

    rc = ngx_http_ocs_send_text(r, NGX_HTTP_UNAUTHORIZED,
                                "A second factor is needed.\n");
    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}


/* the sign-in URL with "step=2" and this request as the way back */
static ngx_int_t
ngx_http_ocs_auth_step_url(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *url)
{
    u_char     *p, *q;
    ngx_str_t   plain;

    if (ngx_http_ocs_auth_signin_url(r, alcf, r->unparsed_uri.data,
                                     r->unparsed_uri.len, &plain)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    /*
     * "...?r=..." becomes "...?step=2&f=N&r=...": N, the code factors
     * this location accepts, keeps the second step from checking a code
     * with a factor that would not satisfy it
     */
    q = plain.data + ngx_http_ocs_signin_url(r)->len + 1;

    url->len = plain.len + sizeof("step=2&f=&") - 1 + NGX_INT_T_LEN;
    url->data = ngx_pnalloc(r->pool, url->len);
    if (url->data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(url->data, plain.data, q - plain.data);
    p = ngx_sprintf(p, "step=2&f=%ui&",
                    alcf->second & NGX_HTTP_OCS_CODE_FACTORS);
    p = ngx_cpymem(p, q, plain.data + plain.len - q);

    url->len = p - url->data;

    return NGX_OK;
}


/* the "f" of a second step: the code factors wanted, both by default */
static ngx_uint_t
ngx_http_ocs_auth_step_want(ngx_str_t *f)
{
    ngx_int_t  n;

    n = (f != NULL && f->len) ? ngx_atoi(f->data, f->len) : NGX_ERROR;

    if (n == NGX_ERROR || (n & NGX_HTTP_OCS_CODE_FACTORS) == 0) {
        return NGX_HTTP_OCS_CODE_FACTORS;
    }

    return n & NGX_HTTP_OCS_CODE_FACTORS;
}


/*
 * GET signin?step=2: the code form, for a session that has one, once it
 * is clear that the user can have a code
 */
ngx_int_t
ngx_http_ocs_auth_step_get(ngx_http_request_t *r, ngx_str_t *back)
{
    ngx_str_t                      url, f;
    ngx_uint_t                     want;
    ngx_http_ocs_sso_ctx_t        *sso;
    ngx_http_ocs_auth_code_t      *task;
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    sso = ngx_http_ocs_sso_verify(r);
    if (sso == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (sso->state != NGX_HTTP_OCS_SSO_VALID) {
        /* no first step: the first step first */
        if (ngx_http_ocs_auth_signin_url(r, alcf, back->data, back->len,
                                         &url)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_ocs_redirect(r, NGX_HTTP_MOVED_TEMPORARILY,
                                     url.data, url.len);
    }

    if (ngx_http_arg(r, (u_char *) "f", 1, &f) != NGX_OK) {
        ngx_str_null(&f);
    }

    want = ngx_http_ocs_auth_step_want(&f);

    if (!(alcf->totp && (want & OCS_METHOD_TOTP))
        && !(alcf->otp != NULL && (want & OCS_METHOD_OTP)))
    {
        return ngx_http_ocs_auth_step_unset(r, alcf, sso, back, want);
    }

    /* an OTP server may know a code of anyone: only it can say */
    if (alcf->otp != NULL && (want & OCS_METHOD_OTP)) {
        return ngx_http_ocs_auth_step_form(r, sso, back, want);
    }

    /* TOTP only: a user without a secret is told before typing a code */
    if (ngx_http_ocs_auth_code_task(r, alcf, sso, back, want, &task)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    task->probe = 1;

    if (ngx_http_ocs_thread_run(r, ngx_http_ocs_thread_pool(r),
                                ngx_http_ocs_auth_code_thread,
                                ngx_http_ocs_auth_probe_done, task)
        != NGX_OK)
    {
        return ngx_http_ocs_send_message(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                         "Sign-in unavailable",
                                         "The sign-in service is busy. "
                                         "Please try again in a moment.");
    }

    /* ngx_http_ocs_auth_probe_done() finalizes it */
    r->main->count++;

    return NGX_DONE;
}


/* the code form, with what a failed post said (its note) */
static ngx_int_t
ngx_http_ocs_auth_step_form(ngx_http_request_t *r,
    ngx_http_ocs_sso_ctx_t *sso, ngx_str_t *back, ngx_uint_t want)
{
    ngx_int_t         rc;
    ocs_page_note_t  *note;

    note = ngx_palloc(r->pool, sizeof(ocs_page_note_t));
    if (note == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_ocs_auth_note_take(r, sso->ticket.session,
                                     OCS_SESSION_LEN, note);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_OK) {
        return ngx_http_ocs_auth_step_page(r, note->status, sso, back, want,
                                           note->message);
    }

    return ngx_http_ocs_auth_step_page(r, NGX_HTTP_OK, sso, back, want, "");
}


/* the second step's page when the user can have no code */
static void
ngx_http_ocs_auth_probe_done(ngx_http_request_t *r, void *data)
{
    ngx_http_ocs_auth_code_t  *task = data;

    ngx_int_t  rc;

    switch (task->rc) {

    case OCS_OK:
        rc = ngx_http_ocs_auth_step_form(r, task->sso, &task->back,
                                         task->want);
        break;

    case OCS_ERR_NOTFOUND:
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: second step of user \"%s\": no TOTP "
                      "secret for the user and no OTP server", task->user);

        rc = ngx_http_ocs_auth_step_end(r, NGX_HTTP_FORBIDDEN, task->sso,
                                        &task->back,
                                        "Second factor not set up",
                                        "This service needs a one-time "
                                        "code, and no authenticator app or "
                                        "token is set up for your account. "
                                        "Please ask your administrator to "
                                        "set one up.");
        break;

    case OCS_ERR_INVALID:
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: second step of user \"%s\": %s",
                      task->user, task->err.text);

        rc = ngx_http_ocs_auth_step_end(r, NGX_HTTP_FORBIDDEN, task->sso,
                                        &task->back,
                                        "Second factor not set up",
                                        "Your second factor cannot be "
                                        "used. Please ask your "
                                        "administrator.");
        break;

    default:
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: second factor unavailable for user "
                      "\"%s\": %s", task->user, task->err.text);

        rc = ngx_http_ocs_auth_step_end(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                        task->sso, &task->back,
                                        "Second factor unavailable",
                                        "Your second factor cannot be "
                                        "checked now. Please try again "
                                        "later.");
    }

    ngx_http_finalize_request(r, rc);
}


/* a sign-in location that checks no code this service would take */
static ngx_int_t
ngx_http_ocs_auth_step_unset(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *sso,
    ngx_str_t *back, ngx_uint_t want)
{
    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "ocs auth: second step of user \"%s\": this sign-in "
                  "location has neither \"ocs_auth_totp\" nor "
                  "\"ocs_auth_otp_server\" for the factors the "
                  "service accepts", sso->ticket.user);

    return ngx_http_ocs_auth_step_end(r, NGX_HTTP_FORBIDDEN, sso, back,
                                      "Second factor not set up",
                                      "No second factor is set up for "
                                      "this sign-in page.");
}


/*
 * The state of a second-step form: raw is the expiry (8 bytes, big
 * endian) and a nonce, made here when raw[0..7] is zero; token the HMAC
 * over the session id and raw, OCS_CSRF_TOKEN_LEN + 1 bytes.
 */
static ngx_int_t
ngx_http_ocs_auth_step_state(ngx_http_request_t *r, ocs_ticket_t *t,
    u_char *raw, char *token)
{
    u_char            msg[OCS_SESSION_LEN + NGX_HTTP_OCS_STEP_RAW];
    int64_t           exp;
    ngx_uint_t        i;
    ocs_err_t         err;
    const ocs_env_t  *env;

    for (i = 0; i < 8 && raw[i] == 0; i++) { /* void */ }

    if (i == 8) {
        exp = ngx_time() + NGX_HTTP_OCS_STEP_TTL;

        for (i = 0; i < 8; i++) {
            raw[7 - i] = (u_char) (exp >> (8 * i));
        }

        env = ngx_http_ocs_env();

        if (env->random(env->data, raw + 8, NGX_HTTP_OCS_STEP_NONCE)
            != OCS_OK)
        {
            ngx_log_error(NGX_LOG_CRIT, r->connection->log, 0,
                          "ocs auth: no random bytes for a second step");
            return NGX_ERROR;
        }
    }

    ngx_memcpy(msg, t->session, OCS_SESSION_LEN);
    ngx_memcpy(msg + OCS_SESSION_LEN, raw, NGX_HTTP_OCS_STEP_RAW);

    if (ocs_csrf_token(ngx_http_ocs_sso_keyring(r),
                       ngx_http_ocs_sso_cache(r), "second step", msg,
                       sizeof(msg), token, OCS_CSRF_TOKEN_LEN + 1, &err)
        != OCS_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "ocs auth: second step token: %s", err.text);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * The code form, with error.  A browser that posted a code is sent back
 * to the form with a 303 and a note instead (bound to the session), so
 * that reloading the page does not post the code again.
 */
static ngx_int_t
ngx_http_ocs_auth_step_page(ngx_http_request_t *r, ngx_uint_t status,
    ngx_http_ocs_sso_ctx_t *sso, ngx_str_t *back, ngx_uint_t want,
    const char *error)
{
    u_char           *p, raw[NGX_HTTP_OCS_STEP_RAW];
    char              token[OCS_CSRF_TOKEN_LEN + 1];
    char              state[64], factors[NGX_INT_T_LEN];
    char              prefix[sizeof("step=2&f=&") + NGX_INT_T_LEN];
    size_t            n;
    ngx_int_t         rc;
    ngx_str_t         action;
    ocs_tpl_var_t     vars[11];
    ocs_page_note_t  *note;

    if (r->method == NGX_HTTP_POST && ngx_http_ocs_auth_navigating(r)) {
        note = ngx_pcalloc(r->pool, sizeof(ocs_page_note_t));
        if (note == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        note->status = (int) status;
        note->message_len = ngx_min(ngx_strlen(error),
                                    OCS_PAGE_NOTE_TEXT_MAX);
        ngx_memcpy(note->message, error, note->message_len);

        *ngx_sprintf((u_char *) prefix, "step=2&f=%ui&", want) = '\0';

        rc = ngx_http_ocs_auth_note_redirect(r, sso->ticket.session,
                                             OCS_SESSION_LEN, note, prefix,
                                             back);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    ngx_memzero(raw, sizeof(raw));

    if (ngx_http_ocs_auth_step_state(r, &sso->ticket, raw, token)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    (void) ocs_b64url_encode(raw, sizeof(raw), state, sizeof(state), &n);

    p = ngx_strlchr(r->unparsed_uri.data,
                    r->unparsed_uri.data + r->unparsed_uri.len, '?');
    action.data = r->unparsed_uri.data;
    action.len = (p ? p : r->unparsed_uri.data + r->unparsed_uri.len)
                 - r->unparsed_uri.data;

    vars[0] = (ocs_tpl_var_t) { "title", "Second step", 11, 0 };
    vars[1] = (ocs_tpl_var_t) { "action", (char *) action.data, action.len,
                                0 };
    vars[2] = (ocs_tpl_var_t) { "state", state, n, 0 };
    vars[3] = (ocs_tpl_var_t) { "csrf", token, OCS_CSRF_TOKEN_LEN, 0 };
    vars[4] = (ocs_tpl_var_t) { "return", (char *) back->data, back->len,
                                0 };
    vars[5] = (ocs_tpl_var_t) { "username", sso->ticket.user,
                                sso->ticket.user_len, 0 };
    vars[6] = (ocs_tpl_var_t) { "error", error, ngx_strlen(error), 0 };
    vars[7] = (ocs_tpl_var_t) { "factors", factors,
                                ngx_sprintf((u_char *) factors, "%ui", want)
                                - (u_char *) factors, 0 };

    if (ngx_http_ocs_auth_step_back(r, sso, &vars[8]) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_ocs_send_page(r, status, OCS_PAGE_CODE, NULL, vars, 11);
}


/* a second step that cannot be taken: why, and the way back */
static ngx_int_t
ngx_http_ocs_auth_step_end(ngx_http_request_t *r, ngx_uint_t status,
    ngx_http_ocs_sso_ctx_t *sso, ngx_str_t *back, const char *title,
    const char *message)
{
    u_char         *p;
    ocs_tpl_var_t   vars[7];

    p = ngx_strlchr(r->unparsed_uri.data,
                    r->unparsed_uri.data + r->unparsed_uri.len, '?');

    vars[0] = (ocs_tpl_var_t) { "title", title, ngx_strlen(title), 0 };
    vars[1] = (ocs_tpl_var_t) { "message", message, ngx_strlen(message), 0 };
    vars[2] = (ocs_tpl_var_t) { "action", (char *) r->unparsed_uri.data,
                                (p ? p : r->unparsed_uri.data
                                         + r->unparsed_uri.len)
                                - r->unparsed_uri.data, 0 };
    vars[3] = (ocs_tpl_var_t) { "return", (char *) back->data, back->len,
                                0 };

    if (ngx_http_ocs_auth_step_back(r, sso, &vars[4]) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_ocs_send_page(r, status, OCS_PAGE_STEP_END, NULL, vars,
                                  7);
}


/*
 * The way back from the second step, three variables: a sign-out form
 * whose token is bound to the session, and the start page
 */
static ngx_int_t
ngx_http_ocs_auth_step_back(ngx_http_request_t *r,
    ngx_http_ocs_sso_ctx_t *sso, ocs_tpl_var_t *vars)
{
    char                          *token;
    ocs_err_t                      err;
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    token = ngx_pnalloc(r->pool, OCS_CSRF_TOKEN_LEN + 1);
    if (token == NULL) {
        return NGX_ERROR;
    }

    if (ocs_csrf_token(ngx_http_ocs_sso_keyring(r),
                       ngx_http_ocs_sso_cache(r), "step signout",
                       sso->ticket.session, OCS_SESSION_LEN, token,
                       OCS_CSRF_TOKEN_LEN + 1, &err)
        != OCS_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "ocs auth: sign-out token: %s", err.text);
        return NGX_ERROR;
    }

    vars[0].name = "signout";
    vars[0].value = ocs_page(OCS_PAGE_PART_SIGNOUT, &vars[0].len);
    vars[0].raw = OCS_TPL_NESTED;
    vars[1] = (ocs_tpl_var_t) { "signout_csrf", token, OCS_CSRF_TOKEN_LEN,
                                0 };
    vars[2] = (ocs_tpl_var_t) { "home", (char *) alcf->default_return.data,
                                alcf->default_return.len, 0 };

    return NGX_OK;
}


/*
 * POST with step=signout: the way back from the second step ends the
 * session and shows the first step again.
 */
ngx_int_t
ngx_http_ocs_auth_step_signout(ngx_http_request_t *r, ngx_str_t *body,
    ngx_str_t *back)
{
    ngx_str_t                csrf;
    ngx_http_ocs_sso_ctx_t  *sso;

    sso = ngx_http_ocs_sso_verify(r);
    if (sso == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (sso->state != NGX_HTTP_OCS_SSO_VALID) {
        /* nothing left to end */
        if (ngx_http_ocs_sso_clear_cookie(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_ocs_auth_signin_note(r, back, "You have signed out.");
    }

    if (ngx_http_ocs_auth_field(r, body, "csrf", OCS_CSRF_TOKEN_LEN + 1,
                                &csrf)
        != NGX_OK
        || ocs_csrf_verify(ngx_http_ocs_sso_keyring(r),
                           ngx_http_ocs_sso_cache(r), "step signout",
                           sso->ticket.session, OCS_SESSION_LEN,
                           (char *) csrf.data, csrf.len)
           != OCS_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: sign-out of user \"%s\" from the second "
                      "step without a valid csrf token refused",
                      sso->ticket.user);

        return ngx_http_ocs_send_message(r, NGX_HTTP_FORBIDDEN,
                                         "Sign-out refused",
                                         "The sign-out request did not come "
                                         "from this site's page.");
    }

    if (ngx_http_ocs_sso_revoke(r, &sso->ticket) != NGX_OK
        || ngx_http_ocs_sso_clear_cookie(r) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* a refresh of the ticket just ended must not go out after it */
    sso->refresh.len = 0;

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "ocs auth: user \"%s\" signed out from the second step",
                  sso->ticket.user);

    return ngx_http_ocs_auth_signin_note(r, back, "You have signed out.");
}


/*
 * POST with step=2: the state checked against the session, then the
 * code in the thread pool.  NGX_DONE when the thread has it.
 */
ngx_int_t
ngx_http_ocs_auth_step_post(ngx_http_request_t *r, ngx_str_t *body,
    ngx_str_t *back)
{
    u_char                         raw[NGX_HTTP_OCS_STEP_RAW];
    char                           token[OCS_CSRF_TOKEN_LEN + 1];
    size_t                         n;
    time_t                         left;
    int64_t                        exp;
    ngx_int_t                      rc;
    ngx_str_t                      state, csrf, code, user, url, f;
    ngx_uint_t                     want;
    ngx_uint_t                     i;
    const char                    *why;
    ngx_http_ocs_sso_ctx_t        *sso;
    ngx_http_ocs_auth_code_t      *task;
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    /* the decoded code: every exit goes through cleanup, which wipes it */
    ngx_str_null(&code);

    sso = ngx_http_ocs_sso_verify(r);
    if (sso == NULL) {
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        goto cleanup;
    }

    if (sso->state != NGX_HTTP_OCS_SSO_VALID) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: second step without a signed-in session "
                      "refused");

        if (ngx_http_ocs_auth_signin_url(r, alcf, back->data, back->len,
                                         &url)
            != NGX_OK)
        {
            rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
            goto cleanup;
        }

        rc = ngx_http_ocs_redirect(r, NGX_HTTP_SEE_OTHER, url.data, url.len);
        goto cleanup;
    }

    if (ngx_http_ocs_auth_field(r, body, "f", NGX_INT_T_LEN, &f) != NGX_OK) {
        ngx_str_null(&f);
    }

    want = ngx_http_ocs_auth_step_want(&f);

    /* the form must be this session's, fresh, and not used before */
    if (ngx_http_ocs_auth_field(r, body, "state", 64, &state) != NGX_OK
        || ngx_http_ocs_auth_field(r, body, "csrf", OCS_CSRF_TOKEN_LEN + 1,
                                   &csrf)
           != NGX_OK
        || ocs_b64url_decode((char *) state.data, state.len, raw,
                             sizeof(raw), &n)
           != OCS_OK
        || n != sizeof(raw)
        || ngx_http_ocs_auth_step_state(r, &sso->ticket, raw, token)
           != NGX_OK
        || csrf.len != OCS_CSRF_TOKEN_LEN
        || CRYPTO_memcmp(csrf.data, token, OCS_CSRF_TOKEN_LEN) != 0)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: second step of user \"%s\" with a bad or "
                      "foreign state refused", sso->ticket.user);
        rc = ngx_http_ocs_auth_step_page(r, NGX_HTTP_FORBIDDEN, sso, back,
                                         want, "The page had expired. "
                                         "Please enter a new code.");
        goto cleanup;
    }

    exp = 0;

    for (i = 0; i < 8; i++) {
        exp = (exp << 8) | raw[i];
    }

    if (exp < ngx_time()
        || ngx_http_ocs_guard_once(r, NGX_HTTP_OCS_ONCE_STATE, raw + 8,
                                   NGX_HTTP_OCS_STEP_NONCE, 1, exp)
           != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: second step of user \"%s\" refused: the "
                      "form expired or was used before", sso->ticket.user);
        rc = ngx_http_ocs_auth_step_page(r, NGX_HTTP_FORBIDDEN, sso, back,
                                         want, "The page had expired. "
                                         "Please enter a new code.");
        goto cleanup;
    }

    user.data = (u_char *) sso->ticket.user;
    user.len = sso->ticket.user_len;

    left = ngx_http_ocs_guard_locked(r, alcf, &user, 1, &why);

    if (left) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: second step of user \"%V\" refused: too "
                      "many failures (%s), locked for %T s more", &user, why,
                      left);
        rc = ngx_http_ocs_auth_step_page(r, NGX_HTTP_TOO_MANY_REQUESTS,
                                         sso, back, want,
                                         "Too many wrong codes. Please "
                                         "wait and try again later.");
        goto cleanup;
    }

    /*
     * ngx_http_ocs_auth_field() wipes what it decoded of a field it
     * refuses; the caller wipes the body
     */
    rc = ngx_http_ocs_auth_field(r, body, "code", NGX_HTTP_OCS_STEP_CODE_MAX,
                                 &code);

    if (rc != NGX_OK) {
        ngx_str_null(&code);
    }

    if (rc == NGX_ERROR) {
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        goto cleanup;
    }

    if (rc != NGX_OK || code.len == 0) {
        if (rc == NGX_ABORT) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "ocs auth: second step of user \"%V\" refused: "
                          "the code is too long or badly encoded", &user);

        } else {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "ocs auth: second step of user \"%V\" without a "
                          "code", &user);
        }

        rc = ngx_http_ocs_auth_step_page(r, NGX_HTTP_UNAUTHORIZED, sso,
                                         back, want,
                                         "Please enter the code.");
        goto cleanup;
    }

    if (!(alcf->totp && (want & OCS_METHOD_TOTP))
        && !(alcf->otp != NULL && (want & OCS_METHOD_OTP)))
    {
        rc = ngx_http_ocs_auth_step_unset(r, alcf, sso, back, want);
        goto cleanup;
    }

    if (ngx_http_ocs_auth_code_task(r, alcf, sso, back, want, &task)
        != NGX_OK)
    {
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        goto cleanup;
    }

    ngx_memcpy(task->code, code.data, code.len);
    task->code_len = code.len;

    /* the thread wipes task->code when it is done with it */
    if (ngx_http_ocs_thread_run(r, ngx_http_ocs_thread_pool(r),
                                ngx_http_ocs_auth_code_thread,
                                ngx_http_ocs_auth_code_done, task)
        != NGX_OK)
    {
        ngx_explicit_memzero(task->code, sizeof(task->code));
        rc = ngx_http_ocs_send_message(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                       "Sign-in unavailable",
                                       "The sign-in service is busy. "
                                       "Please try again in a moment.");
        goto cleanup;
    }

    rc = NGX_DONE;

cleanup:

    if (code.data != NULL) {
        ngx_explicit_memzero(code.data, code.len);
    }

    return rc;
}


/* the work of checking a code, or (probe) of finding the user's secret */
static ngx_int_t
ngx_http_ocs_auth_code_task(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *sso,
    ngx_str_t *back, ngx_uint_t want, ngx_http_ocs_auth_code_t **out)
{
    ngx_http_ocs_auth_code_t  *task;

    task = ngx_pcalloc(r->pool, sizeof(ngx_http_ocs_auth_code_t));
    if (task == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(task->user, sso->ticket.user, sso->ticket.user_len);
    ngx_memcpy(task->dn, sso->ticket.dn, sso->ticket.dn_len);

    task->totp = alcf->totp && (want & OCS_METHOD_TOTP);
    task->otp = (want & OCS_METHOD_OTP) ? alcf->otp : NULL;
    task->want = want;
    task->now = ngx_time();
    task->back = *back;
    task->sso = sso;

    if (task->totp) {
        if (sso->ticket.dn_len && alcf->directory != NULL
            && alcf->directory->conf.totp_attr != NULL)
        {
            task->ld = alcf->directory->handle;

        } else if (alcf->user_file.len) {
            task->path = (char *) alcf->user_file.data;
        }
    }

    *out = task;

    return NGX_OK;
}


/* runs in a pool thread: the user's TOTP secret, or the OTP server */
static void
ngx_http_ocs_auth_code_thread(void *data)
{
    ngx_http_ocs_auth_code_t  *task = data;

    ocs_totp_t             totp;
    const char            *spec;
    ocs_ldap_account_t    *acct;
    ocs_userfile_entry_t  *entry;

    spec = NULL;
    acct = NULL;
    entry = NULL;
    task->rc = OCS_ERR_NOTFOUND;

    if (task->ld != NULL) {
        acct = malloc(sizeof(ocs_ldap_account_t));

        if (acct == NULL) {
            task->rc = ocs_err(&task->err, OCS_ERR_SYS, "no memory");
            goto cleanup;
        }

        task->rc = ocs_ldap_lookup(task->ld, task->dn, acct, &task->err);

        if (task->rc == OCS_OK && acct->totp[0]) {
            spec = acct->totp;

        } else if (task->rc == OCS_OK) {
            task->rc = OCS_ERR_NOTFOUND;
        }

    } else if (task->path != NULL) {
        entry = malloc(sizeof(ocs_userfile_entry_t));

        if (entry == NULL) {
            task->rc = ocs_err(&task->err, OCS_ERR_SYS, "no memory");
            goto cleanup;
        }

        task->rc = ocs_userfile_lookup(task->path, task->user,
                                       ngx_strlen(task->user), entry,
                                       &task->err);

        if (task->rc == OCS_OK && entry->found && entry->totp[0]) {
            spec = entry->totp;

        } else if (task->rc == OCS_OK) {
            task->rc = OCS_ERR_NOTFOUND;
        }
    }

    if (spec != NULL && task->probe) {
        /* a secret that cannot be read is as good as none */
        task->rc = (ocs_totp_parse(spec, ngx_strlen(spec), &totp) == OCS_OK)
                   ? OCS_OK
                   : ocs_err(&task->err, OCS_ERR_INVALID,
                             "the user's TOTP secret cannot be read");
        ocs_wipe(&totp, sizeof(totp));

    } else if (spec != NULL) {
        task->method = OCS_METHOD_TOTP;

        if (ocs_totp_parse(spec, ngx_strlen(spec), &totp) != OCS_OK) {
            task->rc = ocs_err(&task->err, OCS_ERR_INVALID,
                               "the user's TOTP secret cannot be read");

        } else {
            task->rc = ocs_totp_verify(&totp, task->code, task->code_len,
                                       task->now, 1, &task->counter);

            if (task->rc == OCS_ERR_INVALID) {
                task->rc = OCS_ERR_AUTH;
            }
        }

        ocs_wipe(&totp, sizeof(totp));

    } else if (task->rc == OCS_ERR_NOTFOUND && task->otp != NULL
               && !task->probe)
    {
        task->method = OCS_METHOD_OTP;
        task->rc = ocs_otp_check(task->otp, task->user,
                                 ngx_strlen(task->user), task->code,
                                 task->code_len, &task->err);
    }

cleanup:

    if (acct != NULL) {
        ocs_wipe(acct->totp, sizeof(acct->totp));
        free(acct);
    }

    if (entry != NULL) {
        ocs_wipe(entry, sizeof(ocs_userfile_entry_t));
        free(entry);
    }

    ocs_wipe(task->code, sizeof(task->code));
    task->code_len = 0;
}


static void
ngx_http_ocs_auth_code_done(ngx_http_request_t *r, void *data)
{
    ngx_http_finalize_request(r, ngx_http_ocs_auth_code_answer(r, data));
}


static ngx_int_t
ngx_http_ocs_auth_code_answer(ngx_http_request_t *r,
    ngx_http_ocs_auth_code_t *task)
{
    u_char                         lower[OCS_USER_MAX + 1];
    size_t                         n;
    ngx_str_t                      user;
    const char                    *factor;
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    user.data = (u_char *) task->user;
    user.len = ngx_strlen(task->user);
    factor = (task->method == OCS_METHOD_TOTP) ? "TOTP" : "OTP server";

    /* a TOTP code counts once: a later step than the last one used */
    if (task->rc == OCS_OK && task->method == OCS_METHOD_TOTP) {
        n = ngx_min(user.len, OCS_USER_MAX);
        ngx_strlow(lower, user.data, n);

        if (ngx_http_ocs_guard_once(r, NGX_HTTP_OCS_ONCE_TOTP, lower, n,
                                    (int64_t) task->counter,
                                    ngx_time() + 120)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "ocs auth: second step of user \"%V\" refused: "
                          "the TOTP code was used before", &user);
            ngx_http_ocs_guard_failed(r, alcf, &user, 1);

            return ngx_http_ocs_auth_step_page(r, NGX_HTTP_UNAUTHORIZED,
                                               task->sso, &task->back,
                                               task->want,
                                               "This code was used already. "
                                               "Please wait for the next "
                                               "one.");
        }
    }

    /* only a checked code steps up */
    if (task->rc == OCS_OK && task->method == 0) {
        task->rc = OCS_ERR_NOTFOUND;
    }

    switch (task->rc) {

    case OCS_OK:
        task->sso->ticket.methods |= task->method;

        if (ngx_http_ocs_sso_update(r, task->sso) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_http_ocs_guard_succeeded(r, alcf, &user, 1);

        ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                      "ocs auth: user \"%V\" completed the second step with "
                      "%s", &user, factor);

        return ngx_http_ocs_redirect(r, NGX_HTTP_SEE_OTHER, task->back.data,
                                     task->back.len);

    case OCS_ERR_AUTH:
        ngx_http_ocs_guard_failed(r, alcf, &user, 1);

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: second step of user \"%V\" failed: wrong "
                      "%s code", &user, factor);

        return ngx_http_ocs_auth_step_page(r, NGX_HTTP_UNAUTHORIZED,
                                           task->sso, &task->back,
                                           task->want,
                                           "The code is not correct.");

    case OCS_ERR_NOTFOUND:
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: second step of user \"%V\": no TOTP secret "
                      "for the user and no OTP server", &user);

        return ngx_http_ocs_auth_step_end(r, NGX_HTTP_FORBIDDEN, task->sso,
                                          &task->back,
                                          "Second factor not set up",
                                          "No second factor is set up for "
                                          "your account. Please ask your "
                                          "administrator.");

    case OCS_ERR_INVALID:
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: second step of user \"%V\": %s", &user,
                      task->err.text);

        return ngx_http_ocs_auth_step_end(r, NGX_HTTP_FORBIDDEN, task->sso,
                                          &task->back,
                                          "Second factor not set up",
                                          "Your second factor cannot be "
                                          "used. Please ask your "
                                          "administrator.");

    default:
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: second factor unavailable for user "
                      "\"%V\": %s", &user, task->err.text);

        return ngx_http_ocs_send_message(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                         "Second factor unavailable",
                                         "The service that checks one-time "
                                         "codes cannot be reached. Please "
                                         "try again later.");
    }
}
