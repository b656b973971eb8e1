/*
 * The keyed contexts of a key ring: made in ocs_keyring.c, used by
 * ocs_ticket.c (tickets) and ocs_csrf.c (CSRF tokens).  Private to the
 * core library.
 */

#ifndef OCS_KEYRING_INT_H
#define OCS_KEYRING_INT_H


#include <openssl/evp.h>

#include <ocs/ocs_keyring.h>


struct ocs_ticket_cache_s {
    size_t            n;
    EVP_CIPHER_CTX   *seal;
    EVP_CIPHER_CTX   *open[OCS_KEYRING_MAX];
    EVP_MAC_CTX      *csrf[OCS_KEYRING_MAX];   /* HMAC-SHA256, keyed */
};


#endif /* OCS_KEYRING_INT_H */
