/*
 * The shared-memory zone of ngx_http_ocs_sso_module: revoked sessions,
 * seen by every worker and kept across reloads, and the ephemeral
 * ticket key used when no key file is configured.
 *
 * A revoked session stays listed until its ticket would have expired
 * anyway.  When the zone is full even after dropping expired entries,
 * the zone falls back to a single "not before" time: every session that
 * started before it is revoked, so nothing revoked ever comes back.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs_sso.h>


typedef struct {
    ngx_rbtree_t                    rbtree;
    ngx_rbtree_node_t               sentinel;
    ngx_queue_t                     queue;        /* oldest first */
    ngx_rbtree_t                    users;        /* "log off everywhere" */
    ngx_rbtree_node_t               users_sentinel;
    ngx_queue_t                     users_queue;
    int64_t                         not_before;   /* ms; the full-zone
                                                     fallback */
    time_t                          max_lifetime; /* the longest seen
                                                     since the zone began */
    u_char                          ephemeral[OCS_KEY_LEN];
} ngx_http_ocs_sso_shctx_t;


typedef struct {
    ngx_http_ocs_sso_shctx_t       *sh;
    ngx_slab_pool_t                *shpool;
    ngx_http_ocs_sso_main_conf_t   *smcf;
} ngx_http_ocs_sso_zone_ctx_t;


typedef struct {
    ngx_rbtree_node_t               node;
    ngx_queue_t                     queue;
    time_t                          expires;
    u_char                          session[OCS_SESSION_LEN];
} ngx_http_ocs_sso_revoked_t;


/* every session of a user that started until not_before (ms) is revoked */
typedef struct {
    ngx_rbtree_node_t               node;
    ngx_queue_t                     queue;
    time_t                          expires;
    int64_t                         not_before;
    size_t                          len;
    u_char                          user[1];      /* lower case */
} ngx_http_ocs_sso_user_t;


static ngx_int_t ngx_http_ocs_sso_zone_init(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_ocs_sso_zone_keys(ngx_http_ocs_sso_zone_ctx_t *ctx,
    ngx_log_t *log);
static void ngx_http_ocs_sso_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_http_ocs_sso_revoked_t *ngx_http_ocs_sso_lookup(
    ngx_http_ocs_sso_shctx_t *sh, u_char *session);
static ngx_uint_t ngx_http_ocs_sso_prune(ngx_http_ocs_sso_zone_ctx_t *ctx,
    ngx_uint_t max, ngx_uint_t all);
static void ngx_http_ocs_sso_user_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_http_ocs_sso_user_t *ngx_http_ocs_sso_user_lookup(
    ngx_http_ocs_sso_shctx_t *sh, ngx_rbtree_key_t key, u_char *user,
    size_t len);
static ngx_rbtree_key_t ngx_http_ocs_sso_user_key(u_char *lower,
    const char *user, size_t len);
static void ngx_http_ocs_sso_revoke_all(ngx_http_ocs_sso_zone_ctx_t *ctx);


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
    ngx_rbtree_init(&ctx->sh->users, &ctx->sh->users_sentinel,
                    ngx_http_ocs_sso_user_insert);
    ngx_queue_init(&ctx->sh->users_queue);
    ctx->sh->not_before = 0;
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


static ngx_rbtree_key_t
ngx_http_ocs_sso_key(u_char *session)
{
    return (ngx_rbtree_key_t) session[0] << 24
           | (ngx_rbtree_key_t) session[1] << 16
           | (ngx_rbtree_key_t) session[2] << 8
           | session[3];
}


static void
ngx_http_ocs_sso_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t           **p;
    ngx_http_ocs_sso_revoked_t   *rn, *rt;

    for ( ;; ) {

        if (node->key != temp->key) {
            p = (node->key < temp->key) ? &temp->left : &temp->right;

        } else {
            rn = (ngx_http_ocs_sso_revoked_t *) node;
            rt = (ngx_http_ocs_sso_revoked_t *) temp;

            p = (ngx_memcmp(rn->session, rt->session, OCS_SESSION_LEN) < 0)
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


static ngx_http_ocs_sso_revoked_t *
ngx_http_ocs_sso_lookup(ngx_http_ocs_sso_shctx_t *sh, u_char *session)
{
    ngx_int_t                    rc;
    ngx_rbtree_key_t             key;
    ngx_rbtree_node_t           *node, *sentinel;
    ngx_http_ocs_sso_revoked_t  *rn;

    key = ngx_http_ocs_sso_key(session);
    node = sh->rbtree.root;
    sentinel = sh->rbtree.sentinel;

    while (node != sentinel) {

        if (key != node->key) {
            node = (key < node->key) ? node->left : node->right;
            continue;
        }

        rn = (ngx_http_ocs_sso_revoked_t *) node;
        rc = ngx_memcmp(session, rn->session, OCS_SESSION_LEN);

        if (rc == 0) {
            return rn;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


ngx_int_t
ngx_http_ocs_sso_zone_revoked(ngx_shm_zone_t *zone, const ocs_ticket_t *t)
{
    ngx_int_t                     revoked;
    ngx_rbtree_key_t              key;
    ngx_http_ocs_sso_user_t      *u;
    ngx_http_ocs_sso_zone_ctx_t  *ctx;
    u_char                        lower[OCS_USER_MAX];

    ctx = zone->data;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    revoked = ocs_ticket_revoked_by(t, ctx->sh->not_before)
              || ngx_http_ocs_sso_lookup(ctx->sh, (u_char *) t->session)
                 != NULL;

    /* the per-user table is almost always empty: no hashing then */
    if (!revoked && ctx->sh->users.root != ctx->sh->users.sentinel) {
        key = ngx_http_ocs_sso_user_key(lower, t->user, t->user_len);
        u = ngx_http_ocs_sso_user_lookup(ctx->sh, key, lower, t->user_len);
        revoked = (u != NULL && ocs_ticket_revoked_by(t, u->not_before));
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return revoked;
}


/*
 * Ends every session of a user that started until now, in every worker
 * and on every device, for "lifetime" seconds (no ticket lives longer).
 */
ngx_int_t
ngx_http_ocs_sso_zone_revoke_user(ngx_shm_zone_t *zone, const char *user,
    size_t len, time_t lifetime, ngx_log_t *log)
{
    time_t                        now;
    int64_t                       now_ms;
    ngx_time_t                   *tp;
    ngx_rbtree_key_t              key;
    ngx_http_ocs_sso_user_t      *u;
    ngx_http_ocs_sso_zone_ctx_t  *ctx;
    u_char                        lower[OCS_USER_MAX];

    if (len == 0 || len > OCS_USER_MAX) {
        return NGX_ERROR;
    }

    ctx = zone->data;
    tp = ngx_timeofday();
    now = tp->sec;
    now_ms = (int64_t) tp->sec * 1000 + (int64_t) tp->msec;
    key = ngx_http_ocs_sso_user_key(lower, user, len);

    ngx_shmtx_lock(&ctx->shpool->mutex);

    lifetime = ngx_max(lifetime, ctx->sh->max_lifetime);

    u = ngx_http_ocs_sso_user_lookup(ctx->sh, key, lower, len);

    if (u == NULL) {
        (void) ngx_http_ocs_sso_prune(ctx, 8, 0);

        u = ngx_slab_alloc_locked(ctx->shpool,
                                  offsetof(ngx_http_ocs_sso_user_t, user)
                                  + len);
        if (u == NULL) {
            (void) ngx_http_ocs_sso_prune(ctx, 0, 1);
            u = ngx_slab_alloc_locked(ctx->shpool,
                                      offsetof(ngx_http_ocs_sso_user_t, user)
                                      + len);
        }

        if (u == NULL) {
            /* degrade safely, as for sessions: everyone signs in again */
            ngx_http_ocs_sso_revoke_all(ctx);
            ngx_shmtx_unlock(&ctx->shpool->mutex);

            ngx_log_error(NGX_LOG_ERR, log, 0,
                          "ocs sso: ocs_sso_zone \"%V\" is full; every "
                          "session that started before now is revoked",
                          &zone->shm.name);
            return NGX_OK;
        }

        u->node.key = key;
        u->len = len;
        ngx_memcpy(u->user, lower, len);
        u->expires = 0;
        u->not_before = 0;

        ngx_rbtree_insert(&ctx->sh->users, &u->node);
        ngx_queue_insert_tail(&ctx->sh->users_queue, &u->queue);
    }

    /*
     * A session that started after an earlier revocation in this very
     * millisecond is dated one millisecond later (see
     * ngx_http_ocs_sso_issue()): a new revocation must cover it too.
     */
    u->not_before = ngx_max(now_ms, u->not_before + 1);
    u->expires = ngx_max(u->expires,
                         (time_t) ocs_time_add(ocs_time_add(now, lifetime),
                                               1));

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return NGX_OK;
}


/*
 * The time until which the user's sessions are revoked, 0 if none; a new
 * session must start after it.
 */
int64_t
ngx_http_ocs_sso_zone_user_not_before(ngx_shm_zone_t *zone, const char *user,
    size_t len)
{
    int64_t                       nb;
    ngx_rbtree_key_t              key;
    ngx_http_ocs_sso_user_t      *u;
    ngx_http_ocs_sso_zone_ctx_t  *ctx;
    u_char                        lower[OCS_USER_MAX];

    ctx = zone->data;

    if (len == 0 || len > OCS_USER_MAX) {
        return ctx->sh->not_before;
    }

    key = ngx_http_ocs_sso_user_key(lower, user, len);

    ngx_shmtx_lock(&ctx->shpool->mutex);

    u = ngx_http_ocs_sso_user_lookup(ctx->sh, key, lower, len);
    nb = (u != NULL) ? u->not_before : 0;
    nb = ngx_max(ctx->sh->not_before, nb);

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return nb;
}


static ngx_rbtree_key_t
ngx_http_ocs_sso_user_key(u_char *lower, const char *user, size_t len)
{
    ngx_strlow(lower, (u_char *) user, len);

    return ngx_crc32_short(lower, len);
}


static ngx_http_ocs_sso_user_t *
ngx_http_ocs_sso_user_lookup(ngx_http_ocs_sso_shctx_t *sh,
    ngx_rbtree_key_t key, u_char *user, size_t len)
{
    ngx_int_t                 rc;
    ngx_rbtree_node_t        *node, *sentinel;
    ngx_http_ocs_sso_user_t  *u;

    node = sh->users.root;
    sentinel = sh->users.sentinel;

    while (node != sentinel) {

        if (key != node->key) {
            node = (key < node->key) ? node->left : node->right;
            continue;
        }

        u = (ngx_http_ocs_sso_user_t *) node;
        rc = ngx_memn2cmp(user, u->user, len, u->len);

        if (rc == 0) {
            return u;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


static void
ngx_http_ocs_sso_user_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t       **p;
    ngx_http_ocs_sso_user_t  *un, *ut;

    for ( ;; ) {

        if (node->key != temp->key) {
            p = (node->key < temp->key) ? &temp->left : &temp->right;

        } else {
            un = (ngx_http_ocs_sso_user_t *) node;
            ut = (ngx_http_ocs_sso_user_t *) temp;

            p = (ngx_memn2cmp(un->user, ut->user, un->len, ut->len) < 0)
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


ngx_int_t
ngx_http_ocs_sso_zone_revoke(ngx_shm_zone_t *zone, ocs_ticket_t *t,
    ngx_log_t *log)
{
    ngx_uint_t                    n;
    ngx_http_ocs_sso_revoked_t   *rn;
    ngx_http_ocs_sso_zone_ctx_t  *ctx;

    ctx = zone->data;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    if (ocs_ticket_revoked_by(t, ctx->sh->not_before)
        || ngx_http_ocs_sso_lookup(ctx->sh, t->session) != NULL)
    {
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        return NGX_OK;
    }

    /* a little pruning on every revocation keeps the zone from filling */
    (void) ngx_http_ocs_sso_prune(ctx, 8, 0);

    rn = ngx_slab_alloc_locked(ctx->shpool,
                               sizeof(ngx_http_ocs_sso_revoked_t));

    if (rn == NULL) {
        n = ngx_http_ocs_sso_prune(ctx, 0, 1);

        rn = ngx_slab_alloc_locked(ctx->shpool,
                                   sizeof(ngx_http_ocs_sso_revoked_t));

        if (rn == NULL) {
            /* degrade safely: end every session that started until now */
            ngx_http_ocs_sso_revoke_all(ctx);
            ngx_shmtx_unlock(&ctx->shpool->mutex);

            ngx_log_error(NGX_LOG_ERR, log, 0,
                          "ocs sso: ocs_sso_zone \"%V\" is full (%ui expired "
                          "entries dropped); every session that started "
                          "before now is revoked", &zone->shm.name, n);
            return NGX_OK;
        }
    }

    ngx_memcpy(rn->session, t->session, OCS_SESSION_LEN);
    rn->expires = (time_t) t->expires;
    rn->node.key = ngx_http_ocs_sso_key(t->session);

    ngx_rbtree_insert(&ctx->sh->rbtree, &rn->node);
    ngx_queue_insert_tail(&ctx->sh->queue, &rn->queue);

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return NGX_OK;
}


/*
 * The full-zone fallback: every session that started until now is
 * revoked by one time, which also covers every entry, so all of them are
 * freed (per-user ones too: left in place they would fill the zone again
 * at once).  Mutex held.
 */
static void
ngx_http_ocs_sso_revoke_all(ngx_http_ocs_sso_zone_ctx_t *ctx)
{
    int64_t                      now_ms;
    ngx_time_t                  *tp;
    ngx_http_ocs_sso_user_t     *u;
    ngx_http_ocs_sso_revoked_t  *rn;

    tp = ngx_timeofday();
    now_ms = (int64_t) tp->sec * 1000 + (int64_t) tp->msec;

    /* later than every sign-in dated after an earlier revocation */
    ctx->sh->not_before = ngx_max(now_ms, ctx->sh->not_before + 1);

    while (!ngx_queue_empty(&ctx->sh->users_queue)) {
        u = ngx_queue_data(ngx_queue_head(&ctx->sh->users_queue),
                           ngx_http_ocs_sso_user_t, queue);

        if (u->not_before > ctx->sh->not_before) {
            ctx->sh->not_before = u->not_before;
        }

        ngx_queue_remove(&u->queue);
        ngx_rbtree_delete(&ctx->sh->users, &u->node);
        ngx_slab_free_locked(ctx->shpool, u);
    }

    while (!ngx_queue_empty(&ctx->sh->queue)) {
        rn = ngx_queue_data(ngx_queue_head(&ctx->sh->queue),
                            ngx_http_ocs_sso_revoked_t, queue);
        ngx_queue_remove(&rn->queue);
        ngx_rbtree_delete(&ctx->sh->rbtree, &rn->node);
        ngx_slab_free_locked(ctx->shpool, rn);
    }
}


/* drops revocations of tickets that have expired anyway; mutex held */
static ngx_uint_t
ngx_http_ocs_sso_prune(ngx_http_ocs_sso_zone_ctx_t *ctx, ngx_uint_t max,
    ngx_uint_t all)
{
    time_t                       now;
    ngx_uint_t                   n, seen;
    ngx_queue_t                 *q, *next;
    ngx_http_ocs_sso_user_t     *u;
    ngx_http_ocs_sso_revoked_t  *rn;

    now = ngx_time();
    n = 0;
    seen = 0;

    for (q = ngx_queue_head(&ctx->sh->queue);
         q != ngx_queue_sentinel(&ctx->sh->queue);
         q = next)
    {
        next = ngx_queue_next(q);

        if (!all && seen++ >= max) {
            break;
        }

        rn = ngx_queue_data(q, ngx_http_ocs_sso_revoked_t, queue);

        if (rn->expires > now) {
            continue;
        }

        ngx_queue_remove(q);
        ngx_rbtree_delete(&ctx->sh->rbtree, &rn->node);
        ngx_slab_free_locked(ctx->shpool, rn);
        n++;
    }

    seen = 0;

    for (q = ngx_queue_head(&ctx->sh->users_queue);
         q != ngx_queue_sentinel(&ctx->sh->users_queue);
         q = next)
    {
        next = ngx_queue_next(q);

        if (!all && seen++ >= max) {
            break;
        }

        u = ngx_queue_data(q, ngx_http_ocs_sso_user_t, queue);

        if (u->expires > now) {
            continue;
        }

        ngx_queue_remove(q);
        ngx_rbtree_delete(&ctx->sh->users, &u->node);
        ngx_slab_free_locked(ctx->shpool, u);
        n++;
    }

    return n;
}
