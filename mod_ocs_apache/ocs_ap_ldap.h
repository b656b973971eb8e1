/*
 * The directory in mod_auth_ocs: <OCSDirectory> definitions, the
 * directory a location signs in with, its authorization requirements
 * (Require ocs-*), the remote-access and SIP checks, and the re-check of
 * a ticket's facts.
 */

#ifndef OCS_AP_LDAP_H
#define OCS_AP_LDAP_H

#include <httpd.h>
#include <http_config.h>

#include "ocs_ap_sso.h"


typedef struct {
    int                  unused;
} ocs_ap_ldap_srv_t;


typedef struct {
    int                  unused;
} ocs_ap_ldap_dir_t;


/* this part's directives, in the module's command table */
#define OCS_AP_LDAP_CMDS


void ocs_ap_ldap_srv_init(apr_pool_t *p, ocs_ap_ldap_srv_t *conf);
void ocs_ap_ldap_srv_merge(apr_pool_t *p, ocs_ap_ldap_srv_t *conf,
    const ocs_ap_ldap_srv_t *base, const ocs_ap_ldap_srv_t *add);
void ocs_ap_ldap_dir_init(apr_pool_t *p, ocs_ap_ldap_dir_t *conf);
void ocs_ap_ldap_dir_merge(apr_pool_t *p, ocs_ap_ldap_dir_t *conf,
    const ocs_ap_ldap_dir_t *base, const ocs_ap_ldap_dir_t *add);
int ocs_ap_ldap_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s);
void ocs_ap_ldap_child_init(apr_pool_t *p, server_rec *s);
void ocs_ap_ldap_register_hooks(apr_pool_t *p);

/*
 * Asks the directory again when the ticket's facts are due: OK (go on,
 * the ticket updated or unchanged), DONE (the session ended, the answer
 * sent) or 500.
 */
int ocs_ap_ldap_recheck(request_rec *r, ocs_ap_sso_ctx_t *ctx);

/* the directory's requirements against t: OK, or DONE (403 sent) */
int ocs_ap_ldap_authorize(request_rec *r, ocs_ticket_t *t);

#endif /* OCS_AP_LDAP_H */
