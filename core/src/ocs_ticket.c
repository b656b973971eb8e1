/*
 * Sealed tickets: AES-256-GCM over type-length-value fields.
 */

#include <string.h>

#include <openssl/evp.h>

#include <ocs/ocs_codec.h>
#include <ocs/ocs_ticket.h>

#include "ocs_keyring_int.h"


#define OCS_HEADER_LEN   (1 + OCS_KEY_ID_LEN + OCS_NONCE_LEN)
#define OCS_NONCE_LEN    12
#define OCS_TAG_LEN      16
#define OCS_PLAIN_MAX    (OCS_TICKET_TEXT_MAX / 4 * 3 - OCS_HEADER_LEN \
                          - OCS_TAG_LEN)

/* field types; readers skip types they do not know */
#define OCS_T_SESSION     1
#define OCS_T_AUTH_TIME   2
#define OCS_T_EXPIRES     3
#define OCS_T_LAST_SEEN   4
#define OCS_T_METHODS     5
#define OCS_T_COMPUTER    6
#define OCS_T_USER        7
#define OCS_T_SIP         8
#define OCS_T_DISPLAY     9
#define OCS_T_DN         10
#define OCS_T_GROUPS     11
#define OCS_T_CHECKED    12
#define OCS_T_FACTS_GEN  13
#define OCS_T_FACTS      14
#define OCS_T_SERVICES   15
#define OCS_T_AUTH_MS    16
#define OCS_T_CONFERENCE 17

#define OCS_T_REQUIRED   (1u << OCS_T_SESSION | 1u << OCS_T_AUTH_TIME      \
                          | 1u << OCS_T_EXPIRES | 1u << OCS_T_LAST_SEEN    \
                          | 1u << OCS_T_METHODS | 1u << OCS_T_USER)

#define ocs_time_ok(v)   ((v) >= OCS_TIME_MIN && (v) <= OCS_TIME_MAX)


typedef struct {
    unsigned char  *p;
    unsigned char  *end;
    int             overflow;
} ocs_tlv_writer_t;


static void ocs_tlv_put(ocs_tlv_writer_t *w, unsigned type, const void *v,
    size_t len);
static void ocs_tlv_put_int(ocs_tlv_writer_t *w, unsigned type, int64_t v,
    size_t len);
static void ocs_tlv_put_facts(ocs_tlv_writer_t *w, const uint32_t *facts,
    size_t n);
static void ocs_tlv_put_services(ocs_tlv_writer_t *w, const ocs_ticket_t *t);
static int ocs_tlv_string(const unsigned char *p, size_t len, size_t max,
    char *out, size_t *out_len);
static int ocs_ticket_write(const ocs_ticket_t *t, unsigned char *plain,
    size_t size, size_t *plen, ocs_err_t *err);
static int ocs_ticket_parse(const unsigned char *p, size_t len,
    ocs_ticket_t *t);
static int ocs_ticket_times_ok(const ocs_ticket_t *t, int checked);
static int64_t ocs_get_int(const unsigned char *p, size_t len);
static EVP_CIPHER_CTX *ocs_ticket_ctx(const ocs_keyring_t *ring,
    ocs_ticket_cache_t *cache, size_t key, int enc, const unsigned char *iv);
static void ocs_ticket_ctx_done(ocs_ticket_cache_t *cache,
    EVP_CIPHER_CTX *ctx);


static const char  *ocs_method_names[] = {
    "password", "kerberos", "ntlm", "totp", "certificate", "otp", "digest",
    "anonymous"
};


/* a context keyed for key number key with the nonce iv */
static EVP_CIPHER_CTX *
ocs_ticket_ctx(const ocs_keyring_t *ring, ocs_ticket_cache_t *cache,
    size_t key, int enc, const unsigned char *iv)
{
    EVP_CIPHER_CTX  *ctx;

    if (cache != NULL && key < cache->n) {
        ctx = enc ? cache->seal : cache->open[key];

        /* the key schedule stays; only the nonce is new */
        if (ctx != NULL && EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, enc)
                           == 1)
        {
            return ctx;
        }

        return NULL;
    }

    ctx = EVP_CIPHER_CTX_new();

    if (ctx == NULL
        || EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL,
                             ring->keys[key].ticket, iv, enc) != 1)
    {
        EVP_CIPHER_CTX_free(ctx);
        return NULL;
    }

    return ctx;
}


static void
ocs_ticket_ctx_done(ocs_ticket_cache_t *cache, EVP_CIPHER_CTX *ctx)
{
    size_t  i;

    if (cache != NULL) {
        if (ctx == cache->seal) {
            return;
        }

        for (i = 0; i < cache->n; i++) {
            if (ctx == cache->open[i]) {
                return;
            }
        }
    }

    EVP_CIPHER_CTX_free(ctx);
}


int
ocs_ticket_seal(const ocs_keyring_t *ring, ocs_ticket_cache_t *cache,
    const ocs_env_t *env, const ocs_ticket_t *t, char *out, size_t outlen,
    size_t *written, ocs_err_t *err)
{
    int                rc, n;
    size_t             plen, total;
    EVP_CIPHER_CTX    *ctx;
    unsigned char      plain[OCS_PLAIN_MAX];
    unsigned char      sealed[OCS_HEADER_LEN + OCS_PLAIN_MAX + OCS_TAG_LEN];

    if (ring->n == 0) {
        return ocs_err(err, OCS_ERR_NOTFOUND, "the key ring is empty");
    }

    plen = 0;

    rc = ocs_ticket_write(t, plain, sizeof(plain), &plen, err);
    if (rc != OCS_OK) {
        goto cleanup;
    }

    total = OCS_HEADER_LEN + plen + OCS_TAG_LEN;

    if (ocs_b64url_len(total) > outlen) {
        rc = ocs_err(err, OCS_ERR_SPACE, "ticket buffer too small");
        goto cleanup;
    }

    /* a participant's ticket is one that older code refuses outright */
    sealed[0] = t->conference_len ? OCS_TICKET_VERSION_PARTICIPANT
                                  : OCS_TICKET_VERSION;
    memcpy(sealed + 1, ring->keys[0].id, OCS_KEY_ID_LEN);

    if (env->random(env->data, sealed + 1 + OCS_KEY_ID_LEN, OCS_NONCE_LEN)
        != OCS_OK)
    {
        rc = ocs_err(err, OCS_ERR_SYS, "no random bytes for the nonce");
        goto cleanup;
    }

    rc = OCS_ERR_SYS;
    ctx = ocs_ticket_ctx(ring, cache, 0, 1, sealed + 1 + OCS_KEY_ID_LEN);

    if (ctx != NULL
        && EVP_EncryptUpdate(ctx, NULL, &n, sealed, OCS_HEADER_LEN) == 1
        && EVP_EncryptUpdate(ctx, sealed + OCS_HEADER_LEN, &n, plain,
                             (int) plen) == 1
        && EVP_EncryptFinal_ex(ctx, sealed + OCS_HEADER_LEN + n, &n) == 1
        && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, OCS_TAG_LEN,
                               sealed + OCS_HEADER_LEN + plen) == 1)
    {
        rc = ocs_b64url_encode(sealed, total, out, outlen, written);
    }

    ocs_ticket_ctx_done(cache, ctx);

    if (rc != OCS_OK) {
        rc = ocs_err(err, rc, "AES-256-GCM sealing failed");
    }

cleanup:

    ocs_wipe(plain, plen);

    return rc;
}


/*
 * The fields of t as type-length-value into plain: *plen bytes, 0 on
 * failure (then plain is wiped).  Returns OCS_OK or OCS_ERR_INVALID.
 */
static int
ocs_ticket_write(const ocs_ticket_t *t, unsigned char *plain, size_t size,
    size_t *plen, ocs_err_t *err)
{
    ocs_tlv_writer_t  w;

    *plen = 0;

    if (t->user_len == 0 || t->user_len > OCS_USER_MAX) {
        return ocs_err(err, OCS_ERR_INVALID, "bad user name length %zu",
                       t->user_len);
    }

    if (t->sip_len > OCS_SIP_MAX || t->display_len > OCS_DISPLAY_MAX
        || t->dn_len > OCS_DN_MAX || t->groups_len > OCS_GROUPS_MAX
        || t->nfacts > OCS_FACTS_MAX || t->nservices > OCS_SERVICES_MAX
        || t->conference_len > OCS_TICKET_CONFERENCE_MAX)
    {
        return ocs_err(err, OCS_ERR_INVALID, "a ticket field is too long");
    }

    /* what the parser would refuse is never sealed: a NUL in a string
       (a directory may return one) would make a ticket that never opens */
    if (memchr(t->user, '\0', t->user_len) != NULL
        || memchr(t->sip, '\0', t->sip_len) != NULL
        || memchr(t->display, '\0', t->display_len) != NULL
        || memchr(t->dn, '\0', t->dn_len) != NULL
        || memchr(t->groups, '\0', t->groups_len) != NULL
        || memchr(t->conference, '\0', t->conference_len) != NULL
        || t->computer > OCS_COMPUTER_PRIVATE)
    {
        return ocs_err(err, OCS_ERR_INVALID, "a ticket field holds a NUL "
                       "or an unknown value");
    }

    if (!ocs_ticket_times_ok(t, t->dn_len > 0)) {
        return ocs_err(err, OCS_ERR_INVALID, "ticket times out of range or "
                       "out of order");
    }

    w.p = plain;
    w.end = plain + size;
    w.overflow = 0;

    ocs_tlv_put(&w, OCS_T_SESSION, t->session, OCS_SESSION_LEN);
    ocs_tlv_put_int(&w, OCS_T_AUTH_TIME, t->auth_time, 8);
    ocs_tlv_put_int(&w, OCS_T_AUTH_MS, t->auth_ms % 1000, 2);
    ocs_tlv_put_int(&w, OCS_T_EXPIRES, t->expires, 8);
    ocs_tlv_put_int(&w, OCS_T_LAST_SEEN, t->last_seen, 8);
    ocs_tlv_put_int(&w, OCS_T_METHODS, t->methods, 4);
    ocs_tlv_put_int(&w, OCS_T_COMPUTER, t->computer, 1);
    ocs_tlv_put(&w, OCS_T_USER, t->user, t->user_len);

    /* directory fields only when there are any: user file tickets stay
       short */
    if (t->sip_len) {
        ocs_tlv_put(&w, OCS_T_SIP, t->sip, t->sip_len);
    }

    if (t->display_len) {
        ocs_tlv_put(&w, OCS_T_DISPLAY, t->display, t->display_len);
    }

    if (t->dn_len) {
        ocs_tlv_put(&w, OCS_T_DN, t->dn, t->dn_len);
        ocs_tlv_put_int(&w, OCS_T_CHECKED, t->checked, 8);
        ocs_tlv_put_int(&w, OCS_T_FACTS_GEN, t->facts_gen, 4);
        ocs_tlv_put_facts(&w, t->facts, t->nfacts);
    }

    if (t->groups_len) {
        ocs_tlv_put(&w, OCS_T_GROUPS, t->groups, t->groups_len);
    }

    if (t->nservices) {
        ocs_tlv_put_services(&w, t);
    }

    if (t->conference_len) {
        ocs_tlv_put(&w, OCS_T_CONFERENCE, t->conference, t->conference_len);
    }

    if (w.overflow) {
        ocs_wipe(plain, size);
        return ocs_err(err, OCS_ERR_INVALID, "the ticket's fields do not fit "
                       "in a cookie");
    }

    *plen = (size_t) (w.p - plain);

    return OCS_OK;
}


int
ocs_ticket_open(const ocs_keyring_t *ring, ocs_ticket_cache_t *cache,
    const char *in, size_t len, ocs_ticket_t *t, ocs_err_t *err)
{
    int                rc, n;
    size_t             total, clen, key;
    EVP_CIPHER_CTX    *ctx;
    unsigned char      sealed[OCS_HEADER_LEN + OCS_PLAIN_MAX + OCS_TAG_LEN];
    unsigned char      plain[OCS_PLAIN_MAX];

    memset(t, 0, sizeof(ocs_ticket_t));

    if (len > OCS_TICKET_TEXT_MAX
        || ocs_b64url_decode(in, len, sealed, sizeof(sealed), &total)
           != OCS_OK)
    {
        return ocs_err(err, OCS_ERR_INVALID, "not a ticket: bad encoding");
    }

    if (total < OCS_HEADER_LEN + OCS_TAG_LEN + 1) {
        return ocs_err(err, OCS_ERR_INVALID, "not a ticket: %zu bytes", total);
    }

    if (sealed[0] != OCS_TICKET_VERSION
        && sealed[0] != OCS_TICKET_VERSION_PARTICIPANT)
    {
        return ocs_err(err, OCS_ERR_INVALID, "unknown ticket version %u",
                       sealed[0]);
    }

    for (key = 0; key < ring->n; key++) {
        if (memcmp(ring->keys[key].id, sealed + 1, OCS_KEY_ID_LEN) == 0) {
            break;
        }
    }

    if (key == ring->n) {
        return ocs_err(err, OCS_ERR_NOTFOUND, "no key with the ticket's id");
    }

    clen = total - OCS_HEADER_LEN - OCS_TAG_LEN;
    rc = OCS_ERR_AUTH;
    ctx = ocs_ticket_ctx(ring, cache, key, 0, sealed + 1 + OCS_KEY_ID_LEN);

    if (ctx != NULL
        && EVP_DecryptUpdate(ctx, NULL, &n, sealed, OCS_HEADER_LEN) == 1
        && EVP_DecryptUpdate(ctx, plain, &n, sealed + OCS_HEADER_LEN,
                             (int) clen) == 1
        && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, OCS_TAG_LEN,
                               sealed + OCS_HEADER_LEN + clen) == 1
        && EVP_DecryptFinal_ex(ctx, plain + n, &n) == 1)
    {
        rc = OCS_OK;
    }

    ocs_ticket_ctx_done(cache, ctx);

    if (rc != OCS_OK) {
        ocs_wipe(plain, clen);
        return ocs_err(err, OCS_ERR_AUTH, "ticket authentication failed");
    }

    rc = ocs_ticket_parse(plain, clen, t);
    ocs_wipe(plain, clen);

    /* the version and the conference come together or not at all */
    if (rc == OCS_OK
        && (sealed[0] == OCS_TICKET_VERSION_PARTICIPANT)
           != (t->conference_len > 0))
    {
        rc = OCS_ERR_INVALID;
    }

    if (rc != OCS_OK) {
        ocs_wipe(t, sizeof(ocs_ticket_t));
        return ocs_err(err, rc, "sealed ticket has bad fields");
    }

    return OCS_OK;
}


static int
ocs_ticket_parse(const unsigned char *p, size_t len, ocs_ticket_t *t)
{
    size_t                flen;
    unsigned              type;
    uint32_t              seen, bit;
    const unsigned char  *end;

    seen = 0;
    end = p + len;

    while (p < end) {
        if (end - p < 3) {
            return OCS_ERR_INVALID;
        }

        type = p[0];
        flen = (size_t) p[1] << 8 | p[2];
        p += 3;

        if ((size_t) (end - p) < flen) {
            return OCS_ERR_INVALID;
        }

        bit = type < 32 ? 1u << type : 0;

        if (seen & bit) {
            return OCS_ERR_INVALID;
        }

        seen |= bit;

        switch (type) {

        case OCS_T_SESSION:
            if (flen != OCS_SESSION_LEN) {
                return OCS_ERR_INVALID;
            }

            memcpy(t->session, p, flen);
            break;

        case OCS_T_AUTH_TIME:
        case OCS_T_EXPIRES:
        case OCS_T_LAST_SEEN:
            if (flen != 8) {
                return OCS_ERR_INVALID;
            }

            if (type == OCS_T_AUTH_TIME) {
                t->auth_time = ocs_get_int(p, 8);

            } else if (type == OCS_T_EXPIRES) {
                t->expires = ocs_get_int(p, 8);

            } else {
                t->last_seen = ocs_get_int(p, 8);
            }

            break;

        case OCS_T_METHODS:
            if (flen != 4) {
                return OCS_ERR_INVALID;
            }

            t->methods = (uint32_t) ocs_get_int(p, 4);
            break;

        case OCS_T_COMPUTER:
            if (flen != 1 || p[0] > OCS_COMPUTER_PRIVATE) {
                return OCS_ERR_INVALID;
            }

            t->computer = p[0];
            break;

        case OCS_T_USER:
            if (flen == 0
                || ocs_tlv_string(p, flen, OCS_USER_MAX, t->user,
                                  &t->user_len) != OCS_OK)
            {
                return OCS_ERR_INVALID;
            }

            break;

        case OCS_T_SIP:
            if (ocs_tlv_string(p, flen, OCS_SIP_MAX, t->sip, &t->sip_len)
                != OCS_OK)
            {
                return OCS_ERR_INVALID;
            }

            break;

        case OCS_T_DISPLAY:
            if (ocs_tlv_string(p, flen, OCS_DISPLAY_MAX, t->display,
                               &t->display_len) != OCS_OK)
            {
                return OCS_ERR_INVALID;
            }

            break;

        case OCS_T_DN:
            if (ocs_tlv_string(p, flen, OCS_DN_MAX, t->dn, &t->dn_len)
                != OCS_OK)
            {
                return OCS_ERR_INVALID;
            }

            break;

        case OCS_T_GROUPS:
            if (ocs_tlv_string(p, flen, OCS_GROUPS_MAX, t->groups,
                               &t->groups_len) != OCS_OK)
            {
                return OCS_ERR_INVALID;
            }

            break;

        case OCS_T_CHECKED:
            if (flen != 8) {
                return OCS_ERR_INVALID;
            }

            t->checked = ocs_get_int(p, 8);
            break;

        case OCS_T_FACTS_GEN:
            if (flen != 4) {
                return OCS_ERR_INVALID;
            }

            t->facts_gen = (uint32_t) ocs_get_int(p, 4);
            break;

        case OCS_T_AUTH_MS:
            if (flen != 2 || ocs_get_int(p, 2) > 999) {
                return OCS_ERR_INVALID;
            }

            t->auth_ms = (unsigned) ocs_get_int(p, 2);
            break;

        case OCS_T_SERVICES:
            if (flen % 12 != 0 || flen / 12 > OCS_SERVICES_MAX) {
                return OCS_ERR_INVALID;
            }

            for (t->nservices = 0; t->nservices < flen / 12; t->nservices++) {
                t->services[t->nservices].id =
                    (uint32_t) ocs_get_int(p + 12 * t->nservices, 4);
                t->services[t->nservices].last_seen =
                    ocs_get_int(p + 12 * t->nservices + 4, 8);
            }

            break;

        case OCS_T_CONFERENCE:
            if (flen == 0
                || ocs_tlv_string(p, flen, OCS_TICKET_CONFERENCE_MAX,
                                  t->conference, &t->conference_len)
                   != OCS_OK)
            {
                return OCS_ERR_INVALID;
            }

            break;

        case OCS_T_FACTS:
            if (flen % 4 != 0 || flen / 4 > OCS_FACTS_MAX) {
                return OCS_ERR_INVALID;
            }

            for (t->nfacts = 0; t->nfacts < flen / 4; t->nfacts++) {
                t->facts[t->nfacts] = (uint32_t) ocs_get_int(
                                                  p + 4 * t->nfacts, 4);
            }

            break;

        default:
            break;
        }

        p += flen;
    }

    if ((seen & OCS_T_REQUIRED) != OCS_T_REQUIRED
        || !ocs_ticket_times_ok(t, (seen & 1u << OCS_T_CHECKED) != 0))
    {
        return OCS_ERR_INVALID;
    }

    return OCS_OK;
}


/*
 * The rules in ocs_ticket.h.  Only a holder of the key can make a ticket
 * that breaks them, but then no later arithmetic on its times may
 * overflow, and no wrapped sign-in time may order it after a revocation.
 */
static int
ocs_ticket_times_ok(const ocs_ticket_t *t, int checked)
{
    size_t  i;

    if (!ocs_time_ok(t->auth_time) || !ocs_time_ok(t->expires)
        || !ocs_time_ok(t->last_seen) || (checked && !ocs_time_ok(t->checked))
        || t->expires < t->auth_time || t->last_seen < t->auth_time)
    {
        return 0;
    }

    for (i = 0; i < t->nservices; i++) {
        if (!ocs_time_ok(t->services[i].last_seen)
            || t->services[i].last_seen < t->auth_time)
        {
            return 0;
        }
    }

    return 1;
}


int
ocs_ticket_check(const ocs_ticket_t *t, int64_t now, int64_t lifetime,
    int64_t idle)
{
    if (now >= t->expires) {
        return OCS_ERR_EXPIRED;
    }

    if (lifetime > 0 && ocs_time_diff(now, t->auth_time) >= lifetime) {
        return OCS_ERR_EXPIRED;
    }

    if (idle > 0 && ocs_time_diff(now, t->last_seen) >= idle) {
        return OCS_ERR_IDLE;
    }

    return OCS_OK;
}


int
ocs_ticket_revoked_by(const ocs_ticket_t *t, int64_t not_before)
{
    int64_t  sec, ms;

    /* not_before split into second and millisecond, rounding down, so
       that no product auth_time * 1000 can overflow */
    sec = not_before / 1000;
    ms = not_before % 1000;

    if (ms < 0) {
        sec--;
        ms += 1000;
    }

    return t->auth_time < sec
           || (t->auth_time == sec && (int64_t) t->auth_ms <= ms);
}


void
ocs_ticket_touch(ocs_ticket_t *t, int64_t now)
{
    t->last_seen = (now > t->auth_time) ? now : t->auth_time;
}


size_t
ocs_methods_format(uint32_t methods, char *out, size_t outlen)
{
    size_t  i, n, len;

    n = 0;

    if (outlen == 0) {
        return 0;
    }

    for (i = 0; i < sizeof(ocs_method_names) / sizeof(ocs_method_names[0]);
         i++)
    {
        if (!(methods & (1u << i))) {
            continue;
        }

        len = strlen(ocs_method_names[i]);

        if (n + (n > 0) + len + 1 > outlen) {
            break;
        }

        if (n > 0) {
            out[n++] = ',';
        }

        memcpy(out + n, ocs_method_names[i], len);
        n += len;
    }

    out[n] = '\0';

    return n;
}


static void
ocs_tlv_put(ocs_tlv_writer_t *w, unsigned type, const void *v, size_t len)
{
    if ((size_t) (w->end - w->p) < len + 3 || len > 0xffff) {
        w->overflow = 1;
        return;
    }

    w->p[0] = (unsigned char) type;
    w->p[1] = (unsigned char) (len >> 8);
    w->p[2] = (unsigned char) len;
    memcpy(w->p + 3, v, len);
    w->p += 3 + len;
}


static void
ocs_tlv_put_int(ocs_tlv_writer_t *w, unsigned type, int64_t v, size_t len)
{
    size_t          i;
    uint64_t        u;
    unsigned char   buf[8];

    u = (uint64_t) v;

    for (i = len; i > 0; i--) {
        buf[i - 1] = (unsigned char) u;
        u >>= 8;
    }

    ocs_tlv_put(w, type, buf, len);
}


static void
ocs_tlv_put_facts(ocs_tlv_writer_t *w, const uint32_t *facts, size_t n)
{
    size_t          i;
    unsigned char   buf[4 * OCS_FACTS_MAX];

    for (i = 0; i < n; i++) {
        buf[4 * i] = (unsigned char) (facts[i] >> 24);
        buf[4 * i + 1] = (unsigned char) (facts[i] >> 16);
        buf[4 * i + 2] = (unsigned char) (facts[i] >> 8);
        buf[4 * i + 3] = (unsigned char) facts[i];
    }

    ocs_tlv_put(w, OCS_T_FACTS, buf, 4 * n);
}


/* each service: its id (4 bytes) and its last activity (8 bytes) */
static void
ocs_tlv_put_services(ocs_tlv_writer_t *w, const ocs_ticket_t *t)
{
    size_t          i, j;
    uint64_t        u;
    unsigned char   buf[12 * OCS_SERVICES_MAX], *p;

    for (i = 0; i < t->nservices; i++) {
        p = buf + 12 * i;
        p[0] = (unsigned char) (t->services[i].id >> 24);
        p[1] = (unsigned char) (t->services[i].id >> 16);
        p[2] = (unsigned char) (t->services[i].id >> 8);
        p[3] = (unsigned char) t->services[i].id;

        u = (uint64_t) t->services[i].last_seen;

        for (j = 12; j > 4; j--) {
            p[j - 1] = (unsigned char) u;
            u >>= 8;
        }
    }

    ocs_tlv_put(w, OCS_T_SERVICES, buf, 12 * t->nservices);
}


int64_t
ocs_ticket_service_seen(const ocs_ticket_t *t, uint32_t service)
{
    size_t  i;

    for (i = 0; i < t->nservices; i++) {
        if (t->services[i].id == service) {
            return t->services[i].last_seen;
        }
    }

    return t->last_seen;
}


int
ocs_ticket_service_known(const ocs_ticket_t *t, uint32_t service)
{
    size_t  i;

    for (i = 0; i < t->nservices; i++) {
        if (t->services[i].id == service) {
            return 1;
        }
    }

    return 0;
}


void
ocs_ticket_service_touch(ocs_ticket_t *t, uint32_t service, int64_t now)
{
    size_t  i, oldest;

    oldest = 0;

    if (now < t->auth_time) {
        now = t->auth_time;
    }

    for (i = 0; i < t->nservices; i++) {
        if (t->services[i].id == service) {
            t->services[i].last_seen = now;
            return;
        }

        if (t->services[i].last_seen < t->services[oldest].last_seen) {
            oldest = i;
        }
    }

    if (t->nservices < OCS_SERVICES_MAX) {
        i = t->nservices++;

    } else {
        i = oldest;
    }

    t->services[i].id = service;
    t->services[i].last_seen = now;
}


/* a text field: at most max bytes, no NUL; copied NUL-terminated */
static int
ocs_tlv_string(const unsigned char *p, size_t len, size_t max, char *out,
    size_t *out_len)
{
    if (len > max || memchr(p, '\0', len) != NULL) {
        return OCS_ERR_INVALID;
    }

    memcpy(out, p, len);
    out[len] = '\0';
    *out_len = len;

    return OCS_OK;
}


int
ocs_ticket_has_fact(const ocs_ticket_t *t, uint32_t fact)
{
    size_t  i;

    for (i = 0; i < t->nfacts; i++) {
        if (t->facts[i] == fact) {
            return 1;
        }
    }

    return 0;
}


static int64_t
ocs_get_int(const unsigned char *p, size_t len)
{
    size_t    i;
    uint64_t  u;

    u = 0;

    for (i = 0; i < len; i++) {
        u = u << 8 | p[i];
    }

    return (int64_t) u;
}
