/** `equals-ignore-case` (and prefix/suffix ignoring case) as event-ruler matches it. */

// ---------------------------------------------------------------------------------------------------------------
// Case-insensitive matching: each pattern character matches its own lower- or upper-case form, as event-ruler's
// EqualsIgnoreCaseParser does ("ß" matches "SS"; the Kelvin sign does not match "k").
// ---------------------------------------------------------------------------------------------------------------

export type Anchor = 'equals' | 'prefix' | 'suffix';

export class IgnoreCaseMatcher {
  /** Per pattern character, its lower- and upper-case forms, when every form is a single UTF-16 unit. */
  private readonly lower: string;
  private readonly upper: string;
  /** Otherwise a regular expression over the alternatives. */
  private readonly regex: RegExp | undefined;

  constructor(
    pattern: string,
    private readonly anchor: Anchor,
  ) {
    const alternatives: string[][] = [];
    for (const char of pattern) {
      const lower = char.toLowerCase();
      const upper = char.toUpperCase();
      alternatives.push(lower === upper ? [lower] : [lower, upper]);
    }
    const simple = alternatives.every((forms) => forms.every((form) => form.length === 1));
    this.lower = simple ? alternatives.map((forms) => forms[0]).join('') : '';
    this.upper = simple ? alternatives.map((forms) => forms[forms.length - 1]).join('') : '';
    if (simple) {
      this.regex = undefined;
    } else {
      const body = alternatives.map((forms) => `(?:${forms.map(escapeRegex).join('|')})`).join('');
      this.regex = new RegExp(
        anchor === 'equals' ? `^${body}$` : anchor === 'prefix' ? `^${body}` : `${body}$`,
        's',
      );
    }
  }

  test(text: string): boolean {
    if (this.regex !== undefined) return this.regex.test(text);
    const { lower, upper } = this;
    const length = lower.length;
    if (this.anchor === 'equals' ? text.length !== length : text.length < length) return false;
    const offset = this.anchor === 'suffix' ? text.length - length : 0;
    for (let i = 0; i < length; i++) {
      const c = text.charCodeAt(offset + i);
      if (c !== lower.charCodeAt(i) && c !== upper.charCodeAt(i)) return false;
    }
    return true;
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}
