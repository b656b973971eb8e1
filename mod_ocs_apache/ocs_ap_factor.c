/*
 * Second factors in mod_auth_ocs: the directives, the requirement of a
 * protected directory against the session (the way to the second step,
 * or the step-up by the client certificate on the connection), and the
 * sign-in by certificate alone.  The second step's page is
 * ocs_ap_factor_step.c.
 *
 * Certificates come from mod_ssl: SSL_CLIENT_VERIFY must be SUCCESS
 * (SSLVerifyClient optional or require, with SSLCACertificateFile and,
 * for revocation, SSLCARevocationFile), and SSL_CLIENT_CERT is read by
 * the core (ocs_cert_identity_pem()).
 */

#include "mod_auth_ocs.h"

#include <http_ssl.h>

#include <ocs/ocs_conf.h>
#include <ocs/ocs_login.h>
#include <ocs/ocs_pages.h>
#include <ocs/ocs_step.h>



static const char *ocs_ap_factor_otp_timeout(const char *v, long *ms);
static int ocs_ap_factor_cert_identity(request_rec *r,
    const ocs_ap_factor_dir_t *conf, char *out, size_t len);
static int ocs_ap_factor_cert_step(request_rec *r,
    const ocs_ap_factor_dir_t *conf, ocs_ap_sso_ctx_t *ctx);
static int ocs_ap_factor_cert_directory(request_rec *r,
    ocs_ap_sso_ctx_t *ctx, const char *name, size_t len);
static void ocs_ap_factor_login_log(request_rec *r, int level,
    const char *text);


/* OCSSecondFactor totp | otp | certificate ... [external] | off */
const char *
ocs_ap_factor_second_factor(cmd_parms *cmd, void *mconfig, const char *args)
{
    int                   second, external;
    const char           *w;
    ocs_ap_factor_dir_t  *conf;

    conf = &ocs_ap_cmd_dir(mconfig)->factor;
    second = 0;
    external = 0;

    w = ap_getword_conf(cmd->temp_pool, &args);

    if (strcasecmp(w, "off") == 0 && *args == '\0') {
        conf->second = 0;
        conf->external = 0;
        return NULL;
    }

    for ( /* void */ ; *w != '\0'; w = ap_getword_conf(cmd->temp_pool, &args))
    {
        if (strcasecmp(w, "totp") == 0) {
            second |= OCS_METHOD_TOTP;

        } else if (strcasecmp(w, "otp") == 0) {
            second |= OCS_METHOD_OTP;

        } else if (strcasecmp(w, "certificate") == 0) {
            second |= OCS_METHOD_CERT;

        } else if (strcasecmp(w, "external") == 0) {
            external = 1;

        } else {
            return apr_psprintf(cmd->pool, "invalid value \"%s\" in "
                                "OCSSecondFactor: use totp, otp, "
                                "certificate, external or off", w);
        }
    }

    if (second == 0) {
        return "OCSSecondFactor needs a factor: totp, otp or certificate";
    }

    conf->second = second;
    conf->external = external;

    return NULL;
}


const char *
ocs_ap_factor_totp(cmd_parms *cmd, void *mconfig, int on)
{
    (void) cmd;

    ocs_ap_cmd_dir(mconfig)->factor.totp = on ? 1 : 0;

    return NULL;
}


/* OCSOTPServer URL [ca=FILE] [timeout=TIME] [realm=NAME] | off */
const char *
ocs_ap_factor_otp_server(cmd_parms *cmd, void *mconfig, const char *args)
{
    const char           *w, *why;
    ocs_otp_conf_t       *otp;
    ocs_ap_factor_dir_t  *conf;

    conf = &ocs_ap_cmd_dir(mconfig)->factor;

    w = ap_getword_conf(cmd->temp_pool, &args);

    if (*w == '\0') {
        return "OCSOTPServer needs a URL or off";
    }

    if (strcasecmp(w, "off") == 0 && *args == '\0') {
        conf->otp_set = 1;
        conf->otp = NULL;
        return NULL;
    }

    if (strncmp(w, "https://", 8) != 0) {
        return apr_psprintf(cmd->pool, "invalid URL \"%s\" in OCSOTPServer: "
                            "use https://", w);
    }

    otp = apr_pcalloc(cmd->pool, sizeof(ocs_otp_conf_t));
    otp->url = apr_pstrdup(cmd->pool, w);
    otp->timeout = 5000;

    for (w = ap_getword_conf(cmd->temp_pool, &args);
         *w != '\0';
         w = ap_getword_conf(cmd->temp_pool, &args))
    {
        if (strncmp(w, "ca=", 3) == 0 && w[3] != '\0') {
            otp->ca_file = ap_server_root_relative(cmd->pool, w + 3);
            if (otp->ca_file == NULL) {
                return apr_psprintf(cmd->pool, "invalid file name \"%s\" in "
                                    "OCSOTPServer", w + 3);
            }

        } else if (strncmp(w, "timeout=", 8) == 0) {
            why = ocs_ap_factor_otp_timeout(w + 8, &otp->timeout);
            if (why != NULL) {
                return apr_psprintf(cmd->pool, "invalid parameter \"%s\" in "
                                    "OCSOTPServer: %s", w, why);
            }

        } else if (strncmp(w, "realm=", 6) == 0 && w[6] != '\0') {
            otp->realm = apr_pstrdup(cmd->pool, w + 6);

        } else {
            return apr_psprintf(cmd->pool, "invalid parameter \"%s\" in "
                                "OCSOTPServer: use ca=FILE, timeout=TIME (up "
                                "to 60s) or realm=NAME", w);
        }
    }

    conf->otp_set = 1;
    conf->otp = otp;

    return NULL;
}


/* a time as nginx writes one ("1s", "500ms"), 1ms to 60s, into ms */
static const char *
ocs_ap_factor_otp_timeout(const char *v, long *ms)
{
    char     *end;
    size_t    len;
    int64_t   sec;
    long      n;

    len = strlen(v);

    if (len > 2 && strcmp(v + len - 2, "ms") == 0) {
        n = strtol(v, &end, 10);

        if (end != v + len - 2 || n < 1 || n > 60000) {
            return "use a time from 1ms to 60s";
        }

        *ms = n;
        return NULL;
    }

    if (ocs_conf_parse_time(v, len, &sec) != OCS_OK || sec < 1 || sec > 60) {
        return "use a time from 1ms to 60s";
    }

    *ms = (long) sec * 1000;

    return NULL;
}


/* OCSClientCertificate identity=upn|email|cn [domain=D] [only] | off */
const char *
ocs_ap_factor_certificate(cmd_parms *cmd, void *mconfig, const char *args)
{
    int                   source, only;
    const char           *w, *domain;
    ocs_ap_factor_dir_t  *conf;

    conf = &ocs_ap_cmd_dir(mconfig)->factor;

    w = ap_getword_conf(cmd->temp_pool, &args);

    if (*w == '\0') {
        return "OCSClientCertificate needs identity=upn|email|cn or off";
    }

    if (strcasecmp(w, "off") == 0) {
        if (*args != '\0') {
            return "OCSClientCertificate takes no parameters with \"off\"";
        }

        conf->cert_source = OCS_CERT_NONE;
        conf->cert_domain = NULL;
        conf->cert_only = 0;
        return NULL;
    }

    source = OCS_CERT_UPN;
    domain = NULL;
    only = 0;

    for ( /* void */ ; *w != '\0'; w = ap_getword_conf(cmd->temp_pool, &args))
    {
        if (strcmp(w, "identity=upn") == 0) {
            source = OCS_CERT_UPN;

        } else if (strcmp(w, "identity=email") == 0) {
            source = OCS_CERT_EMAIL;

        } else if (strcmp(w, "identity=cn") == 0) {
            source = OCS_CERT_CN;

        } else if (strncmp(w, "domain=", 7) == 0 && w[7] != '\0') {
            domain = apr_pstrdup(cmd->pool, w + 7);

        } else if (strcmp(w, "only") == 0) {
            only = 1;

        } else {
            return apr_psprintf(cmd->pool, "invalid parameter \"%s\" in "
                                "OCSClientCertificate: use "
                                "identity=upn|email|cn, domain=NAME, only "
                                "or off", w);
        }
    }

    conf->cert_source = source;
    conf->cert_domain = domain;
    conf->cert_only = only;

    return NULL;
}


void
ocs_ap_factor_dir_init(apr_pool_t *p, ocs_ap_factor_dir_t *conf)
{
    (void) p;

    conf->second = OCS_AP_UNSET;
    conf->external = 0;
    conf->totp = OCS_AP_UNSET;
    conf->otp_set = 0;
    conf->otp = NULL;
    conf->cert_source = OCS_AP_UNSET;
    conf->cert_domain = NULL;
    conf->cert_only = 0;
}


/* the parameters of one directive go together, as in nginx */
void
ocs_ap_factor_dir_merge(apr_pool_t *p, ocs_ap_factor_dir_t *conf,
    const ocs_ap_factor_dir_t *base, const ocs_ap_factor_dir_t *add)
{
    const ocs_ap_factor_dir_t  *from;

    (void) p;

    from = (add->second != OCS_AP_UNSET) ? add : base;
    conf->second = from->second;
    conf->external = from->external;

    conf->totp = (add->totp != OCS_AP_UNSET) ? add->totp : base->totp;

    from = add->otp_set ? add : base;
    conf->otp_set = from->otp_set;
    conf->otp = from->otp;

    from = (add->cert_source != OCS_AP_UNSET) ? add : base;
    conf->cert_source = from->cert_source;
    conf->cert_domain = from->cert_domain;
    conf->cert_only = from->cert_only;
}


void
ocs_ap_factor_register_hooks(apr_pool_t *p)
{
    (void) p;

    /* before the sign-in's own handler, which serves the first step */
    /* the step's requests of the sign-in page: before its handler
       (APR_HOOK_FIRST) and before mod_proxy */
    ap_hook_handler(ocs_ap_factor_step_handler, NULL, ocs_ap_before_proxy,
                    APR_HOOK_REALLY_FIRST);
}


/*
 * A directory's second-factor requirement against the session: OK when
 * it is met (perhaps just now, by the connection's certificate), DONE
 * when the answer went out (the way to the second step, or a 403), or
 * 500.
 */
int
ocs_ap_factor_check(request_rec *r, ocs_ap_sso_ctx_t *ctx)
{
    int                         rc, get, required;
    const char                 *url;
    ocs_ticket_t               *t;
    ocs_step_outcome_t          out;
    const ocs_ap_factor_dir_t  *conf;

    conf = &ocs_ap_dir(r)->factor;
    t = &ctx->ticket;

    required = (conf->second != OCS_AP_UNSET) ? conf->second : 0;

    /* "external": only from outside OCSInternalNetworks */
    if (!ocs_step_needed((uint32_t) required, t->methods, conf->external,
                         conf->external && ocs_ap_ldap_internal_client(r)))
    {
        return OK;
    }

    if ((required & OCS_METHOD_CERT)
        && (conf->cert_source == OCS_AP_UNSET
            || conf->cert_source == OCS_CERT_NONE))
    {
        /* nginx -t refuses it; Apache merges directories per request */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: \"OCSSecondFactor certificate\" needs "
                      "\"OCSClientCertificate\" for \"%s\"", r->uri);
    }

    /* a smart card on this connection: step up at once */
    rc = ocs_ap_factor_cert_step(r, conf, ctx);
    if (rc != DECLINED) {
        return rc;
    }

    get = (strcmp(r->method, "GET") == 0);

    ocs_step_route((uint32_t) required, get, get && ocs_ap_wants_page(r),
                   t->user, &out);

    ocs_ap_factor_log(r, out.level, out.reason);

    if (out.verdict == OCS_STEP_MESSAGE) {
        /* a certificate needed: the way back posts to the sign-in page */
        return ocs_ap_factor_step_end(r, out.status, ctx,
                                      ocs_ap_signin_url(r), r->unparsed_uri,
                                      out.title, out.message);
    }

    url = ocs_ap_factor_step_url(r, (unsigned) required);

    if (out.verdict == OCS_STEP_GO) {
        return ocs_ap_redirect(r, out.status, url);
    }

    apr_table_addn(r->err_headers_out, "WWW-Authenticate",
                   apr_psprintf(r->pool, "OCS-Forms signin=\"%s\"", url));

    return ocs_ap_send_text(r, out.status, out.message);
}


/*
 * The connection's certificate against the session's user: OK when it
 * stepped the session up, DECLINED when it did not, or 500
 */
static int
ocs_ap_factor_cert_step(request_rec *r, const ocs_ap_factor_dir_t *conf,
    ocs_ap_sso_ctx_t *ctx)
{
    int                  rc;
    char                 id[OCS_USER_MAX + 1];
    ocs_ticket_t        *t;
    ocs_step_outcome_t   out;

    t = &ctx->ticket;

    if (!(conf->second & OCS_METHOD_CERT)
        || ocs_ap_factor_cert_identity(r, conf, id, sizeof(id)) != OK)
    {
        return DECLINED;
    }

    ocs_step_cert_outcome(id, t->user, t->user_len, conf->cert_domain, &out);

    if (out.verdict != OCS_STEP_PASS) {
        ocs_ap_factor_log(r, out.level, out.reason);
        return DECLINED;
    }

    t->methods |= out.method;

    rc = ocs_ap_sso_update(r, ctx);
    if (rc != OK) {
        return rc;
    }

    ocs_ap_factor_log(r, out.level, out.reason);

    return OK;
}


/*
 * OCSClientCertificate ... only: a certificate that mod_ssl verified
 * signs the user in (with the directory's account, when the directory
 * part gives the request one).
 */
int
ocs_ap_factor_cert_signin(request_rec *r, ocs_ap_sso_ctx_t *ctx)
{
    int                         rc;
    char                        id[OCS_USER_MAX + 1];
    size_t                      n;
    ocs_ticket_t               *t;
    const ocs_ap_factor_dir_t  *conf;

    conf = &ocs_ap_dir(r)->factor;

    if (conf->cert_source == OCS_AP_UNSET || !conf->cert_only
        || ocs_ap_factor_cert_identity(r, conf, id, sizeof(id)) != OK)
    {
        return DECLINED;
    }

    n = ocs_step_cert_user(id, conf->cert_domain,
                           conf->cert_domain ? strlen(conf->cert_domain) : 0);

    rc = ocs_ap_factor_cert_directory(r, ctx, id, n);
    if (rc != DECLINED) {
        return rc;
    }

    t = &ctx->ticket;
    memset(t, 0, sizeof(ocs_ticket_t));
    memcpy(t->user, id, n);
    t->user_len = n;
    t->methods = OCS_METHOD_CERT;
    t->computer = OCS_COMPUTER_PUBLIC;

    rc = ocs_ap_sso_issue(r, t);
    if (rc != OK) {
        return rc;
    }

    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                  "ocs auth: user \"%s\" signed in with a client "
                  "certificate", t->user);

    return OK;
}


/*
 * OCSClientCertificate ... only with a directory: the account the
 * certificate names, its state and facts, as a Kerberos user's (the
 * request's thread waits for the directory, within its timeouts).
 * DECLINED without a directory; OK (signed in), DONE (refused, the
 * page sent) or 500.
 */
static int
ocs_ap_factor_cert_directory(request_rec *r, ocs_ap_sso_ctx_t *ctx,
    const char *name, size_t len)
{
    int                   rc;
    ocs_ticket_t         *t;
    ocs_login_conf_t      lc;
    ocs_login_input_t     in;
    ocs_login_result_t   *res;
    ocs_login_outcome_t   out;

    memset(&lc, 0, sizeof(ocs_login_conf_t));

    if (ocs_ap_ldap_login_conf(r, &lc) != OK) {
        return DECLINED;
    }

    memset(&in, 0, sizeof(ocs_login_input_t));
    in.name = name;
    in.name_len = len;
    in.method = OCS_METHOD_CERT;
    in.computer = OCS_COMPUTER_PUBLIC;

    res = apr_pcalloc(r->pool, sizeof(ocs_login_result_t));

    (void) ocs_login_proven(&lc, &in, res, &out);

    ocs_ap_factor_login_log(r, out.note_level, out.note);

    if (out.kind != OCS_LOGIN_OK) {
        ocs_ap_factor_login_log(r, out.level, out.reason);

        if (out.status == HTTP_FORBIDDEN) {
            return ocs_ap_send_msg(r, HTTP_FORBIDDEN,
                                   OCS_MSG_NEGOTIATE_FAILED, out.message);
        }

        if (out.status == HTTP_SERVICE_UNAVAILABLE) {
            return ocs_ap_send_msg(r, HTTP_SERVICE_UNAVAILABLE,
                                   OCS_MSG_NEGOTIATE_UNAVAILABLE,
                                   out.message);
        }

        /* not signed in: the challenge */
        return ocs_ap_signin_challenge(r);
    }

    t = &ctx->ticket;
    memset(t, 0, sizeof(ocs_ticket_t));

    if (out.directory) {
        ocs_ap_ldap_fill_ticket(r, &lc, t);
    }

    t->user_len = (out.name_len < OCS_USER_MAX) ? out.name_len
                                                : OCS_USER_MAX;
    memcpy(t->user, out.name, t->user_len);
    t->methods = OCS_METHOD_CERT;
    t->computer = OCS_COMPUTER_PUBLIC;

    rc = ocs_ap_sso_issue(r, t);
    if (rc != OK) {
        return rc;
    }

    ocs_ap_factor_login_log(r, out.level, out.reason);

    return OK;
}


/* a line of ocs_login.h at its level */
static void
ocs_ap_factor_login_log(request_rec *r, int level, const char *text)
{
    int  l;

    if (level == OCS_LOGIN_LOG_NONE || text[0] == '\0') {
        return;
    }

    l = (level == OCS_LOGIN_LOG_CRIT) ? APLOG_CRIT
        : (level == OCS_LOGIN_LOG_WARN) ? APLOG_WARNING
        : (level == OCS_LOGIN_LOG_NOTICE) ? APLOG_NOTICE : APLOG_ERR;

    ap_log_rerror(APLOG_MARK, l, 0, r, "ocs auth: %s", text);
}


/*
 * The identity of the connection's client certificate, when mod_ssl
 * verified one: OK, or DECLINED (none, not verified, or none from the
 * source asked for).
 */
static int
ocs_ap_factor_cert_identity(request_rec *r, const ocs_ap_factor_dir_t *conf,
    char *out, size_t len)
{
    int          rc;
    const char  *v, *pem;

    if (conf->cert_source == OCS_AP_UNSET
        || conf->cert_source == OCS_CERT_NONE
        || !ap_ssl_conn_is_ssl(r->connection))
    {
        return DECLINED;
    }

    /* expired, revoked and unknown-CA certificates never get here */
    v = ap_ssl_var_lookup(r->pool, r->server, r->connection, r,
                          "SSL_CLIENT_VERIFY");
    if (v == NULL || strcmp(v, "SUCCESS") != 0) {
        return DECLINED;
    }

    pem = ap_ssl_var_lookup(r->pool, r->server, r->connection, r,
                            "SSL_CLIENT_CERT");
    if (pem == NULL || pem[0] == '\0') {
        return DECLINED;
    }

    rc = ocs_cert_identity_pem(pem, strlen(pem), conf->cert_source, out, len);

    if (rc != OCS_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: the client certificate names no usable "
                      "identity (%s)", ocs_strerror(rc));
        return DECLINED;
    }

    return OK;
}

