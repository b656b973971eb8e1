/*
 * The shared-memory zone of ngx_http_ocs_sso_module, ocs_sso_zone, as
 * the store (ocs/ocs_store.h) of the revocations (ocs/ocs_revoke.h):
 * revoked sessions and users, seen by every worker and kept across
 * reloads.  And the ephemeral ticket key used when no key file is
 * configured.
 *
 * The zone is the common store (ngx_http_ocs_store.c) that keeps its
 * records (store->keep): a full zone drops nothing that has not
 * expired, and the core falls back to a single "not before" time that
 * revokes every session started until then, so that nothing revoked
 * ever comes back.  Beside the entries, the zone holds the ephemeral
 * key and the longest lifetime seen.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs_sso.h>

#include <ocs/ocs_revoke.h>


/* the zone's own state, beside the store's entries */
typedef struct {
    time_t                          max_lifetime; /* the longest seen
                                                     since the zone began */
    u_char                          ephemeral[OCS_KEY_LEN];
} ngx_http_ocs_sso_shctx_t;


typedef struct {
    ngx_http_ocs_store_t            zs;
    ngx_http_ocs_sso_shctx_t       *sh;           /* zs.state */
    ngx_http_ocs_sso_main_conf_t   *smcf;
} ngx_http_ocs_sso_zone_ctx_t;


static ngx_int_t ngx_http_ocs_sso_zone_init(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_ocs_sso_zone_keys(ngx_http_ocs_sso_zone_ctx_t *ctx,
    ngx_log_t *log);
static int64_t ngx_http_ocs_sso_zone_now_ms(void);
static int ngx_http_ocs_sso_zone_restore(void *data, const ocs_store_t *inner,
    const unsigned char *key, size_t len, const ocs_store_rec_t *rec);


ngx_shm_zone_t *
ngx_http_ocs_sso_zone_add(ngx_conf_t *cf, ngx_str_t *name, size_t size,
    ngx_http_ocs_sso_main_conf_t *smcf)
{
    ngx_http_ocs_sso_zone_ctx_t  *ctx;

    ctx = ngx_pcalloc(cf->pool, sizeof(ngx_http_ocs_sso_zone_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    ctx->smcf = smcf;

    ngx_http_ocs_store_conf(&ctx->zs, "ocs_sso_zone",
                            sizeof(ngx_http_ocs_sso_shctx_t), 1);

    ctx->zs.apply = ngx_http_ocs_sso_zone_restore;
    ctx->zs.apply_data = ctx;

    return ngx_http_ocs_zone_add(cf, name, size, &ngx_http_ocs_sso_module,
                                 "ocs_sso_zone", ngx_http_ocs_sso_zone_init,
                                 ctx);
}


static ngx_int_t
ngx_http_ocs_sso_zone_init(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_ocs_sso_zone_ctx_t  *octx = data;

    ngx_uint_t                    fresh;
    const ocs_env_t              *env;
    ngx_http_ocs_sso_zone_ctx_t  *ctx;

    ctx = shm_zone->data;

    /* on a reload, the revocations and the ephemeral key go on */
    if (ngx_http_ocs_store_init(&ctx->zs, shm_zone, octx ? &octx->zs : NULL,
                                &fresh)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ctx->sh = ctx->zs.state;

    if (!fresh) {
        return ngx_http_ocs_sso_zone_keys(ctx, shm_zone->shm.log);
    }

    ctx->sh->max_lifetime = 0;

    env = ocs_env_default();

    if (env->random(env->data, ctx->sh->ephemeral, OCS_KEY_LEN) != OCS_OK) {
        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "ocs sso: no random bytes for the ephemeral key");
        return NGX_ERROR;
    }

    return ngx_http_ocs_sso_zone_keys(ctx, shm_zone->shm.log);
}


/*
 * A revocation read back from the state file: a zone too small for all
 * of them revokes every session that started until now, as a full one
 * does (and says so).
 */
static int
ngx_http_ocs_sso_zone_restore(void *data, const ocs_store_t *inner,
    const unsigned char *key, size_t len, const ocs_store_rec_t *rec)
{
    ngx_http_ocs_sso_zone_ctx_t  *ctx = data;

    int  rc;

    rc = ocs_revoke_restore(inner, key, len, rec, ctx->smcf->max_lifetime,
                            ngx_http_ocs_sso_zone_now_ms());

    if (rc == OCS_ERR_SPACE) {
        ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                      "ocs sso: ocs_sso_zone \"%V\" is too small for the "
                      "revocations of its state file; every session that "
                      "started before now is revoked",
                      &ctx->zs.shm_zone->shm.name);
        return OCS_OK;
    }

    return rc;
}


/* the ring and its keyed contexts, once the zone is there */
static ngx_int_t
ngx_http_ocs_sso_zone_keys(ngx_http_ocs_sso_zone_ctx_t *ctx, ngx_log_t *log)
{
    ocs_err_t  err;

    /*
     * Revocations must outlive every ticket issued since the zone began,
     * also the longer ones of a configuration before a reload.
     */
    ctx->sh->max_lifetime = ngx_max(ctx->sh->max_lifetime,
                                    ctx->smcf->max_lifetime);

    if (ctx->smcf->key_file.len == 0 && ctx->smcf->ring->n == 0) {
        if (ocs_keyring_add(ctx->smcf->ring, ctx->sh->ephemeral, OCS_KEY_LEN,
                            &err)
            != OCS_OK)
        {
            ngx_log_error(NGX_LOG_EMERG, log, 0,
                          "ocs sso: ephemeral key: %s", err.text);
            return NGX_ERROR;
        }
    }

    /*
     * The ring is complete now: key its cipher contexts once, here in
     * the master, and every worker inherits them.
     */
    if (ctx->smcf->cache == NULL) {
        ctx->smcf->cache = ocs_ticket_cache_create(ctx->smcf->ring, &err);

        if (ctx->smcf->cache == NULL) {
            ngx_log_error(NGX_LOG_EMERG, log, 0, "ocs sso: %s", err.text);
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


const ocs_store_t *
ngx_http_ocs_sso_zone_store(ngx_shm_zone_t *zone)
{
    ngx_http_ocs_sso_zone_ctx_t  *ctx;

    ctx = zone->data;

    return &ctx->zs.store;
}


static int64_t
ngx_http_ocs_sso_zone_now_ms(void)
{
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    return (int64_t) tp->sec * 1000 + (int64_t) tp->msec;
}


ngx_int_t
ngx_http_ocs_sso_zone_revoke(ngx_shm_zone_t *zone, ocs_ticket_t *t,
    ngx_log_t *log)
{
    int                           rc;
    ocs_revoke_info_t             info;
    ngx_http_ocs_sso_zone_ctx_t  *ctx;

    ctx = zone->data;

    rc = ocs_revoke_session(&ctx->zs.store, t,
                            ngx_max(ctx->sh->max_lifetime,
                                    ctx->smcf->max_lifetime),
                            ngx_http_ocs_sso_zone_now_ms(), &info);

    if (rc == OCS_ERR_SPACE) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "ocs sso: ocs_sso_zone \"%V\" is full (%uz expired "
                      "entries dropped); every session that started "
                      "before now is revoked", &zone->shm.name,
                      info.dropped);
        return NGX_OK;
    }

    if (rc != OCS_OK) {
        ngx_log_error(NGX_LOG_CRIT, log, 0,
                      "ocs sso: ocs_sso_zone \"%V\" has no room for one "
                      "revocation", &zone->shm.name);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * Ends every session of a user that started until now, in every worker
 * and on every device, for "lifetime" seconds (no ticket lives longer).
 */
ngx_int_t
ngx_http_ocs_sso_zone_revoke_user(ngx_shm_zone_t *zone, const char *user,
    size_t len, time_t lifetime, ngx_log_t *log)
{
    int                           rc;
    ngx_http_ocs_sso_zone_ctx_t  *ctx;

    if (len == 0 || len > OCS_USER_MAX) {
        return NGX_ERROR;
    }

    ctx = zone->data;

    /* revocations must outlive every ticket issued since the zone began */
    lifetime = ngx_max(lifetime, ctx->sh->max_lifetime);

    rc = ocs_revoke_user(&ctx->zs.store, user, len, lifetime,
                         ngx_http_ocs_sso_zone_now_ms(), NULL);

    if (rc == OCS_ERR_SPACE) {
        /* degrade safely, as for sessions: everyone signs in again */
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "ocs sso: ocs_sso_zone \"%V\" is full; every "
                      "session that started before now is revoked",
                      &zone->shm.name);
        return NGX_OK;
    }

    if (rc != OCS_OK) {
        ngx_log_error(NGX_LOG_CRIT, log, 0,
                      "ocs sso: ocs_sso_zone \"%V\" has no room for one "
                      "revocation", &zone->shm.name);
        return NGX_ERROR;
    }

    return NGX_OK;
}
