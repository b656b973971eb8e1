/*
 * The GSSAPI side of Negotiate and NTLM: the Authorization token, one
 * accept leg with the keytab's credentials, what failed in GSSAPI's own
 * words, and the NTLM repairs.  Each leg acquires its credentials and
 * releases everything it made but the context it hands back, so pool
 * threads may accept at once.
 */

#include <stdio.h>
#include <string.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include <ocs/ocs_gss.h>


static const char *ocs_gss_accept_leg(const ocs_gss_conf_t *conf,
    gss_ctx_id_t *gctx, const unsigned char *token,
    size_t len, gss_name_t *client, int *more, ocs_gss_result_t *res);
static const char *ocs_gss_check_target(gss_ctx_id_t gctx,
    gss_name_t service, ocs_gss_result_t *res);
static const char *ocs_gss_client_name(gss_name_t client,
    ocs_gss_result_t *res);
static size_t ocs_gss_scheme(const char *value, size_t len, int *scheme);


/* 1.3.6.1.4.1.311.2.2.10, NTLM as a GSSAPI mechanism */
static const unsigned char  ocs_gss_ntlmssp[] = {
    0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a
};

/* the standard alphabet; 77: not in it */
static const unsigned char  ocs_gss_b64[256] = {
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 62, 77, 77, 77, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 77, 77, 77, 77, 77, 77,
    77,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 77, 77, 77, 77, 77,
    77, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
    77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77
};


int
ocs_gss_token(const char *value, size_t len, size_t max,
    ocs_gss_token_t *tok)
{
    const char  *p, *end;

    memset(tok, 0, sizeof(ocs_gss_token_t));

    tok->skip = ocs_gss_scheme(value, len, &tok->scheme);
    if (tok->skip == 0) {
        return OCS_ERR_NOTFOUND;
    }

    p = value + tok->skip;
    end = value + len;

    while (p < end && *p == ' ') {
        p++;
    }

    tok->b64 = p;
    tok->b64_len = end - p;

    /* what nginx's ngx_base64_decoded_length() says */
    tok->size = (tok->b64_len + 3) / 4 * 3;
    tok->room = tok->size > OCS_GSS_TOKEN_ROOM ? tok->size
                                               : OCS_GSS_TOKEN_ROOM;

    if (tok->b64_len == 0 || tok->size > max) {
        return OCS_ERR_SPACE;
    }

    return OCS_OK;
}


/* the length of "Negotiate " or "NTLM " that starts value, else 0 */
static size_t
ocs_gss_scheme(const char *value, size_t len, int *scheme)
{
    if (len >= sizeof("Negotiate ") - 1
        && strncasecmp(value, "Negotiate ", sizeof("Negotiate ") - 1) == 0)
    {
        *scheme = OCS_GSS_NEGOTIATE;
        return sizeof("Negotiate ") - 1;
    }

    if (len >= sizeof("NTLM ") - 1
        && strncasecmp(value, "NTLM ", sizeof("NTLM ") - 1) == 0)
    {
        *scheme = OCS_GSS_NTLM;
        return sizeof("NTLM ") - 1;
    }

    *scheme = OCS_GSS_NONE;

    return 0;
}


int
ocs_gss_token_decode(const ocs_gss_token_t *tok, unsigned char *out,
    size_t outsize, size_t *outlen)
{
    size_t                n, len;
    unsigned char        *d;
    const unsigned char  *s;

    s = (const unsigned char *) tok->b64;

    for (len = 0; len < tok->b64_len; len++) {
        if (s[len] == '=') {
            break;
        }

        if (ocs_gss_b64[s[len]] == 77) {
            return OCS_ERR_INVALID;
        }
    }

    if (len % 4 == 1) {
        return OCS_ERR_INVALID;
    }

    n = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);

    if (n > outsize) {
        return OCS_ERR_SPACE;
    }

    d = out;

    while (len > 3) {
        *d++ = (unsigned char) (ocs_gss_b64[s[0]] << 2
                                | ocs_gss_b64[s[1]] >> 4);
        *d++ = (unsigned char) (ocs_gss_b64[s[1]] << 4
                                | ocs_gss_b64[s[2]] >> 2);
        *d++ = (unsigned char) (ocs_gss_b64[s[2]] << 6 | ocs_gss_b64[s[3]]);

        s += 4;
        len -= 4;
    }

    if (len > 1) {
        *d++ = (unsigned char) (ocs_gss_b64[s[0]] << 2
                                | ocs_gss_b64[s[1]] >> 4);
    }

    if (len > 2) {
        *d++ = (unsigned char) (ocs_gss_b64[s[1]] << 4
                                | ocs_gss_b64[s[2]] >> 2);
    }

    *outlen = d - out;

    return OCS_OK;
}


int
ocs_gss_register_keytab(const char *keytab)
{
    OM_uint32  major;

    major = krb5_gss_register_acceptor_identity(keytab);

    return GSS_ERROR(major) ? OCS_ERR_SYS : OCS_OK;
}


int
ocs_gss_accept(const ocs_gss_conf_t *conf, ocs_gss_ctx_t **ctx,
    const unsigned char *token, size_t len, ocs_gss_result_t *res)
{
    int              more;
    OM_uint32        major, minor;
    gss_name_t       client, service;
    gss_ctx_id_t     gctx;
    gss_buffer_desc  sname;

    more = 0;
    client = GSS_C_NO_NAME;
    service = GSS_C_NO_NAME;
    gctx = (gss_ctx_id_t) *ctx;
    *ctx = NULL;

    res->what = NULL;

    if (conf->principal_len) {
        sname.value = (void *) conf->principal;
        sname.length = conf->principal_len;

        major = gss_import_name(&minor, &sname,
                                (gss_OID) GSS_KRB5_NT_PRINCIPAL_NAME,
                                &service);
        if (GSS_ERROR(major)) {
            res->major = major;
            res->minor = minor;
            res->what = "service principal";
            goto done;
        }
    }

    res->what = ocs_gss_accept_leg(conf, &gctx, token, len,
                                   &client, &more, res);

    if (res->what != NULL) {
        goto done;
    }

    if (more) {
        /* kept for the next leg */
        *ctx = (ocs_gss_ctx_t *) gctx;
        gctx = GSS_C_NO_CONTEXT;
        goto done;
    }

    if (!res->is_ntlm && service != GSS_C_NO_NAME) {
        res->what = ocs_gss_check_target(gctx, service, res);
        if (res->what != NULL) {
            goto done;
        }
    }

    res->what = ocs_gss_client_name(client, res);

done:

    if (gctx != GSS_C_NO_CONTEXT) {
        (void) gss_delete_sec_context(&minor, &gctx, GSS_C_NO_BUFFER);
    }

    (void) gss_release_name(&minor, &client);
    (void) gss_release_name(&minor, &service);

    return res->what == NULL ? OCS_OK : OCS_ERR_AUTH;
}


/*
 * The accept call itself; the context stays in *gctx for the next leg
 * (NTLM), or is the finished one, or is gone (refused).
 */
static const char *
ocs_gss_accept_leg(const ocs_gss_conf_t *conf, gss_ctx_id_t *gctx,
    const unsigned char *token, size_t len,
    gss_name_t *client, int *more, ocs_gss_result_t *res)
{
    gss_OID                     mech;
    OM_uint32                   major, minor, flags;
    const char                 *what;
    gss_cred_id_t               cred;
    gss_buffer_desc             input, output;
    gss_key_value_set_desc      store;
    gss_key_value_element_desc  elem;

    mech = GSS_C_NO_OID;
    cred = GSS_C_NO_CREDENTIAL;
    what = NULL;

    elem.key = "keytab";
    elem.value = conf->keytab;
    store.count = 1;
    store.elements = &elem;

    /*
     * With NTLM: the default credentials, see ocs_gss_register_keytab().
     * Without a name: MIT krb5 1.20 leaks the copy of a desired name that
     * the keytab has no key for (188 bytes a call, at every token, for
     * anyone who sends one), so the service principal is checked against
     * the finished context instead (ocs_gss_accept()).
     */
    if (!conf->ntlm) {
        major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME,
                                      GSS_C_INDEFINITE, GSS_C_NO_OID_SET,
                                      GSS_C_ACCEPT, &store, &cred, NULL,
                                      NULL);
        if (GSS_ERROR(major)) {
            what = "keytab";
            goto done;
        }
    }

    input.value = (void *) token;
    input.length = len;
    output.value = NULL;
    output.length = 0;

    major = gss_accept_sec_context(&minor, gctx, cred, &input,
                                   GSS_C_NO_CHANNEL_BINDINGS, client, &mech,
                                   &output, &flags, NULL, NULL);

    res->output = output.value;
    res->output_len = output.length;

    if (major == GSS_S_CONTINUE_NEEDED) {
        if (!conf->ntlm) {
            res->continued = 1;
            what = "more than one round trip";

        } else {
            *more = 1;
        }

        goto done;
    }

    if (GSS_ERROR(major)) {
        what = "token refused";
        goto done;
    }

    res->is_ntlm = (mech != GSS_C_NO_OID
                    && mech->length == sizeof(ocs_gss_ntlmssp)
                    && memcmp(mech->elements, ocs_gss_ntlmssp,
                              mech->length) == 0);

done:

    res->major = major;
    res->minor = minor;

    if (what != NULL && *gctx != GSS_C_NO_CONTEXT) {
        (void) gss_delete_sec_context(&minor, gctx, GSS_C_NO_BUFFER);
    }

    (void) gss_release_cred(&minor, &cred);

    return what;
}


/* the default credentials take any principal of the keytab */
static const char *
ocs_gss_check_target(gss_ctx_id_t gctx, gss_name_t service,
    ocs_gss_result_t *res)
{
    int              same;
    size_t           n;
    OM_uint32        major, minor;
    gss_name_t       target;
    gss_buffer_desc  shown;

    same = 0;
    target = GSS_C_NO_NAME;

    major = gss_inquire_context(&minor, gctx, NULL, &target, NULL, NULL,
                                NULL, NULL, NULL);

    if (!GSS_ERROR(major)) {
        major = gss_compare_name(&minor, service, target, &same);
    }

    res->major = major;
    res->minor = minor;

    /* which service the ticket was for, for the log */
    if (!GSS_ERROR(major) && !same
        && !GSS_ERROR(gss_display_name(&minor, target, &shown, NULL)))
    {
        n = shown.length < sizeof(res->target) ? shown.length
                                               : sizeof(res->target);
        memcpy(res->target, shown.value, n);
        res->target_len = n;
        (void) gss_release_buffer(&minor, &shown);
    }

    (void) gss_release_name(&minor, &target);

    if (GSS_ERROR(res->major) || !same) {
        return "ticket for another service principal";
    }

    return NULL;
}


static const char *
ocs_gss_client_name(gss_name_t client, ocs_gss_result_t *res)
{
    size_t           i;
    OM_uint32        major, minor;
    const char      *what;
    gss_buffer_desc  name;

    name.length = 0;
    name.value = NULL;
    what = NULL;

    major = gss_display_name(&minor, client, &name, NULL);

    res->major = major;
    res->minor = minor;

    if (GSS_ERROR(major)) {
        what = "client name";
        goto done;
    }

    /* gss-ntlmssp counts the terminating NUL in the length */
    while (name.length && ((unsigned char *) name.value)[name.length - 1]
                          == '\0')
    {
        name.length--;
    }

    if (name.length >= sizeof(res->name)) {
        what = "client name too long";
        goto done;
    }

    for (i = 0; i < name.length; i++) {
        if (((unsigned char *) name.value)[i] < 0x20
            || ((unsigned char *) name.value)[i] == 0x7f)
        {
            what = "control characters in the client name";
            goto done;
        }
    }

    memcpy(res->name, name.value, name.length);
    res->name_len = name.length;

done:

    (void) gss_release_buffer(&minor, &name);

    return what;
}


void
ocs_gss_result_clear(ocs_gss_result_t *res)
{
    OM_uint32        minor;
    gss_buffer_desc  output;

    if (res->output == NULL) {
        return;
    }

    output.value = res->output;
    output.length = res->output_len;

    (void) gss_release_buffer(&minor, &output);

    res->output = NULL;
    res->output_len = 0;
}


void
ocs_gss_ctx_free(ocs_gss_ctx_t **ctx)
{
    OM_uint32     minor;
    gss_ctx_id_t  gctx;

    if (*ctx == NULL) {
        return;
    }

    gctx = (gss_ctx_id_t) *ctx;
    *ctx = NULL;

    (void) gss_delete_sec_context(&minor, &gctx, GSS_C_NO_BUFFER);
}


void
ocs_gss_status_text(const ocs_gss_result_t *res, char *buf, size_t size)
{
    OM_uint32        st, ctx1, ctx2;
    gss_buffer_desc  m1, m2;

    if (res->target_len != 0 && size != 0) {
        (void) snprintf(buf, size, "the ticket is for %.*s",
                        (int) res->target_len, res->target);
        return;
    }

    ctx1 = 0;
    ctx2 = 0;
    m1.length = 0;
    m1.value = NULL;
    m2.length = 0;
    m2.value = NULL;

    (void) gss_display_status(&st, res->major, GSS_C_GSS_CODE, GSS_C_NO_OID,
                              &ctx1, &m1);
    (void) gss_display_status(&st, res->minor, GSS_C_MECH_CODE,
                              GSS_C_NO_OID, &ctx2, &m2);

    if (size != 0) {
        (void) snprintf(buf, size, "%.*s: %.*s", (int) m1.length,
                        m1.value ? (const char *) m1.value : "",
                        (int) m2.length,
                        m2.value ? (const char *) m2.value : "");
    }

    (void) gss_release_buffer(&st, &m1);
    (void) gss_release_buffer(&st, &m2);
}


void
ocs_gss_strip_realm(char *name, size_t *len)
{
    char  *at;

    at = memchr(name, '@', *len);
    if (at != NULL) {
        *len = at - name;
    }

    at = memchr(name, '\\', *len);
    if (at != NULL) {
        *len -= at + 1 - name;
        memmove(name, at + 1, *len);
    }
}


/*
 * See ocs_gss.h.  NEGOTIATE is message type 1, AUTHENTICATE type 3; the
 * AUTHENTICATE header has six (length, allocated, offset) fields from
 * byte 12 and the flags at byte 60; the VERSION field, when present,
 * sits at 64..71.
 */
void
ocs_ntlm_fixup(unsigned char *msg, size_t *len, size_t size)
{
    size_t          i;
    uint32_t        flags, off, min;
    unsigned char  *h;

    if (*len < 12 || memcmp(msg, "NTLMSSP", 8) != 0) {
        return;
    }

    if (msg[8] == 1 && *len < 40) {
        if (size >= 40) {
            memset(msg + *len, 0, 40 - *len);
            *len = 40;
        }

        return;
    }

    if (msg[8] != 3 || *len < 64) {
        return;
    }

    flags = msg[60] | msg[61] << 8 | msg[62] << 16
            | (uint32_t) msg[63] << 24;
    min = 0xffffffff;

    for (i = 0; i < 6; i++) {
        h = msg + 12 + 8 * i;
        off = h[4] | h[5] << 8 | h[6] << 16 | (uint32_t) h[7] << 24;

        if ((h[0] | h[1] << 8) != 0 && off < min) {
            min = off;
        }
    }

    if ((flags & OCS_NTLM_NEGOTIATE_VERSION) && min < 72) {
        msg[63] &= ~(OCS_NTLM_NEGOTIATE_VERSION >> 24);
    }
}
