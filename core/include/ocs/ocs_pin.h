/*
 * Connection-bound authentication passed through to an upstream: which
 * requests and responses bind an upstream connection to a client
 * connection (a "pinned pair"), and the limits a pair and a worker's
 * pairs live under.
 *
 * NTLM, and Negotiate when it carries NTLM or when the server trusts an
 * authenticated connection (IIS, mod_auth_gssapi's
 * GssapiConnectionBound), authenticate the TCP connection, not the
 * request.  A proxy that passes those exchanges through must therefore
 * give every later request of the client connection the same upstream
 * connection, and never give that upstream connection to another client.
 * The decisions here are pure: no allocation, no state, thread-safe.
 */

#ifndef OCS_PIN_H
#define OCS_PIN_H


#include <ocs/ocs.h>


/* an authentication scheme that binds a connection */
#define OCS_PIN_SCHEME_NONE       0
#define OCS_PIN_SCHEME_NTLM       1
#define OCS_PIN_SCHEME_NEGOTIATE  2

/* ocs_pin_admit() */
#define OCS_PIN_ADMIT             0
#define OCS_PIN_FULL              1

/* ocs_pin_after() */
#define OCS_PIN_KEEP              0    /* the pair goes on */
#define OCS_PIN_LAST              1    /* this request ends the pair */

/* the defaults and bounds of ocs_pin_limits_t */
#define OCS_PIN_MAX_DEFAULT       256
#define OCS_PIN_MAX_LIMIT         65536
#define OCS_PIN_REQUESTS_DEFAULT  10000
#define OCS_PIN_IDLE_DEFAULT      60000     /* milliseconds */
#define OCS_PIN_IDLE_LIMIT        86400000  /* a day */


/* an upstream's ocs_upstream_pin: what one worker allows */
typedef struct {
    unsigned        max;            /* pinned pairs at once, 1 or more */
    unsigned        requests;       /* requests one pair serves, 1 or more */
    int64_t         idle;           /* milliseconds a pinned upstream
                                       connection may wait for its
                                       client's next request */
} ocs_pin_limits_t;


/* fills l with the defaults above */
void ocs_pin_limits_default(ocs_pin_limits_t *l);

/*
 * Checks limits an administrator wrote.
 * Returns OCS_OK, or OCS_ERR_INVALID with err saying which limit is out
 * of its range and what the range is.
 */
int ocs_pin_limits_check(const ocs_pin_limits_t *l, ocs_err_t *err);

/*
 * The scheme of one Authorization header value (len bytes at value, not
 * NUL-terminated, may be NULL when the request has none): the token
 * before the first space or the end, compared without case, so that
 * "NTLM TlRM..." and "negotiate YII..." bind and "Basic ...", "NTLMX"
 * or "Bearer ..." do not.  Returns an OCS_PIN_SCHEME_*.
 */
int ocs_pin_credentials(const char *value, size_t len);

/*
 * The connection-bound scheme one WWW-Authenticate header value offers:
 * the value may list several challenges separated by commas, each with
 * parameters ("Negotiate, NTLM", "Basic realm=\"x\", NTLM"); a comma
 * inside a quoted string separates nothing.  Negotiate is reported when
 * both are offered.  Returns an OCS_PIN_SCHEME_*.
 */
int ocs_pin_challenge(const char *value, size_t len);

/*
 * Whether an exchange binds the upstream connection it used to its
 * client connection: a request that carried connection-bound
 * credentials (credentials: ocs_pin_credentials() of its Authorization),
 * or a 401 response that offered such a scheme (offered: the
 * ocs_pin_challenge() of its WWW-Authenticate values, or-ed).  Status is
 * the upstream's status, 0 when there was no response.  Returns 1 or 0.
 */
int ocs_pin_binds(int credentials, unsigned status, int offered);

/*
 * Whether a new pair may be made when pinned pairs are already in use
 * in this worker.  Returns OCS_PIN_ADMIT or OCS_PIN_FULL.
 */
int ocs_pin_admit(const ocs_pin_limits_t *l, unsigned pinned);

/*
 * What becomes of a pair once it has served served requests, the one
 * being started included: OCS_PIN_LAST when that request is the last
 * the limit allows (the glue then closes both connections after it, so
 * the client authenticates again on a fresh pair), else OCS_PIN_KEEP.
 */
int ocs_pin_after(const ocs_pin_limits_t *l, unsigned served);


#endif /* OCS_PIN_H */
