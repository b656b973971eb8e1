/*
 * ocs-passwd: adds, changes and deletes users of an ocs user file.
 *
 *   ocs-passwd [-m yescrypt|sha512] FILE USER     sets a password, read
 *                                                  twice from the terminal,
 *                                                  or once from a pipe
 *   ocs-passwd -D FILE USER                        deletes
 *
 * The file is rewritten through a temporary file in the same directory
 * and renamed into place, so a reader never sees half of it.  Every other
 * line is copied byte for byte, also one that the server refuses (a NUL
 * byte, over OCS_USERFILE_LINE_MAX bytes): such a line gets a warning,
 * but the tool does not guess what it meant.  The user's own line keeps
 * its fields after the hash.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <ocs/ocs.h>
#include <ocs/ocs_signin.h>


/* exit statuses */
#define OCS_PASSWD_OK          0
#define OCS_PASSWD_FAILED      1
#define OCS_PASSWD_USAGE       2
#define OCS_PASSWD_NOUSER      3

typedef struct {
    const char  *method;
    const char  *path;
    const char  *user;
    int          delete;
} ocs_passwd_conf_t;


/* what to do to the user's line, and what was found */
typedef struct {
    const char  *path;
    const char  *user;
    int          delete;
    const char  *hash;              /* the new hash */

    int          found;
    char         name[OCS_NAME_MAX + 1];    /* as the file spells it */
} ocs_passwd_edit_t;


typedef struct {
    char        *data;
    size_t       len;
    size_t       size;
    int          overflow;
} ocs_passwd_buf_t;


static int ocs_passwd_options(int argc, char **argv,
    ocs_passwd_conf_t *conf);
static void ocs_passwd_usage(FILE *f);
static const char *ocs_passwd_name_bad(const char *user, int delete);
static const char *ocs_passwd_shown(const char *s, char *buf, size_t len);
static int ocs_passwd_run(ocs_passwd_conf_t *conf);
static int ocs_passwd_password(const char *method, char *hash, size_t len);
static int ocs_passwd_read(char *buf, size_t len, const char *prompt);
static int ocs_passwd_write(ocs_passwd_edit_t *edit);
static int ocs_passwd_copy(FILE *in, FILE *out, ocs_passwd_edit_t *edit);
static int ocs_passwd_mine(FILE *in, FILE *out, ocs_passwd_edit_t *edit,
    size_t lineno, int *eof);
static int ocs_passwd_line(ocs_passwd_buf_t *b, ocs_passwd_edit_t *edit,
    const char *rest, size_t len);
static void ocs_passwd_cat(ocs_passwd_buf_t *b, const char *s, size_t len);


static const struct option  ocs_passwd_long[] = {
    { "method",        required_argument, NULL, 'm' },
    { "delete",        no_argument,       NULL, 'D' },
    { "help",          no_argument,       NULL, 'h' },
    { NULL,            0,                 NULL, 0 }
};


int
main(int argc, char **argv)
{
    int                 rc;
    const char         *why;
    ocs_passwd_conf_t   conf;
    char                shown[4 * OCS_NAME_MAX + 8];

    rc = ocs_passwd_options(argc, argv, &conf);
    if (rc != -1) {
        return rc;
    }

    why = ocs_passwd_name_bad(conf.user, conf.delete);
    if (why != NULL) {
        fprintf(stderr, "ocs-passwd: the user name \"%s\" %s\n",
                ocs_passwd_shown(conf.user, shown, sizeof(shown)), why);
        return OCS_PASSWD_USAGE;
    }

    if (ocs_init() != OCS_OK) {
        fprintf(stderr, "ocs-passwd: OpenSSL initialisation failed\n");
        return OCS_PASSWD_FAILED;
    }

    return ocs_passwd_run(&conf);
}


/* returns -1 to go on, or the exit status */
static int
ocs_passwd_options(int argc, char **argv, ocs_passwd_conf_t *conf)
{
    int  opt;

    memset(conf, 0, sizeof(ocs_passwd_conf_t));

    while ((opt = getopt_long(argc, argv, "m:Dh", ocs_passwd_long, NULL))
           != -1)
    {
        switch (opt) {
        case 'm':
            conf->method = optarg;
            break;
        case 'D':
            conf->delete = 1;
            break;
        case 'h':
            ocs_passwd_usage(stdout);
            return OCS_PASSWD_OK;
        default:
            ocs_passwd_usage(stderr);
            return OCS_PASSWD_USAGE;
        }
    }

    if (argc - optind != 2) {
        ocs_passwd_usage(stderr);
        return OCS_PASSWD_USAGE;
    }

    conf->path = argv[optind];
    conf->user = argv[optind + 1];

    if (conf->delete && conf->method != NULL) {
        fprintf(stderr, "ocs-passwd: -D takes no other option\n");
        return OCS_PASSWD_USAGE;
    }

    return -1;
}


static void
ocs_passwd_usage(FILE *f)
{
    fputs("usage: ocs-passwd [-m yescrypt|sha512] FILE USER\n"
          "       ocs-passwd -D FILE USER\n", f);

    if (f == stderr) {
        fputs("       ocs-passwd --help\n", f);
        return;
    }

    fputs("\n"
"Sets the password of USER in the user file FILE, and adds USER if new.\n"
"The password is asked twice on a terminal, or read as one line from a\n"
"pipe.  The user's other fields (its TOTP secret too) and every other\n"
"line of the file are kept.\n"
"\n"
"  -m, --method=yescrypt|sha512  how the password is hashed (yescrypt)\n"
"  -D, --delete         removes USER from FILE\n"
"  -h, --help           this text\n"
"\n"
"User names are UTF-8 without control characters, white space at either\n"
"end, or any of : < > \" & (a \\ or @ separates a domain).\n"
"\n"
"Exit status: 0 done, 1 failed, 2 bad usage or name, 3 USER is not in\n"
"FILE (-D).\n", f);
}


/*
 * Why a name is refused, or NULL.  A name is shown in the server's pages
 * and sent upstream in the identity header, and back-end applications
 * have put it into HTML unescaped: so besides what the server refuses at
 * sign-in (control characters, CR and LF among them, and the rest of
 * ocs_username_parse), neither HTML's specials nor the field separator.
 * An apostrophe stays allowed: it is in real names (O'Brien) and in
 * directories' account names, and the server's pages escape it.  For
 * deleting, only what no line of the file can hold is refused, so that a
 * name added by hand can still be removed.
 */
static const char *
ocs_passwd_name_bad(const char *user, int delete)
{
    size_t          i, len;
    ocs_username_t  name;

    len = strlen(user);

    if (len == 0) {
        return "is empty";
    }

    if (len > OCS_NAME_MAX) {
        return "is longer than 256 bytes";
    }

    if (strchr(user, ':') != NULL) {
        return "holds a \":\", which ends the name in the file";
    }

    if (delete) {
        return NULL;
    }

    for (i = 0; i < len; i++) {
        if ((unsigned char) user[i] < 0x20 || user[i] == 0x7f) {
            return "holds a control character";
        }
    }

    if (strpbrk(user, "<>\"&") != NULL) {
        return "holds a character unsafe in HTML (< > \" &)";
    }

    if (user[0] == '#') {
        return "starts with \"#\", which makes its line a comment";
    }

    if (ocs_username_parse(user, len, &name) != OCS_OK) {
        return "is refused at sign-in: it is not UTF-8, holds control or "
               "invisible characters, has white space at an end, or more "
               "than one \\ or @ or nothing beside one";
    }

    return NULL;
}


/* s for a message: a control character or a byte over 0x7e as \xNN */
static const char *
ocs_passwd_shown(const char *s, char *buf, size_t len)
{
    size_t          n;
    unsigned char   c;

    static const char  hex[] = "0123456789abcdef";

    for (n = 0; *s != '\0' && n + 5 < len; s++) {
        c = (unsigned char) *s;

        if (c >= 0x20 && c < 0x7f) {
            buf[n++] = (char) c;
            continue;
        }

        buf[n++] = '\\';
        buf[n++] = 'x';
        buf[n++] = hex[c >> 4];
        buf[n++] = hex[c & 0xf];
    }

    buf[n] = '\0';

    return buf;
}


static int
ocs_passwd_run(ocs_passwd_conf_t *conf)
{
    int                rc;
    char               hash[OCS_HASH_MAX + 1];
    ocs_passwd_edit_t  edit;

    memset(&edit, 0, sizeof(ocs_passwd_edit_t));
    edit.path = conf->path;
    edit.user = conf->user;
    edit.delete = conf->delete;

    if (!conf->delete) {
        if (ocs_passwd_password(conf->method, hash, sizeof(hash)) != 0) {
            return OCS_PASSWD_FAILED;
        }

        edit.hash = hash;
    }

    rc = ocs_passwd_write(&edit);

    ocs_wipe(&edit, sizeof(ocs_passwd_edit_t));

    return rc;
}


static int
ocs_passwd_password(const char *method, char *hash, size_t len)
{
    int         rc;
    void       *work;
    char        pw[1024], again[1024];
    ocs_err_t   err;

    rc = -1;
    work = NULL;

    if (ocs_passwd_read(pw, sizeof(pw), "New password: ") != 0) {
        return -1;
    }

    if (isatty(STDIN_FILENO)) {
        if (ocs_passwd_read(again, sizeof(again), "Again: ") != 0) {
            goto cleanup;
        }

        if (strcmp(pw, again) != 0) {
            fprintf(stderr, "ocs-passwd: the passwords differ\n");
            goto cleanup;
        }
    }

    if (pw[0] == '\0') {
        fprintf(stderr, "ocs-passwd: empty password refused\n");
        goto cleanup;
    }

    work = malloc(ocs_password_work_size());
    if (work == NULL) {
        fprintf(stderr, "ocs-passwd: out of memory\n");
        goto cleanup;
    }

    if (ocs_password_hash(pw, method, ocs_env_default(), hash, len, work,
                          &err)
        != OCS_OK)
    {
        fprintf(stderr, "ocs-passwd: %s\n", err.text);
        goto cleanup;
    }

    rc = 0;

cleanup:

    ocs_wipe(pw, sizeof(pw));
    ocs_wipe(again, sizeof(again));
    free(work);

    return rc;
}


/* one line: no NUL byte (it would cut the password short), and no
   longer than len - 1 bytes without its "\n" or "\r\n" */
static int
ocs_passwd_read(char *buf, size_t len, const char *prompt)
{
    int             tty, c, nul;
    size_t          n;
    struct termios  old, quiet;

    tty = isatty(STDIN_FILENO);

    if (tty) {
        fputs(prompt, stderr);

        if (tcgetattr(STDIN_FILENO, &old) == 0) {
            quiet = old;
            quiet.c_lflag &= ~(tcflag_t) ECHO;
            (void) tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        }
    }

    n = 0;
    nul = 0;

    /* one byte more than fits, for the "\r" of "\r\n" */
    while ((c = getc(stdin)) != EOF && c != '\n') {
        if (c == '\0') {
            nul = 1;
        }

        if (n < len) {
            buf[n] = (char) c;
        }

        if (n < len + 1) {
            n++;
        }
    }

    if (tty) {
        (void) tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }

    if (n > 0 && n <= len && buf[n - 1] == '\r') {
        n--;
    }

    if (nul || n > len - 1) {
        ocs_wipe(buf, len);
        fprintf(stderr, "ocs-passwd: password %s\n",
                nul ? "holds a NUL byte" : "too long");
        return -1;
    }

    buf[n] = '\0';

    return 0;
}


static int
ocs_passwd_write(ocs_passwd_edit_t *edit)
{
    int                fd, rc;
    FILE              *in, *out;
    char               tmp[4096], line[OCS_USERFILE_LINE_MAX + 1];
    char               shown[4 * OCS_NAME_MAX + 8];
    const char        *path, *done;
    struct stat        st;
    ocs_passwd_buf_t   b;

    path = edit->path;

    /* only a file that is not there yet counts as empty, and only when
       adding a user */
    in = fopen(path, "r");

    if (in == NULL && (errno != ENOENT || edit->delete))
    {
        fprintf(stderr, "ocs-passwd: cannot read \"%s\": %s\n", path,
                strerror(errno));
        return OCS_PASSWD_FAILED;
    }

    if ((size_t) snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path)
        >= sizeof(tmp))
    {
        fprintf(stderr, "ocs-passwd: path too long\n");
        goto failed;
    }

    fd = mkstemp(tmp);
    if (fd == -1) {
        fprintf(stderr, "ocs-passwd: cannot create \"%s\": %s\n", tmp,
                strerror(errno));
        goto failed;
    }

    /* keep the old file's mode and owner; a new one is group-readable */
    if (in != NULL && fstat(fileno(in), &st) == 0) {
        (void) fchmod(fd, st.st_mode & 07777);

        /* only root can give a file away; others keep their own */
        if (fchown(fd, st.st_uid, st.st_gid) != 0 && geteuid() == 0) {
            fprintf(stderr, "ocs-passwd: cannot keep the owner of \"%s\": "
                    "%s\n", path, strerror(errno));
        }

    } else {
        (void) fchmod(fd, 0640);
    }

    out = fdopen(fd, "w");
    if (out == NULL) {
        fprintf(stderr, "ocs-passwd: cannot write \"%s\": %s\n", tmp,
                strerror(errno));
        close(fd);
        unlink(tmp);
        goto failed;
    }

    rc = OCS_PASSWD_OK;

    if (in != NULL) {
        if (ocs_passwd_copy(in, out, edit) != 0) {
            rc = OCS_PASSWD_FAILED;

        } else if (ferror(in)) {
            fprintf(stderr, "ocs-passwd: cannot read \"%s\"\n", path);
            rc = OCS_PASSWD_FAILED;
        }

        fclose(in);
        in = NULL;
    }

    if (rc == OCS_PASSWD_OK && !edit->found) {
        if (edit->delete) {
            fprintf(stderr, "ocs-passwd: no user \"%s\" in \"%s\"\n",
                    ocs_passwd_shown(edit->user, shown, sizeof(shown)),
                    path);
            rc = OCS_PASSWD_NOUSER;

        } else {
            /* a new user, as typed */
            b.data = line;
            b.len = 0;
            b.size = OCS_USERFILE_LINE_MAX;
            b.overflow = 0;

            (void) snprintf(edit->name, sizeof(edit->name), "%s",
                            edit->user);

            if (ocs_passwd_line(&b, edit, "", 0) != 0) {
                rc = OCS_PASSWD_FAILED;

            } else {
                fwrite(b.data, 1, b.len, out);
                putc('\n', out);
            }

            ocs_wipe(line, sizeof(line));
        }
    }

    if (rc != OCS_PASSWD_OK) {
        fclose(out);
        unlink(tmp);
        return rc;
    }

    /* the new file is on disk before it replaces the old one */
    if (fflush(out) != 0 || fsync(fd) != 0 || ferror(out)
        || fclose(out) != 0 || rename(tmp, path) != 0)
    {
        fprintf(stderr, "ocs-passwd: cannot write \"%s\": %s\n", path,
                strerror(errno));
        unlink(tmp);
        return OCS_PASSWD_FAILED;
    }

    done = edit->delete ? "deleted" : edit->found ? "updated" : "added";

    /* a line deleted may spell the name with bytes no terminal wants */
    fprintf(stderr, "ocs-passwd: %s user \"%s\" %s \"%s\"\n", done,
            ocs_passwd_shown(edit->name, shown, sizeof(shown)),
            edit->delete ? "from" : "in", path);

    return OCS_PASSWD_OK;

failed:

    if (in != NULL) {
        fclose(in);
    }

    return OCS_PASSWD_FAILED;
}


/*
 * Copies in to out, but for the lines of the user: the first becomes
 * what edit says, later ones go.  Returns 0, or -1 when the user's line
 * cannot be written (edit->found says whether the user had one).
 */
static int
ocs_passwd_copy(FILE *in, FILE *out, ocs_passwd_edit_t *edit)
{
    int      c, prev, nul, mine, eof;
    size_t   n, ulen, lineno;
    char     start[OCS_NAME_MAX + 1];

    ulen = strlen(edit->user);
    lineno = 0;

    for ( ;; ) {
        /* enough of the line to tell whether it is the user's */
        n = 0;
        c = EOF;

        while (n < ulen + 1 && (c = getc(in)) != EOF && c != '\n') {
            start[n++] = (char) c;
        }

        if (c == EOF && n == 0) {
            break;
        }

        lineno++;
        mine = (n == ulen + 1 && start[ulen] == ':'
                && strncasecmp(start, edit->user, ulen) == 0);

        if (mine) {
            if (!edit->found) {
                memcpy(edit->name, start, ulen);
                edit->name[ulen] = '\0';
            }

            if (ocs_passwd_mine(in, out, edit, lineno, &eof) != 0) {
                return -1;
            }

            if (eof) {
                break;
            }

            continue;
        }

        nul = (memchr(start, '\0', n) != NULL);
        prev = (n > 0) ? (unsigned char) start[n - 1] : EOF;
        fwrite(start, 1, n, out);

        /* the rest of the line, however long, never split */
        if (c != EOF && c != '\n') {
            while ((c = getc(in)) != EOF && c != '\n') {
                nul |= (c == '\0');
                prev = c;
                n++;
                putc(c, out);
            }
        }

        /* a last line without its newline gets one: the user added after
           it must not be glued to it */
        putc('\n', out);

        if (nul || n - (prev == '\r') > OCS_USERFILE_LINE_MAX) {
            fprintf(stderr, "ocs-passwd: warning: \"%s\" line %zu %s; the "
                    "server skips it\n", edit->path, lineno,
                    nul ? "holds a NUL byte" : "is longer than 1023 bytes");
        }

        if (c == EOF) {
            break;
        }
    }

    return 0;
}


/*
 * The rest of a line of the user, after "name:".  The first such line
 * is written again as edit says, with its other fields and its line
 * end; later ones go, as the server would never read them.  A line the
 * server refuses is replaced whole.
 */
static int
ocs_passwd_mine(FILE *in, FILE *out, ocs_passwd_edit_t *edit,
    size_t lineno, int *eof)
{
    int                c, nul, cr, rc;
    size_t             n, ulen;
    const char        *bad;
    ocs_passwd_buf_t   b;
    char               rest[OCS_USERFILE_LINE_MAX + 2];
    char               line[OCS_USERFILE_LINE_MAX + 1];

    n = 0;
    nul = 0;

    while ((c = getc(in)) != EOF && c != '\n') {
        nul |= (c == '\0');

        if (n < sizeof(rest)) {
            rest[n++] = (char) c;
        }
    }

    *eof = (c == EOF);
    cr = (n > 0 && n < sizeof(rest) && rest[n - 1] == '\r');
    n -= cr;

    ulen = strlen(edit->user);
    bad = nul ? "holds a NUL byte"
          : (ulen + 1 + n > OCS_USERFILE_LINE_MAX)
            ? "is longer than 1023 bytes" : NULL;

    rc = 0;

    if (edit->found || edit->delete) {
        if (edit->found && !edit->delete) {
            fprintf(stderr, "ocs-passwd: warning: \"%s\" line %zu, another "
                    "line of user \"%s\", removed\n", edit->path, lineno,
                    edit->name);
        }

        edit->found = 1;
        goto done;
    }

    edit->found = 1;

    if (bad != NULL) {
        fprintf(stderr, "ocs-passwd: warning: \"%s\" line %zu of user "
                "\"%s\" %s; replaced without its other fields\n",
                edit->path, lineno, edit->name, bad);
        n = 0;
    }

    b.data = line;
    b.len = 0;
    b.size = OCS_USERFILE_LINE_MAX;
    b.overflow = 0;

    if (ocs_passwd_line(&b, edit, rest, n) != 0) {
        rc = -1;
        goto done;
    }

    fwrite(b.data, 1, b.len, out);
    fputs(cr ? "\r\n" : "\n", out);

done:

    ocs_wipe(rest, sizeof(rest));
    ocs_wipe(line, sizeof(line));

    return rc;
}


/*
 * The user's new line into b, from rest: the old line after "name:",
 * "hash[:field]...".  The hash is replaced; every field stays as it was.
 */
static int
ocs_passwd_line(ocs_passwd_buf_t *b, ocs_passwd_edit_t *edit,
    const char *rest, size_t len)
{
    const char  *colon;

    colon = memchr(rest, ':', len);

    ocs_passwd_cat(b, edit->name, strlen(edit->name));
    ocs_passwd_cat(b, ":", 1);
    ocs_passwd_cat(b, edit->hash, strlen(edit->hash));

    if (colon != NULL) {
        ocs_passwd_cat(b, colon, rest + len - colon);
    }

    if (b->overflow) {
        fprintf(stderr, "ocs-passwd: the line of user \"%s\" would be "
                "longer than 1023 bytes, which the server skips\n",
                edit->name);
        return -1;
    }

    return 0;
}


static void
ocs_passwd_cat(ocs_passwd_buf_t *b, const char *s, size_t len)
{
    if (b->overflow || len > b->size - b->len) {
        b->overflow = 1;
        return;
    }

    memcpy(b->data + b->len, s, len);
    b->len += len;
}
