/*
 * Brute-force protection over a store (ocs_store.h): failed sign-ins
 * counted per account and client address, per address, and per account
 * from anywhere, the locks they lead to, and the marks that let a
 * one-time code or a single-use form count once.
 *
 * A count goes on while failures come less than a window apart, as
 * directories count them (AD's observation window, ppolicy's interval);
 * reaching its limit locks for the lock time, and a lock does not grow
 * while it holds.  A password sign-in is counted before the password is
 * tried (a reservation "in flight") and settled after, so that sign-ins
 * in flight at once cannot pass a limit together; it is counted by the
 * account the directory resolved, not the name typed, so that spellings
 * of one account have no counts of their own; and below a lockout
 * threshold the directory has, so that the proxy refuses before the
 * directory locks the account.
 *
 * Every function takes the store's lock for one step of its own, and
 * is as thread-safe as the store: a pool thread may charge an attempt
 * while the event loop settles another.  Times come from env.
 *
 * Keys: a kind letter, the account's key (ocs_guard_name()) and a NUL,
 * then the client's address bytes (4 or 16, none for a unix socket);
 * either part may be missing.  The letters are the OCS_GUARD_KIND_*.
 */

#ifndef OCS_GUARD_H
#define OCS_GUARD_H


#include <ocs/ocs.h>
#include <ocs/ocs_store.h>
#include <ocs/ocs_signin.h>
#include <ocs/ocs_ldap.h>


#define OCS_GUARD_KEY_MAX   (1 + OCS_NAME_MAX + 1 + 16)
#define OCS_GUARD_ADDR_MAX  16
#define OCS_GUARD_LINE_MAX  (OCS_NAME_MAX + 256)   /* ocs_guard_describe() */

/* the first byte of a key */
#define OCS_GUARD_KIND_ACCOUNT  'A'    /* an account from an address */
#define OCS_GUARD_KIND_ADDRESS  'I'    /* an address, any account */
#define OCS_GUARD_KIND_TOTAL    'U'    /* an account, any address */
#define OCS_GUARD_KIND_CODES    'C'    /* second-step codes of an account
                                          from an address */
#define OCS_GUARD_KIND_ONCE     'O'    /* used codes and forms */

/* the counts a password sign-in takes part in, as bits */
#define OCS_GUARD_BY_ADDRESS    1      /* the account from the address */
#define OCS_GUARD_ANYWHERE      2      /* the account from anywhere */
#define OCS_GUARD_ADDRESS_ONLY  4      /* the address, any account */

/* what became of an attempt's password */
#define OCS_GUARD_FAILED        0      /* wrong */
#define OCS_GUARD_SUCCEEDED     1
#define OCS_GUARD_NEUTRAL       2      /* never judged */

/* which entries ocs_guard_clear() drops */
#define OCS_GUARD_CLEAR_ALL      0
#define OCS_GUARD_CLEAR_USER     1
#define OCS_GUARD_CLEAR_ADDRESS  2


/* a location's ocs_auth_lockout */
typedef struct {
    unsigned        account;        /* failures per account and address */
    unsigned        address;        /* per address; 0: not counted */
    unsigned        total;          /* per account from anywhere; 0: off */
    int64_t         window;         /* seconds failures count together */
    int64_t         lock;           /* seconds a lock holds */
} ocs_guard_limits_t;


/*
 * A password sign-in's part in the counts, from ocs_guard_attempt_init()
 * to ocs_guard_settle().  The caller owns it (the nginx glue keeps it in
 * the request's pool); nothing in it is secret.  One thread at a time.
 */
typedef struct {
    const ocs_store_t   *store;         /* NULL: no lockout */
    const ocs_env_t     *env;
    ocs_guard_limits_t   conf;          /* the location's limits */
    unsigned             limit_account; /* as they apply to this one */
    unsigned             limit_total;
    int64_t              limit_window;
    int64_t              limit_lock;
    int                  threshold;     /* the directory's, 0: none */
    unsigned char        addr[OCS_GUARD_ADDR_MAX];
    size_t               addr_len;
    unsigned char        typed[OCS_NAME_MAX];   /* the typed name's key */
    size_t               typed_len;
    unsigned char        key[OCS_NAME_MAX];     /* the account counted */
    size_t               key_len;
    unsigned             charged;       /* OCS_GUARD_BY_* reserved */
    unsigned             started;       /* locks this attempt started */
    unsigned             no_room;       /* the store had none for one */
    int64_t              left;          /* refused: the lock's rest */
    const char          *why;           /* refused: which lock, static */
    unsigned             busy;          /* refused for the attempts in
                                           flight, not a lock */
} ocs_guard_attempt_t;


/* an entry's key in its parts, pointers into the key */
typedef struct {
    int                   kind;         /* OCS_GUARD_KIND_* */
    const unsigned char  *user;         /* the account's key, or NULL */
    size_t                user_len;
    const unsigned char  *addr;         /* the address bytes */
    size_t                addr_len;     /* 0, 4 or 16 */
} ocs_guard_entry_t;


/*
 * The key of a typed name into out (OCS_NAME_MAX bytes): what a lenient
 * directory would match (ocs_username_key()), so that every spelling
 * of one name counts as one.  A name that cannot be folded (it never
 * reaches a directory) counts in hex behind a '!', so that its bytes
 * cannot pose as another key's.  Returns the key's length, never 0 for
 * a name that is not empty.  Pure.
 */
size_t ocs_guard_name(const char *typed, size_t len, unsigned char *out);

/*
 * Whether sign-ins of the account with key name (from ocs_guard_name())
 * from address addr are refused for now: 0, or the seconds left of the
 * longest lock that holds, with *why (static text: "this address", "the
 * account", ...) saying which.  codes: the second step is asked about,
 * so the lock of its codes counts too.  store NULL: never locked.
 */
int64_t ocs_guard_locked(const ocs_store_t *store, const ocs_env_t *env,
    const unsigned char *name, size_t name_len, const unsigned char *addr,
    size_t addr_len, int codes, const char **why);

/*
 * One more failure of the account from addr (a second-step code with
 * codes set, else a password): counted per account and address and
 * per address.  *started (may be NULL) gets OCS_GUARD_BY_ADDRESS when
 * the account's lock started with this failure, OCS_GUARD_ADDRESS_ONLY
 * when the address's did, for the caller to log.  Returns OCS_OK, or
 * OCS_ERR_SPACE when the store had no room for a count (the others are
 * still counted).
 */
int ocs_guard_failed(const ocs_store_t *store, const ocs_env_t *env,
    const ocs_guard_limits_t *limits, const unsigned char *name,
    size_t name_len, const unsigned char *addr, size_t addr_len, int codes,
    unsigned *started);

/*
 * The account's sign-in (second step with codes) from addr succeeded:
 * its count per account and address restarts, unless it is locked.
 */
void ocs_guard_succeeded(const ocs_store_t *store, const ocs_env_t *env,
    const unsigned char *name, size_t name_len, const unsigned char *addr,
    size_t addr_len, int codes);

/*
 * Marks that value (a TOTP code's time step, 1 for a form) was used
 * under kind and data (a user's key, a form's nonce), until expires.
 * The mark is a kept record (ocs_store.h, "Keeping"): a full store
 * drops failure counts and locks before it, never the mark while it
 * holds.  Returns OCS_OK when it is new: no live mark of that key holds
 * value or more; OCS_ERR_AUTH when one does (a replay: the mark stays);
 * OCS_ERR_SPACE when the store had no room (full of live marks, or
 * store is NULL: a mark cannot be kept without one), and then the use
 * must be refused, since nothing would refuse it a second time;
 * OCS_ERR_INVALID when data is longer than a key has room for.
 */
int ocs_guard_once(const ocs_store_t *store, const ocs_env_t *env,
    int kind, const unsigned char *data, size_t len, int64_t value,
    int64_t expires);

/*
 * Starts an attempt of the name typed (typed_len bytes, as the user
 * wrote it) from addr (addr_len 0, 4 or 16 bytes): copies what it needs,
 * charges nothing yet.  store NULL: lockout off, every later call lets
 * the attempt through.  env and store must outlive the attempt.
 */
void ocs_guard_attempt_init(ocs_guard_attempt_t *a, const ocs_store_t *store,
    const ocs_env_t *env, const ocs_guard_limits_t *limits,
    const char *typed, size_t typed_len, const unsigned char *addr,
    size_t addr_len);

/*
 * The failures an account may have here before the proxy locks it, given
 * the configured limit (0: none) and the directory's lockout policy: at
 * least one fewer than the directory's threshold, so that the proxy
 * refuses before the directory locks the account.  Without a known
 * threshold, the configured limit.  Pure.
 */
unsigned ocs_guard_dir_limit(const ocs_ldap_policy_t *policy,
    unsigned limit);

/*
 * The limits that apply to the attempt: the configured ones, and below
 * the directory's lockout threshold (policy, may be NULL), so that the
 * proxy refuses at least one failure before the directory would lock;
 * its window and lock then last at least the directory's observation
 * window (a day at most).  Sets a->limit_* and a->threshold.  Pure.
 */
void ocs_guard_attempt_limits(ocs_guard_attempt_t *a,
    const ocs_ldap_policy_t *policy);

/*
 * Reserves the attempt for the account key (NULL: the name as typed)
 * and the address, unless one of them is locked or as many attempts
 * are in flight as failures may still come: OCS_OK to try the
 * password; OCS_ERR_AUTH when refused, with a->left, a->why and a->busy
 * set.  A count the store has no room for is left out (a->no_room).
 * Makes no call but the store's and env's: a pool thread may run it.
 */
int ocs_guard_charge(ocs_guard_attempt_t *a, const unsigned char *account,
    size_t len, const ocs_ldap_policy_t *policy);

/*
 * ocs_ldap_authenticate()'s admission hook (ocs_ldap_admit_pt), data an
 * ocs_guard_attempt_t: charges the account the search found, or the
 * name as typed when it found none.  Returns OCS_OK or OCS_ERR_AUTH.
 */
int ocs_guard_admit(void *data, const ocs_ldap_account_t *acct);

/*
 * The outcome (OCS_GUARD_FAILED, _SUCCEEDED, _NEUTRAL) of a charged
 * attempt: it is no longer in flight; a wrong password counts as a
 * failure and may start a lock (a->started); a success clears the
 * account's failures and lock, as the directory's own count starts
 * again after a good password; a password never judged leaves the
 * failures as they were.  Does nothing for an attempt not charged, or
 * settled before.
 */
void ocs_guard_settle(ocs_guard_attempt_t *a, int outcome);

/*
 * An entry's key in its parts, for a list of the locks and counts.
 * Returns OCS_OK, or OCS_ERR_INVALID for an empty key.  Pure.
 */
int ocs_guard_entry(const unsigned char *key, size_t len,
    ocs_guard_entry_t *e);

/*
 * Whether an entry belongs in the list of locks and counts at now: a
 * lock or a count still alive, not a once mark.
 */
int ocs_guard_listed(const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec, int64_t now);

/*
 * One line of the list of locks and counts, for the entry e with record
 * rec at now, "\n"-terminated, into out (NUL-terminated): whether it is
 * a lock or a count, the user, the address (addr, its text, which the
 * server formats; "" for none), the failures counted, when the first
 * came and until when the entry holds, times in UTC.  At most
 * OCS_GUARD_LINE_MAX bytes and its NUL.  Returns the line's length,
 * or 0 when outlen is too small for it (out is then "").  Pure.
 */
size_t ocs_guard_describe(const ocs_guard_entry_t *e,
    const ocs_store_rec_t *rec, int64_t now, const char *addr, char *out,
    size_t outlen);

/*
 * Drops locks and counts (never once marks): every one (OCS_GUARD_CLEAR_
 * ALL), those of the account with key want (_USER, a key from
 * ocs_guard_name()), or those of the address with bytes want (_ADDRESS).
 * Returns how many it dropped.
 */
size_t ocs_guard_clear(const ocs_store_t *store, int what,
    const unsigned char *want, size_t len);


#endif /* OCS_GUARD_H */
