/*
 * The Cookie header: every candidate of a name, and the header without
 * the proxy's cookies, each against a table of the shapes browsers and
 * attackers send (duplicates, blanks, empty and quoted values, names
 * that are prefixes of others or that appear in a value, other case).
 */

#include <ocs_test.h>
#include <ocs/ocs_cookie.h>


static void
test_next(void)
{
    static const struct {
        const char  *header;
        size_t       n;
        const char  *values;       /* the candidates, '|' between them */
    } cases[] = {
        { "ocs=1", 1, "1" },
        { "a=1; ocs=2; b=3", 1, "2" },
        { "ocs=junk; ocs=good", 2, "junk|good" },
        { "ocs=1; a=2; ocs=3; ocs=4", 3, "1|3|4" },
        { "a=1;ocs=2;b=3", 1, "2" },
        { "  ocs = 2 ;b=3", 1, "2" },
        { "\tocs=2\t", 1, "2" },
        { ";;ocs=1;;", 1, "1" },
        { "ocs=", 1, "" },
        { "ocs=; ocs=x", 2, "|x" },
        { "ocs=\"quoted\"", 1, "\"quoted\"" },
        { "ocs=a=b", 1, "a=b" },
        { "ocsx=1; xocs=2; ocs_csrf=3; ocs=4", 1, "4" },
        { "a=ocs=1; ocs=2", 1, "2" },
        { "a=ocs; b=x ocs=1", 0, "" },
        { "OCS=1; Ocs=2; ocs=3", 1, "3" },
        { "OCS=1", 0, "" },
        { "ocs", 0, "" },
        { "=ocs", 0, "" },
        { "", 0, "" },
        { ";", 0, "" },
    };

    size_t       i, k, pos, n, vlen, wlen;
    const char  *v, *want, *bar;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pos = 0;
        want = cases[i].values;

        for (k = 0; k < cases[i].n; k++) {
            bar = strchr(want, '|');
            wlen = bar ? (size_t) (bar - want) : strlen(want);

            if (!ok(ocs_cookie_next(cases[i].header, strlen(cases[i].header),
                                    "ocs", 3, &pos, &v, &vlen)
                    == OCS_OK, "next \"%s\": candidate %zu", cases[i].header,
                    k + 1))
            {
                break;
            }

            ok(vlen == wlen && memcmp(v, want, wlen) == 0,
               "next \"%s\": candidate %zu is \"%.*s\"", cases[i].header,
               k + 1, (int) wlen, want);

            want = bar ? bar + 1 : want + wlen;
        }

        n = strlen(cases[i].header);
        is_int(ocs_cookie_next(cases[i].header, n, "ocs", 3, &pos, &v, &vlen),
               OCS_ERR_NOTFOUND, "next \"%s\": no more", cases[i].header);
        is_int(pos, n, "next \"%s\": at the end", cases[i].header);
    }

    pos = 0;
    is_int(ocs_cookie_next("=1", 2, "", 0, &pos, &v, &vlen),
           OCS_ERR_NOTFOUND, "next: an empty name never matches");

    pos = 99;
    is_int(ocs_cookie_next("ocs=1", 5, "ocs", 3, &pos, &v, &vlen),
           OCS_ERR_NOTFOUND, "next: a position past the end");
}


static void
test_remove(void)
{
    static const ocs_cookie_name_t  names[] = {
        { "ocs", 3 },
        { "ocs_csrf", 8 },
    };

    static const struct {
        const char  *header;
        size_t       removed;
        const char  *out;
    } cases[] = {
        { "ocs=1", 1, "" },
        { "a=1; ocs=2; b=3", 1, "a=1; b=3" },
        { "ocs=2; a=1", 1, "a=1" },
        { "a=1; ocs=2", 1, "a=1" },
        { "a=1;ocs=2;b=3", 1, "a=1;b=3" },
        { "a=1 ;ocs=2; b=3", 1, "a=1; b=3" },
        { "ocs=1; ocs=2; ocs_csrf=3", 3, "" },
        { "ocs=junk; a=1; ocs=good; b=2; ocs_csrf=n", 3, "a=1; b=2" },
        { "ocsx=1; ocs=2; xocs=3", 1, "ocsx=1; xocs=3" },
        { "a=ocs=1; ocs=2", 1, "a=ocs=1" },
        { "a=ocs; ocs", 0, "a=ocs; ocs" },
        { "OCS=1; ocs=2; Ocs_Csrf=3", 1, "OCS=1; Ocs_Csrf=3" },
        { "a=; ocs=; b=", 1, "a=; b=" },
        { "a=\"x y\"; ocs=\"t\"; b=\"z\"", 1, "a=\"x y\"; b=\"z\"" },
        { "a=1;; ocs=2 ;; b=3", 1, "a=1 ;; b=3" },
        { "  ocs=1  ;  ", 1, "" },
        { " ocs = 1 ; a=2", 1, "a=2" },
        { "a=1", 0, "a=1" },
        { "", 0, "" },
    };

    size_t  i, len, n, k;
    char    out[128];

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        len = strlen(cases[i].header);

        /* a buffer of the header's length is always enough */
        is_int(ocs_cookie_remove(cases[i].header, len, names, 2, out, len,
                                 &n, &k),
               OCS_OK, "remove \"%s\"", cases[i].header);
        is_int(k, cases[i].removed, "remove \"%s\": count", cases[i].header);
        is_str(out, n, cases[i].out, "remove \"%s\": the rest",
               cases[i].header);

        is_int(ocs_cookie_remove(cases[i].header, len, names, 2, NULL, 0,
                                 &n, &k),
               OCS_OK, "remove \"%s\": count only", cases[i].header);
        ok(k == cases[i].removed && n == strlen(cases[i].out),
           "remove \"%s\": count only, same count and length",
           cases[i].header);
    }

    is_int(ocs_cookie_remove("a=1; b=2", 8, names, 2, out, 4, &n, &k),
           OCS_ERR_SPACE, "remove: short buffer");
    is_int(ocs_cookie_remove("a=1; ocs=2", 10, names, 0, out, 10, &n, &k),
           OCS_OK, "remove: no names");
    ok(k == 0, "remove: no names, nothing removed");
}


int
main(void)
{
    test_next();
    test_remove();

    return ocs_test_done();
}
