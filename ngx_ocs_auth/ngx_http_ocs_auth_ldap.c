/*
 * ngx_http_ocs_auth_module and the directory: ocs_ldap_directory blocks,
 * authorization requirements and their facts, and the re-check of live
 * sessions.
 *
 * Every requirement named anywhere in the configuration becomes a fact
 * with a stable id.  At sign-in (and at each re-check) the directory is
 * asked once, in a pool thread, which facts the user meets; the ticket
 * carries their ids.  A request is then authorized against the ticket
 * alone, without the directory: a slow directory never slows requests
 * that already hold a ticket.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs_auth.h>


static ngx_conf_enum_t  ngx_http_ocs_auth_flags[] = {
    { ngx_string("on"), 1 },
    { ngx_string("off"), 0 },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_ocs_auth_scopes[] = {
    { ngx_string("base"), OCS_LDAP_SCOPE_BASE },
    { ngx_string("one"), OCS_LDAP_SCOPE_ONE },
    { ngx_string("sub"), OCS_LDAP_SCOPE_SUB },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_ocs_auth_nesting[] = {
    { ngx_string("off"), OCS_LDAP_NESTED_OFF },
    { ngx_string("walk"), OCS_LDAP_NESTED_WALK },
    { ngx_string("ad"), OCS_LDAP_NESTED_AD },
    { ngx_null_string, 0 }
};


typedef struct {
    ocs_ldap_t                       *ld;
    ngx_array_t                      *facts;
    char                             *dn;
    int                               rc;
    int                               state;
    ocs_err_t                         err;
    ngx_http_ocs_auth_dir_result_t    res;
    ngx_http_ocs_sso_ctx_t           *sso;
    ngx_http_ocs_auth_loc_conf_t     *alcf;
} ngx_http_ocs_auth_recheck_t;


/* the read of a directory's policy at a worker's start */
typedef struct {
    ngx_http_ocs_ldap_dir_t   *dir;
    ngx_log_t                 *log;
    int                        rc;
    ocs_err_t                  err;
} ngx_http_ocs_auth_ldap_warm_t;


static char *ngx_http_ocs_auth_ldap_line(ngx_conf_t *cf, ngx_command_t *dummy,
    void *conf);
static char *ngx_http_ocs_auth_ldap_setting(ngx_conf_t *cf,
    ngx_http_ocs_ldap_dir_t *dir);
static char *ngx_http_ocs_auth_ldap_time(ngx_conf_t *cf, ngx_str_t *v,
    int *ms);
static ngx_int_t ngx_http_ocs_auth_keyword(ngx_conf_enum_t *words,
    ngx_str_t *v, int *out);
static void ngx_http_ocs_auth_ldap_wipe(void *data);
static ngx_http_ocs_fact_t *ngx_http_ocs_auth_add_fact(ngx_conf_t *cf,
    ngx_uint_t kind, ngx_str_t *value);
static int ngx_http_ocs_auth_in_group(ocs_ldap_account_t *acct,
    ngx_str_t *group);
static ngx_int_t ngx_http_ocs_auth_deny(ngx_http_request_t *r,
    ocs_ticket_t *t, const char *why, const char *message);
static void ngx_http_ocs_auth_ldap_policy_say(ngx_log_t *log,
    ngx_http_ocs_ldap_dir_t *dir, ngx_uint_t limit);
static void ngx_http_ocs_auth_ldap_warm(ngx_cycle_t *cycle,
    ngx_http_ocs_ldap_dir_t *dir);
static void ngx_http_ocs_auth_ldap_warm_thread(void *data, ngx_log_t *log);
static void ngx_http_ocs_auth_ldap_warm_done(ngx_event_t *ev);
static void ngx_http_ocs_auth_recheck_thread(void *data);
static void ngx_http_ocs_auth_recheck_done(ngx_http_request_t *r,
    void *data);


/*
 * ocs_ldap_directory NAME { url ...; base ...; ... }
 */
char *
ngx_http_ocs_auth_ldap_block(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_auth_main_conf_t  *amcf = conf;

    char                      *rv;
    ngx_str_t                 *value;
    ngx_uint_t                 i;
    ngx_conf_t                 save;
    ngx_pool_cleanup_t        *cln;
    ngx_http_ocs_ldap_dir_t   *dir, **d;

    value = cf->args->elts;
    d = amcf->directories.elts;

    for (i = 0; i < amcf->directories.nelts; i++) {
        if (d[i]->name.len == value[1].len
            && ngx_strncmp(d[i]->name.data, value[1].data, value[1].len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "ocs_ldap_directory \"%V\" is already defined",
                               &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    dir = ngx_pcalloc(cf->pool, sizeof(ngx_http_ocs_ldap_dir_t));
    if (dir == NULL) {
        return NGX_CONF_ERROR;
    }

    d = ngx_array_push(&amcf->directories);
    if (d == NULL) {
        return NGX_CONF_ERROR;
    }

    *d = dir;
    dir->name = value[1];

    /* the defaults an AD administrator expects */
    dir->conf.tls_verify = 1;
    dir->conf.scope = OCS_LDAP_SCOPE_SUB;
    dir->conf.filter = "(objectClass=user)";
    dir->conf.remote_attr = "msNPAllowDialin";
    dir->conf.connect_timeout = 3000;
    dir->conf.timeout = 5000;
    dir->conf.connections = 4;
    dir->conf.nested = OCS_LDAP_NESTED_WALK;

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_ocs_auth_ldap_wipe;
    cln->data = dir;

    save = *cf;
    cf->handler = ngx_http_ocs_auth_ldap_line;
    cf->handler_conf = (char *) dir;

    rv = ngx_conf_parse(cf, NULL);

    *cf = save;

    if (rv != NGX_CONF_OK) {
        return rv;
    }

    if (dir->conf.nurls == 0 || dir->conf.base == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "ocs_ldap_directory \"%V\" needs \"url\" and "
                           "\"base\"", &dir->name);
        return NGX_CONF_ERROR;
    }

    if ((dir->conf.bind_dn == NULL) != (dir->password.data == NULL)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "ocs_ldap_directory \"%V\" needs both \"bind_dn\" "
                           "and \"bind_password_file\", or neither",
                           &dir->name);
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < dir->conf.nurls; i++) {
        if (!dir->conf.starttls
            && ngx_strncasecmp((u_char *) dir->conf.urls[i],
                               (u_char *) "ldap://", 7) == 0)
        {
            ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                               "ocs_ldap_directory \"%V\": \"%s\" without "
                               "starttls sends passwords in clear",
                               &dir->name, dir->conf.urls[i]);
        }
    }

    if (!dir->conf.tls_verify) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "ocs_ldap_directory \"%V\": certificate "
                           "verification is off, the directory's identity "
                           "is not checked", &dir->name);
    }

    return NGX_CONF_OK;
}


/*
 * nginx logs a string a block's line handler returns without naming the
 * line: name it here.
 */
static char *
ngx_http_ocs_auth_ldap_line(ngx_conf_t *cf, ngx_command_t *dummy, void *conf)
{
    ngx_http_ocs_ldap_dir_t  *dir = (ngx_http_ocs_ldap_dir_t *) conf;

    char       *rv;
    ngx_str_t  *value;

    rv = ngx_http_ocs_auth_ldap_setting(cf, dir);

    if (rv == NGX_CONF_OK || rv == NGX_CONF_ERROR) {
        return rv;
    }

    value = cf->args->elts;

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"%V\" in ocs_ldap_directory \"%V\" %s", &value[0],
                       &dir->name, rv);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_ocs_auth_ldap_setting(ngx_conf_t *cf, ngx_http_ocs_ldap_dir_t *dir)
{
    char        *rv;
    ngx_int_t    n;
    ngx_str_t   *value, *name, text;
    ngx_uint_t   i, nargs;

    value = cf->args->elts;
    name = &value[0];
    nargs = cf->args->nelts - 1;

#define OCS_IS(s)  (name->len == sizeof(s) - 1                               \
                    && ngx_strncmp(name->data, s, sizeof(s) - 1) == 0)

    if (OCS_IS("url")) {
        if (nargs == 0 || dir->conf.nurls + nargs > OCS_LDAP_URLS_MAX) {
            return "needs between 1 and 8 URLs in all";
        }

        for (i = 1; i <= nargs; i++) {
            if (ngx_strncasecmp(value[i].data, (u_char *) "ldap://", 7) != 0
                && ngx_strncasecmp(value[i].data, (u_char *) "ldaps://", 8)
                   != 0)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid url \"%V\" in ocs_ldap_directory "
                                   "\"%V\": use ldap:// or ldaps://",
                                   &value[i], &dir->name);
                return NGX_CONF_ERROR;
            }

            dir->conf.urls[dir->conf.nurls++] = (char *) value[i].data;
        }

        return NGX_CONF_OK;
    }

    if (nargs != 1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" in ocs_ldap_directory \"%V\" takes one "
                           "value", name, &dir->name);
        return NGX_CONF_ERROR;
    }

    if (OCS_IS("starttls")) {
        return ngx_http_ocs_auth_keyword(ngx_http_ocs_auth_flags, &value[1],
                                         &dir->conf.starttls)
               == NGX_OK ? NGX_CONF_OK : "must be \"on\" or \"off\"";
    }

    if (OCS_IS("tls_verify")) {
        return ngx_http_ocs_auth_keyword(ngx_http_ocs_auth_flags, &value[1],
                                         &dir->conf.tls_verify)
               == NGX_OK ? NGX_CONF_OK : "must be \"on\" or \"off\"";
    }

    if (OCS_IS("ca_file")) {
        if (ngx_conf_full_name(cf->cycle, &value[1], 1) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        dir->conf.ca_file = (char *) value[1].data;
        return NGX_CONF_OK;
    }

    if (OCS_IS("bind_dn")) {
        dir->conf.bind_dn = (char *) value[1].data;
        return NGX_CONF_OK;
    }

    if (OCS_IS("bind_password_file")) {
        if (dir->password.data != NULL) {
            return "is duplicate";
        }

        rv = ngx_http_ocs_read_conf_file(cf, &value[1], &text, 1024, 1);
        if (rv != NGX_CONF_OK) {
            return rv;
        }

        /* the first line is the password */
        for (i = 0; i < text.len; i++) {
            if (text.data[i] == '\n' || text.data[i] == '\r') {
                break;
            }
        }

        ngx_explicit_memzero(text.data + i, text.len - i);
        text.data[i] = '\0';
        text.len = i;

        /* an empty password makes an "unauthenticated bind" */
        if (text.len == 0) {
            return "names a file whose first line is empty";
        }

        dir->password = text;
        dir->conf.bind_password = (char *) text.data;
        return NGX_CONF_OK;
    }

    if (OCS_IS("base")) {
        dir->conf.base = (char *) value[1].data;
        return NGX_CONF_OK;
    }

    if (OCS_IS("scope")) {
        return ngx_http_ocs_auth_keyword(ngx_http_ocs_auth_scopes, &value[1],
                                         &dir->conf.scope)
               == NGX_OK ? NGX_CONF_OK
                         : "must be \"base\", \"one\" or \"sub\"";
    }

    if (OCS_IS("filter")) {
        if (value[1].data[0] != '(' || value[1].data[value[1].len - 1] != ')')
        {
            return "must be an LDAP filter in parentheses";
        }

        dir->conf.filter = (char *) value[1].data;
        return NGX_CONF_OK;
    }

    if (OCS_IS("remote_access_attribute")) {
        dir->conf.remote_attr = (char *) value[1].data;
        return NGX_CONF_OK;
    }

    if (OCS_IS("totp_attribute")) {
        dir->conf.totp_attr = (char *) value[1].data;
        return NGX_CONF_OK;
    }

    if (OCS_IS("policy")) {
        if (value[1].len >= OCS_LDAP_DN_MAX) {
            return "is too long";
        }

        dir->conf.policy_dn = (char *) value[1].data;
        return NGX_CONF_OK;
    }

    if (OCS_IS("connect_timeout")) {
        return ngx_http_ocs_auth_ldap_time(cf, &value[1],
                                           &dir->conf.connect_timeout);
    }

    if (OCS_IS("timeout")) {
        return ngx_http_ocs_auth_ldap_time(cf, &value[1], &dir->conf.timeout);
    }

    if (OCS_IS("connections")) {
        n = ngx_atoi(value[1].data, value[1].len);

        if (n < 1 || n > 64) {
            return "must be a number between 1 and 64";
        }

        dir->conf.connections = n;
        return NGX_CONF_OK;
    }

    if (OCS_IS("nested_groups")) {
        return ngx_http_ocs_auth_keyword(ngx_http_ocs_auth_nesting,
                                         &value[1], &dir->conf.nested)
               == NGX_OK ? NGX_CONF_OK
                         : "must be \"off\", \"walk\" or \"ad\"";
    }

#undef OCS_IS

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "unknown directive \"%V\" in ocs_ldap_directory "
                       "\"%V\"", name, &dir->name);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_ocs_auth_ldap_time(ngx_conf_t *cf, ngx_str_t *v, int *ms)
{
    ngx_msec_t  t;

    t = ngx_parse_time(v, 0);

    if (t == (ngx_msec_t) NGX_ERROR || t == 0 || t > 600000) {
        return "must be a time between 1ms and 10m";
    }

    *ms = (int) t;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_ocs_auth_keyword(ngx_conf_enum_t *words, ngx_str_t *v, int *out)
{
    for ( /* void */ ; words->name.len; words++) {
        if (words->name.len == v->len
            && ngx_strncmp(words->name.data, v->data, v->len) == 0)
        {
            *out = (int) words->value;
            return NGX_OK;
        }
    }

    return NGX_ERROR;
}


static void
ngx_http_ocs_auth_ldap_wipe(void *data)
{
    ngx_http_ocs_ldap_dir_t  *dir = data;

    if (dir->password.data != NULL) {
        ngx_explicit_memzero(dir->password.data, dir->password.len);
    }
}


ngx_int_t
ngx_http_ocs_auth_ldap_init_process(ngx_cycle_t *cycle)
{
    ocs_err_t                       err;
    ngx_uint_t                      i;
    ngx_http_ocs_ldap_dir_t       **d;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    amcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_ocs_auth_module);
    if (amcf == NULL) {
        return NGX_OK;
    }

    d = amcf->directories.elts;

    /* connections belong to a worker: each makes its own */
    for (i = 0; i < amcf->directories.nelts; i++) {
        d[i]->handle = ocs_ldap_create(&d[i]->conf, &err);

        if (d[i]->handle == NULL) {
            ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                          "ocs_ldap_directory \"%V\": %s", &d[i]->name,
                          err.text);
            return NGX_ERROR;
        }

        ngx_http_ocs_auth_ldap_warm(cycle, d[i]);
    }

    return NGX_OK;
}


void
ngx_http_ocs_auth_ldap_exit_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                      i;
    ngx_http_ocs_ldap_dir_t       **d;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    amcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_ocs_auth_module);
    if (amcf == NULL) {
        return;
    }

    d = amcf->directories.elts;

    for (i = 0; i < amcf->directories.nelts; i++) {
        ocs_ldap_destroy(d[i]->handle);
        d[i]->handle = NULL;
    }
}


static ngx_http_ocs_fact_t *
ngx_http_ocs_auth_add_fact(ngx_conf_t *cf, ngx_uint_t kind, ngx_str_t *value)
{
    uint32_t                        id;
    ngx_uint_t                      i;
    ngx_http_ocs_fact_t            *f;
    ngx_http_ocs_auth_main_conf_t  *amcf;
    static const char              *kinds[] = {
        "", "enabled", "presence", "group", "filter", "remote"
    };

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ocs_auth_module);

    id = ocs_fact_id(kinds[kind], (char *) value->data, value->len);
    f = amcf->facts.elts;

    for (i = 0; i < amcf->facts.nelts; i++) {
        if (f[i].id == id) {
            return &f[i];
        }
    }

    if (amcf->facts.nelts == OCS_FACTS_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "more than %d different access requirements",
                           OCS_FACTS_MAX);
        return NULL;
    }

    f = ngx_array_push(&amcf->facts);
    if (f == NULL) {
        return NULL;
    }

    f->kind = kind;
    f->value = *value;
    f->id = id;

    return f;
}


/*
 * ocs_auth_require ocs_enabled | enhanced_presence | group NAME |
 *                  filter FILTER | off;
 */
char *
ngx_http_ocs_auth_require(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    ngx_str_t            *value, none;
    ngx_uint_t            kind;
    ngx_http_ocs_fact_t  *f, *copy;

    value = cf->args->elts;
    ngx_str_set(&none, "");

    if (ngx_strcmp(value[1].data, "off") == 0 && cf->args->nelts == 2) {
        if (alcf->require != NGX_CONF_UNSET_PTR && alcf->require != NULL) {
            return "is duplicate";
        }

        alcf->require = NULL;
        return NGX_CONF_OK;
    }

    if (alcf->require == NULL) {
        return "cannot follow \"ocs_auth_require off\"";
    }

    if (ngx_strcmp(value[1].data, "ocs_enabled") == 0
        && cf->args->nelts == 2)
    {
        kind = NGX_HTTP_OCS_FACT_ENABLED;
        value = &none;

    } else if (ngx_strcmp(value[1].data, "enhanced_presence") == 0
               && cf->args->nelts == 2)
    {
        kind = NGX_HTTP_OCS_FACT_PRESENCE;
        value = &none;

    } else if (ngx_strcmp(value[1].data, "group") == 0
               && cf->args->nelts == 3)
    {
        kind = NGX_HTTP_OCS_FACT_GROUP;
        value = &value[2];

    } else if (ngx_strcmp(value[1].data, "filter") == 0
               && cf->args->nelts == 3)
    {
        if (value[2].data[0] != '(') {
            return "needs an LDAP filter in parentheses";
        }

        kind = NGX_HTTP_OCS_FACT_FILTER;
        value = &value[2];

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid \"ocs_auth_require %V\": use ocs_enabled, "
                           "enhanced_presence, group NAME, filter FILTER or "
                           "off", &value[1]);
        return NGX_CONF_ERROR;
    }

    f = ngx_http_ocs_auth_add_fact(cf, kind, value);
    if (f == NULL) {
        return NGX_CONF_ERROR;
    }

    if (alcf->require == NGX_CONF_UNSET_PTR) {
        alcf->require = ngx_array_create(cf->pool, 4,
                                         sizeof(ngx_http_ocs_fact_t));
        if (alcf->require == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    copy = ngx_array_push(alcf->require);
    if (copy == NULL) {
        return NGX_CONF_ERROR;
    }

    *copy = *f;

    return NGX_CONF_OK;
}


/* ocs_auth_remote_access attribute | group NAME | filter FILTER | off; */
char *
ngx_http_ocs_auth_remote_access(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    ngx_str_t            *value, none;
    ngx_uint_t            kind;
    ngx_http_ocs_fact_t  *f;

    if (alcf->remote != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;
    ngx_str_set(&none, "");

    if (ngx_strcmp(value[1].data, "off") == 0 && cf->args->nelts == 2) {
        alcf->remote = NULL;
        return NGX_CONF_OK;
    }

    if (ngx_strcmp(value[1].data, "attribute") == 0 && cf->args->nelts == 2) {
        kind = NGX_HTTP_OCS_FACT_REMOTE;
        value = &none;

    } else if (ngx_strcmp(value[1].data, "group") == 0
               && cf->args->nelts == 3)
    {
        kind = NGX_HTTP_OCS_FACT_GROUP;
        value = &value[2];

    } else if (ngx_strcmp(value[1].data, "filter") == 0
               && cf->args->nelts == 3 && value[2].data[0] == '(')
    {
        kind = NGX_HTTP_OCS_FACT_FILTER;
        value = &value[2];

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid \"ocs_auth_remote_access %V\": use "
                           "attribute, group NAME, filter FILTER or off",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    f = ngx_http_ocs_auth_add_fact(cf, kind, value);
    if (f == NULL) {
        return NGX_CONF_ERROR;
    }

    alcf->remote = ngx_palloc(cf->pool, sizeof(ngx_http_ocs_fact_t));
    if (alcf->remote == NULL) {
        return NGX_CONF_ERROR;
    }

    *alcf->remote = *f;

    return NGX_CONF_OK;
}


/* ocs_auth_internal_networks CIDR ... | off; */
char *
ngx_http_ocs_auth_internal(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    ngx_int_t    rc;
    ngx_str_t   *value;
    ngx_uint_t   i;
    ngx_cidr_t  *cidr;

    if (alcf->internal != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0 && cf->args->nelts == 2) {
        alcf->internal = NULL;
        return NGX_CONF_OK;
    }

    alcf->internal = ngx_array_create(cf->pool, cf->args->nelts,
                                      sizeof(ngx_cidr_t));
    if (alcf->internal == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {
        cidr = ngx_array_push(alcf->internal);
        if (cidr == NULL) {
            return NGX_CONF_ERROR;
        }

        rc = ngx_ptocidr(&value[i], cidr);

        if (rc == NGX_ERROR) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid network \"%V\" in "
                               "\"ocs_auth_internal_networks\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        if (rc == NGX_DONE) {
            ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                               "low address bits of %V are meaningless",
                               &value[i]);
        }
    }

    return NGX_CONF_OK;
}


char *
ngx_http_ocs_auth_ldap_merge(ngx_conf_t *cf,
    ngx_http_ocs_auth_loc_conf_t *prev, ngx_http_ocs_auth_loc_conf_t *conf)
{
    ngx_uint_t                      i;
    ngx_http_ocs_ldap_dir_t       **d;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    ngx_conf_merge_str_value(conf->directory_name, prev->directory_name, "");
    ngx_conf_merge_ptr_value(conf->require, prev->require, NULL);
    ngx_conf_merge_ptr_value(conf->remote, prev->remote, NULL);
    ngx_conf_merge_ptr_value(conf->internal, prev->internal, NULL);
    ngx_conf_merge_ptr_value(conf->sip_claim, prev->sip_claim, NULL);
    ngx_conf_merge_sec_value(conf->recheck, prev->recheck, 300);

    conf->directory = NULL;

    if (conf->directory_name.len == 0) {
        return NGX_CONF_OK;
    }

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ocs_auth_module);
    d = amcf->directories.elts;

    for (i = 0; i < amcf->directories.nelts; i++) {
        if (d[i]->name.len == conf->directory_name.len
            && ngx_strncmp(d[i]->name.data, conf->directory_name.data,
                           d[i]->name.len) == 0)
        {
            conf->directory = d[i];
            return NGX_CONF_OK;
        }
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "unknown ocs_ldap_directory \"%V\" in \"ocs_auth_ldap\"",
                       &conf->directory_name);

    return NGX_CONF_ERROR;
}


/* which set of requirements a ticket's facts were computed for */
uint32_t
ngx_http_ocs_auth_facts_gen(ngx_array_t *facts)
{
    u_char               buf[4 * OCS_FACTS_MAX];
    uint32_t             id, tmp;
    ngx_uint_t           i, j, n;
    ngx_http_ocs_fact_t *f;

    f = facts->elts;
    n = facts->nelts;

    /* in id order, so that the order in the file does not matter */
    for (i = 0; i < n; i++) {
        id = f[i].id;

        for (j = 0; j < i; j++) {
            if (buf[4 * j] > (id >> 24)
                || (buf[4 * j] == (id >> 24)
                    && ((uint32_t) buf[4 * j + 1] << 16
                        | (uint32_t) buf[4 * j + 2] << 8 | buf[4 * j + 3])
                       > (id & 0xffffff)))
            {
                break;
            }
        }

        ngx_memmove(&buf[4 * j + 4], &buf[4 * j], 4 * (i - j));

        tmp = id;
        buf[4 * j] = (u_char) (tmp >> 24);
        buf[4 * j + 1] = (u_char) (tmp >> 16);
        buf[4 * j + 2] = (u_char) (tmp >> 8);
        buf[4 * j + 3] = (u_char) tmp;
    }

    return ocs_fact_id("generation", (char *) buf, 4 * n);
}


/*
 * In a pool thread: which configured requirements the account meets,
 * and its group names for the ticket.  Filters need the directory; the
 * rest is read from the account.  Returns OCS_OK or OCS_ERR_SYS.
 */
int
ngx_http_ocs_auth_evaluate(ocs_ldap_t *ld, ngx_array_t *facts,
    ngx_http_ocs_auth_dir_result_t *res, ocs_err_t *err)
{
    int                   rc, match;
    size_t                n;
    ngx_uint_t            i;
    ocs_ldap_account_t   *acct;
    ngx_http_ocs_fact_t  *f;
    char                  cn[OCS_LDAP_VALUE_MAX];

    acct = &res->acct;
    f = facts->elts;
    res->nfacts = 0;

    for (i = 0; i < facts->nelts; i++) {

        switch (f[i].kind) {

        case NGX_HTTP_OCS_FACT_ENABLED:
            match = (acct->ocs_enabled == 1);
            break;

        case NGX_HTTP_OCS_FACT_PRESENCE:
            match = (acct->option_flags >= 0 && (acct->option_flags & 256));
            break;

        case NGX_HTTP_OCS_FACT_GROUP:
            match = ngx_http_ocs_auth_in_group(acct, &f[i].value);
            break;

        case NGX_HTTP_OCS_FACT_FILTER:
            rc = ocs_ldap_match(ld, acct->dn, (char *) f[i].value.data,
                                &match, err);
            if (rc == OCS_ERR_SYS) {
                return rc;
            }

            break;

        default: /* NGX_HTTP_OCS_FACT_REMOTE */
            match = (acct->remote == 1);
            break;
        }

        if (match && res->nfacts < OCS_FACTS_MAX) {
            res->facts[res->nfacts++] = f[i].id;
        }
    }

    /* group names for $ocs_groups: first values, comma-separated */
    res->groups_len = 0;
    res->groups_truncated = acct->groups_truncated;

    for (i = 0; i < acct->ngroups; i++) {
        if (ocs_dn_first_value(acct->groups[i], ngx_strlen(acct->groups[i]),
                               cn, sizeof(cn), &n) != OCS_OK)
        {
            continue;
        }

        if (res->groups_len + (res->groups_len > 0) + n > OCS_GROUPS_MAX) {
            res->groups_truncated = 1;
            break;
        }

        if (res->groups_len > 0) {
            res->groups[res->groups_len++] = ',';
        }

        ngx_memcpy(res->groups + res->groups_len, cn, n);
        res->groups_len += n;
    }

    return OCS_OK;
}


/* a group requirement is a DN, or the name (first RDN value) of one */
static int
ngx_http_ocs_auth_in_group(ocs_ldap_account_t *acct, ngx_str_t *group)
{
    size_t      n;
    ngx_uint_t  i, dn;
    char        cn[OCS_LDAP_VALUE_MAX];

    dn = (ngx_strlchr(group->data, group->data + group->len, '=') != NULL);

    for (i = 0; i < acct->ngroups; i++) {
        if (dn) {
            if (ocs_dn_eq(acct->groups[i], ngx_strlen(acct->groups[i]),
                          (char *) group->data, group->len))
            {
                return 1;
            }

            continue;
        }

        if (ocs_dn_first_value(acct->groups[i], ngx_strlen(acct->groups[i]),
                               cn, sizeof(cn), &n) == OCS_OK
            && n == group->len
            && ngx_strncasecmp((u_char *) cn, group->data, n) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/*
 * Directory values end up in variables and from there in upstream
 * headers: control characters, CR and LF among them, become '?'.
 */
static size_t
ngx_http_ocs_auth_clean(char *dst, const char *src, size_t len, size_t max)
{
    size_t  i;

    len = ngx_min(len, max);

    for (i = 0; i < len; i++) {
        dst[i] = ((u_char) src[i] < 0x20 || src[i] == 0x7f) ? '?' : src[i];
    }

    return len;
}


void
ngx_http_ocs_auth_fill_ticket(ocs_ticket_t *t,
    ngx_http_ocs_auth_dir_result_t *res, uint32_t facts_gen)
{
    ocs_ldap_account_t  *acct = &res->acct;

    /* a TOTP secret read along has no place in a ticket */
    ocs_wipe(acct->totp, sizeof(acct->totp));

    t->sip_len = ngx_http_ocs_auth_clean(t->sip, acct->sip,
                                         ngx_strlen(acct->sip), OCS_SIP_MAX);
    t->display_len = ngx_http_ocs_auth_clean(t->display, acct->display,
                                             ngx_strlen(acct->display),
                                             OCS_DISPLAY_MAX);
    t->dn_len = ngx_min(ngx_strlen(acct->dn), OCS_DN_MAX);
    ngx_memcpy(t->dn, acct->dn, t->dn_len);
    t->groups_len = ngx_http_ocs_auth_clean(t->groups, (char *) res->groups,
                                            res->groups_len, OCS_GROUPS_MAX);
    t->nfacts = res->nfacts;
    ngx_memcpy(t->facts, res->facts, res->nfacts * sizeof(uint32_t));
    t->facts_gen = facts_gen;
    t->checked = ngx_time();
}


/*
 * The location's requirements against the ticket.  Returns NGX_OK, or
 * NGX_DONE after sending the 403 page that says why.
 */
ngx_int_t
ngx_http_ocs_auth_authorize(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_ticket_t *t)
{
    ngx_str_t             claim;
    ngx_uint_t            i;
    ngx_http_ocs_fact_t  *f;

    if (alcf->require != NULL) {
        f = alcf->require->elts;

        for (i = 0; i < alcf->require->nelts; i++) {
            if (ocs_ticket_has_fact(t, f[i].id)) {
                continue;
            }

            switch (f[i].kind) {

            case NGX_HTTP_OCS_FACT_ENABLED:
                return ngx_http_ocs_auth_deny(r, t, "not enabled for OCS",
                    "Your account is not enabled for Office Communications "
                    "Server.");

            case NGX_HTTP_OCS_FACT_PRESENCE:
                return ngx_http_ocs_auth_deny(r, t,
                    "enhanced presence not enabled",
                    "Your account does not have enhanced presence enabled, "
                    "which this service needs.");

            case NGX_HTTP_OCS_FACT_GROUP:
                return ngx_http_ocs_auth_deny(r, t, "not in a required group",
                    "You are not a member of a group that may use this "
                    "service.");

            default:
                return ngx_http_ocs_auth_deny(r, t,
                    "the account does not match the required filter",
                    "Your account does not meet this service's access "
                    "rules.");
            }
        }
    }

    if (alcf->remote != NULL
        && (alcf->internal == NULL
            || ngx_cidr_match(r->connection->sockaddr, alcf->internal)
               != NGX_OK)
        && !ocs_ticket_has_fact(t, alcf->remote->id))
    {
        return ngx_http_ocs_auth_deny(r, t, "no remote access",
            "You are connecting from outside the organisation, and your "
            "account does not have remote access.");
    }

    if (alcf->sip_claim != NULL) {
        if (ngx_http_complex_value(r, alcf->sip_claim, &claim) != NGX_OK) {
            return NGX_ERROR;
        }

        if (claim.len
            && !ocs_sip_uri_eq((char *) claim.data, claim.len, t->sip,
                               t->sip_len))
        {
            return ngx_http_ocs_auth_deny(r, t,
                "the sign-in address does not match the account",
                "The sign-in address does not match the account you signed "
                "in with.");
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_ocs_auth_deny(ngx_http_request_t *r, ocs_ticket_t *t,
    const char *why, const char *message)
{
    ngx_int_t  rc;

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "ocs auth: user \"%s\" denied: %s", t->user, why);

    rc = ngx_http_ocs_send_message(r, NGX_HTTP_FORBIDDEN, "Access denied",
                                   message);

    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}


/*
 * Says once per worker, and again when it changes, which lockout policy
 * the directory has and what the proxy makes of it (guard.c applies it).
 */
void
ngx_http_ocs_auth_ldap_policy_log(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf)
{
    if (alcf->directory != NULL) {
        ngx_http_ocs_auth_ldap_policy_say(r->connection->log,
                                          alcf->directory,
                                          alcf->lock_account);
    }
}


static void
ngx_http_ocs_auth_ldap_policy_say(ngx_log_t *log, ngx_http_ocs_ldap_dir_t *dir,
    ngx_uint_t limit)
{
    unsigned           version;
    ngx_uint_t         below;
    ocs_ldap_policy_t  p;

    if (dir->handle == NULL) {
        return;
    }

    version = ocs_ldap_policy(dir->handle, &p);

    if (version == dir->policy_logged) {
        return;
    }

    dir->policy_logged = version;

    if (!p.known) {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "ocs auth: directory \"%V\": its lockout policy "
                      "cannot be read; keep ocs_auth_lockout account= below "
                      "its threshold, or name the policy entry with "
                      "\"policy\" in ocs_ldap_directory", &dir->name);
        return;
    }

    if (p.threshold == 0) {
        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "ocs auth: directory \"%V\" does not lock accounts "
                      "(\"%s\")", &dir->name, p.source);
        return;
    }

    below = (p.threshold > 1) ? (ngx_uint_t) p.threshold - 1 : 1;
    below = limit ? ngx_min(limit, below) : below;

    if (p.window == 0) {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "ocs auth: directory \"%V\" locks accounts after %d "
                      "failed passwords and keeps them until a good one "
                      "(\"%s\"); sign-ins here lock after %ui, for a day",
                      &dir->name, p.threshold, p.source, below);
        return;
    }

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "ocs auth: directory \"%V\" locks accounts after %d failed "
                  "passwords within %L s (\"%s\"); sign-ins here lock after "
                  "%ui", &dir->name, p.threshold, p.window, p.source, below);
}


/*
 * At a worker's start, each directory is asked for its lockout policy in
 * the thread pool, so that the log says it before the first sign-in and
 * the first sign-in finds a connection open.
 */
static void
ngx_http_ocs_auth_ldap_warm(ngx_cycle_t *cycle, ngx_http_ocs_ldap_dir_t *dir)
{
    ngx_thread_task_t               *task;
    ngx_http_ocs_auth_ldap_warm_t   *w;

    if (dir->pool == NULL) {
        return;
    }

    task = ngx_thread_task_alloc(cycle->pool,
                                 sizeof(ngx_http_ocs_auth_ldap_warm_t));
    if (task == NULL) {
        return;
    }

    w = task->ctx;
    w->dir = dir;
    w->log = cycle->log;
    w->rc = OCS_OK;

    task->handler = ngx_http_ocs_auth_ldap_warm_thread;
    task->event.data = w;
    task->event.handler = ngx_http_ocs_auth_ldap_warm_done;

    /* a full queue at start is no loss: the first sign-in reads it */
    (void) ngx_thread_task_post(dir->pool, task);
}


static void
ngx_http_ocs_auth_ldap_warm_thread(void *data, ngx_log_t *log)
{
    ngx_http_ocs_auth_ldap_warm_t  *w = data;

    w->rc = ocs_ldap_warm(w->dir->handle, &w->err);
}


static void
ngx_http_ocs_auth_ldap_warm_done(ngx_event_t *ev)
{
    ngx_http_ocs_auth_ldap_warm_t  *w = ev->data;

    if (w->rc != OCS_OK) {
        ngx_log_error(NGX_LOG_WARN, w->log, 0,
                      "ocs auth: directory \"%V\" not reached at start: %s",
                      &w->dir->name, w->err.text);
        return;
    }

    ngx_http_ocs_auth_ldap_policy_say(w->log, w->dir, w->dir->lock_account);
}


/*
 * Asks the directory again about a live session, in a pool thread.
 * Returns NGX_AGAIN when the question is posted; the access phase runs
 * again when the answer is in.
 */
ngx_int_t
ngx_http_ocs_auth_recheck(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ngx_http_ocs_sso_ctx_t *ctx)
{
    ngx_http_ocs_auth_recheck_t    *task;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_auth_module);

    /* the thread fills the result; nothing in it needs clearing first */
    task = ngx_palloc(r->pool, sizeof(ngx_http_ocs_auth_recheck_t));
    if (task == NULL) {
        return NGX_ERROR;
    }

    task->rc = OCS_OK;
    task->state = OCS_ACCT_OK;

    task->ld = alcf->directory->handle;
    task->facts = &amcf->facts;
    task->dn = ctx->ticket.dn;
    task->sso = ctx;
    task->alcf = alcf;

    if (ngx_http_ocs_thread_run(r, ngx_http_ocs_thread_pool(r),
                                ngx_http_ocs_auth_recheck_thread,
                                ngx_http_ocs_auth_recheck_done, task)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_AGAIN;
}


static void
ngx_http_ocs_auth_recheck_thread(void *data)
{
    ngx_http_ocs_auth_recheck_t  *task = data;

    task->state = OCS_ACCT_OK;
    task->rc = ocs_ldap_lookup(task->ld, task->dn, &task->res.acct,
                               &task->err);

    if (task->rc != OCS_OK) {
        return;
    }

    if (task->res.acct.uac >= 0) {
        task->state = ocs_acct_state_from_uac(task->res.acct.uac);
    }

    if (task->state == OCS_ACCT_OK) {
        task->rc = ngx_http_ocs_auth_evaluate(task->ld, task->facts,
                                              &task->res, &task->err);
    }
}


static void
ngx_http_ocs_auth_recheck_done(ngx_http_request_t *r, void *data)
{
    ngx_http_ocs_auth_recheck_t  *task = data;

    ocs_ticket_t                   *t;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_auth_module);
    t = &task->sso->ticket;

    if (task->rc == OCS_ERR_SYS) {
        /*
         * Keep the facts the ticket has and ask again after another
         * interval.  Requirements added since the ticket was sealed stay
         * unmet until then: the ticket has no fact for them.
         */
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: directory \"%V\" unavailable for the "
                      "re-check of user \"%s\": %s",
                      &task->alcf->directory->name, t->user, task->err.text);
        t->checked = ngx_time();
        t->facts_gen = amcf->facts_gen;

    } else if (task->rc == OCS_ERR_NOTFOUND
               || task->state != OCS_ACCT_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: session of user \"%s\" ended: %s", t->user,
                      task->rc == OCS_ERR_NOTFOUND
                      ? "the account is gone from the directory"
                      : ocs_acct_state_name(task->state));

        (void) ngx_http_ocs_sso_revoke(r, t);
        task->sso->state = NGX_HTTP_OCS_SSO_REVOKED;

    } else {
        ngx_http_ocs_auth_fill_ticket(t, &task->res, amcf->facts_gen);

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "ocs auth: user \"%s\" re-checked in directory \"%V\"",
                      t->user, &task->alcf->directory->name);
    }

    if (task->sso->state == NGX_HTTP_OCS_SSO_VALID
        && ngx_http_ocs_sso_update(r, task->sso) != NGX_OK)
    {
        task->sso->refresh.len = 0;
    }

    task->sso->rechecked = 1;

    /* back into the access phase, which now finds the answer */
    ngx_http_core_run_phases(r);
}
