/*
 * ngx_http_ocs_sso_module's interface to the other ocs modules: tickets
 * are verified, issued, refreshed and revoked only here.
 */

#ifndef NGX_HTTP_OCS_SSO_H
#define NGX_HTTP_OCS_SSO_H


#include <ngx_http_ocs.h>

#include <ocs/ocs_session.h>


typedef struct {
    ngx_str_t              key_file;
    ocs_keyring_t         *ring;           /* NULL until keys are known */
    ocs_ticket_cache_t    *cache;          /* the ring's keyed contexts */
    ngx_shm_zone_t        *zone;
    ngx_str_t              cookie;
    ngx_str_t              csrf_cookie;    /* "__Host-" cookie "_csrf" */
    ngx_str_t              note_cookie;    /* "__Secure-" cookie "_note" */
    ocs_cookie_name_t     *strip;          /* the cookies kept from */
    ngx_uint_t             nstrip;         /* upstreams */
    ngx_uint_t             domains;        /* some level sets a domain */
    ngx_array_t           *default_headers;    /* ocs_sso_strip_headers */
    ngx_int_t              http_cookie;    /* $http_cookie's index */
    ngx_uint_t             used;           /* some location needs tickets */
    ngx_uint_t             hide;           /* some location's upstream must
                                              not get them */
    time_t                 max_lifetime;   /* the longest ocs_sso_lifetime */
    ngx_array_t            services;       /* service ids, at most 16 */
} ngx_http_ocs_sso_main_conf_t;


/* the limits of a computer class, chosen on the sign-in page */
typedef struct {
    time_t                 idle;
    time_t                 lifetime;
    ngx_flag_t             persistent;     /* cookie outlives the browser */
} ngx_http_ocs_sso_class_t;


typedef struct {
    time_t                 lifetime;       /* -1: the class's */
    time_t                 idle;           /* -1: the class's; 0: none */
    time_t                 refresh;
    ngx_http_ocs_sso_class_t  computer[2]; /* OCS_COMPUTER_PUBLIC, PRIVATE */
    ngx_str_t              service;        /* "" for none */
    uint32_t               service_id;
    time_t                 service_idle;
    ngx_str_t              cookie_domain;
    ngx_str_t              identity_header;
    ngx_array_t           *strip_headers;  /* ngx_str_t; NULL: off */
    ngx_flag_t             pass_cookies;
    ocs_session_policy_t   policy;         /* the above, merged, for core */
} ngx_http_ocs_sso_loc_conf_t;


/* the result of looking at the request's ticket, once per request */
#define NGX_HTTP_OCS_SSO_NONE      0   /* no ticket cookie */
#define NGX_HTTP_OCS_SSO_VALID     1
#define NGX_HTTP_OCS_SSO_BAD       2   /* garbage, tampered, wrong key */
#define NGX_HTTP_OCS_SSO_EXPIRED   3   /* lifetime or idle timeout */
#define NGX_HTTP_OCS_SSO_REVOKED   4

typedef struct {
    ngx_uint_t             state;
    ngx_uint_t             opened;         /* ticket holds a decrypted one */
    ngx_uint_t             rechecked;      /* the directory was asked */
    ngx_uint_t             clear;          /* the session ended: clear the
                                              cookies on the response */
    ocs_ticket_t           ticket;
    ngx_str_t              refresh;        /* Set-Cookie value to send */
} ngx_http_ocs_sso_ctx_t;


/*
 * Verifies the request's ticket against the location's limits and the
 * revocation zone.  Returns the ctx (see state) or NULL on memory
 * failure.  A valid ticket that is due gets a refreshed cookie.
 */
ngx_http_ocs_sso_ctx_t *ngx_http_ocs_sso_verify(ngx_http_request_t *r);

/*
 * Decrypts the request's ticket without applying limits or revocations,
 * for logoff.  Returns NGX_OK with t filled, or NGX_DECLINED.
 */
ngx_int_t ngx_http_ocs_sso_open(ngx_http_request_t *r, ocs_ticket_t *t);

/*
 * Issues a ticket for the identity in proto (user, methods, computer and
 * the directory fields) and sets its cookie on the response; the session
 * id and times are filled in here.  The request then carries the new
 * ticket (its ctx is valid, and the $ocs_* variables show it), so that
 * one that signs in with Kerberos goes on as the user.  proto's session
 * id is wiped; the ctx keeps a copy.
 */
ngx_int_t ngx_http_ocs_sso_issue(ngx_http_request_t *r, ocs_ticket_t *proto);

/* seals the request's changed ticket into a refreshed cookie */
ngx_int_t ngx_http_ocs_sso_update(ngx_http_request_t *r,
    ngx_http_ocs_sso_ctx_t *ctx);

/* revokes the session in the shared zone until the ticket would expire */
ngx_int_t ngx_http_ocs_sso_revoke(ngx_http_request_t *r, ocs_ticket_t *t);

/* ends every session of the user that started until now ("everywhere") */
ngx_int_t ngx_http_ocs_sso_revoke_user(ngx_http_request_t *r,
    const char *user, size_t len);

/* expires the ticket cookie (same name, path and domain) */
ngx_int_t ngx_http_ocs_sso_clear_cookie(ngx_http_request_t *r);

/* replaces client copies of the identity header with the verified user */
ngx_int_t ngx_http_ocs_sso_pass_identity(ngx_http_request_t *r,
    ocs_ticket_t *t);

ocs_keyring_t *ngx_http_ocs_sso_keyring(ngx_http_request_t *r);
ocs_ticket_cache_t *ngx_http_ocs_sso_cache(ngx_http_request_t *r);
/* the ticket cookie's name, that of the sign-in nonce, or of a page's
   note (ngx_http_ocs_auth_note_redirect()) */
#define NGX_HTTP_OCS_SSO_COOKIE_TICKET   0
#define NGX_HTTP_OCS_SSO_COOKIE_CSRF     1
#define NGX_HTTP_OCS_SSO_COOKIE_NOTE     2

ngx_str_t *ngx_http_ocs_sso_cookie_name(ngx_http_request_t *r,
    ngx_uint_t which);

/*
 * The limits a session of the computer class (OCS_COMPUTER_*) signed in
 * at this location gets, as the sign-in page states them: the
 * location's ocs_sso_idle_timeout and ocs_sso_lifetime when set, else
 * the class's (idle 0: none).
 */
void ngx_http_ocs_sso_class_limits(ngx_http_request_t *r,
    ngx_uint_t computer, ngx_http_ocs_sso_class_t *limits);

/* a configuration-time hook: some location needs tickets */
void ngx_http_ocs_sso_require(ngx_conf_t *cf);

/*
 * A configuration-time hook: some location publishes a service without
 * tickets (ocs_publish), whose upstream must not get the modules'
 * cookies or the headers like the identity header either, even where
 * no location of the http block issues tickets: another proxy under a
 * shared cookie domain may have.
 */
void ngx_http_ocs_sso_hide(ngx_conf_t *cf);


/*
 * The revocation zone, ngx_http_ocs_sso_zone.c: the store of the
 * revocations (ocs/ocs_revoke.h), which keeps its records.
 * ngx_http_ocs_sso_zone_store() gives the zone's store, valid as long
 * as the cycle.  ngx_http_ocs_sso_zone_revoke() and _revoke_user()
 * revoke a session until its ticket expires, or every session of a
 * user that started until now for lifetime seconds (at least as long
 * as the longest lifetime seen since the zone began), logging a full
 * zone's fallback; they return NGX_OK, or NGX_ERROR when nothing could
 * be revoked (a bad user name, a zone too small for one record).
 */
ngx_shm_zone_t *ngx_http_ocs_sso_zone_add(ngx_conf_t *cf, ngx_str_t *name,
    size_t size, ngx_http_ocs_sso_main_conf_t *smcf);
const ocs_store_t *ngx_http_ocs_sso_zone_store(ngx_shm_zone_t *zone);
ngx_int_t ngx_http_ocs_sso_zone_revoke(ngx_shm_zone_t *zone,
    ocs_ticket_t *t, ngx_log_t *log);
ngx_int_t ngx_http_ocs_sso_zone_revoke_user(ngx_shm_zone_t *zone,
    const char *user, size_t len, time_t lifetime, ngx_log_t *log);


#endif /* NGX_HTTP_OCS_SSO_H */
