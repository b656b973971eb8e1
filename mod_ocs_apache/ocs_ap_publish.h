/*
 * Publishing in mod_auth_ocs: services published without the proxy's
 * sign-in (OCSPublish anonymous | upstream_auth, nginx's ocs_publish)
 * and the raw request target check (OCSPathStrict, ocs_path_strict).
 * Apache's mod_proxy cannot pin an upstream connection to a client
 * connection, so nginx's ocs_upstream_pin and ocs_pass_through have no
 * counterpart: docs/apache-parts/publishing.md says why.
 */

#ifndef OCS_AP_PUBLISH_H
#define OCS_AP_PUBLISH_H

#include <httpd.h>
#include <http_config.h>


#define OCS_AP_PUBLISH_OFF            0
#define OCS_AP_PUBLISH_ANONYMOUS      1
#define OCS_AP_PUBLISH_UPSTREAM_AUTH  2


typedef struct {
    int                  strict;         /* OCS_AP_UNSET: off */
    int                  publish;        /* OCS_AP_UNSET: off */
} ocs_ap_publish_dir_t;


/* this part's directives, in the module's command table */
#define OCS_AP_PUBLISH_CMDS                                                  \
    AP_INIT_FLAG("OCSPathStrict", ocs_ap_publish_strict, NULL,               \
                 RSRC_CONF | ACCESS_CONF,                                    \
                 "refuse request targets IIS could read as another path"),  \
    AP_INIT_TAKE1("OCSPublish", ocs_ap_publish_mode, NULL,                   \
                  RSRC_CONF | ACCESS_CONF,                                   \
                  "anonymous | upstream_auth | off"),


const char *ocs_ap_publish_strict(cmd_parms *cmd, void *mconfig, int on);
const char *ocs_ap_publish_mode(cmd_parms *cmd, void *mconfig,
    const char *arg);

void ocs_ap_publish_dir_init(apr_pool_t *p, ocs_ap_publish_dir_t *conf);
void ocs_ap_publish_dir_merge(apr_pool_t *p, ocs_ap_publish_dir_t *conf,
    const ocs_ap_publish_dir_t *base, const ocs_ap_publish_dir_t *add);
void ocs_ap_publish_register_hooks(apr_pool_t *p);

#endif /* OCS_AP_PUBLISH_H */
