/*
 * Session policy with a frozen clock: the absolute lifetime, the idle
 * timeout, each computer class, a service's own idle timeout, the
 * refresh interval at its boundaries, and how a new session is dated
 * after a revocation.
 */

#include <ocs_test.h>

#include <ocs/ocs_keyring.h>
#include <ocs/ocs_revoke.h>
#include <ocs/ocs_session.h>
#include <ocs/ocs_ticket.h>


#define T0        INT64_C(1700000000)
#define MINUTE    60
#define HOUR      3600
#define DAY       86400

#define PUB       OCS_COMPUTER_PUBLIC
#define PRIV      OCS_COMPUTER_PRIVATE


/* the frozen clock, and random bytes that can be made to fail */
static ocs_test_env_data_t  clock_ = { T0, 1 };
static int                  random_fails;


static int
random_or_fail(void *data, unsigned char *buf, size_t len)
{
    return random_fails ? OCS_ERR_SYS : ocs_test_random(data, buf, len);
}


static const ocs_env_t  env = { ocs_test_now, random_or_fail, &clock_ };


/* the defaults, as the nginx module merges them, without a service */
static ocs_session_policy_t
policy_default(void)
{
    ocs_session_policy_t  p;

    memset(&p, 0, sizeof(p));

    p.lifetime = -1;
    p.idle = -1;
    p.refresh = OCS_SESSION_REFRESH;
    p.computer[PUB].idle = OCS_SESSION_PUBLIC_IDLE;
    p.computer[PUB].lifetime = OCS_SESSION_PUBLIC_LIFETIME;
    p.computer[PUB].persistent = OCS_SESSION_PUBLIC_PERSISTENT;
    p.computer[PRIV].idle = OCS_SESSION_PRIVATE_IDLE;
    p.computer[PRIV].lifetime = OCS_SESSION_PRIVATE_LIFETIME;
    p.computer[PRIV].persistent = OCS_SESSION_PRIVATE_PERSISTENT;

    return p;
}


/* a ticket signed in at T0 in the class, as ocs_session_start() makes it */
static ocs_ticket_t
ticket(const ocs_session_policy_t *p, unsigned computer)
{
    ocs_ticket_t         t;
    ocs_session_class_t  c;

    memset(&t, 0, sizeof(t));

    memcpy(t.user, "alice", 5);
    t.user_len = 5;
    t.methods = OCS_METHOD_PASSWORD;
    t.computer = computer;
    t.auth_time = T0;
    t.last_seen = T0;

    ocs_session_class_limits(p, computer, &c);
    t.expires = T0 + c.lifetime;

    return t;
}


static void
test_class_limits(void)
{
    ocs_session_policy_t  p;
    ocs_session_class_t   c;

    p = policy_default();

    ocs_session_class_limits(&p, PUB, &c);
    ok(c.idle == 30 * MINUTE && c.lifetime == 8 * HOUR && !c.persistent,
       "class limits: public defaults");

    ocs_session_class_limits(&p, PRIV, &c);
    ok(c.idle == 8 * HOUR && c.lifetime == 7 * DAY && c.persistent,
       "class limits: private defaults");

    ocs_session_class_limits(&p, 7, &c);
    ok(c.idle == 30 * MINUTE && c.lifetime == 8 * HOUR && !c.persistent,
       "class limits: an unknown class counts as public");

    p.idle = 0;
    p.lifetime = 2 * HOUR;
    ocs_session_class_limits(&p, PRIV, &c);
    ok(c.idle == 0 && c.lifetime == 2 * HOUR && c.persistent,
       "class limits: the location's idle and lifetime win, persistence "
       "stays the class's");

    p.idle = 10 * MINUTE;
    ocs_session_class_limits(&p, PUB, &c);
    is_int(c.idle, 10 * MINUTE, "class limits: location idle");

    p = policy_default();
    is_int(ocs_session_max_lifetime(&p), 7 * DAY, "max lifetime: a class's");
    p.lifetime = 30 * DAY;
    is_int(ocs_session_max_lifetime(&p), 30 * DAY,
           "max lifetime: the location's");
}


/* one row: a policy change, a ticket, a time and the verdict */
typedef struct {
    const char  *name;
    unsigned     computer;
    int64_t      lifetime;       /* policy; 0: the default (-1) */
    int64_t      idle;           /* policy; -2: the default (-1) */
    int64_t      last_seen;      /* after T0 */
    int64_t      now;            /* after T0 */
    int          verdict;
} limit_case_t;


static void
test_limits(void)
{
    static const limit_case_t  cases[] = {

        /* absolute: the class's lifetime, in t->expires */
        { "public lifetime, 1s before", PUB, 0, -2,
          8 * HOUR - 60, 8 * HOUR - 1, OCS_SESSION_VALID },
        { "public lifetime, at it", PUB, 0, -2,
          8 * HOUR - 60, 8 * HOUR, OCS_SESSION_EXPIRED },
        { "public lifetime, 1s after", PUB, 0, -2,
          8 * HOUR - 60, 8 * HOUR + 1, OCS_SESSION_EXPIRED },
        { "private lifetime, 1s before", PRIV, 0, -2,
          7 * DAY - 60, 7 * DAY - 1, OCS_SESSION_VALID },
        { "private lifetime, at it", PRIV, 0, -2,
          7 * DAY - 60, 7 * DAY, OCS_SESSION_EXPIRED },
        { "private lifetime, 1s after", PRIV, 0, -2,
          7 * DAY - 60, 7 * DAY + 1, OCS_SESSION_EXPIRED },

        /* absolute: a location's shorter lifetime, from the sign-in */
        { "location lifetime, 1s before", PRIV, HOUR, -2,
          HOUR - 60, HOUR - 1, OCS_SESSION_VALID },
        { "location lifetime, at it", PRIV, HOUR, -2,
          HOUR - 60, HOUR, OCS_SESSION_EXPIRED },
        { "location lifetime, 1s after", PRIV, HOUR, -2,
          HOUR - 60, HOUR + 1, OCS_SESSION_EXPIRED },

        /* a location's longer lifetime does not outlive t->expires */
        { "longer location lifetime, at expires", PUB, 30 * DAY, 0,
          8 * HOUR - 60, 8 * HOUR, OCS_SESSION_EXPIRED },

        /* idle: the class's */
        { "public idle, 1s before", PUB, 0, -2,
          100, 100 + 30 * MINUTE - 1, OCS_SESSION_VALID },
        { "public idle, at it", PUB, 0, -2,
          100, 100 + 30 * MINUTE, OCS_SESSION_IDLE },
        { "public idle, 1s after", PUB, 0, -2,
          100, 100 + 30 * MINUTE + 1, OCS_SESSION_IDLE },
        { "private idle, 1s before", PRIV, 0, -2,
          100, 100 + 8 * HOUR - 1, OCS_SESSION_VALID },
        { "private idle, at it", PRIV, 0, -2,
          100, 100 + 8 * HOUR, OCS_SESSION_IDLE },
        { "private idle, 1s after", PRIV, 0, -2,
          100, 100 + 8 * HOUR + 1, OCS_SESSION_IDLE },

        /* idle: the location's, and none */
        { "location idle, 1s before", PRIV, 0, 5 * MINUTE,
          100, 100 + 5 * MINUTE - 1, OCS_SESSION_VALID },
        { "location idle, at it", PRIV, 0, 5 * MINUTE,
          100, 100 + 5 * MINUTE, OCS_SESSION_IDLE },
        { "location idle longer than the class's", PUB, 0, 2 * HOUR,
          100, 100 + HOUR, OCS_SESSION_VALID },
        { "no idle timeout", PUB, 0, 0,
          0, 8 * HOUR - 1, OCS_SESSION_VALID },

        /* absolute comes before idle */
        { "expired and idle", PUB, 0, -2,
          0, 8 * HOUR, OCS_SESSION_EXPIRED },

        /* a clock stepped back */
        { "clock before the sign-in", PUB, 0, -2,
          0, -5, OCS_SESSION_VALID },
    };

    size_t                i;
    ocs_ticket_t          t;
    ocs_session_policy_t  p;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        p = policy_default();

        /* signed in under the class's lifetime, checked under the
           location's limits */
        t = ticket(&p, cases[i].computer);

        if (cases[i].lifetime) {
            p.lifetime = cases[i].lifetime;
        }

        if (cases[i].idle != -2) {
            p.idle = cases[i].idle;
        }

        t.last_seen = T0 + cases[i].last_seen;

        is_int(ocs_session_limits(&p, &t, T0 + cases[i].now),
               cases[i].verdict, "limits: %s", cases[i].name);
    }
}


/* one row: a service's idle timeout against its last activity */
typedef struct {
    const char  *name;
    int          service;        /* the location is in service 7 */
    int64_t      service_idle;
    int64_t      last_seen;      /* anywhere, after T0 */
    int64_t      seen;           /* in service 7 after T0; -1: not yet */
    int64_t      now;            /* after T0 */
    int          verdict;
} service_case_t;


static void
test_service_idle(void)
{
    static const service_case_t  cases[] = {
        { "1s before", 1, 300, 900, 100, 399, OCS_SESSION_VALID },
        { "at it", 1, 300, 900, 100, 400, OCS_SESSION_SERVICE_IDLE },
        { "1s after", 1, 300, 900, 100, 401, OCS_SESSION_SERVICE_IDLE },
        { "busy elsewhere does not count", 1, 300, 1000, 100, 1001,
          OCS_SESSION_SERVICE_IDLE },
        { "not visited: from the last activity", 1, 300, 100, -1, 399,
          OCS_SESSION_VALID },
        { "not visited: at it", 1, 300, 100, -1, 400,
          OCS_SESSION_SERVICE_IDLE },
        { "no idle timeout for the service", 1, 0, 900, 100, 1000,
          OCS_SESSION_VALID },
        { "not in the service", 0, 300, 900, 100, 1000, OCS_SESSION_VALID },
        { "the session's idle comes first", 1, 300, 100, 100,
          100 + 30 * MINUTE, OCS_SESSION_IDLE },
    };

    size_t                i;
    ocs_ticket_t          t;
    ocs_session_policy_t  p;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        p = policy_default();
        p.service = cases[i].service;
        p.service_id = 7;
        p.service_idle = cases[i].service_idle;

        t = ticket(&p, PUB);

        if (cases[i].seen >= 0) {
            ocs_ticket_service_touch(&t, 7, T0 + cases[i].seen);
        }

        ocs_ticket_service_touch(&t, 9, T0 + cases[i].last_seen);
        t.last_seen = T0 + cases[i].last_seen;

        is_int(ocs_session_limits(&p, &t, T0 + cases[i].now),
               cases[i].verdict, "service idle: %s", cases[i].name);
    }

    ok(ocs_session_service_id("mail", 4) == ocs_session_service_id("mail", 4)
       && ocs_session_service_id("mail", 4)
          != ocs_session_service_id("wiki", 4),
       "service id: one per name");
}


/* one row: when a valid ticket is brought up to date */
typedef struct {
    const char  *name;
    int64_t      refresh;
    int64_t      idle;           /* policy; -2: the class's (public) */
    int          service;        /* the location is in service 7 */
    int64_t      service_idle;
    int64_t      seen;           /* in service 7 after T0; -1: not yet */
    int64_t      now;            /* after T0; last_seen is T0 */
    int          reseal;
} refresh_case_t;


static void
test_refresh(void)
{
    static const refresh_case_t  cases[] = {

        /* the interval itself: shorter than half the idle timeout */
        { "1s before the interval", 60, -2, 0, 0, -1, 59, 0 },
        { "at the interval", 60, -2, 0, 0, -1, 60, 1 },
        { "1s after the interval", 60, -2, 0, 0, -1, 61, 1 },
        { "no idle timeout", 60, 0, 0, 0, -1, 59, 0 },
        { "no idle timeout, at the interval", 60, 0, 0, 0, -1, 60, 1 },
        { "every request", 0, -2, 0, 0, -1, 0, 1 },
        { "a clock stepped back", 60, -2, 0, 0, -1, -120, 0 },

        /* at least twice per idle timeout */
        { "half the idle, 1s before", 60, 100, 0, 0, -1, 49, 0 },
        { "half the idle, at it", 60, 100, 0, 0, -1, 50, 1 },
        { "half the idle, 1s after", 60, 100, 0, 0, -1, 51, 1 },
        { "idle 1s: every second", 60, 1, 0, 0, -1, 0, 0 },
        { "idle 1s: 1s later", 60, 1, 0, 0, -1, 1, 1 },

        /* a service: its first visit at once, then per interval */
        { "first visit to the service", 60, -2, 1, 0, -1, 0, 1 },
        { "service visited, 1s before", 60, -2, 1, 0, 0, 59, 0 },
        { "service visited, at the interval", 60, -2, 1, 0, 0, 60, 1 },
        { "service seen long ago", 60, -2, 1, 0, 0, 60, 1 },
        { "half the service idle, 1s before", 60, -2, 1, 40, 0, 19, 0 },
        { "half the service idle, at it", 60, -2, 1, 40, 0, 20, 1 },
        { "service idle 1s", 60, -2, 1, 1, 0, 1, 1 },
    };

    int                   rc;
    size_t                i;
    ocs_ticket_t          t;
    ocs_session_policy_t  p;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        p = policy_default();
        p.refresh = cases[i].refresh;

        if (cases[i].idle != -2) {
            p.idle = cases[i].idle;
        }

        p.service = cases[i].service;
        p.service_id = 7;
        p.service_idle = cases[i].service_idle;

        t = ticket(&p, PUB);

        if (cases[i].seen >= 0) {
            ocs_ticket_service_touch(&t, 7, T0 + cases[i].seen);
        }

        rc = ocs_session_refresh(&p, &t, T0 + cases[i].now);
        is_int(rc, cases[i].reseal, "refresh: %s", cases[i].name);

        if (rc) {
            ok(t.last_seen == T0 + cases[i].now
               && (!cases[i].service
                   || ocs_ticket_service_seen(&t, 7) == T0 + cases[i].now),
               "refresh: %s: activity recorded", cases[i].name);

        } else {
            ok(t.last_seen == T0, "refresh: %s: ticket unchanged",
               cases[i].name);
        }
    }

    /* a service's activity recorded while the session's is recent */
    p = policy_default();
    p.service = 1;
    p.service_id = 7;
    t = ticket(&p, PUB);
    ocs_ticket_service_touch(&t, 7, T0);
    t.last_seen = T0 + 100;
    ok(ocs_session_refresh(&p, &t, T0 + 120)
       && ocs_ticket_service_seen(&t, 7) == T0 + 120,
       "refresh: the service's own interval");
}


/* one row: dating a new session */
typedef struct {
    const char  *name;
    int64_t      now_ms;
    int64_t      not_before;
    int64_t      auth_time;
    unsigned     auth_ms;
} start_case_t;


static void
test_start(void)
{
    static const start_case_t  cases[] = {
        { "no revocation", 1700000000123LL, 0, 1700000000, 123 },
        { "revoked long before", 1700000000123LL, 1600000000000LL,
          1700000000, 123 },
        { "revoked 1 ms before", 1700000000123LL, 1700000000122LL,
          1700000000, 123 },
        { "revoked in the same ms", 1700000000123LL, 1700000000123LL,
          1700000000, 124 },
        { "revoked at the second's last ms", 1700000000999LL,
          1700000000999LL, 1700000001, 0 },
        { "revocation ahead of the clock", 1700000000123LL,
          1700000005000LL, 1700000005, 1 },
    };

    int                   rc;
    size_t                i;
    ocs_err_t             err;
    ocs_ticket_t          t;
    ocs_session_policy_t  p;
    unsigned char         zero[OCS_SESSION_LEN];

    p = policy_default();
    memset(zero, 0, sizeof(zero));

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t = ticket(&p, PUB);
        t.auth_time = 0;
        t.expires = 0;
        t.last_seen = 0;

        rc = ocs_session_start(&p, &env, cases[i].now_ms, cases[i].not_before,
                               &t, &err);

        ok(rc == OCS_OK && t.auth_time == cases[i].auth_time
           && t.auth_ms == cases[i].auth_ms && t.last_seen == t.auth_time
           && t.expires == t.auth_time + 8 * HOUR,
           "start: %s", cases[i].name);

        /* the new session does not fall under the revocation */
        if (cases[i].not_before) {
            ok(!ocs_ticket_revoked_by(&t, cases[i].not_before),
               "start: %s: not revoked", cases[i].name);
        }
    }

    t = ticket(&p, PRIV);
    clock_.counter = 1;
    ok(ocs_session_start(&p, &env, T0 * 1000, 0, &t, &err) == OCS_OK
       && t.expires == T0 + 7 * DAY && t.session[0] == 1
       && t.session[OCS_SESSION_LEN - 1] == OCS_SESSION_LEN,
       "start: private lifetime, session id from the environment");

    p.lifetime = 2 * HOUR;
    ok(ocs_session_start(&p, &env, T0 * 1000, 0, &t, &err) == OCS_OK
       && t.expires == T0 + 2 * HOUR, "start: the location's lifetime");

    p.lifetime = INT64_MAX;
    ok(ocs_session_start(&p, &env, T0 * 1000, 0, &t, &err) == OCS_OK
       && t.expires == OCS_TIME_MAX, "start: endless lifetime capped");

    t.conference_len = 3;
    memcpy(t.conference, "m-1", 3);
    ok(ocs_session_start(&p, &env, T0 * 1000, 0, &t, &err) == OCS_OK
       && t.expires == T0 + OCS_SESSION_PARTICIPANT_LIFETIME,
       "start: a participant's lifetime is short");
    p.lifetime = 60;
    ok(ocs_session_start(&p, &env, T0 * 1000, 0, &t, &err) == OCS_OK
       && t.expires == T0 + 60, "start: a participant's, shorter still");
    t.conference_len = 0;

    p = policy_default();
    t = ticket(&p, PUB);
    t.user_len = 0;
    is_int(ocs_session_start(&p, &env, T0 * 1000, 0, &t, &err),
           OCS_ERR_INVALID, "start: no user name");
    t.user_len = OCS_USER_MAX + 1;
    is_int(ocs_session_start(&p, &env, T0 * 1000, 0, &t, &err),
           OCS_ERR_INVALID, "start: user name too long");
    is_str(err.text, strlen(err.text),
           "user name of 257 bytes cannot be sealed", "start: its message");

    t = ticket(&p, PUB);
    memset(t.session, 0xaa, OCS_SESSION_LEN);
    random_fails = 1;
    is_int(ocs_session_start(&p, &env, T0 * 1000, 0, &t, &err), OCS_ERR_SYS,
           "start: no random bytes");
    ok(memcmp(t.session, zero, OCS_SESSION_LEN) == 0,
       "start: failed: the session id is wiped");
    random_fails = 0;
}


static void
test_cookie_max_age(void)
{
    ocs_ticket_t          t;
    ocs_session_policy_t  p;

    p = policy_default();

    t = ticket(&p, PUB);
    is_int(ocs_session_cookie_max_age(&p, &t, T0 + 10), -1,
           "max-age: public: a session cookie");

    t = ticket(&p, PRIV);
    is_int(ocs_session_cookie_max_age(&p, &t, T0 + 10), 7 * DAY - 10,
           "max-age: private: until the session expires");
    is_int(ocs_session_cookie_max_age(&p, &t, T0 + 7 * DAY + 5), 1,
           "max-age: private, expired: at least 1s");

    p.computer[PRIV].persistent = 0;
    is_int(ocs_session_cookie_max_age(&p, &t, T0 + 10), -1,
           "max-age: private without persistence");

    p.computer[PUB].persistent = 1;
    t = ticket(&p, PUB);
    is_int(ocs_session_cookie_max_age(&p, &t, T0), 8 * HOUR,
           "max-age: persistent public");

    t.conference_len = 1;
    t.conference[0] = 'm';
    is_int(ocs_session_cookie_max_age(&p, &t, T0), -1,
           "max-age: a participant's: a session cookie");
}


static int    revoke_asked;
static void (*mem_lock)(void *data);


/* the in-memory store's lock, counted */
static void
counted_lock(void *data)
{
    revoke_asked++;
    mem_lock(data);
}


static void
test_check(void)
{
    int                   reseal;
    char                  cookie[OCS_TICKET_TEXT_MAX];
    size_t                len;
    ocs_err_t             err;
    ocs_ticket_t          t, got;
    ocs_keyring_t         ring, other;
    ocs_ticket_cache_t   *cache;
    unsigned char         raw[OCS_KEY_LEN];
    ocs_store_t           store, revoked;
    ocs_session_policy_t  p;

    if (ocs_store_mem_create(&store, 16, &env) != OCS_OK
        || ocs_store_mem_create(&revoked, 16, &env) != OCS_OK)
    {
        printf("Bail out! no memory for a store\n");
        exit(1);
    }

    ocs_store_mem_keep(&store);
    ocs_store_mem_keep(&revoked);
    mem_lock = store.lock;
    store.lock = counted_lock;

    memset(raw, 0x42, sizeof(raw));
    memset(&ring, 0, sizeof(ring));
    memset(&other, 0, sizeof(other));
    (void) ocs_keyring_add(&ring, raw, sizeof(raw), NULL);
    raw[0] = 0x43;
    (void) ocs_keyring_add(&other, raw, sizeof(raw), NULL);

    p = policy_default();
    t = ticket(&p, PUB);

    ok(ocs_ticket_seal(&ring, NULL, &env, &t, cookie, sizeof(cookie), &len,
                       &err) == OCS_OK, "check: a ticket sealed");

    clock_.now = T0 + 30;
    is_int(ocs_session_check(&p, &ring, NULL, &env, cookie, len, &store,
                             &got, &reseal, &err),
           OCS_SESSION_VALID, "check: valid");
    ok(reseal == 0 && got.last_seen == T0 && revoke_asked == 1,
       "check: valid: not due, the store asked once");

    clock_.now = T0 + 60;
    is_int(ocs_session_check(&p, &ring, NULL, &env, cookie, len, NULL, &got,
                             &reseal, &err),
           OCS_SESSION_VALID, "check: valid, no store");
    ok(reseal == 1 && got.last_seen == T0 + 60, "check: valid: resealed");

    clock_.now = T0 + 30 * MINUTE;
    is_int(ocs_session_check(&p, &ring, NULL, &env, cookie, len, &store,
                             &got, &reseal, &err),
           OCS_SESSION_IDLE, "check: idle");
    ok(reseal == 0 && got.user_len == 5, "check: idle: opened, no reseal");

    clock_.now = T0 + 8 * HOUR;
    is_int(ocs_session_check(&p, &ring, NULL, &env, cookie, len, &store,
                             &got, &reseal, &err),
           OCS_SESSION_EXPIRED, "check: expired");

    clock_.now = T0 + 30;
    is_int(ocs_revoke_session(&revoked, &t, 8 * HOUR, (T0 + 30) * 1000LL,
                              NULL), OCS_OK, "check: the session revoked");
    is_int(ocs_session_check(&p, &ring, NULL, &env, cookie, len, &revoked,
                             &got, &reseal, &err),
           OCS_SESSION_REVOKED, "check: revoked");
    ok(reseal == 0, "check: revoked: no reseal");

    revoke_asked = 0;
    is_int(ocs_session_check(&p, &other, NULL, &env, cookie, len, &store,
                             &got, &reseal, &err),
           OCS_SESSION_BAD, "check: another key");
    ok(reseal == 0 && got.user_len == 0 && revoke_asked == 0,
       "check: another key: wiped, the store not asked");

    cache = ocs_ticket_cache_create(&ring, NULL);
    clock_.now = T0 + 60;
    ok(cache != NULL
       && ocs_session_check(&p, &ring, cache, &env, cookie, len, &store,
                            &got, &reseal, &err)
          == OCS_SESSION_VALID && reseal == 1,
       "check: valid, with the ring's cache");
    ocs_ticket_cache_destroy(cache);

    cookie[10] ^= 1;
    is_int(ocs_session_check(&p, &ring, NULL, &env, cookie, len, &store,
                             &got, &reseal, &err),
           OCS_SESSION_BAD, "check: tampered");
    ok(err.text[0] != '\0', "check: tampered: why in err");

    ocs_keyring_wipe(&ring);
    ocs_keyring_wipe(&other);
    store.lock = mem_lock;
    ocs_store_mem_destroy(&store);
    ocs_store_mem_destroy(&revoked);
}


static void
test_reasons(void)
{
    is_str(ocs_session_reason(OCS_SESSION_EXPIRED), 15, "session expired",
           "reason: expired");
    is_str(ocs_session_reason(OCS_SESSION_IDLE), 12, "idle timeout",
           "reason: idle");
    is_str(ocs_session_reason(OCS_SESSION_SERVICE_IDLE), 23,
           "idle timeout in service", "reason: service idle");
    is_str(ocs_session_reason(OCS_SESSION_REVOKED), 15, "session revoked",
           "reason: revoked");
    is_str(ocs_session_reason(OCS_SESSION_BAD), 15, "ticket rejected",
           "reason: bad");
}


int
main(void)
{
    if (ocs_init() != OCS_OK) {
        printf("Bail out! ocs_init failed\n");
        return 1;
    }

    test_class_limits();
    test_limits();
    test_service_idle();
    test_refresh();
    test_start();
    test_cookie_max_age();
    test_check();
    test_reasons();

    return ocs_test_done();
}
