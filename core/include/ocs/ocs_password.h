/*
 * Password hashes: crypt(5) through libxcrypt.
 *
 * ocs_password_verify() and ocs_password_hash() block (hashing is slow
 * on purpose): nginx glue runs them in a thread pool.  Every function
 * is thread-safe and keeps no state between calls.
 */

#ifndef OCS_PASSWORD_H
#define OCS_PASSWORD_H


#include <ocs/ocs.h>


#define OCS_HASH_MAX    256


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


/*
 * Whether hash (len bytes) is of a modern crypt(5) scheme (yescrypt,
 * gost-yescrypt, scrypt, sha512-crypt, sha256-crypt, bcrypt) and no
 * longer than OCS_HASH_MAX: 1 when it is, else 0.  Pure.
 */
int ocs_password_usable(const char *hash, size_t len);


#endif /* OCS_PASSWORD_H */
