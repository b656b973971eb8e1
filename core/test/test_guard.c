/*
 * The lockout decisions (ocs_guard.h) against the in-memory store
 * (ocs_store.h) with a frozen clock: counts per account and address,
 * per address and per account, windows and locks running out, success
 * restarting a count, attempts in flight, the directory's threshold,
 * once marks (kept through a flood of failures, refused when there is
 * no room), the admin clear, and a store that is full.
 */

#include <pthread.h>

#include <ocs_test.h>
#include <ocs/ocs_guard.h>


#define T0  1700000000


static ocs_test_env_data_t  clock_data;
static const ocs_env_t      env = { ocs_test_now, ocs_test_random,
                                    &clock_data };

static const unsigned char  addr_a[4] = { 192, 0, 2, 1 };
static const unsigned char  addr_b[4] = { 192, 0, 2, 2 };
static const unsigned char  addr_6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,
                                           0, 0, 0, 0, 0, 0, 0, 0, 1 };

/* ocs_auth_lockout 3 address=5 window=60s time=300s */
static const ocs_guard_limits_t  limits = { 3, 5, 0, 60, 300 };


static ocs_store_t
new_store(size_t capacity)
{
    ocs_store_t  s;

    clock_data.now = T0;

    if (ocs_store_mem_create(&s, capacity, &env) != OCS_OK) {
        printf("Bail out! no memory for a store\n");
        exit(1);
    }

    return s;
}


static size_t
key_of(const char *name, unsigned char *out)
{
    return ocs_guard_name(name, strlen(name), out);
}


/*
 * A script of second-step failures, successes and questions: each step
 * at an offset from T0, from address a or b.
 */
#define FAIL     0
#define SUCCEED  1
#define LOCKED   2

typedef struct {
    int          op;
    int64_t      at;            /* seconds after T0 */
    const char  *name;
    int          from_b;
    int          codes;
    int64_t      want;          /* LOCKED: seconds left; FAIL: started */
    const char  *why;           /* LOCKED: which lock, NULL: none */
} step_t;


static void
run_script(const char *title, const ocs_guard_limits_t *lim,
    const step_t *steps, size_t n)
{
    size_t               i, len;
    int64_t              left;
    unsigned             started;
    const char          *why;
    const unsigned char *addr;
    unsigned char        key[OCS_NAME_MAX];
    ocs_store_t          s;

    s = new_store(64);

    for (i = 0; i < n; i++) {
        clock_data.now = T0 + steps[i].at;
        len = key_of(steps[i].name, key);
        addr = steps[i].from_b ? addr_b : addr_a;

        switch (steps[i].op) {

        case FAIL:
            is_int(ocs_guard_failed(&s, &env, lim, key, len, addr, 4,
                                    steps[i].codes, &started),
                   OCS_OK, "%s: step %zu counted", title, i);
            is_int(started, steps[i].want, "%s: step %zu starts %lld",
                   title, i, (long long) steps[i].want);
            break;

        case SUCCEED:
            ocs_guard_succeeded(&s, &env, key, len, addr, 4, steps[i].codes);
            break;

        default:
            why = NULL;
            left = ocs_guard_locked(&s, &env, key, len, addr, 4,
                                    steps[i].codes, &why);
            is_int(left, steps[i].want, "%s: step %zu lock left", title, i);

            if (steps[i].why != NULL) {
                ok(why != NULL && strcmp(why, steps[i].why) == 0,
                   "%s: step %zu locked by %s", title, i, steps[i].why);
            }
        }
    }

    ocs_store_mem_destroy(&s);
}


static void
test_counting(void)
{
    static const step_t  per_account[] = {
        { FAIL, 0, "alice", 0, 0, 0, NULL },
        { FAIL, 1, "Alice", 0, 0, 0, NULL },
        { LOCKED, 1, "alice", 0, 0, 0, NULL },
        { FAIL, 2, "ALICE", 0, 0, OCS_GUARD_BY_ADDRESS, NULL },
        { LOCKED, 2, "alice", 0, 0, 300, "the account, from this address" },
        { LOCKED, 2, "alice", 1, 0, 0, NULL },
        { LOCKED, 2, "bob", 0, 0, 0, NULL },
        /* a failure while locked does not make the lock longer */
        { FAIL, 100, "alice", 0, 0, 0, NULL },
        { LOCKED, 100, "alice", 0, 0, 202, "the account, from this address" },
        { LOCKED, 301, "alice", 0, 0, 1, NULL },
        { LOCKED, 302, "alice", 0, 0, 0, NULL },
        /* after the lock the count starts from nothing */
        { FAIL, 303, "alice", 0, 0, 0, NULL },
        { FAIL, 304, "alice", 0, 0, 0, NULL },
        { LOCKED, 304, "alice", 0, 0, 0, NULL },
    };

    static const step_t  per_address[] = {
        { FAIL, 0, "u1", 0, 0, 0, NULL },
        { FAIL, 0, "u2", 0, 0, 0, NULL },
        { FAIL, 0, "u3", 0, 0, 0, NULL },
        { FAIL, 0, "u4", 0, 0, 0, NULL },
        { FAIL, 0, "u5", 0, 0, OCS_GUARD_ADDRESS_ONLY, NULL },
        { LOCKED, 0, "anyone", 0, 0, 300, "this address" },
        { LOCKED, 0, "anyone", 1, 0, 0, NULL },
    };

    static const step_t  window[] = {
        { FAIL, 0, "carol", 0, 0, 0, NULL },
        { FAIL, 59, "carol", 0, 0, 0, NULL },
        /* within 60 s of the last one: the count goes on */
        { FAIL, 118, "carol", 0, 0, OCS_GUARD_BY_ADDRESS, NULL },
        { LOCKED, 118, "carol", 0, 0, 300, NULL },
        { LOCKED, 418, "carol", 0, 0, 0, NULL },
        { FAIL, 500, "carol", 0, 0, 0, NULL },
        { FAIL, 559, "carol", 0, 0, 0, NULL },
        /* 60 s after the last failure: forgotten */
        { FAIL, 619, "carol", 0, 0, 0, NULL },
        { LOCKED, 619, "carol", 0, 0, 0, NULL },
        { FAIL, 620, "carol", 0, 0, 0, NULL },
        { FAIL, 621, "carol", 0, 0, OCS_GUARD_BY_ADDRESS, NULL },
    };

    /* with address=0, so that only the account's count locks */
    static const step_t  success[] = {
        { FAIL, 0, "dave", 0, 0, 0, NULL },
        { FAIL, 1, "dave", 0, 0, 0, NULL },
        { SUCCEED, 2, "dave", 0, 0, 0, NULL },
        { FAIL, 3, "dave", 0, 0, 0, NULL },
        { FAIL, 4, "dave", 0, 0, 0, NULL },
        { LOCKED, 4, "dave", 0, 0, 0, NULL },
        { FAIL, 5, "dave", 0, 0, OCS_GUARD_BY_ADDRESS, NULL },
        /* a success does not lift a lock */
        { SUCCEED, 6, "dave", 0, 0, 0, NULL },
        { LOCKED, 6, "dave", 0, 0, 299, NULL },
    };

    static const step_t  codes[] = {
        { FAIL, 0, "erin", 0, 1, 0, NULL },
        { FAIL, 0, "erin", 0, 1, 0, NULL },
        { FAIL, 0, "erin", 0, 1, OCS_GUARD_BY_ADDRESS, NULL },
        { LOCKED, 0, "erin", 0, 1, 300,
          "codes of the account, from this address" },
        /* the first step does not ask about codes */
        { LOCKED, 0, "erin", 0, 0, 0, NULL },
        { LOCKED, 0, "erin", 1, 1, 0, NULL },
        { LOCKED, 300, "erin", 0, 1, 0, NULL },
        { FAIL, 300, "erin", 0, 1, 0, NULL },
        { SUCCEED, 301, "erin", 0, 1, 0, NULL },
        { FAIL, 302, "erin", 0, 1, 0, NULL },
        { FAIL, 303, "erin", 0, 1, 0, NULL },
        { LOCKED, 303, "erin", 0, 1, 0, NULL },
    };

    static const step_t  address_off[] = {
        { FAIL, 0, "f1", 0, 0, 0, NULL },
        { FAIL, 0, "f2", 0, 0, 0, NULL },
        { FAIL, 0, "f3", 0, 0, 0, NULL },
        { FAIL, 0, "f4", 0, 0, 0, NULL },
        { FAIL, 0, "f5", 0, 0, 0, NULL },
        { FAIL, 0, "f6", 0, 0, 0, NULL },
        { LOCKED, 0, "f7", 0, 0, 0, NULL },
    };

    ocs_guard_limits_t  no_address = { 3, 0, 0, 60, 300 };

    run_script("per account and address", &limits, per_account,
               sizeof(per_account) / sizeof(per_account[0]));
    run_script("per address", &limits, per_address,
               sizeof(per_address) / sizeof(per_address[0]));
    run_script("window", &limits, window, sizeof(window) / sizeof(window[0]));
    run_script("success", &no_address, success,
               sizeof(success) / sizeof(success[0]));
    run_script("codes", &limits, codes, sizeof(codes) / sizeof(codes[0]));
    run_script("address=0", &no_address, address_off,
               sizeof(address_off) / sizeof(address_off[0]));
}


static void
test_name(void)
{
    size_t         a, b;
    unsigned char  ka[OCS_NAME_MAX], kb[OCS_NAME_MAX];

    a = key_of("Nora", ka);
    b = key_of("nora", kb);
    ok(a > 0 && a == b && memcmp(ka, kb, a) == 0,
       "name: spellings of one name have one key");

    a = ocs_guard_name("\xff\xfe", 2, ka);
    is_str((char *) ka, a, "!fffe", "name: unfoldable bytes counted in hex");

    b = key_of("fffe", kb);
    ok(a != b || memcmp(ka, kb, a) != 0,
       "name: the hex of a name is not another name's key");
}


static void
test_attempts(void)
{
    int                  i;
    ocs_store_t          s;
    ocs_guard_attempt_t  a[4], b;

    s = new_store(64);

    /* wrong passwords: counted at settle, the fourth refused */
    for (i = 0; i < 3; i++) {
        ocs_guard_attempt_init(&b, &s, &env, &limits, "gina", 4, addr_a, 4);
        is_int(ocs_guard_charge(&b, NULL, 0, NULL), OCS_OK,
               "attempt: wrong password %d tried", i + 1);
        is_int(b.charged,
               OCS_GUARD_BY_ADDRESS | OCS_GUARD_ADDRESS_ONLY,
               "attempt %d: charged by account and address (total off)",
               i + 1);
        ocs_guard_settle(&b, OCS_GUARD_FAILED);
        is_int(b.charged, 0, "attempt %d: settled", i + 1);
    }

    is_int(b.started, OCS_GUARD_BY_ADDRESS, "attempt: third starts a lock");

    ocs_guard_attempt_init(&b, &s, &env, &limits, "Gina", 4, addr_a, 4);
    is_int(ocs_guard_charge(&b, NULL, 0, NULL), OCS_ERR_AUTH,
           "attempt: refused while locked");
    is_int(b.left, 300, "attempt: the lock's time left");
    is_int(b.busy, 0, "attempt: a lock, not busy");
    ok(b.why != NULL && strcmp(b.why, "the account, from this address") == 0,
       "attempt: which lock");
    is_int(b.charged, 0, "attempt: refused ones are not charged");

    /* settling what was never charged changes nothing */
    ocs_guard_settle(&b, OCS_GUARD_FAILED);
    clock_data.now = T0 + 300;
    ocs_guard_attempt_init(&b, &s, &env, &limits, "gina", 4, addr_a, 4);
    is_int(ocs_guard_charge(&b, NULL, 0, NULL), OCS_OK,
           "attempt: after the lock time, tried again");
    ocs_guard_settle(&b, OCS_GUARD_SUCCEEDED);

    /* three in flight at once: a fourth must wait */
    for (i = 0; i < 3; i++) {
        ocs_guard_attempt_init(&a[i], &s, &env, &limits, "hank", 4, addr_b,
                               4);
        is_int(ocs_guard_charge(&a[i], NULL, 0, NULL), OCS_OK,
               "in flight: attempt %d", i + 1);
    }

    ocs_guard_attempt_init(&a[3], &s, &env, &limits, "hank", 4, addr_b, 4);
    is_int(ocs_guard_charge(&a[3], NULL, 0, NULL), OCS_ERR_AUTH,
           "in flight: the fourth is refused");
    is_int(a[3].busy, 1, "in flight: busy, not locked");
    is_int(a[3].left, 1, "in flight: try again in a second");

    ocs_guard_settle(&a[0], OCS_GUARD_NEUTRAL);
    ocs_guard_attempt_init(&a[3], &s, &env, &limits, "hank", 4, addr_b, 4);
    is_int(ocs_guard_charge(&a[3], NULL, 0, NULL), OCS_OK,
           "in flight: a password never judged gives its place back");

    ocs_guard_settle(&a[1], OCS_GUARD_FAILED);
    ocs_guard_settle(&a[2], OCS_GUARD_FAILED);
    ocs_guard_settle(&a[3], OCS_GUARD_SUCCEEDED);
    is_int(a[3].started, 0, "in flight: a success starts nothing");

    ocs_guard_attempt_init(&b, &s, &env, &limits, "hank", 4, addr_b, 4);
    is_int(ocs_guard_charge(&b, NULL, 0, NULL), OCS_OK,
           "in flight: the success cleared the account's failures");
    ocs_guard_settle(&b, OCS_GUARD_NEUTRAL);

    /* charged by the account the directory resolved, not the name typed */
    for (i = 0; i < 3; i++) {
        ocs_guard_attempt_init(&b, &s, &env, &limits, i ? "ivy@corp" : "IVY",
                               i ? 8 : 3, addr_6, 16);
        is_int(ocs_guard_charge(&b, (const unsigned char *) "ivy.smith", 9,
                                NULL),
               OCS_OK, "resolved: spelling %d tried", i + 1);
        ocs_guard_settle(&b, OCS_GUARD_FAILED);
    }

    is_int(b.started, OCS_GUARD_BY_ADDRESS,
           "resolved: the spellings count as one account");
    is_str((char *) b.key, b.key_len, "ivy.smith", "resolved: its key");

    ocs_guard_attempt_init(&b, &s, &env, &limits, "ivy.smith", 9, addr_a, 4);
    is_int(ocs_guard_charge(&b, NULL, 0, NULL), OCS_OK,
           "resolved: from another address, not locked");
    ocs_guard_settle(&b, OCS_GUARD_NEUTRAL);

    ocs_store_mem_destroy(&s);
}


static void
test_total(void)
{
    int                  i;
    ocs_store_t          s;
    ocs_guard_attempt_t  b;
    ocs_guard_limits_t   lim = { 10, 0, 2, 60, 300 };
    const unsigned char *from[] = { addr_a, addr_b, addr_6 };
    size_t               from_len[] = { 4, 4, 16 };

    s = new_store(64);

    for (i = 0; i < 2; i++) {
        ocs_guard_attempt_init(&b, &s, &env, &lim, "jack", 4, from[i],
                               from_len[i]);
        is_int(ocs_guard_charge(&b, NULL, 0, NULL), OCS_OK,
               "total: from address %d", i + 1);
        is_int(b.charged, OCS_GUARD_BY_ADDRESS | OCS_GUARD_ANYWHERE,
               "total: address count off");
        ocs_guard_settle(&b, OCS_GUARD_FAILED);
    }

    is_int(b.started, OCS_GUARD_ANYWHERE, "total: the second locks");

    ocs_guard_attempt_init(&b, &s, &env, &lim, "jack", 4, from[2],
                           from_len[2]);
    is_int(ocs_guard_charge(&b, NULL, 0, NULL), OCS_ERR_AUTH,
           "total: refused from a third address");
    ok(b.why != NULL && strcmp(b.why, "the account") == 0,
       "total: by the account's lock");

    ocs_store_mem_destroy(&s);
}


static void
test_directory(void)
{
    static const struct {
        int       known;
        int       threshold;
        int64_t   window;
        unsigned  account;         /* configured */
        unsigned  total;
        unsigned  want_account;
        unsigned  want_total;
        int64_t   want_window;
        int64_t   want_lock;
    } cases[] = {
        { 0, 5, 600, 3, 0, 3, 0, 60, 300 },          /* not read */
        { 1, 0, 600, 3, 0, 3, 0, 60, 300 },          /* never locks */
        { 1, 5, 600, 3, 0, 3, 4, 600, 600 },         /* below 5 */
        { 1, 3, 30, 5, 0, 2, 2, 60, 300 },           /* below 3 */
        { 1, 3, 30, 5, 1, 2, 1, 60, 300 },
        { 1, 1, 30, 5, 0, 1, 1, 60, 300 },           /* cannot be below */
        { 1, 4, 0, 5, 0, 3, 3, 86400, 86400 },       /* forgets never */
        { 1, 4, 200000, 5, 0, 3, 3, 86400, 86400 },  /* a day at most */
    };

    size_t               i;
    ocs_ldap_policy_t    policy;
    ocs_guard_limits_t   lim;
    ocs_guard_attempt_t  a;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&policy, 0, sizeof(policy));
        policy.known = cases[i].known;
        policy.threshold = cases[i].threshold;
        policy.window = cases[i].window;

        lim = limits;
        lim.account = cases[i].account;
        lim.total = cases[i].total;

        ocs_guard_attempt_init(&a, NULL, &env, &lim, "kim", 3, addr_a, 4);
        ocs_guard_attempt_limits(&a, &policy);

        is_int(a.limit_account, cases[i].want_account,
               "directory #%zu: per account", i);
        is_int(a.limit_total, cases[i].want_total,
               "directory #%zu: total", i);
        is_int(a.limit_window, cases[i].want_window,
               "directory #%zu: window", i);
        is_int(a.limit_lock, cases[i].want_lock, "directory #%zu: lock", i);
    }
}


/* the limit below the directory's threshold, as the log says it too */
static void
test_dir_limit(void)
{
    size_t             i;
    ocs_ldap_policy_t  policy;

    static const struct {
        int       known;
        int       threshold;
        unsigned  limit;
        unsigned  want;
    } rows[] = {
        { 0, 0, 4, 4 },         /* policy unknown: the configured limit */
        { 0, 5, 4, 4 },
        { 1, 0, 4, 4 },         /* the directory does not lock */
        { 1, 0, 0, 0 },
        { 1, 5, 4, 4 },         /* already below */
        { 1, 5, 10, 4 },        /* one fewer than the directory's */
        { 1, 5, 0, 4 },         /* no limit here: the directory's less one */
        { 1, 1, 4, 1 },         /* a directory that locks at once: 1 */
        { 1, 2, 4, 1 },
        { 1, -3, 4, 4 },        /* nonsense from the directory: ignored */
    };

    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        memset(&policy, 0, sizeof(policy));
        policy.known = rows[i].known;
        policy.threshold = rows[i].threshold;

        is_int(ocs_guard_dir_limit(&policy, rows[i].limit), rows[i].want,
               "dir limit: known %d, threshold %d, limit %u",
               rows[i].known, rows[i].threshold, rows[i].limit);
    }

    is_int(ocs_guard_dir_limit(NULL, 7), 7, "dir limit: no policy");
}


static void
test_threshold(void)
{
    int                  i;
    ocs_store_t          s;
    ocs_ldap_policy_t    policy;
    ocs_guard_attempt_t  b;

    s = new_store(64);

    memset(&policy, 0, sizeof(policy));
    policy.known = 1;
    policy.threshold = 3;
    policy.window = 900;

    /* the directory locks after 3: the proxy after 2, from anywhere */
    for (i = 0; i < 2; i++) {
        ocs_guard_attempt_init(&b, &s, &env, &limits, "lena", 4,
                               i ? addr_b : addr_a, 4);
        is_int(ocs_guard_charge(&b, NULL, 0, &policy), OCS_OK,
               "threshold: failure %d tried", i + 1);
        ocs_guard_settle(&b, OCS_GUARD_FAILED);
    }

    is_int(b.started, OCS_GUARD_ANYWHERE, "threshold: locked after 2");
    is_int(b.threshold, 3, "threshold: the directory's, for the log");

    clock_data.now = T0 + 600;
    ocs_guard_attempt_init(&b, &s, &env, &limits, "lena", 4, addr_a, 4);
    is_int(ocs_guard_charge(&b, NULL, 0, &policy), OCS_ERR_AUTH,
           "threshold: the lock lasts the directory's window");
    is_int(b.left, 300, "threshold: 900 s in all");

    clock_data.now = T0 + 900;
    ocs_guard_attempt_init(&b, &s, &env, &limits, "lena", 4, addr_a, 4);
    is_int(ocs_guard_charge(&b, NULL, 0, &policy), OCS_OK,
           "threshold: after the directory's window");
    ocs_guard_settle(&b, OCS_GUARD_SUCCEEDED);

    ocs_store_mem_destroy(&s);
}


static void
test_admit(void)
{
    ocs_store_t          s;
    ocs_guard_attempt_t  b;
    ocs_ldap_account_t  *acct;

    s = new_store(64);

    acct = calloc(1, sizeof(ocs_ldap_account_t));
    if (acct == NULL) {
        printf("Bail out! no memory\n");
        exit(1);
    }

    acct->found = 1;
    snprintf(acct->name, sizeof(acct->name), "Max.Power");

    ocs_guard_attempt_init(&b, &s, &env, &limits, "mp@corp", 7, addr_a, 4);
    is_int(ocs_guard_admit(&b, acct), OCS_OK, "admit: found, charged");
    is_str((char *) b.key, b.key_len, "max.power",
           "admit: by the account's name");
    ocs_guard_settle(&b, OCS_GUARD_NEUTRAL);

    acct->found = 0;
    ocs_guard_attempt_init(&b, &s, &env, &limits, "Nobody", 6, addr_a, 4);
    is_int(ocs_guard_admit(&b, acct), OCS_OK, "admit: not found, charged");
    is_str((char *) b.key, b.key_len, "nobody", "admit: by the name typed");
    ocs_guard_settle(&b, OCS_GUARD_NEUTRAL);

    /* lockout off */
    ocs_guard_attempt_init(&b, NULL, &env, &limits, "x", 1, addr_a, 4);
    is_int(ocs_guard_admit(&b, acct), OCS_OK, "admit: lockout off");
    is_int(b.charged, 0, "admit: lockout off charges nothing");

    is_int(ocs_store_mem_count(&s), 0, "admit: settled attempts leave "
           "nothing behind");

    free(acct);
    ocs_store_mem_destroy(&s);
}


static void
test_abandon(void)
{
    int                  i;
    ocs_store_t          s;
    ocs_guard_attempt_t  b;

    s = new_store(64);

    /* the client left: settled as a failure when the request ends */
    for (i = 0; i < 3; i++) {
        ocs_guard_attempt_init(&b, &s, &env, &limits, "otto", 4, addr_a, 4);
        (void) ocs_guard_charge(&b, NULL, 0, NULL);
        ocs_guard_settle(&b, OCS_GUARD_FAILED);
        ocs_guard_settle(&b, OCS_GUARD_SUCCEEDED);
    }

    ocs_guard_attempt_init(&b, &s, &env, &limits, "otto", 4, addr_a, 4);
    is_int(ocs_guard_charge(&b, NULL, 0, NULL), OCS_ERR_AUTH,
           "settled twice: only the first counts");

    ocs_store_mem_destroy(&s);
}


/*
 * A reservation keeps a record alive while its attempt is in flight;
 * it must not keep failures alive whose window has passed.
 */
static void
test_stale(void)
{
    int                  i;
    ocs_store_t          s;
    ocs_guard_attempt_t  b;

    s = new_store(64);

    /* older and alive: expire() stops at it, the records stay */
    (void) ocs_guard_once(&s, &env, 'T', (const unsigned char *) "z", 1, 1,
                          T0 + 1000);

    for (i = 0; i < 2; i++) {
        ocs_guard_attempt_init(&b, &s, &env, &limits, "yves", 4, addr_a, 4);
        (void) ocs_guard_charge(&b, NULL, 0, NULL);
        ocs_guard_settle(&b, OCS_GUARD_FAILED);
    }

    /* 100 s later, with a window of 60 s: the count starts again */
    clock_data.now = T0 + 100;
    ocs_guard_attempt_init(&b, &s, &env, &limits, "yves", 4, addr_a, 4);
    is_int(ocs_guard_charge(&b, NULL, 0, NULL), OCS_OK,
           "stale: tried after the window");
    ocs_guard_settle(&b, OCS_GUARD_FAILED);
    is_int(b.started, 0, "stale: failures of a past window do not lock");

    ocs_guard_attempt_init(&b, &s, &env, &limits, "yves", 4, addr_a, 4);
    is_int(ocs_guard_charge(&b, NULL, 0, NULL), OCS_OK,
           "stale: one failure counted, not three");
    ocs_guard_settle(&b, OCS_GUARD_NEUTRAL);

    ocs_store_mem_destroy(&s);
}


static void
test_once(void)
{
    static const struct {
        int64_t      at;
        int          kind;
        const char  *data;
        int64_t      value;
        int64_t      expires;      /* after T0 */
        int          want;
    } cases[] = {
        { 0, 'T', "pat", 1000, 120, OCS_OK },
        { 1, 'T', "pat", 1000, 120, OCS_ERR_AUTH },     /* replayed */
        { 2, 'T', "pat", 999, 120, OCS_ERR_AUTH },      /* an older step */
        { 3, 'T', "pat", 1001, 121, OCS_OK },           /* the next step */
        { 4, 'T', "quinn", 1000, 124, OCS_OK },         /* another user */
        { 5, 'S', "pat", 1000, 125, OCS_OK },           /* another kind */
        { 6, 'S', "pat", 1, 126, OCS_ERR_AUTH },
        { 121, 'T', "pat", 1001, 300, OCS_OK },         /* the mark expired */
        { 122, 'T', "pat", 1001, 300, OCS_ERR_AUTH },
    };

    size_t         i;
    ocs_store_t    s, full;
    unsigned char  big[OCS_GUARD_KEY_MAX];

    s = new_store(64);

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        clock_data.now = T0 + cases[i].at;
        is_int(ocs_guard_once(&s, &env, cases[i].kind,
                              (const unsigned char *) cases[i].data,
                              strlen(cases[i].data), cases[i].value,
                              T0 + cases[i].expires),
               cases[i].want, "once #%zu", i);
    }

    memset(big, 'x', sizeof(big));
    is_int(ocs_guard_once(&s, &env, 'S', big, sizeof(big) - 1, 1, T0 + 200),
           OCS_ERR_INVALID, "once: data too long for a key");
    is_int(ocs_guard_once(NULL, &env, 'S', big, 8, 1, T0 + 200),
           OCS_ERR_SPACE, "once: no store, no mark");

    full = new_store(0);
    is_int(ocs_guard_once(&full, &env, 'S', big, 8, 1, T0 + 200),
           OCS_ERR_SPACE, "once: a store with no room");
    ocs_store_mem_destroy(&full);

    ocs_store_mem_destroy(&s);
}


static int
count_listed(void *arg, const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec)
{
    if (ocs_guard_listed(key, len, rec, clock_data.now)) {
        (*(size_t *) arg)++;
    }

    return OCS_STORE_NEXT;
}


static size_t
listed(const ocs_store_t *s)
{
    size_t  n = 0;

    s->lock(s->data);
    s->walk(s->data, count_listed, &n);
    s->unlock(s->data);

    return n;
}


/* whether the store holds the once mark of kind and data */
static int
has_mark(const ocs_store_t *s, int kind, const char *data)
{
    int              rc;
    size_t           len;
    unsigned char    key[OCS_GUARD_KEY_MAX];
    ocs_store_rec_t  rec;

    len = strlen(data);
    key[0] = OCS_GUARD_KIND_ONCE;
    key[1] = (unsigned char) kind;
    memcpy(key + 2, data, len);

    s->lock(s->data);
    rc = s->get(s->data, key, len + 2, &rec);
    s->unlock(s->data);

    return rc == OCS_OK && rec.keep == 1;
}


/*
 * A used code's mark in a store that drops: a flood of failures makes
 * room by dropping counts, never the live mark, so the code stays
 * refused; a store of live marks has no room for another, and says so;
 * a mark that has expired goes like any record.
 */
static void
test_once_kept(void)
{
    int             i, rc;
    size_t          len;
    char            name[16];
    unsigned char   key[OCS_NAME_MAX];
    ocs_store_t     s;

    s = new_store(8);

    is_int(ocs_guard_once(&s, &env, 'T', (const unsigned char *) "pat", 3,
                          1000, T0 + 120),
           OCS_OK, "kept: a code used");
    ok(has_mark(&s, 'T', "pat"), "kept: its mark is a kept record");

    /* as many failures as the store holds, and more, each a new count */
    rc = OCS_OK;

    for (i = 0; i < 40; i++) {
        clock_data.now = T0 + 1 + i;
        snprintf(name, sizeof(name), "flood%d", i);
        len = key_of(name, key);
        rc |= ocs_guard_failed(&s, &env, &limits, key, len, addr_b, 4, 0,
                               NULL);
    }

    is_int(rc, OCS_OK, "kept: every failure of the flood counted");
    is_int(ocs_store_mem_count(&s), 8, "kept: the store is full");
    is_int(listed(&s), 7, "kept: the oldest counts made room");
    ok(has_mark(&s, 'T', "pat"), "kept: the mark did not");
    is_int(ocs_guard_once(&s, &env, 'T', (const unsigned char *) "pat", 3,
                          1000, T0 + 120),
           OCS_ERR_AUTH, "kept: the code is still refused after the flood");

    /* past its expiry the mark may go to make room, as a count would */
    clock_data.now = T0 + 120;
    rc = OCS_OK;

    for (i = 0; i < 8; i++) {
        snprintf(name, sizeof(name), "late%d", i);
        len = key_of(name, key);
        rc |= ocs_guard_failed(&s, &env, &limits, key, len, addr_a, 4, 0,
                               NULL);
    }

    is_int(rc, OCS_OK, "kept: failures once the mark expired");
    ok(!has_mark(&s, 'T', "pat"), "kept: the expired mark went");

    ocs_store_mem_destroy(&s);

    /* a store of live marks: no room for one more, the code refused */
    s = new_store(4);

    for (i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "user%d", i);
        (void) ocs_guard_once(&s, &env, 'T', (const unsigned char *) name,
                              strlen(name), 1000, T0 + 100 + i);
    }

    is_int(ocs_guard_once(&s, &env, 'T', (const unsigned char *) "pat", 3,
                          1000, T0 + 120),
           OCS_ERR_SPACE, "full of marks: a new one has no room");
    is_int(ocs_guard_once(&s, &env, 'S', (const unsigned char *) "nonce",
                          5, 1, T0 + 300),
           OCS_ERR_SPACE, "full of marks: nor a form's");
    is_int(ocs_guard_once(&s, &env, 'T', (const unsigned char *) "user2", 5,
                          1000, T0 + 120),
           OCS_ERR_AUTH, "full of marks: a replay is still a replay");
    len = key_of("vera", key);
    is_int(ocs_guard_failed(&s, &env, &limits, key, len, addr_a, 4, 0,
                            NULL),
           OCS_ERR_SPACE, "full of marks: no room for a count either");
    ok(has_mark(&s, 'T', "user0") && has_mark(&s, 'T', "user3"),
       "full of marks: every mark stays");

    clock_data.now = T0 + 100;
    is_int(ocs_guard_once(&s, &env, 'T', (const unsigned char *) "pat", 3,
                          1000, T0 + 220),
           OCS_OK, "full of marks: room once the oldest expired");
    ok(!has_mark(&s, 'T', "user0") && has_mark(&s, 'T', "user1"),
       "full of marks: the expired one went");

    ocs_store_mem_destroy(&s);
}


static void
test_clear(void)
{
    size_t             len;
    const char        *why;
    unsigned char      key[OCS_NAME_MAX];
    ocs_store_t        s;
    ocs_guard_entry_t  e;

    s = new_store(64);

    len = key_of("rita", key);
    (void) ocs_guard_failed(&s, &env, &limits, key, len, addr_a, 4, 0, NULL);
    (void) ocs_guard_failed(&s, &env, &limits, key, len, addr_b, 4, 1, NULL);
    len = key_of("sam", key);
    (void) ocs_guard_failed(&s, &env, &limits, key, len, addr_a, 4, 0, NULL);
    (void) ocs_guard_once(&s, &env, 'T', key, len, 5, T0 + 120);

    /* rita from a and b, sam from a, address a, address b; and a mark */
    is_int(ocs_store_mem_count(&s), 6, "clear: six entries");
    is_int(listed(&s), 5, "clear: the mark is not listed");

    len = key_of("RITA", key);
    is_int(ocs_guard_clear(&s, OCS_GUARD_CLEAR_USER, key, len), 2,
           "clear: the user's two counts");
    is_int(ocs_guard_clear(&s, OCS_GUARD_CLEAR_ADDRESS, addr_a, 4), 2,
           "clear: sam's and the address's count from a");
    is_int(ocs_guard_clear(&s, OCS_GUARD_CLEAR_ALL, NULL, 0), 1,
           "clear: all that is left, the address b");
    is_int(ocs_store_mem_count(&s), 1, "clear: the mark stays");
    len = key_of("sam", key);
    is_int(ocs_guard_once(&s, &env, 'T', key, len, 5, T0 + 120),
           OCS_ERR_AUTH, "clear: the mark still refuses a replay");

    clock_data.now = T0 + 60;
    len = key_of("tom", key);
    (void) ocs_guard_failed(&s, &env, &limits, key, len, addr_6, 16, 0, NULL);
    clock_data.now = T0 + 120;
    is_int(listed(&s), 0, "list: a count past its window is not listed");

    ok(ocs_guard_entry((const unsigned char *) "Aab\0\x01\x02\x03\x04", 8,
                       &e) == OCS_OK && e.kind == 'A' && e.user_len == 2
       && e.addr_len == 4 && e.addr[3] == 4, "entry: account and address");
    ok(ocs_guard_entry((const unsigned char *) "I\x01\x02\x03\x04", 5, &e)
       == OCS_OK && e.user == NULL && e.addr_len == 4,
       "entry: an address alone");
    ok(ocs_guard_entry((const unsigned char *) "Uab", 4, &e) == OCS_OK
       && e.user_len == 2 && e.addr_len == 0, "entry: an account alone");
    is_int(ocs_guard_entry(key, 0, &e), OCS_ERR_INVALID, "entry: empty");

    why = NULL;
    is_int(ocs_guard_locked(NULL, &env, key, len, addr_a, 4, 1, &why), 0,
           "no store: never locked");

    ocs_store_mem_destroy(&s);
}


static void
test_describe(void)
{
    static const struct {
        const char  *key;
        size_t       len;
        const char  *addr;
        int64_t      first, until, expires, value;     /* after T0 */
        const char  *want;
    } cases[] = {
        { "Aalice\0\x7f\0\0\x01", 11, "127.0.0.1", 0, 300, 300, 0,
          "locked   user alice address 127.0.0.1  first failure at "
          "2023-11-14T22:13:20Z  locked until 2023-11-14T22:18:20Z "
          "(240 s left)\n" },
        { "I\x7f\0\0\x01", 5, "127.0.0.1", 0, 0, 90, 3,
          "counted  address 127.0.0.1  3 failures  first failure at "
          "2023-11-14T22:13:20Z  counted until 2023-11-14T22:14:50Z "
          "(30 s left)\n" },
        { "Ubob", 4, "", 10, 0, 70, 1,
          "counted  user bob address any  1 failure  first failure at "
          "2023-11-14T22:13:30Z  counted until 2023-11-14T22:14:30Z "
          "(10 s left)\n" },
        { "Ccarol\0\x7f\0\0\x01", 11, "127.0.0.1", 0, 0, 61, 1,
          "counted  user carol (codes) address 127.0.0.1  1 failure  "
          "first failure at 2023-11-14T22:13:20Z  counted until "
          "2023-11-14T22:14:21Z (1 s left)\n" },
    };

    size_t             i, n;
    char               out[OCS_GUARD_LINE_MAX + 1];
    ocs_store_rec_t    rec;
    ocs_guard_entry_t  e;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rec.first = T0 + cases[i].first;
        rec.until = cases[i].until ? T0 + cases[i].until : 0;
        rec.expires = T0 + cases[i].expires;
        rec.value = cases[i].value;
        rec.inflight = 0;

        (void) ocs_guard_entry((const unsigned char *) cases[i].key,
                               cases[i].len, &e);
        n = ocs_guard_describe(&e, &rec, T0 + 60, cases[i].addr, out,
                               sizeof(out));
        is_str(out, n, cases[i].want, "describe #%zu", i);
    }

    is_int(ocs_guard_describe(&e, &rec, T0 + 60, "", out, 20), 0,
           "describe: no room for the line");
    is_int(out[0], 0, "describe: and nothing half written");
}


static void
test_full(void)
{
    size_t               len;
    unsigned             started;
    const char          *why;
    unsigned char        key[OCS_NAME_MAX];
    ocs_store_t          s;
    ocs_guard_attempt_t  b;

    /* no room at all: the failure is reported, the sign-in goes on */
    s = new_store(0);
    len = key_of("uma", key);

    is_int(ocs_guard_failed(&s, &env, &limits, key, len, addr_a, 4, 0,
                            &started),
           OCS_ERR_SPACE, "full: no room for a failure count");

    ocs_guard_attempt_init(&b, &s, &env, &limits, "uma", 3, addr_a, 4);
    is_int(ocs_guard_charge(&b, NULL, 0, NULL), OCS_OK,
           "full: an attempt is still tried");
    is_int(b.no_room, 1, "full: and says the store had no room");
    is_int(b.charged, 0, "full: nothing charged");
    ocs_store_mem_destroy(&s);

    /* room for two: the newest state wins, the oldest goes */
    s = new_store(2);
    len = key_of("vic", key);
    (void) ocs_guard_failed(&s, &env, &limits, key, len, addr_a, 4, 0, NULL);
    (void) ocs_guard_failed(&s, &env, &limits, key, len, addr_a, 4, 0, NULL);
    (void) ocs_guard_failed(&s, &env, &limits, key, len, addr_a, 4, 0,
                            &started);
    is_int(started, OCS_GUARD_BY_ADDRESS, "full: vic locked");
    is_int(ocs_store_mem_count(&s), 2, "full: two entries");

    why = NULL;
    ok(ocs_guard_locked(&s, &env, key, len, addr_a, 4, 0, &why) == 300,
       "full: vic's lock holds");

    clock_data.now = T0 + 1;
    len = key_of("walt", key);
    (void) ocs_guard_failed(&s, &env, &limits, key, len, addr_b, 4, 0, NULL);
    is_int(ocs_store_mem_count(&s), 2, "full: still two");

    len = key_of("vic", key);
    is_int(ocs_guard_locked(&s, &env, key, len, addr_a, 4, 0, &why), 0,
           "full: the least recently written lock made room");

    ocs_store_mem_destroy(&s);
}


static int
walk_stop(void *arg, const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec)
{
    (void) key;
    (void) len;
    (void) rec;

    (*(int *) arg)++;

    return OCS_STORE_STOP;
}


static void
test_store(void)
{
    int              n;
    int64_t          v;
    ocs_store_t      s;
    ocs_store_rec_t  rec;
    unsigned char    big[OCS_STORE_KEY_MAX + 1];

    s = new_store(3);

    memset(&rec, 0, sizeof(rec));
    rec.value = 7;
    rec.expires = T0 + 10;

    s.lock(s.data);
    is_int(s.put(s.data, (const unsigned char *) "k1", 2, &rec), OCS_OK,
           "store: put");
    memset(&rec, 0, sizeof(rec));
    is_int(s.get(s.data, (const unsigned char *) "k1", 2, &rec), OCS_OK,
           "store: get");
    is_int(rec.value, 7, "store: the record copied back");
    is_int(s.get(s.data, (const unsigned char *) "k", 1, &rec),
           OCS_ERR_NOTFOUND, "store: a prefix is another key");

    memset(big, 'k', sizeof(big));
    is_int(s.put(s.data, big, sizeof(big), &rec), OCS_ERR_INVALID,
           "store: key too long");
    is_int(s.put(s.data, big, 0, &rec), OCS_ERR_INVALID, "store: empty key");

    rec.expires = T0 + 20;
    (void) s.put(s.data, (const unsigned char *) "k2", 2, &rec);

    s.expire(s.data, T0 + 10, 8);
    is_int(s.get(s.data, (const unsigned char *) "k1", 2, &rec),
           OCS_ERR_NOTFOUND, "store: expire drops what expired");
    is_int(s.get(s.data, (const unsigned char *) "k2", 2, &rec), OCS_OK,
           "store: and keeps the rest");

    n = 0;
    s.walk(s.data, walk_stop, &n);
    is_int(n, 1, "store: a walk stops when asked");

    s.remove(s.data, (const unsigned char *) "k2", 2);
    is_int(ocs_store_mem_count(&s), 0, "store: removed");
    s.unlock(s.data);

    /* the counter */
    is_int(ocs_store_add(&s, (const unsigned char *) "c", 1, 1, T0 + 30, T0,
                         &v), OCS_OK, "add: first");
    is_int(v, 1, "add: 1");
    (void) ocs_store_add(&s, (const unsigned char *) "c", 1, 2, T0 + 10, T0,
                         &v);
    is_int(v, 3, "add: 3");
    s.lock(s.data);
    (void) s.get(s.data, (const unsigned char *) "c", 1, &rec);
    s.unlock(s.data);
    is_int(rec.expires, T0 + 30, "add: an expiry only grows");
    is_int(rec.first, T0, "add: when the count began");
    (void) ocs_store_add(&s, (const unsigned char *) "c", 1, 1, T0 + 90,
                         T0 + 30, &v);
    is_int(v, 1, "add: an expired count starts again");

    ocs_store_mem_destroy(&s);

    /* full: expired records go before the least recently written */
    s = new_store(2);
    s.lock(s.data);
    rec.expires = T0 + 1000;
    (void) s.put(s.data, (const unsigned char *) "old", 3, &rec);
    rec.expires = T0 + 5;
    (void) s.put(s.data, (const unsigned char *) "new", 3, &rec);
    clock_data.now = T0 + 10;
    is_int(s.put(s.data, (const unsigned char *) "k3", 2, &rec), OCS_OK,
           "full: room made");
    is_int(s.get(s.data, (const unsigned char *) "old", 3, &rec), OCS_OK,
           "full: the live record stays");
    is_int(s.get(s.data, (const unsigned char *) "new", 3, &rec),
           OCS_ERR_NOTFOUND, "full: the expired one went");
    rec.expires = T0 + 1000;
    (void) s.put(s.data, (const unsigned char *) "k4", 2, &rec);
    (void) s.put(s.data, (const unsigned char *) "k5", 2, &rec);
    is_int(s.get(s.data, (const unsigned char *) "old", 3, &rec),
           OCS_ERR_NOTFOUND, "full: then the least recently written");
    s.unlock(s.data);
    ocs_store_mem_destroy(&s);

    s = new_store(0);
    is_int(ocs_store_add(&s, (const unsigned char *) "c", 1, 1, T0 + 30, T0,
                         &v), OCS_ERR_SPACE, "add: no room");
    ocs_store_mem_destroy(&s);

    ok(ocs_store_may_drop(0, T0 + 10, T0) && ocs_store_may_drop(1, T0, T0)
       && !ocs_store_may_drop(1, T0 + 1, T0),
       "may drop: any record but a kept one that has not expired");

    /* full: kept records passed over, within OCS_STORE_EVICT_MAX */
    s = new_store(OCS_STORE_EVICT_MAX + 2);
    s.lock(s.data);
    memset(&rec, 0, sizeof(rec));
    rec.expires = T0 + 1000;
    rec.keep = 1;

    for (n = 0; n < OCS_STORE_EVICT_MAX; n++) {
        big[0] = (unsigned char) ('0' + n / 10);
        big[1] = (unsigned char) ('0' + n % 10);
        (void) s.put(s.data, big, 2, &rec);
    }

    rec.keep = 0;
    (void) s.put(s.data, (const unsigned char *) "c0", 2, &rec);
    (void) s.put(s.data, (const unsigned char *) "c1", 2, &rec);
    is_int(s.put(s.data, (const unsigned char *) "c2", 2, &rec),
           OCS_ERR_SPACE, "kept: %d at the old end, no room",
           OCS_STORE_EVICT_MAX);
    s.remove(s.data, (const unsigned char *) "00", 2);
    rec.keep = 1;
    (void) s.put(s.data, (const unsigned char *) "00", 2, &rec);
    rec.keep = 0;
    is_int(s.put(s.data, (const unsigned char *) "c2", 2, &rec), OCS_OK,
           "kept: one fewer, the count behind them made room");
    ok(s.get(s.data, (const unsigned char *) "c0", 2, &rec)
       == OCS_ERR_NOTFOUND
       && s.get(s.data, (const unsigned char *) "00", 2, &rec) == OCS_OK
       && rec.keep == 1, "kept: the count went, the kept record stayed");
    s.unlock(s.data);
    ocs_store_mem_destroy(&s);
}


/* threads of one process sharing the in-memory store */

#define THREADS  4
#define ROUNDS   2000

static ocs_store_t  shared;


static void *
thread_run(void *data)
{
    int                  i;
    int64_t              v;
    ocs_guard_limits_t   lim = { 1000000, 1000000, 1000000, 60, 300 };
    ocs_guard_attempt_t  a;

    (void) data;

    for (i = 0; i < ROUNDS; i++) {
        (void) ocs_store_add(&shared, (const unsigned char *) "n", 1, 1,
                             T0 + 1000, T0, &v);

        ocs_guard_attempt_init(&a, &shared, &env, &lim, "zed", 3, addr_a, 4);
        (void) ocs_guard_charge(&a, NULL, 0, NULL);
        ocs_guard_settle(&a, OCS_GUARD_NEUTRAL);
    }

    return NULL;
}


static void
test_threads(void)
{
    int        i;
    int64_t    v;
    pthread_t  t[THREADS];

    shared = new_store(16);

    for (i = 0; i < THREADS; i++) {
        if (pthread_create(&t[i], NULL, thread_run, NULL) != 0) {
            printf("Bail out! no thread\n");
            exit(1);
        }
    }

    for (i = 0; i < THREADS; i++) {
        (void) pthread_join(t[i], NULL);
    }

    is_int(ocs_store_add(&shared, (const unsigned char *) "n", 1, 0,
                         T0 + 1000, T0, &v), OCS_OK, "threads: counted");
    is_int(v, THREADS * ROUNDS, "threads: no addition lost");
    is_int(ocs_store_mem_count(&shared), 1,
           "threads: every reservation given back");

    ocs_store_mem_destroy(&shared);
}


int
main(void)
{
    test_store();
    test_name();
    test_counting();
    test_attempts();
    test_total();
    test_directory();
    test_dir_limit();
    test_threshold();
    test_admit();
    test_abandon();
    test_stale();
    test_once();
    test_once_kept();
    test_clear();
    test_describe();
    test_full();
    test_threads();

    return ocs_test_done();
}
