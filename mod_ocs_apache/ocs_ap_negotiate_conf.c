/*
 * The configuration of Integrated Windows authentication in
 * mod_auth_ocs: the directives, their merging, and the checks nginx -t
 * makes, here in check_config (so apachectl -t makes them too): one
 * keytab for every directory with OCSNTLM on (the process-wide acceptor
 * identity NTLM needs), and warnings for a keytab or a replay cache the
 * worker user cannot use, which would refuse every token.
 */

#include "mod_auth_ocs.h"

#include <unixd.h>

#include <ocs/ocs_conf.h>
#include <ocs/ocs_gss.h>

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>


/* what the configuration check found, across every server */
typedef struct {
    server_rec          *s;
    const char          *ntlm_keytab;
    apr_array_header_t  *keytabs;        /* of const char *, distinct */
} ocs_ap_negotiate_check_t;


static int ocs_ap_negotiate_check_config(apr_pool_t *pconf,
    apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);
static int ocs_ap_negotiate_check_sections(ocs_ap_negotiate_check_t *ck,
    apr_pool_t *p, ap_conf_vector_t *base, apr_array_header_t *sections);
static int ocs_ap_negotiate_check_one(ocs_ap_negotiate_check_t *ck,
    const ocs_ap_negotiate_dir_t *conf);
static void ocs_ap_negotiate_check_access(apr_pool_t *p, server_rec *s,
    apr_array_header_t *keytabs);
static int ocs_ap_negotiate_may(apr_pool_t *p, const char *path, int want);


const char *
ocs_ap_negotiate_keytab_cmd(cmd_parms *cmd, void *mconfig, const char *arg)
{
    const char  *path;

    /* a relative name is the server root's, as other Apache files */
    path = ap_server_root_relative(cmd->pool, arg);
    if (path == NULL) {
        return apr_psprintf(cmd->pool, "invalid OCSKeytab \"%s\": not a "
                            "file name", arg);
    }

    ocs_ap_cmd_dir(mconfig)->negotiate.keytab = path;

    return NULL;
}


const char *
ocs_ap_negotiate_principal_cmd(cmd_parms *cmd, void *mconfig,
    const char *arg)
{
    size_t  len;

    len = strlen(arg);

    if (strcmp(arg, "any") == 0) {
        ocs_ap_cmd_dir(mconfig)->negotiate.principal = "";
        return NULL;
    }

    if (len >= OCS_GSS_NAME_MAX || strchr(arg, '/') == NULL) {
        return apr_psprintf(cmd->pool, "invalid OCSServicePrincipal \"%s\": "
                            "use a principal of the keytab such as "
                            "HTTP/proxy.contoso.com@CONTOSO.COM, or any",
                            arg);
    }

    ocs_ap_cmd_dir(mconfig)->negotiate.principal = arg;

    return NULL;
}


const char *
ocs_ap_negotiate_flag_cmd(cmd_parms *cmd, void *mconfig, int on)
{
    ocs_ap_negotiate_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->negotiate;

    if (cmd->info == (void *) 0) {
        conf->ntlm = on;

    } else {
        conf->keep_realm = on;
    }

    return NULL;
}


const char *
ocs_ap_negotiate_max_token_cmd(cmd_parms *cmd, void *mconfig,
    const char *arg)
{
    int64_t  size;

    if (ocs_conf_parse_size(arg, strlen(arg), &size) != OCS_OK
        || size <= 0)
    {
        return apr_psprintf(cmd->pool, "invalid OCSNegotiateMaxToken \"%s\":"
                            " use a size such as 48k", arg);
    }

    ocs_ap_cmd_dir(mconfig)->negotiate.max_token = size;

    return NULL;
}


/* for OCSKerberosPassword (the sign-in part), which checks with them */
const char *
ocs_ap_negotiate_keytab(request_rec *r)
{
    return ocs_ap_dir(r)->negotiate.keytab;
}


const char *
ocs_ap_negotiate_principal(request_rec *r)
{
    const char  *principal;

    principal = ocs_ap_dir(r)->negotiate.principal;

    return (principal != NULL && principal[0] != '\0') ? principal : NULL;
}


void
ocs_ap_negotiate_srv_init(apr_pool_t *p, ocs_ap_negotiate_srv_t *conf)
{
    (void) p;

    conf->ntlm_keytab = NULL;
}


void
ocs_ap_negotiate_srv_merge(apr_pool_t *p, ocs_ap_negotiate_srv_t *conf,
    const ocs_ap_negotiate_srv_t *base, const ocs_ap_negotiate_srv_t *add)
{
    (void) p;
    (void) base;

    /* set by the check, in the main server only */
    conf->ntlm_keytab = add->ntlm_keytab;
}


void
ocs_ap_negotiate_dir_init(apr_pool_t *p, ocs_ap_negotiate_dir_t *conf)
{
    (void) p;

    conf->keytab = NULL;
    conf->principal = NULL;
    conf->ntlm = OCS_AP_UNSET;
    conf->keep_realm = OCS_AP_UNSET;
    conf->max_token = OCS_AP_UNSET;
}


void
ocs_ap_negotiate_dir_merge(apr_pool_t *p, ocs_ap_negotiate_dir_t *conf,
    const ocs_ap_negotiate_dir_t *base, const ocs_ap_negotiate_dir_t *add)
{
    (void) p;

    conf->keytab = add->keytab ? add->keytab : base->keytab;
    conf->principal = add->principal ? add->principal : base->principal;
    conf->ntlm = (add->ntlm != OCS_AP_UNSET) ? add->ntlm : base->ntlm;
    conf->keep_realm = (add->keep_realm != OCS_AP_UNSET) ? add->keep_realm
                                                         : base->keep_realm;
    conf->max_token = (add->max_token != OCS_AP_UNSET) ? add->max_token
                                                       : base->max_token;
}


/*
 * NTLM and Kerberos in one SPNEGO exchange take the default acceptor
 * credentials (see ocs_gss_register_keytab()): the keytab of OCSNTLM
 * becomes the process's, once per child, before any request.
 */
void
ocs_ap_negotiate_child_init(apr_pool_t *p, server_rec *s)
{
    const char  *keytab;

    (void) p;

    if (s->is_virtual) {
        return;
    }

    keytab = ocs_ap_srv(s)->negotiate.ntlm_keytab;

    if (keytab == NULL) {
        return;
    }

    if (ocs_gss_register_keytab(keytab) != OCS_OK) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "ocs auth: cannot use keytab \"%s\" for NTLM and "
                     "Kerberos", keytab);
    }
}


void
ocs_ap_negotiate_conf_hooks(apr_pool_t *p)
{
    (void) p;

    ap_hook_check_config(ocs_ap_negotiate_check_config, NULL, NULL,
                         APR_HOOK_MIDDLE);
}


/*
 * Every server's own directory configuration and each of its
 * <Directory> and <Location> sections as a request there sees them
 * (the server's merged with the section's): one keytab for OCSNTLM, and
 * the keytabs and the replay cache usable by the worker user.
 */
static int
ocs_ap_negotiate_check_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s)
{
    server_rec                *vs;
    ocs_ap_dir_t              *d;
    core_server_config        *sconf;
    ocs_ap_negotiate_check_t   ck;

    (void) pconf;
    (void) plog;

    ck.s = s;
    ck.ntlm_keytab = NULL;
    ck.keytabs = apr_array_make(ptemp, 4, sizeof(const char *));

    for (vs = s; vs != NULL; vs = vs->next) {
        ck.s = vs;

        d = ap_get_module_config(vs->lookup_defaults, &auth_ocs_module);

        if (d != NULL && ocs_ap_negotiate_check_one(&ck, &d->negotiate)
                         != OK)
        {
            return HTTP_INTERNAL_SERVER_ERROR;
        }

        sconf = ap_get_core_module_config(vs->module_config);

        if (ocs_ap_negotiate_check_sections(&ck, ptemp, vs->lookup_defaults,
                                            sconf->sec_dir)
            != OK
            || ocs_ap_negotiate_check_sections(&ck, ptemp,
                                               vs->lookup_defaults,
                                               sconf->sec_url)
               != OK)
        {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    ocs_ap_srv(s)->negotiate.ntlm_keytab =
        ck.ntlm_keytab ? apr_pstrdup(s->process->pconf, ck.ntlm_keytab)
                       : NULL;

    ocs_ap_negotiate_check_access(ptemp, s, ck.keytabs);

    return OK;
}


/*
 * Each section as a request for its own path sees it: the server's
 * configuration, then every section before it (in the order Apache
 * merges them) whose path is a prefix of its own, then itself.  A regex
 * section is taken alone with the server's.
 */
static int
ocs_ap_negotiate_check_sections(ocs_ap_negotiate_check_t *ck,
    apr_pool_t *p, ap_conf_vector_t *base, apr_array_header_t *sections)
{
    int                      i, j;
    size_t                   len;
    ocs_ap_dir_t            *d;
    core_dir_config         *ci, *cj;
    ap_conf_vector_t       **sec;
    ocs_ap_negotiate_dir_t   conf, merged;

    sec = (ap_conf_vector_t **) sections->elts;
    d = ap_get_module_config(base, &auth_ocs_module);

    for (i = 0; i < sections->nelts; i++) {
        ci = ap_get_core_module_config(sec[i]);

        if (d != NULL) {
            conf = d->negotiate;

        } else {
            ocs_ap_negotiate_dir_init(p, &conf);
        }

        for (j = 0; j <= i; j++) {
            cj = ap_get_core_module_config(sec[j]);

            if (j < i) {
                if (ci->d == NULL || cj->d == NULL || ci->r || cj->r) {
                    continue;
                }

                len = strlen(cj->d);

                if (strncmp(ci->d, cj->d, len) != 0) {
                    continue;
                }
            }

            d = ap_get_module_config(sec[j], &auth_ocs_module);
            if (d == NULL) {
                continue;
            }

            ocs_ap_negotiate_dir_merge(p, &merged, &conf, &d->negotiate);
            conf = merged;
        }

        if (ocs_ap_negotiate_check_one(ck, &conf) != OK) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }

        d = ap_get_module_config(base, &auth_ocs_module);
    }

    return OK;
}


static int
ocs_ap_negotiate_check_one(ocs_ap_negotiate_check_t *ck,
    const ocs_ap_negotiate_dir_t *conf)
{
    int           i;
    const char  **kt;

    if (conf->keytab != NULL) {
        kt = (const char **) ck->keytabs->elts;

        for (i = 0; i < ck->keytabs->nelts; i++) {
            if (strcmp(kt[i], conf->keytab) == 0) {
                break;
            }
        }

        if (i == ck->keytabs->nelts) {
            *(const char **) apr_array_push(ck->keytabs) = conf->keytab;
        }
    }

    if (conf->ntlm != 1) {
        return OK;
    }

    if (conf->keytab == NULL) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, ck->s,
                     "ocs auth: \"OCSNTLM\" needs \"OCSKeytab\": "
                     "NTLM comes with Negotiate, which needs it");
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ck->ntlm_keytab == NULL) {
        ck->ntlm_keytab = conf->keytab;

    } else if (strcmp(ck->ntlm_keytab, conf->keytab) != 0) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, ck->s,
                     "ocs auth: \"OCSNTLM\" needs the same \"OCSKeytab\" "
                     "everywhere it is on: \"%s\" and \"%s\"",
                     ck->ntlm_keytab, conf->keytab);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    return OK;
}


/*
 * A keytab the worker user cannot read, or a replay cache it cannot
 * write, refuses every token: said now rather than once per sign-in.
 * The replay cache is MIT's: the directory in KRB5RCACHEDIR (the
 * environment Apache starts with, e.g. /etc/apache2/envvars) or
 * /var/tmp, and a cache file of the worker's uid there if one exists.
 */
static void
ocs_ap_negotiate_check_access(apr_pool_t *p, server_rec *s,
    apr_array_header_t *keytabs)
{
    int           i;
    const char  **kt, *dir, *file;

    if (keytabs->nelts == 0) {
        return;
    }

    kt = (const char **) keytabs->elts;

    for (i = 0; i < keytabs->nelts; i++) {
        if (ocs_ap_negotiate_may(p, kt[i], R_OK) != OK) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                         "ocs auth: the keytab \"%s\" cannot be read by the "
                         "worker user: every Negotiate token will be "
                         "refused; make it readable by its group, e.g. "
                         "\"chown root:www-data\" and \"chmod 640\"", kt[i]);
        }
    }

    dir = getenv("KRB5RCACHEDIR");
    if (dir == NULL || dir[0] == '\0') {
        dir = "/var/tmp";
    }

    if (ocs_ap_negotiate_may(p, dir, W_OK) != OK) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "ocs auth: the Kerberos replay cache directory \"%s\" "
                     "is not writable by the worker user: every Negotiate "
                     "token will be refused; set KRB5RCACHEDIR=<a "
                     "directory it can write> in Apache's environment "
                     "(/etc/apache2/envvars)", dir);
        return;
    }

    file = apr_psprintf(p, "%s/krb5_%lu.rcache2", dir,
                        (unsigned long) (geteuid() == 0
                                         ? ap_unixd_config.user_id
                                         : geteuid()));

    if (access(file, F_OK) == 0
        && (ocs_ap_negotiate_may(p, file, R_OK) != OK
            || ocs_ap_negotiate_may(p, file, W_OK) != OK))
    {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     "ocs auth: the Kerberos replay cache \"%s\" is not "
                     "writable by the worker user (left by another "
                     "process?): every Negotiate token will be refused; "
                     "remove it or set KRB5RCACHEDIR", file);
    }
}


/*
 * Whether the worker user (User, Group and its supplementary groups)
 * may read (R_OK) or write (W_OK) path, searching every directory on
 * the way.  Started by another user than root, the workers are that
 * user: access() says.  OK or DECLINED.
 */
static int
ocs_ap_negotiate_may(apr_pool_t *p, const char *path, int want)
{
    int           i, ngroups;
    uid_t         uid;
    gid_t        *groups;
    char         *dir, *slash;
    mode_t        bits, need;
    unsigned      step;
    struct stat   st;

    if (geteuid() != 0) {
        return access(path, want) == 0 ? OK : DECLINED;
    }

    uid = ap_unixd_config.user_id;

    if (uid == 0) {
        return OK;
    }

    ngroups = 64;
    groups = apr_palloc(p, ngroups * sizeof(gid_t));

    if (ap_unixd_config.user_name == NULL
        || getgrouplist(ap_unixd_config.user_name, ap_unixd_config.group_id,
                        groups, &ngroups) < 0)
    {
        groups[0] = ap_unixd_config.group_id;
        ngroups = 1;
    }

    dir = apr_pstrdup(p, path);

    /* the file itself, then each directory above it, which needs search */
    for (step = 0; /* void */; step++) {
        if (stat(dir, &st) != 0) {
            return DECLINED;
        }

        if (step > 0) {
            need = S_IXOTH;

        } else if (want == R_OK) {
            need = S_IROTH;

        } else {
            need = S_ISDIR(st.st_mode) ? S_IWOTH | S_IXOTH : S_IWOTH;
        }

        if (st.st_uid == uid) {
            bits = (st.st_mode >> 6) & 7;

        } else {
            bits = st.st_mode & 7;

            for (i = 0; i < ngroups; i++) {
                if (st.st_gid == groups[i]) {
                    bits = (st.st_mode >> 3) & 7;
                    break;
                }
            }
        }

        if ((bits & need) != need) {
            return DECLINED;
        }

        slash = strrchr(dir, '/');

        if (slash == NULL || slash == dir) {
            return OK;
        }

        *slash = '\0';
    }
}
