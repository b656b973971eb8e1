/*
 * Lockout in mod_auth_ocs, the counterpart of ngx_http_ocs_auth_guard.c:
 * the store of counts and locks shared by every process and thread
 * (ocs_ap_store.c makes it, OCS_AP_STORE_GUARD), the directory's
 * OCSLockout limits, and the administrator's page (SetHandler ocs-
 * lockout-admin): GET lists the locks and counts in text/plain; POST
 * with "clear=all", "clear=user NAME" or "clear=address ADDR" clears
 * them.  Protect its <Location> with Require (ip, or a user of its own).
 * Every decision is the core's (ocs_guard.h).
 */

#include "mod_auth_ocs.h"

#include <arpa/inet.h>
#include <errno.h>

#include <apr_lib.h>

#include <ocs/ocs_conf.h>
#include <ocs/ocs_pages.h>


/* log lines carry the module: [auth_ocs:level], LogLevel auth_ocs:... */



#define OCS_AP_GUARD_LIST_MAX  (256 * 1024)


/* the admin list being written */
typedef struct {
    char                 *p;
    char                 *last;
    int64_t               now;
    size_t                n;
} ocs_ap_guard_list_t;


static const ocs_store_t *ocs_ap_guard_store(request_rec *r);
static int ocs_ap_guard_on(request_rec *r);
static size_t ocs_ap_guard_addr(request_rec *r, unsigned char *out);
static void ocs_ap_guard_limits(request_rec *r, ocs_guard_limits_t *limits);
static apr_status_t ocs_ap_guard_abandon(void *data);
static void ocs_ap_guard_report(request_rec *r, ocs_guard_attempt_t *a);
static int ocs_ap_guard_handler(request_rec *r);
static int ocs_ap_guard_list(request_rec *r);
static int ocs_ap_guard_list_one(void *arg, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec);
static int ocs_ap_guard_clear(request_rec *r);
static int ocs_ap_guard_clear_arg(const char *arg, size_t n, int *what,
    unsigned char *want, size_t *len);


/*
 * OCSLockout off | [account=N] [address=N] [total=N] [window=TIME]
 *     [lock=TIME]
 */
const char *
ocs_ap_guard_lockout(cmd_parms *cmd, void *mconfig, int argc,
    char *const argv[])
{
    int                      i, which;
    char                    *end;
    size_t                   vlen;
    int64_t                  n;
    const char              *v;
    ocs_ap_guard_dir_t      *conf = &ocs_ap_cmd_dir(mconfig)->guard;
    const ocs_conf_param_t  *param;

    if (argc == 0) {
        return "OCSLockout: " OCS_CONF_LOCKOUT_USAGE;
    }

    if (strcmp(argv[0], "off") == 0) {
        if (argc > 1) {
            return "OCSLockout takes no parameters with \"off\"";
        }

        conf->lockout = 0;
        return NULL;
    }

    conf->lockout = 1;
    param = NULL;

    for (i = 0; i < argc; i++) {
        which = ocs_conf_param_find(ocs_conf_lockout_params,
                                    OCS_CONF_LOCKOUT_PARAMS, argv[i],
                                    strlen(argv[i]), &v, &vlen);
        n = -1;

        if (which >= 0) {
            param = &ocs_conf_lockout_params[which];

            if (param->time) {
                if (ocs_conf_parse_time(v, vlen, &n) != OCS_OK) {
                    n = -1;
                }

            } else if (apr_isdigit(v[0])) {
                errno = 0;
                n = (int64_t) apr_strtoi64(v, &end, 10);
                if (end != v + vlen || errno == ERANGE) {
                    n = -1;
                }
            }
        }

        if (which < 0 || ocs_conf_param_check(param, n) != OCS_OK) {
            return apr_psprintf(cmd->pool, "invalid parameter \"%s\" in "
                                "OCSLockout: " OCS_CONF_LOCKOUT_USAGE,
                                argv[i]);
        }

        switch (which) {

        case OCS_CONF_LOCKOUT_ACCOUNT:
            conf->account = n;
            break;

        case OCS_CONF_LOCKOUT_ADDRESS:
            conf->address = n;
            break;

        case OCS_CONF_LOCKOUT_TOTAL:
            conf->total = n;
            break;

        case OCS_CONF_LOCKOUT_WINDOW:
            conf->window = n;
            break;

        default: /* OCS_CONF_LOCKOUT_LOCK */
            conf->lock = n;
            break;
        }
    }

    return NULL;
}


void
ocs_ap_guard_dir_init(apr_pool_t *p, ocs_ap_guard_dir_t *conf)
{
    (void) p;

    conf->lockout = OCS_AP_UNSET;
    conf->account = OCS_AP_UNSET;
    conf->address = OCS_AP_UNSET;
    conf->total = OCS_AP_UNSET;
    conf->window = OCS_AP_UNSET;
    conf->lock = OCS_AP_UNSET;
}


/* OCSLockout inherits parameter by parameter, as ocs_auth_lockout */
void
ocs_ap_guard_dir_merge(apr_pool_t *p, ocs_ap_guard_dir_t *conf,
    const ocs_ap_guard_dir_t *base, const ocs_ap_guard_dir_t *add)
{
    (void) p;

#define OCS_AP_MERGE(f)                                                      \
    conf->f = (add->f != OCS_AP_UNSET) ? add->f : base->f

    OCS_AP_MERGE(lockout);
    OCS_AP_MERGE(account);
    OCS_AP_MERGE(address);
    OCS_AP_MERGE(total);
    OCS_AP_MERGE(window);
    OCS_AP_MERGE(lock);

#undef OCS_AP_MERGE
}


void
ocs_ap_guard_register_hooks(apr_pool_t *p)
{
    static const char *const  before[] = { "mod_proxy.c", NULL };

    (void) p;

    ap_hook_handler(ocs_ap_guard_handler, NULL, before, APR_HOOK_FIRST);
}


static const ocs_store_t *
ocs_ap_guard_store(request_rec *r)
{
    return ocs_ap_store(r->server, OCS_AP_STORE_GUARD);
}


/* the lockout of r's directory: on unless OCSLockout off */
static int
ocs_ap_guard_on(request_rec *r)
{
    int  on;

    on = ocs_ap_dir(r)->guard.lockout;

    return (on == OCS_AP_UNSET) ? OCS_CONF_LOCKOUT : on;
}


/* the address bytes of the client (mod_remoteip's when it is on) */
static size_t
ocs_ap_guard_addr(request_rec *r, unsigned char *out)
{
    apr_sockaddr_t  *sa;

    sa = r->useragent_addr ? r->useragent_addr : r->connection->client_addr;

    switch (sa->family) {

#if APR_HAVE_IPV6
    case APR_INET6:
        memcpy(out, &sa->sa.sin6.sin6_addr, 16);
        return 16;
#endif

    case APR_INET:
        memcpy(out, &sa->sa.sin.sin_addr, 4);
        return 4;

    default:
        /* unix sockets: one "address" for all */
        return 0;
    }
}


static void
ocs_ap_guard_limits(request_rec *r, ocs_guard_limits_t *limits)
{
    ocs_ap_guard_dir_t  *conf = &ocs_ap_dir(r)->guard;

#define OCS_AP_LIMIT(f, d)  ((conf->f == OCS_AP_UNSET) ? (d) : conf->f)

    limits->account = (unsigned) OCS_AP_LIMIT(account, OCS_CONF_LOCK_ACCOUNT);
    limits->address = (unsigned) OCS_AP_LIMIT(address, OCS_CONF_LOCK_ADDRESS);
    limits->total = (unsigned) OCS_AP_LIMIT(total, OCS_CONF_LOCK_TOTAL);
    limits->window = OCS_AP_LIMIT(window, OCS_CONF_LOCK_WINDOW);
    limits->lock = OCS_AP_LIMIT(lock, OCS_CONF_LOCK_TIME);

#undef OCS_AP_LIMIT
}


int64_t
ocs_ap_guard_locked(request_rec *r, const char *account, size_t len,
    int codes, const char **why)
{
    size_t              name_len, addr_len;
    const ocs_store_t  *store;
    unsigned char       name[OCS_NAME_MAX], addr[16];

    store = ocs_ap_guard_store(r);

    if (store == NULL || !ocs_ap_guard_on(r)) {
        return 0;
    }

    name_len = ocs_guard_name(account, len, name);
    addr_len = ocs_ap_guard_addr(r, addr);

    return ocs_guard_locked(store, ocs_ap_env(), name, name_len, addr,
                            addr_len, codes != 0, why);
}


void
ocs_ap_guard_failed(request_rec *r, const char *account, size_t len,
    int codes)
{
    size_t              name_len, addr_len;
    unsigned            started;
    ocs_guard_limits_t  limits;
    const ocs_store_t  *store;
    unsigned char       name[OCS_NAME_MAX], addr[16];

    store = ocs_ap_guard_store(r);

    if (store == NULL || !ocs_ap_guard_on(r)) {
        return;
    }

    name_len = ocs_guard_name(account, len, name);
    addr_len = ocs_ap_guard_addr(r, addr);
    ocs_ap_guard_limits(r, &limits);

    if (ocs_guard_failed(store, ocs_ap_env(), &limits, name, name_len, addr,
                         addr_len, codes != 0, &started)
        != OCS_OK)
    {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: the lockout store has no room for a "
                      "failure count");
    }

    if (started & OCS_GUARD_BY_ADDRESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "ocs auth: sign-ins of user \"%.*s\" from %s locked "
                      "for %" APR_INT64_T_FMT " s after %u failed %s",
                      (int) name_len, name, r->useragent_ip,
                      (apr_int64_t) limits.lock, limits.account,
                      codes ? "codes" : "passwords");
    }

    if (started & OCS_GUARD_ADDRESS_ONLY) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "ocs auth: sign-ins from %s locked for %"
                      APR_INT64_T_FMT " s after %u failures",
                      r->useragent_ip, (apr_int64_t) limits.lock,
                      limits.address);
    }
}


void
ocs_ap_guard_succeeded(request_rec *r, const char *account, size_t len,
    int codes)
{
    size_t              name_len, addr_len;
    const ocs_store_t  *store;
    unsigned char       name[OCS_NAME_MAX], addr[16];

    store = ocs_ap_guard_store(r);

    if (store == NULL || !ocs_ap_guard_on(r)) {
        return;
    }

    name_len = ocs_guard_name(account, len, name);
    addr_len = ocs_ap_guard_addr(r, addr);

    ocs_guard_succeeded(store, ocs_ap_env(), name, name_len, addr, addr_len,
                        codes != 0);
}


void
ocs_ap_guard_attempt_init(request_rec *r, const char *typed, size_t len,
    ocs_guard_attempt_t *a)
{
    size_t              addr_len;
    ocs_guard_limits_t  limits;
    unsigned char       addr[16];

    addr_len = ocs_ap_guard_addr(r, addr);
    ocs_ap_guard_limits(r, &limits);

    ocs_guard_attempt_init(a, ocs_ap_guard_on(r) ? ocs_ap_guard_store(r)
                                                 : NULL,
                           ocs_ap_env(), &limits, typed, len, addr,
                           addr_len);

    /* a request that ends unsettled leaves no reservation behind */
    apr_pool_cleanup_register(r->pool, a, ocs_ap_guard_abandon,
                              apr_pool_cleanup_null);
}


void
ocs_ap_guard_settle(request_rec *r, ocs_guard_attempt_t *a, int outcome)
{
    if (a->store == NULL || !a->charged) {
        return;
    }

    ocs_guard_settle(a, outcome);

    if (outcome == OCS_GUARD_FAILED) {
        ocs_ap_guard_report(r, a);
    }
}


/*
 * The request pool's cleanup: an attempt never settled is no longer in
 * flight, and counts as a failure, since the directory may have judged
 * a wrong password.
 */
static apr_status_t
ocs_ap_guard_abandon(void *data)
{
    ocs_guard_settle(data, OCS_GUARD_FAILED);

    return APR_SUCCESS;
}


/* the log lines of the locks a failed attempt started */
static void
ocs_ap_guard_report(request_rec *r, ocs_guard_attempt_t *a)
{
    char  why[80];

    if (a->no_room) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: the lockout store has no room for a "
                      "failure count");
    }

    why[0] = '\0';

    if (a->threshold == 1) {
        apr_snprintf(why, sizeof(why), " (the directory locks after 1: it "
                     "cannot be kept from locking)");

    } else if (a->threshold) {
        apr_snprintf(why, sizeof(why), " (the directory locks after %d)",
                     a->threshold);
    }

    if (a->started & OCS_GUARD_BY_ADDRESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "ocs auth: sign-ins of user \"%.*s\" from %s locked "
                      "for %" APR_INT64_T_FMT " s after %u failed "
                      "passwords%s", (int) a->key_len, a->key,
                      r->useragent_ip, (apr_int64_t) a->limit_lock,
                      a->limit_account, why);
    }

    if (a->started & OCS_GUARD_ANYWHERE) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "ocs auth: sign-ins of user \"%.*s\" from anywhere "
                      "locked for %" APR_INT64_T_FMT " s after %u "
                      "failures%s", (int) a->key_len, a->key,
                      (apr_int64_t) a->limit_lock, a->limit_total, why);
    }

    if (a->started & OCS_GUARD_ADDRESS_ONLY) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "ocs auth: sign-ins from %s locked for %"
                      APR_INT64_T_FMT " s after %u failures",
                      r->useragent_ip, (apr_int64_t) a->conf.lock,
                      a->conf.address);
    }
}


/* SetHandler ocs-lockout-admin */
static int
ocs_ap_guard_handler(request_rec *r)
{
    int          rc;
    const char  *h;

    h = ocs_ap_page_handler(r);

    if (h == NULL || strcmp(h, OCS_AP_HANDLER_LOCKOUT_ADMIN) != 0) {
        return DECLINED;
    }

    rc = ocs_ap_refuse_plain(r);
    if (rc != DECLINED) {
        return rc;
    }

    if (ocs_ap_guard_store(r) == NULL) {
        return HTTP_NOT_FOUND;
    }

    if (r->method_number == M_GET) {
        rc = ap_discard_request_body(r);
        if (rc != OK) {
            return rc;
        }

        return ocs_ap_guard_list(r);
    }

    if (r->method_number != M_POST) {
        r->allowed = (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_POST);
        return HTTP_METHOD_NOT_ALLOWED;
    }

    return ocs_ap_guard_clear(r);
}


static int
ocs_ap_guard_list(request_rec *r)
{
    char                 *body;
    const ocs_msg_t      *empty;
    const ocs_store_t    *store;
    ocs_ap_guard_list_t   list;

    store = ocs_ap_guard_store(r);

    body = apr_palloc(r->pool, OCS_AP_GUARD_LIST_MAX);

    list.p = body;
    list.last = body + OCS_AP_GUARD_LIST_MAX;
    list.now = (int64_t) apr_time_sec(apr_time_now());
    list.n = 0;

    (void) ocs_page_lockout_head(list.now, list.p, list.last - list.p);
    list.p += strlen(list.p);

    store->lock(store->data);
    store->walk(store->data, ocs_ap_guard_list_one, &list);
    store->unlock(store->data);

    if (list.n == 0) {
        empty = ocs_msg(OCS_MSG_LOCKOUT_EMPTY);
        memcpy(list.p, empty->text, empty->text_len);
        list.p += empty->text_len;
    }

    return ocs_ap_send(r, HTTP_OK, "text/plain", body, list.p - body);
}


/* a line of the list for each live lock or count, while there is room */
static int
ocs_ap_guard_list_one(void *arg, const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec)
{
    ocs_ap_guard_list_t  *list = arg;

    char               text[INET6_ADDRSTRLEN + 1];
    ocs_guard_entry_t  e;

    if (list->last - list->p <= OCS_GUARD_LINE_MAX) {
        return OCS_STORE_STOP;
    }

    if (!ocs_guard_listed(key, len, rec, list->now)
        || ocs_guard_entry(key, len, &e) != OCS_OK)
    {
        return OCS_STORE_NEXT;
    }

    text[0] = '\0';

    if (e.addr_len == 4) {
        (void) inet_ntop(AF_INET, e.addr, text, sizeof(text));

    } else if (e.addr_len == 16) {
        (void) inet_ntop(AF_INET6, e.addr, text, sizeof(text));
    }

    list->p += ocs_guard_describe(&e, rec, list->now, text, list->p,
                                  list->last - list->p);
    list->n++;

    return OCS_STORE_NEXT;
}


/* POST clear=all | clear=user NAME | clear=address ADDR */
static int
ocs_ap_guard_clear(request_rec *r)
{
    int                 rc, what;
    char               *body, *arg;
    size_t              len, n, cleared;
    ocs_hdr_t           hdr;
    const char         *host;
    unsigned char       want[OCS_NAME_MAX];
    char                text[64];

    ocs_ap_hdr(r, &hdr);
    host = apr_table_get(r->headers_in, "Host");
    host = host ? host : "";

    if (ocs_web_cross_site(&hdr, host, strlen(host))) {
        return HTTP_FORBIDDEN;
    }

    rc = ocs_ap_read_form(r, 4096, &body, &len);

    if (rc == HTTP_UNSUPPORTED_MEDIA_TYPE) {
        return ocs_ap_send_msg(r, rc, OCS_MSG_FORM_TYPE, NULL);
    }

    if (rc != OK) {
        return rc;
    }

    if (ocs_ap_form_field(r, body, len, "clear", 512, &arg, &n) != OK
        || ocs_ap_guard_clear_arg(arg, n, &what, want, &len) != OK)
    {
        return ocs_ap_send_msg(r, HTTP_BAD_REQUEST, OCS_MSG_LOCKOUT_USAGE,
                               NULL);
    }

    cleared = ocs_guard_clear(ocs_ap_guard_store(r), what, want, len);

    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                  "ocs auth: %" APR_SIZE_T_FMT " sign-in lock and count "
                  "entries cleared (\"%s\")", cleared, arg);

    (void) ocs_page_lockout_cleared(cleared, text, sizeof(text));

    return ocs_ap_send_text(r, HTTP_OK, text);
}


/*
 * The form's "clear" field: what to clear (OCS_GUARD_CLEAR_*) and, for
 * a user or an address, its key or bytes into want (OCS_NAME_MAX
 * bytes).  OK, or DECLINED for a field that says neither.
 */
static int
ocs_ap_guard_clear_arg(const char *arg, size_t n, int *what,
    unsigned char *want, size_t *len)
{
    *len = 0;

    if (n == 3 && strcmp(arg, "all") == 0) {
        *what = OCS_GUARD_CLEAR_ALL;
        return OK;
    }

    if (n > 5 && strncmp(arg, "user ", 5) == 0 && n - 5 <= OCS_NAME_MAX) {
        *what = OCS_GUARD_CLEAR_USER;
        *len = ocs_guard_name(arg + 5, n - 5, want);
        return OK;
    }

    if (n <= 8 || strncmp(arg, "address ", 8) != 0) {
        return DECLINED;
    }

    *what = OCS_GUARD_CLEAR_ADDRESS;

    if (inet_pton(AF_INET, arg + 8, want) == 1) {
        *len = 4;
        return OK;
    }

    if (inet_pton(AF_INET6, arg + 8, want) == 1) {
        *len = 16;
        return OK;
    }

    return DECLINED;
}
