/*
 * A libFuzzer target for the NTLM message fix-up (ocs_ntlm_fixup).  The
 * first byte gives the spare room after the message; the message sits
 * in a buffer of exactly that size.  The fix-up never grows a message
 * past its buffer or past 40 bytes, never changes a byte it keeps other
 * than clearing the NEGOTIATE_VERSION flag, pads with zeros only, and a
 * second run changes nothing.
 */

#include <stdlib.h>
#include <string.h>

#include <ocs/ocs_gss.h>


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    size_t          i, len, room, len2;
    unsigned char  *msg, *again;

    if (size == 0) {
        return 0;
    }

    room = data[0] % 48;
    len = size - 1;

    msg = malloc(len + room + 1);
    again = malloc(len + room + 1);
    if (msg == NULL || again == NULL) {
        abort();
    }

    memcpy(msg, data + 1, len);
    memset(msg + len, 0xee, room);

    ocs_ntlm_fixup(msg, &len, size - 1 + room);

    if (len < size - 1 || len > size - 1 + room
        || (len > size - 1 && len != 40))
    {
        abort();
    }

    for (i = 0; i < len; i++) {
        if (i >= size - 1) {
            if (msg[i] != 0) {
                abort();
            }

        } else if (msg[i] != data[1 + i]
                   && !(i == 63 && msg[i] == (data[1 + i] & ~0x02)))
        {
            abort();
        }
    }

    memcpy(again, msg, len);
    len2 = len;
    ocs_ntlm_fixup(again, &len2, len);

    if (len2 != len || memcmp(again, msg, len) != 0) {
        abort();
    }

    free(msg);
    free(again);

    return 0;
}
