//! Tests of `renameat2.rs`.

use std::ffi::CString;
use std::fs;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use super::*;
use crate::model::{self, ModelLwp, Scratch, assert_balanced, linux_errno, trace, trace_reset};

/// Two identical folders: the module acts in one, the host in the other.
struct Twins {
    _scratch: Scratch,
    module: PathBuf,
    host: PathBuf,
}

impl Twins {
    fn new(setup: impl Fn(&Path)) -> Twins {
        let scratch = Scratch::new("rename", 0);
        let (module, host) = (scratch.dir.join("m"), scratch.dir.join("h"));
        for dir in [&module, &host] {
            fs::create_dir(dir).unwrap();
            setup(dir);
        }
        Twins {
            _scratch: scratch,
            module,
            host,
        }
    }

    /// Runs renameat2 with both names relative to the twin folder
    /// (`at_cwd`: as absolute paths with AT_FDCWD) and returns the
    /// module's errno after checking the host's agrees.
    fn rename(&self, old: &str, new: &str, flags: u32, at_cwd: bool) -> i32 {
        let regs = |dir: &Path, dirfd: &fs::File, names: &mut Vec<CString>| {
            let name = |n: &str| {
                let path = if at_cwd {
                    dir.join(n)
                } else {
                    PathBuf::from(n)
                };
                CString::new(path.to_str().unwrap()).unwrap()
            };
            names.extend([name(old), name(new)]);
            let fd = if at_cwd {
                AT_FDCWD as u64
            } else {
                dirfd.as_raw_fd() as u64
            };
            [
                fd,
                names[0].as_ptr() as u64,
                fd,
                names[1].as_ptr() as u64,
                flags.into(),
                0,
            ]
        };
        let (module_dir, host_dir) = (
            fs::File::open(&self.module).unwrap(),
            fs::File::open(&self.host).unwrap(),
        );
        let (mut module_names, mut host_names) = (Vec::new(), Vec::new());
        let lwp = ModelLwp::on_cpu(0);
        trace_reset();
        let (error, _) = model::call(&lwp, NR, regs(&self.module, &module_dir, &mut module_names));
        assert_balanced();
        let module = if error == 0 {
            Ok(0)
        } else {
            Err(linux_errno(error))
        };
        let host = model::host(NR, regs(&self.host, &host_dir, &mut host_names));
        assert_eq!(module, host, "{old} -> {new} flags {flags}");
        self.assert_same();
        error
    }

    /// The module's answer alone, where Linux would do more.
    fn rename_module_only(&self, old: &str, new: &str, flags: u32) -> i32 {
        let dirfd = fs::File::open(&self.module).unwrap();
        let (old, new) = (CString::new(old).unwrap(), CString::new(new).unwrap());
        let fd = dirfd.as_raw_fd() as u64;
        let lwp = ModelLwp::on_cpu(0);
        trace_reset();
        let (error, _) = model::call(
            &lwp,
            NR,
            [
                fd,
                old.as_ptr() as u64,
                fd,
                new.as_ptr() as u64,
                flags.into(),
                0,
            ],
        );
        assert_balanced();
        error
    }

    fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let content = fs::read(e.path()).unwrap_or_default();
                (e.file_name().into_string().unwrap(), content)
            })
            .collect();
        entries.sort();
        entries
    }

    fn assert_same(&self) {
        assert_eq!(Self::listing(&self.module), Self::listing(&self.host));
    }

    fn module_listing(&self) -> Vec<(String, Vec<u8>)> {
        Self::listing(&self.module)
    }
}

fn files(dir: &Path) {
    fs::write(dir.join("a"), "A").unwrap();
    fs::write(dir.join("b"), "B").unwrap();
    fs::hard_link(dir.join("a"), dir.join("a2")).unwrap();
    fs::create_dir(dir.join("d")).unwrap();
    fs::create_dir(dir.join("full")).unwrap();
    fs::write(dir.join("full/x"), "").unwrap();
}

#[test]
fn plain_renames_match_linux() {
    for at_cwd in [false, true] {
        let t = Twins::new(files);
        assert_eq!(t.rename("a", "new", 0, at_cwd), 0);
        assert_eq!(t.rename("b", "new", 0, at_cwd), 0, "replacing");
        assert_eq!(t.rename("d", "d2", 0, at_cwd), 0, "a directory");
    }
}

#[test]
fn links_of_one_file_are_left_alone() {
    for at_cwd in [false, true] {
        let t = Twins::new(files);
        assert_eq!(t.rename("a", "a2", 0, at_cwd), 0);
        assert!(
            t.module_listing().iter().any(|(n, _)| n == "a"),
            "the old link stays"
        );
        let t = trace();
        assert_eq!(
            (t.renames_posix, t.renames_bsd),
            (0, 0),
            "one file under both names: no rename ran"
        );
    }
}

#[test]
fn errors_match_linux() {
    let t = Twins::new(files);
    for flags in [0, 1] {
        assert_eq!(t.rename("missing", "z", flags, false), sys::ENOENT as i32);
    }
    assert_eq!(t.rename("d", "full", 0, false), sys::ENOTEMPTY as i32);
    assert_eq!(t.rename("a", "d", 0, false), sys::EISDIR as i32);
    assert_eq!(t.rename("d", "a", 0, false), sys::ENOTDIR as i32);
    for flags in [8, 0x100, 3, 6, 7] {
        assert_eq!(
            t.rename("a", "z", flags, false),
            sys::EINVAL as i32,
            "flags {flags}"
        );
    }
    assert_eq!(
        t.rename("a", "missing", 2, false),
        sys::ENOENT as i32,
        "exchange needs both"
    );
}

#[test]
fn noreplace_never_replaces() {
    let t = Twins::new(files);
    assert_eq!(t.rename("a", "b", 1, false), sys::EEXIST as i32);
    assert_eq!(t.rename("a", "d", 1, true), sys::EEXIST as i32);
    let before = t.module_listing();
    assert_eq!(
        t.rename_module_only("a", "fresh", 1),
        sys::EINVAL as i32,
        "glibc emulates on EINVAL"
    );
    assert_eq!(t.module_listing(), before, "nothing renamed");
}

#[test]
fn exchange_and_whiteout_change_nothing() {
    let t = Twins::new(files);
    let before = t.module_listing();
    assert_eq!(t.rename_module_only("a", "b", 2), sys::EINVAL as i32);
    assert_eq!(t.rename_module_only("a", "z", 4), sys::EINVAL as i32);
    assert_eq!(t.module_listing(), before);
}

#[test]
fn flagged_renames_meet_the_checks_before_the_file_system_s() {
    let t = Twins::new(files);
    let before = t.module_listing();
    let (whiteout, exchange) = (4, 2);
    assert_eq!(t.rename("a", "d", whiteout, false), sys::EISDIR as i32);
    assert_eq!(t.rename("d", "a", whiteout, false), sys::ENOTDIR as i32);
    assert_eq!(
        t.rename("full/x", "full", whiteout, false),
        sys::ENOTEMPTY as i32,
        "onto the directory that holds it"
    );
    assert_eq!(
        t.rename("full/x", "full", exchange, false),
        sys::EINVAL as i32,
        "exchanged with the directory that holds it"
    );
    assert_eq!(
        t.rename("d", "d/inside", whiteout, false),
        sys::EINVAL as i32,
        "into itself"
    );
    for flags in [whiteout, exchange] {
        assert_eq!(
            t.rename("a", "a2", flags, false),
            0,
            "one file: nothing to do"
        );
    }
    assert_eq!(t.module_listing(), before, "nothing renamed");
}

#[test]
fn bad_pointers_and_descriptors() {
    let t = Twins::new(files);
    let name = CString::new("a").unwrap();
    let lwp = ModelLwp::on_cpu(0);
    for flags in [0u64, 1] {
        let regs = [
            AT_FDCWD as u64,
            8,
            AT_FDCWD as u64,
            name.as_ptr() as u64,
            flags,
            0,
        ];
        let (error, _) = model::call(&lwp, NR, regs);
        assert_eq!(
            Err(linux_errno(error)),
            model::host(NR, regs),
            "EFAULT, flags {flags}"
        );
        let regs = [
            model::CLOSED_FD,
            name.as_ptr() as u64,
            model::CLOSED_FD,
            name.as_ptr() as u64,
            flags,
            0,
        ];
        let (error, _) = model::call(&lwp, NR, regs);
        assert_eq!(
            Err(linux_errno(error)),
            model::host(NR, regs),
            "EBADF, flags {flags}"
        );
    }
    // An absolute path ignores its descriptor, even a closed one.
    let (old, new) = (t.module.join("a"), t.module.join("moved"));
    let (old, new) = (
        CString::new(old.to_str().unwrap()).unwrap(),
        CString::new(new.to_str().unwrap()).unwrap(),
    );
    let regs = [
        model::CLOSED_FD,
        old.as_ptr() as u64,
        model::CLOSED_FD,
        new.as_ptr() as u64,
        0,
        0,
    ];
    assert_eq!(model::call(&lwp, NR, regs).0, 0);
}

/// The tree the differential fuzzer found Linux's order in.
fn fuzz_tree(dir: &Path) {
    fs::write(dir.join("f"), "F").unwrap();
    fs::create_dir_all(dir.join("d/s")).unwrap();
    fs::write(dir.join("d/a"), "A").unwrap();
    fs::create_dir(dir.join("ed")).unwrap();
    std::os::unix::fs::symlink("f", dir.join("l")).unwrap();
    std::os::unix::fs::symlink("d", dir.join("ld")).unwrap();
}

/// A descriptor or the working directory, and what a path argument is.
#[derive(Clone, Copy, Debug)]
enum At {
    Cwd,
    Dir(&'static str),
    File(&'static str),
    Closed,
}

#[derive(Clone, Copy, Debug)]
enum Arg {
    /// Relative to the descriptor.
    Rel(&'static str),
    /// The twin folder's absolute path joined with it.
    Abs(&'static str),
    /// An address with nothing readable at it.
    Bad(u64),
    /// 5000 bytes: too long for Linux and NetBSD alike.
    Long,
}

/// One renameat2 by the module and by the host, in twin trees; returns the
/// module's NetBSD errno after checking the results and trees agree.
fn twin_case(t: &Twins, old: (At, Arg), new: (At, Arg), flags: u64) -> i32 {
    let mut outcomes = Vec::new();
    for dir in [&t.module, &t.host] {
        let mut keep = Vec::new();
        let mut arg = |(at, arg): (At, Arg)| -> (u64, u64) {
            let fd = match at {
                At::Cwd => AT_FDCWD as u64,
                At::Closed => model::CLOSED_FD,
                At::Dir(p) | At::File(p) => {
                    let file = fs::File::open(dir.join(p)).unwrap();
                    let fd = file.as_raw_fd() as u64;
                    keep.push(Box::new(file) as Box<dyn std::any::Any>);
                    fd
                }
            };
            let path = match arg {
                Arg::Rel(p) => CString::new(p).unwrap(),
                Arg::Abs(p) => CString::new(format!("{}/{p}", dir.display())).unwrap(),
                Arg::Bad(addr) => return (fd, addr),
                Arg::Long => CString::new("a/".repeat(2500)).unwrap(),
            };
            let ptr = path.as_ptr() as u64;
            keep.push(Box::new(path));
            (fd, ptr)
        };
        let (ofd, optr) = arg(old);
        let (nfd, nptr) = arg(new);
        let regs = [ofd, optr, nfd, nptr, flags, 0];
        outcomes.push(if dir == &t.module {
            let lwp = ModelLwp::on_cpu(0);
            trace_reset();
            let (error, _) = model::call(&lwp, NR, regs);
            assert_balanced();
            if error == 0 { Ok(0) } else { Err(error) }
        } else {
            model::host(NR, regs)
        });
    }
    let module = outcomes[0].map_err(linux_errno);
    assert_eq!(module, outcomes[1], "{old:?} -> {new:?} flags {flags}");
    t.assert_same();
    outcomes[0].err().unwrap_or(0)
}

/// Linux resolves the old name's parent, errors and all, then the new
/// name's; then `.`/`..` (`EBUSY`, or `EEXIST` for the new name with
/// `RENAME_NOREPLACE`); then the lookups, `EEXIST`, `ENOTDIR`.
#[test]
fn arguments_are_checked_in_linux_order() {
    use Arg::*;
    use At::*;
    const UNMAPPED: u64 = 8;
    const KERNEL: u64 = 0xffff_8000_0000_0000;
    let t = Twins::new(fuzz_tree);
    type Case = ((At, Arg), (At, Arg), u64, u32);
    let cases: &[Case] = &[
        // flags 0
        ((Dir("d"), Rel(".")), (Cwd, Abs("d")), 0, sys::EBUSY),
        ((Dir("."), Rel("d")), (Dir("d"), Rel(".")), 0, sys::EBUSY),
        ((Closed, Rel("f")), (Cwd, Bad(KERNEL)), 0, sys::EBADF),
        ((File("f"), Rel("f")), (Cwd, Bad(UNMAPPED)), 0, sys::ENOTDIR),
        (
            (Dir("d/s"), Rel("ed/.")),
            (Cwd, Bad(UNMAPPED)),
            0,
            sys::ENOENT,
        ),
        ((Dir("d"), Rel("ld/a")), (Cwd, Long), 0, sys::ENOENT),
        ((Cwd, Bad(UNMAPPED)), (Closed, Rel("f")), 0, sys::EFAULT),
        // with flags
        ((Cwd, Abs("f")), (Cwd, Abs("d/s/..")), 2, sys::EBUSY),
        ((Dir("."), Rel("f")), (Cwd, Abs("d/.")), 4, sys::EBUSY),
        ((Cwd, Abs("d/.")), (Cwd, Abs("f")), 1, sys::EBUSY),
        ((Cwd, Abs("d/.")), (Cwd, Abs("l/")), 1, sys::EBUSY),
        ((Cwd, Abs("n6/")), (Cwd, Abs("ed/.")), 1, sys::EEXIST),
        ((Dir("."), Rel("f")), (Closed, Rel("f")), 2, sys::EBADF),
        ((Cwd, Long), (Closed, Rel("f")), 2, sys::ENAMETOOLONG),
        ((Dir("d"), Rel("f")), (Cwd, Bad(KERNEL)), 1, sys::EFAULT),
        ((Cwd, Abs("ed/n5")), (Cwd, Long), 4, sys::ENAMETOOLONG),
        ((Cwd, Abs("f")), (Dir("d"), Rel("d/../f")), 4, sys::ENOENT),
        ((Cwd, Abs("f/")), (Dir("d"), Rel("f")), 2, sys::ENOENT),
        ((Cwd, Long), (File("f"), Rel("f")), 2, sys::ENAMETOOLONG),
        ((Cwd, Abs("nosuch")), (File("f"), Rel("f")), 4, sys::ENOTDIR),
        ((Cwd, Abs("f/")), (Cwd, Abs("g")), 0, sys::ENOTDIR),
        ((Cwd, Abs("f")), (Cwd, Abs("g/")), 0, sys::ENOTDIR),
    ];
    for &(old, new, flags, expected) in cases {
        assert_eq!(
            twin_case(&t, old, new, flags),
            expected as i32,
            "{old:?} -> {new:?} {flags}"
        );
    }
}
