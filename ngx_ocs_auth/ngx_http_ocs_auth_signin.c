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
#include <ocs/ocs_krb5.h>


#define NGX_HTTP_OCS_AUTH_BODY_MAX   8192
#define NGX_HTTP_OCS_AUTH_NONCE_LEN  16
#define NGX_HTTP_OCS_AUTH_FAILED                                             \
    "The user name or password is incorrect."


typedef struct {
    /* in */
    char                    *path;
    char                    *name;
    size_t                   name_len;
    char                    *password;
    size_t                   password_len;
    void                    *work;
    /* out */
    int                      rc;
    int                      verify_rc;
    ocs_err_t                err;
    ocs_userfile_entry_t     entry;
    /* the directory, when there is one instead of the user file */
    ocs_ldap_t              *ld;
    ngx_array_t             *facts;
    ngx_http_ocs_auth_dir_result_t  *res;
    int                      state;
    /* Kerberos checks the password, when keytab is set */
    const char              *keytab;
    const char              *server;
    int                      timeout;
    char                     principal[OCS_USER_MAX + 1];
    ngx_uint_t               no_account;
    u_char                   kdc_note[sizeof(((ocs_err_t *) 0)->text)];
    /* kept for the answer */
    ngx_str_t                back;
    ngx_str_t                sip;
    ngx_uint_t               computer;
    /* the lockout counts: charged before the password is tried */
    ngx_http_ocs_guard_attempt_t  attempt;
} ngx_http_ocs_auth_task_t;


typedef struct {
    ngx_str_t                name;
    u_char                   nonce[NGX_HTTP_OCS_AUTH_NONCE_LEN];
    ngx_uint_t               fresh;        /* nonce needs a cookie */
} ngx_http_ocs_auth_csrf_t;


static ngx_int_t ngx_http_ocs_auth_signin_get(ngx_http_request_t *r);
static void ngx_http_ocs_auth_signin_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_auth_signin_post(ngx_http_request_t *r);
static void ngx_http_ocs_auth_signin_thread(void *data);
static void ngx_http_ocs_auth_signin_done(ngx_http_request_t *r,
    void *data);
static ngx_int_t ngx_http_ocs_auth_locked(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task, ngx_str_t *back, ngx_str_t *user,
    time_t left, const char *why);
static void ngx_http_ocs_auth_signin_settle(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task, ngx_uint_t outcome);
static void ngx_http_ocs_auth_signin_krb5(ngx_http_ocs_auth_task_t *task);
static ngx_int_t ngx_http_ocs_auth_signin_krb5_charge(
    ngx_http_ocs_auth_task_t *task);
static ngx_int_t ngx_http_ocs_auth_signin_krb5_done(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task, ngx_str_t *typed);
static ngx_int_t ngx_http_ocs_auth_signin_ldap_done(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task, ngx_str_t *typed);
static ngx_int_t ngx_http_ocs_auth_signin_refused(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task, ngx_str_t *typed);
static ngx_int_t ngx_http_ocs_auth_signin_issue(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task, const char *name, const char *source);
static ngx_int_t ngx_http_ocs_auth_page(ngx_http_request_t *r,
    ngx_uint_t status, ngx_str_t *back, ngx_str_t *user, ngx_str_t *sip,
    ngx_uint_t computer, const char *error);
static ngx_int_t ngx_http_ocs_auth_form(ngx_http_request_t *r,
    ngx_uint_t status, ngx_str_t *back, ngx_str_t *user, ngx_str_t *sip,
    ngx_uint_t computer, const char *error, time_t retry);
static ngx_int_t ngx_http_ocs_auth_hint(ngx_http_request_t *r,
    ngx_uint_t computer, ocs_tpl_var_t *var, const char *name);
static ngx_int_t ngx_http_ocs_auth_csrf(ngx_http_request_t *r,
    ngx_http_ocs_auth_csrf_t *csrf, ngx_uint_t create);
static ngx_int_t ngx_http_ocs_auth_csrf_cookie(ngx_http_request_t *r,
    ngx_http_ocs_auth_csrf_t *csrf);


ngx_int_t
ngx_http_ocs_auth_signin_handler(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    rc = ngx_http_ocs_refuse_plain(r, ngx_http_ocs_https_port(r));
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_ocs_auth_signin_get(r);
    }

    if (r->method != NGX_HTTP_POST) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    return ngx_http_ocs_read_form(r, NGX_HTTP_OCS_AUTH_BODY_MAX,
                                  ngx_http_ocs_auth_signin_body);
}


/*
 * The form, even for a user who holds a ticket: the location that sent
 * the user here may have refused that ticket under stricter limits than
 * this one, and only a new sign-in can satisfy it.
 */
static ngx_int_t
ngx_http_ocs_auth_signin_get(ngx_http_request_t *r)
{
    ngx_str_t  back, arg;

    if (ngx_http_arg(r, (u_char *) "r", 1, &arg) != NGX_OK) {
        ngx_str_null(&arg);
    }

    ngx_http_ocs_auth_return(r, arg.data, arg.len, &back);

    if (ngx_http_arg(r, (u_char *) "step", 4, &arg) == NGX_OK
        && arg.len == 1 && arg.data[0] == '2')
    {
        return ngx_http_ocs_auth_step_get(r, &back);
    }

    return ngx_http_ocs_auth_signin_again(r, &back);
}


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


static void
ngx_http_ocs_auth_signin_body(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    rc = ngx_http_ocs_auth_signin_post(r);

    if (rc == NGX_DONE) {
        /* the thread pool has it; ngx_http_ocs_auth_signin_done() ends it */
        return;
    }

    ngx_http_finalize_request(r, rc);
}


static ngx_int_t
ngx_http_ocs_auth_signin_post(ngx_http_request_t *r)
{
    time_t                          locked;
    ngx_int_t                       rc;
    const char                     *why;
    ngx_http_ocs_auth_main_conf_t  *amcf;
    ngx_str_t                      body, token, user, password, back,
                                   computer, sip, step;
    ocs_username_t                 parsed;
    ngx_http_ocs_auth_csrf_t       csrf;
    ngx_http_ocs_auth_task_t      *task;
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    ngx_str_null(&password);

    rc = ngx_http_ocs_form_body(r, NGX_HTTP_OCS_AUTH_BODY_MAX, &body);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_ocs_auth_field(r, &body, "r", OCS_RETURN_MAX, &back)
        != NGX_OK)
    {
        ngx_str_null(&back);
    }

    ngx_http_ocs_auth_return(r, back.data, back.len, &back);

    if (ngx_http_ocs_auth_field(r, &body, "step", 7, &step) == NGX_OK
        && ((step.len == 1 && step.data[0] == '2')
            || (step.len == 7 && ngx_strncmp(step.data, "signout", 7) == 0)))
    {
        if (ngx_http_ocs_cross_site(r)) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "ocs auth: second step posted from another site "
                          "refused");
            ngx_explicit_memzero(body.data, body.len);
            return ngx_http_ocs_send_message(r, NGX_HTTP_FORBIDDEN,
                                             "Sign-in refused",
                                             "The form was sent from "
                                             "another site.");
        }

        rc = (step.len == 1) ? ngx_http_ocs_auth_step_post(r, &body, &back)
                             : ngx_http_ocs_auth_step_signout(r, &body,
                                                              &back);
        ngx_explicit_memzero(body.data, body.len);
        return rc;
    }

    if (ngx_http_ocs_auth_field(r, &body, "computer", 16, &computer)
        != NGX_OK)
    {
        ngx_str_null(&computer);
    }

    rc = ngx_http_ocs_auth_field(r, &body, "sip", OCS_SIP_MAX, &sip);

    if (rc == NGX_ABORT) {
        /* a sign-in address that cannot be read cannot match */
        ngx_str_set(&sip, "(unreadable)");

    } else if (rc != NGX_OK) {
        ngx_str_null(&sip);
    }

    task = ngx_pcalloc(r->pool, sizeof(ngx_http_ocs_auth_task_t));
    if (task == NULL) {
        goto failed;
    }

    task->back = back;
    task->sip = sip;
    task->computer = (computer.len == 7
                      && ngx_strncmp(computer.data, "private", 7) == 0)
                     ? OCS_COMPUTER_PRIVATE : OCS_COMPUTER_PUBLIC;

    if (ngx_http_ocs_cross_site(r)) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: sign-in posted from another site refused");
        ngx_explicit_memzero(body.data, body.len);
        return ngx_http_ocs_send_message(r, NGX_HTTP_FORBIDDEN,
                                         "Sign-in refused",
                                         "The sign-in form was sent from "
                                         "another site.");
    }

    if (ngx_http_ocs_auth_field(r, &body, "csrf", OCS_CSRF_TOKEN_LEN + 1,
                                &token)
        != NGX_OK
        || ngx_http_ocs_auth_csrf(r, &csrf, 0) != NGX_OK
        || ocs_csrf_verify(ngx_http_ocs_sso_keyring(r),
                           ngx_http_ocs_sso_cache(r), "signin", csrf.nonce,
                           sizeof(csrf.nonce), (char *) token.data,
                           token.len)
           != OCS_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: sign-in without a valid csrf token refused");
        ngx_explicit_memzero(body.data, body.len);
        return ngx_http_ocs_auth_page(r, NGX_HTTP_FORBIDDEN, &back, NULL, NULL,
                                      task->computer,
                                      "The sign-in page had expired. "
                                      "Please sign in again.");
    }

    if (ngx_http_ocs_auth_field(r, &body, "username", OCS_NAME_MAX, &user)
        != NGX_OK
        || ngx_http_ocs_auth_field(r, &body, "password", 1024, &password)
           != NGX_OK)
    {
        ngx_explicit_memzero(body.data, body.len);
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: sign-in form without a usable user name "
                      "or password");
        return ngx_http_ocs_auth_page(r, NGX_HTTP_UNAUTHORIZED, &back, NULL,
                                      NULL,
                                      task->computer,
                                      NGX_HTTP_OCS_AUTH_FAILED);
    }

    /* the copies below are all that is left of the password */
    ngx_explicit_memzero(body.data, body.len);

    if (ocs_username_parse((char *) user.data, user.len, &parsed) != OCS_OK) {
        ngx_explicit_memzero(password.data, password.len);
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: sign-in failed: malformed user name");
        return ngx_http_ocs_auth_page(r, NGX_HTTP_UNAUTHORIZED, &back, NULL,
                                      NULL,
                                      task->computer,
                                      NGX_HTTP_OCS_AUTH_FAILED);
    }

    locked = ngx_http_ocs_guard_locked(r, alcf, &user, 0, &why);

    if (locked) {
        /* not even tried: a locked account is never guessed at */
        ngx_explicit_memzero(password.data, password.len);
        return ngx_http_ocs_auth_locked(r, task, &back, &user, locked, why);
    }

    if (ngx_http_ocs_guard_attempt_init(r, alcf, &user, &task->attempt)
        != NGX_OK)
    {
        goto failed;
    }

    if (password.len == 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: sign-in failed for user \"%V\": "
                      "empty password", &user);
        return ngx_http_ocs_auth_page(r, NGX_HTTP_UNAUTHORIZED, &back, &user,
                                      NULL,
                                      task->computer,
                                      NGX_HTTP_OCS_AUTH_FAILED);
    }

    if (alcf->directory != NULL) {
        amcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_auth_module);

        /* the thread fills it; it holds nothing secret to clear first */
        task->ld = alcf->directory->handle;
        task->facts = &amcf->facts;
        task->res = ngx_palloc(r->pool,
                               sizeof(ngx_http_ocs_auth_dir_result_t));
        if (task->res == NULL) {
            goto failed;
        }
    }

    if (alcf->krb5_password) {
        task->keytab = (const char *) alcf->keytab.data;
        task->server = alcf->principal.len
                       ? (const char *) alcf->principal.data : NULL;
        task->timeout = (int) ngx_min(alcf->krb5_timeout, 3600000);
    }

    /*
     * With a directory, the attempt is counted in the pool thread, by the
     * account the directory's search finds (before the KDC is asked, with
     * Kerberos); without one, by the name typed, here.
     */
    if (task->ld == NULL) {
        if (ngx_http_ocs_guard_charge(&task->attempt, NULL, 0, NULL)
            != NGX_OK)
        {
            ngx_explicit_memzero(password.data, password.len);
            return ngx_http_ocs_auth_locked(r, task, &back, &user,
                                            task->attempt.left,
                                            task->attempt.why);
        }
    }

    task->path = (char *) alcf->user_file.data;
    task->name = (char *) user.data;
    task->name_len = user.len;
    task->password = (char *) password.data;
    task->password_len = password.len;

    /* hashing scratch, only for the user file */
    if (task->ld == NULL && task->keytab == NULL) {
        task->work = ngx_palloc(r->pool, ocs_password_work_size());
        if (task->work == NULL) {
            goto failed;
        }
    }

    if (ngx_http_ocs_thread_run(r, ngx_http_ocs_thread_pool(r),
                                ngx_http_ocs_auth_signin_thread,
                                ngx_http_ocs_auth_signin_done, task)
        != NGX_OK)
    {
        ngx_explicit_memzero(password.data, password.len);
        ngx_http_ocs_auth_signin_settle(r, task, NGX_HTTP_OCS_GUARD_NEUTRAL);
        return ngx_http_ocs_send_message(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                         "Sign-in unavailable",
                                         "The sign-in service is busy. "
                                         "Please try again in a moment.");
    }

    return NGX_DONE;

failed:

    /* out of memory: the body and the decoded password go all the same */
    ngx_explicit_memzero(body.data, body.len);

    if (password.data != NULL) {
        ngx_explicit_memzero(password.data, password.len);
    }

    return NGX_HTTP_INTERNAL_SERVER_ERROR;
}


/* the answer while sign-ins of this user or address are locked */
static ngx_int_t
ngx_http_ocs_auth_locked(ngx_http_request_t *r, ngx_http_ocs_auth_task_t *task,
    ngx_str_t *back, ngx_str_t *user, time_t left, const char *why)
{
    u_char  *p;
    time_t   minutes;

    if (task->attempt.busy) {
        /* as many in flight as failures may still come before a lock */
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: sign-in of user \"%V\" refused: as many "
                      "sign-ins in flight as may still fail (%s)", user, why);

        return ngx_http_ocs_auth_form(r, NGX_HTTP_TOO_MANY_REQUESTS, back,
                                      user, NULL, task->computer,
                                      "Too many sign-ins at once. Please "
                                      "try again in a moment.", 1);
    }

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "ocs auth: sign-in of user \"%V\" refused: too many "
                  "failures (%s), locked for %T s more", user, why, left);

    p = ngx_pnalloc(r->pool, 128);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    minutes = (left + 59) / 60;

    ngx_sprintf(p, "Too many failed sign-ins. Please wait %T minute%s "
                "and try again.%Z", minutes, minutes == 1 ? "" : "s");

    return ngx_http_ocs_auth_form(r, NGX_HTTP_TOO_MANY_REQUESTS, back, user,
                                  NULL, task->computer, (char *) p, left);
}


/* what the attempt's outcome does to the lockout counts */
static void
ngx_http_ocs_auth_signin_settle(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task, ngx_uint_t outcome)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    ngx_http_ocs_guard_settle(r, alcf, &task->attempt, outcome);
}


/* runs in a pool thread */
static void
ngx_http_ocs_auth_signin_thread(void *data)
{
    ngx_http_ocs_auth_task_t  *task = data;

    if (task->keytab != NULL) {
        ngx_http_ocs_auth_signin_krb5(task);
        ocs_wipe(task->password, task->password_len);
        return;
    }

    if (task->ld != NULL) {
        task->rc = ocs_ldap_authenticate(task->ld, task->name, task->name_len,
                                         task->password, task->password_len,
                                         ngx_http_ocs_guard_admit,
                                         &task->attempt, &task->res->acct,
                                         &task->state, &task->err);

        if (task->rc == OCS_OK && task->state == OCS_ACCT_OK) {
            task->rc = ngx_http_ocs_auth_evaluate(task->ld, task->facts,
                                                  task->res, &task->err);
        }

        ocs_wipe(task->password, task->password_len);
        return;
    }

    task->rc = ocs_userfile_lookup(task->path, task->name, task->name_len,
                                   &task->entry, &task->err);

    if (task->rc == OCS_OK) {
        /* unknown users are checked against the decoy: same cost */
        task->verify_rc = ocs_password_verify(task->password,
                                              task->entry.hash, task->work);

        if (!task->entry.found || task->verify_rc != OCS_OK) {
            task->rc = OCS_ERR_AUTH;
        }
    }

    ocs_wipe(task->password, task->password_len);
    ocs_wipe(task->entry.hash, sizeof(task->entry.hash));
}


static void
ngx_http_ocs_auth_signin_done(ngx_http_request_t *r, void *data)
{
    ngx_http_ocs_auth_task_t  *task = data;

    ngx_int_t                  rc;
    ngx_uint_t                 level;
    ngx_str_t                  typed;

    typed.data = (u_char *) task->name;
    typed.len = task->name_len;

    if (task->keytab != NULL) {
        rc = ngx_http_ocs_auth_signin_krb5_done(r, task, &typed);
        ngx_http_finalize_request(r, rc);
        return;
    }

    if (task->ld != NULL) {
        rc = ngx_http_ocs_auth_signin_ldap_done(r, task, &typed);
        ngx_http_finalize_request(r, rc);
        return;
    }

    /* the administrator's fault; the line holds a hash, so only its
       number is logged */
    if (task->entry.bad_lines != 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: user file \"%s\": line %uz %s; %uz bad "
                      "line%s skipped", task->path, task->entry.bad_line,
                      task->entry.bad, task->entry.bad_lines,
                      task->entry.bad_lines == 1 ? "" : "s");
    }

    switch (task->rc) {

    case OCS_OK:
        rc = ngx_http_ocs_auth_signin_issue(r, task, task->entry.name,
                                            "the user file");
        break;

    case OCS_ERR_AUTH:
        ngx_http_ocs_auth_signin_settle(r, task, NGX_HTTP_OCS_GUARD_FAILED);

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: sign-in failed for user \"%V\"%s", &typed,
                      (task->entry.unusable
                       || (task->entry.found
                           && task->verify_rc == OCS_ERR_INVALID))
                      ? ": the user file holds no usable hash for the user"
                      : "");

        rc = ngx_http_ocs_auth_page(r, NGX_HTTP_UNAUTHORIZED, &task->back,
                                    &typed, NULL, task->computer,
                                    NGX_HTTP_OCS_AUTH_FAILED);
        break;

    default:
        ngx_http_ocs_auth_signin_settle(r, task, NGX_HTTP_OCS_GUARD_NEUTRAL);

        /* an unreadable file is the system's fault, a bad one the admin's */
        level = (task->rc == OCS_ERR_SYS) ? NGX_LOG_CRIT : NGX_LOG_ERR;
        ngx_log_error(level, r->connection->log, 0, "ocs auth: user file: %s",
                      task->err.text);

        rc = ngx_http_ocs_send_message(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                       "Sign-in unavailable",
                                       "The sign-in service is unavailable. "
                                       "Please try again later.");
    }

    ngx_http_finalize_request(r, rc);
}


/* the answer to a sign-in against a directory */
static ngx_int_t
ngx_http_ocs_auth_signin_ldap_done(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task, ngx_str_t *typed)
{
    ocs_ldap_account_t             *acct;
    ngx_http_ocs_auth_loc_conf_t   *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);
    acct = &task->res->acct;

    ngx_http_ocs_auth_ldap_policy_log(r, alcf);

    if (task->rc != OCS_OK) {
        /* a password the directory got but never answered may count */
        ngx_http_ocs_auth_signin_settle(r, task,
                                        task->state == OCS_ACCT_UNANSWERED
                                        ? NGX_HTTP_OCS_GUARD_FAILED
                                        : NGX_HTTP_OCS_GUARD_NEUTRAL);

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: directory \"%V\" unavailable: %s",
                      &alcf->directory->name, task->err.text);

        return ngx_http_ocs_send_message(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                         "Directory unavailable",
                                         "The directory that checks "
                                         "passwords cannot be reached. "
                                         "Please try again later.");
    }

    if (task->state != OCS_ACCT_OK) {
        return ngx_http_ocs_auth_signin_refused(r, task, typed);
    }

    /* a stated sign-in address must be the account's own */
    if (task->sip.len
        && !ocs_sip_uri_eq((char *) task->sip.data, task->sip.len, acct->sip,
                           ngx_strlen(acct->sip)))
    {
        ngx_http_ocs_auth_signin_settle(r, task,
                                        NGX_HTTP_OCS_GUARD_SUCCEEDED);

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: sign-in failed for user \"%V\": the "
                      "sign-in address \"%V\" does not match the account",
                      typed, &task->sip);

        return ngx_http_ocs_auth_page(r, NGX_HTTP_FORBIDDEN, &task->back,
                                      typed, &task->sip, task->computer,
                                      "The sign-in address does not match "
                                      "the account of this user name and "
                                      "password.");
    }

    return ngx_http_ocs_auth_signin_issue(r, task,
                                          acct->name[0] ? acct->name
                                                        : task->name,
                                          task->keytab ? "Kerberos" : NULL);
}


/*
 * Runs in a pool thread: with a directory, the account the name stands
 * for is found first and the attempt counted by it (the KDC resolves
 * names as leniently as the directory does); then the KDC, then the
 * directory's account of the principal the KDC names.
 */
static void
ngx_http_ocs_auth_signin_krb5(ngx_http_ocs_auth_task_t *task)
{
    if (task->ld != NULL
        && ngx_http_ocs_auth_signin_krb5_charge(task) != NGX_OK)
    {
        return;
    }

    task->rc = ocs_krb5_password(task->keytab, task->server, task->timeout,
                                 task->name,
                                 task->name_len, task->password,
                                 task->password_len, task->principal,
                                 sizeof(task->principal), &task->state,
                                 &task->err);

    /* a KDC that failed before another answered: said on the way back */
    if (task->rc == OCS_OK && task->err.text[0] != '\0') {
        ngx_memcpy(task->kdc_note, task->err.text, sizeof(task->kdc_note));
        task->err.text[0] = '\0';
    }

    if (task->rc != OCS_OK || task->state != OCS_ACCT_OK
        || task->ld == NULL)
    {
        return;
    }

    task->rc = ocs_ldap_find_user(task->ld, task->principal,
                                  ngx_strlen(task->principal),
                                  &task->res->acct, &task->err);

    if (task->rc == OCS_ERR_NOTFOUND) {
        task->rc = OCS_OK;
        task->state = OCS_ACCT_BAD_CREDENTIALS;
        task->no_account = 1;
        return;
    }

    if (task->rc != OCS_OK) {
        return;
    }

    if (task->res->acct.uac >= 0) {
        task->state = ocs_acct_state_from_uac(task->res->acct.uac);
    }

    if (task->state == OCS_ACCT_OK) {
        task->rc = ngx_http_ocs_auth_evaluate(task->ld, task->facts,
                                              task->res, &task->err);
    }
}


/*
 * In the pool thread, before the KDC: the attempt counted by the account
 * the typed name finds in the directory, or by the name when it finds
 * none.  NGX_DECLINED when that is locked (task->state says so) or the
 * directory cannot answer (task->rc).
 */
static ngx_int_t
ngx_http_ocs_auth_signin_krb5_charge(ngx_http_ocs_auth_task_t *task)
{
    int  rc;

    rc = ocs_ldap_find_user(task->ld, task->name, task->name_len,
                            &task->res->acct, &task->err);

    if (rc != OCS_OK && rc != OCS_ERR_NOTFOUND) {
        task->rc = rc;
        task->state = OCS_ACCT_BAD_CREDENTIALS;
        return NGX_DECLINED;
    }

    if (rc == OCS_ERR_NOTFOUND) {
        (void) ocs_ldap_policy(task->ld, &task->res->acct.policy);
        task->res->acct.found = 0;
    }

    if (ngx_http_ocs_guard_admit(&task->attempt, &task->res->acct)
        != OCS_OK)
    {
        task->rc = OCS_OK;
        task->state = OCS_ACCT_THROTTLED;
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/* the answer to a sign-in whose password Kerberos checked */
static ngx_int_t
ngx_http_ocs_auth_signin_krb5_done(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task, ngx_str_t *typed)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    if (task->state == OCS_ACCT_THROTTLED) {
        return ngx_http_ocs_auth_signin_refused(r, task, typed);
    }

    if (task->kdc_note[0] != '\0') {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0, "ocs auth: %s",
                      task->kdc_note);
    }

    if (task->rc == OCS_ERR_AUTH) {
        /* a KDC whose tickets the keytab cannot read: never a sign-in */
        ngx_http_ocs_auth_signin_settle(r, task, NGX_HTTP_OCS_GUARD_FAILED);

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: sign-in refused for user \"%V\": %s",
                      typed, task->err.text);

        return ngx_http_ocs_auth_page(r, NGX_HTTP_UNAUTHORIZED, &task->back,
                                      typed, &task->sip, task->computer,
                                      NGX_HTTP_OCS_AUTH_FAILED);
    }

    if (task->rc != OCS_OK && task->state != OCS_ACCT_OK) {
        /* a password a KDC got but never answered may count there */
        ngx_http_ocs_auth_signin_settle(r, task,
                                        task->state == OCS_ACCT_UNANSWERED
                                        ? NGX_HTTP_OCS_GUARD_FAILED
                                        : NGX_HTTP_OCS_GUARD_NEUTRAL);

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: Kerberos password check unavailable: %s",
                      task->err.text);

        return ngx_http_ocs_send_message(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                         "Sign-in unavailable",
                                         "The sign-in service is "
                                         "unavailable. Please try again "
                                         "later.");
    }

    if (task->no_account) {
        ngx_http_ocs_auth_signin_settle(r, task, NGX_HTTP_OCS_GUARD_FAILED);

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: sign-in failed for user \"%V\": the "
                      "password is right, but directory \"%V\" has no "
                      "account \"%s\"", typed,
                      &alcf->directory->name, task->principal);

        return ngx_http_ocs_auth_page(r, NGX_HTTP_UNAUTHORIZED, &task->back,
                                      typed, &task->sip, task->computer,
                                      NGX_HTTP_OCS_AUTH_FAILED);
    }

    if (task->ld != NULL) {
        /* the directory's answers, as for a directory sign-in */
        return ngx_http_ocs_auth_signin_ldap_done(r, task, typed);
    }

    if (task->state != OCS_ACCT_OK) {
        return ngx_http_ocs_auth_signin_refused(r, task, typed);
    }

    return ngx_http_ocs_auth_signin_issue(r, task, task->principal,
                                          "Kerberos");
}


/*
 * A sign-in the password (wrong: counted towards a lock) or the
 * account's state refused: the form again, saying why when it may.
 */
static ngx_int_t
ngx_http_ocs_auth_signin_refused(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task, ngx_str_t *typed)
{
    if (task->state == OCS_ACCT_THROTTLED) {
        /* the account the directory found is locked here: not tried */
        return ngx_http_ocs_auth_locked(r, task, &task->back, typed,
                                        task->attempt.left,
                                        task->attempt.why);
    }

    /*
     * A wrong password counts; so does a directory that says "locked",
     * whatever the password.  The other states only the right password
     * reveals: nothing was guessed.
     */
    ngx_http_ocs_auth_signin_settle(r, task,
                                    task->state == OCS_ACCT_BAD_CREDENTIALS
                                    || task->state == OCS_ACCT_LOCKED
                                    ? NGX_HTTP_OCS_GUARD_FAILED
                                    : NGX_HTTP_OCS_GUARD_NEUTRAL);

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "ocs auth: sign-in failed for user \"%V\"%s%s", typed,
                  task->state == OCS_ACCT_BAD_CREDENTIALS ? "" : ": ",
                  task->state == OCS_ACCT_BAD_CREDENTIALS
                  ? "" : ocs_acct_state_name(task->state));

    return ngx_http_ocs_auth_page(r, NGX_HTTP_UNAUTHORIZED, &task->back,
                                  typed, &task->sip, task->computer,
                                  ocs_acct_state_message(task->state));
}


/*
 * A sign-in that succeeded: the ticket (with the directory's facts when
 * there is a directory), the sign-in nonce cleared, the way back.
 */
static ngx_int_t
ngx_http_ocs_auth_signin_issue(ngx_http_request_t *r,
    ngx_http_ocs_auth_task_t *task, const char *name, const char *source)
{
    ngx_str_t                       none;
    ocs_ticket_t                   *t;
    ngx_http_ocs_auth_csrf_t        csrf;
    ngx_http_ocs_auth_loc_conf_t   *alcf;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    t = ngx_pcalloc(r->pool, sizeof(ocs_ticket_t));
    if (t == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    t->user_len = ngx_min(ngx_strlen(name), OCS_USER_MAX);
    ngx_memcpy(t->user, name, t->user_len);
    t->methods = OCS_METHOD_PASSWORD;
    t->computer = task->computer;

    if (task->ld != NULL) {
        amcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_auth_module);
        ngx_http_ocs_auth_fill_ticket(t, task->res, amcf->facts_gen);

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

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    ngx_http_ocs_auth_signin_settle(r, task, NGX_HTTP_OCS_GUARD_SUCCEEDED);

    if (ngx_http_ocs_auth_csrf(r, &csrf, 0) == NGX_OK) {
        ngx_str_null(&none);

        if (ngx_http_ocs_cookie_clear(r, &csrf.name, &none, "Strict")
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (task->ld != NULL) {
        ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                      "ocs auth: user \"%s\" signed in with a password "
                      "from %s%sdirectory \"%V\" on a %s computer", t->user,
                      source ? source : "", source ? ", " : "",
                      &alcf->directory->name,
                      task->computer == OCS_COMPUTER_PRIVATE ? "private"
                                                             : "public");
    } else {
        ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                      "ocs auth: user \"%s\" signed in with a password "
                      "from %s on a %s computer", t->user, source,
                      task->computer == OCS_COMPUTER_PRIVATE ? "private"
                                                             : "public");
    }

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
    ngx_str_t                      action, value;
    ocs_err_t                      err;
    ocs_tpl_var_t                  vars[14];
    ocs_page_note_t               *note;
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
        note = ngx_pcalloc(r->pool, sizeof(ocs_page_note_t));
        if (note == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        note->status = (int) status;
        note->computer = (int) computer;
        note->retry = retry;
        note->message_len = ngx_min(ngx_strlen(error),
                                    OCS_PAGE_NOTE_TEXT_MAX);
        ngx_memcpy(note->message, error, note->message_len);

        if (user != NULL) {
            note->user_len = ngx_min(user->len, OCS_USER_MAX);
            ngx_memcpy(note->user, user->data, note->user_len);
        }

        if (sip != NULL) {
            note->sip_len = ngx_min(sip->len, OCS_SIP_MAX);
            ngx_memcpy(note->sip, sip->data, note->sip_len);
        }

        rc = ngx_http_ocs_auth_note_redirect(r, csrf.nonce,
                                             sizeof(csrf.nonce), note, "",
                                             back);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    if (ocs_csrf_token(ngx_http_ocs_sso_keyring(r),
                       ngx_http_ocs_sso_cache(r), "signin", csrf.nonce,
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

    vars[0] = (ocs_tpl_var_t) { "title", "Sign in", 7, 0 };
    vars[1] = (ocs_tpl_var_t) { "action", (char *) action.data, action.len,
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
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (retry > 0) {
        value.data = ngx_pnalloc(r->pool, NGX_TIME_T_LEN);
        if (value.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        value.len = ngx_sprintf(value.data, "%T", retry) - value.data;

        if (ngx_http_ocs_header_out_add(r, "Retry-After", &value) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (status == NGX_HTTP_UNAUTHORIZED
        && ngx_http_ocs_auth_forms_challenge(r, &action) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_ocs_send_page(r, status, OCS_PAGE_SIGNIN, &alcf->template,
                                  vars, 14);
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

    /* a query argument is still encoded; a form field arrives decoded */
    if (arg >= r->args.data && arg < r->args.data + r->args.len) {
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


/* a decoded form field, NUL-terminated, in the request pool */
ngx_int_t
ngx_http_ocs_auth_field(ngx_http_request_t *r, ngx_str_t *body,
    const char *name, size_t max, ngx_str_t *value)
{
    int     rc;
    size_t  n;

    value->data = ngx_pnalloc(r->pool, max + 1);
    if (value->data == NULL) {
        return NGX_ERROR;
    }

    rc = ocs_form_field((char *) body->data, body->len, name,
                        (char *) value->data, max + 1, &n);

    if (rc != OCS_OK) {
        /* a half-decoded password must not stay behind */
        ngx_explicit_memzero(value->data, max + 1);

        /* NGX_ABORT: the field is there but too long or badly encoded */
        return rc == OCS_ERR_NOTFOUND ? NGX_DECLINED : NGX_ABORT;
    }

    value->len = n;

    return NGX_OK;
}
