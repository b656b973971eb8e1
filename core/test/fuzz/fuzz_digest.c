/*
 * A libFuzzer target for the Digest parser (ocs_digest_parse) and the
 * conference key file parser (ocs_conference_parse_line):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include \
 *       core/test/fuzz/fuzz_digest.c core/src/ocs_digest.c \
 *       core/src/ocs_conference.c \
 *       core/src/ocs_core.c core/src/ocs_codec.c core/src/ocs_csrf.c \
 *       core/src/ocs_keyring.c -lcrypto -lcurl -o fuzz_digest
 *   ./fuzz_digest -max_len=5000
 *
 * Every value a successful parse returns must lie inside the
 * credential's own buffer.
 */

#include <stdlib.h>
#include <string.h>

#include <ocs/ocs_digest.h>


static void
check(const ocs_digest_cred_t *cred, const ocs_digest_str_t *s)
{
    if (s->data != NULL
        && (s->data < cred->buf
            || s->data + s->len > cred->buf + sizeof(cred->buf)))
    {
        abort();
    }
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    ocs_err_t          err;
    ocs_conference_t   c;
    ocs_digest_cred_t  cred;

    if (ocs_digest_parse((const char *) data, size, &cred, &err) == OCS_OK) {
        check(&cred, &cred.username);
        check(&cred, &cred.realm);
        check(&cred, &cred.nonce);
        check(&cred, &cred.uri);
        check(&cred, &cred.response);
        check(&cred, &cred.algorithm);
        check(&cred, &cred.cnonce);
        check(&cred, &cred.opaque);
        check(&cred, &cred.qop);
        check(&cred, &cred.nc);
        check(&cred, &cred.userhash);
    }

    (void) ocs_conference_parse_line((const char *) data, size, "r", 1, &c,
                                     &err);

    return 0;
}
