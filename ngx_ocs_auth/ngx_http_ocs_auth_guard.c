/*
 * ngx_http_ocs_auth_module's shared-memory zone, ocs_auth_zone, as the
 * store (ocs/ocs_store.h) of the lockout decisions (ocs/ocs_guard.h):
 * failed sign-ins counted per account and client address, and the locks
 * they lead to (brute-force protection), one-time codes already used,
 * and single-use sign-in states.  Every worker sees it, and it is kept
 * across reloads.  And the lockout admin page.
 *
 * The zone is the common store (ngx_http_ocs_store.c) that drops: when
 * memory runs out, the least recently written entries go first,
 * expired or not: the zone should be large enough for the entries of a
 * lock period (docs/security.md).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs_auth.h>


#define OCS_GUARD_LIST_MAX  (256 * 1024)


/* the admin list being written */
typedef struct {
    u_char                       *p;
    u_char                       *last;
    time_t                        now;
    ngx_uint_t                    n;
} ngx_http_ocs_auth_guard_list_t;


static ngx_int_t ngx_http_ocs_auth_guard_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static const ocs_store_t *ngx_http_ocs_auth_guard_store(ngx_http_request_t *r);
static size_t ngx_http_ocs_auth_guard_addr(struct sockaddr *sa, u_char *out);
static void ngx_http_ocs_auth_guard_limits(ngx_http_ocs_auth_loc_conf_t *alcf,
    ocs_guard_limits_t *limits);
static void ngx_http_ocs_auth_guard_abandon(void *data);
static void ngx_http_ocs_auth_guard_report(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_guard_attempt_t *a);
static ngx_int_t ngx_http_ocs_auth_lockout_list(ngx_http_request_t *r);
static int ngx_http_ocs_auth_guard_list_one(void *arg,
    const unsigned char *key, size_t len, const ocs_store_rec_t *rec);
static u_char *ngx_http_ocs_auth_guard_describe(u_char *p, u_char *last,
    const ocs_guard_entry_t *e, const ocs_store_rec_t *rec, time_t now);
static void ngx_http_ocs_auth_lockout_clear(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_auth_lockout_clear_arg(ngx_http_request_t *r,
    ngx_str_t *arg, int *what, u_char *want, size_t *len);


/* ocs_auth_zone name:size [state=file] */
char *
ngx_http_ocs_auth_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_auth_main_conf_t  *amcf = conf;

    size_t     size;
    ngx_str_t  name;

    if (amcf->guard != NULL) {
        return "is duplicate";
    }

    if (ngx_http_ocs_conf_zone(cf, cmd, &name, &size) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    amcf->guard = ngx_http_ocs_auth_guard_zone_add(cf, &name, size);
    if (amcf->guard == NULL) {
        return NGX_CONF_ERROR;
    }

    return ngx_http_ocs_store_conf_file(cf, cmd, amcf->guard);
}


ngx_shm_zone_t *
ngx_http_ocs_auth_guard_zone_add(ngx_conf_t *cf, ngx_str_t *name, size_t size)
{
    ngx_http_ocs_store_t  *zs;

    zs = ngx_pcalloc(cf->pool, sizeof(ngx_http_ocs_store_t));
    if (zs == NULL) {
        return NULL;
    }

    ngx_http_ocs_store_conf(zs, "ocs_auth_zone", 0, 0);

    return ngx_http_ocs_zone_add(cf, name, size, &ngx_http_ocs_auth_module,
                                 "ocs_auth_zone",
                                 ngx_http_ocs_auth_guard_init_zone, zs);
}


/* on a reload, the counts and locks go on */
static ngx_int_t
ngx_http_ocs_auth_guard_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_uint_t  fresh;

    return ngx_http_ocs_store_init(shm_zone->data, shm_zone, data, &fresh);
}


/* the zone's store, NULL when there is no ocs_auth_zone */
static const ocs_store_t *
ngx_http_ocs_auth_guard_store(ngx_http_request_t *r)
{
    ngx_http_ocs_store_t           *zs;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_auth_module);

    if (amcf->guard == NULL) {
        return NULL;
    }

    zs = amcf->guard->data;

    return &zs->store;
}


/* the address bytes of a client: 4, 16, or none for unix sockets */
static size_t
ngx_http_ocs_auth_guard_addr(struct sockaddr *sa, u_char *out)
{
    switch (sa->sa_family) {

#if (NGX_HAVE_INET6)
    case AF_INET6:
        ngx_memcpy(out, &((struct sockaddr_in6 *) sa)->sin6_addr, 16);
        return 16;
#endif

    case AF_INET:
        ngx_memcpy(out, &((struct sockaddr_in *) sa)->sin_addr, 4);
        return 4;

    default:
        /* unix sockets: one "address" for all */
        return 0;
    }
}


static void
ngx_http_ocs_auth_guard_limits(ngx_http_ocs_auth_loc_conf_t *alcf,
    ocs_guard_limits_t *limits)
{
    limits->account = (unsigned) alcf->lock_account;
    limits->address = (unsigned) alcf->lock_address;
    limits->total = (unsigned) alcf->lock_total;
    limits->window = alcf->lock_window;
    limits->lock = alcf->lock_time;
}


/*
 * Whether sign-ins of account (as typed) from this client are refused
 * for now: 0, or the seconds left of the lock (and why in *why).
 */
time_t
ngx_http_ocs_auth_guard_locked(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *account,
    ngx_uint_t codes, const char **why)
{
    u_char              name[OCS_NAME_MAX], addr[16];
    size_t              name_len, addr_len;
    const ocs_store_t  *store;

    store = ngx_http_ocs_auth_guard_store(r);

    if (store == NULL || !alcf->lockout) {
        return 0;
    }

    name_len = ocs_guard_name((char *) account->data, account->len, name);
    addr_len = ngx_http_ocs_auth_guard_addr(r->connection->sockaddr, addr);

    return (time_t) ocs_guard_locked(store, ngx_http_ocs_env(), name,
                                     name_len, addr, addr_len, codes != 0,
                                     why);
}


/* one more failed second-step code of account from this client */
void
ngx_http_ocs_auth_guard_failed(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *account, ngx_uint_t codes)
{
    u_char              name[OCS_NAME_MAX], addr[16];
    size_t              name_len, addr_len;
    unsigned            started;
    ocs_guard_limits_t  limits;
    const ocs_store_t  *store;

    store = ngx_http_ocs_auth_guard_store(r);

    if (store == NULL || !alcf->lockout) {
        return;
    }

    name_len = ocs_guard_name((char *) account->data, account->len, name);
    addr_len = ngx_http_ocs_auth_guard_addr(r->connection->sockaddr, addr);
    ngx_http_ocs_auth_guard_limits(alcf, &limits);

    if (ocs_guard_failed(store, ngx_http_ocs_env(), &limits, name, name_len,
                         addr, addr_len, codes != 0, &started)
        != OCS_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: ocs_auth_zone has no room for a failure "
                      "count");
    }

    if (started & OCS_GUARD_BY_ADDRESS) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "ocs auth: sign-ins of user \"%*s\" from %V locked "
                      "for %T s after %ui failed %s", name_len, name,
                      &r->connection->addr_text, alcf->lock_time,
                      alcf->lock_account, codes ? "codes" : "passwords");
    }

    if (started & OCS_GUARD_ADDRESS_ONLY) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "ocs auth: sign-ins from %V locked for %T s after %ui "
                      "failures", &r->connection->addr_text,
                      alcf->lock_time, alcf->lock_address);
    }
}


/* a second step of account from this client succeeded: its count restarts */
void
ngx_http_ocs_auth_guard_succeeded(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *account, ngx_uint_t codes)
{
    u_char              name[OCS_NAME_MAX], addr[16];
    size_t              name_len, addr_len;
    const ocs_store_t  *store;

    store = ngx_http_ocs_auth_guard_store(r);

    if (store == NULL || !alcf->lockout) {
        return;
    }

    name_len = ocs_guard_name((char *) account->data, account->len, name);
    addr_len = ngx_http_ocs_auth_guard_addr(r->connection->sockaddr, addr);

    ocs_guard_succeeded(store, ngx_http_ocs_env(), name, name_len, addr,
                        addr_len, codes != 0);
}


/*
 * A password sign-in's part in the counts (ocs_guard_attempt_t): the
 * attempt is counted before the password is tried and settled after.
 */
ngx_int_t
ngx_http_ocs_auth_guard_attempt_init(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *typed,
    ocs_guard_attempt_t *a)
{
    u_char               addr[16];
    size_t               addr_len;
    ocs_guard_limits_t   limits;
    ngx_pool_cleanup_t  *cln;

    addr_len = ngx_http_ocs_auth_guard_addr(r->connection->sockaddr, addr);
    ngx_http_ocs_auth_guard_limits(alcf, &limits);

    ocs_guard_attempt_init(a, alcf->lockout ? ngx_http_ocs_auth_guard_store(r)
                                            : NULL,
                           ngx_http_ocs_env(), &limits,
                           (char *) typed->data, typed->len, addr, addr_len);

    /* a request that ends unsettled (the client left) leaves its counts */
    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_ocs_auth_guard_abandon;
    cln->data = a;

    return NGX_OK;
}


/* the outcome of a counted attempt, on the event loop */
void
ngx_http_ocs_auth_guard_settle(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_guard_attempt_t *a,
    ngx_uint_t outcome)
{
    if (a->store == NULL || !a->charged) {
        return;
    }

    ocs_guard_settle(a, (int) outcome);

    if (outcome == OCS_GUARD_FAILED) {
        ngx_http_ocs_auth_guard_report(r, alcf, a);
    }
}


/*
 * The request pool's cleanup: an attempt never settled (the client went
 * away while it ran) is no longer in flight, and counts as a failure,
 * since the directory may have judged a wrong password (its lock, if it
 * starts one, is not logged: there is no request left to log with).
 */
static void
ngx_http_ocs_auth_guard_abandon(void *data)
{
    ocs_guard_settle(data, OCS_GUARD_FAILED);
}


/* the log lines of the locks a failed attempt started */
static void
ngx_http_ocs_auth_guard_report(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_guard_attempt_t *a)
{
    u_char  why[64];

    if (a->no_room) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: ocs_auth_zone has no room for a failure "
                      "count");
    }

    why[0] = '\0';

    if (a->threshold == 1) {
        ngx_sprintf(why, " (the directory locks after 1: it cannot be kept "
                    "from locking)%Z");

    } else if (a->threshold) {
        ngx_sprintf(why, " (the directory locks after %d)%Z", a->threshold);
    }

    if (a->started & OCS_GUARD_BY_ADDRESS) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "ocs auth: sign-ins of user \"%*s\" from %V locked "
                      "for %T s after %ui failed passwords%s", a->key_len,
                      a->key, &r->connection->addr_text,
                      (time_t) a->limit_lock, (ngx_uint_t) a->limit_account,
                      why);
    }

    if (a->started & OCS_GUARD_ANYWHERE) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "ocs auth: sign-ins of user \"%*s\" from anywhere "
                      "locked for %T s after %ui failures%s", a->key_len,
                      a->key, (time_t) a->limit_lock,
                      (ngx_uint_t) a->limit_total, why);
    }

    if (a->started & OCS_GUARD_ADDRESS_ONLY) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "ocs auth: sign-ins from %V locked for %T s after %ui "
                      "failures", &r->connection->addr_text,
                      alcf->lock_time, alcf->lock_address);
    }
}


/*
 * Records that value (a one-time code's time step, say) was used under
 * key (kind and data), until expires; the zone keeps the mark until
 * then, full or not.  NGX_OK when it is new: greater than what was used
 * before under that key; NGX_DECLINED when it is not (a replay);
 * NGX_ERROR when the zone has no room for it (its old end all marks
 * still in use), and the use must be refused.
 */
ngx_int_t
ngx_http_ocs_auth_guard_once(ngx_http_request_t *r, u_char kind, u_char *data,
    size_t len, int64_t value, time_t expires)
{
    const ocs_store_t  *store;

    store = ngx_http_ocs_auth_guard_store(r);

    if (store == NULL) {
        return NGX_ERROR;
    }

    switch (ocs_guard_once(store, ngx_http_ocs_env(), kind, data, len, value,
                           expires))
    {
    case OCS_OK:
        return NGX_OK;

    case OCS_ERR_AUTH:
        return NGX_DECLINED;

    default:
        return NGX_ERROR;
    }
}


/*
 * ocs_auth_lockout_admin: GET lists the locks and counts in text/plain;
 * POST with "clear=all", "clear=user NAME" or "clear=address ADDR" (an
 * address as the list shows it) clears them.  Protect the location with
 * allow/deny or auth_basic.
 */
ngx_int_t
ngx_http_ocs_auth_lockout_admin_handler(ngx_http_request_t *r)
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

        return ngx_http_ocs_auth_lockout_list(r);
    }

    if (r->method != NGX_HTTP_POST) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    if (ngx_http_ocs_cross_site(r)) {
        return NGX_HTTP_FORBIDDEN;
    }

    return ngx_http_ocs_read_form(r, 4096, ngx_http_ocs_auth_lockout_clear);
}


static ngx_int_t
ngx_http_ocs_auth_lockout_list(ngx_http_request_t *r)
{
    u_char                     *body;
    const ocs_store_t          *store;
    const ocs_msg_t            *empty;
    ngx_http_ocs_auth_guard_list_t   list;

    store = ngx_http_ocs_auth_guard_store(r);
    if (store == NULL) {
        return NGX_HTTP_NOT_FOUND;
    }

    body = ngx_pnalloc(r->pool, OCS_GUARD_LIST_MAX);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    list.p = body;
    list.last = body + OCS_GUARD_LIST_MAX;
    list.now = ngx_time();
    list.n = 0;

    (void) ocs_page_lockout_head(list.now, (char *) list.p,
                                 list.last - list.p);
    list.p += ngx_strlen(list.p);

    store->lock(store->data);
    store->walk(store->data, ngx_http_ocs_auth_guard_list_one, &list);
    store->unlock(store->data);

    if (list.n == 0) {
        empty = ocs_msg(OCS_MSG_LOCKOUT_EMPTY);
        list.p = ngx_cpymem(list.p, empty->text, empty->text_len);
    }

    return ngx_http_ocs_send(r, NGX_HTTP_OK, "text/plain", body,
                             list.p - body);
}


/* a line of the list for each live lock or count, while there is room */
static int
ngx_http_ocs_auth_guard_list_one(void *arg, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec)
{
    ngx_http_ocs_auth_guard_list_t  *list = arg;

    ocs_guard_entry_t  e;

    if (list->last - list->p <= OCS_GUARD_LINE_MAX) {
        return OCS_STORE_STOP;
    }

    if (ocs_guard_listed(key, len, rec, list->now)
        && ocs_guard_entry(key, len, &e) == OCS_OK)
    {
        list->p = ngx_http_ocs_auth_guard_describe(list->p, list->last, &e, rec,
                                              list->now);
        list->n++;
    }

    return OCS_STORE_NEXT;
}


/* one line of the list, at most OCS_GUARD_LINE_MAX bytes */
static u_char *
ngx_http_ocs_auth_guard_describe(u_char *p, u_char *last,
    const ocs_guard_entry_t *e, const ocs_store_rec_t *rec, time_t now)
{
    u_char  text[NGX_INET6_ADDRSTRLEN + 1];
    size_t  len;

    len = 0;

    if (e->addr_len == 4) {
        len = ngx_inet_ntop(AF_INET, (u_char *) e->addr, text,
                            NGX_INET6_ADDRSTRLEN);

#if (NGX_HAVE_INET6)
    } else if (e->addr_len == 16) {
        len = ngx_inet_ntop(AF_INET6, (u_char *) e->addr, text,
                            NGX_INET6_ADDRSTRLEN);
#endif
    }

    text[len] = '\0';

    return p + ocs_guard_describe(e, rec, now, (char *) text, (char *) p,
                                  last - p);
}


/* POST clear=all | clear=user NAME | clear=address ADDR */
static void
ngx_http_ocs_auth_lockout_clear(ngx_http_request_t *r)
{
    int                 what;
    size_t              len, n;
    u_char              want[OCS_NAME_MAX];
    u_char              text[64];
    ngx_str_t           arg;
    const ocs_store_t  *store;

    store = ngx_http_ocs_auth_guard_store(r);

    if (store == NULL
        || ngx_http_ocs_auth_lockout_clear_arg(r, &arg, &what, want, &len)
           != NGX_OK)
    {
        ngx_http_finalize_request(r,
            ngx_http_ocs_send_msg(r, NGX_HTTP_BAD_REQUEST,
                                  OCS_MSG_LOCKOUT_USAGE));
        return;
    }

    n = ocs_guard_clear(store, what, want, len);

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "ocs auth: %uz sign-in lock and count entries cleared "
                  "(\"%V\")", n, &arg);

    (void) ocs_page_lockout_cleared(n, (char *) text, sizeof(text));

    ngx_http_finalize_request(r, ngx_http_ocs_send_text(r, NGX_HTTP_OK,
                                                       (char *) text));
}


/*
 * The form's "clear" field: what to clear (OCS_GUARD_CLEAR_*) and, for
 * a user or an address, its key or bytes into want (OCS_NAME_MAX
 * bytes).  NGX_OK, or NGX_DECLINED for a form that says neither.
 */
static ngx_int_t
ngx_http_ocs_auth_lockout_clear_arg(ngx_http_request_t *r, ngx_str_t *arg,
    int *what, u_char *want, size_t *len)
{
    ngx_str_t   body;
    ngx_addr_t  a;

    if (ngx_http_ocs_form_body(r, 4096, &body) != NGX_OK
        || ngx_http_ocs_form_field(r, &body, "clear", 512, arg) != NGX_OK)
    {
        return NGX_DECLINED;
    }

    *len = 0;

    if (arg->len == 3 && ngx_strncmp(arg->data, "all", 3) == 0) {
        *what = OCS_GUARD_CLEAR_ALL;
        return NGX_OK;
    }

    if (arg->len > 5 && ngx_strncmp(arg->data, "user ", 5) == 0
        && arg->len - 5 <= OCS_NAME_MAX)
    {
        *what = OCS_GUARD_CLEAR_USER;
        *len = ocs_guard_name((char *) arg->data + 5, arg->len - 5, want);
        return NGX_OK;
    }

    if (arg->len <= 8 || ngx_strncmp(arg->data, "address ", 8) != 0
        || ngx_parse_addr(r->pool, &a, arg->data + 8, arg->len - 8)
           != NGX_OK)
    {
        return NGX_DECLINED;
    }

    *what = OCS_GUARD_CLEAR_ADDRESS;

    switch (a.sockaddr->sa_family) {

#if (NGX_HAVE_INET6)
    case AF_INET6:
        ngx_memcpy(want, &((struct sockaddr_in6 *) a.sockaddr)->sin6_addr,
                   16);
        *len = 16;
        break;
#endif

    default:
        ngx_memcpy(want, &((struct sockaddr_in *) a.sockaddr)->sin_addr, 4);
        *len = 4;
    }

    return NGX_OK;
}
