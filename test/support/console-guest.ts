import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageDir } from './image-dir.js';

/** What the guest prints, about once a second, until it is stopped. */
export const GUEST_BANNER = 'vnfm console guest ready';

/**
 * The smallest guest with a serial console: a 512-byte x86 boot sector (BIOS boots it from the
 * first disk, KVM or TCG alike) that programs COM1 (0x3F8, 115200 8N1), prints GUEST_BANNER about
 * every second (the BIOS tick count), and answers every byte it receives UPPERCASED (a carriage
 * return also gets a line feed). An uppercase answer proves the guest read the input: nothing
 * between the test and the guest changes case.
 */
const BOOT_SECTOR = `
.code16
.globl _start
_start:
  cli
  xor %ax, %ax
  mov %ax, %ds
  mov %ax, %es
  mov %ax, %ss
  mov $0x7c00, %sp
  sti
  mov $0x3f9, %dx       # no UART interrupts
  xor %al, %al
  out %al, %dx
  mov $0x3fb, %dx       # divisor latch on
  mov $0x80, %al
  out %al, %dx
  mov $0x3f8, %dx       # divisor 1: 115200 baud
  mov $0x01, %al
  out %al, %dx
  mov $0x3f9, %dx
  xor %al, %al
  out %al, %dx
  mov $0x3fb, %dx       # 8N1, latch off
  mov $0x03, %al
  out %al, %dx
  mov $0x3fa, %dx       # FIFOs on and cleared
  mov $0xc7, %al
  out %al, %dx
  mov $0x3fc, %dx       # DTR, RTS
  mov $0x03, %al
  out %al, %dx
  mov 0x46c, %bx        # BIOS ticks (18.2 a second) at the last banner
  mov $banner, %si
  call puts
poll:
  mov $0x3fd, %dx
  in %dx, %al
  test $0x01, %al       # a byte received?
  jnz got
  mov 0x46c, %ax
  sub %bx, %ax
  cmp $18, %ax
  jb poll
  mov 0x46c, %bx
  mov $banner, %si
  call puts
  jmp poll
got:
  mov $0x3f8, %dx
  in %dx, %al
  cmp $'a', %al
  jb send
  cmp $'z', %al
  ja send
  sub $0x20, %al
send:
  call putc
  cmp $'\\r', %al
  jne poll
  mov $'\\n', %al
  call putc
  jmp poll
putc:
  push %ax
  mov $0x3fd, %dx
1:
  in %dx, %al
  test $0x20, %al       # room in the transmitter?
  jz 1b
  pop %ax
  mov $0x3f8, %dx
  out %al, %dx
  ret
puts:
  lodsb
  test %al, %al
  jz 2f
  call putc
  jmp puts
2:
  ret
banner:
  .asciz "${GUEST_BANNER}\\r\\n"
.org 510
.word 0xaa55
`;

/** Assembles the boot sector (GNU as and ld) into a 1 MiB raw disk image in `images`; answers its path. */
export function buildConsoleGuest(images: ImageDir, name = 'console-guest.img'): string {
  const work = mkdtempSync(join(tmpdir(), 'vnfm-guest-'));
  try {
    writeFileSync(join(work, 'boot.s'), BOOT_SECTOR);
    execFileSync('as', ['--32', '-o', join(work, 'boot.o'), join(work, 'boot.s')], { stdio: 'pipe' });
    execFileSync('ld', ['-m', 'elf_i386', '-Ttext', '0x7c00', '--oformat', 'binary', '-o', join(work, 'boot.bin'), join(work, 'boot.o')], { stdio: 'pipe' });
    const sector = execFileSync('cat', [join(work, 'boot.bin')]);
    if (sector.length !== 512 || sector[510] !== 0x55 || sector[511] !== 0xaa) throw new Error(`the boot sector is ${sector.length} bytes, not a boot sector`);
    const disk = Buffer.alloc(1 << 20);
    sector.copy(disk);
    writeFileSync(images.path(name), disk);
    return images.path(name);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A test's view of a console's output: everything so far, and a wait for a piece of text. */
export class ConsoleTranscript {
  private text = '';
  private readonly waiters = new Set<() => void>();

  add(chunk: Buffer | string): void {
    this.text += chunk.toString('latin1');
    for (const waiter of [...this.waiters]) waiter();
  }

  get output(): string {
    return this.text;
  }

  /** Resolves once the output (after `from`) contains `wanted`; rejects after `timeoutMs` with what came. */
  waitFor(wanted: string, timeoutMs = 60_000, from = 0): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!this.text.slice(from).includes(wanted)) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no '${wanted}' on the console within ${timeoutMs} ms; got: ${JSON.stringify(this.text.slice(-400))}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }
}
