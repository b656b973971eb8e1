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
 *
 * The decisions are the core's: the block's settings in ocs_ldap_conf.c,
 * requirements, facts, verdicts and re-checks in ocs_authz.c.  Here they
 * are read from the configuration, posted to the thread pool, logged and
 * answered.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs_auth.h>


typedef struct {
    ocs_ldap_t                       *ld;
    ngx_array_t                      *facts;
    char                             *dn;
    int                               rc;
    int                               state;
    ocs_err_t                         err;
    ocs_authz_result_t    res;
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


static ngx_http_ocs_ldap_dir_t *ngx_http_ocs_auth_ldap_dir(ngx_conf_t *cf,
    ngx_http_ocs_auth_main_conf_t *amcf, ngx_str_t *name);
static char *ngx_http_ocs_auth_ldap_line(ngx_conf_t *cf, ngx_command_t *dummy,
    void *conf);
static char *ngx_http_ocs_auth_ldap_setting(ngx_conf_t *cf,
    ngx_http_ocs_ldap_dir_t *dir);
static char *ngx_http_ocs_auth_ldap_password(ngx_conf_t *cf,
    ngx_http_ocs_ldap_dir_t *dir, ngx_str_t *file);
static void ngx_http_ocs_auth_ldap_wipe(void *data);
static ocs_authz_req_t *ngx_http_ocs_auth_add_fact(ngx_conf_t *cf, int kind,
    ngx_str_t *value);
static ngx_int_t ngx_http_ocs_auth_net(ngx_cidr_t *cidr,
    ocs_authz_net_t *net);
static ngx_int_t ngx_http_ocs_auth_deny(ngx_http_request_t *r,
    ocs_ticket_t *t, int verdict);
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
 *
 * The settings and their rules are the core's (ocs_ldap_conf_set()):
 * here the lines are read, and the files they name.
 */
char *
ngx_http_ocs_auth_ldap_directory(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_auth_main_conf_t  *amcf = conf;

    char                     *rv;
    size_t                    i, n;
    ngx_str_t                *value;
    ngx_conf_t                save;
    ocs_err_t                 err, warn[OCS_LDAP_URLS_MAX + 1];
    ngx_http_ocs_ldap_dir_t  *dir;

    value = cf->args->elts;

    dir = ngx_http_ocs_auth_ldap_dir(cf, amcf, &value[1]);
    if (dir == NULL) {
        return NGX_CONF_ERROR;
    }

    save = *cf;
    cf->handler = ngx_http_ocs_auth_ldap_line;
    cf->handler_conf = (char *) dir;

    rv = ngx_conf_parse(cf, NULL);

    *cf = save;

    if (rv != NGX_CONF_OK) {
        return rv;
    }

    if (ocs_ldap_conf_check(&dir->conf, (char *) dir->name.data, &err)
        != OCS_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err.text);
        return NGX_CONF_ERROR;
    }

    n = ocs_ldap_conf_warnings(&dir->conf, (char *) dir->name.data, warn,
                               OCS_LDAP_URLS_MAX + 1);

    for (i = 0; i < n; i++) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0, "%s", warn[i].text);
    }

    return NGX_CONF_OK;
}


/* a new directory, with the core's defaults and its password's wipe */
static ngx_http_ocs_ldap_dir_t *
ngx_http_ocs_auth_ldap_dir(ngx_conf_t *cf, ngx_http_ocs_auth_main_conf_t *amcf,
    ngx_str_t *name)
{
    ngx_uint_t                 i;
    ngx_pool_cleanup_t        *cln;
    ngx_http_ocs_ldap_dir_t   *dir, **d;

    d = amcf->directories.elts;

    for (i = 0; i < amcf->directories.nelts; i++) {
        if (d[i]->name.len == name->len
            && ngx_strncmp(d[i]->name.data, name->data, name->len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "ocs_ldap_directory \"%V\" is already defined",
                               name);
            return NULL;
        }
    }

    dir = ngx_pcalloc(cf->pool, sizeof(ngx_http_ocs_ldap_dir_t));
    if (dir == NULL) {
        return NULL;
    }

    d = ngx_array_push(&amcf->directories);
    if (d == NULL) {
        return NULL;
    }

    *d = dir;
    dir->name = *name;

    ocs_ldap_conf_init(&dir->conf);

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_ocs_auth_ldap_wipe;
    cln->data = dir;

    return dir;
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
    int          rc;
    ngx_str_t   *value;
    ngx_uint_t   i, n;
    ocs_err_t    err;
    const char **values;

    value = cf->args->elts;
    n = cf->args->nelts - 1;

    values = ngx_palloc(cf->temp_pool, (n + 1) * sizeof(char *));
    if (values == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < n; i++) {
        values[i] = (const char *) value[i + 1].data;
    }

    rc = ocs_ldap_conf_set(&dir->conf, (char *) dir->name.data,
                           (char *) value[0].data, values, n, &err);

    switch (rc) {

    case OCS_OK:
        return NGX_CONF_OK;

    case OCS_LDAP_CONF_PATH:
        if (ngx_conf_full_name(cf->cycle, &value[1], 1) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        dir->conf.ca_file = (char *) value[1].data;
        return NGX_CONF_OK;

    case OCS_LDAP_CONF_FILE:
        return ngx_http_ocs_auth_ldap_password(cf, dir, &value[1]);

    default:
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err.text);
        return NGX_CONF_ERROR;
    }
}


static char *
ngx_http_ocs_auth_ldap_password(ngx_conf_t *cf, ngx_http_ocs_ldap_dir_t *dir,
    ngx_str_t *file)
{
    char       *rv;
    size_t      kept;
    ngx_str_t   text;
    ocs_err_t   err;

    rv = ngx_http_ocs_read_conf_file(cf, file, &text, 1024, 1);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    /* wiped with the configuration, whatever the core makes of it */
    dir->password = text;

    if (ocs_ldap_conf_password(&dir->conf, (char *) dir->name.data,
                               (char *) text.data, text.len, &kept, &err)
        != OCS_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err.text);
        return NGX_CONF_ERROR;
    }

    dir->password.len = kept;

    return NGX_CONF_OK;
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


static ocs_authz_req_t *
ngx_http_ocs_auth_add_fact(ngx_conf_t *cf, int kind, ngx_str_t *value)
{
    ngx_uint_t                      i;
    ocs_authz_req_t                 req, *f;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ocs_auth_module);

    if (ocs_authz_req_init(&req, kind, (char *) value->data, value->len)
        != OCS_OK)
    {
        return NULL;
    }

    f = amcf->facts.elts;

    for (i = 0; i < amcf->facts.nelts; i++) {
        if (f[i].id == req.id) {
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

    *f = req;

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

    int               kind;
    ngx_str_t        *value, none;
    ocs_authz_req_t  *f, *copy;

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
        kind = OCS_AUTHZ_ENABLED;
        value = &none;

    } else if (ngx_strcmp(value[1].data, "enhanced_presence") == 0
               && cf->args->nelts == 2)
    {
        kind = OCS_AUTHZ_PRESENCE;
        value = &none;

    } else if (ngx_strcmp(value[1].data, "group") == 0
               && cf->args->nelts == 3)
    {
        kind = OCS_AUTHZ_GROUP;
        value = &value[2];

    } else if (ngx_strcmp(value[1].data, "filter") == 0
               && cf->args->nelts == 3)
    {
        if (value[2].data[0] != '(') {
            return "needs an LDAP filter in parentheses";
        }

        kind = OCS_AUTHZ_FILTER;
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
                                         sizeof(ocs_authz_req_t));
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

    int               kind;
    ngx_str_t        *value, none;
    ocs_authz_req_t  *f;

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
        kind = OCS_AUTHZ_REMOTE;
        value = &none;

    } else if (ngx_strcmp(value[1].data, "group") == 0
               && cf->args->nelts == 3)
    {
        kind = OCS_AUTHZ_GROUP;
        value = &value[2];

    } else if (ngx_strcmp(value[1].data, "filter") == 0
               && cf->args->nelts == 3 && value[2].data[0] == '(')
    {
        kind = OCS_AUTHZ_FILTER;
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

    alcf->remote = ngx_palloc(cf->pool, sizeof(ocs_authz_req_t));
    if (alcf->remote == NULL) {
        return NGX_CONF_ERROR;
    }

    *alcf->remote = *f;

    return NGX_CONF_OK;
}


/* ocs_auth_internal_networks CIDR ... | off; */
char *
ngx_http_ocs_auth_internal_networks(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ocs_auth_loc_conf_t  *alcf = conf;

    ngx_int_t         rc;
    ngx_str_t        *value;
    ngx_uint_t        i;
    ngx_cidr_t        cidr;
    ocs_authz_net_t  *net;

    if (alcf->internal != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0 && cf->args->nelts == 2) {
        alcf->internal = NULL;
        return NGX_CONF_OK;
    }

    alcf->internal = ngx_array_create(cf->pool, cf->args->nelts,
                                      sizeof(ocs_authz_net_t));
    if (alcf->internal == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {
        net = ngx_array_push(alcf->internal);
        if (net == NULL) {
            return NGX_CONF_ERROR;
        }

        rc = ngx_ptocidr(&value[i], &cidr);

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

        if (ngx_http_ocs_auth_net(&cidr, net) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/* nginx's parse of a network, as the core's plain address range */
static ngx_int_t
ngx_http_ocs_auth_net(ngx_cidr_t *cidr, ocs_authz_net_t *net)
{
    int        family;
    u_char    *addr, *mask;
    unsigned   bits;
    ngx_uint_t i, len;

    switch (cidr->family) {

    case AF_INET:
        family = 4;
        len = 4;
        addr = (u_char *) &cidr->u.in.addr;
        mask = (u_char *) &cidr->u.in.mask;
        break;

#if (NGX_HAVE_INET6)
    case AF_INET6:
        family = 6;
        len = 16;
        addr = cidr->u.in6.addr.s6_addr;
        mask = cidr->u.in6.mask.s6_addr;
        break;
#endif

    default:
        return NGX_ERROR;
    }

    /* a prefix: the mask's leading one bits */
    for (bits = 0, i = 0; i < len * 8; i++) {
        if (!(mask[i / 8] & (0x80 >> (i % 8)))) {
            break;
        }

        bits++;
    }

    return ocs_authz_net_set(net, family, addr, bits) == OCS_OK
           ? NGX_OK : NGX_ERROR;
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


/* the client's address as the core matches it: 4 or 16 bytes, or none */
static size_t
ngx_http_ocs_auth_client_addr(ngx_http_request_t *r, u_char **addr)
{
    struct sockaddr  *sa;

    sa = r->connection->sockaddr;

    switch (sa->sa_family) {

    case AF_INET:
        *addr = (u_char *) &((struct sockaddr_in *) sa)->sin_addr;
        return 4;

#if (NGX_HAVE_INET6)
    case AF_INET6:
        *addr = ((struct sockaddr_in6 *) sa)->sin6_addr.s6_addr;
        return 16;
#endif

    default:
        *addr = NULL;
        return 0;
    }
}


/* whether the client connects from ocs_auth_internal_networks */
ngx_int_t
ngx_http_ocs_auth_internal_client(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf)
{
    size_t   len;
    u_char  *addr;

    if (alcf->internal == NULL) {
        return 0;
    }

    len = ngx_http_ocs_auth_client_addr(r, &addr);

    return ocs_authz_net_match(alcf->internal->elts, alcf->internal->nelts,
                               addr, len);
}


/*
 * The location's requirements against the ticket.  Returns NGX_OK, or
 * NGX_DONE after sending the 403 page that says why.
 */
ngx_int_t
ngx_http_ocs_auth_authorize(ngx_http_request_t *r,
    ngx_http_ocs_auth_loc_conf_t *alcf, ocs_ticket_t *t)
{
    int                 verdict;
    size_t              len;
    u_char             *addr;
    ngx_str_t           claim;
    ocs_authz_rules_t   rules;

    ngx_memzero(&rules, sizeof(ocs_authz_rules_t));

    if (alcf->require != NULL) {
        rules.require = alcf->require->elts;
        rules.nrequire = alcf->require->nelts;
    }

    if (alcf->internal != NULL) {
        rules.internal = alcf->internal->elts;
        rules.ninternal = alcf->internal->nelts;
    }

    rules.remote = alcf->remote;

    ngx_str_null(&claim);

    if (alcf->sip_claim != NULL
        && ngx_http_complex_value(r, alcf->sip_claim, &claim) != NGX_OK)
    {
        return NGX_ERROR;
    }

    len = ngx_http_ocs_auth_client_addr(r, &addr);

    verdict = ocs_authz_check(t, &rules, addr, len, (char *) claim.data,
                              claim.len);

    if (verdict != OCS_AUTHZ_ALLOW) {
        return ngx_http_ocs_auth_deny(r, t, verdict);
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_ocs_auth_deny(ngx_http_request_t *r, ocs_ticket_t *t, int verdict)
{
    ngx_int_t  rc;

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "ocs auth: user \"%s\" denied: %s", t->user,
                  ocs_authz_reason(verdict));

    rc = ngx_http_ocs_send_msg_text(r, NGX_HTTP_FORBIDDEN,
                                    OCS_MSG_ACCESS_DENIED,
                                    ocs_authz_message(verdict));

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
    unsigned           below;
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

    below = ocs_guard_dir_limit(&p, (unsigned) limit);

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
                  "%ui", &dir->name, p.threshold, p.window, p.source,
                  (ngx_uint_t) below);
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

    task->rc = ocs_authz_recheck(task->ld, task->dn, task->facts->elts,
                                 task->facts->nelts, &task->res,
                                 &task->state, &task->err);
}


static void
ngx_http_ocs_auth_recheck_done(ngx_http_request_t *r, void *data)
{
    ngx_http_ocs_auth_recheck_t  *task = data;

    const char                     *why;
    ocs_ticket_t                   *t;
    ngx_http_ocs_auth_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ocs_auth_module);
    t = &task->sso->ticket;

    switch (ocs_authz_recheck_apply(t, task->rc, task->state, &task->res,
                                    amcf->facts_gen, ngx_time(), &why))
    {

    case OCS_AUTHZ_RECHECK_KEEP:
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: directory \"%V\" unavailable for the "
                      "re-check of user \"%s\": %s",
                      &task->alcf->directory->name, t->user, task->err.text);
        break;

    case OCS_AUTHZ_RECHECK_END:
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: session of user \"%s\" ended: %s", t->user,
                      why);

        (void) ngx_http_ocs_sso_revoke(r, t);
        task->sso->state = NGX_HTTP_OCS_SSO_REVOKED;
        break;

    default: /* OCS_AUTHZ_RECHECK_RENEW */
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "ocs auth: user \"%s\" re-checked in directory \"%V\"",
                      t->user, &task->alcf->directory->name);
        break;
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
