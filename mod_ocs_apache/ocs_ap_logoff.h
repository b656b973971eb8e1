/*
 * Logoff in mod_auth_ocs: SetHandler ocs-logoff and ocs-logoff-admin,
 * OCSLogoffRedirect, OCSLogoffClearSiteData, and the application's own
 * logoff URL (OCSAppLogoff).
 */

#ifndef OCS_AP_LOGOFF_H
#define OCS_AP_LOGOFF_H

#include <httpd.h>
#include <http_config.h>

#include "ocs_ap_sso.h"


typedef struct {
    int                  unused;
} ocs_ap_logoff_srv_t;


typedef struct {
    int                  unused;
} ocs_ap_logoff_dir_t;


/* this part's directives, in the module's command table */
#define OCS_AP_LOGOFF_CMDS


void ocs_ap_logoff_srv_init(apr_pool_t *p, ocs_ap_logoff_srv_t *conf);
void ocs_ap_logoff_srv_merge(apr_pool_t *p, ocs_ap_logoff_srv_t *conf,
    const ocs_ap_logoff_srv_t *base, const ocs_ap_logoff_srv_t *add);
void ocs_ap_logoff_dir_init(apr_pool_t *p, ocs_ap_logoff_dir_t *conf);
void ocs_ap_logoff_dir_merge(apr_pool_t *p, ocs_ap_logoff_dir_t *conf,
    const ocs_ap_logoff_dir_t *base, const ocs_ap_logoff_dir_t *add);
int ocs_ap_logoff_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s);
void ocs_ap_logoff_child_init(apr_pool_t *p, server_rec *s);
void ocs_ap_logoff_register_hooks(apr_pool_t *p);

/*
 * The application's own logoff URL (OCSAppLogoff) for a signed-in
 * request: OK (go on, the session ended if it matched), or DONE.
 */
int ocs_ap_logoff_app(request_rec *r, ocs_ap_sso_ctx_t *ctx);

#endif /* OCS_AP_LOGOFF_H */
