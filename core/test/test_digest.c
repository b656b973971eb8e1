/*
 * HTTP Digest for conference keys (ocs_digest.h) with a frozen clock:
 * the parser's table (every quoting, duplicate and overflow case), the
 * RFC 7616 §3.9 vectors for MD5, SHA-256 and SHA-512-256 with userhash,
 * nonces sealed and opened across a key ring and running out, the nc
 * window (in order, out of order, replayed, too old), a store that is
 * full or has no room at all, the challenge and the key file.
 */

#include <ocs_test.h>
#include <ocs/ocs_digest.h>


#define T0  1700000000


static ocs_test_env_data_t  clock_data;
static const ocs_env_t      env = { ocs_test_now, ocs_test_random,
                                    &clock_data };


typedef struct {
    const char  *header;
    int          rc;
    const char  *name;
} parse_case_t;


static const parse_case_t  parse_cases[] = {
    { "Digest username=\"a\", realm=\"r\"", OCS_OK, "quoted values" },
    { "digest username=a,realm=r", OCS_OK, "tokens, scheme in lowercase" },
    { "DIGEST username = \"a\" ,\trealm= r", OCS_OK, "spaces and tabs" },
    { "Digest username=\"a\\\"b\"", OCS_OK, "an escaped quote" },
    { "Digest username=\"a\\\\\"", OCS_OK, "an escaped backslash" },
    { "Digest foo=\"x\", username=a", OCS_OK, "an unknown parameter" },
    { "Digest username*=UTF-8''J%C3%A4s%C3%B8n", OCS_OK, "username*" },
    { "Digest username=\"\"", OCS_OK, "an empty quoted value" },
    { "Digest username=\"a\tb\"", OCS_OK, "a tab inside quotes" },

    { "Basic dXNlcjpwYXNz", OCS_ERR_INVALID, "another scheme" },
    { "Digest", OCS_ERR_INVALID, "no parameters" },
    { "Digest ", OCS_ERR_INVALID, "an empty list" },
    { "Digestusername=a", OCS_ERR_INVALID, "no space after the scheme" },
    { "Digest username", OCS_ERR_INVALID, "no =" },
    { "Digest username=", OCS_ERR_INVALID, "no value" },
    { "Digest =a", OCS_ERR_INVALID, "no name" },
    { "Digest username=\"a", OCS_ERR_INVALID, "unterminated quote" },
    { "Digest username=\"a\\", OCS_ERR_INVALID, "backslash at the end" },
    { "Digest username=\"a\\\"", OCS_ERR_INVALID,
      "escaped closing quote" },
    { "Digest username=\"a\"b", OCS_ERR_INVALID, "bytes after a quote" },
    { "Digest username=a b", OCS_ERR_INVALID, "a space in a token" },
    { "Digest username=a,,realm=r", OCS_ERR_INVALID, "an empty element" },
    { "Digest username=a,", OCS_ERR_INVALID, "a trailing comma" },
    { "Digest , username=a", OCS_ERR_INVALID, "a leading comma" },
    { "Digest username=a;realm=r", OCS_ERR_INVALID, "a semicolon" },
    { "Digest username=a, username=b", OCS_ERR_INVALID,
      "a duplicate username" },
    { "Digest username=a, USERNAME=a", OCS_ERR_INVALID,
      "a duplicate in another case" },
    { "Digest foo=1, foo=2", OCS_ERR_INVALID, "a duplicate unknown" },
    { "Digest username=a, username*=UTF-8''b", OCS_ERR_INVALID,
      "username and username*" },
    { "Digest username*=ISO-8859-1''a", OCS_ERR_INVALID,
      "username* not UTF-8" },
    { "Digest username*=UTF-8''a%2", OCS_ERR_INVALID,
      "username* cut escape" },
    { "Digest username*=UTF-8''a%0A", OCS_ERR_INVALID,
      "username* decoded LF" },
    { "Digest username*=UTF-8'a", OCS_ERR_INVALID,
      "username* one quote" },
    { "Digest username=\"a\rb\"", OCS_ERR_INVALID, "CR in quotes" },
    { "Digest username=\"a\nb\"", OCS_ERR_INVALID, "LF in quotes" },
    { "Digest username=\"a\x7f\"", OCS_ERR_INVALID, "DEL in quotes" },
    { "Digest us\"er=a", OCS_ERR_INVALID, "a quote in a name" },
    { "Digest nc=000000001", OCS_ERR_INVALID, "nc over 8 bytes" },
    { "Digest nonce=\"" "0123456789012345678901234567890123456789"
      "0123456789012345678901234567890123456789"
      "0123456789012345678901234\"", OCS_ERR_INVALID,
      "nonce over 104 bytes" },
};


static void
test_parse_table(void)
{
    size_t             i;
    int                rc;
    ocs_err_t          err;
    ocs_digest_cred_t  cred;

    for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        rc = ocs_digest_parse(parse_cases[i].header,
                              strlen(parse_cases[i].header), &cred, &err);
        is_int(rc, parse_cases[i].rc, "parse: %s", parse_cases[i].name);
    }
}


static void
test_parse_values(void)
{
    int                rc;
    char               big[OCS_DIGEST_HEADER_MAX + 64];
    size_t             n;
    ocs_err_t          err;
    ocs_digest_cred_t  cred;
    static const char  nul[] = "Digest username=\"a\0b\"";

    static const char  values[] = "Digest username=\"a\\\"b\\\\c\", "
                                  "realm=r, qop=\"auth\", nc=00000001";

    rc = ocs_digest_parse(values, sizeof(values) - 1, &cred, &err);
    is_int(rc, OCS_OK, "values: parsed");
    is_str(cred.username.data, cred.username.len, "a\"b\\c",
           "values: unescaped username");
    is_str(cred.realm.data, cred.realm.len, "r", "values: token realm");
    is_str(cred.qop.data, cred.qop.len, "auth", "values: quoted qop");
    is_str(cred.nc.data, cred.nc.len, "00000001", "values: nc");
    ok(cred.uri.data == NULL, "values: absent uri is NULL");

    rc = ocs_digest_parse("Digest username*=UTF-8'en'J%C3%A4s%C3%B8n%20Doe",
                          47, &cred, &err);
    is_int(rc, OCS_OK, "username*: parsed");
    is_str(cred.username.data, cred.username.len, "J\xc3\xa4s\xc3\xb8n Doe",
           "username*: decoded");
    is_int(cred.ext, 1, "username*: marked");

    rc = ocs_digest_parse(nul, sizeof(nul) - 1, &cred, &err);
    is_int(rc, OCS_ERR_INVALID, "a NUL in quotes refused");

    /* exactly at the cap, and one byte over */

    memcpy(big, "Digest opaque=\"", 15);
    n = OCS_DIGEST_HEADER_MAX - 16;
    memset(big + 15, 'x', n);
    big[15 + n] = '"';
    rc = ocs_digest_parse(big, OCS_DIGEST_HEADER_MAX, &cred, &err);
    is_int(rc, OCS_ERR_INVALID, "an opaque over its bound refused");

    memcpy(big, "Digest foo=\"", 12);
    n = OCS_DIGEST_HEADER_MAX - 13;
    memset(big + 12, 'x', n);
    big[12 + n] = '"';
    rc = ocs_digest_parse(big, OCS_DIGEST_HEADER_MAX, &cred, &err);
    is_int(rc, OCS_OK, "a header of exactly the cap parsed");

    big[OCS_DIGEST_HEADER_MAX] = ' ';
    rc = ocs_digest_parse(big, OCS_DIGEST_HEADER_MAX + 1, &cred, &err);
    is_int(rc, OCS_ERR_INVALID, "a header over the cap refused");

    /* too many parameters */

    n = (size_t) snprintf(big, sizeof(big), "Digest ");
    for (rc = 0; rc <= OCS_DIGEST_PARAMS_MAX; rc++) {
        n += (size_t) snprintf(big + n, sizeof(big) - n, "%sp%d=1",
                               rc ? "," : "", rc);
    }
    rc = ocs_digest_parse(big, n, &cred, &err);
    is_int(rc, OCS_ERR_INVALID, "more parameters than the cap refused");

    /* a user name over its bound */

    n = (size_t) snprintf(big, sizeof(big), "Digest username=");
    memset(big + n, 'u', OCS_DIGEST_USER_MAX + 1);
    n += OCS_DIGEST_USER_MAX + 1;
    rc = ocs_digest_parse(big, n, &cred, &err);
    is_int(rc, OCS_ERR_INVALID, "a username over its bound refused");
    rc = ocs_digest_parse(big, n - 1, &cred, &err);
    is_int(rc, OCS_OK, "a username at its bound parsed");
}


/* RFC 7616 §3.9: the conference of a user, built by hand */
static void
make_conference(ocs_conference_t *c, const char *id, const char *realm,
    const char *password, unsigned algs)
{
    unsigned     alg;
    int          idx;
    const char  *parts[3];
    size_t       lens[3], i, n;
    char         hex[2 * OCS_DIGEST_HASH_MAX + 1];

    memset(c, 0, sizeof(ocs_conference_t));
    c->id_len = strlen(id);
    memcpy(c->id, id, c->id_len);
    memcpy(c->paths, "/", 1);
    c->paths_len = 1;
    c->algs = algs;

    parts[0] = id;
    lens[0] = strlen(id);
    parts[1] = realm;
    lens[1] = strlen(realm);
    parts[2] = password;
    lens[2] = strlen(password);

    for (alg = 1; alg <= OCS_DIGEST_SHA512_256; alg <<= 1) {
        idx = (alg == OCS_DIGEST_SHA256) ? 0
              : (alg == OCS_DIGEST_SHA512_256) ? 1 : 2;
        n = ocs_digest_alg_len(alg);

        ocs_digest_hash_hex(alg, parts, lens, 3, hex);
        for (i = 0; i < n; i++) {
            sscanf(hex + 2 * i, "%2hhx", &c->ha1[idx][i]);
        }

        ocs_digest_hash_hex(alg, parts, lens, 2, hex);
        for (i = 0; i < n; i++) {
            sscanf(hex + 2 * i, "%2hhx", &c->uhash[idx][i]);
        }
    }
}


static void
test_rfc7616(void)
{
    int                      rc;
    unsigned                 alg;
    char                     h[200];
    ocs_err_t                err;
    ocs_conference_t         mufasa, jason;
    ocs_digest_cred_t        cred;
    ocs_digest_conf_t        conf;
    const ocs_conference_t  *c;
    const char              *parts[1];
    size_t                   lens[1];

    /* §3.9.1, MD5 and SHA-256 */

    make_conference(&mufasa, "Mufasa", "http-auth@example.org",
                    "Circle of Life",
                    OCS_DIGEST_MD5 | OCS_DIGEST_SHA256);

    memset(&conf, 0, sizeof(conf));
    conf.realm = "http-auth@example.org";
    conf.realm_len = strlen(conf.realm);
    conf.algs = OCS_DIGEST_MD5 | OCS_DIGEST_SHA256;
    conf.max_age = 300;
    conf.env = &env;
    conf.confs = &mufasa;
    conf.nconfs = 1;

#define RFC_391(alg, resp)                                                   \
    "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", "          \
    "uri=\"/dir/index.html\", algorithm=" alg ", "                           \
    "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "               \
    "nc=00000001, cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", " \
    "qop=auth, response=\"" resp "\", "                                      \
    "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""

    static const char  md5[] = RFC_391("MD5",
        "8ca523f5e9506fed4657c9700eebdbec");
    static const char  sha256[] = RFC_391("SHA-256",
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
    static const char  sha256_bad[] = RFC_391("SHA-256",
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c2");

    /* the key is right; the nonce is not ours: stale, not a failure */

    rc = ocs_digest_parse(md5, sizeof(md5) - 1, &cred, &err);
    is_int(rc, OCS_OK, "rfc 3.9.1 md5: parsed");
    rc = ocs_digest_verify(&conf, &cred, "GET", 3, "/dir/index.html", 15,
                           &c, &alg, &err);
    is_int(rc, OCS_DIGEST_STALE, "rfc 3.9.1 md5: response right");
    is_int(alg, OCS_DIGEST_MD5, "rfc 3.9.1 md5: algorithm");

    rc = ocs_digest_parse(sha256, sizeof(sha256) - 1, &cred, &err);
    is_int(rc, OCS_OK, "rfc 3.9.1 sha-256: parsed");
    rc = ocs_digest_verify(&conf, &cred, "GET", 3, "/dir/index.html", 15,
                           &c, &alg, &err);
    is_int(rc, OCS_DIGEST_STALE, "rfc 3.9.1 sha-256: response right");
    ok(c == &mufasa, "rfc 3.9.1 sha-256: the conference");

    rc = ocs_digest_parse(sha256_bad, sizeof(sha256_bad) - 1, &cred, &err);
    rc = ocs_digest_verify(&conf, &cred, "GET", 3, "/dir/index.html", 15,
                           &c, &alg, &err);
    is_int(rc, OCS_DIGEST_FAIL, "rfc 3.9.1 sha-256: one digit off fails");
    ok(c == &mufasa, "rfc 3.9.1 sha-256: the conference named, to count");

    rc = ocs_digest_parse(sha256, sizeof(sha256) - 1, &cred, &err);
    rc = ocs_digest_verify(&conf, &cred, "POST", 4, "/dir/index.html", 15,
                           &c, &alg, &err);
    is_int(rc, OCS_DIGEST_FAIL, "rfc 3.9.1 sha-256: another method fails");
    rc = ocs_digest_verify(&conf, &cred, "GET", 3, "/dir/index.htm", 14,
                           &c, &alg, &err);
    is_int(rc, OCS_DIGEST_BAD, "rfc 3.9.1: uri not the target");

    conf.algs = OCS_DIGEST_SHA256;
    rc = ocs_digest_parse(md5, sizeof(md5) - 1, &cred, &err);
    rc = ocs_digest_verify(&conf, &cred, "GET", 3, "/dir/index.html", 15,
                           &c, &alg, &err);
    is_int(rc, OCS_DIGEST_BAD, "rfc 3.9.1: md5 refused unless enabled");

    /*
     * §3.9.2, SHA-512-256 with userhash; the userhash and response as
     * erratum 4897 corrects them (the RFC's text has wrong values)
     */

    make_conference(&jason, "J\xc3\xa4s\xc3\xb8n Doe", "api@example.org",
                    "Secret, or not?", OCS_DIGEST_SHA512_256);

    parts[0] = "J\xc3\xa4s\xc3\xb8n Doe:api@example.org";
    lens[0] = strlen(parts[0]);
    ocs_digest_hash_hex(OCS_DIGEST_SHA512_256, parts, lens, 1, h);
    is_str(h, strlen(h),
           "793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b",
           "rfc 3.9.2: userhash");

    conf.realm = "api@example.org";
    conf.realm_len = strlen(conf.realm);
    conf.algs = OCS_DIGEST_SHA256 | OCS_DIGEST_SHA512_256;
    conf.confs = &jason;

    static const char  s512[] =
        "Digest username=\"793263caabb707a56211940d90411ea4a575adeccb7e360a"
        "eb624ed06ece9b0b\", realm=\"api@example.org\", uri=\"/doe.json\", "
        "algorithm=SHA-512-256, "
        "nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK\", "
        "nc=00000001, cnonce=\"NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v\","
        " qop=auth, response=\"3798d4131c277846293534c3edc11bd8a5e4cdcbff78"
        "b05db9d95eeb1cec68a5\", opaque=\"HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwr"
        "I2QmzDhV9xwr44QEqZg\", userhash=true";

    rc = ocs_digest_parse(s512, sizeof(s512) - 1, &cred, &err);
    is_int(rc, OCS_OK, "rfc 3.9.2 sha-512-256: parsed");
    rc = ocs_digest_verify(&conf, &cred, "GET", 3, "/doe.json", 9, &c, &alg,
                           &err);
    is_int(rc, OCS_DIGEST_STALE, "rfc 3.9.2 sha-512-256: response right");
    ok(c == &jason, "rfc 3.9.2: found by userhash");
    is_int(alg, OCS_DIGEST_SHA512_256, "rfc 3.9.2: algorithm");

    conf.realm = "API@example.org";
    rc = ocs_digest_verify(&conf, &cred, "GET", 3, "/doe.json", 9, &c, &alg,
                           &err);
    is_int(rc, OCS_DIGEST_BAD, "rfc 3.9.2: another realm");
}


/* a request's Authorization header for conference c with key */
static size_t
authorization(const char *id, const char *realm, const char *key,
    unsigned alg, const char *nonce, const char *nc, const char *uri,
    int userhash, char *out, size_t outlen)
{
    const char  *parts[6];
    size_t       lens[6];
    char         ha1[65], ha2[65], resp[65], user[65];

    parts[0] = id;
    lens[0] = strlen(id);
    parts[1] = realm;
    lens[1] = strlen(realm);
    parts[2] = key;
    lens[2] = strlen(key);
    ocs_digest_hash_hex(alg, parts, lens, 3, ha1);
    ocs_digest_hash_hex(alg, parts, lens, 2, user);

    parts[0] = "GET";
    lens[0] = 3;
    parts[1] = uri;
    lens[1] = strlen(uri);
    ocs_digest_hash_hex(alg, parts, lens, 2, ha2);

    parts[0] = ha1;
    lens[0] = strlen(ha1);
    parts[1] = nonce;
    lens[1] = strlen(nonce);
    parts[2] = nc;
    lens[2] = strlen(nc);
    parts[3] = "c0ffee";
    lens[3] = 6;
    parts[4] = "auth";
    lens[4] = 4;
    parts[5] = ha2;
    lens[5] = strlen(ha2);
    ocs_digest_hash_hex(alg, parts, lens, 6, resp);

    return (size_t) snprintf(out, outlen,
        "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", "
        "algorithm=%s, qop=auth, nc=%s, cnonce=\"c0ffee\", response=\"%s\"%s",
        userhash ? user : id, realm, nonce, uri, ocs_digest_alg_name(alg),
        nc, resp, userhash ? ", userhash=true" : "");
}


static int
try(ocs_digest_conf_t *conf, const char *key, unsigned alg,
    const char *nonce, const char *nc, int userhash)
{
    char                     hdr[1024];
    size_t                   n;
    unsigned                 got;
    ocs_err_t                err;
    ocs_digest_cred_t        cred;
    const ocs_conference_t  *c;

    n = authorization("m-1", conf->realm, key, alg, nonce, nc, "/Conf/m-1/a",
                      userhash, hdr, sizeof(hdr));

    if (ocs_digest_parse(hdr, n, &cred, &err) != OCS_OK) {
        return -1;
    }

    return ocs_digest_verify(conf, &cred, "GET", 3, "/Conf/m-1/a", 11, &c,
                             &got, &err);
}


static void
test_flow(void)
{
    int                rc;
    size_t             n;
    char               nonce[OCS_DIGEST_NONCE_LEN + 1];
    char               nonce2[OCS_DIGEST_NONCE_LEN + 1];
    char               line[OCS_CONF_LINE_MAX];
    char               text[4096];
    unsigned char      raw[OCS_KEY_LEN];
    ocs_err_t          err;
    ocs_store_t        store, empty, small;
    ocs_keyring_t      ring, ring2;
    ocs_conference_t   confs[4];
    ocs_digest_conf_t  conf;

    clock_data.now = T0;

    memset(raw, 1, sizeof(raw));
    ocs_keyring_parse(&ring, "", 0, &err);
    ocs_keyring_add(&ring, raw, sizeof(raw), &err);
    memset(raw, 2, sizeof(raw));
    ocs_keyring_parse(&ring2, "", 0, &err);
    ocs_keyring_add(&ring2, raw, sizeof(raw), &err);

    /* the key file, as the tool writes it */

    n = ocs_conference_format("m-1", "conf@example.org",
                              "/Conf/m-1/,/etc/place/null/m-1",
                              "key one",
                              OCS_DIGEST_SHA256 | OCS_DIGEST_SHA512_256
                              | OCS_DIGEST_MD5,
                              "$y$j9T$salt$hash", line, sizeof(line));
    ok(n > 0 && line[n - 1] == '\n', "format: a line");
    ok(strstr(line, "key one") == NULL, "format: the key is not in it");

    n = (size_t) snprintf(text, sizeof(text), "# c\n\n%sother:another realm:"
                          "/x:%064d:::\n", line, 0);

    rc = ocs_conference_parse(text, n, "conf@example.org", 16, confs, 4, &n,
                              &err);
    is_int(rc, OCS_OK, "key file: parsed");
    is_int(n, 1, "key file: the other realm skipped");
    is_int(confs[0].algs, OCS_DIGEST_SHA256 | OCS_DIGEST_SHA512_256
                          | OCS_DIGEST_MD5, "key file: three HA1");
    is_str(confs[0].join, strlen(confs[0].join), "$y$j9T$salt$hash",
           "key file: the join hash");

    rc = ocs_conference_parse(text, strlen(text), "conf@example.org", 16,
                              confs, 0, &n, &err);
    is_int(rc, OCS_ERR_SPACE, "key file: no room says how many");
    is_int(n, 1, "key file: the count needed");

    n = (size_t) snprintf(text, sizeof(text), "%s%s", line, line);
    rc = ocs_conference_parse(text, n, "conf@example.org", 16, confs + 1, 3,
                              &n, &err);
    is_int(rc, OCS_ERR_INVALID, "key file: a duplicate id refused");

    rc = ocs_conference_parse("m 1:conf@example.org:/a:00:::\n", 30,
                              "conf@example.org", 16, confs + 1, 3, &n, &err);
    is_int(rc, OCS_ERR_INVALID, "key file: a bad id refused");

    rc = ocs_conference_parse_line("m:conf@example.org:a:" "00::::", 27,
                                   "conf@example.org", 16, confs + 1, &err);
    is_int(rc, OCS_ERR_INVALID, "key file: a relative path refused");

    rc = ocs_conference_parse_line("m:conf@example.org:/a::::", 25,
                                   "conf@example.org", 16, confs + 1, &err);
    is_int(rc, OCS_ERR_INVALID, "key file: no HA1 refused");

    ok(ocs_conference_covers(&confs[0], "/Conf/m-1/x", 11),
       "covers: under a prefix");
    ok(ocs_conference_covers(&confs[0], "/etc/place/null/m-1", 19),
       "covers: the path itself");
    ok(ocs_conference_covers(&confs[0], "/etc/place/null/m-1/y", 21),
       "covers: below a path without a slash");
    ok(!ocs_conference_covers(&confs[0], "/etc/place/null/m-10", 20),
       "covers: not a longer name");
    ok(!ocs_conference_covers(&confs[0], "/Conf/m-2/x", 11),
       "covers: not another conference");
    ok(!ocs_conference_covers(&confs[0], "/Conf/m-1", 9),
       "covers: not the parent of a slash prefix");

    /* which tickets a location takes */

    ok(ocs_conference_ticket_admits("", 0, NULL, 0, "/cwa/", 5),
       "admits: a user's ticket elsewhere");
    ok(!ocs_conference_ticket_admits("", 0, confs, 1, "/Conf/m-1/x", 11),
       "admits: not a user's ticket at a conference");
    ok(ocs_conference_ticket_admits("m-1", 3, confs, 1, "/Conf/m-1/x", 11),
       "admits: a participant's on its conference");
    ok(!ocs_conference_ticket_admits("m-1", 3, confs, 1, "/Conf/m-2/x", 11),
       "admits: not on another conference's path");
    ok(!ocs_conference_ticket_admits("m-2", 3, confs, 1, "/Conf/m-1/x", 11),
       "admits: not another conference's ticket");
    ok(!ocs_conference_ticket_admits("m-1", 3, NULL, 0, "/Conf/m-1/x", 11),
       "admits: not a participant's elsewhere");

    n = ocs_conference_user(&confs[0], line);
    is_str(line, n, "anonymous:m-1", "user: marked anonymous");

    /* a full exchange */

    if (ocs_store_mem_create(&store, 64, &env) != OCS_OK
        || ocs_store_mem_create(&empty, 0, &env) != OCS_OK
        || ocs_store_mem_create(&small, 2, &env) != OCS_OK)
    {
        printf("Bail out! no memory for a store\n");
        exit(1);
    }

    memset(&conf, 0, sizeof(conf));
    conf.realm = "conf@example.org";
    conf.realm_len = 16;
    conf.algs = OCS_DIGEST_SHA256 | OCS_DIGEST_SHA512_256;
    conf.max_age = 300;
    conf.ring = &ring;
    conf.store = &store;
    conf.env = &env;
    conf.confs = confs;
    conf.nconfs = 1;
    conf.hashes = ocs_digest_hashes_create(&err);
    ok(conf.hashes != NULL, "hashes: fetched once");

    rc = ocs_digest_nonce_issue(&conf, nonce, sizeof(nonce), &err);
    is_int(rc, OCS_OK, "nonce: issued");
    is_int(strlen(nonce), OCS_DIGEST_NONCE_LEN, "nonce: its length");
    is_int(ocs_digest_nonce_check(&conf, nonce, strlen(nonce), NULL), OCS_OK,
           "nonce: ours");
    rc = ocs_digest_nonce_issue(&conf, nonce2, sizeof(nonce2), &err);
    ok(strcmp(nonce, nonce2) != 0, "nonce: a fresh one each time");

    nonce2[10] = (nonce2[10] == '0') ? '1' : '0';
    is_int(ocs_digest_nonce_check(&conf, nonce2, strlen(nonce2), NULL),
           OCS_ERR_AUTH, "nonce: tampered");
    is_int(ocs_digest_nonce_check(&conf, nonce2, 10, NULL),
           OCS_ERR_INVALID, "nonce: cut");

    is_int(try(&conf, "key one", OCS_DIGEST_SHA256, nonce, "00000001", 0),
           OCS_DIGEST_PASS, "sha-256: passes");
    is_int(try(&conf, "key one", OCS_DIGEST_SHA256, nonce, "00000001", 0),
           OCS_DIGEST_REPLAY, "sha-256: nc replayed");
    is_int(try(&conf, "key one", OCS_DIGEST_SHA512_256, nonce, "00000003",
               0), OCS_DIGEST_PASS, "sha-512-256: nc 3 passes");
    is_int(try(&conf, "key one", OCS_DIGEST_SHA256, nonce, "00000002", 1),
           OCS_DIGEST_PASS, "userhash: nc 2 out of order passes");
    is_int(try(&conf, "key one", OCS_DIGEST_SHA256, nonce, "00000002", 0),
           OCS_DIGEST_REPLAY, "nc 2 again replayed");
    is_int(try(&conf, "key one", OCS_DIGEST_SHA256, nonce, "00000100", 0),
           OCS_DIGEST_PASS, "nc 0x100 passes");
    is_int(try(&conf, "key one", OCS_DIGEST_SHA256, nonce, "000000c1", 0),
           OCS_DIGEST_PASS, "nc 63 below the highest passes");
    is_int(try(&conf, "key one", OCS_DIGEST_SHA256, nonce, "000000c0", 0),
           OCS_DIGEST_REPLAY, "nc 64 below the highest refused");
    is_int(try(&conf, "key one", OCS_DIGEST_SHA256, nonce, "00000000", 0),
           OCS_DIGEST_REPLAY, "nc 0 refused");
    is_int(try(&conf, "key two", OCS_DIGEST_SHA256, nonce, "00000101", 0),
           OCS_DIGEST_FAIL, "a wrong key fails");
    is_int(try(&conf, "key two", OCS_DIGEST_SHA256, nonce, "00000101", 1),
           OCS_DIGEST_FAIL, "a wrong key with userhash fails");
    is_int(try(&conf, "key one", OCS_DIGEST_MD5, nonce, "00000101", 0),
           OCS_DIGEST_BAD, "md5 not offered");
    is_int(try(&conf, "key one", OCS_DIGEST_SHA256, nonce, "00000101", 0),
           OCS_DIGEST_PASS, "nc after a failure still new");

    conf.nconfs = 0;
    is_int(try(&conf, "key one", OCS_DIGEST_SHA256, nonce, "00000102", 0),
           OCS_DIGEST_FAIL, "an unknown id fails as a wrong key");
    conf.nconfs = 1;

    /* time runs out */

    clock_data.now = T0 + 300;
    is_int(try(&conf, "key one", OCS_DIGEST_SHA256, nonce, "00000103", 0),
           OCS_DIGEST_PASS, "nonce at its max age passes");
    clock_data.now = T0 + 301;
    is_int(try(&conf, "key one", OCS_DIGEST_SHA256, nonce, "00000104", 0),
           OCS_DIGEST_STALE, "nonce past its max age stale");
    is_int(try(&conf, "key two", OCS_DIGEST_SHA256, nonce, "00000104", 0),
           OCS_DIGEST_FAIL, "old nonce, wrong key: a failure, not stale");

    /* the ring: the first seals, every key opens */

    clock_data.now = T0;
    ocs_digest_nonce_issue(&conf, nonce, sizeof(nonce), &err);
    ring2.keys[1] = ring.keys[0];
    ring2.n = 2;
    conf.ring = &ring2;
    is_int(try(&conf, "key one", OCS_DIGEST_SHA256, nonce, "00000001", 0),
           OCS_DIGEST_PASS, "ring: an older key opens");
    ring2.n = 1;
    is_int(try(&conf, "key one", OCS_DIGEST_SHA256, nonce, "00000002", 0),
           OCS_DIGEST_STALE, "ring: a key gone, stale");
    conf.ring = &ring;

    conf.realm = "conf2@example.org";
    conf.realm_len = 17;
    is_int(ocs_digest_nonce_check(&conf, nonce, strlen(nonce), NULL),
           OCS_ERR_AUTH, "nonce: bound to the realm");
    conf.realm = "conf@example.org";
    conf.realm_len = 16;

    clock_data.now = T0 - 60;
    is_int(ocs_digest_nonce_check(&conf, nonce, strlen(nonce), NULL),
           OCS_ERR_AUTH, "nonce: from the future");
    clock_data.now = T0;

    /* a store with no room at all: every nonce stale, none passes */

    conf.store = &empty;
    rc = ocs_digest_nonce_issue(&conf, nonce, sizeof(nonce), &err);
    is_int(rc, OCS_ERR_SPACE, "no room: issuing says so");
    is_int(try(&conf, "key one", OCS_DIGEST_SHA256, nonce, "00000001", 0),
           OCS_DIGEST_STALE, "no room: stale, never open");

    conf.store = NULL;
    is_int(try(&conf, "key one", OCS_DIGEST_SHA256, nonce, "00000001", 0),
           OCS_DIGEST_STALE, "no store: stale, never open");

    /* a full store: the oldest nonce loses its window, the newest pass */

    conf.store = &small;
    ocs_digest_nonce_issue(&conf, nonce, sizeof(nonce), &err);
    ocs_digest_nonce_issue(&conf, nonce2, sizeof(nonce2), &err);
    rc = ocs_digest_nonce_issue(&conf, line, sizeof(line), &err);
    is_int(rc, OCS_OK, "full: a third nonce has room");
    is_int(try(&conf, "key one", OCS_DIGEST_SHA256, nonce, "00000001", 0),
           OCS_DIGEST_STALE, "full: the oldest is stale");
    is_int(try(&conf, "key one", OCS_DIGEST_SHA256, line, "00000001", 0),
           OCS_DIGEST_PASS, "full: the newest passes");
    is_int(try(&conf, "key one", OCS_DIGEST_SHA256, line, "00000001", 0),
           OCS_DIGEST_REPLAY, "full: and is still checked for replays");

    ocs_digest_hashes_destroy(conf.hashes);
    ocs_store_mem_destroy(&store);
    ocs_store_mem_destroy(&empty);
    ocs_store_mem_destroy(&small);
    ocs_keyring_wipe(&ring);
    ocs_keyring_wipe(&ring2);
}


static void
test_challenge(void)
{
    size_t             n;
    char               out[OCS_DIGEST_CHALLENGE_MAX];
    ocs_digest_conf_t  conf;

    memset(&conf, 0, sizeof(conf));
    conf.realm = "conf@example.org";
    conf.realm_len = 16;

    is_int(ocs_digest_alg_next(OCS_DIGEST_SHA256 | OCS_DIGEST_SHA512_256
                               | OCS_DIGEST_MD5, 0),
           OCS_DIGEST_SHA512_256, "challenge: the strongest first");
    is_int(ocs_digest_alg_next(OCS_DIGEST_SHA256 | OCS_DIGEST_MD5,
                               OCS_DIGEST_SHA256),
           OCS_DIGEST_MD5, "challenge: then the next");
    is_int(ocs_digest_alg_next(OCS_DIGEST_SHA256, OCS_DIGEST_SHA256), 0,
           "challenge: then none");

    n = ocs_digest_challenge(&conf, OCS_DIGEST_SHA256, "abc", 1, out,
                             sizeof(out));
    is_str(out, n, "Digest realm=\"conf@example.org\", qop=\"auth\", "
           "algorithm=SHA-256, nonce=\"abc\", charset=UTF-8, userhash=true, "
           "stale=true", "challenge: the value");
    is_int(ocs_digest_challenge(&conf, OCS_DIGEST_SHA256, "abc", 0, out, 20),
           0, "challenge: no room");
}


int
main(void)
{
    ocs_init();

    test_parse_table();
    test_parse_values();
    test_rfc7616();
    test_flow();
    test_challenge();

    return ocs_test_done();
}
