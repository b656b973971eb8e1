/*
 * bench/bench_time.h: what the benchmarks written in C share: a
 * monotonic clock in microseconds, and the order of doubles for
 * qsort() (medians and percentiles).
 */

#ifndef BENCH_TIME_H
#define BENCH_TIME_H


#include <time.h>


static double
now_us(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}


static int
cmp(const void *a, const void *b)
{
    double  x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}


#endif /* BENCH_TIME_H */
