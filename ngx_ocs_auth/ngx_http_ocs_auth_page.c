/*
 * The location of ocs_auth_signin: which of its forms a request is for.
 *
 * The one URL serves the first step (ngx_http_ocs_auth_signin.c) and
 * the second (ngx_http_ocs_auth_factor.c): GET with step=2, or a post
 * whose "step" field says so, is the second's.  This file only reads
 * the request far enough to tell, so that neither step calls the other.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs_auth.h>


#define NGX_HTTP_OCS_AUTH_BODY_MAX   8192


static ngx_int_t ngx_http_ocs_auth_page_get(ngx_http_request_t *r);
static void ngx_http_ocs_auth_page_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_auth_page_post(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_auth_page_step(ngx_http_request_t *r,
    ngx_str_t *body, ngx_str_t *back, ngx_str_t *step);


ngx_int_t
ngx_http_ocs_auth_signin_handler(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    rc = ngx_http_ocs_refuse_plain(r, ngx_http_ocs_https_port(r));
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_ocs_auth_page_get(r);
    }

    if (r->method != NGX_HTTP_POST) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    return ngx_http_ocs_read_form(r, NGX_HTTP_OCS_AUTH_BODY_MAX,
                                  ngx_http_ocs_auth_page_body);
}


/*
 * The form, even for a user who holds a ticket: the location that sent
 * the user here may have refused that ticket under stricter limits than
 * this one, and only a new sign-in can satisfy it.
 */
static ngx_int_t
ngx_http_ocs_auth_page_get(ngx_http_request_t *r)
{
    ngx_str_t  back, arg;

    if (ngx_http_arg(r, (u_char *) "r", 1, &arg) != NGX_OK) {
        ngx_str_null(&arg);
    }

    ngx_http_ocs_auth_return(r, arg.data, arg.len, &back);

    if (ngx_http_arg(r, (u_char *) "step", 4, &arg) == NGX_OK
        && arg.len == 1 && arg.data[0] == '2')
    {
        return ngx_http_ocs_auth_step_get(r, &back);
    }

    return ngx_http_ocs_auth_signin_again(r, &back);
}


static void
ngx_http_ocs_auth_page_body(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    rc = ngx_http_ocs_auth_page_post(r);

    if (rc == NGX_DONE) {
        /* the thread pool has it; the step that posted it ends it */
        return;
    }

    ngx_http_finalize_request(r, rc);
}


/* the body is wiped whatever the step did with it */
static ngx_int_t
ngx_http_ocs_auth_page_post(ngx_http_request_t *r)
{
    ngx_int_t  rc;
    ngx_str_t  body, back, step;

    rc = ngx_http_ocs_form_body(r, NGX_HTTP_OCS_AUTH_BODY_MAX, &body);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_ocs_form_field(r, &body, "r", OCS_RETURN_MAX, &back)
        != NGX_OK)
    {
        ngx_str_null(&back);
    }

    ngx_http_ocs_auth_return(r, back.data, back.len, &back);

    if (ngx_http_ocs_form_field(r, &body, "step", 7, &step) == NGX_OK
        && ((step.len == 1 && step.data[0] == '2')
            || (step.len == 7 && ngx_strncmp(step.data, "signout", 7) == 0)))
    {
        rc = ngx_http_ocs_auth_page_step(r, &body, &back, &step);

    } else {
        rc = ngx_http_ocs_auth_signin_post(r, &body, &back);
    }

    ngx_explicit_memzero(body.data, body.len);

    return rc;
}


/* the second step's forms */
static ngx_int_t
ngx_http_ocs_auth_page_step(ngx_http_request_t *r, ngx_str_t *body,
    ngx_str_t *back, ngx_str_t *step)
{
    if (ngx_http_ocs_cross_site(r)) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ocs auth: second step posted from another site "
                      "refused");
        return ngx_http_ocs_send_msg(r, NGX_HTTP_FORBIDDEN,
                                     OCS_MSG_STEP_CROSS_SITE);
    }

    return (step->len == 1) ? ngx_http_ocs_auth_step_post(r, body, back)
                            : ngx_http_ocs_auth_step_signout(r, body, back);
}
