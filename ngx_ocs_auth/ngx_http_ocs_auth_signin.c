/*
 * The sign-in page of ngx_http_ocs_auth_module.
 *
 * GET shows the form with a CSRF token: the token is an HMAC of a random
 * nonce that the browser holds in a SameSite=Strict cookie, so a form
 * posted from another site has neither.  POST checks the token and the
 * Origin, then verifies the password in a thread pool: the user file is
 * read and hashed there, never on the event loop.  Unknown users cost
 * the same hashing as known ones and get the same answer.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs_auth.h>
#include <ocs/ocs_csrf.h>
#include <ocs/ocs_login.h>


#define NGX_HTTP_OCS_AUTH_NONCE_LEN  16


/*
 * One password sign-in.  The pool thread runs the one core call
 * (ocs_login_check) on conf and in; out says what to answer.
 */
typedef struct {
    ocs_login_conf_t         conf;
    ocs_login_input_t        in;
    ocs_login_result_t       result;
    ocs_login_outcome_t      out;
    /* the directory's facts of the account, when there is one */
    ngx_array_t             *facts;
    ocs_authz_result_t  *res;
    /* kept for the answer */
    ngx_str_t                back;
    ngx_str_t                sip;
    ngx_uint_t               computer;
    /* the lockout counts: charged before the password is tried */
    ocs_guard_attempt_t  attempt;
} ngx_http_ocs_auth_task_t;


typedef struct {
    ngx_str_t                name;
    u_char                   nonce[NGX_HTTP_OCS_AUTH_NONCE_LEN];
    ngx_uint_t               fresh;        /* nonce needs a cookie */
} ngx_http_ocs_auth_csrf_t;


static ngx_http_ocs_auth_task_t *ngx_http_ocs_auth_signin_task(
    ngx_http_request_t *r, ngx_str_t *body, ngx_str_t *back);
static ngx_int_t ngx_http_ocs_auth_signin_origin(ngx_http_request_t *r,
    ngx_str_t *body, ngx_http_ocs_auth_task_t *task);
static ngx_int_t ngx_http_ocs_auth_signin_user(ngx_http_request_t *r,
    ngx_str_t *body, ngx_http_ocs_auth_task_t *task, ngx_str_t *user,
    ngx_str_t *password);
static ngx_int_t ngx_http_ocs_auth_signin_start(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task, ngx_str_t *user, ngx_str_t *password);
static ngx_int_t ngx_http_ocs_auth_signin_sources(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task);
static void ngx_http_ocs_auth_signin_thread(void *data);
static int ngx_http_ocs_auth_signin_evaluate(void *data, ocs_err_t *err);
static void ngx_http_ocs_auth_signin_done(ngx_http_request_t *r,
    void *data);
static ngx_int_t ngx_http_ocs_auth_locked(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task, ngx_str_t *back, ngx_str_t *user,
    time_t left, const char *why);
static void ngx_http_ocs_auth_signin_settle(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task, int count);
static ngx_int_t ngx_http_ocs_auth_signin_refused(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task, ngx_str_t *typed);
static ngx_int_t ngx_http_ocs_auth_signin_issue(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task);
static ngx_int_t ngx_http_ocs_auth_page(ngx_http_request_t *r,
    ngx_uint_t status, ngx_str_t *back, ngx_str_t *user, ngx_str_t *sip,
    ngx_uint_t computer, const char *error);
static ngx_int_t ngx_http_ocs_auth_form(ngx_http_request_t *r,
    ngx_uint_t status, ngx_str_t *back, ngx_str_t *user, ngx_str_t *sip,
    ngx_uint_t computer, const char *error, time_t retry);
static ngx_int_t ngx_http_ocs_auth_form_note(ngx_http_request_t *r,
    ngx_http_ocs_auth_csrf_t *csrf, ngx_uint_t status, ngx_str_t *back,
    ngx_str_t *user, ngx_str_t *sip, ngx_uint_t computer,
    const char *error, time_t retry);
static ngx_int_t ngx_http_ocs_auth_form_vars(ngx_http_request_t *r,
    ocs_tpl_var_t *vars, ngx_str_t *action, char *token, ngx_str_t *back,
    ngx_str_t *user, ngx_str_t *sip, ngx_uint_t computer,
    const char *error);
static ngx_int_t ngx_http_ocs_auth_retry_after(ngx_http_request_t *r,
    time_t retry);
static ngx_int_t ngx_http_ocs_auth_hint(ngx_http_request_t *r,
    ngx_uint_t computer, ocs_tpl_var_t *var, const char *name);
static ngx_int_t ngx_http_ocs_auth_csrf(ngx_http_request_t *r,
    ngx_http_ocs_auth_csrf_t *csrf, ngx_uint_t create);
static ngx_int_t ngx_http_ocs_auth_csrf_cookie(ngx_http_request_t *r,
    ngx_http_ocs_auth_csrf_t *csrf);


/*
 * The form, with what a failed post said when the browser was sent here
 * after it (its note, bound to the sign-in nonce)
 */
ngx_int_t
ngx_http_ocs_auth_signin_again(ngx_http_request_t *r, ngx_str_t *back)
{
    ngx_str_t                  user, sip;
    ocs_page_note_t           *note;
    ngx_http_ocs_auth_csrf_t   csrf;

    note = ngx_palloc(r->pool, sizeof(ocs_page_note_t));
    if (note == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_ocs_auth_csrf(r, &csrf, 0) != NGX_OK) {
        ngx_memzero(csrf.nonce, sizeof(csrf.nonce));
    }

    switch (ngx_http_ocs_auth_note_take(r, csrf.nonce, sizeof(csrf.nonce),
                                        note))
    {
    case NGX_OK:
        user.data = (u_char *) note->user;
        user.len = note->user_len;
        sip.data = (u_char *) note->sip;
        sip.len = note->sip_len;

        return ngx_http_ocs_auth_form(r, note->status, back, &user, &sip,
                                      note->computer, note->message,
                                      note->retry);

    case NGX_ERROR:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;

    default:
        return ngx_http_ocs_auth_form(r, NGX_HTTP_OK, back, NULL, NULL,
                                      OCS_COMPUTER_PUBLIC, "", 0);
    }
}


/*
 * The sign-in post, its body read by ngx_http_ocs_auth_page.c: the
 * form's origin checked, the password posted to the thread pool.  The
 * decoded password is wiped on the way out, except the one the thread
 * now has (NGX_DONE): ocs_login_check() wipes that one.  The caller
 * wipes the body.
 */
ngx_int_t
ngx_http_ocs_auth_signin_post(ngx_http_request_t *r, ngx_str_t *body,
    ngx_str_t *back)
{
    ngx_int_t                  rc;
    ngx_str_t                  user, password;
    ngx_http_ocs_auth_task_t  *task;

    ngx_str_null(&password);

    task = ngx_http_ocs_auth_signin_task(r, body, back);
    if (task == NULL) {
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        goto cleanup;
    }

    /* NGX_DECLINED: nothing answered yet, go on */
    rc = ngx_http_ocs_auth_signin_origin(r, body, task);
    if (rc != NGX_DECLINED) {
        goto cleanup;
    }

    rc = ngx_http_ocs_auth_signin_user(r, body, task, &user, &password);
    if (rc != NGX_DECLINED) {
        goto cleanup;
    }

    /* the copies in user and password are all that is left of the body */
    ngx_explicit_memzero(body->data, body->len);

    rc = ngx_http_ocs_auth_signin_start(r, task, &user, &password);

cleanup:

    ngx_explicit_memzero(body->data, body->len);

    if (rc != NGX_DONE && password.data != NULL) {
        ngx_explicit_memzero(password.data, password.len);
    }

    return rc;
}


/* the sign-in's state, with what the answer shows whatever comes */
static ngx_http_ocs_auth_task_t *
ngx_http_ocs_auth_signin_task(ngx_http_request_t *r, ngx_str_t *body,
    ngx_str_t *back)
{
    ngx_int_t                  rc;
    ngx_str_t                  computer, sip;
    ngx_http_ocs_auth_task_t  *task;

    if (ngx_http_ocs_form_field(r, body, "computer", 16, &computer)
        != NGX_OK)
    {
        ngx_str_null(&computer);
    }

    rc = ngx_http_ocs_form_field(r, body, "sip", OCS_SIP_MAX, &sip);

    if (rc == NGX_ABORT) {
        /* a sign-in address that cannot be read cannot match */
        ngx_str_set(&sip, "(unreadable)");

    } else if (rc != NGX_OK) {
        ngx_str_null(&sip);
    }

    task = ngx_pcalloc(r->pool, sizeof(ngx_http_ocs_auth_task_t));
    if (task == NULL) {
        return NULL;
    }

    task->back = *back;
    task->sip = sip;
    task->computer = (computer.len == 7
                      && ngx_strncmp(computer.data, "private", 7) == 0)
                     ? OCS_COMPUTER_PRIVATE : OCS_COMPUTER_PUBLIC;

    return task;
}


/* a form of this site, in a page this browser was given: NGX_DECLINED,
   or the answer */
static ngx_int_t
ngx_http_ocs_auth_signin_origin(ngx_http_request_t *r, ngx_str_t *body,
    ngx_http_ocs_auth_task_t *task)
{
    ngx_str_t                 token;
    ngx_http_ocs_auth_csrf_t  csrf;

    if (ngx_http_ocs_cross_site(r)) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: sign-in posted from another site refused");
        return ngx_http_ocs_send_msg(r, NGX_HTTP_FORBIDDEN,
                                     OCS_MSG_SIGNIN_CROSS_SITE);
    }

    if (ngx_http_ocs_form_field(r, body, "csrf", OCS_CSRF_TOKEN_LEN + 1,
                                &token)
        != NGX_OK
        || ngx_http_ocs_auth_csrf(r, &csrf, 0) != NGX_OK
        || ocs_csrf_verify(ngx_http_ocs_sso_keyring(r),
                           ngx_http_ocs_sso_cache(r), OCS_CSRF_SIGNIN,
                           csrf.nonce, sizeof(csrf.nonce),
                           (char *) token.data, token.len)
           != OCS_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: sign-in without a valid csrf token refused");
        return ngx_http_ocs_auth_page(r, NGX_HTTP_FORBIDDEN, &task->back,
                                      NULL, NULL, task->computer,
                                      ocs_msg(OCS_MSG_SIGNIN_EXPIRED)->text);
    }

    return NGX_DECLINED;
}


/*
 * The user name and password, and whether they may be tried: a usable
 * name, not locked, a password at all.  NGX_DECLINED, or the answer.
 */
static ngx_int_t
ngx_http_ocs_auth_signin_user(ngx_http_request_t *r, ngx_str_t *body,
    ngx_http_ocs_auth_task_t *task, ngx_str_t *user, ngx_str_t *password)
{
    int                            kind;
    time_t                         locked;
    const char                    *why;
    ocs_login_input_t              in;
    ocs_login_outcome_t           *pre;
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    if (ngx_http_ocs_form_field(r, body, "username", OCS_NAME_MAX, user)
        != NGX_OK
        || ngx_http_ocs_form_field(r, body, "password", 1024, password)
           != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: sign-in form without a usable user name "
                      "or password");
        return ngx_http_ocs_auth_page(r, NGX_HTTP_UNAUTHORIZED, &task->back,
                                      NULL, NULL, task->computer,
                                      ocs_msg(OCS_MSG_SIGNIN_FAILED)->text);
    }

    pre = ngx_palloc(r->pool, sizeof(ocs_login_outcome_t));
    if (pre == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&in, sizeof(ocs_login_input_t));
    in.name = (const char *) user->data;
    in.name_len = user->len;
    in.password_len = password->len;

    kind = ocs_login_precheck(&in, pre);

    if (kind == OCS_LOGIN_BAD_NAME) {
        ngx_http_ocs_auth_login_log(r, pre->level, pre->reason);
        return ngx_http_ocs_auth_page(r, pre->status, &task->back, NULL,
                                      NULL, task->computer, pre->message);
    }

    locked = ngx_http_ocs_auth_guard_locked(r, alcf, user, 0, &why);

    if (locked) {
        /* not even tried: a locked account is never guessed at */
        return ngx_http_ocs_auth_locked(r, task, &task->back, user, locked,
                                        why);
    }

    if (ngx_http_ocs_auth_guard_attempt_init(r, alcf, user, &task->attempt)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (kind != OCS_LOGIN_OK) {
        ngx_http_ocs_auth_login_log(r, pre->level, pre->reason);
        return ngx_http_ocs_auth_page(r, pre->status, &task->back,
                                      pre->name ? user : NULL, NULL,
                                      task->computer, pre->message);
    }

    return NGX_DECLINED;
}


/* the password to the thread pool, with this location's sources */
static ngx_int_t
ngx_http_ocs_auth_signin_start(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task, ngx_str_t *user, ngx_str_t *password)
{
    ocs_login_conf_t              *conf;
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);
    conf = &task->conf;

    if (ngx_http_ocs_auth_signin_sources(r, task) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /*
     * With a directory, the attempt is counted in the pool thread, by the
     * account the directory's search finds (before the KDC is asked, with
     * Kerberos); without one, by the name typed, here.
     */
    if (conf->ld == NULL
        && ocs_guard_charge(&task->attempt, NULL, 0, NULL)
           != OCS_OK)
    {
        return ngx_http_ocs_auth_locked(r, task, &task->back, user,
                                        task->attempt.left,
                                        task->attempt.why);
    }

    conf->user_file = (const char *) alcf->user_file.data;
    task->in.name = (const char *) user->data;
    task->in.name_len = user->len;
    task->in.password = (char *) password->data;
    task->in.password_len = password->len;
    task->in.sip = (const char *) task->sip.data;
    task->in.sip_len = task->sip.len;
    task->in.computer = (int) task->computer;

    /* hashing scratch, only for the user file */
    if (conf->ld == NULL && conf->keytab == NULL) {
        conf->work = ngx_palloc(r->pool, ocs_password_work_size());
        if (conf->work == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (ngx_http_ocs_thread_run(r, ngx_http_ocs_thread_pool(r),
                                ngx_http_ocs_auth_signin_thread,
                                ngx_http_ocs_auth_signin_done, task)
        != NGX_OK)
    {
        ngx_http_ocs_auth_signin_settle(r, task, OCS_LOGIN_COUNT_NEUTRAL);
        return ngx_http_ocs_send_msg(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                     OCS_MSG_BUSY);
    }

    return NGX_DONE;
}


/* the directory and Kerberos of this location, when it has them */
static ngx_int_t
ngx_http_ocs_auth_signin_sources(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task)
{
    ocs_login_conf_t               *conf;
    ngx_http_ocs_auth_loc_conf_t   *alcf;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);
    conf = &task->conf;

    if (alcf->directory != NULL) {
        amcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_auth_module);

        /* the thread fills it; it holds nothing secret to clear first */
        task->res = ngx_palloc(r->pool,
                               sizeof(ocs_authz_result_t));
        if (task->res == NULL) {
            return NGX_ERROR;
        }

        task->facts = &amcf->facts;
        conf->ld = alcf->directory->handle;
        conf->directory = (const char *) alcf->directory->name.data;
        conf->directory_len = alcf->directory->name.len;
        conf->acct = &task->res->acct;
        conf->admit = ocs_guard_admit;
        conf->admit_data = &task->attempt;
        conf->evaluate = ngx_http_ocs_auth_signin_evaluate;
        conf->evaluate_data = task;
    }

    if (alcf->krb5_password) {
        conf->keytab = (const char *) alcf->keytab.data;
        conf->server = alcf->principal.len
                       ? (const char *) alcf->principal.data : NULL;
        conf->timeout = (int) ngx_min(alcf->krb5_timeout, 3600000);
    }

    return NGX_OK;
}


/* the answer while sign-ins of this user or address are locked */
static ngx_int_t
ngx_http_ocs_auth_locked(ngx_http_request_t *r, ngx_http_ocs_auth_task_t *task,
    ngx_str_t *back, ngx_str_t *user, time_t left, const char *why)
{
    u_char  *p;

    if (task->attempt.busy) {
        /* as many in flight as failures may still come before a lock */
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: sign-in of user \"%V\" refused: as many "
                      "sign-ins in flight as may still fail (%s)", user, why);

        return ngx_http_ocs_auth_form(r, NGX_HTTP_TOO_MANY_REQUESTS, back,
                                      user, NULL, task->computer,
                                      ocs_msg(OCS_MSG_SIGNIN_IN_FLIGHT)->text,
                                      1);
    }

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "ocs auth: sign-in of user \"%V\" refused: too many "
                  "failures (%s), locked for %T s more", user, why, left);

    p = ngx_pnalloc(r->pool, 128);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    (void) ocs_page_locked_message(left, (char *) p, 128);

    return ngx_http_ocs_auth_form(r, NGX_HTTP_TOO_MANY_REQUESTS, back, user,
                                  NULL, task->computer, (char *) p, left);
}


/* what the attempt's outcome (OCS_LOGIN_COUNT_*) does to the counts */
static void
ngx_http_ocs_auth_signin_settle(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task, int count)
{
    ngx_uint_t                     outcome;
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

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

    ngx_http_ocs_auth_guard_settle(r, alcf, &task->attempt, outcome);
}


/* runs in a pool thread */
static void
ngx_http_ocs_auth_signin_thread(void *data)
{
    ngx_http_ocs_auth_task_t  *task = data;

    (void) ocs_login_check(&task->conf, &task->in, &task->result,
                           &task->out);
}


/* in the pool thread: the facts and groups of the account signing in */
static int
ngx_http_ocs_auth_signin_evaluate(void *data, ocs_err_t *err)
{
    ngx_http_ocs_auth_task_t  *task = data;

    return ocs_authz_evaluate(task->conf.ld, task->facts->elts,
                              task->facts->nelts, task->res, err);
}


static void
ngx_http_ocs_auth_signin_done(ngx_http_request_t *r, void *data)
{
    ngx_http_ocs_auth_task_t  *task = data;

    ngx_int_t                      rc;
    ngx_str_t                      typed;
    ocs_login_outcome_t           *out;
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);
    out = &task->out;

    typed.data = (u_char *) task->in.name;
    typed.len = task->in.name_len;

    ngx_http_ocs_auth_login_log(r, out->note_level, out->note);

    if (out->directory) {
        ngx_http_ocs_auth_ldap_policy_log(r, alcf);
    }

    switch (out->kind) {

    case OCS_LOGIN_OK:
        rc = ngx_http_ocs_auth_signin_issue(r, task);
        break;

    case OCS_LOGIN_THROTTLED:
        /* the account the directory found is locked here: not tried */
        rc = ngx_http_ocs_auth_locked(r, task, &task->back, &typed,
                                      task->attempt.left, task->attempt.why);
        break;

    default:
        rc = ngx_http_ocs_auth_signin_refused(r, task, &typed);
    }

    /* the user's TOTP secret, read with the user file's line */
    ngx_explicit_memzero(task->result.entry.totp,
                         sizeof(task->result.entry.totp));

    ngx_http_finalize_request(r, rc);
}


/* a sign-in refused: the form again, or a page when the source is out */
static ngx_int_t
ngx_http_ocs_auth_signin_refused(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task, ngx_str_t *typed)
{
    ocs_login_outcome_t  *out = &task->out;

    ngx_http_ocs_auth_signin_settle(r, task, out->count);
    ngx_http_ocs_auth_login_log(r, out->level, out->reason);

    if (!out->form) {
        return ngx_http_ocs_send_message(r, out->status, out->title,
                                         out->message);
    }

    return ngx_http_ocs_auth_page(r, out->status, &task->back, typed,
                                  out->keep_sip ? &task->sip : NULL,
                                  task->computer, out->message);
}


/* one line of the core's outcome, "" for none, at its level */
void
ngx_http_ocs_auth_login_log(ngx_http_request_t *r, int level,
    const char *text)
{
    ngx_uint_t  l;

    switch (level) {

    case OCS_LOGIN_LOG_NONE:
        return;

    case OCS_LOGIN_LOG_CRIT:
        l = NGX_LOG_CRIT;
        break;

    case OCS_LOGIN_LOG_WARN:
        l = NGX_LOG_WARN;
        break;

    case OCS_LOGIN_LOG_NOTICE:
        l = NGX_LOG_NOTICE;
        break;

    default:
        l = NGX_LOG_ERR;
    }

    if (text[0] == '\0') {
        return;
    }

    ngx_log_error(l, r->connection->log, 0, "ocs auth: %s", text);
}


/*
 * A sign-in that succeeded: the ticket (with the directory's facts when
 * there is a directory), the sign-in nonce cleared, the way back.
 */
static ngx_int_t
ngx_http_ocs_auth_signin_issue(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task)
{
    ngx_str_t                       none;
    ocs_ticket_t                   *t;
    ocs_login_outcome_t            *out;
    ngx_http_ocs_auth_csrf_t        csrf;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    out = &task->out;

    t = ngx_pcalloc(r->pool, sizeof(ocs_ticket_t));
    if (t == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    t->user_len = ngx_min(out->name_len, OCS_USER_MAX);
    ngx_memcpy(t->user, out->name, t->user_len);
    t->methods = OCS_METHOD_PASSWORD;
    t->computer = task->computer;

    if (out->directory) {
        amcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_auth_module);
        ocs_authz_fill_ticket(t, task->res, amcf->facts_gen, ngx_time());

        if (task->res->groups_truncated) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "ocs auth: the groups of user \"%s\" do not all "
                          "fit in the ticket; $ocs_groups lists the first "
                          "ones", t->user);
        }
    }

    /* issue() wipes the session id, the one secret in t */
    if (ngx_http_ocs_sso_issue(r, t) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_ocs_auth_signin_settle(r, task, OCS_LOGIN_COUNT_SUCCEEDED);

    if (ngx_http_ocs_auth_csrf(r, &csrf, 0) == NGX_OK) {
        ngx_str_null(&none);

        if (ngx_http_ocs_cookie_clear(r, &csrf.name, &none, "Strict")
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    ngx_http_ocs_auth_login_log(r, out->level, out->reason);

    return ngx_http_ocs_redirect(r, NGX_HTTP_SEE_OTHER, task->back.data,
                                 task->back.len);
}


static ngx_int_t
ngx_http_ocs_auth_page(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *back, ngx_str_t *user, ngx_str_t *sip, ngx_uint_t computer,
    const char *error)
{
    return ngx_http_ocs_auth_form(r, status, back, user, sip, computer, error,
                                  0);
}


/*
 * The sign-in form, with error and what was typed.  A browser that
 * posted it is sent to the form with a 303 and a note instead, so that
 * reloading the page it gets does not post the password again (which
 * would count as one more failure); retry is a Retry-After, 0 for none.
 */
static ngx_int_t
ngx_http_ocs_auth_form(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *back, ngx_str_t *user, ngx_str_t *sip, ngx_uint_t computer,
    const char *error, time_t retry)
{
    u_char                        *p;
    ngx_int_t                      rc;
    ngx_str_t                      action;
    ocs_err_t                      err;
    ocs_tpl_var_t                  vars[14];
    ngx_http_ocs_auth_csrf_t       csrf;
    ngx_http_ocs_auth_loc_conf_t  *alcf;
    char                           token[OCS_CSRF_TOKEN_LEN + 1];

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    if (ngx_http_ocs_auth_csrf(r, &csrf, 1) != NGX_OK
        || ngx_http_ocs_auth_csrf_cookie(r, &csrf) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (r->method == NGX_HTTP_POST && ngx_http_ocs_auth_navigating(r)) {
        rc = ngx_http_ocs_auth_form_note(r, &csrf, status, back, user, sip,
                                         computer, error, retry);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    if (ocs_csrf_token(ngx_http_ocs_sso_keyring(r),
                       ngx_http_ocs_sso_cache(r), OCS_CSRF_SIGNIN, csrf.nonce,
                       sizeof(csrf.nonce), token, sizeof(token), &err)
        != OCS_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "ocs auth: csrf token: %s", err.text);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* post back to this very path, without the query */
    p = ngx_strlchr(r->unparsed_uri.data,
                    r->unparsed_uri.data + r->unparsed_uri.len, '?');
    action.data = r->unparsed_uri.data;
    action.len = (p ? p : r->unparsed_uri.data + r->unparsed_uri.len)
                 - r->unparsed_uri.data;

    if (ngx_http_ocs_auth_form_vars(r, vars, &action, token, back, user, sip,
                                    computer, error)
        != NGX_OK
        || ngx_http_ocs_auth_retry_after(r, retry) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (status == NGX_HTTP_UNAUTHORIZED
        && ngx_http_ocs_auth_forms_challenge(r, &action) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_ocs_send_page(r, status, OCS_PAGE_SIGNIN, &alcf->template,
                                  vars, 14);
}


/* the form's answer as a note for the form after a 303; NGX_DECLINED:
   the path cannot carry it */
static ngx_int_t
ngx_http_ocs_auth_form_note(ngx_http_request_t *r,
    ngx_http_ocs_auth_csrf_t *csrf, ngx_uint_t status, ngx_str_t *back,
    ngx_str_t *user, ngx_str_t *sip, ngx_uint_t computer, const char *error,
    time_t retry)
{
    ocs_page_note_t  *note;

    note = ngx_pcalloc(r->pool, sizeof(ocs_page_note_t));
    if (note == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    note->status = (int) status;
    note->computer = (int) computer;
    note->retry = retry;
    note->message_len = ngx_min(ngx_strlen(error), OCS_PAGE_NOTE_TEXT_MAX);
    ngx_memcpy(note->message, error, note->message_len);

    if (user != NULL) {
        note->user_len = ngx_min(user->len, OCS_USER_MAX);
        ngx_memcpy(note->user, user->data, note->user_len);
    }

    if (sip != NULL) {
        note->sip_len = ngx_min(sip->len, OCS_SIP_MAX);
        ngx_memcpy(note->sip, sip->data, note->sip_len);
    }

    return ngx_http_ocs_auth_note_redirect(r, csrf->nonce,
                                           sizeof(csrf->nonce), note, "",
                                           back);
}


/* the form's 14 template variables */
static ngx_int_t
ngx_http_ocs_auth_form_vars(ngx_http_request_t *r, ocs_tpl_var_t *vars,
    ngx_str_t *action, char *token, ngx_str_t *back, ngx_str_t *user,
    ngx_str_t *sip, ngx_uint_t computer, const char *error)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    vars[0] = (ocs_tpl_var_t) { "title", ocs_msg(OCS_MSG_SIGNIN)->title,
                                ocs_msg(OCS_MSG_SIGNIN)->title_len, 0 };
    vars[1] = (ocs_tpl_var_t) { "action", (char *) action->data, action->len,
                                0 };
    vars[2] = (ocs_tpl_var_t) { "csrf", token, OCS_CSRF_TOKEN_LEN, 0 };
    vars[3] = (ocs_tpl_var_t) { "return", (char *) back->data, back->len, 0 };
    vars[4] = (ocs_tpl_var_t) { "username", user ? (char *) user->data : "",
                                user ? user->len : 0, 0 };
    vars[5] = (ocs_tpl_var_t) { "error", error, ngx_strlen(error), 0 };
    vars[6] = (ocs_tpl_var_t) { "public_checked",
                                computer == OCS_COMPUTER_PUBLIC
                                ? "checked" : "", 0, 1 };
    vars[7] = (ocs_tpl_var_t) { "private_checked",
                                computer == OCS_COMPUTER_PRIVATE
                                ? "checked" : "", 0, 1 };
    vars[6].len = ngx_strlen(vars[6].value);
    vars[7].len = ngx_strlen(vars[7].value);
    vars[8] = (ocs_tpl_var_t) { "sip", sip ? (char *) sip->data : "",
                                sip ? sip->len : 0, 0 };

    /* the sign-in address only where a directory can check it */
    vars[9].name = "sip_field";
    vars[9].raw = OCS_TPL_NESTED;

    if (alcf->signin_sip == 1
        || (alcf->signin_sip == NGX_CONF_UNSET && alcf->directory != NULL))
    {
        vars[9].value = ocs_page(OCS_PAGE_PART_SIP, &vars[9].len);

    } else {
        vars[9].value = "";
        vars[9].len = 0;
    }

    /* a name typed already: the password is what is missing */
    vars[10] = (ocs_tpl_var_t) { "username_autofocus", "autofocus", 9,
                                 OCS_TPL_RAW };
    vars[11] = (ocs_tpl_var_t) { "password_autofocus", "", 0, OCS_TPL_RAW };

    if (user != NULL && user->len) {
        vars[10].value = "";
        vars[10].len = 0;
        vars[11].value = "autofocus";
        vars[11].len = 9;
    }

    if (ngx_http_ocs_auth_hint(r, OCS_COMPUTER_PUBLIC, &vars[12],
                               "public_hint")
        != NGX_OK
        || ngx_http_ocs_auth_hint(r, OCS_COMPUTER_PRIVATE, &vars[13],
                                  "private_hint")
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_ocs_auth_retry_after(ngx_http_request_t *r, time_t retry)
{
    ngx_str_t  value;

    if (retry <= 0) {
        return NGX_OK;
    }

    value.data = ngx_pnalloc(r->pool, NGX_TIME_T_LEN);
    if (value.data == NULL) {
        return NGX_ERROR;
    }

    value.len = ngx_sprintf(value.data, "%T", retry) - value.data;

    return ngx_http_ocs_header_out_add(r, "Retry-After", &value);
}


/*
 * The first step's form with a message, as the answer to a post of
 * another form of this page (signing out from the second step)
 */
ngx_int_t
ngx_http_ocs_auth_signin_note(ngx_http_request_t *r, ngx_str_t *back,
    const char *message)
{
    ngx_int_t                      rc;
    ngx_str_t                      url;
    ocs_page_note_t               *note;
    ngx_http_ocs_auth_csrf_t       csrf;
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    note = ngx_pcalloc(r->pool, sizeof(ocs_page_note_t));
    if (note == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    note->status = NGX_HTTP_OK;
    note->message_len = ngx_min(ngx_strlen(message), OCS_PAGE_NOTE_TEXT_MAX);
    ngx_memcpy(note->message, message, note->message_len);

    /* the session's cookies are cleared: a new nonce carries the note */
    if (ngx_http_ocs_auth_csrf(r, &csrf, 2) != NGX_OK
        || ngx_http_ocs_auth_csrf_cookie(r, &csrf) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_ocs_auth_note_redirect(r, csrf.nonce, sizeof(csrf.nonce),
                                         note, "", back);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    /* a path that cannot carry the note: the configured form, without */
    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    if (ngx_http_ocs_auth_signin_url(r, alcf, back->data, back->len, &url)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_ocs_redirect(r, NGX_HTTP_SEE_OTHER, url.data, url.len);
}


/* what choosing a computer class means, with this location's limits */
static ngx_int_t
ngx_http_ocs_auth_hint(ngx_http_request_t *r, ngx_uint_t computer,
    ocs_tpl_var_t *var, const char *name)
{
    char                      *text;
    ngx_http_ocs_sso_class_t   limits;

    ngx_http_ocs_sso_class_limits(r, computer, &limits);

    text = ngx_pnalloc(r->pool, 512);
    if (text == NULL) {
        return NGX_ERROR;
    }

    (void) ocs_page_computer_hint((int) computer, limits.idle,
                                  limits.lifetime, (int) limits.persistent,
                                  text, 512);

    var->name = name;
    var->value = text;
    var->len = ngx_strlen(text);
    var->raw = OCS_TPL_TEXT;

    return NGX_OK;
}


/* a new sign-in nonce goes to the browser with the response */
static ngx_int_t
ngx_http_ocs_auth_csrf_cookie(ngx_http_request_t *r,
    ngx_http_ocs_auth_csrf_t *csrf)
{
    size_t                 len;
    ngx_http_ocs_cookie_t  cookie;

    if (!csrf->fresh) {
        return NGX_OK;
    }

    cookie.name = csrf->name;
    cookie.value.len = ocs_b64url_len(sizeof(csrf->nonce));
    cookie.value.data = ngx_pnalloc(r->pool, cookie.value.len);
    if (cookie.value.data == NULL) {
        return NGX_ERROR;
    }

    (void) ocs_b64url_encode(csrf->nonce, sizeof(csrf->nonce),
                             (char *) cookie.value.data, cookie.value.len,
                             &len);
    ngx_str_null(&cookie.domain);
    ngx_str_set(&cookie.path, "/");
    ngx_str_set(&cookie.same_site, "Strict");
    cookie.max_age = -1;

    /* once: a second form in the same response reuses it */
    csrf->fresh = 0;

    return ngx_http_ocs_cookie_set(r, &cookie);
}


/*
 * The sign-in nonce: from its cookie when the browser has a good one,
 * otherwise (create) a new one that the page sets; create 2: a new one
 * whatever the browser has.
 */
static ngx_int_t
ngx_http_ocs_auth_csrf(ngx_http_request_t *r, ngx_http_ocs_auth_csrf_t *csrf,
    ngx_uint_t create)
{
    size_t                       n;
    ngx_str_t                    value;
    const ocs_env_t             *env;
    ngx_http_ocs_cookie_iter_t   it;

    csrf->name = *ngx_http_ocs_sso_cookie_name(r, 1);
    csrf->fresh = 0;

    /* the first good one of its name: another may shadow it */
    ngx_memzero(&it, sizeof(ngx_http_ocs_cookie_iter_t));

    while (create != 2
           && ngx_http_ocs_cookie_next(r, &csrf->name, &it, &value) == NGX_OK)
    {
        if (ocs_b64url_decode((char *) value.data, value.len, csrf->nonce,
                              sizeof(csrf->nonce), &n) == OCS_OK
            && n == sizeof(csrf->nonce))
        {
            return NGX_OK;
        }
    }

    if (!create) {
        return NGX_DECLINED;
    }

    env = ngx_http_ocs_env();

    if (env->random(env->data, csrf->nonce, sizeof(csrf->nonce)) != OCS_OK) {
        ngx_log_error(NGX_LOG_CRIT, r->connection->log, 0,
                      "ocs auth: no random bytes for a csrf nonce");
        return NGX_ERROR;
    }

    csrf->fresh = 1;

    return NGX_OK;
}


/*
 * The return URL of a sign-in, decoded from an argument, or the default
 * return when it is missing or could lead off-site.
 */
void
ngx_http_ocs_auth_return(ngx_http_request_t *r, u_char *arg, size_t len,
    ngx_str_t *back)
{
    size_t                         n;
    u_char                        *buf;
    ngx_str_t                     *host;
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    *back = alcf->default_return;

    if (len == 0 || len > 3 * OCS_RETURN_MAX) {
        return;
    }

    buf = ngx_pnalloc(r->pool, len);
    if (buf == NULL) {
        return;
    }

    /*
     * a query argument is still encoded; a form field arrives decoded
     * (no query: r->args.data is NULL, and NULL + 0 is undefined)
     */
    if (r->args.len != 0
        && arg >= r->args.data && arg < r->args.data + r->args.len)
    {
        if (ocs_pct_decode((char *) arg, len, 1, (char *) buf, len, &n)
            != OCS_OK)
        {
            return;
        }

    } else {
        ngx_memcpy(buf, arg, len);
        n = len;
    }

    host = (r->headers_in.host != NULL) ? &r->headers_in.host->value
                                        : &r->headers_in.server;

    if (ocs_return_url_check((char *) buf, n, (char *) host->data, host->len,
                             alcf->return_hosts
                             ? (const char *const *)
                               alcf->return_hosts->elts
                             : NULL,
                             alcf->return_hosts
                             ? alcf->return_hosts->nelts : 0)
        != OCS_OK)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "ocs auth: return url refused, using \"%V\"",
                      &alcf->default_return);
        return;
    }

    back->data = buf;
    back->len = n;
}


