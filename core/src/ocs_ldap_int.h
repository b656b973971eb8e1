/*
 * The directory handle's connections, shared by ocs_ldap_pool.c (the
 * pool, failover and the deadline of every network step) and
 * ocs_ldap.c (accounts).  Private to the core library.
 */

#ifndef OCS_LDAP_INT_H
#define OCS_LDAP_INT_H


#include <pthread.h>

#include <ldap.h>

#include <ocs/ocs_ldap.h>


typedef struct {
    LDAP                 *ld;
    int                   busy;
    int                   service;      /* bound as the service account */
    int                   pooled;
    size_t                url;          /* which server it talks to */
    unsigned              gen;          /* the server's generation then */
    int64_t               deadline;     /* monotonic ms: no I/O after it */
    int                   timed_out;    /* the last step met its deadline */
    struct ldap_conncb    cb;           /* puts the deadline on the socket */
} ocs_ldap_conn_t;


/*
 * What one call has learnt about the servers: a server that let a step
 * run into its deadline is not tried again in the same call.
 */
typedef struct {
    unsigned              silent;       /* a bit per URL */
} ocs_ldap_call_t;


struct ocs_ldap_s {
    ocs_ldap_conf_t       conf;
    char                 *strings;      /* one block for every string */
    size_t                strings_len;
    size_t                password_len;
    pthread_mutex_t       lock;
    size_t                good_url;     /* start with the last server that
                                           answered */
    unsigned              gen[OCS_LDAP_URLS_MAX];  /* bumped when a server
                                           goes silent: its pooled
                                           connections are dropped */
    ocs_ldap_conn_t      *conns;
    ocs_ldap_policy_t     policy;       /* the domain's lockout rules */
    unsigned              policy_version;
    int                   ad;           /* Active Directory, by its root
                                           DSE */
    int64_t               policy_read;  /* monotonic ms, 0: never */
};


/*
 * A connection bound as the service account, from the pool or a spare
 * one, on the first server that answers; NULL with err set when none
 * did.  Release every connection acquired: broken when a step failed,
 * so that it is closed (and, when it timed out, its server is avoided).
 */
ocs_ldap_conn_t *ocs_ldap_acquire(ocs_ldap_t *h, ocs_ldap_call_t *call,
    ocs_err_t *err);
void ocs_ldap_release(ocs_ldap_t *h, ocs_ldap_conn_t *c,
    ocs_ldap_call_t *call, int broken);

/* binds c as the service account again, within one timeout */
int ocs_ldap_service_bind(ocs_ldap_t *h, ocs_ldap_conn_t *c, ocs_err_t *err);

/* the next step on c may read and write for ms milliseconds */
void ocs_ldap_arm(ocs_ldap_conn_t *c, int ms);

/*
 * Sets err for a step that failed with libldap's rc, saying "no answer
 * within ... ms" when it met its deadline; returns OCS_ERR_SYS.
 */
int ocs_ldap_fail(ocs_ldap_t *h, ocs_ldap_conn_t *c, ocs_err_t *err,
    const char *step, int rc);

/* whether rc means the server, not the request, failed */
int ocs_ldap_down(int rc);

const char *ocs_ldap_url(ocs_ldap_t *h, ocs_ldap_conn_t *c);
void ocs_ldap_timeval(int ms, struct timeval *tv);
int64_t ocs_ldap_clock(void);


#endif /* OCS_LDAP_INT_H */
