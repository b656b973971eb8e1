/*
 * Sign-in helpers: user names, return URLs, password hashes and the
 * embedded user file.
 *
 * ocs_password_* and ocs_userfile_lookup() block (hashing is slow on
 * purpose, the user file is read from disk): nginx glue runs them in a
 * thread pool.  They are thread-safe and keep no state between calls.
 */

#ifndef OCS_SIGNIN_H
#define OCS_SIGNIN_H


#include <ocs/ocs.h>


#define OCS_NAME_MAX    256
#define OCS_TOTP_FIELD_MAX  256
#define OCS_HASH_MAX    256
#define OCS_RETURN_MAX 2048

/* the longest user file line, without its "\n" or "\r\n" */
#define OCS_USERFILE_LINE_MAX  1023


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


/* size of the scratch memory that the password functions need */
size_t ocs_password_work_size(void);

/*
 * Checks password against a crypt(5) hash: yescrypt ($y$), sha512-crypt
 * ($6$) and whatever else libcrypt accepts, except the weak DES, MD5 and
 * NT hashes, which count as OCS_ERR_INVALID.  work must be
 * ocs_password_work_size() bytes; it is wiped before returning.
 * Returns OCS_OK, OCS_ERR_AUTH or OCS_ERR_INVALID.
 */
int ocs_password_verify(const char *password, const char *hash, void *work);

/*
 * Hashes password with method "yescrypt" (the default when NULL) or
 * "sha512" into out, NUL-terminated.  Returns OCS_OK, OCS_ERR_INVALID,
 * OCS_ERR_SPACE or OCS_ERR_SYS.
 */
int ocs_password_hash(const char *password, const char *method,
    const ocs_env_t *env, char *out, size_t outlen, void *work,
    ocs_err_t *err);


typedef struct {
    int     found;                      /* the name is in the file */
    int     unusable;                   /* ...but with no usable hash */
    char    name[OCS_NAME_MAX + 1];     /* the name as the file spells it */
    char    hash[OCS_HASH_MAX + 1];     /* its hash, or a decoy's */
    char    totp[OCS_TOTP_FIELD_MAX + 1];   /* "totp=" field, or "" */

    /* lines refused on the way: the first one's number and fault */
    size_t         bad_lines;       /* how many; 0: none */
    size_t         bad_line;        /* the first, counted from 1 */
    const char    *bad;             /* "holds a NUL byte", ...: static */
} ocs_userfile_entry_t;

/*
 * Looks up a user in a user file: lines "name:hash", '#' comments, names
 * compared without case.  Fields after the hash, separated by ':', are
 * options; "totp=SECRET" is the user's TOTP secret (see ocs_totp_parse),
 * copied into entry->totp for the user found.  A DOMAIN\user or
 * user@domain name that is not in the file as typed is looked up by its
 * user part.
 *
 * Lines end in "\n" or "\r\n" (the last one may have neither); blank
 * lines and comments are skipped.  A line that cannot be right is
 * refused, never cut or joined to the next: one with a NUL byte, one
 * longer than OCS_USERFILE_LINE_MAX bytes, one without ':', with an
 * empty name or with a name over OCS_NAME_MAX bytes.  entry->bad_lines
 * counts those the lookup read (it stops at the user's line), and
 * entry->bad_line and entry->bad tell the first one's number and fault,
 * for the caller to log; the line itself is never copied out.
 *
 * When the name is not found, entry->hash gets the hash of the first
 * usable line as a decoy, so that the caller can spend the same time
 * hashing for unknown and known users (the same time only when every
 * line uses the same scheme and cost).  A name whose line has a weak or
 * unknown hash is not found, with unusable set so the caller can say so.
 * Returns OCS_OK (see found),
 * OCS_ERR_INVALID (bad name, or a file with no usable line) or
 * OCS_ERR_SYS (cannot read the file).
 */
int ocs_userfile_lookup(const char *path, const char *name, size_t len,
    ocs_userfile_entry_t *entry, ocs_err_t *err);


#endif /* OCS_SIGNIN_H */
