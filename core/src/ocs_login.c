/*
 * Sign-in outcomes.  The blocking calls only gather what each source
 * says; ocs_login_classify() alone decides what that means, so the
 * tables of its unit test cover every answer a server can give.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <ocs/ocs_krb5.h>
#include <ocs/ocs_login.h>
#include <ocs/ocs_pages.h>


#define OCS_LOGIN_FAILED  (ocs_msg(OCS_MSG_SIGNIN_FAILED)->text)
#define OCS_LOGIN_LATER                                                     \
    "The sign-in service is unavailable. Please try again later."


static int ocs_login_krb5_charge(const ocs_login_conf_t *conf,
    ocs_login_input_t *in, ocs_login_result_t *res);
static void ocs_login_account(const ocs_login_conf_t *conf,
    ocs_login_result_t *res);
static int ocs_login_classify_userfile(const ocs_login_conf_t *conf,
    const ocs_login_input_t *in, const ocs_login_result_t *res,
    ocs_login_outcome_t *out);
static int ocs_login_classify_directory(const ocs_login_conf_t *conf,
    const ocs_login_input_t *in, const ocs_login_result_t *res,
    const char *source, ocs_login_outcome_t *out);
static int ocs_login_classify_kerberos(const ocs_login_conf_t *conf,
    const ocs_login_input_t *in, const ocs_login_result_t *res,
    ocs_login_outcome_t *out);
static int ocs_login_classify_proven(const ocs_login_conf_t *conf,
    const ocs_login_input_t *in, const ocs_login_result_t *res,
    ocs_login_outcome_t *out);
static int ocs_login_refused(const ocs_login_input_t *in, int state,
    ocs_login_outcome_t *out);
static int ocs_login_unavailable(ocs_login_outcome_t *out, int count,
    const char *title, const char *message);
static int ocs_login_signed_in(const ocs_login_conf_t *conf,
    const ocs_login_input_t *in, const char *name, const char *source,
    int directory, ocs_login_outcome_t *out);
static void ocs_login_say(char *buf, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;


int
ocs_login_precheck(const ocs_login_input_t *in, ocs_login_outcome_t *out)
{
    ocs_username_t  parsed;

    memset(out, 0, sizeof(ocs_login_outcome_t));

    out->count = OCS_LOGIN_COUNT_NEUTRAL;
    out->status = 401;
    out->form = 1;
    out->title = "";
    out->message = OCS_LOGIN_FAILED;
    out->level = OCS_LOGIN_LOG_ERR;

    /* the answer of a wrong password: nothing tells which part was wrong */
    if (ocs_username_parse(in->name, in->name_len, &parsed) != OCS_OK) {
        out->kind = OCS_LOGIN_BAD_NAME;
        ocs_login_say(out->reason, "sign-in failed: malformed user name");
        return out->kind;
    }

    if (in->password_len == 0) {
        out->kind = OCS_LOGIN_BAD;
        out->name = in->name;
        out->name_len = in->name_len;
        ocs_login_say(out->reason, "sign-in failed for user \"%.*s\": "
                      "empty password", (int) in->name_len, in->name);
        return out->kind;
    }

    out->kind = OCS_LOGIN_OK;
    out->status = 0;
    out->form = 0;
    out->message = "";
    out->level = OCS_LOGIN_LOG_NONE;

    return out->kind;
}


int
ocs_login_check(const ocs_login_conf_t *conf, ocs_login_input_t *in,
    ocs_login_result_t *res, ocs_login_outcome_t *out)
{
    if (conf->keytab != NULL) {
        ocs_login_kerberos(conf, in, res);

    } else if (conf->ld != NULL) {
        ocs_login_directory(conf, in, res);

    } else {
        ocs_login_userfile(conf, in, res);
    }

    return ocs_login_classify(conf, in, res, out);
}


void
ocs_login_userfile(const ocs_login_conf_t *conf, ocs_login_input_t *in,
    ocs_login_result_t *res)
{
    memset(res, 0, sizeof(ocs_login_result_t));
    res->source = OCS_LOGIN_USERFILE;

    res->rc = ocs_userfile_lookup(conf->user_file, in->name, in->name_len,
                                  &res->entry, &res->err);

    if (res->rc == OCS_OK) {
        /* unknown users are checked against the decoy: same cost */
        res->verify_rc = ocs_password_verify(in->password, res->entry.hash,
                                             conf->work);

        if (!res->entry.found || res->verify_rc != OCS_OK) {
            res->rc = OCS_ERR_AUTH;
        }
    }

    ocs_wipe(in->password, in->password_len);
    ocs_wipe(res->entry.hash, sizeof(res->entry.hash));
}


void
ocs_login_directory(const ocs_login_conf_t *conf, ocs_login_input_t *in,
    ocs_login_result_t *res)
{
    memset(res, 0, sizeof(ocs_login_result_t));
    res->source = OCS_LOGIN_DIRECTORY;

    res->rc = ocs_ldap_authenticate(conf->ld, in->name, in->name_len,
                                    in->password, in->password_len,
                                    conf->admit, conf->admit_data,
                                    conf->acct, &res->state, &res->err);

    ocs_wipe(in->password, in->password_len);

    if (res->rc == OCS_OK && res->state == OCS_ACCT_OK
        && conf->evaluate != NULL)
    {
        res->rc = conf->evaluate(conf->evaluate_data, &res->err);
    }
}


/*
 * With a directory, the account the name stands for is found first and
 * the attempt counted by it (the KDC resolves names as leniently as the
 * directory does); then the KDC, then the directory's account of the
 * principal the KDC names.
 */
void
ocs_login_kerberos(const ocs_login_conf_t *conf, ocs_login_input_t *in,
    ocs_login_result_t *res)
{
    memset(res, 0, sizeof(ocs_login_result_t));
    res->source = OCS_LOGIN_KERBEROS;

    if (conf->ld != NULL && ocs_login_krb5_charge(conf, in, res) != OCS_OK) {
        goto done;
    }

    res->rc = ocs_krb5_password(conf->keytab, conf->server, conf->timeout,
                                in->name, in->name_len, in->password,
                                in->password_len, res->principal,
                                sizeof(res->principal), &res->state,
                                &res->err);

    /* a KDC that failed before another answered: said on the way back */
    if (res->rc == OCS_OK && res->err.text[0] != '\0') {
        memcpy(res->kdc_note, res->err.text, sizeof(res->kdc_note));
        res->err.text[0] = '\0';
    }

    if (res->rc != OCS_OK || res->state != OCS_ACCT_OK || conf->ld == NULL) {
        goto done;
    }

    res->rc = ocs_ldap_find_user(conf->ld, res->principal,
                                 strlen(res->principal), conf->acct,
                                 &res->err);

    if (res->rc == OCS_ERR_NOTFOUND) {
        res->rc = OCS_OK;
        res->state = OCS_ACCT_BAD_CREDENTIALS;
        res->no_account = 1;
        goto done;
    }

    ocs_login_account(conf, res);

done:

    ocs_wipe(in->password, in->password_len);
}


/*
 * Before the KDC: the attempt counted by the account the typed name
 * finds in the directory, or by the name when it finds none.  Not
 * OCS_OK when that is locked (res->state says so) or the directory
 * cannot answer (res->rc).
 */
static int
ocs_login_krb5_charge(const ocs_login_conf_t *conf, ocs_login_input_t *in,
    ocs_login_result_t *res)
{
    int  rc;

    rc = ocs_ldap_find_user(conf->ld, in->name, in->name_len, conf->acct,
                            &res->err);

    if (rc != OCS_OK && rc != OCS_ERR_NOTFOUND) {
        res->rc = rc;
        res->state = OCS_ACCT_BAD_CREDENTIALS;
        return rc;
    }

    if (rc == OCS_ERR_NOTFOUND) {
        (void) ocs_ldap_policy(conf->ld, &conf->acct->policy);
        conf->acct->found = 0;
    }

    if (conf->admit != NULL
        && conf->admit(conf->admit_data, conf->acct) != OCS_OK)
    {
        res->rc = OCS_OK;
        res->state = OCS_ACCT_THROTTLED;
        return OCS_ERR_AUTH;
    }

    return OCS_OK;
}


/* an account found for a proven name: its state, then its facts */
static void
ocs_login_account(const ocs_login_conf_t *conf, ocs_login_result_t *res)
{
    if (res->rc != OCS_OK) {
        return;
    }

    if (conf->acct->uac >= 0) {
        res->state = ocs_acct_state_from_uac(conf->acct->uac);
    }

    if (res->state == OCS_ACCT_OK && conf->evaluate != NULL) {
        res->rc = conf->evaluate(conf->evaluate_data, &res->err);
    }
}


int
ocs_login_proven(const ocs_login_conf_t *conf, ocs_login_input_t *in,
    ocs_login_result_t *res, ocs_login_outcome_t *out)
{
    memset(res, 0, sizeof(ocs_login_result_t));
    res->source = OCS_LOGIN_PROVEN;

    if (conf->ld != NULL && in->name_len != 0
        && in->name_len <= OCS_USER_MAX)
    {
        /* the principal's account: its state and the facts it meets */
        res->state = OCS_ACCT_OK;
        res->rc = ocs_ldap_find_user(conf->ld, in->name, in->name_len,
                                     conf->acct, &res->err);
        ocs_login_account(conf, res);
    }

    return ocs_login_classify(conf, in, res, out);
}


int
ocs_login_classify(const ocs_login_conf_t *conf, const ocs_login_input_t *in,
    const ocs_login_result_t *res, ocs_login_outcome_t *out)
{
    memset(out, 0, sizeof(ocs_login_outcome_t));
    out->state = OCS_ACCT_OK;
    out->count = OCS_LOGIN_COUNT_NEUTRAL;

    switch (res->source) {

    case OCS_LOGIN_USERFILE:
        return ocs_login_classify_userfile(conf, in, res, out);

    case OCS_LOGIN_DIRECTORY:
        return ocs_login_classify_directory(conf, in, res, NULL, out);

    case OCS_LOGIN_KERBEROS:
        return ocs_login_classify_kerberos(conf, in, res, out);

    default:
        return ocs_login_classify_proven(conf, in, res, out);
    }
}


static int
ocs_login_classify_userfile(const ocs_login_conf_t *conf,
    const ocs_login_input_t *in, const ocs_login_result_t *res,
    ocs_login_outcome_t *out)
{
    const ocs_userfile_entry_t  *e = &res->entry;

    /* the administrator's fault; the line holds a hash, so only its
       number is logged */
    if (e->bad_lines != 0) {
        out->note_level = OCS_LOGIN_LOG_ERR;
        ocs_login_say(out->note, "user file \"%s\": line %zu %s; %zu bad "
                      "line%s skipped", conf->user_file, e->bad_line,
                      e->bad ? e->bad : "", e->bad_lines,
                      e->bad_lines == 1 ? "" : "s");
    }

    switch (res->rc) {

    case OCS_OK:
        return ocs_login_signed_in(conf, in, e->name, "the user file", 0,
                                   out);

    case OCS_ERR_AUTH:
        out->kind = OCS_LOGIN_BAD;
        out->count = OCS_LOGIN_COUNT_FAILED;
        out->status = 401;
        out->form = 1;
        out->message = OCS_LOGIN_FAILED;
        out->level = OCS_LOGIN_LOG_ERR;
        ocs_login_say(out->reason, "sign-in failed for user \"%.*s\"%s",
                      (int) in->name_len, in->name,
                      (e->unusable
                       || (e->found && res->verify_rc == OCS_ERR_INVALID))
                      ? ": the user file holds no usable hash for the user"
                      : "");
        return out->kind;

    default:
        /* an unreadable file is the system's fault, a bad one the admin's */
        ocs_login_unavailable(out, OCS_LOGIN_COUNT_NEUTRAL,
                              "Sign-in unavailable", OCS_LOGIN_LATER);
        out->level = (res->rc == OCS_ERR_SYS) ? OCS_LOGIN_LOG_CRIT
                                              : OCS_LOGIN_LOG_ERR;
        ocs_login_say(out->reason, "user file: %s", res->err.text);
        return out->kind;
    }
}


/* a directory's answer, also after Kerberos (source "Kerberos") */
static int
ocs_login_classify_directory(const ocs_login_conf_t *conf,
    const ocs_login_input_t *in, const ocs_login_result_t *res,
    const char *source, ocs_login_outcome_t *out)
{
    const char  *name;

    out->directory = 1;

    if (res->rc != OCS_OK) {
        /* a password the directory got but never answered may count */
        ocs_login_unavailable(out, res->state == OCS_ACCT_UNANSWERED
                                   ? OCS_LOGIN_COUNT_FAILED
                                   : OCS_LOGIN_COUNT_NEUTRAL,
                              "Directory unavailable",
                              "The directory that checks passwords cannot "
                              "be reached. Please try again later.");
        ocs_login_say(out->reason, "directory \"%.*s\" unavailable: %s",
                      (int) conf->directory_len, conf->directory,
                      res->err.text);
        return out->kind;
    }

    if (res->state != OCS_ACCT_OK) {
        return ocs_login_refused(in, res->state, out);
    }

    /* a stated sign-in address must be the account's own */
    if (in->sip_len
        && !ocs_sip_uri_eq(in->sip, in->sip_len, conf->acct->sip,
                           strlen(conf->acct->sip)))
    {
        out->kind = OCS_LOGIN_SIP_MISMATCH;
        out->count = OCS_LOGIN_COUNT_SUCCEEDED;
        out->status = 403;
        out->form = 1;
        out->keep_sip = 1;
        out->message = "The sign-in address does not match the account of "
                       "this user name and password.";
        out->level = OCS_LOGIN_LOG_ERR;
        ocs_login_say(out->reason, "sign-in failed for user \"%.*s\": the "
                      "sign-in address \"%.*s\" does not match the account",
                      (int) in->name_len, in->name, (int) in->sip_len,
                      in->sip);
        return out->kind;
    }

    name = conf->acct->name[0] ? conf->acct->name : in->name;

    return ocs_login_signed_in(conf, in, name, source, 1, out);
}


static int
ocs_login_classify_kerberos(const ocs_login_conf_t *conf,
    const ocs_login_input_t *in, const ocs_login_result_t *res,
    ocs_login_outcome_t *out)
{
    if (res->state == OCS_ACCT_THROTTLED) {
        return ocs_login_refused(in, res->state, out);
    }

    if (res->kdc_note[0] != '\0') {
        out->note_level = OCS_LOGIN_LOG_WARN;
        ocs_login_say(out->note, "%s", res->kdc_note);
    }

    if (res->rc == OCS_ERR_AUTH) {
        /* a KDC whose tickets the keytab cannot read: never a sign-in */
        out->kind = OCS_LOGIN_BAD;
        out->count = OCS_LOGIN_COUNT_FAILED;
        out->status = 401;
        out->form = 1;
        out->keep_sip = 1;
        out->message = OCS_LOGIN_FAILED;
        out->level = OCS_LOGIN_LOG_ERR;
        ocs_login_say(out->reason, "sign-in refused for user \"%.*s\": %s",
                      (int) in->name_len, in->name, res->err.text);
        return out->kind;
    }

    if (res->rc != OCS_OK && res->state != OCS_ACCT_OK) {
        /* a password a KDC got but never answered may count there */
        ocs_login_unavailable(out, res->state == OCS_ACCT_UNANSWERED
                                   ? OCS_LOGIN_COUNT_FAILED
                                   : OCS_LOGIN_COUNT_NEUTRAL,
                              "Sign-in unavailable", OCS_LOGIN_LATER);
        ocs_login_say(out->reason, "Kerberos password check unavailable: "
                      "%s", res->err.text);
        return out->kind;
    }

    if (res->no_account) {
        out->kind = OCS_LOGIN_NO_ACCOUNT;
        out->count = OCS_LOGIN_COUNT_FAILED;
        out->status = 401;
        out->form = 1;
        out->keep_sip = 1;
        out->message = OCS_LOGIN_FAILED;
        out->level = OCS_LOGIN_LOG_ERR;
        ocs_login_say(out->reason, "sign-in failed for user \"%.*s\": the "
                      "password is right, but directory \"%.*s\" has no "
                      "account \"%s\"", (int) in->name_len, in->name,
                      (int) conf->directory_len, conf->directory,
                      res->principal);
        return out->kind;
    }

    if (conf->ld != NULL) {
        /* the directory's answers, as for a directory sign-in */
        return ocs_login_classify_directory(conf, in, res, "Kerberos", out);
    }

    if (res->state != OCS_ACCT_OK) {
        return ocs_login_refused(in, res->state, out);
    }

    return ocs_login_signed_in(conf, in, res->principal, "Kerberos", 0, out);
}


/*
 * A password (wrong: counted towards a lock) or the account's state
 * refused the sign-in: the form again, saying why when it may.
 */
static int
ocs_login_refused(const ocs_login_input_t *in, int state,
    ocs_login_outcome_t *out)
{
    out->state = state;
    out->status = 401;
    out->form = 1;
    out->keep_sip = 1;

    if (state == OCS_ACCT_THROTTLED) {
        /* the account the directory found is locked here: not tried;
           the server says for how long */
        out->kind = OCS_LOGIN_THROTTLED;
        out->status = 429;
        return out->kind;
    }

    /*
     * A wrong password counts; so does a directory that says "locked",
     * whatever the password.  The other states only the right password
     * reveals: nothing was guessed.
     */
    out->kind = (state == OCS_ACCT_BAD_CREDENTIALS) ? OCS_LOGIN_BAD
                                                    : OCS_LOGIN_STATE;
    out->count = (state == OCS_ACCT_BAD_CREDENTIALS
                  || state == OCS_ACCT_LOCKED)
                 ? OCS_LOGIN_COUNT_FAILED : OCS_LOGIN_COUNT_NEUTRAL;
    out->message = ocs_acct_state_message(state);
    out->level = OCS_LOGIN_LOG_ERR;

    ocs_login_say(out->reason, "sign-in failed for user \"%.*s\"%s%s",
                  (int) in->name_len, in->name,
                  state == OCS_ACCT_BAD_CREDENTIALS ? "" : ": ",
                  state == OCS_ACCT_BAD_CREDENTIALS
                  ? "" : ocs_acct_state_name(state));

    return out->kind;
}


/* a name Kerberos, NTLM or a certificate proved, and its account */
static int
ocs_login_classify_proven(const ocs_login_conf_t *conf,
    const ocs_login_input_t *in, const ocs_login_result_t *res,
    ocs_login_outcome_t *out)
{
    const char  *via;

    if (in->name_len == 0 || in->name_len > OCS_USER_MAX) {
        out->kind = OCS_LOGIN_BAD_NAME;
        out->status = 401;
        out->level = OCS_LOGIN_LOG_ERR;
        ocs_login_say(out->reason, "Kerberos client name of %zu bytes "
                      "refused", in->name_len);
        return out->kind;
    }

    via = (in->method == OCS_METHOD_CERT) ? "certificate"
          : (in->method == OCS_METHOD_NTLM) ? "NTLM" : "Kerberos";

    if (conf->ld == NULL) {
        return ocs_login_signed_in(conf, in, NULL, NULL, 0, out);
    }

    out->directory = 1;
    out->level = OCS_LOGIN_LOG_ERR;

    if (res->rc == OCS_ERR_NOTFOUND) {
        out->kind = OCS_LOGIN_NO_ACCOUNT;
        out->status = 403;
        out->message = "Your account was not found in the directory.";
        ocs_login_say(out->reason, "%s user \"%.*s\" has no account in "
                      "directory \"%.*s\"", via, (int) in->name_len,
                      in->name, (int) conf->directory_len, conf->directory);
        return out->kind;
    }

    if (res->rc != OCS_OK) {
        out->kind = OCS_LOGIN_UNAVAILABLE;
        out->status = 503;
        out->message = "The directory cannot be reached. Please try again "
                       "later.";
        ocs_login_say(out->reason, "directory \"%.*s\" unavailable: %s",
                      (int) conf->directory_len, conf->directory,
                      res->err.text);
        return out->kind;
    }

    if (res->state != OCS_ACCT_OK) {
        out->kind = OCS_LOGIN_STATE;
        out->state = res->state;
        out->status = 403;
        out->message = ocs_acct_state_message(res->state);
        ocs_login_say(out->reason, "%s sign-in refused for user \"%.*s\": "
                      "%s", via, (int) in->name_len, in->name,
                      ocs_acct_state_name(res->state));
        return out->kind;
    }

    /* the account name as the directory spells it */
    return ocs_login_signed_in(conf, in, conf->acct->name[0]
                                         ? conf->acct->name : NULL,
                               NULL, 1, out);
}


static int
ocs_login_unavailable(ocs_login_outcome_t *out, int count,
    const char *title, const char *message)
{
    out->kind = OCS_LOGIN_UNAVAILABLE;
    out->count = count;
    out->status = 503;
    out->title = title;
    out->message = message;
    out->level = OCS_LOGIN_LOG_ERR;

    return out->kind;
}


/* signed in as name (NULL: in->name), and the notice that says so */
static int
ocs_login_signed_in(const ocs_login_conf_t *conf, const ocs_login_input_t *in,
    const char *name, const char *source, int directory,
    ocs_login_outcome_t *out)
{
    int          len;
    const char  *computer;

    out->kind = OCS_LOGIN_OK;
    out->count = OCS_LOGIN_COUNT_SUCCEEDED;
    out->status = 200;
    out->directory = directory;
    out->level = OCS_LOGIN_LOG_NOTICE;

    if (name != NULL) {
        out->name = name;
        out->name_len = strlen(name);

    } else {
        out->name = in->name;
        out->name_len = in->name_len;
    }

    /* as the ticket holds it */
    len = (int) (out->name_len < OCS_USER_MAX ? out->name_len
                                              : OCS_USER_MAX);

    if (in->method != 0) {
        ocs_login_say(out->reason, "user \"%.*s\" signed in with %s", len,
                      out->name,
                      in->method == OCS_METHOD_CERT ? "a client certificate"
                      : in->method == OCS_METHOD_NTLM ? "NTLM" : "Kerberos");
        return out->kind;
    }

    computer = (in->computer == OCS_COMPUTER_PRIVATE) ? "private" : "public";

    if (directory) {
        ocs_login_say(out->reason, "user \"%.*s\" signed in with a password "
                      "from %s%sdirectory \"%.*s\" on a %s computer", len,
                      out->name, source ? source : "", source ? ", " : "",
                      (int) conf->directory_len, conf->directory, computer);

    } else {
        ocs_login_say(out->reason, "user \"%.*s\" signed in with a password "
                      "from %s on a %s computer", len, out->name, source,
                      computer);
    }

    return out->kind;
}


static void
ocs_login_say(char *buf, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    (void) vsnprintf(buf, OCS_LOGIN_REASON_MAX, fmt, args);
    va_end(args);
}
