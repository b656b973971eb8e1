/*
 * A libFuzzer target for the core's directive argument parsers: a
 * directory setting (ocs_ldap_conf_set, with its time parser for
 * "timeout" and "connect_timeout"), the lockout parameters
 * (ocs_conf_param_find, ocs_conf_param_check), and the URL, host, site
 * name and logo checks of ocs_conf.h:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include \
 *       core/test/fuzz/fuzz_conf.c core/src/ocs_ldap_conf.c \
 *       core/src/ocs_conf.c core/src/ocs_core.c -lldap -llber \
 *       -o fuzz_conf
 *   ./fuzz_conf -dict=core/test/fuzz/fuzz_conf.dict \
 *       core/test/fuzz/corpus/fuzz_conf
 *
 * The input is lines: a setting's key, then its values (at most 8).
 * Oracles: a time that is set lies between 1 ms and 10 min; a URL,
 * logo or name that is accepted holds none of the characters refused;
 * a parameter found has a non-empty value inside the argument.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ocs/ocs_conf.h>
#include <ocs/ocs_ldap.h>


#define FUZZ_VALUES  8


static void
check_text(const char *s, size_t len, const char *refused)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f
            || (refused != NULL && strchr(refused, s[i]) != NULL))
        {
            abort();
        }
    }
}


static void
check_arg(const char *s, size_t len)
{
    int           i;
    size_t        vlen;
    const char   *value, *fragment;

    if (ocs_conf_check_url(s, len) == NULL) {
        check_text(s, len, " \"\\");

        if (len == 0 || (s[0] != '/' && (len < 8
                                         || strncasecmp(s, "https://", 8)
                                            != 0)))
        {
            abort();
        }
    }

    if (ocs_conf_check_redirect(s, len) == NULL) {
        check_text(s, len, " ");
    }

    if (ocs_conf_check_return_host(s, len) == OCS_OK) {
        if (memchr(s, '/', len) != NULL || memchr(s, '@', len) != NULL) {
            abort();
        }
    }

    (void) ocs_conf_check_app_logoff(s, len);
    (void) ocs_conf_check_clear_site(s, len);

    if (ocs_conf_check_site_name(s, len) == NULL) {
        if (len == 0 || len > OCS_CONF_SITE_NAME_MAX) {
            abort();
        }

        check_text(s, len, NULL);
    }

    fragment = NULL;

    if (ocs_conf_check_site_logo(s, len, &fragment) == OCS_OK) {
        if (len == 0 || s[0] != '/'
            || (len > 1 && (s[1] == '/' || s[1] == '\\')))
        {
            abort();
        }

        for (i = 0; (size_t) i < len; i++) {
            if ((unsigned char) s[i] <= 0x20 || (unsigned char) s[i] >= 0x7f)
            {
                abort();
            }
        }
    }

    i = ocs_conf_param_find(ocs_conf_lockout_params, OCS_CONF_LOCKOUT_PARAMS,
                            s, len, &value, &vlen);

    if (i >= OCS_CONF_LOCKOUT_PARAMS || i < -1) {
        abort();
    }

    if (i >= 0) {
        if (vlen == 0 || value < s || value + vlen > s + len) {
            abort();
        }

        (void) ocs_conf_param_check(&ocs_conf_lockout_params[i],
                                    (int64_t) vlen - 3);
    }
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int               rc;
    char             *text, *p, *nl;
    size_t            n;
    ocs_err_t         err;
    const char       *values[FUZZ_VALUES];
    ocs_ldap_conf_t   conf;

    if (size > 8192) {
        return 0;
    }

    check_arg((const char *) data, size);

    text = malloc(size + 1);

    if (text == NULL) {
        return 0;
    }

    memcpy(text, data, size);
    text[size] = '\0';

    /* the key */
    p = text;
    nl = strchr(p, '\n');

    if (nl == NULL) {
        free(text);
        return 0;
    }

    *nl = '\0';
    p = nl + 1;

    for (n = 0; n < FUZZ_VALUES && *p != '\0'; n++) {
        values[n] = p;
        nl = strchr(p, '\n');

        if (nl == NULL) {
            n++;
            break;
        }

        *nl = '\0';
        p = nl + 1;
    }

    ocs_ldap_conf_init(&conf);

    rc = ocs_ldap_conf_set(&conf, "fuzz", text, values, n, &err);

    if (rc == OCS_OK) {
        if (conf.timeout < 1 || conf.timeout > 600000
            || conf.connect_timeout < 1 || conf.connect_timeout > 600000)
        {
            abort();
        }

        (void) ocs_ldap_conf_check(&conf, "fuzz", &err);
    }

    free(text);

    return 0;
}
