/*
 * A libFuzzer target for the Cookie header picker (ocs_cookie.h): the
 * first byte gives the length of a cookie name taken from the input (0:
 * "ocs_ticket"), the rest is a Cookie header.  Every value found lies in
 * the header, the positions move forwards, and removing the name leaves
 * a header no longer than the input in which the name is not found any
 * more and from which removing it again removes nothing.
 */

#include <stdlib.h>
#include <string.h>

#include <ocs/ocs_cookie.h>


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int                 rc;
    char               *out, *again;
    size_t              nlen, len, pos, prev, vlen, n, w, w2, removed, r2;
    const char         *name, *header, *value;
    ocs_cookie_name_t   names[2];

    if (size == 0) {
        return 0;
    }

    nlen = data[0] % 32;
    if (nlen > size - 1) {
        nlen = size - 1;
    }

    name = (const char *) data + 1;
    header = name + nlen;

    if (nlen == 0) {
        name = "ocs_ticket";
        nlen = strlen(name);
    }

    len = size - (size_t) (header - (const char *) data);

    (void) ocs_cookie_host_prefixed(name, nlen);

    pos = 0;
    n = 0;

    for ( ;; ) {
        prev = pos;
        rc = ocs_cookie_next(header, len, name, nlen, &pos, &value, &vlen);
        if (rc != OCS_OK) {
            break;
        }

        if (pos <= prev || pos > len || value < header
            || value + vlen > header + len || ++n > len)
        {
            abort();
        }
    }

    names[0].name = name;
    names[0].len = nlen;
    names[1].name = "ocs_csrf";
    names[1].len = 8;

    out = malloc(len + 1);
    again = malloc(len + 1);
    if (out == NULL || again == NULL) {
        abort();
    }

    /* counting only */
    if (ocs_cookie_remove(header, len, names, 2, NULL, 0, &w, &removed)
        == OCS_OK && removed == 0 && w != 0 && len != 0 && n != 0)
    {
        abort();
    }

    if (ocs_cookie_remove(header, len, names, 2, out, len, &w, &removed)
        != OCS_OK
        || w > len || removed < n)
    {
        abort();
    }

    pos = 0;
    if (ocs_cookie_next(out, w, name, nlen, &pos, &value, &vlen) == OCS_OK) {
        abort();
    }

    if (ocs_cookie_remove(out, w, names, 2, again, w, &w2, &r2) != OCS_OK
        || r2 != 0 || w2 != w || memcmp(out, again, w) != 0)
    {
        abort();
    }

    free(out);
    free(again);

    return 0;
}
