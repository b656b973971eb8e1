/*
 * Key rings: parsing key files, deriving subkeys with HKDF-SHA256
 * (RFC 5869) and the CSRF tokens made from them.
 */

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ocs/ocs_codec.h>
#include <ocs/ocs_ticket.h>

#include "ocs_cache.h"


#define OCS_HKDF_SALT  "ocs keyring v1"


static int ocs_hkdf(const unsigned char *prk, const char *info,
    unsigned char *out, size_t len);
static int ocs_keyring_decode_line(const char *line, size_t len,
    unsigned char *raw, size_t *raw_len);


int
ocs_keyring_add(ocs_keyring_t *ring, const unsigned char *raw, size_t len,
    ocs_err_t *err)
{
    int             rc;
    ocs_key_t      *key;
    unsigned int    prk_len;
    unsigned char   prk[EVP_MAX_MD_SIZE], id[32];

    if (len != OCS_KEY_LEN) {
        return ocs_err(err, OCS_ERR_INVALID, "a key must be %d bytes, not %zu",
                       OCS_KEY_LEN, len);
    }

    if (ring->n == OCS_KEYRING_MAX) {
        return ocs_err(err, OCS_ERR_SPACE, "more than %d keys",
                       OCS_KEYRING_MAX);
    }

    /* HKDF-Extract */
    if (HMAC(EVP_sha256(), OCS_HKDF_SALT, sizeof(OCS_HKDF_SALT) - 1, raw, len,
             prk, &prk_len)
        == NULL)
    {
        return ocs_err(err, OCS_ERR_SYS, "HMAC() failed");
    }

    key = &ring->keys[ring->n];

    rc = ocs_hkdf(prk, "ticket aes-256-gcm", key->ticket, OCS_KEY_LEN);
    if (rc == OCS_OK) {
        rc = ocs_hkdf(prk, "csrf hmac-sha256", key->csrf, OCS_KEY_LEN);
    }

    if (rc == OCS_OK) {
        rc = ocs_hkdf(prk, "key id", id, sizeof(id));
    }

    ocs_wipe(prk, sizeof(prk));

    if (rc != OCS_OK) {
        ocs_wipe(key, sizeof(ocs_key_t));
        return ocs_err(err, rc, "HKDF failed");
    }

    memcpy(key->id, id, OCS_KEY_ID_LEN);
    ring->n++;

    return OCS_OK;
}


/* HKDF-Expand for at most one block, which is all the subkeys need */
static int
ocs_hkdf(const unsigned char *prk, const char *info, unsigned char *out,
    size_t len)
{
    size_t          ilen;
    unsigned int    mlen;
    unsigned char   msg[64], md[EVP_MAX_MD_SIZE];

    ilen = strlen(info);

    if (len > 32 || ilen + 1 > sizeof(msg)) {
        return OCS_ERR_INVALID;
    }

    memcpy(msg, info, ilen);
    msg[ilen] = 0x01;

    if (HMAC(EVP_sha256(), prk, 32, msg, ilen + 1, md, &mlen) == NULL) {
        return OCS_ERR_SYS;
    }

    memcpy(out, md, len);
    ocs_wipe(md, sizeof(md));

    return OCS_OK;
}


int
ocs_keyring_parse(ocs_keyring_t *ring, const char *text, size_t len,
    ocs_err_t *err)
{
    int             rc;
    size_t          line, n, raw_len;
    const char     *p, *end, *eol, *q;
    unsigned char   raw[64];

    ocs_keyring_wipe(ring);

    p = text;
    end = text + len;

    for (line = 1; p < end; line++, p = eol + 1) {
        eol = memchr(p, '\n', (size_t) (end - p));
        if (eol == NULL) {
            eol = end;
        }

        /* trim */
        while (p < eol && (*p == ' ' || *p == '\t')) {
            p++;
        }

        for (q = eol; q > p && (q[-1] == ' ' || q[-1] == '\t'
                                || q[-1] == '\r'); q--)
        {
            /* void */
        }

        n = (size_t) (q - p);

        if (n == 0 || *p == '#') {
            continue;
        }

        rc = ocs_keyring_decode_line(p, n, raw, &raw_len);

        if (rc != OCS_OK || raw_len != OCS_KEY_LEN) {
            ocs_wipe(raw, sizeof(raw));
            ocs_keyring_wipe(ring);
            return ocs_err(err, OCS_ERR_INVALID,
                           "line %zu: a key must be 32 random bytes in base64 "
                           "or hex", line);
        }

        rc = ocs_keyring_add(ring, raw, raw_len, err);
        ocs_wipe(raw, sizeof(raw));

        if (rc != OCS_OK) {
            ocs_keyring_wipe(ring);
            return ocs_err(err, rc, "line %zu: %s", line,
                           rc == OCS_ERR_SPACE ? "too many keys"
                                               : "cannot derive the key");
        }
    }

    if (ring->n == 0) {
        return ocs_err(err, OCS_ERR_INVALID, "no key in the file");
    }

    return OCS_OK;
}


static int
ocs_keyring_decode_line(const char *line, size_t len, unsigned char *raw,
    size_t *raw_len)
{
    int     hi, lo, rc;
    char    b64[64];
    size_t  i;

    if (len == 2 * OCS_KEY_LEN) {
        for (i = 0; i < OCS_KEY_LEN; i++) {
            hi = line[2 * i];
            lo = line[2 * i + 1];

            hi = (hi >= '0' && hi <= '9') ? hi - '0'
                 : ((hi | 0x20) >= 'a' && (hi | 0x20) <= 'f')
                   ? (hi | 0x20) - 'a' + 10 : -1;
            lo = (lo >= '0' && lo <= '9') ? lo - '0'
                 : ((lo | 0x20) >= 'a' && (lo | 0x20) <= 'f')
                   ? (lo | 0x20) - 'a' + 10 : -1;

            if (hi < 0 || lo < 0) {
                return OCS_ERR_INVALID;
            }

            raw[i] = (unsigned char) (hi << 4 | lo);
        }

        *raw_len = OCS_KEY_LEN;
        return OCS_OK;
    }

    /* standard base64 with padding: map onto the url alphabet */
    while (len > 0 && line[len - 1] == '=') {
        len--;
    }

    if (len > sizeof(b64)) {
        return OCS_ERR_INVALID;
    }

    for (i = 0; i < len; i++) {
        b64[i] = line[i] == '+' ? '-' : line[i] == '/' ? '_'
                 : (line[i] == '-' || line[i] == '_') ? '!' : line[i];
    }

    rc = ocs_b64url_decode(b64, len, raw, 64, raw_len);
    ocs_wipe(b64, sizeof(b64));

    return rc;
}


void
ocs_keyring_wipe(ocs_keyring_t *ring)
{
    ocs_wipe(ring, sizeof(ocs_keyring_t));
}


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
