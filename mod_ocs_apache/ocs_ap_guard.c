/*
 * Lockout in mod_auth_ocs: OCSLockout, the counts kept in the shared
 * store across processes, and the administrator's page (SetHandler ocs-
 * lockout-admin).
 */

#include "mod_auth_ocs.h"


void
ocs_ap_guard_srv_init(apr_pool_t *p, ocs_ap_guard_srv_t *conf)
{
    (void) p;
    conf->unused = 0;
}


void
ocs_ap_guard_srv_merge(apr_pool_t *p, ocs_ap_guard_srv_t *conf,
    const ocs_ap_guard_srv_t *base, const ocs_ap_guard_srv_t *add)
{
    (void) p;
    (void) base;
    (void) add;
    conf->unused = 0;
}


void
ocs_ap_guard_dir_init(apr_pool_t *p, ocs_ap_guard_dir_t *conf)
{
    (void) p;
    conf->unused = 0;
}


void
ocs_ap_guard_dir_merge(apr_pool_t *p, ocs_ap_guard_dir_t *conf,
    const ocs_ap_guard_dir_t *base, const ocs_ap_guard_dir_t *add)
{
    (void) p;
    (void) base;
    (void) add;
    conf->unused = 0;
}


int
ocs_ap_guard_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s)
{
    (void) pconf;
    (void) plog;
    (void) ptemp;
    (void) s;

    return OK;
}


void
ocs_ap_guard_child_init(apr_pool_t *p, server_rec *s)
{
    (void) p;
    (void) s;
}


void
ocs_ap_guard_register_hooks(apr_pool_t *p)
{
    (void) p;
}
