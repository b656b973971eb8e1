/*
 * Shared state of mod_auth_ocs: three stores (ocs_store.h), each a
 * block of mod_slotmem_shm's shared memory laid out by the core
 * (ocs_store_region.h), under one global mutex of Apache's ("Mutex
 * ocs-store" picks its mechanism).  Every process and thread sees the
 * same records: the parent makes the blocks in post_config, before it
 * forks, and each child joins the mutex in child_init.
 *
 * A graceful restart keeps the records: the slotmem is made with
 * AP_SLOTMEM_TYPE_PERSIST, so that the parent saves it to a file under
 * DefaultRuntimeDir when the old configuration goes and loads it into
 * the new block (slotmem-shm-ocs-*.shm.persist); the core then rebuilds
 * the block's lists from the records.  A store whose size changed
 * starts empty, and so does one whose file is missing or damaged.
 */

#include "mod_auth_ocs.h"

#include <http_main.h>
#include <ap_slotmem.h>
#include <util_mutex.h>
#include <apr_global_mutex.h>

#include <ocs/ocs_conf.h>
#include <ocs/ocs_store_region.h>



#define OCS_AP_STORE_SIZE_MAX    (1024 * 1024 * 1024)
#define OCS_AP_STORE_MUTEX       "ocs-store"


static void ocs_ap_store_lock(void *arg);
static void ocs_ap_store_unlock(void *arg);
static int ocs_ap_store_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp);
static int ocs_ap_store_check_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s);
static const ap_slotmem_provider_t *ocs_ap_store_slotmem(server_rec *s);


/* what each store is called: its directive, and its slotmem */
static const struct {
    const char  *directive;
    const char  *slotmem;
    unsigned     keep;
} ocs_ap_store_kinds[OCS_AP_STORES] = {
    { "OCSSessionStore", "ocs-sessions", 1 },
    { "OCSLockoutStore", "ocs-lockout", 0 },
    { "OCSConferenceStore", "ocs-conference", 0 }
};


/* this generation's stores, the same in every process */
static ocs_store_t            ocs_ap_stores[OCS_AP_STORES];
static ocs_store_region_t     ocs_ap_regions[OCS_AP_STORES];
static int                    ocs_ap_stores_made;
static apr_global_mutex_t    *ocs_ap_store_mutex;


const char *
ocs_ap_store_size(cmd_parms *cmd, void *mconfig, const char *arg)
{
    int64_t              size;
    intptr_t             which;
    ocs_ap_store_srv_t  *conf = &ocs_ap_cmd_srv(cmd)->store;

    (void) mconfig;

    which = (intptr_t) cmd->info;

    if (cmd->server->is_virtual) {
        return apr_psprintf(cmd->pool, "%s belongs in the main server "
                            "configuration: every virtual host shares the "
                            "store", cmd->directive->directive);
    }

    if (conf->size[which] != OCS_AP_UNSET) {
        return apr_psprintf(cmd->pool, "%s is duplicate",
                            cmd->directive->directive);
    }

    if (ocs_conf_parse_size(arg, strlen(arg), &size) != OCS_OK
        || size < OCS_AP_STORE_SIZE_MIN || size > OCS_AP_STORE_SIZE_MAX)
    {
        return apr_psprintf(cmd->pool, "invalid %s \"%s\": use a size from "
                            "4k to 1g, such as 1m", cmd->directive->directive,
                            arg);
    }

    conf->size[which] = size;

    return NULL;
}


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
    (void) add;

    /* main-server only: a virtual host has the main server's */
    for (i = 0; i < OCS_AP_STORES; i++) {
        conf->size[i] = base->size[i];
        conf->store[i] = NULL;
    }
}


static int
ocs_ap_store_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp)
{
    (void) plog;
    (void) ptemp;

    ocs_ap_stores_made = 0;
    ocs_ap_store_mutex = NULL;

    /* "Mutex ocs-store ..." then applies, as "Mutex default" does */
    if (ap_mutex_register(pconf, OCS_AP_STORE_MUTEX, NULL, APR_LOCK_DEFAULT,
                          0)
        != APR_SUCCESS)
    {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    return OK;
}


/* after the configuration is read, apachectl -t included */
static int
ocs_ap_store_check_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s)
{
    (void) pconf;
    (void) plog;
    (void) ptemp;

    return ocs_ap_store_slotmem(s) ? OK : HTTP_INTERNAL_SERVER_ERROR;
}


static const ap_slotmem_provider_t *
ocs_ap_store_slotmem(server_rec *s)
{
    const ap_slotmem_provider_t  *sm;

    sm = ap_lookup_provider(AP_SLOTMEM_PROVIDER_GROUP, "shm",
                            AP_SLOTMEM_PROVIDER_VERSION);

    if (sm == NULL) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     "ocs: mod_auth_ocs keeps revocations and lockouts in "
                     "mod_slotmem_shm's shared memory, which is not "
                     "loaded: add \"LoadModule slotmem_shm_module "
                     "modules/mod_slotmem_shm.so\" (a2enmod slotmem_shm)");
    }

    return sm;
}


int
ocs_ap_store_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s)
{
    int                           i, fresh;
    void                         *mem;
    int64_t                       size;
    apr_status_t                  rv;
    ap_slotmem_instance_t        *inst;
    ocs_ap_store_srv_t           *conf;
    const ap_slotmem_provider_t  *sm;

    (void) plog;
    (void) ptemp;

    sm = ocs_ap_store_slotmem(s);
    if (sm == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    rv = ap_global_mutex_create(&ocs_ap_store_mutex, NULL,
                                OCS_AP_STORE_MUTEX, NULL, s, pconf, 0);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     "ocs: cannot make the lock of the stores (see the "
                     "Mutex directive, type \"" OCS_AP_STORE_MUTEX "\")");
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    conf = &ocs_ap_srv(s)->store;

    for (i = 0; i < OCS_AP_STORES; i++) {
        size = (conf->size[i] != OCS_AP_UNSET) ? conf->size[i]
                                               : OCS_AP_STORE_SIZE;
        size &= ~(int64_t) 7;

        rv = sm->create(&inst, ocs_ap_store_kinds[i].slotmem,
                        (apr_size_t) size, 1, AP_SLOTMEM_TYPE_PERSIST,
                        pconf);
        if (rv == APR_SUCCESS) {
            rv = sm->dptr(inst, 0, &mem);
        }

        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                         "ocs: cannot make the shared memory of %s (%"
                         APR_INT64_T_FMT " bytes)",
                         ocs_ap_store_kinds[i].directive,
                         (apr_int64_t) size);
            return HTTP_INTERNAL_SERVER_ERROR;
        }

        ocs_ap_regions[i].lock = ocs_ap_store_lock;
        ocs_ap_regions[i].unlock = ocs_ap_store_unlock;
        ocs_ap_regions[i].arg = NULL;
        ocs_ap_regions[i].env = ocs_ap_env();

        /* no child uses this block yet: the old ones have their own */
        if (ocs_store_region_open(&ocs_ap_stores[i], &ocs_ap_regions[i],
                                  mem, (size_t) size,
                                  ocs_ap_store_kinds[i].keep, &fresh)
            != OCS_OK)
        {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                         "ocs: %s is too small",
                         ocs_ap_store_kinds[i].directive);
            return HTTP_INTERNAL_SERVER_ERROR;
        }

        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                     "ocs: %s holds %" APR_SIZE_T_FMT " records of %d "
                     "bytes; %" APR_SIZE_T_FMT " kept from before",
                     ocs_ap_store_kinds[i].directive,
                     ocs_store_region_records((size_t) size),
                     OCS_STORE_REGION_RECORD,
                     fresh ? (size_t) 0
                           : ocs_store_region_count(&ocs_ap_stores[i]));
    }

    ocs_ap_stores_made = 1;

    return OK;
}


void
ocs_ap_store_child_init(apr_pool_t *p, server_rec *s)
{
    apr_status_t  rv;

    if (ocs_ap_store_mutex == NULL) {
        return;
    }

    rv = apr_global_mutex_child_init(&ocs_ap_store_mutex,
                        apr_global_mutex_lockfile(ocs_ap_store_mutex), p);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     "ocs: cannot join the lock of the stores");
    }
}


void
ocs_ap_store_register_hooks(apr_pool_t *p)
{
    (void) p;

    ap_hook_pre_config(ocs_ap_store_pre_config, NULL, NULL,
                       APR_HOOK_MIDDLE);
    ap_hook_check_config(ocs_ap_store_check_config, NULL, NULL,
                         APR_HOOK_MIDDLE);
}


/* a lock that cannot be had is a broken server (ocs_store.h) */
static void
ocs_ap_store_lock(void *arg)
{
    apr_status_t  rv;

    (void) arg;

    rv = apr_global_mutex_lock(ocs_ap_store_mutex);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ALERT, rv, ap_server_conf,
                     "ocs: cannot take the lock of the stores");
    }
}


static void
ocs_ap_store_unlock(void *arg)
{
    apr_status_t  rv;

    (void) arg;

    rv = apr_global_mutex_unlock(ocs_ap_store_mutex);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ALERT, rv, ap_server_conf,
                     "ocs: cannot give back the lock of the stores");
    }
}


const ocs_store_t *
ocs_ap_store(server_rec *s, int which)
{
    (void) s;

    if (!ocs_ap_stores_made || which < 0 || which >= OCS_AP_STORES) {
        return NULL;
    }

    return &ocs_ap_stores[which];
}


const char *
ocs_ap_store_name(int which)
{
    return (which >= 0 && which < OCS_AP_STORES)
           ? ocs_ap_store_kinds[which].directive : "";
}
