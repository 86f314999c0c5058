//! Tests of `copy_file_range.rs`.

use std::fs::{self, File, OpenOptions};
use std::io::{Seek, SeekFrom};
use std::os::fd::AsRawFd;
use std::path::Path;

use super::*;
use crate::model::{
    self, CLOSED_FD, ModelLwp, Scratch, assert_balanced, linux_errno, trace, trace_reset,
};

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

/// An input and an output file opened as `open` says, with `src`
/// and `dst` as contents, and both descriptors' offsets set.
struct Pair {
    input: File,
    output: File,
    out_path: std::path::PathBuf,
}

fn pair(dir: &Path, src: &[u8], dst: &[u8], out: &OpenOptions, offsets: (u64, u64)) -> Pair {
    fs::write(dir.join("in"), src).unwrap();
    fs::write(dir.join("out"), dst).unwrap();
    let mut input = File::open(dir.join("in")).unwrap();
    let mut output = out.open(dir.join("out")).unwrap();
    input.seek(SeekFrom::Start(offsets.0)).unwrap();
    output.seek(SeekFrom::Start(offsets.1)).unwrap();
    Pair {
        input,
        output,
        out_path: dir.join("out"),
    }
}

fn rw() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.read(true).write(true);
    o
}

/// The same copy by the module and by the host on twin files: the
/// results, the output files, the descriptor offsets and the user
/// offsets must agree. Returns the module's NetBSD errno or count.
fn same_copy(
    src: &[u8],
    dst: &[u8],
    out: &OpenOptions,
    offsets: Option<(i64, i64)>,
    len: u64,
    flags: u64,
) -> Result<i64, i32> {
    let s = Scratch::new("cfr", 0);
    let mut outcomes = Vec::new();
    for side in ["m", "h"] {
        let dir = s.dir.join(side);
        fs::create_dir(&dir).unwrap();
        let mut p = pair(&dir, src, dst, out, (3, 1));
        let mut user = offsets.unwrap_or((0, 0));
        let (in_ptr, out_ptr) = match offsets {
            Some(_) => (&raw mut user.0 as u64, &raw mut user.1 as u64),
            None => (0, 0),
        };
        let regs = [
            p.input.as_raw_fd() as u64,
            in_ptr,
            p.output.as_raw_fd() as u64,
            out_ptr,
            len,
            flags,
        ];
        let result = if side == "m" {
            let lwp = ModelLwp::on_cpu(0);
            trace_reset();
            let (error, retval) = model::call(&lwp, NR, regs);
            assert_balanced();
            assert_eq!(trace().allocated, 0, "kernel buffer freed");
            if error == 0 { Ok(retval) } else { Err(error) }
        } else {
            model::host(NR, regs).map_err(|e| -e)
        };
        let positions = (
            p.input.stream_position().unwrap(),
            p.output.stream_position().unwrap(),
        );
        outcomes.push((result, fs::read(&p.out_path).unwrap(), positions, user));
    }
    let (module, host) = (&outcomes[0], &outcomes[1]);
    let module_linux = module.0.map_err(linux_errno);
    assert_eq!(
        (module_linux, &module.1, module.2, module.3),
        (host.0.map_err(|e| -e), &host.1, host.2, host.3)
    );
    module.0
}

#[test]
fn copies_from_and_advances_the_descriptor_offsets() {
    let src = data(200_000);
    assert_eq!(same_copy(&src, b"", &rw(), None, 150_000, 0), Ok(150_000));
    assert_eq!(same_copy(&src, b"0123456789", &rw(), None, 10, 0), Ok(10));
}

#[test]
fn explicit_offsets_are_used_and_written_back() {
    let src = data(100_000);
    assert_eq!(
        same_copy(&src, b"", &rw(), Some((1000, 5000)), 70_000, 0),
        Ok(70_000)
    );
}

#[test]
fn stops_at_the_end_of_the_input() {
    let src = data(100);
    assert_eq!(
        same_copy(&src, b"", &rw(), None, u64::MAX >> 1, 0),
        Ok(97),
        "len near SSIZE_MAX"
    );
    assert_eq!(
        same_copy(&src, b"", &rw(), Some((100, 0)), 10, 0),
        Ok(0),
        "at EOF"
    );
    assert_eq!(
        same_copy(&src, b"", &rw(), Some((500, 0)), 10, 0),
        Ok(0),
        "past EOF"
    );
    assert_eq!(same_copy(&src, b"", &rw(), None, 0, 0), Ok(0), "len 0");
}

#[test]
fn flags_and_offsets_are_checked() {
    let src = data(100);
    assert_eq!(
        same_copy(&src, b"", &rw(), None, 10, 1),
        Err(sys::EINVAL as i32)
    );
    // A negative offset wraps as an unsigned sum before it is found
    // negative, as in Linux.
    assert_eq!(
        same_copy(&src, b"", &rw(), Some((-1, 0)), 10, 0),
        Err(sys::EOVERFLOW as i32)
    );
    assert_eq!(
        same_copy(&src, b"", &rw(), Some((0, -5)), 10, 0),
        Err(sys::EOVERFLOW as i32)
    );
    assert_eq!(
        same_copy(&src, b"", &rw(), Some((-1, 0)), 0, 0),
        Err(sys::EINVAL as i32)
    );
    assert_eq!(
        same_copy(&src, b"", &rw(), Some((0, -5)), 0, 0),
        Err(sys::EINVAL as i32)
    );
    assert_eq!(
        same_copy(&src, b"", &rw(), Some((10, i64::MAX - 5)), 10, 0),
        Err(sys::EFBIG as i32)
    );
    assert_eq!(
        same_copy(&src, b"", &rw(), Some((10, 0)), u64::MAX - 5, 0),
        Err(sys::EOVERFLOW as i32)
    );
}

#[test]
fn open_modes_are_checked() {
    let src = data(100);
    let mut ro = OpenOptions::new();
    ro.read(true);
    assert_eq!(
        same_copy(&src, b"", &ro, None, 10, 0),
        Err(sys::EBADF as i32)
    );
    let mut append = rw();
    append.append(true);
    assert_eq!(
        same_copy(&src, b"", &append, None, 10, 0),
        Err(sys::EBADF as i32)
    );
}

/// A module call with the given descriptors, checked against the host.
fn with_fds(fd_in: u64, fd_out: u64) -> i32 {
    let lwp = ModelLwp::on_cpu(0);
    trace_reset();
    let error = model::same_as_host(&lwp, NR, [fd_in, 0, fd_out, 0, 10, 0]);
    assert_balanced();
    error
}

#[test]
fn descriptors_and_file_types_are_checked() {
    let s = Scratch::new("cfr", 100);
    let file = s.file.as_raw_fd() as u64;
    let dir = File::open(&s.dir).unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    assert_eq!(with_fds(CLOSED_FD, file), sys::EBADF as i32);
    assert_eq!(with_fds(file, CLOSED_FD), sys::EBADF as i32);
    assert_eq!(with_fds(dir.as_raw_fd() as u64, file), sys::EISDIR as i32);
    assert_eq!(
        with_fds(reader.as_raw_fd() as u64, dir.as_raw_fd() as u64),
        sys::EISDIR as i32
    );
    assert_eq!(
        with_fds(reader.as_raw_fd() as u64, file),
        sys::EINVAL as i32
    );
    assert_eq!(
        with_fds(file, writer.as_raw_fd() as u64),
        sys::EINVAL as i32
    );
}

#[test]
fn overlapping_ranges_of_one_file_are_einval() {
    let s = Scratch::new("cfr", 1000);
    let fd = s.file.as_raw_fd() as u64;
    let lwp = ModelLwp::on_cpu(0);
    for (from, to, expect) in [
        (0i64, 100i64, sys::EINVAL as i32),
        (0, 500, 0),
        (500, 0, 0),
        (100, 50, sys::EINVAL as i32),
    ] {
        let (mut a, mut b) = (from, to);
        let regs = [fd, &raw mut a as u64, fd, &raw mut b as u64, 400, 0];
        let (error, _) = model::call(&lwp, NR, regs);
        assert_eq!(error, expect, "{from} -> {to}");
    }
}

#[test]
fn bad_offset_pointers_are_efault() {
    let s = Scratch::new("cfr", 100);
    let fd = s.file.as_raw_fd() as u64;
    let lwp = ModelLwp::on_cpu(0);
    let regs = [fd, 8, fd, 0, 10, 0];
    let (error, _) = model::call(&lwp, NR, regs);
    assert_eq!(Err(linux_errno(error)), model::host(NR, regs));
}

#[test]
fn offsets_that_cannot_be_written_back_are_efault_after_the_copy() {
    static READ_ONLY_OFFSET: i64 = 0;
    let s = Scratch::new("cfr", 0);
    let p = pair(&s.dir, &data(50), b"", &rw(), (0, 0));
    let lwp = ModelLwp::on_cpu(0);
    let regs = [
        p.input.as_raw_fd() as u64,
        &raw const READ_ONLY_OFFSET as u64,
        p.output.as_raw_fd() as u64,
        0,
        20,
        0,
    ];
    let (error, _) = model::call(&lwp, NR, regs);
    assert_eq!(error, sys::EFAULT as i32);
    assert_eq!(
        fs::read(&p.out_path).unwrap(),
        data(50)[..20],
        "the data was copied"
    );
}

/// Runs a module copy of `len` bytes of a 1 MiB file with the model
/// arranged by `arrange`; returns the result and the bytes in the output.
fn copy_with(arrange: impl Fn(&mut sys::model_trace)) -> (i32, register_t, usize) {
    let s = Scratch::new("cfr", 0);
    let p = pair(&s.dir, &data(1 << 20), b"", &rw(), (0, 0));
    let lwp = ModelLwp::on_cpu(0);
    trace_reset();
    // SAFETY: this thread's trace.
    arrange(unsafe { &mut *sys::model_trace() });
    let (error, retval) = model::call(
        &lwp,
        NR,
        [
            p.input.as_raw_fd() as u64,
            0,
            p.output.as_raw_fd() as u64,
            0,
            1 << 20,
            0,
        ],
    );
    assert_balanced();
    assert_eq!(trace().allocated, 0);
    (error, retval, fs::read(&p.out_path).unwrap().len())
}

#[test]
fn a_signal_ends_the_copy_with_the_count() {
    // rdwr calls alternate read, write: the signal shows after 2 chunks.
    let (error, copied, written) = copy_with(|t| t.signal_after = 4);
    assert_eq!((error, copied as usize, written), (0, 2 * CHUNK, 2 * CHUNK));
}

#[test]
fn errors_after_progress_return_the_count() {
    let (error, copied, _) = copy_with(|t| t.fail_write_after = 6);
    assert_eq!((error, copied as usize), (0, 2 * CHUNK));
    let (error, _, _) = copy_with(|t| t.fail_write_after = 2);
    assert_eq!(error, sys::EIO as i32, "nothing copied: the error");
    let (error, copied, written) = copy_with(|t| t.short_write_after = 2);
    assert_eq!((error, copied as usize, written), (0, CHUNK / 2, CHUNK / 2));
}

#[test]
fn copies_across_file_systems() {
    // tmpfs, where the scratch folder is on the disk's file system.
    let shm = Path::new("/dev/shm");
    assert!(shm.is_dir(), "this test needs /dev/shm");
    let s = Scratch::new("cfr", 0);
    fs::write(s.dir.join("in"), data(5000)).unwrap();
    let out_path = shm.join(format!("clrs-cfr-{}", std::process::id()));
    let input = File::open(s.dir.join("in")).unwrap();
    let output = File::create(&out_path).unwrap();
    let lwp = ModelLwp::on_cpu(0);
    let (error, copied) = model::call(
        &lwp,
        NR,
        [
            input.as_raw_fd() as u64,
            0,
            output.as_raw_fd() as u64,
            0,
            5000,
            0,
        ],
    );
    let written = fs::read(&out_path).unwrap();
    fs::remove_file(&out_path).unwrap();
    assert_eq!((error, copied, written), (0, 5000, data(5000)));
}
