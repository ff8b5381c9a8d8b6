/* Scan code set 1 decoding: see drivers/hw/kbd_set1.h. */
#include "drivers/hw/kbd_set1.h"
#include <hv/string.h>

#define SC_PREFIX_E0   0xE0
#define SC_PREFIX_E1   0xE1     /* Pause: its bytes are ignored one by one */
#define SC_BREAK       0x80     /* set on the release code */
#define SC_CTRL        0x1D     /* left; E0 1D: right */
#define SC_SHIFT_L     0x2A
#define SC_SHIFT_R     0x36
#define SC_CAPS        0x3A
#define SC_UP          0x48     /* E0-prefixed: the arrow keys */
#define SC_LEFT        0x4B
#define SC_RIGHT       0x4D
#define SC_DOWN        0x50
#define SC_KP_ENTER    0x1C     /* E0 1C */
#define SC_KP_SLASH    0x35     /* E0 35 */
#define SC_E0_FAKE_SHIFT_L 0x2A /* E0 2A / E0 AA around some keys: not a Shift */
#define SC_E0_FAKE_SHIFT_R 0x36

#define ESC  0x1B
#define DEL  0x7F

/* US layout, make codes 0x00-0x39: unshifted and shifted. 0: no byte. */
static const char plain[0x3A] = {
    0, ESC, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', DEL, '\t',
    'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\r', 0, 'a', 's',
    'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0, '\\', 'z', 'x', 'c', 'v',
    'b', 'n', 'm', ',', '.', '/', 0, '*', 0, ' ',
};
static const char shifted[0x3A] = {
    0, ESC, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', DEL, '\t',
    'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\r', 0, 'A', 'S',
    'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0, '|', 'Z', 'X', 'C', 'V',
    'B', 'N', 'M', '<', '>', '?', 0, '*', 0, ' ',
};

void kbd_set1_init(struct kbd_set1 *k)
{
    memset(k, 0, sizeof(*k));
}

static size_t arrow(char out[KBD_OUT_MAX], char final)
{
    out[0] = ESC;
    out[1] = '[';
    out[2] = final;
    return 3;
}

size_t kbd_set1_feed(struct kbd_set1 *k, uint8_t code, char out[KBD_OUT_MAX])
{
    if (code == SC_PREFIX_E0) {
        k->e0 = true;
        return 0;
    }
    /* Pause (E1 1D 45 E1 9D C5) gives nothing: its prefix is dropped and the
     * rest decodes to no byte. Error (00, FF), ACK (FA), resend (FE) and
     * self-test (AA, Left Shift's release) codes decode to no byte either. */
    if (code == SC_PREFIX_E1) {
        k->e0 = false;
        return 0;
    }
    bool e0 = k->e0;
    bool release = code & SC_BREAK;
    uint8_t make = code & ~SC_BREAK;
    k->e0 = false;

    if (e0) {
        switch (make) {
        case SC_CTRL:
            k->ctrl_r = !release;
            return 0;
        case SC_E0_FAKE_SHIFT_L:
        case SC_E0_FAKE_SHIFT_R:
            return 0;
        }
        if (release)
            return 0;
        switch (make) {
        case SC_UP:       return arrow(out, 'A');
        case SC_DOWN:     return arrow(out, 'B');
        case SC_RIGHT:    return arrow(out, 'C');
        case SC_LEFT:     return arrow(out, 'D');
        case SC_KP_ENTER: out[0] = '\r'; return 1;
        case SC_KP_SLASH: out[0] = '/'; return 1;
        default:          return 0;
        }
    }
    switch (make) {
    case SC_SHIFT_L:
        k->shift_l = !release;
        return 0;
    case SC_SHIFT_R:
        k->shift_r = !release;
        return 0;
    case SC_CTRL:
        k->ctrl_l = !release;
        return 0;
    case SC_CAPS:                       /* toggles on a press, not on its repeats */
        if (!release && !k->caps_down)
            k->caps = !k->caps;
        k->caps_down = !release;
        return 0;
    }
    if (release || make >= sizeof(plain) || !plain[make])
        return 0;

    bool shift = k->shift_l || k->shift_r;
    char c = plain[make];
    bool letter = c >= 'a' && c <= 'z';
    if (letter ? shift != k->caps : shift)
        c = shifted[make];
    if (k->ctrl_l || k->ctrl_r) {
        if (letter)
            c = (char)((c & 0x1F));               /* Ctrl-A = 0x01 ... Ctrl-Z = 0x1A */
        else if (c == '[')
            c = ESC;
        else if (c == '\\')
            c = 0x1C;
        else if (c == ']')
            c = 0x1D;
    }
    out[0] = c;
    return 1;
}
