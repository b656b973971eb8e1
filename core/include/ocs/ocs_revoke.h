/*
 * Revocations: sessions logged off, every session of a user ended ("log
 * off everywhere"), and what a full store means for them, over a store
 * (ocs_store.h) that keeps its records (store->keep): a revocation that
 * a full store dropped would bring a session back.
 *
 * Three kinds of record, each under its own key:
 *
 *   one per revoked session, kept until its ticket would have expired
 *   anyway;
 *   one per user whose sessions that started until a time (ms, the
 *   record's value) are revoked, kept as long as any ticket lives;
 *   one for the whole store: the time until which every session is
 *   revoked (the value, ms; 0 for none), set when the store is full
 *   even after dropping what has expired (every record is dropped then,
 *   and nothing revoked comes back, since every session that started
 *   before now ends), and the time until which per-user records may be
 *   live ("until", s), so that a store without any needs no look-up.
 *
 * Times: now in seconds (for expiry), now_ms in milliseconds since the
 * epoch (for the dating of sessions, as ocs_session_start() dates
 * them).  A session that started in the same millisecond as a
 * revocation is dated after it by ocs_session_start(), given
 * ocs_revoke_not_before(): a new revocation in that millisecond is
 * dated one millisecond later still, so that it covers that session.
 *
 * Thread-safety: every function takes the store's lock for its reads
 * and writes, and is as thread-safe as the store.  No function keeps a
 * pointer to its arguments.
 */

#ifndef OCS_REVOKE_H
#define OCS_REVOKE_H


#include <ocs/ocs.h>
#include <ocs/ocs_store.h>
#include <ocs/ocs_ticket.h>


/* what a revocation did besides its own record */
typedef struct {
    size_t         dropped;        /* expired records dropped to make
                                      room when the store was full */
} ocs_revoke_info_t;


/*
 * Whether the opened ticket t is revoked at now (seconds): its session
 * was revoked, its user's sessions that started until some time after
 * its own start were, or the store's fallback time is not before its
 * start.  Returns 1 when it is, else 0 (also for a store that is not
 * there: store NULL).
 */
int ocs_revoke_check(const ocs_store_t *store, const ocs_ticket_t *t,
    int64_t now);

/*
 * Revokes t's session until t->expires.  lifetime is the longest any
 * ticket lives (s): how long the store's fallback time must be kept.
 *
 * Returns OCS_OK when the session is revoked by its own record (or was
 * already revoked); OCS_ERR_SPACE when the store was full even after
 * dropping info->dropped expired records: every session that started
 * until now_ms is revoked instead (the caller logs it); OCS_ERR_INVALID
 * for a store that does not keep its records; OCS_ERR_SYS when even an
 * empty store has no room for one record: nothing is revoked.  info
 * may be NULL.
 */
int ocs_revoke_session(const ocs_store_t *store, const ocs_ticket_t *t,
    int64_t lifetime, int64_t now_ms, ocs_revoke_info_t *info);

/*
 * Revokes every session of user (len bytes, case-insensitive in ASCII,
 * 1 to OCS_USER_MAX bytes) that started until now_ms, for lifetime
 * seconds (no ticket lives longer).  Returns as ocs_revoke_session(),
 * and OCS_ERR_INVALID for a user name of no or too many bytes.
 */
int ocs_revoke_user(const ocs_store_t *store, const char *user, size_t len,
    int64_t lifetime, int64_t now_ms, ocs_revoke_info_t *info);

/*
 * The time (ms) until which user's sessions are revoked, the store's
 * fallback time included; 0 when none are.  A new session must start
 * after it (ocs_session_start()).  A user name of no or too many bytes
 * gets the store's fallback time alone; store NULL gives 0.
 */
int64_t ocs_revoke_not_before(const ocs_store_t *store, const char *user,
    size_t len);

/*
 * For a store whose records were lost (ocs_store_region_start(): a
 * saved copy that did not load, a store made at another size): every
 * session that started until now_ms is revoked, as a full store does,
 * so that no session revoked before the loss opens again.  Every user
 * signs in again.  Returns OCS_OK; OCS_ERR_INVALID for a store that
 * does not keep its records; OCS_ERR_SYS when even an empty store has
 * no room for one record.
 */
int ocs_revoke_lost(const ocs_store_t *store, int64_t lifetime,
    int64_t now_ms);

/*
 * Writes a record read back from a journal (ocs_journal.h) into store,
 * which the caller has locked: as a revocation is written, a full store
 * drops what has expired and, when still full, revokes every session
 * that started until now_ms (the journal's apply for revocations).
 * Returns as ocs_revoke_session().
 */
int ocs_revoke_restore(const ocs_store_t *store, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec, int64_t lifetime,
    int64_t now_ms);


#endif /* OCS_REVOKE_H */
