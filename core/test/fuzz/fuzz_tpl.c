/*
 * A libFuzzer target for the page template renderer (ocs_tpl_render)
 * with hostile values in the built-in pages (ocs_page, ocs_page_site):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include \
 *       core/test/fuzz/fuzz_tpl.c core/src/ocs_pages.c \
 *       core/src/ocs_codec.c core/src/ocs_core.c ... -o fuzz_tpl
 *   ./fuzz_tpl -dict=core/test/fuzz/fuzz_tpl.dict \
 *       core/test/fuzz/corpus/fuzz_tpl
 *
 * The first byte picks the page, the rest are the text values, one a
 * line, in the order of names[] below, then the site's name and logo.
 * The page is rendered as the layout's nested content, as the server
 * does, once with the hostile values and once with each non-empty value
 * replaced by "x" (kept for the page and its empty values).  The
 * oracle: both have exactly as many '<', '>', '"' and '\'' (the
 * templates' own), so no value put one in the page raw; and *needed is
 * the length of what a large enough buffer gets, which a buffer one
 * byte short refuses (checked on the input's own template: the
 * layout's renders cost most of the time and take the same path).  The
 * input is also rendered as a template of its own, for the renderer's
 * parsing, with its first 64 bytes for every value.
 */

#include <stdlib.h>
#include <string.h>

#include <ocs/ocs_pages.h>


#define FUZZ_OUT    (1024 * 1024)
#define FUZZ_VALUE  64
#define FUZZ_CACHE  4096


/* the reference render's counts for a page and its empty values */
typedef struct {
    int            used;
    unsigned long  mask;
    size_t         counts[4];
} fuzz_counts_t;


static const char  *names[] = {
    "title", "action", "csrf", "return", "username", "error", "sip",
    "public_hint", "private_hint", "message", "signin", "question",
    "state", "factors", "id", "signout_csrf", "home"
};

#define NNAMES  (sizeof(names) / sizeof(names[0]))
#define NVARS   (NNAMES + OCS_PAGE_SITE_VARS + 8)


static size_t
setup(int page, const char **val, const size_t *len, ocs_tpl_var_t *vars)
{
    size_t       i, n, plen;
    const char  *p;

    for (i = 0; i < NNAMES; i++) {
        vars[i].name = names[i];
        vars[i].value = val[i];
        vars[i].len = len[i];
        vars[i].raw = OCS_TPL_TEXT;
    }

    n = NNAMES;

    ocs_page_site(val[NNAMES], len[NNAMES], val[NNAMES + 1], len[NNAMES + 1],
                  vars + n);
    n += OCS_PAGE_SITE_VARS;

    p = ocs_page(page, &plen);
    vars[n].name = "content";
    vars[n].value = p;
    vars[n].len = plen;
    vars[n++].raw = OCS_TPL_NESTED;

    p = ocs_page(OCS_PAGE_PART_REFRESH, &plen);
    vars[n].name = "head";
    vars[n].value = page == OCS_PAGE_FALLBACK ? p : "";
    vars[n].len = page == OCS_PAGE_FALLBACK ? plen : 0;
    vars[n++].raw = OCS_TPL_NESTED;

    p = ocs_page(OCS_PAGE_PART_SIP, &plen);
    vars[n].name = "sip_field";
    vars[n].value = p;
    vars[n].len = plen;
    vars[n++].raw = OCS_TPL_NESTED;

    p = ocs_page(OCS_PAGE_PART_SIGNOUT, &plen);
    vars[n].name = "signout";
    vars[n].value = p;
    vars[n].len = plen;
    vars[n++].raw = OCS_TPL_NESTED;

    vars[n].name = "public_checked";
    vars[n].value = "checked";
    vars[n].len = 7;
    vars[n++].raw = OCS_TPL_RAW;

    vars[n].name = "username_autofocus";
    vars[n].value = "autofocus";
    vars[n].len = 9;
    vars[n++].raw = OCS_TPL_RAW;

    return n;
}


static size_t
render(const char *tpl, size_t tpl_len, const ocs_tpl_var_t *vars,
    size_t n, char *out)
{
    size_t  needed, again;

    if (ocs_tpl_render(tpl, tpl_len, vars, n, NULL, 0, &needed)
        != OCS_ERR_SPACE)
    {
        abort();
    }

    if (needed > FUZZ_OUT) {
        return (size_t) -1;
    }

    /* one byte short first: the full render then leaves out whole */
    if (needed > 0
        && ocs_tpl_render(tpl, tpl_len, vars, n, out, needed - 1, &again)
           != OCS_ERR_SPACE)
    {
        abort();
    }

    if (ocs_tpl_render(tpl, tpl_len, vars, n, out, needed, &again) != OCS_OK
        || again != needed)
    {
        abort();
    }

    return needed;
}


/*
 * One render into the whole buffer: its length, or -1 when it does
 * not fit.  The layout's renders take this one pass; the checks of
 * *needed and of a short buffer are render()'s, on the input's own
 * template.
 */
static size_t
render_once(const char *tpl, size_t tpl_len, const ocs_tpl_var_t *vars,
    size_t n, char *out)
{
    size_t  needed;
    int     rc;

    rc = ocs_tpl_render(tpl, tpl_len, vars, n, out, FUZZ_OUT, &needed);

    if (rc == OCS_ERR_SPACE) {
        return (size_t) -1;
    }

    if (rc != OCS_OK || needed > FUZZ_OUT) {
        abort();
    }

    return needed;
}


static void
count(const char *s, size_t len, size_t *c)
{
    size_t  i;

    memset(c, 0, 4 * sizeof(size_t));

    for (i = 0; i < len; i++) {
        c[0] += (s[i] == '<');
        c[1] += (s[i] == '>');
        c[2] += (s[i] == '"');
        c[3] += (s[i] == '\'');
    }
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int             page;
    size_t          i, n, a, b, llen, ca[4], cb[4], len[NNAMES + 2];
    const char     *val[NNAMES + 2], *p, *end, *nl, *layout;
    unsigned long   mask;
    fuzz_counts_t  *slot;
    ocs_tpl_var_t   vars[NVARS];
    static char     outa[FUZZ_OUT], outb[FUZZ_OUT];
    static fuzz_counts_t  cache[FUZZ_CACHE];

    if (size < 1 || size > 16384) {
        return 0;
    }

    page = data[0] % (OCS_PAGE_JOIN + 1);
    p = (const char *) data + 1;
    end = (const char *) data + size;

    for (i = 0; i < NNAMES + 2; i++) {
        nl = p < end ? memchr(p, '\n', (size_t) (end - p)) : NULL;
        val[i] = p < end ? p : "";
        len[i] = p < end ? (size_t) ((nl ? nl : end) - p) : 0;
        p = nl ? nl + 1 : end;
    }

    layout = ocs_page(OCS_PAGE_LAYOUT, &llen);

    if (layout == NULL) {
        abort();
    }

    n = setup(page, val, len, vars);
    a = render_once(layout, llen, vars, n, outa);

    /*
     * The reference: each non-empty value "x".  Its counts depend only
     * on the page and on which values are empty, so they are kept for
     * the next input of that kind (the layout's render is most of the
     * time of an execution).
     */
    mask = (unsigned long) page;

    for (i = 0; i < NNAMES + 2; i++) {
        mask = (mask << 1) | (len[i] != 0);
        val[i] = len[i] ? "x" : "";
        len[i] = len[i] ? 1 : 0;
    }

    slot = &cache[(mask * 2654435761UL) % FUZZ_CACHE];

    if (slot->used && slot->mask == mask) {
        memcpy(cb, slot->counts, sizeof(cb));
        b = 0;

    } else {
        n = setup(page, val, len, vars);
        b = render_once(layout, llen, vars, n, outb);

        if (b != (size_t) -1) {
            count(outb, b, cb);
            slot->used = 1;
            slot->mask = mask;
            memcpy(slot->counts, cb, sizeof(cb));
        }
    }

    if (a != (size_t) -1 && b != (size_t) -1) {
        count(outa, a, ca);

        if (memcmp(ca, cb, sizeof(ca)) != 0) {
            abort();
        }
    }

    /*
     * the input as a template, with the start of it for every value:
     * the whole input in each of a long template's placeholders made
     * a megabyte a render, and 400 executions a second
     */
    p = (const char *) data + 1;

    for (i = 0; i < NNAMES + 2; i++) {
        val[i] = p;
        len[i] = (size_t) (end - p) < FUZZ_VALUE ? (size_t) (end - p)
                                                 : FUZZ_VALUE;
    }

    n = setup(page, val, len, vars);
    (void) render((const char *) data, size, vars, n, outa);

    return 0;
}
