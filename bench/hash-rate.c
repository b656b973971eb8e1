/*
 * bench/hash-rate: the password hash alone, as a sign-in checks it:
 * crypt_rn() of the password against the hash (the user file's), in a
 * loop on one thread for the given seconds.  Prints hashes per
 * CPU-second.  Not installed; bench/signin-rate builds it.
 *
 *   hash-rate HASH PASSWORD SECONDS
 */

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


static double
cpu_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);

    return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}


int
main(int argc, char **argv)
{
    long                n;
    double              start, until, spent;
    const char         *out;
    struct crypt_data  *work;

    if (argc != 4) {
        fprintf(stderr, "usage: hash-rate HASH PASSWORD SECONDS\n");
        return 2;
    }

    work = calloc(1, sizeof(struct crypt_data));
    if (work == NULL) {
        return 1;
    }

    start = cpu_now();
    until = start + atof(argv[3]);

    for (n = 0; cpu_now() < until; n++) {
        out = crypt_rn(argv[2], argv[1], work, (int) sizeof(*work));

        if (out == NULL || strcmp(out, argv[1]) != 0) {
            fprintf(stderr, "hash-rate: the password does not match\n");
            return 1;
        }
    }

    spent = cpu_now() - start;
    printf("%.2f\n", n / spent);

    free(work);

    return 0;
}
