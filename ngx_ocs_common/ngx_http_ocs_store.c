/*
 * A shared-memory zone as the core's store (ocs/ocs_store.h): the
 * lockout zone (ocs_auth_zone) and the revocation zone (ocs_sso_zone)
 * are each one of these, with a few bytes of their own beside it.
 *
 * An entry is a short key with a record (ocs_store_rec_t) on a
 * red-black tree and on a queue, most recently written first, in the
 * zone's slab pool; the zone's mutex is the store's lock, so that the
 * workers and their pool threads take turns.  A store that drops
 * (keep 0) makes room for a new entry by dropping the least recently
 * written, expired or not, but for entries kept until they expire (the
 * one-use marks of codes in the lockout zone); one that keeps (keep 1)
 * drops nothing that has not expired, and its put() fails with
 * OCS_ERR_SPACE instead.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs.h>


struct ngx_http_ocs_store_sh_s {
    ngx_rbtree_t                  rbtree;
    ngx_rbtree_node_t             sentinel;
    ngx_queue_t                   queue;         /* most recent first */
    ocs_journal_sh_t              journal;       /* what of the state
                                                    file the zone holds */
};


/*
 * 99 bytes and the key: a session's revocation fits a 128-byte slot.
 * The record's keep is a byte beside the key, not a padded word in the
 * record, so that an account's count of a short name fits one too.
 */
typedef struct {
    ngx_rbtree_node_t             node;          /* key: crc32 of key[] */
    ngx_queue_t                   queue;
    ocs_store_nums_t              rec;
    u_short                       len;
    u_char                        keep;
    u_char                        key[1];
} ngx_http_ocs_store_node_t;


static ngx_int_t ngx_http_ocs_store_journal(ngx_http_ocs_store_t *zs);
static void ngx_http_ocs_store_journal_dir(ngx_http_ocs_store_t *zs,
    ngx_core_conf_t *ccf);
static void ngx_http_ocs_store_report(void *data, int level,
    const ocs_err_t *err);
static void ngx_http_ocs_store_cleanup(void *data);
static int ngx_http_ocs_store_defer(void *data, ocs_journal_job_t *job);
static void ngx_http_ocs_store_job_run(void *data, ngx_log_t *log);
static void ngx_http_ocs_store_job_done(ngx_event_t *ev);
static void ngx_http_ocs_store_close_run(void *data, ngx_log_t *log);
static void ngx_http_ocs_store_close_done(ngx_event_t *ev);


/* what the zone's thread task carries: a rewrite, then the old file */
typedef struct {
    ocs_journal_job_t            *job;
    ngx_fd_t                      fd;
    int                           ran;        /* the thread is done with
                                                 the job (atomic) */
} ngx_http_ocs_store_task_t;
static void *ngx_http_ocs_store_state(ngx_shm_zone_t *shm_zone, size_t size,
    const char *directive, ngx_uint_t *fresh);
static void ngx_http_ocs_store_lock(void *data);
static void ngx_http_ocs_store_unlock(void *data);
static int ngx_http_ocs_store_get(void *data, const unsigned char *key,
    size_t len, ocs_store_rec_t *rec);
static int ngx_http_ocs_store_put(void *data, const unsigned char *key,
    size_t len, const ocs_store_rec_t *rec);
static void ngx_http_ocs_store_remove(void *data, const unsigned char *key,
    size_t len);
static void ngx_http_ocs_store_expire(void *data, int64_t now, size_t max);
static void ngx_http_ocs_store_walk(void *data, ocs_store_walk_pt fn,
    void *arg);
static void ngx_http_ocs_store_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_http_ocs_store_node_t *ngx_http_ocs_store_find(
    ngx_http_ocs_store_t *zs, const u_char *key, size_t len);
static ngx_http_ocs_store_node_t *ngx_http_ocs_store_alloc(
    ngx_http_ocs_store_t *zs, const u_char *key, size_t len);
static void ngx_http_ocs_store_free(ngx_http_ocs_store_t *zs,
    ngx_http_ocs_store_node_t *n);


void
ngx_http_ocs_store_conf(ngx_http_ocs_store_t *zs, const char *directive,
    size_t state_size, ngx_uint_t keep)
{
    zs->directive = directive;
    zs->state_size = state_size;

    zs->store.lock = ngx_http_ocs_store_lock;
    zs->store.unlock = ngx_http_ocs_store_unlock;
    zs->store.get = ngx_http_ocs_store_get;
    zs->store.put = ngx_http_ocs_store_put;
    zs->store.remove = ngx_http_ocs_store_remove;
    zs->store.expire = ngx_http_ocs_store_expire;
    zs->store.walk = ngx_http_ocs_store_walk;
    zs->store.data = zs;
    zs->store.keep = keep ? 1 : 0;
}


ngx_int_t
ngx_http_ocs_store_init(ngx_http_ocs_store_t *zs, ngx_shm_zone_t *shm_zone,
    ngx_http_ocs_store_t *old, ngx_uint_t *fresh)
{
    size_t  size;

    *fresh = 0;
    zs->shm_zone = shm_zone;

    if (old != NULL) {
        /* a reload: the entries (and the owner's state) go on */
        zs->sh = old->sh;
        zs->shpool = old->shpool;
        zs->state = old->state;
        return ngx_http_ocs_store_journal(zs);
    }

    size = ngx_align(sizeof(ngx_http_ocs_store_sh_t), NGX_ALIGNMENT)
           + zs->state_size;

    zs->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;
    zs->sh = ngx_http_ocs_store_state(shm_zone, size, zs->directive, fresh);
    if (zs->sh == NULL) {
        return NGX_ERROR;
    }

    zs->state = (u_char *) zs->sh
                + ngx_align(sizeof(ngx_http_ocs_store_sh_t), NGX_ALIGNMENT);

    if (*fresh) {
        ngx_rbtree_init(&zs->sh->rbtree, &zs->sh->sentinel,
                        ngx_http_ocs_store_rbtree_insert);
        ngx_queue_init(&zs->sh->queue);
        ngx_memzero(&zs->sh->journal, sizeof(ocs_journal_sh_t));
    }

    /*
     * A full zone that drops old entries is no news: no "no memory"
     * alerts for it.  One that keeps says so, as slab pools do.
     */
    if (!zs->store.keep) {
        zs->shpool->log_nomem = 0;
    }

    return ngx_http_ocs_store_journal(zs);
}


char *
ngx_http_ocs_store_conf_file(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_shm_zone_t *shm_zone)
{
    ngx_str_t             *value, file;
    ngx_pool_cleanup_t    *cln;
    ngx_http_ocs_store_t  *zs;

    if (cf->args->nelts < 3) {
        return NGX_CONF_OK;
    }

    value = cf->args->elts;

    if (value[2].len <= sizeof("state=") - 1
        || ngx_strncmp(value[2].data, "state=", sizeof("state=") - 1) != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid %V parameter \"%V\": use "
                           "state=/path/to/file", &cmd->name, &value[2]);
        return NGX_CONF_ERROR;
    }

    file.data = value[2].data + sizeof("state=") - 1;
    file.len = value[2].len - (sizeof("state=") - 1);

    if (ngx_conf_full_name(cf->cycle, &file, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    zs = shm_zone->data;
    zs->file = file;
    zs->cycle = cf->cycle;

    zs->journal = ngx_pcalloc(cf->pool, sizeof(ocs_journal_t));
    if (zs->journal == NULL) {
        return NGX_CONF_ERROR;
    }

    zs->journal->fd = -1;

    /*
     * The file is written again as it grows by a thread of nginx's
     * default pool, so that the worker's event loop is held only for a
     * copy of the zone's entries in memory: not for the write and sync.
     */
    zs->pool = ngx_thread_pool_add(cf, NULL);
    if (zs->pool == NULL) {
        return NGX_CONF_ERROR;
    }

    zs->task = ngx_thread_task_alloc(cf->pool,
                                     sizeof(ngx_http_ocs_store_task_t));
    if (zs->task == NULL) {
        return NGX_CONF_ERROR;
    }

    zs->task->event.data = zs;
    zs->task->event.log = cf->cycle->log;

    /* the file is closed with the configuration that opened it */
    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_ocs_store_cleanup;
    cln->data = zs;

    return NGX_CONF_OK;
}


/*
 * The zone's journal, opened by the master (the workers inherit it):
 * what the file holds that the zone does not is read into it, and the
 * store the callers use becomes the journal's.  A file that cannot be
 * opened, or is not ours, stops the start: the zone would forget.
 */
static ngx_int_t
ngx_http_ocs_store_journal(ngx_http_ocs_store_t *zs)
{
    ocs_err_t         err;
    ngx_core_conf_t  *ccf;
    ocs_journal_t    *j;

    j = zs->journal;

    if (j == NULL) {
        return NGX_OK;
    }

    j->inner = zs->store;
    j->sh = &zs->sh->journal;
    j->env = ngx_http_ocs_env();
    j->apply = zs->apply;
    j->apply_data = zs->apply_data;
    j->report = ngx_http_ocs_store_report;
    j->report_data = zs;
    j->defer = ngx_http_ocs_store_defer;
    j->defer_data = zs;

    if (ocs_journal_open(j, (char *) zs->file.data, &err) != OCS_OK) {
        ngx_log_error(NGX_LOG_EMERG, zs->cycle->log, 0,
                      "%s \"%V\": %s", zs->directive,
                      &zs->shm_zone->shm.name, err.text);
        return NGX_ERROR;
    }

    zs->store = j->store;

    ccf = (ngx_core_conf_t *) ngx_get_conf(zs->cycle->conf_ctx,
                                           ngx_core_module);

    /* the workers write it again, under a new name, as it grows */
    if (geteuid() == 0 && ccf->user != (ngx_uid_t) NGX_CONF_UNSET_UINT) {
        if (fchown(ocs_journal_fd(j), ccf->user, (gid_t) -1) != 0) {
            ngx_log_error(NGX_LOG_CRIT, zs->cycle->log, ngx_errno,
                          "%s \"%V\": fchown(\"%V\") failed",
                          zs->directive, &zs->shm_zone->shm.name, &zs->file);
        }

        ngx_http_ocs_store_journal_dir(zs, ccf);
    }

    return NGX_OK;
}


/* a directory the workers cannot write: the file would only grow */
static void
ngx_http_ocs_store_journal_dir(ngx_http_ocs_store_t *zs, ngx_core_conf_t *ccf)
{
    u_char           *p;
    ngx_file_info_t   fi;
    u_char            dir[NGX_MAX_PATH];

    p = zs->file.data + zs->file.len;

    while (p > zs->file.data && p[-1] != '/') {
        p--;
    }

    if (p == zs->file.data || (size_t) (p - zs->file.data) >= NGX_MAX_PATH) {
        return;
    }

    ngx_cpystrn(dir, zs->file.data, p - zs->file.data + 1);

    if (ngx_file_info(dir, &fi) != 0) {
        return;
    }

    if ((fi.st_uid == ccf->user && (fi.st_mode & S_IWUSR))
        || (fi.st_gid == ccf->group && (fi.st_mode & S_IWGRP))
        || (fi.st_mode & S_IWOTH))
    {
        return;
    }

    ngx_log_error(NGX_LOG_WARN, zs->cycle->log, 0,
                  "%s \"%V\": the workers (user \"%s\") cannot write "
                  "\"%s\", so they cannot write \"%V\" again as it grows: "
                  "give them that directory (chown %s %s)", zs->directive,
                  &zs->shm_zone->shm.name, ccf->username, dir, &zs->file,
                  ccf->username, dir);
}


static void
ngx_http_ocs_store_report(void *data, int level, const ocs_err_t *err)
{
    ngx_http_ocs_store_t  *zs = data;

    ngx_uint_t  lv;

    lv = (level == OCS_JOURNAL_ERROR) ? NGX_LOG_ERR : NGX_LOG_WARN;

    /* the cycle's log from its start: its master reads the file first */
    ngx_log_error(lv, zs->cycle->log, 0, "%s \"%V\": %s", zs->directive,
                  &zs->shm_zone->shm.name, err->text);
}


/*
 * A rewrite of the journal to a thread, from a worker (only a worker's
 * pools have threads); else, or when the pool's queue is full, or the
 * last one's old file is still being closed, it is written at once.
 * One at a time: the journal defers no other until this one is done.
 */
static int
ngx_http_ocs_store_defer(void *data, ocs_journal_job_t *job)
{
    ngx_http_ocs_store_t  *zs = data;

    ngx_http_ocs_store_task_t  *st;

    /*
     * Not in a single process (master_process off): after its reload
     * the new configuration's pools have no threads, and the job would
     * wait for ever.
     */
    if (ngx_process != NGX_PROCESS_WORKER
        || zs->task == NULL
        || zs->task->event.active)
    {
        return 1;
    }

    st = zs->task->ctx;
    st->job = job;
    st->fd = NGX_INVALID_FILE;
    __atomic_store_n(&st->ran, 0, __ATOMIC_RELEASE);

    zs->task->handler = ngx_http_ocs_store_job_run;
    zs->task->event.handler = ngx_http_ocs_store_job_done;

    if (ngx_thread_task_post(zs->pool, zs->task) != NGX_OK) {
        return 1;
    }

    return 0;
}


/* in the thread: the write and the sync, touching only the job */
static void
ngx_http_ocs_store_job_run(void *data, ngx_log_t *log)
{
    ngx_http_ocs_store_task_t  *st = data;

    (void) log;

    ocs_journal_job_run(st->job);

    __atomic_store_n(&st->ran, 1, __ATOMIC_RELEASE);
}


/*
 * Back on the event loop: what was written since, and the rename.  The
 * old file's last close frees its blocks, which takes as long as a
 * write: back to a thread.
 */
static void
ngx_http_ocs_store_job_done(ngx_event_t *ev)
{
    ngx_http_ocs_store_t  *zs = ev->data;

    ngx_fd_t                    fd;
    ngx_http_ocs_store_task_t  *st;

    fd = ocs_journal_job_done(zs->journal);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, zs->cycle->log, 0,
                   "ocs state file \"%V\" %s", &zs->file,
                   fd != NGX_INVALID_FILE ? "written again"
                                          : "not written again this time");

    if (fd == NGX_INVALID_FILE) {
        return;
    }

    st = zs->task->ctx;
    st->job = NULL;
    st->fd = fd;

    zs->task->handler = ngx_http_ocs_store_close_run;
    zs->task->event.handler = ngx_http_ocs_store_close_done;

    if (ngx_thread_task_post(zs->pool, zs->task) != NGX_OK) {
        (void) close(fd);
    }
}


static void
ngx_http_ocs_store_close_run(void *data, ngx_log_t *log)
{
    ngx_http_ocs_store_task_t  *st = data;

    (void) log;

    (void) close(st->fd);
}


static void
ngx_http_ocs_store_close_done(ngx_event_t *ev)
{
    (void) ev;
}


/*
 * A worker that exits with a rewrite under way: its pool's threads
 * have run their tasks by then as a rule (nginx's thread pools finish
 * what is queued before they stop, and stop before the cycle's pool
 * goes), and the close drops the job's file.  When a pool could not
 * stop so (its queue full), a thread may still be writing: the job is
 * left to it, and to the process's exit.
 */
static void
ngx_http_ocs_store_cleanup(void *data)
{
    ngx_http_ocs_store_t  *zs = data;

    ocs_journal_t              *j;
    ngx_http_ocs_store_task_t  *st;

    j = zs->journal;

    if (j->fd == -1) {
        return;
    }

    if (j->job != NULL && zs->task != NULL) {
        st = zs->task->ctx;

        if (st->job == j->job && !__atomic_load_n(&st->ran, __ATOMIC_ACQUIRE))
        {
            j->job = NULL;
        }
    }

    ocs_journal_close(j);
}


/*
 * A zone's shared state on first use: the size bytes the caller sets up
 * (*fresh set), or the state a running nginx left there.  The slab
 * pool's log context names the zone.  NULL when memory runs out.
 */
static void *
ngx_http_ocs_store_state(ngx_shm_zone_t *shm_zone, size_t size,
    const char *directive, ngx_uint_t *fresh)
{
    void             *sh;
    size_t            len;
    ngx_slab_pool_t  *shpool;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;
    *fresh = 0;

    if (shm_zone->shm.exists) {
        return shpool->data;
    }

    sh = ngx_slab_alloc(shpool, size);
    if (sh == NULL) {
        return NULL;
    }

    shpool->data = sh;

    len = sizeof(" in  \"\"") + ngx_strlen(directive)
          + shm_zone->shm.name.len;

    shpool->log_ctx = ngx_slab_alloc(shpool, len);
    if (shpool->log_ctx == NULL) {
        return NULL;
    }

    ngx_sprintf(shpool->log_ctx, " in %s \"%V\"%Z", directive,
                &shm_zone->shm.name);

    *fresh = 1;

    return sh;
}


static void
ngx_http_ocs_store_lock(void *data)
{
    ngx_http_ocs_store_t  *zs = data;

    ngx_shmtx_lock(&zs->shpool->mutex);
}


static void
ngx_http_ocs_store_unlock(void *data)
{
    ngx_http_ocs_store_t  *zs = data;

    ngx_shmtx_unlock(&zs->shpool->mutex);
}


static int
ngx_http_ocs_store_get(void *data, const unsigned char *key, size_t len,
    ocs_store_rec_t *rec)
{
    ngx_http_ocs_store_node_t  *n;

    n = ngx_http_ocs_store_find(data, key, len);
    if (n == NULL) {
        return OCS_ERR_NOTFOUND;
    }

    ocs_store_nums_load(&n->rec, n->keep, rec);

    return OCS_OK;
}


static int
ngx_http_ocs_store_put(void *data, const unsigned char *key, size_t len,
    const ocs_store_rec_t *rec)
{
    ngx_http_ocs_store_t  *zs = data;

    ngx_http_ocs_store_node_t  *n;

    if (len == 0 || len > OCS_STORE_KEY_MAX) {
        return OCS_ERR_INVALID;
    }

    n = ngx_http_ocs_store_find(zs, key, len);

    if (n != NULL) {
        ngx_queue_remove(&n->queue);

    } else {
        n = ngx_http_ocs_store_alloc(zs, key, len);
        if (n == NULL) {
            return OCS_ERR_SPACE;
        }
    }

    ngx_queue_insert_head(&zs->sh->queue, &n->queue);
    ocs_store_nums_save(&n->rec, rec);
    n->keep = rec->keep ? 1 : 0;

    return OCS_OK;
}


static void
ngx_http_ocs_store_remove(void *data, const unsigned char *key, size_t len)
{
    ngx_http_ocs_store_node_t  *n;

    n = ngx_http_ocs_store_find(data, key, len);

    if (n != NULL) {
        ngx_http_ocs_store_free(data, n);
    }
}


/*
 * Drops the expired among the max oldest entries.  A store that keeps
 * looks past the live ones (records expire in no order, and a missed
 * one may leave it full); one that drops stops at the first live one,
 * since a full write makes room from the old end anyway.
 */
static void
ngx_http_ocs_store_expire(void *data, int64_t now, size_t max)
{
    ngx_http_ocs_store_t  *zs = data;

    ngx_queue_t                *q, *prev;
    ngx_http_ocs_store_node_t  *n;

    for (q = ngx_queue_last(&zs->sh->queue);
         max-- && q != ngx_queue_sentinel(&zs->sh->queue);
         q = prev)
    {
        prev = ngx_queue_prev(q);
        n = ngx_queue_data(q, ngx_http_ocs_store_node_t, queue);

        if (n->rec.expires <= now) {
            ngx_http_ocs_store_free(zs, n);

        } else if (!zs->store.keep) {
            return;
        }
    }
}


static void
ngx_http_ocs_store_walk(void *data, ocs_store_walk_pt fn, void *arg)
{
    ngx_http_ocs_store_t  *zs = data;

    int                         rc;
    ngx_queue_t                *q, *next;
    ocs_store_rec_t             rec;
    ngx_http_ocs_store_node_t  *n;

    for (q = ngx_queue_head(&zs->sh->queue);
         q != ngx_queue_sentinel(&zs->sh->queue);
         q = next)
    {
        next = ngx_queue_next(q);
        n = ngx_queue_data(q, ngx_http_ocs_store_node_t, queue);

        ocs_store_nums_load(&n->rec, n->keep, &rec);
        rc = fn(arg, n->key, n->len, &rec);

        if (rc == OCS_STORE_REMOVE) {
            ngx_http_ocs_store_free(zs, n);

        } else if (rc == OCS_STORE_STOP) {
            return;
        }
    }
}


static void
ngx_http_ocs_store_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t          **p;
    ngx_http_ocs_store_node_t   *nn, *nt;

    for ( ;; ) {

        if (node->key != temp->key) {
            p = (node->key < temp->key) ? &temp->left : &temp->right;

        } else {
            nn = (ngx_http_ocs_store_node_t *) node;
            nt = (ngx_http_ocs_store_node_t *) temp;

            p = (ngx_memn2cmp(nn->key, nt->key, nn->len, nt->len) < 0)
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


static ngx_http_ocs_store_node_t *
ngx_http_ocs_store_find(ngx_http_ocs_store_t *zs, const u_char *key,
    size_t len)
{
    ngx_int_t                   rc;
    ngx_rbtree_key_t            hash;
    ngx_rbtree_node_t          *node, *sentinel;
    ngx_http_ocs_store_node_t  *n;

    hash = ngx_crc32_short((u_char *) key, len);
    node = zs->sh->rbtree.root;
    sentinel = zs->sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash != node->key) {
            node = (hash < node->key) ? node->left : node->right;
            continue;
        }

        n = (ngx_http_ocs_store_node_t *) node;
        rc = ngx_memn2cmp((u_char *) key, n->key, len, n->len);

        if (rc == 0) {
            return n;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


/*
 * A new entry for key, on the tree but not yet on the queue.  A store
 * that drops makes room from the old end when the zone is full,
 * passing over the entries kept until they expire; it looks at
 * OCS_STORE_EVICT_MAX of them at most (a slab of another size may take
 * several to free a page).  NULL when it keeps, when none of those may
 * go, or when even an empty zone has no room.  Zone locked.
 */
static ngx_http_ocs_store_node_t *
ngx_http_ocs_store_alloc(ngx_http_ocs_store_t *zs, const u_char *key,
    size_t len)
{
    size_t                      size;
    int64_t                     now;
    ngx_uint_t                  looked;
    ngx_queue_t                *q;
    const ocs_env_t            *env;
    ngx_http_ocs_store_node_t  *n, *old;

    size = offsetof(ngx_http_ocs_store_node_t, key) + len;

    env = ngx_http_ocs_env();
    now = env->now(env->data);

    q = ngx_queue_last(&zs->sh->queue);
    looked = 0;

    for ( ;; ) {
        n = ngx_slab_alloc_locked(zs->shpool, size);
        if (n != NULL) {
            break;
        }

        if (zs->store.keep) {
            return NULL;
        }

        /* the next oldest that may go */
        old = NULL;

        while (old == NULL) {
            if (q == ngx_queue_sentinel(&zs->sh->queue)
                || looked++ == OCS_STORE_EVICT_MAX)
            {
                return NULL;
            }

            old = ngx_queue_data(q, ngx_http_ocs_store_node_t, queue);
            q = ngx_queue_prev(q);

            if (!ocs_store_may_drop(old->keep, old->rec.expires, now)) {
                old = NULL;
            }
        }

        ngx_http_ocs_store_free(zs, old);
    }

    n->node.key = ngx_crc32_short((u_char *) key, len);
    n->len = (u_short) len;
    ngx_memcpy(n->key, key, len);

    ngx_rbtree_insert(&zs->sh->rbtree, &n->node);

    return n;
}


static void
ngx_http_ocs_store_free(ngx_http_ocs_store_t *zs,
    ngx_http_ocs_store_node_t *n)
{
    ngx_queue_remove(&n->queue);
    ngx_rbtree_delete(&zs->sh->rbtree, &n->node);
    ngx_slab_free_locked(zs->shpool, n);
}

