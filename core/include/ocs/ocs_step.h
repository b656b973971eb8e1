/*
 * The second step: a session that signed in with a password steps up
 * with a one-time code (TOTP, or an OTP validation server) or with the
 * client certificate on its connection.
 *
 * The code form is bound to the session it steps up: it carries a state
 * (an expiry and a nonce, base64url) and a token, an HMAC over the
 * session id and the state under the ring's CSRF key.  A state is used
 * once, and so is a TOTP time step: the caller's store remembers them
 * through an ocs_step_once_pt.
 *
 * Every outcome of the step comes back as an ocs_step_outcome_t: what
 * the server answers, the sentence the user reads, and the line it logs
 * (the log reason, without the server's own prefix).  The server only
 * reads the form, runs ocs_step_check_code() where it may block, counts
 * failures for the lockout as the outcome says, and answers.
 *
 * Nothing here keeps state between calls; every function is safe in any
 * thread as long as the buffers it is given are its own (a ticket cache
 * is used by one thread at a time, as ocs_csrf_token() says).
 */

#ifndef OCS_STEP_H
#define OCS_STEP_H


#include <ocs/ocs.h>
#include <ocs/ocs_ticket.h>
#include <ocs/ocs_csrf.h>
#include <ocs/ocs_factor.h>
#include <ocs/ocs_ldap.h>


#define OCS_STEP_TTL          300     /* seconds a code form lives */
#define OCS_STEP_NONCE_LEN     16
#define OCS_STEP_RAW_LEN      (8 + OCS_STEP_NONCE_LEN)
#define OCS_STEP_STATE_LEN     32     /* base64url of the raw state */
#define OCS_STEP_STATE_MAX     64     /* the longest "state" field read */
#define OCS_STEP_CODE_MAX      64     /* the longest "code" field read */
#define OCS_STEP_TOTP_KEEP    120     /* seconds a used TOTP step is kept:
                                         past the drift window */

/* the factors a code may be checked with */
#define OCS_STEP_CODE_FACTORS  (OCS_METHOD_TOTP|OCS_METHOD_OTP)

/* the kinds of mark an ocs_step_once_pt records */
#define OCS_STEP_ONCE_STATE   'S'     /* key: a state's nonce, value 1 */
#define OCS_STEP_ONCE_TOTP    'T'     /* key: the lowercased user name,
                                         value: the TOTP time step */

#define OCS_STEP_REASON_MAX  1024


/*
 * Records that value was used under key (kind and len bytes at key),
 * until expires (seconds since the epoch).  Returns OCS_OK when value is
 * greater than any value recorded under that key that has not expired
 * (the first use), OCS_ERR_SPACE (or OCS_ERR_SYS) when the store cannot
 * record it (no room), anything else (OCS_ERR_AUTH) when it is not new
 * (a replay).  All but OCS_OK refuse: a replay as used, no room as "try
 * again later", since a use not recorded could be made again.
 * The server implements it with its store (ocs_guard_once(); nginx's
 * ocs_auth_zone, Apache's OCSLockoutStore).
 */
typedef int (*ocs_step_once_pt)(void *data, int kind,
    const unsigned char *key, size_t len, int64_t value, int64_t expires);


/* what the server does with an outcome */
typedef enum {
    OCS_STEP_NONE = 0,      /* no answer: the step goes on */
    OCS_STEP_PASS,      /* stepped up: record method in the session,
                               then the way back (or the request goes on) */
    OCS_STEP_FORM,          /* the code form, with message */
    OCS_STEP_END,           /* a page that ends the step: title, message,
                               the way back */
    OCS_STEP_MESSAGE,       /* a plain message page: title, message */
    OCS_STEP_SIGNIN,        /* no session: to the first step */
    OCS_STEP_GO,            /* to the second step's page */
    OCS_STEP_CHALLENGE      /* 401 with the sign-in challenge, message */
} ocs_step_verdict_e;


/* the log levels an outcome asks for, as syslog numbers them */
#define OCS_STEP_LOG_NONE      0      /* nothing to log */
#define OCS_STEP_LOG_ERR       3
#define OCS_STEP_LOG_NOTICE    5
#define OCS_STEP_LOG_INFO      6


typedef struct {
    ocs_step_verdict_e   verdict;
    int                  status;       /* the HTTP status to answer */
    int                  level;        /* OCS_STEP_LOG_* */
    unsigned             failed:1;     /* counts as a failure (lockout) */
    unsigned             succeeded:1;  /* clears the failures */
    uint32_t             method;       /* PASS: the factor to record */
    const char          *title;        /* END, MESSAGE: the page title */
    const char          *message;      /* what the user reads; "" none */
    char                 reason[OCS_STEP_REASON_MAX];   /* the log line */
} ocs_step_outcome_t;


/* the state and token of one code form, NUL-terminated */
typedef struct {
    char                 state[OCS_STEP_STATE_LEN + 1];
    char                 token[OCS_CSRF_TOKEN_LEN + 1];
} ocs_step_form_t;


/*
 * Makes a fresh state for a code form of session (OCS_SESSION_LEN
 * bytes): it expires OCS_STEP_TTL seconds after env's now, its nonce
 * comes from env's random source.  cache is NULL or ring's cache.
 * Returns OCS_OK with form filled, OCS_ERR_SYS (no random bytes: a
 * failed system call) or another code (the ring makes no token: cannot
 * happen with a loaded ring); err says which, as a log line.
 */
int ocs_step_state_make(const ocs_keyring_t *ring, ocs_ticket_cache_t *cache,
    const ocs_env_t *env, const unsigned char *session,
    ocs_step_form_t *form, ocs_err_t *err);

/*
 * Checks a posted state and token against session: the token must be
 * the HMAC of this session and state under a key of ring, the state must
 * not have expired at env's now (it is good up to its expiry second,
 * inclusive), and its nonce must be new to once (which then records it
 * until the expiry).  once is asked only about a state that passed the
 * other checks.  Returns OCS_OK; OCS_ERR_AUTH for a state that is
 * malformed, tampered with or another session's; OCS_ERR_EXPIRED for
 * one that expired or was used before; OCS_ERR_SPACE when once could
 * not record it (a state not marked used would be good twice).  out
 * (not NULL) gets the outcome of a refusal: the form again, or for
 * OCS_ERR_SPACE a 503 message to try again later, with the log reason;
 * user names the session's user in it.
 */
int ocs_step_state_verify(const ocs_keyring_t *ring,
    ocs_ticket_cache_t *cache, const ocs_env_t *env,
    const unsigned char *session, const char *state, size_t state_len,
    const char *token, size_t token_len, ocs_step_once_pt once, void *data,
    const char *user, ocs_step_outcome_t *out);

/*
 * The code factors a step URL's or form's "f" asks for (len bytes of
 * decimal at f, f may be NULL): those of OCS_STEP_CODE_FACTORS it names,
 * both when it names none or is not a number.
 */
uint32_t ocs_step_want(const char *f, size_t len);

/*
 * Whether a sign-in location can check a code for the factors wanted:
 * totp (ocs_auth_totp is on) or otp (an OTP server is set).  1 or 0.
 */
int ocs_step_can_check(uint32_t want, int totp, int otp);

/*
 * Whether the code form is shown only once the user is known to have a
 * TOTP secret (a probe, ocs_step_check_code()): when no OTP server
 * checks the code, since a server may know a code of anyone and only it
 * can say.  1 or 0.
 */
int ocs_step_probe_first(uint32_t want, int otp);


/* a refusal of the second step before any code is checked */
typedef enum {
    OCS_STEP_NO_SESSION = 1,   /* no signed-in session */
    OCS_STEP_LOCKED,           /* too many failures: detail says which
                                  lock, left the seconds it lasts */
    OCS_STEP_NO_CODE,          /* the form had no code */
    OCS_STEP_BAD_CODE,         /* a code too long or badly encoded */
    OCS_STEP_UNSET             /* the location checks no code wanted */
} ocs_step_refusal_e;

/*
 * The outcome of a refusal: always one of FORM, END or SIGNIN.  user is
 * the session's user (NUL-terminated; ignored for NO_SESSION), detail
 * is read by LOCKED only.  Never fails.
 */
void ocs_step_refuse(ocs_step_refusal_e why, const char *user,
    const char *detail, int64_t left, ocs_step_outcome_t *out);


/*
 * The work of checking a code, or (probe) of finding whether the user
 * has a secret at all.  The caller fills "in", runs ocs_step_check_code()
 * (it blocks: a pool thread), then ocs_step_code_outcome().
 */
typedef struct {
    /* in */
    char                  user[OCS_USER_MAX + 1];
    char                  dn[OCS_DN_MAX + 1];     /* "" without directory */
    char                  code[OCS_STEP_CODE_MAX + 1];
    size_t                code_len;
    const char           *path;         /* the user file, or NULL */
    ocs_ldap_t           *ld;           /* the directory, or NULL */
    const ocs_otp_conf_t *otp;          /* the OTP server, or NULL */
    int64_t               now;
    unsigned              probe:1;      /* is there a secret? no code */
    /* out */
    int                   rc;
    uint32_t              method;       /* OCS_METHOD_TOTP or _OTP */
    uint64_t              counter;      /* TOTP: the time step used */
    ocs_err_t             err;
} ocs_step_code_t;

/*
 * Fills where task's code is checked (task->dn set first): the TOTP
 * secret in the directory ld, when the session has a dn and there is a
 * directory with a TOTP attribute (has_attr), or else in the user file
 * (path, may be NULL), when TOTP is wanted and totp on; the OTP server
 * otp (may be NULL) when OTP is wanted.  Leaves the rest of task alone.
 */
void ocs_step_code_source(ocs_step_code_t *task, uint32_t want, int totp,
    ocs_ldap_t *ld, int has_attr, const char *path,
    const ocs_otp_conf_t *otp);

/*
 * Checks task->code for task->user: with the TOTP secret the user has
 * (directory or user file, one step of drift either way), else with the
 * OTP server; a probe only finds and reads the secret.  Blocks.  Sets
 * task->rc: OCS_OK (task->method and, for TOTP, task->counter say
 * with what), OCS_ERR_AUTH (a wrong code), OCS_ERR_NOTFOUND (no secret
 * and no OTP server), OCS_ERR_INVALID (a secret that cannot be read),
 * OCS_ERR_SYS (the directory or server failed, task->err says how).
 * task->code is wiped before it returns, whatever the outcome.
 */
void ocs_step_check_code(ocs_step_code_t *task);

/*
 * What a checked code means, on the server's side again: a TOTP code
 * that passed counts only once (once records the time step under the
 * lowercased user name until now + OCS_STEP_TOTP_KEEP; once may be NULL
 * for a probe).  Fills out: PASS with the method, the code form again
 * (a wrong or used code: failed is set), or an END or MESSAGE page (a
 * 503 to try again later when once cannot record the step: the code is
 * refused, and not counted as a failure).  Never fails.
 */
void ocs_step_code_outcome(const ocs_step_code_t *task, int64_t now,
    ocs_step_once_pt once, void *data, ocs_step_outcome_t *out);


/*
 * Whether a session whose ticket records methods still needs the second
 * step where required (OCS_METHOD_* bits, 0 none) is asked for; with
 * external, only from outside the internal networks (internal: the
 * client is inside).  1 or 0.
 */
int ocs_step_needed(uint32_t required, uint32_t methods, int external,
    int internal);

/*
 * Where a session that needs the second step goes, when its connection
 * had no certificate that stepped it up: a 403 MESSAGE when required
 * has no code factor, GO (302 to the step's page) for a GET that wants a
 * page, else a CHALLENGE (401).  Never fails.
 */
void ocs_step_route(uint32_t required, int get, int wants_page,
    const char *user, ocs_step_outcome_t *out);

/*
 * The account a certificate's identity signs in as (ocs_auth_certificate
 * ... only): the identity, without "@domain" when domain (domain_len
 * bytes, 0 for none) names its domain, without case.  Returns the length
 * of the name at identity.
 */
size_t ocs_step_cert_user(const char *identity, const char *domain,
    size_t domain_len);

/*
 * A certificate's identity against the session's user (user_len bytes):
 * PASS with OCS_METHOD_CERT when it matches (see ocs_cert_matches()),
 * else level ERR with the reason, and OCS_STEP_NONE: the step goes on as if
 * there were no certificate (ocs_step_route()).  Never fails.
 */
void ocs_step_cert_outcome(const char *identity, const char *user,
    size_t user_len, const char *domain, ocs_step_outcome_t *out);


#endif /* OCS_STEP_H */
