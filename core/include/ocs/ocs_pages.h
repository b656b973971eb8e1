/*
 * The built-in pages, as templates for ocs_tpl_render().  A page is its
 * body, rendered as the {{content}} of a layout (OCS_PAGE_LAYOUT or the
 * site's own): the layout gets the page's variables, the site's
 * (ocs_page_site()) and content, a nested variable holding the body.
 * Values are HTML-escaped unless marked raw or nested.
 *
 *   OCS_PAGE_LAYOUT    title, site_title, site_brand, content, head
 *                      (nested: what the page adds to the head, or
 *                      nothing; a site's own layout may place it too)
 *   OCS_PAGE_SIGNIN    title, action, csrf, return, username, error, sip,
 *                      public_checked and private_checked (raw
 *                      "checked"), username_autofocus and
 *                      password_autofocus (raw "autofocus"), public_hint,
 *                      private_hint, sip_field (nested: OCS_PAGE_PART_SIP
 *                      or nothing)
 *   OCS_PAGE_MESSAGE   title, message
 *   OCS_PAGE_SIGNEDOUT title, message, signin (a URL)
 *   OCS_PAGE_LOGOFF    title, action, csrf, question (the sign-out
 *                      confirmation)
 *   OCS_PAGE_ADMIN     title, action, csrf, message (ending a user's
 *                      sessions)
 *   OCS_PAGE_CODE      title, action, state, csrf, return, username,
 *                      factors, error, signout (the second step of a
 *                      sign-in)
 *   OCS_PAGE_STEP_END  title, message, signout (a second step that
 *                      cannot be taken)
 *   OCS_PAGE_FALLBACK  title, message, signin (a URL), head (nested:
 *                      OCS_PAGE_PART_REFRESH): the body of the 401 that
 *                      offers Kerberos, for a browser that does not
 *                      answer it
 *   OCS_PAGE_JOIN      title, csrf, id, message: a conference's join
 *                      form, posted to itself
 *   OCS_PAGE_PART_SIP      the sign-in address field: sip
 *   OCS_PAGE_PART_SIGNOUT  the way back from the second step: action,
 *                          signout_csrf, return, username, home (a URL)
 *   OCS_PAGE_PART_REFRESH  a head that moves the browser on to signin
 */

#ifndef OCS_PAGES_H
#define OCS_PAGES_H


#include <ocs/ocs.h>
#include <ocs/ocs_codec.h>
#include <ocs/ocs_ticket.h>
#include <ocs/ocs_csrf.h>


#define OCS_PAGE_SIGNIN      0
#define OCS_PAGE_MESSAGE     1
#define OCS_PAGE_SIGNEDOUT   2
#define OCS_PAGE_LOGOFF      3
#define OCS_PAGE_ADMIN       4
#define OCS_PAGE_CODE        5
#define OCS_PAGE_STEP_END    6
#define OCS_PAGE_LAYOUT      7
#define OCS_PAGE_PART_SIP    8
#define OCS_PAGE_PART_SIGNOUT  9
#define OCS_PAGE_FALLBACK    10
#define OCS_PAGE_PART_REFRESH  11
#define OCS_PAGE_JOIN        12

/* the template text of a page, or NULL for an unknown page */
const char *ocs_page(int page, size_t *len);


/*
 * What the servers say in their own words, each sentence once for every
 * server: a title and a text per OCS_MSG_*.  An HTML message goes into a
 * page as text (OCS_TPL_TEXT: escaped), so a text holds no markup; a
 * plain one is a whole text/plain body, ending in a newline.
 */
#define OCS_MSG_SIGNIN                0   /* the sign-in page's title */
#define OCS_MSG_SIGNIN_FAILED         1   /* wrong name or password */
#define OCS_MSG_SIGNIN_EXPIRED        2   /* csrf token refused */
#define OCS_MSG_SIGNIN_CROSS_SITE     3   /* the form from another site */
#define OCS_MSG_SIGNIN_NOT_SET_UP     4   /* the sign-in URL is protected */
#define OCS_MSG_SIGNIN_REQUIRED       5   /* plain: a script's 401 */
#define OCS_MSG_BUSY                  6   /* the thread pool is full */
#define OCS_MSG_STEP                  7   /* the second step's title */
#define OCS_MSG_STEP_CROSS_SITE       8   /* a step from another site */
#define OCS_MSG_STEP_SIGNOUT_REFUSED  9   /* its sign-out, token refused */
#define OCS_MSG_STEP_SIGNED_OUT      10   /* the note after that sign-out */
#define OCS_MSG_NEGOTIATE_FALLBACK   11   /* OCS_PAGE_FALLBACK */
#define OCS_MSG_NEGOTIATE_FAILED     12   /* 403, without the core's why */
#define OCS_MSG_NEGOTIATE_UNAVAILABLE  13 /* 503, without the core's why */
#define OCS_MSG_NEGOTIATE_CONTINUES  14   /* 401: the next NTLM leg */
#define OCS_MSG_ACCESS_DENIED        15   /* title of ocs_authz_message() */
#define OCS_MSG_LOGOFF               16   /* the sign-out question */
#define OCS_MSG_LOGOFF_EVERYWHERE    17   /* ... with ocs_logoff_everywhere */
#define OCS_MSG_LOGOFF_SIGNED_OUT    18   /* the signed-out page's title */
#define OCS_MSG_LOGOFF_REFUSED       19   /* sign-out, token refused */
#define OCS_MSG_ADMIN                20   /* ending sessions: the question */
#define OCS_MSG_ADMIN_NO_USER        21   /* ... posted without a name */
#define OCS_MSG_ADMIN_SIGN_IN        22   /* ... without a session */
#define OCS_MSG_ADMIN_NOT_ADMIN      23   /* ... by another user */
#define OCS_MSG_ADMIN_REFUSED        24   /* ... token refused */
#define OCS_MSG_LOCKOUT_USAGE        25   /* plain: a bad clear= */
#define OCS_MSG_LOCKOUT_EMPTY        26   /* plain: nothing to list */
#define OCS_MSG_HTTPS_ONLY           27   /* plain: a post over http */
#define OCS_MSG_REDIRECTING          28   /* plain: a redirect's body */
#define OCS_MSG_FORM_TYPE            29   /* 415 */
#define OCS_MSG_SIGNIN_IN_FLIGHT     30   /* 429: as many sign-ins in
                                             flight as may still fail */
#define OCS_MSG_PASS_HTTP11          31   /* 505: pass-through over
                                             HTTP/2 */
#define OCS_MSG_PASS_BUSY            32   /* 503: as many pinned
                                             connections as allowed */
#define OCS_MSG_CONF_KEY_REQUIRED    33   /* plain: Digest's 401 */
#define OCS_MSG_CONF_NOT_MEMBER      34   /* plain: another conference's */
#define OCS_MSG_CONF_MALFORMED       35   /* plain: a bad Digest header */
#define OCS_MSG_CONF_WRONG_URI       36   /* plain: uri of another target */
#define OCS_MSG_CONF_LOCKED          37   /* plain: 429 */
#define OCS_MSG_JOIN                 38   /* the join page's title */
#define OCS_MSG_JOIN_CROSS_SITE      39   /* the join form from elsewhere */
#define OCS_MSG_JOIN_EXPIRED         40   /* its csrf token refused */
#define OCS_MSG_JOIN_BUSY            41   /* the thread pool is full */
#define OCS_MSG_JOIN_FAILED          42   /* a wrong conference or key */
#define OCS_MSG_N                    43   /* how many there are */

typedef struct {
    const char  *title;
    size_t       title_len;
    const char  *text;
    size_t       text_len;
    int          plain;      /* text is a text/plain body */
} ocs_msg_t;

/*
 * The message of id (OCS_MSG_*), static; for an unknown id, NULL.
 * Thread-safe.
 */
const ocs_msg_t *ocs_msg(int id);

/*
 * The lockout list's first line ("# sign-in locks and failure counts at
 * <now, UTC>; times in UTC") and the answer to clearing n entries
 * ("cleared <n>"), each with its newline, NUL-terminated in out.
 * Returns OCS_OK or OCS_ERR_SPACE (out cut short).
 */
int ocs_page_lockout_head(int64_t now, char *out, size_t outlen);
int ocs_page_lockout_cleared(size_t n, char *out, size_t outlen);

/*
 * What the sign-in form says while sign-ins are locked for left more
 * seconds: the wait in whole minutes, rounded up.  Text, NUL-terminated.
 * Returns OCS_OK or OCS_ERR_SPACE (out cut short).
 */
int ocs_page_locked_message(int64_t left, char *out, size_t outlen);


/* how many variables ocs_page_site() fills */
#define OCS_PAGE_SITE_VARS   4

/*
 * The site's variables for every page: site_name and site_logo (a URL)
 * as text, and the nested site_title (" – " and the name, for after the
 * page's title) and site_brand (the name and logo above the page's
 * heading), which render as nothing when the site has neither.  The
 * variables point into name and logo, which must outlive them.
 */
void ocs_page_site(const char *name, size_t name_len, const char *logo,
    size_t logo_len, ocs_tpl_var_t *vars);


/*
 * What the sign-in page says about a computer class (OCS_COMPUTER_*):
 * who should choose it and what it means, with the limits the session
 * gets: idle seconds without activity (0: none), lifetime seconds at
 * most, and whether the session outlives the browser.  Text, NUL-
 * terminated.  Returns OCS_OK or OCS_ERR_SPACE (out cut short).
 */
int ocs_page_computer_hint(int computer, int64_t idle, int64_t lifetime,
    int persistent, char *out, size_t outlen);

/*
 * A duration as people write it: "30 minutes", "8 hours", "1 day 12
 * hours" (the two largest units it has).  NUL-terminated; the length.
 */
size_t ocs_page_duration(int64_t seconds, char *out, size_t outlen);

/* the length of "2024-05-01T12:00:00Z" */
#define OCS_TIME_ISO_LEN     20

/*
 * t (seconds since the epoch) in UTC, ISO 8601: "2024-05-01T12:00:00Z",
 * NUL-terminated in out (at least OCS_TIME_ISO_LEN + 1 bytes).  Years
 * before 1 or after 9999 are clamped.  Returns OCS_OK or OCS_ERR_SPACE.
 */
int ocs_time_iso(int64_t t, char *out, size_t outlen);


/* what a sign-out ended, for ocs_page_signedout_message() */
#define OCS_SIGNEDOUT_SESSION     0   /* the session of the request */
#define OCS_SIGNEDOUT_EVERYWHERE  1   /* every session of its user */
#define OCS_SIGNEDOUT_ONLY_THIS   2   /* everywhere asked, but the ticket
                                         no longer counted: itself only */
#define OCS_SIGNEDOUT_NONE        3   /* there was no session */

/* the signed-out page's first sentence */
const char *ocs_page_signedout_message(int how);

/*
 * What ending every session of a user did, for the administrator: no
 * list of sessions is kept, so the page cannot say whether the user had
 * any; it says that every ticket the user got until now (UTC) is
 * refused.  Text, NUL-terminated.  Returns OCS_OK or OCS_ERR_SPACE.
 */
int ocs_page_sessions_ended(const char *user, size_t len, int64_t now,
    char *out, size_t outlen);


/*
 * A note for the page after a redirect: what a form post that failed
 * would have answered, carried in a short-lived cookie to the GET of the
 * form, so that reloading that page does not post the form again.
 */
#define OCS_PAGE_NOTE_TEXT_MAX   255

typedef struct {
    int              status;        /* the page's HTTP status */
    int              computer;      /* OCS_COMPUTER_* chosen */
    int64_t          retry;         /* Retry-After seconds, 0: none */
    size_t           message_len;
    size_t           user_len;
    size_t           sip_len;
    char             message[OCS_PAGE_NOTE_TEXT_MAX + 1];
    char             user[OCS_USER_MAX + 1];
    char             sip[OCS_SIP_MAX + 1];
} ocs_page_note_t;

/* the longest cookie value ocs_page_note_seal() makes, with its NUL */
#define OCS_PAGE_NOTE_MAX                                                    \
    (ocs_b64url_len(8 + 2 + 1 + 4 + 3 * 2 + OCS_PAGE_NOTE_TEXT_MAX          \
                    + OCS_USER_MAX + OCS_SIP_MAX)                            \
     + 1 + OCS_CSRF_TOKEN_LEN + 1)

/*
 * Seals note into a cookie value, NUL-terminated in out (at least
 * OCS_PAGE_NOTE_MAX bytes): the note in base64url, "." and an HMAC
 * under the ring's first key over it, its expiry and bind (what only
 * the right browser holds: the sign-in nonce, or the session id).
 * Longer fields are cut.  Returns OCS_OK, OCS_ERR_SPACE or the ring's
 * error (err says which).
 */
int ocs_page_note_seal(const ocs_keyring_t *ring, ocs_ticket_cache_t *cache,
    const unsigned char *bind, size_t bind_len, const ocs_page_note_t *note,
    int64_t expires, char *out, size_t outlen, ocs_err_t *err);

/*
 * Opens a cookie value made by ocs_page_note_seal() with the same bind,
 * under any key of the ring, and not expired at now.  Returns OCS_OK
 * with note filled (its strings NUL-terminated), OCS_ERR_AUTH (not ours,
 * or bound to something else), OCS_ERR_EXPIRED or OCS_ERR_INVALID.
 */
int ocs_page_note_open(const ocs_keyring_t *ring, ocs_ticket_cache_t *cache,
    const unsigned char *bind, size_t bind_len, const char *in, size_t len,
    int64_t now, ocs_page_note_t *note);


#endif /* OCS_PAGES_H */
