/*
 * Integrated Windows authentication, Kerberos through SPNEGO: a client
 * in the internal networks that holds a Kerberos ticket for the proxy's
 * service principal signs in without a form.  The proxy then issues its
 * own ticket, so later requests ride the cookie and Kerberos runs once
 * per session, not once per request.
 *
 * Only internal clients are offered Negotiate, and a token from any
 * other client is refused: Kerberos is for machines inside the
 * firewall; external users sign in with the form.
 *
 * With ocs_auth_ntlm, NTLM (raw, or inside SPNEGO) works through a
 * GSSAPI mechanism such as gss-ntlmssp.  It takes two round trips on
 * one connection: the half-made GSSAPI context waits between them in
 * the connection's pool.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ocs_auth.h"

#include <ocs/ocs_gss.h>
#include <ocs/ocs_login.h>


#define NGX_HTTP_OCS_NEG_PENDING      0
#define NGX_HTTP_OCS_NEG_OK           1
#define NGX_HTTP_OCS_NEG_REFUSED      2   /* 401: the token is no good */
#define NGX_HTTP_OCS_NEG_DENIED       3   /* 403: the account may not */
#define NGX_HTTP_OCS_NEG_UNAVAILABLE  4   /* 503 */
#define NGX_HTTP_OCS_NEG_CONTINUE     5   /* 401 with the next leg */

/* how long a half-made NTLM context waits for its next leg */
#define NGX_HTTP_OCS_NEG_LEG_TIMEOUT  60


/* a connection's half-made context (NTLM), in the connection's pool */
typedef struct {
    ocs_gss_ctx_t                    *gctx;
    time_t                            started;
    ngx_uint_t                        busy;       /* a thread has it */
} ngx_http_ocs_auth_conn_t;


/*
 * One Kerberos sign-in.  It lives in the request pool under a pool
 * cleanup: the GSSAPI and directory work runs in a pool thread, and the
 * outcome outlives the module contexts, which an internal redirect (an
 * index file, error_page) clears: accepting the same token again would
 * be a replay.  The realip module keeps its state the same way.
 */
typedef struct {
    ngx_uint_t                        state;
    ngx_uint_t                        quick;      /* the quick sign-in URL */

    /* in */
    ngx_str_t                         token;
    ngx_uint_t                        raw;        /* "NTLM", not Negotiate */
    ocs_gss_conf_t                    gss;
    ocs_gss_ctx_t                    *gctx;       /* in and out */
    ngx_http_ocs_auth_conn_t         *conn;
    ngx_flag_t                        keep_realm;
    ocs_login_conf_t                  login;      /* the directory's part */
    ngx_array_t                      *facts;

    /* out, from the thread */
    ocs_gss_result_t                  accepted;   /* the client's name */
    ocs_login_input_t                 in;         /* in.method: proven by */
    ocs_login_result_t                result;
    ocs_login_outcome_t               out;
    ocs_authz_result_t   *res;

    /* the outcome */
    const char                       *message;
    ocs_ticket_t                      ticket;
} ngx_http_ocs_auth_neg_t;


static ngx_http_ocs_auth_neg_t *ngx_http_ocs_auth_negotiate_new(
    ngx_http_request_t *r);
static ngx_http_ocs_auth_neg_t *ngx_http_ocs_auth_negotiate_find(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_auth_negotiate_outcome(ngx_http_request_t *r,
    ngx_http_ocs_auth_neg_t *neg, ocs_ticket_t *t);
static ngx_int_t ngx_http_ocs_auth_negotiate_token(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *token, ngx_uint_t *raw);
static ngx_http_ocs_auth_conn_t *ngx_http_ocs_auth_negotiate_conn(
    ngx_http_request_t *r, ngx_uint_t create);
static void ngx_http_ocs_auth_conn_cleanup(void *data);
static ngx_int_t ngx_http_ocs_auth_negotiate_header(ngx_http_request_t *r,
    ngx_http_ocs_auth_neg_t *neg);
static ngx_int_t ngx_http_ocs_auth_negotiate_post(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_auth_neg_t *neg);
static void ngx_http_ocs_auth_negotiate_thread(void *data);
static int ngx_http_ocs_auth_negotiate_evaluate(void *data, ocs_err_t *err);
static void ngx_http_ocs_auth_negotiate_done(ngx_http_request_t *r,
    void *data);
static ngx_int_t ngx_http_ocs_auth_negotiate_finish(ngx_http_request_t *r,
    ngx_http_ocs_auth_neg_t *neg);
static ngx_int_t ngx_http_ocs_auth_negotiate_issue(ngx_http_request_t *r,
    ngx_http_ocs_auth_neg_t *neg);
static void ngx_http_ocs_auth_negotiated_mark(void *data);
static void ngx_http_ocs_auth_gss_error(ngx_http_request_t *r,
    ngx_http_ocs_auth_neg_t *neg);


/*
 * NTLM and Kerberos in one SPNEGO exchange take the default acceptor
 * credentials (see ocs_gss_register_keytab()).  The Kerberos part then
 * finds its keys through the process-wide acceptor keytab set here,
 * which is why ocs_auth_ntlm needs one ocs_auth_keytab for all its
 * locations.
 */
ngx_int_t
ngx_http_ocs_auth_negotiate_init_process(ngx_cycle_t *cycle)
{
    ngx_http_ocs_auth_main_conf_t  *amcf;

    amcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_ocs_auth_module);

    if (amcf == NULL || amcf->ntlm_keytab.len == 0) {
        return NGX_OK;
    }

    if (ocs_gss_register_keytab((const char *) amcf->ntlm_keytab.data)
        != OCS_OK)
    {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "ocs auth: cannot use keytab \"%V\" for NTLM and "
                      "Kerberos", &amcf->ntlm_keytab);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * Looks for "Authorization: Negotiate <token>" and accepts it in the
 * thread pool.  Returns NGX_AGAIN when the token is posted there (the
 * caller is called again once it is done), then NGX_OK with t filled
 * for the user (the ticket issued, the mutual authentication token
 * added to the response); NGX_DECLINED when the request carries no such
 * header, NGX_ABORT when it does but the token is refused (logged here),
 * NGX_HTTP_FORBIDDEN, NGX_HTTP_SERVICE_UNAVAILABLE or (NTLM's next
 * leg) NGX_HTTP_UNAUTHORIZED for ngx_http_ocs_auth_negotiate_page(),
 * NGX_ERROR on memory failure.
 */
ngx_int_t
ngx_http_ocs_auth_negotiate(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_ticket_t *t, ngx_uint_t quick)
{
    ngx_int_t                  rc;
    ngx_str_t                  token;
    ngx_uint_t                 raw;
    ngx_http_ocs_auth_neg_t   *neg;
    ngx_http_ocs_auth_conn_t  *conn;

    neg = ngx_http_ocs_auth_negotiate_find(r);
    if (neg != NULL) {
        return ngx_http_ocs_auth_negotiate_outcome(r, neg, t);
    }

    rc = ngx_http_ocs_auth_negotiate_token(r, alcf, &token, &raw);
    if (rc != NGX_OK) {
        return rc;
    }

    conn = NULL;

    if (alcf->ntlm) {
        conn = ngx_http_ocs_auth_negotiate_conn(r, 1);
        if (conn == NULL) {
            return NGX_ERROR;
        }

        if (conn->gctx != NULL
            && ngx_time() - conn->started > NGX_HTTP_OCS_NEG_LEG_TIMEOUT)
        {
            /* a handshake left half-made: start afresh */
            ocs_gss_ctx_free(&conn->gctx);
        }
    }

    neg = ngx_http_ocs_auth_negotiate_new(r);
    if (neg == NULL) {
        return NGX_ERROR;
    }

    neg->quick = quick;
    neg->token = token;
    neg->raw = raw;
    neg->conn = conn;

    if (conn != NULL) {
        /* the thread has the context until it is done */
        neg->gctx = conn->gctx;
        conn->gctx = NULL;
    }

    /*
     * gss-ntlmssp refuses some clients' NTLM messages as they are; the
     * token's buffer has room for 40 bytes at least
     */
    ocs_ntlm_fixup(neg->token.data, &neg->token.len,
                   ngx_max(neg->token.len, 40));
    neg->gss.keytab = (const char *) alcf->keytab.data;
    neg->gss.principal = (const char *) alcf->principal.data;
    neg->gss.principal_len = alcf->principal.len;
    neg->gss.ntlm = alcf->ntlm;
    neg->keep_realm = alcf->negotiate_realm;

    return ngx_http_ocs_auth_negotiate_post(r, alcf, neg);
}


/*
 * ocs_auth_certificate ... only, with ocs_auth_ldap: the user the
 * certificate names is looked up in the directory, in the thread pool,
 * as a Kerberos user is.  Returns as ngx_http_ocs_auth_negotiate() does.
 */
ngx_int_t
ngx_http_ocs_auth_identity(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_ticket_t *t, u_char *name,
    size_t len)
{
    ngx_http_ocs_auth_neg_t  *neg;

    neg = ngx_http_ocs_auth_negotiate_find(r);
    if (neg != NULL) {
        return ngx_http_ocs_auth_negotiate_outcome(r, neg, t);
    }

    if (len == 0 || len >= OCS_GSS_NAME_MAX) {
        return NGX_DECLINED;
    }

    neg = ngx_http_ocs_auth_negotiate_new(r);
    if (neg == NULL) {
        return NGX_ERROR;
    }

    /* proven already: no GSSAPI, the name as it is */
    neg->in.method = OCS_METHOD_CERT;
    neg->keep_realm = 1;
    ngx_memcpy(neg->accepted.name, name, len);
    neg->accepted.name_len = len;

    return ngx_http_ocs_auth_negotiate_post(r, alcf, neg);
}


/* the directory's part, and the thread pool */
static ngx_int_t
ngx_http_ocs_auth_negotiate_post(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_auth_neg_t *neg)
{
    ngx_http_ocs_auth_main_conf_t  *amcf;

    if (alcf->directory != NULL) {
        amcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_auth_module);

        /* the thread fills it; it holds nothing secret to clear first */
        neg->res = ngx_palloc(r->pool,
                              sizeof(ocs_authz_result_t));
        if (neg->res == NULL) {
            return NGX_ERROR;
        }

        neg->facts = &amcf->facts;
        neg->login.ld = alcf->directory->handle;
        neg->login.directory = (const char *) alcf->directory->name.data;
        neg->login.directory_len = alcf->directory->name.len;
        neg->login.acct = &neg->res->acct;
        neg->login.evaluate = ngx_http_ocs_auth_negotiate_evaluate;
        neg->login.evaluate_data = neg;
    }

    if (ngx_http_ocs_thread_run(r, ngx_http_ocs_thread_pool(r),
                                ngx_http_ocs_auth_negotiate_thread,
                                ngx_http_ocs_auth_negotiate_done, neg)
        != NGX_OK)
    {
        /* nginx has logged why; the answer is the one every full pool
           gets (ngx_http_ocs_thread_run()) */
        neg->state = NGX_HTTP_OCS_NEG_UNAVAILABLE;
        neg->message = ocs_msg(OCS_MSG_BUSY)->text;

        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    return NGX_AGAIN;
}


/*
 * The page for NGX_HTTP_FORBIDDEN, NGX_HTTP_SERVICE_UNAVAILABLE and
 * NGX_HTTP_UNAUTHORIZED (the next NTLM leg, its token in the header)
 */
ngx_int_t
ngx_http_ocs_auth_negotiate_page(ngx_http_request_t *r, ngx_int_t status)
{
    const char               *message;
    ngx_http_ocs_auth_neg_t  *neg;

    neg = ngx_http_ocs_auth_negotiate_find(r);

    /* the core's why, else the message's own text */
    message = (neg != NULL) ? neg->message : NULL;

    if (status == NGX_HTTP_FORBIDDEN) {
        return ngx_http_ocs_send_msg_text(r, status, OCS_MSG_NEGOTIATE_FAILED,
                                          message);
    }

    if (status == NGX_HTTP_UNAUTHORIZED) {
        /* the next leg goes on this connection: keep it open */
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_ocs_send_msg(r, status, OCS_MSG_NEGOTIATE_CONTINUES);
    }

    return ngx_http_ocs_send_msg_text(r, status,
                                      OCS_MSG_NEGOTIATE_UNAVAILABLE, message);
}


/* a new sign-in's state, zeroed, under its pool cleanup mark */
static ngx_http_ocs_auth_neg_t *
ngx_http_ocs_auth_negotiate_new(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t       *cln;
    ngx_http_ocs_auth_neg_t  *neg;

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_ocs_auth_neg_t));
    if (cln == NULL) {
        return NULL;
    }

    neg = cln->data;
    ngx_memzero(neg, sizeof(ngx_http_ocs_auth_neg_t));
    cln->handler = ngx_http_ocs_auth_negotiated_mark;

    return neg;
}


static ngx_http_ocs_auth_neg_t *
ngx_http_ocs_auth_negotiate_find(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t  *cln;

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_ocs_auth_negotiated_mark) {
            return cln->data;
        }
    }

    return NULL;
}


static ngx_int_t
ngx_http_ocs_auth_negotiate_outcome(ngx_http_request_t *r,
    ngx_http_ocs_auth_neg_t *neg, ocs_ticket_t *t)
{
    switch (neg->state) {

    case NGX_HTTP_OCS_NEG_OK:
        ngx_memcpy(t, &neg->ticket, sizeof(ocs_ticket_t));
        return NGX_OK;

    case NGX_HTTP_OCS_NEG_DENIED:
        return NGX_HTTP_FORBIDDEN;

    case NGX_HTTP_OCS_NEG_UNAVAILABLE:
        return NGX_HTTP_SERVICE_UNAVAILABLE;

    case NGX_HTTP_OCS_NEG_CONTINUE:
        return NGX_HTTP_UNAUTHORIZED;

    case NGX_HTTP_OCS_NEG_PENDING:
        /* cannot happen: the request waits while the thread works */
        return NGX_ERROR;

    default:
        return NGX_ABORT;
    }
}


/*
 * The header's token, checked and decoded: "Negotiate <token>", or
 * "NTLM <token>" (raw NTLM, *raw set) with ocs_auth_ntlm.  NGX_OK,
 * NGX_DECLINED (no such header), NGX_ABORT (refused, logged).
 */
static ngx_int_t
ngx_http_ocs_auth_negotiate_token(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *token, ngx_uint_t *raw)
{
    int               rc;
    ngx_table_elt_t  *h;
    ocs_gss_token_t   tok;

    h = r->headers_in.authorization;

    if (h == NULL) {
        return NGX_DECLINED;
    }

    /* tok points into the header's value, which outlives the header */
    rc = ocs_gss_token((const char *) h->value.data, h->value.len,
                       alcf->negotiate_max, &tok);

    if (rc == OCS_ERR_NOTFOUND) {
        return NGX_DECLINED;
    }

    /* read once, and never passed on, whatever comes of it */
    if (ngx_http_ocs_auth_negotiate_forget(r) != NGX_OK) {
        return NGX_ERROR;
    }

    *raw = (tok.scheme == OCS_GSS_NTLM);

    if (*raw && !alcf->ntlm) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: NTLM refused: \"ocs_auth_ntlm\" is off");
        return NGX_ABORT;
    }

    if (!ngx_http_ocs_auth_negotiate_offered(r, alcf)) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: %s from a client outside "
                      "\"ocs_auth_internal_networks\" refused",
                      *raw ? "NTLM" : "Negotiate");
        return NGX_ABORT;
    }

    if (rc != OCS_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: Negotiate token of %uz bytes refused: "
                      "empty or over \"ocs_auth_negotiate_max_token\" "
                      "(%uz)", tok.size, alcf->negotiate_max);
        return NGX_ABORT;
    }

    /* room for ocs_ntlm_fixup() to pad a short message */
    token->data = ngx_pnalloc(r->pool, tok.room);
    if (token->data == NULL) {
        return NGX_ERROR;
    }

    if (ocs_gss_token_decode(&tok, token->data, tok.room, &token->len)
        != OCS_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: Negotiate token is not base64; refused");
        return NGX_ABORT;
    }

    return NGX_OK;
}


/*
 * A Negotiate or NTLM Authorization header is for this proxy alone.
 * Once the module has read it, or let the request in on its ticket
 * instead, the header goes: an upstream must never get a Kerberos
 * authenticator that another proxy of the farm, with the same keytab
 * and a replay cache of its own, would accept.  The access phase runs
 * for the main request only, before any subrequest that would share
 * its headers.
 */
ngx_int_t
ngx_http_ocs_auth_negotiate_forget(ngx_http_request_t *r)
{
    ngx_table_elt_t  *h;
    ocs_gss_token_t   tok;

    h = r->headers_in.authorization;

    if (h == NULL || r != r->main
        || ocs_gss_token((const char *) h->value.data, h->value.len, 0, &tok)
           == OCS_ERR_NOTFOUND)
    {
        return NGX_OK;
    }

    /* nginx refuses a request with two: this is the only one */
    if (ngx_http_ocs_header_in_delete(r, h) != NGX_OK) {
        return NGX_ERROR;
    }

    r->headers_in.authorization = NULL;

    return NGX_OK;
}


/* the connection's NTLM state, made if create and not there yet */
static ngx_http_ocs_auth_conn_t *
ngx_http_ocs_auth_negotiate_conn(ngx_http_request_t *r, ngx_uint_t create)
{
    ngx_pool_cleanup_t        *cln;
    ngx_http_ocs_auth_conn_t  *conn;

    for (cln = r->connection->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_ocs_auth_conn_cleanup) {
            return cln->data;
        }
    }

    if (!create) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(r->connection->pool,
                               sizeof(ngx_http_ocs_auth_conn_t));
    if (cln == NULL) {
        return NULL;
    }

    conn = cln->data;
    conn->gctx = NULL;
    conn->started = 0;
    conn->busy = 0;
    cln->handler = ngx_http_ocs_auth_conn_cleanup;

    return conn;
}


static void
ngx_http_ocs_auth_conn_cleanup(void *data)
{
    ngx_http_ocs_auth_conn_t  *conn = data;

    ocs_gss_ctx_free(&conn->gctx);
}


/* runs in a pool thread: GSSAPI, then the directory */
static void
ngx_http_ocs_auth_negotiate_thread(void *data)
{
    ngx_http_ocs_auth_neg_t  *neg = data;

    ocs_gss_result_t  *acc;

    acc = &neg->accepted;

    if (neg->in.method == 0) {
        if (ocs_gss_accept(&neg->gss, &neg->gctx, neg->token.data,
                           neg->token.len, acc)
            != OCS_OK)
        {
            return;
        }

        if (neg->gctx != NULL) {
            /* NTLM's challenge is out; the client's answer comes next */
            return;
        }

        neg->in.method = acc->is_ntlm ? OCS_METHOD_NTLM
                                      : OCS_METHOD_KERBEROS;
    }

    if (!neg->keep_realm) {
        ocs_gss_strip_realm(acc->name, &acc->name_len);
    }

    neg->in.name = acc->name;
    neg->in.name_len = acc->name_len;

    (void) ocs_login_proven(&neg->login, &neg->in, &neg->result, &neg->out);
}


/* in the pool thread: the facts and groups of the principal's account */
static int
ngx_http_ocs_auth_negotiate_evaluate(void *data, ocs_err_t *err)
{
    ngx_http_ocs_auth_neg_t  *neg = data;

    return ocs_authz_evaluate(neg->login.ld, neg->facts->elts,
                              neg->facts->nelts, neg->res, err);
}


/* back on the event loop: the outcome, then the caller again */
static void
ngx_http_ocs_auth_negotiate_done(ngx_http_request_t *r, void *data)
{
    ngx_http_ocs_auth_neg_t  *neg = data;

    ngx_int_t  rc;

    rc = ngx_http_ocs_auth_negotiate_finish(r, neg);

    if (rc != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    if (neg->quick) {
        ngx_http_finalize_request(r, ngx_http_ocs_auth_quick_handler(r));
        return;
    }

    /* back into the access phase, which now finds the outcome */
    ngx_http_core_run_phases(r);
}


static ngx_int_t
ngx_http_ocs_auth_negotiate_finish(ngx_http_request_t *r,
    ngx_http_ocs_auth_neg_t *neg)
{
    ocs_login_outcome_t  *out;

    neg->state = NGX_HTTP_OCS_NEG_REFUSED;

    if (neg->gctx != NULL) {
        /* NTLM: the challenge goes out, the context waits for the answer */
        neg->conn->gctx = neg->gctx;
        neg->conn->started = ngx_time();
        neg->gctx = NULL;
        neg->state = NGX_HTTP_OCS_NEG_CONTINUE;

        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "ocs auth: NTLM challenge sent");

        return ngx_http_ocs_auth_negotiate_header(r, neg);
    }

    if (neg->accepted.what != NULL) {
        if (neg->accepted.continued) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "ocs auth: Negotiate needs more than one round "
                          "trip (NTLM?), which is not supported yet; "
                          "refused");
        } else {
            ngx_http_ocs_auth_gss_error(r, neg);
        }

        return NGX_OK;
    }

    out = &neg->out;

    if (out->kind == OCS_LOGIN_OK) {
        return ngx_http_ocs_auth_negotiate_issue(r, neg);
    }

    ngx_http_ocs_auth_login_log(r, out->level, out->reason);

    neg->message = out->message;
    neg->state = (out->status == NGX_HTTP_FORBIDDEN)
                 ? NGX_HTTP_OCS_NEG_DENIED
                 : (out->status == NGX_HTTP_SERVICE_UNAVAILABLE)
                 ? NGX_HTTP_OCS_NEG_UNAVAILABLE : NGX_HTTP_OCS_NEG_REFUSED;

    return NGX_OK;
}


/* signed in: the ticket, with the directory's facts when there is one */
static ngx_int_t
ngx_http_ocs_auth_negotiate_issue(ngx_http_request_t *r,
    ngx_http_ocs_auth_neg_t *neg)
{
    ocs_ticket_t                   *t;
    ocs_login_outcome_t            *out;
    ngx_http_ocs_sso_ctx_t         *sso;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    t = &neg->ticket;
    out = &neg->out;

    if (out->directory) {
        amcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_auth_module);
        ocs_authz_fill_ticket(t, neg->res, amcf->facts_gen, ngx_time());
    }

    t->user_len = ngx_min(out->name_len, OCS_USER_MAX);
    ngx_memcpy(t->user, out->name, t->user_len);
    t->computer = OCS_COMPUTER_PUBLIC;
    t->methods = neg->in.method;

    /* the mutual authentication token, when the mechanism made one */
    if (ngx_http_ocs_auth_negotiate_header(r, neg) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_ocs_sso_issue(r, t) != NGX_OK) {
        return NGX_ERROR;
    }

    /*
     * issue() wiped the session id from t and gave the request's sso
     * ctx the ticket; an internal redirect clears that ctx and finds the
     * outcome here, which must carry the same session ($ocs_session).
     */
    sso = ngx_http_get_module_ctx(r, ngx_http_ocs_sso_module);

    if (sso != NULL) {
        ngx_memcpy(t, &sso->ticket, sizeof(ocs_ticket_t));
    }

    neg->state = NGX_HTTP_OCS_NEG_OK;

    ngx_http_ocs_auth_login_log(r, out->level, out->reason);

    return NGX_OK;
}


/*
 * ocs_auth_quick_signin: a URL an internal user can bookmark.  It signs
 * in with Kerberos and sends the browser on to the "r" argument (checked
 * as on the sign-in page) without showing a form; a browser that cannot
 * answer, or a client outside the internal networks, goes on to the
 * sign-in form with the same return URL.
 */
ngx_int_t
ngx_http_ocs_auth_quick_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_str_t                      arg, back, url;
    ocs_ticket_t                   t;
    ngx_http_ocs_sso_ctx_t        *ctx;
    ngx_http_ocs_auth_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);

    rc = ngx_http_ocs_refuse_plain(r, ngx_http_ocs_https_port(r));
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_arg(r, (u_char *) "r", 1, &arg) != NGX_OK) {
        ngx_str_null(&arg);
    }

    ngx_http_ocs_auth_return(r, arg.data, arg.len, &back);

    ctx = ngx_http_ocs_sso_verify(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = (ctx->state == NGX_HTTP_OCS_SSO_VALID)
         ? NGX_OK : ngx_http_ocs_auth_negotiate(r, alcf, &t, 1);

    if (rc == NGX_AGAIN) {
        /* ngx_http_ocs_auth_negotiate_done() calls this handler again */
        r->main->count++;
        return NGX_DONE;
    }

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_HTTP_FORBIDDEN || rc == NGX_HTTP_SERVICE_UNAVAILABLE
        || rc == NGX_HTTP_UNAUTHORIZED)
    {
        return ngx_http_ocs_auth_negotiate_page(r, rc);
    }

    if (rc == NGX_OK) {
        ocs_wipe(&t, sizeof(ocs_ticket_t));
        return ngx_http_ocs_redirect(r, NGX_HTTP_MOVED_TEMPORARILY,
                                     back.data, back.len);
    }

    /* the form, with the same return URL */
    if (ngx_http_ocs_auth_signin_url(r, alcf, back.data, back.len, &url)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (!ngx_http_ocs_auth_negotiate_offered(r, alcf)) {
        return ngx_http_ocs_redirect(r, NGX_HTTP_MOVED_TEMPORARILY,
                                     url.data, url.len);
    }

    if (ngx_http_ocs_auth_negotiate_challenge(r, alcf) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_ocs_auth_fallback_page(r, &url);
}


/* "WWW-Authenticate: Negotiate <token>" (or NTLM), if there is one */
static ngx_int_t
ngx_http_ocs_auth_negotiate_header(ngx_http_request_t *r,
    ngx_http_ocs_auth_neg_t *neg)
{
    u_char     *p;
    size_t      skip;
    ngx_str_t   header, in, out;

    if (neg->accepted.output_len == 0) {
        return NGX_OK;
    }

    skip = neg->raw ? sizeof("NTLM ") - 1 : sizeof("Negotiate ") - 1;

    header.len = skip + ngx_base64_encoded_length(neg->accepted.output_len);
    header.data = ngx_pnalloc(r->pool, header.len);
    if (header.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(header.data, neg->raw ? "NTLM " : "Negotiate ", skip);

    in.data = neg->accepted.output;
    in.len = neg->accepted.output_len;
    out.data = p;
    ngx_encode_base64(&out, &in);
    header.len = skip + out.len;

    return ngx_http_ocs_header_out_add(r, "WWW-Authenticate", &header);
}


/* the Kerberos sign-in's pool cleanup */
static void
ngx_http_ocs_auth_negotiated_mark(void *data)
{
    ngx_http_ocs_auth_neg_t  *neg = data;

    ocs_gss_ctx_free(&neg->gctx);
    ocs_gss_result_clear(&neg->accepted);

    if (neg->token.data != NULL) {
        ngx_explicit_memzero(neg->token.data, neg->token.len);
    }

    ocs_wipe(&neg->ticket, sizeof(ocs_ticket_t));
}


/* one ERR line with GSSAPI's own words for major and minor status */
static void
ngx_http_ocs_auth_gss_error(ngx_http_request_t *r,
    ngx_http_ocs_auth_neg_t *neg)
{
    char  text[512];

    ocs_gss_status_text(&neg->accepted, text, sizeof(text));

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "ocs auth: %s: %s: %s",
                  neg->raw ? "NTLM" : "Negotiate", neg->accepted.what, text);
}
