/*
 * Glue shared by the ocs nginx modules: the core's environment
 * (ngx_http_ocs_env.c), request headers, where a request comes from,
 * pages and forms (ngx_http_ocs_http.c), cookies (ngx_http_ocs_cookie.c),
 * the thread-pool runner (ngx_http_ocs_thread.c), configuration
 * helpers (ngx_http_ocs_conf.c) and shared-memory zones as the core's
 * store (ngx_http_ocs_store.c).
 */

#ifndef NGX_HTTP_OCS_H
#define NGX_HTTP_OCS_H


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ocs/ocs.h>
#include <ocs/ocs_codec.h>
#include <ocs/ocs_cookie.h>
#include <ocs/ocs_web.h>
#include <ocs/ocs_ticket.h>
#include <ocs/ocs_signin.h>
#include <ocs/ocs_pages.h>
#include <ocs/ocs_directory.h>
#include <ocs/ocs_store.h>
#include <ocs/ocs_journal.h>


#if !(NGX_THREADS)
#error the ocs modules need nginx configured --with-threads
#endif


/*
 * Work for a thread pool: handler runs in a pool thread with data and
 * must not touch nginx pools, logs or the request; resume runs on the
 * event loop afterwards, from the request's write event handler.
 */
typedef void (*ngx_http_ocs_thread_pt)(void *data);
typedef void (*ngx_http_ocs_resume_pt)(ngx_http_request_t *r, void *data);


/* where ngx_http_ocs_list_next() goes on; zeroed to start */
typedef struct {
    ngx_list_part_t        *part;
    ngx_uint_t              i;
} ngx_http_ocs_list_iter_t;


typedef struct {
    ngx_str_t               name;
    ngx_str_t               value;
    ngx_str_t               domain;
    ngx_str_t               path;
    ngx_str_t               same_site;     /* "Lax" or "Strict" */
    time_t                  max_age;       /* -1: session cookie */
} ngx_http_ocs_cookie_t;


/* where ngx_http_ocs_cookie_next() goes on; zeroed to start */
typedef struct {
    ngx_uint_t              header;
    size_t                  pos;
} ngx_http_ocs_cookie_iter_t;


/* ngx_http_ocs_module's location configuration: what every page and
   module shares (the pages read it; only ngx_http_ocs_module.c writes it) */
typedef struct {
    ngx_str_t               site_name;     /* "" for none */
    ngx_str_t               site_logo;     /* "" for none */
    ngx_str_t               layout;        /* "" for the built-in one */

    ngx_str_t               signin_url;
    ngx_uint_t              https_port;
    ngx_str_t               hsts;          /* header value, "" for off */
    ngx_str_t               thread_pool_name;
    ngx_thread_pool_t      *thread_pool;   /* where a module needs one */
    ngx_uint_t              page;          /* a sign-in, logoff, ... page */
    ngx_uint_t              protect;       /* ocs_auth protects it */
} ngx_http_ocs_loc_conf_t;


extern ngx_module_t  ngx_http_ocs_module;
extern ngx_module_t  ngx_http_ocs_sso_module;
extern ngx_module_t  ngx_http_ocs_auth_module;
extern ngx_module_t  ngx_http_ocs_logoff_module;


/* the core's view of the environment: ngx_time() and RAND_bytes() */
const ocs_env_t *ngx_http_ocs_env(void);

ngx_table_elt_t *ngx_http_ocs_list_next(ngx_list_t *list,
    ngx_http_ocs_list_iter_t *it);
ngx_table_elt_t *ngx_http_ocs_header_in(ngx_http_request_t *r,
    const char *name, size_t len);
ngx_uint_t ngx_http_ocs_header_in_remove(ngx_http_request_t *r,
    ngx_str_t *name);
ngx_int_t ngx_http_ocs_header_in_any(ngx_http_request_t *r,
    ngx_str_t *names, ngx_uint_t n);
ngx_int_t ngx_http_ocs_header_in_delete(ngx_http_request_t *r,
    ngx_table_elt_t *elt);
ngx_int_t ngx_http_ocs_header_in_add(ngx_http_request_t *r, ngx_str_t *name,
    ngx_str_t *value);
ngx_int_t ngx_http_ocs_header_out_add(ngx_http_request_t *r,
    const char *name, ngx_str_t *value);

/* the core's header accessor (ocs_web.h) over r->headers_in */
void ngx_http_ocs_hdr_init(ngx_http_request_t *r, ocs_hdr_t *hdr);

/*
 * The client's cookies, as it sent them even after the modules took
 * theirs out of the request: the first called name (exactly: names are
 * case-sensitive), or each in turn.  NGX_OK with value set,
 * NGX_DECLINED when there is none (more), NGX_ERROR.
 */
ngx_int_t ngx_http_ocs_cookie_get(ngx_http_request_t *r, ngx_str_t *name,
    ngx_str_t *value);
ngx_int_t ngx_http_ocs_cookie_next(ngx_http_request_t *r, ngx_str_t *name,
    ngx_http_ocs_cookie_iter_t *it, ngx_str_t *value);

/* the modules' cookies out of, or back into, the request's Cookie headers */
ngx_int_t ngx_http_ocs_cookie_strip(ngx_http_request_t *r,
    ocs_cookie_name_t *names, ngx_uint_t n);
ngx_int_t ngx_http_ocs_cookie_restore(ngx_http_request_t *r,
    ocs_cookie_name_t *names, ngx_uint_t n);

ngx_int_t ngx_http_ocs_cookie_set(ngx_http_request_t *r,
    ngx_http_ocs_cookie_t *cookie);
ngx_int_t ngx_http_ocs_cookie_clear(ngx_http_request_t *r, ngx_str_t *name,
    ngx_str_t *domain, const char *same_site);
ngx_int_t ngx_http_ocs_cookie_format(ngx_http_request_t *r,
    ngx_http_ocs_cookie_t *cookie, ngx_str_t *value);

ngx_int_t ngx_http_ocs_is_https(ngx_http_request_t *r);
ngx_int_t ngx_http_ocs_cross_site(ngx_http_request_t *r);
ngx_int_t ngx_http_ocs_same_site(ngx_http_request_t *r, ngx_uint_t siblings);
ngx_int_t ngx_http_ocs_refuse_plain(ngx_http_request_t *r,
    ngx_uint_t https_port);

ngx_int_t ngx_http_ocs_send(ngx_http_request_t *r, ngx_uint_t status,
    const char *type, u_char *body, size_t len);
ngx_int_t ngx_http_ocs_send_text(ngx_http_request_t *r, ngx_uint_t status,
    const char *text);
ngx_int_t ngx_http_ocs_send_message(ngx_http_request_t *r,
    ngx_uint_t status, const char *title, const char *message);

/*
 * Sends the core's message id (OCS_MSG_*): a plain one as a text/plain
 * body, any other as a message page; ngx_http_ocs_send_msg_text() with
 * the id's title and text instead of its own, when text is not empty.
 */
ngx_int_t ngx_http_ocs_send_msg(ngx_http_request_t *r, ngx_uint_t status,
    ngx_uint_t id);
ngx_int_t ngx_http_ocs_send_msg_text(ngx_http_request_t *r,
    ngx_uint_t status, ngx_uint_t id, const char *text);
u_char *ngx_http_ocs_render(ngx_http_request_t *r, ngx_str_t *tpl,
    ocs_tpl_var_t *vars, size_t nvars, size_t *len);

/*
 * Sends a built-in page (OCS_PAGE_*) in the location's layout with the
 * site's name and logo (ocs_site_name, ocs_site_logo, ocs_page_template),
 * or, when own is set and not empty, that whole page of the site's own.
 * Returns what ngx_http_ocs_send() returns, or a status on failure.
 */
ngx_int_t ngx_http_ocs_send_page(ngx_http_request_t *r, ngx_uint_t status,
    ngx_uint_t page, ngx_str_t *own, ocs_tpl_var_t *vars, size_t nvars);
ngx_int_t ngx_http_ocs_redirect(ngx_http_request_t *r, ngx_uint_t status,
    u_char *location, size_t len);

ngx_int_t ngx_http_ocs_read_form(ngx_http_request_t *r, size_t max,
    ngx_http_client_body_handler_pt handler);
/* a decoded form field, NUL-terminated, in the request pool: NGX_OK,
   NGX_DECLINED when absent, NGX_ABORT when too long or badly encoded */
ngx_int_t ngx_http_ocs_form_field(ngx_http_request_t *r, ngx_str_t *body,
    const char *name, size_t max, ngx_str_t *value);
ngx_int_t ngx_http_ocs_form_body(ngx_http_request_t *r, size_t max,
    ngx_str_t *body);

ngx_int_t ngx_http_ocs_thread_run(ngx_http_request_t *r,
    ngx_thread_pool_t *pool, ngx_http_ocs_thread_pt handler,
    ngx_http_ocs_resume_pt resume, void *data);

char *ngx_http_ocs_conf_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_str_t *name, size_t *size);
ngx_shm_zone_t *ngx_http_ocs_zone_add(ngx_conf_t *cf, ngx_str_t *name,
    size_t size, void *tag, const char *directive,
    ngx_shm_zone_init_pt init, void *data);


/*
 * A shared-memory zone as the core's store (ngx_http_ocs_store.c):
 * entries in the zone's slab pool under the zone's mutex, kept across
 * reloads, and state_size bytes of the owner's own (state) beside them.
 * keep 0: a full zone drops the least recently written entries, expired
 * or not; keep 1: it drops only expired ones, and put() fails with
 * OCS_ERR_SPACE (ocs/ocs_store.h, "Full" and "Keeping").
 *
 * The owner embeds one in the data of its shm_zone.
 * ngx_http_ocs_store_conf(), at configuration time, sets the store up
 * (directive names the zone's kind in slab pool messages).
 * ngx_http_ocs_store_init(), from the zone's init with old the same
 * store of the data init was given (NULL when none), attaches it to the
 * zone: on a reload to old's entries and state, else to what the zone
 * holds, setting *fresh when that is new: its entries are none then,
 * and the owner sets up its state.  NGX_OK, or NGX_ERROR when the zone
 * has no room for even that.  zs->store is the store afterwards.
 */
typedef struct ngx_http_ocs_store_sh_s  ngx_http_ocs_store_sh_t;

typedef struct {
    ngx_http_ocs_store_sh_t       *sh;
    ngx_slab_pool_t               *shpool;
    void                          *state;      /* state_size bytes */
    size_t                         state_size;
    const char                    *directive;
    ocs_store_t                    store;      /* data: this, or the
                                                  journal's */
    ngx_str_t                      file;       /* state=: the journal */
    ocs_journal_t                 *journal;
    ocs_journal_apply_pt           apply;      /* the journal's apply */
    void                          *apply_data;
    ngx_cycle_t                   *cycle;
    ngx_shm_zone_t                *shm_zone;
    ngx_thread_pool_t             *pool;       /* where the journal is */
    ngx_thread_task_t             *task;       /* written again */
} ngx_http_ocs_store_t;

void ngx_http_ocs_store_conf(ngx_http_ocs_store_t *zs, const char *directive,
    size_t state_size, ngx_uint_t keep);

/*
 * The zone directive's "state=file" (its third argument, when there is
 * one): the journal (ocs/ocs_journal.h) that keeps the zone's entries
 * across restarts and binary upgrades.  The data of the directive's
 * shm_zone must begin with its ngx_http_ocs_store_t.
 */
char *ngx_http_ocs_store_conf_file(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_shm_zone_t *shm_zone);
ngx_int_t ngx_http_ocs_store_init(ngx_http_ocs_store_t *zs,
    ngx_shm_zone_t *shm_zone, ngx_http_ocs_store_t *old, ngx_uint_t *fresh);


/*
 * What ngx_http_ocs_module holds for every module, per location: the
 * sign-in page's URL (ocs_auth_signin_url), the HTTPS port plain http is
 * sent to (ocs_auth_https_port), the thread pool (ocs_auth_thread_pool;
 * NULL where no module asked for it at configuration time) and whether
 * the location is a page of ours (sign-in, logoff, lockout admin...),
 * which no inherited ocs_auth protects.
 */
ngx_str_t *ngx_http_ocs_signin_url(ngx_http_request_t *r);
ngx_uint_t ngx_http_ocs_https_port(ngx_http_request_t *r);
ngx_thread_pool_t *ngx_http_ocs_thread_pool(ngx_http_request_t *r);
ngx_uint_t ngx_http_ocs_is_page(ngx_http_request_t *r);

/*
 * At configuration time, for the location being parsed or merged: marks
 * it as a page of ours (from a directive handler) or as protected (from
 * a merge), so that ocs_auth_hsts applies to it; adds its thread pool to
 * nginx's and returns it, NULL on failure (from a merge: only the
 * locations that run blocking work may call it).
 */
void ngx_http_ocs_conf_page(ngx_conf_t *cf);
void ngx_http_ocs_conf_protect(ngx_conf_t *cf);
ngx_thread_pool_t *ngx_http_ocs_conf_thread_pool(ngx_conf_t *cf);

/* the same of any location, from its loc_conf array (nginx -t checks) */
ngx_uint_t ngx_http_ocs_loc_is_page(void **loc_conf);
ngx_str_t *ngx_http_ocs_loc_signin_url(void **loc_conf);

/* a post handler: a URL written into headers and pages (core rule) */
char *ngx_http_ocs_conf_url(ngx_conf_t *cf, void *post, void *data);

char *ngx_http_ocs_conf_set_str_or_off(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_ocs_read_conf_file(ngx_conf_t *cf, ngx_str_t *name,
    ngx_str_t *text, size_t max, ngx_uint_t secret);


#endif /* NGX_HTTP_OCS_H */
