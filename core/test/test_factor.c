/*
 * TOTP against RFC 6238 appendix B, base32 against RFC 4648, the OTP
 * server's answers, certificate identities from certificates made here.
 */

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


static void
test_otp_result(void)
{
    static const struct {
        const char  *json;
        int          rc;
    } cases[] = {
        { "{\"result\": {\"status\": true, \"value\": true}, \"version\": "
          "\"privacyIDEA 3.9\"}", OCS_OK },
        { "{\"detail\":{\"message\":\"matching 1 tokens\"},\"result\":"
          "{\"status\":true,\"value\":false}}", OCS_ERR_AUTH },
        { "{\"result\": {\"status\": false, \"error\": {\"code\": 904}}}",
          OCS_ERR_INVALID },
        { "{\"result\": {\"status\": true}}", OCS_ERR_INVALID },
        { "{\"value\": true}", OCS_ERR_INVALID },
        { "<html>502 Bad Gateway</html>", OCS_ERR_INVALID },
        { "", OCS_ERR_INVALID },
    };

    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(ocs_otp_result(cases[i].json, strlen(cases[i].json)),
               cases[i].rc, "otp answer #%zu", i);
    }
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


int
main(void)
{
    test_base32();
    test_totp_vectors();
    test_totp_window();
    test_otp_result();
    test_cert_identity();

    return ocs_test_done();
}
