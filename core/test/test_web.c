/*
 * The web checks against tables of what browsers, scripts and attackers
 * send: Sec-Fetch-Site, Origin and Referer in every combination (other
 * ports, schemes and case, missing headers), what asks for a page, the
 * application sign-out patterns, and Set-Cookie values with a frozen
 * clock.
 */

#include <strings.h>

#include <ocs_test.h>
#include <ocs/ocs_web.h>
#include <ocs/ocs_cookie.h>


static ocs_test_env_data_t  env_data = { 1700000000, 9 };
static const ocs_env_t      env = { ocs_test_now, ocs_test_random, &env_data };


/*
 * A fake request: its headers, each "Name: value|".  The accessor
 * finds names without case, as servers do, and fails for names that
 * start with "Fail" to show that a failing accessor counts as no header.
 */
static int
test_hdr_get(void *data, const char *name, size_t name_len, size_t n,
    const char **value, size_t *value_len)
{
    size_t       i;
    const char  *p, *colon, *nl;

    if (name_len >= 4 && strncasecmp(name, "Fail", 4) == 0) {
        return OCS_ERR_SYS;
    }

    for (p = data; *p != '\0'; p = nl + 1) {
        nl = strchr(p, '|');
        colon = strchr(p, ':');

        if (nl == NULL || colon == NULL || colon > nl) {
            return OCS_ERR_NOTFOUND;
        }

        if ((size_t) (colon - p) != name_len
            || strncasecmp(p, name, name_len) != 0)
        {
            continue;
        }

        if (n-- > 0) {
            continue;
        }

        for (i = 1; colon + i < nl && colon[i] == ' '; i++) {
            /* void */
        }

        *value = colon + i;
        *value_len = (size_t) (nl - *value);

        return OCS_OK;
    }

    return OCS_ERR_NOTFOUND;
}


static void
test_accessor(void)
{
    ocs_hdr_t  hdr = { test_hdr_get,
                       (void *) "Sec-Fetch-Site: cross-site|"
                                "Sec-Fetch-Site: same-origin|" };
    ocs_hdr_t  none = { NULL, NULL };

    /* only the first of a header sent twice counts */
    is_int(ocs_web_same_site(&hdr, "a.example", 9, 0), 0,
           "accessor: first of two headers");
    is_int(ocs_web_cross_site(&hdr, "a.example", 9), 1,
           "accessor: first of two headers, cross");

    /* a server without headers to give */
    is_int(ocs_web_same_site(&none, "a.example", 9, 1), 0,
           "accessor: none: not same-site");
    is_int(ocs_web_cross_site(&none, "a.example", 9), 0,
           "accessor: none: not cross-site");
    is_int(ocs_web_wants_page(&none, 1), 1, "accessor: none: a page");
    is_int(ocs_web_same_site(NULL, "a.example", 9, 1), 0,
           "accessor: NULL: not same-site");
}


static void
test_same_site(void)
{
    size_t     i;
    ocs_hdr_t  hdr;

    static const struct {
        const char  *headers;
        const char  *host;
        int          siblings;
        int          want;
    } cases[] = {
        /* Fetch Metadata decides alone when it is there */
        { "Sec-Fetch-Site: same-origin|", "a.example", 0, 1 },
        { "Sec-Fetch-Site: SAME-ORIGIN|", "a.example", 0, 1 },
        { "Sec-Fetch-Site: none|", "a.example", 0, 1 },
        { "Sec-Fetch-Site: None|", "a.example", 1, 1 },
        { "Sec-Fetch-Site: same-site|", "a.example", 0, 0 },
        { "Sec-Fetch-Site: same-site|", "a.example", 1, 1 },
        { "Sec-Fetch-Site: cross-site|", "a.example", 1, 0 },
        { "Sec-Fetch-Site: same-origin |", "a.example", 0, 0 },
        { "Sec-Fetch-Site: same-originx|", "a.example", 0, 0 },
        { "Sec-Fetch-Site: |", "a.example", 0, 0 },
        { "Sec-Fetch-Site: cross-site|Referer: https://a.example/|",
          "a.example", 0, 0 },
        { "Sec-Fetch-Site: same-origin|Referer: https://evil.example/|",
          "a.example", 0, 1 },
        { "sec-fetch-site: same-origin|", "a.example", 0, 1 },

        /* without it, a Referer on this origin */
        { "Referer: https://a.example/logoff|", "a.example", 0, 1 },
        { "Referer: https://a.example|", "a.example", 0, 1 },
        { "Referer: HTTPS://A.Example/x?y|", "a.example", 0, 1 },
        { "Referer: https://a.example:8443/x|", "a.example:8443", 0, 1 },
        { "Referer: https://a.example:8443/x|", "a.example", 0, 0 },
        { "Referer: https://a.example/x|", "a.example:8443", 0, 0 },
        { "Referer: http://a.example/x|", "a.example", 0, 0 },
        { "Referer: https://a.example.evil/x|", "a.example", 0, 0 },
        { "Referer: https://b.a.example/x|", "a.example", 1, 0 },
        { "Referer: https://evil.example/a.example|", "a.example", 0, 0 },
        { "Referer: https://|", "a.example", 0, 0 },
        { "Referer: https:/|", "a.example", 0, 0 },
        { "Referer: |", "a.example", 0, 0 },
        { "Referer: https://a.example/|Referer: https://evil/|",
          "a.example", 0, 1 },
        { "Referer: https://evil/|Referer: https://a.example/|",
          "a.example", 0, 0 },

        /* nothing said: not same-site */
        { "", "a.example", 0, 0 },
        { "", "a.example", 1, 0 },
        { "Origin: https://a.example|", "a.example", 0, 0 },
        { "Accept: text/html|", "a.example", 0, 0 },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        hdr.get = test_hdr_get;
        hdr.data = (void *) cases[i].headers;

        is_int(ocs_web_same_site(&hdr, cases[i].host, strlen(cases[i].host),
                                 cases[i].siblings),
               cases[i].want, "same-site %zu: \"%s\" on %s%s", i,
               cases[i].headers, cases[i].host,
               cases[i].siblings ? " (siblings)" : "");
    }
}


static void
test_cross_site(void)
{
    size_t     i;
    ocs_hdr_t  hdr;

    static const struct {
        const char  *headers;
        const char  *host;
        int          want;
    } cases[] = {
        { "", "a.example", 0 },
        { "Origin: https://a.example|", "a.example", 0 },
        { "Origin: HTTPS://A.EXAMPLE|", "a.example", 0 },
        { "Origin: https://a.example:8443|", "a.example:8443", 0 },
        { "Origin: https://a.example:8443|", "a.example", 1 },
        { "Origin: https://a.example|", "a.example:8443", 1 },
        { "Origin: http://a.example|", "a.example", 1 },
        { "Origin: https://evil.example|", "a.example", 1 },
        { "Origin: https://a.example.evil|", "a.example", 1 },
        { "Origin: https://b.a.example|", "a.example", 1 },
        { "Origin: null|", "a.example", 1 },
        { "Origin: |", "a.example", 1 },
        { "Origin: https://a.example/|", "a.example", 1 },
        { "Sec-Fetch-Site: cross-site|", "a.example", 1 },
        { "Sec-Fetch-Site: Cross-Site|", "a.example", 1 },
        { "Sec-Fetch-Site: same-site|", "a.example", 0 },
        { "Sec-Fetch-Site: same-origin|", "a.example", 0 },
        { "Sec-Fetch-Site: none|", "a.example", 0 },
        { "Sec-Fetch-Site: cross-sitex|", "a.example", 0 },
        { "Origin: https://a.example|Sec-Fetch-Site: cross-site|",
          "a.example", 1 },
        { "Origin: https://evil.example|Sec-Fetch-Site: same-origin|",
          "a.example", 1 },
        { "Referer: https://evil.example/|", "a.example", 0 },
        { "Failing: x|", "a.example", 0 },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        hdr.get = test_hdr_get;
        hdr.data = (void *) cases[i].headers;

        is_int(ocs_web_cross_site(&hdr, cases[i].host, strlen(cases[i].host)),
               cases[i].want, "cross-site %zu: \"%s\" on %s", i,
               cases[i].headers, cases[i].host);
    }

    is_int(ocs_web_origin_is("https://a", 9, "a", 1), 1, "origin is: short");
    is_int(ocs_web_origin_is("https:/", 7, "", 0), 0, "origin is: too short");
    is_int(ocs_web_origin_is("https://", 8, "", 0), 1,
           "origin is: empty host matches empty");
}


static void
test_wants_page(void)
{
    size_t     i;
    ocs_hdr_t  hdr;

    static const struct {
        const char  *headers;
        int          get_or_head;
        int          want;
    } cases[] = {
        { "", 1, 1 },
        { "", 0, 0 },
        { "Accept: text/html,application/xhtml+xml|", 1, 1 },
        { "Accept: text/html,application/xhtml+xml|", 0, 0 },
        { "Accept: */*|", 1, 1 },
        { "Accept: application/json|", 1, 0 },
        { "Accept: Application/JSON|", 1, 0 },
        { "Accept: application/json, text/plain, */*|", 1, 0 },
        { "Accept: application/json, text/html|", 1, 1 },
        { "Accept: TEXT/HTML;q=0.1, application/json|", 1, 1 },
        { "Accept: application/jso|", 1, 1 },
        { "Accept: application/json-seq|", 1, 0 },
        { "X-Requested-With: XMLHttpRequest|", 1, 0 },
        { "X-Requested-With: xmlhttprequest|", 1, 0 },
        { "X-Requested-With: XMLHttpRequest2|", 1, 1 },
        { "X-Requested-With: com.example.app|", 1, 1 },
        { "X-Requested-With: XMLHttpRequest|Accept: text/html|", 1, 0 },
        { "Accept: text/html|Accept: application/json|", 1, 1 },
        { "Accept: application/json|Accept: text/html|", 1, 0 },
        { "Sec-Fetch-Mode: cors|", 1, 1 },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        hdr.get = test_hdr_get;
        hdr.data = (void *) cases[i].headers;

        is_int(ocs_web_wants_page(&hdr, cases[i].get_or_head), cases[i].want,
               "wants a page %zu: \"%s\"%s", i, cases[i].headers,
               cases[i].get_or_head ? "" : " (POST)");
    }
}


static void
test_args(void)
{
    size_t       i, len;
    const char  *v;

    static const struct {
        const char  *args;
        const char  *name;
        int          rc;
        const char  *value;
        int          has;
    } cases[] = {
        { "a=1", "a", OCS_OK, "1", 1 },
        { "A=1", "a", OCS_OK, "1", 1 },
        { "b=2&a=1&a=3", "a", OCS_OK, "1", 1 },
        { "a=", "a", OCS_OK, "", 1 },
        { "a=&b", "a", OCS_OK, "", 1 },
        { "a", "a", OCS_ERR_NOTFOUND, NULL, 1 },
        { "a&b=1", "a", OCS_ERR_NOTFOUND, NULL, 1 },
        { "ab=1", "a", OCS_ERR_NOTFOUND, NULL, 0 },
        { "ba=1", "a", OCS_ERR_NOTFOUND, NULL, 0 },
        { "b=a=1", "a", OCS_ERR_NOTFOUND, NULL, 0 },
        { "b=1;a=2", "a", OCS_ERR_NOTFOUND, NULL, 0 },
        { "ba=1&a=2", "a", OCS_OK, "2", 1 },
        { "&&a=x=y", "a", OCS_OK, "x=y", 1 },
        { "", "a", OCS_ERR_NOTFOUND, NULL, 0 },
        { "cmd=logoff", "Cmd", OCS_OK, "logoff", 1 },
        { "logout", "logout", OCS_ERR_NOTFOUND, NULL, 1 },
        { "logout&x", "logout", OCS_ERR_NOTFOUND, NULL, 1 },
        { "logoutx", "logout", OCS_ERR_NOTFOUND, NULL, 0 },
        { "x&logout", "logout", OCS_ERR_NOTFOUND, NULL, 1 },
        { "x=logout", "logout", OCS_ERR_NOTFOUND, NULL, 0 },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        v = NULL;
        len = 0;

        is_int(ocs_web_arg(cases[i].args, strlen(cases[i].args),
                           cases[i].name, strlen(cases[i].name), &v, &len),
               cases[i].rc, "arg %zu: %s in \"%s\"", i, cases[i].name,
               cases[i].args);

        if (cases[i].value != NULL) {
            is_str(v, len, cases[i].value, "arg %zu: value", i);
        }

        is_int(ocs_web_has_arg(cases[i].args, strlen(cases[i].args),
                               cases[i].name, strlen(cases[i].name)),
               cases[i].has, "has arg %zu: %s in \"%s\"", i, cases[i].name,
               cases[i].args);
    }

    /* only len bytes count: an '=' after them is not looked at */
    is_int(ocs_web_arg("a=", 1, "a", 1, &v, &len), OCS_ERR_NOTFOUND,
           "arg: '=' past the end does not count");
    is_int(ocs_web_arg("a=1", 3, "", 0, &v, &len), OCS_ERR_NOTFOUND,
           "arg: empty name");

    /* no query string, as nginx has it: NULL, 0 */
    is_int(ocs_web_arg(NULL, 0, "a", 1, &v, &len), OCS_ERR_NOTFOUND,
           "arg: no query string");
    is_int(ocs_web_has_arg(NULL, 0, "a", 1), 0, "has arg: no query string");
}


static void
test_app_logoff(void)
{
    size_t  i;

    static const struct {
        const char  *pattern;
        const char  *uri;
        const char  *args;
        int          want;
    } cases[] = {
        { "/logout", "/logout", "", 1 },
        { "/logout", "/logout", "x=1", 1 },
        { "/logout", "/Logout", "", 0 },
        { "/logout", "/logout/", "", 0 },
        { "/logout", "/logou", "", 0 },
        { "/logout", "/app/logout", "", 0 },
        { "/logout", "/", "logout", 0 },
        { "?Cmd=logoff", "/owa/", "Cmd=logoff", 1 },
        { "?Cmd=logoff", "/owa/", "cmd=LOGOFF", 1 },
        { "?Cmd=logoff", "/owa/", "a=1&Cmd=logoff&b=2", 1 },
        { "?Cmd=logoff", "/owa/", "Cmd=logoffx", 0 },
        { "?Cmd=logoff", "/owa/", "Cmd=logof", 0 },
        { "?Cmd=logoff", "/owa/", "Cmd=", 0 },
        { "?Cmd=logoff", "/owa/", "Cmd", 0 },
        { "?Cmd=logoff", "/owa/", "xCmd=logoff", 0 },
        { "?Cmd=logoff", "/owa/", "Cmd=open&Cmd=logoff", 0 },
        { "?Cmd=logoff", "/Cmd=logoff", "", 0 },
        { "?Cmd=", "/", "Cmd=", 1 },
        { "?Cmd=", "/", "Cmd=x", 0 },
        { "?logout", "/", "logout", 1 },
        { "?logout", "/", "LOGOUT", 1 },
        { "?logout", "/", "logout=1", 1 },
        { "?logout", "/", "a&logout", 1 },
        { "?logout", "/", "logouts", 0 },
        { "?logout", "/", "x=logout", 0 },
        { "?logout", "/logout", "", 0 },
        { "", "/", "", 0 },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(ocs_web_app_logoff(cases[i].pattern, strlen(cases[i].pattern),
                                  cases[i].uri, strlen(cases[i].uri),
                                  cases[i].args, strlen(cases[i].args)),
               cases[i].want, "app logoff %zu: %s for %s?%s", i,
               cases[i].pattern, cases[i].uri, cases[i].args);
    }

    is_int(ocs_web_app_logoff("?Cmd=logoff", 11, "/", 1, NULL, 0), 0,
           "app logoff: no query string");
    is_int(ocs_web_app_logoff("?logout", 7, "/", 1, NULL, 0), 0,
           "app logoff: no query string, a bare argument");
}


static void
test_cookie_format(void)
{
    char          out[512];
    size_t        i, n;
    ocs_cookie_t  c;

    static const struct {
        const char  *name;
        const char  *value;
        const char  *domain;
        const char  *path;
        const char  *same_site;
        int64_t      max_age;
        int64_t      now;
        int          rc;
        const char  *want;
    } cases[] = {
        { "ocs_ticket", "T", "", "/", "Lax", -1, 1700000000, OCS_OK,
          "ocs_ticket=T; Path=/; Secure; HttpOnly; SameSite=Lax" },
        { "ocs_ticket", "T", "example.com", "/", "Lax", -1, 1700000000,
          OCS_OK,
          "ocs_ticket=T; Path=/; Domain=example.com; Secure; HttpOnly; "
          "SameSite=Lax" },
        { "ocs_ticket", "", "example.com", "/", "Lax", 0, 1700000000,
          OCS_OK,
          "ocs_ticket=; Path=/; Domain=example.com; Max-Age=0; "
          "Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly; "
          "SameSite=Lax" },
        { "__Host-ocs_csrf", "n", "", "/", "Strict", 3600, 1700000000,
          OCS_OK,
          "__Host-ocs_csrf=n; Path=/; Max-Age=3600; "
          "Expires=Tue, 14-Nov-23 23:13:20 GMT; Secure; HttpOnly; "
          "SameSite=Strict" },
        { "a", "b", "", "/", "Lax", 1, 2147483646, OCS_OK,
          "a=b; Path=/; Max-Age=1; Expires=Tue, 19-Jan-2038 03:14:07 GMT; "
          "Secure; HttpOnly; SameSite=Lax" },
        { "a", "b", "", "/", "Lax", 630720000, 1700000000, OCS_OK,
          "a=b; Path=/; Max-Age=630720000; "
          "Expires=Mon, 09-Nov-2043 22:13:20 GMT; "
          "Secure; HttpOnly; SameSite=Lax" },
        { "a", "b", "", "/", "Lax", 86400, 951696000, OCS_OK,
          "a=b; Path=/; Max-Age=86400; Expires=Tue, 29-Feb-00 00:00:00 GMT; "
          "Secure; HttpOnly; SameSite=Lax" },
        { "a", "b", "", "/", "Lax", 86400, 4107456000, OCS_OK,
          "a=b; Path=/; Max-Age=86400; Expires=Mon, 01-Mar-2100 00:00:00 GMT; "
          "Secure; HttpOnly; SameSite=Lax" },
        { "a", "b", "", "/", "Lax", INT64_MAX, 1700000000, OCS_OK,
          "a=b; Path=/; Max-Age=9223372036854775807; "
          "Expires=Fri, 31-Dec-9999 23:59:59 GMT; "
          "Secure; HttpOnly; SameSite=Lax" },
        { "__Secure-ocs_note", "v", "", "/signin", "Strict", 60, 1700000000,
          OCS_OK,
          "__Secure-ocs_note=v; Path=/signin; Max-Age=60; "
          "Expires=Tue, 14-Nov-23 22:14:20 GMT; Secure; HttpOnly; "
          "SameSite=Strict" },
        { "x", "", "", "", "Lax", -1, 0, OCS_OK,
          "x=; Path=; Secure; HttpOnly; SameSite=Lax" },

        /* what a browser would drop is refused */
        { "__Host-ocs_ticket", "T", "example.com", "/", "Lax", -1,
          1700000000, OCS_ERR_INVALID, NULL },
        { "__host-ocs_ticket", "T", "example.com", "/", "Lax", -1,
          1700000000, OCS_ERR_INVALID, NULL },
        { "__Host-ocs_note", "v", "", "/signin", "Strict", 60, 1700000000,
          OCS_ERR_INVALID, NULL },
        { "__Host-ocs_note", "v", "", "", "Strict", 60, 1700000000,
          OCS_ERR_INVALID, NULL },
        { "__Host-ocs_ticket", "T", "", "/", "Lax", -1, 1700000000, OCS_OK,
          "__Host-ocs_ticket=T; Path=/; Secure; HttpOnly; SameSite=Lax" },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        c.name = cases[i].name;
        c.name_len = strlen(cases[i].name);
        c.value = cases[i].value;
        c.value_len = strlen(cases[i].value);
        c.domain = cases[i].domain;
        c.domain_len = strlen(cases[i].domain);
        c.path = cases[i].path;
        c.path_len = strlen(cases[i].path);
        c.same_site = cases[i].same_site;
        c.same_site_len = strlen(cases[i].same_site);
        c.max_age = cases[i].max_age;

        env_data.now = cases[i].now;
        n = 0;

        is_int(ocs_cookie_format(&c, &env, out, sizeof(out), &n),
               cases[i].rc, "cookie %zu: %s rc", i, cases[i].name);

        if (cases[i].want != NULL) {
            is_str(out, n, cases[i].want, "cookie %zu: %s", i,
                   cases[i].name);
            ok(n < ocs_cookie_format_len(&c), "cookie %zu: within the bound",
               i);

            /* the bound is enough, one byte less is not */
            is_int(ocs_cookie_format(&c, &env, out,
                                     ocs_cookie_format_len(&c), &n),
                   OCS_OK, "cookie %zu: the bound is enough", i);
            is_int(ocs_cookie_format(&c, &env, out,
                                     ocs_cookie_format_len(&c) - 1, &n),
                   OCS_ERR_SPACE, "cookie %zu: less is refused", i);
        }
    }

    env_data.now = 1700000000;

    is_int(ocs_cookie_host_prefixed("__Host-", 7), 1, "host prefix: bare");
    is_int(ocs_cookie_host_prefixed("__HOST-x", 8), 1, "host prefix: case");
    is_int(ocs_cookie_host_prefixed("__Host", 6), 0, "host prefix: short");
    is_int(ocs_cookie_host_prefixed("__Secure-x", 10), 0,
           "host prefix: secure");
    is_int(ocs_cookie_host_prefixed("x__Host-", 8), 0,
           "host prefix: not at the start");
}


static void
test_security_headers(void)
{
    size_t                   n;
    const ocs_web_header_t  *h;

    static const char  *names[] = { "Cache-Control", "X-Frame-Options",
                                    "Content-Security-Policy",
                                    "X-Content-Type-Options",
                                    "Referrer-Policy" };

    for (n = 0, h = ocs_web_security_headers; h->name != NULL; n++, h++) {
        if (n < 5) {
            is_str(h->name, h->name_len, names[n], "security header %zu", n);
        }

        is_int(h->value_len, strlen(h->value), "security header %zu: length",
               n);
    }

    is_int(n, 5, "security headers: five");
    is_str(ocs_web_security_headers[2].value,
           ocs_web_security_headers[2].value_len,
           "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
           "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
           "security headers: the policy");
}


int
main(void)
{
    test_accessor();
    test_same_site();
    test_cross_site();
    test_wants_page();
    test_args();
    test_app_logoff();
    test_cookie_format();
    test_security_headers();

    return ocs_test_done();
}
