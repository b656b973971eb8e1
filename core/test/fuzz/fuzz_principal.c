/*
 * A libFuzzer target for user names and principals: ocs_username_parse
 * (DOMAIN\user, user@domain, bare), the lockout keys (ocs_username_key,
 * ocs_name_key), realm stripping (ocs_gss_strip_realm) and SIP URI
 * comparison (ocs_sip_uri_eq).  The parts of a parsed name lie in the
 * input and are not empty; keys fit their buffer of exactly
 * OCS_NAME_MAX bytes; stripping only shortens; the SIP comparison is
 * reflexive, symmetric and ignores a "sip:" prefix and case.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ocs/ocs_directory.h>
#include <ocs/ocs_gss.h>
#include <ocs/ocs_signin.h>


static void
in_input(const char *p, size_t len, const char *in, size_t inlen)
{
    if (p == NULL || len == 0 || p < in || p + len > in + inlen) {
        abort();
    }
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int              eq;
    char            *key, *copy, *sip, *b;
    size_t           w, n, half, i;
    const char      *in = (const char *) data;
    ocs_username_t   name;

    if (ocs_username_parse(in, size, &name) == OCS_OK) {
        in_input(name.user, name.user_len, in, size);

        if (name.domain != NULL) {
            in_input(name.domain, name.domain_len, in, size);

            if (name.domain_len + name.user_len + 1 != size) {
                abort();
            }

        } else if (name.user_len != size || name.upn) {
            abort();
        }
    }

    key = malloc(OCS_NAME_MAX);
    if (key == NULL) {
        abort();
    }

    if (ocs_username_key(in, size, key, OCS_NAME_MAX, &w) == OCS_OK
        && (w == 0 || w > OCS_NAME_MAX))
    {
        abort();
    }

    if (ocs_name_key(in, size, key, OCS_NAME_MAX, &w) == OCS_OK
        && w > OCS_NAME_MAX)
    {
        abort();
    }

    free(key);

    copy = malloc(size + 1);
    if (copy == NULL) {
        abort();
    }

    memcpy(copy, in, size);
    copy[size] = '\0';
    n = size;
    ocs_gss_strip_realm(copy, &n);

    if (n > size) {
        abort();
    }

    free(copy);

    /* SIP: the input against itself, its halves, and "sip:" + upper
       (an empty address equals nothing) */
    if (size == 0 || (size == 4 && strncasecmp(in, "sip:", 4) == 0)) {
        return 0;
    }

    if (ocs_sip_uri_eq(in, size, in, size) != 1) {
        abort();
    }

    /* a NUL ends nothing: "a\0b" is not "a\0c" */
    for (i = 0; i < size; i++) {
        if (data[i] == '\0' && i + 1 < size) {
            sip = malloc(size);
            if (sip == NULL) {
                abort();
            }

            memcpy(sip, in, size);
            sip[size - 1] ^= 1;
            if (ocs_sip_uri_eq(in, size, sip, size)) {
                abort();
            }

            free(sip);
            break;
        }
    }

    half = size / 2;
    eq = ocs_sip_uri_eq(in, half, in + half, size - half);
    if (eq != ocs_sip_uri_eq(in + half, size - half, in, half)) {
        abort();
    }

    sip = malloc(size + 4);
    if (sip == NULL) {
        abort();
    }

    b = sip;
    if (size < 4 || strncasecmp(in, "sip:", 4) != 0) {
        memcpy(sip, "SIP:", 4);
        b = sip + 4;
    }

    for (i = 0; i < size; i++) {
        b[i] = (char) ((data[i] >= 'a' && data[i] <= 'z') ? data[i] - 32
                                                          : data[i]);
    }

    if (ocs_sip_uri_eq(in, size, sip, (size_t) (b - sip) + size) != 1) {
        abort();
    }

    free(sip);

    return 0;
}
