/*
 * A libFuzzer target for attribute values as a directory returns them:
 * DNs (ocs_dn_first_value, ocs_dn_eq), memberOf group names as facts
 * (ocs_fact_id), SIP addresses (ocs_sip_uri_eq), AD bind diagnostics
 * and userAccountControl flags (ocs_acct_state_from_ad/_from_uac):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include \
 *       core/test/fuzz/fuzz_ldap_attr.c core/src/ocs_directory.c \
 *       core/src/ocs_core.c -lcrypto -o fuzz_ldap_attr
 *   ./fuzz_ldap_attr -dict=core/test/fuzz/fuzz_ldap_attr.dict \
 *       core/test/fuzz/corpus/fuzz_ldap_attr
 *
 * The input is two values separated by the first newline.  Oracles:
 * comparisons are symmetric and reflexive, a fact id does not depend on
 * case, every state is a known one with a name and a message.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <ocs/ocs_directory.h>


#define FUZZ_MAX  4096


static void
check_state(int state)
{
    if (state < 0 || state > OCS_ACCT_UNANSWERED
        || ocs_acct_state_name(state) == NULL
        || ocs_acct_state_message(state) == NULL)
    {
        abort();
    }
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    long         uac;
    char         value[FUZZ_MAX + 1], upper[FUZZ_MAX];
    size_t       i, alen, blen, w;
    const char  *a, *b, *nl;

    if (size > FUZZ_MAX) {
        return 0;
    }

    a = (const char *) data;
    nl = memchr(a, '\n', size);
    alen = nl ? (size_t) (nl - a) : size;
    b = nl ? nl + 1 : a;
    blen = nl ? size - alen - 1 : size;

    if (ocs_dn_first_value(a, alen, value, sizeof(value), &w) == OCS_OK) {
        if (w > alen || value[w] != '\0') {
            abort();
        }
    }

    if (ocs_dn_first_value(a, alen, value, 8, &w) == OCS_OK && w >= 8) {
        abort();
    }

    if (ocs_dn_eq(a, alen, b, blen) != ocs_dn_eq(b, blen, a, alen)) {
        abort();
    }

    if (!ocs_dn_eq(a, alen, a, alen)) {
        abort();
    }

    if (ocs_sip_uri_eq(a, alen, b, blen) != ocs_sip_uri_eq(b, blen, a, alen))
    {
        abort();
    }

    for (i = 0; i < alen; i++) {
        upper[i] = (char) toupper((unsigned char) a[i]);
    }

    if (ocs_fact_id("group", a, alen) != ocs_fact_id("group", upper, alen)) {
        abort();
    }

    check_state(ocs_acct_state_from_ad(a, alen));
    check_state(ocs_acct_state_from_ad((const char *) data, size));

    uac = 0;

    for (i = 0; i < size && i < sizeof(long); i++) {
        uac = (long) ((unsigned long) uac << 8 | data[i]);
    }

    check_state(ocs_acct_state_from_uac(uac));

    return 0;
}
