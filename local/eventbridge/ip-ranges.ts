/** `cidr` patterns and exact IP values: addresses as event-ruler compares them. */

import { invalid } from './pattern-errors';

// ---------------------------------------------------------------------------------------------------------------
// IP addresses and CIDR blocks (event-ruler CIDR.java, with Java's InetAddress literal parsing)
// ---------------------------------------------------------------------------------------------------------------

const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;
const HEX_DIGITS = '0123456789ABCDEF';

/** An IP literal as bytes (4 or 16), or undefined if the text is not one. IPv4-mapped IPv6 becomes IPv4. */
export function parseIp(text: string): number[] | undefined {
  if (IPV4_SHAPE.test(text)) return parseIpv4(text);
  if (IPV6_SHAPE.test(text)) return parseIpv6(text);
  return undefined;
}

function parseIpv4(text: string): number[] | undefined {
  if (text.length > 15) return undefined;
  const bytes = text.split('.').map(Number);
  return bytes.every((b) => b <= 255) ? bytes : undefined;
}

function parseIpv6(text: string): number[] | undefined {
  if (text.length < 2) return undefined;
  const bytes: number[] = [];
  let i = 0;
  if (text[0] === ':' && text[++i] !== ':') return undefined;
  let gap = -1;
  let sawDigit = false;
  let value = 0;
  while (i < text.length) {
    const c = text[i++] as string;
    if (c !== ':') {
      value = (value << 4) | parseInt(c, 16);
      if (value > 0xffff) return undefined;
      sawDigit = true;
      continue;
    }
    if (!sawDigit) {
      if (gap !== -1) return undefined;
      gap = bytes.length;
      continue;
    }
    if (i === text.length || bytes.length + 2 > 16) return undefined;
    bytes.push(value >> 8, value & 0xff);
    sawDigit = false;
    value = 0;
  }
  if (sawDigit) {
    if (bytes.length + 2 > 16) return undefined;
    bytes.push(value >> 8, value & 0xff);
  }
  if (gap !== -1) {
    if (bytes.length === 16) return undefined;
    bytes.splice(gap, 0, ...new Array<number>(16 - bytes.length).fill(0));
  }
  if (bytes.length !== 16) return undefined;
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

function toHex(bytes: readonly number[]): string {
  let hex = '';
  for (const b of bytes) hex += (HEX_DIGITS[b >> 4] as string) + (HEX_DIGITS[b & 15] as string);
  return hex;
}

/** An address range over hex digits, matched the way event-ruler's byte machine walks a range. */
export interface HexRange {
  readonly bottom: string;
  readonly top: string;
  readonly bottomOpen: boolean;
  readonly topOpen: boolean;
}

/** An exact IP in a pattern is a one-address range (event-ruler CIDR.ipToRangeIfPossible). */
export function exactIpRange(bytes: readonly number[]): HexRange {
  const hex = toHex(bytes);
  const last = hex[hex.length - 1] as string;
  const stem = hex.slice(0, -1);
  if (last === 'F') return { bottom: `${stem}E`, bottomOpen: true, top: hex, topOpen: false };
  const next = HEX_DIGITS[HEX_DIGITS.indexOf(last) + 1] as string;
  return { bottom: hex, bottomOpen: false, top: `${stem}${next}`, topOpen: true };
}

/** Java's String.split("/"): trailing empty strings dropped. */
function splitJava(text: string, separator: string): string[] {
  const parts = text.split(separator);
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 1 && parts[0] === '' && text.length > 0) return [];
  return parts;
}

export function parseCidr(text: string): HexRange {
  const parts = splitJava(text, '/');
  if (parts.length !== 2) invalid("Malformed CIDR, one '/' required");
  const [address, mask] = parts as [string, string];
  if (
    !/^[+-]?[0-9]+$/.test(mask) ||
    !Number.isSafeInteger(Number(mask)) ||
    Math.abs(Number(mask)) > 2 ** 31
  ) {
    invalid('Malformed CIDR, mask bits must be an integer');
  }
  const maskBits = Number(mask);
  if (maskBits < 0) invalid('Malformed CIDR, mask bits must not be negative');
  const shaped = IPV4_SHAPE.test(address) || IPV6_SHAPE.test(address);
  const bytes = shaped ? parseIp(address) : [];
  if (bytes === undefined) invalid(`Invalid IP address: ${address}`);
  if (bytes.length !== 4 && bytes.length !== 16) invalid(`Nonstandard IP address: ${address}`);
  if (bytes.length === 4 && maskBits > 31) invalid('IPv4 mask bits must be < 32');
  if (bytes.length === 16 && maskBits > 127) invalid('IPv6 mask bits must be < 128');
  const bottom: number[] = [];
  const top: number[] = [];
  bytes.forEach((b, index) => {
    const fixed = Math.max(0, Math.min(8, maskBits - index * 8));
    const keep = (0xff << (8 - fixed)) & 0xff;
    bottom.push(b & keep);
    top.push(b | (~keep & 0xff));
  });
  return { bottom: toHex(bottom), top: toHex(top), bottomOpen: false, topOpen: false };
}

/**
 * Whether hex digits fall in the range, digit by digit as event-ruler's range trie decides: a value longer or
 * shorter than the range (an IPv6 address against an IPv4 block) is decided by its leading digits alone.
 */
export function hexRangeMatches(range: HexRange, value: string): boolean {
  const { bottom, top } = range;
  let fork = 0;
  while (bottom.charCodeAt(fork) === top.charCodeAt(fork)) {
    if (fork >= value.length || value.charCodeAt(fork) !== bottom.charCodeAt(fork)) return false;
    fork++;
  }
  if (fork >= value.length) return false;
  const digit = value.charCodeAt(fork);
  const low = bottom.charCodeAt(fork);
  const high = top.charCodeAt(fork);
  if (digit > low && digit < high) return true;
  if (digit === low) return followEdge(bottom, fork, value, range.bottomOpen, 1);
  if (digit === high) return followEdge(top, fork, value, range.topOpen, -1);
  return false;
}

/** Along the bottom (direction 1: larger digits win) or top (direction -1: smaller digits win) edge. */
function followEdge(edge: string, fork: number, value: string, open: boolean, direction: 1 | -1): boolean {
  const last = edge.length - 1;
  if (fork === last) return !open;
  for (let i = fork + 1; i <= last; i++) {
    if (i >= value.length) return false;
    const difference = (value.charCodeAt(i) - edge.charCodeAt(i)) * direction;
    if (difference > 0) return true;
    if (difference < 0) return false;
    if (i === last) return !open;
  }
  return false;
}

export function ipHexOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const bytes = parseIp(value);
  return bytes === undefined ? undefined : toHex(bytes);
}
