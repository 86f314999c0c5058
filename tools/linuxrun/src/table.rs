//! The Linux amd64 system calls, and which of them NetBSD's Linux
//! emulation has in each release (`ffi/linux_syscalls.tab`, compiled in by
//! build.rs; the file says where each column comes from).

use std::fmt;

/// A Linux amd64 system call and whether compat_linux has it.
pub struct Syscall {
    /// Linux's number for it.
    pub nr: u16,
    /// Linux's name for it.
    pub name: &'static str,
    /// Whether compat_linux's table has it on NetBSD 10.1 and 11.0.
    pub netbsd: [bool; 2],
    /// Whether the sources leave that in doubt, per release.
    pub unsure: [bool; 2],
}

include!(concat!(env!("OUT_DIR"), "/syscalls.rs"));

/// A NetBSD release whose compat_linux table linuxrun knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Release {
    Ten,
    Eleven,
}

impl Release {
    /// The release a module was built for, from its `mi_version`
    /// (`__NetBSD_Version__`, MMmmrrpp00).
    pub fn of(version: u32) -> Option<Release> {
        match version / 100_000_000 {
            10 => Some(Release::Ten),
            11 => Some(Release::Eleven),
            _ => None,
        }
    }

    fn column(self) -> usize {
        match self {
            Release::Ten => 0,
            Release::Eleven => 1,
        }
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Release::Ten => "NetBSD 10",
            Release::Eleven => "NetBSD 11",
        })
    }
}

/// The table's line for Linux system call `nr`, if Linux has one.
pub fn lookup(nr: u64) -> Option<&'static Syscall> {
    SYSCALLS
        .binary_search_by_key(&nr, |s| u64::from(s.nr))
        .ok()
        .map(|i| &SYSCALLS[i])
}

/// Linux's name of system call `nr`, or "unknown".
pub fn name(nr: u64) -> &'static str {
    lookup(nr).map_or("unknown", |s| s.name)
}

/// Whether compat_linux of `release` has system call `nr` itself (before
/// any module installs anything).
pub fn netbsd_has(release: Release, nr: u64) -> bool {
    lookup(nr).is_some_and(|s| s.netbsd[release.column()])
}

/// Whether the table's entry for `nr` in `release` is in doubt.
pub fn unsure(release: Release, nr: u64) -> bool {
    lookup(nr).is_some_and(|s| s.unsure[release.column()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_numbers_and_names() {
        // Linux's arch/x86/entry/syscalls/syscall_64.tbl.
        for (nr, want) in [
            (0, "read"),
            (56, "clone"),
            (220, "semtimedop"),
            (334, "rseq"),
            (424, "pidfd_send_signal"),
            (435, "clone3"),
            (452, "fchmodat2"),
            (469, "file_setattr"),
        ] {
            assert_eq!(name(nr), want, "Linux call {nr}");
        }
        assert_eq!(name(335), "unknown");
        assert_eq!(name(470), "unknown");
        assert_eq!(name(u64::MAX), "unknown");
    }

    #[test]
    fn netbsd_tables() {
        use Release::*;
        // In both (syscalls.master 1.67 and 1.74).
        for nr in [0, 1, 59, 65, 202, 257, 273, 318] {
            assert!(netbsd_has(Ten, nr) && netbsd_has(Eleven, nr), "{nr}");
        }
        // In neither: sendfile, prctl, rseq, pidfd_open, openat2,
        // fchmodat2, and a number past the table.
        for nr in [40, 157, 334, 434, 437, 452, 511, 512] {
            assert!(!netbsd_has(Ten, nr) && !netbsd_has(Eleven, nr), "{nr}");
        }
        // 11 only: getcpu, memfd_create, statx, close_range, faccessat2,
        // epoll_pwait2; and the calls of October 2024.
        for nr in [309, 319, 332, 436, 439, 441, 277, 306, 316, 326, 435] {
            assert!(!netbsd_has(Ten, nr) && netbsd_has(Eleven, nr), "{nr}");
        }
        assert!(!netbsd_has(Eleven, 220) && unsure(Eleven, 220));
        assert!(!netbsd_has(Ten, 213) && unsure(Ten, 213));
        assert!(!unsure(Eleven, 309));
    }

    #[test]
    fn releases_from_versions() {
        assert_eq!(Release::of(1_100_000_000), Some(Release::Eleven));
        assert_eq!(Release::of(1_001_000_000), Some(Release::Ten));
        assert_eq!(Release::of(999_000_000), None);
        assert_eq!(Release::Ten.to_string(), "NetBSD 10");
    }
}
