/*
 * ngx_http_ocs_auth_module: what its source files share.  The HTTPS
 * policy, the thread pool, the sign-in URL and the "page of ours" flag
 * are ngx_http_ocs_module's (ngx_http_ocs.h).
 */

#ifndef NGX_HTTP_OCS_AUTH_H
#define NGX_HTTP_OCS_AUTH_H


#include <ngx_http_ocs.h>
#include <ngx_http_ocs_sso.h>

#include <ocs/ocs_directory.h>
#include <ocs/ocs_ldap.h>
#include <ocs/ocs_authz.h>
#include <ocs/ocs_factor.h>
#include <ocs/ocs_guard.h>
#include <ocs/ocs_digest.h>


#define NGX_HTTP_OCS_AUTH_OFF     0
#define NGX_HTTP_OCS_AUTH_FORMS   1
#define NGX_HTTP_OCS_AUTH_CONFERENCE  2   /* conference keys alone */


/* an ocs_ldap_directory block */
typedef struct {
    ngx_str_t              name;
    ocs_ldap_conf_t        conf;
    ngx_str_t              password;
    ocs_ldap_t            *handle;        /* per worker process */
    ngx_uint_t             urls_set;
    unsigned               policy_logged; /* the policy version logged */
    ngx_thread_pool_t     *pool;          /* a pool that a location using
                                             it names: for the read at
                                             start */
    ngx_uint_t             lock_account;  /* and that location's limit */
} ngx_http_ocs_ldap_dir_t;


typedef struct {
    ngx_array_t            directories;   /* ngx_http_ocs_ldap_dir_t * */
    ngx_array_t            facts;         /* every requirement configured */
    uint32_t               facts_gen;
    ngx_str_t              ntlm_keytab;   /* the one keytab NTLM works with */
    ngx_shm_zone_t        *guard;         /* ocs_auth_zone */
    ngx_uint_t             guard_used;
    ngx_shm_zone_t        *nonces;        /* ocs_auth_conference_zone */
    ngx_uint_t             nonces_used;
    ocs_digest_hashes_t   *hashes;        /* per worker process */
} ngx_http_ocs_auth_main_conf_t;


typedef struct {
    ngx_uint_t             mode;
    ngx_uint_t             signin;        /* ocs_auth_signin is here */
    ngx_str_t              user_file;
    ngx_str_t              template;      /* the sign-in page's text,
                                             "" for the built-in one */
    ngx_flag_t             signin_sip;    /* the page asks for a sign-in
                                             address; unset: with a
                                             directory */
    ngx_array_t           *return_hosts;  /* of char *, NULL-free */
    ngx_str_t              default_return;

    ngx_str_t              directory_name;   /* "" for off */
    ngx_http_ocs_ldap_dir_t  *directory;
    ngx_array_t           *require;          /* ocs_authz_req_t */
    ocs_authz_req_t       *remote;
    ngx_array_t           *internal;         /* ocs_authz_net_t */
    ngx_http_complex_value_t  *sip_claim;
    time_t                 recheck;
    ngx_array_t           *app_logoff;       /* ngx_str_t: paths, ?args */

    ngx_flag_t             negotiate;        /* Kerberos via SPNEGO */
    ngx_uint_t             quick;            /* ocs_auth_quick_signin */
    ngx_flag_t             negotiate_realm;  /* keep "@REALM" in names */
    ngx_flag_t             ntlm;             /* NTLM: raw and in SPNEGO */
    size_t                 negotiate_max;    /* largest token accepted */
    ngx_str_t              keytab;           /* NUL-terminated */
    ngx_str_t              principal;        /* "" for any in the keytab */
    ngx_flag_t             krb5_password;    /* the form asks the KDC */
    ngx_msec_t             krb5_timeout;     /* per KDC */

    /* second factors */
    ngx_uint_t             second;           /* OCS_METHOD_*: any of them */
    ngx_uint_t             second_external;  /* only outside "internal" */
    ngx_flag_t             totp;             /* codes checked with TOTP */
    ocs_otp_conf_t        *otp;              /* or with this server */
    ngx_uint_t             cert_source;      /* OCS_CERT_*: _NONE off */
    ngx_str_t              cert_domain;
    ngx_uint_t             cert_only;        /* the certificate alone */

    /* ocs_auth_lockout */
    ngx_flag_t             lockout;
    ngx_uint_t             lock_account;     /* per account and address */
    ngx_uint_t             lock_address;     /* per address */
    ngx_uint_t             lock_total;       /* per account, 0: off */
    time_t                 lock_window;
    time_t                 lock_time;

    /* conference keys (ngx_http_ocs_auth_conference.c) */
    ngx_str_t              conf_keys;        /* ocs_auth_conference_keys */
    ngx_str_t              conf_realm;       /* ..._realm, NUL-terminated */
    ngx_uint_t             conf_algs;        /* ..._digest: OCS_DIGEST_* */
    time_t                 conf_nonce;       /* ..._nonce_timeout */
    ngx_uint_t             conf_join;        /* ..._join is here */
    ocs_conference_t      *confs;            /* the key file, parsed */
    ngx_uint_t             nconfs;
} ngx_http_ocs_auth_loc_conf_t;


/* what a directory said about a user, filled in a pool thread */


/* ngx_http_ocs_auth_page.c: the sign-in location's handler */
ngx_int_t ngx_http_ocs_auth_signin_handler(ngx_http_request_t *r);

/* ngx_http_ocs_auth_signin.c: the first step's post, its body read (the
   caller wipes it) */
ngx_int_t ngx_http_ocs_auth_signin_post(ngx_http_request_t *r,
    ngx_str_t *body, ngx_str_t *back);

/*
 * ngx_http_ocs_auth_challenge.c: what a request without a ticket gets,
 * the sign-in page (302), Kerberos offered with a fallback page (401) or
 * a bare 401 with "WWW-Authenticate: OCS-Forms signin=..." for scripts;
 * and the sign-in page's URL with a return URL ("r")
 */
ngx_int_t ngx_http_ocs_auth_challenge(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf);
ngx_int_t ngx_http_ocs_auth_fallback_page(ngx_http_request_t *r,
    ngx_str_t *url);
ngx_int_t ngx_http_ocs_auth_signin_url(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, u_char *back, size_t len,
    ngx_str_t *url);
ngx_int_t ngx_http_ocs_auth_forms_challenge(ngx_http_request_t *r,
    ngx_str_t *url);
/* a browser navigating (a page) or a script (a bare 401) */
ngx_int_t ngx_http_ocs_auth_wants_page(ngx_http_request_t *r);
/* Kerberos offered to this client, and its WWW-Authenticate headers */
ngx_int_t ngx_http_ocs_auth_negotiate_offered(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf);
ngx_int_t ngx_http_ocs_auth_negotiate_challenge(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf);

/* ngx_http_ocs_auth_signin.c: the checked return URL of a sign-in */
void ngx_http_ocs_auth_return(ngx_http_request_t *r, u_char *arg,
    size_t len, ngx_str_t *back);

/* ngx_http_ocs_auth_signin.c: a line of a sign-in outcome (ocs_login.h) */
void ngx_http_ocs_auth_login_log(ngx_http_request_t *r, int level,
    const char *text);

/* ngx_http_ocs_auth_signin.c: the first step's form, with its note,
   or with a message after another form of the page was posted */
ngx_int_t ngx_http_ocs_auth_signin_again(ngx_http_request_t *r,
    ngx_str_t *back);
ngx_int_t ngx_http_ocs_auth_signin_note(ngx_http_request_t *r,
    ngx_str_t *back, const char *message);

/* ngx_http_ocs_auth_note.c: a failed post's answer across a 303 */
ngx_int_t ngx_http_ocs_auth_navigating(ngx_http_request_t *r);
ngx_int_t ngx_http_ocs_auth_note_redirect(ngx_http_request_t *r,
    u_char *bind, size_t bind_len, ocs_page_note_t *note,
    const char *prefix, ngx_str_t *back);
ngx_int_t ngx_http_ocs_auth_note_take(ngx_http_request_t *r, u_char *bind,
    size_t bind_len, ocs_page_note_t *note);

/* ngx_http_ocs_auth_negotiate.c */
ngx_int_t ngx_http_ocs_auth_negotiate(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_ticket_t *t, ngx_uint_t quick);
ngx_int_t ngx_http_ocs_auth_negotiate_page(ngx_http_request_t *r,
    ngx_int_t status);
/* removes a Negotiate or NTLM Authorization header: it is the proxy's */
ngx_int_t ngx_http_ocs_auth_negotiate_forget(ngx_http_request_t *r);
ngx_int_t ngx_http_ocs_auth_negotiate_init_process(ngx_cycle_t *cycle);
ngx_int_t ngx_http_ocs_auth_identity(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_ticket_t *t, u_char *name,
    size_t len);
ngx_int_t ngx_http_ocs_auth_quick_handler(ngx_http_request_t *r);

/* ngx_http_ocs_auth_check.c: the checks of nginx -t */
ngx_int_t ngx_http_ocs_auth_check(ngx_conf_t *cf);

/* ngx_http_ocs_auth_guard.c */
char *ngx_http_ocs_auth_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
ngx_shm_zone_t *ngx_http_ocs_auth_guard_zone_add(ngx_conf_t *cf,
    ngx_str_t *name, size_t size);
time_t ngx_http_ocs_auth_guard_locked(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *account,
    ngx_uint_t codes, const char **why);
void ngx_http_ocs_auth_guard_failed(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *account,
    ngx_uint_t codes);
void ngx_http_ocs_auth_guard_succeeded(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *account,
    ngx_uint_t codes);
ngx_int_t ngx_http_ocs_auth_guard_attempt_init(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_str_t *typed,
    ocs_guard_attempt_t *a);
void ngx_http_ocs_auth_guard_settle(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_guard_attempt_t *a,
    ngx_uint_t outcome);
ngx_int_t ngx_http_ocs_auth_guard_once(ngx_http_request_t *r, u_char kind,
    u_char *data, size_t len, int64_t value, time_t expires);
ngx_int_t ngx_http_ocs_auth_lockout_admin_handler(ngx_http_request_t *r);

/* ngx_http_ocs_auth_factor.c */
char *ngx_http_ocs_auth_second_factor(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ocs_auth_otp_server(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ocs_auth_certificate(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_ocs_auth_cert_signin(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_ticket_t *t);
ngx_int_t ngx_http_ocs_auth_factor_check(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *ctx);
ngx_int_t ngx_http_ocs_auth_step_get(ngx_http_request_t *r,
    ngx_str_t *back);
ngx_int_t ngx_http_ocs_auth_step_post(ngx_http_request_t *r,
    ngx_str_t *body, ngx_str_t *back);
ngx_int_t ngx_http_ocs_auth_step_signout(ngx_http_request_t *r,
    ngx_str_t *body, ngx_str_t *back);

/* ngx_http_ocs_auth_conference.c: ocs_auth conference */
ngx_int_t ngx_http_ocs_auth_conference(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf);
ngx_int_t ngx_http_ocs_auth_conference_locked(ngx_http_request_t *r,
    time_t left);
ngx_int_t ngx_http_ocs_auth_participant(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_ticket_t *t);
char *ngx_http_ocs_auth_conference_digest(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ocs_auth_conference_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_ocs_auth_conference_init(ngx_conf_t *cf);
ngx_int_t ngx_http_ocs_auth_conference_init_process(ngx_cycle_t *cycle);
void ngx_http_ocs_auth_conference_exit_process(ngx_cycle_t *cycle);
char *ngx_http_ocs_auth_conference_merge(ngx_conf_t *cf,
    ngx_http_ocs_auth_loc_conf_t *prev, ngx_http_ocs_auth_loc_conf_t *conf);

/* ngx_http_ocs_auth_join.c: the join page */
ngx_int_t ngx_http_ocs_auth_join_handler(ngx_http_request_t *r);
char *ngx_http_ocs_auth_conference_join(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* ngx_http_ocs_auth_ldap.c */
char *ngx_http_ocs_auth_ldap_directory(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ocs_auth_require(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ocs_auth_remote_access(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ocs_auth_internal_networks(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ocs_auth_ldap_merge(ngx_conf_t *cf,
    ngx_http_ocs_auth_loc_conf_t *prev, ngx_http_ocs_auth_loc_conf_t *conf);
ngx_int_t ngx_http_ocs_auth_ldap_init_process(ngx_cycle_t *cycle);
void ngx_http_ocs_auth_ldap_policy_log(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf);
void ngx_http_ocs_auth_ldap_exit_process(ngx_cycle_t *cycle);

/* ocs_auth_internal_networks holds the client's address: 1 or 0 */
ngx_int_t ngx_http_ocs_auth_internal_client(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf);

/* in a pool thread: facts and group names of an account (the core's) */

/* on the event loop: the location's requirements against the ticket */
ngx_int_t ngx_http_ocs_auth_authorize(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_ticket_t *t);
ngx_int_t ngx_http_ocs_auth_recheck(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *ctx);


#endif /* NGX_HTTP_OCS_AUTH_H */
