/*
 * Filter escaping (RFC 4515 section 3 examples and injections), AD
 * sub-codes, userAccountControl, SIP URIs, DNs and fact ids.
 */

#include <openssl/sha.h>

#include <ocs_test.h>
#include <ocs/ocs_directory.h>


static void
test_escape(void)
{
    static const struct {
        const char  *in;
        size_t       len;
        const char  *out;
    } cases[] = {
        /* RFC 4515 section 4 */
        { "Parens R Us (for all your parenthetical needs)", 0,
          "Parens R Us \\28for all your parenthetical needs\\29" },
        { "*", 0, "\\2a" },
        { "C:\\MyFile", 0, "C:\\5cMyFile" },
        { "\0\0\0\4", 4, "\\00\\00\\00\x04" },
        /* injections */
        { "*)(sAMAccountName=*", 0,
          "\\2a\\29\\28sAMAccountName=\\2a" },
        { "alice)(|(objectClass=*", 0,
          "alice\\29\\28|\\28objectClass=\\2a" },
        { "st*r", 0, "st\\2ar" },
        { "bob\0admin", 9, "bob\\00admin" },
        { "", 0, "" },
    };

    size_t  i, n, len;
    char    out[128];

    /* len 0: a C string; the NUL cases give their length */
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        len = cases[i].len ? cases[i].len : strlen(cases[i].in);

        ok(ocs_ldap_escape(cases[i].in, len, out, sizeof(out), &n)
           == OCS_OK, "escape #%zu", i);
        is_str(out, n, cases[i].out, "escape #%zu value", i);
    }

    is_int(ocs_ldap_escape("(((", 3, out, 9, &n), OCS_ERR_SPACE,
           "escape: short buffer");
    is_int(ocs_ldap_escape("(((", 3, out, 10, &n), OCS_OK,
           "escape: exact buffer");
    is_int(ocs_ldap_escape("abc", 3, out, 3, &n), OCS_ERR_SPACE,
           "escape: no room for the NUL");
}


static void
test_ad_state(void)
{
    static const struct {
        const char  *diag;
        int          state;
    } cases[] = {
        { "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext "
          "error, data 52e, v2580", OCS_ACCT_BAD_CREDENTIALS },
        { "... data 525, v893", OCS_ACCT_BAD_CREDENTIALS },
        { "... data 530, v893", OCS_ACCT_TIME },
        { "... data 531, v893", OCS_ACCT_WORKSTATION },
        { "... data 532, v893", OCS_ACCT_PASSWORD_EXPIRED },
        { "... data 533, v893", OCS_ACCT_DISABLED },
        { "... data 701, v893", OCS_ACCT_EXPIRED },
        { "... data 773, v893", OCS_ACCT_MUST_CHANGE },
        { "... DATA 775, v893", OCS_ACCT_LOCKED },
        { "... data 775", OCS_ACCT_LOCKED },
        { "... data 7750, v1", OCS_ACCT_BAD_CREDENTIALS },
        { "... data 999, v1", OCS_ACCT_BAD_CREDENTIALS },
        { "invalid credentials", OCS_ACCT_BAD_CREDENTIALS },
        { "data 77", OCS_ACCT_BAD_CREDENTIALS },
        { "", OCS_ACCT_BAD_CREDENTIALS },
    };

    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(ocs_acct_state_from_ad(cases[i].diag, strlen(cases[i].diag)),
               cases[i].state, "ad state \"%s\"", cases[i].diag);
    }

    is_int(ocs_acct_state_from_uac(512), OCS_ACCT_OK, "uac normal");
    is_int(ocs_acct_state_from_uac(514), OCS_ACCT_DISABLED, "uac disabled");
    is_int(ocs_acct_state_from_uac(512 | 0x10), OCS_ACCT_LOCKED,
           "uac locked");
    is_int(ocs_acct_state_from_uac(512 | 0x800000),
           OCS_ACCT_PASSWORD_EXPIRED, "uac password expired");

    ok(strcmp(ocs_acct_state_name(OCS_ACCT_LOCKED), "account locked out")
       == 0, "state name");
    ok(strstr(ocs_acct_state_message(OCS_ACCT_PASSWORD_EXPIRED), "expired")
       != NULL, "state message");
    ok(strcmp(ocs_acct_state_message(99),
              ocs_acct_state_message(OCS_ACCT_BAD_CREDENTIALS)) == 0,
       "unknown state: the generic message");
}


static void
test_sip(void)
{
    static const struct {
        const char  *a;
        const char  *b;
        int          eq;
    } cases[] = {
        { "sip:jeremy@contoso.com", "sip:jeremy@contoso.com", 1 },
        { "sip:Jeremy@Contoso.com", "jeremy@contoso.com", 1 },
        { "SIP:jeremy@contoso.com", "sip:JEREMY@contoso.com", 1 },
        { "sip:jeremy@contoso.com", "sip:vadim@contoso.com", 0 },
        { "sip:jeremy@contoso.com", "sip:jeremy@contoso.com.evil", 0 },
        { "sip:", "sip:", 0 },
        { "", "", 0 },
        { "sips:jeremy@contoso.com", "jeremy@contoso.com", 0 },
    };

    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(ocs_sip_uri_eq(cases[i].a, strlen(cases[i].a), cases[i].b,
                              strlen(cases[i].b)),
               cases[i].eq, "sip \"%s\" vs \"%s\"", cases[i].a, cases[i].b);
    }

    /* found by core/test/fuzz/fuzz_principal.c: a NUL ended the compare */
    is_int(ocs_sip_uri_eq("sip:a@b\0x", 9, "sip:a@b\0y", 9), 0,
           "sip: bytes after a NUL count");
    is_int(ocs_sip_uri_eq("sip:a@b\0x", 9, "A@B\0X", 5), 1,
           "sip: bytes after a NUL compared without case");
}


static void
test_dn(void)
{
    size_t  n;
    char    out[64];
    const char  *dn = "CN=Sales\\, EMEA,OU=Groups,DC=contoso,DC=com";

    ok(ocs_dn_first_value(dn, strlen(dn), out, sizeof(out), &n) == OCS_OK,
       "dn first value");
    is_str(out, n, "Sales, EMEA", "dn first value: escapes undone");
    is_int(ocs_dn_first_value("no-equals", 9, out, sizeof(out), &n),
           OCS_ERR_INVALID, "dn without '='");
    is_int(ocs_dn_first_value("cn=,dc=x", 8, out, sizeof(out), &n),
           OCS_ERR_INVALID, "dn with an empty value");
    is_int(ocs_dn_first_value(dn, strlen(dn), out, 4, &n), OCS_ERR_SPACE,
           "dn: short buffer");

    ok(ocs_dn_eq("CN=Sales,OU=Groups", 18, "cn=sales, ou=groups", 19),
       "dn equal: case and spaces");
    ok(!ocs_dn_eq("CN=Sales,OU=Groups", 18, "cn=sales,ou=groups2", 19),
       "dn differs");
    ok(!ocs_dn_eq("CN=Sales", 8, "CN=Sales,OU=Groups", 18),
       "dn prefix is not equal");
}


static void
test_fact(void)
{
    uint32_t        id, want;
    unsigned char   md[SHA256_DIGEST_LENGTH];

    id = ocs_fact_id("group", "CN=Sales,DC=x", 13);

    SHA256((const unsigned char *) "group\0cn=sales,dc=x", 19, md);
    want = (uint32_t) md[0] << 24 | (uint32_t) md[1] << 16
           | (uint32_t) md[2] << 8 | md[3];

    is_int(id, want, "fact id: SHA-256 of kind, NUL, lower-case value");
    is_int(ocs_fact_id("group", "cn=sales,dc=x", 13), id,
           "fact id ignores case");
    ok(ocs_fact_id("filter", "cn=sales,dc=x", 13) != id,
       "fact id depends on the kind");
}


int
main(void)
{
    test_escape();
    test_ad_state();
    test_sip();
    test_dn();
    test_fact();

    return ocs_test_done();
}
