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
fn files_on_different_file_systems_are_exdev() {
    // tmpfs, where the scratch folder is on the disk's file system.
    let shm = Path::new("/dev/shm");
    assert!(shm.is_dir(), "this test needs /dev/shm");
    let s = Scratch::new("cfr", 0);
    fs::write(s.dir.join("in"), data(5000)).unwrap();
    let out_path = shm.join(format!("clrs-cfr-{}", std::process::id()));
    let input = File::open(s.dir.join("in")).unwrap();
    let output = File::create(&out_path).unwrap();
    let error = with_fds(input.as_raw_fd() as u64, output.as_raw_fd() as u64);
    let written = fs::read(&out_path).unwrap();
    fs::remove_file(&out_path).unwrap();
    assert_eq!((error, written.len()), (sys::EXDEV as i32, 0));
}

#[test]
fn two_descriptors_of_one_file_are_one_file() {
    let s = Scratch::new("cfr", 1000);
    let path = s.dir.join("file");
    let a = OpenOptions::new().read(true).open(&path).unwrap();
    let b = OpenOptions::new().write(true).open(&path).unwrap();
    let lwp = ModelLwp::on_cpu(0);
    for (from, to, expect) in [(0i64, 100i64, sys::EINVAL as i32), (0, 500, 0)] {
        let (mut x, mut y) = (from, to);
        let regs = [
            a.as_raw_fd() as u64,
            &raw mut x as u64,
            b.as_raw_fd() as u64,
            &raw mut y as u64,
            400,
            0,
        ];
        trace_reset();
        let (error, _) = model::call(&lwp, NR, regs);
        assert_balanced();
        assert_eq!(error, expect, "{from} -> {to}");
        let (mut x, mut y) = (from, to);
        let regs = [
            regs[0],
            &raw mut x as u64,
            regs[2],
            &raw mut y as u64,
            400,
            0,
        ];
        assert_eq!(
            model::host(NR, regs).map_err(|e| e as u32),
            if expect == 0 {
                Ok(400)
            } else {
                Err(sys::EINVAL)
            }
        );
    }
}

unsafe extern "C" {
    fn setrlimit(resource: i32, limit: *const [u64; 2]) -> i32;
}
const RLIMIT_FSIZE: i32 = 1;
const SIGXFSZ: i32 = 25;

/// A copy of 5000 bytes to `pos_out` by the module and by the host, each
/// in a child process whose soft `RLIMIT_FSIZE` is 1000 and which ignores
/// `SIGXFSZ`: the module's result (NetBSD errno), the host's (Linux errno),
/// the output sizes, and whether the module posted `SIGXFSZ`.
fn copy_under_limit(pos_out: i64) -> (Result<i64, i32>, Result<i64, i32>, u64, u64, bool) {
    let s = Scratch::new("cfr", 0);
    let mut outcome = Vec::new();
    for side in ["m", "h"] {
        let dir = s.dir.join(side);
        fs::create_dir(&dir).unwrap();
        let p = pair(&dir, &data(5000), b"", &rw(), (0, 0));
        let report = dir.join("result");
        let status = model::in_child(|| {
            model::ignore_signal(SIGXFSZ);
            // SAFETY: this child's own limit.
            unsafe { setrlimit(RLIMIT_FSIZE, &[1000, u64::MAX]) };
            let mut off = pos_out;
            let regs = [
                p.input.as_raw_fd() as u64,
                0,
                p.output.as_raw_fd() as u64,
                &raw mut off as u64,
                5000,
                0,
            ];
            let (result, posted) = if side == "m" {
                let lwp = ModelLwp::on_cpu(0);
                trace_reset();
                let (error, copied) = model::call(&lwp, NR, regs);
                let t = trace();
                if t.violations != 0 || t.files_held != 0 {
                    return 1;
                }
                (
                    if error == 0 { Ok(copied) } else { Err(error) },
                    t.sigxfsz != 0,
                )
            } else {
                (model::host(NR, regs), false)
            };
            fs::write(&report, format!("{result:?} {posted}")).unwrap();
            0
        });
        assert_eq!(status, 0, "unbalanced or a rule broken in the child");
        let size = fs::metadata(&p.out_path).unwrap().len();
        outcome.push((fs::read_to_string(&report).unwrap(), size));
    }
    let parse = |text: &str| -> (Result<i64, i32>, bool) {
        let (result, posted) = text.rsplit_once(' ').unwrap();
        let number = |t: &str| {
            t.trim_end_matches(')')
                .split('(')
                .nth(1)
                .unwrap()
                .parse()
                .unwrap()
        };
        let result = if result.starts_with("Ok") {
            Ok(number(result))
        } else {
            Err(number(result) as i32)
        };
        (result, posted == "true")
    };
    let (module, posted) = parse(&outcome[0].0);
    let (host, _) = parse(&outcome[1].0);
    (module, host, outcome[0].1, outcome[1].1, posted)
}

#[test]
fn rlimit_fsize_shortens_the_copy() {
    let (module, host, msize, hsize, posted) = copy_under_limit(0);
    assert_eq!((module, msize, posted), (Ok(1000), 1000, false));
    assert_eq!((host, hsize), (Ok(1000), 1000));
    let (module, host, msize, _, posted) = copy_under_limit(600);
    assert_eq!((module, msize, posted), (Ok(400), 1000, false));
    assert_eq!(host, Ok(400));
}

#[test]
fn at_or_past_rlimit_fsize_is_efbig_and_sigxfsz() {
    for pos_out in [1000, 1500, -5] {
        let (module, host, msize, _, posted) = copy_under_limit(pos_out);
        let (netbsd, linux) = if pos_out < 0 {
            (sys::EOVERFLOW as i32, 75)
        } else {
            (sys::EFBIG as i32, 27)
        };
        assert_eq!(
            (module, msize, posted),
            (Err(netbsd), 0, pos_out >= 0),
            "{pos_out}"
        );
        assert_eq!(host, Err(linux), "{pos_out}");
    }
}

#[test]
fn the_largest_file_size_shortens_the_copy_or_is_efbig() {
    // The model's file systems declare 44 bits: at most 2^43 - 1 bytes.
    let max = (1i64 << 43) - 1;
    let s = Scratch::new("cfr", 0);
    let p = pair(&s.dir, &data(100), b"", &rw(), (0, 0));
    let lwp = ModelLwp::on_cpu(0);
    for (pos_out, len, expect) in [
        (max - 10, 100, Ok(10)),
        (max, 100, Err(sys::EFBIG as i32)),
        (max, 0, Err(sys::EFBIG as i32)),
        (i64::MAX - 1, 1, Err(sys::EFBIG as i32)),
    ] {
        let mut off = pos_out;
        let regs = [
            p.input.as_raw_fd() as u64,
            0,
            p.output.as_raw_fd() as u64,
            &raw mut off as u64,
            len,
            0,
        ];
        trace_reset();
        let (error, copied) = model::call(&lwp, NR, regs);
        assert_balanced();
        let result = if error == 0 { Ok(copied) } else { Err(error) };
        assert_eq!(result, expect, "{pos_out} {len}");
        assert_eq!(trace().sigxfsz, 0);
        p.output.set_len(0).unwrap();
    }
}

#[test]
fn copies_at_most_max_rw_count_per_call() {
    let s = Scratch::new("cfr", 0);
    let p = pair(&s.dir, b"", b"", &rw(), (0, 0));
    File::options()
        .write(true)
        .open(s.dir.join("in"))
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    let (error, copied) = {
        let lwp = ModelLwp::on_cpu(0);
        trace_reset();
        // SAFETY: this thread's trace.
        unsafe { (*sys::model_trace()).rdwr_discard = true };
        model::call(
            &lwp,
            NR,
            [
                p.input.as_raw_fd() as u64,
                0,
                p.output.as_raw_fd() as u64,
                0,
                u64::MAX >> 1,
                0,
            ],
        )
    };
    assert_balanced();
    assert_eq!((error, copied), (0, 0x7fff_f000));
}

#[test]
fn o_sync_and_o_dsync_outputs_are_written_synchronously() {
    const O_DSYNC: i32 = 0o10000;
    const O_SYNC: i32 = 0o4010000;
    use std::os::unix::fs::OpenOptionsExt;
    for (flags, expect) in [(0, 0), (O_DSYNC, sys::IO_DSYNC), (O_SYNC, sys::IO_SYNC)] {
        let s = Scratch::new("cfr", 0);
        let mut out = rw();
        out.custom_flags(flags);
        let p = pair(&s.dir, &data(100), b"", &out, (0, 0));
        let lwp = ModelLwp::on_cpu(0);
        trace_reset();
        let (error, copied) = model::call(
            &lwp,
            NR,
            [
                p.input.as_raw_fd() as u64,
                0,
                p.output.as_raw_fd() as u64,
                0,
                100,
                0,
            ],
        );
        assert_balanced();
        assert_eq!((error, copied), (0, 100));
        assert_eq!(trace().rdwr_ioflags as u32, expect, "open flags {flags:o}");
    }
}
