//! Tests of `rw.rs`, and what the tests of preadv2 and pwritev2 share: one
//! call made by the module and by the host on twin files, everything
//! observable compared.

use std::fs::{self, OpenOptions};
use std::io::{Seek, SeekFrom};
use std::os::fd::AsRawFd;
use std::path::PathBuf;

use super::*;
use crate::model::{self, ModelLwp, Scratch, assert_balanced, linux_errno, trace, trace_reset};

/// A junk `pos_h`: x86-64 ignores it.
pub(crate) const POS_H: u64 = 0xdead_beef_0bad_f00d;

/// One call of `nr` on a file of `contents` opened as `open`, its offset
/// at `start`, with buffers of `sizes` bytes (filled with a pattern for a
/// write), at `pos` with `flags`; `tweak` may change the iovec array
/// (base, length) before the call.
pub(crate) struct Call<'a> {
    pub nr: u16,
    pub contents: &'a [u8],
    pub open: OpenOptions,
    pub start: u64,
    pub sizes: &'a [usize],
    pub pos: i64,
    pub flags: u64,
    pub tweak: &'a dyn Fn(&mut Vec<[u64; 2]>),
    /// The count register, if not the number of buffers.
    pub count: Option<u64>,
}

/// What one side saw: the result (count, or Linux errno), the file's
/// bytes, the descriptor's offset, the buffers.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Seen {
    pub result: Result<i64, i32>,
    pub file: Vec<u8>,
    pub offset: u64,
    pub buffers: Vec<Vec<u8>>,
}

pub(crate) fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(7) ^ seed).collect()
}

pub(crate) fn rw() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.read(true).write(true);
    o
}

impl Call<'_> {
    pub(crate) fn new<'a>(nr: u16, contents: &'a [u8], sizes: &'a [usize], pos: i64) -> Call<'a> {
        Call {
            nr,
            contents,
            open: rw(),
            start: 0,
            sizes,
            pos,
            flags: 0,
            tweak: &|_| {},
            count: None,
        }
    }

    fn side(&self, dir: PathBuf, module: bool) -> Seen {
        fs::create_dir(&dir).unwrap();
        let path = dir.join("f");
        fs::write(&path, self.contents).unwrap();
        let mut file = self.open.open(&path).unwrap();
        file.seek(SeekFrom::Start(self.start)).unwrap();
        let mut buffers: Vec<Vec<u8>> = self
            .sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| pattern(n, 0x40 + i as u8))
            .collect();
        let mut iov: Vec<[u64; 2]> = buffers
            .iter_mut()
            .map(|b| [b.as_mut_ptr() as u64, b.len() as u64])
            .collect();
        (self.tweak)(&mut iov);
        let regs = [
            file.as_raw_fd() as u64,
            iov.as_ptr() as u64,
            self.count.unwrap_or(iov.len() as u64),
            self.pos as u64,
            POS_H,
            self.flags,
        ];
        let result = if module {
            let lwp = ModelLwp::on_cpu(0);
            trace_reset();
            let (error, retval) = model::call(&lwp, self.nr, regs);
            assert_balanced();
            let t = trace();
            assert_eq!(
                (t.allocated, t.vnodes_referenced),
                (0, 0),
                "kernel memory or a vnode kept"
            );
            if error == 0 {
                Ok(retval)
            } else {
                Err(linux_errno(error))
            }
        } else {
            model::host(self.nr, regs)
        };
        let offset = file.stream_position().unwrap();
        drop(file);
        Seen {
            result,
            file: fs::read(&path).unwrap(),
            offset,
            buffers,
        }
    }

    /// Runs the call through the module and on the host, asserts that
    /// they agree in everything, and returns what the module did.
    pub(crate) fn same(&self) -> Seen {
        let s = Scratch::new("rw", 0);
        let module = self.side(s.dir.join("m"), true);
        let host = self.side(s.dir.join("h"), false);
        assert_eq!(module, host, "module vs host");
        module
    }
}

#[test]
fn verify_area_refuses_a_position_past_the_largest_offset() {
    assert_eq!(verify_area(None, u64::MAX), Ok(()));
    assert_eq!(verify_area(Some(i64::MAX - 10), 10), Ok(()));
    assert_eq!(verify_area(Some(i64::MAX - 10), 11), Err(Errno::EINVAL));
    assert_eq!(verify_area(Some(-1), 1), Err(Errno::EINVAL));
}

#[test]
fn fsync_flags_of_sync_and_dsync() {
    assert_eq!(fsync_flags(RwFlags::SYNC), sys::FSYNC_WAIT);
    assert_eq!(
        fsync_flags(RwFlags::DSYNC),
        sys::FSYNC_WAIT | sys::FSYNC_DATAONLY
    );
    assert_eq!(fsync_flags(RwFlags::SYNC | RwFlags::DSYNC), sys::FSYNC_WAIT);
}

/// A file opened O_APPEND, on which the host's `chattr +a` (root, on a
/// file system that has it) makes RWF_NOAPPEND EPERM, for both calls;
/// skipped where the host cannot set the flag.
#[test]
fn noappend_on_an_append_only_file_is_eperm() {
    let s = Scratch::new("rw-append-only", 10);
    let path = s.dir.join("file");
    let status = std::process::Command::new("chattr")
        .arg("+a")
        .arg(&path)
        .status();
    if !status.is_ok_and(|s| s.success()) {
        eprintln!("skipped: chattr +a is not available here");
        return;
    }
    let file = OpenOptions::new()
        .read(true)
        .append(true)
        .open(&path)
        .unwrap();
    let mut buf = [0u8; 4];
    let iov = [[buf.as_mut_ptr() as u64, 4u64]];
    let lwp = ModelLwp::on_cpu(0);
    for nr in [crate::preadv2::NR, crate::pwritev2::NR] {
        for (flags, expect) in [(0x20, Err(1)), (0x10, Ok(4)), (0, Ok(4))] {
            let regs = [
                file.as_raw_fd() as u64,
                iov.as_ptr() as u64,
                1,
                if nr == crate::preadv2::NR {
                    0
                } else {
                    u64::MAX
                },
                0,
                flags,
            ];
            trace_reset();
            let (error, retval) = model::call(&lwp, nr, regs);
            assert_balanced();
            let module = if error == 0 {
                Ok(retval)
            } else {
                Err(linux_errno(error))
            };
            assert_eq!(module, expect, "{nr} flags {flags:x}");
            assert_eq!(model::host(nr, regs), expect, "host {nr} flags {flags:x}");
        }
    }
    let _ = std::process::Command::new("chattr")
        .arg("-a")
        .arg(&path)
        .status();
}
