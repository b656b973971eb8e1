/*
 * Key rings: parsing key files, deriving subkeys with HKDF-SHA256
 * (RFC 5869), and the contexts keyed once per key of a ring.
 */

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ocs/ocs_codec.h>
#include <ocs/ocs_keyring.h>

#include "ocs_keyring_int.h"


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


ocs_ticket_cache_t *
ocs_ticket_cache_create(const ocs_keyring_t *ring, ocs_err_t *err)
{
    size_t               i;
    EVP_MAC             *hmac;
    OSSL_PARAM           params[2];
    ocs_ticket_cache_t  *cache;

    cache = OPENSSL_zalloc(sizeof(ocs_ticket_cache_t));
    if (cache == NULL) {
        ocs_err(err, OCS_ERR_SYS, "out of memory");
        return NULL;
    }

    hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (hmac == NULL) {
        goto failed;
    }

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *) "SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();

    for (i = 0; i < ring->n; i++) {
        cache->open[i] = EVP_CIPHER_CTX_new();

        if (cache->open[i] == NULL
            || EVP_DecryptInit_ex(cache->open[i], EVP_aes_256_gcm(), NULL,
                                  ring->keys[i].ticket, NULL) != 1)
        {
            goto failed;
        }

        cache->csrf[i] = EVP_MAC_CTX_new(hmac);

        if (cache->csrf[i] == NULL
            || EVP_MAC_init(cache->csrf[i], ring->keys[i].csrf, OCS_KEY_LEN,
                            params) != 1)
        {
            goto failed;
        }

        cache->n++;
    }

    EVP_MAC_free(hmac);
    hmac = NULL;

    if (ring->n > 0) {
        cache->seal = EVP_CIPHER_CTX_new();

        if (cache->seal == NULL
            || EVP_EncryptInit_ex(cache->seal, EVP_aes_256_gcm(), NULL,
                                  ring->keys[0].ticket, NULL) != 1)
        {
            goto failed;
        }
    }

    return cache;

failed:

    EVP_MAC_free(hmac);
    ocs_ticket_cache_destroy(cache);
    ocs_err(err, OCS_ERR_SYS, "cannot key AES-256-GCM and HMAC contexts");

    return NULL;
}


void
ocs_ticket_cache_destroy(ocs_ticket_cache_t *cache)
{
    size_t  i;

    if (cache == NULL) {
        return;
    }

    for (i = 0; i < OCS_KEYRING_MAX; i++) {
        EVP_CIPHER_CTX_free(cache->open[i]);
        EVP_MAC_CTX_free(cache->csrf[i]);
    }

    EVP_CIPHER_CTX_free(cache->seal);
    OPENSSL_free(cache);
}
