/*
 * Second factors: TOTP (RFC 6238 over RFC 4226), an OTP validation
 * server's answer and its HTTPS exchange, a certificate's identity.
 */

#define _GNU_SOURCE

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ocs/ocs_factor.h>


/* the OID of Microsoft's user principal name in an otherName */
#define OCS_OID_UPN  "1.3.6.1.4.1.311.20.2.3"

/* the most of an OTP server's answer that is read */
#define OCS_OTP_ANSWER_MAX  16384

/* the deepest an answer may nest; privacyIDEA's go 4 deep */
#define OCS_OTP_DEPTH_MAX   32


typedef struct {
    char    data[OCS_OTP_ANSWER_MAX];
    size_t  len;
    int     overflow;
} ocs_otp_answer_t;


static int ocs_json_depth(const char *json, size_t len);
static int ocs_otp_body(CURL *curl, const ocs_otp_conf_t *conf,
    const char *user, size_t user_len, const char *code, size_t code_len,
    char *body, size_t size);
static void ocs_otp_setopt(CURL *curl, const ocs_otp_conf_t *conf,
    const char *body, ocs_otp_answer_t *answer, char *curl_err);
static int ocs_otp_answer(CURL *curl, const ocs_otp_conf_t *conf,
    CURLcode cc, ocs_otp_answer_t *answer, const char *curl_err,
    ocs_err_t *err);
static size_t ocs_otp_write(char *p, size_t size, size_t n, void *data);
static int ocs_cert_copy(const unsigned char *s, size_t len, char *out,
    size_t outlen);


int
ocs_base32_decode(const char *in, size_t len, unsigned char *out,
    size_t outlen, size_t *written)
{
    int       v;
    size_t    i, n, bits;
    uint32_t  acc;

    n = 0;
    bits = 0;
    acc = 0;

    for (i = 0; i < len; i++) {
        if (in[i] == ' ' || in[i] == '=') {
            continue;
        }

        if (in[i] >= 'A' && in[i] <= 'Z') {
            v = in[i] - 'A';

        } else if (in[i] >= 'a' && in[i] <= 'z') {
            v = in[i] - 'a';

        } else if (in[i] >= '2' && in[i] <= '7') {
            v = in[i] - '2' + 26;

        } else {
            return OCS_ERR_INVALID;
        }

        acc = (acc << 5) | (uint32_t) v;
        bits += 5;

        if (bits >= 8) {
            if (n == outlen) {
                return OCS_ERR_SPACE;
            }

            bits -= 8;
            out[n++] = (unsigned char) (acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }

    *written = n;

    return OCS_OK;
}


int
ocs_totp_parse(const char *spec, size_t len, ocs_totp_t *totp)
{
    size_t       n, k;
    const char  *p, *end, *comma;

    memset(totp, 0, sizeof(ocs_totp_t));
    totp->alg = OCS_TOTP_SHA1;
    totp->digits = 6;
    totp->step = 30;

    end = spec + len;
    comma = memchr(spec, ',', len);
    n = (comma ? comma : end) - spec;

    if (ocs_base32_decode(spec, n, totp->secret, sizeof(totp->secret),
                          &totp->secret_len)
        != OCS_OK
        || totp->secret_len < 10)
    {
        /* RFC 4226 asks for 128 bits at least; 80 is the usual minimum */
        ocs_wipe(totp, sizeof(ocs_totp_t));
        return OCS_ERR_INVALID;
    }

    for (p = comma; p != NULL && p < end; p = comma) {
        p++;
        comma = memchr(p, ',', end - p);
        k = (comma ? comma : end) - p;

        if (k == 4 && strncasecmp(p, "sha1", 4) == 0) {
            totp->alg = OCS_TOTP_SHA1;

        } else if (k == 6 && strncasecmp(p, "sha256", 6) == 0) {
            totp->alg = OCS_TOTP_SHA256;

        } else if (k == 6 && strncasecmp(p, "sha512", 6) == 0) {
            totp->alg = OCS_TOTP_SHA512;

        } else if (k == 1 && (*p == '6' || *p == '8')) {
            totp->digits = *p - '0';

        } else {
            ocs_wipe(totp, sizeof(ocs_totp_t));
            return OCS_ERR_INVALID;
        }
    }

    return OCS_OK;
}


int
ocs_totp_code(const ocs_totp_t *totp, uint64_t counter, uint32_t *code)
{
    int             i;
    unsigned int    mac_len;
    unsigned char   msg[8], mac[EVP_MAX_MD_SIZE], off;
    const EVP_MD   *md;
    uint32_t        bin;

    static const uint32_t  mod[] = { 1, 10, 100, 1000, 10000, 100000,
                                     1000000, 10000000, 100000000 };

    md = (totp->alg == OCS_TOTP_SHA256) ? EVP_sha256()
         : (totp->alg == OCS_TOTP_SHA512) ? EVP_sha512() : EVP_sha1();

    for (i = 7; i >= 0; i--) {
        msg[i] = (unsigned char) (counter & 0xff);
        counter >>= 8;
    }

    if (HMAC(md, totp->secret, (int) totp->secret_len, msg, sizeof(msg),
             mac, &mac_len)
        == NULL)
    {
        return OCS_ERR_SYS;
    }

    /* RFC 4226 5.3: dynamic truncation */
    off = mac[mac_len - 1] & 0x0f;
    bin = ((uint32_t) (mac[off] & 0x7f) << 24)
          | ((uint32_t) mac[off + 1] << 16)
          | ((uint32_t) mac[off + 2] << 8)
          | mac[off + 3];

    *code = bin % mod[totp->digits];

    OPENSSL_cleanse(mac, sizeof(mac));

    return OCS_OK;
}


int
ocs_totp_verify(const ocs_totp_t *totp, const char *code, size_t len,
    time_t now, int drift, uint64_t *counter)
{
    int        d, found, rc;
    char       want[16];
    size_t     i;
    uint32_t   c;
    uint64_t   t, match;

    if (len != (size_t) totp->digits || now < 0) {
        return OCS_ERR_INVALID;
    }

    for (i = 0; i < len; i++) {
        if (code[i] < '0' || code[i] > '9') {
            return OCS_ERR_INVALID;
        }
    }

    t = (uint64_t) now / (uint64_t) totp->step;
    found = 0;
    match = 0;
    rc = OCS_ERR_AUTH;

    /* every step in the window is computed and compared */
    for (d = -drift; d <= drift; d++) {
        if ((int64_t) t + d < 0) {
            continue;
        }

        if (ocs_totp_code(totp, t + d, &c) != OCS_OK) {
            rc = OCS_ERR_SYS;
            goto cleanup;
        }

        (void) snprintf(want, sizeof(want), "%0*u", totp->digits, c);

        if (CRYPTO_memcmp(want, code, len) == 0 && !found) {
            found = 1;
            match = t + d;
        }
    }

    if (found) {
        *counter = match;
        rc = OCS_OK;
    }

cleanup:

    /* want and c hold a code that stays valid for a while yet */
    OPENSSL_cleanse(want, sizeof(want));
    OPENSSL_cleanse(&c, sizeof(c));

    return rc;
}


int
ocs_otp_result(const char *json, size_t len, ocs_err_t *err)
{
    int            rc;
    json_t        *root, *result, *status, *value, *code;
    json_error_t   error;

    if (len > OCS_OTP_ANSWER_MAX) {
        return ocs_err(err, OCS_ERR_INVALID, "the answer is over %d bytes",
                       OCS_OTP_ANSWER_MAX);
    }

    if (ocs_json_depth(json, len) > OCS_OTP_DEPTH_MAX) {
        return ocs_err(err, OCS_ERR_INVALID, "the answer is nested over %d "
                       "deep", OCS_OTP_DEPTH_MAX);
    }

    /*
     * One object and nothing after it, no name twice: with two "value"
     * members, the server and this parser could each read another one.
     */
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &error);

    if (root == NULL) {
        /* not error.text: it quotes the answer, which may echo the code */
        return ocs_err(err, OCS_ERR_INVALID, "the answer is not one JSON "
                       "object (byte %d)", error.position);
    }

    result = json_object_get(root, "result");
    status = json_object_get(result, "status");
    value = json_object_get(result, "value");

    if (!json_is_object(root) || !json_is_object(result)) {
        rc = ocs_err(err, OCS_ERR_INVALID, "the answer has no \"result\" "
                     "object");

    } else if (json_is_false(status)) {
        /* an error answer: its number is safe to log, its message not */
        code = json_object_get(json_object_get(result, "error"), "code");

        if (json_is_integer(code)) {
            rc = ocs_err(err, OCS_ERR_INVALID, "the answer is an error, "
                         "code %lld", (long long) json_integer_value(code));

        } else {
            rc = ocs_err(err, OCS_ERR_INVALID, "the answer is an error");
        }

    } else if (!json_is_true(status)) {
        rc = ocs_err(err, OCS_ERR_INVALID, "the answer's \"result.status\" "
                     "is not true or false");

    } else if (!json_is_boolean(value)) {
        rc = ocs_err(err, OCS_ERR_INVALID, "the answer's \"result.value\" "
                     "is not true or false");

    } else if (json_is_true(value)) {
        rc = OCS_OK;

    } else {
        rc = ocs_err(err, OCS_ERR_AUTH, "the server refused the code");
    }

    json_decref(root);

    return rc;
}


/*
 * How deep arrays and objects nest in json, brackets in strings not
 * counted: jansson itself stops only at 2048.  The parser judges the
 * rest.
 */
static int
ocs_json_depth(const char *json, size_t len)
{
    int     depth, max, in_string;
    size_t  i;

    depth = 0;
    max = 0;
    in_string = 0;

    for (i = 0; i < len; i++) {

        if (in_string) {
            if (json[i] == '\\') {
                i++;

            } else if (json[i] == '"') {
                in_string = 0;
            }

            continue;
        }

        switch (json[i]) {

        case '"':
            in_string = 1;
            break;

        case '[':
        case '{':
            if (++depth > max) {
                max = depth;
            }
            break;

        case ']':
        case '}':
            depth--;
            break;
        }
    }

    return max;
}


int
ocs_otp_check(const ocs_otp_conf_t *conf, const char *user,
    size_t user_len, const char *code, size_t code_len, ocs_err_t *err)
{
    int                rc;
    char               body[1024], curl_err[CURL_ERROR_SIZE];
    CURL              *curl;
    CURLcode           cc;
    ocs_otp_answer_t  *answer;

    answer = NULL;
    curl_err[0] = '\0';

    /* the copies of the code below: every exit goes through cleanup */
    rc = OCS_ERR_SYS;

    curl = curl_easy_init();
    if (curl == NULL) {
        (void) ocs_err(err, OCS_ERR_SYS, "OTP server: no libcurl handle");
        goto cleanup;
    }

    answer = malloc(sizeof(ocs_otp_answer_t));
    if (answer == NULL) {
        (void) ocs_err(err, OCS_ERR_SYS, "OTP server: no memory");
        goto cleanup;
    }

    answer->len = 0;
    answer->overflow = 0;

    if (ocs_otp_body(curl, conf, user, user_len, code, code_len, body,
                     sizeof(body))
        != OCS_OK)
    {
        (void) ocs_err(err, OCS_ERR_SYS, "OTP server: the request is too "
                       "long");
        goto cleanup;
    }

    ocs_otp_setopt(curl, conf, body, answer, curl_err);

    cc = curl_easy_perform(curl);

    rc = ocs_otp_answer(curl, conf, cc, answer, curl_err, err);

cleanup:

    ocs_wipe(body, sizeof(body));

    if (answer != NULL) {
        /* an answer may echo the request */
        ocs_wipe(answer->data, answer->len);
        free(answer);
    }

    /* NULL is a no-op for curl_easy_cleanup() */
    curl_easy_cleanup(curl);

    return rc;
}


/*
 * The form-encoded request into body: OCS_OK, or OCS_ERR_SPACE (too
 * long, or no memory to escape it).  The escaped copies of the code are
 * wiped before it returns.
 */
static int
ocs_otp_body(CURL *curl, const ocs_otp_conf_t *conf, const char *user,
    size_t user_len, const char *code, size_t code_len, char *body,
    size_t size)
{
    int    rc;
    char  *u, *c, *r;

    u = curl_easy_escape(curl, user, (int) user_len);
    c = curl_easy_escape(curl, code, (int) code_len);
    r = conf->realm ? curl_easy_escape(curl, conf->realm, 0) : NULL;

    rc = OCS_ERR_SPACE;

    if (u != NULL && c != NULL && (conf->realm == NULL || r != NULL)
        && (size_t) snprintf(body, size, "user=%s&pass=%s%s%s", u, c,
                             r ? "&realm=" : "", r ? r : "")
           < size)
    {
        rc = OCS_OK;
    }

    if (u != NULL) {
        ocs_wipe(u, strlen(u));
        curl_free(u);
    }

    if (c != NULL) {
        ocs_wipe(c, strlen(c));
        curl_free(c);
    }

    curl_free(r);

    return rc;
}


static void
ocs_otp_setopt(CURL *curl, const ocs_otp_conf_t *conf, const char *body,
    ocs_otp_answer_t *answer, char *curl_err)
{
    /*
     * timeout bounds the whole exchange: name lookup, TCP connect, TLS
     * handshake, the request and the answer, each peer silent or slow
     */
    (void) curl_easy_setopt(curl, CURLOPT_URL, conf->url);
    (void) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    (void) curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
    (void) curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    (void) curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    (void) curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    (void) curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    (void) curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, conf->timeout);
    (void) curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, conf->timeout);
    (void) curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075700
    /*
     * after a name lookup timed out, libcurl's threaded resolver would
     * otherwise join its thread, holding this one until the system
     * resolver gives up; so it is left to finish and free itself
     */
    (void) curl_easy_setopt(curl, CURLOPT_QUICK_EXIT, 1L);
#endif
    (void) curl_easy_setopt(curl, CURLOPT_MAXFILESIZE,
                            (long) OCS_OTP_ANSWER_MAX);
    (void) curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, ocs_otp_write);
    (void) curl_easy_setopt(curl, CURLOPT_WRITEDATA, answer);
    (void) curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
    (void) curl_easy_setopt(curl, CURLOPT_USERAGENT, "ocs-proxy");

    if (conf->ca_file) {
        (void) curl_easy_setopt(curl, CURLOPT_CAINFO, conf->ca_file);
    }
}


/* what the exchange came to: ocs_otp_check()'s return and err */
static int
ocs_otp_answer(CURL *curl, const ocs_otp_conf_t *conf, CURLcode cc,
    ocs_otp_answer_t *answer, const char *curl_err, ocs_err_t *err)
{
    int        rc;
    long       status;
    ocs_err_t  why;

    /* a write callback that refuses makes a write error: said here */
    if (answer->overflow || cc == CURLE_FILESIZE_EXCEEDED) {
        return ocs_err(err, OCS_ERR_SYS, "OTP server \"%s\": the answer is "
                       "over %d bytes", conf->url, OCS_OTP_ANSWER_MAX);
    }

    if (cc == CURLE_OPERATION_TIMEDOUT) {
        /* libcurl's text names the step: resolving, connecting, ... */
        return ocs_err(err, OCS_ERR_SYS, "OTP server \"%s\" timed out "
                       "after %ld ms: %s", conf->url, conf->timeout,
                       curl_err[0] ? curl_err : curl_easy_strerror(cc));
    }

    if (cc != CURLE_OK) {
        return ocs_err(err, OCS_ERR_SYS, "OTP server \"%s\": %s", conf->url,
                       curl_err[0] ? curl_err : curl_easy_strerror(cc));
    }

    status = 0;
    (void) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);

    if (status != 200) {
        return ocs_err(err, OCS_ERR_SYS, "OTP server \"%s\" answered HTTP "
                       "%ld", conf->url, status);
    }

    rc = ocs_otp_result(answer->data, answer->len, &why);

    if (rc == OCS_ERR_INVALID) {
        /* the server's fault, not the user's: as if it were down */
        return ocs_err(err, OCS_ERR_SYS, "OTP server \"%s\": a malformed "
                       "answer: %s", conf->url, why.text);
    }

    if (rc == OCS_ERR_AUTH) {
        (void) ocs_err(err, rc, "%s", why.text);
    }

    return rc;
}


static size_t
ocs_otp_write(char *p, size_t size, size_t n, void *data)
{
    ocs_otp_answer_t  *answer = data;

    n *= size;

    if (n > sizeof(answer->data) - answer->len) {
        answer->overflow = 1;
        return 0;
    }

    memcpy(answer->data + answer->len, p, n);
    answer->len += n;

    return n;
}


int
ocs_cert_identity(X509 *cert, int source, char *out, size_t outlen)
{
    int                      i, n, rc;
    ASN1_OBJECT             *upn;
    X509_NAME               *subject;
    GENERAL_NAME            *gn;
    ASN1_STRING             *s;
    GENERAL_NAMES           *names;
    X509_NAME_ENTRY         *entry;

    if (source == OCS_CERT_NONE) {
        return OCS_ERR_NOTFOUND;
    }

    if (source == OCS_CERT_CN) {
        subject = X509_get_subject_name(cert);
        i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);

        if (i < 0) {
            return OCS_ERR_NOTFOUND;
        }

        entry = X509_NAME_get_entry(subject, i);
        s = X509_NAME_ENTRY_get_data(entry);

        return ocs_cert_copy(ASN1_STRING_get0_data(s),
                             (size_t) ASN1_STRING_length(s), out, outlen);
    }

    names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    if (names == NULL) {
        return OCS_ERR_NOTFOUND;
    }

    upn = OBJ_txt2obj(OCS_OID_UPN, 1);
    rc = OCS_ERR_NOTFOUND;
    n = sk_GENERAL_NAME_num(names);

    for (i = 0; i < n && rc == OCS_ERR_NOTFOUND; i++) {
        gn = sk_GENERAL_NAME_value(names, i);

        if (source == OCS_CERT_EMAIL && gn->type == GEN_EMAIL) {
            rc = ocs_cert_copy(ASN1_STRING_get0_data(gn->d.rfc822Name),
                               (size_t) ASN1_STRING_length(gn->d.rfc822Name),
                               out, outlen);

        } else if (source == OCS_CERT_UPN && gn->type == GEN_OTHERNAME
                   && upn != NULL
                   && OBJ_cmp(gn->d.otherName->type_id, upn) == 0
                   && gn->d.otherName->value->type == V_ASN1_UTF8STRING)
        {
            s = gn->d.otherName->value->value.utf8string;
            rc = ocs_cert_copy(ASN1_STRING_get0_data(s),
                               (size_t) ASN1_STRING_length(s), out, outlen);
        }
    }

    ASN1_OBJECT_free(upn);
    GENERAL_NAMES_free(names);

    return rc;
}


int
ocs_cert_identity_der(const unsigned char *der, size_t len, int source,
    char *out, size_t outlen)
{
    int                   rc;
    X509                 *cert;
    const unsigned char  *p;

    if (len == 0 || len > INT32_MAX) {
        return OCS_ERR_INVALID;
    }

    p = der;
    cert = d2i_X509(NULL, &p, (long) len);

    if (cert == NULL) {
        ERR_clear_error();
        return OCS_ERR_INVALID;
    }

    /* trailing bytes: not one certificate */
    rc = (p == der + len) ? ocs_cert_identity(cert, source, out, outlen)
                          : OCS_ERR_INVALID;

    X509_free(cert);

    return rc;
}


int
ocs_cert_identity_pem(const char *pem, size_t len, int source, char *out,
    size_t outlen)
{
    int    rc;
    BIO   *bio;
    X509  *cert;

    len = strnlen(pem, len);

    if (len == 0 || len > INT32_MAX) {
        return OCS_ERR_INVALID;
    }

    bio = BIO_new_mem_buf(pem, (int) len);
    if (bio == NULL) {
        return OCS_ERR_SYS;
    }

    cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);

    if (cert == NULL) {
        ERR_clear_error();
        return OCS_ERR_INVALID;
    }

    rc = ocs_cert_identity(cert, source, out, outlen);
    X509_free(cert);

    return rc;
}


static int
ocs_cert_copy(const unsigned char *s, size_t len, char *out, size_t outlen)
{
    size_t  i;

    if (len == 0) {
        return OCS_ERR_NOTFOUND;
    }

    if (len >= outlen) {
        return OCS_ERR_SPACE;
    }

    for (i = 0; i < len; i++) {
        if (s[i] < 0x20 || s[i] == 0x7f) {
            return OCS_ERR_INVALID;
        }
    }

    memcpy(out, s, len);
    out[len] = '\0';

    return OCS_OK;
}


int
ocs_cert_matches(const char *identity, const char *user, size_t len,
    const char *domain)
{
    size_t       n;
    const char  *at;

    n = strlen(identity);

    if (n == len && strncasecmp(identity, user, len) == 0) {
        return 1;
    }

    if (domain == NULL) {
        return 0;
    }

    at = strrchr(identity, '@');

    return at != NULL
           && (size_t) (at - identity) == len
           && strncasecmp(identity, user, len) == 0
           && strcasecmp(at + 1, domain) == 0;
}
