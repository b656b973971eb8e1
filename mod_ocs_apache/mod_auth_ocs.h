/*
 * mod_auth_ocs: the Apache httpd 2.4 half of the product, on the same
 * core as the nginx modules.  This header holds what every file of the
 * module shares: the module record, the server and directory
 * configurations (one part per concern, each declared in the concern's
 * own header), and the per-request state.
 *
 * Configuration.  Every directive is RSRC_CONF or ACCESS_CONF, never
 * OR_AUTHCFG, so that no .htaccess can weaken policy or point at key
 * material.  Each concern's part of a configuration is made with UNSET
 * sentinels by its *_init() and merged field by field by its
 * *_merge(), which writes a new struct from base (the parent) and add
 * (the child) and never changes either: Apache merges directory
 * configurations at request time.
 *
 * Return values inside the module follow Apache's hooks: OK (go on),
 * DECLINED (not mine, or nothing to do), DONE (the response was sent),
 * or an HTTP status for Apache to answer.
 */

#ifndef MOD_AUTH_OCS_H
#define MOD_AUTH_OCS_H

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <apr_strings.h>

#include <ocs/ocs.h>
#include <ocs/ocs_ticket.h>

#include "ocs_ap_http.h"
#include "ocs_ap_sso.h"
#include "ocs_ap_store.h"
#include "ocs_ap_signin.h"
#include "ocs_ap_ldap.h"
#include "ocs_ap_logoff.h"
#include "ocs_ap_guard.h"
#include "ocs_ap_negotiate.h"
#include "ocs_ap_factor.h"
#include "ocs_ap_conference.h"
#include "ocs_ap_publish.h"


#define OCS_AP_UNSET        -1

/* AuthType values: what a directory asks of its requests */
#define OCS_AP_AUTH_UNSET        -1
#define OCS_AP_AUTH_OFF           0
#define OCS_AP_AUTH_FORMS         1
#define OCS_AP_AUTH_NEGOTIATE     2   /* Kerberos/NTLM, forms for others */
#define OCS_AP_AUTH_CONFERENCE    3

/* the handlers of the proxy's own pages (SetHandler) */
#define OCS_AP_HANDLER_SIGNIN        "ocs-signin"
#define OCS_AP_HANDLER_LOGOFF        "ocs-logoff"
#define OCS_AP_HANDLER_LOGOFF_ADMIN  "ocs-logoff-admin"
#define OCS_AP_HANDLER_LOCKOUT_ADMIN "ocs-lockout-admin"
#define OCS_AP_HANDLER_JOIN          "ocs-join"


typedef struct {
    ocs_ap_sso_srv_t         sso;
    ocs_ap_store_srv_t       store;
    ocs_ap_ldap_srv_t        ldap;
    ocs_ap_negotiate_srv_t   negotiate;
} ocs_ap_srv_t;


typedef struct {
    ocs_ap_http_dir_t        http;
    ocs_ap_sso_dir_t         sso;
    ocs_ap_signin_dir_t      signin;
    ocs_ap_ldap_dir_t        ldap;
    ocs_ap_logoff_dir_t      logoff;
    ocs_ap_guard_dir_t       guard;
    ocs_ap_negotiate_dir_t   negotiate;
    ocs_ap_factor_dir_t      factor;
    ocs_ap_conference_dir_t  conference;
    ocs_ap_publish_dir_t     publish;
} ocs_ap_dir_t;


/* the one symbol the .so shows (built with -fvisibility=hidden) */
extern module AP_MODULE_DECLARE_DATA  auth_ocs_module
    __attribute__((visibility("default")));

/*
 * Every file's log lines are the module's ([auth_ocs:info]), so that
 * "LogLevel auth_ocs:info" shows them all; mod_auth_ocs.c therefore
 * defines the module record without AP_DECLARE_MODULE.
 */
#ifdef APLOG_USE_MODULE
APLOG_USE_MODULE(auth_ocs);
#endif


#define ocs_ap_srv(s)                                                        \
    ((ocs_ap_srv_t *) ap_get_module_config((s)->module_config,              \
                                           &auth_ocs_module))
#define ocs_ap_dir(r)                                                        \
    ((ocs_ap_dir_t *) ap_get_module_config((r)->per_dir_config,             \
                                           &auth_ocs_module))

/* the directory configuration a directive handler is given */
#define ocs_ap_cmd_dir(mconfig)  ((ocs_ap_dir_t *) (mconfig))
#define ocs_ap_cmd_srv(cmd)      ocs_ap_srv((cmd)->server)


/*
 * For the page handlers: registered before mod_proxy's, so that a page
 * of ours under a covering ProxyPass is still ours (our access hook has
 * let the request through as one of our pages).
 */
static const char *const  ocs_ap_before_proxy[] = { "mod_proxy.c", NULL };

/* whether r's directory asks for one of the module's AuthTypes */
int ocs_ap_auth_mode(request_rec *r);

/* the AuthType's name when it is one of the module's, with *mode */
const char *ocs_ap_auth_type_check(request_rec *r, int *mode);

/*
 * The module's page handler (SetHandler ocs-*) of r's section, or NULL:
 * what the page handlers answer for, whatever r->handler says.
 */
const char *ocs_ap_page_handler(request_rec *r);

/* whether r is served by one of the module's own page handlers: 1, or
   2 for an administrator's page (behind Apache's own access checks) */
int ocs_ap_is_page(request_rec *r);

/* (ocs_ap_auth_mode(), ocs_ap_auth_type_check(), ocs_ap_page_handler()
   and ocs_ap_is_page() live in ocs_ap_http.c, so that no part calls back
   into this file) */

#endif /* MOD_AUTH_OCS_H */
