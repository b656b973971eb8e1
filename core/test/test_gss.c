/*
 * The Authorization token of Negotiate and NTLM (schemes, case, spaces,
 * base64 as nginx decodes it, the size cap), realm stripping, and the
 * NTLM message repairs on hand-made messages.
 */

#include <ocs_test.h>
#include <ocs/ocs_gss.h>


typedef struct {
    const char  *header;
    size_t       max;
    int          rc;
    int          scheme;
    const char  *b64;        /* what the token is, when rc is OCS_OK */
    size_t       size;
} token_case_t;


static const token_case_t  token_cases[] = {
    { "Negotiate YWJj", 100, OCS_OK, OCS_GSS_NEGOTIATE, "YWJj", 3 },
    { "negotiate YWJj", 100, OCS_OK, OCS_GSS_NEGOTIATE, "YWJj", 3 },
    { "NEGOTIATE YWJj", 100, OCS_OK, OCS_GSS_NEGOTIATE, "YWJj", 3 },
    { "NTLM TlRMTVNTUAAB", 100, OCS_OK, OCS_GSS_NTLM, "TlRMTVNTUAAB", 9 },
    { "ntlm TlRMTVNTUAAB", 100, OCS_OK, OCS_GSS_NTLM, "TlRMTVNTUAAB", 9 },
    { "Negotiate    YWJj", 100, OCS_OK, OCS_GSS_NEGOTIATE, "YWJj", 3 },
    { "Negotiate YWI", 100, OCS_OK, OCS_GSS_NEGOTIATE, "YWI", 3 },
    { "Negotiate YWJjZA==", 6, OCS_OK, OCS_GSS_NEGOTIATE, "YWJjZA==", 6 },
    { "Negotiate YWJjZA==", 5, OCS_ERR_SPACE, OCS_GSS_NEGOTIATE, NULL, 6 },
    { "Negotiate ", 100, OCS_ERR_SPACE, OCS_GSS_NEGOTIATE, NULL, 0 },
    { "Negotiate    ", 100, OCS_ERR_SPACE, OCS_GSS_NEGOTIATE, NULL, 0 },
    { "NTLM ", 100, OCS_ERR_SPACE, OCS_GSS_NTLM, NULL, 0 },
    { "Negotiate", 100, OCS_ERR_NOTFOUND, OCS_GSS_NONE, NULL, 0 },
    { "NegotiateYWJj", 100, OCS_ERR_NOTFOUND, OCS_GSS_NONE, NULL, 0 },
    { "Basic YWJj", 100, OCS_ERR_NOTFOUND, OCS_GSS_NONE, NULL, 0 },
    { " Negotiate YWJj", 100, OCS_ERR_NOTFOUND, OCS_GSS_NONE, NULL, 0 },
    { "Negotiate\tYWJj", 100, OCS_ERR_NOTFOUND, OCS_GSS_NONE, NULL, 0 },
    { "NTLMSSP YWJj", 100, OCS_ERR_NOTFOUND, OCS_GSS_NONE, NULL, 0 },
    { "", 100, OCS_ERR_NOTFOUND, OCS_GSS_NONE, NULL, 0 },
};


static void
test_token(void)
{
    int              rc;
    size_t           i;
    ocs_gss_token_t  tok;

    for (i = 0; i < sizeof(token_cases) / sizeof(token_cases[0]); i++) {
        const token_case_t  *c = &token_cases[i];

        memset(&tok, 0x55, sizeof(tok));
        rc = ocs_gss_token(c->header, strlen(c->header), c->max, &tok);

        is_int(rc, c->rc, "token \"%s\" (max %zu): return", c->header,
               c->max);
        is_int(tok.scheme, c->scheme, "token \"%s\": scheme", c->header);

        if (rc != OCS_ERR_NOTFOUND) {
            is_int(tok.size, c->size, "token \"%s\": size", c->header);
            ok(tok.room >= tok.size && tok.room >= OCS_GSS_TOKEN_ROOM,
               "token \"%s\": room for the fix-up", c->header);
        }

        if (c->b64 != NULL) {
            is_str(tok.b64, tok.b64_len, c->b64, "token \"%s\": base64",
                   c->header);
        }
    }
}


typedef struct {
    const char  *b64;
    int          rc;
    const char  *out;
} decode_case_t;


static const decode_case_t  decode_cases[] = {
    { "YWJj", OCS_OK, "abc" },
    { "YWJjZA==", OCS_OK, "abcd" },
    { "YWJjZA", OCS_OK, "abcd" },
    { "YWJjZGU=", OCS_OK, "abcde" },
    { "YWJjZGU", OCS_OK, "abcde" },
    { "Pz8-", OCS_ERR_INVALID, NULL },        /* base64url is not it */
    { "Pz8/", OCS_OK, "???" },
    { "Pz8_", OCS_ERR_INVALID, NULL },
    { "YWJj ZA==", OCS_ERR_INVALID, NULL },
    { "YWJjZ", OCS_ERR_INVALID, NULL },       /* 4n + 1 */
    { "YWJj=ignored", OCS_OK, "abc" },        /* ends at the first "=" */
    { "YW\x80j", OCS_ERR_INVALID, NULL },
    { "=", OCS_OK, "" },
};


static void
test_decode(void)
{
    int              rc;
    size_t           i, n;
    unsigned char    out[64];
    ocs_gss_token_t  tok;

    for (i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
        const decode_case_t  *c = &decode_cases[i];

        memset(&tok, 0, sizeof(tok));
        tok.b64 = c->b64;
        tok.b64_len = strlen(c->b64);
        n = 99;

        rc = ocs_gss_token_decode(&tok, out, sizeof(out), &n);
        is_int(rc, c->rc, "decode \"%s\": return", c->b64);

        if (c->out != NULL && rc == OCS_OK) {
            is_str(out, n, c->out, "decode \"%s\": bytes", c->b64);
        }
    }

    /* the caller's buffer is checked, whatever the header claims */
    tok.b64 = "YWJjZGVm";
    tok.b64_len = 8;
    is_int(ocs_gss_token_decode(&tok, out, 5, &n), OCS_ERR_SPACE,
           "decode: 6 bytes into 5 refused");
    is_int(ocs_gss_token_decode(&tok, out, 6, &n), OCS_OK,
           "decode: 6 bytes into 6");
    is_int(n, 6, "decode: 6 bytes written");

    /* a whole header, found then decoded */
    is_int(ocs_gss_token("Negotiate  TlRMTVNTUAAB", 23, 64, &tok), OCS_OK,
           "header: found");
    is_int(ocs_gss_token_decode(&tok, out, tok.room, &n), OCS_OK,
           "header: decoded");
    ok(n == 9 && memcmp(out, "NTLMSSP\0\1", 9) == 0, "header: the bytes");
}


typedef struct {
    const char  *in;
    const char  *out;
} realm_case_t;


static const realm_case_t  realm_cases[] = {
    { "alice@EXAMPLE.COM", "alice" },
    { "EXAMPLE\\alice", "alice" },
    { "alice", "alice" },
    { "EXAMPLE\\alice@EXAMPLE.COM", "alice" },
    { "a@b\\c", "a" },
    { "@EXAMPLE.COM", "" },
    { "EXAMPLE\\", "" },
};


static void
test_strip_realm(void)
{
    size_t  i, len;
    char    name[64];

    for (i = 0; i < sizeof(realm_cases) / sizeof(realm_cases[0]); i++) {
        len = strlen(realm_cases[i].in);
        memcpy(name, realm_cases[i].in, len);

        ocs_gss_strip_realm(name, &len);
        is_str(name, len, realm_cases[i].out, "realm of \"%s\" stripped",
               realm_cases[i].in);
    }
}


/* an NTLM message header of the given type, the rest zero */
static size_t
ntlm_msg(unsigned char *buf, size_t size, int type, size_t len)
{
    memset(buf, 0, size);
    memcpy(buf, "NTLMSSP", 8);
    buf[8] = (unsigned char) type;

    return len;
}


/* AUTHENTICATE field i: length 4 at offset off */
static void
ntlm_field(unsigned char *buf, int i, unsigned off)
{
    unsigned char  *h = buf + 12 + 8 * i;

    h[0] = 4;
    h[2] = 4;
    h[4] = (unsigned char) off;
    h[5] = (unsigned char) (off >> 8);
}


static void
test_ntlm_fixup(void)
{
    size_t         len;
    unsigned char  buf[128], copy[128];

    /* curl's NEGOTIATE: 32 bytes, no VERSION: padded with zeros */
    len = ntlm_msg(buf, sizeof(buf), 1, 32);
    buf[12] = 0x07;
    buf[31] = 0xaa;
    memset(buf + 32, 0xee, 8);
    ocs_ntlm_fixup(buf, &len, sizeof(buf));
    is_int(len, 40, "short NEGOTIATE padded to 40");
    ok(buf[12] == 0x07 && buf[31] == 0xaa, "NEGOTIATE: its bytes kept");
    ok(buf[32] == 0 && buf[39] == 0, "NEGOTIATE: the padding is zeros");

    len = ntlm_msg(buf, sizeof(buf), 1, 32);
    ocs_ntlm_fixup(buf, &len, 36);
    is_int(len, 32, "NEGOTIATE: no room, left alone");

    len = ntlm_msg(buf, sizeof(buf), 1, 40);
    ocs_ntlm_fixup(buf, &len, sizeof(buf));
    is_int(len, 40, "NEGOTIATE of 40 bytes: left alone");

    /* AUTHENTICATE with the VERSION flag, payload at 64: flag cleared */
    len = ntlm_msg(buf, sizeof(buf), 3, 88);
    ntlm_field(buf, 0, 64);
    ntlm_field(buf, 1, 68);
    ntlm_field(buf, 2, 72);
    buf[60] = 0x05;
    buf[63] = 0xe2;
    memcpy(copy, buf, sizeof(buf));
    ocs_ntlm_fixup(buf, &len, sizeof(buf));
    is_int(buf[63], 0xe0, "AUTHENTICATE without VERSION: flag cleared");
    buf[63] = 0xe2;
    ok(memcmp(buf, copy, sizeof(buf)) == 0,
       "AUTHENTICATE: nothing else changed");
    is_int(len, 88, "AUTHENTICATE: length kept");

    /* the same with a VERSION field (payload from 72): left alone */
    len = ntlm_msg(buf, sizeof(buf), 3, 88);
    ntlm_field(buf, 0, 72);
    ntlm_field(buf, 1, 76);
    buf[63] = 0x02;
    ocs_ntlm_fixup(buf, &len, sizeof(buf));
    is_int(buf[63], 0x02, "AUTHENTICATE with VERSION: flag kept");

    /* empty fields do not count for the payload's start */
    len = ntlm_msg(buf, sizeof(buf), 3, 88);
    ntlm_field(buf, 0, 80);
    buf[12 + 8 + 4] = 8;          /* field 1: length 0, offset 8 */
    buf[63] = 0x02;
    ocs_ntlm_fixup(buf, &len, sizeof(buf));
    is_int(buf[63], 0x02, "AUTHENTICATE: empty fields ignored");

    /* not NTLM, or too short: left alone */
    len = 40;
    memset(buf, 0x60, sizeof(buf));
    memcpy(copy, buf, sizeof(buf));
    ocs_ntlm_fixup(buf, &len, sizeof(buf));
    ok(len == 40 && memcmp(buf, copy, sizeof(buf)) == 0,
       "SPNEGO token: left alone");

    len = ntlm_msg(buf, sizeof(buf), 3, 40);
    buf[63] = 0x02;
    ocs_ntlm_fixup(buf, &len, sizeof(buf));
    is_int(buf[63], 0x02, "truncated AUTHENTICATE: left alone");

    len = 5;
    memcpy(buf, "NTLMS", 5);
    ocs_ntlm_fixup(buf, &len, sizeof(buf));
    is_int(len, 5, "5 bytes: left alone");
}


/* no KDC and no keytab: every leg refused, nothing kept */
static void
test_accept_refused(void)
{
    int               rc;
    char              text[256];
    ocs_gss_ctx_t    *ctx;
    ocs_gss_conf_t    conf;
    ocs_gss_result_t  res;

    memset(&conf, 0, sizeof(conf));
    conf.keytab = "/nonexistent/ocs-test.keytab";

    memset(&res, 0, sizeof(res));
    ctx = NULL;
    rc = ocs_gss_accept(&conf, &ctx, (const unsigned char *) "garbage", 7,
                        &res);
    is_int(rc, OCS_ERR_AUTH, "accept: a bad token or keytab refused");
    ok(ctx == NULL, "accept refused: no context kept");
    ok(res.what != NULL, "accept refused: says what failed (%s)",
       res.what ? res.what : "");
    is_int(res.name_len, 0, "accept refused: no name");

    ocs_gss_status_text(&res, text, sizeof(text));
    ok(strstr(text, ": ") != NULL, "status text: \"%s\"", text);

    ocs_gss_status_text(&res, text, 4);
    is_int(strlen(text), 3, "status text: cut to the buffer");

    ocs_gss_result_clear(&res);
    ok(res.output == NULL, "result cleared");

    /* a principal that is not a name: refused before any credential */
    conf.principal = "HTTP/@@@";
    conf.principal_len = 8;
    memset(&res, 0, sizeof(res));
    rc = ocs_gss_accept(&conf, &ctx, (const unsigned char *) "x", 1, &res);
    is_int(rc, OCS_ERR_AUTH, "accept with a bad principal refused");
    ocs_gss_result_clear(&res);

    ocs_gss_ctx_free(&ctx);
    ok(ctx == NULL, "freeing no context is fine");
}


int
main(void)
{
    test_token();
    test_decode();
    test_strip_realm();
    test_ntlm_fixup();
    test_accept_refused();

    return ocs_test_done();
}
