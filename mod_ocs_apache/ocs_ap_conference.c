/*
 * Conference keys in mod_auth_ocs: AuthType OCS-Conference (Digest with
 * the conference key), the join page (SetHandler ocs-join) and the
 * participant's restricted ticket.
 */

#include "mod_auth_ocs.h"


void
ocs_ap_conference_srv_init(apr_pool_t *p, ocs_ap_conference_srv_t *conf)
{
    (void) p;
    conf->unused = 0;
}


void
ocs_ap_conference_srv_merge(apr_pool_t *p, ocs_ap_conference_srv_t *conf,
    const ocs_ap_conference_srv_t *base, const ocs_ap_conference_srv_t *add)
{
    (void) p;
    (void) base;
    (void) add;
    conf->unused = 0;
}


void
ocs_ap_conference_dir_init(apr_pool_t *p, ocs_ap_conference_dir_t *conf)
{
    (void) p;
    conf->unused = 0;
}


void
ocs_ap_conference_dir_merge(apr_pool_t *p, ocs_ap_conference_dir_t *conf,
    const ocs_ap_conference_dir_t *base, const ocs_ap_conference_dir_t *add)
{
    (void) p;
    (void) base;
    (void) add;
    conf->unused = 0;
}


int
ocs_ap_conference_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s)
{
    (void) pconf;
    (void) plog;
    (void) ptemp;
    (void) s;

    return OK;
}


void
ocs_ap_conference_child_init(apr_pool_t *p, server_rec *s)
{
    (void) p;
    (void) s;
}


void
ocs_ap_conference_register_hooks(apr_pool_t *p)
{
    (void) p;
}


int
ocs_ap_conference_check(request_rec *r)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  "ocs: AuthType OCS-Conference is not built yet");

    return HTTP_NOT_IMPLEMENTED;
}


int
ocs_ap_conference_participant(request_rec *r, ocs_ap_sso_ctx_t *ctx)
{
    (void) ctx;

    return ocs_ap_send_text(r, HTTP_FORBIDDEN, "Access denied.");
}
