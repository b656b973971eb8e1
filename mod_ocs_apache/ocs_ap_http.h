/*
 * HTTP plumbing shared by every part of mod_auth_ocs: the HTTPS policy
 * (OCSHTTPSPort, OCSHSTS), the pages' look (OCSSiteName, OCSSiteLogo,
 * OCSPageTemplate), the core's environment, reading request headers
 * through ocs_hdr_t, cookies in and out, sending the proxy's own pages,
 * redirects and messages, and reading a small form body.
 */

#ifndef OCS_AP_HTTP_H
#define OCS_AP_HTTP_H

#include <httpd.h>
#include <http_config.h>
#include <apr_tables.h>

#include <ocs/ocs.h>
#include <ocs/ocs_codec.h>
#include <ocs/ocs_cookie.h>
#include <ocs/ocs_web.h>


typedef struct {
    int                  https_port;     /* OCS_AP_UNSET: 443 */
    const char          *hsts;           /* the header's value; "": off;
                                            NULL: unset */
    const char          *site_name;      /* NULL: unset, "": none */
    const char          *site_logo;
    const char          *layout;         /* OCSPageTemplate's text */
} ocs_ap_http_dir_t;


#define OCS_AP_HTTP_CMDS                                                     \
    AP_INIT_TAKE1("OCSHTTPSPort", ocs_ap_http_https_port, NULL, ACCESS_CONF \
                  | RSRC_CONF, "the port of https redirects (default 443)"),\
    AP_INIT_TAKE12("OCSHSTS", ocs_ap_http_hsts, NULL, ACCESS_CONF           \
                   | RSRC_CONF, "max-age [includeSubDomains] | off"),       \
    AP_INIT_TAKE1("OCSSiteName", ocs_ap_http_site_name, NULL, ACCESS_CONF   \
                  | RSRC_CONF, "the site's name on the built-in pages"),    \
    AP_INIT_TAKE1("OCSSiteLogo", ocs_ap_http_site_logo, NULL, ACCESS_CONF   \
                  | RSRC_CONF, "the URL of the site's logo | off"),         \
    AP_INIT_TAKE1("OCSPageTemplate", ocs_ap_http_page_template, NULL,        \
                  ACCESS_CONF | RSRC_CONF,                                   \
                  "a file with the layout of the built-in pages | off"),


const char *ocs_ap_http_https_port(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_http_hsts(cmd_parms *cmd, void *mconfig, const char *age,
    const char *sub);
const char *ocs_ap_http_site_name(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_http_site_logo(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_http_page_template(cmd_parms *cmd, void *mconfig,
    const char *arg);

void ocs_ap_http_dir_init(apr_pool_t *p, ocs_ap_http_dir_t *conf);
void ocs_ap_http_dir_merge(apr_pool_t *p, ocs_ap_http_dir_t *conf,
    const ocs_ap_http_dir_t *base, const ocs_ap_http_dir_t *add);
void ocs_ap_http_register_hooks(apr_pool_t *p);


/* the core's clock and random bytes */
const ocs_env_t *ocs_ap_env(void);

/* whether r came over TLS (mod_ssl) */
int ocs_ap_is_https(request_rec *r);

/*
 * The HTTPS policy for a request in a protected directory or one of the
 * module's pages: DECLINED over TLS; otherwise the redirect (GET and
 * HEAD with a host) or the 403, sent, and DONE.  The body of a refused
 * request is never read.
 */
int ocs_ap_refuse_plain(request_rec *r);

/* the request headers of r as the core reads them */
void ocs_ap_hdr(request_rec *r, ocs_hdr_t *hdr);

/* whether the request is a GET or HEAD that wants a page */
int ocs_ap_wants_page(request_rec *r);

/*
 * The values of the cookie name in r's Cookie headers, in order: *pos
 * starts at 0 (a cursor over every Cookie header).  Returns OK with
 * *value and *len set (in the headers' memory), or DECLINED when there
 * are no more.
 */
typedef struct {
    int                  header;         /* the Cookie header at */
    size_t               pos;            /* the place in it */
} ocs_ap_cookie_iter_t;

int ocs_ap_cookie_next(request_rec *r, const char *name,
    ocs_ap_cookie_iter_t *it, const char **value, size_t *len);

/*
 * Removes the cookies names from every Cookie header of r (a header
 * left empty goes); returns how many went.
 */
size_t ocs_ap_cookie_strip(request_rec *r, const ocs_cookie_name_t *names,
    size_t n);

/* adds a Set-Cookie made from cookie (to err_headers_out): OK or 500 */
int ocs_ap_cookie_set(request_rec *r, const ocs_cookie_t *cookie);

/* adds a Set-Cookie that expires the cookie name (Path=/) */
int ocs_ap_cookie_clear(request_rec *r, const char *name,
    const char *domain, const char *same_site);

/*
 * Sends a response of the proxy's own with the security headers of
 * ocs_web.h: status, type, body (may be NULL for none).  Returns DONE,
 * which a hook or a handler returns as is.
 */
int ocs_ap_send(request_rec *r, int status, const char *type,
    const char *body, size_t len);

int ocs_ap_send_text(request_rec *r, int status, const char *text);

/*
 * Sends a built-in page in the directory's layout (own: a whole page of
 * the site's instead), with the site's variables after vars.
 */
int ocs_ap_send_page(request_rec *r, int status, int page, const char *own,
    ocs_tpl_var_t *vars, size_t nvars);

/* sends the message id of ocs_pages.h, text replacing its sentence */
int ocs_ap_send_msg(request_rec *r, int status, int id, const char *text);

/* sends a redirect to location (as given) with a short body */
int ocs_ap_redirect(request_rec *r, int status, const char *location);

/*
 * Reads a form body of at most max bytes into *body (NUL-terminated,
 * in r->pool; empty for no body).  Returns OK, or a status that was
 * not sent (413 too large, 415 not a form, 400 unreadable).  The caller
 * wipes the body when it is done with it.  A body is read once per
 * request: a later call returns the same one (as the first caller left
 * it), so that a handler may look at a form and leave it to the next
 * (the second step's, then the sign-in's).
 */
int ocs_ap_read_form(request_rec *r, size_t max, char **body, size_t *len);

/*
 * A decoded form field, NUL-terminated, in r->pool: OK, DECLINED when
 * the form has none, HTTP_BAD_REQUEST when it is too long or badly
 * encoded.
 */
int ocs_ap_form_field(request_rec *r, const char *body, size_t len,
    const char *name, size_t max, char **value, size_t *value_len);

/* reads a whole configuration file (secret: refused when world-readable) */
const char *ocs_ap_read_conf_file(cmd_parms *cmd, const char *name,
    size_t max, int secret, char **text, size_t *len);

/* a line of the core's sign-in outcome (ocs_login.h), at the level the
   core chose (OCS_LOGIN_LOG_*); "" or OCS_LOGIN_LOG_NONE: nothing */
void ocs_ap_log_login(request_rec *r, int level, const char *text);

#endif /* OCS_AP_HTTP_H */
