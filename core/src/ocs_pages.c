/*
 * The built-in pages and what they say.  Plain, accessible HTML with
 * labelled fields, no script, and styles inline (the pages'
 * Content-Security-Policy allows nothing else).  Each page is a body
 * that a layout wraps, so that a site can brand every page with one
 * file of its own.
 */

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include <ocs/ocs_csrf.h>
#include <ocs/ocs_pages.h>


static const char  ocs_page_layout[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n"
    "<head>\n"
    "<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, "
    "initial-scale=1\">\n"
    "<meta name=\"robots\" content=\"noindex\">\n"
    "<title>{{title}}{{site_title}}</title>\n"
    "<style>\n"
    "body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f3f4f6;"
    "color:#111}\n"
    "main{max-width:26rem;margin:4rem auto;background:#fff;padding:2rem;"
    "border-radius:.5rem;box-shadow:0 1px 4px #0002}\n"
    "h1{font-size:1.5rem;margin-top:0}\n"
    ".site{margin:0 0 1.5rem;font-weight:600;font-size:1.125rem}\n"
    ".site img{max-height:3rem;max-width:100%;vertical-align:middle;"
    "margin-right:.5rem}\n"
    "label{display:block;font-weight:600}\n"
    "input[type=text],input[type=password]{width:100%;box-sizing:border-box;"
    "padding:.5rem;font:inherit;border:1px solid #555;border-radius:.25rem}\n"
    "input:focus,button:focus{outline:3px solid #1d4ed8;outline-offset:1px}\n"
    "fieldset{border:1px solid #ccc;border-radius:.25rem}\n"
    "fieldset label{display:inline;font-weight:400;margin-left:.4rem}\n"
    "fieldset .hint{display:block;margin-left:1.7rem}\n"
    ".hint{color:#444;font-size:.875rem}\n"
    ".error{color:#991b1b;background:#fee2e2;padding:.5rem;"
    "border-radius:.25rem}\n"
    ".error:empty{display:none}\n"
    "button{font:inherit;padding:.5rem 1.5rem;background:#1d4ed8;color:#fff;"
    "border:0;border-radius:.25rem;cursor:pointer}\n"
    "button.link{padding:0;background:none;color:#1d4ed8;"
    "text-decoration:underline}\n"
    ".back{border-top:1px solid #ccc;margin-top:1.5rem;padding-top:.5rem}\n"
    "</style>\n"
    "{{head}}"
    "</head>\n"
    "<body>\n"
    "<main>\n"
    "{{site_brand}}{{content}}"
    "</main>\n"
    "</body>\n"
    "</html>\n";


static const char  ocs_page_signin[] =
    "<h1>{{title}}</h1>\n"
    "<p class=\"error\" role=\"alert\" id=\"error\">{{error}}</p>\n"
    "<form method=\"post\" action=\"{{action}}\">\n"
    "<input type=\"hidden\" name=\"csrf\" value=\"{{csrf}}\">\n"
    "<input type=\"hidden\" name=\"r\" value=\"{{return}}\">\n"
    "<p><label for=\"username\">User name</label>\n"
    "<input id=\"username\" name=\"username\" type=\"text\" "
    "value=\"{{username}}\" autocomplete=\"username\" autocapitalize=\"none\" "
    "spellcheck=\"false\" required {{username_autofocus}} "
    "aria-describedby=\"username-hint\">\n"
    "<span id=\"username-hint\" class=\"hint\">DOMAIN\\user or "
    "user@domain</span></p>\n"
    "<p><label for=\"password\">Password</label>\n"
    "<input id=\"password\" name=\"password\" type=\"password\" "
    "autocomplete=\"current-password\" required {{password_autofocus}}></p>\n"
    "{{sip_field}}"
    "<fieldset>\n"
    "<legend>Which kind of computer is this?</legend>\n"
    "<p><input type=\"radio\" id=\"public\" name=\"computer\" "
    "value=\"public\" {{public_checked}} aria-describedby=\"public-hint\">"
    "<label for=\"public\">A public or shared computer</label>\n"
    "<span id=\"public-hint\" class=\"hint\">{{public_hint}}</span></p>\n"
    "<p><input type=\"radio\" id=\"private\" name=\"computer\" "
    "value=\"private\" {{private_checked}} aria-describedby=\"private-hint\">"
    "<label for=\"private\">A private computer</label>\n"
    "<span id=\"private-hint\" class=\"hint\">{{private_hint}}</span></p>\n"
    "</fieldset>\n"
    "<p><button type=\"submit\">Sign in</button></p>\n"
    "</form>\n";


static const char  ocs_page_part_sip[] =
    "<p><label for=\"sip\">Sign-in address (optional)</label>\n"
    "<input id=\"sip\" name=\"sip\" type=\"text\" value=\"{{sip}}\" "
    "autocapitalize=\"none\" spellcheck=\"false\" "
    "aria-describedby=\"sip-hint\">\n"
    "<span id=\"sip-hint\" class=\"hint\">for example "
    "sip:alice@contoso.com</span></p>\n";


static const char  ocs_page_message[] =
    "<h1>{{title}}</h1>\n"
    "<p role=\"alert\">{{message}}</p>\n";


static const char  ocs_page_signedout[] =
    "<h1>{{title}}</h1>\n"
    "<p role=\"status\">{{message}} To keep your account safe on a "
    "public or shared computer, close every browser window.</p>\n"
    "<p><a href=\"{{signin}}\">Sign in again</a></p>\n";


static const char  ocs_page_admin[] =
    "<h1>{{title}}</h1>\n"
    "<p role=\"status\">{{message}}</p>\n"
    "<form method=\"post\" action=\"{{action}}\">\n"
    "<input type=\"hidden\" name=\"csrf\" value=\"{{csrf}}\">\n"
    "<p><label for=\"user\">User name</label>\n"
    "<input id=\"user\" name=\"user\" type=\"text\" required "
    "autocapitalize=\"none\" spellcheck=\"false\"></p>\n"
    "<p><button type=\"submit\">End every session of this user</button>"
    "</p>\n"
    "</form>\n";


static const char  ocs_page_code[] =
    "<h1>{{title}}</h1>\n"
    "<p class=\"error\" role=\"alert\" id=\"error\">{{error}}</p>\n"
    "<p>Signed in as <strong>{{username}}</strong>. This service also "
    "needs a one-time code.</p>\n"
    "<form method=\"post\" action=\"{{action}}\">\n"
    "<input type=\"hidden\" name=\"step\" value=\"2\">\n"
    "<input type=\"hidden\" name=\"f\" value=\"{{factors}}\">\n"
    "<input type=\"hidden\" name=\"state\" value=\"{{state}}\">\n"
    "<input type=\"hidden\" name=\"csrf\" value=\"{{csrf}}\">\n"
    "<input type=\"hidden\" name=\"r\" value=\"{{return}}\">\n"
    "<p><label for=\"code\">Code</label>\n"
    "<input id=\"code\" name=\"code\" type=\"text\" "
    "inputmode=\"numeric\" autocomplete=\"one-time-code\" "
    "spellcheck=\"false\" required autofocus "
    "aria-describedby=\"code-hint\">\n"
    "<span id=\"code-hint\" class=\"hint\">from your authenticator app "
    "or token</span></p>\n"
    "<p><button type=\"submit\">Continue</button></p>\n"
    "</form>\n"
    "{{signout}}";


static const char  ocs_page_step_end[] =
    "<h1>{{title}}</h1>\n"
    "<p role=\"alert\">{{message}}</p>\n"
    "{{signout}}";


static const char  ocs_page_part_signout[] =
    "<form class=\"back\" method=\"post\" action=\"{{action}}\">\n"
    "<input type=\"hidden\" name=\"step\" value=\"signout\">\n"
    "<input type=\"hidden\" name=\"csrf\" value=\"{{signout_csrf}}\">\n"
    "<input type=\"hidden\" name=\"r\" value=\"{{return}}\">\n"
    "<p>Not <strong>{{username}}</strong>, or no code at hand? "
    "<button class=\"link\" type=\"submit\" id=\"signout\">Sign out"
    "</button> to sign in again, or go back to "
    "<a href=\"{{home}}\" id=\"home\">the start page</a>: services that "
    "need only your password stay open.</p>\n"
    "</form>\n";


static const char  ocs_page_logoff[] =
    "<h1>{{title}}</h1>\n"
    "<form method=\"post\" action=\"{{action}}\">\n"
    "<input type=\"hidden\" name=\"csrf\" value=\"{{csrf}}\">\n"
    "<p>{{question}}</p>\n"
    "<p><button type=\"submit\">Sign out</button></p>\n"
    "</form>\n";


/*
 * A browser that does not answer Negotiate shows this and moves on to
 * the form at once; a layout without {{head}} still has the link.
 */
static const char  ocs_page_fallback[] =
    "<h1>{{title}}</h1>\n"
    "<p>{{message}} "
    "<a href=\"{{signin}}\">Sign in with your user name and password</a>."
    "</p>\n";


static const char  ocs_page_join[] =
    "<h1>{{title}}</h1>\n"
    "<p id=\"message\" role=\"alert\">{{message}}</p>\n"
    "<form method=\"post\" action=\"\" autocomplete=\"off\">\n"
    "<input type=\"hidden\" name=\"csrf\" value=\"{{csrf}}\">\n"
    "<p><label for=\"c\">Conference ID</label>\n"
    "<input id=\"c\" name=\"c\" value=\"{{id}}\" required "
    "maxlength=\"64\"></p>\n"
    "<p><label for=\"key\">Conference key</label>\n"
    "<input id=\"key\" name=\"key\" type=\"password\" required "
    "maxlength=\"256\"></p>\n"
    "<p><button type=\"submit\">Join</button></p>\n"
    "</form>\n";


static const char  ocs_page_part_refresh[] =
    "<meta http-equiv=\"refresh\" content=\"0; url={{signin}}\">\n";


/* after the page's title, and above its heading, when the site has them */
static const char  ocs_page_site_title[] = " \xe2\x80\x93 {{site_name}}";
static const char  ocs_page_brand_both[] =
    "<p class=\"site\"><img src=\"{{site_logo}}\" alt=\"\">{{site_name}}"
    "</p>\n";
static const char  ocs_page_brand_name[] =
    "<p class=\"site\">{{site_name}}</p>\n";
static const char  ocs_page_brand_logo[] =
    "<p class=\"site\"><img src=\"{{site_logo}}\" alt=\"\"></p>\n";


typedef struct {
    const char  *text;
    size_t       len;
} ocs_page_text_t;


#define ocs_page_entry(s)  { s, sizeof(s) - 1 }

static const ocs_page_text_t  ocs_pages[] = {
    ocs_page_entry(ocs_page_signin),         /* OCS_PAGE_SIGNIN */
    ocs_page_entry(ocs_page_message),        /* OCS_PAGE_MESSAGE */
    ocs_page_entry(ocs_page_signedout),      /* OCS_PAGE_SIGNEDOUT */
    ocs_page_entry(ocs_page_logoff),         /* OCS_PAGE_LOGOFF */
    ocs_page_entry(ocs_page_admin),          /* OCS_PAGE_ADMIN */
    ocs_page_entry(ocs_page_code),           /* OCS_PAGE_CODE */
    ocs_page_entry(ocs_page_step_end),       /* OCS_PAGE_STEP_END */
    ocs_page_entry(ocs_page_layout),         /* OCS_PAGE_LAYOUT */
    ocs_page_entry(ocs_page_part_sip),       /* OCS_PAGE_PART_SIP */
    ocs_page_entry(ocs_page_part_signout),   /* OCS_PAGE_PART_SIGNOUT */
    ocs_page_entry(ocs_page_fallback),       /* OCS_PAGE_FALLBACK */
    ocs_page_entry(ocs_page_part_refresh),   /* OCS_PAGE_PART_REFRESH */
    ocs_page_entry(ocs_page_join),           /* OCS_PAGE_JOIN */
};


#define ocs_msg_entry(title, text, plain)                                    \
    { title, sizeof(title) - 1, text, sizeof(text) - 1, plain }

#define OCS_MSG_BUSY_TEXT                                                    \
    "The sign-in service is busy. Please try again in a moment."

/* in the order of OCS_MSG_*: test_pages.c checks that each has its place */
static const ocs_msg_t  ocs_msgs[] = {
    ocs_msg_entry("Sign in",
                  "Sign in with your user name and password.", 0),
    ocs_msg_entry("Sign in",
                  "The user name or password is incorrect.", 0),
    ocs_msg_entry("Sign in",
                  "The sign-in page had expired. Please sign in again.", 0),
    ocs_msg_entry("Sign-in refused",
                  "The sign-in form was sent from another site.", 0),
    ocs_msg_entry("Sign-in unavailable",
                  "The sign-in page is not set up. Please tell the "
                  "administrator.", 0),
    ocs_msg_entry("Sign-in required",
                  "Sign-in required.\n", 1),
    ocs_msg_entry("Sign-in unavailable",
                  OCS_MSG_BUSY_TEXT, 0),
    ocs_msg_entry("Second step",
                  "This service also needs a one-time code.", 0),
    ocs_msg_entry("Sign-in refused",
                  "The form was sent from another site.", 0),
    ocs_msg_entry("Sign-out refused",
                  "The sign-out request did not come from this site's "
                  "page.", 0),
    ocs_msg_entry("Sign in",
                  "You have signed out.", 0),
    ocs_msg_entry("Sign in",
                  "This browser did not sign you in with your Windows "
                  "account.", 0),
    ocs_msg_entry("Access denied",
                  "Windows sign-in failed.", 0),
    ocs_msg_entry("Sign-in unavailable",
                  "Windows sign-in failed.", 0),
    ocs_msg_entry("Signing in",
                  "Windows sign-in continues.", 0),
    ocs_msg_entry("Access denied",
                  "You may not use this service.", 0),
    ocs_msg_entry("Sign out",
                  "Do you want to sign out?", 0),
    ocs_msg_entry("Sign out",
                  "Do you want to sign out everywhere, on every device?", 0),
    ocs_msg_entry("Signed out",
                  "You have signed out.", 0),
    ocs_msg_entry("Sign-out refused",
                  "The sign-out request did not come from this site's "
                  "sign-out page.", 0),
    ocs_msg_entry("End a user's sessions",
                  "Enter the user name whose sessions to end.", 0),
    ocs_msg_entry("End a user's sessions",
                  "Enter a user name.", 0),
    ocs_msg_entry("Sign in first",
                  "Only a signed-in administrator can end other users' "
                  "sessions.", 0),
    ocs_msg_entry("Not an administrator",
                  "Your account may not end other users' sessions.", 0),
    ocs_msg_entry("Request refused",
                  "The request did not come from this site's form.", 0),
    ocs_msg_entry("Sign-in locks",
                  "use clear=all, clear=user NAME or clear=address "
                  "ADDRESS\n", 1),
    ocs_msg_entry("Sign-in locks",
                  "no locks and no failed sign-ins counted\n", 1),
    ocs_msg_entry("HTTPS only",
                  "This service accepts requests over HTTPS only.\n", 1),
    ocs_msg_entry("Redirecting",
                  "Redirecting.\n", 1),
    ocs_msg_entry("Unsupported form",
                  "The form must be sent as "
                  "application/x-www-form-urlencoded.", 0),
    ocs_msg_entry("Sign in",
                  "Too many sign-ins at once. Please try again in a "
                  "moment.", 0),
    ocs_msg_entry("HTTP/1.1 required",
                  "This service authenticates the connection with NTLM or "
                  "Kerberos, which HTTP/2 cannot carry. Connect again with "
                  "HTTP/1.1.", 0),
    ocs_msg_entry("Service busy",
                  "The server has as many authenticated connections open "
                  "as it allows. Please try again in a few minutes.", 0),
    ocs_msg_entry("Conference key required",
                  "Conference key required.\n", 1),
    ocs_msg_entry("Not part of this conference",
                  "Not part of this conference.\n", 1),
    ocs_msg_entry("Malformed Authorization header",
                  "Malformed Authorization header.\n", 1),
    ocs_msg_entry("Authorization header not for this location",
                  "Authorization header not for this location.\n", 1),
    ocs_msg_entry("Too many failed attempts",
                  "Too many failed attempts; try again later.\n", 1),
    ocs_msg_entry("Join a conference",
                  "Enter the conference ID and key you were given.", 0),
    ocs_msg_entry("Join refused", "The form was sent from another site.", 0),
    ocs_msg_entry("Join refused",
                  "The form has expired. Please open the join page again.",
                  0),
    ocs_msg_entry("Join unavailable",
                  "The service is busy. Please try again in a moment.", 0),
    ocs_msg_entry("Join a conference",
                  "The conference ID or key is not right.", 0),
};

/* a message added to the list but not to the table fails to build */
typedef char  ocs_msg_table_complete[
    (sizeof(ocs_msgs) / sizeof(ocs_msgs[0]) == OCS_MSG_N) ? 1 : -1];


const ocs_msg_t *
ocs_msg(int id)
{
    if (id < 0 || id >= OCS_MSG_N) {
        return NULL;
    }

    return &ocs_msgs[id];
}


int
ocs_page_lockout_head(int64_t now, char *out, size_t outlen)
{
    int   n;
    char  at[OCS_TIME_ISO_LEN + 1];

    (void) ocs_time_iso(now, at, sizeof(at));

    n = snprintf(out, outlen, "# sign-in locks and failure counts at %s; "
                 "times in UTC\n", at);

    return (n >= 0 && (size_t) n < outlen) ? OCS_OK : OCS_ERR_SPACE;
}


int
ocs_page_locked_message(int64_t left, char *out, size_t outlen)
{
    int      n;
    int64_t  minutes;

    /* never "0 minutes" while a lock still holds */
    minutes = (left > 0) ? (left + 59) / 60 : 1;

    n = snprintf(out, outlen, "Too many failed sign-ins. Please wait %lld "
                 "minute%s and try again.", (long long) minutes,
                 minutes == 1 ? "" : "s");

    return (n >= 0 && (size_t) n < outlen) ? OCS_OK : OCS_ERR_SPACE;
}


int
ocs_page_lockout_cleared(size_t count, char *out, size_t outlen)
{
    int  n;

    n = snprintf(out, outlen, "cleared %zu\n", count);

    return (n >= 0 && (size_t) n < outlen) ? OCS_OK : OCS_ERR_SPACE;
}


const char *
ocs_page(int page, size_t *len)
{
    if (page < 0
        || (size_t) page >= sizeof(ocs_pages) / sizeof(ocs_pages[0]))
    {
        *len = 0;
        return NULL;
    }

    *len = ocs_pages[page].len;

    return ocs_pages[page].text;
}


void
ocs_page_site(const char *name, size_t name_len, const char *logo,
    size_t logo_len, ocs_tpl_var_t *vars)
{
    const char  *brand;
    size_t       brand_len;

    if (name_len && logo_len) {
        brand = ocs_page_brand_both;
        brand_len = sizeof(ocs_page_brand_both) - 1;

    } else if (name_len) {
        brand = ocs_page_brand_name;
        brand_len = sizeof(ocs_page_brand_name) - 1;

    } else if (logo_len) {
        brand = ocs_page_brand_logo;
        brand_len = sizeof(ocs_page_brand_logo) - 1;

    } else {
        brand = "";
        brand_len = 0;
    }

    vars[0] = (ocs_tpl_var_t) { "site_name", name_len ? name : "", name_len,
                                OCS_TPL_TEXT };
    vars[1] = (ocs_tpl_var_t) { "site_logo", logo_len ? logo : "", logo_len,
                                OCS_TPL_TEXT };
    vars[2] = (ocs_tpl_var_t) { "site_title",
                                name_len ? ocs_page_site_title : "",
                                name_len ? sizeof(ocs_page_site_title) - 1
                                         : 0,
                                OCS_TPL_NESTED };
    vars[3] = (ocs_tpl_var_t) { "site_brand", brand, brand_len,
                                OCS_TPL_NESTED };
}


size_t
ocs_page_duration(int64_t seconds, char *out, size_t outlen)
{
    int       i, n;
    size_t    len;
    int64_t   v;

    static const struct {
        int64_t      unit;
        const char  *name;
    } units[] = {
        { 86400, "day" }, { 3600, "hour" }, { 60, "minute" }, { 1, "second" }
    };

    if (outlen == 0) {
        return 0;
    }

    out[0] = '\0';
    len = 0;

    if (seconds <= 0) {
        seconds = 0;
    }

    /* every unit it has, so that the page states the limit exactly */
    for (i = 0; i < 4; i++) {
        v = seconds / units[i].unit;

        if (v == 0 && !(i == 3 && len == 0)) {
            continue;
        }

        seconds -= v * units[i].unit;

        n = snprintf(out + len, outlen - len, "%s%lld %s%s",
                     len ? " " : "", (long long) v, units[i].name,
                     v == 1 ? "" : "s");

        if (n < 0 || (size_t) n >= outlen - len) {
            return outlen - 1;
        }

        len += (size_t) n;
    }

    return len;
}


int
ocs_page_computer_hint(int computer, int64_t idle, int64_t lifetime,
    int persistent, char *out, size_t outlen)
{
    int    n;
    char   i[64], l[64];

    (void) ocs_page_duration(idle, i, sizeof(i));
    (void) ocs_page_duration(lifetime, l, sizeof(l));

    n = snprintf(out, outlen, "%s You are signed out %s%s%s%s after signing "
                 "in at the latest%s%s",
                 computer == OCS_COMPUTER_PRIVATE
                 ? "For a computer that only you use and that meets your "
                   "organization's security policy."
                 : "For a computer that others use too.",
                 idle > 0 ? "after " : "", idle > 0 ? i : "",
                 idle > 0 ? " without activity, " : "", l,
                 persistent ? "; closing the browser does not sign you out."
                            : ", and when you close the browser.",
                 computer == OCS_COMPUTER_PRIVATE
                 ? "" : " When you are done, sign out and close every "
                        "browser window.");

    return (n >= 0 && (size_t) n < outlen) ? OCS_OK : OCS_ERR_SPACE;
}


/* days since 1970-01-01 to a civil date, proleptic Gregorian */
static void
ocs_civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t   era, doe, yoe, doy, mp;

    days += 719468;
    era = (days >= 0 ? days : days - 146096) / 146097;
    doe = days - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;

    *d = (unsigned) (doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned) (mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}


int
ocs_time_iso(int64_t t, char *out, size_t outlen)
{
    int64_t    days, secs, y;
    unsigned   m, d;

    /* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z */
    if (t < -62135596800LL) {
        t = -62135596800LL;

    } else if (t > 253402300799LL) {
        t = 253402300799LL;
    }

    days = t / 86400;
    secs = t % 86400;

    if (secs < 0) {
        secs += 86400;
        days--;
    }

    ocs_civil(days, &y, &m, &d);

    if (outlen < OCS_TIME_ISO_LEN + 1) {
        return OCS_ERR_SPACE;
    }

    (void) snprintf(out, outlen, "%04lld-%02u-%02uT%02u:%02u:%02uZ",
                    (long long) y, m, d, (unsigned) (secs / 3600),
                    (unsigned) (secs / 60 % 60), (unsigned) (secs % 60));

    return OCS_OK;
}


const char *
ocs_page_signedout_message(int how)
{
    switch (how) {

    case OCS_SIGNEDOUT_EVERYWHERE:
        return "You have signed out everywhere: your sessions on every "
               "device and in every browser have ended.";

    case OCS_SIGNEDOUT_ONLY_THIS:
        return "You have signed out here. Your sessions on other devices "
               "were not ended, because this session had already ended: "
               "sign in again and sign out everywhere to end them.";

    case OCS_SIGNEDOUT_NONE:
        return "You are signed out: this browser held no session here.";

    default:
        return "You have signed out.";
    }
}


int
ocs_page_sessions_ended(const char *user, size_t len, int64_t now,
    char *out, size_t outlen)
{
    int   n;
    char  at[OCS_TIME_ISO_LEN + 1];

    (void) ocs_time_iso(now, at, sizeof(at));

    /* sessions are tickets in browsers: nothing here lists them */
    n = snprintf(out, outlen, "Done: every ticket issued to %.*s before %s "
                 "(UTC) is refused from now on, on every device, so any "
                 "session %.*s had is over; %.*s can sign in again. No list "
                 "of sessions is kept, so this cannot tell whether %.*s "
                 "had any.", (int) len, user, at, (int) len, user,
                 (int) len, user, (int) len, user);

    return (n >= 0 && (size_t) n < outlen) ? OCS_OK : OCS_ERR_SPACE;
}


/* the note's bytes: expiry, status, computer, retry, three strings */
#define OCS_PAGE_NOTE_RAW                                                    \
    (8 + 2 + 1 + 4 + 3 * 2 + OCS_PAGE_NOTE_TEXT_MAX + OCS_USER_MAX          \
     + OCS_SIP_MAX)


static unsigned char *
ocs_page_note_put(unsigned char *p, const char *s, size_t len, size_t max)
{
    len = len < max ? len : max;

    *p++ = (unsigned char) (len >> 8);
    *p++ = (unsigned char) len;
    memcpy(p, s, len);

    return p + len;
}


static const unsigned char *
ocs_page_note_get(const unsigned char *p, const unsigned char *end, char *s,
    size_t *len, size_t max)
{
    size_t  n;

    if (end - p < 2) {
        return NULL;
    }

    n = ((size_t) p[0] << 8) | p[1];
    p += 2;

    if (n > max || (size_t) (end - p) < n) {
        return NULL;
    }

    memcpy(s, p, n);
    s[n] = '\0';
    *len = n;

    return p + n;
}


/*
 * The MAC of a note: over the SHA-256 of bind and the note's bytes,
 * since csrf tokens take short inputs only.
 */
static int
ocs_page_note_mac(const ocs_keyring_t *ring, ocs_ticket_cache_t *cache,
    const unsigned char *bind, size_t bind_len, const unsigned char *raw,
    size_t raw_len, const char *token, char *out, ocs_err_t *err)
{
    int            rc;
    unsigned int   n;
    EVP_MD_CTX    *md;
    unsigned char  digest[32];

    md = EVP_MD_CTX_new();

    if (md == NULL
        || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1
        || EVP_DigestUpdate(md, bind, bind_len) != 1
        || EVP_DigestUpdate(md, raw, raw_len) != 1
        || EVP_DigestFinal_ex(md, digest, &n) != 1)
    {
        EVP_MD_CTX_free(md);
        return ocs_err(err, OCS_ERR_SYS, "SHA-256 failed");
    }

    EVP_MD_CTX_free(md);

    if (token != NULL) {
        rc = ocs_csrf_verify(ring, cache, OCS_CSRF_PAGE_NOTE, digest, n, token,
                             OCS_CSRF_TOKEN_LEN);

    } else {
        rc = ocs_csrf_token(ring, cache, OCS_CSRF_PAGE_NOTE, digest, n, out,
                            OCS_CSRF_TOKEN_LEN + 1, err);
    }

    ocs_wipe(digest, sizeof(digest));

    return rc;
}


int
ocs_page_note_seal(const ocs_keyring_t *ring, ocs_ticket_cache_t *cache,
    const unsigned char *bind, size_t bind_len, const ocs_page_note_t *note,
    int64_t expires, char *out, size_t outlen, ocs_err_t *err)
{
    int             i, rc;
    size_t          n, len;
    unsigned char  *p, raw[OCS_PAGE_NOTE_RAW];

    if (outlen < OCS_PAGE_NOTE_MAX) {
        return ocs_err(err, OCS_ERR_SPACE, "note buffer too small");
    }

    p = raw;

    for (i = 7; i >= 0; i--) {
        *p++ = (unsigned char) ((uint64_t) expires >> (8 * i));
    }

    *p++ = (unsigned char) (note->status >> 8);
    *p++ = (unsigned char) note->status;
    *p++ = (unsigned char) note->computer;

    for (i = 3; i >= 0; i--) {
        *p++ = (unsigned char) ((uint64_t) note->retry >> (8 * i));
    }

    p = ocs_page_note_put(p, note->message, note->message_len,
                          OCS_PAGE_NOTE_TEXT_MAX);
    p = ocs_page_note_put(p, note->user, note->user_len, OCS_USER_MAX);
    p = ocs_page_note_put(p, note->sip, note->sip_len, OCS_SIP_MAX);

    len = (size_t) (p - raw);

    (void) ocs_b64url_encode(raw, len, out, outlen, &n);
    out[n++] = '.';

    rc = ocs_page_note_mac(ring, cache, bind, bind_len, raw, len, NULL,
                           out + n, err);

    ocs_wipe(raw, sizeof(raw));

    return rc;
}


int
ocs_page_note_open(const ocs_keyring_t *ring, ocs_ticket_cache_t *cache,
    const unsigned char *bind, size_t bind_len, const char *in, size_t len,
    int64_t now, ocs_page_note_t *note)
{
    int                   i, rc;
    size_t                n;
    int64_t               expires;
    const char           *dot;
    const unsigned char  *p, *end;
    unsigned char         raw[OCS_PAGE_NOTE_RAW];

    dot = memchr(in, '.', len);

    if (dot == NULL || (size_t) (in + len - dot - 1) != OCS_CSRF_TOKEN_LEN
        || ocs_b64url_decode(in, (size_t) (dot - in), raw, sizeof(raw), &n)
           != OCS_OK
        || n < 15)
    {
        return OCS_ERR_INVALID;
    }

    rc = ocs_page_note_mac(ring, cache, bind, bind_len, raw, n, dot + 1,
                           NULL, NULL);

    if (rc != OCS_OK) {
        ocs_wipe(raw, sizeof(raw));
        return OCS_ERR_AUTH;
    }

    p = raw;
    end = raw + n;
    expires = 0;

    for (i = 0; i < 8; i++) {
        expires = (int64_t) (((uint64_t) expires << 8) | *p++);
    }

    note->status = (p[0] << 8) | p[1];
    note->computer = p[2];
    p += 3;
    note->retry = 0;

    for (i = 0; i < 4; i++) {
        note->retry = (note->retry << 8) | *p++;
    }

    p = ocs_page_note_get(p, end, note->message, &note->message_len,
                          OCS_PAGE_NOTE_TEXT_MAX);
    p = p ? ocs_page_note_get(p, end, note->user, &note->user_len,
                              OCS_USER_MAX)
          : NULL;
    p = p ? ocs_page_note_get(p, end, note->sip, &note->sip_len,
                              OCS_SIP_MAX)
          : NULL;

    ocs_wipe(raw, sizeof(raw));

    if (p == NULL) {
        return OCS_ERR_INVALID;
    }

    return (expires < now) ? OCS_ERR_EXPIRED : OCS_OK;
}
