/*
 * Pass-through of connection-bound authentication (NTLM, Negotiate) to
 * an upstream that authenticates the client itself, as IIS does.
 *
 * "ocs_upstream_pin" in an upstream{} block wraps its balancer, as the
 * keepalive module does: from the first exchange that carries or offers
 * NTLM or Negotiate (ocs_pin_binds()), the upstream connection belongs
 * to the client connection, a "pair".  Every later request of that
 * client connection gets that upstream connection back, and the
 * connection is never given to another client nor to the keepalive
 * cache: when the pair ends it is closed.  A pair ends when either side
 * closes, after the idle limit, after its request limit, or when the
 * worker exits (a reload).  A connection that carried such credentials
 * and could not be pinned is closed after its response.
 *
 * The client side of a pair is a cleanup in the client connection's
 * pool: it finds the pair of a connection and ends it when the client
 * goes.  The pairs are a fixed array per worker, "max" of them.
 *
 * "ocs_pass_through on" in a location is the client side: HTTP/2 is
 * refused (a stream is not a connection), and a request that would
 * need a new pair when the worker has "max" of them gets a 503 page.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs.h>
#include <ngx_http_ocs_sso.h>

#include <ocs/ocs_pin.h>


typedef struct {
    ocs_pin_limits_t                 limits;
    ngx_uint_t                       enabled;
    ngx_uint_t                       initialized;
    ngx_uint_t                       pinned;        /* pairs in use */
    ngx_queue_t                      free;          /* of pairs */
    ngx_str_t                        host;          /* the upstream's name */
    ngx_http_upstream_init_pt        original_init_upstream;
    ngx_http_upstream_init_peer_pt   original_init_peer;
} ngx_http_ocs_pass_srv_conf_t;


typedef struct {
    ngx_queue_t                      queue;         /* in conf->free */
    ngx_http_ocs_pass_srv_conf_t    *conf;
    ngx_pool_cleanup_t              *link;          /* in the client's pool */
    ngx_connection_t                *upstream;      /* idle, or NULL */
    ngx_uint_t                       served;
    socklen_t                        socklen;
    ngx_sockaddr_t                   sockaddr;
    ngx_str_t                        name;
    u_char                           text[NGX_SOCKADDR_STRLEN];
} ngx_http_ocs_pass_pair_t;


/* whether any location passes through: else no phase handler at all */
typedef struct {
    ngx_uint_t                       used;
} ngx_http_ocs_pass_main_conf_t;


/* a pair reserved by a request, released with it if never used */
typedef struct {
    ngx_connection_t                *connection;
    ngx_http_ocs_pass_pair_t        *pair;
} ngx_http_ocs_pass_reserve_t;


typedef struct {
    ngx_http_ocs_pass_srv_conf_t    *conf;
    ngx_http_request_t              *request;
    int                              credentials;   /* OCS_PIN_SCHEME_* */
    unsigned                         pinned:1;      /* on a pair's conn */
    unsigned                         original:1;    /* balancer asked */
    unsigned                         last:1;        /* the pair's last */

    void                            *data;
    ngx_event_get_peer_pt            original_get_peer;
    ngx_event_free_peer_pt           original_free_peer;
#if (NGX_HTTP_SSL)
    ngx_event_set_peer_session_pt    original_set_session;
    ngx_event_save_peer_session_pt   original_save_session;
#endif
} ngx_http_ocs_pass_peer_t;


typedef struct {
    ngx_flag_t                       pass_through;
    ngx_http_ocs_pass_srv_conf_t    *pin;           /* proxy_pass's, known */
} ngx_http_ocs_pass_loc_conf_t;


/* the only request of its client connection running: no subrequest, no
   HTTP/2 or HTTP/3 stream */
#define ngx_http_ocs_pass_alone(r)                                           \
    ((r) == (r)->main && (r)->http_version < NGX_HTTP_VERSION_20)


static ngx_int_t ngx_http_ocs_pass_init_peer(ngx_http_request_t *r,
    ngx_http_upstream_srv_conf_t *us);
static ngx_int_t ngx_http_ocs_pass_get_peer(ngx_peer_connection_t *pc,
    void *data);
static void ngx_http_ocs_pass_free_peer(ngx_peer_connection_t *pc,
    void *data, ngx_uint_t state);
static ngx_http_ocs_pass_pair_t *ngx_http_ocs_pass_pair_of(
    ngx_http_request_t *r, ngx_http_ocs_pass_srv_conf_t *conf);
static ngx_int_t ngx_http_ocs_pass_reusable(ngx_peer_connection_t *pc,
    ngx_http_upstream_t *u, ngx_uint_t state);
static ngx_int_t ngx_http_ocs_pass_binds(ngx_http_ocs_pass_peer_t *pp);
static void ngx_http_ocs_pass_keep(ngx_http_ocs_pass_pair_t *pair,
    ngx_peer_connection_t *pc);
static ngx_pool_cleanup_t *ngx_http_ocs_pass_link(ngx_connection_t *c);
static ngx_http_ocs_pass_pair_t *ngx_http_ocs_pass_pair(ngx_connection_t *c);
static ngx_http_ocs_pass_pair_t *ngx_http_ocs_pass_pair_new(
    ngx_http_ocs_pass_srv_conf_t *conf, ngx_connection_t *c);
static void ngx_http_ocs_pass_pair_end(ngx_http_ocs_pass_pair_t *pair);
static void ngx_http_ocs_pass_client_cleanup(void *data);
static void ngx_http_ocs_pass_idle_handler(ngx_event_t *ev);
static void ngx_http_ocs_pass_dummy_handler(ngx_event_t *ev);
static void ngx_http_ocs_pass_close(ngx_connection_t *c);
#if (NGX_HTTP_SSL)
static ngx_int_t ngx_http_ocs_pass_set_session(ngx_peer_connection_t *pc,
    void *data);
static void ngx_http_ocs_pass_save_session(ngx_peer_connection_t *pc,
    void *data);
#endif

static ngx_int_t ngx_http_ocs_pass_handler(ngx_http_request_t *r);
static void ngx_http_ocs_pass_unreserve(void *data);
static void *ngx_http_ocs_pass_create_main_conf(ngx_conf_t *cf);
static ngx_int_t ngx_http_ocs_pass_refuse(ngx_http_request_t *r,
    ngx_uint_t status, ngx_uint_t msg);

static void *ngx_http_ocs_pass_create_srv_conf(ngx_conf_t *cf);
static void *ngx_http_ocs_pass_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_ocs_pass_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_ocs_pass_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_ocs_pass_init_upstream(ngx_conf_t *cf,
    ngx_http_upstream_srv_conf_t *us);
static char *ngx_http_ocs_upstream_pin(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_http_upstream_conf_t *ngx_http_ocs_pass_proxy_conf(
    ngx_conf_t *cf);


static ngx_command_t  ngx_http_ocs_pass_commands[] = {

    { ngx_string("ocs_upstream_pin"),
      NGX_HTTP_UPS_CONF|NGX_CONF_NOARGS|NGX_CONF_TAKE123,
      ngx_http_ocs_upstream_pin,
      NGX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_pass_through"),
      NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_pass_loc_conf_t, pass_through),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_ocs_pass_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_ocs_pass_init,                /* postconfiguration */

    ngx_http_ocs_pass_create_main_conf,    /* create main configuration */
    NULL,                                  /* init main configuration */

    ngx_http_ocs_pass_create_srv_conf,     /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_ocs_pass_create_loc_conf,     /* create location configuration */
    ngx_http_ocs_pass_merge_loc_conf       /* merge location configuration */
};


ngx_module_t  ngx_http_ocs_pass_module = {
    NGX_MODULE_V1,
    &ngx_http_ocs_pass_module_ctx,         /* module context */
    ngx_http_ocs_pass_commands,            /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_ocs_pass_init_peer(ngx_http_request_t *r,
    ngx_http_upstream_srv_conf_t *us)
{
    ngx_table_elt_t               *h;
    ngx_http_upstream_t           *u;
    ngx_http_ocs_pass_peer_t      *pp;
    ngx_http_ocs_pass_srv_conf_t  *pscf;

    pscf = ngx_http_conf_upstream_srv_conf(us, ngx_http_ocs_pass_module);

    pp = ngx_pcalloc(r->pool, sizeof(ngx_http_ocs_pass_peer_t));
    if (pp == NULL) {
        return NGX_ERROR;
    }

    if (pscf->original_init_peer(r, us) != NGX_OK) {
        return NGX_ERROR;
    }

    u = r->upstream;
    h = r->headers_in.authorization;

    pp->conf = pscf;
    pp->request = r;
    pp->credentials = (h == NULL)
                      ? OCS_PIN_SCHEME_NONE
                      : ocs_pin_credentials((char *) h->value.data,
                                            h->value.len);

    pp->data = u->peer.data;
    pp->original_get_peer = u->peer.get;
    pp->original_free_peer = u->peer.free;

    u->peer.data = pp;
    u->peer.get = ngx_http_ocs_pass_get_peer;
    u->peer.free = ngx_http_ocs_pass_free_peer;

#if (NGX_HTTP_SSL)
    pp->original_set_session = u->peer.set_session;
    pp->original_save_session = u->peer.save_session;
    u->peer.set_session = ngx_http_ocs_pass_set_session;
    u->peer.save_session = ngx_http_ocs_pass_save_session;
#endif

    return NGX_OK;
}


/*
 * A request of a pinned client connection gets its pair's connection,
 * without asking the balancer; any other asks it, and its connection
 * may become pinned when the response is in (free).
 */
static ngx_int_t
ngx_http_ocs_pass_get_peer(ngx_peer_connection_t *pc, void *data)
{
    ngx_http_ocs_pass_peer_t  *pp = data;

    ngx_str_t                 *name;
    ngx_connection_t          *c;
    ngx_http_request_t        *r;
    ngx_http_ocs_pass_pair_t  *pair;

    r = pp->request;
    pair = ngx_http_ocs_pass_pair_of(r, pp->conf);

    if (pair != NULL && !pp->pinned && !pp->original) {
        pair->served++;

        if (ocs_pin_after(&pp->conf->limits, pair->served) == OCS_PIN_LAST) {
            /* both connections close after it: "Connection: close" */
            pp->last = 1;
            r->keepalive = 0;
        }
    }

    if (pair == NULL || pair->upstream == NULL) {
        /* a retry after a pinned connection failed starts afresh */
        pp->pinned = 0;
        pp->original = 1;
        return pp->original_get_peer(pc, pp->data);
    }

    c = pair->upstream;
    pair->upstream = NULL;

    c->idle = 0;
    c->sent = 0;
    c->data = NULL;
    c->log = pc->log;
    c->read->log = pc->log;
    c->write->log = pc->log;
    c->pool->log = pc->log;

    if (c->read->timer_set) {
        ngx_del_timer(c->read);
    }

    /*
     * the request's own copy of the name: $upstream_addr and the log
     * read it after the pair may have ended and served another client
     */
    name = ngx_palloc(r->pool, sizeof(ngx_str_t) + pair->name.len);
    if (name == NULL) {
        ngx_http_ocs_pass_close(c);
        ngx_http_ocs_pass_pair_end(pair);
        return NGX_ERROR;
    }

    name->len = pair->name.len;
    name->data = (u_char *) (name + 1);
    ngx_memcpy(name->data, pair->name.data, name->len);

    pc->sockaddr = (struct sockaddr *) &pair->sockaddr;
    pc->socklen = pair->socklen;
    pc->name = name;
    pc->connection = c;
    pc->cached = 1;

    pp->pinned = 1;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, pc->log, 0,
                   "ocs pass: pinned connection %p, request %ui",
                   c, pair->served);

    return NGX_DONE;
}


static void
ngx_http_ocs_pass_free_peer(ngx_peer_connection_t *pc, void *data,
    ngx_uint_t state)
{
    ngx_http_ocs_pass_peer_t  *pp = data;

    ngx_connection_t          *c;
    ngx_http_request_t        *r;
    ngx_http_ocs_pass_pair_t  *pair;

    r = pp->request;
    c = pc->connection;

    if (!pp->pinned && !ngx_http_ocs_pass_binds(pp)) {
        goto done;
    }

    pair = ngx_http_ocs_pass_pair_of(r, pp->conf);

    if (c != NULL && !pp->last && ngx_http_ocs_pass_alone(r)
        && ngx_http_ocs_pass_reusable(pc, r->upstream, state) == NGX_OK)
    {
        if (pair == NULL) {
            pair = ngx_http_ocs_pass_pair_new(pp->conf, r->connection);
        }

        if (pair != NULL) {
            if (pair->served == 0) {
                pair->served = 1;
            }

            ngx_http_ocs_pass_keep(pair, pc);
            goto done;
        }

        ngx_log_error(NGX_LOG_ERR, pc->log, 0,
                      "ocs pass: %ui pinned connections to upstream \"%V\" "
                      "in use (max=%ui): this one is closed",
                      pp->conf->pinned, &pp->conf->host,
                      (ngx_uint_t) pp->conf->limits.max);

    } else if (c != NULL && !pp->last && !(state & NGX_PEER_FAILED)
               && !r->upstream->keepalive && !r->connection->error)
    {
        /* the upstream said "Connection: close", or it was not asked
           for keep-alive: proxy_http_version 1.0, a Connection header */
        ngx_log_error(NGX_LOG_INFO, pc->log, 0,
                      pp->pinned
                      ? "ocs pass: upstream \"%V\" ended a pinned connection "
                        "(a response without keep-alive)"
                      : "ocs pass: upstream \"%V\" connection not pinned: "
                        "the response was not keep-alive (\"proxy_http_"
                        "version 1.1\" and \"proxy_set_header Connection "
                        "\"\"\" are needed)",
                      &pp->conf->host);
    }

    /* a pair whose connection is gone ends; its client authenticates
       again on a new one */
    if (pair != NULL && pair->upstream == NULL) {
        ngx_http_ocs_pass_pair_end(pair);
    }

    /* authenticated, or being so: never for the keepalive cache */
    if (c != NULL) {
        ngx_http_ocs_pass_close(c);
        pc->connection = NULL;
    }

done:

    if (pp->original) {
        pp->original_free_peer(pc, pp->data, state);
    }
}


/*
 * The pair of the request's client connection for this upstream, or
 * NULL.  One pair per client connection: another upstream's ends.
 * Subrequests and HTTP/2 streams (whose connection is shared by
 * requests that run at once) have none.
 */
static ngx_http_ocs_pass_pair_t *
ngx_http_ocs_pass_pair_of(ngx_http_request_t *r,
    ngx_http_ocs_pass_srv_conf_t *conf)
{
    ngx_http_ocs_pass_pair_t  *pair;

    if (!ngx_http_ocs_pass_alone(r)) {
        return NULL;
    }

    pair = ngx_http_ocs_pass_pair(r->connection);

    if (pair != NULL && pair->conf != conf) {
        ngx_http_ocs_pass_pair_end(pair);
        pair = NULL;
    }

    return pair;
}


static ngx_int_t
ngx_http_ocs_pass_reusable(ngx_peer_connection_t *pc, ngx_http_upstream_t *u,
    ngx_uint_t state)
{
    ngx_connection_t  *c;

    c = pc->connection;

    if (state & NGX_PEER_FAILED
        || c->read->eof
        || c->read->error
        || c->read->timedout
        || c->write->error
        || c->write->timedout
        || !u->keepalive
        || !u->request_body_sent
        || ngx_terminate
        || ngx_exiting)
    {
        return NGX_DECLINED;
    }

    if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/* whether the exchange just done binds its upstream connection */
static ngx_int_t
ngx_http_ocs_pass_binds(ngx_http_ocs_pass_peer_t *pp)
{
    int                        offered;
    ngx_table_elt_t           *h;
    ngx_http_upstream_t       *u;
    ngx_http_ocs_list_iter_t   it;

    u = pp->request->upstream;
    offered = OCS_PIN_SCHEME_NONE;

    if (u->headers_in.status_n == NGX_HTTP_UNAUTHORIZED) {
        ngx_memzero(&it, sizeof(ngx_http_ocs_list_iter_t));

        while ((h = ngx_http_ocs_list_next(&u->headers_in.headers, &it))
               != NULL)
        {
            if (h->hash == 0 || h->key.len != sizeof("WWW-Authenticate") - 1
                || ngx_strncasecmp(h->key.data, (u_char *) "WWW-Authenticate",
                                   h->key.len)
                   != 0)
            {
                continue;
            }

            if (ocs_pin_challenge((char *) h->value.data, h->value.len)
                != OCS_PIN_SCHEME_NONE)
            {
                offered = OCS_PIN_SCHEME_NTLM;
                break;
            }
        }
    }

    return ocs_pin_binds(pp->credentials, u->headers_in.status_n, offered);
}


/* the connection waits in the pair for the client's next request */
static void
ngx_http_ocs_pass_keep(ngx_http_ocs_pass_pair_t *pair,
    ngx_peer_connection_t *pc)
{
    ngx_connection_t  *c;

    c = pc->connection;
    pc->connection = NULL;

    if (pair->upstream != NULL) {
        /* cannot happen: one request at a time per client connection */
        ngx_log_error(NGX_LOG_ALERT, pc->log, 0,
                      "ocs pass: a pair with two upstream connections");
        ngx_http_ocs_pass_close(pair->upstream);
    }

    pair->upstream = c;

    if (pc->sockaddr != (struct sockaddr *) &pair->sockaddr) {
        pair->socklen = pc->socklen;
        ngx_memcpy(&pair->sockaddr, pc->sockaddr, pc->socklen);

        pair->name.len = ngx_min(pc->name->len, NGX_SOCKADDR_STRLEN);
        pair->name.data = pair->text;
        ngx_memcpy(pair->text, pc->name->data, pair->name.len);
    }

    c->read->delayed = 0;
    ngx_add_timer(c->read, (ngx_msec_t) pair->conf->limits.idle);

    if (c->write->timer_set) {
        ngx_del_timer(c->write);
    }

    c->write->handler = ngx_http_ocs_pass_dummy_handler;
    c->read->handler = ngx_http_ocs_pass_idle_handler;

    /* idle: a worker that exits (a reload) closes it */
    c->data = pair;
    c->idle = 1;
    c->log = ngx_cycle->log;
    c->read->log = ngx_cycle->log;
    c->write->log = ngx_cycle->log;
    c->pool->log = ngx_cycle->log;

    if (c->read->ready) {
        ngx_http_ocs_pass_idle_handler(c->read);
    }
}


static ngx_pool_cleanup_t *
ngx_http_ocs_pass_link(ngx_connection_t *c)
{
    ngx_pool_cleanup_t  *cln;

    for (cln = c->pool->cleanup; cln != NULL; cln = cln->next) {
        if (cln->handler == ngx_http_ocs_pass_client_cleanup) {
            return cln;
        }
    }

    return NULL;
}


/* the pair of a client connection, or NULL */
static ngx_http_ocs_pass_pair_t *
ngx_http_ocs_pass_pair(ngx_connection_t *c)
{
    ngx_pool_cleanup_t  *link;

    link = ngx_http_ocs_pass_link(c);

    return (link != NULL) ? link->data : NULL;
}


/* a new pair for a client connection, NULL when the worker has max */
static ngx_http_ocs_pass_pair_t *
ngx_http_ocs_pass_pair_new(ngx_http_ocs_pass_srv_conf_t *conf,
    ngx_connection_t *c)
{
    ngx_queue_t               *q;
    ngx_pool_cleanup_t        *link;
    ngx_http_ocs_pass_pair_t  *pair;

    if (ocs_pin_admit(&conf->limits, conf->pinned) != OCS_PIN_ADMIT
        || ngx_queue_empty(&conf->free))
    {
        return NULL;
    }

    link = ngx_http_ocs_pass_link(c);

    if (link != NULL && link->data != NULL) {
        /* one pair per client connection */
        ngx_http_ocs_pass_pair_end(link->data);
    }

    if (link == NULL) {
        link = ngx_pool_cleanup_add(c->pool, 0);
        if (link == NULL) {
            return NULL;
        }

        link->handler = ngx_http_ocs_pass_client_cleanup;
    }

    q = ngx_queue_head(&conf->free);
    ngx_queue_remove(q);

    pair = ngx_queue_data(q, ngx_http_ocs_pass_pair_t, queue);

    pair->link = link;
    pair->upstream = NULL;
    pair->served = 0;
    pair->socklen = 0;

    link->data = pair;
    conf->pinned++;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, c->log, 0,
                   "ocs pass: pair %p for client connection %p", pair, c);

    return pair;
}


static void
ngx_http_ocs_pass_pair_end(ngx_http_ocs_pass_pair_t *pair)
{
    ngx_connection_t  *c;

    c = pair->upstream;

    if (c != NULL) {
        pair->upstream = NULL;
        ngx_http_ocs_pass_close(c);
    }

    pair->link->data = NULL;
    pair->link = NULL;

    pair->conf->pinned--;
    ngx_queue_insert_head(&pair->conf->free, &pair->queue);
}


/* the client connection closes: its pair ends */
static void
ngx_http_ocs_pass_client_cleanup(void *data)
{
    ngx_http_ocs_pass_pair_t  *pair = data;

    if (pair != NULL) {
        ngx_http_ocs_pass_pair_end(pair);
    }
}


/* the pinned connection, idle: the upstream closed it, or time is up */
static void
ngx_http_ocs_pass_idle_handler(ngx_event_t *ev)
{
    int                        n;
    char                       buf[1];
    ngx_connection_t          *c;
    ngx_http_ocs_pass_pair_t  *pair;

    c = ev->data;
    pair = c->data;

    if (c->close) {
        goto close;
    }

    if (c->read->timedout) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "ocs pass: pinned connection to upstream \"%V\" idle "
                      "for %M ms: closed", &pair->conf->host,
                      (ngx_msec_t) pair->conf->limits.idle);
        goto close;
    }

    n = recv(c->fd, buf, 1, MSG_PEEK);

    if (n == -1 && ngx_socket_errno == NGX_EAGAIN) {
        ev->ready = 0;

        if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
            goto close;
        }

        return;
    }

    /* an idle HTTP/1.1 connection has nothing to say but its close */
    ngx_log_error(NGX_LOG_INFO, c->log, 0,
                  "ocs pass: upstream \"%V\" closed a pinned connection",
                  &pair->conf->host);

close:

    /* pair_end closes c */
    ngx_http_ocs_pass_pair_end(pair);
}


static void
ngx_http_ocs_pass_dummy_handler(ngx_event_t *ev)
{
    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, ev->log, 0,
                   "ocs pass: dummy handler");
}


static void
ngx_http_ocs_pass_close(ngx_connection_t *c)
{

#if (NGX_HTTP_SSL)

    if (c->ssl) {
        c->ssl->no_wait_shutdown = 1;
        c->ssl->no_send_shutdown = 1;

        if (ngx_ssl_shutdown(c) == NGX_AGAIN) {
            c->ssl->handler = ngx_http_ocs_pass_close;
            return;
        }
    }

#endif

    if (c->pool != NULL) {
        ngx_destroy_pool(c->pool);
    }

    ngx_close_connection(c);
}


#if (NGX_HTTP_SSL)

static ngx_int_t
ngx_http_ocs_pass_set_session(ngx_peer_connection_t *pc, void *data)
{
    ngx_http_ocs_pass_peer_t  *pp = data;

    if (!pp->original) {
        return NGX_OK;
    }

    return pp->original_set_session(pc, pp->data);
}


static void
ngx_http_ocs_pass_save_session(ngx_peer_connection_t *pc, void *data)
{
    ngx_http_ocs_pass_peer_t  *pp = data;

    /*
     * A pinned connection came from the pair, not from the balancer,
     * whose state (round robin's current peer) is then unset: a TLS 1.3
     * session ticket arriving on it must not reach the balancer.  Its
     * session is the client's own anyway, never to be resumed by another.
     */
    if (!pp->original) {
        return;
    }

    pp->original_save_session(pc, pp->data);
}

#endif


/*
 * The client side, in a location with "ocs_pass_through on": HTTP/2
 * multiplexes clients' requests on one connection and has nothing to
 * pin; a request that needs a new pair is refused when the worker has
 * its max, before it reaches the upstream, so that it gets a page
 * rather than a balancer's 502.
 */
static ngx_int_t
ngx_http_ocs_pass_handler(ngx_http_request_t *r)
{
    ngx_table_elt_t               *h;
    ngx_pool_cleanup_t            *cln;
    ngx_http_ocs_pass_pair_t      *pair;
    ngx_http_ocs_pass_reserve_t   *rs;
    ngx_http_ocs_pass_srv_conf_t  *pin;
    ngx_http_ocs_pass_loc_conf_t  *plcf;

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_pass_module);

    if (plcf->pass_through != 1 || r != r->main) {
        return NGX_DECLINED;
    }

    if (r->http_version >= NGX_HTTP_VERSION_20) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "ocs pass: HTTP/2 client refused: NTLM and Negotiate "
                      "pass-through need an HTTP/1.1 connection");

        return ngx_http_ocs_pass_refuse(r, NGX_HTTP_VERSION_NOT_SUPPORTED,
                                        OCS_MSG_PASS_HTTP11);
    }

    pin = plcf->pin;
    h = r->headers_in.authorization;

    if (pin == NULL || h == NULL
        || ocs_pin_credentials((char *) h->value.data, h->value.len)
           == OCS_PIN_SCHEME_NONE)
    {
        return NGX_DECLINED;
    }

    pair = ngx_http_ocs_pass_pair(r->connection);

    if (pair != NULL && pair->conf == pin) {
        return NGX_DECLINED;
    }

    if (pair != NULL) {
        ngx_http_ocs_pass_pair_end(pair);
    }

    /* reserved now, bound to a connection when the response is in */
    pair = ngx_http_ocs_pass_pair_new(pin, r->connection);

    if (pair != NULL) {
        cln = ngx_pool_cleanup_add(r->pool,
                                   sizeof(ngx_http_ocs_pass_reserve_t));
        if (cln == NULL) {
            ngx_http_ocs_pass_pair_end(pair);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        rs = cln->data;
        rs->connection = r->connection;
        rs->pair = pair;
        cln->handler = ngx_http_ocs_pass_unreserve;

        return NGX_DECLINED;
    }

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "ocs pass: %ui pinned connections to upstream \"%V\" in "
                  "use (max=%ui): request refused", pin->pinned, &pin->host,
                  (ngx_uint_t) pin->limits.max);

    r->keepalive = 0;

    return ngx_http_ocs_pass_refuse(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                    OCS_MSG_PASS_BUSY);
}


/*
 * A pair reserved by a request that never reached the upstream (refused
 * by limit_except, deny, a body too large...) ends with that request:
 * otherwise any client sending "Authorization: NTLM" could hold a slot
 * for as long as it keeps its connection, and fill the worker's max.
 */
static void
ngx_http_ocs_pass_unreserve(void *data)
{
    ngx_http_ocs_pass_reserve_t  *rs = data;

    ngx_http_ocs_pass_pair_t  *pair;

    pair = ngx_http_ocs_pass_pair(rs->connection);

    if (pair == rs->pair && pair->upstream == NULL && pair->served == 0) {
        ngx_http_ocs_pass_pair_end(pair);
    }
}


/* a page from a phase handler: the request ends here */
static ngx_int_t
ngx_http_ocs_pass_refuse(ngx_http_request_t *r, ngx_uint_t status,
    ngx_uint_t msg)
{
    ngx_int_t  rc;

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    rc = ngx_http_ocs_send_msg(r, status, msg);

    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}


static void *
ngx_http_ocs_pass_create_main_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_ocs_pass_main_conf_t));
}


static void *
ngx_http_ocs_pass_create_srv_conf(ngx_conf_t *cf)
{
    ngx_http_ocs_pass_srv_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_ocs_pass_srv_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->enabled = 0;
     *     conf->initialized = 0;
     *     conf->pinned = 0;
     *     conf->original_init_upstream = NULL;
     *     conf->original_init_peer = NULL;
     */

    ocs_pin_limits_default(&conf->limits);

    return conf;
}


static void *
ngx_http_ocs_pass_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_ocs_pass_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_ocs_pass_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->pin = NULL;
     */

    conf->pass_through = NGX_CONF_UNSET;

    return conf;
}


/*
 * What nginx -t can check here: not with "ocs_auth forms", and a
 * proxy_pass naming an upstream{} names one with ocs_upstream_pin.
 * proxy_http_version 1.1 and an empty Connection header live in the
 * proxy module's private configuration: docs/publishing.md says them,
 * and the error log says when a pinned connection was not kept.
 */
static char *
ngx_http_ocs_pass_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_ocs_pass_loc_conf_t *prev = parent;
    ngx_http_ocs_pass_loc_conf_t *conf = child;

    ngx_http_upstream_conf_t       *ucf;
    ngx_http_ocs_loc_conf_t        *olcf;
    ngx_http_ocs_pass_srv_conf_t   *pscf;
    ngx_http_ocs_pass_main_conf_t  *pmcf;

    ngx_conf_merge_value(conf->pass_through, prev->pass_through, 0);

    if (!conf->pass_through) {
        return NGX_CONF_OK;
    }

    pmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ocs_pass_module);
    pmcf->used = 1;

    olcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_ocs_module);

    if (olcf->protect) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ocs_pass_through\" cannot be used with "
                           "\"ocs_auth forms\": the upstream authenticates "
                           "the client itself; use \"ocs_auth off\" in this "
                           "location, \"proxy_pass\" to an upstream{} with "
                           "\"ocs_upstream_pin\", \"proxy_http_version 1.1\" "
                           "and \"proxy_set_header Connection \"\"\"");
        return NGX_CONF_ERROR;
    }

    /*
     * the proxy's ticket cookie never reaches the upstream, even in an
     * http block where no location issues tickets
     */
    ngx_http_ocs_sso_hide(cf);

    ucf = ngx_http_ocs_pass_proxy_conf(cf);

    if (ucf != NULL && ucf->intercept_errors == 1) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "\"proxy_intercept_errors on\" with "
                           "\"ocs_pass_through\": an \"error_page\" for 401 "
                           "would replace the upstream's NTLM or Negotiate "
                           "challenge and close its connection, so no client "
                           "could sign in");
    }

#if (NGX_HTTP_CACHE)
    if (ucf != NULL && (ucf->cache_zone != NULL || ucf->cache_value != NULL))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ocs_pass_through\" cannot be used with "
                           "\"proxy_cache\": the cache does not know which "
                           "user a response was for; use \"proxy_cache "
                           "off\" in this location");
        return NGX_CONF_ERROR;
    }
#endif

    if (ucf == NULL || ucf->upstream == NULL) {
        /* no proxy_pass here, or one with variables */
        return NGX_CONF_OK;
    }

    pscf = (ucf->upstream->srv_conf == NULL)
           ? NULL
           : ngx_http_conf_upstream_srv_conf(ucf->upstream,
                                             ngx_http_ocs_pass_module);

    if (pscf == NULL || !pscf->enabled) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ocs_pass_through\" needs \"proxy_pass\" to an "
                           "upstream{} with \"ocs_upstream_pin\"; "
                           "\"%V\" is not one (and \"proxy_http_version 1.1\" "
                           "and \"proxy_set_header Connection \"\"\")",
                           &ucf->upstream->host);
        return NGX_CONF_ERROR;
    }

    conf->pin = pscf;

    return NGX_CONF_OK;
}


/*
 * The location's proxy_pass upstream, as far as nginx -t can know it:
 * the proxy module's location configuration starts with its
 * ngx_http_upstream_conf_t, as every upstream module's does.  The
 * module is found by name, so that an nginx built without it still
 * loads this one.  NULL without the proxy module.
 */
static ngx_http_upstream_conf_t *
ngx_http_ocs_pass_proxy_conf(ngx_conf_t *cf)
{
    ngx_uint_t     i;
    ngx_module_t  *m;

    for (i = 0; cf->cycle->modules[i] != NULL; i++) {
        m = cf->cycle->modules[i];

        if (m->type == NGX_HTTP_MODULE
            && ngx_strcmp(m->name, "ngx_http_proxy_module") == 0)
        {
            return ((ngx_http_conf_ctx_t *) cf->ctx)->loc_conf[m->ctx_index];
        }
    }

    return NULL;
}


static ngx_int_t
ngx_http_ocs_pass_init(ngx_conf_t *cf)
{
    ngx_uint_t                       i;
    ngx_http_handler_pt             *h;
    ngx_http_core_main_conf_t       *cmcf;
    ngx_http_ocs_pass_srv_conf_t    *pscf;
    ngx_http_ocs_pass_main_conf_t   *pmcf;
    ngx_http_upstream_srv_conf_t   **uscfp;
    ngx_http_upstream_main_conf_t   *umcf;

    umcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_upstream_module);
    uscfp = umcf->upstreams.elts;

    /* a balancer named after ocs_upstream_pin replaced it unwrapped */
    for (i = 0; i < umcf->upstreams.nelts; i++) {
        if (uscfp[i]->srv_conf == NULL) {
            continue;
        }

        pscf = ngx_http_conf_upstream_srv_conf(uscfp[i],
                                               ngx_http_ocs_pass_module);

        if (pscf->enabled && !pscf->initialized) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"ocs_upstream_pin\" must come after the "
                          "balancing method (\"least_conn\", \"hash\", "
                          "\"ip_hash\", ...) in upstream \"%V\"",
                          &uscfp[i]->host);
            return NGX_ERROR;
        }
    }

    pmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ocs_pass_module);

    /* merged before this runs: a request never pays for an unused module */
    if (!pmcf->used) {
        return NGX_OK;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PREACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_ocs_pass_handler;

    return NGX_OK;
}


static ngx_int_t
ngx_http_ocs_pass_init_upstream(ngx_conf_t *cf,
    ngx_http_upstream_srv_conf_t *us)
{
    ngx_uint_t                     i;
    ngx_http_ocs_pass_pair_t      *pairs;
    ngx_http_ocs_pass_srv_conf_t  *pscf;

    pscf = ngx_http_conf_upstream_srv_conf(us, ngx_http_ocs_pass_module);

    /*
     * Called through another balancer's wrapper (keepalive after us):
     * that one would cache a pinned connection for anyone.
     */
    if (us->peer.init_upstream != ngx_http_ocs_pass_init_upstream) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"ocs_upstream_pin\" must be the last balancer "
                      "directive in upstream \"%V\" (after \"keepalive\")",
                      &us->host);
        return NGX_ERROR;
    }

    if (pscf->original_init_upstream(cf, us) != NGX_OK) {
        return NGX_ERROR;
    }

    pscf->original_init_peer = us->peer.init;
    us->peer.init = ngx_http_ocs_pass_init_peer;

    pairs = ngx_pcalloc(cf->pool,
                        sizeof(ngx_http_ocs_pass_pair_t) * pscf->limits.max);
    if (pairs == NULL) {
        return NGX_ERROR;
    }

    ngx_queue_init(&pscf->free);

    for (i = 0; i < pscf->limits.max; i++) {
        pairs[i].conf = pscf;
        ngx_queue_insert_tail(&pscf->free, &pairs[i].queue);
    }

    pscf->host = us->host;
    pscf->initialized = 1;

    return NGX_OK;
}


/* ocs_upstream_pin [max=N] [idle=TIME] [requests=N] */
static char *
ngx_http_ocs_upstream_pin(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_pass_srv_conf_t  *pscf = conf;

    ngx_int_t                      n;
    ngx_str_t                     *value, v;
    ngx_msec_t                     ms;
    ngx_uint_t                     i;
    ocs_err_t                      err;
    ngx_http_upstream_srv_conf_t  *uscf;

    if (pscf->enabled) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "max=", 4) == 0) {
            n = ngx_atoi(value[i].data + 4, value[i].len - 4);
            if (n == NGX_ERROR || n > OCS_PIN_MAX_LIMIT) {
                goto invalid;
            }

            pscf->limits.max = (unsigned) n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "requests=", 9) == 0) {
            n = ngx_atoi(value[i].data + 9, value[i].len - 9);
            if (n == NGX_ERROR || n > (ngx_int_t) 0x7fffffff) {
                goto invalid;
            }

            pscf->limits.requests = (unsigned) n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "idle=", 5) == 0) {
            v.data = value[i].data + 5;
            v.len = value[i].len - 5;

            ms = ngx_parse_time(&v, 0);
            if (ms == (ngx_msec_t) NGX_ERROR) {
                goto invalid;
            }

            pscf->limits.idle = (int64_t) ms;
            continue;
        }

        goto invalid;
    }

    if (ocs_pin_limits_check(&pscf->limits, &err) != OCS_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"ocs_upstream_pin\": %s",
                           err.text);
        return NGX_CONF_ERROR;
    }

    pscf->enabled = 1;

    uscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_upstream_module);

    pscf->original_init_upstream = uscf->peer.init_upstream
                                   ? uscf->peer.init_upstream
                                   : ngx_http_upstream_init_round_robin;

    uscf->peer.init_upstream = ngx_http_ocs_pass_init_upstream;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\" in \"ocs_upstream_pin\": "
                       "use max=N, idle=TIME and requests=N", &value[i]);

    return NGX_CONF_ERROR;
}
