/*
 * Second factors in mod_auth_ocs: TOTP, an external OTP server, client
 * certificates through mod_ssl, and the step-up.
 */

#ifndef OCS_AP_FACTOR_H
#define OCS_AP_FACTOR_H

#include <httpd.h>
#include <http_config.h>

#include "ocs_ap_sso.h"


typedef struct {
    int                  unused;
} ocs_ap_factor_srv_t;


typedef struct {
    int                  unused;
} ocs_ap_factor_dir_t;


/* this part's directives, in the module's command table */
#define OCS_AP_FACTOR_CMDS


void ocs_ap_factor_srv_init(apr_pool_t *p, ocs_ap_factor_srv_t *conf);
void ocs_ap_factor_srv_merge(apr_pool_t *p, ocs_ap_factor_srv_t *conf,
    const ocs_ap_factor_srv_t *base, const ocs_ap_factor_srv_t *add);
void ocs_ap_factor_dir_init(apr_pool_t *p, ocs_ap_factor_dir_t *conf);
void ocs_ap_factor_dir_merge(apr_pool_t *p, ocs_ap_factor_dir_t *conf,
    const ocs_ap_factor_dir_t *base, const ocs_ap_factor_dir_t *add);
int ocs_ap_factor_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s);
void ocs_ap_factor_child_init(apr_pool_t *p, server_rec *s);
void ocs_ap_factor_register_hooks(apr_pool_t *p);

/*
 * The second step of a signed-in request: OK (done or not needed), or
 * DONE (the step page or a redirect to it was sent).
 */
int ocs_ap_factor_check(request_rec *r, ocs_ap_sso_ctx_t *ctx);

/*
 * A sign-in by client certificate alone for a request without a
 * ticket: DECLINED (not configured or no certificate), OK (signed in),
 * DONE (refused, the answer sent).
 */
int ocs_ap_factor_cert_signin(request_rec *r, ocs_ap_sso_ctx_t *ctx);

#endif /* OCS_AP_FACTOR_H */
