/*
 * Sealed tickets: seal and open, with and without a context cache, the
 * directory fields, services, limits and the rules on times.  Key rings
 * are in test_keyring.c, CSRF tokens in test_csrf.c.
 */

#include <openssl/evp.h>

#include <ocs_test.h>
#include <ocs_test_ring.h>
#include <ocs/ocs_codec.h>
#include <ocs/ocs_keyring.h>
#include <ocs/ocs_ticket.h>


static ocs_test_env_data_t  env_data = { 1700000000, 1 };
static const ocs_env_t      env = { ocs_test_now, ocs_test_random, &env_data };


/* seal and open with the ring's cache when caching is on */
#define OPEN(ring, ...)  ocs_ticket_open(&ring, C(&ring), __VA_ARGS__)
#define SEAL(ring, ...)  ocs_ticket_seal(&ring, C(&ring), __VA_ARGS__)


static void
make_ticket(ocs_ticket_t *t)
{
    memset(t, 0, sizeof(*t));
    memset(t->session, 0xab, OCS_SESSION_LEN);
    t->auth_time = 1700000000;
    t->auth_ms = 987;
    t->expires = 1700000000 + 3600;
    t->last_seen = 1700000100;
    t->methods = OCS_METHOD_PASSWORD | OCS_METHOD_TOTP;
    t->computer = OCS_COMPUTER_PRIVATE;
    t->user_len = strlen("CONTOSO\\bob");
    memcpy(t->user, "CONTOSO\\bob", t->user_len);
}


static void
test_seal_open(void)
{
    const char     *mode = use_cache ? "cached: " : "";
    size_t          n, i, len;
    ocs_err_t       err;
    ocs_ticket_t    t, got;
    ocs_keyring_t   one, two, rotated, other;
    char            text[OCS_TICKET_TEXT_MAX], bad[OCS_TICKET_TEXT_MAX];
    char            methods[64];

    make_ring(&one, (const unsigned char *) "\x01", 1);
    make_ring(&two, (const unsigned char *) "\x02", 1);
    make_ring(&rotated, (const unsigned char *) "\x02\x01", 2);
    make_ring(&other, (const unsigned char *) "\x03", 1);
    make_ticket(&t);

    printf("# seal and open, %s\n", use_cache ? "cached contexts" : "fresh");
    ok(mode != NULL, "%smode", mode);

    ok(SEAL(one, &env, &t, text, sizeof(text), &n, &err)
       == OCS_OK, "seal");
    ok(n < 300, "sealed ticket is small (%zu characters)", n);

    ok(OPEN(one, text, n, &got, &err) == OCS_OK, "open");
    ok(memcmp(got.session, t.session, OCS_SESSION_LEN) == 0,
       "open: session id");
    is_int(got.auth_time, t.auth_time, "open: auth time");
    is_int(got.auth_ms, 987, "open: auth milliseconds");
    ok(ocs_ticket_revoked_by(&got, 1700000000987LL)
       && !ocs_ticket_revoked_by(&got, 1700000000986LL),
       "open: revocations ordered to the millisecond");
    is_int(got.expires, t.expires, "open: expiry");
    is_int(got.last_seen, t.last_seen, "open: last seen");
    is_int(got.methods, t.methods, "open: methods");
    is_int(got.computer, OCS_COMPUTER_PRIVATE, "open: computer");
    is_str(got.user, got.user_len, "CONTOSO\\bob", "open: user");

    ok(OPEN(rotated, text, n, &got, &err) == OCS_OK,
       "a rotated ring still opens old tickets");
    is_int(OPEN(two, text, n, &got, &err), OCS_ERR_NOTFOUND,
           "a ring without the key refuses");
    is_int(OPEN(other, text, n, &got, &err), OCS_ERR_NOTFOUND,
           "wrong key refuses");

    /* flip one character at every position */
    len = n;

    for (i = 0; i < len; i++) {
        memcpy(bad, text, len);
        bad[i] = (bad[i] == 'A') ? 'B' : 'A';

        if (OPEN(one, bad, len, &got, &err) == OCS_OK) {
            break;
        }
    }

    is_int(i, len, "every tampered position is refused");

    for (i = 1; i < len; i++) {
        if (OPEN(one, text, len - i, &got, &err) == OCS_OK) {
            break;
        }
    }

    is_int(i, len, "every truncation is refused");
    ok(got.user_len == 0, "a refused ticket leaves nothing behind");

    is_int(OPEN(one, "garbage!", 8, &got, &err), OCS_ERR_INVALID,
           "garbage");
    is_int(OPEN(one, "", 0, &got, &err), OCS_ERR_INVALID,
           "empty");

    /* version byte: 'A' encodes 0 in the first six bits */
    memcpy(bad, text, len);
    bad[0] = 'C';
    is_int(OPEN(one, bad, len, &got, &err), OCS_ERR_INVALID,
           "unknown version");

    ok(SEAL(two, &env, &t, bad, sizeof(bad), &n, &err) == OCS_OK
       && OPEN(rotated, bad, n, &got, &err) == OCS_OK,
       "new key seals, ring opens");

    is_int(SEAL(one, &env, &t, text, 40, &n, &err),
           OCS_ERR_SPACE, "seal: short buffer");

    t.user_len = 0;
    is_int(SEAL(one, &env, &t, text, sizeof(text), &n, &err),
           OCS_ERR_INVALID, "seal: empty user");

    memset(&other, 0, sizeof(other));
    make_ticket(&t);
    is_int(SEAL(other, &env, &t, text, sizeof(text), &n, &err),
           OCS_ERR_NOTFOUND, "seal: empty ring");

    t.user_len = OCS_USER_MAX;
    memset(t.user, 'u', OCS_USER_MAX);
    ok(SEAL(one, &env, &t, text, sizeof(text), &n, &err)
       == OCS_OK && OPEN(one, text, n, &got, &err) == OCS_OK
       && got.user_len == OCS_USER_MAX, "longest user name round-trips");

    n = ocs_methods_format(OCS_METHOD_PASSWORD | OCS_METHOD_TOTP, methods,
                           sizeof(methods));
    is_str(methods, n, "password,totp", "methods format");
    n = ocs_methods_format(OCS_METHOD_PASSWORD | OCS_METHOD_TOTP, methods, 9);
    is_str(methods, n, "password", "methods format: short buffer");
}


static void
test_directory_fields(void)
{
    int             rc;
    size_t          n;
    ocs_err_t       err;
    ocs_ticket_t    t, got;
    ocs_keyring_t   ring;
    char            text[OCS_TICKET_TEXT_MAX];

    make_ring(&ring, (const unsigned char *) "\x05", 1);
    make_ticket(&t);

    t.sip_len = strlen("sip:alice@contoso.com");
    memcpy(t.sip, "sip:alice@contoso.com", t.sip_len);
    t.display_len = strlen("Alice Example");
    memcpy(t.display, "Alice Example", t.display_len);
    t.dn_len = strlen("cn=alice,ou=Users,dc=contoso,dc=com");
    memcpy(t.dn, "cn=alice,ou=Users,dc=contoso,dc=com", t.dn_len);
    t.groups_len = strlen("CWA Users,Remote Access");
    memcpy(t.groups, "CWA Users,Remote Access", t.groups_len);
    t.checked = 1700000500;
    t.facts_gen = 0xdeadbeef;
    t.nfacts = 3;
    t.facts[0] = 1;
    t.facts[1] = 0x80000000;
    t.facts[2] = 0x12345678;

    ok(ocs_ticket_seal(&ring, NULL, &env, &t, text, sizeof(text), &n, &err)
       == OCS_OK && ocs_ticket_open(&ring, NULL, text, n, &got, &err)
       == OCS_OK, "directory fields: round trip");
    is_str(got.sip, got.sip_len, "sip:alice@contoso.com", "sip");
    is_str(got.display, got.display_len, "Alice Example", "display name");
    is_str(got.dn, got.dn_len, "cn=alice,ou=Users,dc=contoso,dc=com", "dn");
    is_str(got.groups, got.groups_len, "CWA Users,Remote Access", "groups");
    is_int(got.checked, 1700000500, "checked");
    is_int(got.facts_gen, 0xdeadbeef, "facts generation");
    is_int(got.nfacts, 3, "facts");
    ok(ocs_ticket_has_fact(&got, 0x80000000)
       && ocs_ticket_has_fact(&got, 0x12345678)
       && !ocs_ticket_has_fact(&got, 2), "has fact");

    /* the largest fields still fit in one cookie */
    t.sip_len = OCS_SIP_MAX;
    memset(t.sip, 's', OCS_SIP_MAX);
    t.display_len = OCS_DISPLAY_MAX;
    memset(t.display, 'd', OCS_DISPLAY_MAX);
    t.dn_len = OCS_DN_MAX;
    memset(t.dn, 'n', OCS_DN_MAX);
    t.groups_len = OCS_GROUPS_MAX;
    memset(t.groups, 'g', OCS_GROUPS_MAX);
    t.nfacts = OCS_FACTS_MAX;
    t.user_len = OCS_USER_MAX;
    memset(t.user, 'u', OCS_USER_MAX);

    rc = ocs_ticket_seal(&ring, NULL, &env, &t, text, sizeof(text), &n,
                         &err);
    ok(rc == OCS_OK && n <= OCS_TICKET_TEXT_MAX, "largest ticket: %zu chars",
       rc == OCS_OK ? n : 0);
    ok(ocs_ticket_open(&ring, NULL, text, n, &got, &err) == OCS_OK
       && got.groups_len == OCS_GROUPS_MAX, "largest ticket opens");

    t.groups_len = OCS_GROUPS_MAX + 1;
    is_int(ocs_ticket_seal(&ring, NULL, &env, &t, text, sizeof(text), &n,
                           &err),
           OCS_ERR_INVALID, "field over its limit");
}


/* a participant's ticket: its own version, so older code refuses it */
static void
test_participant(void)
{
    size_t          n;
    ocs_err_t       err;
    ocs_ticket_t    t, got;
    ocs_keyring_t   ring;
    char            text[OCS_TICKET_TEXT_MAX];
    unsigned char   raw[OCS_TICKET_TEXT_MAX];

    make_ring(&ring, (const unsigned char *) "\x06", 1);
    make_ticket(&t);

    ok(ocs_ticket_seal(&ring, NULL, &env, &t, text, sizeof(text), &n, &err)
       == OCS_OK && ocs_b64url_decode(text, n, raw, sizeof(raw), &n)
       == OCS_OK && raw[0] == OCS_TICKET_VERSION,
       "participant: a user's ticket keeps version 1");

    t.conference_len = 3;
    memcpy(t.conference, "m-1", 3);
    t.methods = OCS_METHOD_ANONYMOUS;

    ok(ocs_ticket_seal(&ring, NULL, &env, &t, text, sizeof(text), &n, &err)
       == OCS_OK && ocs_ticket_open(&ring, NULL, text, n, &got, &err)
       == OCS_OK, "participant: round trip");
    is_str(got.conference, got.conference_len, "m-1",
           "participant: the conference");
    ok(ocs_b64url_decode(text, n, raw, sizeof(raw), &n) == OCS_OK
       && raw[0] == OCS_TICKET_VERSION_PARTICIPANT,
       "participant: sealed as version 2");

    n = ocs_methods_format(OCS_METHOD_DIGEST | OCS_METHOD_ANONYMOUS, text,
                           sizeof(text));
    is_str(text, n, "digest,anonymous", "participant: methods named");

    t.conference_len = OCS_TICKET_CONFERENCE_MAX + 1;
    is_int(ocs_ticket_seal(&ring, NULL, &env, &t, text, sizeof(text), &n,
                           &err),
           OCS_ERR_INVALID, "participant: conference over its limit");
}


static void
test_services(void)
{
    size_t          n, i;
    ocs_err_t       err;
    ocs_ticket_t    t, got;
    ocs_keyring_t   ring;
    char            text[OCS_TICKET_TEXT_MAX];

    make_ring(&ring, (const unsigned char *) "\x06", 1);
    make_ticket(&t);

    is_int(ocs_ticket_service_seen(&t, 7), t.last_seen,
           "service not visited: last activity anywhere");

    ocs_ticket_service_touch(&t, 7, 1700000200);
    ocs_ticket_service_touch(&t, 9, 1700000300);
    ocs_ticket_service_touch(&t, 7, 1700000400);

    is_int(t.nservices, 2, "two services");
    ok(ocs_ticket_service_known(&t, 9) && !ocs_ticket_service_known(&t, 8),
       "service known");
    is_int(ocs_ticket_service_seen(&t, 7), 1700000400, "service 7 touched");
    is_int(ocs_ticket_service_seen(&t, 9), 1700000300, "service 9");

    ok(ocs_ticket_seal(&ring, NULL, &env, &t, text, sizeof(text), &n, &err)
       == OCS_OK && ocs_ticket_open(&ring, NULL, text, n, &got, &err)
       == OCS_OK, "services: round trip");
    is_int(got.nservices, 2, "services kept");
    is_int(ocs_ticket_service_seen(&got, 9), 1700000300,
           "service time kept");

    for (i = 0; i < OCS_SERVICES_MAX + 3; i++) {
        ocs_ticket_service_touch(&t, 100 + (uint32_t) i,
                                 1700001000 + (int64_t) i);
    }

    is_int(t.nservices, OCS_SERVICES_MAX, "table full: bounded");
    is_int(ocs_ticket_service_seen(&t, 100 + OCS_SERVICES_MAX + 2),
           1700001000 + OCS_SERVICES_MAX + 2, "table full: newest kept");
    is_int(ocs_ticket_service_seen(&t, 7), t.last_seen,
           "table full: the longest idle made room");
}


static void
test_check(void)
{
    static const struct {
        int64_t      now;
        int64_t      lifetime;
        int64_t      idle;
        int          rc;
        const char  *name;
    } cases[] = {
        { 1700000200, 0, 0, OCS_OK, "fresh" },
        { 1700003599, 0, 0, OCS_OK, "one second before expiry" },
        { 1700003600, 0, 0, OCS_ERR_EXPIRED, "at expiry" },
        { 1700000200, 100, 0, OCS_ERR_EXPIRED, "location lifetime" },
        { 1700000200, 300, 0, OCS_OK, "within location lifetime" },
        { 1700000200, 0, 100, OCS_ERR_IDLE, "idle exactly" },
        { 1700000199, 0, 100, OCS_OK, "idle one second short" },
    };

    size_t        i;
    ocs_ticket_t  t;

    make_ticket(&t);

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(ocs_ticket_check(&t, cases[i].now, cases[i].lifetime,
                                cases[i].idle),
               cases[i].rc, "check: %s", cases[i].name);
    }
}


/*
 * Tickets sealed here field by field, as the format is documented, with
 * the ring's first key: what the fuzzer made of the time fields, which
 * ocs_ticket_seal() refuses to make.
 */
typedef struct {
    const char  *name;
    int64_t      auth_time;
    int64_t      expires;
    int64_t      last_seen;
    int64_t      checked;          /* 0: no directory fields */
    int64_t      service_seen;     /* 0: no services */
    int          rc;
} raw_case_t;


static size_t
raw_put(unsigned char *p, unsigned type, const void *v, size_t len)
{
    p[0] = (unsigned char) type;
    p[1] = (unsigned char) (len >> 8);
    p[2] = (unsigned char) len;
    memcpy(p + 3, v, len);

    return 3 + len;
}


/* v in len bytes, big-endian, two's complement */
static void
raw_be(unsigned char *p, int64_t v, size_t len)
{
    size_t    i;
    uint64_t  u;

    u = (uint64_t) v;

    for (i = len; i > 0; i--) {
        p[i - 1] = (unsigned char) u;
        u >>= 8;
    }
}


static size_t
raw_put_int(unsigned char *p, unsigned type, int64_t v, size_t len)
{
    unsigned char  buf[8];

    raw_be(buf, v, len);

    return raw_put(p, type, buf, len);
}


static size_t
raw_seal(const ocs_keyring_t *ring, const raw_case_t *c, char *out,
    size_t outlen)
{
    int               n;
    size_t            plen, total, len;
    EVP_CIPHER_CTX   *ctx;
    unsigned char     plain[512], sealed[600], service[12];

    memset(sealed, 0xab, OCS_SESSION_LEN);

    plen = raw_put(plain, 1, sealed, OCS_SESSION_LEN);
    plen += raw_put_int(plain + plen, 2, c->auth_time, 8);
    plen += raw_put_int(plain + plen, 16, 987, 2);
    plen += raw_put_int(plain + plen, 3, c->expires, 8);
    plen += raw_put_int(plain + plen, 4, c->last_seen, 8);
    plen += raw_put_int(plain + plen, 5, OCS_METHOD_PASSWORD, 4);
    plen += raw_put_int(plain + plen, 6, OCS_COMPUTER_PUBLIC, 1);
    plen += raw_put(plain + plen, 7, "bob", 3);

    if (c->checked) {
        plen += raw_put(plain + plen, 10, "cn=bob", 6);
        plen += raw_put_int(plain + plen, 12, c->checked, 8);
    }

    if (c->service_seen) {
        raw_be(service, 7, 4);
        raw_be(service + 4, c->service_seen, 8);
        plen += raw_put(plain + plen, 15, service, 12);
    }

    /* version, key id, nonce: authenticated in clear */
    sealed[0] = OCS_TICKET_VERSION;
    memcpy(sealed + 1, ring->keys[0].id, OCS_KEY_ID_LEN);
    memset(sealed + 1 + OCS_KEY_ID_LEN, 0x5a, 12);

    ctx = EVP_CIPHER_CTX_new();

    if (ctx == NULL
        || EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL,
                              ring->keys[0].ticket, sealed + 5) != 1
        || EVP_EncryptUpdate(ctx, NULL, &n, sealed, 17) != 1
        || EVP_EncryptUpdate(ctx, sealed + 17, &n, plain, (int) plen) != 1
        || EVP_EncryptFinal_ex(ctx, sealed + 17 + plen, &n) != 1
        || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16,
                               sealed + 17 + plen) != 1)
    {
        EVP_CIPHER_CTX_free(ctx);
        return 0;
    }

    EVP_CIPHER_CTX_free(ctx);
    total = 17 + plen + 16;

    if (ocs_b64url_encode(sealed, total, out, outlen, &len) != OCS_OK) {
        return 0;
    }

    return len;
}


#define T0  INT64_C(1700000000)

static void
test_time_fields(void)
{
    static const raw_case_t  cases[] = {
        { "sane", T0, T0 + 3600, T0 + 100, 0, 0, OCS_OK },
        { "sane, checked just before the sign-in, a service",
          T0, T0 + 3600, T0 + 100, T0 - 1, T0 + 50, OCS_OK },
        { "sign-in at INT64_MIN",
          INT64_MIN, T0 + 3600, T0 + 100, 0, 0, OCS_ERR_INVALID },
        { "sign-in at INT64_MAX",
          INT64_MAX, T0 + 3600, T0 + 100, 0, 0, OCS_ERR_INVALID },
        { "every time at INT64_MAX",
          INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX,
          OCS_ERR_INVALID },
        { "every time at INT64_MIN",
          INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN,
          OCS_ERR_INVALID },
        { "sign-in at -1", -1, T0 + 3600, T0 + 100, 0, 0, OCS_ERR_INVALID },
        { "sign-in in 1970", 0, T0 + 3600, T0 + 100, 0, 0, OCS_ERR_INVALID },
        { "sign-in a second before 2000",
          OCS_TIME_MIN - 1, T0, T0, 0, 0, OCS_ERR_INVALID },
        { "every time at 2000-01-01T00:00:00Z",
          OCS_TIME_MIN, OCS_TIME_MIN, OCS_TIME_MIN, OCS_TIME_MIN,
          OCS_TIME_MIN, OCS_OK },
        { "expiry at INT64_MAX",
          T0, INT64_MAX, T0 + 100, 0, 0, OCS_ERR_INVALID },
        { "expiry in the year 10000",
          T0, OCS_TIME_MAX + 1, T0 + 100, 0, 0, OCS_ERR_INVALID },
        { "expiry at 9999-12-31T23:59:59Z",
          T0, OCS_TIME_MAX, T0 + 100, 0, 0, OCS_OK },
        { "expiry at INT64_MIN",
          T0, INT64_MIN, T0 + 100, 0, 0, OCS_ERR_INVALID },
        { "expiry before the sign-in",
          T0, T0 - 1, T0, 0, 0, OCS_ERR_INVALID },
        { "expiry at the sign-in", T0, T0, T0, 0, 0, OCS_OK },
        { "last seen at INT64_MIN",
          T0, T0 + 3600, INT64_MIN, 0, 0, OCS_ERR_INVALID },
        { "last seen at INT64_MAX",
          T0, T0 + 3600, INT64_MAX, 0, 0, OCS_ERR_INVALID },
        { "last seen before the sign-in",
          T0, T0 + 3600, T0 - 1, 0, 0, OCS_ERR_INVALID },
        { "last seen past the expiry",
          T0, T0 + 3600, T0 + 3700, 0, 0, OCS_OK },
        { "checked at INT64_MIN",
          T0, T0 + 3600, T0 + 100, INT64_MIN, 0, OCS_ERR_INVALID },
        { "checked at INT64_MAX",
          T0, T0 + 3600, T0 + 100, INT64_MAX, 0, OCS_ERR_INVALID },
        { "checked at -1", T0, T0 + 3600, T0 + 100, -1, 0, OCS_ERR_INVALID },
        { "service seen at INT64_MIN",
          T0, T0 + 3600, T0 + 100, 0, INT64_MIN, OCS_ERR_INVALID },
        { "service seen at INT64_MAX",
          T0, T0 + 3600, T0 + 100, 0, INT64_MAX, OCS_ERR_INVALID },
        { "service seen before the sign-in",
          T0, T0 + 3600, T0 + 100, 0, T0 - 1, OCS_ERR_INVALID },
    };

    static const int64_t  nows[] = { INT64_MIN, -1, 0, T0, INT64_MAX };

    size_t          i, j, n;
    ocs_err_t       err;
    ocs_ticket_t    t, got;
    ocs_keyring_t   ring;
    char            text[OCS_TICKET_TEXT_MAX];

    make_ring(&ring, (const unsigned char *) "\x07", 1);

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        n = raw_seal(&ring, &cases[i], text, sizeof(text));

        is_int(ocs_ticket_open(&ring, NULL, text, n, &got, &err),
               cases[i].rc, "open: %s", cases[i].name);

        /* the same times in a ticket made in memory: sealing agrees */
        make_ticket(&t);
        t.auth_time = cases[i].auth_time;
        t.expires = cases[i].expires;
        t.last_seen = cases[i].last_seen;

        if (cases[i].checked) {
            t.dn_len = strlen("cn=bob");
            memcpy(t.dn, "cn=bob", t.dn_len);
            t.checked = cases[i].checked;
        }

        if (cases[i].service_seen) {
            t.nservices = 1;
            t.services[0].id = 7;
            t.services[0].last_seen = cases[i].service_seen;
        }

        is_int(ocs_ticket_seal(&ring, NULL, &env, &t, text, sizeof(text), &n,
                               &err),
               cases[i].rc, "seal: %s", cases[i].name);

        /* and whatever the times, checking them is defined behaviour
           (a build with -fsanitize=undefined stops here otherwise) */
        for (j = 0; j < sizeof(nows) / sizeof(nows[0]); j++) {
            (void) ocs_ticket_check(&t, nows[j], 3600, 1800);
            (void) ocs_ticket_check(&t, nows[j], INT64_MAX, INT64_MAX);
            (void) ocs_ticket_revoked_by(&t, nows[j]);
            (void) ocs_ticket_service_seen(&t, 7);
        }
    }

    ok(i > 0, "time fields: every case checked without overflow");
}


/* found by core/test/fuzz/fuzz_ticket.c: sealing made tickets that the
   parser refuses */
static void
test_seal_refuses_unopenable(void)
{
    size_t          n;
    ocs_err_t       err;
    ocs_ticket_t    t;
    ocs_keyring_t   one;
    char            text[OCS_TICKET_TEXT_MAX];

    make_ring(&one, (const unsigned char *) "\x01", 1);

    make_ticket(&t);
    t.user[2] = '\0';
    is_int(ocs_ticket_seal(&one, NULL, &env, &t, text, sizeof(text), &n,
                           &err), OCS_ERR_INVALID, "seal: NUL in the user");

    make_ticket(&t);
    t.display_len = 3;
    memcpy(t.display, "a\0b", 3);
    is_int(ocs_ticket_seal(&one, NULL, &env, &t, text, sizeof(text), &n,
                           &err), OCS_ERR_INVALID,
           "seal: NUL in the display name");

    make_ticket(&t);
    t.dn_len = 4;
    memcpy(t.dn, "CN=\0", 4);
    t.checked = t.auth_time;
    is_int(ocs_ticket_seal(&one, NULL, &env, &t, text, sizeof(text), &n,
                           &err), OCS_ERR_INVALID, "seal: NUL in the DN");

    make_ticket(&t);
    t.computer = 2;
    is_int(ocs_ticket_seal(&one, NULL, &env, &t, text, sizeof(text), &n,
                           &err), OCS_ERR_INVALID,
           "seal: unknown computer value");
}


static void
test_time_arithmetic(void)
{
    static const struct {
        int64_t      a;
        int64_t      b;
        int64_t      diff;
        int64_t      sum;
    } cases[] = {
        { 5, 3, 2, 8 },
        { -5, 3, -8, -2 },
        { INT64_MAX, -1, INT64_MAX, INT64_MAX - 1 },
        { INT64_MAX, 1, INT64_MAX - 1, INT64_MAX },
        { INT64_MIN, 1, INT64_MIN, INT64_MIN + 1 },
        { INT64_MIN, -1, INT64_MIN + 1, INT64_MIN },
        { INT64_MAX, INT64_MIN, INT64_MAX, -1 },
        { INT64_MIN, INT64_MAX, INT64_MIN, -1 },
        { -1, INT64_MAX, INT64_MIN, INT64_MAX - 1 },
        { 0, INT64_MIN, INT64_MAX, INT64_MIN },
        { T0, OCS_TIME_MAX, T0 - OCS_TIME_MAX, T0 + OCS_TIME_MAX },
    };

    static const struct {
        int64_t      auth_time;
        unsigned     auth_ms;
        int64_t      not_before;
        int          revoked;
    } revoked[] = {
        { T0, 987, T0 * 1000 + 987, 1 },
        { T0, 987, T0 * 1000 + 986, 0 },
        { T0, 987, T0 * 1000 + 1000, 1 },
        { T0, 0, T0 * 1000 - 1, 0 },
        { T0, 987, INT64_MAX, 1 },
        { T0, 987, INT64_MIN, 0 },
        { T0, 987, 0, 0 },
        { T0, 987, -1, 0 },
        { INT64_MIN, 0, INT64_MIN, 1 },
        { INT64_MIN, 0, 0, 1 },
        { INT64_MAX, 999, INT64_MAX, 0 },
        { INT64_MAX, 999, INT64_MIN, 0 },
        { -1, 500, -1, 1 },
        { -1, 500, -500, 1 },
        { -1, 500, -501, 0 },
    };

    static const struct {
        int64_t      auth_time;
        int64_t      expires;
        int64_t      last_seen;
        int64_t      now;
        int64_t      lifetime;
        int64_t      idle;
        int          rc;
        const char  *name;
    } checks[] = {
        { INT64_MIN, INT64_MAX, T0, T0, 3600, 0, OCS_ERR_EXPIRED,
          "sign-in at INT64_MIN: past any lifetime" },
        { T0, INT64_MAX, INT64_MIN, T0, 0, 1800, OCS_ERR_IDLE,
          "last seen at INT64_MIN: idle" },
        { INT64_MAX, INT64_MAX, INT64_MAX, T0, 3600, 1800, OCS_OK,
          "times at INT64_MAX: not yet expired" },
        { T0, INT64_MAX, T0, INT64_MIN, 3600, 1800, OCS_OK,
          "now at INT64_MIN" },
        { T0, T0 + 3600, T0, INT64_MAX, 0, 0, OCS_ERR_EXPIRED,
          "now at INT64_MAX" },
        { INT64_MIN, INT64_MAX, INT64_MIN, INT64_MAX, INT64_MAX, 0,
          OCS_ERR_EXPIRED, "the widest lifetime, the widest distance" },
        { INT64_MAX, INT64_MAX, INT64_MAX, INT64_MIN, INT64_MAX, INT64_MAX,
          OCS_OK, "now before everything" },
    };

    size_t        i;
    ocs_ticket_t  t;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(ocs_time_diff(cases[i].a, cases[i].b), cases[i].diff,
               "time diff %zu", i);
        is_int(ocs_time_add(cases[i].a, cases[i].b), cases[i].sum,
               "time add %zu", i);
    }

    make_ticket(&t);

    for (i = 0; i < sizeof(revoked) / sizeof(revoked[0]); i++) {
        t.auth_time = revoked[i].auth_time;
        t.auth_ms = revoked[i].auth_ms;

        is_int(ocs_ticket_revoked_by(&t, revoked[i].not_before),
               revoked[i].revoked, "revoked by %lld: sign-in %lld.%03u",
               (long long) revoked[i].not_before,
               (long long) revoked[i].auth_time, revoked[i].auth_ms);
    }

    for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        t.auth_time = checks[i].auth_time;
        t.expires = checks[i].expires;
        t.last_seen = checks[i].last_seen;

        is_int(ocs_ticket_check(&t, checks[i].now, checks[i].lifetime,
                                checks[i].idle),
               checks[i].rc, "check: %s", checks[i].name);
    }

    /* a clock stepped back records the sign-in, as the rules want */
    make_ticket(&t);
    ocs_ticket_touch(&t, T0 - 10);
    is_int(t.last_seen, T0, "touch before the sign-in: the sign-in time");
    ocs_ticket_touch(&t, T0 + 500);
    is_int(t.last_seen, T0 + 500, "touch: now");
    ocs_ticket_service_touch(&t, 3, T0 - 10);
    is_int(ocs_ticket_service_seen(&t, 3), T0,
           "service touch before the sign-in: the sign-in time");
}


int
main(void)
{
    if (ocs_init() != OCS_OK) {
        printf("Bail out! ocs_init failed\n");
        return 1;
    }

    test_seal_open();
    use_cache = 1;
    test_seal_open();
    drop_caches();
    use_cache = 0;
    test_directory_fields();
    test_participant();
    test_services();
    test_check();
    test_time_fields();
    test_time_arithmetic();
    test_seal_refuses_unopenable();

    return ocs_test_done();
}
