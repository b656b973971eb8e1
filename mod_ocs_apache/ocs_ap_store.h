/*
 * Shared state of mod_auth_ocs: the stores (ocs_store.h) that every
 * Apache process and thread shares: revocations (OCSSessionStore),
 * lockout counts and one-use marks (OCSLockoutStore), conference nonces
 * (OCSConferenceStore).  They must survive a graceful restart, which
 * Debian's logrotate does every day: state in memory that a restart
 * wipes would forget every revocation and lock daily.
 */

#ifndef OCS_AP_STORE_H
#define OCS_AP_STORE_H

#include <httpd.h>
#include <http_config.h>

#include <ocs/ocs_store.h>


#define OCS_AP_STORE_SESSIONS     0   /* revocations: keep = 1 */
#define OCS_AP_STORE_GUARD        1   /* lockout counts, one-use marks */
#define OCS_AP_STORE_CONFERENCE   2   /* Digest nonces */
#define OCS_AP_STORES             3


typedef struct {
    int64_t              size[OCS_AP_STORES];   /* OCS_AP_UNSET */
    ocs_store_t         *store[OCS_AP_STORES];  /* made in post_config */
    const char          *dir;                   /* OCSStoreDir; NULL */
} ocs_ap_store_srv_t;


/* this part's directives, in the module's command table */
#define OCS_AP_STORE_CMDS                                                    \
    AP_INIT_TAKE1("OCSSessionStore", ocs_ap_store_size,                      \
                  (void *) OCS_AP_STORE_SESSIONS, RSRC_CONF,                 \
                  "the size of the revocation store (default 1m)"),         \
    AP_INIT_TAKE1("OCSLockoutStore", ocs_ap_store_size,                      \
                  (void *) OCS_AP_STORE_GUARD, RSRC_CONF,                    \
                  "the size of the lockout store (default 1m)"),            \
    AP_INIT_TAKE1("OCSConferenceStore", ocs_ap_store_size,                   \
                  (void *) OCS_AP_STORE_CONFERENCE, RSRC_CONF,               \
                  "the size of the conference nonce store (default 1m)"),\
    AP_INIT_TAKE1("OCSStoreDir", ocs_ap_store_dir, NULL, RSRC_CONF,          \
                  "the directory of the stores' files and saved copies "     \
                  "(default DefaultRuntimeDir)"),


/* the default size of each store, and the least */
#define OCS_AP_STORE_SIZE        (1024 * 1024)
#define OCS_AP_STORE_SIZE_MIN    4096


const char *ocs_ap_store_size(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_store_dir(cmd_parms *cmd, void *mconfig,
    const char *arg);


void ocs_ap_store_srv_init(apr_pool_t *p, ocs_ap_store_srv_t *conf);
void ocs_ap_store_srv_merge(apr_pool_t *p, ocs_ap_store_srv_t *conf,
    const ocs_ap_store_srv_t *base, const ocs_ap_store_srv_t *add);
int ocs_ap_store_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s);
void ocs_ap_store_child_init(apr_pool_t *p, server_rec *s);
void ocs_ap_store_register_hooks(apr_pool_t *p);

/*
 * The store which (OCS_AP_STORE_*) of server s, shared by every process
 * and thread of Apache; NULL before post_config.
 */
const ocs_store_t *ocs_ap_store(server_rec *s, int which);

/* the directive that sizes the store which, for log lines */
const char *ocs_ap_store_name(int which);

#endif /* OCS_AP_STORE_H */
