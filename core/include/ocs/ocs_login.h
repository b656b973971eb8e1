/*
 * The sign-in outcome of each credential source, decided once for every
 * server: a password checked against the user file, the directory (a
 * bind, then the account's state) or Kerberos (the KDC, then the
 * directory's account of the principal); and a name already proven by
 * Kerberos, NTLM or a certificate, mapped to its directory account.
 *
 * Each source is one blocking call that the server runs where it may
 * block (nginx: a pool thread) and that fills an ocs_login_result_t with
 * what the source said; ocs_login_classify() turns that into an
 * ocs_login_outcome_t: what the user is told, what the log says and
 * what the attempt does to the lockout counts.  The server only answers
 * and logs.
 */

#ifndef OCS_LOGIN_H
#define OCS_LOGIN_H


#include <ocs/ocs.h>
#include <ocs/ocs_directory.h>
#include <ocs/ocs_ldap.h>
#include <ocs/ocs_signin.h>
#include <ocs/ocs_userfile.h>
#include <ocs/ocs_ticket.h>


/* where the password went */
#define OCS_LOGIN_USERFILE      0
#define OCS_LOGIN_DIRECTORY     1
#define OCS_LOGIN_KERBEROS      2   /* with or without a directory */
#define OCS_LOGIN_PROVEN        3   /* no password: a proven name */

/* what the sign-in came to */
#define OCS_LOGIN_OK            0
#define OCS_LOGIN_BAD           1   /* wrong password, unknown user, a
                                       KDC the keytab does not trust */
#define OCS_LOGIN_STATE         2   /* the account's state: out->state */
#define OCS_LOGIN_THROTTLED     3   /* the proxy's lockout, found on the
                                       way: the password was not tried */
#define OCS_LOGIN_SIP_MISMATCH  4   /* the typed sign-in address is not
                                       the account's */
#define OCS_LOGIN_NO_ACCOUNT    5   /* proven, but no directory account */
#define OCS_LOGIN_BAD_NAME      6   /* a proven name no user can have */
#define OCS_LOGIN_UNAVAILABLE   7   /* the source could not answer */

/* what the attempt does to the lockout counts */
#define OCS_LOGIN_COUNT_FAILED     0   /* a wrong password */
#define OCS_LOGIN_COUNT_SUCCEEDED  1
#define OCS_LOGIN_COUNT_NEUTRAL    2   /* no password was judged */

/* how loud a line is logged */
#define OCS_LOGIN_LOG_NONE      0
#define OCS_LOGIN_LOG_CRIT      1   /* the system's fault */
#define OCS_LOGIN_LOG_ERR       2   /* the user's or the admin's */
#define OCS_LOGIN_LOG_WARN      3
#define OCS_LOGIN_LOG_NOTICE    4   /* a sign-in */

#define OCS_LOGIN_REASON_MAX    1024


/* the sources of one location; the server owns every pointer */
typedef struct {
    const char          *user_file;   /* path, when no directory/keytab */
    void                *work;        /* ocs_password_work_size() bytes,
                                         for the user file */
    ocs_ldap_t          *ld;          /* the directory, or NULL */
    const char          *directory;   /* its name, for the log */
    size_t               directory_len;
    const char          *keytab;      /* Kerberos checks passwords, or
                                         NULL */
    const char          *server;      /* its service principal, or NULL */
    int                  timeout;     /* ms per KDC */

    /* asked before the password is tried, by the account found */
    ocs_ldap_admit_pt    admit;
    void                *admit_data;

    /* asked once an account signs in: the server's facts of it */
    int                (*evaluate)(void *data, ocs_err_t *err);
    void                *evaluate_data;

    ocs_ldap_account_t  *acct;        /* filled by the directory: required
                                         with ld */
} ocs_login_conf_t;


/* one attempt, as typed; the server owns the memory */
typedef struct {
    const char          *name;
    size_t               name_len;
    char                *password;    /* wiped by the blocking calls */
    size_t               password_len;
    const char          *sip;         /* the sign-in address typed */
    size_t               sip_len;     /* 0: none */
    int                  computer;    /* OCS_COMPUTER_* */
    uint32_t             method;      /* proven: OCS_METHOD_KERBEROS,
                                         _NTLM or _CERT */
} ocs_login_input_t;


/* what a source said, filled by the blocking calls */
typedef struct {
    int                  source;      /* OCS_LOGIN_USERFILE, ... */
    int                  rc;          /* the source's OCS_* */
    int                  state;       /* OCS_ACCT_* */
    int                  verify_rc;   /* the user file's hash check */
    int                  no_account;  /* Kerberos: no directory account */
    ocs_userfile_entry_t entry;       /* the user file's line */
    char                 principal[OCS_USER_MAX + 1];  /* the KDC's */
    char                 kdc_note[sizeof(((ocs_err_t *) 0)->text)];
    ocs_err_t            err;
} ocs_login_result_t;


/* what the server does with it */
typedef struct {
    int                  kind;        /* OCS_LOGIN_OK, ... */
    int                  state;       /* OCS_ACCT_*, for _STATE */
    int                  count;       /* OCS_LOGIN_COUNT_* */
    int                  status;      /* the HTTP status of the answer */
    int                  form;        /* the answer is the sign-in form
                                         again, else a message page */
    int                  keep_sip;    /* the form shows the address typed */
    int                  directory;   /* the directory answered */
    const char          *title;       /* of a message page */
    const char          *message;     /* the user's sentence (static) */
    const char          *name;        /* _OK: the user, as the source
                                         spells it (into res, conf->acct
                                         or in), not NUL-terminated */
    size_t               name_len;
    int                  level;       /* OCS_LOGIN_LOG_* of reason */
    char                 reason[OCS_LOGIN_REASON_MAX];  /* the log line,
                                         without the server's prefix; for
                                         _OK logged once signed in */
    int                  note_level;  /* OCS_LOGIN_LOG_*, of note */
    char                 note[OCS_LOGIN_REASON_MAX];    /* logged first: a
                                         KDC that failed, bad user file
                                         lines */
} ocs_login_outcome_t;


/*
 * What a typed name and password come to before any source is asked:
 * pure, thread-safe, no I/O.  Returns out->kind:
 *
 *   OCS_LOGIN_OK        they may be tried (out says nothing)
 *   OCS_LOGIN_BAD_NAME  a name no account can have (ocs_username_
 *                       parse()): answered at once, before the lockout
 *                       is asked, and never counted
 *   OCS_LOGIN_BAD       an empty password: answered after the lockout
 *                       is asked (a locked account says so whatever is
 *                       typed), not counted
 *
 * For either refusal out is the sign-in form again (out->form) with the
 * answer of a wrong password, out->name the name to show in it (in's;
 * NULL for a malformed one) and out->reason the log line.  Only in->name
 * and in->password_len are read.
 */
int ocs_login_precheck(const ocs_login_input_t *in,
    ocs_login_outcome_t *out);

/*
 * Checks in's password with the source conf names (a keytab: Kerberos;
 * else a directory; else the user file), then classifies the answer.
 * Blocks; wipes in->password and the hash read.  Thread-safe when the
 * conf's handles are.  Returns out->kind.
 */
int ocs_login_check(const ocs_login_conf_t *conf, ocs_login_input_t *in,
    ocs_login_result_t *res, ocs_login_outcome_t *out);

/*
 * The blocking part of each source, filling res (zeroed first).
 * ocs_login_userfile() reads and hashes: an unknown user costs the
 * decoy's hashing.  ocs_login_directory() binds, asks conf->admit and,
 * for an account that may sign in, conf->evaluate.
 * ocs_login_kerberos() counts the attempt by the directory's account
 * (with a directory), asks the KDC, then maps the principal to its
 * account.  Each wipes in->password.
 */
void ocs_login_userfile(const ocs_login_conf_t *conf, ocs_login_input_t *in,
    ocs_login_result_t *res);
void ocs_login_directory(const ocs_login_conf_t *conf,
    ocs_login_input_t *in, ocs_login_result_t *res);
void ocs_login_kerberos(const ocs_login_conf_t *conf,
    ocs_login_input_t *in, ocs_login_result_t *res);

/*
 * A name proven already (Kerberos, NTLM: in->method says which, or a
 * certificate), as in->name: refused when empty or over OCS_USER_MAX
 * bytes, else, with a directory, its account found and its state and
 * facts read (conf->evaluate).  Blocks on the directory; then
 * classifies.  Returns out->kind.
 */
int ocs_login_proven(const ocs_login_conf_t *conf, ocs_login_input_t *in,
    ocs_login_result_t *res, ocs_login_outcome_t *out);

/*
 * What res means for in: pure, thread-safe, no I/O.  out->name and
 * out->message point into res, conf->acct, in or static text.  Returns
 * out->kind.
 */
int ocs_login_classify(const ocs_login_conf_t *conf,
    const ocs_login_input_t *in, const ocs_login_result_t *res,
    ocs_login_outcome_t *out);


#endif /* OCS_LOGIN_H */
