/*
 * Directory helpers that need no directory: filter escaping, the account
 * states Active Directory reports, SIP URI comparison, group names and
 * the "facts" that a ticket carries for per-location authorization.
 * All pure: caller buffers, no allocation.
 */

#ifndef OCS_DIRECTORY_H
#define OCS_DIRECTORY_H


#include <ocs/ocs.h>


/* what a sign-in attempt says about the account */
#define OCS_ACCT_OK                 0
#define OCS_ACCT_BAD_CREDENTIALS    1   /* wrong password or unknown user */
#define OCS_ACCT_DISABLED           2
#define OCS_ACCT_LOCKED             3
#define OCS_ACCT_PASSWORD_EXPIRED   4
#define OCS_ACCT_MUST_CHANGE        5
#define OCS_ACCT_EXPIRED            6   /* the account, not the password */
#define OCS_ACCT_TIME               7   /* not allowed at this time */
#define OCS_ACCT_WORKSTATION        8   /* not allowed from this computer */
#define OCS_ACCT_THROTTLED          9   /* the proxy's lockout: not tried */
#define OCS_ACCT_UNANSWERED        10   /* the password went to the server,
                                           the answer never came: it may
                                           count as a failure there */

/* a short lowercase name of a state, for logs: "locked out" */
const char *ocs_acct_state_name(int state);

/* the sentence the user reads for a state */
const char *ocs_acct_state_message(int state);

/*
 * Maps the diagnostic message of a failed AD bind ("80090308: LdapErr:
 * ..., data 775, v2580") to a state: 52e and 525 are bad credentials,
 * 530, 531, 532, 533, 701, 773 and 775 their own states.  Anything else,
 * including no "data" part, is OCS_ACCT_BAD_CREDENTIALS.
 */
int ocs_acct_state_from_ad(const char *diag, size_t len);

/* userAccountControl flags that end a sign-in */
#define OCS_UAC_ACCOUNTDISABLE    0x0002
#define OCS_UAC_LOCKOUT           0x0010
#define OCS_UAC_PASSWORD_EXPIRED  0x800000

/* the state a userAccountControl value implies, OCS_ACCT_OK if none */
int ocs_acct_state_from_uac(long uac);

/*
 * RFC 4515 escaping of an assertion value: '*', '(', ')', '\' and NUL
 * become \2a, \28, \29, \5c and \00.  Returns OCS_OK or OCS_ERR_SPACE;
 * out is NUL-terminated.
 */
int ocs_ldap_escape(const char *in, size_t len, char *out, size_t outlen,
    size_t *written);

/*
 * Compares two SIP URIs as OCS does: an optional "sip:" prefix and case
 * do not count.  Returns 1 when they name the same address.
 */
int ocs_sip_uri_eq(const char *a, size_t alen, const char *b, size_t blen);

/*
 * The value of the first RDN of a DN ("Sales EMEA" for "CN=Sales
 * EMEA,OU=Groups,DC=contoso,DC=com"), with backslash escapes undone.
 * Returns OCS_OK, OCS_ERR_INVALID or OCS_ERR_SPACE; out NUL-terminated.
 */
int ocs_dn_first_value(const char *dn, size_t len, char *out, size_t outlen,
    size_t *written);

/* 1 when two DNs are equal ignoring case and spaces after separators */
int ocs_dn_eq(const char *a, size_t alen, const char *b, size_t blen);

/*
 * A fact: a 32-bit id for an authorization requirement a user meets,
 * such as ("group", "cn=sales,ou=groups,dc=contoso,dc=com").  The id is
 * the first four bytes of SHA-256 over kind, NUL and the value in lower
 * case, so it is the same in every process and across reloads.
 */
uint32_t ocs_fact_id(const char *kind, const char *value, size_t len);


#endif /* OCS_DIRECTORY_H */
