/*
 * The identity mod_auth_ocs passes upstream: r->user and the OCS_*
 * environment variables of a verified ticket (nginx's $ocs_* variables,
 * for RequestHeader, ap_expr and LogFormat), the identity header
 * (OCSIdentityHeader), and, before anything upstream sees the request,
 * the client's copies of identity headers and their look-alikes
 * (OCSStripHeaders) and the proxy's own cookies (OCSPassCookies) taken
 * out.
 */

#include "mod_auth_ocs.h"

#include <apr_escape.h>
#include <apr_lib.h>


static int ocs_ap_sso_fixup(request_rec *r);
static void ocs_ap_sso_strip(request_rec *r, ocs_ap_dir_t *dir);
static void ocs_ap_sso_unset(request_rec *r, const char *name, int level);
static size_t ocs_ap_sso_unset_alike(apr_table_t *t, const char *name);


/*
 * Request headers that upstreams commonly take as the signed-in user:
 * a client copy goes, whatever the identity header is called, as
 * ngx_http_ocs_sso_module does.
 */
static const char  *ocs_ap_sso_identity_headers[] = {
    "Remote-User",
    "X-Remote-User",
    "X-Remote-Group",
    "X-Forwarded-User",
    "X-Forwarded-Email",
    "X-Forwarded-Preferred-Username",
    "X-Forwarded-Groups",
    "X-Auth-Request-User",
    "X-Auth-Request-Email",
    "X-Auth-Request-Preferred-Username",
    "X-Auth-Request-Groups",
    "X-Auth-User",
    "X-User",
    "X-Authenticated-User",
    "X-WebAuth-User",
    "X-MS-Client-Principal-Name",
    NULL
};


const char *
ocs_ap_sso_identity_header(cmd_parms *cmd, void *mconfig, const char *arg)
{
    const char        *msg;
    ocs_ap_sso_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->sso;

    if (strcmp(arg, "off") == 0) {
        conf->identity_header = "";
        return NULL;
    }

    msg = ocs_ap_sso_token(cmd, arg);
    if (msg != NULL) {
        return msg;
    }

    conf->identity_header = arg;

    return NULL;
}


/* OCSStripHeaders default | off | name ...: each call one word */
const char *
ocs_ap_sso_strip_headers(cmd_parms *cmd, void *mconfig, const char *arg)
{
    int                 i;
    const char         *msg;
    ocs_ap_sso_dir_t   *conf = &ocs_ap_cmd_dir(mconfig)->sso;

    if (conf->strip_headers == NULL) {
        conf->strip_headers = apr_array_make(cmd->pool, 4, sizeof(char *));
    }

    if (strcmp(arg, "off") == 0) {
        return NULL;
    }

    if (strcmp(arg, "default") == 0) {
        for (i = 0; ocs_ap_sso_identity_headers[i] != NULL; i++) {
            *(const char **) apr_array_push(conf->strip_headers)
                = ocs_ap_sso_identity_headers[i];
        }

        return NULL;
    }

    msg = ocs_ap_sso_token(cmd, arg);
    if (msg != NULL) {
        return msg;
    }

    *(const char **) apr_array_push(conf->strip_headers) = arg;

    return NULL;
}


void
ocs_ap_sso_set_user(request_rec *r, const ocs_ticket_t *t)
{
    char                buf[64];
    apr_table_t        *env;

    r->user = apr_pstrmemdup(r->pool, t->user, t->user_len);
    r->ap_auth_type = (char *) ap_auth_type(r);

    /* the $ocs_* variables of nginx, for RequestHeader, ap_expr, logs */
    env = r->subprocess_env;

    apr_table_setn(env, "OCS_USER", r->user);

    (void) ocs_methods_format(t->methods, buf, sizeof(buf));
    apr_table_set(env, "OCS_AUTH_METHOD", buf);

    apr_table_setn(env, "OCS_SESSION",
                   apr_pescape_hex(r->pool, t->session, OCS_SESSION_LEN, 0));
    apr_table_setn(env, "OCS_AUTH_TIME",
                   apr_psprintf(r->pool, "%" APR_INT64_T_FMT,
                                (apr_int64_t) t->auth_time));
    apr_table_setn(env, "OCS_COMPUTER", t->computer == OCS_COMPUTER_PRIVATE
                                        ? "private" : "public");

    if (t->sip_len) {
        apr_table_setn(env, "OCS_SIP_URI",
                       apr_pstrmemdup(r->pool, t->sip, t->sip_len));
    }

    if (t->display_len) {
        apr_table_setn(env, "OCS_DISPLAY_NAME",
                       apr_pstrmemdup(r->pool, t->display, t->display_len));
    }

    if (t->groups_len) {
        apr_table_setn(env, "OCS_GROUPS",
                       apr_pstrmemdup(r->pool, t->groups, t->groups_len));
    }
}


/*
 * Before the handler (mod_proxy) sees the request: the proxy's cookies
 * and the client's copies of the identity headers go, and the verified
 * user's identity header comes.  Our own pages keep the cookies, which
 * they read.
 */
static int
ocs_ap_sso_fixup(request_rec *r)
{
    ocs_ap_dir_t      *dir;
    ocs_ap_sso_ctx_t  *ctx;

    dir = ocs_ap_dir(r);
    if (dir == NULL) {
        return DECLINED;
    }

    ocs_ap_sso_strip(r, dir);

    ctx = ocs_ap_sso_ctx(r);

    if (ctx == NULL || ctx->state != OCS_AP_SSO_VALID || r->user == NULL
        || dir->sso.identity_header == NULL
        || dir->sso.identity_header[0] == '\0')
    {
        return DECLINED;
    }

    apr_table_set(r->headers_in, dir->sso.identity_header, r->user);

    return DECLINED;
}


static void
ocs_ap_sso_strip(request_rec *r, ocs_ap_dir_t *dir)
{
    int                  i;
    const char          *h;
    ocs_cookie_name_t    names[4];
    apr_array_header_t  *strip;

    /* a forged identity is the client's fault; the look-alikes come from
       forward proxies and tools in good faith (nginx's levels) */
    if (dir->sso.identity_header != NULL
        && dir->sso.identity_header[0] != '\0')
    {
        ocs_ap_sso_unset(r, dir->sso.identity_header, APLOG_ERR);
    }

    strip = dir->sso.strip_headers;

    if (strip == NULL) {
        for (i = 0; ocs_ap_sso_identity_headers[i] != NULL; i++) {
            ocs_ap_sso_unset(r, ocs_ap_sso_identity_headers[i], APLOG_INFO);
        }

    } else {
        for (i = 0; i < strip->nelts; i++) {
            h = ((const char **) strip->elts)[i];
            ocs_ap_sso_unset(r, h, APLOG_INFO);
        }
    }

    if (dir->sso.pass_cookies == 1 || ocs_ap_is_page(r)) {
        return;
    }

    names[0].name = ocs_ap_sso_cookie_name(r, OCS_AP_COOKIE_TICKET);
    names[0].len = strlen(names[0].name);
    names[1].name = ocs_ap_sso_cookie_name(r, OCS_AP_COOKIE_CSRF);
    names[1].len = strlen(names[1].name);
    names[2].name = "ocs_ticket";
    names[2].len = sizeof("ocs_ticket") - 1;
    names[3].name = "ocs_ticket_csrf";
    names[3].len = sizeof("ocs_ticket_csrf") - 1;

    (void) ocs_ap_cookie_strip(r, names,
                               ocs_ap_srv(r->server)->sso.cookie ? 2 : 4);
}


/* removes the client's copies of a header, logged as nginx logs them */
static void
ocs_ap_sso_unset(request_rec *r, const char *name, int level)
{
    size_t  n;

    n = ocs_ap_sso_unset_alike(r->headers_in, name);

    /* a subrequest's copies were the main request's, logged there */
    if (n && r->main == NULL) {
        ap_log_rerror(APLOG_MARK, level, 0, r,
                      "ocs sso: removed %" APR_SIZE_T_FMT " client-supplied "
                      "\"%s\" header%s", n, name, n > 1 ? "s" : "");
    }
}


/*
 * Removes every header whose name is name without case and with "-"
 * and "_" alike: CGI, PHP and many frameworks read X_User as X-User.
 * Returns how many went.
 */
static size_t
ocs_ap_sso_unset_alike(apr_table_t *t, const char *name)
{
    int                        i;
    size_t                     n, len;
    const char                *key, *a, *b;
    apr_table_entry_t         *e;
    const apr_array_header_t  *elts;

    n = 0;
    len = strlen(name);

    do {
        key = NULL;
        elts = apr_table_elts(t);
        e = (apr_table_entry_t *) elts->elts;

        for (i = 0; i < elts->nelts; i++) {
            if (e[i].key == NULL || strlen(e[i].key) != len) {
                continue;
            }

            for (a = e[i].key, b = name; *a != '\0'; a++, b++) {
                if (apr_tolower(*a) != apr_tolower(*b)
                    && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
                {
                    break;
                }
            }

            if (*a != '\0') {
                continue;
            }

            if (key == NULL) {
                key = e[i].key;
            }

            if (strcasecmp(e[i].key, key) == 0) {
                n++;
            }
        }

        if (key != NULL) {
            apr_table_unset(t, key);
        }

    } while (key != NULL);

    return n;
}


void
ocs_ap_identity_register_hooks(apr_pool_t *p)
{
    (void) p;

    /* before mod_headers (APR_HOOK_LAST) adds what the admin asked for */
    ap_hook_fixups(ocs_ap_sso_fixup, NULL, NULL, APR_HOOK_FIRST);
}
