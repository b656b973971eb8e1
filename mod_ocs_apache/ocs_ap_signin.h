/*
 * The sign-in of mod_auth_ocs: the challenge of a request without a
 * ticket (302 to the sign-in page, 401 for scripts), and the sign-in
 * page (SetHandler ocs-signin): the form, its POST, the user file and
 * the directory, the ticket issued.
 */

#ifndef OCS_AP_SIGNIN_H
#define OCS_AP_SIGNIN_H

#include <httpd.h>
#include <http_config.h>

#include "ocs_ap_sso.h"


typedef struct {
    int                  unused;
} ocs_ap_signin_srv_t;


typedef struct {
    const char          *signin_url;     /* NULL: unset (/ocs/signin) */
    const char          *user_file;      /* NULL: unset; "": off */
} ocs_ap_signin_dir_t;


#define OCS_AP_SIGNIN_URL_DEFAULT  "/ocs/signin"

/* this part's directives, in the module's command table */
#define OCS_AP_SIGNIN_CMDS                                                   \
    AP_INIT_TAKE1("OCSSignInURL", ocs_ap_signin_signin_url, NULL,            \
                  RSRC_CONF | ACCESS_CONF,                                   \
                  "where requests without a ticket are sent to sign in"),\
    AP_INIT_TAKE1("OCSUserFile", ocs_ap_signin_user_file_cmd, NULL,          \
                  RSRC_CONF | ACCESS_CONF,                                   \
                  "the file of users, password hashes and TOTP secrets "     \
                  "| off"),

const char *ocs_ap_signin_signin_url(cmd_parms *cmd, void *mconfig,
    const char *arg);

const char *ocs_ap_signin_user_file_cmd(cmd_parms *cmd, void *mconfig,
    const char *arg);

/* the directory's sign-in URL */
const char *ocs_ap_signin_url(request_rec *r);

/* the directory's user file, or NULL */
const char *ocs_ap_signin_user_file(request_rec *r);


void ocs_ap_signin_srv_init(apr_pool_t *p, ocs_ap_signin_srv_t *conf);
void ocs_ap_signin_srv_merge(apr_pool_t *p, ocs_ap_signin_srv_t *conf,
    const ocs_ap_signin_srv_t *base, const ocs_ap_signin_srv_t *add);
void ocs_ap_signin_dir_init(apr_pool_t *p, ocs_ap_signin_dir_t *conf);
void ocs_ap_signin_dir_merge(apr_pool_t *p, ocs_ap_signin_dir_t *conf,
    const ocs_ap_signin_dir_t *base, const ocs_ap_signin_dir_t *add);
int ocs_ap_signin_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s);
void ocs_ap_signin_child_init(apr_pool_t *p, server_rec *s);
void ocs_ap_signin_register_hooks(apr_pool_t *p);

/*
 * A request of a protected directory without a valid ticket: the
 * 302 to the sign-in page for a page request, the 401 for the rest.
 * Returns DONE (sent) or 500.
 */
int ocs_ap_signin_challenge(request_rec *r);

#endif /* OCS_AP_SIGNIN_H */
