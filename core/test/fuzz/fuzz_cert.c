/*
 * A libFuzzer target for client-certificate identities from DER and PEM
 * (ocs_cert_identity_der, ocs_cert_identity_pem):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include \
 *       core/test/fuzz/fuzz_cert.c core/src/ocs_factor.c \
 *       core/src/ocs_core.c core/src/ocs_codec.c -lcrypto -lssl -lcurl \
 *       -ljansson -o fuzz_cert
 *   ./fuzz_cert -dict=core/test/fuzz/fuzz_cert.dict \
 *       core/test/fuzz/corpus/fuzz_cert
 *
 * The first byte picks the form (bit 0: PEM) and the source (bits 1-2:
 * none, UPN, e-mail, CN); the rest is the certificate, read from an
 * exact-size copy.  An identity that comes back is NUL-terminated in
 * the buffer with no control character; a buffer too small for it is
 * refused with OCS_ERR_SPACE, never cut.
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <ocs/ocs_factor.h>


static int
identity(int pem, const unsigned char *in, size_t len, int source,
    char *out, size_t outlen)
{
    if (pem) {
        return ocs_cert_identity_pem((const char *) in, len, source, out,
                                     outlen);
    }

    return ocs_cert_identity_der(in, len, source, out, outlen);
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int             rc, pem, source;
    char            out[1024], small[4];
    size_t          i, n;
    unsigned char  *cert;

    if (size < 1 || size > 16384) {
        return 0;
    }

    pem = data[0] & 1;
    source = (data[0] >> 1) & 3;
    n = size - 1;

    cert = malloc(n ? n : 1);

    if (cert == NULL) {
        return 0;
    }

    memcpy(cert, data + 1, n);

    rc = identity(pem, cert, n, source, out, sizeof(out));

    if (rc == OCS_OK) {
        if (memchr(out, '\0', sizeof(out)) == NULL || source == OCS_CERT_NONE)
        {
            abort();
        }

        for (i = 0; out[i] != '\0'; i++) {
            if ((unsigned char) out[i] < 0x20 || out[i] == 0x7f) {
                abort();
            }
        }

        rc = identity(pem, cert, n, source, small, sizeof(small));

        if (i >= sizeof(small) ? rc != OCS_ERR_SPACE : rc != OCS_OK) {
            abort();
        }

    } else if (rc != OCS_ERR_NOTFOUND && rc != OCS_ERR_INVALID
               && rc != OCS_ERR_SPACE)
    {
        abort();
    }

    free(cert);

    /*
     * OpenSSL keeps a failed parse's error strings for the thread until
     * a later error reuses them: mallocs and frees never balance within
     * one input, so libFuzzer would run a whole-heap leak check after
     * nearly every one (most of the time went there).  Freeing the
     * thread's state here balances them; a real leak still shows.
     */
    OPENSSL_thread_stop();

    return 0;
}
