/*
 * Shared state of mod_auth_ocs.  PLACEHOLDER: in-memory stores of one
 * process (ocs_store_mem), until the slotmem stores land; under more
 * than one process a revocation is seen by its own process only.
 */

#include "mod_auth_ocs.h"


static ocs_store_t  ocs_ap_stores[OCS_AP_STORES];
static int          ocs_ap_stores_made;


void
ocs_ap_store_srv_init(apr_pool_t *p, ocs_ap_store_srv_t *conf)
{
    int  i;

    (void) p;

    for (i = 0; i < OCS_AP_STORES; i++) {
        conf->size[i] = OCS_AP_UNSET;
        conf->store[i] = NULL;
    }
}


void
ocs_ap_store_srv_merge(apr_pool_t *p, ocs_ap_store_srv_t *conf,
    const ocs_ap_store_srv_t *base, const ocs_ap_store_srv_t *add)
{
    int  i;

    (void) p;

    for (i = 0; i < OCS_AP_STORES; i++) {
        conf->size[i] = (add->size[i] != OCS_AP_UNSET) ? add->size[i]
                                                       : base->size[i];
        conf->store[i] = NULL;
    }
}


void
ocs_ap_store_dir_init(apr_pool_t *p, ocs_ap_store_dir_t *conf)
{
    (void) p;
    conf->unused = 0;
}


void
ocs_ap_store_dir_merge(apr_pool_t *p, ocs_ap_store_dir_t *conf,
    const ocs_ap_store_dir_t *base, const ocs_ap_store_dir_t *add)
{
    (void) p;
    (void) base;
    (void) add;
    conf->unused = 0;
}


int
ocs_ap_store_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s)
{
    int  i;

    (void) pconf;
    (void) plog;
    (void) ptemp;

    if (ocs_ap_stores_made) {
        return OK;
    }

    for (i = 0; i < OCS_AP_STORES; i++) {
        if (ocs_store_mem_create(&ocs_ap_stores[i], 4096, ocs_ap_env())
            != OCS_OK)
        {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                         "ocs: cannot make a store");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    ocs_store_mem_keep(&ocs_ap_stores[OCS_AP_STORE_SESSIONS]);
    ocs_ap_stores_made = 1;

    return OK;
}


void
ocs_ap_store_child_init(apr_pool_t *p, server_rec *s)
{
    (void) p;
    (void) s;
}


void
ocs_ap_store_register_hooks(apr_pool_t *p)
{
    (void) p;
}


const ocs_store_t *
ocs_ap_store(server_rec *s, int which)
{
    (void) s;

    return ocs_ap_stores_made ? &ocs_ap_stores[which] : NULL;
}
