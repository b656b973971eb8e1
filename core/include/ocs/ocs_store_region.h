/*
 * A store (ocs_store.h) in a block of memory the server provides:
 * shared memory that several processes map (Apache's slotmem), which
 * the server may also save to a file and load again (a graceful
 * restart).  The block holds fixed-size records, each with room for a
 * key of OCS_STORE_KEY_MAX bytes, on a list in the order they were
 * written and in a hash table, linked by index, not by address, so that
 * every process may map the block anywhere and a saved copy works when
 * it is loaded somewhere else.
 *
 * The lock is the server's: the functions given to
 * ocs_store_region_open() (a global mutex across processes and
 * threads), and so is the clock.  A full store drops the least
 * recently written record for a new one, passing over the records kept
 * until they expire (ocs_store.h, "Keeping"), by the clock of rg->env;
 * one that keeps (keep 1) fails with OCS_ERR_SPACE instead.
 *
 * Loading.  A block whose header does not match this layout and its
 * size (zeroed memory, another version, another size) is formatted
 * empty.  A block that matches has its lists and hash table rebuilt
 * from the records themselves, in the order of the sequence number
 * each write stamps, so that a copy taken while a process was writing
 * (the server saves without the lock) loses at most the record being
 * written, never the others.  A block saved before records could be
 * kept has the layout of today's, with no record kept.
 */

#ifndef OCS_STORE_REGION_H
#define OCS_STORE_REGION_H


#include <ocs/ocs.h>
#include <ocs/ocs_store.h>


/* the bytes one record takes, its share of the hash table included */
#define OCS_STORE_REGION_RECORD   388

/* the bytes of the block's header, taken from its size once */
#define OCS_STORE_REGION_HEADER   64


typedef struct {
    void                  (*lock)(void *arg);      /* set by the caller */
    void                  (*unlock)(void *arg);
    void                   *arg;
    const ocs_env_t        *env;       /* the clock kept records are
                                          judged by; NULL: kept until
                                          expire() drops them */

    void                   *mem;                   /* set by open */
    size_t                  size;
    unsigned                keep;
} ocs_store_region_t;


/* how many records a block of size bytes holds (0: too small) */
size_t ocs_store_region_records(size_t size);

/*
 * Makes *store the store in mem (size bytes, 8-byte aligned), with
 * rg's lock and clock (rg->lock, rg->unlock, rg->arg and rg->env set by
 * the caller; rg must outlive the store, and store->data is rg).  The
 * block is formatted or rebuilt as said above; *fresh (may be NULL) is
 * 1 when it was formatted, 0 when its records were kept.  Not locked:
 * call it before the block is shared, or under the lock.  Returns
 * OCS_OK, or OCS_ERR_INVALID for a block too small for one record.
 */
int ocs_store_region_open(ocs_store_t *store, ocs_store_region_t *rg,
    void *mem, size_t size, unsigned keep, int *fresh);

/* the records the store holds, expired ones included (lock held) */
size_t ocs_store_region_count(const ocs_store_t *store);

/* how a block made at a start came to hold what it holds */
typedef enum {
    OCS_STORE_REGION_KEPT = 0,      /* its records from before */
    OCS_STORE_REGION_FIRST,         /* none: it was never made before */
    OCS_STORE_REGION_RESIZED,       /* none: it was made at another size */
    OCS_STORE_REGION_LOST           /* none: its saved copy did not load */
} ocs_store_region_start_e;

/*
 * What a start found, from fresh (as ocs_store_region_open() set it),
 * before (the size of the block the server made last time, which it
 * keeps beside the saved copy; 0 when it never made one) and size (the
 * block's size now).  A block that was made before and comes up empty
 * lost its records: it was given another size, or its saved copy was
 * not written (a full disk, a file system gone read-only), is damaged
 * or was removed.  A block with records kept them, whatever before
 * says.
 */
ocs_store_region_start_e ocs_store_region_start(int fresh, uint64_t before,
    uint64_t size);


#endif /* OCS_STORE_REGION_H */
