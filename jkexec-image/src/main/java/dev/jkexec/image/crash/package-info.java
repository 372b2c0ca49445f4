/**
 * What a crash image adds: the {@link dev.jkexec.image.crash.CrashEnvironment} it is planned for, the ELF core
 * header ({@link dev.jkexec.image.crash.ElfCoreHeader}) and the crash kernel's memory map
 * ({@link dev.jkexec.image.crash.CrashMemoryMap}).
 */
package dev.jkexec.image.crash;
