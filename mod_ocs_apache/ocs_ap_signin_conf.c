/*
 * The sign-in's configuration in mod_auth_ocs: the directives of the
 * sign-in page (OCSSignInURL, OCSUserFile, OCSSignInTemplate,
 * OCSSignInSIP, OCSReturnHosts, OCSDefaultReturn, the Kerberos password
 * check), their values as the other parts read them, the checked return
 * URL, and the challenge of a request without a ticket (the counterpart
 * of ngx_http_ocs_auth_challenge.c).  It calls no other file of the
 * sign-in: they all read it.
 */

#include "mod_auth_ocs.h"

#include <ocs/ocs_conf.h>
#include <ocs/ocs_pages.h>
#include <ocs/ocs_signin.h>


/* log lines carry the module: [auth_ocs:level], LogLevel auth_ocs:... */



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


/* OCSUserFile FILE | off: read at each sign-in, as nginx does */
const char *
ocs_ap_signin_user_file(cmd_parms *cmd, void *mconfig, const char *arg)
{
    const char  *path;

    if (strcmp(arg, "off") == 0) {
        ocs_ap_cmd_dir(mconfig)->signin.user_file = "";
        return NULL;
    }

    path = ap_server_root_relative(cmd->pool, arg);
    if (path == NULL) {
        return apr_psprintf(cmd->pool, "invalid OCSUserFile \"%s\": use a "
                            "file name or off", arg);
    }

    ocs_ap_cmd_dir(mconfig)->signin.user_file = path;

    return NULL;
}


/* the directory's user file, or NULL for none (the second step reads it) */
const char *
ocs_ap_signin_user_file_path(request_rec *r)
{
    const char  *path;

    path = ocs_ap_dir(r)->signin.user_file;

    return (path != NULL && path[0] != '\0') ? path : NULL;
}


/* OCSSignInTemplate FILE | off: the file is read once, at start */
const char *
ocs_ap_signin_template(cmd_parms *cmd, void *mconfig, const char *arg)
{
    char        *text;
    size_t       len;
    const char  *err;

    if (strcmp(arg, "off") == 0) {
        ocs_ap_cmd_dir(mconfig)->signin.template = "";
        return NULL;
    }

    err = ocs_ap_read_conf_file(cmd, arg, OCS_CONF_TEMPLATE_MAX, 0, &text,
                                &len);
    if (err != NULL) {
        return err;
    }

    if (strlen(text) != len) {
        return apr_psprintf(cmd->pool, "OCSSignInTemplate: \"%s\" holds a "
                            "NUL byte", arg);
    }

    ocs_ap_cmd_dir(mconfig)->signin.template = text;

    return NULL;
}


const char *
ocs_ap_signin_sip(cmd_parms *cmd, void *mconfig, int on)
{
    (void) cmd;

    ocs_ap_cmd_dir(mconfig)->signin.signin_sip = on ? 1 : 0;

    return NULL;
}


/* OCSReturnHosts HOST[:PORT] ... | off: an ITERATE, one call per word */
const char *
ocs_ap_signin_return_hosts(cmd_parms *cmd, void *mconfig, const char *arg)
{
    ocs_ap_signin_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->signin;

    if (strcmp(arg, "off") == 0) {
        if (conf->return_hosts != NULL && conf->return_hosts->nelts) {
            return "OCSReturnHosts: \"off\" goes alone";
        }

        conf->return_hosts = apr_array_make(cmd->pool, 1, sizeof(char *));
        return NULL;
    }

    if (conf->return_hosts != NULL && conf->return_hosts->nelts == 0) {
        return "OCSReturnHosts: \"off\" goes alone";
    }

    if (ocs_conf_check_return_host(arg, strlen(arg)) != OCS_OK) {
        return apr_psprintf(cmd->pool, "invalid return host \"%s\" in "
                            "OCSReturnHosts: use host or host:port", arg);
    }

    if (conf->return_hosts == NULL) {
        conf->return_hosts = apr_array_make(cmd->pool, 4, sizeof(char *));
    }

    *(const char **) apr_array_push(conf->return_hosts) = arg;

    return NULL;
}


const char *
ocs_ap_signin_default_return(cmd_parms *cmd, void *mconfig, const char *arg)
{
    const char  *why;

    why = ocs_conf_check_url(arg, strlen(arg));
    if (why != NULL) {
        return apr_psprintf(cmd->pool, "invalid OCSDefaultReturn \"%s\": %s",
                            arg, why);
    }

    ocs_ap_cmd_dir(mconfig)->signin.default_return = arg;

    return NULL;
}


const char *
ocs_ap_signin_krb5_password(cmd_parms *cmd, void *mconfig, int on)
{
    (void) cmd;

    ocs_ap_cmd_dir(mconfig)->signin.krb5_password = on ? 1 : 0;

    return NULL;
}


/* OCSKerberosTimeout TIME: nginx's times, and "500ms" as nginx's msec */
const char *
ocs_ap_signin_krb5_timeout(cmd_parms *cmd, void *mconfig, const char *arg)
{
    char     *end;
    size_t    len;
    int64_t   sec, ms;

    len = strlen(arg);

    if (len > 2 && strcmp(arg + len - 2, "ms") == 0) {
        ms = (int64_t) apr_strtoi64(arg, &end, 10);

        if (end != arg + len - 2 || ms < 0) {
            ms = -1;
        }

    } else if (ocs_conf_parse_time(arg, len, &sec) == OCS_OK) {
        ms = sec * 1000;

    } else {
        ms = -1;
    }

    if (ms < 1 || ms > 3600000) {
        return apr_psprintf(cmd->pool, "invalid OCSKerberosTimeout \"%s\": "
                            "use a time from 1ms to 1h, such as 5s or "
                            "500ms", arg);
    }

    ocs_ap_cmd_dir(mconfig)->signin.krb5_timeout = ms;

    return NULL;
}


const char *
ocs_ap_signin_url(request_rec *r)
{
    const char  *url;

    url = ocs_ap_dir(r)->signin.signin_url;

    return url ? url : OCS_AP_SIGNIN_URL_DEFAULT;
}


/* one OCSKeytab and OCSServicePrincipal for Negotiate and passwords */
const char *
ocs_ap_signin_keytab(request_rec *r)
{
    return ocs_ap_negotiate_keytab(r);
}


const char *
ocs_ap_signin_principal(request_rec *r)
{
    return ocs_ap_negotiate_principal(r);
}


int
ocs_ap_signin_krb5_timeout_ms(request_rec *r)
{
    int64_t  ms;

    ms = ocs_ap_dir(r)->signin.krb5_timeout;

    return (ms == OCS_AP_UNSET) ? OCS_CONF_KRB5_TIMEOUT : (int) ms;
}


const char *
ocs_ap_signin_return(request_rec *r, const char *arg, size_t len)
{
    const char           *host, *back;
    ocs_ap_signin_dir_t  *conf;

    conf = &ocs_ap_dir(r)->signin;
    back = conf->default_return ? conf->default_return
                                : OCS_CONF_DEFAULT_RETURN;

    if (arg == NULL || len == 0) {
        return back;
    }

    host = apr_table_get(r->headers_in, "Host");
    if (host == NULL) {
        host = r->hostname ? r->hostname : "";
    }

    if (ocs_return_url_check(arg, len, host, strlen(host),
                             conf->return_hosts
                             ? (const char *const *) conf->return_hosts->elts
                             : NULL,
                             conf->return_hosts
                             ? (size_t) conf->return_hosts->nelts : 0)
        != OCS_OK)
    {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "ocs auth: return url refused, using \"%s\"", back);
        return back;
    }

    return apr_pstrmemdup(r->pool, arg, len);
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
