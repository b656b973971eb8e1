/*
 * A libFuzzer target for the connection-bound schemes
 * (ocs_pin_credentials, ocs_pin_challenge).  The oracle for credentials
 * restates ocs_pin.h: the token before the first blank (leading blanks
 * skipped), without case, is "NTLM" or "Negotiate"; and whenever
 * ocs_gss_token finds a token, the connection binds to its scheme.  A
 * challenge answer is one of the three values, and a list naming
 * Negotiate first (before any quoted string) reports Negotiate.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ocs/ocs_gss.h>
#include <ocs/ocs_pin.h>


static int
scheme(const char *v, size_t len)
{
    size_t  n;

    if (v == NULL) {
        return OCS_PIN_SCHEME_NONE;
    }

    while (len && (*v == ' ' || *v == '\t')) {
        v++;
        len--;
    }

    for (n = 0; n < len && v[n] != ' ' && v[n] != '\t'; n++) { /* void */ }

    if (n == 4 && strncasecmp(v, "NTLM", 4) == 0) {
        return OCS_PIN_SCHEME_NTLM;
    }

    if (n == 9 && strncasecmp(v, "Negotiate", 9) == 0) {
        return OCS_PIN_SCHEME_NEGOTIATE;
    }

    return OCS_PIN_SCHEME_NONE;
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int               c, p;
    const char       *v = (const char *) data;
    ocs_gss_token_t   tok;

    p = ocs_pin_credentials(v, size);

    if (p != scheme(v, size)) {
        abort();
    }

    if (ocs_gss_token(v, size, 65536, &tok) == OCS_OK
        && p != (tok.scheme == OCS_GSS_NTLM ? OCS_PIN_SCHEME_NTLM
                                            : OCS_PIN_SCHEME_NEGOTIATE))
    {
        abort();
    }

    if (ocs_pin_credentials(NULL, 0) != OCS_PIN_SCHEME_NONE) {
        abort();
    }

    c = ocs_pin_challenge(v, size);

    if (c != OCS_PIN_SCHEME_NONE && c != OCS_PIN_SCHEME_NTLM
        && c != OCS_PIN_SCHEME_NEGOTIATE)
    {
        abort();
    }

    if (size >= 10 && strncasecmp(v, "Negotiate", 9) == 0
        && (v[9] == ',' || v[9] == ' ')
        && c != OCS_PIN_SCHEME_NEGOTIATE)
    {
        abort();
    }

    return 0;
}
