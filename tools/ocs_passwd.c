/*
 * ocs-passwd: adds, changes and deletes users of an ocs user file, and
 * enrols them for TOTP.
 *
 *   ocs-passwd [-m yescrypt|sha512] [-t ...] FILE USER   sets a password
 *   ocs-passwd -k -t|--no-totp ... FILE USER               only the TOTP
 *   ocs-passwd -D FILE USER                                deletes
 *
 * The file is rewritten through a temporary file in the same directory
 * and renamed into place, so a reader never sees half of it.  Every other
 * line is copied byte for byte, also one that the server refuses (a NUL
 * byte, over OCS_USERFILE_LINE_MAX bytes): such a line gets a warning,
 * but the tool does not guess what it meant.  The user's own line keeps
 * its fields after the hash; only the one being changed is replaced.
 */

#if defined(__has_include)
#if !__has_include(<qrencode.h>)
#error "ocs-passwd needs libqrencode: apt-get install libqrencode-dev"
#endif
#endif

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <qrencode.h>
#include <unistr.h>

#include <ocs/ocs.h>
#include <ocs/ocs_factor.h>
#include <ocs/ocs_signin.h>
#include <ocs/ocs_userfile.h>


/* exit statuses */
#define OCS_PASSWD_OK          0
#define OCS_PASSWD_FAILED      1
#define OCS_PASSWD_USAGE       2
#define OCS_PASSWD_NOUSER      3

#define OCS_PASSWD_ISSUER_MAX  128
#define OCS_PASSWD_URI_MAX     2048

/*
 * Half the four modules of quiet zone that ISO/IEC 18004 asks for: the
 * white background drawn around the code makes up the rest, and version
 * 6 (a SHA-1 URI) then fits a 24-line terminal.
 */
#define OCS_PASSWD_QR_MARGIN   2


typedef struct {
    const char  *method;
    const char  *issuer;
    const char  *path;
    const char  *user;
    int          delete;
    int          keep;              /* -k: the password stays */
    int          totp;              /* 1 a new secret, -1 none, 0 keep */
    int          alg;               /* OCS_TOTP_* */
    int          digits;
    int          qr;                /* 1 always, 0 never, -1 on a tty */
} ocs_passwd_conf_t;


/* what to do to the user's line, and what was found */
typedef struct {
    const char  *path;
    const char  *user;
    int          delete;
    const char  *hash;              /* the new hash, NULL: keep the old */
    const char  *totp;              /* "totp=" value, "": none, NULL: keep */

    int          found;
    int          totp_dropped;
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
static int ocs_passwd_issuer(ocs_passwd_conf_t *conf, char *host,
    size_t len);
static int ocs_passwd_run(ocs_passwd_conf_t *conf);
static int ocs_passwd_secret(ocs_passwd_conf_t *conf, char *field,
    size_t len);
static int ocs_passwd_password(const char *method, char *hash, size_t len);
static int ocs_passwd_read(char *buf, size_t len, const char *prompt);
static int ocs_passwd_write(ocs_passwd_edit_t *edit);
static int ocs_passwd_copy(FILE *in, FILE *out, ocs_passwd_edit_t *edit);
static int ocs_passwd_mine(FILE *in, FILE *out, ocs_passwd_edit_t *edit,
    size_t lineno, int *eof);
static int ocs_passwd_line(ocs_passwd_buf_t *b, ocs_passwd_edit_t *edit,
    const char *rest, size_t len);
static int ocs_passwd_enrolment(ocs_passwd_conf_t *conf, const char *name,
    const char *field);
static int ocs_passwd_qr(FILE *out, const char *uri);
static int ocs_passwd_dark(const QRcode *qr, int x, int y);
static size_t ocs_passwd_base32(const unsigned char *in, size_t len,
    char *out);
static void ocs_passwd_cat(ocs_passwd_buf_t *b, const char *s, size_t len);
static void ocs_passwd_escape(ocs_passwd_buf_t *b, const char *s);


/* stdout's buffer: it holds the URI, and so the secret, until wiped */
static char  ocs_passwd_stdout[8192];

enum {
    OCS_PASSWD_OPT_NO_TOTP = 256,
    OCS_PASSWD_OPT_ISSUER,
    OCS_PASSWD_OPT_ALGORITHM,
    OCS_PASSWD_OPT_DIGITS,
    OCS_PASSWD_OPT_QR,
    OCS_PASSWD_OPT_NO_QR
};

static const struct option  ocs_passwd_long[] = {
    { "method",        required_argument, NULL, 'm' },
    { "delete",        no_argument,       NULL, 'D' },
    { "keep-password", no_argument,       NULL, 'k' },
    { "totp",          no_argument,       NULL, 't' },
    { "no-totp",       no_argument,       NULL, OCS_PASSWD_OPT_NO_TOTP },
    { "issuer",        required_argument, NULL, OCS_PASSWD_OPT_ISSUER },
    { "algorithm",     required_argument, NULL, OCS_PASSWD_OPT_ALGORITHM },
    { "digits",        required_argument, NULL, OCS_PASSWD_OPT_DIGITS },
    { "qr",            no_argument,       NULL, OCS_PASSWD_OPT_QR },
    { "no-qr",         no_argument,       NULL, OCS_PASSWD_OPT_NO_QR },
    { "help",          no_argument,       NULL, 'h' },
    { NULL,            0,                 NULL, 0 }
};


int
main(int argc, char **argv)
{
    int                 rc;
    const char         *why;
    ocs_passwd_conf_t   conf;
    char                host[OCS_PASSWD_ISSUER_MAX + 1];
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

    if (conf.totp == 1
        && ocs_passwd_issuer(&conf, host, sizeof(host)) != 0)
    {
        return OCS_PASSWD_USAGE;
    }

    if (ocs_init() != OCS_OK) {
        fprintf(stderr, "ocs-passwd: OpenSSL initialisation failed\n");
        return OCS_PASSWD_FAILED;
    }

    (void) setvbuf(stdout, ocs_passwd_stdout, _IOFBF,
                   sizeof(ocs_passwd_stdout));

    rc = ocs_passwd_run(&conf);

    (void) fflush(stdout);
    ocs_wipe(ocs_passwd_stdout, sizeof(ocs_passwd_stdout));

    return rc;
}


/* returns -1 to go on, or the exit status */
static int
ocs_passwd_options(int argc, char **argv, ocs_passwd_conf_t *conf)
{
    int  opt, totp_opts;

    memset(conf, 0, sizeof(ocs_passwd_conf_t));
    conf->alg = OCS_TOTP_SHA1;
    conf->digits = 6;
    conf->qr = -1;
    totp_opts = 0;

    while ((opt = getopt_long(argc, argv, "m:Dkth", ocs_passwd_long, NULL))
           != -1)
    {
        switch (opt) {
        case 'm':
            conf->method = optarg;
            break;
        case 'D':
            conf->delete = 1;
            break;
        case 'k':
            conf->keep = 1;
            break;
        case 't':
            conf->totp = 1;
            break;
        case OCS_PASSWD_OPT_NO_TOTP:
            conf->totp = -1;
            break;
        case OCS_PASSWD_OPT_ISSUER:
            conf->issuer = optarg;
            totp_opts = 1;
            break;
        case OCS_PASSWD_OPT_ALGORITHM:
            totp_opts = 1;
            if (strcasecmp(optarg, "sha1") == 0) {
                conf->alg = OCS_TOTP_SHA1;
            } else if (strcasecmp(optarg, "sha256") == 0) {
                conf->alg = OCS_TOTP_SHA256;
            } else if (strcasecmp(optarg, "sha512") == 0) {
                conf->alg = OCS_TOTP_SHA512;
            } else {
                fprintf(stderr, "ocs-passwd: --algorithm takes sha1, "
                        "sha256 or sha512\n");
                return OCS_PASSWD_USAGE;
            }
            break;
        case OCS_PASSWD_OPT_DIGITS:
            totp_opts = 1;
            if (strcmp(optarg, "6") != 0 && strcmp(optarg, "8") != 0) {
                fprintf(stderr, "ocs-passwd: --digits takes 6 or 8\n");
                return OCS_PASSWD_USAGE;
            }
            conf->digits = optarg[0] - '0';
            break;
        case OCS_PASSWD_OPT_QR:
        case OCS_PASSWD_OPT_NO_QR:
            totp_opts = 1;
            conf->qr = (opt == OCS_PASSWD_OPT_QR);
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

    if (conf->delete
        && (conf->method != NULL || conf->keep || conf->totp != 0
            || totp_opts))
    {
        fprintf(stderr, "ocs-passwd: -D takes no other option\n");
        return OCS_PASSWD_USAGE;
    }

    if (conf->keep && (conf->method != NULL || conf->totp == 0)) {
        fprintf(stderr, "ocs-passwd: -k goes with --totp or --no-totp, "
                "and without -m\n");
        return OCS_PASSWD_USAGE;
    }

    if (totp_opts && conf->totp != 1) {
        fprintf(stderr, "ocs-passwd: --issuer, --algorithm, --digits and "
                "--qr go with --totp\n");
        return OCS_PASSWD_USAGE;
    }

    return -1;
}


static void
ocs_passwd_usage(FILE *f)
{
    fputs("usage: ocs-passwd [-m yescrypt|sha512] [-t [TOTP options]] "
          "FILE USER\n"
          "       ocs-passwd -k -t|--no-totp [TOTP options] FILE USER\n"
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
"  -t, --totp           a new TOTP secret for USER, from OpenSSL's random\n"
"                       generator, printed as an otpauth:// URI and a QR\n"
"                       code for an authenticator app\n"
"      --no-totp        removes USER's TOTP secret\n"
"  -k, --keep-password  changes no password: USER must be in FILE\n"
"  -D, --delete         removes USER from FILE\n"
"  -h, --help           this text\n"
"\n"
"TOTP options:\n"
"      --issuer=NAME    the service the app shows (default: this host's\n"
"                       name)\n"
"      --algorithm=sha1|sha256|sha512  the hash of the codes (sha1: the\n"
"                       one every app supports)\n"
"      --digits=6|8     the length of the codes (6)\n"
"      --qr, --no-qr    the QR code always or never (default: when the\n"
"                       output is a terminal); codes change every 30 s\n"
"\n"
"User names are UTF-8 without control characters, white space at either\n"
"end, or any of : < > \" & (a \\ or @ separates a domain).\n"
"\n"
"Exit status: 0 done, 1 failed, 2 bad usage or name, 3 USER is not in\n"
"FILE (-D, -k).\n", f);
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


/*
 * The issuer is the label's prefix and a parameter; the Key Uri Format
 * forbids a ':' in either part of the label.
 */
static int
ocs_passwd_issuer(ocs_passwd_conf_t *conf, char *host, size_t len)
{
    size_t  i, n;

    if (conf->issuer == NULL) {
        if (gethostname(host, len) == 0 && host[0] != '\0') {
            host[len - 1] = '\0';
            conf->issuer = host;

        } else {
            conf->issuer = "ocs";
        }
    }

    n = strlen(conf->issuer);

    for (i = 0; i < n; i++) {
        if ((unsigned char) conf->issuer[i] < 0x20
            || conf->issuer[i] == 0x7f || conf->issuer[i] == ':')
        {
            break;
        }
    }

    if (n == 0 || n > OCS_PASSWD_ISSUER_MAX || i < n
        || u8_check((const uint8_t *) conf->issuer, n) != NULL)
    {
        fprintf(stderr, "ocs-passwd: the issuer must be 1 to 128 bytes of "
                "UTF-8 without \":\" or control characters\n");
        return -1;
    }

    return 0;
}


static int
ocs_passwd_run(ocs_passwd_conf_t *conf)
{
    int                rc;
    char               hash[OCS_HASH_MAX + 1];
    char               field[OCS_TOTP_FIELD_MAX + 1];
    ocs_passwd_edit_t  edit;

    memset(&edit, 0, sizeof(ocs_passwd_edit_t));
    edit.path = conf->path;
    edit.user = conf->user;
    edit.delete = conf->delete;
    field[0] = '\0';
    rc = OCS_PASSWD_FAILED;

    if (conf->totp == 1) {
        if (ocs_passwd_secret(conf, field, sizeof(field)) != 0) {
            goto cleanup;
        }

        edit.totp = field;

    } else if (conf->totp == -1) {
        edit.totp = "";
    }

    if (!conf->delete && !conf->keep) {
        if (ocs_passwd_password(conf->method, hash, sizeof(hash)) != 0) {
            goto cleanup;
        }

        edit.hash = hash;
    }

    rc = ocs_passwd_write(&edit);

    if (rc == OCS_PASSWD_OK && conf->totp == 1) {
        rc = ocs_passwd_enrolment(conf, edit.name, field);
    }

cleanup:

    ocs_wipe(field, sizeof(field));
    ocs_wipe(&edit, sizeof(ocs_passwd_edit_t));

    return rc;
}


/*
 * A new secret as the user file holds it: base32, and the options that
 * are not the defaults.  As long as the hash's output, as RFC 6238's
 * reference keys are: 160 bits for SHA-1, RFC 4226's recommendation.
 */
static int
ocs_passwd_secret(ocs_passwd_conf_t *conf, char *field, size_t len)
{
    int               rc;
    size_t            n, klen;
    ocs_totp_t        check;
    unsigned char     key[64];
    const ocs_env_t  *env;

    klen = (conf->alg == OCS_TOTP_SHA512) ? 64
           : (conf->alg == OCS_TOTP_SHA256) ? 32 : 20;

    env = ocs_env_default();

    if (env->random(env->data, key, klen) != OCS_OK) {
        fprintf(stderr, "ocs-passwd: OpenSSL's random generator failed\n");
        return -1;
    }

    /* 103 base32 characters at most, and ",sha512,8" */
    n = ocs_passwd_base32(key, klen, field);
    ocs_wipe(key, sizeof(key));

    if (conf->alg != OCS_TOTP_SHA1) {
        n += (size_t) snprintf(field + n, len - n, ",%s",
                               conf->alg == OCS_TOTP_SHA256 ? "sha256"
                                                            : "sha512");
    }

    if (conf->digits != 6) {
        n += (size_t) snprintf(field + n, len - n, ",%d", conf->digits);
    }

    /* what the module will read, read as the module reads it */
    rc = ocs_totp_parse(field, n, &check);
    ocs_wipe(&check, sizeof(ocs_totp_t));

    if (rc != OCS_OK) {
        fprintf(stderr, "ocs-passwd: the new TOTP secret does not parse\n");
        return -1;
    }

    return 0;
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

    if (in == NULL
        && (errno != ENOENT || edit->delete || edit->hash == NULL))
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
        if (edit->delete || edit->hash == NULL) {
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

    if (edit->totp != NULL && edit->totp[0] == '\0'
        && !edit->totp_dropped)
    {
        fprintf(stderr, "ocs-passwd: user \"%s\" had no TOTP secret\n",
                edit->name);
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
 * server refuses is replaced whole, with a new password only.
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

    if (bad != NULL && edit->hash == NULL) {
        fprintf(stderr, "ocs-passwd: \"%s\" line %zu of user \"%s\" %s; "
                "set a new password to replace it\n", edit->path, lineno,
                edit->name, bad);
        rc = -1;
        goto done;
    }

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
 * "hash[:field]...".  The hash is replaced when edit has one; the first
 * "totp=" field when edit has one, in its place, and further ones go (the
 * module reads the last); any other field stays as it was.
 */
static int
ocs_passwd_line(ocs_passwd_buf_t *b, ocs_passwd_edit_t *edit,
    const char *rest, size_t len)
{
    int          totp_done;
    size_t       n;
    const char  *p, *end, *colon;

    end = rest + len;
    colon = memchr(rest, ':', len);
    n = (colon != NULL ? colon : end) - rest;

    ocs_passwd_cat(b, edit->name, strlen(edit->name));
    ocs_passwd_cat(b, ":", 1);

    if (edit->hash != NULL) {
        ocs_passwd_cat(b, edit->hash, strlen(edit->hash));

    } else {
        ocs_passwd_cat(b, rest, n);
    }

    totp_done = 0;

    for (p = colon; p != NULL && p < end; p = colon) {
        p++;
        colon = memchr(p, ':', end - p);
        n = (colon != NULL ? colon : end) - p;

        if (edit->totp != NULL && n >= 5 && strncmp(p, "totp=", 5) == 0) {
            edit->totp_dropped = 1;

            if (totp_done || edit->totp[0] == '\0') {
                continue;
            }

            ocs_passwd_cat(b, ":totp=", 6);
            ocs_passwd_cat(b, edit->totp, strlen(edit->totp));
            totp_done = 1;
            continue;
        }

        ocs_passwd_cat(b, ":", 1);
        ocs_passwd_cat(b, p, n);
    }

    if (edit->totp != NULL && edit->totp[0] != '\0' && !totp_done) {
        ocs_passwd_cat(b, ":totp=", 6);
        ocs_passwd_cat(b, edit->totp, strlen(edit->totp));
    }

    if (b->overflow) {
        fprintf(stderr, "ocs-passwd: the line of user \"%s\" would be "
                "longer than 1023 bytes, which the server skips\n",
                edit->name);
        return -1;
    }

    return 0;
}


/*
 * The Key Uri Format URI for authenticator apps, on stdout, and its QR
 * code: "otpauth://totp/ISSUER:NAME?secret=...&issuer=ISSUER&..." with
 * the secret in unpadded base32 and every parameter given, since some
 * apps do not assume the defaults.
 */
static int
ocs_passwd_enrolment(ocs_passwd_conf_t *conf, const char *name,
    const char *field)
{
    int                rc;
    char               uri[OCS_PASSWD_URI_MAX];
    char               tail[64];
    ocs_passwd_buf_t   b;

    b.data = uri;
    b.len = 0;
    b.size = sizeof(uri) - 1;
    b.overflow = 0;

    ocs_passwd_cat(&b, "otpauth://totp/", 15);
    ocs_passwd_escape(&b, conf->issuer);
    ocs_passwd_cat(&b, ":", 1);
    ocs_passwd_escape(&b, name);
    ocs_passwd_cat(&b, "?secret=", 8);
    ocs_passwd_cat(&b, field, strcspn(field, ","));
    ocs_passwd_cat(&b, "&issuer=", 8);
    ocs_passwd_escape(&b, conf->issuer);

    (void) snprintf(tail, sizeof(tail), "&algorithm=%s&digits=%d&period=30",
                    conf->alg == OCS_TOTP_SHA512 ? "SHA512"
                    : conf->alg == OCS_TOTP_SHA256 ? "SHA256" : "SHA1",
                    conf->digits);
    ocs_passwd_cat(&b, tail, strlen(tail));

    if (b.overflow) {
        /* cannot happen: the name and the issuer are bounded */
        fprintf(stderr, "ocs-passwd: the otpauth URI is too long\n");
        ocs_wipe(uri, sizeof(uri));
        return OCS_PASSWD_FAILED;
    }

    uri[b.len] = '\0';
    printf("%s\n", uri);

    rc = OCS_PASSWD_OK;

    if (conf->qr == 1 || (conf->qr == -1 && isatty(STDOUT_FILENO))) {
        if (ocs_passwd_qr(stdout, uri) != 0) {
            /* the secret is stored and the URI printed: enough to go on */
            fprintf(stderr, "ocs-passwd: warning: no QR code: %s\n",
                    strerror(errno));
        }
    }

    ocs_wipe(uri, sizeof(uri));

    if (fflush(stdout) != 0) {
        fprintf(stderr, "ocs-passwd: cannot print the URI: %s\n",
                strerror(errno));
        rc = OCS_PASSWD_FAILED;
    }

    return rc;
}


/*
 * The code in a terminal: two modules per character cell, one above the
 * other, drawn with half blocks in black on white whatever the terminal's
 * colours (cameras read dark modules on a light ground best).
 */
static int
ocs_passwd_qr(FILE *out, const char *uri)
{
    int              x, y, w, m, top, bottom;
    QRcode          *qr;

    static const char  *cells[] = {
        " ",                /* both light */
        "\xe2\x96\x84",     /* U+2584 lower half block */
        "\xe2\x96\x80",     /* U+2580 upper half block */
        "\xe2\x96\x88"      /* U+2588 full block */
    };

    qr = QRcode_encodeString(uri, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
    if (qr == NULL) {
        return -1;
    }

    w = qr->width;
    m = OCS_PASSWD_QR_MARGIN;

    for (y = -m; y < w + m; y += 2) {
        fputs("\033[30;47m", out);

        for (x = -m; x < w + m; x++) {
            top = ocs_passwd_dark(qr, x, y);
            bottom = ocs_passwd_dark(qr, x, y + 1);
            fputs(cells[top << 1 | bottom], out);
        }

        fputs("\033[0m\n", out);
    }

    /* the modules spell the secret */
    ocs_wipe(qr->data, (size_t) w * (size_t) w);
    QRcode_free(qr);

    return 0;
}


/* the margin and the row below an odd last one are light */
static int
ocs_passwd_dark(const QRcode *qr, int x, int y)
{
    if (x < 0 || x >= qr->width || y < 0 || y >= qr->width) {
        return 0;
    }

    return qr->data[y * qr->width + x] & 1;
}


/* RFC 4648 base32 without padding, NUL-terminated: out holds
   (len * 8 + 4) / 5 + 1 bytes */
static size_t
ocs_passwd_base32(const unsigned char *in, size_t len, char *out)
{
    size_t    i, n, bits;
    uint32_t  acc;

    static const char  alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    n = 0;
    bits = 0;
    acc = 0;

    for (i = 0; i < len; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;

        while (bits >= 5) {
            bits -= 5;
            out[n++] = alphabet[(acc >> bits) & 0x1f];
        }

        acc &= (1u << bits) - 1;
    }

    if (bits > 0) {
        out[n++] = alphabet[(acc << (5 - bits)) & 0x1f];
    }

    out[n] = '\0';

    return n;
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


/* RFC 3986 percent-encoding of all but the unreserved characters; a
   space is "%20", as the Key Uri Format asks */
static void
ocs_passwd_escape(ocs_passwd_buf_t *b, const char *s)
{
    char           pct[3];
    unsigned char  c;

    static const char  hex[] = "0123456789ABCDEF";

    for ( /* void */ ; *s != '\0'; s++) {
        c = (unsigned char) *s;

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9')
            || c == '-' || c == '.' || c == '_' || c == '~')
        {
            ocs_passwd_cat(b, s, 1);
            continue;
        }

        pct[0] = '%';
        pct[1] = hex[c >> 4];
        pct[2] = hex[c & 0xf];
        ocs_passwd_cat(b, pct, 3);
    }
}
