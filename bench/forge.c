/*
 * bench/forge: sealed tickets for the benchmarks, made with the core
 * and a key file as nginx makes them, so that a benchmark can fill a
 * revocation zone with a million real logoffs without a million
 * sign-ins.  Not installed; bench/zone-scale builds it.
 *
 *   forge KEYFILE COUNT PURPOSE [first|last]
 *
 * prints COUNT lines "TICKET CSRF": a fresh private-computer session of
 * user u0000000, u0000001, ..., sealed with the first key of the file
 * (or the last, "last": an old ticket after seven rotations), and the
 * CSRF token of PURPOSE ("logoff", "logoff everywhere") bound to it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocs/ocs.h>
#include <ocs/ocs_csrf.h>
#include <ocs/ocs_keyring.h>
#include <ocs/ocs_session.h>
#include <ocs/ocs_ticket.h>


int
main(int argc, char **argv)
{
    FILE                  *f;
    long                   i, count;
    char                   text[8192], out[OCS_TICKET_TEXT_MAX];
    char                   token[OCS_CSRF_TOKEN_LEN + 1];
    size_t                 len, n;
    ocs_err_t              err;
    ocs_ticket_t           t;
    ocs_keyring_t          ring, seal;
    ocs_session_policy_t   policy;
    const ocs_env_t       *env;

    if (argc < 4 || ocs_init() != OCS_OK) {
        fprintf(stderr, "usage: forge KEYFILE COUNT PURPOSE [first|last]\n");
        return 2;
    }

    f = fopen(argv[1], "r");
    if (f == NULL) {
        perror(argv[1]);
        return 1;
    }

    len = fread(text, 1, sizeof(text), f);
    fclose(f);

    memset(&ring, 0, sizeof(ring));

    if (ocs_keyring_parse(&ring, text, len, &err) != OCS_OK) {
        fprintf(stderr, "forge: %s\n", err.text);
        return 1;
    }

    ocs_wipe(text, sizeof(text));

    /* the sealing key alone: the first, or the last of the file */
    memset(&seal, 0, sizeof(seal));
    seal.n = 1;
    seal.keys[0] = ring.keys[(argc > 4 && strcmp(argv[4], "last") == 0)
                             ? ring.n - 1 : 0];

    memset(&policy, 0, sizeof(policy));
    policy.lifetime = -1;
    policy.idle = -1;
    policy.refresh = 3600;
    policy.computer[OCS_COMPUTER_PUBLIC] = (ocs_session_class_t) {
        OCS_SESSION_PUBLIC_IDLE, OCS_SESSION_PUBLIC_LIFETIME, 0 };
    policy.computer[OCS_COMPUTER_PRIVATE] = (ocs_session_class_t) {
        0, OCS_SESSION_PRIVATE_LIFETIME, 1 };

    env = ocs_env_default();
    count = strtol(argv[2], NULL, 10);

    for (i = 0; i < count; i++) {
        memset(&t, 0, sizeof(t));
        t.user_len = (size_t) snprintf(t.user, sizeof(t.user), "u%07ld", i);
        t.methods = OCS_METHOD_PASSWORD;
        t.computer = OCS_COMPUTER_PRIVATE;

        if (ocs_session_start(&policy, env, env->now(env->data) * 1000, 0,
                              &t, &err) != OCS_OK
            || ocs_ticket_seal(&seal, NULL, env, &t, out, sizeof(out), &n,
                               &err) != OCS_OK
            || ocs_csrf_token(&ring, NULL, argv[3], t.session,
                              OCS_SESSION_LEN, token, sizeof(token), &err)
               != OCS_OK)
        {
            fprintf(stderr, "forge: %s\n", err.text);
            return 1;
        }

        printf("%.*s %s\n", (int) n, out, token);
    }

    ocs_keyring_wipe(&ring);
    ocs_keyring_wipe(&seal);

    return 0;
}
