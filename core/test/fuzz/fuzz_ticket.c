/*
 * A libFuzzer target for the ticket cookie (ocs_ticket_open), against a
 * fixed key ring made in the initialiser, so that the seeds, real sealed
 * tickets, open and their mutations reach the decryption and the field
 * parser.  The first byte picks the mode:
 *
 *   'T'  the rest is cookie text, opened with and without the cache;
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

#include <ocs/ocs_ticket.h>


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


static void
write_seeds(const char *dir)
{
    size_t        n, i;
    char          path[4096];
    FILE         *f;
    ocs_err_t     err;
    ocs_ticket_t  t;

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
        snprintf(path, sizeof(path), "%s/sealed-%zu", dir, i);
        f = fopen(path, "w");
        if (f == NULL || fwrite(text, 1, n + 1, f) != n + 1
            || fclose(f) != 0)
        {
            abort();
        }
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
    ocs_err_t     err;
    ocs_ticket_t  t, t2;

    if (size == 0) {
        return 0;
    }

    if (data[0] != 'T') {
        fill(&t, data + 1, size - 1);
        round_trip(&t);
        return 0;
    }

    rc = ocs_ticket_open(&ring, cache, (const char *) data + 1, size - 1,
                         &t, &err);
    rc2 = ocs_ticket_open(&ring, NULL, (const char *) data + 1, size - 1,
                          &t2, &err);

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
