/*
 * User names, return URLs (the open-redirect table), password hashes and
 * the user file.
 */

#include <crypt.h>
#include <unistd.h>

#include <ocs_test.h>
#include <ocs/ocs_signin.h>
#include <ocs/ocs_userfile.h>


static ocs_test_env_data_t  env_data = { 1700000000, 9 };
static const ocs_env_t      env = { ocs_test_now, ocs_test_random, &env_data };


static void
test_username(void)
{
    static const struct {
        const char  *in;
        int          rc;
        const char  *domain;
        const char  *user;
        int          upn;
    } cases[] = {
        { "bob", OCS_OK, NULL, "bob", 0 },
        { "CONTOSO\\bob", OCS_OK, "CONTOSO", "bob", 0 },
        { "bob@contoso.com", OCS_OK, "contoso.com", "bob", 1 },
        { "", OCS_ERR_INVALID, NULL, NULL, 0 },
        { "\\bob", OCS_ERR_INVALID, NULL, NULL, 0 },
        { "CONTOSO\\", OCS_ERR_INVALID, NULL, NULL, 0 },
        { "@contoso.com", OCS_ERR_INVALID, NULL, NULL, 0 },
        { "bob@", OCS_ERR_INVALID, NULL, NULL, 0 },
        { "A\\B\\bob", OCS_ERR_INVALID, NULL, NULL, 0 },
        { "A\\bob@x", OCS_ERR_INVALID, NULL, NULL, 0 },
        { "bob\tx", OCS_ERR_INVALID, NULL, NULL, 0 },
        { "bob\x7f", OCS_ERR_INVALID, NULL, NULL, 0 },
        /* what directories trim or ignore: refused, not matched */
        { "nora ", OCS_ERR_INVALID, NULL, NULL, 0 },
        { " nora", OCS_ERR_INVALID, NULL, NULL, 0 },
        { "nora\xc2\xa0", OCS_ERR_INVALID, NULL, NULL, 0 },
        { "\xe3\x80\x80nora", OCS_ERR_INVALID, NULL, NULL, 0 },
        { "CONTOSO\\ nora", OCS_ERR_INVALID, NULL, NULL, 0 },
        { "CONTOSO \\nora", OCS_ERR_INVALID, NULL, NULL, 0 },
        { "nora @contoso.com", OCS_ERR_INVALID, NULL, NULL, 0 },
        { "no\xe2\x80\x8bra", OCS_ERR_INVALID, NULL, NULL, 0 },
        { "nora\xef\xbb\xbf", OCS_ERR_INVALID, NULL, NULL, 0 },
        { "no\xc2\xadra", OCS_ERR_INVALID, NULL, NULL, 0 },
        { "nora\xc2\x85", OCS_ERR_INVALID, NULL, NULL, 0 },
        { "nora\xff", OCS_ERR_INVALID, NULL, NULL, 0 },
        { "nor\xc3", OCS_ERR_INVALID, NULL, NULL, 0 },
        { "\xc0\xaenora", OCS_ERR_INVALID, NULL, NULL, 0 },
        /* inside a name, spaces and other scripts are fine */
        { "Sam Spaces", OCS_OK, NULL, "Sam Spaces", 0 },
        { "\xef\xbd\x8e\xef\xbd\x8f\xef\xbd\x92\xef\xbd\x81", OCS_OK, NULL,
          "\xef\xbd\x8e\xef\xbd\x8f\xef\xbd\x92\xef\xbd\x81", 0 },
        { "J\xc3\xbcrgen@contoso.com", OCS_OK, "contoso.com",
          "J\xc3\xbcrgen", 1 },
    };

    size_t          i;
    char            longname[OCS_NAME_MAX + 2];
    ocs_username_t  u;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(ocs_username_parse(cases[i].in, strlen(cases[i].in), &u),
               cases[i].rc, "username \"%s\"", cases[i].in);

        if (cases[i].rc != OCS_OK) {
            continue;
        }

        is_str(u.user, u.user_len, cases[i].user, "username \"%s\": user",
               cases[i].in);

        if (cases[i].domain == NULL) {
            ok(u.domain == NULL, "username \"%s\": no domain", cases[i].in);

        } else {
            is_str(u.domain, u.domain_len, cases[i].domain,
                   "username \"%s\": domain", cases[i].in);
        }

        is_int(u.upn, cases[i].upn, "username \"%s\": upn", cases[i].in);
    }

    memset(longname, 'a', sizeof(longname));
    is_int(ocs_username_parse(longname, OCS_NAME_MAX + 1, &u),
           OCS_ERR_INVALID, "username too long");
    is_int(ocs_username_parse(longname, OCS_NAME_MAX, &u), OCS_OK,
           "username at the limit");
}


/* every spelling a lenient directory matches has one lockout key */
static void
test_username_fold(void)
{
    static const struct {
        const char  *in;
        int          rc;
        const char  *out;
    } cases[] = {
        { "nora", OCS_OK, "nora" },
        { "NORA", OCS_OK, "nora" },
        { "CONTOSO\\Nora", OCS_OK, "nora" },
        { "nora@contoso.com", OCS_OK, "nora" },
        /* full-width letters (U+FF4E...) */
        { "\xef\xbd\x8e\xef\xbd\x8f\xef\xbd\x92\xef\xbd\x81", OCS_OK, "nora" },
        { "\xef\xbc\xae\xef\xbc\xaf\xef\xbc\xb2\xef\xbc\xa1", OCS_OK, "nora" },
        /* compatibility forms: the ligature "fi", a circled letter */
        { "\xef\xac\x81ona", OCS_OK, "fiona" },
        { "\xe2\x93\x9dora", OCS_OK, "nora" },
        /* composed and decomposed u-umlaut, and German sharp s */
        { "J\xc3\xbcrgen", OCS_OK, "j\xc3\xbcrgen" },
        { "Ju\xcc\x88rgen", OCS_OK, "j\xc3\xbcrgen" },
        { "Stra\xc3\x9f" "e", OCS_OK, "strasse" },
        { "Sam  Spaces", OCS_OK, "sam spaces" },
        { "nora ", OCS_ERR_INVALID, "" },
        { "nora\xc2\xa0", OCS_ERR_INVALID, "" },
        { "", OCS_ERR_INVALID, "" },
    };

    size_t  i, n, n2;
    char    out[OCS_NAME_MAX * 4], out2[OCS_NAME_MAX];
    char    big[OCS_NAME_MAX], big2[OCS_NAME_MAX];

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(ocs_username_key(cases[i].in, strlen(cases[i].in), out,
                                sizeof(out), &n),
               cases[i].rc, "fold \"%s\"", cases[i].in);

        if (cases[i].rc == OCS_OK) {
            is_str(out, n, cases[i].out, "fold \"%s\": key", cases[i].in);
        }
    }

    is_int(ocs_username_key("nora", 4, out, OCS_NAME_MAX - 1, &n),
           OCS_ERR_SPACE, "fold: a buffer too small");

    /* a long name that folds longer than the limit: a digest */
    /* U+0149 is two bytes and folds to three */
    for (i = 0; i + 1 < sizeof(big); i += 2) {
        big[i] = '\xc5';
        big[i + 1] = '\x89';
    }

    is_int(ocs_username_key(big, OCS_NAME_MAX, out, sizeof(out), &n), OCS_OK,
           "fold: a long name");
    ok(n == 33 && out[0] == '#', "fold: a long name becomes a digest");
    memcpy(big2, big, sizeof(big));
    big2[OCS_NAME_MAX - 2] = 'B';
    big2[OCS_NAME_MAX - 1] = 'B';
    is_int(ocs_username_key(big2, OCS_NAME_MAX, out2, sizeof(out2), &n2),
           OCS_OK, "fold: another long name");
    ok(n2 == 33 && memcmp(out, out2, 33) != 0,
       "fold: digests of different names differ");
    is_int(ocs_name_key("Nora", 4, out, sizeof(out), &n), OCS_OK,
           "name key");
    is_str(out, n, "nora", "name key: folded");
}


static void
test_return_url(void)
{
    static const char  *allowed[] = {
        "cwa.contoso.com", "dl.contoso.com:8443"
    };

    static const struct {
        const char  *url;
        int          rc;
    } cases[] = {
        { "/", OCS_OK },
        { "/cwa/?a=1&b=%2F", OCS_OK },
        { "/%252F%252Fevil.com", OCS_OK },
        { "/files/my%20report.pdf", OCS_OK },
        { "/a%5Cb", OCS_OK },
        { "https://proxy.contoso.com/x", OCS_OK },
        { "HTTPS://PROXY.contoso.com", OCS_OK },
        { "https://cwa.contoso.com/?x", OCS_OK },
        { "https://dl.contoso.com:8443#f", OCS_OK },
        { "", OCS_ERR_INVALID },
        { "//evil.com", OCS_ERR_INVALID },
        { "///evil.com", OCS_ERR_INVALID },
        { "/\\evil.com", OCS_ERR_INVALID },
        { "\\\\evil.com", OCS_ERR_INVALID },
        { "/%2F/evil.com", OCS_ERR_INVALID },
        { "/%2f%2fevil.com", OCS_ERR_INVALID },
        { "/%5Cevil.com", OCS_ERR_INVALID },
        { "/%5cevil.com", OCS_ERR_INVALID },
        { "%2F%2Fevil.com", OCS_ERR_INVALID },
        { "https:evil.com", OCS_ERR_INVALID },
        { "https:/evil.com", OCS_ERR_INVALID },
        { "https://evil.com", OCS_ERR_INVALID },
        { "https://proxy.contoso.com.evil.com/", OCS_ERR_INVALID },
        { "https://proxy.contoso.com@evil.com/", OCS_ERR_INVALID },
        { "https://evil.com\\@proxy.contoso.com", OCS_ERR_INVALID },
        { "https://%65vil.com/", OCS_ERR_INVALID },
        { "https://dl.contoso.com/", OCS_ERR_INVALID },
        { "https://", OCS_ERR_INVALID },
        { "http://proxy.contoso.com/", OCS_ERR_INVALID },
        { "javascript:alert(1)", OCS_ERR_INVALID },
        { "data:text/html,x", OCS_ERR_INVALID },
        { "cwa/", OCS_ERR_INVALID },
        { "/a b", OCS_ERR_INVALID },
        { "/a%09b", OCS_ERR_INVALID },
        { "/a%7f", OCS_ERR_INVALID },
        { "/a\r\nSet-Cookie:x", OCS_ERR_INVALID },
        { "/a%0d%0aSet-Cookie:x", OCS_ERR_INVALID },
        { "/a%00", OCS_ERR_INVALID },
        { "/a%zz", OCS_ERR_INVALID },
        { " /", OCS_ERR_INVALID },
        { "\t//evil.com", OCS_ERR_INVALID },
    };

    size_t  i;
    char    longurl[OCS_RETURN_MAX + 2];

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(ocs_return_url_check(cases[i].url, strlen(cases[i].url),
                                    "proxy.contoso.com", 17, allowed, 2),
               cases[i].rc, "return url \"%s\"", cases[i].url);
    }

    longurl[0] = '/';
    memset(longurl + 1, 'a', sizeof(longurl) - 1);
    is_int(ocs_return_url_check(longurl, OCS_RETURN_MAX, "h", 1, NULL, 0),
           OCS_OK, "return url at the limit");
    is_int(ocs_return_url_check(longurl, OCS_RETURN_MAX + 1, "h", 1, NULL,
                                0),
           OCS_ERR_INVALID, "return url too long");
}


static void
test_password(void)
{
    void          *work;
    ocs_err_t      err;
    char           hash[OCS_HASH_MAX];
    const char    *md5;
    struct crypt_data  cd;

    work = malloc(ocs_password_work_size());

    ok(ocs_password_hash("s3cret: with spaces", NULL, &env, hash,
                         sizeof(hash), work, &err) == OCS_OK,
       "hash with yescrypt");
    ok(strncmp(hash, "$y$", 3) == 0, "yescrypt prefix");
    ok(ocs_password_verify("s3cret: with spaces", hash, work) == OCS_OK,
       "verify yescrypt");
    is_int(ocs_password_verify("s3cret: with space", hash, work),
           OCS_ERR_AUTH, "wrong password");
    is_int(ocs_password_verify("", hash, work), OCS_ERR_AUTH,
           "empty password");

    ok(ocs_password_hash("pw", "sha512", &env, hash, sizeof(hash), work,
                         &err) == OCS_OK && strncmp(hash, "$6$", 3) == 0,
       "hash with sha512-crypt");
    ok(ocs_password_verify("pw", hash, work) == OCS_OK,
       "verify sha512-crypt");

    is_int(ocs_password_hash("pw", "md5", &env, hash, sizeof(hash), work,
                             &err),
           OCS_ERR_INVALID, "unknown method");
    is_int(ocs_password_hash("pw", NULL, &env, hash, 10, work, &err),
           OCS_ERR_SPACE, "short hash buffer");

    /* weak schemes are refused even when the password is right */
    memset(&cd, 0, sizeof(cd));
    md5 = crypt_rn("pw", "$1$saltsalt", &cd, sizeof(cd));
    ok(md5 != NULL && md5[0] == '$', "libcrypt makes an md5-crypt hash");
    is_int(ocs_password_verify("pw", md5, work), OCS_ERR_INVALID,
           "md5-crypt refused");
    is_int(ocs_password_verify("pw", "abJnggxhB/yWI", work),
           OCS_ERR_INVALID, "DES crypt refused");
    is_int(ocs_password_verify("pw", "", work), OCS_ERR_INVALID,
           "empty hash refused");
    is_int(ocs_password_verify("pw", "$y$broken", work), OCS_ERR_INVALID,
           "broken hash refused");

    free(work);
}


static void
test_userfile(void)
{
    int                    fd;
    FILE                  *f;
    void                  *work;
    size_t                 i;
    ocs_err_t              err;
    ocs_userfile_entry_t   e;
    char                   path[] = "/tmp/ocs-userfile-XXXXXX";
    char                   bob[OCS_HASH_MAX], alice[OCS_HASH_MAX];

    work = malloc(ocs_password_work_size());
    (void) ocs_password_hash("bob-pw", NULL, &env, bob, sizeof(bob), work,
                             &err);
    (void) ocs_password_hash("alice-pw", "sha512", &env, alice,
                             sizeof(alice), work, &err);

    fd = mkstemp(path);
    f = fdopen(fd, "w");
    fprintf(f, "# users\n");
    fprintf(f, "weak:$1$abc$def\n");
    fprintf(f, "bob:%s\n", bob);
    fprintf(f, "alice@contoso.com:%s:comment\n", alice);
    fprintf(f, "long:");
    for (i = 0; i < 2000; i++) {
        fputc('x', f);
    }
    fprintf(f, "tail:%s\n", bob);
    fprintf(f, "nohash\n");
    fclose(f);

    ok(ocs_userfile_lookup(path, "bob", 3, &e, &err) == OCS_OK && e.found,
       "userfile: bob");
    ok(strcmp(e.hash, bob) == 0 && strcmp(e.name, "bob") == 0,
       "userfile: bob's hash and name");

    ok(ocs_userfile_lookup(path, "BOB", 3, &e, &err) == OCS_OK && e.found
       && strcmp(e.name, "bob") == 0, "userfile: names ignore case");

    ok(ocs_userfile_lookup(path, "CONTOSO\\bob", 11, &e, &err) == OCS_OK
       && e.found && strcmp(e.name, "bob") == 0,
       "userfile: DOMAIN\\user by user part");

    ok(ocs_userfile_lookup(path, "bob@contoso.com", 15, &e, &err) == OCS_OK
       && e.found && strcmp(e.name, "bob") == 0,
       "userfile: user@domain by user part");

    ok(ocs_userfile_lookup(path, "alice@contoso.com", 17, &e, &err)
       == OCS_OK && e.found && strcmp(e.hash, alice) == 0,
       "userfile: full UPN entry, extra field ignored");
    ok(ocs_password_verify("alice-pw", e.hash, work) == OCS_OK,
       "userfile: alice's password");

    ok(ocs_userfile_lookup(path, "carol", 5, &e, &err) == OCS_OK
       && !e.found && strcmp(e.hash, bob) == 0,
       "userfile: unknown user gets the decoy hash");
    ok(ocs_userfile_lookup(path, "weak", 4, &e, &err) == OCS_OK && !e.found,
       "userfile: weak hash lines are skipped");
    ok(e.unusable, "userfile: weak hash flagged");
    ok(ocs_userfile_lookup(path, "carol", 5, &e, &err) == OCS_OK
       && !e.unusable, "userfile: unknown user not flagged");
    ok(ocs_userfile_lookup(path, "tail", 4, &e, &err) == OCS_OK && !e.found,
       "userfile: the tail of an over-long line is not a user");
    ok(e.bad_lines == 2 && e.bad_line == 5
       && strcmp(e.bad, "is longer than 1023 bytes") == 0,
       "userfile: the over-long line reported with its number");
    ok(ocs_userfile_lookup(path, "nohash", 6, &e, &err) == OCS_OK
       && !e.found, "userfile: line without hash");

    is_int(ocs_userfile_lookup(path, "a\\b\\c", 5, &e, &err),
           OCS_ERR_INVALID, "userfile: bad name");
    is_int(ocs_userfile_lookup("/nonexistent/users", "bob", 3, &e, &err),
           OCS_ERR_SYS, "userfile: missing file");
    ok(strstr(err.text, "/nonexistent/users") != NULL,
       "userfile: error names the file");

    f = fopen(path, "w");
    fprintf(f, "# nobody\n");
    fclose(f);
    is_int(ocs_userfile_lookup(path, "bob", 3, &e, &err), OCS_ERR_INVALID,
           "userfile: no usable line");

    unlink(path);
    free(work);
}


/*
 * Writes text (len bytes, NULs included) to path, with every '~'
 * replaced by hash.
 */
static void
write_userfile(const char *path, const char *text, size_t len,
    const char *hash)
{
    FILE    *f;
    size_t   i;

    f = fopen(path, "w");

    for (i = 0; i < len; i++) {
        if (text[i] == '~') {
            fputs(hash, f);

        } else {
            fputc(text[i], f);
        }
    }

    fclose(f);
}


#define T(s)  s, sizeof(s) - 1

static void
test_userfile_lines(void)
{
    static const struct {
        const char  *name;
        const char  *text;
        size_t       len;
        const char  *user;
        int          found;
        size_t       bad_lines;
        size_t       bad_line;
        const char  *bad;
    } cases[] = {
        { "a NUL byte, then a good line",
          T("carol:~\0junk\nbob:~\n"), "bob", 1, 1, 1,
          "holds a NUL byte" },
        { "a NUL byte at the start of a line",
          T("\0carol:~\nbob:~\n"), "bob", 1, 1, 1, "holds a NUL byte" },
        { "a NUL byte in the user's own line",
          T("alice:~\nbob:~\0\n"), "bob", 0, 1, 2, "holds a NUL byte" },
        { "a NUL byte in a comment",
          T("# \0\nbob:~\n"), "bob", 1, 1, 1, "holds a NUL byte" },
        { "a NUL byte in the last line, without newline",
          T("bob:~\ncarol:~\0"), "carol", 0, 1, 2, "holds a NUL byte" },
        { "CRLF line ends",
          T("# users\r\nalice:~\r\nbob:~\r\n"), "bob", 1, 0, 0, NULL },
        { "CRLF, last line without one",
          T("alice:~\r\nbob:~"), "bob", 1, 0, 0, NULL },
        { "blank lines, spaces and tabs",
          T("\n  \t\n\r\n\nbob:~\n"), "bob", 1, 0, 0, NULL },
        { "no colon",
          T("alice ~\nbob:~\n"), "bob", 1, 1, 1,
          "has no \":\" after the name" },
        { "an empty name",
          T(":~\nbob:~\n"), "bob", 1, 1, 1, "has an empty name" },
        { "two bad lines: the first reported, both counted",
          T("alice:~\nx\0\n\nnocolon\nbob:~\n"), "carol", 0, 2, 2,
          "holds a NUL byte" },
        { "lines after the user's are not read",
          T("bob:~\nx\0\n"), "bob", 1, 0, 0, NULL },
    };

    static const size_t       lengths[] = { 1022, 1023, 1024, 1025 };
    static const char *const  ends[] = { "\n", "\r\n", "" };

    void                  *work;
    size_t                 i, j, n;
    ocs_err_t              err;
    ocs_userfile_entry_t   e;
    char                   path[] = "/tmp/ocs-userfile-XXXXXX";
    char                   bob[OCS_HASH_MAX], text[1200 + OCS_HASH_MAX];

    work = malloc(ocs_password_work_size());
    (void) ocs_password_hash("bob-pw", NULL, &env, bob, sizeof(bob), work,
                             &err);
    close(mkstemp(path));

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        write_userfile(path, cases[i].text, cases[i].len, bob);

        is_int(ocs_userfile_lookup(path, cases[i].user,
                                   strlen(cases[i].user), &e, &err),
               OCS_OK, "lines: %s: read", cases[i].name);
        is_int(e.found, cases[i].found, "lines: %s: found",
               cases[i].name);
        is_int(e.bad_lines, cases[i].bad_lines, "lines: %s: bad lines",
               cases[i].name);
        is_int(e.bad_line, cases[i].bad_line, "lines: %s: line number",
               cases[i].name);
        ok(cases[i].bad == NULL ? e.bad == NULL
                                : e.bad != NULL
                                  && strcmp(e.bad, cases[i].bad) == 0,
           "lines: %s: \"%s\"", cases[i].name,
           e.bad != NULL ? e.bad : "");

        if (cases[i].found) {
            ok(strcmp(e.hash, bob) == 0
               && ocs_password_verify("bob-pw", e.hash, work) == OCS_OK,
               "lines: %s: the hash, whole", cases[i].name);
        }
    }

    /*
     * Lines around the limit, last in the file or followed by another:
     * after a first user, "pad:HASH:xxx..." of exactly n bytes, then its
     * line end.
     */
    for (i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        for (j = 0; j < sizeof(ends) / sizeof(ends[0]); j++) {
            n = (size_t) snprintf(text, sizeof(text), "alice:~\npad:%s:",
                                  bob);
            memset(text + n, 'x', lengths[i] + 8 - n);
            n = 8 + lengths[i];
            n += (size_t) snprintf(text + n, sizeof(text) - n, "%s%s",
                                   ends[j], ends[j][0] ? "bob:~\n" : "");

            write_userfile(path, text, n, bob);

            ok(ocs_userfile_lookup(path, "pad", 3, &e, &err) == OCS_OK
               && e.found == (lengths[i] <= OCS_USERFILE_LINE_MAX)
               && e.bad_line == (lengths[i] <= OCS_USERFILE_LINE_MAX ? 0 : 2),
               "lines: %zu bytes, %s: %s", lengths[i],
               ends[j][0] == '\n' ? "\\n" : ends[j][0] ? "\\r\\n"
                                   : "last, no newline",
               lengths[i] <= OCS_USERFILE_LINE_MAX ? "read" : "refused");

            if (ends[j][0]) {
                ok(ocs_userfile_lookup(path, "bob", 3, &e, &err) == OCS_OK
                   && e.found && strcmp(e.hash, bob) == 0,
                   "lines: %zu bytes, %s: the next line is read",
                   lengths[i], ends[j][0] == '\n' ? "\\n" : "\\r\\n");
            }
        }
    }

    /* a name at the limit, and one byte over */
    memset(text, 'n', OCS_NAME_MAX + 1);
    n = OCS_NAME_MAX + 1;
    n += (size_t) snprintf(text + n, sizeof(text) - n, ":~\n");
    memcpy(text + n, text + 1, OCS_NAME_MAX + 3);
    n += OCS_NAME_MAX + 3;
    write_userfile(path, text, n, bob);

    ok(ocs_userfile_lookup(path, text + 1, OCS_NAME_MAX, &e, &err) == OCS_OK
       && e.found && e.bad_line == 1
       && strcmp(e.bad, "has a name longer than 256 bytes") == 0,
       "lines: a 257-byte name refused, a 256-byte one read");

    unlink(path);
    free(work);
}


int
main(void)
{
    if (ocs_init() != OCS_OK) {
        printf("Bail out! ocs_init failed\n");
        return 1;
    }

    test_username();
    test_username_fold();
    test_return_url();
    test_password();
    test_userfile();
    test_userfile_lines();

    return ocs_test_done();
}
