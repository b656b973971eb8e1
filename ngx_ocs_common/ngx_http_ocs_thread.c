/*
 * The thread-pool runner: blocking work (password hashing, directory
 * and Kerberos calls, one-time password servers) runs in a pool thread
 * while the request waits, as nginx's file cache reads in threads
 * (ngx_http_cache_thread_handler() in ngx_http_file_cache.c).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs.h>

#if (NGX_LINUX)
#include <sys/resource.h>
#include <sys/syscall.h>
#endif


typedef struct {
    ngx_http_request_t       *request;
    ngx_http_ocs_thread_pt    handler;
    ngx_http_ocs_resume_pt    resume;
    void                     *data;
    ngx_uint_t                done;
    ngx_http_event_handler_pt read_event_handler;
    ngx_event_t               hold;
} ngx_http_ocs_thread_ctx_t;


/*
 * How often the hold timer (below) comes round while a task runs; it
 * does nothing but come round again.
 */
#define NGX_HTTP_OCS_THREAD_HOLD  10000


static void ngx_http_ocs_thread_handler(void *data, ngx_log_t *log);
static void ngx_http_ocs_thread_event_handler(ngx_event_t *ev);
static void ngx_http_ocs_thread_hold_handler(ngx_event_t *ev);
static void ngx_http_ocs_thread_write_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_ocs_terminated(ngx_http_request_t *r);


/*
 * Runs handler(data) in a thread pool and then resume(r, data) on the
 * event loop.  The request is held (blocked) meanwhile, so its pool,
 * where data lives, outlives the thread's use of it.
 *
 * A client that goes away meanwhile is noticed at once, as the upstream
 * module notices it (ngx_http_test_reading): the request is terminated,
 * and when the task ends, resume is not called; the connection's own
 * handler finishes the request instead, as nginx's thread handlers do
 * (ngx_http_cache_thread_event_handler).  So resume never works on a
 * request that is over, and nothing a task holds outlives the request
 * pool, where it must live.
 *
 * NGX_ERROR when the task cannot be posted, and nginx has logged why:
 * a full queue as "thread pool ... queue overflow" at ERR, a failed
 * allocation or lock in a line of its own.  That line is the only one
 * the request gets, as with nginx's own thread users (the file cache,
 * aio threads): callers add none.
 */
ngx_int_t
ngx_http_ocs_thread_run(ngx_http_request_t *r, ngx_thread_pool_t *pool,
    ngx_http_ocs_thread_pt handler, ngx_http_ocs_resume_pt resume,
    void *data)
{
    ngx_thread_task_t          *task;
    ngx_http_ocs_thread_ctx_t  *ctx;

    task = ngx_thread_task_alloc(r->pool, sizeof(ngx_http_ocs_thread_ctx_t));
    if (task == NULL) {
        return NGX_ERROR;
    }

    ctx = task->ctx;
    ctx->request = r;
    ctx->handler = handler;
    ctx->resume = resume;
    ctx->data = data;
    ctx->done = 0;

    task->handler = ngx_http_ocs_thread_handler;
    task->event.data = ctx;
    task->event.handler = ngx_http_ocs_thread_event_handler;

    if (ngx_thread_task_post(pool, task) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_set_ctx(r, ctx, ngx_http_ocs_module);

    r->main->blocked++;
    r->aio = 1;
    r->write_event_handler = ngx_http_ocs_thread_write_handler;

    ctx->read_event_handler = r->read_event_handler;
    r->read_event_handler = ngx_http_test_reading;

    /*
     * A request waiting for its task has no timer of its own (the body
     * is read, nothing is being sent), and a worker that shuts down
     * after a reload leaves as soon as no timer but cancelable ones is
     * left (ngx_event_no_timers_left): it would close the connection
     * under the task with "open socket ... left in connection" at
     * ALERT, and the sign-in would be lost.  A timer that is not
     * cancelable keeps the worker until the task is done; the task's
     * own deadlines bound how long.
     */
    ctx->hold.handler = ngx_http_ocs_thread_hold_handler;
    ctx->hold.data = ctx;
    ctx->hold.log = r->connection->log;
    ngx_add_timer(&ctx->hold, NGX_HTTP_OCS_THREAD_HOLD);

    return NGX_OK;
}


static void
ngx_http_ocs_thread_hold_handler(ngx_event_t *ev)
{
    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, ev->log, 0,
                   "ocs thread task still running");

    ngx_add_timer(ev, NGX_HTTP_OCS_THREAD_HOLD);
}


static void
ngx_http_ocs_thread_handler(void *data, ngx_log_t *log)
{
    ngx_http_ocs_thread_ctx_t  *ctx = data;

#if (NGX_LINUX)
    /*
     * Directory and hashing work may wait and burn CPU as it likes, but
     * should not push aside the event loop, which answers the requests
     * that already hold a ticket: the pool thread steps back to nice 10
     * (this thread only).  Not SCHED_IDLE: it starves the thread behind
     * any busy process on the core, not only the loop, and measured it
     * did not lower the loop's p99 (bench/README.md).  An unprivileged
     * worker cannot undo it, so the thread stays there;
     * ocs_auth_thread_pool names a pool of its own.
     */
    (void) setpriority(PRIO_PROCESS, (id_t) syscall(SYS_gettid), 10);
#endif

    ctx->handler(ctx->data);
}


static void
ngx_http_ocs_thread_event_handler(ngx_event_t *ev)
{
    ngx_connection_t           *c;
    ngx_http_request_t         *r;
    ngx_http_ocs_thread_ctx_t  *ctx;

    ctx = ev->data;
    r = ctx->request;
    c = r->connection;

    ngx_http_set_log_request(c->log, r);

    r->main->blocked--;
    r->aio = 0;
    ctx->done = 1;

    if (ctx->hold.timer_set) {
        ngx_del_timer(&ctx->hold);
    }

    if (r->read_event_handler == ngx_http_test_reading) {
        r->read_event_handler = ctx->read_event_handler;
    }

    if (ngx_http_ocs_terminated(r)) {
        /*
         * trigger the connection's event handler, which runs the
         * finalizer termination set, as ngx_http_file_cache.c does
         */
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, c->log, 0,
                       "ocs thread task done for a terminated request");

        c->write->handler(c->write);

    } else {
        r->write_event_handler(r);
        ngx_http_run_posted_requests(c);
    }
}


/*
 * Whether the request was terminated while its task ran: nginx 1.25.4
 * and later say so in r->main->terminated; before, termination of a
 * blocked request set c->error and a finalizer on the request.
 */
static ngx_int_t
ngx_http_ocs_terminated(ngx_http_request_t *r)
{
#if (nginx_version >= 1025004)
    if (r->main->terminated) {
        return 1;
    }
#endif

    return r->connection->error
           && r->write_event_handler != ngx_http_ocs_thread_write_handler;
}


static void
ngx_http_ocs_thread_write_handler(ngx_http_request_t *r)
{
    ngx_http_ocs_thread_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_ocs_module);

    if (ctx == NULL || !ctx->done) {
        return;
    }

    ngx_http_set_ctx(r, NULL, ngx_http_ocs_module);
    r->write_event_handler = ngx_http_request_empty_handler;

    if (r->connection->error) {
        /* the client is gone: nobody to answer */
        ngx_http_finalize_request(r, NGX_HTTP_CLIENT_CLOSED_REQUEST);
        return;
    }

    ctx->resume(r, ctx->data);
}
