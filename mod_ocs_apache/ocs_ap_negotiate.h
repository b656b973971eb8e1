/*
 * Integrated Windows authentication in mod_auth_ocs: SPNEGO/Kerberos and
 * NTLM (gss-ntlmssp) for internal networks, then the ticket.
 */

#ifndef OCS_AP_NEGOTIATE_H
#define OCS_AP_NEGOTIATE_H

#include <httpd.h>
#include <http_config.h>

#include "ocs_ap_sso.h"


typedef struct {
    int                  unused;
} ocs_ap_negotiate_srv_t;


typedef struct {
    int                  unused;
} ocs_ap_negotiate_dir_t;


/* this part's directives, in the module's command table */
#define OCS_AP_NEGOTIATE_CMDS


void ocs_ap_negotiate_srv_init(apr_pool_t *p, ocs_ap_negotiate_srv_t *conf);
void ocs_ap_negotiate_srv_merge(apr_pool_t *p, ocs_ap_negotiate_srv_t *conf,
    const ocs_ap_negotiate_srv_t *base, const ocs_ap_negotiate_srv_t *add);
void ocs_ap_negotiate_dir_init(apr_pool_t *p, ocs_ap_negotiate_dir_t *conf);
void ocs_ap_negotiate_dir_merge(apr_pool_t *p, ocs_ap_negotiate_dir_t *conf,
    const ocs_ap_negotiate_dir_t *base, const ocs_ap_negotiate_dir_t *add);
int ocs_ap_negotiate_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s);
void ocs_ap_negotiate_child_init(apr_pool_t *p, server_rec *s);
void ocs_ap_negotiate_register_hooks(apr_pool_t *p);

/*
 * Negotiate for a request without a valid ticket: DECLINED (not for
 * this request: go on to the challenge), OK (signed in: ctx holds the
 * new ticket), DONE (the next leg, a 401 or an error page, was sent).
 */
int ocs_ap_negotiate_try(request_rec *r, ocs_ap_sso_ctx_t *ctx);

/* a request in on its ticket: a Negotiate/NTLM token it sent goes */
void ocs_ap_negotiate_forget(request_rec *r);

#endif /* OCS_AP_NEGOTIATE_H */
