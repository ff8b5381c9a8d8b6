/* Host tests run on "CPU 0" (boot/percpu.h). */
#include "boot/percpu.h"

unsigned this_cpu_id(void) { return 0; }
