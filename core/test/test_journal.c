/*
 * The journal of a store (ocs_journal.h), on real files in a directory
 * of the test's own, with in-memory stores as the stores of two sets of
 * processes (an nginx binary upgrade's old and new workers) and a
 * frozen clock: records read back by a fresh store, each set seeing
 * the other's writes at its next lock, records expired or dropped, the
 * file written again from the store when it has grown (in the order
 * the records were written, its readers following it), a torn or bad
 * record, a file that is not a journal, a store that held another
 * file, and revocations read back into a store too small for them.
 */

#include <ocs_test.h>
#include <ocs/ocs_journal.h>
#include <ocs/ocs_revoke.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>


#define T0  1700000000


typedef struct {
    ocs_store_t        mem;
    ocs_journal_sh_t   sh;
    ocs_journal_t      j;
    int                errors;
    int                warnings;
    char               last[160];
} set_t;


static ocs_test_env_data_t   clock_data = { T0, 1 };
static const ocs_env_t       env = { ocs_test_now, ocs_test_random,
                                     &clock_data };

static char                  dir[64];
static char                  path[128];


static void
report(void *data, int level, const ocs_err_t *err)
{
    set_t  *s = data;

    if (level == OCS_JOURNAL_ERROR) {
        s->errors++;
    } else {
        s->warnings++;
    }

    snprintf(s->last, sizeof(s->last), "%s", err->text);
    printf("# reported: %s\n", err->text);
}


static int
open_set(set_t *s, size_t capacity, int keep, const char *file)
{
    ocs_err_t  err;

    memset(s, 0, sizeof(set_t));

    if (ocs_store_mem_create(&s->mem, capacity, &env) != OCS_OK) {
        printf("Bail out! no memory for a store\n");
        exit(1);
    }

    if (keep) {
        ocs_store_mem_keep(&s->mem);
    }

    s->j.inner = s->mem;
    s->j.sh = &s->sh;
    s->j.env = &env;
    s->j.report = report;
    s->j.report_data = s;

    if (ocs_journal_open(&s->j, file, &err) != OCS_OK) {
        snprintf(s->last, sizeof(s->last), "%s", err.text);
        return err.code;
    }

    return OCS_OK;
}


static void
close_set(set_t *s)
{
    ocs_journal_close(&s->j);
    ocs_store_mem_destroy(&s->mem);
}


static int
put(set_t *s, const char *key, int64_t value, int64_t expires)
{
    int               rc;
    ocs_store_rec_t   rec;
    ocs_store_t      *st = &s->j.store;

    memset(&rec, 0, sizeof(rec));
    rec.value = value;
    rec.expires = expires;
    rec.first = T0;

    st->lock(st->data);
    rc = st->put(st->data, (const unsigned char *) key, strlen(key), &rec);
    st->unlock(st->data);

    return rc;
}


static void
drop(set_t *s, const char *key)
{
    ocs_store_t  *st = &s->j.store;

    st->lock(st->data);
    st->remove(st->data, (const unsigned char *) key, strlen(key));
    st->unlock(st->data);
}


/* the value of key after the set's lock (what it reads first), or -1 */
static int64_t
value(set_t *s, const char *key)
{
    int               rc;
    ocs_store_rec_t   rec;
    ocs_store_t      *st = &s->j.store;

    st->lock(st->data);
    rc = st->get(st->data, (const unsigned char *) key, strlen(key), &rec);
    st->unlock(st->data);

    return rc == OCS_OK ? rec.value : -1;
}


static off_t
file_size(const char *file)
{
    struct stat  st;

    return stat(file, &st) == 0 ? st.st_size : -1;
}


typedef struct {
    char     keys[64];
    size_t   n;
} order_t;


static int
order_one(void *arg, const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec)
{
    order_t  *o = arg;

    (void) rec;

    if (len == 1 && o->n < sizeof(o->keys) - 1) {
        o->keys[o->n++] = (char) key[0];
        o->keys[o->n] = '\0';
    }

    return OCS_STORE_NEXT;
}


/* the one-letter keys of the inner store, the most recently written first */
static const char *
order(set_t *s, order_t *o)
{
    o->n = 0;
    o->keys[0] = '\0';
    s->mem.walk(s->mem.data, order_one, o);

    return o->keys;
}


static void
test_layout(void)
{
    size_t             n, used, i;
    ocs_journal_rec_t  r, back;
    unsigned char      buf[OCS_JOURNAL_REC_MAX];

    memset(&r, 0, sizeof(r));
    r.op = OCS_JOURNAL_PUT;
    r.len = 3;
    memcpy(r.key, "abc", 3);
    r.rec.first = 1;
    r.rec.until = 2;
    r.rec.expires = 3;
    r.rec.value = -4;
    r.rec.inflight = 5;
    r.rec.keep = 1;

    n = ocs_journal_encode(buf, sizeof(buf), &r);
    is_int(n, 64, "a record of a 3-byte key takes 56 bytes and 8");

    ok(ocs_journal_decode(buf, n, &back, &used) == OCS_OK && used == n
       && back.op == OCS_JOURNAL_PUT && back.len == 3
       && memcmp(back.key, "abc", 3) == 0 && back.rec.first == 1
       && back.rec.until == 2 && back.rec.expires == 3
       && back.rec.value == -4 && back.rec.inflight == 5
       && back.rec.keep == 1, "it reads back as it was written");

    for (i = 0; i < n; i++) {
        if (ocs_journal_decode(buf, i, &back, &used) != OCS_ERR_NOTFOUND) {
            break;
        }
    }
    is_int(i, n, "every start of it is a record not yet whole");

    for (i = 0; i < n * 8; i++) {
        buf[i / 8] ^= (unsigned char) (1u << (i % 8));
        if (ocs_journal_decode(buf, n, &back, &used) == OCS_OK) {
            break;
        }
        buf[i / 8] ^= (unsigned char) (1u << (i % 8));
    }
    is_int(i, n * 8, "no flip of any one bit of it reads as a record");

    r.len = 0;
    is_int(ocs_journal_encode(buf, sizeof(buf), &r), 0, "no empty key");
    r.len = OCS_STORE_KEY_MAX + 1;
    is_int(ocs_journal_encode(buf, sizeof(buf), &r), 0, "no key too long");
    r.len = OCS_STORE_KEY_MAX;
    memset(r.key, 'k', r.len);
    is_int(ocs_journal_encode(buf, sizeof(buf), &r), OCS_JOURNAL_REC_MAX,
           "the longest key fits OCS_JOURNAL_REC_MAX");
    is_int(ocs_journal_encode(buf, OCS_JOURNAL_REC_MAX - 1, &r), 0,
           "not into a buffer too short");

    r.op = OCS_JOURNAL_MOVED;
    is_int(ocs_journal_encode(buf, sizeof(buf), &r), 0, "a mark has no key");
    r.len = 0;
    n = ocs_journal_encode(buf, sizeof(buf), &r);
    ok(n == OCS_JOURNAL_REC_MIN
       && ocs_journal_decode(buf, n, &back, &used) == OCS_OK
       && back.op == OCS_JOURNAL_MOVED, "a mark is 56 bytes");

    r.op = 9;
    is_int(ocs_journal_encode(buf, sizeof(buf), &r), 0, "no other op");
}


static void
test_read_back(void)
{
    set_t    a, b;
    order_t  o;

    ok(open_set(&a, 100, 0, path) == OCS_OK, "a journal on a new file");
    is_int(file_size(path), OCS_JOURNAL_HEADER, "it has its header");

    put(&a, "a", 1, T0 + 100);
    put(&a, "b", 2, T0 + 100);
    put(&a, "c", 3, T0 + 100);
    put(&a, "a", 11, T0 + 100);
    put(&a, "e", 5, T0 + 10);
    drop(&a, "b");
    drop(&a, "nothing");
    is_int(file_size(path), OCS_JOURNAL_HEADER + 6 * 64,
           "five puts and one drop written; no drop of what was not there");

    close_set(&a);

    clock_data.now = T0 + 10;
    ok(open_set(&b, 100, 0, path) == OCS_OK, "a fresh store reads it back");
    is_int(value(&b, "a"), 11, "the last write of a key wins");
    is_int(value(&b, "b"), -1, "a dropped record stays dropped");
    is_int(value(&b, "c"), 3, "a record read back");
    is_int(value(&b, "e"), -1, "an expired one is not");
    order(&b, &o);
    is_str(o.keys, o.n, "ac", "in the order they were written");
    is_int(b.errors + b.warnings, 0, "nothing reported");
    close_set(&b);
    clock_data.now = T0;

    (void) unlink(path);
}


static void
test_two_sets(void)
{
    set_t  a, b;

    ok(open_set(&a, 100, 0, path) == OCS_OK
       && open_set(&b, 100, 0, path) == OCS_OK,
       "two sets of processes on one file (a binary upgrade)");

    put(&a, "x", 1, T0 + 100);
    is_int(value(&b, "x"), 1, "the new set sees the old one's write");
    put(&b, "y", 2, T0 + 100);
    is_int(value(&a, "y"), 2, "and the old one the new one's");

    drop(&b, "x");
    is_int(value(&a, "x"), -1, "a drop counts in both");

    put(&a, "z", 1, T0 + 100);
    put(&b, "z", 2, T0 + 100);
    ok(value(&a, "z") == 2 && value(&b, "z") == 2,
       "writes of one key by both: the later wins in both");

    close_set(&a);
    close_set(&b);
    (void) unlink(path);
}


static void
test_rewrite(void)
{
    int      i;
    off_t    before;
    set_t    a, b, c;
    order_t  o;
    char     key[8];

    ok(open_set(&a, 100, 0, path) == OCS_OK
       && open_set(&b, 100, 0, path) == OCS_OK, "two sets again");

    a.j.rewrite_min = 1;

    put(&a, "p", 1, T0 + 100);
    put(&a, "q", 2, T0 + 100);
    put(&a, "r", 3, T0 + 5);

    /* counts of one key: the file grows, the store does not */
    for (i = 0; i < 40; i++) {
        put(&a, "n", i, T0 + 100);
    }

    before = file_size(path);
    ok(before < 40 * 64, "written again as it grew (%lld bytes)",
       (long long) before);

    clock_data.now = T0 + 6;

    for (i = 0; i < 8; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        put(&a, key, i, T0 + 100);
    }

    is_int(value(&b, "n"), 39, "the other set followed it to its new copy");
    is_int(value(&b, "k7"), 7, "and reads on in it");
    put(&b, "s", 4, T0 + 100);
    is_int(value(&a, "s"), 4, "its writes go to the new copy too");
    is_int(a.errors + b.errors, 0, "nothing reported");

    ok(open_set(&c, 100, 0, path) == OCS_OK, "a third set");
    is_int(value(&c, "p"), 1, "finds what was written before the rewrite");
    is_int(value(&c, "r"), -1, "but not what had expired by then");
    order(&c, &o);
    is_str(o.keys, o.n, "snqp",
           "in the order of the store that wrote it");

    close_set(&a);
    close_set(&b);
    close_set(&c);
    (void) unlink(path);
}


/* a deferred rewrite's hand-off: the job kept for the test to run */
static ocs_journal_job_t  *pending;
static int                 deferrals;
static int                 refuse;


static int
defer(void *data, ocs_journal_job_t *job)
{
    (void) data;

    deferrals++;

    if (refuse) {
        return 1;
    }

    pending = job;
    return 0;
}


static ino_t
file_ino(const char *file)
{
    struct stat  st;

    return stat(file, &st) == 0 ? st.st_ino : 0;
}


/* puts of one key until the set defers a rewrite (or 5000 tries) */
static int
grow(set_t *s, int from)
{
    int  i, before;

    before = deferrals;

    for (i = from; i < from + 5000 && deferrals == before; i++) {
        put(s, "n", i, T0 + 100);
    }

    return i - 1;
}


static void
test_deferred(void)
{
    int          i, last, fd;
    off_t        before;
    ino_t        ino;
    struct stat  st;
    set_t    a, b, c;
    order_t  o;
    char     tmp[160];

    snprintf(tmp, sizeof(tmp), "%s.new.%ld", path, (long) getpid());

    pending = NULL;
    deferrals = 0;
    refuse = 0;

    ok(open_set(&a, 100, 0, path) == OCS_OK
       && open_set(&b, 100, 0, path) == OCS_OK, "deferred: two sets");

    a.j.rewrite_min = 2000;        /* about 30 records */
    a.j.defer = defer;

    put(&a, "p", 1, T0 + 100);
    put(&a, "q", 2, T0 + 100);
    put(&a, "r", 3, T0 + 100);

    ino = file_ino(path);
    last = grow(&a, 0);

    ok(pending != NULL && deferrals == 1, "the rewrite is handed off");
    ok(file_ino(path) == ino && file_size(tmp) == -1,
       "and nothing is written before its job runs");

    /* written while the job is under way, by both sets */
    put(&a, "s", 4, T0 + 100);
    drop(&a, "q");
    put(&b, "t", 5, T0 + 100);
    before = file_size(path);

    for (i = 0; i < 5000 && a.sh.applied / 2 <= a.sh.base; i++) {
        put(&a, "n", ++last, T0 + 100);
    }

    ok(deferrals == 1 && a.sh.applied / 2 > a.sh.base,
       "no second rewrite while one is under way, though the file "
       "doubled (%lld bytes)", (long long) file_size(path));

    ocs_journal_job_run(pending);
    ok(file_size(tmp) > 0 && file_ino(path) == ino,
       "the job writes its own file beside the old one");

    before = file_size(path);
    fd = ocs_journal_job_done(&a.j);
    ok(a.j.job == NULL && file_size(tmp) == -1 && file_ino(path) != ino,
       "done: renamed over the old file");
    ok(fd != -1 && fstat(fd, &st) == 0 && st.st_ino == ino
       && close(fd) == 0, "whose descriptor is the caller's to close");
    ok(file_size(path) < before, "which it is smaller than (%lld bytes, "
       "from %lld)", (long long) file_size(path), (long long) before);

    is_int(value(&b, "s"), 4, "the other set follows it to its new copy");
    is_int(value(&b, "n"), last, "and finds what was written since");
    put(&b, "u", 6, T0 + 100);
    is_int(value(&a, "u"), 6, "whose writes go to the new copy too");

    ok(open_set(&c, 100, 0, path) == OCS_OK, "deferred: a third set");
    is_int(value(&c, "p"), 1, "reads what the job laid out");
    is_int(value(&c, "t"), 5, "and what was written while it ran");
    is_int(value(&c, "q"), -1, "drops included");
    order(&c, &o);
    is_str(o.keys, o.n, "untsrp", "in the order of the store that wrote it");
    is_int(a.errors + b.errors + c.errors, 0, "nothing reported");
    close_set(&c);

    /* the other set writes the file again while a job is under way */
    pending = NULL;
    b.j.rewrite_min = 1;
    last = grow(&a, 10000);
    ok(pending != NULL, "another job");

    ino = file_ino(path);
    b.j.bad = 1;                    /* its next write writes it again */
    put(&b, "v", 7, T0 + 100);
    ok(file_ino(path) != ino, "the other set wrote it again meanwhile");

    ocs_journal_job_run(pending);
    ino = file_ino(path);
    fd = ocs_journal_job_done(&a.j);
    ok(fd == -1 && file_ino(path) == ino && file_size(tmp) == -1,
       "the job's file is dropped, not renamed over theirs");
    is_int(value(&a, "v"), 7, "the set follows theirs instead");
    ok(open_set(&c, 100, 0, path) == OCS_OK && value(&c, "n") == last
       && value(&c, "t") == 5, "losing nothing: a fresh set reads it all");
    close_set(&c);
    is_int(a.errors + b.errors, 0, "and telling nothing");

    /* the job's write fails */
    pending = NULL;
    a.j.bad = 0;
    (void) grow(&a, 20000);
    ok(pending != NULL && mkdir(tmp, 0700) == 0,
       "a job whose file's name is taken by a directory");

    ino = file_ino(path);
    ocs_journal_job_run(pending);
    fd = ocs_journal_job_done(&a.j);
    (void) rmdir(tmp);
    ok(fd == -1 && file_ino(path) == ino && a.errors == 1
       && strstr(a.last, "open() failed: Is a directory (it is not written "
                 "again yet)") != NULL,
       "fails with one error, and the old file goes on");
    put(&a, "w", 8, T0 + 100);
    is_int(value(&b, "w"), 8, "which still gets the writes");

    /* a hand-off refused: written at once */
    refuse = 1;
    ino = file_ino(path);
    a.errors = 0;
    (void) grow(&a, 30000);
    ok(file_ino(path) != ino && a.j.job == NULL && a.errors == 0,
       "a refused hand-off: written again at once");
    refuse = 0;

    /* closed with a job under way: its file goes */
    pending = NULL;
    (void) grow(&a, 40000);
    ok(pending != NULL, "a last job");
    ocs_journal_job_run(pending);
    close_set(&a);
    ok(file_size(tmp) == -1, "closed with the job done but not finished: "
       "its file is removed");

    close_set(&b);
    (void) unlink(path);
}


static void
hung(int sig)
{
    static const char  msg[] = "not ok - a finish waited in flock() "
                               "(holding the store's lock)\n";

    (void) sig;

    if (write(1, msg, sizeof(msg) - 1) < 0) {
        _exit(2);
    }

    _exit(1);
}


/*
 * Two workers of one set: one store and one sh, a descriptor each.  The
 * second defers a rewrite of its own while the first's runs (the file
 * doubled again); the first renames, and the second's finish must not
 * wait for the old file's lock, which the first's descriptor, handed
 * to the caller to close later, would hold.
 */
static void
test_deferred_workers(void)
{
    int                 i, fd, before;
    set_t               a, c;
    ocs_err_t           err;
    ocs_journal_t       w;
    ocs_journal_job_t  *first, *second;
    char                tmp[160], dead[160];
    pid_t               pid;

    pending = NULL;
    deferrals = 0;
    refuse = 0;

    /* a file left by a worker killed during a rewrite, and one alive */
    fflush(stdout);                 /* not written twice */

    pid = fork();
    if (pid == 0) {
        _exit(0);
    }
    (void) waitpid(pid, NULL, 0);

    snprintf(dead, sizeof(dead), "%s.new.%ld", path, (long) pid);
    snprintf(tmp, sizeof(tmp), "%s.new.%ld", path, (long) getppid());
    close(open(dead, O_CREAT | O_WRONLY, 0600));
    close(open(tmp, O_CREAT | O_WRONLY, 0600));

    ok(open_set(&a, 100, 0, path) == OCS_OK, "workers: one set");
    ok(file_size(dead) == -1 && file_size(tmp) == 0,
       "the open removes a rewrite's file whose process is gone, "
       "not one whose process lives");
    (void) unlink(tmp);

    memset(&w, 0, sizeof(w));
    w.inner = a.mem;
    w.sh = &a.sh;
    w.env = &env;
    w.report = report;
    w.report_data = &a;
    w.rewrite_min = 2000;
    w.defer = defer;

    ok(ocs_journal_open(&w, path, &err) == OCS_OK,
       "and a second worker of it, with a descriptor of its own");

    a.j.rewrite_min = 2000;
    a.j.defer = defer;

    before = deferrals;
    for (i = 0; i < 300 && deferrals == before; i++) {
        put(&a, "n", i, T0 + 100);
    }
    first = pending;

    before = deferrals;
    for (; i < 900 && deferrals == before; i++) {
        ocs_store_rec_t  rec;

        memset(&rec, 0, sizeof(rec));
        rec.value = i;
        rec.expires = T0 + 100;
        w.store.lock(w.store.data);
        (void) w.store.put(w.store.data, (const unsigned char *) "n", 1,
                           &rec);
        w.store.unlock(w.store.data);
    }
    second = (deferrals > before) ? pending : NULL;

    ok(first != NULL && second != NULL && second != first,
       "each worker deferred one");

    if (first == NULL || second == NULL) {
        ocs_journal_close(&w);
        close_set(&a);
        return;
    }

    ocs_journal_job_run(first);
    fd = ocs_journal_job_done(&a.j);
    ok(fd != -1, "the first renames");

    ocs_journal_job_run(second);
    signal(SIGALRM, hung);
    alarm(5);
    (void) ocs_journal_job_done(&w);
    alarm(0);
    ok(1, "the second's finish does not wait for the old file's lock");
    (void) close(fd);

    ok(open_set(&c, 100, 0, path) == OCS_OK && value(&c, "n") == i - 1,
       "and the file holds the last write");
    is_int(a.errors, 0, "nothing reported");

    close_set(&c);
    ocs_journal_close(&w);
    close_set(&a);
    (void) unlink(path);
}


static void
test_torn(void)
{
    int    fd;
    off_t  whole;
    set_t  a, b;

    ok(open_set(&a, 100, 0, path) == OCS_OK, "a journal");
    put(&a, "a", 1, T0 + 100);
    put(&a, "b", 2, T0 + 100);
    close_set(&a);

    whole = file_size(path);

    /* a crash in the middle of a write: half a record at the end */
    fd = open(path, O_WRONLY | O_APPEND);
    ok(fd != -1 && write(fd, "\1\2\3\4\5\6\7\10\1\0\1\0", 12) == 12,
       "half a record appended");
    if (fd != -1) {
        close(fd);
    }

    ok(open_set(&b, 100, 0, path) == OCS_OK, "read back");
    ok(value(&b, "a") == 1 && value(&b, "b") == 2,
       "the records before the torn one are there");
    ok(b.errors == 1 && strstr(b.last, "a torn record at byte") != NULL,
       "the torn record is reported");
    is_int(file_size(path), whole, "and the file written again without it");
    close_set(&b);

    /* a bit flipped in the first record: what follows it is lost */
    fd = open(path, O_RDWR);
    ok(fd != -1 && pwrite(fd, "\xff", 1, OCS_JOURNAL_HEADER + 20) == 1,
       "a byte of the first record changed");
    if (fd != -1) {
        close(fd);
    }

    ok(open_set(&b, 100, 0, path) == OCS_OK, "read back");
    ok(value(&b, "a") == -1 && value(&b, "b") == -1
       && b.errors == 1 && strstr(b.last, "a bad record at byte 16") != NULL,
       "a bad record is reported, and nothing from there read");
    is_int(file_size(path), OCS_JOURNAL_HEADER, "the file written again");
    close_set(&b);

    (void) unlink(path);
}


static void
test_not_ours(void)
{
    int    fd;
    set_t  a;

    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ok(fd != -1 && write(fd, "server_name example.org;\n", 25) == 25,
       "a file that is not a journal");
    if (fd != -1) {
        close(fd);
    }

    is_int(open_set(&a, 100, 0, path), OCS_ERR_INVALID, "is refused");
    ok(strstr(a.last, "is not a state file") != NULL, "saying so: %s",
       a.last);
    is_int(file_size(path), 25, "and left as it was");
    ocs_store_mem_destroy(&a.mem);

    /* shorter than a header, but not the start of one */
    fd = open(path, O_WRONLY | O_TRUNC);
    ok(fd != -1 && write(fd, "user x;\n", 8) == 8, "a short file");
    if (fd != -1) {
        close(fd);
    }

    is_int(open_set(&a, 100, 0, path), OCS_ERR_INVALID,
           "is refused too, not taken for a torn header");
    is_int(file_size(path), 8, "and left as it was");
    ocs_store_mem_destroy(&a.mem);

    /* the start of a header: a crash while the file was made */
    fd = open(path, O_WRONLY | O_TRUNC);
    ok(fd != -1 && write(fd, "OCSJ\1", 5) == 5, "the start of a header");
    if (fd != -1) {
        close(fd);
    }

    ok(open_set(&a, 100, 0, path) == OCS_OK
       && file_size(path) == OCS_JOURNAL_HEADER, "is made again");
    close_set(&a);
    (void) unlink(path);

    snprintf(a.last, sizeof(a.last), "%s/none/state", dir);
    ok(open_set(&a, 100, 0, a.last) == OCS_ERR_SYS
       && strstr(a.last, "No such file or directory") != NULL,
       "a directory that is not there: %s", a.last);
    ocs_store_mem_destroy(&a.mem);
}


static void
test_other_file(void)
{
    set_t       a, b;
    ocs_err_t   err;
    char        other[160];

    snprintf(other, sizeof(other), "%s/other", dir);

    ok(open_set(&a, 100, 0, path) == OCS_OK, "a journal");
    put(&a, "a", 1, T0 + 100);
    ocs_journal_close(&a.j);

    /* a reload that names another file: the store goes on */
    ok(ocs_journal_open(&a.j, other, &err) == OCS_OK, "another file");
    close_set(&a);

    ok(open_set(&b, 100, 0, other) == OCS_OK
       && value(&b, "a") == 1, "the store was written into it");
    close_set(&b);

    (void) unlink(path);
    (void) unlink(other);
}


static int  fallbacks;


/* as the nginx zone's: the fallback is its own news, not a loss */
static int
restore(void *data, const ocs_store_t *inner, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec)
{
    int  rc;

    (void) data;

    rc = ocs_revoke_restore(inner, key, len, rec, 3600,
                            clock_data.now * 1000);

    if (rc == OCS_ERR_SPACE) {
        fallbacks++;
        return OCS_OK;
    }

    return rc;
}


static void
test_revocations(void)
{
    int               i;
    set_t             a, b;
    ocs_err_t         err;
    ocs_store_rec_t   rec;
    char              key[16];

    ok(open_set(&a, 100, 1, path) == OCS_OK, "revocations, journaled");

    for (i = 0; i < 6; i++) {
        snprintf(key, sizeof(key), "rs%d", i);
        put(&a, key, 0, T0 + 100);
    }

    close_set(&a);

    /* read back into a smaller store (a zone made smaller) */
    memset(&b, 0, sizeof(b));
    if (ocs_store_mem_create(&b.mem, 4, &env) != OCS_OK) {
        printf("Bail out! no memory\n");
        exit(1);
    }
    ocs_store_mem_keep(&b.mem);

    b.j.inner = b.mem;
    b.j.sh = &b.sh;
    b.j.env = &env;
    b.j.report = report;
    b.j.report_data = &b;
    b.j.apply = restore;

    clock_data.now = T0 + 1;
    ok(ocs_journal_open(&b.j, path, &err) == OCS_OK,
       "read back into a store of 4");

    ok(b.mem.get(b.mem.data, (const unsigned char *) "r*", 2, &rec) == OCS_OK
       && rec.value >= (T0 + 1) * 1000LL,
       "no room for them all: every session until now is revoked");
    ok(fallbacks == 1 && b.warnings == 0,
       "once, told by the store's own apply, not as a loss");
    ok(value(&b, "rs5") == 0, "and the revocations after it are kept too");

    close_set(&b);
    clock_data.now = T0;
    (void) unlink(path);
}


int
main(void)
{
    if (mkdtemp(memcpy(dir, "/tmp/ocs-journal-XXXXXX", 24)) == NULL) {
        printf("Bail out! no directory\n");
        return 1;
    }

    snprintf(path, sizeof(path), "%s/state", dir);

    test_layout();
    test_read_back();
    test_two_sets();
    test_rewrite();
    test_deferred();
    test_deferred_workers();
    test_torn();
    test_not_ours();
    test_other_file();
    test_revocations();

    (void) rmdir(dir);

    return ocs_test_done();
}
