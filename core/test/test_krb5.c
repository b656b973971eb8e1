/*
 * The NTLM message repairs, on hand-made messages, and the Kerberos
 * password check's refusals that need no KDC.
 */

#include <ocs_test.h>
#include <ocs/ocs_krb5.h>


/* an NTLM message header of the given type, the rest zero */
static size_t
ntlm_msg(unsigned char *buf, size_t size, int type, size_t len)
{
    memset(buf, 0, size);
    memcpy(buf, "NTLMSSP", 8);
    buf[8] = (unsigned char) type;

    return len;
}


/* AUTHENTICATE field i: length 4 at offset off */
static void
ntlm_field(unsigned char *buf, int i, unsigned off)
{
    unsigned char  *h = buf + 12 + 8 * i;

    h[0] = 4;
    h[2] = 4;
    h[4] = (unsigned char) off;
    h[5] = (unsigned char) (off >> 8);
}


static void
test_ntlm_fixup(void)
{
    size_t         len;
    unsigned char  buf[128], copy[128];

    /* curl's NEGOTIATE: 32 bytes, no VERSION: padded with zeros */
    len = ntlm_msg(buf, sizeof(buf), 1, 32);
    buf[12] = 0x07;
    buf[31] = 0xaa;
    memset(buf + 32, 0xee, 8);
    ocs_ntlm_fixup(buf, &len, sizeof(buf));
    is_int(len, 40, "short NEGOTIATE padded to 40");
    ok(buf[12] == 0x07 && buf[31] == 0xaa, "NEGOTIATE: its bytes kept");
    ok(buf[32] == 0 && buf[39] == 0, "NEGOTIATE: the padding is zeros");

    len = ntlm_msg(buf, sizeof(buf), 1, 32);
    ocs_ntlm_fixup(buf, &len, 36);
    is_int(len, 32, "NEGOTIATE: no room, left alone");

    len = ntlm_msg(buf, sizeof(buf), 1, 40);
    ocs_ntlm_fixup(buf, &len, sizeof(buf));
    is_int(len, 40, "NEGOTIATE of 40 bytes: left alone");

    /* AUTHENTICATE with the VERSION flag, payload at 64: flag cleared */
    len = ntlm_msg(buf, sizeof(buf), 3, 88);
    ntlm_field(buf, 0, 64);
    ntlm_field(buf, 1, 68);
    ntlm_field(buf, 2, 72);
    buf[60] = 0x05;
    buf[63] = 0xe2;
    memcpy(copy, buf, sizeof(buf));
    ocs_ntlm_fixup(buf, &len, sizeof(buf));
    is_int(buf[63], 0xe0, "AUTHENTICATE without VERSION: flag cleared");
    buf[63] = 0xe2;
    ok(memcmp(buf, copy, sizeof(buf)) == 0,
       "AUTHENTICATE: nothing else changed");
    is_int(len, 88, "AUTHENTICATE: length kept");

    /* the same with a VERSION field (payload from 72): left alone */
    len = ntlm_msg(buf, sizeof(buf), 3, 88);
    ntlm_field(buf, 0, 72);
    ntlm_field(buf, 1, 76);
    buf[63] = 0x02;
    ocs_ntlm_fixup(buf, &len, sizeof(buf));
    is_int(buf[63], 0x02, "AUTHENTICATE with VERSION: flag kept");

    /* empty fields do not count for the payload's start */
    len = ntlm_msg(buf, sizeof(buf), 3, 88);
    ntlm_field(buf, 0, 80);
    buf[12 + 8 + 4] = 8;          /* field 1: length 0, offset 8 */
    buf[63] = 0x02;
    ocs_ntlm_fixup(buf, &len, sizeof(buf));
    is_int(buf[63], 0x02, "AUTHENTICATE: empty fields ignored");

    /* not NTLM, or too short: left alone */
    len = 40;
    memset(buf, 0x60, sizeof(buf));
    memcpy(copy, buf, sizeof(buf));
    ocs_ntlm_fixup(buf, &len, sizeof(buf));
    ok(len == 40 && memcmp(buf, copy, sizeof(buf)) == 0,
       "SPNEGO token: left alone");

    len = ntlm_msg(buf, sizeof(buf), 3, 40);
    buf[63] = 0x02;
    ocs_ntlm_fixup(buf, &len, sizeof(buf));
    is_int(buf[63], 0x02, "truncated AUTHENTICATE: left alone");

    len = 5;
    memcpy(buf, "NTLMS", 5);
    ocs_ntlm_fixup(buf, &len, sizeof(buf));
    is_int(len, 5, "5 bytes: left alone");
}


static void
test_password_refusals(void)
{
    int        state;
    char       principal[64];
    ocs_err_t  err;

    /* refused before any Kerberos call: no KDC or keytab needed */
    state = -1;
    is_int(ocs_krb5_password("/nonexistent", NULL, 1000, "alice", 5, "", 0,
                             principal, sizeof(principal), &state, &err),
           OCS_OK, "empty password: answered");
    is_int(state, OCS_ACCT_BAD_CREDENTIALS, "empty password: refused");

    state = -1;
    is_int(ocs_krb5_password("/nonexistent", NULL, 1000, "alice", 5,
                             "a\0b", 3, principal, sizeof(principal),
                             &state, &err),
           OCS_OK, "NUL in the password: answered");
    is_int(state, OCS_ACCT_BAD_CREDENTIALS, "NUL in the password: refused");
    is_int(principal[0], 0, "refused: no principal");
}


int
main(void)
{
    test_ntlm_fixup();
    test_password_refusals();

    return ocs_test_done();
}
