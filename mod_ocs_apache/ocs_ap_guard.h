/*
 * Lockout in mod_auth_ocs: OCSLockout, the counts kept in the shared
 * store across processes, and the administrator's page (SetHandler ocs-
 * lockout-admin).
 */

#ifndef OCS_AP_GUARD_H
#define OCS_AP_GUARD_H

#include <httpd.h>
#include <http_config.h>


typedef struct {
    int                  unused;
} ocs_ap_guard_srv_t;


typedef struct {
    int                  unused;
} ocs_ap_guard_dir_t;


/* this part's directives, in the module's command table */
#define OCS_AP_GUARD_CMDS


void ocs_ap_guard_srv_init(apr_pool_t *p, ocs_ap_guard_srv_t *conf);
void ocs_ap_guard_srv_merge(apr_pool_t *p, ocs_ap_guard_srv_t *conf,
    const ocs_ap_guard_srv_t *base, const ocs_ap_guard_srv_t *add);
void ocs_ap_guard_dir_init(apr_pool_t *p, ocs_ap_guard_dir_t *conf);
void ocs_ap_guard_dir_merge(apr_pool_t *p, ocs_ap_guard_dir_t *conf,
    const ocs_ap_guard_dir_t *base, const ocs_ap_guard_dir_t *add);
int ocs_ap_guard_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s);
void ocs_ap_guard_child_init(apr_pool_t *p, server_rec *s);
void ocs_ap_guard_register_hooks(apr_pool_t *p);


#endif /* OCS_AP_GUARD_H */
