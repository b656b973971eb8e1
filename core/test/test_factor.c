/*
 * TOTP against RFC 6238 appendix B, base32 against RFC 4648, the OTP
 * server's answers, certificate identities from certificates made here
 * (as X509, DER and PEM, the way mod_ssl hands them over).
 */

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ocs_test.h>
#include <ocs/ocs_factor.h>


#define SECRET_SHA1                                                          \
    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
#define SECRET_SHA256                                                        \
    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA===="
#define SECRET_SHA512                                                        \
    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"      \
    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA="


static void
test_base32(void)
{
    static const struct {
        const char  *in;
        const char  *out;
    } cases[] = {
        /* RFC 4648 section 10 */
        { "", "" },
        { "MY======", "f" },
        { "MZXQ====", "fo" },
        { "MZXW6===", "foo" },
        { "MZXW6YQ=", "foob" },
        { "MZXW6YTB", "fooba" },
        { "MZXW6YTBOI======", "foobar" },
        /* lower case and spaces, as authenticator apps show secrets */
        { "mzxw 6ytb oi", "foobar" },
    };

    size_t         i, n;
    unsigned char  out[64];

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ok(ocs_base32_decode(cases[i].in, strlen(cases[i].in), out,
                             sizeof(out), &n) == OCS_OK, "base32 #%zu", i);
        is_str((char *) out, n, cases[i].out, "base32 #%zu value", i);
    }

    is_int(ocs_base32_decode("MZXW1YTB", 8, out, sizeof(out), &n),
           OCS_ERR_INVALID, "base32: 1 is not a digit of it");
    is_int(ocs_base32_decode("MZXW6YTB", 8, out, 4, &n), OCS_ERR_SPACE,
           "base32: short buffer");
}


static void
test_totp_vectors(void)
{
    static const struct {
        const char  *spec;
        long long    t;
        const char  *code;
    } cases[] = {
        { SECRET_SHA1 ",8", 59, "94287082" },
        { SECRET_SHA256 ",sha256,8", 59, "46119246" },
        { SECRET_SHA512 ",sha512,8", 59, "90693936" },
        { SECRET_SHA1 ",8", 1111111109, "07081804" },
        { SECRET_SHA256 ",sha256,8", 1111111109, "68084774" },
        { SECRET_SHA512 ",sha512,8", 1111111109, "25091201" },
        { SECRET_SHA1 ",8", 1111111111, "14050471" },
        { SECRET_SHA256 ",8,sha256", 1111111111, "67062674" },
        { SECRET_SHA512 ",sha512,8", 1111111111, "99943326" },
        { SECRET_SHA1 ",8", 1234567890, "89005924" },
        { SECRET_SHA256 ",sha256,8", 1234567890, "91819424" },
        { SECRET_SHA512 ",sha512,8", 1234567890, "93441116" },
        { SECRET_SHA1 ",8", 2000000000, "69279037" },
        { SECRET_SHA256 ",sha256,8", 2000000000, "90698825" },
        { SECRET_SHA512 ",sha512,8", 2000000000, "38618901" },
        { SECRET_SHA1 ",sha1,8", 20000000000LL, "65353130" },
        { SECRET_SHA256 ",sha256,8", 20000000000LL, "77737706" },
        { SECRET_SHA512 ",sha512,8", 20000000000LL, "47863826" },
        /* 6 digits: the last six of the 8-digit code */
        { SECRET_SHA1, 59, "287082" },
        { SECRET_SHA1 ",6", 1111111109, "081804" },
    };

    size_t      i;
    uint64_t    counter;
    ocs_totp_t  totp;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ok(ocs_totp_parse(cases[i].spec, strlen(cases[i].spec), &totp)
           == OCS_OK, "totp #%zu: secret", i);
        is_int(ocs_totp_verify(&totp, cases[i].code, strlen(cases[i].code),
                               (time_t) cases[i].t, 0, &counter),
               OCS_OK, "totp #%zu: %s", i, cases[i].code);
        ok(counter == (uint64_t) cases[i].t / 30, "totp #%zu: step", i);
    }
}


static void
test_totp_window(void)
{
    uint64_t    counter;
    ocs_totp_t  totp;

    (void) ocs_totp_parse(SECRET_SHA1 ",8", strlen(SECRET_SHA1) + 2, &totp);

    /* 07081804 is the code of step 37037036 (t = 1111111109) */
    is_int(ocs_totp_verify(&totp, "07081804", 8, 1111111109 + 30, 1,
                           &counter), OCS_OK, "the previous step: accepted");
    ok(counter == 37037036, "the previous step: its counter");
    is_int(ocs_totp_verify(&totp, "07081804", 8, 1111111109 - 30, 1,
                           &counter), OCS_OK, "the next step: accepted");
    is_int(ocs_totp_verify(&totp, "07081804", 8, 1111111109 + 60, 1,
                           &counter), OCS_ERR_AUTH, "two steps old: refused");
    is_int(ocs_totp_verify(&totp, "07081804", 8, 1111111109 + 30, 0,
                           &counter), OCS_ERR_AUTH, "no drift: refused");
    is_int(ocs_totp_verify(&totp, "07081805", 8, 1111111109, 1, &counter),
           OCS_ERR_AUTH, "a wrong code: refused");
    is_int(ocs_totp_verify(&totp, "0708180", 7, 1111111109, 1, &counter),
           OCS_ERR_INVALID, "too short: invalid");
    is_int(ocs_totp_verify(&totp, "0708180x", 8, 1111111109, 1, &counter),
           OCS_ERR_INVALID, "not digits: invalid");

    is_int(ocs_totp_parse("MZXW6", 5, &totp), OCS_ERR_INVALID,
           "a secret under 80 bits: refused");
    is_int(ocs_totp_parse(SECRET_SHA1 ",md5", strlen(SECRET_SHA1) + 4,
                          &totp), OCS_ERR_INVALID, "an unknown option");
    is_int(ocs_totp_parse(SECRET_SHA1 ",7", strlen(SECRET_SHA1) + 2, &totp),
           OCS_ERR_INVALID, "7 digits: refused");
}


/*
 * Into buf: the right answer with arrays nested arrays in "detail"
 * around inner, so arrays + 1 deep; returns its length.
 */
static size_t
nested(char *buf, size_t arrays, const char *inner)
{
    char    *p;
    size_t   i;

    static const char  head[] =
        "{\"result\":{\"status\":true,\"value\":true},\"detail\":";

    memcpy(buf, head, sizeof(head) - 1);
    p = buf + sizeof(head) - 1;

    for (i = 0; i < arrays; i++) {
        *p++ = '[';
    }

    memcpy(p, inner, strlen(inner));
    p += strlen(inner);

    for (i = 0; i < arrays; i++) {
        *p++ = ']';
    }

    *p++ = '}';

    return p - buf;
}


/* a string literal and its length, NULs inside included */
#define J(s)  s, sizeof(s) - 1

static void
test_otp_result(void)
{
    static const struct {
        const char  *json;
        size_t       len;
        int          rc;
        const char  *name;
    } cases[] = {
        { J("{\"result\": {\"status\": true, \"value\": true}, "
            "\"version\": \"privacyIDEA 3.9\"}"), OCS_OK, "a right code" },
        { J("{\"detail\":{\"message\":\"matching 1 tokens\"},\"result\":"
            "{\"status\":true,\"value\":false}}"), OCS_ERR_AUTH,
          "a wrong code" },
        { J(" \r\n\t{\"result\":{\"value\":true,\"status\":true}}\n"),
          OCS_OK, "white space around, members in another order" },
        { J("{\"result\":{\"status\":true,\"value\":true,"
            "\"authentication\":\"ACCEPT\"},\"detail\":{\"multi_challenge\":"
            "[{\"attributes\":{\"x\":[1,2]}}]},\"id\":1}"), OCS_OK,
          "more members, nested" },
        { J("{\"result\":{\"status\":true,\"value\":false},\"detail\":"
            "{\"result\":{\"status\":true,\"value\":true}}}"), OCS_ERR_AUTH,
          "a result deeper down does not count" },

        /* the answer: its fields in two other objects */
        { J("{\"result\":{\"value\":true},\"detail\":{\"status\":true}}"),
          OCS_ERR_INVALID, "status outside the result" },
        { J("{\"detail\":{\"status\":true,\"value\":true},\"result\":{}}"),
          OCS_ERR_INVALID, "status and value outside the result" },
        { J("{\"detail\":{\"result\":{\"status\":true,\"value\":true}}}"),
          OCS_ERR_INVALID, "a result only deeper down" },
        { J("{\"result\":{\"status\":true,\"detail\":{\"value\":true}}}"),
          OCS_ERR_INVALID, "value inside another member" },
        { J("{\"value\": true}"), OCS_ERR_INVALID, "no result" },
        { J("{\"result\": {\"status\": true}}"), OCS_ERR_INVALID,
          "no value" },
        { J("{\"result\": {\"value\": true}}"), OCS_ERR_INVALID,
          "no status" },
        { J("{\"result\": {\"status\": false, \"error\": {\"code\": 904, "
            "\"message\": \"ERR904: no user\"}}}"), OCS_ERR_INVALID,
          "an error answer" },
        { J("{\"result\": {\"status\": false, \"value\": true}}"),
          OCS_ERR_INVALID, "status false, value true" },

        /* types */
        { J("{\"result\":{\"status\":true,\"value\":\"true\"}}"),
          OCS_ERR_INVALID, "value the string \"true\"" },
        { J("{\"result\":{\"status\":\"true\",\"value\":true}}"),
          OCS_ERR_INVALID, "status the string \"true\"" },
        { J("{\"result\":{\"status\":true,\"value\":1}}"), OCS_ERR_INVALID,
          "value 1" },
        { J("{\"result\":{\"status\":1,\"value\":true}}"), OCS_ERR_INVALID,
          "status 1" },
        { J("{\"result\":{\"status\":true,\"value\":null}}"),
          OCS_ERR_INVALID, "value null" },
        { J("{\"result\":{\"status\":true,\"value\":[true]}}"),
          OCS_ERR_INVALID, "value an array" },
        { J("{\"result\":{\"status\":true,\"value\":{}}}"), OCS_ERR_INVALID,
          "value an object" },
        { J("{\"result\":{\"status\":true,\"value\":True}}"),
          OCS_ERR_INVALID, "True" },
        { J("{\"result\":[{\"status\":true,\"value\":true}]}"),
          OCS_ERR_INVALID, "result an array" },
        { J("{\"result\":\"{\\\"status\\\":true,\\\"value\\\":true}\"}"),
          OCS_ERR_INVALID, "result a string" },
        { J("{\"Result\":{\"status\":true,\"value\":true}}"),
          OCS_ERR_INVALID, "Result" },

        /* names twice */
        { J("{\"result\":{\"status\":true,\"value\":false,\"value\":true}}"),
          OCS_ERR_INVALID, "value twice" },
        { J("{\"result\":{\"status\":false,\"status\":true,\"value\":true}}"),
          OCS_ERR_INVALID, "status twice" },
        { J("{\"result\":{\"status\":true,\"value\":false},"
            "\"result\":{\"status\":true,\"value\":true}}"), OCS_ERR_INVALID,
          "result twice" },
        { J("{\"result\":{\"status\":true,\"value\":true},\"detail\":"
            "{\"a\":1,\"a\":2}}"), OCS_ERR_INVALID,
          "a name twice elsewhere" },

        /* not one object */
        { J("{\"result\":{\"status\":true,\"value\":true}} x"),
          OCS_ERR_INVALID, "trailing garbage" },
        { J("{\"result\":{\"status\":true,\"value\":true}}"
            "{\"result\":{\"status\":true,\"value\":true}}"), OCS_ERR_INVALID,
          "two objects" },
        { J("{\"result\":{\"status\":true,\"value\":true}}\0"),
          OCS_ERR_INVALID, "a NUL after it" },
        { J("{\"result\":{\"status\":true,\"value\":true}"),
          OCS_ERR_INVALID, "cut short" },
        { J("{\"result\":{\"status\":true,\"value\":true},}"),
          OCS_ERR_INVALID, "a trailing comma" },
        { J("{\"res\0ult\":{\"status\":true,\"value\":true}}"),
          OCS_ERR_INVALID, "a NUL in a name" },
        { J("{\"result\":{\"status\":true,\"value\":true}}/* ok */"),
          OCS_ERR_INVALID, "a comment" },
        { J("{'result':{'status':true,'value':true}}"), OCS_ERR_INVALID,
          "single quotes" },
        { J("{\"result\":{\"status\":true,\"value\":true},\"x\":\"\xff\"}"),
          OCS_ERR_INVALID, "not UTF-8" },
        { J("[{\"result\":{\"status\":true,\"value\":true}}]"),
          OCS_ERR_INVALID, "an array" },
        { J("true"), OCS_ERR_INVALID, "true alone" },
        { J("\"true\""), OCS_ERR_INVALID, "a string" },
        { J("<html>502 Bad Gateway</html>"), OCS_ERR_INVALID, "HTML" },
        { J("user=carol&pass=123456"), OCS_ERR_INVALID, "the request echoed" },
        { J(""), OCS_ERR_INVALID, "empty" },
        { J("  \n"), OCS_ERR_INVALID, "white space only" },
    };

    char       *big;
    size_t      i, n, pad;
    ocs_err_t   err;

    static const char  ok_answer[] =
        "{\"result\":{\"status\":true,\"value\":true},\"detail\":";

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err.text[0] = '\0';
        is_int(ocs_otp_result(cases[i].json, cases[i].len, &err),
               cases[i].rc, "otp answer: %s", cases[i].name);

        /* the text names the fault, and quotes nothing of the answer */
        ok(cases[i].rc == OCS_OK || (err.text[0] != '\0'
                                     && strstr(err.text, "123456") == NULL
                                     && strstr(err.text, "ERR904") == NULL),
           "otp answer: %s: told why, quoting nothing", cases[i].name);
    }

    /* sizes: 16384 bytes are read, 16385 are not */
    big = malloc(20000);
    if (big == NULL) {
        ok(0, "otp answer: memory");
        return;
    }

    n = strlen(ok_answer);
    pad = 16384 - n - 3;
    memcpy(big, ok_answer, n);
    big[n] = '"';
    memset(big + n + 1, 'a', pad);
    memcpy(big + n + 1 + pad, "\"}", 2);

    is_int(ocs_otp_result(big, 16384, &err), OCS_OK,
           "otp answer: 16384 bytes");

    memcpy(big + n + pad, "a\" }", 4);
    is_int(ocs_otp_result(big, 16385, &err), OCS_ERR_INVALID,
           "otp answer: 16385 bytes");
    ok(strstr(err.text, "over 16384 bytes") != NULL,
       "otp answer: too long, said so");

    /*
     * nesting: 32 deep is read, 33 and 3000 deep (past jansson's own
     * limit) are not; brackets in strings do not count
     */
    is_int(ocs_otp_result(big, nested(big, 31, ""), &err), OCS_OK,
           "otp answer: nested 32 deep");
    is_int(ocs_otp_result(big, nested(big, 32, ""), &err), OCS_ERR_INVALID,
           "otp answer: nested 33 deep");
    ok(strstr(err.text, "nested") != NULL, "otp answer: too deep, said so");
    is_int(ocs_otp_result(big, nested(big, 3000, ""), &err),
           OCS_ERR_INVALID, "otp answer: nested 3000 deep");
    is_int(ocs_otp_result(big, nested(big, 1, "\"[[[[[[[[[[[[[[[[[[[[[[[["
                                               "[[[[[[[[[[[[[[[[\""), &err),
           OCS_OK, "otp answer: brackets in a string");
    is_int(ocs_otp_result(big, nested(big, 1, "\"\\\"[[[[[[[[[[[[[[[[[[[[[["
                                               "[[[[[[[[[[[[[[[[[[\""), &err),
           OCS_OK, "otp answer: brackets after an escaped quote");

    free(big);
}


/* a self-signed certificate with the given subject CN and alt names */
static X509 *
make_cert(const char *cn, const char *san)
{
    X509            *x;
    EVP_PKEY        *key;
    X509_NAME       *name;
    X509_EXTENSION  *ext;

    key = EVP_EC_gen("P-256");
    x = X509_new();

    (void) X509_set_version(x, 2);
    (void) ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    (void) X509_gmtime_adj(X509_getm_notBefore(x), 0);
    (void) X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    (void) X509_set_pubkey(x, key);

    name = X509_get_subject_name(x);

    if (cn) {
        (void) X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                          (const unsigned char *) cn, -1,
                                          -1, 0);
    }

    (void) X509_set_issuer_name(x, name);

    if (san) {
        ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
        (void) X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }

    (void) X509_sign(x, key, EVP_sha256());
    EVP_PKEY_free(key);

    return x;
}


static void
test_cert_identity(void)
{
    X509  *x;
    char   out[128];

    x = make_cert("Alice Example",
                  "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:alice@contoso.com,"
                  "email:alice.example@contoso.com");

    is_int(ocs_cert_identity(x, OCS_CERT_UPN, out, sizeof(out)), OCS_OK,
           "UPN found");
    is_str(out, strlen(out), "alice@contoso.com", "UPN value");
    is_int(ocs_cert_identity(x, OCS_CERT_EMAIL, out, sizeof(out)), OCS_OK,
           "e-mail found");
    is_str(out, strlen(out), "alice.example@contoso.com", "e-mail value");
    is_int(ocs_cert_identity(x, OCS_CERT_CN, out, sizeof(out)), OCS_OK,
           "CN found");
    is_str(out, strlen(out), "Alice Example", "CN value");
    is_int(ocs_cert_identity(x, OCS_CERT_UPN, out, 8), OCS_ERR_SPACE,
           "short buffer");
    X509_free(x);

    x = make_cert("bob", NULL);
    is_int(ocs_cert_identity(x, OCS_CERT_UPN, out, sizeof(out)),
           OCS_ERR_NOTFOUND, "no alt names: no UPN");
    is_int(ocs_cert_identity(x, OCS_CERT_CN, out, sizeof(out)), OCS_OK,
           "CN only");
    X509_free(x);

    /* another otherName type is not a UPN */
    x = make_cert(NULL, "otherName:1.2.3.4;UTF8:alice@contoso.com");
    is_int(ocs_cert_identity(x, OCS_CERT_UPN, out, sizeof(out)),
           OCS_ERR_NOTFOUND, "a foreign otherName: no UPN");
    is_int(ocs_cert_identity(x, OCS_CERT_CN, out, sizeof(out)),
           OCS_ERR_NOTFOUND, "no CN");
    X509_free(x);

    ok(ocs_cert_matches("alice", "Alice", 5, NULL), "match: the same name");
    ok(ocs_cert_matches("Alice@Contoso.com", "alice", 5, "contoso.com"),
       "match: user@domain");
    ok(!ocs_cert_matches("alice@evil.example", "alice", 5, "contoso.com"),
       "match: another domain");
    ok(!ocs_cert_matches("alice@contoso.com", "alice", 5, NULL),
       "match: no domain configured");
    ok(!ocs_cert_matches("alicex@contoso.com", "alice", 5, "contoso.com"),
       "match: a longer name");
    ok(!ocs_cert_matches("bob", "alice", 5, NULL), "match: another name");
}


/* a certificate's PEM text, NUL-terminated, malloc()ed */
static char *
cert_pem(X509 *x, size_t *len)
{
    BIO   *bio;
    char  *data, *pem;
    long   n;

    bio = BIO_new(BIO_s_mem());
    (void) PEM_write_bio_X509(bio, x);
    n = BIO_get_mem_data(bio, &data);

    pem = malloc((size_t) n + 1);
    memcpy(pem, data, (size_t) n);
    pem[n] = '\0';
    *len = (size_t) n;

    BIO_free(bio);

    return pem;
}


static void
test_cert_bytes(void)
{
    int             n;
    char            out[128], *pem, *two;
    X509           *x, *y;
    size_t          len, len2;
    unsigned char  *der, *p;

    x = make_cert("Alice Example",
                  "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:alice@contoso.com,"
                  "email:alice.example@contoso.com");

    n = i2d_X509(x, NULL);
    der = malloc((size_t) n + 1);
    p = der;
    (void) i2d_X509(x, &p);

    is_int(ocs_cert_identity_der(der, (size_t) n, OCS_CERT_UPN, out,
                                 sizeof(out)),
           OCS_OK, "der: UPN found");
    is_str(out, strlen(out), "alice@contoso.com", "der: UPN value");
    is_int(ocs_cert_identity_der(der, (size_t) n, OCS_CERT_CN, out,
                                 sizeof(out)),
           OCS_OK, "der: CN found");
    is_str(out, strlen(out), "Alice Example", "der: CN value");
    is_int(ocs_cert_identity_der(der, (size_t) n, OCS_CERT_NONE, out,
                                 sizeof(out)),
           OCS_ERR_NOTFOUND, "der: no source, no identity");
    is_int(ocs_cert_identity_der(der, (size_t) n, OCS_CERT_UPN, out, 8),
           OCS_ERR_SPACE, "der: short buffer");

    der[n] = 0;
    is_int(ocs_cert_identity_der(der, (size_t) n + 1, OCS_CERT_UPN, out,
                                 sizeof(out)),
           OCS_ERR_INVALID, "der: a byte after the certificate");
    is_int(ocs_cert_identity_der(der, (size_t) n - 1, OCS_CERT_UPN, out,
                                 sizeof(out)),
           OCS_ERR_INVALID, "der: cut short");
    is_int(ocs_cert_identity_der(der, 0, OCS_CERT_UPN, out, sizeof(out)),
           OCS_ERR_INVALID, "der: empty");

    pem = cert_pem(x, &len);

    is_int(ocs_cert_identity_pem(pem, len, OCS_CERT_EMAIL, out,
                                 sizeof(out)),
           OCS_OK, "pem: e-mail found");
    is_str(out, strlen(out), "alice.example@contoso.com", "pem: e-mail value");
    is_int(ocs_cert_identity_pem(pem, len + 1, OCS_CERT_UPN, out,
                                 sizeof(out)),
           OCS_OK, "pem: the length counts the NUL");
    is_str(out, strlen(out), "alice@contoso.com", "pem: UPN value");
    is_int(ocs_cert_identity_pem(pem, len / 2, OCS_CERT_UPN, out,
                                 sizeof(out)),
           OCS_ERR_INVALID, "pem: cut short");
    is_int(ocs_cert_identity_pem("-----BEGIN CERTIFICATE-----\nnot base64"
                                 "\n-----END CERTIFICATE-----\n", 60,
                                 OCS_CERT_UPN, out, sizeof(out)),
           OCS_ERR_INVALID, "pem: garbage");
    is_int(ocs_cert_identity_pem((char *) der, (size_t) n, OCS_CERT_UPN, out,
                                 sizeof(out)),
           OCS_ERR_INVALID, "pem: DER is not PEM");
    is_int(ocs_cert_identity_pem("", 0, OCS_CERT_UPN, out, sizeof(out)),
           OCS_ERR_INVALID, "pem: empty");

    /* a chain, as SSL_CLIENT_CERT_CHAIN_n: the first one counts */
    y = make_cert("bob", NULL);
    two = cert_pem(y, &len2);
    two = realloc(two, len2 + len + 1);
    memcpy(two + len2, pem, len + 1);

    is_int(ocs_cert_identity_pem(two, len2 + len, OCS_CERT_CN, out,
                                 sizeof(out)),
           OCS_OK, "pem chain: read");
    is_str(out, strlen(out), "bob", "pem chain: the first certificate");
    is_int(ocs_cert_identity_pem(two, len2 + len, OCS_CERT_UPN, out,
                                 sizeof(out)),
           OCS_ERR_NOTFOUND, "pem chain: not the second one's UPN");

    free(two);
    free(pem);
    free(der);
    X509_free(y);
    X509_free(x);
}


int
main(void)
{
    test_base32();
    test_totp_vectors();
    test_totp_window();
    test_otp_result();
    test_cert_identity();
    test_cert_bytes();

    return ocs_test_done();
}
