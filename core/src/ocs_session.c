/*
 * Session policy: the limits, the refresh and the dating of tickets.
 */

#include <ocs/ocs_directory.h>
#include <ocs/ocs_revoke.h>
#include <ocs/ocs_session.h>


static const ocs_session_class_t *ocs_session_class(
    const ocs_session_policy_t *policy, unsigned computer);
static int64_t ocs_session_idle(const ocs_session_policy_t *policy,
    const ocs_ticket_t *t);
static int64_t ocs_session_lifetime(const ocs_session_policy_t *policy,
    unsigned computer);
static int64_t ocs_session_half(int64_t refresh, int64_t idle);


static const ocs_session_class_t *
ocs_session_class(const ocs_session_policy_t *policy, unsigned computer)
{
    if (computer > OCS_COMPUTER_PRIVATE) {
        computer = OCS_COMPUTER_PUBLIC;
    }

    return &policy->computer[computer];
}


/* the location's limits when it sets them, else the computer class's */
static int64_t
ocs_session_idle(const ocs_session_policy_t *policy, const ocs_ticket_t *t)
{
    return (policy->idle >= 0) ? policy->idle
                               : ocs_session_class(policy, t->computer)->idle;
}


static int64_t
ocs_session_lifetime(const ocs_session_policy_t *policy, unsigned computer)
{
    return (policy->lifetime > 0)
           ? policy->lifetime : ocs_session_class(policy, computer)->lifetime;
}


void
ocs_session_class_limits(const ocs_session_policy_t *policy,
    unsigned computer, ocs_session_class_t *limits)
{
    const ocs_session_class_t  *c;

    c = ocs_session_class(policy, computer);

    limits->idle = (policy->idle >= 0) ? policy->idle : c->idle;
    limits->lifetime = ocs_session_lifetime(policy, computer);
    limits->persistent = c->persistent;
}


int64_t
ocs_session_max_lifetime(const ocs_session_policy_t *policy)
{
    int64_t  max;

    max = policy->lifetime;

    if (policy->computer[0].lifetime > max) {
        max = policy->computer[0].lifetime;
    }

    if (policy->computer[1].lifetime > max) {
        max = policy->computer[1].lifetime;
    }

    return max;
}


uint32_t
ocs_session_service_id(const char *name, size_t len)
{
    return ocs_fact_id("service", name, len);
}


int
ocs_session_limits(const ocs_session_policy_t *policy, const ocs_ticket_t *t,
    int64_t now)
{
    int  rc;

    /* the class's lifetime is in t->expires since the sign-in */
    rc = ocs_ticket_check(t, now, ocs_session_lifetime(policy, t->computer),
                          ocs_session_idle(policy, t));

    if (rc == OCS_ERR_EXPIRED) {
        return OCS_SESSION_EXPIRED;
    }

    if (rc != OCS_OK) {
        return OCS_SESSION_IDLE;
    }

    if (policy->service && policy->service_idle
        && ocs_time_diff(now, ocs_ticket_service_seen(t, policy->service_id))
           >= policy->service_idle)
    {
        return OCS_SESSION_SERVICE_IDLE;
    }

    return OCS_SESSION_VALID;
}


/* a refresh interval no longer than half an idle limit, nor under 1s */
static int64_t
ocs_session_half(int64_t refresh, int64_t idle)
{
    int64_t  half;

    if (idle <= 0) {
        return refresh;
    }

    half = (idle / 2 > 1) ? idle / 2 : 1;

    return (half < refresh) ? half : refresh;
}


int
ocs_session_refresh(const ocs_session_policy_t *policy, ocs_ticket_t *t,
    int64_t now)
{
    int64_t  seen, refresh;

    seen = policy->service ? ocs_ticket_service_seen(t, policy->service_id)
                           : t->last_seen;

    refresh = ocs_session_half(policy->refresh, ocs_session_idle(policy, t));

    if (policy->service) {
        refresh = ocs_session_half(refresh, policy->service_idle);
    }

    /* a service's first visit is recorded at once, later ones at most
       once per refresh interval */
    if (ocs_time_diff(now, t->last_seen) < refresh
        && ocs_time_diff(now, seen) < refresh
        && !(policy->service
             && !ocs_ticket_service_known(t, policy->service_id)))
    {
        return 0;
    }

    ocs_ticket_touch(t, now);

    if (policy->service) {
        ocs_ticket_service_touch(t, policy->service_id, now);
    }

    return 1;
}


int
ocs_session_check(const ocs_session_policy_t *policy,
    const ocs_keyring_t *ring, ocs_ticket_cache_t *cache,
    const ocs_env_t *env, const char *cookie, size_t len,
    const ocs_store_t *revocations, ocs_ticket_t *t, int *reseal,
    ocs_err_t *err)
{
    int      verdict;
    int64_t  now;

    *reseal = 0;

    if (ocs_ticket_open(ring, cache, cookie, len, t, err) != OCS_OK) {
        return OCS_SESSION_BAD;
    }

    now = env->now(env->data);

    if (ocs_revoke_check(revocations, t, now)) {
        return OCS_SESSION_REVOKED;
    }

    verdict = ocs_session_limits(policy, t, now);

    if (verdict == OCS_SESSION_VALID) {
        *reseal = ocs_session_refresh(policy, t, now);
    }

    return verdict;
}


const char *
ocs_session_reason(int verdict)
{
    switch (verdict) {
    case OCS_SESSION_REVOKED:
        return "session revoked";
    case OCS_SESSION_EXPIRED:
        return "session expired";
    case OCS_SESSION_IDLE:
        return "idle timeout";
    case OCS_SESSION_SERVICE_IDLE:
        return "idle timeout in service";
    case OCS_SESSION_VALID:
        return "valid";
    default:
        return "ticket rejected";
    }
}


int
ocs_session_start(const ocs_session_policy_t *policy, const ocs_env_t *env,
    int64_t now_ms, int64_t not_before, ocs_ticket_t *t, ocs_err_t *err)
{
    int64_t  auth;

    if (t->user_len == 0 || t->user_len > OCS_USER_MAX) {
        ocs_wipe(t->session, OCS_SESSION_LEN);
        return ocs_err(err, OCS_ERR_INVALID,
                       "user name of %zu bytes cannot be sealed",
                       t->user_len);
    }

    if (env->random(env->data, t->session, OCS_SESSION_LEN) != OCS_OK) {
        ocs_wipe(t->session, OCS_SESSION_LEN);
        return ocs_err(err, OCS_ERR_SYS, "no random bytes for a session id");
    }

    /* a sign-in in the same millisecond as a "log off everywhere" (or a
       full-zone fallback) must not fall under it: it is dated after */
    auth = ocs_time_add(not_before, 1);

    if (now_ms > auth) {
        auth = now_ms;
    }

    t->auth_time = auth / 1000;
    t->auth_ms = (unsigned) (auth % 1000);
    t->last_seen = t->auth_time;

    /* a lifetime beyond the year 9999 means "as long as tickets go" */
    t->expires = ocs_time_add(t->auth_time,
                              ocs_session_lifetime(policy, t->computer));

    if (t->expires > OCS_TIME_MAX) {
        t->expires = OCS_TIME_MAX;
    }

    /* a participant's ticket is short whatever the location gives */
    if (t->conference_len
        && t->expires > t->auth_time + OCS_SESSION_PARTICIPANT_LIFETIME)
    {
        t->expires = t->auth_time + OCS_SESSION_PARTICIPANT_LIFETIME;
    }

    return OCS_OK;
}


int64_t
ocs_session_cookie_max_age(const ocs_session_policy_t *policy,
    const ocs_ticket_t *t, int64_t now)
{
    int64_t  left;

    /* a private computer may keep the ticket until it expires */
    if (t->computer > OCS_COMPUTER_PRIVATE || t->conference_len
        || !policy->computer[t->computer].persistent)
    {
        return -1;
    }

    left = ocs_time_diff(t->expires, now);

    return (left > 1) ? left : 1;
}
