/*
 * Password hashes through libxcrypt's reentrant crypt_rn().  It blocks
 * (hashing is slow on purpose): callers keep it off event loops.
 */

#include <crypt.h>
#include <errno.h>
#include <string.h>

#include <ocs/ocs_password.h>


size_t
ocs_password_work_size(void)
{
    return sizeof(struct crypt_data);
}


int
ocs_password_verify(const char *password, const char *hash, void *work)
{
    int            rc;
    size_t         len;
    const char    *out;

    len = strlen(hash);

    if (!ocs_password_usable(hash, len)) {
        return OCS_ERR_INVALID;
    }

    memset(work, 0, sizeof(struct crypt_data));

    out = crypt_rn(password, hash, work, (int) sizeof(struct crypt_data));

    if (out == NULL || out[0] == '*') {
        rc = OCS_ERR_INVALID;

    } else if (strlen(out) == len && ocs_memeq_ct(out, hash, len) == 0) {
        rc = OCS_OK;

    } else {
        rc = OCS_ERR_AUTH;
    }

    ocs_wipe(work, sizeof(struct crypt_data));

    return rc;
}


int
ocs_password_hash(const char *password, const char *method,
    const ocs_env_t *env, char *out, size_t outlen, void *work,
    ocs_err_t *err)
{
    size_t          len;
    const char     *prefix, *hash;
    char            setting[CRYPT_GENSALT_OUTPUT_SIZE];
    unsigned char   rbytes[32];

    if (method == NULL || strcmp(method, "yescrypt") == 0) {
        prefix = "$y$";

    } else if (strcmp(method, "sha512") == 0) {
        prefix = "$6$";

    } else {
        return ocs_err(err, OCS_ERR_INVALID, "unknown hash method \"%s\"",
                       method);
    }

    if (env->random(env->data, rbytes, sizeof(rbytes)) != OCS_OK) {
        return ocs_err(err, OCS_ERR_SYS, "no random bytes for the salt");
    }

    if (crypt_gensalt_rn(prefix, 0, (const char *) rbytes, sizeof(rbytes),
                         setting, sizeof(setting))
        == NULL)
    {
        ocs_wipe(rbytes, sizeof(rbytes));
        return ocs_err(err, OCS_ERR_SYS, "crypt_gensalt_rn() failed: %s",
                       strerror(errno));
    }

    ocs_wipe(rbytes, sizeof(rbytes));
    memset(work, 0, sizeof(struct crypt_data));

    hash = crypt_rn(password, setting, work, (int) sizeof(struct crypt_data));

    if (hash == NULL || hash[0] == '*') {
        ocs_wipe(work, sizeof(struct crypt_data));
        return ocs_err(err, OCS_ERR_SYS, "crypt_rn() failed");
    }

    len = strlen(hash);

    if (len + 1 > outlen) {
        ocs_wipe(work, sizeof(struct crypt_data));
        return ocs_err(err, OCS_ERR_SPACE, "hash buffer too small");
    }

    memcpy(out, hash, len + 1);
    ocs_wipe(work, sizeof(struct crypt_data));

    return OCS_OK;
}


/* modern crypt(5) schemes only: no DES, MD5, NT or SHA-1 crypt */
int
ocs_password_usable(const char *hash, size_t len)
{
    static const char  *prefixes[] = {
        "$y$", "$gy$", "$7$", "$6$", "$5$", "$2b$", "$2y$"
    };

    size_t  i;

    if (len == 0 || len > OCS_HASH_MAX) {
        return 0;
    }

    for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        if (strncmp(hash, prefixes[i], strlen(prefixes[i])) == 0) {
            return 1;
        }
    }

    return 0;
}
