/*
 * A libFuzzer target for the state file of a store (ocs_journal.h),
 * which a zone reads back at every start.  The input, after a header
 * of the current version, is the file: ocs_journal_open() reads it
 * into a small in-memory store with a frozen clock, and a file it finds
 * bad or torn it writes again from the store.  Oracles: every record
 * the decoder takes encodes again to the same bytes, of a length that
 * is a multiple of 8 within what was given; and after the first open,
 * a second open of a fresh store reads the file without a report and
 * holds the same records, in the same order.
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ocs/ocs_journal.h>


#define FUZZ_NOW  1700000000


typedef struct {
    unsigned char   buf[64 * 1024];
    size_t          len;
} fuzz_dump_t;


static int64_t
fuzz_now(void *data)
{
    (void) data;
    return FUZZ_NOW;
}


static int
fuzz_random(void *data, unsigned char *buf, size_t len)
{
    (void) data;
    memset(buf, 7, len);
    return OCS_OK;
}


static const ocs_env_t  fuzz_env = { fuzz_now, fuzz_random, NULL };

static int              reports;


static void
fuzz_report(void *data, int level, const ocs_err_t *err)
{
    (void) data;
    (void) level;
    (void) err;
    reports++;
}


static int
fuzz_dump_one(void *arg, const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec)
{
    fuzz_dump_t  *d = arg;

    if (d->len + len + sizeof(*rec) + 2 > sizeof(d->buf)) {
        abort();
    }

    d->buf[d->len++] = (unsigned char) len;
    d->buf[d->len++] = (unsigned char) (len >> 8);
    memcpy(d->buf + d->len, key, len);
    d->len += len;
    memcpy(d->buf + d->len, &rec->value, sizeof(rec->value));
    d->len += sizeof(rec->value);
    memcpy(d->buf + d->len, &rec->expires, sizeof(rec->expires));
    d->len += sizeof(rec->expires);

    return OCS_STORE_NEXT;
}


static void
fuzz_decode_all(const unsigned char *data, size_t size)
{
    size_t             used, n;
    ocs_journal_rec_t  r;
    unsigned char      again[OCS_JOURNAL_REC_MAX];

    while (size > 0) {
        if (ocs_journal_decode(data, size, &r, &used) != OCS_OK) {
            return;
        }

        if (used > size || used % 8 != 0 || used < OCS_JOURNAL_REC_MIN) {
            abort();
        }

        n = ocs_journal_encode(again, sizeof(again), &r);

        if (n != used || memcmp(again, data, n) != 0) {
            abort();
        }

        data += used;
        size -= used;
    }
}


/* opens a fresh store of 16 records on the file; its records into *d */
static int
fuzz_open(const char *path, fuzz_dump_t *d)
{
    int               rc;
    ocs_err_t         err;
    ocs_store_t       mem;
    ocs_journal_t     j;
    ocs_journal_sh_t  sh;

    if (ocs_store_mem_create(&mem, 16, &fuzz_env) != OCS_OK) {
        abort();
    }

    memset(&j, 0, sizeof(j));
    memset(&sh, 0, sizeof(sh));
    j.inner = mem;
    j.sh = &sh;
    j.env = &fuzz_env;
    j.report = fuzz_report;
    j.rewrite_min = 1;

    rc = ocs_journal_open(&j, path, &err);

    d->len = 0;

    if (rc == OCS_OK) {
        mem.walk(mem.data, fuzz_dump_one, d);
        ocs_journal_close(&j);
    }

    ocs_store_mem_destroy(&mem);

    return rc;
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int                  fd;
    uint32_t             version;
    const char          *dir;
    static char          path[256];
    static fuzz_dump_t   first, second;
    unsigned char        hdr[OCS_JOURNAL_HEADER];

    fuzz_decode_all(data, size);

    if (path[0] == '\0') {
        /* TMPDIR on a tmpfs (tools/fuzz-long) spares the disk's syncs */
        dir = getenv("TMPDIR");
        if (dir == NULL || dir[0] == '\0'
            || strlen(dir) > sizeof(path) - 32)
        {
            dir = "/tmp";
        }

        snprintf(path, sizeof(path), "%s/fuzz_journal.%ld", dir,
                 (long) getpid());
    }

    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd == -1) {
        abort();
    }

    memset(hdr, 0, sizeof(hdr));
    memcpy(hdr, "OCSJ", 4);
    version = 1;
    memcpy(hdr + 4, &version, sizeof(version));

    if (write(fd, hdr, sizeof(hdr)) != (ssize_t) sizeof(hdr)
        || (size > 0 && write(fd, data, size) != (ssize_t) size))
    {
        abort();
    }

    close(fd);

    reports = 0;

    if (fuzz_open(path, &first) != OCS_OK) {
        abort();                    /* a header of ours is always taken */
    }

    /* whatever the first found, the file it leaves reads back clean */
    reports = 0;

    if (fuzz_open(path, &second) != OCS_OK || reports != 0
        || first.len != second.len
        || memcmp(first.buf, second.buf, first.len) != 0)
    {
        abort();
    }

    (void) unlink(path);

    return 0;
}
