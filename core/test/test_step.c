/*
 * The second step with a frozen clock: the code form's state (expiry at,
 * before and after, replay, a foreign session, tampering), the code
 * check against a user file made here, and every outcome's answer,
 * sentence and log reason.
 */

#include <unistd.h>

#include <ocs_test.h>
#include <ocs/ocs_signin.h>
#include <ocs/ocs_userfile.h>
#include <ocs/ocs_step.h>


#define T0  INT64_C(1700000000)


static ocs_test_env_data_t  clock_data = { T0, 1 };
static ocs_env_t            env = { ocs_test_now, ocs_test_random,
                                    &clock_data };


/* an in-memory store of once marks, on the frozen clock */

typedef struct {
    int            kind;
    unsigned char  key[OCS_USER_MAX];
    size_t         len;
    int64_t        value;
    int64_t        expires;
} mark_t;

typedef struct {
    mark_t         marks[32];
    size_t         n;
    int            calls;
    int            full;           /* answer as a store without room */
} store_t;


static int
store_once(void *data, int kind, const unsigned char *key, size_t len,
    int64_t value, int64_t expires)
{
    store_t  *s = data;
    size_t    i;
    mark_t   *m;

    s->calls++;

    if (s->full) {
        return OCS_ERR_SPACE;
    }

    for (i = 0; i < s->n; i++) {
        m = &s->marks[i];

        if (m->kind == kind && m->len == len && memcmp(m->key, key, len) == 0)
        {
            if (m->expires > clock_data.now && m->value >= value) {
                return OCS_ERR_AUTH;
            }

            m->value = value;
            m->expires = expires;
            return OCS_OK;
        }
    }

    m = &s->marks[s->n++];
    m->kind = kind;
    memcpy(m->key, key, len);
    m->len = len;
    m->value = value;
    m->expires = expires;

    return OCS_OK;
}


static void
set(char *dst, size_t size, const char *src)
{
    (void) snprintf(dst, size, "%s", src);
}


static ocs_keyring_t  ring, ring2, rotated;

static const unsigned char  session[OCS_SESSION_LEN] = "session-of-alic";
static const unsigned char  foreign[OCS_SESSION_LEN] = "session-of-bob!";


static void
rings(void)
{
    unsigned char  raw[OCS_KEY_LEN];

    memset(raw, 'a', sizeof(raw));
    (void) ocs_keyring_add(&ring, raw, sizeof(raw), NULL);
    memset(raw, 'b', sizeof(raw));
    (void) ocs_keyring_add(&rotated, raw, sizeof(raw), NULL);
    memset(raw, 'a', sizeof(raw));
    (void) ocs_keyring_add(&rotated, raw, sizeof(raw), NULL);

    memset(raw, 'z', sizeof(raw));
    (void) ocs_keyring_add(&ring2, raw, sizeof(raw), NULL);
}


static int
verify(const ocs_keyring_t *r, const unsigned char *sess,
    const ocs_step_form_t *f, store_t *s, ocs_step_outcome_t *out)
{
    return ocs_step_state_verify(r, NULL, &env, sess, f->state,
                                 strlen(f->state), f->token,
                                 strlen(f->token), store_once, s, "alice",
                                 out);
}


static void
test_state_expiry(void)
{
    size_t               i;
    store_t              s;
    ocs_err_t            err;
    ocs_step_form_t      f;
    ocs_step_outcome_t   out;

    static const struct {
        int64_t      after;
        int          rc;
        const char  *name;
    } tests[] = {
        { 0, OCS_OK, "at once" },
        { OCS_STEP_TTL - 1, OCS_OK, "a second before its expiry" },
        { OCS_STEP_TTL, OCS_OK, "at its expiry" },
        { OCS_STEP_TTL + 1, OCS_ERR_EXPIRED, "a second after its expiry" },
        { 86400, OCS_ERR_EXPIRED, "a day later" },
        { -3600, OCS_OK, "with the clock put back" },
    };

    for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        memset(&s, 0, sizeof(s));
        clock_data.now = T0;

        is_int(ocs_step_state_make(&ring, NULL, &env, session, &f, &err),
               OCS_OK, "state: made (%s)", tests[i].name);
        is_int(strlen(f.state), OCS_STEP_STATE_LEN,
               "state: %d characters (%s)", OCS_STEP_STATE_LEN,
               tests[i].name);

        clock_data.now = T0 + tests[i].after;

        is_int(verify(&ring, session, &f, &s, &out), tests[i].rc,
               "state: verified %s", tests[i].name);

        if (tests[i].rc == OCS_OK) {
            is_int(out.verdict, OCS_STEP_NONE, "state: %s, goes on",
                   tests[i].name);
            ok(s.calls == 1 && s.marks[0].kind == OCS_STEP_ONCE_STATE
               && s.marks[0].len == OCS_STEP_NONCE_LEN
               && s.marks[0].expires == T0 + OCS_STEP_TTL,
               "state: %s, its nonce marked until its expiry",
               tests[i].name);

        } else {
            is_int(out.verdict, OCS_STEP_FORM, "state: %s, the form again",
                   tests[i].name);
            is_int(out.status, 403, "state: %s, 403", tests[i].name);
            is_int(s.calls, 0, "state: %s, no mark spent", tests[i].name);
            ok(strcmp(out.reason, "second step of user \"alice\" refused: "
                      "the form expired or was used before") == 0,
               "state: %s, logged", tests[i].name);
        }
    }

    clock_data.now = T0;
}


static void
test_state_replay(void)
{
    store_t              s;
    ocs_err_t            err;
    ocs_step_form_t      f, g;
    ocs_step_outcome_t   out;

    memset(&s, 0, sizeof(s));

    (void) ocs_step_state_make(&ring, NULL, &env, session, &f, &err);
    (void) ocs_step_state_make(&ring, NULL, &env, session, &g, &err);

    ok(strcmp(f.state, g.state) != 0, "replay: two forms, two states");

    is_int(verify(&ring, session, &f, &s, &out), OCS_OK,
           "replay: first use");
    is_int(verify(&ring, session, &f, &s, &out), OCS_ERR_EXPIRED,
           "replay: second use refused");
    is_int(out.level, OCS_STEP_LOG_ERR, "replay: logged as an error");
    ok(strstr(out.reason, "expired or was used before") != NULL,
       "replay: the reason");
    ok(strcmp(out.message, "The page had expired. Please enter a new "
              "code.") == 0, "replay: the user's message");
    is_int(verify(&ring, session, &g, &s, &out), OCS_OK,
           "replay: another form of the session still good");

    /* a store that cannot record refuses: try again later */
    (void) ocs_step_state_make(&ring, NULL, &env, session, &f, &err);
    s.full = 1;
    is_int(verify(&ring, session, &f, &s, &out), OCS_ERR_SPACE,
           "replay: a full store refuses");
    ok(out.verdict == OCS_STEP_MESSAGE && out.status == 503
       && out.level == OCS_STEP_LOG_ERR, "replay: full, a 503 logged");
    is_str(out.reason, strlen(out.reason), "second step of user \"alice\" "
           "refused: the lockout store has no room to mark the form used",
           "replay: full, the reason");
    is_str(out.message, strlen(out.message), "Your code cannot be checked "
           "now. Please try again in a few minutes.",
           "replay: full, the user's message");
    s.full = 0;
    is_int(verify(&ring, session, &f, &s, &out), OCS_OK,
           "replay: room again, the form is good");
}


static void
test_state_tampered(void)
{
    size_t               i;
    store_t              s;
    ocs_err_t            err;
    ocs_step_form_t      f, g, t;
    ocs_step_outcome_t   out;
    char                 longer[OCS_STEP_STATE_LEN + 2], *p;

    /* what is done to a copy of the form: f flips a bit, c cuts there */
    static const struct {
        int          field;         /* 's' state, 't' token, 'g' another */
        int          how;
        size_t       at;
        const char  *name;
    } tests[] = {
        { 's', 'f', 0, "state: first character changed" },
        { 's', 'f', OCS_STEP_STATE_LEN - 1, "state: last character changed" },
        { 's', 'c', OCS_STEP_STATE_LEN - 1, "state: cut short" },
        { 's', 'c', 0, "state: empty" },
        { 't', 'f', 0, "token: first character changed" },
        { 't', 'f', OCS_CSRF_TOKEN_LEN - 1, "token: last character changed" },
        { 't', 'c', OCS_CSRF_TOKEN_LEN - 1, "token: cut short" },
        { 't', 'c', 0, "token: empty" },
        { 'g', 0, 0, "another form's state with this token" },
        { 'l', 0, 0, "state: one character more" },
    };

    (void) ocs_step_state_make(&ring, NULL, &env, session, &f, &err);
    (void) ocs_step_state_make(&ring, NULL, &env, session, &g, &err);

    (void) snprintf(longer, sizeof(longer), "%sA", f.state);

    for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        memset(&s, 0, sizeof(s));
        t = f;
        p = (tests[i].field == 's') ? t.state : t.token;

        if (tests[i].field == 'g') {
            memcpy(t.state, g.state, sizeof(t.state));

        } else if (tests[i].how == 'f') {
            /*
             * 'A' and 'Q' (0 and 16) both decode, and differ in a bit
             * that counts even in the token's last character
             */
            p[tests[i].at] = (p[tests[i].at] == 'A') ? 'Q' : 'A';

        } else if (tests[i].how == 'c') {
            p[tests[i].at] = '\0';
        }

        if (tests[i].field == 'l') {
            is_int(ocs_step_state_verify(&ring, NULL, &env, session,
                                         longer, strlen(longer), t.token,
                                         strlen(t.token), store_once, &s,
                                         "alice", &out),
                   OCS_ERR_AUTH, "tampered: %s", tests[i].name);

        } else {
            is_int(verify(&ring, session, &t, &s, &out), OCS_ERR_AUTH,
                   "tampered: %s", tests[i].name);
        }

        is_int(s.calls, 0, "tampered: %s, no mark spent", tests[i].name);
        ok(strcmp(out.reason, "second step of user \"alice\" with a bad or "
                  "foreign state refused") == 0,
           "tampered: %s, logged", tests[i].name);
        is_int(out.status, 403, "tampered: %s, 403", tests[i].name);
    }

    memset(&s, 0, sizeof(s));
    is_int(verify(&ring, session, &f, &s, &out), OCS_OK,
           "tampered: the form itself still good");
}


static void
test_state_foreign(void)
{
    store_t              s;
    ocs_err_t            err;
    ocs_step_form_t      f;
    ocs_step_outcome_t   out;

    memset(&s, 0, sizeof(s));

    (void) ocs_step_state_make(&ring, NULL, &env, session, &f, &err);

    is_int(verify(&ring, foreign, &f, &s, &out), OCS_ERR_AUTH,
           "foreign: another session's form refused");
    is_int(out.verdict, OCS_STEP_FORM, "foreign: the form again");
    is_int(verify(&ring2, session, &f, &s, &out), OCS_ERR_AUTH,
           "foreign: another ring's form refused");
    is_int(s.calls, 0, "foreign: no mark spent");

    /* a key ring's every key opens: a form from before a rotation */
    is_int(verify(&rotated, session, &f, &s, &out), OCS_OK,
           "foreign: a form from before a key rotation");
}


static int
no_random(void *data, unsigned char *buf, size_t len)
{
    (void) data;
    (void) buf;
    (void) len;

    return OCS_ERR_SYS;
}


static void
test_state_errors(void)
{
    ocs_err_t         err;
    ocs_keyring_t     empty;
    ocs_step_form_t   f;
    ocs_env_t         broken = { ocs_test_now, no_random, &clock_data };

    memset(&empty, 0, sizeof(empty));

    is_int(ocs_step_state_make(&ring, NULL, &broken, session, &f, &err),
           OCS_ERR_SYS, "make: no random bytes");
    ok(strcmp(err.text, "no random bytes for a second step") == 0,
       "make: no random bytes, said so");

    ok(ocs_step_state_make(&empty, NULL, &env, session, &f, &err) != OCS_OK
       && err.code != OCS_ERR_SYS, "make: an empty ring, not a system error");
    ok(strncmp(err.text, "second step token: ", 19) == 0,
       "make: an empty ring, said so");
}


static void
test_want(void)
{
    size_t  i;

    static const struct {
        const char  *f;
        uint32_t     want;
    } tests[] = {
        { NULL, OCS_STEP_CODE_FACTORS },
        { "", OCS_STEP_CODE_FACTORS },
        { "8", OCS_METHOD_TOTP },
        { "32", OCS_METHOD_OTP },
        { "40", OCS_METHOD_TOTP|OCS_METHOD_OTP },
        { "9", OCS_METHOD_TOTP },                  /* password|totp */
        { "1", OCS_STEP_CODE_FACTORS },            /* no code factor */
        { "16", OCS_STEP_CODE_FACTORS },           /* certificate */
        { "x8", OCS_STEP_CODE_FACTORS },
        { "8 ", OCS_STEP_CODE_FACTORS },
        { "-8", OCS_STEP_CODE_FACTORS },
        { "99999999999999999999", OCS_STEP_CODE_FACTORS },
    };

    for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        is_int(ocs_step_want(tests[i].f, tests[i].f ? strlen(tests[i].f) : 0),
               tests[i].want, "want: \"%s\"",
               tests[i].f ? tests[i].f : "(none)");
    }

    ok(ocs_step_can_check(OCS_METHOD_TOTP, 1, 0), "can check: totp");
    ok(!ocs_step_can_check(OCS_METHOD_TOTP, 0, 1),
       "can check: totp wanted, only an OTP server");
    ok(ocs_step_can_check(OCS_STEP_CODE_FACTORS, 0, 1),
       "can check: either, an OTP server");
    ok(!ocs_step_can_check(OCS_METHOD_OTP, 1, 0),
       "can check: otp wanted, only totp");
    ok(!ocs_step_can_check(OCS_STEP_CODE_FACTORS, 0, 0),
       "can check: nothing set");

    ok(ocs_step_probe_first(OCS_STEP_CODE_FACTORS, 0),
       "probe first: no OTP server");
    ok(ocs_step_probe_first(OCS_METHOD_TOTP, 1),
       "probe first: TOTP wanted only");
    ok(!ocs_step_probe_first(OCS_STEP_CODE_FACTORS, 1),
       "probe first: not with an OTP server");
    ok(!ocs_step_probe_first(OCS_METHOD_OTP, 1),
       "probe first: not when OTP only is wanted");
}


static void
test_refuse(void)
{
    size_t              i;
    ocs_step_outcome_t  out;

    static const struct {
        ocs_step_refusal_e   why;
        ocs_step_verdict_e   verdict;
        int                  status;
        int                  level;
        const char          *message;
        const char          *reason;
    } tests[] = {
        { OCS_STEP_NO_SESSION, OCS_STEP_SIGNIN, 303, OCS_STEP_LOG_ERR, "",
          "second step without a signed-in session refused" },
        { OCS_STEP_LOCKED, OCS_STEP_FORM, 429, OCS_STEP_LOG_ERR,
          "Too many wrong codes. Please wait and try again later.",
          "second step of user \"alice\" refused: too many failures (the "
          "account), locked for 42 s more" },
        { OCS_STEP_NO_CODE, OCS_STEP_FORM, 401, OCS_STEP_LOG_INFO,
          "Please enter the code.",
          "second step of user \"alice\" without a code" },
        { OCS_STEP_BAD_CODE, OCS_STEP_FORM, 401, OCS_STEP_LOG_ERR,
          "Please enter the code.",
          "second step of user \"alice\" refused: the code is too long or "
          "badly encoded" },
        { OCS_STEP_UNSET, OCS_STEP_END, 403, OCS_STEP_LOG_ERR,
          "No second factor is set up for this sign-in page.",
          "second step of user \"alice\": this sign-in location has neither "
          "\"ocs_auth_totp\" nor \"ocs_auth_otp_server\" for the factors "
          "the service accepts" },
    };

    for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        ocs_step_refuse(tests[i].why, "alice", "the account", 42, &out);

        is_int(out.verdict, tests[i].verdict, "refuse %zu: verdict", i);
        is_int(out.status, tests[i].status, "refuse %zu: status", i);
        is_int(out.level, tests[i].level, "refuse %zu: level", i);
        is_str(out.message, strlen(out.message), tests[i].message,
               "refuse %zu: the user's message", i);
        is_str(out.reason, strlen(out.reason), tests[i].reason,
               "refuse %zu: the log reason", i);
        ok(!out.failed && !out.succeeded, "refuse %zu: no count", i);
    }

    ocs_step_refuse(OCS_STEP_UNSET, "alice", NULL, 0, &out);
    is_str(out.title, strlen(out.title), "Second factor not set up",
           "refuse: unset, the title");
}


static void
test_code_outcomes(void)
{
    size_t              i;
    store_t             s;
    ocs_step_code_t     task;
    ocs_step_outcome_t  out;

    static const struct {
        int                  probe;
        int                  rc;
        uint32_t             method;
        ocs_step_verdict_e   verdict;
        int                  status;
        int                  failed;
        int                  succeeded;
        const char          *message;
        const char          *reason;
    } tests[] = {
        { 0, OCS_OK, OCS_METHOD_TOTP, OCS_STEP_PASS, 303, 0, 1, "",
          "user \"alice\" completed the second step with TOTP" },
        { 0, OCS_OK, OCS_METHOD_OTP, OCS_STEP_PASS, 303, 0, 1, "",
          "user \"alice\" completed the second step with OTP server" },
        { 0, OCS_ERR_AUTH, OCS_METHOD_TOTP, OCS_STEP_FORM, 401, 1, 0,
          "The code is not correct.",
          "second step of user \"alice\" failed: wrong TOTP code" },
        { 0, OCS_ERR_AUTH, OCS_METHOD_OTP, OCS_STEP_FORM, 401, 1, 0,
          "The code is not correct.",
          "second step of user \"alice\" failed: wrong OTP server code" },
        { 0, OCS_OK, 0, OCS_STEP_END, 403, 0, 0,
          "No second factor is set up for your account. Please ask your "
          "administrator.",
          "second step of user \"alice\": no TOTP secret for the user and "
          "no OTP server" },
        { 0, OCS_ERR_NOTFOUND, 0, OCS_STEP_END, 403, 0, 0,
          "No second factor is set up for your account. Please ask your "
          "administrator.",
          "second step of user \"alice\": no TOTP secret for the user and "
          "no OTP server" },
        { 0, OCS_ERR_INVALID, OCS_METHOD_TOTP, OCS_STEP_END, 403, 0, 0,
          "Your second factor cannot be used. Please ask your "
          "administrator.",
          "second step of user \"alice\": what went wrong" },
        { 0, OCS_ERR_SYS, OCS_METHOD_OTP, OCS_STEP_MESSAGE, 503, 0, 0,
          "The service that checks one-time codes cannot be reached. "
          "Please try again later.",
          "second factor unavailable for user \"alice\": what went wrong" },
        { 1, OCS_OK, 0, OCS_STEP_FORM, 200, 0, 0, "", "" },
        { 1, OCS_ERR_NOTFOUND, 0, OCS_STEP_END, 403, 0, 0,
          "This service needs a one-time code, and no authenticator app or "
          "token is set up for your account. Please ask your administrator "
          "to set one up.",
          "second step of user \"alice\": no TOTP secret for the user and "
          "no OTP server" },
        { 1, OCS_ERR_INVALID, 0, OCS_STEP_END, 403, 0, 0,
          "Your second factor cannot be used. Please ask your "
          "administrator.",
          "second step of user \"alice\": what went wrong" },
        { 1, OCS_ERR_SYS, 0, OCS_STEP_END, 503, 0, 0,
          "Your second factor cannot be checked now. Please try again "
          "later.",
          "second factor unavailable for user \"alice\": what went wrong" },
    };

    for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        memset(&s, 0, sizeof(s));
        memset(&task, 0, sizeof(task));
        set(task.user, sizeof(task.user), "alice");
        task.probe = tests[i].probe;
        task.rc = tests[i].rc;
        task.method = tests[i].method;
        task.counter = 1000 + i;
        (void) ocs_err(&task.err, tests[i].rc, "what went wrong");

        ocs_step_code_outcome(&task, T0, store_once, &s, &out);

        is_int(out.verdict, tests[i].verdict, "code %zu: verdict", i);
        is_int(out.status, tests[i].status, "code %zu: status", i);
        is_int(out.failed, tests[i].failed, "code %zu: counts a failure", i);
        is_int(out.succeeded, tests[i].succeeded, "code %zu: a success", i);
        is_str(out.message, strlen(out.message), tests[i].message,
               "code %zu: the user's message", i);
        is_str(out.reason, strlen(out.reason), tests[i].reason,
               "code %zu: the log reason", i);
        is_int(out.method, (out.verdict == OCS_STEP_PASS) ? tests[i].method
                                                          : 0,
               "code %zu: the method recorded", i);
        is_int(s.calls, (tests[i].rc == OCS_OK && !tests[i].probe
                         && tests[i].method == OCS_METHOD_TOTP),
               "code %zu: a TOTP step marked only when it passed", i);
    }
}


static void
test_totp_replay(void)
{
    store_t             s;
    ocs_step_code_t     task;
    ocs_step_outcome_t  out;

    memset(&s, 0, sizeof(s));
    memset(&task, 0, sizeof(task));
    set(task.user, sizeof(task.user), "Alice");
    task.rc = OCS_OK;
    task.method = OCS_METHOD_TOTP;
    task.counter = 56666666;

    ocs_step_code_outcome(&task, T0, store_once, &s, &out);
    is_int(out.verdict, OCS_STEP_PASS, "totp once: first use");
    ok(s.n == 1 && s.marks[0].kind == OCS_STEP_ONCE_TOTP
       && s.marks[0].len == 5 && memcmp(s.marks[0].key, "alice", 5) == 0
       && s.marks[0].value == 56666666
       && s.marks[0].expires == T0 + OCS_STEP_TOTP_KEEP,
       "totp once: the lowercased user, the step, kept 120 s");

    set(task.user, sizeof(task.user), "alice");
    ocs_step_code_outcome(&task, T0, store_once, &s, &out);
    is_int(out.verdict, OCS_STEP_FORM, "totp once: again, the form");
    is_int(out.status, 401, "totp once: again, 401");
    ok(out.failed, "totp once: again, counts as a failure");
    is_str(out.message, strlen(out.message), "This code was used already. "
           "Please wait for the next one.", "totp once: again, the message");
    is_str(out.reason, strlen(out.reason), "second step of user \"alice\" "
           "refused: the TOTP code was used before",
           "totp once: again, the reason");

    task.counter--;
    ocs_step_code_outcome(&task, T0, store_once, &s, &out);
    is_int(out.verdict, OCS_STEP_FORM, "totp once: an earlier step refused");

    task.counter += 2;
    ocs_step_code_outcome(&task, T0, store_once, &s, &out);
    is_int(out.verdict, OCS_STEP_PASS, "totp once: a later step passes");

    /* no room for the mark: refused, the user not blamed */
    task.counter++;
    s.full = 1;
    ocs_step_code_outcome(&task, T0, store_once, &s, &out);
    ok(out.verdict == OCS_STEP_MESSAGE && out.status == 503,
       "totp once: a full store, 503");
    ok(!out.failed && !out.succeeded && out.method == 0,
       "totp once: full, not a failure, not a pass");
    is_int(out.level, OCS_STEP_LOG_ERR, "totp once: full, logged as error");
    is_str(out.reason, strlen(out.reason), "second step of user \"alice\" "
           "refused: the lockout store has no room to mark the TOTP code "
           "used", "totp once: full, the reason");
    s.full = 0;
    ocs_step_code_outcome(&task, T0, store_once, &s, &out);
    is_int(out.verdict, OCS_STEP_PASS, "totp once: room again, it passes");

    ocs_step_code_outcome(&task, T0, NULL, NULL, &out);
    ok(out.verdict == OCS_STEP_MESSAGE && out.status == 503,
       "totp once: no store, refused");

    task.method = OCS_METHOD_OTP;
    ocs_step_code_outcome(&task, T0, NULL, NULL, &out);
    is_int(out.verdict, OCS_STEP_PASS, "otp: the server judges replays");
}


/* "alice" has a secret, "bob" none, "carol" one that cannot be read */
static void
test_check_code(void)
{
    int                  fd;
    FILE                *f;
    void                *work;
    char                 path[] = "/tmp/ocs-step-XXXXXX", hash[OCS_HASH_MAX];
    char                 code[16];
    uint32_t             c;
    ocs_err_t            err;
    ocs_totp_t           totp;
    ocs_step_code_t      task;
    ocs_otp_conf_t       otp;

    static const char  *secret = "JBSWY3DPEHPK3PXPJBSWY3DP";

    work = malloc(ocs_password_work_size());
    (void) ocs_password_hash("pw", "sha512", &env, hash, sizeof(hash), work,
                             &err);
    free(work);

    fd = mkstemp(path);
    f = fdopen(fd, "w");
    fprintf(f, "alice:%s:totp=%s\n", hash, secret);
    fprintf(f, "bob:%s\n", hash);
    fprintf(f, "carol:%s:totp=not-base32!\n", hash);
    fclose(f);

    (void) ocs_totp_parse(secret, strlen(secret), &totp);
    (void) ocs_totp_code(&totp, (uint64_t) T0 / 30, &c);
    (void) snprintf(code, sizeof(code), "%06u", c);

    memset(&task, 0, sizeof(task));
    set(task.user, sizeof(task.user), "alice");
    ocs_step_code_source(&task, OCS_STEP_CODE_FACTORS, 1, NULL, 0, path,
                         NULL);
    ok(task.path == path && task.ld == NULL && task.otp == NULL,
       "source: the user file");

    set(task.code, sizeof(task.code), code);
    task.code_len = 6;
    task.now = T0;
    ocs_step_check_code(&task);
    is_int(task.rc, OCS_OK, "check: the right code");
    is_int(task.method, OCS_METHOD_TOTP, "check: with TOTP");
    is_int(task.counter, (uint64_t) T0 / 30, "check: its time step");
    ok(task.code[0] == '\0' && task.code_len == 0, "check: the code wiped");

    set(task.code, sizeof(task.code), code);
    task.code_len = 6;
    task.now = T0 + 30;
    ocs_step_check_code(&task);
    is_int(task.rc, OCS_OK, "check: a step late, within the drift");

    set(task.code, sizeof(task.code), code);
    task.code_len = 6;
    task.now = T0 + 90;
    ocs_step_check_code(&task);
    is_int(task.rc, OCS_ERR_AUTH, "check: three steps late");

    set(task.code, sizeof(task.code), "12345x");
    task.code_len = 6;
    task.now = T0;
    ocs_step_check_code(&task);
    is_int(task.rc, OCS_ERR_AUTH, "check: not digits, a wrong code");

    task.probe = 1;
    task.method = 0;
    ocs_step_check_code(&task);
    is_int(task.rc, OCS_OK, "probe: alice has a secret");
    is_int(task.method, 0, "probe: nothing checked");

    set(task.user, sizeof(task.user), "bob");
    ocs_step_check_code(&task);
    is_int(task.rc, OCS_ERR_NOTFOUND, "probe: bob has none");

    set(task.user, sizeof(task.user), "carol");
    ocs_step_check_code(&task);
    is_int(task.rc, OCS_ERR_INVALID, "probe: carol's cannot be read");

    task.probe = 0;
    set(task.code, sizeof(task.code), code);
    task.code_len = 6;
    ocs_step_check_code(&task);
    is_int(task.rc, OCS_ERR_INVALID, "check: carol's cannot be read");
    is_int(task.method, OCS_METHOD_TOTP, "check: carol's, with TOTP");

    set(task.user, sizeof(task.user), "bob");
    task.method = 0;
    ocs_step_check_code(&task);
    is_int(task.rc, OCS_ERR_NOTFOUND, "check: bob, no secret, no server");
    is_int(task.method, 0, "check: bob, nothing checked");

    set(task.user, sizeof(task.user), "nobody");
    ocs_step_check_code(&task);
    is_int(task.rc, OCS_ERR_NOTFOUND, "check: a user not in the file");

    /* the file gone: the lookup's error */
    set(task.user, sizeof(task.user), "alice");
    unlink(path);
    ocs_step_check_code(&task);
    is_int(task.rc, OCS_ERR_SYS, "check: the user file unreadable");

    /* which source a code goes to */
    memset(&otp, 0, sizeof(otp));
    memset(&task, 0, sizeof(task));
    ocs_step_code_source(&task, OCS_METHOD_OTP, 1, NULL, 0, path, &otp);
    ok(task.path == NULL && task.otp == &otp, "source: otp wanted only");
    ocs_step_code_source(&task, OCS_STEP_CODE_FACTORS, 0, NULL, 0, path,
                         &otp);
    ok(task.path == NULL && task.otp == &otp, "source: totp off");
    ocs_step_code_source(&task, OCS_METHOD_TOTP, 1, NULL, 0, path, &otp);
    ok(task.path == path && task.otp == NULL, "source: totp wanted only");
    set(task.dn, sizeof(task.dn), "cn=alice,dc=example");
    ocs_step_code_source(&task, OCS_METHOD_TOTP, 1, (ocs_ldap_t *) &otp, 1,
                         path, NULL);
    ok(task.ld == (ocs_ldap_t *) &otp && task.path == NULL,
       "source: a directory account, the directory");
    ocs_step_code_source(&task, OCS_METHOD_TOTP, 1, (ocs_ldap_t *) &otp, 0,
                         path, NULL);
    ok(task.ld == NULL && task.path == path,
       "source: a directory without a TOTP attribute, the user file");

    ocs_wipe(&totp, sizeof(totp));
}


static void
test_route(void)
{
    size_t              i;
    ocs_step_outcome_t  out;

    static const struct {
        uint32_t     required, methods;
        int          external, internal, needed;
    } needs[] = {
        { 0, OCS_METHOD_PASSWORD, 0, 0, 0 },
        { OCS_METHOD_TOTP, OCS_METHOD_PASSWORD, 0, 0, 1 },
        { OCS_METHOD_TOTP, OCS_METHOD_PASSWORD|OCS_METHOD_TOTP, 0, 0, 0 },
        { OCS_METHOD_TOTP|OCS_METHOD_CERT, OCS_METHOD_CERT, 0, 0, 0 },
        { OCS_METHOD_OTP, OCS_METHOD_TOTP, 0, 0, 1 },
        { OCS_METHOD_TOTP, OCS_METHOD_PASSWORD, 1, 1, 0 },
        { OCS_METHOD_TOTP, OCS_METHOD_PASSWORD, 1, 0, 1 },
        { OCS_METHOD_TOTP, OCS_METHOD_PASSWORD, 0, 1, 1 },
    };

    static const struct {
        uint32_t             required;
        int                  get, wants_page;
        ocs_step_verdict_e   verdict;
        int                  status;
    } routes[] = {
        { OCS_METHOD_CERT, 1, 1, OCS_STEP_MESSAGE, 403 },
        { OCS_METHOD_TOTP, 1, 1, OCS_STEP_GO, 302 },
        { OCS_METHOD_TOTP|OCS_METHOD_CERT, 1, 1, OCS_STEP_GO, 302 },
        { OCS_METHOD_OTP, 0, 1, OCS_STEP_CHALLENGE, 401 },
        { OCS_METHOD_OTP, 1, 0, OCS_STEP_CHALLENGE, 401 },
    };

    for (i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
        is_int(ocs_step_needed(needs[i].required, needs[i].methods,
                               needs[i].external, needs[i].internal),
               needs[i].needed, "needed %zu", i);
    }

    for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        ocs_step_route(routes[i].required, routes[i].get,
                       routes[i].wants_page, "alice", &out);
        is_int(out.verdict, routes[i].verdict, "route %zu: verdict", i);
        is_int(out.status, routes[i].status, "route %zu: status", i);
    }

    ocs_step_route(OCS_METHOD_CERT, 1, 1, "alice", &out);
    is_str(out.reason, strlen(out.reason), "user \"alice\" denied: no client "
           "certificate for this service's second factor",
           "route: certificate only, the reason");
    is_str(out.title, strlen(out.title), "Certificate needed",
           "route: certificate only, the title");

    ocs_step_route(OCS_METHOD_TOTP, 1, 1, "alice", &out);
    is_int(out.level, OCS_STEP_LOG_INFO, "route: to the step, info");
    is_str(out.reason, strlen(out.reason), "user \"alice\" sent to the "
           "second step", "route: to the step, the reason");

    ocs_step_route(OCS_METHOD_TOTP, 0, 0, "alice", &out);
    is_int(out.level, OCS_STEP_LOG_NONE, "route: a challenge, no log");
    is_str(out.message, strlen(out.message), "A second factor is needed.\n",
           "route: a challenge, the text");
}


static void
test_cert(void)
{
    size_t              i;
    ocs_step_outcome_t  out;

    static const struct {
        const char  *identity, *domain;
        size_t       len;
    } users[] = {
        { "alice", NULL, 5 },
        { "alice@contoso.com", NULL, 17 },
        { "alice@contoso.com", "contoso.com", 5 },
        { "alice@CONTOSO.COM", "contoso.com", 5 },
        { "alice@evil.example", "contoso.com", 18 },
        { "alice@sub.contoso.com", "contoso.com", 21 },
        { "alice@contoso.com.evil", "contoso.com", 22 },
        { "a@b@contoso.com", "contoso.com", 15 },
    };

    for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
        is_int(ocs_step_cert_user(users[i].identity, users[i].domain,
                                  users[i].domain
                                  ? strlen(users[i].domain) : 0),
               users[i].len, "cert user: \"%s\" with domain %s",
               users[i].identity,
               users[i].domain ? users[i].domain : "(none)");
    }

    ocs_step_cert_outcome("Alice@contoso.com", "alice", 5, "contoso.com",
                          &out);
    is_int(out.verdict, OCS_STEP_PASS, "cert: matches, steps up");
    is_int(out.method, OCS_METHOD_CERT, "cert: records the certificate");
    is_int(out.level, OCS_STEP_LOG_NOTICE, "cert: a notice");
    is_str(out.reason, strlen(out.reason), "user \"alice\" stepped up with a "
           "client certificate", "cert: the reason");

    ocs_step_cert_outcome("bob@contoso.com", "alice", 5, "contoso.com",
                          &out);
    is_int(out.verdict, OCS_STEP_NONE, "cert: another user, goes on");
    is_int(out.level, OCS_STEP_LOG_ERR, "cert: another user, an error");
    is_str(out.reason, strlen(out.reason), "the client certificate of "
           "\"bob@contoso.com\" does not match user \"alice\"",
           "cert: another user, the reason");
}


int
main(void)
{
    rings();

    test_state_expiry();
    test_state_replay();
    test_state_tampered();
    test_state_foreign();
    test_state_errors();
    test_want();
    test_refuse();
    test_code_outcomes();
    test_totp_replay();
    test_check_code();
    test_route();
    test_cert();

    ocs_keyring_wipe(&ring);
    ocs_keyring_wipe(&ring2);
    ocs_keyring_wipe(&rotated);

    return ocs_test_done();
}
