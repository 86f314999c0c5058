#!/usr/bin/env python3
"""Checks a compat_linux_rs.kmod the way NetBSD's kobj loader will see it.

Usage: kmodcheck.py CHECK KMOD [ARG]

Each CHECK prints what it measured and exits 1 with a reason on failure:

  elf          ELF64, little-endian, x86-64, ET_REL
  modinfo      exactly one pointer in link_set_modules, to a modinfo that
               names compat_linux_rs, class MISC, requires compat_linux, and
               carries __NetBSD_Version__ of release ARG (e.g. 11.0)
  relocs       only relocation types kobj accepts; no GOT relocations
  sections     only code, data, the link set and what describes them
               (symbols, strings, relocations): no constructors, TLS,
               unwind tables or anything else kobj would load for nothing
  symbols      no defined global symbol; no weak undefined symbol; every
               undefined symbol declared in the header ARG (ffi/kpi.h), and
               no function or object of the kernel's that the header declares
               defined in the module (a copy, such as compiler_builtins' weak
               C library names, would take the kernel's place)
  nosimd       no SSE, AVX, MMX or x87 instruction in any code section
  nopanic      no call site into panic machinery (Rust's or panic(9))
  stack        every frame <= ARG bytes, from .stack_sizes of the
               object before stripping (KMOD is then the .o)
"""
import os
import re
import struct
import subprocess
import sys

ET_REL, EM_X86_64 = 1, 62
SHT_SYMTAB, SHT_RELA, SHT_REL, SHT_NOBITS = 2, 4, 9, 8
SHF_EXECINSTR, SHF_TLS = 0x4, 0x400
STB_GLOBAL, STB_WEAK = 1, 2
SHN_UNDEF = 0

RELOC_NAMES = {
    0: "NONE", 1: "64", 2: "PC32", 3: "GOT32", 4: "PLT32", 9: "GOTPCREL",
    10: "32", 11: "32S", 24: "PC64", 26: "GOTPC32", 41: "GOTPCRELX",
    42: "REX_GOTPCRELX",
}
# sys/arch/amd64/amd64/kobj_machdep.c rev. 1.6 (2017), the revision that
# could be read, applies these and rejects every other type.  GLOB_DAT,
# JUMP_SLOT and RELATIVE belong to linked objects and never occur in ld -r
# output, so they are not allowed here either.  PLT32 is absent from that
# list: tools/kobj-relocs writes the compiler's PLT32 as the equivalent PC32.
KOBJ_ACCEPTS = {0: "NONE", 1: "64", 2: "PC32", 10: "32", 11: "32S"}

MODULE_CLASS_MISC = 1


class Elf:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = f.read()
        d = self.data
        if len(d) < 64 or d[:4] != b"\x7fELF":
            raise SystemExit(f"{path}: not an ELF file")
        self.ident = d[:16]
        self.type, self.machine = struct.unpack_from("<HH", d, 16)
        shoff, = struct.unpack_from("<Q", d, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3A)
        self.sections = []
        for i in range(shnum):
            (name, stype, flags, addr, off, size, link, info, align,
             entsize) = struct.unpack_from("<IIQQQQIIQQ", d, shoff + i * shentsize)
            self.sections.append(dict(index=i, name_off=name, type=stype,
                                      flags=flags, offset=off, size=size,
                                      link=link, info=info, entsize=entsize))
        strtab = self.sections[shstrndx]
        for s in self.sections:
            s["name"] = self.cstr(strtab["offset"] + s["name_off"])
        self.symbols = []
        for s in self.sections:
            if s["type"] == SHT_SYMTAB:
                names = self.sections[s["link"]]["offset"]
                for off in range(s["offset"], s["offset"] + s["size"], 24):
                    name, info, _, shndx, value, size = struct.unpack_from("<IBBHQQ", d, off)
                    self.symbols.append(dict(name=self.cstr(names + name),
                                             bind=info >> 4, type=info & 0xF,
                                             shndx=shndx, value=value, size=size))

    def cstr(self, off):
        return self.data[off:self.data.index(b"\0", off)].decode()

    def section(self, name):
        found = [s for s in self.sections if s["name"] == name]
        return found[0] if found else None

    def relocations(self):
        """(target section, offset, type, symbol, addend) for every RELA."""
        for s in self.sections:
            if s["type"] == SHT_REL:
                raise SystemExit(f"REL section {s['name']}: x86-64 objects use RELA")
            if s["type"] != SHT_RELA:
                continue
            target = self.sections[s["info"]]
            for off in range(s["offset"], s["offset"] + s["size"], 24):
                r_off, info, addend = struct.unpack_from("<QQq", self.data, off)
                yield target, r_off, info & 0xFFFFFFFF, self.symbols[info >> 32], addend

    def reloc_at(self, section, offset):
        for target, r_off, rtype, sym, addend in self.relocations():
            if target is section and r_off == offset:
                return rtype, sym, addend
        return None

    def pointee(self, section, offset):
        """The (section, offset) that an R_X86_64_64 at section+offset names."""
        r = self.reloc_at(section, offset)
        if r is None or r[0] != 1:
            raise SystemExit(f"no R_X86_64_64 at {section['name']}+{offset:#x}")
        _, sym, addend = r
        if sym["shndx"] == SHN_UNDEF:
            raise SystemExit(f"pointer to undefined symbol {sym['name']}")
        return self.sections[sym["shndx"]], sym["value"] + addend


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def check_elf(elf, _):
    print(f"class={elf.ident[4]} data={elf.ident[5]} type={elf.type} machine={elf.machine}")
    if elf.ident[4] != 2 or elf.ident[5] != 1:
        fail("not ELF64 little-endian")
    if elf.type != ET_REL:
        fail(f"e_type {elf.type}, want ET_REL")
    if elf.machine != EM_X86_64:
        fail(f"e_machine {elf.machine}, want x86-64")


def netbsd_version(release):
    major, minor = (int(x) for x in release.split("."))
    return major * 100000000 + minor * 1000000


def check_modinfo(elf, release):
    links = elf.section("link_set_modules")
    if links is None:
        fail("no link_set_modules section")
    print(f"link_set_modules: {links['size']} bytes")
    if links["size"] != 8:
        fail("link_set_modules must hold exactly one pointer")
    sec, off = elf.pointee(links, 0)
    base = sec["offset"] + off
    version, mclass = struct.unpack_from("<Ii", elf.data, base)
    name_sec, name_off = elf.pointee(sec, off + 16)
    req_sec, req_off = elf.pointee(sec, off + 24)
    elf.pointee(sec, off + 8)  # mi_modcmd must be a resolved pointer
    name = elf.cstr(name_sec["offset"] + name_off)
    required = elf.cstr(req_sec["offset"] + req_off)
    print(f"mi_version={version} mi_class={mclass} mi_name={name} mi_required={required}")
    if name != "compat_linux_rs":
        fail(f"mi_name {name!r}")
    if mclass != MODULE_CLASS_MISC:
        fail(f"mi_class {mclass}, want MODULE_CLASS_MISC")
    if required != "compat_linux":
        fail(f"mi_required {required!r}, want 'compat_linux'")
    want = netbsd_version(release)
    if version != want:
        fail(f"mi_version {version}, want {want} for NetBSD {release}")


def check_relocs(elf, _):
    counts = {}
    for _, _, rtype, _, _ in elf.relocations():
        counts[rtype] = counts.get(rtype, 0) + 1
    print("relocations: " + ", ".join(
        f"{RELOC_NAMES.get(t, t)}={n}" for t, n in sorted(counts.items())))
    bad = sorted(t for t in counts if t not in KOBJ_ACCEPTS)
    if bad:
        fail("kobj rejects relocation types " + ", ".join(str(RELOC_NAMES.get(t, t)) for t in bad))


# What a module consists of; kobj loads every PROGBITS and NOBITS section.
KNOWN_SECTIONS = re.compile(r"(\.(text|rodata|data|bss)(\..*)?|link_set_modules"
                            r"|\.rela.*|\.symtab|\.strtab|\.shstrtab|\.stack_sizes)?$")


def check_sections(elf, _):
    names = [s["name"] for s in elf.sections]
    print("sections: " + " ".join(n for n in names if n))
    for s in elf.sections:
        n = s["name"]
        if re.match(r"\.(init_array|fini_array|ctors|dtors|preinit_array)", n):
            fail(f"constructor section {n}: kobj runs no constructors")
        if s["flags"] & SHF_TLS or n.startswith((".tdata", ".tbss")):
            fail(f"TLS section {n}")
        if n.startswith(".eh_frame"):
            fail(f"unwind section {n}: the module never unwinds")
        if not KNOWN_SECTIONS.match(n):
            fail(f"section {n} has no place in a module")


def declared_names(header):
    with open(header) as f:
        text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
    return set(re.findall(r"\b([A-Za-z_]\w*)\s*(?:\(|\[|;)", text))


def kernel_names(header):
    """What the header declares of the kernel's: its names but for those of
    the inline functions it defines itself."""
    with open(header) as f:
        text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
    inline = set(re.findall(r"static\s+__inline\b[^;{]*?\b(\w+)\s*\(", text))
    return declared_names(header) - inline


def check_symbols(elf, header):
    declared = declared_names(header)
    defined = [s["name"] for s in elf.symbols
               if s["bind"] in (STB_GLOBAL, STB_WEAK) and s["shndx"] != SHN_UNDEF]
    undefined = sorted(s["name"] for s in elf.symbols
                       if s["shndx"] == SHN_UNDEF and s["name"])
    weak_undef = [s["name"] for s in elf.symbols
                  if s["shndx"] == SHN_UNDEF and s["bind"] == STB_WEAK]
    print(f"global definitions: {len(defined)} {' '.join(defined)}")
    print(f"undefined ({len(undefined)}): {' '.join(undefined)}")
    if defined:
        fail("defined global symbols would clash with the kernel's: " + " ".join(defined))
    if weak_undef:
        fail("weak undefined symbols (kobj refuses them): " + " ".join(weak_undef))
    unknown = [n for n in undefined if n not in declared]
    if unknown:
        fail(f"undefined symbols not declared in {header}: " + " ".join(unknown))
    kernel = kernel_names(header)
    copies = sorted({s["name"] for s in elf.symbols
                     if s["shndx"] != SHN_UNDEF and s["name"] in kernel})
    if copies:
        fail("the module defines kernel symbols, so its calls would not "
             "reach the kernel's: " + " ".join(copies))


X87_SSE_CONTROL = {"emms", "femms", "ldmxcsr", "stmxcsr", "fxsave", "fxsave64",
                   "fxrstor", "fxrstor64", "xsave", "xrstor", "fwait", "wait"}


def check_nosimd(elf, kmod):
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", kmod],
                         check=True, capture_output=True, text=True).stdout
    insns, bad = 0, []
    for line in out.splitlines():
        m = re.match(r"\s+[0-9a-f]+:\s+(\S+)\s*(.*)", line)
        if not m:
            continue
        insns += 1
        mnemonic, operands = m.groups()
        if (re.search(r"%(x|y|z)mm\d|%mm\d|%st\b|%st\(", operands)
                or mnemonic in X87_SSE_CONTROL or mnemonic.startswith("f")):
            bad.append(line.strip())
    print(f"instructions: {insns}, SSE/AVX/MMX/x87: {len(bad)}")
    if insns == 0:
        fail("no code found")
    if bad:
        fail("floating-point or vector instructions:\n  " + "\n  ".join(bad[:20]))


# Rust's panic entry points (core::panicking::*, the *_fail and *_failed
# helpers of slices, Option and Result), the panic handler, and panic(9).
PANIC_SYMBOL = re.compile(r"panic|rust_begin_unwind|_fail(ed)?$|str_index_overflow")


def function_at(elf, shndx, addr):
    """The name of the function symbol covering section shndx + addr."""
    for s in elf.symbols:
        if s["type"] == 2 and s["shndx"] == shndx and s["value"] <= addr < s["value"] + max(s["size"], 1):
            return s["name"]
    return ""


def reloc_target(elf, sym, addend, rtype):
    """What a relocation refers to, by name: the symbol, or for a section
    symbol (what ld -r leaves for local targets) the function at the
    address.  PC-relative ones point 4 bytes before the next instruction."""
    if sym["name"] or sym["shndx"] == SHN_UNDEF:
        return sym["name"]
    pc_bias = 4 if rtype in (2, 4) else 0
    return function_at(elf, sym["shndx"], sym["value"] + addend + pc_bias)


def check_nopanic(elf, _):
    sites = []
    for t, off, rtype, s, addend in elf.relocations():
        if t["flags"] & SHF_EXECINSTR:
            name = reloc_target(elf, s, addend, rtype)
            if PANIC_SYMBOL.search(name):
                sites.append((t["name"], off, name))
    present = sorted({s["name"] for s in elf.symbols if PANIC_SYMBOL.search(s["name"])})
    print(f"panic call sites: {len(sites)}; panic symbols present: {len(present)}")
    for sec, off, name in sites[:20]:
        print(f"  {sec}+{off:#x} -> {name}")
    if sites:
        fail("panic machinery is reachable")


def check_stack(elf, limit):
    limit = int(limit)
    readobj = os.environ.get("READOBJ", "llvm-readobj")
    out = subprocess.run([readobj, "--stack-sizes", elf.path],
                         check=True, capture_output=True, text=True).stdout
    entries = re.findall(r"Functions: \[(.*?)\]\s*Size: (0x[0-9a-fA-F]+)", out)
    sizes = sorted(((int(size, 16), names) for names, size in entries), reverse=True)
    funcs = {s["name"] for s in elf.symbols if s["type"] == 2 and s["shndx"] != SHN_UNDEF}
    covered = {n.strip() for _, names in sizes for n in names.split(",")}
    print(f"functions: {len(funcs)}, with stack-size data: {len(covered & funcs)}")
    for size, names in sizes[:10]:
        print(f"  {size:5d} {names}")
    if not sizes:
        fail("no .stack_sizes data")
    missing = sorted(funcs - covered)
    if missing:
        fail("functions without stack-size data: " + " ".join(missing))
    print(f"largest frame: {sizes[0][0]} bytes (limit {limit})")
    if sizes[0][0] > limit:
        fail(f"{sizes[0][1]} uses {sizes[0][0]} bytes of stack")


CHECKS = {
    "elf": check_elf, "modinfo": check_modinfo, "relocs": check_relocs,
    "sections": check_sections, "symbols": check_symbols,
    "nosimd": check_nosimd, "nopanic": check_nopanic, "stack": check_stack,
}


def main(argv):
    if len(argv) not in (3, 4) or argv[1] not in CHECKS:
        sys.exit(__doc__)
    elf = Elf(argv[2])
    elf.path = argv[2]
    arg = argv[3] if len(argv) == 4 else argv[2]
    CHECKS[argv[1]](elf, arg)


if __name__ == "__main__":
    main(sys.argv)
