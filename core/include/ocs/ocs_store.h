/*
 * The store: short keys with a small fixed record each, shared by every
 * process and thread that serves requests, for state that outlives a
 * request (failed sign-ins and the locks they lead to, one-time codes
 * and forms already used, revocations).  The core decides what the
 * records mean (ocs_guard.h, ocs_revoke.h); the server supplies the
 * store: the nginx shared-memory zones (slab and rbtree, the zone's
 * mutex: ocs_auth_zone, and ocs_sso_zone, which keeps), Apache's
 * slotmem under a global mutex, a network store later, and
 * ocs_store_mem_create() here for tests and single-process servers.
 *
 * Locking.  Every operation but lock and unlock runs between a lock()
 * and its unlock(), so that a caller may read, decide and write several
 * records as one step (a sign-in attempt reserves three counts at once
 * or none).  The lock is held for microseconds: an implementation may
 * spin or block; it need not be recursive, since no caller locks
 * twice and no operation calls back into the store.  A lock
 * that cannot be had is a broken server, not an answer: lock() has no
 * return value.  Whoever holds the lock may be any thread of any
 * process that shares the store.
 *
 * Ownership.  Keys and records are copied in and out: the store keeps
 * no pointer to what a caller passes, and a caller keeps none into the
 * store (the walk callback's arguments are valid only during the call).
 *
 * Expiry.  A record's "expires" is when the store may drop it, not when
 * it must: get() may still return a record past its expiry, and the
 * caller judges it by the time it has (the clock is the caller's, from
 * ocs_env_t).  expire() drops what has expired.
 *
 * Full.  A store has a bound (bytes of a zone, slots of a slotmem).
 * When a put() finds it full, the store makes room by dropping other
 * records, the least recently written first, expired or not, as the
 * nginx zones do: the newest state wins, and a store large enough for
 * the records of one lock period loses nothing that still matters.
 * An implementation may drop expired records first.  Making room looks
 * at no more than OCS_STORE_EVICT_MAX records from the old end, so that
 * a write costs little under the lock.  Only when nothing can be
 * dropped within them (a store of no capacity, an empty store too small
 * for the record, an old end of kept records, below) does put() fail
 * with OCS_ERR_SPACE; the caller then goes on without the record (and
 * logs that the store has no room), or refuses what the record was to
 * guard.
 *
 * Keeping.  A store whose keep is 1 drops no record that has not
 * expired to make room: when the records that have expired do not make
 * room, put() fails with OCS_ERR_SPACE.  It is for records whose loss
 * would be unsafe, revocations (ocs_revoke.h), whose caller has its
 * own answer to a full store.  The implementation sets keep when it
 * makes the store; callers only read it.
 *
 * A record whose keep is 1 is kept so in a store that drops: making
 * room passes over it until it expires (ocs_store_may_drop()).  It is
 * for the marks of one-time codes (ocs_guard_once()), which share the
 * lockout's store with failure counts: a flood of failures must not
 * push out the mark of a code used, or the code could be used again.
 * When the old end holds only kept records that have not expired, a
 * new record finds the store full (OCS_ERR_SPACE), and the caller of
 * a mark refuses the code: no room is a "try again later", never a
 * code let through twice.
 */

#ifndef OCS_STORE_H
#define OCS_STORE_H


#include <ocs/ocs.h>


#define OCS_STORE_KEY_MAX   320    /* the longest key a store must take */


/* the record of a key: what each field means is the caller's */
typedef struct {
    int64_t        first;          /* when a count began */
    int64_t        until;          /* held (locked) until */
    int64_t        expires;        /* may be dropped after */
    int64_t        value;          /* a count; a mark's value */
    int64_t        inflight;       /* reservations not yet settled */
    unsigned       keep;           /* 1: not dropped to make room until
                                      it expires (see "Keeping") */
} ocs_store_rec_t;


/* the records a full put() looks at, from the old end, to make room */
#define OCS_STORE_EVICT_MAX  64


/* what a walk callback returns: go on, drop the record, or stop */
#define OCS_STORE_NEXT     0
#define OCS_STORE_REMOVE   1
#define OCS_STORE_STOP     2

typedef int (*ocs_store_walk_pt)(void *arg, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec);


typedef struct {
    /* takes and gives back the store's one lock */
    void   (*lock)(void *data);
    void   (*unlock)(void *data);

    /*
     * Copies the record of key into *rec.  Returns OCS_OK, or
     * OCS_ERR_NOTFOUND when the store has none (never made, dropped, or
     * removed).  Reading does not count as a use for the order in which
     * a full store drops records.
     */
    int    (*get)(void *data, const unsigned char *key, size_t len,
               ocs_store_rec_t *rec);

    /*
     * Writes *rec as the record of key, making it when there is none;
     * the record becomes the most recently written.  Returns OCS_OK,
     * OCS_ERR_SPACE when the store is full and cannot make room (see
     * above), OCS_ERR_INVALID for a key longer than OCS_STORE_KEY_MAX
     * or empty.
     */
    int    (*put)(void *data, const unsigned char *key, size_t len,
               const ocs_store_rec_t *rec);

    /* drops the record of key, if there is one */
    void   (*remove)(void *data, const unsigned char *key, size_t len);

    /*
     * Drops up to max records whose expiry is not after now, the least
     * recently written first; it may stop at the first that has not
     * expired, so that it costs little on every write.
     */
    void   (*expire)(void *data, int64_t now, size_t max);

    /*
     * Calls fn for every record, the most recently written first, until
     * fn returns OCS_STORE_STOP; OCS_STORE_REMOVE drops the record fn
     * was called for.  fn must not call the store.
     */
    void   (*walk)(void *data, ocs_store_walk_pt fn, void *arg);

    void    *data;
    unsigned keep;                 /* 1: a full put() drops only expired
                                      records (see "Keeping" above) */
} ocs_store_t;


/*
 * A record's numbers as a store lays them out in its own memory, its
 * keep apart (a byte or a spare word of the store's), so that no store
 * holds a padded ocs_store_rec_t: the nginx zone and the region.
 * ocs_store_nums_save() copies a record's numbers in, and
 * ocs_store_nums_load() makes the record again with its keep.
 */
typedef struct {
    int64_t        first;
    int64_t        until;
    int64_t        expires;
    int64_t        value;
    int64_t        inflight;
} ocs_store_nums_t;

void ocs_store_nums_save(ocs_store_nums_t *nums, const ocs_store_rec_t *rec);
void ocs_store_nums_load(const ocs_store_nums_t *nums, unsigned keep,
    ocs_store_rec_t *rec);


/*
 * Whether a full store that drops (store keep 0) may drop a record
 * whose keep and expires are these to make room at now: any record but
 * a kept one that has not expired.  Every store's put() asks it, so
 * that all of them pass over the same records.  Pure.
 */
int ocs_store_may_drop(unsigned keep, int64_t expires, int64_t now);


/*
 * An atomic counter: takes the lock, adds delta to the value of key (a
 * record past its expiry at now counts from 0, with first = now), moves
 * its expiry to expires if that is later, and gives the lock back.
 * *value (when not NULL) gets the new value.  Returns OCS_OK, or what
 * put() returned (OCS_ERR_SPACE: not counted).  Thread-safe as the
 * store is.
 */
int ocs_store_add(const ocs_store_t *store, const unsigned char *key,
    size_t len, int64_t delta, int64_t expires, int64_t now,
    int64_t *value);


/*
 * The in-memory store: at most capacity records in the memory of one
 * process, guarded by a pthread mutex, so that the threads of one
 * process may share it (tests, a single-process server).  Records are
 * found by a linear search: meant for thousands of records, not
 * millions.  When full, put() drops the records that have expired by
 * env's clock, and then the least recently written that is not kept
 * (within OCS_STORE_EVICT_MAX of the old end).  capacity 0 makes a
 * store that is always full (for tests).
 *
 * ocs_store_mem_create() fills *store (its data is the store's memory,
 * which store->data then owns) and returns OCS_OK, or OCS_ERR_SYS when
 * memory or the mutex cannot be had.  env must outlive the store.
 * ocs_store_mem_destroy() frees what create made; store is unusable
 * afterwards.  Neither is thread-safe: call them before and after the
 * threads that share the store.
 */
int ocs_store_mem_create(ocs_store_t *store, size_t capacity,
    const ocs_env_t *env);
void ocs_store_mem_destroy(ocs_store_t *store);

/*
 * Makes an in-memory store keep its records (store->keep, see above):
 * when full, put() drops the records that have expired by env's clock
 * and no others.  Call it before the store is shared.
 */
void ocs_store_mem_keep(ocs_store_t *store);

/* how many records the in-memory store holds, expired ones included */
size_t ocs_store_mem_count(const ocs_store_t *store);


#endif /* OCS_STORE_H */
