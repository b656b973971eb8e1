/*
 * The journal of a store (ocs_journal.h).
 *
 * The file: a header of 16 bytes (magic, version, zeros), then records
 * of 56 bytes and the key, padded to 8:
 *
 *   0   check    FNV-1a (64) of the record's bytes from 8 to its end
 *   8   op       1 put, 2 drop, 3 moved
 *   9   keep     the record's keep (0 or 1)
 *   10  len      of the key (16 bits)
 *   12  zero
 *   16  first, until, expires, value, inflight (64 bits each)
 *   56  key, then zeros to a multiple of 8
 *
 * in the host's byte order: the file is read back by the same machine.
 * The check finds a torn or damaged record; it is not a seal (whoever
 * can write the file can write nginx's configuration too).
 */

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ocs/ocs_journal.h>


#define OCS_JOURNAL_MAGIC     "OCSJ"
#define OCS_JOURNAL_VERSION   1

#define OCS_JOURNAL_BUF       32768

/* a rewrite that sends its readers to a rewrite: a loop, not a file */
#define OCS_JOURNAL_MOVES     4

#define OCS_JOURNAL_REPORT_GAP  60


typedef struct {
    ocs_journal_t         *j;
    int64_t                now;
    int                    fd;
    uint64_t               total;
    uint64_t               off;
    size_t                 fill;
    int                    failed;
    unsigned char         *buf;
} ocs_journal_copy_t;


typedef struct {
    ocs_journal_t         *j;
    ocs_store_walk_pt      fn;
    void                  *arg;
} ocs_journal_walk_t;


struct ocs_journal_job_s {
    unsigned char         *buf;             /* room for the new file */
    unsigned char         *data;            /* its bytes, at the end */
    size_t                 len;
    uint64_t               from;            /* the old file's bytes that
                                               buf holds */
    uint64_t               dev;             /* the old file */
    uint64_t               ino;
    int                    fd;              /* the new file, written */
    int                    old;             /* the old one, replaced */
    int                    keep;            /* the file cut from, held
                                               open: its inode is not
                                               another's while the job
                                               lives */
    int                    err;             /* else errno, of what */
    const char            *what;
    unsigned               renamed:1;
    char                   tmp[1];
};


static void ocs_journal_lock(void *data);
static void ocs_journal_unlock(void *data);
static int ocs_journal_get(void *data, const unsigned char *key,
    size_t len, ocs_store_rec_t *rec);
static int ocs_journal_put(void *data, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec);
static void ocs_journal_remove(void *data, const unsigned char *key,
    size_t len);
static void ocs_journal_expire(void *data, int64_t now, size_t max);
static void ocs_journal_walk(void *data, ocs_store_walk_pt fn, void *arg);
static int ocs_journal_walk_one(void *arg, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec);

static void ocs_journal_begin(ocs_journal_t *j);
static void ocs_journal_end(ocs_journal_t *j);
static void ocs_journal_append(ocs_journal_t *j, unsigned op,
    const unsigned char *key, size_t len, const ocs_store_rec_t *rec);
static void ocs_journal_read(ocs_journal_t *j, int strict);
static int ocs_journal_read_file(ocs_journal_t *j, int strict,
    uint64_t size);
static void ocs_journal_apply(ocs_journal_t *j, const ocs_journal_rec_t *r,
    int64_t now);
static int ocs_journal_reopen(ocs_journal_t *j);
static int ocs_journal_header(ocs_journal_t *j, ocs_err_t *err);
static void ocs_journal_rewrite(ocs_journal_t *j);
static int ocs_journal_defer(ocs_journal_t *j);
static int ocs_journal_lay_one(void *arg, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec);
static void ocs_journal_finish(ocs_journal_t *j, ocs_journal_job_t *job);
static void ocs_journal_job_free(ocs_journal_job_t *job);
static void ocs_journal_sweep(ocs_journal_t *j);
static int ocs_journal_switch(ocs_journal_t *j, int fd,
    const struct stat *st, uint64_t size);
static size_t ocs_journal_live(const ocs_journal_copy_t *c,
    const unsigned char *key, size_t len, const ocs_store_rec_t *rec,
    ocs_journal_rec_t *r);
static int ocs_journal_copy_count(void *arg, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec);
static int ocs_journal_copy_one(void *arg, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec);
static int ocs_journal_pwrite(int fd, const unsigned char *p, size_t n,
    uint64_t off);
static int ocs_journal_flock(int fd, int op);
static int ocs_journal_same(const struct stat *st, const ocs_journal_sh_t *sh);
static void ocs_journal_fail(ocs_journal_t *j, int level, int limit,
    const char *what, int errnum);
static uint64_t ocs_journal_check(const unsigned char *p, size_t n);
static size_t ocs_journal_lay(unsigned char *buf, size_t size,
    const ocs_journal_rec_t *r);
static void ocs_journal_checks(unsigned char *buf, size_t len);
static void ocs_journal_hdr(unsigned char *hdr);


#define ocs_journal_reclen(len)  ((OCS_JOURNAL_REC_MIN + (len) + 7) & ~7u)


/* the record layout */

/* the file's header: magic, version, zeros */
static void
ocs_journal_hdr(unsigned char *hdr)
{
    uint32_t  version;

    memset(hdr, 0, OCS_JOURNAL_HEADER);
    memcpy(hdr, OCS_JOURNAL_MAGIC, 4);
    version = OCS_JOURNAL_VERSION;
    memcpy(hdr + 4, &version, sizeof(version));
}


static uint64_t
ocs_journal_check(const unsigned char *p, size_t n)
{
    size_t    i;
    uint64_t  h;

    h = 0xcbf29ce484222325ull;

    for (i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }

    return h;
}


size_t
ocs_journal_encode(unsigned char *buf, size_t size,
    const ocs_journal_rec_t *r)
{
    size_t    n;
    uint64_t  check;

    n = ocs_journal_lay(buf, size, r);

    if (n != 0) {
        check = ocs_journal_check(buf + 8, n - 8);
        memcpy(buf, &check, sizeof(check));
    }

    return n;
}


/*
 * The record laid out but for its check (zero), which costs the most:
 * a deferred rewrite has its thread compute them.
 */
static size_t
ocs_journal_lay(unsigned char *buf, size_t size, const ocs_journal_rec_t *r)
{
    size_t            n;
    uint16_t          len;
    ocs_store_nums_t  nums;

    if (r->op == OCS_JOURNAL_MOVED) {
        if (r->len != 0) {
            return 0;
        }

    } else if ((r->op != OCS_JOURNAL_PUT && r->op != OCS_JOURNAL_DROP)
               || r->len == 0 || r->len > OCS_STORE_KEY_MAX)
    {
        return 0;
    }

    n = ocs_journal_reclen(r->len);

    if (size < n) {
        return 0;
    }

    memset(buf, 0, n);

    buf[8] = (unsigned char) r->op;
    buf[9] = r->rec.keep ? 1 : 0;
    len = (uint16_t) r->len;
    memcpy(buf + 10, &len, sizeof(len));

    ocs_store_nums_save(&nums, &r->rec);
    memcpy(buf + 16, &nums, sizeof(nums));
    memcpy(buf + OCS_JOURNAL_REC_MIN, r->key, r->len);

    return n;
}


int
ocs_journal_decode(const unsigned char *buf, size_t len,
    ocs_journal_rec_t *r, size_t *used)
{
    size_t            n, i;
    uint16_t          klen;
    uint32_t          zero;
    uint64_t          check;
    ocs_store_nums_t  nums;

    if (len < OCS_JOURNAL_REC_MIN) {
        return OCS_ERR_NOTFOUND;
    }

    memcpy(&klen, buf + 10, sizeof(klen));
    memcpy(&zero, buf + 12, sizeof(zero));

    if (klen > OCS_STORE_KEY_MAX || zero != 0 || buf[9] > 1) {
        return OCS_ERR_INVALID;
    }

    if (buf[8] == OCS_JOURNAL_MOVED ? klen != 0
        : (buf[8] != OCS_JOURNAL_PUT && buf[8] != OCS_JOURNAL_DROP)
          || klen == 0)
    {
        return OCS_ERR_INVALID;
    }

    n = ocs_journal_reclen(klen);

    if (len < n) {
        return OCS_ERR_NOTFOUND;
    }

    memcpy(&check, buf, sizeof(check));

    if (check != ocs_journal_check(buf + 8, n - 8)) {
        return OCS_ERR_INVALID;
    }

    for (i = OCS_JOURNAL_REC_MIN + klen; i < n; i++) {
        if (buf[i] != 0) {
            return OCS_ERR_INVALID;
        }
    }

    r->op = buf[8];
    r->len = klen;
    memcpy(r->key, buf + OCS_JOURNAL_REC_MIN, klen);
    memcpy(&nums, buf + 16, sizeof(nums));
    ocs_store_nums_load(&nums, buf[9], &r->rec);

    *used = n;

    return OCS_OK;
}


/* opening and closing */

int
ocs_journal_open(ocs_journal_t *j, const char *path, ocs_err_t *err)
{
    int          rc, other;
    size_t       len;
    struct stat  st;

    j->fd = -1;
    j->bad = 0;
    j->locked = 0;
    j->failed = 0;
    j->seen = 0;
    j->job = NULL;

    len = strlen(path);

    j->path = malloc(len + 1);
    j->tmp = malloc(len + sizeof(".new"));

    if (j->path == NULL || j->tmp == NULL) {
        ocs_journal_close(j);
        return ocs_err(err, OCS_ERR_SYS, "no memory");
    }

    memcpy(j->path, path, len + 1);
    memcpy(j->tmp, path, len);
    memcpy(j->tmp + len, ".new", sizeof(".new"));

    ocs_journal_sweep(j);

    j->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (j->fd == -1) {
        rc = ocs_err(err, OCS_ERR_SYS, "open(\"%s\") failed: %s", path,
                     strerror(errno));
        ocs_journal_close(j);
        return rc;
    }

    j->inner.lock(j->inner.data);

    if (ocs_journal_flock(j->fd, LOCK_EX) != 0) {
        rc = ocs_err(err, OCS_ERR_SYS, "flock(\"%s\") failed: %s", path,
                     strerror(errno));
        goto failed;
    }

    j->locked = 1;

    rc = ocs_journal_header(j, err);
    if (rc != OCS_OK) {
        goto failed;
    }

    if (fstat(j->fd, &st) != 0) {
        rc = ocs_err(err, OCS_ERR_SYS, "fstat(\"%s\") failed: %s", path,
                     strerror(errno));
        goto failed;
    }

    /* a store that held another file has records this one lacks */
    other = 0;

    if (!ocs_journal_same(&st, j->sh)) {
        other = (j->sh->ino != 0);
        j->sh->dev = (uint64_t) st.st_dev;
        j->sh->ino = (uint64_t) st.st_ino;
        j->sh->applied = OCS_JOURNAL_HEADER;
        j->sh->base = 0;
    }

    ocs_journal_read(j, 1);

    if (j->sh->base == 0) {
        j->sh->base = j->sh->applied;
    }

    if (other || j->bad) {
        ocs_journal_rewrite(j);
    }

    (void) ocs_journal_flock(j->fd, LOCK_UN);
    j->locked = 0;

    j->inner.unlock(j->inner.data);

    j->store.lock = ocs_journal_lock;
    j->store.unlock = ocs_journal_unlock;
    j->store.get = ocs_journal_get;
    j->store.put = ocs_journal_put;
    j->store.remove = ocs_journal_remove;
    j->store.expire = ocs_journal_expire;
    j->store.walk = ocs_journal_walk;
    j->store.data = j;
    j->store.keep = j->inner.keep;

    return OCS_OK;

failed:

    j->inner.unlock(j->inner.data);
    ocs_journal_close(j);

    return rc;
}


/* a new file gets its header; an old one must have ours */
static int
ocs_journal_header(ocs_journal_t *j, ocs_err_t *err)
{
    ssize_t        n;
    uint32_t       version;
    struct stat    st;
    unsigned char  hdr[OCS_JOURNAL_HEADER];

    if (fstat(j->fd, &st) != 0) {
        return ocs_err(err, OCS_ERR_SYS, "fstat(\"%s\") failed: %s",
                       j->path, strerror(errno));
    }

    if (st.st_size >= OCS_JOURNAL_HEADER) {
        n = pread(j->fd, hdr, sizeof(hdr), 0);
        version = 0;

        if (n == (ssize_t) sizeof(hdr)) {
            memcpy(&version, hdr + 4, sizeof(version));
        }

        if (n != (ssize_t) sizeof(hdr)
            || memcmp(hdr, OCS_JOURNAL_MAGIC, 4) != 0
            || version != OCS_JOURNAL_VERSION)
        {
            return ocs_err(err, OCS_ERR_INVALID,
                           "\"%s\" is not a state file of this version "
                           "(remove it, or name another file)", j->path);
        }

        return OCS_OK;
    }

    /* empty, or torn while it was made: a crash before any record */
    ocs_journal_hdr(hdr);

    if (st.st_size > 0) {
        unsigned char  start[OCS_JOURNAL_HEADER];

        n = pread(j->fd, start, (size_t) st.st_size, 0);

        if (n != (ssize_t) st.st_size || memcmp(start, hdr, n) != 0) {
            return ocs_err(err, OCS_ERR_INVALID,
                           "\"%s\" is not a state file of this version "
                           "(remove it, or name another file)", j->path);
        }
    }

    if (ftruncate(j->fd, 0) != 0) {
        return ocs_err(err, OCS_ERR_SYS, "ftruncate(\"%s\") failed: %s",
                       j->path, strerror(errno));
    }

    if (write(j->fd, hdr, sizeof(hdr)) != (ssize_t) sizeof(hdr)) {
        return ocs_err(err, OCS_ERR_SYS, "write(\"%s\") failed: %s",
                       j->path, errno ? strerror(errno) : "short");
    }

    return OCS_OK;
}


void
ocs_journal_close(ocs_journal_t *j)
{
    if (j->fd != -1) {
        (void) close(j->fd);
        j->fd = -1;
    }

    if (j->job != NULL) {
        ocs_journal_job_free(j->job);
        j->job = NULL;
    }

    free(j->path);
    free(j->tmp);
    j->path = NULL;
    j->tmp = NULL;
}


int
ocs_journal_fd(const ocs_journal_t *j)
{
    return j->fd;
}


/* the store's operations */

static void
ocs_journal_lock(void *data)
{
    ocs_journal_t  *j = data;

    j->inner.lock(j->inner.data);

    /* what others wrote since: one fstat() when nothing */
    ocs_journal_read(j, 0);
}


static void
ocs_journal_unlock(void *data)
{
    ocs_journal_t  *j = data;

    j->inner.unlock(j->inner.data);
}


static int
ocs_journal_get(void *data, const unsigned char *key, size_t len,
    ocs_store_rec_t *rec)
{
    ocs_journal_t  *j = data;

    return j->inner.get(j->inner.data, key, len, rec);
}


static int
ocs_journal_put(void *data, const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec)
{
    ocs_journal_t  *j = data;

    int  rc;

    ocs_journal_begin(j);

    rc = j->inner.put(j->inner.data, key, len, rec);

    if (rc == OCS_OK) {
        ocs_journal_append(j, OCS_JOURNAL_PUT, key, len, rec);
    }

    ocs_journal_end(j);

    return rc;
}


static void
ocs_journal_remove(void *data, const unsigned char *key, size_t len)
{
    ocs_journal_t  *j = data;

    ocs_store_rec_t  rec;

    /* nothing to tell when there was nothing */
    if (j->inner.get(j->inner.data, key, len, &rec) != OCS_OK) {
        return;
    }

    ocs_journal_begin(j);

    j->inner.remove(j->inner.data, key, len);

    memset(&rec, 0, sizeof(ocs_store_rec_t));
    ocs_journal_append(j, OCS_JOURNAL_DROP, key, len, &rec);

    ocs_journal_end(j);
}


/* expired records are skipped when read back: nothing to write */
static void
ocs_journal_expire(void *data, int64_t now, size_t max)
{
    ocs_journal_t  *j = data;

    j->inner.expire(j->inner.data, now, max);
}


static void
ocs_journal_walk(void *data, ocs_store_walk_pt fn, void *arg)
{
    ocs_journal_t  *j = data;

    ocs_journal_walk_t  w;

    w.j = j;
    w.fn = fn;
    w.arg = arg;

    ocs_journal_begin(j);
    j->inner.walk(j->inner.data, ocs_journal_walk_one, &w);
    ocs_journal_end(j);
}


static int
ocs_journal_walk_one(void *arg, const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec)
{
    ocs_journal_walk_t  *w = arg;

    int              rc;
    ocs_store_rec_t  none;

    rc = w->fn(w->arg, key, len, rec);

    if (rc == OCS_STORE_REMOVE) {
        memset(&none, 0, sizeof(ocs_store_rec_t));
        ocs_journal_append(w->j, OCS_JOURNAL_DROP, key, len, &none);
    }

    return rc;
}


/* writing */

/*
 * The file locked for a write, and what others wrote read first, so
 * that the record goes after theirs in the file as in the store.
 * Store locked.  Without the flock() the write goes on unordered:
 * still better than none.
 */
static void
ocs_journal_begin(ocs_journal_t *j)
{
    if (ocs_journal_flock(j->fd, LOCK_EX) != 0) {
        ocs_journal_fail(j, OCS_JOURNAL_ERROR, 1, "flock", errno);
        return;
    }

    j->locked = 1;

    ocs_journal_read(j, 1);
}


static void
ocs_journal_end(ocs_journal_t *j)
{
    uint64_t  min;

    min = j->rewrite_min ? j->rewrite_min : 1024 * 1024;

    if (j->locked && j->bad) {
        ocs_journal_rewrite(j);

    } else if (j->locked
               && j->sh->applied > min && j->sh->applied / 2 > j->sh->base
               && j->job == NULL)       /* else one deferred finishes first */
    {
        if (j->defer == NULL || ocs_journal_defer(j) != OCS_OK) {
            ocs_journal_rewrite(j);
        }
    }

    if (j->locked) {
        (void) ocs_journal_flock(j->fd, LOCK_UN);
        j->locked = 0;
    }
}


static void
ocs_journal_append(ocs_journal_t *j, unsigned op, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec)
{
    size_t             n;
    ssize_t            w;
    ocs_journal_rec_t  r;
    unsigned char      buf[OCS_JOURNAL_REC_MAX];

    r.op = op;
    r.len = len;
    memcpy(r.key, key, len);
    r.rec = *rec;

    n = ocs_journal_encode(buf, sizeof(buf), &r);
    if (n == 0) {
        return;
    }

    w = write(j->fd, buf, n);

    if (w == (ssize_t) n) {
        j->sh->applied += n;
        return;
    }

    /* a short write (a full disk) would tear the next records: undone */
    if (w > 0 && ftruncate(j->fd, (off_t) j->sh->applied) != 0) {
        j->bad = 1;                 /* torn: written again at the end */
    }

    ocs_journal_fail(j, OCS_JOURNAL_ERROR, 1, "write",
                     w < 0 ? errno : ENOSPC);
}


/* reading */

/*
 * Reads into the store what the file has beyond sh->applied, following
 * the file to its new copy when a peer of this store wrote it again or
 * a rewrite's mark says so.  strict (the file locked): a record torn
 * or bad is the file's fault, so is reported, and the rest skipped,
 * until the file is written again; else it may be a write under way
 * elsewhere, read next time.  Store locked.
 */
static void
ocs_journal_read(ocs_journal_t *j, int strict)
{
    int          moves, rc;
    struct stat  st;

    for (moves = 0; moves < OCS_JOURNAL_MOVES; moves++) {

        if (fstat(j->fd, &st) != 0) {
            ocs_journal_fail(j, OCS_JOURNAL_ERROR, 1, "fstat", errno);
            return;
        }

        if (!ocs_journal_same(&st, j->sh)) {
            /*
             * A peer followed the file to its new copy first; or the
             * set's file is another one (a reload named another): this
             * one is read all through then, and written again.
             */
            rc = ocs_journal_reopen(j);

            if (rc == OCS_ERR_SYS) {
                return;
            }

            if (fstat(j->fd, &st) != 0) {
                ocs_journal_fail(j, OCS_JOURNAL_ERROR, 1, "fstat", errno);
                return;
            }

            if (!ocs_journal_same(&st, j->sh)) {
                /* another file: read all of it, and write it again */
                j->sh->dev = (uint64_t) st.st_dev;
                j->sh->ino = (uint64_t) st.st_ino;
                j->sh->applied = OCS_JOURNAL_HEADER;
                j->bad = 1;
            }
        }

        if ((uint64_t) st.st_size <= j->sh->applied
            || (!strict && (uint64_t) st.st_size == j->seen))
        {
            return;     /* nothing new, or only what could not be read */
        }

        rc = ocs_journal_read_file(j, strict, (uint64_t) st.st_size);

        if (rc != OCS_JOURNAL_MOVED) {
            return;
        }

        /* written again: its new copy from the start */
        rc = ocs_journal_reopen(j);

        if (rc == OCS_ERR_NOTFOUND) {
            /* a mark in the file under the path itself: not ours */
            j->bad = strict ? 1 : j->bad;
            return;
        }

        if (rc != OCS_OK || fstat(j->fd, &st) != 0) {
            return;
        }

        j->sh->dev = (uint64_t) st.st_dev;
        j->sh->ino = (uint64_t) st.st_ino;
        j->sh->applied = OCS_JOURNAL_HEADER;
        j->sh->base = (uint64_t) st.st_size;
    }
}


/* returns OCS_JOURNAL_MOVED at a rewrite's mark, else OCS_OK */
static int
ocs_journal_read_file(ocs_journal_t *j, int strict, uint64_t size)
{
    int                rc;
    size_t             have, pos, used;
    int64_t            now;
    ssize_t            n;
    uint64_t           off;
    ocs_err_t          err;
    ocs_journal_rec_t  r;
    unsigned char      buf[OCS_JOURNAL_BUF];

    now = j->env->now(j->env->data);
    off = j->sh->applied;

    while (off < size) {
        have = (size - off < sizeof(buf)) ? (size_t) (size - off)
                                          : sizeof(buf);

        n = pread(j->fd, buf, have, (off_t) off);
        if (n <= 0) {
            ocs_journal_fail(j, OCS_JOURNAL_ERROR, 1, "pread",
                             n < 0 ? errno : EIO);
            break;
        }

        have = (size_t) n;
        pos = 0;
        rc = OCS_OK;

        while (pos < have) {
            rc = ocs_journal_decode(buf + pos, have - pos, &r, &used);
            if (rc != OCS_OK) {
                break;
            }

            if (r.op == OCS_JOURNAL_MOVED) {
                j->sh->applied = off + pos + used;
                return OCS_JOURNAL_MOVED;
            }

            ocs_journal_apply(j, &r, now);
            pos += used;
        }

        off += pos;
        j->sh->applied = off;

        if (rc == OCS_OK || (rc == OCS_ERR_NOTFOUND && pos > 0)) {
            continue;   /* the buffer ended in a record: read on */
        }

        if (!strict) {
            j->seen = size;       /* not again until the file grows */
            break;
        }

        (void) ocs_err(&err, OCS_ERR_INVALID,
                       "state file \"%s\": a %s record at byte %llu; the "
                       "%llu bytes from there are skipped, and the file is "
                       "written again from memory", j->path,
                       rc == OCS_ERR_NOTFOUND ? "torn" : "bad",
                       (unsigned long long) off,
                       (unsigned long long) (size - off));
        j->report(j->report_data, OCS_JOURNAL_ERROR, &err);

        j->sh->applied = size;
        j->bad = 1;
        break;
    }

    return OCS_OK;
}


static void
ocs_journal_apply(ocs_journal_t *j, const ocs_journal_rec_t *r, int64_t now)
{
    int        rc;
    ocs_err_t  err;

    if (r->op == OCS_JOURNAL_DROP) {
        j->inner.remove(j->inner.data, r->key, r->len);
        return;
    }

    if (r->rec.expires <= now) {
        return;
    }

    rc = (j->apply != NULL)
         ? j->apply(j->apply_data, &j->inner, r->key, r->len, &r->rec)
         : j->inner.put(j->inner.data, r->key, r->len, &r->rec);

    if (rc != OCS_OK) {
        (void) ocs_err(&err, rc, "state file \"%s\": no room in the store "
                       "for a record read back (%s)", j->path,
                       ocs_strerror(rc));
        j->report(j->report_data, OCS_JOURNAL_WARN, &err);
    }
}


/*
 * The file now under the path, for one whose copy is gone: OCS_OK,
 * OCS_ERR_NOTFOUND when the path still names the file in hand (nothing
 * to follow: and a second flock() of it would wait for this one), or
 * OCS_ERR_SYS.
 */
static int
ocs_journal_reopen(ocs_journal_t *j)
{
    int          fd;
    struct stat  now, st;

    fd = open(j->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd == -1) {
        ocs_journal_fail(j, OCS_JOURNAL_ERROR, 1, "open", errno);
        return OCS_ERR_SYS;
    }

    if (fstat(fd, &now) != 0 || fstat(j->fd, &st) != 0) {
        ocs_journal_fail(j, OCS_JOURNAL_ERROR, 1, "fstat", errno);
        (void) close(fd);
        return OCS_ERR_SYS;
    }

    if (now.st_ino == st.st_ino && now.st_dev == st.st_dev) {
        (void) close(fd);
        return OCS_ERR_NOTFOUND;
    }

    /* the lock moves with the file: its writers lock the new copy */
    if (j->locked && ocs_journal_flock(fd, LOCK_EX) != 0) {
        ocs_journal_fail(j, OCS_JOURNAL_ERROR, 1, "flock", errno);
        (void) close(fd);
        return OCS_ERR_SYS;
    }

    /*
     * The old one's lock is let go first: a descriptor inherited from
     * the master shares its lock with the master's, which a close()
     * would leave held, and others of the old file would wait for ever.
     */
    if (j->locked) {
        (void) ocs_journal_flock(j->fd, LOCK_UN);
    }

    (void) close(j->fd);
    j->fd = fd;

    return OCS_OK;
}


/* writing again */

/*
 * The live records into a new file, renamed over the old one, which
 * gets a mark sending its readers on.  The records go in the order
 * they were written, the oldest first, so that reading them back makes
 * a store in the same order (a full one drops the oldest first): the
 * walk gives the newest first, so they are laid out from the end.
 * Store and file locked.  On failure, the old file goes on, and the
 * next try comes when it has doubled again.
 */
static void
ocs_journal_rewrite(ocs_journal_t *j)
{
    int                 fd;
    struct stat         st;
    ocs_journal_copy_t  c;
    unsigned char       hdr[OCS_JOURNAL_HEADER];

    j->sh->base = j->sh->applied;

    fd = open(j->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd == -1) {
        ocs_journal_fail(j, OCS_JOURNAL_ERROR, 0, "open", errno);
        return;
    }

    c.j = j;
    c.now = j->env->now(j->env->data);
    c.fd = fd;
    c.total = 0;
    c.fill = 0;
    c.failed = 0;
    c.buf = malloc(OCS_JOURNAL_BUF);

    if (c.buf == NULL) {
        ocs_journal_fail(j, OCS_JOURNAL_ERROR, 0, "malloc", ENOMEM);
        goto failed;
    }

    j->inner.walk(j->inner.data, ocs_journal_copy_count, &c);

    c.off = OCS_JOURNAL_HEADER + c.total;

    j->inner.walk(j->inner.data, ocs_journal_copy_one, &c);

    if (!c.failed && c.fill > 0) {
        c.off -= c.fill;
        c.failed = ocs_journal_pwrite(fd, c.buf + OCS_JOURNAL_BUF - c.fill,
                                      c.fill, c.off);
    }

    ocs_journal_hdr(hdr);

    if (c.failed
        || c.off != OCS_JOURNAL_HEADER
        || ocs_journal_pwrite(fd, hdr, sizeof(hdr), 0) != 0
        || fdatasync(fd) != 0
        || fstat(fd, &st) != 0)
    {
        ocs_journal_fail(j, OCS_JOURNAL_ERROR, 0, "write",
                         errno ? errno : EIO);
        goto failed;
    }

    if (rename(j->tmp, j->path) != 0) {
        ocs_journal_fail(j, OCS_JOURNAL_ERROR, 0, "rename", errno);
        goto failed;
    }

    (void) close(ocs_journal_switch(j, fd, &st,
                                    OCS_JOURNAL_HEADER + c.total));

    free(c.buf);
    j->bad = 0;

    return;

failed:

    free(c.buf);
    (void) close(fd);
    (void) unlink(j->tmp);
}


/* a rewrite deferred */

/*
 * The job: the store's live records laid out as the new file, in
 * memory, and where the old file was.  Store and file locked.  Returns
 * OCS_OK when defer() took it, else an error (no memory, or defer()
 * refused), for a rewrite at once.
 */
static int
ocs_journal_defer(ocs_journal_t *j)
{
    size_t              plen;
    struct stat         st;
    ocs_journal_job_t  *job;
    ocs_journal_copy_t  c;

    if (fstat(j->fd, &st) != 0) {
        return OCS_ERR_SYS;
    }

    plen = strlen(j->path);

    job = malloc(sizeof(ocs_journal_job_t) + plen + sizeof(".new.") + 20);
    if (job == NULL) {
        return OCS_ERR_SYS;
    }

    memset(job, 0, sizeof(ocs_journal_job_t));
    job->fd = -1;
    job->old = -1;
    job->keep = -1;

    /*
     * Room for as many bytes as the file has: each live record was
     * written to it since it was last written again, as a rule; when
     * not (a write failed on a full disk), the room may run out, and
     * it is written at once instead.  Only the bytes laid out, at the
     * end, are touched: a walk to count them would cost as much again.
     */
    job->buf = (j->sh->applied <= SIZE_MAX)
               ? malloc((size_t) j->sh->applied) : NULL;

    if (job->buf == NULL) {
        free(job);
        return OCS_ERR_SYS;       /* written at once, 32k at a time */
    }

    c.j = j;
    c.now = j->env->now(j->env->data);
    c.fd = -1;
    c.total = 0;
    c.fill = 0;
    c.failed = 0;
    c.buf = job->buf;
    c.off = j->sh->applied;

    j->inner.walk(j->inner.data, ocs_journal_lay_one, &c);

    if (c.failed) {
        ocs_journal_job_free(job);
        return OCS_ERR_SPACE;
    }

    job->data = job->buf + c.off - OCS_JOURNAL_HEADER;
    job->len = (size_t) (j->sh->applied - c.off) + OCS_JOURNAL_HEADER;

    ocs_journal_hdr(job->data);

    job->from = j->sh->applied;
    job->dev = (uint64_t) st.st_dev;
    job->ino = (uint64_t) st.st_ino;
    job->keep = fcntl(j->fd, F_DUPFD_CLOEXEC, 0);

    if (job->keep == -1) {
        ocs_journal_job_free(job);
        return OCS_ERR_SYS;
    }
    (void) snprintf(job->tmp, plen + sizeof(".new.") + 20, "%s.new.%ld",
                    j->path, (long) getpid());

    if (j->defer(j->defer_data, job) != 0) {
        ocs_journal_job_free(job);
        return OCS_ERR_SYS;
    }

    /* no other rewrite by this set until the file has doubled again */
    j->sh->base = j->sh->applied;
    j->job = job;

    return OCS_OK;
}


/*
 * As ocs_journal_copy_one(), into the job's memory from its end, but
 * for the records' checks: the job's thread computes them.
 */
static int
ocs_journal_lay_one(void *arg, const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec)
{
    ocs_journal_copy_t  *c = arg;

    size_t             n;
    ocs_journal_rec_t  r;

    n = ocs_journal_live(c, key, len, rec, &r);

    if (n == 0) {
        return OCS_STORE_NEXT;
    }

    if (c->off < OCS_JOURNAL_HEADER + n) {
        c->failed = 1;        /* no room: more than the file held */
        return OCS_STORE_STOP;
    }

    c->off -= n;

    if (ocs_journal_lay(c->buf + c->off, n, &r) != n) {
        c->failed = 1;
        return OCS_STORE_STOP;
    }

    return OCS_STORE_NEXT;
}


/* the checks of the records laid out in buf (after its header) */
static void
ocs_journal_checks(unsigned char *buf, size_t len)
{
    size_t    off, n;
    uint16_t  klen;
    uint64_t  check;

    for (off = OCS_JOURNAL_HEADER; off + OCS_JOURNAL_REC_MIN <= len;
         off += n)
    {
        memcpy(&klen, buf + off + 10, sizeof(klen));
        n = ocs_journal_reclen(klen);

        if (off + n > len) {
            break;                  /* cannot be: laid out by the job */
        }

        check = ocs_journal_check(buf + off + 8, n - 8);
        memcpy(buf + off, &check, sizeof(check));
    }
}


void
ocs_journal_job_run(ocs_journal_job_t *job)
{
    int  fd, e;

    ocs_journal_checks(job->data, job->len);

    fd = open(job->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    if (fd == -1) {
        job->err = errno;
        job->what = "open";

    } else if (ocs_journal_pwrite(fd, job->data, job->len, 0) != 0) {
        job->err = errno ? errno : EIO;
        job->what = "write";

    } else if (fdatasync(fd) != 0) {
        job->err = errno;
        job->what = "fdatasync";

    } else {
        job->fd = fd;
    }

    if (job->fd == -1 && fd != -1) {
        e = job->err;
        (void) close(fd);
        (void) unlink(job->tmp);
        job->err = e;
    }

    free(job->buf);
    job->buf = NULL;
    job->data = NULL;
}


int
ocs_journal_job_done(ocs_journal_t *j)
{
    int                 old;
    struct stat         st;
    ocs_journal_job_t  *job;

    job = j->job;

    if (job == NULL) {
        return -1;
    }

    /*
     * What others wrote since, following the file if it moved, first
     * without the flock (as ocs_journal_lock()), then with it.
     */
    j->inner.lock(j->inner.data);
    ocs_journal_read(j, 0);
    ocs_journal_begin(j);

    j->job = NULL;

    if (job->fd == -1) {
        ocs_journal_fail(j, OCS_JOURNAL_ERROR, 0,
                         job->what != NULL ? job->what : "write",
                         job->err != 0 ? job->err : EIO);

    } else if (j->locked
               && !j->bad
               && fstat(j->fd, &st) == 0
               && (uint64_t) st.st_dev == job->dev
               && (uint64_t) st.st_ino == job->ino
               && ocs_journal_same(&st, j->sh)
               && j->sh->applied >= job->from)
    {
        ocs_journal_finish(j, job);
    }

    /*
     * Else the file was written again by someone else, or a bad record
     * calls for that now: the job's copy is not the file any more.
     */

    old = job->old;
    job->old = -1;

    ocs_journal_job_free(job);

    ocs_journal_end(j);

    j->inner.unlock(j->inner.data);

    return old;
}


/*
 * The job's file gets what was written to the old one since it was
 * laid out, and is renamed over it.  Store and file locked.
 */
static void
ocs_journal_finish(ocs_journal_t *j, ocs_journal_job_t *job)
{
    size_t             have;
    ssize_t            n;
    uint64_t           from, off;
    struct stat        st;
    unsigned char      buf[OCS_JOURNAL_BUF];

    from = job->from;
    off = job->len;

    while (from < j->sh->applied) {
        have = (j->sh->applied - from < sizeof(buf))
               ? (size_t) (j->sh->applied - from) : sizeof(buf);

        n = pread(j->fd, buf, have, (off_t) from);

        if (n <= 0) {
            ocs_journal_fail(j, OCS_JOURNAL_ERROR, 0, "pread",
                             n < 0 ? errno : EIO);
            return;
        }

        if (ocs_journal_pwrite(job->fd, buf, (size_t) n, off) != 0) {
            ocs_journal_fail(j, OCS_JOURNAL_ERROR, 0, "write",
                             errno ? errno : EIO);
            return;
        }

        from += (uint64_t) n;
        off += (uint64_t) n;
    }

    if (fstat(job->fd, &st) != 0) {
        ocs_journal_fail(j, OCS_JOURNAL_ERROR, 0, "fstat", errno);
        return;
    }

    if (rename(job->tmp, j->path) != 0) {
        ocs_journal_fail(j, OCS_JOURNAL_ERROR, 0, "rename", errno);
        return;
    }

    job->renamed = 1;

    /* its close frees its blocks: the caller's, where it holds nothing */
    job->old = ocs_journal_switch(j, job->fd, &st, off);
    job->fd = -1;
}


/*
 * The file just renamed over the old one (fd, st, size bytes) becomes
 * the one in hand: the old one gets a mark that sends its readers on,
 * and loses its lock first (as in reopen()), which those of it that
 * wait for it then follow.  Store and file locked.  Returns the old
 * descriptor, for the caller to close.
 */
static int
ocs_journal_switch(ocs_journal_t *j, int fd, const struct stat *st,
    uint64_t size)
{
    int                old;
    ocs_journal_rec_t  mark;
    unsigned char      rec[OCS_JOURNAL_REC_MIN];

    mark.op = OCS_JOURNAL_MOVED;
    mark.len = 0;
    memset(&mark.rec, 0, sizeof(ocs_store_rec_t));

    if (ocs_journal_encode(rec, sizeof(rec), &mark) != sizeof(rec)
        || write(j->fd, rec, sizeof(rec)) != (ssize_t) sizeof(rec))
    {
        /* they find the file changed under its name all the same */
        ocs_journal_fail(j, OCS_JOURNAL_ERROR, 0, "write", errno);
    }

    (void) fcntl(fd, F_SETFL, O_APPEND);

    old = j->fd;
    j->fd = fd;

    if (j->locked && ocs_journal_flock(fd, LOCK_EX) != 0) {
        j->locked = 0;
    }

    (void) ocs_journal_flock(old, LOCK_UN);

    j->sh->dev = (uint64_t) st->st_dev;
    j->sh->ino = (uint64_t) st->st_ino;
    j->sh->applied = size;
    j->sh->base = size;

    return old;
}


/*
 * The files of deferred rewrites whose process is gone (killed while
 * its thread wrote): path.new.PID beside the file, removed.  One whose
 * process lives may still be renamed over the file: left alone.
 */
static void
ocs_journal_sweep(ocs_journal_t *j)
{
    DIR            *d;
    long            pid;
    char           *end, *slash;
    size_t          dlen, blen;
    const char     *base;
    struct dirent  *e;
    char            name[4096];

    slash = strrchr(j->path, '/');
    base = (slash != NULL) ? slash + 1 : j->path;
    blen = strlen(base);
    dlen = (slash != NULL) ? (size_t) (slash - j->path) : 0;

    if (dlen + 1 >= sizeof(name)) {
        return;
    }

    if (slash == NULL) {
        memcpy(name, ".", 2);
    } else if (dlen == 0) {
        memcpy(name, "/", 2);
    } else {
        memcpy(name, j->path, dlen);
        name[dlen] = '\0';
    }

    d = opendir(name);
    if (d == NULL) {
        return;
    }

    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, base, blen) != 0
            || strncmp(e->d_name + blen, ".new.", 5) != 0)
        {
            continue;
        }

        errno = 0;
        pid = strtol(e->d_name + blen + 5, &end, 10);

        if (errno != 0 || *end != '\0' || pid <= 0
            || end == e->d_name + blen + 5
            || (pid_t) pid == getpid()
            || kill((pid_t) pid, 0) == 0 || errno != ESRCH
            || (size_t) snprintf(name, sizeof(name), "%.*s%s%s",
                                 (int) dlen, j->path,
                                 slash != NULL ? "/" : "", e->d_name)
               >= sizeof(name))
        {
            continue;
        }

        (void) unlink(name);
    }

    (void) closedir(d);
}


static void
ocs_journal_job_free(ocs_journal_job_t *job)
{
    if (job->fd != -1) {
        (void) close(job->fd);
    }

    if (job->old != -1) {
        (void) close(job->old);
    }

    if (job->keep != -1) {
        (void) close(job->keep);
    }

    if (!job->renamed) {
        (void) unlink(job->tmp);
    }

    free(job->buf);
    free(job);
}


/*
 * The record a store's entry is written again as, and its length; 0
 * for one that is not (expired, or a key the file cannot hold).
 */
static size_t
ocs_journal_live(const ocs_journal_copy_t *c, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec, ocs_journal_rec_t *r)
{
    if (rec->expires <= c->now || len == 0 || len > OCS_STORE_KEY_MAX) {
        return 0;
    }

    r->op = OCS_JOURNAL_PUT;
    r->len = len;
    memcpy(r->key, key, len);
    r->rec = *rec;

    return ocs_journal_reclen(len);
}


static int
ocs_journal_copy_count(void *arg, const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec)
{
    ocs_journal_copy_t  *c = arg;

    (void) key;

    if (rec->expires > c->now && len > 0 && len <= OCS_STORE_KEY_MAX) {
        c->total += ocs_journal_reclen(len);
    }

    return OCS_STORE_NEXT;
}


static int
ocs_journal_copy_one(void *arg, const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec)
{
    ocs_journal_copy_t  *c = arg;

    size_t             n;
    ocs_journal_rec_t  r;

    n = ocs_journal_live(c, key, len, rec, &r);

    if (n == 0) {
        return OCS_STORE_NEXT;
    }

    if (c->off - c->fill < OCS_JOURNAL_HEADER + n) {
        c->failed = 1;        /* more records than counted: cannot be */
        return OCS_STORE_STOP;
    }

    if (n > OCS_JOURNAL_BUF - c->fill) {
        c->off -= c->fill;

        if (ocs_journal_pwrite(c->fd, c->buf + OCS_JOURNAL_BUF - c->fill,
                               c->fill, c->off)
            != 0)
        {
            c->failed = 1;
            return OCS_STORE_STOP;
        }

        c->fill = 0;
    }

    c->fill += ocs_journal_encode(c->buf + OCS_JOURNAL_BUF - c->fill - n, n,
                                  &r);

    return OCS_STORE_NEXT;
}


/* helpers */

static int
ocs_journal_pwrite(int fd, const unsigned char *p, size_t n, uint64_t off)
{
    ssize_t  w;

    while (n > 0) {
        w = pwrite(fd, p, n, (off_t) off);

        if (w <= 0) {
            if (w < 0 && errno == EINTR) {
                continue;
            }

            if (w == 0) {
                errno = ENOSPC;
            }

            return -1;
        }

        p += w;
        n -= (size_t) w;
        off += (uint64_t) w;
    }

    return 0;
}


static int
ocs_journal_flock(int fd, int op)
{
    int  rc;

    do {
        rc = flock(fd, op);
    } while (rc != 0 && errno == EINTR);

    return rc;
}


static int
ocs_journal_same(const struct stat *st, const ocs_journal_sh_t *sh)
{
    return (uint64_t) st->st_ino == sh->ino
           && (uint64_t) st->st_dev == sh->dev;
}


/*
 * Reports a failed call on the file; with limit, once a minute at most
 * (a full disk fails every write).
 */
static void
ocs_journal_fail(ocs_journal_t *j, int level, int limit, const char *what,
    int errnum)
{
    int64_t    now;
    ocs_err_t  err;

    now = j->env->now(j->env->data);

    if (limit && j->failed != 0 && now - j->failed < OCS_JOURNAL_REPORT_GAP) {
        return;
    }

    if (limit) {
        j->failed = now;
    }

    (void) ocs_err(&err, OCS_ERR_SYS, "state file \"%s\": %s() failed: %s%s",
                   j->path, what, strerror(errnum),
                   limit ? " (the store goes on in memory; what it does not "
                           "write is lost on a restart or binary upgrade)"
                         : " (it is not written again yet)");

    j->report(j->report_data, level, &err);
}
