/*
 * The keyed contexts of a key ring, shared by ocs_ticket.c (tickets)
 * and ocs_keyring.c (CSRF tokens).  Private to the core library.
 */

#ifndef OCS_CACHE_H
#define OCS_CACHE_H


#include <openssl/evp.h>

#include <ocs/ocs_ticket.h>


struct ocs_ticket_cache_s {
    size_t            n;
    EVP_CIPHER_CTX   *seal;
    EVP_CIPHER_CTX   *open[OCS_KEYRING_MAX];
    EVP_MAC_CTX      *csrf[OCS_KEYRING_MAX];   /* HMAC-SHA256, keyed */
};


#endif /* OCS_CACHE_H */
