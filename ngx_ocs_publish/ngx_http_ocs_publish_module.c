/*
 * ngx_http_ocs_publish_module: what a published location lets through,
 * for services that authenticate their clients themselves or serve
 * anyone (the OCS 2007 R2 external web farm, conf/ocs-r2-webfarm.conf).
 *
 * ocs_path_strict refuses a raw request target whose path IIS could
 * decode into another path than the one nginx matched (ocs_path.h):
 * proxy_pass without a URI forwards the request line as the client
 * sent it.  ocs_publish applies the HTTPS policy of the other modules
 * to a location that none of them protects, and for "anonymous" takes
 * every credential out of the request, so that an anonymous service
 * never receives one.
 *
 * The handler runs in the rewrite phase, before the rewrite module's
 * (nginx runs a phase's handlers last added first), so that a "return"
 * in the location does not answer a path it should have refused.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs.h>
#include <ngx_http_ocs_sso.h>

#include <ocs/ocs_path.h>


#define NGX_HTTP_OCS_PUBLISH_OFF            0
#define NGX_HTTP_OCS_PUBLISH_ANONYMOUS      1
#define NGX_HTTP_OCS_PUBLISH_UPSTREAM_AUTH  2


typedef struct {
    ngx_flag_t              strict;
    ngx_uint_t              publish;
} ngx_http_ocs_publish_loc_conf_t;


/* whether any location uses the module: else no phase handler at all */
typedef struct {
    ngx_uint_t              used;
} ngx_http_ocs_publish_main_conf_t;


static ngx_int_t ngx_http_ocs_publish_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_publish_strict(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_publish_anonymous(ngx_http_request_t *r);
static void *ngx_http_ocs_publish_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_ocs_publish_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_ocs_publish_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static ngx_int_t ngx_http_ocs_publish_init(ngx_conf_t *cf);


static ngx_conf_enum_t  ngx_http_ocs_publish_modes[] = {
    { ngx_string("off"), NGX_HTTP_OCS_PUBLISH_OFF },
    { ngx_string("anonymous"), NGX_HTTP_OCS_PUBLISH_ANONYMOUS },
    { ngx_string("upstream_auth"), NGX_HTTP_OCS_PUBLISH_UPSTREAM_AUTH },
    { ngx_null_string, 0 }
};


/* what an anonymous service never gets: every credential a client sends */
static ngx_str_t  ngx_http_ocs_publish_credentials[] = {
    ngx_string("Authorization"),
    ngx_string("Proxy-Authorization"),
    ngx_string("Cookie")
};


static ngx_command_t  ngx_http_ocs_publish_commands[] = {

    { ngx_string("ocs_path_strict"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_publish_loc_conf_t, strict),
      NULL },

    { ngx_string("ocs_publish"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ocs_publish_loc_conf_t, publish),
      &ngx_http_ocs_publish_modes },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_ocs_publish_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_ocs_publish_init,             /* postconfiguration */

    ngx_http_ocs_publish_create_main_conf, /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_ocs_publish_create_loc_conf,  /* create location configuration */
    ngx_http_ocs_publish_merge_loc_conf    /* merge location configuration */
};


ngx_module_t  ngx_http_ocs_publish_module = {
    NGX_MODULE_V1,
    &ngx_http_ocs_publish_module_ctx,      /* module context */
    ngx_http_ocs_publish_commands,         /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_ocs_publish_handler(ngx_http_request_t *r)
{
    ngx_int_t                         rc;
    ngx_http_ocs_publish_loc_conf_t  *plcf;

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_ocs_publish_module);

    /* a subrequest shares the main request's headers, checked already */
    if (r != r->main) {
        return NGX_DECLINED;
    }

    /* after an internal redirect the request line is the one checked */
    if (plcf->strict && !r->internal) {
        rc = ngx_http_ocs_publish_strict(r);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    if (plcf->publish == NGX_HTTP_OCS_PUBLISH_OFF) {
        return NGX_DECLINED;
    }

    rc = ngx_http_ocs_refuse_plain(r, ngx_http_ocs_https_port(r));

    if (rc != NGX_DECLINED) {
        /* the response went out: end the request here */
        ngx_http_finalize_request(r, rc);
        return NGX_DONE;
    }

    if (plcf->publish == NGX_HTTP_OCS_PUBLISH_ANONYMOUS) {
        return ngx_http_ocs_publish_anonymous(r);
    }

    return NGX_DECLINED;
}


/* the request line's target as the client sent it, what proxy_pass sends */
static ngx_int_t
ngx_http_ocs_publish_strict(ngx_http_request_t *r)
{
    size_t           at;
    ocs_path_why_t   why;

    if (ocs_path_check((char *) r->unparsed_uri.data, r->unparsed_uri.len,
                       &why, &at)
        == OCS_OK)
    {
        return NGX_DECLINED;
    }

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "ocs publish: refused the request target: %s at byte %uz",
                  ocs_path_reason(why), at);

    return NGX_HTTP_BAD_REQUEST;
}


static ngx_int_t
ngx_http_ocs_publish_anonymous(ngx_http_request_t *r)
{
    ngx_uint_t  i, n;

    for (i = 0; i < sizeof(ngx_http_ocs_publish_credentials)
                    / sizeof(ngx_str_t);
         i++)
    {
        n = ngx_http_ocs_header_in_remove(r,
                                          &ngx_http_ocs_publish_credentials[i]);

        if (n) {
            ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "ocs publish: anonymous: removed %ui \"%V\"", n,
                           &ngx_http_ocs_publish_credentials[i]);
        }
    }

    /* the proxy module reads the list; auth_basic and $remote_user this */
    r->headers_in.authorization = NULL;

    return NGX_DECLINED;
}


static void *
ngx_http_ocs_publish_create_main_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_ocs_publish_main_conf_t));
}


static void *
ngx_http_ocs_publish_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_ocs_publish_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_ocs_publish_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->strict = NGX_CONF_UNSET;
    conf->publish = NGX_CONF_UNSET_UINT;

    return conf;
}


static char *
ngx_http_ocs_publish_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_ocs_publish_loc_conf_t  *prev = parent;
    ngx_http_ocs_publish_loc_conf_t  *conf = child;

    ngx_http_ocs_publish_main_conf_t  *pmcf;

    ngx_conf_merge_value(conf->strict, prev->strict, 0);
    ngx_conf_merge_uint_value(conf->publish, prev->publish,
                              NGX_HTTP_OCS_PUBLISH_OFF);

    if (conf->strict || conf->publish != NGX_HTTP_OCS_PUBLISH_OFF) {
        pmcf = ngx_http_conf_get_module_main_conf(cf,
                                                  ngx_http_ocs_publish_module);
        pmcf->used = 1;
    }

    /*
     * HTTPS only, so ocs_auth_hsts applies as on protected locations;
     * and the modules' cookies never reach the service, even where no
     * location here issues tickets
     */
    if (conf->publish != NGX_HTTP_OCS_PUBLISH_OFF) {
        ngx_http_ocs_conf_protect(cf);
        ngx_http_ocs_sso_hide(cf);
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_ocs_publish_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt               *h;
    ngx_http_core_main_conf_t         *cmcf;
    ngx_http_ocs_publish_main_conf_t  *pmcf;

    pmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ocs_publish_module);

    /* merged before this runs: a request never pays for an unused module */
    if (!pmcf->used) {
        return NGX_OK;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_REWRITE_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_ocs_publish_handler;

    return NGX_OK;
}
