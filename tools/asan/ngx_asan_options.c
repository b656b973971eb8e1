/*
 * Linked into the nginx that tools/test-asan builds (and into the
 * module, as nginx's configure has one set of link options; the
 * runtime reads them before any module is loaded, from the binary):
 * the sanitizers' default options, compiled in, so that they
 * hold in every process of that nginx, also in one started without the
 * test's environment (nginx gives the new binary of a USR2 upgrade only
 * TZ and the variables its "env" directives name).  ASAN_OPTIONS and
 * UBSAN_OPTIONS still override them.
 *
 * OCS_ASAN_DEFAULTS and OCS_UBSAN_DEFAULTS are given with -D.
 */


__attribute__((visibility("default"), used)) const char *
__asan_default_options(void);
__attribute__((visibility("default"), used)) const char *
__ubsan_default_options(void);


const char *
__asan_default_options(void)
{
    return OCS_ASAN_DEFAULTS;
}


const char *
__ubsan_default_options(void)
{
    return OCS_UBSAN_DEFAULTS;
}
