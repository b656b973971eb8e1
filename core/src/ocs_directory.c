/*
 * Directory helpers that need no directory.
 */

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <openssl/sha.h>

#include <ocs/ocs_directory.h>


static const struct {
    const char  *name;
    const char  *message;
} ocs_acct_states[] = {
    { "ok", "" },
    { "bad credentials", "The user name or password is incorrect." },
    { "account disabled",
      "Your account is disabled. Contact your administrator." },
    { "account locked out",
      "Your account is locked out. Wait a while and try again, or contact "
      "your administrator." },
    { "password expired",
      "Your password has expired. Change it, then sign in again." },
    { "password must be changed",
      "You must change your password before you sign in. Change it, then "
      "sign in again." },
    { "account expired",
      "Your account has expired. Contact your administrator." },
    { "not allowed at this time",
      "Your account is not allowed to sign in at this time." },
    { "not allowed from this computer",
      "Your account is not allowed to sign in from this computer." },
    { "too many failed sign-ins",
      "Too many failed sign-ins. Please wait and try again." },
    { "no answer to the password",
      "The sign-in service is unavailable. Please try again later." },
};


const char *
ocs_acct_state_name(int state)
{
    if (state < 0 || (size_t) state
                     >= sizeof(ocs_acct_states) / sizeof(ocs_acct_states[0]))
    {
        return "unknown";
    }

    return ocs_acct_states[state].name;
}


const char *
ocs_acct_state_message(int state)
{
    if (state < 0 || (size_t) state
                     >= sizeof(ocs_acct_states) / sizeof(ocs_acct_states[0]))
    {
        return ocs_acct_states[OCS_ACCT_BAD_CREDENTIALS].message;
    }

    return ocs_acct_states[state].message;
}


int
ocs_acct_state_from_ad(const char *diag, size_t len)
{
    static const struct {
        const char  *code;
        int          state;
    } codes[] = {
        { "52e", OCS_ACCT_BAD_CREDENTIALS },
        { "525", OCS_ACCT_BAD_CREDENTIALS },
        { "530", OCS_ACCT_TIME },
        { "531", OCS_ACCT_WORKSTATION },
        { "532", OCS_ACCT_PASSWORD_EXPIRED },
        { "533", OCS_ACCT_DISABLED },
        { "701", OCS_ACCT_EXPIRED },
        { "773", OCS_ACCT_MUST_CHANGE },
        { "775", OCS_ACCT_LOCKED },
    };

    size_t       i;
    const char  *p, *end;

    end = diag + len;

    /* "data XXX" names the Win32 error of AcceptSecurityContext */
    for (p = diag; p + 8 <= end; p++) {
        if (strncasecmp(p, "data ", 5) != 0) {
            continue;
        }

        for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
            if (strncasecmp(p + 5, codes[i].code, 3) == 0
                && (p + 8 == end || !isxdigit((unsigned char) p[8])))
            {
                return codes[i].state;
            }
        }
    }

    return OCS_ACCT_BAD_CREDENTIALS;
}


int
ocs_acct_state_from_uac(long uac)
{
    if (uac & OCS_UAC_ACCOUNTDISABLE) {
        return OCS_ACCT_DISABLED;
    }

    if (uac & OCS_UAC_LOCKOUT) {
        return OCS_ACCT_LOCKED;
    }

    if (uac & OCS_UAC_PASSWORD_EXPIRED) {
        return OCS_ACCT_PASSWORD_EXPIRED;
    }

    return OCS_ACCT_OK;
}


int
ocs_ldap_escape(const char *in, size_t len, char *out, size_t outlen,
    size_t *written)
{
    size_t          i, n;
    unsigned char   c;
    static const char  hex[] = "0123456789abcdef";

    n = 0;

    for (i = 0; i < len; i++) {
        c = (unsigned char) in[i];

        if (c == '*' || c == '(' || c == ')' || c == '\\' || c == '\0') {
            if (n + 3 >= outlen) {
                return OCS_ERR_SPACE;
            }

            out[n++] = '\\';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 0x0f];
            continue;
        }

        if (n + 1 >= outlen) {
            return OCS_ERR_SPACE;
        }

        out[n++] = (char) c;
    }

    if (n >= outlen) {
        return OCS_ERR_SPACE;
    }

    out[n] = '\0';
    *written = n;

    return OCS_OK;
}


static void
ocs_sip_strip(const char **p, size_t *len)
{
    if (*len >= 4 && strncasecmp(*p, "sip:", 4) == 0) {
        *p += 4;
        *len -= 4;
    }
}


int
ocs_sip_uri_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t  i;

    ocs_sip_strip(&a, &alen);
    ocs_sip_strip(&b, &blen);

    if (alen != blen || alen == 0) {
        return 0;
    }

    /* every byte: strncasecmp() would stop at a NUL */
    for (i = 0; i < alen; i++) {
        if (tolower((unsigned char) a[i]) != tolower((unsigned char) b[i])) {
            return 0;
        }
    }

    return 1;
}


int
ocs_dn_first_value(const char *dn, size_t len, char *out, size_t outlen,
    size_t *written)
{
    size_t       n;
    const char  *p, *end;

    end = dn + len;
    p = memchr(dn, '=', len);

    if (p == NULL || p == dn || outlen == 0) {
        return OCS_ERR_INVALID;
    }

    n = 0;

    for (p++; p < end && *p != ',' && *p != '+'; p++) {
        if (*p == '\\' && p + 1 < end) {
            p++;
        }

        if (n + 1 >= outlen) {
            return OCS_ERR_SPACE;
        }

        out[n++] = *p;
    }

    out[n] = '\0';
    *written = n;

    return n ? OCS_OK : OCS_ERR_INVALID;
}


int
ocs_dn_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t  i, j;

    i = 0;
    j = 0;

    while (i < alen && j < blen) {
        if (tolower((unsigned char) a[i]) != tolower((unsigned char) b[j])) {
            return 0;
        }

        /* "CN=x, OU=y" and "cn=x,ou=y" are the same DN */
        if (a[i] == ',' || a[i] == '=') {
            i++;
            j++;

            while (i < alen && a[i] == ' ') {
                i++;
            }

            while (j < blen && b[j] == ' ') {
                j++;
            }

            continue;
        }

        i++;
        j++;
    }

    return i == alen && j == blen;
}


uint32_t
ocs_fact_id(const char *kind, const char *value, size_t len)
{
    size_t          i, n, klen;
    unsigned char   buf[1024], md[SHA256_DIGEST_LENGTH];

    klen = strlen(kind);

    if (klen + 1 + len > sizeof(buf)) {
        len = sizeof(buf) - klen - 1;
    }

    memcpy(buf, kind, klen);
    buf[klen] = '\0';
    n = klen + 1;

    for (i = 0; i < len; i++) {
        buf[n++] = (unsigned char) tolower((unsigned char) value[i]);
    }

    SHA256(buf, n, md);

    return (uint32_t) md[0] << 24 | (uint32_t) md[1] << 16
           | (uint32_t) md[2] << 8 | md[3];
}
