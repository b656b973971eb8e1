/*
 * Conference keys in mod_auth_ocs: AuthType OCS-Conference.  A
 * participant who is not in the directory but holds a conference key
 * reaches that conference's content, and only that.  Clients prove the
 * key with HTTP Digest (RFC 7616) on every request; a participant's
 * ticket from the join page (ocs_ap_conference_join.c) opens the same
 * paths.  The decisions are the core's (ocs_digest.h); this file reads
 * the key file when the directive is read, hands the core the request,
 * the key ring and the nonce store, and answers as nginx's
 * ngx_http_ocs_auth_conference.c does:
 *
 * 401 with one Digest challenge per algorithm (strongest first) for no
 * or a wrong key, stale=true for a right key on an old nonce (or one
 * whose nc window the store no longer holds); 400 for a header that
 * does not parse or is not for this directory (realm, uri, algorithm);
 * 403 for a right key on another conference's path; 429 with
 * Retry-After while the lockout holds the id from the client's address.
 */

#include "mod_auth_ocs.h"

#include <apr_thread_proc.h>

#include <ocs/ocs_conf.h>
#include <ocs/ocs_pages.h>


#define OCS_AP_CONF_KEYS_MAX     (4 * 1024 * 1024)
#define OCS_AP_CONF_REALM        "conference"
#define OCS_AP_CONF_NONCE        300

/* the request note that carries a proof across internal redirects */
#define OCS_AP_CONF_PROVED       "ocs-conference-proved"


static const char *ocs_ap_conference_load(cmd_parms *cmd, const char *file,
    char *text, size_t len, apr_array_header_t *realms);
static void ocs_ap_conference_realms(apr_pool_t *p, const char *text,
    size_t len, apr_array_header_t *out);
static apr_status_t ocs_ap_conference_wipe(void *data);
static int ocs_ap_conference_setup(request_rec *r, ocs_digest_conf_t *dc);
static int ocs_ap_conference_key(request_rec *r, ocs_digest_conf_t *dc,
    const char *h);
static int ocs_ap_conference_challenge(request_rec *r, ocs_digest_conf_t *dc,
    int stale);
static int ocs_ap_conference_pass(request_rec *r, const ocs_conference_t *c,
    const char *account, size_t len);
static int ocs_ap_conference_as(request_rec *r, const char *id, size_t len);
static const char *ocs_ap_conference_proved(request_rec *r);
static ocs_digest_hashes_t *ocs_ap_conference_hashes(void);
static void ocs_ap_conference_hashes_free(void *data);


/* one hashing context per thread (ocs_digest_hashes_t: one at a time) */
static apr_threadkey_t  *ocs_ap_conference_hashes_key;


/* OCSConferenceKeys file */
const char *
ocs_ap_conference_keys(cmd_parms *cmd, void *mconfig, const char *arg)
{
    char                      *text;
    size_t                     len;
    const char                *msg;
    ocs_ap_conference_dir_t   *conf = &ocs_ap_cmd_dir(mconfig)->conference;
    ocs_ap_conference_keys_t  *keys;

    if (conf->keys != NULL) {
        return "OCSConferenceKeys is duplicate";
    }

    msg = ocs_ap_read_conf_file(cmd, arg, OCS_AP_CONF_KEYS_MAX, 1, &text,
                                &len);
    if (msg != NULL) {
        return msg;
    }

    keys = apr_pcalloc(cmd->pool, sizeof(ocs_ap_conference_keys_t));
    keys->file = ap_server_root_relative(cmd->pool, arg);
    keys->realms = apr_array_make(cmd->pool, 1,
                                  sizeof(ocs_ap_conference_realm_t));

    msg = ocs_ap_conference_load(cmd, keys->file, text, len, keys->realms);

    ocs_wipe(text, len);

    if (msg != NULL) {
        return msg;
    }

    /* the HA1s are as good as the keys to a Digest client */
    apr_pool_cleanup_register(cmd->pool, keys->realms, ocs_ap_conference_wipe,
                              apr_pool_cleanup_null);

    conf->keys = keys;

    return NULL;
}


/*
 * Every realm the file names, each parsed by the core on its own: the
 * core checks every line (a line's fields are checked for its own realm)
 * and refuses an id twice in a realm.
 */
static const char *
ocs_ap_conference_load(cmd_parms *cmd, const char *file, char *text,
    size_t len, apr_array_header_t *realms)
{
    int                         i, rc;
    size_t                      n;
    ocs_err_t                   err;
    const char                 *realm;
    apr_array_header_t         *names;
    ocs_ap_conference_realm_t  *cr;

    names = apr_array_make(cmd->temp_pool, 4, sizeof(const char *));

    ocs_ap_conference_realms(cmd->temp_pool, text, len, names);

    if (names->nelts == 0) {
        /* a file of no conference: its syntax is still checked */
        *(const char **) apr_array_push(names) = "";
    }

    for (i = 0; i < names->nelts; i++) {
        realm = ((const char **) names->elts)[i];

        rc = ocs_conference_parse(text, len, realm, strlen(realm), NULL, 0,
                                  &n, &err);

        if (rc == OCS_ERR_SPACE || (rc == OCS_OK && n == 0)) {
            cr = apr_array_push(realms);
            cr->realm = apr_pstrdup(cmd->pool, realm);
            cr->confs = apr_pcalloc(cmd->pool,
                                    (n ? n : 1) * sizeof(ocs_conference_t));

            rc = ocs_conference_parse(text, len, realm, strlen(realm),
                                      cr->confs, n, &n, &err);
            cr->n = n;
        }

        if (rc != OCS_OK) {
            return apr_psprintf(cmd->pool, "OCSConferenceKeys: \"%s\": %s",
                                file, err.text);
        }
    }

    return NULL;
}


/* the second field of each line that is not blank or a comment */
static void
ocs_ap_conference_realms(apr_pool_t *p, const char *text, size_t len,
    apr_array_header_t *out)
{
    int          i;
    size_t       s, end;
    const char  *c1, *c2, *realm;

    for (s = 0; s < len; s = end + 1) {

        for (end = s; end < len && text[end] != '\n'; end++) {
            /* void */
        }

        if (end == s || text[s] == '#') {
            continue;
        }

        c1 = memchr(text + s, ':', end - s);
        if (c1 == NULL) {
            continue;
        }

        c2 = memchr(c1 + 1, ':', text + end - c1 - 1);
        if (c2 == NULL || c2 - c1 - 1 > OCS_DIGEST_REALM_MAX) {
            continue;
        }

        realm = apr_pstrmemdup(p, c1 + 1, c2 - c1 - 1);

        for (i = 0; i < out->nelts; i++) {
            if (strcmp(((const char **) out->elts)[i], realm) == 0) {
                break;
            }
        }

        if (i == out->nelts) {
            *(const char **) apr_array_push(out) = realm;
        }
    }
}


static apr_status_t
ocs_ap_conference_wipe(void *data)
{
    int                         i;
    apr_array_header_t         *realms = data;
    ocs_ap_conference_realm_t  *cr;

    cr = (ocs_ap_conference_realm_t *) realms->elts;

    for (i = 0; i < realms->nelts; i++) {
        ocs_wipe(cr[i].confs, cr[i].n * sizeof(ocs_conference_t));
    }

    return APR_SUCCESS;
}


/* OCSConferenceRealm text */
const char *
ocs_ap_conference_realm(cmd_parms *cmd, void *mconfig, const char *arg)
{
    const char               *p;
    ocs_ap_conference_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->conference;

    if (arg[0] == '\0' || strlen(arg) > OCS_DIGEST_REALM_MAX) {
        return apr_psprintf(cmd->pool, "OCSConferenceRealm must have 1 to "
                            "%d bytes", OCS_DIGEST_REALM_MAX);
    }

    for (p = arg; *p != '\0'; p++) {
        if ((unsigned char) *p < 0x20 || *p == 0x7f || *p == '"'
            || *p == '\\' || *p == ':')
        {
            return "OCSConferenceRealm may not hold quotes, backslashes, "
                   "colons or control characters";
        }
    }

    conf->realm = arg;

    return NULL;
}


/* OCSConferenceDigest SHA-256 | SHA-512-256 | MD5 ... */
const char *
ocs_ap_conference_digest(cmd_parms *cmd, void *mconfig, const char *args)
{
    int                       algs;
    unsigned                  alg;
    const char               *word;
    ocs_ap_conference_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->conference;

    if (conf->algs != OCS_AP_UNSET) {
        return "OCSConferenceDigest is duplicate";
    }

    algs = 0;

    while (*(word = ap_getword_conf(cmd->temp_pool, &args)) != '\0') {

        for (alg = OCS_DIGEST_MD5; alg <= OCS_DIGEST_SHA512_256; alg <<= 1) {
            if (strcasecmp(word, ocs_digest_alg_name(alg)) == 0) {
                break;
            }
        }

        if (alg > OCS_DIGEST_SHA512_256) {
            return apr_psprintf(cmd->pool, "invalid algorithm \"%s\" in "
                                "OCSConferenceDigest: use \"SHA-256\", "
                                "\"SHA-512-256\" or \"MD5\"", word);
        }

        if (algs & alg) {
            return "OCSConferenceDigest names an algorithm twice";
        }

        if (alg == OCS_DIGEST_MD5) {
            /* a virtual host has no log level yet: the main one's */
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, NULL,
                         "OCSConferenceDigest offers MD5 (%s:%d): a "
                         "captured exchange lets the key be guessed fast; "
                         "only for clients that can do nothing else",
                         cmd->directive->filename,
                         cmd->directive->line_num);
        }

        algs |= (int) alg;
    }

    if (algs == 0) {
        return "OCSConferenceDigest needs at least one algorithm";
    }

    conf->algs = algs;

    return NULL;
}


/* OCSConferenceNonceTimeout time */
const char *
ocs_ap_conference_nonce_timeout(cmd_parms *cmd, void *mconfig,
    const char *arg)
{
    int64_t                   sec;
    ocs_ap_conference_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->conference;

    if (ocs_conf_parse_time(arg, strlen(arg), &sec) != OCS_OK) {
        return apr_psprintf(cmd->pool, "invalid OCSConferenceNonceTimeout "
                            "\"%s\": use a time such as 30s or 5m", arg);
    }

    if (sec < 1) {
        return "OCSConferenceNonceTimeout must be at least 1s";
    }

    conf->nonce_timeout = sec;

    return NULL;
}


void
ocs_ap_conference_dir_init(apr_pool_t *p, ocs_ap_conference_dir_t *conf)
{
    (void) p;

    conf->keys = NULL;
    conf->realm = NULL;
    conf->algs = OCS_AP_UNSET;
    conf->nonce_timeout = OCS_AP_UNSET;
}


void
ocs_ap_conference_dir_merge(apr_pool_t *p, ocs_ap_conference_dir_t *conf,
    const ocs_ap_conference_dir_t *base, const ocs_ap_conference_dir_t *add)
{
    (void) p;

    conf->keys = add->keys ? add->keys : base->keys;
    conf->realm = add->realm ? add->realm : base->realm;
    conf->algs = (add->algs != OCS_AP_UNSET) ? add->algs : base->algs;
    conf->nonce_timeout = (add->nonce_timeout != OCS_AP_UNSET)
                          ? add->nonce_timeout : base->nonce_timeout;
}


void
ocs_ap_conference_child_init(apr_pool_t *p, server_rec *s)
{
    apr_status_t  rv;

    if (ocs_ap_conference_hashes_key != NULL) {
        /* once per child: child_init runs for every virtual host */
        return;
    }

    rv = apr_threadkey_private_create(&ocs_ap_conference_hashes_key,
                                      ocs_ap_conference_hashes_free, p);
    if (rv != APR_SUCCESS) {
        /* every hash then fetches its algorithm: slower, still right */
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     "ocs auth: cannot make a thread key");
        ocs_ap_conference_hashes_key = NULL;
    }
}


const ocs_conference_t *
ocs_ap_conference_list(request_rec *r, size_t *n, const char **realm)
{
    int                         i;
    ocs_ap_conference_dir_t    *conf;
    ocs_ap_conference_realm_t  *cr;

    conf = &ocs_ap_dir(r)->conference;
    *realm = conf->realm ? conf->realm : OCS_AP_CONF_REALM;
    *n = 0;

    if (conf->keys == NULL) {
        return NULL;
    }

    cr = (ocs_ap_conference_realm_t *) conf->keys->realms->elts;

    for (i = 0; i < conf->keys->realms->nelts; i++) {
        if (strcmp(cr[i].realm, *realm) == 0) {
            *n = cr[i].n;
            return cr[i].confs;
        }
    }

    return NULL;
}


/*
 * A request of an AuthType OCS-Conference directory: OK to let it in
 * as the participant, or DONE when the answer went out.
 */
int
ocs_ap_conference_check(request_rec *r)
{
    const char         *h, *id;
    ocs_digest_conf_t   dc;
    ocs_ap_sso_ctx_t   *ctx;

    if (ocs_ap_conference_setup(r, &dc) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the key was proved before an internal redirect: this path too? */
    id = ocs_ap_conference_proved(r);

    if (id != NULL) {
        if (!ocs_conference_ticket_admits(id, strlen(id), dc.confs,
                                          dc.nconfs, r->uri,
                                          strlen(r->uri)))
        {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "ocs auth: conference \"%s\" does not cover "
                          "\"%s\"", id, r->uri);
            return ocs_ap_send_msg(r, HTTP_FORBIDDEN,
                                   OCS_MSG_CONF_NOT_MEMBER, NULL);
        }

        return ocs_ap_conference_as(r, id, strlen(id));
    }

    h = apr_table_get(r->headers_in, "Authorization");

    if (h == NULL || strncasecmp(h, "Digest", 6) != 0
        || (h[6] != '\0' && h[6] != ' '))
    {
        /* a participant's ticket from the join page does as well */
        ctx = ocs_ap_sso_verify(r);
        if (ctx == NULL) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }

        if (ctx->state == OCS_AP_SSO_VALID) {
            return ocs_ap_conference_participant(r, ctx);
        }

        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "ocs auth: no conference key");

        return ocs_ap_conference_challenge(r, &dc, 0);
    }

    return ocs_ap_conference_key(r, &dc, h);
}


/* an Authorization: Digest header, checked and answered */
static int
ocs_ap_conference_key(request_rec *r, ocs_digest_conf_t *dc, const char *h)
{
    int                      verdict;
    size_t                   len;
    int64_t                  left;
    unsigned                 alg;
    ocs_err_t                err;
    const char              *why, *account;
    ocs_digest_cred_t       *cred;
    const ocs_conference_t  *c;

    cred = apr_palloc(r->pool, sizeof(ocs_digest_cred_t));

    if (ocs_digest_parse(h, strlen(h), cred, &err) != OCS_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: malformed Digest header: %s", err.text);
        return ocs_ap_send_msg(r, HTTP_BAD_REQUEST, OCS_MSG_CONF_MALFORMED,
                               NULL);
    }

    verdict = ocs_digest_verify(dc, cred, r->method, strlen(r->method),
                                r->unparsed_uri, strlen(r->unparsed_uri),
                                &c, &alg, &err);

    /*
     * The lockout counts the conference's id however it was named (by
     * id or by its userhash), an unknown one as sent; the key was
     * checked already, but a lock refuses even the right one.
     */
    if (c != NULL) {
        account = c->id;
        len = c->id_len;

    } else {
        account = cred->username.data;
        len = cred->username.len;
    }

    if (account == NULL || len == 0) {
        account = "-";
        len = 1;
    }

    account = apr_pstrmemdup(r->pool, account, len);

    why = NULL;
    left = ocs_ap_conference_guard_locked(r, account, len, &why);

    if (left > 0) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "ocs auth: conference \"%s\" from %s locked for %"
                      APR_INT64_T_FMT " s more (%s)", account,
                      r->useragent_ip, (apr_int64_t) left, why);
        ocs_wipe(cred, sizeof(ocs_digest_cred_t));
        return ocs_ap_conference_locked(r, left);
    }

    ocs_wipe(cred, sizeof(ocs_digest_cred_t));

    switch (verdict) {

    case OCS_DIGEST_PASS:
        return ocs_ap_conference_pass(r, c, account, len);

    case OCS_DIGEST_STALE:
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "ocs auth: conference \"%s\": %s, stale", account,
                      err.text);
        return ocs_ap_conference_challenge(r, dc, 1);

    case OCS_DIGEST_REPLAY:
    case OCS_DIGEST_FAIL:
        ocs_ap_conference_guard_failed(r, account, len);

        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: conference \"%s\" from %s: %s", account,
                      r->useragent_ip, err.text);
        return ocs_ap_conference_challenge(r, dc, 0);

    default:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: Digest header refused: %s", err.text);
        return ocs_ap_send_msg(r, HTTP_BAD_REQUEST, OCS_MSG_CONF_WRONG_URI,
                               NULL);
    }
}


/*
 * A valid ticket at a conference directory: a participant's on its own
 * conference's paths goes on as the participant; anything else is
 * refused, a user's ticket included (keys alone open conferences).  In
 * any other directory a participant's is refused (no single sign-on to
 * other services).
 */
int
ocs_ap_conference_participant(request_rec *r, ocs_ap_sso_ctx_t *ctx)
{
    size_t                   n;
    const char              *realm;
    ocs_ticket_t            *t;
    const ocs_conference_t  *confs;

    t = &ctx->ticket;
    n = 0;
    confs = NULL;

    if (ocs_ap_auth_mode(r) == OCS_AP_AUTH_CONFERENCE) {
        confs = ocs_ap_conference_list(r, &n, &realm);
    }

    if (ocs_conference_ticket_admits(t->conference, t->conference_len,
                                     confs, n, r->uri, strlen(r->uri)))
    {
        if (n == 0) {
            return OK;
        }

        /* a participant's request carries no credentials upstream */
        apr_table_unset(r->headers_in, "Authorization");
        ocs_ap_sso_set_user(r, t);

        return OK;
    }

    if (t->conference_len == 0) {
        /* a user at a conference's directory: keys only */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "ocs auth: user \"%s\" has no conference key",
                      t->user);

        return HTTP_FORBIDDEN;
    }

    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  "ocs auth: participant of conference \"%s\" refused on "
                  "\"%s\"", t->conference, r->uri);

    return ocs_ap_send_msg(r, HTTP_FORBIDDEN, OCS_MSG_CONF_NOT_MEMBER, NULL);
}


static int
ocs_ap_conference_setup(request_rec *r, ocs_digest_conf_t *dc)
{
    ocs_ap_conference_dir_t  *conf;

    conf = &ocs_ap_dir(r)->conference;

    dc->confs = ocs_ap_conference_list(r, &dc->nconfs, &dc->realm);
    dc->realm_len = strlen(dc->realm);
    dc->algs = (conf->algs != OCS_AP_UNSET) ? (unsigned) conf->algs
                                            : OCS_DIGEST_SHA256;
    dc->max_age = (conf->nonce_timeout != OCS_AP_UNSET)
                  ? conf->nonce_timeout : OCS_AP_CONF_NONCE;
    dc->ring = ocs_ap_sso_keyring(r);
    dc->cache = ocs_ap_sso_cache(r);
    dc->store = ocs_ap_store(r->server, OCS_AP_STORE_CONFERENCE);
    dc->hashes = ocs_ap_conference_hashes();
    dc->env = ocs_ap_env();

    if (conf->keys == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: AuthType OCS-Conference needs "
                      "\"OCSConferenceKeys\"");
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    if (dc->nconfs == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "ocs auth: \"%s\" has no conference of realm \"%s\"",
                      conf->keys->file, dc->realm);
    }

    if (dc->ring == NULL || dc->ring->n == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ALERT, 0, r,
                      "ocs auth: no ticket keys to seal nonces with");
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    return OK;
}


/* 401 with one challenge per algorithm, the strongest first */
static int
ocs_ap_conference_challenge(request_rec *r, ocs_digest_conf_t *dc, int stale)
{
    int        rc;
    char      *value;
    size_t     len;
    unsigned   alg;
    ocs_err_t  err;
    char       nonce[OCS_DIGEST_NONCE_LEN + 1];

    rc = ocs_digest_nonce_issue(dc, nonce, sizeof(nonce), &err);

    if (rc == OCS_ERR_SPACE) {
        /* the client will be answered stale: better than no answer */
        ap_log_rerror(APLOG_MARK, APLOG_CRIT, 0, r,
                      "ocs auth: %s: make OCSConferenceStore larger",
                      err.text);

    } else if (rc != OCS_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_ALERT, 0, r,
                      "ocs auth: no nonce: %s", err.text);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    for (alg = ocs_digest_alg_next(dc->algs, 0);
         alg != 0;
         alg = ocs_digest_alg_next(dc->algs, alg))
    {
        value = apr_palloc(r->pool, OCS_DIGEST_CHALLENGE_MAX);

        len = ocs_digest_challenge(dc, alg, nonce, stale != 0, value,
                                   OCS_DIGEST_CHALLENGE_MAX);
        if (len == 0) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }

        apr_table_addn(r->err_headers_out, "WWW-Authenticate", value);
    }

    return ocs_ap_send_msg(r, HTTP_UNAUTHORIZED, OCS_MSG_CONF_KEY_REQUIRED,
                           NULL);
}


/*
 * The key is right: on the conference's own paths the request goes on
 * as its participant, without the Authorization header (the proxy's).
 */
static int
ocs_ap_conference_pass(request_rec *r, const ocs_conference_t *c,
    const char *account, size_t len)
{
    if (!ocs_conference_covers(c, r->uri, strlen(r->uri))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs auth: conference \"%s\" does not cover \"%s\"",
                      c->id, r->uri);
        return ocs_ap_send_msg(r, HTTP_FORBIDDEN, OCS_MSG_CONF_NOT_MEMBER,
                               NULL);
    }

    ocs_ap_conference_guard_succeeded(r, account, len);

    apr_table_unset(r->headers_in, "Authorization");
    apr_table_setn(r->notes, OCS_AP_CONF_PROVED,
                   apr_pstrmemdup(r->pool, c->id, c->id_len));

    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "ocs auth: conference \"%s\" key accepted", c->id);

    return ocs_ap_conference_as(r, c->id, c->id_len);
}


/* the request goes on as the participant: OCS_USER, OCS_AUTH_METHOD */
static int
ocs_ap_conference_as(request_rec *r, const char *id, size_t len)
{
    time_t             now;
    ocs_conference_t   c;
    ocs_ap_sso_ctx_t  *ctx;

    ctx = ocs_ap_sso_verify(r);
    if (ctx == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    if (len > OCS_CONF_ID_MAX) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    memset(&ctx->ticket, 0, sizeof(ocs_ticket_t));

    c.id_len = len;
    memcpy(c.id, id, len);
    c.id[len] = '\0';

    now = apr_time_sec(apr_time_now());

    ctx->ticket.user_len = ocs_conference_user(&c, ctx->ticket.user);
    ctx->ticket.methods = OCS_METHOD_DIGEST | OCS_METHOD_ANONYMOUS;
    ctx->ticket.auth_time = now;
    ctx->ticket.expires = now;
    ctx->ticket.last_seen = now;
    memcpy(ctx->ticket.conference, id, len);
    ctx->ticket.conference_len = len;
    ctx->state = OCS_AP_SSO_VALID;
    ctx->refresh = 0;

    ocs_ap_sso_set_user(r, &ctx->ticket);

    return OK;
}


/* the id proved by this request or one it came from, or NULL */
static const char *
ocs_ap_conference_proved(request_rec *r)
{
    const char  *id;

    for ( /* void */ ; r != NULL; r = r->main ? r->main : r->prev) {
        id = apr_table_get(r->notes, OCS_AP_CONF_PROVED);
        if (id != NULL) {
            return id;
        }
    }

    return NULL;
}


/* 429 with Retry-After, as a locked sign-in gets */
int
ocs_ap_conference_locked(request_rec *r, int64_t left)
{
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_psprintf(r->pool, "%" APR_INT64_T_FMT,
                                (apr_int64_t) left));

    return ocs_ap_send_msg(r, HTTP_TOO_MANY_REQUESTS, OCS_MSG_CONF_LOCKED,
                           NULL);
}


/* a conference's wrong keys count as a user's passwords (OCSLockout) */
int64_t
ocs_ap_conference_guard_locked(request_rec *r, const char *account,
    size_t len, const char **why)
{
    return ocs_ap_guard_locked(r, account, len, 0, why);
}


void
ocs_ap_conference_guard_failed(request_rec *r, const char *account,
    size_t len)
{
    ocs_ap_guard_failed(r, account, len, 0);
}


void
ocs_ap_conference_guard_succeeded(request_rec *r, const char *account,
    size_t len)
{
    ocs_ap_guard_succeeded(r, account, len, 0);
}


/* this thread's hashing context, or NULL (the core fetches per hash) */
static ocs_digest_hashes_t *
ocs_ap_conference_hashes(void)
{
    void       *data;
    ocs_err_t   err;

    if (ocs_ap_conference_hashes_key == NULL) {
        return NULL;
    }

    data = NULL;
    apr_threadkey_private_get(&data, ocs_ap_conference_hashes_key);

    if (data == NULL) {
        data = ocs_digest_hashes_create(&err);

        if (data == NULL) {
            return NULL;
        }

        apr_threadkey_private_set(data, ocs_ap_conference_hashes_key);
    }

    return data;
}


static void
ocs_ap_conference_hashes_free(void *data)
{
    ocs_digest_hashes_destroy(data);
}
