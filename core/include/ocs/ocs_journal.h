/*
 * The journal: a file beside a store (ocs_store.h) that each of the
 * store's writes is appended to, so that its records outlive the memory
 * that holds them.  nginx makes its shared zones afresh on a restart
 * and on a binary upgrade (USR2: the new master makes new zones while
 * the old workers still serve); with a journal, the new zone reads the
 * records back, and the two sets of processes, which share the file but
 * not the memory, each see the other's writes before their next use of
 * the store.
 *
 * ocs_journal_t's store is the store to use: its operations are the
 * inner store's, and
 *
 *   lock() takes the inner lock and then reads what others appended
 *   since this set of processes last looked (one fstat() when nothing
 *   was), so that a revocation made by the old workers counts in the
 *   new ones at once;
 *
 *   put() and remove(), and walk() when it drops a record, append a
 *   record under an flock() of the file, which orders the writers of
 *   every set of processes; a write that fails is reported and the
 *   store goes on in memory (the record is lost to a restart only);
 *
 *   when the file has grown to twice its size after the last rewrite
 *   (and at least rewrite_min), it is written again from the store's
 *   live records, into a new file renamed over it, and the old file
 *   ends with a mark that sends its readers to the new one.
 *
 * A rewrite holds the store for as long as it takes to write and sync
 * the file, unless the caller gives defer(): then the store is held
 * only to copy its live records into memory (the job), defer() hands
 * the job to another thread, which runs ocs_journal_job_run() (the
 * write and the sync, touching nothing but the job), and the caller's
 * own thread calls ocs_journal_job_done() afterwards, with the store
 * not locked: it locks it, appends to the new file what was written to
 * the old one since the copy, renames it over the old one and marks
 * the old one.  If the file was written again by someone else in the
 * meantime (another set of processes, or a bad record found), or the
 * write failed (reported), the job's file is dropped and the old file
 * goes on: the next try comes when it has doubled again.  A defer()
 * that returns non-zero has the rewrite done at once, as without one.
 *
 * The processes of one set share sh (in their shared memory): which
 * file, and how much of it, their store holds.  A fresh sh (zeroed)
 * makes ocs_journal_open() read the whole file into the store: records
 * whose expiry has passed are skipped, drops are applied, later records
 * win.  A bad record (its check does not match, or a torn write at the
 * end after a crash) ends what can be read: it is reported and the
 * file is written again from the store.
 *
 * Errors are the caller's to log: report() is called with each, and
 * with the level it calls for (OCS_JOURNAL_ERROR: a write or read of
 * the file failed, or the file was bad; OCS_JOURNAL_WARN: a record read
 * back found no room).  Write failures are reported once a minute at
 * most, per journal.
 *
 * Thread-safety: as the inner store's lock; the journal's own state is
 * changed only under it.  The file's own processes need not share the
 * file's description: the inner lock orders them, the flock() the rest.
 */

#ifndef OCS_JOURNAL_H
#define OCS_JOURNAL_H


#include <ocs/ocs.h>
#include <ocs/ocs_store.h>


#define OCS_JOURNAL_HEADER   16
#define OCS_JOURNAL_REC_MIN  56            /* a record with no key */
#define OCS_JOURNAL_REC_MAX  (OCS_JOURNAL_REC_MIN + OCS_STORE_KEY_MAX)

#define OCS_JOURNAL_PUT      1
#define OCS_JOURNAL_DROP     2
#define OCS_JOURNAL_MOVED    3             /* read on in the file's new
                                              copy, under the same path */

#define OCS_JOURNAL_ERROR    1
#define OCS_JOURNAL_WARN     2


/* one record of the file */
typedef struct {
    unsigned           op;
    size_t             len;
    unsigned char      key[OCS_STORE_KEY_MAX];
    ocs_store_rec_t    rec;
} ocs_journal_rec_t;


/*
 * Lays r out in buf (size bytes at least OCS_JOURNAL_REC_MAX, or the
 * record's own length).  Returns the record's length, or 0 when r is
 * not a valid record (op, a key of 1 to OCS_STORE_KEY_MAX bytes for a
 * put or a drop, none for a mark) or buf too short.
 */
size_t ocs_journal_encode(unsigned char *buf, size_t size,
    const ocs_journal_rec_t *r);

/*
 * Reads the record at the start of buf (len bytes).  Returns OCS_OK
 * with *r and *used (its length), OCS_ERR_NOTFOUND when buf holds only
 * the start of a record (or nothing), OCS_ERR_INVALID for a bad one.
 */
int ocs_journal_decode(const unsigned char *buf, size_t len,
    ocs_journal_rec_t *r, size_t *used);


/* shared by the processes of one store: which file they hold, how far */
typedef struct {
    uint64_t           dev;
    uint64_t           ino;                /* 0: none yet */
    uint64_t           applied;            /* bytes of it read or written */
    uint64_t           base;               /* its size when last written
                                              again (or first read) */
} ocs_journal_sh_t;


typedef void (*ocs_journal_report_pt)(void *data, int level,
    const ocs_err_t *err);

/*
 * How a record read back is written into the store: inner's put() when
 * NULL.  A store with its own answer to no room gives its own
 * (ocs_revoke_restore() for revocations).
 */
typedef int (*ocs_journal_apply_pt)(void *data, const ocs_store_t *inner,
    const unsigned char *key, size_t len, const ocs_store_rec_t *rec);


typedef struct ocs_journal_job_s  ocs_journal_job_t;

typedef int (*ocs_journal_defer_pt)(void *data, ocs_journal_job_t *job);


typedef struct {
    ocs_store_t            store;          /* to use: set by open */

    /* the caller's, before ocs_journal_open() */
    ocs_store_t            inner;
    ocs_journal_sh_t      *sh;
    const ocs_env_t       *env;
    ocs_journal_apply_pt   apply;
    void                  *apply_data;
    ocs_journal_report_pt  report;
    void                  *report_data;
    uint64_t               rewrite_min;    /* 0: 1 MiB */
    ocs_journal_defer_pt   defer;          /* NULL: rewrites at once */
    void                  *defer_data;

    /* the journal's own */
    int                    fd;
    char                  *path;
    char                  *tmp;
    int64_t                failed;         /* when a write failure was
                                              last reported */
    uint64_t               seen;           /* a size whose end could not
                                              be read without the lock */
    ocs_journal_job_t     *job;            /* a rewrite deferred */
    unsigned               bad:1;          /* read a bad record */
    unsigned               locked:1;       /* flock() held */
} ocs_journal_t;


/*
 * Removes the files of deferred rewrites beside path whose process is
 * gone (killed while its thread wrote), then opens (making it, mode
 * 0600, when it is not there) the file at path
 * (report must be set: it is how the journal's errors are told),
 * reads into the store what sh does not hold yet (all of it for a fresh
 * sh; when sh held another file, the store is written into this one
 * too), and sets j->store.  The inner store must not be locked.
 * Returns OCS_OK, or OCS_ERR_SYS (err says which call failed on what)
 * or OCS_ERR_INVALID (the file is not a journal: its header is not
 * ours), with j closed.
 */
int ocs_journal_open(ocs_journal_t *j, const char *path, ocs_err_t *err);

/*
 * Closes the file; the store stays as it is.  A deferred rewrite's
 * file is dropped: its thread must not be running it any more.
 */
void ocs_journal_close(ocs_journal_t *j);

/*
 * A deferred rewrite (defer() above).  ocs_journal_job_run(), on any
 * thread, writes and syncs the job's file (the store's live records as
 * they were when it was deferred), under the journal's path with
 * ".new." and the process id after it.  ocs_journal_job_done(), on the
 * thread that deferred it (or one that holds no lock of the store),
 * finishes it and frees the job.  It returns the old file's descriptor
 * when the new file took its place, for the caller to close: the last
 * close of a large file frees its blocks, which takes long (16 ms for
 * 144 MB on a tmpfs), so it is best done where nothing waits for it.
 * Else -1.
 */
void ocs_journal_job_run(ocs_journal_job_t *job);
int ocs_journal_job_done(ocs_journal_t *j);

/* the descriptor of the file (for the caller's chown()), -1 when shut */
int ocs_journal_fd(const ocs_journal_t *j);


#endif /* OCS_JOURNAL_H */
