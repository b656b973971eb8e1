/*
 * The sign-in form of mod_auth_ocs, the counterpart of the form half of
 * ngx_http_ocs_auth_signin.c and of ngx_http_ocs_auth_note.c: the CSRF
 * nonce and token, the page with its variables and the computer-class
 * hints, and the note a failed post leaves for the form after a 303.
 *
 * The CSRF token is an HMAC of a random nonce that the browser holds in
 * a SameSite=Strict cookie, so a form posted from another site has
 * neither; the cookie names are the ticket cookie's (ocs_ap_sso_cookie_
 * name()), as nginx names them, so that either server reads the other's.
 * A note is a short-lived cookie on the form's path, sealed by the core
 * and bound to the browser's nonce, so that a browser that reloads the
 * page it got does not post the password again.
 */

#include "mod_auth_ocs.h"

#include <apr_lib.h>

#include <ocs/ocs_csrf.h>
#include <ocs/ocs_pages.h>
#include <ocs/ocs_session.h>


/* log lines carry the module: [auth_ocs:level], LogLevel auth_ocs:... */



#define OCS_AP_SIGNIN_NOTE_TTL   60      /* seconds a page note lives */
#define OCS_AP_SIGNIN_VARS       14


static int ocs_ap_signin_csrf_cookie(request_rec *r,
    ocs_ap_signin_csrf_t *csrf);
static int ocs_ap_signin_form_note(request_rec *r,
    ocs_ap_signin_csrf_t *csrf, int status, const char *back,
    const char *user, const char *sip, int computer, const char *error,
    int64_t retry);
static void ocs_ap_signin_form_vars(request_rec *r, ocs_tpl_var_t *vars,
    const char *action, const char *token, const char *back,
    const char *user, const char *sip, int computer, const char *error);
static void ocs_ap_signin_hint(request_rec *r, int computer,
    ocs_tpl_var_t *var, const char *name);
static int ocs_ap_signin_note_path(request_rec *r);


/*
 * The sign-in nonce: from its cookie when the browser has a good one,
 * otherwise (create) a new one that the page sets; create 2: a new one
 * whatever the browser has.
 */
int
ocs_ap_signin_csrf(request_rec *r, ocs_ap_signin_csrf_t *csrf, int create)
{
    size_t                 n, len;
    const char            *value;
    const ocs_env_t       *env;
    ocs_ap_cookie_iter_t   it;

    csrf->name = ocs_ap_sso_cookie_name(r, OCS_AP_COOKIE_CSRF);
    csrf->fresh = 0;

    /* the first good one of its name: another may shadow it */
    memset(&it, 0, sizeof(ocs_ap_cookie_iter_t));

    while (create != 2
           && ocs_ap_cookie_next(r, csrf->name, &it, &value, &len) == OK)
    {
        if (ocs_b64url_decode(value, len, csrf->nonce, sizeof(csrf->nonce),
                              &n)
            == OCS_OK
            && n == sizeof(csrf->nonce))
        {
            return OK;
        }
    }

    if (!create) {
        return DECLINED;
    }

    env = ocs_ap_env();

    if (env->random(env->data, csrf->nonce, sizeof(csrf->nonce)) != OCS_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_CRIT, 0, r,
                      "ocs auth: no random bytes for a csrf nonce");
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    csrf->fresh = 1;

    return OK;
}


/* a new sign-in nonce goes to the browser with the response */
static int
ocs_ap_signin_csrf_cookie(request_rec *r, ocs_ap_signin_csrf_t *csrf)
{
    char          *value;
    size_t         len;
    ocs_cookie_t   cookie;

    if (!csrf->fresh) {
        return OK;
    }

    len = ocs_b64url_len(sizeof(csrf->nonce));
    value = apr_palloc(r->pool, len + 1);

    (void) ocs_b64url_encode(csrf->nonce, sizeof(csrf->nonce), value,
                             len + 1, &len);

    memset(&cookie, 0, sizeof(ocs_cookie_t));
    cookie.name = csrf->name;
    cookie.name_len = strlen(csrf->name);
    cookie.value = value;
    cookie.value_len = len;
    cookie.path = "/";
    cookie.path_len = 1;
    cookie.same_site = "Strict";
    cookie.same_site_len = 6;
    cookie.max_age = -1;

    /* once: a second form in the same response reuses it */
    csrf->fresh = 0;

    return ocs_ap_cookie_set(r, &cookie);
}


/*
 * The sign-in form, with error and what was typed.  A browser that
 * posted it is sent to the form with a 303 and a note instead, so that
 * reloading the page it gets does not post the password again (which
 * would count as one more failure).
 */
int
ocs_ap_signin_form(request_rec *r, int status, const char *back,
    const char *user, const char *sip, int computer, const char *error,
    int64_t retry)
{
    int                    rc;
    char                  *action, *q;
    ocs_err_t              err;
    ocs_tpl_var_t          vars[OCS_AP_SIGNIN_VARS];
    ocs_ap_signin_csrf_t   csrf;
    char                   token[OCS_CSRF_TOKEN_LEN + 1];

    rc = ocs_ap_signin_csrf(r, &csrf, 1);
    if (rc == OK) {
        rc = ocs_ap_signin_csrf_cookie(r, &csrf);
    }

    if (rc != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    if (r->method_number == M_POST && ocs_ap_signin_navigating(r)) {
        rc = ocs_ap_signin_form_note(r, &csrf, status, back, user, sip,
                                     computer, error, retry);
        if (rc != DECLINED) {
            return rc;
        }
    }

    if (ocs_csrf_token(ocs_ap_sso_keyring(r), ocs_ap_sso_cache(r),
                       OCS_CSRF_SIGNIN, csrf.nonce, sizeof(csrf.nonce),
                       token, sizeof(token), &err)
        != OCS_OK)
    {
        ap_log_rerror(APLOG_MARK, APLOG_ALERT, 0, r,
                      "ocs auth: csrf token: %s", err.text);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    /* post back to this very path, without the query */
    action = apr_pstrdup(r->pool, r->unparsed_uri);
    q = strchr(action, '?');
    if (q != NULL) {
        *q = '\0';
    }

    ocs_ap_signin_form_vars(r, vars, action, token, back, user, sip,
                            computer, error);

    if (retry > 0) {
        apr_table_setn(r->err_headers_out, "Retry-After",
                       apr_psprintf(r->pool, "%" APR_INT64_T_FMT,
                                    (apr_int64_t) retry));
    }

    if (status == HTTP_UNAUTHORIZED) {
        apr_table_addn(r->err_headers_out, "WWW-Authenticate",
                       apr_psprintf(r->pool, "OCS-Forms signin=\"%s\"",
                                    action));
    }

    return ocs_ap_send_page(r, status, OCS_PAGE_SIGNIN,
                            ocs_ap_dir(r)->signin.template, vars,
                            OCS_AP_SIGNIN_VARS);
}


/* the form's answer as a note for the form after a 303; DECLINED: the
   path cannot carry it */
static int
ocs_ap_signin_form_note(request_rec *r, ocs_ap_signin_csrf_t *csrf,
    int status, const char *back, const char *user, const char *sip,
    int computer, const char *error, int64_t retry)
{
    size_t            n;
    ocs_page_note_t  *note;

    note = apr_pcalloc(r->pool, sizeof(ocs_page_note_t));

    note->status = status;
    note->computer = computer;
    note->retry = retry;

    n = strlen(error);
    note->message_len = n < OCS_PAGE_NOTE_TEXT_MAX ? n
                                                   : OCS_PAGE_NOTE_TEXT_MAX;
    memcpy(note->message, error, note->message_len);

    if (user != NULL) {
        n = strlen(user);
        note->user_len = n < OCS_USER_MAX ? n : OCS_USER_MAX;
        memcpy(note->user, user, note->user_len);
    }

    if (sip != NULL) {
        n = strlen(sip);
        note->sip_len = n < OCS_SIP_MAX ? n : OCS_SIP_MAX;
        memcpy(note->sip, sip, note->sip_len);
    }

    return ocs_ap_signin_note_redirect(r, csrf->nonce, sizeof(csrf->nonce),
                                       note, "", back);
}


int
ocs_ap_signin_note(request_rec *r, const char *back, const char *message)
{
    int                    rc;
    char                  *enc;
    size_t                 n;
    const char            *url;
    ocs_page_note_t       *note;
    ocs_ap_signin_csrf_t   csrf;

    note = apr_pcalloc(r->pool, sizeof(ocs_page_note_t));

    note->status = HTTP_OK;
    n = strlen(message);
    note->message_len = n < OCS_PAGE_NOTE_TEXT_MAX ? n
                                                   : OCS_PAGE_NOTE_TEXT_MAX;
    memcpy(note->message, message, note->message_len);

    /* the session's cookies are cleared: a new nonce carries the note */
    rc = ocs_ap_signin_csrf(r, &csrf, 2);
    if (rc == OK) {
        rc = ocs_ap_signin_csrf_cookie(r, &csrf);
    }

    if (rc != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ocs_ap_signin_note_redirect(r, csrf.nonce, sizeof(csrf.nonce),
                                     note, "", back);
    if (rc != DECLINED) {
        return rc;
    }

    /* a path that cannot carry the note: the configured form, without */
    url = ocs_ap_signin_url(r);
    enc = apr_palloc(r->pool, 3 * strlen(back) + 1);
    (void) ocs_pct_encode(back, strlen(back), enc, 3 * strlen(back), &n);
    enc[n] = '\0';

    return ocs_ap_redirect(r, HTTP_SEE_OTHER,
                           apr_pstrcat(r->pool, url,
                                       strchr(url, '?') ? "&r=" : "?r=",
                                       enc, NULL));
}


/* the form's template variables */
static void
ocs_ap_signin_form_vars(request_rec *r, ocs_tpl_var_t *vars,
    const char *action, const char *token, const char *back,
    const char *user, const char *sip, int computer, const char *error)
{
    int               ask_sip;
    const ocs_msg_t  *msg;

    msg = ocs_msg(OCS_MSG_SIGNIN);
    user = user ? user : "";
    sip = sip ? sip : "";

    vars[0] = (ocs_tpl_var_t) { "title", msg->title, msg->title_len, 0 };
    vars[1] = (ocs_tpl_var_t) { "action", action, strlen(action), 0 };
    vars[2] = (ocs_tpl_var_t) { "csrf", token, OCS_CSRF_TOKEN_LEN, 0 };
    vars[3] = (ocs_tpl_var_t) { "return", back, strlen(back), 0 };
    vars[4] = (ocs_tpl_var_t) { "username", user, strlen(user), 0 };
    vars[5] = (ocs_tpl_var_t) { "error", error, strlen(error), 0 };
    vars[6] = (ocs_tpl_var_t) { "public_checked",
                                computer == OCS_COMPUTER_PUBLIC
                                ? "checked" : "", 0, 1 };
    vars[7] = (ocs_tpl_var_t) { "private_checked",
                                computer == OCS_COMPUTER_PRIVATE
                                ? "checked" : "", 0, 1 };
    vars[6].len = strlen(vars[6].value);
    vars[7].len = strlen(vars[7].value);
    vars[8] = (ocs_tpl_var_t) { "sip", sip, strlen(sip), 0 };

    /* the sign-in address only where a directory can check it */
    ask_sip = ocs_ap_dir(r)->signin.signin_sip;
    if (ask_sip == OCS_AP_UNSET) {
        ask_sip = ocs_ap_ldap_has_sip(r);
    }

    vars[9].name = "sip_field";
    vars[9].raw = OCS_TPL_NESTED;

    if (ask_sip) {
        vars[9].value = ocs_page(OCS_PAGE_PART_SIP, &vars[9].len);

    } else {
        vars[9].value = "";
        vars[9].len = 0;
    }

    /* a name typed already: the password is what is missing */
    vars[10] = (ocs_tpl_var_t) { "username_autofocus", "autofocus", 9,
                                 OCS_TPL_RAW };
    vars[11] = (ocs_tpl_var_t) { "password_autofocus", "", 0, OCS_TPL_RAW };

    if (user[0] != '\0') {
        vars[10].value = "";
        vars[10].len = 0;
        vars[11].value = "autofocus";
        vars[11].len = 9;
    }

    ocs_ap_signin_hint(r, OCS_COMPUTER_PUBLIC, &vars[12], "public_hint");
    ocs_ap_signin_hint(r, OCS_COMPUTER_PRIVATE, &vars[13], "private_hint");
}


/* what choosing a computer class means, with this directory's limits */
static void
ocs_ap_signin_hint(request_rec *r, int computer, ocs_tpl_var_t *var,
    const char *name)
{
    char                  *text;
    ocs_session_class_t    limits;
    ocs_session_policy_t   policy;

    ocs_ap_sso_policy(r, &policy);
    ocs_session_class_limits(&policy, (unsigned) computer, &limits);

    text = apr_palloc(r->pool, 512);

    (void) ocs_page_computer_hint(computer, limits.idle, limits.lifetime,
                                  limits.persistent, text, 512);

    var->name = name;
    var->value = text;
    var->len = strlen(text);
    var->raw = OCS_TPL_TEXT;
}


int
ocs_ap_signin_navigating(request_rec *r)
{
    const char  *mode;

    mode = apr_table_get(r->headers_in, "Sec-Fetch-Mode");

    return mode != NULL && strcasecmp(mode, "navigate") == 0;
}


/*
 * The note's cookie lives on the form's path, which must say the same
 * in a Path attribute and a Location: DECLINED for one that cannot.
 */
static int
ocs_ap_signin_note_path(request_rec *r)
{
    const char  *p;

    if (r->uri == NULL || r->uri[0] != '/') {
        return DECLINED;
    }

    for (p = r->uri; *p != '\0'; p++) {
        if (!apr_isalnum(*p) && *p != '/' && *p != '-' && *p != '_'
            && *p != '.' && *p != '~')
        {
            return DECLINED;
        }
    }

    return OK;
}


int
ocs_ap_signin_note_redirect(request_rec *r, const unsigned char *bind,
    size_t bind_len, const ocs_page_note_t *note, const char *prefix,
    const char *back)
{
    int            rc;
    char          *value, *enc;
    size_t         n;
    ocs_err_t      err;
    ocs_cookie_t   cookie;

    if (ocs_ap_signin_note_path(r) != OK) {
        return DECLINED;
    }

    value = apr_palloc(r->pool, OCS_PAGE_NOTE_MAX);

    if (ocs_page_note_seal(ocs_ap_sso_keyring(r), ocs_ap_sso_cache(r), bind,
                           bind_len, note,
                           (int64_t) apr_time_sec(apr_time_now())
                           + OCS_AP_SIGNIN_NOTE_TTL,
                           value, OCS_PAGE_NOTE_MAX, &err)
        != OCS_OK)
    {
        ap_log_rerror(APLOG_MARK, APLOG_ALERT, 0, r,
                      "ocs auth: page note: %s", err.text);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    memset(&cookie, 0, sizeof(ocs_cookie_t));
    cookie.name = ocs_ap_sso_cookie_name(r, OCS_AP_COOKIE_NOTE);
    cookie.name_len = strlen(cookie.name);
    cookie.value = value;
    cookie.value_len = strlen(value);
    cookie.path = r->uri;
    cookie.path_len = strlen(r->uri);
    cookie.same_site = "Strict";
    cookie.same_site_len = 6;
    cookie.max_age = OCS_AP_SIGNIN_NOTE_TTL;

    rc = ocs_ap_cookie_set(r, &cookie);
    if (rc != OK) {
        return rc;
    }

    enc = apr_palloc(r->pool, 3 * strlen(back) + 1);
    (void) ocs_pct_encode(back, strlen(back), enc, 3 * strlen(back), &n);
    enc[n] = '\0';

    return ocs_ap_redirect(r, HTTP_SEE_OTHER,
                           apr_pstrcat(r->pool, r->uri, "?", prefix, "r=",
                                       enc, NULL));
}


int
ocs_ap_signin_note_take(request_rec *r, const unsigned char *bind,
    size_t bind_len, ocs_page_note_t *note)
{
    int                    rc, seen;
    size_t                 len;
    const char            *name, *value;
    ocs_cookie_t           cookie;
    ocs_ap_cookie_iter_t   it;

    name = ocs_ap_sso_cookie_name(r, OCS_AP_COOKIE_NOTE);
    memset(&it, 0, sizeof(ocs_ap_cookie_iter_t));
    rc = OCS_ERR_NOTFOUND;
    seen = 0;

    /* the first good one of its name: another may shadow it */
    while (ocs_ap_cookie_next(r, name, &it, &value, &len) == OK) {
        seen = 1;
        rc = ocs_page_note_open(ocs_ap_sso_keyring(r), ocs_ap_sso_cache(r),
                                bind, bind_len, value, len,
                                (int64_t) apr_time_sec(apr_time_now()),
                                note);
        if (rc == OCS_OK) {
            break;
        }
    }

    if (!seen) {
        return DECLINED;
    }

    memset(&cookie, 0, sizeof(ocs_cookie_t));
    cookie.name = name;
    cookie.name_len = strlen(name);
    cookie.value = "";
    cookie.path = r->uri;
    cookie.path_len = strlen(r->uri);
    cookie.same_site = "Strict";
    cookie.same_site_len = 6;
    cookie.max_age = 0;

    if (ocs_ap_cookie_set(r, &cookie) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == OCS_ERR_EXPIRED) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "ocs auth: an expired page note ignored");

    } else if (rc != OCS_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: a page note that is not this browser's "
                      "refused (%s)", ocs_strerror(rc));
    }

    return rc == OCS_OK ? OK : DECLINED;
}
