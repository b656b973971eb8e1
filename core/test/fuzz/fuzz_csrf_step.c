/*
 * A libFuzzer target for CSRF tokens (ocs_csrf.h) and second-step state
 * tokens (ocs_step.h), against a fixed key ring made in the initialiser.
 * The input is a form body: "state=...&token=..." for a second step (the
 * seeds hold real pairs for the fixed session), "csrf=..." for the
 * sign-in form's token under a fixed nonce.  A token verifies only when
 * it is the very token the ring makes; a state verifies only with its
 * own token, and only once.
 *
 * "mint=..." makes a state of the field's first 24 bytes (the expiry,
 * then the nonce) with its right token, so that what follows the token's
 * check is reached: an expired form, a nonce used before, a once store
 * with no room (the field's 25th byte odd).  The outcome must be the one
 * those bytes call for.
 *
 *   OCS_FUZZ_SEEDS=dir build/fuzz/fuzz_csrf_step -runs=0   (writes seeds)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocs/ocs_codec.h>
#include <ocs/ocs_csrf.h>
#include <ocs/ocs_step.h>


static ocs_keyring_t        ring;
static ocs_ticket_cache_t  *cache;
static unsigned char        session[OCS_SESSION_LEN];
static char                 token[OCS_CSRF_TOKEN_LEN + 1];
static unsigned             counter;

static const unsigned char  nonce[] = "a sign-in form's nonce";


static int64_t
fz_now(void *data)
{
    (void) data;
    return INT64_C(1767225600);
}


static int
fz_random(void *data, unsigned char *buf, size_t len)
{
    size_t  i;

    (void) data;

    for (i = 0; i < len; i++) {
        buf[i] = (unsigned char) (i * 13 + counter);
    }

    counter++;

    return OCS_OK;
}


static const ocs_env_t  env = { fz_now, fz_random, NULL };


/* the once store: remembers one nonce, the last seen */
static unsigned char  seen[OCS_STEP_NONCE_LEN];
static int            seen_set;
static int            once_full;      /* the store has no room */

static int
fz_once(void *data, int kind, const unsigned char *key, size_t len,
    int64_t value, int64_t expires)
{
    (void) data;
    (void) value;
    (void) expires;

    if (kind != OCS_STEP_ONCE_STATE || len != OCS_STEP_NONCE_LEN) {
        abort();
    }

    if (once_full) {
        return OCS_ERR_SPACE;
    }

    if (seen_set && memcmp(seen, key, len) == 0) {
        return OCS_ERR_EXPIRED;
    }

    memcpy(seen, key, len);
    seen_set = 1;

    return OCS_OK;
}


/* a state made of raw bytes, with the token the ring makes for it */
static void
mint(const unsigned char *f, size_t len)
{
    int                  i, rc;
    size_t               n;
    int64_t              exp;
    char                 state[OCS_STEP_STATE_LEN + 1];
    char                 tok[OCS_CSRF_TOKEN_LEN + 1];
    unsigned char        raw[OCS_STEP_RAW_LEN];
    unsigned char        msg[OCS_SESSION_LEN + OCS_STEP_RAW_LEN];
    ocs_err_t            err;
    ocs_step_outcome_t   out;

    memset(raw, 0, sizeof(raw));
    memcpy(raw, f, len < sizeof(raw) ? len : sizeof(raw));
    memcpy(msg, session, OCS_SESSION_LEN);
    memcpy(msg + OCS_SESSION_LEN, raw, sizeof(raw));

    if (ocs_b64url_encode(raw, sizeof(raw), state, sizeof(state), &n)
        != OCS_OK || n != OCS_STEP_STATE_LEN
        || ocs_csrf_token(&ring, cache, OCS_CSRF_SECOND_STEP, msg,
                          sizeof(msg), tok, sizeof(tok), &err) != OCS_OK)
    {
        abort();
    }

    exp = 0;
    for (i = 0; i < 8; i++) {
        exp = (int64_t) (((uint64_t) exp << 8) | raw[i]);
    }

    seen_set = 0;
    once_full = len > sizeof(raw) && (f[sizeof(raw)] & 1);
    memset(&out, 0, sizeof(out));

    rc = ocs_step_state_verify(&ring, cache, &env, session, state, n, tok,
                               OCS_CSRF_TOKEN_LEN, fz_once, NULL, "nora",
                               &out);

    if (exp < fz_now(NULL)) {
        if (rc != OCS_ERR_EXPIRED || out.status != 403) {
            abort();
        }

    } else if (once_full) {
        /* a form that cannot be marked used would be good twice */
        if (rc != OCS_ERR_SPACE || out.status != 503) {
            abort();
        }

    } else if (rc != OCS_OK
               || ocs_step_state_verify(&ring, cache, &env, session, state,
                                        n, tok, OCS_CSRF_TOKEN_LEN,
                                        fz_once, NULL, "nora", &out)
                  != OCS_ERR_EXPIRED)
    {
        abort();
    }

    if (memchr(out.reason, '\0', sizeof(out.reason)) == NULL) {
        abort();
    }

    once_full = 0;
}


static void
write_seeds(const char *dir)
{
    int              i;
    char             path[4096], body[256];
    FILE            *f;
    ocs_err_t        err;
    ocs_step_form_t  form;

    for (i = 0; i < 3; i++) {
        if (ocs_step_state_make(&ring, cache, &env, session, &form, &err)
            != OCS_OK)
        {
            abort();
        }

        snprintf(body, sizeof(body), "state=%s&token=%s", form.state,
                 form.token);
        snprintf(path, sizeof(path), "%s/step-%d", dir, i);
        f = fopen(path, "w");
        if (f == NULL || fputs(body, f) < 0 || fclose(f) != 0) {
            abort();
        }
    }

    snprintf(body, sizeof(body), "csrf=%s", token);
    snprintf(path, sizeof(path), "%s/csrf", dir);
    f = fopen(path, "w");
    if (f == NULL || fputs(body, f) < 0 || fclose(f) != 0) {
        abort();
    }
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    size_t          i;
    ocs_err_t       err;
    unsigned char   raw[OCS_KEY_LEN];
    const char     *dir;

    (void) argc;
    (void) argv;

    if (ocs_init() != OCS_OK) {
        abort();
    }

    for (i = 0; i < OCS_KEY_LEN; i++) {
        raw[i] = (unsigned char) (0x3c + i);
    }

    if (ocs_keyring_add(&ring, raw, sizeof(raw), &err) != OCS_OK) {
        abort();
    }

    cache = ocs_ticket_cache_create(&ring, &err);
    if (cache == NULL) {
        abort();
    }

    memset(session, 0x5a, sizeof(session));

    if (ocs_csrf_token(&ring, cache, OCS_CSRF_SIGNIN, nonce, sizeof(nonce),
                       token, sizeof(token), &err) != OCS_OK
        || strlen(token) != OCS_CSRF_TOKEN_LEN)
    {
        abort();
    }

    dir = getenv("OCS_FUZZ_SEEDS");
    if (dir != NULL) {
        write_seeds(dir);
    }

    return 0;
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int                  rc, rc2;
    size_t               ls, lt, lc, n;
    const char          *body = (const char *) data;
    char                 state[OCS_STEP_STATE_MAX + 1];
    char                 tok[OCS_STEP_STATE_MAX + 1];
    char                 csrf[OCS_STEP_STATE_MAX + 1];
    char                 mine[OCS_CSRF_TOKEN_LEN + 1];
    unsigned char        raw[64];
    ocs_err_t            err;
    ocs_step_outcome_t   out;

    if (ocs_form_field(body, size, "csrf", csrf, sizeof(csrf), &lc)
        == OCS_OK)
    {
        rc = ocs_csrf_verify(&ring, cache, OCS_CSRF_SIGNIN, nonce,
                             sizeof(nonce), csrf, lc);
        rc2 = ocs_csrf_verify(&ring, NULL, OCS_CSRF_SIGNIN, nonce,
                              sizeof(nonce), csrf, lc);

        /* the one token, in its one spelling (base64url has spare bits
           in its last character: they must not make a second token) */
        if (rc != rc2
            || (rc == OCS_OK
                && (lc != OCS_CSRF_TOKEN_LEN || memcmp(csrf, token, lc))))
        {
            abort();
        }

        /* another purpose never takes it */
        if (ocs_csrf_verify(&ring, cache, OCS_CSRF_SECOND_STEP, nonce,
                            sizeof(nonce), csrf, lc) == OCS_OK)
        {
            abort();
        }

        /* tokens of any nonce in the input are well formed */
        n = lc < sizeof(raw) ? lc : sizeof(raw);
        memcpy(raw, csrf, n);
        if (ocs_csrf_token(&ring, cache, OCS_CSRF_PAGE_NOTE, raw, n, mine,
                           sizeof(mine), &err) != OCS_OK
            || strlen(mine) != OCS_CSRF_TOKEN_LEN
            || ocs_csrf_verify(&ring, cache, OCS_CSRF_PAGE_NOTE, raw, n,
                               mine, OCS_CSRF_TOKEN_LEN) != OCS_OK)
        {
            abort();
        }
    }

    if (ocs_form_field(body, size, "mint", csrf, sizeof(csrf), &lc)
        == OCS_OK)
    {
        mint((const unsigned char *) csrf, lc);
    }

    if (ocs_form_field(body, size, "state", state, sizeof(state), &ls)
        != OCS_OK
        || ocs_form_field(body, size, "token", tok, sizeof(tok), &lt)
           != OCS_OK)
    {
        return 0;
    }

    seen_set = 0;
    memset(&out, 0, sizeof(out));

    rc = ocs_step_state_verify(&ring, cache, &env, session, state, ls, tok,
                               lt, fz_once, NULL, "nora", &out);

    if (rc != OCS_OK) {
        if (rc != OCS_ERR_AUTH && rc != OCS_ERR_EXPIRED) {
            abort();
        }

        if (memchr(out.reason, '\0', sizeof(out.reason)) == NULL) {
            abort();
        }

        return 0;
    }

    if (ls != OCS_STEP_STATE_LEN || lt != OCS_CSRF_TOKEN_LEN) {
        abort();
    }

    /* a second use is refused, and another session never passes */
    if (ocs_step_state_verify(&ring, cache, &env, session, state, ls, tok,
                              lt, fz_once, NULL, "nora", &out) == OCS_OK)
    {
        abort();
    }

    seen_set = 0;
    session[0] ^= 1;
    rc = ocs_step_state_verify(&ring, cache, &env, session, state, ls, tok,
                               lt, fz_once, NULL, "nora", &out);
    session[0] ^= 1;

    if (rc == OCS_OK) {
        abort();
    }

    return 0;
}
