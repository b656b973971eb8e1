/*
 * Brute-force protection (ocs_guard.h): the lockout decisions, written
 * once over a store.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <ocs/ocs_guard.h>
#include <ocs/ocs_pages.h>


#define ocs_guard_min(a, b)  ((a) < (b) ? (a) : (b))
#define ocs_guard_max(a, b)  ((a) > (b) ? (a) : (b))

/* expired entries dropped per write, so that expiry costs little */
#define OCS_GUARD_EXPIRE_STEP  8

/* a directory that never forgets a failure: a day is as far as we go */
#define OCS_GUARD_DIR_WINDOW_MAX  86400


_Static_assert(OCS_GUARD_KEY_MAX <= OCS_STORE_KEY_MAX,
               "every store takes the guard's keys");


/* the locks that refuse a sign-in, and what each is called */
static const struct {
    int          kind;
    unsigned     account;
    unsigned     address;
    unsigned     codes;            /* asked for the second step only */
    const char  *why;
} ocs_guard_locks[] = {
    { OCS_GUARD_KIND_ACCOUNT, 1, 1, 0, "the account, from this address" },
    { OCS_GUARD_KIND_ADDRESS, 0, 1, 0, "this address" },
    { OCS_GUARD_KIND_TOTAL, 1, 0, 0, "the account" },
    { OCS_GUARD_KIND_CODES, 1, 1, 1,
      "codes of the account, from this address" },
};


/* the counts a password sign-in is charged to, in the order asked */
static const struct {
    unsigned     which;
    const char  *why;
} ocs_guard_counts[] = {
    { OCS_GUARD_BY_ADDRESS, "the account, from this address" },
    { OCS_GUARD_ANYWHERE, "the account" },
    { OCS_GUARD_ADDRESS_ONLY, "this address" },
};


static size_t ocs_guard_key(unsigned char *key, int kind,
    const unsigned char *account, size_t len, const unsigned char *addr,
    size_t addr_len);
static int ocs_guard_count(const ocs_store_t *store, const unsigned char *key,
    size_t len, unsigned limit, int64_t window, int64_t lock, int64_t now);
static size_t ocs_guard_attempt_key(const ocs_guard_attempt_t *a,
    unsigned which, unsigned char *key);
static unsigned ocs_guard_attempt_limit(const ocs_guard_attempt_t *a,
    unsigned which);
static int64_t ocs_guard_attempt_window(const ocs_guard_attempt_t *a,
    unsigned which);
static int64_t ocs_guard_attempt_lock(const ocs_guard_attempt_t *a,
    unsigned which);
static int ocs_guard_refused(ocs_guard_attempt_t *a, int64_t now);
static void ocs_guard_reserve(ocs_guard_attempt_t *a, int64_t now);
static void ocs_guard_give_back(ocs_guard_attempt_t *a, unsigned which,
    int outcome, int64_t now);
static void ocs_guard_print(char *out, size_t outlen, size_t *n,
    const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static int ocs_guard_clear_one(void *arg, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec);


size_t
ocs_guard_name(const char *typed, size_t len, unsigned char *out)
{
    size_t                      n, i;
    static const unsigned char  hex[] = "0123456789abcdef";

    if (ocs_username_key(typed, len, (char *) out, OCS_NAME_MAX, &n)
        == OCS_OK)
    {
        return n;
    }

    n = ocs_guard_min(len, (OCS_NAME_MAX - 1) / 2);
    out[0] = '!';

    for (i = 0; i < n; i++) {
        out[1 + 2 * i] = hex[(unsigned char) typed[i] >> 4];
        out[2 + 2 * i] = hex[(unsigned char) typed[i] & 0xf];
    }

    return 1 + 2 * n;
}


/* kind, the account's key and a NUL, the address; either may be absent */
static size_t
ocs_guard_key(unsigned char *key, int kind, const unsigned char *account,
    size_t len, const unsigned char *addr, size_t addr_len)
{
    unsigned char  *p;

    p = key;
    *p++ = (unsigned char) kind;

    if (account != NULL) {
        len = ocs_guard_min(len, OCS_NAME_MAX);
        memcpy(p, account, len);
        p += len;
        *p++ = '\0';
    }

    addr_len = ocs_guard_min(addr_len, OCS_GUARD_ADDR_MAX);

    if (addr_len > 0) {
        memcpy(p, addr, addr_len);
    }

    return (size_t) (p - key) + addr_len;
}


int64_t
ocs_guard_locked(const ocs_store_t *store, const ocs_env_t *env,
    const unsigned char *name, size_t name_len, const unsigned char *addr,
    size_t addr_len, int codes, const char **why)
{
    size_t           i, len;
    int64_t          now, left;
    unsigned char    key[OCS_GUARD_KEY_MAX];
    ocs_store_rec_t  rec;

    if (store == NULL) {
        return 0;
    }

    now = env->now(env->data);
    left = 0;

    store->lock(store->data);

    for (i = 0; i < sizeof(ocs_guard_locks) / sizeof(ocs_guard_locks[0]);
         i++)
    {
        if (ocs_guard_locks[i].codes && !codes) {
            continue;
        }

        len = ocs_guard_key(key, ocs_guard_locks[i].kind,
                            ocs_guard_locks[i].account ? name : NULL,
                            name_len, addr,
                            ocs_guard_locks[i].address ? addr_len : 0);

        if (store->get(store->data, key, len, &rec) == OCS_OK
            && rec.until > now && rec.until - now > left)
        {
            left = rec.until - now;
            *why = ocs_guard_locks[i].why;
        }
    }

    store->unlock(store->data);

    return left;
}


int
ocs_guard_failed(const ocs_store_t *store, const ocs_env_t *env,
    const ocs_guard_limits_t *limits, const unsigned char *name,
    size_t name_len, const unsigned char *addr, size_t addr_len, int codes,
    unsigned *started)
{
    int            a, b;
    size_t         len;
    int64_t        now;
    unsigned char  key[OCS_GUARD_KEY_MAX];

    if (started != NULL) {
        *started = 0;
    }

    if (store == NULL) {
        return OCS_OK;
    }

    now = env->now(env->data);

    store->lock(store->data);

    store->expire(store->data, now, OCS_GUARD_EXPIRE_STEP);

    len = ocs_guard_key(key, codes ? OCS_GUARD_KIND_CODES
                                   : OCS_GUARD_KIND_ACCOUNT,
                        name, name_len, addr, addr_len);
    a = ocs_guard_count(store, key, len, limits->account, limits->window,
                        limits->lock, now);

    len = ocs_guard_key(key, OCS_GUARD_KIND_ADDRESS, NULL, 0, addr,
                        addr_len);
    b = ocs_guard_count(store, key, len, limits->address, limits->window,
                        limits->lock, now);

    store->unlock(store->data);

    if (started != NULL) {
        *started = (a == 1 ? OCS_GUARD_BY_ADDRESS : 0)
                   | (b == 1 ? OCS_GUARD_ADDRESS_ONLY : 0);
    }

    return (a < 0 || b < 0) ? OCS_ERR_SPACE : OCS_OK;
}


/*
 * Counts a failure in the entry for key: 1 when this one starts a lock,
 * 0 when it does not (or limit is 0: off), -1 when the store has no
 * room.  Store locked.
 */
static int
ocs_guard_count(const ocs_store_t *store, const unsigned char *key,
    size_t len, unsigned limit, int64_t window, int64_t lock, int64_t now)
{
    int              started;
    ocs_store_rec_t  rec;

    if (limit == 0) {
        return 0;
    }

    if (store->get(store->data, key, len, &rec) != OCS_OK) {
        memset(&rec, 0, sizeof(ocs_store_rec_t));
    }

    started = 0;

    if (rec.until > now) {
        /* already locked: the lock does not grow */
        goto put;
    }

    if (rec.value == 0 || now >= rec.expires) {
        rec.first = now;
        rec.value = 0;
    }

    rec.value++;
    rec.expires = ocs_guard_max(rec.expires, ocs_time_add(now, window));

    if ((uint64_t) rec.value >= limit) {
        /* first stays: when the failures that locked began, for the list */
        rec.until = ocs_time_add(now, lock);
        rec.expires = rec.until;
        rec.value = 0;
        started = 1;
    }

put:

    if (store->put(store->data, key, len, &rec) != OCS_OK) {
        return -1;
    }

    return started;
}


void
ocs_guard_succeeded(const ocs_store_t *store, const ocs_env_t *env,
    const unsigned char *name, size_t name_len, const unsigned char *addr,
    size_t addr_len, int codes)
{
    size_t           len;
    int64_t          now;
    unsigned char    key[OCS_GUARD_KEY_MAX];
    ocs_store_rec_t  rec;

    if (store == NULL) {
        return;
    }

    len = ocs_guard_key(key, codes ? OCS_GUARD_KIND_CODES
                                   : OCS_GUARD_KIND_ACCOUNT,
                        name, name_len, addr, addr_len);
    now = env->now(env->data);

    store->lock(store->data);

    if (store->get(store->data, key, len, &rec) == OCS_OK
        && rec.until <= now)
    {
        store->remove(store->data, key, len);
    }

    store->unlock(store->data);
}


int
ocs_guard_once(const ocs_store_t *store, const ocs_env_t *env, int kind,
    const unsigned char *data, size_t len, int64_t value, int64_t expires)
{
    int              rc;
    int64_t          now;
    unsigned char    key[OCS_GUARD_KEY_MAX];
    ocs_store_rec_t  rec;

    if (store == NULL) {
        return OCS_ERR_SPACE;
    }

    if (len + 2 > sizeof(key)) {
        return OCS_ERR_INVALID;
    }

    key[0] = OCS_GUARD_KIND_ONCE;
    key[1] = (unsigned char) kind;
    memcpy(key + 2, data, len);

    now = env->now(env->data);

    store->lock(store->data);

    store->expire(store->data, now, OCS_GUARD_EXPIRE_STEP);

    if (store->get(store->data, key, len + 2, &rec) != OCS_OK) {
        memset(&rec, 0, sizeof(ocs_store_rec_t));

    } else if (rec.expires > now && rec.value >= value) {
        /* a replay: the mark stays as it was, used again */
        rec.keep = 1;
        rc = store->put(store->data, key, len + 2, &rec);
        store->unlock(store->data);
        return (rc == OCS_OK) ? OCS_ERR_AUTH : rc;
    }

    /*
     * Kept until it expires: failure counts written after it must not
     * push it out of a full store, or the code could be used again.
     * A store with no room for it says so, and the code is refused.
     */
    rec.value = value;
    rec.expires = expires;
    rec.keep = 1;

    rc = store->put(store->data, key, len + 2, &rec);

    store->unlock(store->data);

    return rc;
}


void
ocs_guard_attempt_init(ocs_guard_attempt_t *a, const ocs_store_t *store,
    const ocs_env_t *env, const ocs_guard_limits_t *limits,
    const char *typed, size_t typed_len, const unsigned char *addr,
    size_t addr_len)
{
    memset(a, 0, sizeof(ocs_guard_attempt_t));

    a->store = store;
    a->env = env;
    a->conf = *limits;

    a->addr_len = ocs_guard_min(addr_len, OCS_GUARD_ADDR_MAX);

    if (a->addr_len > 0) {
        memcpy(a->addr, addr, a->addr_len);
    }

    a->typed_len = ocs_guard_name(typed, typed_len, a->typed);
}



unsigned
ocs_guard_dir_limit(const ocs_ldap_policy_t *policy, unsigned limit)
{
    unsigned  below;

    if (policy == NULL || !policy->known || policy->threshold <= 0) {
        return limit;
    }

    below = (policy->threshold > 1) ? (unsigned) policy->threshold - 1 : 1;

    return limit ? ocs_guard_min(limit, below) : below;
}

void
ocs_guard_attempt_limits(ocs_guard_attempt_t *a,
    const ocs_ldap_policy_t *policy)
{
    int64_t  dir_window;

    a->limit_account = a->conf.account;
    a->limit_total = a->conf.total;
    a->limit_window = a->conf.window;
    a->limit_lock = a->conf.lock;

    if (policy == NULL || !policy->known || policy->threshold <= 0) {
        return;
    }

    a->threshold = policy->threshold;
    a->limit_account = ocs_guard_dir_limit(policy, a->conf.account);
    a->limit_total = ocs_guard_dir_limit(policy, a->conf.total);

    dir_window = (policy->window > 0
                  && policy->window < OCS_GUARD_DIR_WINDOW_MAX)
                 ? policy->window : OCS_GUARD_DIR_WINDOW_MAX;

    a->limit_window = ocs_guard_max(a->conf.window, dir_window);
    a->limit_lock = ocs_guard_max(a->conf.lock, dir_window);
}


/* the key of each count an attempt takes part in */
static size_t
ocs_guard_attempt_key(const ocs_guard_attempt_t *a, unsigned which,
    unsigned char *key)
{
    switch (which) {

    case OCS_GUARD_BY_ADDRESS:
        return ocs_guard_key(key, OCS_GUARD_KIND_ACCOUNT, a->key, a->key_len,
                             a->addr, a->addr_len);

    case OCS_GUARD_ANYWHERE:
        return ocs_guard_key(key, OCS_GUARD_KIND_TOTAL, a->key, a->key_len,
                             NULL, 0);

    default: /* OCS_GUARD_ADDRESS_ONLY */
        return ocs_guard_key(key, OCS_GUARD_KIND_ADDRESS, NULL, 0, a->addr,
                             a->addr_len);
    }
}


/* the limit, window and lock of one count of the attempt */
static unsigned
ocs_guard_attempt_limit(const ocs_guard_attempt_t *a, unsigned which)
{
    return which == OCS_GUARD_BY_ADDRESS ? a->limit_account
           : which == OCS_GUARD_ANYWHERE ? a->limit_total
           : a->conf.address;
}


static int64_t
ocs_guard_attempt_window(const ocs_guard_attempt_t *a, unsigned which)
{
    return which == OCS_GUARD_ADDRESS_ONLY ? a->conf.window
                                           : a->limit_window;
}


static int64_t
ocs_guard_attempt_lock(const ocs_guard_attempt_t *a, unsigned which)
{
    return which == OCS_GUARD_ADDRESS_ONLY ? a->conf.lock : a->limit_lock;
}


int
ocs_guard_charge(ocs_guard_attempt_t *a, const unsigned char *account,
    size_t len, const ocs_ldap_policy_t *policy)
{
    int64_t             now;
    const ocs_store_t  *store;

    if (account == NULL) {
        account = a->typed;
        len = a->typed_len;
    }

    a->key_len = ocs_guard_min(len, OCS_NAME_MAX);
    memmove(a->key, account, a->key_len);

    ocs_guard_attempt_limits(a, policy);

    store = a->store;

    if (store == NULL) {
        return OCS_OK;
    }

    now = a->env->now(a->env->data);

    store->lock(store->data);

    store->expire(store->data, now, OCS_GUARD_EXPIRE_STEP);

    if (ocs_guard_refused(a, now)) {
        store->unlock(store->data);
        return OCS_ERR_AUTH;
    }

    ocs_guard_reserve(a, now);

    store->unlock(store->data);

    return OCS_OK;
}


/*
 * Whether one of the attempt's counts is locked, or has as many
 * attempts in flight as failures may still come before its limit.  The
 * longest lock is the one reported.  Store locked.
 */
static int
ocs_guard_refused(ocs_guard_attempt_t *a, int64_t now)
{
    size_t              i, klen;
    int64_t             failures;
    unsigned            which, limit;
    unsigned char       key[OCS_GUARD_KEY_MAX];
    ocs_store_rec_t     rec;
    const ocs_store_t  *store = a->store;

    for (i = 0; i < sizeof(ocs_guard_counts) / sizeof(ocs_guard_counts[0]);
         i++)
    {
        which = ocs_guard_counts[i].which;
        limit = ocs_guard_attempt_limit(a, which);

        klen = ocs_guard_attempt_key(a, which, key);

        if (store->get(store->data, key, klen, &rec) != OCS_OK) {
            continue;
        }

        /* none once its window has passed */
        failures = (now >= rec.expires) ? 0 : rec.value;

        if (rec.until > now && rec.until - now > a->left) {
            a->left = rec.until - now;
            a->why = ocs_guard_counts[i].why;
            a->busy = 0;

        } else if (a->left == 0 && limit
                   && (uint64_t) failures + (uint64_t) rec.inflight >= limit)
        {
            a->left = 1;
            a->why = ocs_guard_counts[i].why;
            a->busy = 1;
        }
    }

    return a->left != 0;
}


/* one more in flight on each count the attempt takes part in; locked */
static void
ocs_guard_reserve(ocs_guard_attempt_t *a, int64_t now)
{
    size_t              i, klen;
    unsigned            which;
    unsigned char       key[OCS_GUARD_KEY_MAX];
    ocs_store_rec_t     rec;
    const ocs_store_t  *store = a->store;

    for (i = 0; i < sizeof(ocs_guard_counts) / sizeof(ocs_guard_counts[0]);
         i++)
    {
        which = ocs_guard_counts[i].which;

        if (ocs_guard_attempt_limit(a, which) == 0) {
            continue;
        }

        klen = ocs_guard_attempt_key(a, which, key);

        if (store->get(store->data, key, klen, &rec) != OCS_OK) {
            memset(&rec, 0, sizeof(ocs_store_rec_t));

        } else if (rec.until <= now && now >= rec.expires) {
            /*
             * failures of a window that has passed, not yet dropped:
             * the later expiry the reservation gives the record must
             * not bring them back
             */
            rec.value = 0;
            rec.first = 0;
        }

        rec.inflight++;
        rec.expires = ocs_guard_max(rec.expires,
                                    ocs_time_add(now,
                                        ocs_guard_attempt_window(a, which)));

        if (store->put(store->data, key, klen, &rec) != OCS_OK) {
            a->no_room = 1;
            continue;
        }

        a->charged |= which;
    }
}


int
ocs_guard_admit(void *data, const ocs_ldap_account_t *acct)
{
    ocs_guard_attempt_t *a = data;

    size_t         n;
    unsigned char  key[OCS_NAME_MAX];

    if (acct->found
        && ocs_ldap_account_key(acct, (char *) key, sizeof(key), &n)
           == OCS_OK)
    {
        return ocs_guard_charge(a, key, n, &acct->policy);
    }

    return ocs_guard_charge(a, NULL, 0, &acct->policy);
}


void
ocs_guard_settle(ocs_guard_attempt_t *a, int outcome)
{
    int64_t             now;
    unsigned            which;
    const ocs_store_t  *store = a->store;

    if (store == NULL || !a->charged) {
        return;
    }

    now = a->env->now(a->env->data);

    store->lock(store->data);

    for (which = 1; which <= OCS_GUARD_ADDRESS_ONLY; which <<= 1) {
        if (a->charged & which) {
            ocs_guard_give_back(a, which, outcome, now);
        }
    }

    store->unlock(store->data);

    a->charged = 0;
}


/* one count of a settled attempt, no longer in flight; store locked */
static void
ocs_guard_give_back(ocs_guard_attempt_t *a, unsigned which, int outcome,
    int64_t now)
{
    int                 found;
    size_t              len;
    unsigned char       key[OCS_GUARD_KEY_MAX];
    ocs_store_rec_t     rec;
    const ocs_store_t  *store = a->store;

    len = ocs_guard_attempt_key(a, which, key);

    found = (store->get(store->data, key, len, &rec) == OCS_OK);

    if (found && rec.inflight > 0) {
        rec.inflight--;
    }

    if (outcome == OCS_GUARD_FAILED) {
        /* one dropped for others meanwhile is counted afresh */
        if (found && store->put(store->data, key, len, &rec) != OCS_OK) {
            a->no_room = 1;
            return;
        }

        switch (ocs_guard_count(store, key, len,
                                ocs_guard_attempt_limit(a, which),
                                ocs_guard_attempt_window(a, which),
                                ocs_guard_attempt_lock(a, which), now))
        {
        case 1:
            a->started |= which;
            break;

        case -1:
            a->no_room = 1;
            break;
        }

        return;
    }

    if (!found) {
        return;
    }

    if (outcome == OCS_GUARD_SUCCEEDED && which != OCS_GUARD_ADDRESS_ONLY) {
        rec.value = 0;
        rec.until = 0;
    }

    if (rec.value == 0 && rec.until <= now && rec.inflight == 0) {
        store->remove(store->data, key, len);
        return;
    }

    (void) store->put(store->data, key, len, &rec);
}


int
ocs_guard_entry(const unsigned char *key, size_t len, ocs_guard_entry_t *e)
{
    const unsigned char  *p, *end;

    memset(e, 0, sizeof(ocs_guard_entry_t));

    if (len == 0) {
        return OCS_ERR_INVALID;
    }

    e->kind = key[0];
    p = key + 1;
    end = key + len;

    if (e->kind != OCS_GUARD_KIND_ADDRESS) {
        e->user = p;
        p = memchr(p, '\0', (size_t) (end - p));

        if (p == NULL) {
            p = end;
        }

        e->user_len = (size_t) (p - e->user);

        if (p < end) {
            p++;
        }
    }

    e->addr = p;
    e->addr_len = (size_t) (end - p);

    return OCS_OK;
}


int
ocs_guard_listed(const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec, int64_t now)
{
    return len > 0 && key[0] != OCS_GUARD_KIND_ONCE && rec->expires > now;
}


size_t
ocs_guard_describe(const ocs_guard_entry_t *e, const ocs_store_rec_t *rec,
    int64_t now, const char *addr, char *out, size_t outlen)
{
    int      locked;
    size_t   n;
    int64_t  until;
    char     at[OCS_TIME_ISO_LEN + 1];

    locked = (rec->until > now);
    n = 0;

    ocs_guard_print(out, outlen, &n, "%s", locked ? "locked  " : "counted ");

    if (e->user_len) {
        ocs_guard_print(out, outlen, &n, " user %.*s",
                        (int) ocs_guard_min(e->user_len, 256), e->user);
    }

    if (e->kind == OCS_GUARD_KIND_CODES) {
        ocs_guard_print(out, outlen, &n, " (codes)");
    }

    if (addr[0] != '\0') {
        ocs_guard_print(out, outlen, &n, " address %s", addr);

    } else if (e->kind == OCS_GUARD_KIND_TOTAL) {
        ocs_guard_print(out, outlen, &n, " address any");
    }

    if (!locked) {
        ocs_guard_print(out, outlen, &n, "  %lld failure%s",
                        (long long) rec->value, rec->value == 1 ? "" : "s");
    }

    if (rec->first) {
        (void) ocs_time_iso(rec->first, at, sizeof(at));
        ocs_guard_print(out, outlen, &n, "  first failure at %s", at);
    }

    /* a count lasts as long as its window, a lock its time */
    until = locked ? rec->until : rec->expires;
    (void) ocs_time_iso(until, at, sizeof(at));

    ocs_guard_print(out, outlen, &n, "  %s until %s (%lld s left)\n",
                    locked ? "locked" : "counted", at,
                    (long long) ocs_time_diff(until, now));

    if (n >= outlen) {
        if (outlen > 0) {
            out[0] = '\0';
        }

        return 0;
    }

    return n;
}


/* appends to out at *n; *n goes past outlen when out is too short */
static void
ocs_guard_print(char *out, size_t outlen, size_t *n, const char *fmt, ...)
{
    int      rc;
    va_list  args;

    if (*n >= outlen) {
        return;
    }

    va_start(args, fmt);
    rc = vsnprintf(out + *n, outlen - *n, fmt, args);
    va_end(args);

    *n = (rc < 0) ? outlen : *n + (size_t) rc;
}


typedef struct {
    int                   what;
    const unsigned char  *want;
    size_t                len;
    size_t                n;
} ocs_guard_clear_t;


size_t
ocs_guard_clear(const ocs_store_t *store, int what,
    const unsigned char *want, size_t len)
{
    ocs_guard_clear_t  c;

    c.what = what;
    c.want = want;
    c.len = len;
    c.n = 0;

    store->lock(store->data);
    store->walk(store->data, ocs_guard_clear_one, &c);
    store->unlock(store->data);

    return c.n;
}


static int
ocs_guard_clear_one(void *arg, const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec)
{
    ocs_guard_clear_t  *c = arg;

    ocs_guard_entry_t  e;

    (void) rec;

    if (ocs_guard_entry(key, len, &e) != OCS_OK
        || e.kind == OCS_GUARD_KIND_ONCE)
    {
        return OCS_STORE_NEXT;
    }

    if (c->what == OCS_GUARD_CLEAR_ALL
        || (c->what == OCS_GUARD_CLEAR_USER && e.user != NULL
            && e.user_len == c->len
            && memcmp(e.user, c->want, c->len) == 0)
        || (c->what == OCS_GUARD_CLEAR_ADDRESS && e.addr_len == c->len
            && memcmp(e.addr, c->want, c->len) == 0))
    {
        c->n++;
        return OCS_STORE_REMOVE;
    }

    return OCS_STORE_NEXT;
}
