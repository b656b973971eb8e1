/*
 * The store in a block of memory (ocs_store_region.h): the semantics of
 * ocs_store.h (get, put, remove, expire, walk, full with and without
 * keep, records kept until they expire in a store that drops), a block
 * saved and loaded again elsewhere (its records, their order, what they
 * keep), a torn copy, a block of another size, and the revocations of
 * ocs_revoke.h over it when it is full.  The clock is frozen.
 */

#include <ocs_test.h>
#include <ocs/ocs_revoke.h>
#include <ocs/ocs_store_region.h>


static int                   locks;

static ocs_test_env_data_t   clock_data = { 0, 1 };
static const ocs_env_t       env = { ocs_test_now, ocs_test_random,
                                     &clock_data };


static void
lock(void *arg)
{
    (void) arg;
    locks++;
}


static void
unlock(void *arg)
{
    (void) arg;
    locks--;
}


static void *
block(size_t size)
{
    void  *mem;

    mem = calloc(1, size);
    if (mem == NULL) {
        printf("Bail out! no memory\n");
        exit(1);
    }

    return mem;
}


static int
open_store(ocs_store_t *s, ocs_store_region_t *rg, void *mem, size_t size,
    unsigned keep, int *fresh)
{
    rg->lock = lock;
    rg->unlock = unlock;
    rg->arg = NULL;
    rg->env = &env;

    return ocs_store_region_open(s, rg, mem, size, keep, fresh);
}


static int
put(ocs_store_t *s, const char *key, int64_t value, int64_t expires)
{
    ocs_store_rec_t  rec;

    memset(&rec, 0, sizeof(rec));
    rec.value = value;
    rec.expires = expires;

    return s->put(s->data, (const unsigned char *) key, strlen(key), &rec);
}


/* a record kept until it expires, as a one-use mark is */
static int
put_kept(ocs_store_t *s, const char *key, int64_t value, int64_t expires)
{
    ocs_store_rec_t  rec;

    memset(&rec, 0, sizeof(rec));
    rec.value = value;
    rec.expires = expires;
    rec.keep = 1;

    return s->put(s->data, (const unsigned char *) key, strlen(key), &rec);
}


/* the record's keep, -1 for none */
static int
kept(ocs_store_t *s, const char *key)
{
    ocs_store_rec_t  rec;

    if (s->get(s->data, (const unsigned char *) key, strlen(key), &rec)
        != OCS_OK)
    {
        return -1;
    }

    return (int) rec.keep;
}


static int64_t
get(ocs_store_t *s, const char *key)
{
    ocs_store_rec_t  rec;

    if (s->get(s->data, (const unsigned char *) key, strlen(key), &rec)
        != OCS_OK)
    {
        return -1;
    }

    return rec.value;
}


typedef struct {
    char     keys[512];
    size_t   n;
    size_t   stop;          /* stop after so many */
    char     remove;        /* the first letter of keys to remove */
} walk_t;


static int
walker(void *arg, const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec)
{
    walk_t  *w = arg;

    (void) rec;

    if (w->n + len + 1 < sizeof(w->keys)) {
        memcpy(w->keys + w->n, key, len);
        w->n += len;
        w->keys[w->n++] = ' ';
        w->keys[w->n] = '\0';
    }

    if (w->stop && --w->stop == 0) {
        return OCS_STORE_STOP;
    }

    return (w->remove && key[0] == (unsigned char) w->remove)
           ? OCS_STORE_REMOVE : OCS_STORE_NEXT;
}


static const char *
walk(ocs_store_t *s, size_t stop, char remove)
{
    static walk_t  w;

    memset(&w, 0, sizeof(w));
    w.stop = stop;
    w.remove = remove;

    s->walk(s->data, walker, &w);

    return w.keys;
}


static void
test_sizes(void)
{
    ocs_store_t          s;
    ocs_store_region_t   rg;
    void                *mem;

    is_int(ocs_store_region_records(0), 0, "no bytes: no records");
    is_int(ocs_store_region_records(OCS_STORE_REGION_HEADER + 100), 0,
           "too small for one record");
    is_int(ocs_store_region_records(OCS_STORE_REGION_HEADER
                                    + OCS_STORE_REGION_RECORD + 4), 1,
           "one record");
    ok(ocs_store_region_records(1024 * 1024) >= 2700,
       "1m holds %zu records", ocs_store_region_records(1024 * 1024));

    mem = block(256);
    is_int(open_store(&s, &rg, mem, 256, 0, NULL), OCS_ERR_INVALID,
           "open: too small");
    free(mem);
}


static void
test_basics(void)
{
    int                  fresh;
    size_t               size;
    ocs_store_t          s;
    ocs_store_region_t   rg;
    void                *mem;
    unsigned char        longkey[OCS_STORE_KEY_MAX + 1];
    ocs_store_rec_t      rec;

    size = 16384;
    mem = block(size);

    fresh = -1;
    is_int(open_store(&s, &rg, mem, size, 0, &fresh), OCS_OK, "open");
    is_int(fresh, 1, "a zeroed block is formatted");
    is_int(s.keep, 0, "keep 0");

    s.lock(s.data);
    is_int(locks, 1, "lock: the caller's");
    s.unlock(s.data);
    is_int(locks, 0, "unlock: the caller's");

    is_int(get(&s, "a"), -1, "get: none");
    is_int(put(&s, "a", 1, 100), OCS_OK, "put a");
    is_int(put(&s, "b", 2, 100), OCS_OK, "put b");
    is_int(put(&s, "c", 3, 100), OCS_OK, "put c");
    is_int(get(&s, "a"), 1, "get a");
    is_int(get(&s, "b"), 2, "get b");
    is_int(ocs_store_region_count(&s), 3, "count 3");

    is_int(put(&s, "a", 11, 100), OCS_OK, "put a again");
    is_int(get(&s, "a"), 11, "a: the new value");
    is_int(ocs_store_region_count(&s), 3, "still 3");

    ok(strcmp(walk(&s, 0, 0), "a c b ") == 0,
       "walk: most recently written first (%s)", walk(&s, 0, 0));
    ok(strcmp(walk(&s, 2, 0), "a c ") == 0, "walk: stop");

    s.remove(s.data, (const unsigned char *) "c", 1);
    is_int(get(&s, "c"), -1, "remove");
    s.remove(s.data, (const unsigned char *) "zz", 2);
    is_int(ocs_store_region_count(&s), 2, "remove of none: nothing");

    is_int(put(&s, "", 1, 1), OCS_ERR_INVALID, "empty key");
    memset(longkey, 'k', sizeof(longkey));
    memset(&rec, 0, sizeof(rec));
    is_int(s.put(s.data, longkey, OCS_STORE_KEY_MAX + 1, &rec),
           OCS_ERR_INVALID, "key too long");
    is_int(s.put(s.data, longkey, OCS_STORE_KEY_MAX, &rec), OCS_OK,
           "the longest key");
    is_int(s.get(s.data, longkey, OCS_STORE_KEY_MAX, &rec), OCS_OK,
           "the longest key: found");

    is_int(ocs_store_add(&s, (const unsigned char *) "n", 1, 5, 50, 10,
                         NULL), OCS_OK, "add");
    is_int(get(&s, "n"), 5, "add: counted");

    ok(strcmp(walk(&s, 0, 'a'), "n ") != 0 && get(&s, "a") == -1
       && get(&s, "b") == 2, "walk: remove");

    free(mem);
}


static void
test_full(void)
{
    int                  i;
    size_t               size, n;
    char                 key[16];
    ocs_store_t          s;
    ocs_store_region_t   rg;
    void                *mem;

    size = OCS_STORE_REGION_HEADER + 4 * OCS_STORE_REGION_RECORD;
    n = ocs_store_region_records(size);
    is_int(n, 4, "four records");
    mem = block(size);

    (void) open_store(&s, &rg, mem, size, 0, NULL);

    for (i = 0; i < 4; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        (void) put(&s, key, i, 100 + i);
    }

    (void) put(&s, "k0", 0, 100);       /* k1 is the oldest now */
    is_int(put(&s, "k4", 4, 100), OCS_OK, "full, drops: put");
    is_int(get(&s, "k1"), -1, "the least recently written went");
    is_int(get(&s, "k0"), 0, "a rewritten one stayed");
    is_int(ocs_store_region_count(&s), 4, "still full");

    s.expire(s.data, 200, 1);
    is_int(ocs_store_region_count(&s), 3, "expire: max 1");
    ok(get(&s, "k2") == -1 && get(&s, "k3") == 3,
       "expire: the old end first");
    s.expire(s.data, 101, 10);
    is_int(ocs_store_region_count(&s), 3, "expire: stops at a live one");
    s.expire(s.data, 150, 10);
    is_int(ocs_store_region_count(&s), 0, "expire: all expired");

    memset(mem, 0, size);
    (void) open_store(&s, &rg, mem, size, 1, NULL);
    is_int(s.keep, 1, "keep 1");

    for (i = 0; i < 4; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        (void) put(&s, key, i, (i == 2) ? 10 : 100);
    }

    is_int(put(&s, "k4", 4, 100), OCS_ERR_SPACE, "keeps: full");
    is_int(put(&s, "k1", 9, 100), OCS_OK, "keeps: a rewrite fits");
    s.expire(s.data, 50, 10);
    is_int(get(&s, "k2"), -1, "keeps: expire looks past live records");
    is_int(put(&s, "k4", 4, 100), OCS_OK, "keeps: room again");

    free(mem);
}


/* a store that drops passes over kept records until they expire */
static void
test_kept(void)
{
    int                  i;
    size_t               size;
    char                 key[16];
    ocs_store_t          s;
    ocs_store_region_t   rg;
    void                *mem;

    clock_data.now = 50;
    size = OCS_STORE_REGION_HEADER + 4 * OCS_STORE_REGION_RECORD;
    mem = block(size);
    (void) open_store(&s, &rg, mem, size, 0, NULL);

    (void) put_kept(&s, "m0", 1, 100);
    (void) put(&s, "c1", 1, 1000);
    (void) put_kept(&s, "m2", 1, 200);
    (void) put(&s, "c3", 1, 1000);
    is_int(kept(&s, "m0"), 1, "kept: get says so");
    is_int(kept(&s, "c1"), 0, "kept: a count is not");

    /* the counts go, oldest first; the marks stay however old */
    is_int(put(&s, "c4", 1, 1000), OCS_OK, "kept: full, a count fits");
    ok(get(&s, "c1") == -1 && get(&s, "m0") == 1,
       "kept: the oldest count went, the older mark stayed");
    is_int(put(&s, "c5", 1, 1000), OCS_OK, "kept: another count fits");
    ok(get(&s, "c3") == -1 && get(&s, "m2") == 1,
       "kept: the next count went, not the marks");
    is_int(put(&s, "c6", 1, 1000), OCS_OK, "kept: and another");
    ok(get(&s, "c4") == -1 && get(&s, "c5") == 1, "kept: counts in order");

    /* rewritten as it was, a mark is still kept */
    is_int(put_kept(&s, "m0", 2, 100), OCS_OK, "kept: rewritten");
    is_int(kept(&s, "m0"), 1, "kept: still kept");

    /* all kept: no room, and nothing changed */
    is_int(put_kept(&s, "m7", 1, 300), OCS_OK, "kept: a mark for a count");
    is_int(put_kept(&s, "m8", 1, 300), OCS_OK, "kept: and another");
    is_int(put(&s, "c9", 1, 1000), OCS_ERR_SPACE, "kept: all marks: full");
    is_int(put_kept(&s, "m9", 1, 300), OCS_ERR_SPACE,
           "kept: no room for a mark either");
    ok(ocs_store_region_count(&s) == 4 && get(&s, "m0") == 2
       && get(&s, "m2") == 1 && get(&s, "m7") == 1 && get(&s, "m8") == 1,
       "kept: full, the records as they were");

    /* a mark that has expired may go, the oldest such first */
    clock_data.now = 150;
    is_int(put(&s, "c9", 1, 1000), OCS_OK, "kept: an expired mark made room");
    ok(get(&s, "m0") == -1 && get(&s, "m2") == 1,
       "kept: the expired one went, the live one stayed");

    /* a store with no clock drops no kept record to make room */
    clock_data.now = 1000;
    rg.env = NULL;
    is_int(put_kept(&s, "m10", 1, 300), OCS_OK,
           "no clock: the count made room");
    ok(get(&s, "c9") == -1 && get(&s, "m2") == 1,
       "no clock: the count went, not the expired marks");
    is_int(put(&s, "c11", 1, 1000), OCS_ERR_SPACE,
           "no clock: kept ones only, full");
    s.expire(s.data, 1000, 10);
    ok(ocs_store_region_count(&s) == 0, "no clock: expire drops them");
    rg.env = &env;

    free(mem);

    /* room is looked for within OCS_STORE_EVICT_MAX of the old end */
    size = OCS_STORE_REGION_HEADER
           + (OCS_STORE_EVICT_MAX + 2) * OCS_STORE_REGION_RECORD;
    mem = block(size);
    (void) open_store(&s, &rg, mem, size, 0, NULL);

    for (i = 0; i < OCS_STORE_EVICT_MAX; i++) {
        snprintf(key, sizeof(key), "m%d", i);
        (void) put_kept(&s, key, 1, 2000);
    }

    (void) put(&s, "c0", 1, 2000);
    (void) put(&s, "c1", 1, 2000);
    is_int(put(&s, "c2", 1, 2000), OCS_ERR_SPACE,
           "bounded: %d marks at the old end, full", OCS_STORE_EVICT_MAX);
    s.remove(s.data, (const unsigned char *) "m0", 2);
    (void) put_kept(&s, "m0", 1, 2000);
    is_int(put(&s, "c2", 1, 2000), OCS_OK,
           "bounded: one fewer, the count after them went");
    is_int(get(&s, "c0"), -1, "bounded: the oldest count");

    free(mem);
    clock_data.now = 0;
}


static void
test_reload(void)
{
    int                      fresh, i;
    size_t                   size;
    char                     key[16];
    ocs_store_t              s;
    ocs_store_region_t       rg;
    unsigned char           *mem, *copy, *other;

    size = 8192;
    mem = block(size);
    (void) open_store(&s, &rg, mem, size, 1, NULL);

    for (i = 0; i < 6; i++) {
        snprintf(key, sizeof(key), "r%d", i);
        (void) put(&s, key, i, 100);
    }

    (void) put(&s, "r2", 22, 100);
    (void) put_kept(&s, "r5", 5, 100);
    s.remove(s.data, (const unsigned char *) "r4", 2);

    /* saved and loaded at another address */
    copy = block(size);
    memcpy(copy, mem, size);

    fresh = -1;
    is_int(open_store(&s, &rg, copy, size, 1, &fresh), OCS_OK, "reload");
    is_int(fresh, 0, "reload: the records kept");
    is_int(ocs_store_region_count(&s), 5, "reload: 5 records");
    is_int(get(&s, "r2"), 22, "reload: a value");
    is_int(get(&s, "r4"), -1, "reload: a removed one stays removed");
    ok(strcmp(walk(&s, 0, 0), "r5 r2 r3 r1 r0 ") == 0,
       "reload: the order of writing (%s)", walk(&s, 0, 0));
    ok(kept(&s, "r5") == 1 && kept(&s, "r2") == 0,
       "reload: what is kept stays kept");
    is_int(put(&s, "r6", 6, 100), OCS_OK, "reload: written to");
    ok(strcmp(walk(&s, 0, 0), "r6 r5 r2 r3 r1 r0 ") == 0,
       "reload: a new write is the newest");

    /* a torn copy: its hash table broken */
    memcpy(mem, copy, size);
    memset(mem + OCS_STORE_REGION_HEADER, 0xff, 64);
    (void) open_store(&s, &rg, mem, size, 1, &fresh);
    is_int(fresh, 0, "torn: the records kept");
    is_int(ocs_store_region_count(&s), 6, "torn: 6 records");
    is_int(get(&s, "r3"), 3, "torn: found again");

    /* another size: formatted */
    other = block(size * 2);
    memcpy(other, copy, size);
    (void) open_store(&s, &rg, other, size * 2, 1, &fresh);
    is_int(fresh, 1, "another size: formatted");
    is_int(ocs_store_region_count(&s), 0, "another size: empty");

    free(mem);
    free(copy);
    free(other);
}


static void
test_revoke(void)
{
    int                  i, rc;
    size_t               size;
    ocs_store_t          s;
    ocs_store_region_t   rg;
    ocs_ticket_t         t;
    ocs_revoke_info_t    info;
    void                *mem;

    size = OCS_STORE_REGION_HEADER + 8 * OCS_STORE_REGION_RECORD;
    mem = block(size);
    (void) open_store(&s, &rg, mem, size, 1, NULL);

    memset(&t, 0, sizeof(t));
    t.user_len = 5;
    memcpy(t.user, "alice", 5);
    t.auth_time = 1000;
    t.expires = 100000;

    rc = OCS_OK;

    for (i = 0; i < 20 && rc == OCS_OK; i++) {
        memset(t.session, i + 1, OCS_SESSION_LEN);
        rc = ocs_revoke_session(&s, &t, 3600, 2000000LL + i, &info);
    }

    is_int(rc, OCS_ERR_SPACE, "revocations: full after %d", i);
    is_int(locks, 0, "revocations: every lock given back");
    ok(ocs_revoke_check(&s, &t, 2000), "full: the ticket is revoked");
    is_int(ocs_store_region_count(&s), 1, "full: one record left");

    memset(t.session, 0x77, OCS_SESSION_LEN);
    is_int(ocs_revoke_session(&s, &t, 3600, 2000100LL, &info), OCS_OK,
           "full: the next revocation fits");

    free(mem);
}


static void
test_start(void)
{
    is_int(ocs_store_region_start(0, 65536, 65536), OCS_STORE_REGION_KEPT,
           "start: records loaded: kept");
    is_int(ocs_store_region_start(0, 0, 65536), OCS_STORE_REGION_KEPT,
           "start: records loaded, never noted: kept");
    is_int(ocs_store_region_start(1, 0, 65536), OCS_STORE_REGION_FIRST,
           "start: empty, never made: the first");
    is_int(ocs_store_region_start(1, 65536, 65536), OCS_STORE_REGION_LOST,
           "start: empty at the size it had: the copy was lost");
    is_int(ocs_store_region_start(1, 1048576, 65536),
           OCS_STORE_REGION_RESIZED, "start: empty at another size");
}


int
main(void)
{
    test_sizes();
    test_start();
    test_basics();
    test_full();
    test_kept();
    test_reload();
    test_revoke();

    return ocs_test_done();
}
