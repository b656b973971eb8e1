/*
 * Conference keys in mod_auth_ocs: AuthType OCS-Conference (Digest with
 * the conference key), the join page (SetHandler ocs-join) and the
 * participant's restricted ticket.
 */

#ifndef OCS_AP_CONFERENCE_H
#define OCS_AP_CONFERENCE_H

#include <httpd.h>
#include <http_config.h>

#include "ocs_ap_sso.h"


typedef struct {
    int                  unused;
} ocs_ap_conference_srv_t;


typedef struct {
    int                  unused;
} ocs_ap_conference_dir_t;


/* this part's directives, in the module's command table */
#define OCS_AP_CONFERENCE_CMDS


void ocs_ap_conference_srv_init(apr_pool_t *p, ocs_ap_conference_srv_t *conf);
void ocs_ap_conference_srv_merge(apr_pool_t *p, ocs_ap_conference_srv_t *conf,
    const ocs_ap_conference_srv_t *base, const ocs_ap_conference_srv_t *add);
void ocs_ap_conference_dir_init(apr_pool_t *p, ocs_ap_conference_dir_t *conf);
void ocs_ap_conference_dir_merge(apr_pool_t *p, ocs_ap_conference_dir_t *conf,
    const ocs_ap_conference_dir_t *base, const ocs_ap_conference_dir_t *add);
int ocs_ap_conference_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s);
void ocs_ap_conference_child_init(apr_pool_t *p, server_rec *s);
void ocs_ap_conference_register_hooks(apr_pool_t *p);

/* a request of an AuthType OCS-Conference directory: OK or DONE */
int ocs_ap_conference_check(request_rec *r);

/* a participant's ticket in any directory: OK (its conference) or DONE */
int ocs_ap_conference_participant(request_rec *r, ocs_ap_sso_ctx_t *ctx);

#endif /* OCS_AP_CONFERENCE_H */
