/*
 * Second factors: time-based one-time passwords (RFC 6238), the answer
 * of an external OTP validation server, and the identity a client
 * certificate names.  Pure functions over caller buffers, except
 * ocs_otp_check(), which asks the server (libcurl) and blocks.
 */

#ifndef OCS_FACTOR_H
#define OCS_FACTOR_H


#include <openssl/x509.h>

#include <ocs/ocs.h>


#define OCS_TOTP_SECRET_MAX   128     /* decoded bytes */
#define OCS_TOTP_SPEC_MAX     256     /* as written: base32 and options */

#define OCS_TOTP_SHA1         0
#define OCS_TOTP_SHA256       1
#define OCS_TOTP_SHA512       2


typedef struct {
    unsigned char  secret[OCS_TOTP_SECRET_MAX];
    size_t         secret_len;
    int            alg;              /* OCS_TOTP_* */
    int            digits;           /* 6 or 8 */
    int            step;             /* seconds, 30 */
} ocs_totp_t;


/*
 * RFC 4648 base32 (upper or lower case, spaces and '=' padding ignored)
 * into out.  Returns OCS_OK, OCS_ERR_INVALID or OCS_ERR_SPACE.
 */
int ocs_base32_decode(const char *in, size_t len, unsigned char *out,
    size_t outlen, size_t *written);

/*
 * Reads a TOTP secret as the user file or a directory attribute holds
 * it: "BASE32" alone (SHA-1, 6 digits, 30 s), or followed by options
 * separated by commas: "sha256", "sha512", "sha1", "8" or "6" digits,
 * as in "JBSWY3DPEHPK3PXP,sha256,8".  Returns OCS_OK or OCS_ERR_INVALID.
 */
int ocs_totp_parse(const char *spec, size_t len, ocs_totp_t *totp);

/* the code for time step counter, into *code (digits wide) */
int ocs_totp_code(const ocs_totp_t *totp, uint64_t counter, uint32_t *code);

/*
 * Checks code (digits characters) at time now, allowing drift steps
 * either way.  Returns OCS_OK with *counter set to the matching time
 * step, OCS_ERR_AUTH when no step matches, OCS_ERR_INVALID for a code
 * that is not digits of the right length.  Comparisons take the same
 * time whether they match or not.
 */
int ocs_totp_verify(const ocs_totp_t *totp, const char *code, size_t len,
    time_t now, int drift, uint64_t *counter);

/*
 * Reads an OTP validation server's JSON answer, as privacyIDEA's
 * /validate/check gives it: {"result": {"status": true, "value": true}}.
 * Only the top-level object's "result" counts, and in it "status" and
 * "value" must be JSON booleans.  OCS_OK when both are true,
 * OCS_ERR_AUTH when status is true and value false (a wrong code),
 * OCS_ERR_INVALID for anything else: an error answer (status false), a
 * member missing or of another type, a name twice in one object,
 * anything after the object, not JSON, over 16 KiB or nested over 32
 * deep.  err says which, without quoting the answer.
 */
int ocs_otp_result(const char *json, size_t len, ocs_err_t *err);


typedef struct {
    const char   *url;              /* https://.../validate/check */
    const char   *ca_file;          /* NULL: the system's CAs */
    long          timeout;          /* ms: DNS to the answer's last byte */
    const char   *realm;            /* sent as "realm" when not NULL */
} ocs_otp_conf_t;

/*
 * Asks the server whether code is user's current one-time password:
 * POST user=...&pass=...[&realm=...] (form-encoded) over HTTPS with the
 * certificate verified.  Returns OCS_OK, OCS_ERR_AUTH (rejected), or
 * OCS_ERR_SYS (no answer in time, TLS failure, an HTTP status other than
 * 200 or an answer ocs_otp_result() refuses; err says which, and never
 * holds the code).  conf->timeout bounds every step, name lookup
 * included.  Blocks: nginx runs it in a thread pool.  The copies of the
 * code it holds (the request body, the escaped code) and the answer are
 * wiped before it returns; libcurl's own buffers are wiped as it frees
 * them (ocs_init() gives it a wiping free()).
 */
int ocs_otp_check(const ocs_otp_conf_t *conf, const char *user,
    size_t user_len, const char *code, size_t code_len, ocs_err_t *err);


/* where a certificate's identity is read from */
typedef enum {
    OCS_CERT_NONE = 0,              /* nowhere: certificates are off */
    OCS_CERT_UPN,                   /* subjectAltName otherName UPN */
    OCS_CERT_EMAIL,                 /* subjectAltName rfc822Name */
    OCS_CERT_CN                     /* the subject's commonName */
} ocs_cert_source_e;

/*
 * The identity a certificate names, from the source asked for, into
 * out (NUL-terminated).  Returns OCS_OK, OCS_ERR_NOTFOUND (the
 * certificate has none, or source is OCS_CERT_NONE), OCS_ERR_INVALID
 * (control characters or a NUL in it) or OCS_ERR_SPACE.  cert stays the
 * caller's.
 */
int ocs_cert_identity(X509 *cert, int source, char *out, size_t outlen);

/*
 * The same for a certificate as bytes: DER (len bytes), or PEM, as
 * Apache's mod_ssl hands it over (SSL_CLIENT_CERT; a NUL-terminated
 * string is read up to its NUL, len may count it or not).  Only the
 * first certificate of a PEM chain counts, and DER must hold nothing
 * after the certificate.  Returns what ocs_cert_identity() does, or
 * OCS_ERR_INVALID for bytes that are not one certificate.  Allocates
 * and frees the parsed certificate; safe in any thread.
 */
int ocs_cert_identity_der(const unsigned char *der, size_t len, int source,
    char *out, size_t outlen);
int ocs_cert_identity_pem(const char *pem, size_t len, int source,
    char *out, size_t outlen);

/*
 * Whether a certificate's identity names user: the same, without case;
 * or, when domain is given, identity is user@domain.
 */
int ocs_cert_matches(const char *identity, const char *user, size_t len,
    const char *domain);


#endif /* OCS_FACTOR_H */
