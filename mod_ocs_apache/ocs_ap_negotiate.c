/*
 * Integrated Windows authentication in mod_auth_ocs: SPNEGO/Kerberos and
 * NTLM (gss-ntlmssp) for internal networks, then the ticket.
 *
 * A client in the internal networks that holds a Kerberos ticket for
 * the proxy's service principal signs in without a form; the proxy then
 * issues its own ticket, so later requests ride the cookie and Kerberos
 * runs once per session.  Only internal clients are offered Negotiate,
 * and a token from any other client is refused.
 *
 * Apache request threads may block: the GSSAPI leg and the directory run
 * here, in the request's thread, each with its own contexts (MIT's
 * GSSAPI makes a krb5 context per call).  NTLM takes two round trips on
 * one connection: the half-made GSSAPI context waits between them in the
 * connection's pool, which only the thread serving the connection's
 * current request touches (mpm_event may hand the connection to another
 * thread between requests, never during one).
 */

#include "mod_auth_ocs.h"

#include <ocs/ocs_conf.h>
#include <ocs/ocs_gss.h>
#include <ocs/ocs_login.h>
#include <ocs/ocs_pages.h>
#include <ocs/ocs_signin.h>

#include <apr_base64.h>


/* what one token came to */
#define OCS_AP_NEG_NONE      0   /* no Negotiate or NTLM token */
#define OCS_AP_NEG_REFUSED   1   /* refused, logged: the challenge again */
#define OCS_AP_NEG_OK        2   /* signed in: the ticket issued */
#define OCS_AP_NEG_SENT      3   /* answered: 403, 503 or NTLM's next leg */
#define OCS_AP_NEG_ERROR     4   /* 500, logged */

/* how long a half-made NTLM context waits for its next leg */
#define OCS_AP_NEG_LEG_TIMEOUT  apr_time_from_sec(60)

/* the connection pool's key of the NTLM state */
#define OCS_AP_NEG_CONN_KEY  "ocs_ap_negotiate_conn"


/* a connection's half-made context (NTLM), in the connection's pool */
typedef struct {
    ocs_gss_ctx_t                    *gctx;
    apr_time_t                        started;
} ocs_ap_neg_conn_t;


/* one token's sign-in, in the request pool under a cleanup */
typedef struct {
    unsigned char                    *token;
    size_t                            token_len;
    int                               raw;        /* "NTLM", not Negotiate */
    ocs_gss_result_t                  accepted;
    ocs_login_conf_t                  login;
    ocs_login_input_t                 in;
    ocs_login_result_t                result;
    ocs_login_outcome_t               out;
    ocs_ticket_t                      ticket;
} ocs_ap_neg_t;


static int ocs_ap_negotiate_accept(request_rec *r);
static int ocs_ap_negotiate_token(request_rec *r, ocs_ap_neg_t *neg);
static int ocs_ap_negotiate_leg(request_rec *r, ocs_ap_neg_t *neg);
static int ocs_ap_negotiate_login(request_rec *r, ocs_ap_neg_t *neg);
static int ocs_ap_negotiate_issue(request_rec *r, ocs_ap_neg_t *neg);
static ocs_ap_neg_conn_t *ocs_ap_negotiate_conn(request_rec *r);
static apr_status_t ocs_ap_negotiate_conn_cleanup(void *data);
static apr_status_t ocs_ap_negotiate_cleanup(void *data);
static void ocs_ap_negotiate_header(request_rec *r, ocs_ap_neg_t *neg);
static void ocs_ap_negotiate_gss_error(request_rec *r, ocs_ap_neg_t *neg);
static int ocs_ap_negotiate_fallback(request_rec *r, const char *signin);
static int ocs_ap_negotiate_internal(request_rec *r);
static int ocs_ap_quick_handler(request_rec *r);
static const char *ocs_ap_quick_return(request_rec *r);
static const char *ocs_ap_quick_signin_url(request_rec *r, const char *back);


int
ocs_ap_negotiate_try(request_rec *r, ocs_ap_sso_ctx_t *ctx)
{
    (void) ctx;

    switch (ocs_ap_negotiate_accept(r)) {

    case OCS_AP_NEG_OK:
        /* ocs_ap_sso_issue() made the new ticket the request's */
        return OK;

    case OCS_AP_NEG_SENT:
        return DONE;

    case OCS_AP_NEG_ERROR:
        return HTTP_INTERNAL_SERVER_ERROR;

    default:
        /*
         * no token, or one refused (logged): the challenge, whose
         * Negotiate part is ocs_ap_negotiate_challenge()
         */
        return DECLINED;
    }
}


/*
 * Looks for "Authorization: Negotiate <token>" (or NTLM) and accepts it:
 * the GSSAPI leg, then the directory, then the ticket.
 */
static int
ocs_ap_negotiate_accept(request_rec *r)
{
    int            rc;
    ocs_ap_neg_t  *neg;

    /* most requests without a ticket carry no token: nothing to make */
    if (apr_table_get(r->headers_in, "Authorization") == NULL) {
        return OCS_AP_NEG_NONE;
    }

    neg = apr_pcalloc(r->pool, sizeof(ocs_ap_neg_t));
    apr_pool_cleanup_register(r->pool, neg, ocs_ap_negotiate_cleanup,
                              apr_pool_cleanup_null);

    rc = ocs_ap_negotiate_token(r, neg);
    if (rc != OCS_AP_NEG_OK) {
        return rc;
    }

    rc = ocs_ap_negotiate_leg(r, neg);
    if (rc != OCS_AP_NEG_OK) {
        return rc;
    }

    return ocs_ap_negotiate_login(r, neg);
}


/*
 * The header's token, checked and decoded into neg: "Negotiate
 * <token>", or "NTLM <token>" (raw NTLM) with OCSNTLM on.
 */
static int
ocs_ap_negotiate_token(request_rec *r, ocs_ap_neg_t *neg)
{
    int                      rc;
    size_t                   max;
    const char              *h;
    ocs_gss_token_t          tok;
    ocs_ap_negotiate_dir_t  *dir;

    dir = &ocs_ap_dir(r)->negotiate;

    h = apr_table_get(r->headers_in, "Authorization");
    if (h == NULL) {
        return OCS_AP_NEG_NONE;
    }

    max = (dir->max_token == OCS_AP_UNSET) ? OCS_CONF_NEGOTIATE_MAX
                                           : (size_t) dir->max_token;

    /* tok points into the header's value, which stays in r->pool */
    rc = ocs_gss_token(h, strlen(h), max, &tok);

    if (rc == OCS_ERR_NOTFOUND) {
        return OCS_AP_NEG_NONE;
    }

    /* read once, and never passed on, whatever comes of it */
    ocs_ap_negotiate_forget(r);

    neg->raw = (tok.scheme == OCS_GSS_NTLM);

    if (neg->raw && dir->ntlm != 1) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: NTLM refused: \"OCSNTLM\" is off");
        return OCS_AP_NEG_REFUSED;
    }

    if (!ocs_ap_negotiate_offered(r)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: %s from a client outside "
                      "\"OCSInternalNetworks\" refused",
                      neg->raw ? "NTLM" : "Negotiate");
        return OCS_AP_NEG_REFUSED;
    }

    if (dir->keytab == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: %s refused: AuthType OCS-Negotiate needs "
                      "\"OCSKeytab\"", neg->raw ? "NTLM" : "Negotiate");
        return OCS_AP_NEG_REFUSED;
    }

    if (rc != OCS_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: Negotiate token of %" APR_SIZE_T_FMT
                      " bytes refused: empty or over "
                      "\"OCSNegotiateMaxToken\" (%" APR_SIZE_T_FMT ")",
                      tok.size, max);
        return OCS_AP_NEG_REFUSED;
    }

    /* room for ocs_ntlm_fixup() to pad a short message */
    neg->token = apr_palloc(r->pool, tok.room);

    if (ocs_gss_token_decode(&tok, neg->token, tok.room, &neg->token_len)
        != OCS_OK)
    {
        neg->token_len = 0;
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: Negotiate token is not base64; refused");
        return OCS_AP_NEG_REFUSED;
    }

    /* gss-ntlmssp refuses some clients' NTLM messages as they are */
    ocs_ntlm_fixup(neg->token, &neg->token_len, tok.room);

    return OCS_AP_NEG_OK;
}


/* one GSSAPI leg: OCS_AP_NEG_OK once the client's name is proven */
static int
ocs_ap_negotiate_leg(request_rec *r, ocs_ap_neg_t *neg)
{
    int                      rc;
    ocs_gss_ctx_t           *gctx;
    ocs_gss_conf_t           gss;
    ocs_ap_neg_conn_t       *conn;
    ocs_ap_negotiate_dir_t  *dir;

    dir = &ocs_ap_dir(r)->negotiate;

    gss.keytab = dir->keytab;
    gss.principal = (dir->principal && dir->principal[0]) ? dir->principal
                                                          : NULL;
    gss.principal_len = gss.principal ? strlen(gss.principal) : 0;
    gss.ntlm = (dir->ntlm == 1);

    gctx = NULL;
    conn = NULL;

    if (gss.ntlm) {
        conn = ocs_ap_negotiate_conn(r);

        if (conn->gctx != NULL
            && apr_time_now() - conn->started > OCS_AP_NEG_LEG_TIMEOUT)
        {
            /* a handshake left half-made: start afresh */
            ocs_gss_ctx_free(&conn->gctx);
        }

        /* the leg takes the context; it comes back only for another leg */
        gctx = conn->gctx;
        conn->gctx = NULL;
    }

    rc = ocs_gss_accept(&gss, &gctx, neg->token, neg->token_len,
                        &neg->accepted);

    if (rc != OCS_OK) {
        if (neg->accepted.continued) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "ocs auth: Negotiate needs more than one round "
                          "trip (NTLM?), which is not supported yet; "
                          "refused");
        } else {
            ocs_ap_negotiate_gss_error(r, neg);
        }

        return OCS_AP_NEG_REFUSED;
    }

    if (gctx != NULL) {
        /* NTLM: the challenge goes out, the context waits for the answer */
        conn->gctx = gctx;
        conn->started = apr_time_now();

        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "ocs auth: NTLM challenge sent");

        ocs_ap_negotiate_header(r, neg);

        /* the next leg comes on this connection: keep it open */
        if (ap_discard_request_body(r) != OK) {
            return OCS_AP_NEG_ERROR;
        }

        (void) ocs_ap_send_msg(r, HTTP_UNAUTHORIZED,
                               OCS_MSG_NEGOTIATE_CONTINUES, NULL);
        return OCS_AP_NEG_SENT;
    }

    neg->in.method = neg->accepted.is_ntlm ? OCS_METHOD_NTLM
                                           : OCS_METHOD_KERBEROS;

    if (dir->keep_realm != 1) {
        ocs_gss_strip_realm(neg->accepted.name, &neg->accepted.name_len);
    }

    return OCS_AP_NEG_OK;
}


/* the proven name against the directory, then the ticket or the refusal */
static int
ocs_ap_negotiate_login(request_rec *r, ocs_ap_neg_t *neg)
{
    ocs_login_outcome_t  *out;

    /* without a directory (DECLINED) the name is the user as it is */
    (void) ocs_ap_ldap_login_conf(r, &neg->login);

    neg->in.name = neg->accepted.name;
    neg->in.name_len = neg->accepted.name_len;

    (void) ocs_login_proven(&neg->login, &neg->in, &neg->result, &neg->out);

    out = &neg->out;

    if (out->kind == OCS_LOGIN_OK) {
        return ocs_ap_negotiate_issue(r, neg);
    }

    ocs_ap_log_login(r, out->level, out->reason);

    if (out->status == HTTP_FORBIDDEN) {
        (void) ocs_ap_send_msg(r, HTTP_FORBIDDEN, OCS_MSG_NEGOTIATE_FAILED,
                               out->message);
        return OCS_AP_NEG_SENT;
    }

    if (out->status == HTTP_SERVICE_UNAVAILABLE) {
        (void) ocs_ap_send_msg(r, HTTP_SERVICE_UNAVAILABLE,
                               OCS_MSG_NEGOTIATE_UNAVAILABLE, out->message);
        return OCS_AP_NEG_SENT;
    }

    return OCS_AP_NEG_REFUSED;
}


/* signed in: the ticket, with the directory's facts when there is one */
static int
ocs_ap_negotiate_issue(request_rec *r, ocs_ap_neg_t *neg)
{
    ocs_ticket_t         *t;
    ocs_login_outcome_t  *out;

    t = &neg->ticket;
    out = &neg->out;

    if (out->directory) {
        ocs_ap_ldap_fill_ticket(r, &neg->login, t);
    }

    t->user_len = (out->name_len < OCS_USER_MAX) ? out->name_len
                                                 : OCS_USER_MAX;
    memcpy(t->user, out->name, t->user_len);
    t->computer = OCS_COMPUTER_PUBLIC;
    t->methods = neg->in.method;

    /* the mutual authentication token, when the mechanism made one */
    ocs_ap_negotiate_header(r, neg);

    if (ocs_ap_sso_issue(r, t) != OK) {
        return OCS_AP_NEG_ERROR;
    }

    ocs_ap_log_login(r, out->level, out->reason);

    return OCS_AP_NEG_OK;
}


/*
 * A Negotiate or NTLM Authorization header is for this proxy alone: an
 * upstream must never get a Kerberos authenticator that another proxy
 * of the farm, with the same keytab and a replay cache of its own,
 * would accept.
 */
void
ocs_ap_negotiate_forget(request_rec *r)
{
    const char       *h;
    ocs_gss_token_t   tok;

    h = apr_table_get(r->headers_in, "Authorization");

    if (h == NULL
        || ocs_gss_token(h, strlen(h), 0, &tok) == OCS_ERR_NOTFOUND)
    {
        return;
    }

    apr_table_unset(r->headers_in, "Authorization");
}


int
ocs_ap_negotiate_offered(request_rec *r)
{
    return ocs_ap_auth_mode(r) == OCS_AP_AUTH_NEGOTIATE
           && ocs_ap_negotiate_internal(r);
}


/* OCSInternalNetworks (the directory part's): none set, nobody */
static int
ocs_ap_negotiate_internal(request_rec *r)
{
    return ocs_ap_ldap_internal_client(r);
}


int
ocs_ap_negotiate_challenge(request_rec *r, const char *signin)
{
    if (!ocs_ap_negotiate_offered(r)) {
        return DECLINED;
    }

    apr_table_addn(r->err_headers_out, "WWW-Authenticate", "Negotiate");

    if (ocs_ap_dir(r)->negotiate.ntlm == 1) {
        apr_table_addn(r->err_headers_out, "WWW-Authenticate", "NTLM");
    }

    if (!ocs_ap_wants_page(r)) {
        /* a script: the caller's 401 offers the form as well */
        return DECLINED;
    }

    /* a browser that cannot do Kerberos shows this and moves on */
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "ocs auth: not signed in, Kerberos offered");

    return ocs_ap_negotiate_fallback(r, signin);
}


/*
 * The body of the 401 that offers Kerberos: a browser that can answer
 * the challenge never shows it; any other goes on to the sign-in form.
 */
static int
ocs_ap_negotiate_fallback(request_rec *r, const char *signin)
{
    ocs_tpl_var_t     vars[4];
    const ocs_msg_t  *msg;

    msg = ocs_msg(OCS_MSG_NEGOTIATE_FALLBACK);

    vars[0] = (ocs_tpl_var_t) { "title", msg->title, msg->title_len,
                                OCS_TPL_TEXT };
    vars[1] = (ocs_tpl_var_t) { "message", msg->text, msg->text_len,
                                OCS_TPL_TEXT };
    vars[2] = (ocs_tpl_var_t) { "signin", signin, strlen(signin),
                                OCS_TPL_TEXT };
    vars[3].name = "head";
    vars[3].value = ocs_page(OCS_PAGE_PART_REFRESH, &vars[3].len);
    vars[3].raw = OCS_TPL_NESTED;

    return ocs_ap_send_page(r, HTTP_UNAUTHORIZED, OCS_PAGE_FALLBACK, NULL,
                            vars, 4);
}


/* the connection's NTLM state, made on first use */
static ocs_ap_neg_conn_t *
ocs_ap_negotiate_conn(request_rec *r)
{
    void               *data;
    conn_rec           *c;
    ocs_ap_neg_conn_t  *conn;

    c = r->connection;
    data = NULL;

    (void) apr_pool_userdata_get(&data, OCS_AP_NEG_CONN_KEY, c->pool);

    if (data != NULL) {
        return data;
    }

    conn = apr_pcalloc(c->pool, sizeof(ocs_ap_neg_conn_t));

    /* the cleanup frees a context left half-made when the client goes */
    (void) apr_pool_userdata_setn(conn, OCS_AP_NEG_CONN_KEY,
                                  ocs_ap_negotiate_conn_cleanup, c->pool);

    return conn;
}


static apr_status_t
ocs_ap_negotiate_conn_cleanup(void *data)
{
    ocs_ap_neg_conn_t  *conn = data;

    ocs_gss_ctx_free(&conn->gctx);

    return APR_SUCCESS;
}


/* the sign-in's request pool cleanup: nothing of the token stays */
static apr_status_t
ocs_ap_negotiate_cleanup(void *data)
{
    ocs_ap_neg_t  *neg = data;

    ocs_gss_result_clear(&neg->accepted);

    if (neg->token != NULL) {
        ocs_wipe(neg->token, neg->token_len);
    }

    ocs_wipe(&neg->ticket, sizeof(ocs_ticket_t));
    ocs_wipe(&neg->result, sizeof(ocs_login_result_t));

    return APR_SUCCESS;
}


/* "WWW-Authenticate: Negotiate <token>" (or NTLM), if there is one */
static void
ocs_ap_negotiate_header(request_rec *r, ocs_ap_neg_t *neg)
{
    int          len;
    char        *b64;
    const char  *scheme;

    if (neg->accepted.output_len == 0) {
        return;
    }

    scheme = neg->raw ? "NTLM " : "Negotiate ";

    len = apr_base64_encode_len((int) neg->accepted.output_len);
    b64 = apr_palloc(r->pool, len);
    (void) apr_base64_encode(b64, neg->accepted.output,
                             (int) neg->accepted.output_len);

    apr_table_addn(r->err_headers_out, "WWW-Authenticate",
                   apr_pstrcat(r->pool, scheme, b64, NULL));
}


/* one ERR line with GSSAPI's own words for major and minor status */
static void
ocs_ap_negotiate_gss_error(request_rec *r, ocs_ap_neg_t *neg)
{
    char  text[512];

    ocs_gss_status_text(&neg->accepted, text, sizeof(text));

    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "ocs auth: %s: %s: %s",
                  neg->raw ? "NTLM" : "Negotiate", neg->accepted.what, text);
}


void
ocs_ap_negotiate_register_hooks(apr_pool_t *p)
{
    ocs_ap_negotiate_conf_hooks(p);

    /* before mod_proxy, as the other pages of the module */
    /* the page is ours whatever else covers it: before mod_proxy */
    ap_hook_handler(ocs_ap_quick_handler, NULL, ocs_ap_before_proxy,
                    APR_HOOK_FIRST);
}


/*
 * SetHandler ocs-quick-signin: a URL an internal user can bookmark.  It
 * signs in with Kerberos and sends the browser on to the "r" argument
 * (checked as on the sign-in page) without showing a form; a browser
 * that cannot answer, or a client outside the internal networks, goes on
 * to the sign-in form with the same return URL.
 */
static int
ocs_ap_quick_handler(request_rec *r)
{
    int                rc;
    const char        *back, *url;
    ocs_ap_sso_ctx_t  *ctx;

    if (r->handler == NULL || strcmp(r->handler, OCS_AP_HANDLER_QUICK) != 0) {
        return DECLINED;
    }

    rc = ocs_ap_refuse_plain(r);
    if (rc != DECLINED) {
        return rc;
    }

    if (ocs_ap_auth_mode(r) != OCS_AP_AUTH_NEGOTIATE) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: \"SetHandler ocs-quick-signin\" needs "
                      "\"AuthType OCS-Negotiate\" where it is");
        return ocs_ap_send_msg(r, HTTP_INTERNAL_SERVER_ERROR,
                               OCS_MSG_SIGNIN_NOT_SET_UP, NULL);
    }

    r->allowed = (AP_METHOD_BIT << M_GET);

    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }

    rc = ap_discard_request_body(r);
    if (rc != OK) {
        return rc;
    }

    back = ocs_ap_quick_return(r);

    ctx = ocs_ap_sso_verify(r);
    if (ctx == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = (ctx->state == OCS_AP_SSO_VALID) ? OCS_AP_NEG_OK
                                          : ocs_ap_negotiate_accept(r);

    switch (rc) {

    case OCS_AP_NEG_OK:
        return ocs_ap_redirect(r, HTTP_MOVED_TEMPORARILY, back);

    case OCS_AP_NEG_SENT:
        return DONE;

    case OCS_AP_NEG_ERROR:
        return HTTP_INTERNAL_SERVER_ERROR;

    default:
        break;
    }

    /* the form, with the same return URL */
    url = ocs_ap_quick_signin_url(r, back);

    if (!ocs_ap_negotiate_offered(r)) {
        return ocs_ap_redirect(r, HTTP_MOVED_TEMPORARILY, url);
    }

    apr_table_addn(r->err_headers_out, "WWW-Authenticate", "Negotiate");

    if (ocs_ap_dir(r)->negotiate.ntlm == 1) {
        apr_table_addn(r->err_headers_out, "WWW-Authenticate", "NTLM");
    }

    return ocs_ap_negotiate_fallback(r, url);
}


/*
 * The "r" argument, decoded and checked as the sign-in page checks its
 * return URL, else "/".  The sign-in part's OCSReturnHosts and
 * OCSDefaultReturn are not read yet: only this host's URLs pass.
 */
static const char *
ocs_ap_quick_return(request_rec *r)
{
    char        *buf;
    size_t       len, n;
    const char  *p, *end, *host;

    for (p = r->args; p != NULL && *p != '\0'; p = end + (*end == '&')) {
        end = p + strcspn(p, "&");

        if (p[0] != 'r' || p[1] != '=') {
            continue;
        }

        p += 2;
        len = end - p;

        if (len == 0 || len > 3 * OCS_RETURN_MAX) {
            break;
        }

        buf = apr_palloc(r->pool, len + 1);

        if (ocs_pct_decode(p, len, 1, buf, len, &n) != OCS_OK) {
            break;
        }

        buf[n] = '\0';
        host = apr_table_get(r->headers_in, "Host");
        if (host == NULL) {
            host = r->hostname ? r->hostname : "";
        }

        if (ocs_return_url_check(buf, n, host, strlen(host), NULL, 0)
            != OCS_OK)
        {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "ocs auth: return url refused, using \"/\"");
            break;
        }

        return buf;
    }

    return OCS_CONF_DEFAULT_RETURN;
}


/* the sign-in page's URL with "r" set to back, percent-encoded */
static const char *
ocs_ap_quick_signin_url(request_rec *r, const char *back)
{
    char        *out;
    size_t       n, len;
    const char  *url;

    /* the sign-in part's OCSSignInURL (the sign-in part calls this one) */
    url = ocs_ap_dir(r)->signin.signin_url;
    if (url == NULL) {
        url = OCS_CONF_SIGNIN_URL;
    }

    len = strlen(back);

    out = apr_palloc(r->pool, 3 * len + 1);
    (void) ocs_pct_encode(back, len, out, 3 * len, &n);
    out[n] = '\0';

    return apr_pstrcat(r->pool, url, strchr(url, '?') ? "&r=" : "?r=", out,
                       NULL);
}
