/*
 * Deliberate sanitizer reports: "make test-unit-asan" (ASan and UBSan)
 * and "make test-valgrind" (memcheck) first run this with each argument
 * they can see and expect a report and a failed exit, so that a silent
 * run of the unit tests means they are clean, not that reports go
 * nowhere.
 *
 *   san_canary heap|use-after-free|ub|leak|uninit
 *
 * Built only for those runs: it is not a unit test (no test_ prefix).
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* volatile: the compiler must not see through what follows */
static volatile int  canary_int = INT_MAX;
static void *volatile canary_ptr;


int
main(int argc, char **argv)
{
    char  *p;
    int    i;

    if (argc != 2) {
        fprintf(stderr, "usage: san_canary heap|use-after-free|ub|leak|"
                "uninit\n");
        return 2;
    }

    p = malloc(8);
    if (p == NULL) {
        return 2;
    }

    memset(p, 'x', 8);

    if (strcmp(argv[1], "heap") == 0) {
        i = canary_int - INT_MAX + 8;
        p[i] = 'y';

    } else if (strcmp(argv[1], "use-after-free") == 0) {
        canary_ptr = p;
        free(p);
        i = ((char *) canary_ptr)[canary_int - INT_MAX];
        return i == 'x' ? 0 : 1;

    } else if (strcmp(argv[1], "ub") == 0) {
        i = canary_int + 1;
        printf("%d\n", i);

    } else if (strcmp(argv[1], "leak") == 0) {
        canary_ptr = malloc(32);
        canary_ptr = NULL;

    } else if (strcmp(argv[1], "uninit") == 0) {
        canary_ptr = malloc(8);
        if (((char *) canary_ptr)[canary_int - INT_MAX] == 'x') {
            puts("x");
        }
        free(canary_ptr);

    } else {
        fprintf(stderr, "san_canary: unknown \"%s\"\n", argv[1]);
        free(p);
        return 2;
    }

    free(p);

    return 0;
}
