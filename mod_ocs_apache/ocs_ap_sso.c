/*
 * Tickets in mod_auth_ocs.  Reads a request's ticket once and has the
 * core judge it (ocs_session.h) under the directory's policy and the
 * revocation store, sends the refreshed cookie the core asks for, and
 * passes the verified user upstream: r->user, the identity header,
 * the OCS_* environment variables.  The key file, the cookie and the
 * ticket format are those of ngx_http_ocs_sso_module, so a ticket one
 * server seals the other opens.
 */

#include "mod_auth_ocs.h"

#include <apr_escape.h>
#include <apr_lib.h>
#include <apr_time.h>

#include <ocs/ocs_conf.h>
#include <ocs/ocs_revoke.h>


#define OCS_AP_SSO_KEY_MAX  4096


static ocs_ap_sso_ctx_t *ocs_ap_sso_find(request_rec *r);
static int ocs_ap_sso_check(request_rec *r, const char *value, size_t len,
    ocs_ticket_t *t, int log, int *reseal);
static void ocs_ap_sso_pick(request_rec *r, ocs_ap_sso_ctx_t *ctx,
    int *reseal);
static int ocs_ap_sso_seal_cookie(request_rec *r, const ocs_ticket_t *t);
static apr_status_t ocs_ap_sso_wipe_ring(void *data);
static void ocs_ap_sso_cache_free(void *data);
static void ocs_ap_sso_cookie_names(apr_pool_t *p,
    const ocs_ap_sso_srv_t *conf);
static apr_status_t ocs_ap_sso_wipe_ctx(void *data);
static int ocs_ap_sso_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp);


/* the key ring every server shares; the temporary key when no file */
static ocs_keyring_t  *ocs_ap_sso_ring;

/* some directory sets a cookie domain: the default name has no __Host- */
static int             ocs_ap_sso_domains;

/* the ticket, nonce and note cookies' names (ocs_ap_sso_cookie_names) */
static const char       *ocs_ap_sso_names[3];

/* the ring's keyed contexts, one set per thread of a child */
static apr_threadkey_t  *ocs_ap_sso_cache_key;


const char *
ocs_ap_sso_key_file(cmd_parms *cmd, void *mconfig, const char *arg)
{
    char              *text;
    size_t             len;
    ocs_err_t          err;
    const char        *msg;
    ocs_ap_sso_srv_t  *conf = &ocs_ap_cmd_srv(cmd)->sso;

    (void) mconfig;

    if (cmd->server->is_virtual) {
        return "OCSKeyFile belongs in the main server configuration: every "
               "virtual host opens the same tickets";
    }

    if (conf->key_file != NULL) {
        return "OCSKeyFile is duplicate";
    }

    msg = ocs_ap_read_conf_file(cmd, arg, OCS_AP_SSO_KEY_MAX, 1, &text,
                                &len);
    if (msg != NULL) {
        return msg;
    }

    conf->ring = apr_pcalloc(cmd->pool, sizeof(ocs_keyring_t));

    if (ocs_keyring_parse(conf->ring, text, len, &err) != OCS_OK) {
        ocs_wipe(text, len);
        ocs_keyring_wipe(conf->ring);
        return apr_psprintf(cmd->pool, "invalid key file \"%s\": %s", arg,
                            err.text);
    }

    ocs_wipe(text, len);
    conf->key_file = arg;

    /* the keys die with the configuration that loaded them */
    apr_pool_cleanup_register(cmd->pool, conf->ring, ocs_ap_sso_wipe_ring,
                              apr_pool_cleanup_null);

    return NULL;
}


static apr_status_t
ocs_ap_sso_wipe_ring(void *data)
{
    ocs_keyring_wipe(data);

    if (ocs_ap_sso_ring == data) {
        ocs_ap_sso_ring = NULL;
    }

    return APR_SUCCESS;
}


const char *
ocs_ap_sso_cookie(cmd_parms *cmd, void *mconfig, const char *arg)
{
    const char        *msg;
    ocs_ap_sso_srv_t  *conf = &ocs_ap_cmd_srv(cmd)->sso;

    (void) mconfig;

    if (cmd->server->is_virtual) {
        return "OCSCookie belongs in the main server configuration: every "
               "virtual host reads the same cookie";
    }

    msg = ocs_ap_sso_token(cmd, arg);
    if (msg != NULL) {
        return msg;
    }

    conf->cookie = arg;

    return NULL;
}


/* RFC 9110 token characters: safe in a cookie name, header or domain */
const char *
ocs_ap_sso_token(cmd_parms *cmd, const char *value)
{
    const char  *p;

    if (value[0] == '\0') {
        return apr_pstrcat(cmd->pool, cmd->directive->directive,
                           " must not be empty", NULL);
    }

    for (p = value; *p; p++) {
        if (apr_isalnum(*p) || strchr("!#$%&'*+-.^_`|~", *p)) {
            continue;
        }

        return apr_psprintf(cmd->pool, "%s \"%s\" has a character not "
                            "allowed in a cookie or header name",
                            cmd->directive->directive, value);
    }

    return NULL;
}


const char *
ocs_ap_sso_cookie_domain(cmd_parms *cmd, void *mconfig, const char *arg)
{
    const char        *msg;
    ocs_ap_sso_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->sso;

    if (strcmp(arg, "off") == 0) {
        conf->cookie_domain = "";
        return NULL;
    }

    msg = ocs_ap_sso_token(cmd, arg);
    if (msg != NULL) {
        return msg;
    }

    conf->cookie_domain = arg;
    ocs_ap_sso_domains = 1;

    return NULL;
}


const char *
ocs_ap_sso_pass_cookies(cmd_parms *cmd, void *mconfig, int on)
{
    (void) cmd;

    ocs_ap_cmd_dir(mconfig)->sso.pass_cookies = on;

    return NULL;
}


/* OCSLifetime, OCSIdleTimeout, OCSRefresh: cmd->info says which */
const char *
ocs_ap_sso_time(cmd_parms *cmd, void *mconfig, const char *arg)
{
    int64_t            sec;
    intptr_t           which;
    ocs_ap_sso_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->sso;
    ocs_ap_sso_srv_t  *srv = &ocs_ap_cmd_srv(cmd)->sso;

    which = (intptr_t) cmd->info;

    if (which == 1 && strcmp(arg, "off") == 0) {
        conf->idle = 0;
        return NULL;
    }

    if (ocs_conf_parse_time(arg, strlen(arg), &sec) != OCS_OK) {
        return apr_psprintf(cmd->pool, "invalid %s \"%s\": use a time such "
                            "as 30m, 8h or 7d", cmd->directive->directive,
                            arg);
    }

    switch (which) {

    case 0:
        if (sec == 0) {
            return "OCSLifetime must be at least 1s";
        }

        conf->lifetime = sec;

        if (sec > srv->max_lifetime) {
            srv->max_lifetime = sec;
        }

        break;

    case 1:
        conf->idle = sec;
        break;

    default:
        conf->refresh = sec;
        break;
    }

    return NULL;
}


/* OCSComputer public|private [idle=time] [lifetime=time] [persistent=] */
const char *
ocs_ap_sso_computer(cmd_parms *cmd, void *mconfig, const char *args)
{
    int                i;
    char              *w, *v;
    int64_t            sec;
    const char        *rest;
    ocs_ap_sso_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->sso;
    ocs_ap_sso_srv_t  *srv = &ocs_ap_cmd_srv(cmd)->sso;

    rest = args;
    w = ap_getword_conf(cmd->temp_pool, &rest);

    if (strcmp(w, "public") == 0) {
        i = OCS_COMPUTER_PUBLIC;

    } else if (strcmp(w, "private") == 0) {
        i = OCS_COMPUTER_PRIVATE;

    } else {
        return apr_psprintf(cmd->pool, "OCSComputer: the first parameter "
                            "is public or private, not \"%s\"", w);
    }

    if (conf->computer_idle[i] != OCS_AP_UNSET
        || conf->computer_lifetime[i] != OCS_AP_UNSET
        || conf->computer_persistent[i] != OCS_AP_UNSET)
    {
        return apr_psprintf(cmd->pool, "OCSComputer %s is duplicate", w);
    }

    for ( ;; ) {
        w = ap_getword_conf(cmd->temp_pool, &rest);
        if (w[0] == '\0') {
            break;
        }

        v = strchr(w, '=');
        if (v == NULL) {
            goto invalid;
        }

        *v++ = '\0';

        if (strcmp(w, "persistent") == 0) {
            if (strcmp(v, "on") == 0) {
                conf->computer_persistent[i] = 1;

            } else if (strcmp(v, "off") == 0) {
                conf->computer_persistent[i] = 0;

            } else {
                goto invalid;
            }

            continue;
        }

        if (ocs_conf_parse_time(v, strlen(v), &sec) != OCS_OK) {
            goto invalid;
        }

        if (strcmp(w, "idle") == 0) {
            conf->computer_idle[i] = sec;

        } else if (strcmp(w, "lifetime") == 0 && sec > 0) {
            conf->computer_lifetime[i] = sec;

            if (sec > srv->max_lifetime) {
                srv->max_lifetime = sec;
            }

        } else {
            goto invalid;
        }
    }

    return NULL;

invalid:

    return apr_psprintf(cmd->pool, "invalid OCSComputer parameter \"%s\": "
                        "use idle=time, lifetime=time (at least 1s) or "
                        "persistent=on|off", w);
}


const char *
ocs_ap_sso_service(cmd_parms *cmd, void *mconfig, const char *name,
    const char *idle)
{
    int64_t            sec;
    const char        *msg;
    ocs_ap_sso_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->sso;

    if (strcmp(name, "off") == 0) {
        if (idle != NULL) {
            return "OCSService off takes no other parameter";
        }

        conf->service = "";
        conf->service_idle = 0;
        return NULL;
    }

    msg = ocs_ap_sso_token(cmd, name);
    if (msg != NULL) {
        return msg;
    }

    sec = 0;

    if (idle != NULL
        && (strncmp(idle, "idle=", 5) != 0
            || ocs_conf_parse_time(idle + 5, strlen(idle + 5), &sec)
               != OCS_OK))
    {
        return apr_psprintf(cmd->pool, "invalid OCSService parameter "
                            "\"%s\": use idle=time", idle);
    }

    conf->service = name;
    conf->service_idle = sec;

    return NULL;
}


void
ocs_ap_sso_srv_init(apr_pool_t *p, ocs_ap_sso_srv_t *conf)
{
    (void) p;

    conf->key_file = NULL;
    conf->ring = NULL;
    conf->cookie = NULL;
    conf->max_lifetime = 0;
}


void
ocs_ap_sso_srv_merge(apr_pool_t *p, ocs_ap_sso_srv_t *conf,
    const ocs_ap_sso_srv_t *base, const ocs_ap_sso_srv_t *add)
{
    (void) p;

    /* main-server only: a virtual host has the main server's */
    conf->key_file = base->key_file;
    conf->ring = base->ring;
    conf->cookie = base->cookie;
    conf->max_lifetime = (add->max_lifetime > base->max_lifetime)
                         ? add->max_lifetime : base->max_lifetime;
}


void
ocs_ap_sso_dir_init(apr_pool_t *p, ocs_ap_sso_dir_t *conf)
{
    int  i;

    (void) p;

    conf->lifetime = OCS_AP_UNSET;
    conf->idle = OCS_AP_UNSET;
    conf->refresh = OCS_AP_UNSET;

    for (i = 0; i < 2; i++) {
        conf->computer_idle[i] = OCS_AP_UNSET;
        conf->computer_lifetime[i] = OCS_AP_UNSET;
        conf->computer_persistent[i] = OCS_AP_UNSET;
    }

    conf->service = NULL;
    conf->service_idle = 0;
    conf->cookie_domain = NULL;
    conf->identity_header = NULL;
    conf->strip_headers = NULL;
    conf->pass_cookies = OCS_AP_UNSET;
}


#define ocs_ap_merge_int(f)                                                  \
    conf->f = (add->f != OCS_AP_UNSET) ? add->f : base->f
#define ocs_ap_merge_ptr(f)                                                  \
    conf->f = (add->f != NULL) ? add->f : base->f


void
ocs_ap_sso_dir_merge(apr_pool_t *p, ocs_ap_sso_dir_t *conf,
    const ocs_ap_sso_dir_t *base, const ocs_ap_sso_dir_t *add)
{
    int  i;

    (void) p;

    ocs_ap_merge_int(lifetime);
    ocs_ap_merge_int(idle);
    ocs_ap_merge_int(refresh);

    /* each class's settings inherit one by one */
    for (i = 0; i < 2; i++) {
        ocs_ap_merge_int(computer_idle[i]);
        ocs_ap_merge_int(computer_lifetime[i]);
        ocs_ap_merge_int(computer_persistent[i]);
    }

    /* a service is its name and its idle together */
    if (add->service != NULL) {
        conf->service = add->service;
        conf->service_idle = add->service_idle;

    } else {
        conf->service = base->service;
        conf->service_idle = base->service_idle;
    }

    ocs_ap_merge_ptr(cookie_domain);
    ocs_ap_merge_ptr(identity_header);
    ocs_ap_merge_ptr(strip_headers);
    ocs_ap_merge_int(pass_cookies);
}


void
ocs_ap_sso_policy(request_rec *r, ocs_session_policy_t *p)
{
    int                i;
    ocs_ap_sso_dir_t  *c;

    static const int64_t  dflt_idle[2] = {
        OCS_SESSION_PUBLIC_IDLE, OCS_SESSION_PRIVATE_IDLE
    };
    static const int64_t  dflt_lifetime[2] = {
        OCS_SESSION_PUBLIC_LIFETIME, OCS_SESSION_PRIVATE_LIFETIME
    };
    static const int      dflt_persistent[2] = {
        OCS_SESSION_PUBLIC_PERSISTENT, OCS_SESSION_PRIVATE_PERSISTENT
    };

    c = &ocs_ap_dir(r)->sso;

    /* -1 (unset) lets the computer class decide */
    p->lifetime = c->lifetime;
    p->idle = c->idle;
    p->refresh = (c->refresh != OCS_AP_UNSET) ? c->refresh
                                              : OCS_SESSION_REFRESH;

    for (i = 0; i < 2; i++) {
        p->computer[i].idle = (c->computer_idle[i] != OCS_AP_UNSET)
                              ? c->computer_idle[i] : dflt_idle[i];
        p->computer[i].lifetime = (c->computer_lifetime[i] != OCS_AP_UNSET)
                                  ? c->computer_lifetime[i]
                                  : dflt_lifetime[i];
        p->computer[i].persistent =
            (c->computer_persistent[i] != OCS_AP_UNSET)
            ? c->computer_persistent[i] : dflt_persistent[i];
    }

    p->service = (c->service != NULL && c->service[0] != '\0');
    p->service_id = p->service
                    ? ocs_session_service_id(c->service, strlen(c->service))
                    : 0;
    p->service_idle = p->service ? c->service_idle : 0;
}


int
ocs_ap_sso_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s)
{
    void              *data;
    ocs_err_t          err;
    unsigned char      raw[OCS_KEY_LEN];
    ocs_ap_sso_srv_t  *conf;
    static const char  key[] = "ocs_ap_sso_temporary_key";

    (void) plog;
    (void) ptemp;

    conf = &ocs_ap_srv(s)->sso;

    ocs_ap_sso_cookie_names(pconf, conf);

    if (conf->ring != NULL) {
        ocs_ap_sso_ring = conf->ring;
        return OK;
    }

    /*
     * No key file: a temporary key, made once per Apache process tree and
     * kept in the process pool, which a graceful restart keeps, so that
     * every child opens every ticket and a logrotate reload signs no one
     * out.  A full restart makes a new one.
     */
    apr_pool_userdata_get(&data, key, s->process->pool);

    if (data == NULL) {
        data = apr_pcalloc(s->process->pool, sizeof(ocs_keyring_t));

        if (ocs_ap_env()->random(ocs_ap_env()->data, raw, sizeof(raw))
            != OCS_OK
            || ocs_keyring_add(data, raw, sizeof(raw), &err) != OCS_OK)
        {
            ocs_wipe(raw, sizeof(raw));
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                         "ocs sso: cannot make a temporary key");
            return HTTP_INTERNAL_SERVER_ERROR;
        }

        ocs_wipe(raw, sizeof(raw));
        apr_pool_userdata_set(data, key, apr_pool_cleanup_null,
                              s->process->pool);

        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "ocs sso: no \"OCSKeyFile\": tickets are sealed with a "
                     "temporary key and will not survive a restart");
    }

    ocs_ap_sso_ring = data;

    return OK;
}


void
ocs_ap_sso_child_init(apr_pool_t *p, server_rec *s)
{
    apr_status_t  rv;

    rv = apr_threadkey_private_create(&ocs_ap_sso_cache_key,
                                      ocs_ap_sso_cache_free, p);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     "ocs sso: cannot make a thread key");
        ocs_ap_sso_cache_key = NULL;
    }
}


static int
ocs_ap_sso_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    (void) pconf;
    (void) plog;
    (void) ptemp;

    /* every configuration read starts afresh */
    ocs_ap_sso_domains = 0;

    return OK;
}


static apr_status_t
ocs_ap_sso_wipe_ctx(void *data)
{
    ocs_ap_sso_ctx_t  *ctx = data;

    ocs_wipe(&ctx->ticket, sizeof(ocs_ticket_t));

    return APR_SUCCESS;
}


static void
ocs_ap_sso_cache_free(void *data)
{
    ocs_ticket_cache_destroy(data);
}


void
ocs_ap_sso_register_hooks(apr_pool_t *p)
{
    (void) p;

    ap_hook_pre_config(ocs_ap_sso_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
}


const ocs_keyring_t *
ocs_ap_sso_keyring(request_rec *r)
{
    (void) r;

    return ocs_ap_sso_ring;
}


/* the keyed contexts of the ring, one set per thread: not thread-safe */
ocs_ticket_cache_t *
ocs_ap_sso_cache(request_rec *r)
{
    void       *data;
    ocs_err_t   err;

    (void) r;

    if (ocs_ap_sso_cache_key == NULL || ocs_ap_sso_ring == NULL) {
        return NULL;
    }

    data = NULL;
    apr_threadkey_private_get(&data, ocs_ap_sso_cache_key);

    if (data == NULL) {
        data = ocs_ticket_cache_create(ocs_ap_sso_ring, &err);

        if (data == NULL) {
            /* the core falls back to making contexts per call */
            return NULL;
        }

        apr_threadkey_private_set(data, ocs_ap_sso_cache_key);
    }

    return data;
}


const char *
ocs_ap_sso_cookie_name(request_rec *r, int which)
{
    (void) r;

    return ocs_ap_sso_names[which];
}


/*
 * The cookies' names, made once per configuration (every server reads
 * the main server's cookie).  A __Host- cookie cannot be set by a
 * sibling host or for a longer path, so no planted cookie can shadow
 * the ticket; browsers refuse it with a Domain, which single sign-on
 * across hosts needs.  The nonce cookie never has a Domain; a note
 * lives on one path.
 */
static void
ocs_ap_sso_cookie_names(apr_pool_t *p, const ocs_ap_sso_srv_t *conf)
{
    const char  *base;

    if (conf->cookie != NULL) {
        base = conf->cookie;

    } else {
        base = ocs_ap_sso_domains ? "ocs_ticket" : "__Host-ocs_ticket";
    }

    ocs_ap_sso_names[OCS_AP_COOKIE_TICKET] = base;

    if (strncmp(base, "__Host-", 7) == 0) {
        base += 7;
    }

    ocs_ap_sso_names[OCS_AP_COOKIE_CSRF] =
        apr_pstrcat(p, "__Host-", base, "_csrf", NULL);
    ocs_ap_sso_names[OCS_AP_COOKIE_NOTE] =
        apr_pstrcat(p, "__Secure-", base, "_note", NULL);
}


const ocs_store_t *
ocs_ap_sso_store(request_rec *r)
{
    return ocs_ap_store(r->server, OCS_AP_STORE_SESSIONS);
}


/* the ctx of r, its main request or the request it was redirected from */
static ocs_ap_sso_ctx_t *
ocs_ap_sso_find(request_rec *r)
{
    ocs_ap_sso_ctx_t  *ctx;

    for ( /* void */ ; r != NULL; r = r->main ? r->main : r->prev) {
        ctx = ap_get_module_config(r->request_config, &auth_ocs_module);
        if (ctx != NULL) {
            return ctx;
        }
    }

    return NULL;
}


ocs_ap_sso_ctx_t *
ocs_ap_sso_ctx(request_rec *r)
{
    return ocs_ap_sso_find(r);
}


ocs_ap_sso_ctx_t *
ocs_ap_sso_verify(request_rec *r)
{
    int                reseal;
    ocs_ap_sso_ctx_t  *ctx;

    ctx = ocs_ap_sso_find(r);
    if (ctx != NULL) {
        return ctx;
    }

    ctx = apr_pcalloc(r->pool, sizeof(ocs_ap_sso_ctx_t));
    ap_set_module_config(r->request_config, &auth_ocs_module, ctx);

    /* the session id must not outlive the request */
    apr_pool_cleanup_register(r->pool, ctx, ocs_ap_sso_wipe_ctx,
                              apr_pool_cleanup_null);

    ctx->state = OCS_AP_SSO_NONE;

    /* a ticket sent over plain http is never looked at */
    if (!ocs_ap_is_https(r) || ocs_ap_sso_ring == NULL
        || ocs_ap_sso_ring->n == 0)
    {
        return ctx;
    }

    ocs_ap_sso_pick(r, ctx, &reseal);

    ctx->opened = (ctx->state != OCS_AP_SSO_NONE
                   && ctx->state != OCS_AP_SSO_BAD);

    if (ctx->state == OCS_AP_SSO_VALID && reseal
        && ocs_ap_sso_seal_cookie(r, &ctx->ticket) == OK)
    {
        /* else the old cookie still works until it goes idle */
        ctx->refresh = 1;
    }

    return ctx;
}


/*
 * The browser sends every cookie it holds under the name: one that a
 * sibling host or a longer path set comes first and would shadow the
 * real ticket.  The first valid one counts; the others are logged only
 * when none is.
 */
static void
ocs_ap_sso_pick(request_rec *r, ocs_ap_sso_ctx_t *ctx, int *reseal)
{
    size_t                 len, n;
    const char            *name, *value;
    ocs_ap_cookie_iter_t   it;

    name = ocs_ap_sso_cookie_name(r, OCS_AP_COOKIE_TICKET);
    *reseal = 0;
    memset(&it, 0, sizeof(it));

    for (n = 0; ocs_ap_cookie_next(r, name, &it, &value, &len) == OK; n++) {
        ctx->state = ocs_ap_sso_check(r, value, len, &ctx->ticket, 0,
                                      reseal);

        if (ctx->state == OCS_AP_SSO_VALID) {
            break;
        }
    }

    if (n == 0) {
        return;
    }

    if (ctx->state == OCS_AP_SSO_VALID) {
        if (n) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "ocs sso: %" APR_SIZE_T_FMT " other \"%s\" "
                          "cookie%s without a valid ticket ignored", n, name,
                          n > 1 ? "s" : "");
        }

        return;
    }

    /* the first, which the browser thinks best, says why */
    memset(&it, 0, sizeof(it));

    if (ocs_ap_cookie_next(r, name, &it, &value, &len) == OK) {
        ctx->state = ocs_ap_sso_check(r, value, len, &ctx->ticket, 1,
                                      reseal);
    }
}


/*
 * One ticket cookie's value against the directory's policy and the
 * revocation store: the state it gives, with t filled when it opens and
 * brought up to date when it is valid (*reseal: seal it again).  Why it
 * is refused is logged when log is set.
 */
static int
ocs_ap_sso_check(request_rec *r, const char *value, size_t len,
    ocs_ticket_t *t, int log, int *reseal)
{
    int                    verdict, rs, level, ended;
    ocs_err_t              err;
    const char            *reason;
    ocs_session_policy_t   policy;

    ocs_ap_sso_policy(r, &policy);

    /* a ticket that does not open is forged or damaged; one that has run
       out or was revoked is the ordinary end of a session */
    level = log ? APLOG_ERR : APLOG_DEBUG;
    ended = log ? APLOG_INFO : APLOG_DEBUG;

    rs = 0;
    verdict = ocs_session_check(&policy, ocs_ap_sso_ring, ocs_ap_sso_cache(r),
                                ocs_ap_env(), value, len,
                                ocs_ap_sso_store(r), t, &rs, &err);

    *reseal = (verdict == OCS_SESSION_VALID && rs);
    reason = ocs_session_reason(verdict);

    switch (verdict) {

    case OCS_SESSION_VALID:
        return OCS_AP_SSO_VALID;

    case OCS_SESSION_BAD:
        ap_log_rerror(APLOG_MARK, level, 0, r,
                      "ocs sso: ticket rejected: %s", err.text);
        return OCS_AP_SSO_BAD;

    case OCS_SESSION_SERVICE_IDLE:
        ap_log_rerror(APLOG_MARK, ended, 0, r,
                      "ocs sso: ticket of user \"%s\" rejected: %s \"%s\"",
                      t->user, reason, ocs_ap_dir(r)->sso.service);
        return OCS_AP_SSO_EXPIRED;

    default:
        ap_log_rerror(APLOG_MARK, ended, 0, r,
                      "ocs sso: ticket of user \"%s\" rejected: %s",
                      t->user, reason);

        return (verdict == OCS_SESSION_REVOKED) ? OCS_AP_SSO_REVOKED
                                                : OCS_AP_SSO_EXPIRED;
    }
}


int
ocs_ap_sso_issue(request_rec *r, ocs_ticket_t *t)
{
    int                    rc;
    int64_t                nb;
    ocs_err_t              err;
    apr_time_t             now;
    ocs_ap_sso_ctx_t      *ctx;
    ocs_session_policy_t   policy;

    ctx = NULL;
    ocs_ap_sso_policy(r, &policy);

    nb = ocs_revoke_not_before(ocs_ap_sso_store(r), t->user, t->user_len);
    now = apr_time_now();

    rc = ocs_session_start(&policy, ocs_ap_env(),
                           (int64_t) apr_time_as_msec(now), nb, t, &err);

    if (rc != OCS_OK) {
        ap_log_rerror(APLOG_MARK, rc == OCS_ERR_SYS ? APLOG_CRIT : APLOG_ERR,
                      0, r, "ocs sso: %s", err.text);
        ocs_wipe(t->session, OCS_SESSION_LEN);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ocs_ap_sso_seal_cookie(r, t);

    if (rc == OK) {
        /* the rest of the request goes on as the user */
        ctx = ocs_ap_sso_find(r);

        if (ctx == NULL) {
            ctx = apr_pcalloc(r->pool, sizeof(ocs_ap_sso_ctx_t));
            ap_set_module_config(r->request_config, &auth_ocs_module, ctx);
        }

        if (t != &ctx->ticket) {
            memcpy(&ctx->ticket, t, sizeof(ocs_ticket_t));
        }

        ctx->state = OCS_AP_SSO_VALID;
        ctx->opened = 1;
        ctx->rechecked = 1;
        ctx->refresh = 0;
    }

    /* the ctx keeps the only copy of the session id */
    if (ctx == NULL || t != &ctx->ticket) {
        ocs_wipe(t->session, OCS_SESSION_LEN);
    }

    return rc;
}


int
ocs_ap_sso_update(request_rec *r, ocs_ap_sso_ctx_t *ctx)
{
    ocs_ticket_touch(&ctx->ticket, apr_time_sec(apr_time_now()));

    return ocs_ap_sso_seal_cookie(r, &ctx->ticket);
}


/* seals t into a Set-Cookie of the response (replacing one set before) */
static int
ocs_ap_sso_seal_cookie(request_rec *r, const ocs_ticket_t *t)
{
    char                  *out;
    size_t                 n;
    ocs_err_t              err;
    ocs_cookie_t           c;
    const char            *domain;
    ocs_session_policy_t   policy;

    out = apr_palloc(r->pool, OCS_TICKET_TEXT_MAX);

    if (ocs_ticket_seal(ocs_ap_sso_ring, ocs_ap_sso_cache(r), ocs_ap_env(), t,
                        out, OCS_TICKET_TEXT_MAX, &n, &err)
        != OCS_OK)
    {
        ap_log_rerror(APLOG_MARK, APLOG_ALERT, 0, r,
                      "ocs sso: cannot seal a ticket: %s", err.text);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    ocs_ap_sso_policy(r, &policy);
    domain = ocs_ap_dir(r)->sso.cookie_domain;

    memset(&c, 0, sizeof(ocs_cookie_t));
    c.name = ocs_ap_sso_cookie_name(r, OCS_AP_COOKIE_TICKET);
    c.name_len = strlen(c.name);
    c.value = out;
    c.value_len = n;
    c.domain = domain;
    c.domain_len = domain ? strlen(domain) : 0;
    c.path = "/";
    c.path_len = 1;
    c.same_site = "Lax";
    c.same_site_len = 3;
    c.max_age = ocs_session_cookie_max_age(&policy, t,
                                           apr_time_sec(apr_time_now()));

    return ocs_ap_cookie_set(r, &c);
}


int
ocs_ap_sso_revoke(request_rec *r, const ocs_ticket_t *t)
{
    int                rc;
    ocs_revoke_info_t  info;
    ocs_ap_sso_srv_t  *conf;

    conf = &ocs_ap_srv(r->server)->sso;

    rc = ocs_revoke_session(ocs_ap_sso_store(r), t,
                            conf->max_lifetime > OCS_SESSION_PRIVATE_LIFETIME
                            ? conf->max_lifetime
                            : OCS_SESSION_PRIVATE_LIFETIME,
                            (int64_t) apr_time_as_msec(apr_time_now()),
                            &info);

    if (rc == OCS_ERR_SPACE) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs sso: OCSSessionStore is full (%" APR_SIZE_T_FMT
                      " expired entries dropped); every session that "
                      "started before now is revoked", info.dropped);
        return OK;
    }

    if (rc != OCS_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_CRIT, 0, r,
                      "ocs sso: OCSSessionStore has no room for one "
                      "revocation");
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    return OK;
}


int
ocs_ap_sso_revoke_user(request_rec *r, const char *user, size_t len)
{
    int                rc;
    ocs_ap_sso_srv_t  *conf;

    conf = &ocs_ap_srv(r->server)->sso;

    rc = ocs_revoke_user(ocs_ap_sso_store(r), user, len,
                         conf->max_lifetime > OCS_SESSION_PRIVATE_LIFETIME
                         ? conf->max_lifetime : OCS_SESSION_PRIVATE_LIFETIME,
                         (int64_t) apr_time_as_msec(apr_time_now()), NULL);

    if (rc == OCS_ERR_SPACE) {
        /* degrade safely, as for sessions: everyone signs in again */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs sso: OCSSessionStore is full; every session that "
                      "started before now is revoked");
        return OK;
    }

    if (rc != OCS_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_CRIT, 0, r,
                      "ocs sso: OCSSessionStore has no room for one "
                      "revocation");
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    return OK;
}


int
ocs_ap_sso_clear_cookie(request_rec *r)
{
    int          rc;
    const char  *domain;

    domain = ocs_ap_dir(r)->sso.cookie_domain;

    rc = ocs_ap_cookie_clear(r, ocs_ap_sso_cookie_name(r, OCS_AP_COOKIE_TICKET),
                             domain, "Lax");
    if (rc != OK) {
        return rc;
    }

    return ocs_ap_cookie_clear(r, ocs_ap_sso_cookie_name(r, OCS_AP_COOKIE_CSRF),
                               NULL, "Strict");
}


