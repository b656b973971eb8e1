/*
 * Authorization: requirements, the facts an account meets, the verdict
 * on a request and the re-check of live sessions.
 */

#include <string.h>
#include <strings.h>

#include <ocs/ocs_authz.h>


static const char  *ocs_authz_kinds[] = {
    "", "enabled", "presence", "group", "filter", "remote"
};


static const struct {
    const char  *reason;
    const char  *message;
} ocs_authz_verdicts[] = {
    { "", "" },
    { "not enabled for OCS",
      "Your account is not enabled for Office Communications Server." },
    { "enhanced presence not enabled",
      "Your account does not have enhanced presence enabled, which this "
      "service needs." },
    { "not in a required group",
      "You are not a member of a group that may use this service." },
    { "the account does not match the required filter",
      "Your account does not meet this service's access rules." },
    { "no remote access",
      "You are connecting from outside the organisation, and your account "
      "does not have remote access." },
    { "the sign-in address does not match the account",
      "The sign-in address does not match the account you signed in "
      "with." },
};


static int ocs_authz_ldap_match(void *data, const char *dn,
    const char *filter, int *match, ocs_err_t *err);
static int ocs_authz_in_group(const ocs_ldap_account_t *acct,
    const char *group, size_t len);
static void ocs_authz_groups(ocs_authz_result_t *res);
static size_t ocs_authz_clean(char *dst, const char *src, size_t len,
    size_t max);


int
ocs_authz_req_init(ocs_authz_req_t *req, int kind, const char *value,
    size_t len)
{
    if (kind < OCS_AUTHZ_ENABLED || kind > OCS_AUTHZ_REMOTE) {
        return OCS_ERR_INVALID;
    }

    req->kind = kind;
    req->value = value;
    req->len = len;
    req->id = ocs_fact_id(ocs_authz_kinds[kind], value, len);

    return OCS_OK;
}


uint32_t
ocs_authz_gen(const ocs_authz_req_t *reqs, size_t n)
{
    size_t          i, j;
    uint32_t        ids[OCS_FACTS_MAX], id;
    unsigned char   buf[4 * OCS_FACTS_MAX];

    if (n > OCS_FACTS_MAX) {
        n = OCS_FACTS_MAX;
    }

    /* in id order, so that the order in the file does not matter */
    for (i = 0; i < n; i++) {
        id = reqs[i].id;

        for (j = i; j > 0 && ids[j - 1] > id; j--) {
            ids[j] = ids[j - 1];
        }

        ids[j] = id;
    }

    for (i = 0; i < n; i++) {
        buf[4 * i] = (unsigned char) (ids[i] >> 24);
        buf[4 * i + 1] = (unsigned char) (ids[i] >> 16);
        buf[4 * i + 2] = (unsigned char) (ids[i] >> 8);
        buf[4 * i + 3] = (unsigned char) ids[i];
    }

    return ocs_fact_id("generation", (const char *) buf, 4 * n);
}


int
ocs_authz_evaluate(ocs_ldap_t *ld, const ocs_authz_req_t *reqs, size_t n,
    ocs_authz_result_t *res, ocs_err_t *err)
{
    return ocs_authz_evaluate_by(ocs_authz_ldap_match, ld, reqs, n, res, err);
}


static int
ocs_authz_ldap_match(void *data, const char *dn, const char *filter,
    int *match, ocs_err_t *err)
{
    return ocs_ldap_match(data, dn, filter, match, err);
}


int
ocs_authz_evaluate_by(ocs_authz_match_pt match, void *data,
    const ocs_authz_req_t *reqs, size_t n, ocs_authz_result_t *res,
    ocs_err_t *err)
{
    int                  rc, met;
    size_t               i;
    ocs_ldap_account_t  *acct;

    acct = &res->acct;
    res->nfacts = 0;

    for (i = 0; i < n; i++) {

        switch (reqs[i].kind) {

        case OCS_AUTHZ_ENABLED:
            met = (acct->ocs_enabled == 1);
            break;

        case OCS_AUTHZ_PRESENCE:
            met = (acct->option_flags >= 0 && (acct->option_flags & 256));
            break;

        case OCS_AUTHZ_GROUP:
            met = ocs_authz_in_group(acct, reqs[i].value, reqs[i].len);
            break;

        case OCS_AUTHZ_FILTER:
            met = 0;
            rc = match(data, acct->dn, reqs[i].value, &met, err);
            if (rc == OCS_ERR_SYS) {
                return rc;
            }

            break;

        default: /* OCS_AUTHZ_REMOTE */
            met = (acct->remote == 1);
            break;
        }

        if (met && res->nfacts < OCS_FACTS_MAX) {
            res->facts[res->nfacts++] = reqs[i].id;
        }
    }

    ocs_authz_groups(res);

    return OCS_OK;
}


/* a group requirement is a DN, or the name (first RDN value) of one */
static int
ocs_authz_in_group(const ocs_ldap_account_t *acct, const char *group,
    size_t len)
{
    int     dn;
    size_t  i, n;
    char    cn[OCS_LDAP_VALUE_MAX];

    dn = (memchr(group, '=', len) != NULL);

    for (i = 0; i < acct->ngroups; i++) {
        if (dn) {
            if (ocs_dn_eq(acct->groups[i], strlen(acct->groups[i]), group,
                          len))
            {
                return 1;
            }

            continue;
        }

        if (ocs_dn_first_value(acct->groups[i], strlen(acct->groups[i]),
                               cn, sizeof(cn), &n) == OCS_OK
            && n == len
            && strncasecmp(cn, group, n) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/* group names for $ocs_groups: first values, comma-separated */
static void
ocs_authz_groups(ocs_authz_result_t *res)
{
    size_t               i, n;
    ocs_ldap_account_t  *acct;
    char                 cn[OCS_LDAP_VALUE_MAX];

    acct = &res->acct;
    res->groups_len = 0;
    res->groups_truncated = acct->groups_truncated;

    for (i = 0; i < acct->ngroups; i++) {
        if (ocs_dn_first_value(acct->groups[i], strlen(acct->groups[i]),
                               cn, sizeof(cn), &n) != OCS_OK)
        {
            continue;
        }

        if (res->groups_len + (res->groups_len > 0) + n > OCS_GROUPS_MAX) {
            res->groups_truncated = 1;
            break;
        }

        if (res->groups_len > 0) {
            res->groups[res->groups_len++] = ',';
        }

        memcpy(res->groups + res->groups_len, cn, n);
        res->groups_len += n;
    }
}


/*
 * Directory values end up in variables and from there in upstream
 * headers: control characters, CR and LF among them, become '?'.
 */
static size_t
ocs_authz_clean(char *dst, const char *src, size_t len, size_t max)
{
    size_t  i;

    if (len > max) {
        len = max;
    }

    for (i = 0; i < len; i++) {
        dst[i] = ((unsigned char) src[i] < 0x20 || src[i] == 0x7f)
                 ? '?' : src[i];
    }

    dst[len] = '\0';

    return len;
}


void
ocs_authz_fill_ticket(ocs_ticket_t *t, ocs_authz_result_t *res, uint32_t gen,
    int64_t now)
{
    ocs_ldap_account_t  *acct = &res->acct;

    /* a TOTP secret read along has no place in a ticket */
    ocs_wipe(acct->totp, sizeof(acct->totp));

    t->sip_len = ocs_authz_clean(t->sip, acct->sip,
                                 strnlen(acct->sip, sizeof(acct->sip)),
                                 OCS_SIP_MAX);
    t->display_len = ocs_authz_clean(t->display, acct->display,
                                     strnlen(acct->display,
                                             sizeof(acct->display)),
                                     OCS_DISPLAY_MAX);

    t->dn_len = strnlen(acct->dn, sizeof(acct->dn));
    if (t->dn_len > OCS_DN_MAX) {
        t->dn_len = OCS_DN_MAX;
    }

    memcpy(t->dn, acct->dn, t->dn_len);
    t->dn[t->dn_len] = '\0';

    t->groups_len = ocs_authz_clean(t->groups, res->groups, res->groups_len,
                                    OCS_GROUPS_MAX);

    t->nfacts = res->nfacts > OCS_FACTS_MAX ? OCS_FACTS_MAX : res->nfacts;
    memcpy(t->facts, res->facts, t->nfacts * sizeof(uint32_t));
    t->facts_gen = gen;
    t->checked = now;
}


int
ocs_authz_net_set(ocs_authz_net_t *net, int family, const unsigned char *addr,
    unsigned bits)
{
    size_t    i, len;
    unsigned  b;

    if (family != 4 && family != 6) {
        return OCS_ERR_INVALID;
    }

    len = (family == 4) ? 4 : 16;

    if (bits > 8 * len) {
        return OCS_ERR_INVALID;
    }

    memset(net, 0, sizeof(ocs_authz_net_t));
    net->family = family;

    for (i = 0; i < len; i++) {
        b = (bits >= 8) ? 8 : bits;
        bits -= b;

        net->mask[i] = (unsigned char) (0xff00 >> b);
        net->addr[i] = addr[i] & net->mask[i];
    }

    return OCS_OK;
}


int
ocs_authz_net_match(const ocs_authz_net_t *nets, size_t n,
    const unsigned char *addr, size_t len)
{
    int                   family;
    size_t                i, k;
    static const unsigned char  mapped[12] = {
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
    };

    if (addr == NULL || (len != 4 && len != 16)) {
        return 0;
    }

    if (len == 16 && memcmp(addr, mapped, sizeof(mapped)) == 0) {
        addr += sizeof(mapped);
        len = 4;
    }

    family = (len == 4) ? 4 : 6;

    for (i = 0; i < n; i++) {
        if (nets[i].family != family) {
            continue;
        }

        for (k = 0; k < len; k++) {
            if ((addr[k] & nets[i].mask[k]) != nets[i].addr[k]) {
                break;
            }
        }

        if (k == len) {
            return 1;
        }
    }

    return 0;
}


int
ocs_authz_check(const ocs_ticket_t *t, const ocs_authz_rules_t *rules,
    const unsigned char *addr, size_t len, const char *claim,
    size_t claim_len)
{
    size_t                  i;
    const ocs_authz_req_t  *req;

    for (i = 0; i < rules->nrequire; i++) {
        req = &rules->require[i];

        if (ocs_ticket_has_fact(t, req->id)) {
            continue;
        }

        switch (req->kind) {

        case OCS_AUTHZ_ENABLED:
            return OCS_AUTHZ_NOT_ENABLED;

        case OCS_AUTHZ_PRESENCE:
            return OCS_AUTHZ_NO_PRESENCE;

        case OCS_AUTHZ_GROUP:
            return OCS_AUTHZ_NOT_IN_GROUP;

        default:
            return OCS_AUTHZ_NO_FILTER;
        }
    }

    if (rules->remote != NULL
        && !ocs_authz_net_match(rules->internal, rules->ninternal, addr, len)
        && !ocs_ticket_has_fact(t, rules->remote->id))
    {
        return OCS_AUTHZ_NO_REMOTE;
    }

    if (claim_len
        && !ocs_sip_uri_eq(claim, claim_len, t->sip, t->sip_len))
    {
        return OCS_AUTHZ_SIP_MISMATCH;
    }

    return OCS_AUTHZ_ALLOW;
}


const char *
ocs_authz_reason(int verdict)
{
    if (verdict < 0 || (size_t) verdict >= sizeof(ocs_authz_verdicts)
                                           / sizeof(ocs_authz_verdicts[0]))
    {
        return "";
    }

    return ocs_authz_verdicts[verdict].reason;
}


const char *
ocs_authz_message(int verdict)
{
    if (verdict < 0 || (size_t) verdict >= sizeof(ocs_authz_verdicts)
                                           / sizeof(ocs_authz_verdicts[0]))
    {
        return "";
    }

    return ocs_authz_verdicts[verdict].message;
}


int
ocs_authz_recheck_due(const ocs_ticket_t *t, int64_t interval, uint32_t gen,
    int64_t now)
{
    if (t->dn_len == 0) {
        return 0;
    }

    if (interval > 0 && ocs_time_diff(now, t->checked) >= interval) {
        return 1;
    }

    return t->facts_gen != gen;
}


int
ocs_authz_recheck(ocs_ldap_t *ld, const char *dn, const ocs_authz_req_t *reqs,
    size_t n, ocs_authz_result_t *res, int *state, ocs_err_t *err)
{
    int  rc;

    *state = OCS_ACCT_OK;

    rc = ocs_ldap_lookup(ld, dn, &res->acct, err);
    if (rc != OCS_OK) {
        return rc;
    }

    if (res->acct.uac >= 0) {
        *state = ocs_acct_state_from_uac(res->acct.uac);
    }

    if (*state != OCS_ACCT_OK) {
        return OCS_OK;
    }

    return ocs_authz_evaluate(ld, reqs, n, res, err);
}


int
ocs_authz_recheck_apply(ocs_ticket_t *t, int rc, int state,
    ocs_authz_result_t *res, uint32_t gen, int64_t now, const char **why)
{
    if (rc == OCS_ERR_SYS) {
        ocs_wipe(res->acct.totp, sizeof(res->acct.totp));
        t->checked = now;
        t->facts_gen = gen;
        return OCS_AUTHZ_RECHECK_KEEP;
    }

    if (rc == OCS_ERR_NOTFOUND || state != OCS_ACCT_OK) {
        ocs_wipe(res->acct.totp, sizeof(res->acct.totp));

        if (why != NULL) {
            *why = (rc == OCS_ERR_NOTFOUND)
                   ? "the account is gone from the directory"
                   : ocs_acct_state_name(state);
        }

        return OCS_AUTHZ_RECHECK_END;
    }

    ocs_authz_fill_ticket(t, res, gen, now);

    return OCS_AUTHZ_RECHECK_RENEW;
}
