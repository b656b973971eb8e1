/*
 * Pinned pass-through (ocs_pin.h): which credentials and challenges
 * bind a pair, and the limits' arithmetic.
 */

#include "ocs_test.h"

#include <ocs/ocs_pin.h>


typedef struct {
    const char  *value;
    int          scheme;
} pin_case_t;


static void
test_credentials(void)
{
    size_t  i;

    static const pin_case_t  cases[] = {
        { "NTLM TlRMTVNTUAABAAAAB4IIog==", OCS_PIN_SCHEME_NTLM },
        { "ntlm TlRMTVNTUAABAAAA", OCS_PIN_SCHEME_NTLM },
        { "Negotiate YIIGhgYGKwYBBQUCoIIGejCC", OCS_PIN_SCHEME_NEGOTIATE },
        { "NEGOTIATE oYIB", OCS_PIN_SCHEME_NEGOTIATE },
        { "  NTLM\tabc", OCS_PIN_SCHEME_NTLM },
        { "NTLM", OCS_PIN_SCHEME_NTLM },
        { "Basic YWxpY2U6cHc=", OCS_PIN_SCHEME_NONE },
        { "Bearer eyJ", OCS_PIN_SCHEME_NONE },
        { "NTLMX abc", OCS_PIN_SCHEME_NONE },
        { "NTL abc", OCS_PIN_SCHEME_NONE },
        { "Negotiat abc", OCS_PIN_SCHEME_NONE },
        { "NegotiateX", OCS_PIN_SCHEME_NONE },
        { "Digest username=\"NTLM\"", OCS_PIN_SCHEME_NONE },
        { "", OCS_PIN_SCHEME_NONE },
        { "   ", OCS_PIN_SCHEME_NONE },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(ocs_pin_credentials(cases[i].value, strlen(cases[i].value)),
               cases[i].scheme, "credentials: \"%s\"", cases[i].value);
    }

    is_int(ocs_pin_credentials(NULL, 0), OCS_PIN_SCHEME_NONE,
           "credentials: none");

    /* the length counts, not a NUL */
    is_int(ocs_pin_credentials("NTLMX", 4), OCS_PIN_SCHEME_NTLM,
           "credentials: len bounds the value");
}


static void
test_challenge(void)
{
    size_t  i;

    static const pin_case_t  cases[] = {
        { "NTLM", OCS_PIN_SCHEME_NTLM },
        { "Negotiate", OCS_PIN_SCHEME_NEGOTIATE },
        { "negotiate oYGyMIGvoAMKAQ==", OCS_PIN_SCHEME_NEGOTIATE },
        { "NTLM TlRMTVNTUAACAAAADAAMADgAAAA=", OCS_PIN_SCHEME_NTLM },
        { "Negotiate, NTLM", OCS_PIN_SCHEME_NEGOTIATE },
        { "NTLM, Negotiate", OCS_PIN_SCHEME_NEGOTIATE },
        { "Basic realm=\"x\", NTLM", OCS_PIN_SCHEME_NTLM },
        { "Basic realm=\"a, NTLM\"", OCS_PIN_SCHEME_NONE },
        { "Basic realm=\"a\\\", NTLM\"", OCS_PIN_SCHEME_NONE },
        { "Basic realm=\"x\", charset=\"UTF-8\"", OCS_PIN_SCHEME_NONE },
        { "Digest realm=\"r\", NTLM=1", OCS_PIN_SCHEME_NONE },
        { "Bearer", OCS_PIN_SCHEME_NONE },
        { "NTLMv2", OCS_PIN_SCHEME_NONE },
        { " ,  , NTLM ,", OCS_PIN_SCHEME_NTLM },
        { "", OCS_PIN_SCHEME_NONE },
        { "\"NTLM", OCS_PIN_SCHEME_NONE },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(ocs_pin_challenge(cases[i].value, strlen(cases[i].value)),
               cases[i].scheme, "challenge: \"%s\"", cases[i].value);
    }

    is_int(ocs_pin_challenge(NULL, 0), OCS_PIN_SCHEME_NONE,
           "challenge: none");
}


static void
test_binds(void)
{
    ok(ocs_pin_binds(OCS_PIN_SCHEME_NTLM, 401, OCS_PIN_SCHEME_NTLM),
       "binds: NTLM credentials, 401 with a challenge");
    ok(ocs_pin_binds(OCS_PIN_SCHEME_NTLM, 200, OCS_PIN_SCHEME_NONE),
       "binds: NTLM credentials, 200");
    ok(ocs_pin_binds(OCS_PIN_SCHEME_NEGOTIATE, 0, OCS_PIN_SCHEME_NONE),
       "binds: Negotiate credentials, before any response");
    ok(ocs_pin_binds(OCS_PIN_SCHEME_NONE, 401, OCS_PIN_SCHEME_NEGOTIATE),
       "binds: no credentials, a 401 offering Negotiate");
    ok(!ocs_pin_binds(OCS_PIN_SCHEME_NONE, 200, OCS_PIN_SCHEME_NTLM),
       "binds: a challenge on a 200 does not");
    ok(!ocs_pin_binds(OCS_PIN_SCHEME_NONE, 407, OCS_PIN_SCHEME_NTLM),
       "binds: a 407 does not");
    ok(!ocs_pin_binds(OCS_PIN_SCHEME_NONE, 401, OCS_PIN_SCHEME_NONE),
       "binds: a Basic 401 does not");
    ok(!ocs_pin_binds(OCS_PIN_SCHEME_NONE, 0, OCS_PIN_SCHEME_NONE),
       "binds: nothing, nothing");
}


static void
test_limits(void)
{
    ocs_err_t         err;
    ocs_pin_limits_t  l;

    ocs_pin_limits_default(&l);

    is_int(l.max, OCS_PIN_MAX_DEFAULT, "default: max");
    is_int(l.requests, OCS_PIN_REQUESTS_DEFAULT, "default: requests");
    is_int(l.idle, OCS_PIN_IDLE_DEFAULT, "default: idle");
    is_int(ocs_pin_limits_check(&l, &err), OCS_OK, "default: valid");

    l.max = 0;
    is_int(ocs_pin_limits_check(&l, &err), OCS_ERR_INVALID, "max=0: invalid");
    ok(strstr(err.text, "max=0") != NULL, "max=0: said");

    l.max = OCS_PIN_MAX_LIMIT + 1;
    is_int(ocs_pin_limits_check(&l, &err), OCS_ERR_INVALID,
           "max over the limit: invalid");

    l.max = OCS_PIN_MAX_LIMIT;
    is_int(ocs_pin_limits_check(&l, &err), OCS_OK, "max at the limit: valid");

    l.requests = 0;
    is_int(ocs_pin_limits_check(&l, &err), OCS_ERR_INVALID,
           "requests=0: invalid");
    ok(strstr(err.text, "requests=0") != NULL, "requests=0: said");

    /* an NTLM sign-in's three legs must fit in one pair */
    l.requests = 2;
    is_int(ocs_pin_limits_check(&l, &err), OCS_ERR_INVALID,
           "requests=2: invalid");
    ok(strstr(err.text, "3 requests") != NULL, "requests=2: why said");

    l.requests = 3;
    is_int(ocs_pin_limits_check(&l, &err), OCS_OK, "requests=3: valid");

    l.idle = 0;
    is_int(ocs_pin_limits_check(&l, &err), OCS_ERR_INVALID, "idle=0: invalid");

    l.idle = OCS_PIN_IDLE_LIMIT + 1;
    is_int(ocs_pin_limits_check(&l, &err), OCS_ERR_INVALID,
           "idle over a day: invalid");

    l.idle = 1;
    is_int(ocs_pin_limits_check(&l, NULL), OCS_OK, "idle=1ms: valid");

    /* admission: max pairs at once */

    l.max = 2;
    is_int(ocs_pin_admit(&l, 0), OCS_PIN_ADMIT, "admit: none in use");
    is_int(ocs_pin_admit(&l, 1), OCS_PIN_ADMIT, "admit: one of two");
    is_int(ocs_pin_admit(&l, 2), OCS_PIN_FULL, "admit: two of two: full");
    is_int(ocs_pin_admit(&l, 3), OCS_PIN_FULL, "admit: over: full");

    /* requests per pair: the n-th request of requests=n is the last */

    l.requests = 3;
    is_int(ocs_pin_after(&l, 1), OCS_PIN_KEEP, "after: 1 of 3 keeps");
    is_int(ocs_pin_after(&l, 2), OCS_PIN_KEEP, "after: 2 of 3 keeps");
    is_int(ocs_pin_after(&l, 3), OCS_PIN_LAST, "after: 3 of 3 is the last");
    is_int(ocs_pin_after(&l, 4), OCS_PIN_LAST, "after: over is the last");

    l.requests = 1;
    is_int(ocs_pin_after(&l, 1), OCS_PIN_LAST,
           "after: requests=1, the first is the last");
}


int
main(void)
{
    test_credentials();
    test_challenge();
    test_binds();
    test_limits();

    return ocs_test_done();
}
