/*
 * ocs_auth conference: a participant who is not in the directory but
 * holds a conference key reaches that conference's content, and only
 * that.  (The join page, for browsers, is ngx_http_ocs_auth_join.c.)
 * Clients prove the key with HTTP Digest (RFC 7616) on every request;
 * a participant's ticket (see ocs_conference_ticket_admits()) opens the
 * same paths.  The decisions are the core's (ocs_digest.h):
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


#define NGX_HTTP_OCS_CONF_KEYS_MAX   (4 * 1024 * 1024)


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




static ngx_int_t ngx_http_ocs_auth_conference_setup(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_digest_conf_t *dc);
static ngx_int_t ngx_http_ocs_auth_conference_key(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_digest_conf_t *dc,
    ngx_table_elt_t *h);
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
    ngx_uint_t status, ngx_uint_t msg);
static char *ngx_http_ocs_auth_conference_load(ngx_conf_t *cf,
    ngx_http_ocs_auth_loc_conf_t *conf);
static ngx_shm_zone_t *ngx_http_ocs_auth_conference_zone_add(ngx_conf_t *cf,
    ngx_str_t *name, size_t size);
static ngx_int_t ngx_http_ocs_auth_conference_init_zone(
    ngx_shm_zone_t *shm_zone, void *data);


/*
 * The access phase of a conference location: NGX_OK to let the request
 * in, a status, or NGX_DONE when the answer went out.
 */
ngx_int_t
ngx_http_ocs_auth_conference(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf)
{
    ngx_table_elt_t             *h;
    ocs_digest_conf_t            dc;
    ngx_http_ocs_sso_ctx_t      *ctx;
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
                                                   OCS_MSG_CONF_NOT_MEMBER);
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

    return ngx_http_ocs_auth_conference_key(r, alcf, &dc, h);
}


/* an Authorization: Digest header, checked and answered */
static ngx_int_t
ngx_http_ocs_auth_conference_key(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_digest_conf_t *dc,
    ngx_table_elt_t *h)
{
    int                      verdict;
    time_t                   left;
    unsigned                 alg;
    ngx_str_t                account;
    ocs_err_t                err;
    const char              *why;
    ocs_digest_cred_t       *cred;
    const ocs_conference_t  *c;

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
                                                   OCS_MSG_CONF_MALFORMED);
    }

    verdict = ocs_digest_verify(dc, cred, (char *) r->method_name.data,
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

    left = ngx_http_ocs_auth_guard_locked(r, alcf, &account, 0, &why);

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
        return ngx_http_ocs_auth_conference_challenge(r, dc, 1);

    case OCS_DIGEST_REPLAY:
    case OCS_DIGEST_FAIL:
        ngx_http_ocs_auth_guard_failed(r, alcf, &account, 0);

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: conference \"%V\" from %V: %s", &account,
                      &r->connection->addr_text, err.text);
        return ngx_http_ocs_auth_conference_challenge(r, dc, 0);

    default:
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: Digest header refused: %s", err.text);
        return ngx_http_ocs_auth_conference_refuse(r, NGX_HTTP_BAD_REQUEST,
                                                   OCS_MSG_CONF_WRONG_URI);
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
                                                   OCS_MSG_CONF_NOT_MEMBER);
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
                ? &((ngx_http_ocs_store_t *) amcf->nonces->data)->store
                : NULL;
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
        ngx_http_ocs_send_msg(r, NGX_HTTP_UNAUTHORIZED,
                              OCS_MSG_CONF_KEY_REQUIRED));

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
                                                   OCS_MSG_CONF_NOT_MEMBER);
    }

    ngx_http_ocs_auth_guard_succeeded(r, alcf, account, 0);

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
    ngx_uint_t status, ngx_uint_t msg)
{
    ngx_http_finalize_request(r, ngx_http_ocs_send_msg(r, status, msg));

    return NGX_DONE;
}


/* 429 with Retry-After, as a locked sign-in gets */
ngx_int_t
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
                                               OCS_MSG_CONF_LOCKED);
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

    amcf->nonces = ngx_http_ocs_auth_conference_zone_add(cf, &name, size);

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

    amcf->nonces = ngx_http_ocs_auth_conference_zone_add(cf, &name,
                                                         1024 * 1024);

    return amcf->nonces ? NGX_OK : NGX_ERROR;
}


/*
 * The common store (ngx_http_ocs_store.c) that drops the least recently
 * written windows when full: see ocs_digest.h on why that is safe.
 */
static ngx_shm_zone_t *
ngx_http_ocs_auth_conference_zone_add(ngx_conf_t *cf, ngx_str_t *name,
    size_t size)
{
    ngx_http_ocs_store_t  *zs;

    zs = ngx_pcalloc(cf->pool, sizeof(ngx_http_ocs_store_t));
    if (zs == NULL) {
        return NULL;
    }

    ngx_http_ocs_store_conf(zs, "ocs_auth_conference_zone", 0, 0);

    return ngx_http_ocs_zone_add(cf, name, size, &ngx_http_ocs_auth_module,
                                 "ocs_auth_conference_zone",
                                 ngx_http_ocs_auth_conference_init_zone, zs);
}


/* on a reload, the windows go on */
static ngx_int_t
ngx_http_ocs_auth_conference_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_uint_t  fresh;

    return ngx_http_ocs_store_init(shm_zone->data, shm_zone, data, &fresh);
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
