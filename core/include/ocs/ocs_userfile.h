/*
 * The embedded user file: a user's line, its hash and options.
 *
 * ocs_userfile_lookup() blocks (the file is read from disk): nginx glue
 * runs it in a thread pool.  It is thread-safe and keeps no state
 * between calls.
 */

#ifndef OCS_USERFILE_H
#define OCS_USERFILE_H


#include <ocs/ocs.h>
#include <ocs/ocs_password.h>
#include <ocs/ocs_signin.h>


#define OCS_TOTP_FIELD_MAX  256

/* the longest user file line, without its "\n" or "\r\n" */
#define OCS_USERFILE_LINE_MAX  1023


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


#endif /* OCS_USERFILE_H */
