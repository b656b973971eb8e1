/*
 * Sign-in helpers: user names and return URLs.  Password hashes are in
 * ocs_password.h, the embedded user file in ocs_userfile.h.
 *
 * Pure functions: thread-safe, no state kept between calls.
 */

#ifndef OCS_SIGNIN_H
#define OCS_SIGNIN_H


#include <ocs/ocs.h>


#define OCS_NAME_MAX    256
#define OCS_RETURN_MAX 2048


/* a user name as typed: DOMAIN\user, user@domain or a bare user */
typedef struct {
    const char   *domain;   /* NULL when no domain was given */
    size_t        domain_len;
    const char   *user;
    size_t        user_len;
    int           upn;      /* the user@domain form */
} ocs_username_t;

/*
 * Splits in (not NUL-terminated) into domain and user; the pointers point
 * into in.  Returns OCS_ERR_INVALID for an empty or over-long name, one
 * that is not UTF-8, control characters, characters directories ignore
 * (zero-width spaces and joiners, soft hyphens, the byte-order mark),
 * white space (U+00A0 and the other Unicode spaces too) at either end of
 * a part, more than one separator or an empty part.  Directories trim
 * and fold names when they match them: refusing what they would trim
 * keeps one account from having many spellings.
 */
int ocs_username_parse(const char *in, size_t len, ocs_username_t *name);

/*
 * The key a name counts under for lockouts: the user part of in (see
 * ocs_username_parse) as a lenient directory compares it, case folded,
 * NFKC-normalised ("ｎｏｒａ" is "nora") and with runs of spaces as
 * one, so that spellings of one name get one count.  A key longer than
 * OCS_NAME_MAX bytes is replaced by '#' and 32 hex digits of its
 * SHA-256.  out (at least OCS_NAME_MAX bytes) gets UTF-8, not
 * NUL-terminated.  Returns OCS_OK, OCS_ERR_INVALID or OCS_ERR_SPACE.
 */
int ocs_username_key(const char *in, size_t len, char *out, size_t outlen,
    size_t *written);

/* the same for a name as a directory returns it, unparsed */
int ocs_name_key(const char *in, size_t len, char *out, size_t outlen,
    size_t *written);


/*
 * Decides whether url may be used as a redirect target after sign-in.
 * Accepted: a path starting with a single "/", or an https:// URL whose
 * host[:port] equals host or one of the allowed names (compared without
 * case).  Refused: other schemes, "//" and "/\" starts (also after one
 * round of percent-decoding), backslashes, spaces and control characters
 * (control characters also after decoding), user info or escapes in the
 * host, and anything longer than OCS_RETURN_MAX.
 * Returns OCS_OK or OCS_ERR_INVALID.
 */
int ocs_return_url_check(const char *url, size_t len, const char *host,
    size_t host_len, const char *const *allowed, size_t nallowed);


#endif /* OCS_SIGNIN_H */
