/*
 * ngx_http_ocs_auth_module: protects locations.  A request to a
 * location with "ocs_auth forms" needs a valid ticket; without one a
 * page request is sent to the sign-in page and anything else gets 401.
 * Plain http never gets that far (see ngx_http_ocs_refuse_plain()).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs_auth.h>


static ngx_int_t ngx_http_ocs_auth_access_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_auth_init_process(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_ocs_auth_challenge(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf);
static ngx_int_t ngx_http_ocs_auth_is_signin_url(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf);
static ngx_int_t ngx_http_ocs_auth_signin_location(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *url);
static ngx_int_t ngx_http_ocs_auth_header_filter(ngx_http_request_t *r);
static void *ngx_http_ocs_auth_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_ocs_auth_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_ocs_auth_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_ocs_auth_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_ocs_auth_init(ngx_conf_t *cf);
static char *ngx_http_ocs_auth_mode(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ocs_auth_https_port(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ocs_auth_quick(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ocs_auth_lockout(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ocs_auth_lockout_admin(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_ocs_auth_signin(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ocs_auth_template(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ocs_auth_return_hosts(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_ocs_auth_hsts(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ocs_auth_url(ngx_conf_t *cf, void *post, void *data);
static char *ngx_http_ocs_auth_app_logoff(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_ocs_auth_is_app_logoff(ngx_http_request_t *r,
    ngx_array_t *patterns);



static ngx_conf_post_handler_pt  ngx_http_ocs_auth_url_p =
    ngx_http_ocs_auth_url;


static ngx_command_t  ngx_http_ocs_auth_commands[] = {

    { ngx_string("ocs_auth"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_ocs_auth_mode,
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
      ngx_http_ocs_auth_quick,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
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

    { ngx_string("ocs_auth_signin_url"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, signin_url),
      &ngx_http_ocs_auth_url_p },

    { ngx_string("ocs_auth_user_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, user_file),
      NULL },

    { ngx_string("ocs_auth_signin_template"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_ocs_auth_template,
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

    { ngx_string("ocs_auth_https_port"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_ocs_auth_https_port,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_hsts"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_ocs_auth_hsts,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_thread_pool"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_auth_loc_conf_t, thread_pool_name),
      NULL },

    { ngx_string("ocs_ldap_directory"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_BLOCK|NGX_CONF_TAKE1,
      ngx_http_ocs_auth_ldap_block,
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
      ngx_http_ocs_auth_internal,
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
    ngx_http_ocs_auth_ldap_exit_process,   /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;


static ngx_int_t
ngx_http_ocs_auth_init_process(ngx_cycle_t *cycle)
{
    if (ngx_http_ocs_auth_ldap_init_process(cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_ocs_auth_negotiate_init_process(cycle);
}


static ngx_int_t
ngx_http_ocs_auth_access_handler(ngx_http_request_t *r)
{
    ngx_int_t                       rc;
    ngx_http_ocs_sso_ctx_t         *ctx;
    ngx_http_ocs_auth_loc_conf_t   *alcf;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    /* the sign-in and logoff pages are never behind an inherited ocs_auth */
    if (alcf->mode == NGX_HTTP_OCS_AUTH_OFF || alcf->pages) {
        return NGX_DECLINED;
    }

    rc = ngx_http_ocs_refuse_plain(r, alcf->https_port);

    if (rc != NGX_DECLINED) {
        /* the response went out: end the request here */
        ngx_http_finalize_request(r, rc);
        return NGX_DONE;
    }

    ctx = ngx_http_ocs_sso_verify(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->state != NGX_HTTP_OCS_SSO_VALID) {
        rc = alcf->negotiate ? ngx_http_ocs_auth_negotiate(r, alcf,
                                                           &ctx->ticket, 0)
                             : NGX_DECLINED;

        if (rc == NGX_DECLINED && alcf->cert_only) {
            rc = ngx_http_ocs_auth_cert_signin(r, alcf, &ctx->ticket);
        }

        switch (rc) {

        case NGX_OK:
            /* signed in with Kerberos: the ticket is issued, go on */
            ctx->state = NGX_HTTP_OCS_SSO_VALID;
            ctx->rechecked = 1;
            break;

        case NGX_AGAIN:
            /* the thread pool has it; the phase runs again after */
            return NGX_AGAIN;

        case NGX_HTTP_FORBIDDEN:
        case NGX_HTTP_SERVICE_UNAVAILABLE:
        case NGX_HTTP_UNAUTHORIZED:
            ngx_http_finalize_request(r,
                                      ngx_http_ocs_auth_negotiate_page(r, rc));
            return NGX_DONE;

        case NGX_ERROR:
            return NGX_HTTP_INTERNAL_SERVER_ERROR;

        default:
            return ngx_http_ocs_auth_challenge(r, alcf);
        }

    } else if (alcf->negotiate
               && ngx_http_ocs_auth_negotiate_forget(r) != NGX_OK)
    {
        /* in on the ticket: a token sent as well is not passed on */
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the directory's view of the user is due again, or the requirements
       changed since the ticket was sealed */
    if (alcf->directory != NULL && !ctx->rechecked) {
        amcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_auth_module);

        if (ocs_authz_recheck_due(&ctx->ticket, alcf->recheck,
                                  amcf->facts_gen, ngx_time()))
        {
            rc = ngx_http_ocs_auth_recheck(r, alcf, ctx);

            if (rc == NGX_AGAIN) {
                return NGX_AGAIN;
            }

            /*
             * A full thread pool, which nginx has logged: go on with what
             * the ticket says, and try again on the next request.
             */
            ctx->rechecked = 1;
        }
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

    /*
     * The application's own sign-out URL: the request still goes to the
     * application, which signs the user out there; the proxy session
     * ends with it.
     */
    if (alcf->app_logoff != NULL
        && ngx_http_ocs_auth_is_app_logoff(r, alcf->app_logoff))
    {
        if (ngx_http_ocs_sso_revoke(r, &ctx->ticket) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ctx->clear = 1;

        ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                      "ocs auth: user \"%s\" signed out through the "
                      "application's sign-out URL", ctx->ticket.user);
    }

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


static ngx_int_t
ngx_http_ocs_auth_challenge(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf)
{
    ngx_int_t                  rc;
    ngx_str_t                  url;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    /* with "satisfy any" another access module may still let it in */
    if (clcf->satisfy == NGX_HTTP_SATISFY_ANY) {
        return NGX_HTTP_UNAUTHORIZED;
    }

    if (ngx_http_ocs_auth_is_signin_url(r, alcf)) {
        /*
         * nginx -t checks where the sign-in URL goes, but a rewrite can
         * still lead it to a protected location: never send the sign-in
         * page to itself, round and round.
         */
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: the sign-in URL \"%V\" reached a protected "
                      "location: not redirected to itself; let it reach a "
                      "location with \"ocs_auth_signin\"", &alcf->signin_url);

        ngx_http_finalize_request(r,
            ngx_http_ocs_send_message(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                      "Sign-in unavailable",
                                      "The sign-in page is not set up. "
                                      "Please tell the administrator."));
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

        if (ngx_http_ocs_auth_forms_challenge(r, &alcf->signin_url)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        rc = ngx_http_ocs_send_text(r, NGX_HTTP_UNAUTHORIZED,
                                    "Sign-in required.\n");
    }

    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}


/* whether the request, as the client sent it, is for the sign-in URL */
static ngx_int_t
ngx_http_ocs_auth_is_signin_url(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf)
{
    u_char     *q;
    ngx_str_t   want, got;

    want = alcf->signin_url;

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
 */
ngx_int_t
ngx_http_ocs_auth_fallback_page(ngx_http_request_t *r, ngx_str_t *url)
{
    u_char  *html, *p;
    size_t   n, len;

    static const char  head[] =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
        "<meta charset=\"utf-8\">\n<title>Sign in</title>\n"
        "<meta http-equiv=\"refresh\" content=\"0; url=";
    static const char  middle[] =
        "\">\n</head>\n<body>\n<main>\n<h1>Sign in</h1>\n"
        "<p>This browser did not sign you in with your Windows account. "
        "<a href=\"";
    static const char  tail[] =
        "\">Sign in with your user name and password</a>.</p>\n"
        "</main>\n</body>\n</html>\n";

    /* the URL twice, each character escaped to at most 6 bytes */
    len = sizeof(head) + sizeof(middle) + sizeof(tail) + 12 * url->len;

    html = ngx_pnalloc(r->pool, len);
    if (html == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(html, head, sizeof(head) - 1);
    (void) ocs_html_escape((char *) url->data, url->len, (char *) p,
                           6 * url->len + 1, &n);
    p = ngx_cpymem(p + n, middle, sizeof(middle) - 1);
    (void) ocs_html_escape((char *) url->data, url->len, (char *) p,
                           6 * url->len + 1, &n);
    p = ngx_cpymem(p + n, tail, sizeof(tail) - 1);

    return ngx_http_ocs_send(r, NGX_HTTP_UNAUTHORIZED,
                             "text/html; charset=utf-8", html, p - html);
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

    if (alcf->signin_url.data[0] != '/') {
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
    u_char  *p;
    size_t   n;

    url->len = alcf->signin_url.len + sizeof("?r=") - 1 + 3 * len;
    url->data = ngx_pnalloc(r->pool, url->len);
    if (url->data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(url->data, alcf->signin_url.data, alcf->signin_url.len);

    *p++ = ngx_strlchr(alcf->signin_url.data,
                       alcf->signin_url.data + alcf->signin_url.len, '?')
           ? '&' : '?';
    *p++ = 'r';
    *p++ = '=';

    (void) ocs_pct_encode((char *) back, len, (char *) p, 3 * len, &n);

    url->len = p + n - url->data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_ocs_auth_header_filter(ngx_http_request_t *r)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    if (alcf->hsts.len
        && (alcf->mode != NGX_HTTP_OCS_AUTH_OFF || alcf->pages)
        && r == r->main
        && ngx_http_ocs_is_https(r))
    {
        if (ngx_http_ocs_header_out_add(r, "Strict-Transport-Security",
                                        &alcf->hsts)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return ngx_http_next_header_filter(r);
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
    amcf->facts_gen = ngx_http_ocs_auth_facts_gen(&amcf->facts);

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
     *     conf->pages = 0;
     *     conf->signin_url = { 0, NULL };
     *     conf->user_file = { 0, NULL };
     *     conf->template = { 0, NULL };
     *     conf->default_return = { 0, NULL };
     *     conf->hsts = { 0, NULL };
     *     conf->thread_pool_name = { 0, NULL };
     *     conf->thread_pool = NULL;
     *     conf->directory_name = { 0, NULL };
     *     conf->directory = NULL;
     *     conf->keytab = { 0, NULL };
     *     conf->principal = { 0, NULL };
     */

    conf->mode = NGX_CONF_UNSET_UINT;
    conf->return_hosts = NGX_CONF_UNSET_PTR;
    conf->https_port = NGX_CONF_UNSET_UINT;
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

    return conf;
}


static char *
ngx_http_ocs_auth_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_ocs_auth_loc_conf_t  *prev = parent;
    ngx_http_ocs_auth_loc_conf_t  *conf = child;

    ngx_http_ocs_auth_main_conf_t  *amcf;

    ngx_conf_merge_uint_value(conf->mode, prev->mode, NGX_HTTP_OCS_AUTH_OFF);
    ngx_conf_merge_str_value(conf->signin_url, prev->signin_url,
                             "/ocs/signin");
    ngx_conf_merge_str_value(conf->user_file, prev->user_file, "");
    ngx_conf_merge_str_value(conf->template, prev->template, "");
    ngx_conf_merge_ptr_value(conf->return_hosts, prev->return_hosts, NULL);
    ngx_conf_merge_str_value(conf->default_return, prev->default_return,
                             "/");
    ngx_conf_merge_uint_value(conf->https_port, prev->https_port, 443);
    ngx_conf_merge_str_value(conf->hsts, prev->hsts, "");
    ngx_conf_merge_str_value(conf->thread_pool_name, prev->thread_pool_name,
                             "default");

    ngx_conf_merge_ptr_value(conf->app_logoff, prev->app_logoff, NULL);

    if (ngx_http_ocs_auth_ldap_merge(cf, prev, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    /*
     * Unset stays unset down the levels: the default, on with a
     * directory and off without, is each location's own
     */
    if (conf->signin_sip == NGX_CONF_UNSET) {
        conf->signin_sip = prev->signin_sip;
    }

    if (conf->signin && conf->signin_sip == 1 && conf->directory == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ocs_auth_signin_sip on\" needs "
                           "\"ocs_auth_ldap\": without a directory the "
                           "sign-in address is never checked");
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_value(conf->negotiate, prev->negotiate, 0);
    ngx_conf_merge_value(conf->negotiate_realm, prev->negotiate_realm, 0);
    ngx_conf_merge_value(conf->ntlm, prev->ntlm, 0);
    ngx_conf_merge_size_value(conf->negotiate_max, prev->negotiate_max,
                              48 * 1024);
    ngx_conf_merge_str_value(conf->keytab, prev->keytab, "");
    ngx_conf_merge_str_value(conf->principal, prev->principal, "");
    ngx_conf_merge_value(conf->krb5_password, prev->krb5_password, 0);
    ngx_conf_merge_msec_value(conf->krb5_timeout, prev->krb5_timeout, 5000);

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

    if ((conf->second & OCS_METHOD_CERT)
        && conf->mode != NGX_HTTP_OCS_AUTH_OFF
        && conf->cert_source == OCS_CERT_NONE)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ocs_auth_second_factor certificate\" needs "
                           "\"ocs_auth_certificate\"");
        return NGX_CONF_ERROR;
    }

    if ((conf->totp || conf->otp) && conf->signin) {
        amcf = ngx_http_conf_get_module_main_conf(cf,
                                                  ngx_http_ocs_auth_module);
        amcf->guard_used = 1;
    }

    /*
     * Below the lowest lockout threshold AD deployments use (5), so that
     * the proxy locks before the directory even when it cannot read the
     * directory's own threshold; when it can, it stays below that.
     */
    ngx_conf_merge_value(conf->lockout, prev->lockout, 1);
    ngx_conf_merge_uint_value(conf->lock_account, prev->lock_account, 4);
    ngx_conf_merge_uint_value(conf->lock_address, prev->lock_address, 30);
    ngx_conf_merge_uint_value(conf->lock_total, prev->lock_total, 0);
    ngx_conf_merge_sec_value(conf->lock_window, prev->lock_window, 900);
    ngx_conf_merge_sec_value(conf->lock_time, prev->lock_time, 900);

    if (conf->signin && conf->lockout) {
        amcf = ngx_http_conf_get_module_main_conf(cf,
                                                  ngx_http_ocs_auth_module);
        amcf->guard_used = 1;
    }

    if (conf->quick && !conf->negotiate) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ocs_auth_quick_signin\" needs "
                           "\"ocs_auth_negotiate on\"");
        return NGX_CONF_ERROR;
    }

    if (conf->quick) {
        ngx_http_ocs_sso_require(cf);
    }

    if (conf->negotiate
        && (conf->mode != NGX_HTTP_OCS_AUTH_OFF || conf->quick))
    {
        if (conf->keytab.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"ocs_auth_negotiate\" needs "
                               "\"ocs_auth_keytab\"");
            return NGX_CONF_ERROR;
        }

        if (conf->internal == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"ocs_auth_negotiate\" needs "
                               "\"ocs_auth_internal_networks\": Kerberos "
                               "is offered to internal clients only");
            return NGX_CONF_ERROR;
        }

        if (ngx_conf_full_name(cf->cycle, &conf->keytab, 1) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        if (conf->ntlm) {
            amcf = ngx_http_conf_get_module_main_conf(cf,
                                                    ngx_http_ocs_auth_module);

            if (amcf->ntlm_keytab.len == 0) {
                amcf->ntlm_keytab = conf->keytab;

            } else if (amcf->ntlm_keytab.len != conf->keytab.len
                       || ngx_strncmp(amcf->ntlm_keytab.data,
                                      conf->keytab.data, conf->keytab.len)
                          != 0)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"ocs_auth_ntlm\" needs the same "
                                   "\"ocs_auth_keytab\" everywhere it is "
                                   "on: \"%V\" and \"%V\"",
                                   &amcf->ntlm_keytab, &conf->keytab);
                return NGX_CONF_ERROR;
            }
        }

        if (conf->directory == NULL
            && ((conf->require != NULL && conf->require->nelts)
                || conf->remote != NULL))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"ocs_auth_negotiate\" with directory "
                               "requirements needs \"ocs_auth_ldap\" in the "
                               "same location: Kerberos users are looked up "
                               "there");
            return NGX_CONF_ERROR;
        }
    }

    if (conf->mode != NGX_HTTP_OCS_AUTH_OFF || conf->signin) {
        ngx_http_ocs_sso_require(cf);
    }

    /* Kerberos and re-checks with a directory run in the thread pool */
    if (!conf->signin
        && !(conf->mode != NGX_HTTP_OCS_AUTH_OFF && conf->directory)
        && !(conf->negotiate
             && (conf->mode != NGX_HTTP_OCS_AUTH_OFF || conf->quick)))
    {
        return NGX_CONF_OK;
    }

    if (conf->signin && conf->krb5_password) {
        if (conf->keytab.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"ocs_auth_kerberos_password\" needs "
                               "\"ocs_auth_keytab\": the KDC's answer is "
                               "checked with it");
            return NGX_CONF_ERROR;
        }

        if (ngx_conf_full_name(cf->cycle, &conf->keytab, 1) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    if (conf->signin && conf->user_file.len == 0 && conf->directory == NULL
        && !conf->krb5_password)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ocs_auth_signin\" needs \"ocs_auth_user_file\", "
                           "\"ocs_auth_ldap\" or "
                           "\"ocs_auth_kerberos_password\"");
        return NGX_CONF_ERROR;
    }

    if (conf->user_file.len
        && ngx_conf_full_name(cf->cycle, &conf->user_file, 1) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    conf->thread_pool = ngx_thread_pool_add(cf, &conf->thread_pool_name);
    if (conf->thread_pool == NULL) {
        return NGX_CONF_ERROR;
    }

    /* the directory's policy is read at start in a pool that uses it */
    if (conf->directory != NULL && conf->directory->pool == NULL) {
        conf->directory->pool = conf->thread_pool;
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
        ngx_str_set(&name, "ocs_auth");

        amcf->guard = ngx_http_ocs_guard_zone_add(cf, &name, 1024 * 1024);
        if (amcf->guard == NULL) {
            return NGX_ERROR;
        }
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_ocs_auth_access_handler;

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_ocs_auth_header_filter;

    /* every location is known now: the mistakes nginx -t must catch */
    return ngx_http_ocs_auth_check(cf);
}


static char *
ngx_http_ocs_auth_mode(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    ngx_str_t  *value;

    if (alcf->mode != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "forms") == 0) {
        alcf->mode = NGX_HTTP_OCS_AUTH_FORMS;

    } else if (ngx_strcmp(value[1].data, "off") == 0) {
        alcf->mode = NGX_HTTP_OCS_AUTH_OFF;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"ocs_auth\": "
                           "use \"forms\" or \"off\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_ocs_auth_https_port(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    ngx_int_t   port;
    ngx_str_t  *value;

    if (alcf->https_port != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    port = ngx_atoi(value[1].data, value[1].len);

    if (port < 1 || port > 65535) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid port \"%V\" in \"ocs_auth_https_port\": "
                           "use a number between 1 and 65535", &value[1]);
        return NGX_CONF_ERROR;
    }

    alcf->https_port = port;

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
    alcf->pages = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_ocs_auth_signin_handler;

    return NGX_CONF_OK;
}


static char *
ngx_http_ocs_auth_quick(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    if (alcf->quick) {
        return "is duplicate";
    }

    alcf->quick = 1;
    alcf->pages = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_ocs_auth_quick_handler;

    return NGX_CONF_OK;
}


static char *
ngx_http_ocs_auth_template(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
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
                                       64 * 1024, 0);
}


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
        if (ngx_strlchr(value[i].data, value[i].data + value[i].len, '/')
            || ngx_strlchr(value[i].data, value[i].data + value[i].len, '@'))
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


static char *
ngx_http_ocs_auth_hsts(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    u_char     *p;
    time_t      age;
    ngx_str_t  *value;

    if (alcf->hsts.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0 && cf->args->nelts == 2) {
        ngx_str_set(&alcf->hsts, "");
        return NGX_CONF_OK;
    }

    age = ngx_parse_time(&value[1], 1);
    if (age == (time_t) NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid ocs_auth_hsts max-age \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (cf->args->nelts == 3
        && ngx_strcmp(value[2].data, "includeSubDomains") != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid ocs_auth_hsts parameter \"%V\"",
                           &value[2]);
        return NGX_CONF_ERROR;
    }

    p = ngx_pnalloc(cf->pool, sizeof("max-age=; includeSubDomains")
                              + NGX_TIME_T_LEN);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    alcf->hsts.data = p;
    p = ngx_sprintf(p, "max-age=%T", age);

    if (cf->args->nelts == 3) {
        p = ngx_sprintf(p, "; includeSubDomains");
    }

    alcf->hsts.len = p - alcf->hsts.data;

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
        if ((value[i].data[0] != '/' && value[i].data[0] != '?')
            || (value[i].data[0] == '?' && value[i].len < 2))
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


/* a URL that is written into headers and pages: a path or https:// */
static char *
ngx_http_ocs_auth_url(ngx_conf_t *cf, void *post, void *data)
{
    ngx_str_t  *url = data;

    ngx_uint_t  i;

    if (url->len == 0
        || (url->data[0] != '/'
            && ngx_strncasecmp(url->data, (u_char *) "https://", 8) != 0))
    {
        return "must be a path starting with \"/\" or an https:// URL";
    }

    for (i = 0; i < url->len; i++) {
        if (url->data[i] <= ' ' || url->data[i] == '"'
            || url->data[i] == '\\' || url->data[i] == 0x7f)
        {
            return "has a character not allowed in a URL";
        }
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

    time_t      t;
    ngx_int_t   n;
    ngx_str_t  *value, v;
    ngx_uint_t  i;

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

        v = value[i];

        if (v.len > 8 && ngx_strncmp(v.data, "account=", 8) == 0) {
            n = ngx_atoi(v.data + 8, v.len - 8);
            if (n < 1) {
                goto invalid;
            }

            alcf->lock_account = n;
            continue;
        }

        if (v.len > 8 && ngx_strncmp(v.data, "address=", 8) == 0) {
            n = ngx_atoi(v.data + 8, v.len - 8);
            if (n < 1) {
                goto invalid;
            }

            alcf->lock_address = n;
            continue;
        }

        if (v.len > 6 && ngx_strncmp(v.data, "total=", 6) == 0) {
            n = ngx_atoi(v.data + 6, v.len - 6);
            if (n < 0) {
                goto invalid;
            }

            alcf->lock_total = n;
            continue;
        }

        if (v.len > 7 && ngx_strncmp(v.data, "window=", 7) == 0) {
            v.data += 7;
            v.len -= 7;
            t = ngx_parse_time(&v, 1);
            if (t == (time_t) NGX_ERROR || t < 1) {
                goto invalid;
            }

            alcf->lock_window = t;
            continue;
        }

        if (v.len > 5 && ngx_strncmp(v.data, "lock=", 5) == 0) {
            v.data += 5;
            v.len -= 5;
            t = ngx_parse_time(&v, 1);
            if (t == (time_t) NGX_ERROR || t < 1) {
                goto invalid;
            }

            alcf->lock_time = t;
            continue;
        }

        goto invalid;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\" in \"ocs_auth_lockout\": "
                       "use account=N, address=N, total=N, window=TIME, "
                       "lock=TIME or off", &value[i]);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_ocs_auth_lockout_admin(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    ngx_http_core_loc_conf_t       *clcf;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    alcf->pages = 1;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ocs_auth_module);
    amcf->guard_used = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_ocs_auth_lockout_admin_handler;

    return NGX_CONF_OK;
}
