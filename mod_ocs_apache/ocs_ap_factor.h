/*
 * Second factors in mod_auth_ocs: TOTP, an external OTP server, client
 * certificates through mod_ssl, and the step-up.
 *
 * A protected directory says which factors it takes (OCSSecondFactor);
 * a session without one is sent to the second step, which the sign-in
 * page serves at OCSSignInURL?step=2 as nginx does: a handler of this
 * part runs before the sign-in's own for "SetHandler ocs-signin" and
 * takes the requests of the second step (GET with step=2, a POST whose
 * "step" field is 2 or "signout"), leaving the rest to the sign-in.
 * The sign-in location says how codes are checked (OCSTOTP,
 * OCSOTPServer).  What each outcome answers and logs is core/ocs_step.
 */

#ifndef OCS_AP_FACTOR_H
#define OCS_AP_FACTOR_H

#include <httpd.h>
#include <http_config.h>

#include <ocs/ocs_factor.h>

#include "ocs_ap_sso.h"


typedef struct {
    int                  second;         /* OCS_METHOD_* bits, 0 off;
                                            OCS_AP_UNSET */
    int                  external;       /* goes with second */
    int                  totp;           /* OCS_AP_UNSET: off */
    int                  otp_set;        /* 0: unset */
    const ocs_otp_conf_t *otp;           /* with otp_set; NULL: off */
    int                  cert_source;    /* OCS_CERT_*; OCS_AP_UNSET */
    const char          *cert_domain;    /* goes with cert_source */
    int                  cert_only;      /* goes with cert_source */
} ocs_ap_factor_dir_t;


/* this part's directives, in the module's command table */
#define OCS_AP_FACTOR_CMDS                                                   \
    AP_INIT_RAW_ARGS("OCSSecondFactor", ocs_ap_factor_second_factor, NULL,   \
                     RSRC_CONF | ACCESS_CONF,                                \
                     "totp | otp | certificate ... [external] | off"),       \
    AP_INIT_FLAG("OCSTOTP", ocs_ap_factor_totp, NULL,                        \
                 RSRC_CONF | ACCESS_CONF,                                    \
                 "whether the second step checks TOTP codes (default off)"), \
    AP_INIT_RAW_ARGS("OCSOTPServer", ocs_ap_factor_otp_server, NULL,         \
                     RSRC_CONF | ACCESS_CONF,                                \
                     "https://... [ca=file] [timeout=time] [realm=name] "    \
                     "| off"),                                               \
    AP_INIT_RAW_ARGS("OCSClientCertificate", ocs_ap_factor_certificate,      \
                     NULL, RSRC_CONF | ACCESS_CONF,                          \
                     "identity=upn|email|cn [domain=name] [only] | off"),


const char *ocs_ap_factor_second_factor(cmd_parms *cmd, void *mconfig,
    const char *args);
const char *ocs_ap_factor_totp(cmd_parms *cmd, void *mconfig, int on);
const char *ocs_ap_factor_otp_server(cmd_parms *cmd, void *mconfig,
    const char *args);
const char *ocs_ap_factor_certificate(cmd_parms *cmd, void *mconfig,
    const char *args);


void ocs_ap_factor_dir_init(apr_pool_t *p, ocs_ap_factor_dir_t *conf);
void ocs_ap_factor_dir_merge(apr_pool_t *p, ocs_ap_factor_dir_t *conf,
    const ocs_ap_factor_dir_t *base, const ocs_ap_factor_dir_t *add);
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


/* between this part's files (ocs_ap_factor_step.c) */

/*
 * The second step's handler, for "SetHandler ocs-signin": DECLINED for
 * a request of the first step, else what was answered.
 */
int ocs_ap_factor_step_handler(request_rec *r);

/*
 * The sign-in URL with "step=2&f=N" (N: the code factors of required)
 * and this request as the way back
 */
const char *ocs_ap_factor_step_url(request_rec *r, unsigned required);

/*
 * A second step that cannot be taken: why, and the way back, a sign-out
 * posted to action (NULL: this URL); back is the return URL.  DONE.
 */
int ocs_ap_factor_step_end(request_rec *r, int status,
    ocs_ap_sso_ctx_t *sso, const char *action, const char *back,
    const char *title, const char *message);

/* logs an outcome of ocs_step.h at its level ("ocs auth: ...") */
void ocs_ap_factor_log(request_rec *r, int level, const char *reason);

#endif /* OCS_AP_FACTOR_H */
