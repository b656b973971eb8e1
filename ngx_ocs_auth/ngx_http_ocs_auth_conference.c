/*
 * ocs_auth conference: a participant who is not in the directory but
 * holds a conference key reaches that conference's content, and only
 * that.  Clients prove the key with HTTP Digest (RFC 7616) on every
 * request; a participant's ticket (see ocs_conference_ticket_admits())
 * opens the same paths.  The decisions are the core's (ocs_digest.h):
 * this file reads the key file at configuration time, hands the core the
 * request, the key ring and the zone, and answers as the core says.
 *
 * Answers: 401 with one Digest challenge per algorithm (strongest first)
 * for no or a wrong key, with stale=true for a right key on an old nonce
 * (or one whose nc window the zone no longer holds); 400 for a header
 * that does not parse or is not for this location (realm, uri,
 * algorithm); 403 for a right key on another conference's path; 429
 * with Retry-After while the lockout holds the id from the client's
 * address (every failure counts: wrong keys, unknown ids, replays).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs_auth.h>

#include <ocs/ocs_codec.h>
#include <ocs/ocs_csrf.h>
#include <ocs/ocs_signin.h>


#define NGX_HTTP_OCS_CONF_KEYS_MAX   (4 * 1024 * 1024)
#define NGX_HTTP_OCS_JOIN_BODY_MAX   4096
#define NGX_HTTP_OCS_JOIN_NONCE_LEN  16
#define NGX_HTTP_OCS_JOIN_KEY_MAX    256


/*
 * The conference whose key this request proved.  It hangs off a pool
 * cleanup, not a module context: an internal redirect (index, try_files,
 * error_page) clears the contexts, and the Authorization header is gone
 * by then, so the location the redirect leads to finds the proof here.
 */
typedef struct {
    u_char                    id[OCS_CONF_ID_MAX];
    size_t                    len;
} ngx_http_ocs_auth_proved_t;


/* one post of the join form, from the event loop to a pool thread */
typedef struct {
    ngx_str_t                 id;         /* as typed */
    ngx_str_t                 key;        /* wiped in the thread */
    const ocs_conference_t   *conf;       /* NULL: no such conference */
    const char               *hash;       /* its join hash, or a decoy's */
    void                     *work;
    int                       rc;         /* ocs_password_verify() */
} ngx_http_ocs_auth_join_t;


static ngx_int_t ngx_http_ocs_auth_conference_setup(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_digest_conf_t *dc);
static ngx_int_t ngx_http_ocs_auth_conference_challenge(ngx_http_request_t *r,
    ocs_digest_conf_t *dc, ngx_uint_t stale);
static ngx_int_t ngx_http_ocs_auth_conference_pass(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, const ocs_conference_t *c,
    ngx_str_t *account);
static ngx_int_t ngx_http_ocs_auth_conference_as(ngx_http_request_t *r,
    const u_char *id, size_t len);
static ngx_http_ocs_auth_proved_t *ngx_http_ocs_auth_proved(
    ngx_http_request_t *r, ngx_uint_t create);
static void ngx_http_ocs_auth_proved_cleanup(void *data);
static ngx_int_t ngx_http_ocs_auth_conference_refuse(ngx_http_request_t *r,
    ngx_uint_t status, const char *text);
static ngx_int_t ngx_http_ocs_auth_conference_locked(ngx_http_request_t *r,
    time_t left);
static char *ngx_http_ocs_auth_conference_load(ngx_conf_t *cf,
    ngx_http_ocs_auth_loc_conf_t *conf);
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
 * The access phase of a conference location: NGX_OK to let the request
 * in, a status, or NGX_DONE when the answer went out.
 */
ngx_int_t
ngx_http_ocs_auth_conference(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf)
{
    int                          verdict;
    time_t                       left;
    unsigned                     alg;
    ngx_str_t                    account;
    ocs_err_t                    err;
    ngx_table_elt_t             *h;
    const char                  *why;
    ocs_digest_conf_t            dc;
    ocs_digest_cred_t           *cred;
    ngx_http_ocs_sso_ctx_t      *ctx;
    const ocs_conference_t      *c;
    ngx_http_ocs_auth_proved_t  *proved;

    if (ngx_http_ocs_auth_conference_setup(r, alcf, &dc) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the key was proved before an internal redirect: this path too? */
    proved = ngx_http_ocs_auth_proved(r, 0);

    if (proved != NULL) {
        if (!ocs_conference_ticket_admits((char *) proved->id, proved->len,
                                          alcf->confs, alcf->nconfs,
                                          (char *) r->uri.data, r->uri.len))
        {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "ocs auth: conference \"%*s\" does not cover "
                          "\"%V\"", proved->len, proved->id, &r->uri);
            return ngx_http_ocs_auth_conference_refuse(r, NGX_HTTP_FORBIDDEN,
                                                       "Not part of this "
                                                       "conference.\n");
        }

        return ngx_http_ocs_auth_conference_as(r, proved->id, proved->len);
    }

    h = r->headers_in.authorization;

    if (h == NULL || h->value.len < 6
        || ngx_strncasecmp(h->value.data, (u_char *) "Digest", 6) != 0
        || (h->value.len > 6 && h->value.data[6] != ' '))
    {
        /* a participant's ticket from the join page does as well */
        ctx = ngx_http_ocs_sso_verify(r);
        if (ctx == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (ctx->state == NGX_HTTP_OCS_SSO_VALID) {
            return ngx_http_ocs_auth_participant(r, alcf, &ctx->ticket);
        }

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "ocs auth: no conference key");

        return ngx_http_ocs_auth_conference_challenge(r, &dc, 0);
    }

    cred = ngx_palloc(r->pool, sizeof(ocs_digest_cred_t));
    if (cred == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ocs_digest_parse((char *) h->value.data, h->value.len, cred, &err)
        != OCS_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: malformed Digest header: %s", err.text);
        return ngx_http_ocs_auth_conference_refuse(r, NGX_HTTP_BAD_REQUEST,
                                                   "Malformed "
                                                   "Authorization header.\n");
    }

    verdict = ocs_digest_verify(&dc, cred, (char *) r->method_name.data,
                                r->method_name.len,
                                (char *) r->unparsed_uri.data,
                                r->unparsed_uri.len, &c, &alg, &err);

    /*
     * The lockout counts the conference's id however it was named (by
     * id or by its userhash), an unknown one as sent; the key was
     * checked already, but a lock refuses even the right one.
     */
    if (c != NULL) {
        account.data = (u_char *) c->id;
        account.len = c->id_len;

    } else {
        account.data = (u_char *) cred->username.data;
        account.len = cred->username.len;
    }

    if (account.data == NULL || account.len == 0) {
        ngx_str_set(&account, "-");
    }

    left = ngx_http_ocs_guard_locked(r, alcf, &account, 0, &why);

    if (left > 0) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "ocs auth: conference \"%V\" from %V locked for "
                      "%T s more (%s)", &account, &r->connection->addr_text,
                      left, why);
        return ngx_http_ocs_auth_conference_locked(r, left);
    }

    switch (verdict) {

    case OCS_DIGEST_PASS:
        return ngx_http_ocs_auth_conference_pass(r, alcf, c, &account);

    case OCS_DIGEST_STALE:
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "ocs auth: conference \"%V\": %s, stale", &account,
                      err.text);
        return ngx_http_ocs_auth_conference_challenge(r, &dc, 1);

    case OCS_DIGEST_REPLAY:
    case OCS_DIGEST_FAIL:
        ngx_http_ocs_guard_failed(r, alcf, &account, 0);

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: conference \"%V\" from %V: %s", &account,
                      &r->connection->addr_text, err.text);
        return ngx_http_ocs_auth_conference_challenge(r, &dc, 0);

    default:
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: Digest header refused: %s", err.text);
        return ngx_http_ocs_auth_conference_refuse(r, NGX_HTTP_BAD_REQUEST,
                                                   "Authorization header "
                                                   "not for this "
                                                   "location.\n");
    }
}


/*
 * A valid ticket at a conference location: a participant's on its own
 * conference's paths goes on as the participant; anything else is
 * refused, a user's ticket included (keys alone open conferences).
 * At any other location: NGX_OK for a user's ticket, 403 for a
 * participant's (no single sign-on to other services).
 */
ngx_int_t
ngx_http_ocs_auth_participant(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_ticket_t *t)
{
    ngx_uint_t  n;

    n = (alcf->mode == NGX_HTTP_OCS_AUTH_CONFERENCE) ? alcf->nconfs : 0;

    if (ocs_conference_ticket_admits(t->conference, t->conference_len,
                                     alcf->confs, n, (char *) r->uri.data,
                                     r->uri.len))
    {
        if (n == 0) {
            return NGX_OK;
        }

        /* a participant's request carries no credentials upstream */
        if (r == r->main && r->headers_in.authorization != NULL) {
            if (ngx_http_ocs_header_in_delete(r, r->headers_in.authorization)
                != NGX_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            r->headers_in.authorization = NULL;
        }

        return (ngx_http_ocs_sso_pass_identity(r, t) == NGX_OK)
               ? NGX_OK : NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (t->conference_len == 0) {
        /* a user at a conference's location: keys only */
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "ocs auth: user \"%s\" has no conference key",
                      t->user);

        return NGX_HTTP_FORBIDDEN;
    }

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "ocs auth: participant of conference \"%s\" refused on "
                  "\"%V\"", t->conference, &r->uri);

    return ngx_http_ocs_auth_conference_refuse(r, NGX_HTTP_FORBIDDEN,
                                               "Not part of this "
                                               "conference.\n");
}


static ngx_int_t
ngx_http_ocs_auth_conference_setup(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_digest_conf_t *dc)
{
    ngx_http_ocs_auth_main_conf_t  *amcf;

    dc->realm = (char *) alcf->conf_realm.data;
    dc->realm_len = alcf->conf_realm.len;
    dc->algs = (unsigned) alcf->conf_algs;
    dc->max_age = alcf->conf_nonce;
    dc->ring = ngx_http_ocs_sso_keyring(r);
    dc->cache = ngx_http_ocs_sso_cache(r);
    amcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_auth_module);
    dc->store = (amcf->nonces != NULL)
                ? ngx_http_ocs_guard_zone_store(amcf->nonces) : NULL;
    dc->hashes = amcf->hashes;
    dc->env = ngx_http_ocs_env();
    dc->confs = alcf->confs;
    dc->nconfs = alcf->nconfs;

    if (dc->ring == NULL || dc->ring->n == 0) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "ocs auth: no ticket keys to seal nonces with");
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* 401 with one challenge per algorithm, the strongest first */
static ngx_int_t
ngx_http_ocs_auth_conference_challenge(ngx_http_request_t *r,
    ocs_digest_conf_t *dc, ngx_uint_t stale)
{
    int         rc;
    unsigned    alg;
    ngx_str_t   value;
    ocs_err_t   err;
    char        nonce[OCS_DIGEST_NONCE_LEN + 1];

    rc = ocs_digest_nonce_issue(dc, nonce, sizeof(nonce), &err);

    if (rc == OCS_ERR_SPACE) {
        /* the client will be answered stale: better than no answer */
        ngx_log_error(NGX_LOG_CRIT, r->connection->log, 0,
                      "ocs auth: %s: make ocs_auth_conference_zone larger",
                      err.text);

    } else if (rc != OCS_OK) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "ocs auth: no nonce: %s", err.text);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    for (alg = ocs_digest_alg_next(dc->algs, 0);
         alg != 0;
         alg = ocs_digest_alg_next(dc->algs, alg))
    {
        value.data = ngx_pnalloc(r->pool, OCS_DIGEST_CHALLENGE_MAX);
        if (value.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        value.len = ocs_digest_challenge(dc, alg, nonce, stale != 0,
                                         (char *) value.data,
                                         OCS_DIGEST_CHALLENGE_MAX);

        if (value.len == 0
            || ngx_http_ocs_header_out_add(r, "WWW-Authenticate", &value)
               != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    ngx_http_finalize_request(r,
        ngx_http_ocs_send_text(r, NGX_HTTP_UNAUTHORIZED,
                               "Conference key required.\n"));

    return NGX_DONE;
}


/*
 * The key is right: on the conference's own paths the request goes on
 * as its participant, without the Authorization header (the proxy's).
 */
static ngx_int_t
ngx_http_ocs_auth_conference_pass(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, const ocs_conference_t *c,
    ngx_str_t *account)
{
    ngx_http_ocs_auth_proved_t  *proved;

    if (!ocs_conference_covers(c, (char *) r->uri.data, r->uri.len)) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: conference \"%s\" does not cover \"%V\"",
                      c->id, &r->uri);
        return ngx_http_ocs_auth_conference_refuse(r, NGX_HTTP_FORBIDDEN,
                                                   "Not part of this "
                                                   "conference.\n");
    }

    ngx_http_ocs_guard_succeeded(r, alcf, account, 0);

    if (r == r->main
        && ngx_http_ocs_header_in_delete(r, r->headers_in.authorization)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_in.authorization = NULL;

    proved = ngx_http_ocs_auth_proved(r, 1);
    if (proved == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(proved->id, c->id, c->id_len);
    proved->len = c->id_len;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "ocs auth: conference \"%s\" key accepted", c->id);

    return ngx_http_ocs_auth_conference_as(r, proved->id, proved->len);
}


/* the request goes on as the participant: $ocs_user, $ocs_auth_method */
static ngx_int_t
ngx_http_ocs_auth_conference_as(ngx_http_request_t *r, const u_char *id,
    size_t len)
{
    ngx_http_ocs_sso_ctx_t  *ctx;
    ocs_conference_t         c;

    ctx = ngx_http_ocs_sso_verify(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&ctx->ticket, sizeof(ocs_ticket_t));

    c.id_len = len;
    ngx_memcpy(c.id, id, len);

    ctx->ticket.user_len = ocs_conference_user(&c, ctx->ticket.user);
    ctx->ticket.methods = OCS_METHOD_DIGEST | OCS_METHOD_ANONYMOUS;
    ctx->ticket.auth_time = ngx_time();
    ctx->ticket.expires = ngx_time();
    ctx->ticket.last_seen = ngx_time();
    ngx_memcpy(ctx->ticket.conference, id, len);
    ctx->ticket.conference_len = len;
    ctx->state = NGX_HTTP_OCS_SSO_VALID;
    ctx->refresh.len = 0;

    return (ngx_http_ocs_sso_pass_identity(r, &ctx->ticket) == NGX_OK)
           ? NGX_OK : NGX_HTTP_INTERNAL_SERVER_ERROR;
}


/* the proof of this request, made if create and not there yet */
static ngx_http_ocs_auth_proved_t *
ngx_http_ocs_auth_proved(ngx_http_request_t *r, ngx_uint_t create)
{
    ngx_pool_cleanup_t  *cln;

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_ocs_auth_proved_cleanup) {
            return cln->data;
        }
    }

    if (!create) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_ocs_auth_proved_t));
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_ocs_auth_proved_cleanup;

    return cln->data;
}


/* only the handler's address matters: it marks the proof among cleanups */
static void
ngx_http_ocs_auth_proved_cleanup(void *data)
{
    ngx_http_ocs_auth_proved_t  *proved = data;

    proved->len = 0;
}


static ngx_int_t
ngx_http_ocs_auth_conference_refuse(ngx_http_request_t *r,
    ngx_uint_t status, const char *text)
{
    ngx_http_finalize_request(r, ngx_http_ocs_send_text(r, status, text));

    return NGX_DONE;
}


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
                   ? "The conference ID or key is not right." : "");
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
    u_char         *page;
    size_t          len;
    ngx_str_t       tpl;
    ocs_err_t       err;
    ocs_tpl_var_t   vars[3];
    u_char          nonce[NGX_HTTP_OCS_JOIN_NONCE_LEN];
    char            token[OCS_CSRF_TOKEN_LEN + 1];

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

    vars[0] = (ocs_tpl_var_t) { "csrf", token, OCS_CSRF_TOKEN_LEN,
                                OCS_TPL_TEXT };
    vars[1] = (ocs_tpl_var_t) { "id", (char *) id->data, id->len,
                                OCS_TPL_TEXT };
    vars[2] = (ocs_tpl_var_t) { "message", message, ngx_strlen(message),
                                OCS_TPL_TEXT };

    tpl.data = (u_char *) ocs_conference_join_page(&tpl.len);

    page = ngx_http_ocs_render(r, &tpl, vars, 3, &len);
    if (page == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_ocs_send(r, *message ? NGX_HTTP_UNAUTHORIZED : NGX_HTTP_OK,
                             "text/html; charset=utf-8", page, len);
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
        return ngx_http_ocs_send_message(r, NGX_HTTP_FORBIDDEN,
                                         "Join refused",
                                         "The form was sent from "
                                         "another site.");
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
        return ngx_http_ocs_send_message(r, NGX_HTTP_FORBIDDEN,
                                         "Join refused",
                                         "The form has expired. Please "
                                         "open the join page again.");
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

    left = ngx_http_ocs_guard_locked(r, alcf, &id, 0, &why);

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
        return ngx_http_ocs_send_message(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                         "Join unavailable",
                                         "The service is busy. Please try "
                                         "again in a moment.");
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
        ngx_http_ocs_guard_succeeded(r, alcf, &task->id, 0);
        rc = ngx_http_ocs_auth_join_issue(r, task->conf);

    } else {
        ngx_http_ocs_guard_failed(r, alcf, &task->id, 0);

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


/* 429 with Retry-After, as a locked sign-in gets */
static ngx_int_t
ngx_http_ocs_auth_conference_locked(ngx_http_request_t *r, time_t left)
{
    ngx_str_t  value;

    value.data = ngx_pnalloc(r->pool, NGX_TIME_T_LEN);
    if (value.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    value.len = ngx_sprintf(value.data, "%T", left) - value.data;

    if (ngx_http_ocs_header_out_add(r, "Retry-After", &value) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_ocs_auth_conference_refuse(r, NGX_HTTP_TOO_MANY_REQUESTS,
                                               "Too many failed attempts; "
                                               "try again later.\n");
}


/*
 * ocs_auth_conference_zone name:size: the nonces' nc windows, in a zone
 * of their own, so that a flood of challenges (each makes a window) can
 * drop other nonces' windows but never the lockout's counts.
 */
char *
ngx_http_ocs_auth_conference_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ocs_auth_main_conf_t  *amcf = conf;

    size_t     size;
    ngx_str_t  name;

    if (amcf->nonces != NULL) {
        return "is duplicate";
    }

    if (ngx_http_ocs_conf_zone(cf, cmd, &name, &size) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    amcf->nonces = ngx_http_ocs_guard_zone_add(cf, &name, size);

    return amcf->nonces ? NGX_CONF_OK : NGX_CONF_ERROR;
}


/* the nonces' zone, made with its defaults if a location needs it */
ngx_int_t
ngx_http_ocs_auth_conference_init(ngx_conf_t *cf)
{
    ngx_str_t                       name;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ocs_auth_module);

    if (!amcf->nonces_used || amcf->nonces != NULL) {
        return NGX_OK;
    }

    ngx_str_set(&name, "ocs_conference");

    amcf->nonces = ngx_http_ocs_guard_zone_add(cf, &name, 1024 * 1024);

    return amcf->nonces ? NGX_OK : NGX_ERROR;
}


/* the hash algorithms, fetched once per worker for its requests */
ngx_int_t
ngx_http_ocs_auth_conference_init_process(ngx_cycle_t *cycle)
{
    ocs_err_t                       err;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    amcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_ocs_auth_module);

    if (amcf == NULL || !amcf->nonces_used) {
        return NGX_OK;
    }

    amcf->hashes = ocs_digest_hashes_create(&err);

    if (amcf->hashes == NULL) {
        /* every hash then fetches its algorithm: slower, still right */
        ngx_log_error(NGX_LOG_CRIT, cycle->log, 0, "ocs auth: %s", err.text);
    }

    return NGX_OK;
}


void
ngx_http_ocs_auth_conference_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_ocs_auth_main_conf_t  *amcf;

    amcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_ocs_auth_module);

    if (amcf != NULL) {
        ocs_digest_hashes_destroy(amcf->hashes);
        amcf->hashes = NULL;
    }
}


/* ocs_auth_conference_digest sha-256 | sha-512-256 | md5 ... */
char *
ngx_http_ocs_auth_conference_digest(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    unsigned     alg;
    ngx_str_t   *value;
    ngx_uint_t   i;

    if (alcf->conf_algs != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    alcf->conf_algs = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        for (alg = OCS_DIGEST_MD5; alg <= OCS_DIGEST_SHA512_256; alg <<= 1) {
            if (ngx_strcasecmp(value[i].data,
                               (u_char *) ocs_digest_alg_name(alg))
                == 0)
            {
                break;
            }
        }

        if (alg > OCS_DIGEST_SHA512_256) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid algorithm \"%V\" in \"%V\": use "
                               "\"SHA-256\", \"SHA-512-256\" or \"MD5\"",
                               &value[i], &cmd->name);
            return NGX_CONF_ERROR;
        }

        if (alcf->conf_algs & alg) {
            return "names an algorithm twice";
        }

        if (alg == OCS_DIGEST_MD5) {
            ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                               "\"%V\" offers MD5: a captured exchange "
                               "lets the key be guessed fast; only for "
                               "clients that can do nothing else",
                               &cmd->name);
        }

        alcf->conf_algs |= alg;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_ocs_auth_conference_merge(ngx_conf_t *cf,
    ngx_http_ocs_auth_loc_conf_t *prev, ngx_http_ocs_auth_loc_conf_t *conf)
{
    u_char                         *p;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    ngx_conf_merge_str_value(conf->conf_keys, prev->conf_keys, "");
    ngx_conf_merge_str_value(conf->conf_realm, prev->conf_realm,
                             "conference");
    ngx_conf_merge_uint_value(conf->conf_algs, prev->conf_algs,
                              OCS_DIGEST_SHA256);
    ngx_conf_merge_sec_value(conf->conf_nonce, prev->conf_nonce, 300);

    if (conf->conf_realm.len == 0
        || conf->conf_realm.len > OCS_DIGEST_REALM_MAX)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ocs_auth_conference_realm\" must have 1 to "
                           "%d bytes", OCS_DIGEST_REALM_MAX);
        return NGX_CONF_ERROR;
    }

    for (p = conf->conf_realm.data;
         p < conf->conf_realm.data + conf->conf_realm.len;
         p++)
    {
        if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\'
            || *p == ':')
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"ocs_auth_conference_realm\" may not hold "
                               "quotes, backslashes, colons or control "
                               "characters");
            return NGX_CONF_ERROR;
        }
    }

    if (conf->conf_nonce < 1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ocs_auth_conference_nonce_timeout\" must be "
                           "at least 1s");
        return NGX_CONF_ERROR;
    }

    if (conf->mode != NGX_HTTP_OCS_AUTH_CONFERENCE && !conf->conf_join) {
        return NGX_CONF_OK;
    }

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ocs_auth_module);

    if (conf->mode == NGX_HTTP_OCS_AUTH_CONFERENCE) {
        amcf->nonces_used = 1;
    }

    if (conf->conf_keys.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\" needs \"ocs_auth_conference_keys\"",
                           conf->conf_join ? "ocs_auth_conference_join"
                                           : "ocs_auth conference");
        return NGX_CONF_ERROR;
    }

    if (conf->conf_join) {
        /* the key's hash is checked in a pool thread, counted in the zone */
        amcf->guard_used = 1;
        ngx_http_ocs_sso_require(cf);

        if (ngx_http_ocs_conf_thread_pool(cf) == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    /* an inherited file of the same realm is read once */
    if (prev->confs != NULL && prev->conf_keys.len == conf->conf_keys.len
        && ngx_strcmp(prev->conf_keys.data, conf->conf_keys.data) == 0
        && prev->conf_realm.len == conf->conf_realm.len
        && ngx_strcmp(prev->conf_realm.data, conf->conf_realm.data) == 0)
    {
        conf->confs = prev->confs;
        conf->nconfs = prev->nconfs;
        return NGX_CONF_OK;
    }

    return ngx_http_ocs_auth_conference_load(cf, conf);
}


/* the key file, parsed into the configuration's pool */
static char *
ngx_http_ocs_auth_conference_load(ngx_conf_t *cf,
    ngx_http_ocs_auth_loc_conf_t *conf)
{
    int         rc;
    char       *msg;
    size_t      n;
    ngx_str_t   text, name;
    ocs_err_t   err;

    name = conf->conf_keys;

    msg = ngx_http_ocs_read_conf_file(cf, &name, &text,
                                      NGX_HTTP_OCS_CONF_KEYS_MAX, 1);
    if (msg != NGX_CONF_OK) {
        return msg;
    }

    rc = ocs_conference_parse((char *) text.data, text.len,
                              (char *) conf->conf_realm.data,
                              conf->conf_realm.len, NULL, 0, &n, &err);

    if (rc == OCS_ERR_SPACE || (rc == OCS_OK && n == 0)) {
        conf->confs = ngx_pcalloc(cf->pool,
                                  ngx_max(n, 1) * sizeof(ocs_conference_t));
        if (conf->confs == NULL) {
            goto failed;
        }

        rc = ocs_conference_parse((char *) text.data, text.len,
                                  (char *) conf->conf_realm.data,
                                  conf->conf_realm.len, conf->confs, n, &n,
                                  &err);
    }

    ngx_explicit_memzero(text.data, text.len);

    if (rc != OCS_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": %s", &name,
                           err.text);
        return NGX_CONF_ERROR;
    }

    if (n == 0) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "\"%V\" has no conference of realm \"%V\"",
                           &name, &conf->conf_realm);
    }

    conf->nconfs = n;

    return NGX_CONF_OK;

failed:

    ngx_explicit_memzero(text.data, text.len);

    return NGX_CONF_ERROR;
}
