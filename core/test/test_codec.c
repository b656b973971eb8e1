/*
 * base64url (RFC 4648 section 10 vectors), percent-coding, form fields,
 * HTML escaping and templates, each with a table of bad inputs.
 */

#include <ocs_test.h>
#include <ocs/ocs_codec.h>


static void
test_b64url(void)
{
    static const struct {
        const char  *plain;
        const char  *encoded;
    } good[] = {
        { "", "" },
        { "f", "Zg" },
        { "fo", "Zm8" },
        { "foo", "Zm9v" },
        { "foob", "Zm9vYg" },
        { "fooba", "Zm9vYmE" },
        { "foobar", "Zm9vYmFy" },
        { "\xfb\xff\xbf", "-_-_" },
    };

    static const char  *bad[] = {
        "Z", "Zh", "Zm9=", "Zm+v", "Zm/v", "Zm 9", "Zm9vY", "Zm9v\n",
    };

    size_t          i, n;
    char            enc[64];
    unsigned char   dec[64];

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ok(ocs_b64url_encode((const unsigned char *) good[i].plain,
                             strlen(good[i].plain), enc, sizeof(enc), &n)
           == OCS_OK, "b64url encode \"%s\"", good[i].encoded);
        is_str(enc, n, good[i].encoded, "b64url encode value \"%s\"",
               good[i].encoded);

        ok(ocs_b64url_decode(good[i].encoded, strlen(good[i].encoded), dec,
                             sizeof(dec), &n)
           == OCS_OK, "b64url decode \"%s\"", good[i].encoded);
        is_str(dec, n, good[i].plain, "b64url decode value \"%s\"",
               good[i].encoded);
    }

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        is_int(ocs_b64url_decode(bad[i], strlen(bad[i]), dec, sizeof(dec),
                                 &n),
               OCS_ERR_INVALID, "b64url rejects bad input #%zu", i);
    }

    is_int(ocs_b64url_encode((const unsigned char *) "foobar", 6, enc, 7,
                             &n),
           OCS_ERR_SPACE, "b64url encode: short buffer");
    is_int(ocs_b64url_decode("Zm9vYmFy", 8, dec, 5, &n), OCS_ERR_SPACE,
           "b64url decode: short buffer");
}


static void
test_pct(void)
{
    static const struct {
        const char  *in;
        int          form;
        const char  *out;
    } good[] = {
        { "a%20b", 0, "a b" },
        { "a+b", 1, "a b" },
        { "a+b", 0, "a+b" },
        { "%2f%2F", 0, "//" },
        { "%5Cevil", 0, "\\evil" },
        { "caf%C3%A9", 0, "caf\xc3\xa9" },
    };

    static const char  *bad[] = { "%", "%4", "%zz", "a%00b", "%g0" };

    size_t  i, n;
    char    out[64];

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ok(ocs_pct_decode(good[i].in, strlen(good[i].in), good[i].form, out,
                          sizeof(out), &n)
           == OCS_OK, "pct decode \"%s\"", good[i].in);
        is_str(out, n, good[i].out, "pct decode value \"%s\"", good[i].in);
    }

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        is_int(ocs_pct_decode(bad[i], strlen(bad[i]), 0, out, sizeof(out),
                              &n),
               OCS_ERR_INVALID, "pct decode rejects \"%s\"", bad[i]);
    }

    ok(ocs_pct_encode("/a b?c=d&e", 10, out, sizeof(out), &n) == OCS_OK,
       "pct encode");
    is_str(out, n, "%2Fa%20b%3Fc%3Dd%26e", "pct encode value");
    is_int(ocs_pct_encode("//", 2, out, 5, &n), OCS_ERR_SPACE,
           "pct encode: short buffer");
}


static void
test_form_type(void)
{
    static const struct {
        const char  *in;
        int          ok;
    } cases[] = {
        { "application/x-www-form-urlencoded", 1 },
        { "Application/X-WWW-Form-URLEncoded", 1 },
        { "application/x-www-form-urlencoded; charset=UTF-8", 1 },
        { "application/x-www-form-urlencoded;charset=utf-8", 1 },
        { " application/x-www-form-urlencoded ", 1 },
        { "application/x-www-form-urlencodedx", 0 },
        { "application/x-www-form-urlencode", 0 },
        { "text/plain", 0 },
        { "multipart/form-data; boundary=x", 0 },
        { "application/json", 0 },
        { "", 0 },
        { "application/x-www-form-urlencoded, text/plain", 0 },
    };

    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(ocs_form_type_ok(cases[i].in, strlen(cases[i].in)),
               cases[i].ok, "form type \"%s\"", cases[i].in);
    }
}


static void
test_form(void)
{
    static const char  body[] =
        "username=CONTOSO%5Cbob&password=p%40ss+word%3A1&empty=&x"
        "&username=second";

    size_t  n;
    char    out[32], tiny[4];

    ok(ocs_form_field(body, sizeof(body) - 1, "username", out, sizeof(out),
                      &n) == OCS_OK, "form: first field wins");
    is_str(out, n, "CONTOSO\\bob", "form: decoded user");

    ok(ocs_form_field(body, sizeof(body) - 1, "password", out, sizeof(out),
                      &n) == OCS_OK, "form: password");
    is_str(out, n, "p@ss word:1", "form: decoded password");

    ok(ocs_form_field(body, sizeof(body) - 1, "empty", out, sizeof(out), &n)
       == OCS_OK && n == 0, "form: empty value");

    is_int(ocs_form_field(body, sizeof(body) - 1, "x", out, sizeof(out), &n),
           OCS_ERR_NOTFOUND, "form: name without '=' is not a field");

    /* an empty body as nginx has it (a POST to logoff without one) */
    is_int(ocs_form_field(NULL, 0, "csrf", out, sizeof(out), &n),
           OCS_ERR_NOTFOUND, "form: no body has no field");
    is_int(ocs_form_field(body, sizeof(body) - 1, "user", out, sizeof(out),
                          &n),
           OCS_ERR_NOTFOUND, "form: prefix is not a match");
    is_int(ocs_form_field(body, sizeof(body) - 1, "password", tiny,
                          sizeof(tiny), &n),
           OCS_ERR_SPACE, "form: value too long");
    is_int(ocs_form_field("a=%zz", 5, "a", out, sizeof(out), &n),
           OCS_ERR_INVALID, "form: bad escape");
    is_int(ocs_form_field("a=x%00y", 7, "a", out, sizeof(out), &n),
           OCS_ERR_INVALID, "form: NUL byte");
}


static void
test_html(void)
{
    size_t  n;
    char    out[64];

    ok(ocs_html_escape("<a href=\"x\">'&'</a>", 19, out, sizeof(out), &n)
       == OCS_OK, "html escape");
    is_str(out, n, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
           "html escape value");
    is_int(ocs_html_escape("<<", 2, out, 5, &n), OCS_ERR_SPACE,
           "html escape: short buffer");
}


static void
test_tpl(void)
{
    static const char  tpl[] =
        "<p>{{error}}</p><input value=\"{{user}}\">{{raw}}{{unknown}}{{x";

    ocs_tpl_var_t  vars[] = {
        { "error", "Bad <name>", 10, 0 },
        { "user", "\"><script>", 10, 0 },
        { "raw", "<b>", 3, 1 },
    };

    size_t  need, n;
    char    out[256];

    is_int(ocs_tpl_render(tpl, sizeof(tpl) - 1, vars, 3, NULL, 0, &need),
           OCS_ERR_SPACE, "tpl: sizing pass");

    ok(ocs_tpl_render(tpl, sizeof(tpl) - 1, vars, 3, out, sizeof(out), &n)
       == OCS_OK, "tpl: render");
    ok(n == need, "tpl: sizing pass gives the length");
    is_str(out, n,
           "<p>Bad &lt;name&gt;</p><input value=\"&quot;&gt;&lt;script&gt;\">"
           "<b>{{x", "tpl: values escaped, raw kept, unknown empty");

    is_int(ocs_tpl_render(tpl, sizeof(tpl) - 1, vars, 3, out, 10, &n),
           OCS_ERR_SPACE, "tpl: short buffer");
}


int
main(void)
{
    test_b64url();
    test_pct();
    test_form_type();
    test_form();
    test_html();
    test_tpl();

    return ocs_test_done();
}
