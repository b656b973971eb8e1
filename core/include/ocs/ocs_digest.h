/*
 * HTTP Digest (RFC 7616) for conference-key access.
 *
 * A participant who is not in the directory holds a conference key; a
 * client proves it with Digest, the conference's id as the user name.
 * What is here is server-neutral and allocation-free:
 *
 *   - a strict, bounded parser of "Authorization: Digest ..." (auth-param
 *     lists as RFC 7235 §2.1 has them: token or quoted-string values,
 *     quoted-pairs unescaped, duplicate parameters refused, control
 *     characters and anything over OCS_DIGEST_HEADER_MAX refused, unknown
 *     parameters ignored);
 *   - stateless nonces MACed with a key ring (ocs_keyring.h: the first
 *     key seals, every key opens) and carrying their time, so that a
 *     server keeps no state for a nonce it handed out but its nc window;
 *   - the nc replay window per nonce, kept in a store (ocs_store.h);
 *   - the verification: SHA-256, SHA-512-256 and (only when the caller
 *     enables it) MD5, qop=auth, userhash, the response compared in
 *     constant time, the digest uri equal to the request target;
 *   - the challenge: one WWW-Authenticate value per algorithm, strongest
 *     first (RFC 7616 §3.7);
 *   - the conference key file: per conference an id, the paths it
 *     covers, H(A1) per algorithm (as htdigest stores it: never the key)
 *     and a crypt(5) hash of the key for the join page.
 *
 * The nc window.  A nonce's record is made when the nonce is handed out
 * (ocs_digest_nonce_issue()), keyed by 'N' and the nonce's 128-bit MAC;
 * it holds the highest nc seen and a 64-bit map of the nc values below
 * it that were seen (RFC 4303 §3.4.3's anti-replay window): requests
 * that arrive out of order pass, a repeated nc fails.  A nonce without
 * a record (dropped because the store was full, made by another server,
 * or from before a restart) is answered stale=true, so the client retries
 * at once with a fresh nonce, whose record the store has just made room
 * for (a full store drops the least recently written records first).
 * So a full store never lets a request in without its check (no fail
 * open), and never refuses everyone (the newest nonces always have their
 * records); only a store of no capacity at all refuses every nonce, and
 * the caller logs that.
 *
 * Thread-safety: every function is pure or takes the store's lock for
 * one step of its own; any thread may call them.
 */

#ifndef OCS_DIGEST_H
#define OCS_DIGEST_H


#include <ocs/ocs.h>
#include <ocs/ocs_keyring.h>
#include <ocs/ocs_store.h>


/* algorithms, as bits of a set; the strongest has the highest bit */
#define OCS_DIGEST_MD5           0x01
#define OCS_DIGEST_SHA256        0x02
#define OCS_DIGEST_SHA512_256    0x04
#define OCS_DIGEST_ALGS          3       /* how many there are */

#define OCS_DIGEST_HASH_MAX      32      /* the longest H() in bytes */
#define OCS_DIGEST_HEADER_MAX    4096    /* the longest header parsed */
#define OCS_DIGEST_PARAMS_MAX    24      /* parameters in one header */
#define OCS_DIGEST_USER_MAX      256     /* username after unescaping */
#define OCS_DIGEST_CNONCE_MAX    256
#define OCS_DIGEST_REALM_MAX     64      /* with the nonce, a CSRF input */

/*
 * A nonce: 8 bytes of time, 12 random, and the 32 of their HMAC (with
 * the realm's) under the ring's CSRF key, in hex.  Its window's key is
 * the first OCS_DIGEST_MAC_LEN bytes of the HMAC.
 */
#define OCS_DIGEST_NONCE_RAW     52
#define OCS_DIGEST_NONCE_LEN     (2 * OCS_DIGEST_NONCE_RAW)
#define OCS_DIGEST_MAC_LEN       16

/* the store's key of a nonce's nc window */
#define OCS_DIGEST_KIND          'N'
#define OCS_DIGEST_WINDOW        64      /* nc values below the highest */

/* one challenge value ("Digest realm=..."), without the header name */
#define OCS_DIGEST_CHALLENGE_MAX (OCS_DIGEST_REALM_MAX * 2 + 256)

/* a conference */
#define OCS_CONF_ID_MAX          64
#define OCS_CONF_PATHS_MAX       512     /* its paths, comma-separated */
#define OCS_CONF_HASH_MAX        256     /* the join page's crypt(5) hash */
#define OCS_CONF_LINE_MAX        2048
#define OCS_CONF_USER_PREFIX     "anonymous:"
#define OCS_CONF_USER_MAX        (sizeof(OCS_CONF_USER_PREFIX) - 1           \
                                  + OCS_CONF_ID_MAX)


/* what ocs_digest_verify() found */
#define OCS_DIGEST_PASS          0       /* the key is right: let it in */
#define OCS_DIGEST_FAIL          1       /* a wrong key or unknown id */
#define OCS_DIGEST_STALE         2       /* right key, nonce too old or
                                            without its window: stale=true */
#define OCS_DIGEST_REPLAY        3       /* right key, nc seen before */
#define OCS_DIGEST_BAD           4       /* not for us: realm, uri,
                                            algorithm, qop not as offered */


/* a parameter's value: into the caller's ocs_digest_cred_t */
typedef struct {
    const char     *data;            /* NULL: the parameter was absent */
    size_t          len;
} ocs_digest_str_t;


/* the parameters of an Authorization: Digest header, unescaped */
typedef struct {
    ocs_digest_str_t   username;
    ocs_digest_str_t   realm;
    ocs_digest_str_t   nonce;
    ocs_digest_str_t   uri;
    ocs_digest_str_t   response;
    ocs_digest_str_t   algorithm;
    ocs_digest_str_t   cnonce;
    ocs_digest_str_t   opaque;
    ocs_digest_str_t   qop;
    ocs_digest_str_t   nc;
    ocs_digest_str_t   userhash;
    unsigned           ext;          /* username* (RFC 8187), decoded */
    size_t             used;
    char               buf[OCS_DIGEST_HEADER_MAX];   /* the values */
} ocs_digest_cred_t;


/* one conference of the key file */
typedef struct {
    char               id[OCS_CONF_ID_MAX + 1];
    size_t             id_len;
    char               paths[OCS_CONF_PATHS_MAX + 1];
    size_t             paths_len;
    unsigned           algs;         /* OCS_DIGEST_*: which HA1 there are */
    unsigned char      ha1[OCS_DIGEST_ALGS][OCS_DIGEST_HASH_MAX];
    unsigned char      uhash[OCS_DIGEST_ALGS][OCS_DIGEST_HASH_MAX];
    char               join[OCS_CONF_HASH_MAX + 1];   /* "" for none */
} ocs_conference_t;


/*
 * The hash algorithms fetched once, and one hashing context: without
 * them OpenSSL 3 fetches the algorithm again for every hash (most of a
 * short hash's cost).  For one thread at a time.
 */
typedef struct ocs_digest_hashes_s  ocs_digest_hashes_t;


/* a location's Digest set-up; the caller owns every pointer */
typedef struct {
    const char              *realm;          /* NUL-terminated */
    size_t                   realm_len;
    unsigned                 algs;           /* offered: OCS_DIGEST_* */
    int64_t                  max_age;        /* nonce lifetime, seconds */
    const ocs_keyring_t     *ring;           /* seals and opens nonces */
    ocs_ticket_cache_t      *cache;          /* ring's, or NULL; one
                                                thread at a time */
    const ocs_store_t       *store;          /* nc windows; NULL: none
                                                (every nonce stale) */
    ocs_digest_hashes_t     *hashes;         /* or NULL */
    const ocs_env_t         *env;
    const ocs_conference_t  *confs;
    size_t                   nconfs;
} ocs_digest_conf_t;


/*
 * Parses the value of an Authorization header (len bytes at in, the
 * scheme included: "Digest username=..."; the scheme's case does not
 * matter) into *cred, which keeps the unescaped values in its own
 * buffer.  Refuses (OCS_ERR_INVALID): another scheme, anything longer
 * than OCS_DIGEST_HEADER_MAX, a control character (NUL, CR, LF, ...)
 * outside a quoted-pair's HTAB, an unterminated quoted-string, a
 * backslash ending it, a parameter without "=", a name that is not a
 * token, an empty list element, more than OCS_DIGEST_PARAMS_MAX
 * parameters, any parameter named twice (names compared without case;
 * username and username* count as one), a username* that is not
 * UTF-8''pct-encoded, and values over their bounds (username, cnonce,
 * realm).  Unknown parameters are checked for syntax and ignored.
 * Returns OCS_OK or OCS_ERR_INVALID (err says what).  Pure.
 */
int ocs_digest_parse(const char *in, size_t len, ocs_digest_cred_t *cred,
    ocs_err_t *err);

/*
 * A fresh nonce for conf's realm into out (OCS_DIGEST_NONCE_LEN bytes
 * and a NUL): now, random bytes from env, MACed with the ring's first
 * key; and its nc window made in the store.  Returns OCS_OK; OCS_ERR_
 * SPACE when the store had no room for the window (the nonce is still
 * made; a request with it will be answered stale, and the caller
 * logs); OCS_ERR_NOTFOUND for an empty ring; OCS_ERR_SYS when random
 * bytes or the MAC fail.
 */
int ocs_digest_nonce_issue(const ocs_digest_conf_t *conf, char *out,
    size_t outlen, ocs_err_t *err);

/*
 * Whether nonce (len bytes) is one of ours for conf's realm and younger
 * than conf->max_age: OCS_OK; OCS_ERR_EXPIRED when too old (or the ring
 * is empty); OCS_ERR_AUTH when no key of the ring made its MAC (a forgery,
 * or a key that has left the ring) or it is from the future;
 * OCS_ERR_INVALID when it is not a nonce at all.
 * *mac (when not NULL, OCS_DIGEST_MAC_LEN bytes) gets its MAC, the key
 * of its window.  Pure.
 */
int ocs_digest_nonce_check(const ocs_digest_conf_t *conf, const char *nonce,
    size_t len, unsigned char *mac);

/*
 * Records nc for the nonce with MAC mac in the store: OCS_OK when nc
 * is new (above the highest, or below it within the window and not
 * seen); OCS_ERR_AUTH when seen before or too far below the highest
 * (a replay); OCS_ERR_NOTFOUND when the nonce has no window (stale);
 * OCS_ERR_SPACE when the window could not be written back (stale, and
 * the caller logs).  nc 0 is never new.
 */
int ocs_digest_nc_use(const ocs_digest_conf_t *conf,
    const unsigned char *mac, uint32_t nc);

/*
 * Verifies the credentials of a request with method (e.g. "GET") and
 * target (the request line's target, exactly as the client sent it):
 * the conference by username (or by H(id:realm) when userhash=true),
 * the realm and algorithm as offered, qop=auth with nc and cnonce, the
 * uri equal to target, the response compared in constant time, and
 * only then the nonce's age and the nc window.  An unknown id is
 * checked against a decoy so that it takes as long as a wrong key.
 * Returns one of OCS_DIGEST_*; *conf_out gets the conference named (by
 * id or userhash; NULL for an unknown one, and for BAD), so that a
 * failure counts against the conference however it was named; *alg the
 * algorithm used (0 for BAD); err a short reason (never a secret) for
 * anything but PASS.
 */
int ocs_digest_verify(const ocs_digest_conf_t *conf,
    const ocs_digest_cred_t *cred, const char *method, size_t method_len,
    const char *target, size_t target_len,
    const ocs_conference_t **conf_out, unsigned *alg, ocs_err_t *err);

/*
 * One WWW-Authenticate value for algorithm alg (one bit) with nonce
 * (from ocs_digest_nonce_issue()), stale=true when stale, into out
 * (NUL-terminated): realm, qop="auth", algorithm, nonce, opaque-free,
 * charset=UTF-8 and userhash=true.  The caller sends one per bit of
 * conf->algs, strongest first (ocs_digest_alg_next()).  Returns the
 * value's length, or 0 when outlen is too small.  Pure.
 */
size_t ocs_digest_challenge(const ocs_digest_conf_t *conf, unsigned alg,
    const char *nonce, int stale, char *out, size_t outlen);

/*
 * The strongest algorithm of the set algs below before (0 to start):
 * SHA-512-256, SHA-256, MD5; 0 when none is left.  Pure.
 */
unsigned ocs_digest_alg_next(unsigned algs, unsigned before);

/* the RFC 7616 name of one algorithm ("SHA-256"), or NULL */
const char *ocs_digest_alg_name(unsigned alg);

/*
 * The slot of one algorithm in ocs_conference_t's ha1 and uhash: 0 for
 * SHA-256, 1 for SHA-512-256, 2 for MD5; -1 for none.
 */
int ocs_digest_alg_index(unsigned alg);

/* the bytes of one algorithm's H(), 0 for none */
size_t ocs_digest_alg_len(unsigned alg);

/*
 * H(data) with algorithm alg as lowercase hex into out (2 * alg_len
 * bytes and a NUL); data is parts of lengths lens, joined with ':'.
 * Returns OCS_OK, OCS_ERR_INVALID (no such algorithm) or OCS_ERR_SYS.
 * Pure; the caller wipes out when it is a secret (an HA1).
 */
int ocs_digest_hash_hex(unsigned alg, const char *const *parts,
    const size_t *lens, size_t nparts, char *out);

/*
 * Fetches the algorithms and makes the context.  Returns NULL (and err)
 * when OpenSSL fails; an algorithm the library does not have (MD5 under
 * a FIPS provider) is left out, and hashing with it then fails.  The
 * caller destroys the handle.
 */
ocs_digest_hashes_t *ocs_digest_hashes_create(ocs_err_t *err);

/* frees what create made; NULL is fine */
void ocs_digest_hashes_destroy(ocs_digest_hashes_t *h);

/*
 * Parses one line of the conference key file into *c:
 *
 *   id:realm:paths:sha256-HA1:sha512-256-HA1:md5-HA1:join-hash
 *
 * id: letters, digits, '-', '_' and '.', at most OCS_CONF_ID_MAX; paths:
 * comma-separated absolute path prefixes; the HA1 fields in lowercase
 * or uppercase hex (any may be empty, not all); join-hash a crypt(5)
 * hash, or empty for no join page.  Returns OCS_OK; OCS_ERR_NOTFOUND
 * for a line of another realm (skipped, as htdigest's users of other
 * realms are); OCS_ERR_INVALID (err says which field).  Pure.
 */
int ocs_conference_parse_line(const char *line, size_t len,
    const char *realm, size_t realm_len, ocs_conference_t *c,
    ocs_err_t *err);

/*
 * Parses a whole key file (text, len bytes) of conferences of realm
 * into out (at most max): blank lines and lines starting with '#'
 * skipped.  *n gets how many were read.  Refuses a duplicate id.
 * Returns OCS_OK, OCS_ERR_SPACE (more than max: *n is the count the
 * file needs, for a second call), or OCS_ERR_INVALID with the line
 * number in err.  Pure.
 */
int ocs_conference_parse(const char *text, size_t len, const char *realm,
    size_t realm_len, ocs_conference_t *out, size_t max, size_t *n,
    ocs_err_t *err);

/*
 * Formats one line of the key file (the inverse of parse_line) for id,
 * realm, paths and key, with HA1 for each algorithm of algs and the
 * crypt(5) join hash join ("" for none), into out, NUL-terminated, a
 * "\n" ending it.  Returns the length, or 0 when something does not fit
 * or is invalid.  The caller wipes key; the line holds no secret that
 * a guess could not be checked against (as htdigest).
 */
size_t ocs_conference_format(const char *id, const char *realm,
    const char *paths, const char *key, unsigned algs, const char *join,
    char *out, size_t outlen);

/*
 * Whether conference c covers path (len bytes, decoded and normalised,
 * as the server matched locations with): path equals one of its prefixes
 * or continues one that ends in '/', or continues with '/' after one.
 * Returns 1 or 0.  Pure.
 */
int ocs_conference_covers(const ocs_conference_t *c, const char *path,
    size_t len);

/*
 * Whether a ticket may be used for path (len bytes, as for covers()):
 * tconf (tlen bytes) is the ticket's conference, tlen 0 for a user's
 * ticket; confs (n of them) the location's conferences, n 0 for a
 * location that is not a conference's (ocs_auth forms).  A user's
 * ticket opens what is not a conference's, never a conference's (keys
 * alone open those); a participant's opens only its own conference's
 * paths, and nothing elsewhere: no single sign-on to other services.
 * Returns 1 or 0.  Pure.
 */
int ocs_conference_ticket_admits(const char *tconf, size_t tlen,
    const ocs_conference_t *confs, size_t n, const char *path, size_t len);

/*
 * The identity a participant of conference c goes by, in the identity
 * header and $ocs_user: OCS_CONF_USER_PREFIX and the id, into out (at
 * least OCS_CONF_USER_MAX + 1 bytes), NUL-terminated.  Returns the
 * length.  Pure.
 */
size_t ocs_conference_user(const ocs_conference_t *c, char *out);

/* the CSRF purpose of the join form (ocs_csrf.h) */
#define OCS_CSRF_CONFERENCE_JOIN  "conference join"

/* the conference with id (exactly), or NULL */
const ocs_conference_t *ocs_conference_find(const ocs_conference_t *confs,
    size_t n, const char *id, size_t len);


#endif /* OCS_DIGEST_H */
