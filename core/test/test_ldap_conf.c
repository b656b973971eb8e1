/*
 * A directory's settings: the defaults, each key with good and bad
 * values and the exact sentence for each mistake, the password file's
 * first line, and the rules across settings.  The times are those nginx's
 * ngx_parse_time() gives, within 1ms and 10m.
 */

#include <ocs_test.h>
#include <ocs/ocs_ldap.h>


#define NAME  "corp"


/* one setting with one value */
static int
set1(ocs_ldap_conf_t *conf, const char *key, const char *value,
    ocs_err_t *err)
{
    return ocs_ldap_conf_set(conf, NAME, key, &value, 1, err);
}


static void
test_defaults(void)
{
    ocs_ldap_conf_t  c;

    memset(&c, 0x5a, sizeof(c));
    ocs_ldap_conf_init(&c);

    is_int(c.nurls, 0, "defaults: no url");
    is_int(c.starttls, 0, "defaults: starttls off");
    is_int(c.tls_verify, 1, "defaults: certificates verified");
    ok(c.ca_file == NULL, "defaults: the system's CAs");
    ok(c.bind_dn == NULL && c.bind_password == NULL,
       "defaults: anonymous service bind");
    ok(c.base == NULL, "defaults: no base");
    is_int(c.scope, OCS_LDAP_SCOPE_SUB, "defaults: scope sub");
    is_str(c.filter, strlen(c.filter), "(objectClass=user)",
           "defaults: filter");
    is_str(c.remote_attr, strlen(c.remote_attr), "msNPAllowDialin",
           "defaults: remote access attribute");
    ok(c.totp_attr == NULL, "defaults: no TOTP attribute");
    ok(c.policy_dn == NULL, "defaults: no policy entry");
    is_int(c.connect_timeout, 3000, "defaults: connect_timeout 3s");
    is_int(c.timeout, 5000, "defaults: timeout 5s");
    is_int(c.connections, 4, "defaults: 4 connections");
    is_int(c.nested, OCS_LDAP_NESTED_WALK, "defaults: nested groups walked");
}


static void
test_values(void)
{
    static const struct {
        const char  *key;
        const char  *value;
        int          rc;
        const char  *error;     /* NULL: accepted */
    } cases[] = {
        { "starttls", "on", OCS_OK, NULL },
        { "starttls", "off", OCS_OK, NULL },
        { "starttls", "yes", OCS_ERR_INVALID,
          "\"starttls\" in ocs_ldap_directory \"corp\" must be \"on\" or "
          "\"off\"" },
        { "starttls", "ON", OCS_ERR_INVALID,
          "\"starttls\" in ocs_ldap_directory \"corp\" must be \"on\" or "
          "\"off\"" },
        { "tls_verify", "off", OCS_OK, NULL },
        { "tls_verify", "on", OCS_OK, NULL },
        { "tls_verify", "1", OCS_ERR_INVALID,
          "\"tls_verify\" in ocs_ldap_directory \"corp\" must be \"on\" or "
          "\"off\"" },
        { "ca_file", "ca.pem", OCS_LDAP_CONF_PATH, NULL },
        { "bind_dn", "CN=svc,DC=corp", OCS_OK, NULL },
        { "bind_password_file", "pw", OCS_LDAP_CONF_FILE, NULL },
        { "base", "DC=corp,DC=example", OCS_OK, NULL },
        { "scope", "base", OCS_OK, NULL },
        { "scope", "one", OCS_OK, NULL },
        { "scope", "sub", OCS_OK, NULL },
        { "scope", "subtree", OCS_ERR_INVALID,
          "\"scope\" in ocs_ldap_directory \"corp\" must be \"base\", "
          "\"one\" or \"sub\"" },
        { "filter", "(objectClass=person)", OCS_OK, NULL },
        { "filter", "()", OCS_OK, NULL },
        { "filter", "objectClass=person", OCS_ERR_INVALID,
          "\"filter\" in ocs_ldap_directory \"corp\" must be an LDAP filter "
          "in parentheses" },
        { "filter", "(objectClass=person", OCS_ERR_INVALID,
          "\"filter\" in ocs_ldap_directory \"corp\" must be an LDAP filter "
          "in parentheses" },
        { "filter", "", OCS_ERR_INVALID,
          "\"filter\" in ocs_ldap_directory \"corp\" must be an LDAP filter "
          "in parentheses" },
        { "remote_access_attribute", "extensionAttribute5", OCS_OK, NULL },
        { "totp_attribute", "extensionAttribute6", OCS_OK, NULL },
        { "policy", "CN=Default,CN=Policies", OCS_OK, NULL },
        { "connect_timeout", "1ms", OCS_OK, NULL },
        { "connect_timeout", "10m", OCS_OK, NULL },
        { "connect_timeout", "10m1ms", OCS_ERR_INVALID,
          "\"connect_timeout\" in ocs_ldap_directory \"corp\" must be a "
          "time between 1ms and 10m" },
        { "connect_timeout", "0", OCS_ERR_INVALID,
          "\"connect_timeout\" in ocs_ldap_directory \"corp\" must be a "
          "time between 1ms and 10m" },
        { "timeout", "5s", OCS_OK, NULL },
        { "timeout", "soon", OCS_ERR_INVALID,
          "\"timeout\" in ocs_ldap_directory \"corp\" must be a time "
          "between 1ms and 10m" },
        { "connections", "1", OCS_OK, NULL },
        { "connections", "64", OCS_OK, NULL },
        { "connections", "0", OCS_ERR_INVALID,
          "\"connections\" in ocs_ldap_directory \"corp\" must be a number "
          "between 1 and 64" },
        { "connections", "65", OCS_ERR_INVALID,
          "\"connections\" in ocs_ldap_directory \"corp\" must be a number "
          "between 1 and 64" },
        { "connections", "-1", OCS_ERR_INVALID,
          "\"connections\" in ocs_ldap_directory \"corp\" must be a number "
          "between 1 and 64" },
        { "connections", "4x", OCS_ERR_INVALID,
          "\"connections\" in ocs_ldap_directory \"corp\" must be a number "
          "between 1 and 64" },
        { "connections", "99999999999999999999", OCS_ERR_INVALID,
          "\"connections\" in ocs_ldap_directory \"corp\" must be a number "
          "between 1 and 64" },
        { "nested_groups", "off", OCS_OK, NULL },
        { "nested_groups", "walk", OCS_OK, NULL },
        { "nested_groups", "ad", OCS_OK, NULL },
        { "nested_groups", "on", OCS_ERR_INVALID,
          "\"nested_groups\" in ocs_ldap_directory \"corp\" must be "
          "\"off\", \"walk\" or \"ad\"" },
        { "port", "389", OCS_ERR_NOTFOUND,
          "unknown directive \"port\" in ocs_ldap_directory \"corp\"" },
        { "URL", "ldap://dc", OCS_ERR_NOTFOUND,
          "unknown directive \"URL\" in ocs_ldap_directory \"corp\"" },
    };

    int              rc;
    size_t           i;
    ocs_err_t        err;
    ocs_ldap_conf_t  c;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ocs_ldap_conf_init(&c);
        memset(&err, 0, sizeof(err));

        rc = set1(&c, cases[i].key, cases[i].value, &err);

        is_int(rc, cases[i].rc, "%s \"%s\": return", cases[i].key,
               cases[i].value);

        if (cases[i].error != NULL) {
            is_str(err.text, strlen(err.text), cases[i].error,
                   "%s \"%s\": error text", cases[i].key, cases[i].value);
        }
    }
}


static void
test_stored(void)
{
    ocs_err_t        err;
    ocs_ldap_conf_t  c;

    ocs_ldap_conf_init(&c);

    (void) set1(&c, "starttls", "on", &err);
    is_int(c.starttls, 1, "stored: starttls");
    (void) set1(&c, "tls_verify", "off", &err);
    is_int(c.tls_verify, 0, "stored: tls_verify");
    (void) set1(&c, "ca_file", "ca.pem", &err);
    is_str(c.ca_file, strlen(c.ca_file), "ca.pem", "stored: ca_file");
    (void) set1(&c, "bind_dn", "CN=svc", &err);
    is_str(c.bind_dn, strlen(c.bind_dn), "CN=svc", "stored: bind_dn");
    (void) set1(&c, "base", "DC=corp", &err);
    is_str(c.base, strlen(c.base), "DC=corp", "stored: base");
    (void) set1(&c, "scope", "one", &err);
    is_int(c.scope, OCS_LDAP_SCOPE_ONE, "stored: scope");
    (void) set1(&c, "filter", "(a=b)", &err);
    is_str(c.filter, strlen(c.filter), "(a=b)", "stored: filter");
    (void) set1(&c, "remote_access_attribute", "ra", &err);
    is_str(c.remote_attr, strlen(c.remote_attr), "ra", "stored: remote");
    (void) set1(&c, "totp_attribute", "ta", &err);
    is_str(c.totp_attr, strlen(c.totp_attr), "ta", "stored: totp");
    (void) set1(&c, "policy", "CN=P", &err);
    is_str(c.policy_dn, strlen(c.policy_dn), "CN=P", "stored: policy");
    (void) set1(&c, "connections", "0016", &err);
    is_int(c.connections, 16, "stored: connections, leading zeros");
    (void) set1(&c, "nested_groups", "ad", &err);
    is_int(c.nested, OCS_LDAP_NESTED_AD, "stored: nested_groups");

    /* a bad value leaves the setting as it was */
    (void) set1(&c, "scope", "all", &err);
    is_int(c.scope, OCS_LDAP_SCOPE_ONE, "stored: bad scope, old kept");
    (void) set1(&c, "connections", "100", &err);
    is_int(c.connections, 16, "stored: bad connections, old kept");
}


static void
test_times(void)
{
    static const struct {
        const char  *value;
        int          ms;        /* 0: refused */
    } cases[] = {
        { "1", 1000 },
        { "5s", 5000 },
        { "500ms", 500 },
        { "1ms", 1 },
        { "1m", 60000 },
        { "1m30s", 90000 },
        { "1m 30s", 90000 },
        { "1m30", 90000 },
        { "1s500ms", 1500 },
        { "2s 5", 7000 },
        { "9m59s999ms", 599999 },
        { "10m", 600000 },
        { "600", 600000 },
        { "600s", 600000 },
        { "600000ms", 600000 },
        { "600001ms", 0 },
        { "601", 0 },
        { "1h", 0 },
        { "1d", 0 },
        { "1w", 0 },
        { "1y", 0 },
        { "1M", 0 },
        { "0", 0 },
        { "0ms", 0 },
        { "", 0 },
        { "ms", 0 },
        { "s", 0 },
        { "5x", 0 },
        { "1s1m", 0 },
        { "1s1s", 0 },
        { "1ms1s", 0 },
        { "5 5", 10000 },
        { " 5", 5000 },
        { "5 ", 5000 },
        { "1s ", 1000 },
        { "1.5s", 0 },
        { "-1s", 0 },
        { "99999999999999999999ms", 0 },
    };

    int              rc;
    size_t           i;
    ocs_err_t        err;
    ocs_ldap_conf_t  c;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ocs_ldap_conf_init(&c);

        rc = set1(&c, "timeout", cases[i].value, &err);

        if (cases[i].ms) {
            is_int(rc, OCS_OK, "time \"%s\" accepted", cases[i].value);
            is_int(c.timeout, cases[i].ms, "time \"%s\" in ms",
                   cases[i].value);

        } else {
            is_int(rc, OCS_ERR_INVALID, "time \"%s\" refused",
                   cases[i].value);
            is_int(c.timeout, 5000, "time \"%s\": default kept",
                   cases[i].value);
        }
    }
}


static void
test_urls(void)
{
    int              rc;
    size_t           i;
    ocs_err_t        err;
    ocs_ldap_conf_t  c;
    const char      *urls[9] = {
        "ldap://dc1", "LDAPS://dc2:636", "ldap://dc3", "ldap://dc4",
        "ldap://dc5", "ldap://dc6", "ldap://dc7", "ldap://dc8", "ldap://dc9"
    };
    const char      *bad[2] = { "ldap://dc1", "http://dc2" };

    ocs_ldap_conf_init(&c);

    is_int(ocs_ldap_conf_set(&c, NAME, "url", urls, 2, &err), OCS_OK,
           "url: two at once");
    is_int(c.nurls, 2, "url: two stored");
    is_str(c.urls[1], strlen(c.urls[1]), "LDAPS://dc2:636",
           "url: the scheme in any case");

    is_int(ocs_ldap_conf_set(&c, NAME, "url", urls + 2, 6, &err), OCS_OK,
           "url: added to the ones before");
    is_int(c.nurls, 8, "url: eight in all");

    rc = ocs_ldap_conf_set(&c, NAME, "url", urls + 8, 1, &err);
    is_int(rc, OCS_ERR_INVALID, "url: a ninth refused");
    is_str(err.text, strlen(err.text),
           "\"url\" in ocs_ldap_directory \"corp\" needs between 1 and 8 "
           "URLs in all", "url: a ninth, error text");

    ocs_ldap_conf_init(&c);
    rc = ocs_ldap_conf_set(&c, NAME, "url", urls, 9, &err);
    is_int(rc, OCS_ERR_INVALID, "url: nine at once refused");
    is_int(c.nurls, 0, "url: none of them stored");

    rc = ocs_ldap_conf_set(&c, NAME, "url", urls, 0, &err);
    is_int(rc, OCS_ERR_INVALID, "url: none refused");
    is_str(err.text, strlen(err.text),
           "\"url\" in ocs_ldap_directory \"corp\" needs between 1 and 8 "
           "URLs in all", "url: none, error text");

    rc = ocs_ldap_conf_set(&c, NAME, "url", bad, 2, &err);
    is_int(rc, OCS_ERR_INVALID, "url: http refused");
    is_str(err.text, strlen(err.text),
           "invalid url \"http://dc2\" in ocs_ldap_directory \"corp\": use "
           "ldap:// or ldaps://", "url: http, error text");

    rc = set1(&c, "url", "ldap:/dc", &err);
    is_int(rc, OCS_ERR_INVALID, "url: one slash refused");

    for (i = 0; i < 2; i++) {
        rc = set1(&c, "url", i ? "ldaps:" : "ldap", &err);
        is_int(rc, OCS_ERR_INVALID, "url: a bare scheme refused #%zu", i);
    }
}


static void
test_counts(void)
{
    int              rc;
    ocs_err_t        err;
    ocs_ldap_conf_t  c;
    const char      *two[2] = { "on", "off" };

    ocs_ldap_conf_init(&c);

    rc = ocs_ldap_conf_set(&c, NAME, "starttls", two, 2, &err);
    is_int(rc, OCS_ERR_INVALID, "count: two values refused");
    is_str(err.text, strlen(err.text),
           "\"starttls\" in ocs_ldap_directory \"corp\" takes one value",
           "count: two values, error text");

    rc = ocs_ldap_conf_set(&c, NAME, "base", two, 0, &err);
    is_int(rc, OCS_ERR_INVALID, "count: no value refused");
    is_str(err.text, strlen(err.text),
           "\"base\" in ocs_ldap_directory \"corp\" takes one value",
           "count: no value, error text");

    /* the count is checked before the key is known */
    rc = ocs_ldap_conf_set(&c, NAME, "port", two, 2, &err);
    is_int(rc, OCS_ERR_INVALID, "count: unknown key with two values");
    is_str(err.text, strlen(err.text),
           "\"port\" in ocs_ldap_directory \"corp\" takes one value",
           "count: unknown key with two values, error text");
}


static void
test_policy(void)
{
    int              rc;
    char             dn[OCS_LDAP_DN_MAX + 1];
    ocs_err_t        err;
    ocs_ldap_conf_t  c;

    ocs_ldap_conf_init(&c);

    memset(dn, 'a', sizeof(dn));
    dn[OCS_LDAP_DN_MAX - 1] = '\0';
    is_int(set1(&c, "policy", dn, &err), OCS_OK, "policy: 511 bytes");

    dn[OCS_LDAP_DN_MAX - 1] = 'a';
    dn[OCS_LDAP_DN_MAX] = '\0';
    rc = set1(&c, "policy", dn, &err);
    is_int(rc, OCS_ERR_INVALID, "policy: 512 bytes refused");
    is_str(err.text, strlen(err.text),
           "\"policy\" in ocs_ldap_directory \"corp\" is too long",
           "policy: error text");
}


static void
test_password(void)
{
    int              rc;
    size_t           kept, i;
    ocs_err_t        err;
    ocs_ldap_conf_t  c;
    char             text[32];

    ocs_ldap_conf_init(&c);

    memcpy(text, "s3cret\r\nsecond line\n", 21);
    rc = ocs_ldap_conf_password(&c, NAME, text, 20, &kept, &err);
    is_int(rc, OCS_OK, "password: first line");
    is_int(kept, 6, "password: its length");
    is_str(c.bind_password, strlen(c.bind_password), "s3cret",
           "password: the line");
    ok(c.bind_password == text, "password: in the caller's buffer");

    for (i = 6; i < 21 && text[i] == '\0'; i++) { /* void */ }
    is_int(i, 21, "password: the rest wiped");

    memcpy(text, "no newline", 11);
    ocs_ldap_conf_init(&c);
    rc = ocs_ldap_conf_password(&c, NAME, text, 10, &kept, &err);
    is_int(rc, OCS_OK, "password: without a newline");
    is_str(c.bind_password, kept, "no newline", "password: all of it");

    /* a second bind_password_file is refused before the file is read */
    rc = set1(&c, "bind_password_file", "other", &err);
    is_int(rc, OCS_ERR_INVALID, "password: duplicate");
    is_str(err.text, strlen(err.text),
           "\"bind_password_file\" in ocs_ldap_directory \"corp\" is "
           "duplicate", "password: duplicate, error text");

    memcpy(text, "\nsecret", 8);
    ocs_ldap_conf_init(&c);
    rc = ocs_ldap_conf_password(&c, NAME, text, 7, &kept, &err);
    is_int(rc, OCS_ERR_INVALID, "password: empty first line");
    is_str(err.text, strlen(err.text),
           "\"bind_password_file\" in ocs_ldap_directory \"corp\" names a "
           "file whose first line is empty",
           "password: empty first line, error text");
    ok(c.bind_password == NULL, "password: not set");
    is_int(text[1], 0, "password: wiped all the same");
}


static void
test_check(void)
{
    ocs_err_t        err;
    ocs_ldap_conf_t  c;

    ocs_ldap_conf_init(&c);
    is_int(ocs_ldap_conf_check(&c, NAME, &err), OCS_ERR_INVALID,
           "check: empty");
    is_str(err.text, strlen(err.text),
           "ocs_ldap_directory \"corp\" needs \"url\" and \"base\"",
           "check: empty, error text");

    (void) set1(&c, "url", "ldaps://dc", &err);
    is_int(ocs_ldap_conf_check(&c, NAME, &err), OCS_ERR_INVALID,
           "check: no base");

    (void) set1(&c, "base", "DC=corp", &err);
    is_int(ocs_ldap_conf_check(&c, NAME, &err), OCS_OK,
           "check: url and base");

    (void) set1(&c, "bind_dn", "CN=svc", &err);
    is_int(ocs_ldap_conf_check(&c, NAME, &err), OCS_ERR_INVALID,
           "check: bind_dn alone");
    is_str(err.text, strlen(err.text),
           "ocs_ldap_directory \"corp\" needs both \"bind_dn\" and "
           "\"bind_password_file\", or neither", "check: bind, error text");

    c.bind_password = "pw";
    is_int(ocs_ldap_conf_check(&c, NAME, &err), OCS_OK, "check: both");

    c.bind_dn = NULL;
    is_int(ocs_ldap_conf_check(&c, NAME, &err), OCS_ERR_INVALID,
           "check: password alone");
}


static void
test_warnings(void)
{
    size_t           n;
    ocs_err_t        err, w[OCS_LDAP_URLS_MAX + 1];
    ocs_ldap_conf_t  c;
    const char      *urls[3] = { "ldap://dc1", "ldaps://dc2", "LDAP://dc3" };

    ocs_ldap_conf_init(&c);
    (void) ocs_ldap_conf_set(&c, NAME, "url", urls, 3, &err);

    n = ocs_ldap_conf_warnings(&c, NAME, w, OCS_LDAP_URLS_MAX + 1);
    is_int(n, 2, "warn: two clear URLs");
    is_str(w[0].text, strlen(w[0].text),
           "ocs_ldap_directory \"corp\": \"ldap://dc1\" without starttls "
           "sends passwords in clear", "warn: the first, text");
    is_str(w[1].text, strlen(w[1].text),
           "ocs_ldap_directory \"corp\": \"LDAP://dc3\" without starttls "
           "sends passwords in clear", "warn: the scheme in any case");

    (void) set1(&c, "starttls", "on", &err);
    is_int(ocs_ldap_conf_warnings(&c, NAME, w, OCS_LDAP_URLS_MAX + 1), 0,
           "warn: none with starttls");

    (void) set1(&c, "tls_verify", "off", &err);
    n = ocs_ldap_conf_warnings(&c, NAME, w, OCS_LDAP_URLS_MAX + 1);
    is_int(n, 1, "warn: verification off");
    is_str(w[0].text, strlen(w[0].text),
           "ocs_ldap_directory \"corp\": certificate verification is off, "
           "the directory's identity is not checked",
           "warn: verification off, text");

    (void) set1(&c, "starttls", "off", &err);
    is_int(ocs_ldap_conf_warnings(&c, NAME, w, 1), 1,
           "warn: no more than room for");
    is_int(ocs_ldap_conf_warnings(&c, NAME, w, OCS_LDAP_URLS_MAX + 1), 3,
           "warn: all three");
}


/* a server with its own word for the section: every sentence uses it */
static void
test_section(void)
{
    char             text[] = "\nrest";
    size_t           kept;
    ocs_err_t        err, w[2];
    ocs_ldap_conf_t  c;
    const char      *urls[1] = { "ldap://dc1" };

    ocs_ldap_conf_init(&c);
    is_str(c.section, strlen(c.section), "ocs_ldap_directory",
           "section: nginx's by default");

    c.section = "OCSDirectory";

    is_int(set1(&c, "scope", "all", &err), OCS_ERR_INVALID,
           "section: a bad value");
    is_str(err.text, strlen(err.text),
           "\"scope\" in OCSDirectory \"corp\" must be \"base\", \"one\" "
           "or \"sub\"", "section: a bad value, text");

    is_int(set1(&c, "bogus", "x", &err), OCS_ERR_NOTFOUND,
           "section: an unknown key");
    is_str(err.text, strlen(err.text),
           "unknown directive \"bogus\" in OCSDirectory \"corp\"",
           "section: an unknown key, text");

    (void) ocs_ldap_conf_set(&c, NAME, "base", urls, 0, &err);
    is_str(err.text, strlen(err.text),
           "\"base\" in OCSDirectory \"corp\" takes one value",
           "section: a count, text");

    (void) set1(&c, "url", "http://x", &err);
    is_str(err.text, strlen(err.text),
           "invalid url \"http://x\" in OCSDirectory \"corp\": use ldap:// "
           "or ldaps://", "section: a url, text");

    (void) ocs_ldap_conf_set(&c, NAME, "url", urls, 0, &err);
    is_str(err.text, strlen(err.text),
           "\"url\" in OCSDirectory \"corp\" needs between 1 and 8 URLs "
           "in all", "section: no url, text");

    (void) ocs_ldap_conf_password(&c, NAME, text, sizeof(text) - 1, &kept,
                                  &err);
    is_str(err.text, strlen(err.text),
           "\"bind_password_file\" in OCSDirectory \"corp\" names a file "
           "whose first line is empty", "section: a password, text");

    (void) ocs_ldap_conf_check(&c, NAME, &err);
    is_str(err.text, strlen(err.text),
           "OCSDirectory \"corp\" needs \"url\" and \"base\"",
           "section: check, text");

    (void) ocs_ldap_conf_set(&c, NAME, "url", urls, 1, &err);
    (void) set1(&c, "base", "DC=corp", &err);
    (void) set1(&c, "bind_dn", "CN=svc", &err);
    (void) ocs_ldap_conf_check(&c, NAME, &err);
    is_str(err.text, strlen(err.text),
           "OCSDirectory \"corp\" needs both \"bind_dn\" and "
           "\"bind_password_file\", or neither", "section: bind, text");

    (void) set1(&c, "tls_verify", "off", &err);
    is_int(ocs_ldap_conf_warnings(&c, NAME, w, 2), 2, "section: warnings");
    is_str(w[0].text, strlen(w[0].text),
           "OCSDirectory \"corp\": \"ldap://dc1\" without starttls sends "
           "passwords in clear", "section: clear, text");
    is_str(w[1].text, strlen(w[1].text),
           "OCSDirectory \"corp\": certificate verification is off, the "
           "directory's identity is not checked", "section: verify, text");
}


int
main(void)
{
    test_defaults();
    test_values();
    test_stored();
    test_times();
    test_urls();
    test_counts();
    test_policy();
    test_password();
    test_check();
    test_warnings();
    test_section();

    return ocs_test_done();
}
