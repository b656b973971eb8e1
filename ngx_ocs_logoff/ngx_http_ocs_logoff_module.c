/*
 * ngx_http_ocs_logoff_module: secure logoff.  Revokes the session in the
 * shared zone, so a copied ticket stops working in every worker, clears
 * the cookies and sends the browser to the sign-out page.
 *
 * Another site must not be able to sign a user out.  A GET signs out
 * only when the browser says it is the user's own doing or this site's
 * (Sec-Fetch-Site same-origin, same-site or none, or a Referer on this
 * origin); otherwise the user gets a confirmation form whose token is an
 * HMAC of the session id, and the POST of that form signs out.
 *
 * "ocs_logoff everywhere" also ends every other session of the user, on
 * every device, but only from a ticket that is still valid (a revoked
 * copy ends itself and nothing more), and its GET accepts same-origin
 * or none only: a sibling host must confirm.  ocs_logoff_admin lets the
 * administrators it names end every session of any user.  Both are
 * per-user revocations in the shared zone.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs.h>
#include <ngx_http_ocs_sso.h>

#include <ocs/ocs_conf.h>
#include <ocs/ocs_csrf.h>


#define NGX_HTTP_OCS_LOGOFF_BODY_MAX  2048


typedef struct {
    ngx_uint_t             enabled;
    ngx_uint_t             everywhere;
    ngx_array_t           *admins;        /* ngx_str_t, ocs_logoff_admin */
    ngx_str_t              redirect;      /* "" for the built-in page */
    ngx_str_t              clear_site;    /* Clear-Site-Data, "" for off */
} ngx_http_ocs_logoff_loc_conf_t;


static ngx_int_t ngx_http_ocs_logoff_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_logoff_admin_handler(ngx_http_request_t *r);
static void ngx_http_ocs_logoff_admin_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_logoff_admin_page(ngx_http_request_t *r,
    ngx_uint_t status, ocs_ticket_t *admin, const char *message);
static void ngx_http_ocs_logoff_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_logoff_confirm(ngx_http_request_t *r,
    ocs_ticket_t *t);
static ngx_int_t ngx_http_ocs_logoff_end(ngx_http_request_t *r,
    ocs_ticket_t *t);
static void *ngx_http_ocs_logoff_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_ocs_logoff_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_ocs_logoff(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ocs_logoff_admin(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static const char *ngx_http_ocs_logoff_purpose(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_logoff_is_admin(ngx_http_request_t *r,
    ocs_ticket_t *t);
static char *ngx_http_ocs_logoff_redirect(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ocs_logoff_clear_site_data(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);


static ngx_command_t  ngx_http_ocs_logoff_commands[] = {

    { ngx_string("ocs_logoff"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS|NGX_CONF_TAKE1,
      ngx_http_ocs_logoff,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_logoff_admin"),
      NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_ocs_logoff_admin,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_logoff_redirect"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_ocs_logoff_redirect,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_logoff_clear_site_data"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_ocs_logoff_clear_site_data,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_ocs_logoff_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_ocs_logoff_create_loc_conf,   /* create location configuration */
    ngx_http_ocs_logoff_merge_loc_conf     /* merge location configuration */
};


ngx_module_t  ngx_http_ocs_logoff_module = {
    NGX_MODULE_V1,
    &ngx_http_ocs_logoff_module_ctx,       /* module context */
    ngx_http_ocs_logoff_commands,          /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_ocs_logoff_handler(ngx_http_request_t *r)
{
    ngx_int_t                         rc;
    ocs_ticket_t                     *t;
    ngx_http_ocs_logoff_loc_conf_t   *llcf;

    rc = ngx_http_ocs_refuse_plain(r, ngx_http_ocs_https_port(r));
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (r->method == NGX_HTTP_POST) {
        return ngx_http_ocs_read_form(r, NGX_HTTP_OCS_LOGOFF_BODY_MAX,
                                      ngx_http_ocs_logoff_body);
    }

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    t = ngx_palloc(r->pool, sizeof(ocs_ticket_t));
    if (t == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_ocs_sso_open(r, t) != NGX_OK) {
        /* nothing to protect: just make sure the cookies are gone */
        return ngx_http_ocs_logoff_end(r, NULL);
    }

    /* every session at once is worth a click: no sibling hosts */
    llcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_logoff_module);

    if (!ngx_http_ocs_same_site(r, !llcf->everywhere)) {
        return ngx_http_ocs_logoff_confirm(r, t);
    }

    return ngx_http_ocs_logoff_end(r, t);
}


static void
ngx_http_ocs_logoff_body(ngx_http_request_t *r)
{
    size_t         n;
    ngx_str_t      body;
    ocs_ticket_t  *t;
    char           token[OCS_CSRF_TOKEN_LEN + 2];

    t = ngx_palloc(r->pool, sizeof(ocs_ticket_t));
    if (t == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    if (ngx_http_ocs_sso_open(r, t) != NGX_OK) {
        ngx_http_finalize_request(r, ngx_http_ocs_logoff_end(r, NULL));
        return;
    }

    if (ngx_http_ocs_form_body(r, NGX_HTTP_OCS_LOGOFF_BODY_MAX, &body)
           != NGX_OK
        || ocs_form_field((char *) body.data, body.len, "csrf", token,
                          sizeof(token), &n)
           != OCS_OK
        || ocs_csrf_verify(ngx_http_ocs_sso_keyring(r),
                           ngx_http_ocs_sso_cache(r),
                           ngx_http_ocs_logoff_purpose(r), t->session,
                           OCS_SESSION_LEN, token, n)
           != OCS_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs logoff: sign-out of user \"%s\" without a valid "
                      "csrf token refused", t->user);

        ngx_http_finalize_request(r,
            ngx_http_ocs_send_msg(r, NGX_HTTP_FORBIDDEN,
                                  OCS_MSG_LOGOFF_REFUSED));
        return;
    }

    ngx_http_finalize_request(r, ngx_http_ocs_logoff_end(r, t));
}


static ngx_int_t
ngx_http_ocs_logoff_confirm(ngx_http_request_t *r, ocs_ticket_t *t)
{
    u_char                          *p;
    ngx_str_t                        action;
    ocs_err_t                        err;
    const char                      *question;
    ocs_tpl_var_t                    vars[4];
    ngx_http_ocs_logoff_loc_conf_t  *llcf;
    char                             token[OCS_CSRF_TOKEN_LEN + 1];

    if (ocs_csrf_token(ngx_http_ocs_sso_keyring(r),
                       ngx_http_ocs_sso_cache(r),
                       ngx_http_ocs_logoff_purpose(r), t->session,
                       OCS_SESSION_LEN, token, sizeof(token), &err)
        != OCS_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "ocs logoff: csrf token: %s", err.text);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_logoff_module);
    question = ocs_msg(llcf->everywhere ? OCS_MSG_LOGOFF_EVERYWHERE
                                        : OCS_MSG_LOGOFF)->text;

    p = ngx_strlchr(r->unparsed_uri.data,
                    r->unparsed_uri.data + r->unparsed_uri.len, '?');
    action.data = r->unparsed_uri.data;
    action.len = (p ? p : r->unparsed_uri.data + r->unparsed_uri.len)
                 - r->unparsed_uri.data;

    vars[0] = (ocs_tpl_var_t) { "title", ocs_msg(OCS_MSG_LOGOFF)->title,
                                ocs_msg(OCS_MSG_LOGOFF)->title_len, 0 };
    vars[1] = (ocs_tpl_var_t) { "action", (char *) action.data, action.len,
                                0 };
    vars[2] = (ocs_tpl_var_t) { "csrf", token, OCS_CSRF_TOKEN_LEN, 0 };
    vars[3] = (ocs_tpl_var_t) { "question", question, ngx_strlen(question),
                                0 };

    return ngx_http_ocs_send_page(r, NGX_HTTP_OK, OCS_PAGE_LOGOFF, NULL, vars,
                                  4);
}


static ngx_int_t
ngx_http_ocs_logoff_end(ngx_http_request_t *r, ocs_ticket_t *t)
{
    int                              how;
    ngx_str_t                       *signin;
    ngx_uint_t                       everywhere;
    const char                      *message;
    ngx_http_ocs_sso_ctx_t          *ctx;
    ocs_tpl_var_t                    vars[3];
    ngx_http_ocs_logoff_loc_conf_t  *llcf;

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_logoff_module);

    how = OCS_SIGNEDOUT_NONE;

    if (t != NULL) {
        /*
         * Ending every session of a user takes a live ticket: an old,
         * revoked or expired copy may end only itself.
         */
        everywhere = 0;

        if (llcf->everywhere) {
            ctx = ngx_http_ocs_sso_verify(r);
            everywhere = (ctx != NULL && ctx->state == NGX_HTTP_OCS_SSO_VALID);
        }

        if (ngx_http_ocs_sso_revoke(r, t) != NGX_OK
            || (everywhere
                && ngx_http_ocs_sso_revoke_user(r, t->user, t->user_len)
                   != NGX_OK))
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                      "ocs logoff: user \"%s\" signed out%s", t->user,
                      everywhere ? " everywhere"
                      : llcf->everywhere ? " (this session only: the ticket "
                                           "is no longer valid)" : "");

        how = everywhere ? OCS_SIGNEDOUT_EVERYWHERE
              : llcf->everywhere ? OCS_SIGNEDOUT_ONLY_THIS
              : OCS_SIGNEDOUT_SESSION;

        ocs_wipe(t, sizeof(ocs_ticket_t));
    }

    if (ngx_http_ocs_sso_clear_cookie(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (llcf->clear_site.len
        && ngx_http_ocs_header_out_add(r, "Clear-Site-Data",
                                       &llcf->clear_site)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (llcf->redirect.len) {
        return ngx_http_ocs_redirect(r, r->method == NGX_HTTP_POST
                                        ? NGX_HTTP_SEE_OTHER
                                        : NGX_HTTP_MOVED_TEMPORARILY,
                                     llcf->redirect.data, llcf->redirect.len);
    }

    message = ocs_page_signedout_message(how);
    signin = ngx_http_ocs_signin_url(r);

    vars[0] = (ocs_tpl_var_t) { "title",
                                ocs_msg(OCS_MSG_LOGOFF_SIGNED_OUT)->title,
                                ocs_msg(OCS_MSG_LOGOFF_SIGNED_OUT)->title_len,
                                0 };
    vars[1] = (ocs_tpl_var_t) { "signin", (char *) signin->data, signin->len,
                                0 };
    vars[2] = (ocs_tpl_var_t) { "message", message, ngx_strlen(message), 0 };

    return ngx_http_ocs_send_page(r, NGX_HTTP_OK, OCS_PAGE_SIGNEDOUT, NULL,
                                  vars, 3);
}


static void *
ngx_http_ocs_logoff_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_ocs_logoff_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_ocs_logoff_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->enabled = 0;
     *     conf->everywhere = 0;
     *     conf->admins = NULL;
     *     conf->redirect = { 0, NULL };
     *     conf->clear_site = { 0, NULL };
     */

    return conf;
}


static char *
ngx_http_ocs_logoff_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_ocs_logoff_loc_conf_t  *prev = parent;
    ngx_http_ocs_logoff_loc_conf_t  *conf = child;

    ngx_conf_merge_str_value(conf->redirect, prev->redirect, "");
    ngx_conf_merge_str_value(conf->clear_site, prev->clear_site,
                             OCS_CONF_CLEAR_SITE_DATA);

    if (conf->enabled) {
        ngx_http_ocs_sso_require(cf);
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_ocs_logoff(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_logoff_loc_conf_t  *llcf = conf;

    ngx_str_t                 *value;
    ngx_http_core_loc_conf_t  *clcf;

    if (llcf->enabled) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2) {
        if (ngx_strcmp(value[1].data, "everywhere") != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\" in \"ocs_logoff\": "
                               "use \"everywhere\" or nothing", &value[1]);
            return NGX_CONF_ERROR;
        }

        llcf->everywhere = 1;
    }

    llcf->enabled = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_ocs_logoff_handler;

    /* a page of ours: ocs_auth_hsts applies to it */
    ngx_http_ocs_conf_page(cf);

    return NGX_CONF_OK;
}


static char *
ngx_http_ocs_logoff_redirect(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_logoff_loc_conf_t  *llcf = conf;

    ngx_str_t   *value;
    const char  *bad;

    if (llcf->redirect.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ngx_str_set(&llcf->redirect, "");
        return NGX_CONF_OK;
    }

    bad = ocs_conf_check_redirect((char *) value[1].data, value[1].len);
    if (bad != NULL) {
        return (char *) bad;
    }

    llcf->redirect = value[1];

    return NGX_CONF_OK;
}


/* ocs_logoff_clear_site_data off | cache | storage | cookies |
   executionContexts ... */
static char *
ngx_http_ocs_logoff_clear_site_data(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ocs_logoff_loc_conf_t  *llcf = conf;

    u_char      *p;
    size_t       len;
    ngx_str_t   *value;
    ngx_uint_t   i;

    if (llcf->clear_site.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        ngx_str_set(&llcf->clear_site, "");
        return NGX_CONF_OK;
    }

    len = 0;

    for (i = 1; i < cf->args->nelts; i++) {
        if (ocs_conf_check_clear_site((char *) value[i].data, value[i].len)
            != OCS_OK)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid value \"%V\" in "
                               "\"ocs_logoff_clear_site_data\": use cache, "
                               "storage, cookies, executionContexts, * or "
                               "off", &value[i]);
            return NGX_CONF_ERROR;
        }

        len += value[i].len + sizeof("\"\", ") - 1;
    }

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    llcf->clear_site.data = p;

    for (i = 1; i < cf->args->nelts; i++) {
        p = ngx_sprintf(p, "%s\"%V\"", i > 1 ? ", " : "", &value[i]);
    }

    llcf->clear_site.len = p - llcf->clear_site.data;

    return NGX_CONF_OK;
}


static const char *
ngx_http_ocs_logoff_purpose(ngx_http_request_t *r)
{
    ngx_http_ocs_logoff_loc_conf_t  *llcf;

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_logoff_module);

    /* a token for one kind of sign-out does not work for the other */
    return llcf->everywhere ? "logoff everywhere" : "logoff";
}


/*
 * ocs_logoff_admin: a signed-in administrator ends every session of a
 * user.  Who may do that is the location's business: protect it with
 * ocs_auth and ocs_auth_require.  The form's token is bound to the
 * administrator's own session.
 */
static ngx_int_t
ngx_http_ocs_logoff_admin_handler(ngx_http_request_t *r)
{
    ngx_int_t                rc;
    ngx_http_ocs_sso_ctx_t  *ctx;

    rc = ngx_http_ocs_refuse_plain(r, ngx_http_ocs_https_port(r));
    if (rc != NGX_DECLINED) {
        return rc;
    }

    ctx = ngx_http_ocs_sso_verify(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->state != NGX_HTTP_OCS_SSO_VALID) {
        return ngx_http_ocs_send_msg(r, NGX_HTTP_FORBIDDEN,
                                     OCS_MSG_ADMIN_SIGN_IN);
    }

    if (!ngx_http_ocs_logoff_is_admin(r, &ctx->ticket)) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs logoff: user \"%s\" is not an administrator of "
                      "ocs_logoff_admin", ctx->ticket.user);

        return ngx_http_ocs_send_msg(r, NGX_HTTP_FORBIDDEN,
                                     OCS_MSG_ADMIN_NOT_ADMIN);
    }

    if (r->method == NGX_HTTP_POST) {
        return ngx_http_ocs_read_form(r, NGX_HTTP_OCS_LOGOFF_BODY_MAX,
                                      ngx_http_ocs_logoff_admin_body);
    }

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    return ngx_http_ocs_logoff_admin_page(r, NGX_HTTP_OK, &ctx->ticket,
                                          ocs_msg(OCS_MSG_ADMIN)->text);
}


static void
ngx_http_ocs_logoff_admin_body(ngx_http_request_t *r)
{
    u_char                  *msg;
    size_t                   n;
    ngx_str_t                body;
    ocs_ticket_t            *admin;
    ngx_http_ocs_sso_ctx_t  *ctx;
    char                     token[OCS_CSRF_TOKEN_LEN + 2];
    char                     user[OCS_USER_MAX + 1];

    ctx = ngx_http_ocs_sso_verify(r);
    admin = &ctx->ticket;

    if (ngx_http_ocs_form_body(r, NGX_HTTP_OCS_LOGOFF_BODY_MAX, &body)
           != NGX_OK
        || ocs_form_field((char *) body.data, body.len, "csrf", token,
                          sizeof(token), &n)
           != OCS_OK
        || ocs_csrf_verify(ngx_http_ocs_sso_keyring(r),
                           ngx_http_ocs_sso_cache(r), OCS_CSRF_LOGOFF_ADMIN,
                           admin->session, OCS_SESSION_LEN, token, n)
           != OCS_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs logoff: request of \"%s\" to end sessions "
                      "without a valid csrf token refused", admin->user);
        ngx_http_finalize_request(r,
            ngx_http_ocs_send_msg(r, NGX_HTTP_FORBIDDEN,
                                  OCS_MSG_ADMIN_REFUSED));
        return;
    }

    if (ocs_form_field((char *) body.data, body.len, "user", user,
                       sizeof(user), &n)
        != OCS_OK
        || n == 0 || ngx_strlchr((u_char *) user, (u_char *) user + n, '\n'))
    {
        ngx_http_finalize_request(r,
            ngx_http_ocs_logoff_admin_page(r, NGX_HTTP_BAD_REQUEST, admin,
                                   ocs_msg(OCS_MSG_ADMIN_NO_USER)->text));
        return;
    }

    if (ngx_http_ocs_sso_revoke_user(r, user, n) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "ocs logoff: every session of user \"%*s\" ended by "
                  "\"%s\"", n, user, admin->user);

    msg = ngx_pnalloc(r->pool, 4 * n + 512);
    if (msg == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    (void) ocs_page_sessions_ended(user, n, ngx_time(), (char *) msg,
                                   4 * n + 512);

    ngx_http_finalize_request(r,
        ngx_http_ocs_logoff_admin_page(r, NGX_HTTP_OK, admin, (char *) msg));
}


static ngx_int_t
ngx_http_ocs_logoff_admin_page(ngx_http_request_t *r, ngx_uint_t status,
    ocs_ticket_t *admin, const char *message)
{
    u_char         *p;
    ngx_str_t       action;
    ocs_err_t       err;
    ocs_tpl_var_t   vars[4];
    char            token[OCS_CSRF_TOKEN_LEN + 1];

    if (ocs_csrf_token(ngx_http_ocs_sso_keyring(r),
                       ngx_http_ocs_sso_cache(r), OCS_CSRF_LOGOFF_ADMIN,
                       admin->session, OCS_SESSION_LEN, token, sizeof(token),
                       &err)
        != OCS_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "ocs logoff: csrf token: %s", err.text);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_strlchr(r->unparsed_uri.data,
                    r->unparsed_uri.data + r->unparsed_uri.len, '?');
    action.data = r->unparsed_uri.data;
    action.len = (p ? p : r->unparsed_uri.data + r->unparsed_uri.len)
                 - r->unparsed_uri.data;

    vars[0] = (ocs_tpl_var_t) { "title", ocs_msg(OCS_MSG_ADMIN)->title,
                                ocs_msg(OCS_MSG_ADMIN)->title_len, 0 };
    vars[1] = (ocs_tpl_var_t) { "action", (char *) action.data, action.len,
                                0 };
    vars[2] = (ocs_tpl_var_t) { "csrf", token, OCS_CSRF_TOKEN_LEN, 0 };
    vars[3] = (ocs_tpl_var_t) { "message", message, ngx_strlen(message), 0 };

    return ngx_http_ocs_send_page(r, status, OCS_PAGE_ADMIN, NULL, vars, 4);
}


static ngx_int_t
ngx_http_ocs_logoff_is_admin(ngx_http_request_t *r, ocs_ticket_t *t)
{
    ngx_str_t                       *a;
    ngx_uint_t                       i;
    ngx_http_ocs_logoff_loc_conf_t  *llcf;

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_logoff_module);
    a = llcf->admins->elts;

    for (i = 0; i < llcf->admins->nelts; i++) {
        if (a[i].len == t->user_len
            && ngx_strncasecmp(a[i].data, (u_char *) t->user, a[i].len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/* ocs_logoff_admin NAME ...: the administrators who may use the page */
static char *
ngx_http_ocs_logoff_admin(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_logoff_loc_conf_t  *llcf = conf;

    ngx_str_t                 *value, *a;
    ngx_uint_t                 i;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler != NULL) {
        return "is duplicate, or the location has another handler";
    }

    value = cf->args->elts;

    llcf->admins = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                    sizeof(ngx_str_t));
    if (llcf->admins == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {
        a = ngx_array_push(llcf->admins);
        if (a == NULL) {
            return NGX_CONF_ERROR;
        }

        *a = value[i];
    }

    clcf->handler = ngx_http_ocs_logoff_admin_handler;
    ngx_http_ocs_sso_require(cf);

    return NGX_CONF_OK;
}
