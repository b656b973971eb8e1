/*
 * The core's environment under nginx: its cached clock and random bytes
 * from OpenSSL, drawn in bulk.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <ngx_http_ocs.h>


static int64_t ngx_http_ocs_env_now(void *data);
static int ngx_http_ocs_env_random(void *data, unsigned char *buf,
    size_t len);


static const ocs_env_t  ngx_http_ocs_env_nginx = {
    ngx_http_ocs_env_now,
    ngx_http_ocs_env_random,
    NULL
};


const ocs_env_t *
ngx_http_ocs_env(void)
{
    return &ngx_http_ocs_env_nginx;
}


static int64_t
ngx_http_ocs_env_now(void *data)
{
    return (int64_t) ngx_time();
}


/*
 * Random bytes for nonces, session ids and ticket IVs, all made on the
 * event loop.  OpenSSL's DRBG costs microseconds per call there (locks,
 * a reseed check and a rekey each time, cold in the cache), so the bytes
 * come from a buffer that one RAND_bytes() call fills: each thread its
 * own, and a process that is not the one that filled it (a forked
 * worker) starts afresh, so no two processes or threads ever hand out
 * the same bytes.  Bytes handed out are wiped from the buffer.
 */

#define NGX_HTTP_OCS_RANDOM_BUF  512

typedef struct {
    ngx_pid_t      pid;
    size_t         left;
    unsigned char  buf[NGX_HTTP_OCS_RANDOM_BUF];
} ngx_http_ocs_random_t;


static __thread ngx_http_ocs_random_t  ngx_http_ocs_random;


static int
ngx_http_ocs_env_random(void *data, unsigned char *buf, size_t len)
{
    const ocs_env_t        *env;
    ngx_http_ocs_random_t  *rnd;

    env = ocs_env_default();

    if (len > NGX_HTTP_OCS_RANDOM_BUF / 8) {
        return env->random(env->data, buf, len);
    }

    rnd = &ngx_http_ocs_random;

    /* ngx_pid: nginx sets it in every process it forks, no system call */
    if (rnd->pid != ngx_pid || rnd->left < len) {
        ngx_explicit_memzero(rnd->buf, NGX_HTTP_OCS_RANDOM_BUF);
        rnd->left = 0;
        rnd->pid = ngx_pid;

        if (env->random(env->data, rnd->buf, NGX_HTTP_OCS_RANDOM_BUF)
            != OCS_OK)
        {
            return OCS_ERR_SYS;
        }

        rnd->left = NGX_HTTP_OCS_RANDOM_BUF;
    }

    rnd->left -= len;
    ngx_memcpy(buf, rnd->buf + rnd->left, len);
    ngx_explicit_memzero(rnd->buf + rnd->left, len);

    return OCS_OK;
}
