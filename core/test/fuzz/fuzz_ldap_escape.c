/*
 * A libFuzzer target for RFC 4515 escaping (ocs_ldap_escape) and DN
 * value un-escaping (ocs_dn_first_value):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include \
 *       core/test/fuzz/fuzz_ldap_escape.c core/src/ocs_directory.c \
 *       core/src/ocs_core.c -lcrypto -o fuzz_ldap_escape
 *   ./fuzz_ldap_escape -dict=core/test/fuzz/fuzz_ldap_escape.dict \
 *       core/test/fuzz/corpus/fuzz_ldap_escape
 *
 * The oracle: the escaped value holds no raw '*', '(', ')', '\' or NUL
 * except as the start of a "\xx" escape, un-escapes back to the input,
 * and "(uid=" escaped ")" has balanced parentheses.  A DN "CN=" value
 * built from the input with every special character backslash-escaped
 * gives the input back from ocs_dn_first_value().
 */

#include <stdlib.h>
#include <string.h>

#include <ocs/ocs_directory.h>


#define FUZZ_MAX  4096


static int
hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }

    return -1;
}


static void
check_escape(const char *in, size_t len)
{
    int     depth, h, l;
    char    filter[3 * FUZZ_MAX + 16], back[FUZZ_MAX];
    size_t  i, n, w;
    static char  out[3 * FUZZ_MAX + 1];

    if (ocs_ldap_escape(in, len, out, sizeof(out), &w) != OCS_OK) {
        abort();
    }

    if (w >= sizeof(out) || out[w] != '\0' || strlen(out) != w) {
        abort();
    }

    /* too small a buffer: refused, never overrun */
    if (w > 0
        && ocs_ldap_escape(in, len, out, w, &n) != OCS_ERR_SPACE)
    {
        abort();
    }

    (void) ocs_ldap_escape(in, len, out, sizeof(out), &w);

    n = 0;

    for (i = 0; i < w; i++) {
        if (out[i] == '*' || out[i] == '(' || out[i] == ')') {
            abort();
        }

        if (out[i] == '\\') {
            if (i + 2 >= w || (h = hexval(out[i + 1])) < 0
                || (l = hexval(out[i + 2])) < 0)
            {
                abort();
            }

            back[n++] = (char) (h << 4 | l);
            i += 2;
            continue;
        }

        back[n++] = out[i];
    }

    if (n != len || memcmp(back, in, len) != 0) {
        abort();
    }

    memcpy(filter, "(uid=", 5);
    memcpy(filter + 5, out, w);
    filter[5 + w] = ')';
    depth = 0;

    for (i = 0; i < w + 6; i++) {
        if (filter[i] == '(') {
            depth++;

        } else if (filter[i] == ')') {
            if (--depth < 0) {
                abort();
            }
        }
    }

    if (depth != 0) {
        abort();
    }
}


static void
check_dn(const char *in, size_t len)
{
    char    dn[2 * FUZZ_MAX + 32], value[FUZZ_MAX + 1];
    size_t  i, n, w;

    /* the raw input as a DN: whatever comes out fits and ends */
    if (ocs_dn_first_value(in, len, value, sizeof(value), &w) == OCS_OK) {
        if (w >= sizeof(value) || value[w] != '\0') {
            abort();
        }
    }

    (void) ocs_dn_eq(in, len, in, len);

    /* the input as an escaped CN value: it must come back */
    n = 0;
    memcpy(dn, "CN=", 3);
    n = 3;

    for (i = 0; i < len; i++) {
        if (in[i] == '\0') {
            return;
        }

        if (strchr(",+\"\\<>;=#", in[i]) != NULL
            || (in[i] == ' ' && (i == 0 || i == len - 1)))
        {
            dn[n++] = '\\';
        }

        dn[n++] = in[i];
    }

    memcpy(dn + n, ",OU=Groups,DC=contoso,DC=com", 28);
    n += 28;

    if (len == 0) {
        return;
    }

    if (ocs_dn_first_value(dn, n, value, sizeof(value), &w) != OCS_OK) {
        return;
    }

    if (w != len || memcmp(value, in, len) != 0) {
        abort();
    }
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size > FUZZ_MAX) {
        return 0;
    }

    check_escape((const char *) data, size);
    check_dn((const char *) data, size);

    return 0;
}
