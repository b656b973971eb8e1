/*
 * ngx_http_ocs_auth_module: protects locations.  A request to a
 * location with "ocs_auth forms" needs a valid ticket; without one a
 * page request is sent to the sign-in page and anything else gets 401.
 * Plain http never gets that far (see ngx_http_ocs_refuse_plain()).
 *
 * The rules between the directives are the core's (ocs_conf_check());
 * what a request without a ticket gets is ngx_http_ocs_auth_challenge.c's.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs_auth.h>

#include <ocs/ocs_conf.h>


static ngx_int_t ngx_http_ocs_auth_access_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_auth_no_ticket(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *ctx);
static ngx_int_t ngx_http_ocs_auth_recheck_due(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *ctx);
static ngx_int_t ngx_http_ocs_auth_app_signout(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *ctx);
static void ngx_http_ocs_auth_exit_process(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_ocs_auth_init_process(ngx_cycle_t *cycle);
static void *ngx_http_ocs_auth_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_ocs_auth_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_ocs_auth_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_ocs_auth_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static void ngx_http_ocs_auth_merge_signin(ngx_http_ocs_auth_loc_conf_t *prev,
    ngx_http_ocs_auth_loc_conf_t *conf);
static void ngx_http_ocs_auth_merge_kerberos(
    ngx_http_ocs_auth_loc_conf_t *prev, ngx_http_ocs_auth_loc_conf_t *conf);
static void ngx_http_ocs_auth_merge_factor(ngx_http_ocs_auth_loc_conf_t *prev,
    ngx_http_ocs_auth_loc_conf_t *conf);
static void ngx_http_ocs_auth_merge_lockout(
    ngx_http_ocs_auth_loc_conf_t *prev, ngx_http_ocs_auth_loc_conf_t *conf);
static void ngx_http_ocs_auth_conf_values(ngx_http_ocs_auth_loc_conf_t *conf,
    ocs_conf_loc_t *c);
static char *ngx_http_ocs_auth_merge_rules(ngx_conf_t *cf,
    ngx_http_ocs_auth_loc_conf_t *conf);
static char *ngx_http_ocs_auth_merge_needs(ngx_conf_t *cf,
    ngx_http_ocs_auth_loc_conf_t *conf, unsigned need);
static ngx_int_t ngx_http_ocs_auth_init(ngx_conf_t *cf);
static char *ngx_http_ocs_auth(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ocs_auth_quick_signin(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_ocs_auth_lockout(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_ocs_auth_lockout_param(
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *arg);
static char *ngx_http_ocs_auth_lockout_admin(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_ocs_auth_signin(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ocs_auth_signin_template(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_ocs_auth_return_hosts(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_ocs_auth_app_logoff(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_ocs_auth_is_app_logoff(ngx_http_request_t *r,
    ngx_array_t *patterns);


static ngx_conf_post_handler_pt  ngx_http_ocs_auth_url_p =
    ngx_http_ocs_conf_url;


static ngx_command_t  ngx_http_ocs_auth_commands[] = {

    { ngx_string("ocs_auth"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_ocs_auth,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_negotiate"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, negotiate),
      NULL },

    { ngx_string("ocs_auth_ntlm"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, ntlm),
      NULL },

    { ngx_string("ocs_auth_negotiate_keep_realm"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, negotiate_realm),
      NULL },

    { ngx_string("ocs_auth_negotiate_max_token"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, negotiate_max),
      NULL },

    { ngx_string("ocs_auth_quick_signin"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_ocs_auth_quick_signin,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_ocs_auth_zone,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_lockout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_ocs_auth_lockout,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_lockout_admin"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_ocs_auth_lockout_admin,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_conference_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_ocs_auth_conference_zone,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_conference_keys"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, conf_keys),
      NULL },

    { ngx_string("ocs_auth_conference_realm"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, conf_realm),
      NULL },

    { ngx_string("ocs_auth_conference_digest"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_ocs_auth_conference_digest,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_conference_join"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_ocs_auth_conference_join,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_conference_nonce_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, conf_nonce),
      NULL },

    { ngx_string("ocs_auth_second_factor"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_ocs_auth_second_factor,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_totp"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, totp),
      NULL },

    { ngx_string("ocs_auth_otp_server"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_ocs_auth_otp_server,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_certificate"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_ocs_auth_certificate,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_kerberos_password"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, krb5_password),
      NULL },

    { ngx_string("ocs_auth_kerberos_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, krb5_timeout),
      NULL },

    { ngx_string("ocs_auth_keytab"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, keytab),
      NULL },

    { ngx_string("ocs_auth_service_principal"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, principal),
      NULL },

    { ngx_string("ocs_auth_signin"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_ocs_auth_signin,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_user_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, user_file),
      NULL },

    { ngx_string("ocs_auth_signin_template"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_ocs_auth_signin_template,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_signin_sip"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, signin_sip),
      NULL },

    { ngx_string("ocs_auth_return_hosts"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_ocs_auth_return_hosts,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_default_return"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, default_return),
      &ngx_http_ocs_auth_url_p },

    { ngx_string("ocs_ldap_directory"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_BLOCK|NGX_CONF_TAKE1,
      ngx_http_ocs_auth_ldap_directory,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    /* the name is looked up in merge, when every directory is defined */
    { ngx_string("ocs_auth_ldap"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_ocs_conf_set_str_or_off,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, directory_name),
      NULL },

    { ngx_string("ocs_auth_require"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_ocs_auth_require,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_remote_access"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_ocs_auth_remote_access,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_internal_networks"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_ocs_auth_internal_networks,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_sip_claim"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, sip_claim),
      NULL },

    { ngx_string("ocs_auth_app_logoff"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_ocs_auth_app_logoff,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_recheck"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, recheck),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_ocs_auth_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_ocs_auth_init,                /* postconfiguration */

    ngx_http_ocs_auth_create_main_conf,    /* create main configuration */
    ngx_http_ocs_auth_init_main_conf,      /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_ocs_auth_create_loc_conf,     /* create location configuration */
    ngx_http_ocs_auth_merge_loc_conf       /* merge location configuration */
};


ngx_module_t  ngx_http_ocs_auth_module = {
    NGX_MODULE_V1,
    &ngx_http_ocs_auth_module_ctx,         /* module context */
    ngx_http_ocs_auth_commands,            /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_ocs_auth_init_process,        /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_ocs_auth_exit_process,        /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_ocs_auth_init_process(ngx_cycle_t *cycle)
{
    if (ngx_http_ocs_auth_ldap_init_process(cycle) != NGX_OK
        || ngx_http_ocs_auth_conference_init_process(cycle) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_ocs_auth_negotiate_init_process(cycle);
}


static void
ngx_http_ocs_auth_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_ocs_auth_conference_exit_process(cycle);
    ngx_http_ocs_auth_ldap_exit_process(cycle);
}


static ngx_int_t
ngx_http_ocs_auth_access_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_http_ocs_sso_ctx_t        *ctx;
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    /* the sign-in and logoff pages are never behind an inherited ocs_auth */
    if (alcf->mode == NGX_HTTP_OCS_AUTH_OFF || ngx_http_ocs_is_page(r)) {
        return NGX_DECLINED;
    }

    rc = ngx_http_ocs_refuse_plain(r, ngx_http_ocs_https_port(r));

    if (rc != NGX_DECLINED) {
        /* the response went out: end the request here */
        ngx_http_finalize_request(r, rc);
        return NGX_DONE;
    }

    if (alcf->mode == NGX_HTTP_OCS_AUTH_CONFERENCE) {
        return ngx_http_ocs_auth_conference(r, alcf);
    }

    ctx = ngx_http_ocs_sso_verify(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->state == NGX_HTTP_OCS_SSO_VALID && ctx->ticket.conference_len) {
        /* a participant's ticket opens its conference and nothing else */
        return ngx_http_ocs_auth_participant(r, alcf, &ctx->ticket);
    }

    if (ctx->state != NGX_HTTP_OCS_SSO_VALID) {
        rc = ngx_http_ocs_auth_no_ticket(r, alcf, ctx);
        if (rc != NGX_OK) {
            return rc;
        }

    } else if (alcf->negotiate
               && ngx_http_ocs_auth_negotiate_forget(r) != NGX_OK)
    {
        /* in on the ticket: a token sent as well is not passed on */
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_ocs_auth_recheck_due(r, alcf, ctx) == NGX_AGAIN) {
        return NGX_AGAIN;
    }

    rc = ngx_http_ocs_auth_authorize(r, alcf, &ctx->ticket);
    if (rc != NGX_OK) {
        return rc == NGX_DONE ? NGX_DONE : NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_ocs_auth_factor_check(r, alcf, ctx);
    if (rc != NGX_OK) {
        return rc == NGX_DONE ? NGX_DONE : NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_ocs_sso_pass_identity(r, &ctx->ticket) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_ocs_auth_app_signout(r, alcf, ctx);
}


/*
 * A request without a valid ticket: Kerberos or a certificate may sign
 * it in here (NGX_OK: the ticket is issued, go on); otherwise what the
 * access phase returns, the challenge included.
 */
static ngx_int_t
ngx_http_ocs_auth_no_ticket(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *ctx)
{
    ngx_int_t  rc;

    rc = alcf->negotiate ? ngx_http_ocs_auth_negotiate(r, alcf, &ctx->ticket,
                                                       0)
                         : NGX_DECLINED;

    if (rc == NGX_DECLINED && alcf->cert_only) {
        rc = ngx_http_ocs_auth_cert_signin(r, alcf, &ctx->ticket);
    }

    switch (rc) {

    case NGX_OK:
        /* signed in with Kerberos: the ticket is issued, go on */
        ctx->state = NGX_HTTP_OCS_SSO_VALID;
        ctx->rechecked = 1;
        return NGX_OK;

    case NGX_AGAIN:
        /* the thread pool has it; the phase runs again after */
        return NGX_AGAIN;

    case NGX_HTTP_FORBIDDEN:
    case NGX_HTTP_SERVICE_UNAVAILABLE:
    case NGX_HTTP_UNAUTHORIZED:
        ngx_http_finalize_request(r, ngx_http_ocs_auth_negotiate_page(r, rc));
        return NGX_DONE;

    case NGX_ERROR:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;

    default:
        return ngx_http_ocs_auth_challenge(r, alcf);
    }
}


/*
 * The directory's view of the user is due again, or the requirements
 * changed since the ticket was sealed: NGX_AGAIN while a pool thread
 * asks the directory, NGX_OK to go on.
 */
static ngx_int_t
ngx_http_ocs_auth_recheck_due(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *ctx)
{
    ngx_http_ocs_auth_main_conf_t  *amcf;

    if (alcf->directory == NULL || ctx->rechecked) {
        return NGX_OK;
    }

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_auth_module);

    if (ocs_authz_recheck_due(&ctx->ticket, alcf->recheck, amcf->facts_gen,
                              ngx_time()))
    {
        if (ngx_http_ocs_auth_recheck(r, alcf, ctx) == NGX_AGAIN) {
            return NGX_AGAIN;
        }

        /*
         * A full thread pool, which nginx has logged: go on with what
         * the ticket says, and try again on the next request.
         */
        ctx->rechecked = 1;
    }

    return NGX_OK;
}


/*
 * The application's own sign-out URL: the request still goes to the
 * application, which signs the user out there; the proxy session ends
 * with it.
 */
static ngx_int_t
ngx_http_ocs_auth_app_signout(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *ctx)
{
    if (alcf->app_logoff == NULL
        || !ngx_http_ocs_auth_is_app_logoff(r, alcf->app_logoff))
    {
        return NGX_OK;
    }

    if (ngx_http_ocs_sso_revoke(r, &ctx->ticket) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->clear = 1;

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "ocs auth: user \"%s\" signed out through the "
                  "application's sign-out URL", ctx->ticket.user);

    return NGX_OK;
}

/*
 * A pattern starting with "?" is a query argument ("?Cmd=logoff": that
 * argument with that value, or "?logout": the argument at all), without
 * case; anything else is a path, compared exactly.
 */
static ngx_int_t
ngx_http_ocs_auth_is_app_logoff(ngx_http_request_t *r, ngx_array_t *patterns)
{
    ngx_str_t   *p;
    ngx_uint_t   i;

    p = patterns->elts;

    for (i = 0; i < patterns->nelts; i++) {
        if (ocs_web_app_logoff((char *) p[i].data, p[i].len,
                               (char *) r->uri.data, r->uri.len,
                               (char *) r->args.data, r->args.len))
        {
            return 1;
        }
    }

    return 0;
}


static void *
ngx_http_ocs_auth_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_ocs_auth_main_conf_t  *amcf;

    amcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_ocs_auth_main_conf_t));
    if (amcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&amcf->directories, cf->pool, 2,
                       sizeof(ngx_http_ocs_ldap_dir_t *))
        != NGX_OK
        || ngx_array_init(&amcf->facts, cf->pool, 8,
                          sizeof(ocs_authz_req_t))
           != NGX_OK)
    {
        return NULL;
    }

    return amcf;
}


static char *
ngx_http_ocs_auth_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_ocs_auth_main_conf_t  *amcf = conf;

    /* every requirement is known now: the whole http block is parsed */
    amcf->facts_gen = ocs_authz_gen(amcf->facts.elts, amcf->facts.nelts);

    return NGX_CONF_OK;
}


static void *
ngx_http_ocs_auth_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_ocs_auth_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_ocs_auth_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->signin = 0;
     *     conf->user_file = { 0, NULL };
     *     conf->template = { 0, NULL };
     *     conf->default_return = { 0, NULL };
     *     conf->directory_name = { 0, NULL };
     *     conf->directory = NULL;
     *     conf->keytab = { 0, NULL };
     *     conf->principal = { 0, NULL };
     */

    conf->mode = NGX_CONF_UNSET_UINT;
    conf->return_hosts = NGX_CONF_UNSET_PTR;
    conf->require = NGX_CONF_UNSET_PTR;
    conf->remote = NGX_CONF_UNSET_PTR;
    conf->internal = NGX_CONF_UNSET_PTR;
    conf->sip_claim = NGX_CONF_UNSET_PTR;
    conf->recheck = NGX_CONF_UNSET;
    conf->app_logoff = NGX_CONF_UNSET_PTR;
    conf->signin_sip = NGX_CONF_UNSET;
    conf->negotiate = NGX_CONF_UNSET;
    conf->negotiate_realm = NGX_CONF_UNSET;
    conf->ntlm = NGX_CONF_UNSET;
    conf->negotiate_max = NGX_CONF_UNSET_SIZE;
    conf->krb5_password = NGX_CONF_UNSET;
    conf->krb5_timeout = NGX_CONF_UNSET_MSEC;
    conf->second = NGX_CONF_UNSET_UINT;
    conf->totp = NGX_CONF_UNSET;
    conf->otp = NGX_CONF_UNSET_PTR;
    conf->cert_source = NGX_CONF_UNSET_UINT;
    conf->lockout = NGX_CONF_UNSET;
    conf->lock_account = NGX_CONF_UNSET_UINT;
    conf->lock_address = NGX_CONF_UNSET_UINT;
    conf->lock_total = NGX_CONF_UNSET_UINT;
    conf->lock_window = NGX_CONF_UNSET;
    conf->lock_time = NGX_CONF_UNSET;
    conf->conf_algs = NGX_CONF_UNSET_UINT;
    conf->conf_nonce = NGX_CONF_UNSET;

    return conf;
}


/*
 * Each group of directives merges on its own; then the rules of
 * ocs_conf_check() tie them together, and what the location needs
 * (the session module, the guard zone, a thread pool) is asked for.
 */
static char *
ngx_http_ocs_auth_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_ocs_auth_loc_conf_t  *prev = parent;
    ngx_http_ocs_auth_loc_conf_t  *conf = child;

    ngx_http_ocs_auth_merge_signin(prev, conf);

    if (ngx_http_ocs_auth_ldap_merge(cf, prev, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_http_ocs_auth_merge_kerberos(prev, conf);
    ngx_http_ocs_auth_merge_factor(prev, conf);
    ngx_http_ocs_auth_merge_lockout(prev, conf);

    if (ngx_http_ocs_auth_conference_merge(cf, prev, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    return ngx_http_ocs_auth_merge_rules(cf, conf);
}


static void
ngx_http_ocs_auth_merge_signin(ngx_http_ocs_auth_loc_conf_t *prev,
    ngx_http_ocs_auth_loc_conf_t *conf)
{
    ngx_conf_merge_uint_value(conf->mode, prev->mode, NGX_HTTP_OCS_AUTH_OFF);
    ngx_conf_merge_str_value(conf->user_file, prev->user_file, "");
    ngx_conf_merge_str_value(conf->template, prev->template, "");
    ngx_conf_merge_ptr_value(conf->return_hosts, prev->return_hosts, NULL);
    ngx_conf_merge_str_value(conf->default_return, prev->default_return,
                             OCS_CONF_DEFAULT_RETURN);
    ngx_conf_merge_ptr_value(conf->app_logoff, prev->app_logoff, NULL);

    /*
     * Unset stays unset down the levels: the default, on with a
     * directory and off without, is each location's own
     */
    if (conf->signin_sip == NGX_CONF_UNSET) {
        conf->signin_sip = prev->signin_sip;
    }
}


static void
ngx_http_ocs_auth_merge_kerberos(ngx_http_ocs_auth_loc_conf_t *prev,
    ngx_http_ocs_auth_loc_conf_t *conf)
{
    ngx_conf_merge_value(conf->negotiate, prev->negotiate, 0);
    ngx_conf_merge_value(conf->negotiate_realm, prev->negotiate_realm, 0);
    ngx_conf_merge_value(conf->ntlm, prev->ntlm, 0);
    ngx_conf_merge_size_value(conf->negotiate_max, prev->negotiate_max,
                              OCS_CONF_NEGOTIATE_MAX);
    ngx_conf_merge_str_value(conf->keytab, prev->keytab, "");
    ngx_conf_merge_str_value(conf->principal, prev->principal, "");
    ngx_conf_merge_value(conf->krb5_password, prev->krb5_password, 0);
    ngx_conf_merge_msec_value(conf->krb5_timeout, prev->krb5_timeout,
                              OCS_CONF_KRB5_TIMEOUT);
}


/* ocs_auth_second_factor and ocs_auth_certificate inherit as a whole */
static void
ngx_http_ocs_auth_merge_factor(ngx_http_ocs_auth_loc_conf_t *prev,
    ngx_http_ocs_auth_loc_conf_t *conf)
{
    if (conf->second == NGX_CONF_UNSET_UINT) {
        conf->second = (prev->second == NGX_CONF_UNSET_UINT) ? 0
                                                             : prev->second;
        conf->second_external = prev->second_external;
    }

    ngx_conf_merge_value(conf->totp, prev->totp, 0);
    ngx_conf_merge_ptr_value(conf->otp, prev->otp, NULL);

    if (conf->cert_source == NGX_CONF_UNSET_UINT) {
        conf->cert_source = (prev->cert_source == NGX_CONF_UNSET_UINT)
                            ? OCS_CERT_NONE : prev->cert_source;
        conf->cert_domain = prev->cert_domain;
        conf->cert_only = prev->cert_only;
    }
}


/* ocs_auth_lockout inherits parameter by parameter */
static void
ngx_http_ocs_auth_merge_lockout(ngx_http_ocs_auth_loc_conf_t *prev,
    ngx_http_ocs_auth_loc_conf_t *conf)
{
    ngx_conf_merge_value(conf->lockout, prev->lockout, OCS_CONF_LOCKOUT);
    ngx_conf_merge_uint_value(conf->lock_account, prev->lock_account,
                              OCS_CONF_LOCK_ACCOUNT);
    ngx_conf_merge_uint_value(conf->lock_address, prev->lock_address,
                              OCS_CONF_LOCK_ADDRESS);
    ngx_conf_merge_uint_value(conf->lock_total, prev->lock_total,
                              OCS_CONF_LOCK_TOTAL);
    ngx_conf_merge_sec_value(conf->lock_window, prev->lock_window,
                             OCS_CONF_LOCK_WINDOW);
    ngx_conf_merge_sec_value(conf->lock_time, prev->lock_time,
                             OCS_CONF_LOCK_TIME);
}


/* the merged location as the core's rules see it */
static void
ngx_http_ocs_auth_conf_values(ngx_http_ocs_auth_loc_conf_t *conf,
    ocs_conf_loc_t *c)
{
    ngx_memzero(c, sizeof(ocs_conf_loc_t));

    c->protect = (conf->mode != NGX_HTTP_OCS_AUTH_OFF);
    c->conference = (conf->mode == NGX_HTTP_OCS_AUTH_CONFERENCE);
    c->signin = (conf->signin != 0);
    c->quick = (conf->quick != 0);
    c->signin_sip = (conf->signin_sip == NGX_CONF_UNSET) ? -1
                                                         : conf->signin_sip;
    c->directory = (conf->directory != NULL);
    c->requirements = (conf->require != NULL && conf->require->nelts)
                      || conf->remote != NULL;
    c->internal = (conf->internal != NULL);
    c->negotiate = (conf->negotiate == 1);
    c->ntlm = (conf->ntlm == 1);
    c->krb5_password = (conf->krb5_password == 1);
    c->user_file = (conf->user_file.len != 0);
    c->certificate = (conf->cert_source != OCS_CERT_NONE);
    c->totp = (conf->totp == 1);
    c->otp = (conf->otp != NULL);
    c->lockout = (conf->lockout == 1);
    c->second = (unsigned) conf->second;
}


static char *
ngx_http_ocs_auth_merge_rules(ngx_conf_t *cf,
    ngx_http_ocs_auth_loc_conf_t *conf)
{
    u_char                         *msg;
    size_t                          size;
    unsigned                        need;
    ocs_conf_loc_t                  c;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ocs_auth_module);

    ngx_http_ocs_auth_conf_values(conf, &c);
    need = ocs_conf_needs(&c);

    /* the keytab is compared and opened by its full name */
    if ((need & OCS_CONF_NEED_KEYTAB) && conf->keytab.len
        && ngx_conf_full_name(cf->cycle, &conf->keytab, 1) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    c.keytab = (char *) conf->keytab.data;
    c.keytab_len = conf->keytab.len;
    c.ntlm_keytab = (char *) amcf->ntlm_keytab.data;
    c.ntlm_keytab_len = amcf->ntlm_keytab.len;

    size = OCS_CONF_MSG_MAX + c.keytab_len + c.ntlm_keytab_len;

    msg = ngx_pnalloc(cf->temp_pool, size);
    if (msg == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ocs_conf_check(&c, (char *) msg, size) != OCS_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", msg);
        return NGX_CONF_ERROR;
    }

    return ngx_http_ocs_auth_merge_needs(cf, conf, need);
}


/* what ocs_conf_needs() found the location needs, asked for */
static char *
ngx_http_ocs_auth_merge_needs(ngx_conf_t *cf,
    ngx_http_ocs_auth_loc_conf_t *conf, unsigned need)
{
    ngx_thread_pool_t              *pool;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ocs_auth_module);

    if (conf->mode != NGX_HTTP_OCS_AUTH_OFF) {
        /* ocs_auth_hsts applies here */
        ngx_http_ocs_conf_protect(cf);
    }

    if (need & OCS_CONF_NEED_SESSION) {
        ngx_http_ocs_sso_require(cf);
    }

    if (need & OCS_CONF_NEED_GUARD) {
        amcf->guard_used = 1;
    }

    if ((need & OCS_CONF_NEED_NTLM) && amcf->ntlm_keytab.len == 0) {
        amcf->ntlm_keytab = conf->keytab;
    }

    if (!(need & OCS_CONF_NEED_THREADS)) {
        return NGX_CONF_OK;
    }

    if (conf->user_file.len
        && ngx_conf_full_name(cf->cycle, &conf->user_file, 1) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    pool = ngx_http_ocs_conf_thread_pool(cf);
    if (pool == NULL) {
        return NGX_CONF_ERROR;
    }

    /* the directory's policy is read at start in a pool that uses it */
    if (conf->directory != NULL && conf->directory->pool == NULL) {
        conf->directory->pool = pool;
        conf->directory->lock_account = conf->lock_account;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_ocs_auth_init(ngx_conf_t *cf)
{
    ngx_str_t                       name;
    ngx_http_handler_pt            *h;
    ngx_http_core_main_conf_t      *cmcf;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ocs_auth_module);

    /* the zone of counts and locks, made only if something needs it */
    if (amcf->guard_used && amcf->guard == NULL) {
        ngx_str_set(&name, OCS_CONF_GUARD_ZONE_NAME);

        amcf->guard = ngx_http_ocs_auth_guard_zone_add(cf, &name,
                                                  OCS_CONF_GUARD_ZONE_SIZE);
        if (amcf->guard == NULL) {
            return NGX_ERROR;
        }
    }

    if (ngx_http_ocs_auth_conference_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_ocs_auth_access_handler;

    /* every location is known now: the mistakes nginx -t must catch */
    return ngx_http_ocs_auth_check(cf);
}


/* ocs_auth forms | conference | off */
static char *
ngx_http_ocs_auth(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    ngx_str_t  *value;

    if (alcf->mode != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "forms") == 0) {
        alcf->mode = NGX_HTTP_OCS_AUTH_FORMS;

    } else if (ngx_strcmp(value[1].data, "conference") == 0) {
        alcf->mode = NGX_HTTP_OCS_AUTH_CONFERENCE;

    } else if (ngx_strcmp(value[1].data, "off") == 0) {
        alcf->mode = NGX_HTTP_OCS_AUTH_OFF;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"ocs_auth\": "
                           "use \"forms\" or \"off\" (or \"conference\" "
                           "for conference keys)", &value[1]);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_ocs_auth_signin(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    if (alcf->signin) {
        return "is duplicate";
    }

    alcf->signin = 1;
    ngx_http_ocs_conf_page(cf);

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_ocs_auth_signin_handler;

    return NGX_CONF_OK;
}


static char *
ngx_http_ocs_auth_quick_signin(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    if (alcf->quick) {
        return "is duplicate";
    }

    alcf->quick = 1;
    ngx_http_ocs_conf_page(cf);

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_ocs_auth_quick_handler;

    return NGX_CONF_OK;
}


/* ocs_auth_signin_template FILE | off */
static char *
ngx_http_ocs_auth_signin_template(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    ngx_str_t  *value;

    if (alcf->template.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        /* the built-in page, set in merge */
        ngx_str_set(&alcf->template, "");
        return NGX_CONF_OK;
    }

    return ngx_http_ocs_read_conf_file(cf, &value[1], &alcf->template,
                                       OCS_CONF_TEMPLATE_MAX, 0);
}


/* ocs_auth_return_hosts HOST[:PORT] ... | off */
static char *
ngx_http_ocs_auth_return_hosts(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    char       **host;
    ngx_str_t   *value;
    ngx_uint_t   i;

    if (alcf->return_hosts != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        alcf->return_hosts = NULL;
        return NGX_CONF_OK;
    }

    alcf->return_hosts = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                          sizeof(char *));
    if (alcf->return_hosts == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {
        if (ocs_conf_check_return_host((char *) value[i].data, value[i].len)
            != OCS_OK)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid return host \"%V\": use host or "
                               "host:port", &value[i]);
            return NGX_CONF_ERROR;
        }

        host = ngx_array_push(alcf->return_hosts);
        if (host == NULL) {
            return NGX_CONF_ERROR;
        }

        /* configuration strings are NUL-terminated */
        *host = (char *) value[i].data;
    }

    return NGX_CONF_OK;
}


/* ocs_auth_app_logoff /path | ?arg[=value] ... | off */
static char *
ngx_http_ocs_auth_app_logoff(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    ngx_str_t   *value, *p;
    ngx_uint_t   i;

    if (alcf->app_logoff != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        alcf->app_logoff = NULL;
        return NGX_CONF_OK;
    }

    alcf->app_logoff = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                        sizeof(ngx_str_t));
    if (alcf->app_logoff == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {
        if (ocs_conf_check_app_logoff((char *) value[i].data, value[i].len)
            != OCS_OK)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid value \"%V\" in "
                               "\"ocs_auth_app_logoff\": use a path, or "
                               "?name or ?name=value", &value[i]);
            return NGX_CONF_ERROR;
        }

        p = ngx_array_push(alcf->app_logoff);
        if (p == NULL) {
            return NGX_CONF_ERROR;
        }

        *p = value[i];
    }

    return NGX_CONF_OK;
}


/*
 * ocs_auth_lockout off | [account=N] [address=N] [total=N] [window=TIME]
 *     [lock=TIME]
 */
static char *
ngx_http_ocs_auth_lockout(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    ngx_str_t   *value;
    ngx_uint_t   i;

    if (alcf->lockout != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        if (cf->args->nelts > 2) {
            return "takes no parameters with \"off\"";
        }

        alcf->lockout = 0;
        return NGX_CONF_OK;
    }

    alcf->lockout = 1;

    for (i = 1; i < cf->args->nelts; i++) {
        if (ngx_http_ocs_auth_lockout_param(alcf, &value[i]) != NGX_OK) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\" in "
                               "\"ocs_auth_lockout\": "
                               OCS_CONF_LOCKOUT_USAGE, &value[i]);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/* one name=value of ocs_auth_lockout: the core knows the names and limits */
static ngx_int_t
ngx_http_ocs_auth_lockout_param(ngx_http_ocs_auth_loc_conf_t *alcf,
    ngx_str_t *arg)
{
    int                      which;
    size_t                   len;
    int64_t                  n;
    ngx_str_t                v;
    const char              *data;
    const ocs_conf_param_t  *param;

    which = ocs_conf_param_find(ocs_conf_lockout_params,
                                OCS_CONF_LOCKOUT_PARAMS, (char *) arg->data,
                                arg->len, &data, &len);
    if (which < 0) {
        return NGX_ERROR;
    }

    param = &ocs_conf_lockout_params[which];
    v.data = (u_char *) data;
    v.len = len;

    /* NGX_ERROR is negative, which no parameter allows */
    n = param->time ? (int64_t) ngx_parse_time(&v, 1)
                    : (int64_t) ngx_atoi(v.data, v.len);

    if (ocs_conf_param_check(param, n) != OCS_OK) {
        return NGX_ERROR;
    }

    switch (which) {

    case OCS_CONF_LOCKOUT_ACCOUNT:
        alcf->lock_account = (ngx_uint_t) n;
        break;

    case OCS_CONF_LOCKOUT_ADDRESS:
        alcf->lock_address = (ngx_uint_t) n;
        break;

    case OCS_CONF_LOCKOUT_TOTAL:
        alcf->lock_total = (ngx_uint_t) n;
        break;

    case OCS_CONF_LOCKOUT_WINDOW:
        alcf->lock_window = (time_t) n;
        break;

    default: /* OCS_CONF_LOCKOUT_LOCK */
        alcf->lock_time = (time_t) n;
        break;
    }

    return NGX_OK;
}


static char *
ngx_http_ocs_auth_lockout_admin(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_core_loc_conf_t       *clcf;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    ngx_http_ocs_conf_page(cf);

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ocs_auth_module);
    amcf->guard_used = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_ocs_auth_lockout_admin_handler;

    return NGX_CONF_OK;
}
