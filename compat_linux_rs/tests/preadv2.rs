//! Tests of `preadv2.rs`, against the host's preadv2 on twin files.

use std::os::fd::AsRawFd;

use super::*;
use crate::model::{self, CLOSED_FD, ModelLwp, assert_balanced, linux_errno, trace_reset};
use crate::rw::tests::{Call, POS_H, pattern};
use crate::sys;

fn data() -> Vec<u8> {
    pattern(10_000, 1)
}

#[test]
fn reads_at_an_offset_and_leaves_the_position() {
    let d = data();
    let seen = Call::new(NR, &d, &[10, 0, 300, 7], 1234).same();
    assert_eq!(seen.result, Ok(317));
    assert_eq!(seen.offset, 0);
    assert_eq!(seen.buffers[2], d[1244..1544]);
}

#[test]
fn offset_minus_one_reads_at_the_position_and_advances_it() {
    let d = data();
    let mut call = Call::new(NR, &d, &[100, 50], -1);
    call.start = 9_900;
    let seen = call.same();
    assert_eq!((seen.result, seen.offset), (Ok(100), 10_000), "cut at EOF");
    call.start = 200;
    assert_eq!(call.same().offset, 350);
}

#[test]
fn stops_at_the_end_of_the_file() {
    let d = data();
    assert_eq!(Call::new(NR, &d, &[64], 9_990).same().result, Ok(10));
    assert_eq!(Call::new(NR, &d, &[64], 10_000).same().result, Ok(0));
    assert_eq!(Call::new(NR, &d, &[64], 1 << 40).same().result, Ok(0));
}

#[test]
fn the_flags_that_change_nothing_in_a_read() {
    let d = data();
    for flags in [0x01, 0x02, 0x04, 0x10, 0x20, 0x07] {
        let mut call = Call::new(NR, &d, &[30, 30], 100);
        call.flags = flags;
        assert_eq!(call.same().result, Ok(60), "flags {flags:x}");
    }
}

#[test]
fn refused_flags() {
    let d = data();
    // Unknown bits; APPEND with NOAPPEND; ATOMIC for a read. The upper half
    // of the register is not the flags' (rwf_t is an int).
    for (flags, linux) in [
        (0x200, 95),
        (0x8000_0000, 95),
        (0x30, 22),
        (0x40, 95),
        (0xdead_0000_0000_0030, 22),
    ] {
        let mut call = Call::new(NR, &d, &[8], 0);
        call.flags = flags;
        assert_eq!(call.same().result, Err(linux), "flags {flags:x}");
    }
}

/// Flags are looked at only when there is something to read.
#[test]
fn no_bytes_no_flag_checks() {
    let d = data();
    for sizes in [&[][..], &[0, 0][..]] {
        let mut call = Call::new(NR, &d, sizes, 0);
        call.flags = 0xffff;
        assert_eq!(call.same().result, Ok(0));
    }
}

#[test]
fn iovec_rules() {
    let d = data();
    let negative = |iov: &mut Vec<[u64; 2]>| iov[1][1] = u64::MAX;
    let mut call = Call::new(NR, &d, &[4, 4], 0);
    call.tweak = &negative;
    assert_eq!(call.same().result, Err(22));
    // More than 1024: EINVAL, before the array is read.
    let mut call = Call::new(NR, &d, &[4], 0);
    call.count = Some(1025);
    assert_eq!(call.same().result, Err(22));
    // The count is an unsigned int in a long: 2^32 + 1 is 1.
    call.count = Some((1 << 32) | 1);
    assert_eq!(call.same().result, Ok(4));
    // An array that cannot be read, or that leaves user space.
    let lwp = ModelLwp::on_cpu(0);
    let s = model::Scratch::new("preadv2", 100);
    for (addr, count) in [(8u64, 1u64), (8, 3), (u64::MAX - 15, 2)] {
        let regs = [s.file.as_raw_fd() as u64, addr, count, 0, POS_H, 0];
        trace_reset();
        assert_eq!(
            model::same_as_host(&lwp, NR, regs),
            sys::EFAULT as i32,
            "{addr:x}"
        );
        assert_balanced();
    }
}

/// The first element that cannot be read is EFAULT unless an earlier one
/// is negative: the array ends at the end of a mapping.
#[test]
fn a_negative_length_before_the_unreadable_part_is_einval() {
    let s = model::Scratch::new("preadv2", 100);
    let page = 4096;
    // Two pages, the second unmapped: the array's last element reaches it.
    unsafe extern "C" {
        fn mmap(a: *mut u8, l: usize, p: i32, f: i32, fd: i32, o: i64) -> *mut u8;
        fn munmap(a: *mut u8, l: usize) -> i32;
    }
    // SAFETY: an anonymous private mapping, its second page given back.
    let base = unsafe { mmap(std::ptr::null_mut(), 2 * page, 3, 0x22, -1, 0) };
    assert_ne!(base as isize, -1);
    // SAFETY: as above.
    assert_eq!(unsafe { munmap(base.add(page), page) }, 0);
    let mut buf = [0u8; 8];
    let first = page - 16;
    for (len, linux) in [(u64::MAX, 22), (8, 14)] {
        // SAFETY: 16 bytes inside the mapped page.
        unsafe {
            let elem = base.add(first).cast::<[u64; 2]>();
            elem.write_unaligned([buf.as_mut_ptr() as u64, len]);
        }
        let regs = [
            s.file.as_raw_fd() as u64,
            base as u64 + first as u64,
            2,
            0,
            POS_H,
            0,
        ];
        let lwp = ModelLwp::on_cpu(0);
        trace_reset();
        let (error, _) = model::call(&lwp, NR, regs);
        assert_balanced();
        assert_eq!(linux_errno(error), linux);
        assert_eq!(model::host(NR, regs), Err(linux));
    }
    // SAFETY: the page mapped above.
    unsafe { munmap(base, page) };
}

#[test]
fn a_buffer_that_cannot_be_written_ends_the_read() {
    let d = data();
    // Outside user space: EFAULT before anything is read.
    let kernel = |iov: &mut Vec<[u64; 2]>| iov[1][0] = 0xffff_8000_0000_0000;
    let mut call = Call::new(NR, &d, &[4, 4], 0);
    call.tweak = &kernel;
    assert_eq!(call.same().result, Err(14));
    // In user space but not mapped: what came before it.
    let unmapped = |iov: &mut Vec<[u64; 2]>| iov[1][0] = 0x10;
    call.tweak = &unmapped;
    assert_eq!(call.same().result, Ok(4));
    let first = |iov: &mut Vec<[u64; 2]>| iov[0][0] = 0x10;
    call.tweak = &first;
    assert_eq!(call.same().result, Err(14));
}

#[test]
fn lengths_are_cut_to_max_rw_count() {
    let d = data();
    // One buffer: cut, then checked; the read stops at the end of the file.
    let huge = |iov: &mut Vec<[u64; 2]>| iov[0][1] = i64::MAX as u64;
    let mut call = Call::new(NR, &d, &[16], 9_990);
    call.tweak = &huge;
    assert_eq!(call.same().result, Ok(10));
    // Two: each checked whole, so the huge one leaves user space.
    let mut call = Call::new(NR, &d, &[16, 16], 9_990);
    let second = |iov: &mut Vec<[u64; 2]>| iov[1][1] = i64::MAX as u64;
    call.tweak = &second;
    assert_eq!(call.same().result, Err(14));
}

#[test]
fn offsets_and_descriptors() {
    let d = data();
    assert_eq!(Call::new(NR, &d, &[8], -2).same().result, Err(22));
    assert_eq!(Call::new(NR, &d, &[8], i64::MIN).same().result, Err(22));
    assert_eq!(Call::new(NR, &d, &[8], i64::MAX - 3).same().result, Err(22));
    let mut wo = std::fs::OpenOptions::new();
    wo.write(true);
    let mut call = Call::new(NR, &d, &[8], 0);
    call.open = wo;
    assert_eq!(call.same().result, Err(9));
    let lwp = ModelLwp::on_cpu(0);
    let mut buf = [0u8; 8];
    let iov = [[buf.as_mut_ptr() as u64, 8u64]];
    for (fd, pos) in [
        (CLOSED_FD, 0u64),
        (CLOSED_FD, u64::MAX - 1),
        ((1 << 32) | 999, 0),
    ] {
        let regs = [fd, iov.as_ptr() as u64, 1, pos, POS_H, 0];
        trace_reset();
        model::same_as_host(&lwp, NR, regs);
        assert_balanced();
    }
}

#[test]
fn pipes_read_as_streams_and_refuse_offsets() {
    let (r, mut w) = std::io::pipe().unwrap();
    std::io::Write::write_all(&mut w, b"0123456789").unwrap();
    let lwp = ModelLwp::on_cpu(0);
    let mut a = [0u8; 3];
    let mut b = [0u8; 4];
    let iov = [[a.as_mut_ptr() as u64, 3u64], [b.as_mut_ptr() as u64, 4]];
    let call = |pos: u64, flags: u64| {
        trace_reset();
        let r = model::call(
            &lwp,
            NR,
            [
                r.as_raw_fd() as u64,
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
    assert_eq!(call(0, 0), (sys::ESPIPE as i32, -7));
    assert_eq!(call(u64::MAX, 0x40), (sys::EOPNOTSUPP as i32, -7));
    assert_eq!(call(u64::MAX, 0), (0, 7));
    assert_eq!((&a, &b), (b"012", b"3456"));
    // What is left is read, and the host's pipe agrees.
    assert_eq!(call(u64::MAX, 0x1), (0, 3));
    assert_eq!(&a, b"789");
    let host_iov = [[a.as_mut_ptr() as u64, 3u64]];
    std::io::Write::write_all(&mut w, b"ab").unwrap();
    assert_eq!(
        model::host(
            NR,
            [r.as_raw_fd() as u64, host_iov.as_ptr() as u64, 1, 0, 0, 0]
        ),
        Err(29)
    );
}

#[test]
fn directories_are_eisdir_or_eopnotsupp() {
    let s = model::Scratch::new("preadv2", 0);
    let dir = std::fs::File::open(&s.dir).unwrap();
    let mut buf = [0u8; 8];
    let iov = [[buf.as_mut_ptr() as u64, 8u64]];
    let lwp = ModelLwp::on_cpu(0);
    for (count, flags, linux) in [
        (1, 0, Err(21)),
        (1, 1, Err(21)),
        (1, 4, Err(95)),
        (1, 0x30, Err(95)),
        (0, 4, Ok(0)),
    ] {
        let regs = [
            dir.as_raw_fd() as u64,
            iov.as_ptr() as u64,
            count,
            0,
            POS_H,
            flags,
        ];
        trace_reset();
        let (error, retval) = model::call(&lwp, NR, regs);
        assert_balanced();
        let module = if error == 0 {
            Ok(retval)
        } else {
            Err(linux_errno(error))
        };
        assert_eq!(
            (module, model::host(NR, regs)),
            (linux, linux),
            "flags {flags:x}"
        );
    }
}

/// NetBSD cannot read without waiting: RWF_NOWAIT is EOPNOTSUPP, as Linux
/// says on tmpfs (and not on most disk file systems: a deviation).
#[test]
fn nowait_is_eopnotsupp() {
    let s = model::Scratch::new("preadv2", 100);
    let mut buf = [0u8; 8];
    let iov = [[buf.as_mut_ptr() as u64, 8u64]];
    let lwp = ModelLwp::on_cpu(0);
    trace_reset();
    let regs = [
        s.file.as_raw_fd() as u64,
        iov.as_ptr() as u64,
        1,
        0,
        POS_H,
        8,
    ];
    assert_eq!(model::call(&lwp, NR, regs).0, sys::EOPNOTSUPP as i32);
    assert_balanced();
}
