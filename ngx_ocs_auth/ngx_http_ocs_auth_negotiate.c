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

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include "ngx_http_ocs_auth.h"

#include <ocs/ocs_krb5.h>


#define NGX_HTTP_OCS_NEG_PENDING      0
#define NGX_HTTP_OCS_NEG_OK           1
#define NGX_HTTP_OCS_NEG_REFUSED      2   /* 401: the token is no good */
#define NGX_HTTP_OCS_NEG_DENIED       3   /* 403: the account may not */
#define NGX_HTTP_OCS_NEG_UNAVAILABLE  4   /* 503 */
#define NGX_HTTP_OCS_NEG_CONTINUE     5   /* 401 with the next leg */

/* how long a half-made NTLM context waits for its next leg */
#define NGX_HTTP_OCS_NEG_LEG_TIMEOUT  60

#define NGX_HTTP_OCS_NEG_NAME_MAX   512


/* a connection's half-made context (NTLM), in the connection's pool */
typedef struct {
    gss_ctx_id_t                      gctx;
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
    ngx_uint_t                        ntlm;       /* more legs allowed */
    gss_ctx_id_t                      gctx;       /* in and out */
    ngx_http_ocs_auth_conn_t         *conn;
    const char                       *keytab;
    ngx_str_t                         principal;
    ngx_flag_t                        keep_realm;
    ocs_ldap_t                       *ld;         /* NULL: no directory */
    ngx_array_t                      *facts;

    /* out, from the thread */
    const char                       *what;       /* what GSSAPI failed */
    ngx_uint_t                        is_ntlm;    /* the mechanism used */
    uint32_t                          method;     /* proven without GSSAPI:
                                                     OCS_METHOD_CERT */
    OM_uint32                         major;
    OM_uint32                         minor;
    gss_buffer_desc                   output;     /* the mutual token */
    char                              name[NGX_HTTP_OCS_NEG_NAME_MAX];
    size_t                            name_len;
    int                               rc;         /* directory: OCS_* */
    int                               acct_state;
    ocs_err_t                         err;
    ngx_http_ocs_auth_dir_result_t   *res;

    /* the outcome */
    const char                       *message;
    ocs_ticket_t                      ticket;
} ngx_http_ocs_auth_neg_t;


/* 1.3.6.1.4.1.311.2.2.10, NTLM as a GSSAPI mechanism */
static gss_OID_desc  ngx_http_ocs_auth_ntlmssp = {
    10, (void *) "\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"
};


static ngx_http_ocs_auth_neg_t *ngx_http_ocs_auth_negotiate_new(
    ngx_http_request_t *r);
static ngx_http_ocs_auth_neg_t *ngx_http_ocs_auth_negotiate_find(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_auth_negotiate_outcome(ngx_http_request_t *r,
    ngx_http_ocs_auth_neg_t *neg, ocs_ticket_t *t);
static ngx_int_t ngx_http_ocs_auth_negotiate_token(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *token, ngx_uint_t *raw);
static size_t ngx_http_ocs_auth_negotiate_scheme(ngx_str_t *value);
static ngx_http_ocs_auth_conn_t *ngx_http_ocs_auth_negotiate_conn(
    ngx_http_request_t *r, ngx_uint_t create);
static void ngx_http_ocs_auth_conn_cleanup(void *data);
static ngx_int_t ngx_http_ocs_auth_negotiate_header(ngx_http_request_t *r,
    ngx_http_ocs_auth_neg_t *neg);
static ngx_int_t ngx_http_ocs_auth_negotiate_post(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_auth_neg_t *neg);
static void ngx_http_ocs_auth_negotiate_thread(void *data);
static void ngx_http_ocs_auth_negotiate_accept(ngx_http_ocs_auth_neg_t *neg);
static void ngx_http_ocs_auth_negotiate_done(ngx_http_request_t *r,
    void *data);
static ngx_int_t ngx_http_ocs_auth_negotiate_finish(ngx_http_request_t *r,
    ngx_http_ocs_auth_neg_t *neg);
static void ngx_http_ocs_auth_negotiated_mark(void *data);
static void ngx_http_ocs_auth_gss_error(ngx_http_request_t *r,
    ngx_http_ocs_auth_neg_t *neg);


ngx_int_t
ngx_http_ocs_auth_negotiate_offered(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf)
{
    return alcf->negotiate && ngx_http_ocs_auth_internal_client(r, alcf);
}


/*
 * NTLM and Kerberos in one SPNEGO exchange take the default acceptor
 * credentials: a credential from gss_acquire_cred_from() with a keytab
 * in its store crashes gss-ntlmssp 1.2.  The Kerberos part then finds
 * its keys through the process-wide acceptor keytab set here, which is
 * why ocs_auth_ntlm needs one ocs_auth_keytab for all its locations.
 */
ngx_int_t
ngx_http_ocs_auth_negotiate_init_process(ngx_cycle_t *cycle)
{
    OM_uint32                       major;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    amcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_ocs_auth_module);

    if (amcf == NULL || amcf->ntlm_keytab.len == 0) {
        return NGX_OK;
    }

    major = krb5_gss_register_acceptor_identity(
                                      (const char *) amcf->ntlm_keytab.data);

    if (GSS_ERROR(major)) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "ocs auth: cannot use keytab \"%V\" for NTLM and "
                      "Kerberos", &amcf->ntlm_keytab);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* "WWW-Authenticate: Negotiate" (and "NTLM") for an internal client */
ngx_int_t
ngx_http_ocs_auth_negotiate_challenge(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf)
{
    ngx_str_t  challenge;

    if (!ngx_http_ocs_auth_negotiate_offered(r, alcf)) {
        return NGX_OK;
    }

    ngx_str_set(&challenge, "Negotiate");

    if (ngx_http_ocs_header_out_add(r, "WWW-Authenticate", &challenge)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (!alcf->ntlm) {
        return NGX_OK;
    }

    ngx_str_set(&challenge, "NTLM");

    return ngx_http_ocs_header_out_add(r, "WWW-Authenticate", &challenge);
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
    OM_uint32                  minor;
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

        if (conn->gctx != GSS_C_NO_CONTEXT
            && ngx_time() - conn->started > NGX_HTTP_OCS_NEG_LEG_TIMEOUT)
        {
            /* a handshake left half-made: start afresh */
            (void) gss_delete_sec_context(&minor, &conn->gctx,
                                          GSS_C_NO_BUFFER);
        }
    }

    neg = ngx_http_ocs_auth_negotiate_new(r);
    if (neg == NULL) {
        return NGX_ERROR;
    }

    neg->quick = quick;
    neg->token = token;
    neg->raw = raw;
    neg->ntlm = alcf->ntlm;
    neg->conn = conn;

    if (conn != NULL) {
        /* the thread has the context until it is done */
        neg->gctx = conn->gctx;
        conn->gctx = GSS_C_NO_CONTEXT;
    }

    /*
     * gss-ntlmssp refuses some clients' NTLM messages as they are; the
     * token's buffer has room for 40 bytes at least
     */
    ocs_ntlm_fixup(neg->token.data, &neg->token.len,
                   ngx_max(neg->token.len, 40));
    neg->keytab = (const char *) alcf->keytab.data;
    neg->principal = alcf->principal;
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

    if (len == 0 || len >= sizeof(neg->name)) {
        return NGX_DECLINED;
    }

    neg = ngx_http_ocs_auth_negotiate_new(r);
    if (neg == NULL) {
        return NGX_ERROR;
    }

    /* proven already: no GSSAPI, the name as it is */
    neg->method = OCS_METHOD_CERT;
    neg->keep_realm = 1;
    ngx_memcpy(neg->name, name, len);
    neg->name_len = len;

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

        neg->ld = alcf->directory->handle;
        neg->facts = &amcf->facts;

        /* the thread fills it; it holds nothing secret to clear first */
        neg->res = ngx_palloc(r->pool,
                              sizeof(ngx_http_ocs_auth_dir_result_t));
        if (neg->res == NULL) {
            return NGX_ERROR;
        }
    }

    if (ngx_http_ocs_thread_run(r, ngx_http_ocs_thread_pool(r),
                                ngx_http_ocs_auth_negotiate_thread,
                                ngx_http_ocs_auth_negotiate_done, neg)
        != NGX_OK)
    {
        /* nginx has logged why; the answer is the one every full pool
           gets (ngx_http_ocs_thread_run()) */
        neg->state = NGX_HTTP_OCS_NEG_UNAVAILABLE;
        neg->message = "The sign-in service is busy. Please try again in "
                       "a moment.";

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

    message = (neg != NULL && neg->message != NULL)
              ? neg->message : "Windows sign-in failed.";

    if (status == NGX_HTTP_FORBIDDEN) {
        return ngx_http_ocs_send_message(r, status, "Access denied",
                                         message);
    }

    if (status == NGX_HTTP_UNAUTHORIZED) {
        /* the next leg goes on this connection: keep it open */
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_ocs_send_message(r, status, "Signing in",
                                         "Windows sign-in continues.");
    }

    return ngx_http_ocs_send_message(r, status, "Sign-in unavailable",
                                     message);
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
    u_char           *p, *end;
    size_t            skip, size;
    ngx_str_t         in, value;
    ngx_table_elt_t  *h;

    h = r->headers_in.authorization;

    if (h == NULL) {
        return NGX_DECLINED;
    }

    skip = ngx_http_ocs_auth_negotiate_scheme(&h->value);

    if (skip == 0) {
        return NGX_DECLINED;
    }

    /* read once, and never passed on, whatever comes of it */
    value = h->value;

    if (ngx_http_ocs_auth_negotiate_forget(r) != NGX_OK) {
        return NGX_ERROR;
    }

    if (skip == sizeof("Negotiate ") - 1) {
        *raw = 0;

    } else {
        if (!alcf->ntlm) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "ocs auth: NTLM refused: \"ocs_auth_ntlm\" is "
                          "off");
            return NGX_ABORT;
        }

        *raw = 1;
    }

    if (!ngx_http_ocs_auth_negotiate_offered(r, alcf)) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: %s from a client outside "
                      "\"ocs_auth_internal_networks\" refused",
                      *raw ? "NTLM" : "Negotiate");
        return NGX_ABORT;
    }

    p = value.data + skip;
    end = value.data + value.len;

    while (p < end && *p == ' ') {
        p++;
    }

    in.data = p;
    in.len = end - p;

    if (in.len == 0 || ngx_base64_decoded_length(in.len)
                       > alcf->negotiate_max)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: Negotiate token of %uz bytes refused: "
                      "empty or over \"ocs_auth_negotiate_max_token\" "
                      "(%uz)", ngx_base64_decoded_length(in.len),
                      alcf->negotiate_max);
        return NGX_ABORT;
    }

    /* room for ocs_ntlm_fixup() to pad a short message */
    size = ngx_base64_decoded_length(in.len);
    token->data = ngx_pnalloc(r->pool, ngx_max(size, 40));
    if (token->data == NULL) {
        return NGX_ERROR;
    }

    if (ngx_decode_base64(token, &in) != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: Negotiate token is not base64; refused");
        return NGX_ABORT;
    }

    return NGX_OK;
}


/* the length of "Negotiate " or "NTLM " that starts value, else 0 */
static size_t
ngx_http_ocs_auth_negotiate_scheme(ngx_str_t *value)
{
    if (value->len >= sizeof("Negotiate ") - 1
        && ngx_strncasecmp(value->data, (u_char *) "Negotiate ",
                           sizeof("Negotiate ") - 1) == 0)
    {
        return sizeof("Negotiate ") - 1;
    }

    if (value->len >= sizeof("NTLM ") - 1
        && ngx_strncasecmp(value->data, (u_char *) "NTLM ",
                           sizeof("NTLM ") - 1) == 0)
    {
        return sizeof("NTLM ") - 1;
    }

    return 0;
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

    h = r->headers_in.authorization;

    if (h == NULL || r != r->main
        || ngx_http_ocs_auth_negotiate_scheme(&h->value) == 0)
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
    conn->gctx = GSS_C_NO_CONTEXT;
    conn->started = 0;
    conn->busy = 0;
    cln->handler = ngx_http_ocs_auth_conn_cleanup;

    return conn;
}


static void
ngx_http_ocs_auth_conn_cleanup(void *data)
{
    ngx_http_ocs_auth_conn_t  *conn = data;

    OM_uint32  minor;

    if (conn->gctx != GSS_C_NO_CONTEXT) {
        (void) gss_delete_sec_context(&minor, &conn->gctx, GSS_C_NO_BUFFER);
    }
}


/* runs in a pool thread: GSSAPI, then the directory */
static void
ngx_http_ocs_auth_negotiate_thread(void *data)
{
    ngx_http_ocs_auth_neg_t  *neg = data;

    char  *at;

    if (neg->method == 0) {
        ngx_http_ocs_auth_negotiate_accept(neg);
    }

    if (neg->what != NULL) {
        return;
    }

    if (neg->gctx != GSS_C_NO_CONTEXT) {
        /* NTLM's challenge is out; the client's answer comes next */
        return;
    }

    if (!neg->keep_realm) {
        /* alice@REALM (Kerberos), DOMAIN\alice (NTLM): alice */
        at = memchr(neg->name, '@', neg->name_len);
        if (at != NULL) {
            neg->name_len = at - neg->name;
        }

        at = memchr(neg->name, '\\', neg->name_len);
        if (at != NULL) {
            neg->name_len -= at + 1 - neg->name;
            ngx_memmove(neg->name, at + 1, neg->name_len);
        }
    }

    if (neg->ld == NULL || neg->name_len == 0
        || neg->name_len > OCS_USER_MAX)
    {
        return;
    }

    /* the principal's account: its state and the facts it meets */
    neg->acct_state = OCS_ACCT_OK;
    neg->rc = ocs_ldap_find_user(neg->ld, neg->name, neg->name_len,
                                 &neg->res->acct, &neg->err);

    if (neg->rc != OCS_OK) {
        return;
    }

    if (neg->res->acct.uac >= 0) {
        neg->acct_state = ocs_acct_state_from_uac(neg->res->acct.uac);
    }

    if (neg->acct_state == OCS_ACCT_OK) {
        neg->rc = ngx_http_ocs_auth_evaluate(neg->ld, neg->facts, neg->res,
                                             &neg->err);
    }
}


/*
 * One gss_accept_sec_context() with the keytab's credentials; what
 * failed is left in neg->what, with the status codes.
 */
static void
ngx_http_ocs_auth_negotiate_accept(ngx_http_ocs_auth_neg_t *neg)
{
    int                         same;
    size_t                      i;
    gss_OID                     mech;
    OM_uint32                   major, minor, flags;
    gss_name_t                  client, service, target;
    gss_buffer_desc             input, name, sname;
    gss_cred_id_t               cred;
    gss_ctx_id_t                gctx;
    gss_key_value_set_desc      store;
    gss_key_value_element_desc  elem;

    mech = GSS_C_NO_OID;
    same = 0;
    target = GSS_C_NO_NAME;
    client = GSS_C_NO_NAME;
    service = GSS_C_NO_NAME;
    cred = GSS_C_NO_CREDENTIAL;
    gctx = GSS_C_NO_CONTEXT;
    name.length = 0;
    name.value = NULL;

    elem.key = "keytab";
    elem.value = neg->keytab;
    store.count = 1;
    store.elements = &elem;

    if (neg->principal.len) {
        sname.value = neg->principal.data;
        sname.length = neg->principal.len;

        major = gss_import_name(&minor, &sname,
                                (gss_OID) GSS_KRB5_NT_PRINCIPAL_NAME,
                                &service);
        if (GSS_ERROR(major)) {
            neg->what = "service principal";
            goto done;
        }
    }

    /* with NTLM: the default credentials, see init_process() */
    if (!neg->ntlm) {
        major = gss_acquire_cred_from(&minor, service, GSS_C_INDEFINITE,
                                      GSS_C_NO_OID_SET, GSS_C_ACCEPT, &store,
                                      &cred, NULL, NULL);
        if (GSS_ERROR(major)) {
            neg->what = "keytab";
            goto done;
        }
    }

    input.value = neg->token.data;
    input.length = neg->token.len;

    gctx = neg->gctx;
    neg->gctx = GSS_C_NO_CONTEXT;

    major = gss_accept_sec_context(&minor, &gctx, cred, &input,
                                   GSS_C_NO_CHANNEL_BINDINGS, &client, &mech,
                                   &neg->output, &flags, NULL, NULL);

    if (major == GSS_S_CONTINUE_NEEDED) {
        if (!neg->ntlm) {
            neg->what = "more than one round trip";
            goto done;
        }

        /* kept for the next leg */
        neg->gctx = gctx;
        gctx = GSS_C_NO_CONTEXT;
        goto done;
    }

    if (GSS_ERROR(major)) {
        neg->what = "token refused";
        goto done;
    }

    neg->is_ntlm = (mech != GSS_C_NO_OID
                    && mech->length == ngx_http_ocs_auth_ntlmssp.length
                    && ngx_memcmp(mech->elements,
                                  ngx_http_ocs_auth_ntlmssp.elements,
                                  mech->length) == 0);

    if (neg->ntlm && !neg->is_ntlm && service != GSS_C_NO_NAME) {
        /* the default credentials take any principal of the keytab */
        major = gss_inquire_context(&minor, gctx, NULL, &target, NULL, NULL,
                                    NULL, NULL, NULL);

        if (!GSS_ERROR(major)) {
            major = gss_compare_name(&minor, service, target, &same);
        }

        if (GSS_ERROR(major) || !same) {
            neg->what = "ticket for another service principal";
            goto done;
        }
    }

    major = gss_display_name(&minor, client, &name, NULL);
    if (GSS_ERROR(major)) {
        neg->what = "client name";
        goto done;
    }

    /* gss-ntlmssp counts the terminating NUL in the length */
    while (name.length && ((u_char *) name.value)[name.length - 1] == '\0') {
        name.length--;
    }

    if (name.length >= sizeof(neg->name)) {
        neg->what = "client name too long";
        goto done;
    }

    for (i = 0; i < name.length; i++) {
        if (((u_char *) name.value)[i] < 0x20
            || ((u_char *) name.value)[i] == 0x7f)
        {
            neg->what = "control characters in the client name";
            goto done;
        }
    }

    ngx_memcpy(neg->name, name.value, name.length);
    neg->name_len = name.length;

done:

    neg->major = major;
    neg->minor = minor;

    if (gctx != GSS_C_NO_CONTEXT) {
        (void) gss_delete_sec_context(&minor, &gctx, GSS_C_NO_BUFFER);
    }

    (void) gss_release_buffer(&minor, &name);
    (void) gss_release_name(&minor, &client);
    (void) gss_release_name(&minor, &target);
    (void) gss_release_name(&minor, &service);
    (void) gss_release_cred(&minor, &cred);
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
    char                           *user;
    size_t                          len;
    const char                     *via;
    ocs_ticket_t                   *t;
    ngx_http_ocs_sso_ctx_t         *sso;
    ngx_http_ocs_auth_loc_conf_t   *alcf;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_auth_module);
    neg->state = NGX_HTTP_OCS_NEG_REFUSED;

    if (neg->gctx != GSS_C_NO_CONTEXT) {
        /* NTLM: the challenge goes out, the context waits for the answer */
        neg->conn->gctx = neg->gctx;
        neg->conn->started = ngx_time();
        neg->gctx = GSS_C_NO_CONTEXT;
        neg->state = NGX_HTTP_OCS_NEG_CONTINUE;

        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "ocs auth: NTLM challenge sent");

        return ngx_http_ocs_auth_negotiate_header(r, neg);
    }

    if (neg->what != NULL) {
        if (neg->major == GSS_S_CONTINUE_NEEDED) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "ocs auth: Negotiate needs more than one round "
                          "trip (NTLM?), which is not supported yet; "
                          "refused");
        } else {
            ngx_http_ocs_auth_gss_error(r, neg);
        }

        return NGX_OK;
    }

    if (neg->name_len == 0 || neg->name_len > OCS_USER_MAX) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: Kerberos client name of %uz bytes "
                      "refused", neg->name_len);
        return NGX_OK;
    }

    t = &neg->ticket;
    user = neg->name;
    len = neg->name_len;
    via = neg->method ? "certificate"
          : neg->is_ntlm ? "NTLM" : "Kerberos";

    if (neg->ld != NULL) {

        if (neg->rc == OCS_ERR_NOTFOUND) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "ocs auth: %s user \"%*s\" has no account "
                          "in directory \"%V\"", via, len, user,
                          &alcf->directory->name);

            neg->state = NGX_HTTP_OCS_NEG_DENIED;
            neg->message = "Your account was not found in the directory.";
            return NGX_OK;
        }

        if (neg->rc != OCS_OK) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "ocs auth: directory \"%V\" unavailable: %s",
                          &alcf->directory->name, neg->err.text);

            neg->state = NGX_HTTP_OCS_NEG_UNAVAILABLE;
            neg->message = "The directory cannot be reached. Please try "
                           "again later.";
            return NGX_OK;
        }

        if (neg->acct_state != OCS_ACCT_OK) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "ocs auth: %s sign-in refused for user "
                          "\"%*s\": %s", via, len, user,
                          ocs_acct_state_name(neg->acct_state));

            neg->state = NGX_HTTP_OCS_NEG_DENIED;
            neg->message = ocs_acct_state_message(neg->acct_state);
            return NGX_OK;
        }

        amcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_auth_module);
        ngx_http_ocs_auth_fill_ticket(t, neg->res, amcf->facts_gen);

        /* the account name as the directory spells it */
        if (neg->res->acct.name[0]) {
            user = neg->res->acct.name;
            len = ngx_strlen(user);
        }
    }

    t->user_len = ngx_min(len, OCS_USER_MAX);
    ngx_memcpy(t->user, user, t->user_len);
    t->computer = OCS_COMPUTER_PUBLIC;

    t->methods = neg->method ? neg->method
                 : neg->is_ntlm ? OCS_METHOD_NTLM : OCS_METHOD_KERBEROS;

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

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "ocs auth: user \"%s\" signed in with %s", t->user,
                  neg->method ? "a client certificate"
                  : neg->is_ntlm ? "NTLM" : "Kerberos");

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

    if (neg->output.length == 0) {
        return NGX_OK;
    }

    skip = neg->raw ? sizeof("NTLM ") - 1 : sizeof("Negotiate ") - 1;

    header.len = skip + ngx_base64_encoded_length(neg->output.length);
    header.data = ngx_pnalloc(r->pool, header.len);
    if (header.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(header.data, neg->raw ? "NTLM " : "Negotiate ", skip);

    in.data = neg->output.value;
    in.len = neg->output.length;
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

    OM_uint32  minor;

    if (neg->gctx != GSS_C_NO_CONTEXT) {
        (void) gss_delete_sec_context(&minor, &neg->gctx, GSS_C_NO_BUFFER);
    }

    (void) gss_release_buffer(&minor, &neg->output);
    ocs_wipe(&neg->ticket, sizeof(ocs_ticket_t));
}


/* one ERR line with GSSAPI's own words for major and minor status */
static void
ngx_http_ocs_auth_gss_error(ngx_http_request_t *r,
    ngx_http_ocs_auth_neg_t *neg)
{
    OM_uint32        st, ctx1, ctx2;
    gss_buffer_desc  m1, m2;

    ctx1 = 0;
    ctx2 = 0;
    m1.length = 0;
    m1.value = NULL;
    m2.length = 0;
    m2.value = NULL;

    (void) gss_display_status(&st, neg->major, GSS_C_GSS_CODE, GSS_C_NO_OID,
                              &ctx1, &m1);
    (void) gss_display_status(&st, neg->minor, GSS_C_MECH_CODE,
                              GSS_C_NO_OID, &ctx2, &m2);

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "ocs auth: %s: %s: %*s: %*s",
                  neg->raw ? "NTLM" : "Negotiate", neg->what,
                  m1.length, m1.value ? m1.value : "",
                  m2.length, m2.value ? m2.value : "");

    (void) gss_release_buffer(&st, &m1);
    (void) gss_release_buffer(&st, &m2);
}
