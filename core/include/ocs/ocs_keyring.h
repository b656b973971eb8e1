/*
 * Key rings and their keyed contexts.
 *
 * A ring holds up to OCS_KEYRING_MAX keys: the first seals, every key
 * opens.  Each 32-byte key is never used directly; HKDF-SHA256 derives
 * from it a ticket key (AES-256-GCM), a CSRF key (HMAC-SHA256) and a
 * public 4-byte key id that travels in clear in a sealed ticket.
 *
 * Key rings are plain memory: no handle needs destroying, but
 * ocs_keyring_wipe() must run before a ring's memory is released.
 *
 * Opening a ticket is on the hot path of every protected request.  An
 * ocs_ticket_cache_t holds AES-256-GCM and HMAC contexts keyed once per
 * key of a ring, so that each ticket only sets a nonce and each CSRF
 * token only resets a MAC; without one, every call keys a fresh context
 * (about ten times the cost under OpenSSL 3).  Tickets (ocs_ticket.h)
 * and CSRF tokens (ocs_csrf.h) take a cache or NULL.
 */

#ifndef OCS_KEYRING_H
#define OCS_KEYRING_H


#include <ocs/ocs.h>


#define OCS_KEY_LEN            32
#define OCS_KEY_ID_LEN          4
#define OCS_KEYRING_MAX         8


typedef struct {
    unsigned char   id[OCS_KEY_ID_LEN];
    unsigned char   ticket[OCS_KEY_LEN];
    unsigned char   csrf[OCS_KEY_LEN];
} ocs_key_t;


typedef struct {
    size_t          n;
    ocs_key_t       keys[OCS_KEYRING_MAX];
} ocs_keyring_t;


/*
 * Adds a raw key of OCS_KEY_LEN bytes to the end of the ring, deriving
 * its subkeys.  The caller keeps raw (and wipes it).
 * Returns OCS_OK, OCS_ERR_INVALID (wrong length), OCS_ERR_SPACE (ring
 * full) or OCS_ERR_SYS.  Not thread-safe for one ring.
 */
int ocs_keyring_add(ocs_keyring_t *ring, const unsigned char *raw,
    size_t len, ocs_err_t *err);

/*
 * Parses a key file: one key a line, 32 bytes in standard base64 (as
 * "openssl rand -base64 32" prints) or 64 hex digits; blank lines and
 * lines starting with '#' are skipped.  The ring is reset first; the
 * caller keeps text (and wipes it).
 * Returns OCS_OK, or OCS_ERR_INVALID with the line number in err.
 */
int ocs_keyring_parse(ocs_keyring_t *ring, const char *text, size_t len,
    ocs_err_t *err);

/* wipes every key of the ring; the ring is empty afterwards */
void ocs_keyring_wipe(ocs_keyring_t *ring);


typedef struct ocs_ticket_cache_s  ocs_ticket_cache_t;

/*
 * Keys one cipher context and one CSRF HMAC context per key of ring.
 * The cache belongs to that ring's current keys (it must be made again
 * when the ring changes) and to one thread at a time; the caller
 * destroys it.  Returns NULL (and err) when OpenSSL fails.
 */
ocs_ticket_cache_t *ocs_ticket_cache_create(const ocs_keyring_t *ring,
    ocs_err_t *err);

/* frees the contexts, wiping their key schedules; NULL is fine */
void ocs_ticket_cache_destroy(ocs_ticket_cache_t *cache);


#endif /* OCS_KEYRING_H */
