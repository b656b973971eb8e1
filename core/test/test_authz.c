/*
 * Authorization: requirement kinds against an account's facts and
 * groups, remote access inside and outside the internal networks, the
 * SIP claim, and when a re-check is due and what its answer does.  The
 * clock is frozen.
 */

#include <ocs_test.h>
#include <ocs/ocs_authz.h>


#define T0  INT64_C(1700000000)


static ocs_test_env_data_t  env_data = { T0, 0 };
static const ocs_env_t      env = { ocs_test_now, ocs_test_random,
                                    &env_data };


/* a string into a fixed array, NUL-terminated; returns its length */
static size_t
put(char *dst, size_t size, const char *src)
{
    return (size_t) snprintf(dst, size, "%s", src);
}


static void
req(ocs_authz_req_t *r, int kind, const char *value)
{
    if (ocs_authz_req_init(r, kind, value, strlen(value)) != OCS_OK) {
        ok(0, "requirement %d \"%s\"", kind, value);
    }
}


/* a directory that matches one filter, or does not answer */
static int
fake_match(void *data, const char *dn, const char *filter, int *match,
    ocs_err_t *err)
{
    const char  *answer = data;

    if (strcmp(answer, "down") == 0) {
        return ocs_err(err, OCS_ERR_SYS, "no server answered");
    }

    *match = (strcmp(filter, answer) == 0 && dn[0] != '\0');

    return OCS_OK;
}


static void
account(ocs_authz_result_t *res)
{
    memset(res, 0, sizeof(ocs_authz_result_t));

#define PUT(field, text)  (void) put(field, sizeof(field), text)

    PUT(res->acct.dn, "CN=Alice,OU=Staff,DC=contoso,DC=com");
    PUT(res->acct.sip, "sip:Alice@contoso.com");
    PUT(res->acct.display, "Alice\r\nX-Evil: 1");
    PUT(res->acct.totp, "JBSWY3DPEHPK3PXP");
    res->acct.ocs_enabled = 1;
    res->acct.option_flags = 256 | 1;
    res->acct.uac = 512;
    res->acct.remote = -1;
    res->acct.ngroups = 2;
    PUT(res->acct.groups[0], "CN=Sales EMEA,OU=Groups,DC=contoso,DC=com");
    PUT(res->acct.groups[1], "CN=VPN Users,OU=Groups,DC=contoso,DC=com");

#undef PUT
}


static int
has(const ocs_authz_result_t *res, const ocs_authz_req_t *r)
{
    size_t  i;

    for (i = 0; i < res->nfacts; i++) {
        if (res->facts[i] == r->id) {
            return 1;
        }
    }

    return 0;
}


static void
test_req(void)
{
    ocs_authz_req_t  r;

    ok(ocs_authz_req_init(&r, OCS_AUTHZ_GROUP, "Sales", 5) == OCS_OK,
       "req: group");
    is_int(r.id, ocs_fact_id("group", "sales", 5), "req: group id");
    is_int(r.kind, OCS_AUTHZ_GROUP, "req: kind kept");
    is_int(r.len, 5, "req: length kept");

    req(&r, OCS_AUTHZ_ENABLED, "");
    is_int(r.id, ocs_fact_id("enabled", "", 0), "req: enabled id");
    req(&r, OCS_AUTHZ_PRESENCE, "");
    is_int(r.id, ocs_fact_id("presence", "", 0), "req: presence id");
    req(&r, OCS_AUTHZ_FILTER, "(title=x)");
    is_int(r.id, ocs_fact_id("filter", "(title=x)", 9), "req: filter id");
    req(&r, OCS_AUTHZ_REMOTE, "");
    is_int(r.id, ocs_fact_id("remote", "", 0), "req: remote id");

    is_int(ocs_authz_req_init(&r, 0, "", 0), OCS_ERR_INVALID,
           "req: kind 0 refused");
    is_int(ocs_authz_req_init(&r, 6, "", 0), OCS_ERR_INVALID,
           "req: kind 6 refused");
}


static void
test_gen(void)
{
    size_t           i;
    uint32_t         ids[3];
    unsigned char    buf[12];
    ocs_authz_req_t  a[3], b[3];

    req(&a[0], OCS_AUTHZ_GROUP, "Sales");
    req(&a[1], OCS_AUTHZ_ENABLED, "");
    req(&a[2], OCS_AUTHZ_FILTER, "(title=x)");
    b[0] = a[2];
    b[1] = a[0];
    b[2] = a[1];

    is_int(ocs_authz_gen(a, 3), ocs_authz_gen(b, 3),
           "gen: the order does not matter");
    ok(ocs_authz_gen(a, 3) != ocs_authz_gen(a, 2), "gen: the set does");
    is_int(ocs_authz_gen(NULL, 0), ocs_fact_id("generation", "", 0),
           "gen: no requirements");

    /* the ids big-endian in ascending order, as tickets out there have */
    for (i = 0; i < 3; i++) {
        ids[i] = a[i].id;
    }

    for (i = 0; i < 2; i++) {
        if (ids[i] > ids[i + 1]) {
            uint32_t  x = ids[i];
            ids[i] = ids[i + 1];
            ids[i + 1] = x;
            i = (size_t) -1;
        }
    }

    for (i = 0; i < 3; i++) {
        buf[4 * i] = (unsigned char) (ids[i] >> 24);
        buf[4 * i + 1] = (unsigned char) (ids[i] >> 16);
        buf[4 * i + 2] = (unsigned char) (ids[i] >> 8);
        buf[4 * i + 3] = (unsigned char) ids[i];
    }

    is_int(ocs_authz_gen(a, 3), ocs_fact_id("generation", (char *) buf, 12),
           "gen: the id over sorted ids");
}


static void
test_evaluate(void)
{
    static const struct {
        int          kind;
        const char  *value;
        long         option_flags;
        int          enabled;
        int          remote;
        int          met;
    } cases[] = {
        { OCS_AUTHZ_ENABLED, "", 0, 1, -1, 1 },
        { OCS_AUTHZ_ENABLED, "", 0, 0, -1, 0 },
        { OCS_AUTHZ_ENABLED, "", 0, -1, -1, 0 },
        { OCS_AUTHZ_PRESENCE, "", 256, 1, -1, 1 },
        { OCS_AUTHZ_PRESENCE, "", 257, 1, -1, 1 },
        { OCS_AUTHZ_PRESENCE, "", 1, 1, -1, 0 },
        { OCS_AUTHZ_PRESENCE, "", -1, 1, -1, 0 },
        { OCS_AUTHZ_REMOTE, "", 0, 1, 1, 1 },
        { OCS_AUTHZ_REMOTE, "", 0, 1, 0, 0 },
        { OCS_AUTHZ_REMOTE, "", 0, 1, -1, 0 },
        /* a name is the first RDN value, in any case */
        { OCS_AUTHZ_GROUP, "Sales EMEA", 0, 1, -1, 1 },
        { OCS_AUTHZ_GROUP, "sales emea", 0, 1, -1, 1 },
        { OCS_AUTHZ_GROUP, "Sales", 0, 1, -1, 0 },
        { OCS_AUTHZ_GROUP, "Groups", 0, 1, -1, 0 },
        /* a DN is compared as a DN */
        { OCS_AUTHZ_GROUP, "cn=vpn users, ou=groups, dc=contoso, dc=com",
          0, 1, -1, 1 },
        { OCS_AUTHZ_GROUP, "CN=VPN Users,OU=Other,DC=contoso,DC=com",
          0, 1, -1, 0 },
        { OCS_AUTHZ_FILTER, "(title=boss)", 0, 1, -1, 1 },
        { OCS_AUTHZ_FILTER, "(title=clerk)", 0, 1, -1, 0 },
    };

    size_t              i;
    ocs_err_t           err;
    ocs_authz_req_t     r;
    ocs_authz_result_t  res;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        account(&res);
        res.acct.option_flags = cases[i].option_flags;
        res.acct.ocs_enabled = cases[i].enabled;
        res.acct.remote = cases[i].remote;
        req(&r, cases[i].kind, cases[i].value);

        is_int(ocs_authz_evaluate_by(fake_match, (void *) "(title=boss)",
                                     &r, 1, &res, &err), OCS_OK,
               "evaluate #%zu", i);
        is_int(has(&res, &r), cases[i].met, "evaluate #%zu: %s", i,
               cases[i].met ? "met" : "not met");
    }

    /* a directory that does not answer a filter fails the whole look */
    account(&res);
    req(&r, OCS_AUTHZ_FILTER, "(title=boss)");
    is_int(ocs_authz_evaluate_by(fake_match, (void *) "down", &r, 1, &res,
                                 &err), OCS_ERR_SYS, "evaluate: no answer");
    is_str(err.text, strlen(err.text), "no server answered",
           "evaluate: the directory's error");
}


static void
test_groups(void)
{
    size_t              i;
    ocs_err_t           err;
    ocs_authz_req_t     r[3];
    ocs_authz_result_t  res;

    account(&res);
    req(&r[0], OCS_AUTHZ_ENABLED, "");
    req(&r[1], OCS_AUTHZ_GROUP, "VPN Users");
    req(&r[2], OCS_AUTHZ_GROUP, "Nobody");

    is_int(ocs_authz_evaluate_by(fake_match, (void *) "", r, 3, &res, &err),
           OCS_OK, "groups: evaluated");
    is_int(res.nfacts, 2, "groups: two facts met");
    is_int(res.facts[0], r[0].id, "groups: in requirement order");
    is_int(res.facts[1], r[1].id, "groups: the group");
    is_str(res.groups, res.groups_len, "Sales EMEA,VPN Users",
           "groups: names, comma-separated");
    is_int(res.groups_truncated, 0, "groups: not truncated");

    /* a DN without a value is skipped */
    (void) put(res.acct.groups[0], OCS_LDAP_DN_MAX, "not a dn");
    (void) ocs_authz_evaluate_by(fake_match, (void *) "", r, 0, &res, &err);
    is_str(res.groups, res.groups_len, "VPN Users", "groups: bad DN skipped");

    /* more names than a ticket holds */
    res.acct.ngroups = OCS_LDAP_GROUPS_MAX;

    for (i = 0; i < OCS_LDAP_GROUPS_MAX; i++) {
        (void) snprintf(res.acct.groups[i], OCS_LDAP_DN_MAX,
                        "CN=Group number %02zu with a long name,DC=x", i);
    }

    (void) ocs_authz_evaluate_by(fake_match, (void *) "", r, 0, &res, &err);
    is_int(res.groups_truncated, 1, "groups: truncated");
    ok(res.groups_len <= OCS_GROUPS_MAX, "groups: within the ticket");
    ok(res.groups[res.groups_len - 1] != ',', "groups: whole names");

    /* the directory's own truncation carries over */
    account(&res);
    res.acct.groups_truncated = 1;
    (void) ocs_authz_evaluate_by(fake_match, (void *) "", r, 0, &res, &err);
    is_int(res.groups_truncated, 1, "groups: the directory's truncation");
}


static void
test_fill(void)
{
    size_t              i;
    ocs_ticket_t        t;
    ocs_authz_result_t  res;

    account(&res);
    res.nfacts = 2;
    res.facts[0] = 7;
    res.facts[1] = 9;
    memcpy(res.groups, "A\x01" "B,C", 5);
    res.groups_len = 5;

    memset(&t, 0, sizeof(t));
    ocs_authz_fill_ticket(&t, &res, 0xabcd, env.now(env.data));

    is_str(t.sip, t.sip_len, "sip:Alice@contoso.com", "fill: sip");
    is_str(t.display, t.display_len, "Alice??X-Evil: 1",
           "fill: control characters replaced");
    is_str(t.dn, t.dn_len, "CN=Alice,OU=Staff,DC=contoso,DC=com",
           "fill: dn");
    is_str(t.groups, t.groups_len, "A?B,C", "fill: groups cleaned");
    is_int(t.nfacts, 2, "fill: facts");
    is_int(t.facts[1], 9, "fill: fact kept");
    is_int(t.facts_gen, 0xabcd, "fill: generation");
    is_int(t.checked, T0, "fill: checked now");

    for (i = 0; i < sizeof(res.acct.totp); i++) {
        if (res.acct.totp[i] != '\0') {
            break;
        }
    }

    is_int(i, sizeof(res.acct.totp), "fill: TOTP secret wiped");

    /* a display name longer than a ticket holds is cut */
    memset(res.acct.display, 'x', sizeof(res.acct.display) - 1);
    res.acct.display[sizeof(res.acct.display) - 1] = '\0';
    ocs_authz_fill_ticket(&t, &res, 0, T0);
    ok(t.display_len <= OCS_DISPLAY_MAX, "fill: display within the ticket");
}


static void
test_net(void)
{
    static const unsigned char  ten[4] = { 10, 1, 2, 3 };
    static const unsigned char  v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,
                                           0, 0, 0, 0, 0, 0, 0, 0, 1 };

    static const struct {
        unsigned char  addr[16];
        size_t         len;
        int            in;
        const char    *what;
    } cases[] = {
        { { 10, 1, 2, 3 }, 4, 1, "10.1.2.3 in 10.0.0.0/8" },
        { { 10, 255, 255, 255 }, 4, 1, "10.255.255.255, the last" },
        { { 11, 0, 0, 0 }, 4, 0, "11.0.0.0, just outside" },
        { { 9, 255, 255, 255 }, 4, 0, "9.255.255.255, just before" },
        { { 192, 168, 7, 1 }, 4, 1, "192.168.7.1 in 192.168.7.0/24" },
        { { 192, 168, 8, 1 }, 4, 0, "192.168.8.1 outside" },
        { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 9, 9, 9 }, 16, 1,
          "::ffff:10.9.9.9 counts as IPv4" },
        { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 8, 8, 8, 8 }, 16, 0,
          "::ffff:8.8.8.8 outside" },
        { { 0x20, 0x01, 0x0d, 0xb8, 0xff }, 16, 1, "2001:db8:ff00:: inside" },
        { { 0x20, 0x01, 0x0d, 0xb9 }, 16, 0, "2001:db9:: outside" },
        { { 10, 1, 2, 3 }, 0, 0, "no address (a Unix socket)" },
        { { 10, 1, 2, 3 }, 5, 0, "a bad length" },
    };

    size_t           i;
    ocs_authz_net_t  nets[3];

    ok(ocs_authz_net_set(&nets[0], 4, ten, 8) == OCS_OK, "net: 10.0.0.0/8");
    is_int(nets[0].addr[1], 0, "net: low bits cleared");
    is_int(nets[0].mask[0], 0xff, "net: mask");
    is_int(nets[0].mask[1], 0, "net: mask ends");
    ok(ocs_authz_net_set(&nets[1], 4,
                         (const unsigned char *) "\xc0\xa8\x07\x00", 24)
       == OCS_OK, "net: 192.168.7.0/24");
    ok(ocs_authz_net_set(&nets[2], 6, v6, 32) == OCS_OK,
       "net: 2001:db8::/32");

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(ocs_authz_net_match(nets, 3, cases[i].addr, cases[i].len),
               cases[i].in, "net: %s", cases[i].what);
    }

    is_int(ocs_authz_net_match(nets, 3, NULL, 4), 0, "net: NULL address");
    is_int(ocs_authz_net_match(NULL, 0, ten, 4), 0, "net: no networks");

    ok(ocs_authz_net_set(&nets[0], 4, ten, 0) == OCS_OK, "net: /0");
    is_int(ocs_authz_net_match(nets, 1, cases[2].addr, 4), 1,
           "net: /0 holds every IPv4 address");
    is_int(ocs_authz_net_match(nets, 1, v6, 16), 0, "net: but no IPv6 one");

    ok(ocs_authz_net_set(&nets[0], 4, ten, 32) == OCS_OK, "net: /32");
    is_int(ocs_authz_net_match(nets, 1, ten, 4), 1, "net: /32 the address");
    is_int(ocs_authz_net_match(nets, 1, cases[1].addr, 4), 0,
           "net: /32 no other");

    is_int(ocs_authz_net_set(&nets[0], 4, ten, 33), OCS_ERR_INVALID,
           "net: /33 refused");
    is_int(ocs_authz_net_set(&nets[0], 6, v6, 129), OCS_ERR_INVALID,
           "net: /129 refused");
    is_int(ocs_authz_net_set(&nets[0], 5, ten, 8), OCS_ERR_INVALID,
           "net: family 5 refused");
}


static void
test_check(void)
{
    static const unsigned char  inside[4] = { 10, 0, 0, 5 };
    static const unsigned char  outside[4] = { 203, 0, 113, 5 };

    enum { ENABLED = 1, PRESENCE = 2, GROUP = 4, FILTER = 8, REMOTE = 16 };

    static const struct {
        unsigned       reqs;      /* the location's requirements */
        int            remote;    /* ocs_auth_remote_access attribute */
        int            nets;      /* ocs_auth_internal_networks 10/8 */
        unsigned       facts;     /* what the ticket has */
        int            in;        /* the client is in 10/8 */
        const char    *claim;
        int            verdict;
    } cases[] = {
        { 0, 0, 0, 0, 0, NULL, OCS_AUTHZ_ALLOW },
        { ENABLED, 0, 0, ENABLED, 0, NULL, OCS_AUTHZ_ALLOW },
        { ENABLED, 0, 0, 0, 0, NULL, OCS_AUTHZ_NOT_ENABLED },
        { PRESENCE, 0, 0, 0, 0, NULL, OCS_AUTHZ_NO_PRESENCE },
        { GROUP, 0, 0, 0, 0, NULL, OCS_AUTHZ_NOT_IN_GROUP },
        { FILTER, 0, 0, 0, 0, NULL, OCS_AUTHZ_NO_FILTER },
        { ENABLED | GROUP, 0, 0, ENABLED | GROUP, 0, NULL, OCS_AUTHZ_ALLOW },
        /* the first unmet requirement, in order, says why */
        { ENABLED | GROUP, 0, 0, GROUP, 0, NULL, OCS_AUTHZ_NOT_ENABLED },
        { ENABLED | GROUP, 0, 0, ENABLED, 0, NULL, OCS_AUTHZ_NOT_IN_GROUP },
        /* remote access: asked outside the internal networks only */
        { 0, 1, 1, 0, 1, NULL, OCS_AUTHZ_ALLOW },
        { 0, 1, 1, 0, 0, NULL, OCS_AUTHZ_NO_REMOTE },
        { 0, 1, 1, REMOTE, 0, NULL, OCS_AUTHZ_ALLOW },
        { 0, 1, 0, 0, 1, NULL, OCS_AUTHZ_NO_REMOTE },
        { 0, 1, 0, REMOTE, 1, NULL, OCS_AUTHZ_ALLOW },
        { 0, 0, 1, 0, 0, NULL, OCS_AUTHZ_ALLOW },
        /* requirements come before remote access */
        { GROUP, 1, 1, 0, 0, NULL, OCS_AUTHZ_NOT_IN_GROUP },
        /* the SIP claim: the account's address, "sip:" and case aside */
        { 0, 0, 0, 0, 0, "sip:alice@contoso.com", OCS_AUTHZ_ALLOW },
        { 0, 0, 0, 0, 0, "Alice@Contoso.com", OCS_AUTHZ_ALLOW },
        { 0, 0, 0, 0, 0, "sip:bob@contoso.com", OCS_AUTHZ_SIP_MISMATCH },
        { 0, 0, 0, 0, 0, "sip:alice@contoso.co", OCS_AUTHZ_SIP_MISMATCH },
        { 0, 0, 0, 0, 0, "", OCS_AUTHZ_ALLOW },
        { 0, 1, 1, 0, 0, "sip:bob@contoso.com", OCS_AUTHZ_NO_REMOTE },
        { 0, 1, 1, 0, 1, "sip:bob@contoso.com", OCS_AUTHZ_SIP_MISMATCH },
    };

    size_t             i, n;
    unsigned           bit;
    ocs_ticket_t       t;
    ocs_authz_net_t    net;
    ocs_authz_req_t    all[5], reqs[5];
    ocs_authz_rules_t  rules;

    req(&all[0], OCS_AUTHZ_ENABLED, "");
    req(&all[1], OCS_AUTHZ_PRESENCE, "");
    req(&all[2], OCS_AUTHZ_GROUP, "Sales");
    req(&all[3], OCS_AUTHZ_FILTER, "(title=boss)");
    req(&all[4], OCS_AUTHZ_REMOTE, "");
    (void) ocs_authz_net_set(&net, 4, inside, 8);

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&t, 0, sizeof(t));
        (void) put(t.user, sizeof(t.user), "alice");
        t.sip_len = put(t.sip, sizeof(t.sip), "sip:alice@contoso.com");

        memset(&rules, 0, sizeof(rules));
        rules.require = reqs;

        for (n = 0, bit = 0; bit < 5; bit++) {
            if (cases[i].reqs & (1u << bit)) {
                reqs[rules.nrequire++] = all[bit];
            }

            if (cases[i].facts & (1u << bit)) {
                t.facts[t.nfacts++] = all[bit].id;
            }
        }

        rules.remote = cases[i].remote ? &all[4] : NULL;
        rules.internal = cases[i].nets ? &net : NULL;
        rules.ninternal = cases[i].nets ? 1 : 0;

        n = cases[i].claim ? strlen(cases[i].claim) : 0;

        is_int(ocs_authz_check(&t, &rules, cases[i].in ? inside : outside, 4,
                               cases[i].claim, n),
               cases[i].verdict, "check #%zu: %s", i,
               cases[i].verdict ? ocs_authz_reason(cases[i].verdict)
                                : "allowed");
    }

    /* a Unix socket is not inside */
    rules.nrequire = 0;
    rules.remote = &all[4];
    rules.internal = &net;
    rules.ninternal = 1;
    t.nfacts = 0;
    is_int(ocs_authz_check(&t, &rules, NULL, 0, NULL, 0),
           OCS_AUTHZ_NO_REMOTE, "check: no address is outside");
}


static void
test_texts(void)
{
    int          v;
    const char  *s;

    s = ocs_authz_reason(OCS_AUTHZ_NOT_IN_GROUP);
    is_str(s, strlen(s), "not in a required group", "text: group reason");
    s = ocs_authz_message(OCS_AUTHZ_NO_REMOTE);
    is_str(s, strlen(s), "You are connecting from outside the organisation, "
           "and your account does not have remote access.",
           "text: remote message");
    s = ocs_authz_reason(OCS_AUTHZ_SIP_MISMATCH);
    is_str(s, strlen(s), "the sign-in address does not match the account",
           "text: claim reason");

    for (v = OCS_AUTHZ_NOT_ENABLED; v <= OCS_AUTHZ_SIP_MISMATCH; v++) {
        ok(ocs_authz_reason(v)[0] != '\0' && ocs_authz_message(v)[0] != '\0',
           "text: verdict %d has both", v);
    }

    is_int(strlen(ocs_authz_reason(OCS_AUTHZ_ALLOW)), 0, "text: allow");
    is_int(strlen(ocs_authz_message(7)), 0, "text: unknown verdict");
    is_int(strlen(ocs_authz_reason(-1)), 0, "text: negative verdict");
}


static void
test_recheck_due(void)
{
    static const struct {
        size_t       dn_len;
        int64_t      interval;
        int64_t      age;
        uint32_t     gen;
        int          due;
        const char  *what;
    } cases[] = {
        { 10, 300, 0, 1, 0, "just checked" },
        { 10, 300, 299, 1, 0, "one second before the interval" },
        { 10, 300, 300, 1, 1, "at the interval" },
        { 10, 300, 301, 1, 1, "after the interval" },
        { 10, 300, -5, 1, 0, "checked in the future" },
        { 10, 0, 100000, 1, 0, "interval off" },
        { 10, 0, 0, 2, 1, "interval off, requirements changed" },
        { 10, 300, 0, 2, 1, "requirements changed" },
        { 0, 300, 100000, 2, 0, "no DN: not from a directory" },
        { 10, 1, 1, 1, 1, "one-second interval" },
    };

    size_t        i;
    int64_t       now;
    ocs_ticket_t  t;

    now = env.now(env.data);

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&t, 0, sizeof(t));
        t.dn_len = cases[i].dn_len;
        t.checked = now - cases[i].age;
        t.facts_gen = 1;

        is_int(ocs_authz_recheck_due(&t, cases[i].interval, cases[i].gen,
                                     now),
               cases[i].due, "due: %s", cases[i].what);
    }

    /* a ticket checked at the start of time does not overflow */
    t.dn_len = 10;
    t.checked = INT64_MIN;
    is_int(ocs_authz_recheck_due(&t, 300, 1, now), 1, "due: far past");
}


static void
test_recheck_apply(void)
{
    static const struct {
        int          rc;
        int          state;
        int          outcome;
        const char  *why;
    } cases[] = {
        { OCS_OK, OCS_ACCT_OK, OCS_AUTHZ_RECHECK_RENEW, NULL },
        { OCS_ERR_SYS, OCS_ACCT_OK, OCS_AUTHZ_RECHECK_KEEP, NULL },
        { OCS_ERR_NOTFOUND, OCS_ACCT_OK, OCS_AUTHZ_RECHECK_END,
          "the account is gone from the directory" },
        { OCS_OK, OCS_ACCT_DISABLED, OCS_AUTHZ_RECHECK_END,
          "account disabled" },
        { OCS_OK, OCS_ACCT_LOCKED, OCS_AUTHZ_RECHECK_END,
          "account locked out" },
        { OCS_OK, OCS_ACCT_PASSWORD_EXPIRED, OCS_AUTHZ_RECHECK_END,
          "password expired" },
    };

    size_t              i;
    int64_t             now;
    const char         *why;
    ocs_ticket_t        t;
    ocs_authz_result_t  res;

    now = env.now(env.data);

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&t, 0, sizeof(t));
        t.dn_len = put(t.dn, sizeof(t.dn), "CN=Old");
        t.checked = now - 1000;
        t.facts_gen = 1;
        t.nfacts = 1;
        t.facts[0] = 42;

        account(&res);
        res.nfacts = 1;
        res.facts[0] = 43;

        why = NULL;

        is_int(ocs_authz_recheck_apply(&t, cases[i].rc, cases[i].state, &res,
                                       2, now, &why),
               cases[i].outcome, "apply #%zu: outcome", i);

        is_int(res.acct.totp[0], 0, "apply #%zu: TOTP secret wiped", i);

        switch (cases[i].outcome) {

        case OCS_AUTHZ_RECHECK_RENEW:
            is_int(t.facts[0], 43, "apply #%zu: new facts", i);
            is_int(t.checked, now, "apply #%zu: checked now", i);
            is_int(t.facts_gen, 2, "apply #%zu: new generation", i);
            is_str(t.dn, t.dn_len, "CN=Alice,OU=Staff,DC=contoso,DC=com",
                   "apply #%zu: account read again", i);
            break;

        case OCS_AUTHZ_RECHECK_KEEP:
            is_int(t.facts[0], 42, "apply #%zu: old facts stand", i);
            is_int(t.checked, now, "apply #%zu: asked again later", i);
            is_int(t.facts_gen, 2, "apply #%zu: for this generation", i);
            is_str(t.dn, t.dn_len, "CN=Old", "apply #%zu: dn kept", i);
            break;

        default:
            is_int(t.facts[0], 42, "apply #%zu: ticket untouched", i);
            is_int(t.checked, now - 1000, "apply #%zu: not checked", i);
            ok(why != NULL, "apply #%zu: a reason", i);
            is_str(why, why ? strlen(why) : 0, cases[i].why,
                   "apply #%zu: the reason", i);
            break;
        }
    }

    /* why may be NULL */
    account(&res);
    is_int(ocs_authz_recheck_apply(&t, OCS_ERR_NOTFOUND, OCS_ACCT_OK, &res,
                                   2, now, NULL),
           OCS_AUTHZ_RECHECK_END, "apply: without a reason wanted");
}


int
main(void)
{
    test_req();
    test_gen();
    test_evaluate();
    test_groups();
    test_fill();
    test_net();
    test_check();
    test_texts();
    test_recheck_due();
    test_recheck_apply();

    return ocs_test_done();
}
