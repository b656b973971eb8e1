/*
 * Library set-up, the default environment, errors, the two memory
 * primitives every secret-handling function uses, and time arithmetic
 * that cannot overflow.
 */

#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <ocs/ocs.h>


static int64_t ocs_env_now(void *data);
static int ocs_env_random(void *data, unsigned char *buf, size_t len);
static void ocs_curl_free(void *p);
static void *ocs_curl_realloc(void *p, size_t size);


static const ocs_env_t  ocs_env_system = {
    ocs_env_now,
    ocs_env_random,
    NULL
};


int
ocs_init(void)
{
    if (OPENSSL_init_crypto(0, NULL) != 1) {
        return OCS_ERR_SYS;
    }

    /*
     * Before any thread makes a curl handle: it is not thread-safe.
     * libcurl copies the request of an OTP check, code included, into
     * buffers of its own and frees them: every block it frees is wiped
     * first.  Only the first set-up of the process chooses the memory
     * functions; a process where another part set libcurl up first
     * keeps that one's.
     */
    if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, malloc, ocs_curl_free,
                             ocs_curl_realloc, strdup, calloc)
        != CURLE_OK)
    {
        return OCS_ERR_SYS;
    }

    return OCS_OK;
}


static void
ocs_curl_free(void *p)
{
    if (p != NULL) {
        OPENSSL_cleanse(p, malloc_usable_size(p));
        free(p);
    }
}


/* a new block each time, so that the old one is wiped, not left behind */
static void *
ocs_curl_realloc(void *p, size_t size)
{
    size_t   old;
    void    *n;

    if (p == NULL) {
        return malloc(size);
    }

    if (size == 0) {
        ocs_curl_free(p);
        return NULL;
    }

    n = malloc(size);
    if (n == NULL) {
        return NULL;
    }

    old = malloc_usable_size(p);
    memcpy(n, p, old < size ? old : size);
    ocs_curl_free(p);

    return n;
}


const ocs_env_t *
ocs_env_default(void)
{
    return &ocs_env_system;
}


static int64_t
ocs_env_now(void *data)
{
    (void) data;

    return (int64_t) time(NULL);
}


static int
ocs_env_random(void *data, unsigned char *buf, size_t len)
{
    (void) data;

    if (len > (size_t) 0x7fffffff || RAND_bytes(buf, (int) len) != 1) {
        return OCS_ERR_SYS;
    }

    return OCS_OK;
}


int
ocs_err(ocs_err_t *err, int code, const char *fmt, ...)
{
    va_list  args;

    if (err != NULL) {
        err->code = code;

        va_start(args, fmt);
        (void) vsnprintf(err->text, sizeof(err->text), fmt, args);
        va_end(args);
    }

    return code;
}


const char *
ocs_strerror(int code)
{
    switch (code) {
    case OCS_OK:
        return "ok";
    case OCS_ERR_INVALID:
        return "invalid";
    case OCS_ERR_AUTH:
        return "authentication failed";
    case OCS_ERR_EXPIRED:
        return "expired";
    case OCS_ERR_NOTFOUND:
        return "not found";
    case OCS_ERR_SPACE:
        return "no space";
    case OCS_ERR_SYS:
        return "system error";
    case OCS_ERR_IDLE:
        return "idle timeout";
    default:
        return "unknown error";
    }
}


void
ocs_wipe(void *p, size_t len)
{
    OPENSSL_cleanse(p, len);
}


int
ocs_memeq_ct(const void *a, const void *b, size_t len)
{
    return CRYPTO_memcmp(a, b, len);
}


int64_t
ocs_time_diff(int64_t a, int64_t b)
{
    if (b < 0 && a > INT64_MAX + b) {
        return INT64_MAX;
    }

    if (b > 0 && a < INT64_MIN + b) {
        return INT64_MIN;
    }

    return a - b;
}


int64_t
ocs_time_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b) {
        return INT64_MAX;
    }

    if (b < 0 && a < INT64_MIN - b) {
        return INT64_MIN;
    }

    return a + b;
}
