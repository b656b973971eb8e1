/*
 * The sign-in of mod_auth_ocs, the counterpart of ngx_http_ocs_auth_
 * signin.c, _page.c, _note.c and _challenge.c: the configuration of the
 * sign-in page, the challenge of a request without a ticket, and the
 * page (SetHandler ocs-signin): the form with its CSRF token, the note a
 * failed post leaves for the form after a 303, the checked return URL.
 * The POST is ocs_ap_signin_post.c's.
 *
 * The CSRF token is an HMAC of a random nonce that the browser holds in
 * a SameSite=Strict cookie, so a form posted from another site has
 * neither; the cookie names are the ticket cookie's (ocs_ap_sso_cookie_
 * name()), as nginx names them, so that either server reads the other's.
 */

#include "mod_auth_ocs.h"

#include <apr_lib.h>

#include <ocs/ocs_conf.h>
#include <ocs/ocs_csrf.h>
#include <ocs/ocs_pages.h>
#include <ocs/ocs_session.h>
#include <ocs/ocs_signin.h>


/* log lines carry the module: [auth_ocs:level], LogLevel auth_ocs:... */
APLOG_USE_MODULE(auth_ocs);


#define OCS_AP_SIGNIN_BODY_MAX   8192
#define OCS_AP_SIGNIN_NOTE_TTL   60      /* seconds a page note lives */
#define OCS_AP_SIGNIN_VARS       14


static int ocs_ap_signin_handler(request_rec *r);
static int ocs_ap_signin_get(request_rec *r);
static int ocs_ap_signin_again(request_rec *r, const char *back);
static int ocs_ap_signin_read(request_rec *r);
static int ocs_ap_signin_csrf_cookie(request_rec *r,
    ocs_ap_signin_csrf_t *csrf);
static int ocs_ap_signin_form_note(request_rec *r,
    ocs_ap_signin_csrf_t *csrf, int status, const char *back,
    const char *user, const char *sip, int computer, const char *error,
    int64_t retry);
static void ocs_ap_signin_form_vars(request_rec *r, ocs_tpl_var_t *vars,
    const char *action, const char *token, const char *back,
    const char *user, const char *sip, int computer, const char *error);
static void ocs_ap_signin_hint(request_rec *r, int computer,
    ocs_tpl_var_t *var, const char *name);
static int ocs_ap_signin_note_path(request_rec *r);
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


const char *
ocs_ap_signin_keytab_cmd(cmd_parms *cmd, void *mconfig, const char *arg)
{
    const char  *path;

    path = ap_server_root_relative(cmd->pool, arg);
    if (path == NULL) {
        return apr_psprintf(cmd->pool, "invalid OCSKeytab \"%s\": use a "
                            "file name", arg);
    }

    ocs_ap_cmd_dir(mconfig)->signin.keytab = path;

    return NULL;
}


const char *
ocs_ap_signin_principal_cmd(cmd_parms *cmd, void *mconfig, const char *arg)
{
    (void) cmd;

    ocs_ap_cmd_dir(mconfig)->signin.principal =
        (strcmp(arg, "any") == 0) ? "" : arg;

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


const char *
ocs_ap_signin_keytab(request_rec *r)
{
    const char  *k;

    k = ocs_ap_dir(r)->signin.keytab;

    return (k != NULL && k[0] != '\0') ? k : NULL;
}


const char *
ocs_ap_signin_principal(request_rec *r)
{
    const char  *p;

    p = ocs_ap_dir(r)->signin.principal;

    return (p != NULL && p[0] != '\0') ? p : NULL;
}


int
ocs_ap_signin_krb5_timeout_ms(request_rec *r)
{
    int64_t  ms;

    ms = ocs_ap_dir(r)->signin.krb5_timeout;

    return (ms == OCS_AP_UNSET) ? OCS_CONF_KRB5_TIMEOUT : (int) ms;
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
    conf->user_file = NULL;
    conf->template = NULL;
    conf->signin_sip = OCS_AP_UNSET;
    conf->return_hosts = NULL;
    conf->default_return = NULL;
    conf->krb5_password = OCS_AP_UNSET;
    conf->keytab = NULL;
    conf->principal = NULL;
    conf->krb5_timeout = OCS_AP_UNSET;
}


/* every field inherits as a whole; the defaults apply where it is read */
void
ocs_ap_signin_dir_merge(apr_pool_t *p, ocs_ap_signin_dir_t *conf,
    const ocs_ap_signin_dir_t *base, const ocs_ap_signin_dir_t *add)
{
    (void) p;

#define OCS_AP_MERGE_PTR(f)  conf->f = add->f ? add->f : base->f
#define OCS_AP_MERGE_INT(f)                                                  \
    conf->f = (add->f != OCS_AP_UNSET) ? add->f : base->f

    OCS_AP_MERGE_PTR(signin_url);
    OCS_AP_MERGE_PTR(user_file);
    OCS_AP_MERGE_PTR(template);
    OCS_AP_MERGE_INT(signin_sip);
    OCS_AP_MERGE_PTR(return_hosts);
    OCS_AP_MERGE_PTR(default_return);
    OCS_AP_MERGE_INT(krb5_password);
    OCS_AP_MERGE_PTR(keytab);
    OCS_AP_MERGE_PTR(principal);
    OCS_AP_MERGE_INT(krb5_timeout);

#undef OCS_AP_MERGE_PTR
#undef OCS_AP_MERGE_INT
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
    /* the page is ours whatever else covers it: before mod_proxy */
    static const char *const  before[] = { "mod_proxy.c", NULL };

    (void) p;

    ap_hook_handler(ocs_ap_signin_handler, NULL, before, APR_HOOK_FIRST);
}


/* SetHandler ocs-signin */
static int
ocs_ap_signin_handler(request_rec *r)
{
    int          rc;
    const char  *h;

    h = ocs_ap_page_handler(r);

    if (h == NULL || strcmp(h, OCS_AP_HANDLER_SIGNIN) != 0) {
        return DECLINED;
    }

    rc = ocs_ap_refuse_plain(r);
    if (rc != DECLINED) {
        return rc;
    }

    if (r->method_number == M_GET) {
        rc = ap_discard_request_body(r);
        if (rc != OK) {
            return rc;
        }

        return ocs_ap_signin_get(r);
    }

    if (r->method_number != M_POST) {
        r->allowed = (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_POST);
        return HTTP_METHOD_NOT_ALLOWED;
    }

    return ocs_ap_signin_read(r);
}


/*
 * The form, even for a user who holds a ticket: the directory that sent
 * the user here may have refused that ticket under stricter limits than
 * this one, and only a new sign-in can satisfy it.
 */
static int
ocs_ap_signin_get(request_rec *r)
{
    char        *arg;
    size_t       len;
    const char  *args;

    args = r->args ? r->args : "";

    if (ocs_ap_form_field(r, args, strlen(args), "r", 3 * OCS_RETURN_MAX,
                          &arg, &len)
        != OK)
    {
        arg = NULL;
        len = 0;
    }

    return ocs_ap_signin_again(r, ocs_ap_signin_return(r, arg, len));
}


/*
 * The form, with what a failed post said when the browser was sent here
 * after it (its note, bound to the sign-in nonce)
 */
static int
ocs_ap_signin_again(request_rec *r, const char *back)
{
    int                    rc;
    ocs_page_note_t       *note;
    ocs_ap_signin_csrf_t   csrf;

    note = apr_pcalloc(r->pool, sizeof(ocs_page_note_t));

    if (ocs_ap_signin_csrf(r, &csrf, 0) != OK) {
        memset(csrf.nonce, 0, sizeof(csrf.nonce));
    }

    rc = ocs_ap_signin_note_take(r, csrf.nonce, sizeof(csrf.nonce), note);

    if (rc == OK) {
        return ocs_ap_signin_form(r, note->status, back, note->user,
                                  note->sip, note->computer, note->message,
                                  note->retry);
    }

    if (rc != DECLINED) {
        return rc;
    }

    return ocs_ap_signin_form(r, HTTP_OK, back, NULL, NULL,
                              OCS_COMPUTER_PUBLIC, "", 0);
}


/* the POST: its body read, the return URL taken, the body wiped after */
static int
ocs_ap_signin_read(request_rec *r)
{
    int      rc;
    char    *body, *arg;
    size_t   len, n;

    rc = ocs_ap_read_form(r, OCS_AP_SIGNIN_BODY_MAX, &body, &len);

    if (rc == HTTP_UNSUPPORTED_MEDIA_TYPE) {
        return ocs_ap_send_msg(r, rc, OCS_MSG_FORM_TYPE, NULL);
    }

    if (rc != OK) {
        return rc;
    }

    if (ocs_ap_form_field(r, body, len, "r", OCS_RETURN_MAX, &arg, &n)
        != OK)
    {
        arg = NULL;
        n = 0;
    }

    /* ocs_ap_signin_post() wipes the body */
    return ocs_ap_signin_post(r, body, len,
                              ocs_ap_signin_return(r, arg, n));
}


/*
 * The sign-in nonce: from its cookie when the browser has a good one,
 * otherwise (create) a new one that the page sets; create 2: a new one
 * whatever the browser has.
 */
int
ocs_ap_signin_csrf(request_rec *r, ocs_ap_signin_csrf_t *csrf, int create)
{
    size_t                 n, len;
    const char            *value;
    const ocs_env_t       *env;
    ocs_ap_cookie_iter_t   it;

    csrf->name = ocs_ap_sso_cookie_name(r, OCS_AP_COOKIE_CSRF);
    csrf->fresh = 0;

    /* the first good one of its name: another may shadow it */
    memset(&it, 0, sizeof(ocs_ap_cookie_iter_t));

    while (create != 2
           && ocs_ap_cookie_next(r, csrf->name, &it, &value, &len) == OK)
    {
        if (ocs_b64url_decode(value, len, csrf->nonce, sizeof(csrf->nonce),
                              &n)
            == OCS_OK
            && n == sizeof(csrf->nonce))
        {
            return OK;
        }
    }

    if (!create) {
        return DECLINED;
    }

    env = ocs_ap_env();

    if (env->random(env->data, csrf->nonce, sizeof(csrf->nonce)) != OCS_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_CRIT, 0, r,
                      "ocs auth: no random bytes for a csrf nonce");
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    csrf->fresh = 1;

    return OK;
}


/* a new sign-in nonce goes to the browser with the response */
static int
ocs_ap_signin_csrf_cookie(request_rec *r, ocs_ap_signin_csrf_t *csrf)
{
    char          *value;
    size_t         len;
    ocs_cookie_t   cookie;

    if (!csrf->fresh) {
        return OK;
    }

    len = ocs_b64url_len(sizeof(csrf->nonce));
    value = apr_palloc(r->pool, len + 1);

    (void) ocs_b64url_encode(csrf->nonce, sizeof(csrf->nonce), value,
                             len + 1, &len);

    memset(&cookie, 0, sizeof(ocs_cookie_t));
    cookie.name = csrf->name;
    cookie.name_len = strlen(csrf->name);
    cookie.value = value;
    cookie.value_len = len;
    cookie.path = "/";
    cookie.path_len = 1;
    cookie.same_site = "Strict";
    cookie.same_site_len = 6;
    cookie.max_age = -1;

    /* once: a second form in the same response reuses it */
    csrf->fresh = 0;

    return ocs_ap_cookie_set(r, &cookie);
}


/*
 * The sign-in form, with error and what was typed.  A browser that
 * posted it is sent to the form with a 303 and a note instead, so that
 * reloading the page it gets does not post the password again (which
 * would count as one more failure).
 */
int
ocs_ap_signin_form(request_rec *r, int status, const char *back,
    const char *user, const char *sip, int computer, const char *error,
    int64_t retry)
{
    int                    rc;
    char                  *action, *q;
    ocs_err_t              err;
    ocs_tpl_var_t          vars[OCS_AP_SIGNIN_VARS];
    ocs_ap_signin_csrf_t   csrf;
    char                   token[OCS_CSRF_TOKEN_LEN + 1];

    rc = ocs_ap_signin_csrf(r, &csrf, 1);
    if (rc == OK) {
        rc = ocs_ap_signin_csrf_cookie(r, &csrf);
    }

    if (rc != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    if (r->method_number == M_POST && ocs_ap_signin_navigating(r)) {
        rc = ocs_ap_signin_form_note(r, &csrf, status, back, user, sip,
                                     computer, error, retry);
        if (rc != DECLINED) {
            return rc;
        }
    }

    if (ocs_csrf_token(ocs_ap_sso_keyring(r), ocs_ap_sso_cache(r),
                       OCS_CSRF_SIGNIN, csrf.nonce, sizeof(csrf.nonce),
                       token, sizeof(token), &err)
        != OCS_OK)
    {
        ap_log_rerror(APLOG_MARK, APLOG_ALERT, 0, r,
                      "ocs auth: csrf token: %s", err.text);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    /* post back to this very path, without the query */
    action = apr_pstrdup(r->pool, r->unparsed_uri);
    q = strchr(action, '?');
    if (q != NULL) {
        *q = '\0';
    }

    ocs_ap_signin_form_vars(r, vars, action, token, back, user, sip,
                            computer, error);

    if (retry > 0) {
        apr_table_setn(r->err_headers_out, "Retry-After",
                       apr_psprintf(r->pool, "%" APR_INT64_T_FMT,
                                    (apr_int64_t) retry));
    }

    if (status == HTTP_UNAUTHORIZED) {
        apr_table_addn(r->err_headers_out, "WWW-Authenticate",
                       apr_psprintf(r->pool, "OCS-Forms signin=\"%s\"",
                                    action));
    }

    return ocs_ap_send_page(r, status, OCS_PAGE_SIGNIN,
                            ocs_ap_dir(r)->signin.template, vars,
                            OCS_AP_SIGNIN_VARS);
}


/* the form's answer as a note for the form after a 303; DECLINED: the
   path cannot carry it */
static int
ocs_ap_signin_form_note(request_rec *r, ocs_ap_signin_csrf_t *csrf,
    int status, const char *back, const char *user, const char *sip,
    int computer, const char *error, int64_t retry)
{
    size_t            n;
    ocs_page_note_t  *note;

    note = apr_pcalloc(r->pool, sizeof(ocs_page_note_t));

    note->status = status;
    note->computer = computer;
    note->retry = retry;

    n = strlen(error);
    note->message_len = n < OCS_PAGE_NOTE_TEXT_MAX ? n
                                                   : OCS_PAGE_NOTE_TEXT_MAX;
    memcpy(note->message, error, note->message_len);

    if (user != NULL) {
        n = strlen(user);
        note->user_len = n < OCS_USER_MAX ? n : OCS_USER_MAX;
        memcpy(note->user, user, note->user_len);
    }

    if (sip != NULL) {
        n = strlen(sip);
        note->sip_len = n < OCS_SIP_MAX ? n : OCS_SIP_MAX;
        memcpy(note->sip, sip, note->sip_len);
    }

    return ocs_ap_signin_note_redirect(r, csrf->nonce, sizeof(csrf->nonce),
                                       note, "", back);
}


int
ocs_ap_signin_note(request_rec *r, const char *back, const char *message)
{
    int                    rc;
    char                  *enc;
    size_t                 n;
    const char            *url;
    ocs_page_note_t       *note;
    ocs_ap_signin_csrf_t   csrf;

    note = apr_pcalloc(r->pool, sizeof(ocs_page_note_t));

    note->status = HTTP_OK;
    n = strlen(message);
    note->message_len = n < OCS_PAGE_NOTE_TEXT_MAX ? n
                                                   : OCS_PAGE_NOTE_TEXT_MAX;
    memcpy(note->message, message, note->message_len);

    /* the session's cookies are cleared: a new nonce carries the note */
    rc = ocs_ap_signin_csrf(r, &csrf, 2);
    if (rc == OK) {
        rc = ocs_ap_signin_csrf_cookie(r, &csrf);
    }

    if (rc != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ocs_ap_signin_note_redirect(r, csrf.nonce, sizeof(csrf.nonce),
                                     note, "", back);
    if (rc != DECLINED) {
        return rc;
    }

    /* a path that cannot carry the note: the configured form, without */
    url = ocs_ap_signin_url(r);
    enc = apr_palloc(r->pool, 3 * strlen(back) + 1);
    (void) ocs_pct_encode(back, strlen(back), enc, 3 * strlen(back), &n);
    enc[n] = '\0';

    return ocs_ap_redirect(r, HTTP_SEE_OTHER,
                           apr_pstrcat(r->pool, url,
                                       strchr(url, '?') ? "&r=" : "?r=",
                                       enc, NULL));
}


/* the form's template variables */
static void
ocs_ap_signin_form_vars(request_rec *r, ocs_tpl_var_t *vars,
    const char *action, const char *token, const char *back,
    const char *user, const char *sip, int computer, const char *error)
{
    int               ask_sip;
    const ocs_msg_t  *msg;

    msg = ocs_msg(OCS_MSG_SIGNIN);
    user = user ? user : "";
    sip = sip ? sip : "";

    vars[0] = (ocs_tpl_var_t) { "title", msg->title, msg->title_len, 0 };
    vars[1] = (ocs_tpl_var_t) { "action", action, strlen(action), 0 };
    vars[2] = (ocs_tpl_var_t) { "csrf", token, OCS_CSRF_TOKEN_LEN, 0 };
    vars[3] = (ocs_tpl_var_t) { "return", back, strlen(back), 0 };
    vars[4] = (ocs_tpl_var_t) { "username", user, strlen(user), 0 };
    vars[5] = (ocs_tpl_var_t) { "error", error, strlen(error), 0 };
    vars[6] = (ocs_tpl_var_t) { "public_checked",
                                computer == OCS_COMPUTER_PUBLIC
                                ? "checked" : "", 0, 1 };
    vars[7] = (ocs_tpl_var_t) { "private_checked",
                                computer == OCS_COMPUTER_PRIVATE
                                ? "checked" : "", 0, 1 };
    vars[6].len = strlen(vars[6].value);
    vars[7].len = strlen(vars[7].value);
    vars[8] = (ocs_tpl_var_t) { "sip", sip, strlen(sip), 0 };

    /* the sign-in address only where a directory can check it */
    ask_sip = ocs_ap_dir(r)->signin.signin_sip;
    if (ask_sip == OCS_AP_UNSET) {
        ask_sip = ocs_ap_ldap_has_sip(r);
    }

    vars[9].name = "sip_field";
    vars[9].raw = OCS_TPL_NESTED;

    if (ask_sip) {
        vars[9].value = ocs_page(OCS_PAGE_PART_SIP, &vars[9].len);

    } else {
        vars[9].value = "";
        vars[9].len = 0;
    }

    /* a name typed already: the password is what is missing */
    vars[10] = (ocs_tpl_var_t) { "username_autofocus", "autofocus", 9,
                                 OCS_TPL_RAW };
    vars[11] = (ocs_tpl_var_t) { "password_autofocus", "", 0, OCS_TPL_RAW };

    if (user[0] != '\0') {
        vars[10].value = "";
        vars[10].len = 0;
        vars[11].value = "autofocus";
        vars[11].len = 9;
    }

    ocs_ap_signin_hint(r, OCS_COMPUTER_PUBLIC, &vars[12], "public_hint");
    ocs_ap_signin_hint(r, OCS_COMPUTER_PRIVATE, &vars[13], "private_hint");
}


/* what choosing a computer class means, with this directory's limits */
static void
ocs_ap_signin_hint(request_rec *r, int computer, ocs_tpl_var_t *var,
    const char *name)
{
    char                  *text;
    ocs_session_class_t    limits;
    ocs_session_policy_t   policy;

    ocs_ap_sso_policy(r, &policy);
    ocs_session_class_limits(&policy, (unsigned) computer, &limits);

    text = apr_palloc(r->pool, 512);

    (void) ocs_page_computer_hint(computer, limits.idle, limits.lifetime,
                                  limits.persistent, text, 512);

    var->name = name;
    var->value = text;
    var->len = strlen(text);
    var->raw = OCS_TPL_TEXT;
}


int
ocs_ap_signin_navigating(request_rec *r)
{
    const char  *mode;

    mode = apr_table_get(r->headers_in, "Sec-Fetch-Mode");

    return mode != NULL && strcasecmp(mode, "navigate") == 0;
}


/*
 * The note's cookie lives on the form's path, which must say the same
 * in a Path attribute and a Location: DECLINED for one that cannot.
 */
static int
ocs_ap_signin_note_path(request_rec *r)
{
    const char  *p;

    if (r->uri == NULL || r->uri[0] != '/') {
        return DECLINED;
    }

    for (p = r->uri; *p != '\0'; p++) {
        if (!apr_isalnum(*p) && *p != '/' && *p != '-' && *p != '_'
            && *p != '.' && *p != '~')
        {
            return DECLINED;
        }
    }

    return OK;
}


int
ocs_ap_signin_note_redirect(request_rec *r, const unsigned char *bind,
    size_t bind_len, const ocs_page_note_t *note, const char *prefix,
    const char *back)
{
    int            rc;
    char          *value, *enc;
    size_t         n;
    ocs_err_t      err;
    ocs_cookie_t   cookie;

    if (ocs_ap_signin_note_path(r) != OK) {
        return DECLINED;
    }

    value = apr_palloc(r->pool, OCS_PAGE_NOTE_MAX);

    if (ocs_page_note_seal(ocs_ap_sso_keyring(r), ocs_ap_sso_cache(r), bind,
                           bind_len, note,
                           (int64_t) apr_time_sec(apr_time_now())
                           + OCS_AP_SIGNIN_NOTE_TTL,
                           value, OCS_PAGE_NOTE_MAX, &err)
        != OCS_OK)
    {
        ap_log_rerror(APLOG_MARK, APLOG_ALERT, 0, r,
                      "ocs auth: page note: %s", err.text);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    memset(&cookie, 0, sizeof(ocs_cookie_t));
    cookie.name = ocs_ap_sso_cookie_name(r, OCS_AP_COOKIE_NOTE);
    cookie.name_len = strlen(cookie.name);
    cookie.value = value;
    cookie.value_len = strlen(value);
    cookie.path = r->uri;
    cookie.path_len = strlen(r->uri);
    cookie.same_site = "Strict";
    cookie.same_site_len = 6;
    cookie.max_age = OCS_AP_SIGNIN_NOTE_TTL;

    rc = ocs_ap_cookie_set(r, &cookie);
    if (rc != OK) {
        return rc;
    }

    enc = apr_palloc(r->pool, 3 * strlen(back) + 1);
    (void) ocs_pct_encode(back, strlen(back), enc, 3 * strlen(back), &n);
    enc[n] = '\0';

    return ocs_ap_redirect(r, HTTP_SEE_OTHER,
                           apr_pstrcat(r->pool, r->uri, "?", prefix, "r=",
                                       enc, NULL));
}


int
ocs_ap_signin_note_take(request_rec *r, const unsigned char *bind,
    size_t bind_len, ocs_page_note_t *note)
{
    int                    rc, seen;
    size_t                 len;
    const char            *name, *value;
    ocs_cookie_t           cookie;
    ocs_ap_cookie_iter_t   it;

    name = ocs_ap_sso_cookie_name(r, OCS_AP_COOKIE_NOTE);
    memset(&it, 0, sizeof(ocs_ap_cookie_iter_t));
    rc = OCS_ERR_NOTFOUND;
    seen = 0;

    /* the first good one of its name: another may shadow it */
    while (ocs_ap_cookie_next(r, name, &it, &value, &len) == OK) {
        seen = 1;
        rc = ocs_page_note_open(ocs_ap_sso_keyring(r), ocs_ap_sso_cache(r),
                                bind, bind_len, value, len,
                                (int64_t) apr_time_sec(apr_time_now()),
                                note);
        if (rc == OCS_OK) {
            break;
        }
    }

    if (!seen) {
        return DECLINED;
    }

    memset(&cookie, 0, sizeof(ocs_cookie_t));
    cookie.name = name;
    cookie.name_len = strlen(name);
    cookie.value = "";
    cookie.path = r->uri;
    cookie.path_len = strlen(r->uri);
    cookie.same_site = "Strict";
    cookie.same_site_len = 6;
    cookie.max_age = 0;

    if (ocs_ap_cookie_set(r, &cookie) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == OCS_ERR_EXPIRED) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "ocs auth: an expired page note ignored");

    } else if (rc != OCS_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: a page note that is not this browser's "
                      "refused (%s)", ocs_strerror(rc));
    }

    return rc == OCS_OK ? OK : DECLINED;
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

    if (ocs_ap_wants_page(r)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "ocs auth: not signed in, sent to the sign-in page");

        url = ocs_ap_signin_location(r);

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
