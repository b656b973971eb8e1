/*
 * The sign-in of mod_auth_ocs: the challenge of a request without a
 * ticket (302 to the sign-in page, 401 for scripts), and the sign-in
 * page (SetHandler ocs-signin): the form, its POST, the user file, the
 * directory and Kerberos, the ticket issued.  From the bottom up:
 * ocs_ap_signin_conf.c (the directives, the return URL, the challenge),
 * ocs_ap_signin_form.c (the form, its CSRF nonce, the note of a failed
 * post), ocs_ap_signin_post.c (the POST), ocs_ap_signin.c (the handler,
 * the configuration made and merged).
 */

#ifndef OCS_AP_SIGNIN_H
#define OCS_AP_SIGNIN_H

#include <httpd.h>
#include <http_config.h>
#include <apr_tables.h>

#include "ocs_ap_sso.h"

#include <ocs/ocs_pages.h>


typedef struct {
    const char          *signin_url;     /* NULL: unset (/ocs/signin) */
    const char          *user_file;      /* NULL: unset; "": off */
    const char          *template;       /* the page's text; NULL: unset;
                                            "": the built-in one */
    int                  signin_sip;     /* OCS_AP_UNSET: with a directory */
    apr_array_header_t  *return_hosts;   /* of char *; NULL: unset; empty:
                                            off */
    const char          *default_return; /* NULL: unset (/) */
    int                  krb5_password;  /* OCS_AP_UNSET: off */
    int64_t              krb5_timeout;   /* ms; OCS_AP_UNSET: 5000 */
} ocs_ap_signin_dir_t;


#define OCS_AP_SIGNIN_URL_DEFAULT  "/ocs/signin"

/* this part's directives, in the module's command table */
#define OCS_AP_SIGNIN_CMDS                                                   \
    AP_INIT_TAKE1("OCSSignInURL", ocs_ap_signin_signin_url, NULL,            \
                  RSRC_CONF | ACCESS_CONF,                                   \
                  "where requests without a ticket are sent to sign in"),    \
    AP_INIT_TAKE1("OCSUserFile", ocs_ap_signin_user_file, NULL,              \
                  RSRC_CONF | ACCESS_CONF,                                   \
                  "the user file the sign-in page checks passwords in "      \
                  "| off"),                                                  \
    AP_INIT_TAKE1("OCSSignInTemplate", ocs_ap_signin_template, NULL,         \
                  RSRC_CONF | ACCESS_CONF,                                   \
                  "a file with the sign-in page of the site's own | off"),   \
    AP_INIT_FLAG("OCSSignInSIP", ocs_ap_signin_sip, NULL,                    \
                 RSRC_CONF | ACCESS_CONF,                                    \
                 "whether the sign-in page asks for the sign-in address"),   \
    AP_INIT_ITERATE("OCSReturnHosts", ocs_ap_signin_return_hosts, NULL,      \
                    RSRC_CONF | ACCESS_CONF,                                 \
                    "the other hosts a sign-in may return to | off"),        \
    AP_INIT_TAKE1("OCSDefaultReturn", ocs_ap_signin_default_return, NULL,    \
                  RSRC_CONF | ACCESS_CONF,                                   \
                  "where a sign-in without a usable return URL goes"),       \
    AP_INIT_FLAG("OCSKerberosPassword", ocs_ap_signin_krb5_password, NULL,   \
                 RSRC_CONF | ACCESS_CONF,                                    \
                 "whether the sign-in page checks passwords with the KDC"),  \
    AP_INIT_TAKE1("OCSKerberosTimeout", ocs_ap_signin_krb5_timeout, NULL,    \
                  RSRC_CONF | ACCESS_CONF,                                   \
                  "how long each KDC is waited for (default 5s)"),

const char *ocs_ap_signin_signin_url(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_signin_user_file(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_signin_template(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_signin_sip(cmd_parms *cmd, void *mconfig, int on);
const char *ocs_ap_signin_return_hosts(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_signin_default_return(cmd_parms *cmd, void *mconfig,
    const char *arg);
const char *ocs_ap_signin_krb5_password(cmd_parms *cmd, void *mconfig,
    int on);
const char *ocs_ap_signin_krb5_timeout(cmd_parms *cmd, void *mconfig,
    const char *arg);

const char *ocs_ap_signin_user_file_cmd(cmd_parms *cmd, void *mconfig,
    const char *arg);

/* the directory's sign-in URL */
const char *ocs_ap_signin_url(request_rec *r);

/*
 * The directory's Kerberos settings, defaults applied: the keytab (NULL
 * for none), the service principal (NULL for any in the keytab), the
 * time each KDC is waited for in ms.  Shared with Negotiate.
 */
const char *ocs_ap_signin_keytab(request_rec *r);
const char *ocs_ap_signin_principal(request_rec *r);
int ocs_ap_signin_krb5_timeout_ms(request_rec *r);


void ocs_ap_signin_dir_init(apr_pool_t *p, ocs_ap_signin_dir_t *conf);
void ocs_ap_signin_dir_merge(apr_pool_t *p, ocs_ap_signin_dir_t *conf,
    const ocs_ap_signin_dir_t *base, const ocs_ap_signin_dir_t *add);
void ocs_ap_signin_register_hooks(apr_pool_t *p);

/*
 * A request of a protected directory without a valid ticket: the
 * 302 to the sign-in page for a page request, the 401 for the rest.
 * Returns DONE (sent) or 500.
 */
int ocs_ap_signin_challenge(request_rec *r);


/*
 * The checked return URL of a sign-in from arg (len bytes, decoded; NULL
 * for none), or the directory's default return when it is missing or
 * could lead off-site.
 */
const char *ocs_ap_signin_return(request_rec *r, const char *arg,
    size_t len);

/* a browser navigating, as Fetch Metadata says: it may follow a 303 */
int ocs_ap_signin_navigating(request_rec *r);

/*
 * Sends the browser back to the form of this path with a 303 and note in
 * a cookie bound to bind (what only this browser holds); the query is
 * prefix ("" or "step=2&...&") and the return URL back.  DECLINED when
 * the path cannot carry a note; else what ocs_ap_redirect() returns.
 */
int ocs_ap_signin_note_redirect(request_rec *r, const unsigned char *bind,
    size_t bind_len, const ocs_page_note_t *note, const char *prefix,
    const char *back);

/*
 * The note a browser brought back to the form, bound to bind; its
 * cookie is cleared whatever it holds.  OK with note filled, DECLINED
 * (none, or none of ours), or 500.
 */
int ocs_ap_signin_note_take(request_rec *r, const unsigned char *bind,
    size_t bind_len, ocs_page_note_t *note);


/*
 * The first step's form with message, as the answer to a post of
 * another form of the sign-in page (signing out from the second step):
 * a 303 to the form with a note under a new nonce.  DONE or 500.
 */
int ocs_ap_signin_note(request_rec *r, const char *back,
    const char *message);


/* ocs_ap_signin_form.c, for the POST: the sign-in nonce */
#define OCS_AP_SIGNIN_NONCE_LEN  16

typedef struct {
    const char          *name;
    unsigned char        nonce[OCS_AP_SIGNIN_NONCE_LEN];
    int                  fresh;          /* the nonce needs a cookie */
} ocs_ap_signin_csrf_t;

/*
 * The nonce from its cookie (create 0: DECLINED when there is none),
 * or a new one (create 1: when the browser has none; 2: always).
 * OK, DECLINED or 500.
 */
int ocs_ap_signin_csrf(request_rec *r, ocs_ap_signin_csrf_t *csrf,
    int create);

/*
 * The sign-in form with error and what was typed (user, sip may be
 * NULL); a browser that posted it gets a 303 and a note instead.  retry
 * is a Retry-After in seconds, 0 for none.  Returns DONE or 500.
 */
int ocs_ap_signin_form(request_rec *r, int status, const char *back,
    const char *user, const char *sip, int computer, const char *error,
    int64_t retry);

/* ocs_ap_signin_post.c: the first step's POST, its body read (wiped) */
int ocs_ap_signin_post(request_rec *r, char *body, size_t len,
    const char *back);

/* the directory's user file (OCSUserFile), or NULL for none */
const char *ocs_ap_signin_user_file_path(request_rec *r);

#endif /* OCS_AP_SIGNIN_H */
