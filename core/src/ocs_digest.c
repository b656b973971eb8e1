/*
 * HTTP Digest (RFC 7616) for conference-key access: the parser, the
 * nonces and their nc windows, the verification and the challenge.  The
 * conference key file and the participants' rules are in
 * ocs_conference.c.  See ocs_digest.h.
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ocs/ocs_codec.h>
#include <ocs/ocs_csrf.h>
#include <ocs/ocs_digest.h>


#define OCS_DIGEST_SKEW         5     /* seconds a nonce may be ahead */
#define OCS_DIGEST_EXPIRE_STEP  4     /* expired records dropped a write */
#define OCS_DIGEST_NONCE_PURPOSE  "digest nonce"    /* ocs_csrf.h */
#define OCS_DIGEST_NONCE_BODY   20    /* the time and 12 random bytes */


typedef struct {
    const char        *name;
    size_t             len;
    size_t             offset;      /* of its ocs_digest_str_t */
    size_t             max;         /* longest value, 0: the buffer */
} ocs_digest_param_t;


static int ocs_digest_tchar(unsigned char c);
static int ocs_digest_hexval(unsigned char c);
static int ocs_digest_hex_decode(const char *in, size_t len,
    unsigned char *out);
static void ocs_digest_hex_encode(const unsigned char *in, size_t len,
    char *out);
static int ocs_digest_ext_value(ocs_digest_cred_t *cred,
    ocs_digest_str_t *v);
static unsigned ocs_digest_alg_of(const ocs_digest_str_t *s);
static const EVP_MD *ocs_digest_md(unsigned alg);
static size_t ocs_digest_nonce_data(const ocs_digest_conf_t *conf,
    const unsigned char *raw, unsigned char *data);
static const ocs_conference_t *ocs_digest_lookup(const ocs_digest_conf_t *conf,
    const ocs_digest_cred_t *cred, unsigned alg);
static int ocs_digest_str_is(const ocs_digest_str_t *s, const char *want);


struct ocs_digest_hashes_s {
    EVP_MD            *md[OCS_DIGEST_ALGS];     /* by ocs_digest_alg_index */
    EVP_MD_CTX        *ctx;
};


static int ocs_digest_hash(ocs_digest_hashes_t *h, unsigned alg,
    const char *const *parts, const size_t *lens, size_t nparts, char *out);


static const ocs_digest_param_t  ocs_digest_params[] = {

#define OCS_DIGEST_PARAM(name, field, max)                                    \
    { name, sizeof(name) - 1, offsetof(ocs_digest_cred_t, field), max }

    OCS_DIGEST_PARAM("username", username, OCS_DIGEST_USER_MAX),
    OCS_DIGEST_PARAM("username*", username, 3 * OCS_DIGEST_USER_MAX + 64),
    OCS_DIGEST_PARAM("realm", realm, OCS_DIGEST_REALM_MAX),
    OCS_DIGEST_PARAM("nonce", nonce, OCS_DIGEST_NONCE_LEN),
    OCS_DIGEST_PARAM("uri", uri, 0),
    OCS_DIGEST_PARAM("response", response, 2 * OCS_DIGEST_HASH_MAX),
    OCS_DIGEST_PARAM("algorithm", algorithm, 32),
    OCS_DIGEST_PARAM("cnonce", cnonce, OCS_DIGEST_CNONCE_MAX),
    OCS_DIGEST_PARAM("opaque", opaque, 256),
    OCS_DIGEST_PARAM("qop", qop, 32),
    OCS_DIGEST_PARAM("nc", nc, 8),
    OCS_DIGEST_PARAM("userhash", userhash, 8),

#undef OCS_DIGEST_PARAM
};


/* a zero HA1 for ids that are not there: the same work as a wrong key */
static const unsigned char  ocs_digest_decoy[OCS_DIGEST_HASH_MAX];


/*
 * The auth-param list of RFC 7235 §2.1 and RFC 7616 §3.4, strictly:
 *
 *   credentials = "Digest" 1*SP auth-param *( OWS "," OWS auth-param )
 *   auth-param  = token BWS "=" BWS ( token / quoted-string )
 *
 * A state machine over the bytes; values are copied, unescaped, into
 * cred->buf, which cannot overflow: an unescaped value is never longer
 * than its text, and the text fits the buffer.
 */
int
ocs_digest_parse(const char *in, size_t len, ocs_digest_cred_t *cred,
    ocs_err_t *err)
{
    size_t                     i, k, nnames, nlen, vstart;
    unsigned char              c;
    const char                *name;
    const char                *names[OCS_DIGEST_PARAMS_MAX];
    size_t                     lens[OCS_DIGEST_PARAMS_MAX];
    ocs_digest_str_t           *slot;
    const ocs_digest_param_t  *p;

    memset(cred, 0, offsetof(ocs_digest_cred_t, buf));

    if (len > OCS_DIGEST_HEADER_MAX) {
        return ocs_err(err, OCS_ERR_INVALID, "header longer than %d bytes",
                       OCS_DIGEST_HEADER_MAX);
    }

    if (len < 7 || strncasecmp(in, "Digest", 6) != 0 || in[6] != ' ') {
        return ocs_err(err, OCS_ERR_INVALID, "not a Digest header");
    }

    i = 7;
    nnames = 0;

    for ( ;; ) {

        while (i < len && (in[i] == ' ' || in[i] == '\t')) {
            i++;
        }

        /* the name */

        name = in + i;

        while (i < len && ocs_digest_tchar((unsigned char) in[i])) {
            i++;
        }

        nlen = (size_t) (in + i - name);

        if (nlen == 0) {
            return ocs_err(err, OCS_ERR_INVALID, "%s at byte %zu",
                           i < len ? "no parameter name" : "empty list",
                           i);
        }

        for (k = 0; k < nnames; k++) {
            if (lens[k] == nlen && strncasecmp(names[k], name, nlen) == 0) {
                return ocs_err(err, OCS_ERR_INVALID,
                               "parameter \"%.*s\" twice", (int) nlen, name);
            }
        }

        if (nnames == OCS_DIGEST_PARAMS_MAX) {
            return ocs_err(err, OCS_ERR_INVALID, "more than %d parameters",
                           OCS_DIGEST_PARAMS_MAX);
        }

        names[nnames] = name;
        lens[nnames] = nlen;
        nnames++;

        while (i < len && (in[i] == ' ' || in[i] == '\t')) {
            i++;
        }

        if (i == len || in[i] != '=') {
            return ocs_err(err, OCS_ERR_INVALID,
                           "parameter \"%.*s\" without \"=\"", (int) nlen,
                           name);
        }

        i++;

        while (i < len && (in[i] == ' ' || in[i] == '\t')) {
            i++;
        }

        /* the value, into the buffer */

        vstart = cred->used;

        if (i < len && in[i] == '"') {

            for (i++; ; i++) {

                if (i == len) {
                    return ocs_err(err, OCS_ERR_INVALID,
                                   "unterminated quoted-string");
                }

                c = (unsigned char) in[i];

                if (c == '"') {
                    i++;
                    break;
                }

                if (c == '\\') {
                    if (++i == len) {
                        return ocs_err(err, OCS_ERR_INVALID,
                                       "backslash at the end");
                    }

                    c = (unsigned char) in[i];
                }

                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    return ocs_err(err, OCS_ERR_INVALID,
                                   "control character at byte %zu", i);
                }

                cred->buf[cred->used++] = (char) c;
            }

        } else {

            while (i < len && ocs_digest_tchar((unsigned char) in[i])) {
                cred->buf[cred->used++] = in[i++];
            }

            if (cred->used == vstart) {
                return ocs_err(err, OCS_ERR_INVALID,
                               "parameter \"%.*s\" without a value",
                               (int) nlen, name);
            }
        }

        /* a known name: its slot; unknown ones are only checked */

        for (k = 0;
             k < sizeof(ocs_digest_params) / sizeof(ocs_digest_params[0]);
             k++)
        {
            p = &ocs_digest_params[k];

            if (p->len != nlen || strncasecmp(p->name, name, nlen) != 0) {
                continue;
            }

            slot = (ocs_digest_str_t *) ((char *) cred + p->offset);

            if (slot->data != NULL) {
                /* username and username* together */
                return ocs_err(err, OCS_ERR_INVALID,
                               "username and username* both");
            }

            if (p->max && cred->used - vstart > p->max) {
                return ocs_err(err, OCS_ERR_INVALID,
                               "parameter \"%s\" longer than %zu bytes",
                               p->name, p->max);
            }

            slot->data = cred->buf + vstart;
            slot->len = cred->used - vstart;

            if (name[nlen - 1] == '*') {
                if (ocs_digest_ext_value(cred, slot) != OCS_OK) {
                    return ocs_err(err, OCS_ERR_INVALID,
                                   "username* not UTF-8''pct-encoded");
                }

                cred->ext = 1;
            }

            break;
        }

        /* the separator */

        while (i < len && (in[i] == ' ' || in[i] == '\t')) {
            i++;
        }

        if (i == len) {
            return OCS_OK;
        }

        if (in[i] != ',') {
            return ocs_err(err, OCS_ERR_INVALID,
                           "unexpected byte 0x%02x at byte %zu",
                           (unsigned char) in[i], i);
        }

        i++;
    }
}


/*
 * RFC 8187: charset "'" [ language ] "'" value-chars, decoded in place
 * (the result is never longer); only UTF-8, and no control characters
 * once decoded.
 */
static int
ocs_digest_ext_value(ocs_digest_cred_t *cred, ocs_digest_str_t *v)
{
    char           *out;
    size_t          i, n;
    int             hi, lo;
    unsigned char   c;
    const char     *s;

    (void) cred;

    s = v->data;
    n = v->len;

    if (n < 7 || strncasecmp(s, "UTF-8'", 6) != 0) {
        return OCS_ERR_INVALID;
    }

    for (i = 6; i < n && s[i] != '\''; i++) {
        c = (unsigned char) s[i];

        if (!(c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')))
        {
            return OCS_ERR_INVALID;
        }
    }

    if (i == n) {
        return OCS_ERR_INVALID;
    }

    out = (char *) v->data;
    v->len = 0;

    for (i++; i < n; i++) {
        c = (unsigned char) s[i];

        if (c == '%') {
            if (i + 2 >= n) {
                return OCS_ERR_INVALID;
            }

            hi = ocs_digest_hexval((unsigned char) s[i + 1]);
            lo = ocs_digest_hexval((unsigned char) s[i + 2]);

            if (hi < 0 || lo < 0) {
                return OCS_ERR_INVALID;
            }

            c = (unsigned char) (hi << 4 | lo);
            i += 2;

            if (c < 0x20 || c == 0x7f) {
                return OCS_ERR_INVALID;
            }

        } else if (!ocs_digest_tchar(c) || c == '*' || c == '\''
                   || c == '%')
        {
            return OCS_ERR_INVALID;
        }

        out[v->len++] = (char) c;
    }

    return (v->len > 0 && v->len <= OCS_DIGEST_USER_MAX) ? OCS_OK
                                                        : OCS_ERR_INVALID;
}


static int
ocs_digest_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z'))
    {
        return 1;
    }

    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}


static int
ocs_digest_hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }

    return -1;
}


/* 2 * len hex digits at in into len bytes at out */
static int
ocs_digest_hex_decode(const char *in, size_t len, unsigned char *out)
{
    size_t  i;
    int     hi, lo;

    for (i = 0; i < len; i++) {
        hi = ocs_digest_hexval((unsigned char) in[2 * i]);
        lo = ocs_digest_hexval((unsigned char) in[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            return OCS_ERR_INVALID;
        }

        out[i] = (unsigned char) (hi << 4 | lo);
    }

    return OCS_OK;
}


static void
ocs_digest_hex_encode(const unsigned char *in, size_t len, char *out)
{
    size_t       i;
    static const char  hex[] = "0123456789abcdef";

    for (i = 0; i < len; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 0x0f];
    }

    out[2 * len] = '\0';
}


unsigned
ocs_digest_alg_next(unsigned algs, unsigned before)
{
    unsigned  bit;

    bit = (before == 0) ? OCS_DIGEST_SHA512_256 : before >> 1;

    for ( /* void */ ; bit != 0; bit >>= 1) {
        if (algs & bit) {
            return bit;
        }
    }

    return 0;
}


const char *
ocs_digest_alg_name(unsigned alg)
{
    switch (alg) {
    case OCS_DIGEST_MD5:
        return "MD5";
    case OCS_DIGEST_SHA256:
        return "SHA-256";
    case OCS_DIGEST_SHA512_256:
        return "SHA-512-256";
    default:
        return NULL;
    }
}


size_t
ocs_digest_alg_len(unsigned alg)
{
    switch (alg) {
    case OCS_DIGEST_MD5:
        return 16;
    case OCS_DIGEST_SHA256:
    case OCS_DIGEST_SHA512_256:
        return 32;
    default:
        return 0;
    }
}


int
ocs_digest_alg_index(unsigned alg)
{
    switch (alg) {
    case OCS_DIGEST_MD5:
        return 2;
    case OCS_DIGEST_SHA256:
        return 0;
    case OCS_DIGEST_SHA512_256:
        return 1;
    default:
        return -1;
    }
}


static const EVP_MD *
ocs_digest_md(unsigned alg)
{
    switch (alg) {
    case OCS_DIGEST_MD5:
        return EVP_md5();
    case OCS_DIGEST_SHA256:
        return EVP_sha256();
    case OCS_DIGEST_SHA512_256:
        return EVP_sha512_256();
    default:
        return NULL;
    }
}


/* the algorithm a client named; absent means MD5 (RFC 7616 §3.4) */
static unsigned
ocs_digest_alg_of(const ocs_digest_str_t *s)
{
    unsigned  alg;

    if (s->data == NULL) {
        return OCS_DIGEST_MD5;
    }

    for (alg = OCS_DIGEST_MD5; alg <= OCS_DIGEST_SHA512_256; alg <<= 1) {
        if (ocs_digest_str_is(s, ocs_digest_alg_name(alg))) {
            return alg;
        }
    }

    return 0;
}


static int
ocs_digest_str_is(const ocs_digest_str_t *s, const char *want)
{
    size_t  n;

    n = strlen(want);

    return s->data != NULL && s->len == n
           && strncasecmp(s->data, want, n) == 0;
}


ocs_digest_hashes_t *
ocs_digest_hashes_create(ocs_err_t *err)
{
    ocs_digest_hashes_t  *h;

    h = OPENSSL_zalloc(sizeof(ocs_digest_hashes_t));
    if (h == NULL) {
        ocs_err(err, OCS_ERR_SYS, "no memory for the hashes");
        return NULL;
    }

    h->md[0] = EVP_MD_fetch(NULL, "SHA2-256", NULL);
    h->md[1] = EVP_MD_fetch(NULL, "SHA2-512/256", NULL);
    h->md[2] = EVP_MD_fetch(NULL, "MD5", NULL);
    h->ctx = EVP_MD_CTX_new();

    if (h->md[0] == NULL || h->md[1] == NULL || h->ctx == NULL) {
        ocs_digest_hashes_destroy(h);
        ocs_err(err, OCS_ERR_SYS, "OpenSSL has no SHA-256 or SHA-512/256");
        return NULL;
    }

    return h;
}


void
ocs_digest_hashes_destroy(ocs_digest_hashes_t *h)
{
    size_t  i;

    if (h == NULL) {
        return;
    }

    for (i = 0; i < OCS_DIGEST_ALGS; i++) {
        EVP_MD_free(h->md[i]);
    }

    EVP_MD_CTX_free(h->ctx);
    OPENSSL_free(h);
}


int
ocs_digest_hash_hex(unsigned alg, const char *const *parts,
    const size_t *lens, size_t nparts, char *out)
{
    return ocs_digest_hash(NULL, alg, parts, lens, nparts, out);
}


/* with h: its fetched algorithm and its context, else fresh ones */
static int
ocs_digest_hash(ocs_digest_hashes_t *h, unsigned alg,
    const char *const *parts, const size_t *lens, size_t nparts, char *out)
{
    int             rc, idx;
    size_t          i;
    unsigned int    n;
    EVP_MD_CTX     *md;
    const EVP_MD   *type;
    unsigned char   hash[EVP_MAX_MD_SIZE];

    idx = ocs_digest_alg_index(alg);
    if (idx < 0) {
        return OCS_ERR_INVALID;
    }

    type = (h != NULL) ? h->md[idx] : ocs_digest_md(alg);
    if (type == NULL) {
        return OCS_ERR_INVALID;
    }

    md = (h != NULL) ? h->ctx : EVP_MD_CTX_new();
    if (md == NULL) {
        return OCS_ERR_SYS;
    }

    rc = OCS_ERR_SYS;

    if (EVP_DigestInit_ex(md, type, NULL) != 1) {
        goto cleanup;
    }

    for (i = 0; i < nparts; i++) {
        if ((i > 0 && EVP_DigestUpdate(md, ":", 1) != 1)
            || EVP_DigestUpdate(md, parts[i], lens[i]) != 1)
        {
            goto cleanup;
        }
    }

    if (EVP_DigestFinal_ex(md, hash, &n) != 1
        || n != ocs_digest_alg_len(alg))
    {
        goto cleanup;
    }

    ocs_digest_hex_encode(hash, n, out);
    rc = OCS_OK;

cleanup:

    OPENSSL_cleanse(hash, sizeof(hash));

    if (h == NULL) {
        EVP_MD_CTX_free(md);
    }

    return rc;
}


/*
 * The nonce's MAC, as a CSRF token of its own purpose (ocs_csrf.h):
 * HMAC-SHA256 under the ring's CSRF key over the purpose, the time and
 * random bytes, and the realm, through the cache's keyed contexts.
 */
static size_t
ocs_digest_nonce_data(const ocs_digest_conf_t *conf,
    const unsigned char *raw, unsigned char *data)
{
    memcpy(data, raw, OCS_DIGEST_NONCE_BODY);
    memcpy(data + OCS_DIGEST_NONCE_BODY, conf->realm, conf->realm_len);

    return OCS_DIGEST_NONCE_BODY + conf->realm_len;
}


int
ocs_digest_nonce_issue(const ocs_digest_conf_t *conf, char *out,
    size_t outlen, ocs_err_t *err)
{
    int              i, rc;
    size_t           n, len;
    int64_t          now;
    char             token[OCS_CSRF_TOKEN_LEN + 1];
    unsigned char    raw[OCS_DIGEST_NONCE_RAW];
    unsigned char    data[OCS_DIGEST_NONCE_BODY + OCS_DIGEST_REALM_MAX];
    unsigned char    key[1 + OCS_DIGEST_MAC_LEN];
    ocs_store_rec_t  rec;

    if (outlen < OCS_DIGEST_NONCE_LEN + 1) {
        return ocs_err(err, OCS_ERR_SPACE, "no room for a nonce");
    }

    if (conf->ring == NULL || conf->ring->n == 0) {
        return ocs_err(err, OCS_ERR_NOTFOUND, "no key to seal nonces with");
    }

    if (conf->realm_len > OCS_DIGEST_REALM_MAX) {
        return ocs_err(err, OCS_ERR_INVALID, "realm too long");
    }

    now = conf->env->now(conf->env->data);

    for (i = 0; i < 8; i++) {
        raw[i] = (unsigned char) ((uint64_t) now >> (56 - 8 * i));
    }

    if (conf->env->random(conf->env->data, raw + 8,
                          OCS_DIGEST_NONCE_BODY - 8)
        != OCS_OK)
    {
        return ocs_err(err, OCS_ERR_SYS, "no random bytes for a nonce");
    }

    len = ocs_digest_nonce_data(conf, raw, data);

    rc = ocs_csrf_token(conf->ring, conf->cache, OCS_DIGEST_NONCE_PURPOSE,
                        data, len, token, sizeof(token), err);
    if (rc != OCS_OK) {
        return rc;
    }

    if (ocs_b64url_decode(token, OCS_CSRF_TOKEN_LEN,
                          raw + OCS_DIGEST_NONCE_BODY,
                          OCS_DIGEST_NONCE_RAW - OCS_DIGEST_NONCE_BODY, &n)
        != OCS_OK
        || n != OCS_DIGEST_NONCE_RAW - OCS_DIGEST_NONCE_BODY)
    {
        return ocs_err(err, OCS_ERR_SYS, "a MAC of the wrong size");
    }

    ocs_digest_hex_encode(raw, OCS_DIGEST_NONCE_RAW, out);

    if (conf->store == NULL) {
        return ocs_err(err, OCS_ERR_SPACE, "no store for nc windows");
    }

    key[0] = OCS_DIGEST_KIND;
    memcpy(key + 1, raw + OCS_DIGEST_NONCE_BODY, OCS_DIGEST_MAC_LEN);

    memset(&rec, 0, sizeof(ocs_store_rec_t));
    rec.first = now;

    /* alive as long as the nonce is young enough, its last second too */
    rec.expires = ocs_time_add(now, ocs_time_add(conf->max_age, 1));

    conf->store->lock(conf->store->data);
    conf->store->expire(conf->store->data, now, OCS_DIGEST_EXPIRE_STEP);
    rc = conf->store->put(conf->store->data, key, sizeof(key), &rec);
    conf->store->unlock(conf->store->data);

    if (rc != OCS_OK) {
        return ocs_err(err, rc, "no room in the store for a nonce's "
                       "nc window");
    }

    return OCS_OK;
}


int
ocs_digest_nonce_check(const ocs_digest_conf_t *conf, const char *nonce,
    size_t len, unsigned char *mac)
{
    int             i;
    size_t          n;
    int64_t         ts, now, age;
    uint64_t        t;
    char            token[OCS_CSRF_TOKEN_LEN + 1];
    unsigned char   raw[OCS_DIGEST_NONCE_RAW];
    unsigned char   data[OCS_DIGEST_NONCE_BODY + OCS_DIGEST_REALM_MAX];

    if (len != OCS_DIGEST_NONCE_LEN
        || ocs_digest_hex_decode(nonce, OCS_DIGEST_NONCE_RAW, raw) != OCS_OK
        || conf->realm_len > OCS_DIGEST_REALM_MAX)
    {
        return OCS_ERR_INVALID;
    }

    if (conf->ring == NULL || conf->ring->n == 0) {
        return OCS_ERR_EXPIRED;
    }

    /* every key of the ring is tried: one that left it makes a stranger */

    if (ocs_b64url_encode(raw + OCS_DIGEST_NONCE_BODY,
                          OCS_DIGEST_NONCE_RAW - OCS_DIGEST_NONCE_BODY, token,
                          sizeof(token), &n)
        != OCS_OK
        || ocs_csrf_verify(conf->ring, conf->cache, OCS_DIGEST_NONCE_PURPOSE,
                           data, ocs_digest_nonce_data(conf, raw, data),
                           token, n)
           != OCS_OK)
    {
        return OCS_ERR_AUTH;
    }

    t = 0;

    for (i = 0; i < 8; i++) {
        t = t << 8 | raw[i];
    }

    ts = (int64_t) t;
    now = conf->env->now(conf->env->data);
    age = ocs_time_diff(now, ts);

    if (age < -OCS_DIGEST_SKEW) {
        return OCS_ERR_AUTH;
    }

    if (mac != NULL) {
        memcpy(mac, raw + OCS_DIGEST_NONCE_BODY, OCS_DIGEST_MAC_LEN);
    }

    return (age > conf->max_age) ? OCS_ERR_EXPIRED : OCS_OK;
}


int
ocs_digest_nc_use(const ocs_digest_conf_t *conf, const unsigned char *mac,
    uint32_t nc)
{
    int              rc;
    int64_t          now;
    uint64_t         map, d;
    unsigned char    key[1 + OCS_DIGEST_MAC_LEN];
    ocs_store_rec_t  rec;

    if (conf->store == NULL) {
        return OCS_ERR_NOTFOUND;
    }

    if (nc == 0) {
        return OCS_ERR_AUTH;
    }

    key[0] = OCS_DIGEST_KIND;
    memcpy(key + 1, mac, OCS_DIGEST_MAC_LEN);

    now = conf->env->now(conf->env->data);

    conf->store->lock(conf->store->data);

    if (conf->store->get(conf->store->data, key, sizeof(key), &rec)
        != OCS_OK
        || rec.expires <= now)
    {
        conf->store->unlock(conf->store->data);
        return OCS_ERR_NOTFOUND;
    }

    /* value: the highest nc; inflight: bit i, nc (highest - i) seen */

    memcpy(&map, &rec.inflight, sizeof(uint64_t));

    if ((int64_t) nc > rec.value) {
        d = (uint64_t) nc - (uint64_t) rec.value;
        map = (d >= OCS_DIGEST_WINDOW) ? 0 : map << d;
        map |= 1;
        rec.value = nc;

    } else {
        d = (uint64_t) rec.value - nc;

        if (d >= OCS_DIGEST_WINDOW || (map & ((uint64_t) 1 << d))) {
            conf->store->unlock(conf->store->data);
            return OCS_ERR_AUTH;
        }

        map |= (uint64_t) 1 << d;
    }

    memcpy(&rec.inflight, &map, sizeof(uint64_t));

    rc = conf->store->put(conf->store->data, key, sizeof(key), &rec);

    conf->store->unlock(conf->store->data);

    return rc;
}


/* the conference a credential names, by id or by H(id:realm) */
static const ocs_conference_t *
ocs_digest_lookup(const ocs_digest_conf_t *conf,
    const ocs_digest_cred_t *cred, unsigned alg)
{
    int                      idx;
    size_t                   i, hlen;
    unsigned char            want[OCS_DIGEST_HASH_MAX];
    const ocs_conference_t  *found;

    if (!ocs_digest_str_is(&cred->userhash, "true")) {
        return ocs_conference_find(conf->confs, conf->nconfs,
                                   cred->username.data, cred->username.len);
    }

    hlen = ocs_digest_alg_len(alg);
    idx = ocs_digest_alg_index(alg);

    if (cred->ext || cred->username.len != 2 * hlen
        || ocs_digest_hex_decode(cred->username.data, hlen, want) != OCS_OK)
    {
        return NULL;
    }

    /* every entry compared, so that the time says nothing of which */

    found = NULL;

    for (i = 0; i < conf->nconfs; i++) {
        if ((conf->confs[i].algs & alg)
            && CRYPTO_memcmp(conf->confs[i].uhash[idx], want, hlen) == 0)
        {
            found = &conf->confs[i];
        }
    }

    return found;
}


/*
 * The credentials' form, before any hashing: every required parameter,
 * an algorithm offered, qop=auth with nc and cnonce, this realm, the
 * request target as the uri, a response of hex of the right length
 * (lowercased into got).  OCS_OK with *alg and *nc set, or
 * OCS_DIGEST_BAD with err.
 */
static int
ocs_digest_check_form(const ocs_digest_conf_t *conf,
    const ocs_digest_cred_t *cred, const char *target, size_t target_len,
    unsigned *alg, uint32_t *nc, char *got, ocs_err_t *err)
{
    size_t  i, hlen;

    if (cred->username.data == NULL || cred->realm.data == NULL
        || cred->nonce.data == NULL || cred->uri.data == NULL
        || cred->response.data == NULL)
    {
        return ocs_err(err, OCS_DIGEST_BAD, "a required parameter missing");
    }

    *alg = ocs_digest_alg_of(&cred->algorithm);

    if (*alg == 0 || (conf->algs & *alg) == 0) {
        return ocs_err(err, OCS_DIGEST_BAD, "algorithm not offered");
    }

    if (!ocs_digest_str_is(&cred->qop, "auth")
        || cred->nc.len != 8 || cred->cnonce.data == NULL
        || cred->cnonce.len == 0)
    {
        return ocs_err(err, OCS_DIGEST_BAD, "qop=auth with nc and cnonce "
                       "required");
    }

    *nc = 0;

    for (i = 0; i < 8; i++) {
        if (ocs_digest_hexval((unsigned char) cred->nc.data[i]) < 0) {
            return ocs_err(err, OCS_DIGEST_BAD, "nc not 8 hex digits");
        }

        *nc = *nc << 4 | (uint32_t) ocs_digest_hexval(
                                        (unsigned char) cred->nc.data[i]);
    }

    if (cred->realm.len != conf->realm_len
        || memcmp(cred->realm.data, conf->realm, conf->realm_len) != 0)
    {
        return ocs_err(err, OCS_DIGEST_BAD, "another realm");
    }

    if (cred->uri.len != target_len
        || memcmp(cred->uri.data, target, target_len) != 0)
    {
        return ocs_err(err, OCS_DIGEST_BAD, "uri is not the request target");
    }

    hlen = ocs_digest_alg_len(*alg);

    if (cred->response.len != 2 * hlen) {
        return ocs_err(err, OCS_DIGEST_BAD, "response of the wrong length");
    }

    for (i = 0; i < 2 * hlen; i++) {
        if (ocs_digest_hexval((unsigned char) cred->response.data[i]) < 0) {
            return ocs_err(err, OCS_DIGEST_BAD, "response not hex");
        }

        got[i] = (char) (cred->response.data[i] | 0x20);   /* lowercase */
    }

    return OCS_OK;
}


/*
 * The response the key would give, in hex into want, from ha1 (hex):
 * HA2 = H(method:uri); response = H(HA1:nonce:nc:cnonce:qop:HA2).
 */
static int
ocs_digest_expected(const ocs_digest_conf_t *conf,
    const ocs_digest_cred_t *cred, unsigned alg, const char *ha1,
    const char *method, size_t method_len, char *want)
{
    int          rc;
    size_t       hlen;
    const char  *parts[6];
    size_t       lens[6];
    char         ha2[2 * OCS_DIGEST_HASH_MAX + 1];

    hlen = ocs_digest_alg_len(alg);

    parts[0] = method;
    lens[0] = method_len;
    parts[1] = cred->uri.data;
    lens[1] = cred->uri.len;

    rc = ocs_digest_hash(conf->hashes, alg, parts, lens, 2, ha2);
    if (rc != OCS_OK) {
        return rc;
    }

    parts[0] = ha1;
    lens[0] = 2 * hlen;
    parts[1] = cred->nonce.data;
    lens[1] = cred->nonce.len;
    parts[2] = cred->nc.data;
    lens[2] = 8;
    parts[3] = cred->cnonce.data;
    lens[3] = cred->cnonce.len;
    parts[4] = cred->qop.data;
    lens[4] = cred->qop.len;
    parts[5] = ha2;
    lens[5] = 2 * hlen;

    return ocs_digest_hash(conf->hashes, alg, parts, lens, 6, want);
}


/* the key is right: whether the nonce is fresh and its nc new */
static int
ocs_digest_fresh(const ocs_digest_conf_t *conf,
    const ocs_digest_cred_t *cred, uint32_t nc, ocs_err_t *err)
{
    unsigned char  mac[OCS_DIGEST_MAC_LEN];

    switch (ocs_digest_nonce_check(conf, cred->nonce.data, cred->nonce.len,
                                   mac))
    {
    case OCS_OK:
        break;

    case OCS_ERR_EXPIRED:
        return ocs_err(err, OCS_DIGEST_STALE, "nonce too old");

    default:
        /* not ours, or sealed with a key that has left the ring */
        return ocs_err(err, OCS_DIGEST_STALE, "nonce not ours");
    }

    switch (ocs_digest_nc_use(conf, mac, nc)) {
    case OCS_OK:
        return OCS_DIGEST_PASS;

    case OCS_ERR_AUTH:
        return ocs_err(err, OCS_DIGEST_REPLAY, "nc %08x used before",
                       (unsigned) nc);

    case OCS_ERR_SPACE:
        return ocs_err(err, OCS_DIGEST_STALE, "no room in the store for "
                       "the nc window");

    default:
        return ocs_err(err, OCS_DIGEST_STALE, "nonce without its nc "
                       "window");
    }
}


int
ocs_digest_verify(const ocs_digest_conf_t *conf,
    const ocs_digest_cred_t *cred, const char *method, size_t method_len,
    const char *target, size_t target_len,
    const ocs_conference_t **conf_out, unsigned *alg_out, ocs_err_t *err)
{
    int                      rc, idx, verdict;
    size_t                   hlen;
    unsigned                 alg;
    uint32_t                 nc;
    char                     ha1[2 * OCS_DIGEST_HASH_MAX + 1];
    char                     want[2 * OCS_DIGEST_HASH_MAX + 1];
    char                     got[2 * OCS_DIGEST_HASH_MAX];
    const unsigned char     *raw;
    const ocs_conference_t  *c;

    *conf_out = NULL;
    *alg_out = 0;
    alg = 0;
    nc = 0;

    rc = ocs_digest_check_form(conf, cred, target, target_len, &alg, &nc,
                               got, err);
    if (rc != OCS_OK) {
        return rc;
    }

    hlen = ocs_digest_alg_len(alg);
    idx = ocs_digest_alg_index(alg);
    c = ocs_digest_lookup(conf, cred, alg);

    /* an unknown conference costs what a wrong key does */
    raw = (c != NULL && (c->algs & alg)) ? c->ha1[idx] : ocs_digest_decoy;

    ocs_digest_hex_encode(raw, hlen, ha1);

    if (ocs_digest_expected(conf, cred, alg, ha1, method, method_len, want)
        != OCS_OK)
    {
        verdict = ocs_err(err, OCS_DIGEST_BAD, "hashing failed");
        goto cleanup;
    }

    *conf_out = c;
    *alg_out = alg;

    if (CRYPTO_memcmp(want, got, 2 * hlen) != 0
        || c == NULL || (c->algs & alg) == 0)
    {
        verdict = ocs_err(err, OCS_DIGEST_FAIL, "%s",
                          c == NULL ? "no such conference" : "wrong key");
        goto cleanup;
    }

    verdict = ocs_digest_fresh(conf, cred, nc, err);

cleanup:

    OPENSSL_cleanse(ha1, sizeof(ha1));
    OPENSSL_cleanse(want, sizeof(want));

    return verdict;
}


size_t
ocs_digest_challenge(const ocs_digest_conf_t *conf, unsigned alg,
    const char *nonce, int stale, char *out, size_t outlen)
{
    int          n;
    const char  *name;

    name = ocs_digest_alg_name(alg);

    if (name == NULL || conf->realm_len > OCS_DIGEST_REALM_MAX) {
        return 0;
    }

    /* the realm is ours (configured, checked for '"' and '\\') */

    n = snprintf(out, outlen,
                 "Digest realm=\"%.*s\", qop=\"auth\", algorithm=%s, "
                 "nonce=\"%s\", charset=UTF-8, userhash=true%s",
                 (int) conf->realm_len, conf->realm, name, nonce,
                 stale ? ", stale=true" : "");

    if (n < 0 || (size_t) n >= outlen) {
        if (outlen) {
            out[0] = '\0';
        }

        return 0;
    }

    return (size_t) n;
}


const ocs_conference_t *
ocs_conference_find(const ocs_conference_t *confs, size_t n, const char *id,
    size_t len)
{
    size_t  i;

    if (id == NULL) {
        return NULL;
    }

    for (i = 0; i < n; i++) {
        if (confs[i].id_len == len && memcmp(confs[i].id, id, len) == 0) {
            return &confs[i];
        }
    }

    return NULL;
}
