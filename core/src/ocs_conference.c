/*
 * The conference key file (its lines, as ocs-conference writes them and
 * the server reads them), the paths a conference covers, which tickets a
 * location takes, and the join page.  See ocs_digest.h.
 */

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include <ocs/ocs_digest.h>


static int ocs_conference_hex(const char *in, size_t len, unsigned char *out);


int
ocs_conference_parse_line(const char *line, size_t len, const char *realm,
    size_t realm_len, ocs_conference_t *c, ocs_err_t *err)
{
    int          idx;
    size_t       f, i, n, start, flen[7];
    unsigned     alg;
    const char  *field[7], *hi;
    char         h[2 * OCS_DIGEST_HASH_MAX + 1];
    const char  *parts[2];
    size_t       lens[2];

    static const unsigned  algs[3] = { OCS_DIGEST_SHA256,
                                       OCS_DIGEST_SHA512_256,
                                       OCS_DIGEST_MD5 };

    memset(c, 0, sizeof(ocs_conference_t));

    f = 0;
    start = 0;

    for (i = 0; i <= len; i++) {
        if (i < len && line[i] != ':') {
            if ((unsigned char) line[i] < 0x20 || line[i] == 0x7f) {
                return ocs_err(err, OCS_ERR_INVALID, "a control character");
            }

            continue;
        }

        if (f == 7) {
            return ocs_err(err, OCS_ERR_INVALID, "more than 7 fields");
        }

        field[f] = line + start;
        flen[f] = i - start;
        f++;
        start = i + 1;
    }

    if (f != 7) {
        return ocs_err(err, OCS_ERR_INVALID, "%zu fields, not 7", f);
    }

    if (flen[1] != realm_len || memcmp(field[1], realm, realm_len) != 0) {
        return OCS_ERR_NOTFOUND;
    }

    /* the id */

    if (flen[0] == 0 || flen[0] > OCS_CONF_ID_MAX) {
        return ocs_err(err, OCS_ERR_INVALID, "an id of 1 to %d bytes",
                       OCS_CONF_ID_MAX);
    }

    for (i = 0; i < flen[0]; i++) {
        n = (unsigned char) field[0][i];

        if (!((n >= '0' && n <= '9') || (n >= 'a' && n <= 'z')
              || (n >= 'A' && n <= 'Z') || n == '-' || n == '_' || n == '.'))
        {
            return ocs_err(err, OCS_ERR_INVALID, "the id has a byte other "
                           "than letters, digits, '-', '_' and '.'");
        }
    }

    memcpy(c->id, field[0], flen[0]);
    c->id_len = flen[0];

    /* the paths: absolute, comma-separated, none empty */

    if (flen[2] == 0 || flen[2] > OCS_CONF_PATHS_MAX || field[2][0] != '/'
        || field[2][flen[2] - 1] == ',')
    {
        return ocs_err(err, OCS_ERR_INVALID, "paths not absolute");
    }

    for (i = 0; i < flen[2]; i++) {
        if (field[2][i] == ',' && (i + 1 == flen[2] || field[2][i + 1] != '/'))
        {
            return ocs_err(err, OCS_ERR_INVALID, "paths not absolute");
        }

        if (field[2][i] == ' ') {
            return ocs_err(err, OCS_ERR_INVALID, "a space in the paths");
        }
    }

    memcpy(c->paths, field[2], flen[2]);
    c->paths_len = flen[2];

    /* HA1 per algorithm, and H(id:realm) for userhash */

    for (f = 0; f < 3; f++) {
        alg = algs[f];
        idx = ocs_digest_alg_index(alg);
        n = ocs_digest_alg_len(alg);
        hi = field[3 + f];

        if (flen[3 + f] == 0) {
            continue;
        }

        if (flen[3 + f] != 2 * n
            || ocs_conference_hex(hi, n, c->ha1[idx]) != OCS_OK)
        {
            return ocs_err(err, OCS_ERR_INVALID, "the %s HA1 is not %zu hex "
                           "digits", ocs_digest_alg_name(alg), 2 * n);
        }

        parts[0] = c->id;
        lens[0] = c->id_len;
        parts[1] = realm;
        lens[1] = realm_len;

        if (ocs_digest_hash_hex(alg, parts, lens, 2, h) != OCS_OK
            || ocs_conference_hex(h, n, c->uhash[idx]) != OCS_OK)
        {
            return ocs_err(err, OCS_ERR_SYS, "hashing failed");
        }

        c->algs |= alg;
    }

    if (c->algs == 0) {
        return ocs_err(err, OCS_ERR_INVALID, "no HA1 at all");
    }

    /* the join page's hash */

    if (flen[6] > OCS_CONF_HASH_MAX
        || (flen[6] > 0 && field[6][0] != '$'))
    {
        return ocs_err(err, OCS_ERR_INVALID, "the join hash is not a "
                       "crypt(5) hash");
    }

    memcpy(c->join, field[6], flen[6]);

    return OCS_OK;
}


int
ocs_conference_parse(const char *text, size_t len, const char *realm,
    size_t realm_len, ocs_conference_t *out, size_t max, size_t *n,
    ocs_err_t *err)
{
    int                rc;
    size_t             i, end, lineno, count;
    ocs_conference_t   c;
    ocs_err_t          e;

    count = 0;
    lineno = 0;

    for (i = 0; i < len; i = end + 1) {

        for (end = i; end < len && text[end] != '\n'; end++) {
            /* void */
        }

        lineno++;

        if (end - i > OCS_CONF_LINE_MAX) {
            rc = ocs_err(err, OCS_ERR_INVALID, "line %zu: too long", lineno);
            goto done;
        }

        if (end == i || text[i] == '#'
            || (end - i == 1 && text[i] == '\r'))
        {
            continue;
        }

        rc = ocs_conference_parse_line(text + i,
                                       end - i - (text[end - 1] == '\r'),
                                       realm, realm_len, &c, &e);

        if (rc == OCS_ERR_NOTFOUND) {
            continue;
        }

        if (rc != OCS_OK) {
            rc = ocs_err(err, rc, "line %zu: %s", lineno, e.text);
            goto done;
        }

        if (ocs_conference_find(out, count < max ? count : max, c.id,
                                c.id_len)
            != NULL)
        {
            rc = ocs_err(err, OCS_ERR_INVALID, "line %zu: conference \"%s\" "
                         "twice", lineno, c.id);
            goto done;
        }

        if (count < max) {
            out[count] = c;
        }

        count++;
    }

    rc = (count > max) ? ocs_err(err, OCS_ERR_SPACE, "%zu conferences, "
                                 "room for %zu", count, max)
                       : OCS_OK;

done:

    *n = count;
    OPENSSL_cleanse(&c, sizeof(ocs_conference_t));

    return rc;
}


size_t
ocs_conference_format(const char *id, const char *realm, const char *paths,
    const char *key, unsigned algs, const char *join, char *out,
    size_t outlen)
{
    int               n;
    size_t            f, len;
    ocs_conference_t  check;
    const char       *parts[3];
    size_t            lens[3];
    char              ha1[3][2 * OCS_DIGEST_HASH_MAX + 1];

    static const unsigned  order[3] = { OCS_DIGEST_SHA256,
                                        OCS_DIGEST_SHA512_256,
                                        OCS_DIGEST_MD5 };

    parts[0] = id;
    lens[0] = strlen(id);
    parts[1] = realm;
    lens[1] = strlen(realm);
    parts[2] = key;
    lens[2] = strlen(key);

    len = 0;

    for (f = 0; f < 3; f++) {
        ha1[f][0] = '\0';

        if ((algs & order[f])
            && ocs_digest_hash_hex(order[f], parts, lens, 3, ha1[f])
               != OCS_OK)
        {
            goto cleanup;
        }
    }

    n = snprintf(out, outlen, "%s:%s:%s:%s:%s:%s:%s\n", id, realm, paths,
                 ha1[0], ha1[1], ha1[2], join);

    if (n < 0 || (size_t) n >= outlen) {
        goto cleanup;
    }

    /* what the parser would refuse is not written */

    if (ocs_conference_parse_line(out, (size_t) n - 1, realm, lens[1],
                                  &check, NULL)
        != OCS_OK)
    {
        goto cleanup;
    }

    len = (size_t) n;

cleanup:

    OPENSSL_cleanse(ha1, sizeof(ha1));
    OPENSSL_cleanse(&check, sizeof(ocs_conference_t));

    if (len == 0 && outlen) {
        OPENSSL_cleanse(out, outlen);
        out[0] = '\0';
    }

    return len;
}


int
ocs_conference_covers(const ocs_conference_t *c, const char *path,
    size_t len)
{
    size_t       i, start, n;
    const char  *p;

    start = 0;

    for (i = 0; i <= c->paths_len; i++) {
        if (i < c->paths_len && c->paths[i] != ',') {
            continue;
        }

        p = c->paths + start;
        n = i - start;
        start = i + 1;

        if (len < n || memcmp(path, p, n) != 0) {
            continue;
        }

        if (len == n || p[n - 1] == '/' || path[n] == '/') {
            return 1;
        }
    }

    return 0;
}


int
ocs_conference_ticket_admits(const char *tconf, size_t tlen,
    const ocs_conference_t *confs, size_t n, const char *path, size_t len)
{
    const ocs_conference_t  *c;

    if (tlen == 0) {
        return n == 0;
    }

    c = ocs_conference_find(confs, n, tconf, tlen);

    return c != NULL && ocs_conference_covers(c, path, len);
}


size_t
ocs_conference_user(const ocs_conference_t *c, char *out)
{
    size_t  n;

    n = sizeof(OCS_CONF_USER_PREFIX) - 1;

    memcpy(out, OCS_CONF_USER_PREFIX, n);
    memcpy(out + n, c->id, c->id_len);
    out[n + c->id_len] = '\0';

    return n + c->id_len;
}



/* 2 * len hex digits at in into len bytes at out */
static int
ocs_conference_hex(const char *in, size_t len, unsigned char *out)
{
    size_t         i, k;
    int            v[2];
    unsigned char  c;

    for (i = 0; i < len; i++) {
        for (k = 0; k < 2; k++) {
            c = (unsigned char) in[2 * i + k];

            if (c >= '0' && c <= '9') {
                v[k] = c - '0';

            } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
                v[k] = (c | 0x20) - 'a' + 10;

            } else {
                return OCS_ERR_INVALID;
            }
        }

        out[i] = (unsigned char) (v[0] << 4 | v[1]);
    }

    return OCS_OK;
}
