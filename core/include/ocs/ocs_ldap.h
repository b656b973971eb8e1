/*
 * An Active Directory (or any LDAP) account directory, through OpenLDAP's
 * libldap.
 *
 * A directory handle owns its configuration and a small pool of
 * connections that stay bound as the service account between uses.  The
 * handle is thread-safe: several threads may sign users in at once, each
 * on its own connection.  Every call blocks, bounded by the configured
 * timeouts; nginx runs them in a thread pool.  Servers are tried in the
 * order given until one answers.
 */

#ifndef OCS_LDAP_H
#define OCS_LDAP_H


#include <ocs/ocs.h>
#include <ocs/ocs_directory.h>


#define OCS_LDAP_URLS_MAX     8
#define OCS_LDAP_GROUPS_MAX  64
#define OCS_LDAP_DN_MAX     512
#define OCS_LDAP_VALUE_MAX  256

#define OCS_LDAP_SCOPE_BASE   0
#define OCS_LDAP_SCOPE_ONE    1
#define OCS_LDAP_SCOPE_SUB    2

/* how group membership is expanded */
#define OCS_LDAP_NESTED_OFF   0   /* direct memberOf only */
#define OCS_LDAP_NESTED_WALK  1   /* follow the groups' own memberOf */
#define OCS_LDAP_NESTED_AD    2   /* AD's LDAP_MATCHING_RULE_IN_CHAIN */


typedef struct {
    const char   *urls[OCS_LDAP_URLS_MAX];
    size_t        nurls;
    int           starttls;         /* StartTLS on ldap:// URLs */
    int           tls_verify;       /* demand a valid certificate */
    const char   *ca_file;          /* NULL: the system's CAs */
    const char   *bind_dn;
    const char   *bind_password;    /* copied; wiped by destroy */
    const char   *base;
    int           scope;
    const char   *filter;           /* ANDed into every account search */
    const char   *remote_attr;      /* a BOOLEAN attribute, or NULL */
    const char   *totp_attr;        /* the TOTP secret's, or NULL */
    const char   *policy_dn;        /* the lockout policy, or NULL */
    int           connect_timeout;  /* milliseconds, per TCP connect */
    int           timeout;          /* milliseconds, per step */
    size_t        connections;      /* connections kept open */
    int           nested;
    /* the server's word for the section, in the configuration errors:
       "ocs_ldap_directory" (nginx, the default) or "OCSDirectory" */
    const char   *section;
} ocs_ldap_conf_t;


typedef struct ocs_ldap_s  ocs_ldap_t;

/*
 * A directory's configuration from its settings, as an ocs_ldap_directory
 * block (nginx) or an <OCSDirectory> section (Apache) writes them: one
 * key and its values per line.  The error texts are the whole sentence
 * for the server's configuration error, naming the directory; values in
 * them are cut where they would not fit in err.  The configuration keeps
 * pointers to the values given: the caller keeps them alive as long as
 * the configuration and the handles created from it.  Not thread-safe
 * for one conf; nothing is shared between confs.
 */

/* ocs_ldap_conf_set(): the value names a file the server reads, and passes
   what it holds to ocs_ldap_conf_password() */
#define OCS_LDAP_CONF_FILE    1
/* ocs_ldap_conf_set(): the value is a path, stored as given; a server that
   resolves relative paths replaces conf->ca_file with the resolved one */
#define OCS_LDAP_CONF_PATH    2

/*
 * The defaults an AD administrator expects: StartTLS off, certificates
 * verified, scope sub, filter (objectClass=user), remote access in
 * msNPAllowDialin, 3 s to connect, 5 s per step, 4 connections, nested
 * groups walked, errors naming an "ocs_ldap_directory" (a server with
 * another word for the section sets conf->section after this).
 * Everything else is unset (NULL, 0).
 */
void ocs_ldap_conf_init(ocs_ldap_conf_t *conf);

/*
 * Applies one setting: key with n values (NUL-terminated strings) to
 * conf, for the directory called name (for the error texts).  "url" takes
 * one or more values and adds to the ones before, every other key exactly
 * one.  Returns OCS_OK, OCS_LDAP_CONF_FILE for "bind_password_file",
 * OCS_LDAP_CONF_PATH for "ca_file", OCS_ERR_INVALID for a bad value or
 * number of values, or OCS_ERR_NOTFOUND for an unknown key; err says
 * which.
 */
int ocs_ldap_conf_set(ocs_ldap_conf_t *conf, const char *name,
    const char *key, const char *const *values, size_t n, ocs_err_t *err);

/*
 * The service account's password from the contents of the file that
 * "bind_password_file" names: text holds len bytes and one more for a
 * NUL.  Its first line is the password: the rest is wiped, the line is
 * NUL-terminated in place and conf->bind_password points at it, *kept
 * set to its length.  text stays the caller's, to wipe when conf goes.
 * Returns OCS_OK, or OCS_ERR_INVALID for an empty first line (an empty
 * password would make an unauthenticated bind).
 */
int ocs_ldap_conf_password(ocs_ldap_conf_t *conf, const char *name,
    char *text, size_t len, size_t *kept, ocs_err_t *err);

/*
 * The rules across settings, once all of them are read: "url" and "base"
 * are needed, "bind_dn" and "bind_password_file" go together.
 * Returns OCS_OK or OCS_ERR_INVALID with err set.
 */
int ocs_ldap_conf_check(const ocs_ldap_conf_t *conf, const char *name,
    ocs_err_t *err);

/*
 * What the server should warn about in a valid configuration: each
 * ldap:// URL without StartTLS (passwords in clear), and certificate
 * verification switched off.  Fills up to max entries of warn and returns
 * how many it filled; OCS_LDAP_URLS_MAX + 1 entries hold them all.
 */
size_t ocs_ldap_conf_warnings(const ocs_ldap_conf_t *conf, const char *name,
    ocs_err_t *warn, size_t max);



/*
 * The directory's own lockout rules, as far as the service account can
 * read them: AD's domain object (lockoutThreshold,
 * lockOutObservationWindow), a fine-grained password policy
 * (msDS-ResultantPSO), or OpenLDAP's ppolicy (pwdMaxFailure,
 * pwdFailureCountInterval).
 */
typedef struct {
    int           known;            /* read from the directory */
    int           threshold;        /* failed binds that lock; 0: never */
    int64_t       window;           /* seconds they count for; 0: for
                                       ever (until a good bind) */
    char          source[OCS_LDAP_DN_MAX];  /* the entry read */
} ocs_ldap_policy_t;


/* one account as the directory describes it; absent values are -1 */
typedef struct {
    char          dn[OCS_LDAP_DN_MAX];
    char          name[OCS_LDAP_VALUE_MAX];     /* sAMAccountName */
    char          upn[OCS_LDAP_VALUE_MAX];      /* userPrincipalName */
    char          display[OCS_LDAP_VALUE_MAX];  /* displayName */
    /* msRTCSIP-PrimaryUserAddress */
    char          sip[OCS_LDAP_VALUE_MAX];
    int           ocs_enabled;                  /* msRTCSIP-UserEnabled */
    long          option_flags;                 /* msRTCSIP-OptionFlags */
    long          uac;                          /* userAccountControl */
    int           remote;                       /* conf->remote_attr */
    char          totp[OCS_LDAP_VALUE_MAX];     /* conf->totp_attr */
    size_t        ngroups;                      /* direct and nested */
    char          groups[OCS_LDAP_GROUPS_MAX][OCS_LDAP_DN_MAX];
    int           groups_truncated;
    int           found;                        /* the search found it */
    /* msDS-ResultantPSO or pwdPolicySubentry, and the policy that rules */
    char          policy_dn[OCS_LDAP_DN_MAX];
    ocs_ldap_policy_t  policy;
} ocs_ldap_account_t;


/*
 * Asked by ocs_ldap_authenticate() between the search and the user bind,
 * in the calling thread: OCS_OK lets the password be tried, anything else
 * refuses the sign-in unbound (OCS_ACCT_THROTTLED).  acct->found says
 * whether the search found an account; acct->policy is the lockout
 * policy that applies to it (the domain's when none was found).
 */
typedef int (*ocs_ldap_admit_pt)(void *data, const ocs_ldap_account_t *acct);


/*
 * Creates a directory handle; no connection is made until the first use.
 * Returns NULL with err set for a bad configuration.
 */
ocs_ldap_t *ocs_ldap_create(const ocs_ldap_conf_t *conf, ocs_err_t *err);

/* closes every connection and wipes the service password; NULL is fine */
void ocs_ldap_destroy(ocs_ldap_t *ld);

/*
 * Signs a user in: finds the account with the service bind, by
 * sAMAccountName for DOMAIN\user and bare names and by userPrincipalName
 * for user@domain, asks admit (when not NULL), then binds as the account
 * with the password.  An empty password is refused before any bind.  An
 * unknown user costs a bind too, so it takes as long as a wrong password.
 * The user bind is sent at most once.
 *
 * Returns OCS_OK with *state set (OCS_ACCT_*: only OCS_ACCT_OK means
 * signed in; acct says what the search found, and is complete for
 * OCS_ACCT_OK), or OCS_ERR_SYS when no server could answer in time (err
 * names the last server tried and the step).
 */
int ocs_ldap_authenticate(ocs_ldap_t *ld, const char *name, size_t len,
    const char *password, size_t password_len, ocs_ldap_admit_pt admit,
    void *admit_data, ocs_ldap_account_t *acct, int *state, ocs_err_t *err);

/*
 * Finds the account of a user whose identity is already proven (by
 * Kerberos, say), with the service bind and the same name rules as
 * ocs_ldap_authenticate, and reads its groups.  No password, no bind as
 * the user.  Returns OCS_OK, OCS_ERR_NOTFOUND or OCS_ERR_SYS.
 */
int ocs_ldap_find_user(ocs_ldap_t *ld, const char *name, size_t len,
    ocs_ldap_account_t *acct, ocs_err_t *err);

/*
 * Reads an account again by its DN, for re-checks of live sessions.
 * Returns OCS_OK, OCS_ERR_NOTFOUND (gone) or OCS_ERR_SYS.
 */
int ocs_ldap_lookup(ocs_ldap_t *ld, const char *dn,
    ocs_ldap_account_t *acct, ocs_err_t *err);

/*
 * The key the proxy counts an account's failed sign-ins under: its
 * sAMAccountName (else its userPrincipalName, else its DN) folded as
 * ocs_name_key() does, so that every name the directory resolved to the
 * account counts as that account.  out is at least OCS_NAME_MAX bytes.
 * Returns OCS_OK, OCS_ERR_INVALID or OCS_ERR_SPACE.
 */
int ocs_ldap_account_key(const ocs_ldap_account_t *acct, char *out,
    size_t outlen, size_t *written);

/*
 * Opens a connection and reads the domain's lockout policy, so that a
 * worker knows it (and has a connection) before its first sign-in.
 * Returns OCS_OK or OCS_ERR_SYS (no server answered in time).
 */
int ocs_ldap_warm(ocs_ldap_t *ld, ocs_err_t *err);

/*
 * The domain's lockout policy as last read (unknown before the first
 * sign-in or re-check reads it; it is read again every 5 minutes).
 * Returns a version that changes whenever the policy read differs from
 * the one before, so that the caller can log the change once.
 */
unsigned ocs_ldap_policy(ocs_ldap_t *ld, ocs_ldap_policy_t *policy);

/*
 * Whether the account at dn matches an LDAP filter (a base search), for
 * custom requirements.  Returns OCS_OK with *match set, or OCS_ERR_SYS.
 */
int ocs_ldap_match(ocs_ldap_t *ld, const char *dn, const char *filter,
    int *match, ocs_err_t *err);


#endif /* OCS_LDAP_H */
