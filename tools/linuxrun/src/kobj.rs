//! Loads a `.kmod` as NetBSD's in-kernel linker (`sys/kern/subr_kobj.c`,
//! `sys/arch/amd64/amd64/kobj_machdep.c`) does, into this process, bound to
//! the kernel model's symbols.
//!
//! What kobj does and this loader checks in the same way:
//! - only an ELF64 relocatable object for x86-64 (`ET_REL`, `EM_X86_64`),
//!   of the current ELF version, with exactly one symbol table;
//! - its `PROGBITS` and `NOBITS` sections are placed in one allocation;
//! - every undefined symbol is looked up in the kernel's symbol table, and
//!   a global the module defines must not clash with a kernel one;
//! - the relocation types of `kobj_machdep.c` are applied (`NONE`, `64`,
//!   `PC32`, `32`, `32S`, `GLOB_DAT`, `JUMP_SLOT`, `RELATIVE`); any other
//!   type is an error.
//!
//! Where kobj trusts the file (it comes from the administrator), this
//! loader checks instead of crashing: offsets and sizes stay inside the
//! file and the sections, symbol indices exist, and a 32-bit relocation
//! whose value does not fit is an error rather than a silent truncation.
//!
//! The module is built for the kernel code model: it reaches its own data
//! with sign-extended 32-bit absolute addresses (`32S`) and the kernel with
//! 32-bit PC-relative ones (`PC32`). So it is placed below 2 GiB
//! (`MAP_32BIT`), and linuxrun is linked non-PIE, which puts the model's
//! functions and data below 2 GiB too (see the Makefile).

use std::collections::HashMap;
use std::ffi::{c_int, c_void};
use std::fmt;
use std::num::NonZeroUsize;
use std::ptr::NonNull;

use nix::sys::mman::{self, MapFlags, ProtFlags};
use object::LittleEndian as LE;
use object::elf::{self, RelocationType, SectionFlags};
use object::read::elf::{FileHeader, Rel, Rela, SectionHeader, Sym};

type Header = elf::FileHeader64<LE>;

/// Why a module was refused; one line.
#[derive(Debug, PartialEq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<object::read::Error> for Error {
    fn from(e: object::read::Error) -> Error {
        Error(format!("malformed ELF object: {e}"))
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, Error> {
    Err(Error(msg.into()))
}

const PAGE: u64 = 4096;

/// The relocation types amd64 kobj applies; every other is refused.
const ACCEPTED: &[RelocationType] = &[
    elf::R_X86_64_NONE,
    elf::R_X86_64_64,
    elf::R_X86_64_PC32,
    elf::R_X86_64_32,
    elf::R_X86_64_32S,
    elf::R_X86_64_GLOB_DAT,
    elf::R_X86_64_JUMP_SLOT,
    elf::R_X86_64_RELATIVE,
];

/// Relocation type `t` with its name, for messages.
fn reloc_name(t: RelocationType) -> String {
    match elf::NAMES_R_X86_64.name(t) {
        Some(name) => format!("{} ({name})", t.0),
        None => format!("{}", t.0),
    }
}

/// `struct modinfo` of `sys/module.h` (and `ffi/kpi.h`), amd64.
const MODINFO_SIZE: u64 = 32;

/// What the module's modinfo says.
#[derive(Debug)]
pub struct ModInfo {
    pub version: u32,
    pub name: String,
    pub required: String,
    modcmd: u64,
}

/// The module's `modcmd(9)` commands (`modcmd_t`).
#[derive(Clone, Copy, Debug)]
pub enum ModCmd {
    Init = 0,
    Fini = 1,
}

/// A module loaded into memory, relocated, with its modinfo.
pub struct Module {
    base: NonNull<c_void>,
    size: usize,
    pub modinfo: ModInfo,
    /// Where the module's own symbols were placed, by name.
    symbols: HashMap<String, u64>,
}

/// Where each loaded section went: (address, size, executable).
type Placement = Vec<Option<(u64, u64, bool)>>;

impl Module {
    /// Loads `data` against `kernel` (name to address).
    pub fn load(data: &[u8], kernel: &HashMap<&str, u64>) -> Result<Module, Error> {
        let header = check_header(data)?;
        let sections = header.sections(LE, data)?;
        let symtabs = sections
            .iter()
            .filter(|s| s.sh_type(LE) == elf::SHT_SYMTAB)
            .count();
        if symtabs != 1 {
            return err(format!("{symtabs} symbol tables, kobj wants exactly one"));
        }
        let symtab = sections.symbols(LE, data, elf::SHT_SYMTAB)?;

        // Sizes: code, read-only data and writable data each start on a
        // page of their own, so that each gets its protection.
        let mut layout: Placement = vec![None; sections.len()];
        let mut group_size = [0u64; 3];
        for (i, s) in sections.iter().enumerate() {
            let kind = s.sh_type(LE);
            if kind != elf::SHT_PROGBITS && kind != elf::SHT_NOBITS {
                continue;
            }
            if kind == elf::SHT_PROGBITS {
                // Checks that the contents lie inside the file.
                s.data(LE, data)?;
            }
            let align = s.sh_addralign(LE).max(1);
            if !align.is_power_of_two() || align > PAGE {
                return err(format!("section {i}: alignment {align}"));
            }
            let g = group(s.sh_flags(LE));
            let at = group_size[g].next_multiple_of(align);
            let end = at.checked_add(s.sh_size(LE)).filter(|&e| e < 1 << 30);
            let Some(end) = end else {
                return err(format!("section {i}: size {:#x}", s.sh_size(LE)));
            };
            layout[i] = Some((at, s.sh_size(LE), g == 0));
            group_size[g] = end;
        }
        let mut group_base = [0u64; 3];
        let mut total = 0;
        for g in 0..3 {
            group_base[g] = total;
            total += group_size[g].next_multiple_of(PAGE);
        }
        if total == 0 {
            return err("no text, data or bss");
        }
        let size = total as usize;
        // SAFETY: a fresh anonymous mapping; nothing else refers to it.
        let base = unsafe {
            mman::mmap_anonymous(
                None,
                NonZeroUsize::new(size).unwrap(),
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_PRIVATE | MapFlags::MAP_32BIT,
            )
        }
        .map_err(|e| Error(format!("cannot map {size} bytes below 2 GiB: {e}")))?;
        let mut module = Module {
            base,
            size,
            modinfo: ModInfo {
                version: 0,
                name: String::new(),
                required: String::new(),
                modcmd: 0,
            },
            symbols: HashMap::new(),
        };
        let addr = base.as_ptr() as u64;
        for (i, s) in sections.iter().enumerate() {
            let Some((at, len, code)) = layout[i] else {
                continue;
            };
            let g = group(s.sh_flags(LE));
            let placed = addr + group_base[g] + at;
            layout[i] = Some((placed, len, code));
        }

        // The image is built in memory of our own and copied in at the end.
        let mut image = vec![0u8; size];
        for (i, s) in sections.iter().enumerate() {
            if let (Some((at, len, _)), elf::SHT_PROGBITS) = (layout[i], s.sh_type(LE)) {
                let off = (at - addr) as usize;
                image[off..off + len as usize].copy_from_slice(s.data(LE, data)?);
            }
        }

        // Symbol values: kernel addresses for undefined ones, placed
        // addresses for the module's own.
        let mut values = Vec::with_capacity(symtab.len());
        for (i, sym) in symtab.iter().enumerate() {
            let name = String::from_utf8_lossy(sym.name(LE, symtab.strings())?).into_owned();
            let shndx = sym.st_shndx(LE);
            let value = if i == 0 {
                None
            } else if shndx == elf::SHN_UNDEF {
                match kernel.get(name.as_str()) {
                    Some(&a) => Some(a),
                    None => return err(format!("undefined symbol `{name}' is not in the kernel")),
                }
            } else {
                let bind = sym.st_bind();
                if (bind == elf::STB_GLOBAL || bind == elf::STB_WEAK)
                    && kernel.contains_key(name.as_str())
                {
                    return err(format!("global symbol `{name}' clashes with the kernel's"));
                }
                match shndx {
                    elf::SHN_ABS => Some(sym.st_value(LE)),
                    elf::SHN_COMMON => return err(format!("common symbol `{name}'")),
                    n if usize::from(n.0) < layout.len() => {
                        layout[usize::from(n.0)].map(|(a, _, _)| a.wrapping_add(sym.st_value(LE)))
                    }
                    n => return err(format!("symbol `{name}': section index {}", n.0)),
                }
            };
            if let Some(v) = value.filter(|_| shndx != elf::SHN_UNDEF && !name.is_empty()) {
                module.symbols.insert(name.clone(), v);
            }
            values.push((name, value));
        }

        for (i, s) in sections.iter().enumerate() {
            let (kind, info) = (s.sh_type(LE), s.sh_info(LE) as usize);
            if kind != elf::SHT_RELA && kind != elf::SHT_REL {
                continue;
            }
            // Relocations of what is not loaded (debug sections) have no use.
            let Some(&Some(target)) = layout.get(info) else {
                continue;
            };
            let mut relocs = Vec::new();
            if let Some((rela, _)) = s.rela(LE, data)? {
                relocs.extend(rela.iter().map(|r| {
                    (
                        r.r_offset(LE),
                        r.r_type(LE, false),
                        r.r_sym(LE, false),
                        Some(r.r_addend(LE)),
                    )
                }));
            }
            if let Some((rel, _)) = s.rel(LE, data)? {
                relocs.extend(
                    rel.iter()
                        .map(|r| (r.r_offset(LE), r.r_type(LE), r.r_sym(LE), None)),
                );
            }
            for (offset, rtype, symidx, addend) in relocs {
                let sym = values.get(symidx as usize).ok_or_else(|| {
                    Error(format!(
                        "section {i}: relocation against symbol {symidx}, not in the table"
                    ))
                })?;
                relocate(&mut image, addr, target, (offset, rtype, addend), sym)
                    .map_err(|e| Error(format!("section {i} offset {offset:#x}: {e}")))?;
            }
        }

        module.modinfo = find_modinfo(data, &image, addr, &layout)?;

        // SAFETY: `image` has exactly the mapping's size, and the mapping
        // is ours, writable and not yet used.
        unsafe { std::ptr::copy_nonoverlapping(image.as_ptr(), base.as_ptr().cast(), size) };
        for (g, prot) in [
            ProtFlags::PROT_READ | ProtFlags::PROT_EXEC,
            ProtFlags::PROT_READ,
            ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
        ]
        .into_iter()
        .enumerate()
        {
            let len = group_size[g].next_multiple_of(PAGE) as usize;
            if len > 0 {
                // SAFETY: a page-aligned part of our own mapping.
                let at = unsafe { base.byte_add(group_base[g] as usize) };
                // SAFETY: changes the protection of that part only.
                unsafe { mman::mprotect(at, len, prot) }
                    .map_err(|e| Error(format!("mprotect: {e}")))?;
            }
        }
        Ok(module)
    }

    /// The address of the module's own symbol `name` (a debugger's view:
    /// kobj keeps the symbol table too).
    pub fn symbol(&self, name: &str) -> Option<u64> {
        self.symbols.get(name).copied()
    }

    /// Calls the module's modcmd with `cmd` and `arg`: its errno, or 0.
    pub fn modcmd(&self, cmd: ModCmd, arg: *mut c_void) -> c_int {
        // SAFETY: `find_modinfo` checked that mi_modcmd points into the
        // module's executable code; the module was built for this ABI
        // (int (*)(modcmd_t, void *)) and relocated against the model.
        let modcmd: unsafe extern "C" fn(c_int, *mut c_void) -> c_int =
            unsafe { std::mem::transmute(self.modinfo.modcmd as usize) };
        // SAFETY: see above; `arg` is what the command takes (a property
        // dictionary of the model or NULL).
        unsafe { modcmd(cmd as c_int, arg) }
    }
}

impl Drop for Module {
    fn drop(&mut self) {
        // SAFETY: our mapping; nothing points into it once FINI has run.
        let _ = unsafe { mman::munmap(self.base, self.size) };
    }
}

/// 0 for code, 1 for read-only data, 2 for writable data.
fn group(flags: SectionFlags) -> usize {
    if flags.0 & elf::SHF_EXECINSTR.0 != 0 {
        0
    } else if flags.0 & elf::SHF_WRITE.0 == 0 {
        1
    } else {
        2
    }
}

fn check_header(data: &[u8]) -> Result<&Header, Error> {
    if data.len() < 4 || data[..4] != elf::ELFMAG {
        return err("not an ELF object");
    }
    // e_ident[EI_CLASS] and e_ident[EI_DATA].
    if data.len() < 64 {
        return err("truncated ELF header");
    }
    if data[4] != elf::ELFCLASS64.0 || data[5] != elf::ELFDATA2LSB.0 {
        return err("not a little-endian ELF64 object");
    }
    let header = Header::parse(data)?;
    if header.e_ident.version != elf::EV_CURRENT
        || header.e_version(LE) != u32::from(elf::EV_CURRENT.0)
    {
        return err("unsupported ELF version");
    }
    if header.e_type(LE) != elf::ET_REL {
        return err(format!(
            "ELF type {}, kobj loads only relocatable objects (ET_REL)",
            header.e_type(LE)
        ));
    }
    if header.e_machine(LE) != elf::EM_X86_64 {
        return err(format!(
            "ELF machine {}, want x86-64 ({})",
            header.e_machine(LE),
            elf::EM_X86_64
        ));
    }
    if usize::from(header.e_shentsize(LE)) != size_of::<elf::SectionHeader64<LE>>() {
        return err("section header entries of the wrong size");
    }
    Ok(header)
}

/// Applies one relocation in `image` (mapped at `addr`) to the section
/// placed at `target`.
fn relocate(
    image: &mut [u8],
    addr: u64,
    target: (u64, u64, bool),
    (offset, rtype, addend): (u64, RelocationType, Option<i64>),
    (name, value): &(String, Option<u64>),
) -> Result<(), String> {
    let (section, section_len, _) = target;
    if !ACCEPTED.contains(&rtype) {
        return Err(format!(
            "relocation type {} is not one kobj applies",
            reloc_name(rtype)
        ));
    }
    if rtype == elf::R_X86_64_NONE {
        return Ok(());
    }
    let width: u64 = match rtype {
        elf::R_X86_64_PC32 | elf::R_X86_64_32 | elf::R_X86_64_32S => 4,
        _ => 8,
    };
    if offset
        .checked_add(width)
        .is_none_or(|end| end > section_len)
    {
        return Err(format!(
            "relocation outside its section ({section_len:#x} bytes)"
        ));
    }
    let at = (section - addr + offset) as usize;
    let field = &mut image[at..at + width as usize];
    // REL: the addend is in the field, 32 bits for the 32-bit types.
    let addend = addend.unwrap_or_else(|| {
        if width == 4 {
            i64::from(i32::from_le_bytes(field.try_into().unwrap()))
        } else {
            i64::from_le_bytes(field.try_into().unwrap())
        }
    });
    let place = section + offset;
    let s = || value.ok_or_else(|| format!("relocation against `{name}', which is not loaded"));
    let v: u64 = match rtype {
        elf::R_X86_64_RELATIVE => section.wrapping_add_signed(addend),
        elf::R_X86_64_GLOB_DAT | elf::R_X86_64_JUMP_SLOT => s()?,
        _ => s()?.wrapping_add_signed(addend),
    };
    match rtype {
        elf::R_X86_64_PC32 => {
            let rel = v.wrapping_sub(place) as i64;
            let rel = i32::try_from(rel)
                .map_err(|_| format!("PC32 to `{name}' does not reach ({rel:#x})"))?;
            field.copy_from_slice(&rel.to_le_bytes());
        }
        elf::R_X86_64_32 => {
            let v = u32::try_from(v).map_err(|_| format!("32 to `{name}' overflows ({v:#x})"))?;
            field.copy_from_slice(&v.to_le_bytes());
        }
        elf::R_X86_64_32S => {
            let v = i32::try_from(v as i64)
                .map_err(|_| format!("32S to `{name}' overflows ({v:#x})"))?;
            field.copy_from_slice(&v.to_le_bytes());
        }
        _ => field.copy_from_slice(&v.to_le_bytes()),
    }
    Ok(())
}

/// The module's one modinfo, through `link_set_modules`, as
/// `module_load` finds it; checked to point into the module.
fn find_modinfo(
    data: &[u8],
    image: &[u8],
    addr: u64,
    layout: &Placement,
) -> Result<ModInfo, Error> {
    let header = Header::parse(data)?;
    let sections = header.sections(LE, data)?;
    let mut found = None;
    for (i, s) in sections.iter().enumerate() {
        if sections.section_name(LE, s)? == b"link_set_modules" {
            if found.is_some() {
                return err("two link_set_modules sections");
            }
            found = layout[i];
        }
    }
    let Some((set, set_len, _)) = found else {
        return err("no modinfo: no link_set_modules section");
    };
    if set_len != 8 {
        return err(format!(
            "link_set_modules holds {} modinfo pointers, want one",
            set_len / 8
        ));
    }
    let read = |at: u64, len: u64| -> Result<&[u8], Error> {
        at.checked_sub(addr)
            .and_then(|off| image.get(off as usize..(off + len) as usize))
            .filter(|_| loaded_at(layout, at, len).is_some())
            .ok_or_else(|| Error(format!("modinfo points outside the module ({at:#x})")))
    };
    let word = |at: u64| read(at, 8).map(|b| u64::from_le_bytes(b.try_into().unwrap()));
    let string = |at: u64| -> Result<String, Error> {
        let (_, end) = loaded_at(layout, at, 1)
            .ok_or_else(|| Error(format!("modinfo string outside the module ({at:#x})")))?;
        let bytes = read(at, end - at)?;
        let len = bytes
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| Error("modinfo string without its NUL".into()))?;
        Ok(String::from_utf8_lossy(&bytes[..len]).into_owned())
    };
    let mi = word(set)?;
    let fixed = read(mi, MODINFO_SIZE)?;
    let modcmd = word(mi + 8)?;
    if loaded_at(layout, modcmd, 1).is_none_or(|(code, _)| !code) {
        return err(format!("mi_modcmd {modcmd:#x} is not in the module's code"));
    }
    let required = word(mi + 24)?;
    Ok(ModInfo {
        version: u32::from_le_bytes(fixed[..4].try_into().unwrap()),
        name: string(word(mi + 16)?)?,
        required: if required == 0 {
            String::new()
        } else {
            string(required)?
        },
        modcmd,
    })
}

/// Whether `[at, at + len)` lies in one loaded section: (code, its end).
fn loaded_at(layout: &Placement, at: u64, len: u64) -> Option<(bool, u64)> {
    layout.iter().flatten().find_map(|&(start, size, code)| {
        (at >= start && at.checked_add(len)? <= start + size).then_some((code, start + size))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none_kernel() -> HashMap<&'static str, u64> {
        HashMap::new()
    }

    #[test]
    fn refuses_what_is_not_elf() {
        let e = Module::load(b"hello", &none_kernel()).err().unwrap();
        assert_eq!(e.0, "not an ELF object");
        let e = Module::load(b"\x7fELF\x02\x01\x01", &none_kernel())
            .err()
            .unwrap();
        assert_eq!(e.0, "truncated ELF header");
    }

    #[test]
    fn relocation_arithmetic() {
        let mut image = vec![0u8; 16];
        let sym = ("s".to_string(), Some(0x1000u64));
        let target = (0x100, 16, false);
        relocate(
            &mut image,
            0x100,
            target,
            (4, elf::R_X86_64_PC32, Some(-4)),
            &sym,
        )
        .unwrap();
        // S + A - P = 0x1000 - 4 - 0x104.
        assert_eq!(i32::from_le_bytes(image[4..8].try_into().unwrap()), 0xef8);
        relocate(
            &mut image,
            0x100,
            target,
            (8, elf::R_X86_64_64, Some(8)),
            &sym,
        )
        .unwrap();
        assert_eq!(u64::from_le_bytes(image[8..16].try_into().unwrap()), 0x1008);
        let far = ("far".to_string(), Some(0x1_0000_0000u64));
        let e = relocate(
            &mut image,
            0x100,
            target,
            (0, elf::R_X86_64_32S, Some(0)),
            &far,
        );
        assert!(e.unwrap_err().contains("overflows"));
        let e = relocate(
            &mut image,
            0x100,
            target,
            (0, elf::R_X86_64_PLT32, Some(0)),
            &sym,
        );
        assert_eq!(
            e.unwrap_err(),
            "relocation type 4 (R_X86_64_PLT32) is not one kobj applies"
        );
        let e = relocate(
            &mut image,
            0x100,
            target,
            (12, elf::R_X86_64_64, Some(0)),
            &sym,
        );
        assert!(e.unwrap_err().contains("outside its section"));
    }
}
