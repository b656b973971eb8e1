/*
 * Configuration defaults and rules, server-neutral: what nginx -t
 * refuses and the Apache module will refuse, in the same words.
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <ocs/ocs_conf.h>
#include <ocs/ocs_ticket.h>


const ocs_conf_param_t  ocs_conf_lockout_params[OCS_CONF_LOCKOUT_PARAMS] = {
    { "account", 0, 1 },
    { "address", 0, 1 },
    { "total", 0, 0 },
    { "window", 1, 1 },
    { "lock", 1, 1 },
};


static int ocs_conf_kerberos(const ocs_conf_loc_t *c);
static int ocs_conf_check_kerberos(const ocs_conf_loc_t *c, char *msg,
    size_t size);
static int ocs_conf_fail(char *msg, size_t size, const char *text);


/* Kerberos is offered, or answered by a quick sign-in page */
static int
ocs_conf_kerberos(const ocs_conf_loc_t *c)
{
    return c->negotiate && (c->protect || c->quick);
}


unsigned
ocs_conf_needs(const ocs_conf_loc_t *c)
{
    unsigned  need;

    need = 0;

    if (c->protect || c->signin || c->quick) {
        need |= OCS_CONF_NEED_SESSION;
    }

    /* attempts are counted, and used one-time codes remembered */
    if (c->signin && (c->lockout || c->totp || c->otp)) {
        need |= OCS_CONF_NEED_GUARD;
    }

    /* conference keys: the nonces' nc windows live in the zone */
    if (c->conference) {
        need |= OCS_CONF_NEED_GUARD;
    }

    if (c->signin || (c->protect && c->directory) || ocs_conf_kerberos(c)) {
        need |= OCS_CONF_NEED_THREADS;
    }

    if (ocs_conf_kerberos(c) || (c->signin && c->krb5_password)) {
        need |= OCS_CONF_NEED_KEYTAB;
    }

    if (ocs_conf_kerberos(c) && c->ntlm) {
        need |= OCS_CONF_NEED_NTLM;
    }

    return need;
}


static int
ocs_conf_fail(char *msg, size_t size, const char *text)
{
    if (size) {
        (void) snprintf(msg, size, "%s", text);
    }

    return OCS_ERR_INVALID;
}


int
ocs_conf_check(const ocs_conf_loc_t *c, char *msg, size_t size)
{
    if (c->signin && c->signin_sip == 1 && !c->directory) {
        return ocs_conf_fail(msg, size,
                             "\"ocs_auth_signin_sip on\" needs "
                             "\"ocs_auth_ldap\": without a directory the "
                             "sign-in address is never checked");
    }

    if ((c->second & OCS_METHOD_CERT) && c->protect && !c->certificate) {
        return ocs_conf_fail(msg, size,
                             "\"ocs_auth_second_factor certificate\" needs "
                             "\"ocs_auth_certificate\"");
    }

    if (c->quick && !c->negotiate) {
        return ocs_conf_fail(msg, size,
                             "\"ocs_auth_quick_signin\" needs "
                             "\"ocs_auth_negotiate on\"");
    }

    if (ocs_conf_kerberos(c)
        && ocs_conf_check_kerberos(c, msg, size) != OCS_OK)
    {
        return OCS_ERR_INVALID;
    }

    if (!c->signin) {
        return OCS_OK;
    }

    if (c->krb5_password && (c->keytab == NULL || c->keytab_len == 0)) {
        return ocs_conf_fail(msg, size,
                             "\"ocs_auth_kerberos_password\" needs "
                             "\"ocs_auth_keytab\": the KDC's answer is "
                             "checked with it");
    }

    if (!c->user_file && !c->directory && !c->krb5_password) {
        return ocs_conf_fail(msg, size,
                             "\"ocs_auth_signin\" needs "
                             "\"ocs_auth_user_file\", \"ocs_auth_ldap\" or "
                             "\"ocs_auth_kerberos_password\"");
    }

    return OCS_OK;
}


/* Kerberos offered here: a keytab, internal clients, one NTLM keytab */
static int
ocs_conf_check_kerberos(const ocs_conf_loc_t *c, char *msg, size_t size)
{
    if (c->keytab == NULL || c->keytab_len == 0) {
        return ocs_conf_fail(msg, size,
                             "\"ocs_auth_negotiate\" needs "
                             "\"ocs_auth_keytab\"");
    }

    if (!c->internal) {
        return ocs_conf_fail(msg, size,
                             "\"ocs_auth_negotiate\" needs "
                             "\"ocs_auth_internal_networks\": Kerberos "
                             "is offered to internal clients only");
    }

    /* one NTLM acceptor per process, with one keytab */
    if (c->ntlm && c->ntlm_keytab != NULL && c->ntlm_keytab_len
        && (c->ntlm_keytab_len != c->keytab_len
            || memcmp(c->ntlm_keytab, c->keytab, c->keytab_len) != 0))
    {
        if (size) {
            (void) snprintf(msg, size,
                            "\"ocs_auth_ntlm\" needs the same "
                            "\"ocs_auth_keytab\" everywhere it is on: "
                            "\"%.*s\" and \"%.*s\"",
                            (int) c->ntlm_keytab_len, c->ntlm_keytab,
                            (int) c->keytab_len, c->keytab);
        }

        return OCS_ERR_INVALID;
    }

    if (!c->directory && c->requirements) {
        return ocs_conf_fail(msg, size,
                             "\"ocs_auth_negotiate\" with directory "
                             "requirements needs \"ocs_auth_ldap\" in the "
                             "same location: Kerberos users are looked up "
                             "there");
    }

    return OCS_OK;
}


const char *
ocs_conf_check_url(const char *url, size_t len)
{
    size_t  i;

    if (len == 0
        || (url[0] != '/'
            && (len < 8 || strncasecmp(url, "https://", 8) != 0)))
    {
        return "must be a path starting with \"/\" or an https:// URL";
    }

    for (i = 0; i < len; i++) {
        if ((unsigned char) url[i] <= ' ' || url[i] == '"' || url[i] == '\\'
            || url[i] == 0x7f)
        {
            return "has a character not allowed in a URL";
        }
    }

    return NULL;
}


const char *
ocs_conf_check_redirect(const char *url, size_t len)
{
    size_t  i;

    if (len == 0
        || (url[0] != '/'
            && (len < 8 || strncasecmp(url, "https://", 8) != 0)
            && (len < 7 || strncasecmp(url, "http://", 7) != 0)))
    {
        return "must be a path or an http(s):// URL";
    }

    for (i = 0; i < len; i++) {
        if ((unsigned char) url[i] <= ' ' || url[i] == 0x7f) {
            return "has a character not allowed in a URL";
        }
    }

    return NULL;
}


int
ocs_conf_check_return_host(const char *host, size_t len)
{
    if (memchr(host, '/', len) != NULL || memchr(host, '@', len) != NULL) {
        return OCS_ERR_INVALID;
    }

    return OCS_OK;
}


int
ocs_conf_check_app_logoff(const char *pattern, size_t len)
{
    if (len == 0
        || (pattern[0] != '/' && pattern[0] != '?')
        || (pattern[0] == '?' && len < 2))
    {
        return OCS_ERR_INVALID;
    }

    return OCS_OK;
}


const char *
ocs_conf_check_site_name(const char *name, size_t len)
{
    size_t  i;

    if (len == 0 || len > OCS_CONF_SITE_NAME_MAX) {
        return "needs a name of 1 to 256 bytes, or off";
    }

    for (i = 0; i < len; i++) {
        if ((unsigned char) name[i] < ' ' || name[i] == 0x7f) {
            return "has a control character";
        }
    }

    return NULL;
}


int
ocs_conf_check_site_logo(const char *path, size_t len,
    const char **fragment)
{
    size_t  i;

    *fragment = NULL;

    if (len < 2 || path[0] != '/' || path[1] == '/' || path[1] == '\\') {
        return OCS_ERR_INVALID;
    }

    for (i = 0; i < len; i++) {
        if ((unsigned char) path[i] <= ' ' || (unsigned char) path[i] >= 0x7f)
        {
            *fragment = "has a character not allowed in a URL";
            return OCS_ERR_INVALID;
        }
    }

    return OCS_OK;
}


int
ocs_conf_check_port(int64_t port)
{
    if (port < OCS_CONF_PORT_MIN || port > OCS_CONF_PORT_MAX) {
        return OCS_ERR_INVALID;
    }

    return OCS_OK;
}


int
ocs_conf_check_clear_site(const char *type, size_t len)
{
    size_t  i;

    static const char  *types[] = {
        "cache", "storage", "cookies", "executionContexts", "*"
    };

    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strlen(types[i]) == len && memcmp(types[i], type, len) == 0) {
            return OCS_OK;
        }
    }

    return OCS_ERR_INVALID;
}


int
ocs_conf_hsts(int64_t max_age, int include, char *out, size_t size,
    size_t *written)
{
    int  n;

    *written = 0;

    if (max_age < 0) {
        return OCS_ERR_INVALID;
    }

    n = snprintf(out, size, "max-age=%lld%s", (long long) max_age,
                 include ? "; includeSubDomains" : "");

    if (n < 0 || (size_t) n >= size) {
        return OCS_ERR_SPACE;
    }

    *written = (size_t) n;

    return OCS_OK;
}


int
ocs_conf_param_find(const ocs_conf_param_t *params, size_t n,
    const char *arg, size_t len, const char **value, size_t *vlen)
{
    size_t  i, name_len;

    for (i = 0; i < n; i++) {
        name_len = strlen(params[i].name);

        if (len > name_len + 1
            && memcmp(arg, params[i].name, name_len) == 0
            && arg[name_len] == '=')
        {
            *value = arg + name_len + 1;
            *vlen = len - name_len - 1;
            return (int) i;
        }
    }

    return -1;
}


int
ocs_conf_param_check(const ocs_conf_param_t *param, int64_t value)
{
    if (value < 0 || value < param->min) {
        return OCS_ERR_INVALID;
    }

    return OCS_OK;
}


int
ocs_conf_parse_time(const char *s, size_t len, int64_t *sec)
{
    size_t          i;
    int64_t         total, n, unit;
    unsigned        step, order;
    int             digits;

    static const struct {
        char        c;
        int64_t     seconds;
    }  units[] = {
        { 'y', 365 * 86400 }, { 'M', 30 * 86400 }, { 'w', 7 * 86400 },
        { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 }
    };

    total = 0;
    step = 0;
    i = 0;

    while (i < len && s[i] == ' ') {
        i++;
    }

    if (i == len) {
        return OCS_ERR_INVALID;
    }

    while (i < len) {
        n = 0;
        digits = 0;

        while (i < len && s[i] >= '0' && s[i] <= '9') {
            n = n * 10 + (s[i++] - '0');
            digits = 1;

            if (n > OCS_CONF_TIME_MAX) {
                return OCS_ERR_INVALID;
            }
        }

        if (!digits) {
            return OCS_ERR_INVALID;
        }

        unit = 1;
        order = sizeof(units) / sizeof(units[0]);

        if (i < len && s[i] != ' ') {
            for (order = 0; order < sizeof(units) / sizeof(units[0]);
                 order++)
            {
                if (units[order].c == s[i]) {
                    break;
                }
            }

            if (order == sizeof(units) / sizeof(units[0])) {
                return OCS_ERR_INVALID;
            }

            unit = units[order].seconds;
            i++;
        }

        /* each unit once, the larger first; a bare number ends it */
        if (order + 1 <= step) {
            return OCS_ERR_INVALID;
        }

        step = order + 1;
        total += n * unit;

        if (total > OCS_CONF_TIME_MAX) {
            return OCS_ERR_INVALID;
        }

        while (i < len && s[i] == ' ') {
            i++;
        }
    }

    *sec = total;

    return OCS_OK;
}


int
ocs_conf_parse_size(const char *s, size_t len, int64_t *size)
{
    size_t   i;
    int64_t  n, scale;

    if (len == 0) {
        return OCS_ERR_INVALID;
    }

    scale = 1;

    switch (s[len - 1]) {
    case 'k': case 'K':
        scale = 1024;
        len--;
        break;
    case 'm': case 'M':
        scale = 1024 * 1024;
        len--;
        break;
    case 'g': case 'G':
        scale = 1024 * 1024 * 1024;
        len--;
        break;
    }

    if (len == 0) {
        return OCS_ERR_INVALID;
    }

    n = 0;

    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return OCS_ERR_INVALID;
        }

        n = n * 10 + (s[i] - '0');

        if (n > INT64_C(0x7fffffffffff) / scale) {
            return OCS_ERR_INVALID;
        }
    }

    *size = n * scale;

    return OCS_OK;
}
