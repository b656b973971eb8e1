/*
 * Sealed tickets: the session a ticket cookie carries.
 *
 * A sealed ticket, before base64url:
 *
 *     version (1) | key id (4) | nonce (12) | ciphertext | tag (16)
 *
 * where the first 17 bytes are authenticated as additional data and the
 * ciphertext holds type-length-value fields, so later versions can add
 * fields that older readers skip.  The first key of a ring
 * (ocs_keyring.h) seals, every key opens.
 *
 * Tickets are plain memory; the functions here are pure and
 * thread-safe, except that a cache is used by one thread at a time.
 * What a session may do with its ticket (limits, refresh) is decided in
 * ocs_session.h.
 */

#ifndef OCS_TICKET_H
#define OCS_TICKET_H


#include <ocs/ocs.h>
#include <ocs/ocs_keyring.h>


#define OCS_SESSION_LEN        16
#define OCS_USER_MAX          256

#define OCS_TICKET_VERSION      1
#define OCS_TICKET_VERSION_PARTICIPANT  2   /* with a conference */

/* upper bound of a sealed ticket in base64url characters: a cookie
   must stay under the 4096 bytes browsers keep */
#define OCS_TICKET_TEXT_MAX  3900

#define OCS_SIP_MAX           256
#define OCS_DISPLAY_MAX       256
#define OCS_DN_MAX            512
#define OCS_GROUPS_MAX       1024     /* group names, comma-separated */
#define OCS_FACTS_MAX          32
#define OCS_SERVICES_MAX       16

/* authentication methods, recorded as a bit set */
#define OCS_METHOD_PASSWORD   0x0001
#define OCS_METHOD_KERBEROS   0x0002
#define OCS_METHOD_NTLM       0x0004
#define OCS_METHOD_TOTP       0x0008
#define OCS_METHOD_CERT       0x0010
#define OCS_METHOD_OTP        0x0020
#define OCS_METHOD_DIGEST     0x0040
#define OCS_METHOD_ANONYMOUS  0x0080   /* a participant by conference key */

#define OCS_TICKET_CONFERENCE_MAX  64   /* a conference id (ocs_digest.h) */

/* what the user said about the computer at sign-in */
#define OCS_COMPUTER_PUBLIC     0
#define OCS_COMPUTER_PRIVATE    1

/*
 * The times a ticket may hold, in seconds since the epoch: from
 * 2000-01-01T00:00:00Z to 9999-12-31T23:59:59Z.  Sealing and opening
 * refuse a ticket unless
 *
 *     auth_time, expires, last_seen, checked (written with a DN) and
 *     each service's last activity lie in that range,
 *     auth_time <= expires,
 *     auth_time <= last_seen and each service's last activity.
 *
 * Within the range, any difference of two times, and the sign-in time
 * in milliseconds, fit in 64 bits many times over.  last_seen may pass
 * expires (a refresh late in the session); checked may precede
 * auth_time (the directory is read just before the ticket is made).
 */
#define OCS_TIME_MIN   INT64_C(946684800)
#define OCS_TIME_MAX   INT64_C(253402300799)


typedef struct {
    unsigned char   session[OCS_SESSION_LEN];
    int64_t         auth_time;      /* when the user signed in */
    unsigned        auth_ms;        /* ... its milliseconds, 0-999 */
    int64_t         expires;        /* absolute end of the session */
    int64_t         last_seen;      /* last recorded activity */
    uint32_t        methods;        /* OCS_METHOD_* */
    unsigned        computer;       /* OCS_COMPUTER_* */
    size_t          user_len;
    char            user[OCS_USER_MAX + 1];

    /* from the directory, empty for the user file */
    size_t          sip_len;
    char            sip[OCS_SIP_MAX + 1];
    size_t          display_len;
    char            display[OCS_DISPLAY_MAX + 1];
    size_t          dn_len;
    char            dn[OCS_DN_MAX + 1];
    size_t          groups_len;
    char            groups[OCS_GROUPS_MAX + 1];
    int64_t         checked;        /* last look at the directory */
    uint32_t        facts_gen;      /* which requirements facts cover */
    size_t          nfacts;
    uint32_t        facts[OCS_FACTS_MAX];   /* requirements met */

    /* the last activity in each service visited in this session */
    size_t          nservices;
    struct {
        uint32_t    id;
        int64_t     last_seen;
    }               services[OCS_SERVICES_MAX];

    /*
     * A participant's ticket (ocs_digest.h): the conference whose paths
     * alone it opens, "" for a user's.  Sealed as its own ticket version,
     * so that code that does not know the field refuses the ticket.
     */
    size_t          conference_len;
    char            conference[OCS_TICKET_CONFERENCE_MAX + 1];
} ocs_ticket_t;


/*
 * Seals t with the first key of the ring into out as base64url text.
 * cache is NULL or a cache of this ring.
 * Returns OCS_OK, OCS_ERR_NOTFOUND (empty ring), OCS_ERR_INVALID (a
 * field too long, a string holding a NUL, a computer value other than
 * OCS_COMPUTER_*, or times that break the rules above), OCS_ERR_SPACE
 * or OCS_ERR_SYS.
 */
int ocs_ticket_seal(const ocs_keyring_t *ring, ocs_ticket_cache_t *cache,
    const ocs_env_t *env, const ocs_ticket_t *t, char *out, size_t outlen,
    size_t *written, ocs_err_t *err);

/*
 * Opens sealed text into t; cache is NULL or a cache of this ring.
 * Returns OCS_OK; OCS_ERR_INVALID for text
 * that is not a ticket (bad encoding, length or version) or whose
 * fields are malformed (times that break the rules above included);
 * OCS_ERR_NOTFOUND when no key of the ring has its key id; OCS_ERR_AUTH
 * when decryption fails (tampered, truncated, wrong key).  t is wiped
 * on failure.
 */
int ocs_ticket_open(const ocs_keyring_t *ring, ocs_ticket_cache_t *cache,
    const char *in, size_t len, ocs_ticket_t *t, ocs_err_t *err);

/*
 * Applies the time limits: OCS_ERR_EXPIRED when now has reached
 * t->expires or auth_time + lifetime (lifetime 0: no such limit),
 * OCS_ERR_IDLE when now - last_seen has reached idle (idle 0: no limit),
 * else OCS_OK.  The
 * arithmetic cannot overflow, whatever t and now hold.
 */
int ocs_ticket_check(const ocs_ticket_t *t, int64_t now, int64_t lifetime,
    int64_t idle);

/*
 * 1 when the session started at or before not_before, a revocation's
 * time in milliseconds since the epoch: the sign-in's second and
 * millisecond are compared with it, exactly, for any values.
 */
int ocs_ticket_revoked_by(const ocs_ticket_t *t, int64_t not_before);

/*
 * Records activity anywhere at now.  A clock stepped back to before the
 * sign-in records the sign-in time, so that the ticket keeps to the rules
 * above.
 */
void ocs_ticket_touch(ocs_ticket_t *t, int64_t now);

/* 1 when the ticket lists the fact */
int ocs_ticket_has_fact(const ocs_ticket_t *t, uint32_t fact);

/*
 * The last activity in a service; a service not visited yet in this
 * session counts from the last activity anywhere (t->last_seen).
 */
int64_t ocs_ticket_service_seen(const ocs_ticket_t *t, uint32_t service);

/* 1 when the session has visited the service */
int ocs_ticket_service_known(const ocs_ticket_t *t, uint32_t service);

/*
 * Records activity in a service at now (not before the sign-in, as
 * ocs_ticket_touch()).  When the table is full the service that was idle
 * longest makes room.
 */
void ocs_ticket_service_touch(ocs_ticket_t *t, uint32_t service, int64_t now);

/*
 * Writes the method names of a bit set, comma-separated ("password",
 * "kerberos", ...) into out, NUL-terminated.  Returns the length.
 */
size_t ocs_methods_format(uint32_t methods, char *out, size_t outlen);


#endif /* OCS_TICKET_H */
