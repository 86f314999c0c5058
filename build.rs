//! Generates the Rust view of the NetBSD headers and of `ffi/shim.h`, and
//! compiles the C glue: for the kernel target into the static library, for
//! the host (tests) together with the user-space kernel model in
//! `ffi/model/`, so that tests run the handlers, shims and glue for real.
//!
//! Inputs (set by `Makefile` on Linux hosts and by `Makefile.nbsd` on NetBSD):
//! - `CLRS_CFLAGS`: the C compiler flags that select the NetBSD headers and
//!   release (`-isystem`, `-D__NetBSD_Version__=`, `-D_KMEMUSER` or
//!   `-D_KERNEL -D_MODULE`), shared by bindgen and cc.
//! - `CLRS_CC`: the C compiler for the glue (default `clang-14`).
//! - `CLRS_C_BY_MAKE`: set when `bsd.kmodule.mk` compiles the glue itself.

use std::env;
use std::path::PathBuf;

const GLUE: &[&str] = &["ffi/compat_linux_rs.c", "ffi/shim.c"];
const MODEL_KERNEL: &str = "ffi/model/kernel.c";
/// The unit tests' link set lookup (linuxrun finds the modinfo itself).
const MODEL_LINKSET: &str = "ffi/model/linkset.c";
const MODEL_FILES: &str = "ffi/model/files.c";
const MODEL_HOST: &str = "ffi/model/host.c";
/// Linux's amd64 system call numbers and names (and NetBSD's coverage).
const LINUX_SYSCALLS: &str = "ffi/linux_syscalls.tab";
/// Slots of compat_linux's amd64 table (`LINUX_SYS_NSYSENT`).
const LINUX_NSYSENT: usize = 512;

/// Flags of `bsd.kmodule.mk` and `arch/amd64/include/Makefile.inc`.
const KERNEL_CFLAGS: &[&str] = &[
    "-ffreestanding",
    "-nostdinc",
    "-mno-red-zone",
    "-mno-mmx",
    "-mno-sse",
    "-mno-avx",
    "-msoft-float",
    "-mcmodel=kernel",
    "-fno-pic",
    "-fno-common",
    "-fno-omit-frame-pointer",
    "-fno-strict-aliasing",
    "-fno-stack-protector",
    // Frame sizes for the tests, as -Z emit-stack-sizes gives for Rust.
    "-fstack-size-section",
    "-O2",
    "-Wall",
    "-Wextra",
    "-Werror",
];

fn main() {
    for var in ["CLRS_CFLAGS", "CLRS_CC", "CLRS_C_BY_MAKE"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let model = [
        MODEL_KERNEL,
        MODEL_FILES,
        MODEL_LINKSET,
        MODEL_HOST,
        "ffi/model/model.h",
    ];
    let inputs = ["ffi/kpi.h", "ffi/shim.h", LINUX_SYSCALLS];
    for file in inputs.iter().chain(GLUE).chain(&model) {
        println!("cargo:rerun-if-changed={file}");
    }

    let cflags: Vec<String> = env::var("CLRS_CFLAGS")
        .expect("CLRS_CFLAGS is not set: build with `make` (see README)")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let kernel_target = env::var("TARGET").unwrap() == "x86_64-unknown-none";
    linux_names(&out);
    let compiler = env::var("CLRS_CC").unwrap_or_else(|_| "clang-14".into());

    // Release-specific kernel interfaces, from the headers' own version.
    println!("cargo:rustc-check-cfg=cfg(netbsd_semtimedop)");
    if netbsd_version(&compiler, &cflags) >= 1_100_000_000 {
        println!("cargo:rustc-cfg=netbsd_semtimedop");
    }

    // The host build sees the model's test interface too.
    let header = if kernel_target {
        "ffi/shim.h"
    } else {
        "ffi/model/model.h"
    };
    bindgen::Builder::default()
        .header(header)
        .clang_args(["--target=x86_64-unknown-netbsd", "-ffreestanding"])
        .clang_args(&cflags)
        .use_core()
        .ctypes_prefix("core::ffi")
        .layout_tests(false)
        .wrap_unsafe_ops(true)
        .derive_debug(false)
        .allowlist_function("clrs_.*|copyin|copyout|fd_getfile|fd_putfile|vn_lock")
        .allowlist_function("VOP_FSYNC|VOP_UNLOCK|VFS_SYNC|vfs_busy|vfs_unbusy|linux_sys_nosys|linux_sys_clone|model_.*")
        .allowlist_function("do_sys_statat|sys_renameat|sys___posix_rename|vn_rdwr|kmem_.*|sigispending")
        .allowlist_function("nameiat_simple_kernel|copyinstr|VOP_ACCESS|vref|vrele|kauth_cred_.*")
        .allowlist_function("sys_semop|sys_semtimedop|do_filereadv|do_filewritev")
        .allowlist_function("vn_open|pathbuf_.*|fd_allocfile|fd_affix|fd_abort|fd_set_exclose")
        .allowlist_function("copyin_vmspace|copyout_vmspace|uvmspace_free|sys_mlock")
        .allowlist_var("UIO_MAXIOV")
        .allowlist_var("CLRS_.*|E[A-Z0-9]+|PAGE_SIZE|FSYNC_WAIT|FSYNC_DATAONLY|LK_.*|MNT_WAIT")
        .allowlist_var("IO_SYNC|IO_DSYNC|IO_NODELOCKED|PATH_MAX|NSM_.*|MNT_RDONLY|MNT_NOEXEC|FOF_.*")
        .allowlist_var("MAXCOMLEN")
        .allowlist_var("O_(CREAT|EXCL|TRUNC|APPEND|NONBLOCK|NOCTTY|SYNC|DSYNC|DIRECT|DIRECTORY|NOFOLLOW)")
        .allowlist_var("linux_sysent|model_.*|ERESTART|MODEL_.*|AT_FDCWD|NOFOLLOW|F(READ|WRITE|APPEND)|KM_SLEEP|V(READ|WRITE|EXEC)|AT_EACCESS|AT_SYMLINK_NOFOLLOW|hz|IPC_NOWAIT")
        .allowlist_type("register_t|clrs_syscall|sysent|modcmd_t|model_prop|model_trace|vtype|uio_rw|uio_seg|iovec")
        // The pidfd calls.
        .allowlist_function("proc_find_raw|proc_find_lwpid|pgrp_find|proc_getspecific|proc_setspecific")
        .allowlist_function("mutex_init|mutex_destroy|mutex_enter|mutex_exit|rw_enter|rw_exit|kpause|closef")
        .allowlist_function("sel(init|destroy|record|notify|record_knote|remove_knote)")
        .allowlist_function("fd_getfile2|host_cred_self")
        .allowlist_var("proc_lock|S(ACTIVE|STOP|DYING|ZOMB|DEAD)|NOTE_SUBMIT|EVFILT_(READ|WRITE)")
        .allowlist_var("FIONBIO|FIOASYNC|SIG(CHLD|ILL|FPE|SEGV|BUS|TRAP|IO)|SI_(USER|QUEUE|LWP|MESGQ|ASYNCIO)")
        .allowlist_var("IPL_NONE|CLRS_LINUX_NSIG|clrs_pidfd.*")
        .allowlist_type("clrs_pidproc|clrs_pidfd|_ksiginfo|timeval|stat")
        .opaque_type("knote|pgrp")
        .rustified_enum("model_prop")
        .opaque_type("lwp|proc|file|vnode|mount|kauth_cred|vmspace")
        .generate()
        .unwrap_or_else(|e| panic!("bindgen could not read {header}: {e}"))
        .write_to_file(out.join("netbsd.rs"))
        .expect("cannot write the bindings");

    if kernel_target {
        if env::var_os("CLRS_C_BY_MAKE").is_none() {
            let mut build = netbsd_c(&compiler, &cflags, KERNEL_CFLAGS);
            build.files(GLUE).compile("clrs_glue");
        }
    } else {
        // The glue, the shims and the model's kernel half, as NetBSD code;
        // whole, so that the glue's link set reaches the test binary.
        let host_flags = [
            "-ffreestanding",
            "-nostdinc",
            "-fPIC",
            "-O1",
            "-g",
            "-Wall",
            "-Werror",
        ];
        let mut build = netbsd_c(&compiler, &cflags, &host_flags);
        build
            .files(GLUE)
            .file(MODEL_KERNEL)
            .file(MODEL_FILES)
            .file(MODEL_LINKSET)
            .link_lib_modifier("+whole-archive")
            .compile("clrs_model_kernel");
        cc::Build::new()
            .file(MODEL_HOST)
            .warnings_into_errors(true)
            .compile("clrs_model_host");
    }
}

/// Writes `linux_names.rs`: `LINUX_NAMES`, Linux's name of each amd64
/// system call number below `LINUX_NSYSENT`, from `LINUX_SYSCALLS`.
fn linux_names(out: &std::path::Path) {
    let table = std::fs::read_to_string(LINUX_SYSCALLS)
        .unwrap_or_else(|e| panic!("cannot read {LINUX_SYSCALLS}: {e}"));
    let mut names: Vec<Option<&str>> = vec![None; LINUX_NSYSENT];
    for (n, line) in table.lines().enumerate() {
        let mut fields = line.split_whitespace();
        let (Some(nr), Some(name)) = (fields.next(), fields.next()) else {
            continue;
        };
        if nr.starts_with('#') {
            continue;
        }
        let at = format!("{LINUX_SYSCALLS}:{}", n + 1);
        let nr: usize = nr.parse().unwrap_or_else(|_| panic!("{at}: bad number"));
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "{at}: bad name {name}"
        );
        let slot = names
            .get_mut(nr)
            .unwrap_or_else(|| panic!("{at}: {nr} is past the table"));
        assert!(slot.replace(name).is_none(), "{at}: {nr} twice");
    }
    let entries: String = names
        .iter()
        .map(|name| match name {
            Some(name) => format!("    Some(c\"{name}\"),\n"),
            None => "    None,\n".to_owned(),
        })
        .collect();
    std::fs::write(
        out.join("linux_names.rs"),
        format!(
            "/// Linux's amd64 system call names by number (`{LINUX_SYSCALLS}`).\n\
             static LINUX_NAMES: [Option<&core::ffi::CStr>; {LINUX_NSYSENT}] = [\n{entries}];\n"
        ),
    )
    .expect("cannot write linux_names.rs");
}

/// `__NetBSD_Version__` of the headers `cflags` select.
fn netbsd_version(compiler: &str, cflags: &[String]) -> u64 {
    let probe = PathBuf::from(env::var("OUT_DIR").unwrap()).join("version.c");
    std::fs::write(
        &probe,
        "#include <sys/param.h>\nclrs_version=__NetBSD_Version__\n",
    )
    .unwrap();
    let mut build = netbsd_c(compiler, cflags, &["-ffreestanding", "-nostdinc"]);
    let expanded = String::from_utf8(build.file(&probe).expand()).unwrap();
    expanded
        .lines()
        .find_map(|l| l.trim().strip_prefix("clrs_version="))
        .and_then(|v| v.trim().trim_end_matches(['U', 'L']).parse().ok())
        .expect("no __NetBSD_Version__ in <sys/param.h>")
}

/// A C build for NetBSD code against the headers `cflags` select.
fn netbsd_c(compiler: &str, cflags: &[String], extra: &[&str]) -> cc::Build {
    let mut build = cc::Build::new();
    build
        .compiler(compiler)
        .no_default_flags(true)
        .flag("--target=x86_64-unknown-netbsd");
    for flag in extra
        .iter()
        .map(|s| s.to_string())
        .chain(cflags.iter().cloned())
    {
        build.flag(&flag);
    }
    build
}
