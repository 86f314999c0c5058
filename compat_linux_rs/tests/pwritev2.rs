//! Tests of `pwritev2.rs`, against the host's pwritev2 on twin files.

use std::fs::{self, OpenOptions};
use std::os::fd::AsRawFd;

use super::*;
use crate::model::{self, ModelLwp, Scratch, assert_balanced, linux_errno, trace, trace_reset};
use crate::rw::tests::{Call, POS_H, pattern};
use crate::sys;

const DSYNC: u64 = 0x02;
const SYNC: u64 = 0x04;
const APPEND: u64 = 0x10;
const NOAPPEND: u64 = 0x20;

fn data() -> Vec<u8> {
    pattern(1000, 3)
}

fn append_mode() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.read(true).append(true);
    o
}

#[test]
fn writes_at_an_offset_and_leaves_the_position() {
    let d = data();
    let seen = Call::new(NR, &d, &[10, 0, 300], 500).same();
    assert_eq!((seen.result, seen.offset), (Ok(310), 0));
    assert_eq!(seen.file.len(), 1000);
    // Past the end: the hole reads as zeros.
    let seen = Call::new(NR, &d, &[5], 2000).same();
    assert_eq!(seen.file.len(), 2005);
}

#[test]
fn offset_minus_one_writes_at_the_position_and_advances_it() {
    let d = data();
    let mut call = Call::new(NR, &d, &[100, 28], -1);
    call.start = 950;
    let seen = call.same();
    assert_eq!(
        (seen.result, seen.offset, seen.file.len()),
        (Ok(128), 1078, 1078)
    );
}

#[test]
fn o_append_appends_whatever_the_offset() {
    let d = data();
    for pos in [0, 400, -1] {
        let mut call = Call::new(NR, &d, &[6, 6], pos);
        call.open = append_mode();
        let seen = call.same();
        assert_eq!(seen.file.len(), 1012, "pos {pos}");
        assert_eq!(seen.offset, if pos == -1 { 1012 } else { 0 });
    }
}

#[test]
fn rwf_append_appends_and_rwf_noappend_writes_at_the_offset() {
    let d = data();
    for (open_append, flags, pos) in [
        (false, APPEND, 10),
        (false, APPEND, -1),
        (true, NOAPPEND, 10),
        (true, NOAPPEND, -1),
        (false, NOAPPEND, 10),
    ] {
        let mut call = Call::new(NR, &d, &[7], pos);
        call.flags = flags;
        call.start = 20;
        if open_append {
            call.open = append_mode();
        }
        let seen = call.same();
        assert_eq!(seen.result, Ok(7));
        let appended = flags == APPEND;
        assert_eq!(seen.file.len(), if appended { 1007 } else { 1000 });
    }
}

#[test]
fn refused_flags() {
    let d = data();
    // Unknown bits; APPEND with NOAPPEND (even on an O_APPEND file).
    for (flags, linux) in [(0x200, 95), (APPEND | NOAPPEND, 22), (0x40, 95)] {
        let mut call = Call::new(NR, &d, &[8], 0);
        call.flags = flags;
        let seen = call.same();
        assert_eq!((seen.result, seen.file.len()), (Err(linux), 1000));
    }
}

#[test]
fn sync_and_dsync_sync_the_range_written() {
    let s = Scratch::new("pwritev2", 100);
    let data = [7u8; 50];
    let iov = [[data.as_ptr() as u64, 50u64]];
    let lwp = ModelLwp::on_cpu(0);
    for (flags, fsync) in [
        (SYNC, sys::FSYNC_WAIT),
        (DSYNC, sys::FSYNC_WAIT | sys::FSYNC_DATAONLY),
    ] {
        let regs = [
            s.file.as_raw_fd() as u64,
            iov.as_ptr() as u64,
            1,
            30,
            POS_H,
            flags,
        ];
        trace_reset();
        assert_eq!(model::same_as_host(&lwp, NR, regs), 0);
        assert_balanced();
        let t = trace();
        assert_eq!(
            (
                t.fsyncs,
                t.fsync_flags as u32,
                t.fsync_lo,
                t.fsync_hi,
                t.fsync_locked
            ),
            (1, fsync, 30, 80, true)
        );
    }
    // No flag: no sync; the data still goes through the file's own ioflag.
    let regs = [
        s.file.as_raw_fd() as u64,
        iov.as_ptr() as u64,
        1,
        30,
        POS_H,
        0,
    ];
    trace_reset();
    assert_eq!(model::same_as_host(&lwp, NR, regs), 0);
    assert_eq!(trace().fsyncs, 0);
}

#[test]
fn a_buffer_that_cannot_be_read_ends_the_write() {
    let d = data();
    let unmapped = |iov: &mut Vec<[u64; 2]>| iov[1][0] = 0x10;
    let mut call = Call::new(NR, &d, &[4, 4, 4], 998);
    call.tweak = &unmapped;
    let seen = call.same();
    assert_eq!((seen.result, seen.file.len()), (Ok(4), 1002));
    let kernel = |iov: &mut Vec<[u64; 2]>| iov[2][0] = 0xffff_8000_0000_0000;
    call.tweak = &kernel;
    assert_eq!(call.same().result, Err(14));
}

#[test]
fn offsets_and_descriptors() {
    let d = data();
    assert_eq!(Call::new(NR, &d, &[8], -2).same().result, Err(22));
    assert_eq!(Call::new(NR, &d, &[8], i64::MAX - 3).same().result, Err(22));
    let mut ro = OpenOptions::new();
    ro.read(true);
    for sizes in [&[8][..], &[][..]] {
        let mut call = Call::new(NR, &d, sizes, 0);
        call.open = ro.clone();
        call.flags = 0xffff;
        assert_eq!(call.same().result, Err(9), "EBADF before the iovecs");
    }
}

unsafe extern "C" {
    fn setrlimit(resource: i32, limit: *const [u64; 2]) -> i32;
}
const RLIMIT_FSIZE: i32 = 1;
const SIGXFSZ: i32 = 25;

/// A write of 600 bytes at `pos` (and with `flags`) to a 100-byte file,
/// by the module and by the host, each in a child whose soft
/// `RLIMIT_FSIZE` is 1000 and which ignores `SIGXFSZ`: both results (the
/// count, or minus the Linux errno), both file sizes, and whether the
/// module posted `SIGXFSZ`.
fn write_under_limit(pos: i64, flags: u64) -> ([i64; 2], [u64; 2], bool) {
    const BROKEN: i32 = 250;
    let s = Scratch::new("pwritev2-limit", 0);
    let mut results = [0i64; 2];
    let mut sizes = [0u64; 2];
    let mut posted = false;
    for (i, side) in ["m", "h"].into_iter().enumerate() {
        let path = s.dir.join(side);
        fs::write(&path, [1u8; 100]).unwrap();
        let file = OpenOptions::new().write(true).open(&path).unwrap();
        let data = [9u8; 600];
        let iov = [[data.as_ptr() as u64, 600u64]];
        // The exit status: the count / 10, or 128 + the errno; 64 more if
        // SIGXFSZ was posted.
        let status = model::in_child(|| {
            model::ignore_signal(SIGXFSZ);
            // SAFETY: this child's own limit.
            unsafe { setrlimit(RLIMIT_FSIZE, &[1000, u64::MAX]) };
            let regs = [
                file.as_raw_fd() as u64,
                iov.as_ptr() as u64,
                1,
                pos as u64,
                POS_H,
                flags,
            ];
            let (result, sigxfsz) = if side == "m" {
                let lwp = ModelLwp::on_cpu(0);
                trace_reset();
                let (error, n) = model::call(&lwp, NR, regs);
                let t = trace();
                if t.violations != 0 || t.files_held != 0 || t.vnodes_locked != 0 {
                    return BROKEN;
                }
                let r = if error == 0 {
                    n
                } else {
                    -i64::from(linux_errno(error))
                };
                (r, t.sigxfsz != 0)
            } else {
                (
                    model::host(NR, regs).unwrap_or_else(|e| -i64::from(e)),
                    false,
                )
            };
            let code = if result < 0 {
                128 - result
            } else {
                result / 10
            };
            code as i32 + if sigxfsz { 64 } else { 0 }
        });
        assert_ne!(status, BROKEN, "unbalanced or a rule broken in the child");
        if side == "m" {
            posted = status & 64 != 0;
        }
        let status = i64::from(status & !64);
        results[i] = if status >= 128 {
            -(status - 128)
        } else {
            status * 10
        };
        sizes[i] = fs::metadata(&path).unwrap().len();
    }
    (results, sizes, posted)
}

#[test]
fn rlimit_fsize_cuts_the_write_or_is_efbig() {
    let (results, sizes, posted) = write_under_limit(700, 0);
    assert_eq!((results, sizes, posted), ([300, 300], [1000, 1000], false));
    let (results, sizes, posted) = write_under_limit(1000, 0);
    assert_eq!((results, sizes, posted), ([-27, -27], [100, 100], true));
    // With RWF_APPEND the limit is checked at the end of the file.
    let (results, sizes, posted) = write_under_limit(5000, APPEND);
    assert_eq!((results, sizes, posted), ([600, 600], [700, 700], false));
}

#[test]
fn pipes_take_the_data_and_refuse_offsets() {
    let (mut r, w) = std::io::pipe().unwrap();
    let data = *b"abcdef";
    let iov = [[data.as_ptr() as u64, 3u64], [data.as_ptr() as u64 + 3, 3]];
    let lwp = ModelLwp::on_cpu(0);
    let call = |pos: u64, flags: u64| {
        trace_reset();
        let r = model::call(
            &lwp,
            NR,
            [
                w.as_raw_fd() as u64,
                iov.as_ptr() as u64,
                2,
                pos,
                POS_H,
                flags,
            ],
        );
        assert_balanced();
        r
    };
    assert_eq!(call(5, 0), (sys::ESPIPE as i32, -7));
    assert_eq!(call(u64::MAX, APPEND | SYNC), (0, 6));
    let mut got = [0u8; 6];
    std::io::Read::read_exact(&mut r, &mut got).unwrap();
    assert_eq!(&got, b"abcdef");
    assert_eq!(trace().fsyncs, 0, "a pipe has nothing to sync");
}

#[test]
fn a_pipe_without_a_reader_is_epipe_and_sigpipe() {
    let (r, w) = std::io::pipe().unwrap();
    drop(r);
    let data = *b"x";
    let iov = [[data.as_ptr() as u64, 1u64]];
    let lwp = ModelLwp::on_cpu(0);
    trace_reset();
    let (error, _) = model::call(
        &lwp,
        NR,
        [
            w.as_raw_fd() as u64,
            iov.as_ptr() as u64,
            1,
            u64::MAX,
            POS_H,
            0,
        ],
    );
    assert_balanced();
    assert_eq!((error, trace().sigpipe), (sys::EPIPE as i32, 1));
}

/// NetBSD's writev posts SIGPIPE unless the descriptor says otherwise:
/// RWF_NOSIGNAL cannot be kept on a pipe, and is EOPNOTSUPP there; on a
/// regular file it changes nothing, as on Linux.
#[test]
fn nosignal_is_refused_where_it_cannot_be_kept() {
    let (_r, w) = std::io::pipe().unwrap();
    let byte = *b"x";
    let iov = [[byte.as_ptr() as u64, 1u64]];
    let lwp = ModelLwp::on_cpu(0);
    trace_reset();
    let (error, _) = model::call(
        &lwp,
        NR,
        [
            w.as_raw_fd() as u64,
            iov.as_ptr() as u64,
            1,
            u64::MAX,
            POS_H,
            0x100,
        ],
    );
    assert_balanced();
    assert_eq!(error, sys::EOPNOTSUPP as i32);
    let d = data();
    let mut call = Call::new(NR, &d, &[8], 0);
    call.flags = 0x100;
    assert_eq!(call.same().result, Ok(8));
}
