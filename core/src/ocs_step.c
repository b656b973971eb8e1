/*
 * The second step: the code form's state, the code check, and what each
 * outcome means to the user and to the log.
 */

#define _GNU_SOURCE

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ocs/ocs_codec.h>
#include <ocs/ocs_signin.h>
#include <ocs/ocs_userfile.h>
#include <ocs/ocs_step.h>


/* the CSRF purpose of a code form's token */
#define OCS_STEP_PURPOSE  OCS_CSRF_SECOND_STEP

#define OCS_STEP_EXPIRED_TEXT  "The page had expired. Please enter a new code."
#define OCS_STEP_UNSET_TITLE   "Second factor not set up"
#define OCS_STEP_DOWN_TITLE    "Second factor unavailable"

/* a mark the store has no room for: nothing would refuse a replay */
#define OCS_STEP_FULL_TEXT     "Your code cannot be checked now. Please " \
                               "try again in a few minutes."


static int ocs_step_state_mac(const ocs_keyring_t *ring,
    ocs_ticket_cache_t *cache, const unsigned char *session,
    const unsigned char *raw, char *token, ocs_err_t *err);
static void ocs_step_outcome(ocs_step_outcome_t *out,
    ocs_step_verdict_e verdict, int status, int level, const char *title,
    const char *message);
static void ocs_step_reason(ocs_step_outcome_t *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static const char *ocs_step_totp_secret(ocs_step_code_t *task,
    ocs_ldap_account_t **acct, ocs_userfile_entry_t **entry);
static int ocs_step_totp_check(ocs_step_code_t *task, const char *spec);
static void ocs_step_code_refusal(const ocs_step_code_t *task, int rc,
    ocs_step_outcome_t *out);
static const char *ocs_step_factor(const ocs_step_code_t *task);
static int ocs_step_totp_once(const ocs_step_code_t *task, int64_t now,
    ocs_step_once_pt once, void *data);
static int ocs_step_unmarked(int rc);


int
ocs_step_state_make(const ocs_keyring_t *ring, ocs_ticket_cache_t *cache,
    const ocs_env_t *env, const unsigned char *session,
    ocs_step_form_t *form, ocs_err_t *err)
{
    int             i, rc;
    size_t          n;
    int64_t         exp;
    unsigned char   raw[OCS_STEP_RAW_LEN];

    exp = ocs_time_add(env->now(env->data), OCS_STEP_TTL);

    for (i = 0; i < 8; i++) {
        raw[7 - i] = (unsigned char) ((uint64_t) exp >> (8 * i));
    }

    if (env->random(env->data, raw + 8, OCS_STEP_NONCE_LEN) != OCS_OK) {
        return ocs_err(err, OCS_ERR_SYS, "no random bytes for a second "
                       "step");
    }

    rc = ocs_step_state_mac(ring, cache, session, raw, form->token, err);

    if (rc == OCS_OK) {
        (void) ocs_b64url_encode(raw, sizeof(raw), form->state,
                                 sizeof(form->state), &n);
        form->state[n] = '\0';
    }

    ocs_wipe(raw, sizeof(raw));

    return rc;
}


/* the token of raw for session: OCS_CSRF_TOKEN_LEN + 1 bytes at token */
static int
ocs_step_state_mac(const ocs_keyring_t *ring, ocs_ticket_cache_t *cache,
    const unsigned char *session, const unsigned char *raw, char *token,
    ocs_err_t *err)
{
    int             rc;
    ocs_err_t       why;
    unsigned char   msg[OCS_SESSION_LEN + OCS_STEP_RAW_LEN];

    memcpy(msg, session, OCS_SESSION_LEN);
    memcpy(msg + OCS_SESSION_LEN, raw, OCS_STEP_RAW_LEN);

    rc = ocs_csrf_token(ring, cache, OCS_STEP_PURPOSE, msg, sizeof(msg),
                        token, OCS_CSRF_TOKEN_LEN + 1, &why);

    if (rc != OCS_OK) {
        /* not OCS_ERR_SYS: that one says the random source failed */
        rc = ocs_err(err, (rc == OCS_ERR_SYS) ? OCS_ERR_INVALID : rc,
                     "second step token: %s", why.text);
    }

    ocs_wipe(msg, sizeof(msg));

    return rc;
}


int
ocs_step_state_verify(const ocs_keyring_t *ring,
    ocs_ticket_cache_t *cache, const ocs_env_t *env,
    const unsigned char *session, const char *state, size_t state_len,
    const char *token, size_t token_len, ocs_step_once_pt once, void *data,
    const char *user, ocs_step_outcome_t *out)
{
    int             i, rc, used;
    size_t          n;
    int64_t         exp;
    unsigned char   raw[OCS_STEP_RAW_LEN];
    unsigned char   msg[OCS_SESSION_LEN + OCS_STEP_RAW_LEN];

    ocs_step_outcome(out, OCS_STEP_FORM, 403, OCS_STEP_LOG_ERR, NULL,
                     OCS_STEP_EXPIRED_TEXT);

    /* the form must be this session's, fresh, and not used before */
    rc = OCS_ERR_AUTH;

    if (ocs_b64url_decode(state, state_len, raw, sizeof(raw), &n) != OCS_OK
        || n != sizeof(raw))
    {
        goto cleanup;
    }

    memcpy(msg, session, OCS_SESSION_LEN);
    memcpy(msg + OCS_SESSION_LEN, raw, OCS_STEP_RAW_LEN);

    if (ocs_csrf_verify(ring, cache, OCS_STEP_PURPOSE, msg, sizeof(msg),
                        token, token_len)
        != OCS_OK)
    {
        goto cleanup;
    }

    exp = 0;

    for (i = 0; i < 8; i++) {
        exp = (int64_t) (((uint64_t) exp << 8) | raw[i]);
    }

    rc = OCS_ERR_EXPIRED;

    if (exp < env->now(env->data)) {
        goto cleanup;
    }

    used = once(data, OCS_STEP_ONCE_STATE, raw + 8, OCS_STEP_NONCE_LEN, 1,
                exp);

    if (used != OCS_OK) {
        /* a form the store cannot mark would be good twice: refused */
        rc = ocs_step_unmarked(used) ? OCS_ERR_SPACE : OCS_ERR_EXPIRED;
        goto cleanup;
    }

    rc = OCS_OK;

cleanup:

    if (rc == OCS_ERR_AUTH) {
        ocs_step_reason(out, "second step of user \"%s\" with a bad or "
                        "foreign state refused", user);

    } else if (rc == OCS_ERR_EXPIRED) {
        ocs_step_reason(out, "second step of user \"%s\" refused: the form "
                        "expired or was used before", user);

    } else if (rc == OCS_ERR_SPACE) {
        ocs_step_outcome(out, OCS_STEP_MESSAGE, 503, OCS_STEP_LOG_ERR,
                         OCS_STEP_DOWN_TITLE, OCS_STEP_FULL_TEXT);
        ocs_step_reason(out, "second step of user \"%s\" refused: the "
                        "lockout store has no room to mark the form used",
                        user);

    } else {
        ocs_step_outcome(out, OCS_STEP_NONE, 0, OCS_STEP_LOG_NONE, NULL, "");
    }

    ocs_wipe(raw, sizeof(raw));
    ocs_wipe(msg, sizeof(msg));

    return rc;
}


uint32_t
ocs_step_want(const char *f, size_t len)
{
    size_t    i;
    uint64_t  n;

    n = 0;

    for (i = 0; f != NULL && i < len; i++) {
        if (f[i] < '0' || f[i] > '9' || n > UINT32_MAX) {
            return OCS_STEP_CODE_FACTORS;
        }

        n = n * 10 + (uint64_t) (f[i] - '0');
    }

    if (len == 0 || f == NULL || (n & OCS_STEP_CODE_FACTORS) == 0) {
        return OCS_STEP_CODE_FACTORS;
    }

    return (uint32_t) n & OCS_STEP_CODE_FACTORS;
}


int
ocs_step_can_check(uint32_t want, int totp, int otp)
{
    return (totp && (want & OCS_METHOD_TOTP))
           || (otp && (want & OCS_METHOD_OTP));
}


int
ocs_step_probe_first(uint32_t want, int otp)
{
    return !(otp && (want & OCS_METHOD_OTP));
}


void
ocs_step_refuse(ocs_step_refusal_e why, const char *user,
    const char *detail, int64_t left, ocs_step_outcome_t *out)
{
    switch (why) {

    case OCS_STEP_NO_SESSION:
        ocs_step_outcome(out, OCS_STEP_SIGNIN, 303, OCS_STEP_LOG_ERR, NULL,
                         "");
        ocs_step_reason(out, "second step without a signed-in session "
                        "refused");
        break;

    case OCS_STEP_LOCKED:
        ocs_step_outcome(out, OCS_STEP_FORM, 429, OCS_STEP_LOG_ERR, NULL,
                         "Too many wrong codes. Please wait and try again "
                         "later.");
        ocs_step_reason(out, "second step of user \"%s\" refused: too many "
                        "failures (%s), locked for %lld s more", user,
                        detail ? detail : "", (long long) left);
        break;

    case OCS_STEP_NO_CODE:
        ocs_step_outcome(out, OCS_STEP_FORM, 401, OCS_STEP_LOG_INFO, NULL,
                         "Please enter the code.");
        ocs_step_reason(out, "second step of user \"%s\" without a code",
                        user);
        break;

    case OCS_STEP_BAD_CODE:
        ocs_step_outcome(out, OCS_STEP_FORM, 401, OCS_STEP_LOG_ERR, NULL,
                         "Please enter the code.");
        ocs_step_reason(out, "second step of user \"%s\" refused: the code "
                        "is too long or badly encoded", user);
        break;

    default: /* OCS_STEP_UNSET */
        ocs_step_outcome(out, OCS_STEP_END, 403, OCS_STEP_LOG_ERR,
                         OCS_STEP_UNSET_TITLE,
                         "No second factor is set up for this sign-in "
                         "page.");
        ocs_step_reason(out, "second step of user \"%s\": this sign-in "
                        "location has neither \"ocs_auth_totp\" nor "
                        "\"ocs_auth_otp_server\" for the factors the "
                        "service accepts", user);
        break;
    }
}


void
ocs_step_code_source(ocs_step_code_t *task, uint32_t want, int totp,
    ocs_ldap_t *ld, int has_attr, const char *path,
    const ocs_otp_conf_t *otp)
{
    task->ld = NULL;
    task->path = NULL;
    task->otp = (want & OCS_METHOD_OTP) ? otp : NULL;

    if (!totp || !(want & OCS_METHOD_TOTP)) {
        return;
    }

    /* a directory account's secret is in the directory only */
    if (task->dn[0] != '\0' && has_attr) {
        task->ld = ld;

    } else {
        task->path = path;
    }
}


void
ocs_step_check_code(ocs_step_code_t *task)
{
    const char            *spec;
    ocs_ldap_account_t    *acct;
    ocs_userfile_entry_t  *entry;

    acct = NULL;
    entry = NULL;

    spec = ocs_step_totp_secret(task, &acct, &entry);

    if (spec != NULL) {
        task->rc = ocs_step_totp_check(task, spec);

    } else if (task->rc == OCS_ERR_NOTFOUND && task->otp != NULL
               && !task->probe)
    {
        task->method = OCS_METHOD_OTP;
        task->rc = ocs_otp_check(task->otp, task->user, strlen(task->user),
                                 task->code, task->code_len, &task->err);
    }

    if (acct != NULL) {
        ocs_wipe(acct, sizeof(ocs_ldap_account_t));
        free(acct);
    }

    if (entry != NULL) {
        ocs_wipe(entry, sizeof(ocs_userfile_entry_t));
        free(entry);
    }

    ocs_wipe(task->code, sizeof(task->code));
    task->code_len = 0;
}


/*
 * The user's TOTP secret as written, in *acct or *entry (allocated
 * here, the caller wipes and frees them), or NULL with task->rc saying
 * why: OCS_ERR_NOTFOUND (none), or the lookup's error
 */
static const char *
ocs_step_totp_secret(ocs_step_code_t *task, ocs_ldap_account_t **acct,
    ocs_userfile_entry_t **entry)
{
    task->rc = OCS_ERR_NOTFOUND;

    if (task->ld != NULL) {
        *acct = malloc(sizeof(ocs_ldap_account_t));
        if (*acct == NULL) {
            task->rc = ocs_err(&task->err, OCS_ERR_SYS, "no memory");
            return NULL;
        }

        task->rc = ocs_ldap_lookup(task->ld, task->dn, *acct, &task->err);

        if (task->rc == OCS_OK && (*acct)->totp[0]) {
            return (*acct)->totp;
        }

    } else if (task->path != NULL) {
        *entry = malloc(sizeof(ocs_userfile_entry_t));
        if (*entry == NULL) {
            task->rc = ocs_err(&task->err, OCS_ERR_SYS, "no memory");
            return NULL;
        }

        task->rc = ocs_userfile_lookup(task->path, task->user,
                                       strlen(task->user), *entry,
                                       &task->err);

        if (task->rc == OCS_OK && (*entry)->found && (*entry)->totp[0]) {
            return (*entry)->totp;
        }
    }

    if (task->rc == OCS_OK) {
        task->rc = OCS_ERR_NOTFOUND;
    }

    return NULL;
}


/* the code against the secret spec; a probe only reads the secret */
static int
ocs_step_totp_check(ocs_step_code_t *task, const char *spec)
{
    int         rc;
    ocs_totp_t  totp;

    if (!task->probe) {
        task->method = OCS_METHOD_TOTP;
    }

    if (ocs_totp_parse(spec, strlen(spec), &totp) != OCS_OK) {
        /* a secret that cannot be read is as good as none */
        return ocs_err(&task->err, OCS_ERR_INVALID,
                       "the user's TOTP secret cannot be read");
    }

    if (task->probe) {
        rc = OCS_OK;

    } else {
        rc = ocs_totp_verify(&totp, task->code, task->code_len, task->now,
                             1, &task->counter);

        /* not digits of the right length: a wrong code all the same */
        if (rc == OCS_ERR_INVALID) {
            rc = OCS_ERR_AUTH;
        }
    }

    ocs_wipe(&totp, sizeof(totp));

    return rc;
}


void
ocs_step_code_outcome(const ocs_step_code_t *task, int64_t now,
    ocs_step_once_pt once, void *data, ocs_step_outcome_t *out)
{
    int  rc;

    rc = task->rc;

    if (task->probe && rc == OCS_OK) {
        /* the form as it is, with what a failed post left */
        ocs_step_outcome(out, OCS_STEP_FORM, 200, OCS_STEP_LOG_NONE, NULL,
                         "");
        return;
    }

    /* only a checked code steps up */
    if (rc == OCS_OK && task->method == 0) {
        rc = OCS_ERR_NOTFOUND;
    }

    if (rc != OCS_OK) {
        ocs_step_code_refusal(task, rc, out);
        return;
    }

    rc = ocs_step_totp_once(task, now, once, data);

    if (rc == OCS_ERR_AUTH) {
        ocs_step_outcome(out, OCS_STEP_FORM, 401, OCS_STEP_LOG_ERR, NULL,
                         "This code was used already. Please wait for the "
                         "next one.");
        out->failed = 1;
        ocs_step_reason(out, "second step of user \"%s\" refused: the TOTP "
                        "code was used before", task->user);
        return;
    }

    if (rc != OCS_OK) {
        /* the user's code is right: the server is short, not the user */
        ocs_step_outcome(out, OCS_STEP_MESSAGE, 503, OCS_STEP_LOG_ERR,
                         OCS_STEP_DOWN_TITLE, OCS_STEP_FULL_TEXT);
        ocs_step_reason(out, "second step of user \"%s\" refused: the "
                        "lockout store has no room to mark the TOTP code "
                        "used", task->user);
        return;
    }

    ocs_step_outcome(out, OCS_STEP_PASS, 303, OCS_STEP_LOG_NOTICE, NULL, "");
    out->succeeded = 1;
    out->method = task->method;
    ocs_step_reason(out, "user \"%s\" completed the second step with %s",
                    task->user, ocs_step_factor(task));
}


/* a code, or a probe, that did not pass: rc says why */
static void
ocs_step_code_refusal(const ocs_step_code_t *task, int rc,
    ocs_step_outcome_t *out)
{
    switch (rc) {

    case OCS_ERR_AUTH:
        ocs_step_outcome(out, OCS_STEP_FORM, 401, OCS_STEP_LOG_ERR, NULL,
                         "The code is not correct.");
        out->failed = 1;
        ocs_step_reason(out, "second step of user \"%s\" failed: wrong %s "
                        "code", task->user, ocs_step_factor(task));
        break;

    case OCS_ERR_NOTFOUND:
        ocs_step_outcome(out, OCS_STEP_END, 403, OCS_STEP_LOG_ERR,
                         OCS_STEP_UNSET_TITLE,
                         task->probe
                         ? "This service needs a one-time code, and no "
                           "authenticator app or token is set up for your "
                           "account. Please ask your administrator to set "
                           "one up."
                         : "No second factor is set up for your account. "
                           "Please ask your administrator.");
        ocs_step_reason(out, "second step of user \"%s\": no TOTP secret "
                        "for the user and no OTP server", task->user);
        break;

    case OCS_ERR_INVALID:
        ocs_step_outcome(out, OCS_STEP_END, 403, OCS_STEP_LOG_ERR,
                         OCS_STEP_UNSET_TITLE,
                         "Your second factor cannot be used. Please ask "
                         "your administrator.");
        ocs_step_reason(out, "second step of user \"%s\": %s", task->user,
                        task->err.text);
        break;

    default:
        /* a probe's page ends the step; a posted code's says try later */
        if (task->probe) {
            ocs_step_outcome(out, OCS_STEP_END, 503, OCS_STEP_LOG_ERR,
                             OCS_STEP_DOWN_TITLE,
                             "Your second factor cannot be checked now. "
                             "Please try again later.");

        } else {
            ocs_step_outcome(out, OCS_STEP_MESSAGE, 503, OCS_STEP_LOG_ERR,
                             OCS_STEP_DOWN_TITLE,
                             "The service that checks one-time codes cannot "
                             "be reached. Please try again later.");
        }

        ocs_step_reason(out, "second factor unavailable for user \"%s\": %s",
                        task->user, task->err.text);
        break;
    }
}


/* the factor's name in the log */
static const char *
ocs_step_factor(const ocs_step_code_t *task)
{
    return (task->method == OCS_METHOD_TOTP) ? "TOTP" : "OTP server";
}


/*
 * A TOTP time step counts once: later than the last one used.  OCS_OK,
 * OCS_ERR_AUTH for a step used before, OCS_ERR_SPACE when it cannot be
 * marked used (no store, or no room in it).
 */
static int
ocs_step_totp_once(const ocs_step_code_t *task, int64_t now,
    ocs_step_once_pt once, void *data)
{
    int            rc;
    size_t         i, n;
    unsigned char  lower[OCS_USER_MAX + 1];

    if (task->method != OCS_METHOD_TOTP) {
        return OCS_OK;
    }

    if (once == NULL) {
        return OCS_ERR_SPACE;
    }

    n = strlen(task->user);

    /* ASCII only, whatever the locale, as nginx's ngx_strlow() */
    for (i = 0; i < n && i < OCS_USER_MAX; i++) {
        lower[i] = (unsigned char) task->user[i];

        if (lower[i] >= 'A' && lower[i] <= 'Z') {
            lower[i] |= 0x20;
        }
    }

    rc = once(data, OCS_STEP_ONCE_TOTP, lower, i, (int64_t) task->counter,
              ocs_time_add(now, OCS_STEP_TOTP_KEEP));

    if (rc == OCS_OK) {
        return OCS_OK;
    }

    return ocs_step_unmarked(rc) ? OCS_ERR_SPACE : OCS_ERR_AUTH;
}


/* whether once's answer is "cannot record it", not "used before" */
static int
ocs_step_unmarked(int rc)
{
    return rc == OCS_ERR_SPACE || rc == OCS_ERR_SYS;
}


int
ocs_step_needed(uint32_t required, uint32_t methods, int external,
    int internal)
{
    if (required == 0 || (methods & required)) {
        return 0;
    }

    return !(external && internal);
}


void
ocs_step_route(uint32_t required, int get, int wants_page, const char *user,
    ocs_step_outcome_t *out)
{
    if (!(required & OCS_STEP_CODE_FACTORS)) {
        ocs_step_outcome(out, OCS_STEP_MESSAGE, 403, OCS_STEP_LOG_ERR,
                         "Certificate needed",
                         "This service needs your smart card or client "
                         "certificate, issued to the account you signed in "
                         "with.");
        ocs_step_reason(out, "user \"%s\" denied: no client certificate for "
                        "this service's second factor", user);
        return;
    }

    if (get && wants_page) {
        ocs_step_outcome(out, OCS_STEP_GO, 302, OCS_STEP_LOG_INFO, NULL, "");
        ocs_step_reason(out, "user \"%s\" sent to the second step", user);
        return;
    }

    ocs_step_outcome(out, OCS_STEP_CHALLENGE, 401, OCS_STEP_LOG_NONE, NULL,
                     "A second factor is needed.\n");
}


size_t
ocs_step_cert_user(const char *identity, const char *domain,
    size_t domain_len)
{
    size_t       n;
    const char  *at;

    n = strlen(identity);
    at = memchr(identity, '@', n);

    /* alice@contoso.com is "alice" when contoso.com is the domain */
    if (at != NULL && domain_len
        && (size_t) (identity + n - at - 1) == domain_len
        && strncasecmp(at + 1, domain, domain_len) == 0)
    {
        n = at - identity;
    }

    return n;
}


void
ocs_step_cert_outcome(const char *identity, const char *user,
    size_t user_len, const char *domain, ocs_step_outcome_t *out)
{
    if (ocs_cert_matches(identity, user, user_len, domain)) {
        ocs_step_outcome(out, OCS_STEP_PASS, 200, OCS_STEP_LOG_NOTICE, NULL,
                         "");
        out->method = OCS_METHOD_CERT;
        ocs_step_reason(out, "user \"%.*s\" stepped up with a client "
                        "certificate", (int) user_len, user);
        return;
    }

    ocs_step_outcome(out, OCS_STEP_NONE, 0, OCS_STEP_LOG_ERR, NULL, "");
    ocs_step_reason(out, "the client certificate of \"%s\" does not match "
                    "user \"%.*s\"", identity, (int) user_len, user);
}


static void
ocs_step_outcome(ocs_step_outcome_t *out, ocs_step_verdict_e verdict,
    int status, int level, const char *title, const char *message)
{
    out->verdict = verdict;
    out->status = status;
    out->level = level;
    out->failed = 0;
    out->succeeded = 0;
    out->method = 0;
    out->title = title ? title : "";
    out->message = message;
    out->reason[0] = '\0';
}


static void
ocs_step_reason(ocs_step_outcome_t *out, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    (void) vsnprintf(out->reason, sizeof(out->reason), fmt, args);
    va_end(args);
}
