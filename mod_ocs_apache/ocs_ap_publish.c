/*
 * Publishing in mod_auth_ocs, as nginx's ngx_http_ocs_publish_module:
 * OCSPathStrict refuses a raw request target whose path IIS could
 * decode into another path than the one Apache matched (ocs_path.h):
 * ProxyPass with nocanon forwards the target as the client sent it, and
 * even a canonicalised one is what a second decoder reads its own way.
 * OCSPublish applies the HTTPS policy of the protected directories to a
 * directory that no AuthType protects, and for "anonymous" takes every
 * credential out of the request, so that an anonymous service never
 * receives one.
 *
 * Both run in the header_parser hook: after Apache has walked the
 * <Location> and <Directory> sections (the directory's configuration is
 * known), before authentication, access control and the handler.
 */

#include "mod_auth_ocs.h"

#include <ocs/ocs_path.h>


static int ocs_ap_publish_header_parser(request_rec *r);


/* what an anonymous service never gets: every credential a client sends */
static const char  *ocs_ap_publish_credentials[] = {
    "Authorization",
    "Proxy-Authorization",
    "Cookie",
    NULL
};


/* OCSPathStrict on | off */
const char *
ocs_ap_publish_strict(cmd_parms *cmd, void *mconfig, int on)
{
    (void) cmd;

    ocs_ap_cmd_dir(mconfig)->publish.strict = on ? 1 : 0;

    return NULL;
}


/* OCSPublish anonymous | upstream_auth | off */
const char *
ocs_ap_publish_mode(cmd_parms *cmd, void *mconfig, const char *arg)
{
    int  mode;

    if (strcasecmp(arg, "anonymous") == 0) {
        mode = OCS_AP_PUBLISH_ANONYMOUS;

    } else if (strcasecmp(arg, "upstream_auth") == 0) {
        mode = OCS_AP_PUBLISH_UPSTREAM_AUTH;

    } else if (strcasecmp(arg, "off") == 0) {
        mode = OCS_AP_PUBLISH_OFF;

    } else {
        return apr_psprintf(cmd->pool, "invalid OCSPublish \"%s\": use "
                            "\"anonymous\", \"upstream_auth\" or \"off\"",
                            arg);
    }

    ocs_ap_cmd_dir(mconfig)->publish.publish = mode;

    return NULL;
}


void
ocs_ap_publish_dir_init(apr_pool_t *p, ocs_ap_publish_dir_t *conf)
{
    (void) p;

    conf->strict = OCS_AP_UNSET;
    conf->publish = OCS_AP_UNSET;
}


void
ocs_ap_publish_dir_merge(apr_pool_t *p, ocs_ap_publish_dir_t *conf,
    const ocs_ap_publish_dir_t *base, const ocs_ap_publish_dir_t *add)
{
    (void) p;

    conf->strict = (add->strict != OCS_AP_UNSET) ? add->strict
                                                 : base->strict;
    conf->publish = (add->publish != OCS_AP_UNSET) ? add->publish
                                                   : base->publish;
}


void
ocs_ap_publish_register_hooks(apr_pool_t *p)
{
    (void) p;

    ap_hook_header_parser(ocs_ap_publish_header_parser, NULL, NULL,
                          APR_HOOK_FIRST);
}


static int
ocs_ap_publish_header_parser(request_rec *r)
{
    int                    rc, i;
    size_t                 at;
    ocs_path_why_t         why;
    ocs_ap_publish_dir_t  *conf;

    /*
     * A subrequest or an internal redirect carries the request line that
     * was checked, and the headers that were cleaned, already.
     */
    if (r->main != NULL || r->prev != NULL) {
        return DECLINED;
    }

    conf = &ocs_ap_dir(r)->publish;

    if (conf->strict == 1
        && ocs_path_check(r->unparsed_uri, strlen(r->unparsed_uri), &why,
                          &at)
           != OCS_OK)
    {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs publish: refused the request target: %s at "
                      "byte %" APR_SIZE_T_FMT, ocs_path_reason(why), at);
        return HTTP_BAD_REQUEST;
    }

    if (conf->publish == OCS_AP_UNSET || conf->publish == OCS_AP_PUBLISH_OFF)
    {
        return DECLINED;
    }

    rc = ocs_ap_refuse_plain(r);
    if (rc != DECLINED) {
        return rc;
    }

    if (conf->publish == OCS_AP_PUBLISH_ANONYMOUS) {
        for (i = 0; ocs_ap_publish_credentials[i] != NULL; i++) {
            apr_table_unset(r->headers_in, ocs_ap_publish_credentials[i]);
        }
    }

    return DECLINED;
}
