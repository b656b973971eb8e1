/*
 * The join page of mod_auth_ocs (SetHandler ocs-join), where a browser
 * trades a conference's id and key for a participant's ticket, as
 * nginx's ocs_auth_conference_join (ngx_http_ocs_auth_join.c).  GET
 * shows the form (the id filled in from ?c=); a same-site post of the
 * id and the key with the form's CSRF token is checked against the
 * conference's join hash, counted by the lockout, and answered 303: to
 * the conference's first path with a participant's ticket, or back to
 * the form.  Apache's request threads may block, so the hash is checked
 * right here, where nginx posts it to a thread pool.
 */

#include "mod_auth_ocs.h"

#include <ocs/ocs_codec.h>
#include <ocs/ocs_csrf.h>
#include <ocs/ocs_pages.h>
#include <ocs/ocs_password.h>


#define OCS_AP_JOIN_BODY_MAX   4096
#define OCS_AP_JOIN_NONCE_LEN  16
#define OCS_AP_JOIN_KEY_MAX    256


static int ocs_ap_join_form(request_rec *r, const char *id, size_t id_len,
    const char *message);
static int ocs_ap_join_post(request_rec *r);
static int ocs_ap_join_check(request_rec *r, const char *id, size_t id_len,
    char *key, size_t key_len);
static int ocs_ap_join_issue(request_rec *r, const ocs_conference_t *c);
static int ocs_ap_join_again(request_rec *r, const ocs_conference_t *c);
static int ocs_ap_join_nonce(request_rec *r, unsigned char *nonce,
    int create);
static int ocs_ap_join_cross_site(request_rec *r);


/* the part's hooks: the join page is its only handler */
void
ocs_ap_conference_register_hooks(apr_pool_t *p)
{
    (void) p;

    /* the page is ours whatever else covers it: before mod_proxy */
    ap_hook_handler(ocs_ap_conference_join_handler, NULL,
                    ocs_ap_before_proxy, APR_HOOK_FIRST);
}


int
ocs_ap_conference_join_handler(request_rec *r)
{
    int          rc, failed;
    size_t       len, elen;
    const char  *id, *e;

    if (r->handler == NULL
        || strcmp(r->handler, OCS_AP_HANDLER_JOIN) != 0)
    {
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

        if (r->args == NULL
            || ocs_web_arg(r->args, strlen(r->args), "c", 1, &id, &len)
               != OCS_OK
            || len > OCS_CONF_ID_MAX)
        {
            id = "";
            len = 0;
        }

        failed = (r->args != NULL
                  && ocs_web_arg(r->args, strlen(r->args), "e", 1, &e,
                                 &elen) == OCS_OK);

        return ocs_ap_join_form(r, id, len,
                                failed ? ocs_msg(OCS_MSG_JOIN_FAILED)->text
                                       : "");
    }

    if (r->method_number != M_POST) {
        r->allowed = (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_POST);
        return HTTP_METHOD_NOT_ALLOWED;
    }

    return ocs_ap_join_post(r);
}


static int
ocs_ap_join_form(request_rec *r, const char *id, size_t id_len,
    const char *message)
{
    unsigned char     nonce[OCS_AP_JOIN_NONCE_LEN];
    char              token[OCS_CSRF_TOKEN_LEN + 1];
    ocs_err_t         err;
    ocs_tpl_var_t     vars[4];
    const ocs_msg_t  *msg;

    if (ocs_ap_join_nonce(r, nonce, 1) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ocs_csrf_token(ocs_ap_sso_keyring(r), ocs_ap_sso_cache(r),
                       OCS_CSRF_CONFERENCE_JOIN, nonce, sizeof(nonce), token,
                       sizeof(token), &err)
        != OCS_OK)
    {
        ap_log_rerror(APLOG_MARK, APLOG_ALERT, 0, r,
                      "ocs auth: csrf token: %s", err.text);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    msg = ocs_msg(OCS_MSG_JOIN);

    vars[0] = (ocs_tpl_var_t) { "title", msg->title, msg->title_len,
                                OCS_TPL_TEXT };
    vars[1] = (ocs_tpl_var_t) { "csrf", token, OCS_CSRF_TOKEN_LEN,
                                OCS_TPL_TEXT };
    vars[2] = (ocs_tpl_var_t) { "id", id, id_len, OCS_TPL_TEXT };
    vars[3] = (ocs_tpl_var_t) { "message", message, strlen(message),
                                OCS_TPL_TEXT };

    return ocs_ap_send_page(r, *message ? HTTP_UNAUTHORIZED : HTTP_OK,
                            OCS_PAGE_JOIN, NULL, vars, 4);
}


static int
ocs_ap_join_post(request_rec *r)
{
    int            rc;
    char          *body, *token, *id, *key;
    size_t         len, token_len, id_len, key_len;
    unsigned char  nonce[OCS_AP_JOIN_NONCE_LEN];

    if (ocs_ap_join_cross_site(r)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: join form posted from another site "
                      "refused");
        return ocs_ap_send_msg(r, HTTP_FORBIDDEN, OCS_MSG_JOIN_CROSS_SITE,
                               NULL);
    }

    rc = ocs_ap_read_form(r, OCS_AP_JOIN_BODY_MAX, &body, &len);
    if (rc != OK) {
        return rc;
    }

    if (ocs_ap_form_field(r, body, len, "csrf", OCS_CSRF_TOKEN_LEN + 1,
                          &token, &token_len)
        != OK
        || ocs_ap_join_nonce(r, nonce, 0) != OK
        || ocs_csrf_verify(ocs_ap_sso_keyring(r), ocs_ap_sso_cache(r),
                           OCS_CSRF_CONFERENCE_JOIN, nonce, sizeof(nonce),
                           token, token_len)
           != OCS_OK)
    {
        ocs_wipe(body, len);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: join without a valid csrf token refused");
        return ocs_ap_send_msg(r, HTTP_FORBIDDEN, OCS_MSG_JOIN_EXPIRED,
                               NULL);
    }

    if (ocs_ap_form_field(r, body, len, "c", OCS_CONF_ID_MAX, &id, &id_len)
        != OK
        || id_len == 0
        || ocs_ap_form_field(r, body, len, "key", OCS_AP_JOIN_KEY_MAX, &key,
                             &key_len)
           != OK
        || key_len == 0)
    {
        ocs_wipe(body, len);
        return ocs_ap_join_again(r, NULL);
    }

    ocs_wipe(body, len);

    rc = ocs_ap_join_check(r, id, id_len, key, key_len);

    ocs_wipe(key, key_len);

    return rc;
}


/* the key against the conference's join hash, counted by the lockout */
static int
ocs_ap_join_check(request_rec *r, const char *id, size_t id_len, char *key,
    size_t key_len)
{
    int                      rc;
    void                    *work;
    size_t                   i, n;
    int64_t                  left;
    const char              *why, *hash, *realm;
    const ocs_conference_t  *confs, *c;

    (void) key_len;

    why = NULL;
    left = ocs_ap_conference_guard_locked(r, id, id_len, &why);

    if (left > 0) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "ocs auth: joining conference \"%s\" from %s locked "
                      "for %" APR_INT64_T_FMT " s more (%s)", id,
                      r->useragent_ip, (apr_int64_t) left, why);
        return ocs_ap_conference_locked(r, left);
    }

    confs = ocs_ap_conference_list(r, &n, &realm);
    c = ocs_conference_find(confs, n, id, id_len);
    hash = NULL;

    if (c != NULL && c->join[0] != '\0') {
        hash = c->join;

    } else {
        /* as long as a right one takes: another conference's hash */
        c = NULL;

        for (i = 0; i < n; i++) {
            if (confs[i].join[0] != '\0') {
                hash = confs[i].join;
                break;
            }
        }
    }

    work = apr_palloc(r->pool, ocs_password_work_size());

    rc = (hash != NULL) ? ocs_password_verify(key, hash, work)
                        : OCS_ERR_AUTH;

    if (rc == OCS_OK && c != NULL) {
        ocs_ap_conference_guard_succeeded(r, id, id_len);
        return ocs_ap_join_issue(r, c);
    }

    ocs_ap_conference_guard_failed(r, id, id_len);

    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  "ocs auth: joining conference \"%s\" from %s: %s", id,
                  r->useragent_ip, c ? "wrong key" : "no such conference");

    return ocs_ap_join_again(r, c);
}


/* the participant's ticket, and on to the conference's first path */
static int
ocs_ap_join_issue(request_rec *r, const ocs_conference_t *c)
{
    size_t         n;
    ocs_ticket_t  *t;

    t = apr_pcalloc(r->pool, sizeof(ocs_ticket_t));

    t->user_len = ocs_conference_user(c, t->user);
    t->methods = OCS_METHOD_ANONYMOUS;
    t->computer = OCS_COMPUTER_PUBLIC;
    memcpy(t->conference, c->id, c->id_len);
    t->conference_len = c->id_len;

    if (ocs_ap_sso_issue(r, t) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                  "ocs auth: participant joined conference \"%s\" from %s",
                  c->id, r->useragent_ip);

    for (n = 0; n < c->paths_len && c->paths[n] != ','; n++) {
        /* void */
    }

    return ocs_ap_redirect(r, HTTP_SEE_OTHER,
                           apr_pstrmemdup(r->pool, c->paths, n));
}


/* back to the form, the id kept when it names a conference */
static int
ocs_ap_join_again(request_rec *r, const ocs_conference_t *c)
{
    return ocs_ap_redirect(r, HTTP_SEE_OTHER,
                           apr_pstrcat(r->pool, r->uri, "?e=1",
                                       c ? "&c=" : "", c ? c->id : "",
                                       NULL));
}


/*
 * The form's nonce: the sign-in page's cookie when the browser has a
 * good one, else (create) a new one set with the page.
 */
static int
ocs_ap_join_nonce(request_rec *r, unsigned char *nonce, int create)
{
    size_t                 n, len;
    char                  *value;
    const char            *v;
    ocs_cookie_t           c;
    const ocs_env_t       *env;
    ocs_ap_cookie_iter_t   it;

    memset(&it, 0, sizeof(it));
    memset(&c, 0, sizeof(c));
    c.name = ocs_ap_sso_cookie_name(r, OCS_AP_COOKIE_CSRF);
    c.name_len = strlen(c.name);

    if (ocs_ap_cookie_next(r, c.name, &it, &v, &len) == OK
        && ocs_b64url_decode(v, len, nonce, OCS_AP_JOIN_NONCE_LEN, &n)
           == OCS_OK
        && n == OCS_AP_JOIN_NONCE_LEN)
    {
        return OK;
    }

    if (!create) {
        return DECLINED;
    }

    env = ocs_ap_env();

    if (env->random(env->data, nonce, OCS_AP_JOIN_NONCE_LEN) != OCS_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_CRIT, 0, r,
                      "ocs auth: no random bytes for a csrf nonce");
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    len = ocs_b64url_len(OCS_AP_JOIN_NONCE_LEN);
    value = apr_palloc(r->pool, len + 1);

    (void) ocs_b64url_encode(nonce, OCS_AP_JOIN_NONCE_LEN, value, len + 1,
                             &n);

    c.value = value;
    c.value_len = n;
    c.path = "/";
    c.path_len = 1;
    c.same_site = "Strict";
    c.same_site_len = 6;
    c.max_age = -1;

    return ocs_ap_cookie_set(r, &c);
}


/* ocs_web_cross_site(): an Origin not this host, or Sec-Fetch-Site */
static int
ocs_ap_join_cross_site(request_rec *r)
{
    ocs_hdr_t    hdr;
    const char  *host;

    ocs_ap_hdr(r, &hdr);

    host = apr_table_get(r->headers_in, "Host");
    if (host == NULL) {
        host = r->hostname ? r->hostname : "";
    }

    return ocs_web_cross_site(&hdr, host, strlen(host));
}
