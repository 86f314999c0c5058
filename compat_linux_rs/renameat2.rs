//! renameat2(2): rename a file, with flags.
//!
//! Linux contract (`fs/namei.c`, rename(2)):
//! `int renameat2(int olddirfd, const char *oldpath, int newdirfd,
//! const char *newpath, unsigned int flags)`
//! - flags outside `RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT`, or
//!   `RENAME_EXCHANGE` with either of the others → `EINVAL`;
//! - flags 0 is rename(2) relative to the directory descriptors: when both
//!   names are links to the same file, it does nothing and succeeds;
//! - `RENAME_NOREPLACE` fails with `EEXIST` when the new name exists (after
//!   the old name is looked up), and never replaces it; a file system that
//!   cannot rename without replacing atomically fails with `EINVAL`;
//! - a file system without `RENAME_EXCHANGE` or `RENAME_WHITEOUT` fails
//!   with `EINVAL`.
//!
//! NetBSD has no atomic no-replace, exchange or whiteout rename a module can
//! reach, so every non-zero flag set behaves as on a Linux file system
//! without them: `EEXIST` when `RENAME_NOREPLACE` finds the new name, and
//! otherwise `EINVAL`, on which glibc and gnulib (`mv -n`, `cp -n`) fall
//! back to their own emulation. Nothing is ever renamed with a flag.
//!
//! Flags 0: when both names are at the working directory (`AT_FDCWD`, or an
//! absolute path) the call is NetBSD's POSIX rename (`sys___posix_rename`),
//! atomic with POSIX's same-file rule. Otherwise it is `sys_renameat`,
//! whose BSD rule would remove the old link of a file renamed onto another
//! of its links, so the module first compares the two names' files and
//! does nothing if they are one. Deviation: a link to the old file created
//! at the new name between that check and the rename makes the rename
//! remove the old name, where Linux would leave both.

use bitflags::bitflags;

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::lwp::Lwp;
use crate::sys::{self, register_t};
use crate::user::UserAddr;

/// Linux amd64 system call number.
pub const NR: u16 = 316;

bitflags! {
    /// `RENAME_*`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct RenameFlags: u32 {
        /// Do not replace the new name.
        const NOREPLACE = 1;
        /// Exchange the two names.
        const EXCHANGE = 2;
        /// Leave a whiteout at the old name.
        const WHITEOUT = 4;
    }
}

/// Linux and NetBSD agree on `AT_FDCWD` (-100).
const AT_FDCWD: i32 = sys::AT_FDCWD;

/// A name as a system call argument: a directory descriptor and a path.
#[derive(Clone, Copy)]
struct Name {
    dirfd: i32,
    path: u64,
}

impl Name {
    /// Whether the name is looked up from the working directory: `AT_FDCWD`
    /// or an absolute path (whose descriptor Linux ignores).
    fn at_cwd(self) -> Result<bool, Errno> {
        if self.dirfd == AT_FDCWD {
            return Ok(true);
        }
        let mut first = [0u8; 1];
        UserAddr::new(self.path).read_into(&mut first)?;
        Ok(first[0] == b'/')
    }

    /// The (device, inode) of the file the name refers to, not following a
    /// final symbolic link.
    fn file_id(self, lwp: &Lwp) -> Result<(u64, u64), Errno> {
        let mut sb = core::mem::MaybeUninit::<sys::stat>::zeroed();
        // SAFETY: do_sys_statat copies the path in itself and fills the
        // kernel `struct stat`, which is zeroed plain data.
        Errno::check(unsafe {
            sys::do_sys_statat(
                lwp.as_ptr(),
                self.dirfd,
                self.path as usize as *const _,
                sys::NOFOLLOW,
                sb.as_mut_ptr(),
            )
        })?;
        // SAFETY: zeroed plain data, now filled in.
        let sb = unsafe { sb.assume_init() };
        Ok((sb.st_dev, sb.st_ino))
    }
}

/// The handler.
pub fn renameat2(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    let old = Name {
        dirfd: args.int::<0>(),
        path: args.u64::<1>(),
    };
    let new = Name {
        dirfd: args.int::<2>(),
        path: args.u64::<3>(),
    };
    let flags = RenameFlags::from_bits(args.uint::<4>()).ok_or(Errno::EINVAL)?;
    if flags.contains(RenameFlags::EXCHANGE)
        && flags.intersects(RenameFlags::NOREPLACE | RenameFlags::WHITEOUT)
    {
        return Err(Errno::EINVAL);
    }

    if !flags.is_empty() {
        // Linux's lookups come first: both names (the new one may be
        // missing unless exchanging), then RENAME_NOREPLACE's EEXIST.
        old.file_id(lwp)?;
        return match new.file_id(lwp) {
            Ok(_) if flags.contains(RenameFlags::NOREPLACE) => Err(Errno::EEXIST),
            Err(e) if e != Errno::ENOENT || flags.contains(RenameFlags::EXCHANGE) => Err(e),
            _ => Err(Errno::EINVAL),
        };
    }

    let mut retval: [register_t; 2] = [0; 2];
    if old.at_cwd()? && new.at_cwd()? {
        let regs = [old.path, new.path, 0, 0, 0, 0].map(|r| r as register_t);
        // SAFETY: the calling LWP, two argument registers laid out as
        // sys___posix_rename_args (user path pointers, copied in by the
        // callee) and a result slot.
        return Errno::check(unsafe {
            sys::sys___posix_rename(lwp.as_ptr(), regs.as_ptr().cast(), retval.as_mut_ptr())
        })
        .map(|()| 0);
    }

    if let (Ok(from), Ok(to)) = (old.file_id(lwp), new.file_id(lwp))
        && from == to
    {
        return Ok(0);
    }
    let regs =
        [old.dirfd as u64, old.path, new.dirfd as u64, new.path, 0, 0].map(|r| r as register_t);
    // SAFETY: as above, laid out as sys_renameat_args.
    Errno::check(unsafe {
        sys::sys_renameat(lwp.as_ptr(), regs.as_ptr().cast(), retval.as_mut_ptr())
    })
    .map(|()| 0)
}

#[cfg(test)]
mod tests {
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
            let (error, _) =
                model::call(&lwp, NR, regs(&self.module, &module_dir, &mut module_names));
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
                (u32::from(at_cwd), 0),
                "no BSD rename ran"
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
}
