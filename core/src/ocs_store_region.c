/*
 * The store in a block of memory (ocs_store_region.h): a header, a hash
 * table of record indexes, and fixed-size records on a list most
 * recently written first.  Indexes are 1-based (0: none), so that a
 * zeroed block is a valid empty one once its header is written.
 */

#include <stdlib.h>
#include <string.h>

#include <ocs/ocs_store_region.h>


#define OCS_STORE_REGION_MAGIC    0x4f435352u      /* "OCSR" */

/*
 * Still 1 since records can be kept (ocs_store_rec_t's keep): keep went
 * into bytes of the slot that every writer before left zero (a block is
 * formatted zeroed, a freed slot is wiped), so that a block saved by an
 * older module is read as it was, with no record kept, and an older
 * module reads a newer block, passing keep by.
 */
#define OCS_STORE_REGION_VERSION  1


typedef struct {
    uint32_t           magic;
    uint32_t           version;
    uint32_t           slot_size;
    uint32_t           nslots;
    uint32_t           count;
    uint32_t           head;               /* most recently written */
    uint32_t           tail;
    uint32_t           free;               /* free slots, on next */
    uint64_t           size;               /* of the whole block */
    uint64_t           seq;                /* the next write's number */
    unsigned char      unused[16];
} ocs_store_region_hdr_t;


typedef struct {
    uint32_t                prev;          /* more recently written */
    uint32_t                next;          /* less recently written */
    uint32_t                chain;         /* next in the hash bucket */
    uint16_t                len;           /* 0: free */
    uint16_t                keep;          /* the record's keep */
    uint64_t                seq;           /* when written */
    ocs_store_nums_t        rec;
    unsigned char           key[OCS_STORE_KEY_MAX];
} ocs_store_region_slot_t;


typedef struct {
    uint64_t           seq;
    uint32_t           idx;
} ocs_store_region_order_t;


/* the layout is fixed: OCS_STORE_REGION_RECORD says what it costs */
_Static_assert(sizeof(ocs_store_region_hdr_t) == OCS_STORE_REGION_HEADER,
               "the header's size");
_Static_assert(sizeof(ocs_store_region_slot_t) + 4
               == OCS_STORE_REGION_RECORD, "a record's size");


#define ocs_store_region_align(n)  (((n) + 7) & ~((size_t) 7))

#define ocs_store_region_hdr(rg)   ((ocs_store_region_hdr_t *) (rg)->mem)


static void ocs_store_region_lock(void *data);
static void ocs_store_region_unlock(void *data);
static int ocs_store_region_get(void *data, const unsigned char *key,
    size_t len, ocs_store_rec_t *rec);
static int ocs_store_region_put(void *data, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec);
static void ocs_store_region_remove(void *data, const unsigned char *key,
    size_t len);
static void ocs_store_region_expire(void *data, int64_t now, size_t max);
static void ocs_store_region_walk(void *data, ocs_store_walk_pt fn,
    void *arg);
static void ocs_store_region_format(ocs_store_region_t *rg, size_t nslots);
static int ocs_store_region_rebuild(ocs_store_region_t *rg);
static int ocs_store_region_cmp(const void *a, const void *b);
static uint32_t *ocs_store_region_buckets(ocs_store_region_t *rg);
static ocs_store_region_slot_t *ocs_store_region_slot(ocs_store_region_t *rg,
    uint32_t idx);
static uint32_t ocs_store_region_hash(const unsigned char *key, size_t len);
static uint32_t ocs_store_region_find(ocs_store_region_t *rg,
    const unsigned char *key, size_t len, uint32_t **link);
static void ocs_store_region_unlink(ocs_store_region_t *rg, uint32_t idx);
static void ocs_store_region_front(ocs_store_region_t *rg, uint32_t idx);
static void ocs_store_region_drop(ocs_store_region_t *rg, uint32_t idx);
static uint32_t ocs_store_region_victim(ocs_store_region_t *rg);


/* the records of n slots fit with the header and the hash table */
static size_t
ocs_store_region_need(size_t n)
{
    return OCS_STORE_REGION_HEADER + ocs_store_region_align(4 * n)
           + n * sizeof(ocs_store_region_slot_t);
}


size_t
ocs_store_region_records(size_t size)
{
    size_t  n;

    if (size < ocs_store_region_need(1)) {
        return 0;
    }

    n = (size - OCS_STORE_REGION_HEADER) / OCS_STORE_REGION_RECORD;

    while (n > 0 && ocs_store_region_need(n) > size) {
        n--;
    }

    /* indexes are 32 bits and 0 is none */
    return (n > 0xfffffff0u) ? 0xfffffff0u : n;
}


int
ocs_store_region_open(ocs_store_t *store, ocs_store_region_t *rg,
    void *mem, size_t size, unsigned keep, int *fresh)
{
    size_t                   n;
    ocs_store_region_hdr_t  *h;

    memset(store, 0, sizeof(ocs_store_t));

    n = ocs_store_region_records(size);
    if (n == 0 || ((uintptr_t) mem & 7) != 0) {
        return OCS_ERR_INVALID;
    }

    rg->mem = mem;
    rg->size = size;
    rg->keep = keep ? 1 : 0;
    h = mem;

    if (fresh != NULL) {
        *fresh = 0;
    }

    if (h->magic != OCS_STORE_REGION_MAGIC
        || h->version != OCS_STORE_REGION_VERSION
        || h->slot_size != sizeof(ocs_store_region_slot_t)
        || h->nslots != n || h->size != size
        || ocs_store_region_rebuild(rg) != OCS_OK)
    {
        ocs_store_region_format(rg, n);

        if (fresh != NULL) {
            *fresh = 1;
        }
    }

    store->lock = ocs_store_region_lock;
    store->unlock = ocs_store_region_unlock;
    store->get = ocs_store_region_get;
    store->put = ocs_store_region_put;
    store->remove = ocs_store_region_remove;
    store->expire = ocs_store_region_expire;
    store->walk = ocs_store_region_walk;
    store->data = rg;
    store->keep = keep ? 1 : 0;

    return OCS_OK;
}


size_t
ocs_store_region_count(const ocs_store_t *store)
{
    ocs_store_region_t  *rg = store->data;

    return ocs_store_region_hdr(rg)->count;
}


ocs_store_region_start_e
ocs_store_region_start(int fresh, uint64_t before, uint64_t size)
{
    if (!fresh) {
        return OCS_STORE_REGION_KEPT;
    }

    if (before == 0) {
        return OCS_STORE_REGION_FIRST;
    }

    return (before != size) ? OCS_STORE_REGION_RESIZED
                            : OCS_STORE_REGION_LOST;
}


static void
ocs_store_region_format(ocs_store_region_t *rg, size_t nslots)
{
    uint32_t                 i;
    ocs_store_region_hdr_t  *h;
    ocs_store_region_slot_t *s;

    memset(rg->mem, 0, ocs_store_region_need(nslots));

    h = rg->mem;
    h->magic = OCS_STORE_REGION_MAGIC;
    h->version = OCS_STORE_REGION_VERSION;
    h->slot_size = sizeof(ocs_store_region_slot_t);
    h->nslots = (uint32_t) nslots;
    h->size = rg->size;
    h->seq = 1;

    for (i = (uint32_t) nslots; i > 0; i--) {
        s = ocs_store_region_slot(rg, i);
        s->next = h->free;
        h->free = i;
    }
}


/*
 * The lists and the hash table again from the records alone, newest
 * first; of two records of one key the newer stays.  OCS_ERR_SYS when
 * there is no memory to sort them.
 */
static int
ocs_store_region_rebuild(ocs_store_region_t *rg)
{
    uint32_t                  i, n, used, *link;
    uint64_t                  seq;
    uint32_t                 *b;
    ocs_store_region_hdr_t   *h;
    ocs_store_region_slot_t  *s, *t;
    ocs_store_region_order_t *order;

    h = rg->mem;
    n = h->nslots;

    order = malloc((n ? n : 1) * sizeof(ocs_store_region_order_t));
    if (order == NULL) {
        return OCS_ERR_SYS;
    }

    used = 0;
    seq = 0;

    for (i = 1; i <= n; i++) {
        s = ocs_store_region_slot(rg, i);

        if (s->len > 0 && s->len <= OCS_STORE_KEY_MAX) {
            order[used].seq = s->seq;
            order[used].idx = i;
            used++;

            if (s->seq > seq) {
                seq = s->seq;
            }
        }
    }

    qsort(order, used, sizeof(ocs_store_region_order_t),
          ocs_store_region_cmp);

    b = ocs_store_region_buckets(rg);
    memset(b, 0, 4 * (size_t) n);

    h->count = 0;
    h->head = 0;
    h->tail = 0;
    h->free = 0;
    h->seq = seq + 1;

    for (i = 0; i < used; i++) {
        s = ocs_store_region_slot(rg, order[i].idx);

        if (ocs_store_region_find(rg, s->key, s->len, &link) != 0) {
            s->len = 0;
            continue;
        }

        /* at the old end: the order is newest first */
        s->chain = 0;
        *link = order[i].idx;
        s->prev = h->tail;
        s->next = 0;

        if (h->tail) {
            t = ocs_store_region_slot(rg, h->tail);
            t->next = order[i].idx;

        } else {
            h->head = order[i].idx;
        }

        h->tail = order[i].idx;
        h->count++;
    }

    free(order);

    for (i = n; i > 0; i--) {
        s = ocs_store_region_slot(rg, i);

        if (s->len == 0 || s->len > OCS_STORE_KEY_MAX) {
            memset(s, 0, sizeof(ocs_store_region_slot_t));
            s->next = h->free;
            h->free = i;
        }
    }

    return OCS_OK;
}


/* newest first */
static int
ocs_store_region_cmp(const void *a, const void *b)
{
    const ocs_store_region_order_t  *x = a, *y = b;

    return (x->seq < y->seq) ? 1 : (x->seq > y->seq) ? -1 : 0;
}


static void
ocs_store_region_lock(void *data)
{
    ocs_store_region_t  *rg = data;

    rg->lock(rg->arg);
}


static void
ocs_store_region_unlock(void *data)
{
    ocs_store_region_t  *rg = data;

    rg->unlock(rg->arg);
}


static int
ocs_store_region_get(void *data, const unsigned char *key, size_t len,
    ocs_store_rec_t *rec)
{
    uint32_t                  idx, *link;
    ocs_store_region_t       *rg = data;
    ocs_store_region_slot_t  *s;

    if (len == 0 || len > OCS_STORE_KEY_MAX) {
        return OCS_ERR_NOTFOUND;
    }

    idx = ocs_store_region_find(rg, key, len, &link);
    if (idx == 0) {
        return OCS_ERR_NOTFOUND;
    }

    s = ocs_store_region_slot(rg, idx);
    ocs_store_nums_load(&s->rec, s->keep, rec);

    return OCS_OK;
}


static int
ocs_store_region_put(void *data, const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec)
{
    uint32_t                  idx, victim, *link;
    ocs_store_region_t       *rg = data;
    ocs_store_region_hdr_t   *h;
    ocs_store_region_slot_t  *s;

    if (len == 0 || len > OCS_STORE_KEY_MAX) {
        return OCS_ERR_INVALID;
    }

    h = rg->mem;
    idx = ocs_store_region_find(rg, key, len, &link);

    if (idx != 0) {
        s = ocs_store_region_slot(rg, idx);
        ocs_store_region_unlink(rg, idx);

    } else {
        if (h->free == 0) {
            /* full: a store that keeps drops nothing live here */
            victim = rg->keep ? 0 : ocs_store_region_victim(rg);

            if (victim == 0) {
                return OCS_ERR_SPACE;
            }

            ocs_store_region_drop(rg, victim);

            /* the dropped record may have been on the new key's chain */
            (void) ocs_store_region_find(rg, key, len, &link);
        }

        idx = h->free;
        s = ocs_store_region_slot(rg, idx);
        h->free = s->next;

        memcpy(s->key, key, len);
        s->len = (uint16_t) len;
        s->chain = 0;
        *link = idx;
        h->count++;
    }

    ocs_store_nums_save(&s->rec, rec);
    s->keep = rec->keep ? 1 : 0;
    s->seq = h->seq++;
    ocs_store_region_front(rg, idx);

    return OCS_OK;
}


static void
ocs_store_region_remove(void *data, const unsigned char *key, size_t len)
{
    uint32_t             idx, *link;
    ocs_store_region_t  *rg = data;

    if (len == 0 || len > OCS_STORE_KEY_MAX) {
        return;
    }

    idx = ocs_store_region_find(rg, key, len, &link);

    if (idx != 0) {
        ocs_store_region_drop(rg, idx);
    }
}


/*
 * Drops the expired among the max oldest records.  A store that keeps
 * looks past the live ones; one that drops stops at the first live one,
 * as the nginx zones do.
 */
static void
ocs_store_region_expire(void *data, int64_t now, size_t max)
{
    uint32_t                  idx, prev;
    ocs_store_region_t       *rg = data;
    ocs_store_region_slot_t  *s;

    for (idx = ocs_store_region_hdr(rg)->tail; max-- && idx != 0;
         idx = prev)
    {
        s = ocs_store_region_slot(rg, idx);
        prev = s->prev;

        if (s->rec.expires <= now) {
            ocs_store_region_drop(rg, idx);

        } else if (!rg->keep) {
            return;
        }
    }
}


static void
ocs_store_region_walk(void *data, ocs_store_walk_pt fn, void *arg)
{
    int                       rc;
    uint32_t                  idx, next;
    ocs_store_rec_t           rec;
    ocs_store_region_t       *rg = data;
    ocs_store_region_slot_t  *s;

    for (idx = ocs_store_region_hdr(rg)->head; idx != 0; idx = next) {
        s = ocs_store_region_slot(rg, idx);
        next = s->next;

        ocs_store_nums_load(&s->rec, s->keep, &rec);
        rc = fn(arg, s->key, s->len, &rec);

        if (rc == OCS_STORE_REMOVE) {
            ocs_store_region_drop(rg, idx);

        } else if (rc == OCS_STORE_STOP) {
            return;
        }
    }
}


static uint32_t *
ocs_store_region_buckets(ocs_store_region_t *rg)
{
    return (uint32_t *) ((unsigned char *) rg->mem + OCS_STORE_REGION_HEADER);
}


static ocs_store_region_slot_t *
ocs_store_region_slot(ocs_store_region_t *rg, uint32_t idx)
{
    size_t  n;

    n = ocs_store_region_hdr(rg)->nslots;

    return (ocs_store_region_slot_t *)
           ((unsigned char *) rg->mem + OCS_STORE_REGION_HEADER
            + ocs_store_region_align(4 * n)) + (idx - 1);
}


/* FNV-1a */
static uint32_t
ocs_store_region_hash(const unsigned char *key, size_t len)
{
    size_t    i;
    uint32_t  h;

    h = 2166136261u;

    for (i = 0; i < len; i++) {
        h ^= key[i];
        h *= 16777619u;
    }

    return h;
}


/*
 * The index of key's record, or 0; *link is where the record's index
 * is kept (in its bucket or its predecessor on the chain), or where a
 * new one goes (the chain's end).
 */
static uint32_t
ocs_store_region_find(ocs_store_region_t *rg, const unsigned char *key,
    size_t len, uint32_t **link)
{
    uint32_t                 *l, idx;
    ocs_store_region_slot_t  *s;

    l = ocs_store_region_buckets(rg)
        + ocs_store_region_hash(key, len) % ocs_store_region_hdr(rg)->nslots;

    for (idx = *l; idx != 0; idx = *l) {
        s = ocs_store_region_slot(rg, idx);

        if (s->len == len && memcmp(s->key, key, len) == 0) {
            *link = l;
            return idx;
        }

        l = &s->chain;
    }

    *link = l;

    return 0;
}


static void
ocs_store_region_unlink(ocs_store_region_t *rg, uint32_t idx)
{
    ocs_store_region_hdr_t   *h;
    ocs_store_region_slot_t  *s;

    h = rg->mem;
    s = ocs_store_region_slot(rg, idx);

    if (s->prev) {
        ocs_store_region_slot(rg, s->prev)->next = s->next;

    } else {
        h->head = s->next;
    }

    if (s->next) {
        ocs_store_region_slot(rg, s->next)->prev = s->prev;

    } else {
        h->tail = s->prev;
    }

    s->prev = 0;
    s->next = 0;
}


static void
ocs_store_region_front(ocs_store_region_t *rg, uint32_t idx)
{
    ocs_store_region_hdr_t   *h;
    ocs_store_region_slot_t  *s;

    h = rg->mem;
    s = ocs_store_region_slot(rg, idx);

    s->prev = 0;
    s->next = h->head;

    if (h->head) {
        ocs_store_region_slot(rg, h->head)->prev = idx;

    } else {
        h->tail = idx;
    }

    h->head = idx;
}


/* off the list and the hash table, wiped (keys name accounts), freed */
static void
ocs_store_region_drop(ocs_store_region_t *rg, uint32_t idx)
{
    uint32_t                 *link;
    ocs_store_region_hdr_t   *h;
    ocs_store_region_slot_t  *s;

    h = rg->mem;
    s = ocs_store_region_slot(rg, idx);

    if (ocs_store_region_find(rg, s->key, s->len, &link) == idx) {
        *link = s->chain;
    }

    ocs_store_region_unlink(rg, idx);

    ocs_wipe(s, sizeof(ocs_store_region_slot_t));
    s->next = h->free;
    h->free = idx;
    h->count--;
}


/*
 * The record a full store drops for a new one: the least recently
 * written that may go (ocs_store_may_drop()), the kept ones that have
 * not expired passed over, within OCS_STORE_EVICT_MAX of the old end;
 * 0 when there is none.  Without a clock a kept record always stays.
 */
static uint32_t
ocs_store_region_victim(ocs_store_region_t *rg)
{
    uint32_t                  idx, n;
    int64_t                   now;
    ocs_store_region_slot_t  *s;

    now = (rg->env != NULL) ? rg->env->now(rg->env->data) : INT64_MIN;

    for (idx = ocs_store_region_hdr(rg)->tail, n = 0;
         idx != 0 && n < OCS_STORE_EVICT_MAX;
         idx = s->prev, n++)
    {
        s = ocs_store_region_slot(rg, idx);

        if (ocs_store_may_drop(s->keep, s->rec.expires, now)) {
            return idx;
        }
    }

    return 0;
}

