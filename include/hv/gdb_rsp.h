/*
 * GDB's remote serial protocol (RSP), the pure part: packet framing
 * ($payload#checksum, +/- acknowledgements, Ctrl-C), hex helpers, the
 * parser of the commands the stub serves, and the x86 register layouts that
 * gdb's default i386 and amd64 targets expect in a 'g' reply.
 * Reference: the GDB manual, "Remote Protocol" ("Overview", "Packets",
 * "Stop Reply Packets"); register order from gdb's i386/amd64 defaults.
 * No hardware, no VMCS: vmm/gdbstub.c drives it.
 */
#ifndef HV_GDB_RSP_H
#define HV_GDB_RSP_H

#include <hv/types.h>

#define RSP_PACKET_MAX 4096          /* payload bytes (PacketSize we announce) */

/* What one received byte completed. */
enum rsp_event {
    RSP_EV_NONE,                     /* nothing yet */
    RSP_EV_PACKET,                   /* rx->buf[0..len) is a good packet: ack it */
    RSP_EV_BAD_CHECKSUM,             /* a packet arrived damaged (or too long): nak it */
    RSP_EV_ACK,                      /* '+' */
    RSP_EV_NAK,                      /* '-': resend the last packet */
    RSP_EV_INTERRUPT,                /* Ctrl-C (0x03) outside a packet */
};

struct rsp_rx {
    int state;                       /* 0 idle, 1 payload, 2/3 checksum digits */
    char buf[RSP_PACKET_MAX + 1];    /* NUL-terminated payload */
    size_t len;
    uint8_t sum;                     /* running checksum of the payload */
    uint8_t got;                     /* checksum as sent */
    bool overflow;
};

void rsp_rx_init(struct rsp_rx *rx);
enum rsp_event rsp_rx_byte(struct rsp_rx *rx, uint8_t c);

/* Frame payload[0..len) as "$payload#xx" into out (cap bytes); returns the
 * framed length, or 0 when it does not fit. '#', '$' and '}' in the payload
 * are escaped ("}" then the byte XOR 0x20). */
size_t rsp_frame(char *out, size_t cap, const char *payload, size_t len);
uint8_t rsp_checksum(const char *p, size_t len);

/* Hex digit value, or -1. */
int rsp_hex_digit(char c);
/* Bytes as lower-case hex (2n chars, no NUL). */
void rsp_hex_encode(char *out, const void *data, size_t n);
/* 2n hex chars into n bytes: 0, or -1 on a bad digit. */
int rsp_hex_decode(void *out, const char *hex, size_t n);

/* A parsed command. */
enum rsp_cmd_kind {
    RSP_CMD_UNKNOWN,                 /* reply with an empty packet */
    RSP_CMD_BAD,                     /* malformed arguments: reply E01 */
    RSP_CMD_STATUS,                  /* ? */
    RSP_CMD_READ_REGS,               /* g */
    RSP_CMD_READ_REG,                /* p n: reg */
    RSP_CMD_WRITE_REG,               /* P n=hex: reg, data (len bytes, target order) */
    RSP_CMD_READ_MEM,                /* m addr,len */
    RSP_CMD_WRITE_MEM,               /* M addr,len:hex (data, len bytes) */
    RSP_CMD_CONTINUE,                /* c [addr] (has_addr), C sig[;addr] (signal) */
    RSP_CMD_STEP,                    /* s [addr], S sig[;addr] */
    RSP_CMD_BREAK_INSERT,            /* Z type,addr,kind */
    RSP_CMD_BREAK_REMOVE,            /* z type,addr,kind */
    RSP_CMD_DETACH,                  /* D */
    RSP_CMD_KILL,                    /* k */
    RSP_CMD_SET_THREAD,              /* H... */
    RSP_CMD_QUERY_SUPPORTED,         /* qSupported */
    RSP_CMD_QUERY_ATTACHED,          /* qAttached */
    RSP_CMD_MONITOR,                 /* qRcmd,hex (gdb's `monitor TEXT`): data, len bytes */
};

struct rsp_cmd {
    enum rsp_cmd_kind kind;
    uint64_t addr, len;              /* m, M, Z/z (len = kind), c/s addr */
    bool has_addr;
    unsigned type;                   /* Z/z: 0 sw, 1 hw, 2 write, 3 read, 4 access */
    unsigned reg;                    /* p */
    unsigned signal;                 /* C, S: the signal to pass (0: none) */
    const char *data;                /* M: the hex data (2 * len chars) */
};

/* Parse payload pkt[0..len) (need not be NUL-terminated). */
void rsp_parse(const char *pkt, size_t len, struct rsp_cmd *cmd);

/* Guest registers for the 'g' reply. */
struct rsp_x86_regs {
    uint64_t gpr[16];                /* x86 encoding order: rax rcx rdx rbx rsp rbp rsi rdi r8.. */
    uint64_t rip, rflags;
    uint16_t seg[6];                 /* cs ss ds es fs gs */
};

/* Encode the registers as gdb's default target expects them: i386 (eax ecx
 * edx ebx esp ebp esi edi eip eflags cs ss ds es fs gs, 4 bytes each) or
 * amd64 (rax rbx rcx rdx rsi rdi rbp rsp r8-r15 rip, 8 bytes; eflags cs ss
 * ds es fs gs, 4 bytes). reg < 0: all of them; else just register `reg` in
 * gdb's numbering. Returns the hex length written to out, 0 for an unknown
 * register. out needs 2 * (24 * 8) bytes at most. */
size_t rsp_encode_regs(char *out, const struct rsp_x86_regs *r, bool amd64, int reg);

/* Where gdb's register n is in struct rsp_x86_regs: 0-15 gpr[n], RSP_SLOT_RIP,
 * RSP_SLOT_RFLAGS, RSP_SLOT_SEG + k (seg[k]); -1 for no such register.
 * *bytes: its size in the packets (4 or 8). */
#define RSP_SLOT_RIP    16
#define RSP_SLOT_RFLAGS 17
#define RSP_SLOT_SEG    18
int rsp_reg_slot(unsigned n, bool amd64, unsigned *bytes);

#endif
