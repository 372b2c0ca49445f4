/* Source of TestRoms.MODES; bytes 0x100..0x295 and 0xfff0..0xfff2 of the image are in TestRoms.
 * Build: as --32 -o m.o modes-rom.S && ld -m elf_i386 -Ttext=0xFFFF0000 -o m.elf m.o && objcopy -O binary m.elf m.rom */
/* Test ROM: real mode -> 32-bit protected mode; then, if the byte at 0x600 is 64, -> 64-bit long mode.
 * Loads recognizable values into the general registers and halts. Assembled with GNU as/ld at 0xFFFF0000. */
        .code16
        .text
rom_start:
        .org 0x100
entry16:
        cli
        lgdtl %cs:(gdtr - rom_start)
        mov %cr0, %eax
        and $0x9fffffff, %eax           /* clear CD|NW */
        or $1, %eax                     /* PE */
        mov %eax, %cr0
        ljmpl $0x08, $pm32
        .code32
pm32:
        mov $0x10, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        mov %ax, %fs
        mov %ax, %gs
        mov $0x7000, %esp
        cmpb $64, 0x600
        je to64
        mov $0x11111111, %eax
        mov $0x22222222, %ebx
        mov $0x33333333, %ecx
        mov $0x44444444, %edx
        mov $0x55555555, %esi
        mov $0x66666666, %edi
        mov $0x77777777, %ebp
1:      hlt
        jmp 1b
to64:
        mov $0x10000, %edi
        xor %eax, %eax
        mov $0x1000, %ecx
        rep stosl
        movl $0x11003, 0x10000
        movl $0x12003, 0x11000
        movl $0x13003, 0x11018
        movl $0x00000083, 0x12000
        movl $0xffe00083, 0x13ff8
        mov $0x10000, %eax
        mov %eax, %cr3
        mov %cr4, %eax
        or $0x20, %eax
        mov %eax, %cr4
        mov $0xc0000080, %ecx
        rdmsr
        or $0x100, %eax
        wrmsr
        mov %cr0, %eax
        or $0x80000000, %eax
        mov %eax, %cr0
        ljmp $0x18, $lm64
        .code64
lm64:
        movabs $0x1111111111111111, %rax
        movabs $0x0123456789abcdef, %rbx
        movabs $0x3333333333333333, %rcx
        movabs $0x4444444444444444, %rdx
        movabs $0x5555555555555555, %rsi
        movabs $0x6666666666666666, %rdi
        movabs $0x7777777777777777, %rbp
        movabs $0x8888888888888888, %r8
        movabs $0x9999999999999999, %r9
        movabs $0xaaaaaaaaaaaaaaaa, %r10
        movabs $0xbbbbbbbbbbbbbbbb, %r11
        movabs $0xcccccccccccccccc, %r12
        movabs $0xdddddddddddddddd, %r13
        movabs $0xeeeeeeeeeeeeeeee, %r14
        movabs $0xfedcba9876543210, %r15
2:      hlt
        jmp 2b
        .p2align 3
gdt:
        .quad 0
        .quad 0x00cf9a000000ffff        /* 0x08: 32-bit code */
        .quad 0x00cf92000000ffff        /* 0x10: data */
        .quad 0x00af9a000000ffff        /* 0x18: 64-bit code */
gdt_end:
gdtr:
        .word gdt_end - gdt - 1
        .long gdt
        .code16
        .org 0xfff0
reset:
        jmp entry16
        .org 0x10000, 0xf4
