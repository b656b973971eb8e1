/*
 * A libFuzzer target for the raw request-target check (ocs_path_check):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include \
 *       core/test/fuzz/fuzz_path.c core/src/ocs_path.c \
 *       core/src/ocs_core.c -o fuzz_path
 *   ./fuzz_path -dict=core/test/fuzz/fuzz_path.dict \
 *       core/test/fuzz/corpus/fuzz_path
 *
 * The oracle: an accepted path starts with "/", decodes once to a path
 * with no "%" left (so a second decoding changes nothing), no "\", no
 * NUL or control character, no separator that came from an escape, and
 * no segment of dots and spaces with a dot in it (Windows drops
 * trailing dots and spaces); *at is the path's length.  A
 * refused one says why, at an offset inside the target.
 */

#include <stdlib.h>
#include <string.h>

#include <ocs/ocs_path.h>


static int
hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


static void
check_segment(const unsigned char *seg, size_t len)
{
    int     dot;
    size_t  i;

    dot = 0;

    for (i = 0; i < len; i++) {
        if (seg[i] != '.' && seg[i] != ' ') {
            return;
        }

        dot |= (seg[i] == '.');
    }

    if (dot) {
        abort();                /* ".", "..", ". ." (Windows drops them) */
    }
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int              h, l;
    char            *target;
    size_t           i, n, at, plen, seg;
    unsigned char    c;
    ocs_path_why_t   why;
    static unsigned char  dec[65536];

    if (size > sizeof(dec)) {
        return 0;
    }

    target = malloc(size ? size : 1);

    if (target == NULL) {
        return 0;
    }

    memcpy(target, data, size);

    why = (ocs_path_why_t) -1;
    at = (size_t) -1;

    if (ocs_path_check(target, size, &why, &at) != OCS_OK) {
        if (why == OCS_PATH_FINE || at > size
            || ocs_path_reason(why) == NULL)
        {
            abort();
        }

        free(target);
        return 0;
    }

    for (plen = 0; plen < size; plen++) {
        if (data[plen] == '?' || data[plen] == '#') {
            break;
        }
    }

    if (why != OCS_PATH_FINE || at != plen || plen == 0 || data[0] != '/') {
        abort();
    }

    n = 0;
    seg = 1;

    for (i = 0; i < plen; i++) {
        c = data[i];

        if (c == '/') {
            check_segment(dec + seg, n - seg);
            dec[n++] = '/';
            seg = n;
            continue;
        }

        if (c == '%') {
            if (i + 2 >= plen || (h = hexval(data[i + 1])) < 0
                || (l = hexval(data[i + 2])) < 0)
            {
                abort();
            }

            c = (unsigned char) (h << 4 | l);
            i += 2;

            if (c == '/' || c == '\\' || c == '%') {
                abort();
            }
        }

        if (c == '\\' || c < 0x20 || c == 0x7f) {
            abort();
        }

        dec[n++] = c;
    }

    check_segment(dec + seg, n - seg);

    free(target);

    return 0;
}
