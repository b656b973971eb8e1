/*
 * Key rings: subkeys derived with HKDF-SHA256 (the expected values are
 * computed here with OpenSSL's own HKDF, not pasted), key files, and the
 * contexts keyed once per key.
 */

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <ocs_test.h>
#include <ocs/ocs_keyring.h>


static void
test_hkdf(void)
{
    size_t          outlen;
    EVP_PKEY_CTX   *pctx;
    ocs_keyring_t   ring;
    unsigned char   raw[OCS_KEY_LEN], want[32];

    memset(raw, 0x42, sizeof(raw));
    memset(&ring, 0, sizeof(ring));
    ok(ocs_keyring_add(&ring, raw, sizeof(raw), NULL) == OCS_OK, "add key");

    /* the ticket key is HKDF-SHA256(salt, raw, info): recompute it */
    pctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
    outlen = sizeof(want);
    ok(pctx != NULL
       && EVP_PKEY_derive_init(pctx) == 1
       && EVP_PKEY_CTX_set_hkdf_md(pctx, EVP_sha256()) == 1
       && EVP_PKEY_CTX_set1_hkdf_salt(pctx,
                                      (const unsigned char *) "ocs keyring v1",
                                      14) == 1
       && EVP_PKEY_CTX_set1_hkdf_key(pctx, raw, sizeof(raw)) == 1
       && EVP_PKEY_CTX_add1_hkdf_info(pctx,
                                (const unsigned char *) "ticket aes-256-gcm",
                                18) == 1
       && EVP_PKEY_derive(pctx, want, &outlen) == 1, "openssl hkdf");
    EVP_PKEY_CTX_free(pctx);

    ok(memcmp(ring.keys[0].ticket, want, 32) == 0,
       "ticket key is HKDF-SHA256 of the raw key");
    ok(memcmp(ring.keys[0].csrf, want, 32) != 0,
       "csrf key differs from ticket key");

    is_int(ocs_keyring_add(&ring, raw, 31, NULL), OCS_ERR_INVALID,
           "short raw key");
}


static void
test_keyring_parse(void)
{
    static const struct {
        const char  *text;
        int          rc;
        size_t       n;
        const char  *name;
    } cases[] = {
        { "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=\n", OCS_OK, 1,
          "one base64 key" },
        { "# comment\n\n  QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=  \r\n"
          "4343434343434343434343434343434343434343434343434343434343434343\n",
          OCS_OK, 2, "comments, blanks, CRLF, hex" },
        { "", OCS_ERR_INVALID, 0, "empty file" },
        { "# only comments\n", OCS_ERR_INVALID, 0, "no key" },
        { "QkJC\n", OCS_ERR_INVALID, 0, "short key" },
        { "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=\n",
          OCS_ERR_INVALID, 0, "long key" },
        { "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk-=\n", OCS_ERR_INVALID,
          0, "url alphabet in a base64 key" },
        { "434343434343434343434343434343434343434343434343434343434343434g\n",
          OCS_ERR_INVALID, 0, "bad hex digit" },
    };

    size_t          i;
    ocs_err_t       err;
    ocs_keyring_t   ring;
    char            nine[9 * 65 + 1];

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(ocs_keyring_parse(&ring, cases[i].text, strlen(cases[i].text),
                                 &err),
               cases[i].rc, "keyring parse: %s", cases[i].name);

        if (cases[i].rc == OCS_OK) {
            is_int(ring.n, cases[i].n, "keyring parse: %s: count",
                   cases[i].name);
        }
    }

    (void) ocs_keyring_parse(&ring, "# x\nQkJC\n", 9, &err);
    ok(strstr(err.text, "line 2") != NULL, "error names the line: %s",
       err.text);

    for (i = 0; i < 9; i++) {
        memset(nine + i * 65, 'a' + (char) i, 64);
        memset(nine + i * 65, '0' + (char) i, 1);
        nine[i * 65 + 64] = '\n';
    }

    is_int(ocs_keyring_parse(&ring, nine, 9 * 65, &err), OCS_ERR_INVALID,
           "keyring parse: more than eight keys");
}


static void
test_cache(void)
{
    ocs_keyring_t        ring;
    ocs_ticket_cache_t  *cache;
    unsigned char        raw[OCS_KEY_LEN];

    memset(&ring, 0, sizeof(ring));

    cache = ocs_ticket_cache_create(&ring, NULL);
    ok(cache != NULL, "cache of an empty ring");
    ocs_ticket_cache_destroy(cache);

    memset(raw, 0x42, sizeof(raw));
    (void) ocs_keyring_add(&ring, raw, sizeof(raw), NULL);
    (void) ocs_keyring_add(&ring, raw, sizeof(raw), NULL);

    cache = ocs_ticket_cache_create(&ring, NULL);
    ok(cache != NULL, "cache of a ring of two");
    ocs_ticket_cache_destroy(cache);
    ocs_ticket_cache_destroy(NULL);

    ocs_keyring_wipe(&ring);
    is_int(ring.n, 0, "wiped ring is empty");
}


int
main(void)
{
    if (ocs_init() != OCS_OK) {
        printf("Bail out! ocs_init failed\n");
        return 1;
    }

    test_hkdf();
    test_keyring_parse();
    test_cache();

    return ocs_test_done();
}
