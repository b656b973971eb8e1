/*
 * The servers' sentences: every OCS_MSG_* has its entry, a title and a
 * text, no markup, plain bodies ending in one newline; the texts the
 * integration tests read, byte for byte; the lockout lines; and the
 * Kerberos fallback page in the layout, with its head.
 */

#include <ocs_test.h>

#include <ocs/ocs_pages.h>


static size_t
render(const char *tpl, size_t len, const ocs_tpl_var_t *vars, size_t n,
    char *out, size_t outlen)
{
    size_t  got;

    if (ocs_tpl_render(tpl, len, vars, n, out, outlen - 1, &got) != OCS_OK) {
        return (size_t) -1;
    }

    out[got] = '\0';

    return got;
}


/* no byte that HTML would read as markup, no control character */
static int
safe(const char *s, size_t len, int newline_at_end)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (s[i] == '<' || s[i] == '>' || s[i] == '&' || s[i] == '"') {
            return 0;
        }

        if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f) {
            if (!(newline_at_end && s[i] == '\n' && i == len - 1)) {
                return 0;
            }
        }
    }

    return 1;
}


static void
test_table(void)
{
    int               id;
    char              out[1024];
    size_t            n, len;
    const char       *body;
    const ocs_msg_t  *m;
    ocs_tpl_var_t     vars[2];

    ok(ocs_msg(-1) == NULL, "no message -1");
    ok(ocs_msg(OCS_MSG_N) == NULL, "no message past the last");

    body = ocs_page(OCS_PAGE_MESSAGE, &len);

    for (id = 0; id < OCS_MSG_N; id++) {
        m = ocs_msg(id);

        if (!ok(m != NULL, "message %d: has an entry", id)) {
            continue;
        }

        ok(m->title != NULL && m->title_len > 0
           && m->title_len == strlen(m->title),
           "message %d: a title", id);
        ok(m->text != NULL && m->text_len > 0
           && m->text_len == strlen(m->text),
           "message %d: a text", id);
        ok(safe(m->title, m->title_len, 0), "message %d: a plain title", id);
        ok(safe(m->text, m->text_len, m->plain),
           "message %d: no markup in the text", id);

        if (m->plain) {
            ok(m->text[m->text_len - 1] == '\n',
               "message %d: a text/plain body ends its line", id);
            continue;
        }

        ok(m->text[m->text_len - 1] == '.' || m->text[m->text_len - 1] == '?',
           "message %d: a sentence", id);

        /* escaped on the page, so it reads there as it is written */
        vars[0] = (ocs_tpl_var_t) { "title", m->title, m->title_len,
                                    OCS_TPL_TEXT };
        vars[1] = (ocs_tpl_var_t) { "message", m->text, m->text_len,
                                    OCS_TPL_TEXT };
        n = render(body, len, vars, 2, out, sizeof(out));
        ok(n != (size_t) -1 && strchr(out, '\'') == NULL
           && strstr(out, "<h1>") != NULL,
           "message %d: rendered, an apostrophe escaped", id);
    }
}


static void
test_texts(void)
{
    size_t            i;
    const ocs_msg_t  *m;

    /* what the integration tests and users' scripts read */
    static const struct {
        int          id;
        int          plain;
        const char  *title;
        const char  *text;
    } cases[] = {
        { OCS_MSG_SIGNIN, 0, "Sign in", NULL },
        { OCS_MSG_SIGNIN_FAILED, 0, "Sign in",
          "The user name or password is incorrect." },
        { OCS_MSG_SIGNIN_EXPIRED, 0, NULL,
          "The sign-in page had expired. Please sign in again." },
        { OCS_MSG_SIGNIN_CROSS_SITE, 0, "Sign-in refused",
          "The sign-in form was sent from another site." },
        { OCS_MSG_SIGNIN_NOT_SET_UP, 0, "Sign-in unavailable",
          "The sign-in page is not set up. Please tell the administrator." },
        { OCS_MSG_SIGNIN_REQUIRED, 1, NULL, "Sign-in required.\n" },
        { OCS_MSG_BUSY, 0, "Sign-in unavailable",
          "The sign-in service is busy. Please try again in a moment." },
        { OCS_MSG_STEP, 0, "Second step", NULL },
        { OCS_MSG_STEP_CROSS_SITE, 0, "Sign-in refused",
          "The form was sent from another site." },
        { OCS_MSG_STEP_SIGNOUT_REFUSED, 0, "Sign-out refused",
          "The sign-out request did not come from this site's page." },
        { OCS_MSG_STEP_SIGNED_OUT, 0, NULL, "You have signed out." },
        { OCS_MSG_NEGOTIATE_FALLBACK, 0, "Sign in",
          "This browser did not sign you in with your Windows account." },
        { OCS_MSG_NEGOTIATE_FAILED, 0, "Access denied",
          "Windows sign-in failed." },
        { OCS_MSG_NEGOTIATE_UNAVAILABLE, 0, "Sign-in unavailable",
          "Windows sign-in failed." },
        { OCS_MSG_NEGOTIATE_CONTINUES, 0, "Signing in",
          "Windows sign-in continues." },
        { OCS_MSG_ACCESS_DENIED, 0, "Access denied", NULL },
        { OCS_MSG_LOGOFF, 0, "Sign out", "Do you want to sign out?" },
        { OCS_MSG_LOGOFF_EVERYWHERE, 0, "Sign out",
          "Do you want to sign out everywhere, on every device?" },
        { OCS_MSG_LOGOFF_SIGNED_OUT, 0, "Signed out", NULL },
        { OCS_MSG_LOGOFF_REFUSED, 0, "Sign-out refused",
          "The sign-out request did not come from this site's sign-out "
          "page." },
        { OCS_MSG_ADMIN, 0, "End a user's sessions",
          "Enter the user name whose sessions to end." },
        { OCS_MSG_ADMIN_NO_USER, 0, "End a user's sessions",
          "Enter a user name." },
        { OCS_MSG_ADMIN_SIGN_IN, 0, "Sign in first",
          "Only a signed-in administrator can end other users' sessions." },
        { OCS_MSG_ADMIN_NOT_ADMIN, 0, "Not an administrator",
          "Your account may not end other users' sessions." },
        { OCS_MSG_ADMIN_REFUSED, 0, "Request refused",
          "The request did not come from this site's form." },
        { OCS_MSG_LOCKOUT_USAGE, 1, NULL,
          "use clear=all, clear=user NAME or clear=address ADDRESS\n" },
        { OCS_MSG_LOCKOUT_EMPTY, 1, NULL,
          "no locks and no failed sign-ins counted\n" },
        { OCS_MSG_HTTPS_ONLY, 1, NULL,
          "This service accepts requests over HTTPS only.\n" },
        { OCS_MSG_REDIRECTING, 1, NULL, "Redirecting.\n" },
        { OCS_MSG_FORM_TYPE, 0, "Unsupported form",
          "The form must be sent as application/x-www-form-urlencoded." },
        { OCS_MSG_SIGNIN_IN_FLIGHT, 0, "Sign in",
          "Too many sign-ins at once. Please try again in a moment." },
        { OCS_MSG_PASS_HTTP11, 0, "HTTP/1.1 required",
          "This service authenticates the connection with NTLM or "
          "Kerberos, which HTTP/2 cannot carry. Connect again with "
          "HTTP/1.1." },
        { OCS_MSG_PASS_BUSY, 0, "Service busy",
          "The server has as many authenticated connections open as it "
          "allows. Please try again in a few minutes." },
        { OCS_MSG_CONF_KEY_REQUIRED, 1, NULL,
          "Conference key required.\n" },
        { OCS_MSG_CONF_NOT_MEMBER, 1, NULL,
          "Not part of this conference.\n" },
        { OCS_MSG_CONF_MALFORMED, 1, NULL,
          "Malformed Authorization header.\n" },
        { OCS_MSG_CONF_WRONG_URI, 1, NULL,
          "Authorization header not for this location.\n" },
        { OCS_MSG_CONF_LOCKED, 1, NULL,
          "Too many failed attempts; try again later.\n" },
        { OCS_MSG_JOIN, 0, "Join a conference",
          "Enter the conference ID and key you were given." },
        { OCS_MSG_JOIN_CROSS_SITE, 0, "Join refused",
          "The form was sent from another site." },
        { OCS_MSG_JOIN_EXPIRED, 0, "Join refused",
          "The form has expired. Please open the join page again." },
        { OCS_MSG_JOIN_BUSY, 0, "Join unavailable",
          "The service is busy. Please try again in a moment." },
        { OCS_MSG_JOIN_FAILED, 0, "Join a conference",
          "The conference ID or key is not right." },
    };

    ok(sizeof(cases) / sizeof(cases[0]) == OCS_MSG_N,
       "texts: every message pinned");

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        m = ocs_msg(cases[i].id);

        if (!ok(m != NULL, "texts: message %d", cases[i].id)) {
            continue;
        }

        ok(m->plain == cases[i].plain, "texts: message %d is %s",
           cases[i].id, cases[i].plain ? "plain" : "a page");

        if (cases[i].title != NULL) {
            is_str(m->title, m->title_len, cases[i].title,
                   "texts: title of %d", cases[i].id);
        }

        if (cases[i].text != NULL) {
            is_str(m->text, m->text_len, cases[i].text,
                   "texts: text of %d", cases[i].id);
        }
    }
}


static void
test_lockout(void)
{
    char  out[128];

    ok(ocs_page_lockout_head(1714564800, out, sizeof(out)) == OCS_OK,
       "lockout head");
    is_str(out, strlen(out), "# sign-in locks and failure counts at "
           "2024-05-01T12:00:00Z; times in UTC\n", "lockout head: text");
    is_int(ocs_page_lockout_head(0, out, 20), OCS_ERR_SPACE,
           "lockout head: short buffer");

    ok(ocs_page_lockout_cleared(3, out, sizeof(out)) == OCS_OK,
       "lockout cleared");
    is_str(out, strlen(out), "cleared 3\n", "lockout cleared: text");
    ok(ocs_page_lockout_cleared(0, out, sizeof(out)) == OCS_OK
       && strcmp(out, "cleared 0\n") == 0, "lockout cleared: none");
    is_int(ocs_page_lockout_cleared(12345, out, 8), OCS_ERR_SPACE,
           "lockout cleared: short buffer");
}


static void
test_locked(void)
{
    size_t  i;
    char    out[128];

    static const struct {
        int64_t      left;
        const char  *text;
    } cases[] = {
        { 1, "Too many failed sign-ins. Please wait 1 minute and try "
             "again." },
        { 60, "Too many failed sign-ins. Please wait 1 minute and try "
              "again." },
        { 61, "Too many failed sign-ins. Please wait 2 minutes and try "
              "again." },
        { 900, "Too many failed sign-ins. Please wait 15 minutes and try "
               "again." },
        { 0, "Too many failed sign-ins. Please wait 1 minute and try "
             "again." },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ok(ocs_page_locked_message(cases[i].left, out, sizeof(out))
           == OCS_OK, "locked %lld s", (long long) cases[i].left);
        is_str(out, strlen(out), cases[i].text, "locked %lld s: text",
               (long long) cases[i].left);
    }

    is_int(ocs_page_locked_message(60, out, 10), OCS_ERR_SPACE,
           "locked: short buffer");
}


static void
test_fallback(void)
{
    char              out[8192];
    size_t            n, len, blen, hlen;
    const char       *layout, *body, *head, *p;
    const ocs_msg_t  *m;
    ocs_tpl_var_t     vars[5 + OCS_PAGE_SITE_VARS];

    static const char  url[] = "/ocs/signin?r=%2Fapp%2F&x=\"1\"";

    layout = ocs_page(OCS_PAGE_LAYOUT, &len);
    body = ocs_page(OCS_PAGE_FALLBACK, &blen);
    head = ocs_page(OCS_PAGE_PART_REFRESH, &hlen);
    m = ocs_msg(OCS_MSG_NEGOTIATE_FALLBACK);

    if (!ok(layout != NULL && body != NULL && head != NULL && m != NULL,
            "fallback: the page, its head, its message"))
    {
        return;
    }

    vars[0] = (ocs_tpl_var_t) { "title", m->title, m->title_len,
                                OCS_TPL_TEXT };
    vars[1] = (ocs_tpl_var_t) { "message", m->text, m->text_len,
                                OCS_TPL_TEXT };
    vars[2] = (ocs_tpl_var_t) { "signin", url, sizeof(url) - 1,
                                OCS_TPL_TEXT };
    vars[3] = (ocs_tpl_var_t) { "head", head, hlen, OCS_TPL_NESTED };
    ocs_page_site("Contoso", 7, NULL, 0, vars + 4);
    vars[4 + OCS_PAGE_SITE_VARS] =
        (ocs_tpl_var_t) { "content", body, blen, OCS_TPL_NESTED };

    n = render(layout, len, vars, 5 + OCS_PAGE_SITE_VARS, out, sizeof(out));
    ok(n != (size_t) -1, "fallback: rendered");

    p = strstr(out, "<meta http-equiv=\"refresh\" content=\"0; "
                    "url=/ocs/signin?r=%2Fapp%2F&amp;x=&quot;1&quot;\">\n"
                    "</head>");
    ok(p != NULL, "fallback: the refresh in the head, escaped");
    ok(strstr(out, "<title>Sign in \xe2\x80\x93 Contoso</title>") != NULL,
       "fallback: the site's name in the title");
    ok(strstr(out, "<p class=\"site\">Contoso</p>\n<h1>Sign in</h1>\n")
       != NULL, "fallback: the site's name above the heading");
    ok(strstr(out, "<p>This browser did not sign you in with your Windows "
                   "account. <a href=\"/ocs/signin?r=%2Fapp%2F&amp;"
                   "x=&quot;1&quot;\">Sign in with your user name and "
                   "password</a>.</p>\n") != NULL,
       "fallback: the link to the form, escaped");

    /* every other page: no head of its own, the layout as it was */
    n = render(layout, len, vars + 4, OCS_PAGE_SITE_VARS, out, sizeof(out));
    ok(n != (size_t) -1 && strstr(out, "</style>\n</head>\n") != NULL
       && strstr(out, "{{") == NULL, "layout: nothing added without a head");
}


int
main(void)
{
    test_table();
    test_texts();
    test_lockout();
    test_locked();
    test_fallback();

    return ocs_test_done();
}
