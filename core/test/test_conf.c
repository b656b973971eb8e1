/*
 * Configuration: the defaults, the rules between the directives of one
 * location (each rule broken on its own, and the order they are told
 * in), what a location needs, and the checks of single values.
 */

#include <ocs_test.h>

#include <ocs/ocs_conf.h>
#include <ocs/ocs_ticket.h>


#define KEYTAB  "/etc/krb5.keytab"


static void
test_defaults(void)
{
    is_str(OCS_CONF_SIGNIN_URL, strlen(OCS_CONF_SIGNIN_URL), "/ocs/signin",
           "default: ocs_auth_signin_url");
    is_str(OCS_CONF_DEFAULT_RETURN, strlen(OCS_CONF_DEFAULT_RETURN), "/",
           "default: ocs_auth_default_return");
    is_str(OCS_CONF_THREAD_POOL, strlen(OCS_CONF_THREAD_POOL), "default",
           "default: ocs_auth_thread_pool");
    is_str(OCS_CONF_CLEAR_SITE_DATA, strlen(OCS_CONF_CLEAR_SITE_DATA),
           "\"cache\", \"storage\"", "default: ocs_logoff_clear_site_data");
    is_str(OCS_CONF_GUARD_ZONE_NAME, strlen(OCS_CONF_GUARD_ZONE_NAME),
           "ocs_auth", "default: the implicit zone's name");

    is_int(OCS_CONF_HTTPS_PORT, 443, "default: ocs_auth_https_port");
    is_int(OCS_CONF_LOCKOUT, 1, "default: ocs_auth_lockout on");
    is_int(OCS_CONF_LOCK_ACCOUNT, 4, "default: lockout account=4");
    ok(OCS_CONF_LOCK_ACCOUNT < 5,
       "default: below the lowest directory threshold in use (5)");
    is_int(OCS_CONF_LOCK_ADDRESS, 30, "default: lockout address=30");
    is_int(OCS_CONF_LOCK_TOTAL, 0, "default: lockout total=0 (off)");
    is_int(OCS_CONF_LOCK_WINDOW, 900, "default: lockout window=15m");
    is_int(OCS_CONF_LOCK_TIME, 900, "default: lockout lock=15m");
    is_int(OCS_CONF_NEGOTIATE_MAX, 48 * 1024,
           "default: ocs_auth_negotiate_max_token 48k");
    is_int(OCS_CONF_KRB5_TIMEOUT, 5000,
           "default: ocs_auth_kerberos_timeout 5s");
    is_int(OCS_CONF_GUARD_ZONE_SIZE, 1024 * 1024,
           "default: the implicit zone's size 1m");
    is_int(OCS_CONF_TEMPLATE_MAX, 64 * 1024, "default: templates up to 64k");
}


/* the settings the tables start from */
#define SIGNIN   .signin = 1, .lockout = 1
#define UFILE    .user_file = 1
#define NEGO     .negotiate = 1, .lockout = 1
#define KT       .keytab = KEYTAB, .keytab_len = sizeof(KEYTAB) - 1
#define KRB5     .protect = 1, NEGO, .internal = 1, KT
#define OTHER    .ntlm_keytab = "/etc/other.keytab", .ntlm_keytab_len = 17
#define SAME     .ntlm_keytab = KEYTAB, .ntlm_keytab_len = sizeof(KEYTAB) - 1

#define SIP_TEXT                                                             \
    "\"ocs_auth_signin_sip on\" needs \"ocs_auth_ldap\": without a "         \
    "directory the sign-in address is never checked"
#define QUICK_TEXT                                                           \
    "\"ocs_auth_quick_signin\" needs \"ocs_auth_negotiate on\""
#define KEYTAB_TEXT                                                          \
    "\"ocs_auth_negotiate\" needs \"ocs_auth_keytab\""


typedef struct {
    const char       *name;
    ocs_conf_loc_t    loc;
    const char       *msg;          /* NULL: accepted */
} rule_case_t;


static const rule_case_t  rules[] = {

    { "a sign-in page with a user file", { SIGNIN, UFILE }, NULL },
    { "Kerberos with keytab and internal networks", { KRB5 }, NULL },
    { "nothing configured", { .signin_sip = -1 }, NULL },

    { "signin_sip on without a directory",
      { SIGNIN, UFILE, .signin_sip = 1 }, SIP_TEXT },
    { "signin_sip on with a directory",
      { SIGNIN, UFILE, .signin_sip = 1, .directory = 1 }, NULL },
    { "signin_sip unset without a directory",
      { SIGNIN, UFILE, .signin_sip = -1 }, NULL },
    { "signin_sip on, not a sign-in page",
      { .protect = 1, .signin_sip = 1 }, NULL },

    { "certificate step without a certificate source",
      { KRB5, .second = OCS_METHOD_CERT },
      "\"ocs_auth_second_factor certificate\" needs "
      "\"ocs_auth_certificate\"" },
    { "certificate step with a certificate source",
      { KRB5, .second = OCS_METHOD_CERT, .certificate = 1 }, NULL },
    { "certificate step where nothing is protected",
      { .signin = 1, .user_file = 1, .second = OCS_METHOD_CERT }, NULL },
    { "TOTP step needs no certificate",
      { KRB5, .second = OCS_METHOD_TOTP }, NULL },

    { "quick sign-in without Kerberos", { SIGNIN, UFILE, .quick = 1 },
      QUICK_TEXT },
    { "quick sign-in with Kerberos",
      { NEGO, .internal = 1, KT, .quick = 1 }, NULL },

    { "Kerberos without a keytab",
      { .protect = 1, NEGO, .internal = 1 }, KEYTAB_TEXT },
    { "Kerberos with an empty keytab",
      { .protect = 1, NEGO, .internal = 1, .keytab = "" }, KEYTAB_TEXT },
    { "Kerberos without internal networks", { .protect = 1, NEGO, KT },
      "\"ocs_auth_negotiate\" needs \"ocs_auth_internal_networks\": "
      "Kerberos is offered to internal clients only" },
    { "Kerberos on where nothing is protected",
      { .negotiate = 1, .ntlm = 1, .requirements = 1, OTHER }, NULL },

    { "NTLM, the first keytab", { KRB5, .ntlm = 1 }, NULL },
    { "NTLM, the same keytab again", { KRB5, .ntlm = 1, SAME }, NULL },
    { "NTLM with another keytab", { KRB5, .ntlm = 1, OTHER },
      "\"ocs_auth_ntlm\" needs the same \"ocs_auth_keytab\" everywhere it "
      "is on: \"/etc/other.keytab\" and \"" KEYTAB "\"" },
    { "NTLM off, another keytab", { KRB5, OTHER }, NULL },

    { "Kerberos with requirements and no directory",
      { KRB5, .requirements = 1 },
      "\"ocs_auth_negotiate\" with directory requirements needs "
      "\"ocs_auth_ldap\" in the same location: Kerberos users are looked "
      "up there" },
    { "Kerberos with requirements and a directory",
      { KRB5, .requirements = 1, .directory = 1 }, NULL },

    { "Kerberos passwords without a keytab",
      { SIGNIN, .krb5_password = 1 },
      "\"ocs_auth_kerberos_password\" needs \"ocs_auth_keytab\": the "
      "KDC's answer is checked with it" },
    { "Kerberos passwords with a keytab",
      { SIGNIN, .krb5_password = 1, KT }, NULL },
    { "Kerberos passwords, not a sign-in page",
      { .protect = 1, .krb5_password = 1 }, NULL },
    { "a sign-in page with nothing to check passwords",
      { SIGNIN },
      "\"ocs_auth_signin\" needs \"ocs_auth_user_file\", \"ocs_auth_ldap\" "
      "or \"ocs_auth_kerberos_password\"" },
    { "a sign-in page with a directory",
      { SIGNIN, .directory = 1 }, NULL },

    /* nginx has always told the first broken rule in this order */
    { "two faults: the sign-in address first",
      { SIGNIN, .signin_sip = 1 }, SIP_TEXT },
    { "two faults: the certificate before quick sign-in",
      { .protect = 1, .second = OCS_METHOD_CERT, .quick = 1 },
      "\"ocs_auth_second_factor certificate\" needs "
      "\"ocs_auth_certificate\"" },
    { "two faults: quick sign-in before a sign-in page's source",
      { SIGNIN, .quick = 1 }, QUICK_TEXT },
    { "two faults: the keytab before the internal networks",
      { .protect = 1, NEGO }, KEYTAB_TEXT },
    { "two faults: internal networks before the directory",
      { .protect = 1, NEGO, KT, .requirements = 1 },
      "\"ocs_auth_negotiate\" needs \"ocs_auth_internal_networks\": "
      "Kerberos is offered to internal clients only" },
};


static void
test_rules(void)
{
    int     rc;
    char    msg[OCS_CONF_MSG_MAX + 64];
    size_t  i;

    for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        memcpy(msg, "untouched", sizeof("untouched"));
        rc = ocs_conf_check(&rules[i].loc, msg, sizeof(msg));

        if (rules[i].msg == NULL) {
            is_int(rc, OCS_OK, "rule: %s: accepted", rules[i].name);
            is_str(msg, strlen(msg), "untouched",
                   "rule: %s: no message", rules[i].name);

        } else {
            is_int(rc, OCS_ERR_INVALID, "rule: %s: refused", rules[i].name);
            is_str(msg, strlen(msg), rules[i].msg,
                   "rule: %s: the message", rules[i].name);
        }
    }
}


static void
test_check_buffer(void)
{
    char            msg[16];
    ocs_conf_loc_t  c = { .signin = 1 };

    memset(msg, 'x', sizeof(msg));
    is_int(ocs_conf_check(&c, msg, sizeof(msg)), OCS_ERR_INVALID,
           "check: a short buffer still refuses");
    is_int(strlen(msg), sizeof(msg) - 1, "check: the message is cut");
    is_int(ocs_conf_check(&c, NULL, 0), OCS_ERR_INVALID,
           "check: no buffer at all");
}


#define SESSION  OCS_CONF_NEED_SESSION
#define GUARD    OCS_CONF_NEED_GUARD
#define THREADS  OCS_CONF_NEED_THREADS
#define NEED_KT  OCS_CONF_NEED_KEYTAB
#define NTLM     OCS_CONF_NEED_NTLM


typedef struct {
    const char       *name;
    ocs_conf_loc_t    loc;
    unsigned          need;
} need_case_t;


static const need_case_t  needs[] = {

    { "nothing here", { .lockout = 1 }, 0 },
    { "a directory alone", { .directory = 1, .lockout = 1 }, 0 },
    { "Kerberos alone, unprotected", { .negotiate = 1, .ntlm = 1 }, 0 },
    { "TOTP alone", { .totp = 1, .otp = 1 }, 0 },
    { "protected", { .protect = 1 }, SESSION },
    { "protected with a directory", { .protect = 1, .directory = 1 },
      SESSION | THREADS },
    { "a sign-in page", { SIGNIN, UFILE }, SESSION | GUARD | THREADS },
    { "a sign-in page, lockout off", { .signin = 1, UFILE },
      SESSION | THREADS },
    { "a sign-in page, lockout off, TOTP",
      { .signin = 1, .totp = 1 }, SESSION | GUARD | THREADS },
    { "a sign-in page, lockout off, OTP server",
      { .signin = 1, .otp = 1 }, SESSION | GUARD | THREADS },
    { "a sign-in page with Kerberos passwords",
      { SIGNIN, .krb5_password = 1 },
      SESSION | GUARD | THREADS | NEED_KT },
    { "Kerberos, protected", { KRB5 }, SESSION | THREADS | NEED_KT },
    { "Kerberos with NTLM", { KRB5, .ntlm = 1 },
      SESSION | THREADS | NEED_KT | NTLM },
    { "a quick sign-in page", { .quick = 1 }, SESSION },
    { "a quick sign-in page with Kerberos",
      { .quick = 1, .negotiate = 1, .ntlm = 1 },
      SESSION | THREADS | NEED_KT | NTLM },
};


static void
test_needs(void)
{
    size_t  i;

    for (i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
        is_int(ocs_conf_needs(&needs[i].loc), needs[i].need, "needs: %s",
               needs[i].name);
    }
}


typedef struct {
    const char   *value;
    const char   *url;           /* ocs_conf_check_url(), NULL: fine */
    const char   *redirect;      /* ocs_conf_check_redirect() */
} url_case_t;


#define NOT_URL   "must be a path starting with \"/\" or an https:// URL"
#define NOT_REDIR "must be a path or an http(s):// URL"
#define BAD_CHAR  "has a character not allowed in a URL"

static const url_case_t  urls[] = {
    { "/", NULL, NULL },
    { "/ocs/signin?x=1", NULL, NULL },
    { "https://sso.example.com/signin", NULL, NULL },
    { "HTTPS://sso.example.com/", NULL, NULL },
    { "http://example.com/", NOT_URL, NULL },
    { "", NOT_URL, NOT_REDIR },
    { "signin", NOT_URL, NOT_REDIR },
    { "https:/", NOT_URL, NOT_REDIR },
    { "ftp://example.com/", NOT_URL, NOT_REDIR },
    { "/a b", BAD_CHAR, BAD_CHAR },
    { "/a\"b", BAD_CHAR, NULL },
    { "/a\\b", BAD_CHAR, NULL },
    { "/a\x7f", BAD_CHAR, BAD_CHAR },
    { "/a\tb", BAD_CHAR, BAD_CHAR },
    { "/\xc3\xa9", NULL, NULL },
};


static void
test_urls(void)
{
    size_t       i, len;
    const char  *got;

    for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        len = strlen(urls[i].value);

        got = ocs_conf_check_url(urls[i].value, len);
        if (urls[i].url == NULL) {
            ok(got == NULL, "url \"%s\": accepted", urls[i].value);

        } else {
            ok(got != NULL && strcmp(got, urls[i].url) == 0,
               "url \"%s\": %s", urls[i].value, urls[i].url);
        }

        got = ocs_conf_check_redirect(urls[i].value, len);
        if (urls[i].redirect == NULL) {
            ok(got == NULL, "redirect \"%s\": accepted", urls[i].value);

        } else {
            ok(got != NULL && strcmp(got, urls[i].redirect) == 0,
               "redirect \"%s\": %s", urls[i].value, urls[i].redirect);
        }
    }
}


typedef struct {
    const char   *value;
    int           want;
} str_case_t;


static const str_case_t  return_hosts[] = {
    { "example.com", OCS_OK },
    { "example.com:8443", OCS_OK },
    { "[::1]:443", OCS_OK },
    { "example.com/", OCS_ERR_INVALID },
    { "user@example.com", OCS_ERR_INVALID },
};

static const str_case_t  app_logoffs[] = {
    { "/logout", OCS_OK },
    { "?logout", OCS_OK },
    { "?Cmd=logoff", OCS_OK },
    { "?", OCS_ERR_INVALID },
    { "", OCS_ERR_INVALID },
    { "logout", OCS_ERR_INVALID },
};

static const str_case_t  clear_sites[] = {
    { "cache", OCS_OK },
    { "storage", OCS_OK },
    { "cookies", OCS_OK },
    { "executionContexts", OCS_OK },
    { "*", OCS_OK },
    { "Cache", OCS_ERR_INVALID },
    { "cach", OCS_ERR_INVALID },
    { "caches", OCS_ERR_INVALID },
    { "", OCS_ERR_INVALID },
};


static void
test_values(void)
{
    size_t  i;

    for (i = 0; i < sizeof(return_hosts) / sizeof(return_hosts[0]); i++) {
        is_int(ocs_conf_check_return_host(return_hosts[i].value,
                                          strlen(return_hosts[i].value)),
               return_hosts[i].want, "return host \"%s\"",
               return_hosts[i].value);
    }

    for (i = 0; i < sizeof(app_logoffs) / sizeof(app_logoffs[0]); i++) {
        is_int(ocs_conf_check_app_logoff(app_logoffs[i].value,
                                         strlen(app_logoffs[i].value)),
               app_logoffs[i].want, "app logoff \"%s\"",
               app_logoffs[i].value);
    }

    for (i = 0; i < sizeof(clear_sites) / sizeof(clear_sites[0]); i++) {
        is_int(ocs_conf_check_clear_site(clear_sites[i].value,
                                         strlen(clear_sites[i].value)),
               clear_sites[i].want, "clear site data \"%s\"",
               clear_sites[i].value);
    }

    is_int(ocs_conf_check_port(0), OCS_ERR_INVALID, "port 0");
    is_int(ocs_conf_check_port(1), OCS_OK, "port 1");
    is_int(ocs_conf_check_port(443), OCS_OK, "port 443");
    is_int(ocs_conf_check_port(65535), OCS_OK, "port 65535");
    is_int(ocs_conf_check_port(65536), OCS_ERR_INVALID, "port 65536");
    is_int(ocs_conf_check_port(-1), OCS_ERR_INVALID, "port -1 (unparsed)");
}


typedef struct {
    const char   *value;
    int           rc;
    const char   *fragment;      /* NULL: none */
} site_case_t;


#define NAME_LEN  "needs a name of 1 to 256 bytes, or off"
#define CONTROL   "has a control character"

static const site_case_t  site_names[] = {
    { "Example Corp", OCS_OK, NULL },
    { "\xc3\x89" "cole \"&\" <b>", OCS_OK, NULL },
    { "", OCS_ERR_INVALID, NAME_LEN },
    { "a\tb", OCS_ERR_INVALID, CONTROL },
    { "a\x7f", OCS_ERR_INVALID, CONTROL },
};

static const site_case_t  site_logos[] = {
    { "/logo.png", OCS_OK, NULL },
    { "/a/b.svg?v=2", OCS_OK, NULL },
    { "/", OCS_ERR_INVALID, NULL },
    { "logo.png", OCS_ERR_INVALID, NULL },
    { "//evil.example/logo.png", OCS_ERR_INVALID, NULL },
    { "/\\evil.example/logo.png", OCS_ERR_INVALID, NULL },
    { "https://example.com/logo.png", OCS_ERR_INVALID, NULL },
    { "/a b.png", OCS_ERR_INVALID, BAD_CHAR },
    { "/\xc3\xa9.png", OCS_ERR_INVALID, BAD_CHAR },
};


static void
test_site(void)
{
    char         big[OCS_CONF_SITE_NAME_MAX + 1];
    size_t       i;
    const char  *got;

    for (i = 0; i < sizeof(site_names) / sizeof(site_names[0]); i++) {
        got = ocs_conf_check_site_name(site_names[i].value,
                                       strlen(site_names[i].value));
        ok(site_names[i].fragment == NULL
           ? got == NULL
           : got != NULL && strcmp(got, site_names[i].fragment) == 0,
           "site name \"%s\"", site_names[i].value);
    }

    memset(big, 'n', sizeof(big));
    ok(ocs_conf_check_site_name(big, OCS_CONF_SITE_NAME_MAX) == NULL,
       "site name of 256 bytes");
    ok(ocs_conf_check_site_name(big, sizeof(big)) != NULL,
       "site name of 257 bytes");

    for (i = 0; i < sizeof(site_logos) / sizeof(site_logos[0]); i++) {
        got = "untouched";
        is_int(ocs_conf_check_site_logo(site_logos[i].value,
                                        strlen(site_logos[i].value), &got),
               site_logos[i].rc, "site logo \"%s\"", site_logos[i].value);
        ok(site_logos[i].fragment == NULL
           ? got == NULL
           : got != NULL && strcmp(got, site_logos[i].fragment) == 0,
           "site logo \"%s\": fragment", site_logos[i].value);
    }
}


static void
test_hsts(void)
{
    char    out[OCS_CONF_HSTS_MAX];
    size_t  n;

    is_int(ocs_conf_hsts(31536000, 0, out, sizeof(out), &n), OCS_OK,
           "hsts: a year");
    is_str(out, n, "max-age=31536000", "hsts: the value");

    is_int(ocs_conf_hsts(0, 1, out, sizeof(out), &n), OCS_OK,
           "hsts: zero, with sub-domains");
    is_str(out, n, "max-age=0; includeSubDomains", "hsts: the value");

    is_int(ocs_conf_hsts(INT64_MAX, 1, out, sizeof(out), &n), OCS_OK,
           "hsts: the largest age fits OCS_CONF_HSTS_MAX");
    is_str(out, n, "max-age=9223372036854775807; includeSubDomains",
           "hsts: the largest value");

    is_int(ocs_conf_hsts(-1, 0, out, sizeof(out), &n), OCS_ERR_INVALID,
           "hsts: a negative age");
    is_int(ocs_conf_hsts(60, 0, out, 8, &n), OCS_ERR_SPACE,
           "hsts: a short buffer");
    is_int(n, 0, "hsts: nothing written");
}


typedef struct {
    const char   *arg;
    int           which;         /* -1: no parameter */
    const char   *value;
} param_case_t;


static const param_case_t  params[] = {
    { "account=3", OCS_CONF_LOCKOUT_ACCOUNT, "3" },
    { "address=100", OCS_CONF_LOCKOUT_ADDRESS, "100" },
    { "total=0", OCS_CONF_LOCKOUT_TOTAL, "0" },
    { "window=15m", OCS_CONF_LOCKOUT_WINDOW, "15m" },
    { "lock=1h", OCS_CONF_LOCKOUT_LOCK, "1h" },
    { "account=", -1, NULL },
    { "account", -1, NULL },
    { "Account=3", -1, NULL },
    { "accounts=3", -1, NULL },
    { "locked=3", -1, NULL },
    { "off", -1, NULL },
    { "", -1, NULL },
};


static void
test_lockout_params(void)
{
    int                      which;
    size_t                   i, vlen;
    const char              *value;
    const ocs_conf_param_t  *p;

    for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
        value = NULL;
        vlen = 0;

        which = ocs_conf_param_find(ocs_conf_lockout_params,
                                    OCS_CONF_LOCKOUT_PARAMS, params[i].arg,
                                    strlen(params[i].arg), &value, &vlen);

        is_int(which, params[i].which, "lockout \"%s\": which",
               params[i].arg);

        if (params[i].value != NULL && which >= 0) {
            is_str(value, vlen, params[i].value, "lockout \"%s\": value",
                   params[i].arg);
        }
    }

    p = ocs_conf_lockout_params;

    is_int(p[OCS_CONF_LOCKOUT_ACCOUNT].time, 0, "account is a count");
    is_int(p[OCS_CONF_LOCKOUT_WINDOW].time, 1, "window is a time");
    is_int(p[OCS_CONF_LOCKOUT_LOCK].time, 1, "lock is a time");

    is_int(ocs_conf_param_check(&p[OCS_CONF_LOCKOUT_ACCOUNT], 0),
           OCS_ERR_INVALID, "account=0 refused");
    is_int(ocs_conf_param_check(&p[OCS_CONF_LOCKOUT_ACCOUNT], 1), OCS_OK,
           "account=1 accepted");
    is_int(ocs_conf_param_check(&p[OCS_CONF_LOCKOUT_ADDRESS], 0),
           OCS_ERR_INVALID, "address=0 refused");
    is_int(ocs_conf_param_check(&p[OCS_CONF_LOCKOUT_TOTAL], 0), OCS_OK,
           "total=0 accepted (off)");
    is_int(ocs_conf_param_check(&p[OCS_CONF_LOCKOUT_TOTAL], -1),
           OCS_ERR_INVALID, "total unparsed refused");
    is_int(ocs_conf_param_check(&p[OCS_CONF_LOCKOUT_WINDOW], 0),
           OCS_ERR_INVALID, "window=0 refused");
    is_int(ocs_conf_param_check(&p[OCS_CONF_LOCKOUT_LOCK], 0),
           OCS_ERR_INVALID, "lock=0 refused");
    is_int(ocs_conf_param_check(&p[OCS_CONF_LOCKOUT_LOCK], 1), OCS_OK,
           "lock=1s accepted");

    is_str(OCS_CONF_LOCKOUT_USAGE, strlen(OCS_CONF_LOCKOUT_USAGE),
           "use account=N, address=N, total=N, window=TIME, lock=TIME or off",
           "lockout: the usage text");
}


typedef struct {
    const char  *in;
    int          rc;
    int64_t      value;
} parse_case_t;


static const parse_case_t  times[] = {
    { "90", OCS_OK, 90 },
    { "30s", OCS_OK, 30 },
    { "15m", OCS_OK, 900 },
    { "1h30m", OCS_OK, 5400 },
    { "1h 30m", OCS_OK, 5400 },
    { "7d", OCS_OK, 7 * 86400 },
    { "1w", OCS_OK, 7 * 86400 },
    { "1M", OCS_OK, 30 * 86400 },
    { "1y", OCS_OK, 365 * 86400 },
    { "0", OCS_OK, 0 },
    { "", OCS_ERR_INVALID, 0 },
    { " ", OCS_ERR_INVALID, 0 },
    { "h", OCS_ERR_INVALID, 0 },
    { "5x", OCS_ERR_INVALID, 0 },
    { "30m1h", OCS_ERR_INVALID, 0 },
    { "1h1h", OCS_ERR_INVALID, 0 },
    { "10 20", OCS_ERR_INVALID, 0 },
    { "-5", OCS_ERR_INVALID, 0 },
    { "99999999999", OCS_ERR_INVALID, 0 },
    { "100y", OCS_ERR_INVALID, 0 },
};


static const parse_case_t  sizes[] = {
    { "512", OCS_OK, 512 },
    { "64k", OCS_OK, 65536 },
    { "10m", OCS_OK, 10485760 },
    { "1g", OCS_OK, 1073741824 },
    { "1G", OCS_OK, 1073741824 },
    { "", OCS_ERR_INVALID, 0 },
    { "k", OCS_ERR_INVALID, 0 },
    { "1.5m", OCS_ERR_INVALID, 0 },
    { "-1", OCS_ERR_INVALID, 0 },
    { "99999999999999999g", OCS_ERR_INVALID, 0 },
};


static void
test_parse(void)
{
    size_t   i;
    int64_t  v;
    char     name[80];

    for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        v = -1;
        snprintf(name, sizeof(name), "time \"%s\"", times[i].in);
        is_int(ocs_conf_parse_time(times[i].in, strlen(times[i].in), &v),
               times[i].rc, "%s", name);

        if (times[i].rc == OCS_OK) {
            is_int(v, times[i].value, "%s", name);
        }
    }

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        v = -1;
        snprintf(name, sizeof(name), "size \"%s\"", sizes[i].in);
        is_int(ocs_conf_parse_size(sizes[i].in, strlen(sizes[i].in), &v),
               sizes[i].rc, "%s", name);

        if (sizes[i].rc == OCS_OK) {
            is_int(v, sizes[i].value, "%s", name);
        }
    }
}


int
main(void)
{
    test_defaults();
    test_rules();
    test_check_buffer();
    test_needs();
    test_urls();
    test_values();
    test_site();
    test_hsts();
    test_lockout_params();
    test_parse();

    return ocs_test_done();
}
