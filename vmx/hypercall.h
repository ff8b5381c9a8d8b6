/*
 * The hypercall ABI (VMCALL, opcode 0F 01 C1), for guests that know they
 * run on minivisor:
 *   EAX/RAX = function; arguments in RBX, RCX; result in RAX
 *   (0 or a positive value = success, negative = error).
 *
 *   HC_CONSOLE_WRITE (1): RBX = guest-physical address of a string,
 *                         RCX = its length (at most HC_CONSOLE_MAX bytes);
 *                         printed on the guest's console. Returns 0.
 *   HC_EXIT (2):          RBX = exit status; stops the guest. Does not return.
 *
 * Unknown functions return HC_ENOSYS; a bad buffer returns HC_EFAULT.
 * Only the guest's kernel (CPL 0) may call: from CPL > 0 every function
 * returns HC_EPERM without acting (the guest's statistics count them).
 */
#ifndef VMX_HYPERCALL_H
#define VMX_HYPERCALL_H

#define HC_CONSOLE_WRITE  1
#define HC_EXIT           2

#define HC_CONSOLE_MAX    4096

#define HC_EPERM   (-1)
#define HC_EFAULT  (-14)
#define HC_EINVAL  (-22)
#define HC_ENOSYS  (-38)

#endif
