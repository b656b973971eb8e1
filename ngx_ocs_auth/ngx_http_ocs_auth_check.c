/*
 * Configuration mistakes that nginx -t refuses or warns about, once
 * every location of every server is known (postconfiguration):
 *
 * - a protected location whose sign-in URL no location of its server
 *   answers with ocs_auth_signin: every visit would be sent to a URL
 *   that sends it on again, and the browser would show "too many
 *   redirects";
 * - a protected location in a server without an ssl listener;
 * - a user file the worker user cannot read, and a Kerberos replay
 *   cache directory it cannot write, which would otherwise show only
 *   as refused sign-ins and "Permission denied" at run time.
 *
 * The sign-in URL is looked up as nginx looks a request up: exact,
 * longest prefix, nested locations, then regular expressions in order.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <grp.h>
#include <pwd.h>

#include <ngx_http_ocs_auth.h>


#define NGX_HTTP_OCS_CHECK_GROUPS  64


typedef struct {
    ngx_conf_t                 *cf;
    ngx_http_core_srv_conf_t   *cscf;
    ngx_http_core_loc_conf_t   *root;        /* the server's own level */
    ngx_uint_t                  ssl;         /* it has an ssl listener */
    ngx_uint_t                  warned_ssl;
    ngx_uint_t                  warned_rcache;
    uid_t                       uid;         /* the worker user */
    gid_t                       groups[NGX_HTTP_OCS_CHECK_GROUPS];
    int                         ngroups;
} ngx_http_ocs_auth_check_t;


static ngx_int_t ngx_http_ocs_auth_check_server(ngx_http_ocs_auth_check_t *ck);
static ngx_int_t ngx_http_ocs_auth_check_tree(ngx_http_ocs_auth_check_t *ck,
    ngx_http_location_tree_node_t *node);
static ngx_int_t ngx_http_ocs_auth_check_location(
    ngx_http_ocs_auth_check_t *ck, ngx_http_core_loc_conf_t *clcf);
static ngx_int_t ngx_http_ocs_auth_check_one(ngx_http_ocs_auth_check_t *ck,
    ngx_http_core_loc_conf_t *clcf);
static void **ngx_http_ocs_auth_check_loc_conf(ngx_http_ocs_auth_check_t *ck,
    ngx_http_core_loc_conf_t *clcf);
static ngx_int_t ngx_http_ocs_auth_check_signin(ngx_http_ocs_auth_check_t *ck,
    ngx_http_core_loc_conf_t *clcf, void **loc_conf);
static void ngx_http_ocs_auth_check_refuse(ngx_http_ocs_auth_check_t *ck,
    ngx_str_t *where, ngx_str_t *signin_url, ngx_str_t *path,
    ngx_http_core_loc_conf_t *target, ngx_uint_t protects);
static ngx_int_t ngx_http_ocs_auth_find(ngx_http_core_loc_conf_t *pclcf,
    ngx_str_t *uri, ngx_http_core_loc_conf_t **found);
static ngx_int_t ngx_http_ocs_auth_find_static(
    ngx_http_location_tree_node_t *node, ngx_str_t *uri,
    ngx_http_core_loc_conf_t **found);
static void ngx_http_ocs_auth_check_user(ngx_conf_t *cf,
    ngx_http_ocs_auth_check_t *ck);
static ngx_uint_t ngx_http_ocs_auth_ssl_server(ngx_conf_t *cf,
    ngx_http_core_srv_conf_t *cscf);
static ngx_int_t ngx_http_ocs_auth_may(ngx_http_ocs_auth_check_t *ck,
    const char *path, ngx_uint_t want);
static void ngx_http_ocs_auth_check_rcache(ngx_http_ocs_auth_check_t *ck);


ngx_int_t
ngx_http_ocs_auth_check(ngx_conf_t *cf)
{
    ngx_uint_t                   s;
    ngx_http_core_srv_conf_t   **cscfp;
    ngx_http_core_main_conf_t   *cmcf;
    ngx_http_ocs_auth_check_t    ck;

    ngx_memzero(&ck, sizeof(ngx_http_ocs_auth_check_t));
    ck.cf = cf;

    ngx_http_ocs_auth_check_user(cf, &ck);

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
    cscfp = cmcf->servers.elts;

    for (s = 0; s < cmcf->servers.nelts; s++) {
        ck.cscf = cscfp[s];
        ck.root = cscfp[s]->ctx->loc_conf[ngx_http_core_module.ctx_index];
        ck.ssl = ngx_http_ocs_auth_ssl_server(cf, cscfp[s]);
        ck.warned_ssl = 0;

        if (ngx_http_ocs_auth_check_server(&ck) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_ocs_auth_check_server(ngx_http_ocs_auth_check_t *ck)
{
    return ngx_http_ocs_auth_check_location(ck, ck->root);
}


/* a location, and every location nested in it */
static ngx_int_t
ngx_http_ocs_auth_check_location(ngx_http_ocs_auth_check_t *ck,
    ngx_http_core_loc_conf_t *clcf)
{
    ngx_http_core_loc_conf_t  **re;

    if (ngx_http_ocs_auth_check_one(ck, clcf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_ocs_auth_check_tree(ck, clcf->static_locations) != NGX_OK) {
        return NGX_ERROR;
    }

#if (NGX_PCRE)
    for (re = clcf->regex_locations; re != NULL && *re != NULL; re++) {
        if (ngx_http_ocs_auth_check_location(ck, *re) != NGX_OK) {
            return NGX_ERROR;
        }
    }
#else
    (void) re;
#endif

    return NGX_OK;
}


static ngx_int_t
ngx_http_ocs_auth_check_tree(ngx_http_ocs_auth_check_t *ck,
    ngx_http_location_tree_node_t *node)
{
    if (node == NULL) {
        return NGX_OK;
    }

    if (ngx_http_ocs_auth_check_tree(ck, node->left) != NGX_OK
        || (node->exact != NULL
            && ngx_http_ocs_auth_check_location(ck, node->exact) != NGX_OK)
        || (node->inclusive != NULL
            && ngx_http_ocs_auth_check_location(ck, node->inclusive)
               != NGX_OK)
        || ngx_http_ocs_auth_check_tree(ck, node->tree) != NGX_OK
        || ngx_http_ocs_auth_check_tree(ck, node->right) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_ocs_auth_check_one(ngx_http_ocs_auth_check_t *ck,
    ngx_http_core_loc_conf_t *clcf)
{
    void                          **loc_conf;
    ngx_http_ocs_auth_loc_conf_t   *alcf;

    loc_conf = ngx_http_ocs_auth_check_loc_conf(ck, clcf);
    alcf = loc_conf[ngx_http_ocs_auth_module.ctx_index];

    if (alcf->signin && alcf->user_file.len
        && ngx_http_ocs_auth_may(ck, (char *) alcf->user_file.data, R_OK)
           != NGX_OK)
    {
        ngx_log_error(NGX_LOG_WARN, ck->cf->log, 0,
                           "ocs auth: the user file \"%V\" of location "
                           "\"%V\" cannot be read by the worker user: every "
                           "sign-in there will fail; make it readable, "
                           "e.g. with its group", &alcf->user_file,
                           &clcf->name);
    }

    if (alcf->negotiate == 1 && !ck->warned_rcache) {
        ck->warned_rcache = 1;
        ngx_http_ocs_auth_check_rcache(ck);
    }

    if (alcf->mode != NGX_HTTP_OCS_AUTH_FORMS
        || ngx_http_ocs_loc_is_page(loc_conf))
    {
        return NGX_OK;
    }

    if (!ck->ssl) {
        /* plain http only redirects to https: the sign-in is elsewhere */
        if (!ck->warned_ssl) {
            ck->warned_ssl = 1;
            ngx_log_error(NGX_LOG_WARN, ck->cf->log, 0,
                               "ocs auth: \"ocs_auth\" in location \"%V\" "
                               "of a server with no \"ssl\" listener: its "
                               "requests are only ever sent to https; "
                               "protect the https server's locations",
                               &clcf->name);
        }

        return NGX_OK;
    }

    return ngx_http_ocs_auth_check_signin(ck, clcf, loc_conf);
}


/* a location's own configuration; the server level keeps it elsewhere */
static void **
ngx_http_ocs_auth_check_loc_conf(ngx_http_ocs_auth_check_t *ck,
    ngx_http_core_loc_conf_t *clcf)
{
    return (clcf == ck->root || clcf->loc_conf == NULL)
           ? ck->cscf->ctx->loc_conf : clcf->loc_conf;
}


/* the sign-in URL of a protected location must reach ocs_auth_signin */
static ngx_int_t
ngx_http_ocs_auth_check_signin(ngx_http_ocs_auth_check_t *ck,
    ngx_http_core_loc_conf_t *clcf, void **loc_conf)
{
    u_char                         *q;
    void                          **tloc_conf;
    ngx_str_t                       path, where, *signin_url;
    ngx_http_core_loc_conf_t       *target;
    ngx_http_ocs_auth_loc_conf_t   *talcf;

    signin_url = ngx_http_ocs_loc_signin_url(loc_conf);

    /* another host's sign-in page cannot be looked up here */
    if (signin_url->len == 0 || signin_url->data[0] != '/') {
        return NGX_OK;
    }

    if (clcf == ck->root) {
        ngx_str_set(&where, "(the server level)");

    } else {
        where = clcf->name;
    }

    path = *signin_url;
    q = ngx_strlchr(path.data, path.data + path.len, '?');

    if (q != NULL) {
        path.len = q - path.data;
    }

    target = ck->root;
    (void) ngx_http_ocs_auth_find(ck->root, &path, &target);

    tloc_conf = ngx_http_ocs_auth_check_loc_conf(ck, target);
    talcf = tloc_conf[ngx_http_ocs_auth_module.ctx_index];

    if (talcf->signin) {
        return NGX_OK;
    }

    /*
     * An unprotected location that hands the URL to another server
     * (proxy_pass to a proxy of the same farm, say) may sign users in
     * there: it can only be warned about.  Anything else never can.
     */
    if (target->handler != NULL
        && (talcf->mode != NGX_HTTP_OCS_AUTH_FORMS
            || ngx_http_ocs_loc_is_page(tloc_conf)))
    {
        ngx_log_error(NGX_LOG_WARN, ck->cf->log, 0,
                      "ocs auth: \"ocs_auth forms\" in location \"%V\" "
                      "sends users to the sign-in URL \"%V\", which location "
                      "\"%V\" passes elsewhere without \"ocs_auth_signin\": "
                      "make sure a sign-in page answers there",
                      &where, signin_url, &target->name);
        return NGX_OK;
    }

    ngx_http_ocs_auth_check_refuse(ck, &where, signin_url, &path, target,
                                   talcf->mode == NGX_HTTP_OCS_AUTH_FORMS);

    return NGX_ERROR;
}


/* a sign-in URL no sign-in page answers: what nginx -t says */
static void
ngx_http_ocs_auth_check_refuse(ngx_http_ocs_auth_check_t *ck,
    ngx_str_t *where, ngx_str_t *signin_url, ngx_str_t *path,
    ngx_http_core_loc_conf_t *target, ngx_uint_t protects)
{
    if (target == ck->root) {
        ngx_log_error(NGX_LOG_EMERG, ck->cf->log, 0,
                      "\"ocs_auth forms\" in location \"%V\" sends users to "
                      "the sign-in URL \"%V\", but no location of the same "
                      "server answers it: add \"location = %V { "
                      "ocs_auth_signin; ... }\" or point "
                      "\"ocs_auth_signin_url\" at the sign-in location",
                      where, signin_url, path);

    } else {
        ngx_log_error(NGX_LOG_EMERG, ck->cf->log, 0,
                      "\"ocs_auth forms\" in location \"%V\" sends users to "
                      "the sign-in URL \"%V\", but location \"%V\" answers "
                      "it without \"ocs_auth_signin\"%s: add \"location = "
                      "%V { ocs_auth_signin; ... }\" or point "
                      "\"ocs_auth_signin_url\" at the sign-in location",
                      where, signin_url, &target->name,
                      protects
                      ? " and protects it: every visit would be redirected "
                        "for ever" : "",
                      path);
    }
}


/*
 * The location nginx would choose for uri below pclcf: an exact match
 * ends the search; the longest prefix goes on into its nested
 * locations; then, unless the prefix had "^~", the regular expressions
 * of this level in order.  NGX_OK for a final choice, NGX_AGAIN for a
 * prefix, NGX_DECLINED for none (*found is left as it was).
 */
static ngx_int_t
ngx_http_ocs_auth_find(ngx_http_core_loc_conf_t *pclcf, ngx_str_t *uri,
    ngx_http_core_loc_conf_t **found)
{
    ngx_int_t                   rc;
    ngx_uint_t                  noregex;
#if (NGX_PCRE)
    ngx_http_core_loc_conf_t  **re;
#endif

    noregex = 0;

    rc = ngx_http_ocs_auth_find_static(pclcf->static_locations, uri, found);

    if (rc == NGX_AGAIN) {
        noregex = (*found)->noregex;
        rc = ngx_http_ocs_auth_find(*found, uri, found);
    }

    if (rc == NGX_OK) {
        return rc;
    }

#if (NGX_PCRE)
    for (re = pclcf->regex_locations;
         !noregex && re != NULL && *re != NULL;
         re++)
    {
        if (ngx_regex_exec((*re)->regex->regex, uri, NULL, 0) >= 0) {
            *found = *re;
            (void) ngx_http_ocs_auth_find(*re, uri, found);
            return NGX_OK;
        }
    }
#endif

    return rc;
}


/*
 * The location tree of one level: each node holds a piece of a name,
 * the locations that end there (exact, inclusive) and, in tree, the
 * longer names that go on from it.
 */
static ngx_int_t
ngx_http_ocs_auth_find_static(ngx_http_location_tree_node_t *node,
    ngx_str_t *uri, ngx_http_core_loc_conf_t **found)
{
    u_char     *p;
    size_t      len, n;
    ngx_int_t   rc, rv;

    p = uri->data;
    len = uri->len;
    rv = NGX_DECLINED;

    while (node != NULL) {
        n = ngx_min(len, (size_t) node->len);
        rc = ngx_filename_cmp(p, node->name, n);

        if (rc != 0) {
            node = (rc < 0) ? node->left : node->right;
            continue;
        }

        if (len > (size_t) node->len) {
            if (node->inclusive != NULL) {
                *found = node->inclusive;
                rv = NGX_AGAIN;
                p += node->len;
                len -= node->len;
                node = node->tree;
                continue;
            }

            node = node->right;
            continue;
        }

        if (len == (size_t) node->len) {
            if (node->exact != NULL) {
                *found = node->exact;
                return NGX_OK;
            }

            *found = node->inclusive;
            return NGX_AGAIN;
        }

        node = node->left;
    }

    return rv;
}


/*
 * The user and groups the workers will run as: "user" if it is set
 * already, nginx's default when the master is root, or the master's
 * own.
 */
static void
ngx_http_ocs_auth_check_user(ngx_conf_t *cf, ngx_http_ocs_auth_check_t *ck)
{
    int               n;
    struct passwd    *pw;
    ngx_core_conf_t  *ccf;

    ccf = (ngx_core_conf_t *) ngx_get_conf(cf->cycle->conf_ctx,
                                           ngx_core_module);

    ck->uid = geteuid();
    ck->groups[0] = getegid();
    ck->ngroups = 1;

    if (ccf != NULL && ccf->user != (ngx_uid_t) NGX_CONF_UNSET_UINT) {
        ck->uid = ccf->user;
        ck->groups[0] = ccf->group;
        pw = getpwuid(ck->uid);

    } else if (geteuid() == 0) {
        pw = getpwnam(NGX_USER);

        if (pw != NULL) {
            ck->uid = pw->pw_uid;
            ck->groups[0] = pw->pw_gid;
        }

    } else {
        return;
    }

    if (pw != NULL) {
        n = NGX_HTTP_OCS_CHECK_GROUPS;

        if (getgrouplist(pw->pw_name, ck->groups[0], ck->groups, &n) >= 0) {
            ck->ngroups = n;
        }
    }
}


/* whether one of the server's listeners is "ssl" */
static ngx_uint_t
ngx_http_ocs_auth_ssl_server(ngx_conf_t *cf, ngx_http_core_srv_conf_t *cscf)
{
    ngx_uint_t                   p, a, s;
    ngx_http_conf_port_t        *port;
    ngx_http_conf_addr_t        *addr;
    ngx_http_core_srv_conf_t   **servers;
    ngx_http_core_main_conf_t   *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    if (cmcf->ports == NULL) {
        return 0;
    }

    port = cmcf->ports->elts;

    for (p = 0; p < cmcf->ports->nelts; p++) {
        addr = port[p].addrs.elts;

        for (a = 0; a < port[p].addrs.nelts; a++) {
            if (!addr[a].opt.ssl) {
                continue;
            }

            servers = addr[a].servers.elts;

            for (s = 0; s < addr[a].servers.nelts; s++) {
                if (servers[s] == cscf) {
                    return 1;
                }
            }
        }
    }

    return 0;
}


/*
 * Whether the worker user may read (R_OK) or write in (W_OK) path, by
 * its mode bits and those of the directories above it (search).  Root
 * may do anything.  NGX_DECLINED when it may not or path is missing.
 */
static ngx_int_t
ngx_http_ocs_auth_may(ngx_http_ocs_auth_check_t *ck, const char *path,
    ngx_uint_t want)
{
    int          i;
    char         dir[NGX_MAX_PATH];
    char        *slash;
    mode_t       bits, need;
    size_t       len;
    ngx_uint_t   step;
    struct stat  st;

    if (ck->uid == 0) {
        return NGX_OK;
    }

    len = ngx_strlen(path);

    if (len >= sizeof(dir)) {
        return NGX_OK;
    }

    ngx_memcpy(dir, path, len + 1);

    /* the file itself, then each directory above it, which needs search */
    for (step = 0; /* void */; step++) {
        if (stat(dir, &st) != 0) {
            return NGX_DECLINED;
        }

        if (step > 0) {
            need = S_IXOTH;

        } else if (want == R_OK) {
            need = S_IROTH;

        } else {
            need = S_ISDIR(st.st_mode) ? S_IWOTH | S_IXOTH : S_IWOTH;
        }

        if (st.st_uid == ck->uid) {
            bits = (st.st_mode >> 6) & 7;

        } else {
            bits = st.st_mode & 7;

            for (i = 0; i < ck->ngroups; i++) {
                if (st.st_gid == ck->groups[i]) {
                    bits = (st.st_mode >> 3) & 7;
                    break;
                }
            }
        }

        if ((bits & need) != need) {
            return NGX_DECLINED;
        }

        slash = strrchr(dir, '/');

        if (slash == NULL || slash == dir) {
            return NGX_OK;
        }

        *slash = '\0';
    }
}


/*
 * The replay cache MIT Kerberos writes for every Negotiate token: the
 * directory in KRB5RCACHEDIR ("env" passes it to the workers) or
 * /var/tmp, and a cache file of the worker's uid there if one exists.
 */
static void
ngx_http_ocs_auth_check_rcache(ngx_http_ocs_auth_check_t *ck)
{
    u_char           *p;
    ngx_str_t        *var;
    ngx_uint_t        i;
    ngx_core_conf_t  *ccf;
    const char       *dir;
    char              file[NGX_MAX_PATH];

    dir = "/var/tmp";

    ccf = (ngx_core_conf_t *) ngx_get_conf(ck->cf->cycle->conf_ctx,
                                           ngx_core_module);
    var = ccf ? ccf->env.elts : NULL;

    for (i = 0; ccf != NULL && i < ccf->env.nelts; i++) {
        if (ngx_strncmp(var[i].data, "KRB5RCACHEDIR", 13) != 0) {
            continue;
        }

        if (var[i].data[13] == '=') {
            dir = (char *) var[i].data + 14;

        } else if (var[i].data[13] == '\0' && getenv("KRB5RCACHEDIR")) {
            dir = getenv("KRB5RCACHEDIR");
        }
    }

    if (ngx_http_ocs_auth_may(ck, dir, W_OK) != NGX_OK) {
        ngx_log_error(NGX_LOG_WARN, ck->cf->log, 0,
                           "ocs auth: the Kerberos replay cache directory "
                           "\"%s\" is not writable by the worker user: every "
                           "Negotiate token will be refused; set "
                           "\"env KRB5RCACHEDIR=<a directory it can write>;\"",
                           dir);
        return;
    }

    p = ngx_snprintf((u_char *) file, sizeof(file) - 1, "%s/krb5_%ui.rcache2",
                     dir, (ngx_uint_t) ck->uid);
    *p = '\0';

    if (access(file, F_OK) == 0
        && (ngx_http_ocs_auth_may(ck, file, R_OK) != NGX_OK
            || ngx_http_ocs_auth_may(ck, file, W_OK) != NGX_OK))
    {
        ngx_log_error(NGX_LOG_WARN, ck->cf->log, 0,
                           "ocs auth: the Kerberos replay cache \"%s\" is not "
                           "writable by the worker user (left by another "
                           "process?): every Negotiate token will be "
                           "refused; remove it or set \"env "
                           "KRB5RCACHEDIR=...;\"", file);
    }
}
