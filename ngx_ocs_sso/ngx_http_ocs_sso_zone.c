/*
 * The shared-memory zone of ngx_http_ocs_sso_module, ocs_sso_zone, as
 * the store (ocs/ocs_store.h) of the revocations (ocs/ocs_revoke.h):
 * revoked sessions and users, seen by every worker and kept across
 * reloads.  And the ephemeral ticket key used when no key file is
 * configured.
 *
 * An entry is a short key with a record (ocs_store_rec_t) on a
 * red-black tree and on a queue, most recently written first.  The
 * store keeps its records (store->keep): a full zone drops nothing
 * that has not expired, and the core falls back to a single "not
 * before" time that revokes every session started until then, so that
 * nothing revoked ever comes back.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs_sso.h>

#include <ocs/ocs_revoke.h>


typedef struct {
    ngx_rbtree_t                    rbtree;
    ngx_rbtree_node_t               sentinel;
    ngx_queue_t                     queue;        /* most recent first */
    time_t                          max_lifetime; /* the longest seen
                                                     since the zone began */
    u_char                          ephemeral[OCS_KEY_LEN];
} ngx_http_ocs_sso_shctx_t;


typedef struct {
    ngx_http_ocs_sso_shctx_t       *sh;
    ngx_slab_pool_t                *shpool;
    ngx_http_ocs_sso_main_conf_t   *smcf;
    ocs_store_t                     store;        /* data: this */
} ngx_http_ocs_sso_zone_ctx_t;


/* 98 bytes and the key: a session's fits a 128-byte slab slot */
typedef struct {
    ngx_rbtree_node_t               node;         /* key: crc32 of key[] */
    ngx_queue_t                     queue;
    ocs_store_rec_t                 rec;
    u_short                         len;
    u_char                          key[1];
} ngx_http_ocs_sso_node_t;


static ngx_int_t ngx_http_ocs_sso_zone_init(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_ocs_sso_zone_keys(ngx_http_ocs_sso_zone_ctx_t *ctx,
    ngx_log_t *log);
static void ngx_http_ocs_sso_store_lock(void *data);
static void ngx_http_ocs_sso_store_unlock(void *data);
static int ngx_http_ocs_sso_store_get(void *data, const unsigned char *key,
    size_t len, ocs_store_rec_t *rec);
static int ngx_http_ocs_sso_store_put(void *data, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec);
static void ngx_http_ocs_sso_store_remove(void *data,
    const unsigned char *key, size_t len);
static void ngx_http_ocs_sso_store_expire(void *data, int64_t now,
    size_t max);
static void ngx_http_ocs_sso_store_walk(void *data, ocs_store_walk_pt fn,
    void *arg);
static void ngx_http_ocs_sso_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_http_ocs_sso_node_t *ngx_http_ocs_sso_find(
    ngx_http_ocs_sso_zone_ctx_t *ctx, const u_char *key, size_t len);
static void ngx_http_ocs_sso_free(ngx_http_ocs_sso_zone_ctx_t *ctx,
    ngx_http_ocs_sso_node_t *n);
static int64_t ngx_http_ocs_sso_zone_now_ms(void);


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

    ctx->store.lock = ngx_http_ocs_sso_store_lock;
    ctx->store.unlock = ngx_http_ocs_sso_store_unlock;
    ctx->store.get = ngx_http_ocs_sso_store_get;
    ctx->store.put = ngx_http_ocs_sso_store_put;
    ctx->store.remove = ngx_http_ocs_sso_store_remove;
    ctx->store.expire = ngx_http_ocs_sso_store_expire;
    ctx->store.walk = ngx_http_ocs_sso_store_walk;
    ctx->store.data = ctx;
    ctx->store.keep = 1;

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

    if (octx) {
        /* a reload: keep the revocations and the ephemeral key */
        ctx->sh = octx->sh;
        ctx->shpool = octx->shpool;
        return ngx_http_ocs_sso_zone_keys(ctx, shm_zone->shm.log);
    }

    ctx->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;
    ctx->sh = ngx_http_ocs_zone_state(shm_zone,
                                      sizeof(ngx_http_ocs_sso_shctx_t),
                                      "ocs_sso_zone", &fresh);
    if (ctx->sh == NULL) {
        return NGX_ERROR;
    }

    if (!fresh) {
        return ngx_http_ocs_sso_zone_keys(ctx, shm_zone->shm.log);
    }

    ngx_rbtree_init(&ctx->sh->rbtree, &ctx->sh->sentinel,
                    ngx_http_ocs_sso_rbtree_insert);
    ngx_queue_init(&ctx->sh->queue);
    ctx->sh->max_lifetime = 0;

    env = ocs_env_default();

    if (env->random(env->data, ctx->sh->ephemeral, OCS_KEY_LEN) != OCS_OK) {
        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "ocs sso: no random bytes for the ephemeral key");
        return NGX_ERROR;
    }

    return ngx_http_ocs_sso_zone_keys(ctx, shm_zone->shm.log);
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

    return &ctx->store;
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

    rc = ocs_revoke_session(&ctx->store, t,
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

    rc = ocs_revoke_user(&ctx->store, user, len, lifetime,
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


/*
 * The zone as an ocs_store_t: the zone's mutex is the store's lock, so
 * that the workers take turns.
 */

static void
ngx_http_ocs_sso_store_lock(void *data)
{
    ngx_http_ocs_sso_zone_ctx_t  *ctx = data;

    ngx_shmtx_lock(&ctx->shpool->mutex);
}


static void
ngx_http_ocs_sso_store_unlock(void *data)
{
    ngx_http_ocs_sso_zone_ctx_t  *ctx = data;

    ngx_shmtx_unlock(&ctx->shpool->mutex);
}


static int
ngx_http_ocs_sso_store_get(void *data, const unsigned char *key,
    size_t len, ocs_store_rec_t *rec)
{
    ngx_http_ocs_sso_node_t  *n;

    n = ngx_http_ocs_sso_find(data, key, len);
    if (n == NULL) {
        return OCS_ERR_NOTFOUND;
    }

    *rec = n->rec;

    return OCS_OK;
}


/* a full zone drops nothing here (store->keep): the core decides */
static int
ngx_http_ocs_sso_store_put(void *data, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec)
{
    ngx_http_ocs_sso_zone_ctx_t  *ctx = data;
    ngx_http_ocs_sso_node_t      *n;

    if (len == 0 || len > OCS_STORE_KEY_MAX) {
        return OCS_ERR_INVALID;
    }

    n = ngx_http_ocs_sso_find(ctx, key, len);

    if (n != NULL) {
        ngx_queue_remove(&n->queue);

    } else {
        n = ngx_slab_alloc_locked(ctx->shpool,
                                  offsetof(ngx_http_ocs_sso_node_t, key)
                                  + len);
        if (n == NULL) {
            return OCS_ERR_SPACE;
        }

        n->node.key = ngx_crc32_short((u_char *) key, len);
        n->len = (u_short) len;
        ngx_memcpy(n->key, key, len);

        ngx_rbtree_insert(&ctx->sh->rbtree, &n->node);
    }

    ngx_queue_insert_head(&ctx->sh->queue, &n->queue);
    n->rec = *rec;

    return OCS_OK;
}


static void
ngx_http_ocs_sso_store_remove(void *data, const unsigned char *key,
    size_t len)
{
    ngx_http_ocs_sso_node_t  *n;

    n = ngx_http_ocs_sso_find(data, key, len);

    if (n != NULL) {
        ngx_http_ocs_sso_free(data, n);
    }
}


/*
 * Looks at the max oldest entries and drops those that have expired:
 * tickets expire in no order, so one still live does not stop it.
 */
static void
ngx_http_ocs_sso_store_expire(void *data, int64_t now, size_t max)
{
    ngx_http_ocs_sso_zone_ctx_t  *ctx = data;

    ngx_queue_t              *q, *prev;
    ngx_http_ocs_sso_node_t  *n;

    for (q = ngx_queue_last(&ctx->sh->queue);
         max-- && q != ngx_queue_sentinel(&ctx->sh->queue);
         q = prev)
    {
        prev = ngx_queue_prev(q);
        n = ngx_queue_data(q, ngx_http_ocs_sso_node_t, queue);

        if (n->rec.expires <= now) {
            ngx_http_ocs_sso_free(ctx, n);
        }
    }
}


static void
ngx_http_ocs_sso_store_walk(void *data, ocs_store_walk_pt fn, void *arg)
{
    ngx_http_ocs_sso_zone_ctx_t  *ctx = data;

    int                       rc;
    ngx_queue_t              *q, *next;
    ngx_http_ocs_sso_node_t  *n;

    for (q = ngx_queue_head(&ctx->sh->queue);
         q != ngx_queue_sentinel(&ctx->sh->queue);
         q = next)
    {
        next = ngx_queue_next(q);
        n = ngx_queue_data(q, ngx_http_ocs_sso_node_t, queue);

        rc = fn(arg, n->key, n->len, &n->rec);

        if (rc == OCS_STORE_REMOVE) {
            ngx_http_ocs_sso_free(ctx, n);

        } else if (rc == OCS_STORE_STOP) {
            return;
        }
    }
}


static void
ngx_http_ocs_sso_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t        **p;
    ngx_http_ocs_sso_node_t   *nn, *nt;

    for ( ;; ) {

        if (node->key != temp->key) {
            p = (node->key < temp->key) ? &temp->left : &temp->right;

        } else {
            nn = (ngx_http_ocs_sso_node_t *) node;
            nt = (ngx_http_ocs_sso_node_t *) temp;

            p = (ngx_memn2cmp(nn->key, nt->key, nn->len, nt->len) < 0)
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


static ngx_http_ocs_sso_node_t *
ngx_http_ocs_sso_find(ngx_http_ocs_sso_zone_ctx_t *ctx, const u_char *key,
    size_t len)
{
    ngx_int_t                 rc;
    ngx_rbtree_key_t          hash;
    ngx_rbtree_node_t        *node, *sentinel;
    ngx_http_ocs_sso_node_t  *n;

    hash = ngx_crc32_short((u_char *) key, len);
    node = ctx->sh->rbtree.root;
    sentinel = ctx->sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash != node->key) {
            node = (hash < node->key) ? node->left : node->right;
            continue;
        }

        n = (ngx_http_ocs_sso_node_t *) node;
        rc = ngx_memn2cmp((u_char *) key, n->key, len, n->len);

        if (rc == 0) {
            return n;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


static void
ngx_http_ocs_sso_free(ngx_http_ocs_sso_zone_ctx_t *ctx,
    ngx_http_ocs_sso_node_t *n)
{
    ngx_queue_remove(&n->queue);
    ngx_rbtree_delete(&ctx->sh->rbtree, &n->node);
    ngx_slab_free_locked(ctx->shpool, n);
}
