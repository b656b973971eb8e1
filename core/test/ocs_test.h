/*
 * A TAP producer for the core unit tests: prove runs the binaries.
 * Each test program defines its test functions and calls them from main.
 */

#ifndef OCS_TEST_H
#define OCS_TEST_H


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocs/ocs.h>


static int  ocs_test_n;
static int  ocs_test_failed;


#define ok(cond, ...)                                                        \
    ocs_test_ok((cond) ? 1 : 0, __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...)                                               \
    do {                                                                     \
        long long  g_ = (long long) (got), w_ = (long long) (want);          \
        if (!ok(g_ == w_, __VA_ARGS__)) {                                    \
            printf("#   got %lld, want %lld\n", g_, w_);                     \
        }                                                                    \
    } while (0)

#define is_str(got, glen, want, ...)                                         \
    do {                                                                     \
        size_t  gl_ = (glen), wl_ = strlen(want);                            \
        if (!ok(gl_ == wl_ && memcmp((got), (want), wl_) == 0,               \
                __VA_ARGS__))                                                \
        {                                                                    \
            printf("#   got \"%.*s\", want \"%s\"\n", (int) gl_,            \
                   (const char *) (got), (want));                            \
        }                                                                    \
    } while (0)


static int
ocs_test_ok(int pass, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#include <stdarg.h>

static int
ocs_test_ok(int pass, const char *file, int line, const char *fmt, ...)
{
    va_list  args;

    ocs_test_n++;
    printf("%s %d - ", pass ? "ok" : "not ok", ocs_test_n);

    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);

    printf("\n");

    if (!pass) {
        ocs_test_failed++;
        printf("#   failed at %s line %d\n", file, line);
    }

    return pass;
}


static inline int
ocs_test_done(void)
{
    printf("1..%d\n", ocs_test_n);
    return ocs_test_failed ? 1 : 0;
}


/* a frozen clock and a deterministic random source */

typedef struct {
    int64_t         now;
    unsigned char   counter;
} ocs_test_env_data_t;


static inline int64_t
ocs_test_now(void *data)
{
    return ((ocs_test_env_data_t *) data)->now;
}


static inline int
ocs_test_random(void *data, unsigned char *buf, size_t len)
{
    ocs_test_env_data_t  *d = data;
    size_t                i;

    for (i = 0; i < len; i++) {
        buf[i] = d->counter++;
    }

    return OCS_OK;
}


#endif /* OCS_TEST_H */
