/*
 * The sign-in post of mod_auth_ocs, the counterpart of the POST half of
 * ngx_http_ocs_auth_signin.c: the form's origin and CSRF token checked,
 * the name and password pre-checked, the lockout asked, then one core
 * call (ocs_login_check) with this directory's sources: the user file,
 * the directory (ocs_ap_ldap.c fills its part) or Kerberos.  Apache
 * request threads may block, so the call is made here, each source with
 * its own timeout.  Unknown users cost the same hashing as known ones
 * and get the same answer.
 */

#include "mod_auth_ocs.h"

#include <ocs/ocs_csrf.h>
#include <ocs/ocs_login.h>
#include <ocs/ocs_password.h>


/* log lines carry the module: [auth_ocs:level], LogLevel auth_ocs:... */



/* one password sign-in */
typedef struct {
    ocs_login_conf_t         conf;
    ocs_login_input_t        in;
    ocs_login_result_t       result;
    ocs_login_outcome_t      out;
    int                      directory;  /* conf has the directory's part */
    const char              *back;
    const char              *sip;
    int                      computer;
    ocs_guard_attempt_t      attempt;    /* charged before the password is
                                            tried */
} ocs_ap_signin_task_t;


static ocs_ap_signin_task_t *ocs_ap_signin_task(request_rec *r,
    const char *body, size_t len, const char *back);
static int ocs_ap_signin_origin(request_rec *r, const char *body,
    size_t len, ocs_ap_signin_task_t *task);
static int ocs_ap_signin_user(request_rec *r, const char *body, size_t len,
    ocs_ap_signin_task_t *task, char **user, size_t *user_len,
    char **password, size_t *password_len);
static int ocs_ap_signin_start(request_rec *r, ocs_ap_signin_task_t *task,
    const char *user, size_t user_len, char *password, size_t password_len);
static int ocs_ap_signin_sources(request_rec *r, ocs_ap_signin_task_t *task);
static int ocs_ap_signin_locked(request_rec *r, ocs_ap_signin_task_t *task,
    const char *user, int64_t left, const char *why);
static void ocs_ap_signin_settle(request_rec *r, ocs_ap_signin_task_t *task,
    int count);
static int ocs_ap_signin_refused(request_rec *r,
    ocs_ap_signin_task_t *task, const char *typed);
static int ocs_ap_signin_issue(request_rec *r, ocs_ap_signin_task_t *task);


/*
 * The decoded password is wiped on the way out whatever happened
 * (ocs_login_check() wipes its copy too), the body as soon as its
 * fields are read.
 */
int
ocs_ap_signin_post(request_rec *r, char *body, size_t len, const char *back)
{
    int                    rc;
    char                  *user, *password;
    size_t                 user_len, password_len;
    ocs_ap_signin_task_t  *task;

    password = NULL;
    password_len = 0;

    task = ocs_ap_signin_task(r, body, len, back);

    /* DECLINED: nothing answered yet, go on */
    rc = ocs_ap_signin_origin(r, body, len, task);
    if (rc != DECLINED) {
        goto cleanup;
    }

    rc = ocs_ap_signin_user(r, body, len, task, &user, &user_len, &password,
                            &password_len);
    if (rc != DECLINED) {
        goto cleanup;
    }

    /* the copies in user and password are all that is left of the body */
    ocs_wipe(body, len);

    rc = ocs_ap_signin_start(r, task, user, user_len, password,
                             password_len);

cleanup:

    ocs_wipe(body, len);

    if (password != NULL) {
        ocs_wipe(password, password_len);
    }

    return rc;
}


/* the sign-in's state, with what the answer shows whatever comes */
static ocs_ap_signin_task_t *
ocs_ap_signin_task(request_rec *r, const char *body, size_t len,
    const char *back)
{
    int                    rc;
    char                  *computer, *sip;
    size_t                 n;
    ocs_ap_signin_task_t  *task;

    if (ocs_ap_form_field(r, body, len, "computer", 16, &computer, &n)
        != OK)
    {
        computer = "";
    }

    rc = ocs_ap_form_field(r, body, len, "sip", OCS_SIP_MAX, &sip, &n);

    if (rc == HTTP_BAD_REQUEST) {
        /* a sign-in address that cannot be read cannot match */
        sip = "(unreadable)";

    } else if (rc != OK) {
        sip = NULL;
    }

    task = apr_pcalloc(r->pool, sizeof(ocs_ap_signin_task_t));

    task->back = back;
    task->sip = sip;
    task->computer = (strcmp(computer, "private") == 0)
                     ? OCS_COMPUTER_PRIVATE : OCS_COMPUTER_PUBLIC;

    return task;
}


/* a form of this site, in a page this browser was given: DECLINED, or
   the answer */
static int
ocs_ap_signin_origin(request_rec *r, const char *body, size_t len,
    ocs_ap_signin_task_t *task)
{
    char                  *token;
    size_t                 n;
    ocs_hdr_t              hdr;
    const char            *host;
    ocs_ap_signin_csrf_t   csrf;

    ocs_ap_hdr(r, &hdr);
    host = apr_table_get(r->headers_in, "Host");
    host = host ? host : "";

    if (ocs_web_cross_site(&hdr, host, strlen(host))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: sign-in posted from another site refused");
        return ocs_ap_send_msg(r, HTTP_FORBIDDEN, OCS_MSG_SIGNIN_CROSS_SITE,
                               NULL);
    }

    if (ocs_ap_form_field(r, body, len, "csrf", OCS_CSRF_TOKEN_LEN + 1,
                          &token, &n)
        != OK
        || ocs_ap_signin_csrf(r, &csrf, 0) != OK
        || ocs_csrf_verify(ocs_ap_sso_keyring(r), ocs_ap_sso_cache(r),
                           OCS_CSRF_SIGNIN, csrf.nonce, sizeof(csrf.nonce),
                           token, n)
           != OCS_OK)
    {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: sign-in without a valid csrf token "
                      "refused");
        return ocs_ap_signin_form(r, HTTP_FORBIDDEN, task->back, NULL, NULL,
                                  task->computer,
                                  ocs_msg(OCS_MSG_SIGNIN_EXPIRED)->text, 0);
    }

    return DECLINED;
}


/*
 * The user name and password, and whether they may be tried: a usable
 * name, not locked, a password at all.  DECLINED, or the answer.
 */
static int
ocs_ap_signin_user(request_rec *r, const char *body, size_t len,
    ocs_ap_signin_task_t *task, char **user, size_t *user_len,
    char **password, size_t *password_len)
{
    int                   kind;
    int64_t               locked;
    const char           *why;
    ocs_login_input_t     in;
    ocs_login_outcome_t  *pre;

    if (ocs_ap_form_field(r, body, len, "username", OCS_NAME_MAX, user,
                          user_len)
        != OK
        || ocs_ap_form_field(r, body, len, "password", 1024, password,
                             password_len)
           != OK)
    {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: sign-in form without a usable user name "
                      "or password");
        return ocs_ap_signin_form(r, HTTP_UNAUTHORIZED, task->back, NULL,
                                  NULL, task->computer,
                                  ocs_msg(OCS_MSG_SIGNIN_FAILED)->text, 0);
    }

    pre = apr_palloc(r->pool, sizeof(ocs_login_outcome_t));

    memset(&in, 0, sizeof(ocs_login_input_t));
    in.name = *user;
    in.name_len = *user_len;
    in.password_len = *password_len;

    kind = ocs_login_precheck(&in, pre);

    if (kind == OCS_LOGIN_BAD_NAME) {
        ocs_ap_log_login(r, pre->level, pre->reason);
        return ocs_ap_signin_form(r, pre->status, task->back, NULL, NULL,
                                  task->computer, pre->message, 0);
    }

    why = NULL;
    locked = ocs_ap_guard_locked(r, *user, *user_len, 0, &why);

    if (locked) {
        /* not even tried: a locked account is never guessed at */
        return ocs_ap_signin_locked(r, task, *user, locked, why);
    }

    ocs_ap_guard_attempt_init(r, *user, *user_len, &task->attempt);

    if (kind != OCS_LOGIN_OK) {
        ocs_ap_log_login(r, pre->level, pre->reason);
        return ocs_ap_signin_form(r, pre->status, task->back,
                                  pre->name ? *user : NULL, NULL,
                                  task->computer, pre->message, 0);
    }

    return DECLINED;
}


/* the password checked with this directory's sources, and the answer */
static int
ocs_ap_signin_start(request_rec *r, ocs_ap_signin_task_t *task,
    const char *user, size_t user_len, char *password, size_t password_len)
{
    int                   rc;
    ocs_login_conf_t     *conf;
    ocs_login_outcome_t  *out;

    conf = &task->conf;

    rc = ocs_ap_signin_sources(r, task);
    if (rc != OK) {
        return rc;
    }

    /*
     * With a directory, the attempt is counted by the account the
     * directory's search finds (before the KDC is asked, with Kerberos);
     * without one, by the name typed, here.
     */
    if (conf->ld == NULL
        && ocs_guard_charge(&task->attempt, NULL, 0, NULL) != OCS_OK)
    {
        return ocs_ap_signin_locked(r, task, user, task->attempt.left,
                                    task->attempt.why);
    }

    task->in.name = user;
    task->in.name_len = user_len;
    task->in.password = password;
    task->in.password_len = password_len;
    task->in.sip = task->sip;
    task->in.sip_len = task->sip ? strlen(task->sip) : 0;
    task->in.computer = task->computer;

    /* Apache's request threads may block: the check runs here */
    (void) ocs_login_check(conf, &task->in, &task->result, &task->out);

    out = &task->out;

    ocs_ap_log_login(r, out->note_level, out->note);

    switch (out->kind) {

    case OCS_LOGIN_OK:
        rc = ocs_ap_signin_issue(r, task);
        break;

    case OCS_LOGIN_THROTTLED:
        /* the account the directory found is locked here: not tried */
        rc = ocs_ap_signin_locked(r, task, user, task->attempt.left,
                                  task->attempt.why);
        break;

    default:
        rc = ocs_ap_signin_refused(r, task, user);
    }

    /* the user's TOTP secret, read with the user file's line */
    ocs_wipe(task->result.entry.totp, sizeof(task->result.entry.totp));

    return rc;
}


/* the user file, the directory and Kerberos of this directory */
static int
ocs_ap_signin_sources(request_rec *r, ocs_ap_signin_task_t *task)
{
    int                   rc;
    const char           *user_file;
    ocs_login_conf_t     *conf;
    ocs_ap_signin_dir_t  *dir;

    dir = &ocs_ap_dir(r)->signin;
    conf = &task->conf;

    rc = ocs_ap_ldap_login_conf(r, conf);

    if (rc == OK) {
        task->directory = 1;
        conf->admit = ocs_guard_admit;
        conf->admit_data = &task->attempt;

    } else if (rc != DECLINED) {
        return rc;

    } else {
        memset(conf, 0, sizeof(ocs_login_conf_t));
    }

    if (dir->krb5_password == 1) {
        conf->keytab = ocs_ap_signin_keytab(r);
        conf->server = ocs_ap_signin_principal(r);
        conf->timeout = ocs_ap_signin_krb5_timeout_ms(r);

        if (conf->keytab == NULL) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "ocs auth: OCSKerberosPassword is on at \"%s\" "
                          "without an OCSKeytab; set OCSKeytab", r->uri);
            return ocs_ap_send_msg(r, HTTP_INTERNAL_SERVER_ERROR,
                                   OCS_MSG_SIGNIN_NOT_SET_UP, NULL);
        }
    }

    user_file = dir->user_file;

    if (conf->ld == NULL && conf->keytab == NULL) {
        if (user_file == NULL || user_file[0] == '\0') {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "ocs auth: the sign-in page \"%s\" has no way to "
                          "check passwords; set OCSUserFile, OCSLDAP or "
                          "OCSKerberosPassword", r->uri);
            return ocs_ap_send_msg(r, HTTP_INTERNAL_SERVER_ERROR,
                                   OCS_MSG_SIGNIN_NOT_SET_UP, NULL);
        }

        /* hashing scratch, only for the user file */
        conf->user_file = user_file;
        conf->work = apr_palloc(r->pool, ocs_password_work_size());
    }

    return OK;
}


/* the answer while sign-ins of this user or address are locked */
static int
ocs_ap_signin_locked(request_rec *r, ocs_ap_signin_task_t *task,
    const char *user, int64_t left, const char *why)
{
    char  text[128];

    if (task->attempt.busy) {
        /* as many in flight as failures may still come before a lock */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: sign-in of user \"%s\" refused: as many "
                      "sign-ins in flight as may still fail (%s)", user,
                      why);

        return ocs_ap_signin_form(r, HTTP_TOO_MANY_REQUESTS, task->back,
                                  user, NULL, task->computer,
                                  ocs_msg(OCS_MSG_SIGNIN_IN_FLIGHT)->text,
                                  1);
    }

    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  "ocs auth: sign-in of user \"%s\" refused: too many "
                  "failures (%s), locked for %" APR_INT64_T_FMT " s more",
                  user, why, (apr_int64_t) left);

    (void) ocs_page_locked_message(left, text, sizeof(text));

    return ocs_ap_signin_form(r, HTTP_TOO_MANY_REQUESTS, task->back, user,
                              NULL, task->computer,
                              apr_pstrdup(r->pool, text), left);
}


/* what the attempt's outcome (OCS_LOGIN_COUNT_*) does to the counts */
static void
ocs_ap_signin_settle(request_rec *r, ocs_ap_signin_task_t *task, int count)
{
    int  outcome;

    switch (count) {

    case OCS_LOGIN_COUNT_FAILED:
        outcome = OCS_GUARD_FAILED;
        break;

    case OCS_LOGIN_COUNT_SUCCEEDED:
        outcome = OCS_GUARD_SUCCEEDED;
        break;

    default:
        outcome = OCS_GUARD_NEUTRAL;
    }

    ocs_ap_guard_settle(r, &task->attempt, outcome);
}


/* a sign-in refused: the form again, or a page when the source is out */
static int
ocs_ap_signin_refused(request_rec *r, ocs_ap_signin_task_t *task,
    const char *typed)
{
    ocs_tpl_var_t         vars[2];
    ocs_login_outcome_t  *out = &task->out;

    ocs_ap_signin_settle(r, task, out->count);
    ocs_ap_log_login(r, out->level, out->reason);

    if (!out->form) {
        vars[0] = (ocs_tpl_var_t) { "title", out->title, strlen(out->title),
                                    0 };
        vars[1] = (ocs_tpl_var_t) { "message", out->message,
                                    strlen(out->message), 0 };

        return ocs_ap_send_page(r, out->status, OCS_PAGE_MESSAGE, NULL, vars,
                                2);
    }

    return ocs_ap_signin_form(r, out->status, task->back, typed,
                              out->keep_sip ? task->sip : NULL,
                              task->computer, out->message, 0);
}


/*
 * A sign-in that succeeded: the ticket (with the directory's facts when
 * there is a directory), the sign-in nonce cleared, the way back.
 */
static int
ocs_ap_signin_issue(request_rec *r, ocs_ap_signin_task_t *task)
{
    size_t                 n;
    ocs_ticket_t          *t;
    ocs_login_outcome_t   *out;
    ocs_ap_signin_csrf_t   csrf;

    out = &task->out;

    t = apr_pcalloc(r->pool, sizeof(ocs_ticket_t));

    n = out->name_len < OCS_USER_MAX ? out->name_len : OCS_USER_MAX;
    memcpy(t->user, out->name, n);
    t->user_len = n;
    t->methods = OCS_METHOD_PASSWORD;
    t->computer = (unsigned) task->computer;

    if (out->directory && task->directory) {
        ocs_ap_ldap_fill_ticket(r, &task->conf, t);
    }

    /* issue() wipes the session id, the one secret in t */
    if (ocs_ap_sso_issue(r, t) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    ocs_ap_signin_settle(r, task, OCS_LOGIN_COUNT_SUCCEEDED);

    if (ocs_ap_signin_csrf(r, &csrf, 0) == OK
        && ocs_ap_cookie_clear(r, csrf.name, NULL, "Strict") != OK)
    {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    ocs_ap_log_login(r, out->level, out->reason);

    return ocs_ap_redirect(r, HTTP_SEE_OTHER, task->back);
}


