/*
 * ngx_http_ocs_module: the first module of ngx_http_ocs_module.so.  It
 * has no directives; it sets up the core library once per process and
 * owns the request context of the thread-pool runner.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs.h>


static ngx_int_t ngx_http_ocs_init_module(ngx_cycle_t *cycle);


static ngx_http_module_t  ngx_http_ocs_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_ocs_module = {
    NGX_MODULE_V1,
    &ngx_http_ocs_module_ctx,              /* module context */
    NULL,                                  /* module directives */
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
