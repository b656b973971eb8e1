/*
 * Authorization: the requirements a location sets, what the directory
 * says an account meets, and the verdict on a request.
 *
 * Every requirement named anywhere in the configuration is a "fact" with
 * a stable id (ocs_fact_id()).  At sign-in, and at each re-check, the
 * directory is asked once which facts the account meets
 * (ocs_authz_evaluate(), blocking, in a worker thread); the ticket carries
 * their ids (ocs_authz_fill_ticket()).  A request is then judged against
 * the ticket alone (ocs_authz_check()), without the directory, so a slow
 * directory never slows requests that already hold a ticket.
 *
 * Ownership: the core keeps no pointer to anything passed in; the caller
 * owns requirement tables, results and tickets.  Thread-safety: every
 * function is reentrant; ocs_authz_evaluate() and ocs_authz_recheck() use
 * the directory handle, which is itself thread-safe.  Only those two
 * block.
 */

#ifndef OCS_AUTHZ_H
#define OCS_AUTHZ_H


#include <ocs/ocs.h>
#include <ocs/ocs_directory.h>
#include <ocs/ocs_ldap.h>
#include <ocs/ocs_ticket.h>


/* the kinds of requirement; each becomes a fact */
#define OCS_AUTHZ_ENABLED     1   /* msRTCSIP-UserEnabled */
#define OCS_AUTHZ_PRESENCE    2   /* enhanced presence */
#define OCS_AUTHZ_GROUP       3   /* a group's DN, or its name */
#define OCS_AUTHZ_FILTER      4   /* an LDAP filter the account matches */
#define OCS_AUTHZ_REMOTE      5   /* the remote access attribute */


/* one requirement; value points into the caller's configuration */
typedef struct {
    int                kind;           /* OCS_AUTHZ_* */
    const char        *value;          /* NUL-terminated; "" for enabled,
                                          presence and remote */
    size_t             len;
    uint32_t           id;             /* ocs_fact_id(kind name, value) */
} ocs_authz_req_t;


/* a network, as an address and a mask of the same family */
typedef struct {
    int                family;         /* 4 or 6 */
    unsigned char      addr[16];       /* network order, masked */
    unsigned char      mask[16];
} ocs_authz_net_t;


/* what a location asks of a request; the tables are the caller's */
typedef struct {
    const ocs_authz_req_t  *require;   /* each one must be met */
    size_t                  nrequire;
    const ocs_authz_req_t  *remote;    /* met outside internal, or NULL */
    const ocs_authz_net_t  *internal;  /* where remote is not asked */
    size_t                  ninternal;
} ocs_authz_rules_t;


/* what the directory said about an account, filled in a worker thread */
typedef struct {
    ocs_ldap_account_t     acct;
    size_t                 nfacts;
    uint32_t               facts[OCS_FACTS_MAX];   /* requirements met */
    size_t                 groups_len;
    char                   groups[OCS_GROUPS_MAX]; /* first RDN values,
                                                      comma-separated, no
                                                      NUL */
    int                    groups_truncated;
} ocs_authz_result_t;


/* verdicts of ocs_authz_check() */
#define OCS_AUTHZ_ALLOW          0
#define OCS_AUTHZ_NOT_ENABLED    1
#define OCS_AUTHZ_NO_PRESENCE    2
#define OCS_AUTHZ_NOT_IN_GROUP   3
#define OCS_AUTHZ_NO_FILTER      4
#define OCS_AUTHZ_NO_REMOTE      5
#define OCS_AUTHZ_SIP_MISMATCH   6


/* what ocs_authz_recheck_apply() made of a re-check */
#define OCS_AUTHZ_RECHECK_RENEW  0   /* the ticket has the new facts */
#define OCS_AUTHZ_RECHECK_KEEP   1   /* the directory did not answer:
                                        the old facts stand until the
                                        next interval */
#define OCS_AUTHZ_RECHECK_END    2   /* the account is gone or may not
                                        sign in: end the session */


/*
 * Sets up a requirement of a kind, with value (len bytes, NUL-terminated
 * at value[len]; "" for the kinds without one) and its fact id.  req
 * keeps the value pointer: the caller keeps the value alive.
 * Returns OCS_OK, or OCS_ERR_INVALID for an unknown kind.
 */
int ocs_authz_req_init(ocs_authz_req_t *req, int kind, const char *value,
    size_t len);

/*
 * The generation of a set of distinct requirements: an id over their
 * fact ids in id order, so that the order in the configuration does not
 * matter and the same set gives the same value in every process.  A
 * ticket whose facts_gen differs was computed for another set and is due
 * for a re-check.  At most OCS_FACTS_MAX requirements count.
 */
uint32_t ocs_authz_gen(const ocs_authz_req_t *reqs, size_t n);

/*
 * Whether an account meets a filter requirement, for ocs_authz_evaluate_by:
 * sets *match and returns OCS_OK, or returns OCS_ERR_SYS with err set.
 */
typedef int (*ocs_authz_match_pt)(void *data, const char *dn,
    const char *filter, int *match, ocs_err_t *err);

/*
 * Which of the n requirements the account in res->acct meets, and its
 * group names for the ticket: fills res->nfacts, res->facts,
 * res->groups, res->groups_len and res->groups_truncated.  Filters are
 * asked of the directory (a base search on the account's DN); the rest
 * is read from the account.  Blocking: call it in a worker thread.
 * Returns OCS_OK, or OCS_ERR_SYS when the directory did not answer a
 * filter (err says why; res is then incomplete).
 */
int ocs_authz_evaluate(ocs_ldap_t *ld, const ocs_authz_req_t *reqs, size_t n,
    ocs_authz_result_t *res, ocs_err_t *err);

/* the same, with filters answered by match (for tests and other stores) */
int ocs_authz_evaluate_by(ocs_authz_match_pt match, void *data,
    const ocs_authz_req_t *reqs, size_t n, ocs_authz_result_t *res,
    ocs_err_t *err);

/*
 * Copies the directory's view of the account into a ticket: SIP address,
 * display name and group names with control characters replaced by '?'
 * (they end up in upstream headers), the DN, the facts met, gen (the
 * requirements' generation) and now as the time of the check.  Values
 * longer than the ticket holds are cut.  Wipes the TOTP secret that the
 * account may have been read with.
 */
void ocs_authz_fill_ticket(ocs_ticket_t *t, ocs_authz_result_t *res,
    uint32_t gen, int64_t now);

/*
 * Whether addr (4 bytes IPv4 or 16 bytes IPv6, network order; an IPv6
 * address mapped from IPv4 counts as the IPv4 one) lies in one of the n
 * networks.  NULL or a length other than 4 or 16 (a Unix socket, say)
 * lies in none.  Returns 1 or 0.
 */
int ocs_authz_net_match(const ocs_authz_net_t *nets, size_t n,
    const unsigned char *addr, size_t len);

/*
 * Fills a network from an address (4 or 16 bytes as family says, network
 * order) and a prefix length (bits <= 32 for family 4, <= 128 for 6).
 * Address bits below the prefix are cleared.  Returns OCS_OK, or
 * OCS_ERR_INVALID for a bad family or prefix.
 */
int ocs_authz_net_set(ocs_authz_net_t *net, int family,
    const unsigned char *addr, unsigned bits);

/*
 * A request holding ticket t against a location's rules.  addr and len
 * are the client's address as for ocs_authz_net_match(); claim (claim_len
 * bytes, not NUL-terminated; 0 for none) is the SIP address the request
 * claims, which must name the ticket's account.  The requirements are
 * judged first, in their order, then remote access, then the claim.
 * Returns OCS_AUTHZ_ALLOW or the verdict that denies the request.
 */
int ocs_authz_check(const ocs_ticket_t *t, const ocs_authz_rules_t *rules,
    const unsigned char *addr, size_t len, const char *claim,
    size_t claim_len);

/*
 * The log's reason ("not in a required group") and the user's sentence
 * for a verdict of ocs_authz_check().  Static strings; "" for
 * OCS_AUTHZ_ALLOW and unknown verdicts.
 */
const char *ocs_authz_reason(int verdict);
const char *ocs_authz_message(int verdict);

/*
 * Whether the directory is due to be asked again about the session of
 * ticket t: interval seconds (0: never for age alone) have passed since
 * t->checked, or the ticket's facts were computed for requirements other
 * than gen.  A ticket without a DN (not from a directory) is never due.
 * Returns 1 or 0.
 */
int ocs_authz_recheck_due(const ocs_ticket_t *t, int64_t interval,
    uint32_t gen, int64_t now);

/*
 * In a worker thread: reads the account at dn again, its state from
 * userAccountControl into *state (OCS_ACCT_*), and, when the account may
 * still sign in, the requirements it meets into res.  Blocking.
 * Returns OCS_OK, OCS_ERR_NOTFOUND (the account is gone) or OCS_ERR_SYS
 * (the directory did not answer; err says why).
 */
int ocs_authz_recheck(ocs_ldap_t *ld, const char *dn,
    const ocs_authz_req_t *reqs, size_t n, ocs_authz_result_t *res,
    int *state, ocs_err_t *err);

/*
 * What the re-check that returned rc and state means for ticket t, and
 * applies it: RENEW fills t from res (as ocs_authz_fill_ticket()), KEEP
 * marks the old facts as checked now for gen, so that the directory is
 * asked again after another interval (requirements added since the
 * ticket was sealed stay unmet until then), END leaves t alone.  *why
 * (when not NULL) is set to the reason of an END, a static string.
 * Returns OCS_AUTHZ_RECHECK_*.
 */
int ocs_authz_recheck_apply(ocs_ticket_t *t, int rc, int state,
    ocs_authz_result_t *res, uint32_t gen, int64_t now, const char **why);


#endif /* OCS_AUTHZ_H */
