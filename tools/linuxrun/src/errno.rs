//! NetBSD errno to Linux errno, as compat_linux's dispatcher translates a
//! handler's error (`native_to_linux_errno[]` of
//! `sys/compat/linux/common/linux_errno.c`): indexed by the NetBSD value;
//! NetBSD errors Linux lacks become ENOSYS there, and so they do here.

use nix::libc::*;

/// Linux's errno for each NetBSD errno 0 ..= ELAST (98), ten to a row.
#[rustfmt::skip]
const NETBSD_TO_LINUX: [c_int; 99] = [
    // 0-9
    0, EPERM, ENOENT, ESRCH, EINTR, EIO, ENXIO, E2BIG, ENOEXEC, EBADF,
    // 10-19
    ECHILD, EDEADLK, ENOMEM, EACCES, EFAULT, ENOTBLK, EBUSY, EEXIST, EXDEV, ENODEV,
    // 20-29
    ENOTDIR, EISDIR, EINVAL, ENFILE, EMFILE, ENOTTY, ETXTBSY, EFBIG, ENOSPC, ESPIPE,
    // 30-39
    EROFS, EMLINK, EPIPE, EDOM, ERANGE, EAGAIN, EINPROGRESS, EALREADY, ENOTSOCK,
    EDESTADDRREQ,
    // 40-49
    EMSGSIZE, EPROTOTYPE, ENOPROTOOPT, EPROTONOSUPPORT, ESOCKTNOSUPPORT, EOPNOTSUPP,
    EPFNOSUPPORT, EAFNOSUPPORT, EADDRINUSE, EADDRNOTAVAIL,
    // 50-59
    ENETDOWN, ENETUNREACH, ENETRESET, ECONNABORTED, ECONNRESET, ENOBUFS, EISCONN,
    ENOTCONN, ESHUTDOWN, ETOOMANYREFS,
    // 60-69: 67 is EPROCLIM
    ETIMEDOUT, ECONNREFUSED, ELOOP, ENAMETOOLONG, EHOSTDOWN, EHOSTUNREACH, ENOTEMPTY,
    ENOSYS, EUSERS, EDQUOT,
    // 70-79: 72-76 are EBADRPC .. EPROCUNAVAIL, 79 EFTYPE
    ESTALE, EREMOTE, ENOSYS, ENOSYS, ENOSYS, ENOSYS, ENOSYS, ENOLCK, ENOSYS, ENOSYS,
    // 80-89: 80 and 81 are EAUTH and ENEEDAUTH
    ENOSYS, ENOSYS, EIDRM, ENOMSG, EOVERFLOW, EILSEQ, ENOTSUP, ECANCELED, EBADMSG,
    ENODATA,
    // 90-98: 93 is ENOATTR
    ENOSR, ENOSTR, ETIME, ENOSYS, EMULTIHOP, ENOLINK, EPROTO, EOWNERDEAD,
    ENOTRECOVERABLE,
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
