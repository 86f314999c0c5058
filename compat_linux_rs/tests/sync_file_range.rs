//! Tests of `sync_file_range.rs`.

use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;

use super::*;
use crate::model::{
    self, CLOSED_FD, ModelLwp, Scratch, assert_balanced, same_as_host, trace, trace_reset,
};

const ALL: u64 = 7;

fn run(fd: u64, offset: i64, nbytes: i64, flags: u64) -> i32 {
    let lwp = ModelLwp::on_cpu(0);
    trace_reset();
    let error = same_as_host(&lwp, NR, [fd, offset as u64, nbytes as u64, flags, 0, 0]);
    assert_balanced();
    error
}

#[test]
fn syncs_whole_pages_of_the_range_and_waits() {
    let s = Scratch::new("sfr", 20000);
    assert_eq!(run(s.file.as_raw_fd() as u64, 5000, 100, ALL), 0);
    let t = trace();
    assert_eq!(t.fsyncs, 1);
    assert_eq!((t.fsync_lo, t.fsync_hi), (4096, 8192));
    assert_eq!(t.fsync_flags as u32, sys::FSYNC_DATAONLY | sys::FSYNC_WAIT);
    assert!(t.fsync_locked, "VOP_FSYNC with the vnode locked");
}

#[test]
fn write_alone_starts_without_waiting() {
    let s = Scratch::new("sfr", 100);
    assert_eq!(run(s.file.as_raw_fd() as u64, 0, 4096, 2), 0);
    let t = trace();
    assert_eq!((t.fsyncs, t.fsync_flags as u32), (1, sys::FSYNC_DATAONLY));
    assert_eq!((t.fsync_lo, t.fsync_hi), (0, 4096));
}

#[test]
fn zero_nbytes_is_to_the_end_of_the_file() {
    let s = Scratch::new("sfr", 100);
    assert_eq!(run(s.file.as_raw_fd() as u64, 8192, 0, ALL), 0);
    assert_eq!((trace().fsync_lo, trace().fsync_hi), (0, 0), "whole file");
}

#[test]
fn zero_flags_does_nothing() {
    let s = Scratch::new("sfr", 100);
    assert_eq!(run(s.file.as_raw_fd() as u64, 0, 100, 0), 0);
    assert_eq!(trace().fsyncs, 0);
}

#[test]
fn read_only_descriptors_and_directories_are_fine() {
    let s = Scratch::new("sfr", 100);
    let ro = std::fs::File::open(s.dir.join("file")).unwrap();
    assert_eq!(run(ro.as_raw_fd() as u64, 0, 0, ALL), 0);
    let dir = std::fs::File::open(&s.dir).unwrap();
    assert_eq!(run(dir.as_raw_fd() as u64, 0, 0, ALL), 0);
}

#[test]
fn bad_flags_offsets_and_lengths_are_einval() {
    let s = Scratch::new("sfr", 100);
    let fd = s.file.as_raw_fd() as u64;
    for (offset, nbytes, flags) in [
        (0, 0, 8),
        (0, 0, 0x100),
        (-1, 0, ALL),
        (0, -1, ALL),
        (-4096, 10, 0),
        (i64::MAX - 10, 100, ALL),
        (i64::MIN, i64::MIN, ALL),
    ] {
        assert_eq!(run(fd, offset, nbytes, flags), sys::EINVAL as i32);
    }
    assert_eq!(trace().fsyncs, 0);
}

#[test]
fn the_descriptor_is_checked_first_and_the_file_type_last() {
    assert_eq!(run(CLOSED_FD, -1, -1, 0x100), sys::EBADF as i32);
    let (reader, _writer) = std::io::pipe().unwrap();
    assert_eq!(
        run(reader.as_raw_fd() as u64, -1, 0, 0x100),
        sys::EINVAL as i32
    );
}

#[test]
fn offsets_up_to_the_limit_are_valid() {
    let s = Scratch::new("sfr", 100);
    assert_eq!(run(s.file.as_raw_fd() as u64, i64::MAX - 100, 100, ALL), 0);
    assert_eq!(
        (trace().fsync_lo, trace().fsync_hi),
        (0, 0),
        "past the last page: whole file"
    );
}

#[test]
fn closed_and_negative_descriptors_are_ebadf() {
    assert_eq!(run(CLOSED_FD, 0, 0, ALL), sys::EBADF as i32);
    assert_eq!(run(u32::MAX as u64, 0, 0, ALL), sys::EBADF as i32);
}

#[test]
fn pipes_and_sockets_are_espipe() {
    let (a, _b) = UnixStream::pair().unwrap();
    assert_eq!(run(a.as_raw_fd() as u64, 0, 0, ALL), sys::ESPIPE as i32);
    let (reader, _writer) = std::io::pipe().unwrap();
    assert_eq!(run(reader.as_raw_fd() as u64, 0, 0, 0), sys::ESPIPE as i32);
}

#[test]
fn only_the_declared_width_is_read() {
    let s = Scratch::new("sfr", 100);
    let lwp = ModelLwp::on_cpu(0);
    let garbage = 0xdead_beef_0000_0000_u64;
    let (error, _) = model::call(
        &lwp,
        NR,
        [s.file.as_raw_fd() as u64 | garbage, 0, 0, 2 | garbage, 0, 0],
    );
    assert_eq!(error, 0);
}

#[test]
fn page_range_rounds_outwards() {
    assert_eq!(page_range(0, 1), (0, 4096));
    assert_eq!(page_range(4096, 4096), (4096, 8192));
    assert_eq!(page_range(4095, 2), (0, 8192));
    assert_eq!(page_range(10, 0), (0, 0));
    assert_eq!(page_range(i64::MAX - 1, 1), (0, 0));
}
