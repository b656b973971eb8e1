/*
 * Revocations over a store (ocs_revoke.h): per session, per user, and
 * the full-store fallback that revokes every session started until now.
 */

#include <string.h>

#include <ocs/ocs_revoke.h>


/* the keys: the store's own record, a session's, a user's */
#define OCS_REVOKE_KEY_ALL      "r*"
#define OCS_REVOKE_KEY_SESSION  "rs"
#define OCS_REVOKE_KEY_USER     "ru"
#define OCS_REVOKE_PREFIX_LEN   2

/* expired records one revocation drops on its way, to keep room */
#define OCS_REVOKE_PRUNE        8


/* the fallback's walk: the latest per-user time seen */
typedef struct {
    int64_t        not_before;
} ocs_revoke_fold_t;


/* the pruning walk */
typedef struct {
    int64_t        now;
    size_t         dropped;
} ocs_revoke_prune_t;


static size_t ocs_revoke_session_key(const ocs_ticket_t *t,
    unsigned char *key);
static size_t ocs_revoke_user_key(const char *user, size_t len,
    unsigned char *key);
static void ocs_revoke_get_all(const ocs_store_t *store,
    ocs_store_rec_t *all);
static int ocs_revoke_put(const ocs_store_t *store, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec, int64_t lifetime,
    int64_t now_ms, ocs_revoke_info_t *info);
static int ocs_revoke_prune(void *arg, const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec);
static int ocs_revoke_all(const ocs_store_t *store, int64_t lifetime,
    int64_t now_ms);
static int ocs_revoke_fold(void *arg, const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec);
static int64_t ocs_revoke_sec(int64_t ms);
static int64_t ocs_revoke_max(int64_t a, int64_t b);


static int64_t
ocs_revoke_max(int64_t a, int64_t b)
{
    return (a > b) ? a : b;
}


/* milliseconds to seconds, rounding down */
static int64_t
ocs_revoke_sec(int64_t ms)
{
    return (ms >= 0) ? ms / 1000 : -((-(ms + 1)) / 1000) - 1;
}


static size_t
ocs_revoke_session_key(const ocs_ticket_t *t, unsigned char *key)
{
    memcpy(key, OCS_REVOKE_KEY_SESSION, OCS_REVOKE_PREFIX_LEN);
    memcpy(key + OCS_REVOKE_PREFIX_LEN, t->session, OCS_SESSION_LEN);

    return OCS_REVOKE_PREFIX_LEN + OCS_SESSION_LEN;
}


/* the user's key, the name in ASCII lower case; 0 for a bad length */
static size_t
ocs_revoke_user_key(const char *user, size_t len, unsigned char *key)
{
    size_t         i;
    unsigned char  c;

    if (len == 0 || len > OCS_USER_MAX) {
        return 0;
    }

    memcpy(key, OCS_REVOKE_KEY_USER, OCS_REVOKE_PREFIX_LEN);

    for (i = 0; i < len; i++) {
        c = (unsigned char) user[i];
        key[OCS_REVOKE_PREFIX_LEN + i] = (c >= 'A' && c <= 'Z')
                                         ? (unsigned char) (c | 0x20) : c;
    }

    return OCS_REVOKE_PREFIX_LEN + len;
}


/* the store's own record, zero when there is none; locked */
static void
ocs_revoke_get_all(const ocs_store_t *store, ocs_store_rec_t *all)
{
    if (store->get(store->data, (const unsigned char *) OCS_REVOKE_KEY_ALL,
                   OCS_REVOKE_PREFIX_LEN, all)
        != OCS_OK)
    {
        memset(all, 0, sizeof(ocs_store_rec_t));
    }
}


int
ocs_revoke_check(const ocs_store_t *store, const ocs_ticket_t *t,
    int64_t now)
{
    int              revoked;
    size_t           klen;
    ocs_store_rec_t  all, rec;
    unsigned char    key[OCS_REVOKE_PREFIX_LEN + OCS_USER_MAX];

    if (store == NULL) {
        return 0;
    }

    store->lock(store->data);

    ocs_revoke_get_all(store, &all);

    klen = ocs_revoke_session_key(t, key);

    revoked = ocs_ticket_revoked_by(t, all.value)
              || store->get(store->data, key, klen, &rec) == OCS_OK;

    /* per-user records are rare: no look-up while none can be live */
    if (!revoked && all.until > now) {
        klen = ocs_revoke_user_key(t->user, t->user_len, key);

        revoked = klen != 0
                  && store->get(store->data, key, klen, &rec) == OCS_OK
                  && ocs_ticket_revoked_by(t, rec.value);
    }

    store->unlock(store->data);

    return revoked;
}


int
ocs_revoke_session(const ocs_store_t *store, const ocs_ticket_t *t,
    int64_t lifetime, int64_t now_ms, ocs_revoke_info_t *info)
{
    int              rc;
    size_t           klen;
    ocs_store_rec_t  all, rec;
    unsigned char    key[OCS_REVOKE_PREFIX_LEN + OCS_SESSION_LEN];

    if (info != NULL) {
        info->dropped = 0;
    }

    if (!store->keep) {
        return OCS_ERR_INVALID;
    }

    klen = ocs_revoke_session_key(t, key);

    store->lock(store->data);

    ocs_revoke_get_all(store, &all);

    if (ocs_ticket_revoked_by(t, all.value)
        || store->get(store->data, key, klen, &rec) == OCS_OK)
    {
        store->unlock(store->data);
        return OCS_OK;
    }

    /* a little pruning on every revocation keeps the store from filling */
    store->expire(store->data, ocs_revoke_sec(now_ms), OCS_REVOKE_PRUNE);

    memset(&rec, 0, sizeof(ocs_store_rec_t));
    rec.first = ocs_revoke_sec(now_ms);
    rec.expires = t->expires;

    rc = ocs_revoke_put(store, key, klen, &rec, lifetime, now_ms, info);

    store->unlock(store->data);

    return rc;
}


int
ocs_revoke_user(const ocs_store_t *store, const char *user, size_t len,
    int64_t lifetime, int64_t now_ms, ocs_revoke_info_t *info)
{
    int              rc;
    size_t           klen;
    int64_t          now;
    ocs_store_rec_t  all, rec;
    unsigned char    key[OCS_REVOKE_PREFIX_LEN + OCS_USER_MAX];

    if (info != NULL) {
        info->dropped = 0;
    }

    klen = ocs_revoke_user_key(user, len, key);

    if (klen == 0 || !store->keep) {
        return OCS_ERR_INVALID;
    }

    now = ocs_revoke_sec(now_ms);

    store->lock(store->data);

    if (store->get(store->data, key, klen, &rec) != OCS_OK) {
        store->expire(store->data, now, OCS_REVOKE_PRUNE);
        memset(&rec, 0, sizeof(ocs_store_rec_t));
        rec.first = now;
    }

    /* one millisecond after an earlier revocation of this very one, to
       cover the sessions dated after that (ocs_session_start()) */
    rec.value = ocs_revoke_max(now_ms, ocs_time_add(rec.value, 1));
    rec.expires = ocs_revoke_max(rec.expires,
                                 ocs_time_add(ocs_time_add(now, lifetime),
                                              1));

    rc = ocs_revoke_put(store, key, klen, &rec, lifetime, now_ms, info);

    if (rc == OCS_OK) {
        /* from now on, tickets are looked up by user too */
        ocs_revoke_get_all(store, &all);
        all.until = ocs_revoke_max(all.until, rec.expires);
        all.expires = ocs_revoke_max(all.expires, rec.expires);

        rc = ocs_revoke_put(store, (const unsigned char *) OCS_REVOKE_KEY_ALL,
                            OCS_REVOKE_PREFIX_LEN, &all, lifetime, now_ms,
                            info);
    }

    store->unlock(store->data);

    return rc;
}


int64_t
ocs_revoke_not_before(const ocs_store_t *store, const char *user,
    size_t len)
{
    size_t           klen;
    int64_t          nb;
    ocs_store_rec_t  all, rec;
    unsigned char    key[OCS_REVOKE_PREFIX_LEN + OCS_USER_MAX];

    if (store == NULL) {
        return 0;
    }

    klen = ocs_revoke_user_key(user, len, key);

    store->lock(store->data);

    ocs_revoke_get_all(store, &all);
    nb = all.value;

    if (klen != 0 && store->get(store->data, key, klen, &rec) == OCS_OK) {
        nb = ocs_revoke_max(nb, rec.value);
    }

    store->unlock(store->data);

    return nb;
}


int
ocs_revoke_lost(const ocs_store_t *store, int64_t lifetime, int64_t now_ms)
{
    int  rc;

    if (!store->keep) {
        return OCS_ERR_INVALID;
    }

    store->lock(store->data);
    rc = ocs_revoke_all(store, lifetime, now_ms);
    store->unlock(store->data);

    return (rc == OCS_OK) ? OCS_OK : OCS_ERR_SYS;
}


int
ocs_revoke_restore(const ocs_store_t *store, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec, int64_t lifetime,
    int64_t now_ms)
{
    if (!store->keep) {
        return OCS_ERR_INVALID;
    }

    return ocs_revoke_put(store, key, len, rec, lifetime, now_ms, NULL);
}


/*
 * Writes one record; when the store is full, drops what has expired and
 * tries again, and when it is still full, falls back to revoking every
 * session that started until now.  Locked.
 */
static int
ocs_revoke_put(const ocs_store_t *store, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec, int64_t lifetime,
    int64_t now_ms, ocs_revoke_info_t *info)
{
    ocs_revoke_prune_t  prune;

    if (store->put(store->data, key, len, rec) == OCS_OK) {
        return OCS_OK;
    }

    prune.now = ocs_revoke_sec(now_ms);
    prune.dropped = 0;

    store->walk(store->data, ocs_revoke_prune, &prune);

    if (info != NULL) {
        info->dropped = prune.dropped;
    }

    if (store->put(store->data, key, len, rec) == OCS_OK) {
        return OCS_OK;
    }

    /* degrade safely: end every session that started until now */
    if (ocs_revoke_all(store, lifetime, now_ms) != OCS_OK) {
        return OCS_ERR_SYS;
    }

    return OCS_ERR_SPACE;
}


static int
ocs_revoke_prune(void *arg, const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec)
{
    ocs_revoke_prune_t  *prune = arg;

    (void) key;
    (void) len;

    if (rec->expires > prune->now) {
        return OCS_STORE_NEXT;
    }

    prune->dropped++;

    return OCS_STORE_REMOVE;
}


/*
 * The full-store fallback: every session that started until now is
 * revoked by one time, which covers every record too, so all of them
 * are dropped (per-user ones as well: left in place they would fill the
 * store again at once).  Locked.
 */
static int
ocs_revoke_all(const ocs_store_t *store, int64_t lifetime, int64_t now_ms)
{
    ocs_store_rec_t    all;
    ocs_revoke_fold_t  fold;

    ocs_revoke_get_all(store, &all);

    /* later than every sign-in dated after an earlier revocation */
    fold.not_before = ocs_revoke_max(now_ms, ocs_time_add(all.value, 1));

    store->walk(store->data, ocs_revoke_fold, &fold);

    memset(&all, 0, sizeof(ocs_store_rec_t));
    all.first = ocs_revoke_sec(now_ms);
    all.value = fold.not_before;
    all.expires = ocs_time_add(ocs_time_add(ocs_revoke_sec(fold.not_before),
                                            lifetime),
                               1);

    return store->put(store->data, (const unsigned char *) OCS_REVOKE_KEY_ALL,
                      OCS_REVOKE_PREFIX_LEN, &all);
}


static int
ocs_revoke_fold(void *arg, const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec)
{
    ocs_revoke_fold_t  *fold = arg;

    if (len > OCS_REVOKE_PREFIX_LEN
        && memcmp(key, OCS_REVOKE_KEY_USER, OCS_REVOKE_PREFIX_LEN) == 0)
    {
        fold->not_before = ocs_revoke_max(fold->not_before, rec->value);
    }

    return OCS_STORE_REMOVE;
}
