/*
 * The connections of a directory handle: a pool bound as the service
 * account, failover across servers, TLS with certificate checks, and a
 * deadline on every network step.
 *
 * libldap bounds the TCP connect (LDAP_OPT_NETWORK_TIMEOUT) and the
 * wait for an answer (LDAP_OPT_TIMEOUT, the search time limit), but
 * not the TLS handshake of ldaps:// and StartTLS: Debian 12's libldap
 * 2.5.13 retries a handshake that needs more data without waiting, so
 * against a server that accepts and stays silent it either blocks in
 * read() for good or spins.  So every read and write of a connection
 * goes through an I/O layer of ours, below TLS, that waits for the
 * socket with poll() only until the step's deadline and then fails
 * the read: the handshake, the bind and the search all end in time,
 * and the next server is tried.
 */

#define LDAP_DEPRECATED 0

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ldap.h>

#include "ocs_ldap_int.h"


/* between libldap's own TCP layer and TLS */
#define OCS_LDAP_IO_LEVEL  (LBER_SBIOD_LEVEL_PROVIDER + 5)


static char *ocs_ldap_copy(char **p, const char *s);
static int ocs_ldap_connect(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    ocs_ldap_call_t *call, ocs_err_t *err);
static int ocs_ldap_open(ocs_ldap_t *h, ocs_ldap_conn_t *c, size_t url,
    ocs_err_t *err);
static void ocs_ldap_close(ocs_ldap_conn_t *c);
static void ocs_ldap_silent(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    ocs_ldap_call_t *call);
static int ocs_ldap_conn_add(LDAP *ld, Sockbuf *sb, LDAPURLDesc *srv,
    struct sockaddr *addr, struct ldap_conncb *ctx);
static void ocs_ldap_conn_del(LDAP *ld, Sockbuf *sb, struct ldap_conncb *ctx);
static int ocs_ldap_io_setup(Sockbuf_IO_Desc *sbiod, void *arg);
static int ocs_ldap_io_remove(Sockbuf_IO_Desc *sbiod);
static int ocs_ldap_io_ctrl(Sockbuf_IO_Desc *sbiod, int opt, void *arg);
static ber_slen_t ocs_ldap_io_read(Sockbuf_IO_Desc *sbiod, void *buf,
    ber_len_t len);
static ber_slen_t ocs_ldap_io_write(Sockbuf_IO_Desc *sbiod, void *buf,
    ber_len_t len);
static int ocs_ldap_io_close(Sockbuf_IO_Desc *sbiod);
static int ocs_ldap_io_wait(Sockbuf_IO_Desc *sbiod, short events);


static Sockbuf_IO  ocs_ldap_io = {
    ocs_ldap_io_setup,
    ocs_ldap_io_remove,
    ocs_ldap_io_ctrl,
    ocs_ldap_io_read,
    ocs_ldap_io_write,
    ocs_ldap_io_close
};


ocs_ldap_t *
ocs_ldap_create(const ocs_ldap_conf_t *conf, ocs_err_t *err)
{
    char        *p;
    size_t       i, len;
    ocs_ldap_t  *h;

    if (conf->nurls == 0 || conf->nurls > OCS_LDAP_URLS_MAX) {
        ocs_err(err, OCS_ERR_INVALID, "between 1 and %d URLs are needed",
                OCS_LDAP_URLS_MAX);
        return NULL;
    }

    if (conf->base == NULL || conf->connections == 0) {
        ocs_err(err, OCS_ERR_INVALID, "no search base or no connections");
        return NULL;
    }

    if (conf->connect_timeout <= 0 || conf->timeout <= 0) {
        ocs_err(err, OCS_ERR_INVALID, "the timeouts must be positive");
        return NULL;
    }

    h = calloc(1, sizeof(ocs_ldap_t));
    if (h == NULL) {
        ocs_err(err, OCS_ERR_SYS, "out of memory");
        return NULL;
    }

    h->conf = *conf;

    len = 0;

    for (i = 0; i < conf->nurls; i++) {
        len += strlen(conf->urls[i]) + 1;
    }

#define OCS_LEN(s)  ((s) ? strlen(s) + 1 : 0)

    len += OCS_LEN(conf->ca_file) + OCS_LEN(conf->bind_dn)
           + OCS_LEN(conf->bind_password) + OCS_LEN(conf->base)
           + OCS_LEN(conf->filter) + OCS_LEN(conf->remote_attr)
           + OCS_LEN(conf->totp_attr) + OCS_LEN(conf->policy_dn);

    h->strings = calloc(1, len + 1);
    h->conns = calloc(conf->connections, sizeof(ocs_ldap_conn_t));

    if (h->strings == NULL || h->conns == NULL
        || pthread_mutex_init(&h->lock, NULL) != 0)
    {
        free(h->strings);
        free(h->conns);
        free(h);
        ocs_err(err, OCS_ERR_SYS, "out of memory");
        return NULL;
    }

    h->strings_len = len + 1;
    p = h->strings;

    for (i = 0; i < conf->nurls; i++) {
        h->conf.urls[i] = ocs_ldap_copy(&p, conf->urls[i]);
    }

    h->conf.ca_file = ocs_ldap_copy(&p, conf->ca_file);
    h->conf.bind_dn = ocs_ldap_copy(&p, conf->bind_dn);
    h->conf.bind_password = ocs_ldap_copy(&p, conf->bind_password);
    h->conf.base = ocs_ldap_copy(&p, conf->base);
    h->conf.filter = ocs_ldap_copy(&p, conf->filter);
    h->conf.remote_attr = ocs_ldap_copy(&p, conf->remote_attr);
    h->conf.totp_attr = ocs_ldap_copy(&p, conf->totp_attr);
    h->conf.policy_dn = ocs_ldap_copy(&p, conf->policy_dn);
    h->password_len = conf->bind_password ? strlen(conf->bind_password) : 0;

    for (i = 0; i < conf->connections; i++) {
        h->conns[i].pooled = 1;
    }

    return h;
}


static char *
ocs_ldap_copy(char **p, const char *s)
{
    char    *d;
    size_t   len;

    if (s == NULL) {
        return NULL;
    }

    len = strlen(s) + 1;
    d = *p;
    memcpy(d, s, len);
    *p += len;

    return d;
}


void
ocs_ldap_destroy(ocs_ldap_t *h)
{
    size_t  i;

    if (h == NULL) {
        return;
    }

    for (i = 0; i < h->conf.connections; i++) {
        /* a goodbye to a server that stopped reading must not wait */
        ocs_ldap_arm(&h->conns[i], 100);
        ocs_ldap_close(&h->conns[i]);
    }

    pthread_mutex_destroy(&h->lock);
    ocs_wipe(h->strings, h->strings_len);
    free(h->strings);
    free(h->conns);
    free(h);
}


ocs_ldap_conn_t *
ocs_ldap_acquire(ocs_ldap_t *h, ocs_ldap_call_t *call, ocs_err_t *err)
{
    int               stale;
    size_t            i;
    ocs_ldap_conn_t  *c;

    c = NULL;

    pthread_mutex_lock(&h->lock);

    for (i = 0; i < h->conf.connections; i++) {
        if (!h->conns[i].busy) {
            c = &h->conns[i];
            c->busy = 1;
            break;
        }
    }

    /* a server that went silent since: its connections are stuck too */
    stale = (c != NULL && c->ld != NULL
             && ((call->silent & (1u << c->url))
                 || c->gen != h->gen[c->url]));

    pthread_mutex_unlock(&h->lock);

    if (stale) {
        c->deadline = 0;
        ocs_ldap_close(c);
    }

    if (c == NULL) {
        /* more sign-ins at once than connections: a spare for this one */
        c = calloc(1, sizeof(ocs_ldap_conn_t));
        if (c == NULL) {
            ocs_err(err, OCS_ERR_SYS, "out of memory");
            return NULL;
        }

        c->busy = 1;
    }

    if (c->ld != NULL && c->service) {
        return c;
    }

    if (c->ld != NULL) {
        ocs_ldap_arm(c, h->conf.timeout);

        if (ocs_ldap_service_bind(h, c, err) == OCS_OK) {
            return c;
        }

        if (c->timed_out) {
            ocs_ldap_silent(h, c, call);
        }

        /* a connection the server dropped while idle: start afresh */
        ocs_ldap_close(c);
    }

    if (ocs_ldap_connect(h, c, call, err) == OCS_OK) {
        return c;
    }

    ocs_ldap_release(h, c, call, 1);

    return NULL;
}


void
ocs_ldap_release(ocs_ldap_t *h, ocs_ldap_conn_t *c, ocs_ldap_call_t *call,
    int broken)
{
    if (broken && c->ld != NULL && c->timed_out) {
        ocs_ldap_silent(h, c, call);
    }

    if (broken || !c->pooled) {
        /* the unbind is a courtesy: it must not wait on a silent server */
        if (broken) {
            c->deadline = 0;

        } else {
            ocs_ldap_arm(c, 100);
        }

        ocs_ldap_close(c);
    }

    if (!c->pooled) {
        free(c);
        return;
    }

    pthread_mutex_lock(&h->lock);
    c->busy = 0;
    pthread_mutex_unlock(&h->lock);
}


static void
ocs_ldap_close(ocs_ldap_conn_t *c)
{
    if (c->ld != NULL) {
        ldap_unbind_ext_s(c->ld, NULL, NULL);
        c->ld = NULL;
    }

    c->service = 0;
}


/*
 * A server let a step run into its deadline: this call does not try it
 * again, new connections start with the next server, and the pooled
 * connections to it are dropped when next taken.
 */
static void
ocs_ldap_silent(ocs_ldap_t *h, ocs_ldap_conn_t *c, ocs_ldap_call_t *call)
{
    call->silent |= 1u << c->url;

    pthread_mutex_lock(&h->lock);

    if (c->gen == h->gen[c->url]) {
        h->gen[c->url]++;
    }

    if (h->good_url == c->url) {
        h->good_url = (c->url + 1) % h->conf.nurls;
    }

    pthread_mutex_unlock(&h->lock);
}


/*
 * Tries every server not yet found silent in this call, starting with
 * the one that answered last.  Each server gets connect_timeout plus
 * timeout for the TCP connect, TLS and the service bind together.
 */
static int
ocs_ldap_connect(ocs_ldap_t *h, ocs_ldap_conn_t *c, ocs_ldap_call_t *call,
    ocs_err_t *err)
{
    size_t  i, url, start;

    pthread_mutex_lock(&h->lock);
    start = h->good_url;
    pthread_mutex_unlock(&h->lock);

    for (i = 0; i < h->conf.nurls; i++) {
        url = (start + i) % h->conf.nurls;

        if (call->silent & (1u << url)) {
            continue;
        }

        pthread_mutex_lock(&h->lock);
        c->gen = h->gen[url];
        pthread_mutex_unlock(&h->lock);

        ocs_ldap_arm(c, h->conf.connect_timeout + h->conf.timeout);

        if (ocs_ldap_open(h, c, url, err) == OCS_OK
            && ocs_ldap_service_bind(h, c, err) == OCS_OK)
        {
            pthread_mutex_lock(&h->lock);
            h->good_url = url;
            pthread_mutex_unlock(&h->lock);
            return OCS_OK;
        }

        if (c->timed_out) {
            ocs_ldap_silent(h, c, call);
        }

        c->deadline = 0;
        ocs_ldap_close(c);
    }

    /*
     * err holds what the last server tried said, in this loop or, when
     * every server had already been silent, earlier in this call
     */
    return OCS_ERR_SYS;
}


static int
ocs_ldap_open(ocs_ldap_t *h, ocs_ldap_conn_t *c, size_t url, ocs_err_t *err)
{
    int              rc, v3, off, require, zero;
    const char      *u;
    struct timeval   tv;

    u = h->conf.urls[url];
    c->url = url;
    c->service = 0;

    rc = ldap_initialize(&c->ld, u);
    if (rc != LDAP_SUCCESS) {
        c->ld = NULL;
        return ocs_err(err, OCS_ERR_SYS, "%s: %s", u, ldap_err2string(rc));
    }

    v3 = LDAP_VERSION3;
    off = 0;
    zero = 0;
    require = h->conf.tls_verify ? LDAP_OPT_X_TLS_DEMAND
                                 : LDAP_OPT_X_TLS_NEVER;

    (void) ldap_set_option(c->ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
    (void) ldap_set_option(c->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    (void) ldap_set_option(c->ld, LDAP_OPT_RESTART, &off);

    ocs_ldap_timeval(h->conf.connect_timeout, &tv);
    (void) ldap_set_option(c->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);

    ocs_ldap_timeval(h->conf.timeout, &tv);
    (void) ldap_set_option(c->ld, LDAP_OPT_TIMEOUT, &tv);

    /* the deadline layer goes on each socket as soon as it connects */
    c->cb.lc_add = ocs_ldap_conn_add;
    c->cb.lc_del = ocs_ldap_conn_del;
    c->cb.lc_arg = c;

    rc = ldap_set_option(c->ld, LDAP_OPT_CONNECT_CB, &c->cb);
    if (rc != LDAP_OPT_SUCCESS) {
        return ocs_err(err, OCS_ERR_SYS, "%s: cannot watch the connection",
                       u);
    }

    /* TLS settings of this connection only, never the process's */
    (void) ldap_set_option(c->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &require);

    if (h->conf.ca_file != NULL) {
        (void) ldap_set_option(c->ld, LDAP_OPT_X_TLS_CACERTFILE,
                               h->conf.ca_file);
    }

    rc = ldap_set_option(c->ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
    if (rc != LDAP_OPT_SUCCESS) {
        return ocs_err(err, OCS_ERR_SYS, "%s: cannot set up TLS", u);
    }

    if (h->conf.starttls && strncasecmp(u, "ldap://", 7) == 0) {
        rc = ldap_start_tls_s(c->ld, NULL, NULL);

        if (rc != LDAP_SUCCESS) {
            return ocs_ldap_fail(h, c, err, "StartTLS", rc);
        }
    }

    return OCS_OK;
}


int
ocs_ldap_service_bind(ocs_ldap_t *h, ocs_ldap_conn_t *c, ocs_err_t *err)
{
    int            rc;
    struct berval  cred;

    cred.bv_val = (char *) (h->conf.bind_password ? h->conf.bind_password
                                                  : "");
    cred.bv_len = h->password_len;

    rc = ldap_sasl_bind_s(c->ld, h->conf.bind_dn ? h->conf.bind_dn : "",
                          LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);

    if (rc != LDAP_SUCCESS) {
        c->service = 0;

        if (ocs_ldap_down(rc) || c->timed_out) {
            return ocs_ldap_fail(h, c, err, "service account bind", rc);
        }

        return ocs_err(err, OCS_ERR_SYS, "%s: service account bind failed: "
                       "%s", ocs_ldap_url(h, c), ldap_err2string(rc));
    }

    c->service = 1;

    return OCS_OK;
}


int
ocs_ldap_fail(ocs_ldap_t *h, ocs_ldap_conn_t *c, ocs_err_t *err,
    const char *step, int rc)
{
    if (rc == LDAP_TIMEOUT) {
        c->timed_out = 1;
    }

    if (c->timed_out) {
        return ocs_err(err, OCS_ERR_SYS, "%s: no answer to the %s in time "
                       "(connect_timeout %d ms, timeout %d ms)",
                       ocs_ldap_url(h, c), step, h->conf.connect_timeout,
                       h->conf.timeout);
    }

    return ocs_err(err, OCS_ERR_SYS, "%s: %s failed: %s", ocs_ldap_url(h, c),
                   step, ldap_err2string(rc));
}


int
ocs_ldap_down(int rc)
{
    return rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT
           || rc == LDAP_CONNECT_ERROR || rc == LDAP_UNAVAILABLE
           || rc == LDAP_BUSY;
}


void
ocs_ldap_arm(ocs_ldap_conn_t *c, int ms)
{
    c->deadline = ocs_ldap_clock() + ms;
    c->timed_out = 0;
}


int64_t
ocs_ldap_clock(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


void
ocs_ldap_timeval(int ms, struct timeval *tv)
{
    tv->tv_sec = ms / 1000;
    tv->tv_usec = (ms % 1000) * 1000;
}


const char *
ocs_ldap_url(ocs_ldap_t *h, ocs_ldap_conn_t *c)
{
    return h->conf.urls[c->url];
}


/*
 * libldap calls this once the TCP connection stands, before TLS.  A
 * reconnection of the same handle reuses its socket buffer, which keeps
 * the layer.
 */
static int
ocs_ldap_conn_add(LDAP *ld, Sockbuf *sb, LDAPURLDesc *srv,
    struct sockaddr *addr, struct ldap_conncb *ctx)
{
    (void) ld;
    (void) srv;
    (void) addr;

    if (ber_sockbuf_ctrl(sb, LBER_SB_OPT_HAS_IO, &ocs_ldap_io) == 1) {
        return 0;
    }

    return ber_sockbuf_add_io(sb, &ocs_ldap_io, OCS_LDAP_IO_LEVEL,
                              ctx->lc_arg);
}


static void
ocs_ldap_conn_del(LDAP *ld, Sockbuf *sb, struct ldap_conncb *ctx)
{
    (void) ld;
    (void) sb;
    (void) ctx;
}


static int
ocs_ldap_io_setup(Sockbuf_IO_Desc *sbiod, void *arg)
{
    sbiod->sbiod_pvt = arg;

    return 0;
}


static int
ocs_ldap_io_remove(Sockbuf_IO_Desc *sbiod)
{
    sbiod->sbiod_pvt = NULL;

    return 0;
}


static int
ocs_ldap_io_ctrl(Sockbuf_IO_Desc *sbiod, int opt, void *arg)
{
    return LBER_SBIOD_CTRL_NEXT(sbiod, opt, arg);
}


static ber_slen_t
ocs_ldap_io_read(Sockbuf_IO_Desc *sbiod, void *buf, ber_len_t len)
{
    if (ocs_ldap_io_wait(sbiod, POLLIN) != 0) {
        return -1;
    }

    return LBER_SBIOD_READ_NEXT(sbiod, buf, len);
}


static ber_slen_t
ocs_ldap_io_write(Sockbuf_IO_Desc *sbiod, void *buf, ber_len_t len)
{
    if (ocs_ldap_io_wait(sbiod, POLLOUT) != 0) {
        return -1;
    }

    return LBER_SBIOD_WRITE_NEXT(sbiod, buf, len);
}


static int
ocs_ldap_io_close(Sockbuf_IO_Desc *sbiod)
{
    (void) sbiod;

    /* libldap closes every layer in turn: its TCP layer closes the fd */
    return 0;
}


/*
 * Waits until the socket is ready for events or the step's deadline
 * passes; then the read or write fails with ETIMEDOUT, which TLS and
 * libldap take as a broken connection.  Errors and hang-ups are left to
 * the read or write itself to report.
 */
static int
ocs_ldap_io_wait(Sockbuf_IO_Desc *sbiod, short events)
{
    int               rc;
    int64_t           left;
    ber_socket_t      fd;
    struct pollfd     pfd;
    ocs_ldap_conn_t  *c;

    c = sbiod->sbiod_pvt;

    if (c == NULL
        || ber_sockbuf_ctrl(sbiod->sbiod_sb, LBER_SB_OPT_GET_FD, &fd) != 1)
    {
        return 0;
    }

    for ( ;; ) {
        left = c->deadline - ocs_ldap_clock();

        if (left <= 0) {
            break;
        }

        pfd.fd = fd;
        pfd.events = events;
        pfd.revents = 0;

        rc = poll(&pfd, 1, (int) (left > 60000 ? 60000 : left));

        if (rc > 0) {
            return 0;
        }

        if (rc < 0 && errno != EINTR) {
            return 0;
        }
    }

    c->timed_out = 1;
    errno = ETIMEDOUT;

    return -1;
}
