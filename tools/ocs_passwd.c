/*
 * ocs-passwd: adds or replaces a user in an ocs user file.
 *
 *   ocs-passwd [-m yescrypt|sha512] FILE USER     reads the password twice
 *                                                  from the terminal, or
 *                                                  once from a pipe
 *
 * The file is rewritten through a temporary file in the same directory
 * and renamed into place, so a reader never sees half of it.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <ocs/ocs.h>
#include <ocs/ocs_signin.h>


static int ocs_passwd_read(char *buf, size_t len, const char *prompt);
static int ocs_passwd_write(const char *path, const char *user,
    const char *hash);


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


static int
ocs_passwd_read(char *buf, size_t len, const char *prompt)
{
    int             tty;
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

    if (fgets(buf, (int) len, stdin) == NULL) {
        buf[0] = '\0';
    }

    if (tty) {
        (void) tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }

    n = strcspn(buf, "\r\n");

    if (buf[n] == '\0' && n == len - 1) {
        fprintf(stderr, "ocs-passwd: password too long\n");
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
    char         tmp[4096], line[4096];
    size_t       ulen;
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

    in = fopen(path, "r");
    ulen = strlen(user);
    replaced = 0;

    while (in != NULL && fgets(line, sizeof(line), in) != NULL) {
        if (strncasecmp(line, user, ulen) == 0 && line[ulen] == ':') {
            if (!replaced) {
                fprintf(out, "%s:%s\n", user, hash);
                replaced = 1;
            }

            continue;
        }

        fputs(line, out);

        /* a last line without its newline must not swallow the next */
        if (strchr(line, '\n') == NULL) {
            fputc('\n', out);
        }
    }

    if (!replaced) {
        fprintf(out, "%s:%s\n", user, hash);
    }

    if (in != NULL) {
        fclose(in);
    }

    if (fclose(out) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "ocs-passwd: cannot write \"%s\": %s\n", path,
                strerror(errno));
        unlink(tmp);
        return -1;
    }

    fprintf(stderr, "ocs-passwd: %s user \"%s\" in \"%s\"\n",
            replaced ? "updated" : "added", user, path);

    return 0;
}
