/*
 * CSRF tokens: the HMAC of purpose and nonce under the first key,
 * verified under every key, with and without a context cache.
 */

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ocs_test.h>
#include <ocs_test_ring.h>
#include <ocs/ocs_codec.h>
#include <ocs/ocs_csrf.h>
#include <ocs/ocs_keyring.h>


#define VERIFY(ring, ...)  ocs_csrf_verify(&ring, C(&ring), __VA_ARGS__)


static void
test_csrf(void)
{
    ocs_err_t       err;
    ocs_keyring_t   one, rotated, other;
    char            tok[OCS_CSRF_TOKEN_LEN + 1], bad[OCS_CSRF_TOKEN_LEN + 1];
    unsigned char   nonce[16], md[32];
    unsigned int    mdlen;
    size_t          n;
    char            want[64];

    make_ring(&one, (const unsigned char *) "\x01", 1);
    make_ring(&rotated, (const unsigned char *) "\x02\x01", 2);
    make_ring(&other, (const unsigned char *) "\x03", 1);
    memset(nonce, 7, sizeof(nonce));

    ok(ocs_csrf_token(&one, C(&one), "signin", nonce, sizeof(nonce), tok,
                      sizeof(tok), &err) == OCS_OK, "csrf token");
    is_int(strlen(tok), OCS_CSRF_TOKEN_LEN, "csrf token length");

    /* recompute: HMAC-SHA256(csrf key, "signin" NUL nonce) */
    {
        unsigned char  msg[7 + 16];

        memcpy(msg, "signin", 7);
        memcpy(msg + 7, nonce, 16);
        (void) HMAC(EVP_sha256(), one.keys[0].csrf, 32, msg, sizeof(msg), md,
                    &mdlen);
        (void) ocs_b64url_encode(md, 32, want, sizeof(want), &n);
    }

    ok(memcmp(tok, want, n) == 0, "csrf token is the HMAC of purpose and "
       "nonce");

    ok(VERIFY(one, "signin", nonce, 16, tok, strlen(tok))
       == OCS_OK, "verify");
    ok(VERIFY(rotated, "signin", nonce, 16, tok, strlen(tok))
       == OCS_OK, "verify after rotation");
    is_int(VERIFY(other, "signin", nonce, 16, tok, strlen(tok)),
           OCS_ERR_AUTH, "other key");
    is_int(VERIFY(one, "logoff", nonce, 16, tok, strlen(tok)),
           OCS_ERR_AUTH, "other purpose");
    nonce[0] ^= 1;
    is_int(VERIFY(one, "signin", nonce, 16, tok, strlen(tok)),
           OCS_ERR_AUTH, "other nonce");
    nonce[0] ^= 1;

    memcpy(bad, tok, sizeof(bad));
    bad[5] = bad[5] == 'x' ? 'y' : 'x';
    is_int(VERIFY(one, "signin", nonce, 16, bad, strlen(bad)),
           OCS_ERR_AUTH, "tampered token");
    is_int(VERIFY(one, "signin", nonce, 16, tok, 10),
           OCS_ERR_AUTH, "truncated token");
    is_int(VERIFY(one, "signin", nonce, 16, "", 0),
           OCS_ERR_AUTH, "empty token");

    /* a context used many times over still gives the first answer */
    ok(ocs_csrf_token(&one, C(&one), "signin", nonce, sizeof(nonce), bad,
                      sizeof(bad), &err) == OCS_OK
       && strcmp(bad, tok) == 0, "csrf token again: the same");
}


int
main(void)
{
    if (ocs_init() != OCS_OK) {
        printf("Bail out! ocs_init failed\n");
        return 1;
    }

    test_csrf();
    use_cache = 1;
    test_csrf();
    drop_caches();

    return ocs_test_done();
}
