/*
 * A directory's settings: defaults, one key=value line at a time, and the
 * rules across them.  The server reads the lines (and the files they
 * name); the meaning and the error texts live here once.
 */

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include <ocs/ocs_ldap.h>


#define OCS_LDAP_TIME_MAX  600000          /* milliseconds: 10m */


typedef struct {
    const char  *word;
    int          value;
} ocs_ldap_word_t;


static const ocs_ldap_word_t  ocs_ldap_flags[] = {
    { "on", 1 },
    { "off", 0 },
    { NULL, 0 }
};


static const ocs_ldap_word_t  ocs_ldap_scopes[] = {
    { "base", OCS_LDAP_SCOPE_BASE },
    { "one", OCS_LDAP_SCOPE_ONE },
    { "sub", OCS_LDAP_SCOPE_SUB },
    { NULL, 0 }
};


static const ocs_ldap_word_t  ocs_ldap_nesting[] = {
    { "off", OCS_LDAP_NESTED_OFF },
    { "walk", OCS_LDAP_NESTED_WALK },
    { "ad", OCS_LDAP_NESTED_AD },
    { NULL, 0 }
};


/* how a key's one value is read */
typedef enum {
    OCS_LDAP_SET_STRING = 0,
    OCS_LDAP_SET_WORD,                 /* one of words */
    OCS_LDAP_SET_PATH,                 /* a string the server may resolve */
    OCS_LDAP_SET_FILE,                 /* a file the server reads */
    OCS_LDAP_SET_FILTER,               /* "(...)" */
    OCS_LDAP_SET_DN,                   /* shorter than OCS_LDAP_DN_MAX */
    OCS_LDAP_SET_TIME,                 /* milliseconds, 1ms to 10m */
    OCS_LDAP_SET_NUMBER                /* 1 to 64 */
} ocs_ldap_set_e;


typedef struct {
    const char              *key;
    ocs_ldap_set_e           type;
    size_t                   offset;   /* of the field in ocs_ldap_conf_t */
    const ocs_ldap_word_t   *words;
    const char              *wrong;    /* the end of the sentence */
} ocs_ldap_setting_t;


#define OCS_LDAP_AT(field)  offsetof(ocs_ldap_conf_t, field)

static const ocs_ldap_setting_t  ocs_ldap_settings[] = {
    { "starttls", OCS_LDAP_SET_WORD, OCS_LDAP_AT(starttls), ocs_ldap_flags,
      "must be \"on\" or \"off\"" },
    { "tls_verify", OCS_LDAP_SET_WORD, OCS_LDAP_AT(tls_verify),
      ocs_ldap_flags, "must be \"on\" or \"off\"" },
    { "ca_file", OCS_LDAP_SET_PATH, OCS_LDAP_AT(ca_file), NULL, NULL },
    { "bind_dn", OCS_LDAP_SET_STRING, OCS_LDAP_AT(bind_dn), NULL, NULL },
    { "bind_password_file", OCS_LDAP_SET_FILE, OCS_LDAP_AT(bind_password),
      NULL, "is duplicate" },
    { "base", OCS_LDAP_SET_STRING, OCS_LDAP_AT(base), NULL, NULL },
    { "scope", OCS_LDAP_SET_WORD, OCS_LDAP_AT(scope), ocs_ldap_scopes,
      "must be \"base\", \"one\" or \"sub\"" },
    { "filter", OCS_LDAP_SET_FILTER, OCS_LDAP_AT(filter), NULL,
      "must be an LDAP filter in parentheses" },
    { "remote_access_attribute", OCS_LDAP_SET_STRING,
      OCS_LDAP_AT(remote_attr), NULL, NULL },
    { "totp_attribute", OCS_LDAP_SET_STRING, OCS_LDAP_AT(totp_attr), NULL,
      NULL },
    { "policy", OCS_LDAP_SET_DN, OCS_LDAP_AT(policy_dn), NULL,
      "is too long" },
    { "connect_timeout", OCS_LDAP_SET_TIME, OCS_LDAP_AT(connect_timeout),
      NULL, "must be a time between 1ms and 10m" },
    { "timeout", OCS_LDAP_SET_TIME, OCS_LDAP_AT(timeout), NULL,
      "must be a time between 1ms and 10m" },
    { "connections", OCS_LDAP_SET_NUMBER, OCS_LDAP_AT(connections), NULL,
      "must be a number between 1 and 64" },
    { "nested_groups", OCS_LDAP_SET_WORD, OCS_LDAP_AT(nested),
      ocs_ldap_nesting, "must be \"off\", \"walk\" or \"ad\"" },
    { NULL, 0, 0, NULL, NULL }
};


static int ocs_ldap_conf_urls(ocs_ldap_conf_t *conf, const char *name,
    const char *const *values, size_t n, ocs_err_t *err);
static int ocs_ldap_conf_one(ocs_ldap_conf_t *conf,
    const ocs_ldap_setting_t *set, const char *value);
static int ocs_ldap_conf_time(const char *value, int *ms);
static int ocs_ldap_conf_number(const char *value);


void
ocs_ldap_conf_init(ocs_ldap_conf_t *conf)
{
    memset(conf, 0, sizeof(ocs_ldap_conf_t));

    conf->section = "ocs_ldap_directory";
    conf->tls_verify = 1;
    conf->scope = OCS_LDAP_SCOPE_SUB;
    conf->filter = "(objectClass=user)";
    conf->remote_attr = "msNPAllowDialin";
    conf->connect_timeout = 3000;
    conf->timeout = 5000;
    conf->connections = 4;
    conf->nested = OCS_LDAP_NESTED_WALK;
}


int
ocs_ldap_conf_set(ocs_ldap_conf_t *conf, const char *name, const char *key,
    const char *const *values, size_t n, ocs_err_t *err)
{
    int                        rc;
    const ocs_ldap_setting_t  *set;

    if (strcmp(key, "url") == 0) {
        return ocs_ldap_conf_urls(conf, name, values, n, err);
    }

    if (n != 1) {
        return ocs_err(err, OCS_ERR_INVALID,
                       "\"%s\" in %s \"%s\" takes one value",
                       key, conf->section, name);
    }

    for (set = ocs_ldap_settings; set->key != NULL; set++) {
        if (strcmp(set->key, key) == 0) {
            break;
        }
    }

    if (set->key == NULL) {
        return ocs_err(err, OCS_ERR_NOTFOUND,
                       "unknown directive \"%s\" in %s \"%s\"", key,
                       conf->section, name);
    }

    rc = ocs_ldap_conf_one(conf, set, values[0]);

    if (rc == OCS_ERR_INVALID) {
        return ocs_err(err, rc, "\"%s\" in %s \"%s\" %s",
                       key, conf->section, name, set->wrong);
    }

    return rc;
}


static int
ocs_ldap_conf_urls(ocs_ldap_conf_t *conf, const char *name,
    const char *const *values, size_t n, ocs_err_t *err)
{
    size_t  i;

    if (n == 0 || conf->nurls + n > OCS_LDAP_URLS_MAX) {
        return ocs_err(err, OCS_ERR_INVALID,
                       "\"url\" in %s \"%s\" needs between 1 and %d "
                       "URLs in all", conf->section, name,
                       OCS_LDAP_URLS_MAX);
    }

    for (i = 0; i < n; i++) {
        if (strncasecmp(values[i], "ldap://", 7) != 0
            && strncasecmp(values[i], "ldaps://", 8) != 0)
        {
            return ocs_err(err, OCS_ERR_INVALID,
                           "invalid url \"%s\" in %s \"%s\": use ldap:// "
                           "or ldaps://", values[i], conf->section, name);
        }

        conf->urls[conf->nurls++] = values[i];
    }

    return OCS_OK;
}


/*
 * Stores a key's one value, or leaves the field as it was.  Returns
 * OCS_OK, OCS_LDAP_CONF_PATH, OCS_LDAP_CONF_FILE or OCS_ERR_INVALID (the
 * setting's "wrong" says why).
 */
static int
ocs_ldap_conf_one(ocs_ldap_conf_t *conf, const ocs_ldap_setting_t *set,
    const char *value)
{
    int                     n, ms;
    char                   *field;
    size_t                  len;
    const ocs_ldap_word_t  *w;

    field = (char *) conf + set->offset;
    len = strlen(value);

    switch (set->type) {

    case OCS_LDAP_SET_WORD:
        for (w = set->words; w->word != NULL; w++) {
            if (strcmp(w->word, value) == 0) {
                *(int *) field = w->value;
                return OCS_OK;
            }
        }

        return OCS_ERR_INVALID;

    case OCS_LDAP_SET_FILE:
        /* the password is set from the file's contents, once */
        return (*(const char **) field == NULL) ? OCS_LDAP_CONF_FILE
                                                : OCS_ERR_INVALID;

    case OCS_LDAP_SET_FILTER:
        if (len == 0 || value[0] != '(' || value[len - 1] != ')') {
            return OCS_ERR_INVALID;
        }

        break;

    case OCS_LDAP_SET_DN:
        if (len >= OCS_LDAP_DN_MAX) {
            return OCS_ERR_INVALID;
        }

        break;

    case OCS_LDAP_SET_TIME:
        if (ocs_ldap_conf_time(value, &ms) != OCS_OK) {
            return OCS_ERR_INVALID;
        }

        *(int *) field = ms;
        return OCS_OK;

    case OCS_LDAP_SET_NUMBER:
        n = ocs_ldap_conf_number(value);

        if (n < 1 || n > 64) {
            return OCS_ERR_INVALID;
        }

        *(size_t *) field = (size_t) n;
        return OCS_OK;

    default: /* OCS_LDAP_SET_STRING, OCS_LDAP_SET_PATH */
        break;
    }

    *(const char **) field = value;

    return (set->type == OCS_LDAP_SET_PATH) ? OCS_LDAP_CONF_PATH : OCS_OK;
}


/*
 * A time as nginx writes one ("5s", "1m 30s", "500ms"; a bare number is
 * seconds) into milliseconds, between 1ms and 10m: units from weeks down
 * to milliseconds, each at most once and in that order.  Returns OCS_OK
 * or OCS_ERR_INVALID.
 */
static int
ocs_ldap_conf_time(const char *value, int *ms)
{
    int          step, next, valid;
    int64_t      n, total, scale;
    const char  *p;

    /* the units, in the only order they may follow each other */
    enum {
        st_start = 0, st_week, st_day, st_hour, st_min, st_sec, st_msec,
        st_last
    };

    n = 0;
    total = 0;
    valid = 0;
    step = st_start;

    for (p = value; *p != '\0'; /* void */ ) {

        if (*p >= '0' && *p <= '9') {
            n = n * 10 + (*p++ - '0');
            valid = 1;

            if (n > OCS_LDAP_TIME_MAX) {
                return OCS_ERR_INVALID;
            }

            continue;
        }

        switch (*p++) {

        case 'w':
            next = st_week;
            scale = INT64_C(7) * 24 * 3600 * 1000;
            break;

        case 'd':
            next = st_day;
            scale = INT64_C(24) * 3600 * 1000;
            break;

        case 'h':
            next = st_hour;
            scale = INT64_C(3600) * 1000;
            break;

        case 's':
            next = st_sec;
            scale = 1000;
            break;

        case ' ':
            /* not after a unit: the number is seconds, and the end */
            next = st_last;
            scale = 1000;
            break;

        case 'm':
            if (*p == 's') {
                p++;
                next = st_msec;
                scale = 1;

            } else {
                next = st_min;
                scale = INT64_C(60) * 1000;
            }

            break;

        default:
            return OCS_ERR_INVALID;
        }

        /* a space ends the time: only after a unit, then nothing else */
        if (next <= step || (next == st_last && step >= st_sec)) {
            return OCS_ERR_INVALID;
        }

        step = next;
        total += n * scale;
        n = 0;

        if (total > OCS_LDAP_TIME_MAX) {
            return OCS_ERR_INVALID;
        }

        while (*p == ' ') {
            p++;
        }
    }

    total += n * 1000;

    if (!valid || total == 0 || total > OCS_LDAP_TIME_MAX) {
        return OCS_ERR_INVALID;
    }

    *ms = (int) total;

    return OCS_OK;
}


/* a decimal number of digits only; -1 when it is not one, or too large */
static int
ocs_ldap_conf_number(const char *value)
{
    int  n;

    if (*value == '\0') {
        return -1;
    }

    for (n = 0; *value != '\0'; value++) {
        if (*value < '0' || *value > '9' || n > 100000) {
            return -1;
        }

        n = n * 10 + (*value - '0');
    }

    return n;
}


int
ocs_ldap_conf_password(ocs_ldap_conf_t *conf, const char *name, char *text,
    size_t len, size_t *kept, ocs_err_t *err)
{
    size_t  i;

    /* the first line is the password */
    for (i = 0; i < len; i++) {
        if (text[i] == '\n' || text[i] == '\r') {
            break;
        }
    }

    ocs_wipe(text + i, len - i);
    text[i] = '\0';
    *kept = i;

    /* an empty password makes an "unauthenticated bind" */
    if (i == 0) {
        return ocs_err(err, OCS_ERR_INVALID,
                       "\"bind_password_file\" in %s \"%s\" names a "
                       "file whose first line is empty", conf->section,
                       name);
    }

    conf->bind_password = text;

    return OCS_OK;
}


int
ocs_ldap_conf_check(const ocs_ldap_conf_t *conf, const char *name,
    ocs_err_t *err)
{
    if (conf->nurls == 0 || conf->base == NULL) {
        return ocs_err(err, OCS_ERR_INVALID,
                       "%s \"%s\" needs \"url\" and \"base\"",
                       conf->section, name);
    }

    if ((conf->bind_dn == NULL) != (conf->bind_password == NULL)) {
        return ocs_err(err, OCS_ERR_INVALID,
                       "%s \"%s\" needs both \"bind_dn\" and "
                       "\"bind_password_file\", or neither", conf->section,
                       name);
    }

    return OCS_OK;
}


size_t
ocs_ldap_conf_warnings(const ocs_ldap_conf_t *conf, const char *name,
    ocs_err_t *warn, size_t max)
{
    size_t  i, n;

    n = 0;

    for (i = 0; i < conf->nurls && n < max; i++) {
        if (!conf->starttls && strncasecmp(conf->urls[i], "ldap://", 7) == 0)
        {
            (void) ocs_err(&warn[n++], OCS_OK,
                           "%s \"%s\": \"%s\" without starttls sends "
                           "passwords in clear", conf->section, name,
                           conf->urls[i]);
        }
    }

    if (!conf->tls_verify && n < max) {
        (void) ocs_err(&warn[n++], OCS_OK,
                       "%s \"%s\": certificate verification is off, "
                       "the directory's identity is not checked",
                       conf->section, name);
    }

    return n;
}
