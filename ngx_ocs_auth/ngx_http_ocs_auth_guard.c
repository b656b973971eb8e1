/*
 * ngx_http_ocs_auth_module's shared-memory zone, ocs_auth_zone: failed
 * sign-ins counted per account and client address, and the locks they
 * lead to (brute-force protection), one-time codes already used, and
 * single-use sign-in states.  Every worker sees it, and it is kept
 * across reloads.
 *
 * An entry is a short key (a kind letter and its data) with a count, a
 * window start, a time until which it holds, and the time after which
 * it can go.  When memory runs out, the least recently used entries go
 * first, expired or not: the zone should be large enough for the
 * entries of a lock period (docs/security.md).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs_auth.h>


#define NGX_HTTP_OCS_GUARD_ACCOUNT   'A'    /* account from an address */
#define NGX_HTTP_OCS_GUARD_ADDRESS   'I'    /* an address, any account */
#define NGX_HTTP_OCS_GUARD_TOTAL     'U'    /* an account, any address */
#define NGX_HTTP_OCS_GUARD_CODES     'C'    /* second-step codes of an
                                               account from an address */
#define NGX_HTTP_OCS_GUARD_ONCE      'O'    /* used codes and states */

#define NGX_HTTP_OCS_GUARD_LIST_MAX  (256 * 1024)
#define NGX_HTTP_OCS_GUARD_LINE_MAX  (OCS_NAME_MAX + 256)

#define NGX_HTTP_OCS_GUARD_KEY_MAX   (1 + OCS_NAME_MAX + 1 + 16)


typedef struct {
    ngx_rbtree_t                  rbtree;
    ngx_rbtree_node_t             sentinel;
    ngx_queue_t                   queue;         /* most recent first */
} ngx_http_ocs_guard_sh_t;


typedef struct {
    ngx_http_ocs_guard_sh_t      *sh;
    ngx_slab_pool_t              *shpool;
} ngx_http_ocs_guard_ctx_t;


typedef struct {
    ngx_str_node_t                sn;            /* crc32 and key[] */
    ngx_queue_t                   queue;
    time_t                        first;         /* the window's start */
    time_t                        until;         /* locked until */
    time_t                        expires;       /* may go after */
    int64_t                       value;         /* failures; a counter */
    ngx_uint_t                    inflight;      /* attempts counted, not
                                                    yet settled */
    u_char                        key[1];
} ngx_http_ocs_guard_node_t;


static ngx_int_t ngx_http_ocs_guard_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_http_ocs_guard_node_t *ngx_http_ocs_guard_find(
    ngx_http_ocs_guard_ctx_t *ctx, u_char *key, size_t len,
    uint32_t hash);
static ngx_http_ocs_guard_node_t *ngx_http_ocs_guard_get(
    ngx_http_ocs_guard_ctx_t *ctx, u_char *key, size_t len);
static void ngx_http_ocs_guard_free(ngx_http_ocs_guard_ctx_t *ctx,
    ngx_http_ocs_guard_node_t *n);
static size_t ngx_http_ocs_guard_key(u_char *key, u_char kind,
    u_char *account, size_t len, u_char *addr, size_t addr_len);
static size_t ngx_http_ocs_guard_name(ngx_str_t *typed, u_char *out);
static size_t ngx_http_ocs_guard_addr(struct sockaddr *sa, u_char *out);
static ngx_int_t ngx_http_ocs_guard_count(ngx_http_ocs_guard_ctx_t *ctx,
    u_char *key, size_t len, ngx_uint_t limit, time_t window, time_t lock,
    time_t now);
static size_t ngx_http_ocs_guard_attempt_key(ngx_http_ocs_guard_attempt_t *a,
    ngx_uint_t which, u_char *key);
static ngx_uint_t ngx_http_ocs_guard_attempt_limit(
    ngx_http_ocs_guard_attempt_t *a, ngx_uint_t which);
static time_t ngx_http_ocs_guard_attempt_window(
    ngx_http_ocs_guard_attempt_t *a, ngx_uint_t which);
static time_t ngx_http_ocs_guard_attempt_lock(
    ngx_http_ocs_guard_attempt_t *a, ngx_uint_t which);
static void ngx_http_ocs_guard_abandon(void *data);
static int64_t ngx_http_ocs_guard_failures(ngx_http_ocs_guard_node_t *n,
    time_t now);
static void ngx_http_ocs_guard_limits(ngx_http_ocs_guard_attempt_t *a,
    const ocs_ldap_policy_t *policy);
static void ngx_http_ocs_guard_give_back(ngx_http_ocs_guard_ctx_t *ctx,
    u_char *key, size_t len, ngx_http_ocs_guard_attempt_t *a,
    ngx_uint_t outcome, ngx_uint_t which, time_t now);
static void ngx_http_ocs_guard_report(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_guard_attempt_t *a);
static void ngx_http_ocs_guard_expire(ngx_http_ocs_guard_ctx_t *ctx,
    time_t now, ngx_uint_t max);
static ngx_http_ocs_guard_ctx_t *ngx_http_ocs_guard_ctx(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_auth_lockout_list(ngx_http_request_t *r);
static void ngx_http_ocs_guard_split(ngx_http_ocs_guard_node_t *e,
    ngx_str_t *user, ngx_str_t *addr);
static u_char *ngx_http_ocs_guard_describe(u_char *p,
    ngx_http_ocs_guard_node_t *e, time_t now);
static void ngx_http_ocs_auth_lockout_clear(ngx_http_request_t *r);


/* ocs_auth_zone name:size */
char *
ngx_http_ocs_auth_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_auth_main_conf_t  *amcf = conf;

    size_t     size;
    ngx_str_t  name;

    if (amcf->guard != NULL) {
        return "is duplicate";
    }

    if (ngx_http_ocs_conf_zone(cf, cmd, &name, &size) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    amcf->guard = ngx_http_ocs_guard_zone_add(cf, &name, size);

    return amcf->guard ? NGX_CONF_OK : NGX_CONF_ERROR;
}


ngx_shm_zone_t *
ngx_http_ocs_guard_zone_add(ngx_conf_t *cf, ngx_str_t *name, size_t size)
{
    ngx_http_ocs_guard_ctx_t  *ctx;

    ctx = ngx_pcalloc(cf->pool, sizeof(ngx_http_ocs_guard_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    return ngx_http_ocs_zone_add(cf, name, size, &ngx_http_ocs_auth_module,
                                 "ocs_auth_zone",
                                 ngx_http_ocs_guard_init_zone, ctx);
}


static ngx_int_t
ngx_http_ocs_guard_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_ocs_guard_ctx_t  *octx = data;

    ngx_uint_t                 fresh;
    ngx_http_ocs_guard_ctx_t  *ctx;

    ctx = shm_zone->data;

    if (octx) {
        /* a reload: the counts and locks go on */
        ctx->sh = octx->sh;
        ctx->shpool = octx->shpool;
        return NGX_OK;
    }

    ctx->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;
    ctx->sh = ngx_http_ocs_zone_state(shm_zone,
                                      sizeof(ngx_http_ocs_guard_sh_t),
                                      "ocs_auth_zone", &fresh);
    if (ctx->sh == NULL) {
        return NGX_ERROR;
    }

    if (fresh) {
        ngx_rbtree_init(&ctx->sh->rbtree, &ctx->sh->sentinel,
                        ngx_str_rbtree_insert_value);
        ngx_queue_init(&ctx->sh->queue);
    }

    /* a full zone drops old entries: no "no memory" alerts for it */
    ctx->shpool->log_nomem = 0;

    return NGX_OK;
}


static ngx_http_ocs_guard_node_t *
ngx_http_ocs_guard_find(ngx_http_ocs_guard_ctx_t *ctx, u_char *key,
    size_t len, uint32_t hash)
{
    ngx_str_t  k;

    k.data = key;
    k.len = len;

    return (ngx_http_ocs_guard_node_t *)
               ngx_str_rbtree_lookup(&ctx->sh->rbtree, &k, hash);
}


/*
 * The entry for key, made (zeroed) when there is none; the oldest
 * entries make room when the zone is full.  NULL only when even an
 * empty zone has no room.  Call with the zone locked.
 */
static ngx_http_ocs_guard_node_t *
ngx_http_ocs_guard_get(ngx_http_ocs_guard_ctx_t *ctx, u_char *key,
    size_t len)
{
    uint32_t                    hash;
    ngx_uint_t                  i;
    ngx_queue_t                *q;
    ngx_http_ocs_guard_node_t  *n;

    hash = ngx_crc32_short(key, len);

    n = ngx_http_ocs_guard_find(ctx, key, len, hash);

    if (n != NULL) {
        ngx_queue_remove(&n->queue);
        ngx_queue_insert_head(&ctx->sh->queue, &n->queue);
        return n;
    }

    for (i = 0; i < 64; i++) {
        n = ngx_slab_alloc_locked(ctx->shpool,
                                  offsetof(ngx_http_ocs_guard_node_t, key)
                                  + len);
        if (n != NULL) {
            break;
        }

        if (ngx_queue_empty(&ctx->sh->queue)) {
            return NULL;
        }

        q = ngx_queue_last(&ctx->sh->queue);
        ngx_http_ocs_guard_free(ctx,
                          ngx_queue_data(q, ngx_http_ocs_guard_node_t, queue));
    }

    if (n == NULL) {
        return NULL;
    }

    n->sn.node.key = hash;
    n->sn.str.data = n->key;
    n->sn.str.len = len;
    n->first = 0;
    n->until = 0;
    n->expires = 0;
    n->value = 0;
    n->inflight = 0;
    ngx_memcpy(n->key, key, len);

    ngx_rbtree_insert(&ctx->sh->rbtree, &n->sn.node);
    ngx_queue_insert_head(&ctx->sh->queue, &n->queue);

    return n;
}


static void
ngx_http_ocs_guard_free(ngx_http_ocs_guard_ctx_t *ctx,
    ngx_http_ocs_guard_node_t *n)
{
    ngx_queue_remove(&n->queue);
    ngx_rbtree_delete(&ctx->sh->rbtree, &n->sn.node);
    ngx_slab_free_locked(ctx->shpool, n);
}


/* drops up to max expired entries from the old end; zone locked */
static void
ngx_http_ocs_guard_expire(ngx_http_ocs_guard_ctx_t *ctx, time_t now,
    ngx_uint_t max)
{
    ngx_queue_t                *q;
    ngx_http_ocs_guard_node_t  *n;

    while (max-- && !ngx_queue_empty(&ctx->sh->queue)) {
        q = ngx_queue_last(&ctx->sh->queue);
        n = ngx_queue_data(q, ngx_http_ocs_guard_node_t, queue);

        if (n->expires > now) {
            return;
        }

        ngx_http_ocs_guard_free(ctx, n);
    }
}


/*
 * kind, then the account's key, a NUL, then the address (4 or 16
 * bytes); either may be missing.  The account's key is what a lenient
 * directory would match (ocs_name_key): every spelling of one name
 * counts as one.
 */
static size_t
ngx_http_ocs_guard_key(u_char *key, u_char kind, u_char *account,
    size_t len, u_char *addr, size_t addr_len)
{
    u_char  *p;

    p = key;
    *p++ = kind;

    if (account != NULL) {
        p = ngx_cpymem(p, account, ngx_min(len, OCS_NAME_MAX));
        *p++ = '\0';
    }

    return ngx_cpymem(p, addr, addr_len) - key;
}


/*
 * The key of a typed name.  One that cannot be folded (it never reaches
 * a directory) counts in hex behind a '!', so that its bytes cannot pose
 * as another key's.
 */
static size_t
ngx_http_ocs_guard_name(ngx_str_t *typed, u_char *out)
{
    size_t  n;

    if (ocs_username_key((char *) typed->data, typed->len, (char *) out,
                         OCS_NAME_MAX, &n)
        == OCS_OK)
    {
        return n;
    }

    n = ngx_min(typed->len, (OCS_NAME_MAX - 1) / 2);
    out[0] = '!';

    return ngx_hex_dump(out + 1, typed->data, n) - out;
}


/* the address bytes of a client: 4, 16, or none for unix sockets */
static size_t
ngx_http_ocs_guard_addr(struct sockaddr *sa, u_char *out)
{
    switch (sa->sa_family) {

#if (NGX_HAVE_INET6)
    case AF_INET6:
        ngx_memcpy(out, &((struct sockaddr_in6 *) sa)->sin6_addr, 16);
        return 16;
#endif

    case AF_INET:
        ngx_memcpy(out, &((struct sockaddr_in *) sa)->sin_addr, 4);
        return 4;

    default:
        /* unix sockets: one "address" for all */
        return 0;
    }
}


static ngx_http_ocs_guard_ctx_t *
ngx_http_ocs_guard_ctx(ngx_http_request_t *r)
{
    ngx_http_ocs_auth_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_auth_module);

    return amcf->guard ? amcf->guard->data : NULL;
}


/*
 * Whether sign-ins of account (as typed) from this client are refused
 * for now: 0, or the seconds left of the lock (and why in *why).
 */
time_t
ngx_http_ocs_guard_locked(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *account,
    ngx_uint_t codes, const char **why)
{
    u_char                      key[NGX_HTTP_OCS_GUARD_KEY_MAX];
    u_char                      name[OCS_NAME_MAX], addr[16];
    size_t                      len, name_len, addr_len;
    time_t                      now, left;
    ngx_uint_t                  i;
    ngx_http_ocs_guard_ctx_t   *ctx;
    ngx_http_ocs_guard_node_t  *n;

    static const struct {
        u_char       kind;
        ngx_uint_t   account;
        ngx_uint_t   address;
        const char  *why;
    } checks[] = {
        { NGX_HTTP_OCS_GUARD_ACCOUNT, 1, 1, "the account, from this address" },
        { NGX_HTTP_OCS_GUARD_ADDRESS, 0, 1, "this address" },
        { NGX_HTTP_OCS_GUARD_TOTAL, 1, 0, "the account" },
        { NGX_HTTP_OCS_GUARD_CODES, 1, 1,
          "codes of the account, from this address" },
    };

    ctx = ngx_http_ocs_guard_ctx(r);

    if (ctx == NULL || !alcf->lockout) {
        return 0;
    }

    name_len = ngx_http_ocs_guard_name(account, name);
    addr_len = ngx_http_ocs_guard_addr(r->connection->sockaddr, addr);

    now = ngx_time();
    left = 0;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        if (checks[i].kind == NGX_HTTP_OCS_GUARD_CODES && !codes) {
            continue;
        }

        len = ngx_http_ocs_guard_key(key, checks[i].kind,
                                     checks[i].account ? name : NULL,
                                     name_len, addr,
                                     checks[i].address ? addr_len : 0);

        n = ngx_http_ocs_guard_find(ctx, key, len,
                                    ngx_crc32_short(key, len));

        if (n != NULL && n->until > now && n->until - now > left) {
            left = n->until - now;
            *why = checks[i].why;
        }
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return left;
}


/* one more failed second-step code of account from this client */
void
ngx_http_ocs_guard_failed(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *account, ngx_uint_t codes)
{
    u_char                     key[NGX_HTTP_OCS_GUARD_KEY_MAX];
    u_char                     name[OCS_NAME_MAX], addr[16];
    size_t                     len, name_len, addr_len;
    time_t                     now;
    ngx_int_t                  a, b;
    ngx_http_ocs_guard_ctx_t  *ctx;

    ctx = ngx_http_ocs_guard_ctx(r);

    if (ctx == NULL || !alcf->lockout) {
        return;
    }

    name_len = ngx_http_ocs_guard_name(account, name);
    addr_len = ngx_http_ocs_guard_addr(r->connection->sockaddr, addr);
    now = ngx_time();

    ngx_shmtx_lock(&ctx->shpool->mutex);

    ngx_http_ocs_guard_expire(ctx, now, 8);

    len = ngx_http_ocs_guard_key(key, codes ? NGX_HTTP_OCS_GUARD_CODES
                                            : NGX_HTTP_OCS_GUARD_ACCOUNT,
                                 name, name_len, addr, addr_len);
    a = ngx_http_ocs_guard_count(ctx, key, len, alcf->lock_account,
                                 alcf->lock_window, alcf->lock_time, now);

    len = ngx_http_ocs_guard_key(key, NGX_HTTP_OCS_GUARD_ADDRESS, NULL, 0,
                                 addr, addr_len);
    b = ngx_http_ocs_guard_count(ctx, key, len, alcf->lock_address,
                                 alcf->lock_window, alcf->lock_time, now);

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    if (a < 0 || b < 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: ocs_auth_zone has no room for a failure "
                      "count");
    }

    if (a == 1) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "ocs auth: sign-ins of user \"%*s\" from %V locked "
                      "for %T s after %ui failed %s", name_len, name,
                      &r->connection->addr_text, alcf->lock_time,
                      alcf->lock_account, codes ? "codes" : "passwords");
    }

    if (b == 1) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "ocs auth: sign-ins from %V locked for %T s after %ui "
                      "failures", &r->connection->addr_text,
                      alcf->lock_time, alcf->lock_address);
    }
}


/*
 * Counts a failure in the entry for key: 1 when this one starts a lock,
 * 0 when it does not (or limit is 0: off), -1 when the zone has no room.
 * A count goes on while failures come less than window apart, as
 * directories count them (AD's observation window, ppolicy's interval).
 * Zone locked.
 */
static ngx_int_t
ngx_http_ocs_guard_count(ngx_http_ocs_guard_ctx_t *ctx, u_char *key,
    size_t len, ngx_uint_t limit, time_t window, time_t lock, time_t now)
{
    ngx_http_ocs_guard_node_t  *n;

    if (limit == 0) {
        return 0;
    }

    n = ngx_http_ocs_guard_get(ctx, key, len);
    if (n == NULL) {
        return -1;
    }

    if (n->until > now) {
        /* already locked: the lock does not grow */
        return 0;
    }

    if (n->value == 0 || now >= n->expires) {
        n->first = now;
        n->value = 0;
    }

    n->value++;
    n->expires = ngx_max(n->expires, now + window);

    if ((ngx_uint_t) n->value < limit) {
        return 0;
    }

    /* first stays: when the failures that locked began, for the list */
    n->until = now + lock;
    n->expires = n->until;
    n->value = 0;

    return 1;
}




/* a second step of account from this client succeeded: its count restarts */
void
ngx_http_ocs_guard_succeeded(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *account, ngx_uint_t codes)
{
    u_char                      key[NGX_HTTP_OCS_GUARD_KEY_MAX];
    u_char                      name[OCS_NAME_MAX], addr[16];
    size_t                      len, name_len, addr_len;
    ngx_http_ocs_guard_ctx_t   *ctx;
    ngx_http_ocs_guard_node_t  *n;

    ctx = ngx_http_ocs_guard_ctx(r);

    if (ctx == NULL || !alcf->lockout) {
        return;
    }

    name_len = ngx_http_ocs_guard_name(account, name);
    addr_len = ngx_http_ocs_guard_addr(r->connection->sockaddr, addr);

    len = ngx_http_ocs_guard_key(key, codes ? NGX_HTTP_OCS_GUARD_CODES
                                            : NGX_HTTP_OCS_GUARD_ACCOUNT,
                                 name, name_len, addr, addr_len);

    ngx_shmtx_lock(&ctx->shpool->mutex);

    n = ngx_http_ocs_guard_find(ctx, key, len, ngx_crc32_short(key, len));

    if (n != NULL && n->until <= ngx_time()) {
        ngx_http_ocs_guard_free(ctx, n);
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);
}


/*
 * A password sign-in's part in the counts.  The attempt is counted
 * before the password is tried, by the account it is for and by the
 * client's address, and settled after: a wrong password keeps the
 * counts, a success clears the account's (but for the attempts still in
 * flight), and an attempt whose password was never judged (a directory
 * that did not answer before the password went out, an account state
 * only the right password reveals) gives them back.  Counting first
 * keeps sign-ins in flight at once from passing a limit together;
 * counting by the account the directory resolved, not by the name
 * typed, keeps spellings from having counts of their own.
 */
ngx_int_t
ngx_http_ocs_guard_attempt_init(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *typed,
    ngx_http_ocs_guard_attempt_t *a)
{
    ngx_pool_cleanup_t  *cln;

    ngx_memzero(a, sizeof(ngx_http_ocs_guard_attempt_t));

    a->ctx = alcf->lockout ? ngx_http_ocs_guard_ctx(r) : NULL;
    a->account = alcf->lock_account;
    a->address = alcf->lock_address;
    a->total = alcf->lock_total;
    a->window = alcf->lock_window;
    a->lock = alcf->lock_time;
    a->addr_len = ngx_http_ocs_guard_addr(r->connection->sockaddr, a->addr);
    a->typed_len = ngx_http_ocs_guard_name(typed, a->typed);

    /* a request that ends unsettled (the client left) leaves its counts */
    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_ocs_guard_abandon;
    cln->data = a;

    return NGX_OK;
}


/*
 * The limits that apply: the configured ones, and below a lockout
 * threshold the directory has, so that the proxy refuses at least one
 * failure before the directory would lock the account; its window and
 * lock then last at least the directory's observation window, so that
 * no count the directory still keeps is forgotten here.
 */
static void
ngx_http_ocs_guard_limits(ngx_http_ocs_guard_attempt_t *a,
    const ocs_ldap_policy_t *policy)
{
    time_t      dir_window;
    ngx_uint_t  below;

    a->limit_account = a->account;
    a->limit_total = a->total;
    a->limit_window = a->window;
    a->limit_lock = a->lock;

    if (policy == NULL || !policy->known || policy->threshold <= 0) {
        return;
    }

    below = (policy->threshold > 1) ? (ngx_uint_t) policy->threshold - 1 : 1;
    a->threshold = policy->threshold;

    a->limit_account = a->account ? ngx_min(a->account, below) : below;
    a->limit_total = a->total ? ngx_min(a->total, below) : below;

    /* a directory that never forgets a failure: a day is as far as we go */
    dir_window = (policy->window > 0 && policy->window < 86400)
                 ? (time_t) policy->window : 86400;

    a->limit_window = ngx_max(a->window, dir_window);
    a->limit_lock = ngx_max(a->lock, dir_window);
}


/* the key of each count an attempt takes part in */
static size_t
ngx_http_ocs_guard_attempt_key(ngx_http_ocs_guard_attempt_t *a,
    ngx_uint_t which, u_char *key)
{
    switch (which) {

    case NGX_HTTP_OCS_GUARD_BY_ADDRESS:
        return ngx_http_ocs_guard_key(key, NGX_HTTP_OCS_GUARD_ACCOUNT,
                                      a->key, a->key_len, a->addr,
                                      a->addr_len);

    case NGX_HTTP_OCS_GUARD_ANYWHERE:
        return ngx_http_ocs_guard_key(key, NGX_HTTP_OCS_GUARD_TOTAL, a->key,
                                      a->key_len, NULL, 0);

    default: /* NGX_HTTP_OCS_GUARD_ADDRESS_ONLY */
        return ngx_http_ocs_guard_key(key, NGX_HTTP_OCS_GUARD_ADDRESS, NULL,
                                      0, a->addr, a->addr_len);
    }
}


/*
 * Counts the attempt for the account key (NULL: the name as typed) and
 * the address, unless one of them is locked: NGX_OK to try the
 * password, NGX_DECLINED with a->left and a->why when locked.  It makes
 * no nginx call but ngx_time() and the zone's lock, so that a pool
 * thread may run it between the directory's search and the bind.
 */
ngx_int_t
ngx_http_ocs_guard_charge(ngx_http_ocs_guard_attempt_t *a, u_char *account,
    size_t len, const ocs_ldap_policy_t *policy)
{
    u_char                      key[NGX_HTTP_OCS_GUARD_KEY_MAX];
    size_t                      klen;
    time_t                      now;
    ngx_uint_t                  i, which, limit;
    ngx_http_ocs_guard_ctx_t   *ctx;
    ngx_http_ocs_guard_node_t  *n;

    static const struct {
        ngx_uint_t   which;
        const char  *why;
    } counts[] = {
        { NGX_HTTP_OCS_GUARD_BY_ADDRESS, "the account, from this address" },
        { NGX_HTTP_OCS_GUARD_ANYWHERE, "the account" },
        { NGX_HTTP_OCS_GUARD_ADDRESS_ONLY, "this address" },
    };

    ctx = a->ctx;

    if (account == NULL) {
        account = a->typed;
        len = a->typed_len;
    }

    ngx_memcpy(a->key, account, ngx_min(len, OCS_NAME_MAX));
    a->key_len = ngx_min(len, OCS_NAME_MAX);

    ngx_http_ocs_guard_limits(a, policy);

    if (ctx == NULL) {
        return NGX_OK;
    }

    now = ngx_time();

    ngx_shmtx_lock(&ctx->shpool->mutex);

    ngx_http_ocs_guard_expire(ctx, now, 8);

    /* locked, or as many in flight as failures may still come */
    for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        which = counts[i].which;
        limit = ngx_http_ocs_guard_attempt_limit(a, which);

        klen = ngx_http_ocs_guard_attempt_key(a, which, key);
        n = ngx_http_ocs_guard_find(ctx, key, klen,
                                    ngx_crc32_short(key, klen));

        if (n == NULL) {
            continue;
        }

        if (n->until > now && n->until - now > a->left) {
            a->left = n->until - now;
            a->why = counts[i].why;
            a->busy = 0;

        } else if (a->left == 0 && limit
                   && (ngx_uint_t) ngx_http_ocs_guard_failures(n, now)
                      + n->inflight >= limit)
        {
            a->left = 1;
            a->why = counts[i].why;
            a->busy = 1;
        }
    }

    if (a->left) {
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        return NGX_DECLINED;
    }

    for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        which = counts[i].which;

        if (ngx_http_ocs_guard_attempt_limit(a, which) == 0) {
            continue;
        }

        klen = ngx_http_ocs_guard_attempt_key(a, which, key);
        n = ngx_http_ocs_guard_get(ctx, key, klen);

        if (n == NULL) {
            a->no_room = 1;
            continue;
        }

        n->inflight++;
        n->expires = ngx_max(n->expires,
                             now + ngx_http_ocs_guard_attempt_window(a,
                                                                     which));
        a->charged |= which;
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return NGX_OK;
}


/* the failures an entry counts now: none once its window has passed */
static int64_t
ngx_http_ocs_guard_failures(ngx_http_ocs_guard_node_t *n, time_t now)
{
    return (now >= n->expires) ? 0 : n->value;
}


/* the limit, window and lock of one count of the attempt */
static ngx_uint_t
ngx_http_ocs_guard_attempt_limit(ngx_http_ocs_guard_attempt_t *a,
    ngx_uint_t which)
{
    return which == NGX_HTTP_OCS_GUARD_BY_ADDRESS ? a->limit_account
           : which == NGX_HTTP_OCS_GUARD_ANYWHERE ? a->limit_total
           : a->address;
}


static time_t
ngx_http_ocs_guard_attempt_window(ngx_http_ocs_guard_attempt_t *a,
    ngx_uint_t which)
{
    return which == NGX_HTTP_OCS_GUARD_ADDRESS_ONLY ? a->window
                                                    : a->limit_window;
}


static time_t
ngx_http_ocs_guard_attempt_lock(ngx_http_ocs_guard_attempt_t *a,
    ngx_uint_t which)
{
    return which == NGX_HTTP_OCS_GUARD_ADDRESS_ONLY ? a->lock
                                                    : a->limit_lock;
}


/*
 * ocs_ldap_authenticate()'s admission hook, in the pool thread: the
 * account the search found, or the name as typed when it found none.
 */
int
ngx_http_ocs_guard_admit(void *data, const ocs_ldap_account_t *acct)
{
    ngx_http_ocs_guard_attempt_t *a = data;

    size_t  n;
    u_char  key[OCS_NAME_MAX];

    if (acct->found
        && ocs_ldap_account_key(acct, (char *) key, sizeof(key), &n)
           == OCS_OK)
    {
        return ngx_http_ocs_guard_charge(a, key, n, &acct->policy) == NGX_OK
               ? OCS_OK : OCS_ERR_AUTH;
    }

    return ngx_http_ocs_guard_charge(a, NULL, 0, &acct->policy) == NGX_OK
           ? OCS_OK : OCS_ERR_AUTH;
}


/* the outcome of a counted attempt, on the event loop */
void
ngx_http_ocs_guard_settle(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_guard_attempt_t *a,
    ngx_uint_t outcome)
{
    u_char                      key[NGX_HTTP_OCS_GUARD_KEY_MAX];
    size_t                      len;
    time_t                      now;
    ngx_uint_t                  which;
    ngx_http_ocs_guard_ctx_t   *ctx;

    ctx = a->ctx;

    if (ctx == NULL || !a->charged) {
        return;
    }

    now = ngx_time();

    ngx_shmtx_lock(&ctx->shpool->mutex);

    for (which = 1; which <= NGX_HTTP_OCS_GUARD_ADDRESS_ONLY; which <<= 1) {
        if (!(a->charged & which)) {
            continue;
        }

        len = ngx_http_ocs_guard_attempt_key(a, which, key);
        ngx_http_ocs_guard_give_back(ctx, key, len, a, outcome, which, now);
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    a->charged = 0;

    if (outcome == NGX_HTTP_OCS_GUARD_FAILED) {
        ngx_http_ocs_guard_report(r, alcf, a);
    }
}


/*
 * One count of a settled attempt, no longer in flight: a wrong password
 * counts as a failure, and may start a lock; a success clears an
 * account's failures and lock, as the directory's own count starts
 * again after a good password; an attempt whose password was never
 * judged leaves the failures as they were.  Zone locked.
 */
static void
ngx_http_ocs_guard_give_back(ngx_http_ocs_guard_ctx_t *ctx, u_char *key,
    size_t len, ngx_http_ocs_guard_attempt_t *a, ngx_uint_t outcome,
    ngx_uint_t which, time_t now)
{
    ngx_http_ocs_guard_node_t  *n;

    n = ngx_http_ocs_guard_find(ctx, key, len, ngx_crc32_short(key, len));

    if (n != NULL && n->inflight > 0) {
        n->inflight--;
    }

    if (outcome == NGX_HTTP_OCS_GUARD_FAILED) {
        if (n == NULL) {
            /* made room for others meanwhile: counted afresh */
            n = ngx_http_ocs_guard_get(ctx, key, len);
            if (n == NULL) {
                a->no_room = 1;
                return;
            }
        }

        if (ngx_http_ocs_guard_count(ctx, key, len,
                                     ngx_http_ocs_guard_attempt_limit(a,
                                                                     which),
                                     ngx_http_ocs_guard_attempt_window(a,
                                                                     which),
                                     ngx_http_ocs_guard_attempt_lock(a,
                                                                     which),
                                     now)
            == 1)
        {
            a->started |= which;
        }

        return;
    }

    if (n == NULL) {
        return;
    }

    if (outcome == NGX_HTTP_OCS_GUARD_SUCCEEDED
        && which != NGX_HTTP_OCS_GUARD_ADDRESS_ONLY)
    {
        n->value = 0;
        n->until = 0;
    }

    if (n->value == 0 && n->until <= now && n->inflight == 0) {
        ngx_http_ocs_guard_free(ctx, n);
    }
}

/*
 * The request pool's cleanup: an attempt never settled (the client went
 * away while it ran) is no longer in flight, and counts as a failure,
 * since the directory may have judged a wrong password (its lock, if it
 * starts one, is not logged: there is no request left to log with).
 */
static void
ngx_http_ocs_guard_abandon(void *data)
{
    ngx_http_ocs_guard_attempt_t *a = data;

    u_char                      key[NGX_HTTP_OCS_GUARD_KEY_MAX];
    size_t                      len;
    ngx_uint_t                  which;
    ngx_http_ocs_guard_ctx_t   *ctx;

    ctx = a->ctx;

    if (ctx == NULL || !a->charged) {
        return;
    }

    ngx_shmtx_lock(&ctx->shpool->mutex);

    for (which = 1; which <= NGX_HTTP_OCS_GUARD_ADDRESS_ONLY; which <<= 1) {
        if (!(a->charged & which)) {
            continue;
        }

        len = ngx_http_ocs_guard_attempt_key(a, which, key);
        ngx_http_ocs_guard_give_back(ctx, key, len, a,
                                     NGX_HTTP_OCS_GUARD_FAILED, which,
                                     ngx_time());
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    a->charged = 0;
}


/* the log lines of the locks a failed attempt started */
static void
ngx_http_ocs_guard_report(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_guard_attempt_t *a)
{
    u_char  why[64];

    if (a->no_room) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: ocs_auth_zone has no room for a failure "
                      "count");
    }

    why[0] = '\0';

    if (a->threshold == 1) {
        ngx_sprintf(why, " (the directory locks after 1: it cannot be kept "
                    "from locking)%Z");

    } else if (a->threshold) {
        ngx_sprintf(why, " (the directory locks after %d)%Z", a->threshold);
    }

    if (a->started & NGX_HTTP_OCS_GUARD_BY_ADDRESS) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "ocs auth: sign-ins of user \"%*s\" from %V locked "
                      "for %T s after %ui failed passwords%s", a->key_len,
                      a->key, &r->connection->addr_text, a->limit_lock,
                      a->limit_account, why);
    }

    if (a->started & NGX_HTTP_OCS_GUARD_ANYWHERE) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "ocs auth: sign-ins of user \"%*s\" from anywhere "
                      "locked for %T s after %ui failures%s", a->key_len,
                      a->key, a->limit_lock, a->limit_total, why);
    }

    if (a->started & NGX_HTTP_OCS_GUARD_ADDRESS_ONLY) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "ocs auth: sign-ins from %V locked for %T s after %ui "
                      "failures", &r->connection->addr_text,
                      alcf->lock_time, alcf->lock_address);
    }
}


/*
 * Records that value (a one-time code's time step, say) was used under
 * key (kind and data), until expires.  NGX_OK when it is new: greater
 * than what was used before under that key; NGX_DECLINED when it is not
 * (a replay); NGX_ERROR when the zone has no room at all.
 */
ngx_int_t
ngx_http_ocs_guard_once(ngx_http_request_t *r, u_char kind, u_char *data,
    size_t len, int64_t value, time_t expires)
{
    u_char                      key[NGX_HTTP_OCS_GUARD_KEY_MAX];
    ngx_int_t                   rc;
    ngx_http_ocs_guard_ctx_t   *ctx;
    ngx_http_ocs_guard_node_t  *n;

    ctx = ngx_http_ocs_guard_ctx(r);

    if (ctx == NULL || len + 2 > sizeof(key)) {
        return NGX_ERROR;
    }

    key[0] = NGX_HTTP_OCS_GUARD_ONCE;
    key[1] = kind;
    ngx_memcpy(key + 2, data, len);

    ngx_shmtx_lock(&ctx->shpool->mutex);

    ngx_http_ocs_guard_expire(ctx, ngx_time(), 8);

    n = ngx_http_ocs_guard_get(ctx, key, len + 2);

    if (n == NULL) {
        rc = NGX_ERROR;

    } else if (n->expires > ngx_time() && n->value >= value) {
        rc = NGX_DECLINED;

    } else {
        n->value = value;
        n->expires = expires;
        rc = NGX_OK;
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return rc;
}


/*
 * ocs_auth_lockout_admin: GET lists the locks and counts in text/plain;
 * POST with "clear=all", "clear=user NAME" or "clear=address ADDR" (an
 * address as the list shows it) clears them.  Protect the location with
 * allow/deny or auth_basic.
 */
ngx_int_t
ngx_http_ocs_auth_lockout_admin_handler(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    rc = ngx_http_ocs_refuse_plain(r, ngx_http_ocs_https_port(r));
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_ocs_auth_lockout_list(r);
    }

    if (r->method != NGX_HTTP_POST) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    if (ngx_http_ocs_cross_site(r)) {
        return NGX_HTTP_FORBIDDEN;
    }

    return ngx_http_ocs_read_form(r, 4096, ngx_http_ocs_auth_lockout_clear);
}


static ngx_int_t
ngx_http_ocs_auth_lockout_list(ngx_http_request_t *r)
{
    u_char                     *p, *last, *body;
    time_t                      now;
    ngx_uint_t                  n;
    ngx_queue_t                *q;
    ngx_http_ocs_guard_ctx_t   *ctx;
    ngx_http_ocs_guard_node_t  *e;
    char                        at[OCS_TIME_ISO_LEN + 1];

    ctx = ngx_http_ocs_guard_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_NOT_FOUND;
    }

    body = ngx_pnalloc(r->pool, NGX_HTTP_OCS_GUARD_LIST_MAX);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = body;
    last = body + NGX_HTTP_OCS_GUARD_LIST_MAX;
    now = ngx_time();
    n = 0;

    (void) ocs_time_iso(now, at, sizeof(at));

    p = ngx_sprintf(p, "# sign-in locks and failure counts at %s; times "
                    "in UTC\n", at);

    ngx_shmtx_lock(&ctx->shpool->mutex);

    for (q = ngx_queue_head(&ctx->sh->queue);
         q != ngx_queue_sentinel(&ctx->sh->queue)
         && last - p > NGX_HTTP_OCS_GUARD_LINE_MAX;
         q = ngx_queue_next(q))
    {
        e = ngx_queue_data(q, ngx_http_ocs_guard_node_t, queue);

        if (e->expires > now && e->key[0] != NGX_HTTP_OCS_GUARD_ONCE) {
            p = ngx_http_ocs_guard_describe(p, e, now);
            n++;
        }
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    if (n == 0) {
        p = ngx_cpymem(p, "no locks and no failed sign-ins counted\n",
                       sizeof("no locks and no failed sign-ins counted\n")
                       - 1);
    }

    return ngx_http_ocs_send(r, NGX_HTTP_OK, "text/plain", body, p - body);
}


/*
 * An entry's key in its parts: the user (lower case) or an empty
 * string, the address bytes (0, 4 or 16) after it.
 */
static void
ngx_http_ocs_guard_split(ngx_http_ocs_guard_node_t *e, ngx_str_t *user,
    ngx_str_t *addr)
{
    u_char  *p, *end;

    p = e->key + 1;
    end = e->key + e->sn.str.len;

    ngx_str_null(user);

    if (e->key[0] != NGX_HTTP_OCS_GUARD_ADDRESS) {
        user->data = p;
        p = ngx_strlchr(p, end, '\0');

        if (p == NULL) {
            p = end;
        }

        user->len = p - user->data;

        if (p < end) {
            p++;
        }
    }

    addr->data = p;
    addr->len = end - p;
}


/* one line of the list, at most NGX_HTTP_OCS_GUARD_LINE_MAX bytes */
static u_char *
ngx_http_ocs_guard_describe(u_char *p, ngx_http_ocs_guard_node_t *e,
    time_t now)
{
    u_char     text[NGX_INET6_ADDRSTRLEN];
    char       at[OCS_TIME_ISO_LEN + 1];
    size_t     len;
    ngx_str_t  user, addr;

    ngx_http_ocs_guard_split(e, &user, &addr);

    len = 0;

    if (addr.len == 4) {
        len = ngx_inet_ntop(AF_INET, addr.data, text, sizeof(text));

#if (NGX_HAVE_INET6)
    } else if (addr.len == 16) {
        len = ngx_inet_ntop(AF_INET6, addr.data, text, sizeof(text));
#endif
    }

    p = ngx_sprintf(p, "%s", e->until > now ? "locked  " : "counted ");

    if (user.len) {
        p = ngx_sprintf(p, " user %*s", ngx_min(user.len, 256), user.data);
    }

    if (e->key[0] == NGX_HTTP_OCS_GUARD_CODES) {
        p = ngx_sprintf(p, " (codes)");
    }

    if (len) {
        p = ngx_sprintf(p, " address %*s", len, text);

    } else if (e->key[0] == NGX_HTTP_OCS_GUARD_TOTAL) {
        p = ngx_sprintf(p, " address any");
    }

    if (e->until <= now) {
        p = ngx_sprintf(p, "  %L failure%s", e->value,
                        e->value == 1 ? "" : "s");
    }

    if (e->first) {
        (void) ocs_time_iso(e->first, at, sizeof(at));
        p = ngx_sprintf(p, "  first failure at %s", at);
    }

    /* a count lasts as long as its window, a lock its time */
    if (e->until > now) {
        (void) ocs_time_iso(e->until, at, sizeof(at));
        return ngx_sprintf(p, "  locked until %s (%T s left)\n", at,
                           e->until - now);
    }

    (void) ocs_time_iso(e->expires, at, sizeof(at));

    return ngx_sprintf(p, "  counted until %s (%T s left)\n", at,
                       e->expires - now);
}


/* POST clear=all | clear=user NAME | clear=address ADDR */
static void
ngx_http_ocs_auth_lockout_clear(ngx_http_request_t *r)
{
    u_char                     *p;
    ngx_str_t                   body, arg, user, addr, want;
    ngx_uint_t                  n, by_user, all;
    ngx_addr_t                  a;
    ngx_queue_t                *q, *next;
    ngx_http_ocs_guard_ctx_t   *ctx;
    ngx_http_ocs_guard_node_t  *e;
    u_char                      low[OCS_NAME_MAX];
    u_char                      text[64];

    ctx = ngx_http_ocs_guard_ctx(r);

    if (ctx == NULL
        || ngx_http_ocs_form_body(r, 4096, &body) != NGX_OK
        || ngx_http_ocs_auth_field(r, &body, "clear", 512, &arg) != NGX_OK)
    {
        ngx_http_finalize_request(r,
            ngx_http_ocs_send_text(r, NGX_HTTP_BAD_REQUEST,
                                   "use clear=all, clear=user NAME or "
                                   "clear=address ADDRESS\n"));
        return;
    }

    all = 0;
    by_user = 0;
    want.len = 0;
    want.data = low;

    if (arg.len == 3 && ngx_strncmp(arg.data, "all", 3) == 0) {
        all = 1;

    } else if (arg.len > 5 && ngx_strncmp(arg.data, "user ", 5) == 0
               && arg.len - 5 <= OCS_NAME_MAX)
    {
        by_user = 1;
        user.data = arg.data + 5;
        user.len = arg.len - 5;
        want.len = ngx_http_ocs_guard_name(&user, low);

    } else if (arg.len > 8 && ngx_strncmp(arg.data, "address ", 8) == 0
               && ngx_parse_addr(r->pool, &a, arg.data + 8, arg.len - 8)
                  == NGX_OK)
    {
        switch (a.sockaddr->sa_family) {

#if (NGX_HAVE_INET6)
        case AF_INET6:
            ngx_memcpy(low, &((struct sockaddr_in6 *) a.sockaddr)->sin6_addr,
                       16);
            want.len = 16;
            break;
#endif

        default:
            ngx_memcpy(low, &((struct sockaddr_in *) a.sockaddr)->sin_addr,
                       4);
            want.len = 4;
        }

    } else {
        ngx_http_finalize_request(r,
            ngx_http_ocs_send_text(r, NGX_HTTP_BAD_REQUEST,
                                   "use clear=all, clear=user NAME or "
                                   "clear=address ADDRESS\n"));
        return;
    }

    n = 0;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    for (q = ngx_queue_head(&ctx->sh->queue);
         q != ngx_queue_sentinel(&ctx->sh->queue);
         q = next)
    {
        next = ngx_queue_next(q);
        e = ngx_queue_data(q, ngx_http_ocs_guard_node_t, queue);

        if (e->key[0] == NGX_HTTP_OCS_GUARD_ONCE) {
            continue;
        }

        ngx_http_ocs_guard_split(e, &user, &addr);

        if (all
            || (by_user && user.len == want.len
                && ngx_memcmp(user.data, want.data, want.len) == 0)
            || (!by_user && addr.len == want.len
                && ngx_memcmp(addr.data, want.data, want.len) == 0))
        {
            ngx_http_ocs_guard_free(ctx, e);
            n++;
        }
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "ocs auth: %ui sign-in lock and count entries cleared "
                  "(\"%V\")", n, &arg);

    p = ngx_sprintf(text, "cleared %ui\n%Z", n);
    (void) p;

    ngx_http_finalize_request(r, ngx_http_ocs_send_text(r, NGX_HTTP_OK,
                                                       (char *) text));
}
