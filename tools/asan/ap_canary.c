/*
 * A module for tools/asan/canary_apache.t only, never installed: its
 * handler "ocs-asan-canary" reads one byte past a heap block, which
 * the ASan runtime preloaded into apache2 must report.  Built with the
 * flags of the instrumented mod_auth_ocs, so a report from it proves
 * that a bad access in a module loaded this way is seen and lands
 * where the suite looks.
 */

#include <stdlib.h>
#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_protocol.h>


static int
ocs_canary_handler(request_rec *r)
{
    char           *p;
    volatile char   c;

    if (r->handler == NULL || strcmp(r->handler, "ocs-asan-canary") != 0) {
        return DECLINED;
    }

    p = malloc(8);
    if (p == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    memset(p, 'x', 8);
    c = p[8];
    free(p);

    ap_set_content_type(r, "text/plain");
    ap_rprintf(r, "not reported: %d\n", c);

    return OK;
}


static void
ocs_canary_hooks(apr_pool_t *pool)
{
    (void) pool;

    ap_hook_handler(ocs_canary_handler, NULL, NULL, APR_HOOK_MIDDLE);
}


module AP_MODULE_DECLARE_DATA ocs_canary_module = {
    STANDARD20_MODULE_STUFF,
    NULL, NULL, NULL, NULL, NULL,
    ocs_canary_hooks
};
