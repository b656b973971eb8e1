/*
 * The built-in pages, as templates for ocs_tpl_render().  Each takes the
 * variables listed here; values are HTML-escaped unless marked raw.
 *
 *   OCS_PAGE_SIGNIN    title, action, csrf, return, username, sip, error,
 *                      public_checked and private_checked (raw "checked")
 *   OCS_PAGE_MESSAGE   title, message
 *   OCS_PAGE_SIGNEDOUT title, signin (a URL)
 *   OCS_PAGE_LOGOFF    title, action, csrf, question (the sign-out
 *                      confirmation)
 *   OCS_PAGE_ADMIN     title, action, csrf, message (ending a user's
 *                      sessions)
 *   OCS_PAGE_CODE      title, action, state, csrf, return, username,
 *                      factors, error (the second step of a sign-in)
 */

#ifndef OCS_PAGES_H
#define OCS_PAGES_H


#include <ocs/ocs.h>


#define OCS_PAGE_SIGNIN      0
#define OCS_PAGE_MESSAGE     1
#define OCS_PAGE_SIGNEDOUT   2
#define OCS_PAGE_LOGOFF      3
#define OCS_PAGE_ADMIN       4
#define OCS_PAGE_CODE        5

/* the template text of a page, or NULL for an unknown page */
const char *ocs_page(int page, size_t *len);


#endif /* OCS_PAGES_H */
