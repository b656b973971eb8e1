/*
 * The Kerberos password check's refusals that need no KDC, and its
 * deadlines against KDCs that refuse or never answer (sockets of this
 * process).
 */

#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <ocs_test.h>
#include <ocs/ocs_krb5.h>


static void
test_password_refusals(void)
{
    int        state;
    char       principal[64];
    ocs_err_t  err;

    /* refused before any Kerberos call: no KDC or keytab needed */
    state = -1;
    is_int(ocs_krb5_password("/nonexistent", NULL, 1000, "alice", 5, "", 0,
                             principal, sizeof(principal), &state, &err),
           OCS_OK, "empty password: answered");
    is_int(state, OCS_ACCT_BAD_CREDENTIALS, "empty password: refused");

    state = -1;
    is_int(ocs_krb5_password("/nonexistent", NULL, 1000, "alice", 5,
                             "a\0b", 3, principal, sizeof(principal),
                             &state, &err),
           OCS_OK, "NUL in the password: answered");
    is_int(state, OCS_ACCT_BAD_CREDENTIALS, "NUL in the password: refused");
    is_int(principal[0], 0, "refused: no principal");
}


/*
 * A TCP port on 127.0.0.1: listening (the kernel completes connections
 * into the backlog, nobody ever reads them: a silent KDC), or closed.
 */
static int
kdc_port(int listening, int *fd)
{
    socklen_t           len;
    struct sockaddr_in  sin;

    *fd = socket(AF_INET, SOCK_STREAM, 0);
    if (*fd == -1) {
        return -1;
    }

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof(sin);

    if (bind(*fd, (struct sockaddr *) &sin, sizeof(sin)) == -1
        || getsockname(*fd, (struct sockaddr *) &sin, &len) == -1
        || (listening && listen(*fd, 8) == -1))
    {
        close(*fd);
        return -1;
    }

    if (!listening) {
        close(*fd);
        *fd = -1;
    }

    return ntohs(sin.sin_port);
}


static int64_t
now_ms(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/* a krb5.conf for UNIT.TEST whose KDCs are the given lines */
static int
krb5_conf(const char *path, const char *kdcs)
{
    FILE  *f;

    f = fopen(path, "w");
    if (f == NULL) {
        return -1;
    }

    fprintf(f, "[libdefaults]\n default_realm = UNIT.TEST\n"
               " dns_lookup_kdc = false\n dns_lookup_realm = false\n"
               "[realms]\n UNIT.TEST = {\n%s }\n", kdcs);

    return fclose(f);
}


static void
test_password_deadline(void)
{
    int        silent, closed, fd, none, state, rc;
    char       dir[] = "/tmp/ocs-krb5-XXXXXX", conf[64], kdcs[256];
    char       principal[64], want[160];
    int64_t    start, took;
    ocs_err_t  err;

    silent = kdc_port(1, &fd);
    closed = kdc_port(0, &none);

    if (silent == -1 || closed == -1 || mkdtemp(dir) == NULL) {
        ok(0, "KDC deadline: no sockets or no temporary directory");
        return;
    }

    (void) snprintf(conf, sizeof(conf), "%s/krb5.conf", dir);
    (void) setenv("KRB5_CONFIG", conf, 1);

    /* a refused KDC costs nothing; a silent one the timeout, once */
    (void) snprintf(kdcs, sizeof(kdcs), "  kdc = 127.0.0.1:%d\n"
                    "  kdc = 127.0.0.1:%d\n", closed, silent);
    ok(krb5_conf(conf, kdcs) == 0, "KDC deadline: krb5.conf written");

    memset(&err, 0, sizeof(err));
    start = now_ms();
    rc = ocs_krb5_password("FILE:/nonexistent", "HTTP/unit@UNIT.TEST", 300,
                           "alice", 5, "pw", 2, principal,
                           sizeof(principal), &state, &err);
    took = now_ms() - start;

    is_int(rc, OCS_ERR_SYS, "no KDC answers: a system error, not a verdict");
    is_int(state, OCS_ACCT_BAD_CREDENTIALS, "no KDC answers: no sign-in");
    ok(took >= 250 && took < 3000, "silent KDC: the timeout ends the wait "
       "(%lld ms)", (long long) took);

    (void) snprintf(want, sizeof(want), "Kerberos: the KDC: no KDC of realm "
                    "\"UNIT.TEST\" answered: \"127.0.0.1:%d\" (connection "
                    "refused), \"127.0.0.1:%d\" (no answer in 300 ms)",
                    closed, silent);
    is_str(err.text, strlen(err.text), want, "each KDC named with its fault");

    /* an https:// KDC (MS-KKDCP) is libkrb5's to reach, not ours */
    (void) snprintf(kdcs, sizeof(kdcs), "  kdc = https://127.0.0.1:%d/\n",
                    closed);
    ok(krb5_conf(conf, kdcs) == 0, "KKDCP: krb5.conf written");

    memset(&err, 0, sizeof(err));
    rc = ocs_krb5_password("FILE:/nonexistent", "HTTP/unit@UNIT.TEST", 300,
                           "alice", 5, "pw", 2, principal,
                           sizeof(principal), &state, &err);

    is_int(rc, OCS_ERR_SYS, "KKDCP refused: a system error");
    ok(strstr(err.text, "no KDC of realm") == NULL
       && strstr(err.text, "Kerberos: the KDC: ") == err.text,
       "KKDCP: libkrb5's transport and words (%s)", err.text);

    (void) unsetenv("KRB5_CONFIG");
    (void) unlink(conf);
    (void) rmdir(dir);
    close(fd);
}


int
main(void)
{
    test_password_refusals();
    test_password_deadline();

    return ocs_test_done();
}
