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

#include <ocs/ocs_login.h>


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

/*
 * The directory part of a sign-in (forms, Kerberos, certificate): with a
 * directory for r (OCSLDAP), fills conf->ld, directory, directory_len,
 * evaluate, evaluate_data and acct (in r->pool; evaluate_data keeps the
 * facts the evaluation finds) and returns OK; DECLINED when r signs in
 * without a directory.  conf->admit and admit_data stay the caller's
 * (the lockout's).  Used by ocs_ap_signin, ocs_ap_negotiate and
 * ocs_ap_factor.
 */
int ocs_ap_ldap_login_conf(request_rec *r, ocs_login_conf_t *conf);

/*
 * After OCS_LOGIN_OK with a directory (conf as ocs_ap_ldap_login_conf()
 * filled it): the directory's facts of the account into t.
 */
void ocs_ap_ldap_fill_ticket(request_rec *r, const ocs_login_conf_t *conf,
    ocs_ticket_t *t);

/* whether r's sign-in page asks for the sign-in address (SIP URI) */
int ocs_ap_ldap_has_sip(request_rec *r);

#endif /* OCS_AP_LDAP_H */
