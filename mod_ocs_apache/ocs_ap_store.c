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
 * starts empty, and so does one whose file is missing or damaged:
 * slotmem removes a file it could not write whole (a full disk) and
 * says nothing.  So the parent notes each store's size beside the file
 * (ocs-*.made), and a store that was made before and comes up empty
 * lost its records (ocs_store_region_start()): said at error, and for
 * OCSSessionStore every session that started before now is revoked,
 * so that no signed-out ticket opens again (ocs_revoke_lost()).
 */

#include "mod_auth_ocs.h"

#include <http_main.h>
#include <ap_slotmem.h>
#include <util_mutex.h>
#include <apr_global_mutex.h>

#include <ocs/ocs_conf.h>
#include <ocs/ocs_revoke.h>
#include <ocs/ocs_session.h>
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
static const char *ocs_ap_store_file(apr_pool_t *p,
    const ocs_ap_store_srv_t *conf, int i, const char *what);
static void ocs_ap_store_started(apr_pool_t *p, server_rec *s,
    const ocs_ap_store_srv_t *conf, int i, int fresh, int64_t size);
static uint64_t ocs_ap_store_noted(apr_pool_t *p, const char *path);
static apr_status_t ocs_ap_store_note(apr_pool_t *p, const char *path,
    int64_t size);


/* what each store is called: its directive, its slotmem, and what it
   loses when it comes up empty */
static const struct {
    const char  *directive;
    const char  *slotmem;
    unsigned     keep;
    const char  *lost;
} ocs_ap_store_kinds[OCS_AP_STORES] = {
    { "OCSSessionStore", "ocs-sessions", 1, "revocations" },
    { "OCSLockoutStore", "ocs-lockout", 0,
      "failure counts, locks and one-use marks (a user locked out may "
      "try again; a TOTP code used in the last two minutes may be used "
      "once more)" },
    { "OCSConferenceStore", "ocs-conference", 0,
      "Digest nonces (clients are challenged again)" }
};


/* this generation's stores, the same in every process */
static ocs_store_t            ocs_ap_stores[OCS_AP_STORES];
static ocs_store_region_t     ocs_ap_regions[OCS_AP_STORES];
static int                    ocs_ap_stores_made;

/* the process's note of the stores (bits) whose loss the trial reading
   of the configuration at a start said already (the block it formats
   is saved and loaded again at once, or lost again on a full disk); in
   the process's pool, since the module is unloaded between the two */
#define OCS_AP_STORE_SAID     "ocs-store-said"
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


/* OCSStoreDir directory: the stores' files there, not in the runtime
   directory (which a reboot may empty) */
const char *
ocs_ap_store_dir(cmd_parms *cmd, void *mconfig, const char *arg)
{
    const char          *dir;
    apr_finfo_t          fi;
    ocs_ap_store_srv_t  *conf = &ocs_ap_cmd_srv(cmd)->store;

    (void) mconfig;

    if (cmd->server->is_virtual) {
        return "OCSStoreDir belongs in the main server configuration: "
               "every virtual host shares the stores";
    }

    if (conf->dir != NULL) {
        return "OCSStoreDir is duplicate";
    }

    dir = ap_server_root_relative(cmd->pool, arg);

    if (dir == NULL || arg[0] == '\0') {
        return apr_psprintf(cmd->pool, "invalid OCSStoreDir \"%s\"", arg);
    }

    if (apr_stat(&fi, dir, APR_FINFO_TYPE, cmd->temp_pool) != APR_SUCCESS
        || fi.filetype != APR_DIR)
    {
        return apr_psprintf(cmd->pool, "OCSStoreDir \"%s\" is not a "
                            "directory: make it, for root alone (install "
                            "-d -m 0700 %s)", dir, dir);
    }

    conf->dir = dir;

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

    conf->dir = NULL;
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

    conf->dir = base->dir;
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

        rv = sm->create(&inst, ocs_ap_store_file(pconf, conf, i, ""),
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

        ocs_ap_store_started(ptemp, s, conf, i, fresh, size);
    }

    ocs_ap_stores_made = 1;

    return OK;
}


/*
 * Store i came up fresh or with its records: whether it lost them
 * (made before, by the size noted beside slotmem's file, and empty
 * now), what that means, and the size noted for the next start.  At a
 * start this runs twice, for the trial reading of the configuration
 * and for the real one; a loss is acted on in both (the trial's block
 * is what the real one loads), and said once.
 */
static void
ocs_ap_store_started(apr_pool_t *p, server_rec *s,
    const ocs_ap_store_srv_t *conf, int i, int fresh, int64_t size)
{
    int                        level, trial, say;
    unsigned                   bit, *said;
    int64_t                    lifetime;
    uint64_t                   before;
    const char                *made, *copy, *why;
    server_rec                *vs;
    apr_status_t               rv;
    ocs_store_region_start_e   start;

    made = ocs_ap_store_file(p, conf, i, "made");
    copy = ocs_ap_store_file(p, conf, i, "persist");

    before = ocs_ap_store_noted(p, made);
    start = ocs_store_region_start(fresh, before, (uint64_t) size);

    if (start == OCS_STORE_REGION_RESIZED) {
        why = apr_psprintf(p, "it was %" APR_UINT64_T_FMT " bytes and is "
                           "%" APR_INT64_T_FMT " now, and slotmem loads a "
                           "saved copy only at its own size", before,
                           (apr_int64_t) size);

    } else if (start == OCS_STORE_REGION_LOST) {
        why = apr_psprintf(p, "its saved copy \"%s\" was not written when "
                           "Apache last stopped or restarted (a full disk? "
                           "slotmem does not say), or it is damaged or was "
                           "removed", copy);

    } else {
        why = NULL;
    }

    /* a new size is the administrator's doing; a lost copy is not */
    level = (start == OCS_STORE_REGION_LOST) ? APLOG_ERR : APLOG_WARNING;

    said = NULL;
    (void) apr_pool_userdata_get((void **) &said, OCS_AP_STORE_SAID,
                                 s->process->pool);

    if (said == NULL) {
        said = apr_pcalloc(s->process->pool, sizeof(unsigned));
        (void) apr_pool_userdata_set(said, OCS_AP_STORE_SAID,
                                     apr_pool_cleanup_null,
                                     s->process->pool);
    }

    trial = ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG;
    bit = 1u << i;
    say = why != NULL && !(*said & bit);

    if (trial && why != NULL) {
        *said |= bit;

    } else if (!trial) {
        *said &= ~bit;
    }

    if (why != NULL && ocs_ap_store_kinds[i].keep) {
        lifetime = OCS_SESSION_PRIVATE_LIFETIME;

        for (vs = s; vs != NULL; vs = vs->next) {
            if (ocs_ap_srv(vs)->sso.max_lifetime > lifetime) {
                lifetime = ocs_ap_srv(vs)->sso.max_lifetime;
            }
        }

        if (ocs_revoke_lost(&ocs_ap_stores[i], lifetime,
                            (int64_t) apr_time_as_msec(apr_time_now()))
            == OCS_OK)
        {
            if (say) {
                ap_log_error(APLOG_MARK, level, 0, s,
                             "ocs: %s starts without its revocations: "
                             "%s; every session that started before now "
                             "is revoked, so that no signed-out ticket "
                             "opens again (every user signs in again)",
                             ocs_ap_store_kinds[i].directive, why);
            }

        } else {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                         "ocs: %s starts without its revocations: %s; and "
                         "it has no room for the one record that would "
                         "revoke the sessions from before",
                         ocs_ap_store_kinds[i].directive, why);
        }

    } else if (say) {
        ap_log_error(APLOG_MARK, level, 0, s,
                     "ocs: %s starts empty: %s; its %s from before are "
                     "lost", ocs_ap_store_kinds[i].directive, why,
                     ocs_ap_store_kinds[i].lost);
    }

    if (before == (uint64_t) size) {
        return;
    }

    rv = ocs_ap_store_note(p, made, size);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                     "ocs: cannot write \"%s\": should %s lose its saved "
                     "copy, the next start would not know it",
                     made, ocs_ap_store_kinds[i].directive);
    }
}


/*
 * Store i's files: what "" is the name given to slotmem, "persist" its
 * saved copy, "made" the module's note of the size.  With OCSStoreDir
 * they are dir/ocs-sessions, dir/ocs-sessions.persist and
 * dir/ocs-sessions.made (slotmem takes an absolute name as it is);
 * without, slotmem's names in DefaultRuntimeDir, and ocs-sessions.made
 * beside them.
 */
static const char *
ocs_ap_store_file(apr_pool_t *p, const ocs_ap_store_srv_t *conf, int i,
    const char *what)
{
    const char  *name = ocs_ap_store_kinds[i].slotmem;

    if (conf->dir != NULL) {
        return apr_pstrcat(p, conf->dir, "/", name, what[0] ? "." : "",
                           what, NULL);
    }

    if (what[0] == '\0') {
        return name;
    }

    return ap_runtime_dir_relative(p, strcmp(what, "persist") == 0
               ? apr_pstrcat(p, "slotmem-shm-", name, ".shm.persist", NULL)
               : apr_pstrcat(p, name, ".", what, NULL));
}


/* the size noted in path ("size N"), 0 when there is none */
static uint64_t
ocs_ap_store_noted(apr_pool_t *p, const char *path)
{
    char                 buf[64], *end;
    apr_size_t           n;
    apr_file_t          *f;
    apr_int64_t          v;

    if (apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, p)
        != APR_SUCCESS)
    {
        return 0;
    }

    n = sizeof(buf) - 1;
    if (apr_file_read(f, buf, &n) != APR_SUCCESS) {
        n = 0;
    }

    apr_file_close(f);
    buf[n] = '\0';

    if (strncmp(buf, "size ", 5) != 0) {
        return 0;
    }

    v = apr_strtoi64(buf + 5, &end, 10);

    return (end != buf + 5 && *end == '\n' && v > 0) ? (uint64_t) v : 0;
}


/* notes size in path: written beside it, then renamed over it */
static apr_status_t
ocs_ap_store_note(apr_pool_t *p, const char *path, int64_t size)
{
    const char    *tmp, *text;
    apr_file_t    *f;
    apr_status_t   rv, rv2;

    tmp = apr_pstrcat(p, path, ".new", NULL);
    text = apr_psprintf(p, "size %" APR_INT64_T_FMT "\n", (apr_int64_t) size);

    rv = apr_file_open(&f, tmp, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                       | APR_FOPEN_TRUNCATE, APR_FPROT_UREAD
                       | APR_FPROT_UWRITE, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }

    rv = apr_file_write_full(f, text, strlen(text), NULL);
    rv2 = apr_file_close(f);

    if (rv == APR_SUCCESS) {
        rv = rv2;
    }

    if (rv == APR_SUCCESS) {
        rv = apr_file_rename(tmp, path, p);
    }

    if (rv != APR_SUCCESS) {
        (void) apr_file_remove(tmp, p);
    }

    return rv;
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
