//! Tests of `fchmodat2.rs`, against the host's fchmodat2 on twin trees.

use std::ffi::CString;
use std::fs::{self, File};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use super::*;
use crate::model::{
    self, CLOSED_FD, ModelLwp, Scratch, assert_balanced, linux_errno, trace, trace_reset,
};
use crate::sys;

const NOFOLLOW: u64 = 0x100;
const EMPTY: u64 = 0x1000;

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// A tree: "f" (0644), "d/" (0755), "l" → "f", "dl" → "missing".
fn tree(dir: &Path) {
    fs::create_dir(dir).unwrap();
    fs::write(dir.join("f"), "data").unwrap();
    fs::set_permissions(dir.join("f"), fs::Permissions::from_mode(0o644)).unwrap();
    fs::create_dir(dir.join("d")).unwrap();
    fs::set_permissions(dir.join("d"), fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink("f", dir.join("l")).unwrap();
    std::os::unix::fs::symlink("missing", dir.join("dl")).unwrap();
}

fn mode_of(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

/// The call by the module on one tree and by the host on its twin, with
/// `dirfd` open on the tree's folder (or `AT_FDCWD` with an absolute
/// path): results and the modes of "f", "d", "l" must agree. Returns the
/// module's result as a Linux errno (0 for success).
fn same(path: &str, mode: u64, flags: u64) -> i32 {
    let s = Scratch::new("chmod", 0);
    let mut seen = Vec::new();
    for side in ["m", "h"] {
        let dir = s.dir.join(side);
        tree(&dir);
        let dfd = File::open(&dir).unwrap();
        let path = c(path);
        let regs = [
            dfd.as_raw_fd() as u64,
            path.as_ptr() as u64,
            mode,
            flags,
            0,
            0,
        ];
        let result = if side == "m" {
            let lwp = ModelLwp::on_cpu(0);
            trace_reset();
            let (error, _) = model::call(&lwp, NR, regs);
            assert_balanced();
            let t = trace();
            assert_eq!((t.creds_held, t.vnodes_referenced), (0, 0));
            if error == 0 { 0 } else { linux_errno(error) }
        } else {
            model::host(NR, regs).err().unwrap_or(0)
        };
        let modes: Vec<u32> = ["f", "d", "l"]
            .iter()
            .map(|n| mode_of(&dir.join(n)))
            .collect();
        seen.push((result, modes));
    }
    assert_eq!(
        seen[0], seen[1],
        "module vs host: {path} {mode:o} {flags:x}"
    );
    seen[0].0
}

#[test]
fn sets_the_permission_bits() {
    assert_eq!(same("f", 0o600, 0), 0);
    assert_eq!(same("d", 0o700, 0), 0);
    assert_eq!(same("f", 0o4755, 0), 0, "root may set SUID");
    assert_eq!(same("d", 0o3777, 0), 0);
    // mode_t is 16 bits; only 07777 of them count.
    assert_eq!(same("f", 0x1_0000_0000 | 0x1_0777, 0), 0);
    assert_eq!(same("f", 0o170_600, 0), 0);
}

#[test]
fn symbolic_links_are_followed_unless_nofollow() {
    assert_eq!(same("l", 0o600, 0), 0);
    assert_eq!(same("l", 0o600, NOFOLLOW), 95);
    assert_eq!(same("dl", 0o600, NOFOLLOW), 95);
    assert_eq!(same("dl", 0o600, 0), 2);
    assert_eq!(same("f", 0o600, NOFOLLOW), 0);
}

#[test]
fn flags_are_checked_first() {
    for flags in [0x200, 0x400, 1, 0x2000, 0x8000_0000] {
        assert_eq!(same("missing", 0o600, flags), 22, "{flags:x}");
    }
    // Only the low 32 bits are the flags.
    assert_eq!(same("f", 0o600, 0xdead_0000_0000 | NOFOLLOW), 0);
}

#[test]
fn lookups() {
    assert_eq!(same("missing", 0o600, 0), 2);
    assert_eq!(same("f/x", 0o600, 0), 20);
    assert_eq!(same("", 0o600, 0), 2);
    assert_eq!(same("d/../f", 0o640, 0), 0);
}

#[test]
fn descriptors() {
    let s = Scratch::new("chmod", 10);
    let path = c("file");
    let abs = c(s.dir.join("file").to_str().unwrap());
    let lwp = ModelLwp::on_cpu(0);
    for (dirfd, path, expect) in [
        (CLOSED_FD, &path, 9),
        ((-5i64) as u64, &path, 9),
        (s.file.as_raw_fd() as u64, &path, 20),
        (CLOSED_FD, &abs, 0),
        (s.file.as_raw_fd() as u64, &abs, 0),
    ] {
        let regs = [dirfd, path.as_ptr() as u64, 0o640, 0, 0, 0];
        trace_reset();
        assert_eq!(
            linux_errno_or_0(model::same_as_host(&lwp, NR, regs)),
            expect
        );
        assert_balanced();
    }
}

fn linux_errno_or_0(netbsd: i32) -> i32 {
    if netbsd == 0 { 0 } else { linux_errno(netbsd) }
}

#[test]
fn empty_path_names_the_descriptor() {
    let s = Scratch::new("chmod", 10);
    let empty = c("");
    let lwp = ModelLwp::on_cpu(0);
    let file = s.file.as_raw_fd() as u64;
    for (fd, mode, flags, expect) in [
        (file, 0o600, EMPTY, 0),
        (file, 0o640, EMPTY | NOFOLLOW, 0),
        (file, 0o600, 0, 2),
        (CLOSED_FD, 0o600, EMPTY, 9),
    ] {
        let regs = [fd, empty.as_ptr() as u64, mode, flags, 0, 0];
        trace_reset();
        assert_eq!(
            linux_errno_or_0(model::same_as_host(&lwp, NR, regs)),
            expect
        );
        assert_balanced();
        if expect == 0 {
            assert_eq!(mode_of(&s.dir.join("file")), mode as u32);
        }
    }
}

/// A pipe has no vnode on NetBSD: EINVAL, as fchmod(2) there (Linux
/// changes the pipe's mode).
#[test]
fn empty_path_on_a_pipe_is_einval() {
    let (r, _w) = std::io::pipe().unwrap();
    let empty = c("");
    let lwp = ModelLwp::on_cpu(0);
    trace_reset();
    let (error, _) = model::call(
        &lwp,
        NR,
        [
            r.as_raw_fd() as u64,
            empty.as_ptr() as u64,
            0o600,
            EMPTY,
            0,
            0,
        ],
    );
    assert_balanced();
    assert_eq!(error, sys::EINVAL as i32);
}

#[test]
fn the_path_is_copied_in_before_dirfd_is_looked_at() {
    let s = Scratch::new("chmod", 10);
    let long = c(&"a/".repeat(3000));
    let lwp = ModelLwp::on_cpu(0);
    for dirfd in [CLOSED_FD, s.file.as_raw_fd() as u64] {
        trace_reset();
        assert_eq!(
            model::same_as_host(&lwp, NR, [dirfd, long.as_ptr() as u64, 0o600, 0, 0, 0]),
            sys::ENAMETOOLONG as i32
        );
        assert_eq!(
            model::same_as_host(&lwp, NR, [dirfd, 8, 0o600, 0, 0, 0]),
            sys::EFAULT as i32
        );
    }
}

/// As another user, in a child: not the owner → EPERM; the owner outside
/// the file's group asking for S_ISGID gets the mode without it, as on
/// Linux (NetBSD alone would refuse); the sticky bit on a file is a
/// deviation (EPERM; Linux sets it).
#[test]
fn other_users() {
    let s = Scratch::new("chmod", 10);
    fs::set_permissions(&s.dir, fs::Permissions::from_mode(0o777)).unwrap();
    let mine = s.dir.join("mine");
    let theirs = s.dir.join("file");
    // The child's, in root's group.
    fs::write(&mine, "x").unwrap();
    std::os::unix::fs::chown(&mine, Some(65534), Some(0)).unwrap();
    let status = model::in_child(|| {
        unsafe extern "C" {
            fn setresgid(r: u32, e: u32, s: u32) -> i32;
            fn setresuid(r: u32, e: u32, s: u32) -> i32;
            fn setgroups(n: usize, list: *const u32) -> i32;
        }
        // SAFETY: this child's own IDs.
        if unsafe {
            setgroups(0, std::ptr::null()) != 0
                || setresgid(65534, 65534, 65534) != 0
                || setresuid(65534, 65534, 65534) != 0
        } {
            return 100;
        }
        let lwp = ModelLwp::on_cpu(0);
        let call = |path: &Path, mode: u64| {
            let p = c(path.to_str().unwrap());
            let regs = [sys::AT_FDCWD as u64, p.as_ptr() as u64, mode, 0, 0, 0];
            trace_reset();
            let (error, _) = model::call(&lwp, NR, regs);
            if trace().violations != 0 {
                return -1;
            }
            linux_errno_or_0(error)
        };
        let host = |path: &Path, mode: u64| {
            let p = c(path.to_str().unwrap());
            model::host(NR, [sys::AT_FDCWD as u64, p.as_ptr() as u64, mode, 0, 0, 0])
                .err()
                .unwrap_or(0)
        };
        if call(&theirs, 0o600) != 1 || host(&theirs, 0o600) != 1 {
            return 101;
        }
        // S_ISGID outside the group (root's group 0): dropped.
        if call(&mine, 0o2640) != 0 || mode_of(&mine) != 0o640 {
            return 102;
        }
        if host(&mine, 0o2600) != 0 || mode_of(&mine) != 0o600 {
            return 103;
        }
        if call(&mine, 0o1644) != 1 || host(&mine, 0o1644) != 0 {
            return 104;
        }
        0
    });
    assert_eq!(
        status, 0,
        "100: set IDs, 101: other's file, 102, 103: SGID, 104: sticky"
    );
}

#[test]
fn a_read_only_mount_is_erofs() {
    let status = model::on_mount(model::MS_RDONLY, |dir| {
        let p = c(dir.join("file").to_str().unwrap());
        let lwp = ModelLwp::on_cpu(0);
        let regs = [sys::AT_FDCWD as u64, p.as_ptr() as u64, 0o600, 0, 0, 0];
        let (error, _) = model::call(&lwp, NR, regs);
        let host = model::host(NR, regs);
        i32::from((error, host) != (sys::EROFS as i32, Err(30)))
    });
    assert_eq!(status, 0, "100, 101: no private read-only tmpfs here");
}

/// chattr +i and +a (root, on a file system that has them): EPERM.
#[test]
fn immutable_and_append_only_files_are_eperm() {
    for attr in ["+i", "+a"] {
        let s = Scratch::new("chmod", 10);
        let path = s.dir.join("file");
        if !std::process::Command::new("chattr")
            .arg(attr)
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success())
        {
            eprintln!("skipped: chattr {attr} is not available here");
            return;
        }
        let p = c(path.to_str().unwrap());
        let lwp = ModelLwp::on_cpu(0);
        trace_reset();
        let regs = [sys::AT_FDCWD as u64, p.as_ptr() as u64, 0o600, 0, 0, 0];
        assert_eq!(
            model::same_as_host(&lwp, NR, regs),
            sys::EPERM as i32,
            "{attr}"
        );
        assert_balanced();
        let _ = std::process::Command::new("chattr")
            .arg(attr.replace('+', "-"))
            .arg(&path)
            .status();
    }
}
