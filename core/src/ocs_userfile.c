/*
 * The embedded user file: lines "name:hash[:options]", looked up by
 * name.  It blocks (the file is read from disk): callers keep it off
 * event loops.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <ocs/ocs_userfile.h>


static void ocs_userfile_options(const char *p, ocs_userfile_entry_t *entry);
static int ocs_userfile_line(FILE *f, char *line, size_t *len,
    const char **bad);
static int ocs_userfile_check(const char *line, size_t n, const char **bad);
static int ocs_userfile_match(const char *line, const char *name, size_t len,
    const ocs_username_t *parsed, ocs_userfile_entry_t *entry, int *usable,
    int *byuser);


/* the options after a line's hash: ":totp=SECRET" */
static void
ocs_userfile_options(const char *p, ocs_userfile_entry_t *entry)
{
    size_t  n;

    entry->totp[0] = '\0';

    while (*p == ':') {
        p++;
        n = strcspn(p, ":");

        if (n > 5 && n - 5 <= OCS_TOTP_FIELD_MAX
            && strncmp(p, "totp=", 5) == 0)
        {
            memcpy(entry->totp, p + 5, n - 5);
            entry->totp[n - 5] = '\0';
        }

        p += n;
    }
}


/*
 * Reads the next line into line (OCS_USERFILE_LINE_MAX + 2 bytes) without
 * its "\n" or "\r\n", NUL-terminated.  Returns 0 at the end of the file,
 * else 1 with *len set and *bad NULL, or *bad saying what is wrong: a
 * line that does not fit is read up to its newline, never cut in two,
 * and a NUL byte ends no line early.
 */
static int
ocs_userfile_line(FILE *f, char *line, size_t *len, const char **bad)
{
    int      c, nul;
    size_t   n;

    n = 0;
    nul = 0;

    /* one byte beyond the limit is room for the "\r" of "\r\n"; n stops
       counting one further, where the line is too long either way */
    while ((c = getc_unlocked(f)) != EOF && c != '\n') {
        if (c == '\0') {
            nul = 1;
        }

        if (n < OCS_USERFILE_LINE_MAX + 1) {
            line[n] = (char) c;
        }

        if (n < OCS_USERFILE_LINE_MAX + 2) {
            n++;
        }
    }

    if (c == EOF && n == 0) {
        return 0;
    }

    if (n > 0 && n <= OCS_USERFILE_LINE_MAX + 1 && line[n - 1] == '\r') {
        n--;
    }

    *bad = NULL;

    if (nul) {
        *bad = "holds a NUL byte";

    } else if (n > OCS_USERFILE_LINE_MAX) {
        *bad = "is longer than 1023 bytes";
    }

    /* nothing of a refused line is parsed */
    if (*bad != NULL) {
        n = 0;
    }

    line[n] = '\0';
    *len = n;

    return 1;
}


int
ocs_userfile_lookup(const char *path, const char *name, size_t len,
    ocs_userfile_entry_t *entry, ocs_err_t *err)
{
    int              rc, byuser, usable;
    FILE            *f;
    size_t           n, lineno;
    const char      *bad;
    ocs_username_t   parsed;
    char             line[OCS_USERFILE_LINE_MAX + 2];

    memset(entry, 0, sizeof(ocs_userfile_entry_t));

    if (ocs_username_parse(name, len, &parsed) != OCS_OK) {
        return ocs_err(err, OCS_ERR_INVALID, "bad user name");
    }

    f = fopen(path, "re");
    if (f == NULL) {
        return ocs_err(err, OCS_ERR_SYS, "cannot open \"%s\": %s", path,
                       strerror(errno));
    }

    byuser = 0;
    usable = 0;
    lineno = 0;

    while (ocs_userfile_line(f, line, &n, &bad)) {
        lineno++;

        if (!ocs_userfile_check(line, n, &bad)) {
            continue;
        }

        if (bad != NULL) {
            /* the first is reported; a user after it is still found */
            if (entry->bad_lines++ == 0) {
                entry->bad_line = lineno;
                entry->bad = bad;
            }

            continue;
        }

        if (ocs_userfile_match(line, name, len, &parsed, entry, &usable,
                               &byuser))
        {
            break;
        }
    }

    if (ferror(f)) {
        rc = ocs_err(err, OCS_ERR_SYS, "cannot read \"%s\"", path);
        goto cleanup;
    }

    if (byuser) {
        entry->found = 1;
    }

    rc = usable ? OCS_OK
                : ocs_err(err, OCS_ERR_INVALID,
                          "\"%s\" has no line with a usable hash", path);

cleanup:

    (void) fclose(f);
    ocs_wipe(line, sizeof(line));

    return rc;
}


/*
 * Whether a line (n bytes) is to be read: 0 for a blank line or a
 * comment, else 1, with *bad (when the reader has not set it already)
 * saying why the line cannot be right, NULL when it can.
 */
static int
ocs_userfile_check(const char *line, size_t n, const char **bad)
{
    const char  *colon;

    if (*bad != NULL) {
        return 1;
    }

    if (line[0] == '#' || strspn(line, " \t") == n) {
        return 0;
    }

    colon = strchr(line, ':');

    if (colon == NULL) {
        *bad = "has no \":\" after the name";

    } else if (colon == line) {
        *bad = "has an empty name";

    } else if (colon - line > OCS_NAME_MAX) {
        *bad = "has a name longer than 256 bytes";
    }

    return 1;
}


/*
 * One sound line "name:hash[:options]" against the name looked up
 * (len bytes; parsed, its parts): the first usable hash is the decoy
 * (*usable), and the line of the name, or else the first of its user
 * part (*byuser), fills entry.  A name with an unusable hash is marked
 * so.  Returns 1 when the name itself is found (the search ends), else
 * 0.
 */
static int
ocs_userfile_match(const char *line, const char *name, size_t len,
    const ocs_username_t *parsed, ocs_userfile_entry_t *entry, int *usable,
    int *byuser)
{
    size_t       nlen, hlen;
    const char  *hash;

    nlen = (size_t) (strchr(line, ':') - line);
    hash = line + nlen + 1;
    hlen = strcspn(hash, ":");

    if (!ocs_password_usable(hash, hlen)) {
        if (nlen == len && strncasecmp(line, name, len) == 0) {
            entry->unusable = 1;
        }

        return 0;
    }

    if (!*usable) {
        /* the first usable hash is the decoy for unknown names */
        memcpy(entry->hash, hash, hlen);
        entry->hash[hlen] = '\0';
        *usable = 1;
    }

    if (nlen == len && strncasecmp(line, name, len) == 0) {
        entry->found = 1;

    } else if (parsed->domain != NULL && !*byuser
               && nlen == parsed->user_len
               && strncasecmp(line, parsed->user, nlen) == 0)
    {
        *byuser = 1;

    } else {
        return 0;
    }

    memcpy(entry->name, line, nlen);
    entry->name[nlen] = '\0';
    memcpy(entry->hash, hash, hlen);
    entry->hash[hlen] = '\0';
    ocs_userfile_options(hash + hlen, entry);

    return entry->found;
}
