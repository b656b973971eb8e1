/*
 * Integrated Windows authentication in mod_auth_ocs: SPNEGO/Kerberos and
 * NTLM (gss-ntlmssp) for internal networks, then the ticket.
 */

#include "mod_auth_ocs.h"


void
ocs_ap_negotiate_srv_init(apr_pool_t *p, ocs_ap_negotiate_srv_t *conf)
{
    (void) p;
    conf->unused = 0;
}


void
ocs_ap_negotiate_srv_merge(apr_pool_t *p, ocs_ap_negotiate_srv_t *conf,
    const ocs_ap_negotiate_srv_t *base, const ocs_ap_negotiate_srv_t *add)
{
    (void) p;
    (void) base;
    (void) add;
    conf->unused = 0;
}


void
ocs_ap_negotiate_dir_init(apr_pool_t *p, ocs_ap_negotiate_dir_t *conf)
{
    (void) p;
    conf->unused = 0;
}


void
ocs_ap_negotiate_dir_merge(apr_pool_t *p, ocs_ap_negotiate_dir_t *conf,
    const ocs_ap_negotiate_dir_t *base, const ocs_ap_negotiate_dir_t *add)
{
    (void) p;
    (void) base;
    (void) add;
    conf->unused = 0;
}


int
ocs_ap_negotiate_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s)
{
    (void) pconf;
    (void) plog;
    (void) ptemp;
    (void) s;

    return OK;
}


void
ocs_ap_negotiate_child_init(apr_pool_t *p, server_rec *s)
{
    (void) p;
    (void) s;
}


void
ocs_ap_negotiate_register_hooks(apr_pool_t *p)
{
    (void) p;
}


int
ocs_ap_negotiate_try(request_rec *r, ocs_ap_sso_ctx_t *ctx)
{
    (void) r;
    (void) ctx;

    return DECLINED;
}


void
ocs_ap_negotiate_forget(request_rec *r)
{
    (void) r;
}
