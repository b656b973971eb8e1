/*
 * The revocation decisions (ocs_revoke.h) against the in-memory store
 * (ocs_store.h) that keeps its records, with a frozen clock: a session
 * revoked, a user's sessions revoked until a time ("log off
 * everywhere"), records running out, a full store falling back to
 * revoking every session that started until now, and a store whose
 * records were lost doing the same.
 */

#include <ocs_test.h>
#include <ocs/ocs_revoke.h>
#include <ocs/ocs_session.h>


#define T0      1700000000
#define T0_MS   (T0 * 1000LL)
#define HOUR    3600


static ocs_test_env_data_t  clock_data;
static const ocs_env_t      env = { ocs_test_now, ocs_test_random,
                                    &clock_data };


static ocs_store_t
new_store(size_t capacity, int keep)
{
    ocs_store_t  s;

    clock_data.now = T0;

    if (ocs_store_mem_create(&s, capacity, &env) != OCS_OK) {
        printf("Bail out! no memory for a store\n");
        exit(1);
    }

    if (keep) {
        ocs_store_mem_keep(&s);
    }

    return s;
}


/* a ticket of user, signed in at auth_ms, for 8 hours */
static ocs_ticket_t
ticket(const char *user, unsigned char id, int64_t auth_ms)
{
    ocs_ticket_t  t;

    memset(&t, 0, sizeof(t));
    memset(t.session, id, OCS_SESSION_LEN);
    t.user_len = strlen(user);
    memcpy(t.user, user, t.user_len);
    t.auth_time = auth_ms / 1000;
    t.auth_ms = (unsigned) (auth_ms % 1000);
    t.last_seen = t.auth_time;
    t.expires = t.auth_time + 8 * HOUR;

    return t;
}


static void
test_session(void)
{
    ocs_store_t        s;
    ocs_ticket_t       a, b;
    ocs_revoke_info_t  info;

    s = new_store(16, 1);
    a = ticket("alice", 1, T0_MS - 5000);
    b = ticket("alice", 2, T0_MS - 5000);

    ok(!ocs_revoke_check(&s, &a, T0), "session: nothing revoked yet");
    ok(!ocs_revoke_check(NULL, &a, T0), "session: no store, not revoked");
    is_int(ocs_revoke_not_before(NULL, "alice", 5), 0,
           "session: no store, no time");

    is_int(ocs_revoke_session(&s, &a, 8 * HOUR, T0_MS, &info), OCS_OK,
           "session: revoked");
    ok(info.dropped == 0, "session: nothing dropped");
    ok(ocs_revoke_check(&s, &a, T0), "session: the revoked one is");
    ok(ocs_revoke_check(&s, &a, T0 + 4 * HOUR), "session: still, later");
    ok(!ocs_revoke_check(&s, &b, T0), "session: another of the user is not");
    is_int(ocs_revoke_not_before(&s, "alice", 5), 0,
           "session: the user's sessions are not revoked");

    is_int(ocs_revoke_session(&s, &a, 8 * HOUR, T0_MS + 10, NULL), OCS_OK,
           "session: revoked again");
    is_int((int) ocs_store_mem_count(&s), 1, "session: one record for it");

    ocs_store_mem_destroy(&s);

    s = new_store(16, 0);
    is_int(ocs_revoke_session(&s, &a, 8 * HOUR, T0_MS, NULL),
           OCS_ERR_INVALID, "session: a store that drops records refused");
    is_int(ocs_revoke_user(&s, "alice", 5, 8 * HOUR, T0_MS, NULL),
           OCS_ERR_INVALID, "user: a store that drops records refused");
    ocs_store_mem_destroy(&s);
}


static void
test_expiry(void)
{
    ocs_store_t   s;
    ocs_ticket_t  a, b, c;

    s = new_store(16, 1);
    a = ticket("alice", 1, T0_MS);
    b = ticket("bob", 2, T0_MS + HOUR * 1000LL);
    c = ticket("carol", 3, T0_MS + HOUR * 2000LL);

    (void) ocs_revoke_session(&s, &a, 8 * HOUR, T0_MS, NULL);
    clock_data.now = T0 + HOUR;
    (void) ocs_revoke_session(&s, &b, 8 * HOUR, (T0 + HOUR) * 1000LL, NULL);
    is_int((int) ocs_store_mem_count(&s), 2, "expiry: two records");

    /* a's ticket has expired: the next revocation drops its record */
    clock_data.now = a.expires;
    (void) ocs_revoke_session(&s, &c, 8 * HOUR, a.expires * 1000LL, NULL);
    is_int((int) ocs_store_mem_count(&s), 2,
           "expiry: the expired one dropped on the way");
    ok(!ocs_revoke_check(&s, &a, a.expires),
       "expiry: an expired revocation is gone (the ticket too)");
    ok(ocs_revoke_check(&s, &b, a.expires), "expiry: the live one stays");

    ocs_store_mem_destroy(&s);

    /* a user's record lasts the lifetime given, and a second */
    s = new_store(16, 1);
    (void) ocs_revoke_user(&s, "dave", 4, HOUR, T0_MS, NULL);
    s.expire(s.data, T0 + HOUR, 16);
    is_int((int) ocs_store_mem_count(&s), 2,
           "expiry: a user's record and the store's, a lifetime on");
    s.expire(s.data, T0 + HOUR + 1, 16);
    is_int((int) ocs_store_mem_count(&s), 0,
           "expiry: a second later they are gone");
    is_int(ocs_revoke_not_before(&s, "dave", 4), 0,
           "expiry: the user's time with them");
    ocs_store_mem_destroy(&s);
}


static void
test_user(void)
{
    int64_t       nb;
    ocs_err_t     err;
    ocs_store_t   s;
    ocs_ticket_t  before, same, after, other, fresh;
    ocs_session_policy_t  p;

    s = new_store(16, 1);
    before = ticket("Alice", 1, T0_MS - 1);
    same = ticket("alice", 2, T0_MS);
    after = ticket("ALICE", 3, T0_MS + 1);
    other = ticket("bob", 4, T0_MS - 1000);

    is_int(ocs_revoke_user(&s, "aLiCe", 5, 8 * HOUR, T0_MS, NULL), OCS_OK,
           "user: everywhere");
    is_int(ocs_revoke_not_before(&s, "ALICE", 5), T0_MS,
           "user: until now, in any case");
    ok(ocs_revoke_check(&s, &before, T0), "user: a session before: revoked");
    ok(ocs_revoke_check(&s, &same, T0),
       "user: a session in the same ms: revoked");
    ok(!ocs_revoke_check(&s, &after, T0), "user: a session after: not");
    ok(!ocs_revoke_check(&s, &other, T0), "user: another user: not");

    /* a sign-in in the same ms is dated after the revocation */
    memset(&p, 0, sizeof(p));
    p.lifetime = 8 * HOUR;
    p.idle = -1;
    fresh = ticket("alice", 5, 0);
    nb = ocs_revoke_not_before(&s, "alice", 5);
    is_int(ocs_session_start(&p, &env, T0_MS, nb, &fresh, &err), OCS_OK,
           "user: a sign-in in the same ms");
    ok(!ocs_revoke_check(&s, &fresh, T0), "user: it is not revoked");

    /* a second revocation in that ms covers it */
    is_int(ocs_revoke_user(&s, "alice", 5, 8 * HOUR, T0_MS, NULL), OCS_OK,
           "user: everywhere again, the same ms");
    is_int(ocs_revoke_not_before(&s, "alice", 5), T0_MS + 1,
           "user: dated a ms later");
    ok(ocs_revoke_check(&s, &fresh, T0), "user: the new sign-in revoked");
    ok(!ocs_revoke_check(&s, &other, T0), "user: bob still not");

    /* the look-up by user ends with the records' lifetime */
    ok(ocs_revoke_check(&s, &before, T0 + 8 * HOUR),
       "user: revoked until the lifetime is over");
    ok(!ocs_revoke_check(&s, &before, T0 + 8 * HOUR + 1),
       "user: after it, no look-up (the ticket expired long ago)");

    is_int(ocs_revoke_user(&s, "", 0, 8 * HOUR, T0_MS, NULL),
           OCS_ERR_INVALID, "user: no name");
    is_int(ocs_revoke_user(&s, "x", OCS_USER_MAX + 1, 8 * HOUR, T0_MS,
                           NULL),
           OCS_ERR_INVALID, "user: a name too long");
    is_int(ocs_revoke_not_before(&s, "", 0), 0,
           "user: no name: the store's time alone");

    ocs_store_mem_destroy(&s);
}


static void
test_full(void)
{
    ocs_store_t        s;
    ocs_ticket_t       a, b, c, d, late;
    ocs_revoke_info_t  info;

    /* full of live revocations: every session until now is revoked */
    s = new_store(2, 1);
    a = ticket("alice", 1, T0_MS - 3000);
    b = ticket("bob", 2, T0_MS - 2000);
    c = ticket("carol", 3, T0_MS - 1000);
    d = ticket("dave", 4, T0_MS + 500);
    late = ticket("erin", 5, T0_MS + 1000);

    (void) ocs_revoke_session(&s, &a, 8 * HOUR, T0_MS, NULL);
    (void) ocs_revoke_session(&s, &b, 8 * HOUR, T0_MS, NULL);
    is_int(ocs_revoke_session(&s, &c, 8 * HOUR, T0_MS + 500, &info),
           OCS_ERR_SPACE, "full: fallback");
    ok(info.dropped == 0, "full: nothing had expired");
    ok(ocs_revoke_check(&s, &a, T0) && ocs_revoke_check(&s, &b, T0)
       && ocs_revoke_check(&s, &c, T0),
       "full: every revoked session still is");
    ok(ocs_revoke_check(&s, &d, T0),
       "full: a session of the same ms is revoked too");
    ok(!ocs_revoke_check(&s, &late, T0 + 1), "full: a later one is not");
    is_int(ocs_revoke_not_before(&s, "erin", 4), T0_MS + 500,
           "full: the time is everyone's");
    is_int((int) ocs_store_mem_count(&s), 1, "full: one record left");

    /* revoking under the time is no write */
    is_int(ocs_revoke_session(&s, &b, 8 * HOUR, T0_MS + 600, NULL), OCS_OK,
           "full: a covered session needs no record");

    /* a later fallback in the same ms comes a ms later */
    (void) ocs_revoke_session(&s, &late, 8 * HOUR, T0_MS + 500, NULL);
    is_int(ocs_revoke_user(&s, "alice", 5, 8 * HOUR, T0_MS + 500, NULL),
           OCS_ERR_SPACE, "full: a user's revocation falls back too");
    is_int(ocs_revoke_not_before(&s, "bob", 3), T0_MS + 501,
           "full: a ms after the earlier one");
    ocs_store_mem_destroy(&s);

    /* a user's later time is kept by the fallback */
    s = new_store(2, 1);
    (void) ocs_revoke_user(&s, "alice", 5, 8 * HOUR, T0_MS + 2000, NULL);
    is_int(ocs_revoke_session(&s, &a, 8 * HOUR, T0_MS, NULL),
           OCS_ERR_SPACE, "full: the user's record and the store's");
    is_int(ocs_revoke_not_before(&s, "bob", 3), T0_MS + 2000,
           "full: the user's later time is everyone's");
    ocs_store_mem_destroy(&s);

    /*
     * Expired records make room first, counted.  The in-memory store's
     * own put() would drop b by env's clock: that clock stays at T0, so
     * that the dropping is the core's, by the now it is given (as with
     * the nginx zone, whose put() drops nothing).
     */
    s = new_store(2, 1);
    a.expires = T0 + HOUR;
    b.expires = T0 + 10;
    (void) ocs_revoke_session(&s, &a, 8 * HOUR, T0_MS, NULL);
    (void) ocs_revoke_session(&s, &b, 8 * HOUR, T0_MS, NULL);
    is_int(ocs_revoke_session(&s, &c, 8 * HOUR, (T0 + 20) * 1000LL, &info),
           OCS_OK, "full: room from an expired record");
    ok(info.dropped == 1, "full: one expired record dropped");
    ok(ocs_revoke_check(&s, &a, T0 + 20) && ocs_revoke_check(&s, &c, T0 + 20),
       "full: the live ones kept");
    is_int(ocs_revoke_not_before(&s, "bob", 3), 0, "full: no fallback");
    ocs_store_mem_destroy(&s);

    /* a store with no room at all */
    s = new_store(0, 1);
    is_int(ocs_revoke_session(&s, &a, 8 * HOUR, T0_MS, NULL), OCS_ERR_SYS,
           "full: no room even when empty");
    ocs_store_mem_destroy(&s);
}


static void
test_lost(void)
{
    ocs_store_t   s;
    ocs_ticket_t  a, b, late;

    /* a store that lost its records: nobody from before comes back */
    s = new_store(8, 1);
    a = ticket("alice", 1, T0_MS - 8 * 1000);
    b = ticket("bob", 2, T0_MS);
    late = ticket("carol", 3, T0_MS + 1);

    is_int(ocs_revoke_lost(&s, 8 * HOUR, T0_MS), OCS_OK, "lost: done");
    ok(ocs_revoke_check(&s, &a, T0) && ocs_revoke_check(&s, &b, T0),
       "lost: every session until now is revoked");
    ok(!ocs_revoke_check(&s, &late, T0), "lost: a later sign-in is not");
    is_int(ocs_revoke_not_before(&s, "dave", 4), T0_MS,
           "lost: a new sign-in starts after now");
    ok(ocs_revoke_check(&s, &a, T0 + 8 * HOUR),
       "lost: kept as long as a ticket lives");
    is_int((int) ocs_store_mem_count(&s), 1, "lost: one record");

    /* twice in one ms: the second comes a ms later, as a fallback does */
    is_int(ocs_revoke_lost(&s, 8 * HOUR, T0_MS), OCS_OK, "lost: again");
    ok(ocs_revoke_check(&s, &late, T0), "lost: a ms later the second time");
    ocs_store_mem_destroy(&s);

    s = new_store(8, 0);
    is_int(ocs_revoke_lost(&s, 8 * HOUR, T0_MS), OCS_ERR_INVALID,
           "lost: a store that does not keep is refused");
    ocs_store_mem_destroy(&s);

    s = new_store(0, 1);
    is_int(ocs_revoke_lost(&s, 8 * HOUR, T0_MS), OCS_ERR_SYS,
           "lost: no room even for one record");
    ocs_store_mem_destroy(&s);
}


int
main(void)
{
    test_session();
    test_expiry();
    test_user();
    test_full();
    test_lost();

    return ocs_test_done();
}
