/*
 * Accounts in an LDAP directory through libldap: a pool of connections
 * bound as the service account, failover across servers, TLS with
 * certificate checks, account searches, user binds with the account
 * states AD and OpenLDAP's ppolicy report, and group expansion.
 */

#define LDAP_DEPRECATED 0

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldap.h>

#include <ocs/ocs_ldap.h>
#include <ocs/ocs_signin.h>


typedef struct {
    LDAP               *ld;
    int                 busy;
    int                 service;      /* bound as the service account */
    int                 pooled;
    size_t              url;          /* which server it talks to */
} ocs_ldap_conn_t;


struct ocs_ldap_s {
    ocs_ldap_conf_t     conf;
    char               *strings;      /* one block for every string */
    size_t              strings_len;
    size_t              password_len;
    pthread_mutex_t     lock;
    size_t              good_url;     /* start with the last server that
                                         answered */
    ocs_ldap_conn_t    *conns;
};


static char *ocs_ldap_copy(char **p, const char *s);
static int ocs_ldap_connect(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    ocs_err_t *err);
static int ocs_ldap_open(ocs_ldap_t *h, ocs_ldap_conn_t *c, size_t url,
    ocs_err_t *err);
static int ocs_ldap_service_bind(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    ocs_err_t *err);
static ocs_ldap_conn_t *ocs_ldap_acquire(ocs_ldap_t *h, ocs_err_t *err);
static void ocs_ldap_release(ocs_ldap_t *h, ocs_ldap_conn_t *c, int broken);
static int ocs_ldap_down(int rc);
static int ocs_ldap_find(ocs_ldap_t *h, ocs_ldap_conn_t *c, const char *base,
    int scope, const char *filter, ocs_ldap_account_t *acct, int *found,
    ocs_err_t *err);
static int ocs_ldap_user_filter(ocs_ldap_t *h, const char *name, size_t len,
    char *filter, size_t size, ocs_err_t *err);
static int ocs_ldap_fetch(ocs_ldap_t *h, const char *base, int scope,
    const char *filter, ocs_ldap_account_t *acct, ocs_err_t *err);
static void ocs_ldap_read_entry(LDAP *ld, LDAPMessage *e,
    ocs_ldap_account_t *acct, const ocs_ldap_conf_t *conf);
static int ocs_ldap_user_bind(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    const char *dn, const char *password, size_t len, int *state,
    ocs_err_t *err);
static int ocs_ldap_groups(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    ocs_ldap_account_t *acct, ocs_err_t *err);
static void ocs_ldap_add_group(ocs_ldap_account_t *acct, const char *dn,
    size_t len);
static void ocs_ldap_timeval(int ms, struct timeval *tv);
static const char *ocs_ldap_url(ocs_ldap_t *h, ocs_ldap_conn_t *c);


static const char  *ocs_ldap_attrs[] = {
    "sAMAccountName", "userPrincipalName", "displayName",
    "msRTCSIP-UserEnabled", "msRTCSIP-OptionFlags",
    "msRTCSIP-PrimaryUserAddress", "userAccountControl", "memberOf",
    "msDS-User-Account-Control-Computed", NULL, NULL, NULL
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
           + OCS_LEN(conf->totp_attr);

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
        if (h->conns[i].ld != NULL) {
            ldap_unbind_ext_s(h->conns[i].ld, NULL, NULL);
        }
    }

    pthread_mutex_destroy(&h->lock);
    ocs_wipe(h->strings, h->strings_len);
    free(h->strings);
    free(h->conns);
    free(h);
}


int
ocs_ldap_authenticate(ocs_ldap_t *h, const char *name, size_t len,
    const char *password, size_t password_len, ocs_ldap_account_t *acct,
    int *state, ocs_err_t *err)
{
    int               rc, found, tries;
    char              filter[8 * OCS_NAME_MAX];
    char              decoy[OCS_LDAP_DN_MAX];
    ocs_ldap_conn_t  *c;

    memset(acct, 0, sizeof(ocs_ldap_account_t));
    *state = OCS_ACCT_BAD_CREDENTIALS;

    /*
     * A simple bind with a DN and no password is an "unauthenticated
     * bind" that AD and many servers accept: never let it sign anyone in.
     */
    if (password_len == 0 || memchr(password, '\0', password_len) != NULL) {
        return OCS_OK;
    }

    rc = ocs_ldap_user_filter(h, name, len, filter, sizeof(filter), err);
    if (rc != OCS_OK) {
        return rc == OCS_ERR_INVALID ? OCS_OK : rc;
    }

    for (tries = 0; tries < 2; tries++) {
        c = ocs_ldap_acquire(h, err);
        if (c == NULL) {
            return OCS_ERR_SYS;
        }

        rc = ocs_ldap_find(h, c, h->conf.base, h->conf.scope, filter, acct,
                           &found, err);

        if (rc == OCS_ERR_SYS) {
            ocs_ldap_release(h, c, 1);
            continue;
        }

        if (!found) {
            /* the same round trip as a wrong password, then the same no */
            (void) snprintf(decoy, sizeof(decoy),
                            "cn=ocs-decoy-account,%s", h->conf.base);
            rc = ocs_ldap_user_bind(h, c, decoy, password, password_len,
                                    state, err);
            *state = OCS_ACCT_BAD_CREDENTIALS;

        } else {
            rc = ocs_ldap_user_bind(h, c, acct->dn, password, password_len,
                                    state, err);
        }

        if (rc == OCS_ERR_SYS) {
            ocs_ldap_release(h, c, 1);
            continue;
        }

        /* a state the directory reports only for the right password */
        if (*state == OCS_ACCT_OK && acct->uac >= 0) {
            *state = ocs_acct_state_from_uac(acct->uac);
        }

        if (*state == OCS_ACCT_OK) {
            rc = ocs_ldap_service_bind(h, c, err);

            if (rc == OCS_OK) {
                rc = ocs_ldap_groups(h, c, acct, err);
            }

            if (rc != OCS_OK) {
                ocs_ldap_release(h, c, 1);
                *state = OCS_ACCT_BAD_CREDENTIALS;
                return OCS_ERR_SYS;
            }
        }

        ocs_ldap_release(h, c, 0);

        return OCS_OK;
    }

    return OCS_ERR_SYS;
}


/*
 * The search for an account by the name a user gave: by
 * userPrincipalName for user@domain, by sAMAccountName for DOMAIN\user
 * and bare names.  Returns OCS_ERR_INVALID for a name no account can
 * have, OCS_ERR_SYS when the filter does not fit.
 */
static int
ocs_ldap_user_filter(ocs_ldap_t *h, const char *name, size_t len,
    char *filter, size_t size, ocs_err_t *err)
{
    int             rc;
    char            esc[3 * OCS_NAME_MAX + 1];
    size_t          n;
    ocs_username_t  user;

    if (ocs_username_parse(name, len, &user) != OCS_OK) {
        return OCS_ERR_INVALID;
    }

    if (user.upn) {
        rc = ocs_ldap_escape(name, len, esc, sizeof(esc), &n);

    } else {
        rc = ocs_ldap_escape(user.user, user.user_len, esc, sizeof(esc), &n);
    }

    if (rc != OCS_OK) {
        return OCS_ERR_INVALID;
    }

    if ((size_t) snprintf(filter, size, "(&%s(%s=%s))",
                          h->conf.filter ? h->conf.filter : "",
                          user.upn ? "userPrincipalName" : "sAMAccountName",
                          esc)
        >= size)
    {
        return ocs_err(err, OCS_ERR_SYS, "the search filter is too long");
    }

    return OCS_OK;
}


int
ocs_ldap_find_user(ocs_ldap_t *h, const char *name, size_t len,
    ocs_ldap_account_t *acct, ocs_err_t *err)
{
    int   rc;
    char  filter[8 * OCS_NAME_MAX];

    memset(acct, 0, sizeof(ocs_ldap_account_t));

    rc = ocs_ldap_user_filter(h, name, len, filter, sizeof(filter), err);
    if (rc != OCS_OK) {
        return rc == OCS_ERR_INVALID ? OCS_ERR_NOTFOUND : rc;
    }

    return ocs_ldap_fetch(h, h->conf.base, h->conf.scope, filter, acct, err);
}


int
ocs_ldap_lookup(ocs_ldap_t *h, const char *dn, ocs_ldap_account_t *acct,
    ocs_err_t *err)
{
    return ocs_ldap_fetch(h, dn, OCS_LDAP_SCOPE_BASE,
                          h->conf.filter ? h->conf.filter : "(objectClass=*)",
                          acct, err);
}


/* one account and its groups, with the service bind */
static int
ocs_ldap_fetch(ocs_ldap_t *h, const char *base, int scope,
    const char *filter, ocs_ldap_account_t *acct, ocs_err_t *err)
{
    int               rc, found, tries;
    ocs_ldap_conn_t  *c;

    for (tries = 0; tries < 2; tries++) {
        c = ocs_ldap_acquire(h, err);
        if (c == NULL) {
            return OCS_ERR_SYS;
        }

        rc = ocs_ldap_find(h, c, base, scope, filter, acct, &found, err);

        if (rc == OCS_OK && found) {
            rc = ocs_ldap_groups(h, c, acct, err);
        }

        if (rc == OCS_ERR_SYS) {
            ocs_ldap_release(h, c, 1);
            continue;
        }

        ocs_ldap_release(h, c, 0);

        return found ? OCS_OK : OCS_ERR_NOTFOUND;
    }

    return OCS_ERR_SYS;
}


int
ocs_ldap_match(ocs_ldap_t *h, const char *dn, const char *filter,
    int *match, ocs_err_t *err)
{
    int               rc, tries;
    char             *attrs[] = { "1.1", NULL };
    LDAPMessage      *res;
    struct timeval    tv;
    ocs_ldap_conn_t  *c;

    *match = 0;

    for (tries = 0; tries < 2; tries++) {
        c = ocs_ldap_acquire(h, err);
        if (c == NULL) {
            return OCS_ERR_SYS;
        }

        ocs_ldap_timeval(h->conf.timeout, &tv);
        res = NULL;

        rc = ldap_search_ext_s(c->ld, dn, LDAP_SCOPE_BASE, filter, attrs, 0,
                               NULL, NULL, &tv, 1, &res);

        if (ocs_ldap_down(rc)) {
            ocs_err(err, OCS_ERR_SYS, "%s: %s", ocs_ldap_url(h, c),
                    ldap_err2string(rc));
            ldap_msgfree(res);
            ocs_ldap_release(h, c, 1);
            continue;
        }

        *match = (rc == LDAP_SUCCESS && ldap_count_entries(c->ld, res) > 0);

        ldap_msgfree(res);

        /* the message before the release: a spare connection is freed */
        if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT) {
            ocs_err(err, OCS_ERR_SYS, "%s: filter %s: %s",
                    ocs_ldap_url(h, c), filter, ldap_err2string(rc));
            ocs_ldap_release(h, c, 0);
            return OCS_ERR_SYS;
        }

        ocs_ldap_release(h, c, 0);

        return OCS_OK;
    }

    return OCS_ERR_SYS;
}


/* a connection bound as the service account: pooled, or a spare one */
static ocs_ldap_conn_t *
ocs_ldap_acquire(ocs_ldap_t *h, ocs_err_t *err)
{
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

    pthread_mutex_unlock(&h->lock);

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

    if (c->ld != NULL && ocs_ldap_service_bind(h, c, err) == OCS_OK) {
        return c;
    }

    /* a connection the server dropped while idle: start afresh */
    if (c->ld != NULL) {
        ldap_unbind_ext_s(c->ld, NULL, NULL);
        c->ld = NULL;
    }

    if (ocs_ldap_connect(h, c, err) == OCS_OK) {
        return c;
    }

    ocs_ldap_release(h, c, 1);

    return NULL;
}


static void
ocs_ldap_release(ocs_ldap_t *h, ocs_ldap_conn_t *c, int broken)
{
    if ((broken || !c->pooled) && c->ld != NULL) {
        ldap_unbind_ext_s(c->ld, NULL, NULL);
        c->ld = NULL;
        c->service = 0;
    }

    if (!c->pooled) {
        free(c);
        return;
    }

    pthread_mutex_lock(&h->lock);
    c->busy = 0;
    pthread_mutex_unlock(&h->lock);
}


/* tries every server, starting with the one that answered last */
static int
ocs_ldap_connect(ocs_ldap_t *h, ocs_ldap_conn_t *c, ocs_err_t *err)
{
    size_t  i, url, start;

    pthread_mutex_lock(&h->lock);
    start = h->good_url;
    pthread_mutex_unlock(&h->lock);

    for (i = 0; i < h->conf.nurls; i++) {
        url = (start + i) % h->conf.nurls;

        if (ocs_ldap_open(h, c, url, err) == OCS_OK
            && ocs_ldap_service_bind(h, c, err) == OCS_OK)
        {
            pthread_mutex_lock(&h->lock);
            h->good_url = url;
            pthread_mutex_unlock(&h->lock);
            return OCS_OK;
        }

        if (c->ld != NULL) {
            ldap_unbind_ext_s(c->ld, NULL, NULL);
            c->ld = NULL;
        }
    }

    /* err holds what the last server said */
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
            return ocs_err(err, OCS_ERR_SYS, "%s: StartTLS failed: %s", u,
                           ldap_err2string(rc));
        }
    }

    return OCS_OK;
}


static int
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
        return ocs_err(err, OCS_ERR_SYS, "%s: service account bind failed: "
                       "%s", ocs_ldap_url(h, c), ldap_err2string(rc));
    }

    c->service = 1;

    return OCS_OK;
}


static int
ocs_ldap_down(int rc)
{
    return rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT
           || rc == LDAP_CONNECT_ERROR || rc == LDAP_UNAVAILABLE
           || rc == LDAP_BUSY;
}


static int
ocs_ldap_find(ocs_ldap_t *h, ocs_ldap_conn_t *c, const char *base,
    int scope, const char *filter, ocs_ldap_account_t *acct, int *found,
    ocs_err_t *err)
{
    int              rc, n;
    char            *attrs[sizeof(ocs_ldap_attrs) / sizeof(char *)];
    size_t           i;
    LDAPMessage     *res, *e;
    struct timeval   tv;

    *found = 0;

    for (i = 0; ocs_ldap_attrs[i] != NULL; i++) {
        attrs[i] = (char *) ocs_ldap_attrs[i];
    }

    if (h->conf.remote_attr) {
        attrs[i++] = (char *) h->conf.remote_attr;
    }

    if (h->conf.totp_attr) {
        attrs[i++] = (char *) h->conf.totp_attr;
    }

    attrs[i] = NULL;

    ocs_ldap_timeval(h->conf.timeout, &tv);
    res = NULL;

    /* two at most: a second match means the name is ambiguous */
    rc = ldap_search_ext_s(c->ld, base,
                           scope == OCS_LDAP_SCOPE_BASE ? LDAP_SCOPE_BASE
                           : scope == OCS_LDAP_SCOPE_ONE ? LDAP_SCOPE_ONELEVEL
                           : LDAP_SCOPE_SUBTREE,
                           filter, attrs, 0, NULL, NULL, &tv, 2, &res);

    /*
     * Only "no such object" means no account; anything else (access
     * denied, limits, a bad filter) is a directory that cannot answer.
     */
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED
        && rc != LDAP_NO_SUCH_OBJECT)
    {
        ldap_msgfree(res);
        return ocs_err(err, OCS_ERR_SYS, "%s: search failed: %s",
                       ocs_ldap_url(h, c), ldap_err2string(rc));
    }

    n = (res != NULL) ? ldap_count_entries(c->ld, res) : 0;

    if ((rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED) && n == 1) {
        e = ldap_first_entry(c->ld, res);
        ocs_ldap_read_entry(c->ld, e, acct, &h->conf);
        *found = (acct->dn[0] != '\0');
    }

    ldap_msgfree(res);

    return OCS_OK;
}


static void
ocs_ldap_value(LDAP *ld, LDAPMessage *e, const char *attr, char *out,
    size_t outlen)
{
    struct berval  **v;

    out[0] = '\0';

    v = ldap_get_values_len(ld, e, attr);

    if (v != NULL && v[0] != NULL && v[0]->bv_len < outlen) {
        memcpy(out, v[0]->bv_val, v[0]->bv_len);
        out[v[0]->bv_len] = '\0';
    }

    ldap_value_free_len(v);
}


static int
ocs_ldap_bool(LDAP *ld, LDAPMessage *e, const char *attr)
{
    char  buf[8];

    ocs_ldap_value(ld, e, attr, buf, sizeof(buf));

    if (buf[0] == '\0') {
        return -1;
    }

    return strcasecmp(buf, "TRUE") == 0;
}


static long
ocs_ldap_long(LDAP *ld, LDAPMessage *e, const char *attr)
{
    char  buf[32], *end;
    long  v;

    ocs_ldap_value(ld, e, attr, buf, sizeof(buf));

    if (buf[0] == '\0') {
        return -1;
    }

    errno = 0;
    v = strtol(buf, &end, 10);

    if (errno != 0 || *end != '\0') {
        return -1;
    }

    /* AD writes flag words as signed 32-bit numbers */
    return v < 0 ? (long) (uint32_t) v : v;
}


static void
ocs_ldap_read_entry(LDAP *ld, LDAPMessage *e, ocs_ldap_account_t *acct,
    const ocs_ldap_conf_t *conf)
{
    long             computed;
    char            *dn;
    size_t           i;
    struct berval  **v;

    /* every field is set here: callers need not clear acct first */
    acct->dn[0] = '\0';
    acct->groups_truncated = 0;

    dn = ldap_get_dn(ld, e);

    if (dn != NULL && strlen(dn) < sizeof(acct->dn)) {
        memcpy(acct->dn, dn, strlen(dn) + 1);
    }

    ldap_memfree(dn);

    ocs_ldap_value(ld, e, "sAMAccountName", acct->name, sizeof(acct->name));
    ocs_ldap_value(ld, e, "userPrincipalName", acct->upn, sizeof(acct->upn));
    ocs_ldap_value(ld, e, "displayName", acct->display,
                   sizeof(acct->display));
    ocs_ldap_value(ld, e, "msRTCSIP-PrimaryUserAddress", acct->sip,
                   sizeof(acct->sip));

    acct->ocs_enabled = ocs_ldap_bool(ld, e, "msRTCSIP-UserEnabled");
    acct->option_flags = ocs_ldap_long(ld, e, "msRTCSIP-OptionFlags");
    acct->uac = ocs_ldap_long(ld, e, "userAccountControl");

    /* AD keeps lockout and password expiry in a computed attribute */
    computed = ocs_ldap_long(ld, e, "msDS-User-Account-Control-Computed");

    if (computed > 0) {
        acct->uac = (acct->uac < 0 ? 0 : acct->uac) | computed;
    }
    acct->remote = conf->remote_attr ? ocs_ldap_bool(ld, e, conf->remote_attr)
                                     : -1;

    acct->totp[0] = '\0';

    if (conf->totp_attr) {
        ocs_ldap_value(ld, e, conf->totp_attr, acct->totp,
                       sizeof(acct->totp));
    }

    acct->ngroups = 0;
    v = ldap_get_values_len(ld, e, "memberOf");

    for (i = 0; v != NULL && v[i] != NULL; i++) {
        if (acct->ngroups == OCS_LDAP_GROUPS_MAX) {
            acct->groups_truncated = 1;
            break;
        }

        if (v[i]->bv_len >= OCS_LDAP_DN_MAX) {
            acct->groups_truncated = 1;
            continue;
        }

        memcpy(acct->groups[acct->ngroups], v[i]->bv_val, v[i]->bv_len);
        acct->groups[acct->ngroups][v[i]->bv_len] = '\0';
        acct->ngroups++;
    }

    ldap_value_free_len(v);
}


/*
 * Binds as the user, asking for the password policy response control
 * so that OpenLDAP's ppolicy can say "locked" or "expired"; AD says it
 * in the diagnostic message instead.
 */
static int
ocs_ldap_user_bind(ocs_ldap_t *h, ocs_ldap_conn_t *c, const char *dn,
    const char *password, size_t len, int *state, ocs_err_t *err)
{
    int                  rc, msgid, result;
    char                *diag;
    LDAPControl         *req, *reqs[2], **ctrls, *pp;
    LDAPMessage         *res;
    struct berval        cred;
    struct timeval       tv;
    LDAPPasswordPolicyError  pperr;
    ber_int_t            expire, grace;

    *state = OCS_ACCT_BAD_CREDENTIALS;
    c->service = 0;

    cred.bv_val = (char *) password;
    cred.bv_len = len;

    req = NULL;
    reqs[0] = NULL;
    reqs[1] = NULL;

    if (ldap_create_passwordpolicy_control(c->ld, &req) == LDAP_SUCCESS) {
        reqs[0] = req;
    }

    rc = ldap_sasl_bind(c->ld, dn, LDAP_SASL_SIMPLE, &cred, reqs, NULL,
                        &msgid);

    if (req != NULL) {
        ldap_control_free(req);
    }

    if (rc != LDAP_SUCCESS) {
        if (ocs_ldap_down(rc)) {
            return ocs_err(err, OCS_ERR_SYS, "%s: bind failed: %s",
                           ocs_ldap_url(h, c), ldap_err2string(rc));
        }

        return OCS_OK;
    }

    ocs_ldap_timeval(h->conf.timeout, &tv);
    res = NULL;

    rc = ldap_result(c->ld, msgid, LDAP_MSG_ALL, &tv, &res);

    if (rc <= 0) {
        ldap_msgfree(res);
        return ocs_err(err, OCS_ERR_SYS, "%s: bind %s", ocs_ldap_url(h, c),
                       rc == 0 ? "timed out" : "failed");
    }

    diag = NULL;
    ctrls = NULL;

    rc = ldap_parse_result(c->ld, res, &result, NULL, &diag, NULL, &ctrls, 1);

    if (rc != LDAP_SUCCESS) {
        return ocs_err(err, OCS_ERR_SYS, "%s: bad bind response",
                       ocs_ldap_url(h, c));
    }

    pperr = PP_noError;
    pp = ldap_control_find(LDAP_CONTROL_PASSWORDPOLICYRESPONSE, ctrls, NULL);

    if (pp != NULL) {
        (void) ldap_parse_passwordpolicy_control(c->ld, pp, &expire, &grace,
                                                 &pperr);
    }

    if (result == LDAP_SUCCESS) {
        *state = (pperr == PP_changeAfterReset) ? OCS_ACCT_MUST_CHANGE
                                                : OCS_ACCT_OK;

    } else if (pperr == PP_accountLocked) {
        *state = OCS_ACCT_LOCKED;

    } else if (pperr == PP_passwordExpired) {
        *state = OCS_ACCT_PASSWORD_EXPIRED;

    } else if (result == LDAP_INVALID_CREDENTIALS && diag != NULL) {
        *state = ocs_acct_state_from_ad(diag, strlen(diag));

    } else if (ocs_ldap_down(result)) {
        ldap_memfree(diag);
        ldap_controls_free(ctrls);
        return ocs_err(err, OCS_ERR_SYS, "%s: bind failed: %s",
                       ocs_ldap_url(h, c), ldap_err2string(result));
    }

    ldap_memfree(diag);
    ldap_controls_free(ctrls);

    return OCS_OK;
}


/*
 * The account's groups: memberOf, and with nesting the groups those
 * groups belong to, breadth first, bounded by OCS_LDAP_GROUPS_MAX.
 */
static int
ocs_ldap_groups(ocs_ldap_t *h, ocs_ldap_conn_t *c, ocs_ldap_account_t *acct,
    ocs_err_t *err)
{
    int                 rc;
    char               *attrs[] = { "memberOf", NULL }, *dn;
    char                esc[3 * OCS_LDAP_DN_MAX + 1];
    char                filter[3 * OCS_LDAP_DN_MAX + 64];
    size_t              i, j, n;
    LDAPMessage        *res, *e;
    struct berval     **v;
    struct timeval      tv;

    if (h->conf.nested == OCS_LDAP_NESTED_OFF) {
        return OCS_OK;
    }

    if (h->conf.nested == OCS_LDAP_NESTED_AD) {
        if (ocs_ldap_escape(acct->dn, strlen(acct->dn), esc, sizeof(esc), &n)
            != OCS_OK)
        {
            return OCS_OK;
        }

        (void) snprintf(filter, sizeof(filter),
                        "(member:1.2.840.113556.1.4.1941:=%s)", esc);

        ocs_ldap_timeval(h->conf.timeout, &tv);
        res = NULL;
        attrs[0] = "1.1";

        rc = ldap_search_ext_s(c->ld, h->conf.base, LDAP_SCOPE_SUBTREE,
                               filter, attrs, 0, NULL, NULL, &tv,
                               OCS_LDAP_GROUPS_MAX, &res);

        if (ocs_ldap_down(rc)) {
            ldap_msgfree(res);
            return ocs_err(err, OCS_ERR_SYS, "%s: group search failed: %s",
                           ocs_ldap_url(h, c), ldap_err2string(rc));
        }

        /*
         * AD's answer holds the direct groups too; a server without the
         * rule finds nothing or refuses.  Either way the union is right.
         */
        for (e = (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED)
                 && res ? ldap_first_entry(c->ld, res) : NULL;
             e != NULL;
             e = ldap_next_entry(c->ld, e))
        {
            dn = ldap_get_dn(c->ld, e);

            if (dn != NULL && strlen(dn) < OCS_LDAP_DN_MAX) {
                ocs_ldap_add_group(acct, dn, strlen(dn));
            }

            ldap_memfree(dn);
        }

        acct->groups_truncated |= (rc == LDAP_SIZELIMIT_EXCEEDED);
        ldap_msgfree(res);

        return OCS_OK;
    }

    /* walk: each group found so far may itself be a member of groups */
    for (i = 0; i < acct->ngroups; i++) {
        ocs_ldap_timeval(h->conf.timeout, &tv);
        res = NULL;

        rc = ldap_search_ext_s(c->ld, acct->groups[i], LDAP_SCOPE_BASE,
                               "(objectClass=*)", attrs, 0, NULL, NULL, &tv,
                               1, &res);

        if (ocs_ldap_down(rc)) {
            ldap_msgfree(res);
            return ocs_err(err, OCS_ERR_SYS, "%s: group read failed: %s",
                           ocs_ldap_url(h, c), ldap_err2string(rc));
        }

        e = (rc == LDAP_SUCCESS && res) ? ldap_first_entry(c->ld, res) : NULL;
        v = e ? ldap_get_values_len(c->ld, e, "memberOf") : NULL;

        for (j = 0; v != NULL && v[j] != NULL; j++) {
            if (v[j]->bv_len < OCS_LDAP_DN_MAX) {
                ocs_ldap_add_group(acct, v[j]->bv_val, v[j]->bv_len);
            }
        }

        ldap_value_free_len(v);
        ldap_msgfree(res);
    }

    return OCS_OK;
}


/* adds a group DN once; the list is bounded by OCS_LDAP_GROUPS_MAX */
static void
ocs_ldap_add_group(ocs_ldap_account_t *acct, const char *dn, size_t len)
{
    size_t  k;

    for (k = 0; k < acct->ngroups; k++) {
        if (ocs_dn_eq(acct->groups[k], strlen(acct->groups[k]), dn, len)) {
            return;
        }
    }

    if (acct->ngroups == OCS_LDAP_GROUPS_MAX) {
        acct->groups_truncated = 1;
        return;
    }

    memcpy(acct->groups[acct->ngroups], dn, len);
    acct->groups[acct->ngroups][len] = '\0';
    acct->ngroups++;
}


static void
ocs_ldap_timeval(int ms, struct timeval *tv)
{
    tv->tv_sec = ms / 1000;
    tv->tv_usec = (ms % 1000) * 1000;
}


static const char *
ocs_ldap_url(ocs_ldap_t *h, ocs_ldap_conn_t *c)
{
    return h->conf.urls[c->url];
}
