/*
 * Password checks with Kerberos: the AS exchange step by step and
 * krb5_verify_init_creds(), every request to a KDC over our own TCP
 * transport with a deadline per KDC (libkrb5 1.20 has no setting that
 * bounds a KDC that takes a connection and never answers: it waits 10 s
 * per accepted connection, 17 to 34 s in all).  Each call has a krb5
 * context of its own, so several pool threads may check passwords at
 * once.
 */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <krb5/krb5.h>
#include <profile.h>

#include <ocs/ocs_krb5.h>
#include <ocs/ocs_signin.h>


/* the KDCs of one password check, and what each did */
typedef struct {
    int          timeout;           /* ms per KDC and request */
    uint32_t     failed;            /* bit i: KDC i of realm failed */
    char         realm[256];
    char         notes[160];        /* the failed KDCs, for the log */
    size_t       notes_len;
    int          proof;             /* this request proves the password */
    int          delivered;         /* such a request reached a KDC that
                                       never answered it */
} ocs_krb5_kdcs_t;


#define OCS_KRB5_KDCS_MAX  32


static int ocs_krb5_client(krb5_context ctx, const char *name, size_t len,
    krb5_principal *client);
static int ocs_krb5_service(krb5_context ctx, const char *keytab,
    const char *server, krb5_keytab *kt, krb5_principal *service,
    ocs_err_t *err);
static int ocs_krb5_initial(krb5_context ctx, ocs_krb5_kdcs_t *kdcs,
    krb5_principal client, const char *password, size_t password_len,
    krb5_creds *creds, int *state, ocs_err_t *err);
static int ocs_krb5_verify(krb5_context ctx, krb5_creds *creds,
    krb5_principal service, krb5_keytab kt, ocs_err_t *err);
static int ocs_krb5_canonical(krb5_context ctx, krb5_creds *creds,
    char *principal, size_t principal_size, ocs_err_t *err);
static int ocs_krb5_reply_plausible(const uint8_t *data, size_t len);
static krb5_error_code ocs_krb5_as(krb5_context ctx, ocs_krb5_kdcs_t *kdcs,
    krb5_principal client, const char *password,
    krb5_get_init_creds_opt *opt, krb5_creds *creds);
static krb5_error_code KRB5_CALLCONV ocs_krb5_send_hook(krb5_context ctx,
    void *data, const krb5_data *realm, const krb5_data *message,
    krb5_data **new_message, krb5_data **new_reply);
static krb5_error_code ocs_krb5_exchange(krb5_context ctx,
    ocs_krb5_kdcs_t *kdcs, const krb5_data *realm, const krb5_data *req,
    krb5_data *reply);
static void ocs_krb5_note(ocs_krb5_kdcs_t *kdcs, const char *kdc, int e);
static int ocs_krb5_tcp(const char *kdc, const krb5_data *req,
    krb5_data *reply, int timeout, int *written);
static int ocs_krb5_hostport(const char *kdc, char *host, size_t size,
    const char **port);
static int ocs_krb5_tcp_one(const struct addrinfo *ai, const krb5_data *req,
    krb5_data *reply, int64_t deadline, int *written);
static int ocs_krb5_io(int fd, short events, uint8_t *buf, size_t len,
    int write, int64_t deadline);
static int64_t ocs_krb5_now(void);
static int ocs_krb5_state(krb5_error_code code);
static int ocs_krb5_unreachable(krb5_error_code code);
static int ocs_krb5_fail(krb5_context ctx, krb5_error_code code,
    ocs_err_t *err, int rc, const char *what);


int
ocs_krb5_password(const char *keytab, const char *server, int timeout,
    const char *name, size_t len, const char *password, size_t password_len,
    char *principal, size_t principal_size, int *state, ocs_err_t *err)
{
    int               rc;
    krb5_creds        creds;
    krb5_keytab       kt;
    krb5_context      ctx;
    krb5_principal    client, service;
    ocs_krb5_kdcs_t   kdcs;

    *state = OCS_ACCT_BAD_CREDENTIALS;
    principal[0] = '\0';

    if (password_len == 0 || password_len > OCS_KRB5_PASSWORD_MAX
        || memchr(password, '\0', password_len) != NULL)
    {
        return OCS_OK;
    }

    if (krb5_init_context(&ctx) != 0) {
        return ocs_err(err, OCS_ERR_SYS, "Kerberos: no library context "
                       "(is krb5.conf readable?)");
    }

    memset(&kdcs, 0, sizeof(kdcs));
    kdcs.timeout = timeout;

    /* the library's own requests (the verification) take our road too */
    krb5_set_kdc_send_hook(ctx, ocs_krb5_send_hook, &kdcs);

    kt = NULL;
    client = NULL;
    service = NULL;
    memset(&creds, 0, sizeof(creds));

    if (ocs_krb5_client(ctx, name, len, &client) != OCS_OK) {
        /* a name no principal can have is a wrong name */
        rc = OCS_OK;
        goto cleanup;
    }

    rc = ocs_krb5_service(ctx, keytab, server, &kt, &service, err);
    if (rc != OCS_OK) {
        goto cleanup;
    }

    rc = ocs_krb5_initial(ctx, &kdcs, client, password, password_len,
                          &creds, state, err);
    if (rc != OCS_OK || *state != OCS_ACCT_OK) {
        goto cleanup;
    }

    /* the password is right only if the KDC's ticket proves it */
    *state = OCS_ACCT_BAD_CREDENTIALS;

    rc = ocs_krb5_verify(ctx, &creds, service, kt, err);

    if (rc == OCS_OK) {
        rc = ocs_krb5_canonical(ctx, &creds, principal, principal_size, err);
    }

    if (rc != OCS_OK) {
        goto cleanup;
    }

    *state = OCS_ACCT_OK;

    if (kdcs.notes_len != 0) {
        /* worth a warning: each sign-in waits for the failed KDC first */
        (void) ocs_err(err, OCS_OK, "Kerberos: a KDC of realm \"%s\" "
                       "failed, another answered: %s", kdcs.realm,
                       kdcs.notes);
    }

cleanup:

    krb5_free_cred_contents(ctx, &creds);
    krb5_free_principal(ctx, service);
    krb5_free_principal(ctx, client);

    if (kt != NULL) {
        (void) krb5_kt_close(ctx, kt);
    }

    krb5_free_context(ctx);

    return rc;
}


/*
 * The keytab, and the service principal to verify tickets with: server,
 * or the keytab's first principal.  Returns OCS_OK, or OCS_ERR_SYS with
 * err set; *kt (when not NULL) is the caller's to close either way.
 */
static int
ocs_krb5_service(krb5_context ctx, const char *keytab, const char *server,
    krb5_keytab *kt, krb5_principal *service, ocs_err_t *err)
{
    krb5_error_code     code;
    krb5_kt_cursor      cursor;
    krb5_keytab_entry   entry;

    code = krb5_kt_resolve(ctx, keytab, kt);
    if (code != 0) {
        *kt = NULL;
        return ocs_krb5_fail(ctx, code, err, OCS_ERR_SYS, "keytab");
    }

    if (server != NULL) {
        code = krb5_parse_name(ctx, server, service);

    } else {
        /* the keytab's first principal */
        code = krb5_kt_start_seq_get(ctx, *kt, &cursor);

        if (code == 0) {
            code = krb5_kt_next_entry(ctx, *kt, &entry, &cursor);

            if (code == 0) {
                code = krb5_copy_principal(ctx, entry.principal, service);
                (void) krb5_free_keytab_entry_contents(ctx, &entry);
            }

            (void) krb5_kt_end_seq_get(ctx, *kt, &cursor);
        }
    }

    if (code != 0) {
        return ocs_krb5_fail(ctx, code, err, OCS_ERR_SYS,
                             "the service principal in the keytab");
    }

    return OCS_OK;
}


/*
 * The AS exchange with the password (password_len bytes, no NUL) and
 * the options a sign-in asks for (no forwardable or proxiable tickets,
 * the name canonicalized): on our transport, or libkrb5's when the KDCs
 * come from DNS.  Returns OCS_OK with *state OCS_ACCT_OK and creds
 * filled, OCS_OK with the KDC's answer in *state, or OCS_ERR_SYS (no
 * answer) with err set.  The copy of the password is wiped on every
 * path.
 */
static int
ocs_krb5_initial(krb5_context ctx, ocs_krb5_kdcs_t *kdcs,
    krb5_principal client, const char *password, size_t password_len,
    krb5_creds *creds, int *state, ocs_err_t *err)
{
    int                       rc;
    char                      pw[OCS_KRB5_PASSWORD_MAX + 1];
    krb5_error_code           code;
    krb5_get_init_creds_opt  *opt;

    code = krb5_get_init_creds_opt_alloc(ctx, &opt);
    if (code != 0) {
        return ocs_krb5_fail(ctx, code, err, OCS_ERR_SYS, "options");
    }

    krb5_get_init_creds_opt_set_canonicalize(opt, 1);
    krb5_get_init_creds_opt_set_forwardable(opt, 0);
    krb5_get_init_creds_opt_set_proxiable(opt, 0);

    memcpy(pw, password, password_len);
    pw[password_len] = '\0';

    /* no prompter: an expired password is an answer, not a dialogue */
    code = ocs_krb5_as(ctx, kdcs, client, pw, opt, creds);

    if (code == KRB5_REALM_CANT_RESOLVE) {
        /* KDCs from DNS: libkrb5's transport, and its waits */
        code = krb5_get_init_creds_password(ctx, creds, client, pw, NULL,
                                            NULL, 0, NULL, opt);
    }

    rc = OCS_OK;

    if (code == 0) {
        *state = OCS_ACCT_OK;
        goto cleanup;
    }

    *state = ocs_krb5_state(code);

    if (*state < 0) {
        *state = kdcs->delivered ? OCS_ACCT_UNANSWERED
                                 : OCS_ACCT_BAD_CREDENTIALS;
        rc = ocs_krb5_fail(ctx, code, err, OCS_ERR_SYS, "the KDC");
    }

cleanup:

    ocs_wipe(pw, sizeof(pw));
    krb5_get_init_creds_opt_free(ctx, opt);

    return rc;
}


/*
 * The initial ticket verified against the keytab (a KDC that knows the
 * service proves the password).  Returns OCS_OK, OCS_ERR_SYS (no KDC
 * gave the service ticket) or OCS_ERR_AUTH, err set for both.
 */
static int
ocs_krb5_verify(krb5_context ctx, krb5_creds *creds, krb5_principal service,
    krb5_keytab kt, ocs_err_t *err)
{
    krb5_error_code              code;
    krb5_verify_init_creds_opt   vopt;

    krb5_verify_init_creds_opt_init(&vopt);
    krb5_verify_init_creds_opt_set_ap_req_nofail(&vopt, 1);

    code = krb5_verify_init_creds(ctx, creds, service, kt, NULL, &vopt);

    if (code == 0) {
        return OCS_OK;
    }

    if (ocs_krb5_unreachable(code)) {
        /* the password was right, but no KDC gave the service ticket */
        return ocs_krb5_fail(ctx, code, err, OCS_ERR_SYS, "the KDC");
    }

    return ocs_krb5_fail(ctx, code, err, OCS_ERR_AUTH,
                         "the ticket failed verification against the "
                         "keytab");
}


/*
 * The client's name as the KDC spells it, without the realm, into
 * principal (principal_size bytes, NUL-terminated).  Returns OCS_OK or
 * OCS_ERR_SYS with err set.
 */
static int
ocs_krb5_canonical(krb5_context ctx, krb5_creds *creds, char *principal,
    size_t principal_size, ocs_err_t *err)
{
    char             *canon;
    size_t            n;
    krb5_error_code   code;

    code = krb5_unparse_name_flags(ctx, creds->client,
                                   KRB5_PRINCIPAL_UNPARSE_NO_REALM
                                   | KRB5_PRINCIPAL_UNPARSE_DISPLAY, &canon);
    if (code != 0) {
        return ocs_krb5_fail(ctx, code, err, OCS_ERR_SYS, "the client name");
    }

    n = strlen(canon);

    if (n == 0 || n >= principal_size) {
        krb5_free_unparsed_name(ctx, canon);
        return ocs_err(err, OCS_ERR_SYS, "Kerberos: a client name of %zu "
                       "bytes", n);
    }

    memcpy(principal, canon, n + 1);
    krb5_free_unparsed_name(ctx, canon);

    return OCS_OK;
}


/*
 * The principal for a sign-in name, in the default realm, built from
 * one component so that "/" and "@" in a name are plain characters.
 */
static int
ocs_krb5_client(krb5_context ctx, const char *name, size_t len,
    krb5_principal *client)
{
    char            *realm;
    char             user[OCS_NAME_MAX + 1];
    ocs_username_t   parsed;
    krb5_error_code  code;

    if (ocs_username_parse(name, len, &parsed) != OCS_OK) {
        return OCS_ERR_INVALID;
    }

    /* user@domain whole, as an enterprise name; else the user part */
    if (parsed.upn) {
        memcpy(user, name, len);
        user[len] = '\0';

    } else {
        memcpy(user, parsed.user, parsed.user_len);
        user[parsed.user_len] = '\0';
    }

    if (krb5_get_default_realm(ctx, &realm) != 0) {
        return OCS_ERR_INVALID;
    }

    code = krb5_build_principal(ctx, client, strlen(realm), realm, user,
                                (char *) NULL);
    krb5_free_default_realm(ctx, realm);

    if (code != 0) {
        return OCS_ERR_INVALID;
    }

    if (parsed.upn) {
        (*client)->type = KRB5_NT_ENTERPRISE_PRINCIPAL;
    }

    return OCS_OK;
}


/*
 * What a KDC error says about the account, or -1 when it says nothing
 * about it (the KDC or the network failed).
 */
static int
ocs_krb5_state(krb5_error_code code)
{
    switch (code) {

    case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN:
    case KRB5KDC_ERR_PREAUTH_FAILED:
    case KRB5KRB_AP_ERR_BAD_INTEGRITY:
        /* wrong password and unknown user: the same answer */
        return OCS_ACCT_BAD_CREDENTIALS;

    case KRB5KDC_ERR_NAME_EXP:
        return OCS_ACCT_EXPIRED;

    case KRB5KDC_ERR_CLIENT_REVOKED:
        /* AD: disabled or locked out; MIT: locked out or no tickets */
        return OCS_ACCT_DISABLED;

    case KRB5KDC_ERR_KEY_EXP:
        return OCS_ACCT_PASSWORD_EXPIRED;

    case KRB5KDC_ERR_POLICY:
        return OCS_ACCT_TIME;

    default:
        return -1;
    }
}


/* whether an error says that no KDC could be reached, not a ticket */
static int
ocs_krb5_unreachable(krb5_error_code code)
{
    switch (code) {

    case KRB5_KDC_UNREACH:
    case KRB5_REALM_CANT_RESOLVE:
    case KRB5_REALM_UNKNOWN:
    case KRB5KDC_ERR_SVC_UNAVAILABLE:
        return 1;

    default:
        return 0;
    }
}


static int
ocs_krb5_fail(krb5_context ctx, krb5_error_code code, ocs_err_t *err,
    int rc, const char *what)
{
    const char  *msg;

    msg = krb5_get_error_message(ctx, code);
    (void) ocs_err(err, rc, "Kerberos: %s: %s", what, msg ? msg : "error");
    krb5_free_error_message(ctx, msg);

    return rc;
}


/*
 * The AS exchange for a password, step by step, each request through
 * ocs_krb5_exchange() (krb5_get_init_creds_password() would ask again
 * for a primary KDC after a wrong password, counting the same password
 * twice towards a lockout).  KRB5_REALM_CANT_RESOLVE when the realm's
 * KDCs are not ours to reach (see ocs_krb5_exchange): libkrb5 must.
 */
static krb5_error_code
ocs_krb5_as(krb5_context ctx, ocs_krb5_kdcs_t *kdcs, krb5_principal client,
    const char *password, krb5_get_init_creds_opt *opt, krb5_creds *creds)
{
    int                       i;
    krb5_data                 in, out, realm;
    unsigned int              flags;
    krb5_error_code           code;
    krb5_init_creds_context   icc;

    code = krb5_init_creds_init(ctx, client, NULL, NULL, 0, opt, &icc);
    if (code != 0) {
        return code;
    }

    code = krb5_init_creds_set_password(ctx, icc, password);
    if (code != 0) {
        krb5_init_creds_free(ctx, icc);
        return code;
    }

    memset(&in, 0, sizeof(in));

    /* bounded: a few round trips (preauth, a referral) and no more */
    for (i = 0; i < 8; i++) {
        memset(&out, 0, sizeof(out));
        memset(&realm, 0, sizeof(realm));
        flags = 0;

        code = krb5_init_creds_step(ctx, icc, &in, &out, &realm, &flags);
        krb5_free_data_contents(ctx, &in);

        if (code == 0 && (flags & KRB5_INIT_CREDS_STEP_FLAG_CONTINUE)) {
            /* after the first round trip, requests carry pre-auth data */
            kdcs->proof = (i > 0);
            code = ocs_krb5_exchange(ctx, kdcs, &realm, &out, &in);
            kdcs->proof = 0;
        }

        krb5_free_data_contents(ctx, &out);
        krb5_free_data_contents(ctx, &realm);

        if (code != 0 || !(flags & KRB5_INIT_CREDS_STEP_FLAG_CONTINUE)) {
            break;
        }
    }

    if (code == 0 && i == 8) {
        code = KRB5_KDC_UNREACH;
    }

    if (code == 0) {
        code = krb5_init_creds_get_creds(ctx, icc, creds);
    }

    krb5_init_creds_free(ctx, icc);

    return code;
}


/*
 * libkrb5's pre-send hook: every other request of this context to a
 * KDC (the service ticket of krb5_verify_init_creds()) goes through our
 * transport too, or through libkrb5's when the realm is not ours.
 */
static krb5_error_code KRB5_CALLCONV
ocs_krb5_send_hook(krb5_context ctx, void *data, const krb5_data *realm,
    const krb5_data *message, krb5_data **new_message, krb5_data **new_reply)
{
    krb5_data        reply;
    krb5_error_code  code;

    (void) new_message;

    memset(&reply, 0, sizeof(reply));

    code = ocs_krb5_exchange(ctx, data, realm, message, &reply);

    if (code == KRB5_REALM_CANT_RESOLVE) {
        /* neither output set: libkrb5 sends the message itself */
        return 0;
    }

    if (code != 0) {
        return code;
    }

    /* the library frees what it is given with its own allocator */
    code = krb5_copy_data(ctx, &reply, new_reply);
    krb5_free_data_contents(ctx, &reply);

    return code;
}


/*
 * One request to the realm's KDCs as krb5.conf's [realms] section
 * lists them, in that order, over TCP (RFC 4120 7.2.2: every KDC takes
 * TCP, and no reply is too big for it), until one answers.  Each KDC
 * gets kdcs->timeout milliseconds for the whole exchange; one that
 * fails is not asked again during the same password check, so a silent
 * KDC costs the timeout once, not once per round trip.
 *
 * KRB5_REALM_CANT_RESOLVE when krb5.conf names no KDC for the realm
 * (libkrb5 finds them in DNS) or names one by an https:// URL (MS-KKDCP
 * through a proxy, which libkrb5 speaks and we do not).  Otherwise 0
 * with the reply, or KRB5_KDC_UNREACH with a message naming each KDC
 * and what went wrong with it.
 */
static krb5_error_code
ocs_krb5_exchange(krb5_context ctx, ocs_krb5_kdcs_t *kdcs,
    const krb5_data *realm, const krb5_data *req, krb5_data *reply)
{
    int               e, written;
    char             *name, **list;
    size_t            i;
    profile_t         profile;
    const char       *names[4];
    krb5_error_code   code;

    list = NULL;
    profile = NULL;

    name = strndup(realm->data, realm->length);

    if (name != NULL && krb5_get_profile(ctx, &profile) == 0) {
        names[0] = "realms";
        names[1] = name;
        names[2] = "kdc";
        names[3] = NULL;

        if (profile_get_values(profile, names, &list) != 0) {
            list = NULL;
        }

        profile_abandon(profile);
    }

    for (i = 0; list != NULL && list[i] != NULL; i++) {
        if (strncmp(list[i], "https://", 8) == 0) {
            profile_free_list(list);
            list = NULL;
            break;
        }
    }

    if (list == NULL) {
        free(name);
        return KRB5_REALM_CANT_RESOLVE;
    }

    if (strcmp(kdcs->realm, name) != 0) {
        /* another realm (a referral): its own KDCs, none failed yet */
        (void) snprintf(kdcs->realm, sizeof(kdcs->realm), "%s", name);
        kdcs->failed = 0;
    }

    code = KRB5_KDC_UNREACH;

    /* a realm has a few KDCs; more than OCS_KRB5_KDCS_MAX are not read */
    for (i = 0; list[i] != NULL && i < OCS_KRB5_KDCS_MAX; i++) {
        if (kdcs->failed & (1u << i)) {
            continue;
        }

        e = ocs_krb5_tcp(list[i], req, reply, kdcs->timeout, &written);

        if (e == 0) {
            code = 0;
            break;
        }

        /* the KDC may have judged the password and counted a failure */
        kdcs->delivered |= (kdcs->proof && written);

        kdcs->failed |= 1u << i;
        ocs_krb5_note(kdcs, list[i], e);
    }

    if (code != 0) {
        krb5_set_error_message(ctx, code, "no KDC of realm \"%s\" "
                               "answered: %s", name, kdcs->notes);
    }

    profile_free_list(list);
    free(name);

    return code;
}


/* what went wrong with one KDC, appended to the notes for the log */
static void
ocs_krb5_note(ocs_krb5_kdcs_t *kdcs, const char *kdc, int e)
{
    int          n;
    char         buf[64];
    size_t       left;
    const char  *why;

    switch (e) {

    case ETIMEDOUT:
        (void) snprintf(buf, sizeof(buf), "no answer in %d ms",
                        kdcs->timeout);
        why = buf;
        break;

    case ECONNREFUSED:
        why = "connection refused";
        break;

    case ECONNRESET:
        why = "connection closed";
        break;

    case EPROTO:
        why = "not a Kerberos reply";
        break;

    case EHOSTUNREACH:
        why = "name not resolved";
        break;

    default:
        (void) snprintf(buf, sizeof(buf), "system error %d", e);
        why = buf;
        break;
    }

    left = sizeof(kdcs->notes) - kdcs->notes_len;

    n = snprintf(kdcs->notes + kdcs->notes_len, left, "%s\"%s\" (%s)",
                 kdcs->notes_len ? ", " : "", kdc, why);

    if (n > 0) {
        kdcs->notes_len += ((size_t) n < left) ? (size_t) n : left - 1;
    }
}


/*
 * One exchange with one KDC over TCP (RFC 4120 7.2.2: a four-byte
 * length, then the message), all of it within timeout milliseconds.
 * kdc is "host", "host:port" or "[v6]:port", as krb5.conf has it.
 * Returns 0, or what failed as an errno value: ETIMEDOUT, ECONNREFUSED,
 * ECONNRESET (closed early), EPROTO (no plausible reply), EHOSTUNREACH
 * (the name does not resolve), ENOMEM.
 */
static int
ocs_krb5_tcp(const char *kdc, const krb5_data *req, krb5_data *reply,
    int timeout, int *written)
{
    int               e;
    char              host[256];
    const char       *port;
    int64_t           deadline;
    struct addrinfo   hints, *res, *ai;

    deadline = ocs_krb5_now() + timeout;
    *written = 0;

    if (ocs_krb5_hostport(kdc, host, sizeof(host), &port) != 0) {
        return EHOSTUNREACH;
    }

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;

    /* the resolver's own timeouts (resolv.conf) bound a name's look-up */
    if (getaddrinfo(host, port, &hints, &res) != 0) {
        return EHOSTUNREACH;
    }

    e = EHOSTUNREACH;

    /* every address of the name shares the one deadline */
    for (ai = res; ai != NULL && e != 0 && e != ENOMEM; ai = ai->ai_next) {
        e = ocs_krb5_tcp_one(ai, req, reply, deadline, written);
    }

    freeaddrinfo(res);

    return e;
}


/*
 * Splits "host", "host:port", "[v6]" or "[v6]:port" into host (size
 * bytes) and *port (into kdc or host; "88" when none).  Returns 0, or
 * EHOSTUNREACH for a name that does not fit.
 */
static int
ocs_krb5_hostport(const char *kdc, char *host, size_t size,
    const char **port)
{
    char  *p;

    if (kdc[0] == '[') {
        p = strchr(kdc, ']');
        if (p == NULL || (size_t) (p - kdc - 1) >= size) {
            return EHOSTUNREACH;
        }

        memcpy(host, kdc + 1, p - kdc - 1);
        host[p - kdc - 1] = '\0';
        *port = (p[1] == ':') ? p + 2 : "88";

        return 0;
    }

    if (strlen(kdc) >= size) {
        return EHOSTUNREACH;
    }

    memcpy(host, kdc, strlen(kdc) + 1);
    p = strchr(host, ':');

    if (p != NULL) {
        *p = '\0';
        *port = p + 1;

    } else {
        *port = "88";
    }

    return 0;
}


/*
 * One request and its reply over TCP to one address, by the deadline:
 * a 4-byte length and the message each way.  Returns 0 with reply
 * filled (its data malloc()ed, the caller's), or an errno value;
 * *written is set once the whole request was sent.
 */
static int
ocs_krb5_tcp_one(const struct addrinfo *ai, const krb5_data *req,
    krb5_data *reply, int64_t deadline, int *written)
{
    int       fd, e;
    size_t    n;
    uint8_t   len[4];

    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK
                               | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd == -1) {
        return errno;
    }

    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1
        && errno != EINPROGRESS)
    {
        e = errno;
        goto cleanup;
    }

    len[0] = (uint8_t) (req->length >> 24);
    len[1] = (uint8_t) (req->length >> 16);
    len[2] = (uint8_t) (req->length >> 8);
    len[3] = (uint8_t) req->length;

    e = ocs_krb5_io(fd, POLLOUT, len, 4, 1, deadline);

    if (e == 0) {
        e = ocs_krb5_io(fd, POLLOUT, (uint8_t *) req->data, req->length,
                        1, deadline);
    }

    if (e == 0) {
        *written = 1;
        e = ocs_krb5_io(fd, POLLIN, len, 4, 0, deadline);
    }

    if (e != 0) {
        goto cleanup;
    }

    n = ((size_t) len[0] << 24) | ((size_t) len[1] << 16)
        | ((size_t) len[2] << 8) | len[3];

    /* a reply with a big PAC is some KB; more is not a KDC */
    if (n == 0 || n > 1024 * 1024) {
        e = EPROTO;
        goto cleanup;
    }

    reply->data = malloc(n);
    if (reply->data == NULL) {
        e = ENOMEM;
        goto cleanup;
    }

    e = ocs_krb5_io(fd, POLLIN, (uint8_t *) reply->data, n, 0, deadline);

    /*
     * A KDC answers with an AS-REP, a TGS-REP or a KRB-ERROR (RFC 4120
     * 5.4.2, 5.9.1: DER, [APPLICATION 11, 13, 30]): anything else is
     * not this KDC's verdict on the password, so the next one is asked
     * and the log names this one.
     */
    if (e == 0 && !ocs_krb5_reply_plausible((uint8_t *) reply->data, n)) {
        e = EPROTO;
    }

    if (e != 0) {
        free(reply->data);
        reply->data = NULL;
        goto cleanup;
    }

    reply->length = n;
    reply->magic = KV5M_DATA;

cleanup:

    close(fd);

    return e;
}


/*
 * Whether a KDC's reply is a DER [APPLICATION 11], [13] or [30] whose
 * length is the reply's: noise that merely starts with one of those
 * bytes has the right length by chance once in billions.
 */
static int
ocs_krb5_reply_plausible(const uint8_t *data, size_t len)
{
    size_t  i, n, body;

    if (len < 2
        || (data[0] != 0x6b && data[0] != 0x6d && data[0] != 0x7e))
    {
        return 0;
    }

    if (data[1] < 0x80) {
        return (size_t) data[1] == len - 2;
    }

    n = data[1] & 0x7f;

    if (n == 0 || n > 4 || len < 2 + n) {
        return 0;
    }

    body = 0;

    for (i = 0; i < n; i++) {
        body = (body << 8) | data[2 + i];
    }

    return body == len - 2 - n;
}


/*
 * Writes or reads len bytes on a non-blocking socket by the deadline:
 * 0, ETIMEDOUT, ECONNRESET when the peer closed first, or the errno of
 * the failed call (a refused connect() shows on the first send()).
 */
static int
ocs_krb5_io(int fd, short events, uint8_t *buf, size_t len, int write,
    int64_t deadline)
{
    int            e;
    ssize_t        n;
    int64_t        left;
    struct pollfd  pfd;

    while (len > 0) {
        left = deadline - ocs_krb5_now();
        if (left <= 0) {
            return ETIMEDOUT;
        }

        pfd.fd = fd;
        pfd.events = events;
        pfd.revents = 0;

        n = poll(&pfd, 1, (int) left);

        if (n == -1 && errno == EINTR) {
            continue;
        }

        if (n == 0) {
            return ETIMEDOUT;
        }

        if (n == -1) {
            return errno;
        }

        n = write ? send(fd, buf, len, MSG_NOSIGNAL) : recv(fd, buf, len, 0);

        if (n == -1) {
            e = errno;

            if (e == EAGAIN || e == EINTR) {
                continue;
            }

            return (e == EPIPE) ? ECONNRESET : e;
        }

        if (n == 0) {
            return ECONNRESET;
        }

        buf += n;
        len -= n;
    }

    return 0;
}


/* milliseconds on the monotonic clock */
static int64_t
ocs_krb5_now(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

