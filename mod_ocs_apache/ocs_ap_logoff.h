/*
 * Logoff in mod_auth_ocs: SetHandler ocs-logoff and ocs-logoff-admin,
 * OCSLogoffRedirect, OCSLogoffClearSiteData, and the application's own
 * logoff URL (OCSAppLogoff).
 */

#ifndef OCS_AP_LOGOFF_H
#define OCS_AP_LOGOFF_H

#include <httpd.h>
#include <http_config.h>

#include "ocs_ap_sso.h"


typedef struct {
    int                  everywhere;     /* OCS_AP_UNSET: off */
    apr_array_header_t  *admins;         /* const char *; NULL: unset */
    const char          *redirect;       /* NULL: unset; "": off */
    const char          *clear_site;     /* the header's value; "": off;
                                            NULL: unset (the default) */
    apr_array_header_t  *app_logoff;     /* const char *; NULL: unset;
                                            empty: off */
} ocs_ap_logoff_dir_t;


/* this part's directives, in the module's command table */
#define OCS_AP_LOGOFF_CMDS                                                   \
    AP_INIT_FLAG("OCSLogoffEverywhere", ocs_ap_logoff_everywhere, NULL,      \
                 RSRC_CONF | ACCESS_CONF,                                    \
                 "whether ocs-logoff ends every session of the user"),      \
    AP_INIT_ITERATE("OCSLogoffAdmin", ocs_ap_logoff_admin, NULL,             \
                    RSRC_CONF | ACCESS_CONF,                                 \
                    "the users who may use ocs-logoff-admin"),              \
    AP_INIT_TAKE1("OCSLogoffRedirect", ocs_ap_logoff_redirect, NULL,         \
                  RSRC_CONF | ACCESS_CONF,                                   \
                  "where the browser goes after signing out | off"),        \
    AP_INIT_RAW_ARGS("OCSLogoffClearSiteData", ocs_ap_logoff_clear_site,     \
                     NULL, RSRC_CONF | ACCESS_CONF,                          \
                     "the Clear-Site-Data types of a sign-out | off"),      \
    AP_INIT_RAW_ARGS("OCSAppLogoff", ocs_ap_logoff_app_logoff, NULL,         \
                     RSRC_CONF | ACCESS_CONF,                                \
                     "the application's sign-out URLs: /path, ?arg[=value] "\
                     "... | off"),


const char *ocs_ap_logoff_everywhere(cmd_parms *cmd, void *mconfig, int on);
const char *ocs_ap_logoff_admin(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_logoff_redirect(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_logoff_clear_site(cmd_parms *cmd, void *mconfig,
    const char *args);
const char *ocs_ap_logoff_app_logoff(cmd_parms *cmd, void *mconfig,
    const char *args);


void ocs_ap_logoff_dir_init(apr_pool_t *p, ocs_ap_logoff_dir_t *conf);
void ocs_ap_logoff_dir_merge(apr_pool_t *p, ocs_ap_logoff_dir_t *conf,
    const ocs_ap_logoff_dir_t *base, const ocs_ap_logoff_dir_t *add);
void ocs_ap_logoff_register_hooks(apr_pool_t *p);

/*
 * The application's own logoff URL (OCSAppLogoff) for a signed-in
 * request: OK (go on, the session ended if it matched), or DONE.
 */
int ocs_ap_logoff_app(request_rec *r, ocs_ap_sso_ctx_t *ctx);

#endif /* OCS_AP_LOGOFF_H */
