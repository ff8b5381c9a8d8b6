/*
 * Coursework stubs (labs/README.md). In the full tree this header only
 * declares lab_todo; `make handout LAB=n` replaces the solution regions of
 * labs n and later by calls to it, so a student's hypervisor stops with a
 * line naming the first missing piece it reaches instead of misbehaving.
 */
#ifndef HV_LAB_H
#define HV_LAB_H

#include "hv/types.h"

#ifdef HV_HOST_TEST
/* Host unit tests and fuzz targets: the same line, then abort the test. */
#include <stdio.h>
#include <stdlib.h>
static inline __noreturn void lab_todo(int lab, const char *what)
{
    fprintf(stderr, "lab %d: %s is not implemented yet\n", lab, what);
    abort();
}
#else
/* Logs "lab N: WHAT is not implemented yet" and stops the machine (failure). */
__noreturn void lab_todo(int lab, const char *what);
#endif

#endif
