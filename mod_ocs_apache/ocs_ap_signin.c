/*
 * The sign-in page of mod_auth_ocs (SetHandler ocs-signin), the
 * counterpart of ngx_http_ocs_auth_page.c: which of its answers a
 * request is for.  GET shows the form (ocs_ap_signin_form.c) with the
 * note a failed post left; POST reads the form body and hands it to
 * ocs_ap_signin_post.c.  And the part's configuration as the module
 * makes and merges it (the directives are ocs_ap_signin_conf.c's).
 */

#include "mod_auth_ocs.h"

#include <ocs/ocs_signin.h>


/* log lines carry the module: [auth_ocs:level], LogLevel auth_ocs:... */



#define OCS_AP_SIGNIN_BODY_MAX   8192


static int ocs_ap_signin_handler(request_rec *r);
static int ocs_ap_signin_get(request_rec *r);
static int ocs_ap_signin_again(request_rec *r, const char *back);
static int ocs_ap_signin_read(request_rec *r);


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
    OCS_AP_MERGE_INT(krb5_timeout);

#undef OCS_AP_MERGE_PTR
#undef OCS_AP_MERGE_INT
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
