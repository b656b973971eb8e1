/*
 * Integrated Windows authentication in mod_auth_ocs: SPNEGO/Kerberos and
 * NTLM (gss-ntlmssp) for internal networks, then the ticket.
 *
 * AuthType OCS-Negotiate is nginx's "ocs_auth forms" with
 * "ocs_auth_negotiate on": internal clients are offered Negotiate (and
 * NTLM with OCSNTLM), everyone else the sign-in form.  OCSKeytab,
 * OCSServicePrincipal, OCSNTLM, OCSNegotiateKeepRealm and
 * OCSNegotiateMaxToken pair with ocs_auth_keytab,
 * ocs_auth_service_principal, ocs_auth_ntlm,
 * ocs_auth_negotiate_keep_realm and ocs_auth_negotiate_max_token;
 * "SetHandler ocs-quick-signin" with ocs_auth_quick_signin.
 */

#ifndef OCS_AP_NEGOTIATE_H
#define OCS_AP_NEGOTIATE_H

#include <httpd.h>
#include <http_config.h>

#include "ocs_ap_sso.h"


typedef struct {
    const char          *ntlm_keytab;    /* the one keytab of OCSNTLM, set
                                            by the configuration check; in
                                            the main server's */
} ocs_ap_negotiate_srv_t;


typedef struct {
    const char          *keytab;         /* NULL: unset; full path */
    const char          *principal;      /* NULL: unset; "": any */
    int                  ntlm;           /* OCS_AP_UNSET: off */
    int                  keep_realm;     /* OCS_AP_UNSET: off */
    int64_t              max_token;      /* OCS_AP_UNSET: the core's */
} ocs_ap_negotiate_dir_t;


/* the handler of the quick sign-in URL (ocs_auth_quick_signin) */
#define OCS_AP_HANDLER_QUICK  "ocs-quick-signin"


/* this part's directives, in the module's command table */
#define OCS_AP_NEGOTIATE_CMDS                                                \
    AP_INIT_TAKE1("OCSKeytab", ocs_ap_negotiate_keytab_cmd, NULL,            \
                  RSRC_CONF | ACCESS_CONF,                                   \
                  "the keytab with the proxy's service keys"),               \
    AP_INIT_TAKE1("OCSServicePrincipal", ocs_ap_negotiate_principal_cmd,     \
                  NULL, RSRC_CONF | ACCESS_CONF,                             \
                  "the only service principal Kerberos tickets may be for " \
                  "| any"),                                                  \
    AP_INIT_FLAG("OCSNTLM", ocs_ap_negotiate_flag_cmd, (void *) 0,           \
                 RSRC_CONF | ACCESS_CONF,                                    \
                 "whether NTLM is accepted too (default off)"),              \
    AP_INIT_FLAG("OCSNegotiateKeepRealm", ocs_ap_negotiate_flag_cmd,         \
                 (void *) 1, RSRC_CONF | ACCESS_CONF,                        \
                 "whether user names keep their realm or domain "            \
                 "(default off)"),                                           \
    AP_INIT_TAKE1("OCSNegotiateMaxToken", ocs_ap_negotiate_max_token_cmd,    \
                  NULL, RSRC_CONF | ACCESS_CONF,                             \
                  "the largest Negotiate token accepted (default 48k)"),


const char *ocs_ap_negotiate_keytab_cmd(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_negotiate_principal_cmd(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_negotiate_flag_cmd(cmd_parms *cmd, void *mconfig,
    int on);
const char *ocs_ap_negotiate_max_token_cmd(cmd_parms *cmd, void *mconfig,
    const char *arg);

void ocs_ap_negotiate_srv_init(apr_pool_t *p, ocs_ap_negotiate_srv_t *conf);
void ocs_ap_negotiate_srv_merge(apr_pool_t *p, ocs_ap_negotiate_srv_t *conf,
    const ocs_ap_negotiate_srv_t *base, const ocs_ap_negotiate_srv_t *add);
void ocs_ap_negotiate_dir_init(apr_pool_t *p, ocs_ap_negotiate_dir_t *conf);
void ocs_ap_negotiate_dir_merge(apr_pool_t *p, ocs_ap_negotiate_dir_t *conf,
    const ocs_ap_negotiate_dir_t *base, const ocs_ap_negotiate_dir_t *add);
void ocs_ap_negotiate_child_init(apr_pool_t *p, server_rec *s);
void ocs_ap_negotiate_register_hooks(apr_pool_t *p);

/* ocs_ap_negotiate_conf.c: the configuration check's hook */
void ocs_ap_negotiate_conf_hooks(apr_pool_t *p);

/*
 * Negotiate for a request without a valid ticket: DECLINED (no token,
 * or a token refused and logged: go on to the challenge, which offers
 * Negotiate again), OK (signed in: the new ticket is the request's),
 * DONE (NTLM's next leg, or the 403 or 503 of the directory's answer,
 * was sent), or 500.
 */
int ocs_ap_negotiate_try(request_rec *r, ocs_ap_sso_ctx_t *ctx);

/* a request in on its ticket: a Negotiate/NTLM token it sent goes */
void ocs_ap_negotiate_forget(request_rec *r);

/*
 * The challenge's Negotiate part, for ocs_ap_signin_challenge(): where
 * Negotiate is offered (AuthType OCS-Negotiate, an internal client),
 * adds "WWW-Authenticate: Negotiate" (and NTLM) and, for a browser,
 * sends the 401 whose page moves on to signin (the sign-in URL with its
 * return URL) and returns DONE; otherwise DECLINED (the headers, if
 * any, stay for the 401 the caller sends).
 */
int ocs_ap_negotiate_challenge(request_rec *r, const char *signin);

/* whether r is offered Negotiate: AuthType OCS-Negotiate, internal */
int ocs_ap_negotiate_offered(request_rec *r);

/* the directory's OCSKeytab (full path) and OCSServicePrincipal, or NULL */
const char *ocs_ap_negotiate_keytab(request_rec *r);
const char *ocs_ap_negotiate_principal(request_rec *r);

#endif /* OCS_AP_NEGOTIATE_H */
