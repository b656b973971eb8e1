/*
 * ngx_http_ocs_module: the first module of ngx_http_ocs_module.so.  It
 * sets up the core library once per process, owns the request context
 * of the thread-pool runner, and dresses every page the modules send:
 * the site's name and logo, and the site's own layout around them.
 *
 * It also holds what the other modules share and none of them owns: the
 * HTTPS policy (ocs_auth_https_port, ocs_auth_hsts), the thread pool
 * (ocs_auth_thread_pool), where the sign-in page is (ocs_auth_signin_url)
 * and which locations are pages of ours or protected.  The other modules
 * read those through the accessors of ngx_http_ocs.h and never write
 * them; they declare their pages and protected locations at
 * configuration time.  The Strict-Transport-Security header goes out
 * from here, on those locations only.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs.h>

#include <ocs/ocs_conf.h>




static ngx_int_t ngx_http_ocs_init_module(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_ocs_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_init(ngx_conf_t *cf);
static void *ngx_http_ocs_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_ocs_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_ocs_site_name(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ocs_site_logo(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ocs_page_template(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ocs_auth_https_port(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ocs_auth_hsts(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


static ngx_conf_post_handler_pt  ngx_http_ocs_conf_url_p =
    ngx_http_ocs_conf_url;


static ngx_command_t  ngx_http_ocs_commands[] = {

    { ngx_string("ocs_site_name"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_ocs_site_name,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_site_logo"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_ocs_site_logo,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_page_template"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_ocs_page_template,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_signin_url"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_loc_conf_t, signin_url),
      &ngx_http_ocs_conf_url_p },

    { ngx_string("ocs_auth_https_port"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_ocs_auth_https_port,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_hsts"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_ocs_auth_hsts,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ocs_auth_thread_pool"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_loc_conf_t, thread_pool_name),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_ocs_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_ocs_init,                     /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_ocs_create_loc_conf,          /* create location configuration */
    ngx_http_ocs_merge_loc_conf            /* merge location configuration */
};


ngx_module_t  ngx_http_ocs_module = {
    NGX_MODULE_V1,
    &ngx_http_ocs_module_ctx,              /* module context */
    ngx_http_ocs_commands,                 /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    ngx_http_ocs_init_module,              /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;


ngx_str_t *
ngx_http_ocs_signin_url(ngx_http_request_t *r)
{
    ngx_http_ocs_loc_conf_t  *olcf;

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_module);

    return &olcf->signin_url;
}


ngx_uint_t
ngx_http_ocs_https_port(ngx_http_request_t *r)
{
    ngx_http_ocs_loc_conf_t  *olcf;

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_module);

    return olcf->https_port;
}


ngx_thread_pool_t *
ngx_http_ocs_thread_pool(ngx_http_request_t *r)
{
    ngx_http_ocs_loc_conf_t  *olcf;

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_module);

    return olcf->thread_pool;
}


ngx_uint_t
ngx_http_ocs_is_page(ngx_http_request_t *r)
{
    ngx_http_ocs_loc_conf_t  *olcf;

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_module);

    return olcf->page;
}


void
ngx_http_ocs_conf_page(ngx_conf_t *cf)
{
    ngx_http_ocs_loc_conf_t  *olcf;

    olcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_ocs_module);
    olcf->page = 1;
}


void
ngx_http_ocs_conf_protect(ngx_conf_t *cf)
{
    ngx_http_ocs_loc_conf_t  *olcf;

    olcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_ocs_module);
    olcf->protect = 1;
}


/*
 * Only the locations that run blocking work add the pool: nginx starts
 * the threads of every pool added, and refuses a name that no
 * "thread_pool" defines.  This module's merge has run for every
 * location before the other modules' merges call this.
 */
ngx_thread_pool_t *
ngx_http_ocs_conf_thread_pool(ngx_conf_t *cf)
{
    ngx_http_ocs_loc_conf_t  *olcf;

    olcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_ocs_module);

    if (olcf->thread_pool == NULL) {
        olcf->thread_pool = ngx_thread_pool_add(cf, &olcf->thread_pool_name);
    }

    return olcf->thread_pool;
}


ngx_uint_t
ngx_http_ocs_loc_is_page(void **loc_conf)
{
    ngx_http_ocs_loc_conf_t  *olcf;

    olcf = loc_conf[ngx_http_ocs_module.ctx_index];

    return olcf->page;
}


ngx_str_t *
ngx_http_ocs_loc_signin_url(void **loc_conf)
{
    ngx_http_ocs_loc_conf_t  *olcf;

    olcf = loc_conf[ngx_http_ocs_module.ctx_index];

    return &olcf->signin_url;
}


static void *
ngx_http_ocs_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_ocs_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_ocs_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->site_name = { 0, NULL };
     *     conf->site_logo = { 0, NULL };
     *     conf->layout = { 0, NULL };
     *     conf->signin_url = { 0, NULL };
     *     conf->hsts = { 0, NULL };
     *     conf->thread_pool_name = { 0, NULL };
     *     conf->thread_pool = NULL;
     *     conf->page = 0;
     *     conf->protect = 0;
     */

    conf->https_port = NGX_CONF_UNSET_UINT;

    return conf;
}


static char *
ngx_http_ocs_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_ocs_loc_conf_t  *prev = parent;
    ngx_http_ocs_loc_conf_t  *conf = child;

    ngx_conf_merge_str_value(conf->site_name, prev->site_name, "");
    ngx_conf_merge_str_value(conf->site_logo, prev->site_logo, "");
    ngx_conf_merge_str_value(conf->layout, prev->layout, "");

    ngx_conf_merge_str_value(conf->signin_url, prev->signin_url,
                             OCS_CONF_SIGNIN_URL);
    ngx_conf_merge_uint_value(conf->https_port, prev->https_port,
                              OCS_CONF_HTTPS_PORT);
    ngx_conf_merge_str_value(conf->hsts, prev->hsts, "");
    ngx_conf_merge_str_value(conf->thread_pool_name, prev->thread_pool_name,
                             OCS_CONF_THREAD_POOL);

    /* the pool and the flags are each location's own: not merged */

    return NGX_CONF_OK;
}


/* HSTS on our pages and the locations we protect, over HTTPS */
static ngx_int_t
ngx_http_ocs_header_filter(ngx_http_request_t *r)
{
    ngx_http_ocs_loc_conf_t  *olcf;

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_module);

    if (olcf->hsts.len
        && (olcf->protect || olcf->page)
        && r == r->main
        && ngx_http_ocs_is_https(r))
    {
        if (ngx_http_ocs_header_out_add(r, "Strict-Transport-Security",
                                        &olcf->hsts)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return ngx_http_next_header_filter(r);
}


static ngx_int_t
ngx_http_ocs_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_ocs_header_filter;

    return NGX_OK;
}


static ngx_int_t
ngx_http_ocs_init_module(ngx_cycle_t *cycle)
{
    if (ocs_init() != OCS_OK) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "ocs: OpenSSL or libcurl initialisation failed");
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* ocs_site_name TEXT | off */
static char *
ngx_http_ocs_site_name(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_loc_conf_t  *olcf = conf;

    ngx_str_t   *value;
    const char  *bad;

    if (olcf->site_name.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ngx_str_set(&olcf->site_name, "");
        return NGX_CONF_OK;
    }

    bad = ocs_conf_check_site_name((char *) value[1].data, value[1].len);
    if (bad != NULL) {
        return (char *) bad;
    }

    olcf->site_name = value[1];

    return NGX_CONF_OK;
}


/*
 * ocs_site_logo /PATH | off: a path on this site, since the pages'
 * Content-Security-Policy lets images come from their own origin only
 */
static char *
ngx_http_ocs_site_logo(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_loc_conf_t  *olcf = conf;

    ngx_str_t   *value;
    const char  *bad;

    if (olcf->site_logo.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ngx_str_set(&olcf->site_logo, "");
        return NGX_CONF_OK;
    }

    if (ocs_conf_check_site_logo((char *) value[1].data, value[1].len, &bad)
        != OCS_OK)
    {
        if (bad != NULL) {
            return (char *) bad;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid logo \"%V\" in \"ocs_site_logo\": "
                           OCS_CONF_SITE_LOGO_USAGE, &value[1]);
        return NGX_CONF_ERROR;
    }

    olcf->site_logo = value[1];

    return NGX_CONF_OK;
}


/* ocs_page_template FILE | off: a layout with {{content}} */
static char *
ngx_http_ocs_page_template(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_loc_conf_t  *olcf = conf;

    u_char     *p, *last;
    ngx_str_t  *value;

    if (olcf->layout.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ngx_str_set(&olcf->layout, "");
        return NGX_CONF_OK;
    }

    if (ngx_http_ocs_read_conf_file(cf, &value[1], &olcf->layout,
                                    OCS_CONF_TEMPLATE_MAX, 0)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    /* without it every page would lose its form or message */
    for (p = olcf->layout.data, last = p + olcf->layout.len;
         last - p >= (ssize_t) sizeof("{{content}}") - 1;
         p++)
    {
        if (p[0] == '{'
            && ngx_strncmp(p, "{{content}}", sizeof("{{content}}") - 1) == 0)
        {
            break;
        }
    }

    if (last - p < (ssize_t) sizeof("{{content}}") - 1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ocs_page_template\" file \"%V\" has no "
                           "{{content}}: every page's body goes there",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* a URL that is written into headers and pages: a path or https:// */
char *
ngx_http_ocs_conf_url(ngx_conf_t *cf, void *post, void *data)
{
    ngx_str_t  *url = data;

    return (char *) ocs_conf_check_url((char *) url->data, url->len);
}


static char *
ngx_http_ocs_auth_https_port(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_loc_conf_t  *olcf = conf;

    ngx_int_t   port;
    ngx_str_t  *value;

    if (olcf->https_port != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    port = ngx_atoi(value[1].data, value[1].len);

    if (ocs_conf_check_port(port) != OCS_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid port \"%V\" in \"ocs_auth_https_port\": "
                           "use a number between 1 and 65535", &value[1]);
        return NGX_CONF_ERROR;
    }

    olcf->https_port = port;

    return NGX_CONF_OK;
}


/* ocs_auth_hsts TIME [includeSubDomains] | off */
static char *
ngx_http_ocs_auth_hsts(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ocs_loc_conf_t  *olcf = conf;

    u_char     *p;
    time_t      age;
    size_t      n;
    ngx_str_t  *value;

    if (olcf->hsts.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0 && cf->args->nelts == 2) {
        ngx_str_set(&olcf->hsts, "");
        return NGX_CONF_OK;
    }

    age = ngx_parse_time(&value[1], 1);
    if (age == (time_t) NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid ocs_auth_hsts max-age \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (cf->args->nelts == 3
        && ngx_strcmp(value[2].data, "includeSubDomains") != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid ocs_auth_hsts parameter \"%V\"",
                           &value[2]);
        return NGX_CONF_ERROR;
    }

    p = ngx_pnalloc(cf->pool, OCS_CONF_HSTS_MAX);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ocs_conf_hsts(age, cf->args->nelts == 3, (char *) p,
                      OCS_CONF_HSTS_MAX, &n)
        != OCS_OK)
    {
        return NGX_CONF_ERROR;
    }

    olcf->hsts.data = p;
    olcf->hsts.len = n;

    return NGX_CONF_OK;
}
