/*
 * Logoff in mod_auth_ocs: SetHandler ocs-logoff and ocs-logoff-admin,
 * OCSLogoffEverywhere, OCSLogoffAdmin, OCSLogoffRedirect,
 * OCSLogoffClearSiteData, and the application's own logoff URL
 * (OCSAppLogoff), as ngx_http_ocs_logoff_module and
 * ocs_auth_app_logoff answer them.
 *
 * A logoff revokes the session in the shared revocation store
 * (OCSSessionStore), so that a copy of the ticket stops working in
 * every process and thread, clears the cookies and shows the sign-out
 * page.  Another site must not sign a user out: a GET signs out only
 * when the browser says it is the user's own doing or this site's
 * (ocs_web_same_site()); otherwise the page asks, with a form whose
 * token is an HMAC of the session id.
 */

#include "mod_auth_ocs.h"

#include <apr_strings.h>
#include <apr_time.h>

#include <ocs/ocs_conf.h>
#include <ocs/ocs_csrf.h>
#include <ocs/ocs_pages.h>
#include <ocs/ocs_web.h>



#define OCS_AP_LOGOFF_BODY_MAX  2048


/* the Set-Cookie headers that stay when a refreshed ticket goes */
typedef struct {
    apr_table_t         *keep;
    const char          *prefix;         /* "name=" */
    size_t               len;
} ocs_ap_logoff_cookies_t;


static int ocs_ap_logoff_handler(request_rec *r);
static int ocs_ap_logoff_page(request_rec *r);
static int ocs_ap_logoff_confirm(request_rec *r, ocs_ticket_t *t);
static int ocs_ap_logoff_end(request_rec *r, ocs_ap_sso_ctx_t *ctx);
static int ocs_ap_logoff_admin_page(request_rec *r);
static int ocs_ap_logoff_admin_form(request_rec *r, int status,
    ocs_ticket_t *admin, const char *message);
static int ocs_ap_logoff_is_admin(request_rec *r, const ocs_ticket_t *t);
static const char *ocs_ap_logoff_purpose(request_rec *r);
static const char *ocs_ap_logoff_action(request_rec *r);
static int ocs_ap_logoff_same_site(request_rec *r, int siblings);
static void ocs_ap_logoff_forget_refresh(request_rec *r,
    ocs_ap_sso_ctx_t *ctx);
static int ocs_ap_logoff_not_ticket(void *data, const char *key,
    const char *value);
static int ocs_ap_logoff_add_back(void *data, const char *key,
    const char *value);
static int ocs_ap_logoff_csrf(request_rec *r, const char *body, size_t len,
    const char *purpose, const ocs_ticket_t *t);


const char *
ocs_ap_logoff_everywhere(cmd_parms *cmd, void *mconfig, int on)
{
    (void) cmd;

    ocs_ap_cmd_dir(mconfig)->logoff.everywhere = on;

    return NULL;
}


/* OCSLogoffAdmin user ...: each call one name; a level's own list */
const char *
ocs_ap_logoff_admin(cmd_parms *cmd, void *mconfig, const char *arg)
{
    ocs_ap_logoff_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->logoff;

    if (arg[0] == '\0' || strlen(arg) > OCS_USER_MAX) {
        return apr_psprintf(cmd->pool, "invalid OCSLogoffAdmin user \"%s\"",
                            arg);
    }

    if (conf->admins == NULL) {
        conf->admins = apr_array_make(cmd->pool, 4, sizeof(const char *));
    }

    *(const char **) apr_array_push(conf->admins) = arg;

    return NULL;
}


const char *
ocs_ap_logoff_redirect(cmd_parms *cmd, void *mconfig, const char *arg)
{
    const char           *bad;
    ocs_ap_logoff_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->logoff;

    if (conf->redirect != NULL) {
        return "OCSLogoffRedirect is duplicate";
    }

    if (strcmp(arg, "off") == 0) {
        conf->redirect = "";
        return NULL;
    }

    bad = ocs_conf_check_redirect(arg, strlen(arg));
    if (bad != NULL) {
        return apr_pstrcat(cmd->pool, "OCSLogoffRedirect ", bad, NULL);
    }

    conf->redirect = arg;

    return NULL;
}


/* OCSLogoffClearSiteData off | cache | storage | cookies | ... */
const char *
ocs_ap_logoff_clear_site(cmd_parms *cmd, void *mconfig, const char *args)
{
    char                 *w;
    const char           *rest, *value;
    ocs_ap_logoff_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->logoff;

    if (conf->clear_site != NULL) {
        return "OCSLogoffClearSiteData is duplicate";
    }

    rest = args;
    w = ap_getword_conf(cmd->temp_pool, &rest);

    if (strcmp(w, "off") == 0 && *ap_getword_conf(cmd->temp_pool, &rest)
                                 == '\0')
    {
        conf->clear_site = "";
        return NULL;
    }

    rest = args;
    value = NULL;

    for ( ;; ) {
        w = ap_getword_conf(cmd->temp_pool, &rest);
        if (w[0] == '\0') {
            break;
        }

        if (ocs_conf_check_clear_site(w, strlen(w)) != OCS_OK) {
            return apr_psprintf(cmd->pool, "invalid value \"%s\" in "
                                "OCSLogoffClearSiteData: use cache, "
                                "storage, cookies, executionContexts, * or "
                                "off", w);
        }

        value = (value == NULL)
                ? apr_pstrcat(cmd->pool, "\"", w, "\"", NULL)
                : apr_pstrcat(cmd->pool, value, ", \"", w, "\"", NULL);
    }

    if (value == NULL) {
        return "OCSLogoffClearSiteData takes at least one type, or off";
    }

    conf->clear_site = value;

    return NULL;
}


/* OCSAppLogoff /path | ?arg[=value] ... | off */
const char *
ocs_ap_logoff_app_logoff(cmd_parms *cmd, void *mconfig, const char *args)
{
    char                 *w;
    const char           *rest;
    apr_array_header_t   *list;
    ocs_ap_logoff_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->logoff;

    if (conf->app_logoff != NULL) {
        return "OCSAppLogoff is duplicate";
    }

    list = apr_array_make(cmd->pool, 2, sizeof(const char *));
    rest = args;

    for ( ;; ) {
        w = ap_getword_conf(cmd->pool, &rest);
        if (w[0] == '\0') {
            break;
        }

        if (strcmp(w, "off") == 0 && list->nelts == 0
            && *ap_getword_conf(cmd->temp_pool, &rest) == '\0')
        {
            conf->app_logoff = list;
            return NULL;
        }

        if (ocs_conf_check_app_logoff(w, strlen(w)) != OCS_OK) {
            return apr_psprintf(cmd->pool, "invalid value \"%s\" in "
                                "OCSAppLogoff: use a path, or ?name or "
                                "?name=value", w);
        }

        *(const char **) apr_array_push(list) = w;
    }

    if (list->nelts == 0) {
        return "OCSAppLogoff takes at least one pattern, or off";
    }

    conf->app_logoff = list;

    return NULL;
}


void
ocs_ap_logoff_dir_init(apr_pool_t *p, ocs_ap_logoff_dir_t *conf)
{
    (void) p;

    conf->everywhere = OCS_AP_UNSET;
    conf->admins = NULL;
    conf->redirect = NULL;
    conf->clear_site = NULL;
    conf->app_logoff = NULL;
}


void
ocs_ap_logoff_dir_merge(apr_pool_t *p, ocs_ap_logoff_dir_t *conf,
    const ocs_ap_logoff_dir_t *base, const ocs_ap_logoff_dir_t *add)
{
    (void) p;

    conf->everywhere = (add->everywhere != OCS_AP_UNSET) ? add->everywhere
                                                         : base->everywhere;
    conf->admins = add->admins ? add->admins : base->admins;
    conf->redirect = add->redirect ? add->redirect : base->redirect;
    conf->clear_site = add->clear_site ? add->clear_site : base->clear_site;
    conf->app_logoff = add->app_logoff ? add->app_logoff : base->app_logoff;
}


void
ocs_ap_logoff_register_hooks(apr_pool_t *p)
{
    (void) p;

    /* before mod_proxy, which may also claim the directory */
    /* the page is ours whatever else covers it: before mod_proxy */
    ap_hook_handler(ocs_ap_logoff_handler, NULL, ocs_ap_before_proxy,
                    APR_HOOK_FIRST);
}


static int
ocs_ap_logoff_handler(request_rec *r)
{
    int  rc;

    if (r->handler == NULL) {
        return DECLINED;
    }

    if (strcmp(r->handler, OCS_AP_HANDLER_LOGOFF) == 0) {
        rc = ocs_ap_refuse_plain(r);
        return (rc != DECLINED) ? rc : ocs_ap_logoff_page(r);
    }

    if (strcmp(r->handler, OCS_AP_HANDLER_LOGOFF_ADMIN) == 0) {
        rc = ocs_ap_refuse_plain(r);
        return (rc != DECLINED) ? rc : ocs_ap_logoff_admin_page(r);
    }

    return DECLINED;
}


static int
ocs_ap_logoff_page(request_rec *r)
{
    int                rc;
    char              *body;
    size_t             len;
    ocs_ap_dir_t      *dir;
    ocs_ap_sso_ctx_t  *ctx;

    dir = ocs_ap_dir(r);

    if (r->method_number == M_POST) {
        rc = ocs_ap_read_form(r, OCS_AP_LOGOFF_BODY_MAX, &body, &len);
        if (rc != OK) {
            return rc;
        }

        ctx = ocs_ap_sso_verify(r);
        if (ctx == NULL) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }

        if (!ctx->opened) {
            return ocs_ap_logoff_end(r, NULL);
        }

        if (ocs_ap_logoff_csrf(r, body, len, ocs_ap_logoff_purpose(r),
                               &ctx->ticket)
            != OK)
        {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "ocs logoff: sign-out of user \"%s\" without a "
                          "valid csrf token refused", ctx->ticket.user);

            return ocs_ap_send_msg(r, HTTP_FORBIDDEN, OCS_MSG_LOGOFF_REFUSED,
                                   NULL);
        }

        return ocs_ap_logoff_end(r, ctx);
    }

    if (r->method_number != M_GET) {
        r->allowed = (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_POST);
        return HTTP_METHOD_NOT_ALLOWED;
    }

    rc = ap_discard_request_body(r);
    if (rc != OK) {
        return rc;
    }

    ctx = ocs_ap_sso_verify(r);
    if (ctx == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    if (!ctx->opened) {
        /* nothing to protect: just make sure the cookies are gone */
        return ocs_ap_logoff_end(r, NULL);
    }

    /* every session at once is worth a click: no sibling hosts */
    if (!ocs_ap_logoff_same_site(r, dir->logoff.everywhere != 1)) {
        return ocs_ap_logoff_confirm(r, &ctx->ticket);
    }

    return ocs_ap_logoff_end(r, ctx);
}


static int
ocs_ap_logoff_csrf(request_rec *r, const char *body, size_t len,
    const char *purpose, const ocs_ticket_t *t)
{
    int     rc;
    char   *token;
    size_t  n;

    rc = ocs_ap_form_field(r, body, len, "csrf", OCS_CSRF_TOKEN_LEN + 1,
                           &token, &n);
    if (rc != OK) {
        return HTTP_FORBIDDEN;
    }

    if (ocs_csrf_verify(ocs_ap_sso_keyring(r), ocs_ap_sso_cache(r), purpose,
                        t->session, OCS_SESSION_LEN, token, n)
        != OCS_OK)
    {
        return HTTP_FORBIDDEN;
    }

    return OK;
}


static int
ocs_ap_logoff_confirm(request_rec *r, ocs_ticket_t *t)
{
    ocs_err_t       err;
    const char     *question, *action;
    ocs_tpl_var_t   vars[4];
    char            token[OCS_CSRF_TOKEN_LEN + 1];

    if (ocs_csrf_token(ocs_ap_sso_keyring(r), ocs_ap_sso_cache(r),
                       ocs_ap_logoff_purpose(r), t->session, OCS_SESSION_LEN,
                       token, sizeof(token), &err)
        != OCS_OK)
    {
        ap_log_rerror(APLOG_MARK, APLOG_ALERT, 0, r,
                      "ocs logoff: csrf token: %s", err.text);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    question = ocs_msg(ocs_ap_dir(r)->logoff.everywhere == 1
                       ? OCS_MSG_LOGOFF_EVERYWHERE : OCS_MSG_LOGOFF)->text;
    action = ocs_ap_logoff_action(r);

    vars[0] = (ocs_tpl_var_t) { "title", ocs_msg(OCS_MSG_LOGOFF)->title,
                                ocs_msg(OCS_MSG_LOGOFF)->title_len, 0 };
    vars[1] = (ocs_tpl_var_t) { "action", action, strlen(action), 0 };
    vars[2] = (ocs_tpl_var_t) { "csrf", token, OCS_CSRF_TOKEN_LEN, 0 };
    vars[3] = (ocs_tpl_var_t) { "question", question, strlen(question), 0 };

    return ocs_ap_send_page(r, HTTP_OK, OCS_PAGE_LOGOFF, NULL, vars, 4);
}


/* the sign-out itself: ctx NULL when no ticket opened */
static int
ocs_ap_logoff_end(request_rec *r, ocs_ap_sso_ctx_t *ctx)
{
    int                   how, everywhere, asked;
    const char           *message, *signin;
    ocs_ticket_t         *t;
    ocs_tpl_var_t         vars[3];
    ocs_ap_logoff_dir_t  *conf;

    conf = &ocs_ap_dir(r)->logoff;
    asked = (conf->everywhere == 1);
    how = OCS_SIGNEDOUT_NONE;

    if (ctx != NULL) {
        t = &ctx->ticket;

        /*
         * Ending every session of a user takes a live ticket: an old,
         * revoked or expired copy may end only itself.
         */
        everywhere = asked && ctx->state == OCS_AP_SSO_VALID;

        if (ocs_ap_sso_revoke(r, t) != OK
            || (everywhere
                && ocs_ap_sso_revoke_user(r, t->user, t->user_len) != OK))
        {
            return HTTP_INTERNAL_SERVER_ERROR;
        }

        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                      "ocs logoff: user \"%s\" signed out%s", t->user,
                      everywhere ? " everywhere"
                      : asked ? " (this session only: the ticket is no "
                                "longer valid)" : "");

        how = everywhere ? OCS_SIGNEDOUT_EVERYWHERE
              : asked ? OCS_SIGNEDOUT_ONLY_THIS : OCS_SIGNEDOUT_SESSION;

        ocs_ap_logoff_forget_refresh(r, ctx);
        ocs_wipe(t, sizeof(ocs_ticket_t));
        ctx->state = OCS_AP_SSO_NONE;
        ctx->opened = 0;
    }

    if (ocs_ap_sso_clear_cookie(r) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    if (conf->clear_site == NULL) {
        apr_table_setn(r->err_headers_out, "Clear-Site-Data",
                       OCS_CONF_CLEAR_SITE_DATA);

    } else if (conf->clear_site[0] != '\0') {
        apr_table_setn(r->err_headers_out, "Clear-Site-Data",
                       conf->clear_site);
    }

    if (conf->redirect != NULL && conf->redirect[0] != '\0') {
        return ocs_ap_redirect(r, r->method_number == M_POST
                                  ? HTTP_SEE_OTHER : HTTP_MOVED_TEMPORARILY,
                               conf->redirect);
    }

    message = ocs_page_signedout_message(how);
    signin = ocs_ap_signin_url(r);

    vars[0] = (ocs_tpl_var_t) { "title",
                                ocs_msg(OCS_MSG_LOGOFF_SIGNED_OUT)->title,
                                ocs_msg(OCS_MSG_LOGOFF_SIGNED_OUT)->title_len,
                                0 };
    vars[1] = (ocs_tpl_var_t) { "signin", signin, strlen(signin), 0 };
    vars[2] = (ocs_tpl_var_t) { "message", message, strlen(message), 0 };

    return ocs_ap_send_page(r, HTTP_OK, OCS_PAGE_SIGNEDOUT, NULL, vars, 3);
}


/*
 * ocs-logoff-admin: a signed-in administrator named by OCSLogoffAdmin
 * ends every session of a user.  The form's token is bound to the
 * administrator's own session.
 */
static int
ocs_ap_logoff_admin_page(request_rec *r)
{
    int                rc;
    char              *body, *user;
    size_t             len, n, size;
    char              *msg;
    ocs_ticket_t      *admin;
    ocs_ap_sso_ctx_t  *ctx;

    ctx = ocs_ap_sso_verify(r);
    if (ctx == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->state != OCS_AP_SSO_VALID) {
        return ocs_ap_send_msg(r, HTTP_FORBIDDEN, OCS_MSG_ADMIN_SIGN_IN,
                               NULL);
    }

    admin = &ctx->ticket;

    if (!ocs_ap_logoff_is_admin(r, admin)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs logoff: user \"%s\" is not an administrator of "
                      "OCSLogoffAdmin", admin->user);

        return ocs_ap_send_msg(r, HTTP_FORBIDDEN, OCS_MSG_ADMIN_NOT_ADMIN,
                               NULL);
    }

    if (r->method_number != M_POST) {
        if (r->method_number != M_GET) {
            r->allowed = (AP_METHOD_BIT << M_GET)
                         | (AP_METHOD_BIT << M_POST);
            return HTTP_METHOD_NOT_ALLOWED;
        }

        rc = ap_discard_request_body(r);
        if (rc != OK) {
            return rc;
        }

        return ocs_ap_logoff_admin_form(r, HTTP_OK, admin,
                                        ocs_msg(OCS_MSG_ADMIN)->text);
    }

    rc = ocs_ap_read_form(r, OCS_AP_LOGOFF_BODY_MAX, &body, &len);
    if (rc != OK) {
        return rc;
    }

    if (ocs_ap_logoff_csrf(r, body, len, OCS_CSRF_LOGOFF_ADMIN, admin)
        != OK)
    {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs logoff: request of \"%s\" to end sessions "
                      "without a valid csrf token refused", admin->user);

        return ocs_ap_send_msg(r, HTTP_FORBIDDEN, OCS_MSG_ADMIN_REFUSED,
                               NULL);
    }

    if (ocs_ap_form_field(r, body, len, "user", OCS_USER_MAX, &user, &n)
        != OK
        || n == 0 || memchr(user, '\n', n) != NULL)
    {
        return ocs_ap_logoff_admin_form(r, HTTP_BAD_REQUEST, admin,
                                        ocs_msg(OCS_MSG_ADMIN_NO_USER)->text);
    }

    if (ocs_ap_sso_revoke_user(r, user, n) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                  "ocs logoff: every session of user \"%.*s\" ended by "
                  "\"%s\"", (int) n, user, admin->user);

    size = 4 * n + 512;
    msg = apr_palloc(r->pool, size);

    (void) ocs_page_sessions_ended(user, n, apr_time_sec(apr_time_now()),
                                   msg, size);

    return ocs_ap_logoff_admin_form(r, HTTP_OK, admin, msg);
}


static int
ocs_ap_logoff_admin_form(request_rec *r, int status, ocs_ticket_t *admin,
    const char *message)
{
    ocs_err_t       err;
    const char     *action;
    ocs_tpl_var_t   vars[4];
    char            token[OCS_CSRF_TOKEN_LEN + 1];

    if (ocs_csrf_token(ocs_ap_sso_keyring(r), ocs_ap_sso_cache(r),
                       OCS_CSRF_LOGOFF_ADMIN, admin->session,
                       OCS_SESSION_LEN, token, sizeof(token), &err)
        != OCS_OK)
    {
        ap_log_rerror(APLOG_MARK, APLOG_ALERT, 0, r,
                      "ocs logoff: csrf token: %s", err.text);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    action = ocs_ap_logoff_action(r);

    vars[0] = (ocs_tpl_var_t) { "title", ocs_msg(OCS_MSG_ADMIN)->title,
                                ocs_msg(OCS_MSG_ADMIN)->title_len, 0 };
    vars[1] = (ocs_tpl_var_t) { "action", action, strlen(action), 0 };
    vars[2] = (ocs_tpl_var_t) { "csrf", token, OCS_CSRF_TOKEN_LEN, 0 };
    vars[3] = (ocs_tpl_var_t) { "message", message, strlen(message), 0 };

    return ocs_ap_send_page(r, status, OCS_PAGE_ADMIN, NULL, vars, 4);
}


static int
ocs_ap_logoff_is_admin(request_rec *r, const ocs_ticket_t *t)
{
    int                  i;
    const char          *a;
    apr_array_header_t  *admins;

    admins = ocs_ap_dir(r)->logoff.admins;

    if (admins == NULL) {
        return 0;
    }

    for (i = 0; i < admins->nelts; i++) {
        a = ((const char **) admins->elts)[i];

        if (strlen(a) == t->user_len
            && strncasecmp(a, t->user, t->user_len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


int
ocs_ap_logoff_app(request_rec *r, ocs_ap_sso_ctx_t *ctx)
{
    int                  i, hit;
    const char          *p;
    apr_array_header_t  *patterns;

    patterns = ocs_ap_dir(r)->logoff.app_logoff;

    /* the request the browser sent, not a subrequest or error page */
    if (patterns == NULL || patterns->nelts == 0 || r->main != NULL
        || r->prev != NULL || ctx->state != OCS_AP_SSO_VALID)
    {
        return OK;
    }

    hit = 0;

    for (i = 0; i < patterns->nelts && !hit; i++) {
        p = ((const char **) patterns->elts)[i];

        hit = ocs_web_app_logoff(p, strlen(p), r->uri, strlen(r->uri),
                                 r->args ? r->args : "",
                                 r->args ? strlen(r->args) : 0);
    }

    if (!hit) {
        return OK;
    }

    if (ocs_ap_sso_revoke(r, &ctx->ticket) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the response, whatever the application sends, clears the ticket */
    ocs_ap_logoff_forget_refresh(r, ctx);

    if (ocs_ap_sso_clear_cookie(r) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                  "ocs auth: user \"%s\" signed out through the "
                  "application's sign-out URL", ctx->ticket.user);

    return OK;
}


static const char *
ocs_ap_logoff_purpose(request_rec *r)
{
    /* a token for one kind of sign-out does not work for the other */
    return (ocs_ap_dir(r)->logoff.everywhere == 1) ? "logoff everywhere"
                                                   : "logoff";
}


/* the form posts back to the page's own path, without its query */
static const char *
ocs_ap_logoff_action(request_rec *r)
{
    const char  *u, *q;

    u = r->unparsed_uri ? r->unparsed_uri : r->uri;
    q = strchr(u, '?');

    return q ? apr_pstrmemdup(r->pool, u, q - u) : u;
}


static int
ocs_ap_logoff_same_site(request_rec *r, int siblings)
{
    ocs_hdr_t    hdr;
    const char  *host;

    ocs_ap_hdr(r, &hdr);

    host = apr_table_get(r->headers_in, "Host");
    if (host == NULL) {
        host = r->hostname ? r->hostname : "";
    }

    return ocs_web_same_site(&hdr, host, strlen(host), siblings);
}


/* a refreshed ticket cookie set by verify must not outlive the logoff */
static void
ocs_ap_logoff_forget_refresh(request_rec *r, ocs_ap_sso_ctx_t *ctx)
{
    ocs_ap_logoff_cookies_t  c;

    if (!ctx->refresh) {
        return;
    }

    ctx->refresh = 0;

    c.prefix = apr_pstrcat(r->pool,
                           ocs_ap_sso_cookie_name(r, OCS_AP_COOKIE_TICKET),
                           "=", NULL);
    c.len = strlen(c.prefix);
    c.keep = apr_table_make(r->pool, 4);

    apr_table_do(ocs_ap_logoff_not_ticket, &c, r->err_headers_out,
                 "Set-Cookie", NULL);
    apr_table_unset(r->err_headers_out, "Set-Cookie");
    apr_table_do(ocs_ap_logoff_add_back, r->err_headers_out, c.keep, NULL);
}


static int
ocs_ap_logoff_not_ticket(void *data, const char *key, const char *value)
{
    ocs_ap_logoff_cookies_t  *c = data;

    if (strncmp(value, c->prefix, c->len) != 0) {
        apr_table_addn(c->keep, key, value);
    }

    return 1;
}


static int
ocs_ap_logoff_add_back(void *data, const char *key, const char *value)
{
    apr_table_addn(data, key, value);

    return 1;
}
