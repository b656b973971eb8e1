/*
 * ocs-conference: creates and revokes the conferences of a conference
 * key file (ocs_auth_conference_keys).
 *
 *   ocs-conference [-r REALM] [-a ALGS] [-u URL] FILE create ID PATHS
 *   ocs-conference FILE revoke ID
 *   ocs-conference [-r REALM] FILE list
 *
 * create makes a random key (OpenSSL's generator), writes the
 * conference's line (H(A1) per algorithm and a crypt(5) hash of the key
 * for the join page: never the key itself) and prints the key and the
 * join URL once; nobody can read the key back from the file.  revoke
 * removes the conference's lines; nginx reads the file at start and on
 * reload (nginx -s reload).  The file is rewritten through a temporary
 * file in its directory and renamed into place, readable by its owner
 * and group only.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <ocs/ocs.h>
#include <ocs/ocs_digest.h>
#include <ocs/ocs_password.h>


#define OCS_CONFERENCE_OK        0
#define OCS_CONFERENCE_FAILED    1
#define OCS_CONFERENCE_USAGE     2
#define OCS_CONFERENCE_NONE      3

#define OCS_CONFERENCE_FILE_MAX  (4 * 1024 * 1024)

/* 20 characters of 31 that cannot be mistaken for one another: 99 bits */
#define OCS_CONFERENCE_KEY_CHARS 20
#define OCS_CONFERENCE_KEY_LEN   (OCS_CONFERENCE_KEY_CHARS + 3)


typedef struct {
    const char  *realm;
    unsigned     algs;
    const char  *url;
    const char  *file;
    const char  *command;
    const char  *id;
    const char  *paths;
} ocs_conference_opts_t;


static void ocs_conference_usage(FILE *f);
static int ocs_conference_algs(const char *list, unsigned *algs);
static int ocs_conference_key(char *key);
static int ocs_conference_read(const char *file, char **text, size_t *len);
static int ocs_conference_write(const char *file, const char *text,
    size_t len, const char *skip_id, const char *add);
static int ocs_conference_create(ocs_conference_opts_t *o);
static int ocs_conference_revoke(ocs_conference_opts_t *o);
static int ocs_conference_list(ocs_conference_opts_t *o);
static int ocs_conference_line_id(const char *line, size_t len,
    const char *id);


static const char  ocs_conference_alphabet[] =
    "23456789abcdefghjkmnpqrstuvwxyz";


int
main(int argc, char **argv)
{
    int                     c;
    ocs_conference_opts_t   o;

    memset(&o, 0, sizeof(o));
    o.realm = "conference";
    o.algs = OCS_DIGEST_SHA256 | OCS_DIGEST_SHA512_256;

    while ((c = getopt(argc, argv, "r:a:u:h")) != -1) {
        switch (c) {
        case 'r':
            o.realm = optarg;
            break;

        case 'a':
            if (ocs_conference_algs(optarg, &o.algs) != OCS_OK) {
                fprintf(stderr, "ocs-conference: -a takes SHA-256, "
                        "SHA-512-256 and MD5, comma-separated\n");
                return OCS_CONFERENCE_USAGE;
            }
            break;

        case 'u':
            o.url = optarg;
            break;

        case 'h':
            ocs_conference_usage(stdout);
            return OCS_CONFERENCE_OK;

        default:
            ocs_conference_usage(stderr);
            return OCS_CONFERENCE_USAGE;
        }
    }

    if (argc - optind < 2) {
        ocs_conference_usage(stderr);
        return OCS_CONFERENCE_USAGE;
    }

    o.file = argv[optind];
    o.command = argv[optind + 1];

    if (ocs_init() != OCS_OK) {
        fprintf(stderr, "ocs-conference: the library does not start\n");
        return OCS_CONFERENCE_FAILED;
    }

    if (strcmp(o.command, "create") == 0 && argc - optind == 4) {
        o.id = argv[optind + 2];
        o.paths = argv[optind + 3];
        return ocs_conference_create(&o);
    }

    if (strcmp(o.command, "revoke") == 0 && argc - optind == 3) {
        o.id = argv[optind + 2];
        return ocs_conference_revoke(&o);
    }

    if (strcmp(o.command, "list") == 0 && argc - optind == 2) {
        return ocs_conference_list(&o);
    }

    ocs_conference_usage(stderr);

    return OCS_CONFERENCE_USAGE;
}


static void
ocs_conference_usage(FILE *f)
{
    fprintf(f,
        "usage: ocs-conference [-r REALM] [-a ALGS] [-u URL] FILE create "
        "ID PATHS\n"
        "       ocs-conference FILE revoke ID\n"
        "       ocs-conference [-r REALM] FILE list\n"
        "\n"
        "  create  adds conference ID, whose content is under PATHS\n"
        "          (comma-separated path prefixes), with a random key;\n"
        "          prints the key and the join URL once\n"
        "  revoke  removes conference ID: its key opens nothing after\n"
        "          nginx -s reload\n"
        "  list    prints the conferences of the realm and their paths\n"
        "\n"
        "  -r REALM  the Digest realm, as ocs_auth_conference_realm "
        "(default\n"
        "            \"conference\")\n"
        "  -a ALGS   the H(A1) kept: SHA-256,SHA-512-256 (default), "
        "MD5 too\n"
        "            for clients that can do nothing else\n"
        "  -u URL    the join page's URL, printed with ?c=ID\n"
        "\n"
        "exit status: 0 done, 1 failed, 2 usage, 3 no such conference "
        "(or it\n"
        "exists already, for create)\n");
}


static int
ocs_conference_algs(const char *list, unsigned *algs)
{
    size_t       n;
    unsigned     alg;
    const char  *p, *end;

    *algs = 0;

    for (p = list; *p != '\0'; p = (*end == ',') ? end + 1 : end) {
        end = strchr(p, ',');
        if (end == NULL) {
            end = p + strlen(p);
        }

        n = (size_t) (end - p);

        for (alg = OCS_DIGEST_MD5; alg <= OCS_DIGEST_SHA512_256; alg <<= 1) {
            if (strlen(ocs_digest_alg_name(alg)) == n
                && strncasecmp(p, ocs_digest_alg_name(alg), n) == 0)
            {
                break;
            }
        }

        if (alg > OCS_DIGEST_SHA512_256) {
            return OCS_ERR_INVALID;
        }

        *algs |= alg;
    }

    return *algs ? OCS_OK : OCS_ERR_INVALID;
}


/* a key of four groups of five, each character uniform over 31 */
static int
ocs_conference_key(char *key)
{
    size_t          i, n;
    unsigned char   b;

    n = 0;

    for (i = 0; i < OCS_CONFERENCE_KEY_CHARS; /* void */ ) {
        if (RAND_bytes(&b, 1) != 1) {
            OPENSSL_cleanse(key, OCS_CONFERENCE_KEY_LEN + 1);
            return OCS_ERR_SYS;
        }

        /* 248 = 8 * 31: the rest would favour the first characters */
        if (b >= 248) {
            continue;
        }

        if (i > 0 && i % 5 == 0) {
            key[n++] = '-';
        }

        key[n++] = ocs_conference_alphabet[b % 31];
        i++;
    }

    key[n] = '\0';
    OPENSSL_cleanse(&b, sizeof(b));

    return OCS_OK;
}


static int
ocs_conference_create(ocs_conference_opts_t *o)
{
    int        rc, status;
    char      *text, *work, *nl;
    size_t     len, n;
    ocs_err_t  err;
    char       key[OCS_CONFERENCE_KEY_LEN + 1];
    char       join[OCS_CONF_HASH_MAX + 1];
    char       line[OCS_CONF_LINE_MAX + 2];

    text = NULL;
    work = NULL;
    status = OCS_CONFERENCE_FAILED;

    if (ocs_conference_read(o->file, &text, &len) != OCS_OK) {
        return OCS_CONFERENCE_FAILED;
    }

    for (n = 0; n < len; n = (size_t) (nl - text) + 1) {
        if (ocs_conference_line_id(text + n, len - n, o->id)) {
            fprintf(stderr, "ocs-conference: conference \"%s\" exists "
                    "already; revoke it first\n", o->id);
            status = OCS_CONFERENCE_NONE;
            goto cleanup;
        }

        nl = memchr(text + n, '\n', len - n);
        if (nl == NULL) {
            break;
        }
    }

    work = malloc(ocs_password_work_size());
    if (work == NULL || ocs_conference_key(key) != OCS_OK) {
        fprintf(stderr, "ocs-conference: no memory or no random bytes\n");
        goto cleanup;
    }

    rc = ocs_password_hash(key, NULL, ocs_env_default(), join, sizeof(join),
                           work, &err);
    if (rc != OCS_OK) {
        fprintf(stderr, "ocs-conference: %s\n", err.text);
        goto cleanup;
    }

    if (ocs_conference_format(o->id, o->realm, o->paths, key, o->algs, join,
                              line, sizeof(line))
        == 0)
    {
        fprintf(stderr, "ocs-conference: an id of letters, digits, '-', "
                "'_' and '.' (at most %d), absolute paths, and a realm "
                "without ':' are needed\n", OCS_CONF_ID_MAX);
        status = OCS_CONFERENCE_USAGE;
        goto cleanup;
    }

    if (ocs_conference_write(o->file, text, len, NULL, line) != OCS_OK) {
        goto cleanup;
    }

    printf("conference: %s\n", o->id);
    printf("key: %s\n", key);

    if (o->url != NULL) {
        printf("join URL: %s%cc=%s\n", o->url,
               strchr(o->url, '?') ? '&' : '?', o->id);
    }

    printf("The key is shown only now; nginx -s reload makes it work.\n");

    status = OCS_CONFERENCE_OK;

cleanup:

    OPENSSL_cleanse(key, sizeof(key));
    free(work);
    free(text);

    return status;
}


static int
ocs_conference_revoke(ocs_conference_opts_t *o)
{
    int      found;
    char    *text, *nl;
    size_t   len, n;

    if (ocs_conference_read(o->file, &text, &len) != OCS_OK) {
        return OCS_CONFERENCE_FAILED;
    }

    found = 0;

    for (n = 0; n < len; n = (size_t) (nl - text) + 1) {
        found |= ocs_conference_line_id(text + n, len - n, o->id);

        nl = memchr(text + n, '\n', len - n);
        if (nl == NULL) {
            break;
        }
    }

    if (!found) {
        fprintf(stderr, "ocs-conference: no conference \"%s\"\n", o->id);
        free(text);
        return OCS_CONFERENCE_NONE;
    }

    n = ocs_conference_write(o->file, text, len, o->id, NULL);
    free(text);

    if (n != OCS_OK) {
        return OCS_CONFERENCE_FAILED;
    }

    printf("conference %s revoked; nginx -s reload makes it so\n", o->id);

    return OCS_CONFERENCE_OK;
}


static int
ocs_conference_list(ocs_conference_opts_t *o)
{
    char              *text;
    size_t             len, n, i;
    ocs_err_t          err;
    ocs_conference_t  *confs;

    if (ocs_conference_read(o->file, &text, &len) != OCS_OK) {
        return OCS_CONFERENCE_FAILED;
    }

    ocs_conference_parse(text, len, o->realm, strlen(o->realm), NULL, 0, &n,
                         &err);

    confs = calloc(n ? n : 1, sizeof(ocs_conference_t));

    if (confs == NULL
        || ocs_conference_parse(text, len, o->realm, strlen(o->realm), confs,
                                n, &n, &err)
           != OCS_OK)
    {
        fprintf(stderr, "ocs-conference: %s: %s\n", o->file,
                confs ? err.text : "no memory");
        free(confs);
        free(text);
        return OCS_CONFERENCE_FAILED;
    }

    for (i = 0; i < n; i++) {
        printf("%s %s%s%s%s %s\n", confs[i].id,
               (confs[i].algs & OCS_DIGEST_SHA256) ? "SHA-256" : "",
               (confs[i].algs & OCS_DIGEST_SHA512_256) ? " SHA-512-256" : "",
               (confs[i].algs & OCS_DIGEST_MD5) ? " MD5" : "",
               confs[i].join[0] ? " join" : "", confs[i].paths);
    }

    OPENSSL_cleanse(confs, n * sizeof(ocs_conference_t));
    free(confs);
    free(text);

    return OCS_CONFERENCE_OK;
}


/* whether the line (up to its newline) is a conference id's, any realm */
static int
ocs_conference_line_id(const char *line, size_t len, const char *id)
{
    size_t  n;

    n = strlen(id);

    return len > n && memcmp(line, id, n) == 0 && line[n] == ':';
}


/* the whole file, NUL-terminated; a missing file is an empty one */
static int
ocs_conference_read(const char *file, char **text, size_t *len)
{
    FILE    *f;
    size_t   n;

    *len = 0;
    *text = malloc(OCS_CONFERENCE_FILE_MAX + 1);

    if (*text == NULL) {
        fprintf(stderr, "ocs-conference: no memory\n");
        return OCS_ERR_SYS;
    }

    f = fopen(file, "r");

    if (f == NULL) {
        if (errno == ENOENT) {
            (*text)[0] = '\0';
            return OCS_OK;
        }

        fprintf(stderr, "ocs-conference: %s: %s\n", file, strerror(errno));
        goto failed;
    }

    n = fread(*text, 1, OCS_CONFERENCE_FILE_MAX + 1, f);

    if (ferror(f) || n > OCS_CONFERENCE_FILE_MAX
        || memchr(*text, '\0', n) != NULL)
    {
        fprintf(stderr, "ocs-conference: %s: unreadable, too large or "
                "binary\n", file);
        fclose(f);
        goto failed;
    }

    fclose(f);

    (*text)[n] = '\0';
    *len = n;

    return OCS_OK;

failed:

    free(*text);
    *text = NULL;

    return OCS_ERR_SYS;
}


/*
 * The file again, without the lines of skip_id and with add at the end,
 * through a temporary file renamed into place.
 */
static int
ocs_conference_write(const char *file, const char *text, size_t len,
    const char *skip_id, const char *add)
{
    int          fd;
    FILE        *f;
    size_t       n, end;
    const char  *nl;
    char         tmp[4096];

    if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", file) >= (int) sizeof(tmp)) {
        fprintf(stderr, "ocs-conference: %s: name too long\n", file);
        return OCS_ERR_INVALID;
    }

    fd = mkstemp(tmp);

    if (fd == -1 || fchmod(fd, 0640) == -1) {
        fprintf(stderr, "ocs-conference: %s: %s\n", tmp, strerror(errno));
        if (fd != -1) {
            close(fd);
            unlink(tmp);
        }
        return OCS_ERR_SYS;
    }

    f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        unlink(tmp);
        return OCS_ERR_SYS;
    }

    for (n = 0; n < len; n = end) {
        nl = memchr(text + n, '\n', len - n);
        end = (nl != NULL) ? (size_t) (nl - text) + 1 : len;

        if (skip_id != NULL
            && ocs_conference_line_id(text + n, end - n, skip_id))
        {
            continue;
        }

        fwrite(text + n, 1, end - n, f);

        if (nl == NULL) {
            fputc('\n', f);
        }
    }

    if (add != NULL) {
        fputs(add, f);
    }

    if (fflush(f) != 0 || fsync(fd) != 0 || fclose(f) != 0) {
        fprintf(stderr, "ocs-conference: %s: %s\n", tmp, strerror(errno));
        unlink(tmp);
        return OCS_ERR_SYS;
    }

    if (rename(tmp, file) != 0) {
        fprintf(stderr, "ocs-conference: %s: %s\n", file, strerror(errno));
        unlink(tmp);
        return OCS_ERR_SYS;
    }

    return OCS_OK;
}
