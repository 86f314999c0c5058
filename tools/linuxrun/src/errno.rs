//! NetBSD errno to Linux errno, as compat_linux's dispatcher translates a
//! handler's error (`native_to_linux_errno[]` of
//! `sys/compat/linux/common/linux_errno.c`): indexed by the NetBSD value;
//! NetBSD errors Linux lacks become ENOSYS there, and so they do here.

use nix::libc::*;

/// Linux's errno for each NetBSD errno 0 ..= ELAST (98).
const NETBSD_TO_LINUX: [c_int; 99] = [
    0,
    EPERM,
    ENOENT,
    ESRCH,
    EINTR,
    EIO,
    ENXIO,
    E2BIG,
    ENOEXEC,
    EBADF, // 0-9
    ECHILD,
    EDEADLK,
    ENOMEM,
    EACCES,
    EFAULT,
    ENOTBLK,
    EBUSY,
    EEXIST,
    EXDEV,
    ENODEV, // 10-19
    ENOTDIR,
    EISDIR,
    EINVAL,
    ENFILE,
    EMFILE,
    ENOTTY,
    ETXTBSY,
    EFBIG,
    ENOSPC,
    ESPIPE, // 20-29
    EROFS,
    EMLINK,
    EPIPE,
    EDOM,
    ERANGE,
    EAGAIN,
    EINPROGRESS,
    EALREADY,
    ENOTSOCK, // 30-38
    EDESTADDRREQ,
    EMSGSIZE,
    EPROTOTYPE,
    ENOPROTOOPT,
    EPROTONOSUPPORT, // 39-43
    ESOCKTNOSUPPORT,
    EOPNOTSUPP,
    EPFNOSUPPORT,
    EAFNOSUPPORT,
    EADDRINUSE, // 44-48
    EADDRNOTAVAIL,
    ENETDOWN,
    ENETUNREACH,
    ENETRESET,
    ECONNABORTED,
    ECONNRESET, // 49-54
    ENOBUFS,
    EISCONN,
    ENOTCONN,
    ESHUTDOWN,
    ETOOMANYREFS,
    ETIMEDOUT,
    ECONNREFUSED, // 55-61
    ELOOP,
    ENAMETOOLONG,
    EHOSTDOWN,
    EHOSTUNREACH,
    ENOTEMPTY, // 62-66
    ENOSYS,    // 67 EPROCLIM
    EUSERS,
    EDQUOT,
    ESTALE,
    EREMOTE, // 68-71
    ENOSYS,
    ENOSYS,
    ENOSYS,
    ENOSYS,
    ENOSYS, // 72-76 EBADRPC .. EPROCUNAVAIL
    ENOLCK,
    ENOSYS, // 77-78
    ENOSYS,
    ENOSYS,
    ENOSYS, // 79-81 EFTYPE, EAUTH, ENEEDAUTH
    EIDRM,
    ENOMSG,
    EOVERFLOW,
    EILSEQ,
    ENOTSUP,
    ECANCELED,
    EBADMSG,
    ENODATA, // 82-89
    ENOSR,
    ENOSTR,
    ETIME,  // 90-92
    ENOSYS, // 93 ENOATTR
    EMULTIHOP,
    ENOLINK,
    EPROTO,
    EOWNERDEAD,
    ENOTRECOVERABLE, // 94-98
];

/// The Linux errno for NetBSD errno `e` (> 0).
pub fn to_linux(e: c_int) -> c_int {
    usize::try_from(e)
        .ok()
        .and_then(|i| NETBSD_TO_LINUX.get(i).copied())
        .unwrap_or(ENOSYS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netbsd_numbers_land_on_linux_ones() {
        // NetBSD's sys/errno.h: EAGAIN 35, ELOOP 62, ENAMETOOLONG 63,
        // ENOTEMPTY 66, ENOSYS 78, EIDRM 82, EOVERFLOW 84, ENOTSUP 86.
        let pairs = [
            (1, EPERM),
            (34, ERANGE),
            (35, EAGAIN),
            (62, ELOOP),
            (63, ENAMETOOLONG),
            (66, ENOTEMPTY),
            (78, ENOSYS),
            (82, EIDRM),
            (84, EOVERFLOW),
            (86, ENOTSUP),
            (98, ENOTRECOVERABLE),
            (99, ENOSYS),
        ];
        for (netbsd, linux) in pairs {
            assert_eq!(to_linux(netbsd), linux, "NetBSD errno {netbsd}");
        }
    }
}
