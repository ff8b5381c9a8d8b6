/* GDB remote serial protocol, the pure part: see include/hv/gdb_rsp.h. */
#include <hv/gdb_rsp.h>
#include <hv/string.h>

static const char hexchars[] = "0123456789abcdef";

void rsp_rx_init(struct rsp_rx *rx)
{
    rx->state = 0;
    rx->len = 0;
    rx->sum = 0;
    rx->got = 0;
    rx->overflow = false;
    rx->buf[0] = '\0';
}

int rsp_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

enum rsp_event rsp_rx_byte(struct rsp_rx *rx, uint8_t c)
{
    switch (rx->state) {
    case 0:
        if (c == '$') {
            rx->state = 1;
            rx->len = 0;
            rx->sum = 0;
            rx->overflow = false;
            return RSP_EV_NONE;
        }
        if (c == '+')
            return RSP_EV_ACK;
        if (c == '-')
            return RSP_EV_NAK;
        if (c == 0x03)
            return RSP_EV_INTERRUPT;
        return RSP_EV_NONE;              /* noise between packets */
    case 1:
        if (c == '#') {
            rx->state = 2;
            return RSP_EV_NONE;
        }
        if (c == '$') {                  /* a new start: the old packet was cut */
            rx->len = 0;
            rx->sum = 0;
            rx->overflow = false;
            return RSP_EV_NONE;
        }
        rx->sum = (uint8_t)(rx->sum + c);
        if (rx->len < RSP_PACKET_MAX)
            rx->buf[rx->len++] = (char)c;
        else
            rx->overflow = true;
        return RSP_EV_NONE;
    case 2:
    case 3: {
        int d = rsp_hex_digit((char)c);
        if (d < 0) {
            rx->state = 0;
            return RSP_EV_BAD_CHECKSUM;
        }
        if (rx->state == 2) {
            rx->got = (uint8_t)(d << 4);
            rx->state = 3;
            return RSP_EV_NONE;
        }
        rx->got |= (uint8_t)d;
        rx->state = 0;
        rx->buf[rx->len] = '\0';
        if (rx->overflow || rx->got != rx->sum)
            return RSP_EV_BAD_CHECKSUM;
        return RSP_EV_PACKET;
    }
    default:
        rx->state = 0;
        return RSP_EV_NONE;
    }
}

uint8_t rsp_checksum(const char *p, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s = (uint8_t)(s + (uint8_t)p[i]);
    return s;
}

size_t rsp_frame(char *out, size_t cap, const char *payload, size_t len)
{
    size_t n = 0;
    uint8_t sum = 0;
    if (cap < 4)
        return 0;
    out[n++] = '$';
    for (size_t i = 0; i < len; i++) {
        char c = payload[i];
        bool esc = c == '#' || c == '$' || c == '}' || c == '*';
        if (n + (esc ? 2 : 1) + 3 > cap)
            return 0;
        if (esc) {
            out[n++] = '}';
            sum = (uint8_t)(sum + '}');
            c ^= 0x20;
        }
        out[n++] = c;
        sum = (uint8_t)(sum + (uint8_t)c);
    }
    out[n++] = '#';
    out[n++] = hexchars[sum >> 4];
    out[n++] = hexchars[sum & 0xF];
    return n;
}

void rsp_hex_encode(char *out, const void *data, size_t n)
{
    const uint8_t *b = data;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hexchars[b[i] >> 4];
        out[2 * i + 1] = hexchars[b[i] & 0xF];
    }
}

int rsp_hex_decode(void *out, const char *hex, size_t n)
{
    uint8_t *b = out;
    for (size_t i = 0; i < n; i++) {
        int hi = rsp_hex_digit(hex[2 * i]), lo = rsp_hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        b[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

/* A hex number at p[*i..end) up to a non-digit; false if there is none or
 * it has more than 16 digits. */
static bool hex_num(const char *p, size_t end, size_t *i, uint64_t *v)
{
    size_t start = *i;
    uint64_t x = 0;
    while (*i < end && rsp_hex_digit(p[*i]) >= 0) {
        if (*i - start == 16)
            return false;
        x = x << 4 | (uint64_t)rsp_hex_digit(p[*i]);
        (*i)++;
    }
    *v = x;
    return *i > start;
}

static bool expect(const char *p, size_t end, size_t *i, char c)
{
    if (*i < end && p[*i] == c) {
        (*i)++;
        return true;
    }
    return false;
}

static bool starts(const char *p, size_t len, const char *word)
{
    size_t n = strlen(word);
    return len >= n && !memcmp(p, word, n) && (len == n || p[n] == ':' || p[n] == ';');
}

void rsp_parse(const char *p, size_t len, struct rsp_cmd *cmd)
{
    memset(cmd, 0, sizeof(*cmd));
    cmd->kind = RSP_CMD_UNKNOWN;
    if (len == 0)
        return;
    size_t i = 1;
    uint64_t v;
    switch (p[0]) {
    case '?':
        cmd->kind = len == 1 ? RSP_CMD_STATUS : RSP_CMD_UNKNOWN;
        return;
    case 'g':
        cmd->kind = len == 1 ? RSP_CMD_READ_REGS : RSP_CMD_UNKNOWN;
        return;
    case 'D':
        cmd->kind = RSP_CMD_DETACH;      /* "D;pid" too */
        return;
    case 'k':
        cmd->kind = RSP_CMD_KILL;
        return;
    case 'H':
        cmd->kind = RSP_CMD_SET_THREAD;
        return;
    case 'p':
        cmd->kind = hex_num(p, len, &i, &v) && i == len && v < 64 ? RSP_CMD_READ_REG : RSP_CMD_BAD;
        cmd->reg = (unsigned)v;
        return;
    case 'C':
    case 'S':
        cmd->kind = p[0] == 'C' ? RSP_CMD_CONTINUE : RSP_CMD_STEP;
        if (!hex_num(p, len, &i, &v) || v > 0xFF) {
            cmd->kind = RSP_CMD_BAD;
            return;
        }
        cmd->signal = (unsigned)v;
        if (i < len) {
            i++;
            cmd->has_addr = p[i - 1] == ';' && hex_num(p, len, &i, &cmd->addr) && i == len;
            if (!cmd->has_addr)
                cmd->kind = RSP_CMD_BAD;
        }
        return;
    case 'P':
        if (!hex_num(p, len, &i, &v) || v >= 64 || !expect(p, len, &i, '=') ||
            (len - i) % 2 || len == i || len - i > 16) {
            cmd->kind = RSP_CMD_BAD;
            return;
        }
        cmd->reg = (unsigned)v;
        cmd->data = p + i;
        cmd->len = (len - i) / 2;
        cmd->kind = RSP_CMD_WRITE_REG;
        return;
    case 'c':
    case 's':
        cmd->kind = p[0] == 'c' ? RSP_CMD_CONTINUE : RSP_CMD_STEP;
        if (len > 1) {
            cmd->has_addr = hex_num(p, len, &i, &cmd->addr) && i == len;
            if (!cmd->has_addr)
                cmd->kind = RSP_CMD_BAD;
        }
        return;
    case 'm':
    case 'M':
        if (!hex_num(p, len, &i, &cmd->addr) || !expect(p, len, &i, ',') ||
            !hex_num(p, len, &i, &cmd->len)) {
            cmd->kind = RSP_CMD_BAD;
            return;
        }
        if (p[0] == 'm') {
            cmd->kind = i == len ? RSP_CMD_READ_MEM : RSP_CMD_BAD;
            return;
        }
        if (!expect(p, len, &i, ':') || len - i != 2 * cmd->len) {
            cmd->kind = RSP_CMD_BAD;
            return;
        }
        cmd->data = p + i;
        cmd->kind = RSP_CMD_WRITE_MEM;
        return;
    case 'Z':
    case 'z':
        if (!hex_num(p, len, &i, &v) || v > 4 || !expect(p, len, &i, ',') ||
            !hex_num(p, len, &i, &cmd->addr) || !expect(p, len, &i, ',') ||
            !hex_num(p, len, &i, &cmd->len)) {
            cmd->kind = RSP_CMD_BAD;
            return;
        }
        /* conditions and commands (";X...") are not taken */
        if (i != len) {
            cmd->kind = RSP_CMD_UNKNOWN;
            return;
        }
        cmd->type = (unsigned)v;
        cmd->kind = p[0] == 'Z' ? RSP_CMD_BREAK_INSERT : RSP_CMD_BREAK_REMOVE;
        return;
    case 'q':
        if (starts(p, len, "qSupported"))
            cmd->kind = RSP_CMD_QUERY_SUPPORTED;
        else if (starts(p, len, "qAttached"))
            cmd->kind = RSP_CMD_QUERY_ATTACHED;
        else if (len >= 6 && !memcmp(p, "qRcmd,", 6)) {
            cmd->data = p + 6;
            cmd->len = (len - 6) / 2;
            cmd->kind = (len - 6) % 2 ? RSP_CMD_BAD : RSP_CMD_MONITOR;
        }
        return;
    default:
        return;
    }
}

/* i386: eax ecx edx ebx esp ebp esi edi (encoding order), eip, eflags, segs. */
static const int8_t amd64_gpr[16] = { 0, 3, 1, 2, 6, 7, 5, 4, 8, 9, 10, 11, 12, 13, 14, 15 };

static size_t put(char *out, uint64_t v, unsigned bytes)
{
    uint8_t b[8];
    for (unsigned k = 0; k < bytes; k++)
        b[k] = (uint8_t)(v >> (8 * k));          /* target byte order: little endian */
    rsp_hex_encode(out, b, bytes);
    return 2 * bytes;
}

size_t rsp_encode_regs(char *out, const struct rsp_x86_regs *r, bool amd64, int reg)
{
    uint64_t val[24];
    unsigned size[24], n = 0;
    if (amd64) {
        for (unsigned k = 0; k < 16; k++, n++) {
            val[n] = r->gpr[amd64_gpr[k]];
            size[n] = 8;
        }
        val[n] = r->rip;
        size[n++] = 8;
    } else {
        for (unsigned k = 0; k < 8; k++, n++) {
            val[n] = r->gpr[k] & 0xFFFFFFFFu;
            size[n] = 4;
        }
        val[n] = r->rip & 0xFFFFFFFFu;
        size[n++] = 4;
    }
    val[n] = r->rflags & 0xFFFFFFFFu;
    size[n++] = 4;
    for (unsigned k = 0; k < 6; k++, n++) {
        val[n] = r->seg[k];
        size[n] = 4;
    }
    if (reg >= 0) {
        if ((unsigned)reg >= n)
            return 0;
        return put(out, val[reg], size[reg]);
    }
    size_t len = 0;
    for (unsigned k = 0; k < n; k++)
        len += put(out + len, val[k], size[k]);
    return len;
}

int rsp_reg_slot(unsigned n, bool amd64, unsigned *bytes)
{
    unsigned ngpr = amd64 ? 16 : 8;
    *bytes = 4;
    if (n < ngpr) {
        *bytes = amd64 ? 8 : 4;
        return amd64 ? amd64_gpr[n] : (int)n;
    }
    n -= ngpr;
    if (n == 0) {
        *bytes = amd64 ? 8 : 4;
        return RSP_SLOT_RIP;
    }
    if (n == 1)
        return RSP_SLOT_RFLAGS;
    if (n < 8)
        return RSP_SLOT_SEG + (int)(n - 2);
    return -1;
}
