/* Error codes: functions return 0 or a negative HV_E* value. */
#ifndef HV_ERRNO_H
#define HV_ERRNO_H

#define HV_ENOMEM   12  /* out of memory */
#define HV_EINVAL   22  /* malformed input */
#define HV_ENODEV   19  /* hardware feature or device missing */
#define HV_EBUSY    16  /* resource already in use / overlapping */
#define HV_ENOENT    2  /* not found */
#define HV_EIO       5  /* device or hardware error */
#define HV_EFAULT   14  /* address outside the allowed range */
#define HV_ENOEXEC   8  /* not an executable format we know */
#define HV_E2BIG     7  /* does not fit */
#define HV_ENOSYS   38  /* not implemented / cannot decode */

#endif
