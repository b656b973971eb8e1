/*
 * CSRF tokens: base64url of HMAC-SHA256 over a purpose, a zero byte and
 * a nonce, keyed with a ring's CSRF key (ocs_keyring.h).  The first key
 * makes tokens; every key verifies them.
 *
 * The purpose keeps the tokens of one form from being accepted by
 * another: each form or value that carries a token has its own.
 *
 * Pure functions: the caller owns every buffer.  cache is NULL or a
 * cache of this ring (its keyed HMAC contexts: about six times cheaper
 * than keying one per call), used by one thread at a time; with a NULL
 * cache the functions are thread-safe for a ring no one changes.
 */

#ifndef OCS_CSRF_H
#define OCS_CSRF_H


#include <ocs/ocs.h>
#include <ocs/ocs_keyring.h>


/* a token's length in characters, without a NUL */
#define OCS_CSRF_TOKEN_LEN  43

/* the purposes in use */
#define OCS_CSRF_SIGNIN         "signin"        /* the sign-in form */
#define OCS_CSRF_SECOND_STEP    "second step"   /* a second step's state */
#define OCS_CSRF_STEP_SIGNOUT   "step signout"  /* "sign out" on a step */
#define OCS_CSRF_LOGOFF_ADMIN   "logoff admin"  /* the logoff admin form */
#define OCS_CSRF_PAGE_NOTE      "page note"     /* a page's sealed note */


/*
 * Writes the token for purpose (NUL-terminated) and nonce into out,
 * NUL-terminated: outlen must be at least OCS_CSRF_TOKEN_LEN + 1.
 * Returns OCS_OK, OCS_ERR_NOTFOUND (empty ring), OCS_ERR_SPACE,
 * OCS_ERR_INVALID (purpose, its NUL and nonce over 128 bytes) or
 * OCS_ERR_SYS.
 */
int ocs_csrf_token(const ocs_keyring_t *ring, ocs_ticket_cache_t *cache,
    const char *purpose, const unsigned char *nonce, size_t nonce_len,
    char *out, size_t outlen, ocs_err_t *err);

/*
 * OCS_OK when token (token_len characters, no NUL needed) matches under
 * some key of the ring, else OCS_ERR_AUTH.  Every key is tried, in
 * constant time for each.
 */
int ocs_csrf_verify(const ocs_keyring_t *ring, ocs_ticket_cache_t *cache,
    const char *purpose, const unsigned char *nonce, size_t nonce_len,
    const char *token, size_t token_len);


#endif /* OCS_CSRF_H */
