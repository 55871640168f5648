/**
 * Strict patterns for every string that can reach domain XML or a QEMU argument.
 * Nothing reaches the designer unless it matched one of these.
 */
export const VNF_NAME = /^[a-z][a-z0-9-]{0,62}$/;
/** Linux interface names (IFNAMSIZ 16 incl. NUL), no leading dash or dot. */
export const LINUX_IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;
/** libvirt network names: no '/', no whitespace, no quotes. */
export const LIBVIRT_NETWORK_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
/** Unicast MAC, lower case. */
export const MAC_ADDRESS = /^[0-9a-f][02468ace](:[0-9a-f]{2}){5}$/;
/** Printable text on one line: no control characters (libvirt refuses newlines in <title>). */
export const SINGLE_LINE_TEXT = /^[^\p{Cc}\p{Cs}\u2028\u2029]*$/u;
/** Machine types per guest architecture. */
export const MACHINE_BY_ARCH = {
  aarch64: /^virt(-[0-9]{1,2}\.[0-9]{1,2})?$/,
  x86_64: /^(q35|pc|pc-q35-[0-9]{1,2}\.[0-9]{1,2}|pc-i440fx-[0-9]{1,2}\.[0-9]{1,2})$/,
} as const;
