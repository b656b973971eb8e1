/*
 * The sign-in of mod_auth_ocs: the challenge of a request without a
 * ticket (302 to the sign-in page, 401 for scripts), and the sign-in
 * page (SetHandler ocs-signin): the form, its POST, the user file and
 * the directory, the ticket issued.
 */

#include "mod_auth_ocs.h"

#include <ocs/ocs_conf.h>
#include <ocs/ocs_pages.h>


static int ocs_ap_signin_is_signin_url(request_rec *r);
static const char *ocs_ap_signin_location(request_rec *r);


const char *
ocs_ap_signin_signin_url(cmd_parms *cmd, void *mconfig, const char *arg)
{
    const char  *why;

    why = ocs_conf_check_url(arg, strlen(arg));
    if (why != NULL) {
        return apr_psprintf(cmd->pool, "invalid OCSSignInURL \"%s\": %s",
                            arg, why);
    }

    ocs_ap_cmd_dir(mconfig)->signin.signin_url = arg;

    return NULL;
}


const char *
ocs_ap_signin_url(request_rec *r)
{
    const char  *url;

    url = ocs_ap_dir(r)->signin.signin_url;

    return url ? url : OCS_AP_SIGNIN_URL_DEFAULT;
}


void
ocs_ap_signin_srv_init(apr_pool_t *p, ocs_ap_signin_srv_t *conf)
{
    (void) p;
    conf->unused = 0;
}


void
ocs_ap_signin_srv_merge(apr_pool_t *p, ocs_ap_signin_srv_t *conf,
    const ocs_ap_signin_srv_t *base, const ocs_ap_signin_srv_t *add)
{
    (void) p;
    (void) base;
    (void) add;
    conf->unused = 0;
}


void
ocs_ap_signin_dir_init(apr_pool_t *p, ocs_ap_signin_dir_t *conf)
{
    (void) p;

    conf->signin_url = NULL;
}


void
ocs_ap_signin_dir_merge(apr_pool_t *p, ocs_ap_signin_dir_t *conf,
    const ocs_ap_signin_dir_t *base, const ocs_ap_signin_dir_t *add)
{
    (void) p;

    conf->signin_url = add->signin_url ? add->signin_url : base->signin_url;
}


int
ocs_ap_signin_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s)
{
    (void) pconf;
    (void) plog;
    (void) ptemp;
    (void) s;

    return OK;
}


void
ocs_ap_signin_child_init(apr_pool_t *p, server_rec *s)
{
    (void) p;
    (void) s;
}


void
ocs_ap_signin_register_hooks(apr_pool_t *p)
{
    (void) p;
}


int
ocs_ap_signin_challenge(request_rec *r)
{
    int          rc;
    const char  *url;

    if (ocs_ap_signin_is_signin_url(r)) {
        /*
         * A rewrite or an inherited AuthType can still lead the sign-in
         * URL to a protected directory: never send the sign-in page to
         * itself, round and round.
         */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: the sign-in URL \"%s\" reached a protected "
                      "directory: not redirected to itself; give it "
                      "\"SetHandler ocs-signin\"", ocs_ap_signin_url(r));
        return ocs_ap_send_msg(r, HTTP_INTERNAL_SERVER_ERROR,
                               OCS_MSG_SIGNIN_NOT_SET_UP, NULL);
    }

    url = ocs_ap_signin_location(r);

    /* Negotiate's offer, and its page for a browser (ocs_ap_negotiate) */
    rc = ocs_ap_negotiate_challenge(r, url);
    if (rc != DECLINED) {
        return rc;
    }

    if (ocs_ap_wants_page(r)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "ocs auth: not signed in, sent to the sign-in page");

        return ocs_ap_redirect(r, HTTP_MOVED_TEMPORARILY, url);
    }

    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "ocs auth: not signed in");

    apr_table_addn(r->err_headers_out, "WWW-Authenticate",
                   apr_psprintf(r->pool, "OCS-Forms signin=\"%s\"",
                                ocs_ap_signin_url(r)));

    return ocs_ap_send_msg(r, HTTP_UNAUTHORIZED, OCS_MSG_SIGNIN_REQUIRED,
                           NULL);
}


/* whether the request, as the client sent it, is for the sign-in URL */
static int
ocs_ap_signin_is_signin_url(request_rec *r)
{
    size_t       want, got;
    const char  *url, *q;

    url = ocs_ap_signin_url(r);

    if (url[0] != '/') {
        return 0;
    }

    q = strchr(url, '?');
    want = q ? (size_t) (q - url) : strlen(url);

    q = strchr(r->unparsed_uri, '?');
    got = q ? (size_t) (q - r->unparsed_uri) : strlen(r->unparsed_uri);

    return got == want && strncmp(r->unparsed_uri, url, got) == 0;
}


/*
 * The sign-in URL with the request as its "r" argument, percent-encoded
 * whole.  An absolute sign-in URL (another host) gets an absolute
 * return URL.
 */
static const char *
ocs_ap_signin_location(request_rec *r)
{
    char        *out;
    size_t       n;
    const char  *url, *back, *host;

    url = ocs_ap_signin_url(r);
    back = r->unparsed_uri;

    if (url[0] != '/') {
        host = apr_table_get(r->headers_in, "Host");
        back = apr_pstrcat(r->pool, "https://", host ? host : r->hostname,
                           r->unparsed_uri, NULL);
    }

    out = apr_palloc(r->pool, 3 * strlen(back) + 1);
    (void) ocs_pct_encode(back, strlen(back), out, 3 * strlen(back), &n);
    out[n] = '\0';

    return apr_pstrcat(r->pool, url, strchr(url, '?') ? "&r=" : "?r=", out,
                       NULL);
}
