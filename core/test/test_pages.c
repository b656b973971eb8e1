/*
 * The pages: layouts and nested templates, the site's variables, what
 * the sign-in page says about computer classes, durations and UTC times,
 * and the notes carried across a redirect.
 */

#include <ocs_test.h>

#include <ocs/ocs_csrf.h>
#include <ocs/ocs_pages.h>


static size_t
render(const char *tpl, size_t len, const ocs_tpl_var_t *vars, size_t n,
    char *out, size_t outlen)
{
    size_t  need, got;

    if (ocs_tpl_render(tpl, len, vars, n, NULL, 0, &need) != OCS_ERR_SPACE
        && need != 0)
    {
        return (size_t) -1;
    }

    if (need >= outlen
        || ocs_tpl_render(tpl, len, vars, n, out, outlen, &got) != OCS_OK
        || got != need)
    {
        return (size_t) -1;
    }

    out[got] = '\0';

    return got;
}


static void
test_nested(void)
{
    static const char  layout[] = "<t>{{title}}</t>{{content}}";
    static const char  body[] = "<h1>{{title}}</h1>{{content}}{{raw}}";

    ocs_tpl_var_t  vars[] = {
        { "title", "a<b", 3, OCS_TPL_TEXT },
        { "content", body, sizeof(body) - 1, OCS_TPL_NESTED },
        { "raw", "<i>", 3, OCS_TPL_RAW },
    };

    char    out[256];
    size_t  n;

    n = render(layout, sizeof(layout) - 1, vars, 3, out, sizeof(out));
    is_str(out, n, "<t>a&lt;b</t><h1>a&lt;b</h1><h1>a&lt;b</h1>"
           "<h1>a&lt;b</h1><i><i><i>",
           "nested: rendered with the same variables, three levels deep");

    n = render("{{content}}", 11, vars, 3, out, 5);
    ok(n == (size_t) -1, "nested: a short buffer is refused");
}


static void
test_layout(void)
{
    char            out[8192];
    size_t          n, len, blen;
    const char     *layout, *body;
    ocs_tpl_var_t   vars[2 + OCS_PAGE_SITE_VARS];

    layout = ocs_page(OCS_PAGE_LAYOUT, &len);
    body = ocs_page(OCS_PAGE_MESSAGE, &blen);
    ok(layout != NULL && body != NULL, "layout and message page");
    ok(ocs_page(99, &n) == NULL && n == 0, "unknown page");
    ok(ocs_page(-1, &n) == NULL, "negative page");

    vars[0] = (ocs_tpl_var_t) { "title", "Locked", 6, OCS_TPL_TEXT };
    vars[1] = (ocs_tpl_var_t) { "content", body, blen, OCS_TPL_NESTED };

    ocs_page_site(NULL, 0, NULL, 0, vars + 2);
    n = render(layout, len, vars, 2 + OCS_PAGE_SITE_VARS, out, sizeof(out));
    ok(n != (size_t) -1 && strstr(out, "<title>Locked</title>") != NULL,
       "no site: the title alone");
    ok(strstr(out, "class=\"site\"") == NULL, "no site: no brand");
    ok(strstr(out, "<h1>Locked</h1>") != NULL, "no site: the body inside");

    ocs_page_site("Contoso <Remote>", 16, "/logo.png?a=1&b=\"", 17,
                  vars + 2);
    n = render(layout, len, vars, 2 + OCS_PAGE_SITE_VARS, out, sizeof(out));
    ok(n != (size_t) -1
       && strstr(out, "<title>Locked \xe2\x80\x93 Contoso &lt;Remote&gt;"
                      "</title>") != NULL,
       "site: title with the name, escaped");
    ok(strstr(out, "<p class=\"site\"><img src=\"/logo.png?a=1&amp;b=&quot;"
                   "\" alt=\"\">Contoso &lt;Remote&gt;</p>") != NULL,
       "site: logo and name above the heading, escaped");

    ocs_page_site("C", 1, NULL, 0, vars + 2);
    n = render(layout, len, vars, 2 + OCS_PAGE_SITE_VARS, out, sizeof(out));
    ok(n != (size_t) -1 && strstr(out, "<p class=\"site\">C</p>") != NULL
       && strstr(out, "<img") == NULL, "site: the name only");

    ocs_page_site(NULL, 0, "/l.png", 6, vars + 2);
    n = render(layout, len, vars, 2 + OCS_PAGE_SITE_VARS, out, sizeof(out));
    ok(n != (size_t) -1 && strstr(out, "<img src=\"/l.png\" alt=\"\">")
                           != NULL
       && strstr(out, "<title>Locked</title>") != NULL,
       "site: the logo only, the title alone");
}


static void
test_duration(void)
{
    size_t  i, n;
    char    out[64];

    static const struct {
        int64_t      s;
        const char  *text;
    } cases[] = {
        { 0, "0 seconds" },
        { -5, "0 seconds" },
        { 1, "1 second" },
        { 90, "1 minute 30 seconds" },
        { 1800, "30 minutes" },
        { 3600, "1 hour" },
        { 8 * 3600, "8 hours" },
        { 86400, "1 day" },
        { 7 * 86400, "7 days" },
        { 86400 + 60, "1 day 1 minute" },
        { 36 * 3600, "1 day 12 hours" },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        n = ocs_page_duration(cases[i].s, out, sizeof(out));
        is_str(out, n, cases[i].text, "duration %lld",
               (long long) cases[i].s);
    }

    n = ocs_page_duration(90, out, 5);
    ok(n == 4 && out[4] == '\0', "duration: cut at a short buffer");
}


static void
test_hint(void)
{
    char  out[512];

    ok(ocs_page_computer_hint(OCS_COMPUTER_PUBLIC, 1800, 8 * 3600, 0, out,
                              sizeof(out))
       == OCS_OK, "public hint");
    is_str(out, strlen(out),
           "For a computer that others use too. You are signed out after "
           "30 minutes without activity, 8 hours after signing in at the "
           "latest, and when you close the browser. When you are done, "
           "sign out and close every browser window.",
           "public hint: inactivity, lifetime, the browser");

    ok(ocs_page_computer_hint(OCS_COMPUTER_PRIVATE, 8 * 3600, 7 * 86400, 1,
                              out, sizeof(out))
       == OCS_OK, "private hint");
    is_str(out, strlen(out),
           "For a computer that only you use and that meets your "
           "organization's security policy. You are signed out after "
           "8 hours without activity, 7 days after signing in at the "
           "latest; closing the browser does not sign you out.",
           "private hint: persists");

    ok(ocs_page_computer_hint(OCS_COMPUTER_PRIVATE, 0, 86400, 0, out,
                              sizeof(out))
       == OCS_OK
       && strstr(out, "You are signed out 1 day after signing in at the "
                      "latest, and when you close the browser.") != NULL,
       "no idle limit, not persistent");

    is_int(ocs_page_computer_hint(OCS_COMPUTER_PUBLIC, 1, 2, 0, out, 20),
           OCS_ERR_SPACE, "hint: short buffer");
}


static void
test_iso(void)
{
    size_t  i;
    char    out[OCS_TIME_ISO_LEN + 1];

    static const struct {
        int64_t      t;
        const char  *text;
    } cases[] = {
        { 0, "1970-01-01T00:00:00Z" },
        { -1, "1969-12-31T23:59:59Z" },
        { 951782400, "2000-02-29T00:00:00Z" },
        { 1709251199, "2024-02-29T23:59:59Z" },
        { 1714564800, "2024-05-01T12:00:00Z" },
        { 4102444800LL, "2100-01-01T00:00:00Z" },
        { 253402300799LL, "9999-12-31T23:59:59Z" },
        { INT64_MAX, "9999-12-31T23:59:59Z" },
        { INT64_MIN, "0001-01-01T00:00:00Z" },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ok(ocs_time_iso(cases[i].t, out, sizeof(out)) == OCS_OK,
           "iso %lld", (long long) cases[i].t);
        is_str(out, strlen(out), cases[i].text, "iso %s", cases[i].text);
    }

    is_int(ocs_time_iso(0, out, OCS_TIME_ISO_LEN), OCS_ERR_SPACE,
           "iso: short buffer");
}


static void
test_texts(void)
{
    char  out[2048];

    ok(strncmp(ocs_page_signedout_message(OCS_SIGNEDOUT_SESSION),
               "You have signed out", 19) == 0
       && strstr(ocs_page_signedout_message(OCS_SIGNEDOUT_EVERYWHERE),
                 "every device") != NULL
       && strstr(ocs_page_signedout_message(OCS_SIGNEDOUT_ONLY_THIS),
                 "not ended") != NULL,
       "signed-out messages say what ended");

    ok(ocs_page_sessions_ended("bob", 3, 1714564800, out, sizeof(out))
       == OCS_OK, "sessions ended");
    ok(strstr(out, "every ticket issued to bob before 2024-05-01T12:00:00Z "
                   "(UTC) is refused") != NULL,
       "sessions ended: what was done, when");
    ok(strstr(out, "cannot tell whether bob had any") != NULL,
       "sessions ended: what is not known");
    is_int(ocs_page_sessions_ended("bob", 3, 0, out, 30), OCS_ERR_SPACE,
           "sessions ended: short buffer");
}


static void
test_note(void)
{
    int               rc;
    char              cookie[OCS_PAGE_NOTE_MAX], bad[OCS_PAGE_NOTE_MAX];
    size_t            len;
    ocs_keyring_t     ring, other;
    ocs_page_note_t   note, got;
    unsigned char     raw[OCS_KEY_LEN], bind[16], bind2[16];

    memset(&ring, 0, sizeof(ring));
    memset(&other, 0, sizeof(other));
    memset(raw, 7, sizeof(raw));
    (void) ocs_keyring_add(&ring, raw, sizeof(raw), NULL);
    memset(raw, 8, sizeof(raw));
    (void) ocs_keyring_add(&other, raw, sizeof(raw), NULL);
    memset(bind, 1, sizeof(bind));
    memset(bind2, 2, sizeof(bind2));

    memset(&note, 0, sizeof(note));
    note.status = 429;
    note.computer = OCS_COMPUTER_PRIVATE;
    note.retry = 600;
    note.message_len = strlen("Too many failed sign-ins.");
    memcpy(note.message, "Too many failed sign-ins.", note.message_len);
    note.user_len = strlen("CONTOSO\\alice");
    memcpy(note.user, "CONTOSO\\alice", note.user_len);

    rc = ocs_page_note_seal(&ring, NULL, bind, sizeof(bind), &note,
                            1000, cookie, sizeof(cookie), NULL);
    ok(rc == OCS_OK, "note: sealed");
    len = strlen(cookie);
    ok(len > OCS_CSRF_TOKEN_LEN && strspn(cookie, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "abcdefghijklmnopqrstuvwxyz"
                                          "0123456789-_.") == len,
       "note: a cookie-safe value");

    memset(&got, 0x55, sizeof(got));
    ok(ocs_page_note_open(&ring, NULL, bind, sizeof(bind), cookie, len, 1000,
                          &got)
       == OCS_OK, "note: opens");
    ok(got.status == 429 && got.computer == OCS_COMPUTER_PRIVATE
       && got.retry == 600, "note: status, computer, retry");
    is_str(got.message, got.message_len, "Too many failed sign-ins.",
           "note: message");
    is_str(got.user, got.user_len, "CONTOSO\\alice", "note: user");
    ok(got.sip_len == 0 && got.sip[0] == '\0', "note: no sip");

    is_int(ocs_page_note_open(&ring, NULL, bind, sizeof(bind), cookie, len,
                              1001, &got),
           OCS_ERR_EXPIRED, "note: expired");
    is_int(ocs_page_note_open(&ring, NULL, bind2, sizeof(bind2), cookie, len,
                              1000, &got),
           OCS_ERR_AUTH, "note: bound to another browser");
    is_int(ocs_page_note_open(&other, NULL, bind, sizeof(bind), cookie, len,
                              1000, &got),
           OCS_ERR_AUTH, "note: another key");

    memcpy(bad, cookie, len + 1);
    bad[2] = (bad[2] == 'A') ? 'B' : 'A';
    is_int(ocs_page_note_open(&ring, NULL, bind, sizeof(bind), bad, len,
                              1000, &got),
           OCS_ERR_AUTH, "note: tampered");

    is_int(ocs_page_note_open(&ring, NULL, bind, sizeof(bind), cookie,
                              len - 1, 1000, &got),
           OCS_ERR_INVALID, "note: cut short");
    is_int(ocs_page_note_open(&ring, NULL, bind, sizeof(bind), "x", 1, 1000,
                              &got),
           OCS_ERR_INVALID, "note: garbage");
    is_int(ocs_page_note_open(&ring, NULL, bind, sizeof(bind),
                              "AAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                              "AAAAA", 48, 1000, &got),
           OCS_ERR_INVALID, "note: too short to hold a note");

    /* the longest fields are cut, never overflow */
    memset(note.message, 'm', sizeof(note.message));
    note.message_len = sizeof(note.message);
    memset(note.user, 'u', sizeof(note.user));
    note.user_len = sizeof(note.user);
    memset(note.sip, 's', sizeof(note.sip));
    note.sip_len = sizeof(note.sip);

    ok(ocs_page_note_seal(&ring, NULL, bind, sizeof(bind), &note, 1000,
                          cookie, sizeof(cookie), NULL)
       == OCS_OK, "note: the longest fields fit");
    ok(ocs_page_note_open(&ring, NULL, bind, sizeof(bind), cookie,
                          strlen(cookie), 0, &got)
       == OCS_OK && got.message_len == OCS_PAGE_NOTE_TEXT_MAX
       && got.user_len == OCS_USER_MAX && got.sip_len == OCS_SIP_MAX,
       "note: cut to the limits");
    is_int(ocs_page_note_seal(&ring, NULL, bind, sizeof(bind), &note, 1000,
                              cookie, 100, NULL),
           OCS_ERR_SPACE, "note: short buffer");

    ocs_keyring_wipe(&ring);
    ocs_keyring_wipe(&other);
}


int
main(void)
{
    test_nested();
    test_layout();
    test_duration();
    test_hint();
    test_iso();
    test_texts();
    test_note();

    return ocs_test_done();
}
