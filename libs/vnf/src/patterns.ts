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
/** A host CPU list as libvirt writes it: `2`, `0-3`, `0-1,4,6-7`. */
export const CPUSET = /^[0-9]{1,4}(-[0-9]{1,4})?(,[0-9]{1,4}(-[0-9]{1,4})?){0,63}$/;
/** An absolute, normalised host path of safe characters (no `..`, `.`, `//`, trailing `/`, `,` or `=`). */
export const ABSOLUTE_PATH = /^(\/[A-Za-z0-9_+@~-][A-Za-z0-9._+@~-]{0,254})+$/;
/** A kernel command line: printable ASCII on one line. */
export const KERNEL_CMDLINE = /^[\x20-\x7e]{1,4096}$/;
/** Hugepage sizes (KiB) each architecture's MMU offers. */
export const HUGEPAGE_SIZES_KIB = {
  x86_64: [2048, 1048576],
  aarch64: [64, 2048, 32768, 524288, 1048576, 16777216],
} as const;
/** A PCI address as sysfs and lspci -D write it: `DDDD:BB:SS.F`, lower-case hex. */
export const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]$/;
/** A DPAA2 resource container on the fsl-mc bus. */
export const DPRC_NAME = /^dprc\.[0-9]{1,5}$/;
/** A DPAA2 object type (dpni, dpio, dpbp, dpmcp, dpcon, dpmac, ...). */
export const FSL_MC_OBJECT_TYPE = /^dp[a-z]{2,8}$/;
/**
 * A platform device's sysfs name (`fff51000.ethernet`, `soc:crypto`): it becomes part of a
 * QEMU `-device` argument, so no `,` `=` whitespace, `/` or `..`.
 */
export const PLATFORM_DEVICE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_:-]*(\.[A-Za-z0-9_:-]+)*$/;
/** A device-tree compatible string (`vendor,model`); only ever compared, never put into XML. */
export const DT_COMPATIBLE = /^[A-Za-z0-9][A-Za-z0-9,._+-]{0,127}$/;
/** A 16-bit PCI vendor or device ID, 4 lower-case hex digits without 0x. */
export const PCI_ID = /^[0-9a-f]{4}$/;
/** A label key: DNS-subdomain-like, optional `prefix/`, at most 63 characters. */
export const LABEL_KEY = /^[a-z0-9]([a-z0-9._/-]{0,61}[a-z0-9])?$/;
/** A label value: empty, or letters, digits, `_ . -`, at most 63 characters, starting and ending alphanumeric. */
export const LABEL_VALUE = /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;

/**
 * One character that is not XML 1.0 text: outside XML's Char production (C0 controls other than
 * tab, LF and CR; lone surrogates; U+FFFE, U+FFFF) or in its "discouraged" list (DEL and the C1
 * controls U+0080..U+009F, the noncharacters U+FDD0..U+FDEF and U+nFFFE / U+nFFFF of every plane).
 * With the `u` flag a lone surrogate is one code point, so \p{Cs} finds it.
 */
export const NOT_XML_TEXT = /[^\t\n\r\x20-\x7E\xA0-\u{10FFFF}]|\p{Cs}|\p{Noncharacter_Code_Point}/u;
/** Tab, LF and CR: XML text, but not on one line. */
const LINE_BREAK_OR_TAB = /[\t\n\r]/;

/** `U+FFFE`, `U+1FFFE`, `U+000A`: how a refusal names a character. */
export function codePointName(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

export interface XmlTextOptions {
  /** Tab, LF and CR are allowed (XML allows them; a one-line field such as a title does not). Default false. */
  multiline?: boolean;
}

/**
 * Why `value` is not XML 1.0 text (`must be XML 1.0 text: U+FFFE is not allowed`), or undefined
 * when it is. The one test both the request schema and the XML builder apply.
 */
export function xmlTextProblem(value: string, options: XmlTextOptions = {}): string | undefined {
  const bad = NOT_XML_TEXT.exec(value)?.[0];
  if (bad !== undefined) return `must be XML 1.0 text: ${codePointName(bad)} is not allowed`;
  if (options.multiline !== true) {
    const breaking = LINE_BREAK_OR_TAB.exec(value)?.[0];
    if (breaking !== undefined) return `must be XML 1.0 text on one line: ${codePointName(breaking)} is not allowed`;
  }
  return undefined;
}

export function isXmlText(value: string, options: XmlTextOptions = {}): boolean {
  return xmlTextProblem(value, options) === undefined;
}

/**
 * One argument of a container's init: printable text on one line, at most 4096 characters, not
 * starting or ending with white space (libvirt's XML would not keep it).
 */
export const INIT_ARG = /^([^\p{Cc}\p{Cs}\u2028\u2029\s]([^\p{Cc}\p{Cs}\u2028\u2029]{0,4094}[^\p{Cc}\p{Cs}\u2028\u2029\s])?)?$/u;
/** An environment variable name for a container's init: a C identifier. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/**
 * An environment variable value: as an init argument, without `&`, `<` and `>`: libvirt 9.0
 * writes <initenv> text unescaped, so its own XML of such a value would not parse.
 */
export const ENV_VALUE = /^([^\p{Cc}\p{Cs}\u2028\u2029\s&<>]([^\p{Cc}\p{Cs}\u2028\u2029&<>]{0,4094}[^\p{Cc}\p{Cs}\u2028\u2029\s&<>])?)?$/u;
