/*
 * mod_auth_ocs HTTP plumbing: the HTTPS policy, headers and cookies in
 * and out, the proxy's own responses, form bodies, configuration files.
 * Every decision is the core's; this file only moves bytes between
 * Apache's request and the core's plain C types.
 */

#include "mod_auth_ocs.h"

#include <http_ssl.h>
#include <ap_expr.h>
#include <apr_file_io.h>
#include <apr_file_info.h>

#include <ocs/ocs_conf.h>
#include <ocs/ocs_pages.h>
#include <ocs/ocs_login.h>


static int ocs_ap_hdr_get(void *data, const char *name, size_t name_len,
    size_t n, const char **value, size_t *value_len);
static int ocs_ap_hsts_fixup(request_rec *r);


const char *
ocs_ap_http_https_port(cmd_parms *cmd, void *mconfig, const char *arg)
{
    char               *end;
    apr_int64_t         port;
    ocs_ap_http_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->http;

    port = apr_strtoi64(arg, &end, 10);

    if (*end != '\0' || ocs_conf_check_port(port) != OCS_OK) {
        return apr_psprintf(cmd->pool, "invalid port \"%s\" in %s: use a "
                            "number from 1 to 65535", arg,
                            cmd->directive->directive);
    }

    conf->https_port = (int) port;

    return NULL;
}


const char *
ocs_ap_http_hsts(cmd_parms *cmd, void *mconfig, const char *age,
    const char *sub)
{
    char               *p;
    size_t              n;
    int64_t             sec;
    ocs_ap_http_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->http;

    if (strcmp(age, "off") == 0 && sub == NULL) {
        conf->hsts = "";
        return NULL;
    }

    if (ocs_conf_parse_time(age, strlen(age), &sec) != OCS_OK) {
        return apr_psprintf(cmd->pool, "invalid OCSHSTS max-age \"%s\": use "
                            "a time such as 180d, or off", age);
    }

    if (sub != NULL && strcmp(sub, "includeSubDomains") != 0) {
        return apr_psprintf(cmd->pool, "invalid OCSHSTS parameter \"%s\": "
                            "only includeSubDomains may follow the time",
                            sub);
    }

    p = apr_palloc(cmd->pool, OCS_CONF_HSTS_MAX);

    if (ocs_conf_hsts(sec, sub != NULL, p, OCS_CONF_HSTS_MAX, &n) != OCS_OK) {
        return "OCSHSTS: cannot format the header";
    }

    conf->hsts = p;

    return NULL;
}


const char *
ocs_ap_http_site_name(cmd_parms *cmd, void *mconfig, const char *arg)
{
    const char         *why;
    ocs_ap_http_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->http;

    if (strcmp(arg, "off") == 0) {
        conf->site_name = "";
        return NULL;
    }

    why = ocs_conf_check_site_name(arg, strlen(arg));
    if (why != NULL) {
        return apr_psprintf(cmd->pool, "invalid OCSSiteName \"%s\": %s", arg,
                            why);
    }

    conf->site_name = arg;

    return NULL;
}


const char *
ocs_ap_http_site_logo(cmd_parms *cmd, void *mconfig, const char *arg)
{
    const char         *bad;
    ocs_ap_http_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->http;

    if (strcmp(arg, "off") == 0) {
        conf->site_logo = "";
        return NULL;
    }

    if (ocs_conf_check_site_logo(arg, strlen(arg), &bad) != OCS_OK) {
        return apr_psprintf(cmd->pool, "invalid OCSSiteLogo \"%s\": %s", arg,
                            bad ? bad : OCS_CONF_SITE_LOGO_USAGE);
    }

    conf->site_logo = arg;

    return NULL;
}


const char *
ocs_ap_http_page_template(cmd_parms *cmd, void *mconfig, const char *arg)
{
    char               *text;
    size_t              len;
    const char         *err;
    ocs_ap_http_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->http;

    if (strcmp(arg, "off") == 0) {
        conf->layout = "";
        return NULL;
    }

    err = ocs_ap_read_conf_file(cmd, arg, 64 * 1024, 0, &text, &len);
    if (err != NULL) {
        return err;
    }

    if (strstr(text, "{{content}}") == NULL) {
        return apr_psprintf(cmd->pool, "OCSPageTemplate \"%s\" has no "
                            "{{content}}: the page's body goes there", arg);
    }

    conf->layout = text;

    return NULL;
}


void
ocs_ap_http_dir_init(apr_pool_t *p, ocs_ap_http_dir_t *conf)
{
    (void) p;

    conf->https_port = OCS_AP_UNSET;
    conf->hsts = NULL;
    conf->site_name = NULL;
    conf->site_logo = NULL;
    conf->layout = NULL;
}


void
ocs_ap_http_dir_merge(apr_pool_t *p, ocs_ap_http_dir_t *conf,
    const ocs_ap_http_dir_t *base, const ocs_ap_http_dir_t *add)
{
    (void) p;

    conf->https_port = (add->https_port != OCS_AP_UNSET) ? add->https_port
                                                         : base->https_port;
    conf->hsts = add->hsts ? add->hsts : base->hsts;
    conf->site_name = add->site_name ? add->site_name : base->site_name;
    conf->site_logo = add->site_logo ? add->site_logo : base->site_logo;
    conf->layout = add->layout ? add->layout : base->layout;
}


void
ocs_ap_http_register_hooks(apr_pool_t *p)
{
    (void) p;

    ap_hook_fixups(ocs_ap_hsts_fixup, NULL, NULL, APR_HOOK_MIDDLE);
}


/* HSTS goes on every https response of a directory that asks for it */
static int
ocs_ap_hsts_fixup(request_rec *r)
{
    ocs_ap_dir_t  *dir;

    dir = ocs_ap_dir(r);

    if (dir == NULL || dir->http.hsts == NULL || dir->http.hsts[0] == '\0'
        || !ocs_ap_is_https(r) || r->main != NULL)
    {
        return DECLINED;
    }

    /* as on nginx: protected directories and our pages only */
    if (ocs_ap_auth_mode(r) == OCS_AP_AUTH_OFF && !ocs_ap_is_page(r)) {
        return DECLINED;
    }

    apr_table_setn(r->err_headers_out, "Strict-Transport-Security",
                   dir->http.hsts);

    return DECLINED;
}


const ocs_env_t *
ocs_ap_env(void)
{
    return ocs_env_default();
}


int
ocs_ap_is_https(request_rec *r)
{
    return ap_ssl_conn_is_ssl(r->connection);
}


int
ocs_ap_refuse_plain(request_rec *r)
{
    int            port;
    const char    *host, *url;
    ocs_ap_dir_t  *dir;

    if (ocs_ap_is_https(r)) {
        return DECLINED;
    }

    dir = ocs_ap_dir(r);
    host = r->hostname;

    /* only the client's Host counts: not the ServerName Apache falls to */
    if (apr_table_get(r->headers_in, "Host") == NULL) {
        host = NULL;
    }

    if ((r->method_number != M_GET) || host == NULL || host[0] == '\0') {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "ocs: refused a %s request over plain http",
                      r->method);

        /* never read a body that may hold credentials */
        r->connection->keepalive = AP_CONN_CLOSE;

        return ocs_ap_send_msg(r, HTTP_FORBIDDEN, OCS_MSG_HTTPS_ONLY, NULL);
    }

    port = (dir->http.https_port != OCS_AP_UNSET) ? dir->http.https_port
                                                  : 443;

    url = (port == 443)
          ? apr_pstrcat(r->pool, "https://", host, r->unparsed_uri, NULL)
          : apr_psprintf(r->pool, "https://%s:%d%s", host, port,
                         r->unparsed_uri);

    return ocs_ap_redirect(r, HTTP_MOVED_PERMANENTLY, url);
}


void
ocs_ap_hdr(request_rec *r, ocs_hdr_t *hdr)
{
    hdr->get = ocs_ap_hdr_get;
    hdr->data = r;
}


/* the n-th value (from 0) of the request header name */
static int
ocs_ap_hdr_get(void *data, const char *name, size_t name_len, size_t n,
    const char **value, size_t *value_len)
{
    int                      i;
    request_rec             *r = data;
    const apr_array_header_t *arr;
    const apr_table_entry_t  *e;

    arr = apr_table_elts(r->headers_in);
    e = (const apr_table_entry_t *) arr->elts;

    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key == NULL || strlen(e[i].key) != name_len
            || strncasecmp(e[i].key, name, name_len) != 0)
        {
            continue;
        }

        if (n-- == 0) {
            *value = e[i].val;
            *value_len = strlen(e[i].val);
            return OCS_OK;
        }
    }

    return OCS_ERR_NOTFOUND;
}


int
ocs_ap_wants_page(request_rec *r)
{
    ocs_hdr_t  hdr;

    ocs_ap_hdr(r, &hdr);

    return ocs_web_wants_page(&hdr, r->method_number == M_GET);
}


int
ocs_ap_cookie_next(request_rec *r, const char *name,
    ocs_ap_cookie_iter_t *it, const char **value, size_t *len)
{
    const apr_array_header_t *arr;
    const apr_table_entry_t  *e;

    arr = apr_table_elts(r->headers_in);
    e = (const apr_table_entry_t *) arr->elts;

    for ( /* void */ ; it->header < arr->nelts; it->header++, it->pos = 0) {
        if (e[it->header].key == NULL
            || strcasecmp(e[it->header].key, "Cookie") != 0)
        {
            continue;
        }

        if (ocs_cookie_next(e[it->header].val, strlen(e[it->header].val),
                            name, strlen(name), &it->pos, value, len)
            == OCS_OK)
        {
            return OK;
        }
    }

    return DECLINED;
}


size_t
ocs_ap_cookie_strip(request_rec *r, const ocs_cookie_name_t *names,
    size_t n)
{
    int                       i;
    char                     *out;
    size_t                    len, written, removed, total;
    apr_array_header_t       *keep;
    const apr_array_header_t *arr;
    const apr_table_entry_t  *e;

    arr = apr_table_elts(r->headers_in);
    e = (const apr_table_entry_t *) arr->elts;
    keep = apr_array_make(r->pool, 2, sizeof(char *));
    total = 0;

    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key == NULL || strcasecmp(e[i].key, "Cookie") != 0) {
            continue;
        }

        len = strlen(e[i].val);
        out = apr_palloc(r->pool, len + 1);

        if (ocs_cookie_remove(e[i].val, len, names, n, out, len + 1,
                              &written, &removed)
            != OCS_OK)
        {
            /* a header the core cannot read goes whole */
            total++;
            continue;
        }

        out[written] = '\0';
        total += removed;

        /* a header left empty goes; the others keep their order */
        if (removed == 0) {
            *(const char **) apr_array_push(keep) = e[i].val;

        } else if (written) {
            *(char **) apr_array_push(keep) = out;
        }
    }

    if (total == 0) {
        return 0;
    }

    apr_table_unset(r->headers_in, "Cookie");

    for (i = 0; i < keep->nelts; i++) {
        apr_table_addn(r->headers_in, "Cookie", ((char **) keep->elts)[i]);
    }

    return total;
}


int
ocs_ap_cookie_set(request_rec *r, const ocs_cookie_t *cookie)
{
    char    *out;
    size_t   len, n;

    len = ocs_cookie_format_len(cookie);
    out = apr_palloc(r->pool, len + 1);

    if (ocs_cookie_format(cookie, ocs_ap_env(), out, len + 1, &n) != OCS_OK)
    {
        ap_log_rerror(APLOG_MARK, APLOG_ALERT, 0, r,
                      "ocs: cannot format the cookie \"%.*s\"",
                      (int) cookie->name_len, cookie->name);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    out[n] = '\0';
    apr_table_addn(r->err_headers_out, "Set-Cookie", out);

    return OK;
}


int
ocs_ap_cookie_clear(request_rec *r, const char *name, const char *domain,
    const char *same_site)
{
    ocs_cookie_t  c;

    memset(&c, 0, sizeof(ocs_cookie_t));
    c.name = name;
    c.name_len = strlen(name);
    c.value = "";
    c.domain = domain;
    c.domain_len = domain ? strlen(domain) : 0;
    c.path = "/";
    c.path_len = 1;
    c.same_site = same_site;
    c.same_site_len = strlen(same_site);
    c.max_age = 0;

    return ocs_ap_cookie_set(r, &c);
}


int
ocs_ap_send(request_rec *r, int status, const char *type, const char *body,
    size_t len)
{
    const ocs_web_header_t  *sh;

    /* no caching, no frames, no other origins: ocs_web.h */
    for (sh = ocs_web_security_headers; sh->name != NULL; sh++) {
        apr_table_setn(r->err_headers_out, sh->name, sh->value);
    }

    /* an answer from check_authn never reaches the fixup that adds it */
    (void) ocs_ap_hsts_fixup(r);

    r->status = status;
    ap_set_content_type(r, type);
    ap_set_content_length(r, (apr_off_t) len);

    if (!r->header_only && len) {
        ap_rwrite(body, (int) len, r);
    }

    ap_rflush(r);

    return DONE;
}


int
ocs_ap_send_text(request_rec *r, int status, const char *text)
{
    return ocs_ap_send(r, status, "text/plain; charset=utf-8", text,
                       strlen(text));
}


int
ocs_ap_send_page(request_rec *r, int status, int page, const char *own,
    ocs_tpl_var_t *vars, size_t nvars)
{
    char           *html;
    size_t          len, n, need;
    const char     *tpl;
    size_t          tpl_len;
    ocs_tpl_var_t  *all;
    ocs_ap_dir_t   *dir;

    dir = ocs_ap_dir(r);

    all = apr_palloc(r->pool,
                     (nvars + 1 + OCS_PAGE_SITE_VARS) * sizeof(ocs_tpl_var_t));

    /* the first of a name wins: the page's own variables come first */
    memcpy(all, vars, nvars * sizeof(ocs_tpl_var_t));
    n = nvars;

    ocs_page_site(dir->http.site_name, dir->http.site_name
                                       ? strlen(dir->http.site_name) : 0,
                  dir->http.site_logo, dir->http.site_logo
                                       ? strlen(dir->http.site_logo) : 0,
                  all + n);
    n += OCS_PAGE_SITE_VARS;

    if (own != NULL && own[0] != '\0') {
        tpl = own;
        tpl_len = strlen(own);

    } else {
        all[n].name = "content";
        all[n].value = ocs_page(page, &len);
        all[n].len = len;
        all[n].raw = OCS_TPL_NESTED;
        n++;

        if (dir->http.layout != NULL && dir->http.layout[0] != '\0') {
            tpl = dir->http.layout;
            tpl_len = strlen(tpl);

        } else {
            tpl = ocs_page(OCS_PAGE_LAYOUT, &tpl_len);
        }
    }

    (void) ocs_tpl_render(tpl, tpl_len, all, n, NULL, 0, &need);

    html = apr_palloc(r->pool, need + 1);

    if (ocs_tpl_render(tpl, tpl_len, all, n, html, need, &len) != OCS_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_ALERT, 0, r,
                      "ocs: cannot render page %d", page);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    return ocs_ap_send(r, status, "text/html; charset=utf-8", html, len);
}


int
ocs_ap_send_msg(request_rec *r, int status, int id, const char *text)
{
    ocs_tpl_var_t     vars[2];
    const ocs_msg_t  *msg;

    msg = ocs_msg(id);
    if (msg == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ALERT, 0, r, "ocs: no message %d",
                      id);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    if (text == NULL || text[0] == '\0') {
        text = msg->text;
    }

    if (msg->plain) {
        return ocs_ap_send_text(r, status, text);
    }

    vars[0] = (ocs_tpl_var_t) { "title", msg->title, msg->title_len, 0 };
    vars[1] = (ocs_tpl_var_t) { "message", text, strlen(text), 0 };

    return ocs_ap_send_page(r, status, OCS_PAGE_MESSAGE, NULL, vars, 2);
}


int
ocs_ap_redirect(request_rec *r, int status, const char *location)
{
    const char  *abs;

    /* as nginx does for a redirect to a path: absolute, this host */
    abs = (location[0] == '/')
          ? ap_construct_url(r->pool, location, r)
          : location;

    apr_table_setn(r->headers_out, "Location", abs);

    return ocs_ap_send_msg(r, status, OCS_MSG_REDIRECTING, NULL);
}


#define OCS_AP_FORM_KEY  "ocs_ap_read_form"

typedef struct {
    char                *body;
    size_t               len;
} ocs_ap_form_read_t;

int
ocs_ap_read_form(request_rec *r, size_t max, char **body, size_t *len)
{
    int                  rc;
    char                *buf;
    long                 n;
    size_t               got;
    const char          *type, *cl, *te;
    ocs_ap_form_read_t  *read;

    *body = "";
    *len = 0;

    if (apr_pool_userdata_get((void **) &read, OCS_AP_FORM_KEY, r->pool)
        == APR_SUCCESS && read != NULL)
    {
        *body = read->body;
        *len = read->len;
        return OK;
    }

    type = apr_table_get(r->headers_in, "Content-Type");
    cl = apr_table_get(r->headers_in, "Content-Length");
    te = apr_table_get(r->headers_in, "Transfer-Encoding");

    /*
     * Only a form's own encoding: a text/plain or untyped body is what a
     * cross-site "simple request" can send, and nothing here reads one.
     * An empty body may come untyped.
     */
    if ((type != NULL && !ocs_form_type_ok(type, strlen(type)))
        || (type == NULL && ((cl != NULL && strcmp(cl, "0") != 0)
                             || te != NULL)))
    {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "ocs: form body of type \"%s\" refused",
                      type ? type : "(none)");
        return HTTP_UNSUPPORTED_MEDIA_TYPE;
    }

    if (cl != NULL && apr_atoi64(cl) > (apr_int64_t) max) {
        r->connection->keepalive = AP_CONN_CLOSE;
        return HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK);
    if (rc != OK) {
        return rc;
    }

    if (!ap_should_client_block(r)) {
        return OK;
    }

    buf = apr_palloc(r->pool, max + 1);
    got = 0;

    for ( ;; ) {
        n = ap_get_client_block(r, buf + got, max + 1 - got);

        if (n < 0) {
            ocs_wipe(buf, got);
            r->connection->keepalive = AP_CONN_CLOSE;
            return HTTP_BAD_REQUEST;
        }

        if (n == 0) {
            break;
        }

        got += (size_t) n;

        if (got > max) {
            /* refused unread, but it may hold a password: wipe it */
            ocs_wipe(buf, got);
            r->connection->keepalive = AP_CONN_CLOSE;
            return HTTP_REQUEST_ENTITY_TOO_LARGE;
        }
    }

    buf[got] = '\0';
    *body = buf;
    *len = got;

    /* for a later call in this request */
    read = apr_palloc(r->pool, sizeof(ocs_ap_form_read_t));
    read->body = buf;
    read->len = got;
    (void) apr_pool_userdata_setn(read, OCS_AP_FORM_KEY, NULL, r->pool);

    return OK;
}


int
ocs_ap_form_field(request_rec *r, const char *body, size_t len,
    const char *name, size_t max, char **value, size_t *value_len)
{
    int     rc;
    char   *out;
    size_t  n;

    out = apr_palloc(r->pool, max + 1);

    rc = ocs_form_field(body, len, name, out, max + 1, &n);

    if (rc != OCS_OK) {
        /* a half-decoded password must not stay behind */
        ocs_wipe(out, max + 1);
        return rc == OCS_ERR_NOTFOUND ? DECLINED : HTTP_BAD_REQUEST;
    }

    *value = out;
    *value_len = n;

    return OK;
}


const char *
ocs_ap_read_conf_file(cmd_parms *cmd, const char *name, size_t max,
    int secret, char **text, size_t *len)
{
    char          *path, *buf;
    apr_size_t     n;
    apr_file_t    *f;
    apr_finfo_t    fi;
    apr_status_t   rv;
    char           err[120];

    path = ap_server_root_relative(cmd->pool, name);
    if (path == NULL) {
        return apr_psprintf(cmd->pool, "%s: invalid file name \"%s\"",
                            cmd->directive->directive, name);
    }

    rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, cmd->temp_pool);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "%s: cannot open \"%s\": %s",
                            cmd->directive->directive, path,
                            apr_strerror(rv, err, sizeof(err)));
    }

    rv = apr_file_info_get(&fi, APR_FINFO_SIZE | APR_FINFO_PROT, f);
    if (rv != APR_SUCCESS) {
        apr_file_close(f);
        return apr_psprintf(cmd->pool, "%s: cannot stat \"%s\": %s",
                            cmd->directive->directive, path,
                            apr_strerror(rv, err, sizeof(err)));
    }

    if (secret && (fi.protection & APR_FPROT_WREAD)) {
        apr_file_close(f);
        return apr_psprintf(cmd->pool, "%s: \"%s\" is readable by every "
                            "user; chmod o-rwx it",
                            cmd->directive->directive, path);
    }

    if (fi.size == 0 || (size_t) fi.size > max) {
        apr_file_close(f);
        return apr_psprintf(cmd->pool, "%s: \"%s\" is %s (%" APR_OFF_T_FMT
                            " bytes, at most %" APR_SIZE_T_FMT ")",
                            cmd->directive->directive, path,
                            fi.size ? "too large" : "empty", fi.size, max);
    }

    n = (apr_size_t) fi.size;
    buf = apr_palloc(cmd->pool, n + 1);

    rv = apr_file_read_full(f, buf, n, &n);
    apr_file_close(f);

    if (rv != APR_SUCCESS) {
        ocs_wipe(buf, n);
        return apr_psprintf(cmd->pool, "%s: cannot read \"%s\": %s",
                            cmd->directive->directive, path,
                            apr_strerror(rv, err, sizeof(err)));
    }

    buf[n] = '\0';
    *text = buf;
    *len = n;

    return NULL;
}


/* the AuthType names and what each asks */
static const struct {
    const char  *name;
    int          mode;
} ocs_ap_auth_types[] = {
    { "OCS-Forms", OCS_AP_AUTH_FORMS },
    { "OCS-Negotiate", OCS_AP_AUTH_NEGOTIATE },
    { "OCS-Conference", OCS_AP_AUTH_CONFERENCE },
    { NULL, 0 }
};


int
ocs_ap_auth_mode(request_rec *r)
{
    int  mode;

    (void) ocs_ap_auth_type_check(r, &mode);

    return mode;
}


const char *
ocs_ap_auth_type_check(request_rec *r, int *mode)
{
    int          i;
    const char  *type;

    *mode = OCS_AP_AUTH_OFF;
    type = ap_auth_type(r);

    if (type == NULL) {
        return NULL;
    }

    for (i = 0; ocs_ap_auth_types[i].name != NULL; i++) {
        if (strcasecmp(type, ocs_ap_auth_types[i].name) == 0) {
            *mode = ocs_ap_auth_types[i].mode;
            return ocs_ap_auth_types[i].name;
        }
    }

    return NULL;
}


const char *
ocs_ap_page_handler(request_rec *r)
{
    const char        *h, *err;
    core_dir_config   *cd;

    h = r->handler;

    /*
     * SetHandler becomes r->handler only after the access checks, and a
     * ProxyPass that covers the section may have taken r->handler: the
     * section's own SetHandler says whose page it is
     */
    if (h == NULL || strncmp(h, "ocs-", 4) != 0) {
        cd = ap_get_core_module_config(r->per_dir_config);

        if (cd == NULL || cd->expr_handler == NULL) {
            return NULL;
        }

        err = NULL;
        h = ap_expr_str_exec(r, cd->expr_handler, &err);

        if (err != NULL || h == NULL || strncmp(h, "ocs-", 4) != 0) {
            return NULL;
        }
    }

    return h;
}


int
ocs_ap_is_page(request_rec *r)
{
    const char  *h;

    h = ocs_ap_page_handler(r);

    if (h == NULL) {
        return 0;
    }

    if (strcmp(h, OCS_AP_HANDLER_LOGOFF_ADMIN) == 0
        || strcmp(h, OCS_AP_HANDLER_LOCKOUT_ADMIN) == 0)
    {
        return 2;
    }

    return strcmp(h, OCS_AP_HANDLER_SIGNIN) == 0
           || strcmp(h, OCS_AP_HANDLER_LOGOFF) == 0
           || strcmp(h, OCS_AP_HANDLER_JOIN) == 0
           || strcmp(h, OCS_AP_HANDLER_QUICK) == 0;
}


void
ocs_ap_log_login(request_rec *r, int level, const char *text)
{
    int  l;

    switch (level) {

    case OCS_LOGIN_LOG_NONE:
        return;

    case OCS_LOGIN_LOG_CRIT:
        l = APLOG_CRIT;
        break;

    case OCS_LOGIN_LOG_WARN:
        l = APLOG_WARNING;
        break;

    case OCS_LOGIN_LOG_NOTICE:
        l = APLOG_NOTICE;
        break;

    default:
        l = APLOG_ERR;
    }

    if (text[0] == '\0') {
        return;
    }

    ap_log_rerror(APLOG_MARK, l, 0, r, "ocs auth: %s", text);
}
