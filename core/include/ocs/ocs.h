/*
 * ocs core: server-neutral building blocks of the authenticating proxy.
 *
 * Nothing here includes nginx or Apache headers.  The library keeps no
 * mutable global state: everything lives in caller-owned handles, time
 * and randomness come from an ocs_env_t, and errors come back in an
 * ocs_err_t that the caller logs (the core never prints).
 */

#ifndef OCS_OCS_H
#define OCS_OCS_H


#include <stddef.h>
#include <stdint.h>


#define OCS_VERSION  "0.1.0"


/* return codes shared by every core function */
#define OCS_OK             0
#define OCS_ERR_INVALID   -1   /* malformed input */
#define OCS_ERR_AUTH      -2   /* authentication failed: tag, MAC, password */
#define OCS_ERR_EXPIRED   -3   /* valid but too old */
#define OCS_ERR_NOTFOUND  -4   /* no such key, field or entry */
#define OCS_ERR_SPACE     -5   /* caller's buffer too small */
#define OCS_ERR_SYS       -6   /* a system or library call failed */
#define OCS_ERR_IDLE      -7   /* valid but idle for too long */


typedef struct {
    int         code;
    char        text[160];
} ocs_err_t;


/*
 * The environment: where the core gets the time and random bytes.
 * now() returns seconds since the epoch; random() fills buf and returns
 * OCS_OK or OCS_ERR_SYS.  Tests pass their own to freeze time.
 */
typedef struct {
    int64_t   (*now)(void *data);
    int       (*random)(void *data, unsigned char *buf, size_t len);
    void       *data;
} ocs_env_t;


/*
 * One-time library set-up (OpenSSL, libcurl), before any thread uses
 * the library.  Safe to call more than once.
 * Returns OCS_OK or OCS_ERR_SYS.
 */
int ocs_init(void);

/* wall clock and OpenSSL's RAND_bytes; the returned struct is constant */
const ocs_env_t *ocs_env_default(void);

/*
 * Sets err (when not NULL) to code and a printf-style message, and returns
 * code, so that callers can write "return ocs_err(err, ...)".
 */
int ocs_err(ocs_err_t *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* a short lowercase name for a return code: "invalid", "expired", ... */
const char *ocs_strerror(int code);

/* wipes len bytes at p in a way the compiler cannot drop */
void ocs_wipe(void *p, size_t len);

/* constant-time comparison: 0 when equal */
int ocs_memeq_ct(const void *a, const void *b, size_t len);

/*
 * Time arithmetic that cannot overflow: a - b and a + b, saturated at
 * INT64_MIN and INT64_MAX.  For times that come from outside (a ticket,
 * a clock, a configured interval), where a plain subtraction would be
 * undefined behaviour for values far apart.
 */
int64_t ocs_time_diff(int64_t a, int64_t b);
int64_t ocs_time_add(int64_t a, int64_t b);


#endif /* OCS_OCS_H */
