/*
 * Conference keys in mod_auth_ocs: AuthType OCS-Conference (Digest with
 * the conference key), the join page (SetHandler ocs-join) and the
 * participant's restricted ticket.  The counterpart of nginx's
 * ngx_http_ocs_auth_conference.c and _join.c; every decision is the
 * core's (ocs_digest.h).
 */

#ifndef OCS_AP_CONFERENCE_H
#define OCS_AP_CONFERENCE_H

#include <httpd.h>
#include <http_config.h>

#include <ocs/ocs_digest.h>

#include "ocs_ap_sso.h"


/* the conferences of one realm of a key file */
typedef struct {
    const char              *realm;
    ocs_conference_t        *confs;
    size_t                   n;
} ocs_ap_conference_realm_t;


/*
 * A key file, parsed when the directive is read: one set of conferences
 * per realm it names, since the realm a directory uses (OCSConference-
 * Realm, perhaps inherited) is known only once Apache merges, at
 * request time, where no file may be read.
 */
typedef struct {
    const char              *file;
    apr_array_header_t      *realms;     /* ocs_ap_conference_realm_t */
} ocs_ap_conference_keys_t;


typedef struct {
    const ocs_ap_conference_keys_t  *keys;    /* NULL: unset */
    const char              *realm;          /* NULL: "conference" */
    int                      algs;           /* OCS_AP_UNSET: SHA-256 */
    int64_t                  nonce_timeout;  /* OCS_AP_UNSET: 5m */
} ocs_ap_conference_dir_t;


/* this part's directives, in the module's command table */
#define OCS_AP_CONFERENCE_CMDS                                               \
    AP_INIT_TAKE1("OCSConferenceKeys", ocs_ap_conference_keys, NULL,         \
                  RSRC_CONF | ACCESS_CONF,                                   \
                  "the conference key file (ocs-conference writes it)"),    \
    AP_INIT_TAKE1("OCSConferenceRealm", ocs_ap_conference_realm, NULL,       \
                  RSRC_CONF | ACCESS_CONF,                                   \
                  "the Digest realm of the conference keys"),               \
    AP_INIT_RAW_ARGS("OCSConferenceDigest", ocs_ap_conference_digest, NULL,  \
                     RSRC_CONF | ACCESS_CONF,                                \
                     "the algorithms offered: SHA-256, SHA-512-256, MD5"),  \
    AP_INIT_TAKE1("OCSConferenceNonceTimeout",                               \
                  ocs_ap_conference_nonce_timeout, NULL,                     \
                  RSRC_CONF | ACCESS_CONF, "how long a nonce is good for"),


const char *ocs_ap_conference_keys(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_conference_realm(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_conference_digest(cmd_parms *cmd, void *mconfig,
    const char *args);
const char *ocs_ap_conference_nonce_timeout(cmd_parms *cmd, void *mconfig,
    const char *arg);

void ocs_ap_conference_dir_init(apr_pool_t *p, ocs_ap_conference_dir_t *conf);
void ocs_ap_conference_dir_merge(apr_pool_t *p, ocs_ap_conference_dir_t *conf,
    const ocs_ap_conference_dir_t *base, const ocs_ap_conference_dir_t *add);
void ocs_ap_conference_child_init(apr_pool_t *p, server_rec *s);
void ocs_ap_conference_register_hooks(apr_pool_t *p);

/* a request of an AuthType OCS-Conference directory: OK or DONE */
int ocs_ap_conference_check(request_rec *r);

/* a participant's ticket in any directory: OK (its conference) or DONE */
int ocs_ap_conference_participant(request_rec *r, ocs_ap_sso_ctx_t *ctx);

/*
 * The conferences of r's directory (its key file, of its realm), and
 * the realm; *n 0 when the directory names no file or the file has no
 * conference of the realm.
 */
const ocs_conference_t *ocs_ap_conference_list(request_rec *r, size_t *n,
    const char **realm);

/* 429 with Retry-After for an id the lockout holds: DONE */
int ocs_ap_conference_locked(request_rec *r, int64_t left);

/*
 * The lockout of a conference's id (account, len bytes) from r's
 * address, as ocs_auth_lockout counts it in nginx: the seconds the lock
 * has left (0: none, *why unset), and the outcomes counted.  Until the
 * lockout part (ocs_ap_guard) exports its checks these hold no count:
 * nothing is locked.
 */
int64_t ocs_ap_conference_guard_locked(request_rec *r, const char *account,
    size_t len, const char **why);
void ocs_ap_conference_guard_failed(request_rec *r, const char *account,
    size_t len);
void ocs_ap_conference_guard_succeeded(request_rec *r, const char *account,
    size_t len);

/* the join page (SetHandler ocs-join) and the hooks: _join.c */
int ocs_ap_conference_join_handler(request_rec *r);

#endif /* OCS_AP_CONFERENCE_H */
