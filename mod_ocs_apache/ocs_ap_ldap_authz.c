/*
 * Authorization in mod_auth_ocs: OCSRequire, OCSRemoteAccess,
 * OCSInternalNetworks and OCSSIPClaim, and the verdict on a request
 * with a ticket (ocs_ap_ldap_authorize, from check_authn).
 *
 * Every requirement named anywhere in the configuration is a fact with
 * a stable id, kept once in the configuration's table (nginx's main
 * conf).  A sign-in and a re-check ask the directory about all of them;
 * the ticket carries the ids met, and a request is judged against the
 * ticket alone, by the core's ocs_authz_check().
 *
 * These are directives of their own rather than Require providers:
 * mod_authz_core answers a provider's "denied" with its own 401 or 403,
 * its own log line and no way to say which requirement failed, and it
 * runs after check_authn, so after the second step.  nginx says why in
 * the 403 page and the log, and authorizes before the second step; so
 * does this.  Apache's own Require (valid-user, user, ...) still applies
 * after, to the user the ticket names.
 */

#include "mod_auth_ocs.h"

#include <apr_lib.h>
#include <arpa/inet.h>

#include <ocs/ocs_pages.h>



static const char *ocs_ap_ldap_fact(cmd_parms *cmd, int kind,
    const char *value, const ocs_authz_req_t **fact);
static const char *ocs_ap_ldap_net(cmd_parms *cmd, const char *text,
    ocs_authz_net_t *net);
static size_t ocs_ap_ldap_client_addr(request_rec *r,
    const unsigned char **addr);


const ocs_authz_req_t  ocs_ap_ldap_req_off;
const ap_expr_info_t   ocs_ap_ldap_expr_off;


#define OCS_AP_LDAP_CF_KEY  "ocs_ap_ldap_cf"


ocs_ap_ldap_cf_t *
ocs_ap_ldap_cf(apr_pool_t *pconf)
{
    void              *data;
    ocs_ap_ldap_cf_t  *cf;

    data = NULL;
    (void) apr_pool_userdata_get(&data, OCS_AP_LDAP_CF_KEY, pconf);

    if (data != NULL) {
        return data;
    }

    /* dies with the configuration read: a restart starts afresh */
    cf = apr_pcalloc(pconf, sizeof(ocs_ap_ldap_cf_t));
    cf->dirs = apr_array_make(pconf, 4, sizeof(ocs_ap_ldap_directory_t *));
    cf->facts = apr_array_make(pconf, 8, sizeof(ocs_authz_req_t));

    (void) apr_pool_userdata_set(cf, OCS_AP_LDAP_CF_KEY,
                                 apr_pool_cleanup_null, pconf);

    return cf;
}


/* the configuration's fact for a requirement, added the first time */
static const char *
ocs_ap_ldap_fact(cmd_parms *cmd, int kind, const char *value,
    const ocs_authz_req_t **fact)
{
    int                i;
    ocs_authz_req_t    req, *f;
    ocs_ap_ldap_cf_t  *cf;

    if (ocs_authz_req_init(&req, kind, value, strlen(value)) != OCS_OK) {
        return "OCSRequire: an unknown kind of requirement";
    }

    cf = ocs_ap_ldap_cf(cmd->pool);
    f = (ocs_authz_req_t *) cf->facts->elts;

    for (i = 0; i < cf->facts->nelts; i++) {
        if (f[i].id == req.id) {
            *fact = &f[i];
            return NULL;
        }
    }

    if (cf->facts->nelts == OCS_FACTS_MAX) {
        return apr_psprintf(cmd->pool, "more than %d different access "
                            "requirements", OCS_FACTS_MAX);
    }

    f = apr_array_push(cf->facts);
    *f = req;
    *fact = f;

    return NULL;
}


/*
 * OCSRequire ocs_enabled | enhanced_presence | group NAME |
 *            filter FILTER | off
 */
const char *
ocs_ap_ldap_require(cmd_parms *cmd, void *mconfig, const char *kind,
    const char *value)
{
    int                     k;
    const char             *msg;
    ocs_ap_ldap_dir_t      *conf = &ocs_ap_cmd_dir(mconfig)->ldap;
    const ocs_authz_req_t  *f;

    if (strcmp(kind, "off") == 0 && value == NULL) {
        if (conf->require != NULL) {
            return "OCSRequire is duplicate: \"OCSRequire off\" stands "
                   "alone";
        }

        conf->require = apr_array_make(cmd->pool, 1,
                                       sizeof(ocs_authz_req_t));
        return NULL;
    }

    if (conf->require != NULL && conf->require->nelts == 0) {
        return "OCSRequire cannot follow \"OCSRequire off\"";
    }

    if (strcmp(kind, "ocs_enabled") == 0 && value == NULL) {
        k = OCS_AUTHZ_ENABLED;
        value = "";

    } else if (strcmp(kind, "enhanced_presence") == 0 && value == NULL) {
        k = OCS_AUTHZ_PRESENCE;
        value = "";

    } else if (strcmp(kind, "group") == 0 && value != NULL) {
        k = OCS_AUTHZ_GROUP;

    } else if (strcmp(kind, "filter") == 0 && value != NULL) {
        if (value[0] != '(') {
            return "OCSRequire needs an LDAP filter in parentheses";
        }

        k = OCS_AUTHZ_FILTER;

    } else {
        return apr_psprintf(cmd->pool, "invalid \"OCSRequire %s\": use "
                            "ocs_enabled, enhanced_presence, group NAME, "
                            "filter FILTER or off", kind);
    }

    msg = ocs_ap_ldap_fact(cmd, k, value, &f);
    if (msg != NULL) {
        return msg;
    }

    if (conf->require == NULL) {
        conf->require = apr_array_make(cmd->pool, 4,
                                       sizeof(ocs_authz_req_t));
    }

    *(ocs_authz_req_t *) apr_array_push(conf->require) = *f;

    return NULL;
}


/* OCSRemoteAccess attribute | group NAME | filter FILTER | off */
const char *
ocs_ap_ldap_remote_access(cmd_parms *cmd, void *mconfig, const char *kind,
    const char *value)
{
    int                     k;
    const char             *msg;
    ocs_authz_req_t        *copy;
    ocs_ap_ldap_dir_t      *conf = &ocs_ap_cmd_dir(mconfig)->ldap;
    const ocs_authz_req_t  *f;

    if (conf->remote != NULL) {
        return "OCSRemoteAccess is duplicate";
    }

    if (strcmp(kind, "off") == 0 && value == NULL) {
        conf->remote = &ocs_ap_ldap_req_off;
        return NULL;
    }

    if (strcmp(kind, "attribute") == 0 && value == NULL) {
        k = OCS_AUTHZ_REMOTE;
        value = "";

    } else if (strcmp(kind, "group") == 0 && value != NULL) {
        k = OCS_AUTHZ_GROUP;

    } else if (strcmp(kind, "filter") == 0 && value != NULL
               && value[0] == '(')
    {
        k = OCS_AUTHZ_FILTER;

    } else {
        return apr_psprintf(cmd->pool, "invalid \"OCSRemoteAccess %s\": use "
                            "attribute, group NAME, filter FILTER or off",
                            kind);
    }

    msg = ocs_ap_ldap_fact(cmd, k, value, &f);
    if (msg != NULL) {
        return msg;
    }

    copy = apr_palloc(cmd->pool, sizeof(ocs_authz_req_t));
    *copy = *f;
    conf->remote = copy;

    return NULL;
}


/* OCSInternalNetworks address[/prefix] ... | off */
const char *
ocs_ap_ldap_internal_networks(cmd_parms *cmd, void *mconfig,
    const char *args)
{
    char               *w;
    const char         *msg;
    ocs_ap_ldap_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->ldap;

    if (conf->internal != NULL) {
        return "OCSInternalNetworks is duplicate";
    }

    conf->internal = apr_array_make(cmd->pool, 4, sizeof(ocs_authz_net_t));

    w = ap_getword_conf(cmd->temp_pool, &args);

    if (w[0] == '\0') {
        return "OCSInternalNetworks needs networks, or off";
    }

    if (strcmp(w, "off") == 0 && args[0] == '\0') {
        return NULL;
    }

    while (w[0] != '\0') {
        msg = ocs_ap_ldap_net(cmd, w, apr_array_push(conf->internal));
        if (msg != NULL) {
            return msg;
        }

        w = ap_getword_conf(cmd->temp_pool, &args);
    }

    return NULL;
}


/* an address with an optional prefix, as the core's network */
static const char *
ocs_ap_ldap_net(cmd_parms *cmd, const char *text, ocs_authz_net_t *net)
{
    int             family, max;
    char           *addr, *slash, *end;
    long            bits;
    unsigned char   buf[16];

    addr = apr_pstrdup(cmd->temp_pool, text);
    slash = strchr(addr, '/');

    if (slash != NULL) {
        *slash = '\0';
    }

    if (inet_pton(AF_INET, addr, buf) == 1) {
        family = 4;
        max = 32;

    } else if (inet_pton(AF_INET6, addr, buf) == 1) {
        family = 6;
        max = 128;

    } else {
        goto invalid;
    }

    bits = max;

    if (slash != NULL) {
        if (!apr_isdigit(slash[1])) {
            goto invalid;
        }

        bits = strtol(slash + 1, &end, 10);

        if (*end != '\0' || bits > max) {
            goto invalid;
        }
    }

    if (ocs_authz_net_set(net, family, buf, (unsigned) bits) != OCS_OK) {
        goto invalid;
    }

    if (memcmp(net->addr, buf, family == 4 ? 4 : 16) != 0) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cmd->server,
                     "low address bits of %s are meaningless", text);
    }

    return NULL;

invalid:

    return apr_psprintf(cmd->pool, "invalid network \"%s\" in "
                        "\"OCSInternalNetworks\"", text);
}


/* OCSSIPClaim expression | off */
const char *
ocs_ap_ldap_sip_claim(cmd_parms *cmd, void *mconfig, const char *arg)
{
    const char         *err;
    ocs_ap_ldap_dir_t  *conf = &ocs_ap_cmd_dir(mconfig)->ldap;

    if (conf->sip_claim != NULL) {
        return "OCSSIPClaim is duplicate";
    }

    /* a claim of "off" would never match an account: the word is free */
    if (arg[0] == '\0' || strcmp(arg, "off") == 0) {
        conf->sip_claim = &ocs_ap_ldap_expr_off;
        return NULL;
    }

    err = NULL;
    conf->sip_claim = ap_expr_parse_cmd(cmd, arg, AP_EXPR_FLAG_STRING_RESULT,
                                        &err, NULL);

    if (err != NULL) {
        return apr_psprintf(cmd->pool, "OCSSIPClaim: cannot parse \"%s\": "
                            "%s", arg, err);
    }

    return NULL;
}


/* the client's address as the core matches it: 4 or 16 bytes, or none */
static size_t
ocs_ap_ldap_client_addr(request_rec *r, const unsigned char **addr)
{
    apr_sockaddr_t  *sa;

    /* after mod_remoteip, as nginx's after realip */
    sa = r->useragent_addr ? r->useragent_addr : r->connection->client_addr;

    if (sa == NULL
        || (sa->family != APR_INET
#if APR_HAVE_IPV6
            && sa->family != APR_INET6
#endif
           ))
    {
        *addr = NULL;
        return 0;
    }

    *addr = sa->ipaddr_ptr;

    return (size_t) sa->ipaddr_len;
}


int
ocs_ap_ldap_internal_client(request_rec *r)
{
    size_t                len;
    ocs_ap_ldap_dir_t    *conf;
    const unsigned char  *addr;

    conf = &ocs_ap_dir(r)->ldap;

    if (conf->internal == NULL) {
        return 0;
    }

    len = ocs_ap_ldap_client_addr(r, &addr);

    return ocs_authz_net_match((const ocs_authz_net_t *)
                               conf->internal->elts,
                               (size_t) conf->internal->nelts, addr, len);
}


/*
 * The directory's requirements against the ticket.  Returns OK, DONE
 * after sending the 403 page that says why, or 500.
 */
int
ocs_ap_ldap_authorize(request_rec *r, ocs_ticket_t *t)
{
    int                   verdict;
    size_t                len, claim_len;
    const char           *claim, *err;
    ocs_ap_ldap_dir_t    *conf;
    ocs_authz_rules_t     rules;
    const unsigned char  *addr;

    conf = &ocs_ap_dir(r)->ldap;

    memset(&rules, 0, sizeof(ocs_authz_rules_t));

    if (conf->require != NULL) {
        rules.require = (const ocs_authz_req_t *) conf->require->elts;
        rules.nrequire = (size_t) conf->require->nelts;
    }

    if (conf->internal != NULL) {
        rules.internal = (const ocs_authz_net_t *) conf->internal->elts;
        rules.ninternal = (size_t) conf->internal->nelts;
    }

    if (conf->remote != NULL && conf->remote != &ocs_ap_ldap_req_off) {
        rules.remote = conf->remote;
    }

    claim = NULL;
    claim_len = 0;

    if (conf->sip_claim != NULL && conf->sip_claim != &ocs_ap_ldap_expr_off)
    {
        err = NULL;
        claim = ap_expr_str_exec(r, conf->sip_claim, &err);

        if (err != NULL) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "ocs auth: OCSSIPClaim: %s", err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }

        claim_len = claim ? strlen(claim) : 0;
    }

    if (rules.nrequire == 0 && rules.remote == NULL && claim_len == 0) {
        return OK;
    }

    len = ocs_ap_ldap_client_addr(r, &addr);

    verdict = ocs_authz_check(t, &rules, addr, len, claim, claim_len);

    if (verdict == OCS_AUTHZ_ALLOW) {
        return OK;
    }

    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  "ocs auth: user \"%s\" denied: %s", t->user,
                  ocs_authz_reason(verdict));

    return ocs_ap_send_msg(r, HTTP_FORBIDDEN, OCS_MSG_ACCESS_DENIED,
                           ocs_authz_message(verdict));
}
