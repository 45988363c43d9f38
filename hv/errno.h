/* Negative-errno convention shared by the hypervisor, its pure builders and the
 * hypercall ABI.  Values match Linux so a guest can print them with strerror. */
#ifndef HV_ERRNO_H
#define HV_ERRNO_H

#ifndef EPERM
#define EPERM   1
#endif
#ifndef ENOENT
#define ENOENT  2
#endif
#ifndef E2BIG
#define E2BIG   7
#endif
#ifndef ENOEXEC
#define ENOEXEC 8
#endif
#ifndef ENOMEM
#define ENOMEM  12
#endif
#ifndef EACCES
#define EACCES  13
#endif
#ifndef EFAULT
#define EFAULT  14
#endif
#ifndef EEXIST
#define EEXIST  17
#endif
#ifndef EINVAL
#define EINVAL  22
#endif
#ifndef ENOSPC
#define ENOSPC  28
#endif
#ifndef ERANGE
#define ERANGE  34
#endif
#ifndef ENOSYS
#define ENOSYS  38
#endif
#ifndef EOVERFLOW
#define EOVERFLOW 75
#endif
#ifndef ENOTSUP
#define ENOTSUP 95
#endif

#endif
