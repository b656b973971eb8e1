/*
 * Second factors.  A location with ocs_auth_second_factor lets in only
 * sessions whose ticket records one of the factors it names: a session
 * that signed in with a password steps up on the sign-in page's second
 * step (a TOTP code, or a code an OTP server checks), or by the client
 * certificate on its connection, without signing in again.  The ticket
 * records the factors used.
 *
 * What the second step decides (its state, the code check, what each
 * outcome answers and logs) is core/src/ocs_step.c; this file reads the
 * form, posts the check to the thread pool, keeps the replay marks in
 * the ocs_auth_zone (ngx_http_ocs_auth_guard_once()) and answers.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs_auth.h>
#include <ocs/ocs_csrf.h>
#include <ocs/ocs_factor.h>
#include <ocs/ocs_step.h>


typedef struct {
    ocs_step_code_t             code;           /* the core's work */
    /* kept for the answer */
    ngx_str_t                   back;
    ngx_uint_t                  want;
    ngx_http_ocs_sso_ctx_t     *sso;
} ngx_http_ocs_auth_code_t;


static ngx_int_t ngx_http_ocs_auth_cert_identity(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, char *out, size_t len);
static ngx_int_t ngx_http_ocs_auth_factor_cert(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *ctx);
static ngx_int_t ngx_http_ocs_auth_step_url(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *url);
static ngx_int_t ngx_http_ocs_auth_step_form(ngx_http_request_t *r,
    ngx_http_ocs_sso_ctx_t *sso, ngx_str_t *back, ngx_uint_t want);
static void ngx_http_ocs_auth_probe_done(ngx_http_request_t *r,
    void *data);
static ngx_int_t ngx_http_ocs_auth_step_unset(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *sso,
    ngx_str_t *back, ngx_uint_t want);
static ngx_int_t ngx_http_ocs_auth_step_answer(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *sso,
    ngx_str_t *back, ngx_uint_t want, ocs_step_outcome_t *out);
static void ngx_http_ocs_auth_step_log(ngx_http_request_t *r,
    ocs_step_outcome_t *out);
static int ngx_http_ocs_auth_step_once(void *data, int kind,
    const unsigned char *key, size_t len, int64_t value, int64_t expires);
static ngx_int_t ngx_http_ocs_auth_step_page(ngx_http_request_t *r,
    ngx_uint_t status, ngx_http_ocs_sso_ctx_t *sso, ngx_str_t *back,
    ngx_uint_t want, const char *error);
static ngx_int_t ngx_http_ocs_auth_step_note(ngx_http_request_t *r,
    ngx_uint_t status, ngx_http_ocs_sso_ctx_t *sso, ngx_str_t *back,
    ngx_uint_t want, const char *error);
static ngx_int_t ngx_http_ocs_auth_step_end(ngx_http_request_t *r,
    ngx_uint_t status, ngx_http_ocs_sso_ctx_t *sso, ngx_str_t *action,
    ngx_str_t *back, const char *title, const char *message);
static ngx_int_t ngx_http_ocs_auth_step_back(ngx_http_request_t *r,
    ngx_http_ocs_sso_ctx_t *sso, ocs_tpl_var_t *vars);
static ngx_int_t ngx_http_ocs_auth_step_verify(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *sso,
    ngx_str_t *body, ngx_str_t *back, ngx_uint_t want);
static ngx_int_t ngx_http_ocs_auth_step_locked(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *sso,
    ngx_str_t *back, ngx_uint_t want);
static ngx_int_t ngx_http_ocs_auth_step_code(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *sso,
    ngx_str_t *body, ngx_str_t *back, ngx_uint_t want, ngx_str_t *code);
static ngx_int_t ngx_http_ocs_auth_code_post(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *sso,
    ngx_str_t *back, ngx_uint_t want, ngx_str_t *code);
static ngx_http_ocs_auth_code_t *ngx_http_ocs_auth_code_task(
    ngx_http_request_t *r, ngx_http_ocs_auth_loc_conf_t *alcf,
    ngx_http_ocs_sso_ctx_t *sso, ngx_str_t *back, ngx_uint_t want);
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

        alcf->cert_source = OCS_CERT_NONE;
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

    if (r->connection->ssl == NULL || alcf->cert_source == OCS_CERT_NONE) {
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
    char    id[OCS_USER_MAX + 1];
    size_t  n;

    if (!alcf->cert_only
        || ngx_http_ocs_auth_cert_identity(r, alcf, id, sizeof(id))
           != NGX_OK)
    {
        return NGX_DECLINED;
    }

    n = ocs_step_cert_user(id, (char *) alcf->cert_domain.data,
                           alcf->cert_domain.len);

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
    ngx_int_t           rc, internal;
    ngx_str_t           url;
    ocs_ticket_t       *t;
    ocs_step_outcome_t  out;

    t = &ctx->ticket;

    internal = alcf->second_external
               && ngx_http_ocs_auth_internal_client(r, alcf);

    if (!ocs_step_needed(alcf->second, t->methods, alcf->second_external,
                         internal))
    {
        return NGX_OK;
    }

    /* a smart card on this connection: step up at once */
    rc = ngx_http_ocs_auth_factor_cert(r, alcf, ctx);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    ocs_step_route(alcf->second, r->method == NGX_HTTP_GET,
                   r->method == NGX_HTTP_GET
                   && ngx_http_ocs_auth_wants_page(r),
                   t->user, &out);

    if (out.verdict == OCS_STEP_MESSAGE) {
        /* a certificate needed: the way back posts to the sign-in page */
        ngx_http_ocs_auth_step_log(r, &out);
        rc = ngx_http_ocs_auth_step_end(r, out.status, ctx,
                                        ngx_http_ocs_signin_url(r),
                                        &r->unparsed_uri, out.title,
                                        out.message);
        ngx_http_finalize_request(r, rc);
        return NGX_DONE;
    }

    if (ngx_http_ocs_auth_step_url(r, alcf, &url) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_ocs_auth_step_log(r, &out);

    if (out.verdict == OCS_STEP_GO) {
        rc = ngx_http_ocs_redirect(r, out.status, url.data, url.len);
        ngx_http_finalize_request(r, rc);
        return NGX_DONE;
    }

    if (ngx_http_ocs_auth_forms_challenge(r, &url) != NGX_OK) {
        return NGX_ERROR;
    }

    rc = ngx_http_ocs_send_text(r, out.status, out.message);
    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}


/*
 * The connection's certificate against the session's user: NGX_OK when
 * it stepped the session up, NGX_DECLINED when it did not, NGX_ERROR
 */
static ngx_int_t
ngx_http_ocs_auth_factor_cert(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *ctx)
{
    char                id[OCS_USER_MAX + 1];
    ocs_ticket_t       *t;
    ocs_step_outcome_t  out;

    t = &ctx->ticket;

    if (!(alcf->second & OCS_METHOD_CERT)
        || ngx_http_ocs_auth_cert_identity(r, alcf, id, sizeof(id))
           != NGX_OK)
    {
        return NGX_DECLINED;
    }

    ocs_step_cert_outcome(id, t->user, t->user_len,
                          alcf->cert_domain.len
                          ? (char *) alcf->cert_domain.data : NULL, &out);

    if (out.verdict != OCS_STEP_PASS) {
        ngx_http_ocs_auth_step_log(r, &out);
        return NGX_DECLINED;
    }

    t->methods |= out.method;

    if (ngx_http_ocs_sso_update(r, ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_ocs_auth_step_log(r, &out);

    return NGX_OK;
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
                    alcf->second & OCS_STEP_CODE_FACTORS);
    p = ngx_cpymem(p, q, plain.data + plain.len - q);

    url->len = p - url->data;

    return NGX_OK;
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

    want = ocs_step_want((char *) f.data, f.len);

    if (!ocs_step_can_check(want, alcf->totp, alcf->otp != NULL)) {
        return ngx_http_ocs_auth_step_unset(r, alcf, sso, back, want);
    }

    if (!ocs_step_probe_first(want, alcf->otp != NULL)) {
        return ngx_http_ocs_auth_step_form(r, sso, back, want);
    }

    /* a user without a TOTP secret is told before typing a code */
    task = ngx_http_ocs_auth_code_task(r, alcf, sso, back, want);
    if (task == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    task->code.probe = 1;

    if (ngx_http_ocs_thread_run(r, ngx_http_ocs_thread_pool(r),
                                ngx_http_ocs_auth_code_thread,
                                ngx_http_ocs_auth_probe_done, task)
        != NGX_OK)
    {
        return ngx_http_ocs_send_msg(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                     OCS_MSG_BUSY);
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


/* the second step's page, or why the user can have no code */
static void
ngx_http_ocs_auth_probe_done(ngx_http_request_t *r, void *data)
{
    ngx_http_ocs_auth_code_t  *task = data;

    ngx_int_t                      rc;
    ocs_step_outcome_t             out;
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    ocs_step_code_outcome(&task->code, ngx_time(), NULL, NULL, &out);

    if (out.verdict == OCS_STEP_FORM) {
        rc = ngx_http_ocs_auth_step_form(r, task->sso, &task->back,
                                         task->want);

    } else {
        rc = ngx_http_ocs_auth_step_answer(r, alcf, task->sso, &task->back,
                                           task->want, &out);
    }

    ngx_http_finalize_request(r, rc);
}


/* a sign-in location that checks no code this service would take */
static ngx_int_t
ngx_http_ocs_auth_step_unset(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *sso,
    ngx_str_t *back, ngx_uint_t want)
{
    ocs_step_outcome_t  out;

    ocs_step_refuse(OCS_STEP_UNSET, sso->ticket.user, NULL, 0, &out);

    return ngx_http_ocs_auth_step_answer(r, alcf, sso, back, want, &out);
}


/*
 * An outcome of the second step, other than a certificate's: logged,
 * counted for the lockout, and answered
 */
static ngx_int_t
ngx_http_ocs_auth_step_answer(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *sso,
    ngx_str_t *back, ngx_uint_t want, ocs_step_outcome_t *out)
{
    ngx_str_t  user, url;

    user.data = (u_char *) sso->ticket.user;
    user.len = sso->ticket.user_len;

    if (out->failed) {
        ngx_http_ocs_auth_guard_failed(r, alcf, &user, 1);
    }

    if (out->succeeded) {
        ngx_http_ocs_auth_guard_succeeded(r, alcf, &user, 1);
    }

    ngx_http_ocs_auth_step_log(r, out);

    switch (out->verdict) {

    case OCS_STEP_PASS:
        return ngx_http_ocs_redirect(r, out->status, back->data, back->len);

    case OCS_STEP_FORM:
        return ngx_http_ocs_auth_step_page(r, out->status, sso, back, want,
                                           out->message);

    case OCS_STEP_END:
        return ngx_http_ocs_auth_step_end(r, out->status, sso, NULL, back,
                                          out->title, out->message);

    case OCS_STEP_SIGNIN:
        if (ngx_http_ocs_auth_signin_url(r, alcf, back->data, back->len,
                                         &url)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_ocs_redirect(r, out->status, url.data, url.len);

    default: /* OCS_STEP_MESSAGE */
        return ngx_http_ocs_send_message(r, out->status, out->title,
                                         out->message);
    }
}


/* the log line of an outcome, at its level */
static void
ngx_http_ocs_auth_step_log(ngx_http_request_t *r, ocs_step_outcome_t *out)
{
    ngx_uint_t  level;

    switch (out->level) {

    case OCS_STEP_LOG_NONE:
        return;

    case OCS_STEP_LOG_INFO:
        level = NGX_LOG_INFO;
        break;

    case OCS_STEP_LOG_NOTICE:
        level = NGX_LOG_NOTICE;
        break;

    default:
        level = NGX_LOG_ERR;
    }

    ngx_log_error(level, r->connection->log, 0, "ocs auth: %s", out->reason);
}


/* the replay marks of the second step, in the ocs_auth_zone */
static int
ngx_http_ocs_auth_step_once(void *data, int kind, const unsigned char *key,
    size_t len, int64_t value, int64_t expires)
{
    ngx_http_request_t  *r = data;

    switch (ngx_http_ocs_auth_guard_once(r, (u_char) kind, (u_char *) key, len,
                                    value, (time_t) expires))
    {
    case NGX_OK:
        return OCS_OK;

    case NGX_DECLINED:
        return OCS_ERR_AUTH;

    default:
        return OCS_ERR_SPACE;
    }
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
    u_char            *p;
    char               factors[NGX_INT_T_LEN];
    ngx_int_t          rc;
    ngx_str_t          action;
    ngx_uint_t         level;
    ocs_err_t          err;
    ocs_tpl_var_t      vars[11];
    ocs_step_form_t    form;

    if (r->method == NGX_HTTP_POST && ngx_http_ocs_auth_navigating(r)) {
        rc = ngx_http_ocs_auth_step_note(r, status, sso, back, want, error);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    rc = ocs_step_state_make(ngx_http_ocs_sso_keyring(r),
                             ngx_http_ocs_sso_cache(r), ngx_http_ocs_env(),
                             sso->ticket.session, &form, &err);

    if (rc != OCS_OK) {
        /* no random bytes is the system's fault; no token cannot happen */
        level = (rc == OCS_ERR_SYS) ? NGX_LOG_CRIT : NGX_LOG_ALERT;
        ngx_log_error(level, r->connection->log, 0, "ocs auth: %s",
                      err.text);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_strlchr(r->unparsed_uri.data,
                    r->unparsed_uri.data + r->unparsed_uri.len, '?');
    action.data = r->unparsed_uri.data;
    action.len = (p ? p : r->unparsed_uri.data + r->unparsed_uri.len)
                 - r->unparsed_uri.data;

    vars[0] = (ocs_tpl_var_t) { "title", ocs_msg(OCS_MSG_STEP)->title,
                                ocs_msg(OCS_MSG_STEP)->title_len, 0 };
    vars[1] = (ocs_tpl_var_t) { "action", (char *) action.data, action.len,
                                0 };
    vars[2] = (ocs_tpl_var_t) { "state", form.state, OCS_STEP_STATE_LEN, 0 };
    vars[3] = (ocs_tpl_var_t) { "csrf", form.token, OCS_CSRF_TOKEN_LEN, 0 };
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


/*
 * A posted code's answer as a note for the form a 303 leads back to:
 * what ngx_http_ocs_auth_note_redirect() returns
 */
static ngx_int_t
ngx_http_ocs_auth_step_note(ngx_http_request_t *r, ngx_uint_t status,
    ngx_http_ocs_sso_ctx_t *sso, ngx_str_t *back, ngx_uint_t want,
    const char *error)
{
    char              prefix[sizeof("step=2&f=&") + NGX_INT_T_LEN];
    ocs_page_note_t  *note;

    note = ngx_pcalloc(r->pool, sizeof(ocs_page_note_t));
    if (note == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    note->status = (int) status;
    note->message_len = ngx_min(ngx_strlen(error), OCS_PAGE_NOTE_TEXT_MAX);
    ngx_memcpy(note->message, error, note->message_len);

    *ngx_sprintf((u_char *) prefix, "step=2&f=%ui&", want) = '\0';

    return ngx_http_ocs_auth_note_redirect(r, sso->ticket.session,
                                           OCS_SESSION_LEN, note, prefix,
                                           back);
}


/*
 * A second step that cannot be taken: why, and the way back, a sign-out
 * posted to action (the sign-in page; NULL: this one)
 */
static ngx_int_t
ngx_http_ocs_auth_step_end(ngx_http_request_t *r, ngx_uint_t status,
    ngx_http_ocs_sso_ctx_t *sso, ngx_str_t *action, ngx_str_t *back,
    const char *title, const char *message)
{
    u_char         *p;
    ocs_tpl_var_t   vars[7];

    if (action == NULL) {
        action = &r->unparsed_uri;
    }

    p = ngx_strlchr(action->data, action->data + action->len, '?');

    vars[0] = (ocs_tpl_var_t) { "title", title, ngx_strlen(title), 0 };
    vars[1] = (ocs_tpl_var_t) { "message", message, ngx_strlen(message), 0 };
    vars[2] = (ocs_tpl_var_t) { "action", (char *) action->data,
                                (p ? p : action->data + action->len)
                                - action->data, 0 };
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
                       ngx_http_ocs_sso_cache(r), OCS_CSRF_STEP_SIGNOUT,
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

        return ngx_http_ocs_auth_signin_note(r, back,
                   ocs_msg(OCS_MSG_STEP_SIGNED_OUT)->text);
    }

    if (ngx_http_ocs_form_field(r, body, "csrf", OCS_CSRF_TOKEN_LEN + 1,
                                &csrf)
        != NGX_OK
        || ocs_csrf_verify(ngx_http_ocs_sso_keyring(r),
                           ngx_http_ocs_sso_cache(r), OCS_CSRF_STEP_SIGNOUT,
                           sso->ticket.session, OCS_SESSION_LEN,
                           (char *) csrf.data, csrf.len)
           != OCS_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: sign-out of user \"%s\" from the second "
                      "step without a valid csrf token refused",
                      sso->ticket.user);

        return ngx_http_ocs_send_msg(r, NGX_HTTP_FORBIDDEN,
                                     OCS_MSG_STEP_SIGNOUT_REFUSED);
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

    return ngx_http_ocs_auth_signin_note(r, back,
                   ocs_msg(OCS_MSG_STEP_SIGNED_OUT)->text);
}


/*
 * POST with step=2: the state checked against the session, then the
 * code in the thread pool.  NGX_DONE when the thread has it.
 */
ngx_int_t
ngx_http_ocs_auth_step_post(ngx_http_request_t *r, ngx_str_t *body,
    ngx_str_t *back)
{
    ngx_int_t                      rc;
    ngx_str_t                      code, f;
    ngx_uint_t                     want;
    ocs_step_outcome_t             out;
    ngx_http_ocs_sso_ctx_t        *sso;
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
        ocs_step_refuse(OCS_STEP_NO_SESSION, "", NULL, 0, &out);
        rc = ngx_http_ocs_auth_step_answer(r, alcf, sso, back, 0, &out);
        goto cleanup;
    }

    if (ngx_http_ocs_form_field(r, body, "f", NGX_INT_T_LEN, &f) != NGX_OK) {
        ngx_str_null(&f);
    }

    want = ocs_step_want((char *) f.data, f.len);

    /* the form must be this session's, fresh, and not used before */
    rc = ngx_http_ocs_auth_step_verify(r, alcf, sso, body, back, want);
    if (rc != NGX_DECLINED) {
        goto cleanup;
    }

    rc = ngx_http_ocs_auth_step_locked(r, alcf, sso, back, want);
    if (rc != NGX_DECLINED) {
        goto cleanup;
    }

    rc = ngx_http_ocs_auth_step_code(r, alcf, sso, body, back, want, &code);
    if (rc != NGX_DECLINED) {
        goto cleanup;
    }

    if (!ocs_step_can_check(want, alcf->totp, alcf->otp != NULL)) {
        rc = ngx_http_ocs_auth_step_unset(r, alcf, sso, back, want);
        goto cleanup;
    }

    rc = ngx_http_ocs_auth_code_post(r, alcf, sso, back, want, &code);

cleanup:

    if (code.data != NULL) {
        ngx_explicit_memzero(code.data, code.len);
    }

    return rc;
}


/*
 * The posted state and token against the session: NGX_DECLINED when
 * they pass, else the answer.  The decoded fields are wiped.
 */
static ngx_int_t
ngx_http_ocs_auth_step_verify(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *sso,
    ngx_str_t *body, ngx_str_t *back, ngx_uint_t want)
{
    ngx_int_t           rc;
    ngx_str_t           state, csrf;
    ocs_step_outcome_t  out;

    if (ngx_http_ocs_form_field(r, body, "state", OCS_STEP_STATE_MAX,
                                &state)
        != NGX_OK)
    {
        ngx_str_null(&state);
    }

    if (ngx_http_ocs_form_field(r, body, "csrf", OCS_CSRF_TOKEN_LEN + 1,
                                &csrf)
        != NGX_OK)
    {
        ngx_str_null(&csrf);
    }

    rc = ocs_step_state_verify(ngx_http_ocs_sso_keyring(r),
                               ngx_http_ocs_sso_cache(r), ngx_http_ocs_env(),
                               sso->ticket.session, (char *) state.data,
                               state.len, (char *) csrf.data, csrf.len,
                               ngx_http_ocs_auth_step_once, r,
                               sso->ticket.user, &out);

    if (state.data != NULL) {
        ngx_explicit_memzero(state.data, state.len);
    }

    if (csrf.data != NULL) {
        ngx_explicit_memzero(csrf.data, csrf.len);
    }

    if (rc == OCS_OK) {
        return NGX_DECLINED;
    }

    return ngx_http_ocs_auth_step_answer(r, alcf, sso, back, want, &out);
}


/* NGX_DECLINED, or the answer to a user locked out for wrong codes */
static ngx_int_t
ngx_http_ocs_auth_step_locked(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *sso,
    ngx_str_t *back, ngx_uint_t want)
{
    time_t              left;
    ngx_str_t           user;
    const char         *why;
    ocs_step_outcome_t  out;

    user.data = (u_char *) sso->ticket.user;
    user.len = sso->ticket.user_len;

    left = ngx_http_ocs_auth_guard_locked(r, alcf, &user, 1, &why);

    if (left == 0) {
        return NGX_DECLINED;
    }

    ocs_step_refuse(OCS_STEP_LOCKED, sso->ticket.user, why, left, &out);

    return ngx_http_ocs_auth_step_answer(r, alcf, sso, back, want, &out);
}


/*
 * The posted code into *code (pool memory the caller wipes):
 * NGX_DECLINED when there is one, else the answer
 */
static ngx_int_t
ngx_http_ocs_auth_step_code(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *sso,
    ngx_str_t *body, ngx_str_t *back, ngx_uint_t want, ngx_str_t *code)
{
    ngx_int_t           rc;
    ocs_step_outcome_t  out;

    /*
     * ngx_http_ocs_form_field() wipes what it decoded of a field it
     * refuses; the caller wipes the body
     */
    rc = ngx_http_ocs_form_field(r, body, "code", OCS_STEP_CODE_MAX, code);

    if (rc != NGX_OK) {
        ngx_str_null(code);
    }

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_OK && code->len != 0) {
        return NGX_DECLINED;
    }

    ocs_step_refuse((rc == NGX_ABORT) ? OCS_STEP_BAD_CODE : OCS_STEP_NO_CODE,
                    sso->ticket.user, NULL, 0, &out);

    return ngx_http_ocs_auth_step_answer(r, alcf, sso, back, want, &out);
}


/* code to the thread pool: NGX_DONE, or the answer when it is busy */
static ngx_int_t
ngx_http_ocs_auth_code_post(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *sso,
    ngx_str_t *back, ngx_uint_t want, ngx_str_t *code)
{
    ngx_http_ocs_auth_code_t  *task;

    task = ngx_http_ocs_auth_code_task(r, alcf, sso, back, want);
    if (task == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(task->code.code, code->data, code->len);
    task->code.code_len = code->len;

    /* the thread wipes task->code.code when it is done with it */
    if (ngx_http_ocs_thread_run(r, ngx_http_ocs_thread_pool(r),
                                ngx_http_ocs_auth_code_thread,
                                ngx_http_ocs_auth_code_done, task)
        != NGX_OK)
    {
        ngx_explicit_memzero(task->code.code, sizeof(task->code.code));
        return ngx_http_ocs_send_msg(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                     OCS_MSG_BUSY);
    }

    return NGX_DONE;
}


/* the work of checking a code, or (probe) of finding the user's secret */
static ngx_http_ocs_auth_code_t *
ngx_http_ocs_auth_code_task(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *sso,
    ngx_str_t *back, ngx_uint_t want)
{
    ngx_http_ocs_auth_code_t  *task;
    ngx_http_ocs_ldap_dir_t   *dir;

    task = ngx_pcalloc(r->pool, sizeof(ngx_http_ocs_auth_code_t));
    if (task == NULL) {
        return NULL;
    }

    ngx_memcpy(task->code.user, sso->ticket.user, sso->ticket.user_len);
    ngx_memcpy(task->code.dn, sso->ticket.dn, sso->ticket.dn_len);
    task->code.now = ngx_time();

    dir = alcf->directory;

    ocs_step_code_source(&task->code, want, alcf->totp,
                         dir ? dir->handle : NULL,
                         dir != NULL && dir->conf.totp_attr != NULL,
                         alcf->user_file.len
                         ? (char *) alcf->user_file.data : NULL,
                         alcf->otp);

    task->want = want;
    task->back = *back;
    task->sso = sso;

    return task;
}


/* runs in a pool thread: the user's TOTP secret, or the OTP server */
static void
ngx_http_ocs_auth_code_thread(void *data)
{
    ngx_http_ocs_auth_code_t  *task = data;

    ocs_step_check_code(&task->code);
}


static void
ngx_http_ocs_auth_code_done(ngx_http_request_t *r, void *data)
{
    ngx_http_finalize_request(r, ngx_http_ocs_auth_code_answer(r, data));
}


/* a checked code: the session stepped up, or why not */
static ngx_int_t
ngx_http_ocs_auth_code_answer(ngx_http_request_t *r,
    ngx_http_ocs_auth_code_t *task)
{
    ocs_step_outcome_t             out;
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    /* a TOTP code counts once: a later step than the last one used */
    ocs_step_code_outcome(&task->code, ngx_time(),
                          ngx_http_ocs_auth_step_once, r, &out);

    if (out.verdict == OCS_STEP_PASS) {
        task->sso->ticket.methods |= out.method;

        if (ngx_http_ocs_sso_update(r, task->sso) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    return ngx_http_ocs_auth_step_answer(r, alcf, task->sso, &task->back,
                                         task->want, &out);
}
