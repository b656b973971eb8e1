/*
 * A libFuzzer target for the Negotiate and NTLM Authorization header
 * (ocs_gss_token, ocs_gss_token_decode), and the NTLM fix-up applied to
 * what it decodes.  The first byte picks the size cap.  A token found
 * lies in the header after its scheme; it decodes into a buffer of
 * exactly tok.room bytes (AddressSanitizer catches a byte more) to at
 * most tok.size bytes, and the fix-up keeps the message in that buffer.
 */

#include <stdlib.h>
#include <string.h>

#include <ocs/ocs_gss.h>


static const size_t  caps[] = { 0, 1, 40, 64, 4096, 12288, 65536 };


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int               rc;
    size_t            max, n, len;
    unsigned char    *out;
    const char       *value;
    ocs_gss_token_t   tok;

    if (size == 0) {
        return 0;
    }

    max = caps[data[0] % (sizeof(caps) / sizeof(caps[0]))];
    value = (const char *) data + 1;
    len = size - 1;

    memset(&tok, 0, sizeof(tok));
    rc = ocs_gss_token(value, len, max, &tok);

    if (rc == OCS_ERR_NOTFOUND) {
        return 0;
    }

    if (rc == OCS_ERR_SPACE) {
        return 0;
    }

    if (rc != OCS_OK || tok.size > max || tok.room < tok.size
        || tok.room < 40 || tok.skip > len || tok.b64 < value + tok.skip
        || tok.b64 + tok.b64_len > value + len || tok.b64_len == 0)
    {
        abort();
    }

    out = malloc(tok.room);
    if (out == NULL) {
        abort();
    }

    n = 0;
    rc = ocs_gss_token_decode(&tok, out, tok.room, &n);

    if (rc == OCS_OK) {
        if (n > tok.size) {
            abort();
        }

        ocs_ntlm_fixup(out, &n, tok.room);

        if (n > tok.room) {
            abort();
        }

        /* one byte short of what it said it needs may not overflow */
        if (tok.size > 0) {
            (void) ocs_gss_token_decode(&tok, out, tok.size - 1, &n);
        }
    }

    free(out);

    return 0;
}
