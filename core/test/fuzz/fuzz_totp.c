/*
 * A libFuzzer target for TOTP secrets and codes: ocs_base32_decode,
 * ocs_totp_parse, ocs_totp_code and ocs_totp_verify:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include \
 *       core/test/fuzz/fuzz_totp.c core/src/ocs_factor.c \
 *       core/src/ocs_core.c core/src/ocs_codec.c -lcrypto -lssl -lcurl \
 *       -ljansson -o fuzz_totp
 *   ./fuzz_totp -dict=core/test/fuzz/fuzz_totp.dict \
 *       core/test/fuzz/corpus/fuzz_totp
 *
 * The input is a secret spec, a newline, and a code.  A secret that
 * parses has a length, 6 or 8 digits and a step; the code it makes for
 * a counter has that many digits and verifies at that step.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocs/ocs_factor.h>


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char            code[16];
    size_t          slen, w;
    uint32_t        c;
    uint64_t        counter, got;
    ocs_totp_t      totp;
    const char     *spec, *nl, *typed;
    unsigned char   raw[256];

    if (size > 4096) {
        return 0;
    }

    spec = (const char *) data;
    nl = memchr(spec, '\n', size);
    slen = nl ? (size_t) (nl - spec) : size;
    typed = nl ? nl + 1 : spec;

    if (ocs_base32_decode(spec, slen, raw, sizeof(raw), &w) == OCS_OK
        && w > sizeof(raw))
    {
        abort();
    }

    (void) ocs_base32_decode(spec, slen, raw, 3, &w);

    memset(&totp, 0, sizeof(totp));

    if (ocs_totp_parse(spec, slen, &totp) != OCS_OK) {
        return 0;
    }

    if (totp.secret_len == 0 || totp.secret_len > sizeof(totp.secret)
        || (totp.digits != 6 && totp.digits != 8) || totp.step <= 0)
    {
        abort();
    }

    (void) ocs_totp_verify(&totp, typed, size - (size_t) (typed - spec),
                           1700000000, 1, &got);

    counter = 1700000000 / (uint64_t) totp.step;

    if (ocs_totp_code(&totp, counter, &c) != OCS_OK) {
        abort();
    }

    (void) snprintf(code, sizeof(code), "%0*u", totp.digits, (unsigned) c);

    if (strlen(code) != (size_t) totp.digits) {
        abort();
    }

    if (ocs_totp_verify(&totp, code, strlen(code), 1700000000, 0, &got)
        != OCS_OK || got != counter)
    {
        abort();
    }

    return 0;
}
