/*
 * Session policy: how long a ticket (ocs_ticket.h) stays good, when its
 * recorded activity is brought up to date, and how a new session's
 * ticket is dated.
 *
 * A session has an absolute lifetime from the sign-in and an idle
 * timeout since its last recorded activity.  Both come from the
 * computer class the user chose at sign-in (public: short, a session
 * cookie; private: longer, a cookie that may persist) unless the
 * location sets its own.  A location may also belong to a service with
 * an idle timeout of its own, counted from the last activity in that
 * service: a user busy elsewhere in the session may still be too long
 * away from it.
 *
 * Activity is recorded (and the ticket sealed again, a "refresh") at
 * most once per refresh interval, but at least twice per idle limit, so
 * that a limit shorter than the interval does not throw out a busy user.
 *
 * Everything here is pure and thread-safe: the caller owns every
 * buffer, times come from the caller or its ocs_env_t, and a ticket
 * cache is used by one thread at a time (ocs_keyring.h).
 */

#ifndef OCS_SESSION_H
#define OCS_SESSION_H


#include <ocs/ocs.h>
#include <ocs/ocs_keyring.h>
#include <ocs/ocs_store.h>
#include <ocs/ocs_ticket.h>


/* the defaults of the computer classes and of the refresh interval */
#define OCS_SESSION_PUBLIC_IDLE          (30 * 60)
#define OCS_SESSION_PUBLIC_LIFETIME      (8 * 3600)
#define OCS_SESSION_PUBLIC_PERSISTENT    0
#define OCS_SESSION_PRIVATE_IDLE         (8 * 3600)
#define OCS_SESSION_PRIVATE_LIFETIME     (7 * 86400)
#define OCS_SESSION_PRIVATE_PERSISTENT   1
#define OCS_SESSION_REFRESH              60

/* a participant's ticket (one with a conference) lasts at most this */
#define OCS_SESSION_PARTICIPANT_LIFETIME (2 * 3600)


/* the limits of a computer class, in seconds */
typedef struct {
    int64_t                idle;          /* 0: none */
    int64_t                lifetime;      /* at least 1 */
    int                    persistent;    /* the cookie outlives the
                                             browser until the session
                                             expires */
} ocs_session_class_t;


/* a location's policy, in seconds */
typedef struct {
    int64_t                lifetime;      /* -1: the class's */
    int64_t                idle;          /* -1: the class's; 0: none */
    int64_t                refresh;       /* 0: on every request */
    ocs_session_class_t    computer[2];   /* OCS_COMPUTER_PUBLIC, PRIVATE */
    int                    service;       /* 1: the location is in one */
    uint32_t               service_id;    /* ocs_session_service_id() */
    int64_t                service_idle;  /* 0: none */
} ocs_session_policy_t;


/* what a ticket cookie is worth, from ocs_session_check() */
#define OCS_SESSION_VALID          0
#define OCS_SESSION_BAD            1   /* does not open: forged, damaged,
                                          sealed with another key */
#define OCS_SESSION_REVOKED        2   /* logged off, or "everywhere" */
#define OCS_SESSION_EXPIRED        3   /* its absolute lifetime is over */
#define OCS_SESSION_IDLE           4   /* idle too long */
#define OCS_SESSION_SERVICE_IDLE   5   /* idle too long in the service */


/*
 * The limits a session of the class computer (OCS_COMPUTER_*; anything
 * else counts as public) gets under policy, as the sign-in page states
 * them: the policy's own idle and lifetime when set, else the class's.
 */
void ocs_session_class_limits(const ocs_session_policy_t *policy,
    unsigned computer, ocs_session_class_t *limits);

/*
 * The longest lifetime that policy gives any session: how long a
 * revocation of every session of a user must be kept.
 */
int64_t ocs_session_max_lifetime(const ocs_session_policy_t *policy);

/* the id under which a ticket records activity in the service name */
uint32_t ocs_session_service_id(const char *name, size_t len);

/*
 * The limits applied to an opened ticket t at now: OCS_SESSION_VALID,
 * OCS_SESSION_EXPIRED (now has reached t->expires or the sign-in plus
 * the lifetime), OCS_SESSION_IDLE (now - t->last_seen has reached the
 * idle timeout) or OCS_SESSION_SERVICE_IDLE (now minus the last
 * activity in the policy's service has reached its idle timeout; a
 * service not visited yet counts from t->last_seen).  The arithmetic
 * cannot overflow, whatever t and now hold.
 */
int ocs_session_limits(const ocs_session_policy_t *policy,
    const ocs_ticket_t *t, int64_t now);

/*
 * Records activity in a valid ticket t at now when it is due: the last
 * activity anywhere or in the policy's service is a refresh interval
 * old (the interval shortened to half of each idle timeout, at least
 * 1s), or the service is visited for the first time in the session.
 * Returns 1 when t changed and must be sealed again, else 0.
 */
int ocs_session_refresh(const ocs_session_policy_t *policy, ocs_ticket_t *t,
    int64_t now);

/*
 * One ticket cookie's value (len bytes, no NUL needed) at env's now:
 * opens it with ring and cache (NULL or a cache of ring) into t, asks
 * the revocation store revocations (ocs_revoke_check(); NULL: nothing
 * is revoked), applies
 * ocs_session_limits() and, for a valid ticket, ocs_session_refresh().
 *
 * Returns an OCS_SESSION_* verdict.  t is filled for every verdict but
 * OCS_SESSION_BAD (then t is wiped and err says why the ticket does not
 * open).  *reseal is 1 when the verdict is OCS_SESSION_VALID and t was
 * brought up to date: the caller seals it into a new cookie.
 */
int ocs_session_check(const ocs_session_policy_t *policy,
    const ocs_keyring_t *ring, ocs_ticket_cache_t *cache,
    const ocs_env_t *env, const char *cookie, size_t len,
    const ocs_store_t *revocations, ocs_ticket_t *t, int *reseal,
    ocs_err_t *err);

/*
 * A short lowercase reason for a verdict other than OCS_SESSION_VALID,
 * for the log: "session expired", "idle timeout", "idle timeout in
 * service" (the caller adds the service's name), "session revoked" or
 * "ticket rejected".  A static string.
 */
const char *ocs_session_reason(int verdict);

/*
 * Starts a session in t, whose identity (user, methods, computer, the
 * directory's fields) the caller has filled: a new random session id
 * from env, and the times.  The sign-in is dated now_ms (milliseconds
 * since the epoch: the environment's clock has only seconds), or just
 * after not_before (milliseconds; 0: none), the latest revocation of
 * the user's sessions, so that a sign-in in the same millisecond as a
 * "log off everywhere" does not fall under it.  The session expires
 * after the lifetime policy gives its class, at OCS_TIME_MAX at the
 * latest; a participant's (t->conference set) after OCS_SESSION_
 * PARTICIPANT_LIFETIME at the latest, and its cookie never outlives the
 * browser.
 *
 * Returns OCS_OK; OCS_ERR_INVALID when the user name is empty or
 * longer than OCS_USER_MAX; OCS_ERR_SYS when env has no random bytes.
 * On failure t's session id is wiped.
 */
int ocs_session_start(const ocs_session_policy_t *policy,
    const ocs_env_t *env, int64_t now_ms, int64_t not_before,
    ocs_ticket_t *t, ocs_err_t *err);

/*
 * The Max-Age of the cookie that carries t at now: the seconds until
 * the session expires (at least 1) when t's class keeps its cookie
 * beyond the browser, else -1 for a session cookie.
 */
int64_t ocs_session_cookie_max_age(const ocs_session_policy_t *policy,
    const ocs_ticket_t *t, int64_t now);


#endif /* OCS_SESSION_H */
