//! Links the user-space kernel model (`ffi/model/`) into linuxrun, without
//! the module's glue and shims: those come from the `.kmod` it loads.
//!
//! - `kernel.c` is compiled as NetBSD code against one release's installed
//!   headers (`CLRS_CFLAGS`, as the Makefile's `cflags` gives them), so the
//!   structures the loaded module reaches into (`struct lwp`, `file`,
//!   `vnode`, ...) have that release's layout; `host.c` against Linux's.
//! - The global symbols `kernel.c` defines are the "kernel symbol table"
//!   the loader resolves the module's undefined symbols against: this
//!   script reads them from the compiled object and writes a table of
//!   names and addresses (`kernel_symbols.rs`). The model's own test
//!   interface (`model_*`) is left out: NetBSD has no such symbols.
//!   The kernel library functions the module calls (`LIBKERN`) are the
//!   host C library's, which has them with the same contract.
//! - `LINUXRUN_NETBSD_VERSION`: the `__NetBSD_Version__` of those headers,
//!   which a module's `mi_version` must match.
//! - `ffi/linux_syscalls.tab`, the Linux amd64 system calls and whether
//!   each NetBSD release's compat_linux has them, becomes `syscalls.rs`.

use std::env;
use std::fmt::Write as _;
use std::path::PathBuf;

use object::read::archive::ArchiveFile;
use object::{Object, ObjectSymbol};

const MODEL: &str = "../../ffi/model";
/// lib/libkern functions of `ffi/kpi.h`.
const LIBKERN: &[&str] = &["memcpy", "memset"];
/// The Linux calls and NetBSD's coverage, which the module's build reads too.
const SYSCALLS: &str = "../../ffi/linux_syscalls.tab";

fn main() {
    println!("cargo:rerun-if-env-changed=CLRS_CFLAGS");
    println!("cargo:rerun-if-env-changed=CLRS_CC");
    for file in ["kernel.c", "files.c", "host.c", "model.h"] {
        println!("cargo:rerun-if-changed={MODEL}/{file}");
    }
    for file in ["kpi.h", "shim.h"] {
        println!("cargo:rerun-if-changed=../../ffi/{file}");
    }
    println!("cargo:rerun-if-changed={SYSCALLS}");
    let cflags: Vec<String> = env::var("CLRS_CFLAGS")
        .expect("CLRS_CFLAGS is not set: build with `make` (see README)")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let version = cflags
        .iter()
        .find_map(|f| f.strip_prefix("-D__NetBSD_Version__="))
        .expect("CLRS_CFLAGS has no -D__NetBSD_Version__=");
    println!("cargo:rustc-env=LINUXRUN_NETBSD_VERSION={version}");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let compiler = env::var("CLRS_CC").unwrap_or_else(|_| "clang-14".into());

    // NetBSD code, as the unit tests build it (build.rs of the module).
    let mut kernel = cc::Build::new();
    kernel
        .compiler(&compiler)
        .no_default_flags(true)
        .flag("--target=x86_64-unknown-netbsd");
    for flag in [
        "-ffreestanding",
        "-nostdinc",
        "-O1",
        "-g",
        "-Wall",
        "-Werror",
    ] {
        kernel.flag(flag);
    }
    for flag in &cflags {
        kernel.flag(flag);
    }
    kernel.file(format!("{MODEL}/kernel.c"));
    kernel.file(format!("{MODEL}/files.c"));
    kernel.compile("clrs_model_kernel");
    cc::Build::new()
        .file(format!("{MODEL}/host.c"))
        .warnings_into_errors(true)
        .compile("clrs_model_host");

    let archive = std::fs::read(out.join("libclrs_model_kernel.a")).unwrap();
    let mut symbols = defined_globals(&archive);
    symbols.extend(LIBKERN.iter().map(|&name| name.to_owned()));
    symbols.sort();
    std::fs::write(out.join("kernel_symbols.rs"), symbol_table(&symbols)).unwrap();

    let table = std::fs::read_to_string(SYSCALLS).expect(SYSCALLS);
    std::fs::write(out.join("syscalls.rs"), syscall_table(&table)).unwrap();
}

/// Rust source for `SYSCALLS`, from `ffi/linux_syscalls.tab` (its header says
/// what the columns mean); a malformed line stops the build.
fn syscall_table(table: &str) -> String {
    let mut src = String::from(
        "/// The lines of `ffi/linux_syscalls.tab`, by number.\n\
         pub const SYSCALLS: &[Syscall] = &[\n",
    );
    let mut last = None;
    for (i, line) in table.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |why: &str| -> ! { panic!("{SYSCALLS}:{}: {why}: {line}", i + 1) };
        let [nr, name, ten, eleven] = line.split_whitespace().collect::<Vec<_>>()[..] else {
            bad("want four columns")
        };
        let nr: u16 = nr.parse().unwrap_or_else(|_| bad("not a number"));
        if nr >= 512 || last.is_some_and(|l| nr <= l) {
            bad("numbers must rise and stay below 512");
        }
        last = Some(nr);
        let has = |column: &str| match column {
            "+" | "+?" => (true, column.len() == 2),
            "-" | "-?" => (false, column.len() == 2),
            _ => bad("a release column is +, -, +? or -?"),
        };
        let ((has10, unsure10), (has11, unsure11)) = (has(ten), has(eleven));
        writeln!(
            src,
            "    Syscall {{ nr: {nr}, name: {name:?}, netbsd: [{has10}, {has11}], \
             unsure: [{unsure10}, {unsure11}] }},"
        )
        .unwrap();
    }
    src.push_str("];\n");
    src
}

/// The names of the global symbols the archive's objects define.
fn defined_globals(bytes: &[u8]) -> Vec<String> {
    let archive = ArchiveFile::parse(bytes).expect("the model's archive");
    let mut names = Vec::new();
    for member in archive.members() {
        let data = member.unwrap().data(bytes).unwrap();
        let file = object::File::parse(data).expect("an object of the model");
        for sym in file.symbols() {
            let name = sym.name().unwrap();
            if sym.is_global() && sym.is_definition() && !name.starts_with("model_") {
                names.push(name.to_owned());
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Rust source for `kernel_symbols()`: each name with its address in
/// this executable.
fn symbol_table(names: &[String]) -> String {
    let mut src = String::from("unsafe extern \"C\" {\n");
    for (i, name) in names.iter().enumerate() {
        writeln!(
            src,
            "    #[link_name = \"{name}\"]\n    static KSYM_{i}: u8;"
        )
        .unwrap();
    }
    src.push_str(
        "}\n\n/// The symbols of the model's kernel, sorted by name, with their addresses.\n\
         pub fn kernel_symbols() -> Vec<(&'static str, usize)> {\n    vec![\n",
    );
    for (i, name) in names.iter().enumerate() {
        writeln!(src, "        (\"{name}\", &raw const KSYM_{i} as usize),").unwrap();
    }
    src.push_str("    ]\n}\n");
    src
}
