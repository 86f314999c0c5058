//! linuxrun: loads compat_linux_rs.kmod as NetBSD's kobj does, binds it to
//! the user-space kernel model, and runs it (see README.md, "linuxrun").
//!
//! Exit status: PROGRAM's; 2 when the module is refused or its INIT or
//! FINI fails; 1 for a usage error.

mod errno;
mod filter;
mod kobj;
mod model;
mod notify;
mod procfs;
mod report;
mod table;
mod trace;

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use filter::{Action, Filter};
use kobj::{ModCmd, Module};
use table::Release;

const USAGE: &str = "usage: linuxrun [--kmod FILE] [--trace] [--report] [--host-syscalls] \
                     PROGRAM [ARGS...]\n       linuxrun [--kmod FILE] --load-only";
/// The default module, beside the build/bin/ that holds linuxrun.
const DEFAULT_KMOD: &str = "../netbsd-11/compat_linux_rs.kmod";

/// `__NetBSD_Version__` of the headers the model was built with.
const NETBSD_VERSION: &str = env!("LINUXRUN_NETBSD_VERSION");
/// Set when linuxrun handed the module over to the build of its release.
const DISPATCHED: &str = "LINUXRUN_DISPATCHED";

/// semtimedop: its handler can sleep.
const SLEEPS: &[usize] = &[220];
/// restart_syscall: the host kernel has a thread make it to resume a
/// sleep a signal interrupted (clock_nanosleep, ...), so it is the host's
/// own, though compat_linux lacks it.
const RESTART_SYSCALL: u64 = 219;
/// clone3: its handler can ask compat_linux to clone, which the thread
/// then does itself; it stops, the other routed calls wait asleep.
const CLONES: &[usize] = &[435];
/// Calls that may have the thread lock pages (mlock2): the thread must
/// make that mlock(2) itself, so they stop it too.
const LOCKS: &[usize] = &[325];

struct Options {
    kmod: PathBuf,
    load_only: bool,
    trace: bool,
    report: bool,
    host_syscalls: bool,
    program: Vec<OsString>,
}

fn parse(mut args: impl Iterator<Item = OsString>) -> Option<Options> {
    let mut opts = Options {
        kmod: std::env::current_exe()
            .ok()
            .and_then(|exe| Some(exe.parent()?.join(DEFAULT_KMOD)))
            .unwrap_or_else(|| DEFAULT_KMOD.into()),
        load_only: false,
        trace: false,
        report: false,
        host_syscalls: false,
        program: Vec::new(),
    };
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--kmod") => opts.kmod = args.next()?.into(),
            Some("--load-only") => opts.load_only = true,
            Some("--trace") => opts.trace = true,
            Some("--report") => opts.report = true,
            Some("--host-syscalls") => opts.host_syscalls = true,
            Some("--") => {
                opts.program.extend(args);
                break;
            }
            Some(s) if s.starts_with("--") => return None,
            _ => {
                opts.program.push(arg);
                opts.program.extend(args);
                break;
            }
        }
    }
    (opts.load_only == opts.program.is_empty()).then_some(opts)
}

/// A refused module or a failed modcmd: one line, exit status 2.
fn refuse(kmod: &Path, msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("linuxrun: {}: {msg}", kmod.display());
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let Some(opts) = parse(std::env::args_os().skip(1)) else {
        eprintln!("{USAGE}");
        return ExitCode::from(1);
    };
    let data = match std::fs::read(&opts.kmod) {
        Ok(data) => data,
        Err(e) => return refuse(&opts.kmod, e),
    };
    let module = match Module::load(&data, &model::symbol_table()) {
        Ok(m) => m,
        Err(e) => return refuse(&opts.kmod, e),
    };
    let mi = &module.modinfo;
    let ours: u32 = NETBSD_VERSION.parse().unwrap();
    // module_load's rule: a module loads on the major.minor it was built for.
    if mi.version / 1_000_000 != ours / 1_000_000 {
        return other_release(&opts.kmod, mi.version);
    }
    let Some(release) = Release::of(mi.version) else {
        return refuse(&opts.kmod, "no compat_linux table for this release");
    };
    if mi.name.is_empty() {
        return refuse(&opts.kmod, "modinfo without a name");
    }
    if !mi.required.split([',', ' ']).any(|m| m == "compat_linux") {
        return refuse(
            &opts.kmod,
            format!(
                "module `{}' requires `{}', not compat_linux",
                mi.name, mi.required
            ),
        );
    }

    model::sysent_reset(release);
    let error = module.modcmd(ModCmd::Init, std::ptr::null_mut());
    if error != 0 {
        return refuse(&opts.kmod, format!("modcmd INIT failed: error {error}"));
    }
    // The module's entry in the slots compat_linux leaves empty: not one
    // of its handlers, but the record of what NetBSD lacks.
    let recorder = module.symbol("clrs_record_nosys").and_then(|addr| {
        model::installed()
            .into_iter()
            .map(|(.., call)| call)
            .find(|&call| call as usize as u64 == addr)
    });
    let installed: Vec<_> = model::installed()
        .into_iter()
        .filter(|&(.., call)| Some(call as usize) != recorder.map(|r| r as usize))
        .collect();
    let status = if opts.load_only {
        let numbers: Vec<String> = installed.iter().map(|(nr, ..)| nr.to_string()).collect();
        println!(
            "{} (NetBSD {}.{}): {} Linux system calls installed: {}",
            mi.name,
            mi.version / 100_000_000,
            mi.version / 1_000_000 % 100,
            installed.len(),
            numbers.join(" ")
        );
        0
    } else {
        let plan = plan(&opts, release, &installed, recorder);
        match trace::run(&opts.program, &plan) {
            Ok((status, seen)) => {
                if opts.report {
                    let record = model::nosys_record();
                    let _ = report::write(
                        record.as_deref(),
                        &seen,
                        release,
                        opts.host_syscalls,
                        &mut std::io::stderr(),
                    );
                }
                status
            }
            Err(e) => {
                eprintln!("linuxrun: {e}");
                model::settle();
                let _ = module.modcmd(ModCmd::Fini, std::ptr::null_mut());
                return ExitCode::from(2);
            }
        }
    };
    // The program's descriptors are closed: the module's files too.
    model::settle();
    let error = module.modcmd(ModCmd::Fini, std::ptr::null_mut());
    if error != 0 {
        return refuse(&opts.kmod, format!("modcmd FINI failed: error {error}"));
    }
    if !model::installed().is_empty() {
        return refuse(&opts.kmod, "FINI left entries in linux_sysent");
    }
    ExitCode::from(status)
}

/// What becomes of each of PROGRAM's system calls: the module's are
/// routed to it; those compat_linux of `release` has run on the host; the
/// others go through the module's record (`recorder`) and fail with ENOSYS,
/// as on NetBSD, or run on the host with `--host-syscalls`. Without a
/// record they fail in the kernel, or run on the host, unless `--report`
/// or `--trace` wants linuxrun to see them.
fn plan(
    opts: &Options,
    release: Release,
    installed: &[(usize, usize, model::SyCall)],
    recorder: Option<model::SyCall>,
) -> trace::Plan {
    let lacking = if recorder.is_some() || opts.trace {
        Action::Notify
    } else if opts.host_syscalls {
        Action::Host
    } else {
        Action::Enosys
    };
    let via = |nr: usize| {
        if CLONES.contains(&nr) || LOCKS.contains(&nr) {
            trace::Via::Stop
        } else {
            trace::Via::Notify
        }
    };
    let action = |nr: u64| {
        if nr == RESTART_SYSCALL {
            Action::Host
        } else if nr == trace::INSTALL_CALL {
            // linuxrun's own (trace.rs), answered only when it is.
            Action::Notify
        } else if trace::CREDENTIAL_CALLS.contains(&nr) {
            // Compat_linux has them; linuxrun lets them run, told of each.
            Action::Notify
        } else if let Some(&(n, ..)) = installed.iter().find(|&&(n, ..)| n as u64 == nr) {
            match via(n) {
                trace::Via::Stop => Action::Stop,
                trace::Via::Notify => Action::Notify,
            }
        } else if table::netbsd_has(release, nr) {
            Action::Host
        } else {
            lacking
        }
    };
    // Another ABI's numbers mean other calls: not counted, never routed.
    let foreign = if opts.host_syscalls {
        Action::Host
    } else {
        Action::Enosys
    };
    trace::Plan {
        routes: installed
            .iter()
            .map(|&(nr, narg, call)| trace::Route {
                nr: nr as u64,
                name: table::name(nr as u64),
                narg: narg.min(6),
                call,
                sleeps: SLEEPS.contains(&nr),
                via: via(nr),
            })
            .collect(),
        filter: Filter::new(action, lacking, foreign),
        recorder,
        release,
        host_syscalls: opts.host_syscalls,
        trace: opts.trace,
    }
}

/// Hands the module to the linuxrun built for its release (`linuxrun-10`
/// next to `linuxrun-11`): the model's structures have that release's
/// layout.
fn other_release(kmod: &Path, version: u32) -> ExitCode {
    let major = version / 100_000_000;
    let minor = version / 1_000_000 % 100;
    let sibling = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join(format!("linuxrun-{major}"))));
    match sibling {
        Some(exe) if exe.exists() && std::env::var_os(DISPATCHED).is_none() => {
            let e = Command::new(&exe)
                .args(std::env::args_os().skip(1))
                .env(DISPATCHED, "1")
                .exec();
            refuse(kmod, format!("{}: {e}", exe.display()))
        }
        _ => refuse(
            kmod,
            format!(
                "module built for NetBSD {major}.{minor}, this linuxrun models NetBSD {}.{}",
                NETBSD_VERSION.parse::<u32>().unwrap() / 100_000_000,
                NETBSD_VERSION.parse::<u32>().unwrap() / 1_000_000 % 100
            ),
        ),
    }
}
