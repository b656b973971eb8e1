/*
 * The second step's page in mod_auth_ocs.  It is the sign-in page's
 * (SetHandler ocs-signin), at the same URL as nginx's: GET with step=2
 * shows the code form, a POST whose "step" field is 2 checks the code,
 * one whose "step" is "signout" ends the session.  This handler runs
 * before the sign-in's own and leaves it every other request; a form it
 * read and did not take stays for the sign-in (ocs_ap_read_form() reads
 * a body once per request).
 *
 * What each outcome answers and logs is core/ocs_step: this file reads
 * the form, checks the code where it is (Apache's request threads may
 * block: the OTP server's call keeps its own timeout), keeps the replay
 * marks in the guard store that every process shares, counts the wrong
 * codes there through the lockout part (ocs_ap_guard.c), with the
 * section's OCSLockout as nginx counts them with its location's
 * ocs_auth_lockout, and answers.
 */

#include "mod_auth_ocs.h"

#include <apr_lib.h>

#include <ocs/ocs_csrf.h>
#include <ocs/ocs_guard.h>
#include <ocs/ocs_pages.h>
#include <ocs/ocs_signin.h>
#include <ocs/ocs_step.h>



#define OCS_AP_STEP_BODY_MAX   8192
#define OCS_AP_STEP_NOTE_TTL   60       /* seconds a page note lives */
#define OCS_AP_STEP_F_MAX      20


static int ocs_ap_step_get(request_rec *r, const char *back);
static int ocs_ap_step_post(request_rec *r, const char *body, size_t len,
    const char *back);
static int ocs_ap_step_signout(request_rec *r, const char *body, size_t len,
    const char *back);
static int ocs_ap_step_verify(request_rec *r, ocs_ap_sso_ctx_t *sso,
    const char *body, size_t len, const char *back, unsigned want);
static int ocs_ap_step_locked(request_rec *r, ocs_ap_sso_ctx_t *sso,
    const char *back, unsigned want);
static int ocs_ap_step_code(request_rec *r, ocs_ap_sso_ctx_t *sso,
    const char *back, unsigned want, char *code, size_t code_len);
static void ocs_ap_step_task(request_rec *r, ocs_ap_sso_ctx_t *sso,
    unsigned want, ocs_step_code_t *task);
static int ocs_ap_step_form(request_rec *r, ocs_ap_sso_ctx_t *sso,
    const char *back, unsigned want);
static int ocs_ap_step_unset(request_rec *r, ocs_ap_sso_ctx_t *sso,
    const char *back, unsigned want);
static int ocs_ap_step_answer(request_rec *r, ocs_ap_sso_ctx_t *sso,
    const char *back, unsigned want, ocs_step_outcome_t *out);
static int ocs_ap_step_message(request_rec *r, ocs_step_outcome_t *out);
static int ocs_ap_step_page(request_rec *r, int status,
    ocs_ap_sso_ctx_t *sso, const char *back, unsigned want,
    const char *error);
static int ocs_ap_step_back(request_rec *r, ocs_ap_sso_ctx_t *sso,
    ocs_tpl_var_t *vars);
static int ocs_ap_step_once(void *data, int kind, const unsigned char *key,
    size_t len, int64_t value, int64_t expires);
static const char *ocs_ap_step_return(request_rec *r, const char *url,
    size_t len);
static const char *ocs_ap_step_action(request_rec *r);
static const char *ocs_ap_step_pct(request_rec *r, const char *s);
static const char *ocs_ap_step_signin_location(request_rec *r,
    const char *back);
static int ocs_ap_step_navigating(request_rec *r);
static int ocs_ap_step_cross_site(request_rec *r);
static int ocs_ap_step_note_path(request_rec *r);
static int ocs_ap_step_note_redirect(request_rec *r, ocs_ap_sso_ctx_t *sso,
    int status, const char *back, unsigned want, const char *error);


int
ocs_ap_factor_step_handler(request_rec *r)
{
    int          rc;
    char        *body, *v;
    size_t       len, n;
    const char  *back, *step;

    if (r->handler == NULL || strcmp(r->handler, OCS_AP_HANDLER_SIGNIN) != 0)
    {
        return DECLINED;
    }

    if (r->method_number == M_GET) {
        if (r->args == NULL
            || ocs_ap_form_field(r, r->args, strlen(r->args), "step", 7, &v,
                                 &n) != OK
            || strcmp(v, "2") != 0)
        {
            return DECLINED;
        }

        rc = ocs_ap_refuse_plain(r);
        if (rc != DECLINED) {
            return rc;
        }

        if (ocs_ap_form_field(r, r->args, strlen(r->args), "r",
                              3 * OCS_RETURN_MAX, &v, &n) != OK)
        {
            v = NULL;
            n = 0;
        }

        return ocs_ap_step_get(r, ocs_ap_step_return(r, v, n));
    }

    if (r->method_number != M_POST) {
        return DECLINED;
    }

    /* the body of a plain-http POST is never read */
    rc = ocs_ap_refuse_plain(r);
    if (rc != DECLINED) {
        return rc;
    }

    rc = ocs_ap_read_form(r, OCS_AP_STEP_BODY_MAX, &body, &len);
    if (rc != OK) {
        /* the sign-in refuses it the same way, with its own page */
        return DECLINED;
    }

    if (ocs_ap_form_field(r, body, len, "step", 7, &v, &n) != OK
        || (strcmp(v, "2") != 0 && strcmp(v, "signout") != 0))
    {
        /* the first step's: the sign-in reads the same body again */
        return DECLINED;
    }

    step = v;

    if (ocs_ap_step_cross_site(r)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: second step posted from another site "
                      "refused");
        rc = ocs_ap_send_msg(r, HTTP_FORBIDDEN, OCS_MSG_STEP_CROSS_SITE,
                             NULL);
        goto done;
    }

    if (ocs_ap_form_field(r, body, len, "r", OCS_RETURN_MAX, &v, &n) != OK) {
        v = NULL;
        n = 0;
    }

    back = ocs_ap_step_return(r, v, n);

    rc = (step[0] == '2') ? ocs_ap_step_post(r, body, len, back)
                          : ocs_ap_step_signout(r, body, len, back);

done:

    ocs_wipe(body, len);

    return rc;
}


void
ocs_ap_factor_log(request_rec *r, int level, const char *reason)
{
    switch (level) {

    case OCS_STEP_LOG_NONE:
        return;

    case OCS_STEP_LOG_INFO:
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "ocs auth: %s", reason);
        return;

    case OCS_STEP_LOG_NOTICE:
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "ocs auth: %s",
                      reason);
        return;

    default:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "ocs auth: %s", reason);
    }
}


/*
 * GET signin?step=2: the code form, for a session that has one, once it
 * is clear that the user can have a code
 */
static int
ocs_ap_step_get(request_rec *r, const char *back)
{
    char                       *f;
    size_t                      n;
    unsigned                    want;
    ocs_step_code_t            *task;
    ocs_ap_sso_ctx_t           *sso;
    ocs_step_outcome_t          out;
    const ocs_ap_factor_dir_t  *conf;

    conf = &ocs_ap_dir(r)->factor;

    sso = ocs_ap_sso_verify(r);
    if (sso == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    if (sso->state != OCS_AP_SSO_VALID) {
        /* no first step: the first step first */
        return ocs_ap_redirect(r, HTTP_MOVED_TEMPORARILY,
                               ocs_ap_step_signin_location(r, back));
    }

    if (ocs_ap_form_field(r, r->args, strlen(r->args), "f",
                          OCS_AP_STEP_F_MAX, &f, &n) != OK)
    {
        f = NULL;
        n = 0;
    }

    want = ocs_step_want(f, n);

    if (!ocs_step_can_check(want, conf->totp == 1, conf->otp != NULL)) {
        return ocs_ap_step_unset(r, sso, back, want);
    }

    if (!ocs_step_probe_first(want, conf->otp != NULL)) {
        return ocs_ap_step_form(r, sso, back, want);
    }

    /* a user without a TOTP secret is told before typing a code */
    task = apr_pcalloc(r->pool, sizeof(ocs_step_code_t));
    ocs_ap_step_task(r, sso, want, task);
    task->probe = 1;

    ocs_step_check_code(task);
    ocs_step_code_outcome(task, apr_time_sec(apr_time_now()), NULL, NULL,
                          &out);

    if (out.verdict == OCS_STEP_FORM) {
        return ocs_ap_step_form(r, sso, back, want);
    }

    return ocs_ap_step_answer(r, sso, back, want, &out);
}


/* the work of checking a code, or (probe) of finding the user's secret */
static void
ocs_ap_step_task(request_rec *r, ocs_ap_sso_ctx_t *sso, unsigned want,
    ocs_step_code_t *task)
{
    const ocs_ap_factor_dir_t      *conf;
    const ocs_ap_ldap_directory_t  *dir;

    conf = &ocs_ap_dir(r)->factor;

    memcpy(task->user, sso->ticket.user, sso->ticket.user_len);
    memcpy(task->dn, sso->ticket.dn, sso->ticket.dn_len);
    task->now = apr_time_sec(apr_time_now());

    /* the secret is the directory's (its totp attribute), or the file's */
    dir = ocs_ap_ldap_directory(r);

    ocs_step_code_source(task, want, conf->totp == 1,
                         dir ? dir->handle : NULL,
                         dir != NULL && dir->conf.totp_attr != NULL,
                         ocs_ap_signin_user_file_path(r), conf->otp);
}


/* the code form, with what a failed post said (its note) */
static int
ocs_ap_step_form(request_rec *r, ocs_ap_sso_ctx_t *sso, const char *back,
    unsigned want)
{
    int               rc;
    ocs_page_note_t  *note;

    note = apr_palloc(r->pool, sizeof(ocs_page_note_t));

    rc = ocs_ap_signin_note_take(r, sso->ticket.session, OCS_SESSION_LEN,
                                 note);

    if (rc == OK) {
        return ocs_ap_step_page(r, note->status, sso, back, want,
                                note->message);
    }

    if (rc != DECLINED) {
        return rc;
    }

    return ocs_ap_step_page(r, HTTP_OK, sso, back, want, "");
}


/* a sign-in location that checks no code this service would take */
static int
ocs_ap_step_unset(request_rec *r, ocs_ap_sso_ctx_t *sso, const char *back,
    unsigned want)
{
    ocs_step_outcome_t  out;

    ocs_step_refuse(OCS_STEP_UNSET, sso->ticket.user, NULL, 0, &out);

    return ocs_ap_step_answer(r, sso, back, want, &out);
}


/*
 * POST with step=2: the state checked against the session, the lock,
 * then the code.  The decoded code is wiped on every path.
 */
static int
ocs_ap_step_post(request_rec *r, const char *body, size_t len,
    const char *back)
{
    int                         rc;
    char                       *f, *code;
    size_t                      n, code_len;
    unsigned                    want;
    ocs_ap_sso_ctx_t           *sso;
    ocs_step_outcome_t          out;
    const ocs_ap_factor_dir_t  *conf;

    conf = &ocs_ap_dir(r)->factor;
    code = NULL;
    code_len = 0;

    sso = ocs_ap_sso_verify(r);
    if (sso == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    if (sso->state != OCS_AP_SSO_VALID) {
        ocs_step_refuse(OCS_STEP_NO_SESSION, "", NULL, 0, &out);
        return ocs_ap_step_answer(r, sso, back, 0, &out);
    }

    if (ocs_ap_form_field(r, body, len, "f", OCS_AP_STEP_F_MAX, &f, &n)
        != OK)
    {
        f = NULL;
        n = 0;
    }

    want = ocs_step_want(f, n);

    /* the form must be this session's, fresh, and not used before */
    rc = ocs_ap_step_verify(r, sso, body, len, back, want);
    if (rc != DECLINED) {
        return rc;
    }

    rc = ocs_ap_step_locked(r, sso, back, want);
    if (rc != DECLINED) {
        return rc;
    }

    rc = ocs_ap_form_field(r, body, len, "code", OCS_STEP_CODE_MAX, &code,
                           &code_len);

    if (rc != OK || code_len == 0) {
        /* ocs_ap_form_field() wiped what it decoded of a field refused */
        ocs_step_refuse((rc == HTTP_BAD_REQUEST) ? OCS_STEP_BAD_CODE
                                                 : OCS_STEP_NO_CODE,
                        sso->ticket.user, NULL, 0, &out);
        return ocs_ap_step_answer(r, sso, back, want, &out);
    }

    if (!ocs_step_can_check(want, conf->totp == 1, conf->otp != NULL)) {
        rc = ocs_ap_step_unset(r, sso, back, want);

    } else {
        rc = ocs_ap_step_code(r, sso, back, want, code, code_len);
    }

    ocs_wipe(code, code_len);

    return rc;
}


/*
 * The posted state and token against the session: DECLINED when they
 * pass, else the answer.  The decoded fields are wiped.
 */
static int
ocs_ap_step_verify(request_rec *r, ocs_ap_sso_ctx_t *sso, const char *body,
    size_t len, const char *back, unsigned want)
{
    int                  rc;
    char                *state, *csrf;
    size_t               state_len, csrf_len;
    ocs_step_outcome_t   out;

    if (ocs_ap_form_field(r, body, len, "state", OCS_STEP_STATE_MAX, &state,
                          &state_len) != OK)
    {
        state = NULL;
        state_len = 0;
    }

    if (ocs_ap_form_field(r, body, len, "csrf", OCS_CSRF_TOKEN_LEN + 1,
                          &csrf, &csrf_len) != OK)
    {
        csrf = NULL;
        csrf_len = 0;
    }

    rc = ocs_step_state_verify(ocs_ap_sso_keyring(r), ocs_ap_sso_cache(r),
                               ocs_ap_env(), sso->ticket.session, state,
                               state_len, csrf, csrf_len, ocs_ap_step_once, r,
                               sso->ticket.user, &out);

    if (state != NULL) {
        ocs_wipe(state, state_len);
    }

    if (csrf != NULL) {
        ocs_wipe(csrf, csrf_len);
    }

    if (rc == OCS_OK) {
        return DECLINED;
    }

    return ocs_ap_step_answer(r, sso, back, want, &out);
}


/*
 * DECLINED, or the answer to a user locked out for wrong codes: the
 * lockout of this section (OCSLockout), as nginx asks its location's
 */
static int
ocs_ap_step_locked(request_rec *r, ocs_ap_sso_ctx_t *sso, const char *back,
    unsigned want)
{
    int64_t              left;
    const char          *why;
    ocs_step_outcome_t   out;

    why = NULL;

    left = ocs_ap_guard_locked(r, sso->ticket.user, sso->ticket.user_len, 1,
                               &why);

    if (left == 0) {
        return DECLINED;
    }

    ocs_step_refuse(OCS_STEP_LOCKED, sso->ticket.user, why, left, &out);

    return ocs_ap_step_answer(r, sso, back, want, &out);
}


/*
 * The code checked where the user's secret is, or by the OTP server: in
 * this request's thread, which may block (the server's call has its
 * timeout).  ocs_step_check_code() wipes the task's copy of the code.
 */
static int
ocs_ap_step_code(request_rec *r, ocs_ap_sso_ctx_t *sso, const char *back,
    unsigned want, char *code, size_t code_len)
{
    int                  rc;
    ocs_step_code_t     *task;
    ocs_step_outcome_t   out;

    task = apr_pcalloc(r->pool, sizeof(ocs_step_code_t));
    ocs_ap_step_task(r, sso, want, task);

    memcpy(task->code, code, code_len);
    task->code_len = code_len;

    ocs_step_check_code(task);

    /* a TOTP code counts once: a later step than the last one used */
    ocs_step_code_outcome(task, apr_time_sec(apr_time_now()),
                          ocs_ap_step_once, r, &out);

    if (out.verdict == OCS_STEP_PASS) {
        sso->ticket.methods |= out.method;

        rc = ocs_ap_sso_update(r, sso);
        if (rc != OK) {
            return rc;
        }
    }

    return ocs_ap_step_answer(r, sso, back, want, &out);
}


/*
 * POST with step=signout: the way back from the second step ends the
 * session and shows the first step again.
 */
static int
ocs_ap_step_signout(request_rec *r, const char *body, size_t len,
    const char *back)
{
    int                rc;
    char              *csrf;
    size_t             n;
    ocs_ap_sso_ctx_t  *sso;

    sso = ocs_ap_sso_verify(r);
    if (sso == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    if (sso->state == OCS_AP_SSO_VALID) {
        if (ocs_ap_form_field(r, body, len, "csrf", OCS_CSRF_TOKEN_LEN + 1,
                              &csrf, &n) != OK
            || ocs_csrf_verify(ocs_ap_sso_keyring(r), ocs_ap_sso_cache(r),
                               OCS_CSRF_STEP_SIGNOUT, sso->ticket.session,
                               OCS_SESSION_LEN, csrf, n)
               != OCS_OK)
        {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "ocs auth: sign-out of user \"%s\" from the second "
                          "step without a valid csrf token refused",
                          sso->ticket.user);

            return ocs_ap_send_msg(r, HTTP_FORBIDDEN,
                                   OCS_MSG_STEP_SIGNOUT_REFUSED, NULL);
        }

        rc = ocs_ap_sso_revoke(r, &sso->ticket);
        if (rc != OK) {
            return rc;
        }

        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                      "ocs auth: user \"%s\" signed out from the second step",
                      sso->ticket.user);
    }

    rc = ocs_ap_sso_clear_cookie(r);
    if (rc != OK) {
        return rc;
    }

    /*
     * The first step, the way back kept.  nginx carries "You have signed
     * out." to it in a note bound to a new sign-in nonce, which is the
     * sign-in part's to make.
     */
    return ocs_ap_redirect(r, HTTP_SEE_OTHER,
                           apr_pstrcat(r->pool, r->uri, "?r=",
                                       ocs_ap_step_pct(r, back), NULL));
}


/*
 * An outcome of the second step, other than a certificate's: counted for
 * the lockout with the limits of this section's OCSLockout, logged and
 * answered
 */
static int
ocs_ap_step_answer(request_rec *r, ocs_ap_sso_ctx_t *sso, const char *back,
    unsigned want, ocs_step_outcome_t *out)
{
    if (out->failed) {
        ocs_ap_guard_failed(r, sso->ticket.user, sso->ticket.user_len, 1);
    }

    if (out->succeeded) {
        ocs_ap_guard_succeeded(r, sso->ticket.user, sso->ticket.user_len, 1);
    }

    ocs_ap_factor_log(r, out->level, out->reason);

    switch (out->verdict) {

    case OCS_STEP_PASS:
        return ocs_ap_redirect(r, out->status, back);

    case OCS_STEP_FORM:
        return ocs_ap_step_page(r, out->status, sso, back, want,
                                out->message);

    case OCS_STEP_END:
        return ocs_ap_factor_step_end(r, out->status, sso, NULL, back,
                                      out->title, out->message);

    case OCS_STEP_SIGNIN:
        return ocs_ap_redirect(r, out->status,
                               ocs_ap_step_signin_location(r, back));

    default: /* OCS_STEP_MESSAGE */
        return ocs_ap_step_message(r, out);
    }
}


/* a plain message page: the outcome's title and sentence */
static int
ocs_ap_step_message(request_rec *r, ocs_step_outcome_t *out)
{
    ocs_tpl_var_t  vars[2];

    vars[0] = (ocs_tpl_var_t) { "title", out->title, strlen(out->title), 0 };
    vars[1] = (ocs_tpl_var_t) { "message", out->message,
                                strlen(out->message), 0 };

    return ocs_ap_send_page(r, out->status, OCS_PAGE_MESSAGE, NULL, vars, 2);
}


/*
 * The code form, with error.  A browser that posted a code is sent back
 * to the form with a 303 and a note instead (bound to the session), so
 * that reloading the page does not post the code again.
 */
static int
ocs_ap_step_page(request_rec *r, int status, ocs_ap_sso_ctx_t *sso,
    const char *back, unsigned want, const char *error)
{
    int               rc;
    char             *factors;
    ocs_err_t         err;
    const char       *action;
    ocs_tpl_var_t     vars[11];
    ocs_step_form_t   form;

    if (r->method_number == M_POST && ocs_ap_step_navigating(r)) {
        rc = ocs_ap_step_note_redirect(r, sso, status, back, want, error);
        if (rc != DECLINED) {
            return rc;
        }
    }

    rc = ocs_step_state_make(ocs_ap_sso_keyring(r), ocs_ap_sso_cache(r),
                             ocs_ap_env(), sso->ticket.session, &form, &err);

    if (rc != OCS_OK) {
        /* no random bytes is the system's fault; no token cannot happen */
        ap_log_rerror(APLOG_MARK, (rc == OCS_ERR_SYS) ? APLOG_CRIT
                                                      : APLOG_ALERT,
                      0, r, "ocs auth: %s", err.text);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    action = ocs_ap_step_action(r);
    factors = apr_psprintf(r->pool, "%u", want);

    vars[0] = (ocs_tpl_var_t) { "title", ocs_msg(OCS_MSG_STEP)->title,
                                ocs_msg(OCS_MSG_STEP)->title_len, 0 };
    vars[1] = (ocs_tpl_var_t) { "action", action, strlen(action), 0 };
    vars[2] = (ocs_tpl_var_t) { "state", form.state, OCS_STEP_STATE_LEN, 0 };
    vars[3] = (ocs_tpl_var_t) { "csrf", form.token, OCS_CSRF_TOKEN_LEN, 0 };
    vars[4] = (ocs_tpl_var_t) { "return", back, strlen(back), 0 };
    vars[5] = (ocs_tpl_var_t) { "username", sso->ticket.user,
                                sso->ticket.user_len, 0 };
    vars[6] = (ocs_tpl_var_t) { "error", error, strlen(error), 0 };
    vars[7] = (ocs_tpl_var_t) { "factors", factors, strlen(factors), 0 };

    rc = ocs_ap_step_back(r, sso, &vars[8]);
    if (rc != OK) {
        return rc;
    }

    rc = ocs_ap_send_page(r, status, OCS_PAGE_CODE, NULL, vars, 11);

    ocs_wipe(&form, sizeof(ocs_step_form_t));

    return rc;
}


int
ocs_ap_factor_step_end(request_rec *r, int status, ocs_ap_sso_ctx_t *sso,
    const char *action, const char *back, const char *title,
    const char *message)
{
    int             rc;
    size_t          n;
    ocs_tpl_var_t   vars[7];

    if (action == NULL) {
        action = ocs_ap_step_action(r);
    }

    n = strcspn(action, "?");

    vars[0] = (ocs_tpl_var_t) { "title", title, strlen(title), 0 };
    vars[1] = (ocs_tpl_var_t) { "message", message, strlen(message), 0 };
    vars[2] = (ocs_tpl_var_t) { "action", action, n, 0 };
    vars[3] = (ocs_tpl_var_t) { "return", back, strlen(back), 0 };

    rc = ocs_ap_step_back(r, sso, &vars[4]);
    if (rc != OK) {
        return rc;
    }

    return ocs_ap_send_page(r, status, OCS_PAGE_STEP_END, NULL, vars, 7);
}


/*
 * The way back from the second step, three variables: a sign-out form
 * whose token is bound to the session, and the start page
 */
static int
ocs_ap_step_back(request_rec *r, ocs_ap_sso_ctx_t *sso, ocs_tpl_var_t *vars)
{
    char       *token;
    ocs_err_t   err;

    token = apr_palloc(r->pool, OCS_CSRF_TOKEN_LEN + 1);

    if (ocs_csrf_token(ocs_ap_sso_keyring(r), ocs_ap_sso_cache(r),
                       OCS_CSRF_STEP_SIGNOUT, sso->ticket.session,
                       OCS_SESSION_LEN, token, OCS_CSRF_TOKEN_LEN + 1, &err)
        != OCS_OK)
    {
        ap_log_rerror(APLOG_MARK, APLOG_ALERT, 0, r,
                      "ocs auth: sign-out token: %s", err.text);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    vars[0].name = "signout";
    vars[0].value = ocs_page(OCS_PAGE_PART_SIGNOUT, &vars[0].len);
    vars[0].raw = OCS_TPL_NESTED;
    vars[1] = (ocs_tpl_var_t) { "signout_csrf", token, OCS_CSRF_TOKEN_LEN,
                                0 };
    /* the sign-in part's OCSDefaultReturn, once it has one */
    vars[2] = (ocs_tpl_var_t) { "home", "/", 1, 0 };

    return OK;
}


const char *
ocs_ap_factor_step_url(request_rec *r, unsigned required)
{
    const char  *url, *back, *host;

    url = ocs_ap_signin_url(r);
    back = r->unparsed_uri;

    if (url[0] != '/') {
        host = apr_table_get(r->headers_in, "Host");
        back = apr_pstrcat(r->pool, "https://", host ? host : r->hostname,
                           r->unparsed_uri, NULL);
    }

    /*
     * f=N, the code factors this directory accepts, keeps the second step
     * from checking a code with a factor that would not satisfy it
     */
    return apr_psprintf(r->pool, "%s%cstep=2&f=%u&r=%s", url,
                        strchr(url, '?') ? '&' : '?',
                        required & OCS_STEP_CODE_FACTORS,
                        ocs_ap_step_pct(r, back));
}


/* the sign-in page with back as its way back */
static const char *
ocs_ap_step_signin_location(request_rec *r, const char *back)
{
    return apr_pstrcat(r->pool, r->uri, "?r=", ocs_ap_step_pct(r, back),
                       NULL);
}


/* a return URL (decoded, len bytes) that is safe, or the start page */
static const char *
ocs_ap_step_return(request_rec *r, const char *url, size_t len)
{
    const char  *host;

    if (url == NULL || len == 0 || len > OCS_RETURN_MAX) {
        return "/";
    }

    host = apr_table_get(r->headers_in, "Host");
    if (host == NULL) {
        host = r->hostname ? r->hostname : "";
    }

    /* the sign-in part's OCSReturnHosts, once it has them */
    if (ocs_return_url_check(url, len, host, strlen(host), NULL, 0)
        != OCS_OK)
    {
        return "/";
    }

    return url;
}


/* this URL without its query: where the forms post */
static const char *
ocs_ap_step_action(request_rec *r)
{
    return apr_pstrndup(r->pool, r->unparsed_uri,
                        strcspn(r->unparsed_uri, "?"));
}


static const char *
ocs_ap_step_pct(request_rec *r, const char *s)
{
    char    *out;
    size_t   len, n;

    len = strlen(s);
    out = apr_palloc(r->pool, 3 * len + 1);
    (void) ocs_pct_encode(s, len, out, 3 * len, &n);
    out[n] = '\0';

    return out;
}


/* a browser navigating, as Fetch Metadata says: it may follow a 303 */
static int
ocs_ap_step_navigating(request_rec *r)
{
    const char  *v;

    v = apr_table_get(r->headers_in, "Sec-Fetch-Mode");

    return v != NULL && strcasecmp(v, "navigate") == 0;
}


static int
ocs_ap_step_cross_site(request_rec *r)
{
    ocs_hdr_t    hdr;
    const char  *host;

    ocs_ap_hdr(r, &hdr);

    host = apr_table_get(r->headers_in, "Host");
    if (host == NULL) {
        host = r->hostname ? r->hostname : "";
    }

    return ocs_web_cross_site(&hdr, host, strlen(host));
}


/*
 * The note's cookie lives on the form's path, which must say the same
 * in a Path attribute and a Location: DECLINED for one that cannot.
 */
static int
ocs_ap_step_note_path(request_rec *r)
{
    const char  *p;

    if (r->uri == NULL || r->uri[0] != '/') {
        return DECLINED;
    }

    for (p = r->uri; *p != '\0'; p++) {
        if (!apr_isalnum(*p) && strchr("/-_.~", *p) == NULL) {
            return DECLINED;
        }
    }

    return OK;
}


/*
 * Sends a browser back to the form with a 303 and what it would have
 * answered in a note cookie, bound to the session: DECLINED when the
 * path cannot carry a note, else DONE or 500
 */
static int
ocs_ap_step_note_redirect(request_rec *r, ocs_ap_sso_ctx_t *sso, int status,
    const char *back, unsigned want, const char *error)
{
    char             *value;
    ocs_err_t         err;
    ocs_cookie_t      c;
    ocs_page_note_t  *note;

    if (ocs_ap_step_note_path(r) != OK) {
        return DECLINED;
    }

    note = apr_pcalloc(r->pool, sizeof(ocs_page_note_t));
    note->status = status;
    note->message_len = strlen(error);
    if (note->message_len > OCS_PAGE_NOTE_TEXT_MAX) {
        note->message_len = OCS_PAGE_NOTE_TEXT_MAX;
    }
    memcpy(note->message, error, note->message_len);

    value = apr_palloc(r->pool, OCS_PAGE_NOTE_MAX);

    if (ocs_page_note_seal(ocs_ap_sso_keyring(r), ocs_ap_sso_cache(r),
                           sso->ticket.session, OCS_SESSION_LEN, note,
                           apr_time_sec(apr_time_now()) + OCS_AP_STEP_NOTE_TTL,
                           value, OCS_PAGE_NOTE_MAX, &err)
        != OCS_OK)
    {
        ap_log_rerror(APLOG_MARK, APLOG_ALERT, 0, r,
                      "ocs auth: page note: %s", err.text);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    memset(&c, 0, sizeof(ocs_cookie_t));
    c.name = ocs_ap_sso_cookie_name(r, OCS_AP_COOKIE_NOTE);
    c.name_len = strlen(c.name);
    c.value = value;
    c.value_len = strlen(value);
    c.path = r->uri;
    c.path_len = strlen(r->uri);
    c.same_site = "Strict";
    c.same_site_len = 6;
    c.max_age = OCS_AP_STEP_NOTE_TTL;

    if (ocs_ap_cookie_set(r, &c) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    return ocs_ap_redirect(r, HTTP_SEE_OTHER,
                           apr_psprintf(r->pool, "%s?step=2&f=%u&r=%s",
                                        r->uri, want,
                                        ocs_ap_step_pct(r, back)));
}


/*
 * The replay marks of the second step, in the store every process
 * shares.  No room is the core's outcome to log (a 503), as on nginx.
 */
static int
ocs_ap_step_once(void *data, int kind, const unsigned char *key, size_t len,
    int64_t value, int64_t expires)
{
    request_rec  *r = data;

    return ocs_guard_once(ocs_ap_store(r->server, OCS_AP_STORE_GUARD),
                          ocs_ap_env(), kind, key, len, value, expires);
}
