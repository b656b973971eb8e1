/*
 * ocs-passwd: adds or replaces a user in an ocs user file.
 *
 *   ocs-passwd [-m yescrypt|sha512] FILE USER     reads the password twice
 *                                                  from the terminal, or
 *                                                  once from a pipe
 *
 * The file is rewritten through a temporary file in the same directory
 * and renamed into place, so a reader never sees half of it.  Every other
 * line is copied byte for byte, also one that the server refuses (a NUL
 * byte, over OCS_USERFILE_LINE_MAX bytes): such a line gets a warning,
 * but the tool does not guess what it meant.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <ocs/ocs.h>
#include <ocs/ocs_signin.h>


static int ocs_passwd_read(char *buf, size_t len, const char *prompt);
static int ocs_passwd_write(const char *path, const char *user,
    const char *hash);
static int ocs_passwd_copy(FILE *in, FILE *out, const char *path,
    const char *user, const char *hash);


int
main(int argc, char **argv)
{
    int             opt, rc;
    void           *work;
    char            pw[1024], again[1024], hash[OCS_HASH_MAX + 1];
    const char     *method, *path, *user;
    ocs_err_t       err;
    ocs_username_t  name;

    method = NULL;

    while ((opt = getopt(argc, argv, "m:h")) != -1) {
        switch (opt) {
        case 'm':
            method = optarg;
            break;
        default:
            fprintf(stderr, "usage: ocs-passwd [-m yescrypt|sha512] FILE "
                    "USER\n");
            return opt == 'h' ? 0 : 2;
        }
    }

    if (argc - optind != 2) {
        fprintf(stderr, "usage: ocs-passwd [-m yescrypt|sha512] FILE USER\n");
        return 2;
    }

    path = argv[optind];
    user = argv[optind + 1];

    if (ocs_username_parse(user, strlen(user), &name) != OCS_OK
        || strchr(user, ':') != NULL)
    {
        fprintf(stderr, "ocs-passwd: \"%s\" is not a usable user name\n",
                user);
        return 2;
    }

    if (ocs_init() != OCS_OK) {
        fprintf(stderr, "ocs-passwd: OpenSSL initialisation failed\n");
        return 1;
    }

    if (ocs_passwd_read(pw, sizeof(pw), "New password: ") != 0) {
        return 1;
    }

    if (isatty(STDIN_FILENO)) {
        if (ocs_passwd_read(again, sizeof(again), "Again: ") != 0) {
            return 1;
        }

        if (strcmp(pw, again) != 0) {
            fprintf(stderr, "ocs-passwd: the passwords differ\n");
            return 1;
        }

        ocs_wipe(again, sizeof(again));
    }

    if (pw[0] == '\0') {
        fprintf(stderr, "ocs-passwd: empty password refused\n");
        return 1;
    }

    work = malloc(ocs_password_work_size());
    if (work == NULL) {
        fprintf(stderr, "ocs-passwd: out of memory\n");
        return 1;
    }

    rc = ocs_password_hash(pw, method, ocs_env_default(), hash, sizeof(hash),
                           work, &err);
    ocs_wipe(pw, sizeof(pw));
    free(work);

    if (rc != OCS_OK) {
        fprintf(stderr, "ocs-passwd: %s\n", err.text);
        return 1;
    }

    return ocs_passwd_write(path, user, hash) == 0 ? 0 : 1;
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
ocs_passwd_write(const char *path, const char *user, const char *hash)
{
    int          fd, replaced;
    FILE        *in, *out;
    char         tmp[4096];
    struct stat  st;

    if ((size_t) snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path)
        >= sizeof(tmp))
    {
        fprintf(stderr, "ocs-passwd: path too long\n");
        return -1;
    }

    fd = mkstemp(tmp);
    if (fd == -1) {
        fprintf(stderr, "ocs-passwd: cannot create \"%s\": %s\n", tmp,
                strerror(errno));
        return -1;
    }

    /* keep the old file's mode and owner; a new one is group-readable */
    if (stat(path, &st) == 0) {
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
        return -1;
    }

    /* only a file that is not there yet counts as empty */
    in = fopen(path, "r");

    if (in == NULL && errno != ENOENT) {
        fprintf(stderr, "ocs-passwd: cannot read \"%s\": %s\n", path,
                strerror(errno));
        fclose(out);
        unlink(tmp);
        return -1;
    }

    replaced = 0;

    if (in != NULL) {
        replaced = ocs_passwd_copy(in, out, path, user, hash);

        if (ferror(in)) {
            fprintf(stderr, "ocs-passwd: cannot read \"%s\"\n", path);
            fclose(in);
            fclose(out);
            unlink(tmp);
            return -1;
        }

        fclose(in);
    }

    if (!replaced) {
        fprintf(out, "%s:%s\n", user, hash);
    }

    if (ferror(out) || fclose(out) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "ocs-passwd: cannot write \"%s\": %s\n", path,
                strerror(errno));
        unlink(tmp);
        return -1;
    }

    fprintf(stderr, "ocs-passwd: %s user \"%s\" in \"%s\"\n",
            replaced ? "updated" : "added", user, path);

    return 0;
}


/*
 * Copies in to out, but for the lines of user: the first becomes
 * "user:hash", later ones go.  Returns 1 when the user had a line.
 */
static int
ocs_passwd_copy(FILE *in, FILE *out, const char *path, const char *user,
    const char *hash)
{
    int      c, prev, nul, mine, replaced;
    size_t   n, ulen, lineno;
    char     start[OCS_NAME_MAX + 1];

    ulen = strlen(user);
    replaced = 0;
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
                && strncasecmp(start, user, ulen) == 0);
        nul = (memchr(start, '\0', n) != NULL);
        prev = (n > 0) ? (unsigned char) start[n - 1] : EOF;

        if (mine) {
            if (!replaced) {
                fprintf(out, "%s:%s\n", user, hash);
                replaced = 1;
            }

        } else {
            fwrite(start, 1, n, out);
        }

        /* the rest of the line, however long, never split */
        if (c != EOF && c != '\n') {
            while ((c = getc(in)) != EOF && c != '\n') {
                nul |= (c == '\0');
                prev = c;
                n++;

                if (!mine) {
                    putc(c, out);
                }
            }
        }

        if (mine) {
            continue;
        }

        /* a last line without its newline gets one: the user added after
           it must not be glued to it */
        putc('\n', out);

        if (nul || n - (prev == '\r') > OCS_USERFILE_LINE_MAX) {
            fprintf(stderr, "ocs-passwd: warning: \"%s\" line %zu %s; the "
                    "server skips it\n", path, lineno,
                    nul ? "holds a NUL byte" : "is longer than 1023 bytes");
        }

        if (c == EOF) {
            break;
        }
    }

    return replaced;
}
