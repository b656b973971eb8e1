/*
 * The directory in mod_auth_ocs: <OCSDirectory> sections, the handles a
 * child process keeps, the directory a location signs in with
 * (OCSLDAP), what a sign-in asks it (ocs_ap_ldap_login_conf) and the
 * re-check of live sessions (OCSRecheck).  The requirements and the
 * verdict on a request are in ocs_ap_ldap_authz.c.
 *
 * As in nginx, the decisions are the core's: a section's settings in
 * ocs_ldap_conf.c, facts and re-checks in ocs_authz.c.  Apache request
 * threads may block, so the directory is called in the request's own
 * thread, each call bounded by the directory's timeouts.
 *
 * Threads.  The core's directory handle is thread-safe: its connection
 * pool is behind a pthread mutex and each call takes a connection of
 * its own (ocs_ldap_pool.c).  So a child process has one handle per
 * directory, shared by all its threads under mpm_event and
 * mpm_worker, with no lock of ours.
 */

#include "mod_auth_ocs.h"

#include <apr_atomic.h>

#include <ocs/ocs_conf.h>
#include <ocs/ocs_guard.h>



/* what a sign-in's evaluation needs, in its request's pool */
typedef struct {
    ocs_ldap_t            *ld;
    ocs_ap_ldap_cf_t      *cf;
    ocs_authz_result_t    *res;
} ocs_ap_ldap_eval_t;


static const char *ocs_ap_ldap_setting(cmd_parms *cmd,
    ocs_ap_ldap_directory_t *dir, ap_directive_t *line);
static const char *ocs_ap_ldap_password(cmd_parms *cmd,
    ocs_ap_ldap_directory_t *dir, ap_directive_t *line,
    const char *file);
static apr_status_t ocs_ap_ldap_wipe_password(void *data);
static apr_status_t ocs_ap_ldap_destroy(void *data);
static int ocs_ap_ldap_evaluate(void *data, ocs_err_t *err);
static apr_status_t ocs_ap_ldap_wipe_result(void *data);
static ocs_ap_ldap_cf_t *ocs_ap_ldap_req_cf(request_rec *r);


ocs_ap_ldap_directory_t  ocs_ap_ldap_off;


/*
 * <OCSDirectory name> key value ... </OCSDirectory>
 *
 * The lines inside are not Apache directives: each is a setting of the
 * core's (ocs_ldap_conf_set(), the keys of nginx's ocs_ldap_directory
 * block), read here from the section's configuration tree.
 */
const char *
ocs_ap_ldap_section(cmd_parms *cmd, void *mconfig, const char *arg)
{
    size_t                     i, n;
    ocs_err_t                  err, warn[OCS_LDAP_URLS_MAX + 1];
    const char                *msg, *endp, *rest, *name;
    ocs_ap_ldap_cf_t          *cf;
    ap_directive_t            *line;
    ocs_ap_ldap_directory_t   *dir, **d;

    (void) mconfig;

    msg = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (msg != NULL) {
        return msg;
    }

    endp = ap_strrchr_c(arg, '>');
    if (endp == NULL) {
        return "<OCSDirectory> has no closing '>'";
    }

    rest = apr_pstrmemdup(cmd->temp_pool, arg, endp - arg);
    name = ap_getword_conf(cmd->pool, &rest);

    if (name[0] == '\0' || rest[0] != '\0') {
        return "<OCSDirectory> takes one name: <OCSDirectory contoso>";
    }

    cf = ocs_ap_ldap_cf(cmd->pool);
    d = (ocs_ap_ldap_directory_t **) cf->dirs->elts;

    for (i = 0; i < (size_t) cf->dirs->nelts; i++) {
        if (strcmp(d[i]->name, name) == 0) {
            return apr_psprintf(cmd->pool, "OCSDirectory \"%s\" is already "
                                "defined", name);
        }
    }

    dir = apr_pcalloc(cmd->pool, sizeof(ocs_ap_ldap_directory_t));
    dir->name = name;
    ocs_ldap_conf_init(&dir->conf);
    dir->conf.section = "OCSDirectory";

    apr_pool_cleanup_register(cmd->pool, dir, ocs_ap_ldap_wipe_password,
                              apr_pool_cleanup_null);

    for (line = cmd->directive->first_child; line; line = line->next) {
        msg = ocs_ap_ldap_setting(cmd, dir, line);

        if (msg != NULL) {
            /* Apache names the line in error, not the section's first */
            cmd->err_directive = line;
            return msg;
        }
    }

    if (ocs_ldap_conf_check(&dir->conf, name, &err) != OCS_OK) {
        return apr_pstrdup(cmd->pool, err.text);
    }

    n = ocs_ldap_conf_warnings(&dir->conf, name, warn,
                               OCS_LDAP_URLS_MAX + 1);

    for (i = 0; i < n; i++) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cmd->server, "%s",
                     warn[i].text);
    }

    *(ocs_ap_ldap_directory_t **) apr_array_push(cf->dirs) = dir;

    return NULL;
}


/* one line of a section: a key and its values */
static const char *
ocs_ap_ldap_setting(cmd_parms *cmd, ocs_ap_ldap_directory_t *dir,
    ap_directive_t *line)
{
    int                  rc;
    char                *key, *w;
    ocs_err_t            err;
    const char          *rest;
    apr_array_header_t  *values;

    if (line->first_child != NULL) {
        return apr_psprintf(cmd->pool, "%s> does not belong in "
                            "<OCSDirectory %s>", line->directive, dir->name);
    }

    /* the keys are nginx's, lowercase; Apache's own are not cased */
    key = apr_pstrdup(cmd->pool, line->directive);
    ap_str_tolower(key);

    values = apr_array_make(cmd->temp_pool, 4, sizeof(const char *));
    rest = line->args;

    for ( ;; ) {
        w = ap_getword_conf(cmd->pool, &rest);
        if (w[0] == '\0' && rest[0] == '\0') {
            break;
        }

        *(const char **) apr_array_push(values) = w;
    }

    rc = ocs_ldap_conf_set(&dir->conf, dir->name, key,
                           (const char *const *) values->elts,
                           (size_t) values->nelts, &err);

    switch (rc) {

    case OCS_OK:
        return NULL;

    case OCS_LDAP_CONF_PATH:
        dir->conf.ca_file = ap_server_root_relative(cmd->pool,
                                                    dir->conf.ca_file);
        if (dir->conf.ca_file == NULL) {
            return apr_psprintf(cmd->pool, "\"ca_file\" in OCSDirectory "
                                "\"%s\" is not a valid file name",
                                dir->name);
        }

        return NULL;

    case OCS_LDAP_CONF_FILE:
        return ocs_ap_ldap_password(cmd, dir, line,
                                    ((const char **) values->elts)[0]);

    default:
        return apr_pstrdup(cmd->pool, err.text);
    }
}


static const char *
ocs_ap_ldap_password(cmd_parms *cmd, ocs_ap_ldap_directory_t *dir,
    ap_directive_t *line, const char *file)
{
    char                  *text;
    size_t                 len, kept;
    ocs_err_t              err;
    const char            *msg;
    ap_directive_t        *section;

    /* the reader's errors name the setting, not the section */
    section = cmd->directive;
    cmd->directive = line;

    msg = ocs_ap_read_conf_file(cmd, file, 1024, 1, &text, &len);

    cmd->directive = section;

    if (msg != NULL) {
        return apr_psprintf(cmd->pool, "OCSDirectory \"%s\": %s",
                            dir->name, msg);
    }

    /* wiped with the configuration, whatever the core makes of it */
    dir->password = text;
    dir->password_len = len;

    if (ocs_ldap_conf_password(&dir->conf, dir->name, text, len, &kept,
                               &err)
        != OCS_OK)
    {
        return apr_pstrdup(cmd->pool, err.text);
    }

    dir->password_len = kept;

    return NULL;
}


static apr_status_t
ocs_ap_ldap_wipe_password(void *data)
{
    ocs_ap_ldap_directory_t  *dir = data;

    if (dir->password != NULL) {
        ocs_wipe(dir->password, dir->password_len);
    }

    return APR_SUCCESS;
}


/* OCSLDAP name | off */
const char *
ocs_ap_ldap_use(cmd_parms *cmd, void *mconfig, const char *arg)
{
    size_t                     i;
    ocs_ap_ldap_cf_t          *cf;
    ocs_ap_ldap_dir_t         *conf = &ocs_ap_cmd_dir(mconfig)->ldap;
    ocs_ap_ldap_directory_t  **d;

    if (conf->directory != NULL) {
        return "OCSLDAP is duplicate";
    }

    if (strcmp(arg, "off") == 0) {
        conf->directory = &ocs_ap_ldap_off;
        return NULL;
    }

    cf = ocs_ap_ldap_cf(cmd->pool);
    d = (ocs_ap_ldap_directory_t **) cf->dirs->elts;

    for (i = 0; i < (size_t) cf->dirs->nelts; i++) {
        if (strcmp(d[i]->name, arg) == 0) {
            conf->directory = d[i];
            return NULL;
        }
    }

    return apr_psprintf(cmd->pool, "unknown OCSDirectory \"%s\" in "
                        "\"OCSLDAP\": define it with <OCSDirectory %s> "
                        "before its first use", arg, arg);
}


/* OCSRecheck time */
const char *
ocs_ap_ldap_recheck_time(cmd_parms *cmd, void *mconfig, const char *arg)
{
    int64_t             sec;
    ocs_ap_ldap_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->ldap;

    if (conf->recheck != OCS_AP_UNSET) {
        return "OCSRecheck is duplicate";
    }

    if (ocs_conf_parse_time(arg, strlen(arg), &sec) != OCS_OK) {
        return apr_psprintf(cmd->pool, "invalid OCSRecheck \"%s\": use a "
                            "time such as 2m or 1h, or 0", arg);
    }

    conf->recheck = sec;

    return NULL;
}


void
ocs_ap_ldap_srv_init(apr_pool_t *p, ocs_ap_ldap_srv_t *conf)
{
    (void) p;
    conf->cf = NULL;
}


void
ocs_ap_ldap_srv_merge(apr_pool_t *p, ocs_ap_ldap_srv_t *conf,
    const ocs_ap_ldap_srv_t *base, const ocs_ap_ldap_srv_t *add)
{
    (void) p;

    /* one per configuration: post_config sets it on every server */
    conf->cf = add->cf ? add->cf : base->cf;
}


void
ocs_ap_ldap_dir_init(apr_pool_t *p, ocs_ap_ldap_dir_t *conf)
{
    (void) p;

    conf->directory = NULL;
    conf->require = NULL;
    conf->remote = NULL;
    conf->internal = NULL;
    conf->sip_claim = NULL;
    conf->recheck = OCS_AP_UNSET;
}


#define ocs_ap_ldap_merge_ptr(f)                                             \
    conf->f = (add->f != NULL) ? add->f : base->f
#define ocs_ap_ldap_merge_int(f)                                             \
    conf->f = (add->f != OCS_AP_UNSET) ? add->f : base->f


/*
 * Runs at request time: pointers only.  A level's own requirements
 * replace the inherited ones (nginx's rule), as do its networks.
 */
void
ocs_ap_ldap_dir_merge(apr_pool_t *p, ocs_ap_ldap_dir_t *conf,
    const ocs_ap_ldap_dir_t *base, const ocs_ap_ldap_dir_t *add)
{
    (void) p;

    ocs_ap_ldap_merge_ptr(directory);
    ocs_ap_ldap_merge_ptr(require);
    ocs_ap_ldap_merge_ptr(remote);
    ocs_ap_ldap_merge_ptr(internal);
    ocs_ap_ldap_merge_ptr(sip_claim);
    ocs_ap_ldap_merge_int(recheck);
}


int
ocs_ap_ldap_post_config(apr_pool_t *pconf, apr_pool_t *plog,
    apr_pool_t *ptemp, server_rec *s)
{
    ocs_ap_ldap_cf_t  *cf;

    (void) plog;
    (void) ptemp;

    cf = ocs_ap_ldap_cf(pconf);

    if (!s->is_virtual) {
        cf->gen = ocs_authz_gen((const ocs_authz_req_t *) cf->facts->elts,
                                (size_t) cf->facts->nelts);
    }

    ocs_ap_srv(s)->ldap.cf = cf;

    return OK;
}


/* connections belong to a process: each child makes its own handles */
void
ocs_ap_ldap_child_init(apr_pool_t *p, server_rec *s)
{
    int                        i;
    ocs_err_t                  err;
    ocs_ap_ldap_cf_t          *cf;
    ocs_ap_ldap_directory_t  **d;

    cf = ocs_ap_srv(s)->ldap.cf;

    if (s->is_virtual || cf == NULL) {
        return;
    }

    d = (ocs_ap_ldap_directory_t **) cf->dirs->elts;

    for (i = 0; i < cf->dirs->nelts; i++) {
        d[i]->handle = ocs_ldap_create(&d[i]->conf, &err);

        if (d[i]->handle == NULL) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                         "ocs auth: OCSDirectory \"%s\": %s", d[i]->name,
                         err.text);
        }
    }

    apr_pool_cleanup_register(p, cf, ocs_ap_ldap_destroy,
                              apr_pool_cleanup_null);
}


static apr_status_t
ocs_ap_ldap_destroy(void *data)
{
    int                        i;
    ocs_ap_ldap_cf_t          *cf = data;
    ocs_ap_ldap_directory_t  **d;

    d = (ocs_ap_ldap_directory_t **) cf->dirs->elts;

    for (i = 0; i < cf->dirs->nelts; i++) {
        ocs_ldap_destroy(d[i]->handle);
        d[i]->handle = NULL;
    }

    return APR_SUCCESS;
}


ocs_ap_ldap_directory_t *
ocs_ap_ldap_directory(request_rec *r)
{
    ocs_ap_ldap_directory_t  *d;

    d = ocs_ap_dir(r)->ldap.directory;

    return (d == NULL || d == &ocs_ap_ldap_off) ? NULL : d;
}


static ocs_ap_ldap_cf_t *
ocs_ap_ldap_req_cf(request_rec *r)
{
    return ocs_ap_srv(r->server)->ldap.cf;
}


int
ocs_ap_ldap_login_conf(request_rec *r, ocs_login_conf_t *conf)
{
    ocs_ap_ldap_eval_t        *ev;
    ocs_ap_ldap_directory_t   *dir;

    dir = ocs_ap_ldap_directory(r);
    if (dir == NULL) {
        return DECLINED;
    }

    if (dir->handle == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_CRIT, 0, r,
                      "ocs auth: directory \"%s\" has no handle in this "
                      "process", dir->name);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    ev = apr_palloc(r->pool, sizeof(ocs_ap_ldap_eval_t));
    ev->ld = dir->handle;
    ev->cf = ocs_ap_ldap_req_cf(r);

    /* the account is read with its TOTP secret: wiped with the request */
    ev->res = apr_pcalloc(r->pool, sizeof(ocs_authz_result_t));
    apr_pool_cleanup_register(r->pool, ev->res, ocs_ap_ldap_wipe_result,
                              apr_pool_cleanup_null);

    conf->ld = dir->handle;
    conf->directory = dir->name;
    conf->directory_len = strlen(dir->name);
    conf->evaluate = ocs_ap_ldap_evaluate;
    conf->evaluate_data = ev;
    conf->acct = &ev->res->acct;

    return OK;
}


/* in the request's thread, blocking: the facts and groups of the account */
static int
ocs_ap_ldap_evaluate(void *data, ocs_err_t *err)
{
    ocs_ap_ldap_eval_t  *ev = data;

    return ocs_authz_evaluate(ev->ld,
                              (const ocs_authz_req_t *) ev->cf->facts->elts,
                              (size_t) ev->cf->facts->nelts, ev->res, err);
}


static apr_status_t
ocs_ap_ldap_wipe_result(void *data)
{
    ocs_wipe(data, sizeof(ocs_authz_result_t));

    return APR_SUCCESS;
}


void
ocs_ap_ldap_fill_ticket(request_rec *r, const ocs_login_conf_t *conf,
    ocs_ticket_t *t)
{
    ocs_ap_ldap_eval_t  *ev = conf->evaluate_data;

    ocs_authz_fill_ticket(t, ev->res, ev->cf->gen,
                          (int64_t) apr_time_sec(apr_time_now()));

    if (ev->res->groups_truncated) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "ocs auth: the groups of user \"%s\" do not all fit "
                      "in the ticket; OCS_GROUPS lists the first ones",
                      t->user);
    }
}


/* as nginx's ocs_auth_signin_sip when it is not set */
int
ocs_ap_ldap_has_sip(request_rec *r)
{
    return ocs_ap_ldap_directory(r) != NULL;
}


/*
 * The re-check of a live session, in the request's thread (nginx posts
 * it to its thread pool): the directory's timeouts bound it.
 */
int
ocs_ap_ldap_recheck(request_rec *r, ocs_ap_sso_ctx_t *ctx)
{
    int                        rc, state;
    int64_t                    now, interval;
    ocs_err_t                  err;
    const char                *why;
    ocs_ticket_t              *t;
    ocs_ap_ldap_cf_t          *cf;
    ocs_authz_result_t        *res;
    ocs_ap_ldap_directory_t   *dir;

    dir = ocs_ap_ldap_directory(r);

    if (dir == NULL || ctx->state != OCS_AP_SSO_VALID || ctx->rechecked) {
        return OK;
    }

    cf = ocs_ap_ldap_req_cf(r);
    t = &ctx->ticket;
    now = (int64_t) apr_time_sec(apr_time_now());
    interval = ocs_ap_dir(r)->ldap.recheck;

    if (interval == OCS_AP_UNSET) {
        interval = OCS_AP_LDAP_RECHECK_DEFAULT;
    }

    if (!ocs_authz_recheck_due(t, interval, cf->gen, now)) {
        return OK;
    }

    ctx->rechecked = 1;

    if (dir->handle == NULL) {
        /* logged at the child's start: go on with what the ticket says */
        return OK;
    }

    res = apr_pcalloc(r->pool, sizeof(ocs_authz_result_t));
    apr_pool_cleanup_register(r->pool, res, ocs_ap_ldap_wipe_result,
                              apr_pool_cleanup_null);

    state = OCS_ACCT_OK;

    rc = ocs_authz_recheck(dir->handle, t->dn,
                           (const ocs_authz_req_t *) cf->facts->elts,
                           (size_t) cf->facts->nelts, res, &state, &err);

    switch (ocs_authz_recheck_apply(t, rc, state, res, cf->gen, now, &why)) {

    case OCS_AUTHZ_RECHECK_KEEP:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: directory \"%s\" unavailable for the "
                      "re-check of user \"%s\": %s", dir->name, t->user,
                      err.text);
        break;

    case OCS_AUTHZ_RECHECK_END:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: session of user \"%s\" ended: %s", t->user,
                      why);

        if (ocs_ap_sso_revoke(r, t) != OK) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }

        /* check_authn answers as for a request without a ticket */
        ctx->state = OCS_AP_SSO_REVOKED;

        return OK;

    default: /* OCS_AUTHZ_RECHECK_RENEW */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "ocs auth: user \"%s\" re-checked in directory \"%s\"",
                      t->user, dir->name);
        break;
    }

    /* a ticket that cannot be sealed again still holds for this request */
    (void) ocs_ap_sso_update(r, ctx);

    return OK;
}


void
ocs_ap_ldap_policy_log(request_rec *r, unsigned limit)
{
    unsigned                  version, below;
    ocs_ldap_policy_t         p;
    ocs_ap_ldap_directory_t  *dir;

    dir = ocs_ap_ldap_directory(r);

    if (dir == NULL || dir->handle == NULL) {
        return;
    }

    version = ocs_ldap_policy(dir->handle, &p);

    /* one thread of the child says it */
    if (apr_atomic_xchg32(&dir->policy_logged, version) == version) {
        return;
    }

    if (!p.known) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "ocs auth: directory \"%s\": its lockout policy "
                      "cannot be read; keep OCSLockout account= below its "
                      "threshold, or name the policy entry with \"policy\" "
                      "in <OCSDirectory>", dir->name);
        return;
    }

    if (p.threshold == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                      "ocs auth: directory \"%s\" does not lock accounts "
                      "(\"%s\")", dir->name, p.source);
        return;
    }

    below = ocs_guard_dir_limit(&p, limit);

    if (p.window == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "ocs auth: directory \"%s\" locks accounts after %d "
                      "failed passwords and keeps them until a good one "
                      "(\"%s\"); sign-ins here lock after %u, for a day",
                      dir->name, p.threshold, p.source, below);
        return;
    }

    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                  "ocs auth: directory \"%s\" locks accounts after %d failed "
                  "passwords within %" APR_INT64_T_FMT " s (\"%s\"); "
                  "sign-ins here lock after %u", dir->name, p.threshold,
                  (apr_int64_t) p.window, p.source, below);
}
