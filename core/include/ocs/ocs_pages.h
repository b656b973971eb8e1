/*
 * The built-in pages, as templates for ocs_tpl_render().  A page is its
 * body, rendered as the {{content}} of a layout (OCS_PAGE_LAYOUT or the
 * site's own): the layout gets the page's variables, the site's
 * (ocs_page_site()) and content, a nested variable holding the body.
 * Values are HTML-escaped unless marked raw or nested.
 *
 *   OCS_PAGE_LAYOUT    title, site_title, site_brand, content
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
 *   OCS_PAGE_PART_SIP      the sign-in address field: sip
 *   OCS_PAGE_PART_SIGNOUT  the way back from the second step: action,
 *                          signout_csrf, return, username, home (a URL)
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

/* the template text of a page, or NULL for an unknown page */
const char *ocs_page(int page, size_t *len);


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
