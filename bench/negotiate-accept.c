/*
 * bench/negotiate-accept.c: what one Kerberos sign-in costs the nginx
 * event loop.  Makes --count fresh SPNEGO tokens for HTTP@localhost from
 * the client's credential cache (outside the timing) and times the two
 * calls the module makes per sign-in: gss_acquire_cred_from() with the
 * keytab, then gss_accept_sec_context().  Each round is timed twice,
 * interleaved: with the file replay cache the module uses, and with the
 * replay cache off ("none:"), the baseline, so the cache's file I/O
 * shows as the difference.
 *
 *     negotiate-accept KEYTAB COUNT
 *
 * Prints median and p99 in microseconds per variant and their ratio.
 * Run by bench/negotiate, which starts the KDC.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include "bench_time.h"


/* a fresh initiator token for HTTP@localhost, or -1 */
static int
make_token(gss_buffer_desc *out)
{
    OM_uint32        major, minor;
    gss_name_t       target;
    gss_ctx_id_t     ctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc  name = { sizeof("HTTP@localhost") - 1,
                              (void *) "HTTP@localhost" };

    major = gss_import_name(&minor, &name, GSS_C_NT_HOSTBASED_SERVICE,
                            &target);
    if (GSS_ERROR(major)) {
        return -1;
    }

    major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ctx, target,
                                 GSS_C_NO_OID, GSS_C_MUTUAL_FLAG, 0,
                                 GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER,
                                 NULL, out, NULL, NULL);

    (void) gss_release_name(&minor, &target);
    (void) gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);

    return GSS_ERROR(major) ? -1 : 0;
}


/* the module's two calls; returns microseconds, or -1 on failure */
static double
accept_once(const char *keytab, const char *rcache, gss_buffer_desc *in)
{
    double                       t0, t1;
    OM_uint32                    major, minor;
    gss_cred_id_t                cred = GSS_C_NO_CREDENTIAL;
    gss_ctx_id_t                 ctx = GSS_C_NO_CONTEXT;
    gss_name_t                   client = GSS_C_NO_NAME;
    gss_buffer_desc              out = { 0, NULL };
    gss_key_value_element_desc   elems[2];
    gss_key_value_set_desc       store;

    elems[0].key = "keytab";
    elems[0].value = keytab;
    elems[1].key = "rcache";
    elems[1].value = rcache;
    store.count = rcache ? 2 : 1;
    store.elements = elems;

    t0 = now_us();

    major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE,
                                  GSS_C_NO_OID_SET, GSS_C_ACCEPT, &store,
                                  &cred, NULL, NULL);
    if (!GSS_ERROR(major)) {
        major = gss_accept_sec_context(&minor, &ctx, cred, in,
                                       GSS_C_NO_CHANNEL_BINDINGS, &client,
                                       NULL, &out, NULL, NULL, NULL);
    }

    t1 = now_us();

    (void) gss_release_buffer(&minor, &out);
    (void) gss_release_name(&minor, &client);
    (void) gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
    (void) gss_release_cred(&minor, &cred);

    return major == GSS_S_COMPLETE ? t1 - t0 : -1;
}


static void
report(const char *what, double *v, int n)
{
    qsort(v, n, sizeof(double), cmp);

    printf("%-28s median %8.1f us   p99 %8.1f us\n", what, v[n / 2],
           v[(int) (n * 0.99)]);
}


int
main(int argc, char **argv)
{
    int              i, n;
    double           a, b, *file, *none, mf, mn;
    gss_buffer_desc  t1, t2;
    OM_uint32        minor;

    if (argc != 3 || (n = atoi(argv[2])) < 10 || n > 100000) {
        fprintf(stderr, "usage: negotiate-accept KEYTAB COUNT (10..100000)\n");
        return 2;
    }

    file = calloc(n, sizeof(double));
    none = calloc(n, sizeof(double));
    if (file == NULL || none == NULL) {
        return 2;
    }

    for (i = 0; i < n; i++) {
        if (make_token(&t1) != 0 || make_token(&t2) != 0) {
            fprintf(stderr, "negotiate-accept: no token (kinit first)\n");
            return 2;
        }

        /* interleaved, order alternating, so drift hits both alike */
        if (i & 1) {
            a = accept_once(argv[1], NULL, &t1);
            b = accept_once(argv[1], "none:", &t2);

        } else {
            b = accept_once(argv[1], "none:", &t2);
            a = accept_once(argv[1], NULL, &t1);
        }

        (void) gss_release_buffer(&minor, &t1);
        (void) gss_release_buffer(&minor, &t2);

        if (a < 0 || b < 0) {
            fprintf(stderr, "negotiate-accept: a token was refused\n");
            return 2;
        }

        file[i] = a;
        none[i] = b;
    }

    report("file replay cache (module):", file, n);
    report("no replay cache (baseline):", none, n);

    mf = file[n / 2];
    mn = none[n / 2];

    printf("ratio file/none (median):    %.2f\n", mn > 0 ? mf / mn : 0);

    return 0;
}
