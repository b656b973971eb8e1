/*
 * Connection-bound authentication passed through: what binds a pair,
 * and the limits of pairs (ocs_pin.h).
 */

#include <string.h>
#include <strings.h>

#include <ocs/ocs_pin.h>


static int ocs_pin_scheme(const char *p, size_t n);


void
ocs_pin_limits_default(ocs_pin_limits_t *l)
{
    l->max = OCS_PIN_MAX_DEFAULT;
    l->requests = OCS_PIN_REQUESTS_DEFAULT;
    l->idle = OCS_PIN_IDLE_DEFAULT;
}


int
ocs_pin_limits_check(const ocs_pin_limits_t *l, ocs_err_t *err)
{
    if (l->max < 1 || l->max > OCS_PIN_MAX_LIMIT) {
        return ocs_err(err, OCS_ERR_INVALID, "max=%u is out of range: "
                       "1 to %u pinned connections per worker", l->max,
                       (unsigned) OCS_PIN_MAX_LIMIT);
    }

    if (l->requests < 3) {
        return ocs_err(err, OCS_ERR_INVALID, "requests=%u is too few: an "
                       "NTLM sign-in alone takes 3 requests (the 401, "
                       "the negotiate and the authenticate message) on one "
                       "connection", l->requests);
    }

    if (l->idle < 1 || l->idle > OCS_PIN_IDLE_LIMIT) {
        return ocs_err(err, OCS_ERR_INVALID, "idle is out of range: "
                       "1ms to 1d");
    }

    return OCS_OK;
}


/* the scheme named by the n bytes at p */
static int
ocs_pin_scheme(const char *p, size_t n)
{
    if (n == 4 && strncasecmp(p, "NTLM", 4) == 0) {
        return OCS_PIN_SCHEME_NTLM;
    }

    if (n == 9 && strncasecmp(p, "Negotiate", 9) == 0) {
        return OCS_PIN_SCHEME_NEGOTIATE;
    }

    return OCS_PIN_SCHEME_NONE;
}


int
ocs_pin_credentials(const char *value, size_t len)
{
    size_t  n;

    if (value == NULL) {
        return OCS_PIN_SCHEME_NONE;
    }

    while (len && (*value == ' ' || *value == '\t')) {
        value++;
        len--;
    }

    for (n = 0; n < len && value[n] != ' ' && value[n] != '\t'; n++) {
        /* void */
    }

    return ocs_pin_scheme(value, n);
}


/*
 * A challenge list is "scheme [params], scheme [params]"; a parameter
 * is "name=value" or a token68, so an element whose first token is not
 * followed by "=" starts a new challenge.
 */
int
ocs_pin_challenge(const char *value, size_t len)
{
    int          scheme, found;
    size_t       i, start, n;
    unsigned     quoted;

    if (value == NULL) {
        return OCS_PIN_SCHEME_NONE;
    }

    found = OCS_PIN_SCHEME_NONE;
    quoted = 0;
    start = 0;

    for (i = 0; i <= len; i++) {

        if (i < len && quoted) {
            if (value[i] == '\\' && i + 1 < len) {
                i++;

            } else if (value[i] == '"') {
                quoted = 0;
            }

            continue;
        }

        if (i < len && value[i] == '"') {
            quoted = 1;
            continue;
        }

        if (i < len && value[i] != ',') {
            continue;
        }

        /* one element: value[start .. i) */

        while (start < i && (value[start] == ' ' || value[start] == '\t')) {
            start++;
        }

        for (n = 0; start + n < i; n++) {
            if (value[start + n] == ' ' || value[start + n] == '\t'
                || value[start + n] == '=')
            {
                break;
            }
        }

        if (start + n == i || value[start + n] != '=') {
            scheme = ocs_pin_scheme(value + start, n);

            if (scheme == OCS_PIN_SCHEME_NEGOTIATE
                || (scheme == OCS_PIN_SCHEME_NTLM
                    && found == OCS_PIN_SCHEME_NONE))
            {
                found = scheme;
            }
        }

        start = i + 1;
    }

    return found;
}


int
ocs_pin_binds(int credentials, unsigned status, int offered)
{
    if (credentials != OCS_PIN_SCHEME_NONE) {
        return 1;
    }

    return status == 401 && offered != OCS_PIN_SCHEME_NONE;
}


int
ocs_pin_admit(const ocs_pin_limits_t *l, unsigned pinned)
{
    return pinned < l->max ? OCS_PIN_ADMIT : OCS_PIN_FULL;
}


int
ocs_pin_after(const ocs_pin_limits_t *l, unsigned served)
{
    return served >= l->requests ? OCS_PIN_LAST : OCS_PIN_KEEP;
}
