/*
 * A libFuzzer target for the user file (ocs_userfile_lookup): the input
 * is the name to look up, a newline, and the file, which the target
 * writes to a temporary file (there is no in-memory parser):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include \
 *       core/test/fuzz/fuzz_userfile.c core/src/ocs_*.c -lcrypto -lssl \
 *       -lcrypt -lldap -llber -lkrb5 -lgssapi_krb5 -lcurl -ljansson \
 *       -lunistring -lpthread -o fuzz_userfile
 *   ./fuzz_userfile -dict=core/test/fuzz/fuzz_userfile.dict \
 *       core/test/fuzz/corpus/fuzz_userfile
 *
 * Every field that comes back is NUL-terminated inside its buffer, a
 * user found has a hash, and the first bad line lies in the file.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ocs/ocs_userfile.h>


static char  path[64];


static void
done(void)
{
    (void) unlink(path);
}


static void
check_field(const char *s, size_t size)
{
    if (memchr(s, '\0', size) == NULL) {
        abort();
    }
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int                    rc;
    FILE                  *f;
    size_t                 i, lines, nlen;
    ocs_err_t              err;
    const char            *nl;
    ocs_userfile_entry_t   entry;

    /* the file lives in memory where it can: a disk write per input
     * took most of the time */
    if (path[0] == '\0') {
        (void) snprintf(path, sizeof(path), "%s/fuzz_userfile.%ld",
                        access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
                        (long) getpid());
        atexit(done);
    }

    if (size > 65536) {
        return 0;
    }

    nl = memchr(data, '\n', size);

    if (nl == NULL) {
        return 0;
    }

    nlen = (size_t) (nl - (const char *) data);

    f = fopen(path, "w");

    if (f == NULL) {
        abort();
    }

    if (fwrite(nl + 1, 1, size - nlen - 1, f) != size - nlen - 1) {
        abort();
    }

    (void) fclose(f);

    lines = 1;

    for (i = nlen + 1; i < size; i++) {
        lines += (data[i] == '\n');
    }

    memset(&entry, 0x5a, sizeof(entry));

    rc = ocs_userfile_lookup(path, (const char *) data, nlen, &entry, &err);

    if (rc != OCS_OK) {
        if (rc != OCS_ERR_INVALID && rc != OCS_ERR_SYS) {
            abort();
        }

        return 0;
    }

    check_field(entry.name, sizeof(entry.name));
    check_field(entry.hash, sizeof(entry.hash));
    check_field(entry.totp, sizeof(entry.totp));

    if (entry.found && entry.hash[0] == '\0') {
        abort();
    }

    if (entry.bad_lines > 0
        && (entry.bad == NULL || entry.bad_line == 0
            || entry.bad_line > lines || entry.bad_lines > lines))
    {
        abort();
    }

    return 0;
}
