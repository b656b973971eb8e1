/*
 * ocs_auth_conference_join: the join page, where a browser trades a
 * conference's id and key for a participant's ticket (see
 * ngx_http_ocs_auth_conference.c for what the ticket then opens).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs_auth.h>

#include <ocs/ocs_codec.h>
#include <ocs/ocs_csrf.h>
#include <ocs/ocs_password.h>


#define NGX_HTTP_OCS_JOIN_BODY_MAX   4096
#define NGX_HTTP_OCS_JOIN_NONCE_LEN  16
#define NGX_HTTP_OCS_JOIN_KEY_MAX    256


/* one post of the join form, from the event loop to a pool thread */
typedef struct {
    ngx_str_t                 id;         /* as typed */
    ngx_str_t                 key;        /* wiped in the thread */
    const ocs_conference_t   *conf;       /* NULL: no such conference */
    const char               *hash;       /* its join hash, or a decoy's */
    void                     *work;
    int                       rc;         /* ocs_password_verify() */
} ngx_http_ocs_auth_join_t;


static ngx_int_t ngx_http_ocs_auth_join_form(ngx_http_request_t *r,
    ngx_str_t *id, const char *message);
static void ngx_http_ocs_auth_join_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_auth_join_post(ngx_http_request_t *r,
    ngx_str_t *body);
static ngx_int_t ngx_http_ocs_auth_join_start(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *id, ngx_str_t *key);
static void ngx_http_ocs_auth_join_thread(void *data);
static void ngx_http_ocs_auth_join_done(ngx_http_request_t *r, void *data);
static ngx_int_t ngx_http_ocs_auth_join_issue(ngx_http_request_t *r,
    const ocs_conference_t *c);
static ngx_int_t ngx_http_ocs_auth_join_again(ngx_http_request_t *r,
    const ocs_conference_t *c);
static ngx_int_t ngx_http_ocs_auth_join_nonce(ngx_http_request_t *r,
    u_char *nonce, ngx_uint_t create);


/*
 * ocs_auth_conference_join: the join page.  GET shows the form (the
 * conference id filled in from ?c=); a post of the id and the key,
 * same-site and with the form's CSRF token (as the sign-in page's),
 * is checked against the conference's join hash in the thread pool,
 * counted by the lockout, and answered 303: to the conference's first
 * path with a participant's ticket, or back to the form.
 */
ngx_int_t
ngx_http_ocs_auth_join_handler(ngx_http_request_t *r)
{
    ngx_int_t  rc;
    ngx_str_t  id, e;

    rc = ngx_http_ocs_refuse_plain(r, ngx_http_ocs_https_port(r));
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        if (ngx_http_arg(r, (u_char *) "c", 1, &id) != NGX_OK
            || id.len > OCS_CONF_ID_MAX)
        {
            ngx_str_null(&id);
        }

        return ngx_http_ocs_auth_join_form(r, &id,
                   ngx_http_arg(r, (u_char *) "e", 1, &e) == NGX_OK
                   ? ocs_msg(OCS_MSG_JOIN_FAILED)->text : "");
    }

    if (r->method != NGX_HTTP_POST) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    return ngx_http_ocs_read_form(r, NGX_HTTP_OCS_JOIN_BODY_MAX,
                                  ngx_http_ocs_auth_join_body);
}


static ngx_int_t
ngx_http_ocs_auth_join_form(ngx_http_request_t *r, ngx_str_t *id,
    const char *message)
{
    u_char            nonce[NGX_HTTP_OCS_JOIN_NONCE_LEN];
    char              token[OCS_CSRF_TOKEN_LEN + 1];
    ocs_err_t         err;
    ocs_tpl_var_t     vars[4];
    const ocs_msg_t  *msg;

    if (ngx_http_ocs_auth_join_nonce(r, nonce, 1) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ocs_csrf_token(ngx_http_ocs_sso_keyring(r), ngx_http_ocs_sso_cache(r),
                       OCS_CSRF_CONFERENCE_JOIN, nonce, sizeof(nonce), token,
                       sizeof(token), &err)
        != OCS_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "ocs auth: csrf token: %s", err.text);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    msg = ocs_msg(OCS_MSG_JOIN);

    vars[0] = (ocs_tpl_var_t) { "title", msg->title, msg->title_len,
                                OCS_TPL_TEXT };
    vars[1] = (ocs_tpl_var_t) { "csrf", token, OCS_CSRF_TOKEN_LEN,
                                OCS_TPL_TEXT };
    vars[2] = (ocs_tpl_var_t) { "id", (char *) id->data, id->len,
                                OCS_TPL_TEXT };
    vars[3] = (ocs_tpl_var_t) { "message", message, ngx_strlen(message),
                                OCS_TPL_TEXT };

    return ngx_http_ocs_send_page(r, *message ? NGX_HTTP_UNAUTHORIZED
                                              : NGX_HTTP_OK,
                                  OCS_PAGE_JOIN, NULL, vars, 4);
}


static void
ngx_http_ocs_auth_join_body(ngx_http_request_t *r)
{
    ngx_int_t  rc;
    ngx_str_t  body;

    rc = ngx_http_ocs_form_body(r, NGX_HTTP_OCS_JOIN_BODY_MAX, &body);

    if (rc == NGX_OK) {
        rc = ngx_http_ocs_auth_join_post(r, &body);
        ngx_explicit_memzero(body.data, body.len);
    }

    if (rc == NGX_DONE) {
        /* the thread pool has it */
        return;
    }

    ngx_http_finalize_request(r, rc);
}


static ngx_int_t
ngx_http_ocs_auth_join_post(ngx_http_request_t *r, ngx_str_t *body)
{
    time_t                         left;
    ngx_str_t                      token, id, key;
    const char                    *why;
    u_char                         nonce[NGX_HTTP_OCS_JOIN_NONCE_LEN];
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    if (ngx_http_ocs_cross_site(r)) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: join form posted from another site "
                      "refused");
        return ngx_http_ocs_send_msg(r, NGX_HTTP_FORBIDDEN,
                                     OCS_MSG_JOIN_CROSS_SITE);
    }

    if (ngx_http_ocs_form_field(r, body, "csrf", OCS_CSRF_TOKEN_LEN + 1,
                                &token)
        != NGX_OK
        || ngx_http_ocs_auth_join_nonce(r, nonce, 0) != NGX_OK
        || ocs_csrf_verify(ngx_http_ocs_sso_keyring(r),
                           ngx_http_ocs_sso_cache(r),
                           OCS_CSRF_CONFERENCE_JOIN, nonce, sizeof(nonce),
                           (char *) token.data, token.len)
           != OCS_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: join without a valid csrf token refused");
        return ngx_http_ocs_send_msg(r, NGX_HTTP_FORBIDDEN,
                                     OCS_MSG_JOIN_EXPIRED);
    }

    if (ngx_http_ocs_form_field(r, body, "c", OCS_CONF_ID_MAX, &id)
        != NGX_OK
        || id.len == 0
        || ngx_http_ocs_form_field(r, body, "key", NGX_HTTP_OCS_JOIN_KEY_MAX,
                                   &key)
           != NGX_OK
        || key.len == 0)
    {
        return ngx_http_ocs_auth_join_again(r, NULL);
    }

    left = ngx_http_ocs_auth_guard_locked(r, alcf, &id, 0, &why);

    if (left > 0) {
        ngx_explicit_memzero(key.data, key.len);
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "ocs auth: joining conference \"%V\" from %V locked "
                      "for %T s more (%s)", &id, &r->connection->addr_text,
                      left, why);
        return ngx_http_ocs_auth_conference_locked(r, left);
    }

    return ngx_http_ocs_auth_join_start(r, alcf, &id, &key);
}


/* the key against the conference's join hash, in the thread pool */
static ngx_int_t
ngx_http_ocs_auth_join_start(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *id, ngx_str_t *key)
{
    ngx_uint_t                 i;
    ngx_http_ocs_auth_join_t  *task;

    task = ngx_pcalloc(r->pool, sizeof(ngx_http_ocs_auth_join_t));
    if (task == NULL) {
        ngx_explicit_memzero(key->data, key->len);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    task->id = *id;
    task->key = *key;
    task->conf = ocs_conference_find(alcf->confs, alcf->nconfs,
                                     (char *) id->data, id->len);

    if (task->conf != NULL && task->conf->join[0] != '\0') {
        task->hash = task->conf->join;

    } else {
        /* as long as a right one takes: another conference's hash */
        task->conf = NULL;

        for (i = 0; i < alcf->nconfs; i++) {
            if (alcf->confs[i].join[0] != '\0') {
                task->hash = alcf->confs[i].join;
                break;
            }
        }
    }

    task->work = ngx_palloc(r->pool, ocs_password_work_size());

    if (task->work == NULL
        || ngx_http_ocs_thread_run(r, ngx_http_ocs_thread_pool(r),
                                   ngx_http_ocs_auth_join_thread,
                                   ngx_http_ocs_auth_join_done, task)
           != NGX_OK)
    {
        ngx_explicit_memzero(key->data, key->len);
        return ngx_http_ocs_send_msg(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                     OCS_MSG_JOIN_BUSY);
    }

    return NGX_DONE;
}


static void
ngx_http_ocs_auth_join_thread(void *data)
{
    ngx_http_ocs_auth_join_t  *task = data;

    task->rc = (task->hash != NULL)
               ? ocs_password_verify((char *) task->key.data, task->hash,
                                     task->work)
               : OCS_ERR_AUTH;

    ngx_explicit_memzero(task->key.data, task->key.len);
}


static void
ngx_http_ocs_auth_join_done(ngx_http_request_t *r, void *data)
{
    ngx_http_ocs_auth_join_t  *task = data;

    ngx_int_t                      rc;
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    if (task->rc == OCS_OK && task->conf != NULL) {
        ngx_http_ocs_auth_guard_succeeded(r, alcf, &task->id, 0);
        rc = ngx_http_ocs_auth_join_issue(r, task->conf);

    } else {
        ngx_http_ocs_auth_guard_failed(r, alcf, &task->id, 0);

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: joining conference \"%V\" from %V: %s",
                      &task->id, &r->connection->addr_text,
                      task->conf ? "wrong key" : "no such conference");

        rc = ngx_http_ocs_auth_join_again(r, task->conf);
    }

    ngx_http_finalize_request(r, rc);
}


/* the participant's ticket, and on to the conference's first path */
static ngx_int_t
ngx_http_ocs_auth_join_issue(ngx_http_request_t *r,
    const ocs_conference_t *c)
{
    size_t         n;
    ocs_ticket_t  *t;

    t = ngx_pcalloc(r->pool, sizeof(ocs_ticket_t));
    if (t == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    t->user_len = ocs_conference_user(c, t->user);
    t->methods = OCS_METHOD_ANONYMOUS;
    t->computer = OCS_COMPUTER_PUBLIC;
    ngx_memcpy(t->conference, c->id, c->id_len);
    t->conference_len = c->id_len;

    if (ngx_http_ocs_sso_issue(r, t) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "ocs auth: participant joined conference \"%s\" from %V",
                  c->id, &r->connection->addr_text);

    for (n = 0; n < c->paths_len && c->paths[n] != ','; n++) {
        /* void */
    }

    return ngx_http_ocs_redirect(r, NGX_HTTP_SEE_OTHER, (u_char *) c->paths,
                                 n);
}


/* back to the form, the id kept when it names a conference */
static ngx_int_t
ngx_http_ocs_auth_join_again(ngx_http_request_t *r,
    const ocs_conference_t *c)
{
    u_char  *url, *p;

    url = ngx_pnalloc(r->pool, r->uri.len + OCS_CONF_ID_MAX + 16);
    if (url == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(url, r->uri.data, r->uri.len);
    p = ngx_cpymem(p, "?e=1", 4);

    if (c != NULL) {
        p = ngx_cpymem(p, "&c=", 3);
        p = ngx_cpymem(p, c->id, c->id_len);
    }

    return ngx_http_ocs_redirect(r, NGX_HTTP_SEE_OTHER, url, p - url);
}


/*
 * The form's nonce: the sign-in page's cookie when the browser has a
 * good one, else (create) a new one set with the page.
 */
static ngx_int_t
ngx_http_ocs_auth_join_nonce(ngx_http_request_t *r, u_char *nonce,
    ngx_uint_t create)
{
    size_t                  n;
    ngx_str_t               value;
    const ocs_env_t        *env;
    ngx_http_ocs_cookie_t   cookie;

    cookie.name = *ngx_http_ocs_sso_cookie_name(r,
                                               NGX_HTTP_OCS_SSO_COOKIE_CSRF);

    if (ngx_http_ocs_cookie_get(r, &cookie.name, &value) == NGX_OK
        && ocs_b64url_decode((char *) value.data, value.len, nonce,
                             NGX_HTTP_OCS_JOIN_NONCE_LEN, &n) == OCS_OK
        && n == NGX_HTTP_OCS_JOIN_NONCE_LEN)
    {
        return NGX_OK;
    }

    if (!create) {
        return NGX_DECLINED;
    }

    env = ngx_http_ocs_env();

    if (env->random(env->data, nonce, NGX_HTTP_OCS_JOIN_NONCE_LEN)
        != OCS_OK)
    {
        ngx_log_error(NGX_LOG_CRIT, r->connection->log, 0,
                      "ocs auth: no random bytes for a csrf nonce");
        return NGX_ERROR;
    }

    cookie.value.len = ocs_b64url_len(NGX_HTTP_OCS_JOIN_NONCE_LEN);
    cookie.value.data = ngx_pnalloc(r->pool, cookie.value.len);
    if (cookie.value.data == NULL) {
        return NGX_ERROR;
    }

    (void) ocs_b64url_encode(nonce, NGX_HTTP_OCS_JOIN_NONCE_LEN,
                             (char *) cookie.value.data, cookie.value.len,
                             &n);
    ngx_str_null(&cookie.domain);
    ngx_str_set(&cookie.path, "/");
    ngx_str_set(&cookie.same_site, "Strict");
    cookie.max_age = -1;

    return ngx_http_ocs_cookie_set(r, &cookie);
}


/* ocs_auth_conference_join */
char *
ngx_http_ocs_auth_conference_join(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    if (alcf->conf_join) {
        return "is duplicate";
    }

    alcf->conf_join = 1;
    ngx_http_ocs_conf_page(cf);

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_ocs_auth_join_handler;

    return NGX_CONF_OK;
}
