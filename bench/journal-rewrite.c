/*
 * bench/journal-rewrite.c: what a state file's rewrite holds up.  A
 * zone with a state file (ocs_journal.h) appends each change; when the
 * file has doubled since it was last written, the change that finds it
 * so writes it again from the live records, syncs it and renames it,
 * holding the zone: in nginx, on the worker's event loop.  This fills a
 * store of COUNT records kept until they expire (as revocations are;
 * the core's hashed store in memory, with no lock: one process) with
 * its journal in DIR, then churns (a drop and a new record, as
 * expired revocations give way to new ones) until the file has been
 * written again twice more, timing every change.
 *
 *     journal-rewrite DIR COUNT [defer]
 *
 * Prints, per phase, the median change and the longest (a rewrite),
 * with the records and bytes the rewrite wrote.  With "defer", the
 * rewrite is handed off as nginx hands it to a thread (see settle()).
 * Run by bench/journal-rewrite.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ocs/ocs_journal.h>
#include <ocs/ocs_store_region.h>

#include "bench_time.h"


static int64_t
bench_now(void *data)
{
    (void) data;
    return (int64_t) time(NULL);
}


static int
bench_random(void *data, unsigned char *buf, size_t len)
{
    (void) data;
    memset(buf, 0x42, len);
    return OCS_OK;
}


static const ocs_env_t  env = { bench_now, bench_random, NULL };


static void
bench_report(void *data, int level, const ocs_err_t *err)
{
    (void) data;
    fprintf(stderr, "journal-rewrite: journal %s: %s\n",
            level == OCS_JOURNAL_ERROR ? "error" : "warning", err->text);
}


static void
no_lock(void *arg)
{
    (void) arg;
}


/* a revocation's key: 16 bytes of session */
static void
key_of(unsigned long i, unsigned char *key)
{
    memset(key, 0, 16);
    memcpy(key, "s", 1);
    memcpy(key + 1, &i, sizeof(i));
}


static double
put(const ocs_store_t *s, unsigned long i)
{
    double           t0;
    unsigned char    key[16];
    ocs_store_rec_t  rec;

    key_of(i, key);
    memset(&rec, 0, sizeof(rec));
    rec.first = bench_now(NULL);
    rec.expires = rec.first + 8 * 3600;

    t0 = now_us();
    s->lock(s->data);
    (void) s->put(s->data, key, sizeof(key), &rec);
    s->unlock(s->data);

    return now_us() - t0;
}


static double
drop(const ocs_store_t *s, unsigned long i)
{
    double         t0;
    unsigned char  key[16];

    key_of(i, key);

    t0 = now_us();
    s->lock(s->data);
    (void) s->remove(s->data, key, sizeof(key));
    s->unlock(s->data);

    return now_us() - t0;
}


/*
 * Deferred (the third argument "defer", as nginx does): the change that
 * finds the file doubled only lays the records out in memory; the job
 * runs here, 1,000 changes later (as a thread would while the worker
 * goes on), and its finish (what was written since, the rename) is
 * timed apart: the thread's write is not the loop's.
 */
static ocs_journal_job_t  *pending;
static size_t              since;
static double              run_us, done_us, close_us;


static int
bench_defer(void *data, ocs_journal_job_t *job)
{
    (void) data;

    pending = job;
    since = 0;

    return 0;
}


static void
settle(ocs_journal_t *j)
{
    int     fd;
    double  t0;

    if (pending == NULL || ++since < 1000) {
        return;
    }

    t0 = now_us();
    ocs_journal_job_run(pending);
    run_us = now_us() - t0;
    pending = NULL;

    t0 = now_us();
    fd = ocs_journal_job_done(j);
    done_us = now_us() - t0;

    t0 = now_us();
    if (fd != -1) {
        (void) close(fd);
    }
    close_us = now_us() - t0;
}


static void
phase(const char *what, double *t, size_t n, uint64_t bytes)
{
    qsort(t, n, sizeof(double), cmp);

    printf("%-6s %8zu changes: median %7.2f us, p99 %7.2f us, longest "
           "%9.1f us (a file of %.1f MB after)\n", what, n, t[n / 2],
           t[n * 99 / 100], t[n - 1], bytes / 1e6);

    if (done_us > 0) {
        printf("       the last rewrite's write and sync in its thread "
               "%.1f us, its finish on the loop %.1f us, the old file's "
               "close (a thread's) %.1f us\n", run_us, done_us, close_us);
        done_us = 0;
    }
}


int
main(int argc, char **argv)
{
    char                path[4096];
    void               *mem;
    size_t              i, n, count, rounds, size;
    double             *t;
    uint64_t            ino;
    struct stat         st;
    ocs_err_t           err;
    ocs_journal_t       j;
    ocs_journal_sh_t    sh;
    ocs_store_region_t  rg;

    if (argc < 3 || argc > 4 || (count = strtoul(argv[2], NULL, 10)) < 1000
        || (argc == 4 && strcmp(argv[3], "defer") != 0))
    {
        fprintf(stderr, "usage: journal-rewrite DIR COUNT [defer] "
                "(COUNT >= 1000)\n");
        return 2;
    }

    snprintf(path, sizeof(path), "%s/bench.state", argv[1]);
    (void) unlink(path);

    if (ocs_init() != OCS_OK) {
        return 2;
    }

    memset(&j, 0, sizeof(j));
    memset(&sh, 0, sizeof(sh));

    /* room for every record, and a quarter more */
    size = OCS_STORE_REGION_HEADER
           + (count + count / 4 + 16) * OCS_STORE_REGION_RECORD;
    mem = calloc(1, size);
    if (mem == NULL) {
        return 2;
    }

    rg.lock = no_lock;
    rg.unlock = no_lock;
    rg.arg = NULL;
    rg.env = &env;

    if (ocs_store_region_open(&j.inner, &rg, mem, size & ~(size_t) 7, 1,
                              NULL)
        != OCS_OK)
    {
        return 2;
    }

    j.sh = &sh;
    j.env = &env;
    j.report = bench_report;

    if (argc == 4) {
        j.defer = bench_defer;
    }

    if (ocs_journal_open(&j, path, &err) != OCS_OK) {
        fprintf(stderr, "journal-rewrite: %s\n", err.text);
        return 2;
    }

    t = malloc(sizeof(double) * count * 4);
    if (t == NULL) {
        return 2;
    }

    /* the fill: the file is written again each time it doubles */
    for (i = 0; i < count; i++) {
        t[i] = put(&j.store, i);
        settle(&j);
    }

    (void) stat(path, &st);
    phase("fill", t, count, (uint64_t) st.st_size);

    /* churn until the file was written again twice: a rewrite leaves
       the file at its live records' size, which the churn doubles */
    for (rounds = 0; rounds < 2; rounds++) {
        ino = sh.ino;            /* a rewrite renames a new file over */
        n = 0;

        while (sh.ino == ino && n < count * 4 - 1) {
            t[n++] = drop(&j.store, i - count);
            settle(&j);
            t[n++] = put(&j.store, i);
            settle(&j);
            i++;
        }

        (void) stat(path, &st);
        phase("churn", t, n, (uint64_t) st.st_size);
    }

    printf("live records %zu, file written again at %llu bytes\n",
           count, (unsigned long long) sh.base);

    ocs_journal_close(&j);
    (void) unlink(path);
    free(t);
    free(mem);

    return 0;
}
