/*
 * A libFuzzer target for form bodies (ocs_codec.h): field extraction,
 * percent and base64url coding, the form's Content-Type and HTML
 * escaping.  Every value extracted is NUL-terminated within its buffer
 * and as long as it says; what is encoded decodes back to itself; HTML
 * escaping leaves no markup character.
 */

#include <stdlib.h>
#include <string.h>

#include <ocs/ocs_codec.h>


static const char  *fields[] = {
    "username", "password", "csrf", "return", "state", "code", "f",
    "computer", "", "a"
};


static void
field(const char *body, size_t len, const char *name, size_t outlen)
{
    int      rc;
    char    *out;
    size_t   w;

    out = malloc(outlen);
    if (out == NULL) {
        abort();
    }

    w = 0;
    rc = ocs_form_field(body, len, name, out, outlen, &w);

    if (rc == OCS_OK && (w >= outlen || out[w] != '\0' || strlen(out) != w)) {
        abort();
    }

    free(out);
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    size_t       i, w, w2, cap;
    char        *enc, *dec;
    const char  *body = (const char *) data;

    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        field(body, size, fields[i], 1);
        field(body, size, fields[i], 16);
        field(body, size, fields[i], 1024);
    }

    (void) ocs_form_type_ok(body, size);

    cap = 3 * size + 1;
    enc = malloc(cap);
    dec = malloc(cap);
    if (enc == NULL || dec == NULL) {
        abort();
    }

    /* percent decoding, both ways */
    if (ocs_pct_decode(body, size, 1, dec, size, &w) == OCS_OK
        && (w > size || memchr(dec, '\0', w) != NULL))
    {
        abort();
    }

    (void) ocs_pct_decode(body, size, 0, dec, size, &w);

    /* percent encoding round trip (without NUL bytes, which decoding
       refuses) */
    if (memchr(body, '\0', size) == NULL) {
        if (ocs_pct_encode(body, size, enc, cap, &w) != OCS_OK
            || ocs_pct_decode(enc, w, 0, dec, cap, &w2) != OCS_OK
            || w2 != size || memcmp(dec, body, size) != 0)
        {
            abort();
        }
    }

    /* base64url round trip */
    if (ocs_b64url_encode(data, size, enc, cap, &w) != OCS_OK
        || w != ocs_b64url_len(size)
        || ocs_b64url_decode(enc, w, (unsigned char *) dec, cap, &w2)
           != OCS_OK
        || w2 != size || memcmp(dec, data, size) != 0)
    {
        abort();
    }

    if (ocs_b64url_decode(body, size, (unsigned char *) dec, cap, &w)
        == OCS_OK)
    {
        /* decoding then encoding gives the text back, if it is canonical */
        if (w > size
            || ocs_b64url_encode((unsigned char *) dec, w, enc, cap, &w2)
               != OCS_OK
            || w2 != size)
        {
            abort();
        }
    }

    free(enc);
    enc = malloc(6 * size + 1);
    if (enc == NULL) {
        abort();
    }

    if (ocs_html_escape(body, size, enc, 6 * size + 1, &w) == OCS_OK) {
        for (i = 0; i < w; i++) {
            if (enc[i] == '<' || enc[i] == '>' || enc[i] == '"'
                || enc[i] == '\'')
            {
                abort();
            }
        }
    }

    free(enc);
    free(dec);

    return 0;
}
