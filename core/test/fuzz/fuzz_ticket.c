/*
 * A libFuzzer target for the ticket cookie (ocs_ticket_open), against a
 * fixed key ring made in the initialiser, so that the seeds, real sealed
 * tickets, open and their mutations reach the decryption and the field
 * parser.  The first byte picks the mode:
 *
 *   'T'  the rest is cookie text, opened with and without the cache;
 *   'R'  the next byte is the version and the rest the sealed contents
 *        themselves (type-length-value fields), which the target seals
 *        under the ring's key as the module would and opens, so that
 *        the refusals of the contents' own fields are reached;
 *   else the rest fills a ticket's fields, which is sealed, opened and
 *        compared: whatever seals must open to the same ticket.
 *
 * A ticket that opens has every string NUL-terminated within its buffer
 * and its length, and seals and opens again to itself.
 *
 *   make fuzz-build; build/fuzz/fuzz_ticket corpus-dir
 *   OCS_FUZZ_SEEDS=dir build/fuzz/fuzz_ticket -runs=0   (writes seeds)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <ocs/ocs_codec.h>
#include <ocs/ocs_ticket.h>


/* the sealed layout of ocs_ticket.h, which the raw mode makes itself */
#define FZ_NONCE_LEN   12
#define FZ_TAG_LEN     16
#define FZ_HEADER_LEN  (1 + OCS_KEY_ID_LEN + FZ_NONCE_LEN)
#define FZ_PLAIN_MAX   (OCS_TICKET_TEXT_MAX / 4 * 3 - FZ_HEADER_LEN     \
                        - FZ_TAG_LEN)


static ocs_keyring_t        ring;
static ocs_keyring_t        other;     /* the ring after a rotation */
static ocs_ticket_cache_t  *cache;


static int64_t
fz_now(void *data)
{
    (void) data;
    return INT64_C(1767225600);     /* 2026-01-01 */
}


static int
fz_random(void *data, unsigned char *buf, size_t len)
{
    size_t  i;

    (void) data;

    for (i = 0; i < len; i++) {
        buf[i] = (unsigned char) (i * 31 + 7);
    }

    return OCS_OK;
}


static const ocs_env_t  env = { fz_now, fz_random, NULL };


static void
str_ok(const char *s, size_t len, size_t size)
{
    if (len >= size || s[len] != '\0' || strlen(s) > len) {
        abort();
    }
}


static void
ticket_ok(const ocs_ticket_t *t)
{
    str_ok(t->user, t->user_len, sizeof(t->user));
    str_ok(t->sip, t->sip_len, sizeof(t->sip));
    str_ok(t->display, t->display_len, sizeof(t->display));
    str_ok(t->dn, t->dn_len, sizeof(t->dn));
    str_ok(t->groups, t->groups_len, sizeof(t->groups));
    str_ok(t->conference, t->conference_len, sizeof(t->conference));

    if (t->nfacts > OCS_FACTS_MAX || t->nservices > OCS_SERVICES_MAX
        || t->auth_ms > 999 || t->auth_time < OCS_TIME_MIN
        || t->auth_time > OCS_TIME_MAX || t->expires < t->auth_time)
    {
        abort();
    }
}


static int
ticket_eq(const ocs_ticket_t *a, const ocs_ticket_t *b)
{
    size_t  i;

    if (memcmp(a->session, b->session, OCS_SESSION_LEN) != 0
        || a->auth_time != b->auth_time || a->auth_ms != b->auth_ms
        || a->expires != b->expires || a->last_seen != b->last_seen
        || a->methods != b->methods || a->computer != b->computer
        || a->user_len != b->user_len || a->sip_len != b->sip_len
        || a->display_len != b->display_len || a->dn_len != b->dn_len
        || a->groups_len != b->groups_len
        || a->conference_len != b->conference_len
        || memcmp(a->user, b->user, a->user_len) != 0
        || memcmp(a->sip, b->sip, a->sip_len) != 0
        || memcmp(a->display, b->display, a->display_len) != 0
        || memcmp(a->dn, b->dn, a->dn_len) != 0
        || memcmp(a->groups, b->groups, a->groups_len) != 0
        || memcmp(a->conference, b->conference, a->conference_len) != 0
        || a->nservices != b->nservices)
    {
        return 0;
    }

    /* the directory's check and facts are sealed with a DN only */
    if (a->dn_len == 0) {
        if (b->nfacts != 0 && a->nfacts != b->nfacts) {
            return 0;
        }

    } else if (a->checked != b->checked || a->facts_gen != b->facts_gen
               || a->nfacts != b->nfacts)
    {
        return 0;
    }

    for (i = 0; i < b->nfacts; i++) {
        if (a->facts[i] != b->facts[i]) {
            return 0;
        }
    }

    for (i = 0; i < a->nservices; i++) {
        if (a->services[i].id != b->services[i].id
            || a->services[i].last_seen != b->services[i].last_seen)
        {
            return 0;
        }
    }

    return 1;
}


static char  text[OCS_TICKET_TEXT_MAX + 1];


/* seals t, opens it again, and checks it is unchanged */
static void
round_trip(const ocs_ticket_t *t)
{
    size_t        n;
    ocs_err_t     err;
    ocs_ticket_t  back;

    if (ocs_ticket_seal(&ring, cache, &env, t, text, sizeof(text), &n, &err)
        != OCS_OK)
    {
        return;
    }

    if (n > OCS_TICKET_TEXT_MAX
        || ocs_ticket_open(&ring, cache, text, n, &back, &err) != OCS_OK)
    {
        fprintf(stderr, "a sealed ticket does not open: %s\n", err.text);
        abort();
    }

    if (!ticket_eq(t, &back)) {
        fprintf(stderr, "a sealed ticket opens to another\n");
        abort();
    }

    ticket_ok(&back);

    /* an old ring key still opens it, an unknown ring never does */
    if (ocs_ticket_open(&other, NULL, text, n, &back, &err) != OCS_OK
        || !ticket_eq(t, &back))
    {
        abort();
    }
}


/* takes len bytes from the input, zeros past its end */
static void
take(const unsigned char **p, size_t *left, void *to, size_t len)
{
    size_t  n;

    n = len < *left ? len : *left;
    memset(to, 0, len);
    memcpy(to, *p, n);
    *p += n;
    *left -= n;
}


static size_t
take_str(const unsigned char **p, size_t *left, char *to, size_t max)
{
    unsigned char  l;
    size_t         n;

    take(p, left, &l, 1);
    n = l;
    if (n > max) {
        n = max;
    }
    if (n > *left) {
        n = *left;
    }
    memcpy(to, *p, n);
    to[n] = '\0';
    *p += n;
    *left -= n;

    return n;
}


static void
fill(ocs_ticket_t *t, const unsigned char *p, size_t left)
{
    uint32_t  v;
    size_t    i;

    memset(t, 0, sizeof(*t));
    take(&p, &left, t->session, OCS_SESSION_LEN);
    take(&p, &left, &v, 4);
    t->auth_time = OCS_TIME_MIN + v;
    take(&p, &left, &v, 2);
    t->auth_ms = v % 1000;
    take(&p, &left, &v, 4);
    t->expires = t->auth_time + (v & 0xffff);
    take(&p, &left, &v, 4);
    t->last_seen = t->auth_time + (v & 0xffffff);
    take(&p, &left, &t->methods, 4);
    take(&p, &left, &v, 1);
    t->computer = v & 1;
    t->user_len = take_str(&p, &left, t->user, 255);
    t->sip_len = take_str(&p, &left, t->sip, 255);
    t->display_len = take_str(&p, &left, t->display, 255);
    t->dn_len = take_str(&p, &left, t->dn, 255);
    t->groups_len = take_str(&p, &left, t->groups, 255);
    t->conference_len = take_str(&p, &left, t->conference,
                                 OCS_TICKET_CONFERENCE_MAX);
    take(&p, &left, &v, 4);
    t->checked = t->auth_time - 10 + (v & 0xff);
    take(&p, &left, &t->facts_gen, 4);
    take(&p, &left, &v, 1);
    t->nfacts = v % (OCS_FACTS_MAX + 1);
    for (i = 0; i < t->nfacts; i++) {
        take(&p, &left, &t->facts[i], 4);
    }
    take(&p, &left, &v, 1);
    t->nservices = v % (OCS_SERVICES_MAX + 1);
    for (i = 0; i < t->nservices; i++) {
        take(&p, &left, &t->services[i].id, 4);
        take(&p, &left, &v, 2);
        t->services[i].last_seen = t->auth_time + v;
    }
}


/*
 * AES-256-GCM under the ring's first key, as ocs_ticket_seal() does
 * (enc 1: plain to sealed; enc 0: sealed to plain, checking the tag).
 * sealed is version | key id | nonce | ciphertext | tag.  Returns the
 * plain length, or -1.
 */
static int
fz_gcm(int enc, unsigned char *sealed, unsigned char *plain, int plen)
{
    int              n, ok;
    EVP_CIPHER_CTX  *ctx;
    unsigned char   *c, *tag;

    c = sealed + FZ_HEADER_LEN;
    tag = c + plen;

    ctx = EVP_CIPHER_CTX_new();

    ok = ctx != NULL
         && EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL,
                              ring.keys[0].ticket,
                              sealed + 1 + OCS_KEY_ID_LEN, enc) == 1
         && EVP_CipherUpdate(ctx, NULL, &n, sealed, FZ_HEADER_LEN) == 1;

    if (ok && enc) {
        ok = (plen == 0 || EVP_CipherUpdate(ctx, c, &n, plain, plen) == 1)
             && EVP_CipherFinal_ex(ctx, c + plen, &n) == 1
             && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, FZ_TAG_LEN,
                                    tag) == 1;

    } else if (ok) {
        ok = EVP_CipherUpdate(ctx, plain, &n, c, plen) == 1
             && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, FZ_TAG_LEN,
                                    tag) == 1
             && EVP_CipherFinal_ex(ctx, plain + n, &n) == 1;
    }

    EVP_CIPHER_CTX_free(ctx);

    return ok ? plen : -1;
}


/* seals version and plain as cookie text into text; its length or 0 */
static size_t
raw_seal(unsigned version, const unsigned char *plain, size_t plen)
{
    size_t         n;
    unsigned char  sealed[FZ_HEADER_LEN + FZ_PLAIN_MAX + FZ_TAG_LEN];

    if (plen > FZ_PLAIN_MAX) {
        return 0;
    }

    sealed[0] = (unsigned char) version;
    memcpy(sealed + 1, ring.keys[0].id, OCS_KEY_ID_LEN);
    memset(sealed + 1 + OCS_KEY_ID_LEN, 0x5c, FZ_NONCE_LEN);

    if (fz_gcm(1, sealed, (unsigned char *) plain, (int) plen) < 0
        || ocs_b64url_encode(sealed, FZ_HEADER_LEN + plen + FZ_TAG_LEN,
                             text, sizeof(text), &n) != OCS_OK)
    {
        abort();
    }

    return n;
}


/* a sealed ticket's contents back from its cookie text; -1 if none */
static int
raw_open(const char *in, size_t len, unsigned char *plain)
{
    size_t         total;
    unsigned char  sealed[FZ_HEADER_LEN + FZ_PLAIN_MAX + FZ_TAG_LEN];

    if (ocs_b64url_decode(in, len, sealed, sizeof(sealed), &total)
        != OCS_OK || total < FZ_HEADER_LEN + FZ_TAG_LEN)
    {
        return -1;
    }

    return fz_gcm(0, sealed, plain,
                  (int) (total - FZ_HEADER_LEN - FZ_TAG_LEN));
}


static void
write_seed(const char *dir, const char *name, const void *a, size_t alen,
    const void *b, size_t blen)
{
    char   path[4096];
    FILE  *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");

    if (f == NULL || fwrite(a, 1, alen, f) != alen
        || fwrite(b, 1, blen, f) != blen || fclose(f) != 0)
    {
        abort();
    }
}


static void
write_seeds(const char *dir)
{
    int            plen;
    size_t         n, i;
    char           name[32];
    ocs_err_t      err;
    ocs_ticket_t   t;
    unsigned char  head[2], plain[FZ_PLAIN_MAX];

    for (i = 0; i < 4; i++) {
        memset(&t, 0, sizeof(t));
        memset(t.session, (int) i + 1, OCS_SESSION_LEN);
        t.auth_time = fz_now(NULL) - 60;
        t.auth_ms = 123;
        t.expires = t.auth_time + 36000;
        t.last_seen = t.auth_time + 30;
        t.methods = OCS_METHOD_PASSWORD << i;
        t.user_len = (size_t) snprintf(t.user, sizeof(t.user), "nora%zu", i);

        if (i >= 1) {
            t.sip_len = (size_t) snprintf(t.sip, sizeof(t.sip),
                                          "sip:nora@contoso.com");
            t.display_len = (size_t) snprintf(t.display, sizeof(t.display),
                                              "Nora \"N\" Example");
            t.dn_len = (size_t) snprintf(t.dn, sizeof(t.dn),
                               "CN=Nora,OU=Users,DC=contoso,DC=com");
            t.groups_len = (size_t) snprintf(t.groups, sizeof(t.groups),
                                             "Sales,VPN Users");
            t.checked = t.auth_time - 1;
        }

        if (i >= 2) {
            t.facts_gen = 7;
            t.nfacts = 3;
            t.facts[0] = 1; t.facts[1] = 0xdeadbeef; t.facts[2] = 42;
            t.nservices = 2;
            t.services[0].id = 5;
            t.services[0].last_seen = t.auth_time + 10;
            t.services[1].id = 9;
            t.services[1].last_seen = t.auth_time + 20;
        }

        if (i == 3) {
            t.methods = OCS_METHOD_ANONYMOUS;
            t.conference_len = (size_t) snprintf(t.conference,
                                       sizeof(t.conference), "board-2026");
        }

        if (ocs_ticket_seal(&ring, cache, &env, &t, text + 1,
                            sizeof(text) - 1, &n, &err) != OCS_OK)
        {
            fprintf(stderr, "seal: %s\n", err.text);
            abort();
        }

        text[0] = 'T';
        snprintf(name, sizeof(name), "sealed-%zu", i);
        write_seed(dir, name, text, n + 1, "", 0);

        /* the same contents for the raw mode: 'R', version, fields */
        plen = raw_open(text + 1, n, plain);
        if (plen < 0) {
            abort();
        }

        head[0] = 'R';
        head[1] = i == 3 ? OCS_TICKET_VERSION_PARTICIPANT
                         : OCS_TICKET_VERSION;
        snprintf(name, sizeof(name), "raw-%zu", i);
        write_seed(dir, name, head, 2, plain, (size_t) plen);
    }
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    size_t          i;
    ocs_err_t       err;
    unsigned char   raw[OCS_KEY_LEN];
    const char     *dir;

    (void) argc;
    (void) argv;

    if (ocs_init() != OCS_OK) {
        abort();
    }

    for (i = 0; i < OCS_KEY_LEN; i++) {
        raw[i] = (unsigned char) (0xa5 ^ i);
    }

    if (ocs_keyring_add(&ring, raw, sizeof(raw), &err) != OCS_OK) {
        abort();
    }

    /* the rotated ring: a new first key, the old one second */
    raw[0] ^= 0xff;
    if (ocs_keyring_add(&other, raw, sizeof(raw), &err) != OCS_OK) {
        abort();
    }
    raw[0] ^= 0xff;
    if (ocs_keyring_add(&other, raw, sizeof(raw), &err) != OCS_OK) {
        abort();
    }

    cache = ocs_ticket_cache_create(&ring, &err);
    if (cache == NULL) {
        abort();
    }

    dir = getenv("OCS_FUZZ_SEEDS");
    if (dir != NULL) {
        write_seeds(dir);
    }

    return 0;
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int           rc, rc2;
    size_t        n;
    ocs_err_t     err;
    const char   *in;
    ocs_ticket_t  t, t2;

    if (size == 0) {
        return 0;
    }

    if (data[0] == 'R') {
        if (size < 2) {
            return 0;
        }

        n = raw_seal(data[1], data + 2, size - 2);
        if (n == 0) {
            return 0;
        }

        in = text;

    } else if (data[0] == 'T') {
        in = (const char *) data + 1;
        n = size - 1;

    } else {
        fill(&t, data + 1, size - 1);
        round_trip(&t);
        return 0;
    }

    rc = ocs_ticket_open(&ring, cache, in, n, &t, &err);
    rc2 = ocs_ticket_open(&ring, NULL, in, n, &t2, &err);

    /* contents sealed with the key get past the tag, whatever they are */
    if (data[0] == 'R' && (data[1] == OCS_TICKET_VERSION
                           || data[1] == OCS_TICKET_VERSION_PARTICIPANT)
        && rc != OCS_OK && rc != OCS_ERR_INVALID)
    {
        fprintf(stderr, "sealed contents refused as %d: %s\n", rc,
                err.text);
        abort();
    }

    if (rc != rc2) {
        abort();
    }

    if (rc == OCS_OK) {
        if (!ticket_eq(&t, &t2)) {
            abort();
        }
        ticket_ok(&t);
        round_trip(&t);
    }

    return 0;
}
