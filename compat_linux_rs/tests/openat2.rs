//! Tests of `openat2.rs`, against the host's openat2 on twin trees.

use std::ffi::CString;
use std::fs::{self, File};
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;

use super::*;
use crate::model::{self, ModelLwp, Scratch, assert_balanced, linux_errno, trace, trace_reset};
use crate::sys;

const O_WRONLY: u64 = 0o1;
const O_RDWR: u64 = 0o2;
const O_CREAT: u64 = 0o100;
const O_EXCL: u64 = 0o200;
const O_TRUNC: u64 = 0o1000;
const O_DIRECTORY: u64 = 0o200000;
const O_NOFOLLOW: u64 = 0o400000;
const O_CLOEXEC: u64 = 0o2000000;
const O_PATH: u64 = 0o10000000;
const O_TMPFILE: u64 = 0o20000000 | O_DIRECTORY;

const NO_XDEV: u64 = 0x01;
const NO_SYMLINKS: u64 = 0x04;
const BENEATH: u64 = 0x08;
const IN_ROOT: u64 = 0x10;
const CACHED: u64 = 0x20;

/// A tree under `top`: "root/" (the walks' dirfd) holding "f" ("in"),
/// "d/g" ("deep"), "rel" → "d/g", "up" → "..", "abs" → "/f" (inside the
/// root for IN_ROOT, the host's /f otherwise), "esc" → "../outside",
/// "loop" → "loop", "dangling" → "missing", "dir" → "d"; and "outside"
/// ("out") next to "root".
fn tree(top: &Path) {
    let root = top.join("root");
    fs::create_dir_all(root.join("d")).unwrap();
    fs::write(root.join("f"), "in").unwrap();
    fs::write(root.join("d/g"), "deep").unwrap();
    fs::write(top.join("outside"), "out").unwrap();
    for (name, target) in [
        ("rel", "d/g"),
        ("up", ".."),
        ("abs", "/f"),
        ("esc", "../outside"),
        ("loop", "loop"),
        ("dangling", "missing"),
        ("dir", "d"),
    ] {
        symlink(target, root.join(name)).unwrap();
    }
}

/// What an open gave: the Linux errno, or the file's kind and contents
/// (a directory's names, sorted), and its descriptor flags.
#[derive(Debug, PartialEq, Eq)]
enum Opened {
    Err(i32),
    File(String, bool),
    Dir(Vec<String>, bool),
}

fn opened(fd: i64) -> Opened {
    // SAFETY: a descriptor the call just made, owned from here on.
    let mut file = unsafe { File::from_raw_fd(fd as i32) };
    // SAFETY: reads the descriptor's flags.
    let cloexec = unsafe { fcntl(fd as i32, 1) } & 1 != 0;
    let meta = file.metadata().unwrap();
    if meta.is_dir() {
        let path = fs::read_link(format!("/proc/self/fd/{fd}")).unwrap();
        let mut names: Vec<String> = fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        Opened::Dir(names, cloexec)
    } else {
        let mut text = String::new();
        let _ = file.read_to_string(&mut text);
        Opened::File(text, cloexec)
    }
}

unsafe extern "C" {
    fn fcntl(fd: i32, cmd: i32, ...) -> i32;
}

/// The call by the module in one tree and by the host in its twin, with
/// `dirfd` open on the tree's "root": both must agree. Returns what the
/// module gave.
fn same(path: &str, flags: u64, mode: u64, resolve: u64) -> Opened {
    let s = Scratch::new("openat2", 0);
    let mut seen = Vec::new();
    for side in ["m", "h"] {
        let top = s.dir.join(side);
        tree(&top);
        let dir = File::open(top.join("root")).unwrap();
        let path = CString::new(path).unwrap();
        let how = [flags, mode, resolve];
        let regs = [
            dir.as_raw_fd() as u64,
            path.as_ptr() as u64,
            how.as_ptr() as u64,
            24,
            0,
            0,
        ];
        let result = if side == "m" {
            let lwp = ModelLwp::on_cpu(0);
            trace_reset();
            let (error, fd) = model::call(&lwp, NR, regs);
            assert_balanced();
            let t = trace();
            assert_eq!(
                (t.allocated, t.vnodes_referenced, t.creds_held),
                (0, 0, 0),
                "memory, a vnode or a credential kept"
            );
            if error == 0 {
                assert_eq!(t.opens, 1);
                Ok(fd)
            } else {
                Err(linux_errno(error))
            }
        } else {
            model::host(NR, regs)
        };
        seen.push(match result {
            Ok(fd) => opened(fd),
            Err(e) => Opened::Err(e),
        });
    }
    assert_eq!(
        seen[0], seen[1],
        "module vs host: {path} {flags:o} {resolve:x}"
    );
    seen.swap_remove(0)
}

/// The call by the module and on the host, their descriptors closed:
/// success, or the Linux errno, for each.
fn both(lwp: &ModelLwp, regs: [u64; 6]) -> (Result<(), i32>, Result<(), i32>) {
    trace_reset();
    let (error, fd) = model::call(lwp, NR, regs);
    assert_balanced();
    let host = model::host(NR, regs);
    for fd in [Some(fd).filter(|_| error == 0), host.ok()]
        .into_iter()
        .flatten()
    {
        // SAFETY: a descriptor a call just made.
        drop(unsafe { File::from_raw_fd(fd as i32) });
    }
    let module = if error == 0 {
        Ok(())
    } else {
        Err(linux_errno(error))
    };
    (module, host.map(|_| ()))
}

fn file(text: &str) -> Opened {
    Opened::File(text.into(), false)
}

#[test]
fn opens_files_and_directories() {
    assert_eq!(same("f", 0, 0, 0), file("in"));
    assert_eq!(same("d/g", O_RDWR, 0, 0), file("deep"));
    assert_eq!(same("rel", 0, 0, 0), file("deep"));
    assert_eq!(same("dir/g", 0, 0, 0), file("deep"));
    assert_eq!(same("f", O_CLOEXEC, 0, 0), Opened::File("in".into(), true));
    assert!(matches!(same(".", O_DIRECTORY, 0, 0), Opened::Dir(..)));
    assert!(matches!(same("d/", 0, 0, 0), Opened::Dir(..)));
    assert!(matches!(same("d/..", 0, 0, 0), Opened::Dir(..)));
    assert!(matches!(same("up", 0, 0, 0), Opened::Dir(..)));
}

#[test]
fn lookup_errors() {
    assert_eq!(same("missing", 0, 0, 0), Opened::Err(2));
    assert_eq!(same("f/x", 0, 0, 0), Opened::Err(20));
    assert_eq!(same("f/", 0, 0, 0), Opened::Err(20));
    assert_eq!(same("f", O_DIRECTORY, 0, 0), Opened::Err(20));
    assert_eq!(same("d", O_WRONLY, 0, 0), Opened::Err(21));
    assert_eq!(same("dangling", 0, 0, 0), Opened::Err(2));
    assert_eq!(same("loop", 0, 0, 0), Opened::Err(40));
    assert_eq!(same("rel", O_NOFOLLOW, 0, 0), Opened::Err(40));
}

#[test]
fn creation() {
    assert_eq!(same("new", O_CREAT | O_WRONLY, 0o640, 0), file(""));
    assert_eq!(
        same("f", O_CREAT | O_EXCL | O_WRONLY, 0o640, 0),
        Opened::Err(17)
    );
    assert_eq!(same("rel", O_CREAT | O_EXCL, 0o640, 0), Opened::Err(17));
    assert_eq!(same("f", O_CREAT | O_TRUNC | O_RDWR, 0o640, 0), file(""));
    assert_eq!(same("new/", O_CREAT, 0o640, 0), Opened::Err(21));
    assert_eq!(same("d", O_CREAT, 0o640, 0), Opened::Err(21));
    assert_eq!(same(".", O_CREAT, 0o640, 0), Opened::Err(21));
    // A dangling link is followed to its target, which is created.
    assert_eq!(same("dangling", O_CREAT | O_WRONLY, 0o600, 0), file(""));
}

#[test]
fn created_mode_takes_the_umask() {
    let s = Scratch::new("openat2", 0);
    let dir = File::open(&s.dir).unwrap();
    let name = CString::new("made").unwrap();
    let how = [O_CREAT | O_WRONLY, 0o777u64, 0];
    let lwp = ModelLwp::on_cpu(0);
    trace_reset();
    let (error, fd) = model::call(
        &lwp,
        NR,
        [
            dir.as_raw_fd() as u64,
            name.as_ptr() as u64,
            how.as_ptr() as u64,
            24,
            0,
            0,
        ],
    );
    assert_balanced();
    assert_eq!(error, 0);
    // SAFETY: the descriptor made above.
    drop(unsafe { File::from_raw_fd(fd as i32) });
    // SAFETY: reads the mask back at once.
    let mask = unsafe {
        let m = umask(0);
        umask(m);
        m
    };
    assert_eq!(
        fs::metadata(s.dir.join("made")).unwrap().mode() & 0o7777,
        0o777 & !mask
    );
}

unsafe extern "C" {
    fn umask(mask: u32) -> u32;
}

#[test]
fn how_is_checked() {
    let s = Scratch::new("openat2", 10);
    let path = CString::new(s.dir.join("file").to_str().unwrap()).unwrap();
    let lwp = ModelLwp::on_cpu(0);
    let mut big = [0u64; 8];
    let run = |how: u64, size: u64| {
        both(
            &lwp,
            [sys::AT_FDCWD as u64, path.as_ptr() as u64, how, size, 0, 0],
        )
    };
    let addr = big.as_mut_ptr() as u64;
    for (size, expect) in [(23, Err(22)), (4097, Err(7)), (24, Ok(())), (64, Ok(()))] {
        let (module, host) = run(addr, size);
        assert_eq!((module, host), (expect, expect), "size {size}");
    }
    big[5] = 1;
    assert_eq!(run(addr, 64), (Err(7), Err(7)));
    assert_eq!(
        run(addr, 40),
        (Ok(()), Ok(())),
        "the non-zero byte is past 40"
    );
    assert_eq!(run(8, 24), (Err(14), Err(14)));
    big[5] = 0;
    for (flags, mode, resolve, expect) in [
        (1u64 << 32, 0, 0, 22),
        (0o40000000, 0, 0, 22),
        (0, 0o644, 0, 22),
        (O_CREAT, 0o10000, 0, 22),
        (0, 0, BENEATH | IN_ROOT, 22),
        (0, 0, 0x40, 22),
        (O_CREAT | O_DIRECTORY, 0, 0, 22),
        (O_PATH | O_RDWR, 0, 0, 22),
        (0o20000000, 0, 0, 22),
        (O_TMPFILE, 0, 0, 22),
        (O_CREAT, 0o600, CACHED, 11),
    ] {
        big[..3].copy_from_slice(&[flags, mode, resolve]);
        assert_eq!(
            run(addr, 24),
            (Err(expect), Err(expect)),
            "{flags:o} {mode:o} {resolve:x}"
        );
    }
}

/// No path, link or `..` leads a BENEATH or IN_ROOT walk out of its root.
#[test]
fn beneath_and_in_root_keep_the_walk_inside() {
    for (path, beneath, in_root) in [
        ("..", Opened::Err(18), None),
        ("../outside", Opened::Err(18), Some(Opened::Err(2))),
        ("d/../../outside", Opened::Err(18), Some(Opened::Err(2))),
        ("esc", Opened::Err(18), Some(Opened::Err(2))),
        ("abs", Opened::Err(18), Some(file("in"))),
        ("/f", Opened::Err(18), Some(file("in"))),
        ("d/../f", file("in"), Some(file("in"))),
        ("rel", file("deep"), Some(file("deep"))),
        ("up/f", Opened::Err(18), Some(file("in"))),
    ] {
        assert_eq!(same(path, 0, 0, BENEATH), beneath, "BENEATH {path}");
        let inside = same(path, 0, 0, IN_ROOT);
        if let Some(expect) = in_root {
            assert_eq!(inside, expect, "IN_ROOT {path}");
        }
    }
    assert!(matches!(same("..", 0, 0, IN_ROOT), Opened::Dir(..)));
}

#[test]
fn no_symlinks() {
    assert_eq!(same("rel", 0, 0, NO_SYMLINKS), Opened::Err(40));
    assert_eq!(same("dir/g", 0, 0, NO_SYMLINKS), Opened::Err(40));
    assert_eq!(same("f", 0, 0, NO_SYMLINKS), file("in"));
    assert_eq!(same("rel", O_NOFOLLOW, 0, NO_SYMLINKS), Opened::Err(40));
}

#[test]
fn at_most_forty_links() {
    let s = Scratch::new("openat2", 0);
    for i in 0..41 {
        symlink(format!("l{}", i + 1), s.dir.join(format!("l{i}"))).unwrap();
    }
    fs::write(s.dir.join("l41"), "end").unwrap();
    let dir = File::open(&s.dir).unwrap();
    let how = [0u64, 0, 0];
    let lwp = ModelLwp::on_cpu(0);
    for (start, expect) in [("l0", Err(40)), ("l1", Ok(()))] {
        let name = CString::new(start).unwrap();
        let regs = [
            dir.as_raw_fd() as u64,
            name.as_ptr() as u64,
            how.as_ptr() as u64,
            24,
            0,
            0,
        ];
        assert_eq!(both(&lwp, regs), (expect, expect), "{start}");
    }
}

#[test]
fn bad_descriptors_and_paths() {
    let s = Scratch::new("openat2", 10);
    let how = [0u64, 0, 0];
    let lwp = ModelLwp::on_cpu(0);
    let rel = CString::new("file").unwrap();
    let abs = CString::new(s.dir.join("file").to_str().unwrap()).unwrap();
    let empty = CString::new("").unwrap();
    let long = CString::new("a/".repeat(3000)).unwrap();
    for (dirfd, path, resolve) in [
        (model::CLOSED_FD, &rel, 0),
        (s.file.as_raw_fd() as u64, &rel, 0),
        (model::CLOSED_FD, &abs, IN_ROOT),
        (model::CLOSED_FD, &empty, 0),
        (model::CLOSED_FD, &long, 0),
    ] {
        let how = [how[0], how[1], resolve];
        let regs = [dirfd, path.as_ptr() as u64, how.as_ptr() as u64, 24, 0, 0];
        trace_reset();
        model::same_as_host(&lwp, NR, regs);
        assert_balanced();
    }
    // An absolute path without IN_ROOT ignores dirfd.
    let regs = [
        model::CLOSED_FD,
        abs.as_ptr() as u64,
        how.as_ptr() as u64,
        24,
        0,
        0,
    ];
    trace_reset();
    let (error, fd) = model::call(&lwp, NR, regs);
    assert_balanced();
    assert_eq!(error, 0);
    // SAFETY: the descriptor just made.
    drop(unsafe { File::from_raw_fd(fd as i32) });
}

/// RESOLVE_CACHED cannot be kept on NetBSD: EAGAIN, which Linux allows.
#[test]
fn cached_is_eagain() {
    let s = Scratch::new("openat2", 10);
    let path = CString::new(s.dir.join("file").to_str().unwrap()).unwrap();
    let how = [0u64, 0, CACHED];
    let lwp = ModelLwp::on_cpu(0);
    trace_reset();
    let (error, _) = model::call(
        &lwp,
        NR,
        [
            sys::AT_FDCWD as u64,
            path.as_ptr() as u64,
            how.as_ptr() as u64,
            24,
            0,
            0,
        ],
    );
    assert_balanced();
    assert_eq!(error, sys::EAGAIN as i32);
}

#[test]
fn no_xdev_across_a_mount_point() {
    let status = model::on_mount(0, |dir| {
        let top = File::open(dir.parent().unwrap()).unwrap();
        let lwp = ModelLwp::on_cpu(0);
        let mut bad = 0;
        for (path, resolve, expect) in [
            ("mnt/file", NO_XDEV, Err(18)),
            ("mnt/file", 0, Ok(())),
            ("mnt/sub/..", NO_XDEV, Err(18)),
        ] {
            let name = CString::new(path).unwrap();
            let how = [0u64, 0, resolve];
            let regs = [
                top.as_raw_fd() as u64,
                name.as_ptr() as u64,
                how.as_ptr() as u64,
                24,
                0,
                0,
            ];
            if both(&lwp, regs) != (expect, expect) {
                bad += 1;
            }
        }
        bad
    });
    assert_eq!(status, 0, "100, 101: no private tmpfs here");
}

/// Another thread renames directories while BENEATH walks go down and
/// back up through them: no walk ever opens the file outside the root.
#[test]
fn renames_during_beneath_walks_never_escape() {
    let s = Scratch::new("openat2-race", 0);
    let root = s.dir.join("root");
    fs::create_dir_all(root.join("a/b/c")).unwrap();
    fs::write(s.dir.join("secret"), "secret").unwrap();
    fs::write(root.join("a/f"), "a-f").unwrap();
    fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mover = {
        let (root, outer, stop) = (root.clone(), s.dir.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // Moves "a/b" up out of the root and back.
                let _ = fs::rename(root.join("a/b"), outer.join("b"));
                let _ = fs::rename(outer.join("b"), root.join("a/b"));
            }
        })
    };
    let dir = File::open(&root).unwrap();
    let lwp = ModelLwp::on_cpu(0);
    for path in [
        "a/b/c/../../../../secret",
        "a/b/c/../../f",
        "a/b/../../../secret",
    ] {
        let name = CString::new(path).unwrap();
        let how = [0u64, 0, BENEATH];
        for _ in 0..300 {
            let regs = [
                dir.as_raw_fd() as u64,
                name.as_ptr() as u64,
                how.as_ptr() as u64,
                24,
                0,
                0,
            ];
            let (error, fd) = model::call(&lwp, NR, regs);
            if error == 0 {
                let got = opened(fd);
                assert_ne!(got, file("secret"), "{path} escaped");
            }
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    mover.join().unwrap();
}

/// A symbolic link that another thread makes at the last name between the
/// module's lookup and its open is not followed by vn_open (O_NOFOLLOW,
/// EFTYPE): the walk looks again and treats it as any link, so under
/// BENEATH an absolute one is EXDEV, and nothing is created outside.
#[test]
fn a_link_planted_before_the_open_is_walked_as_any() {
    let s = Scratch::new("openat2-plant", 0);
    let root = s.dir.join("root");
    fs::create_dir(&root).unwrap();
    let dir = File::open(&root).unwrap();
    let outside = s.dir.join("outside");
    let target = CString::new(outside.to_str().unwrap()).unwrap();
    let name = CString::new("new").unwrap();
    let lwp = ModelLwp::on_cpu(0);
    for (resolve, expect) in [
        (BENEATH, sys::EXDEV as i32),
        (NO_SYMLINKS, sys::ELOOP as i32),
    ] {
        let _ = fs::remove_file(root.join("new"));
        let how = [O_CREAT | O_WRONLY, 0o600u64, resolve];
        trace_reset();
        // SAFETY: this thread's trace; the text outlives the call.
        unsafe { (*sys::model_trace()).plant_link = target.as_ptr() };
        let (error, _) = model::call(
            &lwp,
            NR,
            [
                dir.as_raw_fd() as u64,
                name.as_ptr() as u64,
                how.as_ptr() as u64,
                24,
                0,
                0,
            ],
        );
        assert_balanced();
        assert_eq!(error, expect, "resolve {resolve:x}");
        assert!(!outside.exists(), "created outside the root");
    }
}
