/*
 * Integrated Windows authentication: the Negotiate and NTLM
 * Authorization tokens (RFC 4559), the GSSAPI accept exchange (MIT
 * libgssapi_krb5, NTLM through a mechanism such as gss-ntlmssp) and the
 * repairs gss-ntlmssp needs.  The server keeps a half-made context
 * between the legs of an NTLM exchange; it sees it only as the opaque
 * ocs_gss_ctx_t.
 */

#ifndef OCS_GSS_H
#define OCS_GSS_H


#include <ocs/ocs.h>


/* an Authorization header's scheme */
#define OCS_GSS_NONE        0
#define OCS_GSS_NEGOTIATE   1     /* "Negotiate <token>": SPNEGO */
#define OCS_GSS_NTLM        2     /* "NTLM <token>": raw NTLM */

/* a decoded token's buffer has room for ocs_ntlm_fixup() to pad */
#define OCS_GSS_TOKEN_ROOM  40

/* the longest client name kept, with its NUL */
#define OCS_GSS_NAME_MAX    512

#define OCS_NTLM_NEGOTIATE_VERSION  0x02000000


/* a half-made security context (one GSSAPI context), or NULL for none */
typedef struct ocs_gss_ctx_s  ocs_gss_ctx_t;


/* an Authorization header's token, as ocs_gss_token() finds it */
typedef struct {
    int                scheme;     /* OCS_GSS_* */
    size_t             skip;       /* the scheme's length, with its space */
    const char        *b64;        /* the base64 text, in the header */
    size_t             b64_len;
    size_t             size;       /* the decoded length, at most */
    size_t             room;       /* the buffer it needs: max(size, 40) */
} ocs_gss_token_t;


/* what to accept with: the same for every leg of a location */
typedef struct {
    const char        *keytab;     /* path */
    const char        *principal;  /* the service principal, NULL: any */
    size_t             principal_len;
    int                ntlm;       /* NTLM allowed: the default acceptor
                                      credentials, more legs allowed */
} ocs_gss_conf_t;


/* one leg's result */
typedef struct {
    const char        *what;       /* what failed (static), NULL: none */
    uint32_t           major;      /* GSSAPI status codes of the failure */
    uint32_t           minor;
    int                is_ntlm;    /* the mechanism was NTLM */
    int                continued;  /* it asked for a leg not allowed */
    void              *output;     /* the token for the client, or NULL */
    size_t             output_len;
    char               name[OCS_GSS_NAME_MAX];  /* the client, not NUL-
                                                   terminated */
    size_t             name_len;
    char               target[OCS_GSS_NAME_MAX];  /* a ticket for another
                                                     service: its own */
    size_t             target_len;
} ocs_gss_result_t;


/*
 * Finds the token of an Authorization header's value (len bytes, not
 * NUL-terminated): "Negotiate " or "NTLM " in any case, then spaces,
 * then base64.  Fills tok (tok->b64 points into value) and returns
 * OCS_OK; OCS_ERR_NOTFOUND for another scheme (tok->scheme is
 * OCS_GSS_NONE); OCS_ERR_SPACE, with tok->scheme and tok->size set, for
 * an empty token or one whose decoded length may exceed max.  Pure and
 * thread-safe.
 */
int ocs_gss_token(const char *value, size_t len, size_t max,
    ocs_gss_token_t *tok);

/*
 * Decodes the token that ocs_gss_token() found into out, which the
 * caller owns and sizes at tok->room bytes at least.  Standard base64
 * (RFC 4648 section 4), as nginx decodes it: padding optional, the
 * token ends at the first "="; any other character outside the alphabet
 * is an error.  Returns OCS_OK with *outlen set, OCS_ERR_INVALID (not
 * base64) or OCS_ERR_SPACE (out too small).  Pure and thread-safe.
 */
int ocs_gss_token_decode(const ocs_gss_token_t *tok, unsigned char *out,
    size_t outsize, size_t *outlen);

/*
 * Repairs two well-formed NTLM messages that gss-ntlmssp 1.2 refuses,
 * without changing what they say:
 *
 * - a NEGOTIATE message shorter than 40 bytes (no optional VERSION
 *   field) gets zeros up to 40, if size allows: its fields point into
 *   the payload by offset, so the padding is never read;
 * - an AUTHENTICATE message that sets NEGOTIATE_VERSION but has no
 *   VERSION field (its payload starts before offset 72) gets the flag
 *   cleared.  The flags are not covered by the NTLMv2 response's HMAC,
 *   and such a client sends no MIC.
 *
 * Anything else, including SPNEGO tokens, is left alone.  msg holds
 * *len bytes in a buffer of size bytes.  Pure and thread-safe.
 */
void ocs_ntlm_fixup(unsigned char *msg, size_t *len, size_t size);

/*
 * Makes keytab the process-wide acceptor keytab: NTLM and Kerberos in
 * one SPNEGO exchange take the default acceptor credentials (a
 * credential from gss_acquire_cred_from() with a keytab in its store
 * crashes gss-ntlmssp 1.2).  Call once per process, before any
 * ocs_gss_accept().  Returns OCS_OK or OCS_ERR_SYS.
 */
int ocs_gss_register_keytab(const char *keytab);

/*
 * One gss_accept_sec_context() leg.  *ctx is the half-made context of
 * the connection, or NULL; the call takes it.  With conf->ntlm the
 * default acceptor credentials are used (see ocs_gss_register_keytab);
 * without, the credentials of every key in conf->keytab.  Either way a
 * Kerberos ticket must be for conf->principal when one is given: the
 * finished context's target is compared with it ("ticket for another
 * service principal"), rather than credentials acquired for that name
 * alone, which MIT krb5 1.20 leaks at every call when the keytab has no
 * key for it.
 *
 * Returns OCS_OK either with *ctx set again, for a leg that needs
 * another (NTLM: res->output holds the challenge, the caller keeps *ctx
 * for the connection's next request), or with *ctx NULL and res->name
 * set (the client's display name, checked for length and control
 * characters); OCS_ERR_AUTH, *ctx NULL, with res->what, res->major and
 * res->minor saying what failed (res->continued: the mechanism wanted
 * another leg without conf->ntlm).  res, zeroed by the caller, is its
 * own; res->output, when set, is the token for the client on any
 * return: release it with ocs_gss_result_clear().  Blocks (the keytab,
 * the replay cache); thread-safe for distinct ctx and res.
 */
int ocs_gss_accept(const ocs_gss_conf_t *conf, ocs_gss_ctx_t **ctx,
    const unsigned char *token, size_t len, ocs_gss_result_t *res);

/* releases res->output; res may be zeroed memory */
void ocs_gss_result_clear(ocs_gss_result_t *res);

/* deletes a half-made context and sets *ctx to NULL; NULL is fine */
void ocs_gss_ctx_free(ocs_gss_ctx_t **ctx);

/*
 * GSSAPI's own words for res->major and res->minor, "major: minor", or
 * for a ticket for another service principal the one it is for ("the
 * ticket is for HTTP/a@REALM"), NUL-terminated and cut to size, into
 * the caller's buf.
 */
void ocs_gss_status_text(const ocs_gss_result_t *res, char *buf,
    size_t size);

/*
 * Strips the realm of a client name in place: alice@REALM (Kerberos) and
 * DOMAIN\alice (NTLM) become alice.  *len is updated.  Pure.
 */
void ocs_gss_strip_realm(char *name, size_t *len);


#endif /* OCS_GSS_H */
