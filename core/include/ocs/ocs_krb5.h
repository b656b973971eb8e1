/*
 * Password checks with Kerberos (MIT libkrb5), where the KDC, not a
 * directory bind, says whether a password is right.  The GSSAPI side
 * (Negotiate, NTLM) is in ocs_gss.h.
 */

#ifndef OCS_KRB5_H
#define OCS_KRB5_H


#include <ocs/ocs.h>
#include <ocs/ocs_directory.h>


#define OCS_KRB5_PASSWORD_MAX  1024


/*
 * Checks a password by asking the KDC of the default realm (krb5.conf)
 * for a ticket-granting ticket for the user, then verifies that ticket
 * against the keytab: a service ticket for server (a principal name, or
 * NULL for the keytab's first entry) must decrypt with the keytab's key,
 * so a KDC that is not the realm's own cannot make up users.
 *
 * The user name is taken as OCS sign-in names are: DOMAIN\user and bare
 * names are the principal user@REALM (the NetBIOS domain is not a
 * realm), user@domain is an enterprise name the KDC may canonicalize, as
 * Active Directory does for user principal names.  The name is one
 * principal component: a "/" stays a character, not an instance.
 *
 * Blocks on the KDC.  Every request (two or three for a password with
 * pre-authentication, one more for the service ticket that verifies
 * it) goes over TCP to the KDCs that krb5.conf names for the realm, in
 * order: each KDC gets timeout milliseconds per request (connect, send,
 * reply), and a KDC that failed is not asked again during the call, so
 * silent KDCs cost timeout once each.  A realm whose KDCs libkrb5 finds
 * itself (DNS SRV records, no "kdc" lines) or reaches through an
 * https:// proxy waits as long as libkrb5 does (up to about 30 s), and
 * a KDC's host name as long as the resolver does.
 *
 * Returns OCS_OK with *state set (OCS_ACCT_OK when the password is
 * right; principal then holds the canonical user name without its
 * realm; err->text, when not empty, names KDCs that failed before
 * another answered, worth a warning), OCS_ERR_AUTH when the ticket
 * failed verification against the keytab (err says so: a spoofed or
 * misconfigured KDC), or OCS_ERR_SYS when no KDC answered, for the
 * password or for the service ticket, or the keytab is unusable (err
 * says which, naming each KDC tried and how it failed); *state is then
 * OCS_ACCT_UNANSWERED when a request proving the password reached a KDC
 * that never answered it (the KDC may have counted a failure).
 */
int ocs_krb5_password(const char *keytab, const char *server, int timeout,
    const char *name, size_t len, const char *password, size_t password_len,
    char *principal, size_t principal_size, int *state, ocs_err_t *err);


#endif /* OCS_KRB5_H */
