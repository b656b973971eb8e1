/*
 * Lockout in mod_auth_ocs: OCSLockout, the counts kept in the shared
 * store across processes (ocs_ap_store(s, OCS_AP_STORE_GUARD)) as the
 * core's ocs_guard.h decides them, and the administrator's page
 * (SetHandler ocs-lockout-admin).
 */

#ifndef OCS_AP_GUARD_H
#define OCS_AP_GUARD_H

#include <httpd.h>
#include <http_config.h>

#include <ocs/ocs_guard.h>


/* OCSLockout, parameter by parameter: OCS_AP_UNSET for each unset */
typedef struct {
    int                  lockout;        /* 0 off, 1 on */
    int64_t              account;
    int64_t              address;
    int64_t              total;
    int64_t              window;         /* seconds */
    int64_t              lock;           /* seconds */
} ocs_ap_guard_dir_t;


/* this part's directives, in the module's command table */
#define OCS_AP_GUARD_CMDS                                                    \
    AP_INIT_TAKE_ARGV("OCSLockout", ocs_ap_guard_lockout, NULL,              \
                      RSRC_CONF | ACCESS_CONF,                               \
                      "[account=N] [address=N] [total=N] [window=TIME] "     \
                      "[lock=TIME] | off"),

const char *ocs_ap_guard_lockout(cmd_parms *cmd, void *mconfig, int argc,
    char *const argv[]);


void ocs_ap_guard_dir_init(apr_pool_t *p, ocs_ap_guard_dir_t *conf);
void ocs_ap_guard_dir_merge(apr_pool_t *p, ocs_ap_guard_dir_t *conf,
    const ocs_ap_guard_dir_t *base, const ocs_ap_guard_dir_t *add);
void ocs_ap_guard_register_hooks(apr_pool_t *p);


/*
 * Whether sign-ins of account (as typed, len bytes) from r's client are
 * refused for now: 0, or the seconds left of the lock (and which in
 * *why).  codes: the second step asks, so the lock of its codes counts.
 */
int64_t ocs_ap_guard_locked(request_rec *r, const char *account,
    size_t len, int codes, const char **why);

/* one more failed second-step code (codes) or password of account */
void ocs_ap_guard_failed(request_rec *r, const char *account, size_t len,
    int codes);

/* a second step (codes) of account succeeded: its count restarts */
void ocs_ap_guard_succeeded(request_rec *r, const char *account,
    size_t len, int codes);

/*
 * A password sign-in's part in the counts: made before the password is
 * tried (the typed name, len bytes), charged by the caller or the
 * directory's admission hook, settled after with OCS_GUARD_*.  An
 * attempt never settled counts as a failure when r ends.
 */
void ocs_ap_guard_attempt_init(request_rec *r, const char *typed,
    size_t len, ocs_guard_attempt_t *a);
void ocs_ap_guard_settle(request_rec *r, ocs_guard_attempt_t *a,
    int outcome);

#endif /* OCS_AP_GUARD_H */
