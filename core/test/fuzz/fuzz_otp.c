/*
 * A libFuzzer target for the OTP validation server's JSON answer
 * (ocs_otp_result):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include \
 *       core/test/fuzz/fuzz_otp.c core/src/ocs_factor.c \
 *       core/src/ocs_core.c core/src/ocs_codec.c -lcrypto -lssl -lcurl \
 *       -ljansson -o fuzz_otp
 *   ./fuzz_otp -dict=core/test/fuzz/fuzz_otp.dict \
 *       core/test/fuzz/corpus/fuzz_otp
 *
 * The answer is read from an exact-size copy (no NUL after it).  Only
 * OCS_OK, OCS_ERR_AUTH and OCS_ERR_INVALID may come back; OCS_OK needs
 * the words "status" and "value" and two "true"s in the answer, and an
 * answer over 16 KiB is refused.
 */

#include <stdlib.h>
#include <string.h>

#include <ocs/ocs_factor.h>


static int
count(const char *s, size_t len, const char *word)
{
    int     n;
    size_t  i, wl;

    n = 0;
    wl = strlen(word);

    for (i = 0; i + wl <= len; i++) {
        n += (memcmp(s + i, word, wl) == 0);
    }

    return n;
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int         rc;
    char       *json;
    ocs_err_t   err;

    if (size > 20000) {
        return 0;
    }

    json = malloc(size ? size : 1);

    if (json == NULL) {
        return 0;
    }

    memcpy(json, data, size);

    rc = ocs_otp_result(json, size, &err);

    if (rc != OCS_OK && rc != OCS_ERR_AUTH && rc != OCS_ERR_INVALID) {
        abort();
    }

    if (rc == OCS_OK
        && (size > 16384 || count(json, size, "true") < 2
            || count(json, size, "\"status\"") < 1
            || count(json, size, "\"value\"") < 1
            || count(json, size, "\"result\"") < 1))
    {
        abort();
    }

    free(json);

    return 0;
}
