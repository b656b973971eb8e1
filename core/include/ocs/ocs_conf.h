/*
 * Configuration: the defaults of the directives and the rules that tie
 * them together, over plain values, so that nginx -t and the Apache
 * module refuse the same mistakes with the same words.
 *
 * The texts returned here are what the server prints: nginx as
 * "[emerg] <text> in <file>:<line>", or, for the fragments of the
 * ocs_conf_check_*() functions, as "\"<directive>\" directive <text>".
 *
 * Every function is pure and thread-safe: no allocation, no state.
 */

#ifndef OCS_CONF_H
#define OCS_CONF_H


#include <ocs/ocs.h>


/* defaults */

#define OCS_CONF_SIGNIN_URL        "/ocs/signin"
#define OCS_CONF_DEFAULT_RETURN    "/"
#define OCS_CONF_HTTPS_PORT        443
#define OCS_CONF_THREAD_POOL       "default"

/*
 * Below the lowest lockout threshold AD deployments use (5), so that the
 * proxy locks before the directory even when it cannot read the
 * directory's own threshold; when it can, it stays below that.
 */
#define OCS_CONF_LOCKOUT           1          /* on */
#define OCS_CONF_LOCK_ACCOUNT      4          /* per account and address */
#define OCS_CONF_LOCK_ADDRESS      30         /* per address */
#define OCS_CONF_LOCK_TOTAL        0          /* per account: off */
#define OCS_CONF_LOCK_WINDOW       900        /* seconds */
#define OCS_CONF_LOCK_TIME         900        /* seconds */

#define OCS_CONF_NEGOTIATE_MAX     (48 * 1024)   /* largest token */
#define OCS_CONF_KRB5_TIMEOUT      5000          /* per KDC, milliseconds */
#define OCS_CONF_GUARD_ZONE_SIZE   (1024 * 1024) /* the implicit zone */
#define OCS_CONF_GUARD_ZONE_NAME   "ocs_auth"
#define OCS_CONF_TEMPLATE_MAX      (64 * 1024)   /* page templates */

/* not "cookies": that clears every cookie of the site, other services' */
#define OCS_CONF_CLEAR_SITE_DATA   "\"cache\", \"storage\""

#define OCS_CONF_PORT_MIN          1
#define OCS_CONF_PORT_MAX          65535

/* the room ocs_conf_check() needs besides the two keytab names */
#define OCS_CONF_MSG_MAX           256


/*
 * One location's settings as the rules see them, after inheritance.
 * Flags are 0 or 1.
 */
typedef struct {
    int            protect;        /* ocs_auth forms or conference */
    int            conference;     /* ocs_auth conference */
    int            signin;         /* ocs_auth_signin */
    int            quick;          /* ocs_auth_quick_signin */
    int            signin_sip;     /* ocs_auth_signin_sip: -1 unset, 0, 1 */
    int            directory;      /* ocs_auth_ldap names a directory */
    int            requirements;   /* ocs_auth_require or _remote_access */
    int            internal;       /* ocs_auth_internal_networks */
    int            negotiate;      /* ocs_auth_negotiate on */
    int            ntlm;           /* ocs_auth_ntlm on */
    int            krb5_password;  /* ocs_auth_kerberos_password on */
    int            user_file;      /* ocs_auth_user_file */
    int            certificate;    /* ocs_auth_certificate, not off */
    int            totp;           /* ocs_auth_totp on */
    int            otp;            /* ocs_auth_otp_server */
    int            lockout;        /* ocs_auth_lockout, not off */
    unsigned       second;         /* ocs_auth_second_factor: OCS_METHOD_* */

    /* ocs_auth_keytab, as a full path; NULL or "" for none */
    const char    *keytab;
    size_t         keytab_len;

    /* the keytab of the locations with NTLM on so far; NULL for none */
    const char    *ntlm_keytab;
    size_t         ntlm_keytab_len;
} ocs_conf_loc_t;


/* what a location needs, from ocs_conf_needs() */
#define OCS_CONF_NEED_SESSION     0x01  /* the ticket machinery */
#define OCS_CONF_NEED_GUARD       0x02  /* the zone of counts and locks */
#define OCS_CONF_NEED_THREADS     0x04  /* a thread pool */
#define OCS_CONF_NEED_KEYTAB      0x08  /* a keytab, read as a full path */
#define OCS_CONF_NEED_NTLM        0x10  /* its keytab is NTLM's */

/*
 * What the location's settings need from the server: a bit mask of
 * OCS_CONF_NEED_*.  Kerberos, sign-ins and re-checks with a directory
 * block, so they need a thread pool; counting sign-in attempts and
 * remembering used codes need the guard zone.  Ignores the keytab
 * names, so that the caller can call it before it makes them full.
 */
unsigned ocs_conf_needs(const ocs_conf_loc_t *c);

/*
 * Checks the location's settings against each other: a sign-in address
 * without a directory, a certificate step without a certificate source,
 * Kerberos without a keytab, internal networks or (for directory
 * requirements) a directory, NTLM with two keytabs, a sign-in page
 * without anything to check passwords with.  The rules apply in the
 * order nginx has always checked them; the first one broken is told.
 *
 * Returns OCS_OK, or OCS_ERR_INVALID with the message in msg,
 * NUL-terminated (cut to size: OCS_CONF_MSG_MAX plus the two keytab
 * lengths always hold it).  msg is the caller's.
 */
int ocs_conf_check(const ocs_conf_loc_t *c, char *msg, size_t size);


/*
 * A URL written into headers and pages (ocs_auth_signin_url,
 * ocs_auth_default_return): a path or an https:// URL, without spaces,
 * control characters, quotes or backslashes.  Returns NULL when it is
 * one, or a static fragment ("must be ...", "has ...").
 */
const char *ocs_conf_check_url(const char *url, size_t len);

/* ocs_logoff_redirect: also http://; NULL or a static fragment */
const char *ocs_conf_check_redirect(const char *url, size_t len);

/*
 * An ocs_auth_return_hosts entry: a host or host:port, no "/" or "@".
 * Returns OCS_OK or OCS_ERR_INVALID.
 */
int ocs_conf_check_return_host(const char *host, size_t len);

/*
 * An ocs_auth_app_logoff pattern: a path ("/...") or a query argument
 * ("?name" or "?name=value").  Returns OCS_OK or OCS_ERR_INVALID.
 */
int ocs_conf_check_app_logoff(const char *pattern, size_t len);

/*
 * ocs_site_name: 1 to OCS_CONF_SITE_NAME_MAX bytes without a control
 * character.  Returns NULL when it is, or a static fragment.
 */
const char *ocs_conf_check_site_name(const char *name, size_t len);

#define OCS_CONF_SITE_NAME_MAX     256

/*
 * ocs_site_logo: a path on this site ("/logo.png"; "//host" and "/\host"
 * are other hosts to a browser), printable ASCII.  Returns OCS_OK, or
 * OCS_ERR_INVALID with *fragment NULL for a path that is not on this
 * site (the server says why: OCS_CONF_SITE_LOGO_USAGE) or a static
 * fragment for a character not allowed.
 */
int ocs_conf_check_site_logo(const char *path, size_t len,
    const char **fragment);

#define OCS_CONF_SITE_LOGO_USAGE                                             \
    "use a path on this site such as /logo.png (the pages' "                 \
    "Content-Security-Policy allows images from their own origin only)"

/* whether port is a TCP port: OCS_OK or OCS_ERR_INVALID */
int ocs_conf_check_port(int64_t port);

/*
 * An ocs_logoff_clear_site_data type: cache, storage, cookies,
 * executionContexts or *.  Returns OCS_OK or OCS_ERR_INVALID.
 */
int ocs_conf_check_clear_site(const char *type, size_t len);

/*
 * The Strict-Transport-Security value for max_age seconds, with
 * includeSubDomains when include is set: "max-age=N[; includeSubDomains]"
 * into out (not NUL-terminated), *written its length.  Returns OCS_OK,
 * OCS_ERR_INVALID (a negative age) or OCS_ERR_SPACE.
 */
int ocs_conf_hsts(int64_t max_age, int include, char *out, size_t size,
    size_t *written);

/* the longest value ocs_conf_hsts() writes */
#define OCS_CONF_HSTS_MAX  (sizeof("max-age=; includeSubDomains") + 20)


/* the parameters of ocs_auth_lockout, in the order of the table */
#define OCS_CONF_LOCKOUT_ACCOUNT   0
#define OCS_CONF_LOCKOUT_ADDRESS   1
#define OCS_CONF_LOCKOUT_TOTAL     2
#define OCS_CONF_LOCKOUT_WINDOW    3
#define OCS_CONF_LOCKOUT_LOCK      4
#define OCS_CONF_LOCKOUT_PARAMS    5

/* a "name=value" parameter of a directive */
typedef struct {
    const char    *name;           /* "account" */
    int            time;           /* the value is a time, else a count */
    int64_t        min;            /* the smallest value allowed */
} ocs_conf_param_t;

/* account=N address=N total=N window=TIME lock=TIME */
extern const ocs_conf_param_t  ocs_conf_lockout_params[OCS_CONF_LOCKOUT_PARAMS];

/* what the parameters of ocs_auth_lockout are, for its message */
#define OCS_CONF_LOCKOUT_USAGE                                               \
    "use account=N, address=N, total=N, window=TIME, lock=TIME or off"

/*
 * Which of the n params arg ("name=value", len bytes) sets: its index,
 * with *value and *vlen the value's bytes in arg (never empty), or -1
 * for none.
 */
int ocs_conf_param_find(const ocs_conf_param_t *params, size_t n,
    const char *arg, size_t len, const char **value, size_t *vlen);

/*
 * Whether value, as the server parsed it (negative: it could not), is
 * allowed for param.  Returns OCS_OK or OCS_ERR_INVALID.
 */
int ocs_conf_param_check(const ocs_conf_param_t *param, int64_t value);


/*
 * A time as nginx writes one in its configuration ("90", "30s", "15m",
 * "1h30m", "7d", "1w", "1M", "1y"): numbers each followed by a unit
 * (y M w d h m s; none: seconds), the units in decreasing order, each
 * once, optionally separated by spaces, so that both servers read the
 * same text the same way.  Returns OCS_OK with *sec set, or
 * OCS_ERR_INVALID (empty, unknown unit, units out of order, over
 * OCS_CONF_TIME_MAX).
 */
#define OCS_CONF_TIME_MAX  INT64_C(0x7fffffff)

int ocs_conf_parse_time(const char *s, size_t len, int64_t *sec);

/*
 * A size as nginx writes one ("512", "64k", "10m", "1g"): OCS_OK with
 * *size set, or OCS_ERR_INVALID.
 */
int ocs_conf_parse_size(const char *s, size_t len, int64_t *size);


#endif /* OCS_CONF_H */
