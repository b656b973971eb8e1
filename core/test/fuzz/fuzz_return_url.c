/*
 * A libFuzzer target for the return-URL check (ocs_return_url_check),
 * seeded with known open-redirect payloads.  The oracle restates the
 * rule of ocs_signin.h independently: an accepted URL is a local path
 * that does not start a new authority (before or after one round of
 * percent-decoding), or an https URL whose authority is the proxy's host
 * or an allowed name; it never holds blanks, control characters,
 * backslashes or user info.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ocs/ocs_codec.h>
#include <ocs/ocs_signin.h>


#define HOST  "proxy.contoso.com"

static const char *const  allowed[] = { "app.contoso.com",
                                        "portal.contoso.com:8443" };


static int
hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}


/* the byte at i after one round of percent-decoding of the whole URL */
static int
decoded_at(const char *u, size_t len, size_t want)
{
    size_t  i, k;

    for (i = 0, k = 0; i < len; k++) {
        int  c = (unsigned char) u[i];

        if (c == '%' && i + 2 < len + 0 && hexval(u[i + 1]) >= 0
            && hexval(u[i + 2]) >= 0)
        {
            c = hexval(u[i + 1]) << 4 | hexval(u[i + 2]);
            i += 3;

        } else {
            i++;
        }

        if (k == want) {
            return c;
        }
    }

    return -1;
}


static int
authority_ok(const char *a, size_t alen)
{
    size_t  i;

    if (alen == strlen(HOST) && strncasecmp(a, HOST, alen) == 0) {
        return 1;
    }

    for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
        if (alen == strlen(allowed[i])
            && strncasecmp(a, allowed[i], alen) == 0)
        {
            return 1;
        }
    }

    return 0;
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int          c;
    size_t       i, alen;
    const char  *url = (const char *) data;

    if (ocs_return_url_check(url, size, HOST, strlen(HOST), allowed, 2)
        != OCS_OK)
    {
        (void) ocs_return_url_check(url, size, NULL, 0, NULL, 0);
        return 0;
    }

    if (size == 0 || size > OCS_RETURN_MAX) {
        abort();
    }

    for (i = 0; i < size; i++) {
        c = data[i];

        if (c <= 0x20 || c == 0x7f || c == '\\') {
            abort();
        }

        /* no control character hides behind an escape */
        c = decoded_at(url, size, i);
        if (c >= 0 && (c < 0x20 || c == 0x7f)) {
            abort();
        }
    }

    if (url[0] == '/') {
        if (size > 1 && (url[1] == '/' || decoded_at(url, size, 1) == '/'
                         || decoded_at(url, size, 1) == '\\'))
        {
            abort();
        }

        return 0;
    }

    if (size <= 8 || strncasecmp(url, "https://", 8) != 0) {
        abort();
    }

    for (alen = 0; 8 + alen < size; alen++) {
        c = url[8 + alen];

        if (c == '/' || c == '?' || c == '#') {
            break;
        }

        if (c == '@' || c == '%') {
            abort();
        }
    }

    if (!authority_ok(url + 8, alen)) {
        abort();
    }

    /* without a host or allowed names, only local paths pass */
    if (ocs_return_url_check(url, size, NULL, 0, NULL, 0) == OCS_OK) {
        abort();
    }

    return 0;
}
