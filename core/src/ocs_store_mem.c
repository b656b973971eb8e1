/*
 * The in-memory store (ocs_store.h): a bounded array of records in one
 * process, most recently written first on a list, under a pthread
 * mutex.  And what every store shares: ocs_store_may_drop(), the rule
 * of what a full one may drop, the copies of a record's numbers
 * (ocs_store_nums_*), and ocs_store_add(), the counter.
 */

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <ocs/ocs_store.h>


#define OCS_STORE_MEM_NONE  ((size_t) -1)


typedef struct {
    unsigned char      key[OCS_STORE_KEY_MAX];
    size_t             len;                /* 0: a free slot */
    ocs_store_rec_t    rec;
    size_t             prev;               /* more recently written */
    size_t             next;               /* less recently written */
} ocs_store_mem_slot_t;


typedef struct {
    pthread_mutex_t        mutex;
    const ocs_env_t       *env;
    size_t                 capacity;
    size_t                 used;
    unsigned               keep;           /* drops no live record */
    size_t                 head;           /* most recently written */
    size_t                 tail;
    ocs_store_mem_slot_t  *slots;
} ocs_store_mem_t;


static void ocs_store_mem_lock(void *data);
static void ocs_store_mem_unlock(void *data);
static int ocs_store_mem_get(void *data, const unsigned char *key,
    size_t len, ocs_store_rec_t *rec);
static int ocs_store_mem_put(void *data, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec);
static void ocs_store_mem_remove(void *data, const unsigned char *key,
    size_t len);
static void ocs_store_mem_expire(void *data, int64_t now, size_t max);
static void ocs_store_mem_walk(void *data, ocs_store_walk_pt fn,
    void *arg);
static size_t ocs_store_mem_find(ocs_store_mem_t *m,
    const unsigned char *key, size_t len);
static size_t ocs_store_mem_room(ocs_store_mem_t *m);
static void ocs_store_mem_unlink(ocs_store_mem_t *m, size_t i);
static void ocs_store_mem_front(ocs_store_mem_t *m, size_t i);
static void ocs_store_mem_drop(ocs_store_mem_t *m, size_t i);


int
ocs_store_mem_create(ocs_store_t *store, size_t capacity,
    const ocs_env_t *env)
{
    ocs_store_mem_t  *m;

    memset(store, 0, sizeof(ocs_store_t));

    m = calloc(1, sizeof(ocs_store_mem_t));
    if (m == NULL) {
        return OCS_ERR_SYS;
    }

    if (capacity > 0) {
        m->slots = calloc(capacity, sizeof(ocs_store_mem_slot_t));
        if (m->slots == NULL) {
            free(m);
            return OCS_ERR_SYS;
        }
    }

    if (pthread_mutex_init(&m->mutex, NULL) != 0) {
        free(m->slots);
        free(m);
        return OCS_ERR_SYS;
    }

    m->env = env;
    m->capacity = capacity;
    m->head = OCS_STORE_MEM_NONE;
    m->tail = OCS_STORE_MEM_NONE;

    store->lock = ocs_store_mem_lock;
    store->unlock = ocs_store_mem_unlock;
    store->get = ocs_store_mem_get;
    store->put = ocs_store_mem_put;
    store->remove = ocs_store_mem_remove;
    store->expire = ocs_store_mem_expire;
    store->walk = ocs_store_mem_walk;
    store->data = m;

    return OCS_OK;
}


void
ocs_store_mem_destroy(ocs_store_t *store)
{
    ocs_store_mem_t  *m = store->data;

    if (m == NULL) {
        return;
    }

    (void) pthread_mutex_destroy(&m->mutex);

    /* the keys name accounts and addresses: not left in freed memory */
    if (m->slots != NULL) {
        ocs_wipe(m->slots, m->capacity * sizeof(ocs_store_mem_slot_t));
    }

    free(m->slots);
    free(m);

    memset(store, 0, sizeof(ocs_store_t));
}


void
ocs_store_mem_keep(ocs_store_t *store)
{
    ocs_store_mem_t  *m = store->data;

    m->keep = 1;
    store->keep = 1;
}


size_t
ocs_store_mem_count(const ocs_store_t *store)
{
    const ocs_store_mem_t  *m = store->data;

    return m->used;
}


static void
ocs_store_mem_lock(void *data)
{
    ocs_store_mem_t  *m = data;

    (void) pthread_mutex_lock(&m->mutex);
}


static void
ocs_store_mem_unlock(void *data)
{
    ocs_store_mem_t  *m = data;

    (void) pthread_mutex_unlock(&m->mutex);
}


static int
ocs_store_mem_get(void *data, const unsigned char *key, size_t len,
    ocs_store_rec_t *rec)
{
    size_t            i;
    ocs_store_mem_t  *m = data;

    i = ocs_store_mem_find(m, key, len);
    if (i == OCS_STORE_MEM_NONE) {
        return OCS_ERR_NOTFOUND;
    }

    *rec = m->slots[i].rec;

    return OCS_OK;
}


static int
ocs_store_mem_put(void *data, const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec)
{
    size_t            i;
    ocs_store_mem_t  *m = data;

    if (len == 0 || len > OCS_STORE_KEY_MAX) {
        return OCS_ERR_INVALID;
    }

    i = ocs_store_mem_find(m, key, len);

    if (i != OCS_STORE_MEM_NONE) {
        ocs_store_mem_unlink(m, i);

    } else {
        i = ocs_store_mem_room(m);
        if (i == OCS_STORE_MEM_NONE) {
            return OCS_ERR_SPACE;
        }

        memcpy(m->slots[i].key, key, len);
        m->slots[i].len = len;
        m->used++;
    }

    m->slots[i].rec = *rec;
    ocs_store_mem_front(m, i);

    return OCS_OK;
}


static void
ocs_store_mem_remove(void *data, const unsigned char *key, size_t len)
{
    size_t            i;
    ocs_store_mem_t  *m = data;

    i = ocs_store_mem_find(m, key, len);

    if (i != OCS_STORE_MEM_NONE) {
        ocs_store_mem_drop(m, i);
    }
}


static void
ocs_store_mem_expire(void *data, int64_t now, size_t max)
{
    ocs_store_mem_t  *m = data;

    while (max-- > 0 && m->tail != OCS_STORE_MEM_NONE) {
        if (m->slots[m->tail].rec.expires > now) {
            return;
        }

        ocs_store_mem_drop(m, m->tail);
    }
}


static void
ocs_store_mem_walk(void *data, ocs_store_walk_pt fn, void *arg)
{
    int               rc;
    size_t            i, next;
    ocs_store_mem_t  *m = data;

    for (i = m->head; i != OCS_STORE_MEM_NONE; i = next) {
        next = m->slots[i].next;

        rc = fn(arg, m->slots[i].key, m->slots[i].len, &m->slots[i].rec);

        if (rc == OCS_STORE_REMOVE) {
            ocs_store_mem_drop(m, i);

        } else if (rc == OCS_STORE_STOP) {
            return;
        }
    }
}


static size_t
ocs_store_mem_find(ocs_store_mem_t *m, const unsigned char *key,
    size_t len)
{
    size_t  i;

    for (i = m->head; i != OCS_STORE_MEM_NONE; i = m->slots[i].next) {
        if (m->slots[i].len == len
            && memcmp(m->slots[i].key, key, len) == 0)
        {
            return i;
        }
    }

    return OCS_STORE_MEM_NONE;
}


/*
 * A free slot: an unused one, else one freed from expired records (by
 * the clock of now), else that of the least recently written record
 * that is not kept, near the old end (unless the store keeps them all).
 */
static size_t
ocs_store_mem_room(ocs_store_mem_t *m)
{
    size_t   i, n, next;
    int64_t  now;

    if (m->capacity == 0) {
        return OCS_STORE_MEM_NONE;
    }

    if (m->used == m->capacity) {
        now = m->env->now(m->env->data);

        for (i = m->head; i != OCS_STORE_MEM_NONE; i = next) {
            next = m->slots[i].next;

            if (m->slots[i].rec.expires <= now) {
                ocs_store_mem_drop(m, i);
            }
        }

        if (m->used == m->capacity) {
            if (m->keep) {
                return OCS_STORE_MEM_NONE;
            }

            /* the oldest that may go, the kept ones passed over */
            i = m->tail;
            n = 0;

            while (!ocs_store_may_drop(m->slots[i].rec.keep,
                                       m->slots[i].rec.expires, now))
            {
                i = m->slots[i].prev;

                if (i == OCS_STORE_MEM_NONE || ++n == OCS_STORE_EVICT_MAX) {
                    return OCS_STORE_MEM_NONE;
                }
            }

            ocs_store_mem_drop(m, i);
        }
    }

    for (i = 0; i < m->capacity; i++) {
        if (m->slots[i].len == 0) {
            return i;
        }
    }

    return OCS_STORE_MEM_NONE;
}


static void
ocs_store_mem_unlink(ocs_store_mem_t *m, size_t i)
{
    ocs_store_mem_slot_t  *s = &m->slots[i];

    if (s->prev != OCS_STORE_MEM_NONE) {
        m->slots[s->prev].next = s->next;

    } else {
        m->head = s->next;
    }

    if (s->next != OCS_STORE_MEM_NONE) {
        m->slots[s->next].prev = s->prev;

    } else {
        m->tail = s->prev;
    }
}


static void
ocs_store_mem_front(ocs_store_mem_t *m, size_t i)
{
    ocs_store_mem_slot_t  *s = &m->slots[i];

    s->prev = OCS_STORE_MEM_NONE;
    s->next = m->head;

    if (m->head != OCS_STORE_MEM_NONE) {
        m->slots[m->head].prev = i;
    }

    m->head = i;

    if (m->tail == OCS_STORE_MEM_NONE) {
        m->tail = i;
    }
}


static void
ocs_store_mem_drop(ocs_store_mem_t *m, size_t i)
{
    ocs_store_mem_unlink(m, i);
    ocs_wipe(&m->slots[i], sizeof(ocs_store_mem_slot_t));
    m->used--;
}


int
ocs_store_may_drop(unsigned keep, int64_t expires, int64_t now)
{
    return !keep || expires <= now;
}


/* a field the core adds to its record must be in the numbers too */
_Static_assert(offsetof(ocs_store_rec_t, keep) == sizeof(ocs_store_nums_t),
               "a record's numbers");


void
ocs_store_nums_save(ocs_store_nums_t *nums, const ocs_store_rec_t *rec)
{
    nums->first = rec->first;
    nums->until = rec->until;
    nums->expires = rec->expires;
    nums->value = rec->value;
    nums->inflight = rec->inflight;
}


void
ocs_store_nums_load(const ocs_store_nums_t *nums, unsigned keep,
    ocs_store_rec_t *rec)
{
    memset(rec, 0, sizeof(ocs_store_rec_t));

    rec->first = nums->first;
    rec->until = nums->until;
    rec->expires = nums->expires;
    rec->value = nums->value;
    rec->inflight = nums->inflight;
    rec->keep = keep;
}


int
ocs_store_add(const ocs_store_t *store, const unsigned char *key,
    size_t len, int64_t delta, int64_t expires, int64_t now,
    int64_t *value)
{
    int              rc;
    ocs_store_rec_t  rec;

    store->lock(store->data);

    if (store->get(store->data, key, len, &rec) != OCS_OK
        || rec.expires <= now)
    {
        memset(&rec, 0, sizeof(ocs_store_rec_t));
        rec.first = now;
    }

    rec.value = ocs_time_add(rec.value, delta);

    if (expires > rec.expires) {
        rec.expires = expires;
    }

    rc = store->put(store->data, key, len, &rec);

    store->unlock(store->data);

    if (rc == OCS_OK && value != NULL) {
        *value = rec.value;
    }

    return rc;
}
