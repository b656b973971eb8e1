/*
 * Tickets in mod_auth_ocs: the key file (the same file and format as
 * ocs_sso_key_file, so that nginx and Apache open each other's tickets),
 * the cookie, the session policy of a directory (OCSLifetime,
 * OCSIdleTimeout, OCSComputer, OCSService, OCSRefresh), the identity
 * passed upstream (OCSIdentityHeader, OCSStripHeaders and the OCS_*
 * environment variables), and what the other parts ask of a ticket:
 * verify, issue, update, revoke, clear.
 */

#ifndef OCS_AP_SSO_H
#define OCS_AP_SSO_H

#include <httpd.h>
#include <http_config.h>
#include <apr_thread_proc.h>

#include <ocs/ocs.h>
#include <ocs/ocs_cookie.h>
#include <ocs/ocs_keyring.h>
#include <ocs/ocs_session.h>
#include <ocs/ocs_store.h>
#include <ocs/ocs_ticket.h>


#define OCS_AP_SSO_SERVICES_MAX   16

typedef struct {
    const char          *key_file;       /* NULL: unset */
    ocs_keyring_t       *ring;           /* loaded from key_file, or the
                                            temporary key */
    const char          *cookie;         /* NULL: the default */
    int64_t              max_lifetime;   /* for "everywhere" records */
} ocs_ap_sso_srv_t;


typedef struct {
    int64_t              lifetime;       /* OCS_AP_UNSET */
    int64_t              idle;
    int64_t              refresh;
    int64_t              computer_idle[2];
    int64_t              computer_lifetime[2];
    int                  computer_persistent[2];
    const char          *service;        /* NULL: unset; "": off */
    int64_t              service_idle;
    const char          *cookie_domain;  /* NULL: unset; "": off */
    const char          *identity_header;  /* NULL: unset; "": off */
    apr_array_header_t  *strip_headers;  /* NULL: unset (the default) */
    int                  pass_cookies;   /* OCS_AP_UNSET */
} ocs_ap_sso_dir_t;


#define OCS_AP_SSO_CMDS                                                      \
    AP_INIT_TAKE1("OCSKeyFile", ocs_ap_sso_key_file, NULL, RSRC_CONF,       \
                  "the key file that seals and opens tickets"),             \
    AP_INIT_TAKE1("OCSCookie", ocs_ap_sso_cookie, NULL, RSRC_CONF,          \
                  "the name of the ticket cookie"),                         \
    AP_INIT_TAKE1("OCSCookieDomain", ocs_ap_sso_cookie_domain, NULL,         \
                  RSRC_CONF | ACCESS_CONF,                                   \
                  "the Domain of the ticket cookie | off"),                  \
    AP_INIT_FLAG("OCSPassCookies", ocs_ap_sso_pass_cookies, NULL,            \
                 RSRC_CONF | ACCESS_CONF,                                    \
                 "whether the ticket cookie goes upstream (default off)"),   \
    AP_INIT_TAKE1("OCSLifetime", ocs_ap_sso_time, (void *) 0,                \
                  RSRC_CONF | ACCESS_CONF, "a session's absolute lifetime"),\
    AP_INIT_TAKE1("OCSIdleTimeout", ocs_ap_sso_time, (void *) 1,             \
                  RSRC_CONF | ACCESS_CONF,                                   \
                  "a session's inactivity limit | off"),                     \
    AP_INIT_TAKE1("OCSRefresh", ocs_ap_sso_time, (void *) 2,                 \
                  RSRC_CONF | ACCESS_CONF,                                   \
                  "how often a ticket records activity"),                    \
    AP_INIT_RAW_ARGS("OCSComputer", ocs_ap_sso_computer, NULL,               \
                     RSRC_CONF | ACCESS_CONF,                                \
                     "public|private [idle=time] [lifetime=time] "           \
                     "[persistent=on|off]"),                                 \
    AP_INIT_TAKE12("OCSService", ocs_ap_sso_service, NULL,                   \
                   RSRC_CONF | ACCESS_CONF, "name [idle=time] | off"),      \
    AP_INIT_TAKE1("OCSIdentityHeader", ocs_ap_sso_identity_header, NULL,     \
                  RSRC_CONF | ACCESS_CONF,                                   \
                  "the request header that names the user upstream | off"), \
    AP_INIT_ITERATE("OCSStripHeaders", ocs_ap_sso_strip_headers, NULL,       \
                    RSRC_CONF | ACCESS_CONF,                                 \
                    "default | off | the client headers removed"),


/* what a request's ticket came to */
#define OCS_AP_SSO_NONE      0   /* no ticket cookie */
#define OCS_AP_SSO_VALID     1
#define OCS_AP_SSO_BAD       2   /* does not open */
#define OCS_AP_SSO_EXPIRED   3   /* expired or idle */
#define OCS_AP_SSO_REVOKED   4

typedef struct {
    int                  state;          /* OCS_AP_SSO_* */
    int                  opened;         /* the ticket opened */
    int                  rechecked;      /* the directory answered in this
                                            request */
    int                  refresh;        /* a refreshed cookie is set */
    ocs_ticket_t         ticket;
} ocs_ap_sso_ctx_t;


const char *ocs_ap_sso_key_file(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_sso_cookie(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_sso_cookie_domain(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_sso_pass_cookies(cmd_parms *cmd, void *mconfig, int on);
const char *ocs_ap_sso_time(cmd_parms *cmd, void *mconfig, const char *arg);
const char *ocs_ap_sso_computer(cmd_parms *cmd, void *mconfig,
    const char *args);
const char *ocs_ap_sso_service(cmd_parms *cmd, void *mconfig,
    const char *name, const char *idle);
const char *ocs_ap_sso_identity_header(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_sso_strip_headers(cmd_parms *cmd, void *mconfig,
    const char *arg);

void ocs_ap_sso_srv_init(apr_pool_t *p, ocs_ap_sso_srv_t *conf);
void ocs_ap_sso_srv_merge(apr_pool_t *p, ocs_ap_sso_srv_t *conf,
    const ocs_ap_sso_srv_t *base, const ocs_ap_sso_srv_t *add);
void ocs_ap_sso_dir_init(apr_pool_t *p, ocs_ap_sso_dir_t *conf);
void ocs_ap_sso_dir_merge(apr_pool_t *p, ocs_ap_sso_dir_t *conf,
    const ocs_ap_sso_dir_t *base, const ocs_ap_sso_dir_t *add);
int ocs_ap_sso_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s);
void ocs_ap_sso_child_init(apr_pool_t *p, server_rec *s);
void ocs_ap_sso_register_hooks(apr_pool_t *p);


/*
 * The request's ticket, read once (the main request's for a
 * subrequest): a ctx in r's pool with state set, or NULL on a failure
 * that has been logged (answer 500).  A ticket over plain http is never
 * looked at.  A valid ticket due for refresh gets its new cookie here.
 */
ocs_ap_sso_ctx_t *ocs_ap_sso_verify(request_rec *r);

/* the ctx of r, or NULL when verify has not run */
ocs_ap_sso_ctx_t *ocs_ap_sso_ctx(request_rec *r);

/*
 * Starts a session for t (user, methods, computer and the directory's
 * facts filled by the caller), seals it into a Set-Cookie, and makes it
 * the request's ticket.  OK, or 500 (logged).  t's session id is wiped.
 */
int ocs_ap_sso_issue(request_rec *r, ocs_ticket_t *t);

/* seals the ctx's ticket again (after a re-check or a step) */
int ocs_ap_sso_update(request_rec *r, ocs_ap_sso_ctx_t *ctx);

/* revokes the session of t, or every session of user: OK or 500 */
int ocs_ap_sso_revoke(request_rec *r, const ocs_ticket_t *t);
int ocs_ap_sso_revoke_user(request_rec *r, const char *user, size_t len);

/* clears the ticket and nonce cookies */
int ocs_ap_sso_clear_cookie(request_rec *r);

/* makes r (and its environment) carry the user of a valid ticket */
void ocs_ap_sso_set_user(request_rec *r, const ocs_ticket_t *t);

/* the key ring, and this thread's keyed contexts for it */
const ocs_keyring_t *ocs_ap_sso_keyring(request_rec *r);
ocs_ticket_cache_t *ocs_ap_sso_cache(request_rec *r);

/* the names of the ticket, nonce (CSRF) and note cookies */
#define OCS_AP_COOKIE_TICKET   0
#define OCS_AP_COOKIE_CSRF     1
#define OCS_AP_COOKIE_NOTE     2
const char *ocs_ap_sso_cookie_name(request_rec *r, int which);

/* the directory's session policy, as the core applies it */
void ocs_ap_sso_policy(request_rec *r, ocs_session_policy_t *policy);

/* the revocation store (ocs_ap_store.h) */
const ocs_store_t *ocs_ap_sso_store(request_rec *r);

/* RFC 9110 token characters: NULL, or why value is not one */
const char *ocs_ap_sso_token(cmd_parms *cmd, const char *value);

/* the identity's fixup (ocs_ap_identity.c) */
void ocs_ap_identity_register_hooks(apr_pool_t *p);

#endif /* OCS_AP_SSO_H */
