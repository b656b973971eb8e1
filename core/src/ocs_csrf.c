/*
 * CSRF tokens: an HMAC-SHA256 under a ring's CSRF keys over a purpose
 * and a nonce.
 */

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ocs/ocs_codec.h>
#include <ocs/ocs_csrf.h>

#include "ocs_keyring_int.h"


/*
 * The MAC of key number k of ring: with the cache's keyed context when
 * there is one (a reset, not a fresh key schedule and algorithm fetch),
 * else with a one-shot HMAC().
 */
static int
ocs_csrf_mac(const ocs_keyring_t *ring, ocs_ticket_cache_t *cache, size_t k,
    const char *purpose, const unsigned char *nonce, size_t nonce_len,
    unsigned char *md)
{
    int             rc;
    size_t          plen, outl;
    unsigned int    mlen;
    EVP_MAC_CTX    *ctx;
    unsigned char   msg[128];

    /* the NUL after the purpose keeps purposes and nonces apart */
    plen = strlen(purpose) + 1;

    if (plen + nonce_len > sizeof(msg)) {
        return OCS_ERR_INVALID;
    }

    memcpy(msg, purpose, plen);
    memcpy(msg + plen, nonce, nonce_len);

    rc = OCS_OK;
    ctx = (cache != NULL && k < cache->n) ? cache->csrf[k] : NULL;

    if (ctx != NULL) {
        if (EVP_MAC_init(ctx, NULL, 0, NULL) != 1
            || EVP_MAC_update(ctx, msg, plen + nonce_len) != 1
            || EVP_MAC_final(ctx, md, &outl, 32) != 1
            || outl != 32)
        {
            rc = OCS_ERR_SYS;
        }

    } else if (HMAC(EVP_sha256(), ring->keys[k].csrf, OCS_KEY_LEN, msg,
                    plen + nonce_len, md, &mlen)
               == NULL || mlen != 32)
    {
        rc = OCS_ERR_SYS;
    }

    ocs_wipe(msg, sizeof(msg));

    return rc;
}


int
ocs_csrf_token(const ocs_keyring_t *ring, ocs_ticket_cache_t *cache,
    const char *purpose, const unsigned char *nonce, size_t nonce_len,
    char *out, size_t outlen, ocs_err_t *err)
{
    int             rc;
    size_t          n;
    unsigned char   md[32];

    if (ring->n == 0) {
        return ocs_err(err, OCS_ERR_NOTFOUND, "the key ring is empty");
    }

    if (outlen < OCS_CSRF_TOKEN_LEN + 1) {
        return ocs_err(err, OCS_ERR_SPACE, "csrf token buffer too small");
    }

    rc = ocs_csrf_mac(ring, cache, 0, purpose, nonce, nonce_len, md);
    if (rc != OCS_OK) {
        return ocs_err(err, rc, "HMAC failed");
    }

    (void) ocs_b64url_encode(md, sizeof(md), out, outlen, &n);
    out[n] = '\0';
    ocs_wipe(md, sizeof(md));

    return OCS_OK;
}


int
ocs_csrf_verify(const ocs_keyring_t *ring, ocs_ticket_cache_t *cache,
    const char *purpose, const unsigned char *nonce, size_t nonce_len,
    const char *token, size_t token_len)
{
    int             ok;
    size_t          i, n;
    unsigned char   md[32], given[32];

    if (token_len != OCS_CSRF_TOKEN_LEN
        || ocs_b64url_decode(token, token_len, given, sizeof(given), &n)
           != OCS_OK
        || n != sizeof(given))
    {
        return OCS_ERR_AUTH;
    }

    ok = 0;

    for (i = 0; i < ring->n; i++) {
        if (ocs_csrf_mac(ring, cache, i, purpose, nonce, nonce_len, md)
            == OCS_OK
            && ocs_memeq_ct(md, given, sizeof(md)) == 0)
        {
            ok = 1;
        }
    }

    ocs_wipe(md, sizeof(md));

    return ok ? OCS_OK : OCS_ERR_AUTH;
}
