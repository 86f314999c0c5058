//! Tests of `faccessat2.rs`.

use std::ffi::CString;
use std::fs::{self, File};
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;

use super::*;
use crate::model::{
    self, CLOSED_FD, ModelLwp, Scratch, assert_balanced, same_as_host, trace, trace_reset,
};

const R: u64 = 4;
const W: u64 = 2;
const X: u64 = 1;
const EACCESS: u64 = 0x200;
const NOFOLLOW: u64 = 0x100;
const EMPTY: u64 = 0x1000;

fn run(dirfd: u64, path: &CString, mode: u64, flags: u64) -> i32 {
    let lwp = ModelLwp::on_cpu(0);
    trace_reset();
    let error = same_as_host(&lwp, NR, [dirfd, path.as_ptr() as u64, mode, flags, 0, 0]);
    assert_balanced();
    let t = trace();
    assert_eq!(
        (t.creds_held, t.vnodes_referenced),
        (0, 0),
        "credential or vnode leaked"
    );
    error
}

fn tree() -> (Scratch, File) {
    let s = Scratch::new("access", 10);
    fs::set_permissions(s.dir.join("file"), fs::Permissions::from_mode(0o640)).unwrap();
    fs::write(s.dir.join("exe"), "#!/bin/sh\n").unwrap();
    fs::set_permissions(s.dir.join("exe"), fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink("missing", s.dir.join("dangling")).unwrap();
    let dir = File::open(&s.dir).unwrap();
    (s, dir)
}

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

#[test]
fn modes_and_flags_match_linux() {
    let (s, dir) = tree();
    let fd = dir.as_raw_fd() as u64;
    for mode in [0, R, W, X, R | W, R | W | X] {
        for flags in [0, EACCESS, NOFOLLOW, EACCESS | NOFOLLOW] {
            run(fd, &c("file"), mode, flags);
            run(fd, &c("exe"), mode, flags);
        }
    }
    assert_eq!(
        run(fd, &c("file"), X, 0),
        sys::EACCES as i32,
        "root needs an x bit"
    );
    assert_eq!(run(fd, &c("dangling"), 0, 0), sys::ENOENT as i32);
    assert_eq!(run(fd, &c("dangling"), 0, NOFOLLOW), 0);
    assert_eq!(run(fd, &c("nothing"), 0, 0), sys::ENOENT as i32);
    let abs = c(s.dir.join("exe").to_str().unwrap());
    assert_eq!(
        run(model::CLOSED_FD, &abs, X, 0),
        0,
        "absolute paths ignore the descriptor"
    );
}

#[test]
fn invalid_modes_and_flags_are_einval() {
    let (_s, dir) = tree();
    let fd = dir.as_raw_fd() as u64;
    for (mode, flags) in [
        (8, 0),
        (u32::MAX as u64, 0),
        (0, 1),
        (0, 0x400),
        (0, 0x800),
        (0, 0x1_0000_0000 | 0x2),
    ] {
        assert_eq!(
            run(fd, &c("file"), mode, flags),
            sys::EINVAL as i32,
            "mode {mode:x} flags {flags:x}"
        );
    }
    // Only the low 32 bits of flags count: an upper half is ignored.
    assert_eq!(run(fd, &c("file"), R, 0xdead_0000_0000 | EACCESS), 0);
}

#[test]
fn directory_descriptors_are_checked() {
    let (s, _dir) = tree();
    let file = File::open(s.dir.join("file")).unwrap();
    assert_eq!(run(CLOSED_FD, &c("file"), 0, 0), sys::EBADF as i32);
    assert_eq!(run((-5i64) as u64, &c("file"), 0, 0), sys::EBADF as i32);
    assert_eq!(
        run(file.as_raw_fd() as u64, &c("file"), 0, 0),
        sys::ENOTDIR as i32
    );
    let (sock, _peer) = std::os::unix::net::UnixStream::pair().unwrap();
    assert_eq!(
        run(sock.as_raw_fd() as u64, &c("file"), 0, 0),
        sys::ENOTDIR as i32
    );
}

#[test]
fn empty_paths() {
    let (s, dir) = tree();
    let file = File::open(s.dir.join("file")).unwrap();
    assert_eq!(
        run(dir.as_raw_fd() as u64, &c(""), 0, 0),
        sys::ENOENT as i32
    );
    assert_eq!(run(file.as_raw_fd() as u64, &c(""), R | W, EMPTY), 0);
    assert_eq!(
        run(file.as_raw_fd() as u64, &c(""), X, EMPTY),
        sys::EACCES as i32
    );
    assert_eq!(
        run(dir.as_raw_fd() as u64, &c(""), R | X, EMPTY | EACCESS),
        0
    );
    assert_eq!(
        run(sys::AT_FDCWD as u64, &c(""), 0, EMPTY),
        0,
        "the working directory"
    );
    assert_eq!(run(CLOSED_FD, &c(""), 0, EMPTY), sys::EBADF as i32);
}

/// Runs `f` in a child whose real user is root and effective user nobody,
/// with an LWP of it: `f`'s exit status, or 100 if the IDs could not be set.
fn as_root_and_nobody(f: impl FnOnce(&ModelLwp) -> i32) -> i32 {
    model::in_child(|| {
        unsafe extern "C" {
            fn setresuid(r: u32, e: u32, s: u32) -> i32;
        }
        // SAFETY: changes this child's IDs only.
        if unsafe { setresuid(0, 65534, 0) } != 0 {
            return 100;
        }
        f(&ModelLwp::on_cpu(0))
    })
}

/// Without AT_EACCESS the credential VOP_ACCESS is given has the real
/// IDs as its effective ones; with it, the LWP's own. The child's real
/// user is root and its effective user nobody, so they differ.
#[test]
fn real_ids_unless_eaccess() {
    let s = Scratch::new("access", 10);
    fs::set_permissions(s.dir.join("file"), fs::Permissions::from_mode(0o644)).unwrap();
    let file = File::open(s.dir.join("file")).unwrap();
    let empty = c("");
    let wrong = as_root_and_nobody(|lwp| {
        for (i, (flags, real)) in [(EMPTY, true), (EMPTY | EACCESS, false)]
            .into_iter()
            .enumerate()
        {
            trace_reset();
            let regs = [
                file.as_raw_fd() as u64,
                empty.as_ptr() as u64,
                R,
                flags,
                0,
                0,
            ];
            let (error, _) = model::call(lwp, NR, regs);
            if (error, trace().access_real_ids) != (0, real) {
                return 101 + i as i32;
            }
        }
        0
    });
    assert_eq!(wrong, 0, "case {} (100: setresuid)", wrong - 101);
}

/// In a child whose effective user is nobody and real user root, the
/// module and the host answer alike: root may read a 0600 file, nobody
/// may not, and AT_EACCESS decides which is asked.
#[test]
fn differing_real_and_effective_ids_match_linux() {
    let s = Scratch::new("access", 10);
    fs::set_permissions(s.dir.join("file"), fs::Permissions::from_mode(0o600)).unwrap();
    fs::set_permissions(&s.dir, fs::Permissions::from_mode(0o755)).unwrap();
    let path = c(s.dir.join("file").to_str().unwrap());
    let empty = c("");
    let file = File::open(s.dir.join("file")).unwrap();
    let agreed = as_root_and_nobody(|lwp| {
        let cases = [
            ([sys::AT_FDCWD as u64, path.as_ptr() as u64, R, 0, 0, 0], 0),
            (
                [sys::AT_FDCWD as u64, path.as_ptr() as u64, R, EACCESS, 0, 0],
                sys::EACCES as i32,
            ),
            (
                [
                    file.as_raw_fd() as u64,
                    empty.as_ptr() as u64,
                    R,
                    EMPTY,
                    0,
                    0,
                ],
                0,
            ),
            (
                [
                    file.as_raw_fd() as u64,
                    empty.as_ptr() as u64,
                    R,
                    EMPTY | EACCESS,
                    0,
                    0,
                ],
                sys::EACCES as i32,
            ),
        ];
        for (i, (regs, expect)) in cases.into_iter().enumerate() {
            let (error, _) = model::call(lwp, NR, regs);
            let host = model::host(NR, regs).err().unwrap_or(0);
            if error != expect || host != expect {
                return 101 + i as i32;
            }
        }
        0
    });
    assert_eq!(
        agreed,
        0,
        "case {} disagreed (100: setresuid)",
        agreed - 101
    );
}

#[test]
fn unreadable_paths_are_efault() {
    let lwp = ModelLwp::on_cpu(0);
    for flags in [0, EMPTY] {
        let regs = [sys::AT_FDCWD as u64, 8, 0, flags, 0, 0];
        assert_eq!(same_as_host(&lwp, NR, regs), sys::EFAULT as i32);
    }
}

/// Linux copies the path in before it looks at the directory descriptor:
/// a path that cannot be read or is too long wins over a bad `dirfd`.
#[test]
fn the_path_is_copied_in_before_dirfd_is_checked() {
    let (s, _dir) = tree();
    let file = File::open(s.dir.join("file")).unwrap();
    let long = c(&"a/".repeat(3000));
    for dirfd in [CLOSED_FD, file.as_raw_fd() as u64, (-5i64) as u64] {
        assert_eq!(run(dirfd, &long, 0, 0), sys::ENAMETOOLONG as i32);
        let lwp = ModelLwp::on_cpu(0);
        let (error, _) = model::call(&lwp, NR, [dirfd, 8, 0, 0, 0, 0]);
        assert_eq!(
            Err(model::linux_errno(error)),
            model::host(NR, [dirfd, 8, 0, 0, 0, 0]),
            "unreadable path, dirfd {dirfd}"
        );
    }
}

/// Linux has no busy-text check in access(2): a program being run may be
/// checked for writing like any file (NetBSD's access(2) says ETXTBSY).
#[test]
fn a_running_program_is_checked_like_any_file() {
    let exe = std::fs::read_link("/proc/self/exe").unwrap();
    let exe = c(exe.to_str().unwrap());
    assert_eq!(run(sys::AT_FDCWD as u64, &exe, W, 0), 0);
    assert_eq!(run(sys::AT_FDCWD as u64, &exe, W, EACCESS), 0);
}

#[test]
fn write_checks_on_a_read_only_file_system_are_erofs() {
    let status = model::on_mount(model::MS_RDONLY, |dir| {
        let path = |name: &str| c(dir.join(name).to_str().unwrap());
        let at = sys::AT_FDCWD as u64;
        let file = File::open(dir.join("file")).unwrap();
        let erofs = sys::EROFS as i32;
        let results = [
            run(at, &path("file"), W, 0),
            run(at, &path("sub"), W, 0),
            run(at, &path("link"), W, NOFOLLOW),
            run(file.as_raw_fd() as u64, &c(""), W, EMPTY),
            run(file.as_raw_fd() as u64, &c(""), R | X, EMPTY),
            run(at, &path("file"), R, 0),
        ];
        i32::from(results != [erofs, erofs, erofs, erofs, 0, 0])
    });
    assert_eq!(status, 0, "100, 101: no private read-only tmpfs here");
}

#[test]
fn exec_checks_on_a_noexec_file_system_are_eacces() {
    let status = model::on_mount(model::MS_NOEXEC, |dir| {
        let path = |name: &str| c(dir.join(name).to_str().unwrap());
        let at = sys::AT_FDCWD as u64;
        let results = [
            run(at, &path("file"), X, 0),
            run(at, &path("sub"), X, 0),
            run(at, &path("file"), R | W, 0),
        ];
        i32::from(results != [sys::EACCES as i32, 0, 0])
    });
    assert_eq!(status, 0, "100, 101: no private noexec tmpfs here");
}
