/*
 * Accounts in an LDAP directory through libldap: account searches, user
 * binds with the account states AD and OpenLDAP's ppolicy report, group
 * expansion and the directory's own lockout policy.  The connections
 * they run on, and the deadline of each step, are ocs_ldap_pool.c's.
 *
 * A step that fails on a broken connection before the user's password
 * was sent is tried once more on another connection; a user bind is
 * never sent twice, so that a lost answer cannot count as two failed
 * passwords at the directory.
 */

#define LDAP_DEPRECATED 0

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldap.h>

#include <ocs/ocs_signin.h>

#include "ocs_ldap_int.h"


/* how long the domain's lockout policy is taken as read, in ms */
#define OCS_LDAP_POLICY_TTL  (300 * 1000)


static int ocs_ldap_find(ocs_ldap_t *h, ocs_ldap_conn_t *c, const char *base,
    int scope, const char *filter, ocs_ldap_account_t *acct, int *found,
    ocs_err_t *err);
static ocs_ldap_conn_t *ocs_ldap_account_search(ocs_ldap_t *h,
    ocs_ldap_call_t *call, const char *filter, ocs_ldap_account_t *acct,
    ocs_err_t *err);
static int ocs_ldap_password_bind(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    ocs_ldap_account_t *acct, const char *password, size_t password_len,
    int *state, ocs_err_t *err);
static int ocs_ldap_bind_send(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    const char *dn, const char *password, size_t len, int *msgid);
static int ocs_ldap_bind_answer(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    LDAPMessage *res, int *state, ocs_err_t *err);
static int ocs_ldap_groups_ad(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    ocs_ldap_account_t *acct, ocs_err_t *err);
static int ocs_ldap_groups_walk(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    ocs_ldap_account_t *acct, ocs_err_t *err);
static int ocs_ldap_user_filter(ocs_ldap_t *h, const char *name, size_t len,
    char *filter, size_t size, ocs_err_t *err);
static int ocs_ldap_fetch(ocs_ldap_t *h, const char *base, int scope,
    const char *filter, ocs_ldap_account_t *acct, ocs_err_t *err);
static void ocs_ldap_read_entry(LDAP *ld, LDAPMessage *e,
    ocs_ldap_account_t *acct, const ocs_ldap_conf_t *conf);
static int ocs_ldap_user_bind(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    const char *dn, const char *password, size_t len, int *state,
    int *sent, ocs_err_t *err);
static int ocs_ldap_constructed(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    ocs_ldap_account_t *acct, ocs_err_t *err);
static int ocs_ldap_groups(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    ocs_ldap_account_t *acct, ocs_err_t *err);
static void ocs_ldap_add_group(ocs_ldap_account_t *acct, const char *dn,
    size_t len);
static int ocs_ldap_policy_refresh(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    ocs_err_t *err);
static int ocs_ldap_policy_of(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    ocs_ldap_account_t *acct, ocs_err_t *err);
static int ocs_ldap_policy_read(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    const char *dn, ocs_ldap_policy_t *policy, ocs_err_t *err);
static int ocs_ldap_base_value(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    const char *dn, const char *attr, char *out, size_t outlen,
    ocs_err_t *err);
static int ocs_ldap_read_base(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    const char *dn, char **attrs, LDAPMessage **res, LDAPMessage **e,
    ocs_err_t *err);
static void ocs_ldap_value(LDAP *ld, LDAPMessage *e, const char *attr,
    char *out, size_t outlen);


static const char  *ocs_ldap_attrs[] = {
    "sAMAccountName", "userPrincipalName", "displayName",
    "msRTCSIP-UserEnabled", "msRTCSIP-OptionFlags",
    "msRTCSIP-PrimaryUserAddress", "userAccountControl", "memberOf",
    "msDS-User-Account-Control-Computed", "msDS-ResultantPSO",
    "pwdPolicySubentry", NULL, NULL, NULL
};


int
ocs_ldap_authenticate(ocs_ldap_t *h, const char *name, size_t len,
    const char *password, size_t password_len, ocs_ldap_admit_pt admit,
    void *admit_data, ocs_ldap_account_t *acct, int *state, ocs_err_t *err)
{
    int               rc, broken;
    char              filter[8 * OCS_NAME_MAX];
    ocs_ldap_conn_t  *c;
    ocs_ldap_call_t   call;

    memset(acct, 0, sizeof(ocs_ldap_account_t));
    *state = OCS_ACCT_BAD_CREDENTIALS;

    /*
     * A simple bind with a DN and no password is an "unauthenticated
     * bind" that AD and many servers accept: never let it sign anyone in.
     */
    if (password_len == 0 || memchr(password, '\0', password_len) != NULL) {
        return OCS_OK;
    }

    rc = ocs_ldap_user_filter(h, name, len, filter, sizeof(filter), err);
    if (rc != OCS_OK) {
        return rc == OCS_ERR_INVALID ? OCS_OK : rc;
    }

    call.silent = 0;

    c = ocs_ldap_account_search(h, &call, filter, acct, err);
    if (c == NULL) {
        return OCS_ERR_SYS;
    }

    broken = 0;

    /* the proxy's own lockout, counted by the account the search found */
    if (admit != NULL && admit(admit_data, acct) != OCS_OK) {
        *state = OCS_ACCT_THROTTLED;
        rc = OCS_OK;
        goto release;
    }

    rc = ocs_ldap_password_bind(h, c, acct, password, password_len, state,
                                err);
    if (rc != OCS_OK) {
        broken = 1;
        goto release;
    }

    /* a state the directory reports only for the right password */
    if (*state == OCS_ACCT_OK && acct->uac >= 0) {
        *state = ocs_acct_state_from_uac(acct->uac);
    }

    if (*state == OCS_ACCT_OK) {
        ocs_ldap_arm(c, h->conf.timeout);
        rc = ocs_ldap_service_bind(h, c, err);

        if (rc == OCS_OK) {
            rc = ocs_ldap_groups(h, c, acct, err);
        }

        if (rc != OCS_OK) {
            *state = OCS_ACCT_BAD_CREDENTIALS;
            rc = OCS_ERR_SYS;
            broken = 1;
        }
    }

release:

    ocs_ldap_release(h, c, &call, broken);

    return rc;
}


/*
 * Finds the account of filter, on a second connection when the first
 * breaks, with the password policy that applies to it (the default
 * one, acct zeroed, when there is none; acct->found says which).
 * Returns the connection, the caller's to release, or NULL with err
 * set.
 */
static ocs_ldap_conn_t *
ocs_ldap_account_search(ocs_ldap_t *h, ocs_ldap_call_t *call,
    const char *filter, ocs_ldap_account_t *acct, ocs_err_t *err)
{
    int               rc, found, tries;
    ocs_ldap_conn_t  *c;

    c = NULL;
    found = 0;

    for (tries = 0; tries < 2; tries++) {
        c = ocs_ldap_acquire(h, call, err);
        if (c == NULL) {
            return NULL;
        }

        rc = ocs_ldap_policy_refresh(h, c, err);

        if (rc == OCS_OK) {
            rc = ocs_ldap_find(h, c, h->conf.base, h->conf.scope, filter,
                               acct, &found, err);
        }

        if (rc == OCS_OK && found) {
            rc = ocs_ldap_policy_of(h, c, acct, err);
        }

        if (rc == OCS_OK) {
            break;
        }

        ocs_ldap_release(h, c, call, 1);
        c = NULL;
    }

    if (c == NULL) {
        return NULL;
    }

    if (!found) {
        memset(acct, 0, sizeof(ocs_ldap_account_t));
        (void) ocs_ldap_policy(h, &acct->policy);
    }

    acct->found = found;

    return c;
}


/*
 * Binds as the account found with the password, or as a decoy DN when
 * none was (the same round trip as a wrong password, then the same
 * no).  Returns OCS_OK with *state the directory's answer, or
 * OCS_ERR_SYS with err set: c is broken then (the caller releases it
 * so) and *state says whether the directory may have counted a
 * password it never answered.
 */
static int
ocs_ldap_password_bind(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    ocs_ldap_account_t *acct, const char *password, size_t password_len,
    int *state, ocs_err_t *err)
{
    int   rc, sent;
    char  decoy[OCS_LDAP_DN_MAX];

    sent = 0;

    if (acct->found) {
        rc = ocs_ldap_user_bind(h, c, acct->dn, password, password_len, state,
                                &sent, err);

    } else {
        (void) snprintf(decoy, sizeof(decoy), "cn=ocs-decoy-account,%s",
                        h->conf.base);
        rc = ocs_ldap_user_bind(h, c, decoy, password, password_len, state,
                                &sent, err);
        *state = OCS_ACCT_BAD_CREDENTIALS;
    }

    if (rc == OCS_OK) {
        return OCS_OK;
    }

    /*
     * A wrong password can be slow to judge (AD asks its PDC emulator
     * first): one late answer does not make the server silent for
     * everyone, only this connection broken.
     */
    c->timed_out = 0;

    /* the directory may have counted a password it never answered */
    *state = (sent && acct->found) ? OCS_ACCT_UNANSWERED
                                   : OCS_ACCT_BAD_CREDENTIALS;

    return OCS_ERR_SYS;
}


static int
ocs_ldap_user_filter(ocs_ldap_t *h, const char *name, size_t len,
    char *filter, size_t size, ocs_err_t *err)
{
    int             rc;
    char            esc[3 * OCS_NAME_MAX + 1];
    size_t          n;
    ocs_username_t  user;

    if (ocs_username_parse(name, len, &user) != OCS_OK) {
        return OCS_ERR_INVALID;
    }

    if (user.upn) {
        rc = ocs_ldap_escape(name, len, esc, sizeof(esc), &n);

    } else {
        rc = ocs_ldap_escape(user.user, user.user_len, esc, sizeof(esc), &n);
    }

    if (rc != OCS_OK) {
        return OCS_ERR_INVALID;
    }

    if ((size_t) snprintf(filter, size, "(&%s(%s=%s))",
                          h->conf.filter ? h->conf.filter : "",
                          user.upn ? "userPrincipalName" : "sAMAccountName",
                          esc)
        >= size)
    {
        return ocs_err(err, OCS_ERR_SYS, "the search filter is too long");
    }

    return OCS_OK;
}


int
ocs_ldap_find_user(ocs_ldap_t *h, const char *name, size_t len,
    ocs_ldap_account_t *acct, ocs_err_t *err)
{
    int   rc;
    char  filter[8 * OCS_NAME_MAX];

    memset(acct, 0, sizeof(ocs_ldap_account_t));

    rc = ocs_ldap_user_filter(h, name, len, filter, sizeof(filter), err);
    if (rc != OCS_OK) {
        return rc == OCS_ERR_INVALID ? OCS_ERR_NOTFOUND : rc;
    }

    return ocs_ldap_fetch(h, h->conf.base, h->conf.scope, filter, acct, err);
}


int
ocs_ldap_lookup(ocs_ldap_t *h, const char *dn, ocs_ldap_account_t *acct,
    ocs_err_t *err)
{
    return ocs_ldap_fetch(h, dn, OCS_LDAP_SCOPE_BASE,
                          h->conf.filter ? h->conf.filter : "(objectClass=*)",
                          acct, err);
}


/*
 * One account and its groups, with the service bind; the domain's
 * lockout policy is read again when it is due, so that re-checks keep it
 * current.
 */
static int
ocs_ldap_fetch(ocs_ldap_t *h, const char *base, int scope,
    const char *filter, ocs_ldap_account_t *acct, ocs_err_t *err)
{
    int               rc, found, tries;
    ocs_ldap_conn_t  *c;
    ocs_ldap_call_t   call;

    call.silent = 0;

    for (tries = 0; tries < 2; tries++) {
        c = ocs_ldap_acquire(h, &call, err);
        if (c == NULL) {
            return OCS_ERR_SYS;
        }

        found = 0;
        rc = ocs_ldap_policy_refresh(h, c, err);

        if (rc == OCS_OK) {
            rc = ocs_ldap_find(h, c, base, scope, filter, acct, &found, err);
        }

        if (rc == OCS_OK && found) {
            rc = ocs_ldap_policy_of(h, c, acct, err);
        }

        if (rc == OCS_OK && found) {
            rc = ocs_ldap_groups(h, c, acct, err);
        }

        if (rc != OCS_OK) {
            ocs_ldap_release(h, c, &call, 1);
            continue;
        }

        ocs_ldap_release(h, c, &call, 0);

        acct->found = found;

        return found ? OCS_OK : OCS_ERR_NOTFOUND;
    }

    return OCS_ERR_SYS;
}


int
ocs_ldap_match(ocs_ldap_t *h, const char *dn, const char *filter,
    int *match, ocs_err_t *err)
{
    int               rc, tries;
    char             *attrs[] = { "1.1", NULL };
    LDAPMessage      *res;
    struct timeval    tv;
    ocs_ldap_conn_t  *c;
    ocs_ldap_call_t   call;

    *match = 0;
    call.silent = 0;

    for (tries = 0; tries < 2; tries++) {
        c = ocs_ldap_acquire(h, &call, err);
        if (c == NULL) {
            return OCS_ERR_SYS;
        }

        ocs_ldap_timeval(h->conf.timeout, &tv);
        ocs_ldap_arm(c, h->conf.timeout);
        res = NULL;

        rc = ldap_search_ext_s(c->ld, dn, LDAP_SCOPE_BASE, filter, attrs, 0,
                               NULL, NULL, &tv, 1, &res);

        if (ocs_ldap_down(rc) || c->timed_out) {
            (void) ocs_ldap_fail(h, c, err, "filter search", rc);
            ldap_msgfree(res);
            ocs_ldap_release(h, c, &call, 1);
            continue;
        }

        *match = (rc == LDAP_SUCCESS && ldap_count_entries(c->ld, res) > 0);

        ldap_msgfree(res);

        /* the message before the release: a spare connection is freed */
        if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT) {
            ocs_err(err, OCS_ERR_SYS, "%s: filter %s: %s",
                    ocs_ldap_url(h, c), filter, ldap_err2string(rc));
            ocs_ldap_release(h, c, &call, 0);
            return OCS_ERR_SYS;
        }

        ocs_ldap_release(h, c, &call, 0);

        return OCS_OK;
    }

    return OCS_ERR_SYS;
}


int
ocs_ldap_account_key(const ocs_ldap_account_t *acct, char *out,
    size_t outlen, size_t *written)
{
    const char  *name;

    name = acct->name[0] != '\0' ? acct->name : acct->upn;

    if (name[0] != '\0') {
        return ocs_name_key(name, strlen(name), out, outlen, written);
    }

    /* no name to go by: the DN, folded (digested when long) */
    return ocs_name_key(acct->dn, strlen(acct->dn), out, outlen, written);
}


int
ocs_ldap_warm(ocs_ldap_t *h, ocs_err_t *err)
{
    int               rc;
    ocs_ldap_conn_t  *c;
    ocs_ldap_call_t   call;

    call.silent = 0;

    c = ocs_ldap_acquire(h, &call, err);
    if (c == NULL) {
        return OCS_ERR_SYS;
    }

    rc = ocs_ldap_policy_refresh(h, c, err);

    ocs_ldap_release(h, c, &call, rc != OCS_OK);

    return rc;
}


unsigned
ocs_ldap_policy(ocs_ldap_t *h, ocs_ldap_policy_t *policy)
{
    unsigned  version;

    pthread_mutex_lock(&h->lock);
    *policy = h->policy;
    version = h->policy_version;
    pthread_mutex_unlock(&h->lock);

    return version;
}


/*
 * Reads the domain's lockout policy when it is due: the entry the
 * configuration names, or AD's domain object (the root DSE's
 * defaultNamingContext).  A directory that keeps it from the service
 * account, or has none, leaves it unknown; only a server that does not
 * answer is an error.
 */
static int
ocs_ldap_policy_refresh(ocs_ldap_t *h, ocs_ldap_conn_t *c, ocs_err_t *err)
{
    int                rc;
    char               dn[OCS_LDAP_DN_MAX];
    int64_t            now;
    ocs_ldap_policy_t  policy;

    now = ocs_ldap_clock();

    pthread_mutex_lock(&h->lock);
    rc = (h->policy_read != 0 && now - h->policy_read < OCS_LDAP_POLICY_TTL);
    pthread_mutex_unlock(&h->lock);

    if (rc) {
        return OCS_OK;
    }

    memset(&policy, 0, sizeof(ocs_ldap_policy_t));

    /* only Active Directory names its domain object in the root DSE */
    rc = ocs_ldap_base_value(h, c, "", "defaultNamingContext", dn,
                             sizeof(dn), err);

    if (rc == OCS_OK && h->conf.policy_dn != NULL) {
        rc = ocs_ldap_policy_read(h, c, h->conf.policy_dn, &policy, err);

    } else if (rc == OCS_OK && dn[0] != '\0') {
        rc = ocs_ldap_policy_read(h, c, dn, &policy, err);
    }

    if (rc != OCS_OK) {
        return rc;
    }

    pthread_mutex_lock(&h->lock);

    h->ad = (dn[0] != '\0');

    if (h->policy_read == 0
        || h->policy.known != policy.known
        || h->policy.threshold != policy.threshold
        || h->policy.window != policy.window
        || strcmp(h->policy.source, policy.source) != 0)
    {
        h->policy = policy;
        h->policy_version++;
    }

    h->policy_read = now;

    pthread_mutex_unlock(&h->lock);

    return OCS_OK;
}


/*
 * The lockout policy of one account: its own (a fine-grained password
 * policy in AD, pwdPolicySubentry in OpenLDAP) or the domain's.
 */
static int
ocs_ldap_policy_of(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    ocs_ldap_account_t *acct, ocs_err_t *err)
{
    int  rc;

    rc = ocs_ldap_constructed(h, c, acct, err);
    if (rc != OCS_OK) {
        return rc;
    }

    if (acct->policy_dn[0] != '\0') {
        /*
         * A policy of its own that the service account may not read (AD
         * lets only administrators read PSOs by default) is unknown, not
         * the domain's: it is often the stricter one.
         */
        return ocs_ldap_policy_read(h, c, acct->policy_dn, &acct->policy,
                                    err);
    }

    (void) ocs_ldap_policy(h, &acct->policy);

    return OCS_OK;
}


/*
 * Active Directory computes some attributes only for a base search of
 * the entry, never in the subtree search that found it: the lockout and
 * password-expiry bits of msDS-User-Account-Control-Computed and the
 * account's password policy, msDS-ResultantPSO.
 */
static int
ocs_ldap_constructed(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    ocs_ldap_account_t *acct, ocs_err_t *err)
{
    int           rc;
    long          computed;
    char          v[32], *end;
    LDAPMessage  *res, *e;

    static char  *attrs[] = {
        "msDS-User-Account-Control-Computed", "msDS-ResultantPSO", NULL
    };

    pthread_mutex_lock(&h->lock);
    rc = h->ad;
    pthread_mutex_unlock(&h->lock);

    if (!rc) {
        return OCS_OK;
    }

    rc = ocs_ldap_read_base(h, c, acct->dn, attrs, &res, &e, err);

    if (rc == OCS_OK && e != NULL) {
        ocs_ldap_value(c->ld, e, attrs[0], v, sizeof(v));

        errno = 0;
        computed = strtol(v, &end, 10);

        if (v[0] != '\0' && errno == 0 && *end == '\0' && computed > 0) {
            acct->uac = (acct->uac < 0 ? 0 : acct->uac) | computed;
        }

        ocs_ldap_value(c->ld, e, attrs[1], acct->policy_dn,
                       sizeof(acct->policy_dn));
    }

    ldap_msgfree(res);

    return rc;
}


/* where each kind of directory keeps its threshold, and its window */
typedef struct {
    const char  *threshold;
    const char  *window;
    int64_t      unit;               /* 0: seconds; else -100 ns units */
    const char  *on;                 /* the switch that enables it */
} ocs_ldap_policy_kind_t;


static const ocs_ldap_policy_kind_t  ocs_ldap_policy_kinds[] = {
    { "msDS-LockoutThreshold", "msDS-LockoutObservationWindow",
      -10000000, NULL },
    { "lockoutThreshold", "lockOutObservationWindow", -10000000, NULL },
    { "pwdMaxFailure", "pwdFailureCountInterval", 0, "pwdLockout" },
};

#define OCS_LDAP_POLICY_KINDS                                                 \
    (sizeof(ocs_ldap_policy_kinds) / sizeof(ocs_ldap_policy_kinds[0]))


static int ocs_ldap_policy_kind(LDAP *ld, LDAPMessage *e,
    const ocs_ldap_policy_kind_t *kind, const char *dn,
    ocs_ldap_policy_t *policy);


static int
ocs_ldap_policy_read(ocs_ldap_t *h, ocs_ldap_conn_t *c, const char *dn,
    ocs_ldap_policy_t *policy, ocs_err_t *err)
{
    int              rc;
    size_t           i;
    LDAPMessage     *res, *e;

    static char  *attrs[] = {
        "msDS-LockoutThreshold", "msDS-LockoutObservationWindow",
        "lockoutThreshold", "lockOutObservationWindow",
        "pwdMaxFailure", "pwdFailureCountInterval", "pwdLockout", NULL
    };

    memset(policy, 0, sizeof(ocs_ldap_policy_t));

    rc = ocs_ldap_read_base(h, c, dn, attrs, &res, &e, err);
    if (rc != OCS_OK) {
        return rc;
    }

    for (i = 0; e != NULL && i < OCS_LDAP_POLICY_KINDS; i++) {
        if (ocs_ldap_policy_kind(c->ld, e, &ocs_ldap_policy_kinds[i], dn,
                                 policy))
        {
            break;
        }
    }

    ldap_msgfree(res);

    return OCS_OK;
}


/*
 * The policy of entry e (of dn) as one kind of directory writes it:
 * 1 with policy filled when e has that kind's threshold, else 0.
 */
static int
ocs_ldap_policy_kind(LDAP *ld, LDAPMessage *e,
    const ocs_ldap_policy_kind_t *kind, const char *dn,
    ocs_ldap_policy_t *policy)
{
    char  v[32], *end;
    long  n;

    ocs_ldap_value(ld, e, kind->threshold, v, sizeof(v));

    errno = 0;
    n = strtol(v, &end, 10);

    if (v[0] == '\0' || errno != 0 || *end != '\0' || n < 0 || n > 1000000) {
        return 0;
    }

    policy->known = 1;
    policy->threshold = (int) n;
    (void) snprintf(policy->source, sizeof(policy->source), "%s", dn);

    if (kind->on != NULL) {
        /* OpenLDAP locks no one unless pwdLockout is TRUE */
        ocs_ldap_value(ld, e, kind->on, v, sizeof(v));

        if (strcasecmp(v, "TRUE") != 0) {
            policy->threshold = 0;
        }
    }

    ocs_ldap_value(ld, e, kind->window, v, sizeof(v));

    errno = 0;
    policy->window = strtoll(v, &end, 10);

    if (v[0] == '\0' || errno != 0 || *end != '\0') {
        /* the directories' defaults: 30 min in AD, for ever in ppolicy */
        policy->window = kind->unit ? 1800 : 0;

    } else if (kind->unit) {
        policy->window /= kind->unit;
    }

    if (policy->window < 0) {
        policy->window = 0;
    }

    return 1;
}


/*
 * The entry at dn with attrs, from a base search: *e is NULL when it is
 * missing or cannot be read; free *res.  OCS_ERR_SYS only when the
 * server does not answer.
 */
static int
ocs_ldap_read_base(ocs_ldap_t *h, ocs_ldap_conn_t *c, const char *dn,
    char **attrs, LDAPMessage **res, LDAPMessage **e, ocs_err_t *err)
{
    int             rc;
    struct timeval  tv;

    ocs_ldap_timeval(h->conf.timeout, &tv);
    ocs_ldap_arm(c, h->conf.timeout);
    *res = NULL;
    *e = NULL;

    rc = ldap_search_ext_s(c->ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
                           attrs, 0, NULL, NULL, &tv, 1, res);

    if (ocs_ldap_down(rc) || c->timed_out) {
        ldap_msgfree(*res);
        *res = NULL;
        return ocs_ldap_fail(h, c, err, "policy search", rc);
    }

    if (rc == LDAP_SUCCESS && *res != NULL) {
        *e = ldap_first_entry(c->ld, *res);
    }

    return OCS_OK;
}


/* the first value of attr on the entry at dn, or "" */
static int
ocs_ldap_base_value(ocs_ldap_t *h, ocs_ldap_conn_t *c, const char *dn,
    const char *attr, char *out, size_t outlen, ocs_err_t *err)
{
    int           rc;
    char         *attrs[2];
    LDAPMessage  *res, *e;

    out[0] = '\0';

    attrs[0] = (char *) attr;
    attrs[1] = NULL;

    rc = ocs_ldap_read_base(h, c, dn, attrs, &res, &e, err);

    if (rc == OCS_OK && e != NULL) {
        ocs_ldap_value(c->ld, e, attr, out, outlen);
    }

    ldap_msgfree(res);

    return rc;
}


static int
ocs_ldap_find(ocs_ldap_t *h, ocs_ldap_conn_t *c, const char *base,
    int scope, const char *filter, ocs_ldap_account_t *acct, int *found,
    ocs_err_t *err)
{
    int              rc, n;
    char            *attrs[sizeof(ocs_ldap_attrs) / sizeof(char *)];
    size_t           i;
    LDAPMessage     *res, *e;
    struct timeval   tv;

    *found = 0;

    for (i = 0; ocs_ldap_attrs[i] != NULL; i++) {
        attrs[i] = (char *) ocs_ldap_attrs[i];
    }

    if (h->conf.remote_attr) {
        attrs[i++] = (char *) h->conf.remote_attr;
    }

    if (h->conf.totp_attr) {
        attrs[i++] = (char *) h->conf.totp_attr;
    }

    attrs[i] = NULL;

    ocs_ldap_timeval(h->conf.timeout, &tv);
    ocs_ldap_arm(c, h->conf.timeout);
    res = NULL;

    /* two at most: a second match means the name is ambiguous */
    rc = ldap_search_ext_s(c->ld, base,
                           scope == OCS_LDAP_SCOPE_BASE ? LDAP_SCOPE_BASE
                           : scope == OCS_LDAP_SCOPE_ONE ? LDAP_SCOPE_ONELEVEL
                           : LDAP_SCOPE_SUBTREE,
                           filter, attrs, 0, NULL, NULL, &tv, 2, &res);

    /*
     * Only "no such object" means no account; anything else (access
     * denied, limits, a bad filter) is a directory that cannot answer.
     */
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED
        && rc != LDAP_NO_SUCH_OBJECT)
    {
        ldap_msgfree(res);
        return ocs_ldap_fail(h, c, err, "account search", rc);
    }

    n = (res != NULL) ? ldap_count_entries(c->ld, res) : 0;

    if ((rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED) && n == 1) {
        e = ldap_first_entry(c->ld, res);
        ocs_ldap_read_entry(c->ld, e, acct, &h->conf);
        *found = (acct->dn[0] != '\0');
    }

    ldap_msgfree(res);

    return OCS_OK;
}


static void
ocs_ldap_value(LDAP *ld, LDAPMessage *e, const char *attr, char *out,
    size_t outlen)
{
    struct berval  **v;

    out[0] = '\0';

    v = ldap_get_values_len(ld, e, attr);

    if (v != NULL && v[0] != NULL && v[0]->bv_len < outlen) {
        memcpy(out, v[0]->bv_val, v[0]->bv_len);
        out[v[0]->bv_len] = '\0';
    }

    ldap_value_free_len(v);
}


static int
ocs_ldap_bool(LDAP *ld, LDAPMessage *e, const char *attr)
{
    char  buf[8];

    ocs_ldap_value(ld, e, attr, buf, sizeof(buf));

    if (buf[0] == '\0') {
        return -1;
    }

    return strcasecmp(buf, "TRUE") == 0;
}


static long
ocs_ldap_long(LDAP *ld, LDAPMessage *e, const char *attr)
{
    char  buf[32], *end;
    long  v;

    ocs_ldap_value(ld, e, attr, buf, sizeof(buf));

    if (buf[0] == '\0') {
        return -1;
    }

    errno = 0;
    v = strtol(buf, &end, 10);

    if (errno != 0 || *end != '\0') {
        return -1;
    }

    /* AD writes flag words as signed 32-bit numbers */
    return v < 0 ? (long) (uint32_t) v : v;
}


static void
ocs_ldap_read_entry(LDAP *ld, LDAPMessage *e, ocs_ldap_account_t *acct,
    const ocs_ldap_conf_t *conf)
{
    long             computed;
    char            *dn;
    size_t           i;
    struct berval  **v;

    /* every field is set here: callers need not clear acct first */
    acct->dn[0] = '\0';
    acct->groups_truncated = 0;

    dn = ldap_get_dn(ld, e);

    if (dn != NULL && strlen(dn) < sizeof(acct->dn)) {
        memcpy(acct->dn, dn, strlen(dn) + 1);
    }

    ldap_memfree(dn);

    ocs_ldap_value(ld, e, "sAMAccountName", acct->name, sizeof(acct->name));
    ocs_ldap_value(ld, e, "userPrincipalName", acct->upn, sizeof(acct->upn));
    ocs_ldap_value(ld, e, "displayName", acct->display,
                   sizeof(acct->display));
    ocs_ldap_value(ld, e, "msRTCSIP-PrimaryUserAddress", acct->sip,
                   sizeof(acct->sip));

    acct->ocs_enabled = ocs_ldap_bool(ld, e, "msRTCSIP-UserEnabled");
    acct->option_flags = ocs_ldap_long(ld, e, "msRTCSIP-OptionFlags");
    acct->uac = ocs_ldap_long(ld, e, "userAccountControl");

    /* AD keeps lockout and password expiry in a computed attribute */
    computed = ocs_ldap_long(ld, e, "msDS-User-Account-Control-Computed");

    if (computed > 0) {
        acct->uac = (acct->uac < 0 ? 0 : acct->uac) | computed;
    }
    acct->remote = conf->remote_attr ? ocs_ldap_bool(ld, e, conf->remote_attr)
                                     : -1;

    acct->totp[0] = '\0';

    /* a policy of the account's own: AD's resultant PSO, ppolicy's entry */
    ocs_ldap_value(ld, e, "msDS-ResultantPSO", acct->policy_dn,
                   sizeof(acct->policy_dn));

    if (acct->policy_dn[0] == '\0') {
        ocs_ldap_value(ld, e, "pwdPolicySubentry", acct->policy_dn,
                       sizeof(acct->policy_dn));
    }

    if (conf->totp_attr) {
        ocs_ldap_value(ld, e, conf->totp_attr, acct->totp,
                       sizeof(acct->totp));
    }

    acct->ngroups = 0;
    v = ldap_get_values_len(ld, e, "memberOf");

    for (i = 0; v != NULL && v[i] != NULL; i++) {
        if (acct->ngroups == OCS_LDAP_GROUPS_MAX) {
            acct->groups_truncated = 1;
            break;
        }

        if (v[i]->bv_len >= OCS_LDAP_DN_MAX) {
            acct->groups_truncated = 1;
            continue;
        }

        memcpy(acct->groups[acct->ngroups], v[i]->bv_val, v[i]->bv_len);
        acct->groups[acct->ngroups][v[i]->bv_len] = '\0';
        acct->ngroups++;
    }

    ldap_value_free_len(v);
}


/*
 * Binds as the user, asking for the password policy response control
 * so that OpenLDAP's ppolicy can say "locked" or "expired"; AD says it
 * in the diagnostic message instead.
 */
static int
ocs_ldap_user_bind(ocs_ldap_t *h, ocs_ldap_conn_t *c, const char *dn,
    const char *password, size_t len, int *state, int *sent, ocs_err_t *err)
{
    int             rc, msgid, result;
    LDAPMessage    *res;
    struct timeval  tv;

    *state = OCS_ACCT_BAD_CREDENTIALS;
    c->service = 0;

    rc = ocs_ldap_bind_send(h, c, dn, password, len, &msgid);

    if (rc != LDAP_SUCCESS) {
        if (ocs_ldap_down(rc) || c->timed_out) {
            return ocs_ldap_fail(h, c, err, "user bind", rc);
        }

        return OCS_OK;
    }

    /* on its way: from here on, the directory may judge the password */
    *sent = 1;

    ocs_ldap_timeval(h->conf.timeout, &tv);
    res = NULL;

    rc = ldap_result(c->ld, msgid, LDAP_MSG_ALL, &tv, &res);

    if (rc <= 0) {
        ldap_msgfree(res);

        if (rc == 0) {
            c->timed_out = 1;
        }

        if (ldap_get_option(c->ld, LDAP_OPT_RESULT_CODE, &result)
            != LDAP_OPT_SUCCESS)
        {
            result = LDAP_SERVER_DOWN;
        }

        return ocs_ldap_fail(h, c, err, "user bind", result);
    }

    return ocs_ldap_bind_answer(h, c, res, state, err);
}


/*
 * Sends a simple bind as dn with the password (len bytes), asking for
 * the password policy control.  Returns LDAP_SUCCESS with *msgid set,
 * or the library's error.
 */
static int
ocs_ldap_bind_send(ocs_ldap_t *h, ocs_ldap_conn_t *c, const char *dn,
    const char *password, size_t len, int *msgid)
{
    int            rc;
    LDAPControl   *req, *reqs[2];
    struct berval  cred;

    cred.bv_val = (char *) password;
    cred.bv_len = len;

    req = NULL;
    reqs[0] = NULL;
    reqs[1] = NULL;

    if (ldap_create_passwordpolicy_control(c->ld, &req) == LDAP_SUCCESS) {
        reqs[0] = req;
    }

    ocs_ldap_arm(c, h->conf.timeout);

    rc = ldap_sasl_bind(c->ld, dn, LDAP_SASL_SIMPLE, &cred, reqs, NULL,
                        msgid);

    if (req != NULL) {
        ldap_control_free(req);
    }

    return rc;
}


/*
 * The account state a bind response res (freed here) tells: its result
 * code, the password policy control and AD's diagnostic message.
 * Returns OCS_OK with *state set, or OCS_ERR_SYS with err set for a
 * response that does not parse or a server that went away.
 */
static int
ocs_ldap_bind_answer(ocs_ldap_t *h, ocs_ldap_conn_t *c, LDAPMessage *res,
    int *state, ocs_err_t *err)
{
    int                      rc, result;
    char                    *diag;
    LDAPControl            **ctrls, *pp;
    ber_int_t                expire, grace;
    LDAPPasswordPolicyError  pperr;

    diag = NULL;
    ctrls = NULL;

    rc = ldap_parse_result(c->ld, res, &result, NULL, &diag, NULL, &ctrls, 1);

    if (rc != LDAP_SUCCESS) {
        return ocs_err(err, OCS_ERR_SYS, "%s: bad bind response",
                       ocs_ldap_url(h, c));
    }

    pperr = PP_noError;
    pp = ldap_control_find(LDAP_CONTROL_PASSWORDPOLICYRESPONSE, ctrls, NULL);

    if (pp != NULL) {
        (void) ldap_parse_passwordpolicy_control(c->ld, pp, &expire, &grace,
                                                 &pperr);
    }

    rc = OCS_OK;

    if (result == LDAP_SUCCESS) {
        *state = (pperr == PP_changeAfterReset) ? OCS_ACCT_MUST_CHANGE
                                                : OCS_ACCT_OK;

    } else if (pperr == PP_accountLocked) {
        *state = OCS_ACCT_LOCKED;

    } else if (pperr == PP_passwordExpired) {
        *state = OCS_ACCT_PASSWORD_EXPIRED;

    } else if (result == LDAP_INVALID_CREDENTIALS && diag != NULL) {
        *state = ocs_acct_state_from_ad(diag, strlen(diag));

    } else if (ocs_ldap_down(result)) {
        rc = OCS_ERR_SYS;
    }

    ldap_memfree(diag);
    ldap_controls_free(ctrls);

    if (rc != OCS_OK) {
        return ocs_ldap_fail(h, c, err, "user bind", result);
    }

    return OCS_OK;
}


/*
 * The account's groups: memberOf, and with nesting the groups those
 * groups belong to, breadth first, bounded by OCS_LDAP_GROUPS_MAX.
 */
static int
ocs_ldap_groups(ocs_ldap_t *h, ocs_ldap_conn_t *c, ocs_ldap_account_t *acct,
    ocs_err_t *err)
{
    switch (h->conf.nested) {

    case OCS_LDAP_NESTED_OFF:
        return OCS_OK;

    case OCS_LDAP_NESTED_AD:
        return ocs_ldap_groups_ad(h, c, acct, err);

    default:
        return ocs_ldap_groups_walk(h, c, acct, err);
    }
}


/* the nested groups in one search, by AD's LDAP_MATCHING_RULE_IN_CHAIN */
static int
ocs_ldap_groups_ad(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    ocs_ldap_account_t *acct, ocs_err_t *err)
{
    int                 rc;
    char               *attrs[] = { "1.1", NULL }, *dn;
    char                esc[3 * OCS_LDAP_DN_MAX + 1];
    char                filter[3 * OCS_LDAP_DN_MAX + 64];
    size_t              n;
    LDAPMessage        *res, *e;
    struct timeval      tv;

    if (ocs_ldap_escape(acct->dn, strlen(acct->dn), esc, sizeof(esc), &n)
        != OCS_OK)
    {
        return OCS_OK;
    }

    (void) snprintf(filter, sizeof(filter),
                    "(member:1.2.840.113556.1.4.1941:=%s)", esc);

    ocs_ldap_timeval(h->conf.timeout, &tv);
    ocs_ldap_arm(c, h->conf.timeout);
    res = NULL;

    rc = ldap_search_ext_s(c->ld, h->conf.base, LDAP_SCOPE_SUBTREE,
                           filter, attrs, 0, NULL, NULL, &tv,
                           OCS_LDAP_GROUPS_MAX, &res);

    if (ocs_ldap_down(rc) || c->timed_out) {
        ldap_msgfree(res);
        return ocs_ldap_fail(h, c, err, "group search", rc);
    }

    /*
     * AD's answer holds the direct groups too; a server without the
     * rule finds nothing or refuses.  Either way the union is right.
     */
    for (e = (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED)
             && res ? ldap_first_entry(c->ld, res) : NULL;
         e != NULL;
         e = ldap_next_entry(c->ld, e))
    {
        dn = ldap_get_dn(c->ld, e);

        if (dn != NULL && strlen(dn) < OCS_LDAP_DN_MAX) {
            ocs_ldap_add_group(acct, dn, strlen(dn));
        }

        ldap_memfree(dn);
    }

    acct->groups_truncated |= (rc == LDAP_SIZELIMIT_EXCEEDED);
    ldap_msgfree(res);

    return OCS_OK;
}


/* the nested groups by reading each group's memberOf in turn */
static int
ocs_ldap_groups_walk(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    ocs_ldap_account_t *acct, ocs_err_t *err)
{
    int                 rc;
    char               *attrs[] = { "memberOf", NULL };
    size_t              i, j;
    LDAPMessage        *res, *e;
    struct berval     **v;
    struct timeval      tv;

    /* each group found so far may itself be a member of groups */
    for (i = 0; i < acct->ngroups; i++) {
        ocs_ldap_timeval(h->conf.timeout, &tv);
        ocs_ldap_arm(c, h->conf.timeout);
        res = NULL;

        rc = ldap_search_ext_s(c->ld, acct->groups[i], LDAP_SCOPE_BASE,
                               "(objectClass=*)", attrs, 0, NULL, NULL, &tv,
                               1, &res);

        if (ocs_ldap_down(rc) || c->timed_out) {
            ldap_msgfree(res);
            return ocs_ldap_fail(h, c, err, "group read", rc);
        }

        e = (rc == LDAP_SUCCESS && res) ? ldap_first_entry(c->ld, res) : NULL;
        v = e ? ldap_get_values_len(c->ld, e, "memberOf") : NULL;

        for (j = 0; v != NULL && v[j] != NULL; j++) {
            if (v[j]->bv_len < OCS_LDAP_DN_MAX) {
                ocs_ldap_add_group(acct, v[j]->bv_val, v[j]->bv_len);
            }
        }

        ldap_value_free_len(v);
        ldap_msgfree(res);
    }

    return OCS_OK;
}


static void
ocs_ldap_add_group(ocs_ldap_account_t *acct, const char *dn, size_t len)
{
    size_t  k;

    for (k = 0; k < acct->ngroups; k++) {
        if (ocs_dn_eq(acct->groups[k], strlen(acct->groups[k]), dn, len)) {
            return;
        }
    }

    if (acct->ngroups == OCS_LDAP_GROUPS_MAX) {
        acct->groups_truncated = 1;
        return;
    }

    memcpy(acct->groups[acct->ngroups], dn, len);
    acct->groups[acct->ngroups][len] = '\0';
    acct->ngroups++;
}
