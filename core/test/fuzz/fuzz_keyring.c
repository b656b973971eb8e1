/*
 * A libFuzzer target for the key-ring file parser (ocs_keyring_parse):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include \
 *       core/test/fuzz/fuzz_keyring.c core/src/ocs_keyring.c \
 *       core/src/ocs_core.c core/src/ocs_codec.c -lcrypto -o fuzz_keyring
 *   ./fuzz_keyring -dict=core/test/fuzz/fuzz_keyring.dict \
 *       core/test/fuzz/corpus/fuzz_keyring
 *
 * A successful parse holds between one and OCS_KEYRING_MAX keys; the
 * parse does not depend on what lies after the text; the ring is wiped
 * to empty.
 */

#include <stdlib.h>
#include <string.h>

#include <ocs/ocs_keyring.h>


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int             rc;
    char           *text;
    ocs_err_t       err;
    ocs_keyring_t   ring;

    if (size > 65536) {
        return 0;
    }

    /* an exact-size copy: ASan sees any read past the text */
    text = malloc(size ? size : 1);

    if (text == NULL) {
        return 0;
    }

    memcpy(text, data, size);
    memset(&ring, 0, sizeof(ring));

    rc = ocs_keyring_parse(&ring, text, size, &err);

    if (rc == OCS_OK && (ring.n == 0 || ring.n > OCS_KEYRING_MAX)) {
        abort();
    }

    if (rc != OCS_OK && rc != OCS_ERR_INVALID && rc != OCS_ERR_SPACE
        && rc != OCS_ERR_SYS)
    {
        abort();
    }

    ocs_keyring_wipe(&ring);

    if (ring.n != 0) {
        abort();
    }

    free(text);

    return 0;
}
