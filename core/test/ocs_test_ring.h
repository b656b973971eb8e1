/*
 * Key rings for the unit tests of what they key (tickets, CSRF tokens):
 * rings of keys made of one repeated byte, and the context cache each
 * test can run with (use_cache) or without, so that both paths of
 * every seal, open and verify are tried.
 */

#ifndef OCS_TEST_RING_H
#define OCS_TEST_RING_H


#include <string.h>

#include <ocs/ocs_keyring.h>


static int                  use_cache;
static const ocs_keyring_t *cached_ring[8];
static ocs_ticket_cache_t  *caches[8];
static size_t               ncaches;


/* the ring's cache when caching is on, else NULL */
static ocs_ticket_cache_t *
C(const ocs_keyring_t *ring)
{
    size_t  i;

    if (!use_cache) {
        return NULL;
    }

    for (i = 0; i < ncaches; i++) {
        if (cached_ring[i] == ring) {
            return caches[i];
        }
    }

    cached_ring[ncaches] = ring;
    caches[ncaches] = ocs_ticket_cache_create(ring, NULL);

    return caches[ncaches++];
}


static void
drop_caches(void)
{
    while (ncaches) {
        ncaches--;
        ocs_ticket_cache_destroy(caches[ncaches]);
    }
}


/* a ring of nkeys keys, key i made of the byte fill[i] */
static void
make_ring(ocs_keyring_t *ring, const unsigned char *fill, size_t nkeys)
{
    size_t          i;
    unsigned char   raw[OCS_KEY_LEN];

    memset(ring, 0, sizeof(*ring));

    for (i = 0; i < nkeys; i++) {
        memset(raw, fill[i], sizeof(raw));
        (void) ocs_keyring_add(ring, raw, sizeof(raw), NULL);
    }
}


#endif /* OCS_TEST_RING_H */
