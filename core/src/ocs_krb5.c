/*
 * Password checks with Kerberos: krb5_get_init_creds_password() and
 * krb5_verify_init_creds().  Each call has a krb5 context of its own,
 * so several pool threads may check passwords at once.
 */

#include <string.h>

#include <krb5/krb5.h>

#include <ocs/ocs_krb5.h>
#include <ocs/ocs_signin.h>


static int ocs_krb5_client(krb5_context ctx, const char *name, size_t len,
    krb5_principal *client);
static int ocs_krb5_state(krb5_error_code code);
static int ocs_krb5_fail(krb5_context ctx, krb5_error_code code,
    ocs_err_t *err, int rc, const char *what);


int
ocs_krb5_password(const char *keytab, const char *server, const char *name,
    size_t len, const char *password, size_t password_len, char *principal,
    size_t principal_size, int *state, ocs_err_t *err)
{
    int                          rc;
    char                         pw[OCS_KRB5_PASSWORD_MAX + 1];
    char                        *canon;
    size_t                       n;
    krb5_creds                   creds;
    krb5_keytab                  kt;
    krb5_context                 ctx;
    krb5_principal               client, service;
    krb5_error_code              code;
    krb5_kt_cursor               cursor;
    krb5_keytab_entry            entry;
    krb5_get_init_creds_opt     *opt;
    krb5_verify_init_creds_opt   vopt;

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

    rc = OCS_ERR_SYS;
    kt = NULL;
    opt = NULL;
    client = NULL;
    service = NULL;
    memset(&creds, 0, sizeof(creds));

    if (ocs_krb5_client(ctx, name, len, &client) != OCS_OK) {
        /* a name no principal can have is a wrong name */
        rc = OCS_OK;
        goto done;
    }

    code = krb5_kt_resolve(ctx, keytab, &kt);
    if (code != 0) {
        rc = ocs_krb5_fail(ctx, code, err, OCS_ERR_SYS, "keytab");
        goto done;
    }

    if (server != NULL) {
        code = krb5_parse_name(ctx, server, &service);

    } else {
        /* the keytab's first principal */
        code = krb5_kt_start_seq_get(ctx, kt, &cursor);

        if (code == 0) {
            code = krb5_kt_next_entry(ctx, kt, &entry, &cursor);

            if (code == 0) {
                code = krb5_copy_principal(ctx, entry.principal, &service);
                (void) krb5_free_keytab_entry_contents(ctx, &entry);
            }

            (void) krb5_kt_end_seq_get(ctx, kt, &cursor);
        }
    }

    if (code != 0) {
        rc = ocs_krb5_fail(ctx, code, err, OCS_ERR_SYS,
                           "the service principal in the keytab");
        goto done;
    }

    code = krb5_get_init_creds_opt_alloc(ctx, &opt);
    if (code != 0) {
        rc = ocs_krb5_fail(ctx, code, err, OCS_ERR_SYS, "options");
        goto done;
    }

    krb5_get_init_creds_opt_set_canonicalize(opt, 1);
    krb5_get_init_creds_opt_set_forwardable(opt, 0);
    krb5_get_init_creds_opt_set_proxiable(opt, 0);

    memcpy(pw, password, password_len);
    pw[password_len] = '\0';

    /* no prompter: an expired password is an answer, not a dialogue */
    code = krb5_get_init_creds_password(ctx, &creds, client, pw, NULL, NULL,
                                        0, NULL, opt);
    ocs_wipe(pw, sizeof(pw));

    if (code != 0) {
        *state = ocs_krb5_state(code);

        if (*state < 0) {
            *state = OCS_ACCT_BAD_CREDENTIALS;
            rc = ocs_krb5_fail(ctx, code, err, OCS_ERR_SYS, "the KDC");
            goto done;
        }

        rc = OCS_OK;
        goto done;
    }

    krb5_verify_init_creds_opt_init(&vopt);
    krb5_verify_init_creds_opt_set_ap_req_nofail(&vopt, 1);

    code = krb5_verify_init_creds(ctx, &creds, service, kt, NULL, &vopt);
    if (code != 0) {
        rc = ocs_krb5_fail(ctx, code, err, OCS_ERR_AUTH,
                           "the ticket failed verification against the "
                           "keytab");
        goto done;
    }

    /* the name as the KDC spells it, without the realm */
    code = krb5_unparse_name_flags(ctx, creds.client,
                                   KRB5_PRINCIPAL_UNPARSE_NO_REALM
                                   | KRB5_PRINCIPAL_UNPARSE_DISPLAY, &canon);
    if (code != 0) {
        rc = ocs_krb5_fail(ctx, code, err, OCS_ERR_SYS, "the client name");
        goto done;
    }

    n = strlen(canon);

    if (n == 0 || n >= principal_size) {
        krb5_free_unparsed_name(ctx, canon);
        rc = ocs_err(err, OCS_ERR_SYS, "Kerberos: a client name of %zu "
                     "bytes", n);
        goto done;
    }

    memcpy(principal, canon, n + 1);
    krb5_free_unparsed_name(ctx, canon);

    rc = OCS_OK;
    *state = OCS_ACCT_OK;

done:

    krb5_free_cred_contents(ctx, &creds);

    if (opt != NULL) {
        krb5_get_init_creds_opt_free(ctx, opt);
    }

    krb5_free_principal(ctx, service);
    krb5_free_principal(ctx, client);

    if (kt != NULL) {
        (void) krb5_kt_close(ctx, kt);
    }

    krb5_free_context(ctx);

    return rc;
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
