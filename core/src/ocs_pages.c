/*
 * The built-in pages.  Plain, accessible HTML with labelled fields, no
 * script, and styles inline (the pages' Content-Security-Policy allows
 * nothing else).
 */

#include <string.h>

#include <ocs/ocs_pages.h>


#define OCS_PAGE_HEAD                                                        \
    "<!DOCTYPE html>\n"                                                      \
    "<html lang=\"en\">\n"                                                   \
    "<head>\n"                                                               \
    "<meta charset=\"utf-8\">\n"                                             \
    "<meta name=\"viewport\" content=\"width=device-width, "                 \
    "initial-scale=1\">\n"                                                   \
    "<meta name=\"robots\" content=\"noindex\">\n"                           \
    "<title>{{title}}</title>\n"                                             \
    "<style>\n"                                                              \
    "body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f3f4f6;"   \
    "color:#111}\n"                                                          \
    "main{max-width:26rem;margin:4rem auto;background:#fff;padding:2rem;"    \
    "border-radius:.5rem;box-shadow:0 1px 4px #0002}\n"                      \
    "h1{font-size:1.5rem;margin-top:0}\n"                                    \
    "label{display:block;font-weight:600}\n"                                 \
    "input[type=text],input[type=password]{width:100%;box-sizing:border-box;" \
    "padding:.5rem;font:inherit;border:1px solid #555;border-radius:.25rem}\n" \
    "input:focus,button:focus{outline:3px solid #1d4ed8;outline-offset:1px}\n" \
    "fieldset{border:1px solid #ccc;border-radius:.25rem}\n"                 \
    "fieldset label{display:inline;font-weight:400;margin-left:.4rem}\n"     \
    ".hint{color:#444;font-size:.875rem}\n"                                  \
    ".error{color:#991b1b;background:#fee2e2;padding:.5rem;"                 \
    "border-radius:.25rem}\n"                                                \
    ".error:empty{display:none}\n"                                           \
    "button{font:inherit;padding:.5rem 1.5rem;background:#1d4ed8;color:#fff;" \
    "border:0;border-radius:.25rem;cursor:pointer}\n"                        \
    "</style>\n"                                                             \
    "</head>\n"                                                              \
    "<body>\n"                                                               \
    "<main>\n"

#define OCS_PAGE_TAIL                                                        \
    "</main>\n"                                                              \
    "</body>\n"                                                              \
    "</html>\n"


static const char  ocs_page_signin[] =
    OCS_PAGE_HEAD
    "<h1>{{title}}</h1>\n"
    "<p class=\"error\" role=\"alert\" id=\"error\">{{error}}</p>\n"
    "<form method=\"post\" action=\"{{action}}\">\n"
    "<input type=\"hidden\" name=\"csrf\" value=\"{{csrf}}\">\n"
    "<input type=\"hidden\" name=\"r\" value=\"{{return}}\">\n"
    "<p><label for=\"username\">User name</label>\n"
    "<input id=\"username\" name=\"username\" type=\"text\" "
    "value=\"{{username}}\" autocomplete=\"username\" autocapitalize=\"none\" "
    "spellcheck=\"false\" required autofocus "
    "aria-describedby=\"username-hint\">\n"
    "<span id=\"username-hint\" class=\"hint\">DOMAIN\\user or "
    "user@domain</span></p>\n"
    "<p><label for=\"password\">Password</label>\n"
    "<input id=\"password\" name=\"password\" type=\"password\" "
    "autocomplete=\"current-password\" required></p>\n"
    "<p><label for=\"sip\">Sign-in address (optional)</label>\n"
    "<input id=\"sip\" name=\"sip\" type=\"text\" value=\"{{sip}}\" "
    "autocapitalize=\"none\" spellcheck=\"false\" "
    "aria-describedby=\"sip-hint\">\n"
    "<span id=\"sip-hint\" class=\"hint\">for example "
    "sip:alice@contoso.com</span></p>\n"
    "<fieldset>\n"
    "<legend>Which kind of computer is this?</legend>\n"
    "<p><input type=\"radio\" id=\"public\" name=\"computer\" "
    "value=\"public\" {{public_checked}}>"
    "<label for=\"public\">A public or shared computer</label></p>\n"
    "<p><input type=\"radio\" id=\"private\" name=\"computer\" "
    "value=\"private\" {{private_checked}}>"
    "<label for=\"private\">A private computer</label></p>\n"
    "</fieldset>\n"
    "<p><button type=\"submit\">Sign in</button></p>\n"
    "</form>\n"
    OCS_PAGE_TAIL;


static const char  ocs_page_message[] =
    OCS_PAGE_HEAD
    "<h1>{{title}}</h1>\n"
    "<p role=\"alert\">{{message}}</p>\n"
    OCS_PAGE_TAIL;


static const char  ocs_page_signedout[] =
    OCS_PAGE_HEAD
    "<h1>{{title}}</h1>\n"
    "<p role=\"status\">You have signed out. To keep your account safe on a "
    "public or shared computer, close every browser window.</p>\n"
    "<p><a href=\"{{signin}}\">Sign in again</a></p>\n"
    OCS_PAGE_TAIL;


static const char  ocs_page_admin[] =
    OCS_PAGE_HEAD
    "<h1>{{title}}</h1>\n"
    "<p role=\"status\">{{message}}</p>\n"
    "<form method=\"post\" action=\"{{action}}\">\n"
    "<input type=\"hidden\" name=\"csrf\" value=\"{{csrf}}\">\n"
    "<p><label for=\"user\">User name</label>\n"
    "<input id=\"user\" name=\"user\" type=\"text\" required "
    "autocapitalize=\"none\" spellcheck=\"false\"></p>\n"
    "<p><button type=\"submit\">End every session of this user</button>"
    "</p>\n"
    "</form>\n"
    OCS_PAGE_TAIL;


static const char  ocs_page_code[] =
    OCS_PAGE_HEAD
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
    OCS_PAGE_TAIL;


static const char  ocs_page_logoff[] =
    OCS_PAGE_HEAD
    "<h1>{{title}}</h1>\n"
    "<form method=\"post\" action=\"{{action}}\">\n"
    "<input type=\"hidden\" name=\"csrf\" value=\"{{csrf}}\">\n"
    "<p>{{question}}</p>\n"
    "<p><button type=\"submit\">Sign out</button></p>\n"
    "</form>\n"
    OCS_PAGE_TAIL;


const char *
ocs_page(int page, size_t *len)
{
    const char  *p;

    switch (page) {
    case OCS_PAGE_SIGNIN:
        p = ocs_page_signin;
        *len = sizeof(ocs_page_signin) - 1;
        break;
    case OCS_PAGE_MESSAGE:
        p = ocs_page_message;
        *len = sizeof(ocs_page_message) - 1;
        break;
    case OCS_PAGE_CODE:
        p = ocs_page_code;
        *len = sizeof(ocs_page_code) - 1;
        break;
    case OCS_PAGE_SIGNEDOUT:
        p = ocs_page_signedout;
        *len = sizeof(ocs_page_signedout) - 1;
        break;
    case OCS_PAGE_LOGOFF:
        p = ocs_page_logoff;
        *len = sizeof(ocs_page_logoff) - 1;
        break;
    case OCS_PAGE_ADMIN:
        p = ocs_page_admin;
        *len = sizeof(ocs_page_admin) - 1;
        break;
    default:
        p = NULL;
        *len = 0;
    }

    return p;
}
