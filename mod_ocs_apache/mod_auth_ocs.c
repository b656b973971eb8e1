/*
 * mod_auth_ocs: the authenticating reverse proxy of the perimeter, for
 * Apache httpd 2.4, on the same core as the nginx modules.
 *
 * This file holds the module record, the command table made of each
 * part's directives, the configurations made and merged part by part,
 * and the order in which a protected request is answered (check_authn,
 * the counterpart of ngx_http_ocs_auth_access_handler): the HTTPS
 * policy, the ticket, Kerberos or a certificate, the challenge, the
 * directory's re-check, authorization, the second step, the user.
 */

#include "mod_auth_ocs.h"

#include <mod_auth.h>


static void *ocs_ap_create_srv(apr_pool_t *p, server_rec *s);
static void *ocs_ap_merge_srv(apr_pool_t *p, void *basev, void *addv);
static void *ocs_ap_create_dir(apr_pool_t *p, char *path);
static void *ocs_ap_merge_dir(apr_pool_t *p, void *basev, void *addv);
static int ocs_ap_check_authn(request_rec *r);
static int ocs_ap_no_ticket(request_rec *r, ocs_ap_dir_t *dir,
    ocs_ap_sso_ctx_t *ctx);
static int ocs_ap_pages_access(request_rec *r);
static int ocs_ap_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s);
static void ocs_ap_child_init(apr_pool_t *p, server_rec *s);
static void ocs_ap_register_hooks(apr_pool_t *p);


static const command_rec  ocs_ap_cmds[] = {
    OCS_AP_HTTP_CMDS
    OCS_AP_SSO_CMDS
    OCS_AP_STORE_CMDS
    OCS_AP_SIGNIN_CMDS
    OCS_AP_LDAP_CMDS
    OCS_AP_LOGOFF_CMDS
    OCS_AP_GUARD_CMDS
    OCS_AP_NEGOTIATE_CMDS
    OCS_AP_FACTOR_CMDS
    OCS_AP_CONFERENCE_CMDS
    OCS_AP_PUBLISH_CMDS
    { .name = NULL }
};


module AP_MODULE_DECLARE_DATA  auth_ocs_module = {
    STANDARD20_MODULE_STUFF,
    ocs_ap_create_dir,
    ocs_ap_merge_dir,
    ocs_ap_create_srv,
    ocs_ap_merge_srv,
    ocs_ap_cmds,
    ocs_ap_register_hooks
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    , AP_MODULE_FLAG_ALWAYS_MERGE
#endif
};


static void *
ocs_ap_create_srv(apr_pool_t *p, server_rec *s)
{
    ocs_ap_srv_t  *conf;

    (void) s;

    conf = apr_pcalloc(p, sizeof(ocs_ap_srv_t));

    ocs_ap_sso_srv_init(p, &conf->sso);
    ocs_ap_store_srv_init(p, &conf->store);
    ocs_ap_ldap_srv_init(p, &conf->ldap);
    ocs_ap_negotiate_srv_init(p, &conf->negotiate);

    return conf;
}


static void *
ocs_ap_merge_srv(apr_pool_t *p, void *basev, void *addv)
{
    ocs_ap_srv_t  *base = basev;
    ocs_ap_srv_t  *add = addv;
    ocs_ap_srv_t  *conf;

    conf = apr_pcalloc(p, sizeof(ocs_ap_srv_t));

    ocs_ap_sso_srv_merge(p, &conf->sso, &base->sso, &add->sso);
    ocs_ap_store_srv_merge(p, &conf->store, &base->store, &add->store);
    ocs_ap_ldap_srv_merge(p, &conf->ldap, &base->ldap, &add->ldap);
    ocs_ap_negotiate_srv_merge(p, &conf->negotiate, &base->negotiate,
                               &add->negotiate);

    return conf;
}


static void *
ocs_ap_create_dir(apr_pool_t *p, char *path)
{
    ocs_ap_dir_t  *conf;

    (void) path;

    conf = apr_pcalloc(p, sizeof(ocs_ap_dir_t));

    ocs_ap_http_dir_init(p, &conf->http);
    ocs_ap_sso_dir_init(p, &conf->sso);
    ocs_ap_signin_dir_init(p, &conf->signin);
    ocs_ap_ldap_dir_init(p, &conf->ldap);
    ocs_ap_logoff_dir_init(p, &conf->logoff);
    ocs_ap_guard_dir_init(p, &conf->guard);
    ocs_ap_negotiate_dir_init(p, &conf->negotiate);
    ocs_ap_factor_dir_init(p, &conf->factor);
    ocs_ap_conference_dir_init(p, &conf->conference);
    ocs_ap_publish_dir_init(p, &conf->publish);

    return conf;
}


/* runs at request time too (Apache merges per request): cheap, no I/O */
static void *
ocs_ap_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    ocs_ap_dir_t  *base = basev;
    ocs_ap_dir_t  *add = addv;
    ocs_ap_dir_t  *conf;

    conf = apr_pcalloc(p, sizeof(ocs_ap_dir_t));

    ocs_ap_http_dir_merge(p, &conf->http, &base->http, &add->http);
    ocs_ap_sso_dir_merge(p, &conf->sso, &base->sso, &add->sso);
    ocs_ap_signin_dir_merge(p, &conf->signin, &base->signin, &add->signin);
    ocs_ap_ldap_dir_merge(p, &conf->ldap, &base->ldap, &add->ldap);
    ocs_ap_logoff_dir_merge(p, &conf->logoff, &base->logoff, &add->logoff);
    ocs_ap_guard_dir_merge(p, &conf->guard, &base->guard, &add->guard);
    ocs_ap_negotiate_dir_merge(p, &conf->negotiate, &base->negotiate,
                               &add->negotiate);
    ocs_ap_factor_dir_merge(p, &conf->factor, &base->factor, &add->factor);
    ocs_ap_conference_dir_merge(p, &conf->conference, &base->conference,
                                &add->conference);
    ocs_ap_publish_dir_merge(p, &conf->publish, &base->publish,
                             &add->publish);

    return conf;
}


/*
 * A request whose directory has AuthType OCS-Forms, OCS-Negotiate or
 * OCS-Conference: the same steps, in the same order, as the nginx
 * access handler.
 */
static int
ocs_ap_check_authn(request_rec *r)
{
    int                rc, mode;
    const char        *type;
    ocs_ap_dir_t      *dir;
    ocs_ap_sso_ctx_t  *ctx;

    type = ocs_ap_auth_type_check(r, &mode);
    if (type == NULL) {
        return DECLINED;
    }

    dir = ocs_ap_dir(r);

    rc = ocs_ap_refuse_plain(r);
    if (rc != DECLINED) {
        return rc;
    }

    if (mode == OCS_AP_AUTH_CONFERENCE) {
        return ocs_ap_conference_check(r);
    }

    ctx = ocs_ap_sso_verify(r);
    if (ctx == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->state == OCS_AP_SSO_VALID && ctx->ticket.conference_len) {
        /* a participant's ticket opens its conference and nothing else */
        return ocs_ap_conference_participant(r, ctx);
    }

    if (ctx->state != OCS_AP_SSO_VALID) {
        rc = ocs_ap_no_ticket(r, dir, ctx);
        if (rc != OK) {
            return rc;
        }

    } else if (mode == OCS_AP_AUTH_NEGOTIATE) {
        /* in on the ticket: a token sent as well is not passed on */
        ocs_ap_negotiate_forget(r);
    }

    rc = ocs_ap_ldap_recheck(r, ctx);

    if (rc == OK && ctx->state != OCS_AP_SSO_VALID) {
        /* the re-check ended the session: as a request without a ticket */
        rc = ocs_ap_no_ticket(r, dir, ctx);
    }

    if (rc != OK) {
        return rc;
    }

    rc = ocs_ap_ldap_authorize(r, &ctx->ticket);
    if (rc != OK) {
        return rc;
    }

    rc = ocs_ap_factor_check(r, ctx);
    if (rc != OK) {
        return rc;
    }

    ocs_ap_sso_set_user(r, &ctx->ticket);

    return ocs_ap_logoff_app(r, ctx);
}


/*
 * A request without a valid ticket: Kerberos or a certificate may sign
 * it in here (OK: the ticket is issued, go on); otherwise the challenge.
 */
static int
ocs_ap_no_ticket(request_rec *r, ocs_ap_dir_t *dir, ocs_ap_sso_ctx_t *ctx)
{
    int  rc;

    (void) dir;

    rc = (ocs_ap_auth_mode(r) == OCS_AP_AUTH_NEGOTIATE)
         ? ocs_ap_negotiate_try(r, ctx) : DECLINED;

    if (rc == DECLINED) {
        rc = ocs_ap_factor_cert_signin(r, ctx);
    }

    if (rc == OK) {
        ctx->state = OCS_AP_SSO_VALID;
        ctx->rechecked = 1;
        return OK;
    }

    if (rc != DECLINED) {
        return rc;
    }

    return ocs_ap_signin_challenge(r);
}


/*
 * The sign-in and logoff pages are never behind an inherited Require:
 * an access_checker_ex that says OK ends the access checks before
 * authentication (server/request.c), as nginx never protects them.
 * Their own handlers do what each page needs.  The admin pages (2) go
 * through Apache's checks, which protect them as allow/deny and
 * auth_basic do on nginx.
 */
static int
ocs_ap_pages_access(request_rec *r)
{
    if (ocs_ap_is_page(r) != 1) {
        return DECLINED;
    }

    return OK;
}


static int
ocs_ap_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
    server_rec *s)
{
    int          rc;
    server_rec  *vs;

    if (ocs_init() != OCS_OK) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "ocs: cannot initialise the core library");
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the parts that keep state for every server: the main server's */
    rc = ocs_ap_sso_post_config(pconf, plog, ptemp, s);
    if (rc == OK) {
        rc = ocs_ap_store_post_config(pconf, plog, ptemp, s);
    }

    for (vs = s; vs != NULL && rc == OK; vs = vs->next) {
        rc = ocs_ap_ldap_post_config(pconf, plog, ptemp, vs);
    }

    return rc;
}


static void
ocs_ap_child_init(apr_pool_t *p, server_rec *s)
{
    server_rec  *vs;

    ocs_ap_sso_child_init(p, s);
    ocs_ap_store_child_init(p, s);

    for (vs = s; vs != NULL; vs = vs->next) {
        ocs_ap_ldap_child_init(p, vs);
        ocs_ap_negotiate_child_init(p, vs);
        ocs_ap_conference_child_init(p, vs);
    }
}


static void
ocs_ap_register_hooks(apr_pool_t *p)
{
    ap_hook_post_config(ocs_ap_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(ocs_ap_child_init, NULL, NULL, APR_HOOK_MIDDLE);

    ap_hook_check_access_ex(ocs_ap_pages_access, NULL, NULL, APR_HOOK_FIRST,
                            AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_authn(ocs_ap_check_authn, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);

    ocs_ap_http_register_hooks(p);
    ocs_ap_sso_register_hooks(p);
    ocs_ap_identity_register_hooks(p);
    ocs_ap_store_register_hooks(p);
    ocs_ap_signin_register_hooks(p);
    ocs_ap_logoff_register_hooks(p);
    ocs_ap_guard_register_hooks(p);
    ocs_ap_negotiate_register_hooks(p);
    ocs_ap_factor_register_hooks(p);
    ocs_ap_conference_register_hooks(p);
    ocs_ap_publish_register_hooks(p);
}
