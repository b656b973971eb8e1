/*
 * Sign-in outcomes: the user file against a file written here, and the
 * classification of every answer a directory, a KDC or a proven name
 * can give (no server needed: ocs_login_classify() is pure).
 */

#include <unistd.h>

#include <ocs_test.h>
#include <ocs/ocs_login.h>


#define FAILED  "The user name or password is incorrect."
#define LATER   "The sign-in service is unavailable. Please try again later."


static char  user_file[] = "/tmp/ocs-test-login-XXXXXX";


static int
write_user_file(void)
{
    int        fd;
    char       hash[OCS_HASH_MAX + 1], line[512];
    void      *work;
    FILE      *f;
    ocs_err_t  err;

    work = malloc(ocs_password_work_size());
    if (work == NULL
        || ocs_password_hash("secret", "sha512", ocs_env_default(), hash,
                             sizeof(hash), work, &err)
           != OCS_OK)
    {
        free(work);
        return -1;
    }

    free(work);

    fd = mkstemp(user_file);
    if (fd == -1) {
        return -1;
    }

    f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        return -1;
    }

    (void) snprintf(line, sizeof(line), "Alice:%s\n", hash);
    fputs(line, f);
    fputs("no colon on this line\n", f);
    fputs("weak:$1$salt$hash\n", f);
    (void) snprintf(line, sizeof(line), "carol:%s\n", hash);
    fputs(line, f);

    return fclose(f) == 0 ? 0 : -1;
}


static int
userfile_try(const char *path, const char *name, const char *password,
    ocs_login_outcome_t *out)
{
    int                 kind;
    char                pw[64];
    void               *work;
    ocs_login_conf_t    conf;
    ocs_login_input_t   in;

    /* out->name points into it */
    static ocs_login_result_t  res;

    memset(&conf, 0, sizeof(conf));
    memset(&in, 0, sizeof(in));

    work = malloc(ocs_password_work_size());
    conf.user_file = path;
    conf.work = work;

    (void) snprintf(pw, sizeof(pw), "%s", password);
    in.name = name;
    in.name_len = strlen(name);
    in.password = pw;
    in.password_len = strlen(pw);
    in.computer = OCS_COMPUTER_PRIVATE;

    kind = ocs_login_check(&conf, &in, &res, out);

    ok(pw[0] == '\0' || in.password_len == 0,
       "user file %s/%s: the password wiped", name, password);
    ok(res.entry.hash[0] == '\0', "user file %s/%s: the hash wiped", name,
       password);

    free(work);

    return kind;
}


static void
test_userfile(void)
{
    ocs_login_outcome_t  out;

    if (write_user_file() != 0) {
        ok(0, "user file written");
        return;
    }

    is_int(userfile_try(user_file, "alice", "secret", &out), OCS_LOGIN_OK,
           "user file: right password");
    is_str(out.name, out.name_len, "Alice", "user file: the file's spelling");
    is_int(out.count, OCS_LOGIN_COUNT_SUCCEEDED, "user file: success counts");
    is_int(out.level, OCS_LOGIN_LOG_NOTICE, "user file: a notice");
    ok(strcmp(out.reason, "user \"Alice\" signed in with a password from "
              "the user file on a private computer") == 0,
       "user file: the notice line");
    ok(out.note[0] == '\0', "user file: no bad line before Alice's");

    is_int(userfile_try(user_file, "alice", "wrong", &out), OCS_LOGIN_BAD,
           "user file: wrong password");
    is_int(out.status, 401, "wrong password: 401");
    is_int(out.count, OCS_LOGIN_COUNT_FAILED, "wrong password: counted");
    ok(out.form && !out.keep_sip, "wrong password: the form, no address");
    ok(strcmp(out.message, FAILED) == 0, "wrong password: the message");
    ok(strcmp(out.reason, "sign-in failed for user \"alice\"") == 0,
       "wrong password: the reason");

    is_int(userfile_try(user_file, "mallory", "secret", &out), OCS_LOGIN_BAD,
           "user file: unknown user");
    ok(strcmp(out.reason, "sign-in failed for user \"mallory\"") == 0,
       "unknown user: the same reason");
    ok(strcmp(out.message, FAILED) == 0, "unknown user: the same message");
    ok(strstr(out.note, "line 2") != NULL
       && strstr(out.note, "1 bad line skipped") != NULL,
       "unknown user: the bad line noted (%s)", out.note);
    is_int(out.note_level, OCS_LOGIN_LOG_ERR, "bad line: an error");

    is_int(userfile_try(user_file, "weak", "secret", &out), OCS_LOGIN_BAD,
           "user file: weak hash");
    ok(strcmp(out.reason, "sign-in failed for user \"weak\": the user file "
              "holds no usable hash for the user") == 0,
       "weak hash: the reason says so");

    is_int(userfile_try(user_file, "carol", "secret", &out), OCS_LOGIN_OK,
           "user file: a user after the bad line");

    is_int(userfile_try("/nonexistent/users", "alice", "secret", &out),
           OCS_LOGIN_UNAVAILABLE, "user file missing: unavailable");
    is_int(out.status, 503, "user file missing: 503");
    is_int(out.level, OCS_LOGIN_LOG_CRIT, "user file missing: critical");
    is_int(out.count, OCS_LOGIN_COUNT_NEUTRAL, "user file missing: neutral");
    ok(!out.form && strcmp(out.title, "Sign-in unavailable") == 0
       && strcmp(out.message, LATER) == 0, "user file missing: the page");
    ok(strncmp(out.reason, "user file: ", 11) == 0,
       "user file missing: the reason");

    (void) unlink(user_file);
}


/* one row: what a source said, and what it must mean */
typedef struct {
    const char  *what;
    int          source;
    int          keytab;
    int          rc;
    int          state;
    int          no_account;
    const char  *kdc_note;
    const char  *acct_name;
    const char  *sip;             /* typed */
    uint32_t     method;          /* proven by */
    int          kind;
    int          count;
    int          status;
    int          form;
    int          keep_sip;
    int          directory;
    const char  *message;
    const char  *reason;
    const char  *note;
} class_case_t;


#define D   OCS_LOGIN_DIRECTORY
#define K   OCS_LOGIN_KERBEROS
#define P   OCS_LOGIN_PROVEN
#define CF  OCS_LOGIN_COUNT_FAILED
#define CS  OCS_LOGIN_COUNT_SUCCEEDED
#define CN  OCS_LOGIN_COUNT_NEUTRAL

static const class_case_t  class_cases[] = {

    /* the directory */
    { "dir ok", D, 0, OCS_OK, OCS_ACCT_OK, 0, "", "ALICE", "", 0,
      OCS_LOGIN_OK, CS, 200, 0, 0, 1, NULL,
      "user \"ALICE\" signed in with a password from directory \"corp\" "
      "on a public computer", "" },
    { "dir ok, no sAMAccountName", D, 0, OCS_OK, OCS_ACCT_OK, 0, "", "", "",
      0, OCS_LOGIN_OK, CS, 200, 0, 0, 1, NULL,
      "user \"alice\" signed in with a password from directory \"corp\" "
      "on a public computer", "" },
    { "dir wrong password", D, 0, OCS_OK, OCS_ACCT_BAD_CREDENTIALS, 0, "",
      "", "", 0, OCS_LOGIN_BAD, CF, 401, 1, 1, 1, FAILED,
      "sign-in failed for user \"alice\"", "" },
    { "dir locked out", D, 0, OCS_OK, OCS_ACCT_LOCKED, 0, "", "", "", 0,
      OCS_LOGIN_STATE, CF, 401, 1, 1, 1,
      "Your account is locked out. Wait a while and try again, or contact "
      "your administrator.",
      "sign-in failed for user \"alice\": account locked out", "" },
    { "dir disabled", D, 0, OCS_OK, OCS_ACCT_DISABLED, 0, "", "", "", 0,
      OCS_LOGIN_STATE, CN, 401, 1, 1, 1,
      "Your account is disabled. Contact your administrator.",
      "sign-in failed for user \"alice\": account disabled", "" },
    { "dir password expired", D, 0, OCS_OK, OCS_ACCT_PASSWORD_EXPIRED, 0,
      "", "", "", 0, OCS_LOGIN_STATE, CN, 401, 1, 1, 1,
      "Your password has expired. Change it, then sign in again.",
      "sign-in failed for user \"alice\": password expired", "" },
    { "dir throttled", D, 0, OCS_OK, OCS_ACCT_THROTTLED, 0, "", "", "", 0,
      OCS_LOGIN_THROTTLED, CN, 429, 1, 1, 1, NULL, "", "" },
    { "dir down", D, 0, OCS_ERR_SYS, OCS_ACCT_BAD_CREDENTIALS, 0, "", "",
      "", 0, OCS_LOGIN_UNAVAILABLE, CN, 503, 0, 0, 1,
      "The directory that checks passwords cannot be reached. Please try "
      "again later.", "directory \"corp\" unavailable: dc down", "" },
    { "dir unanswered", D, 0, OCS_ERR_SYS, OCS_ACCT_UNANSWERED, 0, "", "",
      "", 0, OCS_LOGIN_UNAVAILABLE, CF, 503, 0, 0, 1,
      "The directory that checks passwords cannot be reached. Please try "
      "again later.", "directory \"corp\" unavailable: dc down", "" },
    { "dir sip matches", D, 0, OCS_OK, OCS_ACCT_OK, 0, "", "alice",
      "sip:Alice@example.com", 0, OCS_LOGIN_OK, CS, 200, 0, 0, 1, NULL,
      "user \"alice\" signed in with a password from directory \"corp\" "
      "on a public computer", "" },
    { "dir sip mismatch", D, 0, OCS_OK, OCS_ACCT_OK, 0, "", "alice",
      "sip:bob@example.com", 0, OCS_LOGIN_SIP_MISMATCH, CS, 403, 1, 1, 1,
      "The sign-in address does not match the account of this user name "
      "and password.",
      "sign-in failed for user \"alice\": the sign-in address "
      "\"sip:bob@example.com\" does not match the account", "" },

    /* Kerberos, with a directory (keytab 1: conf has ld) */
    { "krb5+dir ok", K, 1, OCS_OK, OCS_ACCT_OK, 0, "", "alice", "", 0,
      OCS_LOGIN_OK, CS, 200, 0, 0, 1, NULL,
      "user \"alice\" signed in with a password from Kerberos, directory "
      "\"corp\" on a public computer", "" },
    { "krb5+dir kdc note", K, 1, OCS_OK, OCS_ACCT_OK, 0, "kdc1 timed out",
      "alice", "", 0, OCS_LOGIN_OK, CS, 200, 0, 0, 1, NULL,
      "user \"alice\" signed in with a password from Kerberos, directory "
      "\"corp\" on a public computer", "kdc1 timed out" },
    { "krb5+dir throttled", K, 1, OCS_OK, OCS_ACCT_THROTTLED, 0, "", "", "",
      0, OCS_LOGIN_THROTTLED, CN, 429, 1, 1, 0, NULL, "", "" },
    { "krb5 spoofed kdc", K, 1, OCS_ERR_AUTH, OCS_ACCT_OK, 0, "", "", "", 0,
      OCS_LOGIN_BAD, CF, 401, 1, 1, 0, FAILED,
      "sign-in refused for user \"alice\": dc down", "" },
    { "krb5 kdc down", K, 1, OCS_ERR_SYS, OCS_ACCT_BAD_CREDENTIALS, 0, "",
      "", "", 0, OCS_LOGIN_UNAVAILABLE, CN, 503, 0, 0, 0, LATER,
      "Kerberos password check unavailable: dc down", "" },
    { "krb5 kdc unanswered", K, 1, OCS_ERR_SYS, OCS_ACCT_UNANSWERED, 0, "",
      "", "", 0, OCS_LOGIN_UNAVAILABLE, CF, 503, 0, 0, 0, LATER,
      "Kerberos password check unavailable: dc down", "" },
    { "krb5 no account", K, 1, OCS_OK, OCS_ACCT_BAD_CREDENTIALS, 1, "", "",
      "", 0, OCS_LOGIN_NO_ACCOUNT, CF, 401, 1, 1, 0, FAILED,
      "sign-in failed for user \"alice\": the password is right, but "
      "directory \"corp\" has no account \"alice\"", "" },
    { "krb5 wrong password", K, 1, OCS_OK, OCS_ACCT_BAD_CREDENTIALS, 0, "",
      "", "", 0, OCS_LOGIN_BAD, CF, 401, 1, 1, 1, FAILED,
      "sign-in failed for user \"alice\"", "" },
    { "krb5 then dir down", K, 1, OCS_ERR_SYS, OCS_ACCT_OK, 0, "", "", "", 0,
      OCS_LOGIN_UNAVAILABLE, CN, 503, 0, 0, 1,
      "The directory that checks passwords cannot be reached. Please try "
      "again later.", "directory \"corp\" unavailable: dc down", "" },
    { "krb5 then disabled", K, 1, OCS_OK, OCS_ACCT_DISABLED, 0, "", "", "",
      0, OCS_LOGIN_STATE, CN, 401, 1, 1, 1,
      "Your account is disabled. Contact your administrator.",
      "sign-in failed for user \"alice\": account disabled", "" },

    /* Kerberos alone (keytab 2: no directory) */
    { "krb5 alone ok", K, 2, OCS_OK, OCS_ACCT_OK, 0, "", "", "", 0,
      OCS_LOGIN_OK, CS, 200, 0, 0, 0, NULL,
      "user \"alice\" signed in with a password from Kerberos on a public "
      "computer", "" },
    { "krb5 alone expired", K, 2, OCS_OK, OCS_ACCT_PASSWORD_EXPIRED, 0, "",
      "", "", 0, OCS_LOGIN_STATE, CN, 401, 1, 1, 0,
      "Your password has expired. Change it, then sign in again.",
      "sign-in failed for user \"alice\": password expired", "" },

    /* proven names, with a directory */
    { "kerberos ok", P, 1, OCS_OK, OCS_ACCT_OK, 0, "", "Alice", "",
      OCS_METHOD_KERBEROS, OCS_LOGIN_OK, CS, 200, 0, 0, 1, NULL,
      "user \"Alice\" signed in with Kerberos", "" },
    { "ntlm ok, no sAMAccountName", P, 1, OCS_OK, OCS_ACCT_OK, 0, "", "", "",
      OCS_METHOD_NTLM, OCS_LOGIN_OK, CS, 200, 0, 0, 1, NULL,
      "user \"alice\" signed in with NTLM", "" },
    { "certificate ok", P, 1, OCS_OK, OCS_ACCT_OK, 0, "", "alice", "",
      OCS_METHOD_CERT, OCS_LOGIN_OK, CS, 200, 0, 0, 1, NULL,
      "user \"alice\" signed in with a client certificate", "" },
    { "kerberos no account", P, 1, OCS_ERR_NOTFOUND, OCS_ACCT_OK, 0, "", "",
      "", OCS_METHOD_KERBEROS, OCS_LOGIN_NO_ACCOUNT, CN, 403, 0, 0, 1,
      "Your account was not found in the directory.",
      "Kerberos user \"alice\" has no account in directory \"corp\"", "" },
    { "certificate no account", P, 1, OCS_ERR_NOTFOUND, OCS_ACCT_OK, 0, "",
      "", "", OCS_METHOD_CERT, OCS_LOGIN_NO_ACCOUNT, CN, 403, 0, 0, 1,
      "Your account was not found in the directory.",
      "certificate user \"alice\" has no account in directory \"corp\"", "" },
    { "ntlm dir down", P, 1, OCS_ERR_SYS, OCS_ACCT_OK, 0, "", "", "",
      OCS_METHOD_NTLM, OCS_LOGIN_UNAVAILABLE, CN, 503, 0, 0, 1,
      "The directory cannot be reached. Please try again later.",
      "directory \"corp\" unavailable: dc down", "" },
    { "ntlm disabled", P, 1, OCS_OK, OCS_ACCT_DISABLED, 0, "", "", "",
      OCS_METHOD_NTLM, OCS_LOGIN_STATE, CN, 403, 0, 0, 1,
      "Your account is disabled. Contact your administrator.",
      "NTLM sign-in refused for user \"alice\": account disabled", "" },

    /* proven names, no directory */
    { "kerberos alone", P, 2, OCS_OK, OCS_ACCT_OK, 0, "", "", "",
      OCS_METHOD_KERBEROS, OCS_LOGIN_OK, CS, 200, 0, 0, 0, NULL,
      "user \"alice\" signed in with Kerberos", "" },
};


static void
test_classify(void)
{
    size_t               i;
    ocs_ldap_account_t  *acct;
    ocs_login_conf_t     conf;
    ocs_login_input_t    in;
    ocs_login_result_t   res;
    ocs_login_outcome_t  out;

    acct = calloc(1, sizeof(ocs_ldap_account_t));
    if (acct == NULL) {
        ok(0, "memory");
        return;
    }

    for (i = 0; i < sizeof(class_cases) / sizeof(class_cases[0]); i++) {
        const class_case_t  *c = &class_cases[i];

        memset(&conf, 0, sizeof(conf));
        memset(&in, 0, sizeof(in));
        memset(&res, 0, sizeof(res));
        memset(acct, 0, sizeof(ocs_ldap_account_t));

        /* classify never talks to it: any handle stands for "there" */
        if (c->source == D || c->keytab == 1) {
            conf.ld = (ocs_ldap_t *) acct;
        }

        conf.directory = "corp";
        conf.directory_len = 4;
        conf.keytab = c->keytab ? "/etc/krb5.keytab" : NULL;
        conf.acct = acct;
        snprintf(acct->name, sizeof(acct->name), "%s", c->acct_name);
        snprintf(acct->sip, sizeof(acct->sip), "sip:alice@example.com");

        in.name = "alice";
        in.name_len = 5;
        in.sip = c->sip;
        in.sip_len = strlen(c->sip);
        in.method = c->method;

        res.source = c->source;
        res.rc = c->rc;
        res.state = c->state;
        res.no_account = c->no_account;
        snprintf(res.kdc_note, sizeof(res.kdc_note), "%s", c->kdc_note);
        snprintf(res.principal, sizeof(res.principal), "alice");
        snprintf(res.err.text, sizeof(res.err.text), "dc down");

        is_int(ocs_login_classify(&conf, &in, &res, &out), c->kind,
               "%s: kind", c->what);
        is_int(out.kind, c->kind, "%s: out->kind", c->what);
        is_int(out.count, c->count, "%s: lockout count", c->what);
        is_int(out.status, c->status, "%s: status", c->what);
        is_int(out.form, c->form, "%s: form", c->what);

        if (c->form) {
            is_int(out.keep_sip, c->keep_sip, "%s: keeps the address",
                   c->what);
        }

        is_int(out.directory, c->directory, "%s: directory", c->what);

        if (c->message != NULL) {
            ok(out.message != NULL && strcmp(out.message, c->message) == 0,
               "%s: message", c->what);
        }

        if (c->kind != OCS_LOGIN_THROTTLED) {
            ok(strcmp(out.reason, c->reason) == 0, "%s: reason", c->what);

            if (strcmp(out.reason, c->reason) != 0) {
                printf("#   got \"%s\"\n", out.reason);
            }
        }

        ok(strcmp(out.note, c->note) == 0, "%s: note", c->what);
    }

    free(acct);
}


static void
test_proven_names(void)
{
    char                 name[OCS_USER_MAX + 2];
    ocs_login_conf_t     conf;
    ocs_login_input_t    in;
    ocs_login_result_t   res;
    ocs_login_outcome_t  out;

    memset(&conf, 0, sizeof(conf));
    memset(&in, 0, sizeof(in));
    memset(name, 'a', sizeof(name));

    /* no directory: nothing blocks, the name is checked and kept */
    in.method = OCS_METHOD_KERBEROS;
    in.name = name;
    in.name_len = 0;
    is_int(ocs_login_proven(&conf, &in, &res, &out), OCS_LOGIN_BAD_NAME,
           "proven: an empty name refused");
    is_int(out.status, 401, "empty name: 401");
    ok(strcmp(out.reason, "Kerberos client name of 0 bytes refused") == 0,
       "empty name: the reason");

    in.name_len = OCS_USER_MAX + 1;
    is_int(ocs_login_proven(&conf, &in, &res, &out), OCS_LOGIN_BAD_NAME,
           "proven: a name over OCS_USER_MAX refused");
    ok(strcmp(out.reason, "Kerberos client name of 257 bytes refused") == 0,
       "long name: the reason");

    in.name_len = OCS_USER_MAX;
    is_int(ocs_login_proven(&conf, &in, &res, &out), OCS_LOGIN_OK,
           "proven: a name of OCS_USER_MAX");
    ok(out.name == name && out.name_len == OCS_USER_MAX,
       "proven: the name as given");
}


static void
test_precheck(void)
{
    size_t               i;
    ocs_login_input_t    in;
    ocs_login_outcome_t  out;

    static const struct {
        const char  *name;
        size_t       password_len;
        int          kind;
        const char  *reason;
    } cases[] = {
        { "alice", 8, OCS_LOGIN_OK, "" },
        { "CONTOSO\\alice", 1, OCS_LOGIN_OK, "" },
        { "alice@contoso.com", 1024, OCS_LOGIN_OK, "" },
        { "alice", 0, OCS_LOGIN_BAD,
          "sign-in failed for user \"alice\": empty password" },
        { "", 8, OCS_LOGIN_BAD_NAME, "sign-in failed: malformed user name" },
        { " alice", 8, OCS_LOGIN_BAD_NAME,
          "sign-in failed: malformed user name" },
        { "a\\b\\c", 8, OCS_LOGIN_BAD_NAME,
          "sign-in failed: malformed user name" },
        { "al\x01ice", 8, OCS_LOGIN_BAD_NAME,
          "sign-in failed: malformed user name" },
        { "al\xffice", 8, OCS_LOGIN_BAD_NAME,
          "sign-in failed: malformed user name" },
        /* the name first: a malformed one is never shown again */
        { "@", 0, OCS_LOGIN_BAD_NAME, "sign-in failed: malformed user name" },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&in, 0, sizeof(in));
        in.name = cases[i].name;
        in.name_len = strlen(cases[i].name);
        in.password_len = cases[i].password_len;

        is_int(ocs_login_precheck(&in, &out), cases[i].kind,
               "precheck \"%s\", %zu: kind", cases[i].name,
               cases[i].password_len);
        is_int(out.kind, cases[i].kind, "precheck %zu: out->kind", i);
        is_int(out.count, OCS_LOGIN_COUNT_NEUTRAL,
               "precheck %zu: never counted", i);
        is_str(out.reason, strlen(out.reason), cases[i].reason,
               "precheck %zu: log line", i);

        if (cases[i].kind == OCS_LOGIN_OK) {
            ok(out.level == OCS_LOGIN_LOG_NONE && !out.form
               && out.name == NULL, "precheck %zu: nothing to answer", i);
            continue;
        }

        ok(out.form && out.status == 401 && out.level == OCS_LOGIN_LOG_ERR,
           "precheck %zu: the form again, 401, logged as an error", i);
        is_str(out.message, strlen(out.message),
               "The user name or password is incorrect.",
               "precheck %zu: the answer of a wrong password", i);

        if (cases[i].kind == OCS_LOGIN_BAD) {
            ok(out.name == in.name && out.name_len == in.name_len,
               "precheck %zu: the name shown again", i);

        } else {
            ok(out.name == NULL && out.name_len == 0,
               "precheck %zu: a malformed name not shown again", i);
        }
    }
}


int
main(void)
{
    test_userfile();
    test_classify();
    test_proven_names();
    test_precheck();

    return ocs_test_done();
}
