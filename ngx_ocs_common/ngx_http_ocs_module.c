/*
 * ngx_http_ocs_module: the first module of ngx_http_ocs_module.so.  It
 * sets up the core library once per process, owns the request context
 * of the thread-pool runner, and dresses every page the modules send:
 * the site's name and logo, and the site's own layout around them.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs.h>


#define NGX_HTTP_OCS_SITE_NAME_MAX  256


typedef struct {
    ngx_str_t               site_name;     /* "" for none */
    ngx_str_t               site_logo;     /* "" for none */
    ngx_str_t               layout;        /* "" for the built-in one */
} ngx_http_ocs_loc_conf_t;


static ngx_int_t ngx_http_ocs_init_module(ngx_cycle_t *cycle);
static void *ngx_http_ocs_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_ocs_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_ocs_site_name(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ocs_site_logo(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ocs_page_template(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


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

      ngx_null_command
};


static ngx_http_module_t  ngx_http_ocs_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

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


/*
 * Sends a page: the built-in page's body in the location's layout, or,
 * when own is set, a whole page of the site's own (ocs_auth_signin_
 * template).  Either way with the site's variables after vars.
 */
ngx_int_t
ngx_http_ocs_send_page(ngx_http_request_t *r, ngx_uint_t status,
    ngx_uint_t page, ngx_str_t *own, ocs_tpl_var_t *vars, size_t nvars)
{
    u_char                   *html;
    size_t                    len, n;
    ngx_str_t                 tpl;
    ocs_tpl_var_t            *all;
    ngx_http_ocs_loc_conf_t  *olcf;

    olcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_module);

    all = ngx_palloc(r->pool,
                     (nvars + 1 + OCS_PAGE_SITE_VARS) * sizeof(ocs_tpl_var_t));
    if (all == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the first of a name wins: the page's own variables come first */
    ngx_memcpy(all, vars, nvars * sizeof(ocs_tpl_var_t));
    n = nvars;

    ocs_page_site((char *) olcf->site_name.data, olcf->site_name.len,
                  (char *) olcf->site_logo.data, olcf->site_logo.len,
                  all + n);
    n += OCS_PAGE_SITE_VARS;

    if (own != NULL && own->len) {
        tpl = *own;

    } else {
        all[n].name = "content";
        all[n].value = ocs_page((int) page, &len);
        all[n].len = len;
        all[n].raw = OCS_TPL_NESTED;
        n++;

        if (olcf->layout.len) {
            tpl = olcf->layout;

        } else {
            tpl.data = (u_char *) ocs_page(OCS_PAGE_LAYOUT, &tpl.len);
        }
    }

    html = ngx_http_ocs_render(r, &tpl, all, n, &len);
    if (html == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_ocs_send(r, status, "text/html; charset=utf-8", html,
                             len);
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
     */

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

    return NGX_CONF_OK;
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
    ngx_uint_t   i;

    if (olcf->site_name.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ngx_str_set(&olcf->site_name, "");
        return NGX_CONF_OK;
    }

    if (value[1].len == 0 || value[1].len > NGX_HTTP_OCS_SITE_NAME_MAX) {
        return "needs a name of 1 to 256 bytes, or off";
    }

    for (i = 0; i < value[1].len; i++) {
        if (value[1].data[i] < ' ' || value[1].data[i] == 0x7f) {
            return "has a control character";
        }
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
    ngx_uint_t   i;

    if (olcf->site_logo.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ngx_str_set(&olcf->site_logo, "");
        return NGX_CONF_OK;
    }

    if (value[1].len < 2 || value[1].data[0] != '/'
        || value[1].data[1] == '/' || value[1].data[1] == '\\')
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid logo \"%V\" in \"ocs_site_logo\": use a "
                           "path on this site such as /logo.png (the "
                           "pages' Content-Security-Policy allows images "
                           "from their own origin only)", &value[1]);
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < value[1].len; i++) {
        if (value[1].data[i] <= ' ' || value[1].data[i] >= 0x7f) {
            return "has a character not allowed in a URL";
        }
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

    if (ngx_http_ocs_read_conf_file(cf, &value[1], &olcf->layout, 64 * 1024,
                                    0)
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
