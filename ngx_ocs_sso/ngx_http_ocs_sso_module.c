/*
 * ngx_http_ocs_sso_module: sealed ticket cookies.  Reads the ticket of a
 * request once and has core judge it (ocs_session.h) under the
 * location's policy and the revocation zone, sends the refreshed cookie
 * that core asks for, and passes the verified user upstream.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs_sso.h>

#include <ocs/ocs_revoke.h>


#define NGX_HTTP_OCS_SSO_ZONE_SIZE  (1024 * 1024)
#define NGX_HTTP_OCS_SSO_KEY_MAX    4096


static ngx_uint_t ngx_http_ocs_sso_check(ngx_http_request_t *r,
    ngx_str_t *value, ocs_ticket_t *t, ngx_uint_t log, ngx_uint_t *reseal);
static ngx_int_t ngx_http_ocs_sso_pick(ngx_http_request_t *r,
    ngx_http_ocs_sso_ctx_t *ctx, ngx_uint_t *reseal);
static ngx_int_t ngx_http_ocs_sso_preaccess_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_sso_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_sso_seal_cookie(ngx_http_request_t *r,
    ocs_ticket_t *t, ngx_str_t *set_cookie);
static ngx_http_ocs_sso_ctx_t *ngx_http_ocs_sso_carry(ngx_http_request_t *r,
    ocs_ticket_t *t);
static ngx_int_t ngx_http_ocs_sso_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_ocs_sso_string(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, char *s, size_t len);
static ngx_int_t ngx_http_ocs_sso_add_variables(ngx_conf_t *cf);
static void *ngx_http_ocs_sso_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_ocs_sso_init_main_conf(ngx_conf_t *cf, void *conf);
static ngx_int_t ngx_http_ocs_sso_cookie_names(ngx_conf_t *cf,
    ngx_http_ocs_sso_main_conf_t *smcf);
static ngx_int_t ngx_http_ocs_sso_strip_cookies(ngx_conf_t *cf,
    ngx_http_ocs_sso_main_conf_t *smcf, ngx_uint_t dflt);
static void *ngx_http_ocs_sso_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_ocs_sso_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static void ngx_http_ocs_sso_policy(ngx_http_ocs_sso_loc_conf_t *conf);
static ngx_int_t ngx_http_ocs_sso_init(ngx_conf_t *cf);
static void ngx_http_ocs_sso_wipe_ring(void *data);
static char *ngx_http_ocs_sso_key_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ocs_sso_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ocs_sso_check_token(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_ocs_sso_check_cookie(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_ocs_sso_check_domain(ngx_conf_t *cf, void *post,
    void *data);
static ngx_uint_t ngx_http_ocs_sso_is_host_prefixed(ngx_str_t *name);
static char *ngx_http_ocs_sso_strip_headers(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_ocs_sso_service(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_ocs_sso_service_idle(ngx_conf_t *cf,
    ngx_str_t *param, time_t *idle);
static char *ngx_http_ocs_sso_service_add(ngx_conf_t *cf,
    uint32_t service_id);
static char *ngx_http_ocs_sso_computer(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ocs_sso_not_zero(ngx_conf_t *cf, void *post,
    void *data);


static ngx_conf_post_handler_pt  ngx_http_ocs_sso_not_zero_p =
    ngx_http_ocs_sso_not_zero;


static ngx_conf_post_handler_pt  ngx_http_ocs_sso_token_p =
    ngx_http_ocs_sso_check_token;


static ngx_conf_post_handler_pt  ngx_http_ocs_sso_cookie_p =
    ngx_http_ocs_sso_check_cookie;


static ngx_conf_post_handler_pt  ngx_http_ocs_sso_domain_p =
    ngx_http_ocs_sso_check_domain;


/*
 * Request headers that upstreams commonly take as the signed-in user
 * (web servers' REMOTE_USER, oauth2-proxy, OpenShift and Kubernetes
 * front proxies, Grafana, Azure App Service, Blue Coat): a client copy
 * goes, whatever the identity header is called, so that no upstream
 * trusts one that the proxy did not set.
 */
static ngx_str_t  ngx_http_ocs_sso_identity_headers[] = {
    ngx_string("Remote-User"),
    ngx_string("X-Remote-User"),
    ngx_string("X-Remote-Group"),
    ngx_string("X-Forwarded-User"),
    ngx_string("X-Forwarded-Email"),
    ngx_string("X-Forwarded-Preferred-Username"),
    ngx_string("X-Forwarded-Groups"),
    ngx_string("X-Auth-Request-User"),
    ngx_string("X-Auth-Request-Email"),
    ngx_string("X-Auth-Request-Preferred-Username"),
    ngx_string("X-Auth-Request-Groups"),
    ngx_string("X-Auth-User"),
    ngx_string("X-User"),
    ngx_string("X-Authenticated-User"),
    ngx_string("X-WebAuth-User"),
    ngx_string("X-MS-Client-Principal-Name"),
    ngx_null_string
};


#define NGX_HTTP_OCS_SSO_VAR_USER      0
#define NGX_HTTP_OCS_SSO_VAR_METHOD    1
#define NGX_HTTP_OCS_SSO_VAR_SESSION   2
#define NGX_HTTP_OCS_SSO_VAR_TIME      3
#define NGX_HTTP_OCS_SSO_VAR_COMPUTER  4
#define NGX_HTTP_OCS_SSO_VAR_SIP       5
#define NGX_HTTP_OCS_SSO_VAR_DISPLAY   6
#define NGX_HTTP_OCS_SSO_VAR_GROUPS    7


static ngx_command_t  ngx_http_ocs_sso_commands[] = {

    { ngx_string("ocs_sso_key_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_ocs_sso_key_file,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_sso_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_ocs_sso_zone,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_sso_cookie"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_ocs_sso_main_conf_t, cookie),
      &ngx_http_ocs_sso_cookie_p },

    { ngx_string("ocs_sso_cookie_domain"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_ocs_conf_set_str_or_off,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_sso_loc_conf_t, cookie_domain),
      &ngx_http_ocs_sso_domain_p },

    { ngx_string("ocs_sso_pass_cookies"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_sso_loc_conf_t, pass_cookies),
      NULL },

    { ngx_string("ocs_sso_lifetime"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_sso_loc_conf_t, lifetime),
      &ngx_http_ocs_sso_not_zero_p },

    { ngx_string("ocs_sso_idle_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_sso_loc_conf_t, idle),
      NULL },

    { ngx_string("ocs_sso_refresh"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_sso_loc_conf_t, refresh),
      NULL },

    { ngx_string("ocs_sso_computer"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_2MORE,
      ngx_http_ocs_sso_computer,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_sso_service"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_ocs_sso_service,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_sso_identity_header"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_ocs_conf_set_str_or_off,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_sso_loc_conf_t, identity_header),
      &ngx_http_ocs_sso_token_p },

    { ngx_string("ocs_sso_strip_headers"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_ocs_sso_strip_headers,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_ocs_sso_module_ctx = {
    ngx_http_ocs_sso_add_variables,        /* preconfiguration */
    ngx_http_ocs_sso_init,                 /* postconfiguration */

    ngx_http_ocs_sso_create_main_conf,     /* create main configuration */
    ngx_http_ocs_sso_init_main_conf,       /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_ocs_sso_create_loc_conf,      /* create location configuration */
    ngx_http_ocs_sso_merge_loc_conf        /* merge location configuration */
};


ngx_module_t  ngx_http_ocs_sso_module = {
    NGX_MODULE_V1,
    &ngx_http_ocs_sso_module_ctx,          /* module context */
    ngx_http_ocs_sso_commands,             /* module directives */
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


static ngx_http_variable_t  ngx_http_ocs_sso_vars[] = {

    { ngx_string("ocs_user"), NULL, ngx_http_ocs_sso_variable,
      NGX_HTTP_OCS_SSO_VAR_USER, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ocs_auth_method"), NULL, ngx_http_ocs_sso_variable,
      NGX_HTTP_OCS_SSO_VAR_METHOD, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ocs_session"), NULL, ngx_http_ocs_sso_variable,
      NGX_HTTP_OCS_SSO_VAR_SESSION, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ocs_auth_time"), NULL, ngx_http_ocs_sso_variable,
      NGX_HTTP_OCS_SSO_VAR_TIME, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ocs_computer"), NULL, ngx_http_ocs_sso_variable,
      NGX_HTTP_OCS_SSO_VAR_COMPUTER, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ocs_sip_uri"), NULL, ngx_http_ocs_sso_variable,
      NGX_HTTP_OCS_SSO_VAR_SIP, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ocs_display_name"), NULL, ngx_http_ocs_sso_variable,
      NGX_HTTP_OCS_SSO_VAR_DISPLAY, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ocs_groups"), NULL, ngx_http_ocs_sso_variable,
      NGX_HTTP_OCS_SSO_VAR_GROUPS, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;


/*
 * One ticket cookie's value against the location's policy and the
 * revocation zone: the state it gives, with t filled when it opens and
 * brought up to date when it is valid (*reseal: seal it again).  Why it
 * is refused is logged when log is set.
 */
static ngx_uint_t
ngx_http_ocs_sso_check(ngx_http_request_t *r, ngx_str_t *value,
    ocs_ticket_t *t, ngx_uint_t log, ngx_uint_t *reseal)
{
    int                            verdict, rs;
    ocs_err_t                      err;
    ngx_uint_t                     level, ended;
    const char                    *reason;
    ngx_http_ocs_sso_loc_conf_t   *slcf;
    ngx_http_ocs_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_sso_module);
    slcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_sso_module);

    /* a ticket that does not open is forged or damaged; one that has run
       out or was revoked is the ordinary end of a session */
    level = log ? NGX_LOG_ERR : NGX_LOG_DEBUG;
    ended = log ? NGX_LOG_INFO : NGX_LOG_DEBUG;

    verdict = ocs_session_check(&slcf->policy, smcf->ring, smcf->cache,
                                ngx_http_ocs_env(), (char *) value->data,
                                value->len,
                                ngx_http_ocs_sso_zone_store(smcf->zone), t,
                                &rs, &err);

    *reseal = (verdict == OCS_SESSION_VALID && rs);
    reason = ocs_session_reason(verdict);

    switch (verdict) {

    case OCS_SESSION_VALID:
        return NGX_HTTP_OCS_SSO_VALID;

    case OCS_SESSION_BAD:
        ngx_log_error(level, r->connection->log, 0,
                      "ocs sso: ticket rejected: %s", err.text);
        return NGX_HTTP_OCS_SSO_BAD;

    case OCS_SESSION_SERVICE_IDLE:
        ngx_log_error(ended, r->connection->log, 0,
                      "ocs sso: ticket of user \"%s\" rejected: %s \"%V\"",
                      t->user, reason, &slcf->service);
        return NGX_HTTP_OCS_SSO_EXPIRED;

    default:
        ngx_log_error(ended, r->connection->log, 0,
                      "ocs sso: ticket of user \"%s\" rejected: %s",
                      t->user, reason);

        return (verdict == OCS_SESSION_REVOKED) ? NGX_HTTP_OCS_SSO_REVOKED
                                                : NGX_HTTP_OCS_SSO_EXPIRED;
    }
}


ngx_http_ocs_sso_ctx_t *
ngx_http_ocs_sso_verify(ngx_http_request_t *r)
{
    ngx_uint_t                     reseal;
    ngx_http_ocs_sso_ctx_t        *ctx;
    ngx_http_ocs_sso_main_conf_t  *smcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_ocs_sso_module);
    if (ctx) {
        return ctx;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_ocs_sso_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    ngx_http_set_ctx(r, ctx, ngx_http_ocs_sso_module);

    smcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_sso_module);
    ctx->state = NGX_HTTP_OCS_SSO_NONE;

    /* a ticket sent over plain http is never looked at */
    if (!ngx_http_ocs_is_https(r) || smcf->ring == NULL
        || smcf->ring->n == 0)
    {
        return ctx;
    }

    if (ngx_http_ocs_sso_pick(r, ctx, &reseal) != NGX_OK) {
        return NULL;
    }

    ctx->opened = (ctx->state != NGX_HTTP_OCS_SSO_NONE
                   && ctx->state != NGX_HTTP_OCS_SSO_BAD);

    if (ctx->state == NGX_HTTP_OCS_SSO_VALID && reseal
        && ngx_http_ocs_sso_seal_cookie(r, &ctx->ticket, &ctx->refresh)
           != NGX_OK)
    {
        /* the old cookie still works until it goes idle */
        ctx->refresh.len = 0;
    }

    return ctx;
}


/*
 * The browser sends every cookie it holds under the name: one that a
 * sibling host or a longer path set comes first and would shadow the
 * real ticket.  The first valid one counts; the others are logged only
 * when none is.  Returns NGX_OK with ctx->state set, or NGX_ERROR (then
 * no opened ticket is left in ctx).
 */
static ngx_int_t
ngx_http_ocs_sso_pick(ngx_http_request_t *r, ngx_http_ocs_sso_ctx_t *ctx,
    ngx_uint_t *reseal)
{
    ngx_str_t                      value;
    ngx_int_t                      rc;
    ngx_uint_t                     n;
    ngx_http_ocs_cookie_iter_t     it;
    ngx_http_ocs_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_sso_module);
    *reseal = 0;
    ngx_memzero(&it, sizeof(ngx_http_ocs_cookie_iter_t));

    for (n = 0; /* void */; n++) {
        rc = ngx_http_ocs_cookie_next(r, &smcf->cookie, &it, &value);

        if (rc == NGX_ERROR) {
            goto failed;
        }

        if (rc == NGX_DECLINED) {
            break;
        }

        ctx->state = ngx_http_ocs_sso_check(r, &value, &ctx->ticket, 0,
                                            reseal);

        if (ctx->state == NGX_HTTP_OCS_SSO_VALID) {
            break;
        }
    }

    if (n == 0) {
        return NGX_OK;
    }

    if (ctx->state == NGX_HTTP_OCS_SSO_VALID) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "ocs sso: %ui other \"%V\" cookie%s without a valid "
                      "ticket ignored", n, &smcf->cookie, n > 1 ? "s" : "");
        return NGX_OK;
    }

    /* the first, which the browser thinks best, says why */
    ngx_memzero(&it, sizeof(ngx_http_ocs_cookie_iter_t));

    if (ngx_http_ocs_cookie_next(r, &smcf->cookie, &it, &value) != NGX_OK) {
        goto failed;
    }

    ctx->state = ngx_http_ocs_sso_check(r, &value, &ctx->ticket, 1, reseal);

    return NGX_OK;

failed:

    ocs_wipe(&ctx->ticket, sizeof(ocs_ticket_t));
    ctx->state = NGX_HTTP_OCS_SSO_NONE;

    return NGX_ERROR;
}


ngx_int_t
ngx_http_ocs_sso_issue(ngx_http_request_t *r, ocs_ticket_t *t)
{
    int                            rc;
    int64_t                        nb;
    ngx_str_t                      set_cookie;
    ocs_err_t                      err;
    ngx_uint_t                     level;
    ngx_time_t                    *tp;
    ngx_http_ocs_sso_ctx_t        *ctx;
    ngx_http_ocs_sso_loc_conf_t   *slcf;
    ngx_http_ocs_sso_main_conf_t  *smcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_sso_module);
    smcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_sso_module);

    ctx = NULL;
    nb = ocs_revoke_not_before(ngx_http_ocs_sso_zone_store(smcf->zone),
                               t->user, t->user_len);
    tp = ngx_timeofday();

    rc = ocs_session_start(&slcf->policy, ngx_http_ocs_env(),
                           (int64_t) tp->sec * 1000 + (int64_t) tp->msec, nb,
                           t, &err);

    if (rc != OCS_OK) {
        level = (rc == OCS_ERR_SYS) ? NGX_LOG_CRIT : NGX_LOG_ERR;
        ngx_log_error(level, r->connection->log, 0, "ocs sso: %s", err.text);
        goto cleanup;
    }

    if (ngx_http_ocs_sso_seal_cookie(r, t, &set_cookie) != NGX_OK
        || ngx_http_ocs_header_out_add(r, "Set-Cookie", &set_cookie)
           != NGX_OK)
    {
        goto cleanup;
    }

    /* the rest of the request goes on as the user, $ocs_session and all */
    ctx = ngx_http_ocs_sso_carry(r, t);

cleanup:

    /* the ctx keeps the only copy of the session id */
    if (ctx == NULL || t != &ctx->ticket) {
        ocs_wipe(t->session, OCS_SESSION_LEN);
    }

    return (ctx != NULL) ? NGX_OK : NGX_ERROR;
}


/* the request's ctx takes the ticket just issued */
static ngx_http_ocs_sso_ctx_t *
ngx_http_ocs_sso_carry(ngx_http_request_t *r, ocs_ticket_t *t)
{
    ngx_http_ocs_sso_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_ocs_sso_module);

    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_ocs_sso_ctx_t));
        if (ctx == NULL) {
            return NULL;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_ocs_sso_module);
    }

    if (t != &ctx->ticket) {
        ngx_memcpy(&ctx->ticket, t, sizeof(ocs_ticket_t));
    }

    ctx->state = NGX_HTTP_OCS_SSO_VALID;
    ctx->opened = 1;

    /* just made from the directory's answers */
    ctx->rechecked = 1;

    /* a refresh of a ticket the request came with would undo this one */
    ctx->refresh.len = 0;

    return ctx;
}


ngx_int_t
ngx_http_ocs_sso_update(ngx_http_request_t *r, ngx_http_ocs_sso_ctx_t *ctx)
{
    ocs_ticket_touch(&ctx->ticket, ngx_time());

    return ngx_http_ocs_sso_seal_cookie(r, &ctx->ticket, &ctx->refresh);
}


/* seals t into a complete Set-Cookie value in the request pool */
static ngx_int_t
ngx_http_ocs_sso_seal_cookie(ngx_http_request_t *r, ocs_ticket_t *t,
    ngx_str_t *set_cookie)
{
    size_t                         n;
    ocs_err_t                      err;
    ngx_http_ocs_cookie_t          cookie;
    ngx_http_ocs_sso_loc_conf_t   *slcf;
    ngx_http_ocs_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_sso_module);
    slcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_sso_module);

    cookie.value.data = ngx_pnalloc(r->pool, OCS_TICKET_TEXT_MAX);
    if (cookie.value.data == NULL) {
        return NGX_ERROR;
    }

    if (ocs_ticket_seal(smcf->ring, smcf->cache, ngx_http_ocs_env(), t,
                        (char *) cookie.value.data, OCS_TICKET_TEXT_MAX, &n,
                        &err)
        != OCS_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "ocs sso: cannot seal a ticket: %s", err.text);
        return NGX_ERROR;
    }

    cookie.value.len = n;
    cookie.name = smcf->cookie;
    cookie.domain = slcf->cookie_domain;
    ngx_str_set(&cookie.path, "/");
    ngx_str_set(&cookie.same_site, "Lax");

    cookie.max_age = (time_t) ocs_session_cookie_max_age(&slcf->policy, t,
                                                         ngx_time());

    return ngx_http_ocs_cookie_format(r, &cookie, set_cookie);
}


ngx_int_t
ngx_http_ocs_sso_revoke(ngx_http_request_t *r, ocs_ticket_t *t)
{
    ngx_http_ocs_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_sso_module);

    return ngx_http_ocs_sso_zone_revoke(smcf->zone, t, r->connection->log);
}


ngx_int_t
ngx_http_ocs_sso_revoke_user(ngx_http_request_t *r, const char *user,
    size_t len)
{
    ngx_http_ocs_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_sso_module);

    return ngx_http_ocs_sso_zone_revoke_user(smcf->zone, user, len,
                                             smcf->max_lifetime,
                                             r->connection->log);
}


ngx_int_t
ngx_http_ocs_sso_clear_cookie(ngx_http_request_t *r)
{
    ngx_str_t                      none;
    ngx_http_ocs_sso_loc_conf_t   *slcf;
    ngx_http_ocs_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_sso_module);
    slcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_sso_module);

    ngx_str_null(&none);

    if (ngx_http_ocs_cookie_clear(r, &smcf->cookie, &slcf->cookie_domain,
                                  "Lax")
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_ocs_cookie_clear(r, &smcf->csrf_cookie, &none, "Strict");
}


ngx_int_t
ngx_http_ocs_sso_pass_identity(ngx_http_request_t *r, ocs_ticket_t *t)
{
    ngx_str_t                     user;
    ngx_http_ocs_sso_loc_conf_t  *slcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_sso_module);

    /* subrequests share the main request's header list: leave it alone */
    if (slcf->identity_header.len == 0 || r != r->main) {
        return NGX_OK;
    }

    user.len = t->user_len;
    user.data = ngx_pnalloc(r->pool, user.len);
    if (user.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(user.data, t->user, user.len);

    return ngx_http_ocs_header_in_add(r, &slcf->identity_header, &user);
}


ocs_keyring_t *
ngx_http_ocs_sso_keyring(ngx_http_request_t *r)
{
    ngx_http_ocs_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_sso_module);

    return smcf->ring;
}


/* the ring's keyed contexts: for the event loop only */
ocs_ticket_cache_t *
ngx_http_ocs_sso_cache(ngx_http_request_t *r)
{
    ngx_http_ocs_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_sso_module);

    return smcf->cache;
}


ngx_str_t *
ngx_http_ocs_sso_cookie_name(ngx_http_request_t *r, ngx_uint_t which)
{
    ngx_http_ocs_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_sso_module);

    switch (which) {
    case NGX_HTTP_OCS_SSO_COOKIE_CSRF:
        return &smcf->csrf_cookie;
    case NGX_HTTP_OCS_SSO_COOKIE_NOTE:
        return &smcf->note_cookie;
    default:
        return &smcf->cookie;
    }
}


void
ngx_http_ocs_sso_class_limits(ngx_http_request_t *r, ngx_uint_t computer,
    ngx_http_ocs_sso_class_t *limits)
{
    ocs_session_class_t           c;
    ngx_http_ocs_sso_loc_conf_t  *slcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_sso_module);

    /* as ngx_http_ocs_sso_issue() and ngx_http_ocs_sso_check() apply them */
    ocs_session_class_limits(&slcf->policy, (unsigned) computer, &c);

    limits->idle = (time_t) c.idle;
    limits->lifetime = (time_t) c.lifetime;
    limits->persistent = c.persistent;
}


/* the first ticket cookie that opens, as in ngx_http_ocs_sso_verify() */
ngx_int_t
ngx_http_ocs_sso_open(ngx_http_request_t *r, ocs_ticket_t *t)
{
    ngx_str_t                      value;
    ngx_http_ocs_cookie_iter_t     it;
    ngx_http_ocs_sso_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_sso_module);

    if (!ngx_http_ocs_is_https(r) || smcf->ring == NULL || smcf->ring->n == 0)
    {
        return NGX_DECLINED;
    }

    ngx_memzero(&it, sizeof(ngx_http_ocs_cookie_iter_t));

    while (ngx_http_ocs_cookie_next(r, &smcf->cookie, &it, &value) == NGX_OK) {
        if (ocs_ticket_open(smcf->ring, smcf->cache, (char *) value.data,
                            value.len, t, NULL)
            == OCS_OK)
        {
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


void
ngx_http_ocs_sso_require(ngx_conf_t *cf)
{
    ngx_http_ocs_sso_main_conf_t  *smcf;

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ocs_sso_module);
    smcf->used = 1;
}


void
ngx_http_ocs_sso_hide(ngx_conf_t *cf)
{
    ngx_http_ocs_sso_main_conf_t  *smcf;

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ocs_sso_module);
    smcf->hide = 1;
}


/*
 * What the client must not pass upstream goes before any access check,
 * so that no "satisfy any" or unprotected location, no access module's
 * subrequest (auth_request) and no upstream sees it: client copies of
 * the identity header and of headers like it, and the modules' own
 * cookies.  The modules still read those from the copy that
 * ngx_http_ocs_cookie_next() keeps.  After an internal redirect this
 * runs again for the new location.
 */
static ngx_int_t
ngx_http_ocs_sso_preaccess_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_str_t                     *name;
    ngx_uint_t                     i, n;
    ngx_http_variable_value_t     *v;
    ngx_http_ocs_sso_loc_conf_t   *slcf;
    ngx_http_ocs_sso_main_conf_t  *smcf;

    slcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_sso_module);
    smcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_sso_module);

    /* subrequests share the main request's list, cleaned already */
    if (r == r->main && slcf->identity_header.len) {
        n = ngx_http_ocs_header_in_remove(r, &slcf->identity_header);

        if (n) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "ocs sso: removed %ui client-supplied \"%V\" "
                          "header%s", n, &slcf->identity_header,
                          n > 1 ? "s" : "");
        }
    }

    if (!smcf->used && !smcf->hide) {
        return NGX_DECLINED;
    }

    /* common enough from forward proxies and tools: not the client's
       fault as a forged identity header is */
    if (r == r->main && slcf->strip_headers != NULL
        && ngx_http_ocs_header_in_any(r, slcf->strip_headers->elts,
                                      slcf->strip_headers->nelts))
    {
        name = slcf->strip_headers->elts;

        for (i = 0; i < slcf->strip_headers->nelts; i++) {
            n = ngx_http_ocs_header_in_remove(r, &name[i]);

            if (n) {
                ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                              "ocs sso: removed %ui client-supplied \"%V\" "
                              "header%s", n, &name[i], n > 1 ? "s" : "");
            }
        }
    }

    rc = slcf->pass_cookies
         ? ngx_http_ocs_cookie_restore(r, smcf->strip, smcf->nstrip)
         : ngx_http_ocs_cookie_strip(r, smcf->strip, smcf->nstrip);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_OK) {
        /* a value computed before (a rewrite-phase "if") is stale */
        v = &r->variables[smcf->http_cookie];
        v->valid = 0;
        v->not_found = 0;
    }

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_ocs_sso_header_filter(ngx_http_request_t *r)
{
    ngx_http_ocs_sso_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_ocs_sso_module);

    if (ctx && ctx->clear && r == r->main) {
        ctx->clear = 0;
        ctx->refresh.len = 0;

        if (ngx_http_ocs_sso_clear_cookie(r) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    if (ctx && ctx->refresh.len && r == r->main) {
        if (ngx_http_ocs_header_out_add(r, "Set-Cookie", &ctx->refresh)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        ctx->refresh.len = 0;
    }

    return ngx_http_next_header_filter(r);
}


static ngx_int_t
ngx_http_ocs_sso_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    u_char                  *p;
    ocs_ticket_t            *t;
    ngx_http_ocs_sso_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_ocs_sso_module);

    if (ctx == NULL || ctx->state != NGX_HTTP_OCS_SSO_VALID) {
        v->not_found = 1;
        return NGX_OK;
    }

    t = &ctx->ticket;

    switch (data) {

    case NGX_HTTP_OCS_SSO_VAR_SIP:
        return ngx_http_ocs_sso_string(r, v, t->sip, t->sip_len);

    case NGX_HTTP_OCS_SSO_VAR_DISPLAY:
        return ngx_http_ocs_sso_string(r, v, t->display, t->display_len);

    case NGX_HTTP_OCS_SSO_VAR_GROUPS:
        return ngx_http_ocs_sso_string(r, v, t->groups, t->groups_len);
    }

    p = ngx_pnalloc(r->pool, OCS_USER_MAX + 64);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->data = p;

    switch (data) {

    case NGX_HTTP_OCS_SSO_VAR_USER:
        p = ngx_cpymem(p, t->user, t->user_len);
        break;

    case NGX_HTTP_OCS_SSO_VAR_METHOD:
        p += ocs_methods_format(t->methods, (char *) p, 64);
        break;

    case NGX_HTTP_OCS_SSO_VAR_SESSION:
        p = ngx_hex_dump(p, t->session, OCS_SESSION_LEN);
        break;

    case NGX_HTTP_OCS_SSO_VAR_TIME:
        p = ngx_sprintf(p, "%T", (time_t) t->auth_time);
        break;

    default: /* NGX_HTTP_OCS_SSO_VAR_COMPUTER */
        p = ngx_sprintf(p, "%s", t->computer == OCS_COMPUTER_PRIVATE
                                 ? "private" : "public");
        break;
    }

    v->len = p - v->data;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/* a ticket string as a variable; empty fields are "not found" */
static ngx_int_t
ngx_http_ocs_sso_string(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    char *s, size_t len)
{
    if (len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = ngx_pnalloc(r->pool, len);
    if (v->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(v->data, s, len);
    v->len = len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_ocs_sso_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_ocs_sso_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static void *
ngx_http_ocs_sso_create_main_conf(ngx_conf_t *cf)
{
    ngx_pool_cleanup_t            *cln;
    ngx_http_ocs_sso_main_conf_t  *smcf;

    smcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_ocs_sso_main_conf_t));
    if (smcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     smcf->key_file = { 0, NULL };
     *     smcf->cache = NULL;
     *     smcf->zone = NULL;
     *     smcf->cookie = { 0, NULL };
     *     smcf->strip = NULL;
     *     smcf->nstrip = 0;
     *     smcf->domains = 0;
     *     smcf->default_headers = NULL;
     *     smcf->http_cookie = 0;
     *     smcf->used = 0;
     *     smcf->hide = 0;
     */

    smcf->ring = ngx_pcalloc(cf->pool, sizeof(ocs_keyring_t));
    if (smcf->ring == NULL) {
        return NULL;
    }

    if (ngx_array_init(&smcf->services, cf->pool, 4, sizeof(uint32_t))
        != NGX_OK)
    {
        return NULL;
    }

    /* the keys die with the configuration that loaded them */
    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_ocs_sso_wipe_ring;
    cln->data = smcf;

    return smcf;
}


static void
ngx_http_ocs_sso_wipe_ring(void *data)
{
    ngx_http_ocs_sso_main_conf_t  *smcf = data;

    ocs_ticket_cache_destroy(smcf->cache);
    smcf->cache = NULL;
    ocs_keyring_wipe(smcf->ring);
}


static char *
ngx_http_ocs_sso_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_ocs_sso_main_conf_t  *smcf = conf;

    ngx_str_t   *h, *name;
    ngx_uint_t   dflt;

    /*
     * A __Host- cookie cannot be set by a sibling host or for a longer
     * path, so no planted cookie can shadow the ticket; browsers refuse
     * it with a Domain, which single sign-on across hosts needs.
     */
    dflt = (smcf->cookie.data == NULL);

    if (dflt && smcf->domains) {
        ngx_str_set(&smcf->cookie, "ocs_ticket");

    } else if (dflt) {
        ngx_str_set(&smcf->cookie, "__Host-ocs_ticket");
    }

    if (ngx_http_ocs_sso_cookie_names(cf, smcf) != NGX_OK
        || ngx_http_ocs_sso_strip_cookies(cf, smcf, dflt) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    smcf->default_headers = ngx_array_create(cf->pool, 16, sizeof(ngx_str_t));
    if (smcf->default_headers == NULL) {
        return NGX_CONF_ERROR;
    }

    for (h = ngx_http_ocs_sso_identity_headers; h->len; h++) {
        name = ngx_array_push(smcf->default_headers);
        if (name == NULL) {
            return NGX_CONF_ERROR;
        }

        *name = *h;
    }

    return NGX_CONF_OK;
}


/* the names of the nonce and note cookies, made from the ticket's */
static ngx_int_t
ngx_http_ocs_sso_cookie_names(ngx_conf_t *cf,
    ngx_http_ocs_sso_main_conf_t *smcf)
{
    ngx_str_t  base;

    /* the nonce cookie never has a Domain: always __Host- */
    base = smcf->cookie;

    if (ngx_http_ocs_sso_is_host_prefixed(&base)) {
        base.data += sizeof("__Host-") - 1;
        base.len -= sizeof("__Host-") - 1;
    }

    smcf->csrf_cookie.len = sizeof("__Host-_csrf") - 1 + base.len;
    smcf->csrf_cookie.data = ngx_pnalloc(cf->pool, smcf->csrf_cookie.len);
    if (smcf->csrf_cookie.data == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(smcf->csrf_cookie.data, "__Host-%V_csrf", &base);

    /* a page's note lives on one path only: a __Secure- cookie, no Domain */
    smcf->note_cookie.len = sizeof("__Secure-_note") - 1 + base.len;
    smcf->note_cookie.data = ngx_pnalloc(cf->pool, smcf->note_cookie.len);
    if (smcf->note_cookie.data == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(smcf->note_cookie.data, "__Secure-%V_note", &base);

    return NGX_OK;
}


/* what upstreams never see; with the default name (dflt) also the names
   that earlier versions used, which browsers may still hold */
static ngx_int_t
ngx_http_ocs_sso_strip_cookies(ngx_conf_t *cf,
    ngx_http_ocs_sso_main_conf_t *smcf, ngx_uint_t dflt)
{
    ocs_cookie_name_t  *c;

    c = ngx_palloc(cf->pool, 4 * sizeof(ocs_cookie_name_t));
    if (c == NULL) {
        return NGX_ERROR;
    }

    c[0].name = (char *) smcf->cookie.data;
    c[0].len = smcf->cookie.len;
    c[1].name = (char *) smcf->csrf_cookie.data;
    c[1].len = smcf->csrf_cookie.len;
    c[2].name = "ocs_ticket";
    c[2].len = sizeof("ocs_ticket") - 1;
    c[3].name = "ocs_ticket_csrf";
    c[3].len = sizeof("ocs_ticket_csrf") - 1;

    smcf->strip = c;
    smcf->nstrip = dflt ? 4 : 2;

    return NGX_OK;
}


static void *
ngx_http_ocs_sso_create_loc_conf(ngx_conf_t *cf)
{
    ngx_uint_t                    i;
    ngx_http_ocs_sso_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_ocs_sso_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->cookie_domain = { 0, NULL };
     *     conf->identity_header = { 0, NULL };
     *     conf->service = { 0, NULL };
     *     conf->service_id = 0;
     *     conf->service_idle = 0;
     */

    conf->lifetime = NGX_CONF_UNSET;
    conf->idle = NGX_CONF_UNSET;
    conf->refresh = NGX_CONF_UNSET;
    conf->strip_headers = NGX_CONF_UNSET_PTR;
    conf->pass_cookies = NGX_CONF_UNSET;

    for (i = 0; i < 2; i++) {
        conf->computer[i].idle = NGX_CONF_UNSET;
        conf->computer[i].lifetime = NGX_CONF_UNSET;
        conf->computer[i].persistent = NGX_CONF_UNSET;
    }

    return conf;
}


static char *
ngx_http_ocs_sso_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_ocs_sso_loc_conf_t  *prev = parent;
    ngx_http_ocs_sso_loc_conf_t  *conf = child;

    time_t                         lifetime;
    ngx_http_ocs_sso_main_conf_t  *smcf;

    /* -1 (unset) lets the computer class decide */
    ngx_conf_merge_sec_value(conf->lifetime, prev->lifetime, -1);
    ngx_conf_merge_sec_value(conf->idle, prev->idle, -1);

    /* public: short limits, a session cookie; private: longer, may persist */
    ngx_conf_merge_sec_value(conf->computer[0].idle, prev->computer[0].idle,
                             OCS_SESSION_PUBLIC_IDLE);
    ngx_conf_merge_sec_value(conf->computer[0].lifetime,
                             prev->computer[0].lifetime,
                             OCS_SESSION_PUBLIC_LIFETIME);
    ngx_conf_merge_value(conf->computer[0].persistent,
                         prev->computer[0].persistent,
                         OCS_SESSION_PUBLIC_PERSISTENT);
    ngx_conf_merge_sec_value(conf->computer[1].idle, prev->computer[1].idle,
                             OCS_SESSION_PRIVATE_IDLE);
    ngx_conf_merge_sec_value(conf->computer[1].lifetime,
                             prev->computer[1].lifetime,
                             OCS_SESSION_PRIVATE_LIFETIME);
    ngx_conf_merge_value(conf->computer[1].persistent,
                         prev->computer[1].persistent,
                         OCS_SESSION_PRIVATE_PERSISTENT);
    ngx_conf_merge_sec_value(conf->refresh, prev->refresh,
                             OCS_SESSION_REFRESH);
    ngx_conf_merge_str_value(conf->cookie_domain, prev->cookie_domain, "");

    if (conf->service.data == NULL) {
        conf->service = prev->service;
        conf->service_id = prev->service_id;
        conf->service_idle = prev->service_idle;
    }

    if (conf->service.data == NULL) {
        ngx_str_set(&conf->service, "");
    }
    ngx_conf_merge_str_value(conf->identity_header, prev->identity_header,
                             "");

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ocs_sso_module);

    ngx_conf_merge_ptr_value(conf->strip_headers, prev->strip_headers,
                             smcf->default_headers);
    ngx_conf_merge_value(conf->pass_cookies, prev->pass_cookies, 0);

    ngx_http_ocs_sso_policy(conf);

    /* how long a "log off everywhere" must be remembered */
    lifetime = (time_t) ocs_session_max_lifetime(&conf->policy);
    smcf->max_lifetime = ngx_max(smcf->max_lifetime, lifetime);

    return NGX_CONF_OK;
}


/* the merged limits as core applies them */
static void
ngx_http_ocs_sso_policy(ngx_http_ocs_sso_loc_conf_t *conf)
{
    ngx_uint_t             i;
    ocs_session_policy_t  *p;

    p = &conf->policy;

    p->lifetime = conf->lifetime;
    p->idle = conf->idle;
    p->refresh = conf->refresh;

    for (i = 0; i < 2; i++) {
        p->computer[i].idle = conf->computer[i].idle;
        p->computer[i].lifetime = conf->computer[i].lifetime;
        p->computer[i].persistent = conf->computer[i].persistent ? 1 : 0;
    }

    p->service = (conf->service.len != 0);
    p->service_id = conf->service_id;
    p->service_idle = conf->service_idle;
}


static ngx_int_t
ngx_http_ocs_sso_init(ngx_conf_t *cf)
{
    ngx_str_t                      name;
    ngx_http_handler_pt           *h;
    ngx_http_core_main_conf_t     *cmcf;
    ngx_http_ocs_sso_main_conf_t  *smcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PREACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_ocs_sso_preaccess_handler;

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_ocs_sso_header_filter;

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ocs_sso_module);

    if (!smcf->used && !smcf->hide) {
        return NGX_OK;
    }

    ngx_str_set(&name, "http_cookie");

    smcf->http_cookie = ngx_http_get_variable_index(cf, &name);
    if (smcf->http_cookie == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (!smcf->used) {
        return NGX_OK;
    }

    if (smcf->zone == NULL) {
        ngx_str_set(&name, "ocs_sso");

        smcf->zone = ngx_http_ocs_sso_zone_add(cf, &name,
                                               NGX_HTTP_OCS_SSO_ZONE_SIZE,
                                               smcf);
        if (smcf->zone == NULL) {
            return NGX_ERROR;
        }
    }

    if (smcf->key_file.len == 0) {
        ngx_log_error(NGX_LOG_WARN, cf->log, 0,
                      "ocs sso: no \"ocs_sso_key_file\": tickets are sealed "
                      "with a temporary key and will not survive a restart");
    }

    return NGX_OK;
}


static char *
ngx_http_ocs_sso_key_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_sso_main_conf_t  *smcf = conf;

    char       *rv;
    ngx_str_t  *value, text;
    ocs_err_t   err;

    if (smcf->key_file.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    smcf->key_file = value[1];

    rv = ngx_http_ocs_read_conf_file(cf, &smcf->key_file, &text,
                                     NGX_HTTP_OCS_SSO_KEY_MAX, 1);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    if (ocs_keyring_parse(smcf->ring, (char *) text.data, text.len, &err)
        != OCS_OK)
    {
        ocs_wipe(text.data, text.len);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid key file \"%V\": %s",
                           &smcf->key_file, err.text);
        return NGX_CONF_ERROR;
    }

    ocs_wipe(text.data, text.len);

    return NGX_CONF_OK;
}


static char *
ngx_http_ocs_sso_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_sso_main_conf_t  *smcf = conf;

    size_t     size;
    ngx_str_t  name;

    if (smcf->zone) {
        return "is duplicate";
    }

    if (ngx_http_ocs_conf_zone(cf, cmd, &name, &size) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    smcf->zone = ngx_http_ocs_sso_zone_add(cf, &name, size, smcf);
    if (smcf->zone == NULL) {
        return NGX_CONF_ERROR;
    }

    return ngx_http_ocs_store_conf_file(cf, cmd, smcf->zone);
}


/* RFC 9110 token characters: safe in a cookie name, header or domain */
static char *
ngx_http_ocs_sso_check_token(ngx_conf_t *cf, void *post, void *data)
{
    ngx_str_t  *value = data;

    u_char      c;
    ngx_uint_t  i;

    if (value->len == 0) {
        return "must not be empty";
    }

    for (i = 0; i < value->len; i++) {
        c = value->data[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || ngx_strchr("!#$%&'*+-.^_`|~", c))
        {
            continue;
        }

        return "has a character not allowed in a cookie or header name";
    }

    return NGX_CONF_OK;
}


/* browsers drop a __Host- cookie that has a Domain: refuse the pair */
static char *
ngx_http_ocs_sso_check_cookie(ngx_conf_t *cf, void *post, void *data)
{
    ngx_str_t  *value = data;

    char                          *rv;
    ngx_http_ocs_sso_main_conf_t  *smcf;

    rv = ngx_http_ocs_sso_check_token(cf, post, data);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ocs_sso_module);

    if (smcf->domains && ngx_http_ocs_sso_is_host_prefixed(value)) {
        return "names a __Host- cookie, which browsers refuse with the "
               "Domain that \"ocs_sso_cookie_domain\" adds: use a name "
               "without the prefix, or no cookie domain";
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_ocs_sso_check_domain(ngx_conf_t *cf, void *post, void *data)
{
    char                          *rv;
    ngx_http_ocs_sso_main_conf_t  *smcf;

    rv = ngx_http_ocs_sso_check_token(cf, post, data);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ocs_sso_module);
    smcf->domains = 1;

    if (smcf->cookie.data && ngx_http_ocs_sso_is_host_prefixed(&smcf->cookie))
    {
        return "\"ocs_sso_cookie\" names a __Host- cookie, which browsers "
               "refuse with a Domain: use a name without the prefix, or no "
               "cookie domain";
    }

    return NGX_CONF_OK;
}


static ngx_uint_t
ngx_http_ocs_sso_is_host_prefixed(ngx_str_t *name)
{
    /* browsers match the prefix without case (RFC 6265bis) */
    return name->len >= sizeof("__Host-") - 1
           && ngx_strncasecmp(name->data, (u_char *) "__Host-",
                              sizeof("__Host-") - 1) == 0;
}


/*
 * ocs_sso_strip_headers default | off | name ...: the client headers
 * removed besides the identity header; "default" stands for the list
 * above, so that a name can be added to it.
 */
static char *
ngx_http_ocs_sso_strip_headers(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ocs_sso_loc_conf_t  *slcf = conf;

    ngx_str_t   *value, *h, *name;
    ngx_uint_t   i;

    if (slcf->strip_headers != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        slcf->strip_headers = NULL;
        return NGX_CONF_OK;
    }

    slcf->strip_headers = ngx_array_create(cf->pool, 16, sizeof(ngx_str_t));
    if (slcf->strip_headers == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strcmp(value[i].data, "default") == 0) {
            for (h = ngx_http_ocs_sso_identity_headers; h->len; h++) {
                name = ngx_array_push(slcf->strip_headers);
                if (name == NULL) {
                    return NGX_CONF_ERROR;
                }

                *name = *h;
            }

            continue;
        }

        if (ngx_strcmp(value[i].data, "off") == 0) {
            return "takes \"off\" only alone";
        }

        if (ngx_http_ocs_sso_check_token(cf, NULL, &value[i])
            != NGX_CONF_OK)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid header name \"%V\" in "
                               "\"ocs_sso_strip_headers\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        name = ngx_array_push(slcf->strip_headers);
        if (name == NULL) {
            return NGX_CONF_ERROR;
        }

        *name = value[i];
    }

    return NGX_CONF_OK;
}


/*
 * ocs_sso_service NAME [idle=TIME] | off: the locations of one published
 * service share its name and its inactivity limit within the session.
 */
static char *
ngx_http_ocs_sso_service(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_sso_loc_conf_t  *slcf = conf;

    time_t      idle;
    ngx_str_t  *value;

    if (slcf->service.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        if (cf->args->nelts != 2) {
            return "takes no parameters with \"off\"";
        }

        ngx_str_set(&slcf->service, "");
        return NGX_CONF_OK;
    }

    if (ngx_http_ocs_sso_check_token(cf, NULL, &value[1]) != NGX_CONF_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid service name \"%V\" in "
                           "\"ocs_sso_service\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    idle = 0;

    if (cf->args->nelts == 3
        && ngx_http_ocs_sso_service_idle(cf, &value[2], &idle) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    slcf->service = value[1];
    slcf->service_id = ocs_session_service_id((char *) value[1].data,
                                              value[1].len);
    slcf->service_idle = idle;

    return ngx_http_ocs_sso_service_add(cf, slcf->service_id);
}


/* the "idle=TIME" parameter of ocs_sso_service */
static ngx_int_t
ngx_http_ocs_sso_service_idle(ngx_conf_t *cf, ngx_str_t *param, time_t *idle)
{
    ngx_str_t  s;

    if (ngx_strncmp(param->data, "idle=", 5) != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\" in "
                           "\"ocs_sso_service\": use idle=TIME", param);
        return NGX_ERROR;
    }

    s.data = param->data + 5;
    s.len = param->len - 5;
    *idle = ngx_parse_time(&s, 1);

    if (*idle == (time_t) NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid idle time \"%V\" in "
                           "\"ocs_sso_service\"", &s);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* a ticket tracks 16 services: more would forget idle ones */
static char *
ngx_http_ocs_sso_service_add(ngx_conf_t *cf, uint32_t service_id)
{
    uint32_t                      *ids, *id;
    ngx_uint_t                     i;
    ngx_http_ocs_sso_main_conf_t  *smcf;

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ocs_sso_module);
    ids = smcf->services.elts;

    for (i = 0; i < smcf->services.nelts; i++) {
        if (ids[i] == service_id) {
            return NGX_CONF_OK;
        }
    }

    if (smcf->services.nelts == OCS_SERVICES_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "more than %d services in \"ocs_sso_service\"",
                           OCS_SERVICES_MAX);
        return NGX_CONF_ERROR;
    }

    id = ngx_array_push(&smcf->services);
    if (id == NULL) {
        return NGX_CONF_ERROR;
    }

    *id = service_id;

    return NGX_CONF_OK;
}


static char *
ngx_http_ocs_sso_not_zero(ngx_conf_t *cf, void *post, void *data)
{
    time_t  *t = data;

    if (*t == 0) {
        return "must be at least 1s";
    }

    return NGX_CONF_OK;
}


/*
 * ocs_sso_computer public|private [idle=TIME] [lifetime=TIME]
 *                  [persistent=on|off]
 */
static char *
ngx_http_ocs_sso_computer(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_sso_loc_conf_t  *slcf = conf;

    time_t                     v;
    ngx_str_t                 *value, s;
    ngx_uint_t                 i;
    ngx_http_ocs_sso_class_t  *c;

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "public") == 0) {
        c = &slcf->computer[OCS_COMPUTER_PUBLIC];

    } else if (ngx_strcmp(value[1].data, "private") == 0) {
        c = &slcf->computer[OCS_COMPUTER_PRIVATE];

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid computer class \"%V\" in "
                           "\"ocs_sso_computer\": use public or private",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    if (c->idle != NGX_CONF_UNSET || c->lifetime != NGX_CONF_UNSET
        || c->persistent != NGX_CONF_UNSET)
    {
        return "is duplicate";
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strcmp(value[i].data, "persistent=on") == 0) {
            c->persistent = 1;
            continue;
        }

        if (ngx_strcmp(value[i].data, "persistent=off") == 0) {
            c->persistent = 0;
            continue;
        }

        if (ngx_strncmp(value[i].data, "idle=", 5) == 0) {
            s.data = value[i].data + 5;
            s.len = value[i].len - 5;
            v = ngx_parse_time(&s, 1);

            if (v != (time_t) NGX_ERROR) {
                c->idle = v;
                continue;
            }

        } else if (ngx_strncmp(value[i].data, "lifetime=", 9) == 0) {
            s.data = value[i].data + 9;
            s.len = value[i].len - 9;
            v = ngx_parse_time(&s, 1);

            if (v != (time_t) NGX_ERROR && v > 0) {
                c->lifetime = v;
                continue;
            }
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\" in \"ocs_sso_computer\": "
                           "use idle=TIME, lifetime=TIME or persistent=on|off",
                           &value[i]);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
