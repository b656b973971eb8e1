/*
 * The directory in mod_auth_ocs: <OCSDirectory> definitions, the
 * directory a location signs in with (OCSLDAP), its authorization
 * requirements (OCSRequire, OCSRemoteAccess, OCSInternalNetworks,
 * OCSSIPClaim), and the re-check of a ticket's facts (OCSRecheck).
 */

#ifndef OCS_AP_LDAP_H
#define OCS_AP_LDAP_H

#include <httpd.h>
#include <http_config.h>
#include <ap_expr.h>

#include "ocs_ap_sso.h"

#include <ocs/ocs_authz.h>
#include <ocs/ocs_ldap.h>
#include <ocs/ocs_login.h>


/* an <OCSDirectory> section */
typedef struct {
    const char          *name;
    ocs_ldap_conf_t      conf;
    char                *password;       /* the file's text, wiped with
                                            the configuration */
    size_t               password_len;
    ocs_ldap_t          *handle;         /* one per child process */
    volatile apr_uint32_t  policy_logged;  /* the policy's version said */
} ocs_ap_ldap_directory_t;


/*
 * What the whole configuration shares (nginx's main conf): the
 * directories, and every requirement named anywhere (the facts a
 * sign-in or a re-check asks the directory about) with their
 * generation.  One per configuration read, in pconf.
 */
typedef struct {
    apr_array_header_t  *dirs;           /* ocs_ap_ldap_directory_t * */
    apr_array_header_t  *facts;          /* ocs_authz_req_t */
    uint32_t             gen;
} ocs_ap_ldap_cf_t;


typedef struct {
    ocs_ap_ldap_cf_t    *cf;             /* set by post_config */
} ocs_ap_ldap_srv_t;


typedef struct {
    /* OCSLDAP: NULL unset; &ocs_ap_ldap_off: off */
    ocs_ap_ldap_directory_t  *directory;
    /* OCSRequire: NULL unset; no elements: off */
    apr_array_header_t       *require;   /* ocs_authz_req_t */
    /* OCSRemoteAccess: NULL unset; &ocs_ap_ldap_req_off: off */
    const ocs_authz_req_t    *remote;
    /* OCSInternalNetworks: NULL unset; no elements: off */
    apr_array_header_t       *internal;  /* ocs_authz_net_t */
    /* OCSSIPClaim: NULL unset; &ocs_ap_ldap_expr_off: off */
    const ap_expr_info_t     *sip_claim;
    int64_t                   recheck;   /* OCSRecheck: OCS_AP_UNSET */
} ocs_ap_ldap_dir_t;


extern ocs_ap_ldap_directory_t  ocs_ap_ldap_off;
extern const ocs_authz_req_t    ocs_ap_ldap_req_off;
extern const ap_expr_info_t     ocs_ap_ldap_expr_off;


#define OCS_AP_LDAP_RECHECK_DEFAULT  300


/* this part's directives, in the module's command table */
#define OCS_AP_LDAP_CMDS                                                     \
    AP_INIT_RAW_ARGS("<OCSDirectory", ocs_ap_ldap_section, NULL, RSRC_CONF, \
                     "a directory (LDAP, Active Directory) and its "         \
                     "settings, to </OCSDirectory>"),                        \
    AP_INIT_TAKE1("OCSLDAP", ocs_ap_ldap_use, NULL, RSRC_CONF | ACCESS_CONF,\
                  "the OCSDirectory that signs in and re-checks | off"),    \
    AP_INIT_TAKE1("OCSRecheck", ocs_ap_ldap_recheck_time, NULL,             \
                  RSRC_CONF | ACCESS_CONF,                                   \
                  "how often the directory is asked again about a session "  \
                  "(default 5m; 0: only when the requirements change)"),    \
    AP_INIT_TAKE12("OCSRequire", ocs_ap_ldap_require, NULL,                  \
                   RSRC_CONF | ACCESS_CONF,                                  \
                   "ocs_enabled | enhanced_presence | group NAME | "        \
                   "filter FILTER | off"),                                   \
    AP_INIT_TAKE12("OCSRemoteAccess", ocs_ap_ldap_remote_access, NULL,       \
                   RSRC_CONF | ACCESS_CONF,                                  \
                   "attribute | group NAME | filter FILTER | off"),          \
    AP_INIT_RAW_ARGS("OCSInternalNetworks", ocs_ap_ldap_internal_networks,   \
                     NULL, RSRC_CONF | ACCESS_CONF,                          \
                     "the networks that need no remote access | off"),       \
    AP_INIT_TAKE1("OCSSIPClaim", ocs_ap_ldap_sip_claim, NULL,                \
                  RSRC_CONF | ACCESS_CONF,                                   \
                  "an expression: the sign-in address a request claims "     \
                  "| off"),


const char *ocs_ap_ldap_section(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_ldap_use(cmd_parms *cmd, void *mconfig, const char *arg);
const char *ocs_ap_ldap_recheck_time(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_ldap_require(cmd_parms *cmd, void *mconfig,
    const char *kind, const char *value);
const char *ocs_ap_ldap_remote_access(cmd_parms *cmd, void *mconfig,
    const char *kind, const char *value);
const char *ocs_ap_ldap_internal_networks(cmd_parms *cmd, void *mconfig,
    const char *args);
const char *ocs_ap_ldap_sip_claim(cmd_parms *cmd, void *mconfig,
    const char *arg);

/* the configuration's shared part, made on first use (in cmd->pool) */
ocs_ap_ldap_cf_t *ocs_ap_ldap_cf(apr_pool_t *pconf);


void ocs_ap_ldap_srv_init(apr_pool_t *p, ocs_ap_ldap_srv_t *conf);
void ocs_ap_ldap_srv_merge(apr_pool_t *p, ocs_ap_ldap_srv_t *conf,
    const ocs_ap_ldap_srv_t *base, const ocs_ap_ldap_srv_t *add);
void ocs_ap_ldap_dir_init(apr_pool_t *p, ocs_ap_ldap_dir_t *conf);
void ocs_ap_ldap_dir_merge(apr_pool_t *p, ocs_ap_ldap_dir_t *conf,
    const ocs_ap_ldap_dir_t *base, const ocs_ap_ldap_dir_t *add);
int ocs_ap_ldap_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s);
void ocs_ap_ldap_child_init(apr_pool_t *p, server_rec *s);

/* r's directory (OCSLDAP), or NULL when it has none */
ocs_ap_ldap_directory_t *ocs_ap_ldap_directory(request_rec *r);

/*
 * Asks the directory again when the ticket's facts are due, in the
 * request's thread: OK (the ticket updated or unchanged; or the session
 * ended and revoked, ctx->state then OCS_AP_SSO_REVOKED, and the caller
 * answers as for a request without a ticket) or 500.
 */
int ocs_ap_ldap_recheck(request_rec *r, ocs_ap_sso_ctx_t *ctx);

/*
 * Whether r's client is in OCSInternalNetworks (nginx's
 * ngx_http_ocs_auth_internal_client): 1 or 0; 0 where none are set.
 * For Negotiate and the second factor, which ask it too.
 */
int ocs_ap_ldap_internal_client(request_rec *r);

/* the directory's requirements against t: OK, or DONE (403 sent) */
int ocs_ap_ldap_authorize(request_rec *r, ocs_ticket_t *t);

/*
 * The directory part of a sign-in (forms, Kerberos, certificate): with a
 * directory for r (OCSLDAP), fills conf->ld, directory, directory_len,
 * evaluate, evaluate_data and acct (in r->pool; evaluate_data keeps the
 * facts the evaluation finds, wiped with the pool) and returns OK;
 * DECLINED when r signs in without a directory; 500 (logged) when the
 * child has no handle for it.  conf->admit and admit_data stay the
 * caller's (the lockout's).  Used by ocs_ap_signin, ocs_ap_negotiate and
 * ocs_ap_factor.
 */
int ocs_ap_ldap_login_conf(request_rec *r, ocs_login_conf_t *conf);

/*
 * After OCS_LOGIN_OK with a directory (conf as ocs_ap_ldap_login_conf()
 * filled it): the directory's facts of the account into t.
 */
void ocs_ap_ldap_fill_ticket(request_rec *r, const ocs_login_conf_t *conf,
    ocs_ticket_t *t);

/*
 * Whether r's sign-in page asks for the sign-in address (SIP URI) by
 * default, where OCSSignInSIP (the sign-in's) is not set: with a
 * directory to check it against.
 */
int ocs_ap_ldap_has_sip(request_rec *r);

/*
 * After a sign-in against r's directory: says once per child, and again
 * when it changes, which lockout policy the directory has and what the
 * proxy makes of it with limit (the configured account limit, 0: none),
 * as nginx does.  Thread-safe.  For the lockout part.
 */
void ocs_ap_ldap_policy_log(request_rec *r, unsigned limit);

#endif /* OCS_AP_LDAP_H */
