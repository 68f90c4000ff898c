/**
 * PII redaction: the inference firewall's first step. Every memory write and every prompt passes through a
 * `Redactor`, so no e-mail address, phone number, card number, IP address or named personal field reaches
 * memory or a model.
 *
 * What is recognised in free text:
 * - e-mail addresses (RFC 5322 local parts with the usual specials, dotted domains with a letter TLD);
 * - phone numbers written internationally (`+44 20 7946 0958`, `+14155550123`, 8–15 digits after the `+`)
 *   or in the North American 3-3-4 shape with separators (`212-555-0123`, `(212) 555-0123`);
 * - card numbers: 13–19 digits, optionally grouped by spaces or dashes, starting with 2–6 (the card networks'
 *   ranges) and passing the Luhn check;
 * - IPv4 addresses (dotted decimal) and IPv6 addresses (full, compressed, with an embedded IPv4 tail).
 * ISO timestamps, incident keys such as `warehouse#WH-NYC#2026-11-20T10:35:00Z` and plain numbers are left
 * alone: they are what memory is for.
 */

type PiiKind = 'email' | 'phone' | 'card' | 'ipv4' | 'ipv6' | 'named_field';

/** One redacted value: what it was and where — never the value itself. */
export interface Redaction {
  readonly kind: PiiKind;
  /** `$` for the value itself, else a path such as `$.customer.email` or `$.items[2].note`. */
  readonly path: string;
  /** For `named_field`: the field's name as written. */
  readonly field?: string;
}

interface Redacted<T> {
  /** A redacted copy; the input is not modified. Values of named fields become strings. */
  readonly value: T;
  readonly redactions: readonly Redaction[];
}

export interface RedactorOptions {
  /**
   * Deterministic pseudonym of a value, e.g. a keyed HMAC truncated to a few hex digits (the domain has no
   * crypto: the caller passes the function, holding the key). Tokens then read `[email:3f9a…]`, so records of
   * the same customer still link up without saying who it is. Card numbers never get a pseudonym.
   * @default none — tokens read `[email]`, `[phone]`, `[customerId]`
   */
  readonly pseudonymize?: (value: string) => string;
  /**
   * Object keys whose values are personal whatever they look like; compared case-insensitively, ignoring
   * `_` and `-` (so `customer_id` matches `customerId`).
   * @default DEFAULT_PERSONAL_FIELDS
   */
  readonly personalFields?: readonly string[];
}

export interface Redactor {
  /** Redacts free text. */
  redactText(text: string): Redacted<string>;
  /** Redacts a JSON-like value: strings by content, named fields entirely, recursively through arrays and objects. */
  redact<T>(value: T): Redacted<T>;
}

const DEFAULT_PERSONAL_FIELDS: readonly string[] = [
  'customerId',
  'customerName',
  'name',
  'firstName',
  'lastName',
  'fullName',
  'address',
  'shippingAddress',
  'billingAddress',
  'street',
  'email',
  'emailAddress',
  'phone',
  'phoneNumber',
  'mobile',
];

/** Objects nested deeper than this are replaced whole; memory records are shallow, so this only stops cycles. */
const MAX_DEPTH = 32;

interface Detector {
  readonly kind: Exclude<PiiKind, 'named_field'>;
  readonly pattern: RegExp;
  /** Where in `match` the PII is, if anywhere: a candidate can be longer than the value it holds. */
  readonly accept: (match: string) => Span | undefined;
}

interface Span {
  readonly start: number;
  readonly end: number;
}

const whole = (match: string): Span => ({ start: 0, end: match.length });
const wholeIf = (ok: boolean, match: string): Span | undefined => (ok ? whole(match) : undefined);

const digitsOf = (text: string): string => text.replace(/\D/g, '');

/** The Luhn checksum of card numbers (ISO/IEC 7812-1). */
function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

const isCard = (digits: string): boolean =>
  digits.length >= 13 && digits.length <= 19 && /^[2-6]/.test(digits) && luhnValid(digits);

/**
 * The longest run of whole digit groups in the candidate that is a card number: the candidate can start with
 * a date's digits (`11-20 4111 1111 1111 1111`) or end with a year's.
 */
function cardSpan(match: string): Span | undefined {
  const groups = [...match.matchAll(/\d+/g)];
  for (let count = groups.length; count > 0; count -= 1) {
    for (const [first, { index: start }] of groups.entries()) {
      // No run of `count` groups starts here or later.
      const last = groups[first + count - 1];
      if (last === undefined) break;
      const end = last.index + last[0].length;
      if (isCard(digitsOf(match.slice(start, end)))) return { start, end };
    }
  }
  return undefined;
}

/** Validates an IPv6 candidate: eight 16-bit groups, or fewer with one `::`, optionally ending in IPv4. */
function isIpv6(candidate: string): boolean {
  let text = candidate;
  let tailGroups = 0;
  const ipv4Tail = /(?:^|:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text)?.[1];
  if (ipv4Tail !== undefined) {
    if (!isIpv4(ipv4Tail)) return false;
    text = text.slice(0, text.length - ipv4Tail.length);
    // `::1.2.3.4` leaves `::`; `a:b:…:1.2.3.4` leaves a trailing `:` to drop.
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
    tailGroups = 2;
  }
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (half: string): string[] | undefined => {
    if (half === '') return [];
    const groups = half.split(':');
    return groups.every((group) => /^[0-9A-Fa-f]{1,4}$/.test(group)) ? groups : undefined;
  };
  const parsed = halves.map(groupsOf);
  if (parsed.some((groups) => groups === undefined)) return false;
  const count = parsed.reduce((total, groups) => total + (groups?.length ?? 0), 0) + tailGroups;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/**
 * The longest run of whole groups from the `+` with 8–15 digits (E.164's limit): a candidate can run on into
 * a neighbouring number.
 */
function internationalPhoneSpan(match: string): Span | undefined {
  const groups = [...match.matchAll(/\(\d+\)|\d+/g)];
  for (const last of groups.toReversed()) {
    const end = last.index + last[0].length;
    const digits = digitsOf(match.slice(0, end)).length;
    if (digits >= 8 && digits <= 15) return { start: 0, end };
  }
  return undefined;
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';

function isIpv4(candidate: string): boolean {
  return new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`).test(candidate);
}

const LOCAL_CHAR = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";

/**
 * RFC 5322 allows `#` in a local part, but memory keys use `#` as their separator (`customer#jo@example.com`):
 * the address starts after the last `#` when something is left before the `@`, so the key's prefix survives.
 */
function emailSpan(match: string): Span {
  const at = match.lastIndexOf('@');
  const hash = match.lastIndexOf('#', at);
  return hash >= 0 && hash < at - 1 ? { start: hash + 1, end: match.length } : whole(match);
}

/** Applied in this order: each detector sees the text the previous ones left. */
const detectors: readonly Detector[] = [
  {
    kind: 'email',
    pattern: new RegExp(
      `${LOCAL_CHAR}+(?:\\.${LOCAL_CHAR}+)*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\\.[A-Za-z]{2,63}(?![A-Za-z0-9-])`,
      'g',
    ),
    accept: emailSpan,
  },
  {
    kind: 'card',
    pattern: /(?<![\w+])\d(?:[ -]?\d){12,18}(?!\w)/g,
    accept: cardSpan,
  },
  {
    kind: 'ipv6',
    pattern: /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,8}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4})(?![\w:])/g,
    accept: (match) => wholeIf(isIpv6(match), match),
  },
  {
    kind: 'ipv4',
    pattern: new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?!\\w|\\.\\d)`, 'g'),
    accept: whole,
  },
  {
    kind: 'phone',
    pattern: /(?<![\w+])\+\d{1,3}(?:[ .-]?(?:\(\d{1,4}\)|\d{1,5})){1,7}(?!\w)/g,
    accept: internationalPhoneSpan,
  },
  {
    kind: 'phone',
    pattern: /(?<![\w+])(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\w)/g,
    accept: whole,
  },
];

/**
 * The spans `detector` accepts in `text`. A rejected candidate is retried one character on, and scanning resumes
 * right after an accepted span, so a value next to a look-alike (`2026-11 4111 1111 1111 1111`) is still found.
 */
function spansOf(text: string, detector: Detector): Span[] {
  const { pattern } = detector;
  const spans: Span[] = [];
  let from = 0;
  while (from < text.length) {
    pattern.lastIndex = from;
    const match = pattern.exec(text);
    if (!match) break;
    const span = detector.accept(match[0]);
    if (!span) {
      from = match.index + 1;
      continue;
    }
    spans.push({ start: match.index + span.start, end: match.index + span.end });
    from = Math.max(match.index + span.end, match.index + 1);
  }
  return spans;
}

/**
 * Every detector's spans in the ORIGINAL text, overlapping ones joined into one (labelled by the detector listed
 * first): a value one detector takes in part (a card number's digits running into an IPv6 address) is redacted
 * whole, never left as a fragment that no detector reads once the other has replaced its part.
 */
function piiSpans(text: string): { start: number; end: number; kind: Detector['kind'] }[] {
  const all = detectors.flatMap((detector, order) =>
    spansOf(text, detector).map((span) => ({ ...span, kind: detector.kind, order })),
  );
  all.sort((a, b) => a.start - b.start || a.order - b.order);
  const joined: { start: number; end: number; kind: Detector['kind']; order: number }[] = [];
  for (const span of all) {
    const last = joined[joined.length - 1];
    if (last && span.start < last.end) {
      last.end = Math.max(last.end, span.end);
      if (span.order < last.order) {
        last.kind = span.kind;
        last.order = span.order;
      }
    } else {
      joined.push({ ...span });
    }
  }
  return joined;
}

const normalizeField = (name: string): string => name.toLowerCase().replace(/[_-]/g, '');

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);

const childPath = (path: string, key: string): string =>
  /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

/**
 * Builds a redactor.
 *
 * @example
 * const redactor = createRedactor();
 * redactor.redactText('call +44 20 7946 0958 or mail jo@example.com').value
 * // 'call [phone] or mail [email]'
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const personal = new Set((options.personalFields ?? DEFAULT_PERSONAL_FIELDS).map(normalizeField));
  const { pseudonymize } = options;
  const token = (label: string, original: string, pseudonymous: boolean): string =>
    pseudonymize && pseudonymous ? `[${label}:${pseudonymize(original)}]` : `[${label}]`;

  const redactString = (text: string, path: string, found: Redaction[]): string => {
    let result = '';
    let copied = 0;
    for (const { start, end, kind } of piiSpans(text)) {
      found.push({ kind, path });
      result += text.slice(copied, start) + token(kind, text.slice(start, end), kind !== 'card');
      copied = end;
    }
    return result + text.slice(copied);
  };

  const redactNode = (value: unknown, path: string, depth: number, found: Redaction[]): unknown => {
    if (typeof value === 'string') return redactString(value, path, found);
    if (depth > MAX_DEPTH) return '[redacted]';
    if (Array.isArray(value)) {
      return value.map((item, index) => redactNode(item, `${path}[${index}]`, depth + 1, found));
    }
    if (!isPlainObject(value)) return value;
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const keyPath = childPath(path, key);
      if (personal.has(normalizeField(key)) && child !== null && child !== undefined) {
        found.push({ kind: 'named_field', path: keyPath, field: key });
        const original = typeof child === 'string' ? child : JSON.stringify(child);
        copy[key] = token(key, original, true);
      } else {
        copy[key] = redactNode(child, keyPath, depth + 1, found);
      }
    }
    return copy;
  };

  return {
    redactText(text) {
      const found: Redaction[] = [];
      return { value: redactString(text, '$', found), redactions: found };
    },
    redact<T>(value: T): Redacted<T> {
      const found: Redaction[] = [];
      return { value: redactNode(value, '$', 0, found) as T, redactions: found };
    },
  };
}
