/*
 * Logoff in mod_auth_ocs: SetHandler ocs-logoff and ocs-logoff-admin,
 * OCSLogoffRedirect, OCSLogoffClearSiteData, and the application's own
 * logoff URL (OCSAppLogoff).
 */

#include "mod_auth_ocs.h"


void
ocs_ap_logoff_srv_init(apr_pool_t *p, ocs_ap_logoff_srv_t *conf)
{
    (void) p;
    conf->unused = 0;
}


void
ocs_ap_logoff_srv_merge(apr_pool_t *p, ocs_ap_logoff_srv_t *conf,
    const ocs_ap_logoff_srv_t *base, const ocs_ap_logoff_srv_t *add)
{
    (void) p;
    (void) base;
    (void) add;
    conf->unused = 0;
}


void
ocs_ap_logoff_dir_init(apr_pool_t *p, ocs_ap_logoff_dir_t *conf)
{
    (void) p;
    conf->unused = 0;
}


void
ocs_ap_logoff_dir_merge(apr_pool_t *p, ocs_ap_logoff_dir_t *conf,
    const ocs_ap_logoff_dir_t *base, const ocs_ap_logoff_dir_t *add)
{
    (void) p;
    (void) base;
    (void) add;
    conf->unused = 0;
}


int
ocs_ap_logoff_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s)
{
    (void) pconf;
    (void) plog;
    (void) ptemp;
    (void) s;

    return OK;
}


void
ocs_ap_logoff_child_init(apr_pool_t *p, server_rec *s)
{
    (void) p;
    (void) s;
}


void
ocs_ap_logoff_register_hooks(apr_pool_t *p)
{
    (void) p;
}


int
ocs_ap_logoff_app(request_rec *r, ocs_ap_sso_ctx_t *ctx)
{
    (void) r;
    (void) ctx;

    return OK;
}
