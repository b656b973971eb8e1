/*
 * The raw request target against what clients and attackers send to a
 * published OCS web farm: the real paths in every case and encoding
 * that decodes once to the same path, and each trick that makes IIS
 * serve another path than the one the proxy matched, with the offset
 * where it starts.
 */

#include <ocs_test.h>
#include <ocs/ocs_path.h>


typedef struct {
    const char      *target;
    ocs_path_why_t   why;
    size_t           at;
} path_case_t;


/* decoded once, the same path to every decoder */
static const char  *fine[] = {
    "/",
    "/ABS/Ext/Handler/F-0a1b.lsabs",
    "/abs/ext/handler/",
    "/aBs/eXt/HaNdLeR/D-0a1b-0a1c.dabs",
    "/%41BS/%45xt/Handler/",
    "/%61%62%73/ext/",
    "/GroupExpansion/Ext/service.asmx",
    "/GroupExpansion/Ext/service.asmx?WSDL",
    "/Conf/Ext/Tenant/meeting.ppt",
    "/etc/place/null/1A2B3C4D/content",
    "/RequestHandler/ucdevice.upx",
    "/RequestHandler/ucdevice.upx?a=%2F..%2F%25%00",
    "/DeviceUpdateFiles_Ext/UCPhone/Polycom/CX700/ENU/1.0/CPE.nbt",
    "/AutoUpdate/Ext/Files/x86/OCS.msp",
    "/PhoneConferencing/Ext/default.aspx#top",
    "/Conf/Ext/a%20b/c.txt",
    "/Conf/Ext/.hidden",
    "/Conf/Ext/a..b",
    "/Conf/Ext/a.",
    "/Conf/Ext/%2Ehtaccess",
    "/Conf/Ext/%20",
    "/Conf/Ext//double",
    "/Conf/Ext/caf%C3%A9",
    "/Conf/Ext/caf\xc3\xa9",
    "/Conf/Ext/%E2%82%AC",
    "/Conf/Ext/%F0%9F%98%80",
    "/Conf/Ext/%ED%9F%BF",
    "/Conf/Ext/%F4%8F%BF%BF",
    "/Conf/Ext/a+b",
    "/Conf/Ext/%3F",
};


static const path_case_t  refused[] = {

    /* not origin form */
    { "", OCS_PATH_NOT_ABSOLUTE, 0 },
    { "*", OCS_PATH_NOT_ABSOLUTE, 0 },
    { "ABS/Ext/", OCS_PATH_NOT_ABSOLUTE, 0 },
    { "?/ABS/Ext/", OCS_PATH_NOT_ABSOLUTE, 0 },
    { "http://pool/ABS/Int/", OCS_PATH_NOT_ABSOLUTE, 0 },

    /* encoded separators */
    { "/ABS/Ext%2F..%2FInt/Handler/", OCS_PATH_ENCODED_SLASH, 8 },
    { "/ABS/Ext%2f..%2fInt/Handler/", OCS_PATH_ENCODED_SLASH, 8 },
    { "/ABS/Ext/Handler%5C..%5C..%5CInt/", OCS_PATH_ENCODED_SLASH, 16 },
    { "/ABS/Ext/Handler%5c", OCS_PATH_ENCODED_SLASH, 16 },
    { "%2FABS/Int/", OCS_PATH_NOT_ABSOLUTE, 0 },
    { "/%2FABS/Int/", OCS_PATH_ENCODED_SLASH, 1 },

    /* the raw backslash */
    { "/ABS/Ext\\..\\Int\\", OCS_PATH_BACKSLASH, 8 },
    { "/ABS\\Int/", OCS_PATH_BACKSLASH, 4 },

    /* dot segments, raw and encoded */
    { "/ABS/Ext/../Int/Handler/", OCS_PATH_DOT_SEGMENT, 9 },
    { "/ABS/Ext/./Handler/", OCS_PATH_DOT_SEGMENT, 9 },
    { "/ABS/Ext/..", OCS_PATH_DOT_SEGMENT, 9 },
    { "/ABS/Ext/.", OCS_PATH_DOT_SEGMENT, 9 },
    { "/ABS/Ext/..?x=1", OCS_PATH_DOT_SEGMENT, 9 },
    { "/..", OCS_PATH_DOT_SEGMENT, 1 },
    { "/ABS/Ext/%2E%2E/Int/", OCS_PATH_DOT_SEGMENT, 9 },
    { "/ABS/Ext/%2e%2e/Int/", OCS_PATH_DOT_SEGMENT, 9 },
    { "/ABS/Ext/.%2E/Int/", OCS_PATH_DOT_SEGMENT, 9 },
    { "/ABS/Ext/%2E./Int/", OCS_PATH_DOT_SEGMENT, 9 },
    { "/ABS/Ext/%2E/Handler/", OCS_PATH_DOT_SEGMENT, 9 },
    { "/ABS/Ext/.../Int/", OCS_PATH_DOT_SEGMENT, 9 },
    { "/ABS/Ext/.. /Int/", OCS_PATH_DOT_SEGMENT, 9 },
    { "/ABS/Ext/..%20/Int/", OCS_PATH_DOT_SEGMENT, 9 },
    { "/ABS/Ext/ ../Int/", OCS_PATH_DOT_SEGMENT, 9 },

    /* decoded twice: %252F is %2F to the second decoder */
    { "/ABS/Ext%252F..%252FInt/", OCS_PATH_DOUBLE_ENCODING, 8 },
    { "/ABS/Ext/%252E%252E/Int/", OCS_PATH_DOUBLE_ENCODING, 9 },
    { "/ABS/Ext/%25", OCS_PATH_DOUBLE_ENCODING, 9 },

    /* bad escapes, IIS's %u among them */
    { "/ABS/Ext/%", OCS_PATH_BAD_ESCAPE, 9 },
    { "/ABS/Ext/%2", OCS_PATH_BAD_ESCAPE, 9 },
    { "/ABS/Ext/%2?x", OCS_PATH_BAD_ESCAPE, 9 },
    { "/ABS/Ext/%G0", OCS_PATH_BAD_ESCAPE, 9 },
    { "/ABS/Ext/%0G", OCS_PATH_BAD_ESCAPE, 9 },
    { "/ABS/Ext%u002F..%u002FInt/", OCS_PATH_BAD_ESCAPE, 8 },
    { "/ABS/Ext%c0%af..%c0%afInt/", OCS_PATH_OVERLONG, 8 },

    /* NUL and control characters */
    { "/ABS/Ext/a%00.txt", OCS_PATH_NUL, 10 },
    { "/ABS/Ext/a%0D%0AHost:x", OCS_PATH_CONTROL, 10 },
    { "/ABS/Ext/a%09", OCS_PATH_CONTROL, 10 },
    { "/ABS/Ext/a%7F", OCS_PATH_CONTROL, 10 },
    { "/ABS/Ext/a\tb", OCS_PATH_CONTROL, 10 },

    /* overlong UTF-8: "/", "\", "." the long way */
    { "/ABS/Ext%C0%AF..%C0%AFInt/", OCS_PATH_OVERLONG, 8 },
    { "/ABS/Ext%C1%9C..%C1%9CInt/", OCS_PATH_OVERLONG, 8 },
    { "/ABS/Ext/%C0%AE%C0%AE/Int/", OCS_PATH_OVERLONG, 9 },
    { "/ABS/Ext%E0%80%AF..%E0%80%AFInt/", OCS_PATH_OVERLONG, 8 },
    { "/ABS/Ext%F0%80%80%AF..%F0%80%80%AFInt/", OCS_PATH_OVERLONG, 8 },
    { "/ABS/Ext%F8%80%80%80%AF", OCS_PATH_OVERLONG, 8 },
    { "/ABS/Ext%FC%80%80%80%80%AF", OCS_PATH_OVERLONG, 8 },
    { "/ABS/Ext/\xc0\xaf", OCS_PATH_OVERLONG, 9 },

    /* other invalid UTF-8 */
    { "/ABS/Ext/%AF", OCS_PATH_BAD_UTF8, 9 },
    { "/ABS/Ext/%C3", OCS_PATH_BAD_UTF8, 9 },
    { "/ABS/Ext/%C3/x", OCS_PATH_BAD_UTF8, 9 },
    { "/ABS/Ext/%C3?x", OCS_PATH_BAD_UTF8, 9 },
    { "/ABS/Ext/%C3%41", OCS_PATH_BAD_UTF8, 9 },
    { "/ABS/Ext/%E2%82", OCS_PATH_BAD_UTF8, 9 },
    { "/ABS/Ext/%ED%A0%80", OCS_PATH_BAD_UTF8, 9 },
    { "/ABS/Ext/%F4%90%80%80", OCS_PATH_BAD_UTF8, 9 },
    { "/ABS/Ext/%F5%80%80%80", OCS_PATH_BAD_UTF8, 9 },
    { "/ABS/Ext/%FF", OCS_PATH_BAD_UTF8, 9 },
    { "/ABS/Ext/\xff", OCS_PATH_BAD_UTF8, 9 },

    /* the first problem is the one reported */
    { "/ABS/../Ext%2F", OCS_PATH_DOT_SEGMENT, 5 },
    { "/ABS%2F/../", OCS_PATH_ENCODED_SLASH, 4 },
};


static void
test_fine(void)
{
    size_t          i, at;
    ocs_path_why_t  why;

    for (i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
        why = OCS_PATH_BAD_UTF8;
        at = 99999;

        is_int(ocs_path_check(fine[i], strlen(fine[i]), &why, &at), OCS_OK,
               "fine: %s", fine[i]);
        is_int(why, OCS_PATH_FINE, "fine: %s: nothing found", fine[i]);
        is_int(at, strcspn(fine[i], "?#"), "fine: %s: the path's length",
               fine[i]);
    }
}


static void
test_refused(void)
{
    size_t          i, at;
    ocs_path_why_t  why;

    for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        why = OCS_PATH_FINE;
        at = 99999;

        is_int(ocs_path_check(refused[i].target, strlen(refused[i].target),
                              &why, &at),
               OCS_ERR_INVALID, "refused: %s", refused[i].target);
        if (!ok(why == refused[i].why, "refused: %s: %s", refused[i].target,
                ocs_path_reason(refused[i].why)))
        {
            printf("#   got \"%s\"\n", ocs_path_reason(why));
        }
        is_int(at, refused[i].at, "refused: %s: where", refused[i].target);
    }
}


/* the length, not a NUL, ends the target; why and at may be NULL */
static void
test_bounds(void)
{
    ocs_path_why_t  why;

    is_int(ocs_path_check("/ABS/Ext/../", 9, NULL, NULL), OCS_OK,
           "bounds: only len bytes are read");
    is_int(ocs_path_check("/ABS/Ext/%2", 10, &why, NULL), OCS_ERR_INVALID,
           "bounds: an escape cut by len");
    is_int(why, OCS_PATH_BAD_ESCAPE, "bounds: an escape cut by len: why");
    is_int(ocs_path_check("/a\0b", 4, NULL, NULL), OCS_ERR_INVALID,
           "bounds: a raw NUL inside len");
    is_int(ocs_path_check(NULL, 0, NULL, NULL), OCS_ERR_INVALID,
           "bounds: nothing at all");
}


static void
test_reasons(void)
{
    is_str(ocs_path_reason(OCS_PATH_ENCODED_SLASH),
           strlen(ocs_path_reason(OCS_PATH_ENCODED_SLASH)), "encoded slash",
           "reason: encoded slash");
    is_str(ocs_path_reason(OCS_PATH_BAD_UTF8),
           strlen(ocs_path_reason(OCS_PATH_BAD_UTF8)), "invalid UTF-8",
           "reason: the last one");
    is_str(ocs_path_reason((ocs_path_why_t) 99),
           strlen(ocs_path_reason((ocs_path_why_t) 99)), "unknown",
           "reason: out of range");
}


int
main(void)
{
    test_fine();
    test_refused();
    test_bounds();
    test_reasons();

    return ocs_test_done();
}
