/*
 * User names as people type them, and the return-URL check that keeps
 * the sign-in page from being an open redirect.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include <openssl/evp.h>

#include <ocs/ocs_codec.h>
#include <ocs/ocs_signin.h>


static int ocs_username_chars_ok(const char *in, size_t len);
static int ocs_username_part_ok(const char *p, size_t len);
static int ocs_url_chars_ok(const char *p, size_t len);
static int ocs_url_controls_ok(const char *p, size_t len);
static int ocs_host_eq(const char *a, size_t alen, const char *b,
    size_t blen);


int
ocs_username_parse(const char *in, size_t len, ocs_username_t *name)
{
    size_t       i, nsep;
    const char  *sep;

    memset(name, 0, sizeof(ocs_username_t));

    if (len == 0 || len > OCS_NAME_MAX || !ocs_username_chars_ok(in, len)) {
        return OCS_ERR_INVALID;
    }

    sep = NULL;
    nsep = 0;

    for (i = 0; i < len; i++) {
        if (in[i] == '\\' || in[i] == '@') {
            sep = &in[i];
            nsep++;
        }
    }

    if (nsep > 1) {
        return OCS_ERR_INVALID;
    }

    if (sep == NULL) {
        name->user = in;
        name->user_len = len;
        return ocs_username_part_ok(in, len) ? OCS_OK : OCS_ERR_INVALID;
    }

    if (sep == in || sep == in + len - 1
        || !ocs_username_part_ok(in, (size_t) (sep - in))
        || !ocs_username_part_ok(sep + 1, (size_t) (in + len - sep - 1)))
    {
        return OCS_ERR_INVALID;
    }

    if (*sep == '\\') {
        name->domain = in;
        name->domain_len = (size_t) (sep - in);
        name->user = sep + 1;
        name->user_len = (size_t) (in + len - sep - 1);

    } else {
        name->user = in;
        name->user_len = (size_t) (sep - in);
        name->domain = sep + 1;
        name->domain_len = (size_t) (in + len - sep - 1);
        name->upn = 1;
    }

    return OCS_OK;
}


/*
 * Valid UTF-8 without control characters (C0, DEL, C1) and without
 * characters that directories' matching ignores (soft hyphen, zero-width
 * spaces and joiners, the byte-order mark): a name that differs from
 * another only by those is the same name to the directory, and would
 * otherwise get a lockout count of its own.
 */
static int
ocs_username_chars_ok(const char *in, size_t len)
{
    int              n;
    ucs4_t           uc;
    const uint8_t   *p, *end;

    p = (const uint8_t *) in;
    end = p + len;

    if (u8_check(p, len) != NULL) {
        return 0;
    }

    while (p < end) {
        n = u8_mbtouc(&uc, p, (size_t) (end - p));

        if (uc < 0x20 || (uc >= 0x7f && uc < 0xa0)
            || uc_is_property_default_ignorable_code_point(uc))
        {
            return 0;
        }

        p += n;
    }

    return 1;
}


/* a part of a name: no white space at either end (U+00A0 included) */
static int
ocs_username_part_ok(const char *p, size_t len)
{
    ucs4_t          uc;
    const uint8_t  *last;

    (void) u8_mbtouc(&uc, (const uint8_t *) p, len);

    if (uc_is_property_white_space(uc)) {
        return 0;
    }

    last = u8_prev(&uc, (const uint8_t *) p + len, (const uint8_t *) p);

    return last != NULL && !uc_is_property_white_space(uc);
}


int
ocs_username_key(const char *in, size_t len, char *out, size_t outlen,
    size_t *written)
{
    ocs_username_t  name;

    *written = 0;

    if (ocs_username_parse(in, len, &name) != OCS_OK) {
        return OCS_ERR_INVALID;
    }

    return ocs_name_key(name.user, name.user_len, out, outlen, written);
}


int
ocs_name_key(const char *in, size_t len, char *out, size_t outlen,
    size_t *written)
{
    size_t         n, i, j;
    uint8_t       *r;
    unsigned int   mdlen;
    unsigned char  md[EVP_MAX_MD_SIZE];
    char           fold[4 * OCS_NAME_MAX];

    static const char  hex[] = "0123456789abcdef";

    *written = 0;

    if (outlen < OCS_NAME_MAX) {
        return OCS_ERR_SPACE;
    }

    /* NFKC after case folding: "ＮＯＲＡ" and "Nora" are "nora" */
    n = sizeof(fold);
    r = u8_casefold((const uint8_t *) in, len, NULL, UNINORM_NFKC,
                    (uint8_t *) fold, &n);

    if (r == NULL) {
        return OCS_ERR_INVALID;
    }

    if (r != (uint8_t *) fold) {
        /* a name that grows fourfold in folding is no account's name */
        free(r);
        return OCS_ERR_INVALID;
    }

    /* runs of spaces count as one, as in directories' string matching */
    for (i = 0, j = 0; i < n; i++) {
        if (fold[i] == ' ' && j > 0 && fold[j - 1] == ' ') {
            continue;
        }

        fold[j++] = fold[i];
    }

    if (j <= OCS_NAME_MAX) {
        memcpy(out, fold, j);
        *written = j;
        return OCS_OK;
    }

    /* too long to keep: a digest stands for it, marked by a '#' */
    if (EVP_Digest(fold, j, md, &mdlen, EVP_sha256(), NULL) != 1) {
        return OCS_ERR_INVALID;
    }

    out[0] = '#';

    for (i = 0; i < 16; i++) {
        out[1 + 2 * i] = hex[md[i] >> 4];
        out[2 + 2 * i] = hex[md[i] & 0xf];
    }

    *written = 33;

    return OCS_OK;
}


int
ocs_return_url_check(const char *url, size_t len, const char *host,
    size_t host_len, const char *const *allowed, size_t nallowed)
{
    size_t       i, n, alen;
    const char  *auth, *end;
    char         decoded[OCS_RETURN_MAX];

    if (len == 0 || len > OCS_RETURN_MAX || !ocs_url_chars_ok(url, len)) {
        return OCS_ERR_INVALID;
    }

    /*
     * A lenient client may decode before it parses: the decoded form must
     * not start a new authority or hide control characters.  Spaces and
     * backslashes inside a path are harmless once the URL is on its way,
     * because the undecoded form is what goes into the Location header.
     */
    if (ocs_pct_decode(url, len, 0, decoded, sizeof(decoded), &n) != OCS_OK
        || !ocs_url_controls_ok(decoded, n))
    {
        return OCS_ERR_INVALID;
    }

    if (url[0] == '/') {
        if (len > 1 && url[1] == '/') {
            return OCS_ERR_INVALID;
        }

        if (n > 1 && (decoded[1] == '/' || decoded[1] == '\\')) {
            return OCS_ERR_INVALID;
        }

        return OCS_OK;
    }

    if (len <= 8 || strncasecmp(url, "https://", 8) != 0) {
        return OCS_ERR_INVALID;
    }

    auth = url + 8;
    end = url + len;

    for (alen = 0; auth + alen < end; alen++) {
        if (strchr("/?#", auth[alen]) != NULL) {
            break;
        }

        /* user info or escapes in the authority: never legitimate here */
        if (auth[alen] == '@' || auth[alen] == '%') {
            return OCS_ERR_INVALID;
        }
    }

    if (alen == 0) {
        return OCS_ERR_INVALID;
    }

    if (host != NULL && ocs_host_eq(auth, alen, host, host_len)) {
        return OCS_OK;
    }

    for (i = 0; i < nallowed; i++) {
        if (ocs_host_eq(auth, alen, allowed[i], strlen(allowed[i]))) {
            return OCS_OK;
        }
    }

    return OCS_ERR_INVALID;
}


static int
ocs_url_chars_ok(const char *p, size_t len)
{
    size_t         i;
    unsigned char  c;

    for (i = 0; i < len; i++) {
        c = (unsigned char) p[i];

        if (c <= 0x20 || c == 0x7f || c == '\\') {
            return 0;
        }
    }

    return 1;
}


static int
ocs_url_controls_ok(const char *p, size_t len)
{
    size_t         i;
    unsigned char  c;

    for (i = 0; i < len; i++) {
        c = (unsigned char) p[i];

        if (c < 0x20 || c == 0x7f) {
            return 0;
        }
    }

    return 1;
}


static int
ocs_host_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && alen > 0 && strncasecmp(a, b, alen) == 0;
}
