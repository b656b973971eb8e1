/*
 * ngx_http_ocs_auth_module: what its two source files share.
 */

#ifndef NGX_HTTP_OCS_AUTH_H
#define NGX_HTTP_OCS_AUTH_H


#include <ngx_http_ocs.h>
#include <ngx_http_ocs_sso.h>


#define NGX_HTTP_OCS_AUTH_OFF     0
#define NGX_HTTP_OCS_AUTH_FORMS   1


typedef struct {
    ngx_uint_t             mode;
    ngx_uint_t             signin;        /* ocs_auth_signin is here */
    ngx_uint_t             pages;         /* a sign-in or logoff page */
    ngx_str_t              signin_url;
    ngx_str_t              user_file;
    ngx_str_t              template;      /* the sign-in page's text */
    ngx_array_t           *return_hosts;  /* of char *, NULL-free */
    ngx_str_t              default_return;
    ngx_uint_t             https_port;
    ngx_str_t              hsts;          /* header value, "" for off */
    ngx_str_t              thread_pool_name;
    ngx_thread_pool_t     *thread_pool;
} ngx_http_ocs_auth_loc_conf_t;


ngx_int_t ngx_http_ocs_auth_signin_handler(ngx_http_request_t *r);


#endif /* NGX_HTTP_OCS_AUTH_H */
