//! Generates the Rust view of the NetBSD headers and of `ffi/shim.h`, and,
//! for the kernel target, compiles the C glue into the static library.
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
    for file in ["ffi/kpi.h", "ffi/shim.h"].iter().chain(GLUE) {
        println!("cargo:rerun-if-changed={file}");
    }

    let cflags: Vec<String> = env::var("CLRS_CFLAGS")
        .expect("CLRS_CFLAGS is not set: build with `make` (see README)")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());

    bindgen::Builder::default()
        .header("ffi/shim.h")
        .clang_args(["--target=x86_64-unknown-netbsd", "-ffreestanding"])
        .clang_args(&cflags)
        .use_core()
        .ctypes_prefix("core::ffi")
        .layout_tests(false)
        .derive_debug(false)
        .allowlist_function("clrs_lwp_cpu|copyin|copyout")
        .allowlist_var("CLRS_.*|E[A-Z0-9]+")
        .allowlist_type("register_t|clrs_syscall")
        .opaque_type("lwp")
        .generate()
        .expect("bindgen could not read ffi/shim.h")
        .write_to_file(out.join("netbsd.rs"))
        .expect("cannot write the bindings");

    let kernel_target = env::var("TARGET").unwrap() == "x86_64-unknown-none";
    if kernel_target && env::var_os("CLRS_C_BY_MAKE").is_none() {
        let mut build = cc::Build::new();
        build
            .compiler(env::var("CLRS_CC").unwrap_or_else(|_| "clang-14".into()))
            .no_default_flags(true)
            .flag("--target=x86_64-unknown-netbsd")
            .files(GLUE);
        for flag in KERNEL_CFLAGS.iter().map(|s| s.to_string()).chain(cflags) {
            build.flag(&flag);
        }
        build.compile("clrs_glue");
    }
}
